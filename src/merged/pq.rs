//! A binary min-heap of sub-iterator indices, ordered by a caller-supplied
//! comparison (git's `pq.c`): the merged iterator keeps one entry per table
//! whose iterator is positioned on a record.

/// Heap of indices; `less(a, b)` decides which comes out first.
#[derive(Debug, Default)]
pub(crate) struct Pq {
    heap: Vec<usize>,
}

impl Pq {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Pq {
            heap: Vec::with_capacity(n),
        }
    }

    pub(crate) fn peek(&self) -> Option<usize> {
        self.heap.first().copied()
    }

    /// Restores the heap after the item at `pos` grew (its key increased).
    pub(crate) fn sift_down(&mut self, mut pos: usize, less: impl Fn(usize, usize) -> bool) {
        let n = self.heap.len();
        loop {
            let (l, r) = (2 * pos + 1, 2 * pos + 2);
            let mut m = pos;
            if l < n && less(self.heap[l], self.heap[m]) {
                m = l;
            }
            if r < n && less(self.heap[r], self.heap[m]) {
                m = r;
            }
            if m == pos {
                return;
            }
            self.heap.swap(pos, m);
            pos = m;
        }
    }

    /// The position (1 or 2) of the root's smaller child, if any.
    pub(crate) fn smaller_child(&self, less: impl Fn(usize, usize) -> bool) -> Option<usize> {
        match (self.heap.get(1), self.heap.get(2)) {
            (Some(&a), Some(&b)) => Some(if less(b, a) { 2 } else { 1 }),
            (Some(_), None) => Some(1),
            _ => None,
        }
    }

    /// The item at heap position `pos`.
    pub(crate) fn at(&self, pos: usize) -> usize {
        self.heap[pos]
    }

    /// Removes the item at heap position `pos` (only used for the root and its children).
    pub(crate) fn remove_at(&mut self, pos: usize, less: impl Fn(usize, usize) -> bool) {
        let last = self.heap.len() - 1;
        self.heap.swap(pos, last);
        self.heap.pop();
        if pos < self.heap.len() {
            self.sift_down(pos, &less);
            // The moved item may also be smaller than its new parent.
            self.sift_up(pos, less);
        }
    }

    pub(crate) fn push(&mut self, item: usize, less: impl Fn(usize, usize) -> bool) {
        self.heap.push(item);
        self.sift_up(self.heap.len() - 1, less);
    }

    /// Restores the heap after the item at `pos` shrank (or was placed there).
    fn sift_up(&mut self, mut pos: usize, less: impl Fn(usize, usize) -> bool) {
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if !less(self.heap[pos], self.heap[parent]) {
                break;
            }
            self.heap.swap(pos, parent);
            pos = parent;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Pq;

    #[test]
    fn pops_in_order() {
        let keys = [5, 3, 9, 1, 1, 7, 0, 3];
        let less = |a: usize, b: usize| (keys[a], std::cmp::Reverse(a)) < (keys[b], std::cmp::Reverse(b));
        let mut pq = Pq::with_capacity(8);
        for i in 0..keys.len() {
            pq.push(i, less);
        }
        let mut out = Vec::new();
        while let Some(i) = pq.peek() {
            out.push((keys[i], i));
            pq.remove_at(0, less);
        }
        assert_eq!(out, [(0, 6), (1, 4), (1, 3), (3, 7), (3, 1), (5, 0), (7, 5), (9, 2)]);
    }
}
