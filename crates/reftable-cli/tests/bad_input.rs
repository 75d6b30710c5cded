//! Bad input on the way in: a `tables.list` with garbage or paths, a
//! symlinked `reftable/` directory, ref names with control characters or
//! `..`, enormous names and messages. Each is refused with a typed error,
//! the stack is unchanged and nothing is written outside `reftable/`.

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use gix_ref::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix_ref::{FullName, Target};
use reftable::store::{Error, Store};

fn repo(tmp: &Path) -> (PathBuf, gix_hash::ObjectId) {
    git_init(tmp, "repo", &["--ref-format=reftable"]);
    let dir = tmp.join("repo");
    git_out(&dir, &["commit", "-q", "--allow-empty", "-m", "c"]);
    let id = git_out(&dir, &["rev-parse", "HEAD"]);
    (dir, gix_hash::ObjectId::from_hex(id.trim().as_bytes()).unwrap())
}

/// Every file under `dir` with its content.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                todo.push(e.path());
            } else if t.is_file() {
                out.insert(e.path(), std::fs::read(e.path()).unwrap());
            } else {
                out.insert(e.path(), b"<link>".to_vec());
            }
        }
    }
    out
}

fn update(name: FullName, id: gix_hash::ObjectId, message: &str) -> RefEdit {
    RefEdit {
        change: Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: true,
                message: message.into(),
            },
            expected: PreviousValue::Any,
            new: Target::Object(id),
        },
        name,
        deref: false,
    }
}

fn apply(store: &Store, edits: Vec<RefEdit>) -> Result<(), Error> {
    let sig = gix_actor::Signature {
        name: "B".into(),
        email: "b@example.com".into(),
        time: gix_date::Time::new(1_700_000_000, 0),
    };
    let mut buf = gix_date::parse::TimeBuf::default();
    store
        .transaction()
        .prepare(edits, gix_lock::acquire::Fail::Immediately)?
        .commit(Some(sig.to_ref(&mut buf)))
        .map(drop)
}

#[test]
fn hostile_tables_list_is_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, id) = repo(tmp.path());
    let list = dir.join(".git/reftable/tables.list");
    let good = std::fs::read(&list).unwrap();
    let table = String::from_utf8(good.clone())
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let contents: Vec<Vec<u8>> = vec![
        b"\x00\x01\x02garbage\xff\xfe\n".to_vec(),
        b"../x\n".to_vec(),
        format!("{table}\n../../outside.ref\n").into_bytes(),
        b"sub/0x000000000001-0x000000000001-00000000.ref\n".to_vec(),
        b"/etc/passwd\n".to_vec(),
        b"..\n".to_vec(),
        b"a\\b.ref\n".to_vec(),
        b"tables.list\n".to_vec(),
        b"0x000000000001-0x000000000002-deadbeef.ref\n".to_vec(),
        format!("{table}\n{table}.lock\n").into_bytes(),
    ];
    for content in contents {
        std::fs::write(&list, &content).unwrap();
        let before = tree(tmp.path());
        let what = String::from_utf8_lossy(&content).into_owned();
        let err = match Store::at(&dir.join(".git"), gix_hash::Kind::Sha1) {
            Err(e) => e,
            Ok(store) => {
                let e = store.try_find("refs/heads/main").err();
                let w = apply(&store, vec![update("refs/heads/x".try_into().unwrap(), id, "m")]).err();
                e.or(w).unwrap_or_else(|| panic!("{what:?} accepted"))
            }
        };
        let msg = err.to_string();
        assert!(msg.contains("tables.list") || msg.contains(".ref"), "{what:?}: {msg}");
        assert!(tree(tmp.path()) == before, "{what:?}: files changed");
        // The command: a fatal error, not a panic.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_reftable"))
            .args(["-C", dir.to_str().unwrap(), "show-ref"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(128), "{what:?}");
    }
    std::fs::write(&list, good).unwrap();
    git_out(&dir, &["refs", "verify"]);
}

#[cfg(unix)]
#[test]
fn a_symlinked_stack_directory_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, id) = repo(tmp.path());
    let outside = tmp.path().join("outside");
    std::fs::rename(dir.join(".git/reftable"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join(".git/reftable")).unwrap();
    let before = tree(&outside);
    match Store::at(&dir.join(".git"), gix_hash::Kind::Sha1) {
        Err(Error::Stack(reftable::stack::Error::Symlink { path })) => assert!(path.ends_with("reftable")),
        other => panic!("expected a symlink error, got {other:?}"),
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_reftable"))
        .args([
            "-C",
            dir.to_str().unwrap(),
            "update-ref",
            "refs/heads/x",
            &id.to_string(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(128));
    assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic link"));
    assert!(tree(&outside) == before, "nothing written through the link");
}

#[test]
fn bad_ref_names_and_enormous_input_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, id) = repo(tmp.path());
    let store = Store::at(&dir.join(".git"), gix_hash::Kind::Sha1).unwrap();
    let before = tree(tmp.path());
    let names = [
        "refs/heads/a\u{1}b",
        "refs/heads/a\u{7f}b",
        "refs/heads/a\nb",
        "refs/heads/a\tb",
        "refs/heads/a..b",
        "refs/heads/../../x",
        "../x",
        "refs/heads/x.lock",
        "refs/heads/a b",
        "refs/heads/a:b",
        "refs/heads/a~1",
        "refs/heads/",
        "refs//heads",
    ];
    for n in names {
        // gix refuses to build the name; the store refuses it even if it were built.
        assert!(FullName::try_from(n).is_err(), "{n:?} is a valid FullName?");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_reftable"))
            .args(["-C", dir.to_str().unwrap(), "update-ref", n, &id.to_string()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(128), "{n:?}");
        let g = git(&dir).args(["update-ref", n, &id.to_string()]).output().unwrap();
        assert_eq!(g.status.code(), Some(128), "git accepts {n:?}?");
    }
    // Enormous names: longer than a block holds. A typed error, nothing written.
    let huge = format!("refs/heads/{}", "n".repeat(8000));
    let after_sym = tree(tmp.path());
    match apply(&store, vec![update(huge.as_str().try_into().unwrap(), id, "m")]) {
        Err(e) => assert!(e.to_string().contains("does not fit"), "{}", &e.to_string()[..80]),
        Ok(()) => panic!("an 8,000-byte name was written"),
    }
    assert!(tree(tmp.path()) == after_sym, "a failed write changed files");
    // An enormous message: git keeps half a block of it (2,048 bytes with the
    // default 4 KiB blocks) so that the log record fits; so do we.
    let message = "m".repeat(100_000);
    apply(
        &store,
        vec![update("refs/heads/long".try_into().unwrap(), id, &message)],
    )
    .unwrap();
    git(&dir)
        .args([
            "update-ref",
            "--create-reflog",
            "-m",
            &message,
            "refs/heads/long-git",
            &id.to_string(),
        ])
        .status()
        .unwrap();
    let ours = git_out(&dir, &["reflog", "show", "--format=%gs", "refs/heads/long"]);
    let theirs = git_out(&dir, &["reflog", "show", "--format=%gs", "refs/heads/long-git"]);
    assert_eq!(ours.trim().len(), 2048);
    assert!(ours == theirs);
    git_out(&dir, &["refs", "verify"]);
    assert!(before.len() <= tree(tmp.path()).len());
}

/// Runs our command with a time limit; returns its exit code, stderr, and how long it took.
#[cfg(unix)]
fn ours_limited(dir: &Path, args: &[&str]) -> (Option<i32>, String, std::time::Duration) {
    use std::process::{Command, Stdio};
    let start = std::time::Instant::now();
    // GNU time, where installed, reports the peak resident size on stderr's last line.
    let time = Path::new("/usr/bin/time");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.args(["-f", "peak-kb %M"]).arg(env!("CARGO_BIN_EXE_reftable"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_reftable"))
    };
    let mut child = cmd
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", "/nonexistent")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(10) {
            child.kill().unwrap();
            panic!("{args:?} still running after 10 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let out = child.wait_with_output().unwrap();
    let mut stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let took = start.elapsed();
    if let Some(at) = stderr.rfind("peak-kb ") {
        let kb: u64 = stderr[at + 8..].trim().parse().unwrap();
        assert!(kb < 32 * 1024, "{args:?} grew to {kb} KiB");
        stderr.truncate(at);
    }
    let code = match out.status.code() {
        // GNU time reports a child's nonzero exit as "Command exited with non-zero status N".
        Some(c) if time.exists() => {
            if let Some(at) = stderr.rfind("Command exited with non-zero status") {
                stderr.truncate(at);
            }
            Some(c)
        }
        c => c,
    };
    (code, stderr, took)
}

/// `tables.list`, a table, `HEAD` or `config` that is a FIFO, a device
/// (`/dev/zero` through a symbolic link) or absurdly large: a named error at
/// once, never a hang or an allocation of what the file claims (git blocks
/// on the FIFOs and some of the devices).
#[cfg(unix)]
#[test]
fn special_and_oversized_files_are_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, _) = repo(tmp.path());
    let stack = dir.join(".git/reftable");
    let list = stack.join("tables.list");
    let good_list = std::fs::read(&list).unwrap();
    let table = stack.join(String::from_utf8(good_list.clone()).unwrap().lines().next().unwrap());
    let good_table = std::fs::read(&table).unwrap();
    let mkfifo = |p: &Path| {
        assert!(std::process::Command::new("mkfifo").arg(p).status().unwrap().success());
    };
    let dev_zero = |p: &Path| std::os::unix::fs::symlink("/dev/zero", p).unwrap();
    let huge = |p: &Path| {
        let f = std::fs::File::create(p).unwrap();
        f.set_len(reftable::core::file::MAX_TABLES_LIST + 1).unwrap(); // sparse
    };
    type Make<'a> = (&'a str, &'a dyn Fn(&Path));
    let makes: [Make; 3] = [
        ("a FIFO", &mkfifo),
        ("a device", &dev_zero),
        ("bytes, more than", &huge),
    ];
    let commands: [&[&str]; 3] = [
        &["show-ref"],
        &["update-ref", "refs/heads/x", "HEAD"],
        &["for-each-ref"],
    ];
    for (what, make) in makes {
        for (victim, good) in [(&list, &good_list), (&table, &good_table)] {
            if victim == &table && what.starts_with("bytes") {
                continue; // a sparse 64 MiB table is a legal size; its content is checked instead
            }
            std::fs::remove_file(victim).unwrap();
            make(victim);
            for args in commands {
                let (code, stderr, took) = ours_limited(&dir, args);
                assert_eq!(code, Some(128), "{args:?} with {} {what}: {stderr}", victim.display());
                assert!(stderr.contains(what), "{args:?}: {stderr}");
                assert!(
                    stderr.contains(&*victim.file_name().unwrap().to_string_lossy()),
                    "{stderr}"
                );
                assert!(took < std::time::Duration::from_secs(2), "{args:?} took {took:?}");
            }
            // The library: the same named error.
            let err = Store::at(&dir.join(".git"), gix_hash::Kind::Sha1)
                .and_then(|s| s.try_find("refs/heads/main").map(drop))
                .unwrap_err();
            assert!(err.to_string().contains(what), "{err}");
            std::fs::remove_file(victim).unwrap();
            std::fs::write(victim, good).unwrap();
        }
    }
    for name in ["HEAD", "config"] {
        let path = dir.join(".git").join(name);
        let saved = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        for (what, make) in [("a FIFO", &mkfifo as &dyn Fn(&Path)), ("a device", &dev_zero)] {
            make(&path);
            for args in commands {
                let (code, stderr, took) = ours_limited(&dir, args);
                assert_eq!(code, Some(128), "{args:?} with {name} {what}: {stderr}");
                assert!(stderr.contains(what) && stderr.contains(name), "{stderr}");
                assert!(took < std::time::Duration::from_secs(2), "{args:?} took {took:?}");
            }
            std::fs::remove_file(&path).unwrap();
        }
        std::fs::write(&path, saved).unwrap();
    }
    git_out(&dir, &["refs", "verify"]);
}
