//! Token hashes → seeds: word n-gram hashes chosen by winnowing.
//!
//! Every run of `n` consecutive tokens (a word n-gram) is hashed by combining
//! the `n` token hashes (a rolling polynomial, then a 64-bit finaliser). Of
//! those n-gram hashes, winnowing (Schleimer, Wilkerson and Aiken, 2003) keeps
//! the smallest in every window of `w` consecutive ones: the **fingerprints**.
//! Two texts that share a run of at least `w + n - 1` tokens share a window
//! of `w` n-grams, which selects the same smallest hash in both, so they
//! share a fingerprint lying inside the run in both: that is the guarantee
//! span alignment rests on (with the defaults `n = 5`, `w = 4`, every shared
//! run of 8 normalized words).
//!
//! This is *robust* winnowing: when the smallest hash of a window is tied,
//! the position chosen for the window before is kept if it is still in the
//! window, else the rightmost of the tied positions; each position is output
//! once. On random text it keeps about `2 / (w + 1)` of the n-grams (0.4 per
//! word with the defaults); on repetitive text (the same word again and
//! again) it keeps far fewer, where plain winnowing would keep every one.
//! The window is rescanned only when its selected position leaves it, which
//! for small `w` is cheaper than a monotone deque.
//!
//! A text with fewer than `w` n-grams (but at least one) keeps its smallest,
//! so short texts still have a seed. A text with fewer than `n` tokens has
//! none. Cost: a few multiplications per token and about two comparisons;
//! 12 bytes of output per fingerprint (`hash`, `pos`), in a reused buffer.
//!
//! ```
//! use dupscan::winnow::Winnower;
//!
//! let a: Vec<u64> = (0..40).collect();
//! let b: Vec<u64> = (100..110).chain(10..18).chain(200..210).collect();
//! let mut w = Winnower::new(5, 4);
//! let (mut fa, mut fb) = (Vec::new(), Vec::new());
//! w.fingerprints(a.iter().copied(), &mut fa);
//! w.fingerprints(b.iter().copied(), &mut fb);
//! // The 8 shared tokens 10..18 give a common fingerprint inside the run.
//! assert!(fa.iter().any(|x| fb.iter().any(|y| x.hash == y.hash
//!     && (10..=13).contains(&x.pos) && (10..=13).contains(&y.pos))));
//! ```

use crate::tokens::fmix64;

/// Default word n-gram length.
pub const DEFAULT_NGRAM: usize = 5;
/// Default winnowing window, in n-grams.
pub const DEFAULT_WINDOW: usize = 4;

/// A selected n-gram: its hash and the index of its first token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint {
    /// The n-gram's hash.
    pub hash: u64,
    /// Index of the n-gram's first token in the document's token stream.
    pub pos: u32,
}

/// Computes n-gram hashes and winnows them. Holds scratch buffers, so keep
/// one per thread.
#[derive(Debug, Clone)]
pub struct Winnower {
    ngram: usize,
    window: usize,
    ngrams: Vec<u64>,
}

/// The multiplier of the rolling n-gram polynomial (odd, so every term is a
/// bijection of its token hash).
const POLY: u64 = 0x9E37_79B9_7F4A_7C15;

/// Appends to `out` (cleared first) the hash of every `n`-gram of
/// `token_hashes`, in order: one per token from the first to the `n`-th last.
/// `n` is at least 1.
pub fn ngram_hashes(token_hashes: impl IntoIterator<Item = u64>, n: usize, out: &mut Vec<u64>) {
    out.clear();
    let n = n.max(1);
    // `power` = POLY^(n-1): the weight of the token leaving the n-gram.
    let power = (1..n).fold(1u64, |p, _| p.wrapping_mul(POLY));
    // The last n token hashes, oldest at `slot`.
    let mut ring = vec![0u64; n];
    let mut slot = 0;
    let mut sum = 0u64;
    for (i, t) in token_hashes.into_iter().enumerate() {
        // Before the ring is full, its slots hold 0 and subtract nothing.
        sum = sum
            .wrapping_sub(ring[slot].wrapping_mul(power))
            .wrapping_mul(POLY)
            .wrapping_add(t);
        ring[slot] = t;
        slot = if slot + 1 == n { 0 } else { slot + 1 };
        if i + 1 >= n {
            out.push(fmix64(sum));
        }
    }
}

impl Winnower {
    /// A winnower over word `ngram`-grams with windows of `window` n-grams;
    /// both are at least 1 (checked by [`crate::align::AlignParams::validate`]).
    pub fn new(ngram: usize, window: usize) -> Self {
        Self {
            ngram: ngram.max(1),
            window: window.max(1),
            ngrams: Vec::new(),
        }
    }

    /// The n-gram length.
    pub fn ngram(&self) -> usize {
        self.ngram
    }

    /// The window, in n-grams.
    pub fn window(&self) -> usize {
        self.window
    }

    /// Replaces `out` with the fingerprints of a document given by its token
    /// hashes, in increasing position.
    pub fn fingerprints(
        &mut self,
        token_hashes: impl IntoIterator<Item = u64>,
        out: &mut Vec<Fingerprint>,
    ) {
        let mut ngrams = std::mem::take(&mut self.ngrams);
        ngram_hashes(token_hashes, self.ngram, &mut ngrams);
        self.winnow(&ngrams, out);
        self.ngrams = ngrams;
    }

    /// Replaces `out` with the positions winnowing selects from `hashes`
    /// (robust winnowing, see the module docs).
    pub fn winnow(&self, hashes: &[u64], out: &mut Vec<Fingerprint>) {
        out.clear();
        let w = self.window;
        if hashes.len() < w {
            // Shorter than one window: its smallest, rightmost on ties.
            let best = hashes
                .iter()
                .enumerate()
                .min_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(&x.0)));
            if let Some((pos, &hash)) = best {
                out.push(Fingerprint {
                    hash,
                    pos: pos as u32,
                });
            }
            return;
        }
        // `sel` is the position selected for the previous window. When it
        // is still in the window, the window's minimum is either its hash or
        // the hash just entered; only when it leaves is the window scanned.
        let mut sel: Option<usize> = None;
        for i in w - 1..hashes.len() {
            let lo = i + 1 - w;
            let next = match sel {
                Some(s) if s >= lo => {
                    if hashes[i] < hashes[s] {
                        i
                    } else {
                        continue;
                    }
                }
                _ => {
                    // Rightmost minimum of the window.
                    let mut best = lo;
                    for p in lo + 1..=i {
                        if hashes[p] <= hashes[best] {
                            best = p;
                        }
                    }
                    best
                }
            };
            if sel != Some(next) {
                out.push(Fingerprint {
                    hash: hashes[next],
                    pos: next as u32,
                });
                sel = Some(next);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fps(tokens: &[u64], n: usize, w: usize) -> Vec<Fingerprint> {
        let mut out = Vec::new();
        Winnower::new(n, w).fingerprints(tokens.iter().copied(), &mut out);
        out
    }

    #[test]
    fn ngram_hashes_roll_like_direct_hashes() {
        let tokens: Vec<u64> = (0..20).map(|i| i * 0x1234_5678_9ABC + 17).collect();
        let mut rolled = Vec::new();
        ngram_hashes(tokens.iter().copied(), 5, &mut rolled);
        assert_eq!(rolled.len(), 16);
        for (i, &h) in rolled.iter().enumerate() {
            let mut direct = Vec::new();
            ngram_hashes(tokens[i..i + 5].iter().copied(), 5, &mut direct);
            assert_eq!(direct, [h]);
        }
        // Order matters.
        let mut swapped = Vec::new();
        ngram_hashes(
            [tokens[1], tokens[0], tokens[2], tokens[3], tokens[4]],
            5,
            &mut swapped,
        );
        assert_ne!(swapped[0], rolled[0]);
        ngram_hashes([1, 2, 3], 5, &mut swapped);
        assert!(swapped.is_empty());
    }

    #[test]
    fn every_window_holds_a_selected_minimum() {
        let hashes: Vec<u64> = (0..200u64).map(|i| fmix64(i) % 50).collect();
        let w = Winnower::new(5, 4);
        let mut out = Vec::new();
        w.winnow(&hashes, &mut out);
        let positions: Vec<u32> = out.iter().map(|f| f.pos).collect();
        assert!(
            positions.windows(2).all(|p| p[0] < p[1]),
            "each position once"
        );
        for lo in 0..=hashes.len() - 4 {
            let min = hashes[lo..lo + 4].iter().min().copied();
            assert!(
                out.iter()
                    .any(|f| (lo..lo + 4).contains(&(f.pos as usize)) && Some(f.hash) == min),
                "window {lo}"
            );
        }
    }

    #[test]
    fn repeated_text_keeps_few_fingerprints() {
        // The same n-gram hash everywhere: robust winnowing keeps one per
        // w positions, not one per position.
        let w = Winnower::new(5, 4);
        let mut out = Vec::new();
        w.winnow(&[7; 100], &mut out);
        assert_eq!(out.len(), 25);
        assert_eq!(out[0].pos, 3, "rightmost of the first window");
    }

    #[test]
    fn short_texts_keep_their_smallest_ngram() {
        assert!(fps(&[1, 2, 3, 4], 5, 4).is_empty());
        assert_eq!(fps(&[1, 2, 3, 4, 5], 5, 4).len(), 1);
        assert_eq!(fps(&[1, 2, 3, 4, 5, 6, 7], 5, 4).len(), 1);
        assert!(!fps(&[1, 2, 3, 4, 5, 6, 7, 8], 5, 4).is_empty());
    }

    #[test]
    fn density_is_about_two_over_w_plus_one() {
        let tokens: Vec<u64> = (0..100_000u64).map(|i| fmix64(i ^ 0xABCD)).collect();
        for (n, w) in [(5, 4), (3, 9), (1, 1)] {
            let density = fps(&tokens, n, w).len() as f64 / tokens.len() as f64;
            let expected = 2.0 / (w as f64 + 1.0);
            assert!(
                (density - expected).abs() < 0.02,
                "n {n} w {w}: {density} vs {expected}"
            );
        }
    }

    proptest! {
        /// The winnowing guarantee: a shared run of at least w + n - 1 tokens
        /// yields a common fingerprint hash, at positions inside the run in
        /// both texts. Tokens come from a small alphabet so that ties and
        /// repeats are frequent.
        #[test]
        fn a_shared_run_yields_a_common_fingerprint(
            n in 1usize..7,
            w in 1usize..9,
            extra in 0usize..6,
            a_pre in proptest::collection::vec(0u64..12, 0..40),
            a_post in proptest::collection::vec(0u64..12, 0..40),
            b_pre in proptest::collection::vec(0u64..12, 0..40),
            b_post in proptest::collection::vec(0u64..12, 0..40),
            run_seed in proptest::collection::vec(0u64..12, 20),
        ) {
            let len = w + n - 1 + extra;
            let run: Vec<u64> = run_seed.iter().cycle().take(len).copied().collect();
            let a: Vec<u64> = a_pre.iter().chain(&run).chain(&a_post).copied().collect();
            let b: Vec<u64> = b_pre.iter().chain(&run).chain(&b_post).copied().collect();
            let (fa, fb) = (fps(&a, n, w), fps(&b, n, w));
            let inside = |f: &Fingerprint, start: usize| {
                (start..=start + len - n).contains(&(f.pos as usize))
            };
            let common = fa.iter().filter(|x| inside(x, a_pre.len())).any(|x| {
                fb.iter().any(|y| inside(y, b_pre.len()) && y.hash == x.hash)
            });
            prop_assert!(common);
        }
    }
}
