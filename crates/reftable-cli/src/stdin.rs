//! The instruction language of `git update-ref --stdin`, parsed lazily.
//!
//! Each instruction is one line (`update SP <ref> SP <new> [SP <old>] LF`)
//! or, with `-z`, a command and its name followed by NUL-terminated fields
//! (`update SP <ref> NUL <new> NUL [<old>] NUL`). Values are handed out as
//! borrowed slices of the input; what they mean (object ids, revisions,
//! names) is for the caller to resolve. The parser never allocates per
//! instruction, so a million-line script costs no more than its own bytes.
//!
//! ```
//! use reftable_cli::stdin::{Instruction, Instructions};
//! let script = b"create refs/heads/a 1234\ndelete refs/heads/b\n";
//! let all: Vec<_> = Instructions::new(script, false).collect::<Result<_, _>>()?;
//! assert!(matches!(all[0], Instruction::Create { .. }));
//! # Ok::<(), reftable_cli::stdin::ParseError>(())
//! ```

use gix_ref::bstr::{BStr, ByteSlice};

/// The expected old value in a `symref-update`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OldValue<'a> {
    /// `ref <target>`: the ref must be symbolic and point to `target`.
    Ref(&'a BStr),
    /// `oid <value>`: the ref must hold this object id (or, zero, not exist).
    Oid(&'a BStr),
}

/// One instruction. Optional values that were given empty are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instruction<'a> {
    /// `update <ref> <new> [<old>]`.
    Update {
        /// The ref.
        name: &'a BStr,
        /// The new value; empty only in `-z` input, where git takes it as
        /// zero (a deletion) and warns.
        new: &'a BStr,
        /// The expected old value.
        old: Option<&'a BStr>,
    },
    /// `create <ref> <new>`.
    Create {
        /// The ref.
        name: &'a BStr,
        /// The new value.
        new: &'a BStr,
    },
    /// `delete <ref> [<old>]`.
    Delete {
        /// The ref.
        name: &'a BStr,
        /// The expected old value.
        old: Option<&'a BStr>,
    },
    /// `verify <ref> [<old>]`.
    Verify {
        /// The ref.
        name: &'a BStr,
        /// The expected value (`None`: must not exist).
        old: Option<&'a BStr>,
    },
    /// `symref-update <ref> <new-target> [(ref <old-target> | oid <old-oid>)]`.
    SymrefUpdate {
        /// The ref.
        name: &'a BStr,
        /// The new target.
        target: &'a BStr,
        /// The expected old value.
        old: Option<OldValue<'a>>,
    },
    /// `symref-create <ref> <new-target>`.
    SymrefCreate {
        /// The ref.
        name: &'a BStr,
        /// The target.
        target: &'a BStr,
    },
    /// `symref-delete <ref> [<old-target>]`.
    SymrefDelete {
        /// The ref.
        name: &'a BStr,
        /// The expected target.
        old_target: Option<&'a BStr>,
    },
    /// `symref-verify <ref> [<old-target>]`.
    SymrefVerify {
        /// The ref.
        name: &'a BStr,
        /// The expected target (`None`: must not exist).
        old_target: Option<&'a BStr>,
    },
    /// `option no-deref`: the next instruction does not follow symrefs.
    NoDeref,
    /// `start`.
    Start,
    /// `prepare`.
    Prepare,
    /// `commit`.
    Commit,
    /// `abort`.
    Abort,
}

/// A malformed instruction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The command word is not one git knows.
    #[error("unknown command: {0}")]
    UnknownCommand(String),
    /// A required field is missing or empty.
    #[error("{command}: missing arguments")]
    MissingArguments {
        /// The command.
        command: &'static str,
    },
    /// More fields than the command takes, or fields that make no sense.
    #[error("{command} {name}: invalid arguments")]
    InvalidArguments {
        /// The command.
        command: &'static str,
        /// The ref it was about.
        name: String,
    },
    /// `option` with anything but `no-deref`.
    #[error("option unknown: {0}")]
    UnknownOption(String),
    /// An empty line (or, with `-z`, an empty field where a command belongs).
    #[error("empty command in input")]
    EmptyCommand,
    /// With `-z`, the input ended inside an instruction.
    #[error("{0}: unexpected end of input")]
    UnexpectedEnd(&'static str),
}

/// The instructions of a script, in order.
#[derive(Debug, Clone)]
pub struct Instructions<'a> {
    rest: &'a [u8],
    z: bool,
    failed: bool,
}

impl<'a> Instructions<'a> {
    /// Parses `input`, NUL-separated if `z`.
    pub fn new(input: &'a [u8], z: bool) -> Self {
        Instructions {
            rest: input,
            z,
            failed: false,
        }
    }

    /// How many bytes of the input are not parsed yet.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    fn take_until(&mut self, sep: u8) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let (field, rest) = match self.rest.find_byte(sep) {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, &b""[..]),
        };
        self.rest = rest;
        Some(field)
    }

    fn next_inner(&mut self) -> Option<Result<Instruction<'a>, ParseError>> {
        if self.rest.is_empty() {
            return None;
        }
        if !self.z {
            let terminated = self.rest.contains(&b'\n');
            let line = self.take_until(b'\n')?;
            if line.is_empty() {
                return Some(Err(ParseError::EmptyCommand));
            }
            let mut fields: [Option<&[u8]>; 5] = [None; 5];
            let mut words = line.split_str(" ");
            let command = match command_of(words.next().unwrap_or_default()) {
                Ok(c) => c,
                Err(e) => return Some(Err(e)),
            };
            // git insists on the line feed, even after the last instruction.
            let mut too_many = !terminated;
            for w in words {
                match fields.iter_mut().find(|f| f.is_none()) {
                    Some(slot) => *slot = Some(w),
                    None => too_many = true,
                }
            }
            return Some(build(command, &fields, too_many, false));
        }
        let head = self.take_until(0)?;
        if head.is_empty() {
            return Some(Err(ParseError::EmptyCommand));
        }
        let (cmd, first) = match head.find_byte(b' ') {
            Some(i) => (&head[..i], Some(&head[i + 1..])),
            None => (head, None),
        };
        let command = match command_of(cmd) {
            Ok(c) => c,
            Err(e) => return Some(Err(e)),
        };
        // How many NUL-terminated fields follow `cmd SP <ref>`, as git counts them.
        let extra = match command {
            "update" => 2,
            "create" | "delete" | "verify" | "symref-create" | "symref-delete" | "symref-verify" => 1,
            "symref-update" => 3,
            _ => 0,
        };
        let mut fields: [Option<&[u8]>; 5] = [first, None, None, None, None];
        for i in 1..=extra {
            match self.take_until(0) {
                Some(f) => fields[i] = Some(f),
                // symref-update's old value is optional up to the end of input.
                None if command == "symref-update" && i >= 2 && fields[2].is_none_or(|k| k.is_empty()) => break,
                None => return Some(Err(ParseError::UnexpectedEnd(command))),
            }
        }
        Some(build(command, &fields, false, true))
    }
}

impl<'a> Iterator for Instructions<'a> {
    type Item = Result<Instruction<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let item = self.next_inner();
        if matches!(item, Some(Err(_))) {
            self.failed = true;
        }
        item
    }
}

fn command_of(word: &[u8]) -> Result<&'static str, ParseError> {
    const ALL: [&str; 13] = [
        "update",
        "create",
        "delete",
        "verify",
        "symref-update",
        "symref-create",
        "symref-delete",
        "symref-verify",
        "option",
        "start",
        "prepare",
        "commit",
        "abort",
    ];
    ALL.iter()
        .find(|c| c.as_bytes() == word)
        .copied()
        .ok_or_else(|| ParseError::UnknownCommand(word.to_str_lossy().into_owned()))
}

fn invalid(command: &'static str, name: Option<&[u8]>) -> ParseError {
    ParseError::InvalidArguments {
        command,
        name: name.unwrap_or_default().to_str_lossy().into_owned(),
    }
}

/// Builds the instruction from its fields (`fields[0]` is the ref name;
/// `z`: NUL-separated input).
fn build<'a>(
    command: &'static str,
    fields: &[Option<&'a [u8]>; 5],
    too_many: bool,
    z: bool,
) -> Result<Instruction<'a>, ParseError> {
    let opt = |i: usize| fields[i].filter(|f| !f.is_empty()).map(BStr::new);
    let need = |n: usize| -> Result<(), ParseError> {
        if (0..n).all(|i| opt(i).is_some()) {
            Ok(())
        } else {
            Err(ParseError::MissingArguments { command })
        }
    };
    let takes = |n: usize| -> Result<(), ParseError> {
        if too_many || fields[n..].iter().any(Option::is_some) {
            Err(invalid(command, fields[0]))
        } else {
            Ok(())
        }
    };
    let req = |i: usize| opt(i).unwrap_or_default();
    Ok(match command {
        // With -z an empty new value is git's "treat as zero" (it warns).
        "update" if z && opt(0).is_some() && fields[1] == Some(&b""[..]) => {
            takes(3)?;
            Instruction::Update {
                name: req(0),
                new: BStr::new(""),
                old: opt(2),
            }
        }
        "update" => {
            need(2)?;
            takes(3)?;
            Instruction::Update {
                name: req(0),
                new: req(1),
                old: opt(2),
            }
        }
        "create" => {
            need(2)?;
            takes(2)?;
            Instruction::Create {
                name: req(0),
                new: req(1),
            }
        }
        "delete" => {
            need(1)?;
            takes(2)?;
            Instruction::Delete {
                name: req(0),
                old: opt(1),
            }
        }
        "verify" => {
            need(1)?;
            takes(2)?;
            Instruction::Verify {
                name: req(0),
                old: opt(1),
            }
        }
        "symref-update" => {
            need(2)?;
            takes(4)?;
            let old = match (opt(2).map(|k| k.as_bytes()), opt(3)) {
                (Some(b"ref"), Some(v)) => Some(OldValue::Ref(v)),
                (Some(b"oid"), Some(v)) => Some(OldValue::Oid(v)),
                (None, None) => None,
                _ => return Err(invalid(command, fields[0])),
            };
            Instruction::SymrefUpdate {
                name: req(0),
                target: req(1),
                old,
            }
        }
        "symref-create" => {
            need(2)?;
            takes(2)?;
            Instruction::SymrefCreate {
                name: req(0),
                target: req(1),
            }
        }
        "symref-delete" => {
            need(1)?;
            takes(2)?;
            Instruction::SymrefDelete {
                name: req(0),
                old_target: opt(1),
            }
        }
        "symref-verify" => {
            need(1)?;
            takes(2)?;
            Instruction::SymrefVerify {
                name: req(0),
                old_target: opt(1),
            }
        }
        "option" => match opt(0).map(|o| o.as_bytes()) {
            Some(b"no-deref") if !too_many && fields[1].is_none() => Instruction::NoDeref,
            other => {
                return Err(ParseError::UnknownOption(
                    other.unwrap_or_default().to_str_lossy().into_owned(),
                ))
            }
        },
        simple => {
            if opt(0).is_some() || too_many {
                return Err(invalid(command, fields[0]));
            }
            match simple {
                "start" => Instruction::Start,
                "prepare" => Instruction::Prepare,
                "commit" => Instruction::Commit,
                _ => Instruction::Abort,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8], z: bool) -> Result<Vec<Instruction<'_>>, ParseError> {
        Instructions::new(input, z).collect()
    }

    #[test]
    fn lines_and_nul_fields_mean_the_same() {
        let lines = b"update refs/heads/a new old\ncreate refs/heads/b 1\ndelete refs/heads/c\nverify refs/heads/d\noption no-deref\nsymref-update HEAD refs/heads/a ref refs/heads/b\nsymref-delete HEAD\nstart\ncommit\n";
        let z = b"update refs/heads/a\0new\0old\0create refs/heads/b\x001\0delete refs/heads/c\0\0verify refs/heads/d\0\0option no-deref\0symref-update HEAD\0refs/heads/a\0ref\0refs/heads/b\0symref-delete HEAD\0\0start\0commit\0";
        let a = all(lines, false).unwrap();
        assert_eq!(a, all(z, true).unwrap());
        assert_eq!(a.len(), 9);
        assert_eq!(
            a[0],
            Instruction::Update {
                name: "refs/heads/a".into(),
                new: "new".into(),
                old: Some("old".into())
            }
        );
        assert_eq!(
            a[5],
            Instruction::SymrefUpdate {
                name: "HEAD".into(),
                target: "refs/heads/a".into(),
                old: Some(OldValue::Ref("refs/heads/b".into()))
            }
        );
    }

    #[test]
    fn malformed_instructions_are_errors_and_stop_the_parse() {
        for (input, z) in [
            (&b"frobnicate x\n"[..], false),
            (b"update refs/heads/a\n", false),
            (b"update refs/heads/a x y z\n", false),
            (b"option deref\n", false),
            (b"symref-update HEAD refs/heads/a sideways x\n", false),
            (b"commit now\n", false),
            (b"update refs/heads/a\0new", true),
            (b"symref-update HEAD\0refs/heads/a\0ref\0", true),
            (b"create refs/heads/a 1", false),
            (b"create refs/heads/a 1\n\n", false),
            (b"create  refs/heads/a 1\n", false),
            (b"\0", true),
        ] {
            let items: Vec<_> = Instructions::new(input, z).collect();
            assert!(matches!(items.last(), Some(Err(_))), "{input:?}");
            assert_eq!(items.iter().filter(|i| i.is_err()).count(), 1, "{input:?}");
        }
    }
}
