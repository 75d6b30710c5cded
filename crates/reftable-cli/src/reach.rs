//! Reachability between commits, for for-each-ref's `--merged`,
//! `--no-merged`, `--contains` and `--no-contains` (git's `reach_filter` and
//! `commit_contains`). Parents are read once each, through replace refs.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use gix_hash::ObjectId;

use crate::repo::Repo;
use crate::Fatal;

/// The commit graph as far as it was read.
pub struct Graph<'r> {
    repo: &'r Repo,
    parents: RefCell<HashMap<ObjectId, Vec<ObjectId>>>,
}

impl<'r> Graph<'r> {
    pub fn new(repo: &'r Repo) -> Self {
        Graph {
            repo,
            parents: Default::default(),
        }
    }

    /// The parents of commit `id` (none if it cannot be read, as in a
    /// shallow clone), as its replacement names them if it has one.
    fn parents(&self, id: ObjectId) -> Vec<ObjectId> {
        if let Some(p) = self.parents.borrow().get(&id) {
            return p.clone();
        }
        let read = self.repo.gix().ok().and_then(|g| {
            let c = g.find_object(self.repo.replacement(id)).ok()?.try_into_commit().ok()?;
            Some(c.parent_ids().map(|p| p.detach()).collect::<Vec<_>>())
        });
        let p = read.unwrap_or_default();
        self.parents.borrow_mut().insert(id, p.clone());
        p
    }

    /// Every commit reachable from `tips`, themselves included.
    pub fn reachable(&self, tips: &[ObjectId]) -> HashSet<ObjectId> {
        let mut seen: HashSet<ObjectId> = tips.iter().copied().collect();
        let mut todo: Vec<ObjectId> = tips.to_vec();
        while let Some(c) = todo.pop() {
            for p in self.parents(c) {
                if seen.insert(p) {
                    todo.push(p);
                }
            }
        }
        seen
    }

    /// Whether `tip` reaches one of `targets` (itself included); `memo`
    /// keeps the answer for every commit looked at, for the next tips.
    /// Depth first without recursion: histories are deep.
    pub fn contains(&self, tip: ObjectId, targets: &HashSet<ObjectId>, memo: &mut HashMap<ObjectId, bool>) -> bool {
        let mut stack = vec![(tip, false)];
        while let Some((c, expanded)) = stack.pop() {
            if memo.contains_key(&c) {
                continue;
            }
            if targets.contains(&c) {
                memo.insert(c, true);
                continue;
            }
            let parents = self.parents(c);
            if expanded {
                // Every parent was answered above this entry on the stack.
                let any = parents.iter().any(|p| memo.get(p).copied().unwrap_or(false));
                memo.insert(c, any);
            } else {
                stack.push((c, true));
                stack.extend(
                    parents
                        .into_iter()
                        .filter(|p| !memo.contains_key(p))
                        .map(|p| (p, false)),
                );
            }
        }
        memo.get(&tip).copied().unwrap_or(false)
    }
}

/// The commit `id` names, through tags: `Err` names the object found
/// instead (git's "object … is a tree, not a commit").
pub fn peel_to_commit(repo: &Repo, id: ObjectId) -> Result<ObjectId, Option<(ObjectId, gix::objs::Kind)>> {
    let gix = repo.gix().map_err(|_| None)?;
    let mut cur = id;
    for _ in 0..64 {
        let obj = gix.find_object(repo.replacement(cur)).map_err(|_| None)?;
        match obj.kind {
            gix::objs::Kind::Commit => return Ok(cur),
            gix::objs::Kind::Tag => {
                cur = obj
                    .try_into_tag()
                    .ok()
                    .and_then(|t| t.target_id().ok())
                    .ok_or(None)?
                    .detach();
            }
            kind => return Err(Some((cur, kind))),
        }
    }
    Err(None)
}

/// The commits of `--merged` and the like: git's words for a spec that is
/// no object (fatal for `--merged`, an error for `--contains`) or no commit.
pub fn commit_args(repo: &Repo, specs: &[String], option: &str) -> Result<Vec<ObjectId>, Fatal> {
    let merge = option.ends_with("merged");
    specs
        .iter()
        .map(|spec| {
            let malformed = format!("malformed object name {spec}");
            let id = crate::update_ref::rev(repo, spec).map_err(|_| {
                if merge {
                    Fatal::msg(malformed.clone())
                } else {
                    Fatal {
                        msg: malformed.clone(),
                        code: 129,
                        died: false,
                    }
                }
            })?;
            peel_to_commit(repo, id).map_err(|found| {
                let not_commit = match found {
                    Some((id, kind)) => format!("object {id} is a {kind}, not a commit\nerror: "),
                    None => String::new(),
                };
                Fatal {
                    msg: if merge {
                        format!("{not_commit}option `{option}' must point to a commit")
                    } else {
                        format!("{not_commit}no such commit {spec}")
                    },
                    code: 129,
                    died: false,
                }
            })
        })
        .collect()
}
