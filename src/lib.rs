//! Git's reftable reference storage for gitoxide (`gix`) applications.
//!
//! A gix application opens its repository as usual and asks this crate for
//! the refs: [`Store::from_repo`] reads the repository's configuration
//! (`reftable.*`, `core.logAllRefUpdates`, worktrees, namespace) and gives a
//! store whose lookups, iteration, reflogs and transactions speak gix-ref's
//! types (`FullName`, `Reference`, `RefEdit`, `log::Line`).
//!
//! ```no_run
//! use gix_ref::transaction::{PreviousValue, RefEdit};
//!
//! // Open a repository, find HEAD.
//! let repo = gix::open(".")?;
//! let store = reftable::Store::from_repo(&repo)?;
//! let head = store.find("HEAD")?;
//! println!("HEAD -> {:?}", head.target);
//!
//! // List the branches (streamed, in name order).
//! for branch in store.iter()?.prefixed(b"refs/heads/")? {
//!     println!("{}", branch?.name);
//! }
//!
//! // Write a branch in a transaction: one table, added atomically.
//! let id = store.follow_to_object(&mut store.find("HEAD")?)?;
//! let committer = repo.committer().expect("user.name and user.email")?;
//! store
//!     .transaction()
//!     .prepare(
//!         [RefEdit::update("refs/heads/topic".try_into()?, id, PreviousValue::MustNotExist, "branch: Created from HEAD")],
//!         gix_lock::acquire::Fail::Immediately,
//!     )?
//!     .commit(Some(committer))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Code that must work on files and reftable repositories alike takes
//! [`open`], which returns the right [`backend::RefStore`] for the repository.
//!
//! Below the store, re-exported from the `reftable-core` crate (which knows
//! no gix), the file-format layers, lowest first:
//! - [`format`](mod@format): records, blocks, and single tables (reader and writer).
//! - [`merged`]: the merged view of several tables.
//! - [`stack`]: `tables.list`, locking, atomic additions, compaction.
//!
//! Features: `sha256` (default) reads and writes SHA-256 repositories next to
//! SHA-1 ones.
#![deny(missing_docs)]
#![deny(unsafe_code)]

/// The lower layers, from the `reftable-core` crate (no gix in them).
pub use reftable_core as core;
pub use reftable_core::{format, merged, stack};

pub mod interrupt;
pub mod name;
pub mod store;

/// What git does to reflog entries before it writes them: messages
/// normalised, zone offsets as `±hhmm`.
pub mod reflog {
    pub use crate::store::reflog::{normalize_reflog_message, seconds_to_tz};
}

/// Backend traits: one interface over the reftable [`Store`] and gix-ref's
/// files store, so a gix program works unchanged on both kinds of
/// repository. Errors are `gix_error::Error`, as gix-ref returns them; the
/// reftable side's typed [`store::Error`] can be recovered with
/// `err.downcast_any_ref::<reftable::store::Error>()`.
///
/// ```no_run
/// let repo = gix::open(".")?;
/// let refs = reftable::backend::open(&repo)?; // files or reftable, as the repository says
/// let head = refs.find_ref("HEAD".into())?;
/// refs.for_each_ref("refs/heads/".into(), &mut |r| {
///     println!("{}", r.name);
///     Ok(true)
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub mod backend {
    pub use crate::store::backend::*;
}

// The store's entry points at the crate root, by the names gix users look
// for: `reftable::Store`, `reftable::open(&repo)`, `reftable::init`,
// `reftable::migrate`.
pub use store::backend::open;
pub use store::{init, migrate, InitOptions, MigrateReport, RefFormat, Store};

/// The README's Rust examples, compiled (and the one not marked `no_run`
/// run) by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
