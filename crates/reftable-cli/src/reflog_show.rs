//! `reflog show`: git's `cmd_log_reflog`, that is `git log --walk-reflogs
//! --abbrev-commit --pretty=oneline`, for the options scripts use with it:
//! several refs (their entries merged newest first, as `reflog-walk.c`
//! does), `--all`, `-<n>`/`-n`/`--max-count`, `--skip`, the abbreviation
//! options, `--date`, and the `--pretty`/`--format` formats (the built-in
//! ones but the e-mail formats, and user formats with the commit, person
//! and reflog placeholders of `pretty.c`).

use std::cell::OnceCell;
use std::io::Write;
use std::rc::Rc;

use gix_ref::bstr::{BStr, ByteSlice};
use gix_ref::log::Line;

use crate::approxidate;
use crate::date::{self, DateFormat, DateMode};
use crate::repo::Repo;
use crate::Fatal;

/// git's built-in `--pretty` formats we show.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Builtin {
    Oneline,
    Short,
    Medium,
    Full,
    Fuller,
    Raw,
}

#[derive(Clone, Debug, PartialEq)]
enum Pretty {
    Builtin(Builtin),
    /// A user format; `terminator`: each entry ends with a newline
    /// (`tformat:`), else entries are separated by one (`format:`).
    User {
        format: String,
        terminator: bool,
    },
}

/// The options of `reflog show`, as git's `setup_revisions` reads them.
struct Options {
    max_count: Option<usize>,
    skip: usize,
    abbrev_commit: bool,
    abbrev_commit_given: bool,
    /// `None`: as `core.abbrev` says; `Some(0)`: whole ids.
    abbrev: Option<usize>,
    pretty: Pretty,
    pretty_given: bool,
    /// Given with `--date`/`--relative-date`: selectors show dates.
    date: Option<DateMode>,
    /// The date mode of the `reference` format, unless `--date` says
    /// (it stays when a later `--pretty` changes the format, as in git).
    format_date: Option<DateMode>,
    expand_tabs: Option<usize>,
    /// The tab width the last named format set (git's
    /// `expand_tabs_in_log_default`; user formats and a bare `--pretty`
    /// leave it).
    expand_default: usize,
    color: Option<String>,
    all: bool,
    /// What ends (or separates) entries: newline, or NUL with `-z`.
    termination: u8,
    revs: Vec<String>,
}

fn not_supported(what: &str) -> Fatal {
    Fatal::msg(format!("reflog show: {what} is not supported by reftable"))
}

/// git's `parse_count` / `strtol_i`: a whole decimal `int`.
fn count(arg: &str, what: &str) -> Result<Option<usize>, Fatal> {
    let n: i32 = arg
        .parse()
        .map_err(|_| Fatal::msg(format!("'{what}': not an integer")))?;
    Ok(usize::try_from(n).ok())
}

/// git's `get_commit_format`.
fn pretty(arg: &str, o: &mut Options) -> Result<(), Fatal> {
    o.pretty_given = true;
    if let Some(f) = arg.strip_prefix("format:") {
        o.pretty = Pretty::User {
            format: f.to_owned(),
            terminator: false,
        };
        return Ok(());
    }
    if arg.is_empty() || arg.starts_with("tformat:") || arg.contains('%') {
        o.pretty = Pretty::User {
            format: arg.strip_prefix("tformat:").unwrap_or(arg).to_owned(),
            terminator: true,
        };
        return Ok(());
    }
    // By case-insensitive prefix, the shortest name winning.
    const NAMES: [&str; 9] = [
        "raw",
        "medium",
        "short",
        "email",
        "mboxrd",
        "fuller",
        "full",
        "oneline",
        "reference",
    ];
    let found = NAMES
        .iter()
        .filter(|n| n.len() >= arg.len() && n[..arg.len()].eq_ignore_ascii_case(arg))
        .min_by_key(|n| n.len());
    o.expand_default = match found.copied() {
        Some("medium" | "full" | "fuller") => 8,
        _ => 0,
    };
    o.pretty = match found.copied() {
        Some("raw") => Pretty::Builtin(Builtin::Raw),
        Some("medium") => Pretty::Builtin(Builtin::Medium),
        Some("short") => Pretty::Builtin(Builtin::Short),
        Some("fuller") => Pretty::Builtin(Builtin::Fuller),
        Some("full") => Pretty::Builtin(Builtin::Full),
        Some("oneline") => Pretty::Builtin(Builtin::Oneline),
        Some("reference") => {
            o.format_date = Some(DateMode {
                kind: DateFormat::Short,
                local: false,
            });
            Pretty::User {
                format: "%C(auto)%h (%s, %ad)".into(),
                terminator: true,
            }
        }
        Some(other) => return Err(not_supported(&format!("--pretty={other}"))),
        None => return Err(Fatal::msg(format!("invalid --pretty format: {arg}"))),
    };
    Ok(())
}

/// Options git's `git log` knows that we do not show (git's own words
/// for the others: "unrecognized argument").
const UNSUPPORTED: [&str; 30] = [
    "--reverse",
    "--graph",
    "--decorate",
    "--stat",
    "--patch",
    "-p",
    "-u",
    "--name-only",
    "--name-status",
    "--grep",
    "--grep-reflog",
    "--author",
    "--committer",
    "--since",
    "--until",
    "--after",
    "--before",
    "--merges",
    "--no-merges",
    "--first-parent",
    "--follow",
    "--mailmap",
    "--use-mailmap",
    "--notes",
    "--show-signature",
    "--left-right",
    "--branches",
    "--tags",
    "--remotes",
    "--glob",
];

fn parse(args: &[String]) -> Result<Options, Fatal> {
    let mut o = Options {
        max_count: None,
        skip: 0,
        abbrev_commit: true,
        abbrev_commit_given: false,
        abbrev: None,
        pretty: Pretty::Builtin(Builtin::Oneline),
        pretty_given: false,
        date: None,
        format_date: None,
        expand_tabs: None,
        expand_default: 8,
        color: None,
        all: false,
        termination: b'\n',
        revs: Vec::new(),
    };
    let mut i = 0;
    let mut options = true;
    while i < args.len() {
        let a = args[i].as_str();
        i += 1;
        if !options || !a.starts_with('-') || a == "-" {
            o.revs.push(a.to_owned());
            continue;
        }
        // The value of `--<name>=<v>` or `--<name> <v>` (git's `parse_long_opt`).
        let mut long = |name: &str| -> Result<Option<String>, Fatal> {
            if let Some(v) = a.strip_prefix("--").and_then(|r| r.strip_prefix(name)) {
                if let Some(v) = v.strip_prefix('=') {
                    return Ok(Some(v.to_owned()));
                }
                if v.is_empty() {
                    let v = args
                        .get(i)
                        .ok_or_else(|| Fatal::msg(format!("Option '{name}' requires a value")))?;
                    i += 1;
                    return Ok(Some(v.clone()));
                }
            }
            Ok(None)
        };
        if let Some(v) = long("max-count")? {
            o.max_count = count(&v, &v)?;
        } else if let Some(v) = long("skip")? {
            o.skip = count(&v, &v)?.unwrap_or(0);
        } else if let Some(v) = long("date")? {
            o.date = Some(date::parse(&v)?);
        } else if let Some(v) = a.strip_prefix("--pretty=").or_else(|| a.strip_prefix("--format=")) {
            pretty(v, &mut o)?;
        } else if let Some(v) = a.strip_prefix("--abbrev=") {
            let hexsz = 64;
            o.abbrev = Some(crate::ctype::strtoul_ui(v).unwrap_or(0).clamp(4, hexsz) as usize);
        } else if let Some(v) = a.strip_prefix("--expand-tabs=") {
            o.expand_tabs = Some(count(v, v)?.unwrap_or(0));
        } else if let Some(v) = a.strip_prefix("--color=") {
            o.color = Some(v.to_owned());
        } else if let Some(n) = a.strip_prefix("-n") {
            let v = if n.is_empty() {
                let v = args
                    .get(i)
                    .ok_or_else(|| Fatal::msg("Option 'n' requires a value"))?
                    .clone();
                i += 1;
                v
            } else {
                n.to_owned()
            };
            o.max_count = count(&v, &v)?;
        } else if a.len() > 1 && a.as_bytes()[1].is_ascii_digit() {
            o.max_count = count(&a[1..], &a[1..])?;
        } else {
            match a {
                "--" => {
                    if let Some(path) = args.get(i) {
                        return Err(not_supported(&format!("a path ('{path}')")));
                    }
                    break;
                }
                "--end-of-options" => options = false,
                "-g" | "--walk-reflogs" => {}
                "-z" => o.termination = 0,
                "--all" => o.all = true,
                "--oneline" => {
                    pretty("oneline", &mut o)?;
                    o.abbrev_commit = true;
                }
                "--pretty" => {
                    // git's `get_commit_format(NULL)`: medium, nothing else changed.
                    o.pretty_given = true;
                    o.pretty = Pretty::Builtin(Builtin::Medium);
                }
                "--abbrev-commit" => {
                    o.abbrev_commit = true;
                    o.abbrev_commit_given = true;
                }
                "--no-abbrev-commit" => o.abbrev_commit = false,
                "--abbrev" => o.abbrev = None,
                "--no-abbrev" => o.abbrev = Some(0),
                "--relative-date" => {
                    o.date = Some(DateMode {
                        kind: DateFormat::Relative,
                        local: false,
                    })
                }
                "--expand-tabs" => o.expand_tabs = Some(8),
                "--no-expand-tabs" => o.expand_tabs = Some(0),
                "--color" => o.color = Some("always".into()),
                "--no-color" => o.color = Some("never".into()),
                "--no-decorate" | "--no-notes" | "--no-mailmap" | "--no-use-mailmap" | "--no-graph" => {}
                _ if UNSUPPORTED
                    .iter()
                    .any(|u| a == *u || a.strip_prefix(u).is_some_and(|r| r.starts_with('='))) =>
                {
                    return Err(not_supported(&format!("option '{a}'")))
                }
                _ => return Err(Fatal::msg(format!("unrecognized argument: {a}"))),
            }
        }
    }
    // `log --pretty=raw` shows whole ids unless --abbrev-commit is given.
    if o.pretty_given && o.pretty == Pretty::Builtin(Builtin::Raw) && !o.abbrev_commit_given {
        o.abbrev_commit = false;
    }
    Ok(o)
}

/// How an entry's selector is shown (`reflog-walk.c`'s `selector_type`).
#[derive(Clone, Copy, PartialEq)]
enum Selector {
    None,
    Index,
    Date,
}

/// One reflog being walked (git's `commit_reflog`): entries oldest first,
/// the next to show at `recno` (counting down).
struct Walk {
    /// The name as given (or as git's `dwim_log` found it).
    name: String,
    lines: Rc<Vec<Line>>,
    recno: isize,
    selector: Selector,
}

/// git's `read_complete_reflog`: the reflog of `name`, of what it resolves
/// to, of `refs/<name>` or of `refs/heads/<name>`.
fn read_reflog(repo: &Repo, name: &str) -> Result<Vec<Line>, Fatal> {
    let read = |n: &str| -> Result<Vec<Line>, Fatal> {
        let Ok(full) = gix_ref::FullName::try_from(n) else {
            return Ok(Vec::new());
        };
        Ok(repo
            .refs
            .reflog(full.as_ref())
            .map_err(|e| Fatal::msg(e.to_string()))?
            .unwrap_or_default())
    };
    let mut lines = read(name)?;
    if lines.is_empty() {
        if let Some(r) = repo.exact(name.into()) {
            if let Some((Some(last), _)) = repo.follow(&r) {
                lines = read(&last.name.as_bstr().to_str_lossy())?;
            }
        }
    }
    for prefix in ["refs/", "refs/heads/"] {
        if lines.is_empty() {
            lines = read(&format!("{prefix}{name}"))?;
        }
    }
    Ok(lines)
}

/// git's `dwim_log`: the full name of the first ref by git's rules that
/// has a reflog or exists.
fn dwim_log(repo: &Repo, name: &str) -> Option<String> {
    for (i, (pre, post)) in crate::repo::REV_PARSE_RULES.iter().enumerate() {
        let full = format!("{pre}{name}{post}");
        let Ok(fname) = gix_ref::FullName::try_from(full.as_str()) else {
            continue;
        };
        if repo.refs.reflog_exists(fname.as_ref()).unwrap_or(false)
            || (i > 0 && repo.exact(full.as_str().into()).is_some())
        {
            return Some(full);
        }
    }
    None
}

/// git's error for a name that is neither a revision nor a path, with its hint.
fn ambiguous(name: &str) -> Fatal {
    Fatal::msg(format!(
        "ambiguous argument '{name}': unknown revision or path not in the working tree.\n\
         Use '--' to separate paths from revisions, like this:\n\
         'git <command> [<revision>...] -- [<file>...]'"
    ))
}

/// The walk for one revision argument (git's `handle_revision_arg` and
/// `add_reflog_for_walk`); `None` if it names no reflog.
fn walk_for(repo: &Repo, arg: &str) -> Result<Option<Walk>, Fatal> {
    // `<ref>@{<n>}` or `<ref>@{<date>}`.
    let (given, spec) = match arg.strip_suffix('}').and_then(|s| s.rsplit_once("@{")) {
        Some((b, s)) => (b, Some(s)),
        None => (arg, None),
    };
    let mut branch = if given.is_empty() && spec.is_some() {
        // `@{…}`: the branch HEAD is on (HEAD itself when detached).
        match repo.exact("HEAD".into()).map(|h| h.target) {
            Some(gix_ref::Target::Symbolic(t)) => t.as_bstr().to_str_lossy().into_owned(),
            _ => "HEAD".to_owned(),
        }
    } else {
        given.to_owned()
    };
    // The revision must resolve to an object: a ref, or the entry named.
    let mut lines = read_reflog(repo, &branch)?;
    if lines.is_empty() {
        if let Some(full) = dwim_log(repo, &branch) {
            branch = full;
            lines = read_reflog(repo, &branch)?;
        }
    }
    let nr = lines.len() as isize;
    let (recno, selector, target) = match spec {
        None => {
            let Some(r) = (if branch == "HEAD" {
                repo.exact("HEAD".into())
            } else {
                repo.refs.try_find_ref(branch.as_str().into()).ok().flatten()
            }) else {
                return Err(ambiguous(arg));
            };
            let Some(id) = repo.resolve(&r) else {
                if let (true, gix_ref::Target::Symbolic(t)) = (branch == "HEAD", &r.target) {
                    let b = t.as_bstr().to_str_lossy();
                    let b = b.strip_prefix("refs/heads/").unwrap_or(&b).to_owned();
                    return Err(Fatal::msg(format!(
                        "your current branch '{b}' does not have any commits yet"
                    )));
                }
                return Err(ambiguous(arg));
            };
            (nr - 1, Selector::None, Some(id))
        }
        // A number from 100000000 on is a time in seconds (git's get_oid_basic).
        Some(s)
            if !s.is_empty()
                && s.bytes().all(|b| b.is_ascii_digit())
                && s.parse().is_ok_and(|n: u64| n < 100_000_000) =>
        {
            let n: isize = s.parse().map_err(|_| ambiguous(arg))?;
            if lines.is_empty() {
                return Err(ambiguous(arg));
            }
            if n >= nr {
                if n == 0 {
                    return Err(ambiguous(arg));
                }
                return Err(Fatal::msg(format!("log for '{branch}' only has {nr} entries")));
            }
            let at = nr - 1 - n;
            (at, Selector::Index, Some(lines[at as usize].new_oid))
        }
        Some(s) => {
            // All digits: a time to resolve the revision, but the walk
            // takes them as an entry's number (git's add_reflog_for_walk
            // reads them so), which is past the end.
            let digits = s.bytes().all(|b| b.is_ascii_digit());
            let when = if digits {
                s.parse::<i64>().ok()
            } else {
                approxidate::approxidate_careful(s, date::now() as i64)
            };
            let when = when.ok_or_else(|| ambiguous(arg))?;
            if lines.is_empty() {
                return Err(ambiguous(arg));
            }
            // The ref as given (the branch's short name for `@{…}`), as
            // git's get_oid_basic names it.
            let given = match given {
                "" => branch.strip_prefix("refs/heads/").unwrap_or("HEAD"),
                given => given,
            };
            if when == 0 {
                // A time of 0 (`never`) is no time to git: an entry count.
                return Err(Fatal::msg(format!("log for '{given}' only has {nr} entries")));
            }
            let at = lines
                .iter()
                .rposition(|l| when >= l.signature.time.seconds)
                .map_or(-1, |p| p as isize);
            if at < 0 {
                // As git's get_oid_basic: the oldest entry's date.
                let t = lines[0].signature.time;
                let when = date::show(
                    t.seconds.max(0) as u64,
                    i64::from(reftable::reflog::seconds_to_tz(t.offset)),
                    &DateMode {
                        kind: DateFormat::Rfc,
                        local: false,
                    },
                )?;
                eprintln!("warning: log for '{given}' only goes back to {when}");
            }
            if digits {
                return Ok(None);
            }
            (at, Selector::Date, None)
        }
    };
    // Only a commit starts a walk (git adds a tag or tree as a plain revision, which a reflog walk ignores).
    if target.is_some_and(|id| repo.kind(id) != Some(gix::objs::Kind::Commit)) || lines.is_empty() || recno < 0 {
        return Ok(None);
    }
    Ok(Some(Walk {
        name: branch,
        lines: Rc::new(lines),
        recno,
        selector,
    }))
}

/// The entry shown, with what the format needs of its walk.
struct Entry<'w> {
    walk: &'w Walk,
    /// Index of the entry in `walk.lines`.
    at: usize,
}

impl Entry<'_> {
    fn line(&self) -> &Line {
        &self.walk.lines[self.at]
    }

    /// git's `get_reflog_selector`.
    fn selector(&self, repo: &Repo, date_mode: &DateMode, force_date: bool, shorten: bool) -> Result<String, Fatal> {
        let name = if shorten {
            repo.shorten(BStr::new(&self.walk.name))
        } else {
            self.walk.name.clone()
        };
        let what = if self.walk.selector == Selector::Date || (self.walk.selector == Selector::None && force_date) {
            let t = self.line().signature.time;
            date::show(
                t.seconds.max(0) as u64,
                i64::from(reftable::reflog::seconds_to_tz(t.offset)),
                date_mode,
            )?
        } else {
            (self.walk.lines.len() - 1 - self.at).to_string()
        };
        Ok(format!("{name}@{{{what}}}"))
    }

    /// The reflog's identity as git keeps it: `name <email>`.
    fn ident(&self) -> String {
        let s = &self.line().signature;
        format!("{} <{}>", s.name, s.email)
    }
}

/// The words after `reflog [show]` as given: the parser drops a first
/// `--` (and the command line rewrites `--end-of-options` to it), which
/// git's `setup_revisions` tells apart.
fn raw_args(parsed: &[String]) -> Vec<String> {
    let raw: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let mut i = 1;
    while let Some(a) = raw.get(i) {
        match a.as_str() {
            "-C" => i += 2,
            _ if a.starts_with("-C") => i += 1,
            _ => break,
        }
    }
    if raw.get(i).map(String::as_str) != Some("reflog") {
        return parsed.to_vec();
    }
    i += 1;
    if raw.get(i).map(String::as_str) == Some("show") {
        i += 1;
    }
    raw[i..].to_vec()
}

/// Runs `reflog show` with git's `log` arguments `args` (as parsed; the
/// command line's own words are used when they can be found).
pub fn run(repo: &Repo, args: &[String], out: &mut dyn Write) -> Result<i32, Fatal> {
    let mut o = parse(&raw_args(args))?;
    let color = crate::color::want(o.color.as_deref())?;
    let config_date = repo.gix().ok().and_then(|g| {
        g.config_snapshot()
            .string("log.date")
            .map(|s| s.to_str_lossy().into_owned())
    });
    let date_mode = match (&o.date, &o.format_date, config_date) {
        (Some(d), _, _) => d.clone(),
        (None, Some(d), _) => d.clone(),
        (None, None, Some(c)) => date::parse(&c)?,
        _ => DateMode {
            kind: DateFormat::Default,
            local: false,
        },
    };
    let mut walks = Vec::new();
    if o.all {
        let mut names = Vec::new();
        repo.for_each("refs/", &mut |r| {
            names.push(r.name.as_bstr().to_str_lossy().into_owned());
            true
        })?;
        names.push("HEAD".into());
        for n in names {
            if let Some(w) = walk_for(repo, &n).ok().flatten() {
                walks.push(w);
            }
        }
    }
    if o.revs.is_empty() && !o.all {
        o.revs.push("HEAD".into());
    }
    for r in &o.revs {
        if let Some(w) = walk_for(repo, r)? {
            walks.push(w);
        }
    }
    let expand_tabs = o.expand_tabs.unwrap_or(o.expand_default);
    let ctx = Context {
        repo,
        o: &o,
        date_mode,
        color,
        expand_tabs,
    };
    let (mut skip, mut left) = (o.skip, o.max_count.unwrap_or(usize::MAX));
    let mut shown_one = false;
    let mut buf = Vec::new();
    while left > 0 {
        // git's `next_reflog_entry`: of each walk's next commit entry, the
        // newest (the first given on ties).
        let mut best: Option<(usize, i64)> = None;
        for (k, w) in walks.iter_mut().enumerate() {
            while w.recno >= 0 && repo.kind(w.lines[w.recno as usize].new_oid) != Some(gix::objs::Kind::Commit) {
                w.recno -= 1;
            }
            if w.recno < 0 {
                continue;
            }
            let t = w.lines[w.recno as usize].signature.time.seconds;
            if best.is_none_or(|(_, bt)| t > bt) {
                best = Some((k, t));
            }
        }
        let Some((b, _)) = best else { break };
        let at = walks[b].recno as usize;
        walks[b].recno -= 1;
        if skip > 0 {
            skip -= 1;
            continue;
        }
        left -= 1;
        buf.clear();
        ctx.entry(&Entry { walk: &walks[b], at }, shown_one, &mut buf)?;
        shown_one = true;
        out.write_all(&buf)?;
    }
    Ok(0)
}

/// What formatting an entry needs beyond the entry.
struct Context<'a> {
    repo: &'a Repo,
    o: &'a Options,
    date_mode: DateMode,
    color: bool,
    expand_tabs: usize,
}

const COMMIT_COLOR: &str = "\x1b[33m";
const RESET: &str = "\x1b[m";

/// A commit's object, cut as `pretty.c` cuts it.
struct Commit {
    data: Vec<u8>,
    /// Where the empty line ending the headers starts (the end if none).
    message_off: usize,
}

impl Commit {
    fn new(data: Vec<u8>) -> Self {
        let mut i = 0;
        while i < data.len() && data[i] != b'\n' {
            i = data[i..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(data.len(), |e| i + e + 1);
        }
        Commit {
            message_off: i.min(data.len()),
            data,
        }
    }

    fn headers(&self) -> impl Iterator<Item = &[u8]> {
        self.data[..self.message_off]
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
    }

    fn header(&self, key: &str) -> Option<&[u8]> {
        self.headers()
            .find_map(|l| l.strip_prefix(key.as_bytes())?.strip_prefix(b" "))
    }

    fn parents(&self) -> Vec<gix_hash::ObjectId> {
        self.headers()
            .filter_map(|l| l.strip_prefix(b"parent "))
            .filter_map(|h| gix_hash::ObjectId::from_hex(h).ok())
            .collect()
    }

    fn tree(&self) -> Option<gix_hash::ObjectId> {
        self.header("tree").and_then(|h| gix_hash::ObjectId::from_hex(h).ok())
    }

    /// The message after the empty line (git's `%B`).
    fn raw_body(&self) -> &[u8] {
        self.data.get(self.message_off + 1..).unwrap_or_default()
    }

    /// git's `parse_commit_message`: the subject's and the body's offsets.
    fn subject_and_body(&self) -> (&[u8], &[u8]) {
        let msg = &self.data[self.message_off..];
        let subject = skip_blank_lines(msg);
        let mut rest = subject;
        loop {
            let (line, after) = one_line(rest);
            if line.is_empty() || is_blank(line) {
                break;
            }
            rest = after;
        }
        let body = skip_blank_lines(rest);
        (&subject[..subject.len() - rest.len()], body)
    }
}

/// git's `get_one_line`: the first line with its newline, and the rest.
fn one_line(s: &[u8]) -> (&[u8], &[u8]) {
    let end = s.iter().position(|&b| b == b'\n').map_or(s.len(), |e| e + 1);
    s.split_at(end)
}

/// A line without its trailing whitespace (git's `is_blank_line` trims it).
fn trimmed(line: &[u8]) -> &[u8] {
    let end = line
        .iter()
        .rposition(|b| !crate::ctype::is_space(*b))
        .map_or(0, |p| p + 1);
    &line[..end]
}

fn is_blank(line: &[u8]) -> bool {
    trimmed(line).is_empty()
}

fn skip_blank_lines(mut s: &[u8]) -> &[u8] {
    loop {
        let (line, rest) = one_line(s);
        if line.is_empty() || !is_blank(line) {
            return s;
        }
        s = rest;
    }
}

/// git's `format_subject`: the first paragraph's lines, trimmed, joined by `sep`.
fn format_subject(msg: &[u8], sep: &str, out: &mut Vec<u8>) {
    let mut rest = msg;
    let mut first = true;
    loop {
        let (line, after) = one_line(rest);
        rest = after;
        if line.is_empty() || is_blank(line) {
            break;
        }
        if !first {
            out.extend_from_slice(sep.as_bytes());
        }
        out.extend_from_slice(trimmed(line));
        first = false;
    }
}

/// git's `split_ident_line`, loosely: name, e-mail, and the time and zone
/// if there are any.
struct Ident<'a> {
    name: &'a [u8],
    mail: &'a [u8],
    date: Option<(&'a [u8], i64)>,
}

fn split_ident(line: &[u8]) -> Option<Ident<'_>> {
    let lt = line.iter().position(|&b| b == b'<')?;
    let gt = lt + line[lt..].iter().position(|&b| b == b'>')?;
    let name = trimmed(&line[..lt]);
    let name = &name[name
        .iter()
        .position(|b| !crate::ctype::is_space(*b))
        .unwrap_or(name.len())..];
    let rest = &line[gt + 1..];
    let rest = &rest[rest.iter().position(|b| *b != b' ').unwrap_or(rest.len())..];
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let date = (digits > 0).then(|| {
        let zone = rest[digits..].trim_start();
        let tz = std::str::from_utf8(zone)
            .ok()
            .and_then(|z| {
                let sign = usize::from(z.starts_with(['+', '-']));
                let n = z[sign..].bytes().take_while(u8::is_ascii_digit).count();
                z[..sign + n].parse::<i64>().ok()
            })
            .unwrap_or(0);
        (&rest[..digits], tz)
    });
    Some(Ident {
        name,
        mail: &line[lt + 1..gt],
        date,
    })
}

/// git's `show_ident_date`.
fn ident_date(id: &Ident<'_>, mode: &DateMode) -> Result<String, Fatal> {
    let (time, tz) = match id.date {
        Some((t, tz)) => match std::str::from_utf8(t).ok().and_then(|t| t.parse::<u64>().ok()) {
            Some(t) if t < i64::MAX as u64 => (t, tz),
            _ => (0, 0),
        },
        None => (0, 0),
    };
    date::show(time, tz, mode)
}

fn mode(kind: DateFormat) -> DateMode {
    DateMode { kind, local: false }
}

/// git's `format_person_part`: the bytes consumed (0: not a placeholder).
fn person_part(part: u8, ident: &[u8], dmode: &DateMode, out: &mut Vec<u8>) -> Result<usize, Fatal> {
    let Some(id) = split_ident(ident) else {
        return Ok(if b"netdDri".contains(&part) { 2 } else { 0 });
    };
    match part {
        // No mailmap: the mapped forms are the plain ones.
        b'n' | b'N' => out.extend_from_slice(id.name),
        b'e' | b'E' => out.extend_from_slice(id.mail),
        b'l' | b'L' => {
            let end = id.mail.iter().position(|&b| b == b'@').unwrap_or(id.mail.len());
            out.extend_from_slice(&id.mail[..end]);
        }
        _ if id.date.is_none() => return Ok(if b"netdDri".contains(&part) { 2 } else { 0 }),
        b't' => out.extend_from_slice(id.date.map(|d| d.0).unwrap_or_default()),
        b'd' => out.extend_from_slice(ident_date(&id, dmode)?.as_bytes()),
        b'D' => out.extend_from_slice(ident_date(&id, &mode(DateFormat::Rfc))?.as_bytes()),
        b'r' => out.extend_from_slice(ident_date(&id, &mode(DateFormat::Relative))?.as_bytes()),
        b'i' => out.extend_from_slice(ident_date(&id, &mode(DateFormat::Iso))?.as_bytes()),
        b'I' => out.extend_from_slice(ident_date(&id, &mode(DateFormat::IsoStrict))?.as_bytes()),
        b'h' => out.extend_from_slice(ident_date(&id, &mode(DateFormat::Human))?.as_bytes()),
        b's' => out.extend_from_slice(ident_date(&id, &mode(DateFormat::Short))?.as_bytes()),
        _ => return Ok(0),
    }
    Ok(2)
}

impl Context<'_> {
    /// An abbreviated id as `--abbrev` says (`%h`, `Merge:`).
    fn abbrev(&self, id: gix_hash::ObjectId) -> String {
        match self.o.abbrev {
            Some(0) => id.to_string(),
            n => self.repo.abbrev(id, n),
        }
    }

    /// The entry's commit, read when a format first asks for it (the
    /// default format never does: a long reflog is shown without reading
    /// its commits).
    fn commit<'c>(&self, id: gix_hash::ObjectId, cell: &'c OnceCell<Commit>) -> Result<&'c Commit, Fatal> {
        if let Some(c) = cell.get() {
            return Ok(c);
        }
        let obj = self
            .repo
            .gix()?
            .find_object(id)
            .map_err(|_| Fatal::msg(format!("unable to read {id}")))?;
        Ok(cell.get_or_init(|| Commit::new(obj.data.clone())))
    }

    /// One entry, with the separator before it when entries are separated.
    fn entry(&self, e: &Entry<'_>, shown_one: bool, out: &mut Vec<u8>) -> Result<(), Fatal> {
        let id = e.line().new_oid;
        let commit = OnceCell::new();
        let f = match &self.o.pretty {
            Pretty::User { format, terminator } => {
                if shown_one && !terminator {
                    out.push(self.o.termination);
                }
                self.user_format(format, e, &commit, out)?;
                // git's `commit_format_is_empty`: an empty format ends nothing.
                if *terminator && !format.is_empty() {
                    out.push(self.o.termination);
                }
                return Ok(());
            }
            Pretty::Builtin(f) => *f,
        };
        if shown_one && f != Builtin::Oneline {
            out.push(self.o.termination);
        }
        if self.color {
            out.extend_from_slice(COMMIT_COLOR.as_bytes());
        }
        if f != Builtin::Oneline {
            out.extend_from_slice(b"commit ");
        }
        let shown = if !self.o.abbrev_commit {
            id.to_string()
        } else {
            self.abbrev(id)
        };
        out.extend_from_slice(shown.as_bytes());
        if self.color {
            out.extend_from_slice(RESET.as_bytes());
        }
        let selector = e.selector(self.repo, &self.date_mode, self.o.date.is_some(), false)?;
        let message = &e.line().message;
        if f == Builtin::Oneline {
            out.extend_from_slice(format!(" {selector}: {message}\n").as_bytes());
            return Ok(());
        }
        out.extend_from_slice(format!("\nReflog: {selector} ({})\nReflog message: {message}\n", e.ident()).as_bytes());
        self.pretty_print(f, self.commit(id, &commit)?, out)
    }

    /// git's `pretty_print_commit` for the built-in formats but oneline.
    fn pretty_print(&self, f: Builtin, c: &Commit, out: &mut Vec<u8>) -> Result<(), Fatal> {
        let mut sb = Vec::new();
        let mut parents_shown = false;
        for line in c.headers() {
            if f == Builtin::Raw {
                sb.extend_from_slice(line);
                sb.push(b'\n');
                continue;
            }
            if line.starts_with(b"parent ") {
                continue;
            }
            if !parents_shown {
                let parents = c.parents();
                if parents.len() > 1 {
                    sb.extend_from_slice(b"Merge:");
                    for p in parents {
                        sb.extend_from_slice(format!(" {}", self.abbrev(p)).as_bytes());
                    }
                    sb.push(b'\n');
                }
                parents_shown = true;
            }
            if let Some(who) = line.strip_prefix(b"author ") {
                self.user_info(f, "Author", who, &mut sb)?;
            }
            if let (Some(who), Builtin::Full | Builtin::Fuller) = (line.strip_prefix(b"committer "), f) {
                self.user_info(f, "Commit", who, &mut sb)?;
            }
        }
        sb.push(b'\n');
        // git's `pp_remainder`, indented by four.
        let mut msg = skip_blank_lines(&c.data[c.message_off..]);
        let mut first = true;
        loop {
            let (line, rest) = one_line(msg);
            msg = rest;
            if line.is_empty() {
                break;
            }
            let line = trimmed(line);
            if line.is_empty() {
                if first {
                    continue;
                }
                if f == Builtin::Short {
                    break;
                }
            }
            first = false;
            sb.extend_from_slice(b"    ");
            if self.expand_tabs > 0 {
                tab_expand(line, self.expand_tabs, &mut sb);
            } else {
                sb.extend_from_slice(line);
            }
            sb.push(b'\n');
        }
        sb.truncate(trimmed(&sb).len());
        sb.push(b'\n');
        out.extend_from_slice(&sb);
        Ok(())
    }

    /// git's `pp_user_info` outside e-mail formats.
    fn user_info(&self, f: Builtin, what: &str, line: &[u8], sb: &mut Vec<u8>) -> Result<(), Fatal> {
        let Some(id) = split_ident(line) else {
            return Ok(());
        };
        sb.extend_from_slice(what.as_bytes());
        sb.extend_from_slice(if f == Builtin::Fuller { b":     " } else { b": " });
        sb.extend_from_slice(id.name);
        sb.extend_from_slice(b" <");
        sb.extend_from_slice(id.mail);
        sb.extend_from_slice(b">\n");
        match f {
            Builtin::Medium => {
                sb.extend_from_slice(format!("Date:   {}\n", ident_date(&id, &self.date_mode)?).as_bytes())
            }
            Builtin::Fuller => {
                sb.extend_from_slice(format!("{what}Date: {}\n", ident_date(&id, &self.date_mode)?).as_bytes())
            }
            _ => {}
        }
        Ok(())
    }

    /// git's `repo_format_commit_message` for a user format.
    fn user_format(&self, format: &str, e: &Entry<'_>, c: &OnceCell<Commit>, out: &mut Vec<u8>) -> Result<(), Fatal> {
        let f = format.as_bytes();
        let mut auto_color = false;
        let mut i = 0;
        let start = out.len();
        while i < f.len() {
            let Some(p) = f[i..].iter().position(|&b| b == b'%') else {
                out.extend_from_slice(&f[i..]);
                break;
            };
            out.extend_from_slice(&f[i..i + p]);
            i += p + 1;
            if f.get(i) == Some(&b'%') {
                out.push(b'%');
                i += 1;
                continue;
            }
            // git's `format_commit_item`: a magic first character.
            let magic = match f.get(i) {
                Some(&m @ (b'-' | b'+' | b' ')) => Some(m),
                _ => None,
            };
            let at = i + usize::from(magic.is_some());
            let orig = out.len();
            let consumed = self.placeholder(&f[at..], e, c, &mut auto_color, start, out)?;
            let consumed = match magic {
                None => consumed,
                Some(m) => {
                    if orig == out.len() && m == b'-' {
                        while out.len() > start && out.last() == Some(&b'\n') {
                            out.pop();
                        }
                    } else if orig != out.len() {
                        let what: &[u8] = if m == b'+' {
                            b"\n"
                        } else if m == b' ' {
                            b" "
                        } else {
                            b""
                        };
                        out.splice(orig..orig, what.iter().copied());
                    }
                    consumed + 1
                }
            };
            if consumed == 0 {
                out.push(b'%');
            } else {
                i += consumed;
            }
        }
        Ok(())
    }

    /// git's `format_commit_one`: the bytes of `p` (after the `%`) used, 0
    /// if it is not a placeholder.
    fn placeholder(
        &self,
        p: &[u8],
        e: &Entry<'_>,
        c: &OnceCell<Commit>,
        auto_color: &mut bool,
        start: usize,
        out: &mut Vec<u8>,
    ) -> Result<usize, Fatal> {
        let Some(&first) = p.first() else { return Ok(0) };
        let second = p.get(1).copied().unwrap_or(0);
        let hex = |b: u8| (b as char).to_digit(16);
        match first {
            b'n' => {
                out.push(b'\n');
                return Ok(1);
            }
            b'x' => {
                return Ok(match (p.get(1).and_then(|&b| hex(b)), p.get(2).and_then(|&b| hex(b))) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        3
                    }
                    _ => 0,
                })
            }
            b'C' => return self.color_placeholder(p, auto_color, start, out),
            b'w' | b'<' | b'>' | b'd' | b'D' => {
                return Err(not_supported(&format!(
                    "%{}",
                    String::from_utf8_lossy(&p[..p.len().min(2)])
                )))
            }
            b'G' if b"G?SKFPT".contains(&second) => {
                return Err(not_supported(&format!("%G{}", second as char)));
            }
            // Notes: none to show unless there are some.
            b'N' => {
                if self.repo.exact("refs/notes/commits".into()).is_some() {
                    return Err(not_supported("%N"));
                }
                return Ok(1);
            }
            b'(' => {
                let name: String = String::from_utf8_lossy(p)
                    .chars()
                    .take_while(|&ch| ch != ')' && ch != ':')
                    .collect();
                if ["(describe", "(trailers", "(decorate"].contains(&name.as_str()) {
                    return Err(not_supported(&format!("%{name})")));
                }
                return Ok(0);
            }
            _ => {}
        }
        let colored = |s: String, out: &mut Vec<u8>| {
            if *auto_color {
                out.extend_from_slice(COMMIT_COLOR.as_bytes());
            }
            out.extend_from_slice(s.as_bytes());
            if *auto_color {
                out.extend_from_slice(RESET.as_bytes());
            }
        };
        let id = e.line().new_oid;
        // Placeholders of the commit's contents read it.
        let c = if b"TtPpaceBsfb".contains(&first) {
            self.commit(id, c)?
        } else {
            &Commit::new(Vec::new())
        };
        let ids = |v: Vec<gix_hash::ObjectId>, f: &dyn Fn(gix_hash::ObjectId) -> String| {
            v.into_iter().map(f).collect::<Vec<_>>().join(" ")
        };
        match first {
            b'H' => colored(id.to_string(), out),
            b'h' => colored(self.abbrev(id), out),
            b'T' => out.extend_from_slice(c.tree().map(|t| t.to_string()).unwrap_or_default().as_bytes()),
            b't' => out.extend_from_slice(c.tree().map(|t| self.abbrev(t)).unwrap_or_default().as_bytes()),
            b'P' => out.extend_from_slice(ids(c.parents(), &|p| p.to_string()).as_bytes()),
            b'p' => out.extend_from_slice(ids(c.parents(), &|p| self.abbrev(p)).as_bytes()),
            b'm' => out.push(b'>'),
            b'g' => {
                match second {
                    b'd' | b'D' => out.extend_from_slice(
                        e.selector(self.repo, &self.date_mode, self.o.date.is_some(), second == b'd')?
                            .as_bytes(),
                    ),
                    b's' => out.extend_from_slice(e.line().message.as_bytes()),
                    b'n' | b'N' | b'e' | b'E' => {
                        return person_part(second, e.ident().as_bytes(), &self.date_mode, out);
                    }
                    _ => return Ok(0),
                }
                return Ok(2);
            }
            b'a' | b'c' => {
                let who = c
                    .header(if first == b'a' { "author" } else { "committer" })
                    .unwrap_or_default();
                return person_part(second, who, &self.date_mode, out);
            }
            b'e' => out.extend_from_slice(c.header("encoding").unwrap_or_default()),
            b'B' => out.extend_from_slice(c.raw_body()),
            b's' => format_subject(c.subject_and_body().0, " ", out),
            b'f' => {
                let subject = c.subject_and_body().0;
                let eol = subject.iter().position(|&b| b == b'\n').unwrap_or(subject.len());
                out.extend_from_slice(crate::object_atoms::sanitized(&subject[..eol]).as_bytes());
            }
            b'b' => out.extend_from_slice(c.subject_and_body().1),
            _ => return Ok(0),
        }
        Ok(1)
    }

    /// git's `%C…` placeholders.
    fn color_placeholder(
        &self,
        p: &[u8],
        auto_color: &mut bool,
        start: usize,
        out: &mut Vec<u8>,
    ) -> Result<usize, Fatal> {
        if p.starts_with(b"C(auto)") {
            *auto_color = self.color;
            if *auto_color && out.len() > start {
                out.extend_from_slice(RESET.as_bytes());
            }
            return Ok(7);
        }
        if p.get(1) == Some(&b'(') {
            let Some(end) = p.iter().position(|&b| b == b')') else {
                return Ok(0);
            };
            let spec = String::from_utf8_lossy(&p[2..end]).into_owned();
            let (always, spec) = match spec.strip_prefix("always,") {
                Some(s) => (true, s.to_owned()),
                None => (false, spec.strip_prefix("auto,").map(str::to_owned).unwrap_or(spec)),
            };
            *auto_color = false;
            if !always && !self.color {
                return Ok(end + 1);
            }
            let code = crate::color::parse(&spec).ok_or_else(|| Fatal::msg("unable to parse --pretty format"))?;
            out.extend_from_slice(code.as_bytes());
            return Ok(end + 1);
        }
        for (name, code) in [
            ("red", "\x1b[31m"),
            ("green", "\x1b[32m"),
            ("blue", "\x1b[34m"),
            ("reset", RESET),
        ] {
            if p[1..].starts_with(name.as_bytes()) {
                *auto_color = false;
                if self.color {
                    out.extend_from_slice(code.as_bytes());
                }
                return Ok(1 + name.len());
            }
        }
        // `%C<unknown>` is text, and an earlier `%C(auto)` still holds.
        Ok(0)
    }
}

/// git's `strbuf_add_tabexpand`: tabs to the next multiple of `width`
/// display columns.
fn tab_expand(line: &[u8], width: usize, out: &mut Vec<u8>) {
    let mut rest = line;
    while let Some(tab) = rest.iter().position(|&b| b == b'\t') {
        let Ok(before) = std::str::from_utf8(&rest[..tab]) else {
            break;
        };
        let cols = unicode_width::UnicodeWidthStr::width(before);
        out.extend_from_slice(&rest[..tab]);
        out.extend(std::iter::repeat_n(b' ', width - cols % width));
        rest = &rest[tab + 1..];
    }
    out.extend_from_slice(rest);
}
