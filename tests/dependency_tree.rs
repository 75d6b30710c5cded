//! The library crates' dependency trees stay lean: no CLI crate in either,
//! and no gix in `reftable-core` (checked with `cargo tree`, normal edges only).

use std::collections::BTreeSet;
use std::process::Command;

/// Crates only a command-line tool or a benchmark has any use for.
const CLI_ONLY: [&str; 5] = ["clap", "indicatif", "unicode-width", "criterion", "libfuzzer-sys"];

/// The package names in `package`'s normal dependency tree, down to `depth`.
fn tree(package: &str, depth: Option<u32>) -> BTreeSet<String> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args([
        "tree",
        "--locked",
        "--offline",
        "-e",
        "normal",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ])
    .args(["-p", package])
    .current_dir(env!("CARGO_MANIFEST_DIR"));
    if let Some(d) = depth {
        cmd.args(["--depth", &d.to_string()]);
    }
    let out = cmd.output().expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    assert!(names.contains(package), "{package} is not in its own tree: {names:?}");
    names
}

#[cfg_attr(windows, ignore = "needs cargo, which the Wine test run does not have")]
#[test]
fn reftable_core_knows_no_gix_and_no_cli_crate() {
    let names = tree("reftable-core", None);
    let gix: Vec<_> = names.iter().filter(|n| n.starts_with("gix")).collect();
    assert!(gix.is_empty(), "reftable-core depends on {gix:?}");
    for cli in CLI_ONLY {
        assert!(!names.contains(cli), "reftable-core depends on {cli}");
    }
}

#[cfg_attr(windows, ignore = "needs cargo, which the Wine test run does not have")]
#[test]
fn reftable_carries_no_cli_crate() {
    let names = tree("reftable", None);
    for cli in CLI_ONLY {
        assert!(!names.contains(cli), "reftable depends on {cli}");
    }
    // jiff and libc come in through gix and tempfile; the library asks for neither itself.
    let direct = tree("reftable", Some(1));
    for own in ["jiff", "libc"] {
        assert!(!direct.contains(own), "reftable depends on {own} directly");
    }
    assert!(direct.contains("reftable-core"));
}
