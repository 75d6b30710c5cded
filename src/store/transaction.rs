//! Transactions with gix-ref's semantics. Edits go to the stack their ref
//! lives in (shared or per-worktree); each stack gets one table in one
//! atomic addition.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use gix_hash::ObjectId;
use gix_ref::bstr::{BString, ByteSlice};
use gix_ref::transaction::{Change, LogChange, PreviousValue, RefEdit, RefEditsExt, RefLog};
use gix_ref::{FullName, Target};

use super::reflog::{normalize_reflog_message, seconds_to_tz};
use super::worktree::{route, Stacks, Which};
use super::{lossy, to_target, Error, Store, WriteReflog};
use crate::format::{LogRecord, LogUpdate, LogValue, RefRecord, RefValue};
use crate::stack::{LockFile, Stack};

/// Log records for one stack, in key order (name, newest first).
type LogsOfStack = BTreeMap<(Vec<u8>, Reverse<u64>), LogValue>;

struct Prepared {
    edit: RefEdit,
    which: Which,
    local: Vec<u8>,
    previous: Option<Target>,
    /// The fully peeled object when the new target is an annotated tag.
    peeled: Option<ObjectId>,
}

/// Maps names (and symbolic targets) of `edit` through `f`.
fn map_names(mut edit: RefEdit, f: &dyn Fn(&[u8]) -> Option<Vec<u8>>) -> Result<RefEdit, Error> {
    let map = |n: &FullName| -> Result<FullName, Error> {
        match f(n.as_bstr()) {
            Some(v) => super::full_name(&v),
            None => Ok(n.clone()),
        }
    };
    let map_target = |t: &mut Target| -> Result<(), Error> {
        if let Target::Symbolic(n) = t {
            *n = map(n)?;
        }
        Ok(())
    };
    edit.name = map(&edit.name)?;
    match &mut edit.change {
        Change::Update { new, expected, .. } => {
            map_target(new)?;
            if let PreviousValue::MustExistAndMatch(t) | PreviousValue::ExistingMustMatch(t) = expected {
                map_target(t)?;
            }
        }
        Change::Delete { expected, .. } => {
            if let PreviousValue::MustExistAndMatch(t) | PreviousValue::ExistingMustMatch(t) = expected {
                map_target(t)?;
            }
        }
    }
    Ok(edit)
}

/// A reflog entry by the committer (name, email, time).
fn log_update(
    (name, email, time): (&BString, &BString, &gix_date::Time),
    old: &ObjectId,
    new: &ObjectId,
    message: Vec<u8>,
) -> LogUpdate {
    LogUpdate {
        old_id: old.as_bytes().to_vec(),
        new_id: new.as_bytes().to_vec(),
        name: name.to_vec(),
        email: email.to_vec(),
        time: time.seconds.max(0) as u64,
        tz_offset: seconds_to_tz(time.offset),
        message,
    }
}

/// Adds `entry` to HEAD's reflog (in stack `which`, at update index `ui`)
/// unless an entry is there already, if HEAD's reflog is written: it
/// exists, or `mode` creates it.
fn log_for_head(
    stacks: &mut Stacks<'_>,
    store: &Store,
    mode: WriteReflog,
    which: Which,
    ui: u64,
    entry: LogUpdate,
    logs: &mut BTreeMap<Which, LogsOfStack>,
) -> Result<(), Error> {
    let has_log = {
        let mut it = stacks.get(store, &which)?.merged().seek_log(b"HEAD")?;
        it.next_log()?.is_some_and(|l| l.name == b"HEAD")
    };
    if has_log || autocreate_reflog(mode, b"HEAD") {
        logs.entry(which)
            .or_default()
            .entry((b"HEAD".to_vec(), Reverse(ui)))
            .or_insert(LogValue::Update(entry));
    }
    Ok(())
}

/// Whether git lets only commits be written to `name` (its `is_branch`).
pub(crate) fn is_branch(name: &[u8]) -> bool {
    name == b"HEAD" || name.starts_with(b"refs/heads/")
}

/// Checks that `id` exists and peels it if it is an annotated tag (as far as
/// the tag chain's objects exist); with `branch`, that it is a commit.
pub(crate) fn check_and_peel(
    odb: &gix::OdbHandleArc,
    name: &str,
    id: ObjectId,
    branch: bool,
) -> Result<Option<ObjectId>, Error> {
    use gix::objs::Find;
    let mut buf = Vec::new();
    let (mut cur, mut peeled) = (id, None);
    for depth in 0..64 {
        let data = odb.try_find(&cur, &mut buf).map_err(|e| Error::Odb(e.to_string()))?;
        let Some(data) = data else {
            if depth == 0 {
                return Err(Error::MissingObject {
                    name: name.to_owned(),
                    id: id.to_string(),
                });
            }
            return Ok(None);
        };
        if depth == 0 && branch && data.kind != gix::objs::Kind::Commit {
            return Err(Error::NotACommit {
                name: name.to_owned(),
                id: id.to_string(),
            });
        }
        if data.kind != gix::objs::Kind::Tag {
            return Ok(peeled);
        }
        cur = gix::objs::TagRefIter::from_bytes(data.data, id.kind())
            .target_id()
            .map_err(|e| Error::Odb(e.to_string()))?;
        peeled = Some(cur);
    }
    Ok(None)
}

/// A set of reference edits applied atomically; see [`Store::transaction`].
pub struct Transaction<'s> {
    store: &'s Store,
    prepared: Vec<Prepared>,
    locks: Vec<(Which, LockFile)>,
}

impl Store {
    /// Starts a transaction.
    pub fn transaction(&self) -> Transaction<'_> {
        Transaction {
            store: self,
            prepared: Vec::new(),
            locks: Vec::new(),
        }
    }
}

/// git's lock timeout for a gix lock-failure mode (0: fail at once, -1:
/// wait forever, which `Duration::MAX` and anything beyond `i64::MAX` ms mean).
pub(crate) fn lock_timeout_ms(mode: gix_lock::acquire::Fail) -> i64 {
    match mode {
        gix_lock::acquire::Fail::Immediately => 0,
        gix_lock::acquire::Fail::AfterDurationWithBackoff(d) => i64::try_from(d.as_millis()).unwrap_or(-1),
    }
}

/// The gix lock-failure mode for one of git's lock timeouts in milliseconds
/// (`reftable.lockTimeout`, `core.filesRefLockTimeout`): 0 tries once, a
/// negative value waits forever.
///
/// ```
/// use gix_lock::acquire::Fail;
/// use std::time::Duration;
/// assert_eq!(reftable::store::lock_fail_mode(0), Fail::Immediately);
/// assert_eq!(reftable::store::lock_fail_mode(1500), Fail::AfterDurationWithBackoff(Duration::from_millis(1500)));
/// assert_eq!(reftable::store::lock_fail_mode(-1), Fail::AfterDurationWithBackoff(Duration::MAX));
/// ```
pub fn lock_fail_mode(timeout_ms: i64) -> gix_lock::acquire::Fail {
    use gix_lock::acquire::Fail;
    match u64::try_from(timeout_ms) {
        Ok(0) => Fail::Immediately,
        Ok(ms) => Fail::AfterDurationWithBackoff(std::time::Duration::from_millis(ms)),
        Err(_) => Fail::AfterDurationWithBackoff(std::time::Duration::MAX),
    }
}

/// Name, email and time of the committer reflog entries are written with.
pub(crate) type Committer = (BString, BString, gix_date::Time);

/// The committer's parts, its time parsed.
pub(crate) fn committer_parts(committer: Option<gix_actor::SignatureRef<'_>>) -> Result<Option<Committer>, Error> {
    committer
        .map(|c| {
            let time = match git_time(c.time) {
                Some(t) => t,
                None => c.time().map_err(|e| Error::InvalidName {
                    name: "committer".into(),
                    reason: format!("unparsable time: {e}"),
                })?,
            };
            Ok((c.name.to_owned(), c.email.to_owned(), time))
        })
        .transpose()
}

/// A signature's time as git reads it into a log record: seconds, a space,
/// and the zone as a signed `hhmm` integer of any length that fits the
/// record (git writes `+10039` for an offset of 100 hours 39 minutes, which
/// gix's own parser refuses); `None` for anything else.
fn git_time(time: &str) -> Option<gix_date::Time> {
    let (seconds, zone) = time.trim().split_once(' ')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (negative, hhmm) = match zone.split_at_checked(1)? {
        ("+", d) => (false, d),
        ("-", d) => (true, d),
        _ => return None,
    };
    if !digits(seconds) || !digits(hhmm) {
        return None;
    }
    let hhmm: i16 = hhmm.parse().ok()?;
    Some(gix_date::Time {
        seconds: seconds.parse().ok()?,
        offset: super::reflog::tz_to_seconds(if negative { -hhmm } else { hhmm }),
    })
}

/// The longest reflog message kept: git keeps half a block, so that a log
/// record always fits into a block.
pub(crate) fn max_message_len(store: &Store) -> usize {
    let block_size = match store.opts.stack.write.block_size {
        0 => crate::format::DEFAULT_BLOCK_SIZE,
        n => n,
    };
    block_size as usize / 2
}

pub(crate) fn describe(t: Option<&Target>) -> String {
    match t {
        None => "missing".into(),
        Some(Target::Object(id)) => id.to_string(),
        Some(Target::Symbolic(n)) => format!("ref: {n}"),
    }
}

/// Whether git creates a reflog for `name` without being asked.
pub(crate) fn autocreate_reflog(mode: WriteReflog, name: &[u8]) -> bool {
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

fn current_target(stack: &Stack, name: &[u8], kind: gix_hash::Kind) -> Result<Option<Target>, Error> {
    match stack.merged().find_ref(name)? {
        Some(rec) => to_target(&rec.value, kind),
        None => Ok(None),
    }
}

/// The stack holding this worktree's HEAD.
fn head_stack(linked: bool) -> Which {
    if linked {
        Which::Current
    } else {
        Which::Main
    }
}

/// The symref target of HEAD of the current worktree, if symbolic.
pub(crate) fn head_target(stacks: &mut Stacks<'_>, store: &Store) -> Result<Option<Vec<u8>>, Error> {
    let stack = stacks.get(store, &Which::Current)?;
    Ok(match stack.merged().find_ref(b"HEAD")? {
        Some(RefRecord {
            value: RefValue::Symref(t),
            ..
        }) => Some(t),
        _ => None,
    })
}

impl<'s> Transaction<'s> {
    /// Locks the stacks involved, splits edits of symbolic refs with
    /// `deref`, rejects duplicates, and checks every expected previous value
    /// and name conflict under the locks. Nothing is written yet.
    pub fn prepare(
        mut self,
        edits: impl IntoIterator<Item = RefEdit>,
        lock_fail_mode: gix_lock::acquire::Fail,
    ) -> Result<Self, Error> {
        let timeout_ms = lock_timeout_ms(lock_fail_mode);
        let store = self.store;
        let kind = store.object_hash;
        let linked = store.is_linked_worktree();
        let mut stacks = Stacks::open(store)?;
        let mut edits: Vec<RefEdit> = if store.namespace.is_some() {
            edits
                .into_iter()
                .map(|e| map_names(e, &|n| Some(store.ns_in(n))))
                .collect::<Result<_, _>>()?
        } else {
            edits.into_iter().collect()
        };
        {
            let mut find = |name: &gix_ref::PartialNameRef| -> Option<Target> {
                let (which, local) = route(name.as_bstr(), linked);
                let stack = stacks.get(store, &which).ok()?;
                current_target(stack, local, kind).ok().flatten()
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
        }
        let mut prepared = Vec::with_capacity(edits.len());
        // Many refs often point to few objects: read each object once.
        let mut peel_cache: std::collections::HashMap<(ObjectId, bool), Option<ObjectId>> = Default::default();
        let mut involved = BTreeSet::new();
        for edit in edits {
            // Names are checked again here, whatever built the `FullName`:
            // nothing with control characters, `..`, `.lock` and the like
            // is ever written.
            let targets = match &edit.change {
                Change::Update {
                    new: Target::Symbolic(t),
                    ..
                } => Some(t.as_bstr()),
                _ => None,
            };
            for n in std::iter::once(edit.name.as_bstr()).chain(targets) {
                if let Err(e) = gix_validate::reference::name(n) {
                    return Err(Error::InvalidName {
                        name: lossy(n),
                        reason: e.to_string(),
                    });
                }
            }
            let (which, local) = route(edit.name.as_bstr(), linked);
            if let Some(e) = refused(&edit, local) {
                return Err(e);
            }
            involved.insert(which.clone());
            let local = local.to_vec();
            let peeled = match (&store.odb, &edit.change) {
                (
                    Some(odb),
                    Change::Update {
                        new: Target::Object(id),
                        log,
                        ..
                    },
                ) if log.mode == RefLog::AndReference => {
                    let branch = is_branch(edit.name.as_bstr());
                    match peel_cache.get(&(*id, branch)) {
                        Some(p) => *p,
                        None => {
                            let p = check_and_peel(odb, &lossy(edit.name.as_bstr()), *id, branch)?;
                            peel_cache.insert((*id, branch), p);
                            p
                        }
                    }
                }
                _ => None,
            };
            prepared.push(Prepared {
                edit,
                which,
                local,
                previous: None,
                peeled,
            });
        }
        // Moving the branch HEAD points to logs to HEAD's stack as well.
        if let Some(head) = head_target(&mut stacks, store)? {
            if prepared.iter().any(|p| p.edit.name.as_bstr() == head.as_slice()) {
                involved.insert(head_stack(linked));
            }
        }
        // Lock in a fixed order, then read the state the locks protect.
        let mut locks = Vec::with_capacity(involved.len());
        for which in involved {
            let stack = stacks.get(store, &which)?;
            let lock = stack.lock_list(timeout_ms)?;
            stack.reload()?;
            locks.push((which, lock));
        }

        let mut deleted: BTreeSet<(Which, Vec<u8>)> = BTreeSet::new();
        let mut created: BTreeSet<(Which, Vec<u8>)> = BTreeSet::new();
        // Those of `created` named without a worktree prefix.
        let mut in_view: BTreeSet<(Which, Vec<u8>)> = BTreeSet::new();
        let linked = store.is_linked_worktree();
        for p in &mut prepared {
            let stack = stacks.get(store, &p.which)?;
            let current = current_target(stack, &p.local, kind)?;
            let expected = match &p.edit.change {
                Change::Update { expected, .. } | Change::Delete { expected, .. } => expected,
            };
            let new_value = match &p.edit.change {
                Change::Update { new, .. } => Some(new),
                Change::Delete { .. } => None,
            };
            if new_value.is_none() && *expected == PreviousValue::MustNotExist {
                return Err(Error::InvalidName {
                    name: lossy(p.edit.name.as_bstr()),
                    reason: "a deletion cannot expect the reference not to exist".into(),
                });
            }
            let ok = match expected {
                PreviousValue::Any => true,
                PreviousValue::MustExist => current.is_some(),
                // As gix-ref: creating a ref that already has the new value is fine.
                PreviousValue::MustNotExist => current.is_none() || current.as_ref() == new_value,
                PreviousValue::MustExistAndMatch(t) => current.as_ref() == Some(t),
                PreviousValue::ExistingMustMatch(t) => current.is_none() || current.as_ref() == Some(t),
            };
            if !ok {
                let expected = match expected {
                    PreviousValue::MustExist => "any value".to_string(),
                    PreviousValue::MustNotExist => "missing".to_string(),
                    PreviousValue::MustExistAndMatch(t) | PreviousValue::ExistingMustMatch(t) => describe(Some(t)),
                    PreviousValue::Any => unreachable!("always ok"),
                };
                return Err(Error::OutOfDate {
                    name: lossy(p.edit.name.as_bstr()),
                    expected,
                    actual: describe(current.as_ref()),
                });
            }
            match &p.edit.change {
                Change::Delete {
                    log: RefLog::AndReference,
                    ..
                } => {
                    deleted.insert((p.which.clone(), p.local.clone()));
                }
                Change::Update { log, .. } if log.mode == RefLog::AndReference && current.is_none() => {
                    created.insert((p.which.clone(), p.local.clone()));
                    let given: &[u8] = p.edit.name.as_bstr();
                    if !super::worktree::has_worktree_prefix(given) {
                        in_view.insert((p.which.clone(), p.local.clone()));
                    }
                }
                _ => {}
            }
            p.previous = current;
        }
        // Directory/file conflicts of new refs with existing ones (unless
        // deleted here) and with each other. As git, in the view the name
        // is read in: in a linked worktree, a name given without a worktree
        // prefix is checked against the worktree's own refs and the shared
        // ones together (`refs/worktree` conflicts with the worktree's
        // `refs/worktree/x`); one given as `main-worktree/…` or
        // `worktrees/<id>/…` against its stack.
        // Parent directories already known not to be refs (most new refs share them).
        let mut free_dirs: BTreeMap<Option<Which>, std::collections::HashSet<Vec<u8>>> = BTreeMap::new();
        for (which, name) in &created {
            let own_only = !(linked && in_view.contains(&(which.clone(), name.clone())));
            // Whether `n`, found in stack `w`, is in the view (in a
            // worktree's view, the main stack's per-worktree refs are not).
            let seen = |n: &[u8], w: &Which| own_only || route(n, true).0 == *w;
            let stacks_of_view = if own_only {
                vec![which.clone()]
            } else {
                vec![Which::Current, Which::Main]
            };
            let free = free_dirs.entry(own_only.then(|| which.clone())).or_default();
            for parent in super::leading_dirs(name) {
                if free.contains(parent) {
                    continue;
                }
                let w = if own_only { which.clone() } else { route(parent, true).0 };
                let key = (w.clone(), parent.to_vec());
                let exists = created.contains(&key)
                    || (!deleted.contains(&key) && stacks.get(store, &w)?.merged().find_ref(parent)?.is_some());
                if exists {
                    return Err(Error::NameConflict {
                        name: lossy(name.as_bstr()),
                        conflict: lossy(parent.as_bstr()),
                    });
                }
                free.insert(parent.to_vec());
            }
            let mut dir = name.clone();
            dir.push(b'/');
            for w in &stacks_of_view {
                let stack = stacks.get(store, w)?;
                let merged = stack.merged();
                let mut it = merged.seek_ref(&dir)?;
                while let Some(r) = it.next_ref()? {
                    if !r.name.starts_with(&dir) {
                        break;
                    }
                    if seen(r.name, w) && !deleted.contains(&(w.clone(), r.name.to_vec())) {
                        return Err(Error::NameConflict {
                            name: lossy(name.as_bstr()),
                            conflict: lossy(r.name.as_bstr()),
                        });
                    }
                }
                let child = created
                    .range((w.clone(), dir.clone())..)
                    .take_while(|(cw, c)| cw == w && c.starts_with(&dir))
                    .find(|(cw, c)| seen(c, cw));
                if let Some((_, child)) = child {
                    return Err(Error::NameConflict {
                        name: lossy(name.as_bstr()),
                        conflict: lossy(child.as_bstr()),
                    });
                }
            }
        }
        self.prepared = prepared;
        self.locks = locks;
        Ok(self)
    }

    /// Writes the edits (one table per stack involved) and releases the
    /// locks. Reflog entries are written with `committer` (none without
    /// one). Returns the edits as applied, with their previous values.
    pub fn commit(mut self, committer: Option<gix_actor::SignatureRef<'_>>) -> Result<Vec<RefEdit>, Error> {
        if self.locks.is_empty() && !self.prepared.is_empty() {
            return Err(Error::InvalidName {
                name: String::new(),
                reason: "commit() needs a prepared transaction".into(),
            });
        }
        let store = self.store;
        let kind = store.object_hash;
        let linked = store.is_linked_worktree();
        let mode = store.opts.write_reflog;
        let zero = ObjectId::null(kind);
        let sig = committer_parts(committer)?;
        let max_message = max_message_len(store);
        let mut stacks = Stacks::open(store)?;
        let head = head_target(&mut stacks, store)?;
        let mut ui: BTreeMap<Which, u64> = BTreeMap::new();
        for (which, _) in &self.locks {
            ui.insert(which.clone(), stacks.get(store, which)?.next_update_index());
        }
        let mut refs: BTreeMap<Which, BTreeMap<Vec<u8>, RefValue>> = BTreeMap::new();
        let mut logs: BTreeMap<Which, LogsOfStack> = BTreeMap::new();
        let mut applied = Vec::with_capacity(self.prepared.len());
        // An edit of HEAD that went on to its branch left a log-only edit
        // of HEAD: that one logs HEAD (as git's log-only update does).
        let head_split = self.prepared.iter().any(|p| {
            p.edit.name.as_bstr() == "HEAD"
                && matches!(&p.edit.change, Change::Update { log, .. } if log.mode == RefLog::Only)
        });
        for p in std::mem::take(&mut self.prepared) {
            let idx = ui[&p.which];
            let (new_target, log_mode, message, force) = match &p.edit.change {
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
            // A log-only edit (what is left of an edit of a symref that went
            // on to its target) logs even if the value is the same (as git).
            let unchanged = log_mode == RefLog::AndReference && new_target.is_some() && new_target == p.previous;
            // Deleting a ref that does not exist writes nothing (git skips
            // such an update altogether).
            let nothing = new_target.is_none() && p.previous.is_none();
            if log_mode == RefLog::AndReference && !unchanged && !nothing {
                let value = match &new_target {
                    Some(Target::Object(id)) => match p.peeled {
                        Some(peeled) => RefValue::Val2 {
                            value: id.as_bytes().to_vec(),
                            peeled: peeled.as_bytes().to_vec(),
                        },
                        None => RefValue::Val1(id.as_bytes().to_vec()),
                    },
                    Some(Target::Symbolic(n)) => RefValue::Symref(n.as_bstr().to_vec()),
                    None => RefValue::Deletion,
                };
                refs.entry(p.which.clone()).or_default().insert(p.local.clone(), value);
            }
            let was_symbolic = matches!(p.previous, Some(Target::Symbolic(_)));
            // Deleting a symbolic ref keeps its reflog and logs the
            // deletion like an update (git's reftable backend); deleting
            // any other ref deletes its reflog.
            if nothing {
            } else if new_target.is_none() && log_mode == RefLog::AndReference && !was_symbolic {
                // Deleting a ref deletes its reflog: tombstone every entry.
                let stack = stacks.get(store, &p.which)?;
                let merged = stack.merged();
                let mut it = merged.seek_log(&p.local)?;
                let entries = logs.entry(p.which.clone()).or_default();
                while let Some(l) = it.next_log()? {
                    if l.name != p.local.as_slice() {
                        break;
                    }
                    entries.insert((p.local.clone(), Reverse(l.update_index)), LogValue::Deletion);
                }
                // Deleting the branch HEAD points to is logged for HEAD (git's
                // HEAD update goes along with every update of its branch).
                let head_which = head_stack(linked);
                if let (Some(Target::Object(old)), Some((sname, semail, time)), true, Some(&head_ui)) = (
                    &p.previous,
                    &sig,
                    head.as_deref() == Some(p.edit.name.as_bstr().as_bytes()),
                    ui.get(&head_which),
                ) {
                    let entry = log_update((sname, semail, time), old, &zero, Vec::new());
                    log_for_head(&mut stacks, store, mode, head_which, head_ui, entry, &mut logs)?;
                }
            } else if let (true, Some((sname, semail, time)), Some(Target::Object(id)), true, Some(&head_ui)) = (
                unchanged && log_mode == RefLog::AndReference,
                &sig,
                &new_target,
                head.as_deref() == Some(p.edit.name.as_bstr().as_bytes()),
                ui.get(&head_stack(linked)),
            ) {
                // Setting HEAD's branch to the value it has writes nothing for
                // the branch, but git's HEAD entry that goes along is written.
                let mut m = normalize_reflog_message(&message);
                m.truncate(max_message);
                let entry = log_update((sname, semail, time), id, id, m);
                log_for_head(&mut stacks, store, mode, head_stack(linked), head_ui, entry, &mut logs)?;
            } else if let (false, Some((sname, semail, time))) = (unchanged, &sig) {
                let has_log = {
                    let stack = stacks.get(store, &p.which)?;
                    let mut it = stack.merged().seek_log(&p.local)?;
                    it.next_log()?.is_some_and(|l| l.name == p.local.as_slice())
                };
                if force || has_log || autocreate_reflog(mode, &p.local) {
                    // Through chains of symrefs, as git resolves them (zero if
                    // the chain ends nowhere).
                    let mut resolve = |t: Option<&Target>| -> Result<ObjectId, Error> {
                        let mut t = t.cloned();
                        for _ in 0..5 {
                            match t {
                                Some(Target::Object(id)) => return Ok(id),
                                Some(Target::Symbolic(n)) => {
                                    let (which, local) = route(n.as_bstr(), linked);
                                    t = match stacks.get(store, &which)?.merged().find_ref(local)? {
                                        Some(r) => to_target(&r.value, kind)?,
                                        None => None,
                                    };
                                }
                                None => return Ok(zero),
                            }
                        }
                        Ok(zero)
                    };
                    let new_id = resolve(new_target.as_ref())?;
                    // git logs no update to a symref whose target does not resolve.
                    let dangling = matches!(new_target, Some(Target::Symbolic(_))) && new_id.is_null();
                    let entry = LogUpdate {
                        old_id: resolve(p.previous.as_ref())?.as_bytes().to_vec(),
                        new_id: new_id.as_bytes().to_vec(),
                        name: sname.to_vec(),
                        email: semail.to_vec(),
                        time: time.seconds.max(0) as u64,
                        tz_offset: seconds_to_tz(time.offset),
                        message: {
                            // As git, normalized when the edit is made, cut when written.
                            let mut m = normalize_reflog_message(&message);
                            m.truncate(max_message);
                            m
                        },
                    };
                    // An update of the branch HEAD points to is logged for HEAD
                    // too; git's entry for a branch turned symref has the null
                    // id as its new value (and is written even if dangling),
                    // unless the edit came through HEAD: HEAD's own log-only
                    // edit then logs what the target resolves to, if anything.
                    let head_which = head_stack(linked);
                    let symbolic = matches!(new_target, Some(Target::Symbolic(_)));
                    if let (true, Some(&head_ui)) = (
                        head.as_deref() == Some(p.edit.name.as_bstr().as_bytes()) && !(symbolic && head_split),
                        ui.get(&head_which),
                    ) {
                        let mut head_entry = entry.clone();
                        if symbolic {
                            head_entry.new_id = zero.as_bytes().to_vec();
                        }
                        logs.entry(head_which)
                            .or_default()
                            .entry((b"HEAD".to_vec(), Reverse(head_ui)))
                            .or_insert(LogValue::Update(head_entry));
                    }
                    if !dangling {
                        logs.entry(p.which.clone())
                            .or_default()
                            .insert((p.local.clone(), Reverse(idx)), LogValue::Update(entry));
                    }
                }
            }
            let mut edit = p.edit;
            let expected = match p.previous {
                Some(t) => PreviousValue::MustExistAndMatch(t),
                None => PreviousValue::MustNotExist,
            };
            match &mut edit.change {
                Change::Update { expected: e, .. } | Change::Delete { expected: e, .. } => *e = expected,
            }
            if store.namespace.is_some() {
                edit = map_names(edit, &|n| store.ns_out(n).map(<[u8]>::to_vec))?;
            }
            applied.push(edit);
        }
        for (which, lock) in std::mem::take(&mut self.locks) {
            let which_refs = refs.remove(&which).unwrap_or_default();
            let which_logs = logs.remove(&which).unwrap_or_default();
            if which_refs.is_empty() && which_logs.is_empty() {
                continue;
            }
            let stack = stacks.get(store, &which)?;
            let mut add = stack.new_addition_locked(lock)?;
            let idx = add.next_update_index();
            add.add_table(|w| {
                w.set_limits(idx, idx)?;
                for (name, value) in &which_refs {
                    w.add_ref(
                        &RefRecord {
                            name: name.clone(),
                            update_index: idx,
                            value: value.clone(),
                        }
                        .as_ref(),
                    )?;
                }
                for ((name, Reverse(i)), value) in &which_logs {
                    w.add_log(
                        &LogRecord {
                            name: name.clone(),
                            update_index: *i,
                            value: value.clone(),
                        }
                        .as_ref(),
                    )?;
                }
                Ok(())
            })?;
            add.commit()?;
        }
        Ok(applied)
    }

    /// Abandons the transaction, releasing the locks; returns the edits.
    pub fn rollback(mut self) -> Vec<RefEdit> {
        self.locks.clear();
        self.prepared.drain(..).map(|p| p.edit).collect()
    }
}

/// What git's `ref_transaction_update` refuses of `edit`, whose name is
/// `local` within its stack: any ref name may take an object id (`bar/baz`,
/// `FOO`), but only a name under `refs/` or of capitals and `_` may be
/// deleted, verified or made symbolic; FETCH_HEAD and MERGE_HEAD are files,
/// never refs. As git, the name checked is the one given, before it is
/// routed to a worktree's stack: `main-worktree/HEAD` and
/// `worktrees/<id>/HEAD` take object ids, but cannot be made symbolic.
pub(crate) fn refused(edit: &RefEdit, local: &[u8]) -> Option<Error> {
    let name = || lossy(edit.name.as_bstr());
    let takes_object = matches!(&edit.change, Change::Update { new: Target::Object(id), .. } if !id.is_null());
    let given: &[u8] = edit.name.as_bstr();
    let safe = super::refname_is_safe(given) && super::refname_is_safe(local);
    if !takes_object && !safe {
        return Some(Error::Refused {
            name: name(),
            what: "ref with bad name",
        });
    }
    (local == b"FETCH_HEAD" || local == b"MERGE_HEAD").then(|| Error::Refused {
        name: name(),
        what: "pseudoref",
    })
}

#[cfg(test)]
mod tests {
    use super::git_time;

    #[test]
    fn committer_times_as_git_reads_them() {
        let t = |s: &str| git_time(s).map(|t| (t.seconds, t.offset));
        assert_eq!(t("1234567890 +0130"), Some((1234567890, 5400)));
        assert_eq!(t("1234567890 -0059"), Some((1234567890, -3540)));
        // git's date_string for an offset of 100 hours 39 minutes.
        assert_eq!(t("1234567890 +10039"), Some((1234567890, 362340)));
        assert_eq!(t("0 +0000"), Some((0, 0)));
        for bad in [
            "",
            "1234567890",
            "x +0000",
            "1 0000",
            "1 +",
            "1 +99999",
            "1 +12a",
            "99999999999999999999 +0000",
        ] {
            assert_eq!(t(bad), None, "{bad:?}");
        }
    }
}
