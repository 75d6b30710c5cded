//! A tiny gix-based porcelain that works on files and reftable repositories
//! alike, through `reftable::backend`:
//!
//! ```sh
//! cargo run --example porcelain -- <repo> current            # the branch HEAD points to
//! cargo run --example porcelain -- <repo> branches           # list local branches
//! cargo run --example porcelain -- <repo> branch <name>      # create a branch at HEAD, with a reflog entry
//! cargo run --example porcelain -- <repo> reflog             # HEAD's reflog, newest first
//! ```

use gix_ref::bstr::ByteSlice;
use gix_ref::transaction::{PreviousValue, RefEdit};
use gix_ref::{FullName, Target};

/// Runs one command on the repository at `args[0]`; returns what it prints.
pub fn run(args: &[String]) -> Result<String, Box<dyn std::error::Error>> {
    let [repo, cmd, rest @ ..] = args else {
        return Err("usage: porcelain <repo> current|branches|branch <name>|reflog".into());
    };
    let repo = gix::open(repo)?;
    let refs = reftable::backend::open(&repo)?;
    let mut out = String::new();
    match (cmd.as_str(), rest) {
        ("current", []) => {
            let head = refs.find_ref("HEAD".into())?;
            match head.target {
                Target::Symbolic(branch) => {
                    let name = branch.as_bstr().to_str_lossy().into_owned();
                    out += name.strip_prefix("refs/heads/").unwrap_or(&name);
                    out += "\n";
                }
                Target::Object(id) => out += &format!("(detached at {id})\n"),
            }
        }
        ("branches", []) => {
            refs.for_each_ref("refs/heads/".into(), &mut |r| {
                out += &format!(
                    "{} {}\n",
                    r.name.shorten(),
                    r.target.try_id().map(|id| id.to_string()).unwrap_or_default()
                );
                Ok(true)
            })?;
        }
        ("branch", [name]) => {
            let head = refs.find_ref("HEAD".into())?;
            let id = match head.target {
                Target::Object(id) => id,
                Target::Symbolic(b) => refs
                    .find_ref(b.as_bstr())?
                    .target
                    .try_id()
                    .ok_or("HEAD points to a symbolic ref")?
                    .to_owned(),
            };
            let full: FullName = format!("refs/heads/{name}").try_into()?;
            let committer = repo.committer().ok_or("no committer configured")??;
            refs.apply(
                vec![RefEdit::update(
                    full,
                    id,
                    PreviousValue::MustNotExist,
                    "branch: Created from HEAD",
                )],
                gix_lock::acquire::Fail::Immediately,
                Some(committer),
            )?;
            out += &format!("created {name} at {id}\n");
        }
        ("reflog", []) => {
            let head: FullName = "HEAD".try_into()?;
            for line in refs.reflog(head.as_ref())?.unwrap_or_default().iter().rev() {
                out += &format!("{} {}\n", line.new_oid, line.message);
            }
        }
        _ => return Err(format!("unknown command {cmd:?}").into()),
    }
    Ok(out)
}

#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(out) => print!("{out}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
