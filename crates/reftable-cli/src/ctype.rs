//! git's character classes and C's number parsing, as the parsers of
//! several commands need them (format atoms, colours, option values).

/// git's `isspace` (its own table, `ctype.c`): space, tab, LF and CR; not
/// the vertical tab or form feed C's has.
pub(crate) fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// `s` without the leading white space C's `strtol` and `strtoul` skip
/// (the C locale's `isspace`, vertical tab and form feed included).
pub(crate) fn skip_c_space(s: &str) -> &str {
    s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c'])
}

/// C's `strtol` of a whole string (leading white space, a sign, digits and
/// nothing after them), saturating as `strtol` does; `None` if it is not
/// a number.
pub(crate) fn strtol(s: &str) -> Option<i64> {
    let t = skip_c_space(s);
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(
        t.parse()
            .unwrap_or(if t.starts_with('-') { i64::MIN } else { i64::MAX }),
    )
}

/// git's `strtoul_ui`: leading white space and `+` are taken, `-` anywhere
/// is not, and the value must fit 32 bits.
pub(crate) fn strtoul_ui(s: &str) -> Option<u32> {
    if s.contains('-') {
        return None;
    }
    let t = skip_c_space(s);
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}
