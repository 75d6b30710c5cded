//! Writing one table, byte for byte as git's `reftable/writer.c` lays it out.

use std::io::Write;

use crate::format::block::BlockWriter;
use crate::format::header::header_size;
use crate::format::record::{
    self, common_prefix, log_key, obj_value_type, BLOCK_TYPE_INDEX, BLOCK_TYPE_LOG, BLOCK_TYPE_OBJ, BLOCK_TYPE_REF,
};
use crate::format::{
    Footer, HashId, Header, IndexRecord, LogRecordRef, LogUpdateRef, LogValueRef, RefRecordRef, RefValueRef,
    WriteError, DEFAULT_BLOCK_SIZE, DEFAULT_RESTART_INTERVAL,
};

/// Options for writing a table; the defaults are git's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// Block size in bytes (`reftable.blockSize`), below 2^24.
    pub block_size: u32,
    /// A restart point every this many records (`reftable.restartInterval`).
    pub restart_interval: usize,
    /// Object id kind; selects format version 1 (SHA-1) or 2.
    pub hash: HashId,
    /// Write no obj index (`reftable.indexObjects = false`).
    pub skip_index_objects: bool,
    /// Store log messages as given; otherwise they are normalized as git
    /// does: trailing newlines dropped, one `\n` appended, several lines
    /// refused.
    pub exact_log_message: bool,
    /// Do not pad blocks to the block size; the header's block size is then
    /// 0, as the format requires of unaligned files.
    pub unpadded: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            block_size: DEFAULT_BLOCK_SIZE,
            restart_interval: DEFAULT_RESTART_INTERVAL,
            hash: HashId::Sha1,
            skip_index_objects: false,
            exact_log_message: false,
            unpadded: false,
        }
    }
}

/// Statistics of one section of a written table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SectionStats {
    /// Records written.
    pub entries: usize,
    /// Restart points written.
    pub restarts: usize,
    /// Blocks written.
    pub blocks: usize,
    /// Index blocks written for the section.
    pub index_blocks: usize,
    /// Offset of the first block.
    pub offset: u64,
    /// Offset of the top-level index, 0 if none.
    pub index_offset: u64,
    /// Levels of index.
    pub max_index_level: usize,
}

/// What a [`Writer`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Ref section.
    pub refs: SectionStats,
    /// Obj section.
    pub objs: SectionStats,
    /// Log section.
    pub logs: SectionStats,
    /// Index blocks of all sections.
    pub indexes: SectionStats,
    /// Blocks of all kinds.
    pub blocks: usize,
    /// Length of abbreviated object ids in the obj section.
    pub object_id_len: u8,
    /// Bytes in the file.
    pub bytes: u64,
    /// The table's smallest update index (from `set_limits`).
    pub min_update_index: u64,
    /// The table's largest update index.
    pub max_update_index: u64,
}

impl WriteStats {
    /// Whether the table holds no record (git does not add such a table to a stack).
    pub fn is_empty(&self) -> bool {
        self.refs.entries == 0 && self.logs.entries == 0
    }
}

/// Writes one table to `W`.
///
/// Records must be added in key order: all refs by name, then all logs by
/// (name, update index descending). Set the update index range with
/// [`set_limits`](Writer::set_limits) first.
///
/// ```
/// use reftable_core::format::{Table, Writer, WriteOptions, RefRecordRef, RefValueRef};
/// let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
/// w.set_limits(1, 1).unwrap();
/// w.add_ref(&RefRecordRef { name: b"refs/heads/main", update_index: 1, value: RefValueRef::Val1(&[1; 20]) }).unwrap();
/// let (bytes, _stats) = w.finish().unwrap();
/// let table = Table::from_bytes("t.ref", bytes).unwrap();
/// assert!(table.find_ref(b"refs/heads/main").unwrap().is_some());
/// ```
pub struct Writer<W: Write> {
    out: W,
    opts: WriteOptions,
    min: u64,
    max: u64,
    next: u64,
    pending_padding: usize,
    last_key: Vec<u8>,
    bw: BlockWriter,
    bw_active: bool,
    index: Vec<IndexRecord>,
    obj_ids: Vec<u8>,
    obj_offsets: Vec<u64>,
    stats: WriteStats,
    key_buf: Vec<u8>,
    msg_buf: Vec<u8>,
    zeros: Vec<u8>,
}

impl<W: Write> Writer<W> {
    /// A writer with `opts`.
    pub fn new(out: W, opts: WriteOptions) -> Result<Self, WriteError> {
        if opts.block_size >= 1 << 24 {
            return Err(WriteError::Options("block size must be below 16 MiB"));
        }
        let mut opts = opts;
        if opts.block_size == 0 {
            opts.block_size = DEFAULT_BLOCK_SIZE;
        }
        if opts.restart_interval == 0 {
            opts.restart_interval = DEFAULT_RESTART_INTERVAL;
        }
        if (opts.block_size as usize) < header_size(opts.hash.version()) + 4 + 2 + 16 {
            return Err(WriteError::Options("block size too small"));
        }
        let mut w = Writer {
            out,
            opts,
            min: 0,
            max: 0,
            next: 0,
            pending_padding: 0,
            last_key: Vec::new(),
            bw: BlockWriter::new(opts.block_size as usize, opts.restart_interval),
            bw_active: false,
            index: Vec::new(),
            obj_ids: Vec::new(),
            obj_offsets: Vec::new(),
            stats: WriteStats::default(),
            key_buf: Vec::new(),
            msg_buf: Vec::new(),
            zeros: Vec::new(),
        };
        w.reinit(BLOCK_TYPE_REF);
        Ok(w)
    }

    /// Sets the table's update index range; must come before any record.
    pub fn set_limits(&mut self, min: u64, max: u64) -> Result<(), WriteError> {
        if self.next != 0 || !self.last_key.is_empty() {
            return Err(WriteError::LimitsAfterWrite);
        }
        self.min = min;
        self.max = max;
        Ok(())
    }

    fn header(&self) -> Header {
        Header {
            version: self.opts.hash.version(),
            // The spec: "Unaligned files must set `block_size = 0`" (git's
            // test-only unpadded mode writes the size; JGit, which relies on
            // the rule, then reads padding where the next block starts).
            block_size: if self.opts.unpadded { 0 } else { self.opts.block_size },
            min_update_index: self.min,
            max_update_index: self.max,
            hash: self.opts.hash,
        }
    }

    fn reinit(&mut self, typ: u8) {
        let header_off = if self.next == 0 {
            header_size(self.opts.hash.version())
        } else {
            0
        };
        self.bw.reset(typ, header_off);
        self.bw_active = true;
    }

    fn check_id(&self, name: &[u8], id: &[u8]) -> Result<(), WriteError> {
        if id.len() != self.opts.hash.size() {
            return Err(WriteError::HashLength {
                name: lossy(name),
                len: id.len(),
                expected: self.opts.hash.size(),
            });
        }
        Ok(())
    }

    /// Adds a ref record. Names must be strictly increasing and the update
    /// index within the limits.
    pub fn add_ref(&mut self, rec: &RefRecordRef<'_>) -> Result<(), WriteError> {
        if rec.name.is_empty() {
            return Err(WriteError::EmptyName);
        }
        if rec.update_index < self.min || rec.update_index > self.max {
            return Err(WriteError::UpdateIndexOutOfRange {
                name: lossy(rec.name),
                index: rec.update_index,
                min: self.min,
                max: self.max,
            });
        }
        match rec.value {
            RefValueRef::Val1(v) => self.check_id(rec.name, v)?,
            RefValueRef::Val2 { value, peeled } => {
                self.check_id(rec.name, value)?;
                self.check_id(rec.name, peeled)?;
            }
            _ => {}
        }
        if self.bw_active && self.bw.typ() != BLOCK_TYPE_REF || !self.bw_active && self.next != 0 {
            return Err(WriteError::OutOfOrder {
                key: lossy(rec.name),
                previous: "(ref records must precede log records)".into(),
            });
        }
        let delta = rec.update_index - self.min;
        let value = rec.value;
        self.add_record(rec.name, BLOCK_TYPE_REF, value.value_type(), |out| {
            record::encode_ref_value(out, delta, &value)
        })?;
        if !self.opts.skip_index_objects {
            let block = self.next;
            if let Some(v) = value.object_id() {
                self.obj_ids.extend_from_slice(v);
                self.obj_offsets.push(block);
            }
            if let Some(p) = value.peeled() {
                self.obj_ids.extend_from_slice(p);
                self.obj_offsets.push(block);
            }
        }
        Ok(())
    }

    /// Adds a log record. Keys (name, then update index descending) must be
    /// strictly increasing; the update index may not exceed the maximum.
    pub fn add_log(&mut self, rec: &LogRecordRef<'_>) -> Result<(), WriteError> {
        let LogValueRef::Update(u) = rec.value else {
            return self.add_log_verbatim(rec.name, rec.update_index, &rec.value);
        };
        if rec.update_index > self.max {
            return Err(WriteError::UpdateIndexOutOfRange {
                name: lossy(rec.name),
                index: rec.update_index,
                min: self.min,
                max: self.max,
            });
        }
        if rec.name.is_empty() {
            return Err(WriteError::EmptyName);
        }
        self.check_id(rec.name, u.old_id)?;
        self.check_id(rec.name, u.new_id)?;
        if self.opts.exact_log_message {
            return self.add_log_verbatim(rec.name, rec.update_index, &rec.value);
        }
        let mut msg = std::mem::take(&mut self.msg_buf);
        msg.clear();
        msg.extend_from_slice(u.message);
        while msg.last() == Some(&b'\n') {
            msg.pop();
        }
        if msg.contains(&b'\n') {
            self.msg_buf = msg;
            return Err(WriteError::MultiLineMessage { name: lossy(rec.name) });
        }
        msg.push(b'\n');
        let value = LogValueRef::Update(LogUpdateRef { message: &msg, ..u });
        let res = self.add_log_verbatim(rec.name, rec.update_index, &value);
        self.msg_buf = msg;
        res
    }

    fn add_log_verbatim(&mut self, name: &[u8], update_index: u64, value: &LogValueRef<'_>) -> Result<(), WriteError> {
        if self.bw_active && self.bw.typ() == BLOCK_TYPE_REF {
            self.finish_public_section()?;
        }
        self.next -= self.pending_padding as u64;
        self.pending_padding = 0;
        let mut key = std::mem::take(&mut self.key_buf);
        log_key(&mut key, name, update_index);
        let vt = u8::from(matches!(value, LogValueRef::Update(_)));
        let res = self.add_record(&key, BLOCK_TYPE_LOG, vt, |out| record::encode_log_value(out, value));
        self.key_buf = key;
        res
    }

    fn add_record(
        &mut self,
        key: &[u8],
        typ: u8,
        value_type: u8,
        encode: impl Fn(&mut Vec<u8>),
    ) -> Result<(), WriteError> {
        if !self.last_key.is_empty() && self.last_key.as_slice() >= key {
            return Err(WriteError::OutOfOrder {
                key: lossy(key),
                previous: lossy(&self.last_key),
            });
        }
        self.last_key.clear();
        self.last_key.extend_from_slice(key);
        if !self.bw_active {
            self.reinit(typ);
        }
        if self.bw.add(key, value_type, &encode) {
            return Ok(());
        }
        self.flush_block()?;
        self.reinit(typ);
        if self.bw.add(key, value_type, &encode) {
            return Ok(());
        }
        Err(WriteError::EntryTooBig {
            key: lossy(key),
            block_size: self.opts.block_size,
        })
    }

    fn section_stats(&mut self, typ: u8) -> &mut SectionStats {
        match typ {
            BLOCK_TYPE_REF => &mut self.stats.refs,
            BLOCK_TYPE_OBJ => &mut self.stats.objs,
            BLOCK_TYPE_LOG => &mut self.stats.logs,
            _ => &mut self.stats.indexes,
        }
    }

    fn padded_write(&mut self, data_from_bw: bool, padding: usize) -> Result<(), WriteError> {
        if self.pending_padding > 0 {
            if self.zeros.len() < self.pending_padding {
                self.zeros.resize(self.pending_padding, 0);
            }
            self.out.write_all(&self.zeros[..self.pending_padding])?;
            self.stats.bytes += self.pending_padding as u64;
            self.pending_padding = 0;
        }
        self.pending_padding = padding;
        if data_from_bw {
            let header = (self.next == 0).then(|| self.header());
            let buf = self.bw.finish()?;
            if let Some(h) = header {
                let mut hb = Vec::with_capacity(28);
                h.encode(&mut hb);
                buf[..hb.len()].copy_from_slice(&hb);
            }
            self.out.write_all(buf)?;
            self.stats.bytes += buf.len() as u64;
        }
        Ok(())
    }

    fn flush_block(&mut self) -> Result<(), WriteError> {
        if !self.bw_active || self.bw.entries() == 0 {
            return Ok(());
        }
        let typ = self.bw.typ();
        let entries = self.bw.entries();
        let restarts = self.bw.restart_count();
        let last_key = self.bw.last_key().to_vec();
        let before = self.stats.bytes + self.pending_padding as u64;
        self.padded_write(true, 0)?;
        let raw = (self.stats.bytes - before) as usize;
        let padding = if !self.opts.unpadded && typ != BLOCK_TYPE_LOG {
            (self.opts.block_size as usize).saturating_sub(raw)
        } else {
            0
        };
        self.pending_padding = padding;
        let next = self.next;
        let s = self.section_stats(typ);
        if s.blocks == 0 {
            s.offset = next;
        }
        s.entries += entries;
        s.restarts += restarts;
        s.blocks += 1;
        self.stats.blocks += 1;
        self.index.push(IndexRecord {
            last_key,
            offset: self.next,
        });
        self.next += (padding + raw) as u64;
        self.bw_active = false;
        Ok(())
    }

    fn finish_section(&mut self) -> Result<(), WriteError> {
        let typ = self.bw.typ();
        let threshold = if self.opts.unpadded { 1 } else { 3 };
        let before = self.stats.indexes.blocks;
        let mut index_start = 0;
        let mut max_level = 0;
        self.flush_block()?;
        while self.index.len() > threshold {
            max_level += 1;
            index_start = self.next;
            self.reinit(BLOCK_TYPE_INDEX);
            self.last_key.clear();
            let idx = std::mem::take(&mut self.index);
            for rec in &idx {
                let off = rec.offset;
                self.add_record(&rec.last_key, BLOCK_TYPE_INDEX, 0, |out| {
                    record::encode_index_value(out, off)
                })?;
            }
            self.flush_block()?;
        }
        self.index.clear();
        let index_blocks = self.stats.indexes.blocks - before;
        let s = self.section_stats(typ);
        s.index_blocks = index_blocks;
        s.index_offset = index_start;
        s.max_index_level = max_level;
        self.last_key.clear();
        Ok(())
    }

    fn finish_public_section(&mut self) -> Result<(), WriteError> {
        if !self.bw_active {
            return Ok(());
        }
        let typ = self.bw.typ();
        self.finish_section()?;
        if typ == BLOCK_TYPE_REF && !self.opts.skip_index_objects && self.stats.refs.index_blocks > 0 {
            self.dump_object_index()?;
        }
        self.obj_ids = Vec::new();
        self.obj_offsets = Vec::new();
        self.bw_active = false;
        Ok(())
    }

    fn dump_object_index(&mut self) -> Result<(), WriteError> {
        let hs = self.opts.hash.size();
        let ids = std::mem::take(&mut self.obj_ids);
        let offsets = std::mem::take(&mut self.obj_offsets);
        let id = |i: u32| &ids[i as usize * hs..(i as usize + 1) * hs];
        // Sort by id, then by insertion order (so offsets of one id stay
        // increasing): an integer sort on (8-byte big-endian prefix, index),
        // which also keeps refs sharing an object in insertion order. Runs
        // with one prefix but different ids (never for real hashes, possible
        // in crafted input) are then ordered by the whole id, stably.
        // Sort by id, then by insertion order (so offsets of one id stay
        // increasing): one integer sort of (first 4 bytes of the id, index)
        // packed into a u64, which keeps refs sharing an object in insertion
        // order; runs whose ids differ past those 4 bytes are then ordered by
        // the whole id, stably. Eight bytes per entry keep big tables lean.
        let mut keyed: Vec<u64> = (0..offsets.len() as u32)
            .map(|i| {
                let mut p = [0u8; 4];
                p.copy_from_slice(&id(i)[..4]);
                (u64::from(u32::from_be_bytes(p)) << 32) | u64::from(i)
            })
            .collect();
        keyed.sort_unstable();
        let mut order: Vec<u32> = keyed.iter().map(|&k| k as u32).collect();
        drop(keyed);
        let mut start = 0;
        while start < order.len() {
            let p = &id(order[start])[..4];
            let end = start + order[start..].iter().take_while(|&&i| &id(i)[..4] == p).count();
            let run = &mut order[start..end];
            if run.iter().any(|&i| id(i) != id(run[0])) {
                run.sort_by(|&a, &b| id(a).cmp(id(b)));
            }
            start = end;
        }
        let mut max_common = 1;
        for w in order.windows(2) {
            let (a, b) = (id(w[0]), id(w[1]));
            if a != b {
                max_common = max_common.max(common_prefix(a, b));
            }
        }
        let id_len = (max_common + 1).min(hs);
        self.stats.object_id_len = id_len as u8;
        self.reinit(BLOCK_TYPE_OBJ);
        let mut group: Vec<u64> = Vec::new();
        let mut i = 0;
        while i < order.len() {
            let cur = id(order[i]);
            group.clear();
            while i < order.len() && id(order[i]) == cur {
                let off = offsets[order[i] as usize];
                if group.last() != Some(&off) {
                    group.push(off);
                }
                i += 1;
            }
            let key = &cur[..id_len];
            let vt = obj_value_type(group.len());
            if self.bw.add(key, vt, |out| record::encode_obj_value(out, &group)) {
                continue;
            }
            self.flush_block()?;
            self.reinit(BLOCK_TYPE_OBJ);
            if self.bw.add(key, vt, |out| record::encode_obj_value(out, &group)) {
                continue;
            }
            // Too many blocks to list: an empty list tells readers to scan.
            if !self.bw.add(key, 0, |out| record::encode_obj_value(out, &[])) {
                return Err(WriteError::EntryTooBig {
                    key: lossy(key),
                    block_size: self.opts.block_size,
                });
            }
        }
        self.finish_section()
    }

    /// The output the table goes to.
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// Finishes the table: writes the remaining blocks, indexes and the
    /// footer, and returns the output and statistics. A table without
    /// records is still written (header and footer); see
    /// [`WriteStats::is_empty`].
    pub fn finish(mut self) -> Result<(W, WriteStats), WriteError> {
        self.finish_public_section()?;
        let empty = self.next == 0;
        self.pending_padding = 0;
        let header = self.header();
        let mut buf = Vec::with_capacity(72 + 28);
        if empty {
            header.encode(&mut buf);
        }
        let footer = Footer {
            ref_index_offset: self.stats.refs.index_offset,
            obj_offset: self.stats.objs.offset,
            obj_id_len: self.stats.object_id_len,
            obj_index_offset: self.stats.objs.index_offset,
            log_offset: self.stats.logs.offset,
            log_index_offset: self.stats.logs.index_offset,
        };
        footer.encode(&header, &mut buf);
        self.out.write_all(&buf)?;
        self.out.flush()?;
        self.stats.bytes += buf.len() as u64;
        self.stats.min_update_index = self.min;
        self.stats.max_update_index = self.max;
        Ok((self.out, self.stats))
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
