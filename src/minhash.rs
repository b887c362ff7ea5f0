//! Shingle hashes → MinHash signatures.
//!
//! Each shingle is hashed once (by [`crate::shingle`]); the `k` permutations
//! are then derived from that one hash by multiply-add-shift on 64-bit
//! lanes: `h_i(x) = (a_i · x + b_i) >> 32` where `x` is the shingle hash folded
//! to 32 bits and `a_i`, `b_i` are 64-bit constants drawn from the seed. For
//! 32-bit keys this family is strongly universal (Dietzfelbinger 1996), and
//! the inner loop over `i` is branch-free so the compiler vectorises it.
//!
//! The probability that two sets agree on one signature position equals
//! their Jaccard similarity, so the fraction of agreeing positions estimates it.
//!
//! ```
//! use dupscan::minhash::MinHasher;
//! let m = MinHasher::new(64, 1);
//! let mut a = vec![0; 64];
//! let mut b = vec![0; 64];
//! m.sign(&[1, 2, 3, 4], &mut a);
//! m.sign(&[4, 3, 2, 1], &mut b);
//! assert_eq!(a, b); // order does not matter
//! ```

/// SplitMix64: expands a seed into a stream of well-mixed 64-bit constants.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next value.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// `k` hash permutations drawn from a seed.
#[derive(Debug, Clone)]
pub struct MinHasher {
    a: Vec<u64>,
    b: Vec<u64>,
}

impl MinHasher {
    /// `num_perm` permutations drawn deterministically from `seed`.
    pub fn new(num_perm: usize, seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed ^ 0x6D69_6E68_6173_6821);
        let a = (0..num_perm).map(|_| rng.next() | 1).collect();
        let b = (0..num_perm).map(|_| rng.next()).collect();
        Self { a, b }
    }

    /// Number of permutations.
    pub fn len(&self) -> usize {
        self.a.len()
    }

    /// Whether there are no permutations.
    pub fn is_empty(&self) -> bool {
        self.a.is_empty()
    }

    /// Writes the signature of the shingle `hashes` into `sig`
    /// (`sig.len() == self.len()`). An empty set gives all `u32::MAX`.
    pub fn sign(&self, hashes: &[u64], sig: &mut [u32]) {
        assert_eq!(
            sig.len(),
            self.a.len(),
            "signature length must equal num_perm"
        );
        sig.fill(u32::MAX);
        for &h in hashes {
            let x = (h ^ (h >> 32)) & 0xFFFF_FFFF;
            for ((s, &a), &b) in sig.iter_mut().zip(&self.a).zip(&self.b) {
                let v = (a.wrapping_mul(x).wrapping_add(b) >> 32) as u32;
                *s = (*s).min(v);
            }
        }
    }
}

/// Fraction of positions on which two signatures agree: an estimate of the
/// Jaccard similarity of the underlying sets.
pub fn estimate(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() {
        return 0.0;
    }
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shingle::jaccard;

    fn set(range: std::ops::Range<u64>) -> Vec<u64> {
        let mut rng = SplitMix64::new(7);
        let keys: Vec<u64> = (0..1000).map(|_| rng.next()).collect();
        range.map(|i| keys[i as usize]).collect()
    }

    #[test]
    fn same_seed_same_signature_and_seed_matters() {
        let mut s1 = vec![0; 32];
        let mut s2 = vec![0; 32];
        let mut s3 = vec![0; 32];
        MinHasher::new(32, 1).sign(&[5, 6, 7], &mut s1);
        MinHasher::new(32, 1).sign(&[5, 6, 7], &mut s2);
        MinHasher::new(32, 2).sign(&[5, 6, 7], &mut s3);
        assert_eq!(s1, s2);
        assert_ne!(s1, s3);
    }

    #[test]
    fn estimate_tracks_jaccard() {
        let m = MinHasher::new(512, 42);
        let a = set(0..300);
        let b = set(100..400); // Jaccard 200/400 = 0.5
        let mut sa = vec![0; 512];
        let mut sb = vec![0; 512];
        m.sign(&a, &mut sa);
        m.sign(&b, &mut sb);
        let mut a_sorted = a.clone();
        a_sorted.sort_unstable();
        let mut b_sorted = b.clone();
        b_sorted.sort_unstable();
        let exact = jaccard(&a_sorted, &b_sorted);
        assert!((exact - 0.5).abs() < 1e-9);
        let est = estimate(&sa, &sb);
        assert!(
            (est - exact).abs() < 0.08,
            "estimate {est} vs exact {exact}"
        );
    }

    #[test]
    fn empty_set_signature_is_max() {
        let mut s = vec![0; 8];
        MinHasher::new(8, 1).sign(&[], &mut s);
        assert!(s.iter().all(|&v| v == u32::MAX));
    }
}
