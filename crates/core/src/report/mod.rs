//! The report: dupscan's public contract, and one writer per output format.
//!
//! [`Report`] is built from a [`Scan`] and serialized with stable field names
//! (documented in the README under "Report format"). Writers implement
//! [`ReportWriter`]: [`Json`], [`JsonCompact`], [`JsonLines`], [`Text`] and [`Html`]. [`ReportFile`]
//! and its parts read a written report back.

mod file;
mod html;
mod json;
mod text;

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

pub use file::{GroupRecord, MemberRecord, ReportFile, ReportHeader};
pub use html::{Decisions, Html};
pub use json::{Json, JsonCompact, JsonLines};
pub use text::{Text, TextSort};

use crate::cluster::Via;
use crate::config;
use crate::offsets::{self, CharIndex};
use crate::pipeline::{Scan, ScanStats};
use crate::segment::Span;

/// The tool that wrote a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// Always `dupscan`.
    pub name: String,
    /// The crate version.
    pub version: String,
}

/// Every parameter that shaped the result: the inputs and fields read, and
/// the algorithm's [`config::Params`] (flattened: their fields sit at this
/// level, between `reference` and `text_field`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Inputs as given.
    pub inputs: Vec<String>,
    /// Reference inputs (contamination checks); empty otherwise.
    #[serde(default)]
    pub reference: Vec<String>,
    /// The algorithm's parameters.
    #[serde(flatten)]
    pub scan: config::Params,
    /// JSONL text field.
    pub text_field: String,
    /// JSONL id field.
    pub id_field: String,
    /// The text fields after the first (`--text-field` given several
    /// times), joined to it by newlines; absent for one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_text_fields: Vec<String>,
    /// The reference's text field, when `--reference-text-field` gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_text_field: Option<String>,
    /// The reference's id field, when `--reference-id-field` gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_id_field: Option<String>,
}

/// Counters: the scan's own [`ScanStats`], serialized as they are.
/// `seconds` is the only field that varies between identical runs.
pub type Stats = ScanStats;

/// One member of a group, borrowed from the scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportMember<'a> {
    /// Document id.
    pub doc: &'a str,
    /// The file the document came from, as displayed.
    pub source: &'a str,
    /// Index of the unit in its document.
    pub unit: u32,
    /// Start byte offset in the document's text.
    pub start: u32,
    /// End byte offset (exclusive).
    pub end: u32,
    /// Similarity to the representative: exact Jaccard similarity of the two
    /// units, or of the two aligned spans for a member joined by span
    /// alignment (`via: "span"`).
    pub similarity: f64,
    /// How the member is tied to the representative: `representative`,
    /// `exact` (same normalized text), `unit` (whole units similar enough),
    /// `span` (an aligned span covering enough of one of the two units).
    pub via: Via,
    /// Start byte offset of the part of the unit that matched (the unit's
    /// `start` when all of it did).
    pub match_start: u32,
    /// End byte offset (exclusive) of the part that matched.
    pub match_end: u32,
    /// `start` in code points (characters) of the document's text, for
    /// languages that slice strings by character (Python).
    pub char_start: u32,
    /// `end` in code points.
    pub char_end: u32,
    /// `match_start` in code points.
    pub match_char_start: u32,
    /// `match_end` in code points.
    pub match_char_end: u32,
    /// The unit's original text; left out of reports written without
    /// member texts (`--no-text`, `dedup --report spans`), which keep the
    /// offsets only.
    #[serde(skip_serializing_if = "is_empty")]
    pub text: Cow<'a, str>,
    /// In a contamination check (`--reference`), which side the unit is on;
    /// absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<Side>,
    /// With several text fields: the field the unit starts in; absent
    /// otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'a str>,
    /// With several text fields: the unit's start as a byte offset in
    /// `field`'s own text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_start: Option<u32>,
    /// With several text fields: the unit's end in `field`'s own text
    /// (exclusive; cut at the field's end when the unit runs on past it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_end: Option<u32>,
}

fn is_empty(text: &str) -> bool {
    text.is_empty()
}

/// The side of a member in a contamination check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// A unit of the reference (benchmark) inputs.
    Reference,
    /// A unit of the corpus being checked.
    Corpus,
}

/// One contaminated reference item (a reference document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContaminatedItem {
    /// The reference document id.
    pub doc: String,
    /// The file it came from.
    pub source: String,
    /// Its units that matched corpus units.
    pub matched_units: u64,
    /// Its units compared (not skipped as too short).
    pub units: u64,
    /// Distinct corpus units matching any of its units.
    pub corpus_units: u64,
    /// Distinct corpus documents holding those units.
    pub corpus_documents: u64,
    /// Ids of the groups involved.
    pub groups: Vec<u64>,
    /// The corpus document that holds most of the item (absent from reports
    /// of earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best: Option<BestMatch>,
}

/// Where a contaminated reference item is found best.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BestMatch {
    /// The corpus document id.
    pub doc: String,
    /// The share of the item's text (bytes) matched in that document.
    pub covered: f64,
    /// Start byte offset of the matched text in the corpus document.
    pub match_start: u32,
    /// End byte offset (exclusive).
    pub match_end: u32,
    /// With containment: the share of the item's distinct counted word
    /// n-grams the match covers (absent when only the unit comparison
    /// found the item, and in reports of earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub containment: Option<f64>,
    /// With containment: start byte offset of the matched part of the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_start: Option<u32>,
    /// With containment: end byte offset (exclusive) of that part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_end: Option<u32>,
}

/// A reference item that could not be checked, listed so that no item
/// passes a check unseen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UncheckedItem {
    /// The reference document id.
    pub doc: String,
    /// The file it came from.
    pub source: String,
    /// Its words (normalized tokens).
    pub words: u64,
    /// Why it was not checked.
    pub reason: String,
}

/// The per-reference-item summary of a contamination check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contamination {
    /// Reference documents read.
    pub reference_documents: u64,
    /// Reference documents with at least one matched unit.
    pub contaminated_documents: u64,
    /// Corpus units matching some reference unit.
    pub corpus_units: u64,
    /// The contaminated items, in reference input order.
    pub items: Vec<ContaminatedItem>,
    /// Reference documents that could not be checked (absent from reports
    /// of earlier versions: 0).
    #[serde(default)]
    pub unchecked_documents: u64,
    /// Those documents, in reference input order.
    #[serde(default)]
    pub unchecked: Vec<UncheckedItem>,
    /// With containment: an item n-gram held by more corpus documents than
    /// this was common, not counted (absent without containment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub common_ngram_documents: Option<u32>,
}

/// One group of near-duplicates, as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportGroup<'a> {
    /// Position of the group in the report, from 0.
    pub id: u64,
    /// Number of members.
    pub size: u64,
    /// Number of distinct documents among the members.
    pub documents: u64,
    /// Smallest similarity seen in the group.
    pub min_similarity: f64,
    /// Members by input order; the first is the representative.
    pub members: Vec<ReportMember<'a>>,
}

/// A whole report: a view of a [`Scan`].
///
/// The header (tool, parameters, counters, contamination summary) is built
/// up front; groups are built one at a time by [`Report::group`] as they are
/// written, borrowing their text from the scan, so a report of millions of
/// members costs no memory of its own.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// Who wrote it.
    pub tool: Tool,
    /// With which parameters.
    pub params: Params,
    /// Counters.
    pub stats: Stats,
    /// Per-reference-item summary; present only with `--reference`.
    pub contamination: Option<Contamination>,
    /// What `dedup` kept and removed, for the HTML report; `None` for a scan.
    pub decisions: Option<Decisions>,
    scan: &'a Scan,
    /// Every source's path as displayed, formatted once.
    sources: Vec<String>,
    /// Whether members carry their texts (true unless
    /// [`Report::without_texts`]).
    pub member_texts: bool,
    /// The corpus's text fields, then the reference's, in order.
    text_fields: [Vec<String>; 2],
    /// Code-point indexes of the long documents members were met in.
    chars: CharCache,
}

/// Documents at least this long get a [`CharIndex`], kept for the report's
/// life; shorter ones are counted from their start each time.
const INDEXED_DOC: usize = 16 * 1024;

/// [`CharIndex`]es of long documents, built when a member of one is first
/// written (4 bytes per 4 KiB of such documents).
#[derive(Debug, Default)]
struct CharCache(Mutex<HashMap<u32, Arc<CharIndex>>>);

impl Clone for CharCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl CharCache {
    /// Code-point offsets of the byte offsets `bytes` in document `doc`.
    fn offsets<const N: usize>(&self, doc: u32, text: &str, bytes: [u32; N]) -> [u32; N] {
        if text.len() < INDEXED_DOC {
            return offsets::char_offsets(text, bytes);
        }
        let index = {
            let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(
                cache
                    .entry(doc)
                    .or_insert_with(|| Arc::new(CharIndex::new(text))),
            )
        };
        bytes.map(|b| index.char_offset(text, b))
    }
}

impl<'a> Report<'a> {
    /// The report of a scan.
    pub fn from_scan(scan: &'a Scan) -> Self {
        let c = &scan.config;
        let paths = |v: &[std::path::PathBuf]| v.iter().map(|p| p.display().to_string()).collect();
        let params = Params {
            inputs: paths(&c.inputs),
            reference: paths(&c.reference),
            scan: c.params,
            text_field: c.read.text_field.clone(),
            id_field: c.read.id_field.clone(),
            more_text_fields: c.read.more_text_fields.clone(),
            reference_text_field: c.reference_fields.text_field.clone(),
            reference_id_field: c.reference_fields.id_field.clone(),
        };
        let stats = scan.stats;
        let contamination = (!c.reference.is_empty()).then(|| contamination(scan));
        Report {
            tool: Tool {
                name: "dupscan".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            params,
            stats,
            contamination,
            decisions: None,
            scan,
            text_fields: [c.read.clone(), c.reference_read()]
                .map(|r| r.text_fields().map(str::to_owned).collect()),
            sources: scan
                .corpus
                .sources
                .iter()
                .map(|s| s.path.display().to_string())
                .collect(),
            chars: CharCache::default(),
            member_texts: true,
        }
    }

    /// The report without member texts: offsets only, for reports sized
    /// for machines (the texts are in the corpus).
    #[must_use]
    pub fn without_texts(mut self) -> Self {
        self.member_texts = false;
        self
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.scan.groups.len()
    }

    /// Whether the report has no group.
    pub fn is_empty(&self) -> bool {
        self.scan.groups.is_empty()
    }

    /// Number of members of group `id`, without building it.
    pub fn group_size(&self, id: usize) -> usize {
        self.scan.groups[id].members.len()
    }

    /// Duplicated bytes of group `id`: the matched bytes of its members
    /// other than the representative (what dedup would remove).
    pub fn group_bytes(&self, id: usize) -> u64 {
        let scan = self.scan;
        scan.groups[id]
            .members
            .iter()
            .skip(1)
            .map(|m| {
                let span = m.range.unwrap_or(scan.units.span(m.unit));
                u64::from(span.end - span.start)
            })
            .sum()
    }

    /// Bytes of member text group `id` puts in the report: its members'
    /// unit texts, or 0 without them ([`Report::without_texts`]). Bounds
    /// what the writers hold at once.
    pub fn group_text_bytes(&self, id: usize) -> u64 {
        if !self.member_texts {
            return 0;
        }
        let scan = self.scan;
        scan.groups[id]
            .members
            .iter()
            .map(|m| {
                let span = scan.units.span(m.unit);
                u64::from(span.end - span.start)
            })
            .sum()
    }

    /// Group `id` (`id < self.len()`) with its members.
    pub fn group(&self, id: usize) -> ReportGroup<'_> {
        self.group_head(id, usize::MAX)
    }

    /// Group `id` with at most its first `limit` members.
    pub fn group_head(&self, id: usize, limit: usize) -> ReportGroup<'_> {
        let g = &self.scan.groups[id];
        ReportGroup {
            id: id as u64,
            size: g.members.len() as u64,
            documents: u64::from(g.documents),
            min_similarity: g.min_similarity,
            members: self.members(id, 0..limit.min(g.members.len())),
        }
    }

    /// Members `range` of group `id`, as [`Report::group`] shows them (a
    /// writer can serialize a large group a slice at a time).
    pub fn members(&self, id: usize, range: std::ops::Range<usize>) -> Vec<ReportMember<'_>> {
        let scan = self.scan;
        let reference = scan.reference_docs > 0;
        scan.groups[id].members[range]
            .iter()
            .map(|m| {
                let u = scan.units.get(m.unit);
                let doc = &scan.corpus.docs[u.doc as usize];
                let (match_start, match_end) = m
                    .range
                    .map_or((u.span.start, u.span.end), |r| (r.start, r.end));
                let [char_start, char_end, match_char_start, match_char_end] =
                    match &scan.unit_texts {
                        // Members match whole there (no range).
                        Some(t) if m.range.is_none() => {
                            let [start, end] = t.chars(m.unit);
                            [start, end, start, end]
                        }
                        _ => self.chars.offsets(
                            u.doc,
                            &doc.text,
                            [u.span.start, u.span.end, match_start, match_end],
                        ),
                    };
                let names = &self.text_fields[usize::from(scan.is_reference(m.unit))];
                let field = (!doc.joins.is_empty()).then(|| {
                    let field = doc.field_at(u.span.start);
                    let range = doc.field_range(field);
                    let at =
                        |offset: u32| (offset as usize).clamp(range.start, range.end) - range.start;
                    (
                        names.get(field).map_or("", String::as_str),
                        at(u.span.start) as u32,
                        at(u.span.end) as u32,
                    )
                });
                ReportMember {
                    doc: &doc.id,
                    source: &self.sources[doc.source as usize],
                    unit: u.index,
                    start: u.span.start,
                    end: u.span.end,
                    similarity: m.similarity,
                    via: m.via,
                    match_start,
                    match_end,
                    char_start,
                    char_end,
                    match_char_start,
                    match_char_end,
                    text: match &scan.unit_texts {
                        _ if !self.member_texts => Cow::Borrowed(""),
                        Some(t) => t.text(m.unit),
                        None => Cow::Borrowed(scan.text(m.unit)),
                    },
                    side: reference.then(|| {
                        if scan.is_reference(m.unit) {
                            Side::Reference
                        } else {
                            Side::Corpus
                        }
                    }),
                    field: field.map(|f| f.0),
                    field_start: field.map(|f| f.1),
                    field_end: field.map(|f| f.2),
                }
            })
            .collect()
    }

    /// The header: everything but the groups.
    pub(crate) fn header(&self) -> Header<'_> {
        Header {
            tool: &self.tool,
            params: &self.params,
            stats: &self.stats,
            contamination: self.contamination.as_ref(),
        }
    }
}

/// The fields of a report before its groups, in order.
#[derive(Serialize)]
pub(crate) struct Header<'r> {
    tool: &'r Tool,
    params: &'r Params,
    stats: &'r Stats,
    #[serde(skip_serializing_if = "Option::is_none")]
    contamination: Option<&'r Contamination>,
}

/// The whole report as one object: the header's fields, then `groups`.
impl Serialize for Report<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Groups<'r, 'a>(&'r Report<'a>);
        impl Serialize for Groups<'_, '_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq((0..self.0.len()).map(|i| self.0.group(i)))
            }
        }
        let fields = if self.contamination.is_some() { 5 } else { 4 };
        let mut st = s.serialize_struct("Report", fields)?;
        st.serialize_field("tool", &self.tool)?;
        st.serialize_field("params", &self.params)?;
        st.serialize_field("stats", &self.stats)?;
        if let Some(c) = &self.contamination {
            st.serialize_field("contamination", c)?;
        }
        st.serialize_field("groups", &Groups(self))?;
        st.end()
    }
}

/// Writes a report in one format.
pub trait ReportWriter {
    /// Writes `report` to `out`.
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// Summarises a contamination check per reference document.
fn contamination(scan: &Scan) -> Contamination {
    use std::collections::BTreeMap;
    #[derive(Default)]
    struct Acc {
        matched: Vec<u32>,
        corpus: Vec<u32>,
        groups: Vec<u64>,
    }
    fn sorted(mut v: Vec<u32>) -> Vec<u32> {
        v.sort_unstable();
        v.dedup();
        v
    }
    let mut per_doc: BTreeMap<u32, Acc> = BTreeMap::new();
    let mut all_corpus: Vec<u32> = Vec::new();
    // (item, corpus document) -> item ranges matched, corpus range.
    let mut places: BTreeMap<(u32, u32), (Vec<Span>, Span)> = BTreeMap::new();
    let range = |m: &crate::cluster::Member| m.range.unwrap_or(scan.units.span(m.unit));
    for g in &scan.groups {
        for r in g.members.iter().filter(|m| scan.is_reference(m.unit)) {
            for c in g.members.iter().filter(|m| !scan.is_reference(m.unit)) {
                let key = (scan.units.doc(r.unit), scan.units.doc(c.unit));
                let cr = range(c);
                let e = places.entry(key).or_insert((Vec::new(), cr));
                e.0.push(range(r));
                e.1 = Span {
                    start: e.1.start.min(cr.start),
                    end: e.1.end.max(cr.end),
                };
            }
        }
    }
    let item_len = |item: u32| scan.corpus.docs[item as usize].text.trim().len().max(1) as f64;
    let contained_best = |item: u32| -> Option<BestMatch> {
        let check = scan.contained.as_ref()?;
        let lo = check.matches.partition_point(|m| m.item < item);
        let best = check.matches[lo..]
            .iter()
            .take_while(|m| m.item == item)
            .fold(
                None,
                |best: Option<&crate::contain::ItemMatch>, m| match best {
                    Some(b) if b.share >= m.share => Some(b),
                    _ => Some(m),
                },
            )?;
        let doc = scan.reference_docs + best.doc;
        let r = best.item_range;
        Some(BestMatch {
            doc: scan.corpus.docs[doc as usize].id.clone(),
            covered: (f64::from(r.end - r.start) / item_len(item)).min(1.0),
            match_start: best.doc_range.start,
            match_end: best.doc_range.end,
            containment: Some(best.share),
            item_start: Some(r.start),
            item_end: Some(r.end),
        })
    };
    let best_of = |item: u32| -> Option<BestMatch> {
        if let Some(best) = contained_best(item) {
            return Some(best);
        }
        let len = item_len(item);
        places
            .range((item, 0)..=(item, u32::MAX))
            .map(|(&(_, doc), (ranges, at))| {
                let mut ranges = ranges.clone();
                ranges.sort_unstable();
                let (mut covered, mut end) = (0u32, 0u32);
                for r in ranges {
                    let start = r.start.max(end);
                    if r.end > start {
                        covered += r.end - start;
                    }
                    end = end.max(r.end);
                }
                (f64::from(covered) / len, doc, *at)
            })
            .fold(None, |best: Option<(f64, u32, Span)>, x| match best {
                Some(b) if b.0 >= x.0 => Some(b),
                _ => Some(x),
            })
            .map(|(covered, doc, at)| BestMatch {
                doc: scan.corpus.docs[doc as usize].id.clone(),
                covered: covered.min(1.0),
                match_start: at.start,
                match_end: at.end,
                containment: None,
                item_start: None,
                item_end: None,
            })
    };
    for (gid, g) in scan.groups.iter().enumerate() {
        let (refs, corpus): (Vec<u32>, Vec<u32>) = g
            .members
            .iter()
            .map(|m| m.unit)
            .partition(|&u| scan.is_reference(u));
        all_corpus.extend(&corpus);
        for &r in &refs {
            let acc = per_doc.entry(scan.units.doc(r)).or_default();
            acc.matched.push(r);
            acc.corpus.extend(&corpus);
            if acc.groups.last() != Some(&(gid as u64)) {
                acc.groups.push(gid as u64);
            }
        }
    }
    let mut compared: BTreeMap<u32, u64> = BTreeMap::new();
    for (i, u) in scan.units.iter().enumerate() {
        if u.doc < scan.reference_docs && scan.compared(i as u32) {
            *compared.entry(u.doc).or_default() += 1;
        }
    }
    let items: Vec<ContaminatedItem> = per_doc
        .into_iter()
        .map(|(doc, acc)| {
            let corpus = sorted(acc.corpus);
            let docs = sorted(corpus.iter().map(|&u| scan.units.doc(u)).collect());
            let d = &scan.corpus.docs[doc as usize];
            ContaminatedItem {
                doc: d.id.clone(),
                source: scan.corpus.sources[d.source as usize]
                    .path
                    .display()
                    .to_string(),
                matched_units: sorted(acc.matched).len() as u64,
                units: compared.get(&doc).copied().unwrap_or(0),
                corpus_units: corpus.len() as u64,
                corpus_documents: docs.len() as u64,
                groups: acc.groups,
                best: best_of(doc),
            }
        })
        .collect();
    let unchecked = unchecked(scan, &compared);
    Contamination {
        reference_documents: u64::from(scan.reference_docs),
        contaminated_documents: items.len() as u64,
        corpus_units: sorted(all_corpus).len() as u64,
        items,
        unchecked_documents: unchecked.len() as u64,
        unchecked,
        common_ngram_documents: scan.contained.as_ref().map(|c| c.common_above),
    }
}

/// The reference documents that could not be checked: with containment,
/// those of fewer words than its n-grams; without, those with no unit long
/// enough to compare (`compared`: units compared per reference document).
fn unchecked(scan: &Scan, compared: &std::collections::BTreeMap<u32, u64>) -> Vec<UncheckedItem> {
    let params = &scan.config.params;
    (0..scan.reference_docs)
        .filter_map(|d| {
            let (words, reason) = match &scan.contained {
                Some(check) => {
                    let item = check.items.get(d as usize)?;
                    if item.checked {
                        return None;
                    }
                    (
                        u64::from(item.words),
                        format!(
                            "fewer than {} words, the shortest item containment checks",
                            params.contain.ngram
                        ),
                    )
                }
                None => {
                    if compared.contains_key(&d) {
                        return None;
                    }
                    let text = &scan.corpus.docs[d as usize].text;
                    (
                        params.normalizer.normalize(text).split_whitespace().count() as u64,
                        format!(
                            "no unit of at least {} words (--min-tokens) and containment is off",
                            params.min_tokens
                        ),
                    )
                }
            };
            let doc = &scan.corpus.docs[d as usize];
            Some(UncheckedItem {
                doc: doc.id.clone(),
                source: scan.corpus.sources[doc.source as usize]
                    .path
                    .display()
                    .to_string(),
                words,
                reason,
            })
        })
        .collect()
}
