//! Git's reftable file format, its merged view and the table stack, with no
//! gix dependency: for servers, backup tools and readers that want reftable
//! files without a git library.
//!
//! Layers, lowest first; a layer only uses the ones below it:
//! - [`format`](mod@format): records, blocks, and single tables (reader and writer).
//! - [`merged`]: the merged view of several tables (newest wins, deletions hidden).
//! - [`stack`]: `tables.list`, locking, atomic additions, compaction, as git's `reftable/stack.c`.
//!
//! Object ids are bytes; [`format::HashId`] says how long they are.
//! gitoxide applications take the `reftable` crate instead, which puts a
//! gix ref store on top of this one.
//!
//! ```
//! use reftable_core::format::{RefRecordRef, RefValueRef};
//! use reftable_core::stack::{Options, Stack};
//!
//! let dir = tempfile::tempdir()?;
//! let mut stack = Stack::open(dir.path(), Options::default())?;
//! let next = stack.next_update_index();
//! stack.add(|w| {
//!     w.set_limits(next, next)?;
//!     w.add_ref(&RefRecordRef { name: b"refs/heads/main", update_index: next, value: RefValueRef::Val1(&[0x11; 20]) })?;
//!     Ok(())
//! })?;
//!
//! let merged = stack.merged();
//! let mut refs = merged.seek_ref(b"refs/heads/")?;
//! let r = refs.next_ref()?.expect("one ref");
//! assert_eq!(r.name, b"refs/heads/main");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
// Only `format::source` maps files into memory; its SAFETY comment says why that is sound.
#![deny(unsafe_code)]

pub mod file;
pub mod format;
pub mod interrupt;
pub mod merged;
pub mod stack;

/// The README's example, compiled and run by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
