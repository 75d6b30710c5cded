//! git's `approxidate_careful` (its `date.c`): the dates `<ref>@{<date>}`
//! and `reflog expire --expire=<date>` take, read as git reads them. A
//! strict date (`parse_date_basic`: RFC 2822, ISO 8601, git's own format,
//! `@<seconds> <zone>`) first; else the approximate reading, word by word,
//! from the current time in the local zone: `yesterday`, `noon`, `3.days.ago`,
//! `last friday`, `Nov 19`, `2026-11-19` (at the current time of day), …
//!
//! The fields of a C `struct tm` are kept as git keeps them (`-1` for a
//! field not given), and the C library's `localtime_r`, `gmtime_r` and
//! `mktime` do the zone arithmetic, as in git.

use crate::libc_time::{self, Fields};

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const WEEKDAY_NAMES: [&str; 7] = [
    "Sundays",
    "Mondays",
    "Tuesdays",
    "Wednesdays",
    "Thursdays",
    "Fridays",
    "Saturdays",
];

/// git's zone names: (name, hours east of UTC, summer time). As git, a
/// summer time adds an hour.
const TIMEZONE_NAMES: &[(&str, i32, i32)] = &[
    ("IDLW", -12, 0),
    ("NT", -11, 0),
    ("CAT", -10, 0),
    ("HST", -10, 0),
    ("HDT", -10, 1),
    ("YST", -9, 0),
    ("YDT", -9, 1),
    ("PST", -8, 0),
    ("PDT", -8, 1),
    ("MST", -7, 0),
    ("MDT", -7, 1),
    ("CST", -6, 0),
    ("CDT", -6, 1),
    ("EST", -5, 0),
    ("EDT", -5, 1),
    ("AST", -3, 0),
    ("ADT", -3, 1),
    ("WAT", -1, 0),
    ("GMT", 0, 0),
    ("UTC", 0, 0),
    ("Z", 0, 0),
    ("WET", 0, 0),
    ("BST", 0, 1),
    ("CET", 1, 0),
    ("MET", 1, 0),
    ("MEWT", 1, 0),
    ("MEST", 1, 1),
    ("CEST", 1, 1),
    ("MESZ", 1, 1),
    ("FWT", 1, 0),
    ("FST", 1, 1),
    ("EET", 2, 0),
    ("EEST", 2, 1),
    ("WAST", 7, 0),
    ("WADT", 7, 1),
    ("CCT", 8, 0),
    ("JST", 9, 0),
    ("EAST", 10, 0),
    ("EADT", 10, 1),
    ("GST", 10, 0),
    ("NZT", 12, 0),
    ("NZST", 12, 0),
    ("NZDT", 12, 1),
    ("IDLE", 12, 0),
];

/// The last second git takes: 2099-12-31T23:59:59Z.
const TIMESTAMP_MAX: i64 = ((2100 - 1970) * 365 + 32) * 24 * 60 * 60 - 1;

/// The date `date` names, as git's `approxidate_careful`: `None` where git
/// reports an error (nothing in it read as a date). `now` is the current
/// time (git's, `GIT_TEST_DATE_NOW` included).
pub fn approxidate_careful(date: &str, now: i64) -> Option<i64> {
    // A C string ends at its first NUL.
    let date = date.as_bytes();
    let date = &date[..date.iter().position(|&b| b == 0).unwrap_or(date.len())];
    if let Some((timestamp, _)) = parse_date_basic(date) {
        return Some(timestamp);
    }
    approxidate_str(date, now)
}

fn at(d: &[u8], i: usize) -> u8 {
    d.get(i).copied().unwrap_or(0)
}

fn unset() -> Fields {
    Fields {
        year: -1,
        mon: -1,
        mday: -1,
        hour: -1,
        min: -1,
        sec: -1,
        wday: 0,
        isdst: -1,
    }
}

fn localtime(t: i64) -> Fields {
    libc_time::localtime(t).map_or_else(unset, |tm| tm.fields())
}

/// Leading decimal digits of `d` from `i` as C's `strtoul` reads them
/// (saturating): the value and where the digits end (`i` if none).
fn number(d: &[u8], i: usize) -> (u64, usize) {
    let mut v: u64 = 0;
    let mut e = i;
    while at(d, e).is_ascii_digit() {
        v = v.saturating_mul(10).saturating_add((d[e] - b'0') as u64);
        e += 1;
    }
    (v, e)
}

/// How far `date` spells `s` (case aside): the length matched up to a
/// character that is not a letter or digit, 0 if a letter or digit differs.
fn match_string(date: &[u8], s: &str) -> usize {
    let s = s.as_bytes();
    let mut i = 0;
    while i < date.len() {
        let (c, o) = (date[i], at(s, i));
        if c.eq_ignore_ascii_case(&o) {
            i += 1;
            continue;
        }
        if !c.is_ascii_alphanumeric() {
            break;
        }
        return 0;
    }
    i
}

fn skip_alpha(date: &[u8]) -> usize {
    let mut i = 1;
    while at(date, i).is_ascii_alphabetic() {
        i += 1;
    }
    i
}

/// A month, weekday or zone name, `AM`/`PM`, or ISO 8601's `T`.
fn match_alpha(date: &[u8], tm: &mut Fields, offset: &mut i32) -> usize {
    for (i, name) in MONTH_NAMES.iter().enumerate() {
        let m = match_string(date, name);
        if m >= 3 {
            tm.mon = i as i32;
            return m;
        }
    }
    for (i, name) in WEEKDAY_NAMES.iter().enumerate() {
        let m = match_string(date, name);
        if m >= 3 {
            tm.wday = i as i32;
            return m;
        }
    }
    for &(name, off, dst) in TIMEZONE_NAMES {
        let m = match_string(date, name);
        if m >= 3 || m == name.len() {
            if *offset == -1 {
                *offset = 60 * (off + dst);
            }
            return m;
        }
    }
    if match_string(date, "PM") == 2 {
        tm.hour = (tm.hour % 12) + 12;
        return 2;
    }
    if match_string(date, "AM") == 2 {
        tm.hour %= 12;
        return 2;
    }
    if at(date, 0) == b'T' && at(date, 1).is_ascii_digit() && tm.hour == -1 {
        tm.min = 0;
        tm.sec = 0;
        return 1;
    }
    skip_alpha(date)
}

fn set_date(year: i32, month: i32, day: i32, now_tm: Option<&Fields>, now: i64, tm: &mut Fields) -> i32 {
    if !(month > 0 && month < 13 && day > 0 && day < 32) {
        return -1;
    }
    let mut check = *tm;
    let r = if now_tm.is_some() { &mut check } else { &mut *tm };
    r.mon = month - 1;
    r.mday = day;
    if year == -1 {
        match now_tm {
            None => return 1,
            Some(n) => r.year = n.year,
        }
    } else if (1970..2100).contains(&year) {
        r.year = year - 1900;
    } else if year > 70 && year < 100 {
        r.year = year;
    } else if year < 38 {
        r.year = year + 100;
    } else {
        return -1;
    }
    if now_tm.is_none() {
        return 0;
    }
    let (mon, mday, ryear) = (r.mon, r.mday, r.year);
    let specified = check.utc_seconds();
    // Not more than ten days into the future.
    if specified != -1 && now + 10 * 24 * 3600 < specified {
        return -1;
    }
    tm.mon = mon;
    tm.mday = mday;
    if year != -1 {
        tm.year = ryear;
    }
    0
}

fn set_time(hour: i64, minute: i64, second: i64, tm: &mut Fields) -> i32 {
    if (0..=24).contains(&hour) && (0..60).contains(&minute) && (0..=60).contains(&second) {
        tm.hour = hour as i32;
        tm.min = minute as i32;
        tm.sec = second as i32;
        return 0;
    }
    -1
}

fn is_date_known(tm: &Fields) -> bool {
    tm.year != -1 && tm.mon != -1 && tm.mday != -1
}

/// `num<c>num2[<c>num3]`, `date` starting at `num` and its separator at
/// `end`: a time or a date; what it took (0 for neither).
fn match_multi_number(num: u64, c: u8, date: &[u8], end: usize, tm: &mut Fields, now: i64) -> usize {
    let (num2, mut end) = number(date, end + 1);
    let num2 = num2.min(i64::MAX as u64) as i64;
    let mut num3: i64 = -1;
    if at(date, end) == c && at(date, end + 1).is_ascii_digit() {
        let (n, e) = number(date, end + 1);
        num3 = n.min(i64::MAX as u64) as i64;
        end = e;
    }
    match c {
        b':' => {
            if num3 < 0 {
                num3 = 0;
            }
            if set_time(num as i64, num2, num3, tm) != 0 {
                return 0;
            }
            if at(date, end) == b'.' && at(date, end + 1).is_ascii_digit() && is_date_known(tm) {
                end = number(date, end + 1).1;
            }
        }
        _ => {
            let now = if now == 0 { crate::date::now() as i64 } else { now };
            let refuse_future = libc_time::gmtime(now).map(|t| t.fields());
            let rf = refuse_future.as_ref();
            let (n1, n2, n3) = (num as i32, num2 as i32, num3 as i32);
            let done = (num > 70
                && (set_date(n1, n2, n3, None, now, tm) == 0 || set_date(n1, n3, n2, None, now, tm) == 0))
                || (c != b'.' && set_date(n3, n1, n2, rf, now, tm) == 0)
                || set_date(n3, n2, n1, rf, now, tm) == 0
                || (c == b'.' && set_date(n3, n1, n2, rf, now, tm) == 0);
            if !done {
                return 0;
            }
        }
    }
    end
}

/// No field given yet.
fn nodate(tm: &Fields) -> bool {
    (tm.year & tm.mon & tm.mday & tm.hour & tm.min & tm.sec) < 0
}

/// An ISO 8601 `T` seen (hour unset, minutes and seconds 0).
fn maybeiso8601(tm: &Fields) -> bool {
    tm.hour == -1 && tm.min == 0 && tm.sec == 0
}

/// A number: seconds since 1970, a time, a date, a year, a zone, a day.
fn match_digit(date: &[u8], tm: &mut Fields, offset: &mut i32, tm_gmt: &mut bool) -> usize {
    let (num, mut end) = number(date, 0);
    if num >= 100_000_000 && nodate(tm) {
        if let Some(t) = i64::try_from(num).ok().and_then(libc_time::gmtime) {
            *tm = t.fields();
            *tm_gmt = true;
            return end;
        }
    }
    if matches!(at(date, end), b':' | b'.' | b'/' | b'-') && at(date, end + 1).is_ascii_digit() {
        let m = match_multi_number(num, date[end], date, end, tm, 0);
        if m != 0 {
            return m;
        }
    }
    let n = {
        let mut n = 1;
        while at(date, n).is_ascii_digit() {
            n += 1;
        }
        n
    };
    if n == 8 || n == 6 {
        let (num1, num2, num3) = ((num / 10000) as u32, ((num % 10000) / 100) as u32, (num % 100) as u32);
        if n == 8 {
            // Without a time to refuse the future from, `now` goes unread.
            set_date(num1 as i32, num2 as i32, num3 as i32, None, 0, tm);
        } else if set_time(num1 as i64, num2 as i64, num3 as i64, tm) == 0
            && at(date, end) == b'.'
            && at(date, end + 1).is_ascii_digit()
        {
            end = number(date, end + 1).1;
        }
        return end;
    }
    if maybeiso8601(tm) {
        let (mut num1, mut num2) = (num as u32, 0u32);
        if n == 4 {
            num1 = (num / 100) as u32;
            num2 = (num % 100) as u32;
        }
        if (n == 4 || n == 2) && !nodate(tm) && set_time(num1 as i64, num2 as i64, 0, tm) == 0 {
            return n;
        }
        tm.min = -1;
        tm.sec = -1;
    }
    if n == 4 {
        if num <= 1400 && *offset == -1 {
            *offset = ((num / 100) * 60 + num % 100) as i32;
        } else if num > 1900 && num < 2100 {
            tm.year = num as i32 - 1900;
        }
        return n;
    }
    if n > 2 {
        return n;
    }
    if num > 0 && num < 32 && tm.mday < 0 {
        tm.mday = num as i32;
        return n;
    }
    if n == 2 && tm.year < 0 {
        if num < 10 && tm.mday >= 0 {
            tm.year = num as i32 + 100;
            return n;
        }
        if num >= 70 {
            tm.year = num as i32;
            return n;
        }
    }
    if num > 0 && num < 13 && tm.mon < 0 {
        tm.mon = num as i32 - 1;
    }
    n
}

/// `+hhmm`, `-hh`, `+hh:mm`.
fn match_tz(date: &[u8], offp: &mut i32) -> usize {
    let (h, mut end) = number(date, 1);
    let n = end - 1;
    let mut hour = h.min(u32::MAX as u64) as i64;
    let mut min: i64 = 0;
    if n == 4 {
        min = hour % 100;
        hour /= 100;
    } else if n != 2 {
        min = 99;
    } else if at(date, end) == b':' {
        let (m, e) = number(date, end + 1);
        min = m.min(99) as i64;
        end = e;
        if end - 1 != 5 {
            min = 99;
        }
    }
    if min < 60 && hour < 24 {
        let offset = (hour * 60 + min) as i32;
        *offp = if date[0] == b'-' { -offset } else { offset };
    }
    end
}

/// `@<seconds> <+|-><hhmm>` and nothing after (`date` after the `@`).
fn match_object_header_date(date: &[u8]) -> Option<(i64, i32)> {
    if !at(date, 0).is_ascii_digit() {
        return None;
    }
    let (stamp, end) = number(date, 0);
    if at(date, end) != b' ' || stamp == u64::MAX || !matches!(at(date, end + 1), b'+' | b'-') {
        return None;
    }
    let start = end + 2;
    let (ofs, e) = number(date, start);
    if (at(date, e) != 0 && at(date, e) != b'\n') || e != start + 4 {
        return None;
    }
    let ofs = ofs as i32;
    let ofs = (ofs / 100) * 60 + ofs % 100;
    Some((
        stamp.min(i64::MAX as u64) as i64,
        if date[start - 1] == b'-' { -ofs } else { ofs },
    ))
}

/// git's `parse_date_basic`: a date with every field given, its time and
/// zone offset in minutes.
fn parse_date_basic(date: &[u8]) -> Option<(i64, i32)> {
    let mut tm = unset();
    let mut offset = -1;
    let mut tm_gmt = false;
    if at(date, 0) == b'@' {
        if let Some(r) = match_object_header_date(&date[1..]) {
            return Some(r);
        }
    }
    let mut i = 0;
    while i < date.len() && date[i] != b'\n' {
        let c = date[i];
        let rest = &date[i..];
        let m = if c.is_ascii_alphabetic() {
            match_alpha(rest, &mut tm, &mut offset)
        } else if c.is_ascii_digit() {
            match_digit(rest, &mut tm, &mut offset, &mut tm_gmt)
        } else if (c == b'-' || c == b'+') && at(rest, 1).is_ascii_digit() {
            match_tz(rest, &mut offset)
        } else {
            0
        };
        i += m.max(1);
    }
    let mut timestamp = tm.utc_seconds();
    if timestamp == -1 {
        return None;
    }
    if offset == -1 {
        let mut t = tm;
        t.isdst = -1;
        let temp = libc_time::mktime(&t);
        offset = if timestamp > temp {
            ((timestamp - temp) / 60) as i32
        } else {
            -(((temp - timestamp) / 60) as i32)
        };
    }
    if !tm_gmt {
        let off = offset as i64 * 60;
        if (off > 0 && off > timestamp) || (off < 0 && -off > TIMESTAMP_MAX - timestamp) {
            return None;
        }
        timestamp -= off;
    }
    Some((timestamp, offset))
}

/// git's `parse_date` (for `GIT_COMMITTER_DATE`): a date with every field
/// given, as its time and zone offset in minutes; `None` where git dies
/// "invalid date format". No zone given: the local zone's at that date.
pub fn parse_date(date: &str) -> Option<(i64, i32)> {
    let date = date.as_bytes();
    parse_date_basic(&date[..date.iter().position(|&b| b == 0).unwrap_or(date.len())])
}

/// Fills the date fields not given from `now` (a month after now's: last
/// year), then takes `sec` off, in the local zone.
fn update_tm(tm: &mut Fields, now: &Fields, sec: i64) -> i64 {
    if tm.mday < 0 {
        tm.mday = now.mday;
    }
    if tm.mon < 0 {
        tm.mon = now.mon;
    }
    if tm.year < 0 {
        tm.year = now.year;
        if tm.mon > now.mon {
            tm.year -= 1;
        }
    }
    let n = libc_time::mktime(tm) - sec;
    *tm = localtime(n);
    n
}

/// A number seen and not yet placed: a day of the month, else a month,
/// else a year.
fn pending_number(tm: &mut Fields, num: &mut i32) {
    let number = *num;
    if number == 0 {
        return;
    }
    *num = 0;
    if tm.mday < 0 && number < 32 {
        tm.mday = number;
    } else if tm.mon < 0 && number < 13 {
        tm.mon = number - 1;
    } else if tm.year < 0 {
        if number > 1969 && number < 2100 {
            tm.year = number - 1900;
        } else if number > 69 && number < 100 {
            tm.year = number;
        } else if number < 38 {
            tm.year = 100 + number;
        }
    }
}

fn date_time(tm: &mut Fields, now: &Fields, hour: i32) {
    if tm.hour < hour {
        update_tm(tm, now, 24 * 60 * 60);
    }
    tm.hour = hour;
    tm.min = 0;
    tm.sec = 0;
}

fn date_am_pm(tm: &mut Fields, num: &mut i32, pm: bool) {
    let n = std::mem::take(num);
    let mut hour = tm.hour;
    if n != 0 {
        hour = n;
        tm.min = 0;
        tm.sec = 0;
    }
    tm.hour = hour % 12 + if pm { 12 } else { 0 };
}

/// The special words (`yesterday`, `noon`, …): whether `date` is one.
fn special(date: &[u8], tm: &mut Fields, now: &Fields, num: &mut i32) -> bool {
    const NAMES: [&str; 8] = ["yesterday", "noon", "midnight", "tea", "PM", "AM", "never", "now"];
    let Some(k) = NAMES.iter().position(|name| match_string(date, name) == name.len()) else {
        return false;
    };
    match NAMES[k] {
        "yesterday" => {
            *num = 0;
            update_tm(tm, now, 24 * 60 * 60);
        }
        "noon" | "midnight" | "tea" => {
            pending_number(tm, num);
            let hour = match NAMES[k] {
                "noon" => 12,
                "midnight" => 0,
                _ => 17,
            };
            date_time(tm, now, hour);
        }
        "PM" => date_am_pm(tm, num, true),
        "AM" => date_am_pm(tm, num, false),
        "never" => {
            *tm = localtime(0);
            *num = 0;
        }
        _ => {
            *num = 0;
            update_tm(tm, now, 0);
        }
    }
    true
}

/// A word of an approximate date; returns where it ends.
fn approxidate_alpha(date: &[u8], tm: &mut Fields, now: &Fields, num: &mut i32, touched: &mut bool) -> usize {
    const NUMBER_NAMES: [&str; 11] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    const TYPELEN: [(&str, i64); 5] = [
        ("seconds", 1),
        ("minutes", 60),
        ("hours", 60 * 60),
        ("days", 24 * 60 * 60),
        ("weeks", 7 * 24 * 60 * 60),
    ];
    let end = skip_alpha(date);
    for (i, name) in MONTH_NAMES.iter().enumerate() {
        if match_string(date, name) >= 3 {
            tm.mon = i as i32;
            *touched = true;
            return end;
        }
    }
    if special(date, tm, now, num) {
        *touched = true;
        return end;
    }
    if *num == 0 {
        for (i, name) in NUMBER_NAMES.iter().enumerate().skip(1) {
            if match_string(date, name) == name.len() {
                *num = i as i32;
                *touched = true;
                return end;
            }
        }
        if match_string(date, "last") == 4 {
            *num = 1;
            *touched = true;
        }
        return end;
    }
    for (name, length) in TYPELEN {
        if match_string(date, name) + 1 >= name.len() {
            update_tm(tm, now, length * *num as i64);
            *num = 0;
            *touched = true;
            return end;
        }
    }
    for (i, name) in WEEKDAY_NAMES.iter().enumerate() {
        if match_string(date, name) >= 3 {
            // Wrapping, as C's int arithmetic on a huge number would.
            let mut n = num.wrapping_sub(1);
            *num = 0;
            let mut diff = tm.wday - i as i32;
            if diff <= 0 {
                n = n.wrapping_add(1);
            }
            diff = diff.wrapping_add(n.wrapping_mul(7));
            update_tm(tm, now, diff as i64 * 24 * 60 * 60);
            *touched = true;
            return end;
        }
    }
    if match_string(date, "months") >= 5 {
        update_tm(tm, now, 0);
        let mut n = tm.mon.wrapping_sub(*num);
        *num = 0;
        while n < 0 {
            n += 12;
            tm.year = tm.year.wrapping_sub(1);
        }
        tm.mon = n;
        *touched = true;
        return end;
    }
    if match_string(date, "years") >= 4 {
        update_tm(tm, now, 0);
        tm.year = tm.year.wrapping_sub(*num);
        *num = 0;
        *touched = true;
        return end;
    }
    end
}

/// A number of an approximate date; returns where it ends.
fn approxidate_digit(date: &[u8], tm: &mut Fields, num: &mut i32, now: i64) -> usize {
    let (number, end) = number(date, 0);
    if matches!(at(date, end), b':' | b'.' | b'/' | b'-') && at(date, end + 1).is_ascii_digit() {
        let m = match_multi_number(number, date[end], date, end, tm, now);
        if m != 0 {
            return m;
        }
    }
    // Zero-padding only for small numbers ("Dec 02", never "Dec 0002").
    if date[0] != b'0' || end <= 2 {
        *num = number as i32;
    }
    end
}

/// git's `approxidate` (not careful): the time whether or not any word
/// was understood (then the current time of day, today).
pub fn approxidate(date: &str, now: i64) -> i64 {
    let date = date.as_bytes();
    let date = &date[..date.iter().position(|&b| b == 0).unwrap_or(date.len())];
    if let Some((timestamp, _)) = parse_date_basic(date) {
        return timestamp;
    }
    approxidate_words(date, now).0
}

/// git's `approxidate_str`: `None` if no word was understood.
fn approxidate_str(date: &[u8], now_sec: i64) -> Option<i64> {
    let (t, touched) = approxidate_words(date, now_sec);
    touched.then_some(t)
}

/// The time `date` names word by word from `now`, and whether any word
/// was understood.
fn approxidate_words(date: &[u8], now_sec: i64) -> (i64, bool) {
    let mut num = 0;
    let mut touched = false;
    let now = localtime(now_sec);
    let mut tm = now;
    tm.year = -1;
    tm.mon = -1;
    tm.mday = -1;
    let mut i = 0;
    while i < date.len() {
        let c = date[i];
        if c.is_ascii_digit() {
            pending_number(&mut tm, &mut num);
            i += approxidate_digit(&date[i..], &mut tm, &mut num, now_sec);
            touched = true;
        } else if c.is_ascii_alphabetic() {
            i += approxidate_alpha(&date[i..], &mut tm, &now, &mut num, &mut touched);
        } else {
            i += 1;
        }
    }
    pending_number(&mut tm, &mut num);
    (update_tm(&mut tm, &now, 0), touched)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cases whose value needs no local zone (UTC-based or relative).
    #[test]
    fn reads_dates_as_git() {
        // 2026-11-21 18:25:30 UTC, a Saturday.
        let now = 1_795_285_530;
        for (s, want) in [
            ("@1795285525 +0000", Some(1_795_285_525)),
            ("2026-11-19 10:00:00 +0200", Some(1_795_075_200)),
            ("Thu, 19 Nov 2026 10:00:00 +0100", Some(1_795_078_800)),
            ("3.days.ago", Some(now - 3 * 86_400)),
            ("1 day 2 hours ago", Some(now - 86_400 - 7200)),
            ("5 hours ago", Some(now - 5 * 3600)),
            ("1795285525", Some(1_795_285_525)),
            ("garbage", None),
            ("", None),
        ] {
            assert_eq!(approxidate_careful(s, now), want, "{s}");
        }
    }

    /// Numbers past every range, and words in odd places: no panic (C's
    /// int arithmetic wraps).
    #[test]
    fn takes_anything() {
        for s in [
            "2147483648 fridays",
            "4294967295 months",
            "99999999999999999999999 years ago",
            "-99999999999999 +99:99 1.2.3.4 :: -- //",
            "@18446744073709551615 +0000",
            "@1 -9999",
            "31/12/99999 25:61:61 pm am T1 +2400",
            "\0",
            "never never now yesterday last last ten ten",
        ] {
            let _ = approxidate_careful(s, 1_795_285_530);
        }
    }
}
