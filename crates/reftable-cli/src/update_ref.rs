//! `reftable update-ref` and `reftable update-ref --stdin`, as git's: one
//! atomic transaction, new objects must exist, nothing written on error.

use std::io::{Read, Write};

use gix_hash::ObjectId;
use gix_ref::bstr::{BStr, BString, ByteSlice};
use gix_ref::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix_ref::{FullName, Target};

use reftable::name::leading_dirs;
use reftable::store::bulk::{Bulk, Expect, Outcome};
use reftable_cli::stdin::{Instruction, Instructions, OldValue};

use crate::repo::Repo;
use crate::Fatal;

#[derive(clap::Args)]
pub struct Args {
    /// Reflog message.
    #[arg(short = 'm')]
    message: Option<String>,
    /// Update the symbolic ref itself, not what it points to.
    #[arg(long)]
    no_deref: bool,
    /// Create a reflog even where none would be created.
    #[arg(long)]
    create_reflog: bool,
    /// Delete the reference.
    #[arg(short = 'd')]
    delete: bool,
    /// Read commands from standard input.
    #[arg(long)]
    stdin: bool,
    /// With --stdin: NUL-terminated fields.
    #[arg(short = 'z')]
    z: bool,
    /// <ref> [<new> [<old>]] or, with -d, <ref> [<old>].
    args: Vec<String>,
}

/// git's refusal of a deletion or verification of a name its
/// `refname_is_safe` does not take: outside `refs/` and not of capitals and `_`.
fn refusing(name: &str) -> String {
    format!("refusing to update ref with bad name '{name}'")
}

/// A name to delete or verify: a valid one (git's `invalid ref format`
/// otherwise) that git's transaction takes without a new value.
fn safe_full_name(name: &str) -> Result<FullName, Fatal> {
    if !reftable::name::refname_is_safe(name.as_bytes()) && gix_validate::reference::name_partial(name.into()).is_ok() {
        return Err(Fatal::msg(refusing(name)));
    }
    full_name(name)
}

pub(crate) fn full_name(name: &str) -> Result<FullName, Fatal> {
    FullName::try_from(name).map_err(|_| Fatal::msg(format!("invalid ref format: {name}")))
}

/// Resolves a revision: a full hex id, or a ref name with `~n`/`^n` suffixes.
pub(crate) fn rev(repo: &Repo, spec: &str) -> Result<ObjectId, Fatal> {
    let bad = || Fatal::msg(format!("{spec}: not a valid SHA1"));
    let kind = repo.gix()?.object_hash();
    if spec.len() == kind.len_in_hex() {
        if let Ok(id) = ObjectId::from_hex(spec.as_bytes()) {
            return Ok(id);
        }
    }
    let cut = spec.find(['~', '^']).unwrap_or(spec.len());
    let (base, mut suffix) = spec.split_at(cut);
    let mut id = base_rev(repo, base).ok_or_else(bad)?;
    while !suffix.is_empty() {
        let (op, rest) = suffix.split_at(1);
        if let Some(after) = rest.strip_prefix("{}") {
            if let Ok(obj) = repo.gix()?.find_object(id) {
                id = obj.peel_tags_to_end().map(|o| o.id).unwrap_or(id);
            }
            suffix = after;
            continue;
        }
        // `^{<type>}`: peeled until an object of that type.
        if let Some((kind, after)) = rest.strip_prefix('{').and_then(|r| r.split_once('}')) {
            let kind = match kind {
                "object" => None,
                "commit" => Some(gix::objs::Kind::Commit),
                "tree" => Some(gix::objs::Kind::Tree),
                "blob" => Some(gix::objs::Kind::Blob),
                "tag" => Some(gix::objs::Kind::Tag),
                _ => return Err(bad()),
            };
            if let Some(kind) = kind {
                let obj = repo.gix()?.find_object(id).map_err(|_| bad())?;
                id = obj.peel_to_kind(kind).map_err(|_| bad())?.id;
            }
            suffix = after;
            continue;
        }
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let n: usize = if digits == 0 {
            1
        } else {
            rest[..digits].parse().map_err(|_| bad())?
        };
        suffix = &rest[digits..];
        // `~`/`^` walk commits: a tag is peeled to one first (even `~0`).
        let obj = repo.gix()?.find_object(id).map_err(|_| bad())?;
        id = obj.peel_to_kind(gix::objs::Kind::Commit).map_err(|_| bad())?.id;
        let parent = |id: ObjectId, nth: usize| -> Result<ObjectId, Fatal> {
            let commit = repo.gix()?.find_commit(id).map_err(|_| bad())?;
            let parent = commit.parent_ids().nth(nth).map(|p| p.detach());
            parent.ok_or_else(bad)
        };
        if op == "~" {
            for _ in 0..n {
                id = parent(id, 0)?;
            }
        } else if n > 0 {
            id = parent(id, n - 1)?;
        }
    }
    Ok(id)
}

/// The object a revision without `~`/`^` names, as git's `get_oid_basic`:
/// `@` is HEAD, `<ref>@{<n>}` the ref's value n updates ago (its reflog),
/// a ref name (git's rules for partial names) before an abbreviated id.
fn base_rev(repo: &Repo, base: &str) -> Option<ObjectId> {
    let base = if base == "@" { "HEAD" } else { base };
    if let Some((name, n)) = base
        .strip_suffix('}')
        .and_then(|b| b.rsplit_once("@{"))
        .and_then(|(name, n)| Some((name, n.parse::<usize>().ok()?)))
    {
        let r = if name.is_empty() {
            // `@{<n>}`: the branch HEAD is on.
            let head = repo.exact("HEAD".into())?;
            match &head.target {
                gix_ref::Target::Symbolic(t) => repo.exact(t.as_bstr())?,
                gix_ref::Target::Object(_) => head,
            }
        } else {
            let name = if name == "@" { "HEAD" } else { name };
            repo.refs.try_find_ref(name.into()).ok().flatten()?
        };
        let lines = repo.refs.reflog(r.name.as_ref()).ok().flatten()?;
        return lines.iter().rev().nth(n).map(|l| l.new_oid);
    }
    if let Some(r) = repo.refs.try_find_ref(base.into()).ok().flatten() {
        return repo.resolve(&r);
    }
    // An abbreviated object id, if it names exactly one object.
    if base.len() < 4 || !base.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let gix = repo.gix().ok()?;
    let hex_len = gix.object_hash().len_in_hex();
    if base.len() > hex_len {
        return None;
    }
    // A prefix of the repository's hash kind (SHA-1 or SHA-256).
    let padded = format!("{base:0<hex_len$}");
    let prefix = gix_hash::Prefix::new(&ObjectId::from_hex(padded.as_bytes()).ok()?, base.len()).ok()?;
    match gix.objects.lookup_prefix(prefix, None) {
        Ok(Some(Ok(id))) => Some(id),
        _ => None,
    }
}

/// A field of the script as text (ref names and revisions are UTF-8 here).
fn s(field: &BStr) -> Result<&str, Fatal> {
    field
        .to_str()
        .map_err(|_| Fatal::msg(format!("invalid ref format: {}", field.to_str_lossy())))
}

fn opt(field: Option<&BStr>) -> Result<Option<&str>, Fatal> {
    field.map(s).transpose()
}

/// Old value: absent = any, zero = must not exist, else must match.
fn expected(repo: &Repo, old: Option<&str>) -> Result<PreviousValue, Fatal> {
    Ok(match old.filter(|s| !s.is_empty()) {
        None => PreviousValue::Any,
        Some(s) => {
            let id = rev(repo, s)?;
            if id.is_null() {
                PreviousValue::MustNotExist
            } else {
                PreviousValue::MustExistAndMatch(Target::Object(id))
            }
        }
    })
}

/// git's message for a new value that is no object of the repository.
fn nonexistent(name: &str, id: impl std::fmt::Display) -> String {
    format!("trying to write ref '{name}' with nonexistent object {id}")
}

/// git's message for a branch (or HEAD) set to something else than a commit.
fn not_a_commit(name: &str, id: impl std::fmt::Display) -> String {
    format!("trying to write non-commit object {id} to branch '{name}'")
}

/// Fails unless `id` is an object of the repository, and a commit if
/// `name` is a branch, worded as git's backend of this repository words it.
fn check_exists(repo: &Repo, name: &str, id: ObjectId) -> Result<(), Fatal> {
    let msg = match repo.kind(id) {
        None => nonexistent(name, id),
        Some(kind) if kind != gix::objs::Kind::Commit && (name == "HEAD" || name.starts_with("refs/heads/")) => {
            not_a_commit(name, id)
        }
        Some(_) => return Ok(()),
    };
    Err(Fatal::msg(if repo.refs.as_reftable().is_some() {
        msg
    } else {
        // git's files backend prefixes it.
        format!("cannot update ref '{name}': {msg}")
    }))
}

struct Batch<'r> {
    repo: &'r Repo,
    edits: Vec<RefEdit>,
    /// Every ref an edit or a `verify` line names, in the script's order,
    /// and whether it goes through symrefs.
    touched: Vec<(FullName, bool)>,
    /// What each edit and `verify` line expects, checked with git's rules
    /// once the transaction holds its locks (the store gets no
    /// expectations: gix-ref's differ, e.g. creating a ref that already
    /// has the new value succeeds there and fails in git).
    expect: Vec<Expectation>,
    message: String,
    create_reflog: bool,
}

impl Batch<'_> {
    fn log(&self) -> LogChange {
        LogChange {
            mode: RefLog::AndReference,
            force_create_reflog: self.create_reflog,
            message: self.message.clone().into(),
        }
    }

    fn update(&mut self, name: &str, new: &str, old: Option<&str>, deref: bool) -> Result<(), Fatal> {
        let full = full_name(name)?;
        let new_id = rev(self.repo, new)?;
        let expected = expected(self.repo, old)?;
        self.push_update(full, new_id, expected, deref);
        Ok(())
    }

    /// An update (a deletion if `new_id` is null). Whether the new object
    /// exists is checked when the transaction is prepared, as git does.
    fn push_update(&mut self, full: FullName, new_id: ObjectId, expected: PreviousValue, deref: bool) {
        let change = if new_id.is_null() {
            Change::Delete {
                expected: PreviousValue::Any,
                log: RefLog::AndReference,
            }
        } else {
            Change::Update {
                log: self.log(),
                expected: PreviousValue::Any,
                new: Target::Object(new_id),
            }
        };
        self.expect(full.clone(), expected, deref);
        self.touched.push((full.clone(), deref));
        self.edits.push(RefEdit {
            change,
            name: full,
            deref,
        });
    }

    /// A deletion; `old` as the command line gives it (`cli`: a zero or
    /// empty old value means "any", for backwards compatibility as git
    /// says) or as a `delete` line does (zero is an error). Deleting a ref
    /// that does not exist, with no old value, does nothing.
    fn delete(&mut self, name: &str, old: Option<&str>, deref: bool, cli: bool) -> Result<(), Fatal> {
        let full = match safe_full_name(name) {
            // On the command line, git's refname_is_safe alone decides, and
            // a failed deletion is an error.
            Err(_) if cli => return Err(Fatal::error(refusing(name))),
            r => r?,
        };
        let expected = match expected(self.repo, old)? {
            PreviousValue::MustNotExist if cli => PreviousValue::Any,
            PreviousValue::MustNotExist => return Err(Fatal::msg(format!("delete {name}: zero <old-oid>"))),
            e => e,
        };
        self.push_delete(full, expected, deref);
        Ok(())
    }

    fn push_delete(&mut self, full: FullName, expected: PreviousValue, deref: bool) {
        self.expect(full.clone(), expected, deref);
        self.touched.push((full.clone(), deref));
        self.edits.push(RefEdit {
            change: Change::Delete {
                expected: PreviousValue::Any,
                log: RefLog::AndReference,
            },
            name: full,
            deref,
        });
    }

    /// A symref update; with `deref` (git's default) it goes to the ref
    /// `name` resolves to, which then becomes the symref.
    fn symref(&mut self, name: &str, target: &str, expected: PreviousValue, deref: bool) -> Result<(), Fatal> {
        let full = full_name(name)?;
        let target = full_name(target)?;
        self.expect(full.clone(), expected, false);
        self.touched.push((full.clone(), deref));
        self.edits.push(RefEdit {
            change: Change::Update {
                log: self.log(),
                expected: PreviousValue::Any,
                new: Target::Symbolic(target),
            },
            name: full,
            deref,
        });
        Ok(())
    }

    /// Edits whose expectations are to be checked as git does.
    fn push_edits(&mut self, edits: impl Iterator<Item = RefEdit>) {
        for mut e in edits {
            let (Change::Update { expected, .. } | Change::Delete { expected, .. }) = &mut e.change;
            let expected = std::mem::replace(expected, PreviousValue::Any);
            self.expect(e.name.clone(), expected, e.deref);
            self.touched.push((e.name.clone(), e.deref));
            self.edits.push(e);
        }
    }

    fn expect(&mut self, name: FullName, expected: PreviousValue, deref: bool) {
        if expected != PreviousValue::Any {
            self.expect.push(Expectation { name, expected, deref });
        }
    }

    /// Commits what the script left pending, with a spinner for big ones.
    fn finish(&mut self) -> Result<(), Fatal> {
        let spin = (self.edits.len() > 100_000)
            .then(|| crate::progress::spinner("Committing"))
            .flatten();
        let res = self.commit();
        crate::progress::done(spin);
        res
    }

    /// Commits all edits in one transaction, checking what they and the
    /// `verify` lines expect after its locks are taken (so nobody changes
    /// the refs in between).
    fn commit(&mut self) -> Result<(), Fatal> {
        let expect = std::mem::take(&mut self.expect);
        let edits = std::mem::take(&mut self.edits);
        let touched = std::mem::take(&mut self.touched);
        // As git: a ref takes one update (verify lines count), and no two
        // updates may be a ref and a ref below it.
        let mut names: Vec<&BStr> = touched.iter().map(|(n, _)| n.as_bstr()).collect();
        names.sort();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(Fatal::msg(format!("multiple updates for ref '{}' not allowed", w[0])));
        }
        check_in_order(self.repo, &touched, &expect)?;
        reject_updates_via_symrefs(self.repo, &touched)?;
        if edits.is_empty() {
            return check_expected(self.repo, &expect);
        }
        // The reftable store checks new objects itself while preparing (one
        // lookup per object, not two); the files store does not.
        if !self.repo.refs.as_reftable().is_some_and(|s| s.verifies_objects()) {
            for e in &edits {
                if let Change::Update {
                    new: Target::Object(id),
                    ..
                } = &e.change
                {
                    check_exists(self.repo, &e.name.as_bstr().to_str_lossy(), *id)?;
                }
            }
        }
        let lock = lock_mode(self.repo);
        let prepared = self
            .repo
            .refs
            .transaction()
            .prepare(edits, lock)
            .map_err(|e| Fatal::msg(describe(&e)))?;
        // As git, whose backend asks for the committer only when it writes.
        let committer =
            match check_expected(self.repo, &expect).and_then(|()| crate::ident::committer(self.repo.gix()?)) {
                Ok(c) => c,
                Err(f) => {
                    prepared.rollback();
                    return Err(f);
                }
            };
        prepared
            .commit(committer.as_ref().map(|c| c.to_ref()))
            .map(drop)
            .map_err(|e| Fatal::msg(describe(&e)))
    }
}

/// The updates one by one, in order, as git's reftable backend prepares
/// them (its first failure is the one reported): a ref that does not exist,
/// of which no existing value is expected (a creation, a deletion or
/// `verify` of a missing ref, an update without an old value), must be
/// available as a name (git's `refs_verify_refname_available`, the names
/// of the transaction its extras); otherwise what the update expects of the
/// ref is checked. Read before the transaction is prepared, for git's
/// wording; the store checks again under its locks.
fn check_in_order(repo: &Repo, touched: &[(FullName, bool)], expect: &[Expectation]) -> Result<(), Fatal> {
    let extras: std::collections::BTreeSet<&[u8]> = touched.iter().map(|(n, _)| n.as_bstr().as_bytes()).collect();
    // A ref takes one update: one expectation at most.
    let expected: std::collections::HashMap<&[u8], &Expectation> =
        expect.iter().map(|e| (e.name.as_bstr().as_bytes(), e)).collect();
    let reads = Reads::new(repo, &extras)?;
    for (name, _) in touched {
        let e = expected.get(name.as_bstr().as_bytes()).copied();
        let expects_existing = matches!(
            e.map(|e| &e.expected),
            Some(PreviousValue::MustExist | PreviousValue::MustExistAndMatch(_))
        );
        if !expects_existing && !reads.exists(name.as_bstr())? {
            available(&reads, name.as_bstr(), &extras)?;
        } else if let (Some(e), Reads::Lookups(_)) = (e, &reads) {
            // (In a scan, what updates expect is left to the check after
            // the store's, which reads under the locks anyway.)
            check_expected(repo, std::slice::from_ref(e))?;
        }
    }
    Ok(())
}

/// What [`check_in_order`] reads of the refs: which exist and which is the
/// first below a name. A few names are looked up one by one; for many, the
/// refs under `refs/` are read once instead (a lookup checks the stack for
/// news each time, which costs more than a ref read in a scan).
enum Reads<'r> {
    Lookups(&'r Repo),
    Scanned {
        repo: &'r Repo,
        exists: std::collections::HashSet<BString>,
        first_below: std::collections::HashMap<BString, BString>,
    },
}

impl<'r> Reads<'r> {
    fn new(repo: &'r Repo, names: &std::collections::BTreeSet<&[u8]>) -> Result<Self, Fatal> {
        // Above this many names, a scan (REFTABLE_SCAN_MIN: for tests).
        let max_lookups: usize = std::env::var("REFTABLE_SCAN_MIN")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000);
        if names.len() <= max_lookups {
            return Ok(Reads::Lookups(repo));
        }
        // The names asked about: those of the transaction and their directories.
        let mut asked: std::collections::HashSet<&[u8]> = std::collections::HashSet::new();
        for n in names {
            asked.insert(n);
            asked.extend(leading_dirs(n));
        }
        let (mut exists, mut first_below) = (std::collections::HashSet::new(), std::collections::HashMap::new());
        if repo.exact("refs".into()).is_some() {
            exists.insert("refs".into());
        }
        repo.for_each("refs/", &mut |r| {
            let n = r.name.as_bstr().as_bytes();
            if asked.contains(n) {
                exists.insert(n.as_bstr().to_owned());
            }
            for dir in leading_dirs(n) {
                if asked.contains(dir) && !first_below.contains_key(dir.as_bstr()) {
                    first_below.insert(dir.as_bstr().to_owned(), n.as_bstr().to_owned());
                }
            }
            true
        })?;
        Ok(Reads::Scanned {
            repo,
            exists,
            first_below,
        })
    }

    fn exists(&self, name: &BStr) -> Result<bool, Fatal> {
        Ok(match self {
            Reads::Scanned { exists, .. } if name.starts_with(b"refs/") || name == "refs" => exists.contains(name),
            Reads::Lookups(repo) | Reads::Scanned { repo, .. } => repo.exact(name).is_some(),
        })
    }

    /// The first ref (in name order) under `name/`.
    fn first_below(&self, name: &BStr) -> Result<Option<BString>, Fatal> {
        match self {
            Reads::Scanned { first_below, .. } if name.starts_with(b"refs/") || name == "refs" => {
                Ok(first_below.get(name).cloned())
            }
            Reads::Lookups(repo) | Reads::Scanned { repo, .. } => {
                let mut below = None;
                repo.for_each(&format!("{name}/"), &mut |r| {
                    below = Some(r.name.as_bstr().to_owned());
                    false
                })?;
                Ok(below)
            }
        }
    }
}

/// git's `refs_verify_refname_available` for `name`, with `extras` (the
/// names of the transaction) and nothing skipped: no existing ref or extra
/// may be a directory above it, and none may lie below it.
fn available(reads: &Reads<'_>, name: &BStr, extras: &std::collections::BTreeSet<&[u8]>) -> Result<(), Fatal> {
    let n = name.as_bytes();
    for dir in leading_dirs(n) {
        if reads.exists(dir.as_bstr())? {
            return Err(Fatal::msg(format!(
                "'{}' exists; cannot create '{name}'",
                dir.as_bstr()
            )));
        }
        if extras.contains(dir) {
            return Err(Fatal::msg(format!(
                "cannot process '{name}' and '{}' at the same time",
                dir.as_bstr()
            )));
        }
    }
    if let Some(child) = reads.first_below(name)? {
        return Err(Fatal::msg(format!("'{child}' exists; cannot create '{name}'")));
    }
    let dir = format!("{name}/");
    if let Some(extra) = extras
        .range(dir.as_bytes()..)
        .next()
        .filter(|e| e.starts_with(dir.as_bytes()))
    {
        return Err(Fatal::msg(format!(
            "cannot process '{name}' and '{}' at the same time",
            extra.as_bstr()
        )));
    }
    Ok(())
}

/// Refuses two updates of one ref where one reaches it through a symref,
/// as git does while preparing: an update through a symref (`deref`) is
/// one of the ref it points to (and on along a chain), and an update of
/// the branch HEAD points to is one of HEAD's reflog as well.
fn reject_updates_via_symrefs(repo: &Repo, touched: &[(FullName, bool)]) -> Result<(), Fatal> {
    use std::collections::HashSet;
    let target = |name: &BStr| match repo.exact(name).map(|r| r.target) {
        Some(Target::Symbolic(t)) => Some(t.as_bstr().to_owned()),
        _ => None,
    };
    let head = target("HEAD".into());
    let mut affected: HashSet<BString> = touched.iter().map(|(n, _)| n.as_bstr().to_owned()).collect();
    // (name, deref, reached through HEAD), in git's order: splits go last.
    let mut queue: Vec<(BString, bool, bool)> = touched
        .iter()
        .map(|(n, deref)| (n.as_bstr().to_owned(), *deref, false))
        .collect();
    let mut i = 0;
    while let Some((name, deref, via_head)) = queue.get(i).cloned() {
        i += 1;
        if !via_head && head.as_ref() == Some(&name) && !affected.insert("HEAD".into()) {
            return Err(Fatal::msg(format!(
                "multiple updates for 'HEAD' (including one via its referent '{name}') are not allowed"
            )));
        }
        let Some(t) = deref.then(|| target(name.as_ref())).flatten() else {
            continue;
        };
        if !affected.insert(t.clone()) {
            return Err(Fatal::msg(format!(
                "multiple updates for '{t}' (including one via symref '{name}') are not allowed"
            )));
        }
        queue.push((t, true, via_head || name == "HEAD"));
    }
    Ok(())
}

/// What one edit or `verify` line expects of a ref.
struct Expectation {
    name: FullName,
    expected: PreviousValue,
    /// Whether the edit goes through symrefs (object ids are compared
    /// with the resolved value either way, as git does).
    deref: bool,
}

/// Checks expectations against the current values, worded as git's
/// reftable backend words a failed one.
fn check_expected(repo: &Repo, expect: &[Expectation]) -> Result<(), Fatal> {
    for e in expect {
        let name = e.name.as_bstr();
        let own = repo.exact(name).map(|r| r.target);
        // The ref at the end of the symref chain, and its value.
        let (mut last, mut value) = (name.to_owned(), own.clone());
        for _ in 0..5 {
            match value {
                Some(Target::Symbolic(t)) => {
                    value = repo.exact(t.as_bstr()).map(|r| r.target);
                    last = t.as_bstr().to_owned();
                }
                _ => break,
            }
        }
        let lock = |what: String| Err(Fatal::msg(format!("cannot lock ref '{name}': {what}")));
        let unresolved = || lock(format!("unable to resolve reference '{last}'"));
        match &e.expected {
            PreviousValue::Any => {}
            PreviousValue::MustNotExist => {
                if (if e.deref { &value } else { &own }).is_some() {
                    return lock("reference already exists".into());
                }
            }
            PreviousValue::MustExist => {
                if value.is_none() {
                    return unresolved();
                }
            }
            PreviousValue::MustExistAndMatch(Target::Object(id))
            | PreviousValue::ExistingMustMatch(Target::Object(id)) => match &value {
                Some(Target::Object(v)) if v == id => {}
                Some(Target::Object(v)) => return lock(format!("is at {v} but expected {id}")),
                None if matches!(e.expected, PreviousValue::ExistingMustMatch(_)) => {}
                _ => return unresolved(),
            },
            PreviousValue::MustExistAndMatch(Target::Symbolic(t))
            | PreviousValue::ExistingMustMatch(Target::Symbolic(t)) => match &own {
                Some(Target::Symbolic(v)) if v == t => {}
                Some(Target::Symbolic(v)) => {
                    return Err(Fatal::msg(format!(
                        "verifying symref target: '{name}': is at {v} but expected {t}"
                    )))
                }
                Some(Target::Object(_)) => {
                    return lock(format!("expected symref with target '{t}': but is a regular ref"))
                }
                None if matches!(e.expected, PreviousValue::ExistingMustMatch(_)) => {}
                None => return unresolved(),
            },
        }
    }
    Ok(())
}

/// How long to wait for a held lock, as git configures it:
/// `reftable.lockTimeout` (the store's), `core.filesRefLockTimeout` for files
/// repositories; 100 ms by default.
fn lock_mode(repo: &Repo) -> gix_lock::acquire::Fail {
    if let Some(store) = repo.refs.as_reftable() {
        return store.lock_fail_mode();
    }
    let ms = repo
        .gix()
        .ok()
        .and_then(|r| r.config_snapshot().integer("core.filesRefLockTimeout"))
        .unwrap_or(100);
    reftable::store::lock_fail_mode(ms)
}

pub(crate) fn apply(repo: &Repo, edits: Vec<RefEdit>) -> Result<(), Fatal> {
    let committer = crate::ident::committer(repo.gix()?)?;
    let lock = lock_mode(repo);
    repo.refs
        .apply(edits, lock, committer.as_ref().map(|c| c.to_ref()))
        .map(drop)
        .map_err(|e| Fatal::msg(describe(&e)))
}

/// Words a store error as git does where it matters to scripts.
fn describe(e: &gix_error::Error) -> String {
    match e.downcast_any_ref::<reftable::store::Error>() {
        // As git's reftable backend words it (the bulk import checks these).
        Some(reftable::store::Error::OutOfDate { name, expected, .. }) if expected == "missing" => {
            format!("cannot lock ref '{name}': reference already exists")
        }
        Some(reftable::store::Error::OutOfDate { name, actual, .. }) if actual == "missing" => {
            format!("cannot lock ref '{name}': unable to resolve reference '{name}'")
        }
        Some(reftable::store::Error::OutOfDate { name, expected, actual }) => {
            format!("cannot lock ref '{name}': is at {actual} but expected {expected}")
        }
        Some(reftable::store::Error::NameConflict { name, conflict }) => {
            format!("'{conflict}' exists; cannot create '{name}'")
        }
        Some(reftable::store::Error::MissingObject { name, id }) => nonexistent(name, id),
        Some(reftable::store::Error::NotACommit { name, id }) => not_a_commit(name, id),
        Some(reftable::store::Error::DuplicateEdit { name }) => {
            format!("multiple updates for ref '{name}' not allowed")
        }
        _ => e.to_string().lines().next().unwrap_or("update failed").to_owned(),
    }
}

pub fn run(repo: &Repo, a: Args, out: &mut dyn Write) -> Result<i32, Fatal> {
    if a.message.as_deref() == Some("") {
        return Err(Fatal::msg("Refusing to perform update with empty message."));
    }
    let mut batch = Batch {
        repo,
        edits: Vec::new(),
        expect: Vec::new(),
        touched: Vec::new(),
        // As git keeps it (the files backend gets it so too).
        message: String::from_utf8_lossy(&reftable::reflog::normalize_reflog_message(
            a.message.as_deref().unwrap_or_default().as_bytes(),
        ))
        .into_owned(),
        create_reflog: a.create_reflog,
    };
    if !a.stdin {
        let deref = !a.no_deref;
        match (a.delete, a.args.as_slice()) {
            (true, [name]) => batch.delete(name, None, deref, true)?,
            (true, [name, old]) => batch.delete(name, Some(old), deref, true)?,
            (false, [name, new]) => return single_update(&mut batch, name, new, None, deref),
            (false, [name, new, old]) => return single_update(&mut batch, name, new, Some(old), deref),
            _ => return Err(Fatal::usage("usage: reftable update-ref [<options>] -d <refname> [<old-oid>]\n   or: reftable update-ref [<options>] <refname> <new-oid> [<old-oid>]\n   or: reftable update-ref [<options>] --stdin [-z]")),
        }
        // git reports a failed single deletion as an error (exit 1), not fatal.
        return match batch.commit() {
            Err(f) if a.delete && f.code == 128 && !f.died => Err(Fatal::error(f.msg)),
            other => other.map(|()| 0),
        };
    }
    if !a.args.is_empty() || a.delete {
        return Err(Fatal::usage("--stdin takes no other arguments"));
    }
    if a.z {
        let mut input = Vec::new();
        std::io::stdin().read_to_end(&mut input)?;
        stdin(&mut batch, &input, true, out)?;
    } else {
        stdin_lines(&mut batch, out)?;
    }
    Ok(0)
}

/// `update-ref <name> <new> [<old>]`: as git's `update_ref()`, whatever
/// fails once the values are parsed is reported for the ref.
fn single_update(batch: &mut Batch<'_>, name: &str, new: &str, old: Option<&str>, deref: bool) -> Result<i32, Fatal> {
    let new_id = rev(batch.repo, new)?;
    // On the command line an empty old value, like a zero one, means that
    // the ref must not exist (in `-z` input it means none is given).
    let expected = match old {
        Some("") => PreviousValue::MustNotExist,
        old => expected(batch.repo, old)?,
    };
    let failed = |msg: String| Fatal::msg(format!("update_ref failed for ref '{name}': {msg}"));
    let full =
        FullName::try_from(name).map_err(|_| failed(format!("refusing to update ref with bad name '{name}'")))?;
    batch.push_update(full, new_id, expected, deref);
    batch
        .commit()
        .map_err(|f| if f.code == 128 && !f.died { failed(f.msg) } else { f })?;
    Ok(0)
}

fn stdin(batch: &mut Batch<'_>, input: &[u8], z: bool, out: &mut dyn Write) -> Result<(), Fatal> {
    let mut no_deref = false;
    let mut instructions = Instructions::new(input, z);
    let pb = crate::progress::bytes_bar("Reading updates", input.len() as u64, 4 << 20);
    let mut seen = 0u64;
    while let Some(ins) = instructions.next() {
        let ins = ins.map_err(|e| Fatal::msg(e.to_string()))?;
        seen += 1;
        if let Some(pb) = pb.as_ref().filter(|_| seen.is_multiple_of(4096)) {
            pb.set_position((input.len() - instructions.remaining()) as u64);
        }
        step(batch, ins, &mut no_deref, out)?;
    }
    crate::progress::done(pb);
    batch.finish()
}

/// Applies one instruction to the batch (`no_deref`: `option no-deref` is pending).
fn step(batch: &mut Batch<'_>, ins: Instruction<'_>, no_deref: &mut bool, out: &mut dyn Write) -> Result<(), Fatal> {
    let deref = !std::mem::take(no_deref);
    match ins {
        Instruction::SymrefDelete { .. } if deref => {
            return Err(Fatal::msg("symref-delete: cannot operate with deref mode"))
        }
        Instruction::SymrefVerify { .. } if deref => {
            return Err(Fatal::msg("symref-verify: cannot operate with deref mode"))
        }
        _ => {}
    }
    // Without `option no-deref`, git checks a symref's old target on the
    // ref it resolves to, which is never symbolic.
    let old_target = match ins {
        Instruction::SymrefUpdate {
            name,
            old: Some(OldValue::Ref(t)),
            ..
        } => Some((name, t)),
        _ => None,
    };
    if let (true, Some((name, t))) = (deref, old_target) {
        if let Some(r) = batch.repo.exact(name) {
            if matches!(r.target, Target::Symbolic(_)) {
                return Err(Fatal::msg(format!(
                    "cannot lock ref '{name}': expected symref with target '{t}': but is a regular ref"
                )));
            }
        }
    }
    match ins {
        Instruction::Update { name, new, old } => {
            let zero;
            let new = if new.is_empty() {
                eprintln!("warning: update {name}: missing <new-oid>, treating as zero");
                zero = ObjectId::null(batch.repo.gix()?.object_hash()).to_string();
                zero.as_str()
            } else {
                s(new)?
            };
            batch.update(s(name)?, new, opt(old)?, deref)?
        }
        Instruction::Create { name, new } => {
            let new_id = rev(batch.repo, s(new)?)?;
            if new_id.is_null() {
                return Err(Fatal::msg(format!("create {name}: zero <new-oid>")));
            }
            let zero = ObjectId::null(new_id.kind()).to_string();
            batch.update(s(name)?, s(new)?, Some(&zero), deref)?
        }
        Instruction::Delete { name, old } => batch.delete(s(name)?, opt(old)?, deref, false)?,
        Instruction::Verify { name, old } => {
            let e = match expected(batch.repo, opt(old)?)? {
                PreviousValue::Any => PreviousValue::MustNotExist,
                e => e,
            };
            let name = safe_full_name(s(name)?)?;
            batch.touched.push((name.clone(), deref));
            batch.expect(name, e, deref);
        }
        Instruction::SymrefUpdate { name, target, old } => {
            let e = match old {
                Some(OldValue::Ref(t)) => PreviousValue::MustExistAndMatch(Target::Symbolic(full_name(s(t)?)?)),
                Some(OldValue::Oid(o)) => expected(batch.repo, Some(s(o)?))?,
                None => PreviousValue::Any,
            };
            batch.symref(s(name)?, s(target)?, e, deref)?
        }
        Instruction::SymrefCreate { name, target } => {
            batch.symref(s(name)?, s(target)?, PreviousValue::MustNotExist, false)?
        }
        Instruction::SymrefDelete { name, old_target } => {
            let e = match old_target {
                Some(t) => PreviousValue::MustExistAndMatch(Target::Symbolic(full_name(s(t)?)?)),
                None => PreviousValue::Any,
            };
            batch.push_delete(full_name(s(name)?)?, e, false);
        }
        Instruction::SymrefVerify { name, old_target } => {
            let e = match old_target {
                Some(t) => PreviousValue::MustExistAndMatch(Target::Symbolic(full_name(s(t)?)?)),
                None => PreviousValue::MustNotExist,
            };
            let name = full_name(s(name)?)?;
            batch.touched.push((name.clone(), false));
            batch.expect(name, e, false);
        }
        Instruction::NoDeref => *no_deref = true,
        Instruction::Start | Instruction::Prepare | Instruction::Commit | Instruction::Abort => {
            let word = match ins {
                Instruction::Start => "start",
                Instruction::Prepare => "prepare",
                Instruction::Commit => {
                    batch.commit()?;
                    "commit"
                }
                _ => {
                    batch.edits.clear();
                    batch.expect.clear();
                    batch.touched.clear();
                    "abort"
                }
            };
            writeln!(out, "{word}: ok")?;
            out.flush()?;
        }
    }
    Ok(())
}

/// Line-mode `--stdin`, streamed. While the script only creates and updates
/// refs under `refs/` to full object ids, the edits go into a compact
/// [`Bulk`] (about 20 bytes per ref); a large one is applied as such. The
/// first other instruction turns what was gathered into ordinary edits and
/// the rest is handled as usual, so the outcome is the same either way.
fn stdin_lines(batch: &mut Batch<'_>, out: &mut dyn Write) -> Result<(), Fatal> {
    use std::io::BufRead;
    // Below this many refs an ordinary transaction is as good.
    let threshold: usize = std::env::var("REFTABLE_BULK_MIN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let repo = batch.repo;
    let kind = repo.gix()?.object_hash();
    let mut bulk = repo
        .refs
        .as_reftable()
        .map(|_| Bulk::new(kind, batch.message.clone().into(), batch.create_reflog));
    let mut no_deref = false;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, std::io::stdin().lock());
    let mut line = Vec::new();
    let mut pb = None;
    let mut seen = 0u64;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        seen += 1;
        if seen == 10_000 {
            pb = crate::progress::counter("Reading updates");
        }
        if let Some(pb) = pb.as_ref().filter(|_| seen.is_multiple_of(4096)) {
            pb.set_position(seen);
        }
        let Some(ins) = Instructions::new(&line, false).next() else {
            continue;
        };
        let ins = ins.map_err(|e| Fatal::msg(e.to_string()))?;
        if let Some(b) = bulk.as_mut() {
            if !no_deref && add_to_bulk(repo, b, &ins)? {
                continue;
            }
            if let Some(b) = bulk.take() {
                batch.push_edits(b.into_edits());
            }
        }
        step(batch, ins, &mut no_deref, out)?;
    }
    crate::progress::done(pb);
    if let Some(b) = bulk.take() {
        if b.len() < threshold {
            batch.push_edits(b.into_edits());
        } else {
            let committer = crate::ident::committer(repo.gix()?)?;
            let lock = lock_mode(repo);
            let store = repo.refs.as_reftable().expect("bulk only on reftable");
            let spin = crate::progress::spinner("Committing");
            let res = store.apply_bulk(b, lock, committer.as_ref().map(|c| c.to_ref()));
            crate::progress::done(spin);
            match res.map_err(|e| Fatal::msg(describe(&e.into())))? {
                Outcome::Applied => return Ok(()),
                Outcome::NeedsTransaction(b) => batch.push_edits(b.into_edits()),
            }
        }
    }
    batch.finish()
}

/// Adds `ins` to `bulk` if it is a plain create or update (full ids, a valid
/// name under `refs/`, an existing new object); `false` leaves it to `step`.
fn add_to_bulk(repo: &Repo, bulk: &mut Bulk, ins: &Instruction<'_>) -> Result<bool, Fatal> {
    let kind = repo.gix()?.object_hash();
    let hex = |v: &BStr| {
        (v.len() == kind.len_in_hex())
            .then(|| ObjectId::from_hex(v).ok())
            .flatten()
    };
    let (name, new, old) = match *ins {
        Instruction::Create { name, new } => match hex(new) {
            Some(id) if !id.is_null() => (name, id, Expect::Absent),
            _ => return Ok(false),
        },
        Instruction::Update { name, new, old } => {
            let new = match hex(new) {
                Some(id) if !id.is_null() => id,
                _ => return Ok(false),
            };
            let old = match old.map(hex) {
                None => Expect::Any,
                Some(Some(id)) if id.is_null() => Expect::Absent,
                Some(Some(id)) => Expect::MustMatch(id),
                Some(None) => return Ok(false),
            };
            (name, new, old)
        }
        _ => return Ok(false),
    };
    if !name.starts_with(b"refs/") || gix_validate::reference::name(name).is_err() {
        return Ok(false);
    }
    check_exists(repo, &name.to_str_lossy(), new)?;
    Ok(bulk.push(name, new, old).is_ok())
}
