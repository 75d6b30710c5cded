//! `reflog`, `pack-refs`, `refs verify|migrate` and `init`.

use std::io::Write;
use std::path::PathBuf;

use gix::prelude::ObjectIdExt;
use gix_ref::bstr::ByteSlice;
use reftable::store::{RefFormat, Store};

use crate::repo::Repo;
use crate::Fatal;

/// `reflog show`, also what `reflog` alone does: `git log -g` arguments.
#[derive(clap::Args)]
pub struct ShowArgs {
    /// Options (`-<n>`, `-n`, `--max-count`, `--skip`, `--all`, `--abbrev[=<n>]`, `--[no-]abbrev-commit`,
    /// `--date=<format>`, `--pretty[=<format>]`, `--format=<format>`, `--oneline`, `--color[=<when>]`) and refs
    /// (HEAD by default; `<ref>@{<n>}` starts at entry n).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "ARGS")]
    args: Vec<String>,
}

/// What `reflog delete` and `reflog expire` do with the entries they keep,
/// and how they report.
#[derive(clap::Args)]
pub struct KeepArgs {
    /// Make each kept entry's old value the new value of the entry before it.
    #[arg(long)]
    rewrite: bool,
    /// Set the ref to the newest kept entry's value.
    #[arg(long)]
    updateref: bool,
    /// Change nothing (git prints nothing either, without --verbose).
    #[arg(short = 'n', long)]
    dry_run: bool,
    /// Print each entry with what becomes of it (`keep`, `prune`, `would prune`).
    #[arg(long)]
    verbose: bool,
}

impl KeepArgs {
    fn options(&self) -> reftable::store::ExpireOptions {
        reftable::store::ExpireOptions {
            rewrite: self.rewrite,
            update_ref: self.updateref,
            dry_run: self.dry_run,
        }
    }

    /// git's `should_expire_reflog_ent_verbose`: the entry's fate and its
    /// message as stored (git's messages end in a line feed). `would`: git
    /// says "would prune" (it does not for `expire` of named reflogs).
    fn report(&self, out: &mut Vec<u8>, drop: bool, would: bool, message: &[u8]) {
        if self.verbose {
            let message = &message[..message.iter().position(|&b| b == 0).unwrap_or(message.len())];
            out.extend_from_slice(match (drop, would) {
                (false, _) => b"keep ",
                (true, true) => b"would prune ",
                (true, false) => b"prune ",
            });
            out.extend_from_slice(message);
        }
    }
}

/// Which entry `reflog delete` names after `@{` (git's `reflog_delete`):
/// a number closed by `}` (as C's `strtoul` reads it, taken as an `int`;
/// `@{}` is 0) is an index, newest 0; anything else is a date, naming the
/// newest entry older than it (`times`: the entries' times, newest first).
/// `None`: no entry; an index past the end names none either.
fn delete_index(spec: &str, times: impl FnOnce() -> Vec<u64>, now: u64) -> Option<usize> {
    let t = crate::ctype::skip_c_space(spec);
    let (negative, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let len = digits.bytes().take_while(u8::is_ascii_digit).count();
    let (value, rest) = if len == 0 {
        (0, spec)
    } else {
        (digits[..len].parse::<u64>().unwrap_or(u64::MAX), &digits[len..])
    };
    if rest.starts_with('}') {
        let value = if negative { value.wrapping_neg() } else { value };
        // C's conversion to int keeps the low 32 bits.
        return usize::try_from(value as u32 as i32).ok();
    }
    let times = times();
    let date = crate::approxidate::approxidate(spec, now as i64).max(0) as u64;
    let older = times.iter().filter(|&&t| t < date).count();
    (older > 0).then(|| times.len() - older)
}

#[derive(clap::Subcommand)]
pub enum Reflog {
    /// Show a reflog, newest first (HEAD by default).
    Show(ShowArgs),
    /// List the references that have a reflog.
    List {
        /// None are taken (git's error names the first).
        #[arg(hide = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Exit 0 if the reference has a reflog.
    Exists {
        name: String,
        /// Ignored, as git ignores them.
        #[arg(hide = true)]
        rest: Vec<String>,
    },
    /// Delete entries given as <ref>@{<n>}.
    Delete {
        #[command(flatten)]
        keep: KeepArgs,
        entries: Vec<String>,
    },
    /// Drop entries older than --expire (default `gc.reflogExpire`, 90
    /// days), and those older than --expire-unreachable (default
    /// `gc.reflogExpireUnreachable`, 30 days) whose commits the ref (all
    /// refs, for HEAD) no longer reaches. Times as git takes them: `now`,
    /// `all`, `never`, `2.weeks.ago`, a date, a Unix time.
    Expire {
        #[arg(long)]
        expire: Option<String>,
        #[arg(long)]
        expire_unreachable: Option<String>,
        #[arg(long)]
        all: bool,
        /// With --all, only the current worktree's reflogs (without it,
        /// also the other worktrees' own, as `worktrees/<id>/HEAD`).
        #[arg(long)]
        single_worktree: bool,
        #[command(flatten)]
        keep: KeepArgs,
        names: Vec<String>,
    },
}

/// A time limit as git's `parse_expiry_date` reads it: `never`/`false`
/// keep everything, `all`/`now` nothing, anything else is a date (`None`
/// if it is none).
fn expiry_date(t: &str, now: u64) -> Option<u64> {
    match t {
        "never" | "false" => Some(0),
        "all" | "now" => Some(u64::MAX),
        _ => crate::approxidate::approxidate_careful(t, now as i64).map(|t| t.max(0) as u64),
    }
}

/// Which commits a reflog's ref still reaches, for entries between the two
/// limits of `reflog expire` (git's `reflog_expiry_prepare`): from the
/// ref's commit, or from every ref for HEAD; all are lost if the ref has no
/// commit or the limits leave no such window. The reflog is read and the
/// commits walked only if there is a window and an entry lies in it, before
/// the expiry starts (which holds the stack while it asks).
struct Reachability {
    /// No window between the limits: every entry in it is dropped.
    always: bool,
    /// The commits reached (empty if the ref has no commit, or no entry
    /// asks).
    reached: std::collections::HashSet<gix_hash::ObjectId>,
}

impl Reachability {
    fn new(repo: &Repo, store: &Store, name: &str, total: u64, unreachable: u64) -> Result<Self, Fatal> {
        let always = unreachable <= total;
        let mut reached = std::collections::HashSet::new();
        let in_window = |l: &gix_ref::log::Line| {
            let t = l.signature.time.seconds.max(0) as u64;
            t >= total && t < unreachable
        };
        if !always
            && store
                .reflog_iter(name.as_bytes())
                .map_err(|e| Fatal::msg(e.to_string()))?
                .into_iter()
                .flatten()
                .any(|l| l.is_ok_and(|l| in_window(&l)))
        {
            let tips = tips(repo, name);
            if let (Ok(gix), false) = (repo.gix(), tips.is_empty()) {
                if let Ok(walk) = gix.rev_walk(tips).all() {
                    reached.extend(walk.filter_map(Result::ok).map(|info| info.id));
                }
            }
        }
        Ok(Reachability { always, reached })
    }

    /// Whether the entry's commit `id` is no longer reached (the null id
    /// never is; a missing object always is).
    fn lost(&self, id: &[u8]) -> bool {
        if id.iter().all(|&b| b == 0) {
            return false;
        }
        self.always || gix_hash::ObjectId::try_from(id).map_or(true, |id| !self.reached.contains(&id))
    }
}

/// The commits `reflog expire` walks from for the reflog of `name`: the
/// ref's own, or every ref's under `refs/` for HEAD (as git; the HEAD of a worktree too).
fn tips(repo: &Repo, name: &str) -> Vec<gix_hash::ObjectId> {
    let Ok(gix) = repo.gix() else { return Vec::new() };
    let commit = |id: gix_hash::ObjectId| {
        id.attach(gix)
            .object()
            .ok()
            .and_then(|o| o.peel_to_commit().ok())
            .map(|c| c.id)
    };
    let mut tips = Vec::new();
    // git's is_head: HEAD, also another worktree's (not refs/remotes/x/HEAD).
    let stripped = match name.strip_prefix("worktrees/") {
        Some(rest) => rest.split_once('/').map_or(name, |(_, r)| r),
        None => name.strip_prefix("main-worktree/").unwrap_or(name),
    };
    if stripped == "HEAD" {
        // git's refs_for_each_ref: the refs under `refs/`, not HEAD nor
        // root refs (`ORIG_HEAD` keeps nothing). A failed listing leaves
        // fewer tips: more entries are dropped, as git drops them when it
        // cannot read a ref.
        let _ = repo.for_each("refs/", &mut |r| {
            tips.extend(r.target.try_id().map(ToOwned::to_owned).and_then(commit));
            true
        });
    } else {
        // The ref's own value, as git's reftable backend reads it: a
        // symref has none, so its unreachable entries all go.
        tips.extend(
            repo.exact(name.into())
                .and_then(|r| r.target.try_id().map(ToOwned::to_owned))
                .and_then(commit),
        );
    }
    tips
}

fn reftable_store(repo: &Repo) -> Result<&Store, Fatal> {
    repo.refs
        .as_reftable()
        .ok_or_else(|| Fatal::msg("this operation needs a reftable repository"))
}

/// The reflogs of a files repository as git's files backend lists them:
/// the files under `logs/` whose base name is a valid ref name component,
/// each directory's entries in byte order, depth first. In a linked
/// worktree its own `logs/` and the shared reflogs of the common directory
/// are merged by name, the worktree's shadowing the common ones.
fn files_reflog_names(repo: &gix::Repository) -> Vec<Vec<u8>> {
    fn walk(dir: &std::path::Path, prefix: &mut Vec<u8>, out: &mut Vec<Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = gix::path::os_str_into_bstr(&e.file_name()).map(|n| n.to_vec()).ok();
            // Not following symbolic links, as git's dir_iterator.
            let (Some(name), Ok(meta)) = (name, e.file_type()) else {
                continue;
            };
            let len = prefix.len();
            prefix.extend_from_slice(&name);
            if meta.is_dir() {
                prefix.push(b'/');
                walk(&e.path(), prefix, out);
            } else if meta.is_file() && gix_validate::reference::name_partial(name.as_bstr()).is_ok() {
                out.push(prefix.clone());
            }
            prefix.truncate(len);
        }
    }
    let list = |dir: &std::path::Path| {
        let mut out = Vec::new();
        walk(&dir.join("logs"), &mut Vec::new(), &mut out);
        out
    };
    let common = list(repo.common_dir());
    if repo.git_dir() == repo.common_dir() {
        return common;
    }
    // git's merge of a worktree's and the common reflogs (ref_iterator_select).
    let own = list(repo.git_dir());
    let (mut a, mut b) = (own.into_iter().peekable(), common.into_iter().peekable());
    let mut out = Vec::new();
    loop {
        match (a.peek(), b.peek()) {
            (None, None) => return out,
            (Some(_), None) => out.extend(a.next()),
            (w, Some(c)) => {
                if let Some(w) = w {
                    match w.cmp(c) {
                        std::cmp::Ordering::Less => {
                            out.extend(a.next());
                            continue;
                        }
                        std::cmp::Ordering::Equal => {
                            out.extend(a.next());
                            b.next();
                            continue;
                        }
                        std::cmp::Ordering::Greater => {}
                    }
                }
                let c = b.next().expect("peeked");
                if !reftable::name::is_per_worktree(&c) {
                    out.push(c);
                }
            }
        }
    }
}

/// The full name the user means, git's `dwim_log`.
fn log_name(repo: &Repo, name: &str) -> Option<String> {
    // git's `repo_dwim_log`: the ref must resolve to an object; its own
    // reflog, else the reflog of the ref it resolves to.
    let r = repo.refs.try_find_ref(name.into()).ok().flatten()?;
    let (last, _) = repo.follow(&r)?;
    let has_log = |r: &gix_ref::Reference| repo.refs.reflog_exists(r.name.as_ref()).unwrap_or(false);
    let found = if has_log(&r) { Some(r) } else { last.filter(has_log) };
    found.map(|r| r.name.as_bstr().to_str_lossy().into_owned())
}

pub fn reflog(repo: &Repo, cmd: Reflog, out: &mut dyn Write) -> Result<i32, Fatal> {
    match cmd {
        Reflog::Show(ShowArgs { args }) => crate::reflog_show::run(repo, &args, out),
        Reflog::List { args } => {
            // git's parse_options: options anywhere up to `--`, none known.
            // clap drops a first `--`: read the words after `reflog list`.
            let raw: Vec<String> = std::env::args().collect();
            let args = match raw.windows(2).position(|w| w[0] == "reflog" && w[1] == "list") {
                Some(at) => raw[at + 2..].to_vec(),
                None => args,
            };
            let ends = args.iter().position(|a| a == "--").unwrap_or(args.len());
            for a in &args[..ends] {
                let unknown = match (a.strip_prefix("--"), a.strip_prefix('-')) {
                    (Some(long), _) => format!("unknown option `{long}'"),
                    (None, Some(short)) if !short.is_empty() => {
                        format!("unknown switch `{}'", short.chars().next().unwrap_or('-'))
                    }
                    _ => continue,
                };
                return Err(Fatal::usage(format!("{unknown}\nusage: git reflog list\n")));
            }
            let args: Vec<&String> = args[..ends].iter().chain(args.iter().skip(ends + 1)).collect();
            if let Some(first) = args.first() {
                return Err(Fatal {
                    msg: format!("list does not accept arguments: '{first}'"),
                    code: 255,
                    died: false,
                });
            }
            let names = match repo.refs.as_reftable() {
                Some(store) => store.reflog_names().map_err(|e| Fatal::msg(e.to_string()))?,
                None => files_reflog_names(repo.gix()?),
            };
            for n in names {
                out.write_all(&n)?;
                out.write_all(b"\n")?;
            }
            Ok(0)
        }
        Reflog::Exists { name, .. } => {
            // git's `check_refname_format` with one-level names allowed.
            if gix_validate::reference::name_partial(name.as_str().into()).is_err() {
                return Err(Fatal::msg(format!("invalid ref format: {name}")));
            }
            let exists = gix_ref::FullName::try_from(name.as_str())
                .ok()
                .map(|n| repo.refs.reflog_exists(n.as_ref()).unwrap_or(false))
                .unwrap_or(false);
            Ok(if exists { 0 } else { 1 })
        }
        Reflog::Delete { keep, entries } => {
            if entries.is_empty() {
                return Err(Fatal {
                    msg: "no reflog specified to delete".into(),
                    code: 255,
                    died: false,
                });
            }
            let store = reftable_store(repo)?;
            let now = crate::date::now();
            for e in entries {
                let parsed = e.split_once("@{");
                let Some((name, spec)) = parsed else {
                    return Err(Fatal {
                        msg: format!("not a reflog: {e}"),
                        code: 255,
                        died: false,
                    });
                };
                let Some(full) = log_name(repo, name) else {
                    return Err(Fatal {
                        msg: format!("no reflog for '{e}'"),
                        code: 255,
                        died: false,
                    });
                };
                // The entries' times, read only for a date.
                let times = || -> Vec<u64> {
                    gix_ref::FullName::try_from(full.as_str())
                        .ok()
                        .and_then(|f| repo.refs.reflog(f.as_ref()).ok().flatten())
                        .unwrap_or_default()
                        .iter()
                        .map(|l| l.signature.time.seconds as u64)
                        .collect()
                };
                // An entry past the end deletes nothing, and is no error.
                let n = delete_index(spec, times, now);
                let mut report = Vec::new();
                store
                    .reflog_expire(full.as_bytes(), keep.options(), |i, u| {
                        let drop = Some(i) == n;
                        keep.report(&mut report, drop, keep.dry_run, &u.message);
                        drop
                    })
                    .map_err(|e| Fatal::msg(e.to_string()))?;
                out.write_all(&report)?;
            }
            Ok(0)
        }
        Reflog::Expire {
            expire,
            expire_unreachable,
            all,
            single_worktree,
            keep,
            names,
        } => {
            let store = reftable_store(repo)?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            // As git: the defaults count back from the clock, dates from
            // git's current time (`GIT_TEST_DATE_NOW` included).
            let dates_from = crate::date::now();
            let config = repo.gix()?.config_snapshot();
            let limit = |given: Option<String>, option: &str, key: &str, days: u64| match given {
                Some(t) => expiry_date(&t, dates_from)
                    .ok_or_else(|| Fatal::msg(format!("invalid timestamp '{t}' given to '--{option}'"))),
                None => match config.string(key) {
                    Some(v) => expiry_date(&v.to_str_lossy(), dates_from)
                        .ok_or_else(|| Fatal::msg(format!("'{v}' for '{key}' is not a valid timestamp"))),
                    None => Ok(now.saturating_sub(days * 24 * 3600)),
                },
            };
            let total = limit(expire, "expire", "gc.reflogExpire", 90)?;
            let unreachable = limit(
                expire_unreachable,
                "expire-unreachable",
                "gc.reflogExpireUnreachable",
                30,
            )?;
            // As git: every reflog with --all (also of refs that are gone,
            // "would prune" in a dry run), then the names given (whose
            // dry run git reports as "prune").
            let mut targets: Vec<(String, bool)> = Vec::new();
            if all {
                let names = if single_worktree {
                    store.reflog_names()
                } else {
                    store.reflog_names_of_all_worktrees()
                };
                let names = names.map_err(|e| Fatal::msg(e.to_string()))?;
                targets.extend(names.iter().map(|n| (n.to_str_lossy().into_owned(), true)));
            }
            let mut status = 0;
            for name in names {
                match log_name(repo, &name) {
                    Some(full) => targets.push((full, false)),
                    None => {
                        eprintln!("error: {} points nowhere!", crate::reportable(&name));
                        status = 255;
                    }
                }
            }
            for (full, listed) in targets {
                let reach = Reachability::new(repo, store, &full, total, unreachable)?;
                let mut report = Vec::new();
                store
                    .reflog_expire(full.as_bytes(), keep.options(), |_, e| {
                        let drop = e.time < total
                            || (e.time < unreachable && (reach.lost(&e.old_id) || reach.lost(&e.new_id)));
                        keep.report(&mut report, drop, keep.dry_run && listed, &e.message);
                        drop
                    })
                    .map_err(|e| Fatal::msg(e.to_string()))?;
                out.write_all(&report)?;
            }
            Ok(status)
        }
    }
}

pub fn pack_refs(repo: &Repo, auto: bool) -> Result<i32, Fatal> {
    let store = reftable_store(repo)?;
    let pb = crate::progress::spinner("Compacting tables");
    let res = store.pack_refs(auto).map_err(|e| Fatal::msg(e.to_string()));
    crate::progress::done(pb);
    res.map(|()| 0)
}

#[derive(clap::Subcommand)]
pub enum Refs {
    /// Check the reference database (tables, names, conflicts).
    Verify {
        #[arg(long)]
        strict: bool,
        #[arg(long)]
        verbose: bool,
    },
    /// Convert the repository to another reference format.
    Migrate {
        #[arg(long = "ref-format")]
        ref_format: String,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        no_reflog: bool,
    },
}

fn format_of(s: &str) -> Result<RefFormat, Fatal> {
    match s {
        "reftable" => Ok(RefFormat::Reftable),
        "files" => Ok(RefFormat::Files),
        other => Err(Fatal {
            msg: format!("unknown ref storage format '{other}'"),
            code: 255,
            died: false,
        }),
    }
}

pub fn refs(repo: &Repo, cmd: Refs, out: &mut dyn Write) -> Result<i32, Fatal> {
    match cmd {
        Refs::Verify { .. } => {
            let Some(store) = repo.refs.as_reftable() else {
                return Ok(0);
            };
            let problems = store.verify().map_err(|e| Fatal::msg(e.to_string()))?;
            for p in &problems {
                eprintln!("error: {}: {}: {}", p.subject, p.id, p.message);
            }
            Ok(if problems.is_empty() { 0 } else { 1 })
        }
        Refs::Migrate {
            ref_format,
            dry_run,
            no_reflog,
        } => {
            let to = format_of(&ref_format)?;
            if (to == RefFormat::Reftable) == repo.refs.as_reftable().is_some() {
                return Err(Fatal {
                    msg: format!("repository already uses '{ref_format}' format"),
                    code: 255,
                    died: false,
                });
            }
            let pb = crate::progress::spinner("Migrating refs");
            let res = reftable::store::migrate(repo.gix()?.common_dir(), to, dry_run, no_reflog);
            crate::progress::done(pb);
            match res {
                Ok(report) => {
                    if dry_run {
                        writeln!(
                            out,
                            "Finished dry-run migration of refs, the result can be found at '{}'",
                            report.staged.display()
                        )?;
                    }
                    Ok(0)
                }
                Err(e) => Err(Fatal {
                    msg: match e {
                        // git's words alone, as git prints them.
                        reftable::store::Error::Unsupported { reason, .. } => reason.to_owned(),
                        e => e.to_string(),
                    },
                    code: 255,
                    died: false,
                }),
            }
        }
    }
}

#[derive(clap::Args)]
pub struct InitArgs {
    /// reftable (default) or files.
    #[arg(long = "ref-format", default_value = "reftable")]
    ref_format: String,
    /// sha1 (default) or sha256.
    #[arg(long = "object-format", default_value = "sha1")]
    object_format: String,
    /// Create a bare repository.
    #[arg(long)]
    bare: bool,
    /// The initial branch.
    #[arg(short = 'b', long = "initial-branch", default_value = "master")]
    initial_branch: String,
    /// Print nothing.
    #[arg(short, long)]
    quiet: bool,
    /// The directory (created if needed).
    dir: PathBuf,
}

pub fn init(a: InitArgs, out: &mut dyn Write) -> Result<i32, Fatal> {
    let object_hash = match a.object_format.as_str() {
        "sha1" => gix_hash::Kind::Sha1,
        "sha256" => gix_hash::Kind::Sha256,
        other => return Err(Fatal::msg(format!("unknown hash algorithm '{other}'"))),
    };
    let opts = reftable::store::InitOptions {
        bare: a.bare,
        object_hash,
        initial_branch: a.initial_branch,
    };
    // A fatal error for init, before anything is made.
    let format = format_of(&a.ref_format).map_err(|f| Fatal::msg(f.msg))?;
    // As git, an existing repository is left as it is.
    let existing = if a.bare { a.dir.clone() } else { a.dir.join(".git") };
    if existing.join("HEAD").is_file() {
        if !a.quiet {
            let abs = std::fs::canonicalize(&existing).unwrap_or(existing);
            writeln!(out, "Reinitialized existing Git repository in {}/", as_git_shows(&abs))?;
        }
        return Ok(0);
    }
    std::fs::create_dir_all(&a.dir).map_err(|e| Fatal::msg(format!("cannot mkdir {}: {e}", a.dir.display())))?;
    let git_dir = match format {
        RefFormat::Reftable => reftable::store::init(&a.dir, &opts).map_err(|e| Fatal::msg(e.to_string()))?,
        RefFormat::Files => {
            // Made as reftable, then migrated: one code path for both formats.
            let gd = reftable::store::init(&a.dir, &opts).map_err(|e| Fatal::msg(e.to_string()))?;
            reftable::store::migrate(&gd, RefFormat::Files, false, false).map_err(|e| Fatal::msg(e.to_string()))?;
            gd
        }
    };
    if !a.quiet {
        let abs = std::fs::canonicalize(&git_dir).unwrap_or(git_dir);
        writeln!(out, "Initialized empty Git repository in {}/", as_git_shows(&abs))?;
    }
    Ok(0)
}

/// A canonical path as git prints it: on Windows without the `\\?\` prefix
/// of a canonical path and with `/` separators, as git for Windows shows them.
fn as_git_shows(p: &std::path::Path) -> String {
    let shown = p.display().to_string();
    if cfg!(windows) {
        shown.trim_start_matches(r"\\?\").replace('\\', "/")
    } else {
        shown
    }
}
