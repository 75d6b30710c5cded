//! Fault injection for tests: make a chosen file-system operation of the
//! stack's writers fail, as a full disk (`ENOSPC`), a failing `fsync`
//! (`EIO`) or any other error would.
//!
//! Every operation a writer performs on the stack directory (creating a
//! lock or temporary table, each write of table or list bytes, each fsync,
//! each rename) first asks this module. Nothing fails unless a test has
//! [armed](arm) it, and only on the thread that armed it, so tests running
//! in parallel do not disturb each other. Unarmed, the cost is one
//! thread-local read per operation; without the `test-internals` feature
//! the module is private and every check compiles to nothing.
//!
//! ```
//! use reftable_core::stack::fault::{self, Op, Plan};
//! let armed = fault::arm(Plan { fail_at: None, only: None, errno: 28 });
//! // ... run a stack operation; nothing fails, but every operation is recorded:
//! assert!(armed.ops().is_empty());
//! ```
#![cfg_attr(not(feature = "test-internals"), allow(dead_code))]

use std::cell::RefCell;
use std::io::{self, Write};

/// A kind of file-system operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// Creating a file (lock file or temporary table).
    Create,
    /// Writing bytes to a table or to `tables.list.lock`.
    Write,
    /// `fsync` of a table or of `tables.list.lock`.
    Sync,
    /// Renaming a table or `tables.list.lock` into place.
    Rename,
}

/// What to break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Fail the operation with this index (counting from 0, among the
    /// operations `only` selects); `None` records without failing.
    pub fail_at: Option<usize>,
    /// Count only operations of this kind.
    pub only: Option<Op>,
    /// The OS error number to fail with (28 is `ENOSPC`, 5 is `EIO`).
    pub errno: i32,
}

struct State {
    plan: Plan,
    ops: Vec<Op>,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// Arms fault injection on this thread until the returned guard is dropped.
pub fn arm(plan: Plan) -> Armed {
    STATE.with(|s| *s.borrow_mut() = Some(State { plan, ops: Vec::new() }));
    Armed { _private: () }
}

/// Keeps fault injection armed; disarms on drop.
#[derive(Debug)]
pub struct Armed {
    _private: (),
}

impl Armed {
    /// The operations seen so far (those `only` selects), in order.
    pub fn ops(&self) -> Vec<Op> {
        STATE.with(|s| s.borrow().as_ref().map(|s| s.ops.clone()).unwrap_or_default())
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        STATE.with(|s| *s.borrow_mut() = None);
    }
}

/// Called before each operation: fails it if the plan says so.
#[inline]
pub(crate) fn check(op: Op) -> io::Result<()> {
    if !cfg!(feature = "test-internals") {
        return Ok(());
    }
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let Some(state) = s.as_mut() else { return Ok(()) };
        if state.plan.only.is_some_and(|o| o != op) {
            return Ok(());
        }
        let index = state.ops.len();
        state.ops.push(op);
        if state.plan.fail_at == Some(index) {
            return Err(io::Error::from_raw_os_error(state.plan.errno));
        }
        Ok(())
    })
}

/// A writer whose every `write` is an [`Op::Write`] (the file under a
/// [`TableWriter`](super::TableWriter)).
#[derive(Debug)]
pub(crate) struct Checked<W>(pub(crate) W);

impl<W: Write> Write for Checked<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        check(Op::Write)?;
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}
