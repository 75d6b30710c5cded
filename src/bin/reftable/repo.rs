//! Finding and opening the repository, as git does.

use std::path::{Path, PathBuf};

use gix_ref::bstr::{BStr, ByteSlice};
use gix_ref::{Reference, Target};
use reftable::backend::RefStore;

use crate::Fatal;

/// An open repository and its reference store.
pub struct Repo {
    pub gix: gix::Repository,
    pub refs: Box<dyn RefStore>,
    /// Object kinds looked up so far.
    kinds: std::cell::RefCell<std::collections::HashMap<gix_hash::ObjectId, gix::objs::Kind>>,
}

/// Opens the repository named by `-C`, `GIT_DIR`, or found from the current directory.
pub fn open(dir: Option<&Path>) -> Result<Repo, Fatal> {
    let cwd = match dir {
        Some(d) => d.to_owned(),
        None => std::env::current_dir().map_err(|e| Fatal::msg(format!("cannot read the current directory: {e}")))?,
    };
    let gix = match std::env::var_os("GIT_DIR") {
        Some(gd) => {
            let gd = PathBuf::from(gd);
            let gd = if gd.is_absolute() { gd } else { cwd.join(gd) };
            gix::open(&gd).map_err(|e| Fatal::msg(format!("not a git repository: '{}': {e}", gd.display())))?
        }
        None => gix::discover(&cwd)
            .map_err(|_| Fatal::msg("not a git repository (or any of the parent directories): .git".to_string()))?,
    };
    let refs = reftable::backend::open(&gix).map_err(|e| Fatal::msg(e.to_string()))?;
    Ok(Repo {
        gix,
        refs,
        kinds: Default::default(),
    })
}

impl Repo {
    /// The object a reference ultimately points to (following symrefs).
    pub fn resolve(&self, r: &Reference) -> Option<gix_hash::ObjectId> {
        let mut target = r.target.clone();
        for _ in 0..5 {
            match target {
                Target::Object(id) => return Some(id),
                Target::Symbolic(n) => target = self.exact(n.as_bstr())?.target,
            }
        }
        None
    }

    /// The reference named exactly `name`.
    pub fn exact(&self, name: &BStr) -> Option<Reference> {
        self.refs
            .try_find_ref(name)
            .ok()
            .flatten()
            .filter(|r| r.name.as_bstr() == name)
    }

    /// The fully peeled object of an annotated tag (`None` for other objects).
    pub fn peel(&self, r: &Reference, id: gix_hash::ObjectId) -> Option<gix_hash::ObjectId> {
        if let Some(p) = r.peeled.filter(|p| *p != id) {
            return Some(p);
        }
        let obj = self.gix.find_object(id).ok()?;
        if obj.kind != gix::objs::Kind::Tag {
            return None;
        }
        obj.peel_tags_to_end().ok().map(|o| o.id)
    }

    /// The kind of an object, if it exists.
    pub fn kind(&self, id: gix_hash::ObjectId) -> Option<gix::objs::Kind> {
        // A million-ref import names the same few objects over and over.
        if let Some(k) = self.kinds.borrow().get(&id) {
            return Some(*k);
        }
        let kind = self.gix.find_header(id).ok().map(|h| h.kind())?;
        self.kinds.borrow_mut().insert(id, kind);
        Some(kind)
    }

    /// All references under `refs/` in order, streaming.
    pub fn for_each(&self, prefix: &str, f: &mut dyn FnMut(Reference) -> bool) -> Result<(), Fatal> {
        self.refs
            .for_each_ref(prefix.into(), &mut |r| Ok(f(r)))
            .map_err(|e| Fatal::msg(e.to_string()))
    }

    /// Git's `shorten_unambiguous_ref`: the shortest name that resolves back to `name`.
    pub fn shorten(&self, name: &BStr) -> String {
        const RULES: [(&str, &str); 6] = [
            ("", ""),
            ("refs/", ""),
            ("refs/tags/", ""),
            ("refs/heads/", ""),
            ("refs/remotes/", ""),
            ("refs/remotes/", "/HEAD"),
        ];
        let full = name.to_str_lossy();
        for i in (1..RULES.len()).rev() {
            let (pre, post) = RULES[i];
            let Some(short) = full
                .strip_prefix(pre)
                .and_then(|s| s.strip_suffix(post))
                .filter(|s| !s.is_empty())
            else {
                continue;
            };
            let ambiguous = (0..i).any(|j| {
                let (p, q) = RULES[j];
                let candidate = format!("{p}{short}{q}");
                self.exact(candidate.as_str().into()).is_some()
            });
            if !ambiguous {
                return short.to_owned();
            }
        }
        full.into_owned()
    }
}
