//! Containment of a reference item in a document, for contamination checks.
//!
//! A benchmark item pasted into a scraped page loses its boundaries (it is
//! glued to the text around it, re-wrapped, lower-cased) and is often
//! lightly edited, so neither the Jaccard similarity of whole units nor an
//! exact n-gram rule finds it reliably. Containment asks instead: how much
//! of the item lies, in order, in one place of the document?
//!
//! 1. The item's word n-grams (over [`crate::tokens`] tokens, so case,
//!    punctuation, line breaks and glued boundaries do not matter) are
//!    hashed; those the caller calls *common* (for example, occurring in
//!    many corpus documents, see [`NgramDocFreq`]) are ignored, so
//!    boilerplate can never make a match.
//! 2. Every occurrence in the document of a remaining item n-gram is a hit
//!    `(position in item, position in document)`. Hits on about the same
//!    diagonal (within [`ContainParams::slack`] words) and at most
//!    [`ContainParams::max_gap`] words apart are chained, so an edited word
//!    (which loses the `n` n-grams around it) does not break a chain.
//! 3. The result is the chain covering the most distinct item n-grams: its
//!    share of the item's distinct (non-common) n-grams, and the byte
//!    ranges it spans in the document and the item.
//!
//! Cost: one pass over each text's tokens and a sort of the hits; memory
//! proportional to the item and the hits.
//!
//! ```
//! use dupscan::contain::{containment, ContainParams};
//! use dupscan::tokens::Tokenizer;
//!
//! let item = "What is the boiling point of water at sea level in degrees Celsius?";
//! let doc = "Reuters story. A quiz asked: what is the BOILING point of water at\n\
//!            sea level in degrees Fahrenheit - AP The rest follows.";
//! let mut t = Tokenizer::new(42);
//! let (mut ti, mut td) = (Vec::new(), Vec::new());
//! t.tokenize(item, &mut ti);
//! t.tokenize(doc, &mut td);
//! let c = containment(&ti, &td, &ContainParams::default(), |_| false);
//! assert_eq!((c.covered, c.item_ngrams), (10, 11));
//! let (s, e) = c.doc_span.unwrap();
//! assert_eq!(&doc[s as usize..e as usize], "what is the BOILING point of water at\nsea level in degrees");
//! ```

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::tokens::{Token, Tokenizer};
use crate::winnow::ngram_hashes;

/// Parameters of [`containment`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContainParams {
    /// Word n-gram length. Default 3: short enough that one edited word in a
    /// short item leaves most of its n-grams (an edit removes up to `n`),
    /// long enough that 3 words in the same order rarely meet by chance.
    pub ngram: usize,
    /// Hits within this many words of a chain's diagonal join it. Default 3.
    pub slack: u32,
    /// Hits at most this many words after a chain's last hit (in the item
    /// and in the document) join it. Default 8: an edited word leaves a gap
    /// of `ngram` n-grams, two close edits about twice that.
    pub max_gap: u32,
}

impl Default for ContainParams {
    fn default() -> Self {
        Self {
            ngram: 3,
            slack: 3,
            max_gap: 8,
        }
    }
}

impl ContainParams {
    /// Checks every parameter's range.
    ///
    /// # Errors
    ///
    /// [`Error::Param`] naming the first parameter out of range.
    pub fn validate(&self) -> Result<()> {
        if !(1..=64).contains(&self.ngram) {
            return Err(Error::Param(format!(
                "containment ngram must be in 1..=64, not {}",
                self.ngram
            )));
        }
        if self.slack > 1000 || self.max_gap > 1000 {
            return Err(Error::Param(format!(
                "containment slack and max_gap must be at most 1000, not {} and {}",
                self.slack, self.max_gap
            )));
        }
        Ok(())
    }
}

/// How much of an item one place of a document holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Containment {
    /// Distinct n-grams of the item that count (not common).
    pub item_ngrams: u32,
    /// Of those, how many the best chain covers.
    pub covered: u32,
    /// `covered / item_ngrams`, 0 when the item has no n-gram that counts.
    pub share: f32,
    /// Byte range of the best chain in the document: from its first word to
    /// its last. `None` when nothing matches.
    pub doc_span: Option<(u32, u32)>,
    /// Byte range of the best chain in the item.
    pub item_span: Option<(u32, u32)>,
}

/// How much of `item` (its tokens) the best chain of hits in `doc` covers;
/// n-grams for which `is_common(hash)` holds are ignored. Tokens must come
/// from tokenizers with the same seed.
pub fn containment(
    item: &[Token],
    doc: &[Token],
    params: &ContainParams,
    is_common: impl Fn(u64) -> bool,
) -> Containment {
    let n = params.ngram.max(1);
    let mut item_grams = Vec::new();
    ngram_hashes(item.iter().map(|t| t.hash), n, &mut item_grams);
    // The item's n-grams that count, by hash then position.
    let mut counted: Vec<(u64, u32)> = item_grams
        .iter()
        .enumerate()
        .filter(|&(_, &h)| !is_common(h))
        .map(|(q, &h)| (h, q as u32))
        .collect();
    counted.sort_unstable();
    let mut distinct: Vec<u64> = counted.iter().map(|c| c.0).collect();
    distinct.dedup();
    let none = Containment {
        item_ngrams: distinct.len() as u32,
        covered: 0,
        share: 0.0,
        doc_span: None,
        item_span: None,
    };
    if distinct.is_empty() {
        return none;
    }
    // Hits `(doc position, item position)`, in document order.
    let mut grams = Vec::new();
    ngram_hashes(doc.iter().map(|t| t.hash), n, &mut grams);
    let mut hits: Vec<(u32, u32)> = Vec::new();
    for (p, &h) in grams.iter().enumerate() {
        let lo = counted.partition_point(|c| c.0 < h);
        hits.extend(
            counted[lo..]
                .iter()
                .take_while(|c| c.0 == h)
                .map(|c| (p as u32, c.1)),
        );
    }
    let Some(best) = best_chain(&hits, params) else {
        return none;
    };
    // The distinct item n-grams the chain covers.
    let mut covered: Vec<u64> = best.iter().map(|&(_, q)| item_grams[q as usize]).collect();
    covered.sort_unstable();
    covered.dedup();
    let (p0, p1) = (best[0].0 as usize, best[best.len() - 1].0 as usize);
    let q0 = best.iter().map(|h| h.1).min().unwrap_or(0) as usize;
    let q1 = best.iter().map(|h| h.1).max().unwrap_or(0) as usize;
    Containment {
        item_ngrams: distinct.len() as u32,
        covered: covered.len() as u32,
        share: covered.len() as f32 / distinct.len() as f32,
        doc_span: Some((doc[p0].start, doc[p1 + n - 1].end)),
        item_span: Some((item[q0].start, item[q1 + n - 1].end)),
    }
}

/// The chain of `hits` (sorted by document position) covering the most
/// distinct item positions, earliest on ties.
fn best_chain(hits: &[(u32, u32)], params: &ContainParams) -> Option<Vec<(u32, u32)>> {
    let slack = i64::from(params.slack);
    let gap = params.max_gap;
    let mut chains: Vec<Vec<(u32, u32)>> = Vec::new();
    // Chains that may still grow: their last hit is within `gap` words.
    let mut active: Vec<usize> = Vec::new();
    for &(p, q) in hits {
        active.retain(|&c| chains[c].last().is_some_and(|l| p - l.0 <= gap));
        let diag = i64::from(p) - i64::from(q);
        let join = active
            .iter()
            .copied()
            .filter(|&c| {
                let Some(&(lp, lq)) = chains[c].last() else {
                    return false;
                };
                let d = i64::from(lp) - i64::from(lq);
                q > lq && q - lq <= gap && p > lp && (diag - d).abs() <= slack
            })
            .min_by_key(|&c| {
                let (lp, lq) = chains[c].last().copied().unwrap_or((0, 0));
                (diag - (i64::from(lp) - i64::from(lq))).abs()
            });
        match join {
            Some(c) => chains[c].push((p, q)),
            None => {
                chains.push(vec![(p, q)]);
                active.push(chains.len() - 1);
            }
        }
    }
    let score = |c: &Vec<(u32, u32)>| {
        let mut qs: Vec<u32> = c.iter().map(|h| h.1).collect();
        qs.sort_unstable();
        qs.dedup();
        qs.len()
    };
    let mut best: Option<(usize, Vec<(u32, u32)>)> = None;
    for c in chains {
        let s = score(&c);
        if best.as_ref().is_none_or(|b| s > b.0) {
            best = Some((s, c));
        }
    }
    best.map(|b| b.1)
}

/// Document frequencies, in a corpus, of the word n-grams of a set of items:
/// what [`containment`] needs to ignore n-grams common in the corpus.
#[derive(Debug, Clone, Default)]
pub struct NgramDocFreq {
    /// Distinct n-gram hashes of the items, sorted.
    hashes: Vec<u64>,
    /// `df[i]`: documents of the corpus holding `hashes[i]`.
    df: Vec<u32>,
}

impl NgramDocFreq {
    /// Counts, for every distinct n-gram of `items`, how many of `corpus`
    /// hold it; in parallel over the corpus, deterministically.
    ///
    /// # Errors
    ///
    /// [`Error::Param`] for invalid parameters.
    pub fn count<I, D>(items: &[I], corpus: &[D], params: &ContainParams, seed: u64) -> Result<Self>
    where
        I: AsRef<str>,
        D: AsRef<str> + Sync,
    {
        params.validate()?;
        let mut tokenizer = Tokenizer::new(seed);
        let (mut tokens, mut grams) = (Vec::new(), Vec::new());
        let mut hashes = Vec::new();
        for item in items {
            tokenizer.tokenize(item.as_ref(), &mut tokens);
            ngram_hashes(tokens.iter().map(|t| t.hash), params.ngram, &mut grams);
            hashes.extend_from_slice(&grams);
        }
        hashes.sort_unstable();
        hashes.dedup();
        let n = params.ngram;
        let df = corpus
            .par_iter()
            .fold(
                || {
                    (
                        Tokenizer::new(seed),
                        Vec::new(),
                        Vec::new(),
                        vec![0u32; hashes.len()],
                    )
                },
                |(mut t, mut tokens, mut grams, mut df), doc| {
                    t.tokenize(doc.as_ref(), &mut tokens);
                    ngram_hashes(tokens.iter().map(|t| t.hash), n, &mut grams);
                    let mut seen: Vec<usize> = grams
                        .iter()
                        .filter_map(|h| hashes.binary_search(h).ok())
                        .collect();
                    seen.sort_unstable();
                    seen.dedup();
                    for i in seen {
                        df[i] += 1;
                    }
                    (t, tokens, grams, df)
                },
            )
            .map(|(_, _, _, df)| df)
            .reduce(
                || vec![0u32; hashes.len()],
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(b) {
                        *x += y;
                    }
                    a
                },
            );
        Ok(Self { hashes, df })
    }

    /// Documents holding the n-gram `hash` (0 for an n-gram of no item).
    pub fn df(&self, hash: u64) -> u32 {
        self.hashes.binary_search(&hash).map_or(0, |i| self.df[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        Tokenizer::new(42).tokenize(text, &mut out);
        out
    }

    const ITEM: &str = "The committee approved the annual budget after a long debate \
                        about school funding and road repairs in the northern district";

    #[test]
    fn a_reformatted_and_edited_item_is_mostly_contained() {
        let item = tokens(ITEM);
        let host = "Other news first. the committee approved the ANNUAL budget after a\n\
                    long debate about school money and road re-\npairs in the northern \
                    district – AP Its electoral roll fell.";
        let c = containment(&item, &tokens(host), &ContainParams::default(), |_| false);
        // 20 words, 18 distinct 3-grams; "money" for "funding" removes 3.
        assert_eq!(c.item_ngrams, 18);
        assert_eq!(c.covered, 15);
        let (s, e) = c.doc_span.expect("found");
        assert_eq!(
            &host[s as usize..e as usize],
            "the committee approved the ANNUAL budget after a\nlong debate about school \
             money and road re-\npairs in the northern district"
        );
        assert_eq!(c.item_span, Some((0, ITEM.len() as u32)));
    }

    #[test]
    fn scattered_words_do_not_chain() {
        let item = tokens(ITEM);
        // The item's 3-grams, far apart and out of order.
        let doc = "in the northern lands. much later, the committee approved nothing. \
                   then, about school funding, a word. after a long night";
        let c = containment(&item, &tokens(doc), &ContainParams::default(), |_| false);
        assert!(c.covered <= 2, "{c:?}");
        assert!(c.share < 0.15);
    }

    #[test]
    fn common_ngrams_are_ignored() {
        let item = tokens(ITEM);
        let doc = tokens(ITEM);
        let all = containment(&item, &doc, &ContainParams::default(), |_| false);
        assert_eq!(all.share, 1.0);
        let none = containment(&item, &doc, &ContainParams::default(), |_| true);
        assert_eq!((none.item_ngrams, none.covered, none.share), (0, 0, 0.0));
        assert_eq!(none.doc_span, None);
        let short = containment(
            &tokens("two words"),
            &doc,
            &ContainParams::default(),
            |_| false,
        );
        assert_eq!(short.item_ngrams, 0);
    }

    #[test]
    fn document_frequencies_count_documents_once() {
        let items = ["sign off line here", "unique words only here"];
        let corpus = [
            "story one. sign off line here. sign off line here.",
            "story two. Sign-off line here",
            "story three.",
        ];
        let params = ContainParams::default();
        let df = NgramDocFreq::count(&items, &corpus, &params, 42).expect("valid");
        let mut grams = Vec::new();
        ngram_hashes(
            tokens("sign off line").iter().map(|t| t.hash),
            3,
            &mut grams,
        );
        assert_eq!(df.df(grams[0]), 2);
        ngram_hashes(
            tokens("unique words only").iter().map(|t| t.hash),
            3,
            &mut grams,
        );
        assert_eq!(df.df(grams[0]), 0);
        let bad = ContainParams { ngram: 0, ..params };
        assert!(NgramDocFreq::count(&items, &corpus, &bad, 42).is_err());
    }
}
