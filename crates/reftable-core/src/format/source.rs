//! Where a table's bytes come from: a memory-mapped file, or a buffer.

use std::path::Path;

use super::Error;

/// The bytes of one table.
///
/// Files are memory-mapped (git does the same): opening a table reads only
/// its header and footer, and a seek touches only the blocks it visits.
/// Tables are immutable once written: git and this crate only ever create
/// them under a temporary name and rename them into place, and never modify
/// or truncate them afterwards, which is what makes the mapping sound.
pub struct Source {
    data: Data,
    name: String,
}

enum Data {
    Mmap(memmap2::Mmap),
    Bytes(Vec<u8>),
}

impl Source {
    /// Maps the file at `path`. The table is named by its file name in errors.
    pub fn open(path: &Path) -> Result<Source, Error> {
        let io = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        let (file, len) = crate::file::open(path, crate::file::MAX_TABLE)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let data = if len == 0 {
            Data::Bytes(Vec::new())
        } else {
            // SAFETY: `Mmap::map` is unsafe because another process could
            // modify or truncate the file while it is mapped. Reftable files
            // are write-once: every writer (git, JGit, this crate) writes a
            // table under a temporary name and renames it into place; nobody
            // writes to a table file after that, and stale tables are only
            // unlinked, which keeps the mapping valid. The mapping is read-only.
            #[allow(unsafe_code)]
            let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
            Data::Mmap(map)
        };
        Ok(Source { data, name })
    }

    /// A table held in memory, named `name` in errors.
    pub fn from_bytes(name: impl Into<String>, bytes: Vec<u8>) -> Source {
        Source {
            data: Data::Bytes(bytes),
            name: name.into(),
        }
    }

    /// All bytes of the table.
    #[inline]
    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            Data::Mmap(m) => m,
            Data::Bytes(b) => b,
        }
    }

    /// The name used in errors (the file name for files).
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("name", &self.name)
            .field("len", &self.bytes().len())
            .finish()
    }
}
