//! The store's read side with gix types, judged by git on git-made repositories.

mod common;

use common::*;
use gix_ref::Target;
use reftable::store::Store;

fn kind_of(repo: &str) -> gix_hash::Kind {
    if repo.contains("256") {
        gix_hash::Kind::Sha256
    } else {
        gix_hash::Kind::Sha1
    }
}

fn line(r: &gix_ref::Reference) -> String {
    match &r.target {
        Target::Object(id) => format!(
            "{} {} {}",
            r.name,
            id,
            r.peeled.map(|p| p.to_string()).unwrap_or_default()
        ),
        Target::Symbolic(t) => format!("{} -> {}", r.name, t),
    }
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn iteration_matches_git() {
    for repo in fixture_repos() {
        let (_tmp, dir) = fixture_copy(&repo);
        let store = Store::at(&dir, kind_of(&repo)).unwrap();
        let platform = store.iter().unwrap();
        let ours: String = platform.all().unwrap().map(|r| line(&r.unwrap()) + "\n").collect();
        let git: String = git_out(
            &dir,
            &[
                "for-each-ref",
                "--format=%(refname) %(objectname) %(*objectname)%(symref)",
            ],
        )
        .lines()
        .map(|l| {
            // Symbolic refs: git prints the resolved id and the target.
            let parts: Vec<&str> = l.splitn(3, ' ').collect();
            if parts[2].starts_with("refs/") {
                format!("{} -> {}\n", parts[0], parts[2])
            } else {
                format!("{l}\n")
            }
        })
        .collect();
        assert_lines_eq(&ours, &git, &repo);
        // Prefixed iteration seeks and stops at the prefix.
        let heads: Vec<String> = platform
            .prefixed(b"refs/heads/")
            .unwrap()
            .map(|r| r.unwrap().name.to_string())
            .collect();
        let git_heads = git_out(&dir, &["for-each-ref", "--format=%(refname)", "refs/heads/"]);
        assert_eq!(heads.join("\n") + "\n", git_heads, "{repo}");
        let pseudo: Vec<String> = platform
            .pseudo()
            .unwrap()
            .map(|r| r.unwrap().name.to_string())
            .collect();
        assert_eq!(pseudo, ["HEAD"], "{repo}");
    }
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn lookups_resolve_partial_names_like_git() {
    let (_tmp, dir) = fixture_copy("sha1.git");
    let store = Store::at(&dir, gix_hash::Kind::Sha1).unwrap();
    for name in [
        "HEAD",
        "main",
        "feature",
        "v1.0",
        "light",
        "origin",
        "origin/main",
        "refs/notes/commits",
        "heads/main",
        "tags/v2.0",
    ] {
        let git = git_out(&dir, &["rev-parse", "--symbolic-full-name", name]);
        let ours = store.find(name).unwrap();
        let ours_full = match &ours.target {
            Target::Symbolic(t) if name == "HEAD" || name == "origin" => t.to_string(),
            _ => ours.name.to_string(),
        };
        // rev-parse resolves symrefs to what they point at.
        assert_eq!(format!("{ours_full}\n"), git, "{name}");
    }
    assert!(store.try_find("does-not-exist").unwrap().is_none());
    assert!(store.find("does-not-exist").unwrap_err().is_not_found());
    assert!(
        store.try_find("refs/heads/doomed").unwrap().is_none(),
        "deleted in a later table"
    );
    assert!(store.try_find("bad..name").is_err());
    let tag = store.find("v1.0").unwrap();
    let peeled = git_out(&dir, &["rev-parse", "v1.0^{}"]);
    assert_eq!(format!("{}\n", tag.peeled.unwrap()), peeled);
}

#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn reflogs_match_git() {
    for repo in ["sha1.git", "sha256.git"] {
        let (_tmp, dir) = fixture_copy(repo);
        let store = Store::at(&dir, kind_of(repo)).unwrap();
        for name in ["refs/heads/main", "refs/heads/feature"] {
            assert!(store.reflog_exists(name).unwrap());
            let rev: Vec<gix_ref::log::Line> = store
                .reflog_iter_rev(name)
                .unwrap()
                .unwrap()
                .map(|l| l.unwrap())
                .collect();
            let ours: String = rev
                .iter()
                .map(|l| {
                    let t = l.signature.time;
                    let (sign, abs) = if t.offset < 0 {
                        ('-', -t.offset)
                    } else {
                        ('+', t.offset)
                    };
                    format!(
                        "{} {}{:02}{:02} {} {} <{}> {}\n",
                        t.seconds,
                        sign,
                        abs / 3600,
                        abs % 3600 / 60,
                        l.new_oid,
                        l.signature.name,
                        l.signature.email,
                        l.message
                    )
                })
                .collect();
            let git = git_out(
                &dir,
                &[
                    "reflog",
                    "show",
                    "--date=raw",
                    "--no-abbrev-commit",
                    "--format=%gd %H %gn <%ge> %gs",
                    name,
                ],
            );
            let git: String = git
                .lines()
                .map(|l| {
                    let (sel, rest) = l.split_once("} ").unwrap();
                    format!("{} {rest}\n", sel.split_once('{').unwrap().1)
                })
                .collect();
            assert_lines_eq(&ours, &git, &format!("{repo} {name}"));
            let fwd: Vec<gix_ref::log::Line> = store.reflog_iter(name).unwrap().unwrap().map(|l| l.unwrap()).collect();
            assert_eq!(fwd.into_iter().rev().collect::<Vec<_>>(), rev);
        }
        assert!(!store.reflog_exists("refs/heads/nope").unwrap());
        assert!(store.reflog_iter("refs/heads/nope").unwrap().is_none());
    }
}

/// The crate-root entry points (`reftable::Store`, `reftable::open`) and
/// lookups taking gix-ref's name types as gix-ref's `file::Store` does.
#[test]
fn entry_points_take_gix_names() {
    let (_tmp, dir) = fixture_copy("sha1.git");
    let store = reftable::Store::at(&dir, gix_hash::Kind::Sha1).unwrap();
    let full: gix_ref::FullName = "refs/heads/main".try_into().unwrap();
    let by_str = store.find("main").unwrap();
    assert_eq!(store.find(&full).unwrap(), by_str);
    assert_eq!(store.find(full.as_ref()).unwrap(), by_str);
    assert_eq!(store.try_find(full.as_bstr()).unwrap(), Some(by_str.clone()));
    let partial: &gix_ref::PartialNameRef = "main".try_into().unwrap();
    assert_eq!(store.find(partial).unwrap(), by_str);
    assert_eq!(store.find(String::from("refs/heads/main")).unwrap(), by_str);
    assert!(store.reflog_exists(&full).unwrap());
    assert_eq!(
        store.reflog_iter(&full).unwrap().unwrap().count(),
        store.reflog_iter_rev("refs/heads/main").unwrap().unwrap().count()
    );
    let platform = store.iter().unwrap();
    let heads = |it: reftable::store::RefIter<'_>| it.map(|r| r.unwrap().name).collect::<Vec<_>>();
    let by_bytes = heads(platform.prefixed(b"refs/heads/").unwrap());
    assert!(by_bytes.contains(&full));
    assert_eq!(heads(platform.prefixed("refs/heads/").unwrap()), by_bytes);
    let rel: &gix::path::RelativePath = "refs/heads/".try_into().unwrap();
    assert_eq!(heads(platform.prefixed(rel).unwrap()), by_bytes);

    let repo = gix::open(&dir).unwrap();
    let refs = reftable::open(&repo).unwrap();
    let head = refs.find_ref("HEAD".into()).unwrap();
    assert_eq!(head.name.as_bstr(), "HEAD");
}

/// A repository of `format` for following and peeling: two commits on
/// `main`, annotated tags `t1` and `t2` (a tag of `t1`), a lightweight tag,
/// symbolic refs `c1` → `main`, `c<i>` → `c<i-1>` up to `c6`, a cycle
/// `x` ⇄ `y` and a dangling `dangling`.
fn peel_repo(format: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = git_init(tmp.path(), "r", &[&format!("--ref-format={format}")]);
    make_commits(&dir, 2);
    git_out(&dir, &["tag", "-a", "-m", "one", "t1"]);
    git_out(&dir, &["tag", "-a", "-m", "two", "t2", "t1"]);
    git_out(&dir, &["tag", "light"]);
    git_out(&dir, &["pack-refs", "--all"]);
    git_out(&dir, &["symbolic-ref", "refs/heads/c1", "refs/heads/main"]);
    for i in 2..=6 {
        let (name, target) = (format!("refs/heads/c{i}"), format!("refs/heads/c{}", i - 1));
        git_out(&dir, &["symbolic-ref", &name, &target]);
    }
    git_out(&dir, &["symbolic-ref", "refs/heads/x", "refs/heads/y"]);
    git_out(&dir, &["symbolic-ref", "refs/heads/y", "refs/heads/x"]);
    git_out(&dir, &["symbolic-ref", "refs/heads/dangling", "refs/heads/nowhere"]);
    (tmp, dir)
}

/// What `git rev-parse -q --verify <spec>` prints, if it succeeds.
fn rev_parse(dir: &std::path::Path, spec: &str) -> Option<String> {
    let out = git(dir).args(["rev-parse", "-q", "--verify", spec]).output().unwrap();
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap().trim().to_string())
}

/// `follow`, `follow_to_object` and `peel_to_id` resolve as git does:
/// chains of symbolic refs up to git's depth (five refs read), cycles and
/// dangling targets refused, annotated tags (and tags of tags) peeled to
/// what `git rev-parse <name>^{}` names, by the stored peeled value or
/// through the object database.
#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn follow_and_peel_as_git() {
    let (_tmp, dir) = peel_repo("reftable");
    let repo = gix::open(&dir).unwrap();
    let store = Store::from_repo(&repo).unwrap();
    let rev_parse = |spec: &str| rev_parse(&dir, spec);

    let head = store.find("HEAD").unwrap();
    let main = store.follow(&head).unwrap().unwrap();
    assert_eq!(main.name.as_bstr(), "refs/heads/main");
    assert!(store.follow(&main).is_none());

    for i in 1..=6 {
        let name = format!("refs/heads/c{i}");
        let mut r = store.find(name.as_str()).unwrap();
        let ours = store.follow_to_object(&mut r);
        match rev_parse(&name) {
            Some(id) => {
                assert_eq!(ours.unwrap().to_string(), id, "{name}");
                assert_eq!(r.name.as_bstr(), "refs/heads/main", "{name}");
            }
            None => assert!(
                matches!(
                    ours,
                    Err(reftable::store::Error::SymrefChain {
                        reason: "is nested too deeply",
                        ..
                    })
                ),
                "{name}: git gives up, we gave {ours:?}"
            ),
        }
    }
    assert!(rev_parse("refs/heads/c4").is_some(), "git follows four levels");
    let mut x = store.find("refs/heads/x").unwrap();
    assert!(matches!(
        store.follow_to_object(&mut x),
        Err(reftable::store::Error::SymrefChain {
            reason: "leads to a cycle",
            ..
        })
    ));
    let dangling = store.find("refs/heads/dangling").unwrap();
    assert!(store.follow(&dangling).unwrap().unwrap_err().is_not_found());

    for name in ["t1", "t2", "light", "HEAD", "refs/heads/c3"] {
        let want = rev_parse(&format!("{name}^{{}}")).unwrap();
        let mut r = store.find(name).unwrap();
        assert_eq!(
            store.peel_to_id(&mut r, &repo.objects).unwrap().to_string(),
            want,
            "{name}"
        );
        assert_eq!(r.peeled.map(|p| p.to_string()), Some(want.clone()), "{name}");
        assert_eq!(r.target.try_id().map(|p| p.to_string()), Some(want.clone()), "{name}");
        // Without the stored peeled value: through the objects.
        let mut r = store.find(name).unwrap();
        r.peeled = None;
        assert_eq!(
            store.peel_to_id(&mut r, &repo.objects).unwrap().to_string(),
            want,
            "{name}"
        );
    }
    // The tags' records hold their peeled values, as git wrote them.
    let t2 = store.find("t2").unwrap();
    assert_eq!(t2.peeled.map(|p| p.to_string()), rev_parse("t2^{}"));
    assert_ne!(t2.target.try_id().map(|p| p.to_string()), rev_parse("t2^{}"));
}

/// The backend traits' `follow_to_object` and `peel_to_id` agree with git
/// on both kinds of repository (gix-ref's own on files).
#[cfg_attr(windows, ignore = "needs git, which the Wine test run does not have")]
#[test]
fn backend_follows_and_peels_on_both_formats() {
    for format in ["reftable", "files"] {
        let (_tmp, dir) = peel_repo(format);
        let repo = gix::open(&dir).unwrap();
        let refs = reftable::open(&repo).unwrap();
        let rev_parse = |spec: &str| rev_parse(&dir, spec);
        for name in [
            "HEAD",
            "refs/heads/c4",
            "refs/heads/c5",
            "refs/heads/dangling",
            "refs/tags/t2",
        ] {
            let mut r = refs.find_ref(name.into()).unwrap();
            let ours = refs.follow_to_object(&mut r).ok().map(|id| id.to_string());
            assert_eq!(ours, rev_parse(name), "{format}: {name}");
        }
        for name in ["HEAD", "refs/heads/c4", "refs/tags/t1", "refs/tags/t2"] {
            let mut r = refs.find_ref(name.into()).unwrap();
            let ours = refs.peel_to_id(&mut r, &repo.objects).unwrap().to_string();
            assert_eq!(Some(ours), rev_parse(&format!("{name}^{{}}")), "{format}: {name}");
        }
    }
}
