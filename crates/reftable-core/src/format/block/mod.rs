//! Blocks: a run of prefix-compressed records followed by restart offsets.
//!
//! Layout: `type:u8 block_len:u24 records… restart_offset:u24* restart_count:u16`.
//! The first block of a file shares its space with the file header, and its
//! offsets (and `block_len`) count the header. Log blocks (`g`) are zlib
//! deflated after the 4-byte block header; their `block_len` is the inflated
//! size.

mod writer;
pub use writer::BlockWriter;

use std::borrow::Cow;

use super::header::{be16, be24};
use super::record::{self, decode_key, is_block_type, BLOCK_TYPE_LOG};
use super::{varint, Corruption};

/// A decoded block, borrowed from the table (or owning its inflated bytes).
#[derive(Debug, Clone)]
pub struct Block<'a> {
    data: Cow<'a, [u8]>,
    /// File offset of the block.
    pub offset: u64,
    /// Bytes of file header in front of the block header (only in the first block).
    pub header_off: usize,
    /// Block type.
    pub typ: u8,
    /// End of the records (start of the restart table).
    pub restart_start: usize,
    /// Number of restart points.
    pub restart_count: usize,
    /// Bytes from this block's start to the next block's start in the file.
    pub full_block_size: usize,
    /// `block_len` from the block header.
    pub block_len: usize,
}

impl<'a> Block<'a> {
    /// Parses the block at `offset` of `file`, whose blocks end at
    /// `table_end`. `block_size` is the table's, `header_len` the size of
    /// the file header (only the block at offset 0 carries it).
    pub fn parse(
        file: &'a [u8],
        table_end: usize,
        offset: usize,
        block_size: u32,
        header_len: usize,
    ) -> Result<Block<'a>, Corruption> {
        let header_off = if offset == 0 { header_len } else { 0 };
        let table_end = table_end.min(file.len());
        let body = offset
            .checked_add(header_off + 4)
            .filter(|&e| e <= table_end)
            .ok_or(Corruption::BlockOutOfBounds)?;
        let typ = file[offset + header_off];
        if !is_block_type(typ) {
            return Err(Corruption::BadBlockType(typ));
        }
        let sz = be24(&file[offset + header_off + 1..]) as usize;
        if sz < header_off + 4 + 2 {
            return Err(Corruption::BlockLength(sz as u32));
        }
        let (data, full_block_size) = if typ == BLOCK_TYPE_LOG {
            // zlib cannot expand data more than ~1032:1: refuse to allocate
            // for a claimed size the remaining bytes could never inflate to.
            let room = (table_end - body) as u64;
            if (sz - header_off - 4) as u64 > room.saturating_mul(1032) + 64 {
                return Err(Corruption::InflatedSize {
                    expected: (sz - header_off - 4) as u64,
                    actual: 0,
                });
            }
            let mut out = Vec::with_capacity(sz);
            out.extend_from_slice(&file[offset..body]);
            out.resize(sz, 0);
            let mut z = flate2::Decompress::new(true);
            let status = z
                .decompress(
                    &file[body..table_end],
                    &mut out[header_off + 4..],
                    flate2::FlushDecompress::Finish,
                )
                .map_err(|e| Corruption::Zlib(e.to_string()))?;
            if status != flate2::Status::StreamEnd || z.total_out() != (sz - header_off - 4) as u64 {
                return Err(Corruption::InflatedSize {
                    expected: (sz - header_off - 4) as u64,
                    actual: z.total_out(),
                });
            }
            (Cow::Owned(out), header_off + 4 + z.total_in() as usize)
        } else {
            let end = offset
                .checked_add(sz)
                .filter(|&e| e <= table_end)
                .ok_or(Corruption::BlockOutOfBounds)?;
            let bs = block_size as usize;
            // As git decides: a block shorter than the block size whose next
            // byte is not 0 (padding) is followed directly by the next block.
            let full = if bs == 0 || (sz < bs && end < table_end && file[end] != 0) {
                sz
            } else {
                bs.max(sz)
            };
            (Cow::Borrowed(&file[offset..end]), full)
        };
        let restart_count = be16(&data[sz - 2..]) as usize;
        let restart_start = (sz - 2)
            .checked_sub(3 * restart_count)
            .filter(|&s| s >= header_off + 4)
            .ok_or(Corruption::BlockLength(sz as u32))?;
        Ok(Block {
            data,
            offset: offset as u64,
            header_off,
            typ,
            restart_start,
            restart_count,
            full_block_size,
            block_len: sz,
        })
    }

    #[cfg_attr(not(feature = "test-internals"), allow(dead_code))]
    /// The block's bytes (inflated for log blocks), from its start.
    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The record bytes (everything before the restart table).
    #[inline]
    pub fn records(&self) -> &[u8] {
        &self.data[..self.restart_start]
    }

    /// Offset of the first record.
    #[inline]
    pub fn first_record(&self) -> usize {
        self.header_off + 4
    }

    /// The `i`-th restart offset, checked to lie among the records.
    #[inline]
    pub fn restart(&self, i: usize) -> Result<usize, Corruption> {
        let at = self.restart_start + 3 * i;
        let off = be24(&self.data[at..at + 3]);
        if (off as usize) < self.first_record() || off as usize >= self.restart_start {
            return Err(Corruption::RestartOutOfRange(off));
        }
        Ok(off as usize)
    }

    /// The key of the first record.
    pub fn first_key(&self) -> Result<&[u8], Corruption> {
        record::restart_key(self.records(), self.first_record())
    }

    /// Positions `cursor` before the first record whose key is `>= want`
    /// (at the end of the block if there is none), using binary search over
    /// the restart points and then a linear scan.
    pub fn seek(&self, cursor: &mut Cursor, want: &[u8], hash_size: usize) -> Result<(), Corruption> {
        let recs = self.records();
        // First restart whose key is > want.
        let (mut lo, mut hi) = (0usize, self.restart_count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let key = record::restart_key(recs, self.restart(mid)?)?;
            if key > want {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        cursor.key.clear();
        cursor.pos = if lo == 0 {
            self.first_record()
        } else {
            self.restart(lo - 1)?
        };
        // `matched`: length of the common prefix of `cursor.key` (always < want)
        // and `want`. A record sharing more than `matched` bytes with its
        // predecessor is smaller than `want` for the same reason its
        // predecessor is; otherwise only its suffix needs comparing.
        let mut matched = 0usize;
        loop {
            if cursor.pos >= recs.len() {
                return Ok(());
            }
            let mut p = cursor.pos;
            let prefix = varint::get(recs, &mut p)?;
            let st = varint::get(recs, &mut p)?;
            if prefix > cursor.key.len() as u64 {
                return Err(Corruption::PrefixTooLong {
                    prefix,
                    previous: cursor.key.len(),
                });
            }
            let prefix = prefix as usize;
            let suffix_end = (p as u64)
                .checked_add(st >> 3)
                .filter(|&e| e <= recs.len() as u64)
                .ok_or(Corruption::Truncated)? as usize;
            let suffix = &recs[p..suffix_end];
            if prefix <= matched {
                let rest = &want[prefix..];
                let c = record::common_prefix(suffix, rest);
                let less = if c == suffix.len() {
                    c < rest.len()
                } else {
                    c < rest.len() && suffix[c] < rest[c]
                };
                if !less {
                    return Ok(());
                }
                matched = prefix + c;
            }
            cursor.key.truncate(prefix);
            cursor.key.extend_from_slice(suffix);
            p = suffix_end;
            skip_value(self.typ, (st & 7) as u8, recs, &mut p, hash_size)?;
            cursor.pos = p;
        }
    }

    /// Decodes the key of the record at the cursor into `cursor.key` and
    /// returns its value type and the position of its value, or `None` at
    /// the end of the block. The caller decodes the value and must then set
    /// `cursor.pos` to its end.
    #[inline(always)]
    pub fn next_key(&self, cursor: &mut Cursor) -> Result<Option<u8>, Corruption> {
        let recs = self.records();
        if cursor.pos >= recs.len() {
            return Ok(None);
        }
        let (t, shared) = decode_key(recs, &mut cursor.pos, &mut cursor.key)?;
        cursor.shared = shared;
        Ok(Some(t))
    }
}

impl Block<'_> {
    #[cfg_attr(not(feature = "test-internals"), allow(dead_code))]
    /// Decodes every record of the block (keys, values, restart points) and
    /// returns how many there are: a full consistency check of one block,
    /// for verification and fuzzing. Keys must be strictly increasing.
    /// [`Table::blocks`](crate::format::Table::blocks) lists a table's blocks.
    pub fn check(&self, hash_size: usize) -> Result<usize, Corruption> {
        for i in 0..self.restart_count {
            let at = self.restart(i)?;
            record::restart_key(self.records(), at)?;
        }
        let mut cursor = Cursor {
            pos: self.first_record(),
            ..Default::default()
        };
        let mut prev: Vec<u8> = Vec::new();
        let mut n = 0;
        while let Some(vt) = self.next_key(&mut cursor)? {
            if n > 0 && cursor.key <= prev {
                return Err(Corruption::KeyOrder);
            }
            skip_value(self.typ, vt, self.records(), &mut cursor.pos, hash_size)?;
            prev.clone_from(&cursor.key);
            n += 1;
        }
        Ok(n)
    }
}

/// A position inside a block: the next record's offset and the previous key.
#[derive(Debug, Clone, Default)]
pub struct Cursor {
    /// Offset of the next record in the block.
    pub pos: usize,
    /// The key of the record before `pos` (the last decoded key).
    pub key: Vec<u8>,
    /// How many leading bytes the last decoded key shares with the key
    /// before it in the block (exactly; 0 for a block's first key).
    pub shared: usize,
}

/// Skips a record value of block type `typ` and value type `vt`.
pub(crate) fn skip_value(typ: u8, vt: u8, data: &[u8], pos: &mut usize, hash_size: usize) -> Result<(), Corruption> {
    match typ {
        record::BLOCK_TYPE_REF => record::decode_ref_value(data, pos, vt, hash_size).map(drop),
        record::BLOCK_TYPE_LOG => record::decode_log_value(data, pos, vt, hash_size).map(drop),
        record::BLOCK_TYPE_INDEX => record::decode_index_value(data, pos).map(drop),
        _ => {
            let count = if vt == 0 {
                varint::get(data, pos)?
            } else {
                u64::from(vt)
            };
            if count > (data.len() - *pos) as u64 {
                return Err(Corruption::Truncated);
            }
            for _ in 0..count {
                varint::get(data, pos)?;
            }
            Ok(())
        }
    }
}
