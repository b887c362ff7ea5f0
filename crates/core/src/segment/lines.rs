//! Lines, paragraphs, and the line-break rules that cut a paragraph into
//! blocks of lines (hard breaks versus hard-wrapped prose).

use super::lexicon::{FUNCTION_WORDS, MAX_STARTER, TITLE_SMALL_WORDS, is_sentence_starter};
use super::sentences::{can_start_sentence, is_closer, is_terminator_char};
use super::{Span, is_space, push_trimmed};

/// Lines shorter than this (in chars) that lack terminal punctuation stand
/// on their own: wrapped prose only has short lines at a paragraph's end.
const SHORT_LINE: usize = 40;
/// Lines longer than this (in chars) are not hard-wrapped text.
const WRAP_MAX: usize = 100;

/// One line: `[start, end)` is its text without the line break.
pub(super) struct Line {
    pub(super) start: usize,
    pub(super) end: usize,
}

/// Iterates the lines of a text; no empty line after a final line break.
pub(super) struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Iterator for Lines<'_> {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        let bytes = self.bytes;
        let start = self.pos;
        if start >= bytes.len() {
            return None;
        }
        let mut i = start;
        while i < bytes.len() {
            i = skip_plain_ascii(bytes, i);
            // At most eight bytes from here hold a candidate: check each.
            let stop = bytes.len().min(i + 8);
            while i < stop {
                if let Some(len) = line_break_at(bytes, i) {
                    self.pos = i + len;
                    return Some(Line { start, end: i });
                }
                i += 1;
            }
        }
        self.pos = bytes.len();
        Some(Line {
            start,
            end: bytes.len(),
        })
    }
}

/// Length of the line break at `bytes[i]`: `\n`, `\r\n`, `\r`, NEL,
/// U+2028 LINE SEPARATOR or U+2029 PARAGRAPH SEPARATOR.
fn line_break_at(bytes: &[u8], i: usize) -> Option<usize> {
    match bytes[i] {
        b'\n' => Some(1),
        b'\r' if bytes.get(i + 1) == Some(&b'\n') => Some(2),
        b'\r' => Some(1),
        0xC2 if bytes.get(i + 1) == Some(&0x85) => Some(2),
        0xE2 if bytes.get(i + 1) == Some(&0x80)
            && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)) =>
        {
            Some(3)
        }
        _ => None,
    }
}

/// Skips eight bytes at a time while none of them is `\n`, `\r` or
/// non-ASCII (the only bytes that can begin a line break).
fn skip_plain_ascii(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Nonzero iff some byte of `x` is zero.
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let w = u64::from_le_bytes(chunk);
        if (w & HIGH) | has_zero(w ^ (ONES * 0x0A)) | has_zero(w ^ (ONES * 0x0D)) != 0 {
            break;
        }
        i += 8;
    }
    i
}

pub(super) fn lines(text: &str) -> Lines<'_> {
    Lines {
        bytes: text.as_bytes(),
        pos: 0,
    }
}

/// The trimmed content `[start, end)` of a line, or `None` if it is blank.
pub(super) fn line_content(text: &str, line: &Line) -> Option<(usize, usize)> {
    let raw = &text[line.start..line.end];
    let left = raw.trim_start_matches(is_space);
    if left.is_empty() {
        return None;
    }
    let start = line.end - left.len();
    Some((start, start + left.trim_end_matches(is_space).len()))
}

pub(super) fn paragraphs(text: &str, out: &mut Vec<Span>) {
    let mut para: Option<(usize, usize)> = None;
    for line in lines(text) {
        match line_content(text, &line) {
            None => {
                if let Some((start, end)) = para.take() {
                    push_trimmed(text, start, end, out);
                }
            }
            Some((start, end)) => para = Some((para.map_or(start, |p| p.0), end)),
        }
    }
    if let Some((start, end)) = para {
        push_trimmed(text, start, end, out);
    }
}

/// Whether the break between line `a` and the next line `b` (both trimmed,
/// non-empty) ends a unit regardless of punctuation. The rules, in order,
/// are those of the module documentation.
pub(super) fn hard_line_break(a: &str, a_indent: usize, b: &str, b_indent: usize) -> bool {
    let (Some(first), Some(last)) = (b.chars().next(), a.chars().next_back()) else {
        return false;
    };
    let terminal = ends_with_terminal(a);
    let continued = matches!(
        last,
        ',' | ';' | '-' | '‐' | '–' | '—' | '(' | '[' | '/' | '&' | '+' | '='
    ) || ends_with_function_word(a);
    if starts_list_item(b) {
        return true;
    }
    // A one-word capitalised line ("Reuter", "REUTER", "AP") is a sign-off
    // or a label, not the tail of a sentence, even after "Ltd." or "U.S.",
    // unless the line before cannot end ("shares of\nExxon").
    if is_lone_word(b) && !continued {
        return true;
    }
    // A more indented line opens a new paragraph (newswire style), even in
    // all-lowercase text ("usda said.\n    sales confirmed").
    if b_indent > a_indent && !continued && (terminal || can_start_sentence(first)) {
        return true;
    }
    // "... said.\nThe": the sentence rules decide, with the break as a space.
    if terminal {
        return false;
    }
    // Lowercase or punctuation: the sentence goes on.
    if !can_start_sentence(first) || continued {
        return false;
    }
    if last == ':' || is_markdown_heading(a) || (is_all_caps(a) && !is_all_caps(b)) {
        return true;
    }
    let chars = a.chars().count();
    if chars > WRAP_MAX {
        return true;
    }
    // A short or Title Case line is a line of its own (heading, byline,
    // table row) when the next line clearly starts anew: with a sentence
    // starter ("The", "In", a quote) or as a short line too. Otherwise it
    // is a wrapped name ("Directors of the Chicago Mercantile\nExchange").
    (chars < SHORT_LINE || is_title_case(a))
        && (opens_with_starter(b) || b.chars().count() < SHORT_LINE)
}

/// A single capitalised word of letters only, no punctuation: a sign-off
/// such as "Reuter" or a one-word label.
fn is_lone_word(b: &str) -> bool {
    let mut chars = b.chars();
    chars.next().is_some_and(char::is_uppercase)
        && b.chars().count() <= 24
        && chars.all(char::is_alphabetic)
}

/// `b` opens with a common sentence-starting word or an opening quote.
fn opens_with_starter(b: &str) -> bool {
    if b.starts_with(['"', '\'', '“', '‘', '„', '«']) {
        return true;
    }
    let word_len = b
        .bytes()
        .take(MAX_STARTER + 1)
        .take_while(u8::is_ascii_alphabetic)
        .count();
    is_sentence_starter(&b[..word_len])
}

/// `a` ends in `.`, `!`, `?`, `…` (…), possibly followed by closers.
fn ends_with_terminal(a: &str) -> bool {
    let a = a.trim_end_matches(is_closer);
    a.chars().next_back().is_some_and(is_terminator_char)
}

/// Bullets (`- `, `* `, `• `), numbered items (`1. `, `2) `), markdown
/// headings (`# `), quoted replies (`>`, `|>`), table rows (`| `) and
/// header fields (`Subject: `, `Reply-To: `).
fn starts_list_item(b: &str) -> bool {
    let mut chars = b.chars();
    let Some(c) = chars.next() else {
        return false;
    };
    match c {
        '>' => true,
        '|' => chars.next().is_some_and(|c| c == '>' || is_space(c)),
        'A'..='Z' => {
            let label = b
                .bytes()
                .take_while(|&b| b.is_ascii_alphabetic() || b == b'-')
                .count();
            label <= 30
                && b.as_bytes().get(label) == Some(&b':')
                && b.as_bytes()
                    .get(label + 1)
                    .is_some_and(u8::is_ascii_whitespace)
        }
        '#' => b.trim_start_matches('#').starts_with(is_space),
        '-' | '*' | '+' | '•' | '·' | '‣' | '▪' | '◦' | '–' | '—' => {
            chars.next().is_some_and(is_space)
        }
        '0'..='9' => {
            let digits = b.bytes().take_while(u8::is_ascii_digit).count();
            let rest = &b.as_bytes()[digits..];
            digits <= 3
                && matches!(rest.first(), Some(b'.' | b')'))
                && rest.get(1).is_some_and(u8::is_ascii_whitespace)
        }
        _ => false,
    }
}

/// The line ends with a word that cannot end a sentence ("the", "of", ...).
fn ends_with_function_word(a: &str) -> bool {
    let last = a.rsplit(is_space).next().unwrap_or(a);
    FUNCTION_WORDS.contains(&last)
}

/// Markdown headings (`# Title`) and lines in bold (`**Title**`).
fn is_markdown_heading(a: &str) -> bool {
    (a.starts_with('#') && a.trim_start_matches('#').starts_with(is_space))
        || (a.len() > 4 && a.starts_with("**") && a.ends_with("**"))
        || (a.len() > 4 && a.starts_with("__") && a.ends_with("__"))
}

/// Has cased letters, none of them lowercase ("BAHIA COCOA REVIEW", "AI").
fn is_all_caps(a: &str) -> bool {
    let mut upper = false;
    for c in a.chars() {
        if c.is_lowercase() {
            return false;
        }
        upper |= c.is_uppercase();
    }
    upper
}

/// Title Case: the first word is capitalised and every later lowercase word
/// is a small word ("of", "and", "the", ...).
fn is_title_case(a: &str) -> bool {
    let mut saw_word = false;
    for word in a.split(is_space) {
        let word = word.trim_start_matches(|c: char| !c.is_alphanumeric());
        let Some(c) = word.chars().next() else {
            continue;
        };
        if !c.is_alphabetic() {
            continue;
        }
        if c.is_lowercase() && (!saw_word || !is_title_small_word(word)) {
            return false;
        }
        saw_word = true;
    }
    saw_word
}

fn is_title_small_word(word: &str) -> bool {
    let word = word.trim_end_matches(|c: char| !c.is_alphanumeric());
    TITLE_SMALL_WORDS.contains(&word)
}

#[cfg(test)]
mod tests {
    use crate::config::UnitKind;
    use crate::segment::test_util::{sents, units};

    #[test]
    fn paragraphs_split_on_blank_lines_only() {
        let text = "One line\nstill one.\n\nTwo.\n  \t \nThree\n";
        assert_eq!(
            units(text, UnitKind::Paragraph),
            ["One line\nstill one.", "Two.", "Three"]
        );
    }

    #[test]
    fn paragraphs_handle_crlf_and_nbsp_lines() {
        let text = "Alpha.\r\nBeta.\r\n\u{a0}\r\nGamma.\r\n";
        assert_eq!(
            units(text, UnitKind::Paragraph),
            ["Alpha.\r\nBeta.", "Gamma."]
        );
    }

    #[test]
    fn unicode_line_separators_end_lines() {
        let text = "One.\u{2029}\u{2029}Two.\u{85}\u{85}Three.\rFour.";
        assert_eq!(
            units(text, UnitKind::Paragraph),
            ["One.", "Two.", "Three.\rFour."]
        );
        assert_eq!(sents(text), ["One.", "Two.", "Three.", "Four."]);
    }

    // --- Line breaks --------------------------------------------------------

    #[test]
    fn line_ending_in_terminal_punctuation_ends_sentence() {
        assert_eq!(
            sents(
                "First line ends here.\nSecond line starts here.\nThird, with e.g.\nlowercase on."
            ),
            [
                "First line ends here.",
                "Second line starts here.",
                "Third, with e.g.\nlowercase on."
            ]
        );
    }

    #[test]
    fn abbreviation_at_line_end_joins() {
        assert_eq!(
            sents("He met officials of the U.S.\nTreasury and Mr.\nSmith on Monday."),
            ["He met officials of the U.S.\nTreasury and Mr.\nSmith on Monday."]
        );
    }

    #[test]
    fn wrapped_newswire_lines_join() {
        let text = "    Bean shippers were reluctant to offer nearby shipment and\n\
                    only limited sales were booked for March shipment at 1,750 to\n\
                    1,780 dlrs per tonne to ports to be named.\n    \
                    Liquor sales were limited with March/April selling at 2,325\n\
                    and 2,380 dlrs, June/July at 2,375 dlrs and at 1.25 times New\n\
                    York July, Comissaria Smith said.";
        assert_eq!(
            sents(text),
            [
                "Bean shippers were reluctant to offer nearby shipment and\n\
                 only limited sales were booked for March shipment at 1,750 to\n\
                 1,780 dlrs per tonne to ports to be named.",
                "Liquor sales were limited with March/April selling at 2,325\n\
                 and 2,380 dlrs, June/July at 2,375 dlrs and at 1.25 times New\n\
                 York July, Comissaria Smith said.",
            ]
        );
    }

    #[test]
    fn wrapped_names_join() {
        assert_eq!(
            sents(
                "Directors of the Chicago Mercantile\nExchange voted to raise margins by a wide\nmargin today."
            ),
            [
                "Directors of the Chicago Mercantile\nExchange voted to raise margins by a wide\nmargin today."
            ]
        );
        assert_eq!(
            sents(
                "The International Coffee Organization\n(ICO) executive board meeting scheduled for the end\nof this month was delayed."
            ),
            [
                "The International Coffee Organization\n(ICO) executive board meeting scheduled for the end\nof this month was delayed."
            ]
        );
        assert_eq!(
            sents(
                "General Motors Corp said almost\n125,000 of Chevrolet's two newest cars - the four-door Corsica\nsedan - sold."
            ),
            [
                "General Motors Corp said almost\n125,000 of Chevrolet's two newest cars - the four-door Corsica\nsedan - sold."
            ]
        );
    }

    #[test]
    fn markdown_heading_lines_stand_alone() {
        assert_eq!(
            sents(
                "**Pressure from Europe and Ukraine**\nThe day of talks began. It ended.\n## Next Part\nMore text here."
            ),
            [
                "**Pressure from Europe and Ukraine**",
                "The day of talks began.",
                "It ended.",
                "## Next Part",
                "More text here."
            ]
        );
    }

    #[test]
    fn title_case_and_byline_lines_stand_alone() {
        assert_eq!(
            sents(
                "Pressure from Europe and Ukraine\nThe day of talks began.\nAI\nBy AI\nIn a significant move, they met."
            ),
            [
                "Pressure from Europe and Ukraine",
                "The day of talks began.",
                "AI",
                "By AI",
                "In a significant move, they met."
            ]
        );
    }

    #[test]
    fn all_caps_headline_stands_alone() {
        assert_eq!(
            sents(
                "BAHIA COCOA REVIEW\nShowers continued throughout the week in\nthe Bahia cocoa zone."
            ),
            [
                "BAHIA COCOA REVIEW",
                "Showers continued throughout the week in\nthe Bahia cocoa zone."
            ]
        );
    }

    #[test]
    fn short_table_rows_stand_alone() {
        assert_eq!(
            sents(
                "Shr 22 cts vs 15 cts\nNet 1,000,000 vs 800,000\nRevs 5.0 mln vs 4.0 mln\n Reuter"
            ),
            [
                "Shr 22 cts vs 15 cts",
                "Net 1,000,000 vs 800,000",
                "Revs 5.0 mln vs 4.0 mln",
                "Reuter"
            ]
        );
    }

    #[test]
    fn a_sign_off_line_stands_alone_after_any_ending() {
        for (text, last) in [
            (
                "The issue is guaranteed by Fuji Bank Ltd.\n REUTER\n ",
                "The issue is guaranteed by Fuji Bank Ltd.",
            ),
            (
                "The bond is sold by the unit of Daiwa Securities Co.\n Reuter",
                "The bond is sold by the unit of Daiwa Securities Co.",
            ),
            (
                "The bank expects the sale to close later in the year\n Reuter",
                "The bank expects the sale to close later in the year",
            ),
        ] {
            let units = sents(text);
            assert_eq!(units.len(), 2, "{text:?}: {units:?}");
            assert_eq!(units[0], last);
            assert!(units[1].eq_ignore_ascii_case("reuter"), "{units:?}");
        }
        // A wrapped sentence whose last line is one word still joins.
        assert_eq!(
            sents("The results were announced by the chairman,\nJohnson."),
            ["The results were announced by the chairman,\nJohnson."]
        );
        assert_eq!(
            sents("The fund bought more shares of\nExxon"),
            ["The fund bought more shares of\nExxon"]
        );
    }

    #[test]
    fn more_indented_line_opens_a_paragraph() {
        assert_eq!(
            sents(
                "week to date 27,100 head, usda said.\n    sales confirmed on 3,100 steers\nand heifers."
            ),
            [
                "week to date 27,100 head, usda said.",
                "sales confirmed on 3,100 steers\nand heifers."
            ]
        );
    }

    #[test]
    fn continuation_endings_join() {
        assert_eq!(
            sents("Thanks to the\nBank of England,\nEurope is calm."),
            ["Thanks to the\nBank of England,\nEurope is calm."]
        );
    }

    #[test]
    fn colon_and_list_items_break() {
        assert_eq!(
            sents(
                "Registrations were:\nSunflowerseed total 15.0\nKey points:\n- first point\n* second point\n2. third point\n> quoted reply\n>and more"
            ),
            [
                "Registrations were:",
                "Sunflowerseed total 15.0",
                "Key points:",
                "- first point",
                "* second point",
                "2. third point",
                "> quoted reply",
                ">and more"
            ]
        );
    }

    #[test]
    fn mail_headers_and_quote_markers_break() {
        assert_eq!(
            sents(
                "From: bryan@philips.oz.au (Bryan Ryan)\nOrganization: Philips Public Telecommunications Systems\nSubject: Re: RAMs\nLines: 28\n\nIf you knew anything\n|> What about them?\n|> Nothing."
            ),
            [
                "From: bryan@philips.oz.au (Bryan Ryan)",
                "Organization: Philips Public Telecommunications Systems",
                "Subject: Re: RAMs",
                "Lines: 28",
                "If you knew anything",
                "|> What about them?",
                "|> Nothing."
            ]
        );
    }

    #[test]
    fn long_unwrapped_line_without_punctuation_stands_alone() {
        let first = "This scraped paragraph runs on for well over a hundred characters without any final punctuation at all";
        let text = format!("{first}\nThen a new paragraph starts.");
        assert_eq!(sents(&text), [first, "Then a new paragraph starts."]);
    }

    #[test]
    fn blank_line_always_ends_a_sentence() {
        assert_eq!(
            sents("no punctuation here\n\nand lowercase next"),
            ["no punctuation here", "and lowercase next"]
        );
    }

    #[test]
    fn crlf_line_breaks() {
        assert_eq!(
            sents("First one.\r\nSecond one\r\ngoes on.\r\n\r\nThird"),
            ["First one.", "Second one\r\ngoes on.", "Third"]
        );
    }

    #[test]
    fn trims_unicode_whitespace() {
        assert_eq!(
            sents("\u{feff}\u{a0}Hello there.\u{200b} \u{3000}Bye now.\u{a0}"),
            ["Hello there.", "Bye now."]
        );
    }
}
