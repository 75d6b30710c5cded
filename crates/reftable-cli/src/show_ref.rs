//! `reftable show-ref`, output and exit codes as `git show-ref`.

use std::io::Write;

use gix_ref::bstr::ByteSlice;
use gix_ref::Reference;

use crate::repo::Repo;
use crate::Fatal;
use reftable::store::RefEntry;

/// The value of an option given without one (`--abbrev`, not `--abbrev=`).
const NONE: &str = "\u{1}";

#[derive(clap::Args)]
pub struct Args {
    /// Show the HEAD reference, even if it would be filtered out.
    #[arg(long, overrides_with = "no_head")]
    head: bool,
    #[arg(long = "no-head", hide = true)]
    no_head: bool,
    /// Only show branches.
    #[arg(long, alias = "heads", overrides_with = "no_branches")]
    branches: bool,
    #[arg(long = "no-branches", alias = "no-heads", hide = true)]
    no_branches: bool,
    /// Only show tags.
    #[arg(long, overrides_with = "no_tags")]
    tags: bool,
    #[arg(long = "no-tags", hide = true)]
    no_tags: bool,
    /// Dereference tags into object ids.
    #[arg(short = 'd', long, overrides_with = "no_dereference")]
    dereference: bool,
    #[arg(long = "no-dereference", hide = true)]
    no_dereference: bool,
    /// Only show the object id, with <n> digits.
    #[arg(short = 's', long, value_name = "n", num_args = 0..=1, default_missing_value = NONE, require_equals = true, action = clap::ArgAction::Append)]
    hash: Vec<String>,
    /// As git's (its callback runs for the negation too): only the object id.
    #[arg(long = "no-hash", hide = true)]
    no_hash: bool,
    /// Use <n> digits to display object names.
    #[arg(long, value_name = "n", num_args = 0..=1, default_missing_value = NONE, require_equals = true, overrides_with = "no_abbrev")]
    abbrev: Option<String>,
    /// `--abbrev`'s negation (the full id): clap drops an earlier `--abbrev`.
    #[arg(long = "no-abbrev", hide = true)]
    no_abbrev: bool,
    /// Stricter reference checking: exact ref paths.
    #[arg(long, overrides_with = "no_verify")]
    verify: bool,
    #[arg(long = "no-verify", hide = true)]
    no_verify: bool,
    /// Check for reference existence without resolving.
    #[arg(long, overrides_with = "no_exists")]
    exists: bool,
    #[arg(long = "no-exists", hide = true)]
    no_exists: bool,
    /// Print the lines of standard input whose ref (the last word, without
    /// `^{}`; under <pattern> if given) does not exist here.
    #[arg(long = "exclude-existing", value_name = "pattern", num_args = 0..=1, default_missing_value = "", require_equals = true)]
    exclude_existing: Option<String>,
    /// Do not print results.
    #[arg(short, long, overrides_with = "no_quiet")]
    quiet: bool,
    #[arg(long = "no-quiet", hide = true)]
    no_quiet: bool,
    patterns: Vec<String>,
}

/// How many hex digits of an id to show.
#[derive(Clone, Copy)]
enum Digits {
    /// All (a length of 0).
    Full,
    /// git's automatic length (`--abbrev` alone).
    Auto,
    /// At least this many, more where needed to be unique.
    At(usize),
}

/// git's `parse_opt_abbrev_cb` of `--<option>=<n>`, as `strtol` reads it:
/// 0 is the full id, anything else at least 4.
fn abbrev_arg(option: &str, n: &str) -> Result<Digits, Fatal> {
    let v =
        crate::ctype::strtol(n).ok_or_else(|| Fatal::usage(format!("option `{option}' expects a numerical value")))?;
    Ok(match v {
        0 => Digits::Full,
        v if v < 4 => Digits::At(4),
        v => Digits::At(v.min(64) as usize),
    })
}

/// git's `cmd_show_ref__exclude_existing`: each line of `input` whose ref
/// (its last word, `^{}` taken off the line) is under `pattern`, is a ref
/// name (others are warned of) and names no ref here.
fn exclude_existing(repo: &Repo, pattern: &str, input: &[u8], out: &mut dyn Write) -> Result<i32, Fatal> {
    let mut existing = std::collections::HashSet::new();
    repo.for_each_entry("refs/", &[""], &mut |e| {
        if let RefEntry::Ref(r) = e {
            existing.insert(r.name.as_bstr().to_owned());
        }
        true
    })?;
    for line in input.split_inclusive(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"^{}").unwrap_or(line);
        let start = line
            .iter()
            .rposition(|&c| crate::ctype::is_space(c))
            .map_or(0, |i| i + 1);
        let name = &line[start..];
        if !name.starts_with(pattern.as_bytes()) {
            continue;
        }
        if gix_validate::reference::name(name.as_bstr()).is_err() || !name.contains(&b'/') {
            eprintln!("warning: ref '{}' ignored", crate::reportable(&name.to_str_lossy()));
            continue;
        }
        if !existing.contains(name.as_bstr()) {
            out.write_all(line)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(0)
}

/// Git's pattern match: the pattern matches a tail of the name made of whole components.
fn matches(name: &str, pattern: &str) -> bool {
    name == pattern || (name.ends_with(pattern) && name.as_bytes()[name.len() - pattern.len() - 1] == b'/')
}

pub fn run(repo: &Repo, a: Args, out: &mut dyn Write) -> Result<i32, Fatal> {
    // Every -s/--hash asks for ids only; the last one with <n> sets the digits.
    let hash_only = a.no_hash || !a.hash.is_empty();
    let hash_digits = match a.hash.iter().rev().find(|h| *h != NONE) {
        Some(n) => Some(abbrev_arg("hash", n)?),
        None => None,
    };
    // `--abbrev` alone: git's automatic length.
    let abbrev = match a.abbrev.as_deref() {
        Some(NONE) => Some(Digits::Auto),
        Some(n) => Some(abbrev_arg("abbrev", n)?),
        None => None,
    };
    let modes = [
        (a.exclude_existing.is_some(), "--exclude-existing"),
        (a.verify, "--verify"),
        (a.exists, "--exists"),
    ];
    match modes.iter().filter(|(on, _)| *on).map(|(_, n)| *n).collect::<Vec<_>>()[..] {
        [x, y] => return Err(Fatal::msg(format!("options '{x}' and '{y}' cannot be used together"))),
        [x, y, z] => {
            return Err(Fatal::msg(format!(
                "options '{x}', '{y}', and '{z}' cannot be used together"
            )))
        }
        _ => {}
    }
    if let Some(pattern) = &a.exclude_existing {
        let mut input = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut input)?;
        return exclude_existing(repo, pattern, &input, out);
    }
    if a.exists {
        let name = match a.patterns.as_slice() {
            [name] => name,
            [] => return Err(Fatal::msg("--exists requires a reference")),
            _ => return Err(Fatal::msg("--exists requires exactly one reference")),
        };
        return Ok(match repo.exact(name.as_str().into()) {
            Some(_) => 0,
            None => {
                eprintln!("error: reference does not exist");
                2
            }
        });
    }
    // git keeps one length, which --hash=<n>, --abbrev[=<n>] and
    // --no-abbrev each set: the last of them on the line wins.
    let last = crate::subcommand_matches("show-ref").and_then(|m| {
        // Flags not given have a default value, at an index too.
        let given = |id: &str| m.value_source(id) == Some(clap::parser::ValueSource::CommandLine);
        let at = |id: &str| m.indices_of(id).filter(|_| given(id)).and_then(|i| i.max());
        let hash_at = m.get_many::<String>("hash").and_then(|values| {
            let indices = m.indices_of("hash").filter(|_| given("hash"))?;
            values.zip(indices).filter(|(v, _)| *v != NONE).map(|(_, i)| i).max()
        });
        [
            (hash_at, "hash"),
            (at("abbrev"), "abbrev"),
            (at("no_abbrev"), "no_abbrev"),
        ]
        .into_iter()
        .filter_map(|(i, id)| Some((i?, id)))
        .max()
        .map(|(_, id)| id)
    });
    let digits = match last {
        Some("hash") => hash_digits,
        Some("abbrev") => abbrev,
        Some(_) => Some(Digits::Full),
        // As before where the line cannot be read again.
        None => hash_digits.filter(|d| !matches!(d, Digits::Full)).or(abbrev),
    }
    .unwrap_or(Digits::Full);
    let hex = |id: gix_hash::ObjectId| match digits {
        Digits::Full => id.to_string(),
        Digits::Auto => repo.abbrev(id, None),
        Digits::At(n) => repo.abbrev(id, Some(n)),
    };
    // `id`: what `r` resolves to (callers leave out refs that resolve to nothing).
    let show = |r: &Reference, id: gix_hash::ObjectId, out: &mut dyn Write| -> Result<(), Fatal> {
        let name = r.name.as_bstr().to_str_lossy();
        // Even with --quiet: a ref naming a missing object is a corrupt repository.
        if repo.kind(id).is_none() {
            return Err(Fatal::msg(format!("git show-ref: bad ref {name} ({id})")));
        }
        if a.quiet {
            return Ok(());
        }
        if hash_only {
            writeln!(out, "{}", hex(id))?;
        } else {
            writeln!(out, "{} {name}", hex(id))?;
        }
        if a.dereference {
            if let Some(p) = repo.peel(r, id) {
                // With the name even when only ids are shown, as git.
                writeln!(out, "{} {name}^{{}}", hex(p))?;
            }
        }
        Ok(())
    };
    if a.verify {
        if a.patterns.is_empty() {
            return Err(Fatal::msg("--verify requires a reference"));
        }
        for name in &a.patterns {
            // A dangling symref is not a valid ref either.
            // git reads `refs/…` and root refs (upper case and `_`) only.
            let found = reftable::name::refname_is_safe(name.as_bytes())
                .then(|| repo.exact(name.as_str().into()))
                .flatten()
                .and_then(|r| Some((repo.resolve(&r)?, r)));
            match found {
                Some((id, r)) => show(&r, id, out)?,
                None if a.quiet => return Ok(1),
                None => return Err(Fatal::msg(format!("'{name}' - not a valid ref"))),
            }
        }
        return Ok(0);
    }
    let mut found = false;
    if a.head {
        if let Some((id, h)) = repo.exact("HEAD".into()).and_then(|h| Some((repo.resolve(&h)?, h))) {
            show(&h, id, out)?;
            found = true;
        }
    }
    let mut err = None;
    // git walks refs/heads/ and refs/tags/ alone for those options.
    let walked: &[&str] = match (a.branches, a.tags) {
        (true, true) => &["refs/heads/", "refs/tags/"],
        (true, false) => &["refs/heads/"],
        (false, true) => &["refs/tags/"],
        (false, false) => &[""],
    };
    repo.for_each_entry("refs/", walked, &mut |e| {
        let name = match &e {
            RefEntry::Ref(r) => r.name.as_bstr().to_str_lossy().into_owned(),
            RefEntry::Broken(n) => n.to_str_lossy().into_owned(),
        };
        if (a.branches || a.tags)
            && !((a.branches && name.starts_with("refs/heads/")) || (a.tags && name.starts_with("refs/tags/")))
        {
            return true;
        }
        if !a.patterns.is_empty() && !a.patterns.iter().any(|p| matches(&name, p)) {
            return true;
        }
        let r = match e {
            RefEntry::Ref(r) => r,
            RefEntry::Broken(_) => {
                // git lists a ref whose name is not a ref name with the null
                // id, which names no object.
                let null = repo
                    .refs
                    .as_reftable()
                    .map_or(gix_hash::Kind::Sha1, |s| s.object_hash())
                    .null();
                err = Some(Fatal::msg(format!("git show-ref: bad ref {name} ({null})")));
                return false;
            }
        };
        // git's iteration leaves out symrefs that resolve to nothing.
        let Some(id) = repo.resolve(&r) else {
            return true;
        };
        found = true;
        if let Err(e) = show(&r, id, out) {
            err = Some(e);
            return false;
        }
        true
    })?;
    if let Some(e) = err {
        return Err(e);
    }
    Ok(if found { 0 } else { 1 })
}
