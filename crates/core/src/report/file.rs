//! A report read back: owned types that deserialize what the writers write.
//!
//! [`Report`](super::Report) is a view of a scan, for writing. Reading a
//! report back (scoring it with `eval`, merging reports, a binding handing
//! it on) needs owned data: [`ReportFile`] is a whole `--format json`
//! report, [`ReportHeader`] the first line of a `--format jsonl` one and
//! [`GroupRecord`] each line after it. Field names and order are the
//! writers', so serializing these types gives the writers' bytes again.
//!
//! Fields added to the report after version 0.1.0 (a member's `via`,
//! `match_start` and `match_end`; the stats' `lone_surrogates` and
//! `duplicate_ids`; the params' `groups`) have defaults, so older reports
//! still parse. A report can be read one group at a time with
//! [`ReportFile::read_groups`], so that one with millions of members is
//! never held whole.
//!
//! ```
//! use dupscan_core::report::ReportFile;
//!
//! let json = r#"{"tool":{"name":"dupscan","version":"0.1.0"},
//!   "params":{"inputs":["a.jsonl"],"unit":"sentence","threshold":0.7,"shingle":"char",
//!     "ngram":5,"num_perm":128,"sketch":"one-permutation","bands":20,"rows":6,"seed":42,
//!     "min_tokens":6,"scope":"cross-doc","verify":"exact",
//!     "normalize":{"nfkc":true,"case":true,"punctuation":true,"whitespace":true},
//!     "text_field":"text","id_field":"id"},
//!   "stats":{"documents":2,"units":2,"skipped_units":0,"exact_duplicate_units":1,
//!     "candidate_pairs":0,"verified_pairs":0,"groups":1,"duplicate_units":1,"bytes":60,
//!     "invalid_utf8":0,"bad_lines":0,"seconds":0.01},
//!   "groups":[{"id":0,"size":2,"documents":2,"min_similarity":1.0,"members":[
//!     {"doc":"1","source":"a.jsonl","unit":0,"start":0,"end":30,"similarity":1.0,"text":"The same sentence, twice over."},
//!     {"doc":"2","source":"a.jsonl","unit":0,"start":0,"end":30,"similarity":1.0,"text":"The same sentence, twice over."}]}]}"#;
//! let report: ReportFile = serde_json::from_str(json)?;
//! assert_eq!(report.groups[0].members[1].doc, "2");
//! assert_eq!(report.groups[0].members[1].via, None, "a report from before `via`");
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::{Contamination, Params, Side, Stats, Tool};
use crate::cluster::Via;

/// One member of a group, as read back (see
/// [`ReportMember`](super::ReportMember) for the meaning of each field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberRecord {
    /// Document id.
    pub doc: String,
    /// The file the document came from, as displayed.
    pub source: String,
    /// Index of the unit in its document.
    pub unit: u32,
    /// Start byte offset in the document's text.
    pub start: u32,
    /// End byte offset (exclusive).
    pub end: u32,
    /// Similarity to the representative.
    pub similarity: f64,
    /// How the member is tied to the representative (absent from reports
    /// of earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
    /// Start byte offset of the part of the unit that matched (absent from
    /// reports of earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_start: Option<u32>,
    /// End byte offset (exclusive) of the part that matched (absent from
    /// reports of earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_end: Option<u32>,
    /// `start` in code points (absent from reports of earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub char_start: Option<u32>,
    /// `end` in code points (absent from reports of earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub char_end: Option<u32>,
    /// `match_start` in code points (absent from reports of earlier
    /// versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_char_start: Option<u32>,
    /// `match_end` in code points (absent from reports of earlier
    /// versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_char_end: Option<u32>,
    /// The unit's original text (absent from reports written without
    /// member texts).
    #[serde(default)]
    pub text: String,
    /// In a contamination check, which side the unit is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<Side>,
    /// With several text fields, the field the unit starts in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// With several text fields, the unit's start in that field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_start: Option<u32>,
    /// With several text fields, the unit's end in that field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_end: Option<u32>,
}

/// One group, as read back (see [`ReportGroup`](super::ReportGroup)); a
/// line of a JSON Lines report after its header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRecord {
    /// Position of the group in the report, from 0.
    pub id: u64,
    /// Number of members.
    pub size: u64,
    /// Number of distinct documents among the members.
    pub documents: u64,
    /// Smallest similarity seen in the group.
    pub min_similarity: f64,
    /// The representative first, then the other members.
    pub members: Vec<MemberRecord>,
}

/// Everything in a report before its groups; the first line of a JSON
/// Lines report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportHeader {
    /// Who wrote it.
    pub tool: Tool,
    /// With which parameters.
    pub params: Params,
    /// Counters.
    pub stats: Stats,
    /// Per-reference-item summary; only with `--reference`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contamination: Option<Contamination>,
}

/// A whole JSON report, as read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportFile {
    /// Who wrote it.
    pub tool: Tool,
    /// With which parameters.
    pub params: Params,
    /// Counters.
    pub stats: Stats,
    /// Per-reference-item summary; only with `--reference`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contamination: Option<Contamination>,
    /// The groups, in report order.
    pub groups: Vec<GroupRecord>,
}

impl ReportFile {
    /// Reads a whole JSON report from `deserializer`, handing each group to
    /// `each` as soon as it is read instead of keeping it; returns the
    /// header. An error `each` returns stops the read, as a serde error
    /// (so serde_json gives it a line and column).
    ///
    /// # Errors
    ///
    /// What `deserializer` finds wrong: not an object, a missing or
    /// malformed field, or an error of `each`.
    pub fn read_groups<'de, D, F>(deserializer: D, each: F) -> Result<ReportHeader, D::Error>
    where
        D: Deserializer<'de>,
        F: FnMut(GroupRecord) -> Result<(), String>,
    {
        deserializer.deserialize_map(ReportVisitor { each })
    }
}

impl ReportHeader {
    /// The header of a whole report with `groups`.
    pub fn with_groups(self, groups: Vec<GroupRecord>) -> ReportFile {
        let ReportHeader {
            tool,
            params,
            stats,
            contamination,
        } = self;
        ReportFile {
            tool,
            params,
            stats,
            contamination,
            groups,
        }
    }
}

impl<'de> Deserialize<'de> for ReportFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut groups = Vec::new();
        let header = ReportFile::read_groups(deserializer, |g| {
            groups.push(g);
            Ok(())
        })?;
        Ok(header.with_groups(groups))
    }
}

/// Reads a report object: the header's fields as their types, `groups` one
/// at a time into `each`, other fields skipped.
struct ReportVisitor<F> {
    each: F,
}

impl<'de, F: FnMut(GroupRecord) -> Result<(), String>> Visitor<'de> for ReportVisitor<F> {
    type Value = ReportHeader;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a dupscan report")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<ReportHeader, A::Error> {
        let mut tool = None;
        let mut params = None;
        let mut stats = None;
        let mut contamination = None;
        let mut groups = false;
        fn once<T, E: de::Error>(slot: &Option<T>, name: &'static str) -> Result<(), E> {
            match slot {
                Some(_) => Err(E::duplicate_field(name)),
                None => Ok(()),
            }
        }
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "tool" => {
                    once(&tool, "tool")?;
                    tool = Some(map.next_value()?);
                }
                "params" => {
                    once(&params, "params")?;
                    params = Some(map.next_value()?);
                }
                "stats" => {
                    once(&stats, "stats")?;
                    stats = Some(map.next_value()?);
                }
                "contamination" => {
                    once(&contamination, "contamination")?;
                    contamination = Some(map.next_value::<Option<Contamination>>()?);
                }
                "groups" => {
                    if groups {
                        return Err(de::Error::duplicate_field("groups"));
                    }
                    groups = true;
                    map.next_value_seed(GroupsSeed {
                        each: &mut self.each,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !groups {
            return Err(de::Error::missing_field("groups"));
        }
        Ok(ReportHeader {
            tool: tool.ok_or_else(|| de::Error::missing_field("tool"))?,
            params: params.ok_or_else(|| de::Error::missing_field("params"))?,
            stats: stats.ok_or_else(|| de::Error::missing_field("stats"))?,
            contamination: contamination.flatten(),
        })
    }
}

/// Reads the `groups` array, handing each group on.
struct GroupsSeed<'f, F> {
    each: &'f mut F,
}

impl<'de, F: FnMut(GroupRecord) -> Result<(), String>> DeserializeSeed<'de> for GroupsSeed<'_, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(GroupRecord) -> Result<(), String>> Visitor<'de> for GroupsSeed<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of groups")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(GroupSeed {
                each: &mut *self.each,
            })?
            .is_some()
        {}
        Ok(())
    }
}

/// Reads one group and hands it on from inside the group's object, so that
/// an error of `each` is placed at the group (serde_json places an error
/// where it is when the object it comes from ends).
struct GroupSeed<'f, F> {
    each: &'f mut F,
}

impl<'de, F: FnMut(GroupRecord) -> Result<(), String>> DeserializeSeed<'de> for GroupSeed<'_, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, F: FnMut(GroupRecord) -> Result<(), String>> Visitor<'de> for GroupSeed<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a group")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let group = GroupRecord::deserialize(de::value::MapAccessDeserializer::new(map))?;
        (self.each)(group).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#""tool":{"name":"dupscan","version":"0.1.0"},
        "params":{"inputs":["a"],"unit":"sentence","threshold":0.7,"shingle":"char",
        "ngram":5,"num_perm":128,"sketch":"one-permutation","bands":20,"rows":6,"seed":42,
        "min_tokens":6,"scope":"cross-doc","verify":"exact",
        "normalize":{"nfkc":true,"case":true,"punctuation":true,"whitespace":true},
        "text_field":"text","id_field":"id"},
        "stats":{"documents":0,"units":0,"skipped_units":0,"exact_duplicate_units":0,
        "candidate_pairs":0,"verified_pairs":0,"groups":0,"duplicate_units":0,"bytes":0,
        "invalid_utf8":0,"bad_lines":0,"seconds":0.0}"#;

    const GROUP: &str = r#"{"id":0,"size":1,"documents":1,"min_similarity":1.0,"members":[
        {"doc":"d","source":"a","unit":0,"start":0,"end":3,"similarity":1.0,"text":"abc"}]}"#;

    #[test]
    fn groups_are_handed_on_one_at_a_time_in_order() {
        let json = format!(
            "{{{HEADER},\"groups\":[{GROUP},{}]}}",
            GROUP.replace("\"id\":0", "\"id\":1")
        );
        let mut ids = Vec::new();
        let mut de = serde_json::Deserializer::from_str(&json);
        let header = ReportFile::read_groups(&mut de, |g| {
            ids.push(g.id);
            Ok(())
        })
        .expect("report");
        assert_eq!(ids, [0, 1]);
        assert_eq!(header.tool.name, "dupscan");
        assert_eq!(header.contamination, None);
        let file: ReportFile = serde_json::from_str(&json).expect("report");
        assert_eq!(file.groups.len(), 2);
        assert_eq!(
            file.params.scan.grouping,
            crate::config::Grouping::Components
        );
    }

    #[test]
    fn an_error_of_the_callback_says_where() {
        let json = format!("{{{HEADER},\n\"groups\":[\n{GROUP}]}}");
        let mut de = serde_json::Deserializer::from_str(&json);
        let err = ReportFile::read_groups(&mut de, |_| Err("no thanks".into())).expect_err("stop");
        assert!(err.to_string().starts_with("no thanks at line"), "{err}");
        assert!(err.line() > 1, "{err}");
    }

    #[test]
    fn missing_repeated_and_malformed_fields_are_errors() {
        let cases = [
            (format!("{{{HEADER}}}"), "missing field `groups`"),
            ("{\"groups\":[]}".to_owned(), "missing field `tool`"),
            (
                format!("{{{HEADER},\"groups\":[],\"groups\":[]}}"),
                "duplicate field `groups`",
            ),
            (
                format!(
                    "{{{HEADER},\"groups\":[{}]}}",
                    GROUP.replace("\"start\":0", "\"start\":\"x\"")
                ),
                "invalid type",
            ),
            ("[]".to_owned(), "a dupscan report"),
        ];
        for (json, message) in cases {
            let err = serde_json::from_str::<ReportFile>(&json).expect_err(message);
            assert!(err.to_string().contains(message), "{err}");
        }
    }

    #[test]
    fn unknown_fields_are_skipped() {
        let json = format!("{{\"future\":[1,{{}}],{HEADER},\"groups\":[]}}");
        let file: ReportFile = serde_json::from_str(&json).expect("report");
        assert!(file.groups.is_empty());
    }
}
