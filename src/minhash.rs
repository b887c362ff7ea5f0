//! Shingle hashes → MinHash signatures of `k` 32-bit values.
//!
//! Each shingle is hashed once (by [`crate::shingle`]). Two schemes turn those
//! hashes into a signature whose positions agree between two sets with
//! probability equal to their Jaccard similarity:
//!
//! * [`Sketch::OnePermutation`] (the default): one-permutation hashing with
//!   optimal densification (Li, Owen & Zhang 2012; Shrivastava 2017). The
//!   high 32 bits of a shingle hash pick one of `k` bins, the low 32 bits are
//!   its value, and each bin keeps its minimum: one step per shingle instead
//!   of `k`. A bin that no shingle reached borrows the value of a bin chosen
//!   by a seeded hash of (bin, attempt), the same sequence for every set, so
//!   two sets still agree on it with probability equal to their similarity.
//! * [`Sketch::Permutations`]: the classic `k` independent permutations,
//!   derived from the one hash by multiply-add-shift on 64-bit lanes,
//!   `h_i(x) = (a_i · x + b_i) >> 32` with `x` the hash folded to 32 bits
//!   (strongly universal for 32-bit keys, Dietzfelbinger 1996): `k` steps per
//!   shingle, kept for comparison.
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

use serde::{Deserialize, Serialize};

/// How signatures are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sketch {
    /// One-permutation hashing with optimal densification: O(1) per shingle.
    OnePermutation,
    /// `k` independent permutations: O(k) per shingle.
    Permutations,
}

/// The value of a bin no shingle reached, before densification.
const EMPTY: u32 = u32::MAX;

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

/// Signs shingle-hash sets with `k` values, by one of the [`Sketch`] schemes.
#[derive(Debug, Clone)]
pub struct MinHasher {
    sketch: Sketch,
    k: usize,
    seed: u64,
    a: Vec<u64>,
    b: Vec<u64>,
    /// The first [`PROBES`] densification probes of every bin.
    probes: Vec<u16>,
}

impl MinHasher {
    /// `num_perm` values by one-permutation hashing, drawn from `seed`.
    pub fn new(num_perm: usize, seed: u64) -> Self {
        Self::with_sketch(Sketch::OnePermutation, num_perm, seed)
    }

    /// `num_perm` values by the given scheme, drawn deterministically from `seed`.
    pub fn with_sketch(sketch: Sketch, num_perm: usize, seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed ^ 0x6D69_6E68_6173_6821);
        let (a, b) = match sketch {
            Sketch::OnePermutation => (Vec::new(), Vec::new()),
            Sketch::Permutations => {
                let a = (0..num_perm).map(|_| rng.next() | 1).collect();
                let b = (0..num_perm).map(|_| rng.next()).collect();
                (a, b)
            }
        };
        let mut hasher = Self {
            sketch,
            k: num_perm,
            seed: rng.next(),
            a,
            b,
            probes: Vec::new(),
        };
        if sketch == Sketch::OnePermutation {
            hasher.probes = (0..num_perm)
                .flat_map(|i| (0..PROBES as u64).map(move |t| (i, t)))
                .map(|(i, t)| hasher.probe(i, t) as u16)
                .collect();
        }
        hasher
    }

    /// Number of signature values.
    pub fn len(&self) -> usize {
        self.k
    }

    /// Whether signatures are empty.
    pub fn is_empty(&self) -> bool {
        self.k == 0
    }

    /// Writes the signature of the shingle `hashes` into `sig`
    /// (`sig.len() == self.len()`). An empty set gives all `u32::MAX`.
    pub fn sign(&self, hashes: &[u64], sig: &mut [u32]) {
        assert_eq!(sig.len(), self.k, "signature length must equal num_perm");
        match self.sketch {
            Sketch::OnePermutation => self.sign_oph(hashes, sig),
            Sketch::Permutations => self.sign_permutations(hashes, sig),
        }
    }

    /// Bin probed by densification attempt `attempt` for empty bin `i`.
    fn probe(&self, i: usize, attempt: u64) -> usize {
        let mut mix = SplitMix64::new(self.seed ^ ((i as u64) << 32) ^ attempt);
        (((mix.next() >> 32) * self.k as u64) >> 32) as usize
    }

    fn sign_permutations(&self, hashes: &[u64], sig: &mut [u32]) {
        sig.fill(u32::MAX);
        for &h in hashes {
            let x = (h ^ (h >> 32)) & 0xFFFF_FFFF;
            for ((s, &a), &b) in sig.iter_mut().zip(&self.a).zip(&self.b) {
                let v = (a.wrapping_mul(x).wrapping_add(b) >> 32) as u32;
                *s = (*s).min(v);
            }
        }
    }

    fn sign_oph(&self, hashes: &[u64], sig: &mut [u32]) {
        sig.fill(EMPTY);
        let k = self.k as u64;
        for &h in hashes {
            let bin = (((h >> 32) * k) >> 32) as usize;
            let value = h as u32;
            if let Some(slot) = sig.get_mut(bin) {
                *slot = (*slot).min(value);
            }
        }
        self.densify(sig);
    }

    /// Optimal densification: every empty bin `i` takes the value of the first
    /// originally filled bin in the seeded sequence `j(i, 0), j(i, 1), …`.
    ///
    /// The filled bins are marked in a bitmap, and only the empty ones are
    /// visited (by the bitmap's zero bits); each tries its precomputed
    /// probes first, about two of them on average when half the bins are
    /// filled.
    fn densify(&self, sig: &mut [u32]) {
        let k = sig.len();
        let mut filled = [0u64; crate::config::MAX_NUM_PERM / 64];
        for (word, chunk) in filled.iter_mut().zip(sig.chunks(64)) {
            *word = chunk
                .iter()
                .enumerate()
                .fold(0u64, |bits, (b, &v)| bits | (u64::from(v != EMPTY) << b));
        }
        let words = k.div_ceil(64);
        let filled_count: u32 = filled[..words].iter().map(|w| w.count_ones()).sum();
        if filled_count == 0 || filled_count as usize == k {
            return;
        }
        let is_filled = |j: usize| filled[j / 64] >> (j % 64) & 1 != 0;
        for (w, &bits) in filled[..words].iter().enumerate() {
            let valid = if (w + 1) * 64 <= k {
                u64::MAX
            } else {
                (1u64 << (k % 64)) - 1
            };
            let mut empty = !bits & valid;
            while empty != 0 {
                let i = w * 64 + empty.trailing_zeros() as usize;
                empty &= empty - 1;
                let precomputed = &self.probes[i * PROBES..(i + 1) * PROBES];
                // All precomputed probes at once, without a branch per probe.
                let hits = precomputed.iter().enumerate().fold(0u32, |m, (t, &j)| {
                    m | (u32::from(is_filled(usize::from(j))) << t)
                });
                let source = if hits != 0 {
                    usize::from(precomputed[hits.trailing_zeros() as usize])
                } else {
                    self.probe_on(i, &is_filled)
                };
                sig[i] = sig[source];
            }
        }
    }

    /// The first filled bin of empty bin `i`'s sequence beyond the
    /// precomputed probes.
    fn probe_on(&self, i: usize, is_filled: &dyn Fn(usize) -> bool) -> usize {
        let k = self.k;
        let mut attempt = PROBES as u64;
        loop {
            let j = self.probe(i, attempt);
            if is_filled(j) {
                return j;
            }
            attempt += 1;
            if attempt == DENSIFY_ATTEMPTS {
                // Astronomically rare with any filled bin; stay deterministic.
                return (i..k).chain(0..i).find(|&j| is_filled(j)).unwrap_or(i);
            }
        }
    }
}

/// Densification probes precomputed per bin; later ones are computed on demand.
const PROBES: usize = 8;

/// Attempts before densification falls back to a linear scan.
const DENSIFY_ATTEMPTS: u64 = 1 << 16;

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
        let keys = set(0..3);
        MinHasher::new(32, 1).sign(&keys, &mut s1);
        MinHasher::new(32, 1).sign(&keys, &mut s2);
        MinHasher::new(32, 2).sign(&keys, &mut s3);
        assert_eq!(s1, s2);
        assert_ne!(s1, s3);
    }

    #[test]
    fn estimate_tracks_jaccard() {
        let m = MinHasher::with_sketch(Sketch::Permutations, 512, 42);
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
    fn both_sketches_estimate_jaccard_on_small_sets() {
        // Sets of 40 elements sharing 30: Jaccard 30/50 = 0.6. Averaged over
        // seeds, both schemes are unbiased; densification fills the many empty
        // bins of 128 with 40 elements.
        // With one-permutation hashing the shingle hash is the permutation, so
        // each trial re-hashes the elements with its seed, as the shingler does.
        let rehash = |v: &[u64], seed: u64| -> Vec<u64> {
            v.iter()
                .map(|&x| SplitMix64::new(x ^ seed.wrapping_mul(0x9E37_79B9)).next())
                .collect()
        };
        for sketch in [Sketch::OnePermutation, Sketch::Permutations] {
            let mut total = 0.0;
            for seed in 0..50 {
                let a = rehash(&set(0..40), seed);
                let b = rehash(&set(10..50), seed);
                let m = MinHasher::with_sketch(sketch, 128, seed);
                let mut sa = vec![0; 128];
                let mut sb = vec![0; 128];
                m.sign(&a, &mut sa);
                m.sign(&b, &mut sb);
                assert!(
                    sa.iter().all(|&v| v != EMPTY),
                    "{sketch:?} left an empty bin"
                );
                total += estimate(&sa, &sb);
            }
            let mean = total / 50.0;
            assert!(
                (mean - 0.6).abs() < 0.03,
                "{sketch:?}: mean estimate {mean}"
            );
        }
    }

    /// Densification by its definition: each empty bin walks its probe
    /// sequence until it meets a bin that the shingles filled.
    fn densified_by_definition(m: &MinHasher, hashes: &[u64]) -> Vec<u32> {
        let k = m.len();
        let mut raw = vec![EMPTY; k];
        for &h in hashes {
            let bin = (((h >> 32) * k as u64) >> 32) as usize;
            raw[bin] = raw[bin].min(h as u32);
        }
        if raw.iter().all(|&v| v == EMPTY) {
            return raw;
        }
        (0..k)
            .map(|i| {
                if raw[i] != EMPTY {
                    return raw[i];
                }
                let j = (0..).map(|t| m.probe(i, t)).find(|&j| raw[j] != EMPTY);
                raw[j.expect("some bin is filled")]
            })
            .collect()
    }

    #[test]
    fn densification_follows_its_definition() {
        let mut rng = SplitMix64::new(99);
        for k in [1, 7, 64, 100, 128, 200] {
            let m = MinHasher::new(k, 5);
            for n in [0, 1, 2, 5, 40, 90, 300] {
                let hashes: Vec<u64> = (0..n).map(|_| rng.next()).collect();
                let mut sig = vec![0; k];
                m.sign(&hashes, &mut sig);
                assert_eq!(sig, densified_by_definition(&m, &hashes), "k={k} n={n}");
            }
        }
    }

    #[test]
    fn densification_is_consistent_for_identical_sets() {
        let m = MinHasher::new(256, 3);
        let mut x = vec![0; 256];
        let mut y = vec![0; 256];
        m.sign(&[11, 22], &mut x);
        m.sign(&[22, 11, 22], &mut y);
        assert_eq!(x, y);
    }

    #[test]
    fn empty_set_signature_is_max() {
        let mut s = vec![0; 8];
        MinHasher::new(8, 1).sign(&[], &mut s);
        assert!(s.iter().all(|&v| v == u32::MAX));
    }
}
