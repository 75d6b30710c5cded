//! Reading files of a repository without trusting them: opened without
//! blocking (a FIFO, socket or device where a file should be is refused,
//! never waited on), and read no further than their size, which must stay
//! under a limit, so that `tables.list` pointing at `/dev/zero` or a table
//! named after a FIFO is a named error at once, not a hang or an allocation.
//!
//! ```
//! use reftable_core::file;
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("tables.list");
//! std::fs::write(&path, b"0x000000000001-0x000000000001-00000000.ref\n")?;
//! assert_eq!(file::read(&path, file::MAX_TABLES_LIST)?.len(), 43);
//! assert!(file::read(dir.path(), 1 << 20).is_err(), "a directory is no file");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::format::Error;

/// The largest `tables.list` read (64 MiB: over a million table names; git's
/// stacks hold a few dozen).
pub const MAX_TABLES_LIST: u64 = 64 << 20;
/// The largest table opened (64 GiB: over a billion refs).
pub const MAX_TABLE: u64 = 64 << 30;
/// The largest small file read whole (`HEAD`, a loose ref, a config file: 16 MiB).
pub const MAX_SMALL_FILE: u64 = 16 << 20;

/// Opens `path` for reading if it is a regular file (following symbolic
/// links) of at most `limit` bytes; returns it with its size. Never blocks
/// on a FIFO.
pub fn open(path: &Path, limit: u64) -> Result<(File, u64), Error> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let file = open_nonblocking(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if let Some(kind) = not_a_file(&meta) {
        return Err(Error::NotAFile {
            path: path.to_owned(),
            kind,
        });
    }
    let size = meta.len();
    if size > limit {
        return Err(Error::TooLarge {
            path: path.to_owned(),
            size,
            limit,
        });
    }
    Ok((file, size))
}

/// Reads all of `path` as [`open`] allows it: at most its size at opening
/// (a file that grows meanwhile is read as it was).
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, Error> {
    let (file, size) = open(path, limit)?;
    read_opened(&file, size, path)
}

/// The first `size` bytes of a file [`open`] returned.
pub(crate) fn read_opened(file: &File, size: u64, path: &Path) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::with_capacity(size as usize);
    file.take(size).read_to_end(&mut buf).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(buf)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    // Opening a named pipe or device path does not block here the way a FIFO
    // does on Unix; the file type check below refuses it.
    File::open(path)
}

/// What `meta` describes if it is not a regular file (`"a FIFO"`, `"a
/// socket"`, `"a device"`, `"a directory"`), from a `stat` that never blocks.
///
/// ```
/// let meta = std::fs::metadata(std::env::temp_dir())?;
/// assert_eq!(reftable_core::file::not_a_file(&meta), Some("a directory"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn not_a_file(meta: &std::fs::Metadata) -> Option<&'static str> {
    (!meta.is_file()).then(|| kind_of(&meta.file_type()))
}

fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}
