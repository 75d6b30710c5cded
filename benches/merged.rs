//! Merged iteration next to one table, in one process, runs interleaved.
//!
//! The same 1,000,000 refs (as in `benches/table.rs`) are iterated as one
//! table and through the merged view of three 10-table stacks; each round
//! runs every shape once, so that drift on a noisy machine touches all
//! alike. Prints the fastest and the median run of each shape and their
//! ratios to one table.
//!
//! Run: `cargo bench --bench merged` (REFTABLE_BENCH_REFS overrides the
//! count, REFTABLE_BENCH_ROUNDS the rounds, default 25).

use rand::{rngs::StdRng, Rng, SeedableRng};
use reftable::format::{RefRecord, RefValue, Table, WriteOptions, Writer};
use reftable::merged::Merged;
use std::hint::black_box;
use std::time::Instant;

fn refs(n: usize) -> Vec<RefRecord> {
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

fn table(name: String, refs: &[RefRecord], update_index: u64) -> Table {
    let mut w = Writer::new(Vec::with_capacity(refs.len() * 64), WriteOptions::default()).unwrap();
    w.set_limits(update_index, update_index).unwrap();
    for r in refs {
        w.add_ref(&r.as_ref()).unwrap();
    }
    Table::from_bytes(name, w.finish().unwrap().0).unwrap()
}

/// The stacks of `benches/table.rs`, by name.
fn shapes(records: &[RefRecord]) -> Vec<(&'static str, Vec<Table>)> {
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

fn iterate(tables: &[Table]) -> usize {
    let mut count = 0usize;
    if let [one] = tables {
        let mut it = one.refs().unwrap();
        while let Some(r) = it.next_ref().unwrap() {
            count += r.name.len() & 1;
        }
    } else {
        let merged = Merged::new(tables.iter());
        let mut it = merged.refs().unwrap();
        while let Some(r) = it.next_ref().unwrap() {
            count += r.name.len() & 1;
        }
    }
    count
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then
    // only check that it runs.
    let quick = !std::env::args().any(|a| a == "--bench");
    let var = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(if quick { 1_000.min(default) } else { default })
    };
    let n = var("REFTABLE_BENCH_REFS", 1_000_000);
    let rounds = var("REFTABLE_BENCH_ROUNDS", 25).max(1);
    let records = refs(n);
    let shapes = shapes(&records);
    drop(records);
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); shapes.len()];
    for _ in 0..rounds {
        for (k, (_, tables)) in shapes.iter().enumerate() {
            let t = Instant::now();
            black_box(iterate(tables));
            times[k].push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    for t in &mut times {
        t.sort_by(f64::total_cmp);
    }
    let (best, median) = (times[0][0], times[0][rounds / 2]);
    println!("{n} refs, {rounds} rounds, runs interleaved");
    println!(
        "{:16} {:>9} {:>7} {:>10} {:>7}",
        "shape", "fastest", "ratio", "median", "ratio"
    );
    for ((name, _), t) in shapes.iter().zip(&times) {
        println!(
            "{name:16} {:6.2} ms {:6.2}x {:7.2} ms {:6.2}x",
            t[0],
            t[0] / best,
            t[rounds / 2],
            t[rounds / 2] / median
        );
    }
}
