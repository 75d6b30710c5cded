//! The stack on a disk that refuses writes: a read-only `reftable/`
//! directory, and a full file system (a small tmpfs mounted over
//! `reftable/`). Reads keep working, writes fail with an error that names
//! the file, nothing is left behind and nothing a user wrote is lost. Both
//! need root here (`chattr +i`, `mount`); where that is not possible they
//! print why and pass.
#![cfg(target_os = "linux")]

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

fn ours(dir: &Path, args: &[&str], stdin: Option<&str>) -> (i32, String) {
    use std::io::Write;
    use std::process::Stdio;
    let mut cmd = like_git(env!("CARGO_BIN_EXE_reftable"), dir);
    let mut child = cmd
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = stdin.unwrap_or("").to_owned();
    let mut pipe = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn repo(tmp: &Path) -> (PathBuf, String) {
    let dir = git_init(tmp, "r", &["--ref-format=reftable"]);
    let id = make_commits(&dir, 1).remove(0);
    (dir, id)
}

fn refs(dir: &Path) -> String {
    git_out(dir, &["for-each-ref", "--format=%(refname) %(objectname)"])
}

/// Runs `cmd` and says whether it succeeded (false when it cannot run at all).
fn try_run(cmd: &mut Command) -> bool {
    cmd.output().is_ok_and(|o| o.status.success())
}

struct Immutable(PathBuf);
impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn a_read_only_stack_reads_and_refuses_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, id) = repo(tmp.path());
    let stack = dir.join(".git/reftable");
    let before = dir_files(&stack);
    let refs_before = refs(&dir);
    if !try_run(Command::new("chattr").arg("+i").arg(&stack)) {
        eprintln!("skipped: chattr +i is not possible here");
        return;
    }
    let _guard = Immutable(stack.clone());
    // Reads work.
    let (code, stderr) = ours(&dir, &["show-ref"], None);
    assert_eq!(code, 0, "{stderr}");
    let store = reftable::Store::at(&dir.join(".git"), gix_hash::Kind::Sha1).unwrap();
    assert!(store.try_find("refs/heads/main").unwrap().is_some());
    // Writes fail, naming the lock they could not create.
    for (args, stdin) in [
        (&["update-ref", "refs/heads/x", &id][..], None),
        (
            &["update-ref", "--stdin"][..],
            Some(format!("create refs/heads/y {id}\n")),
        ),
        (&["symbolic-ref", "refs/heads/s", "refs/heads/main"][..], None),
        (&["pack-refs"][..], None),
    ] {
        let (code, stderr) = ours(&dir, args, stdin.as_deref());
        assert_ne!(code, 0, "{args:?} succeeded on a read-only stack");
        assert!(stderr.contains("tables.list.lock"), "{args:?}: {stderr}");
    }
    drop(_guard);
    assert!(dir_files(&stack) == before, "nothing changed");
    assert_eq!(refs(&dir), refs_before);
    git_out(&dir, &["refs", "verify"]);
}

struct Mounted(PathBuf);
impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_fails_a_write_with_nothing_lost_or_left() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, id) = repo(tmp.path());
    let stack = dir.join(".git/reftable");
    let saved = dir_files(&stack);
    if !try_run(
        Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
            .arg(&stack),
    ) {
        eprintln!("skipped: cannot mount a tmpfs here");
        return;
    }
    let _guard = Mounted(stack.clone());
    for (name, bytes) in &saved {
        std::fs::write(stack.join(name), bytes).unwrap();
    }
    let refs_before = refs(&dir);
    // Far more than 256 KiB of refs: every path (the bulk import, the ordinary
    // transaction, a compaction) runs out of space.
    let mut script = String::new();
    for i in 0..20_000 {
        script.push_str(&format!("create refs/heads/full/{i:06} {id}\n"));
    }
    let mut ordinary = script.clone();
    ordinary.push_str(&format!("update HEAD {id}\n"));
    for input in [&script, &ordinary] {
        let (code, stderr) = ours(&dir, &["update-ref", "--stdin"], Some(input));
        assert_eq!(code, 128, "{stderr}");
        assert!(stderr.contains("No space left on device"), "{stderr}");
        assert!(stderr.contains(&*stack.to_string_lossy()), "names the file: {stderr}");
        assert_eq!(stack_leftovers(&stack), Vec::<String>::new());
        assert_eq!(refs(&dir), refs_before, "nothing written, nothing lost");
    }
    // A small write still fits, and git reads it.
    let (code, stderr) = ours(&dir, &["update-ref", "refs/heads/small", &id], None);
    assert_eq!(code, 0, "{stderr}");
    git_out(&dir, &["refs", "verify"]);
    assert!(refs(&dir).contains("refs/heads/small"));
}
