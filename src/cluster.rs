//! Verified matches → groups, by union-find.
//!
//! Every union links the larger root under the smaller, so each set's root is
//! its smallest member: the group's representative is its earliest unit in
//! input order, whatever the order in which edges arrive.
//!
//! ```
//! use dupscan::cluster::UnionFind;
//! let mut uf = UnionFind::new(4);
//! uf.union(3, 1);
//! uf.union(2, 3);
//! assert_eq!(uf.find(2), 1);
//! assert_eq!(uf.groups(), vec![vec![1, 2, 3]]);
//! ```

/// Disjoint sets over `0..n` whose roots are their smallest members.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    /// `n` singleton sets.
    pub fn new(n: usize) -> Self {
        Self {
            parent: (0..n as u32).collect(),
        }
    }

    /// The root (smallest member) of `x`'s set, halving paths on the way.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// Merges the sets of `a` and `b`; the smaller root becomes the root.
    pub fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi as usize] = lo;
        }
    }

    /// Every set of two or more members, members ascending, sets ordered by
    /// their smallest member.
    pub fn groups(&mut self) -> Vec<Vec<u32>> {
        let n = self.parent.len();
        let mut slot: Vec<u32> = vec![u32::MAX; n];
        let mut sizes: Vec<u32> = vec![0; n];
        for x in 0..n as u32 {
            let r = self.find(x);
            sizes[r as usize] += 1;
        }
        let mut groups: Vec<Vec<u32>> = Vec::new();
        for x in 0..n as u32 {
            let r = self.find(x) as usize;
            if sizes[r] < 2 {
                continue;
            }
            if slot[r] == u32::MAX {
                slot[r] = groups.len() as u32;
                groups.push(Vec::with_capacity(sizes[r] as usize));
            }
            groups[slot[r] as usize].push(x);
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_smallest_whatever_the_edge_order() {
        let edges = [(5, 9), (9, 2), (7, 8), (2, 7)];
        let mut forward = UnionFind::new(10);
        let mut backward = UnionFind::new(10);
        for &(a, b) in &edges {
            forward.union(a, b);
        }
        for &(a, b) in edges.iter().rev() {
            backward.union(b, a);
        }
        assert_eq!(forward.groups(), vec![vec![2, 5, 7, 8, 9]]);
        assert_eq!(forward.groups(), backward.groups());
        assert_eq!(forward.find(8), 2);
    }

    #[test]
    fn singletons_are_not_groups() {
        let mut uf = UnionFind::new(5);
        uf.union(3, 4);
        uf.union(0, 1);
        assert_eq!(uf.groups(), vec![vec![0, 1], vec![3, 4]]);
    }
}
