//! Termination signals: what a write of this crate had made (lock files,
//! temporary tables) is removed when a signal ends the process, as git's
//! `tempfile.c` removes its files.
//!
//! Nothing is installed unless asked. Two ways, as in gix:
//! - [`setup`] installs a handler for SIGINT, SIGTERM, SIGHUP, SIGQUIT and
//!   SIGPIPE (SIGINT and SIGTERM on Windows) that removes this crate's files
//!   and gix-tempfile's, then lets the signal end the process as it would
//!   have (exit status and shell behaviour unchanged). The `reftable` command
//!   calls it first thing.
//! - An application that handles signals itself with
//!   `gix::interrupt::init_handler` gets the cooperative behaviour: stores
//!   watch `gix::interrupt::IS_INTERRUPTED`, long writes (compaction, bulk
//!   imports) stop with an `Interrupted` error and remove what they made, and
//!   the application exits normally. A handler of the application's own can
//!   call [`remove_registered_files`] (async-signal-safe) before the process
//!   dies.
//!
//! ```no_run
//! // First thing in main(), before any ref is written:
//! reftable::interrupt::setup()?;
//! let repo = gix::open(".")?;
//! let store = reftable::Store::from_repo(&repo)?;
//! // ... a SIGTERM from here on leaves no tables.list.lock behind.
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use reftable_core::interrupt::{is_triggered, registered_files, reset, trigger};

/// Removes the files of this crate's writes and of gix-tempfile that are in
/// flight. Async-signal-safe: for a signal handler of the application's own,
/// just before the process dies.
pub fn remove_registered_files() {
    reftable_core::interrupt::remove_registered_files();
    #[cfg(feature = "interrupt")]
    gix_tempfile::registry::cleanup_tempfiles_signal_safe();
}

/// Installs the handler described in the [module docs](self), once; later
/// calls do nothing.
#[cfg(feature = "interrupt")]
pub fn setup() -> std::io::Result<()> {
    static DONE: std::sync::OnceLock<Result<(), std::io::ErrorKind>> = std::sync::OnceLock::new();
    DONE.get_or_init(|| install().map_err(|e| e.kind()))
        .map_err(std::io::Error::from)
}

#[cfg(feature = "interrupt")]
fn install() -> std::io::Result<()> {
    // gix-tempfile's registry is created on first use; create it now, outside any
    // handler (and without handlers of its own: this one calls its cleanup).
    gix_tempfile::signal::setup(gix_tempfile::signal::handler::Mode::None);
    watch_gix();
    reftable_core::interrupt::on_deferred_signal(die_of);
    #[cfg(unix)]
    let signals = {
        use signal_hook::consts::*;
        [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE]
    };
    #[cfg(not(unix))]
    let signals = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM];
    for sig in signals {
        // SAFETY: `signal_hook::low_level::register` requires the action to be
        // async-signal-safe. It calls reftable-core's `defer_signal` (two atomic
        // operations) and then possibly `die_of`, which calls three functions:
        // reftable-core's `remove_registered_files` (atomic loads and stores on a static array,
        // a copy into a stack buffer, unlink(2); no allocation, no lock),
        // gix-tempfile's `cleanup_tempfiles_signal_safe` (documented by gix as
        // callable from a signal handler; its registry was created above, so it
        // is not initialised inside the handler), and signal-hook's own
        // `emulate_default_handler` (restores the default action and re-raises,
        // which signal-hook documents for use in handlers).
        #[allow(unsafe_code)]
        unsafe {
            signal_hook::low_level::register(sig, move || {
                if !reftable_core::interrupt::defer_signal(sig) {
                    die_of(sig);
                }
            })?;
        }
    }
    Ok(())
}

/// Removes what is registered and ends the process with `signal`, as the
/// signal would have (from the handler, or once a deferred signal's file is
/// registered).
#[cfg(feature = "interrupt")]
fn die_of(signal: i32) {
    remove_registered_files();
    let _ = signal_hook::low_level::emulate_default_handler(signal);
}

/// Long writes of the core stop when gix's interrupt flag is set.
pub(crate) fn watch_gix() {
    reftable_core::interrupt::watch(&gix::interrupt::IS_INTERRUPTED);
}
