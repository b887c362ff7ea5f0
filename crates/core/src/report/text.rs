//! The human-readable summary: parameters and counts, then the largest groups
//! with their members one under the other, similarity first (the first
//! [`Text::members`] of each; a note says how many more there are).
//!
//! Ids and texts come from the corpus, so they are printed through
//! [`crate::escape`]: a control character, an escape sequence or a newline in
//! an id or a text shows as `\x1b`, `\n`, ... and cannot garble the terminal
//! or forge a line of the report.

use std::io::{self, Write};

use super::{Report, ReportWriter};
use crate::escape::{Escaped, escape};

/// A readable summary.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    /// How many groups to show, largest first.
    pub top: usize,
    /// How many members to show per group.
    pub members: usize,
    /// Longest text shown per member, in characters.
    pub width: usize,
}

impl Default for Text {
    fn default() -> Self {
        Self {
            top: 20,
            members: 12,
            width: 110,
        }
    }
}

/// A mode as the command line and the JSON report spell it.
fn name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::from("?"),
    }
}

/// `text` on one line: whitespace runs folded to a space, cut to `width`
/// characters, then escaped.
fn clip(text: &str, width: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= width {
        escape(&flat).into_owned()
    } else {
        let cut: String = flat.chars().take(width.saturating_sub(1)).collect();
        format!("{}…", escape(&cut))
    }
}

impl ReportWriter for Text {
    fn write(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let p = &r.params.scan;
        let s = &r.stats;
        writeln!(
            out,
            "{} {}: {} units, threshold {}, {} {}-grams, {} permutations ({} bands x {} rows), seed {}, scope {}",
            r.tool.name,
            r.tool.version,
            name(&p.unit),
            p.threshold,
            name(&p.shingle),
            p.ngram,
            p.num_perm,
            p.bands.bands,
            p.bands.rows,
            p.seed,
            name(&p.scope)
        )?;
        writeln!(
            out,
            "{} documents, {} units ({} skipped as shorter than {} tokens, {} exact repeats), {} candidate pairs, {} verified",
            s.documents,
            s.units,
            s.skipped_units,
            p.min_tokens,
            s.exact_duplicate_units,
            s.candidate_pairs,
            s.verified_pairs
        )?;
        writeln!(
            out,
            "{} groups, {} duplicate units, {:.2} s",
            s.groups, s.duplicate_units, s.seconds
        )?;
        if s.invalid_utf8 > 0 || s.bad_lines > 0 {
            writeln!(
                out,
                "{} documents with invalid UTF-8 replaced, {} bad lines skipped",
                s.invalid_utf8, s.bad_lines
            )?;
        }
        if s.lone_surrogates > 0 {
            writeln!(
                out,
                "{} documents with lone surrogate escapes read as U+FFFD",
                s.lone_surrogates
            )?;
        }
        if s.duplicate_ids > 0 {
            writeln!(
                out,
                "{} documents with an id an earlier document already has",
                s.duplicate_ids
            )?;
        }
        if let Some(c) = &r.contamination {
            writeln!(
                out,
                "contamination: {} of {} reference items matched by {} corpus units",
                c.contaminated_documents, c.reference_documents, c.corpus_units
            )?;
            for item in &c.items {
                writeln!(
                    out,
                    "  {}: {}/{} units matched, {} corpus units in {} documents",
                    Escaped(&item.doc),
                    item.matched_units,
                    item.units,
                    item.corpus_units,
                    item.corpus_documents
                )?;
            }
            if c.unchecked_documents > 0 {
                writeln!(
                    out,
                    "unchecked: {} reference items could not be checked",
                    c.unchecked_documents
                )?;
                for u in &c.unchecked {
                    writeln!(
                        out,
                        "  {} ({} words): {}",
                        Escaped(&u.doc),
                        u.words,
                        u.reason
                    )?;
                }
            }
        }
        let mut order: Vec<usize> = (0..r.len()).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(r.group_size(i)), i));
        for &i in order.iter().take(self.top) {
            let g = r.group_head(i, self.members);
            writeln!(out)?;
            writeln!(
                out,
                "group {}: {} members in {} documents, min similarity {:.2}",
                g.id, g.size, g.documents, g.min_similarity
            )?;
            for (k, m) in g.members.iter().enumerate() {
                let mark = if k == 0 {
                    " rep".to_string()
                } else {
                    format!("{:.2}", m.similarity)
                };
                let side = match m.side {
                    Some(super::Side::Reference) => " (reference)",
                    Some(super::Side::Corpus) => " (corpus)",
                    None => "",
                };
                writeln!(
                    out,
                    "  {mark}  {} #{} [{}..{}]{side}",
                    Escaped(m.doc),
                    m.unit,
                    m.start,
                    m.end
                )?;
                writeln!(out, "        {}", clip(m.text, self.width))?;
            }
            if g.size as usize > g.members.len() {
                writeln!(
                    out,
                    "  ... {} more members",
                    g.size as usize - g.members.len()
                )?;
            }
        }
        if r.len() > self.top {
            writeln!(out)?;
            writeln!(
                out,
                "... {} more groups; --format json lists them all",
                r.len() - self.top
            )?;
        }
        Ok(())
    }
}
