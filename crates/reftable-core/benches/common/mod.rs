//! The refs and stacks both benchmarks iterate.

use rand::{rngs::StdRng, Rng, SeedableRng};
use reftable_core::format::{RefRecord, RefValue, Table, WriteOptions, Writer};

/// `n` refs in name order: branches, and every tenth an annotated tag with
/// its peeled value.
pub fn refs(n: usize) -> Vec<RefRecord> {
    let mut rng = StdRng::seed_from_u64(1);
    let mut v: Vec<RefRecord> = (0..n)
        .map(|i| {
            let id: Vec<u8> = (0..20).map(|_| rng.gen()).collect();
            if i % 10 == 0 {
                RefRecord {
                    name: format!("refs/tags/v{i:07}").into_bytes(),
                    update_index: 1,
                    value: RefValue::Val2 {
                        value: id,
                        peeled: (0..20).map(|_| rng.gen()).collect(),
                    },
                }
            } else {
                RefRecord {
                    name: format!("refs/heads/feature/branch-{i:07}").into_bytes(),
                    update_index: 1,
                    value: RefValue::Val1(id),
                }
            }
        })
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

/// A table (in memory) of `refs`, all at `update_index`.
pub fn table(name: String, refs: &[RefRecord], update_index: u64) -> Table {
    let mut w = Writer::new(Vec::with_capacity(refs.len() * 64), WriteOptions::default()).unwrap();
    w.set_limits(update_index, update_index).unwrap();
    for r in refs {
        w.add_ref(&r.as_ref()).unwrap();
    }
    Table::from_bytes(name, w.finish().unwrap().0).unwrap()
}

/// One table of all `records`, and three 10-table stacks of them, by name.
pub fn shapes(records: &[RefRecord]) -> Vec<(&'static str, Vec<Table>)> {
    let one = vec![table("one.ref".into(), records, 1)];
    // One big table and nine small additions on top (100 refs each), as
    // between two compactions of a busy repository.
    let mut rng = StdRng::seed_from_u64(3);
    let mut small = vec![table("base.ref".into(), records, 1)];
    for k in 0..9 {
        let mut part: Vec<RefRecord> = (0..100)
            .map(|_| {
                let mut r = records[rng.gen_range(0..records.len())].clone();
                r.update_index = 2 + k;
                r
            })
            .collect();
        part.sort_by(|a, b| a.name.cmp(&b.name));
        part.dedup_by(|a, b| a.name == b.name);
        small.push(table(format!("{k}.ref"), &part, 2 + k));
    }
    // Sizes as git's auto-compaction leaves them (1/2, 1/4, … of the refs),
    // names spread at random over the tables.
    let mut rng = StdRng::seed_from_u64(3);
    let mut parts: Vec<Vec<RefRecord>> = vec![Vec::new(); 10];
    for r in records {
        let mut k = 0;
        while k < 9 && rng.gen_bool(0.5) {
            k += 1;
        }
        parts[k].push(r.clone());
    }
    let geometric = parts
        .iter()
        .enumerate()
        .map(|(k, p)| table(format!("{k}.ref"), p, 1))
        .collect();
    // Round robin: every table spans all names (the worst case).
    let round_robin = (0..10)
        .map(|k| {
            let part: Vec<RefRecord> = records.iter().skip(k).step_by(10).cloned().collect();
            table(format!("{k}.ref"), &part, 1)
        })
        .collect();
    vec![
        ("one table", one),
        ("1 big + 9 small", small),
        ("geometric", geometric),
        ("round robin", round_robin),
    ]
}
