//! Cutting units out of a text and mending the whitespace around each cut.
//!
//! Units are trimmed spans and the text between two units is whitespace
//! (see [`crate::segment`]), so a text reads: leading whitespace, unit, gap,
//! unit, …, trailing whitespace. Removing units must not leave two gaps side
//! by side (`"A.  C."`) nor a dangling blank line, so each *cut* (a run of
//! removed units with only whitespace between them) is replaced, together
//! with the whitespace on both sides of it, by exactly one of the whitespace
//! runs it touched:
//!
//! * a cut at the start of the text keeps the text's leading whitespace (if
//!   any) and drops the whitespace after the cut;
//! * a cut at the end keeps the trailing whitespace (a text file's final
//!   newline survives) and drops the whitespace before the cut;
//! * a cut in the middle keeps the run holding the most line breaks, so a
//!   paragraph break wins over a sentence space (`"A. B.\n\nC."` minus `B.`
//!   is `"A.\n\nC."`); among equals, the first non-empty run, so a cut never
//!   glues two words that were apart.
//!
//! Nothing inside the kept text changes, and every whitespace run of the
//! result is a whole whitespace run of the input. A text with nothing left
//! but whitespace mends to the empty string.
//!
//! ```
//! use dupscan::dedup::mend;
//! use dupscan::segment::Span;
//!
//! let span = |start, end| Span { start, end };
//! assert_eq!(mend("A. B. C.", &[span(3, 5)]), "A. C.");
//! assert_eq!(mend("P1\n\nP2\n\nP3\n", &[span(4, 6)]), "P1\n\nP3\n");
//! assert_eq!(mend("P1\n\nP2\n\nP3\n", &[span(8, 10)]), "P1\n\nP2\n");
//! assert_eq!(mend("A. B.", &[span(0, 2), span(3, 5)]), "");
//! ```

use std::ops::Range;

use crate::segment::Span;

/// Whitespace as [`crate::segment`] trims it: Unicode whitespace plus the
/// zero-width space, word joiner and byte order mark.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}')
}

/// Whether `s` is empty or whitespace only.
pub(crate) fn is_blank(s: &str) -> bool {
    s.chars().all(is_space)
}

/// Line breaks in `s`: `\n`, `\r\n`, a lone `\r`, NEL, U+2028 and U+2029
/// each count once.
fn line_breaks(s: &str) -> usize {
    let mut n = 0;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                n += 1;
            }
            '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' => n += 1,
            _ => {}
        }
    }
    n
}

/// Start of the whitespace run that ends at `end`, not going below `floor`.
fn space_before(text: &str, floor: usize, end: usize) -> usize {
    text[floor..end]
        .char_indices()
        .rev()
        .find(|&(_, c)| !is_space(c))
        .map_or(floor, |(i, c)| floor + i + c.len_utf8())
}

/// End of the whitespace run that starts at `start`, not going past `ceiling`.
fn space_after(text: &str, start: usize, ceiling: usize) -> usize {
    text[start..ceiling]
        .char_indices()
        .find(|&(_, c)| !is_space(c))
        .map_or(ceiling, |(i, _)| start + i)
}

/// The separator a middle cut keeps, among the whitespace `runs` of `text`:
/// the run with the most line breaks, among equals the first non-empty one.
fn separator(text: &str, runs: &[Range<usize>]) -> Range<usize> {
    let mut best = runs[0].clone();
    for run in &runs[1..] {
        let (b, r) = (
            line_breaks(&text[best.clone()]),
            line_breaks(&text[run.clone()]),
        );
        if r > b || (r == b && best.is_empty() && !run.is_empty()) {
            best = run.clone();
        }
    }
    best
}

/// `text` with the `removed` spans cut out and the whitespace around each
/// cut mended (see the module docs).
///
/// `removed` must be sorted, non-overlapping spans on char boundaries of
/// `text`, as [`crate::segment::segment`] produces. Spans that are not
/// trimmed units still work; the whitespace rules then apply to whatever
/// whitespace surrounds them. Returns `text` unchanged when `removed` is
/// empty, and the empty string when only whitespace would be left.
///
/// # Panics
///
/// If a span is out of bounds, not on a char boundary, or the spans are not
/// sorted and disjoint.
pub fn mend(text: &str, removed: &[Span]) -> String {
    mend_ranges(text, removed)
        .into_iter()
        .map(|r| &text[r])
        .collect()
}

/// The byte ranges of `text` that [`mend`] keeps, in order: `mend` is their
/// concatenation. Each range is on char boundaries; none is empty.
///
/// This lets a writer copy the kept parts from the bytes `text` was decoded
/// from (see [`super::splice`]) instead of writing `text` itself.
///
/// # Panics
///
/// As [`mend`].
pub(crate) fn mend_ranges(text: &str, removed: &[Span]) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(2 * removed.len() + 1);
    let mut keep = |r: Range<usize>| {
        if !r.is_empty() {
            out.push(r);
        }
    };
    // Everything before `pos` is handled.
    let mut pos = 0;
    let mut i = 0;
    while i < removed.len() {
        // Extend the cut over the following spans separated by whitespace only.
        let first = removed[i].range();
        assert!(
            first.start >= pos,
            "removed spans must be sorted and disjoint"
        );
        let mut gaps: Vec<Range<usize>> = Vec::new();
        let mut end = first.end;
        i += 1;
        while let Some(next) = removed.get(i).map(|s| s.range()) {
            assert!(
                next.start >= end,
                "removed spans must be sorted and disjoint"
            );
            if !is_blank(&text[end..next.start]) {
                break;
            }
            gaps.push(end..next.start);
            end = next.end;
            i += 1;
        }
        let ceiling = removed.get(i).map_or(text.len(), |s| s.start as usize);
        let before = space_before(text, pos, first.start);
        let after = space_after(text, end, ceiling);
        let at_start = before == 0;
        let at_end = after == text.len();
        let sep = match (at_start, at_end) {
            (true, true) => return Vec::new(),
            (true, false) => before..first.start,
            (false, true) => end..after,
            (false, false) => {
                let mut runs = Vec::with_capacity(gaps.len() + 2);
                runs.push(before..first.start);
                runs.extend(gaps);
                runs.push(end..after);
                separator(text, &runs)
            }
        };
        keep(pos..before);
        keep(sep);
        pos = after;
    }
    keep(pos..text.len());
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::config::UnitKind;
    use crate::segment::segment;

    fn span(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// Removes the units at `indexes` of `text` segmented at `kind` level.
    fn cut(text: &str, kind: UnitKind, indexes: &[usize]) -> String {
        let mut spans = Vec::new();
        segment(text, kind, &mut spans);
        let removed: Vec<Span> = indexes.iter().map(|&i| spans[i]).collect();
        mend(text, &removed)
    }

    #[test]
    fn removes_sentences_anywhere() {
        let s = UnitKind::Sentence;
        assert_eq!(cut("A one. B two. C three.", s, &[1]), "A one. C three.");
        assert_eq!(cut("A one. B two. C three.", s, &[0]), "B two. C three.");
        assert_eq!(cut("A one. B two. C three.", s, &[2]), "A one. B two.");
        assert_eq!(cut("A one. B two. C three.", s, &[0, 2]), "B two.");
        assert_eq!(cut("A one. B two. C three.", s, &[0, 1]), "C three.");
        assert_eq!(cut("A one. B two. C three.", s, &[0, 1, 2]), "");
    }

    #[test]
    fn keeps_paragraph_breaks_and_outer_whitespace() {
        let s = UnitKind::Sentence;
        // The last sentence of a paragraph: the paragraph break survives.
        assert_eq!(
            cut("A one. B two.\n\nC three.", s, &[1]),
            "A one.\n\nC three."
        );
        // The first sentence of a paragraph.
        assert_eq!(
            cut("A one.\n\nB two. C three.", s, &[1]),
            "A one.\n\nC three."
        );
        // A whole paragraph across the break.
        assert_eq!(
            cut("A one.\n\nB two. C three.\n\nD four.", s, &[1, 2]),
            "A one.\n\nD four."
        );
        // Leading and trailing whitespace of the text are kept.
        assert_eq!(cut("  A one. B two.\n", s, &[0]), "  B two.\n");
        assert_eq!(cut("  A one. B two.\n", s, &[1]), "  A one.\n");
        // One sentence per line.
        assert_eq!(
            cut("A one.\nB two.\nC three.\n", s, &[1]),
            "A one.\nC three.\n"
        );
    }

    #[test]
    fn removes_paragraphs_with_their_separator() {
        let p = UnitKind::Paragraph;
        let text = "Title\n\nFirst para.\n\nSecond para.\n\nThird para.\n";
        assert_eq!(
            cut(text, p, &[0]),
            "First para.\n\nSecond para.\n\nThird para.\n"
        );
        assert_eq!(cut(text, p, &[2]), "Title\n\nFirst para.\n\nThird para.\n");
        assert_eq!(cut(text, p, &[3]), "Title\n\nFirst para.\n\nSecond para.\n");
        assert_eq!(cut(text, p, &[1, 2]), "Title\n\nThird para.\n");
        assert_eq!(cut("a\r\n\r\nb\r\n\r\nc", p, &[1]), "a\r\n\r\nc");
    }

    #[test]
    fn never_glues_words() {
        // Glued sentences: the empty gap loses to the space after the cut.
        assert_eq!(
            mend("x soon.The next. After.", &[span(7, 16)]),
            "x soon. After."
        );
        assert_eq!(mend("A.B.C.", &[span(2, 4)]), "A.C.");
    }

    #[test]
    fn nothing_removed_is_identity() {
        assert_eq!(mend("  any\n text ", &[]), "  any\n text ");
        assert_eq!(mend("   ", &[]), "   ");
    }

    #[test]
    fn counts_line_breaks() {
        assert_eq!(line_breaks("\r\n\r\n"), 2);
        assert_eq!(line_breaks("\r\r \n\u{2029}\u{85}"), 5);
        assert_eq!(line_breaks("  \t"), 0);
    }

    /// Maximal whitespace runs of `s`.
    fn space_runs(s: &str) -> Vec<&str> {
        let mut runs = Vec::new();
        let mut start = None;
        for (i, c) in s.char_indices() {
            match (is_space(c), start) {
                (true, None) => start = Some(i),
                (false, Some(st)) => {
                    runs.push(&s[st..i]);
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(st) = start {
            runs.push(&s[st..]);
        }
        runs
    }

    fn text_strategy() -> impl Strategy<Value = String> {
        let word = prop::sample::select(vec![
            "Alpha",
            "beta",
            "Gamma.",
            "delta.",
            "Eps!",
            "zeta?",
            "Ünïcode.",
            "x",
        ]);
        let space = prop::sample::select(vec![" ", "  ", "\n", "\n\n", "\r\n", "\t", " \n\n "]);
        (
            prop::sample::select(vec!["", " ", "\n"]),
            prop::collection::vec((word, space), 1..24),
            prop::sample::select(vec!["", "\n", "  "]),
        )
            .prop_map(|(lead, parts, trail)| {
                let mut s = lead.to_owned();
                for (k, (w, sp)) in parts.iter().enumerate() {
                    if k > 0 {
                        s.push_str(sp);
                    }
                    s.push_str(w);
                }
                s.push_str(trail);
                s
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Kept units come out whole and in order, every whitespace run of the
        /// result is a whole run of the input (so no double space or extra
        /// blank line appears at a cut), and the text keeps its leading and
        /// trailing whitespace unless nothing is left.
        #[test]
        fn mend_keeps_units_and_only_original_whitespace(
            text in text_strategy(),
            kind in prop::sample::select(vec![UnitKind::Sentence, UnitKind::Paragraph]),
            mask in prop::collection::vec(any::<bool>(), 64),
        ) {
            let mut spans = Vec::new();
            segment(&text, kind, &mut spans);
            let removed: Vec<Span> =
                spans.iter().enumerate().filter(|(i, _)| mask[*i % 64]).map(|(_, s)| *s).collect();
            let kept: Vec<Span> =
                spans.iter().enumerate().filter(|(i, _)| !mask[*i % 64]).map(|(_, s)| *s).collect();
            let out = mend(&text, &removed);

            // Non-whitespace content is exactly the kept units, in order.
            let squeeze = |s: &str| s.chars().filter(|c| !is_space(*c)).collect::<String>();
            let expected: String = kept.iter().map(|s| squeeze(s.text(&text))).collect();
            prop_assert_eq!(squeeze(&out), expected);
            // Each kept unit is still there verbatim, in order.
            let mut from = 0;
            for s in &kept {
                let found = out[from..].find(s.text(&text));
                prop_assert!(found.is_some(), "unit {:?} lost in {:?}", s.text(&text), out);
                from += found.unwrap_or(0) + s.text(&text).len();
            }
            // Whitespace runs of the output are whole runs of the input.
            let runs = space_runs(&text);
            for run in space_runs(&out) {
                prop_assert!(runs.contains(&run), "new whitespace {:?} in {:?}", run, out);
            }
            if kept.is_empty() {
                prop_assert_eq!(out.as_str(), if removed.is_empty() { text.as_str() } else { "" });
            } else {
                let lead = |s: &str| s.len() - s.trim_start_matches(is_space).len();
                let trail = |s: &str| s.len() - s.trim_end_matches(is_space).len();
                prop_assert_eq!(&out[..lead(&out)], &text[..lead(&text)]);
                prop_assert_eq!(&out[out.len() - trail(&out)..], &text[text.len() - trail(&text)..]);
            }
        }
    }
}
