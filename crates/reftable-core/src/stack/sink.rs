//! Where a new table's bytes go while it is written: memory first, a
//! temporary file in the stack directory once they outgrow a limit.
//!
//! Most additions are one small table that auto-compaction then merges at
//! once with the newest tables of the stack (see
//! [`Addition`](super::Addition)); such a table never needs a file of its
//! own. Creating (and later unlinking) a file is the costliest part of a
//! small addition on ext4, whose inode allocator skips every recently
//! deleted inode (`recently_deleted()` in `fs/ext4/ialloc.c`).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::fault::{self, Op};

/// The message of the error a write stopped by an interrupt fails with.
pub(super) const INTERRUPTED: &str = "interrupted";

/// Buffer size of table files.
const FILE_BUFFER: usize = 64 * 1024;

/// The output of a [`TableWriter`](super::TableWriter).
#[derive(Debug)]
pub struct Sink {
    mem: Vec<u8>,
    /// Bytes beyond which the table moves to a file.
    spill_at: usize,
    file: Option<(TempTable, BufWriter<fault::Checked<File>>)>,
    dir: PathBuf,
    prefix: String,
    mode: Option<u32>,
}

/// A finished table, not yet synced nor in place.
#[derive(Debug)]
pub(super) enum Written {
    /// Never left memory.
    Memory(Vec<u8>),
    /// In a temporary file in the stack directory (removed on drop).
    File(TempTable),
}

/// A temporary table file: removed when dropped, and by
/// [`remove_registered_files`](crate::interrupt::remove_registered_files)
/// when a signal ends the process first.
#[derive(Debug)]
pub(super) struct TempTable {
    // Dropped in this order: the file is removed, then unregistered.
    tmp: NamedTempFile,
    registered: crate::interrupt::Registered,
}

impl TempTable {
    /// Creates `{prefix}.temp.XXXXXX` in `dir`, 0666 less the umask (git's
    /// mode for tables; tempfile's default would be 0600).
    fn create(dir: &Path, prefix: &str) -> io::Result<TempTable> {
        let mut registered = None;
        let tmp = tempfile::Builder::new()
            .prefix(&format!("{prefix}.temp."))
            .rand_bytes(6)
            .make_in(dir, |path| {
                let mut r = crate::interrupt::prepare(path);
                let mut options = std::fs::OpenOptions::new();
                options.read(true).write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o666);
                let creating = crate::interrupt::Creating::begin();
                let file = options.open(path);
                let active = file.is_ok() && r.activate();
                drop(creating);
                let file = file?;
                if !active {
                    drop(file);
                    let _ = std::fs::remove_file(path);
                    return Err(io::Error::other("interrupted by a signal"));
                }
                registered = Some(r);
                Ok(file)
            })?;
        let registered = registered.ok_or_else(|| io::Error::other("temporary table not created"))?;
        Ok(TempTable { tmp, registered })
    }

    /// Where the file is.
    pub(super) fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// The open file.
    pub(super) fn as_file(&self) -> &File {
        self.tmp.as_file()
    }

    /// Renames the file to `path`, which must not exist.
    pub(super) fn persist_noclobber(mut self, path: &Path) -> io::Result<()> {
        self.tmp.persist_noclobber(path).map_err(|e| e.error)?;
        self.registered.release();
        Ok(())
    }
}

impl Sink {
    /// A sink for a table that, once it is larger than `spill_at` bytes
    /// (0: from the start), goes to a temporary file `{prefix}.temp.XXXXXX`
    /// in `dir`, created 0666 less the umask, or `mode`.
    pub(super) fn new(dir: &Path, prefix: String, mode: Option<u32>, spill_at: usize) -> io::Result<Sink> {
        let mut sink = Sink {
            mem: Vec::new(),
            spill_at,
            file: None,
            dir: dir.to_owned(),
            prefix,
            mode,
        };
        if spill_at == 0 {
            sink.spill()?;
        }
        Ok(sink)
    }

    /// The temporary file, once the table is in one.
    pub(super) fn path(&self) -> Option<&Path> {
        self.file.as_ref().map(|(tmp, _)| tmp.path())
    }

    fn spill(&mut self) -> io::Result<()> {
        fault::check(Op::Create)?;
        let tmp = TempTable::create(&self.dir, &self.prefix)?;
        if let Some(mode) = self.mode {
            super::lock::chmod(tmp.path(), mode)?;
        }
        let mut out = BufWriter::with_capacity(FILE_BUFFER, fault::Checked(tmp.as_file().try_clone()?));
        out.write_all(&self.mem)?;
        self.mem = Vec::new();
        self.file = Some((tmp, out));
        Ok(())
    }

    /// Flushes what is buffered and hands the table over.
    pub(super) fn finish(self) -> io::Result<Written> {
        match self.file {
            None => Ok(Written::Memory(self.mem)),
            Some((tmp, out)) => {
                drop(out.into_inner().map_err(io::IntoInnerError::into_error)?);
                Ok(Written::File(tmp))
            }
        }
    }
}

impl Sink {
    /// As [`finish`](Self::finish), into a file even if the table fits in memory.
    pub(super) fn into_file(mut self) -> io::Result<TempTable> {
        if self.file.is_none() {
            self.spill()?;
        }
        match self.finish()? {
            Written::File(tmp) => Ok(tmp),
            Written::Memory(_) => Err(io::Error::other("table not spilled to a file")),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A block at a time: long writes (compaction, large additions) stop
        // here when the process is asked to (see `crate::interrupt`).
        if crate::interrupt::is_triggered() {
            return Err(io::Error::other(INTERRUPTED));
        }
        if self.file.is_none() && self.mem.len() + buf.len() > self.spill_at {
            self.spill()?;
        }
        match &mut self.file {
            Some((_, out)) => out.write(buf),
            None => {
                self.mem.extend_from_slice(buf);
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some((_, out)) => out.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_until_the_limit_then_a_file_with_everything() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Sink::new(dir.path(), "t".into(), None, 10).unwrap();
        s.write_all(b"0123456789").unwrap();
        assert!(s.path().is_none());
        s.write_all(b"abc").unwrap();
        let path = s.path().unwrap().to_owned();
        assert!(path.file_name().unwrap().to_str().unwrap().starts_with("t.temp."));
        match s.finish().unwrap() {
            Written::File(tmp) => assert_eq!(std::fs::read(tmp.path()).unwrap(), b"0123456789abc"),
            Written::Memory(_) => panic!("spilled"),
        }
        assert!(!path.exists(), "removed with the handle");

        let mut s = Sink::new(dir.path(), "t".into(), None, 10).unwrap();
        s.write_all(b"0123456789").unwrap();
        assert!(matches!(s.finish().unwrap(), Written::Memory(m) if m == b"0123456789"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
