//! What the store's lookups take as a reference name.

use gix::path::RelativePath;
use gix_ref::bstr::{BStr, BString};
use gix_ref::{FullName, FullNameRef, PartialName, PartialNameRef};

/// A reference name as [`Store`](super::Store)'s lookups take it: strings
/// and byte strings, and gix-ref's own name types, so that a call written
/// for gix-ref's `file::Store` (`try_find("main")`, `find(edit.name.as_ref())`,
/// `prefixed(path)`) compiles against ours unchanged.
///
/// ```
/// use reftable::store::AsName;
/// let full: gix_ref::FullName = "refs/heads/main".try_into().unwrap();
/// assert_eq!(full.as_name(), b"refs/heads/main");
/// assert_eq!("main".as_name(), b"main");
/// assert_eq!(b"HEAD".as_name(), b"HEAD");
/// ```
pub trait AsName {
    /// The name's bytes, as given (a partial name stays partial).
    fn as_name(&self) -> &[u8];
}

impl<T: AsName + ?Sized> AsName for &T {
    fn as_name(&self) -> &[u8] {
        (**self).as_name()
    }
}

impl<const N: usize> AsName for [u8; N] {
    fn as_name(&self) -> &[u8] {
        self
    }
}

macro_rules! as_ref_bytes {
    ($($t:ty),*) => {$(
        impl AsName for $t {
            fn as_name(&self) -> &[u8] {
                self.as_ref()
            }
        }
    )*};
}
as_ref_bytes!(str, String, [u8], Vec<u8>, BStr, BString, RelativePath);

macro_rules! gix_names {
    ($($t:ty),*) => {$(
        impl AsName for $t {
            fn as_name(&self) -> &[u8] {
                self.as_bstr()
            }
        }
    )*};
}
gix_names!(FullName, FullNameRef, PartialNameRef);

impl AsName for PartialName {
    fn as_name(&self) -> &[u8] {
        let name: &PartialNameRef = self.as_ref();
        name.as_bstr()
    }
}
