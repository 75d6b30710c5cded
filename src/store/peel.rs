//! Following symbolic refs and peeling annotated tags, as gix-ref's
//! `file::ReferenceExt` (`follow`, `follow_to_object_packed`, `peel_to_id`)
//! does for the files store.

use gix_hash::ObjectId;
use gix_ref::bstr::ByteSlice;
use gix_ref::{Reference, Target};

use super::{worktree, Error, Store};

/// How many refs git reads at most to resolve one name (`SYMREF_MAXDEPTH`),
/// the one named included; gix-ref stops at the same depth.
const MAX_REF_DEPTH: usize = 5;

impl Store {
    /// The reference the symbolic ref `r` points at, one level down:
    /// `None` if `r` points at an object, an [`Error::NotFound`] if its
    /// target does not exist.
    ///
    /// ```
    /// # let dir = tempfile::tempdir().unwrap();
    /// # std::process::Command::new("git").args(["init", "-q", "--ref-format=reftable"]).arg(dir.path()).status().unwrap();
    /// # let commit = std::process::Command::new("git").arg("-C").arg(dir.path())
    /// #     .args(["-c", "user.name=A", "-c", "user.email=a@b", "commit", "-q", "--allow-empty", "-m", "x"]).status().unwrap();
    /// let store = reftable::Store::at(&dir.path().join(".git"), gix_hash::Kind::Sha1)?;
    /// let head = store.find("HEAD")?;
    /// let branch = store.follow(&head).expect("HEAD is symbolic")?;
    /// assert!(store.follow(&branch).is_none());
    /// # Ok::<_, reftable::store::Error>(())
    /// ```
    pub fn follow(&self, r: &Reference) -> Option<Result<Reference, Error>> {
        r.target.try_name()?;
        match worktree::Stacks::open(self) {
            Ok(mut stacks) => self.follow_in(&mut stacks, r),
            Err(e) => Some(Err(e)),
        }
    }

    /// [`follow`](Self::follow) in stacks opened already: one snapshot for a
    /// whole chain.
    fn follow_in(&self, stacks: &mut worktree::Stacks<'_>, r: &Reference) -> Option<Result<Reference, Error>> {
        let target = r.target.try_name()?.as_bstr();
        Some(
            self.find_in(stacks, self.is_linked_worktree(), target)
                .and_then(|found| {
                    found.ok_or_else(|| Error::NotFound {
                        name: target.to_str_lossy().into_owned(),
                    })
                }),
        )
    }

    /// Follows `r` through all symbolic refs to the one pointing at an
    /// object, which `r` becomes, and returns that object's id. A cycle, or
    /// a chain longer than git follows (five refs in all), is an
    /// [`Error::SymrefChain`]; a missing target an [`Error::NotFound`].
    pub fn follow_to_object(&self, r: &mut Reference) -> Result<ObjectId, Error> {
        let start = r.name.as_bstr().to_str_lossy().into_owned();
        let mut seen = vec![r.name.clone()];
        let mut stacks = worktree::Stacks::open(self)?;
        while let Some(next) = self.follow_in(&mut stacks, r) {
            let next = next?;
            if seen.contains(&next.name) {
                return Err(Error::SymrefChain {
                    name: start,
                    reason: "leads to a cycle",
                });
            }
            seen.push(next.name.clone());
            *r = next;
            if seen.len() == MAX_REF_DEPTH && r.target.try_id().is_none() {
                return Err(Error::SymrefChain {
                    name: start,
                    reason: "is nested too deeply",
                });
            }
        }
        Ok(r.target.try_id().expect("followed to an object").to_owned())
    }

    /// The first object that is not a tag `r` leads to: symbolic refs
    /// followed (`r` becomes the ref pointing at an object), then the
    /// peeled value the table stores for annotated tags, or else the tags
    /// read from `objects` one by one. As in gix-ref, `r`'s target becomes
    /// that id, and its `peeled` too.
    ///
    /// ```
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let git = |args: &[&str]| std::process::Command::new("git").arg("-C").arg(dir.path())
    /// #     .args(["-c", "user.name=A", "-c", "user.email=a@b"]).args(args).output().unwrap();
    /// # git(&["init", "-q", "--ref-format=reftable"]);
    /// # git(&["commit", "-q", "--allow-empty", "-m", "x"]);
    /// # git(&["tag", "-a", "-m", "v1", "v1"]);
    /// let repo = gix::open(dir.path())?;
    /// let store = reftable::Store::from_repo(&repo)?;
    /// let mut head = store.find("HEAD")?;
    /// let commit = store.follow_to_object(&mut head)?;
    /// let mut tag = store.find("v1")?;
    /// assert_eq!(store.peel_to_id(&mut tag, &repo.objects)?, commit);
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn peel_to_id(&self, r: &mut Reference, objects: &dyn gix::objs::Find) -> Result<ObjectId, Error> {
        if let Some(peeled) = r.peeled {
            r.target = Target::Object(peeled);
            return Ok(peeled);
        }
        let mut id = self.follow_to_object(r)?;
        if let Some(peeled) = r.peeled {
            r.target = Target::Object(peeled);
            return Ok(peeled);
        }
        let name = r.name.as_bstr().to_str_lossy().into_owned();
        let mut buf = Vec::new();
        let peeled = loop {
            let data = objects
                .try_find(&id, &mut buf)
                .map_err(|e| Error::Odb(format!("cannot peel {name:?}: reading object {id}: {e}")))?
                .ok_or_else(|| Error::Odb(format!("cannot peel {name:?}: object {id} does not exist")))?;
            if data.kind != gix::objs::Kind::Tag {
                break id;
            }
            id = gix::objs::TagRefIter::from_bytes(data.data, data.object_hash)
                .target_id()
                .map_err(|e| Error::Odb(format!("cannot peel {name:?}: tag {id} does not decode: {e}")))?;
        };
        r.peeled = Some(peeled);
        r.target = Target::Object(peeled);
        Ok(peeled)
    }
}
