//! Feeds arbitrary bytes to the table reader and exercises every access
//! path: iteration of refs and logs, seeks, obj-index lookups, block walks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reftable_core::format::Table;

fuzz_target!(|data: &[u8]| {
    let Ok(t) = Table::from_bytes("fuzz.ref", data.to_vec()) else { return };
    let mut names = Vec::new();
    if let Ok(mut it) = t.refs() {
        for _ in 0..100_000 {
            match it.next_ref() {
                Ok(Some(r)) => {
                    if names.len() < 8 {
                        names.push(r.name.to_vec());
                    }
                    if let Some(id) = r.value.object_id().filter(|_| names.len() < 12) {
                        names.push(id.to_vec());
                    }
                }
                _ => break,
            }
        }
    }
    if let Ok(mut it) = t.logs() {
        for _ in 0..100_000 {
            if !matches!(it.next_log(), Ok(Some(_))) {
                break;
            }
        }
    }
    for b in t.blocks().take(10_000) {
        if b.is_err() {
            break;
        }
    }
    names.push(b"refs/heads/main".to_vec());
    for n in &names {
        let _ = t.find_ref(n);
        let _ = t.seek_log(n).map(|mut it| it.next_log().map(|_| ()));
        if let Ok(mut it) = t.refs_for(n) {
            for _ in 0..10_000 {
                if !matches!(it.next_ref(), Ok(Some(_))) {
                    break;
                }
            }
        }
    }
});
