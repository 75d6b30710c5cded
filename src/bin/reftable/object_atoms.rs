//! `for-each-ref` atoms read from the object a ref names (git's
//! `SOURCE_OBJ` atoms in `ref-filter.c`): sizes, commit and tag headers,
//! people and their dates, subject, body and contents.

use crate::libc_time;
use crate::Fatal;

/// Atoms whose value comes from the object (and its size).
pub const ATOMS: [&str; 25] = [
    "objectsize",
    "tree",
    "parent",
    "numparent",
    "object",
    "type",
    "tag",
    "author",
    "authorname",
    "authoremail",
    "authordate",
    "committer",
    "committername",
    "committeremail",
    "committerdate",
    "tagger",
    "taggername",
    "taggeremail",
    "taggerdate",
    "creator",
    "creatordate",
    "subject",
    "body",
    "contents",
    "raw",
];

/// Whether `name` (the atom without `*` and modifiers) is read from the object.
pub fn is_object_atom(name: &str) -> bool {
    ATOMS.contains(&name)
}

/// git's `parse_date_format`: a type by prefix (`iso8601` before `iso`),
/// `-local` after it, `format:<strftime>`; `auto:<f>` is `<f>` on a
/// terminal and `default` otherwise, `local` is `default-local`.
fn date_format(f: &str) -> Result<DateMode, Fatal> {
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
enum DateFormat {
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
struct DateMode {
    kind: DateFormat,
    local: bool,
}

/// git's `oid_atom_parser` (`objectname`, `tree`, `parent`): `short` or
/// `short=<n>` with a positive `n`; `shown` is the atom as written.
pub fn check_oid_modifier(shown: &str, m: &str) -> Result<(), Fatal> {
    match m.strip_prefix("short=") {
        _ if m == "short" => Ok(()),
        Some(n) => match crate::ctype::strtoul_ui(n) {
            Some(v) if v > 0 => Ok(()),
            _ => Err(Fatal::msg(format!("positive value expected '{n}' in %({shown}:{m})"))),
        },
        None => Err(Fatal::msg(format!("unrecognized %({shown}) argument: {m}"))),
    }
}

/// Refuses modifiers of object atoms as git does when it parses the
/// format (and the few it knows that this tool does not); `shown` is the
/// atom's name as written (`*` included), which some of git's errors name.
/// Date formats are checked where a date is shown, as git checks them.
pub fn check_modifier(name: &str, shown: &str, modifier: Option<&str>) -> Result<(), Fatal> {
    let Some(m) = modifier else { return Ok(()) };
    let unsupported = || Err(Fatal::msg(format!("%({name}:{m}) is not supported by reftable")));
    match name {
        "objectsize" => match m {
            "disk" => unsupported(),
            _ => Err(Fatal::msg(format!("unrecognized %(objectsize) argument: {m}"))),
        },
        "tree" | "parent" => check_oid_modifier(shown, m),
        "subject" => match m {
            "sanitize" => Ok(()),
            _ => Err(Fatal::msg(format!("unrecognized %(subject) argument: {m}"))),
        },
        // `%(body:)`: git takes the empty argument and shows nothing.
        "body" if m.is_empty() => Ok(()),
        "body" => Err(Fatal::msg("%(body) does not take arguments".to_owned())),
        "raw" => match m {
            "size" => Ok(()),
            _ => Err(Fatal::msg(format!("unrecognized %(raw) argument: {m}"))),
        },
        "contents" => match m {
            "subject" | "body" | "signature" | "size" => Ok(()),
            _ if m.starts_with("lines=") => match m["lines=".len()..].parse::<u32>() {
                Ok(_) => Ok(()),
                Err(_) => Err(Fatal::msg(format!("positive value expected contents:{m}"))),
            },
            _ if m.starts_with("trailers") => unsupported(),
            _ => Err(Fatal::msg(format!("unrecognized %(contents) argument: {m}"))),
        },
        _ if name.ends_with("email") => match email_options(m) {
            Err(bad) => Err(Fatal::msg(format!("unrecognized %({shown}) argument: {bad}"))),
            Ok(o) if o.mailmap => unsupported(),
            Ok(_) => Ok(()),
        },
        _ if name.ends_with("name") => match m {
            "mailmap" => unsupported(),
            _ => Err(Fatal::msg(format!("unrecognized %({shown}) argument: {m}"))),
        },
        // git takes anything after the atoms without a parser (and ignores
        // it, or shows nothing for `author:…` and the like).
        _ => Ok(()),
    }
}

/// Whether `--sort=<atom>` compares numbers (git's `FIELD_ULONG` and
/// `FIELD_TIME`; a date given a format compares as text).
pub fn is_numeric(atom: &str) -> bool {
    let atom = atom.trim_start_matches('*');
    matches!(
        atom,
        "objectsize"
            | "numparent"
            | "authordate"
            | "committerdate"
            | "taggerdate"
            | "creatordate"
            | "raw:size"
            | "contents:size"
    )
}

/// An object's value of an atom: its text and, for numeric atoms, its number.
pub struct Value {
    pub text: String,
    pub number: u64,
}

impl Value {
    /// A value that is only text.
    pub fn text(text: impl Into<String>) -> Self {
        Value {
            text: text.into(),
            number: 0,
        }
    }
}

/// The value of object atom `atom` (without `*`) for the object of `kind`
/// with `data`; `abbrev(hex, n)` abbreviates an object id as `:short` asks.
pub fn value(
    atom: &str,
    kind: gix::objs::Kind,
    data: &[u8],
    abbrev: &dyn Fn(&str, Option<usize>) -> String,
) -> Result<Value, Fatal> {
    use gix::objs::Kind;
    let (name, modifier) = match atom.split_once(':') {
        Some((n, m)) => (n, Some(m)),
        None => (atom, None),
    };
    if name == "objectsize" {
        return Ok(Value {
            text: data.len().to_string(),
            number: data.len() as u64,
        });
    }
    if name == "raw" {
        // The object as it is (any type; text shown lossily as UTF-8).
        return Ok(match modifier {
            Some(_) => Value {
                text: data.len().to_string(),
                number: data.len() as u64,
            },
            None => Value::text(String::from_utf8_lossy(data)),
        });
    }
    let is_commit = kind == Kind::Commit;
    let is_tag = kind == Kind::Tag;
    if !is_commit && !is_tag {
        return Ok(Value::text(""));
    }
    let headers = headers(data);
    let header = |key: &str| -> Option<&[u8]> { headers.iter().find(|(k, _)| *k == key.as_bytes()).map(|(_, v)| *v) };
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let oid = |hex: &[u8]| -> String {
        let hex = String::from_utf8_lossy(hex);
        match modifier.and_then(|m| m.strip_prefix("short")) {
            Some("") => abbrev(&hex, None),
            Some(n) => abbrev(
                &hex,
                n.strip_prefix('=')
                    .and_then(crate::ctype::strtoul_ui)
                    .map(|n| n as usize),
            ),
            None => hex.into_owned(),
        }
    };
    Ok(match name {
        "tree" if is_commit => Value::text(header("tree").map(oid).unwrap_or_default()),
        "parent" if is_commit => Value::text(
            headers
                .iter()
                .filter(|(k, _)| *k == b"parent")
                .map(|(_, v)| oid(v))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "numparent" if is_commit => {
            let n = headers.iter().filter(|(k, _)| *k == b"parent").count();
            Value {
                text: n.to_string(),
                number: n as u64,
            }
        }
        "object" if is_tag => Value::text(header("object").map(text).unwrap_or_default()),
        "type" if is_tag => Value::text(header("type").map(text).unwrap_or_default()),
        "tag" if is_tag => Value::text(header("tag").map(text).unwrap_or_default()),
        "subject" | "body" | "contents" => {
            let m = message(data);
            let part = match (name, modifier) {
                ("subject", Some("sanitize")) => sanitized(m.subject),
                ("subject", _) | ("contents", Some("subject")) => subject(m.subject),
                ("body", None) => text(m.body),
                ("body", Some(_)) => String::new(),
                ("contents", Some("body")) => text(m.body_without_signature),
                ("contents", Some("signature")) => text(m.signature),
                ("contents", Some(lines)) if lines.starts_with("lines=") => {
                    let n = lines["lines=".len()..].parse::<usize>().unwrap_or(0);
                    first_lines(m.upto_signature, n)
                }
                ("contents", Some("size")) => {
                    let n = m.from_subject.len();
                    return Ok(Value {
                        text: n.to_string(),
                        number: n as u64,
                    });
                }
                _ => text(m.from_subject),
            };
            Value::text(part)
        }
        _ => {
            // People: author, committer, tagger, and creator (the
            // committer of a commit, the tagger of a tag).
            let (who, field) = ["author", "committer", "tagger", "creator"]
                .iter()
                .find_map(|w| name.strip_prefix(w).map(|f| (*w, f)))
                .unwrap_or(("", ""));
            let who = match who {
                "creator" if is_commit => "committer",
                "creator" => "tagger",
                "author" | "committer" if is_commit => who,
                "tagger" if is_tag => who,
                _ => return Ok(Value::text("")),
            };
            let Some(line) = header(who) else {
                return Ok(Value::text(""));
            };
            match field {
                // `creator:…` is the line; `author:…` and the like are nothing.
                "" if modifier.is_none() || name == "creator" => Value::text(text(line)),
                "name" => Value::text(match line.windows(2).position(|w| w == b" <") {
                    Some(at) => text(&line[..at]),
                    None => String::new(),
                }),
                "email" => Value::text(email(line, modifier)),
                "date" => date(line, modifier)?,
                _ => Value::text(""),
            }
        }
    })
}

/// The header lines of a commit or tag: key, then the rest of the line
/// (continuation lines are not separate headers).
fn headers(data: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut out = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        if line.is_empty() {
            break;
        }
        if line.starts_with(b" ") {
            continue;
        }
        match line.iter().position(|&b| b == b' ') {
            Some(at) => out.push((&line[..at], &line[at + 1..])),
            None => out.push((line, &[][..])),
        }
    }
    out
}

/// git's `copy_email`: `<a@b>`, or without brackets (`trim`), or only the
/// part before `@` (`localpart`).
/// The options of an email atom.
#[derive(Default)]
struct EmailOptions {
    trim: bool,
    localpart: bool,
    mailmap: bool,
}

/// git's `person_email_atom_parser`: options by prefix (`trim`,
/// `localpart`, `mailmap`), separated by commas; on error, the text from
/// where the parse went wrong, as git shows it.
fn email_options(m: &str) -> Result<EmailOptions, &str> {
    let mut o = EmailOptions::default();
    let mut rest = m;
    // An empty argument is none.
    if rest.is_empty() {
        return Ok(o);
    }
    loop {
        let (flag, after) = if let Some(r) = rest.strip_prefix("trim") {
            (&mut o.trim, r)
        } else if let Some(r) = rest.strip_prefix("localpart") {
            (&mut o.localpart, r)
        } else if let Some(r) = rest.strip_prefix("mailmap") {
            (&mut o.mailmap, r)
        } else {
            return Err(rest);
        };
        *flag = true;
        if after.is_empty() {
            return Ok(o);
        }
        rest = after.strip_prefix(',').ok_or(after)?;
    }
}

/// git's `copy_email`: `<…>` whole, or (`trim`) without the brackets, or
/// (`localpart`) up to the `@`.
fn email(line: &[u8], modifier: Option<&str>) -> String {
    let o = modifier.and_then(|m| email_options(m).ok()).unwrap_or_default();
    let Some(start) = line.iter().position(|&b| b == b'<') else {
        return String::new();
    };
    let rest = &line[start..];
    let find = |b: u8| rest.iter().position(|&c| c == b);
    let out = if o.localpart || o.trim {
        let end = if o.localpart {
            find(b'@').or_else(|| find(b'>'))
        } else {
            find(b'>')
        };
        match end {
            Some(e) => &rest[1..e.max(1)],
            None => return String::new(),
        }
    } else {
        match find(b'>') {
            Some(e) => &rest[..=e],
            None => return String::new(),
        }
    };
    String::from_utf8_lossy(out).into_owned()
}

/// git's `grab_date`: the time after `> ` and its zone, shown in `modifier`'s format.
fn date(line: &[u8], modifier: Option<&str>) -> Result<Value, Fatal> {
    let format = match modifier {
        Some(m) => date_format(m)?,
        None => DateMode {
            kind: DateFormat::Default,
            local: false,
        },
    };
    let empty = Value::text("");
    let Some(at) = line.windows(2).position(|w| w == b"> ") else {
        return Ok(empty);
    };
    let rest = String::from_utf8_lossy(&line[at + 2..]).into_owned();
    let rest = rest.trim_start();
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let Ok(time) = rest[..digits].parse::<u64>() else {
        return Ok(empty);
    };
    let zone = rest[digits..].trim_start();
    let sign_len = usize::from(zone.starts_with(['+', '-']));
    let zone_digits = zone[sign_len..].bytes().take_while(u8::is_ascii_digit).count();
    let tz: i64 = zone[..sign_len + zone_digits].parse().unwrap_or(0);
    Ok(Value {
        text: show_date(time, tz, &format)?,
        number: time,
    })
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
fn show_date(time: u64, tz: i64, mode: &DateMode) -> Result<String, Fatal> {
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
fn now() -> u64 {
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
fn relative(time: u64, now: u64) -> String {
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
fn zone(tz: i64) -> String {
    format!("{}{:04}", if tz < 0 { '-' } else { '+' }, tz.abs())
}

/// The parts of a commit's or tag's message, as git's `find_subpos` cuts them.
struct Message<'a> {
    subject: &'a [u8],
    body: &'a [u8],
    body_without_signature: &'a [u8],
    signature: &'a [u8],
    from_subject: &'a [u8],
    /// From the subject up to the signature.
    upto_signature: &'a [u8],
}

fn message(data: &[u8]) -> Message<'_> {
    // Skip the headers up to the empty line, then any empty lines.
    let mut pos = 0;
    while pos < data.len() && data[pos] != b'\n' {
        pos = match data[pos..].iter().position(|&b| b == b'\n') {
            Some(e) => pos + e + 1,
            None => data.len(),
        };
    }
    while data.get(pos) == Some(&b'\n') {
        pos += 1;
    }
    let buf = &data[pos..];
    let sig = signature_start(buf);
    let find = |pat: &[u8]| buf.windows(pat.len()).position(|w| w == pat);
    let mut sub_end = match find(b"\n\n").or_else(|| find(b"\r\n\r\n")) {
        Some(e) => e.min(sig),
        None => sig,
    };
    let after_subject = sub_end;
    while sub_end > 0 && matches!(buf[sub_end - 1], b'\n' | b'\r') {
        sub_end -= 1;
    }
    let mut body = after_subject;
    while matches!(buf.get(body), Some(b'\n' | b'\r')) {
        body += 1;
    }
    Message {
        subject: &buf[..sub_end],
        body: &buf[body..],
        body_without_signature: &buf[body..sig.max(body)],
        signature: &buf[sig..],
        from_subject: buf,
        upto_signature: &buf[..sig.max(body)],
    }
}

/// git's `parse_signed_buffer`: where the last line starting a PGP, SSH or
/// X.509 signature begins (the end if none).
fn signature_start(buf: &[u8]) -> usize {
    const STARTS: [&[u8]; 4] = [
        b"-----BEGIN PGP SIGNATURE-----",
        b"-----BEGIN PGP MESSAGE-----",
        b"-----BEGIN SIGNED MESSAGE-----",
        b"-----BEGIN SSH SIGNATURE-----",
    ];
    let mut len = 0;
    let mut found = buf.len();
    while len < buf.len() {
        if STARTS.iter().any(|s| buf[len..].starts_with(s)) {
            found = len;
        }
        len = match buf[len..].iter().position(|&b| b == b'\n') {
            Some(e) => len + e + 1,
            None => buf.len(),
        };
    }
    found
}

/// git's `append_lines`: the first `n` lines, each after the first
/// indented by four spaces.
fn first_lines(buf: &[u8], n: usize) -> String {
    let mut lines: Vec<&[u8]> = buf.split(|&b| b == b'\n').collect();
    // A final newline ends the last line; it starts none.
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    String::from_utf8_lossy(&lines[..n.min(lines.len())].join(&b"\n    "[..])).into_owned()
}

/// git's `copy_subject`: the subject's lines joined by spaces (a CR before
/// a newline dropped).
fn subject(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len());
    for (i, &b) in s.iter().enumerate() {
        if b == b'\r' && s.get(i + 1) == Some(&b'\n') {
            continue;
        }
        out.push(if b == b'\n' { b' ' } else { b });
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// git's `format_sanitized_subject`: runs of letters, digits, `.` and `_`
/// joined by single dashes, repeated dots collapsed, no dot or dash at the
/// end (a subject as a file name).
fn sanitized(s: &[u8]) -> String {
    let title = |c: u8| c.is_ascii_alphanumeric() || c == b'.' || c == b'_';
    let (mut out, mut space, mut i) = (String::with_capacity(s.len()), 2, 0);
    while i < s.len() {
        let c = s[i];
        if title(c) {
            if space == 1 {
                out.push('-');
            }
            space = 0;
            out.push(c as char);
            if c == b'.' {
                while s.get(i + 1) == Some(&b'.') {
                    i += 1;
                }
            }
        } else {
            space |= 1;
        }
        i += 1;
    }
    out.truncate(out.trim_end_matches(['.', '-']).len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_sanitized_as_git() {
        assert_eq!(
            sanitized(b"Fix: the  bug... in a/b.c (again)!"),
            "Fix-the-bug.-in-a-b.c-again"
        );
        assert_eq!(sanitized(b"  --..  "), "");
        assert_eq!(sanitized("über_all\n..x.".as_bytes()), "ber_all-.x");
    }

    fn mode(kind: DateFormat) -> DateMode {
        DateMode { kind, local: false }
    }

    #[test]
    fn dates_as_git_shows_them() {
        // 1700000000 is 2023-11-14 22:13:20 UTC, a Tuesday.
        assert_eq!(
            show_date(1700000000, 130, &mode(DateFormat::Default)).unwrap(),
            "Tue Nov 14 23:43:20 2023 +0130"
        );
        assert_eq!(
            show_date(1700000000, -700, &mode(DateFormat::Iso)).unwrap(),
            "2023-11-14 15:13:20 -0700"
        );
        assert_eq!(
            show_date(1700000000, 0, &mode(DateFormat::IsoStrict)).unwrap(),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            show_date(1700000000, -30, &mode(DateFormat::IsoStrict)).unwrap(),
            "2023-11-14T21:43:20-00:30"
        );
        assert_eq!(
            show_date(1700000000, 100, &mode(DateFormat::Rfc)).unwrap(),
            "Tue, 14 Nov 2023 23:13:20 +0100"
        );
        assert_eq!(
            show_date(1700000000, 0, &mode(DateFormat::Short)).unwrap(),
            "2023-11-14"
        );
        assert_eq!(
            show_date(1700000000, -700, &mode(DateFormat::Raw)).unwrap(),
            "1700000000 -0700"
        );
        assert_eq!(
            show_date(0, 0, &mode(DateFormat::Default)).unwrap(),
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
