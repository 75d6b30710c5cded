//! Building one block in memory, exactly as git lays it out.

use crate::format::record::{encode_key, BLOCK_TYPE_LOG};
use crate::format::MAX_RESTARTS;

/// Accumulates records for one block.
#[derive(Debug)]
pub struct BlockWriter {
    buf: Vec<u8>,
    header_off: usize,
    block_size: usize,
    restart_interval: usize,
    restarts: Vec<u32>,
    entries: usize,
    last_key: Vec<u8>,
    scratch: Vec<u8>,
    typ: u8,
    compressor: Option<flate2::Compress>,
    compressed: Vec<u8>,
}

impl BlockWriter {
    /// A writer for blocks of `block_size` bytes with a restart every
    /// `restart_interval` records.
    pub fn new(block_size: usize, restart_interval: usize) -> Self {
        BlockWriter {
            buf: Vec::with_capacity(block_size),
            header_off: 0,
            block_size,
            restart_interval: restart_interval.max(1),
            restarts: Vec::new(),
            entries: 0,
            last_key: Vec::new(),
            scratch: Vec::new(),
            typ: 0,
            compressor: None,
            compressed: Vec::new(),
        }
    }

    /// Starts a new block of type `typ`, leaving `header_off` bytes in front
    /// for the file header.
    pub fn reset(&mut self, typ: u8, header_off: usize) {
        self.buf.clear();
        self.buf.resize(header_off, 0);
        self.buf.extend_from_slice(&[typ, 0, 0, 0]);
        self.header_off = header_off;
        self.restarts.clear();
        self.entries = 0;
        self.last_key.clear();
        self.typ = typ;
    }

    /// The block type.
    pub fn typ(&self) -> u8 {
        self.typ
    }

    /// Records added since the last reset.
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// Restart points so far.
    pub fn restart_count(&self) -> usize {
        self.restarts.len()
    }

    /// The key of the last record added.
    pub fn last_key(&self) -> &[u8] {
        &self.last_key
    }

    /// Adds a record with `key` and `value_type`, whose value `encode`
    /// appends. Returns false, leaving the block as it was, if it does not fit.
    pub fn add(&mut self, key: &[u8], value_type: u8, encode: impl FnOnce(&mut Vec<u8>)) -> bool {
        self.scratch.clear();
        let prev: &[u8] = if self.entries.is_multiple_of(self.restart_interval) {
            &[]
        } else {
            &self.last_key
        };
        let mut is_restart = encode_key(&mut self.scratch, prev, key, value_type);
        encode(&mut self.scratch);
        let n = self.scratch.len();
        let mut rlen = self.restarts.len();
        if rlen >= MAX_RESTARTS {
            is_restart = false;
        }
        if is_restart {
            rlen += 1;
        }
        let next = self.buf.len();
        if 2 + 3 * rlen + n > self.block_size.saturating_sub(next) {
            return false;
        }
        if is_restart {
            self.restarts.push(next as u32);
        }
        self.buf.extend_from_slice(&self.scratch);
        self.last_key.clear();
        self.last_key.extend_from_slice(key);
        self.entries += 1;
        true
    }

    /// Appends the restart table, fills in the block length and, for log
    /// blocks, deflates the records. Returns the block's bytes, with room
    /// for the file header in front when it is the first block.
    pub fn finish(&mut self) -> Result<&mut Vec<u8>, std::io::Error> {
        for &r in &self.restarts {
            self.buf.extend_from_slice(&r.to_be_bytes()[1..]);
        }
        self.buf.extend_from_slice(&(self.restarts.len() as u16).to_be_bytes());
        let len = self.buf.len() as u32;
        let h = self.header_off;
        self.buf[h + 1..h + 4].copy_from_slice(&len.to_be_bytes()[1..]);
        if self.typ == BLOCK_TYPE_LOG {
            let skip = h + 4;
            let z = self
                .compressor
                .get_or_insert_with(|| flate2::Compress::new(flate2::Compression::best(), true));
            z.reset();
            let src = &self.buf[skip..];
            self.compressed.clear();
            self.compressed.reserve(src.len() + src.len() / 1000 + 64);
            loop {
                let before_in = z.total_in() as usize;
                let status = z
                    .compress_vec(&src[before_in..], &mut self.compressed, flate2::FlushCompress::Finish)
                    .map_err(std::io::Error::other)?;
                if status == flate2::Status::StreamEnd {
                    break;
                }
                self.compressed.reserve(self.compressed.capacity().max(64));
            }
            self.buf.truncate(skip);
            self.buf.extend_from_slice(&self.compressed);
        }
        Ok(&mut self.buf)
    }
}
