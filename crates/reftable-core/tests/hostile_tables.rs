//! Tables crafted to make a reader allocate, loop or read out of bounds:
//! a log block claiming a huge inflated size, a zlib bomb, block lengths and
//! restart counts pointing past the block, an index that points at itself.
//! Each is a typed error naming the table, within a small memory bound
//! (a log block inflates to at most its 24-bit length, 16 MiB).

use std::io::Write;

use reftable_core::format::{
    Corruption, Error, Footer, LogRecordRef, LogUpdateRef, LogValueRef, RefRecordRef, RefValueRef, Table, WriteOptions,
    Writer,
};

fn table_with(refs: usize, logs: usize, block_size: u32) -> Vec<u8> {
    let mut w = Writer::new(
        Vec::new(),
        WriteOptions {
            block_size,
            ..Default::default()
        },
    )
    .unwrap();
    w.set_limits(1, 1).unwrap();
    for i in 0..refs {
        let name = format!("refs/heads/branch-{i:06}");
        w.add_ref(&RefRecordRef {
            name: name.as_bytes(),
            update_index: 1,
            value: RefValueRef::Val1(&[0x11; 20]),
        })
        .unwrap();
    }
    for i in 0..logs {
        let name = format!("refs/heads/branch-{i:06}");
        w.add_log(&LogRecordRef {
            name: name.as_bytes(),
            update_index: 1,
            value: LogValueRef::Update(LogUpdateRef {
                old_id: &[0; 20],
                new_id: &[0x11; 20],
                name: b"A U Thor",
                email: b"a@example.com",
                time: 1_700_000_000,
                tz_offset: 0,
                message: b"create",
            }),
        })
        .unwrap();
    }
    w.finish().unwrap().0
}

/// Everything a reader does with a table: refs, logs, blocks, seeks.
fn read_all(bytes: Vec<u8>) -> Result<(), Error> {
    let t = Table::from_bytes("t.ref", bytes)?;
    let mut refs = t.refs()?;
    while refs.next_ref()?.is_some() {}
    let mut logs = t.logs()?;
    while logs.next_log()?.is_some() {}
    let mut seek = t.seek_ref(b"refs/heads/branch-000500")?;
    while seek.next_ref()?.is_some() {}
    for b in t.blocks() {
        b?;
    }
    Ok(())
}

fn corruption(r: Result<(), Error>) -> Corruption {
    match r {
        Err(Error::Corrupt { table, kind, .. }) => {
            assert_eq!(table, "t.ref");
            kind
        }
        other => panic!("expected a named corruption, got {other:?}"),
    }
}

/// Replaces the footer of `bytes` (whose footer starts at `footer_at`) by one
/// with `footer`'s fields, appended at the end of `body`.
fn with_footer(mut body: Vec<u8>, header: &[u8], footer: Footer) -> Vec<u8> {
    let h = reftable_core::format::Header::decode(header).unwrap();
    footer.encode(&h, &mut body);
    body
}

#[test]
fn a_log_block_claiming_a_huge_inflated_size_is_refused_before_allocating() {
    let good = table_with(10, 10, 4096);
    let t = Table::from_bytes("t.ref", good.clone()).unwrap();
    let at = t.footer().log_offset as usize;
    assert_eq!(good[at], b'g');
    let mut bad = good;
    bad[at + 1..at + 4].copy_from_slice(&[0xff, 0xff, 0xff]); // 16 MiB from a few hundred bytes
    assert!(matches!(corruption(read_all(bad)), Corruption::InflatedSize { .. }));
}

#[test]
fn a_zlib_bomb_inflates_no_further_than_its_block_length() {
    let good = table_with(10, 10, 4096);
    let t = Table::from_bytes("t.ref", good.clone()).unwrap();
    let footer = *t.footer();
    let at = footer.log_offset as usize;
    // A log block of the largest length git's format allows, inflating 16 MiB of zeros.
    let len = (1usize << 24) - 1;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&vec![0u8; len - 4]).unwrap();
    let compressed = z.finish().unwrap();
    let mut body = good[..at].to_vec();
    body.push(b'g');
    body.extend_from_slice(&[(len >> 16) as u8, (len >> 8) as u8, len as u8]);
    body.extend_from_slice(&compressed);
    let bomb = with_footer(body, &good[..24], footer);
    // Zeros are no log records: a typed error, after at most one 16 MiB block.
    let k = corruption(read_all(bomb));
    assert!(
        !matches!(k, Corruption::InflatedSize { .. }),
        "the block itself is well-formed: {k:?}"
    );
}

#[test]
fn block_lengths_and_restart_counts_past_the_block_are_refused() {
    let good = table_with(300, 0, 4096);
    // The first ref block's length beyond the file.
    let mut bad = good.clone();
    bad[25..28].copy_from_slice(&[0xff, 0xff, 0xff]);
    let k = corruption(read_all(bad));
    assert!(
        matches!(k, Corruption::BlockOutOfBounds | Corruption::BlockLength(_)),
        "{k:?}"
    );
    // Its restart count (the block's last two bytes) larger than the block can hold.
    let t = Table::from_bytes("t.ref", good.clone()).unwrap();
    let first = t.blocks().next().unwrap().unwrap();
    let end = first.offset as usize + first.block_len;
    let mut bad = good;
    bad[end - 2..end].copy_from_slice(&[0xff, 0xff]);
    assert!(matches!(corruption(read_all(bad)), Corruption::BlockLength(_)));
}

#[test]
fn an_index_pointing_at_itself_is_not_followed_forever() {
    // Small blocks: many ref blocks, so the table gets a ref index.
    let good = table_with(2000, 0, 256);
    let t = Table::from_bytes("t.ref", good.clone()).unwrap();
    let index_at = t.footer().ref_index_offset;
    assert!(index_at > 0, "the table has a ref index");
    let index = t.blocks().map(Result::unwrap).find(|b| b.offset == index_at).unwrap();
    assert_eq!(index.typ, b'i');
    // Every index record ends with the varint offset of the block it points to:
    // rewrite each that equals a ref block's offset to the index's own offset.
    let offsets: Vec<u64> = t
        .blocks()
        .map(Result::unwrap)
        .filter(|b| b.offset != index_at)
        .map(|b| b.offset)
        .collect();
    let mut bad = good.clone();
    let (start, end) = (index.offset as usize, index.offset as usize + index.block_len);
    let varint = |mut v: u64| {
        // git's varint (reftable.adoc): big-endian 7-bit groups, each but the last with +1 carried.
        let mut buf = vec![(v & 0x7f) as u8];
        while v >> 7 > 0 {
            v = (v >> 7) - 1;
            buf.push(0x80 | (v & 0x7f) as u8);
        }
        buf.reverse();
        buf
    };
    let own = varint(index_at);
    let mut replaced = 0;
    for &o in &offsets {
        let enc = varint(o);
        if enc.len() != own.len() {
            continue;
        }
        if let Some(pos) = bad[start..end].windows(enc.len()).position(|w| w == enc.as_slice()) {
            bad[start + pos..start + pos + enc.len()].copy_from_slice(&own);
            replaced += 1;
        }
    }
    assert!(replaced > 0, "no index record rewritten");
    // A lookup through the index: an error (or, where a rewrite missed, a
    // correct answer), and it returns.
    let t = Table::from_bytes("t.ref", bad).unwrap();
    let mut loops = 0;
    for i in (0..2000).step_by(37) {
        let name = format!("refs/heads/branch-{i:06}");
        match t
            .seek_ref(name.as_bytes())
            .and_then(|mut it| it.next_ref().map(|r| r.map(|r| r.name.to_vec())))
        {
            Err(Error::Corrupt { table, .. }) => {
                assert_eq!(table, "t.ref");
                loops += 1;
            }
            Err(other) => panic!("{name}: {other}"),
            Ok(found) => assert_eq!(found.as_deref(), Some(name.as_bytes()), "a wrong answer"),
        }
    }
    assert!(loops > 0, "no lookup met the loop");
}
