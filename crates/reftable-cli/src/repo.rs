//! Finding and opening the repository, as git does.

use std::path::{Path, PathBuf};

use gix::prelude::ObjectIdExt;
use gix_ref::bstr::{BStr, ByteSlice};
use gix_ref::{Reference, Target};
use reftable::backend::RefStore;
use reftable::store::RefEntry;

use crate::Fatal;

/// git's `ref_rev_parse_rules`: the full names a short name may stand
/// for, in order, as (prefix, suffix).
pub const REV_PARSE_RULES: [(&str, &str); 6] = [
    ("", ""),
    ("refs/", ""),
    ("refs/tags/", ""),
    ("refs/heads/", ""),
    ("refs/remotes/", ""),
    ("refs/remotes/", "/HEAD"),
];

/// An open repository and its reference store.
pub struct Repo {
    /// The gix repository, opened on first use when [`open_for_reading`] found
    /// the reference store on its own.
    gix: std::cell::OnceCell<gix::Repository>,
    /// `-C`, to open `gix` later.
    dir: Option<PathBuf>,
    pub refs: Box<dyn RefStore>,
    /// Object kinds looked up so far.
    kinds: std::cell::RefCell<std::collections::HashMap<gix_hash::ObjectId, gix::objs::Kind>>,
    /// The objects directory and hash kind when [`open_for_reading`] took
    /// the quick path: object lookups open only the object database.
    objects: Option<(PathBuf, gix_hash::Kind)>,
    odb: std::cell::OnceCell<Option<gix::odb::Handle>>,
    /// Where replace refs live, if replacement is on and there are any.
    replace_base: std::cell::OnceCell<Option<String>>,
}

/// The command line's `-c <name>=<value>`, as gix's command-line overrides.
static CONFIG_OVERRIDES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

/// Records the `-c` values of the command line (once, before a repository is opened).
pub fn set_config_overrides(values: Vec<String>) {
    let _ = CONFIG_OVERRIDES.set(values);
}

fn config_overrides() -> &'static [String] {
    CONFIG_OVERRIDES.get().map_or(&[], Vec::as_slice)
}

/// Refuses a repository whose `HEAD` or `config` is a FIFO, socket or device
/// (gix would block reading it, or read forever): in the git directory
/// `GIT_DIR` names, or the first one discovery meets from `start` upwards.
/// A `stat` each, never an open.
fn refuse_special_files(start: &Path) -> Result<(), Fatal> {
    let git_dir = match std::env::var_os("GIT_DIR") {
        Some(gd) => Some(start.join(gd)),
        None => start
            .ancestors()
            .flat_map(|a| [a.join(".git"), a.to_owned()])
            .find(|d| std::fs::symlink_metadata(d.join("HEAD")).is_ok()),
    };
    for path in git_dir.iter().flat_map(|d| [d.join("HEAD"), d.join("config")]) {
        let kind = std::fs::metadata(&path)
            .ok()
            .and_then(|m| reftable::core::file::not_a_file(&m));
        if let Some(kind) = kind {
            return Err(Fatal::msg(reftable::format::Error::NotAFile { path, kind }.to_string()));
        }
    }
    Ok(())
}

fn open_gix(dir: Option<&Path>) -> Result<gix::Repository, Fatal> {
    let cwd = match dir {
        Some(d) => d.to_owned(),
        None => std::env::current_dir().map_err(|e| Fatal::msg(format!("cannot read the current directory: {e}")))?,
    };
    refuse_special_files(&cwd)?;
    let with_overrides = |o: gix::open::Options| o.cli_overrides(config_overrides().iter().map(String::as_str));
    match std::env::var_os("GIT_DIR") {
        Some(gd) => {
            let gd = PathBuf::from(gd);
            let gd = if gd.is_absolute() { gd } else { cwd.join(gd) };
            gix::open_opts(&gd, with_overrides(gix::open::Options::default()))
                .map_err(|e| Fatal::msg(format!("not a git repository: '{}': {e}", gd.display())))
        }
        None => {
            use gix::sec::trust::DefaultForLevel as _;
            let trust = gix::sec::trust::Mapping {
                full: with_overrides(gix::open::Options::default_for_level(gix::sec::Trust::Full)),
                reduced: with_overrides(gix::open::Options::default_for_level(gix::sec::Trust::Reduced)),
            };
            gix::ThreadSafeRepository::discover_opts(&cwd, Default::default(), trust)
                .map(gix::Repository::from)
                .map_err(|_| Fatal::msg("not a git repository (or any of the parent directories): .git".to_string()))
        }
    }
}

/// Opens the repository named by `-C`, `GIT_DIR`, or found from the current directory.
pub fn open(dir: Option<&Path>) -> Result<Repo, Fatal> {
    let gix = open_gix(dir)?;
    let refs = reftable::backend::open(&gix).map_err(|e| Fatal::msg(e.to_string()))?;
    Ok(Repo {
        gix: gix.into(),
        dir: dir.map(Path::to_owned),
        refs,
        kinds: Default::default(),
        objects: None,
        odb: Default::default(),
        replace_base: Default::default(),
    })
}

/// As [`open`], for commands that only read: a reftable repository found
/// without any of git's special cases (the directory itself or its `.git`
/// directory, no `GIT_*` variable that changes discovery, configuration or
/// namespaces, no linked worktree, no includes in its config, owned by this
/// user) gets its reference store opened directly, and gix only if the
/// command needs objects or configuration. Starting gix costs more than a
/// lookup (`bench/compare.sh`, operation (c)); everything else takes the
/// full path.
pub fn open_for_reading(dir: Option<&Path>) -> Result<Repo, Fatal> {
    match quick_store(dir) {
        Some((refs, objects)) => Ok(Repo {
            gix: std::cell::OnceCell::new(),
            dir: dir.map(Path::to_owned),
            refs,
            kinds: Default::default(),
            objects: Some(objects),
            odb: Default::default(),
            replace_base: Default::default(),
        }),
        None => open(dir),
    }
}

/// The reference store, and the objects directory with the hash kind.
type Quick = (Box<dyn RefStore>, (PathBuf, gix_hash::Kind));

/// Elsewhere than on Unix the ownership check below cannot be made the same
/// way: every repository takes the full path (gix's own `safe.directory` check).
#[cfg(not(unix))]
fn quick_store(_dir: Option<&Path>) -> Option<Quick> {
    None
}

#[cfg(unix)]
fn quick_store(dir: Option<&Path>) -> Option<Quick> {
    use std::os::unix::fs::MetadataExt;
    const ENV: [&str; 10] = [
        "GIT_DIR",
        "GIT_COMMON_DIR",
        "GIT_WORK_TREE",
        "GIT_NAMESPACE",
        "GIT_CEILING_DIRECTORIES",
        "GIT_DISCOVERY_ACROSS_FILESYSTEM",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "GIT_OBJECT_DIRECTORY",
        "GIT_REF_FORMAT",
    ];
    if ENV.iter().any(|v| std::env::var_os(v).is_some()) || !config_overrides().is_empty() {
        return None;
    }
    let dir = match dir {
        Some(d) => d.to_owned(),
        None => std::env::current_dir().ok()?,
    };
    let dot_git = dir.join(".git");
    let git_dir = match std::fs::symlink_metadata(&dot_git) {
        Ok(m) if m.is_dir() => dot_git,
        // A gitfile, a link, or anything unusual: the full path.
        Ok(_) => return None,
        Err(_) => dir,
    };
    let meta = std::fs::metadata(&git_dir).ok()?;
    // Someone else's repository is subject to safe.directory.
    if meta.uid() != std::fs::metadata("/proc/self").ok()?.uid()
        || !git_dir.join("HEAD").is_file()
        || !git_dir.join("objects").is_dir()
        || git_dir.join("commondir").exists()
    {
        return None;
    }
    let bytes = reftable::core::file::read(&git_dir.join("config"), reftable::core::file::MAX_SMALL_FILE).ok()?;
    let config =
        gix::config::File::from_bytes_no_includes(&bytes, gix::config::file::Metadata::api(), Default::default())
            .ok()?;
    if config.sections().any(|s| {
        let name = s.header().name();
        name.eq_ignore_ascii_case(b"include") || name.eq_ignore_ascii_case(b"includeIf")
    }) {
        return None;
    }
    if config.integer("core.repositoryFormatVersion").ok().flatten() != Some(1)
        || !config
            .string("extensions.refStorage")
            .is_some_and(|v| v.eq_ignore_ascii_case(b"reftable"))
    {
        return None;
    }
    // The extensions git knows; any other makes git refuse the repository.
    let known = [
        "refstorage",
        "objectformat",
        "worktreeconfig",
        "preciousobjects",
        "partialclone",
        "noop",
        "noop-v1",
        "compatobjectformat",
    ];
    for section in config.sections_by_name("extensions").into_iter().flatten() {
        if section.header().subsection_name().is_some()
            || section
                .value_names()
                .any(|k| !known.contains(&k.to_ascii_lowercase().as_str()))
        {
            return None;
        }
    }
    let kind = match config.string("extensions.objectFormat") {
        None => gix_hash::Kind::Sha1,
        Some(v) if v.eq_ignore_ascii_case(b"sha1") => gix_hash::Kind::Sha1,
        Some(v) if v.eq_ignore_ascii_case(b"sha256") => gix_hash::Kind::Sha256,
        Some(_) => return None,
    };
    let store = reftable::store::Store::at(&git_dir, kind).ok()?;
    Some((Box::new(store), (git_dir.join("objects"), kind)))
}

impl Repo {
    /// The gix repository (opened now if it was not yet).
    pub fn gix(&self) -> Result<&gix::Repository, Fatal> {
        if let Some(r) = self.gix.get() {
            return Ok(r);
        }
        let r = open_gix(self.dir.as_deref())?;
        Ok(self.gix.get_or_init(|| r))
    }

    /// The object a reference ultimately points to (following symrefs).
    pub fn resolve(&self, r: &Reference) -> Option<gix_hash::ObjectId> {
        self.follow(r).map(|(_, id)| id)
    }

    /// Follows symrefs from `r` (at most five): the last reference read
    /// on the way (`None` if `r` names an object itself) and the object.
    pub fn follow(&self, r: &Reference) -> Option<(Option<Reference>, gix_hash::ObjectId)> {
        let (mut last, mut target) = (None, r.target.clone());
        for _ in 0..5 {
            match target {
                Target::Object(id) => return Some((last, id)),
                Target::Symbolic(n) => {
                    let next = self.exact(n.as_bstr())?;
                    target = next.target.clone();
                    last = Some(next);
                }
            }
        }
        None
    }

    /// The reference named exactly `name`.
    pub fn exact(&self, name: &BStr) -> Option<Reference> {
        self.refs
            .try_find_ref(name)
            .ok()
            .flatten()
            .filter(|r| r.name.as_bstr() == name)
    }

    /// git's `lookup_replace_object`: the object that `refs/replace/<id>`
    /// (under `GIT_REPLACE_REF_BASE`) names instead of `id`, followed up to
    /// five times, unless `GIT_NO_REPLACE_OBJECTS` is set or
    /// `core.useReplaceRefs` is false. gix applies replacements only where
    /// it can read the refs itself, which it cannot in a reftable repository.
    pub fn replacement(&self, id: gix_hash::ObjectId) -> gix_hash::ObjectId {
        let base = self.replace_base.get_or_init(|| {
            let off = std::env::var_os("GIT_NO_REPLACE_OBJECTS").is_some()
                || self
                    .gix()
                    .is_ok_and(|g| g.config_snapshot().boolean("core.useReplaceRefs") == Some(false));
            let base = std::env::var("GIT_REPLACE_REF_BASE").unwrap_or_else(|_| "refs/replace/".into());
            let mut any = false;
            if !off {
                // Most repositories have none: one look, not one per object.
                let _ = self.for_each(&base, &mut |_| {
                    any = true;
                    false
                });
            }
            any.then_some(base)
        });
        let Some(base) = base else { return id };
        let mut cur = id;
        for _ in 0..5 {
            match self.exact(format!("{base}{cur}").as_str().into()).map(|r| r.target) {
                Some(Target::Object(next)) if next != cur => cur = next,
                _ => break,
            }
        }
        cur
    }

    /// The fully peeled object of an annotated tag (`None` for other objects).
    pub fn peel(&self, r: &Reference, id: gix_hash::ObjectId) -> Option<gix_hash::ObjectId> {
        if let Some(p) = r.peeled.filter(|p| *p != id) {
            return Some(p);
        }
        let obj = self.gix().ok()?.find_object(id).ok()?;
        if obj.kind != gix::objs::Kind::Tag {
            return None;
        }
        obj.peel_tags_to_end().ok().map(|o| o.id)
    }

    /// The kind of an object, if it exists.
    pub fn kind(&self, id: gix_hash::ObjectId) -> Option<gix::objs::Kind> {
        // A million-ref import names the same few objects over and over.
        if let Some(k) = self.kinds.borrow().get(&id) {
            return Some(*k);
        }
        let kind = match (&self.objects, self.gix.get()) {
            // Opening the object database alone is much cheaper than gix
            // (a `show-ref --verify` checks that its object exists).
            (Some((dir, hash)), None) => {
                let odb = self.odb.get_or_init(|| gix::odb::at(dir, *hash).ok()).as_ref()?;
                gix::objs::FindHeader::try_header(odb, &id).ok().flatten()?.kind
            }
            _ => self.gix().ok()?.find_header(id).ok().map(|h| h.kind())?,
        };
        self.kinds.borrow_mut().insert(id, kind);
        Some(kind)
    }

    /// git's `find_unique_abbrev`: the shortest prefix of at least `min`
    /// hex digits (at least 4; `None`: as `core.abbrev` says) that names
    /// no other object; the whole id if the object is missing.
    pub fn abbrev(&self, id: gix_hash::ObjectId, min: Option<usize>) -> String {
        let Ok(gix) = self.gix() else {
            return id.to_string();
        };
        let prefix = match min {
            None => id.attach(gix).shorten().ok(),
            Some(n) => gix::odb::store::prefix::disambiguate::Candidate::new(id, n.clamp(4, id.kind().len_in_hex()))
                .ok()
                .and_then(|c| gix.objects.disambiguate_prefix(c).ok().flatten()),
        };
        prefix.map_or_else(|| id.to_string(), |p| p.to_string())
    }

    /// All references under `refs/` in order, streaming.
    pub fn for_each(&self, prefix: &str, f: &mut dyn FnMut(Reference) -> bool) -> Result<(), Fatal> {
        self.refs
            .for_each_ref(prefix.into(), &mut |r| Ok(f(r)))
            .map_err(|e| Fatal::msg(e.to_string()))
    }

    /// As [`for_each`](Self::for_each), with the names under `refs/` that
    /// are stored but are not reference names (git's broken refs).
    ///
    /// As git's iterator, a broken name that could leave `refs/` as a path
    /// (`refs/../x`, `refs/a//b`) stops the walk, "refname is dangerous",
    /// where git walks: under one of `walked`.
    pub fn for_each_entry(
        &self,
        prefix: &str,
        walked: &[&str],
        f: &mut dyn FnMut(RefEntry) -> bool,
    ) -> Result<(), Fatal> {
        let mut dangerous = None;
        self.refs
            .for_each_entry(prefix.into(), &mut |r| {
                if let RefEntry::Broken(n) = &r {
                    if !reftable::name::refname_is_safe(n) && walked.iter().any(|w| n.starts_with(w.as_bytes())) {
                        dangerous = Some(n.to_str_lossy().into_owned());
                        return Ok(false);
                    }
                }
                Ok(f(r))
            })
            .map_err(|e| Fatal::msg(e.to_string()))?;
        match dangerous {
            Some(n) => Err(Fatal::msg(format!("refname is dangerous: {}", crate::reportable(&n)))),
            None => Ok(()),
        }
    }

    /// Git's `shorten_unambiguous_ref`: the shortest name that resolves back to `name`.
    pub fn shorten(&self, name: &BStr) -> String {
        let full = name.to_str_lossy();
        for i in (1..REV_PARSE_RULES.len()).rev() {
            let (pre, post) = REV_PARSE_RULES[i];
            let Some(short) = full
                .strip_prefix(pre)
                .and_then(|s| s.strip_suffix(post))
                .filter(|s| !s.is_empty())
            else {
                continue;
            };
            let ambiguous = (0..i).any(|j| {
                let (p, q) = REV_PARSE_RULES[j];
                let candidate = format!("{p}{short}{q}");
                self.exact(candidate.as_str().into()).is_some()
            });
            if !ambiguous {
                return short.to_owned();
            }
        }
        full.into_owned()
    }
}
