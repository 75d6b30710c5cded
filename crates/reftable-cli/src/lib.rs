//! The library half of the `reftable` command: the parts of git's ref
//! plumbing that are worth reusing or fuzzing on their own. The command
//! itself is `src/main.rs`.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod stdin;
