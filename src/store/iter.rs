//! Iterating references: all under `refs/`, by prefix (seeking, not
//! scanning), and pseudo refs. Streams: one record at a time per stack; in a
//! linked worktree the shared and the per-worktree stack are merged by name.

use gix_ref::bstr::BString;
use gix_ref::Reference;

use std::sync::Arc;

use super::worktree::is_per_worktree;
use super::{AsName, Error, Store};
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
    pub fn prefixed(&self, prefix: impl AsName) -> Result<RefIter<'_>, Error> {
        let stored = self.store.ns_in(prefix.as_name());
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

/// What a [`RefIter`] reads: a reference, or a name under `refs/` that is
/// not a valid reference name (written by another tool: git lists such a
/// ref as broken, gix leaves such loose files out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefEntry {
    /// A reference.
    Ref(Reference),
    /// The stored name of a ref under `refs/` that is not a valid reference
    /// name, such as `refs/heads/a..b`.
    Broken(BString),
}

impl RefEntry {
    fn name(&self) -> &[u8] {
        match self {
            RefEntry::Ref(r) => r.name.as_bstr(),
            RefEntry::Broken(n) => n,
        }
    }
}

struct Source<'p> {
    it: MergedRefIter<'p>,
    prefix: Vec<u8>,
    filter: Filter,
    kind: gix_hash::Kind,
    peeked: Option<RefEntry>,
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
                        self.peeked = match super::ref_to_reference(&r, self.kind) {
                            Ok(r) => Some(RefEntry::Ref(r)),
                            // As git: a name outside `refs/` that is not a
                            // reference name (git writes `foo` if asked) is
                            // not listed; one inside is a broken ref.
                            Err(Error::InvalidName { .. })
                                if r.name.starts_with(b"refs/")
                                    && !pseudo
                                    && gix_validate::reference::name(r.name.into()).is_err() =>
                            {
                                Some(RefEntry::Broken(r.name.into()))
                            }
                            // A symref to such a name (git writes one if
                            // asked): gix cannot hold its target.
                            Err(Error::InvalidName { .. }) => None,
                            Err(e) => return Err(e),
                        };
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
    fn next_record(&mut self) -> Result<Option<RefEntry>, Error> {
        let mut best: Option<usize> = None;
        for i in 0..self.sources.len() {
            self.sources[i].fill(self.pseudo)?;
            if let Some(r) = &self.sources[i].peeked {
                if best.is_none_or(|b| r.name() < self.sources[b].peeked.as_ref().expect("filled").name()) {
                    best = Some(i);
                }
            }
        }
        Ok(best.and_then(|b| self.sources[b].peeked.take()))
    }

    /// The next reference or broken name, in name order. The [`Iterator`]
    /// leaves broken names out, as gix-ref does with loose files whose
    /// names are not reference names; git lists them (`for-each-ref` warns
    /// of each).
    pub fn next_entry(&mut self) -> Result<Option<RefEntry>, Error> {
        Ok(match self.next_record()? {
            Some(RefEntry::Ref(r)) => Some(RefEntry::Ref(self.store.ns_out_ref(r)?)),
            Some(RefEntry::Broken(n)) => Some(RefEntry::Broken(self.store.ns_out(&n).unwrap_or(&n).into())),
            None => None,
        })
    }
}

impl Iterator for RefIter<'_> {
    type Item = Result<Reference, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            return match self.next_entry() {
                Ok(Some(RefEntry::Ref(r))) => Some(Ok(r)),
                Ok(Some(RefEntry::Broken(_))) => continue,
                Ok(None) => None,
                Err(e) => Some(Err(e)),
            };
        }
    }
}
