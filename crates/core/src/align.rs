//! Span alignment: near-duplicate spans of words between (and within)
//! documents, wherever sentences and paragraphs are cut.
//!
//! The seed, extend and filter scheme of text-alignment systems, at corpus
//! scale, in three stages:
//!
//! 1. **Fingerprints** ([`Fingerprints::collect`]): every document is
//!    tokenized ([`crate::tokens`]) and winnowed ([`crate::winnow`]), in
//!    parallel. Each fingerprint is packed into one `u64` key: the top bits
//!    of its hash above a *mute bit* and a *global position* (the
//!    document's base plus the byte offset of its first word). The mute bit
//!    marks a fingerprint lying wholly inside a range the caller muted
//!    ([`align_muted`]: the unit path's exact repeats, grouped already). Keys are radix-partitioned on their top 8 bits
//!    as they are made. **8 bytes per fingerprint**, about 3.2 bytes per word
//!    at 0.4 fingerprints per word: the peak of the span path.
//! 2. **Seed index** ([`SeedIndex::build`]): each partition is sorted and
//!    every run of equal hashes is kept only when it has at least two
//!    occurrences outside muted ranges (a hash seen once matches nothing)
//!    and at most [`AlignParams::max_df`] occurrences in all, muted ones
//!    included (more is boilerplate: sign-offs, licence lines, navigation;
//!    dropped and counted). Only the unmuted occurrences are kept. The kept keys (8 bytes each)
//!    are the index; the rest is freed partition by partition.
//! 3. **Alignment** ([`SeedIndex::align`]): the kept keys are ordered by
//!    position (4 bytes each), so each document's seeds are one range of
//!    them. For every document A holding a kept seed (in parallel), every
//!    other occurrence of each of its seeds in a later document B (or later
//!    in A itself: repeats inside one document are found too) is a *hit*:
//!    the occurrences of a hash are its neighbours among the sorted keys,
//!    so nothing is looked up and A's fingerprints are not recomputed.
//!    Per document pair, hits are extended into aligned segments: from the
//!    seed, token by token in both directions while the token hashes match,
//!    stepping over a substituted, inserted or deleted word or two when the
//!    next words match again, and stopping when the score (+1 a match, -1 to
//!    -3 an edit) falls [`AlignParams::xdrop`] below its best (greedy X-drop,
//!    as in BLAST). A hit inside a segment already made is not extended
//!    again. Segments on about the same diagonal and at most
//!    [`AlignParams::max_gap`] tokens apart are chained into one span pair,
//!    which is **verified**: at least [`AlignParams::min_words`] words on
//!    both sides and a char 5-gram Jaccard similarity of the two normalized
//!    spans (the unit path's measure) of at least [`AlignParams::threshold`].
//!    A chain made of one extension that skipped no word has equal token
//!    hashes on both sides, so equal normalized text: its similarity is 1 and
//!    is not computed. Windows of B start a few words around its hits and
//!    grow fourfold while an extension reaches their edge; hits of a later
//!    window that lie inside a segment an earlier window of the pair made
//!    are not extended again (a long copy whose seeds are sparse, muted
//!    between its ends, is one segment, not one per window). The work beyond
//!    tokenizing is counted in [`AlignStats::steps`]; it is linear in the
//!    hits, which are at most `max_df / 2` per fingerprint.
//!
//! A shared run of `window + ngram - 1` words (8 by default) always yields a
//! hit, so every verbatim shared run of that length is found unless its
//! fingerprints are boilerplate; one hit is enough for a span, since a copied
//! sentence of 8 to 12 words often has only one or two.
//!
//! **Memory**: the caller keeps every document's text (stage 3 tokenizes the
//! two documents of a pair again, so token streams are never held for the
//! corpus: one or two per thread at a time). Beyond the texts: 8 bytes per
//! fingerprint during stages 1 and 2, then 12 bytes per kept fingerprint
//! (the key and its place in position order); [`AlignStats`] reports
//! both. **Results** do not depend on the number of threads: every stage is
//! ordered by document, and keys are unique.
//!
//! ```
//! use dupscan_core::align::{align, AlignParams};
//!
//! let docs = [
//!     "The United States has warned that it may abandon peace talks with Russia.",
//!     "Share This ArticleThe UNITED STATES HAS WARNED THAT IT MAY ABANDON PEACE \
//!      TALKS with Russia.Other news follows here.",
//! ];
//! let found = align(&docs, &AlignParams::default())?;
//! assert_eq!(found.matches.len(), 1);
//! let m = found.matches[0];
//! let copy = &docs[1][m.b.start_byte as usize..m.b.end_byte as usize];
//! assert_eq!(copy, "The UNITED STATES HAS WARNED THAT IT MAY ABANDON PEACE TALKS with Russia");
//! assert_eq!((m.a.doc, m.b.doc, m.score), (0, 1, 1.0));
//! # Ok::<(), dupscan_core::Error>(())
//! ```

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::shingle::{SetSimilarity, ShingleKind, Shingler};
use crate::tokens::{Token, Tokenizer, safe_cut_after, safe_cut_before};
use crate::winnow::{DEFAULT_NGRAM, DEFAULT_WINDOW, Fingerprint, Winnower};

/// Parameters of span alignment. [`Default`] gives the documented defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlignParams {
    /// Word n-gram length of a fingerprint. Default 5: shorter n-grams are
    /// common phrases ("one of the most"), longer ones miss copies with an
    /// edit every few words.
    pub ngram: usize,
    /// Winnowing window, in n-grams. Default 4: with `ngram` 5 every shared
    /// run of 8 words yields a seed, at about 0.4 fingerprints per word.
    pub window: usize,
    /// A fingerprint hash occurring more often than this in the corpus
    /// (counting every occurrence, in different documents or repeated inside
    /// one) is boilerplate and is not a seed. Default 10: a copied passage seldom has more than a few copies, and the unit path finds text repeated everywhere (measured: 50 -> 10 halves the alignment time on debian-docs and changes nothing on the planted corpora). This also bounds
    /// the hits of one hash to `max_df * (max_df - 1) / 2`.
    pub max_df: u32,
    /// Diagonal slack, in tokens: a hit whose diagonal (position in A minus
    /// position in B) is within this of a segment's and that lies inside it
    /// is covered by the segment. Default 4.
    pub slack: u32,
    /// Segments of a pair are chained when the gap between them is at most
    /// this many tokens in both documents (and the diagonal shifts by at most
    /// as much). Default 12: three windows, more than the gap one edited word
    /// leaves between seeds.
    pub max_gap: u32,
    /// Extension stops when its score falls this far below its best (a
    /// match scores +1, skipping `k` tokens `-(k + 1)`). Default 5.
    pub xdrop: u32,
    /// A verified span has at least this many words in both documents.
    /// Default 8, the length every shared run of which is seeded.
    pub min_words: u32,
    /// Minimum char 5-gram Jaccard similarity of the two normalized spans.
    /// Default 0.7, as the unit path at sentence level.
    pub threshold: f64,
    /// Seed of the token and shingle hashes. Default 42.
    pub seed: u64,
}

impl Default for AlignParams {
    fn default() -> Self {
        Self {
            ngram: DEFAULT_NGRAM,
            window: DEFAULT_WINDOW,
            max_df: 10,
            slack: 4,
            max_gap: 12,
            xdrop: 5,
            min_words: 8,
            threshold: 0.7,
            seed: 42,
        }
    }
}

impl AlignParams {
    /// Checks every parameter's range.
    ///
    /// # Errors
    ///
    /// [`Error::Param`] naming the first parameter out of range.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: String| Err(Error::Param(what));
        if !(1..=64).contains(&self.ngram) {
            return bad(format!("span ngram must be in 1..=64, not {}", self.ngram));
        }
        if !(1..=256).contains(&self.window) {
            return bad(format!(
                "span window must be in 1..=256, not {}",
                self.window
            ));
        }
        if self.max_df < 2 {
            return bad(format!(
                "span max_df must be at least 2, not {}",
                self.max_df
            ));
        }
        if self.slack > 1000 || self.max_gap > 1000 || self.xdrop > 1000 {
            return bad(format!(
                "span slack, max_gap and xdrop must be at most 1000, not {}, {} and {}",
                self.slack, self.max_gap, self.xdrop
            ));
        }
        if (self.min_words as usize) < self.ngram {
            return bad(format!(
                "span min_words ({}) must be at least the ngram ({})",
                self.min_words, self.ngram
            ));
        }
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return bad(format!(
                "span threshold must be in (0, 1], not {}",
                self.threshold
            ));
        }
        Ok(())
    }
}

/// A span of a document: a byte range of its original text, from the start
/// of a word to the end of a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocSpan {
    /// Document index (input order).
    pub doc: u32,
    /// First byte of the span's first word.
    pub start_byte: u32,
    /// Byte just past the span's last word.
    pub end_byte: u32,
    /// Number of words (tokens) in the span.
    pub words: u32,
}

/// Two aligned spans that are near-duplicates. `a` comes first: a smaller
/// document, or the same document and an earlier, non-overlapping span.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpanMatch {
    /// The first span.
    pub a: DocSpan,
    /// The second span.
    pub b: DocSpan,
    /// Char 5-gram Jaccard similarity of the two normalized spans.
    pub score: f64,
}

/// Counters of one alignment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlignStats {
    /// Documents.
    pub documents: u64,
    /// Words (tokens) of all documents.
    pub words: u64,
    /// Fingerprints of all documents.
    pub fingerprints: u64,
    /// Distinct fingerprint hashes dropped as boilerplate (more than
    /// `max_df` occurrences).
    pub dropped_hashes: u64,
    /// Their occurrences.
    pub dropped_fingerprints: u64,
    /// Fingerprints kept in the seed index (hashes seen at least twice
    /// outside muted ranges).
    pub seeds: u64,
    /// Fingerprints inside muted ranges ([`align_muted`]): counted, never
    /// seeds.
    pub muted: u64,
    /// Bytes of the fingerprint keys at their peak (stages 1 and 2).
    pub fingerprint_bytes: u64,
    /// Bytes of the seed index (kept keys, and their order by position
    /// during stage 3).
    pub index_bytes: u64,
    /// Documents that hold a seed and were aligned (stage 3).
    pub seeded_documents: u64,
    /// Document pairs with at least one hit.
    pub pairs: u64,
    /// Hits: seed occurrences shared by a pair of positions.
    pub hits: u64,
    /// Segments: hits extended (the others lay inside a segment already).
    pub segments: u64,
    /// Chains of segments: candidate span pairs.
    pub chains: u64,
    /// Verified span pairs.
    pub verified: u64,
    /// Chains (or their segments) whose similarity was computed: those not
    /// verbatim, and the bytes of both sides they normalized and hashed.
    pub measured: u64,
    /// Bytes of the spans measured.
    pub measured_bytes: u64,
    /// Bytes tokenized in stage 3: each aligned document A once, and the
    /// windows of its partners B around the hits.
    pub tokenized_bytes: u64,
    /// Work of stage 3 beyond tokenizing: token comparisons of the
    /// extensions, segments looked at to skip covered hits and to verify
    /// failed chains piece by piece. Bounded by a small multiple of
    /// `hits * max_df` plus the words, whatever the text.
    pub steps: u64,
}

/// The result of [`align`].
#[derive(Debug, Clone, Default)]
pub struct Alignment {
    /// Verified span pairs, sorted by `a` then `b`.
    pub matches: Vec<SpanMatch>,
    /// Counters.
    pub stats: AlignStats,
}

/// Aligns `docs` (indexed 0.. in the given order): every pair of
/// near-duplicate spans of at least `min_words` words, between documents and
/// inside one. The three stages in one call.
///
/// # Errors
///
/// [`Error::Param`] for parameters out of range, more than `u32::MAX`
/// documents, or a document of 4 GiB or more.
pub fn align<D: AsRef<str> + Sync>(docs: &[D], params: &AlignParams) -> Result<Alignment> {
    align_muted(docs, params, &[])
}

/// [`align`], with the fingerprints lying wholly inside `muted` byte ranges
/// counted (towards [`AlignParams::max_df`]) but never seeds: no hit starts
/// there, though an extension runs through them.
///
/// The unit path passes its exact repeats here (every unit whose
/// normalized text equals an earlier unit's): their copies are grouped
/// already, and the first copy still meets any other text that shares
/// words with them, so a corpus of many exact copies is not aligned copy
/// by copy. `muted` must be sorted by document, then start, and not
/// overlap.
///
/// # Errors
///
/// As [`align`].
pub fn align_muted<D: AsRef<str> + Sync>(
    docs: &[D],
    params: &AlignParams,
    muted: &[MutedRange],
) -> Result<Alignment> {
    let fingerprints = Fingerprints::collect_muted(docs, params, muted)?;
    let index = SeedIndex::build(fingerprints, params);
    Ok(index.align(docs, params))
}

/// A byte range of one document whose fingerprints are not seeds
/// ([`align_muted`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MutedRange {
    /// Document index.
    pub doc: u32,
    /// First byte.
    pub start: u32,
    /// Byte just past the range.
    pub end: u32,
}

/// The hash bits of a packed fingerprint key: those above its mute bit
/// (bit `pos_bits`) and its position (bits below).
fn key_hash(key: u64, pos_bits: u32) -> u64 {
    key >> (pos_bits + 1)
}

/// Seeds with at most this many occurrences pair every occurrence with
/// every later one; more frequent ones pair only their first occurrence
/// with the others.
const CLIQUE_MAX: usize = 16;

/// Radix partitions of the packed fingerprint keys.
const PARTITION_BITS: u32 = 8;
/// Documents are fingerprinted in chunks of at least this many bytes.
const CHUNK_BYTES: usize = 1 << 20;

/// Global positions: document `d`'s bytes are `base[d]..base[d + 1] - 1`.
#[derive(Debug, Clone)]
struct DocMap {
    /// `base[d]`, one more entry for the total.
    base: Vec<u64>,
    /// `coarse[k]`: the document holding global position `k << shift`.
    coarse: Vec<u32>,
    shift: u32,
}

impl DocMap {
    fn new(lens: impl Iterator<Item = usize>) -> Self {
        let mut base = vec![0u64];
        let mut total = 0u64;
        for len in lens {
            total += len as u64 + 1;
            base.push(total);
        }
        let docs = base.len() - 1;
        // About four coarse blocks per document.
        let blocks = (4 * docs).next_power_of_two().max(1) as u64;
        let shift = (64 - total.max(1).leading_zeros()).saturating_sub(blocks.trailing_zeros());
        let mut coarse = Vec::with_capacity(((total >> shift) + 2) as usize);
        let mut d = 0usize;
        let mut k = 0u64;
        while (k << shift) < total || coarse.is_empty() {
            let pos = k << shift;
            while d + 1 < docs && base[d + 1] <= pos {
                d += 1;
            }
            coarse.push(d as u32);
            k += 1;
        }
        Self {
            base,
            coarse,
            shift,
        }
    }

    fn total(&self) -> u64 {
        self.base.last().copied().unwrap_or(0)
    }

    /// The document and byte offset of global position `g`.
    fn locate(&self, g: u64) -> (u32, u32) {
        let k = (g >> self.shift) as usize;
        let lo = self.coarse[k.min(self.coarse.len() - 1)] as usize;
        let hi = self
            .coarse
            .get(k + 1)
            .map_or(self.base.len() - 1, |&d| d as usize + 1);
        // The last document in lo..hi whose base is at most g.
        let slice = &self.base[lo..hi];
        let d = lo + slice.partition_point(|&b| b <= g) - 1;
        (d as u32, (g - self.base[d]) as u32)
    }

    fn heap_bytes(&self) -> usize {
        self.base.capacity() * 8 + self.coarse.capacity() * 4
    }
}

/// Stage 1: every document's fingerprints as packed keys, radix-partitioned.
#[derive(Debug)]
pub struct Fingerprints {
    /// `parts[p]`: the keys of partition `p`, one vector per chunk of
    /// documents.
    parts: Vec<Vec<Vec<u64>>>,
    docs: DocMap,
    pos_bits: u32,
    stats: AlignStats,
}

/// Per-thread scratch of the tokenize and winnow passes.
struct Scratch {
    tokenizer: Tokenizer,
    winnower: Winnower,
    tokens: Vec<Token>,
    fingerprints: Vec<Fingerprint>,
    keys: Vec<u64>,
}

impl Scratch {
    fn new(params: &AlignParams) -> Self {
        Self {
            tokenizer: Tokenizer::new(params.seed),
            winnower: Winnower::new(params.ngram, params.window),
            tokens: Vec::new(),
            fingerprints: Vec::new(),
            keys: Vec::new(),
        }
    }

    /// Tokenizes `text` into `self.tokens` and winnows it into
    /// `self.fingerprints`.
    fn fingerprint(&mut self, text: &str) {
        self.tokenizer.tokenize(text, &mut self.tokens);
        self.winnower
            .fingerprints(self.tokens.iter().map(|t| t.hash), &mut self.fingerprints);
    }
}

impl Fingerprints {
    /// Tokenizes and winnows every document, in parallel.
    ///
    /// # Errors
    ///
    /// [`Error::Param`] for invalid parameters, more than `u32::MAX`
    /// documents, or a document of 4 GiB or more.
    pub fn collect<D: AsRef<str> + Sync>(docs: &[D], params: &AlignParams) -> Result<Self> {
        Self::collect_muted(docs, params, &[])
    }

    /// [`Fingerprints::collect`], marking the fingerprints whose n-gram
    /// lies wholly inside a `muted` range (sorted by document and start, not
    /// overlapping): [`SeedIndex::build`] counts them but does not keep
    /// them.
    ///
    /// # Errors
    ///
    /// As [`Fingerprints::collect`], and [`Error::Param`] for `muted`
    /// ranges out of order.
    pub fn collect_muted<D: AsRef<str> + Sync>(
        docs: &[D],
        params: &AlignParams,
        muted: &[MutedRange],
    ) -> Result<Self> {
        params.validate()?;
        if muted
            .windows(2)
            .any(|w| (w[1].doc, w[1].start) < (w[0].doc, w[0].end))
        {
            return Err(Error::Param(
                "muted ranges must be sorted by document and start, and not overlap".into(),
            ));
        }
        if u32::try_from(docs.len()).is_err() {
            return Err(Error::Param(format!(
                "{} documents; span alignment handles at most {}",
                docs.len(),
                u32::MAX
            )));
        }
        if let Some(d) = docs
            .iter()
            .position(|d| u32::try_from(d.as_ref().len()).is_err())
        {
            return Err(Error::Param(format!(
                "document {d} is 4 GiB or more; span alignment handles smaller documents"
            )));
        }
        let map = DocMap::new(docs.iter().map(|d| d.as_ref().len()));
        let pos_bits = (64 - map.total().leading_zeros()).max(1);
        // One bit above the position marks a muted fingerprint.
        if pos_bits + 1 > 56 - PARTITION_BITS {
            return Err(Error::Param(
                "corpus too large for span alignment's 64-bit keys".into(),
            ));
        }
        // Chunks of consecutive documents of at least CHUNK_BYTES.
        let mut chunks = Vec::new();
        let mut start = 0;
        let mut bytes = 0;
        for (i, d) in docs.iter().enumerate() {
            bytes += d.as_ref().len() + 1;
            if bytes >= CHUNK_BYTES {
                chunks.push(start..i + 1);
                start = i + 1;
                bytes = 0;
            }
        }
        if start < docs.len() {
            chunks.push(start..docs.len());
        }
        let pos_mask = (1u64 << pos_bits) - 1;
        let mute_bit = 1u64 << pos_bits;
        let ngram = params.ngram;
        let shift = 64 - PARTITION_BITS;
        let parts_n = 1usize << PARTITION_BITS;
        let per_chunk: Vec<(Vec<Vec<u64>>, u64, u64, u64)> = chunks
            .par_iter()
            .map_init(
                || Scratch::new(params),
                |s, range| {
                    s.keys.clear();
                    let mut words = 0u64;
                    let mut silenced = 0u64;
                    for d in range.clone() {
                        s.fingerprint(docs[d].as_ref());
                        words += s.tokens.len() as u64;
                        let base = map.base[d];
                        let tokens = &s.tokens;
                        let doc = d as u32;
                        let from = muted.partition_point(|r| r.doc < doc);
                        let to = from + muted[from..].partition_point(|r| r.doc == doc);
                        let mut ranges = muted[from..to].iter().peekable();
                        s.keys.extend(s.fingerprints.iter().map(|f| {
                            let first = tokens[f.pos as usize];
                            let byte = u64::from(first.start);
                            let key = (f.hash & !(pos_mask | mute_bit)) | (base + byte);
                            // Ranges ending before this n-gram starts are
                            // behind every later one too.
                            while ranges.next_if(|r| r.end <= first.start).is_some() {}
                            let inside = ranges.peek().is_some_and(|r| {
                                let last = tokens[f.pos as usize + ngram - 1];
                                r.start <= first.start && last.end <= r.end
                            });
                            silenced += u64::from(inside);
                            key | if inside { mute_bit } else { 0 }
                        }));
                    }
                    // Exact-size buckets, so no capacity is wasted.
                    let mut counts = vec![0usize; parts_n];
                    for &k in &s.keys {
                        counts[(k >> shift) as usize] += 1;
                    }
                    let mut buckets: Vec<Vec<u64>> =
                        counts.iter().map(|&c| Vec::with_capacity(c)).collect();
                    for &k in &s.keys {
                        buckets[(k >> shift) as usize].push(k);
                    }
                    (buckets, words, s.keys.len() as u64, silenced)
                },
            )
            .collect();
        let mut stats = AlignStats {
            documents: docs.len() as u64,
            ..AlignStats::default()
        };
        let mut parts: Vec<Vec<Vec<u64>>> = (0..parts_n)
            .map(|_| Vec::with_capacity(per_chunk.len()))
            .collect();
        for (buckets, words, fps, silenced) in per_chunk {
            stats.words += words;
            stats.fingerprints += fps;
            stats.muted += silenced;
            for (p, b) in buckets.into_iter().enumerate() {
                if !b.is_empty() {
                    parts[p].push(b);
                }
            }
        }
        stats.fingerprint_bytes = stats.fingerprints * 8;
        Ok(Self {
            parts,
            docs: map,
            pos_bits,
            stats,
        })
    }

    /// Counters so far (documents, words, fingerprints).
    pub fn stats(&self) -> &AlignStats {
        &self.stats
    }
}

/// Stage 2: the kept seeds, sorted.
#[derive(Debug)]
pub struct SeedIndex {
    /// Sorted packed keys of the kept fingerprints.
    keys: Vec<u64>,
    pos_bits: u32,
    docs: DocMap,
    stats: AlignStats,
}

impl SeedIndex {
    /// Sorts each partition of `fingerprints` (in parallel), drops hashes
    /// seen once or more than `max_df` times.
    pub fn build(fingerprints: Fingerprints, params: &AlignParams) -> Self {
        let Fingerprints {
            parts,
            docs,
            pos_bits,
            mut stats,
        } = fingerprints;
        let max = params.max_df as usize;
        let mute_bit = 1u64 << pos_bits;
        let kept_parts: Vec<(Vec<u64>, u64, u64)> = parts
            .into_par_iter()
            .map(|pieces| {
                let mut keys = Vec::with_capacity(pieces.iter().map(Vec::len).sum());
                for piece in pieces {
                    keys.extend_from_slice(&piece);
                }
                keys.sort_unstable();
                let (mut dropped, mut dropped_fps) = (0u64, 0u64);
                let mut w = 0;
                let mut i = 0;
                while i < keys.len() {
                    let h = key_hash(keys[i], pos_bits);
                    let mut j = i + 1;
                    while j < keys.len() && key_hash(keys[j], pos_bits) == h {
                        j += 1;
                    }
                    let run = j - i;
                    // Unmuted occurrences sort first in their run.
                    let open = keys[i..j].partition_point(|k| k & mute_bit == 0);
                    if run > max {
                        dropped += 1;
                        dropped_fps += run as u64;
                    } else if open >= 2 {
                        keys.copy_within(i..i + open, w);
                        w += open;
                    }
                    i = j;
                }
                keys.truncate(w);
                keys.shrink_to_fit();
                (keys, dropped, dropped_fps)
            })
            .collect();
        let total: usize = kept_parts.iter().map(|p| p.0.len()).sum();
        let mut keys = Vec::with_capacity(total);
        for (k, dropped, dropped_fps) in kept_parts {
            keys.extend_from_slice(&k);
            stats.dropped_hashes += dropped;
            stats.dropped_fingerprints += dropped_fps;
        }
        stats.seeds = keys.len() as u64;
        // The keys, and their order by position made in stage 3.
        stats.index_bytes = (keys.capacity() * 12 + docs.heap_bytes()) as u64;
        Self {
            keys,
            pos_bits,
            docs,
            stats,
        }
    }

    /// Counters so far (stages 1 and 2).
    pub fn stats(&self) -> &AlignStats {
        &self.stats
    }

    /// Stage 3: aligns every document holding an occurrence of a seed with
    /// the later documents (and itself) holding the others (only the first
    /// occurrence, for seeds of more than [`CLIQUE_MAX`] occurrences).
    /// `docs` must be the documents the index was built from.
    pub fn align<D: AsRef<str> + Sync>(&self, docs: &[D], params: &AlignParams) -> Alignment {
        let mask = (1u64 << self.pos_bits) - 1;
        // The kept keys in position order (4 bytes each): a document's
        // seeds are one range of it, so its fingerprints need not be
        // recomputed and looked up.
        let mut by_pos: Vec<u32> = (0..self.keys.len() as u32).collect();
        by_pos.par_sort_unstable_by_key(|&i| self.keys[i as usize] & mask);
        let mut seeded: Vec<(u32, usize, usize)> = Vec::new();
        let mut i = 0;
        while i < by_pos.len() {
            let (doc, _) = self.docs.locate(self.keys[by_pos[i] as usize] & mask);
            let end = self.docs.base[doc as usize + 1];
            let j = i + by_pos[i..].partition_point(|&k| self.keys[k as usize] & mask < end);
            seeded.push((doc, i, j));
            i = j;
        }
        let results: Vec<Out> = seeded
            .par_iter()
            .map_init(
                || PairScratch::new(params),
                |s, &(a, from, to)| self.align_doc(docs, a, &by_pos[from..to], params, s),
            )
            .collect();
        let mut stats = self.stats;
        stats.seeded_documents = seeded.len() as u64;
        let mut matches = Vec::with_capacity(results.iter().map(|r| r.matches.len()).sum());
        for Out {
            matches: m,
            stats: p,
        } in results
        {
            matches.extend_from_slice(&m);
            stats.pairs += p.pairs;
            stats.hits += p.hits;
            stats.segments += p.segments;
            stats.chains += p.chains;
            stats.tokenized_bytes += p.tokenized_bytes;
            stats.steps += p.steps;
            stats.measured += p.measured;
            stats.measured_bytes += p.measured_bytes;
        }
        stats.verified = matches.len() as u64;
        Alignment { matches, stats }
    }

    /// Every match of document `a` with itself and later documents, sorted.
    /// `seeds`: indices of the document's kept keys, in position order.
    fn align_doc<D: AsRef<str>>(
        &self,
        docs: &[D],
        a: u32,
        seeds: &[u32],
        params: &AlignParams,
        s: &mut PairScratch,
    ) -> Out {
        let mask = (1u64 << self.pos_bits) - 1;
        let side_a = Side {
            doc: a,
            text: docs[a as usize].as_ref(),
        };
        let mut out = Out::default();
        let own = self.docs.base[a as usize];
        s.hits.clear();
        for (i, &ki) in seeds.iter().enumerate() {
            let ki = ki as usize;
            let key = self.keys[ki];
            // Each occurrence of a seed pairs with the later ones when the
            // seed is rare (a few copies of one text: every copy must meet
            // every other, since any of them may be the one a third copy is
            // closest to); in a longer run only the first occurrence does,
            // so a seed costs hits linear in its occurrences. A run is at
            // most `max_df` keys.
            let h = key_hash(key, self.pos_bits);
            let same = |k: &u64| key_hash(*k, self.pos_bits) == h;
            let first = ki - self.keys[..ki].iter().rev().take_while(|k| same(k)).count();
            let last = ki + 1 + self.keys[ki + 1..].iter().take_while(|k| same(k)).count();
            if ki > first && last - first > CLIQUE_MAX {
                continue;
            }
            for &k in &self.keys[ki + 1..last] {
                let (doc, b) = self.docs.locate(k & mask);
                // `a` is the seed's index in `seeds` until A is tokenized.
                s.hits.push(Hit {
                    doc,
                    b,
                    a: i as u32,
                });
            }
        }
        // A document whose seeds all recur only earlier (the last copy of
        // a text) has no hit: nothing to tokenize.
        if s.hits.is_empty() {
            return out;
        }
        s.tokenizer.tokenize(side_a.text, &mut s.tokens_a);
        out.stats.tokenized_bytes = side_a.text.len() as u64;
        // Token index of each seed, walking A's tokens along the seeds
        // (both in position order).
        s.seed_tokens.clear();
        let mut t = 0usize;
        for &ki in seeds {
            let byte = (self.keys[ki as usize] & mask) - own;
            while t < s.tokens_a.len() && u64::from(s.tokens_a[t].start) < byte {
                t += 1;
            }
            s.seed_tokens.push(t as u32);
        }
        for hit in &mut s.hits {
            hit.a = s.seed_tokens[hit.a as usize];
        }
        out.stats.hits = s.hits.len() as u64;
        s.hits.sort_unstable();
        let hits = std::mem::take(&mut s.hits);
        for group in hits.chunk_by(|x, y| x.doc == y.doc) {
            out.stats.pairs += 1;
            let b = group[0].doc;
            if b == a {
                // Inside one document: its tokens are at hand.
                map_hits(group, &s.tokens_a, &mut s.mapped);
                let pair = Pair {
                    a: side_a,
                    b: side_a,
                    ta: &s.tokens_a,
                    tb: &s.tokens_a,
                    same: true,
                    params,
                };
                pair.segments(&s.mapped, &mut s.segments, &mut out.stats.steps);
                pair.finish(&mut s.segments, &mut s.verifier, &mut out);
                continue;
            }
            // Another document: tokenize windows around its hits only, since
            // it may be long and share little with A.
            let side_b = Side {
                doc: b,
                text: docs[b as usize].as_ref(),
            };
            s.covered.clear();
            let mut open = std::mem::take(&mut s.open);
            for cluster in group.chunk_by(|x, y| y.b - x.b <= CLUSTER_GAP) {
                // A hit inside a segment an earlier window made (its
                // extension ran through this cluster: a long copy whose
                // seeds are sparse) would only make that segment again.
                open.clear();
                open.extend(cluster.iter().filter(|h| {
                    !s.covered.iter().any(|c| {
                        (c.a0..c.a1).contains(&(h.a as usize)) && (c.b0..c.b1).contains(&h.b)
                    })
                }));
                out.stats.steps += (cluster.len() * s.covered.len()) as u64;
                if !open.is_empty() {
                    align_window(side_a, side_b, &open, params, s, &mut out);
                }
            }
            s.open = open;
        }
        s.hits = hits;
        out.matches.sort_by_key(|x| (x.a, x.b));
        out
    }

    /// Bytes held by the index.
    pub fn heap_bytes(&self) -> usize {
        self.keys.capacity() * 8 + self.docs.heap_bytes()
    }
}

/// The hits of one pair as token indices `(in A, in B)`, sorted; `tb` are
/// B's tokens (or a window of them). A hit whose byte offset is no token
/// start of `tb` is dropped (it cannot happen for a window cut safely).
fn map_hits(hits: &[Hit], tb: &[Token], mapped: &mut Vec<(usize, usize)>) {
    mapped.clear();
    mapped.extend(hits.iter().filter_map(|h| {
        let j = tb.binary_search_by_key(&h.b, |t| t.start).ok()?;
        Some((h.a as usize, j))
    }));
    mapped.sort_unstable();
}

/// Aligns A (tokenized in `s.tokens_a`) with the window of B around `hits`
/// (sorted by position in B), widening the window while a segment reaches
/// its edge.
fn align_window(
    a: Side<'_>,
    b: Side<'_>,
    hits: &[Hit],
    params: &AlignParams,
    s: &mut PairScratch,
    out: &mut Out,
) {
    let (first, last) = (hits[0].b as usize, hits[hits.len() - 1].b as usize);
    let (mut before, mut after) = (WINDOW_MARGIN, WINDOW_MARGIN);
    // The window tokenized so far; a wider one only tokenizes what it adds
    // (its ends are safe cuts, so the tokens of the parts are those of the
    // whole).
    let mut window: Option<(usize, usize)> = None;
    loop {
        let from = safe_cut_before(b.text, first.saturating_sub(before), CUT_REACH);
        let to = safe_cut_after(b.text, last.saturating_add(after), CUT_REACH);
        let (from, to) = match window {
            Some((was_from, was_to)) => {
                // Cuts move outwards only: a lower target finds the same
                // or an earlier cut (or the text's start).
                let (from, to) = (from.min(was_from), to.max(was_to));
                tokenize_at(&mut s.tokenizer, b.text, from, was_from, &mut s.tokens_tmp);
                s.tokens_tmp.extend_from_slice(&s.tokens_b);
                std::mem::swap(&mut s.tokens_tmp, &mut s.tokens_b);
                tokenize_at(&mut s.tokenizer, b.text, was_to, to, &mut s.tokens_tmp);
                s.tokens_b.extend_from_slice(&s.tokens_tmp);
                out.stats.tokenized_bytes += (was_from - from + to - was_to) as u64;
                (from, to)
            }
            None => {
                tokenize_at(&mut s.tokenizer, b.text, from, to, &mut s.tokens_b);
                out.stats.tokenized_bytes += (to - from) as u64;
                (from, to)
            }
        };
        window = Some((from, to));
        map_hits(hits, &s.tokens_b, &mut s.mapped);
        let pair = Pair {
            a,
            b,
            ta: &s.tokens_a,
            tb: &s.tokens_b,
            same: false,
            params,
        };
        let (left, right) = pair.segments(&s.mapped, &mut s.segments, &mut out.stats.steps);
        let left = left && from > 0;
        let right = right && to < b.text.len();
        if !left && !right {
            s.covered.extend(s.segments.iter().map(|g| Covered {
                a0: g.a0,
                a1: g.a1,
                b0: s.tokens_b[g.b0].start,
                b1: s.tokens_b[g.b1 - 1].end,
            }));
            pair.finish(&mut s.segments, &mut s.verifier, out);
            return;
        }
        if left {
            before = before.saturating_mul(4);
        }
        if right {
            after = after.saturating_mul(4);
        }
    }
}

/// Tokenizes `text[from..to]` into `out` (cleared first), with offsets
/// into the whole `text`. `from` and `to` must be safe cuts.
fn tokenize_at(
    tokenizer: &mut Tokenizer,
    text: &str,
    from: usize,
    to: usize,
    out: &mut Vec<Token>,
) {
    tokenizer.tokenize(&text[from..to], out);
    for t in out.iter_mut() {
        t.start += from as u32;
        t.end += from as u32;
    }
}

/// Hits of one pair further apart than this in B (bytes) are aligned in
/// separate windows of B.
const CLUSTER_GAP: u32 = 4096;
/// A window of B starts this many bytes around its hits, and grows fourfold
/// on a side a segment reaches.
const WINDOW_MARGIN: usize = 96;
/// How far to look for a safe cut of B's text.
const CUT_REACH: usize = 1 << 16;

/// A seed shared by document A (the one being aligned) and `doc`: at token
/// `a` of A and byte `b` of `doc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    doc: u32,
    b: u32,
    a: u32,
}

#[derive(Debug, Clone, Copy, Default)]
struct PairStats {
    pairs: u64,
    hits: u64,
    segments: u64,
    chains: u64,
    tokenized_bytes: u64,
    steps: u64,
    measured: u64,
    measured_bytes: u64,
}

/// A segment of an earlier window of the same pair: tokens `a0..a1` of A,
/// bytes `b0..b1` of B.
#[derive(Debug, Clone, Copy)]
struct Covered {
    a0: usize,
    a1: usize,
    b0: u32,
    b1: u32,
}

/// Per-thread scratch of stage 3.
struct PairScratch {
    tokenizer: Tokenizer,
    tokens_a: Vec<Token>,
    tokens_b: Vec<Token>,
    /// Tokens of the parts a wider window of B adds.
    tokens_tmp: Vec<Token>,
    hits: Vec<Hit>,
    /// Hits of one pair as token indices `(in A, in B)`.
    mapped: Vec<(usize, usize)>,
    /// Token index in A of each of A's seeds.
    seed_tokens: Vec<u32>,
    segments: Vec<Segment>,
    /// Segments of the pair's earlier windows.
    covered: Vec<Covered>,
    /// Hits of one cluster not inside them.
    open: Vec<Hit>,
    verifier: Verifier,
}

impl PairScratch {
    fn new(params: &AlignParams) -> Self {
        Self {
            tokenizer: Tokenizer::new(params.seed),
            tokens_a: Vec::new(),
            tokens_b: Vec::new(),
            tokens_tmp: Vec::new(),
            hits: Vec::new(),
            mapped: Vec::new(),
            seed_tokens: Vec::new(),
            segments: Vec::new(),
            covered: Vec::new(),
            open: Vec::new(),
            verifier: Verifier {
                tokenizer: Tokenizer::new(params.seed),
                shingler: Shingler::new(ShingleKind::Char, 5, params.seed),
                text: String::new(),
                set_a: Vec::new(),
                set_b: Vec::new(),
                sets: SetSimilarity::default(),
            },
        }
    }
}

/// Computes the char 5-gram Jaccard similarity of two spans' normalized
/// text.
struct Verifier {
    tokenizer: Tokenizer,
    shingler: Shingler,
    text: String,
    set_a: Vec<u64>,
    set_b: Vec<u64>,
    sets: SetSimilarity,
}

impl Verifier {
    fn similarity(&mut self, a: &str, b: &str) -> f64 {
        self.tokenizer.normalize_into(a, &mut self.text);
        self.shingler.hashes(&self.text, &mut self.set_a);
        self.tokenizer.normalize_into(b, &mut self.text);
        self.shingler.hashes(&self.text, &mut self.set_b);
        self.sets.of(&self.set_a, &self.set_b)
    }
}

/// Aligned token ranges `a0..a1` of A and `b0..b1` of B.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    a0: usize,
    a1: usize,
    b0: usize,
    b1: usize,
    /// Every token of `a0..a1` equals (same hash) the token of `b0..b1` at
    /// the same offset: the normalized texts are the same, so their
    /// similarity is 1 without computing it.
    exact: bool,
}

impl Segment {
    fn diag_start(&self) -> i64 {
        self.a0 as i64 - self.b0 as i64
    }

    fn diag_end(&self) -> i64 {
        self.a1 as i64 - self.b1 as i64
    }
}

/// Skips tried at a mismatch, cheapest first: (tokens of A, tokens of B).
const RESYNC: [(usize, usize); 8] = [
    (1, 1),
    (1, 0),
    (0, 1),
    (2, 2),
    (2, 1),
    (1, 2),
    (2, 0),
    (0, 2),
];
/// Tokens that must match after a skip for the extension to go on.
const RESYNC_RUN: usize = 2;

/// How far an extension went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Reach {
    /// Tokens consumed in A at the best score.
    a: usize,
    /// Tokens consumed in B at the best score.
    b: usize,
    /// Whether it stopped because B's tokens ran out (or a skip would have
    /// looked past them): with more of B it might have gone further.
    b_exhausted: bool,
    /// Whether every token up to the best score matched (no skip).
    exact: bool,
    /// Token comparisons made (a work counter).
    steps: u64,
}

/// Greedy X-drop extension. `eq(p, q)`: whether the `p`-th token ahead in A
/// equals the `q`-th ahead in B; `la`, `lb`: tokens available ahead.
fn extend(la: usize, lb: usize, xdrop: i64, eq: impl Fn(usize, usize) -> bool) -> Reach {
    let (mut p, mut q) = (0, 0);
    let mut score = 0i64;
    let mut best = (0i64, 0, 0);
    let (mut skipped, mut exact) = (false, true);
    let steps = std::cell::Cell::new(0u64);
    let eq = |p: usize, q: usize| {
        steps.set(steps.get() + 1);
        eq(p, q)
    };
    let b_exhausted = loop {
        if p >= la || q >= lb {
            break p < la;
        }
        if eq(p, q) {
            p += 1;
            q += 1;
            score += 1;
            if score > best.0 {
                best = (score, p, q);
                exact = !skipped;
            }
            continue;
        }
        let skip = RESYNC.iter().find(|&&(dp, dq)| {
            p + dp + RESYNC_RUN <= la
                && q + dq + RESYNC_RUN <= lb
                && (0..RESYNC_RUN).all(|k| eq(p + dp + k, q + dq + k))
        });
        let Some(&(dp, dq)) = skip else {
            break RESYNC
                .iter()
                .any(|&(dp, dq)| p + dp + RESYNC_RUN <= la && q + dq + RESYNC_RUN > lb);
        };
        score -= dp.max(dq) as i64 + 1;
        if best.0 - score > xdrop {
            break false;
        }
        skipped = true;
        p += dp;
        q += dq;
    };
    Reach {
        a: best.1,
        b: best.2,
        b_exhausted,
        exact,
        steps: steps.get(),
    }
}

/// A document and its text.
#[derive(Debug, Clone, Copy)]
struct Side<'t> {
    doc: u32,
    text: &'t str,
}

/// What stage 3 produces for one document A.
#[derive(Debug, Default)]
struct Out {
    matches: Vec<SpanMatch>,
    stats: PairStats,
}

/// One document pair: the documents, and the token streams of A and of a
/// window of B (offsets into the whole texts).
struct Pair<'t> {
    a: Side<'t>,
    b: Side<'t>,
    ta: &'t [Token],
    tb: &'t [Token],
    /// A and B are the same document (then every segment has `a1 <= b0`).
    same: bool,
    params: &'t AlignParams,
}

impl Pair<'_> {
    /// Extends the `hits` (sorted by position in A) into `segments`; a hit
    /// inside a segment already made is skipped. Returns whether some
    /// extension ran out of B's tokens to the left and to the right.
    fn segments(
        &self,
        hits: &[(usize, usize)],
        segments: &mut Vec<Segment>,
        steps: &mut u64,
    ) -> (bool, bool) {
        segments.clear();
        let mut edges = (false, false);
        let n = self.params.ngram;
        let slack = i64::from(self.params.slack);
        let xdrop = i64::from(self.params.xdrop);
        let (a, b) = (self.ta, self.tb);
        // Segments that may still cover a hit: those ending after it in A.
        let mut active: Vec<usize> = Vec::new();
        for &(i, j) in hits {
            *steps += active.len() as u64 + 1;
            active.retain(|&s| segments[s].a1 > i);
            let diag = i as i64 - j as i64;
            let covered = active.iter().any(|&s| {
                let g = &segments[s];
                (g.a0..g.a1).contains(&i)
                    && (g.b0..g.b1).contains(&j)
                    && ((diag - g.diag_start()).abs() <= slack
                        || (diag - g.diag_end()).abs() <= slack)
            });
            if covered {
                continue;
            }
            // The seed itself must match (keys keep only part of the hash)
            // and, inside one document, not overlap its copy.
            if i + n > a.len()
                || j + n > b.len()
                || (self.same && i + n > j)
                || (0..n).any(|k| a[i + k].hash != b[j + k].hash)
            {
                continue;
            }
            // Left, then right; inside one document A stays before B.
            let b_floor = if self.same { i + n } else { 0 };
            let left = extend(i, j - b_floor, xdrop, |p, q| {
                a[i - 1 - p].hash == b[j - 1 - q].hash
            });
            let (a0, b0) = (i - left.a, j - left.b);
            let (i1, j1) = (i + n, j + n);
            let a_ceiling = if self.same { b0 } else { a.len() };
            let right = extend(a_ceiling - i1, b.len() - j1, xdrop, |p, q| {
                a[i1 + p].hash == b[j1 + q].hash
            });
            edges.0 |= left.b_exhausted;
            edges.1 |= right.b_exhausted;
            *steps += left.steps + right.steps + n as u64;
            segments.push(Segment {
                a0,
                a1: i1 + right.a,
                b0,
                b1: j1 + right.b,
                exact: left.exact && right.exact,
            });
            active.push(segments.len() - 1);
        }
        edges
    }

    /// Chains segments (sorted here by start) on about the same diagonal
    /// with gaps of at most `max_gap` tokens into span pairs.
    fn chain(&self, segments: &mut [Segment]) -> Vec<Segment> {
        segments.sort_unstable_by_key(|s| (s.a0, s.b0, s.a1, s.b1));
        let gap = self.params.max_gap as usize;
        let mut chains: Vec<Segment> = Vec::new();
        for &s in segments.iter() {
            let joined = chains.iter_mut().rev().take(8).find_map(|c| {
                let inside = s.a1 <= c.a1 && s.b0 >= c.b0 && s.b1 <= c.b1;
                let fits = inside
                    || (s.a0 <= c.a1 + gap
                        && s.b0 <= c.b1 + gap
                        && s.b0 >= c.b0
                        && s.a1 > c.a1
                        && s.b1 > c.b1
                        && (s.diag_start() - c.diag_end()).unsigned_abs() as usize <= gap
                        && (!self.same || s.a1 <= c.b0));
                fits.then_some(c)
            });
            match joined {
                Some(c) => {
                    if s.a1 > c.a1 || s.b1 > c.b1 {
                        c.exact = false;
                    }
                    c.a1 = c.a1.max(s.a1);
                    c.b1 = c.b1.max(s.b1);
                }
                None => chains.push(s),
            }
        }
        chains
    }

    /// Chains the segments, verifies the chains, and appends the verified
    /// ones to `out`.
    fn finish(&self, segments: &mut [Segment], verifier: &mut Verifier, out: &mut Out) {
        out.stats.segments += segments.len() as u64;
        let chains = self.chain(segments);
        out.stats.chains += chains.len() as u64;
        for c in chains {
            if let Some(score) = self.verify(&c, verifier, &mut out.stats) {
                out.matches.push(SpanMatch {
                    a: span(self.a.doc, self.ta, c.a0, c.a1),
                    b: span(self.b.doc, self.tb, c.b0, c.b1),
                    score,
                });
                continue;
            }
            // A chain that joined a copy with a neighbouring part that is
            // not one (a copied sentence after a sentence that only looks
            // like the one before it) fails as a whole: its segments are
            // verified one by one. Segments are sorted by start in A, so
            // those inside the chain are among those starting in it.
            let from = segments.partition_point(|s| s.a0 < c.a0);
            let to = from + segments[from..].partition_point(|s| s.a0 < c.a1);
            out.stats.steps += (to - from) as u64;
            let inside = segments[from..to]
                .iter()
                .filter(|s| s.a1 <= c.a1 && s.b0 >= c.b0 && s.b1 <= c.b1 && **s != c);
            for s in inside {
                if let Some(score) = self.verify(s, verifier, &mut out.stats) {
                    out.matches.push(SpanMatch {
                        a: span(self.a.doc, self.ta, s.a0, s.a1),
                        b: span(self.b.doc, self.tb, s.b0, s.b1),
                        score,
                    });
                }
            }
        }
    }

    /// The similarity of a chain's two spans, if they are long and similar
    /// enough; counts the spans measured in `stats`.
    fn verify(&self, c: &Segment, v: &mut Verifier, stats: &mut PairStats) -> Option<f64> {
        let min = self.params.min_words as usize;
        if c.a1 - c.a0 < min || c.b1 - c.b0 < min {
            return None;
        }
        if c.exact {
            return Some(1.0);
        }
        let a = span(self.a.doc, self.ta, c.a0, c.a1);
        let b = span(self.b.doc, self.tb, c.b0, c.b1);
        let (a, b) = (
            &self.a.text[a.start_byte as usize..a.end_byte as usize],
            &self.b.text[b.start_byte as usize..b.end_byte as usize],
        );
        stats.measured += 1;
        stats.measured_bytes += (a.len() + b.len()) as u64;
        let score = v.similarity(a, b);
        (score >= self.params.threshold).then_some(score)
    }
}

/// The span of tokens `t0..t1` of `tokens` (a stream or window of `doc`).
fn span(doc: u32, tokens: &[Token], t0: usize, t1: usize) -> DocSpan {
    DocSpan {
        doc,
        start_byte: tokens[t0].start,
        end_byte: tokens[t1 - 1].end,
        words: (t1 - t0) as u32,
    }
}
