//! Hostile input: malformed tables give typed errors naming the table, never
//! a panic, a hang or a huge allocation. Includes a bounded mutation fuzzer
//! that runs in CI (`REFTABLE_FUZZ_ITERS` raises its iteration count).

#[path = "../../../tests/common/mod.rs"]
mod common;

use rand::{rngs::StdRng, Rng, SeedableRng};
use reftable_core::format::{Corruption, Error, Table};

fn fixture_tables() -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for repo in common::fixture_repos() {
        for p in common::stack_tables(&common::fixtures().join(&repo)) {
            v.push((
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            ));
        }
    }
    // Another implementation's tables (JGit): unaligned files with block
    // size 0, restart intervals 1 to 65535, the largest block size.
    for name in ["default", "unaligned", "small-unaligned", "huge-blocks", "tiny"] {
        let p = common::fixtures().join("jgit").join(format!("{name}.ref"));
        v.push((format!("jgit-{name}.ref"), std::fs::read(&p).unwrap()));
    }
    v
}

fn kind(e: Error) -> Corruption {
    match e {
        Error::Corrupt { table, kind, .. } => {
            assert_eq!(table, "t.ref", "error names the table");
            kind
        }
        other => panic!("expected a corruption error, got {other}"),
    }
}

fn fix_crc(bytes: &mut [u8]) {
    let n = bytes.len();
    let crc = crc32fast::hash(&bytes[n - if bytes[4] == 1 { 68 } else { 72 }..n - 4]);
    bytes[n - 4..].copy_from_slice(&crc.to_be_bytes());
}

#[test]
fn header_and_footer_errors_are_typed() {
    let (_, good) = fixture_tables().into_iter().find(|(_, b)| b[4] == 1).unwrap();
    let open = |b: Vec<u8>| Table::from_bytes("t.ref", b).map(|_| ()).map_err(kind);
    let mut b = good.clone();
    b[0] = b'X';
    assert_eq!(open(b), Err(Corruption::BadMagic));
    let mut b = good.clone();
    b[4] = 3;
    assert_eq!(open(b), Err(Corruption::UnsupportedVersion(3)));
    let mut b = good.clone();
    let n = b.len();
    b[n - 1] ^= 1;
    assert!(matches!(open(b), Err(Corruption::CrcMismatch { .. })));
    let mut b = good.clone();
    b[n - 60] ^= 1; // inside the footer's header copy
    fix_crc(&mut b);
    assert_eq!(open(b), Err(Corruption::FooterMismatch));
    assert!(matches!(open(good[..10].to_vec()), Err(Corruption::TooSmall { .. })));
    assert!(matches!(open(Vec::new()), Err(Corruption::TooSmall { .. })));
    // Every truncation is rejected.
    for len in 0..good.len() {
        assert!(open(good[..len].to_vec()).is_err(), "truncated to {len}");
    }
    // SHA-256 table with an unknown hash id.
    let (_, g256) = fixture_tables().into_iter().find(|(_, b)| b[4] == 2).unwrap();
    let mut b = g256.clone();
    b[24..28].copy_from_slice(b"md5!");
    let n = b.len();
    b[n - 72 + 24..n - 72 + 28].copy_from_slice(b"md5!");
    fix_crc(&mut b);
    assert!(matches!(open(b), Err(Corruption::UnknownHashId(_))));
}

/// Reads everything a table offers; errors are fine, panics are not.
fn exercise(t: &Table) -> usize {
    let mut n = 0;
    let mut names = Vec::new();
    if let Ok(mut it) = t.refs() {
        while let Ok(Some(r)) = it.next_ref() {
            n += 1;
            if names.len() < 8 {
                names.push(r.name.to_vec());
            }
            if let Some(id) = r.value.object_id().filter(|_| names.len() < 16) {
                names.push(id.to_vec());
            }
            assert!(n <= 1_000_000, "runaway iteration");
        }
    }
    if let Ok(mut it) = t.logs() {
        while let Ok(Some(_)) = it.next_log() {
            n += 1;
            assert!(n < 2_000_000, "runaway iteration");
        }
    }
    for b in t.blocks().take(100_000) {
        if b.is_err() {
            break;
        }
    }
    for name in names.iter().chain([&b"refs/heads/main".to_vec(), &vec![0xff; 20]]) {
        let _ = t.find_ref(name);
        let _ = t.seek_log(name).map(|mut it| it.next_log().map(|_| ()));
        if let Ok(mut it) = t.refs_for(name) {
            for _ in 0..100_000 {
                match it.next_ref() {
                    Ok(Some(_)) => {}
                    _ => break,
                }
            }
        }
    }
    n
}

#[test]
fn mutated_tables_never_panic() {
    let iters: usize = common::env_number("REFTABLE_FUZZ_ITERS", 1500);
    let tables = fixture_tables();
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let mut opened = 0;
    for i in 0..iters {
        let (_, orig) = &tables[i % tables.len()];
        let mut b = orig.clone();
        let mutations = rng.gen_range(1..6);
        for _ in 0..mutations {
            let at = rng.gen_range(0..b.len());
            match rng.gen_range(0..4) {
                0 => b[at] ^= 1 << rng.gen_range(0..8),
                1 => b[at] = rng.gen(),
                2 => b[at] = [0, 0x7f, 0x80, 0xff][rng.gen_range(0..4)],
                _ => {
                    let len = rng.gen_range(1..16).min(b.len() - at);
                    b.drain(at..at + len);
                    if b.len() < 100 {
                        b = orig.clone();
                    }
                }
            }
        }
        // Mostly keep the CRC valid so decoding goes past the footer.
        if rng.gen_bool(0.9) && b.len() > 100 && (b[4] == 1 || b[4] == 2) {
            fix_crc(&mut b);
        }
        if let Ok(t) = Table::from_bytes("t.ref", b) {
            opened += 1;
            exercise(&t);
        }
    }
    assert!(
        opened > iters / 4,
        "only {opened} of {iters} mutants got past the footer"
    );
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = StdRng::seed_from_u64(42);
    for _ in 0..2000 {
        let len = rng.gen_range(0..600);
        let mut b: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        if len > 100 {
            b[..4].copy_from_slice(b"REFT");
            b[4] = 1;
            let n = b.len();
            let h = b[..24].to_vec();
            b[n - 68..n - 44].copy_from_slice(&h);
            fix_crc(&mut b);
        }
        if let Ok(t) = Table::from_bytes("t.ref", b) {
            exercise(&t);
        }
    }
}

#[test]
fn hash_mismatch_is_typed() {
    let (_, b) = fixture_tables().into_iter().find(|(_, b)| b[4] == 2).unwrap();
    let t = Table::from_bytes("t.ref", b).unwrap();
    t.expect_hash(reftable_core::format::HashId::Sha256).unwrap();
    assert_eq!(
        kind(t.expect_hash(reftable_core::format::HashId::Sha1).unwrap_err()),
        Corruption::HashMismatch {
            expected: "sha1",
            found: "sha256"
        }
    );
}

#[test]
fn fixture_tables_read_cleanly() {
    for (name, b) in fixture_tables() {
        let t = Table::from_bytes("t.ref", b).unwrap();
        assert!(exercise(&t) > 0, "{name}");
        for b in t.blocks() {
            b.unwrap();
        }
    }
}

/// The block decoder alone (what the `block` cargo-fuzz target drives):
/// every fixture block checks cleanly, and mutants of them give typed errors.
#[test]
fn mutated_blocks_never_panic() {
    use reftable_core::format::block::Block;
    let mut rng = StdRng::seed_from_u64(7);
    let mut clean = 0;
    for (name, bytes) in fixture_tables() {
        let t = Table::from_bytes(&name, bytes.clone()).unwrap();
        let hash = if bytes[4] == 1 { 20 } else { 32 };
        let header = if bytes[4] == 1 { 24 } else { 28 };
        let block_size = u32::from_be_bytes([0, bytes[5], bytes[6], bytes[7]]);
        for info in t.blocks() {
            let info = info.unwrap();
            let (off, len) = (info.offset as usize, info.full_size);
            let end = (off + len.max(1)).min(bytes.len());
            if info.typ != b'g' {
                let b = Block::parse(&bytes[..end], end, off, block_size, header).unwrap();
                b.check(hash).unwrap();
                clean += 1;
            }
            for _ in 0..20 {
                let mut m = bytes[off..end].to_vec();
                for _ in 0..rng.gen_range(1..4) {
                    let at = rng.gen_range(0..m.len());
                    m[at] = rng.gen();
                }
                let hl = if off == 0 { header } else { 0 };
                if let Ok(b) = Block::parse(&m, m.len(), 0, block_size, hl) {
                    let _ = b.check(hash);
                    let _ = b.seek(&mut Default::default(), b"refs/heads/main", hash);
                }
            }
        }
    }
    assert!(clean > 10, "{clean} blocks checked");
}
