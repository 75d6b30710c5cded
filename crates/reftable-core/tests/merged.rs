//! The merged view agrees with a naive merge (newest table wins, deletions
//! remove) on git-made stacks and on random stacks.

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;

use common::*;
use rand::{rngs::StdRng, Rng, SeedableRng};
use reftable_core::format::{LogRecord, LogUpdate, LogValue, RefRecord, RefValue, Table, WriteOptions, Writer};
use reftable_core::merged::Merged;

type Logs = BTreeMap<(Vec<u8>, std::cmp::Reverse<u64>), LogRecord>;

fn naive(tables: &[Table]) -> (BTreeMap<Vec<u8>, RefRecord>, Logs) {
    let (mut refs, mut logs) = (BTreeMap::new(), BTreeMap::new());
    for t in tables {
        for r in t.refs().unwrap() {
            let r = r.unwrap();
            if r.value == RefValue::Deletion {
                refs.remove(&r.name);
            } else {
                refs.insert(r.name.clone(), r);
            }
        }
        for l in t.logs().unwrap() {
            let l = l.unwrap();
            let k = (l.name.clone(), std::cmp::Reverse(l.update_index));
            if l.value == LogValue::Deletion {
                logs.remove(&k);
            } else {
                logs.insert(k, l);
            }
        }
    }
    (refs, logs)
}

fn check(tables: &[Table], what: &str) {
    let m = Merged::new(tables);
    let (refs, logs) = naive(tables);
    let got: Vec<RefRecord> = m.refs().unwrap().map(|r| r.unwrap()).collect();
    let want: Vec<RefRecord> = refs.values().cloned().collect();
    assert_eq!(got.len(), want.len(), "{what}: ref count");
    assert!(got == want, "{what}: refs differ");
    let got: Vec<LogRecord> = m.logs().unwrap().map(|r| r.unwrap()).collect();
    let want: Vec<LogRecord> = logs.values().cloned().collect();
    assert!(got == want, "{what}: logs differ ({} vs {})", got.len(), want.len());
    for r in refs.values().step_by(7) {
        assert_eq!(m.find_ref(&r.name).unwrap().as_ref(), Some(r), "{what}");
        // Everything from a seek on, and from just past a name.
        for from in [r.name.clone(), [r.name.as_slice(), b"\0"].concat()] {
            let got: Vec<RefRecord> = m.seek_ref(&from).unwrap().map(|r| r.unwrap()).collect();
            let want: Vec<RefRecord> = refs.range(from.clone()..).map(|(_, r)| r.clone()).collect();
            assert!(got == want, "{what}: refs from {:?}", String::from_utf8_lossy(&from));
        }
        let mut it = m.seek_log(&r.name).unwrap();
        let first = it.next_log().unwrap().map(|l| l.to_owned());
        let expect = logs
            .range((r.name.clone(), std::cmp::Reverse(u64::MAX))..)
            .next()
            .map(|(_, l)| l.clone());
        assert_eq!(first, expect, "{what}");
        for id in [r.value.object_id(), r.value.peeled()].into_iter().flatten() {
            let got = m.refs_for(id).unwrap();
            let want: Vec<RefRecord> = refs
                .values()
                .filter(|x| x.value.object_id() == Some(id) || x.value.peeled() == Some(id))
                .cloned()
                .collect();
            assert_eq!(got, want, "{what}: refs_for");
        }
    }
}

#[test]
fn merged_view_of_git_stacks() {
    for repo in fixture_repos() {
        let tables: Vec<Table> = stack_tables(&fixtures().join(&repo))
            .iter()
            .map(|p| Table::open(p).unwrap())
            .collect();
        check(&tables, &repo);
        // Deletions are kept when asked (compaction of part of a stack).
        if repo == "sha1.git" {
            let with: Vec<RefRecord> = Merged::new(&tables)
                .with_deletions(true)
                .refs()
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            assert!(with.iter().any(|r| r.value == RefValue::Deletion));
        }
    }
}

#[test]
fn merged_view_of_random_stacks() {
    let mut rng = StdRng::seed_from_u64(99);
    for round in 0..40 {
        let ntables = rng.gen_range(1..8);
        let mut tables = Vec::new();
        let mut ui = 1;
        // Half the stacks are skewed as compaction leaves them: one big
        // table, small ones on top (the merge's fast path), half uniform.
        let skewed = round % 2 == 1;
        for t in 0..ntables {
            let n = match (skewed, t) {
                (true, 0) => rng.gen_range(200..400),
                (true, _) => rng.gen_range(0..6),
                _ => rng.gen_range(0..300),
            };
            let mut names: Vec<Vec<u8>> = (0..n)
                .map(|_| format!("refs/heads/{}", rng.gen_range(0..400)).into_bytes())
                .collect();
            names.sort();
            names.dedup();
            // Restart intervals down to 1 (every key stored whole, as other
            // writers may): the merge must not rely on maximal prefixes.
            let mut w = Writer::new(
                Vec::new(),
                WriteOptions {
                    block_size: 512,
                    restart_interval: [1, 3, 16][rng.gen_range(0..3)],
                    ..Default::default()
                },
            )
            .unwrap();
            w.set_limits(ui, ui + 1).unwrap();
            for name in &names {
                let value = match rng.gen_range(0..5) {
                    0 => RefValue::Deletion,
                    1 => RefValue::Symref(b"refs/heads/1".to_vec()),
                    _ => RefValue::Val1(vec![rng.gen_range(0..20); 20]),
                };
                w.add_ref(
                    &RefRecord {
                        name: name.clone(),
                        update_index: ui + rng.gen_range(0..2),
                        value,
                    }
                    .as_ref(),
                )
                .unwrap();
            }
            for name in names.iter().take(30) {
                for k in [ui + 1, ui] {
                    let value = if rng.gen_bool(0.2) {
                        LogValue::Deletion
                    } else {
                        LogValue::Update(LogUpdate {
                            old_id: vec![0; 20],
                            new_id: vec![t as u8; 20],
                            message: format!("m{k}\n").into_bytes(),
                            ..Default::default()
                        })
                    };
                    w.add_log(
                        &LogRecord {
                            name: name.clone(),
                            update_index: k,
                            value,
                        }
                        .as_ref(),
                    )
                    .unwrap();
                }
            }
            tables.push(Table::from_bytes(format!("{t}.ref"), w.finish().unwrap().0).unwrap());
            ui += 2;
        }
        check(&tables, &format!("round {round}"));
    }
}
