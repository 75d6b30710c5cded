//! `reftable for-each-ref`, output identical to `git for-each-ref`.

use std::io::Write;

use gix_ref::bstr::ByteSlice;
use gix_ref::{Reference, Target};

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use crate::nesting;
use crate::object_atoms;
use crate::reach;
use crate::remote;
use crate::repo::Repo;
use crate::{reportable, Fatal};
use reftable::store::RefEntry;

#[derive(clap::Args)]
pub struct Args {
    /// Format of each line (git's atoms: %(refname), %(objectname:short), …).
    #[arg(long, default_value = "%(objectname) %(objecttype)\t%(refname)")]
    format: String,
    /// Sort key; repeat for more keys (the last is the primary one); `-` reverses.
    #[arg(long)]
    sort: Vec<String>,
    /// Stop after <n> refs.
    #[arg(long, allow_negative_numbers = true)]
    count: Option<i32>,
    /// Only refs pointing at this object (or at a tag of it).
    #[arg(long = "points-at")]
    points_at: Vec<String>,
    /// Only refs whose commit this commit reaches (HEAD if none is given); repeat for any of several.
    #[arg(long, num_args = 0..=1, default_missing_value = "HEAD", allow_hyphen_values = true, value_name = "commit")]
    merged: Vec<String>,
    /// Only refs whose commit this commit does not reach (HEAD if none is given).
    #[arg(long = "no-merged", num_args = 0..=1, default_missing_value = "HEAD", allow_hyphen_values = true, value_name = "commit")]
    no_merged: Vec<String>,
    /// Only refs whose commit reaches this commit (HEAD if none is given); repeat for any of several.
    #[arg(long, num_args = 0..=1, default_missing_value = "HEAD", allow_hyphen_values = true, value_name = "commit")]
    contains: Vec<String>,
    /// Only refs whose commit does not reach this commit (HEAD if none is given).
    #[arg(long = "no-contains", num_args = 0..=1, default_missing_value = "HEAD", allow_hyphen_values = true, value_name = "commit")]
    no_contains: Vec<String>,
    /// Leave out refs matching this pattern; repeat for more.
    #[arg(long)]
    exclude: Vec<String>,
    /// Match patterns and sort without regard to case.
    #[arg(long = "ignore-case")]
    ignore_case: bool,
    /// Read the patterns from standard input, one a line.
    #[arg(long)]
    stdin: bool,
    /// Also list HEAD and the other root refs (`ORIG_HEAD`, …).
    #[arg(long = "include-root-refs")]
    include_root_refs: bool,
    /// Print nothing, not even a newline, for a ref whose line is empty.
    #[arg(long = "omit-empty")]
    omit_empty: bool,
    /// Colour `%(color:…)`: always, never or auto (a terminal); alone, always.
    #[arg(long, value_name = "when", num_args = 0..=1, require_equals = true, default_missing_value = "always", overrides_with = "no_color")]
    color: Option<String>,
    /// No colour.
    #[arg(long = "no-color", overrides_with = "color")]
    no_color: bool,
    /// Quote atom values for the shell.
    #[arg(short = 's', long)]
    shell: bool,
    /// Quote atom values for Perl.
    #[arg(short = 'p', long)]
    perl: bool,
    /// Quote atom values for Python.
    #[arg(long)]
    python: bool,
    /// Quote atom values for Tcl.
    #[arg(long)]
    tcl: bool,
    patterns: Vec<String>,
}

enum Piece {
    Lit(Vec<u8>),
    Atom(String),
    /// `%(align)`, `%(if)`, `%(then)`, `%(else)`, `%(end)`.
    Control(nesting::Control),
    /// `%(color:…)`: an atom whose value the format fixes (empty without colour).
    Color(String),
}

/// A parsed format: its pieces, and whether a line ends with a colour
/// reset (git's `need_color_reset_at_eol`: the last `%(color:…)` is not
/// `reset`, and colour is on).
struct Format {
    pieces: Vec<Piece>,
    reset_at_eol: bool,
}

fn parse_format(f: &str, quote: Quote, color: bool) -> Result<Format, Fatal> {
    let b = f.as_bytes();
    let (mut out, mut lit, mut i) = (Vec::new(), Vec::new(), 0);
    let mut reset_at_eol = false;
    while i < b.len() {
        if b[i] == b'%' && b.get(i + 1) == Some(&b'(') {
            let end = f[i..]
                .find(')')
                .ok_or_else(|| Fatal::msg(format!("malformed format string {f}")))?
                + i;
            if !lit.is_empty() {
                out.push(Piece::Lit(std::mem::take(&mut lit)));
            }
            let atom = &f[i + 2..end];
            // As git, an empty argument is none (`%(refname:)` is `%(refname)`),
            // but for the atoms git looks up by their whole text: there `:`
            // makes a name git shows nothing for (`%(author:)`, `%(body:)`), an
            // empty date format, or the text of an error (`%(rest:)`).
            let plain = atom.trim_start_matches('*').split(':').next().unwrap_or("");
            let by_text = matches!(plain, "author" | "committer" | "tagger" | "creator" | "body" | "rest")
                || plain.ends_with("date");
            let atom = match atom.strip_suffix(':') {
                Some(a) if !by_text && !a.contains(':') => a,
                _ => atom,
            };
            let (name, arg) = match atom.split_once(':') {
                Some((n, a)) => (n.trim_start_matches('*'), Some(a)),
                None => (atom.trim_start_matches('*'), None),
            };
            if let Some(c) = nesting::parse(name, arg) {
                out.push(Piece::Control(c?));
                i = end + 1;
                continue;
            }
            if name == "color" {
                let value = arg
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| Fatal::msg("expected format: %(color:<color>)"))?;
                let Some(escape) = crate::color::parse(value) else {
                    eprintln!("error: invalid color value: {value}");
                    return Err(Fatal::msg(format!("unrecognized color: %(color:{value})")));
                };
                // git looks for `color:` at the start of the atom: not `*color:`.
                if !atom.starts_with('*') {
                    reset_at_eol = color && value != "reset";
                }
                out.push(Piece::Color(if color { escape } else { String::new() }));
                i = end + 1;
                continue;
            }
            if name == "raw"
                && arg.is_none_or(str::is_empty)
                && matches!(quote, Quote::Shell | Quote::Python | Quote::Tcl)
            {
                return Err(Fatal::msg(format!(
                    "--format={atom} cannot be used with --python, --shell, --tcl"
                )));
            }
            if !known(atom) {
                let name = atom.trim_start_matches('*').split(':').next().unwrap_or("");
                if UNSUPPORTED.contains(&name) {
                    return Err(Fatal::msg(format!("%({name}) is not supported by reftable")));
                }
                return Err(Fatal::msg(format!("unknown field name: {atom}")));
            }
            check_modifier(atom)?;
            out.push(Piece::Atom(atom.to_owned()));
            i = end + 1;
        } else if b[i] == b'%' && b.get(i + 1) == Some(&b'%') {
            lit.push(b'%');
            i += 2;
        } else if b[i] == b'%' && i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit() {
            lit.push(u8::from_str_radix(&f[i + 1..i + 3], 16).expect("hex digits"));
            i += 3;
        } else {
            lit.push(b[i]);
            i += 1;
        }
    }
    if !lit.is_empty() {
        out.push(Piece::Lit(lit));
    }
    Ok(Format {
        pieces: out,
        reset_at_eol,
    })
}

/// git's `versioncmp` (glibc's `strverscmp`; no `versionsort.suffix`):
/// runs of digits compare as numbers, leading zeros as fractions.
fn versioncmp(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    const S_N: usize = 0;
    const S_I: usize = 3;
    const S_F: usize = 6;
    const S_Z: usize = 9;
    const CMP: i8 = 2;
    const LEN: i8 = 3;
    const NEXT: [usize; 12] = [S_N, S_I, S_Z, S_N, S_I, S_I, S_N, S_F, S_F, S_N, S_F, S_Z];
    const RESULT: [i8; 36] = [
        CMP, CMP, CMP, CMP, LEN, CMP, CMP, CMP, CMP, //
        CMP, -1, -1, 1, LEN, LEN, 1, LEN, LEN, //
        CMP, CMP, CMP, CMP, CMP, CMP, CMP, CMP, CMP, //
        CMP, 1, 1, -1, CMP, CMP, -1, CMP, CMP,
    ];
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let class = |c: u8| usize::from(c == b'0') + usize::from(c.is_ascii_digit());
    let (mut i, mut c1, mut c2) = (1, at(a, 0), at(b, 0));
    let mut state = S_N + class(c1);
    while c1 == c2 {
        if c1 == 0 {
            return std::cmp::Ordering::Equal;
        }
        state = NEXT[state];
        c1 = at(a, i);
        c2 = at(b, i);
        i += 1;
        state += class(c1);
    }
    let diff = (c1 as i32).cmp(&(c2 as i32));
    match RESULT[state * 3 + class(c2)] {
        CMP => diff,
        LEN => {
            // Both digit runs go on from `i`: the longer one is larger.
            let mut j = i;
            loop {
                let (d1, d2) = (at(a, j).is_ascii_digit(), at(b, j).is_ascii_digit());
                j += 1;
                if !d1 {
                    return if d2 { std::cmp::Ordering::Less } else { diff };
                }
                if !d2 {
                    return std::cmp::Ordering::Greater;
                }
            }
        }
        r => r.cmp(&0),
    }
}

/// A sort key `version:<atom>` (or `v:<atom>`): (whether, the atom).
fn version_key(key: &str) -> (bool, &str) {
    match key.strip_prefix("version:").or_else(|| key.strip_prefix("v:")) {
        Some(atom) => (true, atom),
        None => (false, key),
    }
}

/// Whether git knows `atom` (and this tool computes it).
fn known(atom: &str) -> bool {
    let name = atom.trim_start_matches('*').split(':').next().unwrap_or("");
    KNOWN.contains(&name) || object_atoms::is_object_atom(name)
}

/// Atoms git knows that this tool does not compute: refused by name.
const UNSUPPORTED: [&str; 6] = ["describe", "is-base", "trailers", "signature", "deltabase", "mailmap"];

/// git's `refname_atom_parser_internal`: `short`, `lstrip=<n>` (or
/// `strip`), `rstrip=<n>`; `atom` names the atom in the error.
fn check_refname_modifier(atom: &str, m: &str) -> Result<(), Fatal> {
    match m.split_once('=') {
        Some(("lstrip" | "rstrip" | "strip", n)) => {
            if n.parse::<i32>().is_err() {
                let side = if m.starts_with('r') { "rstrip" } else { "lstrip" };
                return Err(Fatal::msg(format!("Integer value expected refname:{side}={n}")));
            }
        }
        None if m == "short" => {}
        _ => return Err(Fatal::msg(format!("unrecognized %({atom}) argument: {m}"))),
    }
    Ok(())
}

/// Refuses modifiers git refuses when it parses the format.
fn check_modifier(atom: &str) -> Result<(), Fatal> {
    let bare = atom.trim_start_matches('*');
    let (name, modifier) = match bare.split_once(':') {
        Some((n, m)) => (n, Some(m)),
        None => (bare, None),
    };
    // git names most atoms in its errors as written, `*` included.
    let shown = &atom[..atom.len() - bare.len() + name.len()];
    if object_atoms::is_object_atom(name) {
        return object_atoms::check_modifier(name, shown, modifier);
    }
    match (name, modifier) {
        ("objectname", Some(m)) => object_atoms::check_oid_modifier(shown, m)?,
        ("refname" | "symref", Some(m)) => check_refname_modifier(shown, m)?,
        ("upstream" | "push", Some(m)) => {
            let options = ["track", "trackshort", "nobracket", "remotename", "remoteref"];
            if !m.split(',').all(|o| options.contains(&o)) {
                check_refname_modifier(shown, m)?;
            }
        }
        ("rest", Some("")) => {}
        ("HEAD" | "objecttype" | "rest", Some(_)) => {
            return Err(Fatal::msg(format!("%({name}) does not take arguments")))
        }
        ("ahead-behind", None) => return Err(Fatal::msg("expected format: %(ahead-behind:<committish>)")),
        _ => {}
    }
    if name == "rest" {
        return Err(Fatal::msg(format!("this command reject atom %({atom})")));
    }
    Ok(())
}

const KNOWN: [&str; 12] = [
    "color",
    "refname",
    "objectname",
    "objecttype",
    "symref",
    "upstream",
    "HEAD",
    "push",
    "flag",
    "worktreepath",
    "ahead-behind",
    "rest",
];

fn type_name(k: Option<gix::objs::Kind>) -> &'static str {
    match k {
        Some(gix::objs::Kind::Commit) => "commit",
        Some(gix::objs::Kind::Tree) => "tree",
        Some(gix::objs::Kind::Blob) => "blob",
        Some(gix::objs::Kind::Tag) => "tag",
        None => "",
    }
}

struct Ctx<'a> {
    repo: &'a Repo,
    head: Option<String>,
    /// Branches' remotes, read at first use (the quick read path opens
    /// no gix repository unless a format needs configuration).
    remotes: std::cell::OnceCell<remote::Remotes<'a>>,
    /// Commits' parents, shared by the reach filters and the counts.
    graph: &'a reach::Graph<'a>,
    /// Branch name to the path of the worktree whose HEAD it is, read at first use.
    worktrees: std::cell::OnceCell<HashMap<String, String>>,
    /// The commits `%(ahead-behind:<committish>)` names, by committish.
    bases: HashMap<String, gix_hash::ObjectId>,
    /// The object read last (lines name the same object over and over:
    /// for several atoms, for a ref and its sort keys).
    object: std::cell::RefCell<Option<(gix_hash::ObjectId, gix::objs::Kind, Vec<u8>)>>,
}

impl<'a> Ctx<'a> {
    /// The value of `atom` for `r`; as git, a missing object is fatal
    /// where the atom needs the object itself (its type, or the tag it is).
    fn atom(&self, r: &Reference, atom: &str) -> Result<String, Fatal> {
        self.value(r, atom).map(|v| v.text)
    }

    /// [`atom`](Self::atom), with the number an object atom sorts by.
    fn value(&self, r: &Reference, atom: &str) -> Result<object_atoms::Value, Fatal> {
        let name = r.name.as_bstr().to_str_lossy();
        let (deref, atom) = match atom.strip_prefix('*') {
            Some(a) => (true, a),
            None => (false, atom),
        };
        let (base, modifier) = match atom.split_once(':') {
            Some((b, m)) => (b, Some(m)),
            None => (atom, None),
        };
        if !matches!(base, "objectname" | "objecttype") && !object_atoms::is_object_atom(base) {
            return Ok(object_atoms::Value::text(
                self.ref_atom(r, &name, deref, base, modifier),
            ));
        }
        let id = self.repo.resolve(r);
        // Only atoms that read the object look it up.
        if deref || base == "objecttype" || object_atoms::is_object_atom(base) {
            if let Some(id) = id.filter(|id| self.repo.kind(*id).is_none()) {
                return Err(Fatal::msg(format!("missing object {id} for {name}")));
            }
        }
        let id = if deref {
            match id.and_then(|id| self.repo.peel(r, id)) {
                Some(p) => Some(p),
                None => return Ok(object_atoms::Value::text("")),
            }
        } else {
            id
        };
        if object_atoms::is_object_atom(base) {
            return match id {
                Some(id) => self.object_value(id, atom, &name),
                None => Ok(object_atoms::Value::text("")),
            };
        }
        Ok(object_atoms::Value::text(match (base, modifier) {
            ("objecttype", _) => type_name(id.and_then(|i| self.repo.kind(i))).to_owned(),
            (_, None) => id.map(|i| i.to_string()).unwrap_or_default(),
            (_, Some("short")) => id.map(|i| self.repo.abbrev(i, None)).unwrap_or_default(),
            (_, Some(m)) => match m.strip_prefix("short=").and_then(crate::ctype::strtoul_ui) {
                Some(n) => id.map(|i| self.repo.abbrev(i, Some(n as usize))).unwrap_or_default(),
                None => String::new(),
            },
        }))
    }

    /// git's `show_ref`: a ref name as `refname`'s modifiers show it.
    fn show(&self, full: &str, modifier: Option<&str>) -> String {
        match modifier {
            None => full.to_owned(),
            Some("short") => self.repo.shorten(full.into()),
            Some(m) => strip(full, m),
        }
    }

    /// The atoms that do not read the ref's object (git's `SOURCE_NONE`):
    /// names, symrefs, upstream and push, flags, worktrees, ahead-behind.
    fn ref_atom(&self, r: &Reference, name: &str, deref: bool, base: &str, modifier: Option<&str>) -> String {
        // As git, `*refname` and `*symref` are the name with `^{}`.
        let peeled = if deref { "^{}" } else { "" };
        match base {
            "refname" => format!("{}{peeled}", self.show(name, modifier)),
            "symref" => match &r.target {
                Target::Symbolic(t) => format!("{}{peeled}", self.show(&t.as_bstr().to_str_lossy(), modifier)),
                Target::Object(_) => peeled.to_owned(),
            },
            "HEAD" if self.head.as_deref() == Some(name) => "*".into(),
            "HEAD" => " ".into(),
            "flag" => {
                // The flags of the resolution: a symref's target may be packed.
                let packed = self
                    .repo
                    .follow(r)
                    .is_some_and(|(last, _)| self.packed(&last.as_ref().unwrap_or(r).name.as_bstr().to_str_lossy()));
                match (&r.target, packed) {
                    (Target::Symbolic(_), true) => "symref,packed".into(),
                    (Target::Symbolic(_), false) => "symref".into(),
                    (Target::Object(_), true) => "packed".into(),
                    (Target::Object(_), false) => String::new(),
                }
            }
            "worktreepath" if name.starts_with("refs/heads/") => self.worktree_path(name),
            "upstream" | "push" => self.remote_atom(name, base == "push", modifier),
            "ahead-behind" => {
                let base = self.bases.get(modifier.unwrap_or_default()).copied();
                match (base, self.repo.resolve(r)) {
                    (Some(base), Some(id)) => match reach::peel_to_commit(self.repo, id) {
                        Ok(commit) => {
                            let (ahead, behind) = self.remotes().counts(commit, base);
                            format!("{ahead} {behind}")
                        }
                        Err(_) => String::new(),
                    },
                    _ => String::new(),
                }
            }
            // Colors only go to a terminal.
            _ => String::new(),
        }
    }

    /// `%(upstream…)` and `%(push…)` of branch `name`, as git's
    /// `fill_remote_ref_details`.
    fn remote_atom(&self, name: &str, push: bool, modifier: Option<&str>) -> String {
        #[derive(PartialEq)]
        enum Show {
            Ref,
            Track,
            TrackShort,
            RemoteName,
            RemoteRef,
        }
        let Some(branch) = name.strip_prefix("refs/heads/") else {
            return String::new();
        };
        let (mut show, mut nobracket, mut refname) = (Show::Ref, false, None);
        for option in modifier.map(|m| m.split(',').collect::<Vec<_>>()).unwrap_or_default() {
            match option {
                "track" => show = Show::Track,
                "trackshort" => show = Show::TrackShort,
                "nobracket" => nobracket = true,
                "remotename" => show = Show::RemoteName,
                "remoteref" => show = Show::RemoteRef,
                _ => (show, refname) = (Show::Ref, modifier),
            }
        }
        let remotes = self.remotes();
        // `%(push:remotename)` and `%(push:remoteref)` need no push destination.
        let target = if push && matches!(show, Show::RemoteName | Show::RemoteRef) {
            String::new()
        } else {
            match if push {
                remotes.push(branch)
            } else {
                remotes.upstream(branch)
            } {
                Some(t) => t,
                None => return String::new(),
            }
        };
        match show {
            Show::Ref => self.show(&target, refname),
            Show::Track => {
                let text = match remotes.ahead_behind(name, &target) {
                    None => "gone".to_owned(),
                    Some((0, 0)) => String::new(),
                    Some((0, behind)) => format!("behind {behind}"),
                    Some((ahead, 0)) => format!("ahead {ahead}"),
                    Some((ahead, behind)) => format!("ahead {ahead}, behind {behind}"),
                };
                if nobracket || text.is_empty() {
                    text
                } else {
                    format!("[{text}]")
                }
            }
            Show::TrackShort => match remotes.ahead_behind(name, &target) {
                None => String::new(),
                Some((0, 0)) => "=".into(),
                Some((0, _)) => "<".into(),
                Some((_, 0)) => ">".into(),
                Some(_) => "<>".into(),
            },
            Show::RemoteName => match remotes.remote_for(branch, push) {
                (remote, true) => remote,
                (_, false) => String::new(),
            },
            Show::RemoteRef => remotes.remote_ref(branch, push).unwrap_or_default(),
        }
    }

    /// Whether a files repository holds ref `name` only in `packed-refs`
    /// (git's `REF_ISPACKED`; reftable has no such thing).
    fn packed(&self, name: &str) -> bool {
        if self.repo.refs.as_reftable().is_some() {
            return false;
        }
        let Ok(g) = self.repo.gix() else { return false };
        let dir = if reftable::name::is_per_worktree(name.as_bytes()) {
            g.git_dir()
        } else {
            g.common_dir()
        };
        !dir.join(name).is_file()
    }

    fn remotes(&self) -> &remote::Remotes<'a> {
        self.remotes.get_or_init(|| remote::Remotes::new(self.repo, self.graph))
    }

    /// git's `get_worktree_path`: the worktree whose HEAD is on branch `name`.
    fn worktree_path(&self, name: &str) -> String {
        let map = self.worktrees.get_or_init(|| worktrees(self.repo));
        map.get(name).cloned().unwrap_or_default()
    }

    /// The value of object atom `atom` (without `*`) for object `id` of ref `name`.
    fn object_value(&self, id: gix_hash::ObjectId, atom: &str, name: &str) -> Result<object_atoms::Value, Fatal> {
        let mut cached = self.object.borrow_mut();
        let (_, kind, data) = match &mut *cached {
            Some(hit) if hit.0 == id => hit,
            slot => {
                let missing = || Fatal::msg(format!("missing object {id} for {name}"));
                let obj = self
                    .repo
                    .gix()?
                    .find_object(self.repo.replacement(id))
                    .map_err(|_| missing())?;
                slot.insert((id, obj.kind, obj.data.clone()))
            }
        };
        let abbrev = |hex: &str, n: Option<usize>| match gix_hash::ObjectId::from_hex(hex.as_bytes()) {
            Ok(id) => self.repo.abbrev(id, n),
            Err(_) => hex.to_owned(),
        };
        object_atoms::value(atom, *kind, data, &abbrev)
    }

    /// A sort key's value: numbers for git's numeric atoms, text otherwise.
    fn sort_value(&self, r: &Reference, atom: &str) -> Result<(String, u64), Fatal> {
        self.value(r, atom).map(|v| (v.text, v.number))
    }

    /// Whether git's ref iteration hands `r` to for-each-ref: a symref
    /// that resolves to nothing is left out silently, a ref naming the
    /// null object id with a warning (git's `REF_ISBROKEN`). Refs naming a
    /// missing object are listed (git's default `GIT_REF_PARANOIA`).
    fn listed(&self, r: &Reference, warn: bool) -> bool {
        match self.repo.resolve(r) {
            None => false,
            Some(id) if id.is_null() => {
                if warn {
                    eprintln!("warning: ignoring broken ref {}", r.name.as_bstr());
                }
                false
            }
            Some(_) => true,
        }
    }
}

/// `refname:lstrip=<n>` (or `strip`) and `rstrip=<n>`: `n` path components
/// off the front or the back; a negative `n` keeps that many.
fn strip(name: &str, how: &str) -> String {
    let Some((side, n)) = how.split_once('=') else {
        return name.to_owned();
    };
    let Ok(n) = n.parse::<i64>() else {
        return name.to_owned();
    };
    let parts: Vec<&str> = name.split('/').collect();
    let len = parts.len() as i64;
    let drop = if n < 0 { (len + n).max(0) } else { n.min(len) } as usize;
    match side {
        "lstrip" | "strip" => parts[drop..].join("/"),
        "rstrip" => parts[..parts.len() - drop].join("/"),
        _ => name.to_owned(),
    }
}

/// Whether an atom reads the object itself (git's `populate_value` then
/// fails on a missing object).
fn needs_object(atom: &str) -> bool {
    let name = atom.split(':').next().unwrap_or("");
    atom.starts_with('*') || name == "objecttype" || object_atoms::is_object_atom(name)
}

/// git's `match_name_as_path`: a literal prefix up to a slash (always case
/// sensitive), or a wildmatch pattern in which `*` stops at slashes.
fn matches(name: &str, pattern: &str, ignore_case: bool) -> bool {
    if name.starts_with(pattern)
        && (name.len() == pattern.len() || pattern.ends_with('/') || name.as_bytes()[pattern.len()] == b'/')
    {
        return true;
    }
    let mut mode = gix::glob::wildmatch::Mode::NO_MATCH_SLASH_LITERAL;
    if ignore_case {
        mode |= gix::glob::wildmatch::Mode::IGNORE_CASE;
    }
    gix::glob::wildmatch(pattern.as_bytes().as_bstr(), name.as_bytes().as_bstr(), mode)
}

/// How atom values are quoted (`--shell`, `--perl`, `--python`, `--tcl`),
/// as git's quote.c does it.
#[derive(Clone, Copy, PartialEq)]
enum Quote {
    None,
    Shell,
    Perl,
    Python,
    Tcl,
}

impl Quote {
    fn write(self, v: &[u8], out: &mut Vec<u8>) {
        match self {
            Quote::None => out.extend_from_slice(v),
            Quote::Shell => {
                out.push(b'\'');
                for &c in v {
                    if c == b'\'' || c == b'!' {
                        out.extend_from_slice(&[b'\'', b'\\', c, b'\'']);
                    } else {
                        out.push(c);
                    }
                }
                out.push(b'\'');
            }
            Quote::Perl | Quote::Python => {
                out.push(b'\'');
                for &c in v {
                    if c == b'\n' && self == Quote::Python {
                        out.extend_from_slice(b"\\n");
                        continue;
                    }
                    if c == b'\'' || c == b'\\' {
                        out.push(b'\\');
                    }
                    out.push(c);
                }
                out.push(b'\'');
            }
            Quote::Tcl => {
                out.push(b'"');
                for &c in v {
                    match c {
                        b'[' | b']' | b'{' | b'}' | b'$' | b'\\' | b'"' => out.extend_from_slice(&[b'\\', c]),
                        0x0c => out.extend_from_slice(b"\\f"),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'\t' => out.extend_from_slice(b"\\t"),
                        0x0b => out.extend_from_slice(b"\\v"),
                        _ => out.push(c),
                    }
                }
                out.push(b'"');
            }
        }
    }
}

pub fn run(repo: &Repo, mut a: Args, out: &mut dyn Write) -> Result<i32, Fatal> {
    if let Some(n) = a.count.filter(|&n| n < 0) {
        return Err(Fatal::usage(format!("invalid --count argument: `{n}'")));
    }
    // The objects options name are resolved first: git does it while it
    // parses the options, before it looks at the format.
    let mut points_at = Vec::new();
    for spec in &a.points_at {
        match crate::update_ref::rev(repo, spec) {
            Ok(id) => points_at.push(id),
            Err(_) => {
                return Err(Fatal {
                    msg: format!("malformed object name '{spec}'"),
                    code: 129,
                    died: false,
                })
            }
        }
    }
    let merged = reach::commit_args(repo, &a.merged, "merged")?;
    let no_merged = reach::commit_args(repo, &a.no_merged, "no-merged")?;
    let contains: HashSet<_> = reach::commit_args(repo, &a.contains, "contains")?.into_iter().collect();
    let no_contains: HashSet<_> = reach::commit_args(repo, &a.no_contains, "no-contains")?
        .into_iter()
        .collect();
    let quotes = [
        (a.shell, Quote::Shell),
        (a.perl, Quote::Perl),
        (a.python, Quote::Python),
        (a.tcl, Quote::Tcl),
    ];
    let quote = match quotes.iter().filter(|(on, _)| *on).map(|(_, q)| *q).collect::<Vec<_>>()[..] {
        [] => Quote::None,
        [q] => q,
        _ => return Err(Fatal::usage("more than one quoting style?")),
    };
    if a.stdin {
        if !a.patterns.is_empty() {
            return Err(Fatal::msg("unknown arguments supplied with --stdin"));
        }
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut text)?;
        // strbuf_getline: lines split at LF, a CR before it dropped.
        a.patterns = text
            .split(|&c| c == b'\n')
            .map(|l| String::from_utf8_lossy(l.strip_suffix(b"\r").unwrap_or(l)).into_owned())
            .collect();
        if text.ends_with(b"\n") || text.is_empty() {
            a.patterns.pop();
        }
    }
    let color = if a.no_color {
        false
    } else {
        crate::color::want(a.color.as_deref())?
    };
    let Format { pieces, reset_at_eol } = parse_format(&a.format, quote, color)?;
    for key in &a.sort {
        let k = version_key(key.trim_start_matches('-')).1;
        if !known(k) {
            return Err(Fatal::msg(format!("unknown field name: {k}")));
        }
        check_modifier(k)?;
    }
    let head = repo.exact("HEAD".into()).and_then(|h| match h.target {
        Target::Symbolic(t) => Some(t.as_bstr().to_str_lossy().into_owned()),
        _ => None,
    });
    // git resolves `%(ahead-behind:<committish>)` when it parses the format.
    let mut bases = HashMap::new();
    for p in &pieces {
        if let Piece::Atom(at) = p {
            if let Some(spec) = at.trim_start_matches('*').strip_prefix("ahead-behind:") {
                let commit = crate::update_ref::rev(repo, spec)
                    .ok()
                    .and_then(|id| reach::peel_to_commit(repo, id).ok())
                    .ok_or_else(|| Fatal::msg(format!("failed to find '{spec}'")))?;
                bases.insert(spec.to_owned(), commit);
            }
        }
    }
    let graph = reach::Graph::new(repo);
    let ctx = Ctx {
        repo,
        head,
        remotes: Default::default(),
        graph: &graph,
        worktrees: Default::default(),
        bases,
        object: Default::default(),
    };
    // git's `match_points_at`: the ref's object, or what its tags name.
    let points = |r: &Reference| -> bool {
        if points_at.is_empty() {
            return true;
        }
        let Some(id) = repo.resolve(r) else { return false };
        if points_at.contains(&id) {
            return true;
        }
        let Ok(gix) = repo.gix() else { return false };
        // Every object along a chain of tags.
        let mut cur = id;
        for _ in 0..64 {
            let Some(next) = gix
                .find_object(cur)
                .ok()
                .and_then(|o| o.try_into_tag().ok())
                .and_then(|t| t.target_id().ok())
                .map(|t| t.detach())
            else {
                return false;
            };
            if points_at.contains(&next) {
                return true;
            }
            cur = next;
        }
        false
    };
    // One line per ref into a reused buffer; the common atoms are written
    // straight into it.
    let mut buf = Vec::with_capacity(256);
    let blocks = RefCell::new(nesting::Blocks::default());
    let line = |buf: &mut Vec<u8>, r: &Reference| -> Result<(), Fatal> {
        buf.clear();
        let blocks = &mut *blocks.borrow_mut();
        for p in &pieces {
            let outside = blocks.outside();
            let to = blocks.top(buf);
            let start = to.len();
            match p {
                Piece::Lit(l) => to.extend_from_slice(l),
                Piece::Atom(at) => match (at.as_str(), &r.target) {
                    ("refname", _) => to.extend_from_slice(r.name.as_bstr()),
                    ("objectname", Target::Object(id)) => {
                        let mut hex = [0u8; 64];
                        to.extend_from_slice(id.hex_to_buf(&mut hex).as_bytes());
                    }
                    _ => to.extend_from_slice(ctx.atom(r, at)?.as_bytes()),
                },
                Piece::Color(c) => to.extend_from_slice(c.as_bytes()),
                Piece::Control(c) => {
                    blocks.control(c, buf, |text, line| quote.write(text, line))?;
                    continue;
                }
            }
            // Atoms are quoted outside blocks (a block is quoted whole).
            if let (Piece::Atom(_) | Piece::Color(_), true, true) = (p, outside, quote != Quote::None) {
                let value = buf.split_off(start);
                quote.write(&value, buf);
            }
        }
        if reset_at_eol {
            if blocks.outside() {
                quote.write(crate::color::RESET.as_bytes(), buf);
            } else {
                blocks.top(buf).extend_from_slice(crate::color::RESET.as_bytes());
            }
        }
        blocks.finish()?;
        if buf.is_empty() && a.omit_empty {
            return Ok(());
        }
        buf.push(b'\n');
        Ok(())
    };
    // git's reach filters: a ref's commit (through tags; other refs are
    // left out) against the commits given.
    let any_reach = !(merged.is_empty() && no_merged.is_empty() && contains.is_empty() && no_contains.is_empty());
    let merged = (!merged.is_empty()).then(|| graph.reachable(&merged));
    let no_merged = (!no_merged.is_empty()).then(|| graph.reachable(&no_merged));
    let memo = RefCell::new((HashMap::new(), HashMap::new()));
    let reached = |r: &Reference| -> bool {
        if !any_reach {
            return true;
        }
        let Some(commit) = repo.resolve(r).and_then(|id| reach::peel_to_commit(repo, id).ok()) else {
            return false;
        };
        let (with, without) = &mut *memo.borrow_mut();
        merged.as_ref().is_none_or(|m| m.contains(&commit))
            && no_merged.as_ref().is_none_or(|m| !m.contains(&commit))
            && (contains.is_empty() || graph.contains(commit, &contains, with))
            && (no_contains.is_empty() || !graph.contains(commit, &no_contains, without))
    };
    let icase = a.ignore_case;
    let keep = |r: &Reference, warn: bool| {
        let name = r.name.as_bstr().to_str_lossy();
        (a.patterns.is_empty() || a.patterns.iter().any(|p| matches(&name, p, icase)))
            && !a.exclude.iter().any(|p| matches(&name, p, icase))
            && ctx.listed(r, warn)
            && points(r)
            && reached(r)
    };
    // `--include-root-refs`: HEAD and the root refs, which all sort before `refs/`.
    let mut roots = Vec::new();
    if a.include_root_refs && repo.refs.as_reftable().is_none() {
        // Files: the root refs are files beside HEAD.
        roots = root_ref_files(repo);
    } else if a.include_root_refs {
        repo.for_each("", &mut |r| {
            let name = r.name.as_bstr().to_str_lossy();
            if name.starts_with("refs/") {
                return false;
            }
            if reftable::name::is_root_ref(name.as_bytes()) {
                roots.push(r);
            }
            true
        })?;
    }
    // git walks only the refs its patterns can match (their literal
    // prefixes), and warns of each broken name it meets there.
    let walked = if a.include_root_refs || icase || a.patterns.is_empty() {
        vec![String::new()]
    } else {
        longest_prefixes(&a.patterns)
    };
    let prefixes: Vec<&str> = walked.iter().map(String::as_str).collect();
    // `warn`: the pass that prints (the first may be a check only).
    let for_each = |warn: bool, f: &mut dyn FnMut(Reference) -> bool| -> Result<(), Fatal> {
        for r in roots.iter().cloned() {
            if !f(r) {
                return Ok(());
            }
        }
        repo.for_each_entry("refs/", &prefixes, &mut |e| match e {
            RefEntry::Ref(r) => f(r),
            RefEntry::Broken(name) => {
                let name = name.to_str_lossy();
                if warn && walked.iter().any(|p| name.starts_with(p.as_str())) {
                    eprintln!("warning: ignoring ref with broken name {}", reportable(&name));
                }
                true
            }
        })
    };
    // Lines stream out as refs are read when the order is the names' (and
    // no `%(ahead-behind:…)`, for which git reports refs to other objects
    // than commits before it prints anything).
    let stream = !icase && (a.sort.is_empty() || (a.sort.len() == 1 && a.sort[0] == "refname")) && ctx.bases.is_empty();
    // As git, a count of 0 is no limit.
    let limit = a.count.filter(|&n| n > 0).map_or(usize::MAX, |n| n as usize);
    let object_atoms: Vec<&str> = pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Atom(at) => Some(at.as_str()),
            Piece::Lit(_) | Piece::Control(_) | Piece::Color(_) => None,
        })
        .chain(a.sort.iter().map(|k| k.trim_start_matches('-')))
        .filter(|at| needs_object(at))
        .collect();
    let checked = stream && !object_atoms.is_empty();
    if checked {
        // git sorts (by name) before printing, computing every listed
        // ref's values: a missing object leaves the output empty. A first
        // pass finds one (object kinds are cached for the second). Which of
        // several git names depends on its merge sort; this names the first.
        // It is git's walk that collects the refs: it warns of broken names
        // (and dies on a dangerous one) before anything is printed.
        let mut failed = None;
        for_each(true, &mut |r| {
            if failed.is_none() && keep(&r, false) {
                failed = object_atoms.iter().find_map(|at| ctx.atom(&r, at).err());
            }
            true
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
    }
    if stream {
        // Streams: one ref at a time.
        let (mut n, mut err) = (0, None);
        for_each(!checked, &mut |r| {
            if n >= limit {
                return false;
            }
            if keep(&r, true) {
                n += 1;
                if let Err(e) = line(&mut buf, &r).and_then(|()| Ok(out.write_all(&buf)?)) {
                    err = Some(e);
                    return false;
                }
            }
            true
        })?;
        if let Some(e) = err {
            return Err(e);
        }
        return Ok(0);
    }
    let mut all = Vec::new();
    for_each(true, &mut |r| {
        if keep(&r, true) {
            all.push(r);
        }
        true
    })?;
    if !ctx.bases.is_empty() {
        // git's `filter_ahead_behind` looks each ref's commit up, loudly.
        for r in &all {
            if let Some(Err(Some((id, kind)))) = repo.resolve(r).map(|id| reach::peel_to_commit(repo, id)) {
                eprintln!("error: object {id} is a {kind}, not a commit");
            }
        }
    }
    if let Some(e) = all
        .iter()
        .find_map(|r| object_atoms.iter().find_map(|at| ctx.atom(r, at).err()))
    {
        return Err(e);
    }
    // The last --sort is the primary key; ties fall back to the refname.
    // (reverse, version order, numeric, atom)
    let keys: Vec<(bool, bool, bool, &str)> = a
        .sort
        .iter()
        .rev()
        .map(|k| {
            let (version, atom) = version_key(k.trim_start_matches('-'));
            (k.starts_with('-'), version, object_atoms::is_numeric(atom), atom)
        })
        .collect();
    let mut decorated: Vec<(Vec<(String, u64)>, Reference)> = all
        .into_iter()
        .map(|r| {
            Ok((
                keys.iter()
                    .map(|(_, _, _, k)| ctx.sort_value(&r, k))
                    .collect::<Result<_, Fatal>>()?,
                r,
            ))
        })
        .collect::<Result<_, Fatal>>()?;
    decorated.sort_by(|(ka, ra), (kb, rb)| {
        for (i, (rev, version, numeric, _)) in keys.iter().enumerate() {
            let o = if *version {
                versioncmp(ka[i].0.as_bytes(), kb[i].0.as_bytes())
            } else if *numeric {
                ka[i].1.cmp(&kb[i].1)
            } else if icase {
                cmp_icase(&ka[i].0, &kb[i].0)
            } else {
                ka[i].0.cmp(&kb[i].0)
            };
            let o = if *rev { o.reverse() } else { o };
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        if icase {
            cmp_icase(&ra.name.as_bstr().to_str_lossy(), &rb.name.as_bstr().to_str_lossy())
        } else {
            ra.name.cmp(&rb.name)
        }
    });
    for (_, r) in decorated.iter().take(limit) {
        line(&mut buf, r)?;
        out.write_all(&buf)?;
    }
    Ok(0)
}

/// git's `find_longest_prefixes`: the literal prefixes (up to a glob
/// character) that cover `patterns`, as few and as long as can be.
fn longest_prefixes(patterns: &[String]) -> Vec<String> {
    fn go(out: &mut Vec<String>, prefix: &mut Vec<u8>, patterns: &[&[u8]]) {
        let at = prefix.len();
        if patterns
            .iter()
            .any(|p| p.get(at).is_none_or(|c| matches!(c, b'*' | b'?' | b'[' | b'\\')))
        {
            out.push(String::from_utf8_lossy(prefix).into_owned());
            return;
        }
        let mut i = 0;
        while i < patterns.len() {
            let c = patterns[i][at];
            let end = i + patterns[i..].iter().take_while(|p| p[at] == c).count();
            prefix.push(c);
            go(out, prefix, &patterns[i..end]);
            prefix.pop();
            i = end;
        }
    }
    let mut sorted: Vec<&[u8]> = patterns.iter().map(|p| p.as_bytes()).collect();
    sorted.sort();
    let mut out = Vec::new();
    go(&mut out, &mut Vec::new(), &sorted);
    out
}

/// `strcasecmp`: bytes compared with ASCII capitals lowered.
fn cmp_icase(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// The root refs of a files repository: files in its git directory named
/// as [`reftable::name::is_root_ref`] wants, read as refs, in name order.
fn root_ref_files(repo: &Repo) -> Vec<Reference> {
    let Ok(g) = repo.gix() else { return Vec::new() };
    let mut names: Vec<String> = std::fs::read_dir(g.git_dir())
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| reftable::name::is_root_ref(n.as_bytes()))
        .collect();
    names.sort();
    names.iter().filter_map(|n| repo.exact(n.as_str().into())).collect()
}

/// git's worktree map for `%(worktreepath)`: each worktree's HEAD branch
/// to its path (the main worktree's is the common directory's real path
/// without `/.git`; a linked one's is what its `gitdir` file says).
fn worktrees(repo: &Repo) -> HashMap<String, String> {
    let mut map = HashMap::new();
    let Ok(g) = repo.gix() else { return map };
    let common = g.common_dir();
    let mut add = |head: &str, path: String| {
        if let Some(Target::Symbolic(t)) = repo.exact(head.into()).map(|r| r.target) {
            map.entry(t.as_bstr().to_str_lossy().into_owned()).or_insert(path);
        }
    };
    if let Ok(real) = std::fs::canonicalize(common) {
        let real = real.to_string_lossy().into_owned();
        let main = real.strip_suffix("/.git").unwrap_or(&real).to_owned();
        add("main-worktree/HEAD", main);
    }
    let Ok(dir) = std::fs::read_dir(common.join("worktrees")) else {
        return map;
    };
    let mut ids: Vec<String> = dir.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
    ids.sort();
    for id in ids {
        let gitdir = common.join("worktrees").join(&id).join("gitdir");
        let Ok(gitdir) = reftable::core::file::read(&gitdir, reftable::core::file::MAX_SMALL_FILE) else {
            continue;
        };
        let Ok(gitdir) = String::from_utf8(gitdir) else {
            continue;
        };
        let path = gitdir.trim_end();
        let path = path.strip_suffix("/.git").unwrap_or(path).to_owned();
        add(&format!("worktrees/{id}/HEAD"), path);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioncmp_sorts_as_git() {
        // `git for-each-ref --sort=version:refname` of these tags (git 2.47).
        let git =
            "1.5 a9b10 a10b2 light v1.001 v1.00 v1.01 v1.0 v1.0.1 v1.2 v1.2.3.4 v1.2.10 v1.9 v1.10 v2 v2-rc1 v10 vA vN";
        let want: Vec<&str> = git.split(' ').collect();
        let mut got = want.clone();
        got.reverse();
        got.sort_by(|a, b| versioncmp(a.as_bytes(), b.as_bytes()).then(a.cmp(b)));
        assert_eq!(got, want);
    }
}
