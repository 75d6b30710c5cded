//! Compaction: merging a range of tables into one, git's geometric
//! auto-compaction heuristic, and cleaning up stale tables.

use std::path::PathBuf;

use super::{Error, LockFile, Pending, Stack, TableWriter};
use crate::format::{
    header::{footer_size, header_size},
    LogValueRef, Table,
};
use crate::merged::Merged;

/// What compaction did over the life of a [`Stack`] handle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompactionStats {
    /// Bytes of tables read by compactions.
    pub bytes: u64,
    /// Records written by compactions.
    pub entries_written: u64,
    /// Compactions attempted.
    pub attempts: u64,
    /// Compactions that failed on a lock held by someone else.
    pub failures: u64,
}

/// Which reflog entries a full compaction drops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogExpiry {
    /// Drop entries older than this time (seconds since the epoch); 0 keeps all.
    pub time: u64,
    /// Drop entries with an update index below this; 0 keeps all.
    pub min_update_index: u64,
}

/// The range `[start, end)` of tables to compact, and their bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Segment {
    /// First table.
    pub start: usize,
    /// One past the last table.
    pub end: usize,
    /// Bytes in the segment.
    pub bytes: u64,
}

/// Git's heuristic: the segment to compact so that table sizes form a
/// geometric sequence with `factor` (each table at least `factor` times the
/// next newer one). An empty segment (`start == end`) means nothing to do.
pub fn suggest_compaction_segment(sizes: &[u64], factor: u8) -> Segment {
    let factor = u64::from(if factor == 0 { 2 } else { factor });
    let mut seg = Segment::default();
    let n = sizes.len();
    if n <= 1 {
        return seg;
    }
    let mut bytes = 0u64;
    let mut i = n - 1;
    while i > 0 {
        if sizes[i - 1] < sizes[i].saturating_mul(factor) {
            seg.end = i + 1;
            bytes = sizes[i];
            break;
        }
        i -= 1;
    }
    while i > 0 {
        let curr = bytes;
        bytes = bytes.saturating_add(sizes[i - 1]);
        if sizes[i - 1] < curr.saturating_mul(factor) {
            seg.start = i - 1;
            seg.bytes = bytes;
        }
        i -= 1;
    }
    seg
}

/// Segments bigger than this are not merged while `tables.list` stays
/// locked (see [`Stack::fused_compaction`]): other writers wait at most
/// git's 100 ms for the lock, and merging a MiB takes a few milliseconds.
const FUSED_MAX_BYTES: u64 = 1 << 20;

/// What [`Stack::fused_compaction`] wrote.
#[derive(Debug)]
pub(super) struct Fused {
    /// Index of the first listed table merged; the list keeps those before.
    pub start: usize,
    /// The merged table, in place and synced; `None` if it had no records.
    pub name: Option<String>,
}

/// Merges `tables` (oldest first) into `w`: newest record wins; deletions
/// dropped with `drop_deletions` (the oldest table is the stack's first);
/// reflog entries expired as `expiry` says. Returns the records written.
fn merge_into(
    w: &mut TableWriter,
    tables: &[&Table],
    drop_deletions: bool,
    expiry: Option<LogExpiry>,
) -> Result<u64, Error> {
    let mut entries = 0u64;
    let merged = Merged::new(tables.iter().copied()).with_deletions(true);
    let mut refs = merged.refs()?;
    while let Some(r) = refs.next_ref()? {
        if drop_deletions && r.is_deletion() {
            continue;
        }
        w.add_ref(&r)?;
        entries += 1;
    }
    let mut logs = merged.logs()?;
    while let Some(l) = logs.next_log()? {
        if drop_deletions && l.is_deletion() {
            continue;
        }
        if let Some(x) = expiry {
            if x.min_update_index > 0 && l.update_index < x.min_update_index {
                continue;
            }
            if let LogValueRef::Update(u) = l.value {
                if x.time > 0 && u.time < x.time {
                    continue;
                }
            }
        }
        w.add_log(&l)?;
        entries += 1;
    }
    Ok(entries)
}

impl Stack {
    /// A table's size as git's heuristic counts it: without its footer,
    /// less the header but one byte.
    fn compaction_size(&self, t: &Table) -> u64 {
        let overhead = header_size(self.opts.write.hash.version()) as u64 - 1;
        let footer = footer_size(t.header().version) as u64;
        t.size().saturating_sub(footer).saturating_sub(overhead)
    }

    fn segment_for_compaction(&self) -> Segment {
        let sizes: Vec<u64> = self.tables.iter().map(|t| self.compaction_size(t)).collect();
        suggest_compaction_segment(&sizes, self.opts.auto_compaction_factor)
    }

    /// Called by an addition's commit, under its `tables.list` lock, with
    /// its new tables not yet published: if git's auto-compaction after the
    /// addition would merge the new tables with the newest listed ones (a
    /// segment reaching the top of the stack, of at most
    /// [`FUSED_MAX_BYTES`], no table of it locked by a concurrent
    /// compaction), writes that merged table now, synced and in place, and
    /// returns where the caller's list must splice it. `None`: nothing
    /// written, publish the addition as usual.
    pub(super) fn fused_compaction(&mut self, pending: &[Pending]) -> Result<Option<Fused>, Error> {
        let new: Vec<Table> = pending.iter().map(Pending::table).collect::<Result<_, _>>()?;
        let sizes: Vec<u64> = self
            .tables
            .iter()
            .map(|t| &**t)
            .chain(new.iter())
            .map(|t| self.compaction_size(t))
            .collect();
        let seg = suggest_compaction_segment(&sizes, self.opts.auto_compaction_factor);
        let listed = self.tables.len();
        if seg.end != sizes.len() || seg.end - seg.start < 2 || seg.start > listed || seg.bytes > FUSED_MAX_BYTES {
            return Ok(None);
        }
        // A concurrent compaction (git's) locks its tables, then releases
        // `tables.list` while it merges; tables can only be locked under
        // `tables.list`, which we hold, so looking is enough.
        for name in &self.names[seg.start..] {
            if std::fs::symlink_metadata(self.dir.join(format!("{name}.lock"))).is_ok() {
                return Ok(None);
            }
        }
        let tables: Vec<&Table> = self.tables[seg.start..]
            .iter()
            .map(|t| &**t)
            .chain(new.iter())
            .collect();
        let min = tables[0].min_update_index();
        let max = tables[tables.len() - 1].max_update_index();
        self.stats.attempts += 1;
        self.stats.bytes += tables.iter().map(|t| t.size()).sum::<u64>();
        let mut entries = 0;
        let written = self.write_table(
            |w: &mut TableWriter| {
                w.set_limits(min, max)?;
                entries = merge_into(w, &tables, seg.start == 0, None)?;
                Ok(())
            },
            0,
        );
        self.stats.entries_written += entries;
        let name = written?.map(|(name, _)| name);
        Ok(Some(Fused { start: seg.start, name }))
    }

    /// Whether compaction is due: with `use_heuristics`, when the tables do
    /// not form a geometric sequence; otherwise whenever there are 2 or more.
    pub fn compaction_required(&self, use_heuristics: bool) -> bool {
        if self.tables.len() < 2 {
            return false;
        }
        !use_heuristics || {
            let seg = self.segment_for_compaction();
            seg.end > seg.start
        }
    }

    /// Compacts the segment git's heuristic suggests, best effort: tables
    /// locked by a concurrent compaction are left out.
    pub fn auto_compact(&mut self) -> Result<(), Error> {
        if !self.compaction_required(true) {
            return Ok(());
        }
        let seg = self.segment_for_compaction();
        self.compact_range(seg.start, seg.end - 1, None, true)
    }

    /// Compacts the whole stack into one table (dropping deletions), with
    /// optional reflog expiry. `git pack-refs` does this.
    pub fn compact_all(&mut self, expiry: Option<LogExpiry>) -> Result<(), Error> {
        let last = self.tables.len().saturating_sub(1);
        self.compact_range(0, last, expiry, false)
    }

    /// Compacts tables `first..=last` into one, as git's
    /// `stack_compact_range`: lock `tables.list`, check we are up to date,
    /// lock the tables newest first (with `best_effort`, compact the newer
    /// part if an older table is locked), release `tables.list`, write the
    /// new table, re-lock `tables.list`, splice the new table where the old
    /// ones sit now (the list may have grown meanwhile), commit, and delete
    /// the old tables.
    fn compact_range(
        &mut self,
        first: usize,
        last: usize,
        expiry: Option<LogExpiry>,
        best_effort: bool,
    ) -> Result<(), Error> {
        if first > last || (expiry.is_none() && first == last) || last >= self.tables.len() {
            return Ok(());
        }
        self.stats.attempts += 1;
        let res = self.compact_range_inner(first, last, expiry, best_effort);
        if let Err(Error::Lock { .. }) = res {
            self.stats.failures += 1;
        }
        res
    }

    fn compact_range_inner(
        &mut self,
        mut first: usize,
        last: usize,
        expiry: Option<LogExpiry>,
        best_effort: bool,
    ) -> Result<(), Error> {
        let perms = self.opts.default_permissions;
        let list_lock = LockFile::acquire(&self.list_path, self.opts.lock_timeout_ms, perms)?;
        if !self.is_up_to_date()? {
            return Err(Error::Outdated { dir: self.dir.clone() });
        }
        let mut table_locks: Vec<LockFile> = Vec::new();
        for i in (first..=last).rev() {
            match LockFile::acquire(&self.dir.join(&self.names[i]), 0, None) {
                Ok(mut l) => {
                    l.close();
                    table_locks.push(l);
                }
                Err(Error::Lock { .. }) if best_effort && last - i >= 2 => {
                    first = i + 1;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        drop(list_lock);

        let compacted: Vec<String> = self.names[first..=last].to_vec();
        let min = self.tables[first].min_update_index();
        let max = self.tables[last].max_update_index();
        for t in &self.tables[first..=last] {
            self.stats.bytes += t.size();
        }
        let drop_deletions = first == 0;
        let mut entries = 0u64;
        let tables: Vec<&Table> = self.tables[first..=last].iter().map(|t| &**t).collect();
        let written = self.write_table(
            |w: &mut TableWriter| {
                w.set_limits(min, max)?;
                entries = merge_into(w, &tables, drop_deletions, expiry)?;
                Ok(())
            },
            0,
        );
        self.stats.entries_written += entries;
        let written = written?;
        // If anything below fails, the new table must not stay behind.
        struct Cleanup(Option<PathBuf>);
        impl Drop for Cleanup {
            fn drop(&mut self) {
                if let Some(p) = &self.0 {
                    let _ = std::fs::remove_file(p);
                }
            }
        }
        let mut cleanup = Cleanup(written.as_ref().map(|(n, _)| self.dir.join(n)));

        let list_lock = LockFile::acquire(&self.list_path, self.opts.lock_timeout_ms, perms)?;
        let current: Vec<String> = if self.is_up_to_date()? {
            self.names.clone()
        } else {
            self.read_names()?.map(|(n, _)| n).unwrap_or_default()
        };
        let at = current
            .windows(compacted.len())
            .position(|w| w == compacted.as_slice())
            .ok_or_else(|| Error::Outdated { dir: self.dir.clone() })?;
        let mut names: Vec<String> = current[..at].to_vec();
        if let Some((n, _)) = &written {
            names.push(n.clone());
        }
        names.extend_from_slice(&current[at + compacted.len()..]);
        self.write_list(list_lock, &names)?;
        cleanup.0 = None;
        self.reload_now()?;
        for name in &compacted {
            let _ = std::fs::remove_file(self.dir.join(name));
        }
        drop(table_locks);
        Ok(())
    }

    /// Removes `*.ref` files that `tables.list` does not name and whose
    /// update indexes the stack has moved past (left by crashed writers).
    /// Runs under the `tables.list` lock.
    pub fn clean(&mut self) -> Result<(), Error> {
        let _lock = LockFile::acquire(
            &self.list_path,
            self.opts.lock_timeout_ms,
            self.opts.default_permissions,
        )?;
        self.reload()?;
        let max = self.merged().max_update_index();
        let entries = std::fs::read_dir(&self.dir).map_err(Error::io(&self.dir))?;
        for e in entries {
            let e = e.map_err(Error::io(&self.dir))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".ref") || self.names.contains(&name) {
                continue;
            }
            let path = self.dir.join(&name);
            if let Ok(t) = crate::format::Table::open(&path) {
                if t.max_update_index() <= max {
                    drop(t);
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heuristic_matches_git() {
        // Cases from git's t/unit-tests/u-reftable-stack.c.
        let seg = suggest_compaction_segment(&[512, 64, 17, 16, 9, 9, 9, 16, 2, 16], 2);
        assert_eq!((seg.start, seg.end), (1, 10));
        let seg = suggest_compaction_segment(&[64, 32, 16, 8, 4, 2], 2);
        assert_eq!(seg.start, seg.end);
        let seg = suggest_compaction_segment(&[128, 32, 16, 8, 4, 3, 1], 2);
        assert_eq!((seg.start, seg.end), (1, 6));
        assert_eq!(suggest_compaction_segment(&[5], 2), Segment::default());
    }
}
