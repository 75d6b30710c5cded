//! Repository set-up and migration, judged by git.

mod common;

use std::path::Path;

use common::*;
use reftable::store::{init, migrate, InitOptions, RefFormat};

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

#[test]
fn migration_round_trip_keeps_refs_and_reflogs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    git_out(
        tmp.path(),
        &["init", "-q", "--initial-branch=main", "--ref-format=files", "r"],
    );
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
