//! Several writers on one stack, ours and git's mixed, with git's lock
//! timeout: writers wait instead of failing, no reported success is lost,
//! a failure leaves nothing, and compare-and-swap updates let exactly one
//! writer win per old value.

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn ours(dir: &Path) -> Command {
    let mut cmd = like_git(env!("CARGO_BIN_EXE_reftable"), dir);
    cmd.current_dir(dir);
    cmd
}

/// Ours for even `k`, git for odd.
fn writer(dir: &Path, k: usize) -> Command {
    if k.is_multiple_of(2) {
        ours(dir)
    } else {
        git(dir)
    }
}

fn with_stdin(mut cmd: Command, input: Vec<u8>) -> std::thread::JoinHandle<Output> {
    std::thread::spawn(move || {
        use std::io::Write;
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&input).unwrap();
        child.wait_with_output().unwrap()
    })
}

fn repo(tmp: &Path) -> (PathBuf, String) {
    let dir = git_init(tmp, "r", &["--ref-format=reftable"]);
    let id = make_commits(&dir, 1).remove(0);
    (dir, id)
}

fn refs(dir: &Path) -> std::collections::BTreeMap<String, String> {
    git_out(dir, &["for-each-ref", "--format=%(refname) %(objectname)"])
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(a, b)| (a.to_owned(), b.to_owned())))
        .collect()
}

fn timed(mut cmd: Command) -> (Output, Duration) {
    let start = Instant::now();
    let out = cmd.output().unwrap();
    (out, start.elapsed())
}

#[test]
fn a_stale_lock_is_waited_for_as_long_as_git_waits() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, id) = repo(tmp.path());
    let lock = dir.join(".git/reftable/tables.list.lock");
    std::fs::write(&lock, b"").unwrap();
    git_out(&dir, &["config", "reftable.lockTimeout", "1500"]);
    let mut ours_cmd = ours(&dir);
    ours_cmd.args(["update-ref", "refs/heads/x", &id]);
    let (o, ours_took) = timed(ours_cmd);
    let mut git_cmd = git(&dir);
    git_cmd.args(["update-ref", "refs/heads/x", &id]);
    let (g, git_took) = timed(git_cmd);
    assert_eq!(o.status.code(), Some(128));
    assert_eq!(g.status.code(), Some(128));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("tables.list.lock") && stderr.contains("remove it"),
        "{stderr}"
    );
    assert!(
        ours_took >= Duration::from_millis(1400),
        "ours gave up after {ours_took:?}"
    );
    let diff = ours_took.abs_diff(git_took);
    assert!(
        diff < Duration::from_millis(1000),
        "ours {ours_took:?}, git {git_took:?}"
    );

    // -c on the command line wins over the repository's configuration; 0 tries once.
    let mut c = ours(&dir);
    c.args(["-c", "reftable.lockTimeout=0", "update-ref", "refs/heads/x", &id]);
    let (o, took) = timed(c);
    assert_eq!(o.status.code(), Some(128));
    assert!(
        took < Duration::from_millis(1000),
        "-c reftable.lockTimeout=0 waited {took:?}"
    );

    // Negative: wait for as long as it takes; here until another process lets go.
    git_out(&dir, &["config", "reftable.lockTimeout", "-1"]);
    let remover = {
        let lock = lock.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(700));
            std::fs::remove_file(lock).unwrap();
        })
    };
    let mut c = ours(&dir);
    c.args(["update-ref", "refs/heads/x", &id]);
    let (o, took) = timed(c);
    remover.join().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(took >= Duration::from_millis(650), "did not wait: {took:?}");
    assert_eq!(refs(&dir).get("refs/heads/x"), Some(&id));
    git_out(&dir, &["refs", "verify"]);
}

#[test]
fn concurrent_batches_and_single_updates_all_land() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, id) = repo(tmp.path());
    git_out(&dir, &["config", "reftable.lockTimeout", "30000"]);
    let n = env_number("REFTABLE_CONTENTION_REFS", 20_000);
    // Six batches (three ours, three git's) of creates, all at once.
    let batches: Vec<_> = (0..6)
        .map(|k| {
            let mut input = String::new();
            for i in 0..n {
                input.push_str(&format!("create refs/heads/b{k}/{i:06} {id}\n"));
            }
            let mut cmd = writer(&dir, k);
            cmd.args(["update-ref", "--stdin"]);
            with_stdin(cmd, input.into_bytes())
        })
        .collect();
    // And four loops of single updates alongside.
    let singles: Vec<_> = (0..4)
        .map(|k| {
            let dir = dir.clone();
            let id = id.clone();
            std::thread::spawn(move || {
                let mut landed = Vec::new();
                for i in 0..15 {
                    let name = format!("refs/heads/s{k}/{i}");
                    let out = writer(&dir, k).args(["update-ref", &name, &id]).output().unwrap();
                    assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
                    landed.push(name);
                }
                landed
            })
        })
        .collect();
    for (k, b) in batches.into_iter().enumerate() {
        let out = b.join().unwrap();
        assert!(
            out.status.success(),
            "batch {k}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Every writer done before the refs are read.
    let landed: Vec<String> = singles.into_iter().flat_map(|s| s.join().unwrap()).collect();
    let all = refs(&dir);
    for name in landed {
        assert_eq!(all.get(&name), Some(&id), "{name} lost");
    }
    for k in 0..6 {
        let count = all
            .keys()
            .filter(|r| r.starts_with(&format!("refs/heads/b{k}/")))
            .count();
        assert_eq!(count, n, "batch {k}");
    }
    assert_eq!(stack_leftovers(&dir.join(".git/reftable")), Vec::<String>::new());
    git_out(&dir, &["refs", "verify"]);
}

#[test]
fn compare_and_swap_lets_exactly_one_writer_win_per_old_value() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, _) = repo(tmp.path());
    git_out(&dir, &["config", "reftable.lockTimeout", "30000"]);
    let ids = make_commits(&dir, 9);
    git_out(&dir, &["update-ref", "refs/heads/cas", &ids[0]]);
    let mut old = ids[0].clone();
    for round in 0..4 {
        // Up to eight writers, ours and git's, each moving refs/heads/cas from `old` to its own value.
        let racers: Vec<_> = (0..8)
            .filter(|&k| ids[k + 1] != old)
            .map(|k| {
                let mut cmd = writer(&dir, k + round);
                cmd.args(["update-ref", "refs/heads/cas", &ids[k + 1], &old]);
                (k, std::thread::spawn(move || cmd.output().unwrap().status.success()))
            })
            .collect();
        let won: Vec<usize> = racers
            .into_iter()
            .filter_map(|(k, r)| r.join().unwrap().then_some(k))
            .collect();
        assert_eq!(won.len(), 1, "round {round}: winners {won:?}");
        let now = refs(&dir)["refs/heads/cas"].clone();
        assert_eq!(now, ids[won[0] + 1], "round {round}: the winner's value");
        old = now;
    }
    git_out(&dir, &["refs", "verify"]);
}
