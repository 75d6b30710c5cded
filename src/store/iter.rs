//! Iterating references: all under `refs/`, by prefix (seeking, not
//! scanning), and pseudo refs. Streams: one record at a time per stack; in a
//! linked worktree the shared and the per-worktree stack are merged by name.

use gix_ref::Reference;

use std::sync::Arc;

use super::worktree::is_per_worktree;
use super::{Error, Store};
use crate::format::Table;
use crate::merged::{Merged, MergedRefIter};

/// A snapshot of the stacks to iterate; see [`Store::iter`]. It holds no
/// lock: the store stays usable (even for writes) while iterating.
pub struct Platform<'s> {
    store: &'s Store,
    main: Vec<Arc<Table>>,
    current: Option<Vec<Arc<Table>>>,
}

fn merged(tables: &[Arc<Table>]) -> Merged<'_> {
    Merged::new(tables.iter().map(|t| &**t))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Filter {
    Everything,
    Shared,
    PerWorktree,
}

impl<'s> Platform<'s> {
    pub(super) fn new(store: &'s Store, main: Vec<Arc<Table>>, current: Option<Vec<Arc<Table>>>) -> Self {
        Platform { store, main, current }
    }

    /// All references under `refs/`, sorted by name (as gix-ref's `all()`).
    pub fn all(&self) -> Result<RefIter<'_>, Error> {
        self.prefixed(b"refs/")
    }

    /// References whose full name starts with `prefix`, found by seeking.
    pub fn prefixed(&self, prefix: &[u8]) -> Result<RefIter<'_>, Error> {
        let stored = self.store.ns_in(prefix);
        let prefix = stored.as_slice();
        let mut sources = Vec::with_capacity(2);
        let kind = self.store.object_hash;
        match &self.current {
            None => sources.push(Source::new(
                merged(&self.main).seek_ref(prefix)?,
                prefix,
                Filter::Everything,
                kind,
            )),
            Some(wt) => {
                sources.push(Source::new(
                    merged(&self.main).seek_ref(prefix)?,
                    prefix,
                    Filter::Shared,
                    kind,
                ));
                sources.push(Source::new(
                    merged(wt).seek_ref(prefix)?,
                    prefix,
                    Filter::PerWorktree,
                    kind,
                ));
            }
        }
        Ok(RefIter {
            sources,
            pseudo: false,
            store: self.store,
        })
    }

    /// Pseudo references of this worktree (`HEAD`, `ORIG_HEAD`, …).
    pub fn pseudo(&self) -> Result<RefIter<'_>, Error> {
        let tables = self.current.as_deref().unwrap_or(&self.main);
        Ok(RefIter {
            sources: vec![Source::new(
                merged(tables).refs()?,
                b"",
                Filter::Everything,
                self.store.object_hash,
            )],
            pseudo: true,
            store: self.store,
        })
    }
}

struct Source<'p> {
    it: MergedRefIter<'p>,
    prefix: Vec<u8>,
    filter: Filter,
    kind: gix_hash::Kind,
    peeked: Option<Reference>,
    done: bool,
}

impl<'p> Source<'p> {
    fn new(it: MergedRefIter<'p>, prefix: &[u8], filter: Filter, kind: gix_hash::Kind) -> Self {
        Source {
            it,
            prefix: prefix.to_vec(),
            filter,
            kind,
            peeked: None,
            done: false,
        }
    }

    /// Makes `peeked` the next record of this source, if any.
    fn fill(&mut self, pseudo: bool) -> Result<(), Error> {
        while self.peeked.is_none() && !self.done {
            match self.it.next_ref()? {
                None => self.done = true,
                Some(r) => {
                    let stop = if pseudo {
                        r.name >= &b"refs/"[..]
                    } else {
                        !r.name.starts_with(&self.prefix)
                    };
                    if stop {
                        self.done = true;
                    } else if pseudo && r.name.contains(&b'/') {
                        continue;
                    } else if match self.filter {
                        Filter::Everything => true,
                        Filter::Shared => !is_per_worktree(r.name),
                        Filter::PerWorktree => is_per_worktree(r.name),
                    } {
                        self.peeked = Some(super::ref_to_reference(&r, self.kind)?);
                    }
                }
            }
        }
        Ok(())
    }
}

/// References in name order; see [`Platform`].
pub struct RefIter<'p> {
    sources: Vec<Source<'p>>,
    pseudo: bool,
    store: &'p Store,
}

impl RefIter<'_> {
    fn next_record(&mut self) -> Result<Option<Reference>, Error> {
        let mut best: Option<usize> = None;
        for i in 0..self.sources.len() {
            self.sources[i].fill(self.pseudo)?;
            if let Some(r) = &self.sources[i].peeked {
                if best.is_none_or(|b| r.name < self.sources[b].peeked.as_ref().expect("filled").name) {
                    best = Some(i);
                }
            }
        }
        Ok(best.and_then(|b| self.sources[b].peeked.take()))
    }
}

impl Iterator for RefIter<'_> {
    type Item = Result<Reference, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        match self.next_record() {
            Ok(Some(r)) => Some(self.store.ns_out_ref(r)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}
