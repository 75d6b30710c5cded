//! `Store::apply_bulk` against a transaction of the same edits: on random
//! stacks and random batches (expected values, D/F patterns, duplicates,
//! symrefs, unchanged values), both give the same outcome and leave the same
//! refs and reflogs, record for record.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use rand::{rngs::StdRng, Rng, SeedableRng};
use reftable::stack::{Options, Stack};
use reftable::store::bulk::{Bulk, Expect, Outcome};
use reftable::store::Store;

fn sig() -> gix_actor::Signature {
    gix_actor::Signature {
        name: "B".into(),
        email: "b@example.com".into(),
        time: gix_date::Time::new(1_700_000_000, 3600),
    }
}

/// Every ref and log record of the stack.
fn dump(dir: &Path) -> String {
    let stack = Stack::open(&dir.join(".git/reftable"), Options::default()).unwrap();
    let merged = stack.merged();
    let mut out = String::new();
    for r in merged.refs().unwrap() {
        out += &format!("{:?}\n", r.unwrap());
    }
    for l in merged.logs().unwrap() {
        out += &format!("{:?}\n", l.unwrap());
    }
    out
}

fn names(rng: &mut StdRng) -> String {
    let pool = [
        "refs/heads/a",
        "refs/heads/a/b",
        "refs/heads/a-b",
        "refs/heads/c",
        "refs/heads/main",
        "refs/tags/t",
        "refs/tags/t/u",
        "refs/notes/n",
        "refs/other/o",
        "refs/remotes/r/x",
        "refs/heads/sym",
    ];
    if rng.gen_bool(0.4) {
        pool[rng.gen_range(0..pool.len())].to_string()
    } else {
        format!("refs/heads/n{}", rng.gen_range(0..200))
    }
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn bulk_and_transaction_agree() {
    let tmp = tempfile::tempdir().unwrap();
    git_init(tmp.path(), "repo", &["--ref-format=reftable"]);
    let base = tmp.path().join("repo");
    let mut ids = Vec::new();
    for i in 0..3 {
        git_out(&base, &["commit", "-q", "--allow-empty", "-m", &format!("c{i}")]);
        ids.push(git_out(&base, &["rev-parse", "HEAD"]).trim().to_owned());
    }
    git_out(&base, &["tag", "-a", "-m", "t", "annotated", &ids[0]]);
    ids.push(git_out(&base, &["rev-parse", "refs/tags/annotated"]).trim().to_owned());
    let ids: Vec<gix_hash::ObjectId> = ids
        .iter()
        .map(|h| gix_hash::ObjectId::from_hex(h.as_bytes()).unwrap())
        .collect();
    let mut rng = StdRng::seed_from_u64(17);
    let (mut same_ok, mut same_err, mut handed_back) = (0, 0, 0);
    for round in 0..100 {
        // A random starting point: some refs (maybe a symref), some with reflogs.
        let start: PathBuf = tmp.path().join(format!("start-{round}"));
        copy_dir(&base, &start);
        for _ in 0..rng.gen_range(0..6) {
            let n = names(&mut rng);
            let _ = git(&start)
                .args(["update-ref", &n, &ids[rng.gen_range(0..ids.len())].to_string()])
                .output();
        }
        let symref = rng.gen_bool(0.2);
        if symref {
            let _ = git(&start)
                .args(["symbolic-ref", "refs/heads/sym", "refs/heads/c"])
                .output();
        }
        if rng.gen_bool(0.3) {
            let _ = git(&start).args(["symbolic-ref", "HEAD", "refs/heads/a"]).output();
        }
        let force = rng.gen_bool(0.2);
        let mut bulk = Bulk::new(gix_hash::Kind::Sha1, "bulk".into(), force);
        if symref && rng.gen_bool(0.5) {
            bulk.push(b"refs/heads/sym", ids[1], Expect::Any).unwrap();
        }
        for _ in 0..rng.gen_range(1..5) {
            let n = names(&mut rng);
            let new = ids[rng.gen_range(0..ids.len())];
            let old = match rng.gen_range(0..8) {
                0..=3 => Expect::Any,
                4 | 5 => Expect::MustNotExist,
                _ => Expect::MustMatch(ids[rng.gen_range(0..ids.len())]),
            };
            bulk.push(n.as_bytes(), new, old).unwrap();
        }
        let (a, b) = (
            tmp.path().join(format!("a-{round}")),
            tmp.path().join(format!("b-{round}")),
        );
        copy_dir(&start, &a);
        copy_dir(&start, &b);
        let s = sig();
        let mut buf = gix_date::parse::TimeBuf::default();
        let lock = gix_lock::acquire::Fail::Immediately;
        let store_a = Store::at(&a.join(".git"), gix_hash::Kind::Sha1).unwrap();
        let res_a = match store_a.apply_bulk(bulk.clone(), lock, Some(s.to_ref(&mut buf))) {
            Ok(Outcome::Applied) => Ok(()),
            Ok(Outcome::NeedsTransaction(back)) => {
                handed_back += 1;
                store_a
                    .transaction()
                    .prepare(back.into_edits(), lock)
                    .and_then(|t| t.commit(Some(s.to_ref(&mut buf))))
                    .map(drop)
            }
            Err(e) => Err(e),
        };
        let store_b = Store::at(&b.join(".git"), gix_hash::Kind::Sha1).unwrap();
        let res_b = store_b
            .transaction()
            .prepare(bulk.into_edits(), lock)
            .and_then(|t| t.commit(Some(s.to_ref(&mut buf))))
            .map(drop);
        let what = format!("round {round}: bulk {res_a:?}, transaction {res_b:?}");
        assert_eq!(res_a.is_ok(), res_b.is_ok(), "{what}");
        if let (Err(x), Err(y)) = (&res_a, &res_b) {
            assert_eq!(std::mem::discriminant(x), std::mem::discriminant(y), "{what}");
            same_err += 1;
        } else {
            same_ok += 1;
        }
        assert_lines_eq(&dump(&a), &dump(&b), &what);
    }
    eprintln!("{same_ok} applied alike, {same_err} refused alike, {handed_back} handed back to a transaction");
    assert!(same_ok > 10 && same_err > 10);
}
