//! The on-disk format: records, blocks, and single tables (reader and writer).
//!
//! This layer knows nothing of stacks, gix or the file system beyond opening
//! one table file. See git's `Documentation/technical/reftable.adoc`.

#[cfg(feature = "test-internals")]
pub mod block;
#[cfg(not(feature = "test-internals"))]
pub(crate) mod block;
mod error;
pub(crate) mod header;
pub(crate) mod record;
mod source;
pub(crate) mod table;
pub(crate) mod varint;

pub use error::{Corruption, Error, WriteError};
pub use header::{Footer, Header};
pub use record::{
    IndexRecord, LogRecord, LogRecordRef, LogUpdate, LogUpdateRef, LogValue, LogValueRef, ObjRecord, RefRecord,
    RefRecordRef, RefValue, RefValueRef,
};
pub use source::Source;
pub use table::{BlockInfo, Blocks, LogIter, RefIter, RefsFor, SectionStats, Table, WriteOptions, WriteStats, Writer};

/// The kind of object ids a table stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HashId {
    /// 20-byte SHA-1 ids (format version 1).
    #[default]
    Sha1,
    /// 32-byte SHA-256 ids (format version 2).
    Sha256,
}

impl HashId {
    /// Bytes in an object id.
    pub const fn size(self) -> usize {
        match self {
            HashId::Sha1 => 20,
            HashId::Sha256 => 32,
        }
    }
    /// The format version git writes for this hash.
    pub const fn version(self) -> u8 {
        match self {
            HashId::Sha1 => 1,
            HashId::Sha256 => 2,
        }
    }
    /// Git's name of the hash.
    pub const fn name(self) -> &'static str {
        match self {
            HashId::Sha1 => "sha1",
            HashId::Sha256 => "sha256",
        }
    }
}

/// Git's default block size.
pub const DEFAULT_BLOCK_SIZE: u32 = 4096;
/// Git's default restart interval.
pub const DEFAULT_RESTART_INTERVAL: usize = 16;
/// The most restart points a block may have.
pub const MAX_RESTARTS: usize = (1 << 16) - 1;
