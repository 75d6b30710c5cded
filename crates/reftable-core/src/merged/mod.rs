//! The merged view of a stack of tables: records of all tables in key order,
//! the newest table winning on equal keys, deletions hidden from readers.

mod losers;

use crate::format::record::{log_key, BLOCK_TYPE_LOG, BLOCK_TYPE_REF};
use crate::format::table::SectionIter;
use crate::format::{Error, LogRecord, LogRecordRef, RefRecord, RefRecordRef, Table};
use losers::Losers;

/// A read-only view of several tables, oldest first.
///
/// ```
/// use reftable_core::format::{Table, Writer, WriteOptions, RefRecordRef, RefValueRef};
/// use reftable_core::merged::Merged;
/// let table = |ui: u64, value| {
///     let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
///     w.set_limits(ui, ui).unwrap();
///     w.add_ref(&RefRecordRef { name: b"refs/heads/main", update_index: ui, value }).unwrap();
///     Table::from_bytes(format!("{ui}.ref"), w.finish().unwrap().0).unwrap()
/// };
/// let (old, new) = (table(1, RefValueRef::Val1(&[1; 20])), table(2, RefValueRef::Deletion));
/// assert!(Merged::new([&old]).find_ref(b"refs/heads/main").unwrap().is_some());
/// assert!(Merged::new([&old, &new]).find_ref(b"refs/heads/main").unwrap().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct Merged<'a> {
    tables: Vec<&'a Table>,
    suppress_deletions: bool,
}

impl<'a> Merged<'a> {
    /// A view of `tables`, oldest first, hiding deletions.
    pub fn new(tables: impl IntoIterator<Item = &'a Table>) -> Self {
        Merged {
            tables: tables.into_iter().collect(),
            suppress_deletions: true,
        }
    }

    /// Whether iterators yield deletion records (compaction of part of a
    /// stack must keep them); by default they are hidden.
    pub fn with_deletions(mut self, yes: bool) -> Self {
        self.suppress_deletions = !yes;
        self
    }

    /// The tables, oldest first.
    pub fn tables(&self) -> &[&'a Table] {
        &self.tables
    }

    /// The largest update index of any table (0 if empty).
    pub fn max_update_index(&self) -> u64 {
        self.tables.iter().map(|t| t.max_update_index()).max().unwrap_or(0)
    }

    /// The smallest update index of any table (0 if empty).
    pub fn min_update_index(&self) -> u64 {
        self.tables.iter().map(|t| t.min_update_index()).min().unwrap_or(0)
    }

    fn iter(&self, typ: u8, want: &[u8]) -> Result<MergedIter<'a>, Error> {
        let mut iters = Vec::with_capacity(self.tables.len());
        for t in &self.tables {
            iters.push(t.seek(typ, want)?);
        }
        MergedIter::new(iters, self.suppress_deletions)
    }

    /// All refs in name order.
    pub fn refs(&self) -> Result<MergedRefIter<'a>, Error> {
        self.seek_ref(b"")
    }

    /// Refs from the first name `>= name` on.
    pub fn seek_ref(&self, name: &[u8]) -> Result<MergedRefIter<'a>, Error> {
        Ok(MergedRefIter {
            inner: self.iter(BLOCK_TYPE_REF, name)?,
        })
    }

    /// The current record of `name`: `None` if absent or deleted (unless
    /// deletions are shown).
    pub fn find_ref(&self, name: &[u8]) -> Result<Option<RefRecord>, Error> {
        let mut it = self.seek_ref(name)?;
        Ok(it.next_ref()?.filter(|r| r.name == name).map(|r| r.to_owned()))
    }

    /// All log records: by name, newest first within a name.
    pub fn logs(&self) -> Result<MergedLogIter<'a>, Error> {
        self.seek_log_at(b"", u64::MAX)
    }

    /// Log records from the newest entry of `name` on.
    pub fn seek_log(&self, name: &[u8]) -> Result<MergedLogIter<'a>, Error> {
        self.seek_log_at(name, u64::MAX)
    }

    /// Log records from `(name, update_index)` on.
    pub fn seek_log_at(&self, name: &[u8], update_index: u64) -> Result<MergedLogIter<'a>, Error> {
        let mut key = Vec::with_capacity(name.len() + 9);
        if !name.is_empty() || update_index != u64::MAX {
            log_key(&mut key, name, update_index);
        }
        Ok(MergedLogIter {
            inner: self.iter(BLOCK_TYPE_LOG, &key)?,
        })
    }

    /// The refs whose current value (or peeled value) is `oid`, in name order.
    ///
    /// Candidates come from each table's obj index; each is checked against
    /// the merged view, so a ref overwritten or deleted in a newer table is
    /// not reported.
    pub fn refs_for(&self, oid: &[u8]) -> Result<Vec<RefRecord>, Error> {
        let mut names: Vec<Vec<u8>> = Vec::new();
        for t in &self.tables {
            let mut it = t.refs_for(oid)?;
            while let Some(r) = it.next_ref()? {
                names.push(r.name.to_vec());
            }
        }
        if self.tables.len() == 1 {
            names.dedup();
        } else {
            names.sort();
            names.dedup();
        }
        let mut out = Vec::new();
        for name in names {
            if let Some(r) = self.find_ref(&name)? {
                if r.value.object_id() == Some(oid) || r.value.peeled() == Some(oid) {
                    out.push(r);
                }
            }
        }
        Ok(out)
    }
}

/// Merges per-table iterators of one section.
struct MergedIter<'a> {
    iters: Vec<SectionIter<'a>>,
    tree: Losers,
    /// The sub-iterator whose record was handed out last.
    current: Option<usize>,
    /// The code a key equal to the one that came out of the tree last (the
    /// *base*: what the winner's code is relative to) has; at first none.
    /// The base itself is the previous key of the iterator it came from,
    /// which is the one stepped next: its decoder says exactly how much the
    /// new key shares with it.
    base_code: u64,
    suppress_deletions: bool,
}

/// What the tree's winner is to a reader.
enum Winner {
    /// A record to hand out.
    Visible(usize),
    /// An older table's record of the key that came out last, or a
    /// deletion being hidden: step on.
    Hidden(usize),
    /// All iterators are exhausted.
    None,
}

impl<'a> MergedIter<'a> {
    fn new(mut iters: Vec<SectionIter<'a>>, suppress_deletions: bool) -> Result<Self, Error> {
        if iters.len() > losers::MAX_ITERATORS {
            return Err(Error::TooManyTables { count: iters.len() });
        }
        let mut live = Vec::with_capacity(iters.len());
        for it in iters.iter_mut() {
            live.push(it.step()?);
        }
        let tree = Losers::new(iters.len(), |i| live[i].then(|| iters[i].key()));
        Ok(MergedIter {
            iters,
            tree,
            current: None,
            base_code: u64::MAX,
            suppress_deletions,
        })
    }

    /// Positions on the next visible record; returns the sub-iterator
    /// holding it.
    #[inline]
    fn next(&mut self) -> Result<Option<usize>, Error> {
        let mut w = match self.current.take() {
            Some(w) => w,
            None => match self.winner() {
                Winner::Visible(w) => {
                    self.current = Some(w);
                    return Ok(Some(w));
                }
                Winner::Hidden(w) => w,
                Winner::None => return Ok(None),
            },
        };
        // One place steps the sub-iterators: the decoder is inlined once.
        loop {
            self.advance(w)?;
            match self.winner() {
                Winner::Visible(v) => {
                    self.current = Some(v);
                    return Ok(Some(v));
                }
                Winner::Hidden(h) => w = h,
                Winner::None => return Ok(None),
            }
        }
    }

    /// Classifies the tree's winner; a visible one becomes the base.
    #[inline(always)]
    fn winner(&mut self) -> Winner {
        let Some(w) = self.tree.winner() else {
            return Winner::None;
        };
        if self.tree.winner_code() == self.base_code {
            return Winner::Hidden(w);
        }
        self.base_code = losers::code(self.iters[w].key().len(), &[]);
        if self.suppress_deletions && self.iters[w].is_deletion() {
            return Winner::Hidden(w);
        }
        Winner::Visible(w)
    }

    /// Steps the winner `w`, whose key is the base, and replays the tree.
    #[inline(always)]
    fn advance(&mut self, w: usize) -> Result<(), Error> {
        let code = if self.iters[w].step()? {
            let key = self.iters[w].key();
            losers::code(self.iters[w].shared().min(key.len()), key)
        } else {
            losers::EXHAUSTED
        };
        let iters = &self.iters;
        self.tree.replay(w, code, |i| iters.get(i).map(|it| it.key()));
        Ok(())
    }
}

/// Refs of a merged view in name order; see [`Merged::refs`].
pub struct MergedRefIter<'a> {
    inner: MergedIter<'a>,
}

impl MergedRefIter<'_> {
    /// The next ref, borrowed until the next call.
    #[inline]
    pub fn next_ref(&mut self) -> Result<Option<RefRecordRef<'_>>, Error> {
        match self.inner.next()? {
            // Decoding the value also moves past it: the next step need not skip it.
            Some(i) => Ok(Some(self.inner.iters[i].take_ref()?)),
            None => Ok(None),
        }
    }
}

impl Iterator for MergedRefIter<'_> {
    type Item = Result<RefRecord, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_ref().map(|r| r.map(|r| r.to_owned())).transpose()
    }
}

/// Logs of a merged view; see [`Merged::logs`].
pub struct MergedLogIter<'a> {
    inner: MergedIter<'a>,
}

impl MergedLogIter<'_> {
    /// The next log record, borrowed until the next call.
    pub fn next_log(&mut self) -> Result<Option<LogRecordRef<'_>>, Error> {
        match self.inner.next()? {
            Some(i) => Ok(Some(self.inner.iters[i].current_log()?.0)),
            None => Ok(None),
        }
    }
}

impl Iterator for MergedLogIter<'_> {
    type Item = Result<LogRecord, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_log().map(|r| r.map(|r| r.to_owned())).transpose()
    }
}
