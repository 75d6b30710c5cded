//! Hostile `update-ref --stdin` scripts against the parser alone.

use rand::{rngs::StdRng, Rng, SeedableRng};
use reftable_cli::stdin::Instructions;

/// The `update-ref --stdin` parser (what the `update_ref_stdin` target drives):
/// random scripts built from its own words never panic, always make progress,
/// and stop at the first error.
#[test]
fn random_stdin_scripts_never_panic() {
    let words: &[&[u8]] = &[
        b"update",
        b"create",
        b"delete",
        b"verify",
        b"symref-update",
        b"symref-create",
        b"symref-delete",
        b"symref-verify",
        b"option",
        b"no-deref",
        b"start",
        b"prepare",
        b"commit",
        b"abort",
        b"ref",
        b"oid",
        b"refs/heads/a",
        b"HEAD",
        b"1234",
        b" ",
        b"  ",
        b"\n",
        b"\0",
        b"\xff",
        b"",
    ];
    let mut rng = StdRng::seed_from_u64(11);
    for _ in 0..20_000 {
        let mut script = Vec::new();
        for _ in 0..rng.gen_range(0..24) {
            script.extend_from_slice(words[rng.gen_range(0..words.len())]);
            if rng.gen_bool(0.5) {
                script.push([b' ', b'\n', 0][rng.gen_range(0..3)]);
            }
        }
        for z in [false, true] {
            let mut it = Instructions::new(&script, z);
            let (mut last, mut errors) = (usize::MAX, 0);
            while let Some(ins) = it.next() {
                assert!(it.remaining() < last, "no progress on {script:?}");
                last = it.remaining();
                errors += usize::from(ins.is_err());
            }
            assert!(errors <= 1);
        }
    }
}
