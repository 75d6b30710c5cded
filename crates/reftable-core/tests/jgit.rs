//! Tables of another implementation: JGit's reftable writer and reader
//! (JGit 4.11, independent of git's C library). `fixtures/jgit/` holds
//! tables JGit wrote with its options (block sizes up to 2^24 - 1, unpadded
//! blocks, restart intervals 1 to 65535, one or many index levels, no obj
//! index) and JGit's own dump of each; and tables our writer made, with
//! JGit's dump of them. `fixtures/jgit/generate.sh` regenerates both.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use reftable_core::format::{
    LogRecordRef, LogUpdateRef, LogValueRef, RefRecordRef, RefValueRef, Table, WriteOptions, Writer,
};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/jgit")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A table's records in the line format of `Gen.java dump`, with the time
/// zone left out (JGit 4.11 prints its own reading of the stored minutes).
fn dump(t: &Table) -> Vec<String> {
    let mut out = vec![format!("min {} max {}", t.min_update_index(), t.max_update_index())];
    let mut refs = t.refs().unwrap();
    while let Some(r) = refs.next_ref().unwrap() {
        let v = match r.value {
            RefValueRef::Deletion => "deleted".to_owned(),
            RefValueRef::Val1(id) => hex(id),
            RefValueRef::Val2 { value, peeled } => format!("{} peeled {}", hex(value), hex(peeled)),
            RefValueRef::Symref(t) => format!("symref {}", String::from_utf8_lossy(t)),
        };
        out.push(format!(
            "ref {} {} {v}",
            String::from_utf8_lossy(r.name),
            r.update_index
        ));
    }
    let mut logs = t.logs().unwrap();
    while let Some(l) = logs.next_log().unwrap() {
        out.push(log_line(&l));
    }
    out
}

fn log_line(l: &LogRecordRef<'_>) -> String {
    let head = format!("log {} {}", String::from_utf8_lossy(l.name), l.update_index);
    match &l.value {
        LogValueRef::Deletion => format!("{head} deleted"),
        LogValueRef::Update(u) => format!(
            "{head} {} {} {} <{}> {} TZ {}",
            hex(u.old_id),
            hex(u.new_id),
            String::from_utf8_lossy(u.name),
            String::from_utf8_lossy(u.email),
            u.time,
            String::from_utf8_lossy(u.message).replace('\n', "\\n")
        ),
    }
}

/// JGit's dump with the time zone masked as in [`dump`].
fn jgit_dump(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|line| {
            if !line.starts_with("log ") || line.ends_with(" deleted") {
                return line.to_owned();
            }
            // `… <email> <time> <tz> <message>`: the zone follows the time.
            let after_email = line.find("> ").unwrap() + 2;
            let rest = &line[after_email..];
            let mut parts = rest.splitn(3, ' ');
            let (time, _tz, msg) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap_or(""));
            format!("{}{time} TZ {msg}", &line[..after_email])
        })
        .collect()
}

/// The tables JGit wrote (ours are named `ours-*`).
fn jgit_tables() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ref"))
        .filter(|p| !p.file_name().unwrap().to_str().unwrap().starts_with("ours-"))
        .collect();
    v.sort();
    v
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn we_read_what_jgit_wrote() {
    let paths = jgit_tables();
    assert!(paths.len() >= 7, "JGit fixtures missing: {paths:?}");
    for path in paths {
        let what = path.display().to_string();
        let t = Table::open(&path).unwrap_or_else(|e| panic!("{what}: {e}"));
        let want = jgit_dump(&path.with_extension("jgit.txt"));
        let got = dump(&t);
        assert_eq!(got.len(), want.len(), "{what}: record count");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w, "{what}");
        }

        // Lookups by name, through the (possibly multi-level) index.
        let mut by_id: BTreeMap<Vec<u8>, BTreeSet<String>> = BTreeMap::new();
        for line in want.iter().filter(|l| l.starts_with("ref ")) {
            let f: Vec<&str> = line.split(' ').collect();
            let name = f[1];
            let rec = t
                .find_ref(name.as_bytes())
                .unwrap()
                .unwrap_or_else(|| panic!("{what}: {name}"));
            assert_eq!(rec.update_index.to_string(), f[2], "{what}: {name}");
            let mut missing = name.as_bytes().to_vec();
            missing.push(b'~');
            assert!(t.find_ref(&missing).unwrap().is_none(), "{what}");
            let mut it = t.seek_ref(&name.as_bytes()[..name.len() - 1]).unwrap();
            let first = it.next_ref().unwrap().unwrap();
            assert!(first.name <= name.as_bytes(), "{what}: seek before {name}");
            if f[3] != "deleted" && f[3] != "symref" {
                by_id.entry(unhex(f[3])).or_default().insert(name.to_owned());
                if f.len() == 6 {
                    by_id.entry(unhex(f[5])).or_default().insert(name.to_owned());
                }
            }
        }
        // Refs by object id, through JGit's obj index where it wrote one.
        for (id, names) in &by_id {
            let mut found = BTreeSet::new();
            let mut it = t.refs_for(id).unwrap();
            while let Some(r) = it.next_ref().unwrap() {
                found.insert(String::from_utf8_lossy(r.name).into_owned());
            }
            assert_eq!(&found, names, "{what}: refs_for {}", hex(id));
        }
        assert!(t.refs_for(&[0x5a; 20]).unwrap().next_ref().unwrap().is_none());

        // Logs by name, newest first, and at an update index.
        let mut newest: BTreeMap<&str, &String> = BTreeMap::new();
        for line in want.iter().filter(|l| l.starts_with("log ")) {
            let f: Vec<&str> = line.splitn(4, ' ').collect();
            newest.entry(f[1]).or_insert(line);
            let ui: u64 = f[2].parse().unwrap();
            let mut it = t.seek_log_at(f[1].as_bytes(), ui).unwrap();
            assert_eq!(&log_line(&it.next_log().unwrap().unwrap()), line, "{what}");
        }
        for (name, line) in newest {
            let mut it = t.seek_log(name.as_bytes()).unwrap();
            let l = it.next_log().unwrap().unwrap();
            assert_eq!(&log_line(&l), line, "{what}");
            // JGit stores the zone in minutes ((ui * 30) mod 1440 - 720 in
            // Gen.java); the field is read as the int16 it is.
            if let LogValueRef::Update(u) = &l.value {
                assert_eq!(u.tz_offset as i64, (l.update_index as i64 * 30) % 1440 - 720, "{what}");
            }
        }
    }
}

/// A deterministic set of refs and logs like Gen.java's.
fn our_table(opts: WriteOptions, n: usize, logs: usize) -> Vec<u8> {
    let mut seed = 0x2545_f491_4f6c_dd1du64 ^ n as u64;
    let mut id = move || -> Vec<u8> {
        (0..20)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect()
    };
    let shared = id();
    let mut refs: Vec<(String, RefValueOwned)> = Vec::new();
    for i in 0..n {
        let name = if i % 7 == 0 {
            format!("refs/tags/v{i:05}")
        } else {
            format!("refs/heads/topic/{}-{i:05}", if i % 3 == 0 { "x" } else { "feature" })
        };
        let v = if i % 11 == 0 { shared.clone() } else { id() };
        let value = if i % 7 == 0 && i % 2 == 0 {
            RefValueOwned::Val2(v, id())
        } else if i % 13 == 5 {
            RefValueOwned::Deletion
        } else {
            RefValueOwned::Val1(v)
        };
        refs.push((name, value));
    }
    refs.push(("HEAD".into(), RefValueOwned::Symref("refs/heads/main".into())));
    refs.push(("refs/heads/main".into(), RefValueOwned::Val1(id())));
    refs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut w = Writer::new(Vec::new(), opts).unwrap();
    w.set_limits(1, 3).unwrap();
    for (name, v) in &refs {
        let value = match v {
            RefValueOwned::Deletion => RefValueRef::Deletion,
            RefValueOwned::Val1(a) => RefValueRef::Val1(a),
            RefValueOwned::Val2(a, b) => RefValueRef::Val2 { value: a, peeled: b },
            RefValueOwned::Symref(t) => RefValueRef::Symref(t.as_bytes()),
        };
        w.add_ref(&RefRecordRef {
            name: name.as_bytes(),
            update_index: 3,
            value,
        })
        .unwrap();
    }
    let mut names: Vec<String> = (0..logs)
        .map(|i| format!("refs/heads/topic/feature-{:05}", i * 3 + 1))
        .collect();
    names.push("HEAD".into());
    names.push("refs/heads/main".into());
    names.sort();
    for name in &names {
        for ui in (1..=3u64).rev() {
            let (old, new) = (if ui == 1 { vec![0; 20] } else { id() }, id());
            let msg = format!("update {ui}\n");
            let value = if name == "refs/heads/main" && ui == 2 {
                LogValueRef::Deletion
            } else {
                LogValueRef::Update(LogUpdateRef {
                    old_id: &old,
                    new_id: &new,
                    name: "Ré Writer".as_bytes(),
                    email: b"rust@example.com",
                    time: 1_600_000_000 + ui * 60,
                    tz_offset: -(ui as i16) * 130,
                    message: msg.as_bytes(),
                })
            };
            w.add_log(&LogRecordRef {
                name: name.as_bytes(),
                update_index: ui,
                value,
            })
            .unwrap();
        }
    }
    w.finish().unwrap().0
}

enum RefValueOwned {
    Deletion,
    Val1(Vec<u8>),
    Val2(Vec<u8>, Vec<u8>),
    Symref(String),
}

/// The tables of ours that JGit read: (file name, bytes).
fn ours() -> Vec<(&'static str, Vec<u8>)> {
    let small = WriteOptions {
        block_size: 300,
        restart_interval: 3,
        unpadded: true,
        ..WriteOptions::default()
    };
    let no_obj = WriteOptions {
        block_size: 1024,
        restart_interval: 1,
        skip_index_objects: true,
        ..WriteOptions::default()
    };
    vec![
        ("ours-default.ref", our_table(WriteOptions::default(), 2000, 100)),
        ("ours-small-unpadded.ref", our_table(small, 2000, 200)),
        ("ours-no-obj-index.ref", our_table(no_obj, 1500, 50)),
    ]
}

/// Writes [`ours`] into `fixtures/jgit/` (run by generate.sh before JGit
/// dumps them).
#[test]
#[ignore]
fn write_ours() {
    for (name, bytes) in ours() {
        std::fs::write(dir().join(name), bytes).unwrap();
    }
}

#[test]
fn jgit_reads_what_we_wrote() {
    for (name, bytes) in ours() {
        let path = dir().join(name);
        let committed = std::fs::read(&path).unwrap();
        // JGit's dump below is of the committed file: our writer must still
        // write it byte for byte (else rerun fixtures/jgit/generate.sh).
        assert!(
            committed == bytes,
            "{name}: our writer's output changed; rerun fixtures/jgit/generate.sh"
        );
        let t = Table::from_bytes(name, bytes).unwrap();
        let want = jgit_dump(&path.with_extension("jgit.txt"));
        let got = dump(&t);
        assert_eq!(got.len(), want.len(), "{name}: record count");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w, "{name}: JGit read this differently");
        }
    }
}
