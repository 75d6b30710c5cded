//! The C library's broken-down time and `strftime`, which git's dates in
//! the local zone (`TZ`, `/etc/localtime`) and `format:` strings are made
//! of: calling the same functions gives the same text as git, zone rules,
//! locale and glibc's conversion extensions included.
//!
//! The only `unsafe` code of the command. Each call below is sound
//! because every pointer passed is valid for the call's duration and of
//! the type and length the function expects: `time_t` and `tm` values
//! live on the stack, `tm` is fully initialised (zeroed, then filled by
//! `gmtime_r`/`localtime_r`, which return null instead of writing on
//! failure, or by us before `mktime`, which reads it and normalises it in
//! place), the format is a NUL-terminated `CString`, and `strftime`
//! is given the buffer's real capacity, writes at most that many bytes
//! and reports how many it wrote, the only bytes we then take. The `_r`
//! variants keep no shared static result, and `tm_zone` (a pointer into
//! the C library's zone data) is only read by `strftime` itself.
#![allow(unsafe_code)]

use std::ffi::CString;

/// A broken-down time (`struct tm`).
#[derive(Clone, Copy)]
pub(crate) struct Tm(libc::tm);

impl Tm {
    /// The year, e.g. 2024.
    pub(crate) fn year(&self) -> i64 {
        self.0.tm_year as i64 + 1900
    }
    /// The month, 0–11.
    pub(crate) fn mon(&self) -> usize {
        self.0.tm_mon.clamp(0, 11) as usize
    }
    pub(crate) fn mday(&self) -> i32 {
        self.0.tm_mday
    }
    /// The day of the week, 0 (Sunday) – 6.
    pub(crate) fn wday(&self) -> usize {
        self.0.tm_wday.clamp(0, 6) as usize
    }
    pub(crate) fn hour(&self) -> i32 {
        self.0.tm_hour
    }
    pub(crate) fn min(&self) -> i32 {
        self.0.tm_min
    }
    pub(crate) fn sec(&self) -> i32 {
        self.0.tm_sec
    }
    /// `tm_year` as C has it (years since 1900).
    pub(crate) fn tm_year(&self) -> i32 {
        self.0.tm_year
    }

    /// git's `tm_to_time_t`: the time the fields name read as UTC, or -1
    /// outside 1970–2099.
    pub(crate) fn utc_seconds(&self) -> i64 {
        self.fields().utc_seconds()
    }
}

pub(crate) use crate::time_fields::Fields;

impl Tm {
    /// The fields, as numbers.
    pub(crate) fn fields(&self) -> Fields {
        let t = &self.0;
        Fields {
            year: t.tm_year,
            mon: t.tm_mon,
            mday: t.tm_mday,
            hour: t.tm_hour,
            min: t.tm_min,
            sec: t.tm_sec,
            wday: t.tm_wday,
            isdst: t.tm_isdst,
        }
    }
}

/// `mktime`: the time `f` names in the local zone, fields out of range
/// carried into the next ones as C does; -1 if there is none (as C).
pub(crate) fn mktime(f: &Fields) -> i64 {
    let mut tm = zeroed();
    tm.tm_year = f.year;
    tm.tm_mon = f.mon;
    tm.tm_mday = f.mday;
    tm.tm_hour = f.hour;
    tm.tm_min = f.min;
    tm.tm_sec = f.sec;
    tm.tm_wday = f.wday;
    tm.tm_isdst = f.isdst;
    // SAFETY: see the module's comment: `tm` is a live, initialised local
    // that `mktime` reads and normalises in place.
    let t = unsafe { libc::mktime(&mut tm) };
    #[allow(clippy::useless_conversion)]
    i64::from(t)
}

fn zeroed() -> libc::tm {
    // SAFETY: `struct tm` is plain data (integers and one pointer, for
    // which null is a valid value); all zeroes is a valid value of it.
    unsafe { std::mem::zeroed() }
}

/// `gmtime_r` or `localtime_r` of `t` (null from them: `None`).
fn broken_down(t: i64, f: unsafe extern "C" fn(*const libc::time_t, *mut libc::tm) -> *mut libc::tm) -> Option<Tm> {
    // `time_t` is 64 bits here, but not everywhere.
    #[allow(clippy::useless_conversion)]
    let t: libc::time_t = t.try_into().ok()?;
    let mut tm = zeroed();
    // SAFETY: see the module's comment: both pointers are to live locals,
    // and `f` is one of the two C functions of this signature passed below.
    let r = unsafe { f(&t, &mut tm) };
    (!r.is_null()).then_some(Tm(tm))
}

/// `gmtime_r`: `t` in UTC.
pub(crate) fn gmtime(t: i64) -> Option<Tm> {
    broken_down(t, libc::gmtime_r)
}

/// `localtime_r`: `t` in the local zone.
pub(crate) fn localtime(t: i64) -> Option<Tm> {
    broken_down(t, libc::localtime_r)
}

/// `strftime` of `format` (which git has already rid of `%s`, `%z` and
/// perhaps `%Z`), growing the buffer as git's `strbuf_addftime` does until
/// the text fits; a format with a NUL ends there, as in C.
pub(crate) fn strftime(format: &[u8], tm: &Tm) -> Vec<u8> {
    let format = match format.iter().position(|&b| b == 0) {
        Some(n) => &format[..n],
        None => format,
    };
    if format.is_empty() {
        return Vec::new();
    }
    // strftime returns 0 both for "did not fit" and for an empty text:
    // with a space appended the text is never empty, and the space is
    // dropped afterwards.
    let mut padded = format.to_vec();
    padded.push(b' ');
    let c = CString::new(padded).expect("no NUL left in the format");
    let mut cap = 128usize;
    loop {
        let mut buf = vec![0u8; cap];
        // SAFETY: see the module's comment: `buf` has `cap` writable
        // bytes, `c` is NUL-terminated, `tm.0` is an initialised `tm`.
        let n = unsafe { libc::strftime(buf.as_mut_ptr().cast(), cap, c.as_ptr(), &tm.0) };
        if n > 0 {
            buf.truncate(n - 1);
            return buf;
        }
        if cap >= 1 << 24 {
            return Vec::new();
        }
        cap *= 2;
    }
}
