//! The `reftable` command: git-compatible plumbing over the crate's stores.
//! Works on reftable and files repositories (through `reftable::backend`).

mod dump;
mod for_each_ref;
mod ident;
mod maint;
mod progress;
mod repo;
mod show_ref;
mod symbolic_ref;
mod update_ref;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A fatal error: printed as `fatal: …` (exit 128) or a usage error (exit 129).
#[derive(Debug)]
pub struct Fatal {
    pub msg: String,
    pub code: u8,
}

impl Fatal {
    pub fn msg(msg: impl Into<String>) -> Self {
        Fatal {
            msg: msg.into(),
            code: 128,
        }
    }
    pub fn usage(msg: impl Into<String>) -> Self {
        Fatal {
            msg: msg.into(),
            code: 129,
        }
    }
    /// An `error: …` with exit status 1 (what git reports for some failed updates).
    pub fn error(msg: impl Into<String>) -> Self {
        Fatal {
            msg: msg.into(),
            code: 1,
        }
    }
}

impl From<std::io::Error> for Fatal {
    fn from(e: std::io::Error) -> Self {
        Fatal::msg(format!("write error: {e}"))
    }
}

#[derive(Parser)]
#[command(
    name = "reftable",
    version,
    about = "git-compatible reference plumbing for reftable (and files) repositories"
)]
struct Cli {
    /// Run as if started in <path>.
    #[arg(short = 'C', global = true)]
    dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List references (as `git show-ref`).
    ShowRef(show_ref::Args),
    /// Output information on each reference (as `git for-each-ref`).
    ForEachRef(for_each_ref::Args),
    /// Update references in one atomic transaction (as `git update-ref`).
    UpdateRef(update_ref::Args),
    /// Read, modify and delete symbolic refs (as `git symbolic-ref`).
    SymbolicRef(symbolic_ref::Args),
    /// Show, check, delete and expire reflogs (as `git reflog`).
    Reflog {
        #[command(subcommand)]
        cmd: maint::Reflog,
    },
    /// Compact the reftable stack (as `git pack-refs`).
    PackRefs {
        /// Only compact when the geometric heuristic asks for it.
        #[arg(long)]
        auto: bool,
        /// Accepted for compatibility (reftable always packs everything).
        #[arg(long)]
        all: bool,
    },
    /// Verify or migrate the reference database (as `git refs`).
    Refs {
        #[command(subcommand)]
        cmd: maint::Refs,
    },
    /// Create a repository (reftable unless --ref-format=files).
    Init(maint::InitArgs),
    /// Print the records of reftable files.
    Dump {
        #[command(subcommand)]
        what: dump::Dump,
    },
}

fn run(cli: Cli, out: &mut dyn Write) -> Result<i32, Fatal> {
    match cli.command {
        Command::Dump { what } => dump::run(what, out),
        Command::ShowRef(a) => show_ref::run(&repo::open(cli.dir.as_deref())?, a, out),
        Command::ForEachRef(a) => for_each_ref::run(&repo::open(cli.dir.as_deref())?, a, out),
        Command::Reflog { cmd } => maint::reflog(&repo::open(cli.dir.as_deref())?, cmd, out),
        Command::PackRefs { auto, .. } => maint::pack_refs(&repo::open(cli.dir.as_deref())?, auto),
        Command::Refs { cmd } => maint::refs(&repo::open(cli.dir.as_deref())?, cmd, out),
        Command::Init(a) => maint::init(a, out),
        Command::UpdateRef(a) => update_ref::run(&repo::open(cli.dir.as_deref())?, a, out),
        Command::SymbolicRef(a) => symbolic_ref::run(&repo::open(cli.dir.as_deref())?, a, out),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind::*;
            let code = if matches!(e.kind(), DisplayHelp | DisplayVersion) {
                0
            } else {
                129
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let res = run(cli, &mut out);
    let flushed = out.flush();
    match res {
        Ok(code) => {
            if let Err(e) = flushed {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    eprintln!("fatal: write error: {e}");
                    return ExitCode::from(128);
                }
            }
            ExitCode::from(code as u8)
        }
        Err(f) => {
            if f.code == 129 && f.msg.starts_with("usage:") {
                eprintln!("{}", f.msg);
            } else if f.code == 129 || f.code == 1 || f.code == 255 {
                eprintln!("error: {}", f.msg);
            } else {
                eprintln!("fatal: {}", f.msg);
            }
            ExitCode::from(f.code)
        }
    }
}
