//! The `reftable` command against `git` itself: same arguments on the same
//! repositories, same stdout, exit code and first word of stderr.

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

pub struct Outcome {
    pub stdout: String,
    pub code: i32,
    pub stderr: String,
}

fn run(mut cmd: Command, stdin: Option<&str>) -> Outcome {
    use std::io::Write;
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let input = stdin.unwrap_or("").to_owned();
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Outcome {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Our command in `dir`, in the same hermetic environment as `git(dir)`.
pub fn ours_cmd(dir: &Path) -> Command {
    let mut cmd = like_git(env!("CARGO_BIN_EXE_reftable"), dir);
    cmd.current_dir(dir);
    cmd
}

pub fn ours(dir: &Path, args: &[&str], stdin: Option<&str>) -> Outcome {
    let mut cmd = ours_cmd(dir);
    cmd.args(args);
    run(cmd, stdin)
}

pub fn theirs(dir: &Path, args: &[&str], stdin: Option<&str>) -> Outcome {
    let mut c = git(dir);
    c.args(args);
    run(c, stdin)
}

fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or("")
}

/// Runs `args` with both tools and asserts the same observable result.
#[track_caller]
pub fn same(dir: &Path, args: &[&str]) -> Outcome {
    let (a, b) = (ours(dir, args, None), theirs(dir, args, None));
    let what = format!("{args:?} in {}", dir.display());
    assert_lines_eq(&a.stdout, &b.stdout, &what);
    assert_eq!(
        a.code, b.code,
        "exit code of {what}; ours stderr: {} git stderr: {}",
        a.stderr, b.stderr
    );
    assert_eq!(
        first_word(&a.stderr),
        first_word(&b.stderr),
        "stderr of {what}: ours {:?}, git {:?}",
        a.stderr,
        b.stderr
    );
    assert_ne!(a.code, 101, "panic: {}", a.stderr);
    a
}

/// Ours and git's outcomes of the same command agree in full: stdout, exit
/// code and the whole of stderr.
#[track_caller]
fn assert_same_outcome(x: &Outcome, y: &Outcome, what: &str) {
    assert_eq!(x.stdout, y.stdout, "stdout of {what}");
    assert_eq!(
        x.code, y.code,
        "exit code of {what}: ours {:?} git {:?}",
        x.stderr, y.stderr
    );
    assert_eq!(x.stderr, y.stderr, "stderr of {what}");
}

fn files_repo(tmp: &Path) -> std::path::PathBuf {
    let dir = git_init(tmp, "files", &["--ref-format=files"]);
    git_out(&dir, &["commit", "-q", "--allow-empty", "-m", "a"]);
    git_out(&dir, &["commit", "-q", "--allow-empty", "-m", "b"]);
    git_out(&dir, &["tag", "-a", "-m", "t", "v1", "HEAD~1"]);
    git_out(&dir, &["branch", "feature", "HEAD~1"]);
    git_out(&dir, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    git_out(
        &dir,
        &["symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main"],
    );
    git_out(&dir, &["config", "branch.main.remote", "origin"]);
    git_out(&dir, &["config", "branch.main.merge", "refs/heads/main"]);
    git_out(&dir, &["config", "remote.origin.url", "/nonexistent"]);
    git_out(
        &dir,
        &["config", "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*"],
    );
    git_out(&dir, &["config", "branch.feature.remote", "elsewhere"]);
    git_out(&dir, &["config", "branch.feature.merge", "refs/heads/feature"]);
    dir
}

const READ_CASES: &[&[&str]] = &[
    &["reflog", "list"],
    &["show-ref"],
    &["show-ref", "--head"],
    &["show-ref", "--tags"],
    &["show-ref", "--branches"],
    &["show-ref", "--heads", "--tags", "-d"],
    &["show-ref", "--hash"],
    &["show-ref", "--hash=10", "main"],
    &["show-ref", "--abbrev=9", "-d"],
    &["show-ref", "main"],
    &["show-ref", "heads/main", "v1.0"],
    &["show-ref", "nothing-matches"],
    &["show-ref", "--verify", "refs/heads/main"],
    &["show-ref", "--verify", "HEAD"],
    &["show-ref", "--verify", "main"],
    &["show-ref", "--verify", "refs/heads/nope"],
    &["show-ref", "--verify", "-q", "refs/heads/nope"],
    &["show-ref", "--exists", "refs/heads/main"],
    &["show-ref", "--exists", "refs/heads/nope"],
    &["show-ref", "--exists", "HEAD", "extra"],
    &["show-ref", "--exists"],
    &["show-ref", "--bogus-option"],
    &["for-each-ref"],
    &[
        "for-each-ref",
        "--format=%(refname) %(objectname) %(*objectname) %(symref)",
    ],
    &[
        "for-each-ref",
        "--format=%(HEAD)|%(refname:short)|%(objectname:short)|%(objecttype)|%(*objecttype)|%(upstream)",
    ],
    &["for-each-ref", "--format=%(refname)%00%(objectname)%%"],
    &["for-each-ref", "--sort=-refname"],
    &["for-each-ref", "--sort=objectname", "--format=%(objectname) %(refname)"],
    &[
        "for-each-ref",
        "--sort=objecttype",
        "--sort=-refname",
        "--format=%(objecttype) %(refname)",
    ],
    &["for-each-ref", "--count=3"],
    &["for-each-ref", "refs/tags"],
    &["for-each-ref", "refs/heads/", "refs/remotes"],
    &["for-each-ref", "refs/heads/f*"],
    &["for-each-ref", "refs/tags/v[12]*"],
    &["for-each-ref", "refs/nothing"],
    &["for-each-ref", "--format=%(bogus)"],
    &[
        "for-each-ref",
        "--format=%(objectname:short=10) %(objectname:short=4) %(refname:lstrip=2)",
    ],
    &[
        "for-each-ref",
        "--format=%(refname:rstrip=-2)|%(refname:strip=1)|%(refname:lstrip=-1)%(color:red)",
    ],
    &["for-each-ref", "--points-at=HEAD"],
    &[
        "for-each-ref",
        "--points-at=HEAD~1",
        "--points-at=main",
        "--format=%(refname)",
    ],
    &["for-each-ref", "--points-at=nope"],
    &["for-each-ref", "--sort=version:refname", "--count=0"],
    &["for-each-ref", "--sort=-v:refname:short", "--format=%(refname:short)"],
    &["for-each-ref", "--format=%(objectname:short=0)"],
    &["for-each-ref", "--format=%(refname:lstrip=x)"],
    &["for-each-ref", "--format=%(refname:bogus)"],
    &[
        "for-each-ref",
        "--format=%(objectsize) %(tree:short) %(parent) %(numparent) %(*subject) %(taggerdate:iso) %(contents)",
    ],
    &[
        "for-each-ref",
        "--sort=-creatordate",
        "--format=%(creator) %(subject) %(authoremail:trim)",
    ],
    &["for-each-ref", "--include-root-refs"],
    &[
        "for-each-ref",
        "--include-root-refs",
        "--format=%(refname) %(symref)",
        "H*",
    ],
    &["for-each-ref", "refs/*"],
    &["for-each-ref", "*"],
    &["for-each-ref", "refs/**/main", "refs/*/v1.0"],
    &["for-each-ref", "--exclude=refs/tags", "--exclude", "refs/heads/f*"],
    &[
        "for-each-ref",
        "--ignore-case",
        "--sort=-refname",
        "REFS/HEADS/MAIN",
        "refs/TAGS/*",
    ],
    &["for-each-ref", "--omit-empty", "--format=%(symref)"],
    &[
        "for-each-ref",
        "--shell",
        "--format=x=%(refname) %(objectname:short) %(symref)",
    ],
    &["for-each-ref", "-p", "--format=%(refname)%(subject)"],
    &["for-each-ref", "--python", "--format=%(contents)"],
    &["for-each-ref", "--tcl", "--format=%(refname) %(contents)"],
    &["for-each-ref", "--shell", "--tcl"],
    &["show-ref", "--abbrev=4", "-d"],
    &["reflog", "show"],
    &["reflog", "show", "--no-abbrev-commit", "refs/heads/main"],
    &["reflog", "show", "main"],
    &["reflog", "show", "feature"],
    &["reflog", "exists", "refs/heads/main"],
    &["reflog", "exists", "refs/heads/nope"],
    &["reflog", "exists", "a..b"],
    &["reflog", "exists", "refs/heads/main", "extra", "ignored"],
    &["reflog", "show", "refs/heads/nope"],
];

#[test]
fn read_commands_match_git() {
    let tmp = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    for repo in ["sha1.git", "sha256.git", "blocksize.git"] {
        let (t, d) = fixture_copy(repo);
        dirs.push((Some(t), d));
    }
    dirs.push((None, files_repo(tmp.path())));
    for (_t, dir) in &dirs {
        for args in READ_CASES {
            same(dir, args);
        }
    }
}

/// Read commands open plain reftable repositories without gix (see
/// `repo::open_for_reading`); a variable that sends them through the full
/// open (`GIT_CONFIG_COUNT=0` changes nothing else) gives the same output,
/// and so do repositories the quick path leaves alone: config includes,
/// a linked worktree.
#[test]
fn quick_read_path_matches_full_open() {
    let tmp = tempfile::tempdir().unwrap();
    let (_t, bare) = fixture_copy("sha256.git");
    let (_a, b, _ids) = twin(tmp.path(), "reftable", "sha1");
    let wt = tmp.path().join("wt");
    git_out(&b, &["worktree", "add", "-q", "-b", "wt", wt.to_str().unwrap()]);
    let included = tmp.path().join("included");
    copy_dir(&b, &included);
    git_out(&included, &["config", "include.path", "/dev/null"]);
    for dir in [&bare, &b, &wt, &included] {
        for args in READ_CASES
            .iter()
            .filter(|a| matches!(a[0], "show-ref" | "for-each-ref"))
        {
            let quick = ours(dir, args, None);
            let mut full = ours_cmd(dir);
            full.args(*args).env("GIT_CONFIG_COUNT", "0");
            let full = run(full, None);
            let what = format!("{args:?} in {}", dir.display());
            assert_lines_eq(&quick.stdout, &full.stdout, &what);
            assert_eq!((quick.code, &quick.stderr), (full.code, &full.stderr), "{what}");
            same(dir, args);
        }
    }
}

#[test]
fn no_repository_and_bad_arguments() {
    let tmp = tempfile::tempdir().unwrap();
    let a = ours(tmp.path(), &["show-ref"], None);
    let b = theirs(tmp.path(), &["show-ref"], None);
    assert_eq!((a.code, first_word(&a.stderr)), (b.code, first_word(&b.stderr)));
    let a = ours(tmp.path(), &["no-such-command"], None);
    assert_eq!(a.code, 129);
    let a = ours(tmp.path(), &["dump", "table", "/nonexistent"], None);
    assert_eq!((a.code, first_word(&a.stderr)), (128, "fatal:"));
}

/// Two identical repositories (same commits, same ids).
fn twin(tmp: &Path, format: &str, hash: &str) -> (std::path::PathBuf, std::path::PathBuf, Vec<String>) {
    let mut dirs = Vec::new();
    let mut ids = Vec::new();
    for side in ["ours", "git"] {
        let name = format!("{side}-{format}-{hash}");
        let dir = tmp.join(&name);
        git_init(
            tmp,
            &name,
            &[&format!("--ref-format={format}"), &format!("--object-format={hash}")],
        );
        for i in 0..3 {
            git_out(&dir, &["commit", "-q", "--allow-empty", "-m", &format!("c{i}")]);
        }
        git_out(&dir, &["symbolic-ref", "refs/remotes/origin/HEAD", "refs/heads/main"]);
        ids = (0..3)
            .map(|i| git_out(&dir, &["rev-parse", &format!("HEAD~{i}")]).trim().to_owned())
            .collect();
        dirs.push(dir);
    }
    (dirs.remove(0), dirs.remove(0), ids)
}

/// Runs `args` with ours on `a` and git on `b`; same output, exit code,
/// stderr's first word, and the same refs and reflogs afterwards.
#[track_caller]
fn twin_step(a: &Path, b: &Path, label: &str, args: &[&str], stdin: Option<&str>) {
    let (x, y) = (ours(a, args, stdin), theirs(b, args, stdin));
    let what = format!("{label} {args:?} {stdin:?}");
    assert_lines_eq(&x.stdout, &y.stdout, &what);
    assert_eq!(
        x.code, y.code,
        "exit code of {what}: ours {:?} git {:?}",
        x.stderr, y.stderr
    );
    assert_eq!(
        first_word(&x.stderr),
        first_word(&y.stderr),
        "stderr of {what}: ours {:?} git {:?}",
        x.stderr,
        y.stderr
    );
    assert_lines_eq(&state(a), &state(b), &format!("state after {what}"));
}

/// How many tables the stack in `dir` has.
fn tables(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join(".git/reftable/tables.list"))
        .unwrap()
        .lines()
        .count()
}

/// Every record of the stack in `dir` (`dump stack`), without the table
/// headers (their names end in random digits).
fn records(dir: &Path) -> String {
    let out = ours(dir, &["dump", "stack", ".git/reftable"], None);
    assert_eq!(out.code, 0, "dump stack: {}", out.stderr);
    out.stdout
        .lines()
        .filter(|l| !l.starts_with("table "))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn state(dir: &Path) -> String {
    let mut s = git_out(dir, &["for-each-ref", "--format=%(refname) %(objectname) %(symref)"]);
    // HEAD may name an unborn branch.
    let head = git(dir).args(["symbolic-ref", "-q", "HEAD"]).output().unwrap();
    s += &format!("HEAD: {}", String::from_utf8_lossy(&head.stdout));
    let names: Vec<String> = git_out(dir, &["reflog", "list"]).lines().map(str::to_owned).collect();
    for r in names {
        s += &format!("{r}:\n");
        // A reflog can outlive its ref (git keeps it after `symbolic-ref -d`); show fails then.
        let out = git(dir)
            .args(["reflog", "show", "--date=raw", "--format=%H %gn <%ge> %gd %gs", &r])
            .output()
            .unwrap();
        s += &String::from_utf8_lossy(&out.stdout);
        s += &format!("(exit {})\n", out.status.code().unwrap_or(-1));
    }
    s
}

#[test]
fn write_commands_match_git() {
    let tmp = tempfile::tempdir().unwrap();
    for (format, hash) in [("reftable", "sha1"), ("reftable", "sha256"), ("files", "sha1")] {
        let (a, b, c) = twin(tmp.path(), format, hash);
        let zero = "0".repeat(c[0].len());
        let wrong = "1".repeat(c[0].len());
        let label = format!("{format}/{hash}");
        let step = |args: &[&str], stdin: Option<&str>| twin_step(&a, &b, &label, args, stdin);
        step(&["update-ref", "refs/heads/new", "HEAD"], None);
        step(
            &["update-ref", "-m", "move back", "refs/heads/new", "HEAD~1", &c[0]],
            None,
        );
        step(&["update-ref", "refs/heads/new", "HEAD~2", &wrong], None);
        step(&["update-ref", "refs/heads/new", "HEAD~2", &zero], None);
        step(&["update-ref", "refs/heads/x", "nosuch"], None);
        step(&["update-ref", "refs/heads/x", &wrong], None);
        step(
            &["update-ref", "--create-reflog", "-m", "tagging", "refs/tags/t", "HEAD"],
            None,
        );
        step(&["update-ref", "-m", "reset: moving to HEAD~1", "HEAD", "HEAD~1"], None);
        step(&["update-ref", "-d", "refs/heads/new", &c[0]], None);
        step(&["update-ref", "-d", "refs/heads/new"], None);
        step(&["update-ref", "-d", "refs/heads/new", &c[1]], None);
        step(&["update-ref"], None);
        let script = format!(
            "start\nupdate refs/heads/s1 {}\ncreate refs/heads/s2 {}\nprepare\ncommit\n",
            c[1], c[2]
        );
        step(&["update-ref", "--stdin", "-m", "batch"], Some(&script));
        step(
            &["update-ref", "--stdin"],
            Some(&format!(
                "update refs/heads/z {}\nverify refs/heads/main {wrong}\n",
                c[1]
            )),
        );
        step(
            &["update-ref", "--stdin"],
            Some(&format!(
                "update refs/heads/z {}\nverify refs/heads/nope {}\n",
                c[1], c[0]
            )),
        );
        step(
            &["update-ref", "--stdin"],
            Some(&format!(
                "verify refs/heads/s1 {}\nupdate refs/heads/z {}\n",
                c[1], c[0]
            )),
        );
        step(
            &["update-ref", "--stdin"],
            Some(&format!("update refs/heads/main/sub {}\n", c[1])),
        );
        step(
            &["update-ref", "--stdin"],
            Some(&format!("update refs/heads/a..b {}\n", c[1])),
        );
        step(&["update-ref", "--stdin"], Some("bogus\n"));
        step(
            &["update-ref", "--stdin"],
            Some(&format!("create refs/heads/s1 {}\n", c[2])),
        );
        step(
            &["update-ref", "--stdin"],
            Some(&format!(
                "delete refs/heads/s2 {}\nupdate refs/heads/s3 {}\n",
                c[2], c[0]
            )),
        );
        step(
            &["update-ref", "--stdin"],
            Some(&format!("start\nupdate refs/heads/ab {}\nabort\n", c[0])),
        );
        step(
            &["update-ref", "--stdin", "-z"],
            Some(&format!(
                "update refs/heads/zz\0{}\0\0create refs/heads/zy\0{}\0",
                c[0], c[1]
            )),
        );
        if format == "files" {
            // gix-ref's files store does not write reflogs for symbolic-ref
            // changes (git does): the symref steps below would differ in
            // reflogs for reasons outside this crate.
            continue;
        }
        step(
            &["update-ref", "--stdin"],
            Some("symref-create refs/heads/sym refs/heads/s1\n"),
        );
        step(
            &["update-ref", "--stdin"],
            Some("symref-update refs/heads/sym refs/heads/s3 ref refs/heads/s1\n"),
        );
        step(
            &["update-ref", "--stdin"],
            Some("symref-update refs/heads/sym refs/heads/s1 ref refs/heads/main\n"),
        );
        step(
            &["update-ref", "--stdin"],
            Some("symref-verify refs/heads/sym refs/heads/s3\nsymref-delete refs/heads/sym refs/heads/s3\n"),
        );
        step(&["symbolic-ref", "HEAD"], None);
        step(&["symbolic-ref", "--short", "HEAD"], None);
        step(&["symbolic-ref", "refs/heads/main"], None);
        step(&["symbolic-ref", "-d", "-q", "refs/heads/nope"], None);
        // Revisions as git reads them: abbreviated ids, @, reflog entries.
        step(&["update-ref", "refs/heads/r1", &c[1][..7]], None);
        step(&["update-ref", "refs/heads/r1", "@~1", &c[1][..9]], None);
        step(&["update-ref", "refs/heads/r1", "main@{1}"], None);
        step(&["update-ref", "refs/heads/r1", "@{1}"], None);
        step(&["update-ref", "refs/heads/r1", "HEAD@{0}^0"], None);
        // Reflog messages as git keeps them: white space runs become one
        // space, none at the ends; an empty one is refused.
        step(
            &[
                "update-ref",
                "-m",
                "  line one\n\tline  two \n",
                "refs/heads/ml",
                "HEAD",
            ],
            None,
        );
        step(&["update-ref", "-m", "", "refs/heads/ml", "HEAD~1"], None);
        step(&["symbolic-ref", "-m", "", "refs/heads/sm", "refs/heads/main"], None);
        step(
            &["symbolic-ref", "-m", " to\nml ", "refs/heads/sm", "refs/heads/ml"],
            None,
        );
        step(&["symbolic-ref", "-q", "refs/heads/main"], None);
        step(
            &[
                "symbolic-ref",
                "-m",
                "checkout: moving from main to s1",
                "HEAD",
                "refs/heads/s1",
            ],
            None,
        );
        step(&["symbolic-ref", "-d", "refs/remotes/origin/HEAD"], None);
        step(&["symbolic-ref", "-d", "refs/remotes/origin/HEAD"], None);
        step(&["symbolic-ref", "HEAD", "not-under-refs"], None);
        git_out(&a, &["refs", "verify"]);
        git_out(&a, &["fsck", "--no-progress"]);
    }
}

#[test]
fn maintenance_commands_match_git() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = twin(tmp.path(), "reftable", "sha1");
    for dir in [&a, &b] {
        git_out(dir, &["update-ref", "-m", "one", "refs/heads/main", &c[1]]);
        git_out(dir, &["update-ref", "-m", "two", "refs/heads/main", &c[0]]);
    }
    let step = |args: &[&str]| twin_step(&a, &b, "maintenance", args, None);
    step(&["reflog", "show", "refs/heads/main"]);
    step(&["reflog", "delete", "refs/heads/main@{1}"]);
    step(&["reflog", "show", "--no-abbrev-commit", "refs/heads/main"]);
    step(&["reflog", "delete", "refs/heads/nope@{0}"]);
    step(&["pack-refs"]);
    step(&["pack-refs", "--auto"]);
    step(&["refs", "verify"]);
    step(&["refs", "migrate", "--ref-format=reftable"]);
    step(&["refs", "migrate", "--ref-format=bogus"]);
    // The whole message where the repository already has the format.
    let args = ["refs", "migrate", "--ref-format=reftable"];
    assert_eq!(ours(&a, &args, None).stderr, theirs(&b, &args, None).stderr);
    assert_eq!(tables(&a), 1);
    // Expiry: our own semantics (git's also keeps reachable entries): everything before the cutoff goes.
    let x = ours(
        &a,
        &["reflog", "expire", "--expire=1800000000", "refs/heads/main"],
        None,
    );
    assert_eq!(x.code, 0, "{}", x.stderr);
    // Emptied, the reflog still exists (git's marker entry), and shows nothing.
    assert!(git(&a)
        .args(["reflog", "exists", "refs/heads/main"])
        .status()
        .unwrap()
        .success());
    assert_eq!(git_out(&a, &["reflog", "show", "refs/heads/main"]), "");
    // Init: git accepts what we make, in both formats and hashes.
    for (fmt, hash) in [("reftable", "sha1"), ("files", "sha256")] {
        let dir = tmp.path().join(format!("init-{fmt}-{hash}"));
        let x = ours(
            tmp.path(),
            &[
                "init",
                &format!("--ref-format={fmt}"),
                &format!("--object-format={hash}"),
                "-b",
                "main",
                dir.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(x.code, 0, "{}", x.stderr);
        assert!(x.stdout.starts_with("Initialized empty Git repository in "));
        assert_eq!(git_out(&dir, &["rev-parse", "--show-ref-format"]), format!("{fmt}\n"));
        assert_eq!(
            git_out(&dir, &["rev-parse", "--show-object-format"]),
            format!("{hash}\n")
        );
        git_out(&dir, &["commit", "-q", "--allow-empty", "-m", "x"]);
        assert_eq!(git_out(&dir, &["symbolic-ref", "HEAD"]), "refs/heads/main\n");
        git_out(&dir, &["refs", "verify"]);
        // Again: an existing repository is left as it is, as git says.
        let d = dir.to_str().unwrap();
        let (x, y) = (
            ours(tmp.path(), &["init", d], None),
            theirs(tmp.path(), &["init", d], None),
        );
        assert_eq!((x.code, &x.stdout), (y.code, &y.stdout));
        assert_eq!(git_out(&dir, &["symbolic-ref", "HEAD"]), "refs/heads/main\n");
        assert_eq!(ours(tmp.path(), &["init", "-q", d], None).stdout, "");
    }
}

/// `pack-refs` compacts the stack git compacts: the common one from the
/// main worktree, only the worktree's own from a linked one; and then, as
/// git's `reftable_stack_clean`, removes `*.ref` files `tables.list` does
/// not name whose update indexes the stack has moved past, keeping newer
/// ones and files that are no table. Two repositories made alike, one
/// packed by us and one by git: the same files in both stacks (table names
/// aside, whose suffixes are random), the same refs, `git refs verify`
/// content.
#[test]
fn pack_refs_stacks_and_leftovers_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    let make = |name: &str| {
        let (dir, wt) =
            fresh_repo_with_worktree(tmp.path(), name, &[&["commit", "-q", "--allow-empty", "-m", "a"][..]]);
        for (d, name) in [(&dir, "refs/heads/x"), (&wt, "refs/bisect/y")] {
            for i in 0..3 {
                let out = git(d)
                    .env("GIT_TEST_REFTABLE_AUTOCOMPACTION", "false")
                    .args(["update-ref", &format!("{name}{i}"), "HEAD"])
                    .output()
                    .unwrap();
                assert!(out.status.success());
            }
        }
        // Left by crashed writers: an old table (update index 1), a newer
        // one than the stack has (kept), and a file that is no table.
        let stack = dir.join(".git/reftable");
        let list = std::fs::read_to_string(stack.join("tables.list")).unwrap();
        let first = list.lines().next().unwrap();
        std::fs::copy(
            stack.join(first),
            stack.join("0x000000000001-0x000000000001-0badbeef.ref"),
        )
        .unwrap();
        std::fs::write(stack.join("not-a-table.ref"), "junk").unwrap();
        let wt_stack = dir.join(".git/worktrees/reftable-wt/reftable");
        let list = std::fs::read_to_string(wt_stack.join("tables.list")).unwrap();
        let first = list.lines().next().unwrap();
        std::fs::copy(
            wt_stack.join(first),
            wt_stack.join("0x000000000001-0x000000000001-0badbeef.ref"),
        )
        .unwrap();
        // The newer one: a table written, then dropped from the list again.
        let list = std::fs::read(stack.join("tables.list")).unwrap();
        let out = git(&dir)
            .env("GIT_TEST_REFTABLE_AUTOCOMPACTION", "false")
            .args(["update-ref", "refs/heads/later", "HEAD"])
            .output()
            .unwrap();
        assert!(out.status.success());
        std::fs::write(stack.join("tables.list"), list).unwrap();
        [dir, wt]
    };
    // The files of both stacks, listed tables as `<table n>`.
    let files = |dir: &Path| {
        let mut out = String::new();
        for stack in [
            dir.join(".git/reftable"),
            dir.join(".git/worktrees/reftable-wt/reftable"),
        ] {
            let list = std::fs::read_to_string(stack.join("tables.list")).unwrap();
            let listed: Vec<&str> = list.lines().collect();
            let mut names: Vec<String> = std::fs::read_dir(&stack)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .map(|n| match listed.iter().position(|l| *l == n) {
                    Some(i) => format!("<table {i}>"),
                    // Unlisted tables by their update indexes: git's suffixes are random too.
                    None => n
                        .rsplit_once('-')
                        .filter(|_| n.starts_with("0x"))
                        .map_or(n.clone(), |(k, _)| k.to_owned()),
                })
                .collect();
            names.sort();
            out += &format!("{}: {}\n", stack.display(), names.join(" "));
        }
        out
    };
    for args in [
        &["pack-refs"][..],
        &["pack-refs", "--auto"],
        &["pack-refs", "--all", "--prune"],
        &["pack-refs", "--auto", "--no-auto", "--include", "refs/tags/*"],
    ] {
        for at in 0..2 {
            let (o, g) = (make("ours"), make("git"));
            let (x, y) = (ours(&o[at], args, None), theirs(&g[at], args, None));
            let label = format!("{args:?} in worktree {at}");
            assert_same_outcome(&x, &y, &label);
            assert_lines_eq(&rooted(&files(&o[0]), &o[0]), &rooted(&files(&g[0]), &g[0]), &label);
            assert_eq!(
                git_out(&o[1], &["for-each-ref", "--include-root-refs"]),
                git_out(&g[1], &["for-each-ref", "--include-root-refs"]),
                "{label}"
            );
            git_out(&o[0], &["refs", "verify"]);
        }
    }
}

/// Names of another worktree's refs (`main-worktree/<ref>`,
/// `worktrees/<id>/<ref>`) in writes, as git takes them: they cannot be
/// made symbolic, deleted or verified (git's `refname_is_safe` is asked of
/// the name as given, before it is routed to a stack), from either
/// worktree, for an id that exists or not; stdout, code, stderr and every
/// ref after each step, as git. Writes of an object id through such a name
/// go to the worktree's stack under the ref's own name, as git's files
/// backend stores them (git 2.47's reftable backend stores the prefixed
/// name itself, which it then cannot read back): git reads ours.
#[test]
fn worktree_prefixed_names_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    let make = |name: &str| {
        let (dir, wt) =
            fresh_repo_with_worktree(tmp.path(), name, &[&["commit", "-q", "--allow-empty", "-m", "a"][..]]);
        git_out(&wt, &["update-ref", "refs/bisect/bad", "HEAD"]);
        (dir, wt)
    };
    let (o, g) = (make("ours"), make("git"));
    let head = git_out(&o.0, &["rev-parse", "HEAD"]).trim().to_owned();
    let state = |d: &(std::path::PathBuf, std::path::PathBuf)| {
        let mut all = String::new();
        for dir in [&d.0, &d.1] {
            all += &git_out(dir, &["for-each-ref", "--include-root-refs"]);
            all += &theirs(dir, &["symbolic-ref", "HEAD"], None).stdout;
        }
        all
    };
    for (at, args, stdin) in [
        (
            0,
            &["symbolic-ref", "worktrees/reftable-wt/HEAD", "refs/heads/main"][..],
            None,
        ),
        (0, &["symbolic-ref", "worktrees/nope/HEAD", "refs/heads/main"], None),
        (1, &["symbolic-ref", "main-worktree/HEAD", "refs/heads/wt"], None),
        (1, &["symbolic-ref", "-d", "main-worktree/HEAD"], None),
        (1, &["symbolic-ref", "main-worktree/HEAD"], None),
        (0, &["symbolic-ref", "worktrees/reftable-wt/HEAD"], None),
        (0, &["update-ref", "-d", "worktrees/reftable-wt/HEAD"], None),
        (0, &["update-ref", "-d", "worktrees/reftable-wt/refs/bisect/bad"], None),
        (1, &["update-ref", "-d", "main-worktree/refs/heads/main"], None),
        (
            0,
            &["update-ref", "--stdin"],
            Some("symref-update main-worktree/HEAD refs/heads/wt\n"),
        ),
        (
            1,
            &["update-ref", "--stdin"],
            Some("symref-create main-worktree/refs/heads/x refs/heads/wt\n"),
        ),
        (
            0,
            &["update-ref", "--stdin"],
            Some("delete worktrees/reftable-wt/HEAD\n"),
        ),
        (
            1,
            &["update-ref", "--stdin"],
            Some(&*format!("verify main-worktree/HEAD {head}\n")),
        ),
        (
            1,
            &["update-ref", "--stdin"],
            Some("symref-verify main-worktree/HEAD refs/heads/main\n"),
        ),
        (
            0,
            &["update-ref", "--stdin"],
            Some("symref-delete worktrees/reftable-wt/HEAD\n"),
        ),
    ] {
        let (od, gd) = if at == 0 { (&o.0, &g.0) } else { (&o.1, &g.1) };
        let (x, y) = (ours(od, args, stdin), theirs(gd, args, stdin));
        let label = format!("{args:?} {stdin:?} in worktree {at}");
        assert_same_outcome(&x, &y, &label);
        let read = args[0] == "symbolic-ref" && args.len() == 2;
        assert!(read || x.code != 0, "{label}: refused by git");
        assert_eq!(state(&o), state(&g), "{label}");
    }
    // Object ids through such names: into the worktree's stack, read by git.
    for (dir, name, local, from) in [
        (&o.0, "worktrees/reftable-wt/refs/bisect/x", "refs/bisect/x", &o.1),
        (&o.1, "main-worktree/refs/bisect/m", "refs/bisect/m", &o.0),
        (&o.1, "main-worktree/ORIG_HEAD", "ORIG_HEAD", &o.0),
    ] {
        let x = ours(dir, &["update-ref", name, &head], None);
        assert_eq!(x.code, 0, "{name}: {}", x.stderr);
        assert_eq!(git_out(from, &["rev-parse", local]).trim(), head, "{name}");
        assert_eq!(git_out(dir, &["rev-parse", name]).trim(), head, "{name}");
    }
    git_out(&o.0, &["refs", "verify"]);
}

/// `refs migrate` of a repository with a linked worktree is refused in
/// git's words (reflogs off, so that git 2.47 gets to that check), from
/// either worktree, and nothing changes; a directory under `worktrees/`
/// without a `gitdir` file is no worktree, and the migration goes ahead.
#[test]
fn refs_migrate_and_worktrees_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, wt) = repo_with_worktree(
        tmp.path(),
        "reftable",
        &[
            &["config", "core.logAllRefUpdates", "false"][..],
            &["commit", "-q", "--allow-empty", "-m", "a"],
        ],
    );
    let args = ["refs", "migrate", "--ref-format=files"];
    for d in [&dir, &wt] {
        let before = git_out(d, &["for-each-ref", "--include-root-refs"]);
        let (x, y) = (ours(d, &args, None), theirs(d, &args, None));
        assert_same_outcome(&x, &y, &format!("{}", d.display()));
        assert_eq!(
            x.stderr,
            "error: migrating repositories with worktrees is not supported yet\n"
        );
        assert_eq!(git_out(d, &["for-each-ref", "--include-root-refs"]), before);
        assert_eq!(git_out(d, &["rev-parse", "--show-ref-format"]), "reftable\n");
    }
    git_out(&dir, &["worktree", "remove", wt.to_str().unwrap()]);
    std::fs::create_dir_all(dir.join(".git/worktrees/stray")).unwrap();
    let x = ours(&dir, &args, None);
    assert_eq!((x.code, x.stderr.as_str()), (0, ""));
    assert_eq!(git_out(&dir, &["rev-parse", "--show-ref-format"]), "files\n");
    git_out(&dir, &["refs", "verify"]);
}

/// Name conflicts reported as git's reftable backend reports them: the
/// updates one by one in order, each missing ref of which no existing value
/// is expected checked for refs and names of the transaction above and
/// below it (`verify <ref> 0` under an existing ref fails too), the others
/// for what they expect. Random `update-ref --stdin` scripts of one to three
/// lines over names that nest, in a repository and in its linked worktree
/// (whose view joins its own refs, `refs/worktree/x`, to the shared ones):
/// stdout, exit code, the whole of stderr and every ref after, as git.
#[test]
fn name_conflicts_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    let make = |name: &str| {
        let (dir, wt) = fresh_repo_with_worktree(
            tmp.path(),
            name,
            &[
                &["commit", "-q", "--allow-empty", "-m", "a"][..],
                &["update-ref", "refs/heads/e/x", "HEAD"],
                &["update-ref", "refs/heads/f", "HEAD"],
            ],
        );
        git_out(&wt, &["update-ref", "refs/worktree/x", "HEAD"]);
        git_out(&wt, &["update-ref", "refs/bisect/b", "HEAD"]);
        (dir, wt)
    };
    let names = [
        "refs/heads/n",
        "refs/heads/n/x",
        "refs/heads/n/x/z",
        "refs/heads/e",
        "refs/heads/e/x",
        "refs/heads/f",
        "refs/heads/f/y",
        "refs/worktree",
        "refs/worktree/x",
        "refs/worktree/x/y",
        "refs/bisect",
        "refs/bisect/b/c",
    ];
    let (mut rnd, count) = random_scripts(0x2545_f491_4f6c_dd1d);
    // Commits are made at a fixed date: every repository made has this one.
    let head = git_out(&make("ours").0, &["rev-parse", "HEAD"]).trim().to_owned();
    let zero = "0".repeat(40);
    let refs = |d: &(std::path::PathBuf, std::path::PathBuf)| {
        git_out(&d.0, &["for-each-ref", "--include-root-refs"]) + &git_out(&d.1, &["for-each-ref"])
    };
    for k in 0..count {
        let mut script = String::new();
        for _ in 0..1 + rnd(3) {
            let n = names[rnd(names.len())];
            script += &match rnd(9) {
                0 => format!("create {n} {head}\n"),
                1 => format!("update {n} {head}\n"),
                2 => format!("delete {n}\n"),
                3 => format!("update {n} {head} {zero}\n"),
                4 => format!("verify {n} {zero}\n"),
                5 => format!("verify {n} {head}\n"),
                6 => format!("delete {n} {head}\n"),
                7 => format!("symref-update {n} refs/heads/f\n"),
                _ => format!("symref-create {n} refs/heads/e\n"),
            };
        }
        let at = rnd(2);
        let (o, g) = (make("ours"), make("git"));
        let (od, gd) = if at == 0 { (&o.0, &g.0) } else { (&o.1, &g.1) };
        let args = ["update-ref", "--stdin"];
        let (x, y) = (ours(od, &args, Some(&script)), theirs(gd, &args, Some(&script)));
        let label = format!("script {k} in worktree {at}:\n{script}");
        assert_same_outcome(&x, &y, &label);
        assert_eq!(refs(&o), refs(&g), "{label}");
        // Read by a scan of all refs, as for transactions of many refs: the
        // same outcome (what updates expect is then checked after the
        // store's checks, so a script that fails twice may be worded by
        // its other failure).
        let o = make("ours");
        let od = if at == 0 { &o.0 } else { &o.1 };
        let mut cmd = ours_cmd(od);
        cmd.env("REFTABLE_SCAN_MIN", "0").args(args);
        let z = run(cmd, Some(&script));
        assert_eq!((z.code, refs(&o)), (y.code, refs(&g)), "scanned: {label}");
        if x.stderr.contains("exists; cannot create") || x.stderr.contains("at the same time") {
            assert_eq!(z.stderr, y.stderr, "scanned: {label}");
        }
    }
}

/// Bad arguments, bad stdin and corrupt repositories give git's exit codes,
/// never a panic (exit 101).
#[test]
fn hostile_input_never_panics() {
    let (_t, dir) = fixture_copy("sha1.git");
    let check = |dir: &Path, args: &[&str], stdin: Option<&str>| {
        let o = ours(dir, args, stdin);
        assert_ne!(o.code, 101, "panic on {args:?}: {}", o.stderr);
        assert!(!o.stderr.contains("panicked"), "panic on {args:?}: {}", o.stderr);
        o
    };
    for args in [
        &["show-ref", "--hash=abc"][..],
        &["show-ref", "--exists"],
        &["show-ref", "--verify"],
        &["for-each-ref", "--count=-1"],
        &["for-each-ref", "--format=%("],
        &["for-each-ref", "--sort=nope"],
        &["for-each-ref", "["],
        &["update-ref"],
        &["update-ref", "-d"],
        &["update-ref", "refs/heads/x", "HEAD~999"],
        &["update-ref", "refs/heads/x", "main^{}^{}~"],
        &["update-ref", "", "HEAD"],
        &["update-ref", "refs/heads/\u{1}", "HEAD"],
        &["symbolic-ref"],
        &["symbolic-ref", "-d"],
        &["symbolic-ref", "HEAD", "refs/heads/a b"],
        &["reflog", "delete", "x"],
        &["reflog", "delete", "main@{99999999999999999999}"],
        &["reflog", "expire", "--expire=yesterday", "main"],
        &["refs", "migrate", "--ref-format=bogus"],
        &["init"],
        &["dump", "table", "tables.list"],
        &["dump", "stack", "/nonexistent"],
        &["-C", "/nonexistent", "show-ref"],
    ] {
        check(&dir, args, None);
    }
    let huge = "x".repeat(1 << 20);
    for input in [
        "\u{0}\u{0}\u{0}",
        "update\n",
        "update refs/heads/a\n",
        "update  refs/heads/a\n",
        "create refs/heads/a 0000000000000000000000000000000000000000\n",
        "symref-update refs/heads/a refs/heads/b oid\n",
        "option\n",
        "option foo\n",
        "start\nstart\ncommit\ncommit\n",
        huge.as_str(),
    ] {
        check(&dir, &["update-ref", "--stdin"], Some(input));
        check(&dir, &["update-ref", "--stdin", "-z"], Some(input));
    }
    // Invalid UTF-8 on stdin.
    {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_reftable"))
            .current_dir(&dir)
            .args(["update-ref", "--stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&[0xff, 0xfe, b'\n']).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(128));
    }
    // Corrupt repositories: a damaged table, a list naming a missing table, garbage in tables.list.
    let rt = dir.join("reftable");
    let list = std::fs::read_to_string(rt.join("tables.list")).unwrap();
    let last = list.lines().last().unwrap().to_owned();
    let mut bytes = std::fs::read(rt.join(&last)).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0x55;
    bytes[n - 1] ^= 0x55;
    std::fs::write(rt.join(&last), &bytes).unwrap();
    for contents in [
        None,
        Some(format!("{list}0x0000000000ff-0x0000000000ff-00000000.ref\n")),
        Some("../../etc/passwd\n".into()),
        Some("\u{0}garbage\n".into()),
    ] {
        if let Some(c) = &contents {
            std::fs::write(rt.join("tables.list"), c).unwrap();
        }
        for args in [
            &["show-ref"][..],
            &["for-each-ref"],
            &["update-ref", "refs/heads/q", "HEAD"],
            &["reflog", "show"],
            &["pack-refs"],
            &["refs", "verify"],
            &["dump", "stack", "reftable"],
        ] {
            let o = check(&dir, args, None);
            assert!(
                o.code != 0 || args[0] == "dump",
                "{args:?} on a corrupt stack succeeded: {}",
                o.stdout
            );
        }
    }
}

/// Long operations show progress on a terminal and never otherwise.
#[test]
fn progress_only_on_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, _b, c) = twin(tmp.path(), "reftable", "sha1");
    let n = 100_050;
    let mut script = String::with_capacity(n * 60);
    for i in 0..n {
        script += &format!("create refs/heads/bulk/{i:06} {}\n", c[0]);
    }
    let o = ours(&a, &["update-ref", "--stdin"], Some(&script));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stderr, "", "no progress when stderr is not a terminal");
    assert_eq!(
        git_out(
            &a,
            &["for-each-ref", "--count=100100", "--format=x", "refs/heads/bulk/"]
        )
        .lines()
        .count(),
        n
    );
    // Under a pseudo-terminal (util-linux `script`), the same kind of input shows progress.
    let bin = env!("CARGO_BIN_EXE_reftable");
    let input = tmp.path().join("updates.txt");
    std::fs::write(
        &input,
        script.replace("create refs/heads/bulk/", "create refs/heads/tty/"),
    )
    .unwrap();
    let cmd = format!("{bin} -C {} update-ref --stdin < {}", a.display(), input.display());
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .expect("script(1) from util-linux");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains("Reading updates"),
        "no progress on a terminal: {shown:?}"
    );
    let cmd = format!("{bin} -C {} pack-refs", a.display());
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(a.join(".git/reftable/tables.list"))
            .unwrap()
            .lines()
            .count(),
        1
    );
}

/// Discovery as git does it: current directory (and its subdirectories), -C, GIT_DIR.
#[test]
fn repository_discovery() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, _b, _c) = twin(tmp.path(), "reftable", "sha256");
    let sub = a.join("sub/dir");
    std::fs::create_dir_all(&sub).unwrap();
    let expect = theirs(&a, &["show-ref"], None).stdout;
    assert_eq!(ours(&sub, &["show-ref"], None).stdout, expect, "from a subdirectory");
    assert_eq!(
        ours(tmp.path(), &["-C", a.to_str().unwrap(), "show-ref"], None).stdout,
        expect,
        "-C"
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_reftable"));
    cmd.current_dir(tmp.path())
        .env("GIT_DIR", a.join(".git"))
        .args(["show-ref"]);
    let o = run(cmd, None);
    assert_eq!((o.code, o.stdout), (0, expect), "GIT_DIR");
}

/// Reflog identities: with no `GIT_COMMITTER_DATE` the time comes from the
/// clock in the local zone (`TZ` as a zoneinfo name, a POSIX rule, or empty
/// for UTC), the name and email from the environment or `user.*`; each as git.
#[test]
fn reflog_identity_and_time_zone_match_git() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, ids) = twin(tmp.path(), "reftable", "sha1");
    let show = |dir: &Path, name: &str| git_out(dir, &["reflog", "show", "--date=raw", "--format=%gn <%ge> %gd", name]);
    let cases: [(&str, Option<&str>); 5] = [
        ("a", Some("America/New_York")),
        ("b", Some(":Asia/Kolkata")),
        ("c", Some("EST5EDT,M3.2.0,M11.1.0")),
        ("d", Some("")),
        ("e", None),
    ];
    for (name, tz) in cases {
        let refname = format!("refs/heads/tz-{name}");
        let args = [
            "update-ref",
            "--create-reflog",
            "-m",
            "tz",
            refname.as_str(),
            ids[0].as_str(),
        ];
        let mut x = ours_cmd(&a);
        let mut y = git(&b);
        x.env_remove("GIT_COMMITTER_DATE").env_remove("GIT_COMMITTER_NAME");
        y.env_remove("GIT_COMMITTER_DATE").env_remove("GIT_COMMITTER_NAME");
        // The name comes from user.name once GIT_COMMITTER_NAME is gone.
        for d in [&a, &b] {
            git_out(d, &["config", "user.name", "Conf Igured"]);
        }
        match tz {
            Some(tz) => {
                x.env("TZ", tz);
                y.env("TZ", tz);
            }
            None => {
                x.env_remove("TZ");
                y.env_remove("TZ");
            }
        }
        assert!(x.args(args).status().unwrap().success());
        assert!(y.args(args).status().unwrap().success());
        let (ours, theirs) = (show(&a, &refname), show(&b, &refname));
        // `Conf Igured <committer@example.com> tz-a@{1795295665 -0500}`: all but the seconds.
        let strip = |s: &str| {
            let (head, tail) = s.trim().split_once("@{").unwrap();
            let (secs, zone) = tail.trim_end_matches('}').split_once(' ').unwrap();
            (head.to_owned(), secs.parse::<i64>().unwrap(), zone.to_owned())
        };
        let (o, t) = (strip(&ours), strip(&theirs));
        assert_eq!((&o.0, &o.2), (&t.0, &t.2), "TZ={tz:?}: ours {ours:?} git {theirs:?}");
        assert!((o.1 - t.1).abs() < 60, "TZ={tz:?}: ours {ours:?} git {theirs:?}");
    }
}

/// `GIT_COMMITTER_DATE` read as git's strict `parse_date`: full dates in any
/// of its formats (no zone: the local one at that date), `@<seconds> <zone>`
/// with an offset beyond 99 hours (written `+10039`, as git), and approximate
/// or broken dates refused with git's `fatal: invalid date format` and
/// nothing written, by update-ref (one ref, `-d`, `--stdin`) and symbolic-ref.
#[test]
fn committer_dates_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, ids) = twin(tmp.path(), "reftable", "sha1");
    let dates = [
        "2005-04-07T22:13:13",
        "Thu, 07 Apr 2005 22:13:13 +0200",
        "2005-04-07 22:13:13 -0130",
        "@1234567890 +9999",
        "@1234567890 -0059",
        "1234567890",
        "12:00 PST 2010-01-01",
        "Jun 1 2010 12:00",
        "2010-03-14 02:30",
        "20100101T000000",
        "2099-12-31 23:59:59 +0000",
        "yesterday",
        "12/31/2010 5pm",
        "2100-01-01 00:00 +0000",
        "0 +0000",
        "@99999999999999999999 +0000",
        "  ",
        "garbage",
    ];
    let mut codes = [0; 2];
    for (i, date) in dates.iter().enumerate() {
        let name = format!("refs/heads/d{i}");
        let stdin = format!("create {name}-s {}\n", ids[1]);
        let cases: [(&[&str], Option<&str>); 5] = [
            (&["update-ref", "-m", "x", &name, &ids[0]], None),
            (&["update-ref", "--stdin"], Some(&stdin)),
            (&["symbolic-ref", &format!("{name}-sym"), "refs/heads/main"], None),
            (&["update-ref", &name, &ids[2], &ids[0]], None),
            (&["update-ref", "-d", &name], None),
        ];
        for (args, input) in cases {
            let run = |mut cmd: Command| {
                cmd.env("GIT_COMMITTER_DATE", date)
                    .env("TZ", "America/New_York")
                    .args(args);
                run(cmd, input)
            };
            let (x, y) = (run(ours_cmd(&a)), run(git(&b)));
            let what = format!("GIT_COMMITTER_DATE={date:?} {args:?}");
            assert_eq!((&x.code, &x.stderr), (&y.code, &y.stderr), "{what}");
            assert_lines_eq(&state(&a), &state(&b), &format!("state after {what}"));
            codes[usize::from(x.code != 0)] += 1;
        }
    }
    // Both kinds seen: dates taken and dates refused.
    assert!(codes[0] >= 40 && codes[1] >= 25, "{codes:?}");
}

/// The `update-ref --stdin` language at its edges: empty lines, a missing
/// final line feed, stray spaces, `-z` fields of every command (git reads a
/// fixed number of fields per command), each accepted or refused as git does.
#[test]
fn stdin_parsing_edge_cases_match_git() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, ids) = twin(tmp.path(), "reftable", "sha1");
    let id = &ids[0];
    let cases: Vec<(bool, String)> = vec![
        (
            false,
            format!("create refs/heads/e1 {id}\n\ncreate refs/heads/e2 {id}\n"),
        ),
        (false, format!("create refs/heads/e3 {id}")),
        (false, format!("create refs/heads/e4 {id} \n")),
        (false, format!("create  refs/heads/e5 {id}\n")),
        (false, format!("create refs/heads/e6 {id}\nupdate refs/heads/e6\n")),
        (false, "option no-deref\noption no-deref\n".to_string()),
        (false, format!("start\ncreate refs/heads/e7 {id}\nprepare\ncommit\n")),
        (true, format!("create refs/heads/z1\0{id}\0")),
        (true, format!("create refs/heads/z2 {id}\0")),
        (true, format!("update refs/heads/z3\0{id}\0")),
        (true, format!("update refs/heads/z4\0{id}\0\0delete refs/heads/z4\0\0")),
        (true, "symref-update refs/heads/s1\0refs/heads/main\0\0".to_string()),
        (true, "symref-update refs/heads/s2\0refs/heads/main\0".to_string()),
        (
            true,
            format!("symref-update refs/heads/s3\0refs/heads/main\0\0create refs/heads/z5\0{id}\0"),
        ),
        (
            true,
            format!("symref-update refs/heads/s4\0refs/heads/main\0create refs/heads/z6\0{id}\0"),
        ),
        (
            true,
            "symref-update refs/heads/s1\0refs/heads/z4\0ref\0refs/heads/main\0\0".to_string(),
        ),
        (
            true,
            format!("option no-deref\0symref-delete refs/heads/s1\0\0create refs/heads/z7\0{id}\0"),
        ),
        (
            true,
            format!("option no-deref\0symref-delete refs/heads/s2\0create refs/heads/z8\0{id}\0"),
        ),
        (true, "\0".to_string()),
    ];
    for (i, (z, input)) in cases.iter().enumerate() {
        let mut args = vec!["update-ref", "--stdin"];
        if *z {
            args.push("-z");
        }
        twin_step(&a, &b, &format!("case {i}"), &args, Some(input));
    }
}

/// Large line-mode scripts of plain creates and updates go through the
/// compact bulk path (forced here for small scripts with
/// `REFTABLE_BULK_MIN=1`); everything else falls back to a transaction. Each
/// step must leave the same refs and reflogs as git: HEAD following its
/// branch, peeled tags, expected values, D/F conflicts, duplicates, a symref
/// (handed back to the transaction), a script that turns ordinary midway.
#[test]
fn bulk_imports_match_git() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, ids) = twin(tmp.path(), "reftable", "sha1");
    for d in [&a, &b] {
        git_out(d, &["tag", "-a", "-m", "t", "annotated", &ids[1]]);
    }
    let tag = git_out(&a, &["rev-parse", "refs/tags/annotated"]).trim().to_owned();
    let zero = "0".repeat(40);
    let mut big = String::new();
    for i in 0..60 {
        big += &format!("create refs/heads/bulk/{i:04} {}\n", ids[i % 3]);
        if i % 10 == 0 {
            big += &format!("create refs/tags/bulk-{i:04} {tag}\n");
        }
    }
    big += &format!("update refs/heads/main {} {}\n", ids[1], ids[0]);
    let scripts: Vec<(&str, String)> = vec![
        ("creates, tags, HEAD's branch", big),
        (
            "updates with old values",
            format!(
                "update refs/heads/bulk/0001 {} {}\nupdate refs/heads/bulk/0002 {}\n",
                ids[2], ids[1], ids[0]
            ),
        ),
        (
            "out of date",
            format!("update refs/heads/bulk/0003 {} {}\n", ids[1], ids[1]),
        ),
        // (A different value: for the same value gix-ref's rule accepts what git refuses.)
        (
            "must not exist",
            format!("update refs/heads/bulk/0004 {} {zero}\n", ids[2]),
        ),
        (
            "d/f conflict with a ref",
            format!("create refs/heads/main/x {}\n", ids[0]),
        ),
        (
            "d/f conflict in the batch",
            format!("create refs/heads/n {}\ncreate refs/heads/n/x {}\n", ids[0], ids[0]),
        ),
        (
            "d/f with a gap",
            format!(
                "create refs/heads/q {}\ncreate refs/heads/q-r {}\ncreate refs/heads/q/s {}\n",
                ids[0], ids[0], ids[0]
            ),
        ),
        (
            "duplicate",
            format!("create refs/heads/dup {}\nupdate refs/heads/dup {}\n", ids[0], ids[1]),
        ),
        (
            "missing object",
            format!("create refs/heads/ghost {}\n", "1".repeat(40)),
        ),
        (
            "symref is dereferenced",
            format!("update refs/remotes/origin/HEAD {}\n", ids[2]),
        ),
        (
            "symref is dereferenced, with a message",
            format!("update refs/remotes/origin/HEAD {}\n", ids[0]),
        ),
        (
            "turns ordinary midway",
            format!(
                "create refs/heads/m1 {}\ndelete refs/heads/bulk/0005\ncreate refs/heads/m2 {}\n",
                ids[0], ids[1]
            ),
        ),
        (
            "revision instead of an id",
            format!("create refs/heads/r1 {}\ncreate refs/heads/r2 HEAD~1\n", ids[0]),
        ),
        (
            "unchanged values",
            format!(
                "update refs/heads/bulk/0006 {}\nupdate refs/heads/bulk/0007 {}\n",
                ids[0], ids[2]
            ),
        ),
    ];
    // Each script runs once (a second run would create refs with the values
    // they have, which gix-ref's rule accepts and git refuses); every other
    // one with a reflog message.
    for (n, (label, script)) in scripts.iter().enumerate() {
        let msg = (n % 2 == 1).then_some("bulk import");
        let mut args = vec!["update-ref", "--stdin"];
        if let Some(m) = msg {
            args.extend(["-m", m]);
        }
        let mut cmd = ours_cmd(&a);
        cmd.args(&args).env("REFTABLE_BULK_MIN", "1");
        let x = run(cmd, Some(script));
        let y = theirs(&b, &args, Some(script));
        let what = format!("{label} (-m {msg:?})");
        assert_eq!(x.code, y.code, "{what}: ours {:?} git {:?}", x.stderr, y.stderr);
        assert_eq!(first_word(&x.stderr), first_word(&y.stderr), "{what}");
        assert_lines_eq(&state(&a), &state(&b), &what);
    }
    git_out(&a, &["refs", "verify"]);
}

/// The modes of the files we leave in `reftable/` are git's: 0666 less the
/// umask, or what `core.sharedRepository` asks for.
#[cfg(unix)]
#[test]
fn file_modes_match_git() {
    use std::os::unix::fs::PermissionsExt;
    require_git();
    // The modes of the files written since `before` (tables.list is always rewritten).
    let names = |dir: &Path| -> Vec<String> {
        let entries = std::fs::read_dir(dir.join(".git/reftable")).unwrap();
        entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let modes = |dir: &Path, before: &[String]| -> Vec<String> {
        let mut m: Vec<String> = std::fs::read_dir(dir.join(".git/reftable"))
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.file_name() == "tables.list" || !before.iter().any(|b| **b == *e.file_name()))
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let kind = if name == "tables.list" { "tables.list" } else { "table" };
                format!("{kind} {:o}", e.metadata().unwrap().permissions().mode() & 0o7777)
            })
            .collect();
        m.sort();
        m.dedup();
        m
    };
    for shared in [
        None,
        Some("group"),
        Some("all"),
        Some("0640"),
        Some("0600"),
        Some("umask"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b, ids) = twin(tmp.path(), "reftable", "sha1");
        for dir in [&a, &b] {
            if let Some(v) = shared {
                git_out(dir, &["config", "core.sharedRepository", v]);
            }
        }
        let label = format!("core.sharedRepository={shared:?}");
        let before = (names(&a), names(&b));
        twin_step(&a, &b, &label, &["update-ref", "refs/heads/x", &ids[1]], None);
        assert_eq!(modes(&a, &before.0), modes(&b, &before.1), "after an addition, {label}");
        let before = (names(&a), names(&b));
        twin_step(&a, &b, &label, &["pack-refs"], None);
        assert_eq!(modes(&a, &before.0), modes(&b, &before.1), "after compaction, {label}");
    }
}

/// Auto-compaction picks the same tables as git's: after each of a series of
/// single-ref updates of varying size, both stacks hold tables covering the
/// same update-index ranges.
#[test]
fn auto_compaction_matches_git() {
    require_git();
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, ids) = twin(tmp.path(), "reftable", "sha1");
    let ranges = |dir: &Path| -> Vec<String> {
        let list = std::fs::read_to_string(dir.join(".git/reftable/tables.list")).unwrap();
        list.lines().map(|l| l.rsplit_once('-').unwrap().0.to_owned()).collect()
    };
    for i in 0..60 {
        let name = format!("refs/heads/{}/{i}", "x".repeat(i * 7 % 50));
        let args: Vec<&str> = if i % 4 == 3 {
            vec!["update-ref", "--stdin"]
        } else {
            vec!["update-ref", &name, &ids[i % 3]]
        };
        let script: String = (0..i)
            .map(|k| format!("update refs/tags/{i}-{k} {}\n", ids[k % 3]))
            .collect();
        let stdin = (i % 4 == 3).then_some(script.as_str());
        twin_step(&a, &b, "sequence", &args, stdin);
        assert_eq!(ranges(&a), ranges(&b), "tables after step {i}");
    }
}

/// update-ref's failures word for word as git's: a single update reports
/// whatever fails once its values are parsed "for ref" (git's
/// `update_ref()`), `--stdin` and deletions do not; a missing object is
/// found when the transaction is prepared.
#[test]
fn update_ref_error_messages_match_git() {
    let tmp = tempfile::tempdir().unwrap();
    for (format, hash) in [("reftable", "sha1"), ("files", "sha1"), ("reftable", "sha256")] {
        let (a, b, c) = twin(tmp.path(), format, hash);
        let missing = "1".repeat(c[0].len());
        let cases: Vec<(Vec<&str>, Option<String>)> = vec![
            (vec!["update-ref", "refs/heads/zz", &missing], None),
            (vec!["update-ref", "refs/heads/main", &c[1], &missing], None),
            (vec!["update-ref", "refs/heads/main/x", &c[1]], None),
            (vec!["update-ref", "refs/heads/a..b", &c[1]], None),
            (vec!["update-ref", "refs/heads/q", "nonsense"], None),
            (vec!["update-ref", "-d", "refs/heads/main", &missing], None),
            (
                vec!["update-ref", "--stdin"],
                Some(format!("update refs/heads/zz {missing}\n")),
            ),
            (
                vec!["update-ref", "--stdin"],
                Some(format!(
                    "update refs/heads/ok {}\nupdate refs/heads/zz {missing}\n",
                    c[0]
                )),
            ),
        ];
        for (i, (args, stdin)) in cases.iter().enumerate() {
            // The files store (gix-ref's, kept for migration) words its other
            // failures its own way: only the object checks, which are ours.
            if format == "files" && ![0, 6].contains(&i) {
                continue;
            }
            let (x, y) = (ours(&a, args, stdin.as_deref()), theirs(&b, args, stdin.as_deref()));
            let what = format!("{format}-{hash} {args:?} {stdin:?}");
            assert_eq!(
                x.code, y.code,
                "exit code of {what}: ours {:?} git {:?}",
                x.stderr, y.stderr
            );
            assert_eq!(x.stderr, y.stderr, "stderr of {what}");
            assert_lines_eq(&state(&a), &state(&b), &format!("state after {what}"));
        }
    }
}

/// Refs git's iteration treats specially: a dangling symref (left out), a
/// ref to a missing object (listed by for-each-ref unless the format needs
/// the object, fatal to show-ref), a ref naming the null id (left out with
/// a warning); and `show-ref --verify` of root refs.
#[test]
fn broken_refs_as_git_lists_them() {
    use reftable::format::{RefRecordRef, RefValueRef};
    use reftable::stack::{Options, Stack};
    let tmp = tempfile::tempdir().unwrap();
    let dir = git_init(tmp.path(), "broken", &["--ref-format=reftable"]);
    git_out(&dir, &["commit", "-q", "--allow-empty", "-m", "a"]);
    git_out(&dir, &["tag", "-a", "-m", "t", "v1"]);
    git_out(&dir, &["update-ref", "ORIG_HEAD", "HEAD"]);
    git_out(
        &dir,
        &["symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/gone"],
    );
    git_out(&dir, &["symbolic-ref", "refs/heads/dangling", "refs/heads/nothing"]);
    let intact = [
        &["for-each-ref"][..],
        &["for-each-ref", "--format=%(refname) %(symref)"],
        &["for-each-ref", "--format=%(refname)", "refs/remotes"],
        &["show-ref"],
        &["show-ref", "dangling"],
        &["show-ref", "--heads", "-d"],
        &["show-ref", "--verify", "ORIG_HEAD"],
        &["show-ref", "--verify", "FETCH_HEAD"],
        &["show-ref", "--verify", "-q", "refs/heads/dangling"],
    ];
    for args in intact {
        same(&dir, args);
    }
    // A blob whose loose object is then removed.
    std::fs::write(tmp.path().join("content"), "gone soon\n").unwrap();
    let blob = git_out(
        &dir,
        &["hash-object", "-w", tmp.path().join("content").to_str().unwrap()],
    );
    let blob = blob.trim();
    git_out(&dir, &["update-ref", "refs/tags/zz-missing", blob]);
    std::fs::remove_file(dir.join(".git/objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    let missing = [
        &["for-each-ref", "--format=%(objectname) %(refname)"][..],
        &["for-each-ref", "--format=%(refname) %(HEAD) %(symref)", "refs/heads"],
        &["for-each-ref"],
        &["for-each-ref", "--format=%(*objectname) %(refname)"],
        &["for-each-ref", "--sort=objecttype", "--format=%(refname)"],
        &["show-ref"],
        &["show-ref", "--tags"],
        &["show-ref", "--verify", "-q", "refs/tags/zz-missing"],
        &["show-ref", "--exists", "refs/tags/zz-missing"],
    ];
    for args in missing {
        same(&dir, args);
    }
    // The null object id, which git itself never writes.
    let mut stack = Stack::open(&dir.join(".git/reftable"), Options::default()).unwrap();
    let next = stack.next_update_index();
    stack
        .add(|w| {
            w.set_limits(next, next)?;
            w.add_ref(&RefRecordRef {
                name: b"refs/tags/zz-missing",
                update_index: next,
                value: RefValueRef::Val1(&[0; 20]),
            })?;
            Ok(())
        })
        .unwrap();
    let out = same(&dir, &["for-each-ref", "--format=%(refname)"]);
    assert!(!out.stdout.contains("zz-missing"), "{}", out.stdout);
    assert!(
        out.stderr.contains("ignoring broken ref refs/tags/zz-missing"),
        "{}",
        out.stderr
    );
    // Once, also where the format reads objects (a first pass looks for missing ones).
    let out = same(&dir, &["for-each-ref"]);
    assert_eq!(out.stderr.matches("ignoring broken ref").count(), 1, "{}", out.stderr);
}

/// The whole message, hint included, for a name that is no revision.
#[test]
fn reflog_of_an_unknown_name_words_as_git() {
    let (_t, dir) = fixture_copy("sha1.git");
    let args = ["reflog", "show", "refs/heads/nope"];
    let (a, b) = (ours(&dir, &args, None), theirs(&dir, &args, None));
    assert_eq!((a.code, &a.stderr), (b.code, &b.stderr));
}

/// What edits and `verify` lines expect, checked as git checks it: creating
/// a ref that exists fails even with the same value (gix-ref allows that),
/// deleting a missing ref without an old value does nothing, object ids are
/// compared with what a symref resolves to, `symref-*` need no-deref; a
/// deleted symref and the deleted branch of HEAD log as git logs them, a
/// symref to nothing logs nothing. The whole stderr, and the number of
/// tables (our tables are as big as git's, so auto-compaction agrees), match
/// on reftable; exit codes, refs and reflogs on files too.
#[test]
fn expectations_as_git_checks_them() {
    let tmp = tempfile::tempdir().unwrap();
    for (format, hash) in [("reftable", "sha1"), ("files", "sha1")] {
        let (a, b, c) = twin(tmp.path(), format, hash);
        git_out(&a, &["symbolic-ref", "refs/heads/sy", "refs/heads/main"]);
        git_out(&b, &["symbolic-ref", "refs/heads/sy", "refs/heads/main"]);
        git_out(&a, &["tag", "-a", "-m", "annotated", "ann"]);
        git_out(&b, &["tag", "-a", "-m", "annotated", "ann"]);
        let tag = git_out(&b, &["rev-parse", "ann"]).trim().to_owned();
        assert_eq!(tag, git_out(&a, &["rev-parse", "ann"]).trim());
        let (zero, wrong) = ("0".repeat(40), "1".repeat(40));
        let (h, p) = (&c[0], &c[1]);
        let same_value = format!("update refs/heads/main {h}\n");
        let scripts = [
            format!("create refs/heads/main {h}\n"),
            format!("update refs/heads/main {h} {zero}\n"),
            format!("update HEAD {h} {zero}\n"),
            format!("update refs/heads/zz {h} {wrong}\n"),
            format!("verify refs/heads/zz {wrong}\n"),
            format!("verify refs/heads/main {wrong}\n"),
            format!("verify refs/heads/main {zero}\n"),
            format!("verify HEAD {h}\n"),
            format!("option no-deref\nverify HEAD {h}\n"),
            format!("option no-deref\nverify HEAD {zero}\n"),
            "delete refs/heads/nope\n".to_owned(),
            "option no-deref\nsymref-delete refs/heads/nope\n".to_owned(),
            "symref-verify HEAD refs/heads/main\n".to_owned(),
            "symref-delete refs/heads/sy\n".to_owned(),
            "option no-deref\nsymref-verify HEAD refs/heads/main\n".to_owned(),
            "option no-deref\nsymref-verify HEAD refs/heads/other\n".to_owned(),
            "option no-deref\nsymref-verify refs/heads/main refs/heads/other\n".to_owned(),
            "option no-deref\nsymref-verify refs/heads/nope refs/heads/other\n".to_owned(),
            "option no-deref\nsymref-verify HEAD\n".to_owned(),
            "symref-create refs/heads/sy refs/heads/main\n".to_owned(),
            format!("update refs/heads/a {h}\nupdate refs/heads/b {h}\ndelete refs/heads/a\n"),
            format!("create refs/heads/a {p}\ndelete refs/heads/nope\nverify refs/heads/main {h}\n"),
            "option no-deref\nsymref-update refs/heads/dangling refs/heads/x\n".to_owned(),
            "option no-deref\nsymref-delete refs/heads/sy\n".to_owned(),
            // One update a ref, verify lines included; no ref and a ref below it.
            format!("update refs/heads/gone {zero}\nverify refs/heads/gone\n"),
            format!("delete refs/heads/n1\nupdate refs/heads/n1/x {h}\n"),
            format!("delete refs/heads/main\nupdate refs/heads/main/y {h}\n"),
            // Two updates of one ref, one through a symref (or HEAD's
            // reflog through its branch), in either order.
            format!("verify HEAD {h}\ndelete refs/heads/sy {h}\n"),
            format!("update HEAD {p}\nupdate refs/heads/main {p}\n"),
            format!("update refs/heads/main {p}\nupdate HEAD {p}\n"),
            format!("verify refs/heads/main {h}\nupdate refs/heads/sy {p}\n"),
            format!("option no-deref\nverify HEAD {h}\nupdate refs/heads/main {p}\n"),
            format!("option no-deref\nupdate refs/heads/sy {p}\nupdate refs/heads/main {p}\n"),
            format!("symref-update HEAD refs/heads/zz\nupdate refs/heads/main {p}\n"),
            // Setting HEAD's branch to its value logs for HEAD only
            // (reftable: on files gix-ref logs nothing).
            same_value.clone(),
            // Branches and HEAD take commits only.
            format!("create refs/heads/t1 {tag}\n"),
            format!("option no-deref\nupdate HEAD {tag}\n"),
            format!("create refs/tags/t2 {tag}\n"),
            format!("update refs/heads/main {p} {h}\n"),
            "delete refs/heads/main\n".to_owned(),
        ];
        let label = format!("{format}/{hash}");
        // Runs a script on both, then compares refs and reflogs.
        let script_step = |args: &[&str], script: &str| {
            let (x, y) = (ours(&a, args, Some(script)), theirs(&b, args, Some(script)));
            twin_step(
                &a,
                &b,
                &format!("{label} after {script:?}"),
                &["show-ref", "--head"],
                None,
            );
            (x, y)
        };
        for script in scripts.iter().filter(|s| format == "reftable" || **s != same_value) {
            let (x, y) = script_step(&["update-ref", "--stdin"], script);
            assert_eq!(
                x.code, y.code,
                "{label} {script:?}: ours {:?} git {:?}",
                x.stderr, y.stderr
            );
            if format == "reftable" {
                assert_eq!(x.stderr, y.stderr, "{label} {script:?}");
                assert_eq!(tables(&a), tables(&b), "{label} {script:?}: tables");
            } else {
                assert_eq!(first_word(&x.stderr), first_word(&y.stderr), "{label} {script:?}");
            }
        }
        // -z: an empty new value is zero (a deletion, with git's warning);
        // symref-update without no-deref turns the ref HEAD points to into
        // the symref (on files through gix-ref, whose reflogs of that differ
        // from git's: reftable only).
        let deref_symref = "symref-update HEAD\0refs/heads/a\0\0".to_owned();
        // Through HEAD to a target that does not resolve: git logs nothing.
        let deref_dangling = "symref-update HEAD\0refs/heads/dangle\0\0".to_owned();
        let z_scripts = [
            "update refs/heads/b\0\0\0".to_owned(),
            deref_symref.clone(),
            "option no-deref\0symref-update HEAD\0refs/heads/b\0\0".to_owned(),
            deref_dangling.clone(),
        ];
        for script in z_scripts
            .into_iter()
            .filter(|s| format == "reftable" || (*s != deref_symref && *s != deref_dangling))
        {
            let (x, y) = script_step(&["update-ref", "--stdin", "-z"], &script);
            assert_eq!((x.code, &x.stderr), (y.code, &y.stderr), "{label} {script:?}");
            if format == "reftable" {
                // Records as written, reflog entries git hides included (a
                // HEAD entry with the null id).
                assert_lines_eq(&records(&a), &records(&b), &format!("records after {script:?}"));
            }
        }
        // The same failures through the bulk import (used for big scripts).
        if format == "reftable" {
            for script in scripts[..4]
                .iter()
                .chain(&scripts[scripts.len() - 5..scripts.len() - 4])
            {
                let mut cmd = ours_cmd(&a);
                cmd.args(["update-ref", "--stdin"]).env("REFTABLE_BULK_MIN", "1");
                let x = run(cmd, Some(script));
                let y = theirs(&b, &["update-ref", "--stdin"], Some(script));
                assert_eq!((x.code, &x.stderr), (y.code, &y.stderr), "bulk: {script:?}");
            }
        }
        // The command-line forms: an empty old value must not exist; -d
        // treats a zero or empty one as "any".
        for args in [
            &["update-ref", "refs/heads/n", h.as_str(), ""][..],
            &["update-ref", "refs/heads/n", h.as_str(), ""],
            &["update-ref", "refs/heads/n", p.as_str(), &zero],
            &["update-ref", "-d", "refs/heads/nope"],
            &["update-ref", "-d", "refs/heads/nope", &zero],
            &["update-ref", "-d", "refs/heads/nope", ""],
            &["update-ref", "-d", "refs/heads/n", &wrong],
            &["update-ref", "refs/heads/n2", "ann"],
            &["update-ref", "refs/heads/n2", "ann^{commit}"],
            &["update-ref", "refs/tags/n3", "ann^{tree}"],
        ] {
            twin_step(&a, &b, &label, args, None);
        }
    }
}

/// `reflog` subcommands and their on-disk effect as git's: every entry
/// rewritten (dropped ones as tombstones), a reflog emptied keeps git's
/// existence marker, `--rewrite` / `--updateref`, an entry past the end is
/// no error, `reflog [<ref>]` shows, `-n` limits.
#[test]
fn reflog_commands_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, _) = twin(tmp.path(), "reftable", "sha1");
    for d in [&a, &b] {
        git_out(d, &["update-ref", "-m", "side", "refs/heads/side", "HEAD~1"]);
        git_out(d, &["update-ref", "-m", "side again", "refs/heads/side", "HEAD"]);
        git_out(d, &["symbolic-ref", "refs/heads/sym", "refs/heads/side"]);
        git_out(d, &["update-ref", "-d", "--no-deref", "refs/heads/sym"]);
    }
    for args in [
        &["reflog"][..],
        &["reflog", "main"],
        &["reflog", "show", "-n1"],
        &["reflog", "-n", "2", "side"],
        &["reflog", "show", "main@{1}"],
        &["reflog", "HEAD@{1}", "-n", "1"],
        &["reflog", "show", "@{1}"],
        &["reflog", "main@{9}"],
        &["reflog", "refs/heads/main@{9}"],
        &["reflog", "delete", "main@{7}"],
        &["reflog", "delete", "nope@{0}"],
        &["reflog", "delete", "main"],
        &["reflog", "delete", "--rewrite", "HEAD@{1}"],
        &["reflog", "delete", "--updateref", "refs/heads/side@{0}"],
        &["reflog", "delete", "--rewrite", "--updateref", "main@{0}"],
        &["reflog", "expire", "--expire=now", "refs/heads/side"],
        &["reflog", "exists", "refs/heads/side"],
        &["reflog", "show", "side"],
        &["reflog", "expire", "--expire=all", "--all"],
        &["reflog", "exists", "refs/heads/sym"],
    ] {
        let (x, y) = (ours(&a, args, None), theirs(&b, args, None));
        twin_step(&a, &b, &format!("after {args:?}"), &["show-ref"], None);
        assert_eq!(
            (x.code, &x.stdout, &x.stderr),
            (y.code, &y.stdout, &y.stderr),
            "{args:?}"
        );
        assert_eq!(tables(&a), tables(&b), "{args:?}: tables");
    }
}

/// `reflog delete` and `reflog expire` with `--verbose` (`keep`, `prune`,
/// `would prune` and the message of each entry, oldest first, git's quirk
/// of "prune" in a dry run of named reflogs included) and `--dry-run`;
/// `reflog delete <ref>@{<date>}` (the newest entry older than the date)
/// and odd indexes (`@{}`, `@{-1}`, `@{1}x`); names that point nowhere;
/// HEAD's unreachable entries judged from the refs under `refs/` alone
/// (not `ORIG_HEAD`): stdout, exit code, stderr and the reflogs after,
/// equal to git.
#[test]
fn reflog_verbose_dry_run_and_dates_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, _) = twin(tmp.path(), "reftable", "sha1");
    let now = "1700500000";
    for d in [&a, &b] {
        for (i, step) in [
            &["commit", "-q", "--allow-empty", "-m", "c3"][..],
            &["commit", "-q", "--allow-empty", "-m", "c4"],
            &["branch", "b", "HEAD~2"],
            // Leaves ORIG_HEAD at c4, which keeps nothing of HEAD's reflog.
            &["reset", "-q", "--hard", "HEAD~2"],
            &["commit", "-q", "--allow-empty", "-m", "c5"],
            &["symbolic-ref", "refs/heads/sym", "refs/heads/main"],
            &["update-ref", "refs/heads/gone", "HEAD"],
            &["update-ref", "-d", "refs/heads/gone"],
        ]
        .iter()
        .enumerate()
        {
            let out = git(d)
                .env("GIT_COMMITTER_DATE", format!("@{} +0000", 1_700_000_000 + i * 50_000))
                .args(*step)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{step:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let mut cases: Vec<Vec<String>> = Vec::new();
    let words = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
    for spec in [
        "HEAD@{0}",
        "HEAD@{2}",
        "HEAD@{99}",
        "HEAD@{}",
        "HEAD@{-1}",
        "HEAD@{ 1}",
        "HEAD@{1}x",
        "HEAD@{1",
        "HEAD@{2023-11-15}",
        "HEAD@{3.days.ago}",
        "HEAD@{garbage}",
        "HEAD@{1.year.ago}",
        "main@{1}",
        "sym@{0}",
        "b@{0}",
        "nope@{0}",
        "HEAD",
        "@{0}",
    ] {
        for opts in ["--verbose", "-n --verbose", "--rewrite --updateref --verbose"] {
            let mut c = words(&format!("reflog delete {opts}"));
            c.push(spec.into());
            cases.push(c);
        }
    }
    cases.push(words("reflog delete --verbose"));
    for opts in ["", "-n", "--rewrite --updateref"] {
        for who in [
            "--all",
            "HEAD",
            "main",
            "--all main",
            "HEAD nope b",
            "refs/heads/gone",
            "sym",
        ] {
            for limits in [
                "--expire=now",
                "--expire=2023-11-16",
                "--expire=never --expire-unreachable=now",
                "--expire=3.days.ago --expire-unreachable=1.hour.ago",
            ] {
                cases.push(words(&format!("reflog expire --verbose {opts} {limits} {who}")));
            }
        }
    }
    let state = |d: &Path| {
        ["refs/heads/main", "refs/heads/b", "HEAD"]
            .iter()
            .map(|r| git_out(d, &["reflog", "show", "--format=%H %gd %gs", r]))
            .collect::<String>()
            + &git_out(d, &["show-ref"])
    };
    let mut printed = 0;
    for args in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (x, y) = (tmp.path().join("x"), tmp.path().join("y"));
        copy_dir(&a, &x);
        copy_dir(&b, &y);
        let run = |mut cmd: Command| {
            cmd.env("GIT_TEST_DATE_NOW", now).args(&args);
            run(cmd, None)
        };
        let (o, t) = (run(ours_cmd(&x)), run(git(&y)));
        assert_same_outcome(&o, &t, &format!("{args:?}"));
        assert_lines_eq(&state(&x), &state(&y), &format!("after {args:?}"));
        printed += o.stdout.lines().count();
        std::fs::remove_dir_all(&x).unwrap();
        std::fs::remove_dir_all(&y).unwrap();
    }
    assert!(printed > 500, "{printed}");
}

/// `reflog expire` without `--expire`: git's defaults (90 days; 30 for
/// entries whose commits the ref no longer reaches, all refs for HEAD),
/// `gc.reflogExpire*` from the config, approxidate times (`2.weeks.ago`,
/// dates, `0`), and git's error for a bad one.
#[test]
fn reflog_expire_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = twin(tmp.path(), "reftable", "sha1");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let ago = |days: u64| format!("{} +0000", now - days * 24 * 3600);
    let (c0, c1, c2) = (&c[2], &c[1], &c[0]);
    for d in [&a, &b] {
        // A commit nothing will reach.
        let tree = git_out(d, &["rev-parse", "HEAD^{tree}"]);
        let lost = git_out(d, &["commit-tree", "-m", "lost", tree.trim()])
            .trim()
            .to_owned();
        for (days, name, id) in [
            (100, "refs/heads/topic", c0),
            (60, "refs/heads/topic", &lost),
            (45, "refs/heads/topic", c1),
            (40, "refs/heads/topic", c2),
            (10, "refs/heads/topic", c1),
            (5, "refs/heads/topic", c2),
            (50, "refs/heads/gone", &lost),
            (35, "refs/heads/gone", c0),
        ] {
            let out = git(d)
                .env("GIT_COMMITTER_DATE", ago(days))
                .args(["update-ref", "-m", &format!("{days} days"), name, id])
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
    }
    let state = |d: &Path| {
        ["refs/heads/topic", "refs/heads/gone", "HEAD"]
            .iter()
            .map(|r| git_out(d, &["reflog", "show", "--format=%H %gs", r]))
            .collect::<String>()
    };
    for (args, config) in [
        (&["reflog", "expire", "refs/heads/topic"][..], None),
        (&["reflog", "expire", "--all"], None),
        (&["reflog", "expire", "--expire-unreachable=never", "--all"], None),
        (
            &["reflog", "expire", "--all"],
            Some(("gc.reflogExpireUnreachable", "7.days.ago")),
        ),
        (&["reflog", "expire", "--all"], Some(("gc.reflogExpire", "2.weeks.ago"))),
        (&["reflog", "expire", "--expire=2.weeks.ago", "--all"], None),
        (
            &[
                "reflog",
                "expire",
                "--expire=1.month.ago",
                "--expire-unreachable=now",
                "--all",
            ],
            None,
        ),
        (&["reflog", "expire", "--expire=last.week.noon", "--all"], None),
        (
            &["reflog", "expire", "--all"],
            Some(("gc.reflogExpire", "1 week ago noon")),
        ),
        (&["reflog", "expire", "--expire=bogus", "--all"], None),
        (&["reflog", "expire", "--expire-unreachable=bogus", "--all"], None),
        (&["reflog", "expire", "--expire=0", "HEAD"], None),
        (&["reflog", "expire", "-n", "--expire=now", "--all"], None),
        (&["reflog", "expire", "--dry-run", "refs/heads/topic"], None),
    ] {
        let (x, y) = (tmp.path().join("x"), tmp.path().join("y"));
        copy_dir(&a, &x);
        copy_dir(&b, &y);
        if let Some((key, value)) = config {
            git_out(&x, &["config", key, value]);
            git_out(&y, &["config", key, value]);
        }
        let (o, t) = (ours(&x, args, None), theirs(&y, args, None));
        let label = format!("{args:?} {config:?}");
        assert_eq!((o.code, &o.stderr), (t.code, &t.stderr), "{label}");
        assert_lines_eq(&state(&x), &state(&y), &label);
        std::fs::remove_dir_all(&x).unwrap();
        std::fs::remove_dir_all(&y).unwrap();
    }
}

/// `reflog expire --all` visits every worktree's own reflogs as git does:
/// from the main worktree also `worktrees/<id>/HEAD` and the like, from a
/// linked one also `main-worktree/HEAD`, shared reflogs once; only the
/// current worktree's with `--single-worktree`; a `worktrees/<id>` without
/// a `gitdir` file is no worktree. Two repositories made alike by git, one
/// expired by us and one by git, from each worktree: stdout, exit code and
/// stderr, then every worktree's reflogs, and `git refs verify`.
#[test]
fn reflog_expire_all_worktrees_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    // Three worktrees whose HEAD reflogs hold entries no ref reaches
    // (commits undone by reset), bisect and worktree refs, a stray
    // `worktrees/stray` directory.
    let make = |name: &str| {
        let (dir, wt) = fresh_repo_with_worktree(
            tmp.path(),
            name,
            &[
                &["commit", "-q", "--allow-empty", "-m", "a"][..],
                &["commit", "-q", "--allow-empty", "-m", "b"],
            ],
        );
        let wt2 = tmp.path().join(name).join("wt2");
        git_out(&dir, &["worktree", "add", "-q", "-b", "wt2", wt2.to_str().unwrap()]);
        for (d, args) in [
            (&wt, &["commit", "-q", "--allow-empty", "-m", "c"][..]),
            (&wt, &["reset", "-q", "--hard", "HEAD~1"]),
            (&wt2, &["commit", "-q", "--allow-empty", "-m", "d"]),
            (&wt2, &["update-ref", "refs/bisect/bad", "HEAD"]),
            (
                &wt2,
                &["update-ref", "--create-reflog", "-m", "mine", "refs/worktree/x", "HEAD"],
            ),
            (&wt2, &["commit", "-q", "--allow-empty", "-m", "e"]),
            (&wt2, &["reset", "-q", "--hard", "HEAD~2"]),
            (&dir, &["reset", "-q", "--hard", "HEAD~1"]),
        ] {
            git_out(d, args);
        }
        std::fs::create_dir_all(dir.join(".git/worktrees/stray")).unwrap();
        [dir, wt, wt2]
    };
    let reflogs = |dirs: &[std::path::PathBuf; 3]| {
        let mut all = String::new();
        for d in dirs {
            for name in [
                "HEAD",
                "main-worktree/HEAD",
                "worktrees/reftable-wt/HEAD",
                "worktrees/wt2/HEAD",
                "refs/heads/main",
                "refs/heads/wt",
                "refs/heads/wt2",
                "refs/worktree/x",
                "refs/bisect/bad",
            ] {
                let out = theirs(d, &["reflog", "show", "--format=%H %gs", name], None);
                all += &format!("{} {name} ({}):\n{}", d.display(), out.code, out.stdout);
            }
        }
        all
    };
    for args in [
        &[
            "reflog",
            "expire",
            "--all",
            "--expire=never",
            "--expire-unreachable=now",
        ][..],
        &[
            "reflog",
            "expire",
            "--all",
            "--single-worktree",
            "--expire=never",
            "--expire-unreachable=now",
        ],
        &["reflog", "expire", "--all", "--expire=now", "-n", "--verbose"],
        &[
            "reflog",
            "expire",
            "--all",
            "--single-worktree",
            "--expire=now",
            "-n",
            "--verbose",
        ],
        &[
            "reflog",
            "expire",
            "--all",
            "--expire-unreachable=now",
            "--rewrite",
            "--updateref",
            "--verbose",
        ],
    ] {
        for at in 0..3 {
            let (o, g) = (make("ours"), make("git"));
            let (x, y) = (ours(&o[at], args, None), theirs(&g[at], args, None));
            let label = format!("{args:?} in worktree {at}");
            assert_same_outcome(&x, &y, &label);
            assert!(
                !x.stdout.is_empty() || !args.contains(&"--verbose"),
                "{label}: nothing said"
            );
            assert_lines_eq(&rooted(&reflogs(&o), &o[0]), &rooted(&reflogs(&g), &g[0]), &label);
            git_out(&o[0], &["refs", "verify"]);
        }
    }
}

/// For tests of random scripts: a generator of numbers below its argument
/// (xorshift, from `REFTABLE_DIFF_SEED` or `seed`), and how many scripts to
/// run (`REFTABLE_DIFF_SCRIPTS`, 40 by default).
fn random_scripts(seed: u64) -> (impl FnMut(usize) -> usize, usize) {
    let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
    let mut seed: u64 = var("REFTABLE_DIFF_SEED").unwrap_or(seed);
    let rnd = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    (rnd, var("REFTABLE_DIFF_SCRIPTS").map_or(40, |n| n as usize))
}

/// Random `update-ref --stdin` scripts (1 to 4 lines over a few names, valid
/// and not: every command, old values right and wrong, symrefs, D/F pairs)
/// on copies of one repository: same exit code, first word of stderr, refs,
/// reflogs, number of tables and records in them as git. `REFTABLE_DIFF_SCRIPTS` sets how
/// many (40 by default), `REFTABLE_DIFF_SEED` the seed (non-zero).
#[test]
fn random_scripts_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, _, c) = twin(tmp.path(), "reftable", "sha1");
    git_out(&base, &["symbolic-ref", "refs/heads/sy", "refs/heads/main"]);
    git_out(&base, &["update-ref", "refs/heads/other", &c[1]]);
    git_out(&base, &["tag", "-a", "-m", "t", "ann"]);
    let tag = git_out(&base, &["rev-parse", "ann"]).trim().to_owned();
    let zero = "0".repeat(40);
    let values: Vec<String> = c
        .iter()
        .cloned()
        .chain([zero, tag, "HEAD".into(), "main".into(), "1".repeat(40)])
        .collect();
    let names = [
        "refs/heads/main",
        "refs/heads/other",
        "refs/heads/sy",
        "refs/heads/n1",
        "refs/heads/n1/x",
        "refs/tags/t1",
        "HEAD",
        "refs/heads/bad..name",
    ];
    let (mut rnd, count) = random_scripts(0x9e37_79b9_7f4a_7c15);
    for k in 0..count {
        let mut script = String::new();
        for _ in 0..1 + rnd(4) {
            let n = names[rnd(names.len())];
            let t = names[rnd(6)];
            let v = &values[rnd(values.len())];
            let w = &values[rnd(values.len())];
            let line = match rnd(11) {
                0 | 1 => format!("update {n} {v}"),
                2 => format!("update {n} {v} {w}"),
                3 => format!("create {n} {v}"),
                4 => format!("delete {n}"),
                5 => format!("delete {n} {v}"),
                6 => format!("verify {n} {v}"),
                7 => format!("symref-update {n} {t}"),
                8 => format!("symref-create {n} {t}"),
                9 => format!("option no-deref\nsymref-delete {n} {t}"),
                _ => format!("option no-deref\nsymref-verify {n}"),
            };
            script += &line;
            script.push('\n');
        }
        let (a, b) = (tmp.path().join(format!("a{k}")), tmp.path().join(format!("b{k}")));
        copy_dir(&base, &a);
        copy_dir(&base, &b);
        let args = ["update-ref", "--stdin"];
        let (x, y) = (ours(&a, &args, Some(&script)), theirs(&b, &args, Some(&script)));
        assert_eq!(
            (x.code, first_word(&x.stderr)),
            (y.code, first_word(&y.stderr)),
            "{script}ours: {} git: {}",
            x.stderr,
            y.stderr
        );
        assert_lines_eq(&state(&a), &state(&b), &format!("state after {script}"));
        assert_eq!(tables(&a), tables(&b), "tables after {script}");
        assert_lines_eq(&records(&a), &records(&b), &format!("records after {script}"));
        std::fs::remove_dir_all(&a).unwrap();
        std::fs::remove_dir_all(&b).unwrap();
    }
}

/// `for-each-ref` atoms read from objects (sizes, commit and tag headers,
/// people and dates in every format that needs no local zone, subject,
/// body, contents and its parts, `*` for what tags point at) and sorting by
/// them (dates and sizes as numbers, formatted dates as text), on commits
/// with awkward messages and tags in several zones; stdout, exit code and
/// the whole of stderr as git's.
#[test]
fn object_atoms_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = git_init(tmp.path(), "objects", &["--ref-format=reftable"]);
    let dated = |args: &[&str], date: &str, stdin: Option<&str>| {
        let mut c = git(&dir);
        c.args(args)
            .env("GIT_COMMITTER_DATE", date)
            .env("GIT_AUTHOR_DATE", date);
        let out = run(c, stdin);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        out.stdout
    };
    dated(
        &["commit", "-q", "--allow-empty", "-m", "first"],
        "1600000000 -0030",
        None,
    );
    dated(
        &["commit", "-q", "--allow-empty", "--cleanup=verbatim", "-F", "-"],
        "1700000000 +0130",
        Some("a subject\nover two lines\n\nbody 1\nbody 2\n\n-----BEGIN PGP SIGNATURE-----\nnot really\n-----END PGP SIGNATURE-----\n"),
    );
    dated(
        &["commit", "-q", "--allow-empty", "--cleanup=verbatim", "-F", "-"],
        "1650000000 +1400",
        Some("crlf subject\r\nsecond\r\n\r\nbody\r\n"),
    );
    git_out(&dir, &["branch", "side", "HEAD~2"]);
    git_out(&dir, &["checkout", "-q", "side"]);
    dated(
        &["commit", "-q", "--allow-empty", "-m", "on side"],
        "1750000000 -1200",
        None,
    );
    git_out(&dir, &["checkout", "-q", "main"]);
    dated(
        &["merge", "-q", "--no-ff", "-m", "merge side", "side"],
        "1760000000 +0000",
        None,
    );
    dated(
        &["tag", "-a", "-m", "tag subject", "-m", "tag body", "t-commit", "HEAD~1"],
        "1690000000 +0545",
        None,
    );
    dated(
        &["tag", "-a", "-m", "of a tag", "t-nested", "t-commit"],
        "1691000000 -0330",
        None,
    );
    dated(
        &["tag", "-a", "-m", "a tree", "t-tree", "HEAD^{tree}"],
        "1692000000 +0000",
        None,
    );
    let blob = git_stdin(&dir, &["hash-object", "-w", "--stdin"], "blob\n");
    git_out(&dir, &["tag", "light-blob", blob.trim()]);
    git_out(&dir, &["tag", "light", "HEAD~2"]);
    let formats = [
        "%(objectsize) %(objectsize:foo) %(refname)",
        "%(tree) %(parent) %(numparent) %(tree:short) %(parent:short=12)",
        "%(object) %(type) %(tag) %(numparent:x)|%(object:y)|%(author:x)|%(creator:y)",
        "%(author)|%(authorname)|%(authoremail)|%(authoremail:trim)|%(authoremail:localpart)|%(authordate)",
        "%(committer)|%(committerdate:iso)|%(committerdate:iso-strict)|%(committerdate:rfc)|%(committerdate:short)",
        "%(committerdate:raw)|%(committerdate:unix)|%(committerdate:default)|%(committerdate:relative)",
        "%(tagger)|%(taggername)|%(taggeremail)|%(taggerdate)|%(taggerdate:iso8601)|%(taggerdate:rfc2822)",
        "%(creator)|%(creatordate)|%(creatordate:iso8601-strict)",
        "[%(subject)] [%(body)]",
        "[%(subject:sanitize)] [%(*subject:sanitize)]",
        "%(authoremail:trim,localpart)|%(authoremail:localpart,trim)|%(*taggeremail:localpart)",
        // An empty argument is none, but where git looks atoms up by their text.
        "%(refname:)|%(objectname:)|%(authoremail:)|%(subject:)|%(HEAD:)|%(*objecttype:)|%(author:)|%(body:)",
        "[%(contents)]",
        "[%(contents:subject)][%(contents:body)][%(contents:signature)][%(contents:size)]",
        "%(*subject)|%(*authorname)|%(*objectsize)|%(*tree)|%(*committerdate:short)|%(*tagger)",
        // Refused as git refuses them.
        "%(tree:long)",
        "%(tree:short=0)",
        "%(authoremail:foo)",
        "%(authoremail:trim,)",
        "%(authoremail:trimx)",
        "%(authoremail:trim,,localpart)",
        "%(authordate:)",
        "%(rest:)",
        "%(ahead-behind:)",
        "%(authordate:bogus)",
        "%(contents:foo)",
        "%(subject:foo)",
        "%(body:x)",
    ];
    let sorts = [
        "committerdate",
        "-committerdate",
        "creatordate",
        "-creatordate",
        "objectsize",
        "-objectsize",
        "numparent",
        "taggerdate",
        "authordate:iso",
        "subject",
        "*committerdate",
        "-version:taggerdate",
        "authordate:bogus",
        // Not `creatordate:relative`: git compares formatted dates as text
        // only once it has computed one (its first comparison is by number),
        // which mixes the two orders; ours is the text order throughout.
    ];
    let cases: Vec<Vec<String>> = formats
        .iter()
        .map(|f| vec!["for-each-ref".to_owned(), format!("--format={f}")])
        .chain(sorts.iter().map(|s| {
            vec![
                "for-each-ref".to_owned(),
                format!("--sort={s}"),
                "--format=%(refname) %(creatordate:unix)".to_owned(),
            ]
        }))
        .chain([vec![
            "for-each-ref".to_owned(),
            "--sort=-committerdate".to_owned(),
            "--count=2".to_owned(),
            "--format=%(refname:short) %(committerdate:relative) %(subject)".to_owned(),
            "refs/heads".to_owned(),
        ]])
        .collect();
    for args in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // Relative dates against a fixed now, as git's tests pin it.
        for now in ["1760000050", "1800000000"] {
            let mut a = ours_cmd(&dir);
            a.args(&args).env("GIT_TEST_DATE_NOW", now);
            let mut b = git(&dir);
            b.args(&args).env("GIT_TEST_DATE_NOW", now);
            let (a, b) = (run(a, None), run(b, None));
            let what = format!("{args:?} at {now}");
            assert_lines_eq(&a.stdout, &b.stdout, &what);
            assert_eq!((a.code, &a.stderr), (b.code, &b.stderr), "{what}");
        }
    }
    // A missing object is fatal for these atoms, as for git.
    let gone = git_stdin(&dir, &["hash-object", "-w", "--stdin"], "soon gone\n");
    let gone = gone.trim();
    git_out(&dir, &["update-ref", "refs/tags/missing", gone]);
    std::fs::remove_file(dir.join(".git/objects").join(&gone[..2]).join(&gone[2..])).unwrap();
    for f in ["%(subject)", "%(objectsize)", "%(authordate)"] {
        let (a, b) = (
            ours(&dir, &["for-each-ref", &format!("--format={f}")], None),
            theirs(&dir, &["for-each-ref", &format!("--format={f}")], None),
        );
        assert_eq!((a.code, &a.stdout, &a.stderr), (b.code, &b.stdout, &b.stderr), "{f}");
    }
}

/// A repository of `format` in `tmp` set up by the git commands `setup`,
/// and a linked worktree of it on a new branch `wt`.
fn repo_with_worktree(tmp: &Path, format: &str, setup: &[&[&str]]) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = git_init(tmp, format, &[&format!("--ref-format={format}")]);
    for args in setup {
        git_out(&dir, args);
    }
    let wt = tmp.join(format!("{format}-wt"));
    git_out(&dir, &["worktree", "add", "-q", "-b", "wt", wt.to_str().unwrap()]);
    (dir, wt)
}

/// [`repo_with_worktree`] (reftable) in a fresh directory `tmp/<name>`,
/// whatever was there removed first: twins made by calling it for "ours"
/// and "git" are alike (commits have fixed dates), round after round.
fn fresh_repo_with_worktree(tmp: &Path, name: &str, setup: &[&[&str]]) -> (std::path::PathBuf, std::path::PathBuf) {
    let root = tmp.join(name);
    if root.exists() {
        std::fs::remove_dir_all(&root).unwrap();
    }
    std::fs::create_dir_all(&root).unwrap();
    repo_with_worktree(&root, "reftable", setup)
}

/// `text` with the directory holding `dir` (a twin's root) written `<root>`.
fn rooted(text: &str, dir: &Path) -> String {
    text.replace(&*dir.parent().unwrap().to_string_lossy(), "<root>")
}

/// `reflog list` as git 2.47 prints it: reftable and files repositories,
/// from the main worktree and from a linked one (its own reflogs, the
/// shared ones, not the main worktree's `HEAD` or bisect refs), deleted
/// branches gone, files' directory order (`a/c` before `a-b`), and git's
/// errors for arguments and unknown options.
#[test]
fn reflog_list_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    for format in ["reftable", "files"] {
        let (dir, wt) = repo_with_worktree(
            tmp.path(),
            format,
            &[
                &["commit", "-q", "--allow-empty", "-m", "a"][..],
                &["branch", "a-b"],
                &["branch", "a/c"],
                &["branch", "gone"],
                &["branch", "-D", "gone"],
                &["update-ref", "--create-reflog", "refs/bisect/main-only", "HEAD"],
                &["update-ref", "--create-reflog", "refs/worktree/mine", "HEAD"],
            ],
        );
        git_out(&wt, &["update-ref", "--create-reflog", "refs/bisect/wt-only", "HEAD"]);
        git_out(&wt, &["commit", "-q", "--allow-empty", "-m", "b"]);
        for d in [&dir, &wt] {
            for args in [
                &["reflog", "list"][..],
                &["reflog", "list", "--"],
                &["reflog", "list", "extra"],
                &["reflog", "list", "--", "-x"],
                &["reflog", "list", "-x"],
                &["reflog", "list", "a", "--foo=1"],
            ] {
                let (x, y) = (ours(d, args, None), theirs(d, args, None));
                assert_same_outcome(&x, &y, &format!("{args:?} in {}", d.display()));
            }
        }
        let listed = ours(&wt, &["reflog", "list"], None).stdout;
        assert!(
            listed.contains("refs/bisect/wt-only") && !listed.contains("main-only"),
            "{listed}"
        );
    }
}

/// for-each-ref's options beyond the read cases, against git: patterns read
/// by `--stdin` (CRLF lines too), root refs in a linked worktree, sorting
/// and matching without case, quoting of quotes, `!`, backslashes and
/// newlines, and objects replaced through `refs/replace/` (which gix does
/// not see in a reftable repository), with replacement switched off by
/// `GIT_NO_REPLACE_OBJECTS` and `core.useReplaceRefs`.
#[test]
fn for_each_ref_options_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    for format in ["reftable", "files"] {
        let (dir, wt) = repo_with_worktree(
            tmp.path(),
            format,
            &[
                &["commit", "-q", "--allow-empty", "-m", "it's a \\ [$x] \"q\"!"][..],
                &["commit", "-q", "--allow-empty", "-m", "second"],
                &["commit", "-q", "--allow-empty", "-m", "third"],
                &["replace", "HEAD~1", "HEAD~2"],
                &["update-ref", "ORIG_HEAD", "HEAD~1"],
                &["update-ref", "CHERRY_PICK_HEAD", "HEAD~1"],
                &["update-ref", "refs/heads/Upper", "HEAD~1"],
                &["update-ref", "refs/heads/lower", "HEAD"],
                &["update-ref", "refs/heads/it's!", "HEAD"],
            ],
        );
        git_out(&wt, &["update-ref", "REBASE_HEAD", "HEAD"]);
        for d in [&dir, &wt] {
            for args in [
                &[
                    "for-each-ref",
                    "--include-root-refs",
                    "--format=%(refname) %(objectname) %(symref)",
                ][..],
                &["for-each-ref", "--ignore-case", "--format=%(refname)"],
                // Unique prefixes of long options, as git's parse-options.
                &["for-each-ref", "--ig", "--form=%(refname)", "--so=-refname", "--cou=3"],
                &["for-each-ref", "--ignore-case", "--format=%(refname)", "refs/heads/u*"],
                &["for-each-ref", "--format=%(refname)", "refs/heads/u*"],
                &["for-each-ref", "--shell", "--format=%(refname) %(subject)"],
                &["for-each-ref", "--perl", "--format=%(refname) %(contents)"],
                &["for-each-ref", "--python", "--format=%(refname) %(contents)"],
                &["for-each-ref", "--tcl", "--format=%(refname) %(contents)"],
                &[
                    "for-each-ref",
                    "--format=%(refname) %(subject) %(parent)",
                    "refs/heads/",
                ],
                &["for-each-ref", "--stdin", "refs/heads"],
            ] {
                same(d, args);
            }
            let stdin = "refs/heads/\r\nrefs/tags\nrefs/replace/*";
            let (x, y) = (
                ours(d, &["for-each-ref", "--stdin"], Some(stdin)),
                theirs(d, &["for-each-ref", "--stdin"], Some(stdin)),
            );
            assert_eq!((x.code, &x.stdout), (y.code, &y.stdout), "--stdin in {}", d.display());
            let subjects = ["for-each-ref", "--format=%(refname) %(subject)"];
            for env in ["GIT_NO_REPLACE_OBJECTS", "NOT_SET_ANYWAY"] {
                let mut a = ours_cmd(d);
                a.args(subjects).env(env, "1");
                let mut b = git(d);
                b.args(subjects).env(env, "1");
                let (a, b) = (a.output().unwrap(), b.output().unwrap());
                assert_eq!(
                    String::from_utf8_lossy(&a.stdout),
                    String::from_utf8_lossy(&b.stdout),
                    "{env}"
                );
            }
        }
        git_out(&dir, &["config", "core.useReplaceRefs", "false"]);
        same(&dir, &["for-each-ref", "--format=%(refname) %(subject)"]);
    }
}

/// Names outside `refs/` that git writes when asked (`bar/baz`, `FOO_BAR`,
/// even `foo`), and the ones its transactions refuse: FETCH_HEAD and
/// MERGE_HEAD, and deleting, verifying or pointing a symref from a name
/// outside `refs/` not of capitals and `_`. Whole stderr and exit code as
/// git's; then the stacks git wrote such names into read as git reads them.
#[test]
fn names_outside_refs_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    for format in ["reftable", "files"] {
        let (a, b, c) = twin(tmp.path(), format, "sha1");
        let steps: Vec<(Vec<&str>, Option<&str>)> = vec![
            (vec!["update-ref", "bar/baz", &c[0]], None),
            (vec!["update-ref", "FOO_BAR", &c[1]], None),
            (vec!["update-ref", "FETCH_HEAD", &c[0]], None),
            (vec!["update-ref", "-d", "MERGE_HEAD"], None),
            (vec!["update-ref", "-d", "bar/baz"], None),
            (vec!["update-ref", "-d", "foo"], None),
            (vec!["update-ref", "-d", "refs/heads/../x"], None),
            (vec!["symbolic-ref", "bar/sym", "refs/heads/main"], None),
            (vec!["symbolic-ref", "-d", "bar/baz"], None),
            (vec!["update-ref", "--stdin"], Some("verify bar/baz\n")),
            (vec!["update-ref", "--stdin"], Some("delete foo\n")),
            (vec!["update-ref", "--stdin"], Some("verify foo\n")),
            (vec!["show-ref", "--verify", "bar/baz"], None),
            (vec!["show-ref", "--exists", "bar/baz"], None),
            (vec!["reflog", "exists", "bar/baz"], None),
            (vec!["update-ref", "-d", "FOO_BAR"], None),
        ];
        for (args, stdin) in &steps {
            let (x, y) = (ours(&a, args, *stdin), theirs(&b, args, *stdin));
            let what = format!("{format} {args:?} {stdin:?}");
            assert_same_outcome(&x, &y, &what);
            // Refs outside refs/ are not in for-each-ref: look them up.
            let look = |d: &Path| {
                ["bar/baz", "FOO_BAR", "bar/sym"]
                    .map(|n| {
                        let o = git(d).args(["rev-parse", "-q", "--verify", n]).output().unwrap();
                        String::from_utf8_lossy(&o.stdout).into_owned()
                    })
                    .concat()
            };
            assert_eq!(look(&a), look(&b), "refs outside refs/ after {what}");
            assert_lines_eq(&state(&a), &state(&b), &format!("state after {what}"));
        }
    }
    // git writes one-level names too; we read past them as git does, and
    // they are not errors to `refs verify`.
    let dir = git_init(tmp.path(), "odd", &["--ref-format=reftable"]);
    git_out(&dir, &["commit", "-q", "--allow-empty", "-m", "a"]);
    for name in ["foo", "Foo", "bar/baz", "FOO_BAR", "X_HEAD"] {
        git_out(&dir, &["update-ref", name, "HEAD"]);
    }
    for args in [
        &["for-each-ref"][..],
        &["for-each-ref", "--include-root-refs"],
        &["show-ref", "--head"],
        &["show-ref", "--exists", "bar/baz"],
        &["show-ref", "--verify", "X_HEAD"],
        &["refs", "verify"],
    ] {
        let out = same(&dir, args);
        assert_eq!(out.stderr, theirs(&dir, args, None).stderr, "{args:?}");
    }
    // A symref to `foo`: gix cannot hold its target, so it is left out,
    // without a warning (its name is fine).
    git_out(&dir, &["symbolic-ref", "refs/heads/to-foo", "foo"]);
    let (x, y) = (
        ours(&dir, &["for-each-ref"], None),
        theirs(&dir, &["for-each-ref"], None),
    );
    assert_eq!((x.code, x.stderr.as_str()), (0, ""));
    let want: String = y
        .stdout
        .lines()
        .filter(|l| !l.ends_with("to-foo"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(x.stdout, want);
    let store = reftable::store::Store::at(&dir.join(".git"), gix_hash::Kind::Sha1).unwrap();
    assert!(store.find("bar/baz").is_ok());
    assert!(store.find("FOO_BAR").is_ok());
    let pseudo: Vec<String> = store
        .iter()
        .unwrap()
        .pseudo()
        .unwrap()
        .map(|r| r.unwrap().name.as_bstr().to_string())
        .collect();
    assert_eq!(pseudo, ["FOO_BAR", "HEAD", "X_HEAD"]);
}

/// Adds refs named `names` (any bytes, unchecked, as another tool might
/// write them) at object `id` to the stack of the repository at `dir`.
fn add_refs_as_another_tool(dir: &Path, names: &[&str], id: &[u8]) {
    use reftable::format::{RefRecordRef, RefValueRef};
    use reftable::stack::{Options, Stack};
    let mut names = names.to_vec();
    names.sort();
    let mut stack = Stack::open(&dir.join(".git/reftable"), Options::default()).unwrap();
    let next = stack.next_update_index();
    stack
        .add(|w| {
            w.set_limits(next, next)?;
            for n in &names {
                w.add_ref(&RefRecordRef {
                    name: n.as_bytes(),
                    update_index: next,
                    value: RefValueRef::Val1(id),
                })?;
            }
            Ok(())
        })
        .unwrap();
}

/// Names another tool wrote that could leave `refs/` as paths: git dies
/// "refname is dangerous" when its walk reaches one, and only then.
#[test]
fn dangerous_names_from_another_tool_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    // Names that could leave `refs/` as paths, each where it sorts among
    // valid and merely broken ones: git dies "refname is dangerous" when
    // its walk reaches one (and only then), after what it printed so far.
    let sets: [&[&str]; 3] = [
        &[
            "refs/../../escape",
            "refs/heads//x",
            "refs/heads/ok",
            "refs/tags/a b",
            "refs/zz/./x",
        ],
        &["refs/tags/../x", "refs/heads/ok", "refs/tags/v1"],
        &["refs/zz/..", "refs/heads/a..b", "refs/heads/ok"],
    ];
    for (i, set) in sets.iter().enumerate() {
        let dir = git_init(tmp.path(), &format!("d{i}"), &["--ref-format=reftable"]);
        git_out(&dir, &["commit", "-q", "--allow-empty", "-m", "a"]);
        git_out(&dir, &["tag", "-a", "-m", "t", "v0"]);
        let id = unhex(git_out(&dir, &["rev-parse", "HEAD"]).trim());
        add_refs_as_another_tool(&dir, set, &id);
        for args in [
            &["for-each-ref"][..],
            &["for-each-ref", "--include-root-refs"],
            &["for-each-ref", "--sort=-refname", "--format=%(refname) %(*objectname)"],
            &["for-each-ref", "refs/heads"],
            &["for-each-ref", "refs/heads/ok"],
            &["for-each-ref", "refs/heads/o*"],
            &["for-each-ref", "refs/t"],
            &["for-each-ref", "refs/zz"],
            &["for-each-ref", "--count=1", "refs/tags"],
            &["show-ref"],
            &["show-ref", "-d"],
            &["show-ref", "ok"],
            &["show-ref", "--branches"],
            &["show-ref", "--tags"],
            &["show-ref", "--branches", "--tags"],
            &["show-ref", "--verify", "refs/heads/ok"],
        ] {
            let out = same(&dir, args);
            assert_eq!(out.stderr, theirs(&dir, args, None).stderr, "{args:?}");
        }
    }
}

/// Names under `refs/` that are not ref names, written by another tool:
/// git warns of each in for-each-ref, dies on the first in show-ref, and
/// gix-style iteration leaves them out (or tells them apart).
#[test]
fn broken_names_from_another_tool_as_git() {
    use reftable::store::RefEntry;
    let tmp = tempfile::tempdir().unwrap();
    let dir = git_init(tmp.path(), "names", &["--ref-format=reftable"]);
    git_out(&dir, &["commit", "-q", "--allow-empty", "-m", "a"]);
    git_out(&dir, &["tag", "v1"]);
    let id = unhex(git_out(&dir, &["rev-parse", "HEAD"]).trim());
    let broken = [
        "refs/heads/a\u{1}b",
        "refs/heads/a b",
        "refs/heads/a..b",
        "refs/heads/x.lock",
    ];
    let mut names: Vec<&str> = broken.to_vec();
    names.extend(["refs/heads/ok", "Foo", "foo2", "bar/baz2"]);
    add_refs_as_another_tool(&dir, &names, &id);
    for args in [
        &["for-each-ref"][..],
        &["for-each-ref", "--include-root-refs"],
        &["for-each-ref", "--format=%(refname) %(subject)", "--sort=-refname"],
        &["for-each-ref", "refs/heads/a"],
        &["for-each-ref", "refs/heads/o"],
        &["for-each-ref", "refs/tags"],
        &["for-each-ref", "refs/heads/[ax]*"],
        &["show-ref"],
        &["show-ref", "--tags"],
        &["show-ref", "ok"],
        &["show-ref", "-q"],
    ] {
        let out = same(&dir, args);
        assert_eq!(out.stderr, theirs(&dir, args, None).stderr, "{args:?}");
    }
    // Our verify names exactly the broken ones (git 2.47 checks no names in
    // reftable repositories); one-level names are valid to git.
    let out = ours(&dir, &["refs", "verify"], None);
    assert_eq!(out.code, 1);
    let flagged: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(flagged.len(), broken.len(), "{}", out.stderr);
    assert!(flagged.iter().all(|l| l.contains("badRefName")), "{}", out.stderr);
    let store = reftable::store::Store::at(&dir.join(".git"), gix_hash::Kind::Sha1).unwrap();
    let platform = store.iter().unwrap();
    let listed: Vec<String> = platform
        .all()
        .unwrap()
        .map(|r| r.unwrap().name.as_bstr().to_string())
        .collect();
    assert_eq!(listed, ["refs/heads/main", "refs/heads/ok", "refs/tags/v1"]);
    let mut it = platform.all().unwrap();
    let mut seen = Vec::new();
    while let Some(e) = it.next_entry().unwrap() {
        seen.push(match e {
            RefEntry::Ref(r) => r.name.as_bstr().to_string(),
            RefEntry::Broken(n) => format!("broken {n}"),
        });
    }
    let mut want: Vec<String> = broken.iter().map(|n| format!("broken {n}")).collect();
    want.extend(["refs/heads/main", "refs/heads/ok", "refs/tags/v1"].map(String::from));
    want.sort_by(|a, b| a.trim_start_matches("broken ").cmp(b.trim_start_matches("broken ")));
    assert_eq!(seen, want);
}

/// for-each-ref's reach filters (`--merged`, `--no-merged`, `--contains`,
/// `--no-contains`) on a history with a side branch, annotated and
/// lightweight tags and a tag of a tree; and git's words for arguments that
/// are no object or no commit. Stdout, exit code and the whole of stderr.
#[test]
fn for_each_ref_reach_filters_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    for format in ["reftable", "files"] {
        let dir = git_init(tmp.path(), format, &[&format!("--ref-format={format}")]);
        make_commits(&dir, 3);
        git_out(&dir, &["branch", "old", "HEAD~2"]);
        git_out(&dir, &["checkout", "-q", "-b", "side", "HEAD~1"]);
        git_out(&dir, &["commit", "-q", "--allow-empty", "-m", "s1"]);
        git_out(&dir, &["checkout", "-q", "main"]);
        git_out(&dir, &["merge", "-q", "--no-ff", "-m", "merge", "side"]);
        git_out(&dir, &["commit", "-q", "--allow-empty", "-m", "after"]);
        git_out(&dir, &["branch", "premerge", "HEAD~2"]);
        git_out(&dir, &["tag", "-a", "-m", "t", "vt", "HEAD~1"]);
        git_out(&dir, &["tag", "lt", "side"]);
        git_out(&dir, &["tag", "tree-tag", "HEAD^{tree}"]);
        let tree = git_out(&dir, &["rev-parse", "HEAD^{tree}"]).trim().to_owned();
        let cases: Vec<Vec<&str>> = vec![
            vec!["--merged"],
            vec!["--merged", "old"],
            vec!["--merged=side"],
            vec!["--merged", "premerge", "--merged", "side"],
            vec!["--no-merged"],
            vec!["--no-merged", "side"],
            vec!["--no-merged=premerge", "refs/heads"],
            vec!["--contains"],
            vec!["--contains", "old"],
            vec!["--contains", "side"],
            vec!["--contains", "vt", "--contains", "premerge"],
            vec!["--no-contains", "side"],
            vec!["--merged", "vt", "--no-contains", "side", "--format=%(refname)"],
            vec!["--contains=old", "--no-merged=premerge", "--sort=-refname"],
            vec!["--format=%(refname)", "--merged"],
            vec!["--merged", "--sort=-refname"],
            vec!["--merged", "nonsense"],
            vec!["--no-merged", "nonsense"],
            vec!["--contains", "nonsense"],
            vec!["--merged", &tree],
            vec!["--no-contains", &tree],
            vec!["--merged", "tree-tag"],
        ];
        let mut listed = 0;
        for case in &cases {
            let mut args = vec!["for-each-ref"];
            args.extend(case);
            let (x, y) = (ours(&dir, &args, None), theirs(&dir, &args, None));
            let what = format!("{format} {args:?}");
            listed += usize::from(!x.stdout.is_empty());
            assert_same_outcome(&x, &y, &what);
        }
        assert!(listed >= 14, "{format}: only {listed} cases listed refs");
    }
}

/// The atoms that read configuration and other worktrees (`%(upstream…)`,
/// `%(push…)` with git's push rules, `%(worktreepath)`, `%(flag)`,
/// `%(ahead-behind:…)`), symref modifiers, `%(contents:lines=…)` and
/// `%(raw)`, with the errors git gives when it parses them: stdout, exit
/// code and whole stderr equal to git's, on both ref formats and in a
/// linked worktree.
#[test]
fn for_each_ref_remote_and_worktree_atoms_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    for format in ["reftable", "files"] {
        let dir = git_init(tmp.path(), format, &[&format!("--ref-format={format}")]);
        make_commits(&dir, 4);
        git_out(&dir, &["remote", "add", "origin", "../elsewhere"]);
        git_out(&dir, &["remote", "add", "other", "../other"]);
        for (remote, at) in [("origin", "HEAD~1"), ("other", "HEAD~3")] {
            for b in ["main", "feature", "topic"] {
                git_out(&dir, &["update-ref", &format!("refs/remotes/{remote}/{b}"), at]);
            }
        }
        git_out(
            &dir,
            &["symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main"],
        );
        git_out(&dir, &["branch", "feature", "HEAD~2"]);
        git_out(&dir, &["branch", "topic", "HEAD~1"]);
        git_out(&dir, &["branch", "gone", "HEAD~1"]);
        git_out(&dir, &["branch", "local", "HEAD~3"]);
        git_out(
            &dir,
            &["tag", "-a", "-m", "line one\nline two\n\nbody", "multi", "HEAD"],
        );
        let wt = tmp.path().join(format!("wt-{format}"));
        git_out(&dir, &["worktree", "add", "-q", wt.to_str().unwrap(), "feature"]);
        for (key, value) in [
            ("branch.main.remote", "origin"),
            ("branch.main.merge", "refs/heads/main"),
            ("branch.feature.remote", "origin"),
            ("branch.feature.merge", "refs/heads/main"),
            ("branch.topic.remote", "other"),
            ("branch.topic.merge", "refs/heads/topic"),
            ("branch.gone.remote", "origin"),
            ("branch.gone.merge", "refs/heads/nowhere"),
            ("branch.local.remote", "."),
            ("branch.local.merge", "refs/heads/main"),
        ] {
            git_out(&dir, &["config", key, value]);
        }
        let all = "%(refname) %(upstream)|%(upstream:short)|%(upstream:lstrip=2)|%(upstream:track)|\
                   %(upstream:track,nobracket)|%(upstream:trackshort)|%(upstream:remotename)|%(upstream:remoteref)|\
                   %(push)|%(push:short)|%(push:track)|%(push:trackshort)|%(push:remotename)|%(push:remoteref)|\
                   %(worktreepath)|%(flag)|%(symref:short)|%(symref:lstrip=-1)|%(*refname)|%(*symref)";
        let formats = [
            all,
            "%(refname:short) %(ahead-behind:HEAD) %(ahead-behind:feature)",
            "%(contents:lines=1)|%(contents:lines=2)|%(contents:lines=0)|%(raw:size)",
            "%(raw)",
            "%(upstream:foo)",
            "%(upstream:short,track)",
            "%(upstream:lstrip=x)",
            "%(symref:foo)",
            "%(refname:strip=x)",
            "%(HEAD:x)",
            "%(rest)",
            "%(ahead-behind)",
            "%(ahead-behind:nonsense)",
            "%(contents:lines=x)",
            "%(raw:x)",
        ];
        // Push configurations: git's `branch_get_push` under each.
        let settings: [&[(&str, &str)]; 7] = [
            &[],
            &[("push.default", "current")],
            &[("push.default", "upstream")],
            &[("push.default", "nothing")],
            &[("remote.pushDefault", "other"), ("push.default", "matching")],
            &[
                ("branch.topic.pushRemote", "origin"),
                ("remote.origin.push", "refs/heads/*:refs/heads/*"),
            ],
            &[("remote.origin.mirror", "true")],
        ];
        let mut listed = 0;
        for setting in settings {
            for (k, v) in setting {
                git_out(&dir, &["config", k, v]);
            }
            for f in formats {
                for (at, args) in [
                    (&dir, vec!["for-each-ref".to_owned(), format!("--format={f}")]),
                    (
                        &wt,
                        vec!["for-each-ref".to_owned(), format!("--format={f}"), "refs/heads".into()],
                    ),
                    (
                        &dir,
                        vec![
                            "for-each-ref".to_owned(),
                            "--sort=upstream:track".into(),
                            format!("--format={f}"),
                        ],
                    ),
                ] {
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    let (x, y) = (ours(at, &args, None), theirs(at, &args, None));
                    listed += usize::from(x.stdout.contains("[ahead") || x.stdout.contains("line two"));
                    assert_same_outcome(&x, &y, &format!("{format} {setting:?} {args:?}"));
                }
            }
            for (k, _) in setting {
                git_out(&dir, &["config", "--unset", k]);
            }
        }
        assert!(
            listed >= 14,
            "{format}: only {listed} outputs with tracking counts or lines"
        );
    }
}

/// for-each-ref's nesting atoms against git: `%(align)` (widths, positions,
/// wide and combining characters, git's `int` overflow of a huge width),
/// `%(if)` / `%(if:equals=…)` / `%(if:notequals=…)` with `%(then)` and
/// `%(else)`, nested, white space as an empty condition, quoting of whole
/// outermost blocks, and every error git gives for a misplaced, repeated or
/// missing nesting atom or a bad argument; `%(color:…)` with `--color`:
/// stdout, exit code and stderr.
#[test]
fn for_each_ref_nesting_and_color_atoms_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = git_init(tmp.path(), "nest", &["--ref-format=reftable"]);
    make_commits(&dir, 2);
    for args in [
        &["branch", "feature", "HEAD~1"][..],
        &["branch", "ünïcode"],
        &["update-ref", "refs/heads/日本", "HEAD"],
        &["tag", "-a", "-m", "it's", "v1", "HEAD~1"],
        &["tag", "light"],
        &["symbolic-ref", "refs/heads/link", "refs/heads/main"],
    ] {
        git_out(&dir, args);
    }
    let formats = [
        "%(align:20)%(refname:short)%(end)|",
        "%(align:20,right)%(refname:short)%(end)|",
        "%(align:width=21,position=middle)%(refname:short)%(end)|",
        "%(align: 5)%(refname:lstrip=-1)%(end)|",
        "%(align:+7,position=right)x%(end)|",
        "%(align:4294967294)x%(end)|",
        "%(align:0)%(refname)%(end)|",
        "%(if)%(HEAD)%(then)* %(else)  %(end)%(refname:short)",
        "%(if:equals=refs/heads/main)%(refname)%(then)M%(else)o%(end) %(refname)",
        "%(if:notequals=commit)%(objecttype)%(then)[%(objecttype)]%(end) %(refname)",
        "%(if)%(symref)%(then)%(symref)%(else)%(if)%(*objectname)%(then)peeled %(*objectname)%(else)plain%(end)%(end)",
        "%(align:30)%(if)%(symref)%(then)-> %(symref:short)%(else)%(objectname:short)%(end)%(end)|",
        "%(if) %(then)yes%(else)no%(end)",
        "%(if)x%(then)y%(end:zz)",
        "%(if:)x%(then)y%(else:w)z%(end)",
        "%(align:15)%(refname:short) it's%(end)|%(refname:short) %(contents:subject)",
        "%(align:5)%(align:3)a%(end)b%(end)",
        "%(if)%(HEAD)%(then)*%(else)-%(end)%(refname)",
        // Errors.
        "%(end:x)",
        "%(then:x)%(if)",
        "%(else:a)",
        "%(align)",
        "%(align:)",
        "%(align:-5)",
        "%(align:5,)",
        "%(align:5,left,right)",
        "%(align:width=x)",
        "%(align:position=x)",
        "%(align:4294967295)",
        "%(if:foo)",
        "%(if:equals)",
        "%(if)%(HEAD)%(then)a%(then)b%(end)",
        "%(if)x%(else)y%(end)",
        "%(if)x%(then)y%(else)z%(else)w%(end)",
        "%(if)x%(then)y%(else)z%(then)w%(end)",
        "%(if)x%(end)",
        "%(if)x%(then)",
        "%(align:5)%(if)x%(then)",
        "%(align:5)%(then)%(end)",
        "%(raw)",
        "%(raw:size)",
    ];
    for quote in [None, Some("--shell"), Some("--perl"), Some("--python"), Some("--tcl")] {
        for f in formats {
            let format = format!("--format={f}");
            let mut args = vec!["for-each-ref", &format];
            args.extend(quote);
            let (x, y) = (ours(&dir, &args, None), theirs(&dir, &args, None));
            assert_same_outcome(&x, &y, &format!("{args:?}"));
        }
    }
    // Colours: git's values, the reset at the end of a line (quoted as an
    // atom), `--color[=<when>]` / `--no-color` (the last wins), repeated
    // options, git's errors.
    let colored = [
        "%(color:red)%(refname)%(color:reset) %(align:10)%(color:bold blue ul)x%(end)",
        "%(color:#ff0000 BrightGreen)%(refname) %(color:-1 200 nobold no-ul strike)x",
        "%(color:reset red)x%(color:  )y%(color:RESET)",
        "%(color:normal default)%(if)%(HEAD)%(then)%(color:007)*%(end)",
        "%(color:red blue green)",
        "%(color:Bold)",
        "%(color:256)",
        "%(color:)",
    ];
    for options in [
        &["--color"][..],
        &["--color=always"],
        &["--color=AlWays", "--shell"],
        &["--color=never"],
        &["--color=auto", "--python"],
        &["--no-color", "--color"],
        &["--color", "--no-color", "--tcl"],
        &["--color=never", "--color", "--shell", "--shell"],
        &["--color=bogus"],
        &[],
    ] {
        for f in colored {
            let format = format!("--format={f}");
            let mut args = vec!["for-each-ref", &format];
            args.extend(options);
            let (x, y) = (ours(&dir, &args, None), theirs(&dir, &args, None));
            assert_same_outcome(&x, &y, &format!("{args:?}"));
        }
    }
    // Options' objects are resolved before the format is looked at, as git
    // resolves them while parsing options; a negative count is refused
    // (git's usage text after the first line is not ours).
    for args in [
        &["for-each-ref", "--format=%(rest)", "--no-merged", "refs/heads"][..],
        &["for-each-ref", "--format=%(rest)", "--points-at=nope"],
        &["for-each-ref", "--format=%(ahead-behind:nope)", "--contains=nope"],
        &["for-each-ref", "--count=-1"],
        &["for-each-ref", "--count", "-3", "--format=%(rest)"],
    ] {
        let (x, y) = (ours(&dir, args, None), theirs(&dir, args, None));
        assert_eq!((&x.stdout, x.code), (&y.stdout, y.code), "{args:?}");
        assert_eq!(x.stderr.lines().next(), y.stderr.lines().next(), "{args:?}");
    }
    // Refs that match nothing never format: no error for a broken format.
    let args = ["for-each-ref", "--format=%(if)", "refs/nothing"];
    let (x, y) = (ours(&dir, &args, None), theirs(&dir, &args, None));
    assert_same_outcome(&x, &y, "no refs");
}

/// for-each-ref's dates in every format git has, against git: the local
/// zone (`-local`, `local`) under several `TZ`s, `format:` and
/// `format-local:` through the C library's `strftime` with git's `%s`,
/// `%z` and `%Z`, `human` at several moments (`GIT_TEST_DATE_NOW`), times
/// near 1970 and 2100, and git's errors for formats
/// it does not know (only where a date is shown, as git).
#[test]
fn for_each_ref_dates_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = git_init(tmp.path(), "dates", &["--ref-format=reftable"]);
    for (i, date) in [
        "1700000000 +0530",
        "1700050000 -0700",
        "1000000000 +0000",
        "4000000000 +0100",
        "@100 -0200",
    ]
    .iter()
    .enumerate()
    {
        let mut c = git(&dir);
        c.args(["commit", "-q", "--allow-empty", "-m", &format!("c{i}")])
            .env("GIT_COMMITTER_DATE", date)
            .env("GIT_AUTHOR_DATE", date);
        assert!(c.status().unwrap().success());
        git_out(&dir, &["branch", &format!("b{i}")]);
    }
    let mut c = git(&dir);
    c.args(["tag", "-a", "-m", "t", "v1", "b0"])
        .env("GIT_COMMITTER_DATE", "1700003000 +1245");
    assert!(c.status().unwrap().success());
    let formats = [
        "local",
        "default-local",
        "iso-local",
        "iso8601-strict-local",
        "rfc-local",
        "short-local",
        "raw-local",
        "relative-local",
        "unix-local",
        "human",
        "human-local",
        "auto:human",
        "format:%Y-%m-%d %H:%M:%S %z %Z %s %% %a %b %c %j %U %e %k %l %p %-d %_H %10Y %^a",
        "format-local:%c %z %Z %s %x %X %r %G %V %u %D %T %F",
        "format:",
        "format",
        "format-x:%Y",
        "isofoo",
        "iso8601x",
        "localx",
    ];
    let atoms = [
        "committerdate",
        "authordate",
        "taggerdate",
        "creatordate",
        "*committerdate",
    ];
    let format = formats
        .iter()
        .flat_map(|f| atoms.iter().map(move |a| format!("%({a}:{f})")))
        .collect::<Vec<_>>();
    for tz in [None, Some("UTC"), Some("Europe/Berlin"), Some("America/St_Johns")] {
        for now in [None, Some("1700000100"), Some("1700090000"), Some("1700500000")] {
            for f in &format {
                let args = ["for-each-ref", &format!("--format={f}")];
                let (mut a, mut b) = (ours_cmd(&dir), git(&dir));
                for c in [&mut a, &mut b] {
                    c.args(args);
                    if let Some(tz) = tz {
                        c.env("TZ", tz);
                    }
                    if let Some(now) = now {
                        c.env("GIT_TEST_DATE_NOW", now);
                    }
                }
                let (a, b) = (a.output().unwrap(), b.output().unwrap());
                let what = format!("{f} TZ={tz:?} now={now:?}");
                assert_eq!(
                    String::from_utf8_lossy(&a.stdout),
                    String::from_utf8_lossy(&b.stdout),
                    "{what}"
                );
                assert_eq!(
                    String::from_utf8_lossy(&a.stderr),
                    String::from_utf8_lossy(&b.stderr),
                    "{what}"
                );
                assert_eq!(a.status.code(), b.status.code(), "{what}");
            }
        }
    }
}

/// show-ref's less common options against git: `--exclude-existing[=<pattern>]`
/// over standard input (`^{}` lines, leading words, bad names warned of),
/// the modes git refuses together, `--no-…` forms, `-s`/`--hash[=<n>]` and
/// `--abbrev[=<n>]` (git's numbers: 0, below 4, not a number; the last of
/// them sets the length), `-d` with `-s`, and `--end-of-options`: stdout, exit code and first line of stderr.
#[test]
fn show_ref_options_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = git_init(tmp.path(), "sr", &["--ref-format=reftable"]);
    make_commits(&dir, 2);
    for args in [
        &["branch", "feature", "HEAD~1"][..],
        &["tag", "-a", "-m", "t", "v1", "HEAD~1"],
        &["tag", "light"],
    ] {
        git_out(&dir, args);
    }
    let stdin = "x refs/heads/main\nrefs/heads/gone\nabc refs/tags/v1^{}\nrefs/tags/new^{}\n\
                 refs/heads/f*\nmain\nheads/main\n\n  spaced\trefs/remotes/o/x\n";
    for args in [
        &["show-ref", "--exclude-existing"][..],
        &["show-ref", "--exclude-existing=refs/tags"],
        &["show-ref", "--exclude-existing="],
        &["show-ref", "--exclude-existing", "--verify"],
        &["show-ref", "--exclude-existing", "--verify", "--exists"],
        &["show-ref", "--verify", "--exists", "refs/heads/main"],
        &["show-ref", "--head", "--no-head"],
        &["show-ref", "--tags", "--no-tags", "--heads", "--no-heads", "--branches"],
        &["show-ref", "-d", "--no-dereference"],
        &["show-ref", "-d", "-s"],
        &["show-ref", "--hash=4", "--hash"],
        &["show-ref", "--hash=4", "-s", "--dereference"],
        &["show-ref", "--hash=-1"],
        &["show-ref", "--hash=0"],
        &["show-ref", "--hash=x"],
        &["show-ref", "--hash="],
        &["show-ref", "--no-hash"],
        &["show-ref", "--abbrev"],
        &["show-ref", "--abbrev=2"],
        &["show-ref", "--abbrev="],
        &["show-ref", "--abbrev=6", "--no-abbrev"],
        // One length, which the last of --hash=<n>, --abbrev[=<n>], --no-abbrev sets.
        &["show-ref", "--hash=8", "--abbrev"],
        &["show-ref", "--hash=8", "--abbrev=5", "-d"],
        &["show-ref", "--hash=8", "--no-abbrev"],
        &["show-ref", "--abbrev=9", "--hash=0"],
        &["show-ref", "--abbrev", "--hash=8", "--hash"],
        &["show-ref", "--no-abbrev", "--abbrev=7", "-s"],
        &["show-ref", "--verify", "--quiet", "--no-quiet", "refs/heads/nope"],
        &["show-ref", "--verify", "--no-verify", "main"],
        &["show-ref", "--end-of-options", "main"],
        &["show-ref", "--end-of-options", "--head"],
        &["show-ref", "-q", "-q", "--", "--end-of-options"],
        // As git's parse-options: a unique prefix of a long option, a value
        // joined to -s (also after other flags).
        &["show-ref", "--abb=8"],
        &["show-ref", "--ha"],
        &["show-ref", "--t", "--d"],
        &["show-ref", "--no-abb", "--abbrev=5", "--no-a"],
        &["show-ref", "--exc=refs/heads"],
        &["show-ref", "--veri", "--q", "refs/heads/main"],
        &["show-ref", "-s8"],
        &["show-ref", "-ds6"],
        &["show-ref", "-qs8"],
        &["show-ref", "-sd"],
        &["show-ref", "--", "-s8"],
    ] {
        let (x, y) = (ours(&dir, args, Some(stdin)), theirs(&dir, args, Some(stdin)));
        assert_eq!(
            (&x.stdout, x.code),
            (&y.stdout, y.code),
            "{args:?}: {} / {}",
            x.stderr,
            y.stderr
        );
        if args.contains(&"--exclude-existing") || args.contains(&"--exclude-existing=refs/tags") {
            assert_eq!(x.stderr, y.stderr, "{args:?}");
        } else {
            assert_eq!(x.stderr.lines().next(), y.stderr.lines().next(), "{args:?}");
        }
    }
}

/// symbolic-ref reading chains of symrefs as git: four targets followed at
/// most (a longer chain or a loop is "No such ref"), `--no-recurse` one
/// level, `--recurse` and the `--no-…` forms: stdout, exit code, stderr.
#[test]
fn symbolic_ref_chains_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = git_init(tmp.path(), "sym", &["--ref-format=reftable"]);
    make_commits(&dir, 1);
    for (name, target) in [
        ("refs/heads/loop", "refs/heads/loop"),
        ("refs/heads/c1", "refs/heads/c2"),
        ("refs/heads/c2", "refs/heads/c3"),
        ("refs/heads/c3", "refs/heads/c4"),
        ("refs/heads/c4", "refs/heads/c5"),
        ("refs/heads/c5", "refs/heads/main"),
        ("refs/heads/dangling", "refs/heads/nothere"),
    ] {
        git_out(&dir, &["symbolic-ref", name, target]);
    }
    for name in [
        "refs/heads/loop",
        "refs/heads/c1",
        "refs/heads/c2",
        "refs/heads/dangling",
        "HEAD",
    ] {
        for options in [
            &[][..],
            &["-q"],
            &["--short"],
            &["--no-recurse"],
            &["--no-recurse", "--recurse"],
            &["--quiet", "--no-quiet", "--short", "--no-short"],
        ] {
            let mut args = vec!["symbolic-ref"];
            args.extend(options);
            args.push(name);
            let (x, y) = (ours(&dir, &args, None), theirs(&dir, &args, None));
            assert_same_outcome(&x, &y, &format!("{args:?}"));
        }
    }
}

/// `<ref>@{<date>}` read as git's approxidate reads it (date.c): strict
/// dates, then words from the current time (`GIT_TEST_DATE_NOW`) in the
/// local zone (`TZ`, with summer time), a date without a time at the time of
/// day now, seconds from 100000000 on; a date before the reflog warns.
#[test]
fn reflog_date_selectors_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = git_init(tmp.path(), "dates", &["--ref-format=reftable"]);
    // Entries every 7 hours for 20 days up to shortly before "now", a
    // Tuesday in summer time in Europe (2026-06-23 14:25:30 UTC).
    let now: i64 = 1_782_224_730;
    let first = now - 69 * 7 * 3600 - 1234;
    for i in 0..70 {
        let date = format!("{} +0000", first + i * 7 * 3600);
        let out = git(&dir)
            .env("GIT_COMMITTER_DATE", &date)
            .env("GIT_AUTHOR_DATE", &date)
            .args(["commit", "-q", "--allow-empty", "-m", &format!("c{i}")])
            .output()
            .unwrap();
        assert!(out.status.success());
    }
    let specs = [
        "2026-06-20",
        "2026-06-20 10:00",
        "2026-06-20T10:00:00",
        "2026-06-20 10:00:00 +0200",
        "Sat, 20 Jun 2026 10:00:00 +0100",
        "Sat Jun 20 10:00:00 2026",
        "2026-06-20 10pm",
        "2026-06-20 12:00 PST",
        "2026-06-20 12:00 UTC",
        "20260620T1000",
        "yesterday",
        "yesterday noon",
        "yesterday.noon",
        "noon",
        "midnight",
        "tea",
        "10am",
        "12am",
        "12pm",
        "10:00",
        "3.days.ago",
        "3 days ago",
        "three days ago",
        "1 day 2 hours ago",
        "2 weeks 3 days ago",
        "last week",
        "last friday",
        "last monday noon",
        "friday",
        "Jun 19",
        "19 Jun",
        "19 Jun 2026",
        "06/19/2026",
        "19.06.2026",
        "2026.06.19",
        "Jun 02",
        "Jun 0002",
        "1.month.ago",
        "1.year.ago",
        "0",
        "never",
        "now",
        "1782000000",
        "1700000000",
        "@1782000000",
        "@1782000000 +0100",
        "garbage",
    ];
    let mut shown = 0;
    for tz in ["UTC0", "CET-1CEST,M3.5.0,M10.5.0/3", "America/New_York"] {
        for spec in specs {
            for name in ["main", ""] {
                let arg = format!("{name}@{{{spec}}}");
                let args = ["reflog", "show", "-n2", "--format=%gd %gs", arg.as_str()];
                let (mut x, mut y) = (ours_cmd(&dir), git(&dir));
                for c in [&mut x, &mut y] {
                    c.args(args).env("GIT_TEST_DATE_NOW", now.to_string()).env("TZ", tz);
                }
                let (x, y) = (run(x, None), run(y, None));
                assert_same_outcome(&x, &y, &format!("TZ={tz} {args:?}"));
                shown += usize::from(!y.stdout.is_empty());
            }
        }
    }
    // Most selectors name an entry (the rest: errors and warnings).
    assert!(shown > 200, "{shown}");
}

/// `reflog show` with `git log -g`'s options, against git: several refs
/// merged newest first, `--all`, counts and skips, abbreviation, dates,
/// every built-in format but the e-mail ones, and user formats with
/// commit, person and reflog placeholders; stdout, exit code and stderr.
#[test]
fn reflog_show_options_as_git() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = git_init(tmp.path(), "rs", &["--ref-format=reftable"]);
    let at = |t: u64, tz: &str, args: &[&str]| {
        let date = format!("{t} {tz}");
        let out = git(&dir)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let t = 1_700_000_000;
    for i in 1..=3 {
        let msg = format!("subject {i}\nsecond line\n\nbody\tpara {i}\nmore  \n\n");
        at(t + i * 1000, "+0130", &["commit", "-q", "--allow-empty", "-m", &msg]);
    }
    at(t + 5000, "-0700", &["checkout", "-q", "-b", "side"]);
    at(t + 6000, "-0700", &["commit", "-q", "--allow-empty", "-m", "s1"]);
    at(t + 7000, "+0000", &["checkout", "-q", "main"]);
    at(t + 8000, "+0000", &["reset", "-q", "--hard", "HEAD~1"]);
    at(t + 9000, "+0000", &["tag", "-a", "-m", "tag", "v1", "HEAD"]);
    at(
        t + 9100,
        "+0000",
        &["update-ref", "--create-reflog", "-m", "lw", "refs/tags/lw", "HEAD"],
    );
    at(
        t + 9200,
        "+0000",
        &["update-ref", "-m", "to a tag", "refs/tags/lw", "v1"],
    );
    at(
        t + 9300,
        "+0000",
        &["merge", "-q", "--no-ff", "-m", "merge\tside", "side"],
    );
    at(
        t + 9400,
        "+0000",
        &["commit", "-q", "--allow-empty", "--allow-empty-message", "-m", ""],
    );
    at(
        t + 9500,
        "+0000",
        &["update-ref", "-m", "remote", "refs/remotes/origin/main", "HEAD"],
    );
    at(
        t + 9600,
        "+0000",
        &["symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main"],
    );
    at(t + 9700, "+0000", &["checkout", "-q", "--detach", "HEAD~1"]);
    let format = "%h %H %t %T %p %P|%an %ae %al %ad %aD %ar %at %ai %aI %as|%cn %ce %cd %ct|%s|%f|%b|%B|\
                  %gd %gD %gs %gn %ge %gN %gE|%m %e %x41 %% %n%+s%-b% h %C(auto)%h %Cred %q %gx %";
    let cases: Vec<Vec<&str>> = vec![
        vec!["reflog"],
        vec!["reflog", "-2"],
        vec!["reflog", "show", "side", "main", "HEAD"],
        vec!["reflog", "show", "main", "side", "-n", "3", "--skip=1"],
        vec!["reflog", "show", "--all"],
        vec!["reflog", "show", "lw"],
        vec!["reflog", "show", "v1"],
        vec!["reflog", "show", "origin/HEAD"],
        vec!["reflog", "show", "origin"],
        vec!["reflog", "show", "@{1}"],
        vec!["reflog", "show", "side@{1}"],
        vec!["reflog", "show", "side@{5}"],
        vec!["reflog", "show", "nosuch"],
        vec!["reflog", "show", "--abbrev=12", "--date=iso"],
        vec!["reflog", "show", "--no-abbrev", "--date=relative"],
        vec!["reflog", "show", "--oneline", "--date=raw", "side"],
        vec!["reflog", "show", "--pretty=medium"],
        vec!["reflog", "show", "--pretty=short", "--no-abbrev-commit"],
        vec!["reflog", "show", "--pretty=full"],
        vec!["reflog", "show", "--pretty=fuller", "--date=iso-strict"],
        vec!["reflog", "show", "--pretty=raw"],
        vec!["reflog", "show", "--pretty=raw", "--pretty"],
        vec!["reflog", "show", "--pretty=reference", "--pretty=format:%ad"],
        vec!["reflog", "show", "--pretty=fu"],
        vec!["reflog", "show", "--pretty=nope"],
        vec!["reflog", "show", "--format=", "-3"],
        vec!["reflog", "show", "--pretty=format:%h", "-z"],
        vec!["reflog", "show", "--color=always", "--pretty=medium", "-2"],
        vec![
            "reflog",
            "show",
            "--color=always",
            "--format=%C(auto)%h %C(red bold)x%Creset %Cgreen%h",
        ],
        vec!["reflog", "show", "--expand-tabs=4", "--pretty=medium"],
        vec!["reflog", "show", "--end-of-options", "side"],
        vec!["reflog", "show", "--max-count=abc"],
        vec!["reflog", "show", "--unknown-option"],
    ];
    let run = |mut c: Command, args: &[&str]| {
        c.args(args).env("GIT_TEST_DATE_NOW", "1700100000");
        let out = c.output().unwrap();
        Outcome {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            code: out.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let full = format!("--format={format}");
    let with_format = vec!["reflog", "show", full.as_str(), "--date=short", "HEAD", "side"];
    for args in cases.iter().chain([&with_format]) {
        let (x, y) = (run(ours_cmd(&dir), args), run(git(&dir), args));
        assert_same_outcome(&x, &y, &format!("{args:?}"));
    }
}
