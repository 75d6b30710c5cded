//! Transactions through the store, judged by git.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use gix_ref::transaction::{LogChange, PreviousValue, RefEdit, RefLog};
use gix_ref::{FullName, Target};
use reftable::store::{Error, Store};

fn repo() -> (tempfile::TempDir, PathBuf, Vec<gix_hash::ObjectId>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = git_init(tmp.path(), "repo", &["--ref-format=reftable"]);
    let mut c = Vec::new();
    for i in 0..3 {
        git_out(&dir, &["commit", "-q", "--allow-empty", "-m", &format!("c{i}")]);
        c.push(gix_hash::ObjectId::from_hex(git_out(&dir, &["rev-parse", "HEAD"]).trim().as_bytes()).unwrap());
    }
    (tmp, dir, c)
}

fn name(s: &str) -> FullName {
    s.try_into().unwrap()
}

fn committer() -> gix_actor::Signature {
    gix_actor::Signature {
        name: "Rust Committer".into(),
        email: "rc@example.com".into(),
        time: gix_date::Time {
            seconds: 1_800_000_000,
            offset: 5400,
        },
    }
}

fn apply(store: &Store, edits: Vec<RefEdit>) -> Result<Vec<RefEdit>, Error> {
    let sig = committer();
    let mut buf = gix_date::parse::TimeBuf::default();
    store
        .transaction()
        .prepare(edits, gix_lock::acquire::Fail::Immediately)?
        .commit(Some(sig.to_ref(&mut buf)))
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn a_tag_written_through_the_crate_is_visible_to_git() {
    let (_tmp, dir, c) = repo();
    let store = Store::at(&dir.join(".git"), gix_hash::Kind::Sha1).unwrap();
    apply(
        &store,
        vec![RefEdit::update(
            name("refs/tags/x"),
            c[0],
            PreviousValue::MustNotExist,
            "tag x",
        )],
    )
    .unwrap();
    assert_eq!(
        git_out(&dir, &["show-ref", "refs/tags/x"]),
        format!("{} refs/tags/x\n", c[0])
    );
    assert!(!dir.join(".git/refs/tags/x").exists(), "no loose file");
    git_out(&dir, &["refs", "verify"]);
    git_out(&dir, &["fsck", "--no-progress"]);
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn updates_reflogs_and_head() {
    let (_tmp, dir, c) = repo();
    let store = Store::at(&dir.join(".git"), gix_hash::Kind::Sha1).unwrap();
    let edits = apply(
        &store,
        vec![
            RefEdit::update(
                name("refs/heads/main"),
                c[1],
                PreviousValue::MustExistAndMatch(Target::Object(c[2])),
                "reset: moving to HEAD~1",
            ),
            RefEdit::update(
                name("refs/heads/topic"),
                c[0],
                PreviousValue::MustNotExist,
                "branch: Created from HEAD~2",
            ),
            RefEdit::update(
                name("refs/remotes/origin/HEAD"),
                Target::Symbolic(name("refs/heads/topic")),
                PreviousValue::Any,
                "",
            ),
        ],
    )
    .unwrap();
    assert_eq!(edits.len(), 3);
    assert_eq!(
        git_out(&dir, &["rev-parse", "main", "topic", "origin"]),
        format!("{}\n{}\n{}\n", c[1], c[0], c[0])
    );
    assert_eq!(
        git_out(&dir, &["symbolic-ref", "refs/remotes/origin/HEAD"]),
        "refs/heads/topic\n"
    );
    let log = |r: &str| {
        git_out(
            &dir,
            &["reflog", "show", "--date=raw", "--format=%gD %H %gn <%ge> %gs", r],
        )
    };
    let main = log("refs/heads/main");
    assert_eq!(
        main.lines().next().unwrap(),
        format!(
            "refs/heads/main@{{1800000000 +0130}} {} Rust Committer <rc@example.com> reset: moving to HEAD~1",
            c[1]
        )
    );
    assert_eq!(main.lines().count(), 4, "git's three commits and ours");
    let head = log("HEAD");
    assert_eq!(
        head.lines().next().unwrap(),
        format!(
            "HEAD@{{1800000000 +0130}} {} Rust Committer <rc@example.com> reset: moving to HEAD~1",
            c[1]
        )
    );
    assert_eq!(log("refs/heads/topic").lines().count(), 1);
    // Our reflog API agrees.
    let lines: Vec<_> = store
        .reflog_iter_rev("refs/heads/main")
        .unwrap()
        .unwrap()
        .map(|l| l.unwrap())
        .collect();
    assert_eq!(lines[0].message, "reset: moving to HEAD~1");
    assert_eq!(lines[0].previous_oid, c[2]);
    assert_eq!(lines[0].signature.time.offset, 5400);
    git_out(&dir, &["refs", "verify"]);
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn failures_change_nothing() {
    let (_tmp, dir, c) = repo();
    let store = Store::at(&dir.join(".git"), gix_hash::Kind::Sha1).unwrap();
    let before = dir_files(&dir.join(".git/reftable"));
    // Out of date.
    let err = apply(
        &store,
        vec![RefEdit::update(
            name("refs/heads/main"),
            c[0],
            PreviousValue::MustExistAndMatch(Target::Object(c[1])),
            "x",
        )],
    )
    .unwrap_err();
    match &err {
        Error::OutOfDate { name, actual, .. } => {
            assert_eq!(name, "refs/heads/main");
            assert_eq!(actual, &c[2].to_string());
        }
        e => panic!("{e}"),
    }
    assert!(matches!(
        apply(
            &store,
            vec![RefEdit::update(
                name("refs/heads/main"),
                c[0],
                PreviousValue::MustNotExist,
                "x"
            )]
        ),
        Err(Error::OutOfDate { .. })
    ));
    assert!(matches!(
        apply(
            &store,
            vec![RefEdit::delete(name("refs/heads/nope"), PreviousValue::MustExist)]
        ),
        Err(Error::OutOfDate { .. })
    ));
    // D/F conflicts, both ways, and within the transaction.
    let err = apply(
        &store,
        vec![RefEdit::update(
            name("refs/heads/main/sub"),
            c[0],
            PreviousValue::Any,
            "x",
        )],
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::NameConflict { conflict, .. } if conflict == "refs/heads/main"),
        "{err}"
    );
    let err = apply(
        &store,
        vec![RefEdit::update(name("refs/heads"), c[0], PreviousValue::Any, "x")],
    )
    .unwrap_err();
    assert!(matches!(err, Error::NameConflict { .. }), "{err}");
    let err = apply(
        &store,
        vec![
            RefEdit::update(name("refs/heads/a"), c[0], PreviousValue::Any, "x"),
            RefEdit::update(name("refs/heads/a/b"), c[0], PreviousValue::Any, "x"),
        ],
    )
    .unwrap_err();
    assert!(matches!(err, Error::NameConflict { .. }), "{err}");
    // Duplicates.
    let err = apply(
        &store,
        vec![
            RefEdit::update(name("refs/heads/d"), c[0], PreviousValue::Any, "x"),
            RefEdit::update(name("refs/heads/d"), c[1], PreviousValue::Any, "x"),
        ],
    )
    .unwrap_err();
    assert!(matches!(err, Error::DuplicateEdit { .. }), "{err}");
    // A held lock.
    std::fs::write(dir.join(".git/reftable/tables.list.lock"), b"").unwrap();
    let err = apply(
        &store,
        vec![RefEdit::update(name("refs/heads/l"), c[0], PreviousValue::Any, "x")],
    )
    .unwrap_err();
    assert!(err.is_lock(), "{err}");
    std::fs::remove_file(dir.join(".git/reftable/tables.list.lock")).unwrap();
    assert_eq!(dir_files(&dir.join(".git/reftable")), before);
    // Errors pass through gix code paths.
    let gix_err: gix_error::Error = err.into();
    assert!(gix_err.to_string().contains("tables.list.lock"));
    // Deleting the blocker in the same transaction resolves the conflict.
    apply(
        &store,
        vec![
            RefEdit::delete(name("refs/heads/main"), PreviousValue::MustExist),
            RefEdit::update(name("refs/heads/main/sub"), c[0], PreviousValue::MustNotExist, "x"),
        ],
    )
    .unwrap();
    assert_eq!(
        git_out(&dir, &["for-each-ref", "--format=%(refname)", "refs/heads/"]),
        "refs/heads/main/sub\n"
    );
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn delete_removes_ref_and_reflog_and_deref_follows_symrefs() {
    let (_tmp, dir, c) = repo();
    let store = Store::at(&dir.join(".git"), gix_hash::Kind::Sha1).unwrap();
    apply(
        &store,
        vec![RefEdit::update(
            name("refs/heads/gone"),
            c[0],
            PreviousValue::MustNotExist,
            "create",
        )],
    )
    .unwrap();
    assert!(git(&dir)
        .args(["reflog", "exists", "refs/heads/gone"])
        .status()
        .unwrap()
        .success());
    apply(
        &store,
        vec![RefEdit::delete(
            name("refs/heads/gone"),
            PreviousValue::MustExistAndMatch(Target::Object(c[0])),
        )],
    )
    .unwrap();
    assert!(
        git(&dir)
            .args(["show-ref", "--verify", "-q", "refs/heads/gone"])
            .status()
            .unwrap()
            .code()
            == Some(1)
    );
    assert!(!git(&dir)
        .args(["reflog", "exists", "refs/heads/gone"])
        .status()
        .unwrap()
        .success());
    assert!(!store.reflog_exists("refs/heads/gone").unwrap());
    // deref: updating HEAD updates the branch it points to; HEAD stays symbolic.
    let edit = RefEdit::update_with_log(
        name("HEAD"),
        c[0],
        PreviousValue::Any,
        LogChange {
            mode: RefLog::AndReference,
            force_create_reflog: false,
            message: "checkout: moving".into(),
        },
    )
    .with_deref(true);
    apply(&store, vec![edit]).unwrap();
    assert_eq!(git_out(&dir, &["symbolic-ref", "HEAD"]), "refs/heads/main\n");
    assert_eq!(git_out(&dir, &["rev-parse", "main"]), format!("{}\n", c[0]));
    let head_log = git_out(&dir, &["reflog", "show", "--format=%gs", "HEAD"]);
    assert_eq!(head_log.lines().next().unwrap(), "checkout: moving");
    assert_eq!(head_log.matches("checkout: moving").count(), 1, "HEAD logged once");
    // A same-value update writes nothing for the branch; as git, HEAD's
    // entry that goes along with an update of its branch is written.
    apply(
        &store,
        vec![RefEdit::update(
            name("refs/heads/main"),
            c[0],
            PreviousValue::Any,
            "noop",
        )],
    )
    .unwrap();
    let head_log = git_out(&dir, &["reflog", "show", "--format=%gs", "HEAD"]);
    assert_eq!(head_log.lines().next().unwrap(), "noop");
    let main_log = git_out(&dir, &["reflog", "show", "--format=%gs", "main"]);
    assert_ne!(main_log.lines().next().unwrap(), "noop");
    // RefLog::Only writes a log entry without touching the ref.
    apply(
        &store,
        vec![RefEdit::update_with_log(
            name("refs/heads/main"),
            c[1],
            PreviousValue::Any,
            LogChange {
                mode: RefLog::Only,
                force_create_reflog: false,
                message: "log only".into(),
            },
        )],
    )
    .unwrap();
    assert_eq!(git_out(&dir, &["rev-parse", "main"]), format!("{}\n", c[0]));
    assert_eq!(
        git_out(&dir, &["reflog", "show", "-n1", "--format=%gs", "refs/heads/main"]),
        "log only\n"
    );
    // Rollback releases the lock.
    let tx = store
        .transaction()
        .prepare(
            vec![RefEdit::delete(name("refs/heads/main"), PreviousValue::Any)],
            gix_lock::acquire::Fail::Immediately,
        )
        .unwrap();
    assert!(dir.join(".git/reftable/tables.list.lock").exists());
    assert_eq!(tx.rollback().len(), 1);
    assert!(!dir.join(".git/reftable/tables.list.lock").exists());
    git_out(&dir, &["refs", "verify"]);
    git_out(&dir, &["fsck", "--no-progress"]);
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn namespaces_prefix_on_the_way_in_and_strip_on_the_way_out() {
    let (_tmp, dir, c) = repo();
    let mut store = Store::at(&dir.join(".git"), gix_hash::Kind::Sha1).unwrap();
    store.set_namespace(Some(gix_ref::namespace::expand("foo").unwrap()));
    apply(
        &store,
        vec![
            RefEdit::update(
                name("refs/heads/ns-branch"),
                c[0],
                PreviousValue::MustNotExist,
                "in namespace",
            ),
            RefEdit::update(
                name("HEAD"),
                Target::Symbolic(name("refs/heads/ns-branch")),
                PreviousValue::Any,
                "",
            ),
        ],
    )
    .unwrap();
    // Git sees the stored, prefixed names.
    let raw = git_out(
        &dir,
        &["for-each-ref", "--format=%(refname) %(symref)", "refs/namespaces/"],
    );
    assert_eq!(
        raw,
        "refs/namespaces/foo/HEAD refs/namespaces/foo/refs/heads/ns-branch\nrefs/namespaces/foo/refs/heads/ns-branch \n"
    );
    // We see the namespace only, stripped.
    let names: Vec<String> = store
        .iter()
        .unwrap()
        .all()
        .unwrap()
        .map(|r| r.unwrap().name.to_string())
        .collect();
    assert_eq!(names, ["refs/heads/ns-branch"]);
    let head = store.find("HEAD").unwrap();
    assert_eq!(head.target, Target::Symbolic(name("refs/heads/ns-branch")));
    assert_eq!(store.find("ns-branch").unwrap().target, Target::Object(c[0]));
    assert!(
        store.try_find("main").unwrap().is_none(),
        "refs outside the namespace are invisible"
    );
    // As in git, reflogs are auto-created by the stored name, which is not under refs/heads/.
    assert!(!store.reflog_exists("refs/heads/ns-branch").unwrap());
    git_out(&dir, &["refs", "verify"]);
}

/// Moving HEAD to another branch logs like `git symbolic-ref -m` does.
#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn symref_changes_are_logged_as_git_logs_them() {
    let (_t1, ours_dir, c) = repo();
    let (_t2, git_dir, c2) = repo();
    assert_eq!(c, c2, "identical repositories");
    for dir in [&ours_dir, &git_dir] {
        git_out(dir, &["branch", "feature", &c[0].to_string()]);
    }
    git_out(
        &git_dir,
        &[
            "symbolic-ref",
            "-m",
            "checkout: moving from main to feature",
            "HEAD",
            "refs/heads/feature",
        ],
    );
    let store = Store::at(&ours_dir.join(".git"), gix_hash::Kind::Sha1).unwrap();
    let sig = gix_actor::Signature {
        name: "C O Mitter".into(),
        email: "committer@example.com".into(),
        time: gix_date::Time {
            seconds: 1_700_000_000,
            offset: 0,
        },
    };
    let mut buf = gix_date::parse::TimeBuf::default();
    store
        .transaction()
        .prepare(
            vec![RefEdit::update(
                name("HEAD"),
                Target::Symbolic(name("refs/heads/feature")),
                PreviousValue::Any,
                "checkout: moving from main to feature",
            )],
            gix_lock::acquire::Fail::Immediately,
        )
        .unwrap()
        .commit(Some(sig.to_ref(&mut buf)))
        .unwrap();
    let newest = |dir: &Path| {
        let s = reftable::stack::Stack::open(&dir.join(".git/reftable"), Default::default()).unwrap();
        let mut it = s.merged().seek_log(b"HEAD").unwrap();
        it.next_log().unwrap().unwrap().to_owned().value
    };
    assert_eq!(newest(&ours_dir), newest(&git_dir));
    let log = |dir: &Path| {
        git_out(
            dir,
            &["reflog", "show", "--date=raw", "--format=%gD %H %gn <%ge> %gs", "HEAD"],
        )
    };
    assert_eq!(log(&ours_dir), log(&git_dir));
    assert_eq!(git_out(&ours_dir, &["symbolic-ref", "HEAD"]), "refs/heads/feature\n");
}
