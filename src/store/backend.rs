//! Backend traits over the reftable [`Store`] and gix-ref's files store,
//! public as `reftable::backend`.

use gix_hash::ObjectId;
use gix_ref::bstr::{BStr, ByteSlice};
use gix_ref::log::Line;
use gix_ref::transaction::{Change, RefEdit, RefLog};
use gix_ref::{FullNameRef, Reference, Target};

use super::{Error, RefEntry, Store};

/// The error of backend operations.
pub type BackendError = gix_error::Error;

/// Reading and writing references, whatever the storage.
pub trait RefStore {
    /// Finds a full or partial name, resolved by git's rules.
    fn try_find_ref(&self, name: &BStr) -> Result<Option<Reference>, BackendError>;

    /// Calls `f` with every reference whose full name starts with `prefix`
    /// (`refs/` for all), in name order, until `f` returns `false`.
    fn for_each_ref(
        &self,
        prefix: &BStr,
        f: &mut dyn FnMut(Reference) -> Result<bool, BackendError>,
    ) -> Result<(), BackendError>;

    /// Like [`for_each_ref`](Self::for_each_ref), but also calls `f`, in
    /// name order, with the names under `refs/` that are stored but are not
    /// valid reference names (git lists them as broken refs). Files
    /// repositories have none: gix-ref leaves such loose files out.
    fn for_each_entry(
        &self,
        prefix: &BStr,
        f: &mut dyn FnMut(RefEntry) -> Result<bool, BackendError>,
    ) -> Result<(), BackendError> {
        self.for_each_ref(prefix, &mut |r| f(RefEntry::Ref(r)))
    }

    /// Calls `f` with every pseudo reference (`HEAD`, …).
    fn for_each_pseudo_ref(
        &self,
        f: &mut dyn FnMut(Reference) -> Result<bool, BackendError>,
    ) -> Result<(), BackendError>;

    /// Whether `name` has a reflog.
    fn reflog_exists(&self, name: &FullNameRef) -> Result<bool, BackendError>;

    /// The reflog of `name`, oldest entry first; `None` if there is none.
    fn reflog(&self, name: &FullNameRef) -> Result<Option<Vec<Line>>, BackendError>;

    /// Starts a transaction.
    fn transaction(&self) -> Box<dyn RefTransaction<'_> + '_>;

    /// Prepares and commits `edits` in one go.
    fn apply(
        &self,
        edits: Vec<RefEdit>,
        lock_fail_mode: gix_lock::acquire::Fail,
        committer: Option<gix_actor::SignatureRef<'_>>,
    ) -> Result<Vec<RefEdit>, BackendError> {
        self.transaction().prepare(edits, lock_fail_mode)?.commit(committer)
    }

    /// Follows `r` through symbolic refs to the ref pointing at an object,
    /// which `r` becomes; returns the object's id (gix-ref's
    /// `follow_to_object_packed`, [`Store::follow_to_object`]).
    fn follow_to_object(&self, r: &mut Reference) -> Result<ObjectId, BackendError>;

    /// Follows `r` and peels annotated tags to the first other object
    /// (gix-ref's `ReferenceExt::peel_to_id`, [`Store::peel_to_id`]).
    fn peel_to_id(&self, r: &mut Reference, objects: &dyn gix::objs::Find) -> Result<ObjectId, BackendError>;

    /// The reftable store behind this backend, if it is one (for operations
    /// only reftable has, such as compaction).
    fn as_reftable(&self) -> Option<&Store> {
        None
    }

    /// Like [`try_find_ref`](Self::try_find_ref), failing if it does not exist.
    fn find_ref(&self, name: &BStr) -> Result<Reference, BackendError> {
        match self.try_find_ref(name)? {
            Some(r) => Ok(r),
            None => Err(Error::NotFound {
                name: name.to_str_lossy().into_owned(),
            }
            .into()),
        }
    }
}

/// A transaction of a [`RefStore`].
pub trait RefTransaction<'s> {
    /// Locks and checks the edits; see [`Transaction::prepare`](super::Transaction::prepare).
    fn prepare(
        self: Box<Self>,
        edits: Vec<RefEdit>,
        lock_fail_mode: gix_lock::acquire::Fail,
    ) -> Result<Box<dyn RefTransaction<'s> + 's>, BackendError>;
    /// Writes the prepared edits.
    fn commit(self: Box<Self>, committer: Option<gix_actor::SignatureRef<'_>>) -> Result<Vec<RefEdit>, BackendError>;
    /// Releases the locks without writing.
    fn rollback(self: Box<Self>) -> Vec<RefEdit>;
}

impl RefStore for Store {
    fn try_find_ref(&self, name: &BStr) -> Result<Option<Reference>, BackendError> {
        Ok(self.try_find(name.as_bytes())?)
    }

    fn for_each_ref(
        &self,
        prefix: &BStr,
        f: &mut dyn FnMut(Reference) -> Result<bool, BackendError>,
    ) -> Result<(), BackendError> {
        // Broken names are left out, as the store's iterator leaves them out.
        self.for_each_entry(prefix, &mut |e| match e {
            RefEntry::Ref(r) => f(r),
            RefEntry::Broken(_) => Ok(true),
        })
    }

    fn for_each_entry(
        &self,
        prefix: &BStr,
        f: &mut dyn FnMut(RefEntry) -> Result<bool, BackendError>,
    ) -> Result<(), BackendError> {
        let platform = self.iter()?;
        let mut it = platform.prefixed(prefix.as_bytes())?;
        while let Some(e) = it.next_entry()? {
            if !f(e)? {
                break;
            }
        }
        Ok(())
    }

    fn for_each_pseudo_ref(
        &self,
        f: &mut dyn FnMut(Reference) -> Result<bool, BackendError>,
    ) -> Result<(), BackendError> {
        let platform = self.iter()?;
        for r in platform.pseudo()? {
            if !f(r?)? {
                break;
            }
        }
        Ok(())
    }

    fn reflog_exists(&self, name: &FullNameRef) -> Result<bool, BackendError> {
        Ok(Store::reflog_exists(self, name.as_bstr().as_bytes())?)
    }

    fn reflog(&self, name: &FullNameRef) -> Result<Option<Vec<Line>>, BackendError> {
        match self.reflog_iter(name.as_bstr().as_bytes())? {
            Some(it) => Ok(Some(it.collect::<Result<Vec<_>, _>>()?)),
            None => Ok(None),
        }
    }

    fn transaction(&self) -> Box<dyn RefTransaction<'_> + '_> {
        Box::new(Store::transaction(self))
    }

    fn as_reftable(&self) -> Option<&Store> {
        Some(self)
    }

    fn follow_to_object(&self, r: &mut Reference) -> Result<ObjectId, BackendError> {
        Ok(Store::follow_to_object(self, r)?)
    }

    fn peel_to_id(&self, r: &mut Reference, objects: &dyn gix::objs::Find) -> Result<ObjectId, BackendError> {
        Ok(Store::peel_to_id(self, r, objects)?)
    }
}

impl<'s> RefTransaction<'s> for super::Transaction<'s> {
    fn prepare(
        self: Box<Self>,
        edits: Vec<RefEdit>,
        lock_fail_mode: gix_lock::acquire::Fail,
    ) -> Result<Box<dyn RefTransaction<'s> + 's>, BackendError> {
        Ok(Box::new(super::Transaction::prepare(*self, edits, lock_fail_mode)?))
    }
    fn commit(self: Box<Self>, committer: Option<gix_actor::SignatureRef<'_>>) -> Result<Vec<RefEdit>, BackendError> {
        Ok(super::Transaction::commit(*self, committer)?)
    }
    fn rollback(self: Box<Self>) -> Vec<RefEdit> {
        super::Transaction::rollback(*self)
    }
}

impl RefStore for gix_ref::file::Store {
    fn try_find_ref(&self, name: &BStr) -> Result<Option<Reference>, BackendError> {
        // git tries a name as it is first; gix-ref does so only for names
        // under `refs/` and names of capitals. `bar/baz` (which git writes
        // if asked) is a file in the common directory.
        let shared_outside_refs = name.contains(&b'/')
            && !["refs/", "main-worktree/", "worktrees/"]
                .iter()
                .any(|p| name.starts_with(p.as_bytes()));
        if let (true, Ok(full)) = (shared_outside_refs, gix_ref::FullName::try_from(name)) {
            let path = gix::path::from_bstr(name).map(|rel| self.common_dir_resolved().join(rel));
            let read = |p: std::path::PathBuf| reftable_core::file::read(&p, reftable_core::file::MAX_SMALL_FILE).ok();
            if let Some(bytes) = path.ok().and_then(read) {
                // gix-ref keeps its hash kind to itself: the content says it.
                for &kind in gix_hash::Kind::all() {
                    if let Ok(r) = gix_ref::file::loose::Reference::try_from_path(full.clone(), &bytes, kind) {
                        return Ok(Some(r.into()));
                    }
                }
            }
        }
        self.try_find(name)
    }

    fn for_each_ref(
        &self,
        prefix: &BStr,
        f: &mut dyn FnMut(Reference) -> Result<bool, BackendError>,
    ) -> Result<(), BackendError> {
        let platform = self.iter()?;
        let io = |source: std::io::Error| -> BackendError {
            Error::Stack(crate::stack::Error::Io {
                path: self.git_dir().to_owned(),
                source,
            })
            .into()
        };
        // gix-ref takes path-like prefixes: a trailing slash names a directory.
        let dir = prefix.to_str_lossy();
        let dir = dir.trim_end_matches('/');
        let rel: Result<&gix::path::RelativePath, _> = dir.try_into();
        let rel = rel.map_err(|e| Error::InvalidName {
            name: dir.to_owned(),
            reason: e.to_string(),
        })?;
        for r in platform.prefixed(rel).map_err(io)? {
            let r = r?;
            if !r.name.as_bstr().starts_with(prefix.as_bytes()) {
                continue;
            }
            if !f(r)? {
                break;
            }
        }
        Ok(())
    }

    fn for_each_pseudo_ref(
        &self,
        f: &mut dyn FnMut(Reference) -> Result<bool, BackendError>,
    ) -> Result<(), BackendError> {
        let platform = self.iter()?;
        let io = |source: std::io::Error| -> BackendError {
            Error::Stack(crate::stack::Error::Io {
                path: self.git_dir().to_owned(),
                source,
            })
            .into()
        };
        for r in platform.pseudo().map_err(io)? {
            if !f(r?)? {
                break;
            }
        }
        Ok(())
    }

    fn reflog_exists(&self, name: &FullNameRef) -> Result<bool, BackendError> {
        gix_ref::file::Store::reflog_exists(self, name)
    }

    fn reflog(&self, name: &FullNameRef) -> Result<Option<Vec<Line>>, BackendError> {
        let mut buf = Vec::new();
        match self.reflog_iter(name, &mut buf)? {
            Some(it) => Ok(Some(it.map(|l| l.map(Into::into)).collect::<Result<Vec<Line>, _>>()?)),
            None => Ok(None),
        }
    }

    fn follow_to_object(&self, r: &mut Reference) -> Result<ObjectId, BackendError> {
        use gix_ref::file::ReferenceExt;
        let packed = self.cached_packed_buffer()?;
        r.follow_to_object_packed(self, packed.as_ref().map(|b| &***b))
    }

    fn peel_to_id(&self, r: &mut Reference, objects: &dyn gix::objs::Find) -> Result<ObjectId, BackendError> {
        gix_ref::file::ReferenceExt::peel_to_id(r, self, objects)
    }

    fn transaction(&self) -> Box<dyn RefTransaction<'_> + '_> {
        Box::new(FileTransaction {
            store: self,
            inner: gix_ref::file::Store::transaction(self),
        })
    }
}

/// gix-ref's transaction with git's HEAD logging: an update of the branch
/// HEAD points to, named directly, is logged for HEAD too (gix-ref logs
/// HEAD only for edits made through it). Deletions are left as gix-ref
/// does them.
struct FileTransaction<'s> {
    store: &'s gix_ref::file::Store,
    inner: gix_ref::file::Transaction<'s, 's>,
}

impl<'s> RefTransaction<'s> for FileTransaction<'s> {
    fn prepare(
        self: Box<Self>,
        mut edits: Vec<RefEdit>,
        lock_fail_mode: gix_lock::acquire::Fail,
    ) -> Result<Box<dyn RefTransaction<'s> + 's>, BackendError> {
        for e in &edits {
            if let Some(err) = super::transaction::refused(e, super::worktree::route(e.name.as_bstr(), false).1) {
                return Err(err.into());
            }
        }
        let head = self.store.try_find("HEAD")?.and_then(|h| match h.target {
            Target::Symbolic(branch) => Some(branch),
            Target::Object(_) => None,
        });
        // The edit goes through HEAD instead, which gix-ref splits into a
        // HEAD reflog entry (with the branch's old value) and the update.
        let mut added = false;
        if let Some(branch) = head.filter(|_| !edits.iter().any(|e| e.name.as_bstr() == "HEAD")) {
            for e in edits.iter_mut().filter(|e| e.name == branch) {
                if matches!(&e.change, Change::Update { log, .. } if log.mode == RefLog::AndReference) {
                    e.name = "HEAD".try_into().expect("valid");
                    e.deref = true;
                    added = true;
                }
            }
        }
        Ok(Box::new(PreparedFileTransaction {
            inner: gix_ref::file::Transaction::prepare(self.inner, edits, lock_fail_mode, lock_fail_mode)?,
            added,
        }))
    }
    fn commit(self: Box<Self>, committer: Option<gix_actor::SignatureRef<'_>>) -> Result<Vec<RefEdit>, BackendError> {
        gix_ref::file::Transaction::commit(self.inner, committer)
    }
    fn rollback(self: Box<Self>) -> Vec<RefEdit> {
        gix_ref::file::Transaction::rollback(self.inner)
    }
}

/// A prepared [`FileTransaction`]: the HEAD edits it added are not reported.
struct PreparedFileTransaction<'s> {
    inner: gix_ref::file::Transaction<'s, 's>,
    added: bool,
}

impl PreparedFileTransaction<'_> {
    fn strip_if(added: bool, mut edits: Vec<RefEdit>) -> Vec<RefEdit> {
        if added {
            edits.retain(|e| {
                !(e.name.as_bstr() == "HEAD"
                    && !e.deref
                    && matches!(&e.change, Change::Update { log, .. } if log.mode == RefLog::Only))
            });
        }
        edits
    }
}

impl<'s> RefTransaction<'s> for PreparedFileTransaction<'s> {
    fn prepare(
        self: Box<Self>,
        edits: Vec<RefEdit>,
        lock_fail_mode: gix_lock::acquire::Fail,
    ) -> Result<Box<dyn RefTransaction<'s> + 's>, BackendError> {
        // As gix-ref: a prepared transaction takes no more edits.
        Box::new(self.inner).prepare(edits, lock_fail_mode)
    }
    fn commit(self: Box<Self>, committer: Option<gix_actor::SignatureRef<'_>>) -> Result<Vec<RefEdit>, BackendError> {
        let added = self.added;
        let edits = gix_ref::file::Transaction::commit(self.inner, committer)?;
        Ok(PreparedFileTransaction::strip_if(added, edits))
    }
    fn rollback(self: Box<Self>) -> Vec<RefEdit> {
        let added = self.added;
        PreparedFileTransaction::strip_if(added, gix_ref::file::Transaction::rollback(self.inner))
    }
}

impl<'s> RefTransaction<'s> for gix_ref::file::Transaction<'s, 's> {
    fn prepare(
        self: Box<Self>,
        edits: Vec<RefEdit>,
        lock_fail_mode: gix_lock::acquire::Fail,
    ) -> Result<Box<dyn RefTransaction<'s> + 's>, BackendError> {
        Ok(Box::new(gix_ref::file::Transaction::prepare(
            *self,
            edits,
            lock_fail_mode,
            lock_fail_mode,
        )?))
    }
    fn commit(self: Box<Self>, committer: Option<gix_actor::SignatureRef<'_>>) -> Result<Vec<RefEdit>, BackendError> {
        gix_ref::file::Transaction::commit(*self, committer)
    }
    fn rollback(self: Box<Self>) -> Vec<RefEdit> {
        gix_ref::file::Transaction::rollback(*self)
    }
}

/// The reference store of `repo`, whichever backend its
/// `extensions.refStorage` names.
pub fn open(repo: &gix::Repository) -> Result<Box<dyn RefStore>, Error> {
    let storage = repo.config_snapshot().string("extensions.refStorage");
    match storage.as_deref().map(|s| s.to_ascii_lowercase()) {
        Some(s) if s.as_slice() == b"reftable" => Ok(Box::new(Store::from_repo(repo)?)),
        Some(s) if s.as_slice() != b"files" => Err(Error::InvalidName {
            name: "extensions.refStorage".into(),
            reason: format!("unknown reference storage {}", s.as_bstr()),
        }),
        _ => Ok(Box::new(repo.refs.clone())),
    }
}
