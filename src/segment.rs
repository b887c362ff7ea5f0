//! Documents into units: sentences, paragraphs or whole documents.
//!
//! A unit is a byte span into its document's text, trimmed of surrounding
//! whitespace (Unicode whitespace, plus the zero-width space and BOM); empty
//! units are never produced. Spans are in order, never overlap, lie on char
//! boundaries, and together cover every non-whitespace character.
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
//! use dupscan::config::UnitKind;
//! use dupscan::segment::segment;
//!
//! let text = "Mr. Smith went to the U.S. Treasury. He paid $2.5 billion.";
//! let mut spans = Vec::new();
//! segment(text, UnitKind::Sentence, &mut spans);
//! let units: Vec<&str> = spans.iter().map(|s| s.text(text)).collect();
//! assert_eq!(units, ["Mr. Smith went to the U.S. Treasury.", "He paid $2.5 billion."]);
//! ```

use std::ops::Range;

use crate::config::UnitKind;

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

/// Appends the units of `text` to `out`, in order.
///
/// Text beyond the first 4 GiB (`u32::MAX` bytes) is ignored, since spans
/// hold `u32` offsets.
pub fn segment(text: &str, kind: UnitKind, out: &mut Vec<Span>) {
    let text = clamp_to_u32(text);
    match kind {
        UnitKind::Document => push_trimmed(text, 0, text.len(), out),
        UnitKind::Paragraph => paragraphs(text, out),
        UnitKind::Sentence => sentences(text, out),
    }
}

// ---------------------------------------------------------------------------
// Lines and paragraphs
// ---------------------------------------------------------------------------

/// Lines shorter than this (in chars) that lack terminal punctuation stand
/// on their own: wrapped prose only has short lines at a paragraph's end.
const SHORT_LINE: usize = 40;
/// Lines longer than this (in chars) are not hard-wrapped text.
const WRAP_MAX: usize = 100;
/// Longest sentence starter ("Meanwhile", "According"), bounding look-aheads.
const MAX_STARTER: usize = 9;
/// Longest token inspected when deciding about an abbreviation; longer ones
/// (URLs, junk) are never abbreviations. Keeps look-backs O(1).
const MAX_TOKEN: usize = 64;

/// One line: `[start, end)` is its text without the line break.
struct Line {
    start: usize,
    end: usize,
}

/// Iterates the lines of a text; no empty line after a final line break.
struct Lines<'a> {
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

fn lines(text: &str) -> Lines<'_> {
    Lines {
        bytes: text.as_bytes(),
        pos: 0,
    }
}

/// The trimmed content `[start, end)` of a line, or `None` if it is blank.
fn line_content(text: &str, line: &Line) -> Option<(usize, usize)> {
    let raw = &text[line.start..line.end];
    let left = raw.trim_start_matches(is_space);
    if left.is_empty() {
        return None;
    }
    let start = line.end - left.len();
    Some((start, start + left.trim_end_matches(is_space).len()))
}

fn paragraphs(text: &str, out: &mut Vec<Span>) {
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

/// A non-blank line as the line-break rules see it.
#[derive(Clone, Copy)]
struct LineInfo {
    /// First non-whitespace byte.
    start: usize,
    /// One past the last non-whitespace byte.
    end: usize,
    /// Bytes of leading whitespace.
    indent: usize,
}

fn sentences(text: &str, out: &mut Vec<Span>) {
    let mut prev: Option<LineInfo> = None;
    let mut block_start = 0;
    for line in lines(text) {
        let Some((start, end)) = line_content(text, &line) else {
            if let Some(p) = prev.take() {
                split_block(text, block_start, p.end, out);
            }
            continue;
        };
        let cur = LineInfo {
            start,
            end,
            indent: start - line.start,
        };
        match prev {
            None => block_start = start,
            Some(p) => {
                if hard_line_break(
                    &text[p.start..p.end],
                    p.indent,
                    &text[start..end],
                    cur.indent,
                ) {
                    split_block(text, block_start, p.end, out);
                    block_start = start;
                }
            }
        }
        prev = Some(cur);
    }
    if let Some(p) = prev {
        split_block(text, block_start, p.end, out);
    }
}

/// Whether the break between line `a` and the next line `b` (both trimmed,
/// non-empty) ends a unit regardless of punctuation. The rules, in order,
/// are those of the module documentation.
fn hard_line_break(a: &str, a_indent: usize, b: &str, b_indent: usize) -> bool {
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

/// Words after which a wrapped line cannot have ended its sentence.
const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "the", "of", "to", "and", "or", "nor", "but", "in", "on", "at", "by", "for", "with",
    "from", "as", "that", "than", "about", "into", "onto", "over", "under", "between", "after",
    "before", "via", "per", "is", "are", "was", "were", "be", "been", "has", "have", "had", "will",
    "would", "said", "says", "told", "its", "their", "his", "her",
];

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

/// Words that stay lowercase in Title Case.
const TITLE_SMALL_WORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "nor", "but", "of", "in", "on", "at", "to", "by", "for", "from",
    "with", "into", "over", "as", "vs", "via", "per", "up", "off", "out",
];

fn is_title_small_word(word: &str) -> bool {
    let word = word.trim_end_matches(|c: char| !c.is_alphanumeric());
    TITLE_SMALL_WORDS.contains(&word)
}

// ---------------------------------------------------------------------------
// Sentences within a block
// ---------------------------------------------------------------------------

/// Cuts the block `text[start..end]` (lines already joined, so newlines are
/// plain whitespace here) into sentences.
fn split_block(text: &str, start: usize, end: usize, out: &mut Vec<Span>) {
    let bytes = &text.as_bytes()[..end];
    let mut sent = start;
    let mut i = start;
    while i < end {
        // Fast path: skip bytes that cannot start a terminator or a glued
        // capital, up to the guard's threshold.
        let limit = end.min(sent + MAX_SENTENCE_BYTES);
        while i < limit && !INTERESTING[usize::from(bytes[i])] {
            i += 1;
        }
        if i >= end {
            break;
        }
        let len = i - sent;
        if len >= MAX_SENTENCE_BYTES
            && (bytes[i].is_ascii_whitespace()
                || (len >= 2 * MAX_SENTENCE_BYTES && text.is_char_boundary(i)))
        {
            push_trimmed(text, sent, i, out);
            sent = i;
            continue;
        }
        let b = bytes[i];
        if b.is_ascii_uppercase() {
            if i > start && bytes[i - 1].is_ascii_lowercase() && glued_starter(bytes, start, i) {
                push_trimmed(text, sent, i, out);
                sent = i;
            }
            i += 1;
            continue;
        }
        let Some((t_len, mut spaced)) = terminator_at(bytes, i) else {
            i += 1;
            continue;
        };
        let run_start = i;
        let mut j = i + t_len;
        while let Some((len, sp)) = terminator_at(bytes, j) {
            j += len;
            spaced &= sp;
        }
        let single_period = b == b'.' && j == i + 1;
        while let Some(len) = closer_at(bytes, j) {
            j += len;
        }
        let unit_end = j;
        let follow = &text[unit_end..end];
        let split = if spaced {
            ends_sentence(text, sent, run_start, single_period, follow)
        } else {
            // CJK full stops need no space after them.
            !follow.is_empty()
        };
        if split {
            push_trimmed(text, sent, unit_end, out);
            sent = unit_end;
        }
        i = unit_end;
    }
    push_trimmed(text, sent, end, out);
}

/// Bytes that may begin a terminator (`.!?`, or the lead byte of `…`, `؟`,
/// `।`, `。`, `！`, `？`) or a glued capital (`A`-`Z`).
static INTERESTING: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = b'A';
    while b <= b'Z' {
        table[b as usize] = true;
        b += 1;
    }
    table[b'.' as usize] = true;
    table[b'!' as usize] = true;
    table[b'?' as usize] = true;
    table[0xD8] = true;
    table[0xE0] = true;
    table[0xE2] = true;
    table[0xE3] = true;
    table[0xEF] = true;
    table
};

/// Length of the terminator at `bytes[i]`, and whether it needs whitespace
/// after it to end a sentence (CJK full stops do not).
fn terminator_at(bytes: &[u8], i: usize) -> Option<(usize, bool)> {
    let rest = bytes.get(i..)?;
    match *rest.first()? {
        b'.' | b'!' | b'?' => Some((1, true)),
        0xE2 if rest.starts_with("…".as_bytes()) || rest.starts_with("‽".as_bytes()) => {
            Some((3, true))
        }
        0xD8 if rest.starts_with("؟".as_bytes()) => Some((2, true)),
        0xE0 if rest.starts_with("।".as_bytes()) => Some((3, true)),
        0xE3 if rest.starts_with("。".as_bytes()) => Some((3, false)),
        0xEF if rest.starts_with("！".as_bytes()) || rest.starts_with("？".as_bytes()) => {
            Some((3, false))
        }
        _ => None,
    }
}

fn is_terminator_char(c: char) -> bool {
    matches!(
        c,
        '.' | '!' | '?' | '…' | '‽' | '؟' | '।' | '。' | '！' | '？'
    )
}

/// Length of the closing quote or bracket at `bytes[i]`.
fn closer_at(bytes: &[u8], i: usize) -> Option<usize> {
    let rest = bytes.get(i..)?;
    let b = *rest.first()?;
    if matches!(b, b'"' | b'\'' | b')' | b']' | b'}' | b'*') {
        return Some(1);
    }
    if b < 0x80 {
        return None;
    }
    ['”', '’', '»', '›', '」', '』', '）']
        .iter()
        .find(|c| {
            let mut buf = [0; 4];
            rest.starts_with(c.encode_utf8(&mut buf).as_bytes())
        })
        .map(|c| c.len_utf8())
}

fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | ')' | ']' | '}' | '*' | '”' | '’' | '»' | '›' | '」' | '』' | '）'
    )
}

fn is_opener(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '“'
            | '‘'
            | '„'
            | '‚'
            | '«'
            | '‹'
            | '('
            | '['
            | '{'
            | '¿'
            | '¡'
            | '「'
            | '『'
            | '（'
    )
}

/// Something a sentence can begin with: an uppercase or uncased letter
/// (CJK, Arabic, ...), a digit, an opening quote or bracket, markdown
/// emphasis, a newswire `<Company>` tag or a currency sign.
fn can_start_sentence(c: char) -> bool {
    c.is_uppercase()
        || (c.is_alphabetic() && !c.is_lowercase())
        || c.is_ascii_digit()
        || is_opener(c)
        || matches!(c, '*' | '<' | '$' | '£' | '€' | '¥')
}

/// Whether the terminator run at `run_start`, followed by `follow` (the
/// block's text after the run and its closers), ends the sentence that
/// began at `sent`.
fn ends_sentence(
    text: &str,
    sent: usize,
    run_start: usize,
    single_period: bool,
    follow: &str,
) -> bool {
    let Some(c) = follow.chars().next() else {
        // End of block: the block's end closes the sentence anyway.
        return false;
    };
    if !is_space(c) {
        // Glued: "soon.The next".
        return c.is_uppercase() && glued_after_terminator(text, sent, run_start, follow);
    }
    let next = follow.trim_start_matches(is_space);
    let Some(d) = next.chars().next() else {
        return false;
    };
    if !can_start_sentence(d) {
        return false;
    }
    !single_period || !abbreviation_holds(text, sent, run_start, next)
}

/// The token (run of non-whitespace) that ends at `end`, bounded by `floor`
/// and [`MAX_TOKEN`]; `None` if it is longer than that.
fn token_before(text: &str, floor: usize, end: usize) -> Option<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut i = end;
    while i > floor {
        if end - i >= MAX_TOKEN {
            return None;
        }
        let b = bytes[i - 1];
        if b.is_ascii_whitespace() {
            break;
        }
        if b >= 0x80 {
            // Possibly Unicode whitespace: decode the char ending here.
            let mut s = i - 1;
            while s > floor && !text.is_char_boundary(s) {
                s -= 1;
            }
            if text[s..i].chars().next().is_some_and(is_space) {
                break;
            }
            i = s;
            continue;
        }
        i -= 1;
    }
    Some((i, &text[i..end]))
}

/// Whether the `.` at `dot` belongs to an abbreviation that keeps the
/// sentence going before `next` (the text after the whitespace).
///
/// Titles, months and single initials never end a sentence. Corporate
/// suffixes and dotted acronyms (`Inc.`, `U.S.`, `p.m.`) often do, but just
/// as often precede a capitalised name ("U.S. Treasury"); they end one only
/// when the next word is a common sentence starter (see
/// [`is_sentence_starter`]) or an opening quote.
fn abbreviation_holds(text: &str, sent: usize, dot: usize, next: &str) -> bool {
    let Some((tok_start, tok)) = token_before(text, sent, dot) else {
        return false;
    };
    let tok = tok.trim_start_matches(is_opener);
    let Some(last) = tok.chars().next_back() else {
        // " ." as scraped: the period ends the sentence.
        return false;
    };
    if !last.is_alphanumeric() {
        return false;
    }
    let at_sentence_start = text[sent..tok_start]
        .trim_start_matches(is_space)
        .is_empty();
    if tok.bytes().all(|b| b.is_ascii_digit()) {
        // "1. Introduction": a list number opening the sentence.
        return at_sentence_start && tok.len() <= 3;
    }
    if tok.contains('.') {
        if DOTTED_ALWAYS.contains(&tok) {
            return true;
        }
        // "Japan-U.S.", "EC/U.S.": the acronym is the last part.
        let acronym = tok.rsplit(['-', '/']).next().unwrap_or(tok);
        return is_dotted_acronym(acronym) && !starts_new_sentence(next);
    }
    let mut chars = tok.chars();
    if chars.next().is_some_and(char::is_alphabetic) && chars.next().is_none() {
        // Initials: "J. R. R. Tolkien", "George W. Bush".
        return true;
    }
    if at_sentence_start && tok.len() <= 4 && tok.bytes().all(|b| matches!(b, b'I' | b'V' | b'X')) {
        // "II. Methods"
        return true;
    }
    if ALWAYS_ABBREVIATIONS.contains(&tok) {
        return true;
    }
    AMBIGUOUS_ABBREVIATIONS.contains(&tok) && !starts_new_sentence(next)
}

/// Abbreviations that precede a name or number and never end a sentence.
const ALWAYS_ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Mx", "Messrs", "Mme", "Mlle", "Dr", "Prof", "Rev", "Hon", "Fr", "Msgr",
    "St", "Mt", "Ft", "Gen", "Gov", "Sen", "Sens", "Rep", "Reps", "Lt", "Col", "Sgt", "Capt",
    "Cpl", "Maj", "Adm", "Cmdr", "Cdr", "Brig", "Pvt", "Supt", "Insp", "Det", "Pres", "Amb",
    "Atty", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
    "No", "Nos", "Vol", "Vols", "Fig", "Figs", "Ch", "Chap", "Sec", "Para", "Nr", "Tel", "Rs",
    "vs", "approx", "cf", "viz", "incl", "esp", "pp", "ca", "fig", "vol", "MR", "MRS", "MS", "DR",
    "PROF", "ST", "GEN", "GOV", "SEN", "REP", "LT", "COL", "SGT", "CAPT", "JAN", "FEB", "APR",
    "JUN", "JUL", "AUG", "SEPT", "OCT", "NOV",
];

/// Abbreviations that often end a sentence too ("... Apple Inc. The company").
const AMBIGUOUS_ABBREVIATIONS: &[&str] = &[
    "Inc", "Ltd", "Co", "Cos", "Corp", "Plc", "Pty", "Bros", "Jr", "Sr", "Esq", "etc", "al",
    "Dept", "Univ", "Assn", "Ave", "Blvd", "Rd", "Hwy", "Calif", "Mass", "Conn", "Fla", "Ill",
    "Ind", "Mich", "Minn", "Penn", "Tenn", "Tex", "Wash", "Wis", "Ariz", "Colo", "Okla", "Ore",
    "Ga", "Va", "Pa", "Md", "Mo", "Ky", "La", "Ala", "Del", "Kan", "Neb", "Nev", "Mont", "Wyo",
    "INC", "LTD", "CO", "CORP", "PLC", "JR", "SR", "ETC",
];

/// Dotted abbreviations that never end a sentence.
const DOTTED_ALWAYS: &[&str] = &["e.g", "i.e", "E.g", "I.e", "a.k.a"];

/// "U.S", "U.K", "p.m", "Ph.D": two or more dot-separated parts of one or
/// two ASCII letters.
fn is_dotted_acronym(tok: &str) -> bool {
    let mut parts = 0;
    for part in tok.split('.') {
        if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_alphabetic()) {
            return false;
        }
        parts += 1;
    }
    parts >= 2
}

/// After an ambiguous abbreviation: does `next` open a new sentence? Only
/// an opening quote or a common sentence-starting word counts; "U.S.
/// Treasury" or "Corp. Chairman" go on.
fn starts_new_sentence(next: &str) -> bool {
    let Some(c) = next.chars().next() else {
        return true;
    };
    if is_opener(c) {
        return true;
    }
    let word_len = next
        .bytes()
        .take(MAX_STARTER + 1)
        .take_while(u8::is_ascii_alphabetic)
        .count();
    is_sentence_starter(&next[..word_len])
}

/// Common sentence-opening words; see [`is_sentence_starter`].
const SENTENCE_STARTERS: &[&str] = &[
    "The",
    "A",
    "An",
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "You",
    "In",
    "On",
    "At",
    "But",
    "So",
    "Yet",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "Their",
    "Its",
    "His",
    "Her",
    "Our",
    "My",
    "However",
    "Meanwhile",
    "Also",
    "After",
    "Before",
    "When",
    "While",
    "If",
    "As",
    "Although",
    "Since",
    "Because",
    "Despite",
    "During",
    "Earlier",
    "Last",
    "Now",
    "Then",
];

/// Capitalised words that commonly open a sentence and rarely follow an
/// acronym or a company suffix inside one. Deliberately short: a miss keeps
/// two sentences together, which costs less than cutting a name in two.
/// "And" and "Or" are left out: Reuters capitalises the word after "U.S."
/// ("the U.S. And Japan"), and news sentences seldom open with them.
fn is_sentence_starter(word: &str) -> bool {
    SENTENCE_STARTERS.contains(&word)
}

/// "soon.The next", "now!But": a terminator glued to a capitalised word.
/// Splits when the word before is plain (letters, lowercase at the end,
/// not an abbreviation) and the word after is not part of a domain or path.
fn glued_after_terminator(text: &str, sent: usize, run_start: usize, follow: &str) -> bool {
    // Right side: "The", or "A"/"I" followed by a space.
    let mut right = follow.chars();
    let first = right.next();
    match (first, right.next()) {
        (Some(_), Some(l)) if l.is_lowercase() => {}
        (Some('A' | 'I'), Some(' ')) => {}
        _ => return false,
    }
    let word_len = follow
        .char_indices()
        .find(|&(_, c)| !c.is_alphabetic())
        .map_or(follow.len(), |(i, _)| i);
    let mut after = follow[word_len..].chars();
    if let (Some('.' | '/' | '@' | ':'), Some(c)) = (after.next(), after.next()) {
        if c.is_alphanumeric() {
            // "www.Example.com", "Foo.Bar/baz"
            return false;
        }
    }
    // Left side: a plain word ending in a lowercase letter.
    let Some((_, tok)) = token_before(text, sent, run_start) else {
        return false;
    };
    let tok = tok.trim_start_matches(is_opener);
    tok.chars().next_back().is_some_and(char::is_lowercase)
        && tok.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && tok
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-'))
        && !ALWAYS_ABBREVIATIONS.contains(&tok)
        && !AMBIGUOUS_ABBREVIATIONS.contains(&tok)
}

/// "Share This ArticleThe United States": at `i` an uppercase ASCII letter
/// follows a lowercase one. Split only when at least three lowercase letters
/// come before and the uppercase part is a whole word from a short list of
/// sentence starters. CamelCase names ("iPhone", "McDonald", "YouTube",
/// "PlayStation", "DeSantis") fail one test or the other; "In", "On", "At"
/// and "I" are left off the list because of "LinkedIn", "LogOn", "CheckIn".
fn glued_starter(bytes: &[u8], floor: usize, i: usize) -> bool {
    if i < floor + 3 || !bytes[i - 3..i].iter().all(u8::is_ascii_lowercase) {
        return false;
    }
    // Bounded: no starter is longer, and camelCase junk must stay linear.
    let word_len = bytes[i..]
        .iter()
        .take(MAX_STARTER + 1)
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let after = bytes.get(i + word_len).copied();
    if after.is_some_and(|b| b >= 0x80 || b.is_ascii_digit()) {
        return false;
    }
    let word = &bytes[i..i + word_len];
    let starter = match word {
        b"A" | b"An" => {
            // "ArticleA new study": only before a lowercase word.
            after == Some(b' ')
                && bytes
                    .get(i + word_len + 1)
                    .is_some_and(u8::is_ascii_lowercase)
        }
        b"The" | b"This" | b"That" | b"These" | b"Those" | b"There" | b"They" | b"He" | b"She"
        | b"It" | b"We" | b"His" | b"Her" | b"Its" | b"Their" | b"Our" | b"But" | b"And"
        | b"As" | b"After" | b"Before" | b"When" | b"While" | b"According" | b"However"
        | b"Meanwhile" => true,
        _ => false,
    };
    if !starter {
        return false;
    }
    // Not inside a URL, e-mail address, identifier or hashtag.
    let mut k = i - 3;
    while k > floor && !bytes[k - 1].is_ascii_whitespace() {
        if i - k >= MAX_TOKEN
            || matches!(
                bytes[k - 1],
                b'/' | b'@' | b'_' | b'#' | b'=' | b'\\' | b'.'
            )
        {
            return false;
        }
        k -= 1;
    }
    true
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

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
    use proptest::prelude::*;

    fn units(text: &str, kind: UnitKind) -> Vec<&str> {
        let mut spans = Vec::new();
        segment(text, kind, &mut spans);
        spans.iter().map(|s| s.text(text)).collect()
    }

    fn sents(text: &str) -> Vec<&str> {
        units(text, UnitKind::Sentence)
    }

    /// Checks the invariants every unit kind promises, returning the spans.
    fn check_invariants(text: &str, kind: UnitKind) -> Vec<Span> {
        let mut spans = Vec::new();
        segment(text, kind, &mut spans);
        let mut covered = 0;
        for s in &spans {
            let (start, end) = (s.start as usize, s.end as usize);
            assert!(start < end, "empty unit {s:?} in {text:?}");
            assert!(covered <= start, "overlap or disorder at {s:?} in {text:?}");
            assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
            let unit = &text[start..end];
            assert!(
                !unit.starts_with(is_space) && !unit.ends_with(is_space),
                "untrimmed {unit:?}"
            );
            assert!(
                text[covered..start].chars().all(is_space),
                "dropped text {:?} in {text:?}",
                &text[covered..start]
            );
            covered = end;
        }
        assert!(
            text[covered..].chars().all(is_space),
            "dropped tail in {text:?}"
        );
        spans
    }

    // --- Document and paragraph -------------------------------------------

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

    // --- Sentence ends ------------------------------------------------------

    #[test]
    fn splits_at_terminators_and_runs() {
        assert_eq!(
            sents("One. Two! Three? Four… Five... Six?! Seven."),
            [
                "One.", "Two!", "Three?", "Four…", "Five...", "Six?!", "Seven."
            ]
        );
    }

    #[test]
    fn keeps_closing_quotes_and_brackets() {
        assert_eq!(
            sents("He said \"no.\" Then he left. (See below.) She asked, “Why?” He shrugged."),
            [
                "He said \"no.\"",
                "Then he left.",
                "(See below.)",
                "She asked, “Why?”",
                "He shrugged."
            ]
        );
        assert_eq!(
            sents("It was ‘final.’ It was ‘over’. Done."),
            ["It was ‘final.’", "It was ‘over’.", "Done."]
        );
    }

    #[test]
    fn needs_a_sentence_start_after_the_terminator() {
        assert_eq!(
            sents("\"Stop!\" he said. Fine."),
            ["\"Stop!\" he said.", "Fine."]
        );
        assert_eq!(
            sents("Wait... and see. Or not."),
            ["Wait... and see.", "Or not."]
        );
        assert_eq!(sents("Wait… then go."), ["Wait… then go."]);
        assert_eq!(
            sents("He paused... Then he went."),
            ["He paused...", "Then he went."]
        );
    }

    #[test]
    fn digits_and_quotes_can_start_a_sentence() {
        assert_eq!(
            sents("Output fell in 1986. 1987 was better. He left. \"Why?\" she asked. ‘Because.’"),
            [
                "Output fell in 1986.",
                "1987 was better.",
                "He left.",
                "\"Why?\" she asked.",
                "‘Because.’"
            ]
        );
    }

    #[test]
    fn scraped_space_before_period() {
        assert_eq!(
            sents(
                "He added that ‘it’s not our war’ . The US is deciding. Rose 5 pct (82.7) . Next."
            ),
            [
                "He added that ‘it’s not our war’ .",
                "The US is deciding.",
                "Rose 5 pct (82.7) .",
                "Next."
            ]
        );
    }

    #[test]
    fn cjk_full_stops_need_no_space() {
        assert_eq!(
            sents("今天天气很好。我们去公园吧！好的？"),
            ["今天天气很好。", "我们去公园吧！", "好的？"]
        );
        assert_eq!(
            sents("It ended. 東京 is big."),
            ["It ended.", "東京 is big."]
        );
    }

    // --- Abbreviations ------------------------------------------------------

    #[test]
    fn titles_never_end_a_sentence() {
        let text = "Mr. Smith, Mrs. Jones, Ms. Lee, Dr. Who and Prof. Xavier met. \
                    Gen. Milley, Gov. Newsom, Sen. Cruz, Rep. Pelosi, Lt. Col. Vindman, \
                    Sgt. Pepper and Capt. Kirk came. They sang.";
        assert_eq!(
            sents(text),
            [
                "Mr. Smith, Mrs. Jones, Ms. Lee, Dr. Who and Prof. Xavier met.",
                "Gen. Milley, Gov. Newsom, Sen. Cruz, Rep. Pelosi, Lt. Col. Vindman, \
                 Sgt. Pepper and Capt. Kirk came.",
                "They sang.",
            ]
        );
    }

    #[test]
    fn places_months_and_numbers_abbreviations() {
        assert_eq!(
            sents(
                "He lives in St. Petersburg. On Jan. 5 and Sept. 12 it rained. He is the No. 2 official. Vol. 3 is out."
            ),
            [
                "He lives in St. Petersburg.",
                "On Jan. 5 and Sept. 12 it rained.",
                "He is the No. 2 official.",
                "Vol. 3 is out."
            ]
        );
    }

    #[test]
    fn latin_abbreviations() {
        assert_eq!(
            sents("Fruit, e.g. Apples, i.e. Red ones, vs. Pears. Smith vs. Jones ended."),
            [
                "Fruit, e.g. Apples, i.e. Red ones, vs. Pears.",
                "Smith vs. Jones ended."
            ]
        );
        assert_eq!(
            sents("Bring pens, paper, etc. The rest is ours."),
            ["Bring pens, paper, etc.", "The rest is ours."]
        );
    }

    #[test]
    fn initials_never_end_a_sentence() {
        assert_eq!(
            sents("J. R. R. Tolkien wrote it. George W. Bush read it. Harry S. Truman did not."),
            [
                "J. R. R. Tolkien wrote it.",
                "George W. Bush read it.",
                "Harry S. Truman did not."
            ]
        );
    }

    #[test]
    fn dotted_acronyms_before_names_do_not_split() {
        assert_eq!(
            sents(
                "The U.S. Treasury said so. The U.K. Government agreed with the U.N. Security Council."
            ),
            [
                "The U.S. Treasury said so.",
                "The U.K. Government agreed with the U.N. Security Council."
            ]
        );
    }

    #[test]
    fn dotted_acronyms_split_before_common_starters() {
        assert_eq!(
            sents(
                "He moved to the U.S. The move was costly. Trade with the U.S. It grew. He left the U.S. \"Never again,\" he said."
            ),
            [
                "He moved to the U.S.",
                "The move was costly.",
                "Trade with the U.S.",
                "It grew.",
                "He left the U.S.",
                "\"Never again,\" he said."
            ]
        );
    }

    #[test]
    fn reuters_capitalises_after_us() {
        // Reuters-21578 capitalises the word after "U.S." mid-sentence.
        assert_eq!(
            sents("Talks between the U.S. And Japan and Japan-U.S. Trade went on. Fine."),
            [
                "Talks between the U.S. And Japan and Japan-U.S. Trade went on.",
                "Fine."
            ]
        );
    }

    #[test]
    fn am_pm() {
        assert_eq!(
            sents(
                "It opens at 9 a.m. EST on Monday. It closes at 5 p.m. The doors lock at 6 p.m. sharp."
            ),
            [
                "It opens at 9 a.m. EST on Monday.",
                "It closes at 5 p.m.",
                "The doors lock at 6 p.m. sharp."
            ]
        );
    }

    #[test]
    fn company_suffixes_split_only_before_starters() {
        assert_eq!(
            sents(
                "It was bought by Apple Inc. The company said so. Acme Corp. Chairman John Doe quit. Smith & Co. Ltd. lost."
            ),
            [
                "It was bought by Apple Inc.",
                "The company said so.",
                "Acme Corp. Chairman John Doe quit.",
                "Smith & Co. Ltd. lost."
            ]
        );
        assert_eq!(
            sents("AMERICAN EXPRESS CO. SAYS PROFIT UP. It rose."),
            ["AMERICAN EXPRESS CO. SAYS PROFIT UP.", "It rose."]
        );
    }

    #[test]
    fn list_numbers_and_roman_numerals_open_sentences() {
        assert_eq!(
            sents("1. Introduction to the topic."),
            ["1. Introduction to the topic."]
        );
        assert_eq!(
            sents("II. Methods are described here."),
            ["II. Methods are described here."]
        );
        assert_eq!(
            sents("It rose in Section 2. The end came. It was World War II. Then peace."),
            [
                "It rose in Section 2.",
                "The end came.",
                "It was World War II.",
                "Then peace."
            ]
        );
    }

    // --- Numbers, URLs, files ----------------------------------------------

    #[test]
    fn numbers_do_not_split() {
        assert_eq!(
            sents(
                "Shares rose 3.5 pct to $2.5 billion, or 1,000.50 dlrs each. It was version 2.0. Next came 3.0."
            ),
            [
                "Shares rose 3.5 pct to $2.5 billion, or 1,000.50 dlrs each.",
                "It was version 2.0.",
                "Next came 3.0."
            ]
        );
    }

    #[test]
    fn urls_emails_and_files_do_not_split() {
        assert_eq!(
            sents(
                "Visit example.com or www.Example.org for foo.txt and mail bob@example.com now. See example.com. The site is new."
            ),
            [
                "Visit example.com or www.Example.org for foo.txt and mail bob@example.com now.",
                "See example.com.",
                "The site is new."
            ]
        );
        assert_eq!(
            sents("Use ASP.NET, Node.js and https://example.com/a.b?c=D.E today."),
            ["Use ASP.NET, Node.js and https://example.com/a.b?c=D.E today."]
        );
    }

    // --- Scraping glue --------------------------------------------------------

    #[test]
    fn share_this_article_glue() {
        let text =
            "Share This ArticleThe United States has warned that it may abandon peace talks.";
        assert_eq!(
            sents(text),
            [
                "Share This Article",
                "The United States has warned that it may abandon peace talks."
            ]
        );
    }

    #[test]
    fn terminator_glued_to_capital_splits() {
        assert_eq!(
            sents("It ended soon.The next day was calm.But then it rained!Nobody came?Sad."),
            [
                "It ended soon.",
                "The next day was calm.",
                "But then it rained!",
                "Nobody came?",
                "Sad."
            ]
        );
        assert_eq!(
            sents("He said “no.”Then left."),
            ["He said “no.”", "Then left."]
        );
        assert_eq!(sents("He waited…Then left."), ["He waited…", "Then left."]);
    }

    #[test]
    fn glued_period_after_abbreviation_or_acronym_does_not_split() {
        assert_eq!(
            sents("Ask Mr.Smith and the U.S.Army about Inc.Magazine now."),
            ["Ask Mr.Smith and the U.S.Army about Inc.Magazine now."]
        );
        assert_eq!(
            sents("Open www.Example.com and docs.Rust/x now."),
            ["Open www.Example.com and docs.Rust/x now."]
        );
    }

    #[test]
    fn camel_case_names_stay_whole() {
        let text = "The iPhone, McDonald, YouTube, PlayStation, JavaScript, DeSantis, MacArthur, \
                    LinkedIn, LogOn, WeChat, TheStreet and SaveTheChildren stay whole.";
        assert_eq!(sents(text), [text]);
    }

    #[test]
    fn glue_needs_three_lowercase_letters_and_a_whole_starter_word() {
        assert_eq!(sents("The xyThe cat sat."), ["The xyThe cat sat."]);
        assert_eq!(sents("A backTheory holds."), ["A backTheory holds."]);
        assert_eq!(
            sents("Read the tickerThese days are hard."),
            ["Read the ticker", "These days are hard."]
        );
        assert_eq!(
            sents("Read the ArticleA new study says so. Get a typeA Personality."),
            [
                "Read the Article",
                "A new study says so.",
                "Get a typeA Personality."
            ]
        );
    }

    #[test]
    fn glue_ignores_urls_handles_and_hashtags() {
        assert_eq!(
            sents("See site.com/pageThe now and #saveThe day or @userThe x."),
            ["See site.com/pageThe now and #saveThe day or @userThe x."]
        );
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

    // --- Guard and junk -----------------------------------------------------

    #[test]
    fn long_sentence_is_cut_at_whitespace_after_limit() {
        let text = "word ".repeat(5000);
        let spans = check_invariants(&text, UnitKind::Sentence);
        assert_eq!(spans.len(), 4);
        for s in &spans[..3] {
            let len = (s.end - s.start) as usize;
            assert!(
                (MAX_SENTENCE_BYTES..MAX_SENTENCE_BYTES + 5).contains(&len),
                "{len}"
            );
        }
    }

    #[test]
    fn whitespace_free_junk_is_cut_at_twice_the_limit() {
        let text = "é".repeat(20_000);
        let spans = check_invariants(&text, UnitKind::Sentence);
        assert_eq!(spans.len(), 3);
        assert_eq!(
            (spans[0].end - spans[0].start) as usize,
            2 * MAX_SENTENCE_BYTES
        );
        assert_eq!(units(&text, UnitKind::Paragraph).len(), 1);
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
