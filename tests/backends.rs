//! One gix program, two backends: the same transaction suite runs through
//! `reftable::backend::RefStore` against gix-ref's files store and against
//! our reftable store; results and git's view of both repositories agree.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use gix_ref::bstr::{BStr, ByteSlice};
use gix_ref::transaction::{LogChange, PreviousValue, RefEdit, RefLog};
use gix_ref::{FullName, Target};
use reftable::backend::{open, RefStore};

fn name(s: &str) -> FullName {
    s.try_into().unwrap()
}

fn repo(tmp: &Path, format: &str) -> (PathBuf, Vec<gix_hash::ObjectId>, gix_hash::ObjectId) {
    let dir = git_init(tmp, format, &[&format!("--ref-format={format}")]);
    let mut c = Vec::new();
    for i in 0..3 {
        git_out(&dir, &["commit", "-q", "--allow-empty", "-m", &format!("c{i}")]);
        c.push(gix_hash::ObjectId::from_hex(git_out(&dir, &["rev-parse", "HEAD"]).trim().as_bytes()).unwrap());
    }
    // An annotated tag object without a ref pointing at it.
    git_out(&dir, &["tag", "-a", "-m", "release", "tmp", &c[1].to_string()]);
    let tag = gix_hash::ObjectId::from_hex(git_out(&dir, &["rev-parse", "tmp"]).trim().as_bytes()).unwrap();
    git_out(&dir, &["tag", "-d", "tmp"]);
    (dir, c, tag)
}

/// Runs the suite; returns a transcript of outcomes.
fn suite(store: &dyn RefStore, c: &[gix_hash::ObjectId], tag: gix_hash::ObjectId) -> Vec<String> {
    let sig = gix_actor::Signature {
        name: "Suite".into(),
        email: "suite@example.com".into(),
        time: gix_date::Time {
            seconds: 1_800_000_000,
            offset: -3600,
        },
    };
    let mut buf = gix_date::parse::TimeBuf::default();
    let fail = gix_lock::acquire::Fail::Immediately;
    let mut out = Vec::new();
    let mut run = |what: &str, edits: Vec<RefEdit>| {
        let res = store.apply(edits, fail, Some(sig.to_ref(&mut buf)));
        out.push(format!("{what}: {}", if res.is_ok() { "ok" } else { "error" }));
    };
    run(
        "create a",
        vec![RefEdit::update(
            name("refs/heads/a"),
            c[0],
            PreviousValue::MustNotExist,
            "create a",
        )],
    );
    run(
        "create a again",
        vec![RefEdit::update(
            name("refs/heads/a"),
            c[1],
            PreviousValue::MustNotExist,
            "again",
        )],
    );
    run(
        "update a",
        vec![RefEdit::update(
            name("refs/heads/a"),
            c[1],
            PreviousValue::MustExistAndMatch(Target::Object(c[0])),
            "update a",
        )],
    );
    run(
        "stale update a",
        vec![RefEdit::update(
            name("refs/heads/a"),
            c[2],
            PreviousValue::MustExistAndMatch(Target::Object(c[0])),
            "stale",
        )],
    );
    run(
        "existing must match",
        vec![RefEdit::update(
            name("refs/heads/b"),
            c[2],
            PreviousValue::ExistingMustMatch(Target::Object(c[0])),
            "b",
        )],
    );
    run(
        "tag",
        vec![RefEdit::update(
            name("refs/tags/v1"),
            tag,
            PreviousValue::MustNotExist,
            "",
        )],
    );
    run(
        "symref",
        vec![RefEdit::update(
            name("refs/remotes/origin/HEAD"),
            Target::Symbolic(name("refs/heads/main")),
            PreviousValue::Any,
            "",
        )],
    );
    run(
        "d/f conflict",
        vec![RefEdit::update(
            name("refs/heads/main/x"),
            c[0],
            PreviousValue::Any,
            "x",
        )],
    );
    run(
        "f/d conflict",
        vec![RefEdit::update(name("refs/heads"), c[0], PreviousValue::Any, "x")],
    );
    run(
        "duplicate",
        vec![
            RefEdit::update(name("refs/heads/d"), c[0], PreviousValue::Any, "1"),
            RefEdit::update(name("refs/heads/d"), c[1], PreviousValue::Any, "2"),
        ],
    );
    run(
        "deref HEAD",
        vec![RefEdit::update_with_log(
            name("HEAD"),
            c[0],
            PreviousValue::Any,
            LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: "reset: moving to HEAD~2".into(),
            },
        )
        .with_deref(true)],
    );
    run(
        "delete a",
        vec![RefEdit::delete(
            name("refs/heads/a"),
            PreviousValue::MustExistAndMatch(Target::Object(c[1])),
        )],
    );
    run(
        "delete missing",
        vec![RefEdit::delete(name("refs/heads/a"), PreviousValue::MustExist)],
    );
    run(
        "atomic: one bad edit fails all",
        vec![
            RefEdit::update(name("refs/heads/e"), c[0], PreviousValue::MustNotExist, "e"),
            RefEdit::update(name("refs/heads/b"), c[0], PreviousValue::MustNotExist, "b exists"),
        ],
    );
    // Reading through the trait.
    let mut names = Vec::new();
    store
        .for_each_ref("refs/heads/".into(), &mut |r| {
            names.push(r.name.to_string());
            Ok(true)
        })
        .unwrap();
    out.push(format!("heads: {names:?}"));
    let mut pseudo = Vec::new();
    store
        .for_each_pseudo_ref(&mut |r| {
            pseudo.push(r.name.to_string());
            Ok(true)
        })
        .unwrap();
    out.push(format!("pseudo: {pseudo:?}"));
    for n in ["main", "HEAD", "v1", "origin", "refs/heads/a"] {
        let r = store.try_find_ref(BStr::new(n)).unwrap();
        out.push(format!("find {n}: {:?}", r.map(|r| (r.name.to_string(), r.target))));
    }
    let log = store.reflog(name("refs/heads/main").as_ref()).unwrap().unwrap();
    out.push(format!(
        "main reflog: {:?}",
        log.iter()
            .map(|l| l.message.to_str_lossy().into_owned())
            .collect::<Vec<_>>()
    ));
    out.push(format!(
        "a reflog exists: {}",
        store.reflog_exists(name("refs/heads/a").as_ref()).unwrap()
    ));
    out
}

fn git_view(dir: &Path) -> String {
    let mut s = git_out(
        dir,
        &[
            "for-each-ref",
            "--format=%(refname) %(objectname) %(*objectname) %(symref)",
        ],
    );
    for r in ["HEAD", "refs/heads/main", "refs/heads/b"] {
        s += &git_out(
            dir,
            &["reflog", "show", "--date=raw", "--format=%gD %H %gn <%ge> %gs", r],
        );
    }
    s
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn same_program_same_results_on_both_backends() {
    let tmp = tempfile::tempdir().unwrap();
    let mut transcripts = Vec::new();
    let mut views = Vec::new();
    for format in ["files", "reftable"] {
        let (dir, c, tag) = repo(tmp.path(), format);
        let repo = gix::open(&dir).unwrap();
        let store = open(&repo).unwrap();
        transcripts.push(suite(store.as_ref(), &c, tag));
        views.push(git_view(&dir));
        git_out(&dir, &["refs", "verify"]);
        git_out(&dir, &["fsck", "--no-progress"]);
        if format == "reftable" {
            // The tag was stored with its peeled value (from the object database).
            let peeled = git_out(&dir, &["for-each-ref", "--format=%(*objectname)", "refs/tags/v1"]);
            assert_eq!(peeled, format!("{}\n", c[1]));
            let tables = stack_tables(&dir.join(".git"));
            let mut found = false;
            for t in tables {
                let t = reftable::format::Table::open(&t).unwrap();
                if let Some(r) = t.find_ref(b"refs/tags/v1").unwrap() {
                    found = r.value.peeled() == Some(c[1].as_bytes());
                }
            }
            assert!(found, "refs/tags/v1 is stored as a peeled (val2) record");
        }
    }
    assert_eq!(transcripts[0], transcripts[1], "files vs reftable transcripts");
    assert_lines_eq(&views[1], &views[0], "git's view: reftable vs files");
    let expected_ok = [
        "create a: ok",
        "update a: ok",
        "tag: ok",
        "symref: ok",
        "deref HEAD: ok",
        "delete a: ok",
    ];
    for e in expected_ok {
        assert!(transcripts[1].iter().any(|l| l == e), "{e}: {:?}", transcripts[1]);
    }
    for e in [
        "create a again: error",
        "stale update a: error",
        "d/f conflict: error",
        "f/d conflict: error",
        "duplicate: error",
        "delete missing: error",
        "atomic: one bad edit fails all: error",
    ] {
        assert!(transcripts[1].iter().any(|l| l == e), "{e}: {:?}", transcripts[1]);
    }
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn missing_objects_are_refused_with_an_object_database() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, _c, _tag) = repo(tmp.path(), "reftable");
    let repo = gix::open(&dir).unwrap();
    let store = reftable::store::Store::from_repo(&repo).unwrap();
    let missing = gix_hash::ObjectId::from_hex(b"1234567890123456789012345678901234567890").unwrap();
    let err = store
        .transaction()
        .prepare(
            vec![RefEdit::update(name("refs/heads/x"), missing, PreviousValue::Any, "x")],
            gix_lock::acquire::Fail::Immediately,
        )
        .err()
        .expect("refused");
    assert!(matches!(err, reftable::store::Error::MissingObject { .. }), "{err}");
}
