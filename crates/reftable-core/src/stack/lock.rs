//! Lock files (`<file>.lock`, created exclusively), with git's timeout and
//! backoff, committed by an atomic rename.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rand::Rng;

use super::fault::{self, Op};
use super::Error;

/// A held lock on `path`: the file `path.lock`. Dropping it without
/// [`commit`](LockFile::commit) removes the lock file.
#[derive(Debug)]
pub struct LockFile {
    target: PathBuf,
    lock: PathBuf,
    file: Option<File>,
    held: bool,
    /// The timeout it was acquired with, which also bounds retried renames on Windows.
    timeout_ms: i64,
    /// Removed by a signal's handler too, as git's lock files.
    registered: crate::interrupt::Registered,
}

impl LockFile {
    /// Creates `path.lock`, waiting as git does: `timeout_ms` 0 fails at
    /// once, a negative value waits forever, otherwise retries with a
    /// randomized quadratic backoff (1 ms steps, at most 1 s) until the
    /// time is up. `mode` sets the permissions of the lock file.
    pub fn acquire(path: &Path, timeout_ms: i64, mode: Option<u32>) -> Result<LockFile, Error> {
        let mut lock = path.as_os_str().to_owned();
        lock.push(".lock");
        let lock = PathBuf::from(lock);
        let mut registered = crate::interrupt::prepare(&lock);
        let mut remaining = timeout_ms;
        let (mut n, mut multiplier) = (1i64, 1i64);
        loop {
            let creating = crate::interrupt::Creating::begin();
            let opened = super::fault::check(super::fault::Op::Create)
                .and_then(|()| OpenOptions::new().write(true).create_new(true).open(&lock));
            let active = opened.is_ok() && registered.activate();
            drop(creating);
            match opened {
                Ok(file) => {
                    if !active {
                        drop(file);
                        let _ = std::fs::remove_file(&lock);
                        return Err(Error::Interrupted);
                    }
                    let l = LockFile {
                        target: path.to_owned(),
                        registered,
                        lock: lock.clone(),
                        file: Some(file),
                        held: true,
                        timeout_ms,
                    };
                    if let Some(mode) = mode {
                        set_mode(&lock, mode)?;
                    }
                    return Ok(l);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists || busy_on_windows(&e) => {
                    if timeout_ms == 0 || (timeout_ms > 0 && remaining <= 0) {
                        return Err(Error::Lock { path: lock, timeout_ms });
                    }
                    // Between 0.75 and 1.25 times the backoff.
                    let wait = (750 + rand::thread_rng().gen_range(0..500)) * multiplier / 1000;
                    std::thread::sleep(Duration::from_millis(wait.max(1) as u64));
                    remaining -= wait.max(1);
                    multiplier += 2 * n + 1;
                    if multiplier > 1000 {
                        multiplier = 1000;
                    } else {
                        n += 1;
                    }
                }
                Err(e) => return Err(Error::io(&lock)(e)),
            }
        }
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.lock
    }

    /// Closes the lock file's descriptor, keeping the lock.
    pub fn close(&mut self) {
        self.file = None;
    }

    /// Writes `data` to the lock file, fsyncs it if asked, and renames it
    /// over the target: the new content becomes visible atomically.
    pub fn commit(mut self, data: &[u8], fsync: bool) -> Result<(), Error> {
        let io = Error::io(&self.lock);
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| Error::io(&self.lock)(std::io::Error::other("lock file already closed")))?;
        fault::Checked(&mut *file)
            .write_all(data)
            .map_err(Error::io(&self.lock))?;
        if fsync {
            fault::check(Op::Sync)
                .and_then(|()| file.sync_all())
                .map_err(Error::io(&self.lock))?;
        }
        self.file = None;
        fault::check(Op::Rename)
            .and_then(|()| rename_retrying(&self.lock, &self.target, self.timeout_ms))
            .map_err(io)?;
        self.held = false;
        self.registered.release();
        Ok(())
    }
}

impl Drop for LockFile {
    fn drop(&mut self) {
        if self.held {
            self.file = None;
            let _ = std::fs::remove_file(&self.lock);
        }
        self.registered.release();
    }
}

/// On Windows, a file being deleted (by a process that held it) or held open
/// without sharing by another process answers "access denied" for a while:
/// for a lock file, that is a lock held, to be waited for as such.
fn busy_on_windows(e: &std::io::Error) -> bool {
    cfg!(windows) && e.kind() == std::io::ErrorKind::PermissionDenied
}

/// `rename`, retried on Windows while the target is open in another process
/// (a reader of `tables.list`, ours or git's): "access denied" until it lets
/// go. As git for Windows' `mingw_rename`, with a backoff, for as long as the
/// lock's timeout (at least a second; a negative timeout: until it works).
fn rename_retrying(from: &Path, to: &Path, timeout_ms: i64) -> std::io::Result<()> {
    let budget = u64::try_from(timeout_ms).map_or(u64::MAX, |ms| ms.max(1000));
    let mut waited = 0u64;
    let mut wait = 1u64;
    loop {
        match std::fs::rename(from, to) {
            Err(e) if busy_on_windows(&e) && waited < budget => {
                std::thread::sleep(Duration::from_millis(wait));
                waited += wait;
                wait = (wait * 2).min(100);
            }
            r => return r,
        }
    }
}

pub(crate) fn set_mode(path: &Path, mode: u32) -> Result<(), Error> {
    chmod(path, mode).map_err(Error::io(path))
}

/// Sets a file's permission bits (`core.sharedRepository`).
#[cfg(unix)]
pub(crate) fn chmod(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

/// Windows has no permission bits of that kind: the ACL the directory gives.
#[cfg(not(unix))]
pub(crate) fn chmod(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("tables.list");
        let l = LockFile::acquire(&target, 0, None).unwrap();
        assert!(matches!(LockFile::acquire(&target, 0, None), Err(Error::Lock { .. })));
        let t = std::time::Instant::now();
        assert!(matches!(LockFile::acquire(&target, 50, None), Err(Error::Lock { .. })));
        assert!(t.elapsed() >= Duration::from_millis(40));
        drop(l);
        let l = LockFile::acquire(&target, 0, None).unwrap();
        l.commit(b"x\n", true).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"x\n");
        assert!(!dir.path().join("tables.list.lock").exists());
    }
}
