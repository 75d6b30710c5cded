//! `reftable dump`: the records and block layout of tables, one per line.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;
use reftable::format::{LogValueRef, RefValueRef, Table};

use crate::Fatal;

#[derive(Subcommand)]
pub enum Dump {
    /// Every ref and log record of one table file.
    Table {
        /// The table file.
        file: PathBuf,
        /// Also print the block layout.
        #[arg(long)]
        blocks: bool,
    },
    /// The merged view of a stack directory (`$GIT_DIR/reftable`): every
    /// table's records, oldest table first.
    Stack {
        /// The stack directory.
        dir: PathBuf,
        /// Also print the block layout.
        #[arg(long)]
        blocks: bool,
    },
}

pub fn run(what: Dump, out: &mut dyn Write) -> Result<i32, Fatal> {
    let res = match what {
        Dump::Table { file, blocks } => dump_table(&file, blocks, out),
        Dump::Stack { dir, blocks } => (|| {
            let names = std::fs::read_to_string(dir.join("tables.list")).unwrap_or_default();
            let names = reftable::stack::parse_names(&names, &dir.join("tables.list"))?;
            writeln!(
                out,
                "stack {} tables {}",
                esc(dir.display().to_string().as_bytes()),
                names.len()
            )?;
            for n in names {
                dump_table(&dir.join(n), blocks, out)?;
            }
            Ok(())
        })(),
    };
    res.map(|()| 0).map_err(|e| Fatal::msg(e.to_string()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Escapes bytes for a one-line, space-free field: `\xNN` for anything
/// outside printable ASCII, for `\` and for space.
fn esc(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len());
    for &c in b {
        if c.is_ascii_graphic() && c != b'\\' {
            s.push(c as char);
        } else {
            s.push_str(&format!("\\x{c:02x}"));
        }
    }
    s
}

fn dump_table(file: &std::path::Path, blocks: bool, out: &mut dyn Write) -> Result<(), Box<dyn std::error::Error>> {
    let t = Table::open(file)?;
    let h = t.header();
    writeln!(
        out,
        "table {} version {} hash {} block_size {} min_update_index {} max_update_index {}",
        esc(t.name().as_bytes()),
        h.version,
        h.hash.name(),
        h.block_size,
        h.min_update_index,
        h.max_update_index
    )?;
    if blocks {
        for b in t.blocks() {
            let b = b?;
            writeln!(
                out,
                "block {} offset {} len {} size {} restarts {} records {}",
                b.typ as char, b.offset, b.block_len, b.full_size, b.restarts, b.records
            )?;
        }
    }
    let mut refs = t.refs()?;
    while let Some(r) = refs.next_ref()? {
        let v = match r.value {
            RefValueRef::Deletion => "delete".to_string(),
            RefValueRef::Val1(v) => format!("val1 {}", hex(v)),
            RefValueRef::Val2 { value, peeled } => format!("val2 {} {}", hex(value), hex(peeled)),
            RefValueRef::Symref(s) => format!("symref {}", esc(s)),
        };
        writeln!(out, "ref {} {} {v}", esc(r.name), r.update_index)?;
    }
    let mut logs = t.logs()?;
    while let Some(l) = logs.next_log()? {
        match l.value {
            LogValueRef::Deletion => writeln!(out, "log {} {} delete", esc(l.name), l.update_index)?,
            LogValueRef::Update(u) => writeln!(
                out,
                "log {} {} update {} {} {} {} {} {}{:04} {}",
                esc(l.name),
                l.update_index,
                hex(u.old_id),
                hex(u.new_id),
                esc(u.name),
                esc(u.email),
                u.time,
                if u.tz_offset < 0 { '-' } else { '+' },
                u.tz_offset.unsigned_abs(),
                esc(u.message)
            )?,
        }
    }
    Ok(())
}
