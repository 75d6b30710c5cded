//! Errors of the stack layer.

use std::path::PathBuf;

/// Errors reading or writing a stack. Nothing on disk changes when one is
/// returned, except that temporary files may be left behind by a crash.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A table is malformed or cannot be read (names the table).
    #[error(transparent)]
    Format(#[from] crate::format::Error),
    /// A file operation failed.
    #[error("I/O error on {path}: {source}", path = path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A lock file is held by another process (or left by a crashed one:
    /// locks are never broken automatically).
    #[error("unable to lock {path}: the lock is held (timeout {timeout_ms} ms); if no other process is running, remove it", path = path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// How long we waited, in milliseconds (-1 for forever).
        timeout_ms: i64,
    },
    /// The stack changed since it was read; reload and try again.
    #[error("the reftable stack in {dir} changed concurrently; reload and retry", dir = dir.display())]
    Outdated {
        /// The stack directory.
        dir: PathBuf,
    },
    /// `tables.list` names a table that does not exist.
    #[error("{list} names table {name:?}, which does not exist", list = list.display())]
    MissingTable {
        /// The table's name.
        name: String,
        /// The `tables.list` file.
        list: PathBuf,
    },
    /// `tables.list` contains a line that cannot be a table name.
    #[error("{list} contains an invalid table name {name:?}", list = list.display())]
    InvalidTableName {
        /// The offending line.
        name: String,
        /// The `tables.list` file.
        list: PathBuf,
    },
    /// The stack directory is a symbolic link; it is not followed, so that
    /// nothing is ever written outside the repository.
    #[error("{path} is a symbolic link; refusing to use it as a reftable stack", path = path.display())]
    Symlink {
        /// The stack directory.
        path: PathBuf,
    },
    /// An addition's update indexes do not come after the stack's.
    #[error("new table starts at update index {min}, but the stack requires at least {next}")]
    UpdateIndexTooLow {
        /// The new table's minimum.
        min: u64,
        /// The stack's next update index.
        next: u64,
    },
    /// The process was asked to stop ([`crate::interrupt::trigger`], or the
    /// flag it watches); what the write had made was removed.
    #[error("interrupted")]
    Interrupted,
    /// The writer refused a record.
    #[error(transparent)]
    Write(#[from] crate::format::WriteError),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }

    /// Whether another writer got in the way (lock held or stack changed):
    /// retrying after a reload may succeed.
    pub fn is_contention(&self) -> bool {
        matches!(self, Error::Lock { .. } | Error::Outdated { .. })
    }
}
