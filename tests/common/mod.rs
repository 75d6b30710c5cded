//! Helpers shared by the integration tests: running the git oracle.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

/// The git binary under test: `$REFTABLE_TEST_GIT` or `git` from PATH.
pub fn git_bin() -> String {
    std::env::var("REFTABLE_TEST_GIT").unwrap_or_else(|_| "git".into())
}

static CHECK: Once = Once::new();

/// Panics loudly unless git >= 2.45 (the first with reftable) is available.
pub fn require_git() {
    CHECK.call_once(|| {
        let out = Command::new(git_bin())
            .arg("--version")
            .output()
            .expect("git must be installed to run these tests");
        let v = String::from_utf8_lossy(&out.stdout).to_string();
        let nums: Vec<u32> = v
            .trim()
            .trim_start_matches("git version ")
            .split(|c: char| !c.is_ascii_digit())
            .take(2)
            .map(|s| s.parse().unwrap_or(0))
            .collect();
        assert!(
            nums.len() == 2 && (nums[0] > 2 || (nums[0] == 2 && nums[1] >= 45)),
            "these tests need git >= 2.45 (reftable support); `{}` is {v}",
            git_bin()
        );
    });
}

/// A git command in `dir` with a hermetic environment.
pub fn git(dir: &Path) -> Command {
    require_git();
    let mut c = Command::new(git_bin());
    c.current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", "/nonexistent")
        .env("GIT_AUTHOR_NAME", "A U Thor")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_COMMITTER_NAME", "C O Mitter")
        .env("GIT_COMMITTER_EMAIL", "committer@example.com")
        .env("GIT_AUTHOR_DATE", "1700000000 +0000")
        .env("GIT_COMMITTER_DATE", "1700000000 +0000")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_NAMESPACE");
    c
}

/// `program` (one of our binaries) in `dir`, in the same hermetic
/// environment as [`git`]`(dir)`.
pub fn like_git(program: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    for (k, v) in git(dir).get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.current_dir(dir);
    cmd
}

/// Runs git with `args` in `dir`, asserts success, returns stdout.
pub fn git_out(dir: &Path, args: &[&str]) -> String {
    let out = git(dir).args(args).output().expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

/// `git init -q --initial-branch=main <options> <name>` in `parent`;
/// returns the new repository's directory.
pub fn git_init(parent: &Path, name: &str, options: &[&str]) -> PathBuf {
    let mut args = vec!["init", "-q", "--initial-branch=main"];
    args.extend_from_slice(options);
    args.push(name);
    git_out(parent, &args);
    parent.join(name)
}

/// Like [`git_out`] with `input` on stdin.
pub fn git_stdin(dir: &Path, args: &[&str], input: &str) -> String {
    use std::io::Write;
    let mut child = git(dir)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn git");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The committed fixtures directory: `fixtures/` at the top of the
/// workspace, whichever crate's tests ask.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("fixtures"))
        .find(|dir| dir.join("generate.sh").is_file())
        .expect("the workspace's fixtures/ directory")
}

/// Copies a fixture repository into a temporary directory.
pub fn fixture_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join(name);
    copy_dir(&fixtures().join(name), &dst);
    (tmp, dst)
}

/// Copies a directory tree.
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// All fixture repositories.
pub fn fixture_repos() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            n.ends_with(".git").then_some(n)
        })
        .collect();
    v.sort();
    v
}

/// The table files of a repository's stack, oldest first.
pub fn stack_tables(git_dir: &Path) -> Vec<PathBuf> {
    let dir = git_dir.join("reftable");
    std::fs::read_to_string(dir.join("tables.list"))
        .unwrap()
        .lines()
        .map(|l| dir.join(l))
        .collect()
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Asserts two multi-line texts are equal, reporting only the first
/// differing line (outputs here can have thousands of lines).
#[track_caller]
pub fn assert_lines_eq(ours: &str, theirs: &str, what: &str) {
    if ours == theirs {
        return;
    }
    let (a, b): (Vec<&str>, Vec<&str>) = (ours.lines().collect(), theirs.lines().collect());
    let i = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    panic!(
        "{what}: differs at line {} (ours {} lines, git {} lines)\n ours: {:?}\n  git: {:?}",
        i + 1,
        a.len(),
        b.len(),
        a.get(i),
        b.get(i)
    );
}

/// Bytes of a hex object id.
pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Makes `n` empty commits in the repository at `dir`; returns their ids, oldest first.
pub fn make_commits(dir: &Path, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            git_out(dir, &["commit", "-q", "--allow-empty", "-m", &format!("c{i}")]);
            git_out(dir, &["rev-parse", "HEAD"]).trim().to_string()
        })
        .collect()
}

/// The files of a directory (not its subdirectories) with their contents.
pub fn dir_files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            let bytes = std::fs::read(e.path()).ok()?;
            Some((e.file_name().to_string_lossy().into_owned(), bytes))
        })
        .collect()
}

/// A number from the environment (for longer test runs), or `default`.
pub fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// Lock files and temporary tables left in a stack directory.
pub fn stack_leftovers(reftable_dir: &Path) -> Vec<String> {
    std::fs::read_dir(reftable_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".lock") || n.contains(".temp."))
        .collect()
}
