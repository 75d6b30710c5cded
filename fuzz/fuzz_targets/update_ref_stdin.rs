//! Parses arbitrary `update-ref --stdin` scripts, line and NUL forms: every
//! instruction or a typed error, no panic; the parse stops at the first error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reftable_cli::stdin::Instructions;

fuzz_target!(|data: &[u8]| {
    for z in [false, true] {
        let mut it = Instructions::new(data, z);
        let mut errors = 0;
        let mut last = data.len() + 1;
        while let Some(ins) = it.next() {
            assert!(it.remaining() < last, "no progress");
            last = it.remaining();
            errors += usize::from(ins.is_err());
        }
        assert!(errors <= 1);
    }
});
