//! Byte compatibility: reading every record of a git-written table and
//! writing them again with git's options reproduces git's file.

#[path = "../../../tests/common/mod.rs"]
mod common;

use common::*;
use reftable_core::format::{LogRecord, RefRecord, Table, WriteOptions, Writer};

/// Restart interval each fixture was made with (tables do not store it).
fn restart_interval(repo: &str) -> usize {
    if repo == "blocksize.git" {
        5
    } else {
        16
    }
}

fn rewrite(t: &Table, restart_interval: usize) -> Vec<u8> {
    let h = t.header();
    let opts = WriteOptions {
        block_size: h.block_size,
        restart_interval,
        hash: h.hash,
        // Records read back are already normalized; store them verbatim.
        exact_log_message: true,
        ..WriteOptions::default()
    };
    let mut w = Writer::new(Vec::new(), opts).unwrap();
    w.set_limits(h.min_update_index, h.max_update_index).unwrap();
    let refs: Vec<RefRecord> = t.refs().unwrap().map(|r| r.unwrap()).collect();
    let logs: Vec<LogRecord> = t.logs().unwrap().map(|r| r.unwrap()).collect();
    for r in &refs {
        w.add_ref(&r.as_ref()).unwrap();
    }
    for l in &logs {
        w.add_log(&l.as_ref()).unwrap();
    }
    w.finish().unwrap().0
}

#[test]
fn rewriting_git_tables_reproduces_them() {
    let mut tables = 0;
    let mut with_logs = 0;
    for repo in fixture_repos() {
        for path in stack_tables(&fixtures().join(&repo)) {
            let original = std::fs::read(&path).unwrap();
            let t = Table::open(&path).unwrap();
            let ours = rewrite(&t, restart_interval(&repo));
            let name = format!("{repo}/{}", path.file_name().unwrap().to_string_lossy());
            let log_start = if t.has_logs() {
                t.footer().log_offset as usize
            } else {
                original.len()
            };
            // Ref, obj and index sections: identical bytes.
            if t.has_refs() {
                assert_eq!(
                    ours.get(..log_start),
                    original.get(..log_start),
                    "{name}: ref/obj sections differ"
                );
            }
            // Log section: identical records after inflating.
            let back = Table::from_bytes("ours", ours.clone()).unwrap();
            let a: Vec<LogRecord> = back.logs().unwrap().map(|r| r.unwrap()).collect();
            let b: Vec<LogRecord> = t.logs().unwrap().map(|r| r.unwrap()).collect();
            assert_eq!(a, b, "{name}: log records differ");
            // With the zlib backend the deflated log blocks match as well.
            assert!(
                ours == original,
                "{name}: tables differ (sizes {} vs {})",
                ours.len(),
                original.len()
            );
            tables += 1;
            with_logs += usize::from(t.has_logs());
        }
    }
    assert!(tables > 40 && with_logs > 20, "{tables} tables, {with_logs} with logs");
}
