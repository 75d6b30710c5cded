//! Table-level benchmarks on a generated 1,000,000-ref table (hot cache):
//! writing it, iterating all refs, seeking one ref by name, and finding the
//! refs for one object id through the obj index.
//!
//! Run: `cargo bench --bench table` (REFTABLE_BENCH_REFS overrides the count).

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
mod common;

use common::{refs, shapes};
use rand::{rngs::StdRng, Rng, SeedableRng};
use reftable_core::format::{RefRecord, Table, WriteOptions, Writer};
use reftable_core::merged::Merged;

fn write(refs: &[RefRecord]) -> Vec<u8> {
    let mut w = Writer::new(Vec::with_capacity(refs.len() * 64), WriteOptions::default()).unwrap();
    w.set_limits(1, 1).unwrap();
    for r in refs {
        w.add_ref(&r.as_ref()).unwrap();
    }
    w.finish().unwrap().0
}

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("REFTABLE_BENCH_REFS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let records = refs(n);
    let bytes = write(&records);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.ref");
    std::fs::write(&path, &bytes).unwrap();
    let table = Table::open(&path).unwrap();
    eprintln!("table: {n} refs, {} bytes", bytes.len());

    let mut g = c.benchmark_group(format!("table_{n}"));
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("write_all", |b| b.iter(|| black_box(write(&records))));
    g.bench_function("iterate_all", |b| {
        b.iter(|| {
            let mut it = table.refs().unwrap();
            let mut count = 0usize;
            while let Some(r) = it.next_ref().unwrap() {
                count += r.name.len() & 1;
            }
            black_box(count)
        })
    });
    // The same refs over three 10-table stacks (`benches/common`), iterated
    // through the merged view.
    let bench_names = [
        ("round robin", "iterate_all_merged_10_tables"),
        ("geometric", "iterate_all_merged_10_tables_geometric"),
        ("1 big + 9 small", "iterate_all_merged_1_big_9_small"),
    ];
    let stacks = shapes(&records);
    for (shape, bench_name) in bench_names {
        let Some((_, tables)) = stacks.iter().find(|(name, _)| *name == shape) else {
            continue;
        };
        g.bench_function(bench_name, |b| {
            b.iter(|| {
                let merged = Merged::new(tables.iter());
                let mut it = merged.refs().unwrap();
                let mut count = 0usize;
                while let Some(r) = it.next_ref().unwrap() {
                    count += r.name.len() & 1;
                }
                black_box(count)
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group(format!("lookup_{n}"));
    let mut rng = StdRng::seed_from_u64(2);
    g.bench_function("seek_by_name", |b| {
        b.iter_batched(
            || records[rng.gen_range(0..records.len())].name.clone(),
            |name| black_box(table.seek_ref(&name).unwrap().next_ref().unwrap().is_some()),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("refs_for_object_id", |b| {
        b.iter_batched(
            || {
                records[rng.gen_range(0..records.len())]
                    .value
                    .object_id()
                    .unwrap()
                    .to_vec()
            },
            |id| {
                let mut it = table.refs_for(&id).unwrap();
                black_box(it.next_ref().unwrap().is_some())
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
