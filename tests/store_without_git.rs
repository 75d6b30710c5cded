//! The store on its own, with no git executable: repositories made by
//! `reftable::init` and by git (the committed fixtures), transactions,
//! reflogs, compaction, threads and processes of ours at once. These run
//! on every platform, under Wine too, and include the file semantics
//! Windows is strict about: a reader holding an old table open across a
//! compaction, and `tables.list` replaced while others read it.

#[path = "common/mod.rs"]
mod common;

use std::path::Path;
use std::sync::Arc;

use gix_ref::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix_ref::{FullName, Target};
use reftable::store::Store;

fn id(n: u8) -> gix_hash::ObjectId {
    gix_hash::ObjectId::from_bytes_or_panic(&[n; 20])
}

fn update(name: &str, to: gix_hash::ObjectId, expected: PreviousValue) -> RefEdit {
    RefEdit {
        change: Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: "test".into(),
            },
            expected,
            new: Target::Object(to),
        },
        name: FullName::try_from(name).unwrap(),
        deref: false,
    }
}

fn commit(store: &Store, edits: Vec<RefEdit>) -> Result<(), reftable::store::Error> {
    let sig = gix_actor::Signature {
        name: "C O Mitter".into(),
        email: "committer@example.com".into(),
        time: gix_date::Time::new(1_700_000_000, 0),
    };
    let mut buf = gix_date::parse::TimeBuf::default();
    store
        .transaction()
        .prepare(
            edits,
            gix_lock::acquire::Fail::AfterDurationWithBackoff(std::time::Duration::from_secs(30)),
        )?
        .commit(Some(sig.to_ref(&mut buf)))
        .map(drop)
}

fn new_repo(dir: &Path) -> std::path::PathBuf {
    reftable::init(
        dir,
        &reftable::InitOptions {
            initial_branch: "main".into(),
            ..Default::default()
        },
    )
    .unwrap()
}

fn names(store: &Store, prefix: &[u8]) -> Vec<String> {
    store
        .iter()
        .unwrap()
        .prefixed(prefix)
        .unwrap()
        .map(|r| r.unwrap().name.as_bstr().to_string())
        .collect()
}

#[test]
fn a_new_repository_takes_transactions_reflogs_and_compaction() {
    let tmp = tempfile::tempdir().unwrap();
    let git_dir = new_repo(tmp.path());
    let store = Store::at(&git_dir, gix_hash::Kind::Sha1).unwrap();
    commit(
        &store,
        vec![update("refs/heads/main", id(1), PreviousValue::MustNotExist)],
    )
    .unwrap();
    commit(
        &store,
        vec![update(
            "refs/heads/main",
            id(2),
            PreviousValue::MustExistAndMatch(Target::Object(id(1))),
        )],
    )
    .unwrap();
    // An out-of-date expectation changes nothing.
    let err = commit(
        &store,
        vec![update(
            "refs/heads/main",
            id(3),
            PreviousValue::MustExistAndMatch(Target::Object(id(1))),
        )],
    );
    assert!(err.is_err());
    let head = store.find("HEAD").unwrap();
    assert_eq!(
        head.target.try_name().map(|n| n.as_bstr().to_string()),
        Some("refs/heads/main".into())
    );
    assert_eq!(store.find("main").unwrap().target.try_id(), Some(id(2).as_ref()));
    let log: Vec<_> = store
        .reflog_iter("refs/heads/main")
        .unwrap()
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].new_oid, id(2));
    store.pack_refs(false).unwrap();
    assert_eq!(store.find("main").unwrap().target.try_id(), Some(id(2).as_ref()));
    assert_eq!(common::stack_tables(&git_dir).len(), 1);
    assert!(common::stack_leftovers(&git_dir.join("reftable")).is_empty());
}

#[test]
fn git_made_fixtures_read_the_same_through_the_store() {
    for repo in common::fixture_repos() {
        let (_tmp, dir) = common::fixture_copy(&repo);
        let git_dir = if dir.join(".git").is_dir() {
            dir.join(".git")
        } else {
            dir.clone()
        };
        // The format version of the first table says the hash (1: SHA-1, 2: SHA-256).
        let first = common::stack_tables(&git_dir).remove(0);
        let hash = match std::fs::read(first).unwrap()[4] {
            2 => gix_hash::Kind::Sha256,
            _ => gix_hash::Kind::Sha1,
        };
        let store = Store::at(&git_dir, hash).unwrap();
        let all = names(&store, b"refs/");
        assert!(!all.is_empty(), "{repo}: no refs");
        for name in &all {
            assert!(store.try_find(name.as_str()).unwrap().is_some(), "{repo}: {name}");
        }
    }
}

/// A reader keeps the tables it opened (memory-mapped) while another store
/// compacts them away: the compaction succeeds (on Windows an open table
/// cannot be deleted at once; it is left for a later `clean`), the reader
/// still reads its snapshot, sees the new stack after a reload, and a later
/// compaction removes what was left.
#[test]
fn a_reader_holding_old_tables_open_does_not_stop_a_compaction() {
    let tmp = tempfile::tempdir().unwrap();
    let git_dir = new_repo(tmp.path());
    let writer = Store::at(&git_dir, gix_hash::Kind::Sha1).unwrap();
    for i in 0..20u8 {
        commit(
            &writer,
            vec![update(&format!("refs/heads/b{i:02}"), id(i + 1), PreviousValue::Any)],
        )
        .unwrap();
    }
    let mut reader = reftable::stack::Stack::open(&git_dir.join("reftable"), Default::default()).unwrap();
    let held = reader.snapshot();
    assert!(!held.is_empty());
    writer.pack_refs(false).unwrap();
    // The snapshot still reads, whatever happened to the files.
    let mut n = 0;
    for t in &held {
        let mut it = t.refs().unwrap();
        while it.next_ref().unwrap().is_some() {
            n += 1;
        }
    }
    assert!(n >= 20);
    reader.reload().unwrap();
    assert_eq!(reader.tables().len(), 1);
    drop(held);
    drop(reader);
    commit(
        &writer,
        vec![update("refs/heads/after", id(99), PreviousValue::MustNotExist)],
    )
    .unwrap();
    writer.pack_refs(false).unwrap();
    let listed = std::fs::read_to_string(git_dir.join("reftable/tables.list")).unwrap();
    let on_disk: Vec<String> = std::fs::read_dir(git_dir.join("reftable"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ref"))
        .collect();
    assert_eq!(
        on_disk,
        listed.lines().map(str::to_owned).collect::<Vec<_>>(),
        "only the listed table is left"
    );
    assert_eq!(names(&writer, b"refs/heads/").len(), 21);
}

/// Writers in several threads, each with a store of its own, while readers
/// reload: `tables.list` is replaced again and again while it is read (on
/// Windows a rename over an open file can fail for a moment: it is
/// retried). Every update lands.
#[test]
fn tables_list_is_replaced_under_readers_and_writers_without_loss() {
    let tmp = tempfile::tempdir().unwrap();
    let git_dir = Arc::new(new_repo(tmp.path()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (git_dir, stop) = (git_dir.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut reads = 0;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let store = Store::at(&git_dir, gix_hash::Kind::Sha1).unwrap();
                    let _ = names(&store, b"refs/heads/");
                    reads += 1;
                    // A reader at a time now and then, as a prompt or an editor reads.
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                reads
            })
        })
        .collect();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let git_dir = git_dir.clone();
            std::thread::spawn(move || {
                let store = Store::at(&git_dir, gix_hash::Kind::Sha1).unwrap();
                for i in 0..25 {
                    commit(
                        &store,
                        vec![update(
                            &format!("refs/heads/w{w}/{i:02}"),
                            id(7),
                            PreviousValue::MustNotExist,
                        )],
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for r in readers {
        assert!(r.join().unwrap() > 0);
    }
    let store = Store::at(&git_dir, gix_hash::Kind::Sha1).unwrap();
    assert_eq!(names(&store, b"refs/heads/").len(), 100);
    assert!(common::stack_leftovers(&git_dir.join("reftable")).is_empty());
}

/// `tables.list` is written with `\n` alone; one with `\r\n` (an editor on
/// Windows) is refused naming the file, as git for Windows refuses it (it
/// reads the `\r` as part of the table's name), and nothing is written.
#[test]
fn a_tables_list_with_crlf_is_refused_and_ours_has_none() {
    let tmp = tempfile::tempdir().unwrap();
    let git_dir = new_repo(tmp.path());
    let store = Store::at(&git_dir, gix_hash::Kind::Sha1).unwrap();
    commit(&store, vec![update("refs/heads/main", id(1), PreviousValue::Any)]).unwrap();
    commit(&store, vec![update("refs/heads/b", id(2), PreviousValue::Any)]).unwrap();
    let list = git_dir.join("reftable/tables.list");
    let good = std::fs::read(&list).unwrap();
    assert!(!good.contains(&b'\r') && good.ends_with(b"\n"));
    let crlf = String::from_utf8(good.clone()).unwrap().replace('\n', "\r\n");
    std::fs::write(&list, crlf).unwrap();
    let err = Store::at(&git_dir, gix_hash::Kind::Sha1)
        .and_then(|s| s.try_find("main").map(drop))
        .unwrap_err();
    assert!(err.to_string().contains("tables.list"), "{err}");
    assert!(common::stack_leftovers(&git_dir.join("reftable")).is_empty());
    std::fs::write(&list, good).unwrap();
    assert!(Store::at(&git_dir, gix_hash::Kind::Sha1)
        .unwrap()
        .try_find("main")
        .unwrap()
        .is_some());
}
