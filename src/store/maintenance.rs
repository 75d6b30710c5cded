//! Maintenance of a reftable store: packing (compaction), deleting and
//! expiring reflog entries, and verifying tables.

use gix_ref::bstr::ByteSlice;

use super::transaction::check_and_peel;
use super::worktree::{is_per_worktree, linked_worktrees, route, Stacks, Which};
use super::{lossy, oid, Error, Store};
use crate::format::{LogRecord, LogUpdate, LogValue, LogValueRef, RefRecord, RefValue};
use crate::stack::Stack;

/// How [`Store::reflog_expire`] treats the entries it keeps (git's
/// `--rewrite` and `--updateref`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpireOptions {
    /// Make each kept entry's old id the new id of the kept entry before it.
    pub rewrite: bool,
    /// Set the ref (unless symbolic) to the newest kept entry's new id.
    pub update_ref: bool,
    /// Decide, but write nothing (git's `--dry-run`).
    pub dry_run: bool,
}

fn is_null(id: &[u8]) -> bool {
    id.iter().all(|&b| b == 0)
}

/// A problem found by [`Store::verify`], worded like `git refs verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The table or reference concerned.
    pub subject: String,
    /// A camel-case message id, as git's fsck uses (`badRefName`, …).
    pub id: &'static str,
    /// What is wrong.
    pub message: String,
}

/// The names with log records in `stack`, each once, in name order, that
/// are valid ref names (git's reflog iterator leaves the others out) and
/// that `keep` takes.
fn log_names(stack: &Stack, keep: impl Fn(&[u8]) -> bool) -> Result<Vec<Vec<u8>>, Error> {
    let mut names: Vec<Vec<u8>> = Vec::new();
    let merged = stack.merged();
    let mut it = merged.logs()?;
    let mut last: Option<Vec<u8>> = None;
    while let Some(l) = it.next_log()? {
        if last.as_deref() == Some(l.name) {
            continue;
        }
        last = Some(l.name.to_vec());
        if keep(l.name) && gix_validate::reference::name_partial(l.name.as_bstr()).is_ok() {
            names.push(l.name.to_vec());
        }
    }
    Ok(names)
}

impl Store {
    /// The stacks this store owns: the common one, and the worktree's own.
    fn own_stacks(&self) -> Vec<Which> {
        let mut all = vec![Which::Main];
        if self.is_linked_worktree() {
            all.push(Which::Current);
        }
        all
    }

    /// Compacts a stack as `git pack-refs` does: all its tables into one, or
    /// with `auto` only what git's geometric heuristic asks for; then
    /// removes the table files a crashed writer left behind
    /// ([`Stack::clean`](crate::stack::Stack::clean)). As git, the stack is
    /// the worktree's own in a linked worktree (its `HEAD`, bisect refs, …),
    /// the common one otherwise: a linked worktree leaves the shared refs to
    /// the main worktree's `pack-refs`.
    pub fn pack_refs(&self, auto: bool) -> Result<(), Error> {
        let mut stacks = Stacks::open(self)?;
        let which = if self.is_linked_worktree() {
            Which::Current
        } else {
            Which::Main
        };
        let stack = stacks.get(self, &which)?;
        if auto {
            match stack.auto_compact() {
                Ok(()) => {}
                Err(e) if e.is_contention() => {}
                Err(e) => return Err(e.into()),
            }
        } else {
            stack.compact_all(None)?;
        }
        stack.clean()?;
        Ok(())
    }

    /// Deletes the reflog entries of `name` (newest first, counted from 0)
    /// for which `drop(index, time)` is true; see [`Store::reflog_expire`].
    /// Returns how many were deleted.
    pub fn reflog_delete_where(&self, name: &[u8], drop: impl FnMut(usize, u64) -> bool) -> Result<usize, Error> {
        let mut drop = drop;
        self.reflog_expire(name, ExpireOptions::default(), |i, e| drop(i, e.time))
    }

    /// Expires reflog entries of `name` as git's reftable backend does
    /// (`git reflog delete` and `git reflog expire`): one addition rewrites
    /// every entry of the reflog, those for which `drop(index, entry)` is
    /// true (counted from 0 for the newest; asked oldest first, as git asks)
    /// as tombstones; a reflog left
    /// without entries gets git's existence marker (an entry from and to
    /// the null id), so that it still exists. With
    /// [`ExpireOptions::rewrite`] each kept entry's old id becomes the new
    /// id of the kept entry before it; with [`ExpireOptions::update_ref`]
    /// a ref that is not symbolic is set to the newest kept entry's new id.
    /// A ref without a reflog is left alone. Returns how many entries were
    /// deleted (would be, with [`ExpireOptions::dry_run`]).
    ///
    /// `drop` runs while the store holds the stack (its lock and its
    /// in-process guard): it must not read this store, or it waits forever;
    /// gather what it needs first.
    pub fn reflog_expire(
        &self,
        name: &[u8],
        opts: ExpireOptions,
        mut drop: impl FnMut(usize, &LogUpdate) -> bool,
    ) -> Result<usize, Error> {
        let stored = self.ns_in(name);
        let (which, local) = route(&stored, self.is_linked_worktree());
        let local = local.to_vec();
        let kind = self.object_hash;
        let mut stacks = Stacks::open(self)?;
        let stack = stacks.get(self, &which)?;
        let mut add = stack.new_addition(true)?;
        // Newest first, without the existence marker; whether there was any.
        let mut entries: Vec<(u64, Option<LogUpdate>)> = Vec::new();
        let mut exists = false;
        let current = {
            let merged = add.stack().merged();
            let mut it = merged.seek_log(&local)?;
            while let Some(l) = it.next_log()? {
                if l.name != local.as_slice() {
                    break;
                }
                exists = true;
                if let LogValueRef::Update(u) = l.value {
                    if !is_null(u.old_id) || !is_null(u.new_id) {
                        entries.push((l.update_index, Some(u.to_owned())));
                    }
                }
            }
            merged.find_ref(&local)?.map(|r| r.value)
        };
        if !exists {
            return Ok(0);
        }
        let mut deleted = 0;
        for (i, (_, e)) in entries.iter_mut().enumerate().rev() {
            if e.as_ref().is_some_and(|u| drop(i, u)) {
                *e = None;
                deleted += 1;
            }
        }
        if opts.dry_run {
            return Ok(deleted);
        }
        // Oldest first, as git backfills the chain.
        let mut last: Option<Vec<u8>> = None;
        for (_, e) in entries.iter_mut().rev() {
            if let Some(u) = e {
                if let (true, Some(prev)) = (opts.rewrite, &last) {
                    u.old_id = prev.clone();
                }
                last = Some(u.new_id.clone());
            }
        }
        let update = match (opts.update_ref, &last, &current) {
            (true, Some(id), Some(RefValue::Val1(_) | RefValue::Val2 { .. })) => {
                let id = oid(id, kind)?;
                Some(match &self.odb {
                    Some(odb) => match check_and_peel(odb, &lossy(name.as_bstr()), id, false) {
                        Ok(Some(peeled)) => RefValue::Val2 {
                            value: id.as_bytes().to_vec(),
                            peeled: peeled.as_bytes().to_vec(),
                        },
                        _ => RefValue::Val1(id.as_bytes().to_vec()),
                    },
                    None => RefValue::Val1(id.as_bytes().to_vec()),
                })
            }
            _ => None,
        };
        let live = entries.iter().any(|(_, e)| e.is_some());
        let zero = vec![0; kind.len_in_bytes()];
        let ui = add.next_update_index();
        add.add_table(|w| {
            w.set_limits(ui, ui)?;
            if let Some(value) = update {
                w.add_ref(
                    &RefRecord {
                        name: local.clone(),
                        update_index: ui,
                        value,
                    }
                    .as_ref(),
                )?;
            }
            let marker = LogValue::Update(LogUpdate {
                old_id: zero.clone(),
                new_id: zero.clone(),
                name: Vec::new(),
                email: Vec::new(),
                time: 0,
                tz_offset: 0,
                message: Vec::new(),
            });
            let records = (!live).then_some((ui, marker)).into_iter().chain(
                entries
                    .into_iter()
                    .map(|(idx, e)| (idx, e.map_or(LogValue::Deletion, LogValue::Update))),
            );
            for (update_index, value) in records {
                w.add_log(
                    &LogRecord {
                        name: local.clone(),
                        update_index,
                        value,
                    }
                    .as_ref(),
                )?;
            }
            Ok(())
        })?;
        add.commit()?;
        Ok(deleted)
    }

    /// The names of all references with a reflog (git's `reflog list`), in
    /// name order: those of the worktree's own stack too. As git, names
    /// that are not valid ref names are left out, and in a linked worktree
    /// the main worktree's own (per-worktree) reflogs are.
    pub fn reflog_names(&self) -> Result<Vec<Vec<u8>>, Error> {
        let mut names: Vec<Vec<u8>> = Vec::new();
        let mut stacks = Stacks::open(self)?;
        let linked = self.is_linked_worktree();
        for which in self.own_stacks() {
            let stack = stacks.get(self, &which)?;
            // In a linked worktree, the main stack's per-worktree reflogs are the main worktree's.
            let theirs = |n: &[u8]| linked && which == Which::Main && is_per_worktree(n);
            names.extend(log_names(stack, |n| !theirs(n))?);
        }
        let mut out: Vec<Vec<u8>> = names
            .iter()
            .filter_map(|n| self.ns_out(n).map(<[u8]>::to_vec))
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The reflogs `git reflog expire --all` visits, in git's order:
    /// worktree by worktree, the main worktree first, then the linked ones
    /// in the order the directory `worktrees/` lists them. Of this store's
    /// worktree, every reflog ([`reflog_names`](Self::reflog_names)); of the
    /// others, only their own (per-worktree) reflogs, named
    /// `main-worktree/<ref>` or `worktrees/<id>/<ref>`, so that no shared
    /// reflog is named twice. As git's `get_worktrees`, a linked worktree
    /// counts if its `gitdir` file is readable and not empty.
    pub fn reflog_names_of_all_worktrees(&self) -> Result<Vec<Vec<u8>>, Error> {
        let worktrees = self.common_dir.join("worktrees");
        let linked = linked_worktrees(&self.common_dir);
        let same = |a: &std::path::Path, b: &std::path::Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == b,
        };
        let current = self
            .is_linked_worktree()
            .then(|| {
                linked
                    .iter()
                    .find(|id| same(&worktrees.join(id), &self.git_dir))
                    .cloned()
            })
            .flatten();
        // Before the stacks are held: it holds them itself.
        let mut own = Some(self.reflog_names()?);
        let mut out = Vec::new();
        let mut stacks = Stacks::open(self)?;
        // The main worktree (None), then the linked ones.
        for id in std::iter::once(None).chain(linked.into_iter().map(Some)) {
            let (which, prefix) = match &id {
                None if !self.is_linked_worktree() => {
                    out.extend(own.take().unwrap_or_default());
                    continue;
                }
                Some(id) if current.as_ref() == Some(id) => {
                    out.extend(own.take().unwrap_or_default());
                    continue;
                }
                None => (Which::Main, "main-worktree/".to_owned()),
                Some(id) => (Which::Other(id.clone()), format!("worktrees/{id}/")),
            };
            let stack = match stacks.get(self, &which) {
                Ok(stack) => stack,
                // An id no stack can be opened for (git would refuse the name): no reflogs.
                Err(Error::InvalidName { .. }) => continue,
                Err(e) => return Err(e),
            };
            let own = log_names(stack, is_per_worktree)?;
            out.extend(own.into_iter().map(|n| [prefix.as_bytes(), &n].concat()));
        }
        Ok(out)
    }

    /// Checks every table (CRC, block layout, key order), that every ref
    /// name is valid, that no ref is both a file and a directory, and that
    /// symbolic refs point somewhere. Problems are returned, not raised.
    pub fn verify(&self) -> Result<Vec<Problem>, Error> {
        let mut problems = Vec::new();
        let mut stacks = Stacks::open(self)?;
        for which in self.own_stacks() {
            let stack = stacks.get(self, &which)?;
            for t in stack.tables() {
                for b in t.blocks() {
                    if let Err(e) = b {
                        problems.push(Problem {
                            subject: t.name().to_owned(),
                            id: "badReftableTable",
                            message: e.to_string(),
                        });
                        break;
                    }
                }
            }
            let merged = stack.merged();
            let mut seen: std::collections::HashSet<Vec<u8>> = std::collections::HashSet::new();
            for r in merged.refs()? {
                let r = r?;
                // git's check_refname_format with REFNAME_ALLOW_ONELEVEL:
                // git writes one-level names such as `foo` if asked to.
                if gix_validate::reference::name_partial(r.name.as_bstr()).is_err() {
                    problems.push(Problem {
                        subject: r.name.to_str_lossy().into_owned(),
                        id: "badRefName",
                        message: "invalid refname format".into(),
                    });
                }
                // Parents sort before their children: check every prefix seen so far.
                for dir in super::leading_dirs(&r.name) {
                    if seen.contains(dir) {
                        problems.push(Problem {
                            subject: r.name.to_str_lossy().into_owned(),
                            id: "refNameConflict",
                            message: format!("'{}' exists", dir.to_str_lossy()),
                        });
                    }
                }
                if let crate::format::RefValue::Symref(t) = &r.value {
                    if gix_validate::reference::name_partial(t.as_bstr()).is_err() {
                        problems.push(Problem {
                            subject: r.name.to_str_lossy().into_owned(),
                            id: "badReferentName",
                            message: format!("points to invalid refname '{}'", t.to_str_lossy()),
                        });
                    }
                }
                seen.insert(r.name.clone());
            }
        }
        Ok(problems)
    }
}
