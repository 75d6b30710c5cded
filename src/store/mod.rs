//! A gix-style reference store on a reftable stack: lookups, iteration and
//! reflogs with gix-ref's own types. This is the only layer that knows gix.

pub(crate) mod backend;
pub mod bulk;
mod error;
mod iter;
mod maintenance;
mod name_arg;
mod parfs;
mod peel;
pub(crate) mod reflog;
mod repo;
mod transaction;
pub(crate) mod worktree;

pub(crate) use crate::name::{is_root_ref, is_root_ref_syntax, leading_dirs, refname_is_safe};
pub use error::Error;
pub use iter::{Platform, RefEntry, RefIter};
pub use maintenance::{ExpireOptions, Problem};
pub use name_arg::AsName;
pub use reflog::ReflogIter;
pub(crate) use reflog::{normalize_reflog_message, seconds_to_tz};
pub use repo::{init, migrate, InitOptions, MigrateReport, RefFormat};
pub use transaction::{lock_fail_mode, Transaction};

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use gix_hash::{Kind, ObjectId};
use gix_ref::bstr::{BStr, ByteSlice};
use gix_ref::{FullName, Reference, Target};

use crate::format::{HashId, RefRecord, RefValue, WriteOptions};
use crate::stack::{self, Stack};

/// Which refs get a reflog without being asked (`core.logAllRefUpdates`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WriteReflog {
    /// Every ref (`always`).
    Always,
    /// `HEAD`, `refs/heads/`, `refs/remotes/`, `refs/notes/` (`true`, git's
    /// default for non-bare repositories), and refs that have a reflog already.
    #[default]
    Normal,
    /// Only refs that have a reflog already (`false`).
    Disable,
}

/// How a store is opened; the defaults are git's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// Options of the table stack (block size, lock timeout, …); the hash is set from the store's.
    pub stack: stack::Options,
    /// Which refs get reflogs automatically.
    pub write_reflog: WriteReflog,
}

/// References of one repository stored in reftable.
///
/// Writes take git's lock files and temporary tables. So that a termination
/// signal does not leave them behind (blocking every later writer, git's
/// too), install the handler once at the start of the program, as gix
/// programs do with `gix::interrupt::init_handler` (with which this store's
/// long writes stop with an `Interrupted` error and clean up, cooperatively);
/// nothing is installed unless asked:
///
/// ```no_run
/// reftable::interrupt::setup()?; // SIGINT, SIGTERM, ...: our files and gix-tempfile's are removed
/// let store = reftable::store::Store::at(".git".as_ref(), gix_hash::Kind::Sha1)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// ```no_run
/// let store = reftable::store::Store::at(".git".as_ref(), gix_hash::Kind::Sha1)?;
/// if let Some(head) = store.try_find("HEAD")? {
///     println!("{:?}", head.target);
/// }
/// for r in store.iter()?.prefixed(b"refs/heads/")? {
///     println!("{}", r?.name);
/// }
/// # Ok::<(), reftable::store::Error>(())
/// ```
pub struct Store {
    git_dir: PathBuf,
    common_dir: PathBuf,
    object_hash: Kind,
    main: Mutex<Stack>,
    worktree: Option<Mutex<Stack>>,
    opts: Options,
    /// The object database, when opened from a repository: used to peel
    /// annotated tags and to check that new targets exist.
    odb: Option<gix::OdbHandleArc>,
    /// `refs/namespaces/<ns>/` when a namespace is set.
    namespace: Option<Vec<u8>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("git_dir", &self.git_dir)
            .field("common_dir", &self.common_dir)
            .field("object_hash", &self.object_hash)
            .field("linked_worktree", &self.worktree.is_some())
            .field("has_odb", &self.odb.is_some())
            .finish()
    }
}

pub(crate) fn hash_id(kind: Kind) -> HashId {
    match kind {
        #[cfg(feature = "sha256")]
        Kind::Sha256 => HashId::Sha256,
        _ => HashId::Sha1,
    }
}

/// The mode git gives the files of the reftable directory under
/// `core.sharedRepository = value` (its `calc_shared_perm(0666 & ~umask)`);
/// `None` for `umask`/`false`, where files keep `0666` less the umask.
fn shared_permissions(value: &[u8], umask: u32) -> Option<u32> {
    const GROUP: i32 = 0o660;
    const EVERYBODY: i32 = 0o664;
    let value = std::str::from_utf8(value).ok()?.trim();
    let shared: i32 = match value.to_ascii_lowercase().as_str() {
        "umask" | "false" | "no" | "off" | "" => 0,
        "group" | "true" | "yes" | "on" => GROUP,
        "all" | "world" | "everybody" => EVERYBODY,
        _ => match i32::from_str_radix(value, 8) {
            Ok(0) => 0,
            Ok(1) => GROUP,
            Ok(2) => EVERYBODY,
            // git dies on a mode the owner cannot read and write; keep the umask's then.
            Ok(i) if i & 0o600 == 0o600 => -(i & 0o666),
            _ => return None,
        },
    };
    if shared == 0 {
        return None;
    }
    let mode = (0o666 & !umask) as i32;
    let mut tweak = shared.abs();
    if mode & 0o200 == 0 {
        tweak &= !0o222;
    }
    Some(if shared < 0 {
        (mode & !0o777) | tweak
    } else {
        mode | tweak
    } as u32)
}

/// The process's umask (read once: setting it is the only way to learn it,
/// so it is set back at once, before any store writes), `022` elsewhere than
/// on Unix, where files take the directory's ACL instead.
fn umask() -> u32 {
    static UMASK: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *UMASK.get_or_init(|| {
        #[cfg(unix)]
        {
            use rustix::fs::Mode;
            let old = rustix::process::umask(Mode::from_raw_mode(0o022));
            rustix::process::umask(old);
            old.as_raw_mode() as u32
        }
        #[cfg(not(unix))]
        0o022
    })
}

impl Store {
    /// Opens the store of the repository at `git_dir` (its `reftable`
    /// directory), whose objects use `object_hash`.
    pub fn at(git_dir: &Path, object_hash: Kind) -> Result<Store, Error> {
        Store::at_opts(git_dir, object_hash, Options::default())
    }

    /// Like [`at`](Self::at), with options.
    pub fn at_opts(git_dir: &Path, object_hash: Kind, opts: Options) -> Result<Store, Error> {
        Store::open(git_dir, git_dir, false, object_hash, opts)
    }

    /// Opens the reference store of a gix repository that uses reftable,
    /// configured as git would from the repository: object format,
    /// `core.logAllRefUpdates`, `reftable.blockSize`, `reftable.restartInterval`,
    /// `reftable.indexObjects`, `reftable.geometricFactor`,
    /// `reftable.lockTimeout`, and the worktree layout.
    pub fn from_repo(repo: &gix::Repository) -> Result<Store, Error> {
        let config = repo.config_snapshot();
        let storage = config.string("extensions.refStorage");
        if !storage.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(b"reftable")) {
            return Err(Error::InvalidName {
                name: "extensions.refStorage".into(),
                reason: "the repository does not use reftable".into(),
            });
        }
        let mut opts = Options::default();
        let w = &mut opts.stack.write;
        if let Some(v) = config.integer("reftable.blockSize").filter(|&v| v > 0 && v < (1 << 24)) {
            w.block_size = v as u32;
        }
        if let Some(v) = config
            .integer("reftable.restartInterval")
            .filter(|&v| v > 0 && v <= 65535)
        {
            w.restart_interval = v as usize;
        }
        if let Some(v) = config.boolean("reftable.indexObjects") {
            w.skip_index_objects = !v;
        }
        if let Some(v) = config
            .integer("reftable.geometricFactor")
            .filter(|&v| (0..=255).contains(&v))
        {
            opts.stack.auto_compaction_factor = v as u8;
        }
        // git's meaning: 0 tries once, a negative value waits forever.
        if let Some(v) = config.integer("reftable.lockTimeout") {
            opts.stack.lock_timeout_ms = v.max(-1);
        }
        // As git's reftable backend: GIT_TEST_REFTABLE_AUTOCOMPACTION=false disables auto-compaction.
        if let Some(v) = std::env::var_os("GIT_TEST_REFTABLE_AUTOCOMPACTION") {
            let v = v.to_string_lossy().to_ascii_lowercase();
            opts.stack.disable_auto_compact = matches!(v.as_str(), "false" | "no" | "off" | "0");
        }
        if let Some(shared) = config.string("core.sharedRepository") {
            opts.stack.default_permissions = shared_permissions(shared.as_ref(), umask());
        }
        opts.write_reflog = match config.string("core.logAllRefUpdates") {
            Some(v) if v.eq_ignore_ascii_case(b"always") => WriteReflog::Always,
            Some(_) => match config.boolean("core.logAllRefUpdates") {
                Some(true) => WriteReflog::Normal,
                _ => WriteReflog::Disable,
            },
            None if repo.is_bare() => WriteReflog::Disable,
            None => WriteReflog::Normal,
        };
        let kind = repo.object_hash();
        let (git_dir, common_dir) = (repo.git_dir(), repo.common_dir());
        let mut store = if git_dir != common_dir {
            Store::open(git_dir, common_dir, true, kind, opts)?
        } else {
            Store::open(git_dir, git_dir, false, kind, opts)?
        };
        store.set_namespace(repo.namespace().cloned());
        store.odb = Some(repo.objects.clone().into_arc().map_err(|e| Error::InvalidName {
            name: "objects".into(),
            reason: e.to_string(),
        })?);
        Ok(store)
    }

    /// How long transactions should wait for a held lock, as the store was
    /// configured (`reftable.lockTimeout`, git's 100 ms by default; 0 tries
    /// once, negative waits forever): the mode to hand to
    /// [`Transaction::prepare`] and [`apply_bulk`](Store::apply_bulk) for
    /// git's behaviour, as gix hands `core.filesRefLockTimeout` to the files store.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let git_dir = reftable::init(dir.path(), &Default::default())?;
    /// let store = reftable::Store::at(&git_dir, gix_hash::Kind::Sha1)?;
    /// assert_eq!(
    ///     store.lock_fail_mode(),
    ///     gix_lock::acquire::Fail::AfterDurationWithBackoff(std::time::Duration::from_millis(100))
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lock_fail_mode(&self) -> gix_lock::acquire::Fail {
        transaction::lock_fail_mode(self.opts.stack.lock_timeout_ms)
    }

    /// Whether transactions check that new objects exist (and peel tags):
    /// stores opened with [`from_repo`](Self::from_repo) do.
    pub fn verifies_objects(&self) -> bool {
        self.odb.is_some()
    }

    /// Opens the store of a linked worktree: its private refs are in
    /// `git_dir/reftable`, the shared ones in `common_dir/reftable`.
    pub fn for_linked_worktree(git_dir: &Path, common_dir: &Path, object_hash: Kind) -> Result<Store, Error> {
        Store::for_linked_worktree_opts(git_dir, common_dir, object_hash, Options::default())
    }

    /// Like [`for_linked_worktree`](Self::for_linked_worktree), with options.
    pub fn for_linked_worktree_opts(
        git_dir: &Path,
        common_dir: &Path,
        object_hash: Kind,
        opts: Options,
    ) -> Result<Store, Error> {
        Store::open(git_dir, common_dir, true, object_hash, opts)
    }

    fn open(
        git_dir: &Path,
        common_dir: &Path,
        linked: bool,
        object_hash: Kind,
        mut opts: Options,
    ) -> Result<Store, Error> {
        opts.stack.write = WriteOptions {
            hash: hash_id(object_hash),
            ..opts.stack.write
        };
        crate::interrupt::watch_gix();
        let main = Stack::open(&common_dir.join("reftable"), opts.stack)?;
        let worktree = if linked {
            Some(Mutex::new(Stack::open(&git_dir.join("reftable"), opts.stack)?))
        } else {
            None
        };
        Ok(Store {
            git_dir: git_dir.to_owned(),
            common_dir: common_dir.to_owned(),
            object_hash,
            main: Mutex::new(main),
            worktree,
            opts,
            odb: None,
            namespace: None,
        })
    }

    /// The repository's git directory.
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// The common directory (the git directory unless this is a linked worktree).
    pub fn common_dir(&self) -> &Path {
        &self.common_dir
    }

    /// Whether this store belongs to a linked worktree.
    pub fn is_linked_worktree(&self) -> bool {
        self.worktree.is_some()
    }

    /// The object hash of the repository.
    pub fn object_hash(&self) -> Kind {
        self.object_hash
    }

    /// A stack, reloaded if another process changed it.
    pub(crate) fn lock_stack<'a>(&self, m: &'a Mutex<Stack>) -> Result<MutexGuard<'a, Stack>, Error> {
        let mut s = m.lock().unwrap_or_else(|p| p.into_inner());
        s.reload()?;
        Ok(s)
    }

    /// Sets the namespace (`GIT_NAMESPACE`): names are prefixed with
    /// `refs/namespaces/<ns>/` on the way in and stripped on the way out;
    /// refs outside the namespace are invisible.
    pub fn set_namespace(&mut self, namespace: Option<gix_ref::Namespace>) {
        self.namespace = namespace.map(|n| n.as_bstr().to_vec());
    }

    /// The namespace prefix (`refs/namespaces/<ns>/`), if one is set.
    pub fn namespace(&self) -> Option<&BStr> {
        self.namespace.as_deref().map(|n| n.as_bstr())
    }

    /// The stored name of `name` (namespace prefixed).
    pub(crate) fn ns_in(&self, name: &[u8]) -> Vec<u8> {
        match &self.namespace {
            Some(ns) if !worktree::has_worktree_prefix(name) => {
                let mut v = ns.clone();
                v.extend_from_slice(name);
                v
            }
            _ => name.to_vec(),
        }
    }

    /// The visible name of a stored name, `None` if outside the namespace.
    pub(crate) fn ns_out<'a>(&self, name: &'a [u8]) -> Option<&'a [u8]> {
        match &self.namespace {
            Some(ns) => name.strip_prefix(ns.as_slice()),
            None => Some(name),
        }
    }

    /// Strips the namespace from a reference read from the stacks.
    pub(crate) fn ns_out_ref(&self, mut r: Reference) -> Result<Reference, Error> {
        if self.namespace.is_none() {
            return Ok(r);
        }
        if let Some(n) = self.ns_out(r.name.as_bstr()) {
            r.name = full_name(n)?;
        }
        if let Target::Symbolic(t) = &r.target {
            if let Some(n) = self.ns_out(t.as_bstr()) {
                r.target = Target::Symbolic(full_name(n)?);
            }
        }
        Ok(r)
    }

    /// Finds `name`, a full or partial name, resolved by git's rules:
    /// `name`, `refs/name`, `refs/tags/name`, `refs/heads/name`,
    /// `refs/remotes/name`, `refs/remotes/name/HEAD`.
    pub fn try_find(&self, name: impl AsName) -> Result<Option<Reference>, Error> {
        let name = name.as_name();
        validate_partial(name)?;
        let mut stacks = worktree::Stacks::open(self)?;
        let linked = self.is_linked_worktree();
        for candidate in candidates(name) {
            if let Some(r) = self.find_in(&mut stacks, linked, &candidate)? {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }

    /// The reference of exactly `name` (a full name) in `stacks`, if any.
    pub(crate) fn find_in(
        &self,
        stacks: &mut worktree::Stacks<'_>,
        linked: bool,
        name: &[u8],
    ) -> Result<Option<Reference>, Error> {
        let stored = self.ns_in(name);
        let (which, local) = worktree::route(&stored, linked);
        match stacks.get(self, &which)?.merged().find_ref(local)? {
            Some(mut rec) => {
                rec.name = stored.clone();
                Ok(Some(self.ns_out_ref(to_reference(rec, self.object_hash)?)?))
            }
            None => Ok(None),
        }
    }

    /// Like [`try_find`](Self::try_find), failing with [`Error::NotFound`].
    pub fn find(&self, name: impl AsName) -> Result<Reference, Error> {
        let n = name.as_name();
        self.try_find(n)?.ok_or_else(|| Error::NotFound {
            name: n.to_str_lossy().into_owned(),
        })
    }

    /// A platform to iterate references.
    pub fn iter(&self) -> Result<Platform<'_>, Error> {
        let main = self.lock_stack(&self.main)?.snapshot();
        let current = match &self.worktree {
            Some(m) => Some(self.lock_stack(m)?.snapshot()),
            None => None,
        };
        Ok(Platform::new(self, main, current))
    }
}

/// The full names git tries for a partial name, in order.
fn candidates(name: &[u8]) -> Vec<Vec<u8>> {
    let n = name.as_bstr();
    if name.starts_with(b"refs/") || worktree::has_worktree_prefix(name) {
        return vec![name.to_vec()];
    }
    let mut v = Vec::with_capacity(6);
    // git tries the name as it is first; gix can hold it if it is a full
    // name (`HEAD`, `FOO_BAR`, `bar/baz`: not `main`).
    if gix_validate::reference::name(n).is_ok() {
        v.push(name.to_vec());
    }
    for fmt in ["refs/", "refs/tags/", "refs/heads/", "refs/remotes/"] {
        v.push(format!("{fmt}{n}").into_bytes());
    }
    v.push(format!("refs/remotes/{n}/HEAD").into_bytes());
    v
}

fn validate_partial(name: &[u8]) -> Result<(), Error> {
    gix_validate::reference::name_partial(name.as_bstr()).map_err(|e| Error::InvalidName {
        name: name.to_str_lossy().into_owned(),
        reason: e.to_string(),
    })?;
    Ok(())
}

pub(crate) fn full_name(name: &[u8]) -> Result<FullName, Error> {
    FullName::try_from(name.as_bstr()).map_err(|e| Error::InvalidName {
        name: name.to_str_lossy().into_owned(),
        reason: e.to_string(),
    })
}

/// An object id of the store's hash from a record's bytes. Tables are
/// checked to use the store's hash when opened, so a mismatch means corruption.
pub(crate) fn oid(bytes: &[u8], kind: Kind) -> Result<ObjectId, Error> {
    match ObjectId::try_from(bytes) {
        Ok(id) if id.kind() == kind => Ok(id),
        _ => Err(Error::Stack(stack::Error::Format(crate::format::Error::Corrupt {
            table: "(record)".into(),
            offset: 0,
            kind: crate::format::Corruption::Truncated,
        }))),
    }
}

/// Converts a (non-deletion) record into a gix reference.
pub(crate) fn to_reference(rec: RefRecord, kind: Kind) -> Result<Reference, Error> {
    ref_to_reference(&rec.as_ref(), kind)
}

/// A reference from a borrowed record: the name is copied once, into the `FullName`.
pub(crate) fn ref_to_reference(rec: &crate::format::RefRecordRef<'_>, kind: Kind) -> Result<Reference, Error> {
    use crate::format::RefValueRef;
    let name = full_name(rec.name)?;
    let (target, peeled) = match rec.value {
        RefValueRef::Val1(v) => (Target::Object(oid(v, kind)?), None),
        RefValueRef::Val2 { value, peeled } => (Target::Object(oid(value, kind)?), Some(oid(peeled, kind)?)),
        RefValueRef::Symref(t) => (Target::Symbolic(full_name(t)?), None),
        RefValueRef::Deletion => {
            return Err(Error::NotFound {
                name: name.as_bstr().to_str_lossy().into_owned(),
            })
        }
    };
    Ok(Reference { name, target, peeled })
}

pub(crate) fn lossy(b: &BStr) -> String {
    b.to_str_lossy().into_owned()
}

/// The target of a record, if it is not a deletion.
pub(crate) fn to_target(value: &RefValue, kind: Kind) -> Result<Option<Target>, Error> {
    Ok(match value {
        RefValue::Val1(v) | RefValue::Val2 { value: v, .. } => Some(Target::Object(oid(v, kind)?)),
        RefValue::Symref(t) => Some(Target::Symbolic(full_name(t)?)),
        RefValue::Deletion => None,
    })
}
