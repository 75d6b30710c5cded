//! The `reftable` command: git-compatible plumbing over the crate's stores.
//! Works on reftable and files repositories (through `reftable::backend`).

// Only `libc_time` (the C library's time functions, as git calls them, on Unix) is allowed unsafe code.
#![deny(unsafe_code)]

mod approxidate;
mod color;
mod ctype;
mod date;
mod dump;
mod for_each_ref;
mod ident;
#[cfg(unix)]
mod libc_time;
#[cfg(not(unix))]
#[path = "portable_time.rs"]
mod libc_time;
mod maint;
mod nesting;
mod object_atoms;
mod progress;
mod reach;
mod reflog_show;
mod remote;
mod repo;
mod show_ref;
mod symbolic_ref;
mod time_fields;
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
    /// Reported where it happens, as git's `die()` deep in its code (an
    /// invalid `GIT_COMMITTER_DATE`): no caller words it for a ref.
    pub died: bool,
}

/// A message as git's `vreportf` prints it: control characters but tab and
/// newline become `?` (a ref name can hold them).
pub fn reportable(msg: &str) -> std::borrow::Cow<'_, str> {
    if msg.chars().any(|c| c.is_ascii_control() && c != '\t' && c != '\n') {
        msg.chars()
            .map(|c| {
                if c.is_ascii_control() && c != '\t' && c != '\n' {
                    '?'
                } else {
                    c
                }
            })
            .collect::<String>()
            .into()
    } else {
        msg.into()
    }
}

impl Fatal {
    pub fn msg(msg: impl Into<String>) -> Self {
        Fatal {
            msg: msg.into(),
            code: 128,
            died: false,
        }
    }
    pub fn usage(msg: impl Into<String>) -> Self {
        Fatal {
            msg: msg.into(),
            code: 129,
            died: false,
        }
    }
    /// A `fatal: …` as git's `die()` where no caller adds the ref's name.
    pub fn die(msg: impl Into<String>) -> Self {
        Fatal {
            died: true,
            ..Fatal::msg(msg)
        }
    }
    /// An `error: …` with exit status 1 (what git reports for some failed updates).
    pub fn error(msg: impl Into<String>) -> Self {
        Fatal {
            msg: msg.into(),
            code: 1,
            died: false,
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
    // As git's parse-options: a repeated option is taken again (the last wins).
    args_override_self = true,
    about = "git-compatible reference plumbing for reftable (and files) repositories"
)]
struct Cli {
    /// Run as if started in <path>.
    #[arg(short = 'C', global = true)]
    dir: Option<PathBuf>,
    /// Set a configuration value for this command (`-c <name>=<value>`, as git's).
    #[arg(short = 'c', value_name = "name>=<value", action = clap::ArgAction::Append)]
    config: Vec<String>,
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
    #[command(args_conflicts_with_subcommands = true)]
    Reflog {
        #[command(subcommand)]
        cmd: Option<maint::Reflog>,
        /// Without a subcommand: `show` these.
        #[command(flatten)]
        show: maint::ShowArgs,
    },
    /// Compact the reftable stack (as `git pack-refs`).
    PackRefs {
        /// Only compact when the geometric heuristic asks for it.
        #[arg(long, overrides_with = "no_auto")]
        auto: bool,
        #[arg(long, hide = true, overrides_with = "auto")]
        no_auto: bool,
        /// Accepted, as git accepts them: a reftable stack is packed whole
        /// (`--[no-]all`, `--[no-]prune`, `--include`, `--exclude`).
        #[arg(long, overrides_with = "no_all")]
        all: bool,
        #[arg(long, hide = true, overrides_with = "all")]
        no_all: bool,
        #[arg(long, hide = true, overrides_with = "no_prune")]
        prune: bool,
        #[arg(long, hide = true, overrides_with = "prune")]
        no_prune: bool,
        #[arg(long, hide = true, value_name = "pattern")]
        include: Vec<String>,
        #[arg(long, hide = true)]
        no_include: bool,
        #[arg(long, hide = true, value_name = "pattern")]
        exclude: Vec<String>,
        #[arg(long, hide = true)]
        no_exclude: bool,
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
    // As git's tempfile.c: a termination signal removes the lock files and
    // temporary tables in flight, then ends the process as the signal would.
    // Only commands that may write have any; the read commands start without.
    let writes = !matches!(
        cli.command,
        Command::ShowRef(_) | Command::ForEachRef(_) | Command::Dump { .. }
    );
    if writes {
        if let Err(e) = reftable::interrupt::setup() {
            eprintln!("warning: cannot install signal handlers: {e}");
        }
    }
    let dir = cli.dir.as_deref();
    repo::set_config_overrides(cli.config);
    // The repository is not dropped: the process ends right after, and the
    // kernel unmaps the tables and closes their files at exit at once,
    // where dropping would unmap them one by one (a few percent of a short
    // command). Commands release their locks themselves before returning.
    let keep = |repo: repo::Repo| &*Box::leak(Box::new(repo));
    match cli.command {
        Command::Dump { what } => dump::run(what, out),
        Command::ShowRef(a) => show_ref::run(keep(repo::open_for_reading(dir)?), a, out),
        Command::ForEachRef(a) => for_each_ref::run(keep(repo::open_for_reading(dir)?), a, out),
        Command::Reflog { cmd, show } => {
            maint::reflog(keep(repo::open(dir)?), cmd.unwrap_or(maint::Reflog::Show(show)), out)
        }
        Command::PackRefs { auto, .. } => maint::pack_refs(keep(repo::open(dir)?), auto),
        Command::Refs { cmd } => maint::refs(keep(repo::open(dir)?), cmd, out),
        Command::Init(a) => maint::init(a, out),
        Command::UpdateRef(a) => update_ref::run(keep(repo::open(dir)?), a, out),
        Command::SymbolicRef(a) => symbolic_ref::run(keep(repo::open(dir)?), a, out),
    }
}

/// The command line, with git's `--end-of-options` (everything after it is
/// an argument, not an option) spelled as clap's `--`.
///
/// `show-ref -s<n>` (a value joined to the short option, which clap takes
/// only after `=` for an option whose value is optional) becomes
/// `-s=<n>`, also at the end of a cluster of flags (`-ds8`).
fn git_args() -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(i) = args.iter().position(|a| a == "--end-of-options" || a == "--") {
        if args[i] == "--end-of-options" {
            args[i] = "--".into();
        }
    }
    let sub = subcommand_index(&args);
    if args.get(sub).is_some_and(|a| a == "show-ref") {
        let mut i = sub + 1;
        while i < args.len() && args[i] != "--" {
            match split_joined_hash(&args[i]) {
                Some(with) => {
                    let n = with.len();
                    args.splice(i..=i, with);
                    i += n;
                }
                None => i += 1,
            }
        }
    }
    args
}

/// `-s<n>` or `-ds<n>` (flags without a value, then `-s` with its value
/// joined) as clap reads them: `-s=<n>` after the flags; `None` for any
/// other argument.
fn split_joined_hash(arg: &std::ffi::OsStr) -> Option<Vec<std::ffi::OsString>> {
    let rest = arg.to_str()?.strip_prefix('-').filter(|r| !r.starts_with('-'))?;
    let flags = rest.bytes().take_while(|&c| c == b'd' || c == b'q').count();
    let value = rest[flags..]
        .strip_prefix('s')
        .filter(|v| !v.is_empty() && !v.starts_with('='))?;
    let mut with = Vec::new();
    if flags > 0 {
        with.push(format!("-{}", &rest[..flags]).into());
    }
    with.push(format!("-s={value}").into());
    Some(with)
}

/// Where the subcommand's name is in `args`: after `-C <path>` or `-C<path>`.
fn subcommand_index(args: &[std::ffi::OsString]) -> usize {
    let mut i = 1;
    while let Some(a) = args.get(i).map(|a| a.as_encoded_bytes()) {
        match a {
            b"-C" | b"-c" => i += 2,
            _ if a.starts_with(b"-C") || a.starts_with(b"-c") => i += 1,
            _ => break,
        }
    }
    i
}

/// As git's parse-options: a long option may be shortened to any prefix
/// that names only it (clap then takes it; an ambiguous one is refused).
fn git_style(cmd: clap::Command) -> clap::Command {
    cmd.infer_long_args(true).mut_subcommands(git_style)
}

/// The full parser, for every command.
fn parse_full() -> Result<Cli, clap::Error> {
    use clap::{CommandFactory as _, FromArgMatches as _};
    let mut m = git_style(Cli::command()).try_get_matches_from(git_args())?;
    Cli::from_arg_matches_mut(&mut m)
}

/// Parses the command line building only the parser of the subcommand
/// named, for the commands scripts run thousands of times (building all of
/// them costs more than a lookup). `None` when that does not apply or the
/// line does not parse: the full parser then runs and reports as usual.
fn parse_quick() -> Option<Cli> {
    use clap::FromArgMatches as _;
    Cli::from_arg_matches(quick_matches()?).ok()
}

/// The matches of the command line, built with only the parser of the
/// subcommand named (see [`parse_quick`]); `None` if it is not one of those
/// or does not parse. Parsed once: `show-ref` asks again for the order of
/// its options.
fn quick_matches() -> Option<&'static clap::ArgMatches> {
    static MATCHES: std::sync::OnceLock<Option<clap::ArgMatches>> = std::sync::OnceLock::new();
    MATCHES.get_or_init(parse_quick_matches).as_ref()
}

fn parse_quick_matches() -> Option<clap::ArgMatches> {
    use clap::Args as _;
    let args = git_args();
    let sub = match args.get(subcommand_index(&args))?.to_str()? {
        "show-ref" => show_ref::Args::augment_args(clap::Command::new("show-ref")),
        "for-each-ref" => for_each_ref::Args::augment_args(clap::Command::new("for-each-ref")),
        "update-ref" => update_ref::Args::augment_args(clap::Command::new("update-ref")),
        "symbolic-ref" => symbolic_ref::Args::augment_args(clap::Command::new("symbolic-ref")),
        _ => return None,
    };
    // `-C` exactly as the derived `Cli::dir`.
    let dir = clap::Arg::new("dir")
        .short('C')
        .global(true)
        .action(clap::ArgAction::Set)
        .value_parser(clap::value_parser!(PathBuf));
    let config = clap::Arg::new("config").short('c').action(clap::ArgAction::Append);
    clap::Command::new("reftable")
        .args_override_self(true)
        .arg(dir)
        .arg(config)
        .subcommand(git_style(sub))
        .subcommand_required(true)
        .try_get_matches_from(args)
        .ok()
}

/// The matches of subcommand `name` on this command line, where options'
/// order matters beyond what the parsed arguments keep.
fn subcommand_matches(name: &str) -> Option<&'static clap::ArgMatches> {
    quick_matches()?.subcommand_matches(name)
}

fn main() -> ExitCode {
    let parsed = match parse_quick() {
        Some(cli) => Ok(cli),
        None => parse_full(),
    };
    let cli = match parsed {
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
                eprintln!("error: {}", reportable(&f.msg));
            } else {
                eprintln!("fatal: {}", reportable(&f.msg));
            }
            ExitCode::from(f.code)
        }
    }
}
