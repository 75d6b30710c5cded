//! Long writes stop when the process is asked to (its own test binary: the
//! flag is process-wide), and leave nothing behind.

use reftable_core::format::{RefRecordRef, RefValueRef};
use reftable_core::interrupt;
use reftable_core::stack::{Error, Options, Stack};

#[test]
fn compaction_stops_on_interrupt_and_leaves_the_stack_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        disable_auto_compact: true,
        ..Options::default()
    };
    let mut stack = Stack::open(dir.path(), opts).unwrap();
    for t in 0..3u32 {
        let next = stack.next_update_index();
        stack
            .add(|w| {
                w.set_limits(next, next)?;
                for i in 0..50_000u32 {
                    let name = format!("refs/heads/t{t}-{i:06}");
                    w.add_ref(&RefRecordRef {
                        name: name.as_bytes(),
                        update_index: next,
                        value: RefValueRef::Val1(&[0x11; 20]),
                    })?;
                }
                Ok(())
            })
            .unwrap();
    }
    let before: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    interrupt::trigger();
    assert!(matches!(stack.compact_all(None), Err(Error::Interrupted)));
    let mut after: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let mut before = before;
    before.sort();
    after.sort();
    assert_eq!(before, after, "nothing left behind, nothing changed");
    assert_eq!(interrupt::registered_files(), 0);

    interrupt::reset();
    stack.compact_all(None).unwrap();
    assert_eq!(stack.tables().len(), 1);
    let merged = stack.merged();
    let mut refs = merged.refs().unwrap();
    let mut n = 0;
    while refs.next_ref().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 150_000);
}
