//! Maintenance of a reftable store: packing (compaction), deleting and
//! expiring reflog entries, and verifying tables.

use gix_ref::bstr::ByteSlice;

use super::worktree::{route, Stacks, Which};
use super::{Error, Store};
use crate::format::{LogRecord, LogValue};

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

impl Store {
    /// The stacks this store owns: the common one, and the worktree's own.
    fn own_stacks(&self) -> Vec<Which> {
        let mut all = vec![Which::Main];
        if self.is_linked_worktree() {
            all.push(Which::Current);
        }
        all
    }

    /// Compacts the stacks (`git pack-refs`): all tables into one, or with
    /// `auto` only what git's geometric heuristic asks for.
    pub fn pack_refs(&self, auto: bool) -> Result<(), Error> {
        let mut stacks = Stacks::open(self)?;
        for which in self.own_stacks() {
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
        }
        Ok(())
    }

    /// Deletes the reflog entries of `name` (newest first, counted from 0)
    /// for which `drop(index, time)` is true, with log tombstones in one
    /// addition. Returns how many were deleted.
    pub fn reflog_delete_where(&self, name: &[u8], mut drop: impl FnMut(usize, u64) -> bool) -> Result<usize, Error> {
        let stored = self.ns_in(name);
        let (which, local) = route(&stored, self.is_linked_worktree());
        let local = local.to_vec();
        let mut stacks = Stacks::open(self)?;
        let stack = stacks.get(self, &which)?;
        let mut add = stack.new_addition(true)?;
        let mut doomed = Vec::new();
        {
            let merged = add.stack().merged();
            let mut it = merged.seek_log(&local)?;
            let mut i = 0;
            while let Some(l) = it.next_log()? {
                if l.name != local.as_slice() {
                    break;
                }
                if let crate::format::LogValueRef::Update(u) = l.value {
                    if drop(i, u.time) {
                        doomed.push(l.update_index);
                    }
                    i += 1;
                }
            }
        }
        if doomed.is_empty() {
            return Ok(0);
        }
        let ui = add.next_update_index();
        add.add_table(|w| {
            w.set_limits(ui, ui)?;
            for idx in &doomed {
                w.add_log(
                    &LogRecord {
                        name: local.clone(),
                        update_index: *idx,
                        value: LogValue::Deletion,
                    }
                    .as_ref(),
                )?;
            }
            Ok(())
        })?;
        add.commit()?;
        Ok(doomed.len())
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
                if gix_ref::FullName::try_from(r.name.as_bstr()).is_err() {
                    problems.push(Problem {
                        subject: r.name.to_str_lossy().into_owned(),
                        id: "badRefName",
                        message: "invalid refname format".into(),
                    });
                }
                // Parents sort before their children: check every prefix seen so far.
                for (i, _) in r.name.iter().enumerate().filter(|(_, &c)| c == b'/') {
                    if seen.contains(&r.name[..i]) {
                        problems.push(Problem {
                            subject: r.name.to_str_lossy().into_owned(),
                            id: "refNameConflict",
                            message: format!("'{}' exists", r.name[..i].to_str_lossy()),
                        });
                    }
                }
                if let crate::format::RefValue::Symref(t) = &r.value {
                    if gix_ref::FullName::try_from(t.as_bstr()).is_err() {
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
