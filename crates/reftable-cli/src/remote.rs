//! What `for-each-ref`'s `%(upstream)` and `%(push)` need of git's
//! `remote.c`: a branch's upstream and push destination as
//! remote-tracking refs, the remote each goes to, and how far the branch
//! is ahead of and behind one of them.

use std::collections::HashSet;

use gix::bstr::ByteSlice;
use gix_hash::ObjectId;

use crate::reach;
use crate::repo::Repo;

/// One refspec of `remote.<name>.fetch` or `.push`, as git's `parse_refspec` cuts it.
struct Refspec {
    src: String,
    dst: Option<String>,
    pattern: bool,
    negative: bool,
}

impl Refspec {
    fn parse(spec: &str) -> Refspec {
        let spec = spec.strip_prefix('+').unwrap_or(spec);
        if let Some(src) = spec.strip_prefix('^') {
            return Refspec {
                src: src.to_owned(),
                dst: None,
                pattern: src.contains('*'),
                negative: true,
            };
        }
        // git splits at the last colon.
        let (src, dst) = match spec.rsplit_once(':') {
            Some((s, d)) => (s, Some(d.to_owned())),
            None => (spec, None),
        };
        Refspec {
            src: src.to_owned(),
            pattern: src.contains('*'),
            dst,
            negative: false,
        }
    }
}

/// git's `match_name_with_pattern`: `name` against `key` (one `*`), the
/// match put into `value`'s `*`.
fn match_pattern(key: &str, name: &str, value: &str) -> Option<String> {
    let (prefix, suffix) = key.split_once('*')?;
    if name.len() < prefix.len() + suffix.len() {
        return None;
    }
    let middle = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    Some(match value.split_once('*') {
        Some((vp, vs)) => format!("{vp}{middle}{vs}"),
        None => value.to_owned(),
    })
}

/// git's `apply_refspecs`: where `name` goes under `specs` (none if a
/// negative refspec leaves it out).
fn apply(specs: &[Refspec], name: &str) -> Option<String> {
    let omitted = specs.iter().filter(|s| s.negative).any(|s| {
        if s.pattern {
            match_pattern(&s.src, name, "").is_some()
        } else {
            s.src == name
        }
    });
    if omitted {
        return None;
    }
    specs.iter().filter(|s| !s.negative).find_map(|s| {
        let dst = s.dst.as_deref()?;
        if s.pattern {
            match_pattern(&s.src, name, dst)
        } else {
            (s.src == name).then(|| dst.to_owned())
        }
    })
}

/// The configuration of branches and remotes, read once.
pub struct Remotes<'r> {
    repo: &'r Repo,
    config: Option<gix::config::Snapshot<'r>>,
    remote_names: Vec<String>,
    /// Commits' parents, read once for every count.
    graph: &'r reach::Graph<'r>,
    /// What each base of a count reaches.
    bases: std::cell::RefCell<std::collections::HashMap<ObjectId, std::rc::Rc<HashSet<ObjectId>>>>,
}

impl<'r> Remotes<'r> {
    pub fn new(repo: &'r Repo, graph: &'r reach::Graph<'r>) -> Self {
        let gix = repo.gix().ok();
        Remotes {
            repo,
            config: gix.map(|g| g.config_snapshot()),
            remote_names: gix
                .map(|g| g.remote_names().into_iter().map(|n| n.to_string()).collect())
                .unwrap_or_default(),
            graph,
            bases: Default::default(),
        }
    }

    fn string(&self, key: &str) -> Option<String> {
        self.config.as_ref()?.string(key).map(|v| v.to_str_lossy().into_owned())
    }

    fn specs(&self, remote: &str, which: &str) -> Vec<Refspec> {
        let Some(config) = &self.config else { return Vec::new() };
        config
            .strings(format!("remote.{remote}.{which}").as_str())
            .unwrap_or_default()
            .iter()
            .map(|s| Refspec::parse(&s.to_str_lossy()))
            .collect()
    }

    /// `branch.<name>.merge`, the first one, if the branch has a remote.
    fn merge(&self, branch: &str) -> Option<String> {
        self.string(&format!("branch.{branch}.remote"))?;
        self.string(&format!("branch.{branch}.merge"))
    }

    /// git's `remote_for_branch` (`push`: `pushremote_for_branch`): the
    /// remote's name and whether configuration names it.
    pub fn remote_for(&self, branch: &str, push: bool) -> (String, bool) {
        if push {
            if let Some(r) = self
                .string(&format!("branch.{branch}.pushRemote"))
                .or_else(|| self.string("remote.pushDefault"))
            {
                return (r, true);
            }
        }
        if let Some(r) = self.string(&format!("branch.{branch}.remote")) {
            return (r, true);
        }
        match &self.remote_names[..] {
            [one] => (one.clone(), false),
            _ => ("origin".to_owned(), false),
        }
    }

    /// git's `branch_get_upstream`: the ref `branch`'s upstream is kept in.
    pub fn upstream(&self, branch: &str) -> Option<String> {
        let remote = self.string(&format!("branch.{branch}.remote"))?;
        let merge = self.merge(branch)?;
        if let Some(dst) = apply(&self.specs(&remote, "fetch"), &merge) {
            return Some(dst);
        }
        // A branch of this repository: the merge ref itself.
        (remote == ".").then_some(merge)
    }

    /// git's `branch_get_push`: the remote-tracking ref `git push` would update.
    pub fn push(&self, branch: &str) -> Option<String> {
        let full = format!("refs/heads/{branch}");
        let (remote, _) = self.remote_for(branch, true);
        let tracking = |dst: &str| apply(&self.specs(&remote, "fetch"), dst);
        let push_specs = self.specs(&remote, "push");
        if !push_specs.is_empty() {
            return tracking(&apply(&push_specs, &full)?);
        }
        let mirror = self
            .config
            .as_ref()
            .and_then(|c| c.boolean(format!("remote.{remote}.mirror").as_str()))
            .unwrap_or(false);
        if mirror {
            return tracking(&full);
        }
        match self.string("push.default").as_deref() {
            Some("nothing") => None,
            Some("matching" | "current") => tracking(&full),
            Some("upstream" | "tracking") => self.upstream(branch),
            _ => {
                let up = self.upstream(branch)?;
                tracking(&full).filter(|cur| *cur == up)
            }
        }
    }

    /// git's `remote_ref_for_branch`: the name of the branch on the remote.
    pub fn remote_ref(&self, branch: &str, push: bool) -> Option<String> {
        if !push {
            return self.merge(branch);
        }
        let (remote, _) = self.remote_for(branch, true);
        apply(&self.specs(&remote, "push"), &format!("refs/heads/{branch}"))
    }

    /// git's `stat_branch_pair`: commits on `ours` and not `theirs`, and
    /// the other way round (`None` if either is not a commit).
    pub fn ahead_behind(&self, ours: &str, theirs: &str) -> Option<(usize, usize)> {
        let commit = |name: &str| {
            let r = self.repo.exact(name.into())?;
            let id = self.repo.resolve(&r)?;
            reach::peel_to_commit(self.repo, id).ok()
        };
        let (theirs, ours) = (commit(theirs)?, commit(ours)?);
        Some(self.counts(ours, theirs))
    }

    /// Commits reachable from `ours` and not `theirs`, and the other way
    /// round. What `theirs` reaches is kept: many refs are counted
    /// against one base (`%(ahead-behind:<commit>)`, a shared upstream).
    pub fn counts(&self, ours: ObjectId, theirs: ObjectId) -> (usize, usize) {
        if ours == theirs {
            return (0, 0);
        }
        let b = std::rc::Rc::clone(
            self.bases
                .borrow_mut()
                .entry(theirs)
                .or_insert_with(|| std::rc::Rc::new(self.graph.reachable(&[theirs]))),
        );
        let a: HashSet<ObjectId> = self.graph.reachable(&[ours]);
        (a.difference(&b).count(), b.difference(&a).count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refspecs_map_as_git() {
        let specs: Vec<Refspec> = [
            "+refs/heads/*:refs/remotes/o/*",
            "^refs/heads/secret",
            "refs/tags/v1:refs/x",
        ]
        .iter()
        .map(|s| Refspec::parse(s))
        .collect();
        assert_eq!(apply(&specs, "refs/heads/a/b").as_deref(), Some("refs/remotes/o/a/b"));
        assert_eq!(apply(&specs, "refs/heads/secret"), None);
        assert_eq!(apply(&specs, "refs/tags/v1").as_deref(), Some("refs/x"));
        assert_eq!(apply(&specs, "refs/tags/v2"), None);
    }
}
