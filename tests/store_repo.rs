//! Repository set-up and migration, judged by git.

mod common;

use std::path::Path;

use common::*;
use reftable::store::{init, migrate, InitOptions, RefFormat};

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn init_makes_repositories_git_accepts() {
    for (bare, kind) in [(false, gix_hash::Kind::Sha1), (true, gix_hash::Kind::Sha256)] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("r");
        let opts = InitOptions {
            bare,
            object_hash: kind,
            initial_branch: "main".into(),
        };
        let git_dir = init(&dir, &opts).unwrap();
        assert_eq!(git_out(&dir, &["rev-parse", "--show-ref-format"]), "reftable\n");
        assert_eq!(
            git_out(&dir, &["rev-parse", "--show-object-format"]),
            format!("{}\n", if bare { "sha256" } else { "sha1" })
        );
        assert_eq!(
            git_out(&dir, &["rev-parse", "--is-bare-repository"]),
            format!("{bare}\n")
        );
        assert_eq!(git_out(&dir, &["symbolic-ref", "HEAD"]), "refs/heads/main\n");
        if !bare {
            git_out(&dir, &["commit", "-q", "--allow-empty", "-m", "first"]);
            assert_eq!(
                git_out(&dir, &["for-each-ref", "--format=%(refname)"]),
                "refs/heads/main\n"
            );
        }
        git_out(&dir, &["refs", "verify"]);
        git_out(&dir, &["fsck", "--no-progress"]);
        assert!(init(&dir, &opts).is_err(), "refuses an existing repository");
        assert!(git_dir.join("reftable/tables.list").exists());
    }
}

fn state(dir: &Path) -> String {
    let mut s = git_out(
        dir,
        &[
            "for-each-ref",
            "--format=%(refname) %(objectname) %(*objectname) %(symref)",
        ],
    );
    s += &git_out(dir, &["symbolic-ref", "HEAD"]);
    for r in ["HEAD", "refs/heads/main", "refs/heads/feature"] {
        s += &git_out(
            dir,
            &["reflog", "show", "--date=raw", "--format=%gD %H %gn <%ge> %gs", r],
        );
    }
    s
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn migration_round_trip_keeps_refs_and_reflogs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = git_init(tmp.path(), "r", &["--ref-format=files"]);
    for i in 0..4 {
        git_out(&dir, &["commit", "-q", "--allow-empty", "-m", &format!("c{i}")]);
    }
    git_out(&dir, &["branch", "feature", "HEAD~2"]);
    git_out(&dir, &["checkout", "-q", "feature"]);
    git_out(&dir, &["commit", "-q", "--allow-empty", "-m", "on feature"]);
    git_out(&dir, &["checkout", "-q", "main"]);
    git_out(&dir, &["tag", "-a", "-m", "annotated", "v1", "HEAD~1"]);
    git_out(&dir, &["tag", "light", "HEAD~3"]);
    git_out(&dir, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    git_out(
        &dir,
        &["symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main"],
    );
    git_out(&dir, &["pack-refs", "--all"]);
    git_out(&dir, &["update-ref", "refs/heads/loose-after-pack", "HEAD"]);
    let start = state(&dir);
    let git_dir = dir.join(".git");

    let report = migrate(&git_dir, RefFormat::Reftable, false, false).unwrap();
    assert!(report.refs >= 8 && report.log_entries >= 8, "{report:?}");
    assert_eq!(git_out(&dir, &["rev-parse", "--show-ref-format"]), "reftable\n");
    assert_lines_eq(&state(&dir), &start, "after files -> reftable");
    git_out(&dir, &["refs", "verify"]);
    git_out(&dir, &["fsck", "--no-progress"]);
    assert!(!git_dir.join("packed-refs").exists());

    migrate(&git_dir, RefFormat::Files, false, false).unwrap();
    assert_eq!(git_out(&dir, &["rev-parse", "--show-ref-format"]), "files\n");
    assert_lines_eq(&state(&dir), &start, "after reftable -> files");
    assert!(!git_dir.join("reftable").exists());
    git_out(&dir, &["refs", "verify"]);
    git_out(&dir, &["fsck", "--no-progress"]);
    // Git keeps working on the result.
    git_out(&dir, &["commit", "-q", "--allow-empty", "-m", "after"]);

    // A dry run leaves the repository alone.
    let report = migrate(&git_dir, RefFormat::Reftable, true, false).unwrap();
    assert_eq!(git_out(&dir, &["rev-parse", "--show-ref-format"]), "files\n");
    assert!(report.staged.join("reftable/tables.list").exists());
    // Same format, and linked worktrees, are refused.
    assert!(migrate(&git_dir, RefFormat::Files, false, false).is_err());
    git_out(
        &dir,
        &["worktree", "add", "-q", tmp.path().join("wt").to_str().unwrap()],
    );
    assert!(migrate(&git_dir, RefFormat::Reftable, false, false).is_err());
    assert_eq!(git_out(&dir, &["rev-parse", "--show-ref-format"]), "files\n");
}

/// Many loose refs (read and removed by several threads), loose refs
/// overriding packed ones, peeled packed tags, files that are not refs,
/// and reflogs for some refs only: we migrate to the refs git migrates to,
/// and keep every reflog.
#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn migration_of_many_loose_refs_matches_git() {
    let tmp = tempfile::tempdir().unwrap();
    let ours = git_init(tmp.path(), "ours", &["--ref-format=files"]);
    let ids = make_commits(&ours, 3);
    git_out(&ours, &["tag", "-a", "-m", "t", "v1", &ids[1]]);
    let script: String = (0..1500)
        .map(|i| format!("create refs/heads/many/{:02}/{i} {}\n", i % 40, ids[i % 3]))
        .collect();
    git_stdin(&ours, &["update-ref", "--stdin"], &script);
    git_out(&ours, &["pack-refs", "--all"]);
    // Loose refs over packed ones, new loose refs, some with reflogs.
    let script: String = (0..600)
        .map(|i| format!("update refs/heads/many/{:02}/{i} {}\n", i % 40, ids[(i + 1) % 3]))
        .collect();
    git_stdin(&ours, &["update-ref", "--stdin"], &script);
    for i in 0..20 {
        let name = format!("refs/heads/logged/{i}");
        git_out(&ours, &["update-ref", "-m", &format!("log {i}"), &name, &ids[i % 3]]);
    }
    git_out(
        &ours,
        &["update-ref", "--create-reflog", "refs/heads/logged/late", &ids[0]],
    );
    let theirs = tmp.path().join("theirs");
    copy_dir(&ours, &theirs);
    // Git 2.47 refuses to migrate reflogs: it migrates the refs alone.
    std::fs::remove_dir_all(theirs.join(".git/logs")).unwrap();
    // Not refs: a lock file, a name git refuses, a directory left in logs/
    // (git 2.47 loses all refs when it meets `bad..name`, so its copy has none).
    let git_dir = ours.join(".git");
    std::fs::write(git_dir.join("refs/heads/main.lock"), format!("{}\n", ids[0])).unwrap();
    std::fs::write(git_dir.join("refs/heads/bad..name"), format!("{}\n", ids[0])).unwrap();
    std::fs::create_dir_all(git_dir.join("logs/refs/heads/gone/dir")).unwrap();
    let refs = |dir: &Path| {
        git_out(
            dir,
            &[
                "for-each-ref",
                "--format=%(refname) %(objectname) %(*objectname) %(symref)",
            ],
        )
    };
    let before = refs(&ours);
    let logs = |dir: &Path| -> String {
        [
            "HEAD",
            "refs/heads/main",
            "refs/heads/logged/7",
            "refs/heads/logged/late",
            "refs/heads/many/05/5",
        ]
        .iter()
        .map(|r| git_out(dir, &["reflog", "show", "--date=raw", "--format=%H %gn %gs", r]))
        .collect()
    };
    let logs_before = logs(&ours);
    migrate(&git_dir, RefFormat::Reftable, false, false).unwrap();
    git_out(&theirs, &["refs", "migrate", "--ref-format=reftable"]);
    assert_lines_eq(&refs(&ours), &refs(&theirs), "refs after migration, ours vs git");
    assert_lines_eq(&refs(&ours), &before, "refs after migration vs before");
    assert_eq!(logs(&ours), logs_before, "reflogs kept");
    git_out(&ours, &["refs", "verify"]);
    let left = |dir: &Path| -> Vec<String> {
        let mut v: Vec<String> = dir_files(&dir.join(".git"))
            .into_keys()
            .filter(|k| !k.starts_with("objects/"))
            .collect();
        v.retain(|k| !k.starts_with("reftable/") && !k.starts_with("index") && !k.starts_with("logs/HEAD"));
        v
    };
    assert_eq!(left(&ours), left(&theirs), "files left besides the reftable stack");
}

/// Names outside `refs/` both ways: git migrates refs and root refs
/// (`HEAD`, `X_HEAD`, `AUTO_MERGE`) and leaves behind the others it writes
/// if asked (`foo`, `bar/baz`, `FOO_BAR`); so do we. The config afterwards
/// is git's byte for byte (a SHA-1 files repository is version 0 again).
#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn migration_of_names_outside_refs_matches_git() {
    let tmp = tempfile::tempdir().unwrap();
    for (from, to, format) in [
        ("reftable", "files", RefFormat::Files),
        ("files", "reftable", RefFormat::Reftable),
    ] {
        let ours = git_init(tmp.path(), &format!("ours-{from}"), &[&format!("--ref-format={from}")]);
        // No reflogs: git 2.47 migrates none.
        git_out(&ours, &["config", "core.logAllRefUpdates", "false"]);
        make_commits(&ours, 1);
        for name in ["foo", "bar/baz", "FOO_BAR", "X_HEAD", "AUTO_MERGE", "refs/heads/b"] {
            git_out(&ours, &["update-ref", name, "HEAD"]);
        }
        let _ = std::fs::remove_dir_all(ours.join(".git/logs"));
        let theirs = tmp.path().join(format!("theirs-{from}"));
        copy_dir(&ours, &theirs);
        migrate(&ours.join(".git"), format, false, false).unwrap();
        git_out(&theirs, &["refs", "migrate", &format!("--ref-format={to}")]);
        let read = |dir: &Path| {
            let mut s = git_out(dir, &["for-each-ref", "--include-root-refs"]);
            for name in ["foo", "bar/baz", "FOO_BAR", "X_HEAD", "AUTO_MERGE"] {
                let out = git(dir).args(["rev-parse", "-q", "--verify", name]).output().unwrap();
                s += &format!("{name}: {}", String::from_utf8_lossy(&out.stdout));
            }
            s
        };
        assert_lines_eq(&read(&ours), &read(&theirs), &format!("refs after {from} -> {to}"));
        assert!(read(&ours).contains("AUTO_MERGE: "), "{}", read(&ours));
        let config = |dir: &Path| std::fs::read_to_string(dir.join(".git/config")).unwrap();
        assert_eq!(config(&ours), config(&theirs), "config after {from} -> {to}");
        assert!(
            !dir_files(&ours.join(".git"))
                .keys()
                .any(|k| k.starts_with("ref_migration")),
            "staging directory left"
        );
        git_out(&ours, &["refs", "verify"]);
    }
}

/// Migrating to files a stack another tool wrote: a name that would leave
/// `.git` (`refs/../../x`) is refused before anything is written (git dies
/// "refname is dangerous"), a name git only marks broken is left behind as
/// git leaves it, and a reflog entry whose zone is beyond 99
/// hours (`+10039`, which git writes for `@<t> +9999`) is written as git
/// writes it, not a panic.
#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn migration_of_hostile_tables_to_files() {
    use reftable::format::{RefRecordRef, RefValueRef};
    use reftable::stack::{Options, Stack};
    let tmp = tempfile::tempdir().unwrap();
    let dir = git_init(tmp.path(), "hostile", &["--ref-format=reftable"]);
    let c = |dir: &Path, date: &str| {
        let mut cmd = git(dir);
        cmd.env("GIT_COMMITTER_DATE", date)
            .args(["commit", "-q", "--allow-empty", "-m", "c"]);
        assert!(cmd.status().unwrap().success());
    };
    c(&dir, "@1234567890 +9999");
    c(&dir, "@1234567891 -9999");
    let id = unhex(git_out(&dir, &["rev-parse", "HEAD"]).trim());
    let snapshot = |dir: &Path| dir_files(&dir.join(".git"));
    for bad in ["refs/../../escape", "refs/heads/../../../escape", "refs/heads/a b"] {
        let copy = tmp.path().join(format!("copy-{}", bad.len()));
        copy_dir(&dir, &copy);
        let mut stack = Stack::open(&copy.join(".git/reftable"), Options::default()).unwrap();
        let next = stack.next_update_index();
        stack
            .add(|w| {
                w.set_limits(next, next)?;
                w.add_ref(&RefRecordRef {
                    name: bad.as_bytes(),
                    update_index: next,
                    value: RefValueRef::Val1(&id),
                })?;
                Ok(())
            })
            .unwrap();
        let before = snapshot(&copy);
        let res = migrate(&copy.join(".git"), RefFormat::Files, false, false);
        if bad.contains("..") {
            let err = res.unwrap_err();
            assert!(err.to_string().contains(bad), "{bad}: {err}");
            assert!(err.to_string().contains("dangerous"), "{bad}: {err}");
            assert_eq!(snapshot(&copy), before, "{bad}: repository changed");
        } else {
            // As git: a broken ref is left behind, the others migrate.
            res.unwrap();
            assert_eq!(
                git_out(&copy, &["for-each-ref", "--format=%(refname)"]),
                "refs/heads/main\n"
            );
        }
        assert!(!tmp.path().join("escape").exists() && !copy.join("escape").exists());
    }
    let log = |dir: &Path| git_out(dir, &["reflog", "show", "--date=raw", "--format=%H %gd %gs", "HEAD"]);
    let shown = log(&dir);
    assert!(shown.contains("+10039") && shown.contains("-10039"), "{shown}");
    // The same commits made by git in a files repository: its reflog file
    // is what ours must be (git's files backend writes such a zone as it
    // is, and misreads it itself).
    let files = git_init(tmp.path(), "files", &["--ref-format=files"]);
    c(&files, "@1234567890 +9999");
    c(&files, "@1234567891 -9999");
    migrate(&dir.join(".git"), RefFormat::Files, false, false).unwrap();
    assert_eq!(git_out(&dir, &["rev-parse", "--show-ref-format"]), "files\n");
    let file = |dir: &Path, f: &str| std::fs::read_to_string(dir.join(".git/logs").join(f)).unwrap();
    assert!(file(&dir, "HEAD").contains(" +10039\tcommit (initial): c\n"));
    for f in ["HEAD", "refs/heads/main"] {
        assert_lines_eq(
            &file(&dir, f),
            &file(&files, f),
            &format!("logs/{f} after migrating to files"),
        );
    }
    // (No fsck: git's commits with such a zone fail it.)
    let refs = |dir: &Path| git_out(dir, &["for-each-ref", "--include-root-refs"]);
    assert_lines_eq(&refs(&dir), &refs(&files), "refs after migrating to files");
    git_out(&dir, &["refs", "verify"]);
}
