//! The four kinds of records a table holds, as owned values and as borrowed
//! views decoded in place, plus their key and value encodings.
//!
//! Every record is stored as `varint(prefix_len) varint(suffix_len << 3 |
//! value_type) suffix value`, where the key is the previous key's first
//! `prefix_len` bytes followed by `suffix`.

use super::{varint, Corruption};

/// Block and record type of ref records.
pub const BLOCK_TYPE_REF: u8 = b'r';
/// Block and record type of log records.
pub const BLOCK_TYPE_LOG: u8 = b'g';
/// Block and record type of obj records.
pub const BLOCK_TYPE_OBJ: u8 = b'o';
/// Block and record type of index records.
pub const BLOCK_TYPE_INDEX: u8 = b'i';

/// Whether `t` is one of the four block types.
pub fn is_block_type(t: u8) -> bool {
    matches!(t, BLOCK_TYPE_REF | BLOCK_TYPE_LOG | BLOCK_TYPE_OBJ | BLOCK_TYPE_INDEX)
}

/// The value of a ref record, borrowed from a decoded block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefValueRef<'a> {
    /// A tombstone: the ref was deleted.
    Deletion,
    /// The ref points at this object id.
    Val1(&'a [u8]),
    /// The ref points at `value`, an annotated tag which peels to `peeled`.
    Val2 {
        /// The object id the ref points at.
        value: &'a [u8],
        /// The object id the tag peels to.
        peeled: &'a [u8],
    },
    /// A symbolic ref naming another ref.
    Symref(&'a [u8]),
}

/// A ref record, borrowed from a decoded block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefRecordRef<'a> {
    /// Full ref name, such as `refs/heads/main`.
    pub name: &'a [u8],
    /// The update index, absolute (the table's minimum already added).
    pub update_index: u64,
    /// What the ref points at.
    pub value: RefValueRef<'a>,
}

/// The value of a ref record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RefValue {
    /// A tombstone: the ref was deleted.
    Deletion,
    /// The ref points at this object id.
    Val1(Vec<u8>),
    /// The ref points at `value`, an annotated tag which peels to `peeled`.
    Val2 {
        /// The object id the ref points at.
        value: Vec<u8>,
        /// The object id the tag peels to.
        peeled: Vec<u8>,
    },
    /// A symbolic ref naming another ref.
    Symref(Vec<u8>),
}

/// A ref record.
///
/// ```
/// use reftable_core::format::{RefRecord, RefValue};
/// let r = RefRecord { name: b"refs/heads/main".to_vec(), update_index: 1, value: RefValue::Val1(vec![1; 20]) };
/// assert_eq!(r.as_ref().name, b"refs/heads/main");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RefRecord {
    /// Full ref name, such as `refs/heads/main`.
    pub name: Vec<u8>,
    /// The update index.
    pub update_index: u64,
    /// What the ref points at.
    pub value: RefValue,
}

impl<'a> RefValueRef<'a> {
    /// The value type stored in the record's low three bits.
    pub fn value_type(&self) -> u8 {
        match self {
            RefValueRef::Deletion => 0,
            RefValueRef::Val1(_) => 1,
            RefValueRef::Val2 { .. } => 2,
            RefValueRef::Symref(_) => 3,
        }
    }
    /// An owned copy.
    pub fn to_owned(&self) -> RefValue {
        match *self {
            RefValueRef::Deletion => RefValue::Deletion,
            RefValueRef::Val1(v) => RefValue::Val1(v.to_vec()),
            RefValueRef::Val2 { value, peeled } => RefValue::Val2 {
                value: value.to_vec(),
                peeled: peeled.to_vec(),
            },
            RefValueRef::Symref(t) => RefValue::Symref(t.to_vec()),
        }
    }
    /// The object id this ref points at directly, if any.
    pub fn object_id(&self) -> Option<&'a [u8]> {
        match *self {
            RefValueRef::Val1(v) | RefValueRef::Val2 { value: v, .. } => Some(v),
            _ => None,
        }
    }
    /// The peeled object id, if the table stores one.
    pub fn peeled(&self) -> Option<&'a [u8]> {
        match *self {
            RefValueRef::Val2 { peeled, .. } => Some(peeled),
            _ => None,
        }
    }
}

impl RefValue {
    /// The object id this ref points at directly, if any.
    pub fn object_id(&self) -> Option<&[u8]> {
        match self {
            RefValue::Val1(v) | RefValue::Val2 { value: v, .. } => Some(v),
            _ => None,
        }
    }
    /// The peeled object id, if stored.
    pub fn peeled(&self) -> Option<&[u8]> {
        match self {
            RefValue::Val2 { peeled, .. } => Some(peeled),
            _ => None,
        }
    }
    /// A borrowed view.
    pub fn as_ref(&self) -> RefValueRef<'_> {
        match self {
            RefValue::Deletion => RefValueRef::Deletion,
            RefValue::Val1(v) => RefValueRef::Val1(v),
            RefValue::Val2 { value, peeled } => RefValueRef::Val2 { value, peeled },
            RefValue::Symref(t) => RefValueRef::Symref(t),
        }
    }
}

impl RefRecordRef<'_> {
    /// An owned copy.
    pub fn to_owned(&self) -> RefRecord {
        RefRecord {
            name: self.name.to_vec(),
            update_index: self.update_index,
            value: self.value.to_owned(),
        }
    }
    /// Whether this is a tombstone.
    pub fn is_deletion(&self) -> bool {
        matches!(self.value, RefValueRef::Deletion)
    }
}

impl RefRecord {
    /// A borrowed view.
    pub fn as_ref(&self) -> RefRecordRef<'_> {
        RefRecordRef {
            name: &self.name,
            update_index: self.update_index,
            value: self.value.as_ref(),
        }
    }
}

/// The content of a log update, borrowed from a decoded block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogUpdateRef<'a> {
    /// Object id before the update (all zeros for a creation).
    pub old_id: &'a [u8],
    /// Object id after the update (all zeros for a deletion).
    pub new_id: &'a [u8],
    /// Committer name.
    pub name: &'a [u8],
    /// Committer email, without angle brackets.
    pub email: &'a [u8],
    /// Seconds since the epoch.
    pub time: u64,
    /// Time zone offset as git writes it: `+0130` is 130, `-0700` is -700.
    pub tz_offset: i16,
    /// The message, as stored (git stores a trailing newline).
    pub message: &'a [u8],
}

/// A log record's value, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogValueRef<'a> {
    /// A tombstone hiding an older entry with the same key.
    Deletion,
    /// A reflog entry.
    Update(LogUpdateRef<'a>),
}

/// A log record, borrowed from a decoded block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogRecordRef<'a> {
    /// The ref name.
    pub name: &'a [u8],
    /// The update index of the change this entry records.
    pub update_index: u64,
    /// The entry.
    pub value: LogValueRef<'a>,
}

/// The content of a log update.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct LogUpdate {
    /// Object id before the update.
    pub old_id: Vec<u8>,
    /// Object id after the update.
    pub new_id: Vec<u8>,
    /// Committer name.
    pub name: Vec<u8>,
    /// Committer email.
    pub email: Vec<u8>,
    /// Seconds since the epoch.
    pub time: u64,
    /// Time zone offset as git writes it (`-0700` is -700).
    pub tz_offset: i16,
    /// The message.
    pub message: Vec<u8>,
}

/// A log record's value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LogValue {
    /// A tombstone.
    Deletion,
    /// A reflog entry.
    Update(LogUpdate),
}

/// A log record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LogRecord {
    /// The ref name.
    pub name: Vec<u8>,
    /// The update index.
    pub update_index: u64,
    /// The entry.
    pub value: LogValue,
}

impl LogUpdateRef<'_> {
    /// An owned copy.
    pub fn to_owned(&self) -> LogUpdate {
        LogUpdate {
            old_id: self.old_id.to_vec(),
            new_id: self.new_id.to_vec(),
            name: self.name.to_vec(),
            email: self.email.to_vec(),
            time: self.time,
            tz_offset: self.tz_offset,
            message: self.message.to_vec(),
        }
    }
}

impl LogUpdate {
    /// A borrowed view.
    pub fn as_ref(&self) -> LogUpdateRef<'_> {
        LogUpdateRef {
            old_id: &self.old_id,
            new_id: &self.new_id,
            name: &self.name,
            email: &self.email,
            time: self.time,
            tz_offset: self.tz_offset,
            message: &self.message,
        }
    }
}

impl LogRecordRef<'_> {
    /// An owned copy.
    pub fn to_owned(&self) -> LogRecord {
        LogRecord {
            name: self.name.to_vec(),
            update_index: self.update_index,
            value: match &self.value {
                LogValueRef::Deletion => LogValue::Deletion,
                LogValueRef::Update(u) => LogValue::Update(u.to_owned()),
            },
        }
    }
    /// Whether this is a tombstone.
    pub fn is_deletion(&self) -> bool {
        matches!(self.value, LogValueRef::Deletion)
    }
}

impl LogRecord {
    /// A borrowed view.
    pub fn as_ref(&self) -> LogRecordRef<'_> {
        LogRecordRef {
            name: &self.name,
            update_index: self.update_index,
            value: match &self.value {
                LogValue::Deletion => LogValueRef::Deletion,
                LogValue::Update(u) => LogValueRef::Update(u.as_ref()),
            },
        }
    }
}

/// An obj record: which ref blocks mention objects starting with `prefix`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjRecord {
    /// Abbreviated object id (the table's `obj_id_len` bytes).
    pub prefix: Vec<u8>,
    /// Offsets of the ref blocks; empty means "scan all ref blocks".
    pub offsets: Vec<u64>,
}

/// An index record: the last key of a block and where the block starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexRecord {
    /// The last key in the indexed block.
    pub last_key: Vec<u8>,
    /// The block's offset in the file.
    pub offset: u64,
}

/// Length of the common prefix of `a` and `b`.
#[inline]
pub fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    // Eight bytes at a time, then byte by byte.
    while i + 8 <= n {
        let x = u64::from_le_bytes(a[i..i + 8].try_into().unwrap_or_default());
        let y = u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
        if x != y {
            return i + ((x ^ y).trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// Encodes a key against `prev`. Returns whether the record is a restart
/// point (it shares no prefix with `prev`), exactly as git decides.
#[inline]
pub(crate) fn encode_key(out: &mut Vec<u8>, prev: &[u8], key: &[u8], value_type: u8) -> bool {
    let prefix = common_prefix(prev, key);
    let suffix = &key[prefix..];
    varint::put(out, prefix as u64);
    varint::put(out, ((suffix.len() as u64) << 3) | u64::from(value_type));
    out.extend_from_slice(suffix);
    prefix == 0
}

/// Decodes a key at `*pos` into `key` (which holds the previous key on entry).
/// Returns the value type and how many bytes the key shares with the previous one.
#[inline(always)]
pub(crate) fn decode_key(data: &[u8], pos: &mut usize, key: &mut Vec<u8>) -> Result<(u8, usize), Corruption> {
    let prefix = varint::get(data, pos)?;
    let suffix_and_type = varint::get(data, pos)?;
    if prefix > key.len() as u64 {
        return Err(Corruption::PrefixTooLong {
            prefix,
            previous: key.len(),
        });
    }
    let suffix_len = suffix_and_type >> 3;
    let start = *pos;
    let end = (start as u64)
        .checked_add(suffix_len)
        .filter(|&e| e <= data.len() as u64)
        .ok_or(Corruption::Truncated)? as usize;
    let (prefix, suffix) = (prefix as usize, &data[start..end]);
    // How much the key shares with the previous one: the prefix, and more
    // only if the writer did not take the longest one (restart points).
    let shared = match (key.get(prefix), suffix.first()) {
        (Some(a), Some(b)) if a == b => prefix + common_prefix(&key[prefix..], suffix),
        _ => prefix,
    };
    key.truncate(prefix);
    // Most suffixes are short: copying a fixed 16 bytes and cutting back
    // is a single vector move, where a copy of the exact length is a call
    // whose size classes branch unpredictably when lengths vary.
    match data.get(start..start + 16) {
        Some(window) if suffix.len() <= 16 => {
            key.extend_from_slice(window);
            key.truncate(prefix + suffix.len());
        }
        _ => key.extend_from_slice(suffix),
    }
    *pos = end;
    Ok(((suffix_and_type & 7) as u8, shared))
}

/// Reads a restart key (prefix length 0) in place, without copying.
#[inline]
pub(crate) fn restart_key(data: &[u8], mut pos: usize) -> Result<&[u8], Corruption> {
    let prefix = varint::get(data, &mut pos)?;
    if prefix != 0 {
        return Err(Corruption::PrefixTooLong { prefix, previous: 0 });
    }
    let suffix_len = varint::get(data, &mut pos)? >> 3;
    let end = (pos as u64)
        .checked_add(suffix_len)
        .filter(|&e| e <= data.len() as u64)
        .ok_or(Corruption::Truncated)? as usize;
    Ok(&data[pos..end])
}

#[inline]
fn take<'a>(data: &'a [u8], pos: &mut usize, n: usize) -> Result<&'a [u8], Corruption> {
    let end = pos
        .checked_add(n)
        .filter(|&e| e <= data.len())
        .ok_or(Corruption::Truncated)?;
    let s = &data[*pos..end];
    *pos = end;
    Ok(s)
}

#[inline]
fn take_string<'a>(data: &'a [u8], pos: &mut usize) -> Result<&'a [u8], Corruption> {
    let n = varint::get(data, pos)?;
    let n = usize::try_from(n).map_err(|_| Corruption::Truncated)?;
    take(data, pos, n)
}

fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    varint::put(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// Encodes a ref record's value (after the key); `update_index_delta` is the
/// update index minus the table's minimum.
pub(crate) fn encode_ref_value(out: &mut Vec<u8>, update_index_delta: u64, value: &RefValueRef<'_>) {
    varint::put(out, update_index_delta);
    match *value {
        RefValueRef::Deletion => {}
        RefValueRef::Val1(v) => out.extend_from_slice(v),
        RefValueRef::Val2 { value, peeled } => {
            out.extend_from_slice(value);
            out.extend_from_slice(peeled);
        }
        RefValueRef::Symref(t) => put_string(out, t),
    }
}

/// Decodes a ref record's value. Returns the update index delta and value.
#[inline]
pub(crate) fn decode_ref_value<'a>(
    data: &'a [u8],
    pos: &mut usize,
    value_type: u8,
    hash_size: usize,
) -> Result<(u64, RefValueRef<'a>), Corruption> {
    let delta = varint::get(data, pos)?;
    let value = match value_type {
        0 => RefValueRef::Deletion,
        1 => RefValueRef::Val1(take(data, pos, hash_size)?),
        2 => {
            let both = take(data, pos, 2 * hash_size)?;
            let (value, peeled) = both.split_at(hash_size);
            RefValueRef::Val2 { value, peeled }
        }
        3 => RefValueRef::Symref(take_string(data, pos)?),
        t => return Err(Corruption::UnknownValueType(t, "ref")),
    };
    Ok((delta, value))
}

/// Builds the key of a log record: `name \0 be64(!update_index)`.
pub fn log_key(out: &mut Vec<u8>, name: &[u8], update_index: u64) {
    out.clear();
    out.extend_from_slice(name);
    out.push(0);
    out.extend_from_slice(&(!update_index).to_be_bytes());
}

/// Splits a log key into name and update index.
#[inline]
pub(crate) fn split_log_key(key: &[u8]) -> Result<(&[u8], u64), Corruption> {
    if key.len() <= 9 || key[key.len() - 9] != 0 {
        return Err(Corruption::BadLogKey);
    }
    let (name, rest) = key.split_at(key.len() - 9);
    let mut be = [0u8; 8];
    be.copy_from_slice(&rest[1..]);
    Ok((name, !u64::from_be_bytes(be)))
}

/// Encodes a log record's value (nothing for a deletion).
pub(crate) fn encode_log_value(out: &mut Vec<u8>, value: &LogValueRef<'_>) {
    if let LogValueRef::Update(u) = value {
        out.extend_from_slice(u.old_id);
        out.extend_from_slice(u.new_id);
        put_string(out, u.name);
        put_string(out, u.email);
        varint::put(out, u.time);
        out.extend_from_slice(&u.tz_offset.to_be_bytes());
        put_string(out, u.message);
    }
}

/// Decodes a log record's value.
#[inline]
pub(crate) fn decode_log_value<'a>(
    data: &'a [u8],
    pos: &mut usize,
    value_type: u8,
    hash_size: usize,
) -> Result<LogValueRef<'a>, Corruption> {
    match value_type {
        0 => Ok(LogValueRef::Deletion),
        1 => {
            let ids = take(data, pos, 2 * hash_size)?;
            let (old_id, new_id) = ids.split_at(hash_size);
            let name = take_string(data, pos)?;
            let email = take_string(data, pos)?;
            let time = varint::get(data, pos)?;
            let tz = take(data, pos, 2)?;
            let tz_offset = i16::from_be_bytes([tz[0], tz[1]]);
            let message = take_string(data, pos)?;
            Ok(LogValueRef::Update(LogUpdateRef {
                old_id,
                new_id,
                name,
                email,
                time,
                tz_offset,
                message,
            }))
        }
        t => Err(Corruption::UnknownValueType(t, "log")),
    }
}

/// The value type git stores for an obj record with `n` offsets.
pub(crate) fn obj_value_type(n: usize) -> u8 {
    if (1..8).contains(&n) {
        n as u8
    } else {
        0
    }
}

/// Encodes an obj record's value: count (unless in the value type), first
/// offset, then deltas.
pub(crate) fn encode_obj_value(out: &mut Vec<u8>, offsets: &[u64]) {
    if obj_value_type(offsets.len()) == 0 {
        varint::put(out, offsets.len() as u64);
    }
    let mut last = 0;
    for (i, &o) in offsets.iter().enumerate() {
        varint::put(out, if i == 0 { o } else { o - last });
        last = o;
    }
}

/// Decodes an obj record's offsets into `offsets` (cleared first).
pub(crate) fn decode_obj_value(
    data: &[u8],
    pos: &mut usize,
    value_type: u8,
    offsets: &mut Vec<u64>,
) -> Result<(), Corruption> {
    offsets.clear();
    let count = if value_type == 0 {
        varint::get(data, pos)?
    } else {
        u64::from(value_type)
    };
    // Each offset takes at least one byte: bound the count by what is left.
    if count > (data.len() - *pos) as u64 {
        return Err(Corruption::Truncated);
    }
    let mut last = 0u64;
    for i in 0..count {
        let v = varint::get(data, pos)?;
        last = if i == 0 {
            v
        } else {
            last.checked_add(v).ok_or(Corruption::VarintOverflow)?
        };
        offsets.push(last);
    }
    Ok(())
}

/// Encodes an index record's value.
pub(crate) fn encode_index_value(out: &mut Vec<u8>, offset: u64) {
    varint::put(out, offset);
}

/// Decodes an index record's value.
#[inline]
pub(crate) fn decode_index_value(data: &[u8], pos: &mut usize) -> Result<u64, Corruption> {
    varint::get(data, pos)
}

#[cfg(test)]
mod tests {

    #[test]
    fn common_prefix_matches_the_byte_loop() {
        let naive = |a: &[u8], b: &[u8]| a.iter().zip(b).take_while(|(x, y)| x == y).count();
        let base = b"refs/heads/feature/branch-0001234-and-some-more";
        for cut in 0..base.len() {
            for len in cut..=base.len() {
                let mut other = base[..len].to_vec();
                if cut < other.len() {
                    other[cut] ^= 0x20;
                }
                assert_eq!(common_prefix(base, &other), naive(base, &other), "{cut} {len}");
                assert_eq!(common_prefix(&other, base), naive(&other, base));
            }
        }
    }
    use super::*;

    #[test]
    fn key_round_trip() {
        let mut out = Vec::new();
        assert!(encode_key(&mut out, b"", b"refs/heads/a", 1));
        assert!(!encode_key(&mut out, b"refs/heads/a", b"refs/heads/b", 2));
        let mut key = Vec::new();
        let mut pos = 0;
        assert_eq!(decode_key(&out, &mut pos, &mut key).unwrap(), (1, 0));
        assert_eq!(key, b"refs/heads/a");
        assert_eq!(decode_key(&out, &mut pos, &mut key).unwrap(), (2, 11));
        assert_eq!(key, b"refs/heads/b");
        assert_eq!(pos, out.len());
    }

    #[test]
    fn log_key_orders_newest_first() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        log_key(&mut a, b"HEAD", 5);
        log_key(&mut b, b"HEAD", 4);
        assert!(a < b);
        assert_eq!(split_log_key(&a).unwrap(), (&b"HEAD"[..], 5));
        assert_eq!(split_log_key(b"x"), Err(Corruption::BadLogKey));
    }

    #[test]
    fn values_round_trip() {
        let id = [7u8; 20];
        for v in [
            RefValueRef::Deletion,
            RefValueRef::Val1(&id),
            RefValueRef::Val2 {
                value: &id,
                peeled: &[9; 20],
            },
            RefValueRef::Symref(b"refs/heads/main"),
        ] {
            let mut out = Vec::new();
            encode_ref_value(&mut out, 3, &v);
            let mut pos = 0;
            assert_eq!(decode_ref_value(&out, &mut pos, v.value_type(), 20).unwrap(), (3, v));
        }
        let u = LogValueRef::Update(LogUpdateRef {
            old_id: &[0; 32],
            new_id: &[1; 32],
            name: b"A U Thor",
            email: b"a@b",
            time: 1_700_000_000,
            tz_offset: -700,
            message: b"commit: x\n",
        });
        let mut out = Vec::new();
        encode_log_value(&mut out, &u);
        let mut pos = 0;
        assert_eq!(decode_log_value(&out, &mut pos, 1, 32).unwrap(), u);
        for offsets in [
            vec![],
            vec![4096],
            vec![0, 4096, 8192, 1 << 20, 1 << 21, 1 << 22, 1 << 23, 1 << 24],
        ] {
            let mut out = Vec::new();
            encode_obj_value(&mut out, &offsets);
            let mut got = vec![1];
            let mut pos = 0;
            decode_obj_value(&out, &mut pos, obj_value_type(offsets.len()), &mut got).unwrap();
            assert_eq!(got, offsets);
        }
    }
}
