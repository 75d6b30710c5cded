//! Dates as git shows them (`date.c`): `--date=<format>` parsed as
//! `parse_date_format` does, shown as `show_date` does, for for-each-ref's
//! date atoms and reflog show.

use crate::libc_time;
use crate::Fatal;

/// git's `parse_date_format`: a type by prefix (`iso8601` before `iso`),
/// `-local` after it, `format:<strftime>`; `auto:<f>` is `<f>` on a
/// terminal and `default` otherwise, `local` is `default-local`.
pub fn parse(f: &str) -> Result<DateMode, Fatal> {
    let mut format = f;
    if let Some(p) = format.strip_prefix("auto:") {
        use std::io::IsTerminal;
        format = if std::io::stdout().is_terminal() { p } else { "default" };
    }
    if format == "local" {
        format = "default-local";
    }
    let types = [
        ("relative", DateFormat::Relative),
        ("iso8601-strict", DateFormat::IsoStrict),
        ("iso-strict", DateFormat::IsoStrict),
        ("iso8601", DateFormat::Iso),
        ("iso", DateFormat::Iso),
        ("rfc2822", DateFormat::Rfc),
        ("rfc", DateFormat::Rfc),
        ("short", DateFormat::Short),
        ("default", DateFormat::Default),
        ("human", DateFormat::Human),
        ("raw", DateFormat::Raw),
        ("unix", DateFormat::Unix),
        ("format", DateFormat::Strftime(String::new())),
    ];
    let Some((mut kind, rest)) = types
        .into_iter()
        .find_map(|(name, kind)| format.strip_prefix(name).map(|rest| (kind, rest)))
    else {
        return Err(Fatal::msg(format!("unknown date format {format}")));
    };
    let (local, rest) = match rest.strip_prefix("-local") {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if let DateFormat::Strftime(s) = &mut kind {
        let Some(f) = rest.strip_prefix(':') else {
            return Err(Fatal::msg(format!("date format missing colon separator: {format}")));
        };
        *s = f.to_owned();
    } else if !rest.is_empty() {
        return Err(Fatal::msg(format!("unknown date format {format}")));
    }
    Ok(DateMode { kind, local })
}

#[derive(Clone, Debug, PartialEq)]
pub enum DateFormat {
    Default,
    Relative,
    Iso,
    IsoStrict,
    Rfc,
    Short,
    Raw,
    Unix,
    Human,
    Strftime(String),
}

/// git's `struct date_mode`: a format, in the time's own zone or the local one.
#[derive(Clone, Debug, PartialEq)]
pub struct DateMode {
    pub kind: DateFormat,
    pub local: bool,
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// git's `local_time_tzoffset`: the local zone's offset at `t` (as git
/// keeps zones: `-0700` is -700) and the local time then.
fn local_zone(t: i64) -> (i64, Option<libc_time::Tm>) {
    let Some(tm) = libc_time::localtime(t) else {
        return (0, None);
    };
    let local = tm.utc_seconds();
    if local == -1 {
        return (0, Some(tm));
    }
    let minutes = (local - t).abs() / 60;
    let offset = minutes % 60 + minutes / 60 * 100;
    (if local < t { -offset } else { offset }, Some(tm))
}

/// git's `date_overflows`: a time the system's `time_t` cannot hold.
fn too_large(time: u64) -> Result<i64, Fatal> {
    i64::try_from(time)
        .ok()
        .filter(|&t| t < i64::MAX)
        .ok_or_else(|| Fatal::msg(format!("Timestamp too large for this system: {time}")))
}

/// git's `gm_time_t`: the time moved into its zone, for `gmtime`; git dies
/// where that leaves the range of times.
fn in_zone(time: u64, tz: i64) -> Result<i64, Fatal> {
    let minutes = tz.signum() * ((tz.abs() / 100) * 60 + tz.abs() % 100);
    let shifted = if minutes > 0 {
        time.checked_add(minutes as u64 * 60)
            .ok_or_else(|| Fatal::msg(format!("Timestamp+tz too large: {time} +{tz:04}")))?
    } else {
        time.checked_sub(minutes.unsigned_abs() * 60)
            .ok_or_else(|| Fatal::msg(format!("Timestamp before Unix epoch: {time} {tz:04}")))?
    };
    too_large(shifted)
}

/// git's `show_date`; `tz` is the zone as git keeps it (`-0700` is -700).
pub fn show(time: u64, tz: i64, mode: &DateMode) -> Result<String, Fatal> {
    if mode.kind == DateFormat::Unix {
        return Ok(time.to_string());
    }
    let human = (mode.kind == DateFormat::Human).then(|| local_zone(now() as i64));
    let tz = if mode.local { local_zone(too_large(time)?).0 } else { tz };
    match mode.kind {
        DateFormat::Raw => return Ok(format!("{time} {}", zone(tz))),
        DateFormat::Relative => return Ok(relative(time, now())),
        _ => {}
    }
    let tm = if mode.local {
        libc_time::localtime(time as i64)
    } else {
        libc_time::gmtime(in_zone(time, tz)?)
    };
    // As git, a time the C library cannot break down shows as the epoch in UTC.
    let (tm, tz) = match tm {
        Some(tm) => (tm, tz),
        None => (libc_time::gmtime(0).expect("the epoch is a time"), 0),
    };
    let (y, mo, d) = (tm.year(), tm.mon() + 1, tm.mday());
    let (h, m, s) = (tm.hour(), tm.min(), tm.sec());
    Ok(match &mode.kind {
        DateFormat::Short => format!("{y:04}-{mo:02}-{d:02}"),
        DateFormat::Iso => format!("{y:04}-{mo:02}-{d:02} {h:02}:{m:02}:{s:02} {}", zone(tz)),
        DateFormat::IsoStrict => {
            let z = if tz == 0 {
                "Z".to_owned()
            } else {
                format!(
                    "{}{:02}:{:02}",
                    if tz >= 0 { '+' } else { '-' },
                    tz.abs() / 100,
                    tz.abs() % 100
                )
            };
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}{z}")
        }
        DateFormat::Rfc => format!(
            "{}, {d} {} {y} {h:02}:{m:02}:{s:02} {}",
            WEEKDAYS[tm.wday()],
            MONTHS[tm.mon()],
            zone(tz)
        ),
        DateFormat::Strftime(f) => strftime(f, &tm, tz, !mode.local),
        _ => {
            let (human_tz, human_tm) = match human {
                Some((z, tm)) => (z, tm),
                None => (-1, None),
            };
            date_normal(time, &tm, tz, human_tm.as_ref(), human_tz, mode.local)
        }
    })
}

/// git's `strbuf_addftime`: `%s`, `%z` (and, unless the time is local,
/// `%Z`) are git's; the rest is the C library's `strftime`.
fn strftime(format: &str, tm: &libc_time::Tm, tz: i64, suppress_zone_name: bool) -> String {
    let mut munged = Vec::with_capacity(format.len());
    let mut rest = format.as_bytes();
    while let Some(at) = rest.iter().position(|&b| b == b'%') {
        munged.extend_from_slice(&rest[..at]);
        rest = &rest[at + 1..];
        match rest.first() {
            Some(b'%') => {
                munged.extend_from_slice(b"%%");
                rest = &rest[1..];
            }
            Some(b's') => {
                // git's unsigned `timestamp_t` arithmetic: -1 (a year
                // `tm_to_time_t` cannot take) wraps round.
                let secs = (tm.utc_seconds() as u64)
                    .wrapping_sub((3600 * (tz / 100)) as u64)
                    .wrapping_sub((60 * (tz % 100)) as u64);
                munged.extend_from_slice(secs.to_string().as_bytes());
                rest = &rest[1..];
            }
            Some(b'z') => {
                munged.extend_from_slice(zone(tz).as_bytes());
                rest = &rest[1..];
            }
            Some(b'Z') if suppress_zone_name => rest = &rest[1..],
            _ => munged.push(b'%'),
        }
    }
    munged.extend_from_slice(rest);
    String::from_utf8_lossy(&libc_time::strftime(&munged, tm)).into_owned()
}

/// git's `show_date_normal`: the default format, and `human` (given the
/// local time now and its zone), which leaves out what the present makes
/// obvious.
fn date_normal(
    time: u64,
    tm: &libc_time::Tm,
    tz: i64,
    human_tm: Option<&libc_time::Tm>,
    human_tz: i64,
    local: bool,
) -> String {
    let (human_year, human_mon, human_mday) = human_tm.map_or((0, 0, 0), |h| (h.tm_year(), h.mon(), h.mday()));
    let mut hide_tz = local || tz == human_tz;
    let hide_year = tm.tm_year() == human_year;
    let (mut hide_date, mut hide_wday) = (false, false);
    if hide_year && tm.mon() == human_mon {
        if tm.mday() > human_mday {
            // A future date: think of time zones.
        } else if tm.mday() == human_mday {
            hide_date = true;
            hide_wday = true;
        } else if tm.mday() + 5 > human_mday {
            // Just the weekday if it was a few days ago.
            hide_date = true;
        }
    }
    if hide_wday {
        return relative(time, now());
    }
    let (mut hide_seconds, mut hide_time) = (false, false);
    if human_year != 0 {
        hide_seconds = true;
        hide_tz |= !hide_date;
        hide_wday = !hide_year;
        hide_time = !hide_year;
    }
    let mut out = String::new();
    if !hide_wday {
        out.push_str(&format!("{} ", WEEKDAYS[tm.wday()]));
    }
    if !hide_date {
        out.push_str(&format!("{} {} ", MONTHS[tm.mon()], tm.mday()));
    }
    if !hide_time {
        out.push_str(&format!("{:02}:{:02}", tm.hour(), tm.min()));
        if !hide_seconds {
            out.push_str(&format!(":{:02}", tm.sec()));
        }
    } else {
        out.truncate(out.trim_end().len());
    }
    if !hide_year {
        out.push_str(&format!(" {}", tm.year()));
    }
    if !hide_tz {
        out.push_str(&format!(" {}", zone(tz)));
    }
    out
}

/// The time now, or `GIT_TEST_DATE_NOW` as git reads it.
pub fn now() -> u64 {
    match std::env::var("GIT_TEST_DATE_NOW") {
        Ok(v) => {
            let digits = v.trim_start().bytes().take_while(u8::is_ascii_digit).count();
            v.trim_start()[..digits].parse().unwrap_or(0)
        }
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    }
}

/// git's `show_date_relative`.
pub fn relative(time: u64, now: u64) -> String {
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if now < time {
        return "in the future".into();
    }
    let mut diff = now - time;
    if diff < 90 {
        return format!("{} ago", plural(diff, "second"));
    }
    diff = (diff + 30) / 60;
    if diff < 90 {
        return format!("{} ago", plural(diff, "minute"));
    }
    diff = (diff + 30) / 60;
    if diff < 36 {
        return format!("{} ago", plural(diff, "hour"));
    }
    diff = (diff + 12) / 24;
    if diff < 14 {
        return format!("{} ago", plural(diff, "day"));
    }
    if diff < 70 {
        return format!("{} ago", plural((diff + 3) / 7, "week"));
    }
    if diff < 365 {
        return format!("{} ago", plural((diff + 15) / 30, "month"));
    }
    if diff < 1825 {
        let total = (diff * 12 * 2 + 365) / (365 * 2);
        let (years, months) = (total / 12, total % 12);
        return if months > 0 {
            format!("{}, {} ago", plural(years, "year"), plural(months, "month"))
        } else {
            format!("{} ago", plural(years, "year"))
        };
    }
    format!("{} ago", plural((diff + 183) / 365, "year"))
}

/// printf's `%+05d` of a zone.
pub fn zone(tz: i64) -> String {
    format!("{}{:04}", if tz < 0 { '-' } else { '+' }, tz.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(kind: DateFormat) -> DateMode {
        DateMode { kind, local: false }
    }

    #[test]
    fn dates_as_git_shows_them() {
        // 1700000000 is 2023-11-14 22:13:20 UTC, a Tuesday.
        assert_eq!(
            show(1700000000, 130, &mode(DateFormat::Default)).unwrap(),
            "Tue Nov 14 23:43:20 2023 +0130"
        );
        assert_eq!(
            show(1700000000, -700, &mode(DateFormat::Iso)).unwrap(),
            "2023-11-14 15:13:20 -0700"
        );
        assert_eq!(
            show(1700000000, 0, &mode(DateFormat::IsoStrict)).unwrap(),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            show(1700000000, -30, &mode(DateFormat::IsoStrict)).unwrap(),
            "2023-11-14T21:43:20-00:30"
        );
        assert_eq!(
            show(1700000000, 100, &mode(DateFormat::Rfc)).unwrap(),
            "Tue, 14 Nov 2023 23:13:20 +0100"
        );
        assert_eq!(show(1700000000, 0, &mode(DateFormat::Short)).unwrap(), "2023-11-14");
        assert_eq!(
            show(1700000000, -700, &mode(DateFormat::Raw)).unwrap(),
            "1700000000 -0700"
        );
        assert_eq!(
            show(0, 0, &mode(DateFormat::Default)).unwrap(),
            "Thu Jan 1 00:00:00 1970 +0000"
        );
        assert_eq!(relative(100, 100), "0 seconds ago");
        assert_eq!(relative(0, 89), "89 seconds ago");
        assert_eq!(relative(0, 3600), "60 minutes ago");
        assert_eq!(relative(0, 86_400 * 20), "3 weeks ago");
        assert_eq!(relative(0, 86_400 * 400), "1 year, 1 month ago");
        assert_eq!(relative(0, 86_400 * 730), "2 years ago");
        assert_eq!(relative(5, 4), "in the future");
    }
}
