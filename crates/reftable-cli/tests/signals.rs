//! Termination signals in the middle of a write leave nothing behind, as
//! with git: SIGINT, SIGTERM and SIGHUP at several moments of a large
//! `update-ref --stdin` and of `pack-refs`. Each signal is sent once the
//! writer's lock file or temporary table exists (so it really arrives
//! mid-write); afterwards no lock or temporary file is left, the command
//! died of the signal, git's next writer succeeds with
//! `reftable.lockTimeout=0`, and `git refs verify` passes.
#![cfg(unix)]

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const SIGNALS: [(&str, i32); 3] = [("INT", 2), ("TERM", 15), ("HUP", 1)];

fn ours(dir: &Path) -> Command {
    let mut cmd = like_git(env!("CARGO_BIN_EXE_reftable"), dir);
    cmd.current_dir(dir).stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}

/// Whether the writer has a lock or a temporary table in the stack now.
fn in_flight(stack: &Path) -> bool {
    !stack_leftovers(stack).is_empty()
}

/// Runs `cmd` (with `input` on stdin), sends `signal` `delay` after its first
/// lock or temporary file appeared, and returns whether the signal arrived
/// while the write was in flight (the command had not finished by then).
fn signal_mid_write(
    cmd: &mut Command,
    input: Option<&[u8]>,
    stack: &Path,
    signal: (&str, i32),
    delay: Duration,
) -> bool {
    cmd.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.spawn().unwrap();
    let feeder = input.map(|data| {
        let mut pipe = child.stdin.take().unwrap();
        let data = data.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        })
    });
    let start = Instant::now();
    while !in_flight(stack) && start.elapsed() < Duration::from_secs(60) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    std::thread::sleep(delay);
    let running = child.try_wait().unwrap().is_none();
    let pid = child.id().to_string();
    Command::new("kill")
        .args([&format!("-{}", signal.0), &pid])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    if let Some(f) = feeder {
        f.join().unwrap();
    }
    if running {
        assert_eq!(status.signal(), Some(signal.1), "died of SIG{}: {status:?}", signal.0);
    }
    running
}

/// What must hold after each signal.
fn assert_clean(dir: &Path, what: &str) {
    let stack = dir.join(".git/reftable");
    assert_eq!(
        stack_leftovers(&stack),
        Vec::<String>::new(),
        "{what}: files left behind"
    );
    git_out(
        dir,
        &["-c", "reftable.lockTimeout=0", "update-ref", "refs/heads/after", "HEAD"],
    );
    git_out(dir, &["refs", "verify"]);
}

fn repo(tmp: &Path) -> (std::path::PathBuf, String) {
    let dir = git_init(tmp, "r", &["--ref-format=reftable"]);
    let id = make_commits(&dir, 1).remove(0);
    (dir, id)
}

fn creates(id: &str, n: usize, tag: &str) -> Vec<u8> {
    let mut s = String::with_capacity(n * 70);
    for i in 0..n {
        s.push_str(&format!("create refs/heads/{tag}{i:07} {id}\n"));
    }
    s.into_bytes()
}

#[test]
fn signals_during_update_ref_stdin_leave_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, id) = repo(tmp.path());
    let stack = dir.join(".git/reftable");
    let n = env_number("REFTABLE_SIGNAL_REFS", 300_000);
    let mut mid_write = 0;
    let mut runs = 0;
    for (round, delay_ms) in [0u64, 5, 50].into_iter().enumerate() {
        for signal in SIGNALS {
            // The bulk path (creates only) and the ordinary transaction (an update among them).
            for ordinary in [false, true] {
                let mut input = creates(&id, n, &format!("r{round}{}{}", signal.0, u8::from(ordinary)));
                if ordinary {
                    input.extend_from_slice(format!("update HEAD {id}\n").as_bytes());
                }
                let mut cmd = ours(&dir);
                cmd.args(["update-ref", "--stdin"]);
                runs += 1;
                mid_write += usize::from(signal_mid_write(
                    &mut cmd,
                    Some(&input),
                    &stack,
                    signal,
                    Duration::from_millis(delay_ms),
                ));
                assert_clean(&dir, &format!("update-ref --stdin, SIG{}, {delay_ms} ms", signal.0));
            }
        }
    }
    assert!(
        mid_write * 2 >= runs,
        "only {mid_write} of {runs} signals arrived mid-write"
    );
}

#[test]
fn signals_during_pack_refs_leave_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, id) = repo(tmp.path());
    let stack = dir.join(".git/reftable");
    let n = env_number("REFTABLE_SIGNAL_REFS", 300_000);
    git_stdin(
        &dir,
        &["update-ref", "--stdin"],
        std::str::from_utf8(&creates(&id, n, "big")).unwrap(),
    );
    let mut mid_write = 0;
    let mut runs = 0;
    for delay_ms in [0u64, 20] {
        for signal in SIGNALS {
            // A few small tables on top, so that there is something to compact.
            for i in 0..3 {
                git_out(
                    &dir,
                    &[
                        "update-ref",
                        &format!("refs/heads/small-{}-{delay_ms}-{i}", signal.0),
                        &id,
                    ],
                );
            }
            let mut cmd = ours(&dir);
            cmd.args(["pack-refs"]);
            runs += 1;
            mid_write += usize::from(signal_mid_write(
                &mut cmd,
                None,
                &stack,
                signal,
                Duration::from_millis(delay_ms),
            ));
            assert_clean(&dir, &format!("pack-refs, SIG{}, {delay_ms} ms", signal.0));
        }
    }
    assert!(
        mid_write * 2 >= runs,
        "only {mid_write} of {runs} signals arrived mid-write"
    );
}

/// SIGKILL: nothing can clean up, so the state is what git leaves: the stale
/// lock is named by the next writer with how to remove it, and once it is
/// removed, a compaction removes the tables that never made it into
/// `tables.list`.
#[test]
fn after_sigkill_the_stale_lock_is_named_and_leftover_tables_go_at_the_next_compaction() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, id) = repo(tmp.path());
    let stack = dir.join(".git/reftable");
    let listed_before = std::fs::read_to_string(stack.join("tables.list")).unwrap();
    let mut cmd = ours(&dir);
    cmd.args(["update-ref", "--stdin"]);
    let n = env_number("REFTABLE_SIGNAL_REFS", 300_000);
    assert!(signal_mid_write(
        &mut cmd,
        Some(&creates(&id, n, "k")),
        &stack,
        ("KILL", 9),
        Duration::ZERO
    ));
    let left = stack_leftovers(&stack);
    assert!(!left.is_empty(), "SIGKILL leaves the writer's files");
    // The next writer: git's error, naming the lock and what to do.
    let out = ours(&dir)
        .args(["-c", "reftable.lockTimeout=0", "update-ref", "refs/heads/next", &id])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(128));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("tables.list.lock") && stderr.contains("remove it"),
        "{stderr}"
    );
    // A person removes the stale lock (and the temporary files, as with git);
    // a table renamed into place but never listed stays until a compaction.
    for f in &left {
        std::fs::remove_file(stack.join(f)).unwrap();
    }
    let unlisted = stack.join("0x000000000009-0x000000000009-0badf00d.ref");
    std::fs::copy(stack.join(listed_before.lines().next().unwrap()), &unlisted).unwrap();
    let status = ours(&dir).args(["pack-refs"]).status().unwrap();
    assert!(status.success());
    assert!(
        !unlisted.exists(),
        "an unlisted table the stack has passed is removed by pack-refs"
    );
    assert_clean(&dir, "after SIGKILL");
}
