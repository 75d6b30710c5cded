//! Fault injection: a full disk (`ENOSPC`) or a failing `fsync` (`EIO`) at
//! every file-system operation of a transaction, its addition and the
//! auto-compaction after it. Each time: a typed error naming a file in the
//! stack directory, or success; git and we read the same refs as before (or
//! the new one, if the transaction was acknowledged); no lock or temporary
//! file is left; and the next writers, git's and ours, succeed.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use gix_ref::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix_ref::Target;
use reftable::stack::fault::{self, Op, Plan};
use reftable::store::Store;

/// A reftable repository whose stack has one table per entry of `tables`,
/// each with that many refs (written by git without auto-compaction).
fn base(tmp: &Path, tables: &[usize]) -> (PathBuf, String) {
    let dir = git_init(tmp, "base", &["--ref-format=reftable"]);
    git_out(&dir, &["commit", "-q", "--allow-empty", "-m", "c"]);
    let id = git_out(&dir, &["rev-parse", "HEAD"]).trim().to_owned();
    // The commit's own table, then one per entry.
    git_out(&dir, &["pack-refs", "--all"]);
    for (t, &n) in tables.iter().enumerate() {
        let stdin: String = (0..n).map(|i| format!("create refs/heads/t{t}/b{i} {id}\n")).collect();
        let out = git(&dir)
            .env("GIT_TEST_REFTABLE_AUTOCOMPACTION", "false")
            .args(["update-ref", "--stdin"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(stdin.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    let list = std::fs::read_to_string(dir.join(".git/reftable/tables.list")).unwrap();
    assert_eq!(list.lines().count(), tables.len() + 1, "{list}");
    (dir, id)
}

fn refs(dir: &Path) -> String {
    git_out(dir, &["for-each-ref", "--format=%(refname) %(objectname)"])
}

/// One transaction creating `refs/heads/new` (with a reflog) under `plan`.
fn transaction(dir: &Path, id: &str, plan: Plan) -> (Result<(), reftable::store::Error>, Vec<Op>) {
    let store = Store::at(&dir.join(".git"), gix_hash::Kind::Sha1).unwrap();
    let edit = RefEdit {
        change: Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: true,
                message: "faulty".into(),
            },
            expected: PreviousValue::MustNotExist,
            new: Target::Object(gix_hash::ObjectId::from_hex(id.as_bytes()).unwrap()),
        },
        name: "refs/heads/new".try_into().unwrap(),
        deref: false,
    };
    let sig = gix_actor::Signature {
        name: "F".into(),
        email: "f@example.com".into(),
        time: gix_date::Time::new(1_700_000_000, 0),
    };
    let mut buf = gix_date::parse::TimeBuf::default();
    let armed = fault::arm(plan);
    let res = store
        .transaction()
        .prepare(vec![edit], gix_lock::acquire::Fail::Immediately)
        .and_then(|t| t.commit(Some(sig.to_ref(&mut buf))))
        .map(drop);
    let ops = armed.ops();
    (res, ops)
}

/// Three small tables: the addition and its auto-compaction are written as
/// one merged table (see `stack::Addition`).
#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn every_failed_operation_leaves_a_clean_readable_stack() {
    faults_everywhere(&[1, 1, 1], 1);
}

/// A small table under a bigger one: the addition is published as a table
/// of its own, then auto-compaction merges the two below it.
#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn every_failed_operation_of_addition_then_compaction_leaves_a_clean_readable_stack() {
    faults_everywhere(&[1, 40], 2);
}

/// Fails each file-system operation in turn of one transaction on a stack
/// of `tables` (see [`base`]), which leaves `after` tables when all goes well.
fn faults_everywhere(tables: &[usize], after: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let (base, id) = base(tmp.path(), tables);
    let before = refs(&base);

    // A clean run: which operations are there?
    let probe = tmp.path().join("probe");
    copy_dir(&base, &probe);
    let (res, all_ops) = transaction(
        &probe,
        &id,
        Plan {
            fail_at: None,
            only: None,
            errno: 0,
        },
    );
    res.unwrap();
    let list = std::fs::read_to_string(probe.join(".git/reftable/tables.list")).unwrap();
    assert_eq!(list.lines().count(), after, "tables after the transaction: {list}");
    for op in [Op::Create, Op::Write, Op::Sync, Op::Rename] {
        assert!(all_ops.contains(&op), "{op:?} in {all_ops:?}");
    }

    let mut failed = 0;
    let mut acknowledged = 0;
    for (only, errno, count) in [
        (None, 28, all_ops.len()),
        (Some(Op::Sync), 5, all_ops.iter().filter(|o| **o == Op::Sync).count()),
    ] {
        for k in 0..count {
            let dir = tmp.path().join(format!("case-{errno}-{k}"));
            copy_dir(&base, &dir);
            let (res, _) = transaction(
                &dir,
                &id,
                Plan {
                    fail_at: Some(k),
                    only,
                    errno,
                },
            );
            let what = format!("errno {errno} at operation {k} ({only:?})");
            let now = refs(&dir);
            match res {
                Ok(()) => {
                    acknowledged += 1;
                    assert!(now.contains("refs/heads/new"), "{what}: acknowledged but missing");
                }
                Err(e) => {
                    failed += 1;
                    assert_lines_eq(&now, &before, &what);
                    let msg = format!("{e}");
                    assert!(msg.contains("reftable"), "{what}: error names the file: {msg}");
                    let io = std::error::Error::source(&e)
                        .and_then(|s| s.downcast_ref::<reftable::stack::Error>())
                        .map(|s| matches!(s, reftable::stack::Error::Io { .. }));
                    assert_ne!(io, Some(false), "{what}: {e:?}");
                }
            }
            let left = stack_leftovers(&dir.join(".git/reftable"));
            assert!(left.is_empty(), "{what}: left {left:?}");
            let verify = git(&dir).args(["refs", "verify"]).output().unwrap();
            assert!(verify.status.success(), "{what}: refs verify: {verify:?}");
            // Both tools can write next.
            git_out(&dir, &["update-ref", "refs/heads/after-git", &id]);
            let (res, _) = transaction(
                &dir,
                &id,
                Plan {
                    fail_at: None,
                    only: None,
                    errno: 0,
                },
            );
            // (If the ref exists already, gix-ref's rule accepts MustNotExist for the same value.)
            res.unwrap_or_else(|e| panic!("{what}: next transaction: {e}"));
            let after = refs(&dir);
            assert!(
                after.contains("refs/heads/after-git") && after.contains("refs/heads/new"),
                "{what}"
            );
        }
    }
    eprintln!(
        "{} operations; {failed} injected faults failed the transaction, {acknowledged} were absorbed",
        all_ops.len()
    );
    // Failures before the new tables.list is in place fail the transaction;
    // failures during auto-compaction after it do not.
    assert!(
        failed >= 5 && acknowledged >= 5,
        "failed {failed}, acknowledged {acknowledged}"
    );
}
