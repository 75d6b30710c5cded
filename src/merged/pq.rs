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

    pub(crate) fn push(&mut self, item: usize, less: impl Fn(usize, usize) -> bool) {
        self.heap.push(item);
        let mut i = self.heap.len() - 1;
        while i > 0 {
            let parent = (i - 1) / 2;
            if !less(self.heap[i], self.heap[parent]) {
                break;
            }
            self.heap.swap(i, parent);
            i = parent;
        }
    }

    pub(crate) fn pop(&mut self, less: impl Fn(usize, usize) -> bool) -> Option<usize> {
        let n = self.heap.len();
        if n == 0 {
            return None;
        }
        self.heap.swap(0, n - 1);
        let top = self.heap.pop();
        let n = self.heap.len();
        let mut i = 0;
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut m = i;
            if l < n && less(self.heap[l], self.heap[m]) {
                m = l;
            }
            if r < n && less(self.heap[r], self.heap[m]) {
                m = r;
            }
            if m == i {
                break;
            }
            self.heap.swap(i, m);
            i = m;
        }
        top
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
        while let Some(i) = pq.pop(less) {
            out.push((keys[i], i));
        }
        assert_eq!(out, [(0, 6), (1, 4), (1, 3), (3, 7), (3, 1), (5, 0), (7, 5), (9, 2)]);
    }
}
