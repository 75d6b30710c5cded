//! Git's reftable reference storage for gitoxide applications.
//!
//! Layers, lowest first; a layer only uses the ones below it:
//! - [`format`]: records, blocks, and single tables (reader and writer).
//! - [`merged`]: the merged view of several tables.
//! - [`stack`]: `tables.list`, locking, atomic additions, compaction.
//! - [`store`]: the gix-style reference store (the only layer that knows gix).
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod format;
pub mod merged;
pub mod stack;
pub mod store;

/// Backend traits over the reftable store and gix-ref's files store (see [`store::backend`]).
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
