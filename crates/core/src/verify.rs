//! Candidate pairs → verified matches with their exact Jaccard similarity.
//!
//! LSH candidates are only likely duplicates. Each pair is checked against the
//! exact Jaccard similarity of the two units' shingle sets (sorted hash
//! vectors, intersected by merge) and kept when it reaches the threshold.
//! Pairs arrive sorted by their first unit, so that unit's set is built once
//! for all its pairs, and each worker keeps the sets of the units it saw last
//! (a unit meets the other members of its bucket in several pairs).

use std::cell::RefCell;

use rayon::prelude::*;
use serde::Serialize;

use crate::shingle::{SetSimilarity, jaccard};

/// The exact similarity the scan uses, for any two pieces of text: the
/// Jaccard similarity of their shingle sets after normalization, with the
/// scan's normalizer, shingles and seed.
#[derive(Debug, Clone)]
pub struct TextSimilarity {
    normalizer: crate::normalize::Normalizer,
    shingler: crate::shingle::Shingler,
}

impl TextSimilarity {
    /// The measure of `params`.
    pub fn new(params: &crate::config::Params) -> Self {
        Self {
            normalizer: params.normalizer,
            shingler: crate::shingle::Shingler::new(params.shingle, params.ngram, params.seed),
        }
    }

    /// The similarity of `a` and `b`. Allocates nothing once the
    /// thread's buffers have grown.
    pub fn of(&self, a: &str, b: &str) -> f64 {
        thread_local! {
            static SCRATCH: RefCell<(String, Vec<u64>, Vec<u64>, SetSimilarity)> =
                RefCell::default();
        }
        SCRATCH.with_borrow_mut(|(text, set_a, set_b, sets)| {
            self.normalizer.normalize_into(a, text);
            self.shingler.hashes(text, set_a);
            self.normalizer.normalize_into(b, text);
            self.shingler.hashes(text, set_b);
            sets.of(set_a, set_b)
        })
    }
}

/// A verified pair of units with their similarity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Match {
    /// The smaller unit index.
    pub a: u32,
    /// The larger unit index.
    pub b: u32,
    /// Exact Jaccard similarity of their shingle sets.
    pub similarity: f64,
}

/// Verifies sorted candidate `pairs`: keeps those whose exact similarity is at
/// least `threshold`. `set_of(i, buf)` fills `buf` with unit `i`'s sorted,
/// deduplicated shingle hashes. The output is in the order of `pairs`,
/// whatever the number of threads. `on_done(n)` reports progress.
pub fn verify<F>(
    pairs: &[(u32, u32)],
    threshold: f64,
    set_of: F,
    on_done: &(dyn Fn(u64) + Sync),
) -> Vec<Match>
where
    F: Fn(u32, &mut Vec<u64>) + Sync,
{
    let by_first: Vec<&[(u32, u32)]> = pairs.chunk_by(|x, y| x.0 == y.0).collect();
    by_first
        .par_iter()
        .map_init(
            || (Vec::new(), SetCache::new()),
            |(left, cache), run| {
                left.clear();
                left.extend_from_slice(cache.get(run[0].0, &set_of));
                let kept: Vec<Match> = run
                    .iter()
                    .filter_map(|&(a, b)| {
                        let similarity = jaccard(left, cache.get(b, &set_of));
                        (similarity >= threshold).then_some(Match { a, b, similarity })
                    })
                    .collect();
                on_done(run.len() as u64);
                kept
            },
        )
        .flatten_iter()
        .collect()
}

/// Slots of [`SetCache`].
const CACHE_SLOTS: usize = 1024;

/// The shingle sets of recently seen units, one per slot (`id % slots`).
/// Units of one bucket meet in several pairs (a bucket of `m` yields up to
/// `m(m − 1)/2`), so their sets are built once rather than once per pair.
struct SetCache {
    slots: Vec<(u32, Vec<u64>)>,
}

impl SetCache {
    fn new() -> Self {
        Self {
            slots: (0..CACHE_SLOTS).map(|_| (u32::MAX, Vec::new())).collect(),
        }
    }

    /// Unit `id`'s set, built with `set_of` unless cached.
    fn get(&mut self, id: u32, set_of: &impl Fn(u32, &mut Vec<u64>)) -> &[u64] {
        let slot = &mut self.slots[id as usize % CACHE_SLOTS];
        if slot.0 != id {
            set_of(id, &mut slot.1);
            slot.0 = id;
        }
        &slot.1
    }
}

/// Scores every pair without a threshold: for trusting the signatures
/// (`--no-verify`) the pipeline still reports exact similarities.
pub fn similarities<F>(pairs: &[(u32, u32)], set_of: F) -> Vec<Match>
where
    F: Fn(u32, &mut Vec<u64>) + Sync,
{
    verify(pairs, f64::NEG_INFINITY, set_of, &|_| {})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(i: u32, buf: &mut Vec<u64>) {
        buf.clear();
        buf.extend(match i {
            0 => &[1u64, 2, 3, 4][..],
            1 => &[1, 2, 3, 5][..],
            2 => &[7, 8, 9][..],
            _ => &[1, 2, 3, 4][..],
        });
    }

    #[test]
    fn keeps_pairs_at_or_above_threshold() {
        let pairs = [(0, 1), (0, 2), (0, 3)];
        let kept = verify(&pairs, 0.6, sets, &|_| {});
        assert_eq!(kept.len(), 2);
        assert_eq!((kept[0].a, kept[0].b), (0, 1));
        assert!((kept[0].similarity - 0.6).abs() < 1e-12);
        assert_eq!(kept[1].similarity, 1.0);
    }

    #[test]
    fn similarities_keeps_everything() {
        let all = similarities(&[(0, 2), (1, 2)], sets);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].similarity, 0.0);
    }
}
