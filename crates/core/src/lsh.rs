//! Locality-sensitive hashing by banding: signatures → candidate pairs.
//!
//! A signature of `k = bands × rows` values is cut into `bands` bands of
//! `rows` values; each band is hashed to one `u64` key. Two units become a
//! candidate pair when they share the key of at least one band, which happens
//! with probability `1 − (1 − s^rows)^bands` for Jaccard similarity `s`: the
//! S-curve. [`Bands::optimal`] picks the split that minimises the weighted
//! area of false positives (left of the threshold) and false negatives (right
//! of it) under that curve.
//!
//! Buckets are found by a counting sort of unit ids on the top bits of their
//! keys (a slot per four units; see [`band_edges`]) rather than with hash
//! maps of vectors. A bucket of up to [`CLIQUE_MAX`] units yields all its
//! pairs; a bigger one a star of edges from its smallest id, so a bucket of
//! `m` units costs `m − 1` edges instead of `m(m − 1)/2`.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// A band split of the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bands {
    /// Number of bands.
    pub bands: usize,
    /// Signature values per band.
    pub rows: usize,
}

/// Weight of false positives when choosing bands. Exact verification removes
/// false positives at the cost of time only, while a false negative is a lost
/// duplicate, so misses weigh 49 times more (the measurements behind the
/// choice are in README, "How the defaults were chosen").
pub const FALSE_POSITIVE_WEIGHT: f64 = 0.02;
/// Weight of false negatives when choosing bands.
pub const FALSE_NEGATIVE_WEIGHT: f64 = 0.98;

impl Bands {
    /// The split `bands × rows <= num_perm` that minimises
    /// `FALSE_POSITIVE_WEIGHT · FP + FALSE_NEGATIVE_WEIGHT · FN`, where FP is
    /// the area under the S-curve below `threshold` and FN the area above the
    /// curve beyond it. Only the first `bands × rows` signature values are
    /// banded. Ties go to fewer bands (fewer candidates).
    pub fn optimal(threshold: f64, num_perm: usize) -> Self {
        // The search integrates thousands of S-curves (milliseconds), and a
        // binding validates parameters on every call: each answer is kept
        // for the life of the process.
        static KNOWN: std::sync::Mutex<Vec<((u64, usize), Bands)>> =
            std::sync::Mutex::new(Vec::new());
        let key = (threshold.to_bits(), num_perm);
        let known = KNOWN.lock().ok().and_then(|known| {
            known
                .iter()
                .find(|(k, _)| *k == key)
                .map(|&(_, bands)| bands)
        });
        if let Some(bands) = known {
            return bands;
        }
        let best = Self::search(threshold, num_perm);
        if let Ok(mut known) = KNOWN.lock() {
            known.push((key, best));
        }
        best
    }

    /// [`Self::optimal`], computed.
    fn search(threshold: f64, num_perm: usize) -> Self {
        let mut best = Bands {
            bands: 1,
            rows: num_perm.max(1),
        };
        let mut best_cost = f64::INFINITY;
        for bands in 1..=num_perm {
            for rows in 1..=num_perm / bands {
                let fp = integrate(|s| collision_probability(s, bands, rows), 0.0, threshold);
                let fn_ = integrate(
                    |s| 1.0 - collision_probability(s, bands, rows),
                    threshold,
                    1.0,
                );
                let cost = FALSE_POSITIVE_WEIGHT * fp + FALSE_NEGATIVE_WEIGHT * fn_;
                if cost < best_cost - 1e-12 {
                    best_cost = cost;
                    best = Bands { bands, rows };
                }
            }
        }
        best
    }

    /// The similarity at which the S-curve is steepest, about `(1/b)^(1/r)`.
    pub fn knee(&self) -> f64 {
        (1.0 / self.bands as f64).powf(1.0 / self.rows as f64)
    }
}

/// Probability that two units of Jaccard similarity `s` share a band.
pub fn collision_probability(s: f64, bands: usize, rows: usize) -> f64 {
    1.0 - (1.0 - s.powi(rows as i32)).powi(bands as i32)
}

/// Simpson's rule over `[a, b]`.
fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    const STEPS: usize = 200;
    let h = (b - a) / STEPS as f64;
    let mut sum = f(a) + f(b);
    for i in 1..STEPS {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        sum += w * f(a + i as f64 * h);
    }
    sum * h / 3.0
}

/// Writes one key per band of `sig` into `keys` (`keys.len() == bands`),
/// banding the first `bands × rows` values of `sig`. Band `j`'s key hashes its
/// rows with seed `j`, so equal rows in different bands do not collide.
pub fn band_keys(sig: &[u32], bands: Bands, keys: &mut [u64]) {
    debug_assert!(sig.len() >= bands.bands * bands.rows);
    let mut buf = [0u8; 4 * 64];
    for (j, (rows, key)) in sig
        .chunks_exact(bands.rows)
        .zip(keys.iter_mut())
        .enumerate()
    {
        *key = if rows.len() <= 64 {
            for (dst, v) in buf.chunks_exact_mut(4).zip(rows) {
                dst.copy_from_slice(&v.to_le_bytes());
            }
            xxh3_64_with_seed(&buf[..4 * rows.len()], j as u64)
        } else {
            let bytes: Vec<u8> = rows.iter().flat_map(|v| v.to_le_bytes()).collect();
            xxh3_64_with_seed(&bytes, j as u64)
        };
    }
}

/// An incremental LSH index: signatures are inserted one at a time and
/// queried for the ids they share a band key with. The batch path
/// ([`candidate_pairs`]) is faster for a whole corpus at once; the index
/// serves callers that see units one by one (a corpus generator keeping its
/// pool free of near-duplicates, a service answering "have we seen this?").
///
/// Memory: per inserted unit, one id (4 bytes) per band plus the hash-map
/// entries of its keys. Queries return ids ascending, so results do not
/// depend on hash-map order.
///
/// ```
/// use dupscan_core::lsh::{Bands, Index};
/// let bands = Bands { bands: 4, rows: 2 };
/// let mut index = Index::new(bands);
/// index.insert(7, &[1, 2, 3, 4, 5, 6, 7, 8]);
/// index.insert(9, &[9, 9, 9, 9, 9, 9, 9, 9]);
/// // Shares the first band (values 1, 2) with unit 7 only.
/// assert_eq!(index.query(&[1, 2, 0, 0, 0, 0, 0, 0]), [7]);
/// assert!(index.query(&[0; 8]).is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct Index {
    bands: Bands,
    /// One map per band: key -> ids inserted with that key, in insertion order.
    buckets: Vec<std::collections::HashMap<u64, Vec<u32>>>,
    keys: Vec<u64>,
    len: usize,
}

impl Index {
    /// An empty index over signatures banded as `bands`.
    pub fn new(bands: Bands) -> Self {
        Self {
            bands,
            buckets: vec![std::collections::HashMap::new(); bands.bands],
            keys: vec![0; bands.bands],
            len: 0,
        }
    }

    /// Number of signatures inserted.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was inserted.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `id` with signature `sig` (at least `bands × rows` values).
    pub fn insert(&mut self, id: u32, sig: &[u32]) {
        band_keys(sig, self.bands, &mut self.keys);
        for (bucket, &key) in self.buckets.iter_mut().zip(&self.keys) {
            bucket.entry(key).or_default().push(id);
        }
        self.len += 1;
    }

    /// The ids inserted so far that share at least one band key with `sig`,
    /// ascending, each once.
    pub fn query(&self, sig: &[u32]) -> Vec<u32> {
        let mut keys = vec![0u64; self.bands.bands];
        band_keys(sig, self.bands, &mut keys);
        let mut out: Vec<u32> = self
            .buckets
            .iter()
            .zip(&keys)
            .filter_map(|(bucket, key)| bucket.get(key))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A band key as stored: the 64-bit key, or its high half.
pub trait Key: Copy + Ord + Send + Sync + Default {
    /// The stored key of a 64-bit band key.
    fn from_wide(key: u64) -> Self;
    /// The top `bits` bits, as a slot number.
    fn top(self, bits: u32) -> usize;
}

impl Key for u64 {
    fn from_wide(key: u64) -> Self {
        key
    }
    fn top(self, bits: u32) -> usize {
        (self >> (64 - bits)) as usize
    }
}

impl Key for u32 {
    fn from_wide(key: u64) -> Self {
        (key >> 32) as u32
    }
    fn top(self, bits: u32) -> usize {
        (self >> (32 - bits)) as usize
    }
}

/// Up to this many units, band keys are stored in 32 bits: two distinct
/// band values then share a key by chance in about `n² / 2³³` pairs per
/// band (at most 33k at this size, against millions of real candidates),
/// and each such pair is a candidate that verification drops. Beyond it,
/// 64 bits.
pub const NARROW_KEYS_MAX_UNITS: usize = 1 << 24;

/// The band keys of `n` units, band-major, 4 or 8 bytes each (see
/// [`NARROW_KEYS_MAX_UNITS`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BandKeys {
    /// 32-bit keys.
    Narrow(Vec<u32>),
    /// 64-bit keys.
    Wide(Vec<u64>),
}

impl BandKeys {
    /// Zeroed keys for `n` units and `bands` bands, in the width `n` calls for.
    pub fn zeroed(n: usize, bands: usize) -> Self {
        if n <= NARROW_KEYS_MAX_UNITS {
            BandKeys::Narrow(vec![0; n * bands])
        } else {
            BandKeys::Wide(vec![0; n * bands])
        }
    }

    /// Candidate pairs of the keys (see [`candidate_pairs`]).
    pub fn candidate_pairs(&self, bands: usize) -> Vec<(u32, u32)> {
        match self {
            BandKeys::Narrow(k) => candidate_pairs(k, bands),
            BandKeys::Wide(k) => candidate_pairs(k, bands),
        }
    }
}

/// Candidate pairs from band keys.
///
/// `keys` holds the keys of units `0..n`, band-major: band `j`'s column is
/// `keys[j * n..(j + 1) * n]`, with `n = keys.len() / bands`. Returns
/// sorted, deduplicated pairs `(a, b)` with `a < b`: within each band's
/// bucket, every member is paired with the bucket's smallest index. Bands
/// are processed in parallel.
pub fn candidate_pairs<K: Key>(keys: &[K], bands: usize) -> Vec<(u32, u32)> {
    if bands == 0 || keys.is_empty() {
        return Vec::new();
    }
    let n = keys.len() / bands;
    let mut edges: Vec<(u32, u32)> = keys.par_chunks_exact(n).flat_map_iter(band_edges).collect();
    edges.par_sort_unstable();
    edges.dedup();
    edges
}

/// Buckets of at most this many units yield every pair; larger ones a star.
pub const CLIQUE_MAX: usize = 8;

/// The candidate pairs of one bucket (ids ascending): every pair when it is
/// small, else a star from its smallest id. A star alone would lose B~C when
/// neither is close enough to the centre A; small buckets, by far the most
/// common, can afford all pairs, and a big bucket of near-identical units is
/// joined by the star anyway.
pub fn bucket_edges(run: &[u32], out: &mut Vec<(u32, u32)>) {
    if run.len() <= CLIQUE_MAX {
        for (k, &a) in run.iter().enumerate() {
            out.extend(run[k + 1..].iter().map(|&b| (a, b)));
        }
    } else {
        out.extend(run[1..].iter().map(|&i| (run[0], i)));
    }
}

/// Most bits of a key used to spread one band's units over slots.
const MAX_SLOT_BITS: u32 = 22;

/// The candidate pairs of one band: units with equal keys (`column[i]` is
/// unit `i`'s key), all pairs of a small bucket, a star from the smallest id
/// of a big one (see [`CLIQUE_MAX`]).
///
/// Keys are uniform hashes, so a counting sort on their top bits, with about
/// four units per slot, puts equal keys side by side in linear time; each
/// slot holds ids in ascending order and only slots of two or more are
/// sorted (by key, stably, so the smallest id of a run comes first). That is
/// several times cheaper than a comparison sort of `(key, id)` pairs, and
/// needs 5 bytes per unit (an id, and a slot per four units).
pub fn band_edges<K: Key>(column: &[K]) -> Vec<(u32, u32)> {
    let n = column.len();
    if n < 2 {
        return Vec::new();
    }
    let bits = (usize::BITS - (n - 1).leading_zeros())
        .saturating_sub(2)
        .clamp(1, MAX_SLOT_BITS);
    let slot = |key: K| key.top(bits);
    // Counts, then each slot's start; scattering advances every start to the
    // next slot's, so afterwards slot s is `ends[s - 1]..ends[s]`.
    let mut ends = vec![0u32; 1 << bits];
    for &key in column {
        ends[slot(key)] += 1;
    }
    let mut total = 0;
    for e in &mut ends {
        let count = *e;
        *e = total;
        total += count;
    }
    let mut ids = vec![0u32; n];
    for (i, &key) in column.iter().enumerate() {
        let at = &mut ends[slot(key)];
        ids[*at as usize] = i as u32;
        *at += 1;
    }
    let mut out = Vec::new();
    let mut start = 0;
    for &end in &ends {
        let members = &mut ids[start..end as usize];
        start = end as usize;
        if members.len() < 2 {
            continue;
        }
        members.sort_by_key(|&i| column[i as usize]);
        for run in members.chunk_by(|&x, &y| column[x as usize] == column[y as usize]) {
            bucket_edges(run, &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optimal_bands_fit_and_favour_recall_at_the_threshold() {
        for t in [0.5, 0.7, 0.8, 0.9] {
            let b = Bands::optimal(t, 128);
            assert!(b.bands * b.rows <= 128);
            assert!(
                b.knee() < t,
                "t={t}: {b:?} knee {} should sit below the threshold",
                b.knee()
            );
            assert!(
                collision_probability(t + 0.05, b.bands, b.rows) > 0.95,
                "t={t}: {b:?}"
            );
        }
        assert_eq!(Bands::optimal(0.7, 128), Bands { bands: 23, rows: 5 });
    }

    #[test]
    fn s_curve_is_monotone() {
        // Non-decreasing in s on a fine grid, for every split of up to 128
        // values, from 0 at s = 0 to 1 at s = 1.
        for bands in [1, 2, 5, 16, 20, 23, 32, 64, 128] {
            for rows in 1..=(128 / bands) {
                let mut last = collision_probability(0.0, bands, rows);
                assert_eq!(last, 0.0, "{bands} x {rows} at 0");
                for i in 1..=1000 {
                    let p = collision_probability(f64::from(i) / 1000.0, bands, rows);
                    assert!(
                        p >= last && (0.0..=1.0).contains(&p),
                        "{bands} x {rows}: P({}) = {p} < {last}",
                        f64::from(i) / 1000.0
                    );
                    last = p;
                }
                assert!((last - 1.0).abs() < 1e-12, "{bands} x {rows} at 1");
            }
        }
        let lo = collision_probability(0.3, 16, 8);
        let hi = collision_probability(0.9, 16, 8);
        assert!(lo < 0.01 && hi > 0.99);
    }

    #[test]
    fn small_buckets_give_all_pairs_big_ones_stars() {
        // Three units, two bands (band-major). Units 0 and 2 share band 0;
        // 1 and 2 share band 1.
        let keys = vec![10u64, 11, 10, 20, 21, 21];
        assert_eq!(candidate_pairs(&keys, 2), vec![(0, 2), (1, 2)]);
        // A small bucket yields all its pairs, a big one a star.
        let keys = vec![5u64, 5, 5, 5];
        assert_eq!(
            candidate_pairs(&keys, 1),
            vec![(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
        );
        let keys = vec![5u64; CLIQUE_MAX + 1];
        let star: Vec<(u32, u32)> = (1..=CLIQUE_MAX as u32).map(|i| (0, i)).collect();
        assert_eq!(candidate_pairs(&keys, 1), star);
    }

    #[test]
    fn index_finds_what_candidate_pairs_find() {
        // Random signatures, some sharing bands: every candidate pair of the
        // batch path is found by querying the index before inserting.
        let bands = Bands { bands: 8, rows: 2 };
        let mut rng = crate::minhash::SplitMix64::new(5);
        let n = 300usize;
        let sigs: Vec<Vec<u32>> = (0..n)
            .map(|i| {
                (0..16)
                    .map(|v| {
                        if i % 3 == 0 && v < 4 {
                            (i / 30) as u32
                        } else {
                            (rng.next() % 4) as u32
                        }
                    })
                    .collect()
            })
            .collect();
        let mut keys = vec![0u64; n * bands.bands];
        for (i, sig) in sigs.iter().enumerate() {
            let mut k = vec![0u64; bands.bands];
            band_keys(sig, bands, &mut k);
            for (j, key) in k.into_iter().enumerate() {
                keys[j * n + i] = key;
            }
        }
        let mut index = Index::new(bands);
        let mut found = Vec::new();
        for (i, sig) in sigs.iter().enumerate() {
            found.extend(index.query(sig).into_iter().map(|a| (a, i as u32)));
            index.insert(i as u32, sig);
        }
        found.sort_unstable();
        assert_eq!(index.len(), n);
        let batch = candidate_pairs(&keys, bands.bands);
        // The batch path stars big buckets, so it finds a subset of all pairs.
        for pair in &batch {
            assert!(found.binary_search(pair).is_ok(), "{pair:?} missed");
        }
        assert!(found.len() >= batch.len());
    }

    /// Band edges by their definition: sort `(key, id)` and star each run.
    fn band_edges_by_sorting(column: &[u64]) -> Vec<(u32, u32)> {
        let mut pairs: Vec<(u64, u32)> = column
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i as u32))
            .collect();
        pairs.sort_unstable();
        let mut out = Vec::new();
        for run in pairs.chunk_by(|x, y| x.0 == y.0) {
            let ids: Vec<u32> = run.iter().map(|&(_, i)| i).collect();
            if ids.len() <= CLIQUE_MAX {
                for (k, &a) in ids.iter().enumerate() {
                    out.extend(ids[k + 1..].iter().map(|&b| (a, b)));
                }
            } else {
                out.extend(ids[1..].iter().map(|&b| (ids[0], b)));
            }
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn band_edges_agree_with_a_sort() {
        let mut rng = crate::minhash::SplitMix64::new(3);
        for n in [0, 1, 2, 3, 10, 1000, 5000] {
            for distinct in [1, 2, 7, n / 3 + 1, n + 1] {
                // Few distinct keys make big buckets; many make none; keys
                // sharing top bits but not all bits share a slot.
                let palette: Vec<u64> = (0..distinct).map(|_| rng.next()).collect();
                let column: Vec<u64> = (0..n)
                    .map(|_| {
                        let k = palette[(rng.next() % distinct as u64) as usize];
                        if rng.next() % 4 == 0 { k ^ 1 } else { k }
                    })
                    .collect();
                let mut got = band_edges(&column);
                got.sort_unstable();
                assert_eq!(
                    got,
                    band_edges_by_sorting(&column),
                    "n={n} distinct={distinct}"
                );
            }
        }
    }

    #[test]
    fn narrow_keys_give_the_pairs_of_their_high_halves() {
        let mut rng = crate::minhash::SplitMix64::new(8);
        let palette: Vec<u64> = (0..50).map(|_| rng.next()).collect();
        let wide: Vec<u64> = (0..3000)
            .map(|_| palette[(rng.next() % 50) as usize])
            .collect();
        let narrow: Vec<u32> = wide.iter().map(|&k| u32::from_wide(k)).collect();
        assert_eq!(candidate_pairs(&narrow, 3), candidate_pairs(&wide, 3));
        assert!(matches!(BandKeys::zeroed(10, 2), BandKeys::Narrow(ref k) if k.len() == 20));
    }

    #[test]
    fn band_keys_differ_per_band_for_equal_rows() {
        let mut keys = [0u64; 2];
        band_keys(&[1, 2, 1, 2], Bands { bands: 2, rows: 2 }, &mut keys);
        assert_ne!(keys[0], keys[1]);
    }
}
