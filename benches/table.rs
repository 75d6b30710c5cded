//! Table-level benchmarks on a generated 1,000,000-ref table (hot cache):
//! writing it, iterating all refs, seeking one ref by name, and finding the
//! refs for one object id through the obj index.
//!
//! Run: `cargo bench --bench table` (REFTABLE_BENCH_REFS overrides the count).

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rand::{rngs::StdRng, Rng, SeedableRng};
use reftable::format::{RefRecord, RefValue, Table, WriteOptions, Writer};
use reftable::merged::Merged;

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
    // The same refs spread over a 10-table stack (round robin, so every
    // table covers the whole name range), iterated through the merged view.
    let stack: Vec<Table> = (0..10)
        .map(|k| {
            let part: Vec<RefRecord> = records.iter().skip(k).step_by(10).cloned().collect();
            Table::from_bytes(format!("{k}.ref"), write(&part)).unwrap()
        })
        .collect();
    g.bench_function("iterate_all_merged_10_tables", |b| {
        b.iter(|| {
            let merged = Merged::new(stack.iter());
            let mut it = merged.refs().unwrap();
            let mut count = 0usize;
            while let Some(r) = it.next_ref().unwrap() {
                count += r.name.len() & 1;
            }
            black_box(count)
        })
    });
    // The same refs over a 10-table stack shaped as git's auto-compaction
    // leaves it (each table at least twice the next: 1/2, 1/4, … of the refs),
    // names spread at random over the tables.
    let mut rng = StdRng::seed_from_u64(3);
    let mut parts: Vec<Vec<RefRecord>> = vec![Vec::new(); 10];
    for r in &records {
        let mut k = 0;
        while k < 9 && rng.gen_bool(0.5) {
            k += 1;
        }
        parts[k].push(r.clone());
    }
    let geometric: Vec<Table> = parts
        .iter()
        .enumerate()
        .map(|(k, part)| Table::from_bytes(format!("{k}.ref"), write(part)).unwrap())
        .collect();
    g.bench_function("iterate_all_merged_10_tables_geometric", |b| {
        b.iter(|| {
            let merged = Merged::new(geometric.iter());
            let mut it = merged.refs().unwrap();
            let mut count = 0usize;
            while let Some(r) = it.next_ref().unwrap() {
                count += r.name.len() & 1;
            }
            black_box(count)
        })
    });
    // One big table and nine small additions on top (100 refs each), as
    // between two compactions of a busy repository.
    let mut small: Vec<Table> = vec![Table::from_bytes("base.ref", write(&records)).unwrap()];
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
        let opts = WriteOptions::default();
        let mut w = Writer::new(Vec::new(), opts).unwrap();
        w.set_limits(2 + k, 2 + k).unwrap();
        for r in &part {
            w.add_ref(&r.as_ref()).unwrap();
        }
        small.push(Table::from_bytes(format!("{k}.ref"), w.finish().unwrap().0).unwrap());
    }
    g.bench_function("iterate_all_merged_1_big_9_small", |b| {
        b.iter(|| {
            let merged = Merged::new(small.iter());
            let mut it = merged.refs().unwrap();
            let mut count = 0usize;
            while let Some(r) = it.next_ref().unwrap() {
                count += r.name.len() & 1;
            }
            black_box(count)
        })
    });
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
