//! Deciding what dedup removes: a unit goes only when it is a verified
//! near-duplicate of a unit that stays.
//!
//! Groups are connected components of verified pairs, so a chain A~B~C can
//! join units whose ends differ (a run of dividend notices "Qtly div 10 cts
//! vs 10 cts prior", "Qtly div 11 cts …", …). Removing all but one member
//! would lose text that duplicates nothing that is kept. So within each
//! group the members are taken in the [`Keep`] order (input order, or
//! longest first) and each one is
//!
//! * removed, as a duplicate of the kept unit, when an earlier-kept member
//!   has the same normalized text, or is joined to it by a verified pair
//!   (exact Jaccard similarity at least the threshold);
//! * kept otherwise.
//!
//! In a chain A~B~C (A and C not similar), A is kept, B goes as a duplicate
//! of A, and C is kept. Every removal is recorded with the group id (its
//! position in [`Scan::groups`], the id the report gives it) and the kept
//! unit it duplicates, which is in the output.
//!
//! A scan against a reference plans decontamination instead: reference units
//! are kept, and a corpus unit goes when it has the same normalized text as
//! a reference unit or a verified pair with one; the part of a corpus unit
//! that a span link or containment ties to a reference unit goes (so the
//! whole region where an item is contained, question and answer when the
//! item holds both, is cut, whatever units it straddles); repeats within
//! the corpus stay. Reference units are never removed and the counts cover the corpus
//! documents only.
//!
//! A document is dropped when all of its units are removed: units cover
//! every non-whitespace character, so nothing but whitespace would be left.
//! At `--unit document` that is every document whose one unit is a
//! duplicate. Documents without units (empty or whitespace-only text) are
//! never touched. The plan is a pure function of the scan, computed
//! sequentially, so it does not depend on the number of threads.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::pipeline::{Group, Member, Scan};
use crate::segment::Span;

/// Which members of a group are kept first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Keep {
    /// The first in input order (the smallest global id).
    #[default]
    First,
    /// The one with the most bytes of text; ties go to the first.
    Longest,
}

impl Keep {
    /// The members of `group` in the order they are considered for keeping.
    pub fn order<'g>(self, scan: &Scan, group: &'g Group) -> Vec<&'g Member> {
        let mut members: Vec<&Member> = group.members.iter().collect();
        match self {
            // Members are stored representative first.
            Keep::First => members.sort_by_key(|m| m.unit),
            Keep::Longest => {
                let len = |m: &Member| scan.units.span(m.unit).range().len();
                members.sort_by_key(|m| (std::cmp::Reverse(len(m)), m.unit));
            }
        }
        members
    }
}

/// The verified pairs and span links as adjacency lists of exact classes.
struct Neighbours {
    /// `(class, neighbour, link)` in both directions, sorted; `link` is the
    /// index of the span link in [`Scan::links`] for a pair that only span
    /// alignment joined.
    edges: Vec<(u32, u32, Option<u32>)>,
}

impl Neighbours {
    fn new(scan: &Scan) -> Self {
        let classes = |u: u32| scan.class_of(u);
        let mut edges: Vec<(u32, u32, Option<u32>)> = scan
            .matches
            .iter()
            .flat_map(|m| [(m.a, m.b, None), (m.b, m.a, None)])
            .collect();
        let mut unit_pairs: Vec<(u32, u32)> = edges.iter().map(|&(a, b, _)| (a, b)).collect();
        unit_pairs.sort_unstable();
        for (i, l) in scan.links.iter().enumerate() {
            let (a, b) = (classes(l.a), classes(l.b));
            if a != b && unit_pairs.binary_search(&(a, b)).is_err() {
                edges.push((a, b, Some(i as u32)));
                edges.push((b, a, Some(i as u32)));
            }
        }
        edges.sort_unstable();
        edges.dedup();
        // A pair joined as whole units needs no span link beside it.
        edges.dedup_by(|later, earlier| {
            (later.0, later.1) == (earlier.0, earlier.1) && earlier.2.is_none()
        });
        Self { edges }
    }

    /// The classes joined to `class`, ascending, each with the span link
    /// that joined them when only span alignment did.
    fn of(&self, class: u32) -> impl Iterator<Item = (u32, Option<u32>)> + '_ {
        let start = self.edges.partition_point(|&(c, _, _)| c < class);
        self.edges[start..]
            .iter()
            .take_while(move |&&(c, _, _)| c == class)
            .map(|&(_, n, l)| (n, l))
    }
}

/// What a span link leaves of `unit` to cut: its range on `unit`'s side
/// (moved onto `unit` when the link names an exact copy of it of the same
/// length, else the whole unit), widened to the unit's ends over what holds
/// no letter or digit (a final period, a closing quote), so that no crumb of
/// punctuation is left behind.
fn cut_of(scan: &Scan, link: &dupscan_core::links::Link, unit: u32) -> Span {
    let whole = scan.units.span(unit);
    let Some(moved) = link.range_on(unit, &scan.units, &scan.classes) else {
        return whole;
    };
    let text = &scan.corpus.docs[scan.units.doc(unit) as usize].text;
    let bare = |r: std::ops::Range<usize>| !text[r].chars().any(char::is_alphanumeric);
    Span {
        start: if bare(whole.start as usize..moved.start as usize) {
            whole.start
        } else {
            moved.start
        },
        end: if bare(moved.end as usize..whole.end as usize) {
            whole.end
        } else {
            moved.end
        },
    }
}

/// Exact similarity of parts of two units, as the scan measures whole
/// units.
struct PartSimilarity<'s> {
    scan: &'s Scan,
    measure: dupscan_core::verify::TextSimilarity,
}

impl<'s> PartSimilarity<'s> {
    fn new(scan: &'s Scan) -> Self {
        Self {
            scan,
            measure: dupscan_core::verify::TextSimilarity::new(&scan.config.params),
        }
    }

    /// Similarity of `a_part` of unit `a` and `b_part` of unit `b`.
    fn of(&self, a: u32, a_part: Span, b: u32, b_part: Span) -> f64 {
        let text = |unit: u32, part: Span| {
            &self.scan.corpus.docs[self.scan.units.doc(unit) as usize].text[part.range()]
        };
        self.measure.of(text(a, a_part), text(b, b_part))
    }
}

/// One removed unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removal {
    /// Its global id.
    pub unit: u32,
    /// What is cut, in the document's text: the unit's span, or for a unit
    /// joined only by span alignment the part of it that matched.
    pub span: Span,
    /// The group it belongs to (the report's group id).
    pub group: u32,
    /// The global id of the kept unit it duplicates.
    pub of: u32,
    /// What of the kept unit it duplicates: the kept unit's span, or the
    /// part span alignment matched.
    pub of_span: Span,
}

/// What happens to one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocPlan {
    /// Units removed, sorted by span.
    pub removed: Vec<Removal>,
    /// Groups with a kept unit in this document, ascending.
    pub kept: Vec<u32>,
    /// Whether the whole document goes (all of its units are removed).
    pub dropped: bool,
}

impl DocPlan {
    /// Whether the document comes out exactly as it went in.
    pub fn unchanged(&self) -> bool {
        self.removed.is_empty()
    }

    /// The removed spans, in order.
    pub fn spans(&self) -> Vec<Span> {
        self.removed.iter().map(|r| r.span).collect()
    }
}

/// Counters of a plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Documents read.
    pub documents: u64,
    /// Documents left out entirely.
    pub documents_dropped: u64,
    /// Documents kept with some units cut out.
    pub documents_changed: u64,
    /// Units segmented.
    pub units: u64,
    /// Units removed.
    pub units_removed: u64,
    /// Bytes of text in the documents read.
    pub bytes: u64,
    /// Bytes of the removed units' text (whitespace mended away around cuts
    /// is not counted), and of the whole text of emptied documents.
    pub bytes_removed: u64,
    /// Of the documents dropped, those left with nothing but units too short
    /// to compare (only with [`Emptied::Drop`]).
    pub documents_emptied: u64,
}

/// What becomes of a document whose every compared unit is removed, leaving
/// only units shorter than `--min-tokens` (a "Reuter" sign-off, an
/// "Advertisement" line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Emptied {
    /// It stays, holding those units: no unit that is not a duplicate is
    /// ever removed.
    #[default]
    Keep,
    /// It is left out with them.
    Drop,
}

/// What dedup does to every document of a scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// One entry per document of [`Scan::corpus`], in the same order.
    pub docs: Vec<DocPlan>,
    /// Counters.
    pub counts: Counts,
}

/// Plans dedup over every group of `scan` (see the module docs), taking
/// members in `keep` order.
pub fn plan(scan: &Scan, keep: Keep) -> Plan {
    let mut docs = vec![DocPlan::default(); scan.corpus.docs.len()];
    let neighbours = Neighbours::new(scan);
    let similarity = PartSimilarity::new(scan);
    let threshold = scan.config.params.threshold;
    let decontaminate = scan.reference_docs > 0;
    // The kept unit of each exact class in the current group, and the units
    // only part of which is cut (what is left of them is kept text, which
    // a span link to that part may duplicate).
    let mut kept: HashMap<u32, u32> = HashMap::new();
    let mut partly: HashMap<u32, (u32, Vec<Span>)> = HashMap::new();
    for (gid, group) in scan.groups.iter().enumerate() {
        let gid = gid as u32;
        kept.clear();
        partly.clear();
        let mut members = keep.order(scan, group);
        if decontaminate {
            // Reference units first, whatever the keep rule.
            members.sort_by_key(|m| !scan.is_reference(m.unit));
        }
        for m in members {
            let doc = scan.units.doc(m.unit) as usize;
            if decontaminate && scan.is_reference(m.unit) {
                kept.entry(m.class).or_insert(m.unit);
                docs[doc].kept.push(gid);
                continue;
            }
            // Cut only a part whose text is a near-duplicate of the kept
            // part (the span pair's score is for the whole aligned spans, a
            // cut may be a piece of them).
            // In a decontamination the link itself is the evidence (an
            // aligned span verified at the threshold, or containment of the
            // whole item, whose edited copy may fall below it piece by piece).
            let span_cut = |l: u32, of: u32| {
                let l = &scan.links[l as usize];
                let (cut, kept_part) = (cut_of(scan, l, m.unit), cut_of(scan, l, of));
                (decontaminate || similarity.of(m.unit, cut, of, kept_part) >= threshold)
                    .then_some((cut, kept_part))
            };
            // A whole unit goes when it repeats a kept unit's normalized text
            // or is a verified pair with one; else each part of it that span
            // alignment matched with kept text goes (parts that do not
            // overlap, in neighbour order).
            let whole = kept.get(&m.class).copied().or_else(|| {
                neighbours
                    .of(m.class)
                    .find_map(|(c, link)| link.is_none().then(|| kept.get(&c).copied()).flatten())
            });
            let mut cuts: Vec<(u32, Span, Span)> = Vec::new();
            if whole.is_none() {
                for (c, link) in neighbours.of(m.class) {
                    let Some(l) = link else { continue };
                    let (of, gone) = if let Some(&of) = kept.get(&c) {
                        (of, &[][..])
                    } else if let Some((of, gone)) = partly.get(&c) {
                        (*of, gone.as_slice())
                    } else {
                        continue;
                    };
                    let Some((cut, kept_part)) = span_cut(l, of) else {
                        continue;
                    };
                    let overlap = |x: Span, y: Span| x.start < y.end && y.start < x.end;
                    if gone.iter().any(|&g| overlap(g, kept_part))
                        || cuts.iter().any(|&(_, c, _)| overlap(c, cut))
                    {
                        continue;
                    }
                    cuts.push((of, cut, kept_part));
                }
            }
            let of: Option<Vec<(u32, Span, Span)>> = match whole {
                Some(of) => Some(vec![(of, scan.units.span(m.unit), scan.units.span(of))]),
                None if !cuts.is_empty() => Some(cuts),
                None => None,
            };
            match of {
                Some(cuts) => {
                    let unit_span = scan.units.span(m.unit);
                    let parts: Vec<Span> = cuts
                        .iter()
                        .map(|c| c.1)
                        .filter(|&c| c != unit_span)
                        .collect();
                    if !parts.is_empty() {
                        partly.entry(m.class).or_insert((m.unit, parts));
                    }
                    for (of, span, of_span) in cuts {
                        docs[doc].removed.push(Removal {
                            unit: m.unit,
                            span,
                            group: gid,
                            of,
                            of_span,
                        });
                    }
                }
                None => {
                    // In a decontamination a corpus unit that matches no
                    // reference unit stays without deduplicating others.
                    if !decontaminate {
                        kept.insert(m.class, m.unit);
                    }
                    docs[doc].kept.push(gid);
                }
            }
        }
    }
    let units_per_doc: Vec<u32> = (0..docs.len() as u32)
        .map(|d| scan.units.of_doc(d).len() as u32)
        .collect();
    let corpus = scan.reference_docs as usize..docs.len();
    let mut counts = Counts {
        documents: corpus.len() as u64,
        units: units_per_doc[corpus.clone()]
            .iter()
            .map(|&n| u64::from(n))
            .sum(),
        bytes: scan.corpus.docs[corpus.clone()]
            .iter()
            .map(|d| d.text.len() as u64)
            .sum(),
        ..Counts::default()
    };
    for (d, units) in docs[corpus.clone()].iter_mut().zip(&units_per_doc[corpus]) {
        d.removed.sort_unstable_by_key(|r| r.span);
        d.kept.dedup();
        // Dropped when every unit goes whole (a unit cut only in part
        // leaves text behind).
        let whole = d
            .removed
            .iter()
            .filter(|r| r.span == scan.units.span(r.unit))
            .count();
        d.dropped = !d.removed.is_empty() && whole == *units as usize;
        counts.units_removed += d.removed.len() as u64
            - d.removed
                .windows(2)
                .filter(|w| w[0].unit == w[1].unit)
                .count() as u64;
        counts.bytes_removed += d
            .removed
            .iter()
            .map(|r| r.span.range().len() as u64)
            .sum::<u64>();
        if d.dropped {
            counts.documents_dropped += 1;
        } else if !d.removed.is_empty() {
            counts.documents_changed += 1;
        }
    }
    Plan { docs, counts }
}

impl Plan {
    /// With [`Emptied::Drop`], also drops every document whose compared
    /// units are all removed (see [`Emptied`]), counting its remaining text as
    /// removed. Units dropped this way are not duplicates; the summary counts
    /// the documents in `documents_emptied`.
    pub fn apply_emptied(&mut self, scan: &Scan, emptied: Emptied) {
        if emptied == Emptied::Keep {
            return;
        }
        for d in scan.reference_docs as usize..self.docs.len() {
            let doc = &mut self.docs[d];
            if doc.dropped || doc.removed.is_empty() {
                continue;
            }
            let ids = scan.units.of_doc(d as u32);
            let compared = ids.clone().filter(|&id| scan.compared(id)).count();
            if doc.removed.len() < compared {
                continue;
            }
            doc.dropped = true;
            let removed: u64 = doc
                .removed
                .iter()
                .map(|r| r.span.range().len() as u64)
                .sum();
            let all: u64 = ids.map(|id| scan.units.span(id).range().len() as u64).sum();
            self.counts.bytes_removed += all - removed;
            self.counts.documents_changed -= 1;
            self.counts.documents_dropped += 1;
            self.counts.documents_emptied += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ScanConfig, ScanParams, Scope, UnitKind};
    use crate::corpus::{Corpus, Document};
    use crate::pipeline::scan_corpus;
    use crate::progress::Silent;

    const A: &str = "The harbour authority said on Monday that the terminal would reopen.";
    const B: &str = "A local bakery won the regional prize for its rye bread this year.";
    const C: &str = "Voters in the northern district will choose a new mayor in spring.";

    fn scan(texts: &[&str], unit: UnitKind) -> Scan {
        scan_min(texts, unit, 1)
    }

    fn scan_min(texts: &[&str], unit: UnitKind, min_tokens: usize) -> Scan {
        let corpus = Corpus {
            docs: texts
                .iter()
                .enumerate()
                .map(|(i, t)| Document {
                    id: format!("d{i}"),
                    source: 0,
                    line: i as u64 + 1,
                    text: (*t).to_owned(),
                    joins: Vec::new(),
                })
                .collect(),
            ..Corpus::default()
        };
        let mut params = ScanParams::new(vec!["mem".into()], unit);
        params.options.scope = Scope::All;
        params.options.min_tokens = Some(min_tokens);
        let config = ScanConfig::new(params).expect("valid config");
        scan_corpus(&config, corpus, &Silent)
    }

    #[test]
    fn sentences_repeated_anywhere_are_cut_after_the_first() {
        let d0 = format!("{A} {B} {A}");
        let d1 = format!("{C} {B}");
        let s = scan(&[&d0, &d1], UnitKind::Sentence);
        let p = plan(&s, Keep::First);
        assert_eq!(s.groups.len(), 2);
        let removed: Vec<(u32, u32)> = p
            .docs
            .iter()
            .flat_map(|d| d.removed.iter().map(|r| (r.unit, r.of)))
            .collect();
        // Units: d0 = [A 0, B 1, A 2], d1 = [C 3, B 4].
        assert_eq!(removed, [(2, 0), (4, 1)]);
        assert_eq!(p.docs[0].kept, [0, 1]);
        assert!(p.docs[1].kept.is_empty());
        assert!(!p.docs[0].dropped && !p.docs[1].dropped);
        assert_eq!(p.counts.units_removed, 2);
        assert_eq!(p.counts.documents_changed, 2);
        assert_eq!(p.counts.bytes_removed, (A.len() + B.len()) as u64);
    }

    #[test]
    fn a_document_of_duplicates_only_is_dropped() {
        let d1 = format!("{A}\n\n{B}");
        let s = scan(&[A, &d1, B], UnitKind::Sentence);
        let p = plan(&s, Keep::First);
        assert!(p.docs[2].dropped, "{p:?}");
        assert!(!p.docs[1].dropped);
        assert_eq!(p.counts.documents_dropped, 1);
        assert_eq!(p.counts.documents_changed, 1);
    }

    #[test]
    fn document_level_drops_later_copies_and_keep_longest_picks_the_longest() {
        let long = format!("{A} Extra words.");
        let s = scan(&[A, B, &long, A], UnitKind::Document);
        let first = plan(&s, Keep::First);
        let dropped: Vec<bool> = first.docs.iter().map(|d| d.dropped).collect();
        assert_eq!(dropped, [false, false, true, true]);
        assert_eq!(first.docs[3].removed[0].of, 0);

        let longest = plan(&s, Keep::Longest);
        let dropped: Vec<bool> = longest.docs.iter().map(|d| d.dropped).collect();
        assert_eq!(dropped, [true, false, false, true]);
        assert_eq!(longest.docs[3].removed[0].of, 2);
        assert_eq!(longest.docs[2].kept, [0]);
    }

    #[test]
    fn keep_longest_ties_go_to_the_first() {
        let s = scan(&[A, B, A], UnitKind::Document);
        let p = plan(&s, Keep::Longest);
        assert!(p.docs[2].dropped && !p.docs[0].dropped);
    }

    #[test]
    fn emptied_documents_are_dropped_only_when_asked() {
        // d1 keeps only "Reuter", too short to compare.
        let d1 = format!("{A}\n Reuter");
        let s = scan_min(&[A, &d1], UnitKind::Sentence, 6);
        let mut p = plan(&s, Keep::First);
        assert!(!p.docs[1].dropped);
        assert_eq!(p.counts.documents_changed, 1);
        p.apply_emptied(&s, Emptied::Keep);
        assert!(!p.docs[1].dropped);
        p.apply_emptied(&s, Emptied::Drop);
        assert!(p.docs[1].dropped && !p.docs[0].dropped);
        assert_eq!(
            (
                p.counts.documents_dropped,
                p.counts.documents_emptied,
                p.counts.documents_changed
            ),
            (1, 1, 0)
        );
        assert_eq!(p.counts.bytes_removed, (A.len() + "Reuter".len()) as u64);
    }

    #[test]
    fn empty_documents_are_never_dropped() {
        let s = scan(&["", "   ", A, A], UnitKind::Document);
        let p = plan(&s, Keep::First);
        let dropped: Vec<bool> = p.docs.iter().map(|d| d.dropped).collect();
        assert_eq!(dropped, [false, false, false, true]);
        assert!(p.docs[0].unchanged() && p.docs[1].unchanged());
    }
}
