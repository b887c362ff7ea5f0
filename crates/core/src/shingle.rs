//! Normalized text → hashed shingles.
//!
//! A shingle is an n-gram of characters or of words. Each shingle is hashed
//! once with seeded xxh3 to a `u64`; every later stage (MinHash, exact
//! verification) works on these hashes only. Text shorter than one n-gram
//! yields a single shingle of the whole text, so short units still compare.
//!
//! ```
//! use dupscan_core::shingle::{ShingleKind, Shingler};
//! let s = Shingler::new(ShingleKind::Word, 2, 7);
//! let mut out = Vec::new();
//! s.hashes("the cat sat", &mut out);
//! assert_eq!(out.len(), 2); // "the cat", "cat sat"
//! ```

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// What a shingle is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShingleKind {
    /// Character n-grams (Unicode scalar values, not bytes).
    Char,
    /// Word n-grams (words are whitespace-separated tokens).
    Word,
}

/// Turns normalized text into shingle hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shingler {
    kind: ShingleKind,
    n: usize,
    seed: u64,
}

impl Shingler {
    /// A shingler for `n`-grams of `kind`, hashing with `seed`. `n` must be at
    /// least 1 (validated by the configuration).
    pub fn new(kind: ShingleKind, n: usize, seed: u64) -> Self {
        Self {
            kind,
            n: n.max(1),
            seed,
        }
    }

    /// Appends the hash of every shingle of `text` to `out` (cleared first), in
    /// text order, repeats included. Empty text yields no shingle.
    pub fn hashes(&self, text: &str, out: &mut Vec<u64>) {
        out.clear();
        if text.is_empty() {
            return;
        }
        match self.kind {
            ShingleKind::Char if text.is_ascii() => self.byte_grams(text.as_bytes(), out),
            ShingleKind::Char => self.char_grams(text, out),
            ShingleKind::Word => self.word_grams(text, out),
        }
    }

    /// Sorted, deduplicated shingle hashes: the set exact Jaccard is computed on.
    pub fn set(&self, text: &str, out: &mut Vec<u64>) {
        self.hashes(text, out);
        out.sort_unstable();
        out.dedup();
    }

    fn byte_grams(&self, bytes: &[u8], out: &mut Vec<u64>) {
        if bytes.len() <= self.n {
            out.push(xxh3_64_with_seed(bytes, self.seed));
            return;
        }
        out.extend(
            bytes
                .windows(self.n)
                .map(|w| xxh3_64_with_seed(w, self.seed)),
        );
    }

    fn char_grams(&self, text: &str, out: &mut Vec<u64>) {
        // Byte offsets of the last n+1 char starts, in a ring.
        let n = self.n;
        let bytes = text.as_bytes();
        let mut starts: Vec<usize> = Vec::with_capacity(n + 1);
        let ends = text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()));
        for (count, i) in ends.enumerate() {
            if starts.len() < n + 1 {
                starts.push(i);
            } else {
                starts[count % (n + 1)] = i;
            }
            if count >= n {
                let first = starts[(count - n) % (n + 1)];
                out.push(xxh3_64_with_seed(&bytes[first..i], self.seed));
            }
        }
        if out.is_empty() {
            out.push(xxh3_64_with_seed(bytes, self.seed));
        }
    }

    fn word_grams(&self, text: &str, out: &mut Vec<u64>) {
        if text.is_ascii() {
            self.word_grams_of(text.as_bytes(), ascii_words(text.as_bytes()), out);
        } else {
            let words = text.split_whitespace().map(|word| {
                let start = word.as_ptr() as usize - text.as_ptr() as usize;
                (start, start + word.len())
            });
            self.word_grams_of(text.as_bytes(), words, out);
        }
    }

    /// The word n-grams of `bytes`, whose words are the byte ranges
    /// `words`, in order.
    fn word_grams_of(
        &self,
        bytes: &[u8],
        words: impl Iterator<Item = (usize, usize)>,
        out: &mut Vec<u64>,
    ) {
        // An n-gram is hashed as the bytes from its first word's start to
        // its last word's end (single spaces after normalization).
        let n = self.n;
        if n == 1 {
            out.extend(words.map(|(start, end)| xxh3_64_with_seed(&bytes[start..end], self.seed)));
            return;
        }
        let mut spans: Vec<(usize, usize)> = Vec::with_capacity(n);
        let mut count = 0usize;
        for span in words {
            if spans.len() < n {
                spans.push(span);
            } else {
                spans[count % n] = span;
            }
            count += 1;
            if count >= n {
                let first = spans[(count - n) % n].0;
                out.push(xxh3_64_with_seed(&bytes[first..span.1], self.seed));
            }
        }
        if out.is_empty() && count > 0 {
            let first = spans[0].0;
            let last = spans[count - 1].1;
            out.push(xxh3_64_with_seed(&bytes[first..last], self.seed));
        }
    }
}

/// The words of ASCII text as byte ranges: the runs between whitespace
/// (what `str::split_whitespace` splits at, vertical tab included).
fn ascii_words(bytes: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C);
    let mut at = 0;
    std::iter::from_fn(move || {
        let rest = &bytes[at..];
        let start = at + rest.iter().position(|b| !space(b))?;
        let len = bytes[start..]
            .iter()
            .position(space)
            .unwrap_or(bytes.len() - start);
        at = start + len;
        Some((start, at))
    })
}

/// Exact Jaccard similarity of two shingle sequences taken as sets, in
/// time linear in their lengths: the sequences are hashed into one
/// open-addressing table (reused from call to call, so nothing is
/// allocated once it has grown) that marks which side each distinct value
/// came from. The same value as [`jaccard`] of the two sorted, deduplicated
/// sets, without sorting, which is what the span path's verification and
/// link scoring spent most of their time on.
///
/// ```
/// use dupscan_core::shingle::{jaccard, SetSimilarity};
/// let mut s = SetSimilarity::default();
/// assert_eq!(s.of(&[3, 1, 2, 1], &[2, 3, 4]), jaccard(&[1, 2, 3], &[2, 3, 4]));
/// ```
#[derive(Debug, Default, Clone)]
pub struct SetSimilarity {
    /// Values, valid where `tags[i] >> 2 == generation`.
    slots: Vec<u64>,
    /// `generation << 2 | sides`, bit 0 for the first sequence, bit 1 for
    /// the second.
    tags: Vec<u32>,
    generation: u32,
}

impl SetSimilarity {
    /// Jaccard similarity of the sets of values of `a` and `b` (0 when both
    /// are empty).
    pub fn of(&mut self, a: &[u64], b: &[u64]) -> f64 {
        let (inter, union) = self.intersection_union(a, b);
        if union == 0 {
            0.0
        } else {
            inter as f64 / union as f64
        }
    }

    /// Sizes of the intersection and union of the sets of values of `a`
    /// and `b`.
    pub fn intersection_union(&mut self, a: &[u64], b: &[u64]) -> (usize, usize) {
        // At most half full: probes stay short.
        let cap = (2 * (a.len() + b.len())).next_power_of_two().max(16);
        if self.slots.len() < cap {
            self.slots = vec![0; cap];
            self.tags = vec![0; cap];
            self.generation = 0;
        }
        if self.generation >= (u32::MAX >> 2) - 1 {
            self.tags.fill(0);
            self.generation = 0;
        }
        self.generation += 1;
        let tag = self.generation << 2;
        let bits = cap.trailing_zeros();
        let mask = cap - 1;
        let (slots, tags) = (&mut self.slots[..cap], &mut self.tags[..cap]);
        let (mut inter, mut union) = (0usize, 0usize);
        let mut insert = |v: u64, side: u32| {
            // Fibonacci hashing: values need not be uniform (packed grams).
            let mut i = (v.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize;
            loop {
                let t = tags[i];
                if t & !3 != tag {
                    slots[i] = v;
                    tags[i] = tag | side;
                    union += 1;
                    return;
                }
                if slots[i] == v {
                    if t & side == 0 {
                        tags[i] = t | side;
                        if t & 3 != 0 {
                            inter += 1;
                        }
                    }
                    return;
                }
                i = (i + 1) & mask;
            }
        };
        for &v in a {
            insert(v, 1);
        }
        for &v in b {
            insert(v, 2);
        }
        (inter, union)
    }
}

/// Exact Jaccard similarity of two sorted, deduplicated hash sets, by merge.
/// Two empty sets have similarity 0 (empty units are never compared).
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (inter, union) = intersection_union(a, b);
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

/// Sizes of the intersection and union of two sorted, deduplicated sets.
pub fn intersection_union(a: &[u64], b: &[u64]) -> (usize, usize) {
    let (mut i, mut j, mut inter) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    (inter, a.len() + b.len() - inter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(kind: ShingleKind, n: usize, text: &str) -> Vec<u64> {
        let mut out = Vec::new();
        Shingler::new(kind, n, 1).hashes(text, &mut out);
        out
    }

    fn h(bytes: &str) -> u64 {
        xxh3_64_with_seed(bytes.as_bytes(), 1)
    }

    #[test]
    fn ascii_char_grams() {
        assert_eq!(
            hashes(ShingleKind::Char, 3, "abcd"),
            vec![h("abc"), h("bcd")]
        );
        assert_eq!(hashes(ShingleKind::Char, 5, "ab"), vec![h("ab")]);
        assert!(hashes(ShingleKind::Char, 3, "").is_empty());
    }

    #[test]
    fn unicode_char_grams_count_chars_not_bytes() {
        assert_eq!(hashes(ShingleKind::Char, 2, "héé"), vec![h("hé"), h("éé")]);
        assert_eq!(hashes(ShingleKind::Char, 3, "né"), vec![h("né")]);
        assert_eq!(hashes(ShingleKind::Char, 3, "ééé"), vec![h("ééé")]);
    }

    #[test]
    fn char_grams_agree_between_ascii_and_general_paths() {
        let s = Shingler::new(ShingleKind::Char, 4, 9);
        let mut fast = Vec::new();
        let mut slow = Vec::new();
        s.hashes("the quick brown fox", &mut fast);
        s.char_grams("the quick brown fox", &mut slow);
        assert_eq!(fast, slow);
    }

    #[test]
    fn word_grams() {
        assert_eq!(
            hashes(ShingleKind::Word, 2, "a bb ccc"),
            vec![h("a bb"), h("bb ccc")]
        );
        assert_eq!(hashes(ShingleKind::Word, 3, "a bb"), vec![h("a bb")]);
        assert_eq!(hashes(ShingleKind::Word, 1, "x y"), vec![h("x"), h("y")]);
    }

    #[test]
    fn ascii_and_unicode_words_split_alike() {
        // Every ASCII whitespace byte `split_whitespace` knows, runs of them,
        // and leading and trailing ones.
        let text = " a\tbb\n\nccc\r d\u{0B}e\u{0C}f  ";
        let unicode: Vec<(usize, usize)> = text
            .split_whitespace()
            .map(|w| {
                let start = w.as_ptr() as usize - text.as_ptr() as usize;
                (start, start + w.len())
            })
            .collect();
        assert_eq!(ascii_words(text.as_bytes()).collect::<Vec<_>>(), unicode);
        assert_eq!(ascii_words(b"").count(), 0);
        assert_eq!(ascii_words(b"  ").count(), 0);
        for n in 1..4 {
            let s = Shingler::new(ShingleKind::Word, n, 3);
            let (mut ascii, mut general) = (Vec::new(), Vec::new());
            s.hashes(text, &mut ascii);
            s.word_grams_of(text.as_bytes(), unicode.iter().copied(), &mut general);
            assert_eq!(ascii, general, "n={n}");
        }
    }

    #[test]
    fn seed_changes_hashes() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        Shingler::new(ShingleKind::Char, 3, 1).hashes("abcdef", &mut a);
        Shingler::new(ShingleKind::Char, 3, 2).hashes("abcdef", &mut b);
        assert_ne!(a, b);
    }

    #[test]
    fn jaccard_by_merge() {
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
        assert_eq!(jaccard(&[1, 2], &[1, 2]), 1.0);
        assert_eq!(jaccard(&[], &[]), 0.0);
        assert_eq!(intersection_union(&[1, 5, 9], &[2, 5]), (1, 4));
    }

    fn sorted_set(v: &[u64]) -> Vec<u64> {
        let mut s = v.to_vec();
        s.sort_unstable();
        s.dedup();
        s
    }

    proptest::proptest! {
        /// One instance over many calls of every size (the table grows,
        /// generations advance): always the merge's counts.
        #[test]
        fn set_similarity_counts_as_the_merge_of_sorted_sets(
            calls in proptest::collection::vec(
                (proptest::collection::vec(0u64..40, 0..60),
                 proptest::collection::vec(0u64..40, 0..60)),
                1..8,
            ),
            spread in proptest::bool::ANY,
        ) {
            let mut s = SetSimilarity::default();
            for (a, b) in calls {
                // Small values collide in the table; spread ones do not.
                let f = |v: &u64| if spread { v.wrapping_mul(0x1234_5678_9abc_def1) } else { *v };
                let (a, b): (Vec<u64>, Vec<u64>) = (a.iter().map(f).collect(), b.iter().map(f).collect());
                let want = intersection_union(&sorted_set(&a), &sorted_set(&b));
                proptest::prop_assert_eq!(s.intersection_union(&a, &b), want);
                proptest::prop_assert_eq!(s.of(&a, &b), jaccard(&sorted_set(&a), &sorted_set(&b)));
            }
        }
    }

    #[test]
    fn set_similarity_survives_the_generation_wrapping() {
        let mut s = SetSimilarity::default();
        assert_eq!(s.intersection_union(&[1, 2, 2, 3], &[3, 4]), (1, 4));
        // Tags of the last generation before the wrap are still in the
        // table when it is cleared.
        s.generation = (u32::MAX >> 2) - 3;
        for _ in 0..4 {
            assert_eq!(s.intersection_union(&[1, 2, 2, 3], &[3, 4]), (1, 4));
        }
    }
}
