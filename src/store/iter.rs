//! Iterating references: all under `refs/`, by prefix (seeking, not
//! scanning), and pseudo refs. Streams: records are converted one at a time.

use std::sync::MutexGuard;

use gix_ref::Reference;

use super::{to_reference, Error, Store};
use crate::merged::MergedRefIter;
use crate::stack::Stack;

/// Holds the stack while iterating; see [`Store::iter`].
pub struct Platform<'s> {
    store: &'s Store,
    stack: MutexGuard<'s, Stack>,
}

impl<'s> Platform<'s> {
    pub(super) fn new(store: &'s Store, stack: MutexGuard<'s, Stack>) -> Self {
        Platform { store, stack }
    }

    /// All references under `refs/`, sorted by name (as gix-ref's `all()`).
    pub fn all(&self) -> Result<RefIter<'_>, Error> {
        self.prefixed(b"refs/")
    }

    /// References whose full name starts with `prefix`, found by seeking.
    pub fn prefixed(&self, prefix: &[u8]) -> Result<RefIter<'_>, Error> {
        Ok(RefIter {
            inner: self.stack.merged().seek_ref(prefix)?,
            prefix: prefix.to_vec(),
            pseudo_only: false,
            kind: self.store.object_hash,
        })
    }

    /// Pseudo references at the top level (`HEAD`, `FETCH_HEAD`, …).
    pub fn pseudo(&self) -> Result<RefIter<'_>, Error> {
        Ok(RefIter {
            inner: self.stack.merged().refs()?,
            prefix: Vec::new(),
            pseudo_only: true,
            kind: self.store.object_hash,
        })
    }
}

/// References in name order; see [`Platform`].
pub struct RefIter<'p> {
    inner: MergedRefIter<'p>,
    prefix: Vec<u8>,
    pseudo_only: bool,
    kind: gix_hash::Kind,
}

impl Iterator for RefIter<'_> {
    type Item = Result<Reference, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let rec = match self.inner.next_ref() {
                Ok(Some(r)) => r,
                Ok(None) => return None,
                Err(e) => return Some(Err(e.into())),
            };
            if self.pseudo_only {
                if rec.name.contains(&b'/') {
                    // Top-level names sort before "refs/..." only partly: skip, don't stop.
                    continue;
                }
            } else if !rec.name.starts_with(&self.prefix) {
                return None;
            }
            return Some(to_reference(rec.to_owned(), self.kind));
        }
    }
}
