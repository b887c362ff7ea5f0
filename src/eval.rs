//! Scoring a report against labelled duplicate groups (`dupscan eval`).
//!
//! **Truth** is JSON Lines, one labelled group per line:
//! `{"members":[{"doc":"a","start":0,"end":57},{"doc":"b"}]}`. `doc` is a
//! string or a number (numbers are compared as their JSON text, so `7` and
//! `"7"` are the same document). `start`/`end` are byte offsets, end
//! exclusive; without them the member is the whole document. Each distinct
//! member is a *labelled unit*; a unit may appear in only one group, a group of
//! one is a labelled singleton, and blank lines are ignored. A member may
//! carry a `kind` (a string, such as `gen_corpus`'s `edited` or
//! `hard-wrap`): the kind of copy it is, which recall is also broken down by.
//!
//! **Prediction** is any of: a dupscan JSON report, a dupscan JSON Lines
//! report (header line, then one group per line), or groups JSON Lines in the
//! truth format (so other tools' output can be scored). The format is detected
//! from the first non-blank line; see [`PredictedFormat`]. dupscan reports are
//! read through the report's own types ([`ReportFile::read_groups`],
//! [`ReportHeader`], [`GroupRecord`]), one group at a time, so a report that
//! is not one dupscan writes is refused naming its line. A reported member
//! with `match_start` and `match_end` (byte offsets in the document, like
//! `start` and `end`: the part of its unit that was found to match) is
//! matched by that range instead of `[start, end)`, so a unit that holds a
//! copy among other text is matched by the copy.
//!
//! **Matching.** A reported member with a span matches a labelled span unit of
//! the same document when they overlap by at least half of the *labelled*
//! unit's length: `2 × overlap ≥ end − start`. Of several matching units it
//! takes the one with the largest overlap (ties: smallest start, then file
//! order). If no span unit matches, it matches the document-level unit of its
//! document, if labelled. A reported member without a span matches only a
//! document-level unit. A reported member that matches nothing is
//! *unmatched* and stands for itself.
//!
//! **Clusterings.** Every labelled unit and every unmatched reported member is
//! an item. The true clustering is the labelled groups (unmatched members are
//! singletons in it). The predicted clustering puts the items of each reported
//! group together; several reported members that match one unit count once,
//! and a unit matched from several reported groups joins them (transitive
//! closure, like dupscan's own union-find). Items in no reported group are
//! predicted singletons.
//!
//! **Scores.** Pairs are unordered pairs of items in one cluster, counted from
//! the contingency table without listing them: true pairs `Σ_j C(b_j,2)`,
//! predicted pairs `Σ_i C(a_i,2)`, correct pairs `Σ_ij C(n_ij,2)`, where `a_i`,
//! `b_j` are cluster sizes and `n_ij` the items in predicted cluster `i` and
//! true cluster `j`. Pair precision = correct / predicted, pair recall =
//! correct / true; with no predicted (true) pairs, precision (recall) is 1 if
//! there are no true (predicted) pairs either, else 0. F1 is the harmonic mean
//! of pair precision and pair recall (0 when both are 0); it is not a "macro
//! F1" averaging two precisions. The adjusted Rand index (Hubert–Arabie) over
//! all `n` items is `(Σ C(n_ij,2) − E) / (½[Σ C(a_i,2) + Σ C(b_j,2)] − E)` with
//! `E = Σ C(a_i,2) · Σ C(b_j,2) / C(n,2)`; when the denominator is 0 it is 1 if
//! the clusterings are identical, else 0.
//!
//! **Recall by kind.** When the truth gives kinds, each kind `K` gets its
//! own pair recall: the true pairs with at least one member of kind `K`
//! (in a group of `n` units, `m` of kind `K`: `C(n,2) − C(n−m,2)`), and how
//! many of them are in one predicted cluster. A pair of two kinds counts for
//! both; originals (members without a kind) only through their copies. With
//! no true pairs of a kind, its recall is 1. Precision stays overall: a
//! false pair has no labelled kind.
//!
//! ```
//! use dupscan::eval::{score, Member, Truth};
//!
//! let truth = Truth::from_groups(vec![vec![Member::doc("a"), Member::doc("b")]])?;
//! let predicted = vec![vec![Member::span("a", 0, 40), Member::span("b", 10, 50)]];
//! let scores = score(&truth, &predicted)?;
//! assert_eq!((scores.correct_pairs, scores.f1), (1, 1.0));
//! # Ok::<(), dupscan::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::{Deserialize, Serialize};

use crate::cluster::UnionFind;
use crate::error::{Error, Result};
use crate::report::{GroupRecord, ReportFile, ReportHeader};

/// A byte span `[start, end)` in a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Start byte offset.
    pub start: u64,
    /// End byte offset (exclusive).
    pub end: u64,
}

/// A group member: a document, and optionally a span in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Member {
    /// Document id (numbers as their JSON text).
    pub doc: String,
    /// The span; `None` is the whole document.
    pub span: Option<Span>,
}

impl Member {
    /// The whole document `doc`.
    pub fn doc(doc: impl Into<String>) -> Self {
        Self {
            doc: doc.into(),
            span: None,
        }
    }

    /// Bytes `[start, end)` of document `doc`.
    pub fn span(doc: impl Into<String>, start: u64, end: u64) -> Self {
        Self {
            doc: doc.into(),
            span: Some(Span { start, end }),
        }
    }
}

/// A labelled member and its kind, if the truth gives one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    /// The member.
    pub member: Member,
    /// Its kind (`edited`, `hard-wrap`, …); `None` for an original or
    /// when the truth gives none.
    pub kind: Option<String>,
}

impl Labelled {
    /// `member` of kind `kind`.
    pub fn new(member: Member, kind: Option<&str>) -> Self {
        Self {
            member,
            kind: kind.map(str::to_owned),
        }
    }
}

impl From<Member> for Labelled {
    fn from(member: Member) -> Self {
        Self { member, kind: None }
    }
}

/// Labelled units of one document, indexed for matching.
#[derive(Debug, Clone, Default)]
struct DocUnits {
    /// The document-level unit, if labelled.
    whole: Option<u32>,
    /// Span units as `(start + end, span, unit)`, sorted: twice the midpoint
    /// first, so the units a span can match form one contiguous run.
    spans: Vec<(u128, Span, u32)>,
}

/// Labelled groups, indexed by document for matching.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    /// Every distinct labelled unit, in file order.
    units: Vec<Member>,
    /// The group of each unit.
    group_of: Vec<u32>,
    /// Number of groups.
    groups: u32,
    /// Units by document.
    index: HashMap<String, DocUnits>,
    /// Where each unit was first seen: its group number.
    seen: HashMap<Member, u32>,
    /// The kind of each unit, as an index into `kinds`.
    kind_of: Vec<Option<u32>>,
    /// Kind names, in order of first appearance.
    kinds: Vec<String>,
}

impl Truth {
    /// Labelled groups from memory. Errors name groups by 0-based index.
    pub fn from_groups(groups: Vec<Vec<Member>>) -> Result<Self> {
        Self::from_labelled_groups(
            groups
                .into_iter()
                .map(|g| g.into_iter().map(Labelled::from).collect())
                .collect(),
        )
    }

    /// Labelled groups whose members may carry a kind. Errors name groups by
    /// 0-based index.
    pub fn from_labelled_groups(groups: Vec<Vec<Labelled>>) -> Result<Self> {
        let mut truth = Truth::default();
        for (i, group) in groups.into_iter().enumerate() {
            truth.push_group(group).map_err(|e| {
                Error::Param(format!(
                    "truth group {i}: {}",
                    e.message(|g| format!("group {g}"))
                ))
            })?;
        }
        truth.finish();
        Ok(truth)
    }

    /// Number of labelled units.
    pub fn units(&self) -> usize {
        self.units.len()
    }

    /// Number of labelled groups (blank lines excluded).
    pub fn groups(&self) -> usize {
        self.groups as usize
    }

    /// The kinds the truth gives, in order of first appearance.
    pub fn kinds(&self) -> &[String] {
        &self.kinds
    }

    /// Adds one group; duplicates within it count once (the first one's
    /// kind is kept).
    fn push_group(&mut self, members: Vec<Labelled>) -> std::result::Result<(), GroupError> {
        let group = self.groups;
        for Labelled { member: m, kind } in members {
            if m.span.is_some_and(|s| s.start >= s.end) {
                return Err(GroupError::EmptySpan(m));
            }
            if let Some(&g) = self.seen.get(&m) {
                if g == group {
                    continue;
                }
                return Err(GroupError::Duplicate(m, g));
            }
            let id = u32::try_from(self.units.len()).map_err(|_| GroupError::TooMany)?;
            self.seen.insert(m.clone(), group);
            let entry = self.index.entry(m.doc.clone()).or_default();
            match m.span {
                None => entry.whole = Some(id),
                Some(s) => entry
                    .spans
                    .push((u128::from(s.start) + u128::from(s.end), s, id)),
            }
            self.units.push(m);
            self.group_of.push(group);
            let kind = kind.map(|k| match self.kinds.iter().position(|x| *x == k) {
                Some(i) => i as u32,
                None => {
                    self.kinds.push(k);
                    (self.kinds.len() - 1) as u32
                }
            });
            self.kind_of.push(kind);
        }
        self.groups = group.checked_add(1).ok_or(GroupError::TooMany)?;
        Ok(())
    }

    /// Sorts the per-document indexes.
    fn finish(&mut self) {
        for d in self.index.values_mut() {
            d.spans.sort_unstable();
        }
        self.seen = HashMap::new();
    }

    /// The labelled unit a reported member matches, if any, as the unit's
    /// index among distinct labelled units in file order.
    pub fn match_member(&self, m: &Member) -> Option<u32> {
        let d = self.index.get(&m.doc)?;
        let Some(s) = m.span else {
            return d.whole;
        };
        // 2·overlap ≥ len(unit) implies the unit's midpoint lies in [s.start,
        // s.end]: overlap ≤ unit.end − s.start and overlap ≤ s.end −
        // unit.start. So only units with start+end in [2·s.start, 2·s.end]
        // are candidates: a binary search, not a scan of the document.
        let lo = d.spans.partition_point(|u| u.0 < 2 * u128::from(s.start));
        let hi = d.spans.partition_point(|u| u.0 <= 2 * u128::from(s.end));
        let mut best: Option<(u64, Span, u32)> = None;
        for &(_, u, id) in &d.spans[lo..hi] {
            let overlap = s.end.min(u.end).saturating_sub(s.start.max(u.start));
            if 2 * u128::from(overlap) < u128::from(u.end - u.start) {
                continue;
            }
            let better = match best {
                None => true,
                Some((bo, bu, bid)) => {
                    overlap > bo || (overlap == bo && (u.start, id) < (bu.start, bid))
                }
            };
            if better {
                best = Some((overlap, u, id));
            }
        }
        best.map(|b| b.2).or(d.whole)
    }
}

/// Why a labelled group was refused.
#[derive(Debug)]
enum GroupError {
    /// A span with `start >= end`: it could match nothing.
    EmptySpan(Member),
    /// The unit is already in the given (0-based) earlier group.
    Duplicate(Member, u32),
    /// Ids would not fit in 32 bits.
    TooMany,
}

impl GroupError {
    /// The message, naming an earlier group with `name`.
    fn message(&self, name: impl Fn(u32) -> String) -> String {
        match self {
            GroupError::EmptySpan(m) => format!("{} is empty", describe(m)),
            GroupError::Duplicate(m, g) => format!(
                "{} is already in {} (a unit may be in one group only)",
                describe(m),
                name(*g)
            ),
            GroupError::TooMany => "more than 2^32 labelled units or groups".into(),
        }
    }
}

fn describe(m: &Member) -> String {
    match m.span {
        Some(s) => format!("document {:?} bytes {}..{}", m.doc, s.start, s.end),
        None => format!("document {:?}", m.doc),
    }
}

/// Which kind of file the predicted groups came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PredictedFormat {
    /// One JSON object with a `groups` array (dupscan `--format json`):
    /// the first non-blank line is `{` alone or the whole object.
    Json,
    /// A header line with `tool` and no `groups`, then one group per line
    /// (dupscan `--format jsonl`).
    JsonLines,
    /// One `{"members":[...]}` group per line, as in the truth format.
    Groups,
}

/// Reported groups, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicted {
    /// The detected format.
    pub format: PredictedFormat,
    /// Groups of members, in file order.
    pub groups: Vec<Vec<Member>>,
}

/// The result of [`score`]. Field names are stable (`--format json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Correct pairs / predicted pairs.
    pub pair_precision: f64,
    /// Correct pairs / true pairs.
    pub pair_recall: f64,
    /// Harmonic mean of pair precision and pair recall.
    pub f1: f64,
    /// Adjusted Rand index over all items.
    pub ari: f64,
    /// Pairs of items in one labelled group.
    pub true_pairs: u64,
    /// Pairs of items in one predicted cluster.
    pub predicted_pairs: u64,
    /// Pairs in both.
    pub correct_pairs: u64,
    /// Labelled groups.
    pub labelled_groups: u64,
    /// Distinct labelled units.
    pub labelled_units: u64,
    /// Reported groups.
    pub reported_groups: u64,
    /// Reported members.
    pub reported_members: u64,
    /// Reported members matching no labelled unit.
    pub unmatched_members: u64,
    /// Labelled units matched by no reported member.
    pub missed_units: u64,
    /// Pair recall by the kind of the labelled members (module docs); only
    /// when the truth gives kinds, which it does not have to.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_kind: BTreeMap<String, KindScores>,
}

/// Pair recall of one kind of labelled member (see [`Scores::by_kind`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindScores {
    /// True pairs with at least one member of the kind.
    pub true_pairs: u64,
    /// Those of them in one predicted cluster.
    pub found_pairs: u64,
    /// `found_pairs / true_pairs` (1 when there are no true pairs).
    pub recall: f64,
    /// Labelled units of the kind.
    pub units: u64,
    /// Those matched by no reported member.
    pub missed_units: u64,
}

impl fmt::Display for Scores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "pair precision  {:.4}  ({} correct of {} predicted pairs)",
            self.pair_precision, self.correct_pairs, self.predicted_pairs
        )?;
        writeln!(
            f,
            "pair recall     {:.4}  ({} correct of {} true pairs)",
            self.pair_recall, self.correct_pairs, self.true_pairs
        )?;
        writeln!(f, "pair F1         {:.4}", self.f1)?;
        writeln!(f, "adjusted Rand   {:.4}", self.ari)?;
        writeln!(
            f,
            "labelled        {} units in {} groups; {} not found",
            self.labelled_units, self.labelled_groups, self.missed_units
        )?;
        writeln!(
            f,
            "reported        {} members in {} groups; {} match no labelled unit",
            self.reported_members, self.reported_groups, self.unmatched_members
        )?;
        if !self.by_kind.is_empty() {
            writeln!(f, "recall by kind")?;
            let width = self.by_kind.keys().map(String::len).max().unwrap_or(0);
            for (kind, k) in &self.by_kind {
                writeln!(
                    f,
                    "  {kind:<width$}  {:.4}  ({} of {} pairs; {} of {} units not found)",
                    k.recall, k.found_pairs, k.true_pairs, k.missed_units, k.units
                )?;
            }
        }
        Ok(())
    }
}

/// `C(n, 2)`.
fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Scores `predicted` against `truth` (definitions in the module docs).
///
/// Fails only if the items number 2^32 or more.
pub fn score(truth: &Truth, predicted: &[Vec<Member>]) -> Result<Scores> {
    let labelled = truth.units.len();
    let reported_members: usize = predicted.iter().map(Vec::len).sum();
    let too_many = || Error::Param("more than 2^32 labelled units and reported members".into());
    let items = labelled
        .checked_add(reported_members)
        .ok_or_else(too_many)?;
    u32::try_from(items).map_err(|_| too_many())?;

    // Items 0..labelled are the labelled units; unmatched members get fresh
    // ids after them, in file order.
    let mut uf = UnionFind::new(items);
    let mut found = vec![false; labelled];
    let mut next = labelled as u32;
    for group in predicted {
        let mut first: Option<u32> = None;
        for m in group {
            let item = match truth.match_member(m) {
                Some(unit) => {
                    found[unit as usize] = true;
                    unit
                }
                None => {
                    next += 1;
                    next - 1
                }
            };
            match first {
                None => first = Some(item),
                Some(f) => uf.union(f, item),
            }
        }
    }
    let used = next as usize;
    let unmatched = used - labelled;

    // (predicted cluster, true cluster) of every item; unmatched members are
    // true singletons numbered after the labelled groups.
    let groups = truth.groups as usize;
    let mut cells: Vec<(u32, u32)> = (0..used as u32)
        .map(|x| {
            let t = if (x as usize) < labelled {
                truth.group_of[x as usize]
            } else {
                (groups + x as usize - labelled) as u32
            };
            (uf.find(x), t)
        })
        .collect();
    cells.sort_unstable();

    let mut a = vec![0u64; used];
    let mut b = vec![0u64; groups + unmatched];
    let mut correct = 0u64;
    for run in cells.chunk_by(|x, y| x == y) {
        let (p, t) = run[0];
        a[p as usize] += run.len() as u64;
        b[t as usize] += run.len() as u64;
        correct += pairs(run.len() as u64);
    }
    let predicted_pairs: u64 = a.iter().map(|&n| pairs(n)).sum();
    let true_pairs: u64 = b.iter().map(|&n| pairs(n)).sum();

    let ratio = |num: u64, den: u64, other: u64| {
        if den == 0 {
            if other == 0 { 1.0 } else { 0.0 }
        } else {
            num as f64 / den as f64
        }
    };
    let precision = ratio(correct, predicted_pairs, true_pairs);
    let recall = ratio(correct, true_pairs, predicted_pairs);
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    let ari = adjusted_rand(correct, predicted_pairs, true_pairs, used as u64);
    let by_kind = recall_by_kind(truth, &mut uf, &found);

    Ok(Scores {
        pair_precision: precision,
        pair_recall: recall,
        f1,
        ari,
        true_pairs,
        predicted_pairs,
        correct_pairs: correct,
        labelled_groups: groups as u64,
        labelled_units: labelled as u64,
        reported_groups: predicted.len() as u64,
        reported_members: reported_members as u64,
        unmatched_members: unmatched as u64,
        missed_units: found.iter().filter(|&&f| !f).count() as u64,
        by_kind,
    })
}

/// Pair recall per kind (module docs), from the labelled units' true groups,
/// predicted clusters and kinds; `found` says which units were matched.
fn recall_by_kind(
    truth: &Truth,
    uf: &mut UnionFind,
    found: &[bool],
) -> BTreeMap<String, KindScores> {
    let mut out = BTreeMap::new();
    if truth.kinds.is_empty() {
        return out;
    }
    let kinds = truth.kinds.len();
    // (true group, predicted cluster, kind or `kinds` for none) per unit.
    let mut cells: Vec<(u32, u32, u32)> = (0..truth.units.len())
        .map(|x| {
            let k = truth.kind_of[x].unwrap_or(kinds as u32);
            (truth.group_of[x], uf.find(x as u32), k)
        })
        .collect();
    cells.sort_unstable();
    let mut true_pairs = vec![0u64; kinds];
    let mut found_pairs = vec![0u64; kinds];
    let mut units = vec![0u64; kinds];
    let mut missed = vec![0u64; kinds];
    for (x, k) in truth.kind_of.iter().enumerate() {
        if let Some(k) = k {
            units[*k as usize] += 1;
            missed[*k as usize] += u64::from(!found[x]);
        }
    }
    // Pairs among `n` units with at least one of the `m` of a kind.
    let with_kind = |n: u64, m: u64| pairs(n) - pairs(n - m);
    let mut per_kind = vec![0u64; kinds];
    for group in cells.chunk_by(|a, b| a.0 == b.0) {
        per_kind.iter_mut().for_each(|c| *c = 0);
        for &(_, _, k) in group {
            if let Some(c) = per_kind.get_mut(k as usize) {
                *c += 1;
            }
        }
        let n = group.len() as u64;
        for (k, &m) in per_kind.iter().enumerate() {
            true_pairs[k] += with_kind(n, m);
        }
        for cluster in group.chunk_by(|a, b| a.1 == b.1) {
            let n = cluster.len() as u64;
            for run in cluster.chunk_by(|a, b| a.2 == b.2) {
                if let Some(f) = found_pairs.get_mut(run[0].2 as usize) {
                    *f += with_kind(n, run.len() as u64);
                }
            }
        }
    }
    for (k, name) in truth.kinds.iter().enumerate() {
        let recall = if true_pairs[k] == 0 {
            1.0
        } else {
            found_pairs[k] as f64 / true_pairs[k] as f64
        };
        out.insert(
            name.clone(),
            KindScores {
                true_pairs: true_pairs[k],
                found_pairs: found_pairs[k],
                recall,
                units: units[k],
                missed_units: missed[k],
            },
        );
    }
    out
}

/// Hubert–Arabie ARI from the pair sums of the contingency table over `n`
/// items (`n < 2^32`, so every pair sum is below 2^63).
///
/// Scaled by `2·C(n,2)` both terms are exact integers, so the only rounding is
/// in the final division: ARI = 2(C·index − A·B) / (C(A + B) − 2A·B).
fn adjusted_rand(index: u64, sum_a: u64, sum_b: u64, n: u64) -> f64 {
    let (index, a, b, c) = (
        i128::from(index),
        i128::from(sum_a),
        i128::from(sum_b),
        i128::from(pairs(n)),
    );
    let den = c * (a + b) - 2 * a * b;
    if den == 0 {
        // Only when A = B ∈ {0, C} (AB/C ≤ min(A, B) ≤ ½(A + B)).
        return if index == a && index == b { 1.0 } else { 0.0 };
    }
    (2 * (c * index - a * b)) as f64 / den as f64
}

/// One member as written in truth, groups and report files.
#[derive(Deserialize)]
struct RawMember {
    #[serde(deserialize_with = "doc_id")]
    doc: String,
    start: Option<u64>,
    end: Option<u64>,
    match_start: Option<u64>,
    match_end: Option<u64>,
    kind: Option<String>,
}

/// A validated member; invalid spans fail inside serde, so errors carry the
/// position.
#[derive(Deserialize)]
#[serde(try_from = "RawMember")]
struct MemberLine {
    member: Member,
    /// `match_start`/`match_end`, if given.
    matched: Option<Span>,
    kind: Option<String>,
}

/// `[start, end)` from two optional offsets named `what` (`start`/`end` or
/// `match_start`/`match_end`).
fn span_of(
    doc: &str,
    (start, end): (Option<u64>, Option<u64>),
    (a, b): (&str, &str),
) -> std::result::Result<Option<Span>, String> {
    match (start, end) {
        (None, None) => Ok(None),
        (Some(start), Some(end)) if start <= end => Ok(Some(Span { start, end })),
        (Some(start), Some(end)) => {
            Err(format!("document {doc:?}: {a} {start} is after {b} {end}"))
        }
        _ => Err(format!(
            "document {doc:?}: give both {a} and {b}, or neither"
        )),
    }
}

impl TryFrom<RawMember> for MemberLine {
    type Error = String;

    fn try_from(raw: RawMember) -> std::result::Result<Self, String> {
        let span = span_of(&raw.doc, (raw.start, raw.end), ("start", "end"))?;
        let matched = span_of(
            &raw.doc,
            (raw.match_start, raw.match_end),
            ("match_start", "match_end"),
        )?;
        Ok(MemberLine {
            member: Member { doc: raw.doc, span },
            matched,
            kind: raw.kind,
        })
    }
}

/// One group: an object with `members` (other fields ignored).
#[derive(Deserialize)]
struct GroupLine {
    members: Vec<MemberLine>,
}

impl GroupLine {
    /// Reported members: each by its matched range when it has one.
    fn members(self) -> Vec<Member> {
        self.members.into_iter().map(MemberLine::reported).collect()
    }

    /// Labelled members with their kinds (a matched range is ignored).
    fn labelled(self) -> Vec<Labelled> {
        self.members
            .into_iter()
            .map(|m| Labelled {
                member: m.member,
                kind: m.kind,
            })
            .collect()
    }
}

impl MemberLine {
    fn reported(self) -> Member {
        Member {
            span: self.matched.or(self.member.span),
            ..self.member
        }
    }
}

/// The members of a group of a dupscan report, each by its matched range
/// when it has one; an error names a member whose ranges are not ranges.
fn reported(group: GroupRecord) -> std::result::Result<Vec<Member>, String> {
    group
        .members
        .into_iter()
        .map(|m| {
            let whole = (Some(u64::from(m.start)), Some(u64::from(m.end)));
            let span = span_of(&m.doc, whole, ("start", "end"))?;
            let matched = (m.match_start.map(u64::from), m.match_end.map(u64::from));
            let matched = span_of(&m.doc, matched, ("match_start", "match_end"))?;
            Ok(Member {
                doc: m.doc,
                span: matched.or(span),
            })
        })
        .collect()
}

/// What the first line of a prediction file holds, to tell its format.
#[derive(Deserialize)]
struct FirstLine {
    tool: Option<IgnoredAny>,
    groups: Option<IgnoredAny>,
    members: Option<IgnoredAny>,
}

/// Accepts a string or a number; numbers become their JSON text.
fn doc_id<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    struct Id;
    impl Visitor<'_> for Id {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a document id (string or number)")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<String, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<String, E> {
            Ok(serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string()))
        }
    }
    d.deserialize_any(Id)
}

/// A serde_json message without its position (the caller says where).
fn json_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => format!("{} (column {})", &s[..i], e.column()),
        None => s,
    }
}

/// Reads JSON Lines, calling `each` with the 1-based number and bytes of every
/// non-blank line.
fn for_each_line<R: BufRead>(
    mut reader: R,
    path: &Path,
    mut each: impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<()> {
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| Error::Read {
                path: path.to_path_buf(),
                source,
            })?;
        if n == 0 {
            return Ok(());
        }
        line += 1;
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        each(line, &buf)?;
    }
}

fn bad_line(path: &Path, line: u64, message: String) -> Error {
    Error::BadLine {
        path: path.to_path_buf(),
        line,
        message,
    }
}

fn open(path: &Path) -> Result<BufReader<File>> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })
}

/// Reads a truth file (module docs give the format).
pub fn read_truth(path: &Path) -> Result<Truth> {
    parse_truth(open(path)?, path)
}

/// Parses truth from `reader`; `path` names it in errors.
pub fn parse_truth<R: BufRead>(reader: R, path: &Path) -> Result<Truth> {
    let mut truth = Truth::default();
    // The line of each group, to name an earlier group in errors.
    let mut lines: Vec<u64> = Vec::new();
    for_each_line(reader, path, |line, bytes| {
        let group: GroupLine =
            serde_json::from_slice(bytes).map_err(|e| bad_line(path, line, json_message(&e)))?;
        truth.push_group(group.labelled()).map_err(|e| {
            let name = |g: u32| format!("the group on line {}", lines[g as usize]);
            bad_line(path, line, e.message(name))
        })?;
        lines.push(line);
        Ok(())
    })?;
    truth.finish();
    Ok(truth)
}

/// Reads predicted groups from a dupscan JSON or JSON Lines report, or a
/// groups JSON Lines file; the format is detected.
pub fn read_predicted(path: &Path) -> Result<Predicted> {
    parse_predicted(open(path)?, path)
}

/// Parses predicted groups from `reader`; `path` names it in errors.
pub fn parse_predicted<R: BufRead>(mut reader: R, path: &Path) -> Result<Predicted> {
    let read_err = |source: io::Error| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    // Find the first non-blank line, keeping what was consumed so a
    // multi-line JSON report can be parsed from the start.
    let mut head = Vec::new();
    let mut line = 0u64;
    let first = loop {
        let start = head.len();
        if reader.read_until(b'\n', &mut head).map_err(read_err)? == 0 {
            return Ok(Predicted {
                format: PredictedFormat::Groups,
                groups: Vec::new(),
            });
        }
        line += 1;
        if !head[start..].iter().all(u8::is_ascii_whitespace) {
            break start;
        }
    };

    let parsed: std::result::Result<FirstLine, _> = serde_json::from_slice(&head[first..]);
    let mut groups = Vec::new();
    let first_line = match parsed {
        Ok(f) => f,
        Err(e) if e.is_eof() => {
            // An incomplete object on the first line: a pretty-printed report.
            let whole = io::Cursor::new(head).chain(reader);
            let mut de = serde_json::Deserializer::from_reader(whole);
            ReportFile::read_groups(&mut de, |g| {
                groups.push(reported(g)?);
                Ok(())
            })
            .and_then(|_| de.end())
            .map_err(|e| report_error(path, e))?;
            return Ok(Predicted {
                format: PredictedFormat::Json,
                groups,
            });
        }
        Err(e) => return Err(bad_line(path, line, json_message(&e))),
    };

    let bytes = &head[first..];
    let format = match first_line {
        FirstLine {
            groups: Some(_), ..
        } => {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            ReportFile::read_groups(&mut de, |g| {
                groups.push(reported(g)?);
                Ok(())
            })
            .and_then(|_| de.end())
            .map_err(|e| bad_line(path, line, json_message(&e)))?;
            for_each_line(reader, path, |l, _| {
                Err(bad_line(
                    path,
                    line + l,
                    "unexpected content after a one-line JSON report".into(),
                ))
            })?;
            return Ok(Predicted {
                format: PredictedFormat::Json,
                groups,
            });
        }
        FirstLine {
            members: Some(_), ..
        } => {
            let group: GroupLine = serde_json::from_slice(bytes)
                .map_err(|e| bad_line(path, line, json_message(&e)))?;
            groups.push(group.members());
            PredictedFormat::Groups
        }
        FirstLine { tool: Some(_), .. } => {
            serde_json::from_slice::<ReportHeader>(bytes)
                .map_err(|e| bad_line(path, line, json_message(&e)))?;
            PredictedFormat::JsonLines
        }
        FirstLine { .. } => {
            return Err(bad_line(
                path,
                line,
                "expected a report header (`tool`), a whole report (`groups`) or a group (`members`)"
                    .into(),
            ));
        }
    };
    for_each_line(reader, path, |l, bytes| {
        let l = line + l;
        let members = match format {
            PredictedFormat::JsonLines => serde_json::from_slice::<GroupRecord>(bytes)
                .map_err(|e| json_message(&e))
                .and_then(reported),
            _ => serde_json::from_slice::<GroupLine>(bytes)
                .map(GroupLine::members)
                .map_err(|e| json_message(&e)),
        };
        groups.push(members.map_err(|message| bad_line(path, l, message))?);
        Ok(())
    })?;
    Ok(Predicted { format, groups })
}

/// A whole-report parse error: I/O stays I/O, the rest names the line.
fn report_error(path: &Path, e: serde_json::Error) -> Error {
    if e.is_io() {
        Error::Read {
            path: path.to_path_buf(),
            source: e.into(),
        }
    } else {
        bad_line(path, e.line() as u64, json_message(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-9;

    fn truth(text: &str) -> Truth {
        parse_truth(text.as_bytes(), Path::new("truth.jsonl")).expect("valid truth")
    }

    fn predicted(text: &str) -> Predicted {
        parse_predicted(text.as_bytes(), Path::new("pred")).expect("valid prediction")
    }

    fn sp(doc: &str, start: u64, end: u64) -> Member {
        Member::span(doc, start, end)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < EPS
    }

    /// Units u0..u5 = bytes 0..10 of documents d0..d5.
    fn unit(i: usize) -> Member {
        sp(&format!("d{i}"), 0, 10)
    }

    fn clusters(labels: &[usize]) -> Vec<Vec<Member>> {
        let k = labels.iter().max().map_or(0, |m| m + 1);
        let mut groups = vec![Vec::new(); k];
        for (i, &l) in labels.iter().enumerate() {
            groups[l].push(unit(i));
        }
        groups
    }

    fn run(t: &Truth, p: &[Vec<Member>]) -> Scores {
        score(t, p).expect("scores")
    }

    #[test]
    fn perfect_match_scores_one() {
        let t = Truth::from_groups(vec![
            vec![sp("a", 0, 10), sp("b", 5, 15), sp("c", 0, 8)],
            vec![sp("a", 20, 30), sp("d", 0, 10)],
        ])
        .expect("truth");
        // Reported spans differ slightly but each covers over half its unit.
        let p = vec![
            vec![sp("a", 1, 10), sp("b", 5, 14), sp("c", 0, 8)],
            vec![sp("a", 20, 31), sp("d", 0, 10)],
        ];
        let s = run(&t, &p);
        assert_eq!(
            (s.true_pairs, s.predicted_pairs, s.correct_pairs),
            (4, 4, 4)
        );
        assert_eq!(
            (s.pair_precision, s.pair_recall, s.f1, s.ari),
            (1.0, 1.0, 1.0, 1.0)
        );
        assert_eq!((s.unmatched_members, s.missed_units), (0, 0));
        assert_eq!((s.labelled_units, s.reported_members), (5, 5));
    }

    #[test]
    fn missing_member_lowers_recall_only() {
        let t = Truth::from_groups(clusters(&[0, 0, 0])).expect("truth");
        let s = run(&t, &[vec![unit(0), unit(1)]]);
        assert_eq!(
            (s.true_pairs, s.predicted_pairs, s.correct_pairs),
            (3, 1, 1)
        );
        assert_eq!(s.pair_precision, 1.0);
        assert!(close(s.pair_recall, 1.0 / 3.0));
        assert!(close(s.f1, 0.5));
        // n=3, A=1, B=3, index=1, E=1·3/3=1, max=2: ARI=(1−1)/(2−1)=0.
        assert!(close(s.ari, 0.0));
        assert_eq!(s.missed_units, 1);
    }

    #[test]
    fn extra_unrelated_group_lowers_precision_only() {
        let t = Truth::from_groups(clusters(&[0, 0])).expect("truth");
        let p = vec![vec![unit(0), unit(1)], vec![sp("x", 0, 5), sp("y", 0, 5)]];
        let s = run(&t, &p);
        assert_eq!(
            (s.true_pairs, s.predicted_pairs, s.correct_pairs),
            (1, 2, 1)
        );
        assert!(close(s.pair_precision, 0.5));
        assert_eq!(s.pair_recall, 1.0);
        assert!(close(s.f1, 2.0 / 3.0));
        assert_eq!((s.unmatched_members, s.missed_units), (2, 0));
        // Items u0 u1 x y; true {u0,u1},{x},{y}; predicted {u0,u1},{x,y}.
        // A=2, B=1, index=1, C(4,2)=6, E=2/6, max=1.5: ARI=(2/3)/(7/6)=4/7.
        assert!(close(s.ari, 4.0 / 7.0));
    }

    #[test]
    fn two_true_groups_merged_into_one() {
        let t = Truth::from_groups(clusters(&[0, 0, 1, 1])).expect("truth");
        let s = run(&t, &[vec![unit(0), unit(1), unit(2), unit(3)]]);
        assert_eq!(
            (s.true_pairs, s.predicted_pairs, s.correct_pairs),
            (2, 6, 2)
        );
        assert!(close(s.pair_precision, 1.0 / 3.0));
        assert_eq!(s.pair_recall, 1.0);
        assert!(close(s.f1, 0.5));
        // n=4, A=6, B=2, index=2, E=6·2/6=2, max=4: ARI=0.
        assert!(close(s.ari, 0.0));
    }

    #[test]
    fn ari_matches_sklearn_example() {
        // sklearn: adjusted_rand_score([0,0,0,1,1,1], [0,0,1,1,2,2]) = 0.24242424...
        let t = Truth::from_groups(clusters(&[0, 0, 0, 1, 1, 1])).expect("truth");
        let s = run(&t, &clusters(&[0, 0, 1, 1, 2, 2]));
        // E = 3·6/15 = 1.2, max = 4.5: ARI = (2 − 1.2)/(4.5 − 1.2) = 8/33.
        assert_eq!(s.ari, 8.0 / 33.0, "exact arithmetic");
        assert!((s.ari - 0.242_424_24).abs() < 1e-8);
        assert_eq!(
            (s.true_pairs, s.predicted_pairs, s.correct_pairs),
            (6, 3, 2)
        );
    }

    #[test]
    fn ari_can_be_negative_and_is_symmetric() {
        let x = clusters(&[0, 0, 1, 1]);
        let y = clusters(&[0, 1, 0, 1]);
        let xy = run(&Truth::from_groups(x.clone()).expect("truth"), &y);
        let yx = run(&Truth::from_groups(y).expect("truth"), &x);
        // A=B=2, index=0, E=4/6: ARI=(−2/3)/(2−2/3)=−0.5.
        assert!(close(xy.ari, -0.5));
        assert!(close(xy.ari, yx.ari));
    }

    #[test]
    fn half_overlap_is_the_boundary() {
        let t = Truth::from_groups(vec![vec![sp("a", 0, 10), sp("b", 0, 9)]]).expect("truth");
        assert_eq!(t.match_member(&sp("a", 5, 20)), Some(0), "5 of 10 bytes");
        assert_eq!(t.match_member(&sp("a", 6, 20)), None, "4 of 10 bytes");
        assert_eq!(t.match_member(&sp("a", 0, 5)), Some(0), "first half");
        assert_eq!(t.match_member(&sp("b", 4, 9)), Some(1), "5 of 9 bytes");
        assert_eq!(t.match_member(&sp("b", 5, 9)), None, "4 of 9 bytes");
        assert_eq!(t.match_member(&sp("c", 0, 10)), None, "other document");
        assert_eq!(
            t.match_member(&Member::doc("a")),
            None,
            "no span, no doc unit"
        );
    }

    #[test]
    fn huge_offsets_do_not_overflow() {
        let max = u64::MAX;
        let t = Truth::from_groups(vec![vec![sp("a", max - 10, max)]]).expect("truth");
        assert_eq!(t.match_member(&sp("a", max - 5, max)), Some(0));
        assert_eq!(t.match_member(&sp("a", max - 4, max)), None);
    }

    #[test]
    fn largest_overlap_wins_and_ties_go_to_the_earliest() {
        let t = Truth::from_groups(vec![
            vec![sp("a", 10, 20)],
            vec![sp("a", 0, 10)],
            vec![sp("a", 0, 100)],
        ])
        .expect("truth");
        assert_eq!(
            t.match_member(&sp("a", 0, 20)),
            Some(1),
            "tie: smallest start"
        );
        assert_eq!(t.match_member(&sp("a", 2, 20)), Some(0), "10 bytes beat 8");
        assert_eq!(t.match_member(&sp("a", 0, 60)), Some(2), "60 bytes beat 10");
        assert_eq!(t.match_member(&sp("a", 30, 40)), None, "10 of 100 bytes");
    }

    #[test]
    fn many_nested_units_still_match_exactly() {
        // Midpoint indexing must not miss units of very different lengths.
        let mut groups: Vec<Vec<Member>> = (0..50)
            .map(|i| vec![sp("a", i * 10, i * 10 + 10)])
            .collect();
        groups.push(vec![sp("a", 0, 500)]);
        let t = Truth::from_groups(groups).expect("truth");
        for i in 0..50u64 {
            assert_eq!(
                t.match_member(&sp("a", i * 10 + 3, i * 10 + 9)),
                Some(i as u32)
            );
        }
        assert_eq!(t.match_member(&sp("a", 0, 300)), Some(50));
        assert_eq!(
            t.match_member(&sp("a", 0, 240)),
            Some(0),
            "24 small units, 240 < 250"
        );
    }

    #[test]
    fn document_level_units() {
        let t = Truth::from_groups(vec![
            vec![Member::doc("a"), Member::doc("b")],
            vec![sp("b", 0, 10), sp("c", 0, 10)],
        ])
        .expect("truth");
        assert_eq!(t.match_member(&sp("a", 100, 200)), Some(0), "any span of a");
        assert_eq!(t.match_member(&Member::doc("b")), Some(1), "whole document");
        assert_eq!(t.match_member(&sp("b", 0, 10)), Some(2), "span unit first");
        assert_eq!(
            t.match_member(&sp("b", 50, 60)),
            Some(1),
            "else the document"
        );
        assert_eq!(t.match_member(&Member::doc("c")), None, "c has only spans");
        let s = run(&t, &[vec![sp("a", 3, 4), Member::doc("b")]]);
        assert_eq!((s.correct_pairs, s.pair_precision), (1, 1.0));
        assert!(close(s.pair_recall, 0.5));
    }

    #[test]
    fn members_matching_one_unit_count_once() {
        let t = Truth::from_groups(vec![vec![sp("a", 0, 10), sp("b", 0, 10)]]).expect("truth");
        let p = vec![vec![sp("a", 0, 6), sp("a", 4, 10), sp("b", 0, 10)]];
        let s = run(&t, &p);
        assert_eq!((s.predicted_pairs, s.correct_pairs), (1, 1));
        assert_eq!((s.f1, s.ari), (1.0, 1.0));
        assert_eq!(s.reported_members, 3);
    }

    #[test]
    fn a_unit_in_two_reported_groups_joins_them() {
        let t = Truth::from_groups(clusters(&[0, 0, 1])).expect("truth");
        let p = vec![vec![unit(0), unit(1)], vec![unit(1), unit(2)]];
        let s = run(&t, &p);
        // Closure {u0,u1,u2}: 3 predicted pairs, 1 correct.
        assert_eq!(
            (s.true_pairs, s.predicted_pairs, s.correct_pairs),
            (1, 3, 1)
        );
    }

    #[test]
    fn empty_cases_follow_the_documented_rules() {
        let none = Truth::from_groups(vec![vec![unit(0)], vec![unit(1)]]).expect("truth");
        let s = run(&none, &[]);
        assert_eq!(
            (s.pair_precision, s.pair_recall, s.f1, s.ari),
            (1.0, 1.0, 1.0, 1.0)
        );
        let s = run(&none, &[vec![unit(0), unit(1)]]);
        assert_eq!((s.pair_precision, s.pair_recall, s.f1), (0.0, 0.0, 0.0));
        let some = Truth::from_groups(clusters(&[0, 0])).expect("truth");
        let s = run(&some, &[]);
        assert_eq!((s.pair_precision, s.pair_recall, s.f1), (0.0, 0.0, 0.0));
        assert_eq!(s.missed_units, 2);
        // n=2, A=0, B=1: ½(0+1) − 0 = ½, index 0: ARI=0.
        assert_eq!(s.ari, 0.0);
        let s = run(&some, &[vec![unit(0), unit(1)]]);
        assert_eq!(s.ari, 1.0, "both one cluster");
    }

    #[test]
    fn string_and_numeric_doc_ids_are_the_same_document() {
        let t = truth("{\"members\":[{\"doc\":7,\"start\":0,\"end\":4},{\"doc\":\"x\"}]}\n");
        let p =
            predicted("{\"members\":[{\"doc\":\"7\",\"start\":0,\"end\":4},{\"doc\":\"x\"}]}\n");
        assert_eq!(p.format, PredictedFormat::Groups);
        assert_eq!(run(&t, &p.groups).correct_pairs, 1);
        let t = truth("{\"members\":[{\"doc\":-3},{\"doc\":2.5}]}");
        assert_eq!(t.match_member(&Member::doc("-3")), Some(0));
        assert_eq!(t.match_member(&Member::doc("2.5")), Some(1));
    }

    #[test]
    fn truth_skips_blank_lines_and_dedupes_within_a_group() {
        let t = truth(
            "\n{\"members\":[{\"doc\":\"a\"},{\"doc\":\"a\"}],\"note\":1}\n  \n{\"members\":[{\"doc\":\"b\"}]}\n",
        );
        assert_eq!((t.units(), t.groups()), (2, 2));
    }

    fn truth_error(text: &str) -> (u64, String) {
        match parse_truth(text.as_bytes(), Path::new("t.jsonl")) {
            Err(Error::BadLine {
                path,
                line,
                message,
            }) => {
                assert_eq!(path, Path::new("t.jsonl"));
                (line, message)
            }
            other => panic!("expected BadLine, got {other:?}"),
        }
    }

    #[test]
    fn malformed_truth_lines_name_their_line() {
        let ok = "{\"members\":[{\"doc\":\"a\"}]}\n";
        let (line, msg) = truth_error(&format!("{ok}\n{{\"members\":[{{\"doc\":\"b\"}}\n"));
        assert_eq!(line, 3, "{msg}");
        let (line, msg) = truth_error(&format!(
            "{ok}{{\"members\":[{{\"doc\":\"b\",\"start\":3}}]}}"
        ));
        assert_eq!(line, 2);
        assert!(msg.contains("both start and end"), "{msg}");
        let (line, msg) = truth_error("{\"members\":[{\"doc\":\"b\",\"start\":3,\"end\":1}]}");
        assert_eq!(line, 1);
        assert!(msg.contains("after end"), "{msg}");
        let (line, msg) = truth_error("{\"members\":[{\"doc\":\"b\",\"start\":3,\"end\":3}]}");
        assert_eq!(line, 1);
        assert!(msg.contains("empty"), "{msg}");
        let (line, msg) = truth_error("{\"members\":[{\"doc\":true}]}");
        assert_eq!(line, 1);
        assert!(msg.contains("string or number"), "{msg}");
        let (line, msg) = truth_error(&format!("{ok}\n{ok}"));
        assert_eq!(line, 3);
        assert!(msg.contains("group on line 1"), "{msg}");
    }

    #[test]
    fn missing_file_is_a_read_error() {
        let err = read_truth(Path::new("/nonexistent/truth.jsonl")).expect_err("missing");
        assert!(matches!(err, Error::Read { .. }), "{err:?}");
    }

    /// A report as dupscan writes it: header fields, then groups with
    /// every member field.
    fn report() -> serde_json::Value {
        let member = |doc: &str, start: u32, end: u32| {
            serde_json::json!({
                "doc": doc, "source": "in.jsonl", "unit": 0, "start": start, "end": end,
                "similarity": 1.0, "text": "some text",
            })
        };
        let group = |id: u64, members: Vec<serde_json::Value>| {
            serde_json::json!({
                "id": id, "size": members.len(), "documents": members.len(),
                "min_similarity": 1.0, "members": members,
            })
        };
        let header = ReportHeader {
            tool: crate::report::Tool {
                name: "dupscan".into(),
                version: "0.1.0".into(),
            },
            params: crate::report::Params {
                inputs: vec!["in.jsonl".into()],
                reference: Vec::new(),
                scan: crate::config::Params::new(crate::config::UnitKind::Sentence),
                text_field: "text".into(),
                id_field: "id".into(),
                more_text_fields: Vec::new(),
                reference_text_field: None,
                reference_id_field: None,
            },
            stats: crate::report::Stats {
                documents: 3,
                units: 9,
                groups: 2,
                seconds: 0.5,
                ..crate::report::Stats::default()
            },
            contamination: None,
        };
        let mut report = serde_json::to_value(header).expect("header");
        report["groups"] = serde_json::json!([
            group(0, vec![member("a", 0, 10), member("b", 0, 10)]),
            group(
                1,
                vec![member("a", 20, 30), member("c", 5, 15), member("b", 20, 30)]
            ),
        ]);
        report
    }

    fn pretty_report() -> String {
        serde_json::to_string_pretty(&report()).expect("json") + "\n"
    }

    fn jsonl_report() -> String {
        jsonl_of(report())
    }

    /// `r` as a JSON Lines report.
    fn jsonl_of(mut r: serde_json::Value) -> String {
        let groups = r["groups"].take();
        let mut out = serde_json::to_string(&r)
            .expect("json")
            .replace(",\"groups\":null", "")
            + "\n";
        for g in groups.as_array().expect("groups") {
            out += &(serde_json::to_string(g).expect("json") + "\n");
        }
        out
    }

    fn expected_groups() -> Vec<Vec<Member>> {
        vec![
            vec![sp("a", 0, 10), sp("b", 0, 10)],
            vec![sp("a", 20, 30), sp("c", 5, 15), sp("b", 20, 30)],
        ]
    }

    #[test]
    fn reads_a_pretty_json_report() {
        let text = pretty_report();
        assert!(text.starts_with("{\n"));
        let p = predicted(&format!("\n{text}"));
        assert_eq!(p.format, PredictedFormat::Json);
        assert_eq!(p.groups, expected_groups());
    }

    #[test]
    fn reads_a_one_line_json_report() {
        let text = serde_json::to_string(&report()).expect("json");
        let p = predicted(&format!("{text}\n\n"));
        assert_eq!(p.format, PredictedFormat::Json);
        assert_eq!(p.groups, expected_groups());
        let err = parse_predicted(format!("{text}\n{{}}\n").as_bytes(), Path::new("r"))
            .expect_err("trailing line");
        assert!(matches!(err, Error::BadLine { line: 2, .. }), "{err:?}");
    }

    #[test]
    fn reads_a_jsonl_report() {
        let text = jsonl_report();
        assert!(text.lines().next().is_some_and(|l| l.contains("\"tool\"")));
        let p = predicted(&text);
        assert_eq!(p.format, PredictedFormat::JsonLines);
        assert_eq!(p.groups, expected_groups());
    }

    #[test]
    fn reads_groups_jsonl_and_empty_files() {
        let p = predicted(
            "{\"members\":[{\"doc\":\"a\",\"start\":0,\"end\":10},{\"doc\":\"b\",\"start\":0,\"end\":10}]}\n\
             \n\
             {\"members\":[{\"doc\":\"a\",\"start\":20,\"end\":30},{\"doc\":\"c\",\"start\":5,\"end\":15},{\"doc\":\"b\",\"start\":20,\"end\":30}]}\n",
        );
        assert_eq!(p.format, PredictedFormat::Groups);
        assert_eq!(p.groups, expected_groups());
        assert!(predicted("\n \n").groups.is_empty());
    }

    #[test]
    fn malformed_predictions_name_their_line() {
        let bad = |text: &str| match parse_predicted(text.as_bytes(), Path::new("r")) {
            Err(Error::BadLine { line, message, .. }) => (line, message),
            other => panic!("expected BadLine, got {other:?}"),
        };
        let header = jsonl_report();
        let header = header.lines().next().expect("header");
        let empty = r#"{"id":0,"size":0,"documents":0,"min_similarity":1.0,"members":[]}"#;
        assert_eq!(bad(&format!("{header}\n{empty}\n{{\"id\":1}}\n")).0, 3);
        assert_eq!(bad("\n{\"foo\":1}\n").0, 2);
        let mut pretty = pretty_report();
        pretty = pretty.replacen("\"start\": 20", "\"start\": \"x\"", 1);
        let (line, msg) = bad(&pretty);
        let want = pretty
            .lines()
            .position(|l| l.contains("\"x\""))
            .expect("edited line") as u64
            + 1;
        assert_eq!(line, want, "{msg}");
    }

    #[test]
    fn report_members_with_reversed_ranges_name_their_line() {
        let mut r = report();
        r["groups"][1]["members"][2]["start"] = 40.into();
        let pretty = serde_json::to_string_pretty(&r).expect("json");
        let err = parse_predicted(pretty.as_bytes(), Path::new("r")).expect_err("reversed");
        let Error::BadLine { line, message, .. } = err else {
            panic!("expected BadLine, got {err:?}");
        };
        assert!(message.contains("start 40 is after end 30"), "{message}");
        // The error is raised once the group is read: at its closing brace,
        // the last group's (the first has a comma after it).
        let group_end = pretty
            .lines()
            .position(|l| l == "    }")
            .map(|i| i as u64 + 1);
        assert_eq!(Some(line), group_end, "{message}");
        let err = parse_predicted(jsonl_of(r).as_bytes(), Path::new("r")).expect_err("reversed");
        assert!(matches!(err, Error::BadLine { line: 3, .. }), "{err:?}");
    }

    #[test]
    fn a_report_header_that_is_not_dupscan_s_is_refused() {
        let jsonl = jsonl_report();
        let mut lines = jsonl.lines();
        let header = lines.next().expect("header");
        let broken = header.replacen("\"params\"", "\"parameters\"", 1);
        let text = format!("{broken}\n{}\n", lines.collect::<Vec<_>>().join("\n"));
        let err = parse_predicted(text.as_bytes(), Path::new("r")).expect_err("no params");
        let Error::BadLine {
            line: 1, message, ..
        } = err
        else {
            panic!("expected BadLine on line 1, got {err:?}");
        };
        assert!(message.contains("missing field `params`"), "{message}");
    }

    #[test]
    fn scores_serialize_and_display() {
        let t = Truth::from_groups(clusters(&[0, 0, 0, 1, 1, 1])).expect("truth");
        let s = run(&t, &clusters(&[0, 0, 1, 1, 2, 2]));
        let json = serde_json::to_string(&s).expect("json");
        assert!(json.contains("\"pair_precision\"") && json.contains("\"ari\""));
        let back: Scores = serde_json::from_str(&json).expect("round trip");
        assert_eq!((back.correct_pairs, back.labelled_units), (2, 6));
        assert!(close(back.ari, s.ari));
        let text = s.to_string();
        assert!(text.contains("pair precision  0.6667"), "{text}");
        assert!(text.contains("adjusted Rand   0.2424"), "{text}");
        assert!(text.contains("6 units in 2 groups; 0 not found"), "{text}");
    }

    fn kinded(doc: &str, start: u64, end: u64, kind: Option<&str>) -> Labelled {
        Labelled::new(sp(doc, start, end), kind)
    }

    #[test]
    fn recall_by_kind_counts_pairs_with_a_member_of_the_kind() {
        let t = Truth::from_labelled_groups(vec![
            vec![
                kinded("o1", 0, 10, None),
                kinded("a1", 0, 10, Some("a")),
                kinded("b1", 0, 10, Some("b")),
            ],
            vec![kinded("o2", 0, 10, None), kinded("a2", 0, 10, Some("a"))],
        ])
        .expect("truth");
        assert_eq!(t.kinds(), ["a", "b"]);
        // Group 1 found as {o1, a1} (b1 missed); group 2 found whole.
        let p = vec![
            vec![sp("o1", 0, 10), sp("a1", 0, 10)],
            vec![sp("o2", 0, 10), sp("a2", 0, 10)],
        ];
        let s = run(&t, &p);
        // Kind a: pairs o1-a1, a1-b1, o2-a2 (3), found o1-a1 and o2-a2.
        let a = &s.by_kind["a"];
        assert_eq!(
            (a.true_pairs, a.found_pairs, a.units, a.missed_units),
            (3, 2, 2, 0)
        );
        assert!(close(a.recall, 2.0 / 3.0));
        // Kind b: o1-b1 and a1-b1, none found.
        let b = &s.by_kind["b"];
        assert_eq!(
            (b.true_pairs, b.found_pairs, b.units, b.missed_units),
            (2, 0, 1, 1)
        );
        assert_eq!(b.recall, 0.0);
        assert_eq!((s.true_pairs, s.correct_pairs), (4, 2), "overall unchanged");
        let text = s.to_string();
        assert!(text.contains("recall by kind"), "{text}");
        assert!(
            text.contains("  a  0.6667  (2 of 3 pairs; 0 of 2 units not found)"),
            "{text}"
        );
    }

    #[test]
    fn recall_by_kind_follows_predicted_clusters_inside_a_group() {
        // Four copies of one kind and an original, found as {o, c1, c2} and
        // {c3, c4}: of the 10 pairs (all involve a copy), 3 + 1 are found.
        let mut group = vec![kinded("o", 0, 10, None)];
        group.extend((1..=4).map(|i| kinded(&format!("c{i}"), 0, 10, Some("k"))));
        let t = Truth::from_labelled_groups(vec![group]).expect("truth");
        let p = vec![
            vec![sp("o", 0, 10), sp("c1", 0, 10), sp("c2", 0, 10)],
            vec![sp("c3", 0, 10), sp("c4", 0, 10)],
        ];
        let k = &run(&t, &p).by_kind["k"];
        assert_eq!((k.true_pairs, k.found_pairs), (10, 4));
        // Nothing reported: all missed.
        let k = &run(&t, &[]).by_kind["k"];
        assert_eq!((k.found_pairs, k.missed_units, k.recall), (0, 4, 0.0));
    }

    #[test]
    fn truth_without_kinds_has_no_by_kind_and_old_scores_still_parse() {
        let t = Truth::from_groups(clusters(&[0, 0])).expect("truth");
        let s = run(&t, &[vec![unit(0), unit(1)]]);
        assert!(s.by_kind.is_empty());
        let json = serde_json::to_string(&s).expect("json");
        assert!(!json.contains("by_kind"), "{json}");
        assert!(!s.to_string().contains("by kind"));
        let back: Scores = serde_json::from_str(&json).expect("no by_kind field");
        assert_eq!(back, s);
    }

    #[test]
    fn truth_files_carry_kinds_and_scores_serialize_them() {
        let t = truth(concat!(
            "{\"members\":[{\"doc\":\"a\",\"start\":0,\"end\":5},",
            "{\"doc\":\"b\",\"start\":0,\"end\":5,\"kind\":\"hard-wrap\"}]}\n",
            "{\"members\":[{\"doc\":\"c\",\"start\":0,\"end\":5},",
            "{\"doc\":\"d\",\"start\":0,\"end\":5,\"kind\":\"edited\"}]}\n",
        ));
        assert_eq!(t.kinds(), ["hard-wrap", "edited"]);
        let s = run(&t, &[vec![sp("c", 0, 5), sp("d", 0, 5)]]);
        let json: serde_json::Value = serde_json::to_value(&s).expect("json");
        assert_eq!(json["by_kind"]["edited"]["recall"], 1.0);
        assert_eq!(json["by_kind"]["hard-wrap"]["found_pairs"], 0);
        assert_eq!(json["by_kind"]["hard-wrap"]["true_pairs"], 1);
        let back: Scores = serde_json::from_value(json).expect("round trip");
        assert_eq!(back.by_kind, s.by_kind);
    }

    #[test]
    fn a_matched_range_is_matched_instead_of_the_unit() {
        // Document a holds two labelled spans; the reported unit a[0,100)
        // overlaps the first more, but its matched part is the second.
        let t = Truth::from_groups(vec![
            vec![sp("a", 0, 50), sp("b", 0, 50)],
            vec![sp("a", 60, 90), sp("c", 0, 30)],
        ])
        .expect("truth");
        let member = |extra: &str| {
            format!(
                "{{\"members\":[{{\"doc\":\"a\",\"start\":0,\"end\":100{extra}}},{{\"doc\":\"c\",\"start\":0,\"end\":30}}]}}\n"
            )
        };
        let plain = predicted(&member(""));
        assert_eq!(plain.groups[0][0], sp("a", 0, 100));
        let s = run(&t, &plain.groups);
        assert_eq!(s.correct_pairs, 0, "the whole unit matches a[0,50)");
        let matched = predicted(&member(",\"match_start\":60,\"match_end\":90"));
        assert_eq!(matched.groups[0][0], sp("a", 60, 90));
        let s = run(&t, &matched.groups);
        assert_eq!((s.correct_pairs, s.pair_precision), (1, 1.0));
        // The same in a dupscan report.
        let mut r = report();
        r["groups"][0]["members"][0]["match_start"] = 2.into();
        r["groups"][0]["members"][0]["match_end"] = 8.into();
        let p = predicted(&serde_json::to_string(&r).expect("json"));
        assert_eq!(p.groups[0][0], sp("a", 2, 8));
        assert_eq!(p.groups[1], expected_groups()[1]);
    }

    #[test]
    fn malformed_matched_ranges_name_their_line() {
        let bad = |fields: &str| {
            let text =
                format!("{{\"members\":[{{\"doc\":\"a\",\"start\":0,\"end\":9{fields}}}]}}\n");
            match parse_predicted(text.as_bytes(), Path::new("r")) {
                Err(Error::BadLine { line, message, .. }) => (line, message),
                other => panic!("expected BadLine, got {other:?}"),
            }
        };
        let (line, msg) = bad(",\"match_start\":3");
        assert_eq!(line, 1);
        assert!(msg.contains("both match_start and match_end"), "{msg}");
        let (_, msg) = bad(",\"match_start\":5,\"match_end\":4");
        assert!(msg.contains("match_start 5 is after match_end 4"), "{msg}");
    }
}
