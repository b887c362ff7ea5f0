//! Documents into units: sentences, paragraphs or whole documents.
//!
//! A unit is a byte span into its document's text, trimmed of surrounding
//! whitespace (Unicode whitespace, plus the zero-width space and BOM); empty
//! units are never produced. A [`Segmenter`] turns a document into spans;
//! [`segmenter`] gives the one for each [`UnitKind`], and [`segment`] runs
//! it. For the three kinds below, spans are in order, never overlap, lie on
//! char boundaries, and together cover every non-whitespace character.
//! [`FixedWindow`] (windows of N words, not offered by the command line)
//! shows what else the trait allows: its units overlap when the stride is
//! shorter than the window.
//!
//! - **Document**: the whole text, trimmed.
//! - **Paragraph**: runs of lines separated by blank lines (a line holding
//!   only whitespace is blank; `\n`, `\r\n`, `\r`, NEL, U+2028 and U+2029
//!   all end a line).
//! - **Sentence**: each paragraph is first cut into *blocks* of lines, then
//!   each block is scanned once, byte by byte, for sentence ends.
//!
//! **Line breaks.** Between two lines of a paragraph, in this order:
//! a line that opens a list item, quoted reply, table row or header field
//! (`- `, `1. `, `# `, `>`, `|`, `Subject: `) starts a new unit, and so do
//! a one-word capitalised line (a sign-off such as "Reuter") and a more
//! indented line (a newswire paragraph), unless the line before cannot
//! end; after terminal punctuation the sentence rules below decide, the
//! break counting as a space; a next
//! line in lowercase, or a line ending in a comma, dash or a word like "the"
//! or "of", continues the sentence; a line ending in a colon, a markdown
//! heading (`**bold**`, `# Title`), an ALL CAPS headline or a line longer
//! than 100 chars (not hard-wrapped) stands alone; a short (< 40 chars) or
//! Title Case line stands alone when the next line opens with a common
//! sentence starter ("The", "In", a quote) or is short too (bylines, table
//! rows). Anything else is prose hard-wrapped at about 70 columns (Reuters,
//! 20 Newsgroups), where lines often start with a name or a number, and the
//! lines are joined.
//!
//! **Sentence ends.** A run of `.` `!` `?` `…` (and `؟` `।`), with any
//! closing quotes or brackets after it, ends a sentence when whitespace and
//! then something that can start one follows: an uppercase or uncased letter,
//! a digit, an opening quote or bracket. After a single `.` the word before it
//! is checked: titles, months and the like (`Mr.`, `Dr.`, `St.`, `Jan.`,
//! `No.`, `e.g.`, `vs.`) and single-letter initials never end a sentence;
//! corporate suffixes and dotted acronyms (`Inc.`, `Corp.`, `etc.`, `U.S.`,
//! `p.m.`) end one only before a common sentence starter ("The", "He",
//! "But", …). Decimals, URLs and file names never split because no space
//! follows their dots. CJK `。！？` end a sentence with or without a space.
//!
//! **Scraping glue.** `soon.The next` splits when the left word is a plain
//! lowercase-ending word (not an abbreviation, URL or number). `ArticleThe
//! United` splits when at least three lowercase letters meet a capitalised
//! common sentence starter that is a whole word, so `iPhone`, `McDonald`,
//! `YouTube` or `LinkedIn` stay whole.
//!
//! **Guard.** A sentence that grows past [`MAX_SENTENCE_BYTES`] without an
//! end is cut at the next ASCII whitespace, and at any char boundary once it
//! is twice that long, so junk input cannot make one giant unit. Scanning is
//! linear: every look-back or look-ahead is bounded by a small constant.
//!
//! ```
//! use dupscan_core::config::UnitKind;
//! use dupscan_core::segment::segment;
//!
//! let text = "Mr. Smith went to the U.S. Treasury. He paid $2.5 billion.";
//! let mut spans = Vec::new();
//! segment(text, UnitKind::Sentence, &mut spans);
//! let units: Vec<&str> = spans.iter().map(|s| s.text(text)).collect();
//! assert_eq!(units, ["Mr. Smith went to the U.S. Treasury.", "He paid $2.5 billion."]);
//! ```

use std::ops::Range;

use crate::config::UnitKind;

mod lexicon;
mod lines;
mod sentences;
#[cfg(test)]
mod test_util;
mod window;

use lines::paragraphs;
use sentences::sentences;
pub use window::FixedWindow;

/// A unit's byte span `[start, end)` in its document's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// The span as a `usize` byte range, ready for slicing.
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The unit's text in `doc`, the document the span was produced from.
    ///
    /// # Panics
    ///
    /// If the span does not lie on char boundaries of `doc` (it came from
    /// another document).
    pub fn text(self, doc: &str) -> &str {
        &doc[self.range()]
    }
}

/// A sentence with no end in sight is cut at the first ASCII whitespace
/// after this many bytes (and anywhere after twice as many).
pub const MAX_SENTENCE_BYTES: usize = 8 * 1024;

/// Cuts a document into units.
///
/// What every implementation promises: [`Segmenter::segment`] appends spans
/// to `out` (never touching what is already there) in ascending order of
/// start; each span is non-empty, lies on char boundaries of `text`, and
/// neither starts nor ends with whitespace. Text beyond the first 4 GiB
/// (`u32::MAX` bytes) is ignored, since spans hold `u32` offsets.
///
/// Spans may overlap or leave text uncovered, so a consumer that cuts units
/// out of a document must not assume otherwise. The segmenters behind
/// [`UnitKind`] ([`NewsSentences`], [`Paragraphs`], [`WholeDocument`])
/// never do either; [`FixedWindow`] overlaps when its stride is shorter than
/// its window. Other segmenters fit here too: a Unicode (UAX #29) sentence
/// or word segmenter, or a tokenizer-aligned window.
///
/// `Send + Sync`, so one segmenter serves every thread.
pub trait Segmenter: Send + Sync {
    /// Appends the units of `text` to `out`.
    fn segment(&self, text: &str, out: &mut Vec<Span>);
}

/// [`UnitKind::Sentence`]: the rule-based splitter tuned for news text and
/// scraped web pages described in the module documentation.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewsSentences;

/// [`UnitKind::Paragraph`]: runs of lines separated by blank lines.
#[derive(Debug, Clone, Copy, Default)]
pub struct Paragraphs;

/// [`UnitKind::Document`]: the whole text, trimmed.
#[derive(Debug, Clone, Copy, Default)]
pub struct WholeDocument;

impl Segmenter for NewsSentences {
    fn segment(&self, text: &str, out: &mut Vec<Span>) {
        sentences(clamp_to_u32(text), out);
    }
}

impl Segmenter for Paragraphs {
    fn segment(&self, text: &str, out: &mut Vec<Span>) {
        paragraphs(clamp_to_u32(text), out);
    }
}

impl Segmenter for WholeDocument {
    fn segment(&self, text: &str, out: &mut Vec<Span>) {
        let text = clamp_to_u32(text);
        push_trimmed(text, 0, text.len(), out);
    }
}

/// The segmenter for `kind`.
///
/// ```
/// use dupscan_core::config::UnitKind;
/// use dupscan_core::segment::segmenter;
///
/// let text = "One line.\nTwo lines.\n\nA second paragraph.";
/// let mut spans = Vec::new();
/// segmenter(UnitKind::Paragraph).segment(text, &mut spans);
/// assert_eq!(spans.len(), 2);
/// assert_eq!(spans[1].text(text), "A second paragraph.");
/// ```
pub fn segmenter(kind: UnitKind) -> &'static dyn Segmenter {
    match kind {
        UnitKind::Sentence => &NewsSentences,
        UnitKind::Paragraph => &Paragraphs,
        UnitKind::Document => &WholeDocument,
    }
}

/// Appends the units of `text` to `out`, in order: the [`segmenter`] for
/// `kind`, without the dynamic dispatch.
///
/// Text beyond the first 4 GiB (`u32::MAX` bytes) is ignored, since spans
/// hold `u32` offsets.
pub fn segment(text: &str, kind: UnitKind, out: &mut Vec<Span>) {
    match kind {
        UnitKind::Document => WholeDocument.segment(text, out),
        UnitKind::Paragraph => Paragraphs.segment(text, out),
        UnitKind::Sentence => NewsSentences.segment(text, out),
    }
}

/// Whitespace for trimming: Unicode `White_Space` (incl. NBSP) plus the
/// zero-width space, word joiner and BOM that scraped text is full of.
fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}')
}

/// Pushes `text[start..end]` trimmed, unless it is blank.
fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<Span>) {
    debug_assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
    let Some(piece) = text.get(start..end) else {
        return;
    };
    let left = piece.trim_start_matches(is_space);
    let unit = left.trim_end_matches(is_space);
    if unit.is_empty() {
        return;
    }
    let s = end - left.len();
    out.push(Span {
        start: to_u32(s),
        end: to_u32(s + unit.len()),
    });
}

/// The longest prefix of `text` that `u32` offsets can address.
fn clamp_to_u32(text: &str) -> &str {
    let max = u32::MAX as usize;
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

fn to_u32(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::test_util::{check_invariants, units};
    use proptest::prelude::*;

    #[test]
    fn document_is_whole_text_trimmed() {
        let text = " \u{a0}\n First line.\nSecond line. \n\n";
        assert_eq!(
            units(text, UnitKind::Document),
            ["First line.\nSecond line."]
        );
    }

    #[test]
    fn blank_text_has_no_units() {
        for kind in [UnitKind::Document, UnitKind::Paragraph, UnitKind::Sentence] {
            for text in ["", " ", "\n\n\r\n", "\u{a0}\u{2003}\t", "\u{feff}\u{200b}"] {
                assert!(units(text, kind).is_empty(), "{kind:?} {text:?}");
            }
        }
    }

    #[test]
    fn binary_junk_does_not_panic() {
        let mut text = String::new();
        for i in 0..5000u32 {
            let c = char::from_u32((i * 7919) % 0x3000).unwrap_or('\u{fffd}');
            text.push(c);
            if i % 13 == 0 {
                text.push_str("\u{fffd}\0\u{1b}.\r");
            }
        }
        for kind in [UnitKind::Document, UnitKind::Paragraph, UnitKind::Sentence] {
            check_invariants(&text, kind);
        }
        let dots =
            ".".repeat(100_000) + "A. ".repeat(1000).as_str() + "U.S.A".repeat(1000).as_str();
        check_invariants(&dots, UnitKind::Sentence);
    }

    #[test]
    fn pathological_inputs_stay_linear() {
        let inputs = [
            "xxxY".repeat(100_000),
            "a.B".repeat(100_000),
            "Mr. ".repeat(100_000),
            "U.S. ".repeat(100_000),
            ". ".repeat(100_000),
            "a".repeat(400_000),
            "A\n".repeat(100_000),
            "soon.Thexxxxxxxxxx".repeat(20_000),
            "\u{fffd}".repeat(100_000),
        ];
        for text in &inputs {
            let start = std::time::Instant::now();
            for kind in [UnitKind::Document, UnitKind::Paragraph, UnitKind::Sentence] {
                check_invariants(text, kind);
            }
            assert!(start.elapsed().as_secs() < 5, "slow on {:?}", &text[..12]);
        }
    }

    #[test]
    fn appends_to_existing_units() {
        let mut spans = vec![Span { start: 0, end: 1 }];
        segment("Hi. Yo.", UnitKind::Sentence, &mut spans);
        assert_eq!(spans.len(), 3);
        assert_eq!(spans[1].range(), 0..3);
    }

    #[test]
    fn each_kind_has_its_segmenter() {
        let text = "Mr. Smith left.\nHe came back.\n\n  Second paragraph here. Two sentences.  ";
        for (kind, count) in [
            (UnitKind::Sentence, 4),
            (UnitKind::Paragraph, 2),
            (UnitKind::Document, 1),
        ] {
            let (mut direct, mut via_trait) = (Vec::new(), Vec::new());
            segment(text, kind, &mut direct);
            segmenter(kind).segment(text, &mut via_trait);
            assert_eq!(direct, via_trait, "{kind:?}");
            assert_eq!(direct.len(), count, "{kind:?}");
        }
        let boxed: Vec<Box<dyn Segmenter>> = vec![
            Box::new(NewsSentences),
            Box::new(FixedWindow::new(2, 1).expect("valid")),
        ];
        let mut spans = Vec::new();
        for s in &boxed {
            s.segment("a b c", &mut spans);
        }
        assert_eq!(spans.len(), 1 + 2);
    }

    // --- Properties ---------------------------------------------------------

    /// Words and punctuation that exercise the rules, for generated text.
    const PIECES: &[&str] = &[
        "word",
        "The",
        "U.S.",
        "Mr.",
        "e.g.",
        "3.5",
        ".",
        "!",
        "?",
        "…",
        "...",
        " ",
        "  ",
        "\n",
        "\r\n",
        "\n\n",
        "\u{a0}",
        "\u{200b}",
        "’",
        "“",
        "”",
        "\"",
        "'",
        "ArticleThe",
        "soon.The",
        "é",
        "東京",
        "。",
        "\u{2028}",
        "\u{fffd}",
        "\0",
        "**",
        "- ",
        "    ",
        "1.",
        "a.m.",
        "x",
    ];

    fn arb_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-zA-Z .!?…\"'’”“\n\r\u{a0}0-9,*>-]{0,300}",
            proptest::collection::vec(proptest::sample::select(PIECES), 0..80)
                .prop_map(|v| v.concat()),
        ]
    }

    proptest! {
        #[test]
        fn units_are_ordered_trimmed_and_cover_the_text(text in arb_text()) {
            check_invariants(&text, UnitKind::Document);
            let paragraphs = check_invariants(&text, UnitKind::Paragraph);
            let sentences = check_invariants(&text, UnitKind::Sentence);
            prop_assert!(units(&text, UnitKind::Document).len() <= 1);
            // No sentence crosses a paragraph boundary.
            for s in &sentences {
                prop_assert!(paragraphs.iter().any(|p| p.start <= s.start && s.end <= p.end));
            }
        }
    }
}
