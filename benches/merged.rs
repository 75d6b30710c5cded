//! Merged iteration next to one table, in one process, runs interleaved.
//!
//! The same 1,000,000 refs as `benches/table.rs` (`benches/common`) are iterated as one
//! table and through the merged view of three 10-table stacks; each round
//! runs every shape once, so that drift on a noisy machine touches all
//! alike. Prints the fastest and the median run of each shape and their
//! ratios to one table.
//!
//! Run: `cargo bench --bench merged` (REFTABLE_BENCH_REFS overrides the
//! count, REFTABLE_BENCH_ROUNDS the rounds, default 25).

mod common;

use common::{refs, shapes};
use reftable::format::Table;
use reftable::merged::Merged;
use std::hint::black_box;
use std::time::Instant;

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
