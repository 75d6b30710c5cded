//! A tree of losers over the tables' iterators, comparing keys by
//! offset-value codes.
//!
//! Every iterator's current key carries a code relative to a *base* key it
//! is not below: the length of their common prefix and the key's byte
//! there. Of two keys coded against the same base, the one sharing more with
//! the base is smaller, and on the same offset the smaller byte is; only
//! equal codes need the bytes compared (from the offset on). After a key
//! comes out of the tree it is the base of the next: the iterator it came
//! from steps on, and its new key's code against the old one is nearly free
//! (the table's prefix compression already says how much the two share).
//! The losers along its path to the root are coded against it, so one
//! integer comparison per level restores the tree (Knuth, TAOCP 5.4.1;
//! Iyer, "Hardware assisted sorting in IBM's DB2 DBMS", 2005).
//!
//! Ties on equal keys go to the higher iterator index (the newer table).

use crate::format::record::common_prefix;

/// The code of an exhausted iterator: above every key.
pub(crate) const EXHAUSTED: u64 = u64::MAX;

/// The code of `key` given that it shares exactly `off` bytes with its
/// base: smaller codes are smaller keys. A key ending at `off` equals the
/// base (it is not below it), and gets the smallest code for that offset.
#[inline]
pub(crate) fn code(off: usize, key: &[u8]) -> u64 {
    let val = key.get(off).map_or(0, |&b| b as u64 + 1);
    ((u32::MAX as u64 - off.min(u32::MAX as usize) as u64) << 16) | val
}

/// The tree: `nodes[0]` is the winner, `nodes[1..n]` the loser of each
/// match, iterator `i` the leaf at position `n + i`.
#[derive(Debug, Default)]
pub(crate) struct Losers {
    nodes: Vec<usize>,
    codes: Vec<u64>,
    /// The smallest code of the losers on the winner's path: a new key of
    /// the winner below it wins every match there without changing any.
    path_min: u64,
}

impl Losers {
    /// Plays the first tournament; `key(i)` is iterator `i`'s key, `None`
    /// if it is exhausted. Codes are relative to the empty key.
    pub(crate) fn new<'k>(n: usize, key: impl Fn(usize) -> Option<&'k [u8]>) -> Self {
        let codes = (0..n).map(|i| key(i).map_or(EXHAUSTED, |k| code(0, k))).collect();
        let mut t = Losers {
            nodes: vec![0; n.max(1)],
            codes,
            path_min: 0,
        };
        if n > 1 {
            // winners[p]: the winner of the subtree at position p.
            let mut winners = vec![0; 2 * n];
            for i in 0..n {
                winners[n + i] = i;
            }
            for p in (1..n).rev() {
                let (w, l) = t.play(winners[2 * p], winners[2 * p + 1], &key);
                t.nodes[p] = l;
                winners[p] = w;
            }
            t.nodes[0] = winners[1];
        }
        t.path_min = t.path_min();
        t
    }

    fn path_min(&self) -> u64 {
        let n = self.codes.len();
        let mut p = (n + self.nodes[0]) / 2;
        let mut min = EXHAUSTED;
        while p > 0 {
            min = min.min(self.codes[self.nodes[p]]);
            p /= 2;
        }
        min
    }

    /// The iterator holding the smallest key (`None` when all are exhausted).
    #[inline]
    pub(crate) fn winner(&self) -> Option<usize> {
        let w = self.nodes[0];
        (self.codes.get(w).copied().unwrap_or(EXHAUSTED) != EXHAUSTED).then_some(w)
    }

    /// Whether the winner's key equals the base its code is relative to
    /// (the key that came out last), given the base's length.
    #[inline]
    pub(crate) fn winner_equals_base(&self, base_len: usize) -> bool {
        self.codes[self.nodes[0]] == code(base_len, &[])
    }

    /// Iterator `i`, the winner, moved on: `code` is its new key's code
    /// relative to its previous key (or [`EXHAUSTED`]); replays its path.
    #[inline]
    pub(crate) fn replay<'k>(&mut self, i: usize, code: u64, key: impl Fn(usize) -> Option<&'k [u8]>) {
        self.codes[i] = code;
        if code < self.path_min {
            // Still the winner (the common case when one table holds a run of keys).
            return;
        }
        let n = self.codes.len();
        let mut winner = i;
        let mut p = (n + i) / 2;
        let mut min = EXHAUSTED;
        while p > 0 {
            let stored = self.nodes[p];
            // One integer comparison unless the codes tie; which key goes
            // on is data, not control flow (conditional moves: the winners
            // of interleaved tables are unpredictable).
            let (cw, cs) = (self.codes[winner], self.codes[stored]);
            let up = if cs == cw {
                self.play(stored, winner, &key).0
            } else if cs < cw {
                stored
            } else {
                winner
            };
            let down = stored ^ winner ^ up;
            self.nodes[p] = down;
            min = min.min(self.codes[down]);
            winner = up;
            p /= 2;
        }
        self.nodes[0] = winner;
        // The losers on the path just played are the winner's path only if
        // it is still the winner; otherwise no fast path until its next replay.
        self.path_min = if winner == i { min } else { 0 };
    }

    /// A match between `a` and `b` coded against the same base: returns
    /// (winner, loser) and recodes the loser against the winner.
    fn play<'k>(&mut self, a: usize, b: usize, key: &impl Fn(usize) -> Option<&'k [u8]>) -> (usize, usize) {
        let (ca, cb) = (self.codes[a], self.codes[b]);
        if ca != cb {
            return if ca < cb { (a, b) } else { (b, a) };
        }
        let newer = |a: usize, b: usize| if a > b { (a, b) } else { (b, a) };
        if ca == EXHAUSTED || ca & 0xffff == 0 {
            // Both exhausted, or both equal to the base: equal keys.
            return newer(a, b);
        }
        let (Some(ka), Some(kb)) = (key(a), key(b)) else {
            return newer(a, b);
        };
        // Both have the same byte at the offset: compare what follows.
        let off = (u32::MAX as u64 - (ca >> 16)) as usize + 1;
        let from = off.min(ka.len()).min(kb.len());
        let l = from + common_prefix(&ka[from..], &kb[from..]);
        // The keys agree up to `l`: the byte there (or an end) decides.
        let (w, lo) = match ka.get(l).cmp(&kb.get(l)) {
            std::cmp::Ordering::Less => (a, b),
            std::cmp::Ordering::Greater => (b, a),
            std::cmp::Ordering::Equal => newer(a, b),
        };
        let loser_key = if lo == a { ka } else { kb };
        self.codes[lo] = code(l, loser_key);
        (w, lo)
    }
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
        let mut seed = 7u64;
        let mut rnd = move |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let alphabet: [&[u8]; 6] = [b"", b"a", b"ab", b"abc", b"b", b"\xff"];
        for round in 0..300 {
            let k = 1 + rnd(9) as usize;
            let mut owned: Vec<Vec<Vec<u8>>> = Vec::new();
            for _ in 0..k {
                let mut run: Vec<Vec<u8>> = (0..rnd(20))
                    .map(|_| (0..rnd(4)).flat_map(|_| alphabet[rnd(6) as usize].to_vec()).collect())
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
