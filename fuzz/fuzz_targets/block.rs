//! Decodes arbitrary bytes as one block of every type and size git allows:
//! header, restart table, every key and value. Typed errors only, no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reftable_core::format::block::Block;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the block size and where the file header ends
    // (only the first block of a table carries the 24/28-byte header).
    let Some((&sel, bytes)) = data.split_first() else { return };
    let block_size = [256u32, 4096, 65535, 1 << 24][usize::from(sel & 3)];
    let header_len = [0usize, 24, 28][usize::from((sel >> 2) % 3)];
    let hash_size = if sel & 0x40 == 0 { 20 } else { 32 };
    if let Ok(b) = Block::parse(bytes, bytes.len(), 0, block_size, header_len) {
        let _ = b.check(hash_size);
        let mut cursor = Default::default();
        for want in [&b""[..], b"refs/heads/main", b"\xff"] {
            let _ = b.seek(&mut cursor, want, hash_size);
        }
    }
});
