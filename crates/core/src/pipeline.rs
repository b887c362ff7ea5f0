//! The one place that sequences the stages.
//!
//! (read, by the `dupscan` crate's `pipeline::run`) → segment
//! ([`crate::units::segment_docs`]) →
//! exact classes ([`crate::exact`]) → sign and band the class
//! representatives ([`crate::sign`]) → candidate pairs ([`crate::lsh`]) →
//! verify ([`crate::verify`]) → cluster ([`crate::cluster`]).
//!
//! Every stage is a public function on plain data, so a benchmark, a staged
//! run or a binding can call them one by one; this module only wires them
//! together and counts. Every unit gets a global id: its position in input
//! order (file, then line, then position in the document). Every parallel
//! step writes into slots indexed by id or sorts its output, so the result
//! does not depend on the number of threads. Text is held once, in the
//! documents; units are spans into it (see README, "Memory").

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::align::{self, AlignStats, MutedRange};
use crate::cluster::{self, Clustering, Via};
use crate::config::{Containment, Params, ScanConfig, SpanPath, Verification};
use crate::contain::{self, ContainCheck};
use crate::corpus::Corpus;
use crate::exact;
use crate::links::{self, Link, SpanPair};
use crate::progress::{Progress, Stage};
use crate::segment::Span;
use crate::shingle::Shingler;
use crate::sign;
use crate::units::{self, ExactClasses, UnitSet, Units};
use crate::verify::{self, Match};

pub use crate::cluster::{Group, Member};

/// Counters of a scan; the report's `stats` object (field names and order
/// are part of the report contract).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanStats {
    /// Documents read.
    pub documents: u64,
    /// Units segmented.
    pub units: u64,
    /// Units skipped for having fewer than `min_tokens` tokens.
    pub skipped_units: u64,
    /// Units whose normalized text equals an earlier unit's.
    pub exact_duplicate_units: u64,
    /// Candidate pairs from LSH.
    pub candidate_pairs: u64,
    /// Candidate pairs that passed verification.
    pub verified_pairs: u64,
    /// Groups reported.
    pub groups: u64,
    /// Units in reported groups other than the representatives.
    pub duplicate_units: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Documents with invalid UTF-8 replaced.
    pub invalid_utf8: u64,
    /// JSONL records with lone surrogate escapes read as U+FFFD (absent
    /// from reports of earlier versions: 0).
    #[serde(default)]
    pub lone_surrogates: u64,
    /// Documents whose id an earlier document of the same inputs (corpus or
    /// reference) already has (absent from reports of earlier versions: 0).
    #[serde(default)]
    pub duplicate_ids: u64,
    /// Malformed lines skipped.
    pub bad_lines: u64,
    /// Verified span pairs from span alignment (0 when it is off).
    #[serde(default)]
    pub span_pairs: u64,
    /// Unit links those span pairs made.
    #[serde(default)]
    pub span_links: u64,
    /// Fingerprint hashes too frequent to be seeds (boilerplate: sign-offs,
    /// licence lines, navigation), and so never aligned.
    #[serde(default)]
    pub span_boilerplate_hashes: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// The result of a scan: the corpus, its units and the groups found.
#[derive(Debug, Clone)]
pub struct Scan {
    /// The configuration used.
    pub config: ScanConfig,
    /// Everything read: reference documents first (when checking for
    /// contamination), then the corpus.
    pub corpus: Corpus,
    /// How many of `corpus.docs` (and of `corpus.sources`, see
    /// [`Scan::reference_sources`]) are reference documents; 0 for a plain scan.
    pub reference_docs: u32,
    /// How many of `corpus.sources` are reference files.
    pub reference_sources: u32,
    /// Every unit by global id.
    pub units: Units,
    /// The units that were compared (the others were skipped as shorter
    /// than `min_tokens`).
    pub compared: UnitSet,
    /// Groups ordered by representative.
    pub groups: Vec<Group>,
    /// The verified pairs that joined the groups, between exact classes
    /// (see [`Member::class`]), sorted. With `--no-verify`, every candidate
    /// pair with its exact similarity.
    pub matches: Vec<Match>,
    /// Units joined by span alignment, with the matched range in each,
    /// sorted by `(a, b)`.
    pub links: Vec<Link>,
    /// Exact classes: units whose normalized text equals an earlier unit's.
    pub classes: ExactClasses,
    /// In a contamination check with containment on: what was checked of
    /// each reference item and where each is contained (item and document
    /// indexes count reference and corpus documents apart, from 0).
    pub contained: Option<ContainCheck>,
    /// Counters.
    pub stats: ScanStats,
    /// Where the report takes its members' texts and code-point offsets
    /// from when the corpus does not hold them (a staged run's cluster step
    /// keeps no document text); `None`: from `corpus`.
    pub unit_texts: Option<std::sync::Arc<dyn UnitTexts>>,
}

/// Members' texts and code-point offsets kept outside the corpus, for a
/// [`Scan`] whose documents hold no text (see [`Scan::unit_texts`]). Only
/// for scans whose members match whole (no [`Member::range`]: span
/// alignment off).
pub trait UnitTexts: std::fmt::Debug + Send + Sync {
    /// The original text of unit `id`, a member of a group.
    fn text(&self, id: u32) -> std::borrow::Cow<'_, str>;
    /// The code-point offsets of unit `id`'s start and end in its document.
    fn chars(&self, id: u32) -> [u32; 2];
}

impl Scan {
    /// Whether unit `id` belongs to the reference side.
    pub fn is_reference(&self, id: u32) -> bool {
        self.units.doc(id) < self.reference_docs
    }

    /// The exact class of unit `id`: the smallest id with the same
    /// normalized text.
    pub fn class_of(&self, id: u32) -> u32 {
        self.classes.of(id)
    }

    /// Whether unit `id` was compared (not skipped as too short).
    pub fn compared(&self, id: u32) -> bool {
        self.compared.contains(id)
    }

    /// The original text of unit `id`.
    pub fn text(&self, id: u32) -> &str {
        let doc = self.units.doc(id);
        self.units
            .span(id)
            .text(&self.corpus.docs[doc as usize].text)
    }
}

thread_local! {
    /// Normalization scratch for verification, one per worker thread.
    static NORM: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Contamination check: scans `reference` and `corpus` together (reference
/// first, so a group's representative is a reference unit whenever it has
/// one) and keeps only the groups that join a reference unit with a corpus
/// unit. With containment on (the default), each reference document is an
/// item looked for whole in every corpus document ([`contain::check`]):
/// where one holds enough of it, the item's units are joined with the
/// corpus units of the matched region, each with the part of it they hold
/// (`via: contained`), beside what the unit comparison joins.
pub fn scan_against_reference(
    config: &ScanConfig,
    reference: Corpus,
    corpus: Corpus,
    progress: &dyn Progress,
) -> Scan {
    let reference_docs = reference.docs.len() as u32;
    let reference_sources = reference.sources.len() as u32;
    let mut joined = reference;
    joined.sources.extend(corpus.sources);
    joined.docs.extend(corpus.docs.into_iter().map(|mut d| {
        d.source += reference_sources;
        d
    }));
    joined.stats.bytes += corpus.stats.bytes;
    joined.stats.invalid_utf8 += corpus.stats.invalid_utf8;
    joined.stats.lone_surrogates += corpus.stats.lone_surrogates;
    joined.stats.duplicate_ids += corpus.stats.duplicate_ids;
    joined.stats.bad_lines += corpus.stats.bad_lines;
    joined.stats.blank_lines += corpus.stats.blank_lines;
    joined.warnings.extend(corpus.warnings);
    run_stages(config, joined, reference_docs, reference_sources, progress)
}

/// Runs every stage after reading, on an already read corpus.
pub fn scan_corpus(config: &ScanConfig, corpus: Corpus, progress: &dyn Progress) -> Scan {
    run_stages(config, corpus, 0, 0, progress)
}

fn run_stages(
    config: &ScanConfig,
    corpus: Corpus,
    reference_docs: u32,
    reference_sources: u32,
    progress: &dyn Progress,
) -> Scan {
    let started = Instant::now();
    let params = &config.params;
    // Stages without a callback of their own report their whole count when
    // done, so that no bar stays at 0.
    let docs = corpus.docs.len() as u64;
    progress.start(Stage::Segmenting, Some(docs));
    let units = units::segment_docs(&corpus.docs, |d| &d.text, params.unit);
    progress.advance(docs);
    progress.finish();
    let text_of = |id: u32| -> &str {
        let doc = units.doc(id);
        units.span(id).text(&corpus.docs[doc as usize].text)
    };
    let shingler = Shingler::new(params.shingle, params.ngram, params.seed);
    let set_of = |id: u32, norm: &mut String, buf: &mut Vec<u64>| {
        params.normalizer.normalize_into(text_of(id), norm);
        shingler.set(norm, buf);
    };

    progress.start(Stage::Fingerprinting, Some(units.len() as u64));
    let prints = exact::fingerprints(&units, params, &text_of);
    let compared = UnitSet::from_ids(units.len(), prints.iter().map(|p| p.1));
    let skipped = units.len() as u64 - prints.len() as u64;
    let (classes, reps) = exact::classes(prints);
    progress.advance(units.len() as u64);
    progress.finish();
    let exact_duplicates = units.len() as u64 - skipped - reps.len() as u64;

    progress.start(Stage::Signing, Some(reps.len() as u64));
    let keys = sign::band_keys(&reps, params, &text_of, &|n| progress.advance(n));
    progress.finish();
    let bands = params.bands.bands as u64;
    progress.start(Stage::Banding, Some(bands));
    let pairs: Vec<(u32, u32)> = keys
        .candidate_pairs(params.bands.bands)
        .into_iter()
        .map(|(a, b)| (reps[a as usize], reps[b as usize]))
        .collect();
    drop(keys);
    progress.advance(bands);
    progress.finish();

    progress.start(Stage::Verifying, Some(pairs.len() as u64));
    let set_fn = |id: u32, buf: &mut Vec<u64>| {
        NORM.with_borrow_mut(|norm| set_of(id, norm, buf));
    };
    let matches = match params.verification {
        Verification::Exact => {
            verify::verify(&pairs, params.threshold, set_fn, &|n| progress.advance(n))
        }
        Verification::Trust => verify::similarities(&pairs, set_fn),
    };
    progress.finish();

    let (links, aligned) = if params.spans == SpanPath::On {
        progress.start(Stage::Aligning, Some(docs));
        let found = align_spans(&corpus, &units, &classes, &matches, params, reference_docs);
        progress.advance(docs);
        progress.finish();
        found
    } else {
        (Vec::new(), AlignStats::default())
    };
    let mut links = links;
    let (contained, contain_pairs) = if reference_docs > 0 && params.containment == Containment::On
    {
        let items = u64::from(reference_docs);
        progress.start(Stage::Containing, Some(items));
        let (found, check) = contain_items(&corpus, &units, params, reference_docs);
        progress.advance(items);
        progress.finish();
        let mut pairs: Vec<(u32, u32)> = found
            .iter()
            .map(|l| {
                let (a, b) = (classes.of(l.a), classes.of(l.b));
                (a.min(b), a.max(b))
            })
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        links.extend(found);
        links.sort_by_key(|l| (l.a, l.b));
        (Some(check), pairs)
    } else {
        (None, Vec::new())
    };

    progress.start(Stage::Clustering, Some(units.len() as u64));
    let groups = cluster::groups(
        &Clustering {
            units: &units,
            classes: &classes,
            matches: &matches,
            links: &links,
            scope: params.scope,
            grouping: params.grouping,
            threshold: params.threshold,
            reference_docs,
        },
        &set_of,
    );
    progress.advance(units.len() as u64);
    progress.finish();
    let mut groups = groups;
    if !contain_pairs.is_empty() {
        mark_contained(&mut groups, &contain_pairs);
    }

    let stats = ScanStats {
        documents: corpus.docs.len() as u64,
        units: units.len() as u64,
        skipped_units: skipped,
        exact_duplicate_units: exact_duplicates,
        candidate_pairs: pairs.len() as u64,
        verified_pairs: matches.len() as u64,
        groups: groups.len() as u64,
        duplicate_units: groups.iter().map(|g| g.members.len() as u64 - 1).sum(),
        bytes: corpus.stats.bytes,
        invalid_utf8: corpus.stats.invalid_utf8,
        lone_surrogates: corpus.stats.lone_surrogates,
        duplicate_ids: corpus.stats.duplicate_ids,
        bad_lines: corpus.stats.bad_lines,
        span_pairs: aligned.verified,
        span_links: links.len() as u64,
        span_boilerplate_hashes: aligned.dropped_hashes,
        seconds: started.elapsed().as_secs_f64(),
    };
    Scan {
        config: config.clone(),
        corpus,
        reference_docs,
        reference_sources,
        units,
        compared,
        groups,
        matches,
        links,
        classes,
        contained,
        stats,
        unit_texts: None,
    }
}

/// Containment ([`contain::check`]) of every reference document (an item)
/// in every corpus document, cut into unit links: for each match, the
/// item's first unit in the matched part of the item is linked with every
/// corpus unit in the matched region of the document and with the item's
/// other units in the matched part, each side's range the part of the unit
/// inside the match, scored by the covered share of the item.
fn contain_items(
    corpus: &Corpus,
    units: &Units,
    params: &Params,
    reference_docs: u32,
) -> (Vec<Link>, ContainCheck) {
    let texts: Vec<&str> = corpus.docs.iter().map(|d| d.text.as_str()).collect();
    let (items, docs) = texts.split_at(reference_docs as usize);
    let check = contain::check(items, docs, &params.contain);
    let inside = |doc: u32, r: Span| {
        units
            .of_doc(doc)
            .filter(move |&u| {
                let s = units.span(u);
                s.start < r.end && r.start < s.end
            })
            .map(move |u| {
                let s = units.span(u);
                let part = Span {
                    start: s.start.max(r.start),
                    end: s.end.min(r.end),
                };
                (u, part)
            })
    };
    let mut links = Vec::new();
    for m in &check.matches {
        let mut refs = inside(m.item, m.item_range);
        let Some((head, head_part)) = refs.next() else {
            continue;
        };
        let others = refs.chain(inside(reference_docs + m.doc, m.doc_range));
        links.extend(others.map(|(u, part)| Link {
            a: head,
            b: u,
            score: m.share,
            a_range: head_part,
            b_range: part,
        }));
    }
    (links, check)
}

/// Members tied to their representative by a containment link (a pair of
/// exact classes in `pairs`, sorted) say so: `via: contained`.
fn mark_contained(groups: &mut [Group], pairs: &[(u32, u32)]) {
    for g in groups {
        let Some(rep) = g.members.first().map(|m| m.class) else {
            continue;
        };
        for m in &mut g.members[1..] {
            let key = (rep.min(m.class), rep.max(m.class));
            if m.via == Via::Span && pairs.binary_search(&key).is_ok() {
                m.via = Via::Contained;
            }
        }
    }
}

/// The span path: aligns every document's words with every other's
/// ([`align::align`]) and cuts the verified span pairs into unit links
/// ([`links::unit_links`]). Against a reference, only links between a
/// reference unit and a corpus unit are kept.
fn align_spans(
    corpus: &Corpus,
    units: &Units,
    classes: &ExactClasses,
    matches: &[Match],
    params: &Params,
    reference_docs: u32,
) -> (Vec<Link>, AlignStats) {
    let texts: Vec<&str> = corpus.docs.iter().map(|d| d.text.as_str()).collect();
    // The exact repeats are grouped with their first copy already; that
    // copy's seeds still meet any other text sharing words with them.
    let muted: Vec<MutedRange> = classes
        .repeats()
        .iter()
        .map(|&(u, _)| {
            let s = units.span(u);
            MutedRange {
                doc: units.doc(u),
                start: s.start,
                end: s.end,
            }
        })
        .collect();
    // Parameters were validated with the scan's; documents fit 32-bit
    // offsets (the reader refuses larger ones), so alignment cannot fail.
    let align_params = params.align();
    let Ok(fingerprints) = align::Fingerprints::collect_muted(&texts, &align_params, &muted) else {
        return (Vec::new(), AlignStats::default());
    };
    drop(muted);
    let index = align::SeedIndex::build(fingerprints, &align_params);
    // The fingerprint keys (8 bytes each, in many small pieces) are freed:
    // their pages go back before stage 3 and the links are made.
    crate::heap::release_freed();
    let found = index.align(&texts, &align_params);
    drop(index);
    crate::heap::release_freed();
    let pairs: Vec<SpanPair> = found
        .matches
        .into_iter()
        .filter(|m| reference_docs == 0 || (m.a.doc < reference_docs) != (m.b.doc < reference_docs))
        .map(|m| SpanPair {
            a_doc: m.a.doc,
            a: Span {
                start: m.a.start_byte,
                end: m.a.end_byte,
            },
            b_doc: m.b.doc,
            b: Span {
                start: m.b.start_byte,
                end: m.b.end_byte,
            },
            score: m.score,
        })
        .collect();
    let text = |d: u32| texts[d as usize];
    let measure = verify::TextSimilarity::new(params);
    let similarity = |x: &str, y: &str| measure.of(x, y);
    let mut link = params.link();
    if reference_docs > 0 {
        link.min_cover = params.span.reference_min_cover;
    }
    // Units already joined (one exact class, or a verified unit pair) need
    // no link: clustering and dedup would drop it.
    let joined = |a: u32, b: u32| {
        let (x, y) = (classes.of(a), classes.of(b));
        x == y
            || matches
                .binary_search_by_key(&(x.min(y), x.max(y)), |m| (m.a, m.b))
                .is_ok()
    };
    let links = links::unit_links_except(units, &text, &pairs, &link, &similarity, &joined);
    (links, found.stats)
}
