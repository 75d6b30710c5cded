//! Errors of the format layer: what can be wrong with a table we read, and
//! what a caller can get wrong when writing one.

use std::path::PathBuf;

/// What is malformed in a table. Always wrapped in [`Error::Corrupt`], which
/// names the table and the byte offset where the problem was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Corruption {
    /// The file is shorter than a header and a footer.
    #[error("file of {size} bytes is too small to be a table")]
    TooSmall {
        /// The file's size.
        size: u64,
    },
    /// The file does not start with `REFT`.
    #[error("bad magic, not a reftable file")]
    BadMagic,
    /// A version other than 1 or 2.
    #[error("unsupported format version {0}")]
    UnsupportedVersion(u8),
    /// A version 2 hash id other than `sha1` or `s256`.
    #[error("unknown hash id {0:#010x}")]
    UnknownHashId(u32),
    /// The table's hash is not the one the caller expects.
    #[error("table uses {found} object ids, expected {expected}")]
    HashMismatch {
        /// The hash the caller asked for.
        expected: &'static str,
        /// The hash named in the table.
        found: &'static str,
    },
    /// The footer does not repeat the header.
    #[error("footer does not match header")]
    FooterMismatch,
    /// The footer's CRC-32 is wrong.
    #[error("footer CRC-32 mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    CrcMismatch {
        /// The stored checksum.
        stored: u32,
        /// The checksum of the footer's bytes.
        computed: u32,
    },
    /// A section offset in the footer points outside the table.
    #[error("section offset {0} outside the table")]
    SectionOffset(u64),
    /// A block extends past the end of the table.
    #[error("block extends past the end of the table")]
    BlockOutOfBounds,
    /// A block of unknown type, or of a type not expected here.
    #[error("unexpected block type {0:#04x}")]
    BadBlockType(u8),
    /// A block length that cannot hold its header and restart table.
    #[error("invalid block length {0}")]
    BlockLength(u32),
    /// A restart offset outside of its block's records.
    #[error("restart offset {0} out of range")]
    RestartOutOfRange(u32),
    /// A varint longer than 64 bits.
    #[error("varint overflow")]
    VarintOverflow,
    /// A record runs past the end of its block.
    #[error("record truncated")]
    Truncated,
    /// A key claims a longer shared prefix than the previous key has.
    #[error("key prefix length {prefix} exceeds previous key length {previous}")]
    PrefixTooLong {
        /// The prefix length in the record.
        prefix: u64,
        /// The length of the previous key.
        previous: usize,
    },
    /// A value type not defined for this kind of record.
    #[error("unknown value type {0} for a {1} record")]
    UnknownValueType(u8, &'static str),
    /// A log key that is not `name \0 reversed-update-index`.
    #[error("malformed log record key")]
    BadLogKey,
    /// Zlib failed to inflate a log block.
    #[error("zlib: {0}")]
    Zlib(String),
    /// A log block inflated to another size than its header says.
    #[error("log block inflated to {actual} bytes, header says {expected}")]
    InflatedSize {
        /// Size stated in the block header.
        expected: u64,
        /// Size zlib produced.
        actual: u64,
    },
    /// An index record points somewhere that is not a block of the section.
    #[error("index points to offset {0}, which is not a block of this section")]
    BadIndexTarget(u64),
    /// Index levels nest deeper than any table could need.
    #[error("index nesting too deep")]
    IndexTooDeep,
    /// Keys within a section are not strictly increasing.
    #[error("keys out of order")]
    KeyOrder,
}

/// Errors of the format layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The table `table` is malformed at byte `offset`.
    #[error("corrupt reftable {table}: {kind} (at offset {offset})")]
    Corrupt {
        /// The table's file name (or a caller-chosen label for in-memory tables).
        table: String,
        /// Byte offset in the table where the problem was found.
        offset: u64,
        /// What is wrong.
        kind: Corruption,
    },
    /// Reading or writing a file failed.
    #[error("I/O error on {path}: {source}", path = path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Something other than a regular file where a file was to be read (a
    /// FIFO, socket, device or directory): refused without reading from it.
    #[error("{path} is {kind}, not a regular file; refusing to read it", path = path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is (`a FIFO`, `a socket`, `a device`, `a directory`).
        kind: &'static str,
    },
    /// A file larger than any sane one of its kind (see `reftable_core::file`).
    #[error("{path} is {size} bytes, more than the {limit} this file may have", path = path.display())]
    TooLarge {
        /// The path.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A merged view was asked to merge more tables than it can.
    #[error("cannot merge {count} tables at once")]
    TooManyTables {
        /// How many tables there were.
        count: usize,
    },
    /// The writer was used against its contract; nothing valid was written.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Errors a [`Writer`](crate::format::Writer) returns for input it cannot
/// encode. After one of these, the writer's output must be discarded.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Keys must be added in strictly increasing order.
    #[error("record {key:?} added out of order (after {previous:?})")]
    OutOfOrder {
        /// The offending key, lossily as text.
        key: String,
        /// The key before it.
        previous: String,
    },
    /// A record does not fit into an empty block.
    #[error("record {key:?} does not fit into a block of {block_size} bytes")]
    EntryTooBig {
        /// The record's key, lossily as text.
        key: String,
        /// The block size in use.
        block_size: u32,
    },
    /// An update index outside of the limits set with `set_limits`.
    #[error("update index {index} of {name:?} outside of [{min}, {max}]")]
    UpdateIndexOutOfRange {
        /// The record's name.
        name: String,
        /// Its update index.
        index: u64,
        /// The table's minimum.
        min: u64,
        /// The table's maximum.
        max: u64,
    },
    /// A log message with more than one line while messages are normalized.
    #[error("log message of {name:?} has more than one line")]
    MultiLineMessage {
        /// The ref the log is for.
        name: String,
    },
    /// An object id of the wrong length for the table's hash.
    #[error("object id of {len} bytes in {name:?}, table uses {expected}")]
    HashLength {
        /// The record's name.
        name: String,
        /// The id's length.
        len: usize,
        /// The hash size of the table.
        expected: usize,
    },
    /// A ref record with an empty name.
    #[error("empty ref name")]
    EmptyName,
    /// Limits set after records were added.
    #[error("limits must be set before any record is added")]
    LimitsAfterWrite,
    /// Invalid options (block size of 2^24 or more, or too small to hold a header).
    #[error("invalid writer options: {0}")]
    Options(&'static str),
    /// Writing the output failed.
    #[error("write failed: {0}")]
    Io(#[from] std::io::Error),
}
