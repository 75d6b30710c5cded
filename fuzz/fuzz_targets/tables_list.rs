//! Parses arbitrary `tables.list` contents: only plain table names inside
//! the stack directory are accepted.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(names) = reftable_core::stack::parse_names(text, std::path::Path::new("tables.list")) {
        for n in names {
            assert!(!n.is_empty() && !n.contains('/') && !n.contains('\\') && n != ".." && n != ".");
        }
    }
});
