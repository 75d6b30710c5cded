//! Interrupts: the files a writer must not leave behind when the process is
//! killed by a signal, and a flag that stops long writes.
//!
//! Every lock file (`tables.list.lock`, `<table>.lock`) and temporary table
//! the stack creates is registered here while it exists, as git's
//! `tempfile.c` registers its files. [`remove_registered_files`] removes
//! them all; it is async-signal-safe (no allocation, no lock, only atomics
//! and `unlink`), meant to be called from a signal handler just before the
//! process dies of the signal. This crate installs no handler: the `reftable`
//! crate's `interrupt::setup` does (with gix-tempfile's), or call this from
//! a handler of your own.
//!
//! Long writes (compaction, large additions) also check [`is_triggered`]
//! every few thousand records and stop with `stack::Error::Interrupted`,
//! removing what they wrote: the cooperative way of gix's
//! `gix::interrupt::init_handler`, whose flag a caller hands to [`watch`].
//!
//! ```
//! use reftable_core::interrupt;
//! assert!(!interrupt::is_triggered());
//! interrupt::trigger();
//! assert!(interrupt::is_triggered());
//! interrupt::reset();
//! // From a signal handler (here: nothing is registered, nothing happens):
//! interrupt::remove_registered_files();
//! ```

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::sync::OnceLock;

/// How many files can be registered at once (the locks of a compaction of
/// this many tables); beyond that a file is still removed when its owner
/// drops it, but not by a signal.
const SLOTS: usize = 1024;
/// The longest path (in bytes) a slot holds.
const PATH_MAX: usize = 512;

const FREE: u8 = 0;
const WRITING: u8 = 1;
const READY: u8 = 2;

struct Slot {
    state: AtomicU8,
    len: AtomicUsize,
    bytes: [AtomicU8; PATH_MAX],
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Slot = Slot {
    state: AtomicU8::new(FREE),
    len: AtomicUsize::new(0),
    bytes: [const { AtomicU8::new(0) }; PATH_MAX],
};

static REGISTRY: [Slot; SLOTS] = [EMPTY; SLOTS];
/// Set for good once [`remove_registered_files`] has started: from then on no
/// slot is written again, so the handler reads each path whole.
static CLEANING: AtomicBool = AtomicBool::new(false);
static TRIGGERED: AtomicBool = AtomicBool::new(false);
static WATCHED: OnceLock<&'static AtomicBool> = OnceLock::new();
/// Threads between creating a file and registering it.
static CREATING: AtomicUsize = AtomicUsize::new(0);
/// A signal that arrived while a thread was [`CREATING`], to act on when it is done.
static PENDING: AtomicI32 = AtomicI32::new(0);
static ON_DEFERRED: OnceLock<fn(i32)> = OnceLock::new();

/// For a signal handler, first thing: whether the signal must wait because a
/// thread is between creating a file and registering it (a signal arriving
/// during the `open` call is delivered right after it returns, before the
/// file could be registered). If so, the handler returns at once and that
/// thread calls the function given to [`on_deferred_signal`] with `signal`
/// as soon as the file is registered. Async-signal-safe.
pub fn defer_signal(signal: i32) -> bool {
    PENDING.store(signal, SeqCst);
    // Published before looking: a thread leaving its creation after this load
    // sees the pending signal (see `Creating::drop`).
    CREATING.load(SeqCst) > 0
}

/// What to do with a signal that [`defer_signal`] held back, once the file
/// being created is registered: typically remove the registered files and
/// let the signal end the process. Only the first call takes effect.
pub fn on_deferred_signal(f: fn(i32)) -> bool {
    ON_DEFERRED.set(f).is_ok()
}

/// Held from just before a file is created until it is registered.
pub(crate) struct Creating(());

impl Creating {
    pub(crate) fn begin() -> Creating {
        CREATING.fetch_add(1, SeqCst);
        Creating(())
    }
}

impl Drop for Creating {
    fn drop(&mut self) {
        if CREATING.fetch_sub(1, SeqCst) == 1 {
            let signal = PENDING.load(SeqCst);
            if signal != 0 {
                if let Some(f) = ON_DEFERRED.get() {
                    f(signal);
                }
            }
        }
    }
}

/// Removes every registered file. Async-signal-safe: call it from a signal
/// handler, then let the process die (registrations made afterwards are not
/// honoured).
pub fn remove_registered_files() {
    CLEANING.store(true, SeqCst);
    let mut buf = [0u8; PATH_MAX + 1];
    for slot in &REGISTRY {
        if let Some(path) = slot.path(&mut buf) {
            unlink(path);
        }
    }
}

impl Slot {
    /// The registered path, NUL-terminated in `buf`, if the slot holds one.
    fn path<'b>(&self, buf: &'b mut [u8; PATH_MAX + 1]) -> Option<&'b [u8]> {
        if self.state.load(SeqCst) != READY {
            return None;
        }
        let len = self.len.load(SeqCst).min(PATH_MAX);
        for (b, a) in buf.iter_mut().zip(&self.bytes[..len]) {
            *b = a.load(SeqCst);
        }
        buf[len] = 0;
        Some(&buf[..=len])
    }
}

#[cfg(unix)]
fn unlink(path_with_nul: &[u8]) {
    // rustix calls unlink(2) directly (a raw system call on Linux): no allocation, signal-safe.
    if let Ok(path) = std::ffi::CStr::from_bytes_with_nul(path_with_nul) {
        let _ = rustix::fs::unlink(path);
    }
}

#[cfg(not(unix))]
fn unlink(path_with_nul: &[u8]) {
    // No POSIX signals here: a console control handler runs on a thread of its own.
    if let Ok(path) = std::str::from_utf8(&path_with_nul[..path_with_nul.len() - 1]) {
        let _ = std::fs::remove_file(path);
    }
}

/// A file registered for removal on a signal; dropping it unregisters it
/// (the file itself is its owner's to remove or rename).
#[derive(Debug)]
pub(crate) struct Registered {
    slot: Option<usize>,
}

impl Registered {
    /// The file now exists and is ours: a signal removes it from here on.
    /// Returns `false` if a signal's handler has begun removing files (on
    /// another thread, as the process is about to die): the caller must then
    /// remove the file itself and give up, for the handler may have passed
    /// this slot already. (Both seeing each other is harmless: the handler
    /// marks itself before reading the slots, we publish the slot before
    /// reading the mark, so at least one of the two removes the file.)
    #[must_use]
    pub(crate) fn activate(&mut self) -> bool {
        if let Some(i) = self.slot {
            REGISTRY[i].state.store(READY, SeqCst);
        }
        !CLEANING.load(SeqCst)
    }

    /// Unregisters now (after the file was renamed into place).
    pub(crate) fn release(&mut self) {
        if let Some(i) = self.slot.take() {
            REGISTRY[i].state.store(FREE, SeqCst);
        }
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.release();
    }
}

/// Makes ready to register `path`, a file this process is about to create
/// exclusively; [`Registered::activate`] right after the creation succeeded
/// registers it with one atomic store, so that a signal cannot fall between
/// the two. Until then (and if the creation fails) a signal leaves the path
/// alone: it may be another process's.
pub(crate) fn prepare(path: &Path) -> Registered {
    let Some(bytes) = path_bytes(path) else {
        return Registered { slot: None };
    };
    if bytes.len() > PATH_MAX || bytes.contains(&0) {
        return Registered { slot: None };
    }
    for (i, slot) in REGISTRY.iter().enumerate() {
        if slot.state.compare_exchange(FREE, WRITING, SeqCst, SeqCst).is_err() {
            continue;
        }
        if CLEANING.load(SeqCst) {
            slot.state.store(FREE, SeqCst);
            break;
        }
        for (a, &b) in slot.bytes.iter().zip(bytes) {
            a.store(b, SeqCst);
        }
        slot.len.store(bytes.len(), SeqCst);
        return Registered { slot: Some(i) };
    }
    Registered { slot: None }
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Option<&[u8]> {
    Some(std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()))
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Option<&[u8]> {
    path.to_str().map(str::as_bytes)
}

/// How many files are registered now (for tests and diagnostics).
pub fn registered_files() -> usize {
    REGISTRY.iter().filter(|s| s.state.load(SeqCst) == READY).count()
}

/// Asks long writes to stop. Async-signal-safe.
pub fn trigger() {
    TRIGGERED.store(true, SeqCst);
}

/// Whether [`trigger`] was called, or the flag given to [`watch`] is set.
pub fn is_triggered() -> bool {
    TRIGGERED.load(SeqCst) || WATCHED.get().is_some_and(|f| f.load(SeqCst))
}

/// Clears what [`trigger`] set (not the watched flag).
pub fn reset() {
    TRIGGERED.store(false, SeqCst);
}

/// Also stop long writes when `flag` is set, for example gix's
/// `gix::interrupt::IS_INTERRUPTED`. Only the first call takes effect;
/// returns whether this one did.
pub fn watch(flag: &'static AtomicBool) -> bool {
    WATCHED.set(flag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_files_are_removed_and_released_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.lock"), dir.path().join("b.lock"));
        std::fs::write(&a, b"").unwrap();
        std::fs::write(&b, b"").unwrap();
        let mut ra = prepare(&a);
        assert!(ra.activate());
        let mut rb = prepare(&b);
        assert!(rb.activate());
        rb.release();
        let c = dir.path().join("c.lock");
        std::fs::write(&c, b"").unwrap();
        let _rc = prepare(&c); // not activated: not ours (yet)
        let long = dir.path().join("x".repeat(PATH_MAX));
        assert!(prepare(&long).slot.is_none(), "too long for a slot");
        // Not remove_registered_files(): it ends registration for the whole test process
        // (and would remove the files of tests running in parallel); the same steps, for `a` alone.
        let mut buf = [0u8; PATH_MAX + 1];
        let want = path_bytes(&a).unwrap();
        for slot in &REGISTRY {
            if let Some(path) = slot
                .path(&mut buf)
                .filter(|p| &p[..p.len() - 1] == want || p.ends_with(b"c.lock\0"))
            {
                unlink(path);
            }
        }
        assert!(!a.exists());
        assert!(b.exists() && c.exists());
    }
}
