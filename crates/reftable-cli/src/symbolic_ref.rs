//! `reftable symbolic-ref`, as `git symbolic-ref`.

use std::io::Write;

use gix_ref::bstr::ByteSlice;
use gix_ref::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix_ref::Target;

use crate::repo::Repo;
use crate::update_ref::{apply, full_name};
use crate::Fatal;

#[derive(clap::Args)]
pub struct Args {
    /// Reflog message.
    #[arg(short = 'm')]
    message: Option<String>,
    /// Delete the symbolic ref.
    #[arg(short = 'd', long, overrides_with = "no_delete")]
    delete: bool,
    #[arg(long = "no-delete", hide = true)]
    no_delete: bool,
    /// Do not complain if <name> is not a symbolic ref.
    #[arg(short = 'q', long, overrides_with = "no_quiet")]
    quiet: bool,
    #[arg(long = "no-quiet", hide = true)]
    no_quiet: bool,
    /// Shorten the output (refs/heads/main -> main).
    #[arg(long, overrides_with = "no_short")]
    short: bool,
    #[arg(long = "no-short", hide = true)]
    no_short: bool,
    /// Follow symbolic refs (the default); --no-recurse stops after one level.
    #[arg(long, overrides_with = "recurse")]
    no_recurse: bool,
    #[arg(long, hide = true, overrides_with = "no_recurse")]
    recurse: bool,
    /// <name> [<ref>].
    args: Vec<String>,
}

pub fn run(repo: &Repo, a: Args, out: &mut dyn Write) -> Result<i32, Fatal> {
    if a.message.as_deref() == Some("") {
        return Err(Fatal::msg("Refusing to perform update with empty message"));
    }
    match (a.delete, a.args.as_slice()) {
        (false, [name]) => {
            let Some(r) = repo.exact(name.as_str().into()) else {
                if a.quiet {
                    return Ok(1);
                }
                return Err(Fatal::msg(format!("ref {name} is not a symbolic ref")));
            };
            let mut target = match r.target {
                Target::Symbolic(t) => t,
                Target::Object(_) => {
                    if a.quiet {
                        return Ok(1);
                    }
                    return Err(Fatal::msg(format!("ref {name} is not a symbolic ref")));
                }
            };
            if !a.no_recurse {
                // git's `refs_resolve_ref_unsafe`: five reads at most (this
                // name and four targets); a fifth symref is a loop or too deep.
                let mut reads = 1;
                while let Some(Target::Symbolic(t)) = repo.exact(target.as_bstr()).map(|r| r.target) {
                    reads += 1;
                    if reads == 5 {
                        return Err(Fatal::msg(format!("No such ref: {name}")));
                    }
                    target = t;
                }
            }
            let t = target.as_bstr().to_str_lossy();
            if a.short {
                writeln!(out, "{}", repo.shorten(target.as_bstr()))?;
            } else {
                writeln!(out, "{t}")?;
            }
            Ok(0)
        }
        (false, [name, target]) => {
            if name == "HEAD" && !target.starts_with("refs/") {
                return Err(Fatal::msg("Refusing to point HEAD outside of refs/"));
            }
            let edit = RefEdit {
                change: Change::Update {
                    log: LogChange {
                        mode: RefLog::AndReference,
                        force_create_reflog: false,
                        message: reftable::reflog::normalize_reflog_message(
                            a.message.unwrap_or_default().as_bytes(),
                        )
                        .into(),
                    },
                    expected: PreviousValue::Any,
                    new: Target::Symbolic(
                        full_name(target)
                            .map_err(|_| Fatal::msg(format!("Refusing to set '{name}' to invalid ref '{target}'")))?,
                    ),
                },
                name: full_name(name).map_err(|_| bad_name(name))?,
                deref: false,
            };
            applied(repo, edit)?;
            Ok(0)
        }
        (true, [name]) => {
            match repo.exact(name.as_str().into()).map(|r| r.target) {
                Some(Target::Symbolic(_)) => {}
                Some(Target::Object(_)) => return Err(Fatal::msg(format!("Cannot delete {name}, not a symbolic ref"))),
                // Even with -q, as git.
                None => return Err(Fatal::msg(format!("Cannot delete {name}, not a symbolic ref"))),
            }
            if name == "HEAD" {
                return Err(Fatal::msg("deleting 'HEAD' is not allowed"));
            }
            let edit = RefEdit {
                change: Change::Delete {
                    expected: PreviousValue::MustExist,
                    log: RefLog::AndReference,
                },
                name: full_name(name).map_err(|_| bad_name(name))?,
                deref: false,
            };
            applied(repo, edit)?;
            Ok(0)
        }
        _ => Err(Fatal::usage("usage: reftable symbolic-ref [-m <reason>] <name> <ref>\n   or: reftable symbolic-ref [-q] [--short] [--no-recurse] <name>\n   or: reftable symbolic-ref --delete [-q] <name>")),
    }
}

/// git's `refname_is_safe` refusal, an error (exit 1) as symbolic-ref reports
/// a failed update.
fn bad_name(name: &str) -> Fatal {
    Fatal::error(format!("refusing to update ref with bad name '{name}'"))
}

/// Applies `edit`; git's symbolic-ref reports a failed transaction as an
/// error (exit 1), not as fatal.
fn applied(repo: &Repo, edit: RefEdit) -> Result<(), Fatal> {
    apply(repo, vec![edit]).map_err(|f| {
        if f.code == 128 && !f.died {
            Fatal::error(f.msg)
        } else {
            f
        }
    })
}
