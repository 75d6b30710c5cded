//! The stack: the tables named in `$GIT_DIR/reftable/tables.list`, read as
//! one merged view and changed only by atomic additions and compactions, as
//! git's `reftable/stack.c` does.
//!
//! Every change follows the same protocol, safe against concurrent git
//! processes: lock `tables.list` (`tables.list.lock`, created exclusively),
//! check the stack did not move on, write each new table under a temporary
//! name, fsync it, rename it to `0x{min:012x}-0x{max:012x}-{random:08x}.ref`,
//! write the new list into the lock file, fsync, and rename it over
//! `tables.list`. A table becomes visible only through that last rename.
//!
//! When git's auto-compaction would merge an addition's new tables with the
//! newest tables of the stack right after the addition, the commit writes
//! the merged table instead (see [`Addition`]): the same `tables.list` as
//! git's two steps, one table and one list written and synced instead of two.

mod compact;
mod error;
#[cfg(feature = "test-internals")]
pub mod fault;
#[cfg(not(feature = "test-internals"))]
mod fault;
mod lock;
mod sink;

pub use compact::{CompactionStats, LogExpiry};
pub use error::Error;
pub use lock::LockFile;
pub use sink::Sink;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;

use fault::Op;

use crate::format::{self, Table, WriteOptions, Writer};
use crate::merged::Merged;

/// Options of a stack; the defaults are git's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// How tables are written (hash, block size, restart interval, obj index).
    pub write: WriteOptions,
    /// How long to wait for `tables.list.lock` (`reftable.lockTimeout`):
    /// 0 fails at once, negative waits forever. Git's default is 100 ms.
    pub lock_timeout_ms: i64,
    /// Permissions of created files (tables, `tables.list`); `None` keeps the umask's.
    pub default_permissions: Option<u32>,
    /// Skip auto-compaction after additions.
    pub disable_auto_compact: bool,
    /// Geometric factor of auto-compaction (`reftable.geometricFactor`), 2 by default.
    pub auto_compaction_factor: u8,
    /// fsync tables and `tables.list` before they become visible.
    pub fsync: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            write: WriteOptions::default(),
            lock_timeout_ms: 100,
            default_permissions: None,
            disable_auto_compact: false,
            auto_compaction_factor: 2,
            fsync: true,
        }
    }
}

/// Identity of the `tables.list` file we loaded, kept open so that its inode
/// cannot be reused while we hold it.
#[derive(Debug)]
struct ListPin {
    _file: File,
    #[cfg(unix)]
    dev: u64,
    #[cfg(unix)]
    ino: u64,
}

/// An open stack of tables.
///
/// ```no_run
/// use reftable_core::stack::{Stack, Options};
/// use reftable_core::format::{RefRecordRef, RefValueRef};
/// let mut stack = Stack::open(".git/reftable".as_ref(), Options::default())?;
/// let next = stack.next_update_index();
/// stack.add(|w| {
///     w.set_limits(next, next)?;
///     w.add_ref(&RefRecordRef { name: b"refs/heads/new", update_index: next, value: RefValueRef::Val1(&[0x11; 20]) })?;
///     Ok(())
/// })?;
/// assert!(stack.merged().find_ref(b"refs/heads/new")?.is_some());
/// # Ok::<(), reftable_core::stack::Error>(())
/// ```
#[derive(Debug)]
pub struct Stack {
    dir: PathBuf,
    list_path: PathBuf,
    opts: Options,
    tables: Vec<Arc<Table>>,
    names: Vec<String>,
    pin: Option<ListPin>,
    stats: CompactionStats,
}

/// What writes a new table: called with a writer whose limits it must set.
pub type TableWriter = Writer<Sink>;

/// New tables of an addition stay in memory up to this size (see [`Sink`]).
const ADDITION_IN_MEMORY: usize = 1 << 20;

/// A table written, in memory or under a temporary name in the stack
/// directory, neither synced nor in place yet. Dropping it removes the file.
#[derive(Debug)]
struct Pending {
    data: sink::Written,
    min: u64,
    max: u64,
}

impl Pending {
    /// Opens the table for reading.
    fn table(&self) -> Result<Table, Error> {
        Ok(match &self.data {
            sink::Written::Memory(bytes) => Table::from_bytes("new table", bytes.clone())?,
            sink::Written::File(tmp) => Table::open(tmp.path())?,
        })
    }
}

/// Checks a `tables.list` line: a plain file name inside the directory.
fn valid_table_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && !name.chars().any(char::is_control)
        && name != "tables.list"
        && !name.ends_with(".lock")
}

impl Stack {
    /// Opens the stack in `dir` (the `reftable` directory). A missing
    /// `tables.list` is an empty stack.
    pub fn open(dir: &Path, opts: Options) -> Result<Stack, Error> {
        // Writes must stay inside the repository: a `reftable` that is a
        // symbolic link (to anywhere) is refused rather than followed.
        if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Error::Symlink { path: dir.to_owned() });
        }
        let mut s = Stack {
            dir: dir.to_owned(),
            list_path: dir.join("tables.list"),
            opts,
            tables: Vec::new(),
            names: Vec::new(),
            pin: None,
            stats: CompactionStats::default(),
        };
        s.reload_now()?;
        Ok(s)
    }

    /// The stack's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// The options.
    pub fn options(&self) -> &Options {
        &self.opts
    }
    /// The tables, oldest first.
    pub fn tables(&self) -> &[Arc<Table>] {
        &self.tables
    }

    /// The current tables, shared: a reader can keep iterating them after
    /// releasing the stack (tables are immutable; unlinked files stay mapped).
    pub fn snapshot(&self) -> Vec<Arc<Table>> {
        self.tables.clone()
    }
    /// The table names as listed in `tables.list`.
    pub fn table_names(&self) -> &[String] {
        &self.names
    }
    /// Compaction statistics of this handle.
    pub fn stats(&self) -> &CompactionStats {
        &self.stats
    }

    /// The merged view of all tables (deletions hidden).
    pub fn merged(&self) -> Merged<'_> {
        Merged::new(self.tables.iter().map(|t| &**t))
    }

    /// The update index the next addition must use: one above the newest
    /// table's maximum, or 1 for an empty stack.
    pub fn next_update_index(&self) -> u64 {
        self.tables.last().map_or(1, |t| t.max_update_index() + 1)
    }

    fn read_names(&self) -> Result<Option<(Vec<String>, File)>, Error> {
        let (file, size) = match crate::file::open(&self.list_path, crate::file::MAX_TABLES_LIST) {
            Ok(opened) => opened,
            Err(format::Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let bytes = crate::file::read_opened(&file, size, &self.list_path)?;
        let text = String::from_utf8(bytes).map_err(|e| Error::InvalidTableName {
            name: String::from_utf8_lossy(e.as_bytes())
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
            list: self.list_path.clone(),
        })?;
        let names = parse_names(&text, &self.list_path)?;
        Ok(Some((names, file)))
    }

    /// Whether what we loaded is still what `tables.list` says.
    pub fn is_up_to_date(&self) -> Result<bool, Error> {
        #[cfg(unix)]
        if let Some(pin) = &self.pin {
            use std::os::unix::fs::MetadataExt;
            match std::fs::metadata(&self.list_path) {
                Ok(m) => {
                    if m.dev() == pin.dev && m.ino() == pin.ino {
                        return Ok(true);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(self.tables.is_empty()),
                Err(e) => return Err(Error::io(&self.list_path)(e)),
            }
        }
        Ok(match self.read_names()? {
            Some((names, _)) => names == self.names,
            None => self.names.is_empty(),
        })
    }

    /// Reloads if `tables.list` changed; cheap when it did not (one `stat`).
    pub fn reload(&mut self) -> Result<(), Error> {
        if !self.is_up_to_date()? {
            self.reload_now()?;
        }
        Ok(())
    }

    /// Reads `tables.list` and opens its tables, reusing the ones already
    /// open. When a listed table is missing because a concurrent writer
    /// replaced it, retries (for up to 3 seconds) as long as the list keeps
    /// changing.
    fn reload_now(&mut self) -> Result<(), Error> {
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut delay_ms = 0u64;
        let mut tries = 0;
        loop {
            tries += 1;
            let (names, file) = match self.read_names()? {
                Some((n, f)) => (n, Some(f)),
                None => (Vec::new(), None),
            };
            match self.load(&names) {
                Ok(()) => {
                    self.pin = file.and_then(pin_of);
                    return Ok(());
                }
                Err(Error::MissingTable { name, list }) => {
                    let after = self.read_names()?.map(|(n, _)| n).unwrap_or_default();
                    if after == names || (tries > 3 && Instant::now() >= deadline) {
                        self.pin = None;
                        return Err(Error::MissingTable { name, list });
                    }
                    delay_ms = delay_ms + delay_ms * u64::from(rand::thread_rng().gen_range(0..100u32)) / 100 + 1;
                    std::thread::sleep(Duration::from_millis(delay_ms));
                }
                Err(e) => {
                    self.pin = None;
                    return Err(e);
                }
            }
        }
    }

    fn load(&mut self, names: &[String]) -> Result<(), Error> {
        let mut old: Vec<Option<Arc<Table>>> = std::mem::take(&mut self.tables).into_iter().map(Some).collect();
        let old_names = std::mem::take(&mut self.names);
        let mut new = Vec::with_capacity(names.len());
        let mut result = Ok(());
        for name in names {
            if let Some(i) = old_names.iter().position(|n| n == name).filter(|&i| old[i].is_some()) {
                new.push(old[i].take().expect("checked"));
                continue;
            }
            let path = self.dir.join(name);
            match Table::open(&path) {
                Ok(t) => {
                    if let Err(e) = t.expect_hash(self.opts.write.hash) {
                        result = Err(e.into());
                        break;
                    }
                    new.push(Arc::new(t))
                }
                Err(format::Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                    result = Err(Error::MissingTable {
                        name: name.clone(),
                        list: self.list_path.clone(),
                    });
                    break;
                }
                Err(e) => {
                    result = Err(e.into());
                    break;
                }
            }
        }
        if let Err(e) = result {
            // Keep the previous view intact: put every reused table back in
            // its old slot (the new list may order them differently).
            let mut reused: Vec<Option<Arc<Table>>> = new.into_iter().map(Some).collect();
            let mut restored = Vec::with_capacity(old.len());
            for (i, slot) in old.into_iter().enumerate() {
                let table = slot.or_else(|| {
                    reused
                        .iter_mut()
                        .find(|t| t.as_ref().is_some_and(|t| t.name() == old_names[i]))
                        .and_then(Option::take)
                });
                if let Some(t) = table {
                    restored.push(t);
                }
            }
            self.tables = restored;
            self.names = old_names;
            return Err(e);
        }
        // Tables no longer listed are garbage: git unlinks them too.
        for (i, slot) in old.into_iter().enumerate() {
            if slot.is_some() {
                let _ = std::fs::remove_file(self.dir.join(&old_names[i]));
            }
        }
        self.tables = new;
        self.names = names.to_vec();
        Ok(())
    }

    /// Starts an addition: locks `tables.list`. If the stack moved on since
    /// it was loaded, reloads when `reload` is set, else fails with
    /// [`Error::Outdated`].
    pub fn new_addition(&mut self, reload: bool) -> Result<Addition<'_>, Error> {
        let lock = self.lock_list(self.opts.lock_timeout_ms)?;
        self.addition_under(lock, reload)
    }

    /// Starts an addition with a `tables.list` lock acquired earlier (see
    /// [`lock_list`](Self::lock_list)); reloads first if the stack moved on
    /// before the lock was taken.
    pub fn new_addition_locked(&mut self, lock: LockFile) -> Result<Addition<'_>, Error> {
        self.addition_under(lock, true)
    }

    /// An addition under `lock`; if the stack moved on, reload or fail as `reload` says.
    fn addition_under(&mut self, lock: LockFile, reload: bool) -> Result<Addition<'_>, Error> {
        if !self.is_up_to_date()? {
            if !reload {
                return Err(Error::Outdated { dir: self.dir.clone() });
            }
            self.reload_now()?;
        }
        let next = self.next_update_index();
        Ok(Addition {
            stack: self,
            lock: Some(lock),
            pending: Vec::new(),
            next_update_index: next,
        })
    }

    /// Acquires the `tables.list` lock with `timeout_ms` (git's semantics),
    /// without starting an addition yet.
    pub fn lock_list(&self, timeout_ms: i64) -> Result<LockFile, Error> {
        LockFile::acquire(&self.list_path, timeout_ms, self.opts.default_permissions)
    }

    /// Adds one table written by `write` in one atomic addition, then
    /// auto-compacts. Fails with [`Error::Outdated`] (after reloading) if
    /// the stack moved on since it was loaded.
    pub fn add(&mut self, write: impl FnOnce(&mut TableWriter) -> Result<(), Error>) -> Result<(), Error> {
        let res = (|| {
            let mut add = self.new_addition(false)?;
            add.add_table(write)?;
            add.commit()
        })();
        if let Err(Error::Outdated { .. }) = &res {
            let _ = self.reload();
        }
        res
    }

    /// Writes a table into a temporary file in the stack directory and
    /// renames it to its final name; returns that name, or `None` if the
    /// table has no records (then nothing is left on disk).
    fn write_table(
        &self,
        write: impl FnOnce(&mut TableWriter) -> Result<(), Error>,
        min_allowed: u64,
    ) -> Result<Option<(String, u64)>, Error> {
        match self.write_temp(write, min_allowed, 0)? {
            Some(p) => {
                let max = p.max;
                Ok(Some((self.publish(p)?, max)))
            }
            None => Ok(None),
        }
    }

    /// Writes a table, in memory while it has at most `in_memory` bytes,
    /// else into a temporary file in the stack directory; not yet synced
    /// nor in place (see [`publish`](Self::publish)). `None` if the table
    /// has no records (then nothing is left on disk).
    fn write_temp(
        &self,
        write: impl FnOnce(&mut TableWriter) -> Result<(), Error>,
        min_allowed: u64,
        in_memory: usize,
    ) -> Result<Option<Pending>, Error> {
        let prefix = self.temp_prefix(min_allowed);
        let sink =
            Sink::new(&self.dir, prefix, self.opts.default_permissions, in_memory).map_err(Error::io(&self.dir))?;
        let mut w = Writer::new(sink, self.opts.write)?;
        // A failed write names the file it failed on (or the directory, if
        // creating the file failed).
        let named = |e: Error, sink: &Sink| match e {
            Error::Write(format::WriteError::Io(source))
            | Error::Format(format::Error::Write(format::WriteError::Io(source))) => {
                if is_interrupt(&source) {
                    return Error::Interrupted;
                }
                Error::Io {
                    path: sink.path().unwrap_or(&self.dir).to_owned(),
                    source,
                }
            }
            e => e,
        };
        if let Err(e) = write(&mut w) {
            return Err(named(e, w.get_ref()));
        }
        let before = w.get_ref().path().unwrap_or(&self.dir).to_owned();
        let (out, stats) = w.finish().map_err(|e| match e {
            format::WriteError::Io(source) if is_interrupt(&source) => Error::Interrupted,
            format::WriteError::Io(source) => Error::Io { path: before, source },
            e => Error::Write(e),
        })?;
        let path = out.path().unwrap_or(&self.dir).to_owned();
        let data = out.finish().map_err(Error::io(&path))?;
        if stats.is_empty() {
            return Ok(None);
        }
        if stats.min_update_index < min_allowed {
            return Err(Error::UpdateIndexTooLow {
                min: stats.min_update_index,
                next: min_allowed,
            });
        }
        Ok(Some(Pending {
            data,
            min: stats.min_update_index,
            max: stats.max_update_index,
        }))
    }

    /// Prefix of a temporary table's file name, as git's.
    fn temp_prefix(&self, min: u64) -> String {
        format!("0x{min:012x}-0x{min:012x}-{:08x}", rand::random::<u32>())
    }

    /// Puts a written table in place: into a file if it is in memory, fsync
    /// (unless disabled), then rename it to its final name, which is returned.
    fn publish(&self, p: Pending) -> Result<String, Error> {
        let tmp = match p.data {
            sink::Written::File(tmp) => tmp,
            sink::Written::Memory(bytes) => {
                let mut sink = Sink::new(&self.dir, self.temp_prefix(p.min), self.opts.default_permissions, 0)
                    .map_err(Error::io(&self.dir))?;
                let path = sink.path().unwrap_or(&self.dir).to_owned();
                std::io::Write::write_all(&mut sink, &bytes).map_err(Error::io(&path))?;
                sink.into_file().map_err(Error::io(&path))?
            }
        };
        if self.opts.fsync {
            fault::check(Op::Sync)
                .and_then(|()| tmp.as_file().sync_all())
                .map_err(Error::io(tmp.path()))?;
        }
        let name = table_name(p.min, p.max);
        let path = self.dir.join(&name);
        fault::check(Op::Rename).map_err(Error::io(&path))?;
        tmp.persist_noclobber(&path).map_err(Error::io(&path))?;
        Ok(name)
    }

    fn write_list(&self, lock: LockFile, names: &[String]) -> Result<(), Error> {
        let mut buf = Vec::new();
        for n in names {
            buf.extend_from_slice(n.as_bytes());
            buf.push(b'\n');
        }
        lock.commit(&buf, self.opts.fsync)
    }
}

/// Whether a write failed because the process was asked to stop (the sink's own error).
fn is_interrupt(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::Other && e.to_string() == sink::INTERRUPTED
}

fn pin_of(file: File) -> Option<ListPin> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = file.metadata().ok()?;
        if m.dev() == 0 || m.ino() == 0 {
            return None;
        }
        Some(ListPin {
            dev: m.dev(),
            ino: m.ino(),
            _file: file,
        })
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        None
    }
}

/// Parses `tables.list`: one table name per line, empty lines skipped.
pub fn parse_names(content: &str, list: &Path) -> Result<Vec<String>, Error> {
    content
        .split('\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            if valid_table_name(l) {
                Ok(l.to_owned())
            } else {
                Err(Error::InvalidTableName {
                    name: l.to_owned(),
                    list: list.to_owned(),
                })
            }
        })
        .collect()
}

/// A new table name as git makes them.
pub fn table_name(min: u64, max: u64) -> String {
    format!("0x{min:012x}-0x{max:012x}-{:08x}.ref", rand::random::<u32>())
}

/// An addition in progress: `tables.list` is locked until it is committed or
/// dropped. Dropping it without committing removes the tables it wrote.
///
/// New tables stay in memory (or, past 1 MiB, under temporary names) until
/// [`commit`](Addition::commit).
/// If auto-compaction would then merge them with the newest tables of the
/// stack at once (as it does after most single-ref transactions), the commit
/// writes that merged table directly, still under the lock: the same stack as
/// git's addition followed by its auto-compaction, with one table and one
/// `tables.list` synced instead of two of each.
pub struct Addition<'s> {
    stack: &'s mut Stack,
    lock: Option<LockFile>,
    pending: Vec<Pending>,
    next_update_index: u64,
}

impl Addition<'_> {
    /// The smallest update index the new tables may use.
    pub fn next_update_index(&self) -> u64 {
        self.next_update_index
    }

    /// The stack as loaded under the lock (for checks against current values).
    pub fn stack(&self) -> &Stack {
        self.stack
    }

    /// Writes one table with `write`, which must set the writer's limits
    /// (at least [`next_update_index`](Self::next_update_index)). A table
    /// without records is not added.
    pub fn add_table(&mut self, write: impl FnOnce(&mut TableWriter) -> Result<(), Error>) -> Result<(), Error> {
        let min = self.next_update_index;
        if let Some(p) = self.stack.write_temp(write, min, ADDITION_IN_MEMORY)? {
            self.next_update_index = p.max + 1;
            self.pending.push(p);
        }
        Ok(())
    }

    /// Publishes the new tables by rewriting `tables.list`, reloads, and
    /// auto-compacts (unless disabled; lock contention there is ignored).
    pub fn commit(mut self) -> Result<(), Error> {
        let lock = self.lock.take().expect("lock held until commit");
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let auto_compact = !self.stack.opts.disable_auto_compact;
        if auto_compact {
            // Best effort: anything that stops the merge (a table locked by a
            // concurrent compaction, a full disk) falls back to the plain
            // addition below.
            if let Ok(Some(fused)) = self.stack.fused_compaction(&pending) {
                let mut names = self.stack.names[..fused.start].to_vec();
                names.extend(fused.name.iter().cloned());
                if let Err(e) = self.stack.write_list(lock, &names) {
                    if let Some(n) = &fused.name {
                        let _ = std::fs::remove_file(self.stack.dir.join(n));
                    }
                    return Err(e);
                }
                drop(pending);
                // Reloading unlinks the tables no longer listed.
                return self.stack.reload_now();
            }
        }
        let mut names = self.stack.names.clone();
        let mut published = Vec::with_capacity(pending.len());
        let res = (|| {
            for p in pending {
                published.push(self.stack.publish(p)?);
            }
            names.extend(published.iter().cloned());
            self.stack.write_list(lock, &names)
        })();
        if let Err(e) = res {
            for name in &published {
                let _ = std::fs::remove_file(self.stack.dir.join(name));
            }
            return Err(e);
        }
        self.stack.reload_now()?;
        // The addition is durable now. Compaction is best effort: whatever
        // stops it (a concurrent compaction, a full disk) leaves the stack as
        // it is, so it must not turn a committed addition into an error.
        // (git reports such I/O errors after committing; a caller retrying
        // then would apply its edits twice.)
        if auto_compact {
            let _ = self.stack.auto_compact();
        }
        Ok(())
    }
}

impl std::fmt::Debug for Addition<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Addition")
            .field("dir", &self.stack.dir)
            .field("pending", &self.pending)
            .field("next_update_index", &self.next_update_index)
            .finish()
    }
}
