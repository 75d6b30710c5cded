//! `reftable show-ref`, output and exit codes as `git show-ref`.

use std::io::Write;

use gix_ref::bstr::ByteSlice;
use gix_ref::Reference;

use crate::repo::Repo;
use crate::Fatal;
use reftable::store::RefEntry;

#[derive(clap::Args)]
pub struct Args {
    /// Show the HEAD reference, even if it would be filtered out.
    #[arg(long)]
    head: bool,
    /// Only show branches.
    #[arg(long, alias = "heads")]
    branches: bool,
    /// Only show tags.
    #[arg(long)]
    tags: bool,
    /// Dereference tags into object ids.
    #[arg(short = 'd', long)]
    dereference: bool,
    /// Only show the object id, with <n> digits.
    #[arg(short = 's', long, num_args = 0..=1, default_missing_value = "0", require_equals = true)]
    hash: Option<usize>,
    /// Use <n> digits to display object names.
    #[arg(long, num_args = 0..=1, default_missing_value = "7", require_equals = true)]
    abbrev: Option<usize>,
    /// Stricter reference checking: exact ref paths.
    #[arg(long)]
    verify: bool,
    /// Check for reference existence without resolving.
    #[arg(long)]
    exists: bool,
    /// Do not print results.
    #[arg(short, long)]
    quiet: bool,
    patterns: Vec<String>,
}

/// Git's pattern match: the pattern matches a tail of the name made of whole components.
fn matches(name: &str, pattern: &str) -> bool {
    name == pattern || (name.ends_with(pattern) && name.as_bytes()[name.len() - pattern.len() - 1] == b'/')
}

pub fn run(repo: &Repo, a: Args, out: &mut dyn Write) -> Result<i32, Fatal> {
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
    let digits = a.hash.filter(|&n| n > 0).or(a.abbrev);
    let hex = |id: gix_hash::ObjectId| match digits {
        Some(n) if n > 0 => repo.abbrev(id, Some(n)),
        _ => id.to_string(),
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
        if a.hash.is_some() {
            writeln!(out, "{}", hex(id))?;
        } else {
            writeln!(out, "{} {name}", hex(id))?;
        }
        if a.dereference {
            if let Some(p) = repo.peel(r, id) {
                if a.hash.is_some() {
                    writeln!(out, "{}", hex(p))?;
                } else {
                    writeln!(out, "{} {name}^{{}}", hex(p))?;
                }
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
            let found = reftable::store::refname_is_safe(name.as_bytes())
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
    repo.for_each_entry("refs/", &mut |e| {
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
