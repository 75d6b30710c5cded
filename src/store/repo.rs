//! Setting repositories up: `init` as `git init --ref-format=reftable`
//! does, and `migrate` between the files and the reftable backend as
//! `git refs migrate` does.

use std::path::{Path, PathBuf};

use gix_hash::Kind;
use gix_ref::bstr::{BString, ByteSlice};
use gix_ref::Target;

use super::{hash_id, parfs, Error, Options, Store};
use crate::format::{LogRecord, LogUpdate, LogValue, RefRecord, RefValue, WriteOptions};
use crate::stack::{self, Stack};

/// The reference storage formats git knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefFormat {
    /// Loose files under `refs/` and `packed-refs`.
    Files,
    /// A reftable stack under `reftable/`.
    Reftable,
}

/// How to create a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitOptions {
    /// Create a bare repository (`dir` is the git directory).
    pub bare: bool,
    /// The object hash.
    pub object_hash: Kind,
    /// The branch HEAD points to (git's built-in default is `master`).
    pub initial_branch: String,
}

impl Default for InitOptions {
    fn default() -> Self {
        InitOptions {
            bare: false,
            object_hash: Kind::Sha1,
            initial_branch: "master".into(),
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| {
        Error::Stack(stack::Error::Io {
            path: path.to_owned(),
            source,
        })
    }
}

fn write(path: &Path, content: &[u8]) -> Result<(), Error> {
    std::fs::write(path, content).map_err(io(path))
}

fn mkdir(path: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(path).map_err(io(path))
}

fn invalid(what: &str, reason: impl Into<String>) -> Error {
    Error::InvalidName {
        name: what.into(),
        reason: reason.into(),
    }
}

/// Creates a new repository in `dir` that uses reftable, as
/// `git init --ref-format=reftable [--bare] [--object-format=…]` does, and
/// returns its git directory. Fails if `dir` already holds a repository.
pub fn init(dir: &Path, opts: &InitOptions) -> Result<PathBuf, Error> {
    let git_dir = if opts.bare { dir.to_owned() } else { dir.join(".git") };
    if git_dir.join("HEAD").exists() || git_dir.join("config").exists() {
        return Err(invalid(&git_dir.display().to_string(), "a repository exists already"));
    }
    let branch = format!("refs/heads/{}", opts.initial_branch);
    super::full_name(branch.as_bytes())?;
    for d in ["objects/info", "objects/pack", "info", "refs", "reftable"] {
        mkdir(&git_dir.join(d))?;
    }
    write(&git_dir.join("HEAD"), b"ref: refs/heads/.invalid\n")?;
    write(
        &git_dir.join("refs").join("heads"),
        b"this repository uses the reftable format\n",
    )?;
    write(
        &git_dir.join("description"),
        b"Unnamed repository; edit this file 'description' to name the repository.\n",
    )?;
    write(
        &git_dir.join("info").join("exclude"),
        b"# git ls-files --others --exclude-from=.git/info/exclude\n# Lines that start with '#' are comments.\n",
    )?;
    let mut config = String::from("[core]\n\trepositoryformatversion = 1\n\tfilemode = true\n");
    config += if opts.bare {
        "\tbare = true\n"
    } else {
        "\tbare = false\n\tlogallrefupdates = true\n"
    };
    config += "[extensions]\n";
    if opts.object_hash != Kind::Sha1 {
        config += &format!("\tobjectformat = {}\n", opts.object_hash);
    }
    config += "\trefstorage = reftable\n";
    write(&git_dir.join("config"), config.as_bytes())?;
    let mut stack = Stack::open(&git_dir.join("reftable"), stack_options(opts.object_hash))?;
    stack.add(|w| {
        w.set_limits(1, 1)?;
        w.add_ref(
            &RefRecord {
                name: b"HEAD".to_vec(),
                update_index: 1,
                value: RefValue::Symref(branch.into_bytes()),
            }
            .as_ref(),
        )?;
        Ok(())
    })?;
    Ok(git_dir)
}

fn stack_options(kind: Kind) -> stack::Options {
    stack::Options {
        write: WriteOptions {
            hash: hash_id(kind),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Reads what a repository's config says about its storage.
struct RepoConfig {
    file: gix_config::File,
    path: PathBuf,
}

impl RepoConfig {
    fn open(git_dir: &Path) -> Result<Self, Error> {
        let path = git_dir.join("config");
        let file = gix_config::File::from_path_no_includes(path.clone(), gix_config::Source::Local)
            .map_err(|e| invalid(&path.display().to_string(), e.to_string()))?;
        Ok(RepoConfig { file, path })
    }

    fn object_hash(&self) -> Result<Kind, Error> {
        match self.file.string("extensions.objectformat") {
            None => Ok(Kind::Sha1),
            Some(v) if v.eq_ignore_ascii_case(b"sha1") => Ok(Kind::Sha1),
            #[cfg(feature = "sha256")]
            Some(v) if v.eq_ignore_ascii_case(b"sha256") => Ok(Kind::Sha256),
            #[cfg(not(feature = "sha256"))]
            Some(v) if v.eq_ignore_ascii_case(b"sha256") => Err(invalid(
                "extensions.objectFormat",
                String::from("sha256 repositories need the `sha256` feature of the reftable crate"),
            )),
            Some(v) => Err(invalid("extensions.objectFormat", format!("unknown object format {v}"))),
        }
    }

    fn ref_format(&self) -> Result<RefFormat, Error> {
        match self.file.string("extensions.refstorage") {
            None => Ok(RefFormat::Files),
            Some(v) if v.eq_ignore_ascii_case(b"files") => Ok(RefFormat::Files),
            Some(v) if v.eq_ignore_ascii_case(b"reftable") => Ok(RefFormat::Reftable),
            Some(v) => Err(invalid("extensions.refStorage", format!("unknown ref storage {v}"))),
        }
    }

    fn set_ref_format(&mut self, to: RefFormat) -> Result<(), Error> {
        let err = |e: gix_error::Error| invalid("config", e.to_string());
        match to {
            RefFormat::Reftable => {
                self.file
                    .set_raw_value_by("core", None, "repositoryformatversion", "1")
                    .map_err(err)?;
                self.file
                    .set_raw_value_by("extensions", None, "refstorage", "reftable")
                    .map_err(err)?;
            }
            RefFormat::Files => {
                // As git's initialize_repository_version: the setting goes
                // (its section too, if that leaves it empty), and a SHA-1
                // repository with no other extension is version 0 again.
                let mut others = 0;
                if let Ok(mut s) = self.file.section_mut("extensions", None) {
                    s.remove("refstorage");
                    s.remove("refStorage");
                    others = s.num_values();
                }
                if others == 0 {
                    self.file.remove_section("extensions", None);
                    self.file
                        .set_raw_value_by("core", None, "repositoryformatversion", "0")
                        .map_err(err)?;
                }
            }
        }
        let mut out = Vec::new();
        self.file.write_to(&mut out).map_err(io(&self.path))?;
        let tmp = self.path.with_extension("lock");
        write(&tmp, &out)?;
        std::fs::rename(&tmp, &self.path).map_err(io(&self.path))
    }
}

/// What [`migrate`] did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrateReport {
    /// References migrated.
    pub refs: usize,
    /// Reflog entries migrated.
    pub log_entries: usize,
    /// Where the new store was written (kept in a dry run).
    pub staged: PathBuf,
}

/// Converts the repository at `git_dir` to the `to` format, with reflogs
/// unless `no_reflog`, as `git refs migrate` does: the new store is built
/// in a temporary directory first, then swapped in and the config updated.
/// With `dry_run` the new store is left in that directory for inspection
/// and the repository is not touched. Repositories with linked worktrees
/// are refused, as git refuses them.
pub fn migrate(git_dir: &Path, to: RefFormat, dry_run: bool, no_reflog: bool) -> Result<MigrateReport, Error> {
    let mut config = RepoConfig::open(git_dir)?;
    let from = config.ref_format()?;
    let kind = config.object_hash()?;
    if from == to {
        return Err(invalid(
            &git_dir.display().to_string(),
            format!(
                "repository already uses the {} format",
                if to == RefFormat::Files { "files" } else { "reftable" }
            ),
        ));
    }
    // As git's `has_worktrees`: a directory under `worktrees/` without a
    // `gitdir` file is no worktree.
    if !super::worktree::linked_worktrees(git_dir).is_empty() {
        return Err(Error::Unsupported {
            path: git_dir.to_owned(),
            reason: "migrating repositories with worktrees is not supported yet",
        });
    }
    // Everything the current store holds: refs (HEAD and pseudo refs first) and reflogs.
    let (refs, logs) = match from {
        RefFormat::Files => read_files(git_dir, kind, no_reflog)?,
        RefFormat::Reftable => read_reftable(git_dir, kind, no_reflog)?,
    };
    let staged = tempfile::Builder::new()
        .prefix("ref_migration.")
        .tempdir_in(git_dir)
        .map_err(io(git_dir))?
        .keep();
    let report = MigrateReport {
        refs: refs.len(),
        log_entries: logs.iter().map(|(_, l)| l.len()).sum(),
        staged: staged.clone(),
    };
    let written = match to {
        RefFormat::Reftable => write_reftable(&staged.join("reftable"), kind, &refs, &logs),
        RefFormat::Files => write_files(&staged, &refs, &logs),
    };
    if let Err(e) = written {
        // Nothing was migrated: leave nothing behind.
        let _ = std::fs::remove_dir_all(&staged);
        return Err(e);
    }
    if dry_run {
        return Ok(report);
    }
    // Swap: the new store goes in place, the config switches, the old store goes.
    match to {
        RefFormat::Reftable => {
            std::fs::rename(staged.join("reftable"), git_dir.join("reftable")).map_err(io(git_dir))?;
            config.set_ref_format(RefFormat::Reftable)?;
            let _ = parfs::remove_dir_all(&git_dir.join("refs"));
            let _ = parfs::remove_dir_all(&git_dir.join("logs"));
            let _ = std::fs::remove_file(git_dir.join("packed-refs"));
            for (name, _) in &refs {
                if !name.contains(&b'/') && name.as_slice() != b"HEAD" {
                    let _ = std::fs::remove_file(git_dir.join(name.to_str_lossy().as_ref()));
                }
            }
            mkdir(&git_dir.join("refs"))?;
            write(
                &git_dir.join("refs").join("heads"),
                b"this repository uses the reftable format\n",
            )?;
            write(&git_dir.join("HEAD"), b"ref: refs/heads/.invalid\n")?;
        }
        RefFormat::Files => {
            let _ = std::fs::remove_file(git_dir.join("refs").join("heads"));
            let _ = std::fs::remove_dir_all(git_dir.join("refs"));
            let _ = std::fs::remove_dir_all(git_dir.join("logs"));
            for entry in ["refs", "logs", "packed-refs"] {
                let from = staged.join(entry);
                if from.exists() {
                    std::fs::rename(&from, git_dir.join(entry)).map_err(io(git_dir))?;
                }
            }
            mkdir(&git_dir.join("refs").join("heads"))?;
            mkdir(&git_dir.join("refs").join("tags"))?;
            for e in std::fs::read_dir(&staged).map_err(io(&staged))? {
                let e = e.map_err(io(&staged))?;
                if e.file_type().map_err(io(&staged))?.is_file() {
                    std::fs::rename(e.path(), git_dir.join(e.file_name())).map_err(io(git_dir))?;
                }
            }
            config.set_ref_format(RefFormat::Files)?;
            std::fs::remove_dir_all(git_dir.join("reftable")).map_err(io(git_dir))?;
        }
    }
    let _ = std::fs::remove_dir_all(&staged);
    Ok(report)
}

type Refs = Vec<(Vec<u8>, RefValue)>;
type Logs = Vec<(Vec<u8>, Vec<gix_ref::log::Line>)>;

fn read_files(git_dir: &Path, kind: Kind, no_reflog: bool) -> Result<(Refs, Logs), Error> {
    let store = gix_ref::file::Store::at(git_dir.to_owned(), kind);
    let gix = |e: gix_error::Error| invalid(&git_dir.display().to_string(), e.to_string());
    let value = |target: Target, peeled: Option<gix_hash::ObjectId>| match (target, peeled) {
        (Target::Object(id), Some(p)) if p != id => RefValue::Val2 {
            value: id.as_bytes().to_vec(),
            peeled: p.as_bytes().to_vec(),
        },
        (Target::Object(id), _) => RefValue::Val1(id.as_bytes().to_vec()),
        (Target::Symbolic(t), _) => RefValue::Symref(t.as_bstr().to_vec()),
    };
    let mut refs = Vec::new();
    // HEAD and the other root refs: the files beside HEAD that git's
    // is_root_ref takes (AUTO_MERGE too, which gix-ref's pseudo refs leave out).
    let mut roots: Vec<String> = std::fs::read_dir(git_dir)
        .map_err(io(git_dir))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| super::is_root_ref(n.as_bytes()))
        .collect();
    roots.sort();
    for name in roots {
        if let Some(r) = store
            .try_find(name.as_str())
            .map_err(gix)?
            .filter(|r| r.name.as_bstr() == name.as_str())
        {
            refs.push((name.into_bytes(), value(r.target, r.peeled)));
        }
    }
    // Loose refs under refs/, read many at a time; names that are not
    // valid ref names are not refs (as for gix and git).
    let refs_dir = git_dir.join("refs");
    let loose: Vec<_> = parfs::files_under(git_dir, &refs_dir)
        .map_err(io(&refs_dir))?
        .into_iter()
        .filter_map(|(name, path)| Some((gix_ref::FullName::try_from(BString::from(name)).ok()?, path)))
        .collect();
    let paths: Vec<&Path> = loose.iter().map(|(_, p)| p.as_path()).collect();
    let mut loose_names = Vec::with_capacity(loose.len());
    for ((name, path), content) in loose.iter().zip(parfs::read_all(&paths)) {
        let content = match content {
            Ok(c) => c,
            // Deleted meanwhile.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io(path)(e)),
        };
        let r = gix_ref::file::loose::Reference::try_from_path(name.clone(), &content, kind).map_err(gix)?;
        loose_names.push(name.as_bstr().to_vec());
        refs.push((name.as_bstr().to_vec(), value(r.target, None)));
    }
    // packed-refs, where no loose ref of the same name overrides them.
    if let Some(packed) = store.open_packed_buffer().map_err(gix)? {
        for r in packed.iter().map_err(gix)? {
            let r = r.map_err(gix)?;
            let name = r.name.as_bstr();
            if loose_names.binary_search_by(|n| n.as_slice().cmp(name)).is_err() {
                refs.push((name.to_vec(), value(Target::Object(r.target()), Some(r.object()))));
            }
        }
    }
    refs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut logs = Vec::new();
    if !no_reflog {
        // Reflogs exist for some refs only: list them instead of trying each.
        let logs_dir = git_dir.join("logs");
        let existing = parfs::files_under(&logs_dir, &logs_dir).map_err(io(&logs_dir))?;
        let with_log: Vec<(&Vec<u8>, &Path)> = refs
            .iter()
            .filter_map(|(name, _)| {
                let i = existing.binary_search_by(|(n, _)| n.as_slice().cmp(name)).ok()?;
                Some((name, existing[i].1.as_path()))
            })
            .collect();
        let paths: Vec<&Path> = with_log.iter().map(|(_, p)| *p).collect();
        for ((name, path), content) in with_log.iter().zip(parfs::read_all(&paths)) {
            let content = match content {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(path)(e)),
            };
            let lines: Vec<gix_ref::log::Line> = gix_ref::file::log::iter::forward(&content)
                .map(|l| l.map(Into::into))
                .collect::<Result<_, _>>()
                .map_err(|e| invalid(&path.display().to_string(), e.to_string()))?;
            if !lines.is_empty() {
                logs.push(((*name).clone(), lines));
            }
        }
    }
    Ok((refs, logs))
}

fn read_reftable(git_dir: &Path, kind: Kind, no_reflog: bool) -> Result<(Refs, Logs), Error> {
    let store = Store::at_opts(git_dir, kind, Options::default())?;
    let mut stacks = super::worktree::Stacks::open(&store)?;
    let stack = stacks.get(&store, &super::worktree::Which::Main)?;
    let mut refs = Vec::new();
    for r in stack.merged().refs()? {
        let r = r?;
        // As git: refs and root refs; not `foo` or `bar/baz`, which git
        // writes if asked but leaves behind when it migrates.
        if !(r.name.starts_with(b"refs/") || super::is_root_ref(&r.name)) {
            continue;
        }
        // As git's iterator: a name that is no reference name is a broken
        // ref, left behind; one that could leave `refs/` as a path stops
        // the migration before anything is written.
        if gix_validate::reference::name(r.name.as_bstr()).is_err() {
            if !super::refname_is_safe(&r.name) {
                return Err(Error::InvalidName {
                    name: r.name.to_str_lossy().into_owned(),
                    reason: "refname is dangerous".into(),
                });
            }
            continue;
        }
        refs.push((r.name, r.value));
    }
    drop(stacks);
    let mut logs = Vec::new();
    if !no_reflog {
        for (name, _) in &refs {
            if let Some(it) = store.reflog_iter(name)? {
                logs.push((name.clone(), it.collect::<Result<Vec<_>, _>>()?));
            }
        }
    }
    Ok((refs, logs))
}

fn write_reftable(dir: &Path, kind: Kind, refs: &Refs, logs: &Logs) -> Result<(), Error> {
    mkdir(dir)?;
    let opts = stack::Options {
        disable_auto_compact: true,
        ..stack_options(kind)
    };
    let mut stack = Stack::open(dir, opts)?;
    // One table: refs at update index 1; the i-th oldest entry of each
    // reflog at index i, so that entries keep their order.
    let max = logs.iter().map(|(_, l)| l.len() as u64).max().unwrap_or(1).max(1);
    stack.add(|w| {
        w.set_limits(1, max)?;
        for (name, value) in refs {
            w.add_ref(
                &RefRecord {
                    name: name.clone(),
                    update_index: 1,
                    value: value.clone(),
                }
                .as_ref(),
            )?;
        }
        let mut sorted: Vec<&(Vec<u8>, Vec<gix_ref::log::Line>)> = logs.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, lines) in sorted {
            for (i, line) in lines.iter().enumerate().rev() {
                let mut message = line.message.to_vec();
                message.push(b'\n');
                w.add_log(
                    &LogRecord {
                        name: name.clone(),
                        update_index: i as u64 + 1,
                        value: LogValue::Update(LogUpdate {
                            old_id: line.previous_oid.as_bytes().to_vec(),
                            new_id: line.new_oid.as_bytes().to_vec(),
                            name: line.signature.name.to_vec(),
                            email: line.signature.email.to_vec(),
                            time: line.signature.time.seconds.max(0) as u64,
                            tz_offset: super::reflog::seconds_to_tz(line.signature.time.offset),
                            message,
                        }),
                    }
                    .as_ref(),
                )?;
            }
        }
        Ok(())
    })?;
    Ok(())
}

fn write_files(dir: &Path, refs: &Refs, logs: &Logs) -> Result<(), Error> {
    let mut packed = BString::from("# pack-refs with: peeled fully-peeled sorted \n");
    for (name, value) in refs {
        let n = name.to_str_lossy();
        let loose = !name.starts_with(b"refs/");
        match value {
            RefValue::Symref(t) => {
                let path = dir.join(n.as_ref());
                mkdir(path.parent().expect("has parent"))?;
                write(&path, format!("ref: {}\n", t.to_str_lossy()).as_bytes())?;
            }
            RefValue::Val1(v) | RefValue::Val2 { value: v, .. } if loose => {
                write(&dir.join(n.as_ref()), format!("{}\n", hex(v)).as_bytes())?;
            }
            RefValue::Val1(v) => packed.extend_from_slice(format!("{} {n}\n", hex(v)).as_bytes()),
            RefValue::Val2 { value, peeled } => {
                packed.extend_from_slice(format!("{} {n}\n^{}\n", hex(value), hex(peeled)).as_bytes())
            }
            RefValue::Deletion => {}
        }
    }
    write(&dir.join("packed-refs"), &packed)?;
    for (name, lines) in logs {
        let path = dir.join("logs").join(name.to_str_lossy().as_ref());
        mkdir(path.parent().expect("has parent"))?;
        let mut out = Vec::new();
        for l in lines {
            log_line(l, &mut out).map_err(io(&path))?;
        }
        write(&path, &out)?;
    }
    Ok(())
}

/// A reflog line as git's files backend writes it: the zone as git's
/// `date_string` (`+10039` for 100 hours 39 minutes, which gix's own writer
/// refuses), no tab before an empty message. A line feed inside a field
/// would break the file into two entries: refused.
fn log_line(l: &gix_ref::log::Line, out: &mut Vec<u8>) -> std::io::Result<()> {
    let s = &l.signature;
    if [&s.name, &s.email, &l.message].iter().any(|f| f.contains(&b'\n')) {
        return Err(std::io::Error::other(format!(
            "reflog entry by {:?} holds a line feed",
            s.name.to_str_lossy()
        )));
    }
    let tz = super::seconds_to_tz(s.time.offset);
    let sign = if tz < 0 { '-' } else { '+' };
    out.extend_from_slice(format!("{} {} ", l.previous_oid, l.new_oid).as_bytes());
    out.extend_from_slice(&s.name);
    out.extend_from_slice(b" <");
    out.extend_from_slice(&s.email);
    out.extend_from_slice(format!("> {} {sign}{:04}", s.time.seconds, tz.unsigned_abs()).as_bytes());
    if !l.message.is_empty() {
        out.push(b'\t');
        out.extend_from_slice(&l.message);
    }
    out.push(b'\n');
    Ok(())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
