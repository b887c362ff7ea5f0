//! Span alignment: near-duplicate spans of words between (and within)
//! documents, wherever sentences and paragraphs are cut.
//!
//! The seed, extend and filter scheme of text-alignment systems, at corpus
//! scale, in three stages:
//!
//! 1. **Fingerprints** ([`Fingerprints::collect`]): every document is
//!    tokenized ([`crate::tokens`]) and winnowed ([`crate::winnow`]), in
//!    parallel. Each fingerprint is packed into one `u64` key: the top bits
//!    of its hash above the *global position* of its first word (the
//!    document's base, a running sum of `len + 1`, plus the word's byte
//!    offset). Keys are radix-partitioned on their top 8 bits as they are
//!    made. **8 bytes per fingerprint**, about 3.2 bytes per word at 0.4
//!    fingerprints per word: the peak of the span path.
//! 2. **Seed index** ([`SeedIndex::build`]): each partition is sorted, and a
//!    run of equal hashes is kept only when it has at least two occurrences
//!    (a hash seen once matches nothing) and at most
//!    [`AlignParams::max_df`] (more is boilerplate: sign-offs, licence
//!    lines, navigation; dropped and counted). Each later occurrence of a
//!    kept hash, paired with the first occurrence, is a **hit**; the hits
//!    (16 bytes each), sorted by the later occurrence, are the index, and
//!    everything else is freed. Pairing with the first occurrence only
//!    (a star, not every pair) keeps the hits linear in the occurrences:
//!    groups need every copy matched with an earlier one, not with all.
//! 3. **Alignment** ([`SeedIndex::align`]), in parallel over the documents
//!    B holding hits: B is tokenized, and its hits are taken document A by
//!    document A (earliest first), in windows of A around them (A may be
//!    long and share one sentence with B: only a few hundred bytes around
//!    the hits are tokenized, and a window doubles on a side an extension
//!    runs out of; cuts fall where the tokens come out the same,
//!    [`crate::tokens::is_safe_cut`]). Each hit not inside a segment made
//!    already is **extended** into an aligned segment: from the seed, word
//!    by word in both directions while the token hashes match, stepping
//!    over a substituted, inserted or deleted word or two when the next two
//!    words match again, and stopping when the score (+1 a match, -2 to -3
//!    a skip) falls [`AlignParams::xdrop`] below its best (greedy X-drop, as
//!    in BLAST). Segments on about the same diagonal with gaps of at most
//!    [`AlignParams::max_gap`] words are **chained** into one span pair,
//!    which is **verified**: at least [`AlignParams::min_words`] words on
//!    both sides, and a similarity of at least [`AlignParams::threshold`]:
//!    twice the words the alignment pairs as equal over the words of both
//!    spans. A part of B aligned with an earlier document is not aligned
//!    again with a later one (the pair is skipped and counted).
//!
//! A shared run of `window + ngram - 1` words (8 by default) always yields a
//! hit, so every verbatim shared run of that length is found unless its
//! fingerprints are boilerplate; one hit is enough for a span, since a copied
//! sentence of 8 to 12 words often has only one or two.
//!
//! **The similarity** is measured on the alignment itself rather than as a
//! char 5-gram Jaccard of the normalized spans (the unit path's measure):
//! recomputing the spans' text and shingle sets took half of stage 3 on
//! debian-docs (4 of 9 s), while the aligned word count is free. It is the
//! share of the two spans' words paired as equal (Dice), which the X-drop
//! extension keeps high inside a span; it rejects chains bridging unrelated
//! gaps. It is more lenient than char 5-gram Jaccard on short spans (one
//! word changed in 15 is 0.93 here, about 0.76 there).
//!
//! **Memory**: the caller keeps every document's text; token streams are
//! never held for the corpus (one document and one window per thread at a
//! time). Beyond the texts: 8 bytes per fingerprint during stages 1 and 2,
//! then 16 bytes per hit; [`AlignStats`] reports both. **Results** do not
//! depend on the number of threads (every stage is ordered by document and
//! position) nor on the window sizes (tested).
//!
//! ```
//! use dupscan::align::{align, AlignParams};
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
//! # Ok::<(), dupscan::Error>(())
//! ```

use std::ops::Range;

use rayon::prelude::*;

use crate::error::{Error, Result};
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
    /// one) is boilerplate and is not a seed. Default 50. This also bounds
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
    /// Minimum similarity of the two spans: twice the words the alignment
    /// pairs as equal over the words of both. Default 0.7.
    pub threshold: f64,
    /// Seed of the word hashes. Default 42.
    pub seed: u64,
}

impl Default for AlignParams {
    fn default() -> Self {
        Self {
            ngram: DEFAULT_NGRAM,
            window: DEFAULT_WINDOW,
            max_df: 50,
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
    /// Similarity of the two spans: twice the words the alignment pairs as
    /// equal over the words of both (1 for the same words).
    pub score: f32,
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
    /// Fingerprints kept in the seed index (hashes seen at least twice).
    pub seeds: u64,
    /// Bytes of the fingerprint keys at their peak (stages 1 and 2).
    pub fingerprint_bytes: u64,
    /// Bytes of the seed index (kept keys and directory).
    pub index_bytes: u64,
    /// Documents B that hold a later occurrence of a seed and were aligned
    /// (stage 3).
    pub seeded_documents: u64,
    /// Hits: later occurrences of a seed, each paired with the first one.
    pub hits: u64,
    /// Document pairs aligned (B with an earlier A, or B with itself).
    pub pairs: u64,
    /// Document pairs not aligned because every hit lay in a part of B
    /// already aligned with an earlier document.
    pub skipped_pairs: u64,
    /// Segments: hits extended (the others lay inside a segment already).
    pub segments: u64,
    /// Chains of segments: candidate span pairs.
    pub chains: u64,
    /// Chains long and similar enough but rejected because fewer than
    /// `min_words` of their words lie outside boilerplate.
    pub boilerplate_chains: u64,
    /// Verified span pairs.
    pub verified: u64,
    /// Bytes tokenized in stage 3: each aligned document A once, and the
    /// windows of its partners B around the hits.
    pub tokenized_bytes: u64,
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
    let fingerprints = Fingerprints::collect(docs, params)?;
    let index = SeedIndex::build(fingerprints, params);
    Ok(index.align(docs, params))
}

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
        params.validate()?;
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
        if pos_bits > 56 - PARTITION_BITS {
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
        let shift = 64 - PARTITION_BITS;
        let parts_n = 1usize << PARTITION_BITS;
        let per_chunk: Vec<(Vec<Vec<u64>>, u64, u64)> = chunks
            .par_iter()
            .map_init(
                || Scratch::new(params),
                |s, range| {
                    s.keys.clear();
                    let mut words = 0u64;
                    for d in range.clone() {
                        s.fingerprint(docs[d].as_ref());
                        words += s.tokens.len() as u64;
                        let base = map.base[d];
                        let tokens = &s.tokens;
                        s.keys.extend(s.fingerprints.iter().map(|f| {
                            let byte = u64::from(tokens[f.pos as usize].start);
                            (f.hash & !pos_mask) | (base + byte)
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
                    (buckets, words, s.keys.len() as u64)
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
        for (buckets, words, fps) in per_chunk {
            stats.words += words;
            stats.fingerprints += fps;
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

/// Stage 2: every later occurrence of a kept seed with its first
/// occurrence, sorted by the later one's position.
#[derive(Debug)]
pub struct SeedIndex {
    /// `(later, first)` global positions: a hit. Sorted by `later`, so a
    /// document's hits are contiguous.
    hits: Vec<(u64, u64)>,
    /// The hashes dropped as boilerplate.
    boilerplate: Boilerplate,
    docs: DocMap,
    stats: AlignStats,
}

/// One radix partition of the fingerprint keys after [`Partition::sift`].
#[derive(Debug, Default)]
struct Partition {
    /// The kept keys, sorted: runs of at least two and at most `max_df`
    /// equal hashes.
    keys: Vec<u64>,
    /// The hash bits of the runs dropped as boilerplate.
    dropped: Vec<u64>,
    /// How many keys they held.
    dropped_fingerprints: u64,
    /// The documents holding them (sorted within each run only).
    dropped_in: Vec<u32>,
}

impl Partition {
    /// Sorts the keys of a partition (one piece per chunk of documents)
    /// and keeps the runs of equal hashes that make hits.
    fn sift(pieces: Vec<Vec<u64>>, docs: &DocMap, pos_bits: u32, max_df: usize) -> Self {
        let mask = (1u64 << pos_bits) - 1;
        let mut keys = Vec::with_capacity(pieces.iter().map(Vec::len).sum());
        for piece in pieces {
            keys.extend_from_slice(&piece);
        }
        keys.sort_unstable();
        let mut part = Partition::default();
        let mut w = 0;
        let mut i = 0;
        while i < keys.len() {
            let h = keys[i] >> pos_bits;
            let mut j = i + 1;
            while j < keys.len() && keys[j] >> pos_bits == h {
                j += 1;
            }
            let run = j - i;
            if run > max_df {
                part.dropped.push(h);
                part.dropped_fingerprints += run as u64;
                // Keys of a run are in position order: one entry per
                // document.
                let mut last = u32::MAX;
                for &k in &keys[i..j] {
                    let d = docs.locate(k & mask).0;
                    if d != last {
                        part.dropped_in.push(d);
                        last = d;
                    }
                }
            } else if run >= 2 {
                keys.copy_within(i..j, w);
                w += run;
            }
            i = j;
        }
        keys.truncate(w);
        keys.shrink_to_fit();
        part.keys = keys;
        part
    }
}

/// The fingerprint hashes dropped as boilerplate, to recognise boilerplate
/// inside an aligned span: winnowing selects a boilerplate passage's
/// fingerprints differently near its ends in different documents, so a few
/// of them occur fewer than `max_df` times and make hits; a span is
/// verified only if enough of its words lie outside boilerplate.
#[derive(Debug)]
struct Boilerplate {
    /// Sorted hash bits (a key's bits above the position).
    hashes: Vec<u64>,
    /// One bit per value of the low [`FILTER_BITS`] of the hash bits: most
    /// fingerprints are rejected with one test.
    filter: Vec<u64>,
    /// One bit per document: whether it holds a boilerplate fingerprint.
    in_docs: Vec<u64>,
    pos_bits: u32,
}

/// Bits of the [`Boilerplate`] filter's index.
const FILTER_BITS: u32 = 16;

impl Boilerplate {
    fn new(mut hashes: Vec<u64>, in_docs: Vec<u64>, pos_bits: u32) -> Self {
        hashes.sort_unstable();
        hashes.shrink_to_fit();
        let mut filter = vec![0u64; 1 << (FILTER_BITS - 6)];
        for &h in &hashes {
            let bit = h & ((1 << FILTER_BITS) - 1);
            filter[(bit >> 6) as usize] |= 1 << (bit & 63);
        }
        Self {
            hashes,
            filter,
            in_docs,
            pos_bits,
        }
    }

    fn contains(&self, hash: u64) -> bool {
        let h = hash >> self.pos_bits;
        let bit = h & ((1 << FILTER_BITS) - 1);
        self.filter[(bit >> 6) as usize] & (1 << (bit & 63)) != 0
            && self.hashes.binary_search(&h).is_ok()
    }

    /// How many of `tokens` (a span of document `doc`) lie in an n-gram
    /// whose fingerprint is boilerplate (winnowing `tokens` alone).
    fn words(
        &self,
        doc: u32,
        tokens: &[Token],
        winnower: &mut Winnower,
        fps: &mut Vec<Fingerprint>,
    ) -> usize {
        if self.in_docs[doc as usize / 64] & (1 << (doc % 64)) == 0 {
            return 0;
        }
        winnower.fingerprints(tokens.iter().map(|t| t.hash), fps);
        let n = winnower.ngram();
        let (mut covered, mut until) = (0, 0);
        for f in fps.iter().filter(|f| self.contains(f.hash)) {
            let (from, to) = (f.pos as usize, f.pos as usize + n);
            covered += to.saturating_sub(from.max(until));
            until = until.max(to);
        }
        covered
    }

    fn heap_bytes(&self) -> usize {
        (self.hashes.capacity() + self.filter.capacity() + self.in_docs.capacity()) * 8
    }
}

impl SeedIndex {
    /// Sorts each partition of `fingerprints` (in parallel), drops hashes
    /// seen once or more than `max_df` times, and sorts the later
    /// occurrences of the kept ones by position.
    pub fn build(fingerprints: Fingerprints, params: &AlignParams) -> Self {
        let Fingerprints {
            parts,
            docs,
            pos_bits,
            mut stats,
        } = fingerprints;
        let max = params.max_df as usize;
        let mask = (1u64 << pos_bits) - 1;
        // Sort each partition and keep only the runs that make hits, freeing
        // the rest before the hits are allocated.
        let mut kept: Vec<Partition> = parts
            .into_par_iter()
            .map(|pieces| Partition::sift(pieces, &docs, pos_bits, max))
            .collect();
        let mut dropped = Vec::new();
        let mut in_docs = vec![0u64; (docs.base.len() - 1).div_ceil(64)];
        for part in &mut kept {
            stats.seeds += part.keys.len() as u64;
            stats.dropped_hashes += part.dropped.len() as u64;
            stats.dropped_fingerprints += part.dropped_fingerprints;
            dropped.append(&mut part.dropped);
            for &d in &part.dropped_in {
                in_docs[d as usize / 64] |= 1 << (d % 64);
            }
            part.dropped_in = Vec::new();
        }
        let boilerplate = Boilerplate::new(dropped, in_docs, pos_bits);
        // Each run of `r` kept keys makes `r - 1` hits.
        let counts: Vec<usize> = kept
            .par_iter()
            .map(|part| {
                part.keys
                    .chunk_by(|x, y| x >> pos_bits == y >> pos_bits)
                    .map(|run| run.len() - 1)
                    .sum()
            })
            .collect();
        let mut hits = vec![(0u64, 0u64); counts.iter().sum()];
        let mut slices = Vec::with_capacity(kept.len());
        let mut rest = hits.as_mut_slice();
        for &c in &counts {
            let (head, tail) = rest.split_at_mut(c);
            slices.push(head);
            rest = tail;
        }
        kept.into_par_iter().zip(slices).for_each(|(part, out)| {
            let pairs = part
                .keys
                .chunk_by(|x, y| x >> pos_bits == y >> pos_bits)
                .flat_map(|run| run[1..].iter().map(move |&k| (k & mask, run[0] & mask)));
            for (slot, pair) in out.iter_mut().zip(pairs) {
                *slot = pair;
            }
        });
        hits.par_sort_unstable();
        stats.hits = hits.len() as u64;
        let mut index = Self {
            hits,
            boilerplate,
            docs,
            stats,
        };
        index.stats.index_bytes = index.heap_bytes() as u64;
        index
    }

    /// Counters so far (stages 1 and 2).
    pub fn stats(&self) -> &AlignStats {
        &self.stats
    }

    /// Bytes held by the index.
    pub fn heap_bytes(&self) -> usize {
        self.hits.capacity() * 16 + self.boilerplate.heap_bytes() + self.docs.heap_bytes()
    }

    /// Stage 3: aligns every document B holding a later occurrence of a seed
    /// with the earlier documents (and the earlier part of itself) holding
    /// the first occurrences. `docs` must be the documents the index was
    /// built from.
    pub fn align<D: AsRef<str> + Sync>(&self, docs: &[D], params: &AlignParams) -> Alignment {
        self.align_with_margin(docs, params, WINDOW_MARGIN)
    }

    /// [`Self::align`] with windows of A starting `margin` bytes around
    /// their hits.
    fn align_with_margin<D: AsRef<str> + Sync>(
        &self,
        docs: &[D],
        params: &AlignParams,
        margin: usize,
    ) -> Alignment {
        // Each document holding later occurrences, with its range of hits.
        let seeded: Vec<(u32, Range<usize>)> = (0..self.docs.base.len() - 1)
            .into_par_iter()
            .filter_map(|d| {
                let lo = self.hits.partition_point(|h| h.0 < self.docs.base[d]);
                let hi = self.hits.partition_point(|h| h.0 < self.docs.base[d + 1]);
                (lo < hi).then_some((d as u32, lo..hi))
            })
            .collect();
        let results: Vec<Out> = seeded
            .par_iter()
            .map_init(
                || PairScratch::new(params, margin),
                |s, (b, hits)| self.align_doc(docs, *b, hits.clone(), params, s),
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
            stats.skipped_pairs += p.skipped_pairs;
            stats.boilerplate_chains += p.boilerplate_chains;
            stats.segments += p.segments;
            stats.chains += p.chains;
            stats.tokenized_bytes += p.tokenized_bytes;
        }
        matches.par_sort_unstable_by_key(|m| (m.a, m.b));
        stats.verified = matches.len() as u64;
        Alignment { matches, stats }
    }

    /// The matches of document `b` with earlier documents and with the
    /// earlier part of itself. `hits` is its range of [`SeedIndex::hits`].
    fn align_doc<D: AsRef<str>>(
        &self,
        docs: &[D],
        b: u32,
        hits: Range<usize>,
        params: &AlignParams,
        s: &mut PairScratch,
    ) -> Out {
        let side_b = Side {
            doc: b,
            text: docs[b as usize].as_ref(),
        };
        s.tokenizer.tokenize(side_b.text, &mut s.tokens_b);
        let mut out = Out::default();
        out.stats.tokenized_bytes = side_b.text.len() as u64;
        let own = self.docs.base[b as usize];
        s.hits.clear();
        for &(at, first) in &self.hits[hits] {
            let byte = (at - own) as u32;
            let Ok(j) = s.tokens_b.binary_search_by_key(&byte, |t| t.start) else {
                continue;
            };
            let (doc, byte) = self.docs.locate(first);
            s.hits.push(Hit {
                doc,
                a: byte,
                b: j as u32,
            });
        }
        s.hits.sort_unstable();
        // B's token ranges already aligned with an earlier document: hits
        // inside them are not aligned again.
        s.covered.clear();
        let hits = std::mem::take(&mut s.hits);
        for group in hits.chunk_by(|x, y| x.doc == y.doc) {
            let a = group[0].doc;
            s.fresh.clear();
            s.fresh
                .extend(group.iter().filter(|h| !covers(&s.covered, h.b as usize)));
            if s.fresh.is_empty() {
                out.stats.skipped_pairs += 1;
                continue;
            }
            out.stats.pairs += 1;
            let before = out.matches.len();
            let fresh = std::mem::take(&mut s.fresh);
            if a == b {
                // Inside one document: its tokens are at hand.
                map_hits(&fresh, &s.tokens_b, &mut s.mapped);
                let pair = Pair {
                    a: side_b,
                    b: side_b,
                    ta: &s.tokens_b,
                    tb: &s.tokens_b,
                    same: true,
                    params,
                    boilerplate: &self.boilerplate,
                };
                pair.segments(&s.mapped, &mut s.segments);
                pair.finish(&mut s.segments, &mut s.verify, &mut out);
            } else {
                // An earlier document: tokenize windows of it around the
                // hits only, since it may be long and share little with B.
                let side_a = Side {
                    doc: a,
                    text: docs[a as usize].as_ref(),
                };
                let mut window = Vec::new();
                for cluster in fresh.chunk_by(|x, y| y.a - x.a <= CLUSTER_GAP) {
                    // What an earlier window of this pair aligned is
                    // covered already.
                    window.clear();
                    window.extend(cluster.iter().filter(|h| !covers(&s.covered, h.b as usize)));
                    if window.is_empty() {
                        continue;
                    }
                    let before = out.matches.len();
                    align_window(
                        (side_a, side_b),
                        &window,
                        params,
                        &self.boilerplate,
                        s,
                        &mut out,
                    );
                    cover_matches(&mut s.covered, &s.tokens_b, &out.matches[before..]);
                }
            }
            cover_matches(&mut s.covered, &s.tokens_b, &out.matches[before..]);
            s.fresh = fresh;
        }
        s.hits = hits;
        out
    }
}

/// Adds the B spans of `matches` to `ranges` (token ranges of `tb`).
fn cover_matches(ranges: &mut Vec<(usize, usize)>, tb: &[Token], matches: &[SpanMatch]) {
    for m in matches {
        if let Ok(t0) = tb.binary_search_by_key(&m.b.start_byte, |t| t.start) {
            cover(ranges, t0, t0 + m.b.words as usize);
        }
    }
}

/// Whether token `t` lies in one of the sorted, disjoint `ranges`.
fn covers(ranges: &[(usize, usize)], t: usize) -> bool {
    let i = ranges.partition_point(|r| r.1 <= t);
    ranges.get(i).is_some_and(|r| r.0 <= t)
}

/// Adds `t0..t1` to the sorted, disjoint `ranges`, merging what it touches.
fn cover(ranges: &mut Vec<(usize, usize)>, t0: usize, t1: usize) {
    let lo = ranges.partition_point(|r| r.1 < t0);
    let hi = ranges.partition_point(|r| r.0 <= t1);
    if lo == hi {
        ranges.insert(lo, (t0, t1));
    } else {
        let merged = (ranges[lo].0.min(t0), ranges[hi - 1].1.max(t1));
        ranges.splice(lo..hi, std::iter::once(merged));
    }
}

/// The hits of one pair as token indices `(in A, in B)`, sorted; `ta` are
/// A's tokens (or a window of them). A hit whose byte offset in A is no
/// token start of `ta` is dropped (it cannot happen for a window cut
/// safely).
fn map_hits(hits: &[Hit], ta: &[Token], mapped: &mut Vec<(usize, usize)>) {
    mapped.clear();
    mapped.extend(hits.iter().filter_map(|h| {
        let i = ta.binary_search_by_key(&h.a, |t| t.start).ok()?;
        Some((i, h.b as usize))
    }));
    mapped.sort_unstable();
}

/// Aligns B (tokenized in `s.tokens_b`) with the window of A around `hits`
/// (sorted by position in A), widening the window while an extension runs
/// out of it.
fn align_window(
    (a, b): (Side<'_>, Side<'_>),
    hits: &[Hit],
    params: &AlignParams,
    boilerplate: &Boilerplate,
    s: &mut PairScratch,
    out: &mut Out,
) {
    let (first, last) = (hits[0].a as usize, hits[hits.len() - 1].a as usize);
    let mut from = safe_cut_before(a.text, first.saturating_sub(s.margin), CUT_REACH);
    let mut to = safe_cut_after(a.text, last.saturating_add(s.margin), CUT_REACH);
    s.tokens_a.clear();
    s.tokenizer
        .append_tokens(&a.text[from..to], from as u32, &mut s.tokens_a);
    out.stats.tokenized_bytes += (to - from) as u64;
    loop {
        map_hits(hits, &s.tokens_a, &mut s.mapped);
        let pair = Pair {
            a,
            b,
            ta: &s.tokens_a,
            tb: &s.tokens_b,
            same: false,
            params,
            boilerplate,
        };
        let edges = pair.segments(&s.mapped, &mut s.segments);
        let left = edges.a_left && from > 0;
        let right = edges.a_right && to < a.text.len();
        if !left && !right {
            pair.finish(&mut s.segments, &mut s.verify, out);
            return;
        }
        // Double the window on each side that ran out, tokenizing only what
        // is new.
        if left {
            let grown = safe_cut_before(a.text, from.saturating_sub(to - from), CUT_REACH);
            s.spare.clear();
            s.tokenizer
                .append_tokens(&a.text[grown..from], grown as u32, &mut s.spare);
            s.spare.extend_from_slice(&s.tokens_a);
            std::mem::swap(&mut s.spare, &mut s.tokens_a);
            out.stats.tokenized_bytes += (from - grown) as u64;
            from = grown;
        }
        if right {
            let grown = safe_cut_after(a.text, to.saturating_add(to - from), CUT_REACH);
            s.tokenizer
                .append_tokens(&a.text[to..grown], to as u32, &mut s.tokens_a);
            out.stats.tokenized_bytes += (grown - to) as u64;
            to = grown;
        }
    }
}

/// Hits of one pair further apart than this in A (bytes) are aligned in
/// separate windows of A.
const CLUSTER_GAP: u32 = 512;
/// A window of A starts this many bytes around its hits, and doubles on a
/// side an extension runs out of. The results do not depend on it
/// (tested), only the work does.
const WINDOW_MARGIN: usize = 64;
/// How far to look for a safe cut of A's text.
const CUT_REACH: usize = 1 << 16;

/// A seed shared by document B (the one being aligned) and an earlier
/// `doc`: at byte `a` of `doc` and token `b` of B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    doc: u32,
    a: u32,
    b: u32,
}

#[derive(Debug, Clone, Copy, Default)]
struct PairStats {
    boilerplate_chains: u64,
    pairs: u64,
    skipped_pairs: u64,
    segments: u64,
    chains: u64,
    tokenized_bytes: u64,
}

/// Per-thread scratch of stage 3.
struct PairScratch {
    tokenizer: Tokenizer,
    tokens_a: Vec<Token>,
    tokens_b: Vec<Token>,
    hits: Vec<Hit>,
    fresh: Vec<Hit>,
    covered: Vec<(usize, usize)>,
    /// Hits of one pair as token indices `(in A, in B)`.
    mapped: Vec<(usize, usize)>,
    segments: Vec<Segment>,
    verify: VerifyScratch,
    /// Scratch tokens for growing a window.
    spare: Vec<Token>,
    /// The initial window margin ([`WINDOW_MARGIN`]; tests vary it).
    margin: usize,
}

impl PairScratch {
    fn new(params: &AlignParams, margin: usize) -> Self {
        Self {
            tokenizer: Tokenizer::new(params.seed),
            tokens_a: Vec::new(),
            tokens_b: Vec::new(),
            hits: Vec::new(),
            fresh: Vec::new(),
            covered: Vec::new(),
            mapped: Vec::new(),
            segments: Vec::new(),
            verify: VerifyScratch {
                winnower: Winnower::new(params.ngram, params.window),
                fingerprints: Vec::new(),
            },
            spare: Vec::new(),
            margin: margin.max(1),
        }
    }
}

/// Aligned token ranges `a0..a1` of A and `b0..b1` of B, and how many
/// tokens of them the alignment pairs as equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    a0: usize,
    a1: usize,
    b0: usize,
    b1: usize,
    matched: usize,
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
    /// Tokens matched on the way to the best score.
    matched: usize,
    /// Whether it stopped because A's tokens ran out (or a skip would have
    /// looked past them): with more of A it might have gone further.
    a_exhausted: bool,
}

/// Greedy X-drop extension. `eq(p, q)`: whether the `p`-th token ahead in A
/// equals the `q`-th ahead in B; `la`, `lb`: tokens available ahead.
fn extend(la: usize, lb: usize, xdrop: i64, eq: impl Fn(usize, usize) -> bool) -> Reach {
    let (mut p, mut q, mut matched) = (0, 0, 0);
    let mut score = 0i64;
    let mut best = (0i64, 0, 0, 0);
    let a_exhausted = loop {
        if p >= la || q >= lb {
            break q < lb;
        }
        if eq(p, q) {
            p += 1;
            q += 1;
            matched += 1;
            score += 1;
            if score > best.0 {
                best = (score, p, q, matched);
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
                .any(|&(dp, dq)| p + dp + RESYNC_RUN > la && q + dq + RESYNC_RUN <= lb);
        };
        score -= dp.max(dq) as i64 + 1;
        if best.0 - score > xdrop {
            break false;
        }
        p += dp;
        q += dq;
    };
    Reach {
        a: best.1,
        b: best.2,
        matched: best.3,
        a_exhausted,
    }
}

/// A document and its text.
#[derive(Debug, Clone, Copy)]
struct Side<'t> {
    doc: u32,
    text: &'t str,
}

/// What stage 3 produces for one document B.
#[derive(Debug, Default)]
struct Out {
    matches: Vec<SpanMatch>,
    stats: PairStats,
}

/// Whether some extension ran out of A's window, on each side.
#[derive(Debug, Clone, Copy, Default)]
struct Edges {
    a_left: bool,
    a_right: bool,
}

/// One document pair: the documents, and the token streams of a window of
/// A and of B (offsets into the whole texts).
struct Pair<'t> {
    a: Side<'t>,
    b: Side<'t>,
    ta: &'t [Token],
    tb: &'t [Token],
    /// A and B are the same document (then every segment has `a1 <= b0`).
    same: bool,
    params: &'t AlignParams,
    boilerplate: &'t Boilerplate,
}

/// Scratch of [`Pair::verify`].
struct VerifyScratch {
    winnower: Winnower,
    fingerprints: Vec<Fingerprint>,
}

impl Pair<'_> {
    /// Extends the `hits` (sorted by position in A) into `segments`; a hit
    /// inside a segment already made is skipped.
    fn segments(&self, hits: &[(usize, usize)], segments: &mut Vec<Segment>) -> Edges {
        segments.clear();
        let mut edges = Edges::default();
        let n = self.params.ngram;
        let slack = i64::from(self.params.slack);
        let xdrop = i64::from(self.params.xdrop);
        let (a, b) = (self.ta, self.tb);
        // Segments that may still cover a hit: those ending after it in A.
        let mut active: Vec<usize> = Vec::new();
        for &(i, j) in hits {
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
            // The seed must lie in A's window, match (keys keep only part of
            // the hash) and, inside one document, not overlap its copy.
            if i + n > a.len() {
                edges.a_right = true;
                continue;
            }
            if j + n > b.len()
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
            edges.a_left |= left.a_exhausted;
            edges.a_right |= right.a_exhausted;
            segments.push(Segment {
                a0,
                a1: i1 + right.a,
                b0,
                b1: j1 + right.b,
                matched: left.matched + n + right.matched,
            });
            active.push(segments.len() - 1);
        }
        edges
    }

    /// Chains segments (sorted here by start) on about the same diagonal
    /// with gaps of at most `max_gap` tokens into span pairs.
    fn chain(&self, segments: &mut [Segment]) -> Vec<Segment> {
        segments.sort_unstable_by_key(|s| (s.a0, s.b0, s.a1, s.b1, s.matched));
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
                Some(c) if s.a1 <= c.a1 => {}
                Some(c) => {
                    // Matches in the part of `s` that overlaps `c` are
                    // already counted (as far as `c` reaches).
                    let overlap = c.a1.saturating_sub(s.a0).max(c.b1.saturating_sub(s.b0));
                    c.matched += s.matched.saturating_sub(overlap);
                    c.a1 = s.a1;
                    c.b1 = c.b1.max(s.b1);
                }
                None => chains.push(s),
            }
        }
        chains
    }

    /// Chains the segments, verifies the chains, and appends the verified
    /// ones to `out`.
    fn finish(&self, segments: &mut [Segment], v: &mut VerifyScratch, out: &mut Out) {
        out.stats.segments += segments.len() as u64;
        let chains = self.chain(segments);
        out.stats.chains += chains.len() as u64;
        for c in chains {
            if let Some(score) = self.verify(&c, v, &mut out.stats) {
                out.matches.push(SpanMatch {
                    a: span(self.a.doc, self.ta, c.a0, c.a1),
                    b: span(self.b.doc, self.tb, c.b0, c.b1),
                    score,
                });
            }
        }
    }

    /// The similarity of a chain's two spans, if they are long and similar
    /// enough: twice the tokens the alignment pairs as equal over the
    /// tokens of both spans.
    fn verify(&self, c: &Segment, v: &mut VerifyScratch, stats: &mut PairStats) -> Option<f32> {
        let (wa, wb) = (c.a1 - c.a0, c.b1 - c.b0);
        let min = self.params.min_words as usize;
        if wa.min(wb) < min {
            return None;
        }
        let score = (2 * c.matched.min(wa).min(wb)) as f64 / (wa + wb) as f64;
        if score < self.params.threshold {
            return None;
        }
        let boilerplate = self.boilerplate.words(
            self.b.doc,
            &self.tb[c.b0..c.b1],
            &mut v.winnower,
            &mut v.fingerprints,
        );
        if wb - boilerplate < min {
            stats.boilerplate_chains += 1;
            return None;
        }
        Some(score as f32)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic stream of pseudo-random numbers (splitmix64).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            crate::tokens::fmix64(self.0)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// `n` words drawn from a vocabulary of `vocab` made-up words.
    fn words(rng: &mut Rng, n: usize, vocab: usize) -> Vec<String> {
        (0..n)
            .map(|_| {
                let w = rng.below(vocab) as u64;
                let len = 2 + (w % 7) as usize;
                (0..len)
                    .map(|k| char::from(b'a' + ((w >> (k * 5)) % 26) as u8))
                    .collect::<String>()
                    + &format!("{}", w % 10)
            })
            .collect()
    }

    /// A corpus of random documents where document `i + 1` holds copies of
    /// passages of document `i`, lightly edited, and some documents repeat
    /// a passage of their own.
    fn corpus(seed: u64, docs: usize) -> Vec<String> {
        let mut rng = Rng(seed);
        let mut out: Vec<Vec<String>> = Vec::new();
        for d in 0..docs {
            let n = 50 + rng.below(400);
            let mut doc = words(&mut rng, n, 5000);
            if d > 0 && rng.below(3) > 0 {
                let src = &out[d - 1];
                let len = 8 + rng.below(40).min(src.len() - 8);
                let from = rng.below(src.len() - len + 1);
                let mut copy = src[from..from + len].to_vec();
                if rng.below(2) == 0 {
                    let k = rng.below(copy.len());
                    copy[k] = "edited".into();
                }
                let at = rng.below(doc.len());
                doc.splice(at..at, copy);
            }
            if rng.below(4) == 0 {
                let len = 10.min(doc.len());
                let again = doc[..len].to_vec();
                doc.extend(again);
            }
            out.push(doc);
        }
        out.into_iter().map(|d| d.join(" ")).collect()
    }

    #[test]
    fn validate_names_the_bad_parameter() {
        let ok = AlignParams::default();
        assert!(ok.validate().is_ok());
        for (bad, name) in [
            (AlignParams { ngram: 0, ..ok }, "ngram"),
            (AlignParams { window: 0, ..ok }, "window"),
            (AlignParams { max_df: 1, ..ok }, "max_df"),
            (AlignParams { xdrop: 5000, ..ok }, "xdrop"),
            (AlignParams { min_words: 3, ..ok }, "min_words"),
            (
                AlignParams {
                    threshold: 0.0,
                    ..ok
                },
                "threshold",
            ),
            (
                AlignParams {
                    threshold: 1.5,
                    ..ok
                },
                "threshold",
            ),
            (
                AlignParams {
                    threshold: f64::NAN,
                    ..ok
                },
                "threshold",
            ),
        ] {
            match bad.validate() {
                Err(Error::Param(msg)) => assert!(msg.contains(name), "{msg}"),
                other => panic!("{bad:?}: {other:?}"),
            }
            assert!(align(&["a b c"], &bad).is_err());
        }
    }

    #[test]
    fn positions_map_back_to_documents() {
        let lens = [0usize, 5, 0, 0, 17, 1, 300, 0];
        let map = DocMap::new(lens.iter().copied());
        for (d, &len) in lens.iter().enumerate() {
            for byte in 0..=len {
                let g = map.base[d] + byte as u64;
                assert_eq!(
                    map.locate(g),
                    (d as u32, byte as u32),
                    "doc {d} byte {byte}"
                );
            }
        }
    }

    #[test]
    fn covered_ranges_merge() {
        let mut r = Vec::new();
        cover(&mut r, 10, 20);
        cover(&mut r, 30, 40);
        cover(&mut r, 0, 5);
        assert_eq!(r, [(0, 5), (10, 20), (30, 40)]);
        cover(&mut r, 18, 31);
        assert_eq!(r, [(0, 5), (10, 40)]);
        assert!(covers(&r, 0) && covers(&r, 39) && !covers(&r, 5) && !covers(&r, 40));
    }

    #[test]
    fn extension_steps_over_small_edits_and_stops_where_texts_part() {
        let run = |a: &[u64], b: &[u64]| extend(a.len(), b.len(), 5, |p, q| a[p] == b[q]);
        // The same words, then nothing in common.
        let r = run(&[1, 2, 3, 4, 90, 91, 92], &[1, 2, 3, 4, 80, 81, 82]);
        assert_eq!((r.a, r.b, r.matched), (4, 4, 4));
        // A substituted word, an inserted word, a deleted word.
        let r = run(&[1, 2, 9, 4, 5, 6, 7, 8], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!((r.a, r.b, r.matched), (8, 8, 7));
        let r = run(&[1, 2, 9, 3, 4, 5, 6], &[1, 2, 3, 4, 5, 6]);
        assert_eq!((r.a, r.b, r.matched), (7, 6, 6));
        let r = run(&[1, 2, 4, 5, 6, 7], &[1, 2, 3, 4, 5, 6, 7]);
        assert_eq!((r.a, r.b, r.matched), (6, 7, 6));
        // A skip followed by only two matches is not worth it.
        let r = run(&[1, 2, 3, 9, 5, 6, 70], &[1, 2, 3, 4, 5, 6, 80]);
        assert_eq!((r.a, r.b), (3, 3));
        // Running out of A mid-match is reported, running out of B is not.
        assert!(run(&[1, 2], &[1, 2, 3]).a_exhausted);
        assert!(!run(&[1, 2, 3], &[1, 2]).a_exhausted);
    }

    #[test]
    fn finds_copies_and_repeats_in_a_random_corpus() {
        let docs = corpus(7, 40);
        let found = align(&docs, &AlignParams::default()).expect("valid");
        let s = found.stats;
        assert_eq!(s.documents, 40);
        assert!(s.fingerprints as f64 > 0.35 * s.words as f64);
        assert!(found.matches.len() >= 20, "{s:?}");
        for m in &found.matches {
            assert!(m.a.doc < m.b.doc || (m.a.doc == m.b.doc && m.a.end_byte <= m.b.start_byte));
            assert!(m.a.words >= 8 && m.b.words >= 8 && m.score >= 0.7);
            let (ta, tb) = (
                &docs[m.a.doc as usize][m.a.start_byte as usize..m.a.end_byte as usize],
                &docs[m.b.doc as usize][m.b.start_byte as usize..m.b.end_byte as usize],
            );
            if m.score == 1.0 {
                assert_eq!(ta, tb);
            }
        }
        assert!(
            found
                .matches
                .windows(2)
                .all(|w| (w[0].a, w[0].b) < (w[1].a, w[1].b))
        );
        assert!(found.matches.iter().any(|m| m.a.doc == m.b.doc));
    }

    #[test]
    fn results_do_not_depend_on_threads_or_window_sizes() {
        let docs = corpus(11, 60);
        let params = AlignParams::default();
        let run = |threads: usize, margin: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            pool.install(|| {
                let fps = Fingerprints::collect(&docs, &params).expect("valid");
                SeedIndex::build(fps, &params).align_with_margin(&docs, &params, margin)
            })
        };
        let base = run(1, WINDOW_MARGIN);
        assert!(!base.matches.is_empty());
        for (threads, margin) in [(4, WINDOW_MARGIN), (3, 1), (2, 1 << 30)] {
            let other = run(threads, margin);
            assert_eq!(
                other.matches, base.matches,
                "{threads} threads, margin {margin}"
            );
        }
    }

    #[test]
    fn boilerplate_seeds_are_dropped_and_counted() {
        let line = "reporting by a correspondent in the city for this agency today";
        let docs: Vec<String> = (0..60)
            .map(|i| format!("story number {i} says nothing else at all. {line}"))
            .collect();
        let params = AlignParams {
            max_df: 50,
            ..AlignParams::default()
        };
        let found = align(&docs, &params).expect("valid");
        assert!(found.matches.is_empty(), "{:?}", found.matches.first());
        assert!(found.stats.dropped_hashes >= 1);
        assert_eq!(found.stats.dropped_fingerprints % 60, 0);
        let few = align(&docs[..10], &params).expect("valid");
        assert_eq!(few.matches.len(), 9, "each story matched with the first");
    }
}
