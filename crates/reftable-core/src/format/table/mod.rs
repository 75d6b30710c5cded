//! One table: opening and verifying it, seeking and iterating its sections,
//! and writing new ones.

pub(crate) mod iter;
mod writer;

pub use iter::{BlockInfo, Blocks, LogIter, RefIter, RefsFor};
pub use writer::{SectionStats, WriteOptions, WriteStats, Writer};

use std::path::Path;

pub(crate) use iter::SectionIter;

use super::block::Block;
use super::header::{footer_size, header_size};
use super::record::{log_key, BLOCK_TYPE_INDEX, BLOCK_TYPE_LOG, BLOCK_TYPE_OBJ, BLOCK_TYPE_REF};
use super::{Corruption, Error, Footer, HashId, Header, RefRecord, Source};

/// Index levels deeper than this are treated as corruption (a table of 2^64
/// bytes needs far fewer).
const MAX_INDEX_DEPTH: usize = 64;

/// A table opened for reading.
///
/// Opening reads and verifies the header and footer only; every seek reads
/// just the blocks it needs (through the index when there is one).
///
/// ```no_run
/// use reftable_core::format::Table;
/// let table = Table::open(".git/reftable/0x000000000001-0x000000000001-01234567.ref".as_ref())?;
/// let mut refs = table.seek_ref(b"refs/heads/")?;
/// while let Some(r) = refs.next_ref()? {
///     if !r.name.starts_with(b"refs/heads/") { break }
///     println!("{}", String::from_utf8_lossy(r.name));
/// }
/// # Ok::<(), reftable_core::format::Error>(())
/// ```
#[derive(Debug)]
pub struct Table {
    source: Source,
    header: Header,
    footer: Footer,
    header_len: usize,
    table_end: usize,
    first_block_type: Option<u8>,
}

impl Table {
    /// Opens and verifies the table file at `path`.
    pub fn open(path: &Path) -> Result<Table, Error> {
        Table::from_source(Source::open(path)?)
    }

    /// Opens a table held in memory; `name` is used in errors.
    pub fn from_bytes(name: impl Into<String>, bytes: Vec<u8>) -> Result<Table, Error> {
        Table::from_source(Source::from_bytes(name, bytes))
    }

    /// Opens a table over `source`.
    pub fn from_source(source: Source) -> Result<Table, Error> {
        let corrupt = |offset: usize, kind| Error::Corrupt {
            table: source.name().to_owned(),
            offset: offset as u64,
            kind,
        };
        let data = source.bytes();
        let header = Header::decode(data).map_err(|k| corrupt(0, k))?;
        let header_len = header_size(header.version);
        let flen = footer_size(header.version);
        if data.len() < header_len + flen {
            return Err(corrupt(
                0,
                Corruption::TooSmall {
                    size: data.len() as u64,
                },
            ));
        }
        let table_end = data.len() - flen;
        let footer =
            Footer::decode(&data[table_end..], &header, &data[..header_len]).map_err(|k| corrupt(table_end, k))?;
        for off in [
            footer.ref_index_offset,
            footer.obj_offset,
            footer.obj_index_offset,
            footer.log_offset,
            footer.log_index_offset,
        ] {
            if off != 0 && off >= table_end as u64 {
                return Err(corrupt(table_end, Corruption::SectionOffset(off)));
            }
        }
        if footer.obj_offset != 0 && (footer.obj_id_len == 0 || footer.obj_id_len as usize > header.hash.size()) {
            return Err(corrupt(table_end, Corruption::SectionOffset(footer.obj_offset)));
        }
        let first_block_type = (table_end > header_len).then(|| data[header_len]);
        Ok(Table {
            source,
            header,
            footer,
            header_len,
            table_end,
            first_block_type,
        })
    }

    /// Fails with [`Corruption::HashMismatch`] unless the table stores
    /// `hash` object ids (a SHA-256 repository must not read SHA-1 tables).
    pub fn expect_hash(&self, hash: HashId) -> Result<(), Error> {
        if self.header.hash != hash {
            return Err(self.corrupt(
                0,
                Corruption::HashMismatch {
                    expected: hash.name(),
                    found: self.header.hash.name(),
                },
            ));
        }
        Ok(())
    }

    /// The table's name in errors (its file name).
    pub fn name(&self) -> &str {
        self.source.name()
    }
    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }
    /// The footer.
    pub fn footer(&self) -> &Footer {
        &self.footer
    }
    /// The object id kind.
    pub fn hash(&self) -> HashId {
        self.header.hash
    }
    /// The smallest update index in the table.
    pub fn min_update_index(&self) -> u64 {
        self.header.min_update_index
    }
    /// The largest update index in the table.
    pub fn max_update_index(&self) -> u64 {
        self.header.max_update_index
    }
    /// Size of the file.
    pub fn size(&self) -> u64 {
        self.source.bytes().len() as u64
    }
    /// The raw bytes.
    pub fn bytes(&self) -> &[u8] {
        self.source.bytes()
    }

    pub(crate) fn corrupt(&self, offset: u64, kind: Corruption) -> Error {
        Error::Corrupt {
            table: self.name().to_owned(),
            offset,
            kind,
        }
    }

    /// Loads the block at `offset`.
    pub(crate) fn block_at(&self, offset: u64) -> Result<Block<'_>, Error> {
        if offset >= self.table_end as u64 {
            return Err(self.corrupt(offset, Corruption::BlockOutOfBounds));
        }
        Block::parse(
            self.source.bytes(),
            self.table_end,
            offset as usize,
            self.header.block_size,
            self.header_len,
        )
        .map_err(|k| self.corrupt(offset, k))
    }

    /// The type of the block at `offset`, if a block can start there.
    pub(crate) fn block_type_at(&self, offset: u64) -> Option<u8> {
        if offset >= self.table_end as u64 {
            return None;
        }
        let at = offset as usize + if offset == 0 { self.header_len } else { 0 };
        if at >= self.table_end {
            return None;
        }
        self.source.bytes().get(at).copied()
    }

    /// Where the section of `typ` starts, if the table has one.
    fn section_start(&self, typ: u8) -> Option<u64> {
        match typ {
            BLOCK_TYPE_REF => (self.first_block_type == Some(BLOCK_TYPE_REF)).then_some(0),
            BLOCK_TYPE_LOG => {
                if self.footer.log_offset > 0 {
                    Some(self.footer.log_offset)
                } else {
                    (self.first_block_type == Some(BLOCK_TYPE_LOG)).then_some(0)
                }
            }
            BLOCK_TYPE_OBJ => (self.footer.obj_offset > 0).then_some(self.footer.obj_offset),
            _ => None,
        }
    }

    fn index_offset(&self, typ: u8) -> u64 {
        match typ {
            BLOCK_TYPE_REF => self.footer.ref_index_offset,
            BLOCK_TYPE_LOG => self.footer.log_index_offset,
            BLOCK_TYPE_OBJ => self.footer.obj_index_offset,
            _ => 0,
        }
    }

    /// Whether the table has ref records.
    pub fn has_refs(&self) -> bool {
        self.section_start(BLOCK_TYPE_REF).is_some()
    }
    /// Whether the table has log records.
    pub fn has_logs(&self) -> bool {
        self.section_start(BLOCK_TYPE_LOG).is_some()
    }
    /// Whether the table has an obj index.
    pub fn has_obj_index(&self) -> bool {
        self.section_start(BLOCK_TYPE_OBJ).is_some()
    }

    fn section_iter(&self, typ: u8) -> Result<SectionIter<'_>, Error> {
        match self.section_start(typ) {
            Some(off) => SectionIter::at_block(self, off, typ),
            None => Ok(SectionIter::empty(self, typ)),
        }
    }

    /// Positions an iterator of section `typ` before the first key `>= want`.
    pub(crate) fn seek(&self, typ: u8, want: &[u8]) -> Result<SectionIter<'_>, Error> {
        let Some(start) = self.section_start(typ) else {
            return Ok(SectionIter::empty(self, typ));
        };
        let index = self.index_offset(typ);
        if index == 0 {
            return self.seek_linear(start, typ, want);
        }
        if self.block_type_at(index) != Some(BLOCK_TYPE_INDEX) {
            return Err(self.corrupt(index, Corruption::BadIndexTarget(index)));
        }
        let mut idx = self.seek_linear(index, BLOCK_TYPE_INDEX, want)?;
        for _ in 0..MAX_INDEX_DEPTH {
            let Some(target) = idx.next_index()? else {
                return Ok(SectionIter::empty(self, typ));
            };
            let block = self.block_at(target)?;
            if block.typ != typ && block.typ != BLOCK_TYPE_INDEX {
                return Err(self.corrupt(target, Corruption::BadIndexTarget(target)));
            }
            let block_typ = block.typ;
            let key_buf = idx.take_key_buf();
            let mut it = SectionIter::with_block_and_buf(self, block, block_typ, key_buf);
            it.seek_in_block(want)?;
            if block_typ == typ {
                return Ok(it);
            }
            idx = it;
        }
        Err(self.corrupt(index, Corruption::IndexTooDeep))
    }

    fn seek_linear(&self, start: u64, typ: u8, want: &[u8]) -> Result<SectionIter<'_>, Error> {
        let mut it = SectionIter::at_block(self, start, typ)?;
        while let Some(next) = it.peek_next_block()? {
            let first = next.first_key().map_err(|k| self.corrupt(next.offset, k))?;
            if first > want {
                break;
            }
            it.set_block(next);
        }
        it.seek_in_block(want)?;
        Ok(it)
    }

    /// Iterates all ref records (including deletions) in name order.
    pub fn refs(&self) -> Result<RefIter<'_>, Error> {
        Ok(RefIter::new(self.section_iter(BLOCK_TYPE_REF)?))
    }

    /// Iterates ref records starting at the first name `>= name`.
    pub fn seek_ref(&self, name: &[u8]) -> Result<RefIter<'_>, Error> {
        Ok(RefIter::new(self.seek(BLOCK_TYPE_REF, name)?))
    }

    /// The record for exactly `name` (which may be a deletion), if present.
    pub fn find_ref(&self, name: &[u8]) -> Result<Option<RefRecord>, Error> {
        let mut it = self.seek_ref(name)?;
        Ok(it.next_ref()?.filter(|r| r.name == name).map(|r| r.to_owned()))
    }

    /// Iterates all log records: by name, newest first within a name.
    pub fn logs(&self) -> Result<LogIter<'_>, Error> {
        Ok(LogIter::new(self.section_iter(BLOCK_TYPE_LOG)?))
    }

    /// Iterates log records starting at the newest entry of `name`.
    pub fn seek_log(&self, name: &[u8]) -> Result<LogIter<'_>, Error> {
        self.seek_log_at(name, u64::MAX)
    }

    /// Iterates log records starting at `(name, update_index)`, or the next
    /// older entry of `name` if there is none at that index.
    pub fn seek_log_at(&self, name: &[u8], update_index: u64) -> Result<LogIter<'_>, Error> {
        let mut key = Vec::with_capacity(name.len() + 9);
        log_key(&mut key, name, update_index);
        Ok(LogIter::new(self.seek(BLOCK_TYPE_LOG, &key)?))
    }

    /// Iterates the refs whose value or peeled value is `oid`, through the
    /// obj index when the table has one, else by scanning all refs.
    pub fn refs_for(&self, oid: &[u8]) -> Result<RefsFor<'_>, Error> {
        let Some(_) = self.section_start(BLOCK_TYPE_OBJ) else {
            return Ok(RefsFor::scan(self.refs()?, oid));
        };
        let prefix = &oid[..(self.footer.obj_id_len as usize).min(oid.len())];
        let mut it = self.seek(BLOCK_TYPE_OBJ, prefix)?;
        let mut offsets = Vec::new();
        match it.next_obj(&mut offsets)? {
            Some(true) => {}
            _ => return Ok(RefsFor::none(self, oid)),
        }
        if it.key() != prefix {
            return Ok(RefsFor::none(self, oid));
        }
        if offsets.is_empty() {
            return Ok(RefsFor::scan(self.refs()?, oid));
        }
        Ok(RefsFor::blocks(self, oid, offsets))
    }

    /// Walks every block of the table in file order (for `dump --blocks` and verification).
    pub fn blocks(&self) -> Blocks<'_> {
        Blocks::new(self)
    }
}
