//! Git's rules for ref names, beyond gix-validate's syntax: which names are
//! root refs, which are safe to use as paths, which belong to one worktree,
//! and the directories a name occupies (for name conflicts).
//!
//! ```
//! use reftable::name::{is_per_worktree, is_root_ref, leading_dirs, refname_is_safe};
//! assert!(is_root_ref(b"ORIG_HEAD") && is_per_worktree(b"refs/bisect/bad"));
//! assert!(refname_is_safe(b"refs/heads/main") && !refname_is_safe(b"refs/../x"));
//! assert_eq!(leading_dirs(b"refs/heads/main").count(), 2);
//! ```

pub use crate::store::worktree::is_per_worktree;

/// git's `is_root_ref`: `HEAD` and the names of capitals, `-` and `_` that
/// end in `_HEAD` or are one of a few others, but not the pseudo refs
/// `FETCH_HEAD` and `MERGE_HEAD` (files, not refs). These are the refs
/// outside `refs/` that `for-each-ref --include-root-refs` lists and
/// `refs migrate` carries over.
///
/// ```
/// use reftable::name::is_root_ref;
/// assert!(is_root_ref(b"HEAD") && is_root_ref(b"ORIG_HEAD") && is_root_ref(b"AUTO_MERGE"));
/// assert!(!is_root_ref(b"FETCH_HEAD") && !is_root_ref(b"FOO_BAR") && !is_root_ref(b"bar/baz"));
/// ```
pub fn is_root_ref(name: &[u8]) -> bool {
    const IRREGULAR: [&[u8]; 6] = [
        b"HEAD",
        b"AUTO_MERGE",
        b"BISECT_EXPECTED_REV",
        b"NOTES_MERGE_PARTIAL",
        b"NOTES_MERGE_REF",
        b"MERGE_AUTOSTASH",
    ];
    is_root_ref_syntax(name)
        && !matches!(name, b"FETCH_HEAD" | b"MERGE_HEAD")
        && (name.ends_with(b"_HEAD") || IRREGULAR.contains(&name))
}

/// git's `is_root_ref_syntax`: capitals, `-` and `_` only.
pub(crate) fn is_root_ref_syntax(name: &[u8]) -> bool {
    name.iter().all(|&c| c.is_ascii_uppercase() || c == b'-' || c == b'_')
}

/// The directories above a ref name, shortest first: `refs`, `refs/heads`
/// for `refs/heads/main`. A ref may not exist where one of them does (a
/// name conflict, git's "D/F conflict").
///
/// ```
/// use reftable::name::leading_dirs;
/// let dirs: Vec<&[u8]> = leading_dirs(b"refs/heads/main").collect();
/// assert_eq!(dirs, [&b"refs"[..], b"refs/heads"]);
/// assert_eq!(leading_dirs(b"HEAD").count(), 0);
/// ```
pub fn leading_dirs(name: &[u8]) -> impl Iterator<Item = &[u8]> {
    name.iter()
        .enumerate()
        .filter(|(_, &c)| c == b'/')
        .map(move |(i, _)| &name[..i])
}

/// git's `refname_is_safe`: under `refs/` with no empty, `.` or `..`
/// component after it (nothing that could leave `refs/` as a path), or of
/// capitals and `_` only. git deletes, verifies and reads as they are only
/// such names, and dies "refname is dangerous" on a stored name that is
/// neither valid nor safe.
///
/// ```
/// use reftable::name::refname_is_safe;
/// assert!(refname_is_safe(b"refs/heads/main") && refname_is_safe(b"ORIG_HEAD"));
/// assert!(refname_is_safe(b"refs/heads/a b"));
/// assert!(!refname_is_safe(b"bar/baz") && !refname_is_safe(b"foo") && !refname_is_safe(b""));
/// assert!(!refname_is_safe(b"refs/../x") && !refname_is_safe(b"refs/heads//x") && !refname_is_safe(b"refs/"));
/// ```
pub fn refname_is_safe(name: &[u8]) -> bool {
    match name.strip_prefix(b"refs/") {
        Some(rest) => rest.split(|&c| c == b'/').all(|c| !matches!(c, b"" | b"." | b"..")),
        None => !name.is_empty() && name.iter().all(|&c| c.is_ascii_uppercase() || c == b'_'),
    }
}
