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

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

pub use file::{GroupRecord, MemberRecord, ReportFile, ReportHeader};
pub use html::{Decisions, Html};
pub use json::{Json, JsonCompact, JsonLines};
pub use text::Text;

use crate::cluster::Via;
use crate::config;
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
    /// The unit's original text.
    pub text: &'a str,
    /// In a contamination check (`--reference`), which side the unit is on;
    /// absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<Side>,
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
            sources: scan
                .corpus
                .sources
                .iter()
                .map(|s| s.path.display().to_string())
                .collect(),
        }
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

    /// Group `id` (`id < self.len()`) with its members.
    pub fn group(&self, id: usize) -> ReportGroup<'_> {
        self.group_head(id, usize::MAX)
    }

    /// Group `id` with at most its first `limit` members.
    pub fn group_head(&self, id: usize, limit: usize) -> ReportGroup<'_> {
        let scan = self.scan;
        let g = &scan.groups[id];
        let reference = scan.reference_docs > 0;
        ReportGroup {
            id: id as u64,
            size: g.members.len() as u64,
            documents: u64::from(g.documents),
            min_similarity: g.min_similarity,
            members: g
                .members
                .iter()
                .take(limit)
                .map(|m| {
                    let u = scan.units.get(m.unit);
                    let doc = &scan.corpus.docs[u.doc as usize];
                    ReportMember {
                        doc: &doc.id,
                        source: &self.sources[doc.source as usize],
                        unit: u.index,
                        start: u.span.start,
                        end: u.span.end,
                        similarity: m.similarity,
                        via: m.via,
                        match_start: m.range.map_or(u.span.start, |r| r.start),
                        match_end: m.range.map_or(u.span.end, |r| r.end),
                        text: scan.text(m.unit),
                        side: reference.then(|| {
                            if scan.is_reference(m.unit) {
                                Side::Reference
                            } else {
                                Side::Corpus
                            }
                        }),
                    }
                })
                .collect(),
        }
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
    let best_of = |item: u32| -> Option<BestMatch> {
        let len = scan.corpus.docs[item as usize].text.trim().len().max(1) as f64;
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
    Contamination {
        reference_documents: u64::from(scan.reference_docs),
        contaminated_documents: items.len() as u64,
        corpus_units: sorted(all_corpus).len() as u64,
        items,
    }
}
