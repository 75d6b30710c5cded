//! Merged iteration next to one table, in one process, runs interleaved.
//!
//! The same 1,000,000 refs as `benches/table.rs` (`benches/common`) are iterated as one
//! table and through the merged view of three 10-table stacks; each round
//! runs every shape once, so that drift on a noisy machine touches all
//! alike. Prints the fastest and the median run of each shape and their
//! ratios to one table.
//!
//! Each stack is also read a second way, "order known": every table's
//! records decoded in the merged order, which is computed beforehand, with
//! no merge deciding it. That is a floor for any merge that decodes each
//! record once; what the merged view takes above it is the cost of finding
//! the next record.
//!
//! Run: `cargo bench --bench merged` (REFTABLE_BENCH_REFS overrides the
//! count, REFTABLE_BENCH_ROUNDS the rounds, default 25;
//! REFTABLE_BENCH_SHAPE=<prefix> keeps the shapes whose names start so,
//! for profiling: ratios are then to the first shape kept).

mod common;

use common::{refs, shapes};
use reftable_core::format::Table;
use reftable_core::merged::Merged;
use std::hint::black_box;
use std::time::Instant;

/// Decodes every table's records in `order` (a table index per record).
#[inline(never)]
fn iterate_in_order(tables: &[Table], order: &[u8]) -> usize {
    let mut its: Vec<_> = tables.iter().map(|t| t.refs().unwrap()).collect();
    let mut count = 0usize;
    for &k in order {
        let r = its[k as usize].next_ref().unwrap().unwrap();
        count += r.name.len() & 1;
    }
    count
}

/// The table each record comes from in merged order (equal names: the
/// newer table first, as the merged view reads them).
fn merged_order(tables: &[Table]) -> Vec<u8> {
    let mut all: Vec<(Vec<u8>, usize)> = Vec::new();
    for (k, t) in tables.iter().enumerate() {
        let mut it = t.refs().unwrap();
        while let Some(r) = it.next_ref().unwrap() {
            all.push((r.name.to_vec(), usize::MAX - k));
        }
    }
    all.sort_unstable();
    all.iter().map(|(_, k)| (usize::MAX - k) as u8).collect()
}

#[inline(never)]
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
    let mut shapes = shapes(&records);
    // For profiling one shape: REFTABLE_BENCH_SHAPE=geometric (a prefix of its name).
    if let Ok(only) = std::env::var("REFTABLE_BENCH_SHAPE") {
        shapes.retain(|(name, _)| name.starts_with(only.as_str()));
    }
    drop(records);
    let orders: Vec<Option<Vec<u8>>> = shapes
        .iter()
        .map(|(_, tables)| (tables.len() > 1).then(|| merged_order(tables)))
        .collect();
    let mut names: Vec<String> = Vec::new();
    for ((name, _), order) in shapes.iter().zip(&orders) {
        names.push(name.to_string());
        if order.is_some() {
            names.push("  order known".to_string());
        }
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for _ in 0..rounds {
        let mut k = 0;
        for ((_, tables), order) in shapes.iter().zip(&orders) {
            let t = Instant::now();
            black_box(iterate(tables));
            times[k].push(t.elapsed().as_secs_f64() * 1e3);
            k += 1;
            if let Some(order) = order {
                let t = Instant::now();
                black_box(iterate_in_order(tables, order));
                times[k].push(t.elapsed().as_secs_f64() * 1e3);
                k += 1;
            }
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
    for (name, t) in names.iter().zip(&times) {
        println!(
            "{name:16} {:6.2} ms {:6.2}x {:7.2} ms {:6.2}x",
            t[0],
            t[0] / best,
            t[rounds / 2],
            t[rounds / 2] / median
        );
    }
}
