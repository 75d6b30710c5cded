//! for-each-ref's nesting atoms, `%(align)…%(end)` and
//! `%(if)…%(then)…%(else)…%(end)`: parsed as git's `ref-filter.c` parses
//! them and formatted on a stack of open blocks as it formats them.
//!
//! Text inside a block collects in the block's buffer; `%(end)` closes the
//! innermost one (pads it, or keeps the branch its condition chose) and
//! appends it to the block around it. Quoting (`--shell`, …) applies to
//! atoms outside every block, and to an outermost block as a whole when it
//! closes.

use crate::ctype::{is_space, strtoul_ui};
use crate::Fatal;

/// Where `%(align)` puts the text in its width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Position {
    Left,
    Middle,
    Right,
}

/// What `%(if)` asks of the text before `%(then)`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Cond {
    /// Anything but white space.
    NonEmpty,
    /// `%(if:equals=<s>)`.
    Equals(Vec<u8>),
    /// `%(if:notequals=<s>)`.
    NotEquals(Vec<u8>),
}

/// A nesting atom.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Control {
    Align { width: u32, position: Position },
    If(Cond),
    Then,
    Else,
    End,
}

fn position(s: &str) -> Option<Position> {
    match s {
        "left" => Some(Position::Left),
        "middle" => Some(Position::Middle),
        "right" => Some(Position::Right),
        _ => None,
    }
}

/// The nesting atom `name` with its argument (`None` for none or an empty
/// one), as git parses it; `None` if `name` is not a nesting atom.
pub(crate) fn parse(name: &str, arg: Option<&str>) -> Option<Result<Control, Fatal>> {
    let arg = arg.filter(|a| !a.is_empty());
    Some(match name {
        "align" => align(arg),
        "if" => match arg {
            None => Ok(Control::If(Cond::NonEmpty)),
            Some(a) => {
                if let Some(s) = a.strip_prefix("equals=") {
                    Ok(Control::If(Cond::Equals(s.as_bytes().to_vec())))
                } else if let Some(s) = a.strip_prefix("notequals=") {
                    Ok(Control::If(Cond::NotEquals(s.as_bytes().to_vec())))
                } else {
                    Err(Fatal::msg(format!("unrecognized %(if) argument: {a}")))
                }
            }
        },
        // git gives these no parser: an argument is ignored.
        "then" => Ok(Control::Then),
        "else" => Ok(Control::Else),
        "end" => Ok(Control::End),
        _ => return None,
    })
}

fn align(arg: Option<&str>) -> Result<Control, Fatal> {
    let arg = arg.ok_or_else(|| Fatal::msg("expected format: %(align:<width>,<position>)"))?;
    let (mut width, mut pos) = (u32::MAX, Position::Left);
    for s in arg.split(',') {
        if let Some(p) = s.strip_prefix("position=") {
            pos = position(p).ok_or_else(|| Fatal::msg(format!("unrecognized position:{p}")))?;
        } else if let Some(w) = s.strip_prefix("width=") {
            width = strtoul_ui(w).ok_or_else(|| Fatal::msg(format!("unrecognized width:{w}")))?;
        } else if let Some(w) = strtoul_ui(s) {
            width = w;
        } else if let Some(p) = position(s) {
            pos = p;
        } else {
            return Err(Fatal::msg(format!("unrecognized %(align) argument: {s}")));
        }
    }
    if width == u32::MAX {
        return Err(Fatal::msg("positive width expected with the %(align) atom"));
    }
    Ok(Control::Align { width, position: pos })
}

/// The columns `s` takes on a terminal, as git's `utf8_strnwidth`: control
/// characters take none, wide ones two; text that is not UTF-8 counts its
/// bytes.
fn display_width(s: &[u8]) -> usize {
    match std::str::from_utf8(s) {
        Ok(s) => s
            .chars()
            .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
            .sum(),
        Err(_) => s.len(),
    }
}

/// printf's `%*s` (`left`: `%-*s`) of `s` with the field width `w`, which
/// is negative for a left-adjusted field as in C.
fn pad(s: &[u8], w: i32, left: bool, out: &mut Vec<u8>) {
    let n = w.unsigned_abs() as usize;
    let fill = n.saturating_sub(s.len());
    if left || w < 0 {
        out.extend_from_slice(s);
        out.resize(out.len() + fill, b' ');
    } else {
        out.resize(out.len() + fill, b' ');
        out.extend_from_slice(s);
    }
}

/// git's `strbuf_utf8_align`, its unsigned and `int` arithmetic included.
fn aligned(s: &[u8], width: u32, position: Position) -> Vec<u8> {
    let display = display_width(s);
    if display as u64 >= width as u64 {
        return s.to_vec();
    }
    // Fits: display < width <= u32::MAX. The compensation is an `int` in
    // git (a wide character's bytes may in principle be fewer than its
    // columns), added to the unsigned width.
    let (display, compensation) = (display as u32, (s.len() as i64 - display as i64) as u32);
    let mut out = Vec::with_capacity(width as usize);
    match position {
        Position::Left => pad(s, width.wrapping_add(compensation) as i32, true, &mut out),
        Position::Right => pad(s, width.wrapping_add(compensation) as i32, false, &mut out),
        Position::Middle => {
            let left = ((width - display) / 2) as i32;
            pad(b"", left, false, &mut out);
            pad(
                s,
                (width - left as u32).wrapping_add(compensation) as i32,
                true,
                &mut out,
            );
        }
    }
    out
}

/// What closes a block.
enum End {
    Align(u32, Position),
    /// An `%(if)` block or its `%(else)` branch: the condition's index.
    If(usize),
}

struct IfState<'f> {
    cond: &'f Cond,
    then_seen: bool,
    else_seen: bool,
    satisfied: bool,
}

/// The blocks open while one ref's line is formatted (outside every block,
/// text goes to the line's buffer itself).
#[derive(Default)]
pub(crate) struct Blocks<'f> {
    open: Vec<(Vec<u8>, End)>,
    ifs: Vec<IfState<'f>>,
}

impl<'f> Blocks<'f> {
    /// Where text goes now: the innermost block, or `line`.
    pub(crate) fn top<'b>(&'b mut self, line: &'b mut Vec<u8>) -> &'b mut Vec<u8> {
        match self.open.last_mut() {
            Some((out, _)) => out,
            None => line,
        }
    }

    /// Whether text goes to the line itself (and atoms are quoted).
    pub(crate) fn outside(&self) -> bool {
        self.open.is_empty()
    }

    /// Plays a nesting atom; `quote` quotes an outermost block's text into
    /// the line.
    pub(crate) fn control(
        &mut self,
        c: &'f Control,
        line: &mut Vec<u8>,
        quote: impl Fn(&[u8], &mut Vec<u8>),
    ) -> Result<(), Fatal> {
        let innermost_if = |open: &[(Vec<u8>, End)]| match open.last() {
            Some((_, End::If(k))) => Some(*k),
            _ => None,
        };
        match c {
            Control::Align { width, position } => self.open.push((Vec::new(), End::Align(*width, *position))),
            Control::If(cond) => {
                self.ifs.push(IfState {
                    cond,
                    then_seen: false,
                    else_seen: false,
                    satisfied: false,
                });
                self.open.push((Vec::new(), End::If(self.ifs.len() - 1)));
            }
            Control::Then => {
                let k = innermost_if(&self.open)
                    .ok_or_else(|| Fatal::msg("format: %(then) atom used without a %(if) atom"))?;
                let st = &mut self.ifs[k];
                if st.then_seen {
                    return Err(Fatal::msg("format: %(then) atom used more than once"));
                }
                if st.else_seen {
                    return Err(Fatal::msg("format: %(then) atom used after %(else)"));
                }
                st.then_seen = true;
                let text = &mut self.open.last_mut().expect("an open %(if)").0;
                st.satisfied = match st.cond {
                    Cond::Equals(s) => s == text,
                    Cond::NotEquals(s) => s != text,
                    Cond::NonEmpty => !text.iter().all(|&c| is_space(c)),
                };
                text.clear();
            }
            Control::Else => {
                let k = innermost_if(&self.open)
                    .ok_or_else(|| Fatal::msg("format: %(else) atom used without a %(if) atom"))?;
                let st = &mut self.ifs[k];
                if !st.then_seen {
                    return Err(Fatal::msg("format: %(else) atom used without a %(then) atom"));
                }
                if st.else_seen {
                    return Err(Fatal::msg("format: %(else) atom used more than once"));
                }
                st.else_seen = true;
                self.open.push((Vec::new(), End::If(k)));
            }
            Control::End => {
                let (mut text, end) = self
                    .open
                    .pop()
                    .ok_or_else(|| Fatal::msg("format: %(end) atom used without corresponding atom"))?;
                match end {
                    End::Align(width, position) => text = aligned(&text, width, position),
                    End::If(k) => {
                        let st = &self.ifs[k];
                        if !st.then_seen {
                            return Err(Fatal::msg("format: %(if) atom used without a %(then) atom"));
                        }
                        if st.else_seen {
                            // `text` is the %(else) branch; the %(then) one is below.
                            let (then, _) = self.open.pop().expect("the %(if) block under its %(else)");
                            if st.satisfied {
                                text = then;
                            }
                        } else if !st.satisfied {
                            text.clear();
                        }
                    }
                }
                if self.open.is_empty() {
                    quote(&text, line);
                } else {
                    self.top(line).extend_from_slice(&text);
                }
            }
        }
        Ok(())
    }

    /// The line is formatted: every block must be closed.
    pub(crate) fn finish(&mut self) -> Result<(), Fatal> {
        let open = !self.open.is_empty();
        self.open.clear();
        self.ifs.clear();
        if open {
            return Err(Fatal::msg("format: %(end) atom missing"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_as_git_pads() {
        assert_eq!(aligned(b"ab", 5, Position::Left), b"ab   ");
        assert_eq!(aligned(b"ab", 5, Position::Right), b"   ab");
        assert_eq!(aligned(b"ab", 5, Position::Middle), b" ab  ");
        assert_eq!(aligned(b"abcdef", 5, Position::Middle), b"abcdef");
        // Two columns for a wide character, none for a control one.
        assert_eq!(aligned("日".as_bytes(), 4, Position::Right), "  日".as_bytes());
        assert_eq!(aligned(b"a\x01", 3, Position::Left), b"a\x01  ");
        // git's int overflow: a width past i32::MAX is a left-adjusted field.
        assert_eq!(aligned(b"x", u32::MAX - 1, Position::Right), b"x ");
    }

    #[test]
    fn arguments_as_git_parses_them() {
        let ok = |a: &str| align(Some(a)).ok();
        assert_eq!(
            ok(" 5"),
            Some(Control::Align {
                width: 5,
                position: Position::Left
            })
        );
        assert_eq!(
            ok("position=right,+7"),
            Some(Control::Align {
                width: 7,
                position: Position::Right
            })
        );
        assert!(ok("-5").is_none() && ok("5,").is_none() && ok("4294967295").is_none());
        assert!(parse("then", Some("x")).is_some_and(|c| c.is_ok()));
        assert!(parse("if", Some("equals")).is_some_and(|c| c.is_err()));
        assert!(parse("refname", None).is_none());
    }
}
