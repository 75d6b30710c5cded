//! `for-each-ref` atoms read from the object a ref names (git's
//! `SOURCE_OBJ` atoms in `ref-filter.c`): sizes, commit and tag headers,
//! people and their dates, subject, body and contents.

use crate::date;
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
        Some(m) => date::parse(m)?,
        None => date::DateMode {
            kind: date::DateFormat::Default,
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
        text: date::show(time, tz, &format)?,
        number: time,
    })
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
pub fn sanitized(s: &[u8]) -> String {
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
}
