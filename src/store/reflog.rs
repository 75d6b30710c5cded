//! Reflogs as gix `log::Line`s.

use gix_ref::bstr::ByteSlice;
use gix_ref::log::Line;

use super::worktree::{route, Stacks};
use super::{oid, AsName, Error, Store};
use crate::format::{LogRecord, LogValue};

/// Reflog entries of one reference; see [`Store::reflog_iter`].
pub struct ReflogIter {
    lines: std::vec::IntoIter<Line>,
}

impl Iterator for ReflogIter {
    type Item = Result<Line, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        self.lines.next().map(Ok)
    }
}

/// A reflog message as git keeps it (`copy_reflog_msg`): runs of white
/// space, line feeds included, become one space; none at either end.
///
/// ```
/// # use reftable::reflog::normalize_reflog_message;
/// assert_eq!(normalize_reflog_message(b"  line1\n\tline2  \n"), b"line1 line2");
/// ```
pub fn normalize_reflog_message(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len());
    let mut was_space = true;
    for &c in msg {
        // C's isspace: space, \t, \n, \v, \f, \r.
        let space = matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
        if was_space && space {
            continue;
        }
        was_space = space;
        out.push(if space { b' ' } else { c });
    }
    while out.last() == Some(&b' ') {
        out.pop();
    }
    out
}

/// Git stores `+0130` as 130; gix wants seconds.
pub(crate) fn tz_to_seconds(tz: i16) -> i32 {
    let v = i32::from(tz);
    let (sign, abs) = (v.signum(), v.abs());
    sign * ((abs / 100) * 3600 + (abs % 100) * 60)
}

/// A zone offset in seconds (as gix keeps it) as git's `hhmm` integer, the
/// form reftable log records and git's date code use.
///
/// ```
/// assert_eq!(reftable::reflog::seconds_to_tz(-7 * 3600), -700);
/// assert_eq!(reftable::reflog::seconds_to_tz(5400), 130);
/// ```
pub fn seconds_to_tz(offset: i32) -> i16 {
    let abs = offset.unsigned_abs();
    let hhmm = (abs / 3600) * 100 + (abs % 3600) / 60;
    (if offset < 0 { -(hhmm as i32) } else { hhmm as i32 }) as i16
}

impl Store {
    /// Whether `name` (a full name) has reflog entries.
    pub fn reflog_exists(&self, name: impl AsName) -> Result<bool, Error> {
        let mut stacks = Stacks::open(self)?;
        let stored = self.ns_in(name.as_name());
        let (which, name) = route(&stored, self.is_linked_worktree());
        let stack = stacks.get(self, &which)?;
        let mut it = stack.merged().seek_log(name)?;
        Ok(it.next_log()?.is_some_and(|l| l.name == name))
    }

    fn reflog_lines(&self, name: &[u8]) -> Result<Vec<Line>, Error> {
        let mut stacks = Stacks::open(self)?;
        let stored = self.ns_in(name);
        let (which, name) = route(&stored, self.is_linked_worktree());
        let stack = stacks.get(self, &which)?;
        let mut it = stack.merged().seek_log(name)?;
        let mut lines = Vec::new();
        while let Some(l) = it.next_log()? {
            if l.name != name {
                break;
            }
            let LogRecord { value, .. } = l.to_owned();
            if let LogValue::Update(u) = value {
                // git's marker of a reflog without entries.
                if u.old_id.iter().chain(&u.new_id).all(|&b| b == 0) {
                    continue;
                }
                let mut message = u.message;
                if message.last() == Some(&b'\n') {
                    message.pop();
                }
                lines.push(Line {
                    previous_oid: oid(&u.old_id, self.object_hash)?,
                    new_oid: oid(&u.new_id, self.object_hash)?,
                    signature: gix_actor::Signature {
                        name: u.name.into(),
                        email: u.email.into(),
                        time: gix_date::Time {
                            seconds: u.time as i64,
                            offset: tz_to_seconds(u.tz_offset),
                        },
                    },
                    message: message.as_bstr().to_owned(),
                });
            }
        }
        Ok(lines)
    }

    /// The reflog of `name`, oldest entry first.
    pub fn reflog_iter(&self, name: impl AsName) -> Result<Option<ReflogIter>, Error> {
        let mut lines = self.reflog_lines(name.as_name())?;
        if lines.is_empty() {
            return Ok(None);
        }
        lines.reverse();
        Ok(Some(ReflogIter {
            lines: lines.into_iter(),
        }))
    }

    /// The reflog of `name`, newest entry first.
    pub fn reflog_iter_rev(&self, name: impl AsName) -> Result<Option<ReflogIter>, Error> {
        let lines = self.reflog_lines(name.as_name())?;
        if lines.is_empty() {
            return Ok(None);
        }
        Ok(Some(ReflogIter {
            lines: lines.into_iter(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tz_conversions() {
        for (tz, secs) in [(0, 0), (130, 5400), (-700, -25200), (545, 20700), (-30, -1800)] {
            assert_eq!(tz_to_seconds(tz), secs);
            assert_eq!(seconds_to_tz(secs), tz);
        }
    }
}
