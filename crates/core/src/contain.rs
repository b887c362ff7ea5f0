//! Containment of reference items in corpus documents: the contamination
//! check behind `--reference`.
//!
//! A benchmark item pasted into scraped text loses its boundaries (glued to
//! the text around it, re-wrapped, lower-cased) and is often lightly edited,
//! so neither the Jaccard similarity of whole units nor an exact n-gram rule
//! finds it reliably. Containment asks instead: how much of the item lies,
//! in order, in one place of a document?
//!
//! 1. Items and documents become word tokens ([`crate::tokens`]: case,
//!    punctuation, line breaks and glued boundaries do not matter), and
//!    tokens become word n-grams ([`crate::winnow::ngram_hashes`]).
//! 2. **Common n-grams are not counted**: an item n-gram found in more than
//!    [`ContainParams::max_df`] of the corpus documents (and in more than
//!    [`MIN_COMMON_DOCS`]) is boilerplate or a stock phrase ("Reuter"
//!    sign-offs, datelines, "the company said"), so it can neither make a
//!    match nor count against one. An item whose every n-gram is common is
//!    matched only verbatim (every n-gram, in order).
//! 3. Every occurrence in a document of a counted item n-gram is a hit
//!    `(position in the document, position in the item)`. Hits on about the
//!    same diagonal (within [`ContainParams::slack`] words) and at most
//!    [`ContainParams::max_gap`] n-grams apart are chained, so an edited word
//!    (which removes the `ngram` n-grams around it) does not break a chain.
//! 4. A chain is a match when it covers at least [`ContainParams::min_share`]
//!    of the item's distinct counted n-grams **and** spans at least
//!    [`ContainParams::min_words`] words of the item; an item shorter than
//!    that must be spanned whole (first word to last, edits inside allowed).
//!    Its ends are extended over the item words that still agree on the
//!    chain's diagonal (up to `ngram` words: what an edit near an end leaves
//!    unchained), so the matched region is the whole copy.
//! 5. An item of fewer than `ngram` words has no n-gram: it is *unchecked*,
//!    and says so ([`ItemCheck::checked`]); the caller lists it.
//!
//! Cost: two passes over the corpus tokens (document frequencies, then
//! hits), in parallel; memory is the items' n-grams and one document's hits
//! at a time per thread. Results do not depend on the number of threads.
//!
//! ```
//! use dupscan_core::contain::{ContainParams, check};
//!
//! let items = ["What is the boiling point of water at sea level in degrees Celsius?"];
//! let doc = "A quiz asked: what is the BOILING point of water at\n\
//!            sea level in degrees Fahrenheit - AP The rest follows.";
//! let found = check(&items, &[doc], &ContainParams::default());
//! let m = &found.matches[0];
//! assert_eq!((m.item, m.doc, m.covered, m.counted), (0, 0, 10, 11));
//! assert_eq!(&doc[m.doc_range.range()], "what is the BOILING point of water at\nsea level in degrees");
//! ```

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::segment::Span;
use crate::tokens::{Token, Tokenizer};
use crate::winnow::ngram_hashes;

/// An n-gram is common only when more than this many documents hold it,
/// whatever [`ContainParams::max_df`] says: in a small corpus nothing is
/// boilerplate.
pub const MIN_COMMON_DOCS: u32 = 20;

/// Parameters of [`check`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContainParams {
    /// Word n-gram length. 3: one edited word removes at most 3 n-grams, and
    /// three words in the same order on one diagonal rarely meet by chance.
    /// Items of fewer words are unchecked.
    pub ngram: usize,
    /// Share of an item's distinct counted n-grams one chain must cover.
    pub min_share: f64,
    /// Words of the item a chain must span (edits inside included); an item
    /// with fewer words must be spanned whole.
    pub min_words: u32,
    /// An item n-gram held by more than this share of the corpus documents
    /// (and more than [`MIN_COMMON_DOCS`]) is common: not counted.
    pub max_df: f64,
    /// Hits within this many words of a chain's diagonal join it.
    pub slack: u32,
    /// Hits at most this many n-grams after a chain's last hit (in the item
    /// and, plus `slack`, in the document) join it.
    pub max_gap: u32,
    /// Seed of the word hashes (a scan sets it to its own seed).
    pub seed: u64,
}

impl Default for ContainParams {
    /// Measured on the contamination benchmark (BENCHMARKS.md).
    fn default() -> Self {
        Self {
            ngram: 3,
            min_share: 0.5,
            min_words: 12,
            max_df: 0.005,
            slack: 3,
            max_gap: 8,
            seed: 42,
        }
    }
}

impl ContainParams {
    /// Checks every parameter's range.
    ///
    /// # Errors
    ///
    /// [`Error::Param`] naming the first option out of range.
    pub fn validate(&self) -> Result<()> {
        if !(1..=32).contains(&self.ngram) {
            return Err(Error::Param(format!(
                "containment n-gram length must be in 1..=32, got {}",
                self.ngram
            )));
        }
        if !(self.min_share > 0.0 && self.min_share <= 1.0) {
            return Err(Error::Param(format!(
                "--contain-min-share must be in (0, 1], got {}",
                self.min_share
            )));
        }
        if !(self.max_df > 0.0 && self.max_df <= 1.0) {
            return Err(Error::Param(format!(
                "--contain-max-df must be in (0, 1], got {}",
                self.max_df
            )));
        }
        if self.min_words > 10_000 || self.slack > 1000 || self.max_gap > 1000 {
            return Err(Error::Param(format!(
                "--contain-min-words must be at most 10000 (got {}); slack and gap at most 1000",
                self.min_words
            )));
        }
        Ok(())
    }

    /// Documents an n-gram must be held by, more than, to be common in a
    /// corpus of `docs` documents.
    pub fn common_above(&self, docs: usize) -> u32 {
        let share = (self.max_df * docs as f64).floor();
        MIN_COMMON_DOCS.max(share.min(f64::from(u32::MAX)) as u32)
    }
}

/// What was checked of one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ItemCheck {
    /// Words (tokens) of the item.
    pub words: u32,
    /// Distinct n-grams of the item.
    pub ngrams: u32,
    /// Of those, how many are common in the corpus (not counted).
    pub common: u32,
    /// Whether the item could be checked: it has at least `ngram` words.
    pub checked: bool,
}

/// One place where an item is contained in a document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemMatch {
    /// Index of the item.
    pub item: u32,
    /// Index of the document.
    pub doc: u32,
    /// Distinct counted n-grams of the item the chain covers.
    pub covered: u32,
    /// Distinct counted n-grams of the item (all of them for an item whose
    /// every n-gram is common).
    pub counted: u32,
    /// `covered / counted`.
    pub share: f64,
    /// Words of the item the match spans.
    pub words: u32,
    /// Byte range of the match in the item: first word to last.
    pub item_range: Span,
    /// Byte range of the match in the document.
    pub doc_range: Span,
}

/// The result of [`check`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainCheck {
    /// One per item, in order.
    pub items: Vec<ItemCheck>,
    /// Every match, sorted by item, document, then place; matches of one
    /// item in one document do not overlap in the document.
    pub matches: Vec<ItemMatch>,
    /// Documents an n-gram had to be held by, more than, to be common.
    pub common_above: u32,
}

/// One item, tokenized.
struct Item {
    tokens: Vec<Token>,
    grams: Vec<u64>,
    /// Distinct counted n-grams (all n-grams when every one is common).
    counted: u32,
    /// Whether every n-gram must be found (all are common).
    verbatim: bool,
}

/// Finds every item of `items` in `docs` (see the module docs). Parameters
/// must be valid ([`ContainParams::validate`]).
pub fn check<I, D>(items: &[I], docs: &[D], params: &ContainParams) -> ContainCheck
where
    I: AsRef<str> + Sync,
    D: AsRef<str> + Sync,
{
    let n = params.ngram.max(1);
    let mut items: Vec<Item> = items
        .par_iter()
        .map_init(
            || Tokenizer::new(params.seed),
            |t, text| {
                let mut tokens = Vec::new();
                t.tokenize(text.as_ref(), &mut tokens);
                let mut grams = Vec::new();
                ngram_hashes(tokens.iter().map(|t| t.hash), n, &mut grams);
                Item {
                    tokens,
                    grams,
                    counted: 0,
                    verbatim: false,
                }
            },
        )
        .collect();
    let mut all: Vec<u64> = items.iter().flat_map(|i| i.grams.iter().copied()).collect();
    all.sort_unstable();
    all.dedup();
    let df = doc_freqs(&all, docs, params);
    let common_above = params.common_above(docs.len());
    let is_common = |h: u64| all.binary_search(&h).is_ok_and(|i| df[i] > common_above);

    // The table of counted n-grams: (hash, item, position), sorted.
    let mut checks = Vec::with_capacity(items.len());
    let mut table: Vec<(u64, u32, u32)> = Vec::new();
    for (i, item) in items.iter_mut().enumerate() {
        let mut distinct = item.grams.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let common = distinct.iter().filter(|&&h| is_common(h)).count() as u32;
        item.verbatim = common == distinct.len() as u32;
        item.counted = if item.verbatim {
            distinct.len() as u32
        } else {
            distinct.len() as u32 - common
        };
        checks.push(ItemCheck {
            words: item.tokens.len() as u32,
            ngrams: distinct.len() as u32,
            common,
            checked: !item.grams.is_empty(),
        });
        for (q, &h) in item.grams.iter().enumerate() {
            if item.verbatim || !is_common(h) {
                table.push((h, i as u32, q as u32));
            }
        }
    }
    table.sort_unstable();
    let filter = Prefilter::new(table.iter().map(|e| e.0));

    let matches: Vec<ItemMatch> = docs
        .par_iter()
        .enumerate()
        .map_init(
            || (Tokenizer::new(params.seed), Vec::new(), Vec::new()),
            |(t, tokens, grams), (d, doc)| {
                t.tokenize(doc.as_ref(), tokens);
                ngram_hashes(tokens.iter().map(|t| t.hash), n, grams);
                let mut hits: Vec<(u32, u32, u32)> = Vec::new();
                for (p, &h) in grams.iter().enumerate() {
                    if !filter.may_hold(h) {
                        continue;
                    }
                    let lo = table.partition_point(|e| e.0 < h);
                    hits.extend(
                        table[lo..]
                            .iter()
                            .take_while(|e| e.0 == h)
                            .map(|e| (e.1, p as u32, e.2)),
                    );
                }
                hits.sort_unstable();
                let mut found = Vec::new();
                for run in hits.chunk_by(|x, y| x.0 == y.0) {
                    let item = run[0].0;
                    let pairs: Vec<(u32, u32)> = run.iter().map(|h| (h.1, h.2)).collect();
                    matches_in(&items[item as usize], tokens, &pairs, params, &mut |m| {
                        found.push(ItemMatch {
                            item,
                            doc: d as u32,
                            ..m
                        });
                    });
                }
                found
            },
        )
        .flatten_iter()
        .collect();
    let mut matches = matches;
    matches.sort_by_key(|m| (m.item, m.doc, m.doc_range.start));
    ContainCheck {
        items: checks,
        matches,
        common_above,
    }
}

/// A bitset over the top bits of the table's hashes: most document n-grams
/// are rejected without a search.
struct Prefilter {
    bits: Vec<u64>,
}

impl Prefilter {
    const BITS: u32 = 20;

    fn new(hashes: impl Iterator<Item = u64>) -> Self {
        let mut bits = vec![0u64; (1 << Self::BITS) / 64];
        for h in hashes {
            let i = (h >> (64 - Self::BITS)) as usize;
            bits[i / 64] |= 1 << (i % 64);
        }
        Self { bits }
    }

    fn may_hold(&self, h: u64) -> bool {
        let i = (h >> (64 - Self::BITS)) as usize;
        self.bits[i / 64] & (1 << (i % 64)) != 0
    }
}

/// For every hash of `grams` (sorted, distinct), the number of `docs` that
/// hold it.
fn doc_freqs<D: AsRef<str> + Sync>(grams: &[u64], docs: &[D], params: &ContainParams) -> Vec<u32> {
    let filter = Prefilter::new(grams.iter().copied());
    let n = params.ngram.max(1);
    docs.par_iter()
        .fold(
            || {
                (
                    Tokenizer::new(params.seed),
                    Vec::new(),
                    Vec::new(),
                    Vec::new(),
                    vec![0u32; grams.len()],
                )
            },
            |(mut t, mut tokens, mut hashes, mut seen, mut df), doc| {
                t.tokenize(doc.as_ref(), &mut tokens);
                ngram_hashes(tokens.iter().map(|t| t.hash), n, &mut hashes);
                seen.clear();
                seen.extend(
                    hashes
                        .iter()
                        .filter(|&&h| filter.may_hold(h))
                        .filter_map(|h| grams.binary_search(h).ok()),
                );
                seen.sort_unstable();
                seen.dedup();
                for &i in &seen {
                    df[i] += 1;
                }
                (t, tokens, hashes, seen, df)
            },
        )
        .map(|(.., df)| df)
        .reduce(
            || vec![0u32; grams.len()],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        )
}

/// Chains `hits` (`(document position, item position)`, sorted) of one item
/// in one document and emits every chain that is a match, ranges filled in
/// (`item` and `doc` are the caller's to set); chains overlapping a better
/// match in the document are dropped.
fn matches_in(
    item: &Item,
    doc: &[Token],
    hits: &[(u32, u32)],
    params: &ContainParams,
    emit: &mut dyn FnMut(ItemMatch),
) {
    let n = params.ngram.max(1) as u32;
    let mut found: Vec<ItemMatch> = chains(hits, params)
        .iter()
        .filter_map(|c| judge(item, doc, c, n, params))
        .collect();
    // Best first (share, then earliest); keep those that overlap no better one.
    found.sort_by(|x, y| {
        y.share
            .total_cmp(&x.share)
            .then(x.doc_range.start.cmp(&y.doc_range.start))
    });
    let mut kept: Vec<ItemMatch> = Vec::new();
    for m in found {
        let overlaps = kept
            .iter()
            .any(|k| k.doc_range.start < m.doc_range.end && m.doc_range.start < k.doc_range.end);
        if !overlaps {
            kept.push(m);
        }
    }
    kept.sort_by_key(|m| m.doc_range.start);
    for m in kept {
        emit(m);
    }
}

/// Groups `hits` (sorted by document position) into chains: a hit joins
/// the open chain whose diagonal is nearest (within `slack`) and whose last
/// hit is before it, at most `max_gap` n-grams back in the item and
/// `max_gap + slack` in the document.
fn chains(hits: &[(u32, u32)], params: &ContainParams) -> Vec<Vec<(u32, u32)>> {
    let slack = i64::from(params.slack);
    let gap = params.max_gap;
    let mut chains: Vec<Vec<(u32, u32)>> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for &(p, q) in hits {
        open.retain(|&c| {
            chains[c]
                .last()
                .is_some_and(|l| p - l.0 <= gap + params.slack)
        });
        let diag = i64::from(p) - i64::from(q);
        let near = |c: usize| {
            let (lp, lq) = *chains[c].last().expect("chains are never empty");
            let d = (diag - (i64::from(lp) - i64::from(lq))).abs();
            (p > lp && q > lq && q - lq <= gap && d <= slack).then_some(d)
        };
        match open.iter().filter_map(|&c| near(c).map(|d| (d, c))).min() {
            Some((_, c)) => chains[c].push((p, q)),
            None => {
                chains.push(vec![(p, q)]);
                open.push(chains.len() - 1);
            }
        }
    }
    chains
}

/// The match a chain makes, if it is one: its share of the item, its ends
/// extended over agreeing words, its span checked.
fn judge(
    item: &Item,
    doc: &[Token],
    chain: &[(u32, u32)],
    n: u32,
    params: &ContainParams,
) -> Option<ItemMatch> {
    let mut covered: Vec<u64> = chain.iter().map(|&(_, q)| item.grams[q as usize]).collect();
    covered.sort_unstable();
    covered.dedup();
    let covered = covered.len() as u32;
    let share = f64::from(covered) / f64::from(item.counted.max(1));
    let needed = if item.verbatim { 1.0 } else { params.min_share };
    if share < needed {
        return None;
    }
    let &(p0, q0) = chain.first()?;
    let &(p1, q1) = chain.last()?;
    // Token ranges, first to last word, then extended over words that agree
    // on the diagonal (an edit near an end leaves them unchained).
    // Item positions rise along a chain: its first hit is its start.
    let (mut ps, mut qs) = (p0, q0);
    let (mut pe, mut qe) = (p1 + n - 1, q1 + n - 1);
    let words = item.tokens.len() as u32;
    let agree = |p: u32, q: u32| {
        doc.get(p as usize).map(|t| t.hash) == item.tokens.get(q as usize).map(|t| t.hash)
    };
    if let Some(k) = (1..=n.min(qs).min(ps))
        .filter(|&k| agree(ps - k, qs - k))
        .max()
    {
        ps -= k;
        qs -= k;
    }
    let room = (words - 1 - qe).min(doc.len() as u32 - 1 - pe);
    if let Some(k) = (1..=n.min(room)).filter(|&k| agree(pe + k, qe + k)).max() {
        pe += k;
        qe += k;
    }
    let spanned = qe - qs + 1;
    let needed_words = if item.verbatim {
        words
    } else {
        params.min_words.min(words)
    };
    if spanned < needed_words {
        return None;
    }
    Some(ItemMatch {
        item: 0,
        doc: 0,
        covered,
        counted: item.counted,
        share,
        words: spanned,
        item_range: Span {
            start: item.tokens[qs as usize].start,
            end: item.tokens[qe as usize].end,
        },
        doc_range: Span {
            start: doc[ps as usize].start,
            end: doc[pe as usize].end,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ITEM: &str = "The committee approved the annual budget after a long debate \
                        about school funding and road repairs in the northern district";

    fn params() -> ContainParams {
        ContainParams::default()
    }

    #[test]
    fn a_reformatted_and_edited_item_is_contained_whole() {
        let host = "Other news first. the committee approved the ANNUAL budget after a\n\
                    long debate about school money and road re-\npairs in the northern \
                    district – AP Its electoral roll fell.";
        let c = check(&[ITEM], &[host], &params());
        assert_eq!(c.items[0].words, 20);
        assert!(c.items[0].checked);
        let m = c.matches[0];
        // 18 distinct 3-grams; "money" for "funding" removes 3.
        assert_eq!((m.counted, m.covered), (18, 15));
        assert!((m.share - 15.0 / 18.0).abs() < 1e-9);
        assert_eq!(
            &host[m.doc_range.range()],
            "the committee approved the ANNUAL budget after a\nlong debate about school \
             money and road re-\npairs in the northern district"
        );
        assert_eq!(m.item_range.range(), 0..ITEM.len());
        assert_eq!(m.words, 20);
    }

    #[test]
    fn an_edit_at_an_end_is_inside_the_region() {
        // The first word edited: the chain starts at word 3, the region at
        // the first word that agrees ("committee"), and the item spans 19.
        let host = "Before. A committee approved the annual budget after a long debate about \
                    school funding and road repairs in the northern district. After.";
        let m = check(&[ITEM], &[host], &params()).matches[0];
        assert!(host[m.doc_range.range()].starts_with("committee approved"));
        assert!(host[m.doc_range.range()].ends_with("northern district"));
        // The second word edited: the first still agrees and is taken in.
        let host = "Before. The panel approved the annual budget after a long debate about \
                    school funding and road repairs in the northern district. After.";
        let m = check(&[ITEM], &[host], &params()).matches[0];
        assert!(host[m.doc_range.range()].starts_with("The panel approved"));
    }

    #[test]
    fn scattered_words_do_not_chain() {
        let doc = "in the northern lands. much later, the committee approved nothing. \
                   then, about school funding, a word. after a long night";
        let c = check(&[ITEM], &[doc], &params());
        assert!(c.matches.is_empty(), "{:?}", c.matches);
    }

    #[test]
    fn half_of_the_item_is_enough_and_less_is_not() {
        // The first 12 words of 20: 10 of 18 3-grams, spanning 12 words.
        let half = "Filler words here. The committee approved the annual budget after a long \
                    debate about school, said one.";
        let m = check(&[ITEM], &[half], &params()).matches[0];
        assert_eq!((m.covered, m.words), (10, 12));
        // The first 10 words: 8 of 18.
        let less = "Filler words here. The committee approved the annual budget after a long \
                    debate, said one.";
        assert!(check(&[ITEM], &[less], &params()).matches.is_empty());
        let lenient = ContainParams {
            min_share: 0.4,
            min_words: 10,
            ..params()
        };
        assert_eq!(check(&[ITEM], &[less], &lenient).matches.len(), 1);
    }

    #[test]
    fn a_short_item_must_be_spanned_whole() {
        let item = "Who wrote Hamlet?";
        let c = check(
            &[item],
            &["Quiz night: who wrote\nHAMLET? Nobody knew."],
            &params(),
        );
        assert_eq!(c.items[0].words, 3);
        assert_eq!(c.matches.len(), 1);
        let c = check(
            &[item],
            &["Quiz night: who wrote Macbeth? Nobody knew."],
            &params(),
        );
        assert!(c.matches.is_empty());
        // Ten words with one edited in the middle: spanned whole, found;
        // the first five words only: not.
        let ten = "The river flooded the old mill near the stone bridge";
        let edited = "News: the river flooded the new mill near the stone bridge today.";
        assert_eq!(check(&[ten], &[edited], &params()).matches.len(), 1);
        let part = "News: the river flooded the old. Then rain.";
        assert!(check(&[ten], &[part], &params()).matches.is_empty());
    }

    #[test]
    fn items_shorter_than_an_ngram_are_unchecked() {
        let c = check(
            &["Hamlet?", "Two words", ""],
            &["Hamlet? Two words"],
            &params(),
        );
        assert!(c.items.iter().all(|i| !i.checked), "{:?}", c.items);
        assert!(c.matches.is_empty());
    }

    #[test]
    fn common_ngrams_make_no_match_and_do_not_count() {
        // 30 stories end with the same sign-off and dateline line; an item
        // made of it plus words of its own is not found in a story that has
        // only the boilerplate.
        let boiler = "reporting by the london newsroom editing by the desk";
        let docs: Vec<String> = (0..30)
            .map(|i| format!("Story {i} tells of matter number {i}. {boiler}"))
            .collect();
        let item = format!(
            "{boiler} and the quarterly tin output of the Bolivian mines rose sharply in the \
             first half"
        );
        let c = check(&[item.as_str()], &docs, &params());
        assert!(c.matches.is_empty(), "{:?}", c.matches);
        assert_eq!(c.common_above, MIN_COMMON_DOCS);
        assert_eq!(c.items[0].common, 7, "{:?}", c.items[0]);
        // The item's own words, pasted, are found: common n-grams do not
        // count against them.
        let mut docs = docs;
        docs.push(
            "Mining. The quarterly tin output of the Bolivian mines rose sharply in the first \
             half."
                .into(),
        );
        let c = check(&[item.as_str()], &docs, &params());
        assert_eq!(c.matches.len(), 1);
        assert_eq!(c.matches[0].doc, 30);
        assert_eq!(c.matches[0].counted, c.items[0].ngrams - 7);
    }

    #[test]
    fn an_item_of_common_ngrams_only_is_matched_verbatim() {
        let boiler = "reporting by the london newsroom";
        let docs: Vec<String> = (0..30).map(|i| format!("Story {i}. {boiler}")).collect();
        let c = check(&[boiler], &docs, &params());
        assert_eq!(c.items[0].common, c.items[0].ngrams);
        assert_eq!(c.matches.len(), 30);
        let c = check(
            &["reporting by the london newsroom today"],
            &docs,
            &params(),
        );
        assert!(c.matches.is_empty());
    }

    #[test]
    fn two_copies_in_one_document_are_two_matches_and_order_is_stable() {
        let doc = format!("One. {ITEM}. Two. {}. Three.", ITEM.to_uppercase());
        let items = [ITEM, "Something else entirely, with words of its own here"];
        let c = check(&items, &[doc.as_str(), ITEM], &params());
        let found: Vec<(u32, u32)> = c.matches.iter().map(|m| (m.item, m.doc)).collect();
        assert_eq!(found, [(0, 0), (0, 0), (0, 1)]);
        assert!(c.matches[0].doc_range.end <= c.matches[1].doc_range.start);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        assert_eq!(
            pool.install(|| check(&items, &[doc.as_str(), ITEM], &params())),
            c
        );
    }

    #[test]
    fn parameters_are_checked() {
        assert!(params().validate().is_ok());
        for bad in [
            ContainParams {
                min_share: 0.0,
                ..params()
            },
            ContainParams {
                max_df: 1.5,
                ..params()
            },
            ContainParams {
                ngram: 0,
                ..params()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
        assert_eq!(params().common_above(1000), MIN_COMMON_DOCS);
        assert_eq!(params().common_above(100_000), 500);
    }
}
