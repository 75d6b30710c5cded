//! git's colour values (`color.c`): `%(color:<value>)` in for-each-ref
//! formats and the `--color[=<when>]` option.

use crate::ctype::is_space;

/// A foreground or background colour.
#[derive(Clone, Copy, PartialEq)]
enum Color {
    Unspecified,
    Normal,
    /// An SGR foreground code: 30–37, 39 or 90–97.
    Ansi(u8),
    C256(u8),
    Rgb(u8, u8, u8),
}

impl Color {
    fn is_empty(self) -> bool {
        matches!(self, Color::Unspecified | Color::Normal)
    }

    fn write(self, background: bool, out: &mut String) {
        let offset = if background { 10 } else { 0 };
        match self {
            Color::Unspecified | Color::Normal => {}
            Color::Ansi(v) => out.push_str(&(v as u32 + offset).to_string()),
            Color::C256(v) => out.push_str(&format!("{};5;{v}", 38 + offset)),
            Color::Rgb(r, g, b) => out.push_str(&format!("{};2;{r};{g};{b}", 38 + offset)),
        }
    }
}

fn hexval(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// git's `parse_color`: `normal`, `#rgb` / `#rrggbb`, a name (with
/// `bright`), `default`, or a number from -1 to 255.
fn parse_color(word: &[u8]) -> Option<Color> {
    if word.eq_ignore_ascii_case(b"normal") {
        return Some(Color::Normal);
    }
    if word.first() == Some(&b'#') && (word.len() == 7 || word.len() == 4) {
        let w = if word.len() == 7 { 2 } else { 1 };
        let channel = |i: usize| -> Option<u8> {
            let s = &word[1 + i * w..1 + (i + 1) * w];
            Some((hexval(s[0])? << 4) | hexval(s[w - 1])?)
        };
        if let (Some(r), Some(g), Some(b)) = (channel(0), channel(1), channel(2)) {
            return Some(Color::Rgb(r, g, b));
        }
    }
    if word.eq_ignore_ascii_case(b"default") {
        return Some(Color::Ansi(39));
    }
    let (name, offset) = match word.get(..6) {
        Some(p) if p.eq_ignore_ascii_case(b"bright") => (&word[6..], 90),
        _ => (word, 30),
    };
    let names = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];
    if let Some(i) = names.iter().position(|n| name.eq_ignore_ascii_case(n.as_bytes())) {
        return Some(Color::Ansi(offset + i as u8));
    }
    // strtol: an optional sign, then digits, the whole word.
    let digits = word
        .strip_prefix(b"+")
        .or_else(|| word.strip_prefix(b"-"))
        .unwrap_or(word);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n: i64 = std::str::from_utf8(word)
        .ok()?
        .parse()
        .unwrap_or(if word[0] == b'-' { i64::MIN } else { i64::MAX });
    match n {
        -1 => Some(Color::Normal),
        0..=7 => Some(Color::Ansi(30 + n as u8)),
        8..=15 => Some(Color::Ansi(90 + n as u8 - 8)),
        16..=255 => Some(Color::C256(n as u8)),
        _ => None,
    }
}

/// git's `parse_attr`: an attribute's SGR code, `no` or `no-` before it
/// for the code that turns it off.
fn parse_attr(word: &[u8]) -> Option<u32> {
    let attrs: [(&[u8], u32, u32); 7] = [
        (b"bold", 1, 22),
        (b"dim", 2, 22),
        (b"italic", 3, 23),
        (b"ul", 4, 24),
        (b"blink", 5, 25),
        (b"reverse", 7, 27),
        (b"strike", 9, 29),
    ];
    let (name, negate) = match word.strip_prefix(b"no") {
        Some(rest) => (rest.strip_prefix(b"-").unwrap_or(rest), true),
        None => (word, false),
    };
    attrs
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|&(_, on, off)| if negate { off } else { on })
}

/// git's `color_parse`: the escape sequence of `value` (`[reset] [fg [bg]]
/// [attr]…`, empty for nothing), or `None` if it is not a colour.
pub(crate) fn parse(value: &str) -> Option<String> {
    let (mut reset, mut attrs, mut fg, mut bg) = (false, 0u64, Color::Unspecified, Color::Unspecified);
    for word in value.as_bytes().split(|&c| is_space(c)).filter(|w| !w.is_empty()) {
        if word.eq_ignore_ascii_case(b"reset") {
            reset = true;
        } else if let Some(c) = parse_color(word) {
            if fg == Color::Unspecified {
                fg = c;
            } else if bg == Color::Unspecified {
                bg = c;
            } else {
                return None;
            }
        } else {
            attrs |= 1 << parse_attr(word)?;
        }
    }
    let mut out = String::new();
    if reset || attrs != 0 || !fg.is_empty() || !bg.is_empty() {
        out.push_str("\x1b[");
        let mut sep = reset;
        let mut item = |out: &mut String, write: &dyn Fn(&mut String)| {
            if sep {
                out.push(';');
            }
            sep = true;
            write(out);
        };
        for code in (0..64).filter(|i| attrs & (1 << i) != 0) {
            item(&mut out, &|o| o.push_str(&code.to_string()));
        }
        if !fg.is_empty() {
            item(&mut out, &|o| fg.write(false, o));
        }
        if !bg.is_empty() {
            item(&mut out, &|o| bg.write(true, o));
        }
        out.push('m');
    }
    Some(out)
}

/// The sequence git ends a coloured line with.
pub(crate) const RESET: &str = "\x1b[m";

/// `--color[=<when>]` / `--no-color` as git's `parse_opt_color_flag_cb`
/// and `want_color` decide: `auto` (and no option) colours a terminal
/// that is not dumb.
pub(crate) fn want(when: Option<&str>) -> Result<bool, crate::Fatal> {
    let auto = || {
        use std::io::IsTerminal;
        std::io::stdout().is_terminal() && std::env::var_os("TERM").is_some_and(|t| t != "dumb")
    };
    match when {
        None => Ok(auto()),
        Some(w) if w.eq_ignore_ascii_case("never") => Ok(false),
        Some(w) if w.eq_ignore_ascii_case("always") => Ok(true),
        Some(w) if w.eq_ignore_ascii_case("auto") => Ok(auto()),
        Some(_) => Err(crate::Fatal::usage(
            "option `color' expects \"always\", \"auto\", or \"never\"",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn colors_as_git_writes_them() {
        for (value, want) in [
            ("", Some("")),
            ("  ", Some("")),
            ("red", Some("\x1b[31m")),
            ("bold red ul", Some("\x1b[1;4;31m")),
            ("reset", Some("\x1b[m")),
            ("reset red", Some("\x1b[;31m")),
            ("#ff0000 blue", Some("\x1b[38;2;255;0;0;44m")),
            ("#f00", Some("\x1b[38;2;255;0;0m")),
            ("BrightGreen 200", Some("\x1b[92;48;5;200m")),
            ("-1 9 nobold no-ul", Some("\x1b[22;24;101m")),
            ("+5", Some("\x1b[35m")),
            ("007", Some("\x1b[37m")),
            ("bright", None),
            ("normal default", Some("\x1b[49m")),
            ("red blue green", None),
            ("Bold", None),
            ("256", None),
            ("-2", None),
            ("#ggg", None),
        ] {
            assert_eq!(parse(value).as_deref(), want, "{value:?}");
        }
    }
}
