//! We write, git reads: tables from our writer are placed in the stack of a
//! repository made by `git init --ref-format=reftable`, and git's plumbing
//! must see exactly what we wrote.

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::path::Path;

use common::*;
use reftable_core::format::{HashId, LogRecord, LogUpdate, LogValue, RefRecord, RefValue, Table, WriteOptions, Writer};

fn max_update_index(git_dir: &Path) -> u64 {
    stack_tables(git_dir)
        .iter()
        .map(|p| Table::open(p).unwrap().max_update_index())
        .max()
        .unwrap_or(0)
}

fn check(hash: HashId, opts: WriteOptions, topics: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    git_init(
        tmp.path(),
        "repo",
        &["--ref-format=reftable", &format!("--object-format={}", hash.name())],
    );
    let commits = make_commits(&dir, 4);
    git_out(&dir, &["tag", "-a", "-m", "release", "v1", &commits[1]]);
    git_out(&dir, &["branch", "old", &commits[0]]);
    let tag = git_out(&dir, &["rev-parse", "refs/tags/v1"]).trim().to_string();
    let git_dir = dir.join(".git");
    let min = max_update_index(&git_dir) + 1;
    let max = min + 2;

    let c = |i: usize| unhex(&commits[i]);
    let mut refs = vec![
        RefRecord {
            name: b"HEAD".to_vec(),
            update_index: min,
            value: RefValue::Symref(b"refs/heads/main".to_vec()),
        },
        RefRecord {
            name: b"refs/heads/feature".to_vec(),
            update_index: min,
            value: RefValue::Val1(c(2)),
        },
        RefRecord {
            name: b"refs/heads/main".to_vec(),
            update_index: max,
            value: RefValue::Val1(c(3)),
        },
        RefRecord {
            name: b"refs/heads/old".to_vec(),
            update_index: min + 1,
            value: RefValue::Deletion,
        },
        RefRecord {
            name: b"refs/remotes/origin/HEAD".to_vec(),
            update_index: min,
            value: RefValue::Symref(b"refs/heads/feature".to_vec()),
        },
        RefRecord {
            name: b"refs/tags/light".to_vec(),
            update_index: min,
            value: RefValue::Val1(c(0)),
        },
        RefRecord {
            name: b"refs/tags/v1".to_vec(),
            update_index: min,
            value: RefValue::Val2 {
                value: unhex(&tag),
                peeled: c(1),
            },
        },
    ];
    for i in 0..topics {
        refs.push(RefRecord {
            name: format!("refs/heads/topic/{i:05}").into_bytes(),
            update_index: min + (i as u64 % 3),
            value: RefValue::Val1(c(i % 4)),
        });
    }
    refs.sort_by(|a, b| a.name.cmp(&b.name));
    let entry = |ui: u64, old: usize, new: usize, msg: &str| LogRecord {
        name: b"refs/heads/main".to_vec(),
        update_index: ui,
        value: LogValue::Update(LogUpdate {
            old_id: c(old),
            new_id: c(new),
            name: b"Our Writer".to_vec(),
            email: b"writer@example.com".to_vec(),
            time: 1_800_000_000 + ui,
            tz_offset: -230,
            message: msg.as_bytes().to_vec(),
        }),
    };
    let logs = vec![
        entry(max, 2, 3, "commit: from reftable-rs"),
        entry(min + 1, 1, 2, "reset: moving to HEAD~1\n"),
        entry(min, 3, 1, "rebase: one"),
    ];

    let mut w = Writer::new(Vec::new(), WriteOptions { hash, ..opts }).unwrap();
    w.set_limits(min, max).unwrap();
    for r in &refs {
        w.add_ref(&r.as_ref()).unwrap();
    }
    for l in &logs {
        w.add_log(&l.as_ref()).unwrap();
    }
    let (bytes, stats) = w.finish().unwrap();
    if topics > 1000 && !opts.skip_index_objects {
        assert!(stats.refs.index_blocks > 0 && stats.objs.entries > 0, "{stats:?}");
    }
    let name = format!("0x{min:012x}-0x{max:012x}-{:08x}.ref", 0x1234_5678u32);
    std::fs::write(git_dir.join("reftable").join(&name), bytes).unwrap();
    let list = git_dir.join("reftable/tables.list");
    let mut tables = std::fs::read_to_string(&list).unwrap();
    tables.push_str(&name);
    tables.push('\n');
    std::fs::write(&list, tables).unwrap();

    // git for-each-ref sees exactly our refs (deletion honoured).
    let mut want = String::new();
    let lookup = |n: &[u8]| refs.iter().find(|r| r.name == n).unwrap().value.clone();
    for r in &refs {
        if !r.name.starts_with(b"refs/") {
            continue;
        }
        let (oid, peeled, sym) = match &r.value {
            RefValue::Deletion => continue,
            RefValue::Val1(v) => (hex(v), String::new(), String::new()),
            RefValue::Val2 { value, peeled } => (hex(value), hex(peeled), String::new()),
            RefValue::Symref(t) => (
                hex(lookup(t).object_id().unwrap()),
                String::new(),
                String::from_utf8_lossy(t).into_owned(),
            ),
        };
        want += &format!("{} {oid} {peeled} {sym}\n", String::from_utf8_lossy(&r.name));
    }
    let got = git_out(
        &dir,
        &[
            "for-each-ref",
            "--format=%(refname) %(objectname) %(*objectname) %(symref)",
        ],
    );
    assert_lines_eq(&got, &want, "for-each-ref");
    // git show-ref --head
    let show = git_out(&dir, &["show-ref", "--head"]);
    assert_eq!(show.lines().next().unwrap(), format!("{} HEAD", commits[3]));
    assert_eq!(show.lines().count(), want.lines().count() + 1);
    assert_eq!(git_out(&dir, &["symbolic-ref", "HEAD"]), "refs/heads/main\n");
    assert!(
        git(&dir)
            .args(["show-ref", "--verify", "-q", "refs/heads/old"])
            .status()
            .unwrap()
            .code()
            == Some(1)
    );
    // git reflog: our three entries first, newest first, then git's own.
    let reflog = git_out(
        &dir,
        &[
            "reflog",
            "show",
            "--date=raw",
            "--no-abbrev-commit",
            "--format=%gD %H %gn <%ge> %gs",
            "refs/heads/main",
        ],
    );
    let expect = [
        format!(
            "refs/heads/main@{{{} -0230}} {} Our Writer <writer@example.com> commit: from reftable-rs",
            1_800_000_000 + max,
            commits[3]
        ),
        format!(
            "refs/heads/main@{{{} -0230}} {} Our Writer <writer@example.com> reset: moving to HEAD~1",
            1_800_000_000 + min + 1,
            commits[2]
        ),
        format!(
            "refs/heads/main@{{{} -0230}} {} Our Writer <writer@example.com> rebase: one",
            1_800_000_000 + min,
            commits[1]
        ),
    ];
    let lines: Vec<&str> = reflog.lines().collect();
    assert_eq!(&lines[..3], &expect[..]);
    assert!(lines.len() > 3, "git's own entries are still there below ours");
    git_out(&dir, &["refs", "verify"]);
    git_out(&dir, &["fsck", "--no-progress"]);
    // Git can build on our table, and compacting it keeps everything.
    git_out(&dir, &["update-ref", "refs/heads/after", &commits[0]]);
    git_out(&dir, &["pack-refs"]);
    let after = git_out(
        &dir,
        &[
            "for-each-ref",
            "--format=%(refname) %(objectname) %(*objectname) %(symref)",
        ],
    );
    assert_eq!(after.lines().count(), want.lines().count() + 1);
    assert!(after.contains(&format!("refs/heads/after {} ", commits[0])));
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn git_reads_our_sha1_tables() {
    check(HashId::Sha1, WriteOptions::default(), 10);
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn git_reads_our_sha256_tables() {
    check(HashId::Sha256, WriteOptions::default(), 10);
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn git_reads_our_indexed_tables() {
    // Enough refs for a ref index, an obj index and several index levels.
    check(
        HashId::Sha1,
        WriteOptions {
            block_size: 1024,
            restart_interval: 4,
            ..Default::default()
        },
        3000,
    );
    check(
        HashId::Sha256,
        WriteOptions {
            block_size: 1024,
            ..Default::default()
        },
        3000,
    );
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn git_reads_our_unpadded_and_unindexed_tables() {
    check(
        HashId::Sha1,
        WriteOptions {
            unpadded: true,
            skip_index_objects: true,
            block_size: 2048,
            ..Default::default()
        },
        1500,
    );
}
