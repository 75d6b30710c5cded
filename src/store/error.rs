//! Errors of the store, told apart by what a caller can do about them.

use crate::stack;

/// Errors of [`Store`](super::Store) operations.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The reference does not exist.
    #[error("reference {name:?} not found")]
    NotFound {
        /// The name looked up.
        name: String,
    },
    /// git refuses this edit of this name: any change of FETCH_HEAD or
    /// MERGE_HEAD (they are files, not refs), or a deletion, verification
    /// or symbolic target of a name outside `refs/` that is not of capitals
    /// and `_` (git's `refname_is_safe`), such as `bar/baz`.
    #[error("refusing to update {what} '{name}'")]
    Refused {
        /// The reference.
        name: String,
        /// `pseudoref` or `ref with bad name`, as git words it.
        what: &'static str,
    },
    /// The expected previous value did not match.
    #[error("reference {name:?} is out of date: expected {expected}, found {actual}")]
    OutOfDate {
        /// The reference.
        name: String,
        /// What the edit expected.
        expected: String,
        /// What the store holds (`missing` if it does not exist).
        actual: String,
    },
    /// Adding the reference would create a directory/file conflict.
    #[error("cannot create {name:?}: {conflict:?} exists")]
    NameConflict {
        /// The reference to create.
        name: String,
        /// The existing reference it conflicts with.
        conflict: String,
    },
    /// The operation does not handle this repository (as git's own
    /// refusal, worded as git words it): `refs migrate` of a repository
    /// with linked worktrees.
    #[error("{path}: {reason}")]
    Unsupported {
        /// The repository's directory.
        path: std::path::PathBuf,
        /// What is not supported, in git's words.
        reason: &'static str,
    },
    /// A name that is not a valid reference name.
    #[error("invalid reference name {name:?}: {reason}")]
    InvalidName {
        /// The name.
        name: String,
        /// Why it is invalid.
        reason: String,
    },
    /// Following symbolic refs from `name` ran into a cycle, or past git's
    /// limit of five refs read for one name.
    #[error("symbolic reference {name:?} {reason}")]
    SymrefChain {
        /// The reference followed.
        name: String,
        /// `leads to a cycle` or `is nested too deeply`.
        reason: &'static str,
    },
    /// A reference would point at an object the object database does not have.
    #[error("cannot update {name:?}: object {id} does not exist")]
    MissingObject {
        /// The reference.
        name: String,
        /// The object id.
        id: String,
    },
    /// A branch (or HEAD) would point at an object that is not a commit.
    #[error("cannot update {name:?}: object {id} is not a commit")]
    NotACommit {
        /// The reference.
        name: String,
        /// The object id.
        id: String,
    },
    /// The object database could not be read.
    #[error("object database: {0}")]
    Odb(String),
    /// The same reference is edited twice in one transaction.
    #[error("reference {name:?} is edited more than once in one transaction")]
    DuplicateEdit {
        /// The reference.
        name: String,
    },
    /// The table stack could not be read or written (lock held, corrupt table, I/O).
    #[error(transparent)]
    Stack(#[from] stack::Error),
}

impl Error {
    /// Whether the reference was not found.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }
    /// Whether a lock was held (by another process, or left by a crashed one).
    pub fn is_lock(&self) -> bool {
        matches!(self, Error::Stack(stack::Error::Lock { .. }))
    }
    /// Whether a table is corrupt.
    pub fn is_corrupt(&self) -> bool {
        matches!(
            self,
            Error::Stack(stack::Error::Format(crate::format::Error::Corrupt { .. }))
        )
    }
}

impl From<crate::format::Error> for Error {
    fn from(e: crate::format::Error) -> Self {
        Error::Stack(e.into())
    }
}

/// Errors pass through gix code paths as `gix_error::Error`.
impl From<Error> for gix_error::Error {
    fn from(e: Error) -> Self {
        use gix_error::ErrorExt;
        e.raise()
    }
}
