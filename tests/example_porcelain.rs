//! The `examples/porcelain.rs` program runs unchanged on a files and a
//! reftable repository, and git agrees with what it did.

mod common;

#[path = "../examples/porcelain.rs"]
mod porcelain;

use common::*;

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn porcelain_works_on_both_backends() {
    let tmp = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for format in ["files", "reftable"] {
        let dir = git_init(tmp.path(), format, &[&format!("--ref-format={format}")]);
        git_out(&dir, &["config", "user.name", "Porcelain"]);
        git_out(&dir, &["config", "user.email", "p@example.com"]);
        git_out(&dir, &["commit", "-q", "--allow-empty", "-m", "first"]);
        let run = |args: &[&str]| {
            let mut v = vec![dir.to_string_lossy().into_owned()];
            v.extend(args.iter().map(|s| s.to_string()));
            porcelain::run(&v).unwrap()
        };
        assert_eq!(run(&["current"]), "main\n");
        let head = git_out(&dir, &["rev-parse", "HEAD"]);
        assert_eq!(run(&["branch", "topic"]), format!("created topic at {head}"));
        assert_eq!(git_out(&dir, &["rev-parse", "topic"]), head);
        assert_eq!(
            git_out(&dir, &["reflog", "show", "--format=%gs", "topic"]),
            "branch: Created from HEAD\n"
        );
        let branches = run(&["branches"]);
        assert_eq!(branches, format!("main {}topic {}", head, head));
        assert!(run(&["reflog"]).contains("commit (initial): first"));
        assert_eq!(
            git_out(&dir, &["reflog", "show", "--format=%gs", "topic"]),
            "branch: Created from HEAD\n",
            "no-op wrote nothing"
        );
        // Creating it again at the same commit is a no-op in gix-ref's semantics; elsewhere it fails.
        run(&["branch", "topic"]);
        git_out(&dir, &["commit", "-q", "--allow-empty", "-m", "second"]);
        assert!(
            porcelain::run(&[dir.to_string_lossy().into_owned(), "branch".into(), "topic".into()]).is_err(),
            "exists"
        );
        git_out(&dir, &["refs", "verify"]);
        outputs.push((branches, run(&["reflog"])));
    }
    assert_eq!(outputs[0], outputs[1]);
}
