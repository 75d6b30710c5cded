//! Many small files at once: listing, reading and removing the loose refs
//! and reflogs of a files-backend repository during migration.
//!
//! Opening, reading or unlinking one small file costs a few system calls
//! whose latency, not CPU, dominates (10 µs to open and read, 35 µs to unlink
//! on the benchmark machine), so a few threads in flight finish several
//! times sooner than one (`bench/compare.sh`, operation (f)). Files are
//! opened and unlinked relative to their directory's descriptor (no path
//! walk each time) and read into a small buffer (no `stat` for a size
//! hint). Results come back in input order; nothing here follows symbolic
//! links. Elsewhere than on Unix the same work goes through `std::fs` by
//! path, from the same threads.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Threads in flight; the work waits on the file system, not on the CPU.
const THREADS: usize = 8;
/// Below this many files one thread is as quick.
const MIN_PARALLEL: usize = 256;
/// Files handed to a thread at a time.
const CHUNK: usize = 64;

/// Every entry under `dir`, recursively, with its type (links not
/// followed); directories are descended into, not reported. A missing
/// `dir` has no entries.
fn walk(dir: &Path, mut found: impl FnMut(PathBuf, std::fs::FileType)) -> io::Result<()> {
    let mut dirs = vec![dir.to_owned()];
    while let Some(d) = dirs.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for e in entries {
            let e = e?;
            let ty = e.file_type()?;
            if ty.is_dir() {
                dirs.push(e.path());
            } else {
                found(e.path(), ty);
            }
        }
    }
    Ok(())
}

/// The regular files under `dir`, recursively, each as its path relative to
/// `base` (with `/` separators) and its full path, sorted by name. A missing
/// `dir` has no files; symbolic links and other special files are left out.
pub(crate) fn files_under(base: &Path, dir: &Path) -> io::Result<Vec<(Vec<u8>, PathBuf)>> {
    let mut out = Vec::new();
    walk(dir, |path, ty| {
        if ty.is_file() {
            let rel = sys::name_bytes(path.strip_prefix(base).unwrap_or(&path));
            out.push((rel, path));
        }
    })?;
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Runs `f` on every item, several threads at once when there are many;
/// the results in input order.
fn each<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if items.len() < MIN_PARALLEL {
        return items.iter().map(&f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let start = next.fetch_add(CHUNK, Ordering::Relaxed);
            if start >= items.len() {
                return done;
            }
            let end = (start + CHUNK).min(items.len());
            done.extend((start..end).map(|i| (i, f(&items[i]))));
        }
    };
    let mut results: Vec<(usize, R)> = std::thread::scope(|s| {
        let helpers: Vec<_> = (1..THREADS)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(s, work).ok())
            .collect();
        // This thread works too, so all items are done even if no helper could start.
        let mut all = work();
        for h in helpers {
            // `work` does not panic unless `f` does; pass such a panic on.
            all.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        all
    });
    results.sort_unstable_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(unix)]
pub(crate) use sys::read_all;

#[cfg(unix)]
mod sys {
    use std::collections::HashMap;
    use std::io;
    use std::os::fd::OwnedFd;
    use std::os::unix::ffi::OsStrExt;
    use std::path::{Path, PathBuf};

    use rustix::fs::{AtFlags, Mode, OFlags};

    use super::each;

    /// A relative path as the bytes of a ref name.
    pub(super) fn name_bytes(rel: &Path) -> Vec<u8> {
        rel.as_os_str().as_bytes().to_vec()
    }

    /// Descriptors of the directories holding `paths`, and each path's
    /// directory (an index into them, `None` if it could not be opened: then
    /// the path is used whole) and file name.
    struct Dirs<'p> {
        fds: Vec<OwnedFd>,
        files: Vec<(Option<usize>, &'p Path)>,
    }

    fn dirs<'p>(paths: impl IntoIterator<Item = &'p Path>) -> Dirs<'p> {
        let mut by_dir: HashMap<&Path, Option<usize>> = HashMap::new();
        let mut fds = Vec::new();
        let files = paths
            .into_iter()
            .map(|p| match (p.parent(), p.file_name()) {
                (Some(dir), Some(name)) => {
                    let at = *by_dir.entry(dir).or_insert_with(|| {
                        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
                        let fd = rustix::fs::open(dir, flags, Mode::empty()).ok()?;
                        fds.push(fd);
                        Some(fds.len() - 1)
                    });
                    (at, Path::new(name))
                }
                _ => (None, p),
            })
            .collect();
        Dirs { fds, files }
    }

    /// Reads a whole small file into a buffer sized for loose refs (read to
    /// the end: a short read is not taken for the end).
    fn read_file(fd: &OwnedFd) -> io::Result<Vec<u8>> {
        // Into the stack first, so that a loose ref keeps only its own bytes.
        let mut small = [0u8; 256];
        let mut len = 0;
        loop {
            let n = rustix::io::retry_on_intr(|| rustix::io::read(fd, &mut small[len..]))?;
            if n == 0 {
                return Ok(small[..len].to_vec());
            }
            len += n;
            if len == small.len() {
                break;
            }
        }
        let mut buf = small.to_vec();
        loop {
            if len == buf.len() {
                buf.resize(buf.len() * 2, 0);
            }
            let n = rustix::io::retry_on_intr(|| rustix::io::read(fd, &mut buf[len..]))?;
            if n == 0 {
                buf.truncate(len);
                return Ok(buf);
            }
            len += n;
        }
    }

    /// The contents of each file of `paths`, in order. Symbolic links are not
    /// followed (an error).
    pub(crate) fn read_all(paths: &[&Path]) -> Vec<io::Result<Vec<u8>>> {
        let d = dirs(paths.iter().copied());
        each(&d.files, |(dir, name)| {
            let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
            let fd = match dir {
                Some(i) => rustix::fs::openat(&d.fds[*i], *name, flags, Mode::empty())?,
                None => rustix::fs::open(*name, flags, Mode::empty())?,
            };
            read_file(&fd)
        })
    }

    /// Unlinks every file of `files`, relative to its directory's descriptor.
    pub(super) fn remove_files(files: &[PathBuf]) -> Vec<io::Result<()>> {
        let d = dirs(files.iter().map(PathBuf::as_path));
        let unlink = |(dir, name): &(Option<usize>, &Path)| -> io::Result<()> {
            match dir {
                Some(i) => Ok(rustix::fs::unlinkat(&d.fds[*i], *name, AtFlags::empty())?),
                None => std::fs::remove_file(name),
            }
        };
        each(&d.files, unlink)
    }
}

#[cfg(not(unix))]
pub(crate) use sys::read_all;

#[cfg(not(unix))]
mod sys {
    use std::io;
    use std::path::{Path, PathBuf};

    use super::each;

    /// A relative path as the bytes of a ref name (`/` separators).
    pub(super) fn name_bytes(rel: &Path) -> Vec<u8> {
        rel.to_string_lossy().replace('\\', "/").into_bytes()
    }

    /// The contents of each file of `paths`, in order; a symbolic link is an error.
    pub(crate) fn read_all(paths: &[&Path]) -> Vec<io::Result<Vec<u8>>> {
        each(paths, |p| {
            if std::fs::symlink_metadata(p)?.file_type().is_symlink() {
                return Err(io::Error::other(format!("{} is a symbolic link", p.display())));
            }
            std::fs::read(p)
        })
    }

    /// Removes every file of `files`.
    pub(super) fn remove_files(files: &[PathBuf]) -> Vec<io::Result<()>> {
        each(files, |p| std::fs::remove_file(p))
    }
}

/// Removes `dir` and everything in it (as [`std::fs::remove_dir_all`],
/// without following symbolic links), unlinking its files from several
/// threads. A missing `dir` is not an error.
pub(crate) fn remove_dir_all(dir: &Path) -> io::Result<()> {
    let mut files = Vec::new();
    walk(dir, |path, _| files.push(path))?;
    for r in sys::remove_files(&files) {
        match r {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    // Only directories are left (or what appeared meanwhile).
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        r => r,
    }
}

// The tests make symbolic links, which Windows gives only to administrators.
#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn read_list_and_remove_many_files_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path();
        let mut want = Vec::new();
        for i in 0..700 {
            let rel = format!("refs/d{}/f{i:04}", i % 7);
            let path = base.join(&rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, format!("content {i}")).unwrap();
            want.push(rel);
        }
        std::os::unix::fs::symlink(base.join("refs/d0/f0000"), base.join("refs/link")).unwrap();
        want.sort();
        let files = files_under(base, &base.join("refs")).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|(n, _)| String::from_utf8(n.clone()).unwrap())
            .collect();
        assert_eq!(names, want, "regular files only, sorted");
        let paths: Vec<&Path> = files.iter().map(|(_, p)| p.as_path()).collect();
        for ((name, _), content) in files.iter().zip(read_all(&paths)) {
            let i: usize = String::from_utf8_lossy(&name[name.len() - 4..]).parse().unwrap();
            assert_eq!(content.unwrap(), format!("content {i}").into_bytes());
        }
        assert!(files_under(base, &base.join("missing")).unwrap().is_empty());
        // Files of any size (reflogs are read here too).
        for size in [0, 255, 256, 257, 511, 512, 5000] {
            let p = base.join(format!("sized-{size}"));
            let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            std::fs::write(&p, &data).unwrap();
            assert_eq!(read_all(&[p.as_path()])[0].as_ref().unwrap(), &data, "{size} bytes");
        }
        // Links are not followed when read either.
        let link = base.join("refs/link");
        assert!(read_all(&[link.as_path()])[0].is_err());
        // A link to outside is removed, not followed.
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("keep"), "x").unwrap();
        std::os::unix::fs::symlink(outside.path(), base.join("refs/d1/out")).unwrap();
        remove_dir_all(&base.join("refs")).unwrap();
        assert!(!base.join("refs").exists());
        assert!(outside.path().join("keep").exists());
        remove_dir_all(&base.join("refs")).unwrap();
    }
}
