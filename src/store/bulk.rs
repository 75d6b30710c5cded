//! Bulk creates and updates: a transaction of millions of plain refs in a
//! fraction of the memory a `RefEdit` per ref takes.
//!
//! [`Bulk`] keeps each edit as its name (in one shared buffer), its new
//! object id and its expectation: about 80 bytes per ref. [`Store::apply_bulk`]
//! applies it with the semantics of a [`Transaction`](super::Transaction) of
//! the same edits (with `deref`, one reflog message for all, gix-ref's rule
//! that creating a ref that already has the new value is fine): one table,
//! D/F conflicts, expected values, peeled tags, reflogs as
//! `core.logAllRefUpdates` says, HEAD's reflog when its branch moves. What it
//! does not cover (a namespace, a linked worktree, a ref that is currently
//! symbolic) it hands back untouched, to be applied as a transaction.
//!
//! ```no_run
//! # let store = reftable::store::Store::at(".git".as_ref(), gix_hash::Kind::Sha1)?;
//! use reftable::store::bulk::{Bulk, Expect, Outcome};
//! let id = gix_hash::ObjectId::from_hex(b"0123456789012345678901234567890123456789")?;
//! let mut bulk = Bulk::new(gix_hash::Kind::Sha1, "import".into(), false);
//! for i in 0..1_000_000 {
//!     bulk.push(format!("refs/heads/b/{i}").as_bytes(), id, Expect::MustNotExist)?;
//! }
//! match store.apply_bulk(bulk, gix_lock::acquire::Fail::Immediately, None)? {
//!     Outcome::Applied => {}
//!     Outcome::NeedsTransaction(bulk) => { let _edits: Vec<_> = bulk.into_edits().collect(); }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{HashMap, HashSet};

use gix_hash::{Kind, ObjectId};
use gix_ref::bstr::{BString, ByteSlice};
use gix_ref::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix_ref::{FullName, Target};

use super::transaction::{
    autocreate_reflog, check_and_peel, committer_parts, describe, head_target, is_branch, lock_timeout_ms,
    max_message_len,
};
use super::worktree::Stacks;
use super::{lossy, oid, Error, Store};
use crate::format::{LogRecordRef, LogUpdateRef, LogValueRef, RefRecordRef, RefValueRef};

/// What an edit expects of the ref before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Whatever it is (`update <ref> <new>`).
    Any,
    /// It must not exist, or already have the new value (gix-ref's
    /// `PreviousValue::MustNotExist`).
    MustNotExist,
    /// It must not exist at all (git's `create`, and a zero old value).
    Absent,
    /// It must point to this object (`update <ref> <new> <old>`).
    MustMatch(ObjectId),
}

/// An expectation with its object id interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Old {
    Any,
    MustNotExist,
    Absent,
    MustMatch(u32),
}

/// 20 bytes per edit: the name is a range of `Bulk::names`, ids index `Bulk::ids`.
#[derive(Debug, Clone, Copy)]
struct Entry {
    start: u32,
    len: u32,
    new: u32,
    /// The expectation; once checked, `MustMatch(previous)` or `MustNotExist` (no previous value).
    old: Old,
}

/// A batch of creates and updates of refs under `refs/` to object ids.
#[derive(Debug, Clone)]
pub struct Bulk {
    kind: Kind,
    names: Vec<u8>,
    entries: Vec<Entry>,
    /// Distinct object ids (imports name few objects many times).
    ids: Vec<ObjectId>,
    interned: HashMap<ObjectId, u32>,
    message: BString,
    force_create_reflog: bool,
}

/// The result of [`Store::apply_bulk`].
#[derive(Debug)]
pub enum Outcome {
    /// Written, in one table.
    Applied,
    /// Nothing was written: the batch needs a transaction (see the module docs).
    NeedsTransaction(Bulk),
}

impl Bulk {
    /// An empty batch of `kind` ids whose reflog entries all say `message`.
    pub fn new(kind: Kind, message: BString, force_create_reflog: bool) -> Self {
        Bulk {
            kind,
            names: Vec::new(),
            entries: Vec::new(),
            ids: Vec::new(),
            interned: HashMap::new(),
            message,
            force_create_reflog,
        }
    }

    /// Adds an edit. The name must be a valid ref name under `refs/`, and
    /// `new` a non-null id of the batch's kind.
    pub fn push(&mut self, name: &[u8], new: ObjectId, old: Expect) -> Result<(), Error> {
        let invalid = |reason: String| Error::InvalidName {
            name: lossy(name.as_bstr()),
            reason,
        };
        gix_validate::reference::name(name.as_bstr()).map_err(|e| invalid(e.to_string()))?;
        if !name.starts_with(b"refs/") {
            return Err(invalid("a bulk edit names a ref under refs/".into()));
        }
        let wrong_kind = |id: &ObjectId| id.kind() != self.kind || id.is_null();
        if wrong_kind(&new) || matches!(old, Expect::MustMatch(o) if wrong_kind(&o)) {
            return Err(invalid(
                "object ids must be non-null and of the repository's hash".into(),
            ));
        }
        let (Ok(start), Ok(len)) = (u32::try_from(self.names.len()), u32::try_from(name.len())) else {
            return Err(invalid("the batch is too large".into()));
        };
        let new = self.intern(new);
        let old = match old {
            Expect::Any => Old::Any,
            Expect::MustNotExist => Old::MustNotExist,
            Expect::Absent => Old::Absent,
            Expect::MustMatch(id) => Old::MustMatch(self.intern(id)),
        };
        self.names.extend_from_slice(name);
        self.entries.push(Entry { start, len, new, old });
        Ok(())
    }

    fn intern(&mut self, id: ObjectId) -> u32 {
        let next = self.ids.len() as u32;
        let i = *self.interned.entry(id).or_insert(next);
        if i == next {
            self.ids.push(id);
        }
        i
    }

    /// How many edits there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn name(&self, e: &Entry) -> &[u8] {
        &self.names[e.start as usize..(e.start + e.len) as usize]
    }

    /// The same edits as `RefEdit`s, for a [`Transaction`](super::Transaction).
    pub fn into_edits(self) -> impl Iterator<Item = RefEdit> {
        let Bulk {
            names,
            entries,
            ids,
            message,
            force_create_reflog,
            ..
        } = self;
        entries.into_iter().map(move |e| {
            let name = &names[e.start as usize..(e.start + e.len) as usize];
            RefEdit {
                change: Change::Update {
                    log: LogChange {
                        mode: RefLog::AndReference,
                        force_create_reflog,
                        message: message.clone(),
                    },
                    expected: match e.old {
                        Old::Any => PreviousValue::Any,
                        // The transaction has gix-ref's rule only: callers
                        // wanting git's check it themselves.
                        Old::MustNotExist | Old::Absent => PreviousValue::MustNotExist,
                        Old::MustMatch(id) => PreviousValue::MustExistAndMatch(Target::Object(ids[id as usize])),
                    },
                    new: Target::Object(ids[e.new as usize]),
                },
                name: FullName::try_from(name.as_bstr()).expect("validated by push"),
                deref: true,
            }
        })
    }
}

impl Store {
    /// Applies `bulk` atomically, as a transaction of the same edits would
    /// (see the [module docs](super::bulk)). Reflog entries are written with
    /// `committer` (none without one).
    pub fn apply_bulk(
        &self,
        mut bulk: Bulk,
        lock_fail_mode: gix_lock::acquire::Fail,
        committer: Option<gix_actor::SignatureRef<'_>>,
    ) -> Result<Outcome, Error> {
        if self.namespace.is_some() || self.is_linked_worktree() || bulk.kind != self.object_hash {
            return Ok(Outcome::NeedsTransaction(bulk));
        }
        if bulk.is_empty() {
            return Ok(Outcome::Applied);
        }
        let timeout_ms = lock_timeout_ms(lock_fail_mode);
        let sig = committer_parts(committer)?;

        // Name order; the same ref twice is an error, as in a transaction.
        let mut order: Vec<u32> = (0..bulk.entries.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            bulk.name(&bulk.entries[a as usize])
                .cmp(bulk.name(&bulk.entries[b as usize]))
        });
        for w in order.windows(2) {
            let a = bulk.name(&bulk.entries[w[0] as usize]);
            if a == bulk.name(&bulk.entries[w[1] as usize]) {
                return Err(Error::DuplicateEdit {
                    name: lossy(a.as_bstr()),
                });
            }
        }
        // Objects must exist; tags are peeled. Each object is read once.
        // Branches take commits only; an object checked as one is a commit.
        let mut peeled: HashMap<ObjectId, Option<ObjectId>> = HashMap::new();
        let mut commits: HashSet<ObjectId> = HashSet::new();
        if let Some(odb) = &self.odb {
            for e in &bulk.entries {
                let new = bulk.ids[e.new as usize];
                let name = bulk.name(e);
                let branch = is_branch(name);
                if branch && !commits.contains(&new) || !peeled.contains_key(&new) {
                    let p = check_and_peel(odb, &lossy(name.as_bstr()), new, branch)?;
                    if branch {
                        commits.insert(new);
                    }
                    peeled.insert(new, p);
                }
            }
        }

        let mut stacks = Stacks::open(self)?;
        let head = head_target(&mut stacks, self)?;
        let stack = &mut *stacks.main;
        let lock = stack.lock_list(timeout_ms)?;
        stack.reload()?;
        let kind = self.object_hash;

        // Current values, by walking the stack's refs alongside the sorted edits.
        {
            let merged = stack.merged();
            let mut refs = merged.seek_ref(bulk.name(&bulk.entries[order[0] as usize]))?;
            let mut cur = refs.next_ref()?.map(|r| (r.name.to_vec(), r.value.to_owned()));
            for &i in &order {
                let e = bulk.entries[i as usize];
                let name = bulk.name(&e);
                while cur.as_ref().is_some_and(|(n, _)| n.as_slice() < name) {
                    cur = refs.next_ref()?.map(|r| (r.name.to_vec(), r.value.to_owned()));
                }
                let current = match &cur {
                    Some((n, v)) if n.as_slice() == name => match v.object_id() {
                        Some(id) => Some(oid(id, kind)?),
                        None if matches!(v, crate::format::RefValue::Deletion) => None,
                        // A symbolic ref: its edit goes to what it points to.
                        None => return Ok(Outcome::NeedsTransaction(bulk)),
                    },
                    _ => None,
                };
                let new = bulk.ids[e.new as usize];
                let ok = match e.old {
                    Old::Any => true,
                    Old::MustNotExist => current.is_none() || current == Some(new),
                    Old::Absent => current.is_none(),
                    Old::MustMatch(id) => current == Some(bulk.ids[id as usize]),
                };
                if !ok {
                    let expected = match e.old {
                        Old::MustNotExist | Old::Absent => "missing".to_string(),
                        Old::MustMatch(id) => bulk.ids[id as usize].to_string(),
                        Old::Any => unreachable!("always ok"),
                    };
                    return Err(Error::OutOfDate {
                        name: lossy(name.as_bstr()),
                        expected,
                        actual: describe(current.map(Target::Object).as_ref()),
                    });
                }
                bulk.entries[i as usize].old = match current {
                    Some(id) => Old::MustMatch(bulk.intern(id)),
                    None => Old::MustNotExist,
                };
            }
        }
        // The position in `order` of the edit of `name`.
        let position = |name: &[u8]| {
            order
                .binary_search_by(|&i| bulk.name(&bulk.entries[i as usize]).cmp(name))
                .ok()
        };

        // Directory/file conflicts of new refs with existing ones and with each other.
        {
            let merged = stack.merged();
            let mut free: HashSet<Vec<u8>> = HashSet::new();
            for &i in &order {
                let e = &bulk.entries[i as usize];
                if e.old != Old::MustNotExist {
                    continue;
                }
                let name = bulk.name(e);
                for parent in super::leading_dirs(name) {
                    if free.contains(parent) {
                        continue;
                    }
                    if position(parent).is_some() || merged.find_ref(parent)?.is_some() {
                        return Err(Error::NameConflict {
                            name: lossy(name.as_bstr()),
                            conflict: lossy(parent.as_bstr()),
                        });
                    }
                    free.insert(parent.to_vec());
                }
                let mut dir = name.to_vec();
                dir.push(b'/');
                if let Some(r) = merged.seek_ref(&dir)?.next_ref()? {
                    if r.name.starts_with(&dir) {
                        return Err(Error::NameConflict {
                            name: lossy(name.as_bstr()),
                            conflict: lossy(r.name.as_bstr()),
                        });
                    }
                }
                let after = order.partition_point(|&j| bulk.name(&bulk.entries[j as usize]) < dir.as_slice());
                if let Some(&next) = order.get(after) {
                    let child = bulk.name(&bulk.entries[next as usize]);
                    if child.starts_with(&dir) {
                        return Err(Error::NameConflict {
                            name: lossy(name.as_bstr()),
                            conflict: lossy(child.as_bstr()),
                        });
                    }
                }
            }
        }

        // Which refs get a reflog entry: unchanged refs get none; the others
        // if asked, if git would create one, or if they have a reflog already.
        let mode = self.opts.write_reflog;
        // Interned ids are equal exactly when their indices are.
        let changed = |e: &Entry| e.old != Old::MustMatch(e.new);
        let mut logged: Vec<bool> = vec![false; order.len()];
        if sig.is_some() {
            let merged = stack.merged();
            let first = bulk.name(&bulk.entries[order[0] as usize]);
            let mut logs = merged.seek_log(first)?;
            let mut cur: Option<Vec<u8>> = logs.next_log()?.map(|l| l.name.to_vec());
            for (pos, &i) in order.iter().enumerate() {
                let e = &bulk.entries[i as usize];
                let name = bulk.name(e);
                while cur.as_deref().is_some_and(|n| n < name) {
                    cur = logs.next_log()?.map(|l| l.name.to_vec());
                }
                let has_log = cur.as_deref() == Some(name);
                logged[pos] = changed(e) && (bulk.force_create_reflog || has_log || autocreate_reflog(mode, name));
            }
        }
        let head_entry = head.as_deref().and_then(position).filter(|&pos| logged[pos]);

        let mut message = super::normalize_reflog_message(&bulk.message);
        message.truncate(max_message_len(self));
        let message = message.as_slice();
        let zero = ObjectId::null(kind);
        let mut add = stack.new_addition_locked(lock)?;
        let idx = add.next_update_index();
        let bulk = &bulk;
        add.add_table(|w| {
            w.set_limits(idx, idx)?;
            for &i in &order {
                let e = &bulk.entries[i as usize];
                if !changed(e) {
                    continue;
                }
                let new = &bulk.ids[e.new as usize];
                let value = match peeled.get(new).and_then(Option::as_ref) {
                    Some(p) => RefValueRef::Val2 {
                        value: new.as_bytes(),
                        peeled: p.as_bytes(),
                    },
                    None => RefValueRef::Val1(new.as_bytes()),
                };
                w.add_ref(&RefRecordRef {
                    name: bulk.name(e),
                    update_index: idx,
                    value,
                })?;
            }
            let Some((sname, semail, time)) = &sig else {
                return Ok(());
            };
            // The entry of `e`, under `name` (its own, or HEAD's).
            let mut write_log = |name: &[u8], e: &Entry| {
                let old = match e.old {
                    Old::MustMatch(id) => bulk.ids[id as usize],
                    _ => zero,
                };
                w.add_log(&LogRecordRef {
                    name,
                    update_index: idx,
                    value: LogValueRef::Update(LogUpdateRef {
                        old_id: old.as_bytes(),
                        new_id: bulk.ids[e.new as usize].as_bytes(),
                        name: sname,
                        email: semail,
                        time: time.seconds.max(0) as u64,
                        tz_offset: super::reflog::seconds_to_tz(time.offset),
                        message,
                    }),
                })
            };
            // HEAD sorts before every name under refs/.
            if let Some(pos) = head_entry {
                write_log(b"HEAD", &bulk.entries[order[pos] as usize])?;
            }
            for (pos, &i) in order.iter().enumerate() {
                if logged[pos] {
                    let e = &bulk.entries[i as usize];
                    write_log(bulk.name(e), e)?;
                }
            }
            Ok(())
        })?;
        add.commit()?;
        Ok(Outcome::Applied)
    }
}
