//! Progress on stderr for long operations, only when stderr is a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A spinner with `msg`, or nothing when stderr is not a terminal.
pub fn spinner(msg: &'static str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = ProgressBar::new_spinner().with_message(msg);
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(pb)
}

/// A bar counting `total` items, or nothing when stderr is not a terminal
/// or the work is small (`total` below `threshold`).
pub fn bar(msg: &'static str, total: u64, threshold: u64) -> Option<ProgressBar> {
    if total < threshold || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = ProgressBar::new(total).with_message(msg);
    if let Ok(style) = ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} ({per_sec})") {
        pb.set_style(style);
    }
    Some(pb)
}

/// A bar counting `total` bytes of input, or nothing when stderr is not a
/// terminal or the input is small (below `threshold` bytes).
pub fn bytes_bar(msg: &'static str, total: u64, threshold: u64) -> Option<ProgressBar> {
    let pb = bar(msg, total, threshold)?;
    if let Ok(style) = ProgressStyle::with_template("{msg} {bar:40} {bytes}/{total_bytes} ({bytes_per_sec})") {
        pb.set_style(style);
    }
    Some(pb)
}

/// A counter of items whose total is not known, or nothing when stderr is
/// not a terminal.
pub fn counter(msg: &'static str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = ProgressBar::new_spinner().with_message(msg);
    if let Ok(style) = ProgressStyle::with_template("{msg} {pos} ({per_sec})") {
        pb.set_style(style);
    }
    Some(pb)
}

/// Finishes and clears a progress display.
pub fn done(pb: Option<ProgressBar>) {
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
}
