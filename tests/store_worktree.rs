//! Linked worktrees laid out as git does, judged by git in both worktrees.

mod common;

use common::*;
use gix_ref::transaction::{LogChange, PreviousValue, RefEdit, RefLog};
use gix_ref::{FullName, Target};
use reftable::store::Store;

fn name(s: &str) -> FullName {
    s.try_into().unwrap()
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn linked_worktree_routing_reading_and_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let main = git_init(tmp.path(), "main", &["--ref-format=reftable"]);
    git_out(&main, &["commit", "-q", "--allow-empty", "-m", "c0"]);
    git_out(&main, &["commit", "-q", "--allow-empty", "-m", "c1"]);
    let c1 = gix_hash::ObjectId::from_hex(git_out(&main, &["rev-parse", "HEAD"]).trim().as_bytes()).unwrap();
    let c0 = gix_hash::ObjectId::from_hex(git_out(&main, &["rev-parse", "HEAD~1"]).trim().as_bytes()).unwrap();
    let linked = tmp.path().join("linked");
    git_out(
        &main,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "side",
            linked.to_str().unwrap(),
            "HEAD~1",
        ],
    );
    git_out(&linked, &["update-ref", "refs/bisect/bad", "HEAD"]);

    let common = main.join(".git");
    let wt_git_dir = common.join("worktrees/linked");
    let wt = Store::for_linked_worktree(&wt_git_dir, &common, gix_hash::Kind::Sha1).unwrap();
    let head = wt.find("HEAD").unwrap();
    assert_eq!(head.target, Target::Symbolic(name("refs/heads/side")));
    let mh = wt.find("main-worktree/HEAD").unwrap();
    assert_eq!(mh.target, Target::Symbolic(name("refs/heads/main")));
    // Iteration merges shared and per-worktree refs, as git does in the worktree.
    let ours: String = wt
        .iter()
        .unwrap()
        .all()
        .unwrap()
        .map(|r| r.unwrap().name.to_string() + "\n")
        .collect();
    assert_lines_eq(
        &ours,
        &git_out(&linked, &["for-each-ref", "--format=%(refname)"]),
        "linked for-each-ref",
    );
    assert!(ours.contains("refs/bisect/bad"));
    let pseudo: Vec<String> = wt
        .iter()
        .unwrap()
        .pseudo()
        .unwrap()
        .map(|r| r.unwrap().name.to_string())
        .collect();
    assert!(pseudo.contains(&"HEAD".to_string()));

    let main_store = Store::at(&common, gix_hash::Kind::Sha1).unwrap();
    let ours_main: String = main_store
        .iter()
        .unwrap()
        .all()
        .unwrap()
        .map(|r| r.unwrap().name.to_string() + "\n")
        .collect();
    assert_lines_eq(
        &ours_main,
        &git_out(&main, &["for-each-ref", "--format=%(refname)"]),
        "main for-each-ref",
    );
    assert!(!ours_main.contains("refs/bisect/bad"));
    let other = main_store.find("worktrees/linked/HEAD").unwrap();
    assert_eq!(other.target, Target::Symbolic(name("refs/heads/side")));

    // One transaction touching both stacks: a per-worktree ref and, through
    // HEAD (deref), the shared branch; HEAD's reflog lives in the worktree.
    let sig = gix_actor::Signature {
        name: "Rust".into(),
        email: "r@example.com".into(),
        time: gix_date::Time {
            seconds: 1_800_000_000,
            offset: 0,
        },
    };
    let mut buf = gix_date::parse::TimeBuf::default();
    wt.transaction()
        .prepare(
            vec![
                RefEdit::update(name("refs/worktree/mine"), c1, PreviousValue::MustNotExist, "mine"),
                RefEdit::update_with_log(
                    name("HEAD"),
                    c1,
                    PreviousValue::Any,
                    LogChange {
                        mode: RefLog::AndReference,
                        force_create_reflog: false,
                        message: "merge: fast-forward".into(),
                    },
                )
                .with_deref(true),
            ],
            gix_lock::acquire::Fail::Immediately,
        )
        .unwrap()
        .commit(Some(sig.to_ref(&mut buf)))
        .unwrap();
    assert_eq!(
        git_out(&linked, &["rev-parse", "refs/worktree/mine", "side", "HEAD"]),
        format!("{c1}\n{c1}\n{c1}\n")
    );
    assert_eq!(git_out(&main, &["rev-parse", "side", "HEAD"]), format!("{c1}\n{c1}\n"));
    assert!(!git(&main)
        .args(["rev-parse", "--verify", "-q", "refs/worktree/mine"])
        .status()
        .unwrap()
        .success());
    assert_eq!(
        git_out(&linked, &["reflog", "show", "-n1", "--format=%gs", "HEAD"]),
        "merge: fast-forward\n"
    );
    assert_eq!(
        git_out(&linked, &["reflog", "show", "-n1", "--format=%gs", "refs/heads/side"]),
        "merge: fast-forward\n"
    );
    assert_ne!(
        git_out(&main, &["reflog", "show", "-n1", "--format=%gs", "HEAD"]),
        "merge: fast-forward\n"
    );
    assert!(wt.reflog_exists("HEAD").unwrap());
    // Opened through gix, the worktree layout is picked up from the repository.
    let repo = gix::open(&linked).unwrap();
    let from_repo = Store::from_repo(&repo).unwrap();
    assert!(from_repo.is_linked_worktree());
    assert_eq!(
        from_repo.find("HEAD").unwrap().target,
        Target::Symbolic(name("refs/heads/side"))
    );
    assert_eq!(from_repo.find("refs/worktree/mine").unwrap().target, Target::Object(c1));
    let main_repo = gix::open(&main).unwrap();
    assert!(!Store::from_repo(&main_repo).unwrap().is_linked_worktree());
    assert_ne!(c0, c1);
    git_out(&linked, &["refs", "verify"]);
    git_out(&main, &["refs", "verify"]);
    git_out(&main, &["fsck", "--no-progress"]);
}

/// Name conflicts in a linked worktree are looked for in its view, as git's
/// reftable backend looks for them: a shared name conflicts with the
/// worktree's own refs (`refs/worktree` with its `refs/worktree/x`) and the
/// shared ones, not with the main worktree's own (`refs/bisect/m`); a name
/// given with a worktree prefix, in the stack it names. A conflict changes
/// nothing.
#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn name_conflicts_in_a_linked_worktree_span_its_view() {
    let tmp = tempfile::tempdir().unwrap();
    let main = git_init(tmp.path(), "main", &["--ref-format=reftable"]);
    git_out(&main, &["commit", "-q", "--allow-empty", "-m", "c0"]);
    git_out(&main, &["update-ref", "refs/heads/f", "HEAD"]);
    git_out(&main, &["update-ref", "refs/bisect/m", "HEAD"]);
    let c = gix_hash::ObjectId::from_hex(git_out(&main, &["rev-parse", "HEAD"]).trim().as_bytes()).unwrap();
    let linked = tmp.path().join("linked");
    git_out(
        &main,
        &["worktree", "add", "-q", "-b", "side", linked.to_str().unwrap()],
    );
    git_out(&linked, &["update-ref", "refs/worktree/x", "HEAD"]);
    let common = main.join(".git");
    let wt = Store::for_linked_worktree(&common.join("worktrees/linked"), &common, gix_hash::Kind::Sha1).unwrap();
    let refs = || git_out(&linked, &["for-each-ref"]) + &git_out(&main, &["for-each-ref"]);
    let before = refs();
    let prepare = |n: &str| {
        wt.transaction()
            .prepare(
                vec![RefEdit::update(name(n), c, PreviousValue::Any, "x")],
                gix_lock::acquire::Fail::Immediately,
            )
            .map(|t| drop(t.rollback()))
    };
    for (n, conflict) in [
        ("refs/worktree", Some("refs/worktree/x")),
        ("refs/heads/f/y", Some("refs/heads/f")),
        ("main-worktree/refs/bisect/m/x", Some("refs/bisect/m")),
        ("refs/bisect/m/x", None),
        ("refs/heads/g", None),
    ] {
        match (prepare(n), conflict) {
            (Err(reftable::store::Error::NameConflict { conflict: found, .. }), Some(want)) => {
                assert_eq!(found, want, "{n}")
            }
            (Ok(()), None) => {}
            (other, _) => panic!("{n}: {other:?}"),
        }
        assert_eq!(refs(), before, "{n}");
    }
    // git agrees on the conflict in the worktree's view.
    assert!(!git(&linked)
        .args(["update-ref", "refs/worktree", "HEAD"])
        .status()
        .unwrap()
        .success());
}
