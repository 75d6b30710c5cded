//! Our writer, our reader: every option combination, every access path.
//! (Interoperability with git is tested in `git_interop.rs`.)

use rand::{rngs::StdRng, Rng, SeedableRng};
use reftable_core::format::{
    HashId, LogRecord, LogUpdate, LogValue, RefRecord, RefValue, Table, WriteOptions, WriteStats, Writer,
};

fn random_id(rng: &mut StdRng, hs: usize) -> Vec<u8> {
    (0..hs).map(|_| rng.gen()).collect()
}

fn make_refs(rng: &mut StdRng, n: usize, hs: usize) -> Vec<RefRecord> {
    let shared = random_id(rng, hs);
    let mut names: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            format!(
                "refs/{}/{:06}-{}",
                ["heads", "tags", "remotes/origin"][i % 3],
                i,
                rng.gen::<u16>()
            )
            .into_bytes()
        })
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| RefRecord {
            name,
            update_index: 5 + (i as u64 % 3),
            value: match i % 7 {
                0 => RefValue::Deletion,
                1 => RefValue::Symref(b"refs/heads/main".to_vec()),
                2 => RefValue::Val2 {
                    value: random_id(rng, hs),
                    peeled: random_id(rng, hs),
                },
                3 => RefValue::Val1(shared.clone()),
                _ => RefValue::Val1(random_id(rng, hs)),
            },
        })
        .collect()
}

fn make_logs(rng: &mut StdRng, refs: usize, per_ref: usize, hs: usize) -> Vec<LogRecord> {
    let mut logs = Vec::new();
    for r in 0..refs {
        for k in (0..per_ref).rev() {
            logs.push(LogRecord {
                name: format!("refs/heads/b{r:04}").into_bytes(),
                update_index: 3 + k as u64,
                value: if k == 1 {
                    LogValue::Deletion
                } else {
                    LogValue::Update(LogUpdate {
                        old_id: random_id(rng, hs),
                        new_id: random_id(rng, hs),
                        name: b"A U Thor".to_vec(),
                        email: b"author@example.com".to_vec(),
                        time: 1_700_000_000 + rng.gen_range(0..100_000),
                        tz_offset: [-700i16, 0, 130, 1400][k % 4],
                        message: format!("commit: message {r} {k}\n").into_bytes(),
                    })
                },
            });
        }
    }
    logs
}

fn write(opts: WriteOptions, refs: &[RefRecord], logs: &[LogRecord]) -> (Vec<u8>, WriteStats) {
    let mut w = Writer::new(Vec::new(), opts).unwrap();
    w.set_limits(1, 10).unwrap();
    for r in refs {
        w.add_ref(&r.as_ref()).unwrap();
    }
    for l in logs {
        w.add_log(&l.as_ref()).unwrap();
    }
    w.finish().unwrap()
}

fn check(opts: WriteOptions, refs: &[RefRecord], logs: &[LogRecord]) -> WriteStats {
    let (bytes, stats) = write(opts, refs, logs);
    let t = Table::from_bytes("mem", bytes).unwrap();
    assert_eq!(t.hash(), opts.hash);
    let got: Vec<RefRecord> = t.refs().unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(got, refs, "{opts:?}");
    let got: Vec<LogRecord> = t.logs().unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(got, logs, "{opts:?}");
    // Exact and in-between seeks.
    for (i, r) in refs.iter().enumerate().step_by(7) {
        assert_eq!(t.find_ref(&r.name).unwrap().as_ref(), Some(r));
        let mut below = r.name.clone();
        below.pop();
        let mut it = t.seek_ref(&below).unwrap();
        let first = it.next_ref().unwrap().map(|r| r.to_owned());
        let expect = refs.iter().find(|x| x.name >= below);
        assert_eq!(first.as_ref(), expect, "seek {i}");
    }
    // Seeks to keys that are not in the table: truncations and neighbours.
    let mut rng = StdRng::seed_from_u64(refs.len() as u64);
    for _ in 0..200.min(refs.len() * 4) {
        let base = &refs[rng.gen_range(0..refs.len())].name;
        let mut want = base[..rng.gen_range(0..=base.len())].to_vec();
        match rng.gen_range(0..3) {
            0 => want.push(rng.gen()),
            1 => {
                if let Some(last) = want.last_mut() {
                    *last = last.wrapping_add(1);
                }
            }
            _ => {}
        }
        let expect = refs.iter().find(|x| x.name >= want);
        let got = t.seek_ref(&want).unwrap().next_ref().unwrap().map(|r| r.to_owned());
        assert_eq!(got.as_ref(), expect, "seek {want:?}");
    }
    assert!(t.find_ref(b"refs/zzz").unwrap().is_none());
    assert!(t.find_ref(b"").unwrap().is_none() || refs.is_empty());
    // Log seeks.
    for l in logs.iter().step_by(5) {
        let mut it = t.seek_log_at(&l.name, l.update_index).unwrap();
        assert_eq!(it.next_log().unwrap().map(|r| r.to_owned()).as_ref(), Some(l));
        let mut it = t.seek_log(&l.name).unwrap();
        let newest = logs.iter().find(|x| x.name == l.name);
        assert_eq!(it.next_log().unwrap().map(|r| r.to_owned()).as_ref(), newest);
    }
    // Object lookups.
    for r in refs.iter().step_by(3) {
        for id in [r.value.as_ref().object_id(), r.value.as_ref().peeled()]
            .into_iter()
            .flatten()
        {
            let got: Vec<RefRecord> = t.refs_for(id).unwrap().collect::<Result<_, _>>().unwrap();
            let want: Vec<&RefRecord> = refs
                .iter()
                .filter(|x| x.value.as_ref().object_id() == Some(id) || x.value.as_ref().peeled() == Some(id))
                .collect();
            assert_eq!(got.iter().collect::<Vec<_>>(), want);
        }
    }
    let none: Vec<_> = t.refs_for(&vec![0xab; opts.hash.size()]).unwrap().collect();
    assert!(none.is_empty());
    // The block walk agrees with the records.
    let blocks: Vec<_> = t.blocks().collect::<Result<_, _>>().unwrap();
    let ref_records: usize = blocks.iter().filter(|b| b.typ == b'r').map(|b| b.records).sum();
    assert_eq!(ref_records, refs.len());
    stats
}

#[test]
fn round_trip_all_options() {
    let mut rng = StdRng::seed_from_u64(7);
    for hash in [HashId::Sha1, HashId::Sha256] {
        let hs = hash.size();
        for n in [0usize, 1, 10, 200, 3000] {
            let refs = make_refs(&mut rng, n, hs);
            let logs = make_logs(&mut rng, n / 20, 4, hs);
            for (block_size, restart_interval, unpadded, skip) in [
                (4096, 16, false, false),
                (256, 3, false, false),
                (1024, 1, true, false),
                (65536, 64, false, true),
                (300, 16, true, true),
            ] {
                let opts = WriteOptions {
                    block_size,
                    restart_interval,
                    hash,
                    skip_index_objects: skip,
                    unpadded,
                    exact_log_message: false,
                };
                let stats = check(opts, &refs, &logs);
                if n == 3000 && block_size == 256 {
                    assert!(
                        stats.refs.index_blocks > 0 && stats.refs.max_index_level >= 2,
                        "{stats:?}"
                    );
                    assert!(stats.objs.entries > 0);
                }
                if n == 0 {
                    check(opts, &[], &logs);
                }
            }
        }
    }
}

#[test]
fn writer_rejects_bad_input() {
    let opts = WriteOptions::default();
    let id = [1u8; 20];
    let mk = |name: &'static [u8], ui| RefRecord {
        name: name.to_vec(),
        update_index: ui,
        value: RefValue::Val1(id.to_vec()),
    };
    let mut w = Writer::new(Vec::new(), opts).unwrap();
    w.set_limits(1, 2).unwrap();
    w.add_ref(&mk(b"refs/b", 1).as_ref()).unwrap();
    assert!(matches!(
        w.add_ref(&mk(b"refs/a", 1).as_ref()),
        Err(reftable_core::format::WriteError::OutOfOrder { .. })
    ));
    assert!(matches!(
        w.add_ref(&mk(b"refs/c", 3).as_ref()),
        Err(reftable_core::format::WriteError::UpdateIndexOutOfRange { .. })
    ));
    let long = vec![b'x'; 5000];
    let rec = RefRecord {
        name: long,
        update_index: 1,
        value: RefValue::Deletion,
    };
    assert!(matches!(
        w.add_ref(&rec.as_ref()),
        Err(reftable_core::format::WriteError::EntryTooBig { .. })
    ));
    let bad = RefRecord {
        name: b"refs/z".to_vec(),
        update_index: 1,
        value: RefValue::Val1(vec![1; 32]),
    };
    assert!(matches!(
        w.add_ref(&bad.as_ref()),
        Err(reftable_core::format::WriteError::HashLength { .. })
    ));
    assert!(Writer::new(
        Vec::new(),
        WriteOptions {
            block_size: 1 << 24,
            ..opts
        }
    )
    .is_err());
    let mut w = Writer::new(Vec::new(), opts).unwrap();
    w.set_limits(1, 2).unwrap();
    let log = LogRecord {
        name: b"HEAD".to_vec(),
        update_index: 1,
        value: LogValue::Update(LogUpdate {
            old_id: id.to_vec(),
            new_id: id.to_vec(),
            message: b"two\nlines".to_vec(),
            ..Default::default()
        }),
    };
    assert!(matches!(
        w.add_log(&log.as_ref()),
        Err(reftable_core::format::WriteError::MultiLineMessage { .. })
    ));
}

#[test]
fn log_messages_are_normalized_like_git() {
    let id = vec![1u8; 20];
    let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
    w.set_limits(1, 1).unwrap();
    for (name, msg) in [(&b"a"[..], &b"msg\n\n"[..]), (b"b", b"msg"), (b"c", b"")] {
        let log = LogRecord {
            name: name.to_vec(),
            update_index: 1,
            value: LogValue::Update(LogUpdate {
                old_id: id.clone(),
                new_id: id.clone(),
                message: msg.to_vec(),
                ..Default::default()
            }),
        };
        w.add_log(&log.as_ref()).unwrap();
    }
    let (bytes, _) = w.finish().unwrap();
    let t = Table::from_bytes("mem", bytes).unwrap();
    let msgs: Vec<Vec<u8>> = t
        .logs()
        .unwrap()
        .map(|l| match l.unwrap().value {
            LogValue::Update(u) => u.message,
            LogValue::Deletion => unreachable!(),
        })
        .collect();
    assert_eq!(msgs, [b"msg\n".to_vec(), b"msg\n".to_vec(), b"\n".to_vec()]);
}

/// Object ids that share their first 8 bytes (crafted; never real hashes)
/// still get exact obj-index entries, and many refs on one object keep
/// their block offsets in order.
#[test]
fn obj_index_with_shared_id_prefixes() {
    let mut rng = StdRng::seed_from_u64(5);
    let mut refs = Vec::new();
    for i in 0..3000u32 {
        let mut id = vec![0x11u8; 20];
        // Ids differ only after byte 8: a handful of distinct ids, many refs each.
        id[12] = (rng.gen_range(0..5u8)) * 7;
        id[19] = (i % 3) as u8;
        refs.push(RefRecord {
            name: format!("refs/heads/r{i:05}").into_bytes(),
            update_index: 1,
            value: RefValue::Val1(id),
        });
    }
    let opts = WriteOptions {
        block_size: 512,
        ..Default::default()
    };
    check(opts, &refs, &[]);
}
