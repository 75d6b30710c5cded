//! The stack against git as a peer: interleaved additions, compaction, error
//! cases that must leave the disk unchanged, the auto-compaction bound, and
//! crash safety under SIGKILL.

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};

use common::*;
use reftable_core::format::{HashId, LogRecordRef, LogUpdateRef, LogValueRef, RefRecordRef, RefValueRef, WriteOptions};
use reftable_core::stack::{Error, LogExpiry, Options, Stack};

/// A git repository with `n` commits; returns (tempdir, worktree, commit ids).
fn repo(hash: HashId, n: usize) -> (tempfile::TempDir, PathBuf, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    git_init(
        tmp.path(),
        "repo",
        &["--ref-format=reftable", &format!("--object-format={}", hash.name())],
    );
    let commits = make_commits(&dir, n);
    (tmp, dir, commits)
}

fn opts(hash: HashId) -> Options {
    Options {
        write: WriteOptions {
            hash,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Adds `name -> oid` with a reflog entry in one addition.
fn add_ref(stack: &mut Stack, name: &str, oid: &[u8], msg: &str) -> Result<(), Error> {
    let next = stack.next_update_index();
    let zero = vec![0u8; oid.len()];
    stack.add(|w| {
        w.set_limits(next, next)?;
        w.add_ref(&RefRecordRef {
            name: name.as_bytes(),
            update_index: next,
            value: RefValueRef::Val1(oid),
        })?;
        w.add_log(&LogRecordRef {
            name: name.as_bytes(),
            update_index: next,
            value: LogValueRef::Update(LogUpdateRef {
                old_id: &zero,
                new_id: oid,
                name: b"Rust Writer",
                email: b"rust@example.com",
                time: 1_700_000_000 + next,
                tz_offset: 100,
                message: msg.as_bytes(),
            }),
        })?;
        Ok(())
    })
}

fn for_each_ref(dir: &Path) -> String {
    git_out(dir, &["for-each-ref", "--format=%(refname) %(objectname)"])
}

fn ours_listing(stack: &Stack) -> String {
    let mut out = String::new();
    for r in stack.merged().refs().unwrap() {
        let r = r.unwrap();
        if r.name.starts_with(b"refs/") {
            let oid = match &r.value {
                reftable_core::format::RefValue::Symref(t) => {
                    hex(stack.merged().find_ref(t).unwrap().unwrap().value.object_id().unwrap())
                }
                v => hex(v.object_id().unwrap()),
            };
            out += &format!("{} {oid}\n", String::from_utf8_lossy(&r.name));
        }
    }
    out
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn interleaved_with_git() {
    for hash in [HashId::Sha1, HashId::Sha256] {
        let (_tmp, dir, c) = repo(hash, 3);
        let rt = dir.join(".git/reftable");
        let mut stack = Stack::open(&rt, opts(hash)).unwrap();
        add_ref(&mut stack, "refs/heads/ours-1", &unhex(&c[0]), "ours one").unwrap();
        git_out(&dir, &["update-ref", "-m", "git two", "refs/heads/git-2", &c[1]]);
        // Our view is outdated now: an addition fails, then succeeds after reload.
        assert!(matches!(
            add_ref(&mut stack, "refs/heads/x", &unhex(&c[0]), "x"),
            Err(Error::Outdated { .. })
        ));
        stack.reload().unwrap();
        add_ref(&mut stack, "refs/heads/ours-3", &unhex(&c[2]), "ours three").unwrap();
        git_out(&dir, &["update-ref", "-d", "refs/heads/ours-1"]);
        git_out(&dir, &["branch", "git-5", &c[0]]);
        stack.reload().unwrap();
        assert_lines_eq(&ours_listing(&stack), &for_each_ref(&dir), "before compaction");
        stack.compact_all(None).unwrap();
        assert_eq!(stack.tables().len(), 1);
        assert_lines_eq(&for_each_ref(&dir), &ours_listing(&stack), "git after our compaction");
        let reflog = git_out(&dir, &["reflog", "show", "--format=%gs", "refs/heads/ours-3"]);
        assert_eq!(reflog, "ours three\n");
        let reflog = git_out(&dir, &["reflog", "show", "--format=%gs", "refs/heads/git-2"]);
        assert_eq!(reflog, "git two\n");
        // The deleted ref's reflog is gone for git as well.
        assert!(!git(&dir)
            .args(["reflog", "exists", "refs/heads/ours-1"])
            .status()
            .unwrap()
            .success());
        git_out(&dir, &["refs", "verify"]);
        git_out(&dir, &["fsck", "--no-progress"]);
        // git keeps working on top.
        git_out(&dir, &["update-ref", "refs/heads/after", &c[1]]);
        git_out(&dir, &["pack-refs"]);
        stack.reload().unwrap();
        assert_lines_eq(&ours_listing(&stack), &for_each_ref(&dir), "after git pack-refs");
        let leftovers: Vec<_> = std::fs::read_dir(&rt)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 2, "one table and tables.list: {leftovers:?}");
    }
}

#[test]
fn auto_compaction_keeps_the_stack_logarithmic() {
    let dir = tempfile::tempdir().unwrap();
    let mut stack = Stack::open(dir.path(), Options::default()).unwrap();
    let n = 1000u64;
    let mut max_tables = 0;
    for i in 0..n {
        let mut oid = [0u8; 20];
        oid[..8].copy_from_slice(&i.to_be_bytes());
        add_ref(&mut stack, &format!("refs/heads/b{i:05}"), &oid, "m").unwrap();
        max_tables = max_tables.max(stack.tables().len());
    }
    let log2 = (n as f64).log2();
    assert!(
        (max_tables as f64) <= log2 + 2.0,
        "{max_tables} tables for {n} additions"
    );
    let final_size: u64 = stack.tables().iter().map(|t| t.size()).sum();
    let stats = *stack.stats();
    // Each byte is rewritten about once per doubling: O(N log N) overall.
    assert!(
        (stats.bytes as f64) <= 2.0 * final_size as f64 * log2,
        "compaction read {} bytes; final size {final_size}",
        stats.bytes
    );
    assert_eq!(stack.merged().refs().unwrap().count(), n as usize);
    eprintln!("{n} additions: at most {max_tables} tables, {} now; compaction read {} bytes, wrote {} records in {} attempts; final {final_size} bytes",
        stack.tables().len(), stats.bytes, stats.entries_written, stats.attempts);
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn held_lock_fails_after_timeout_and_changes_nothing() {
    let (_tmp, dir, c) = repo(HashId::Sha1, 1);
    let rt = dir.join(".git/reftable");
    let o = Options {
        lock_timeout_ms: 50,
        disable_auto_compact: true,
        ..Default::default()
    };
    let mut stack = Stack::open(&rt, o).unwrap();
    add_ref(&mut stack, "refs/heads/y", &unhex(&c[0]), "y").unwrap();
    assert!(stack.tables().len() >= 2);
    std::fs::write(rt.join("tables.list.lock"), b"").unwrap();
    let before = dir_files(&rt);
    let t = std::time::Instant::now();
    let err = add_ref(&mut stack, "refs/heads/x", &unhex(&c[0]), "x").unwrap_err();
    assert!(t.elapsed() >= std::time::Duration::from_millis(40));
    match &err {
        Error::Lock { path, .. } => assert!(path.ends_with("tables.list.lock")),
        e => panic!("{e}"),
    }
    assert!(err.to_string().contains("tables.list.lock"));
    assert_eq!(dir_files(&rt), before);
    assert!(matches!(stack.compact_all(None), Err(Error::Lock { .. })));
    assert_eq!(dir_files(&rt), before);
    std::fs::remove_file(rt.join("tables.list.lock")).unwrap();
    add_ref(&mut stack, "refs/heads/x", &unhex(&c[0]), "x").unwrap();
    assert!(for_each_ref(&dir).contains("refs/heads/x "));
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn missing_or_corrupt_tables_are_named_and_nothing_changes() {
    let (_tmp, dir, c) = repo(HashId::Sha1, 1);
    let rt = dir.join(".git/reftable");
    git_out(&dir, &["branch", "b", &c[0]]);
    let names = std::fs::read_to_string(rt.join("tables.list")).unwrap();
    // A list naming a table that does not exist.
    std::fs::write(
        rt.join("tables.list"),
        format!("{names}0x000000000009-0x000000000009-deadbeef.ref\n"),
    )
    .unwrap();
    let before = dir_files(&rt);
    match Stack::open(&rt, Options::default()) {
        Err(Error::MissingTable { name, .. }) => assert_eq!(name, "0x000000000009-0x000000000009-deadbeef.ref"),
        other => panic!("{other:?}"),
    }
    assert_eq!(dir_files(&rt), before);
    // A corrupt table.
    std::fs::write(rt.join("tables.list"), &names).unwrap();
    let first = names.lines().next().unwrap().to_string();
    let mut bytes = std::fs::read(rt.join(&first)).unwrap();
    let n = bytes.len();
    bytes[n - 1] ^= 0xff;
    std::fs::write(rt.join(&first), &bytes).unwrap();
    let before = dir_files(&rt);
    let err = Stack::open(&rt, Options::default()).unwrap_err();
    assert!(err.to_string().contains(&first), "{err}");
    assert_eq!(dir_files(&rt), before);
    // Hostile names in tables.list.
    for bad in ["../escape.ref", "sub/dir.ref", ".."] {
        std::fs::write(rt.join("tables.list"), format!("{bad}\n")).unwrap();
        assert!(
            matches!(
                Stack::open(&rt, Options::default()),
                Err(Error::InvalidTableName { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn empty_addition_adds_no_table_and_update_index_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let mut stack = Stack::open(dir.path(), Options::default()).unwrap();
    stack.add(|w| Ok(w.set_limits(1, 1)?)).unwrap();
    assert_eq!(stack.tables().len(), 0);
    assert!(!dir.path().join("tables.list").exists());
    add_ref(&mut stack, "refs/heads/a", &[1; 20], "a").unwrap();
    let err = stack
        .add(|w| {
            w.set_limits(1, 1)?;
            w.add_ref(&RefRecordRef {
                name: b"refs/heads/b",
                update_index: 1,
                value: RefValueRef::Val1(&[2; 20]),
            })?;
            Ok(())
        })
        .unwrap_err();
    assert!(matches!(err, Error::UpdateIndexTooLow { min: 1, next: 2 }), "{err}");
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files.len(), 2, "no temporary file left: {files:?}");
}

#[test]
fn reflog_expiry_and_clean() {
    let dir = tempfile::tempdir().unwrap();
    let o = Options {
        disable_auto_compact: true,
        ..Default::default()
    };
    let mut stack = Stack::open(dir.path(), o).unwrap();
    for i in 0..5u8 {
        add_ref(&mut stack, "refs/heads/main", &[i + 1; 20], &format!("m{i}")).unwrap();
    }
    assert_eq!(stack.tables().len(), 5);
    stack
        .compact_all(Some(LogExpiry {
            time: 0,
            min_update_index: 3,
        }))
        .unwrap();
    let logs: Vec<u64> = stack
        .merged()
        .logs()
        .unwrap()
        .map(|l| l.unwrap().update_index)
        .collect();
    assert_eq!(logs, [5, 4, 3]);
    stack
        .compact_all(Some(LogExpiry {
            time: 1_700_000_005,
            min_update_index: 0,
        }))
        .unwrap();
    let logs: Vec<u64> = stack
        .merged()
        .logs()
        .unwrap()
        .map(|l| l.unwrap().update_index)
        .collect();
    assert_eq!(logs, [5]);
    // A stale table left by a crashed writer is removed by clean.
    let stale = dir.path().join("0x000000000002-0x000000000002-00000000.ref");
    std::fs::copy(dir.path().join(&stack.table_names()[0]), &stale).unwrap();
    stack.clean().unwrap();
    assert!(!stale.exists());
    assert_eq!(stack.tables().len(), 1);
}

/// Run by `crash_safety_under_sigkill` in a child process: adds refs (and
/// compacts) forever, printing each committed ref name.
#[test]
#[ignore = "child process of crash_safety_under_sigkill"]
fn crash_child() {
    use std::io::Write;
    let Ok(dir) = std::env::var("REFTABLE_CRASH_DIR") else {
        return;
    };
    let oid = unhex(&std::env::var("REFTABLE_CRASH_OID").unwrap());
    let mut stack = Stack::open(
        Path::new(&dir),
        Options {
            lock_timeout_ms: -1,
            ..Default::default()
        },
    )
    .unwrap();
    let limit: u64 = std::env::var("REFTABLE_CHILD_COUNT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(u64::MAX);
    let mut out = std::io::stdout();
    for i in 0..limit {
        let name = format!("refs/heads/crash-{}-{i}", std::process::id());
        loop {
            match add_ref(&mut stack, &name, &oid, "crash") {
                Ok(()) => break,
                Err(e) if e.is_contention() => stack.reload().unwrap(),
                Err(e) => panic!("{e}"),
            }
        }
        writeln!(out, "committed {name}").unwrap();
        out.flush().unwrap();
        if i % 7 == 3 && limit == u64::MAX {
            let _ = stack.compact_all(None);
        }
    }
}

/// Asserts that every ref in `names` is in the stack, for us and for git.
fn assert_all_present<'n>(dir: &Path, names: impl IntoIterator<Item = &'n String>, what: &str) {
    let stack = Stack::open(&dir.join(".git/reftable"), Options::default()).unwrap();
    let listing = for_each_ref(dir);
    for name in names {
        assert!(
            stack.merged().find_ref(name.as_bytes()).unwrap().is_some(),
            "{what}: we miss {name}"
        );
        assert!(listing.contains(&format!("{name} ")), "{what}: git misses {name}");
    }
}

/// Starts a `crash_child` writer process on the stack `rt`: it adds refs
/// pointing to `oid` (`count` of them, or until killed, compacting now and
/// then) and prints `committed <name>` for each acknowledged one.
fn spawn_writer(rt: &Path, oid: &str, count: Option<usize>) -> std::process::Child {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args(["--ignored", "--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env("REFTABLE_CRASH_DIR", rt)
        .env("REFTABLE_CRASH_OID", oid)
        .stdout(std::process::Stdio::piped());
    match count {
        Some(n) => cmd
            .env("REFTABLE_CHILD_COUNT", n.to_string())
            .stderr(std::process::Stdio::inherit()),
        None => cmd.stderr(std::process::Stdio::null()),
    };
    cmd.spawn().unwrap()
}

/// The refs a writer's output says were committed.
fn committed_refs(out: &str) -> impl Iterator<Item = String> + '_ {
    out.lines()
        .filter_map(|l| l.split_once("committed ").map(|(_, n)| n))
        .map(str::to_owned)
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn crash_safety_under_sigkill() {
    use rand::Rng;
    use std::io::Read;
    let (_tmp, dir, c) = repo(HashId::Sha1, 1);
    let rt = dir.join(".git/reftable");
    let mut committed = Vec::new();
    let mut rng = rand::thread_rng();
    for round in 0..12 {
        let mut child = spawn_writer(&rt, &c[0], None);
        std::thread::sleep(std::time::Duration::from_millis(rng.gen_range(20..150)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let mut s = String::new();
        child.stdout.take().unwrap().read_to_string(&mut s).unwrap();
        committed.extend(committed_refs(&s));
        // A stale lock of the killed writer is reported, not broken: remove it as a user would.
        let _ = std::fs::remove_file(rt.join("tables.list.lock"));
        for e in std::fs::read_dir(&rt).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "lock") {
                std::fs::remove_file(p).unwrap();
            }
        }
        // Both we and git read the stack, and every acknowledged ref is there.
        assert_all_present(&dir, &committed, &format!("round {round}"));
        git_out(&dir, &["refs", "verify"]);
    }
    assert!(committed.len() > 5, "the child committed only {} refs", committed.len());
    // The next writer is not blocked, and clean removes what the crashes left.
    let mut stack = Stack::open(&rt, Options::default()).unwrap();
    stack.clean().unwrap();
    add_ref(&mut stack, "refs/heads/after-crashes", &unhex(&c[0]), "after").unwrap();
    git_out(&dir, &["fsck", "--no-progress"]);
}

/// Our writers (child processes) and git's `update-ref` add distinct refs
/// at the same time, retrying on lock contention. Every ref a writer was told
/// is committed is there at the end, no lock is left, git verifies the stack.
/// `REFTABLE_STRESS_REFS=2000 cargo test --release --test stack stress` for a long run.
#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn concurrent_writers_ours_and_git() {
    let per_writer: usize = env_number("REFTABLE_STRESS_REFS", 40);
    let (_tmp, dir, c) = repo(HashId::Sha1, 1);
    let rt = dir.join(".git/reftable");
    let ours: Vec<_> = (0..2).map(|_| spawn_writer(&rt, &c[0], Some(per_writer))).collect();
    let gits: Vec<_> = (0..2)
        .map(|g| {
            let dir = dir.clone();
            let oid = c[0].clone();
            std::thread::spawn(move || {
                let mut done = Vec::new();
                for i in 0..per_writer {
                    let name = format!("refs/heads/git-{g}-{i}");
                    for attempt in 0.. {
                        let out = git(&dir).args(["update-ref", &name, &oid]).output().unwrap();
                        if out.status.success() {
                            done.push(name);
                            break;
                        }
                        let err = String::from_utf8_lossy(&out.stderr).to_string();
                        assert!(
                            attempt < 200 && (err.contains("lock") || err.contains("Lock")),
                            "git failed: {err}"
                        );
                    }
                }
                done
            })
        })
        .collect();
    // A reader reloading all the while: never an error, never a lost ref.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (rt, stop) = (rt.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut stack = Stack::open(&rt, Options::default()).unwrap();
            let (mut reloads, mut last) = (0, 0);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                stack.reload().unwrap();
                let n = stack
                    .merged()
                    .refs()
                    .unwrap()
                    .collect::<Result<Vec<_>, _>>()
                    .unwrap()
                    .len();
                assert!(n >= last, "refs went from {last} to {n}");
                last = n;
                reloads += 1;
            }
            reloads
        })
    };
    let mut committed = Vec::new();
    for child in ours {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        committed.extend(committed_refs(&String::from_utf8(out.stdout).unwrap()));
    }
    for g in gits {
        committed.extend(g.join().unwrap());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
    assert_eq!(committed.len(), 4 * per_writer);
    assert_all_present(&dir, &committed, "after the writers");
    let locks = stack_leftovers(&rt);
    assert!(locks.is_empty(), "left behind: {locks:?}");
    git_out(&dir, &["refs", "verify"]);
    git_out(&dir, &["fsck", "--no-progress"]);
}

/// Both at once: our writers (child processes adding refs and compacting)
/// are SIGKILLed at random moments while two git writers keep adding refs.
/// After each round, with git paused, a lock left by a killed writer is
/// reported to the next writer (`Error::Lock` naming it, never broken
/// silently) and then removed, as a user would; every ref any writer was
/// told is committed is there, both tools read the stack, and git verifies
/// it. `REFTABLE_STRESS_ROUNDS` raises the number of rounds.
#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn concurrent_writers_with_sigkills() {
    use rand::Rng;
    use std::io::Read;
    use std::sync::{atomic::AtomicBool, atomic::Ordering, Arc, Mutex, RwLock};
    let rounds: usize = env_number("REFTABLE_STRESS_ROUNDS", 6);
    let (_tmp, dir, c) = repo(HashId::Sha1, 1);
    let rt = dir.join(".git/reftable");
    let gate = Arc::new(RwLock::new(()));
    let stop = Arc::new(AtomicBool::new(false));
    let git_done = Arc::new(Mutex::new(Vec::new()));
    let gits: Vec<_> = (0..2)
        .map(|g| {
            let (dir, oid) = (dir.clone(), c[0].clone());
            let (gate, stop, git_done) = (gate.clone(), stop.clone(), git_done.clone());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let _open = gate.read().unwrap();
                    let name = format!("refs/heads/git-{g}-{i}");
                    let out = git(&dir).args(["update-ref", &name, &oid]).output().unwrap();
                    if out.status.success() {
                        git_done.lock().unwrap().push(name);
                        i += 1;
                    } else {
                        let err = String::from_utf8_lossy(&out.stderr).to_string();
                        assert!(err.contains("lock") || err.contains("Lock"), "git failed: {err}");
                        drop(_open);
                        std::thread::sleep(std::time::Duration::from_millis(2));
                    }
                }
            })
        })
        .collect();
    let mut rng = rand::thread_rng();
    let mut committed = Vec::new();
    let mut stale_reported = 0;
    for round in 0..rounds {
        let mut children: Vec<_> = (0..2).map(|_| spawn_writer(&rt, &c[0], None)).collect();
        for child in &mut children {
            std::thread::sleep(std::time::Duration::from_millis(rng.gen_range(30..200)));
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
        }
        for child in &mut children {
            let mut s = String::new();
            child.stdout.take().unwrap().read_to_string(&mut s).unwrap();
            committed.extend(committed_refs(&s));
        }
        // Pause git: any lock file now is stale.
        let _closed = gate.write().unwrap();
        let stale: Vec<PathBuf> = std::fs::read_dir(&rt)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "lock"))
            .collect();
        if stale.iter().any(|p| p.ends_with("tables.list.lock")) {
            let mut stack = Stack::open(
                &rt,
                Options {
                    lock_timeout_ms: 0,
                    ..Default::default()
                },
            )
            .unwrap();
            match add_ref(&mut stack, "refs/heads/blocked", &unhex(&c[0]), "x") {
                Err(Error::Lock { path, .. }) => assert!(path.ends_with("tables.list.lock")),
                other => panic!("round {round}: a stale lock must be reported, got {other:?}"),
            }
            stale_reported += 1;
        }
        for p in &stale {
            std::fs::remove_file(p).unwrap();
        }
        assert_all_present(
            &dir,
            committed.iter().chain(git_done.lock().unwrap().iter()),
            &format!("round {round}"),
        );
        git_out(&dir, &["refs", "verify"]);
    }
    stop.store(true, Ordering::Relaxed);
    for g in gits {
        g.join().unwrap();
    }
    let from_git = git_done.lock().unwrap().len();
    eprintln!(
        "{rounds} rounds: {} refs acknowledged by our killed writers, {from_git} by git, {stale_reported} stale locks reported",
        committed.len()
    );
    assert!(committed.len() > 5 && from_git > 5);
    let mut stack = Stack::open(&rt, Options::default()).unwrap();
    stack.clean().unwrap();
    add_ref(&mut stack, "refs/heads/after", &unhex(&c[0]), "after").unwrap();
    git_out(&dir, &["update-ref", "refs/heads/after-git", &c[0]]);
    git_out(&dir, &["fsck", "--no-progress"]);
}

/// Best effort: with the oldest table locked by another compaction, auto
/// compaction compacts the newer tables it could lock, and leaves the locked
/// one (and its lock) alone.
#[test]
fn best_effort_compaction_skips_locked_tables() {
    let dir = tempfile::tempdir().unwrap();
    let o = Options {
        disable_auto_compact: true,
        ..Default::default()
    };
    let mut stack = Stack::open(dir.path(), o).unwrap();
    for i in 0..4u8 {
        add_ref(&mut stack, &format!("refs/heads/b{i}"), &[i + 1; 20], "m").unwrap();
    }
    assert!(stack.compaction_required(true));
    let oldest = stack.table_names()[0].clone();
    let lock = dir.path().join(format!("{oldest}.lock"));
    std::fs::write(&lock, b"").unwrap();
    stack.auto_compact().unwrap();
    assert_eq!(stack.tables().len(), 2, "{:?}", stack.table_names());
    assert_eq!(stack.table_names()[0], oldest);
    assert!(lock.exists());
    // Without best effort (compact_all), the held lock is an error.
    assert!(matches!(stack.compact_all(None), Err(Error::Lock { .. })));
    assert_eq!(stack.stats().failures, 1);
    std::fs::remove_file(&lock).unwrap();
    stack.compact_all(None).unwrap();
    assert_eq!(stack.tables().len(), 1);
    assert_eq!(stack.merged().refs().unwrap().count(), 4);
}

/// A failed reload (here: a reordered tables.list naming a missing table)
/// keeps the previous view intact, without panicking.
#[test]
fn failed_reload_keeps_the_previous_view() {
    let dir = tempfile::tempdir().unwrap();
    let o = Options {
        disable_auto_compact: true,
        ..Default::default()
    };
    let mut stack = Stack::open(dir.path(), o).unwrap();
    for i in 0..3u8 {
        add_ref(&mut stack, &format!("refs/heads/b{i}"), &[i + 1; 20], "m").unwrap();
    }
    let names = stack.table_names().to_vec();
    let hostile = format!(
        "{}\n{}\n{}\n0x0000000000ff-0x0000000000ff-00000000.ref\n",
        names[2], names[0], names[1]
    );
    // Writers replace tables.list by renaming (a new inode), never in place.
    std::fs::write(dir.path().join("tables.list.new"), hostile).unwrap();
    std::fs::rename(dir.path().join("tables.list.new"), dir.path().join("tables.list")).unwrap();
    assert!(matches!(stack.reload(), Err(Error::MissingTable { .. })));
    assert_eq!(stack.table_names(), names.as_slice());
    assert_eq!(stack.merged().refs().unwrap().count(), 3);
}

/// An addition that auto-compaction would merge at once is written merged
/// (see `stack::Addition`): no table of its own is left anywhere, and a
/// table locked by a concurrent compaction makes it fall back to git's two
/// steps (addition, then best-effort compaction around the lock).
#[test]
fn addition_merged_at_commit_respects_locked_tables() {
    let dir = tempfile::tempdir().unwrap();
    let manual = Options {
        disable_auto_compact: true,
        ..Default::default()
    };
    let mut stack = Stack::open(dir.path(), manual).unwrap();
    for i in 0..3u8 {
        add_ref(&mut stack, &format!("refs/heads/b{i}"), &[i + 1; 20], "m").unwrap();
    }
    let oldest = stack.table_names()[0].clone();
    drop(stack);
    let mut stack = Stack::open(dir.path(), Options::default()).unwrap();

    let lock = dir.path().join(format!("{oldest}.lock"));
    std::fs::write(&lock, b"").unwrap();
    add_ref(&mut stack, "refs/heads/b3", &[4; 20], "m").unwrap();
    assert_eq!(stack.tables().len(), 2, "{:?}", stack.table_names());
    assert_eq!(stack.table_names()[0], oldest);
    assert!(lock.exists());

    std::fs::remove_file(&lock).unwrap();
    add_ref(&mut stack, "refs/heads/b4", &[5; 20], "m").unwrap();
    assert_eq!(stack.tables().len(), 1, "{:?}", stack.table_names());
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, [stack.table_names()[0].clone(), "tables.list".to_owned()]);
    assert!(stack.table_names()[0].starts_with("0x000000000001-0x000000000005-"));
    assert_eq!(stack.merged().refs().unwrap().count(), 5);
    assert_eq!(stack.merged().logs().unwrap().count(), 5);
}
