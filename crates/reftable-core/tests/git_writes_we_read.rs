//! Git writes, we read: every table of every git-made fixture is decoded and
//! the refs and reflogs it describes are compared with what git prints.

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;

use common::*;
use reftable_core::format::{LogValue, RefValue, Table};

/// Refs and logs of a stack, merged naively (newest table wins, deletions
/// remove) from per-table reads: a check of the table reader only.
struct Merged {
    refs: BTreeMap<Vec<u8>, RefValue>,
    logs: BTreeMap<(Vec<u8>, std::cmp::Reverse<u64>), reftable_core::format::LogUpdate>,
}

fn read_stack(git_dir: &std::path::Path) -> Merged {
    let mut m = Merged {
        refs: BTreeMap::new(),
        logs: BTreeMap::new(),
    };
    for path in stack_tables(git_dir) {
        let t = Table::open(&path).unwrap();
        for r in t.refs().unwrap() {
            let r = r.unwrap();
            assert!(r.update_index >= t.min_update_index() && r.update_index <= t.max_update_index());
            match r.value {
                RefValue::Deletion => m.refs.remove(&r.name),
                v => m.refs.insert(r.name, v),
            };
        }
        for l in t.logs().unwrap() {
            let l = l.unwrap();
            let key = (l.name, std::cmp::Reverse(l.update_index));
            match l.value {
                LogValue::Deletion => m.logs.remove(&key),
                LogValue::Update(u) => m.logs.insert(key, u),
            };
        }
        // Every block is well-formed and keys are ordered.
        for b in t.blocks() {
            b.unwrap();
        }
    }
    m
}

fn resolve<'a>(refs: &'a BTreeMap<Vec<u8>, RefValue>, name: &[u8]) -> Option<&'a [u8]> {
    let mut name = name.to_vec();
    for _ in 0..5 {
        match refs.get(&name)? {
            RefValue::Symref(t) => name = t.clone(),
            v => return v.object_id(),
        }
    }
    None
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn refs_match_git_for_each_ref() {
    for repo in fixture_repos() {
        let (_tmp, dir) = fixture_copy(&repo);
        let m = read_stack(&dir);
        let git = git_out(
            &dir,
            &[
                "for-each-ref",
                "--format=%(refname) %(objectname) %(*objectname) %(symref)",
            ],
        );
        let mut ours = String::new();
        for (name, v) in &m.refs {
            if !name.starts_with(b"refs/") {
                continue;
            }
            let oid = resolve(&m.refs, name).map(hex).unwrap_or_default();
            let (peeled, symref) = match v {
                RefValue::Val2 { peeled, .. } => (hex(peeled), String::new()),
                RefValue::Symref(t) => (String::new(), String::from_utf8_lossy(t).into_owned()),
                _ => (String::new(), String::new()),
            };
            ours += &format!("{} {oid} {peeled} {symref}\n", String::from_utf8_lossy(name));
        }
        assert_lines_eq(&ours, &git, &repo);
        assert!(
            ours.lines().count() >= 8,
            "{repo} has too few refs to be a useful fixture"
        );
        // HEAD
        let head = git_out(&dir, &["symbolic-ref", "HEAD"]);
        match m.refs.get(&b"HEAD"[..]) {
            Some(RefValue::Symref(t)) => assert_eq!(format!("{}\n", String::from_utf8_lossy(t)), head),
            other => panic!("{repo}: HEAD is {other:?}"),
        }
    }
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn reflogs_match_git_reflog() {
    for repo in fixture_repos() {
        let (_tmp, dir) = fixture_copy(&repo);
        let m = read_stack(&dir);
        let mut names: Vec<Vec<u8>> = m.logs.keys().map(|(n, _)| n.clone()).collect();
        names.dedup();
        let git_list = git_out(&dir, &["reflog", "list"]);
        let mut git_names: Vec<&str> = git_list.lines().collect();
        git_names.sort();
        let ours: Vec<String> = names.iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect();
        assert_eq!(ours, git_names, "{repo}: refs with reflogs");
        let mut entries = 0;
        // One git process per ref: sample large repositories evenly.
        let step = (ours.len() / 40).max(1);
        for name in ours.iter().step_by(step) {
            // `git reflog show` walks commits: it silently skips entries whose
            // new value is a tag object, so it cannot judge tag reflogs.
            if name.starts_with("refs/tags/") {
                continue;
            }
            let git = git_out(
                &dir,
                &[
                    "reflog",
                    "show",
                    "--date=raw",
                    "--no-abbrev-commit",
                    "--format=%gD %H %gn <%ge> %gs",
                    name,
                ],
            );
            let mut mine = String::new();
            let mut i = 0;
            for ((n, _), u) in m.logs.range((name.as_bytes().to_vec(), std::cmp::Reverse(u64::MAX))..) {
                if n != name.as_bytes() {
                    break;
                }
                if u.new_id.iter().all(|&b| b == 0) {
                    continue; // git does not show entries of a deletion
                }
                let tz = u.tz_offset;
                let msg = String::from_utf8_lossy(&u.message);
                mine += &format!(
                    "{name}@{{{} {}{:04}}} {} {} <{}> {}\n",
                    u.time,
                    if tz < 0 { '-' } else { '+' },
                    tz.unsigned_abs(),
                    hex(&u.new_id),
                    String::from_utf8_lossy(&u.name),
                    String::from_utf8_lossy(&u.email),
                    msg.trim_end_matches('\n')
                );
                i += 1;
            }
            entries += i;
            assert_lines_eq(&mine, &git, &format!("{repo}: reflog of {name}"));
        }
        assert!(entries > 0, "{repo}");
    }
}

#[test]
fn fixtures_cover_the_format() {
    // The fixtures exercise what they claim to (see fixtures/generate.sh).
    let open = |repo: &str| -> Vec<Table> {
        stack_tables(&fixtures().join(repo))
            .iter()
            .map(|p| Table::open(p).unwrap())
            .collect()
    };
    let large = open("large.git");
    let f = large[0].footer();
    assert!(
        f.ref_index_offset > 0 && f.obj_offset > 0 && f.log_offset > 0 && f.log_index_offset > 0,
        "{f:?}"
    );
    let large256 = open("large256.git");
    assert_eq!(large256[0].hash(), reftable_core::format::HashId::Sha256);
    assert!(large256[0].footer().obj_offset > 0);
    let bs = open("blocksize.git");
    assert_eq!(bs[0].header().block_size, 512);
    assert!(bs[0].footer().ref_index_offset > 0);
    let sha1 = open("sha1.git");
    assert!(sha1.len() > 10, "auto-compaction was not disabled");
    assert!(sha1.iter().any(|t| !t.has_refs() && t.has_logs()), "a log-only table");
    assert!(sha1
        .iter()
        .any(|t| t.refs().unwrap().any(|r| r.unwrap().value == RefValue::Deletion)));
    assert!(sha1
        .iter()
        .any(|t| t.logs().unwrap().any(|l| l.unwrap().value == LogValue::Deletion)));
}

#[test]
fn refs_for_matches_a_scan_on_git_tables() {
    for repo in fixture_repos() {
        for path in stack_tables(&fixtures().join(&repo)) {
            let t = Table::open(&path).unwrap();
            let refs: Vec<_> = t.refs().unwrap().map(|r| r.unwrap()).collect();
            let mut ids: Vec<Vec<u8>> = refs
                .iter()
                .flat_map(|r| [r.value.object_id(), r.value.peeled()])
                .flatten()
                .map(|s| s.to_vec())
                .collect();
            ids.sort();
            ids.dedup();
            for id in ids {
                let got: Vec<_> = t.refs_for(&id).unwrap().map(|r| r.unwrap().name).collect();
                let want: Vec<_> = refs
                    .iter()
                    .filter(|r| r.value.object_id() == Some(&id[..]) || r.value.peeled() == Some(&id[..]))
                    .map(|r| r.name.clone())
                    .collect();
                assert_eq!(got, want, "{repo} {}", path.display());
            }
        }
    }
}
