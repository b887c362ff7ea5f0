//! Sentences within a block: terminators, closers, abbreviations and
//! scraping glue, scanned once, byte by byte.

use super::lexicon::{
    ALWAYS_ABBREVIATIONS, AMBIGUOUS_ABBREVIATIONS, DOTTED_ALWAYS, MAX_STARTER, is_sentence_starter,
};
use super::lines::{hard_line_break, line_content, lines};
use super::{MAX_SENTENCE_BYTES, Span, is_space, push_trimmed};

/// Longest token inspected when deciding about an abbreviation; longer ones
/// (URLs, junk) are never abbreviations. Keeps look-backs O(1).
const MAX_TOKEN: usize = 64;

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

pub(super) fn sentences(text: &str, out: &mut Vec<Span>) {
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

pub(super) fn is_terminator_char(c: char) -> bool {
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

pub(super) fn is_closer(c: char) -> bool {
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
pub(super) fn can_start_sentence(c: char) -> bool {
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

#[cfg(test)]
mod tests {
    use crate::config::UnitKind;
    use crate::segment::MAX_SENTENCE_BYTES;
    use crate::segment::test_util::{check_invariants, sents, units};

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
}
