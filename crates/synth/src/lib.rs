//! Synthetic corpora with planted near-duplicates, and the truth of what was
//! planted.
//!
//! Real text holds duplicates nobody labelled, so recall and precision are
//! measured on text whose duplicates are known. It is built in three steps:
//!
//! 1. [`distinct_pool`]: real sentences become a *pool* in which no two
//!    sentences are near-duplicates (char 5-gram Jaccard above a bound, found
//!    with MinHash and LSH banding, then checked exactly).
//! 2. [`plant`]: documents are drawn from the pool, each pool sentence used at
//!    most once; then some sentences are copied, each copy with one or two
//!    realistic [`Edit`]s, into *other* documents. An original and its copies
//!    form a [`TruthGroup`] of byte spans into the finished documents.
//! 3. [`reword_pool`]: a pool is finite (Reuters-21578 gives about 88,000
//!    distinct sentences, 12.5 MB). For larger corpora each further round
//!    rewords the pool with a round-seeded word substitution, so sentences of
//!    different rounds are not near-duplicates of each other.
//!
//! Everything is deterministic from a seed, and nothing here does I/O.
//!
//! ```
//! use dupscan_synth::{plant, PlantConfig};
//!
//! let words = ["copper", "wheat", "shares", "profit", "tonnes", "export", "bank", "rate"];
//! let pool: Vec<String> = (0..1000)
//!     .map(|i| {
//!         let w = |k: usize| words[(i * 7 + k * 3 + i / 8) % words.len()];
//!         format!(
//!             "Traders in {} said {} and {} rose by {i} percent after the {} report on {} {} prices.",
//!             w(0), w(1), w(2), w(3), w(4), w(5)
//!         )
//!     })
//!     .collect();
//! let cfg = PlantConfig { docs: 20, ..PlantConfig::default() };
//! let planted = plant(&pool, &cfg)?;
//! assert_eq!(planted.docs.len(), 20);
//! for group in &planted.truth {
//!     for m in &group.members {
//!         let doc = planted.docs.iter().find(|d| d.id == m.doc).expect("member's document");
//!         assert!(doc.text.get(m.start as usize..m.end as usize).is_some());
//!     }
//! }
//! # Ok::<(), dupscan_core::Error>(())
//! ```

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;

use rayon::prelude::*;
use serde::Serialize;
use xxhash_rust::xxh3::{xxh3_64_with_seed, xxh3_128};

use dupscan_core::error::{Error, Result};
use dupscan_core::lsh::{Bands, band_keys};
use dupscan_core::minhash::{MinHasher, SplitMix64};
use dupscan_core::normalize::{Normalizer, token_count};
use dupscan_core::shingle::{ShingleKind, Shingler, jaccard};

// ---------------------------------------------------------------------------
// The distinct pool
// ---------------------------------------------------------------------------

/// Shingle length used to compare pool sentences: char 5-grams, as the
/// sentence scan uses by default.
pub const POOL_NGRAM: usize = 5;

/// LSH split used by [`distinct_pool`]: 32 bands of 4 rows. Pairs are found
/// with probability `1 − (1 − s⁴)³²`: 23% at Jaccard 0.3, 56% at 0.4, 87% at
/// 0.5, 98.5% at 0.6 and 99.97% at 0.7, while unrelated news sentences
/// (Jaccard about 0.03) almost never share a band.
pub const POOL_BANDS: Bands = Bands { bands: 32, rows: 4 };

/// Longest sentence kept in a pool, in bytes: longer "sentences" are tables
/// or junk that the splitter could not cut.
pub const MAX_POOL_SENTENCE_BYTES: usize = 1000;

/// Sentences signed per parallel batch in [`distinct_pool`].
const POOL_BATCH: usize = 8192;

/// A pool of sentences, none a near-duplicate of another, from `sentences`.
///
/// Each sentence has its whitespace runs collapsed to one space (so it never
/// carries a paragraph break) and is kept when
///
/// * it has at least `min_words` words (tokens after normalisation with
///   [`Normalizer::default`]) and at most [`MAX_POOL_SENTENCE_BYTES`] bytes;
/// * it *stands alone*: a sentence splitter finds it again when it is joined
///   with a space to any other pool sentence. It opens with an uppercase or
///   uncased letter, a digit or an opening quote or bracket; it closes with
///   `.`, `!` or `?` (then optional closing quotes or brackets); and it does not
///   end in a likely abbreviation (`Inc.`, `Jan.`, `U.S.`, an initial), after
///   which a splitter would run on into the next sentence;
/// * its normalised text differs from every earlier kept sentence's;
/// * its char 5-gram Jaccard similarity with every earlier kept sentence is at
///   most `max_similarity`. Candidates come from MinHash signatures banded as
///   [`POOL_BANDS`] and are checked exactly, so a pair above the bound escapes
///   only when LSH misses it (see [`POOL_BANDS`] for how likely that is).
///
/// Order is kept: the result is the kept sentences in input order. `seed`
/// seeds shingle hashing and the MinHash permutations. Besides the sentences
/// and their normalised forms, the band index takes about 350 bytes per kept
/// sentence. Reuters-21578 (162,000 sentences) takes 1.5 s on two cores;
/// 5.4 million sentences become a pool of 465,000 in 14 s.
pub fn distinct_pool(
    sentences: Vec<String>,
    min_words: usize,
    max_similarity: f64,
    seed: u64,
) -> Vec<String> {
    let normalizer = Normalizer::default();
    let cleaned: Vec<(String, String)> = sentences
        .into_par_iter()
        .filter_map(|s| {
            let s = collapse_whitespace(&s);
            if s.len() > MAX_POOL_SENTENCE_BYTES || !stands_alone(&s) {
                return None;
            }
            let norm = normalizer.normalize(&s);
            (token_count(&norm) >= min_words).then_some((s, norm))
        })
        .collect();

    let mut seen = HashSet::with_capacity(cleaned.len());
    let unique: Vec<(String, String)> = cleaned
        .into_iter()
        .filter(|(_, norm)| seen.insert(xxh3_128(norm.as_bytes())))
        .collect();
    drop(seen);

    let shingler = Shingler::new(ShingleKind::Char, POOL_NGRAM, seed);
    let hasher = MinHasher::new(POOL_BANDS.bands * POOL_BANDS.rows, seed);
    let mut index = BandIndex::default();
    let mut kept: Vec<String> = Vec::new();
    let mut kept_norm: Vec<String> = Vec::new();
    let mut other = Vec::new();
    let mut rest = unique.into_iter();
    loop {
        let batch: Vec<(String, String)> = rest.by_ref().take(POOL_BATCH).collect();
        if batch.is_empty() {
            break;
        }
        let signed: Vec<(Vec<u64>, Vec<u64>)> = batch
            .par_iter()
            .map(|(_, norm)| {
                let mut set = Vec::new();
                shingler.set(norm, &mut set);
                let mut sig = vec![0u32; hasher.len()];
                hasher.sign(&set, &mut sig);
                let mut keys = vec![0u64; POOL_BANDS.bands];
                band_keys(&sig, POOL_BANDS, &mut keys);
                (set, keys)
            })
            .collect();
        for ((sentence, norm), (set, keys)) in batch.into_iter().zip(signed) {
            let near = index.candidates(&keys).into_iter().any(|j| {
                shingler.set(&kept_norm[j as usize], &mut other);
                jaccard(&set, &other) > max_similarity
            });
            if !near {
                index.insert(kept.len() as u32, &keys);
                kept.push(sentence);
                kept_norm.push(norm);
            }
        }
    }
    kept
}

/// Band keys of kept sentences → the kept sentences holding them. Keys are
/// folded to 32 bits to halve the memory; a folded collision only adds a
/// candidate, which the exact check then rejects. Most keys belong to one
/// sentence (kept sentences are mutually dissimilar), so the first holder
/// lives in `first` and only later ones in `more`.
#[derive(Default)]
struct BandIndex {
    first: HashMap<u32, u32>,
    more: HashMap<u32, Vec<u32>>,
}

impl BandIndex {
    fn fold(key: u64) -> u32 {
        (key ^ (key >> 32)) as u32
    }

    /// Sorted, deduplicated kept sentences sharing at least one key.
    fn candidates(&self, keys: &[u64]) -> Vec<u32> {
        let mut out = Vec::new();
        for &key in keys {
            let key = Self::fold(key);
            if let Some(&id) = self.first.get(&key) {
                out.push(id);
                if let Some(more) = self.more.get(&key) {
                    out.extend_from_slice(more);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    fn insert(&mut self, id: u32, keys: &[u64]) {
        for &key in keys {
            let key = Self::fold(key);
            match self.first.get(&key) {
                None => {
                    self.first.insert(key, id);
                }
                Some(&holder) if holder != id => self.more.entry(key).or_default().push(id),
                Some(_) => {}
            }
        }
    }
}

fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Opening quotes and brackets.
fn is_opener(c: char) -> bool {
    matches!(c, '"' | '\'' | '“' | '‘' | '„' | '«' | '(' | '[')
}

/// Closing quotes and brackets.
fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | '»' | ')' | ']')
}

/// Words that, followed by a period, a sentence splitter may read as an
/// abbreviation rather than a sentence end. Compared in lowercase, for words
/// that start with an uppercase letter.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "messrs", "dr", "prof", "rev", "hon", "st", "mt", "ft", "gen", "gov", "sen",
    "rep", "reps", "lt", "col", "sgt", "capt", "maj", "adm", "cmdr", "pres", "amb", "atty", "jan",
    "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "nos",
    "vol", "fig", "sec", "tel", "inc", "ltd", "co", "cos", "corp", "plc", "pty", "bros", "jr",
    "sr", "esq", "etc", "dept", "univ", "assn", "ave", "blvd", "rd", "calif", "mass", "conn",
    "fla", "ill", "ind", "mich", "minn", "penn", "tenn", "tex", "wash", "wis", "ariz", "colo",
    "okla", "ore", "ga", "va", "pa", "md", "mo", "ky", "la", "ala", "del", "kan", "neb", "nev",
    "mont", "wyo",
];

/// Lowercase abbreviations, compared as written.
const LOWER_ABBREVIATIONS: &[&str] = &[
    "etc", "vs", "al", "approx", "cf", "viz", "incl", "esp", "pp", "ca", "fig", "vol", "no",
];

/// Whether `word` (followed by a period) may be read as an abbreviation.
fn is_abbreviation(word: &str) -> bool {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    if letters == 1 && word.chars().count() == 1 {
        return true; // an initial
    }
    if is_dotted_acronym(word) {
        return true;
    }
    let starts_upper = word.chars().next().is_some_and(char::is_uppercase);
    (starts_upper && ABBREVIATIONS.contains(&word.to_lowercase().as_str()))
        || LOWER_ABBREVIATIONS.contains(&word)
}

/// "U.S", "p.m", "e.g": two or more dot-separated parts of one or two letters.
fn is_dotted_acronym(word: &str) -> bool {
    let mut parts = 0;
    for part in word.split('.') {
        if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_alphabetic()) {
            return false;
        }
        parts += 1;
    }
    parts >= 2
}

/// Whether a splitter finds `s` (whitespace already collapsed) again when it
/// stands between two other sentences: see [`distinct_pool`].
fn stands_alone(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let opens = first.is_ascii_digit()
        || is_opener(first)
        || (first.is_alphabetic() && !first.is_lowercase());
    if !opens {
        return false;
    }
    let body = s.trim_end_matches(is_closer);
    let Some(last) = body.chars().next_back() else {
        return false;
    };
    match last {
        '!' | '?' => true,
        '.' => {
            let before = &body[..body.len() - 1];
            if before.ends_with('.') {
                return true; // an ellipsis
            }
            let word = before
                .rsplit(' ')
                .next()
                .unwrap_or(before)
                .trim_start_matches(|c: char| !c.is_alphanumeric());
            !word.is_empty() && !is_abbreviation(word)
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Vocabulary and randomness
// ---------------------------------------------------------------------------

/// The words edits and rewording draw from: lowercase ASCII words of 4 to 10
/// letters seen in some text, sorted, without likely abbreviations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vocabulary {
    words: Vec<String>,
}

impl Vocabulary {
    /// The vocabulary of `sentences`.
    pub fn from_sentences<S: AsRef<str>>(sentences: &[S]) -> Self {
        let mut set: HashSet<String> = HashSet::new();
        let mut lower = String::new();
        for s in sentences {
            for run in s
                .as_ref()
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| (4..=10).contains(&w.len()))
            {
                lower.clear();
                lower.extend(run.chars().map(|c| c.to_ascii_lowercase()));
                if !set.contains(lower.as_str()) && !ABBREVIATIONS.contains(&lower.as_str()) {
                    set.insert(lower.clone());
                }
            }
        }
        let mut words: Vec<String> = set.into_iter().collect();
        words.sort_unstable();
        Self { words }
    }

    /// The words, sorted.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether there are no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// A random word other than `not` (lowercase), if the vocabulary has one.
    fn pick_other(&self, not: &str, rng: &mut Rng) -> Option<&str> {
        if self.words.is_empty() {
            return None;
        }
        let i = rng.below(self.words.len());
        if self.words[i] != not {
            return Some(&self.words[i]);
        }
        let j = (i + 1) % self.words.len();
        (j != i).then(|| self.words[j].as_str())
    }
}

/// A seeded stream of random choices (SplitMix64).
#[derive(Debug, Clone)]
struct Rng(SplitMix64);

impl Rng {
    /// A stream for one purpose (`stream`) under `seed`.
    fn new(seed: u64, stream: u64) -> Self {
        let mut mix = SplitMix64::new(seed);
        Self(SplitMix64::new(mix.next() ^ stream))
    }

    fn next(&mut self) -> u64 {
        self.0.next()
    }

    /// Uniform in `0..n`; `n` must be positive.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    /// True with probability `p` (53 random bits against `p`).
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64) < p * (1u64 << 53) as f64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, (lo, hi): (usize, usize)) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

const STREAM_PLANT: u64 = 0x706C_616E_7421_0001;
const STREAM_EDIT: u64 = 0x6564_6974_7321_0002;

// ---------------------------------------------------------------------------
// Edits
// ---------------------------------------------------------------------------

/// The kinds of change a planted copy receives, in the order they are
/// applied. Each copy gets at most one edit of each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Edit {
    /// A word of four letters or more is replaced by another word from the
    /// vocabulary, in the same case style (`rose` → `fell`, `Texaco` → `Ampere`).
    Substitute,
    /// An inner word is deleted (never the first or last word).
    Delete,
    /// A vocabulary word is inserted between two inner words.
    Insert,
    /// The sentence becomes UPPER CASE, lower case or Title Case. Lower case
    /// keeps the first letter's case unless the copy opens a paragraph, since
    /// a lowercase start after a period is not a sentence start to a splitter.
    Case,
    /// The final period is dropped (only when the copy ends a paragraph: a
    /// sentence without an end runs into the next), or a comma is added or
    /// removed.
    Punctuation,
    /// Straight quotes become curly (“ ” ‘ ’) or curly become straight, or a
    /// phrase of two to four inner words is put in quotes.
    Quotes,
    /// A trailing credit, ` (Reuters)`, ` - AP` or ` (AFP)`, goes before the
    /// final punctuation. After it, `(Reuters)` would split off as a sentence
    /// of its own, and ` - AP` would glue the next sentence onto this one.
    Credit,
    /// A dateline such as `LONDON (Reuters) - ` is prepended.
    Dateline,
    /// A scraping artifact is glued to the front with no space:
    /// `Share This ArticleThe …`, `Advertisement`, `Read more:`,
    /// `ADVERTISEMENT`. The copy's truth span leaves the prefix out: see
    /// [`EditedCopy::core`].
    GluedPrefix,
}

impl Edit {
    /// Every kind, in application order.
    pub const ALL: [Edit; 9] = [
        Edit::Substitute,
        Edit::Delete,
        Edit::Insert,
        Edit::Case,
        Edit::Punctuation,
        Edit::Quotes,
        Edit::Credit,
        Edit::Dateline,
        Edit::GluedPrefix,
    ];

    /// The kind's name, which also opens every record of it in
    /// [`TruthMember::edits`] (`"substitute: rose -> fell"`).
    pub fn name(self) -> &'static str {
        match self {
            Edit::Substitute => "substitute",
            Edit::Delete => "delete",
            Edit::Insert => "insert",
            Edit::Case => "case",
            Edit::Punctuation => "punctuation",
            Edit::Quotes => "quotes",
            Edit::Credit => "credit",
            Edit::Dateline => "dateline",
            Edit::GluedPrefix => "glued-prefix",
        }
    }

    /// The kind a record in [`TruthMember::edits`] is of.
    pub fn of_record(record: &str) -> Option<Edit> {
        let name = record.split(':').next()?;
        Edit::ALL.into_iter().find(|e| e.name() == name)
    }

    /// Whether the edit changes words (and so the sentence's shingles much
    /// more than a change of case, punctuation or framing does).
    pub fn is_word_level(self) -> bool {
        matches!(self, Edit::Substitute | Edit::Delete | Edit::Insert)
    }
}

impl fmt::Display for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Most word-level edits a copy of a sentence of at least
/// [`PlantConfig::default`]'s 12 words receives; shorter sentences get one.
pub const MAX_WORD_EDITS: usize = 2;

/// Scraping artifacts glued to a copy's front ([`Edit::GluedPrefix`]).
pub const GLUED_PREFIXES: &[&str] = &[
    "Share This Article",
    "Advertisement",
    "Read more:",
    "ADVERTISEMENT",
];
/// Trailing credits ([`Edit::Credit`]).
pub const CREDITS: &[&str] = &[" (Reuters)", " - AP", " (AFP)"];
/// Datelines ([`Edit::Dateline`]).
pub const DATELINES: &[&str] = &[
    "LONDON (Reuters) - ",
    "NEW YORK (Reuters) - ",
    "WASHINGTON (Reuters) - ",
    "TOKYO (Reuters) - ",
    "PARIS (AFP) - ",
    "NEW YORK (AP) - ",
];

/// Where in its document a copy goes; some edits depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Slot {
    /// The copy is the first sentence of a paragraph.
    pub starts_paragraph: bool,
    /// The copy is the last sentence of a paragraph.
    pub ends_paragraph: bool,
}

/// An edited copy of a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditedCopy {
    /// The text inserted into the document.
    pub text: String,
    /// The byte range of `text` that is the copy's own sentence: all of it,
    /// except that a glued prefix ([`Edit::GluedPrefix`]) is left out. A
    /// sentence splitter cuts `Share This ArticleThe …` into `Share This
    /// Article` and `The …`, and the truth should name the unit a scanner
    /// reports. Where the splitter does not cut (`ADVERTISEMENTThe …`, or a
    /// copy not opening with a common sentence starter), the reported unit
    /// holds the prefix too and still covers this range, so the two overlap.
    pub core: Range<usize>,
    /// One record per edit applied, `"kind: detail"`, in application order.
    pub edits: Vec<String>,
}

/// Applies the edits `kinds` (in [`Edit::ALL`] order, each at most once) to
/// `sentence` (whitespace runs collapsed first), for a copy placed at `slot`.
/// Random choices (which word, which prefix, …) are drawn from `seed`; words
/// from `vocab`. A kind that cannot apply (no comma to remove, no inner word,
/// an empty vocabulary) is skipped and not recorded.
pub fn edit_copy(
    sentence: &str,
    kinds: &[Edit],
    slot: Slot,
    vocab: &Vocabulary,
    seed: u64,
) -> EditedCopy {
    let mut rng = Rng::new(seed, STREAM_EDIT);
    apply_edits(&collapse_whitespace(sentence), kinds, slot, vocab, &mut rng)
}

fn apply_edits(
    sentence: &str,
    kinds: &[Edit],
    slot: Slot,
    vocab: &Vocabulary,
    rng: &mut Rng,
) -> EditedCopy {
    let mut text = sentence.to_owned();
    let mut glued = 0;
    let mut edits = Vec::new();
    for kind in Edit::ALL.into_iter().filter(|k| kinds.contains(k)) {
        if let Some(applied) = apply(kind, &text, slot, vocab, rng) {
            text = applied.text;
            glued += applied.glued;
            edits.push(format!("{}: {}", kind.name(), applied.detail));
        }
    }
    EditedCopy {
        core: glued..text.len(),
        text,
        edits,
    }
}

/// A copy of `sentence` with `n` edits of distinct random kinds, at most
/// `max_word` of them word-level.
fn random_copy(
    sentence: &str,
    n: usize,
    max_word: usize,
    slot: Slot,
    vocab: &Vocabulary,
    rng: &mut Rng,
) -> EditedCopy {
    let mut kinds = Edit::ALL;
    rng.shuffle(&mut kinds);
    let mut chosen = Vec::with_capacity(n);
    let mut word_level = 0;
    for kind in kinds {
        if chosen.len() == n {
            break;
        }
        if kind.is_word_level() && word_level == max_word {
            continue;
        }
        // Whether a kind applies does not depend on the random draws.
        if apply(kind, sentence, slot, vocab, &mut rng.clone()).is_none() {
            continue;
        }
        word_level += usize::from(kind.is_word_level());
        chosen.push(kind);
    }
    apply_edits(sentence, &chosen, slot, vocab, rng)
}

/// The result of one edit.
struct Applied {
    text: String,
    detail: String,
    /// Bytes glued to the front that are not part of the copy's sentence.
    glued: usize,
}

impl Applied {
    fn new(text: String, detail: String) -> Option<Self> {
        Some(Self {
            text,
            detail,
            glued: 0,
        })
    }
}

fn apply(kind: Edit, text: &str, slot: Slot, vocab: &Vocabulary, rng: &mut Rng) -> Option<Applied> {
    match kind {
        Edit::Substitute => substitute(text, vocab, rng),
        Edit::Delete => delete(text, rng),
        Edit::Insert => insert(text, vocab, rng),
        Edit::Case => change_case(text, slot, rng),
        Edit::Punctuation => punctuation(text, slot, rng),
        Edit::Quotes => quotes(text, rng),
        Edit::Credit => credit(text, rng),
        Edit::Dateline => {
            let d = *rng.pick(DATELINES);
            Applied::new(format!("{d}{text}"), d.trim_end().to_owned())
        }
        Edit::GluedPrefix => {
            let p = *rng.pick(GLUED_PREFIXES);
            Some(Applied {
                text: format!("{p}{text}"),
                detail: p.to_owned(),
                glued: p.len(),
            })
        }
    }
}

/// A whitespace token split into leading punctuation, a core from its first
/// to its last alphanumeric character, and trailing punctuation.
fn parts(tok: &str) -> (&str, &str, &str) {
    let start = tok.find(char::is_alphanumeric).unwrap_or(tok.len());
    let end = tok
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_alphanumeric())
        .map_or(start, |(i, c)| i + c.len_utf8());
    (&tok[..start], &tok[start..end], &tok[end..])
}

/// A core of at least two letters and nothing else.
fn is_word(core: &str) -> bool {
    core.chars().count() >= 2 && core.chars().all(char::is_alphabetic)
}

/// `word` in the case style of `model`: ALL CAPS, Capitalised or lower.
fn with_case_of(model: &str, word: &str) -> String {
    let mut letters = model.chars().filter(|c| c.is_alphabetic());
    let first_upper = letters.next().is_some_and(char::is_uppercase);
    let rest: Vec<char> = letters.collect();
    if first_upper && !rest.is_empty() && rest.iter().all(|c| c.is_uppercase()) {
        word.to_uppercase()
    } else if first_upper {
        capitalise(word)
    } else {
        word.to_lowercase()
    }
}

/// `word` with its first letter uppercased and the rest as given.
fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

fn substitute(text: &str, vocab: &Vocabulary, rng: &mut Rng) -> Option<Applied> {
    let mut toks: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    // Words of four letters or more, mostly content words: swapping "to" for
    // "valorem" or "The" for "Inspecting" is not an edit people make.
    let spots: Vec<usize> = (0..toks.len())
        .filter(|&i| {
            let core = parts(&toks[i]).1;
            is_word(core) && core.chars().count() >= 4
        })
        .collect();
    if spots.is_empty() {
        return None;
    }
    let i = *rng.pick(&spots);
    let (lead, core, trail) = parts(&toks[i]);
    let new = with_case_of(core, vocab.pick_other(&core.to_lowercase(), rng)?);
    let detail = format!("{core} -> {new}");
    toks[i] = format!("{lead}{new}{trail}");
    Applied::new(toks.join(" "), detail)
}

fn delete(text: &str, rng: &mut Rng) -> Option<Applied> {
    let mut toks: Vec<&str> = text.split_whitespace().collect();
    let spots: Vec<usize> = (1..toks.len().saturating_sub(1))
        .filter(|&i| is_word(parts(toks[i]).1))
        .collect();
    if spots.is_empty() {
        return None;
    }
    let gone = toks.remove(*rng.pick(&spots));
    Applied::new(toks.join(" "), parts(gone).1.to_owned())
}

fn insert(text: &str, vocab: &Vocabulary, rng: &mut Rng) -> Option<Applied> {
    let mut toks: Vec<&str> = text.split_whitespace().collect();
    if toks.len() < 2 {
        return None;
    }
    let word = vocab.pick_other("", rng)?;
    // Before token 1..=len-1: after the first word, before the last.
    let at = 1 + rng.below(toks.len() - 1);
    toks.insert(at, word);
    Applied::new(toks.join(" "), word.to_owned())
}

fn change_case(text: &str, slot: Slot, rng: &mut Rng) -> Option<Applied> {
    let mut variants = [0u8, 1, 2];
    rng.shuffle(&mut variants);
    for v in variants {
        let (out, detail) = match v {
            0 => (text.to_uppercase(), "upper"),
            1 if slot.starts_paragraph => (text.to_lowercase(), "lower"),
            1 => {
                let first = text
                    .char_indices()
                    .find(|(_, c)| c.is_alphabetic())
                    .map_or(text.len(), |(i, c)| i + c.len_utf8());
                (
                    format!("{}{}", &text[..first], text[first..].to_lowercase()),
                    "lower (first letter kept)",
                )
            }
            _ => (
                text.split(' ')
                    .map(|tok| {
                        let i = tok.find(char::is_alphabetic).unwrap_or(tok.len());
                        format!("{}{}", &tok[..i], capitalise(&tok[i..]))
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
                "title",
            ),
        };
        if out != text {
            return Applied::new(out, detail.to_owned());
        }
    }
    None
}

fn punctuation(text: &str, slot: Slot, rng: &mut Rng) -> Option<Applied> {
    let toks: Vec<&str> = text.split_whitespace().collect();
    let n = toks.len();
    let drop_period = slot.ends_paragraph && text.ends_with('.') && !text.ends_with("..");
    let add: Vec<usize> = (1..n.saturating_sub(1))
        .filter(|&i| {
            let (_, core, trail) = parts(toks[i]);
            trail.is_empty() && is_word(core) && is_word(parts(toks[i + 1]).1)
        })
        .collect();
    let remove: Vec<usize> = (0..n.saturating_sub(1))
        .filter(|&i| toks[i].ends_with(',') && !parts(toks[i]).1.is_empty())
        .collect();
    let mut variants = Vec::new();
    if drop_period {
        variants.push(0);
    }
    if !add.is_empty() {
        variants.push(1);
    }
    if !remove.is_empty() {
        variants.push(2);
    }
    if variants.is_empty() {
        return None;
    }
    let mut toks: Vec<String> = toks.into_iter().map(str::to_owned).collect();
    let detail = match *rng.pick(&variants) {
        0 => {
            let out = &text[..text.len() - 1];
            return Applied::new(out.to_owned(), "drop final period".to_owned());
        }
        1 => {
            let i = *rng.pick(&add);
            toks[i].push(',');
            format!("add comma after {}", parts(&toks[i]).1)
        }
        _ => {
            let i = *rng.pick(&remove);
            toks[i].pop();
            format!("remove comma after {}", parts(&toks[i]).1)
        }
    };
    Applied::new(toks.join(" "), detail)
}

fn quotes(text: &str, rng: &mut Rng) -> Option<Applied> {
    let straight = text.contains(['"', '\'']);
    let curly = text.contains(['“', '”', '‘', '’']);
    let toks: Vec<&str> = text.split_whitespace().collect();
    let n = toks.len();
    // A phrase holds two to four tokens, never the first or last, none
    // ending in a period; nor does the token before it: after `U.S.` an
    // opening quote starts a new sentence, and so does `U.S”.` before a
    // capital. `room[i]` is how long a phrase starting at `i` may be.
    let room = |i: usize| {
        (i..n - 1)
            .take(4)
            .take_while(|&j| !toks[j].ends_with('.'))
            .count()
    };
    let starts: Vec<usize> = (1..n.saturating_sub(2))
        .filter(|&i| !toks[i - 1].ends_with('.') && room(i) >= 2)
        .collect();
    let mut variants = Vec::new();
    if straight {
        variants.push(0);
    }
    if curly {
        variants.push(1);
    }
    if !starts.is_empty() {
        variants.push(2);
    }
    if variants.is_empty() {
        return None;
    }
    match *rng.pick(&variants) {
        0 => Applied::new(to_curly(text), "straight to curly".to_owned()),
        1 => {
            let out = text
                .chars()
                .map(|c| match c {
                    '“' | '”' => '"',
                    '‘' | '’' => '\'',
                    c => c,
                })
                .collect();
            Applied::new(out, "curly to straight".to_owned())
        }
        _ => {
            let first = *rng.pick(&starts);
            let len = rng.range((2, room(first)));
            let mut toks: Vec<String> = toks.into_iter().map(str::to_owned).collect();
            let last = first + len - 1;
            let (open, close) = if rng.below(2) == 0 {
                ('"', '"')
            } else {
                ('“', '”')
            };
            toks[first].insert(0, open);
            let (lead, core, trail) = parts(&toks[last]);
            toks[last] = format!("{lead}{core}{close}{trail}");
            let phrase = toks[first..=last].join(" ");
            Applied::new(toks.join(" "), format!("quote {phrase}"))
        }
    }
}

/// Straight quotes to curly: an opening form after the start, whitespace or an
/// opening bracket, else a closing form (also for apostrophes).
fn to_curly(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut prev: Option<char> = None;
    for c in text.chars() {
        let opens = prev.is_none_or(|p| p.is_whitespace() || matches!(p, '(' | '[' | '“' | '‘'));
        out.push(match (c, opens) {
            ('"', true) => '“',
            ('"', false) => '”',
            ('\'', true) => '‘',
            ('\'', false) => '’',
            (c, _) => c,
        });
        prev = Some(c);
    }
    out
}

fn credit(text: &str, rng: &mut Rng) -> Option<Applied> {
    let body = text.trim_end_matches(is_closer);
    let at = body.trim_end_matches(['.', '!', '?']).len();
    if at == 0 {
        return None;
    }
    let c = *rng.pick(CREDITS);
    Applied::new(
        format!("{}{c}{}", &text[..at], &text[at..]),
        c.trim().to_owned(),
    )
}

// ---------------------------------------------------------------------------
// Boundary kinds
// ---------------------------------------------------------------------------

/// Ways a copy's boundaries differ from its original's, so that a sentence
/// splitter cuts the copy differently (issue #10). Unlike an [`Edit`], which
/// changes a copy that still stands as a sentence of its own, a boundary kind
/// damages where the copy starts and ends: it glues the copy to its
/// neighbours, buries it in a longer unit or spreads it over two.
///
/// Each planted group has one kind; its copies' truth spans are the copied
/// text only, never a glued prefix, credit or frame. See [`plant`] for how
/// the kinds are drawn and placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BoundaryKind {
    /// The whole copy lower-cased, its first letter too, placed after another
    /// sentence of its paragraph: a splitter glues it to that sentence.
    LowerCaseCopy,
    /// The whole copy upper-cased, placed after another sentence of its
    /// paragraph.
    UpperCaseCopy,
    /// The copy's first word lower-cased (a sentence that starts in lower
    /// case after a period), placed after another sentence of its paragraph.
    LowerCaseStart,
    /// The copy's final punctuation replaced by a credit or tag
    /// ([`CREDIT_TAGS`]: `… mobiles – AP Its electoral roll fell …`), with
    /// another sentence of its paragraph after it.
    CreditNoPeriod,
    /// No space between the copy and the sentence before or after it
    /// (`…said.The United States…`).
    MissingSpace,
    /// A navigation artifact ([`NAV_PREFIXES`]) glued to the copy's front
    /// (`Share This ArticleThe United States has warned…`). Like
    /// [`Edit::GluedPrefix`], with more and longer artifacts.
    NavPrefix,
    /// The copy is a sentence of a document hard-wrapped at
    /// [`WRAP_COLUMNS`] columns (Reuters style: a line break in place of a
    /// space, paragraphs opening with an indented line), so its own words
    /// break across lines. Half the copies sit between two sentences of a
    /// paragraph; the other half are pasted on lines of their own between two
    /// lines of a neighbouring sentence, which is split in two.
    HardWrap,
    /// The end of one original sentence and the start of the next, copied
    /// as one stretch of text (at least half of each). The truth has two
    /// spans on each side, one per original sentence: see [`plant`].
    SpansTwo,
    /// The copy, its final punctuation removed, quoted inside a longer
    /// sentence of other text (`In a statement, the bank said that "…" and
    /// that …`; frames in [`QUOTE_FRAMES`]).
    QuotedInParagraph,
}

impl BoundaryKind {
    /// Every kind.
    pub const ALL: [BoundaryKind; 9] = [
        BoundaryKind::LowerCaseCopy,
        BoundaryKind::UpperCaseCopy,
        BoundaryKind::LowerCaseStart,
        BoundaryKind::CreditNoPeriod,
        BoundaryKind::MissingSpace,
        BoundaryKind::NavPrefix,
        BoundaryKind::HardWrap,
        BoundaryKind::SpansTwo,
        BoundaryKind::QuotedInParagraph,
    ];

    /// The kind's name, as written in truth files (`kind`) and accepted by
    /// [`str::parse`].
    pub fn name(self) -> &'static str {
        match self {
            BoundaryKind::LowerCaseCopy => "lower-case-copy",
            BoundaryKind::UpperCaseCopy => "upper-case-copy",
            BoundaryKind::LowerCaseStart => "lower-case-start",
            BoundaryKind::CreditNoPeriod => "credit-no-period",
            BoundaryKind::MissingSpace => "missing-space",
            BoundaryKind::NavPrefix => "nav-prefix",
            BoundaryKind::HardWrap => "hard-wrap",
            BoundaryKind::SpansTwo => "spans-two",
            BoundaryKind::QuotedInParagraph => "quoted-in-paragraph",
        }
    }

    /// `all`, or names separated by commas, as a list without repeats in
    /// [`BoundaryKind::ALL`] order.
    pub fn parse_list(list: &str) -> Result<Vec<BoundaryKind>> {
        if list.trim() == "all" {
            return Ok(BoundaryKind::ALL.to_vec());
        }
        let mut kinds = Vec::new();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            kinds.push(name.parse::<BoundaryKind>()?);
        }
        kinds.sort_unstable();
        kinds.dedup();
        if kinds.is_empty() {
            return Err(Error::Param("no boundary kind given".into()));
        }
        Ok(kinds)
    }
}

impl fmt::Display for BoundaryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for BoundaryKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        BoundaryKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = BoundaryKind::ALL.iter().map(|k| k.name()).collect();
                Error::Param(format!(
                    "unknown boundary kind {s:?}; expected `all` or some of {}",
                    names.join(", ")
                ))
            })
    }
}

/// What kind of copy a planted group holds: the `kind` of its copies in the
/// truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CopyKind {
    /// A sentence of its own with random [`Edit`]s (`edited`).
    Edited,
    /// A copy with damaged boundaries.
    Boundary(BoundaryKind),
}

impl CopyKind {
    /// Every kind: [`CopyKind::Edited`], then [`BoundaryKind::ALL`].
    pub fn all() -> impl Iterator<Item = CopyKind> {
        std::iter::once(CopyKind::Edited).chain(BoundaryKind::ALL.map(CopyKind::Boundary))
    }

    /// The name written in truth files.
    pub fn name(self) -> &'static str {
        match self {
            CopyKind::Edited => "edited",
            CopyKind::Boundary(b) => b.name(),
        }
    }
}

impl fmt::Display for CopyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for CopyKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Navigation artifacts glued to a copy's front ([`BoundaryKind::NavPrefix`]).
/// Each has fewer than six words (the sentence scan's default
/// `--min-tokens`): one the splitter cuts off is then skipped, where a longer
/// one would be a unit repeated in every copy that has it, a true repeat the
/// truth does not label.
pub const NAV_PREFIXES: &[&str] = &[
    "Share This Article",
    "Skip to main content",
    "Advertisement",
    "Related Stories",
    "Sign up for our newsletter",
    "Read more:",
    "Most Popular",
    "Click here to subscribe",
];

/// Credits and tags that end a copy in place of its final punctuation
/// ([`BoundaryKind::CreditNoPeriod`]).
pub const CREDIT_TAGS: &[&str] = &[
    " – AP",
    " - AP",
    " (Reuters)",
    " | Reuters",
    " - AFP",
    " — BBC News",
];

/// Sentences that quote a copy ([`BoundaryKind::QuotedInParagraph`]): text
/// before and after it, each `{}` filled with a vocabulary word.
pub const QUOTE_FRAMES: &[(&str, &str)] = &[
    (
        "In a statement, the {} said that \"",
        "\" and that it would review the {} next week.",
    ),
    (
        "Asked about the {}, one official told reporters that \"",
        "\" before declining to comment further.",
    ),
    (
        "According to the {} report, \"",
        "\" was the main finding of the study.",
    ),
    (
        "Critics have long argued that \"",
        "\" but the {} rejects that view.",
    ),
    (
        "The minister repeated on Monday that \"",
        "\" during a visit to the {} region.",
    ),
    ("\"", "\" the {} said in a letter to shareholders."),
];

/// Line width of hard-wrapped documents ([`BoundaryKind::HardWrap`]).
pub const WRAP_COLUMNS: usize = 70;

/// Paragraph separator of hard-wrapped documents: a line break and a 4-space
/// indent, as in Reuters-21578.
pub const WRAPPED_PARAGRAPH: &str = "\n    ";

/// `text` hard-wrapped at `width` columns: a single space between two words
/// becomes a line break where the next word would pass the column; columns
/// count chars from the last line break, which resets them. Only spaces
/// change, one byte for one, so byte offsets into `text` stay valid; an
/// indent after a line break is kept, and a word longer than a line stays
/// whole.
///
/// ```
/// let text = "one two three four five six seven";
/// assert_eq!(dupscan_synth::hard_wrap(text, 14), "one two three\nfour five six\nseven");
/// ```
pub fn hard_wrap(text: &str, width: usize) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let is_char_start = |b: u8| b & 0xC0 != 0x80;
    let mut col = 0usize;
    for i in 0..bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            col = 0;
            continue;
        }
        let between_words = b == b' '
            && col > 0
            && i > 0
            && !bytes[i - 1].is_ascii_whitespace()
            && bytes.get(i + 1).is_some_and(|c| !c.is_ascii_whitespace());
        if between_words {
            let word = bytes[i + 1..]
                .iter()
                .take_while(|c| !c.is_ascii_whitespace())
                .filter(|&&c| is_char_start(c))
                .count();
            if col + 1 + word > width {
                bytes[i] = b'\n';
                col = 0;
                continue;
            }
        }
        col += usize::from(is_char_start(b));
    }
    String::from_utf8(bytes).expect("replacing ASCII spaces keeps UTF-8 valid")
}

/// Whether the first letter of `s` is uppercase.
fn starts_upper(s: &str) -> bool {
    s.chars()
        .find(|c| c.is_alphabetic())
        .is_some_and(char::is_uppercase)
}

/// `s` without its final run of `.`, `!` and `?`.
fn without_final_punctuation(s: &str) -> &str {
    s.trim_end_matches(['.', '!', '?'])
}

/// Whether `s` ends in terminal punctuation with nothing after it.
fn ends_plainly(s: &str) -> bool {
    s.ends_with(['.', '!', '?']) && !without_final_punctuation(s).is_empty()
}

/// A copy with `n` word-level edits (substitute, delete, insert) of
/// distinct kinds, as many as apply.
fn random_word_copy(sentence: &str, n: usize, vocab: &Vocabulary, rng: &mut Rng) -> EditedCopy {
    let mut kinds = [Edit::Substitute, Edit::Delete, Edit::Insert];
    rng.shuffle(&mut kinds);
    let chosen: Vec<Edit> = kinds
        .into_iter()
        .filter(|&k| apply(k, sentence, Slot::default(), vocab, &mut rng.clone()).is_some())
        .take(n)
        .collect();
    apply_edits(sentence, &chosen, Slot::default(), vocab, rng)
}

/// The last `k` whitespace-separated words of `s` (single spaces).
fn last_words(s: &str, k: usize) -> &str {
    let n = s.split(' ').count();
    if k >= n {
        return s;
    }
    s.match_indices(' ')
        .nth(n - k - 1)
        .map_or(s, |(i, _)| &s[i + 1..])
}

/// The first `k` whitespace-separated words of `s` (single spaces).
fn first_words(s: &str, k: usize) -> &str {
    s.match_indices(' ')
        .nth(k.saturating_sub(1))
        .map_or(s, |(i, _)| &s[..i])
}

/// A copy of one sentence with damaged boundaries: the text inserted, the
/// copied text's range in it, the record of what was done, and how it sits
/// among its neighbours.
struct BoundaryCopy {
    text: String,
    core: Range<usize>,
    record: String,
    layout: Layout,
}

/// Whether a copy of `kind` may go at `slot`: the kinds that glue a copy to
/// a neighbour need that neighbour in the same paragraph.
fn boundary_slot_ok(kind: BoundaryKind, slot: Slot) -> bool {
    match kind {
        BoundaryKind::LowerCaseCopy
        | BoundaryKind::UpperCaseCopy
        | BoundaryKind::LowerCaseStart => !slot.starts_paragraph,
        BoundaryKind::CreditNoPeriod => !slot.ends_paragraph,
        BoundaryKind::MissingSpace => !(slot.starts_paragraph && slot.ends_paragraph),
        _ => true,
    }
}

/// Whether `sentence` can be the original of a copy of `kind`.
fn boundary_source_ok(kind: BoundaryKind, sentence: &str) -> bool {
    match kind {
        BoundaryKind::LowerCaseCopy | BoundaryKind::LowerCaseStart => starts_upper(sentence),
        BoundaryKind::CreditNoPeriod | BoundaryKind::QuotedInParagraph => ends_plainly(sentence),
        _ => true,
    }
}

/// Applies `kind` (not [`BoundaryKind::SpansTwo`]) to `sentence`, a copy
/// placed at `slot`.
fn boundary_copy(
    kind: BoundaryKind,
    sentence: &str,
    slot: Slot,
    vocab: &Vocabulary,
    rng: &mut Rng,
) -> BoundaryCopy {
    let whole = |text: String, record: String, layout: Layout| BoundaryCopy {
        core: 0..text.len(),
        text,
        record,
        layout,
    };
    let name = kind.name();
    match kind {
        BoundaryKind::LowerCaseCopy => whole(
            sentence.to_lowercase(),
            format!("{name}: whole copy lower-cased"),
            Layout::Plain,
        ),
        BoundaryKind::UpperCaseCopy => whole(
            sentence.to_uppercase(),
            format!("{name}: whole copy upper-cased"),
            Layout::Plain,
        ),
        BoundaryKind::LowerCaseStart => {
            let end = sentence.find(' ').unwrap_or(sentence.len());
            let first = &sentence[..end];
            whole(
                format!("{}{}", first.to_lowercase(), &sentence[end..]),
                format!("{name}: {first} -> {}", first.to_lowercase()),
                Layout::Plain,
            )
        }
        BoundaryKind::CreditNoPeriod => {
            let body = without_final_punctuation(sentence);
            let tag = *rng.pick(CREDIT_TAGS);
            BoundaryCopy {
                text: format!("{body}{tag}"),
                core: 0..body.len(),
                record: format!("{name}:{tag}"),
                layout: Layout::Plain,
            }
        }
        BoundaryKind::MissingSpace => {
            let before = !slot.starts_paragraph && (slot.ends_paragraph || rng.below(2) == 0);
            let (layout, side) = if before {
                (Layout::GlueBefore, "before")
            } else {
                (Layout::GlueAfter, "after")
            };
            whole(
                sentence.to_owned(),
                format!("{name}: no space {side} the copy"),
                layout,
            )
        }
        BoundaryKind::NavPrefix => {
            let prefix = *rng.pick(NAV_PREFIXES);
            BoundaryCopy {
                text: format!("{prefix}{sentence}"),
                core: prefix.len()..prefix.len() + sentence.len(),
                record: format!("{name}: {prefix}"),
                layout: Layout::Plain,
            }
        }
        BoundaryKind::HardWrap => {
            let between = !(slot.starts_paragraph && slot.ends_paragraph) && rng.below(2) == 0;
            if between {
                // Split the next sentence when it is in the paragraph, else
                // the previous one.
                let next = !slot.ends_paragraph;
                let draw = rng.next();
                let which = if next { "next" } else { "previous" };
                whole(
                    sentence.to_owned(),
                    format!("{name}: on lines of its own inside the {which} sentence"),
                    Layout::BetweenLines { next, draw },
                )
            } else {
                whole(
                    sentence.to_owned(),
                    format!("{name}: a sentence of a wrapped paragraph"),
                    Layout::Wrapped,
                )
            }
        }
        BoundaryKind::QuotedInParagraph => {
            let (before, after) = *rng.pick(QUOTE_FRAMES);
            let mut fill = |frame: &str| {
                let word = vocab.pick_other("", rng).unwrap_or("company").to_owned();
                frame.replace("{}", &word)
            };
            let before = fill(before);
            let after = fill(after);
            let body = without_final_punctuation(sentence);
            BoundaryCopy {
                text: format!("{before}{body}{after}"),
                core: before.len()..before.len() + body.len(),
                record: format!("{name}: {before}…{after}"),
                layout: Layout::Plain,
            }
        }
        BoundaryKind::SpansTwo => unreachable!("spans-two copies are built by plant"),
    }
}

// ---------------------------------------------------------------------------
// Planting
// ---------------------------------------------------------------------------

/// How [`plant`] builds a corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct PlantConfig {
    /// Seed for every random choice.
    pub seed: u64,
    /// Documents wanted. Fewer come out when the pool runs out (see [`plant`]).
    pub docs: usize,
    /// Original sentences per document, drawn uniformly from `lo..=hi`.
    pub sentences_per_doc: (usize, usize),
    /// Sentences per paragraph (counting planted copies).
    pub paragraph_every: usize,
    /// Share of documents that receive a planted copy, in `[0, 1]`. Each such
    /// document receives exactly one.
    pub planted_fraction: f64,
    /// Copies per planted sentence, `lo..=hi`, each into a different document.
    pub copies: (usize, usize),
    /// Edits per copy, `lo..=hi`, of distinct kinds.
    pub edits: (usize, usize),
    /// Only sentences with at least this many words are planted.
    pub min_plant_words: usize,
    /// Document ids are this prefix and a six-digit number.
    pub id_prefix: String,
    /// Boundary kinds to plant; empty (the default) plants only
    /// [`CopyKind::Edited`] copies, exactly as without this field.
    pub boundary_kinds: Vec<BoundaryKind>,
    /// With `boundary_kinds`, the share of planted groups, in `[0, 1]`, whose
    /// copies get a boundary kind instead of random [`Edit`]s; the kinds take
    /// turns, so each gets about the same number of groups.
    pub boundary_share: f64,
    /// Word-level edits (substitute, delete, insert) on each boundary copy,
    /// `lo..=hi`, before its boundaries are damaged; at most one for
    /// sentences under 12 words.
    pub boundary_edits: (usize, usize),
}

impl Default for PlantConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            docs: 1000,
            sentences_per_doc: (8, 24),
            paragraph_every: 4,
            planted_fraction: 0.2,
            copies: (1, 3),
            edits: (1, 2),
            min_plant_words: 12,
            id_prefix: "synth-".to_owned(),
            boundary_kinds: Vec::new(),
            boundary_share: 0.5,
            boundary_edits: (0, 1),
        }
    }
}

impl PlantConfig {
    /// Checks every range; errors name the offending field.
    pub fn validate(&self) -> Result<()> {
        let range = |name: &str, (lo, hi): (usize, usize), min: usize| {
            if lo < min || lo > hi {
                Err(Error::Param(format!(
                    "{name} must satisfy {min} <= lo <= hi, got ({lo}, {hi})"
                )))
            } else {
                Ok(())
            }
        };
        range("sentences_per_doc", self.sentences_per_doc, 1)?;
        range("copies", self.copies, 1)?;
        range("edits", self.edits, 0)?;
        range("boundary_edits", self.boundary_edits, 0)?;
        if self.paragraph_every == 0 {
            return Err(Error::Param("paragraph_every must be at least 1".into()));
        }
        for (name, share) in [
            ("planted_fraction", self.planted_fraction),
            ("boundary_share", self.boundary_share),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(Error::Param(format!(
                    "{name} must be in [0, 1], got {share}"
                )));
            }
        }
        Ok(())
    }
}

/// A synthetic document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SynthDoc {
    /// Unique id.
    pub id: String,
    /// The text: sentences joined by a space, paragraphs by a blank line
    /// (in a hard-wrapped document, [`WRAPPED_PARAGRAPH`]).
    pub text: String,
}

/// One member of a planted group: a byte span `[start, end)` of a document's
/// text, on char boundaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TruthMember {
    /// The document's id.
    pub doc: String,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
    /// For a copy, one record per edit, `"kind: detail"` (see [`Edit`]; a
    /// boundary copy's first record names its [`BoundaryKind`]); empty for
    /// an original. Written only when non-empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub edits: Vec<String>,
    /// For a copy, its kind; `None` for an original. Written only for copies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<CopyKind>,
}

/// An original sentence (the first member) and its edited copies, each in a
/// different document. A [`BoundaryKind::SpansTwo`] copy makes two groups:
/// the end of one sentence with the copies' first parts, and the start of
/// the next with their second parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TruthGroup {
    /// The kind of every copy in the group.
    pub kind: CopyKind,
    /// The original(s) first, then the copies.
    pub members: Vec<TruthMember>,
}

impl TruthGroup {
    /// Number of copies (a spans-two copy counts in both of its groups).
    pub fn copies(&self) -> usize {
        self.members.len().saturating_sub(1)
    }
}

/// A corpus with planted near-duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    /// The documents, in id order.
    pub docs: Vec<SynthDoc>,
    /// The planted groups.
    pub truth: Vec<TruthGroup>,
    /// Pool sentences used as originals.
    pub pool_used: usize,
    /// The pool ran out before [`PlantConfig::docs`] documents were built.
    pub pool_exhausted: bool,
}

impl Planted {
    /// Number of planted copies.
    pub fn copies(&self) -> usize {
        self.truth.iter().map(TruthGroup::copies).sum()
    }

    /// How many copies received each kind of edit, in [`Edit::ALL`] order.
    pub fn edit_counts(&self) -> Vec<(Edit, usize)> {
        let mut counts = [0usize; Edit::ALL.len()];
        for record in self
            .truth
            .iter()
            .flat_map(|g| &g.members)
            .flat_map(|m| &m.edits)
        {
            if let Some(kind) = Edit::of_record(record) {
                counts[kind as usize] += 1;
            }
        }
        Edit::ALL.into_iter().zip(counts).collect()
    }

    /// How many copies of each kind were planted, in [`CopyKind::all`] order.
    pub fn kind_counts(&self) -> Vec<(CopyKind, usize)> {
        CopyKind::all()
            .map(|kind| {
                let n = self
                    .truth
                    .iter()
                    .filter(|g| g.kind == kind)
                    .map(TruthGroup::copies)
                    .sum();
                (kind, n)
            })
            .collect()
    }
}

/// How a copy sits among its neighbours in its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Like any sentence: a space or a paragraph break on each side.
    Plain,
    /// No space between the sentence before and the copy.
    GlueBefore,
    /// No space between the copy and the sentence after it.
    GlueAfter,
    /// A sentence of a hard-wrapped document.
    Wrapped,
    /// In a hard-wrapped document, on lines of its own inside the next
    /// (`next`) or previous sentence, which is split at the space `draw`
    /// picks.
    BetweenLines { next: bool, draw: u64 },
}

impl Layout {
    fn wraps(self) -> bool {
        matches!(self, Layout::Wrapped | Layout::BetweenLines { .. })
    }
}

/// A truth member inside a piece of a document: its group, its index in the
/// group, its byte range in the piece, and the member's record.
#[derive(Debug, Clone)]
struct Mark {
    group: usize,
    member: usize,
    range: Range<usize>,
    edits: Vec<String>,
    kind: Option<CopyKind>,
}

/// A copy waiting to be placed.
struct Insert {
    /// Its sentence position in the finished document.
    at: usize,
    text: String,
    marks: Vec<Mark>,
    layout: Layout,
}

/// One stretch of a document being assembled: the separator before it, its
/// text and the truth members inside it.
struct Piece<'a> {
    sep: &'static str,
    text: Cow<'a, str>,
    marks: Vec<Mark>,
}

/// Builds documents from `pool` and plants edited copies of some of their
/// sentences into other documents.
///
/// **Documents.** The pool is shuffled and consumed in order: each document
/// takes the next `sentences_per_doc` sentences, so no pool sentence appears
/// as an original twice. Nothing is ever reused: reusing a sentence would put
/// an identical sentence into two documents, which a scanner rightly groups
/// though the truth does not. When the pool runs out, the documents built so
/// far are returned (a last short document is kept if it has at least
/// `sentences_per_doc.0` sentences) and [`Planted::pool_exhausted`] is set. A
/// pool of `P` sentences thus gives about `P / mean(sentences_per_doc)`
/// documents; for more, plant again from a reworded pool ([`reword_pool`]).
///
/// **Planting.** `round(docs × planted_fraction)` documents are chosen to
/// receive one copy each, in groups of `copies` documents; each group copies a
/// sentence of at least `min_plant_words` words from a document outside the
/// group, at a random sentence position, with `edits` random edits of distinct
/// kinds (at most [`MAX_WORD_EDITS`] of them word-level, one for sentences
/// under 12 words). Word edits draw from the pool's [`Vocabulary`].
///
/// **Boundary kinds.** With [`PlantConfig::boundary_kinds`], each group
/// becomes a boundary group with probability `boundary_share`, the kinds
/// taking turns; its copies get `boundary_edits` word-level edits, then the
/// damage of their kind (see [`BoundaryKind`]), at a position where the
/// damage happens (a copy glued to the sentence before it is never the first
/// of its paragraph). Originals are then drawn only from documents that
/// receive no copy, so no copy's damage reaches another group's original;
/// and each original sentence suits its kind (a lower-cased start needs an
/// uppercase one). A [`BoundaryKind::SpansTwo`] group copies the last `k`
/// words of an original sentence and the first `m` of the next one (each at
/// least half of its sentence and short of all of it) as one stretch of
/// text; its truth has the two parts as separate members on each side, in
/// the order tail of the original, head of the original, then tail and head
/// of each copy. Without boundary kinds the random choices, and so the
/// output, are the same as before they existed.
///
/// **Truth.** Spans are byte offsets into the finished texts, recorded while
/// each text is assembled; a copy's span is its [`EditedCopy::core`], and a
/// boundary copy's the copied text without a glued prefix, credit or quoting
/// frame. Hard-wrapping replaces spaces by line breaks byte for byte, so it
/// moves no span.
///
/// Errors only on an invalid configuration ([`PlantConfig::validate`]).
pub fn plant(pool: &[String], cfg: &PlantConfig) -> Result<Planted> {
    cfg.validate()?;
    let mut rng = Rng::new(cfg.seed, STREAM_PLANT);

    // Documents as lists of pool indices.
    let mut order: Vec<u32> = (0..pool.len() as u32).collect();
    rng.shuffle(&mut order);
    let mut skeletons: Vec<&[u32]> = Vec::new();
    let mut rest: &[u32] = &order;
    while skeletons.len() < cfg.docs {
        let want = rng.range(cfg.sentences_per_doc);
        if rest.len() < want {
            if rest.len() >= cfg.sentences_per_doc.0 {
                skeletons.push(rest);
                rest = &[];
            }
            break;
        }
        let (doc, tail) = rest.split_at(want);
        skeletons.push(doc);
        rest = tail;
    }
    let n = skeletons.len();
    let pool_used = order.len() - rest.len();

    // Receivers, in groups, and a source for each group.
    let mut doc_order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut doc_order);
    let receiving = if n < 2 {
        0
    } else {
        ((n as f64 * cfg.planted_fraction).round() as usize).min(n)
    };
    let receivers = &doc_order[..receiving];
    let boundary = !cfg.boundary_kinds.is_empty();
    let mut receives = vec![false; n];
    for &r in receivers {
        receives[r] = true;
    }

    let normalizer = Normalizer::default();
    let mut norm = String::new();
    let mut words = |s: &str| {
        normalizer.normalize_into(s, &mut norm);
        token_count(&norm)
    };
    let mut eligible: Vec<(usize, usize)> = Vec::new();
    for (d, doc) in skeletons.iter().enumerate() {
        if boundary && receives[d] {
            continue;
        }
        for (p, &s) in doc.iter().enumerate() {
            if words(&pool[s as usize]) >= cfg.min_plant_words {
                eligible.push((d, p));
            }
        }
    }
    rng.shuffle(&mut eligible);
    let mut sources = Sources {
        eligible: &eligible,
        next: 0,
        skipped: Vec::new(),
        used: HashSet::new(),
    };

    let vocab = if receiving > 0 {
        Vocabulary::from_sentences(pool)
    } else {
        Vocabulary::default()
    };
    let sentence_at = |(d, p): (usize, usize)| pool[skeletons[d][p] as usize].as_str();
    let mut group_kinds: Vec<CopyKind> = Vec::new();
    let mut group_sizes: Vec<usize> = Vec::new();
    let mut source_marks: HashMap<(usize, usize), Vec<Mark>> = HashMap::new();
    let mut inserts: Vec<Option<Insert>> = (0..n).map(|_| None).collect();
    let mut next = 0;
    let mut turn = 0;
    while next < receivers.len() {
        let k = rng.range(cfg.copies).min(receivers.len() - next);
        let group = &receivers[next..next + k];
        let kind = if boundary && rng.chance(cfg.boundary_share) {
            turn += 1;
            Some(cfg.boundary_kinds[(turn - 1) % cfg.boundary_kinds.len()])
        } else {
            None
        };
        let spans_two = kind == Some(BoundaryKind::SpansTwo);
        let suits = |d: usize, p: usize| match kind {
            Some(BoundaryKind::SpansTwo) => p + 1 < skeletons[d].len(),
            Some(b) => boundary_source_ok(b, sentence_at((d, p))),
            None => true,
        };
        let Some((d, p)) = sources.take(group, suits, spans_two) else {
            break;
        };
        next += k;
        let g = group_kinds.len();
        let sentence = sentence_at((d, p));
        let max_word = if words(sentence) >= 12 {
            MAX_WORD_EDITS
        } else {
            1
        };
        match kind {
            None => {
                group_kinds.push(CopyKind::Edited);
                group_sizes.push(k + 1);
                source_marks.entry((d, p)).or_default().push(original_mark(
                    g,
                    0,
                    0..sentence.len(),
                ));
                for (i, &r) in group.iter().enumerate() {
                    let total = skeletons[r].len() + 1;
                    let at = rng.below(total);
                    let slot = slot_at(at, total, cfg.paragraph_every);
                    let edits = rng.range(cfg.edits);
                    let copy = random_copy(sentence, edits, max_word, slot, &vocab, &mut rng);
                    inserts[r] = Some(Insert {
                        at,
                        marks: vec![Mark {
                            group: g,
                            member: i + 1,
                            range: copy.core,
                            edits: copy.edits,
                            kind: Some(CopyKind::Edited),
                        }],
                        text: copy.text,
                        layout: Layout::Plain,
                    });
                }
            }
            Some(BoundaryKind::SpansTwo) => {
                let following = sentence_at((d, p + 1));
                let count = |s: &str| s.split(' ').count();
                let part = |rng: &mut Rng, n: usize| rng.range((n.div_ceil(2), n.max(2) - 1));
                let tail = last_words(sentence, part(&mut rng, count(sentence)));
                let head = first_words(following, part(&mut rng, count(following)));
                // Two groups: the tail of the first sentence with the copies'
                // first parts, the head of the next with their second parts
                // (what is copied of each; the two are not near-duplicates
                // of each other).
                for _ in 0..2 {
                    group_kinds.push(CopyKind::Boundary(BoundaryKind::SpansTwo));
                    group_sizes.push(1 + k);
                }
                source_marks.entry((d, p)).or_default().push(original_mark(
                    g,
                    0,
                    sentence.len() - tail.len()..sentence.len(),
                ));
                source_marks
                    .entry((d, p + 1))
                    .or_default()
                    .push(original_mark(g + 1, 0, 0..head.len()));
                let (tail_words, head_words) = (count(tail), count(head));
                let records = [
                    format!(
                        "spans-two: tail, the last {tail_words} of {} words",
                        count(sentence)
                    ),
                    format!(
                        "spans-two: head, the first {head_words} of {} words",
                        count(following)
                    ),
                ];
                for (i, &r) in group.iter().enumerate() {
                    let total = skeletons[r].len() + 1;
                    let at = rng.below(total);
                    let edits = rng.range(cfg.boundary_edits).min(max_word);
                    let copy = random_word_copy(tail, edits, &vocab, &mut rng);
                    let text = format!("{} {head}", copy.text);
                    let mark = |half: usize, range: Range<usize>, mut edits: Vec<String>| {
                        edits.insert(0, records[half].clone());
                        Mark {
                            group: g + half,
                            member: 1 + i,
                            range,
                            edits,
                            kind: Some(CopyKind::Boundary(BoundaryKind::SpansTwo)),
                        }
                    };
                    let marks = vec![
                        mark(0, 0..copy.text.len(), copy.edits),
                        mark(1, copy.text.len() + 1..text.len(), Vec::new()),
                    ];
                    inserts[r] = Some(Insert {
                        at,
                        text,
                        marks,
                        layout: Layout::Plain,
                    });
                }
            }
            Some(b) => {
                group_kinds.push(CopyKind::Boundary(b));
                group_sizes.push(k + 1);
                source_marks.entry((d, p)).or_default().push(original_mark(
                    g,
                    0,
                    0..sentence.len(),
                ));
                for (i, &r) in group.iter().enumerate() {
                    let total = skeletons[r].len() + 1;
                    let pe = cfg.paragraph_every;
                    let fits: Vec<usize> = (0..total)
                        .filter(|&at| boundary_slot_ok(b, slot_at(at, total, pe)))
                        .collect();
                    let at = if fits.is_empty() {
                        rng.below(total)
                    } else {
                        *rng.pick(&fits)
                    };
                    let slot = slot_at(at, total, pe);
                    let edits = rng.range(cfg.boundary_edits).min(max_word);
                    let edited = random_word_copy(sentence, edits, &vocab, &mut rng);
                    let copy = boundary_copy(b, &edited.text, slot, &vocab, &mut rng);
                    let mut records = vec![copy.record];
                    records.extend(edited.edits);
                    inserts[r] = Some(Insert {
                        at,
                        marks: vec![Mark {
                            group: g,
                            member: i + 1,
                            range: copy.core,
                            edits: records,
                            kind: Some(CopyKind::Boundary(b)),
                        }],
                        text: copy.text,
                        layout: copy.layout,
                    });
                }
            }
        }
    }

    // Assemble the texts, recording spans as they are written.
    let mut members: Vec<Vec<Option<TruthMember>>> =
        group_sizes.iter().map(|&k| vec![None; k]).collect();
    let mut docs = Vec::with_capacity(n);
    for (d, skeleton) in skeletons.iter().enumerate() {
        let id = format!("{}{d:06}", cfg.id_prefix);
        let insert = inserts[d].take();
        let layout = insert.as_ref().map_or(Layout::Plain, |i| i.layout);
        let paragraph = if layout.wraps() {
            WRAPPED_PARAGRAPH
        } else {
            "\n\n"
        };
        let items = skeleton.len() + usize::from(insert.is_some());
        let mut pieces: Vec<Piece<'_>> = Vec::with_capacity(items + 1);
        let mut copy_at = None;
        let mut insert = insert;
        let mut p = 0;
        for i in 0..items {
            let sep = match i {
                0 => "",
                i if i % cfg.paragraph_every == 0 => paragraph,
                _ => " ",
            };
            match insert.take_if(|ins| ins.at == i) {
                Some(ins) => {
                    copy_at = Some(pieces.len());
                    pieces.push(Piece {
                        sep,
                        text: Cow::Owned(ins.text),
                        marks: ins.marks,
                    });
                }
                None => {
                    pieces.push(Piece {
                        sep,
                        text: Cow::Borrowed(&pool[skeleton[p] as usize]),
                        marks: source_marks.remove(&(d, p)).unwrap_or_default(),
                    });
                    p += 1;
                }
            }
        }
        if let Some(c) = copy_at {
            arrange(&mut pieces, c, layout);
        }
        let mut text = String::new();
        for piece in pieces {
            text.push_str(piece.sep);
            let start = text.len();
            text.push_str(&piece.text);
            for mark in piece.marks {
                let span = start + mark.range.start..start + mark.range.end;
                debug_assert_eq!(&text[span.clone()], &piece.text[mark.range.clone()]);
                members[mark.group][mark.member] = Some(TruthMember {
                    doc: id.clone(),
                    start: span.start as u32,
                    end: span.end as u32,
                    edits: mark.edits,
                    kind: mark.kind,
                });
            }
        }
        if layout.wraps() {
            text = hard_wrap(&text, WRAP_COLUMNS);
        }
        docs.push(SynthDoc { id, text });
    }
    let truth = members
        .into_iter()
        .zip(group_kinds)
        .map(|(m, kind)| TruthGroup {
            kind,
            members: m
                .into_iter()
                .map(|m| m.expect("every planted member is placed"))
                .collect(),
        })
        .collect();
    Ok(Planted {
        docs,
        truth,
        pool_used,
        pool_exhausted: n < cfg.docs,
    })
}

/// Where sentence position `at` of `total` falls in its paragraph.
fn slot_at(at: usize, total: usize, paragraph_every: usize) -> Slot {
    Slot {
        starts_paragraph: at % paragraph_every == 0,
        ends_paragraph: (at + 1) % paragraph_every == 0 || at + 1 == total,
    }
}

fn original_mark(group: usize, member: usize, range: Range<usize>) -> Mark {
    Mark {
        group,
        member,
        range,
        edits: Vec::new(),
        kind: None,
    }
}

/// Applies a copy's layout to the pieces around it, the copy being
/// `pieces[c]`: glue drops a space; between-lines splits a neighbouring
/// sentence in two around the copy, with line breaks on both sides.
fn arrange(pieces: &mut Vec<Piece<'_>>, c: usize, layout: Layout) {
    match layout {
        Layout::Plain | Layout::Wrapped => {}
        Layout::GlueBefore => {
            if c > 0 && pieces[c].sep == " " {
                pieces[c].sep = "";
            }
        }
        Layout::GlueAfter => {
            if let Some(after) = pieces.get_mut(c + 1).filter(|p| p.sep == " ") {
                after.sep = "";
            }
        }
        Layout::BetweenLines { next, draw } => {
            // The neighbour must be in the copy's paragraph and hold no
            // truth span (plant draws originals from other documents).
            let host = if next { c + 1 } else { c.wrapping_sub(1) };
            let joined = if next {
                pieces.get(host).is_some_and(|h| h.sep == " ")
            } else {
                pieces[c].sep == " "
            };
            let Some(h) = pieces.get(host).filter(|h| joined && h.marks.is_empty()) else {
                return;
            };
            let spaces: Vec<usize> = h.text.match_indices(' ').map(|(i, _)| i).collect();
            if spaces.is_empty() {
                return;
            }
            let cut = spaces[(draw % spaces.len() as u64) as usize];
            let (first, second) = (h.text[..cut].to_owned(), h.text[cut + 1..].to_owned());
            let (lo, sep) = if next {
                (c, pieces[c].sep)
            } else {
                (host, pieces[host].sep)
            };
            let copy = pieces.remove(c);
            pieces.remove(lo);
            let split = [
                Piece {
                    sep,
                    text: Cow::Owned(first),
                    marks: Vec::new(),
                },
                Piece { sep: "\n", ..copy },
                Piece {
                    sep: "\n",
                    text: Cow::Owned(second),
                    marks: Vec::new(),
                },
            ];
            pieces.splice(lo..lo, split);
        }
    }
}

/// Eligible source sentences `(doc, position)` in random order; those skipped
/// because their document was in a group (or they did not suit the group's
/// kind) are tried first next time. Sentences taken, and the sentence after
/// a spans-two source, are `used` and never handed out.
struct Sources<'a> {
    eligible: &'a [(usize, usize)],
    next: usize,
    skipped: Vec<(usize, usize)>,
    used: HashSet<(usize, usize)>,
}

impl Sources<'_> {
    /// The next source outside `group` that `suits`; with `with_next`, the
    /// sentence after it must be free too, and is taken with it.
    fn take(
        &mut self,
        group: &[usize],
        suits: impl Fn(usize, usize) -> bool,
        with_next: bool,
    ) -> Option<(usize, usize)> {
        let used = &self.used;
        let ok = |(d, p): (usize, usize)| {
            let taken = used.contains(&(d, p)) || (with_next && used.contains(&(d, p + 1)));
            !group.contains(&d) && !taken && suits(d, p)
        };
        let found = match self.skipped.iter().position(|&dp| ok(dp)) {
            Some(i) => Some(self.skipped.remove(i)),
            None => loop {
                let Some(&dp) = self.eligible.get(self.next) else {
                    break None;
                };
                self.next += 1;
                if ok(dp) {
                    break Some(dp);
                }
                if !self.used.contains(&dp) {
                    self.skipped.push(dp);
                }
            },
        };
        let (d, p) = found?;
        self.used.insert((d, p));
        if with_next {
            self.used.insert((d, p + 1));
        }
        Some((d, p))
    }
}

// ---------------------------------------------------------------------------
// Rewording, for corpora larger than the pool
// ---------------------------------------------------------------------------

/// Function words rewording leaves alone, so reworded text keeps the shape of
/// English. Words of one or two letters are always left alone.
pub const KEEP_WORDS: &[&str] = &[
    "the", "and", "for", "are", "was", "were", "but", "not", "has", "had", "have", "its", "his",
    "her", "with", "that", "this", "from", "they", "their", "which", "will", "would", "than",
    "been", "also", "into",
];

/// `sentence` reworded for round `round` under `seed`: every run of three or
/// more ASCII letters, except [`KEEP_WORDS`] and abbreviations before a period
/// (`Corp.`, `Jan.`), becomes a vocabulary word chosen by a hash of the
/// lowercase word, the round and the seed, in the run's case style; every run
/// of digits becomes as many digits drawn from a hash of the same kind (the
/// first stays non-zero if it was). Punctuation, spacing and short words stay.
///
/// The map is a fixed word-to-word cipher within a round, so the pool stays
/// free of duplicates (up to hash collisions), while across rounds almost
/// every word and number differs: the char 5-grams two rounds of a sentence
/// share are the few that fall entirely in kept words and spaces, so their
/// Jaccard similarity is typically under 0.1 (tests check it stays below 0.3).
pub fn reword(sentence: &str, vocab: &Vocabulary, round: u64, seed: u64) -> String {
    let round_seed = xxh3_64_with_seed(&round.to_le_bytes(), seed ^ 0x7265_776F_7264_0003);
    let bytes = sentence.as_bytes();
    let mut out = String::with_capacity(sentence.len() + 16);
    let mut lower = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let run_end = |pred: fn(&u8) -> bool| i + bytes[i..].iter().take_while(|c| pred(c)).count();
        if b.is_ascii_alphabetic() {
            let end = run_end(u8::is_ascii_alphabetic);
            let run = &sentence[i..end];
            lower.clear();
            lower.extend(run.chars().map(|c| c.to_ascii_lowercase()));
            let keep = run.len() < 3
                || vocab.is_empty()
                || KEEP_WORDS.contains(&lower.as_str())
                || (bytes.get(end) == Some(&b'.') && is_abbreviation(run));
            if keep {
                out.push_str(run);
            } else {
                let h = xxh3_64_with_seed(lower.as_bytes(), round_seed);
                let word = &vocab.words[(h % vocab.len() as u64) as usize];
                out.push_str(&with_case_of(run, word));
            }
            i = end;
        } else if b.is_ascii_digit() {
            let end = run_end(u8::is_ascii_digit);
            let mut h = xxh3_64_with_seed(&bytes[i..end], round_seed ^ 0x6469_6769_7473);
            for (k, &d) in bytes[i..end].iter().enumerate() {
                if k > 0 && k % 16 == 0 {
                    h = xxh3_64_with_seed(&h.to_le_bytes(), round_seed);
                }
                let digit = if k == 0 && d != b'0' {
                    1 + (h % 9) as u8
                } else {
                    (h % 10) as u8
                };
                h /= 10;
                out.push(char::from(b'0' + digit));
            }
            i = end;
        } else {
            let c = sentence[i..]
                .chars()
                .next()
                .expect("i is on a char boundary");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Every sentence of `pool` reworded for `round` (see [`reword`]), with the
/// pool's own vocabulary.
pub fn reword_pool(pool: &[String], round: u64, seed: u64) -> Vec<String> {
    let vocab = Vocabulary::from_sentences(pool);
    pool.par_iter()
        .map(|s| reword(s, &vocab, round, seed))
        .collect()
}

/// Char 5-gram Jaccard similarity of two texts after default normalisation,
/// as [`distinct_pool`] and the sentence scan measure it.
pub fn similarity(a: &str, b: &str) -> f64 {
    let normalizer = Normalizer::default();
    let shingler = Shingler::new(ShingleKind::Char, POOL_NGRAM, 0);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    shingler.set(&normalizer.normalize(a), &mut x);
    shingler.set(&normalizer.normalize(b), &mut y);
    jaccard(&x, &y)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: &[&str] = &[
        "bank",
        "rate",
        "copper",
        "wheat",
        "shares",
        "profit",
        "tonnes",
        "export",
        "market",
        "dollar",
        "yen",
        "oil",
        "crude",
        "price",
        "quarter",
        "loss",
        "net",
        "revenue",
        "sales",
        "growth",
        "inflation",
        "budget",
        "deficit",
        "trade",
        "surplus",
        "minister",
        "official",
        "company",
        "group",
        "stake",
        "offer",
        "bid",
        "merger",
        "talks",
        "strike",
        "port",
        "harvest",
        "grain",
        "sugar",
        "coffee",
        "cocoa",
        "gold",
        "silver",
        "bond",
        "yield",
        "debt",
        "loan",
        "credit",
        "reserve",
        "currency",
        "exchange",
        "index",
        "stock",
        "futures",
        "cargo",
        "shipment",
        "tanker",
        "refinery",
        "pipeline",
        "output",
        "production",
        "demand",
        "supply",
        "analyst",
        "forecast",
        "estimate",
        "dividend",
        "earnings",
        "tax",
        "tariff",
        "quota",
    ];

    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ren", "sa", "tor", "vi", "nu", "pe", "dal", "gor", "fi", "zen", "bra",
        "cu", "het", "mo", "lin", "spa", "dre",
    ];

    /// `count` random sentences of 12 to 20 made-up words (about 8,000 of them),
    /// each opening with a capital and closing with a period: pairwise far
    /// apart, like a distinct pool.
    fn pool(count: usize, seed: u64) -> Vec<String> {
        let mut rng = Rng::new(seed, 99);
        (0..count)
            .map(|_| {
                let n = rng.range((12, 20));
                let mut words: Vec<String> = (0..n)
                    .map(|_| {
                        let syllables = rng.range((2, 3));
                        (0..syllables).map(|_| *rng.pick(SYLLABLES)).collect()
                    })
                    .collect();
                words[0] = capitalise(&words[0]);
                format!("{}.", words.join(" "))
            })
            .collect()
    }

    fn vocab() -> Vocabulary {
        Vocabulary::from_sentences(WORDS)
    }

    fn slice<'a>(planted: &'a Planted, m: &TruthMember) -> &'a str {
        let doc = planted
            .docs
            .iter()
            .find(|d| d.id == m.doc)
            .expect("member names a document");
        doc.text
            .get(m.start as usize..m.end as usize)
            .expect("span on char boundaries inside the text")
    }

    const SENTENCE: &str =
        "The central bank raised its key interest rate by half a point on Tuesday, officials said.";

    fn one(kind: Edit, slot: Slot, seed: u64) -> EditedCopy {
        let copy = edit_copy(SENTENCE, &[kind], slot, &vocab(), seed);
        assert_eq!(copy.edits.len(), 1, "{kind} applied once: {copy:?}");
        assert!(copy.edits[0].starts_with(kind.name()));
        assert_ne!(copy.text, SENTENCE, "{kind} changes the text");
        copy
    }

    fn toks(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
    }

    fn norm(s: &str) -> String {
        Normalizer::default().normalize(s)
    }

    #[test]
    fn plant_is_deterministic_and_seed_matters() {
        let pool = pool(2000, 1);
        let cfg = PlantConfig {
            docs: 60,
            ..PlantConfig::default()
        };
        let a = plant(&pool, &cfg).expect("valid config");
        let b = plant(&pool, &cfg).expect("valid config");
        assert_eq!(a, b);
        let c = plant(
            &pool,
            &PlantConfig {
                seed: 43,
                ..cfg.clone()
            },
        )
        .expect("valid config");
        assert_ne!(a.docs, c.docs);
        assert_ne!(a.truth, c.truth);
    }

    #[test]
    fn truth_spans_slice_to_originals_and_edited_copies() {
        let pool = pool(3000, 2);
        let cfg = PlantConfig {
            docs: 120,
            planted_fraction: 0.5,
            ..PlantConfig::default()
        };
        let planted = plant(&pool, &cfg).expect("valid config");
        assert!(planted.truth.len() >= 20, "{} groups", planted.truth.len());
        let receiving: usize = planted.copies();
        assert_eq!(receiving, 60, "half of 120 documents receive one copy each");
        for group in &planted.truth {
            let original = slice(&planted, &group.members[0]);
            assert!(group.members[0].edits.is_empty());
            assert!(
                pool.iter().any(|s| s == original),
                "{original:?} is a pool sentence"
            );
            assert!(token_count(&norm(original)) >= cfg.min_plant_words);
            for copy in &group.members[1..] {
                let text = slice(&planted, copy);
                assert!(!copy.edits.is_empty() && copy.edits.len() <= 2);
                assert!(
                    similarity(original, text) >= 0.4,
                    "{original:?} vs {text:?} ({:?})",
                    copy.edits
                );
                assert_eq!(text, text.trim(), "a span has no surrounding space");
            }
        }
    }

    #[test]
    fn each_group_spans_distinct_documents() {
        let pool = pool(3000, 3);
        let cfg = PlantConfig {
            docs: 100,
            planted_fraction: 0.8,
            copies: (2, 4),
            ..PlantConfig::default()
        };
        let planted = plant(&pool, &cfg).expect("valid config");
        for group in &planted.truth {
            let docs: HashSet<&str> = group.members.iter().map(|m| m.doc.as_str()).collect();
            assert!(docs.len() >= 2);
            assert_eq!(docs.len(), group.members.len(), "one member per document");
        }
        let ids: HashSet<&str> = planted.docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids.len(), planted.docs.len(), "ids are unique");
    }

    #[test]
    fn no_pool_sentence_is_an_original_twice() {
        let pool = pool(1500, 4);
        let cfg = PlantConfig {
            docs: 80,
            planted_fraction: 1.0,
            ..PlantConfig::default()
        };
        let planted = plant(&pool, &cfg).expect("valid config");
        let copies: Vec<(&str, Range<usize>)> = planted
            .truth
            .iter()
            .flat_map(|g| &g.members[1..])
            .map(|m| (m.doc.as_str(), m.start as usize..m.end as usize))
            .collect();
        let mut originals = 0;
        for s in &pool {
            let mut count = 0;
            for doc in &planted.docs {
                for (at, _) in doc.text.match_indices(s.as_str()) {
                    let inside_copy = copies
                        .iter()
                        .any(|(d, r)| *d == doc.id && r.start <= at && at + s.len() <= r.end);
                    count += usize::from(!inside_copy);
                }
            }
            assert!(count <= 1, "{s:?} appears {count} times as an original");
            originals += count;
        }
        assert_eq!(originals, planted.pool_used);
    }

    #[test]
    fn documents_join_sentences_and_paragraphs() {
        let pool = pool(200, 5);
        let cfg = PlantConfig {
            docs: 5,
            sentences_per_doc: (9, 9),
            paragraph_every: 4,
            planted_fraction: 0.0,
            ..PlantConfig::default()
        };
        let planted = plant(&pool, &cfg).expect("valid config");
        assert!(planted.truth.is_empty());
        for doc in &planted.docs {
            let paragraphs: Vec<&str> = doc.text.split("\n\n").collect();
            assert_eq!(paragraphs.len(), 3, "9 sentences, 4 per paragraph");
            assert!(!doc.text.contains("  "));
        }
        assert_eq!(planted.docs[0].id, "synth-000000");
    }

    #[test]
    fn exhausted_pool_gives_fewer_documents_without_reuse() {
        let pool = pool(100, 6);
        let cfg = PlantConfig {
            docs: 50,
            sentences_per_doc: (10, 10),
            ..PlantConfig::default()
        };
        let planted = plant(&pool, &cfg).expect("valid config");
        assert!(planted.pool_exhausted);
        assert_eq!(planted.docs.len(), 10);
        assert_eq!(planted.pool_used, 100);
        let enough = plant(
            &pool,
            &PlantConfig {
                docs: 10,
                ..cfg.clone()
            },
        )
        .expect("valid config");
        assert!(!enough.pool_exhausted);
    }

    #[test]
    fn invalid_config_is_an_error() {
        let bad = [
            PlantConfig {
                sentences_per_doc: (0, 3),
                ..PlantConfig::default()
            },
            PlantConfig {
                copies: (3, 2),
                ..PlantConfig::default()
            },
            PlantConfig {
                paragraph_every: 0,
                ..PlantConfig::default()
            },
            PlantConfig {
                planted_fraction: 1.5,
                ..PlantConfig::default()
            },
            PlantConfig {
                planted_fraction: f64::NAN,
                ..PlantConfig::default()
            },
        ];
        for cfg in bad {
            assert!(matches!(plant(&[], &cfg), Err(Error::Param(_))), "{cfg:?}");
        }
    }

    #[test]
    fn distinct_pool_drops_near_and_exact_duplicates_and_keeps_distinct() {
        let sentences = vec![
            SENTENCE.to_owned(),
            // Near-duplicate: one word changed.
            "The central bank raised its key interest rate by half a point on Monday, officials said."
                .to_owned(),
            // Exact duplicate after normalisation.
            "THE CENTRAL BANK RAISED ITS KEY INTEREST RATE BY HALF A POINT ON TUESDAY OFFICIALS SAID!"
                .to_owned(),
            "Copper prices fell sharply in London as Chilean mines resumed full production.".to_owned(),
            "Wheat exports from the port\n  slowed after heavy storms delayed three grain cargoes."
                .to_owned(),
            "Too short to keep.".to_owned(),
            "lowercase start means it continues an earlier sentence somewhere.".to_owned(),
            "No terminal punctuation here so it would run into the next one".to_owned(),
            "The deal was announced by the board of Texaco Inc.".to_owned(),
            "The agency said prices in the region rose two pct in the U.S.".to_owned(),
        ];
        let pool = distinct_pool(sentences, 6, 0.3, 7);
        assert_eq!(
            pool,
            vec![
                SENTENCE.to_owned(),
                "Copper prices fell sharply in London as Chilean mines resumed full production."
                    .to_owned(),
                "Wheat exports from the port slowed after heavy storms delayed three grain cargoes."
                    .to_owned(),
            ]
        );
    }

    #[test]
    fn distinct_pool_finds_near_duplicates_among_many() {
        let base = pool(3000, 8);
        let mut sentences = base.clone();
        // 300 near-duplicates (one word replaced, Jaccard about 0.8) and 300
        // exact ones, after their originals.
        let vocab = Vocabulary::from_sentences(&base);
        for (i, s) in base.iter().take(300).enumerate() {
            let copy = edit_copy(s, &[Edit::Substitute], Slot::default(), &vocab, i as u64);
            assert!(similarity(s, &copy.text) > 0.6);
            sentences.push(copy.text);
            sentences.push(s.to_uppercase());
        }
        let kept = distinct_pool(sentences, 6, 0.5, 9);
        assert_eq!(kept, base);
    }

    #[test]
    fn substitute_replaces_one_word_in_its_case_style() {
        for seed in 0..20 {
            let c = one(Edit::Substitute, Slot::default(), seed);
            let (a, b) = (toks(SENTENCE), toks(&c.text));
            assert_eq!(a.len(), b.len());
            let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
            assert_eq!(diff.len(), 1, "{}", c.text);
            let i = diff[0];
            assert_eq!(
                a[i].starts_with(char::is_uppercase),
                b[i].starts_with(char::is_uppercase)
            );
            assert_eq!(parts(a[i]).2, parts(b[i]).2, "trailing punctuation kept");
            assert!(parts(a[i]).1.len() >= 4, "short words stay: {}", c.edits[0]);
        }
    }

    #[test]
    fn delete_removes_one_inner_word() {
        for seed in 0..20 {
            let c = one(Edit::Delete, Slot::default(), seed);
            let (a, b) = (toks(SENTENCE), toks(&c.text));
            assert_eq!(a.len(), b.len() + 1);
            assert_eq!(a[0], b[0]);
            assert_eq!(a.last(), b.last());
            let i = (0..b.len())
                .find(|&i| a[i] != b[i])
                .expect("a word is gone");
            assert_eq!([&a[..i], &a[i + 1..]].concat(), b);
        }
    }

    #[test]
    fn insert_adds_one_inner_word() {
        for seed in 0..20 {
            let c = one(Edit::Insert, Slot::default(), seed);
            let (a, b) = (toks(SENTENCE), toks(&c.text));
            assert_eq!(a.len() + 1, b.len());
            assert_eq!(a[0], b[0]);
            assert_eq!(a.last(), b.last());
            let i = (0..a.len()).find(|&i| a[i] != b[i]).expect("a word is new");
            assert!(WORDS.contains(&b[i]) && b[i].len() >= 4);
            assert_eq!([&b[..i], &b[i + 1..]].concat(), a);
        }
    }

    #[test]
    fn case_changes_only_case_and_keeps_a_sentence_start() {
        let mut seen = HashSet::new();
        for seed in 0..30 {
            let c = one(Edit::Case, Slot::default(), seed);
            assert_eq!(c.text.to_lowercase(), SENTENCE.to_lowercase());
            assert!(
                c.text.starts_with('T'),
                "mid-paragraph copy keeps its capital"
            );
            seen.insert(c.edits[0].clone());
        }
        assert_eq!(seen.len(), 3, "upper, lower and title all occur: {seen:?}");
        let start = Slot {
            starts_paragraph: true,
            ends_paragraph: false,
        };
        let lower = (0..30)
            .map(|s| one(Edit::Case, start, s))
            .find(|c| c.edits[0] == "case: lower")
            .expect("full lower case at a paragraph start");
        assert_eq!(lower.text, SENTENCE.to_lowercase());
        let title = edit_copy("He said no.", &[Edit::Case], Slot::default(), &vocab(), 1);
        assert!(["HE SAID NO.", "He Said No."].contains(&title.text.as_str()));
    }

    #[test]
    fn punctuation_changes_commas_or_drops_the_final_period() {
        for seed in 0..20 {
            let c = one(Edit::Punctuation, Slot::default(), seed);
            assert_eq!(norm(&c.text), norm(SENTENCE));
            assert!(c.text.ends_with('.'), "mid-paragraph copy keeps its period");
            let commas = c.text.matches(',').count();
            assert!(commas == 0 || commas == 2, "{}", c.text);
        }
        let end = Slot {
            starts_paragraph: false,
            ends_paragraph: true,
        };
        let plain = "The ministry said exports rose sharply in the first quarter.";
        let dropped = (0..30)
            .map(|s| edit_copy(plain, &[Edit::Punctuation], end, &vocab(), s))
            .find(|c| c.edits[0] == "punctuation: drop final period")
            .expect("drop at a paragraph end");
        assert_eq!(dropped.text, plain.trim_end_matches('.'));
    }

    #[test]
    fn quotes_change_style_or_quote_a_phrase() {
        for seed in 0..20 {
            let c = one(Edit::Quotes, Slot::default(), seed);
            assert_eq!(norm(&c.text), norm(SENTENCE));
            assert_eq!(c.text.matches(['"', '“', '”']).count(), 2, "{}", c.text);
        }
        let straight = "He called it \"a mockery\" of the people's will.";
        let find = |text: &str, detail: &str| {
            (0..30)
                .map(|s| edit_copy(text, &[Edit::Quotes], Slot::default(), &vocab(), s))
                .find(|c| c.edits[0] == detail)
                .expect("the variant occurs")
        };
        for seed in 0..20 {
            let after_period = "Last year U.S. farmers obtained record corn yields.";
            let c = edit_copy(
                after_period,
                &[Edit::Quotes],
                Slot::default(),
                &vocab(),
                seed,
            );
            assert!(
                !c.text.contains("U.S. \""),
                "no quote opens after a period: {}",
                c.text
            );
            let before = "The talks on the U.S. deficit ended without any deal at all.";
            let c = edit_copy(before, &[Edit::Quotes], Slot::default(), &vocab(), seed);
            assert!(
                !c.text.contains("U.S”.") && !c.text.contains("U.S\"."),
                "{}",
                c.text
            );
        }
        let curly = find(straight, "quotes: straight to curly");
        assert_eq!(curly.text, "He called it “a mockery” of the people’s will.");
        assert_eq!(
            find(&curly.text, "quotes: curly to straight").text,
            straight
        );
    }

    #[test]
    fn glued_prefix_is_glued_and_left_out_of_the_core() {
        for seed in 0..20 {
            let c = one(Edit::GluedPrefix, Slot::default(), seed);
            let prefix = &c.text[..c.core.start];
            assert!(GLUED_PREFIXES.contains(&prefix));
            assert_eq!(&c.text[c.core.clone()], SENTENCE);
            assert!(
                c.text.contains(&format!("{prefix}The")),
                "no space: {}",
                c.text
            );
        }
    }

    #[test]
    fn credit_goes_before_the_final_period() {
        for seed in 0..20 {
            let c = one(Edit::Credit, Slot::default(), seed);
            let credit = CREDITS
                .iter()
                .find(|cr| c.text.contains(**cr))
                .expect("a credit");
            assert!(c.text.ends_with(&format!("{credit}.")));
            assert_eq!(c.text.replacen(credit, "", 1), SENTENCE);
            assert_eq!(c.core, 0..c.text.len());
        }
    }

    #[test]
    fn dateline_is_prepended() {
        for seed in 0..20 {
            let c = one(Edit::Dateline, Slot::default(), seed);
            let d = DATELINES
                .iter()
                .find(|d| c.text.starts_with(**d))
                .expect("a dateline");
            assert_eq!(&c.text[d.len()..], SENTENCE);
            assert_eq!(c.core, 0..c.text.len());
        }
    }

    #[test]
    fn inapplicable_edits_are_skipped() {
        let c = edit_copy(
            "Yes.",
            &Edit::ALL,
            Slot::default(),
            &Vocabulary::default(),
            1,
        );
        assert!(c.edits.iter().all(|e| {
            let kind = Edit::of_record(e).expect("records name their kind");
            !matches!(kind, Edit::Delete | Edit::Insert | Edit::Substitute)
        }));
        assert_eq!(Edit::of_record("case: upper"), Some(Edit::Case));
    }

    #[test]
    fn edited_copies_of_a_15_word_sentence_stay_similar() {
        let sentence = "Japan's trade surplus with the United States narrowed in February as exports fell, officials said.";
        assert_eq!(token_count(&norm(sentence)), 15);
        let vocab = Vocabulary::from_sentences(&pool(500, 10));
        let slots = [
            Slot::default(),
            Slot {
                starts_paragraph: true,
                ends_paragraph: true,
            },
        ];
        let mut worst = 1.0f64;
        for (a, &x) in Edit::ALL.iter().enumerate() {
            for &y in &Edit::ALL[a..] {
                for slot in slots {
                    for seed in 0..10 {
                        let c = edit_copy(sentence, &[x, y], slot, &vocab, seed);
                        let core = similarity(sentence, &c.text[c.core.clone()]);
                        let whole = similarity(sentence, &c.text);
                        worst = worst.min(core).min(whole);
                        assert!(core >= 0.4 && whole >= 0.4, "{x} {y}: {c:?}");
                    }
                }
            }
        }
        assert!(worst < 0.9, "some edits change shingles: worst {worst}");
        let mut rng = Rng::new(3, 4);
        for _ in 0..300 {
            let c = random_copy(
                sentence,
                2,
                MAX_WORD_EDITS,
                Slot::default(),
                &vocab,
                &mut rng,
            );
            assert!(
                similarity(sentence, &c.text[c.core.clone()]) >= 0.4,
                "{c:?}"
            );
        }
    }

    #[test]
    fn reword_makes_rounds_dissimilar_and_keeps_the_shape() {
        let sentences = [
            SENTENCE,
            "Shr 1.23 dlrs vs 1.01 dlrs Net 12.3 mln vs 10.2 mln Revs 100.5 mln vs 90.1 mln.",
            "Texaco Inc. said it would cut the posted price for West Texas Intermediate crude by 50 cts a barrel.",
            "The U.S. Agriculture Department said it would extend the export program for wheat to Egypt.",
        ];
        let vocab = Vocabulary::from_sentences(&pool(500, 11));
        for s in sentences {
            let r1 = reword(s, &vocab, 1, 42);
            let r2 = reword(s, &vocab, 2, 42);
            assert_eq!(r1, reword(s, &vocab, 1, 42), "deterministic");
            assert!(similarity(s, &r1) < 0.3, "{s:?} -> {r1:?}");
            assert!(similarity(&r1, &r2) < 0.3, "{r1:?} ~ {r2:?}");
            assert!(stands_alone(&r1), "{r1:?} still stands alone");
            assert_eq!(
                s.split_whitespace().count(),
                r1.split_whitespace().count(),
                "{r1:?}"
            );
        }
        let r = reword(
            "Texaco Inc. said on Jan. 5 it paid 300 dlrs.",
            &vocab,
            1,
            42,
        );
        assert!(r.contains(" Inc. ") && r.contains(" Jan. "), "{r}");
        assert!(!r.contains("Texaco") && !r.contains("300"), "{r}");
    }

    fn boundary_planted(seed: u64) -> (Vec<String>, Planted) {
        let pool = pool(6000, 20 + seed);
        let cfg = PlantConfig {
            seed,
            docs: 300,
            planted_fraction: 0.5,
            boundary_kinds: BoundaryKind::ALL.to_vec(),
            boundary_share: 1.0,
            ..PlantConfig::default()
        };
        let planted = plant(&pool, &cfg).expect("valid config");
        (pool, planted)
    }

    fn doc_text<'a>(planted: &'a Planted, id: &str) -> &'a str {
        &planted
            .docs
            .iter()
            .find(|d| d.id == id)
            .expect("member names a document")
            .text
    }

    #[test]
    fn boundary_kinds_parse_by_name() {
        assert_eq!(
            BoundaryKind::parse_list("all").expect("all"),
            BoundaryKind::ALL
        );
        assert_eq!(
            BoundaryKind::parse_list("spans-two, hard-wrap,spans-two").expect("two"),
            [BoundaryKind::HardWrap, BoundaryKind::SpansTwo]
        );
        for k in BoundaryKind::ALL {
            assert_eq!(k.name().parse::<BoundaryKind>().expect("name"), k);
        }
        assert!(matches!(
            BoundaryKind::parse_list("hard-wrap,nope"),
            Err(Error::Param(m)) if m.contains("\"nope\"")
        ));
        assert!(BoundaryKind::parse_list(" , ").is_err());
        let bad = PlantConfig {
            boundary_share: 1.2,
            ..PlantConfig::default()
        };
        assert!(matches!(plant(&[], &bad), Err(Error::Param(m)) if m.contains("boundary_share")));
    }

    #[test]
    fn hard_wrap_breaks_lines_at_the_width_and_keeps_offsets() {
        let text = "Copper prices fell sharply in London as Chilean mines resumed full \
                    production after a strike that lasted three weeks, traders said. The \
                    ministry said exports rose.\n    Wheat exports from the port slowed \
                    after heavy storms delayed three grain cargoes, a shipping agent said.";
        let wrapped = hard_wrap(text, 40);
        assert_eq!(wrapped.len(), text.len());
        for (a, b) in text.bytes().zip(wrapped.bytes()) {
            assert!(a == b || (a == b' ' && b == b'\n'), "only spaces change");
        }
        for line in wrapped.lines() {
            assert!(line.chars().count() <= 40, "{line:?}");
            assert!(!line.is_empty() && !line.ends_with(' '), "{line:?}");
        }
        assert!(wrapped.contains("\n    Wheat"), "indent kept: {wrapped}");
        assert_eq!(
            hard_wrap("a verylongwordindeed b", 5),
            "a\nverylongwordindeed\nb"
        );
        assert_eq!(hard_wrap("", 10), "");
    }

    #[test]
    fn boundary_plant_is_deterministic_and_covers_every_kind() {
        let (_, a) = boundary_planted(1);
        let (_, b) = boundary_planted(1);
        assert_eq!(a, b);
        let counts = a.kind_counts();
        for (kind, n) in &counts {
            match kind {
                CopyKind::Edited => assert_eq!(*n, 0, "share 1: no edited copies"),
                CopyKind::Boundary(_) => assert!(*n >= 8, "{kind}: {n} copies"),
            }
        }
        let total: usize = counts.iter().map(|(_, n)| n).sum();
        assert_eq!(total, a.copies());
        // A spans-two copy counts in both of its groups.
        let spans_two: usize = a
            .truth
            .iter()
            .filter(|g| g.kind == CopyKind::Boundary(BoundaryKind::SpansTwo))
            .map(TruthGroup::copies)
            .sum();
        assert_eq!(spans_two % 2, 0);
        assert_eq!(
            a.copies() - spans_two / 2,
            150,
            "half of 300 documents receive one copy"
        );
    }

    #[test]
    fn boundary_truth_spans_hold_the_copied_text_with_its_damage_around_it() {
        let (_, planted) = boundary_planted(2);
        let copy_docs: HashSet<&str> = planted
            .truth
            .iter()
            .flat_map(|g| &g.members)
            .filter(|m| m.kind.is_some())
            .map(|m| m.doc.as_str())
            .collect();
        let mut wrapped_with_break = (0, 0);
        for group in &planted.truth {
            let CopyKind::Boundary(kind) = group.kind else {
                panic!("share 1 plants only boundary kinds");
            };
            let originals = 1;
            for (i, m) in group.members.iter().enumerate() {
                let text = slice(&planted, m);
                assert!(!text.is_empty() && text == text.trim(), "{text:?}");
                assert_eq!(m.kind.is_none(), i < originals, "{m:?}");
                if i < originals {
                    assert!(
                        !copy_docs.contains(m.doc.as_str()),
                        "original in a receiver"
                    );
                    continue;
                }
                assert_eq!(m.kind, Some(CopyKind::Boundary(kind)));
                assert!(m.edits[0].starts_with(kind.name()), "{:?}", m.edits);
                let doc = doc_text(&planted, &m.doc);
                let before = &doc[..m.start as usize];
                let after = &doc[m.end as usize..];
                match kind {
                    BoundaryKind::LowerCaseCopy => {
                        assert!(!text.chars().any(char::is_uppercase), "{text}");
                        assert!(
                            before.ends_with(". ")
                                || before.ends_with("! ")
                                || before.ends_with("? ")
                        );
                    }
                    BoundaryKind::UpperCaseCopy => {
                        assert!(!text.chars().any(char::is_lowercase), "{text}");
                        assert!(before.ends_with(' '));
                    }
                    BoundaryKind::LowerCaseStart => {
                        assert!(text.starts_with(char::is_lowercase), "{text}");
                        assert!(before.ends_with(' '));
                    }
                    BoundaryKind::CreditNoPeriod => {
                        let tag = CREDIT_TAGS
                            .iter()
                            .find(|t| after.starts_with(**t))
                            .unwrap_or_else(|| panic!("a credit after {text:?}: {after:?}"));
                        assert!(after[tag.len()..].starts_with(' '), "{after:?}");
                        assert!(!text.ends_with('.'));
                    }
                    BoundaryKind::MissingSpace => {
                        let glued_before = before.ends_with(|c: char| !c.is_whitespace());
                        let glued_after = after.starts_with(|c: char| !c.is_whitespace());
                        assert!(glued_before != glued_after, "{before:?} {text:?} {after:?}");
                    }
                    BoundaryKind::NavPrefix => {
                        assert!(
                            NAV_PREFIXES.iter().any(|p| before.ends_with(p)),
                            "{before:?}"
                        );
                    }
                    BoundaryKind::HardWrap => {
                        assert!(
                            doc.lines()
                                .all(|l| l.chars().count() <= WRAP_COLUMNS
                                    || !l.trim().contains(' '))
                        );
                        wrapped_with_break.0 += usize::from(text.contains('\n'));
                        wrapped_with_break.1 += 1;
                    }
                    BoundaryKind::SpansTwo => {}
                    BoundaryKind::QuotedInParagraph => {
                        assert!(before.ends_with('"') && after.starts_with('"'), "{text}");
                        assert!(!text.ends_with('.'));
                    }
                }
            }
            if kind == BoundaryKind::SpansTwo && group.members[1].edits[0].contains("tail") {
                // The head group follows: consecutive sentences of one
                // document, copied as one run of text.
                let head_group = planted
                    .truth
                    .iter()
                    .skip_while(|g| !std::ptr::eq(*g, group))
                    .nth(1)
                    .expect("the head group follows the tail group");
                let (tail, head) = (&group.members[0], &head_group.members[0]);
                assert_eq!(tail.doc, head.doc, "consecutive sentences of one document");
                assert!(tail.end < head.start);
                for (t, h) in group.members[1..].iter().zip(&head_group.members[1..]) {
                    assert_eq!(t.doc, h.doc);
                    assert_eq!(t.end + 1, h.start, "the head follows the tail");
                }
            }
            let original = slice(&planted, &group.members[0]);
            for copy in &group.members[1..] {
                let copy = slice(&planted, copy).to_lowercase();
                assert!(similarity(original, &copy) >= 0.4, "{original:?} {copy:?}");
            }
        }
        let (broken, all) = wrapped_with_break;
        assert!(
            all >= 8 && broken * 10 >= all * 9,
            "{broken} of {all} wrapped copies break"
        );
    }

    #[test]
    fn artifacts_are_shorter_than_a_sentence_unit() {
        let words = |s: &str| token_count(&norm(s));
        for p in NAV_PREFIXES.iter().chain(GLUED_PREFIXES) {
            assert!(words(p) < 6, "{p:?}");
        }
    }

    #[test]
    fn boundary_kinds_off_change_nothing() {
        let pool = pool(3000, 12);
        let cfg = PlantConfig {
            docs: 100,
            ..PlantConfig::default()
        };
        let with_share = PlantConfig {
            boundary_share: 0.9,
            boundary_edits: (2, 2),
            ..cfg.clone()
        };
        let a = plant(&pool, &cfg).expect("valid config");
        assert_eq!(a, plant(&pool, &with_share).expect("valid config"));
        assert!(a.truth.iter().all(|g| g.kind == CopyKind::Edited));
        assert!(a.kind_counts()[0].1 > 0);
    }
}
