//! Where the C library's `localtime_r`, `mktime` and `strftime` are not to
//! be had (Windows), the same functions on jiff: the local zone is the
//! system's (jiff reads the Windows zone), `strftime` is jiff's `strtime`.
//! On Unix `libc_time` calls the C library itself, as git does, so that
//! dates come out byte for byte as git's.

use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

pub(crate) use crate::time_fields::Fields;

/// A broken-down time: an instant in a zone.
#[derive(Clone)]
pub(crate) struct Tm(Zoned);

impl Tm {
    /// The year, e.g. 2024.
    pub(crate) fn year(&self) -> i64 {
        i64::from(self.0.year())
    }
    /// The month, 0–11.
    pub(crate) fn mon(&self) -> usize {
        (self.0.month() - 1).clamp(0, 11) as usize
    }
    pub(crate) fn mday(&self) -> i32 {
        i32::from(self.0.day())
    }
    /// The day of the week, 0 (Sunday) – 6.
    pub(crate) fn wday(&self) -> usize {
        self.0.weekday().to_sunday_zero_offset() as usize
    }
    pub(crate) fn hour(&self) -> i32 {
        i32::from(self.0.hour())
    }
    pub(crate) fn min(&self) -> i32 {
        i32::from(self.0.minute())
    }
    pub(crate) fn sec(&self) -> i32 {
        i32::from(self.0.second())
    }
    /// `tm_year` as C has it (years since 1900).
    pub(crate) fn tm_year(&self) -> i32 {
        i32::from(self.0.year()) - 1900
    }

    /// git's `tm_to_time_t`: the time the fields name read as UTC, or -1
    /// outside 1970–2099.
    pub(crate) fn utc_seconds(&self) -> i64 {
        self.fields().utc_seconds()
    }

    /// The fields, as numbers.
    pub(crate) fn fields(&self) -> Fields {
        let dst = self.0.time_zone().to_offset_info(self.0.timestamp()).dst().is_dst();
        Fields {
            year: self.tm_year(),
            mon: self.mon() as i32,
            mday: self.mday(),
            hour: self.hour(),
            min: self.min(),
            sec: self.sec(),
            wday: self.wday() as i32,
            isdst: i32::from(dst),
        }
    }
}

fn local() -> TimeZone {
    TimeZone::try_system().unwrap_or(TimeZone::UTC)
}

/// `mktime`: the time `f` names in the local zone, fields out of range
/// carried into the next ones as C does; -1 if there is none.
pub(crate) fn mktime(f: &Fields) -> i64 {
    let span = jiff::Span::new()
        .try_months(i64::from(f.mon))
        .and_then(|s| s.try_days(i64::from(f.mday) - 1))
        .and_then(|s| s.try_hours(i64::from(f.hour)))
        .and_then(|s| s.try_minutes(i64::from(f.min)))
        .and_then(|s| s.try_seconds(i64::from(f.sec)));
    let Ok(year) = i16::try_from(f.year + 1900) else {
        return -1;
    };
    span.ok()
        .and_then(|span| jiff::civil::date(year, 1, 1).at(0, 0, 0, 0).checked_add(span).ok())
        .and_then(|dt| dt.to_zoned(local()).ok())
        .map_or(-1, |z| z.timestamp().as_second())
}

fn broken_down(t: i64, tz: TimeZone) -> Option<Tm> {
    Some(Tm(Timestamp::from_second(t).ok()?.to_zoned(tz)))
}

/// `gmtime_r`: `t` in UTC.
pub(crate) fn gmtime(t: i64) -> Option<Tm> {
    broken_down(t, TimeZone::UTC)
}

/// `localtime_r`: `t` in the local zone.
pub(crate) fn localtime(t: i64) -> Option<Tm> {
    broken_down(t, local())
}

/// `strftime` of `format`; a format with a NUL ends there, as in C. A
/// directive jiff does not know gives no text (C gives it unchanged or none).
pub(crate) fn strftime(format: &[u8], tm: &Tm) -> Vec<u8> {
    let format = match format.iter().position(|&b| b == 0) {
        Some(n) => &format[..n],
        None => format,
    };
    jiff::fmt::strtime::format(format, &tm.0)
        .map(String::into_bytes)
        .unwrap_or_default()
}
