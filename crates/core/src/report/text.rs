//! The human-readable summary: parameters and counts, then the first
//! [`Text::top`] groups in [`Text::sort`] order (by default the most
//! duplicated bytes first, which puts repeated paragraphs before one-line
//! headers), each with its members one under the other: the representative's
//! text, then each member's words against it (`[-old-]{+new+}`, or red and
//! green on a terminal), with the member's document, source and position;
//! a footer says what was left out and how to see it.
//!
//! Ids and texts come from the corpus, so they are printed through
//! [`crate::escape`]: a control character, an escape sequence or a newline in
//! an id or a text shows as `\x1b`, `\n`, ... and cannot garble the terminal
//! or forge a line of the report.

use std::io::{self, Write};

use super::{Report, ReportWriter};
use crate::escape::{Escaped, escape};

/// The order of groups in the text report (`--sort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextSort {
    /// Most duplicated bytes first (what dedup would remove).
    #[default]
    Bytes,
    /// Most members first.
    Size,
    /// Most documents first.
    Documents,
    /// Lowest minimum similarity first (the groups to check by eye).
    Similarity,
}

/// A readable summary.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    /// How many groups to show.
    pub top: usize,
    /// How many members to show per group.
    pub members: usize,
    /// Longest text shown per member, in characters.
    pub width: usize,
    /// The order of the groups.
    pub sort: TextSort,
    /// Mark differing words with terminal colours instead of
    /// `[-old-]{+new+}`.
    pub color: bool,
}

impl Default for Text {
    fn default() -> Self {
        Self {
            top: 20,
            members: 12,
            width: 110,
            sort: TextSort::Bytes,
            color: false,
        }
    }
}

/// Longest word sequences compared word by word; longer ones are shown
/// without marks.
const DIFF_WORDS: usize = 400;

/// `text`'s words against `rep`'s: words only in `rep` as `[-…-]`, words
/// only in `text` as `{+…+}` (red and green with `color`), escaped; `None`
/// when either is too long to compare.
fn word_diff(rep: &str, text: &str, color: bool) -> Option<String> {
    let a: Vec<&str> = rep.split_whitespace().collect();
    let b: Vec<&str> = text.split_whitespace().collect();
    if a.len() > DIFF_WORDS || b.len() > DIFF_WORDS {
        return None;
    }
    // Longest common subsequence, table from the ends.
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![0u16; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if a[i] == b[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let (del, ins, end) = if color {
        ("\x1b[31m", "\x1b[32m", "\x1b[0m")
    } else {
        ("[-", "{+", "")
    };
    let (del_end, ins_end) = if color { (end, end) } else { ("-]", "+}") };
    // Walk the table: 0 common, 1 only in `text`, 2 only in `rep`.
    let mut ops: Vec<(u8, &str)> = Vec::with_capacity(n + m);
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((0, a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
            // Deletions before insertions, as `git diff --word-diff`.
            ops.push((2, a[i]));
            i += 1;
        } else {
            ops.push((1, b[j]));
            j += 1;
        }
    }
    let mut out: Vec<String> = Vec::new();
    for run in ops.chunk_by(|x, y| x.0 == y.0) {
        let words: Vec<&str> = run.iter().map(|(_, w)| *w).collect();
        let words = escape(&words.join(" ")).into_owned();
        out.push(match run[0].0 {
            0 => words,
            1 => format!("{ins}{words}{ins_end}"),
            _ => format!("{del}{words}{del_end}"),
        });
    }
    Some(out.join(" "))
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
        match self.sort {
            TextSort::Bytes => {
                order.sort_by_cached_key(|&i| (std::cmp::Reverse(r.group_bytes(i)), i));
            }
            TextSort::Size => order.sort_by_key(|&i| (std::cmp::Reverse(r.group_size(i)), i)),
            TextSort::Documents => {
                order.sort_by_cached_key(|&i| (std::cmp::Reverse(r.group_head(i, 0).documents), i))
            }
            TextSort::Similarity => order.sort_by(|&x, &y| {
                let sim = |i| r.group_head(i, 0).min_similarity;
                sim(x).total_cmp(&sim(y)).then(x.cmp(&y))
            }),
        }
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
                let source = if m.source == m.doc {
                    String::new()
                } else {
                    format!(" in {}", Escaped(m.source))
                };
                writeln!(
                    out,
                    "  {mark}  {} #{} [{}..{}]{source}{side}",
                    Escaped(m.doc),
                    m.unit,
                    m.start,
                    m.end
                )?;
                let rep: &str = &g.members[0].text;
                let shown = if k == 0 || m.text.is_empty() {
                    None
                } else if m.text.split_whitespace().eq(rep.split_whitespace()) {
                    Some(String::from("(same words as the representative)"))
                } else {
                    word_diff(rep, &m.text, self.color)
                };
                match shown {
                    Some(line) => writeln!(out, "        {line}")?,
                    None => writeln!(out, "        {}", clip(&m.text, self.width))?,
                }
            }
            if g.size as usize > g.members.len() {
                writeln!(
                    out,
                    "  ... {} more members",
                    g.size as usize - g.members.len()
                )?;
            }
        }
        let sorted = match self.sort {
            TextSort::Bytes => "most duplicated bytes first",
            TextSort::Size => "largest first",
            TextSort::Documents => "most documents first",
            TextSort::Similarity => "lowest similarity first",
        };
        let duplicated: u64 = (0..r.len()).map(|i| r.group_bytes(i)).sum();
        writeln!(out)?;
        writeln!(
            out,
            "{} of {} groups shown ({sorted}; --sort bytes|size|documents|similarity); {} bytes duplicated in all{}",
            r.len().min(self.top),
            r.len(),
            duplicated,
            if r.len() > self.top {
                "; --format json or html lists them all"
            } else {
                ""
            }
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_diff_marks_deleted_then_inserted_words() {
        let rep = "the first Sunday of each month";
        let text = "the first Saturday of every month, free";
        assert_eq!(
            word_diff(rep, text, false).as_deref(),
            Some("the first [-Sunday-] {+Saturday+} of [-each month-] {+every month, free+}")
        );
        assert_eq!(word_diff("a b", "a b", false).as_deref(), Some("a b"));
        assert_eq!(
            word_diff("", "new words", false).as_deref(),
            Some("{+new words+}")
        );
    }

    #[test]
    fn word_diff_escapes_corpus_text_and_colours_only_its_own_marks() {
        let got = word_diff("keep old", "keep \u{1b}[2Jnew", true).expect("short");
        assert!(got.contains("\\x1b[2Jnew"), "{got}");
        assert!(got.contains("\u{1b}[31mold\u{1b}[0m"), "{got}");
        assert!(got.contains("\u{1b}[32m"), "{got}");
    }

    #[test]
    fn long_texts_are_not_compared() {
        let long = "word ".repeat(DIFF_WORDS + 1);
        assert_eq!(word_diff(&long, "word", false), None);
    }
}
