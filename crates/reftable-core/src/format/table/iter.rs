//! Iterators over a table's sections. They lend records borrowed from the
//! current block and a reused key buffer: no allocation per record.

use crate::format::block::{Block, Cursor};
use crate::format::record::{
    common_prefix, decode_index_value, decode_log_value, decode_obj_value, decode_ref_value, split_log_key,
    BLOCK_TYPE_REF,
};
use crate::format::{Corruption, Error, LogRecord, LogRecordRef, RefRecord, RefRecordRef};

use super::Table;

/// A position in one section of a table, moving across its blocks.
pub(crate) struct SectionIter<'t> {
    table: &'t Table,
    typ: u8,
    block: Option<Block<'t>>,
    cursor: Cursor,
    vt: u8,
    value_start: usize,
    single_block: bool,
    /// A key was decoded whose value has not been consumed yet.
    pending: bool,
    /// The last key of the previous block, while the iterator has not
    /// decoded a key of the current one yet (see [`shared`](Self::shared)).
    prev_block_key: Vec<u8>,
    crossed: bool,
}

impl<'t> SectionIter<'t> {
    pub(crate) fn empty(table: &'t Table, typ: u8) -> Self {
        SectionIter {
            table,
            typ,
            block: None,
            cursor: Cursor::default(),
            vt: 0,
            value_start: 0,
            single_block: false,
            pending: false,
            prev_block_key: Vec::new(),
            crossed: false,
        }
    }

    pub(crate) fn with_block(table: &'t Table, block: Block<'t>, typ: u8) -> Self {
        let mut it = SectionIter::empty(table, typ);
        it.set_block(block);
        it
    }

    /// Like [`with_block`](Self::with_block), reusing `key_buf`'s allocation.
    pub(crate) fn with_block_and_buf(table: &'t Table, block: Block<'t>, typ: u8, key_buf: Vec<u8>) -> Self {
        let mut it = SectionIter::empty(table, typ);
        it.cursor.key = key_buf;
        it.set_block(block);
        it
    }

    pub(crate) fn take_key_buf(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.cursor.key)
    }

    pub(crate) fn at_block(table: &'t Table, offset: u64, typ: u8) -> Result<Self, Error> {
        let block = table.block_at(offset)?;
        if block.typ != typ {
            return Err(table.corrupt(offset, Corruption::BadBlockType(block.typ)));
        }
        Ok(SectionIter::with_block(table, block, typ))
    }

    pub(crate) fn set_block(&mut self, block: Block<'t>) {
        self.cursor.pos = block.first_record();
        std::mem::swap(&mut self.cursor.key, &mut self.prev_block_key);
        self.cursor.key.clear();
        self.crossed = true;
        self.block = Some(block);
    }

    /// The block after the current one, if it belongs to this section.
    pub(crate) fn peek_next_block(&self) -> Result<Option<Block<'t>>, Error> {
        let Some(b) = &self.block else { return Ok(None) };
        let next = b.offset + b.full_block_size as u64;
        match self.table.block_type_at(next) {
            Some(t) if t == self.typ => Ok(Some(self.table.block_at(next)?)),
            _ => Ok(None),
        }
    }

    pub(crate) fn seek_in_block(&mut self, want: &[u8]) -> Result<(), Error> {
        if let Some(b) = &self.block {
            b.seek(&mut self.cursor, want, self.table.hash().size())
                .map_err(|k| self.table.corrupt(b.offset, k))?;
        }
        Ok(())
    }

    fn err(&self, k: Corruption) -> Error {
        self.table.corrupt(self.block.as_ref().map_or(0, |b| b.offset), k)
    }

    /// Decodes the next key; the value then sits at `value_start`.
    #[inline(always)]
    pub(crate) fn advance(&mut self) -> Result<bool, Error> {
        loop {
            let Some(b) = &self.block else { return Ok(false) };
            match b
                .next_key(&mut self.cursor)
                .map_err(|k| self.table.corrupt(b.offset, k))?
            {
                Some(vt) => {
                    self.vt = vt;
                    self.value_start = self.cursor.pos;
                    if self.crossed {
                        self.crossed = false;
                        self.cursor.shared = common_prefix(&self.cursor.key, &self.prev_block_key);
                    }
                    return Ok(true);
                }
                None => {
                    let next = if self.single_block {
                        None
                    } else {
                        self.peek_next_block()?
                    };
                    match next {
                        Some(nb) => self.set_block(nb),
                        None => {
                            self.block = None;
                            return Ok(false);
                        }
                    }
                }
            }
        }
    }

    /// Moves to the next record, consuming the current one's value if it
    /// was not decoded: after `true`, [`key`](Self::key) and the value of
    /// the new current record are available.
    #[inline(always)]
    pub(crate) fn step(&mut self) -> Result<bool, Error> {
        if self.pending {
            let mut pos = self.value_start;
            let hs = self.table.hash().size();
            crate::format::block::skip_value(self.typ, self.vt, self.records(), &mut pos, hs)
                .map_err(|k| self.err(k))?;
            self.cursor.pos = pos;
        }
        let ok = self.advance()?;
        self.pending = ok;
        Ok(ok)
    }

    /// Whether the current record is a deletion (value type 0 of a ref or log record).
    #[inline]
    pub(crate) fn is_deletion(&self) -> bool {
        self.vt == 0
    }

    pub(crate) fn key(&self) -> &[u8] {
        &self.cursor.key
    }

    /// Leading bytes the current key shares with the previous one (exactly;
    /// after a seek, with whatever key the iterator held before).
    #[inline]
    pub(crate) fn shared(&self) -> usize {
        self.cursor.shared
    }

    fn records(&self) -> &[u8] {
        self.block.as_ref().map_or(&[], |b| b.records())
    }

    pub(crate) fn next_index(&mut self) -> Result<Option<u64>, Error> {
        if !self.advance()? {
            return Ok(None);
        }
        let mut pos = self.value_start;
        let off = decode_index_value(self.records(), &mut pos).map_err(|k| self.err(k))?;
        self.cursor.pos = pos;
        Ok(Some(off))
    }

    pub(crate) fn next_obj(&mut self, offsets: &mut Vec<u64>) -> Result<Option<bool>, Error> {
        if !self.advance()? {
            return Ok(None);
        }
        let mut pos = self.value_start;
        decode_obj_value(self.records(), &mut pos, self.vt, offsets).map_err(|k| self.err(k))?;
        self.cursor.pos = pos;
        Ok(Some(true))
    }

    /// The ref record whose key was just decoded, and where its value ends.
    #[inline]
    pub(crate) fn current_ref(&self) -> Result<(RefRecordRef<'_>, usize), Error> {
        let mut pos = self.value_start;
        let (delta, value) =
            decode_ref_value(self.records(), &mut pos, self.vt, self.table.hash().size()).map_err(|k| self.err(k))?;
        let update_index = self
            .table
            .min_update_index()
            .checked_add(delta)
            .ok_or_else(|| self.err(Corruption::VarintOverflow))?;
        Ok((
            RefRecordRef {
                name: &self.cursor.key,
                update_index,
                value,
            },
            pos,
        ))
    }

    /// Decodes the value of the record whose key was just decoded, moves
    /// past it, and returns the record: one decode per record.
    #[inline(always)]
    pub(crate) fn take_ref(&mut self) -> Result<RefRecordRef<'_>, Error> {
        let SectionIter {
            table,
            block,
            cursor,
            vt,
            value_start,
            pending,
            ..
        } = self;
        let offset = block.as_ref().map_or(0, |b| b.offset);
        let recs = block.as_ref().map_or(&[][..], |b| b.records());
        let mut pos = *value_start;
        let (delta, value) =
            decode_ref_value(recs, &mut pos, *vt, table.hash().size()).map_err(|k| table.corrupt(offset, k))?;
        let update_index = table
            .min_update_index()
            .checked_add(delta)
            .ok_or_else(|| table.corrupt(offset, Corruption::VarintOverflow))?;
        cursor.pos = pos;
        *pending = false;
        Ok(RefRecordRef {
            name: &cursor.key,
            update_index,
            value,
        })
    }

    #[inline]
    pub(crate) fn current_log(&self) -> Result<(LogRecordRef<'_>, usize), Error> {
        let mut pos = self.value_start;
        let value =
            decode_log_value(self.records(), &mut pos, self.vt, self.table.hash().size()).map_err(|k| self.err(k))?;
        let (name, update_index) = split_log_key(&self.cursor.key).map_err(|k| self.err(k))?;
        Ok((
            LogRecordRef {
                name,
                update_index,
                value,
            },
            pos,
        ))
    }
}

/// Iterates ref records in name order; see [`Table::refs`].
///
/// [`next_ref`](RefIter::next_ref) lends each record without allocating;
/// as an [`Iterator`] it yields owned [`RefRecord`]s.
pub struct RefIter<'t> {
    it: SectionIter<'t>,
}

impl<'t> RefIter<'t> {
    pub(crate) fn new(it: SectionIter<'t>) -> Self {
        RefIter { it }
    }

    /// The next record, borrowed until the next call.
    #[inline]
    pub fn next_ref(&mut self) -> Result<Option<RefRecordRef<'_>>, Error> {
        if !self.it.advance()? {
            return Ok(None);
        }
        self.it.take_ref().map(Some)
    }

    /// Like [`next_ref`](Self::next_ref), but the record is only decoded
    /// once: returns the name and value through `f`.
    #[inline]
    pub fn for_each_ref(&mut self, mut f: impl FnMut(RefRecordRef<'_>) -> bool) -> Result<(), Error> {
        while self.it.advance()? {
            let (rec, end) = self.it.current_ref()?;
            if !f(rec) {
                self.it.cursor.pos = end;
                return Ok(());
            }
            self.it.cursor.pos = end;
        }
        Ok(())
    }
}

impl Iterator for RefIter<'_> {
    type Item = Result<RefRecord, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_ref().map(|r| r.map(|r| r.to_owned())).transpose()
    }
}

/// Iterates log records by name, newest first; see [`Table::logs`].
pub struct LogIter<'t> {
    it: SectionIter<'t>,
}

impl<'t> LogIter<'t> {
    pub(crate) fn new(it: SectionIter<'t>) -> Self {
        LogIter { it }
    }

    /// The next record, borrowed until the next call.
    pub fn next_log(&mut self) -> Result<Option<LogRecordRef<'_>>, Error> {
        if !self.it.advance()? {
            return Ok(None);
        }
        let end = self.it.current_log()?.1;
        self.it.cursor.pos = end;
        Ok(Some(self.it.current_log()?.0))
    }
}

impl Iterator for LogIter<'_> {
    type Item = Result<LogRecord, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_log().map(|r| r.map(|r| r.to_owned())).transpose()
    }
}

/// The refs pointing at one object id; see [`Table::refs_for`].
pub struct RefsFor<'t> {
    oid: Vec<u8>,
    mode: Mode<'t>,
}

enum Mode<'t> {
    Nothing,
    Scan(SectionIter<'t>),
    Blocks {
        table: &'t Table,
        offsets: Vec<u64>,
        next: usize,
        iter: Option<SectionIter<'t>>,
    },
}

impl<'t> RefsFor<'t> {
    pub(crate) fn none(_table: &'t Table, oid: &[u8]) -> Self {
        RefsFor {
            oid: oid.to_vec(),
            mode: Mode::Nothing,
        }
    }
    pub(crate) fn scan(refs: RefIter<'t>, oid: &[u8]) -> Self {
        RefsFor {
            oid: oid.to_vec(),
            mode: Mode::Scan(refs.it),
        }
    }
    pub(crate) fn blocks(table: &'t Table, oid: &[u8], offsets: Vec<u64>) -> Self {
        RefsFor {
            oid: oid.to_vec(),
            mode: Mode::Blocks {
                table,
                offsets,
                next: 0,
                iter: None,
            },
        }
    }

    fn current_iter(&mut self) -> Result<Option<&mut SectionIter<'t>>, Error> {
        match &mut self.mode {
            Mode::Nothing => Ok(None),
            Mode::Scan(it) => Ok(Some(it)),
            Mode::Blocks {
                table,
                offsets,
                next,
                iter,
            } => {
                if iter.is_none() {
                    let Some(&off) = offsets.get(*next) else {
                        return Ok(None);
                    };
                    *next += 1;
                    let block = table.block_at(off)?;
                    if block.typ != BLOCK_TYPE_REF {
                        return Err(table.corrupt(off, Corruption::BadIndexTarget(off)));
                    }
                    let mut it = SectionIter::with_block(table, block, BLOCK_TYPE_REF);
                    it.single_block = true;
                    *iter = Some(it);
                }
                Ok(iter.as_mut())
            }
        }
    }

    /// The next matching ref record, borrowed until the next call.
    pub fn next_ref(&mut self) -> Result<Option<RefRecordRef<'_>>, Error> {
        loop {
            let oid = std::mem::take(&mut self.oid);
            let step = (|| {
                let Some(it) = self.current_iter()? else {
                    return Ok(None);
                };
                if !it.advance()? {
                    return Ok(Some(false));
                }
                let (rec, end) = it.current_ref()?;
                let hit = rec.value.object_id() == Some(&oid[..]) || rec.value.peeled() == Some(&oid[..]);
                it.cursor.pos = end;
                Ok::<_, Error>(Some(hit))
            })();
            self.oid = oid;
            match step? {
                None => return Ok(None),
                Some(true) => break,
                Some(false) => {
                    if let Mode::Blocks { iter, .. } = &mut self.mode {
                        if iter.as_ref().is_some_and(|i| i.block.is_none()) {
                            *iter = None;
                            continue;
                        }
                    }
                    if let Mode::Scan(it) = &self.mode {
                        if it.block.is_none() {
                            return Ok(None);
                        }
                    }
                }
            }
        }
        let it = self.current_iter()?.expect("an iterator is current after a hit");
        Ok(Some(it.current_ref()?.0))
    }
}

impl Iterator for RefsFor<'_> {
    type Item = Result<RefRecord, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_ref().map(|r| r.map(|r| r.to_owned())).transpose()
    }
}

/// The layout of one block, for `dump --blocks` and checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockInfo {
    /// File offset.
    pub offset: u64,
    /// Block type: `r`, `g`, `o` or `i`.
    pub typ: u8,
    /// `block_len` from the block header (inflated size for log blocks).
    pub block_len: usize,
    /// Bytes the block occupies in the file, padding included.
    pub full_size: usize,
    /// Restart points.
    pub restarts: usize,
    /// Records in the block.
    pub records: usize,
    /// Key of the first record.
    pub first_key: Vec<u8>,
    /// Key of the last record.
    pub last_key: Vec<u8>,
}

/// Walks all blocks of a table in file order; see [`Table::blocks`].
pub struct Blocks<'t> {
    table: &'t Table,
    next: Option<u64>,
}

impl<'t> Blocks<'t> {
    pub(crate) fn new(table: &'t Table) -> Self {
        Blocks {
            table,
            next: table.block_type_at(0).map(|_| 0),
        }
    }
}

impl Iterator for Blocks<'_> {
    type Item = Result<BlockInfo, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        let off = self.next.take()?;
        let res = (|| {
            let block = self.table.block_at(off)?;
            let typ = block.typ;
            let full = block.full_block_size;
            let mut it = SectionIter::with_block(self.table, block, typ);
            it.single_block = true;
            let mut info = BlockInfo {
                offset: off,
                typ,
                block_len: 0,
                full_size: full,
                restarts: 0,
                records: 0,
                first_key: Vec::new(),
                last_key: Vec::new(),
            };
            if let Some(b) = &it.block {
                info.block_len = b.block_len;
                info.restarts = b.restart_count;
                for i in 0..b.restart_count {
                    b.restart(i).map_err(|k| self.table.corrupt(off, k))?;
                }
            }
            let hs = self.table.hash().size();
            while it.advance()? {
                if info.records == 0 {
                    info.first_key = it.cursor.key.clone();
                } else if it.cursor.key <= info.last_key {
                    return Err(self.table.corrupt(off, Corruption::KeyOrder));
                }
                info.last_key.clone_from(&it.cursor.key);
                info.records += 1;
                let mut pos = it.value_start;
                let recs = it.records();
                crate::format::block::skip_value(typ, it.vt, recs, &mut pos, hs).map_err(|k| it.err(k))?;
                if typ == crate::format::record::BLOCK_TYPE_LOG {
                    split_log_key(&it.cursor.key).map_err(|k| it.err(k))?;
                }
                it.cursor.pos = pos;
            }
            Ok((info, off + full as u64))
        })();
        match res {
            Ok((info, next)) => {
                self.next = self.table.block_type_at(next).map(|_| next);
                Some(Ok(info))
            }
            Err(e) => Some(Err(e)),
        }
    }
}
