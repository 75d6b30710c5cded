//! Transactions with gix-ref's semantics, committed as one table in one
//! atomic addition to the stack.

use std::collections::{BTreeMap, BTreeSet};

use gix_hash::ObjectId;
use gix_ref::bstr::{BString, ByteSlice};
use gix_ref::transaction::{Change, LogChange, PreviousValue, RefEdit, RefEditsExt, RefLog};
use gix_ref::{FullName, Target};

use super::reflog::seconds_to_tz;
use super::{is_pseudo_ref, lossy, to_target, Error, Store, WriteReflog};
use crate::format::{LogRecord, LogUpdate, LogValue, RefRecord, RefValue};
use crate::stack::LockFile;

/// A set of reference edits applied atomically; see [`Store::transaction`].
pub struct Transaction<'s> {
    store: &'s Store,
    edits: Vec<RefEdit>,
    lock: Option<LockFile>,
    /// Previous targets of the edited refs, read under the lock.
    previous: BTreeMap<FullName, Target>,
}

impl Store {
    /// Starts a transaction.
    pub fn transaction(&self) -> Transaction<'_> {
        Transaction {
            store: self,
            edits: Vec::new(),
            lock: None,
            previous: BTreeMap::new(),
        }
    }
}

fn describe(t: Option<&Target>) -> String {
    match t {
        None => "missing".into(),
        Some(Target::Object(id)) => id.to_string(),
        Some(Target::Symbolic(n)) => format!("ref: {n}"),
    }
}

/// Whether git creates a reflog for `name` without being asked.
fn autocreate_reflog(mode: WriteReflog, name: &[u8]) -> bool {
    match mode {
        WriteReflog::Always => true,
        WriteReflog::Normal => {
            name == b"HEAD"
                || name.starts_with(b"refs/heads/")
                || name.starts_with(b"refs/remotes/")
                || name.starts_with(b"refs/notes/")
        }
        WriteReflog::Disable => false,
    }
}

impl<'s> Transaction<'s> {
    /// Locks the stack, splits edits of symbolic refs with `deref`, rejects
    /// duplicates, and checks every expected previous value and name
    /// conflict under the lock. Nothing is written yet.
    pub fn prepare(
        mut self,
        edits: impl IntoIterator<Item = RefEdit>,
        lock_fail_mode: gix_lock::acquire::Fail,
    ) -> Result<Self, Error> {
        let timeout_ms = match lock_fail_mode {
            gix_lock::acquire::Fail::Immediately => 0,
            gix_lock::acquire::Fail::AfterDurationWithBackoff(d) => d.as_millis().min(i64::MAX as u128) as i64,
        };
        let kind = self.store.object_hash;
        let stack = self.store.stack()?;
        let lock = stack.lock_list(timeout_ms)?;
        drop(stack);
        let stack = self.store.stack()?;
        let merged = stack.merged();
        let mut edits: Vec<RefEdit> = edits.into_iter().collect();
        let mut find = |name: &gix_ref::PartialNameRef| -> Option<Target> {
            let rec = merged.find_ref(name.as_bstr()).ok().flatten()?;
            to_target(&rec.value, kind).ok().flatten()
        };
        edits
            .pre_process(&mut find, &mut |_, e| e)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => Error::DuplicateEdit {
                    name: e.to_string().split('\'').nth(1).unwrap_or_default().to_owned(),
                },
                _ => Error::InvalidName {
                    name: String::new(),
                    reason: e.to_string(),
                },
            })?;

        let mut previous = BTreeMap::new();
        let mut deleted: BTreeSet<Vec<u8>> = BTreeSet::new();
        let mut created: BTreeSet<Vec<u8>> = BTreeSet::new();
        for edit in &edits {
            let name = edit.name.as_bstr();
            if !name.starts_with(b"refs/") && !is_pseudo_ref(name) {
                return Err(Error::InvalidName {
                    name: lossy(name),
                    reason: "only refs/… and pseudo refs like HEAD can be written".into(),
                });
            }
            let current = match merged.find_ref(name)? {
                Some(rec) => to_target(&rec.value, kind)?,
                None => None,
            };
            let expected = match &edit.change {
                Change::Update { expected, .. } | Change::Delete { expected, .. } => expected,
            };
            let ok = match expected {
                PreviousValue::Any => true,
                PreviousValue::MustExist => current.is_some(),
                PreviousValue::MustNotExist => current.is_none(),
                PreviousValue::MustExistAndMatch(t) => current.as_ref() == Some(t),
                PreviousValue::ExistingMustMatch(t) => current.is_none() || current.as_ref() == Some(t),
            };
            if !ok {
                let expected = match expected {
                    PreviousValue::MustExist => "any value".to_string(),
                    PreviousValue::MustNotExist => "missing".to_string(),
                    PreviousValue::MustExistAndMatch(t) | PreviousValue::ExistingMustMatch(t) => describe(Some(t)),
                    PreviousValue::Any => unreachable!(),
                };
                return Err(Error::OutOfDate {
                    name: lossy(name),
                    expected,
                    actual: describe(current.as_ref()),
                });
            }
            match &edit.change {
                Change::Delete {
                    log: RefLog::AndReference,
                    ..
                } => {
                    deleted.insert(name.to_vec());
                }
                Change::Update { log, .. } if log.mode == RefLog::AndReference && current.is_none() => {
                    created.insert(name.to_vec());
                }
                _ => {}
            }
            if let Some(c) = current {
                previous.insert(edit.name.clone(), c);
            }
        }
        // Directory/file conflicts of new refs with existing ones (unless
        // deleted here) and with each other.
        for name in &created {
            for (i, _) in name.iter().enumerate().filter(|(_, &c)| c == b'/') {
                let parent = &name[..i];
                let exists =
                    created.contains(parent) || (!deleted.contains(parent) && merged.find_ref(parent)?.is_some());
                if exists {
                    return Err(Error::NameConflict {
                        name: lossy(name.as_bstr()),
                        conflict: lossy(parent.as_bstr()),
                    });
                }
            }
            let mut dir = name.clone();
            dir.push(b'/');
            let mut it = merged.seek_ref(&dir)?;
            while let Some(r) = it.next_ref()? {
                if !r.name.starts_with(&dir) {
                    break;
                }
                if !deleted.contains(r.name) {
                    return Err(Error::NameConflict {
                        name: lossy(name.as_bstr()),
                        conflict: lossy(r.name.as_bstr()),
                    });
                }
            }
            if let Some(child) = created.range(dir.clone()..).next().filter(|c| c.starts_with(&dir)) {
                return Err(Error::NameConflict {
                    name: lossy(name.as_bstr()),
                    conflict: lossy(child.as_bstr()),
                });
            }
        }
        drop(merged);
        drop(stack);
        self.edits = edits;
        self.previous = previous;
        self.lock = Some(lock);
        Ok(self)
    }

    /// Writes all edits as one table in one addition and releases the lock.
    /// Reflog entries are written with `committer` (none without one).
    /// Returns the edits as applied, with their previous values.
    pub fn commit(mut self, committer: Option<gix_actor::SignatureRef<'_>>) -> Result<Vec<RefEdit>, Error> {
        let lock = self.lock.take().ok_or_else(|| Error::InvalidName {
            name: String::new(),
            reason: "commit() needs a prepared transaction".into(),
        })?;
        let kind = self.store.object_hash;
        let mode = self.store.opts.write_reflog;
        let mut stack = self.store.stack.lock().unwrap_or_else(|p| p.into_inner());
        let mut add = stack.new_addition_locked(lock)?;
        let ui = add.next_update_index();
        let zero = ObjectId::null(kind);

        let merged = add.stack().merged();
        let head = merged.find_ref(b"HEAD")?;
        let head_target = match head.as_ref().map(|r| &r.value) {
            Some(RefValue::Symref(t)) => Some(t.clone()),
            _ => None,
        };
        let mut refs: BTreeMap<Vec<u8>, RefValue> = BTreeMap::new();
        let mut logs: BTreeMap<(Vec<u8>, std::cmp::Reverse<u64>), LogValue> = BTreeMap::new();
        let oid_of = |t: Option<&Target>, merged: &crate::merged::Merged<'_>| -> Result<ObjectId, Error> {
            Ok(match t {
                Some(Target::Object(id)) => *id,
                Some(Target::Symbolic(n)) => match merged.find_ref(n.as_bstr())? {
                    Some(r) => r
                        .value
                        .object_id()
                        .map(|b| super::oid(b, kind))
                        .transpose()?
                        .unwrap_or(zero),
                    None => zero,
                },
                None => zero,
            })
        };
        let sig = match committer {
            Some(c) => {
                let time = c.time().map_err(|e| Error::InvalidName {
                    name: "committer".into(),
                    reason: format!("unparsable time: {e}"),
                })?;
                Some((c.name.to_owned(), c.email.to_owned(), time))
            }
            None => None,
        };
        let mut applied = Vec::with_capacity(self.edits.len());
        for edit in self.edits.drain(..) {
            let name = edit.name.as_bstr().to_vec();
            let prev = self.previous.get(&edit.name).cloned();
            let (new_target, log_mode, message, force) = match &edit.change {
                Change::Update {
                    new,
                    log:
                        LogChange {
                            mode,
                            force_create_reflog,
                            message,
                        },
                    ..
                } => (Some(new.clone()), *mode, message.clone(), *force_create_reflog),
                Change::Delete { log, .. } => (None, *log, BString::default(), false),
            };
            let unchanged = new_target.is_some() && new_target == prev;
            if log_mode == RefLog::AndReference && !unchanged {
                let value = match &new_target {
                    Some(Target::Object(id)) => RefValue::Val1(id.as_bytes().to_vec()),
                    Some(Target::Symbolic(n)) => RefValue::Symref(n.as_bstr().to_vec()),
                    None => RefValue::Deletion,
                };
                refs.insert(name.clone(), value);
            }
            if new_target.is_none() && log_mode == RefLog::AndReference {
                // Deleting a ref deletes its reflog: tombstone every entry.
                let mut it = merged.seek_log(&name)?;
                while let Some(l) = it.next_log()? {
                    if l.name != name.as_slice() {
                        break;
                    }
                    logs.insert((name.clone(), std::cmp::Reverse(l.update_index)), LogValue::Deletion);
                }
            } else if !unchanged {
                if let Some((sname, semail, time)) = &sig {
                    let has_log = {
                        let mut it = merged.seek_log(&name)?;
                        it.next_log()?.is_some_and(|l| l.name == name.as_slice())
                    };
                    if force || has_log || autocreate_reflog(mode, &name) {
                        let old = oid_of(prev.as_ref(), &merged)?;
                        let new = oid_of(new_target.as_ref(), &merged)?;
                        let entry = LogUpdate {
                            old_id: old.as_bytes().to_vec(),
                            new_id: new.as_bytes().to_vec(),
                            name: sname.to_vec(),
                            email: semail.to_vec(),
                            time: time.seconds.max(0) as u64,
                            tz_offset: seconds_to_tz(time.offset),
                            message: message.to_vec(),
                        };
                        // An update of the branch HEAD points to is logged for HEAD too.
                        if head_target.as_deref() == Some(name.as_slice()) {
                            logs.entry((b"HEAD".to_vec(), std::cmp::Reverse(ui)))
                                .or_insert_with(|| LogValue::Update(entry.clone()));
                        }
                        logs.insert((name.clone(), std::cmp::Reverse(ui)), LogValue::Update(entry));
                    }
                }
            }
            let mut edit = edit;
            let expected = match prev {
                Some(t) => PreviousValue::MustExistAndMatch(t),
                None => PreviousValue::MustNotExist,
            };
            match &mut edit.change {
                Change::Update { expected: e, .. } | Change::Delete { expected: e, .. } => *e = expected,
            }
            applied.push(edit);
        }
        drop(merged);
        if refs.is_empty() && logs.is_empty() {
            return Ok(applied);
        }
        add.add_table(|w| {
            w.set_limits(ui, ui)?;
            for (name, value) in &refs {
                w.add_ref(
                    &RefRecord {
                        name: name.clone(),
                        update_index: ui,
                        value: value.clone(),
                    }
                    .as_ref(),
                )?;
            }
            for ((name, std::cmp::Reverse(idx)), value) in &logs {
                w.add_log(
                    &LogRecord {
                        name: name.clone(),
                        update_index: *idx,
                        value: value.clone(),
                    }
                    .as_ref(),
                )?;
            }
            Ok(())
        })?;
        add.commit()?;
        Ok(applied)
    }

    /// Abandons the transaction, releasing the lock; returns the edits.
    pub fn rollback(mut self) -> Vec<RefEdit> {
        self.lock = None;
        std::mem::take(&mut self.edits)
    }
}
