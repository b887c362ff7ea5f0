//! Shingle hashes → MinHash signatures of `k` 32-bit values.
//!
//! Each shingle is hashed once (by [`crate::shingle`]). Two schemes turn those
//! hashes into a signature whose positions agree between two sets with
//! probability equal to their Jaccard similarity:
//!
//! * [`Sketch::OnePermutation`] (the default): one-permutation hashing with
//!   densification (Li, Owen & Zhang 2012; Shrivastava 2017). The high 32
//!   bits of a shingle hash pick one of `k` bins, the low 32 bits are its
//!   value, and each bin keeps its minimum: one step per shingle instead of
//!   `k`. A bin that no shingle reached borrows the value of the first filled
//!   bin in a fixed sequence, the same for every set, so two sets still agree
//!   on it with probability equal to their similarity. The sequences are
//!   seeded rotations shared by all bins, so that one attempt for every bin
//!   is a rotation of the bitmap of filled bins (see `densify`); a test
//!   checks that the estimates are as accurate as with independent random
//!   probes per bin.
//! * [`Sketch::Permutations`]: the classic `k` independent permutations,
//!   derived from the one hash by multiply-add-shift on 64-bit lanes,
//!   `h_i(x) = (a_i · x + b_i) >> 32` with `x` the hash folded to 32 bits
//!   (strongly universal for 32-bit keys, Dietzfelbinger 1996): `k` steps per
//!   shingle, kept for comparison.
//!
//! ```
//! use dupscan_core::minhash::MinHasher;
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
    /// Densification offsets: attempt `t` of empty bin `i` probes bin
    /// `(i + offsets[t]) % k`.
    offsets: Vec<usize>,
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
            offsets: Vec::new(),
        };
        if sketch == Sketch::OnePermutation && num_perm > 1 {
            let mut rng = SplitMix64::new(hasher.seed ^ 0x726F_7461_7465);
            hasher.offsets = (0..ROTATIONS)
                .map(|_| 1 + (((rng.next() >> 32) * (num_perm as u64 - 1)) >> 32) as usize)
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
        if self.k <= SMALL_K {
            // The bitmap of filled bins fits one `u128`: kept while binning.
            let mut filled = 0u128;
            for &h in hashes {
                let bin = (((h >> 32) * k) >> 32) as usize;
                let value = h as u32;
                if let Some(slot) = sig.get_mut(bin) {
                    *slot = (*slot).min(value);
                    filled |= u128::from(value != EMPTY) << bin;
                }
            }
            self.densify_small(sig, filled);
            return;
        }
        for &h in hashes {
            let bin = (((h >> 32) * k) >> 32) as usize;
            let value = h as u32;
            if let Some(slot) = sig.get_mut(bin) {
                *slot = (*slot).min(value);
            }
        }
        self.densify(sig);
    }

    /// Densification: every empty bin `i` takes the value of the first
    /// originally filled bin in its sequence `(i + o_0) % k, (i + o_1) % k, …,
    /// (i + o_63) % k`, then `i + 1, i + 2, …` (cyclically), where the offsets
    /// `o_t` are drawn from the seed once and shared by all bins.
    ///
    /// Shared offsets make attempt `t` for every bin at once one rotation of
    /// the bitmap of filled bins: the empty bins it resolves are the set bits
    /// of `empty & rotate(filled, o_t)`, a few word operations per attempt
    /// instead of a probe per bin. Each bin still follows a fixed sequence,
    /// the same for every set, which is what makes two sets agree on a
    /// densified bin with probability equal to their similarity; and two
    /// empty bins borrow from the same bin no more often than with
    /// independent random probes (unlike borrowing from the next filled bin,
    /// which copies one value into a whole run of empty bins).
    fn densify(&self, sig: &mut [u32]) {
        let k = sig.len();
        let mut filled: Bitmap = [0; crate::config::MAX_NUM_PERM / 64];
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
        let mut empty: Bitmap = [0; crate::config::MAX_NUM_PERM / 64];
        for (w, e) in empty[..words].iter_mut().enumerate() {
            let valid = if (w + 1) * 64 <= k {
                u64::MAX
            } else {
                (1u64 << (k % 64)) - 1
            };
            *e = !filled[w] & valid;
        }
        // Sources are originally filled bins, which are never written.
        for &offset in &self.offsets {
            let reach = rotate(&filled, k, offset);
            let mut left = 0;
            for w in 0..words {
                let mut hit = empty[w] & reach[w];
                empty[w] &= !hit;
                left |= empty[w];
                while hit != 0 {
                    let i = w * 64 + hit.trailing_zeros() as usize;
                    hit &= hit - 1;
                    let j = i + offset;
                    sig[i] = sig[if j >= k { j - k } else { j }];
                }
            }
            if left == 0 {
                return;
            }
        }
        // Very sparse sets: the first filled bin after `i`.
        let is_filled = |j: usize| filled[j / 64] >> (j % 64) & 1 != 0;
        for i in 0..k {
            if empty[i / 64] >> (i % 64) & 1 != 0 {
                let j = (i + 1..k).chain(0..i).find(|&j| is_filled(j)).unwrap_or(i);
                sig[i] = sig[j];
            }
        }
    }
}

impl MinHasher {
    /// [`Self::densify`] for `k <= 128` bins, whose bitmaps are single
    /// `u128` words (the same result, bit for bit; a test checks both
    /// against the definition). `filled` has bit `i` set when bin `i` holds
    /// a value.
    fn densify_small(&self, sig: &mut [u32], filled: u128) {
        let k = sig.len();
        let count = filled.count_ones() as usize;
        if count == 0 || count == k {
            return;
        }
        let valid = if k == SMALL_K {
            u128::MAX
        } else {
            (1u128 << k) - 1
        };
        let mut empty = !filled & valid;
        // Offsets are in 1..k, so both shifts are in range.
        for &offset in &self.offsets {
            let reach = ((filled >> offset) | (filled << (k - offset))) & valid;
            let mut hit = empty & reach;
            empty &= !hit;
            while hit != 0 {
                let i = hit.trailing_zeros() as usize;
                hit &= hit - 1;
                let j = i + offset;
                sig[i] = sig[if j >= k { j - k } else { j }];
            }
            if empty == 0 {
                return;
            }
        }
        let is_filled = |j: usize| filled >> j & 1 != 0;
        while empty != 0 {
            let i = empty.trailing_zeros() as usize;
            empty &= empty - 1;
            let j = (i + 1..k).chain(0..i).find(|&j| is_filled(j)).unwrap_or(i);
            sig[i] = sig[j];
        }
    }
}

/// Up to this many bins, densification works on `u128` bitmaps.
const SMALL_K: usize = 128;

/// Densification attempts by rotation before bins fall back to a scan.
const ROTATIONS: usize = 64;

/// A bitmap of up to [`crate::config::MAX_NUM_PERM`] bins.
type Bitmap = [u64; crate::config::MAX_NUM_PERM / 64];

/// `bits` (of `k` bins) rotated so that bit `i` of the result is bit
/// `(i + by) % k` of `bits`.
fn rotate(bits: &Bitmap, k: usize, by: usize) -> Bitmap {
    let mut out = [0u64; crate::config::MAX_NUM_PERM / 64];
    // Bits by..k move down by `by`; bits 0..by move up by `k - by`.
    shift_or(bits, by, k, &mut out, |i| i - by);
    shift_or(bits, 0, by, &mut out, |i| i + k - by);
    out
}

/// ORs bits `from..to` of `bits` into `out` at positions `to_pos(i)` (a
/// constant shift), word by word.
fn shift_or(
    bits: &Bitmap,
    from: usize,
    to: usize,
    out: &mut Bitmap,
    to_pos: impl Fn(usize) -> usize,
) {
    let mut i = from;
    while i < to {
        let take = (64 - i % 64).min(to - i).min(64 - to_pos(i) % 64);
        let chunk = (bits[i / 64] >> (i % 64)) & (u64::MAX >> (64 - take));
        let p = to_pos(i);
        out[p / 64] |= chunk << (p % 64);
        i += take;
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
                let rotations = m.offsets.iter().map(|&o| (i + o) % k);
                let scan = (1..k).map(|d| (i + d) % k);
                let j = rotations.chain(scan).find(|&j| raw[j] != EMPTY);
                raw[j.expect("some bin is filled")]
            })
            .collect()
    }

    #[test]
    fn densification_follows_its_definition() {
        let mut rng = SplitMix64::new(99);
        for k in [1, 2, 7, 63, 64, 65, 100, 128, 200, 1024] {
            let m = MinHasher::new(k, 5);
            for n in [0, 1, 2, 5, 40, 90, 300, 2000] {
                let hashes: Vec<u64> = (0..n).map(|_| rng.next()).collect();
                let mut sig = vec![0; k];
                m.sign(&hashes, &mut sig);
                assert_eq!(sig, densified_by_definition(&m, &hashes), "k={k} n={n}");
            }
        }
    }

    #[test]
    fn a_value_equal_to_the_empty_marker_leaves_its_bin_empty() {
        // A shingle whose low half is u32::MAX fills nothing, in either path.
        for k in [100, 128, 200] {
            let m = MinHasher::new(k, 5);
            let hashes = [u64::from(u32::MAX), 7 << 32 | 5, 3_000_000_000 << 32 | 9];
            let mut sig = vec![0; k];
            m.sign(&hashes, &mut sig);
            assert_eq!(sig, densified_by_definition(&m, &hashes), "k={k}");
        }
    }

    #[test]
    fn rotation_moves_every_bit() {
        for k in [1, 5, 64, 100, 128, 1000] {
            let mut bits: Bitmap = [0; crate::config::MAX_NUM_PERM / 64];
            for i in (0..k).filter(|i| i % 3 == 0 || i % 7 == 1) {
                bits[i / 64] |= 1 << (i % 64);
            }
            let get = |b: &Bitmap, i: usize| b[i / 64] >> (i % 64) & 1;
            for by in [0, 1, k / 2, k.saturating_sub(1)] {
                let r = rotate(&bits, k, by);
                for i in 0..k {
                    assert_eq!(get(&r, i), get(&bits, (i + by) % k), "k={k} by={by} i={i}");
                }
                assert!((k..crate::config::MAX_NUM_PERM).all(|i| get(&r, i) == 0));
            }
        }
    }

    /// Mean squared error of the signature's estimate of a known Jaccard
    /// similarity over many seeds: `sign` with this scheme, or with each
    /// empty bin borrowing from independent random probes.
    fn mse(k: usize, n: usize, shared: usize, independent: bool) -> f64 {
        let truth = shared as f64 / (2 * n - shared) as f64;
        let trials = 400;
        let mut total = 0.0;
        for seed in 0..trials {
            let mut rng = SplitMix64::new(seed * 7919 + 1);
            let common: Vec<u64> = (0..shared).map(|_| rng.next()).collect();
            let mut a = common.clone();
            let mut b = common;
            a.extend((shared..n).map(|_| rng.next()));
            b.extend((shared..n).map(|_| rng.next()));
            let m = MinHasher::new(k, seed);
            let (mut sa, mut sb) = (vec![0; k], vec![0; k]);
            if independent {
                let sign = |set: &[u64], sig: &mut [u32]| {
                    sig.fill(EMPTY);
                    for &h in set {
                        let bin = (((h >> 32) * k as u64) >> 32) as usize;
                        sig[bin] = sig[bin].min(h as u32);
                    }
                    let raw = sig.to_vec();
                    for i in 0..k {
                        if raw[i] == EMPTY {
                            let j = (0u64..)
                                .map(|t| {
                                    let r = SplitMix64::new(seed ^ ((i as u64) << 32) ^ t).next();
                                    (((r >> 32) * k as u64) >> 32) as usize
                                })
                                .find(|&j| raw[j] != EMPTY)
                                .expect("filled");
                            sig[i] = raw[j];
                        }
                    }
                };
                sign(&a, &mut sa);
                sign(&b, &mut sb);
            } else {
                m.sign(&a, &mut sa);
                m.sign(&b, &mut sb);
            }
            total += (estimate(&sa, &sb) - truth).powi(2);
        }
        total / trials as f64
    }

    #[test]
    fn rotation_densification_is_as_accurate_as_independent_probes() {
        // Sparse (a fifth of the bins filled), half and mostly filled.
        for (n, shared) in [(25, 18), (60, 40), (200, 150)] {
            let ours = mse(128, n, shared, false);
            let independent = mse(128, n, shared, true);
            assert!(
                ours < independent * 1.25,
                "n={n}: mse {ours:.5} vs {independent:.5} with independent probes"
            );
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
