//! Which stack a reference lives in, as git lays out worktrees: per-worktree
//! refs (`HEAD` and other pseudo refs, `refs/bisect/`, `refs/worktree/`,
//! `refs/rewritten/`) in `$GIT_DIR/reftable`, shared refs in
//! `$GIT_COMMON_DIR/reftable`; `main-worktree/<ref>` and
//! `worktrees/<id>/<ref>` name another worktree's per-worktree refs.

use std::path::Path;
use std::sync::MutexGuard;

use super::{Error, Store};
use crate::stack::Stack;

/// A stack of the repository.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Which {
    /// `$GIT_COMMON_DIR/reftable`: shared refs and the main worktree's own.
    Main,
    /// `$GIT_DIR/reftable` of the linked worktree the store was opened for.
    Current,
    /// `$GIT_COMMON_DIR/worktrees/<id>/reftable`.
    Other(String),
}

/// Whether `name` is private to a worktree (git's `parse_worktree_ref` is
/// not `REF_WORKTREE_SHARED`): `HEAD` and the other names of capitals, `-`
/// and `_`, and names under `refs/bisect/`, `refs/worktree/` and
/// `refs/rewritten/`.
///
/// ```
/// assert!(reftable::name::is_per_worktree(b"HEAD"));
/// assert!(!reftable::name::is_per_worktree(b"refs/heads/main"));
/// ```
pub fn is_per_worktree(name: &[u8]) -> bool {
    // git's is_root_ref_syntax: `HEAD`, `ORIG_HEAD`, … (other names outside
    // `refs/`, such as `bar/baz`, are shared).
    (!name.is_empty() && super::is_root_ref_syntax(name))
        || name.starts_with(b"refs/bisect/")
        || name.starts_with(b"refs/worktree/")
        || name.starts_with(b"refs/rewritten/")
}

/// The ids of the repository's linked worktrees as git's `get_worktrees`
/// finds them: the entries of `$GIT_COMMON_DIR/worktrees/` whose `gitdir`
/// file is readable and not empty, in the order the directory lists them.
pub(crate) fn linked_worktrees(common_dir: &Path) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(common_dir.join("worktrees")) else {
        return Vec::new();
    };
    dir.flatten()
        .filter(|e| {
            reftable_core::file::read(&e.path().join("gitdir"), reftable_core::file::MAX_SMALL_FILE)
                .is_ok_and(|g| !g.is_empty())
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Whether `name` is given with a worktree prefix (`main-worktree/…` or
/// `worktrees/…`): it names a ref of that worktree, not one of the view
/// the store reads in, and takes no namespace.
pub(crate) fn has_worktree_prefix(name: &[u8]) -> bool {
    name.starts_with(b"main-worktree/") || name.starts_with(b"worktrees/")
}

/// The stack holding `name` and the name within that stack.
pub(crate) fn route(name: &[u8], linked: bool) -> (Which, &[u8]) {
    if let Some(rest) = name.strip_prefix(b"main-worktree/") {
        return (Which::Main, rest);
    }
    if let Some(rest) = name.strip_prefix(b"worktrees/") {
        if let Some(slash) = rest.iter().position(|&c| c == b'/') {
            let id = String::from_utf8_lossy(&rest[..slash]).into_owned();
            return (Which::Other(id), &rest[slash + 1..]);
        }
    }
    if linked && is_per_worktree(name) {
        (Which::Current, name)
    } else {
        (Which::Main, name)
    }
}

/// The stacks an operation uses, locked in a fixed order (main, current,
/// others by id) so that concurrent operations cannot deadlock.
pub(crate) struct Stacks<'s> {
    pub(crate) main: MutexGuard<'s, Stack>,
    pub(crate) current: Option<MutexGuard<'s, Stack>>,
    pub(crate) others: Vec<(String, Stack)>,
}

impl<'s> Stacks<'s> {
    pub(crate) fn open(store: &'s Store) -> Result<Self, Error> {
        let main = store.lock_stack(&store.main)?;
        let current = match &store.worktree {
            Some(m) => Some(store.lock_stack(m)?),
            None => None,
        };
        Ok(Stacks {
            main,
            current,
            others: Vec::new(),
        })
    }

    /// The stack for `which`, opening another worktree's stack on first use.
    pub(crate) fn get(&mut self, store: &Store, which: &Which) -> Result<&mut Stack, Error> {
        Ok(match which {
            Which::Main => &mut self.main,
            Which::Current => match &mut self.current {
                Some(s) => s,
                None => &mut self.main,
            },
            Which::Other(id) => {
                if id.is_empty() || id.contains(['/', '\\']) || id == "." || id == ".." {
                    return Err(Error::InvalidName {
                        name: format!("worktrees/{id}/"),
                        reason: "invalid worktree id".into(),
                    });
                }
                match self.others.iter().position(|(i, _)| i == id) {
                    Some(i) => &mut self.others[i].1,
                    None => {
                        let dir = store.common_dir.join("worktrees").join(id).join("reftable");
                        let stack = Stack::open(&dir, *self.main.options())?;
                        self.others.push((id.clone(), stack));
                        &mut self.others.last_mut().expect("just pushed").1
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_like_git() {
        assert_eq!(route(b"HEAD", true), (Which::Current, &b"HEAD"[..]));
        assert_eq!(route(b"HEAD", false), (Which::Main, &b"HEAD"[..]));
        assert_eq!(route(b"refs/heads/x", true), (Which::Main, &b"refs/heads/x"[..]));
        assert_eq!(
            route(b"refs/bisect/bad", true),
            (Which::Current, &b"refs/bisect/bad"[..])
        );
        assert_eq!(route(b"main-worktree/HEAD", true), (Which::Main, &b"HEAD"[..]));
        assert_eq!(
            route(b"worktrees/wt/HEAD", false),
            (Which::Other("wt".into()), &b"HEAD"[..])
        );
    }
}
