//! A tree of losers over the tables' iterators, comparing keys by
//! offset-value codes.
//!
//! Every iterator's current key carries a code relative to a *base* key it
//! is not below: the length of their common prefix and the key's next two
//! bytes there. Of two keys coded against the same base, the one sharing
//! more with the base is smaller, and on the same offset the smaller bytes
//! are; only equal codes need the keys compared. After a key comes out of
//! the tree it is the base of the next: the iterator it came from steps on,
//! and its new key's code against the old one is nearly free (the table's
//! prefix compression already says how much the two share). The losers
//! along its path to the root are coded against it, so one integer
//! comparison per level restores the tree (Knuth, TAOCP 5.4.1; Iyer,
//! "Hardware assisted sorting in IBM's DB2 DBMS", 2005).
//!
//! The second byte saves most byte-wise comparisons of names that differ
//! in their last digits, but costs something: a match decided on it leaves
//! the loser coded one byte further on, where only its first byte is known
//! (the second is [`UNKNOWN`]), and a match on an unknown byte compares the
//! keys.
//!
//! Ties on equal keys go to the higher iterator index (the newer table).

use crate::format::record::common_prefix;

/// Bits of a tree entry holding the iterator's index (below its code).
const IDX_BITS: u32 = 22;
const IDX_MASK: u64 = (1 << IDX_BITS) - 1;
/// The most iterators a tree takes.
pub(crate) const MAX_ITERATORS: usize = 1 << IDX_BITS;
/// Offsets are kept in 24 bits: no key is longer, as a key lies within one
/// block and a block's length is a 24-bit field. A larger one is capped,
/// which makes codes tie, and ties compare whole keys.
const MAX_OFF: usize = (1 << 24) - 1;
/// A code: the offset (inverted, so that more shared bytes is smaller) in
/// its top 24 bits, then two 9-bit values: 0 for the key's end, the byte
/// plus one, or (the second only) `UNKNOWN`.
const CODE_BITS: u32 = 24 + 9 + 9;
/// A second value that is not known: matches on it compare the keys.
const UNKNOWN: u64 = 0x1ff;

/// The code of an exhausted iterator: above every key.
pub(crate) const EXHAUSTED: u64 = (1 << CODE_BITS) - 1;

/// The code of `key` given that it shares exactly `off` bytes with its
/// base: smaller codes are smaller keys. A key ending at `off` equals the
/// base (it is not below it), and gets the smallest code for that offset.
#[inline]
pub(crate) fn code(off: usize, key: &[u8]) -> u64 {
    let (v0, v1) = match key.get(off..) {
        Some([a, b, ..]) => (*a as u64 + 1, *b as u64 + 1),
        Some([a]) => (*a as u64 + 1, 0),
        _ => (0, 0),
    };
    (((MAX_OFF - off.min(MAX_OFF)) as u64) << 18) | (v0 << 9) | v1
}

/// The offset a code was made at, unless it was capped.
#[inline]
fn offset_of(code: u64) -> Option<usize> {
    Some(MAX_OFF - (code >> 18) as usize).filter(|&off| off != MAX_OFF)
}

/// A tree entry: an iterator's code (relative to the key it was last
/// compared with) above its index, so that one load and one integer
/// comparison play a match.
#[inline]
fn entry(code: u64, i: usize) -> u64 {
    (code << IDX_BITS) | i as u64
}

#[inline]
fn code_of(e: u64) -> u64 {
    e >> IDX_BITS
}

#[inline]
fn index_of(e: u64) -> usize {
    (e & IDX_MASK) as usize
}

/// The shift of an entry's offset and first value (its code but the second value).
const HEAD: u32 = IDX_BITS + 9;

/// The second value of an entry.
#[inline]
fn second(e: u64) -> u64 {
    (e >> IDX_BITS) & 0x1ff
}

/// A match between entries `a` and `b` coded against the same base, decided
/// without the keys where the codes say enough: returns (winner, loser) and
/// whether the keys must be compared instead.
///
/// Codes that differ before the second value decide alone, and the
/// loser's code stays valid against the winner. If only the (known) second
/// values differ, the loser shares one more byte with the winner than with
/// the base: it is recoded one byte on, its second value becoming its
/// first and the next one unknown. Anything else (equal codes, an unknown
/// second value, a capped offset) needs the keys.
#[inline(always)]
fn quick(a: u64, b: u64) -> (u64, u64, bool) {
    let (w, l) = (a.min(b), a.max(b));
    let same_head = (a ^ b) >> HEAD == 0;
    let (sa, sb) = (second(a), second(b));
    // A capped offset is at the top of both codes (it is the smallest).
    let capped = l >> (64 - 24) == 0;
    let undecided = (same_head && (sa == sb || sa == UNKNOWN || sb == UNKNOWN)) || capped;
    // One byte on: the offset field (inverted) drops by one.
    let on = l - (1 << (IDX_BITS + 18));
    let recoded = (on & !(((1 << 18) - 1) << IDX_BITS)) | (second(l) << HEAD) | (UNKNOWN << IDX_BITS);
    (w, if same_head { recoded } else { l }, undecided)
}

/// The tree: `nodes[1..n]` holds the loser of each match as an
/// [`entry`], iterator `i` is the leaf at position `n + i`, and the
/// winner's entry is kept apart.
#[derive(Debug, Default)]
pub(crate) struct Losers {
    nodes: Vec<u64>,
    winner: u64,
    n: usize,
    /// The smallest head (offset and first value) of the losers on the
    /// winner's path: a new key of the winner with a smaller one wins every
    /// match there without changing any.
    path_min: u64,
}

impl Losers {
    /// Plays the first tournament; `key(i)` is iterator `i`'s key, `None`
    /// if it is exhausted. Codes are relative to the empty key. At most
    /// [`MAX_ITERATORS`].
    pub(crate) fn new<'k>(n: usize, key: impl Fn(usize) -> Option<&'k [u8]>) -> Self {
        debug_assert!(n <= MAX_ITERATORS);
        let leaf = |i: usize| entry(key(i).map_or(EXHAUSTED, |k| code(0, k)), i);
        let mut t = Losers {
            nodes: vec![entry(EXHAUSTED, 0); n.max(1)],
            winner: entry(EXHAUSTED, 0),
            n,
            path_min: 0,
        };
        if n == 1 {
            t.winner = leaf(0);
        } else if n > 1 {
            // winners[p]: the winner of the subtree at position p.
            let mut winners = vec![0; 2 * n];
            for i in 0..n {
                winners[n + i] = leaf(i);
            }
            for p in (1..n).rev() {
                let (w, l) = play(winners[2 * p], winners[2 * p + 1], &key);
                t.nodes[p] = l;
                winners[p] = w;
            }
            t.winner = winners[1];
        }
        t.path_min = t.path_min();
        t
    }

    fn path_min(&self) -> u64 {
        let mut p = (self.n + index_of(self.winner)) / 2;
        let mut min = u64::MAX;
        while p > 0 {
            min = min.min(self.nodes[p] >> HEAD);
            p /= 2;
        }
        min
    }

    /// The iterator holding the smallest key (`None` when all are exhausted).
    #[inline]
    pub(crate) fn winner(&self) -> Option<usize> {
        (code_of(self.winner) != EXHAUSTED).then_some(index_of(self.winner))
    }

    /// The winner's code, relative to the key that came out last: it
    /// equals that key if the code is `code(key.len(), &[])`.
    #[inline]
    pub(crate) fn winner_code(&self) -> u64 {
        code_of(self.winner)
    }

    /// Iterator `i`, the winner, moved on: `code` is its new key's code
    /// relative to its previous key (or [`EXHAUSTED`]); replays its path.
    #[inline]
    pub(crate) fn replay<'k>(&mut self, i: usize, code: u64, key: impl Fn(usize) -> Option<&'k [u8]>) {
        let mut w = entry(code, i);
        if w >> HEAD < self.path_min {
            // Still the winner (the common case when one table holds a run of keys).
            self.winner = w;
            return;
        }
        let mut p = (self.n + i) / 2;
        let mut min = u64::MAX;
        while p > 0 {
            let Some(slot) = self.nodes.get_mut(p) else { break };
            // Which entry goes on is data, not control flow (conditional
            // moves: the winners of interleaved tables are unpredictable).
            let (mut up, mut down, undecided) = quick(*slot, w);
            if undecided {
                (up, down) = play_keys(*slot, w, &key);
            }
            *slot = down;
            min = min.min(down >> HEAD);
            w = up;
            p /= 2;
        }
        self.winner = w;
        // The losers on the path just played are the winner's path only if
        // it is still the winner; otherwise no fast path until its next replay.
        self.path_min = if index_of(w) == i { min } else { 0 };
    }
}

/// A match between entries `a` and `b` coded against the same base:
/// returns (winner, loser), the loser recoded against the winner. Equal
/// keys go to the newer table (the higher index).
fn play<'k>(a: u64, b: u64, key: &impl Fn(usize) -> Option<&'k [u8]>) -> (u64, u64) {
    match quick(a, b) {
        (w, l, false) => (w, l),
        (_, _, true) => play_keys(a, b, key),
    }
}

/// [`play`] for codes that do not decide: compares the keys.
#[inline(never)]
fn play_keys<'k>(a: u64, b: u64, key: &impl Fn(usize) -> Option<&'k [u8]>) -> (u64, u64) {
    let newer = |a: u64, b: u64| if index_of(a) > index_of(b) { (a, b) } else { (b, a) };
    let ca = code_of(a);
    if ca == code_of(b) && (ca == EXHAUSTED || (ca >> 9) & 0x1ff == 0) {
        // Both exhausted, or both equal to the base: equal keys.
        return newer(a, b);
    }
    let (Some(ka), Some(kb)) = (key(index_of(a)), key(index_of(b))) else {
        return newer(a, b);
    };
    // Both have the same byte at the offset: compare what follows.
    let from = offset_of(ca).map_or(0, |o| o + 1).min(ka.len()).min(kb.len());
    let l = from + common_prefix(&ka[from..], &kb[from..]);
    // The keys agree up to `l`: the byte there (or an end) decides.
    // Equal keys: the loser's code says so (it ends where the winner does).
    let (w, lo) = match ka.get(l).cmp(&kb.get(l)) {
        std::cmp::Ordering::Less => (a, b),
        std::cmp::Ordering::Greater => (b, a),
        std::cmp::Ordering::Equal => newer(a, b),
    };
    let loser_key = if lo == a { ka } else { kb };
    (w, entry(code(l, loser_key), index_of(lo)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Merges sorted runs with the tree, as `MergedIter` does; duplicates
    /// across runs come out newest (highest index) first.
    fn merge(runs: &[Vec<&[u8]>]) -> Vec<(usize, Vec<u8>)> {
        let mut pos = vec![0; runs.len()];
        let mut t = Losers::new(runs.len(), |i| runs[i].first().copied());
        let mut out = Vec::new();
        let mut base: Vec<u8> = Vec::new();
        while let Some(w) = t.winner() {
            let key = runs[w][pos[w]];
            out.push((w, key.to_vec()));
            base.clear();
            base.extend_from_slice(key);
            pos[w] += 1;
            let c = match runs[w].get(pos[w]) {
                Some(k) => code(common_prefix(k, &base), k),
                None => EXHAUSTED,
            };
            let at = &pos;
            t.replay(w, c, |i| runs[i].get(at[i]).copied());
        }
        out
    }

    #[test]
    fn merges_like_a_sort() {
        let alphabet: [&[u8]; 6] = [b"", b"a", b"ab", b"abc", b"b", b"\xff"];
        merges_like_a_sort_over(&alphabet, 4, 7);
        // Numbered names: runs of keys equal but for their last digits
        // (matches decided on the second byte of a code, and on unknown ones).
        let digits: [&[u8]; 6] = [b"0", b"1", b"2", b"9", b"\x00", b"10"];
        merges_like_a_sort_over(&digits, 7, 8);
    }

    fn merges_like_a_sort_over(alphabet: &[&[u8]], pieces: u64, seed: u64) {
        let mut seed = seed;
        let mut rnd = move |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for round in 0..1000 {
            let k = 1 + rnd(9) as usize;
            let mut owned: Vec<Vec<Vec<u8>>> = Vec::new();
            for _ in 0..k {
                let mut run: Vec<Vec<u8>> = (0..rnd(20))
                    .map(|_| {
                        (0..rnd(pieces))
                            .flat_map(|_| alphabet[rnd(6) as usize].to_vec())
                            .collect()
                    })
                    .collect();
                run.sort();
                run.dedup();
                owned.push(run);
            }
            let runs: Vec<Vec<&[u8]>> = owned.iter().map(|r| r.iter().map(|k| k.as_slice()).collect()).collect();
            let mut want: Vec<(usize, Vec<u8>)> = runs
                .iter()
                .enumerate()
                .flat_map(|(i, r)| r.iter().map(move |k| (i, k.to_vec())))
                .collect();
            want.sort_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
            assert_eq!(merge(&runs), want, "round {round}: {runs:?}");
        }
    }
}
