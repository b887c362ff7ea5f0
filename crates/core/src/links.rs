//! Span pairs → unit links: which units a verified span pair joins, and
//! where inside each unit the match lies.
//!
//! Span alignment ([`crate::align`]) finds near-duplicate spans of words
//! wherever the sentences and paragraphs are cut; the report speaks in units.
//! A span pair `(A in doc a, B in doc b)` is cut along the unit boundaries of
//! both documents: each unit `ua` overlapping `A` is projected onto `B`
//! (linearly, by byte offset: the spans are near-duplicates, so their words
//! run in step), and every unit `ub` overlapping the projection gives a
//! *piece*, the part of `ua` and the part of `ub` that face each other. A
//! piece links `ua` and `ub` when both sides hold at least `min_words` words
//! and the span pair covers at least `min_cover` of either unit: a copy glued
//! to a navigation prefix ("Share This ArticleThe United States…") is most of
//! its unit, a sentence quoted inside a longer one is all of the original, a
//! copy that the splitter cuts in two is all inside the span pair. A copy of
//! the end of one sentence and the start of the next joins each of the two
//! originals whose half it covers, when the pair runs past that unit's
//! boundary and holds at least 1.5 times `min_words` words (unless both
//! sides also hold another unit whole: then the boundaries agree and the
//! rest is judged on its own); such a crossing
//! piece needs only 3 words on each side (the head of a sentence glued to
//! the host's next one), and is scored with its pair's similarity unless
//! its own is below 0.4 (a few words with an edit among them are too little
//! text for a char 5-gram measure). The link keeps both pieces, so the
//! report can say what matched inside each member (`match_start`,
//! `match_end`).
//!
//! Cost: 32 bytes per link; links are few (one or two per span pair).
//!
//! ```
//! use dupscan_core::links::{unit_links, LinkParams, SpanPair};
//! use dupscan_core::segment::Span;
//! use dupscan_core::units::Units;
//!
//! let docs = ["Share This ArticleThe council approved the budget on Tuesday night after a long debate. Rain.",
//!             "The council approved the budget on Tuesday night after a long debate."];
//! // The sentence splitter keeps the glued prefix in the first unit.
//! let units = Units::from_docs(vec![
//!     vec![Span { start: 0, end: 87 }, Span { start: 88, end: 93 }],
//!     vec![Span { start: 0, end: 69 }],
//! ]);
//! let pairs = [SpanPair { a_doc: 0, a: Span { start: 18, end: 86 }, b_doc: 1, b: Span { start: 0, end: 68 }, score: 1.0 }];
//! let same = |x: &str, y: &str| if x.eq_ignore_ascii_case(y) { 1.0 } else { 0.0 };
//! let links = unit_links(&units, &|d| docs[d as usize], &pairs, &LinkParams::default(), &same);
//! assert_eq!(links.len(), 1);
//! assert_eq!((links[0].a, links[0].b), (0, 2));
//! assert_eq!(&docs[0][18..86], "The council approved the budget on Tuesday night after a long debate");
//! assert_eq!(links[0].a_range, Span { start: 18, end: 86 });
//! ```

use rayon::prelude::*;

use crate::segment::Span;
use crate::units::{ExactClasses, Units};

/// Share of a unit a span pair must cover when it runs past the unit into
/// its neighbour (see [`unit_links`]).
const CROSSING_COVER: f64 = 0.5;
/// Share of a unit a span pair must cover for the unit to count as whole
/// (all but its final punctuation, or a word of a long unit).
const WHOLE_COVER: f64 = 0.95;
/// A piece of a pair that crosses a unit boundary needs this many words on
/// both sides (other pieces need `min_words`).
const CROSSING_MIN_WORDS: usize = 3;
/// A crossing piece whose own similarity is below the threshold but at
/// least this takes its pair's score (see [`unit_links`]).
const CROSSING_PIECE_FLOOR: f64 = 0.4;

/// Words a side of a span pair must hold to cross a unit boundary: 1.5
/// times `min_words` (measured on planted spans-two copies: twice missed
/// the copies of two short half sentences).
fn crossing_words(min_words: usize) -> usize {
    min_words + min_words / 2
}

/// A verified pair of near-duplicate spans, in byte offsets of their
/// documents' original text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpanPair {
    /// The first span's document.
    pub a_doc: u32,
    /// The first span.
    pub a: Span,
    /// The second span's document.
    pub b_doc: u32,
    /// The second span.
    pub b: Span,
    /// Their similarity.
    pub score: f64,
}

/// Two units joined by a span pair, with the part of each that matched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// The earlier unit (global id).
    pub a: u32,
    /// The later unit.
    pub b: u32,
    /// The similarity of the span pair that joined them.
    pub score: f64,
    /// Where in `a`'s document the match lies (inside unit `a`).
    pub a_range: Span,
    /// Where in `b`'s document the match lies (inside unit `b`).
    pub b_range: Span,
}

impl Link {
    /// The link's range on the side of `unit`'s exact class, moved onto
    /// `unit`: the range itself when `unit` is that side, the same offsets
    /// within an exact copy of it of the same length, `None` when the copy's
    /// length differs (its offsets do not carry over).
    pub fn range_on(&self, unit: u32, units: &Units, classes: &ExactClasses) -> Option<Span> {
        let (side, range) = if classes.of(self.a) == classes.of(unit) {
            (self.a, self.a_range)
        } else {
            (self.b, self.b_range)
        };
        let (from, to) = (units.span(side), units.span(unit));
        if side == unit {
            Some(range)
        } else if from.end - from.start == to.end - to.start {
            Some(Span {
                start: range.start - from.start + to.start,
                end: range.end - from.start + to.start,
            })
        } else {
            None
        }
    }
}

/// When a piece of a span pair links two units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkParams {
    /// Words both sides of a piece must hold.
    pub min_words: usize,
    /// Share of either unit's bytes the piece must cover.
    pub min_cover: f64,
    /// Similarity the two sides of a piece must reach (measured by the
    /// caller's `similarity`, the unit path's measure).
    pub threshold: f64,
}

impl Default for LinkParams {
    /// At least 8 words a side; 80% of a unit covered. Measured on the
    /// planted boundary corpus (see BENCHMARKS.md): at 0.5, common 8-word
    /// phrases ("In the first nine months of this year") join unrelated
    /// sentences and pair precision falls to 0.86; at 0.8 it is 0.986.
    fn default() -> Self {
        Self {
            min_words: 8,
            min_cover: 0.8,
            threshold: 0.7,
        }
    }
}

/// The unit links of `pairs`, sorted by `(a, b)` then by their parts: one
/// per distinct part two units share (of overlapping ones, the highest
/// score; ties: the earliest). `text(doc)` is a document's
/// original text; `similarity(x, y)` measures two pieces of text, and a
/// link's score is that of its two pieces (a span pair's own score is for
/// the whole aligned spans, which a piece may be only part of). Two equal
/// pieces holding a letter or digit score 1 without calling `similarity`,
/// so it must give 1 to equal texts (as Jaccard similarity does).
pub fn unit_links<'t>(
    units: &Units,
    text: &(dyn Fn(u32) -> &'t str + Sync),
    pairs: &[SpanPair],
    params: &LinkParams,
    similarity: &(dyn Fn(&str, &str) -> f64 + Sync),
) -> Vec<Link> {
    unit_links_except(units, text, pairs, params, similarity, &|_, _| false)
}

/// [`unit_links`] without the links of unit pairs `joined(a, b)` says are
/// joined already (the same exact class, or a verified unit pair: a link
/// would add nothing), which are neither measured nor returned.
pub fn unit_links_except<'t>(
    units: &Units,
    text: &(dyn Fn(u32) -> &'t str + Sync),
    pairs: &[SpanPair],
    params: &LinkParams,
    similarity: &(dyn Fn(&str, &str) -> f64 + Sync),
    joined: &(dyn Fn(u32, u32) -> bool + Sync),
) -> Vec<Link> {
    let mut links: Vec<Link> = pairs
        .par_iter()
        .flat_map_iter(|p| pieces(units, text, p, params, similarity, joined))
        .collect();
    links.sort_by(|x, y| {
        (x.a, x.b)
            .cmp(&(y.a, y.b))
            .then(y.score.total_cmp(&x.score))
            .then((x.a_range, x.b_range).cmp(&(y.a_range, y.b_range)))
    });
    // Two units may share several distinct parts (two copied sentences of
    // one paragraph); of links whose parts overlap, the best is kept.
    let overlap = |x: Span, y: Span| x.start < y.end && y.start < x.end;
    let mut kept: Vec<Link> = Vec::with_capacity(links.len());
    for run in links.chunk_by(|x, y| (x.a, x.b) == (y.a, y.b)) {
        let first = kept.len();
        for l in run {
            let clash = kept[first..]
                .iter()
                .any(|k| overlap(k.a_range, l.a_range) || overlap(k.b_range, l.b_range));
            if !clash {
                kept.push(*l);
            }
        }
        kept[first..].sort_by_key(|l| (l.a_range, l.b_range));
    }
    kept
}

/// Units of `doc` whose spans overlap `range`, as global ids. A binary
/// search over the document's units (their spans are in text order and do
/// not overlap), so nothing is collected: a long document with many span
/// pairs costs a logarithm per pair, not its unit count.
fn overlapping(units: &Units, doc: u32, range: Span) -> impl Iterator<Item = u32> + '_ {
    let ids = units.of_doc(doc);
    let (mut lo, mut hi) = (ids.start, ids.end);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if units.span(mid).end <= range.start {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    (lo..ids.end).take_while(move |&id| units.span(id).start < range.end)
}

fn intersect(x: Span, y: Span) -> Option<Span> {
    let (start, end) = (x.start.max(y.start), x.end.min(y.end));
    (start < end).then_some(Span { start, end })
}

/// Maps offset `x` of span `from` onto span `to`, in proportion.
fn project(x: u32, from: Span, to: Span) -> u32 {
    let (fl, tl) = (
        u64::from(from.end - from.start),
        u64::from(to.end - to.start),
    );
    if fl == 0 {
        return to.start;
    }
    let off = u64::from(x.saturating_sub(from.start)).min(fl);
    to.start + ((off * tl + fl / 2) / fl) as u32
}

/// `range` shrunk to whole words of `text`: a start inside a word (a run of
/// letters and digits, split at a glued case change such as "ArticleThe",
/// as the tokenizer splits it) moves past it, an end inside one moves back
/// before it, and surrounding whitespace is trimmed.
fn snap(text: &str, range: Span) -> Option<Span> {
    let (mut start, mut end) = inward_to_chars(text, range);
    let inside = |i: usize| match (text[..i].chars().next_back(), text[i..].chars().next()) {
        (Some(b), Some(a)) => {
            b.is_alphanumeric() && a.is_alphanumeric() && !(b.is_lowercase() && a.is_uppercase())
        }
        _ => false,
    };
    let next = |i: usize| i + text[i..].chars().next().map_or(1, char::len_utf8);
    let prev = |i: usize| i - text[..i].chars().next_back().map_or(1, char::len_utf8);
    while start < end && inside(start) {
        start = next(start);
    }
    while end > start && inside(end) {
        end = prev(end);
    }
    while start < end && text[start..].starts_with(char::is_whitespace) {
        start = next(start);
    }
    while end > start && text[..end].ends_with(char::is_whitespace) {
        end = prev(end);
    }
    (start < end).then_some(Span {
        start: start as u32,
        end: end as u32,
    })
}

/// Whether `range` of `text` holds at least `n` words (stops counting
/// there).
fn words_at_least(text: &str, range: Span, n: usize) -> bool {
    text.get(range.start as usize..range.end as usize)
        .is_some_and(|t| t.split_whitespace().take(n).count() >= n)
}

/// Whether `range` of `text`, whose ends may fall inside a character (a
/// projected range), holds at least `n` words once its ends move inwards
/// to character boundaries, as [`snap`] moves them first. [`snap`] only
/// shrinks a range further, so a range failing this fails after snapping.
fn raw_words_at_least(text: &str, range: Span, n: usize) -> bool {
    let (start, end) = inward_to_chars(text, range);
    let inner = Span {
        start: start as u32,
        end: end as u32,
    };
    words_at_least(text, inner, n)
}

/// `range`'s ends moved inwards to character boundaries of `text` (its end
/// first cut to the text's length). When no boundary lies between them the
/// result is empty or not on a boundary: `text.get` of it is empty or
/// `None`, never a panic.
fn inward_to_chars(text: &str, range: Span) -> (usize, usize) {
    let (mut start, mut end) = (range.start as usize, (range.end as usize).min(text.len()));
    while start < end && !text.is_char_boundary(start) {
        start += 1;
    }
    while end > start && !text.is_char_boundary(end) {
        end -= 1;
    }
    (start, end)
}

/// Words of `range` of `text`, counted up to `cap`.
fn words_upto(text: &str, range: Span, cap: usize) -> usize {
    text.get(range.start as usize..range.end as usize)
        .map_or(0, |t| t.split_whitespace().take(cap).count())
}

/// The links one span pair makes.
fn pieces<'t>(
    units: &Units,
    text: &(dyn Fn(u32) -> &'t str + Sync),
    p: &SpanPair,
    params: &LinkParams,
    similarity: &(dyn Fn(&str, &str) -> f64 + Sync),
    joined: &(dyn Fn(u32, u32) -> bool + Sync),
) -> Vec<Link> {
    let (ta, tb) = (text(p.a_doc), text(p.b_doc));
    let share = |span: Span, unit: u32| {
        let s = units.span(unit);
        let inside = intersect(s, span).map_or(0, |i| i.end - i.start);
        f64::from(inside) / f64::from((s.end - s.start).max(1))
    };
    let cover = |span: Span, unit: u32| share(span, unit) >= params.min_cover;
    // The units each side of the pair covers (at most a few), once per pair.
    let covered = |doc: u32, span: Span| -> Vec<u32> {
        overlapping(units, doc, span)
            .filter(|&u| cover(span, u))
            .collect()
    };
    let (covered_a, covered_b) = (covered(p.a_doc, p.a), covered(p.b_doc, p.b));
    // Whether each side holds enough words to cross a boundary, counted
    // once per pair (a pair may cross many units).
    let limit = crossing_words(params.min_words);
    let (cell_a, cell_b) = (std::cell::OnceCell::new(), std::cell::OnceCell::new());
    let long_a = || *cell_a.get_or_init(|| words_at_least(ta, p.a, limit));
    let long_b = || *cell_b.get_or_init(|| words_at_least(tb, p.b, limit));
    let mut out = Vec::new();
    for ua in overlapping(units, p.a_doc, p.a) {
        let Some(piece_a) = intersect(units.span(ua), p.a) else {
            continue;
        };
        let proj = Span {
            start: project(piece_a.start, p.a, p.b),
            end: project(piece_a.end, p.a, p.b),
        };
        let Some(proj) = intersect(proj, p.b) else {
            continue;
        };
        for ub in overlapping(units, p.b_doc, proj) {
            if ub == ua {
                continue;
            }
            let Some(raw_b) = intersect(units.span(ub), proj) else {
                continue;
            };
            // The part of `ua` facing this part of `ub`.
            let raw_a = Span {
                start: project(raw_b.start, p.b, p.a).max(piece_a.start),
                end: project(raw_b.end, p.b, p.a).min(piece_a.end),
            };
            // Most pieces are slivers of a neighbouring unit the projection
            // touches; snapping only shrinks a range, so a raw piece under
            // `CROSSING_MIN_WORDS` words cannot make a link.
            if !raw_words_at_least(tb, raw_b, CROSSING_MIN_WORDS)
                || !raw_words_at_least(ta, raw_a, CROSSING_MIN_WORDS)
                || joined(ua, ub)
            {
                continue;
            }
            let (Some(range_a), Some(range_b)) = (snap(ta, raw_a), snap(tb, raw_b)) else {
                continue;
            };
            // Counted up to `min_words`, all the two tests below need.
            let cap = params.min_words.max(CROSSING_MIN_WORDS);
            let (wa, wb) = (words_upto(ta, range_a, cap), words_upto(tb, range_b, cap));
            // A piece under `min_words` words can only join by crossing.
            let short = wa < params.min_words || wb < params.min_words;
            if wa.min(wb) < CROSSING_MIN_WORDS {
                continue;
            }
            // One of the two units must be mostly inside the span pair (the
            // whole pair, not this piece: a copy cut in two by the splitter
            // is covered by the pair across its pieces), and both pieces
            // hold at least `min_words` words.
            // Or a copy of the end of one unit and the start of the next
            // (a stretch spanning two sentences): one side of the pair runs
            // past one end of its unit into the neighbour, covers at least
            // half of the unit, and holds at least 1.5 times `min_words`
            // words, so a short common phrase inside one sentence cannot
            // qualify; then each piece needs only `CROSSING_MIN_WORDS`
            // (the head of a sentence glued to other text: "The company
            // did not" + the host's next sentence).
            let crossing = |span: Span, unit: u32, long: bool| {
                let s = units.span(unit);
                (span.start < s.start || span.end > s.end)
                    && share(span, unit) >= CROSSING_COVER
                    && long
            };
            // Not when both sides also hold another unit whole: then the
            // boundaries agree, the whole units are the copy, and the rest
            // is judged as a unit of its own.
            let whole = |covered: &[u32], unit: u32, span: Span| {
                covered
                    .iter()
                    .any(|&x| x != unit && share(span, x) >= WHOLE_COVER)
            };
            let crosses = || {
                (crossing(p.a, ua, long_a()) || crossing(p.b, ub, long_b()))
                    && !(whole(&covered_a, ua, p.a) && whole(&covered_b, ub, p.b))
            };
            // Both lists ascend (`overlapping` walks a document's units in
            // order); a long pair covers many units.
            let by_cover = !short
                && (covered_a.binary_search(&ua).is_ok() || covered_b.binary_search(&ub).is_ok());
            let by_cross = !by_cover && crosses();
            if !(by_cover || by_cross) {
                continue;
            }
            let (xa, xb) = (
                &ta[range_a.start as usize..range_a.end as usize],
                &tb[range_b.start as usize..range_b.end as usize],
            );
            // A verbatim copy (most pieces of long copied stretches) is
            // similar to itself: any measure gives 1 to two equal texts
            // with a word in them, so it is not computed.
            let score = if xa == xb && xa.contains(char::is_alphanumeric) {
                1.0
            } else {
                similarity(xa, xb)
            };
            // A crossing piece is a part of a verified pair, often a few
            // words with an edit among them: a char 5-gram measure of so
            // little text is noise, so it takes the pair's score unless its
            // own is far below (a piece the projection misplaced).
            let score = if by_cross && score < params.threshold && score >= CROSSING_PIECE_FLOOR {
                p.score
            } else {
                score
            };
            if score < params.threshold {
                continue;
            }
            let (a, b, a_range, b_range) = if ua < ub {
                (ua, ub, range_a, range_b)
            } else {
                (ub, ua, range_b, range_a)
            };
            out.push(Link {
                a,
                b,
                score,
                a_range,
                b_range,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::UnitKind;
    use crate::segment::segment;

    /// Similarity for the tests: equal text (ignoring case) or not.
    fn same(x: &str, y: &str) -> f64 {
        if x.eq_ignore_ascii_case(y) { 1.0 } else { 0.0 }
    }

    fn table(docs: &[&str]) -> Units {
        Units::from_docs(
            docs.iter()
                .map(|d| {
                    let mut spans = Vec::new();
                    segment(d, UnitKind::Sentence, &mut spans);
                    spans
                })
                .collect(),
        )
    }

    fn span_of(doc: &str, part: &str) -> Span {
        let start = doc.find(part).expect("part of the document") as u32;
        Span {
            start,
            end: start + part.len() as u32,
        }
    }

    /// A span pair over `part`, found verbatim in both documents.
    fn pair_on(a: &str, b: &str, part: &str) -> [SpanPair; 1] {
        [SpanPair {
            a_doc: 0,
            a: span_of(a, part),
            b_doc: 1,
            b: span_of(b, part),
            score: 1.0,
        }]
    }

    /// Two sentences (`a`), and a document (`b`) holding a copy of the end
    /// of the first and the start of the second (`copy`), one unit of its
    /// own.
    fn copy_spanning_two() -> (String, String, &'static str) {
        let s1 = "The central bank left its main rate unchanged at four percent on Thursday.";
        let s2 = "Economists had expected a cut after inflation slowed for a third month running.";
        let copy = "its main rate unchanged at four percent on Thursday. Economists had expected a cut after inflation slowed";
        let b = format!("Markets were calm. As reported, {copy} and more.");
        (format!("{s1} {s2}"), b, copy)
    }

    #[test]
    fn a_copy_spanning_two_sentences_links_each_to_its_own() {
        let (a, b, copy) = copy_spanning_two();
        let docs = [a.as_str(), b.as_str()];
        let units = table(&docs);
        let pairs = pair_on(&a, &b, copy);
        let links = unit_links(
            &units,
            &|d| docs[d as usize],
            &pairs,
            &LinkParams::default(),
            &same,
        );
        let linked: Vec<(u32, u32)> = links.iter().map(|l| (l.a, l.b)).collect();
        // Units: 0 = s1, 1 = s2, then b's sentences; the copy is split by the
        // splitter at its period, so s1 links to its half and s2 to the other.
        assert_eq!(links.len(), 2, "{links:#?}");
        assert!(linked.iter().all(|&(x, y)| x < 2 && y >= 2), "{linked:?}");
        assert_ne!(linked[0].0, linked[1].0);
        for l in &links {
            let text_a = &a[l.a_range.start as usize..l.a_range.end as usize];
            let text_b = &b[l.b_range.start as usize..l.b_range.end as usize];
            assert_eq!(text_a, text_b, "{l:?}");
        }
    }

    /// Unit pairs the caller says are joined already make no link, and the
    /// others are as without the predicate.
    #[test]
    fn joined_unit_pairs_make_no_link() {
        let (a, b, copy) = copy_spanning_two();
        let docs = [a.as_str(), b.as_str()];
        let units = table(&docs);
        let pairs = pair_on(&a, &b, copy);
        let text = |d: u32| docs[d as usize];
        let all = unit_links(&units, &text, &pairs, &LinkParams::default(), &same);
        assert_eq!(all.len(), 2, "{all:#?}");
        let (x, y) = (all[0].a, all[0].b);
        let joined = |p: u32, q: u32| (p.min(q), p.max(q)) == (x, y);
        let rest = unit_links_except(
            &units,
            &text,
            &pairs,
            &LinkParams::default(),
            &same,
            &joined,
        );
        assert_eq!(rest, all[1..]);
    }

    #[test]
    fn a_copy_crossing_a_boundary_glued_into_host_sentences_links_both_halves() {
        let s1 = "The central bank left its main rate unchanged at four percent on Thursday.";
        let s2 = "Economists had expected a cut after inflation slowed for a third month running.";
        let a = format!("{s1} {s2}");
        // Neither original is covered to 80%, and on the copy's side each
        // half is glued to host text the splitter keeps in its unit.
        let copy = "its main rate unchanged at four percent on Thursday. Economists had expected a cut after inflation slowed for a";
        let b = format!(
            "Traders in the city said on Monday that the bank left {copy} in the shops and the factories of the north."
        );
        let docs = [a.as_str(), b.as_str()];
        let units = table(&docs);
        let pairs = pair_on(&a, &b, copy);
        let text = |d: u32| docs[d as usize];
        let links = unit_links(&units, &text, &pairs, &LinkParams::default(), &same);
        let linked: Vec<(u32, u32)> = links.iter().map(|l| (l.a, l.b)).collect();
        assert_eq!(linked, [(0, 2), (1, 3)], "{links:#?}");
        // A phrase of fewer than 1.5 times `min_words` words crossing the
        // same boundary is not enough.
        let short = "on Thursday. Economists had expected a cut";
        let pairs = pair_on(&a, &b, short);
        assert!(unit_links(&units, &text, &pairs, &LinkParams::default(), &same).is_empty());
    }

    #[test]
    fn the_head_of_a_sentence_glued_to_host_text_links_by_crossing() {
        let s1 = "The stock fell sharply in early trading on Monday morning.";
        let s2 = "The company did not comment.";
        let a = format!("{s1} {s2}");
        // The end of s1 and four words of s2, glued to the host's next
        // sentence: the head is under `min_words` but covers most of s2.
        let copy = "fell sharply in early trading on Monday morning. The company did not";
        let b = format!("Shares rallied later. {copy} Motorola said it would sell its unit.");
        let docs = [a.as_str(), b.as_str()];
        let units = table(&docs);
        let text = |d: u32| docs[d as usize];
        let links = unit_links(
            &units,
            &text,
            &pair_on(&a, &b, copy),
            &LinkParams::default(),
            &same,
        );
        let linked: Vec<(u32, u32)> = links.iter().map(|l| (l.a, l.b)).collect();
        // b's units: 2 = "Shares rallied later. fell ... morning." (the
        // lower-case start glues them), 3 = "The company did not Motorola ...".
        assert_eq!(linked, [(0, 2), (1, 3)], "{links:#?}");
        let head = &links[1];
        assert_eq!(
            &b[head.b_range.start as usize..head.b_range.end as usize],
            "The company did not"
        );
        // Too short a pair to cross (under 12 words).
        let short = "Monday morning. The company did not";
        assert!(
            unit_links(
                &units,
                &text,
                &pair_on(&a, &b, short),
                &LinkParams::default(),
                &same
            )
            .is_empty()
        );
    }

    #[test]
    fn a_whole_unit_copied_with_the_start_of_its_neighbour_links_only_the_whole_unit() {
        // Two stories share one sentence and the quote that opens the next;
        // the sentences after the quote differ. Boundaries agree on both
        // sides, so the half-shared second sentences are not duplicates.
        let shared = "Roughly 1,900 dockworkers walked off the job at the port early on Monday after talks collapsed.";
        let quote = "We are not going back until the company puts a fair offer on the table, said the union president";
        let a =
            format!("{shared} {quote} while members voted in favour of the walkout last month.");
        let b = format!(
            "{shared} {quote} as vessels waited to unload and carriers diverted their cargo south."
        );
        let docs = [a.as_str(), b.as_str()];
        let units = table(&docs);
        let both = format!("{shared} {quote}");
        let pairs = pair_on(&a, &b, &both);
        let text = |d: u32| docs[d as usize];
        let links = unit_links(&units, &text, &pairs, &LinkParams::default(), &same);
        let linked: Vec<(u32, u32)> = links.iter().map(|l| (l.a, l.b)).collect();
        assert_eq!(linked, [(0, 2)], "{links:#?}");
    }

    #[test]
    fn pieces_under_min_words_or_cover_do_not_link() {
        let a = "One two three four five six seven eight nine ten eleven twelve.";
        let b = "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega one two three four five.";
        let docs = [a, b];
        let units = table(&docs);
        let pairs = [SpanPair {
            a_doc: 0,
            a: span_of(a, "One two three four five"),
            b_doc: 1,
            b: span_of(b, "one two three four five"),
            score: 1.0,
        }];
        let text = |d: u32| docs[d as usize];
        assert!(unit_links(&units, &text, &pairs, &LinkParams::default(), &same).is_empty());
        let loose = LinkParams {
            min_words: 5,
            min_cover: 0.1,
            threshold: 0.7,
        };
        assert_eq!(unit_links(&units, &text, &pairs, &loose, &same).len(), 1);
        let strict_cover = LinkParams {
            min_words: 5,
            min_cover: 0.5,
            threshold: 0.7,
        };
        assert!(unit_links(&units, &text, &pairs, &strict_cover, &same).is_empty());
    }

    /// The sliver test before snapping: never fewer words than the snapped
    /// range holds (snapping only shrinks), whatever bytes the raw range
    /// cuts, and no panic inside a character.
    #[test]
    fn raw_word_counts_bound_the_snapped_ones() {
        let text = "Ünïcode wörds 🔬 and ArticleThe glued, plain words here.";
        let n = text.len() as u32;
        for start in 0..=n {
            for end in start..=n {
                let range = Span { start, end };
                let snapped = snap(text, range).map_or(0, |r| words_upto(text, r, 100));
                for k in 1..=4 {
                    if snapped >= k {
                        assert!(raw_words_at_least(text, range, k), "{range:?} {k}");
                    }
                }
            }
        }
        // Inside the 4-byte microscope (bytes 17..21), and from inside "Ü".
        assert!(!raw_words_at_least(text, Span { start: 18, end: 20 }, 1));
        assert!(raw_words_at_least(text, Span { start: 1, end: 16 }, 2));
        assert!(!raw_words_at_least(text, Span { start: 1, end: 16 }, 3));
    }

    #[test]
    fn snapping_keeps_whole_words_on_char_boundaries() {
        let t = "héllo wörld again";
        assert_eq!(
            snap(t, Span { start: 2, end: 19 }).map(|s| &t[s.start as usize..s.end as usize]),
            Some("wörld again")
        );
        assert_eq!(
            snap(t, Span { start: 0, end: 9 }).map(|s| &t[s.start as usize..s.end as usize]),
            Some("héllo")
        );
        assert_eq!(snap(t, Span { start: 3, end: 4 }), None);
    }
}
