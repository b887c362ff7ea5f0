//! Text → a stream of word tokens that keep their byte range in the original.
//!
//! Span alignment compares documents word by word, wherever sentences and
//! paragraphs are cut, so the token stream is built to make those cuts
//! irrelevant. Every token is a `(start, end, hash)` triple: the byte range
//! of the word in the **original** text, and a seeded xxh3 hash of its
//! normalized form (the normalized form itself is never kept). A token costs
//! 16 bytes, so a document's stream is about 2.5 times its text; streams are
//! built per document and dropped, never held for a whole corpus.
//!
//! The normalisation, rule by rule:
//!
//! * **NFKC**, applied to each character together with the combining marks
//!   that follow it (so `e` + U+0301 and `é` agree); ligatures and
//!   full-width forms fold (`ﬁ` → `fi`, `Ａ` → `a`). A token made from a
//!   character that NFKC expands keeps that character's whole byte range.
//! * **Case fold**: full lowercase, plus `ß`/`ẞ` → `ss` and final `ς` → `σ`,
//!   so an upper-cased copy (`STRASSE`) meets its original (`Straße`).
//! * **Word characters** are letters, digits and combining marks (Unicode
//!   alphanumerics). Everything else separates words: whitespace runs
//!   including newlines, punctuation, symbols and emoji. So `end.The` and
//!   `well-known` are two words each, and `3.5` is `3` `5`.
//! * **Apostrophes** (`'`, `` ` ``, `’`, `‘`, `ʼ`, `′`, `´`) are dropped
//!   without separating: `don't` → `dont`, `Russia’s` → `russias`, and a
//!   quoted `'Ukraine'` is `ukraine`. Invisible format characters (soft
//!   hyphen, zero-width joiners, byte-order mark) are dropped the same way.
//! * **A glued case change splits**: a lowercase letter or a digit followed
//!   by an uppercase letter that is itself followed by a lowercase one starts
//!   a new word, so `ArticleThe` → `article` `the` and `2023The` → `2023`
//!   `the` (and, consistently, `McDonald` → `mc` `donald`).
//! * **A word hyphenated across a line break is rejoined**: a letter, `-`,
//!   optional spaces or tabs, a newline (`\n` or `\r\n`), optional spaces or
//!   tabs, then a letter that does not start a capitalised word:
//!   `inter-\nnational` → `international`, `INTER-\nNATIONAL` →
//!   `international`, but `Anglo-\nAmerican` stays two words, as
//!   `Anglo-American` does. The token's range covers the break.
//! * **Han ideographs and Hiragana** are one word per character, since
//!   those scripts put no space between words (Katakana runs, Hangul and
//!   Thai are words as delimited above).
//!
//! Cost: one table lookup per ASCII byte and one xxh3 per token; non-ASCII
//! characters take a Unicode lookup and, only when NFKC may change them, a
//! normalisation. No character yields more than two tokens per byte of its
//! UTF-8 (tested over all of Unicode; the worst are NFKC expansions such as
//! `㍿` → `株式会社`), so a text of `n` bytes has at most `2n` tokens.
//! Two fast paths give the same tokens with fewer steps on ASCII text: a run
//! of separators is skipped in one loop, and a word of ASCII letters and
//! digits (one capital at most, first) followed by a separator is read and
//! lower-cased eight bytes at a time; anything else (an apostrophe, a
//! hyphen that may rejoin, a glued case change, a non-ASCII byte) takes the
//! general path. On Reuters text this is about 1.3x the throughput
//! (`benches/stages.rs`, `tokenizing/documents`).
//!
//! ```
//! use dupscan_core::tokens::Tokenizer;
//!
//! let text = "Share This ArticleThe U.S. won't inter-\nvene";
//! let mut tokenizer = Tokenizer::new(42);
//! let mut words = String::new();
//! tokenizer.normalize_into(text, &mut words);
//! assert_eq!(words, "share this article the u s wont intervene");
//!
//! let mut tokens = Vec::new();
//! tokenizer.tokenize(text, &mut tokens);
//! let last = tokens.last().unwrap();
//! assert_eq!(&text[last.start as usize..last.end as usize], "inter-\nvene");
//! ```

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// One word of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Token {
    /// Byte offset of the word's first byte in the original text.
    pub start: u32,
    /// Byte offset just past the word's last byte in the original text.
    pub end: u32,
    /// Seeded xxh3 of the word's normalized form.
    pub hash: u64,
}

/// Turns text into tokens. Holds a scratch buffer, so keep one per thread
/// and reuse it.
#[derive(Debug, Clone)]
pub struct Tokenizer {
    seed: u64,
    /// The normalized bytes of the word being read.
    word: Vec<u8>,
}

/// ASCII byte classes (see [`ASCII_CLASS`]).
const SEP: u8 = 0;
const LOWER: u8 = 1;
const UPPER: u8 = 2;
const DIGIT: u8 = 3;
const APOSTROPHE: u8 = 4;
const HYPHEN: u8 = 5;

/// The class of every ASCII byte.
static ASCII_CLASS: [u8; 128] = {
    let mut table = [SEP; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = if c.is_ascii_lowercase() {
            LOWER
        } else if c.is_ascii_uppercase() {
            UPPER
        } else if c.is_ascii_digit() {
            DIGIT
        } else if c == b'\'' || c == b'`' {
            APOSTROPHE
        } else if c == b'-' {
            HYPHEN
        } else {
            SEP
        };
        b += 1;
    }
    table
};

/// What the last word character of the open token was, for the case-split
/// and hyphenation rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// No open token.
    None,
    /// A lowercase letter.
    Lower,
    /// An uppercase (or titlecase) letter.
    Upper,
    /// A digit or other number.
    Digit,
    /// A letter without case (Hangul, Arabic, Katakana, ...).
    Caseless,
}

impl Prev {
    fn is_letter(self) -> bool {
        matches!(self, Prev::Lower | Prev::Upper | Prev::Caseless)
    }

    fn of(c: char) -> Prev {
        if c.is_lowercase() {
            Prev::Lower
        } else if c.is_uppercase() {
            Prev::Upper
        } else if c.is_numeric() {
            Prev::Digit
        } else {
            Prev::Caseless
        }
    }
}

/// The token being read: where it starts and ends in the original text.
struct Open {
    start: usize,
    end: usize,
    prev: Prev,
}

impl Tokenizer {
    /// A tokenizer hashing words with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            word: Vec::with_capacity(64),
        }
    }

    /// The seed words are hashed with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Replaces `out` with the tokens of `text`, in text order.
    ///
    /// `text` must be shorter than 4 GiB (offsets are `u32`); longer text is
    /// cut at 4 GiB.
    pub fn tokenize(&mut self, text: &str, out: &mut Vec<Token>) {
        out.clear();
        let seed = self.seed;
        self.scan::<true>(text, |start, end, word| {
            out.push(Token {
                start,
                end,
                hash: xxh3_64_with_seed(word, seed),
            });
        });
    }

    /// Replaces `out` with the normalized words of `text` joined by single
    /// spaces: the text the token hashes are hashes of.
    pub fn normalize_into(&mut self, text: &str, out: &mut String) {
        let mut bytes = std::mem::take(out).into_bytes();
        bytes.clear();
        self.scan::<true>(text, |_, _, word| {
            if !bytes.is_empty() {
                bytes.push(b' ');
            }
            bytes.extend_from_slice(word);
        });
        // Words are built from whole UTF-8 encodings of chars.
        *out = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    }

    /// Calls `emit(start, end, normalized)` for every word of `text`. With
    /// `FAST` false the ASCII fast paths are off (the tests check that they
    /// change nothing).
    fn scan<const FAST: bool>(&mut self, text: &str, mut emit: impl FnMut(u32, u32, &[u8])) {
        let text = cut_to_u32(text);
        let bytes = text.as_bytes();
        let word = &mut self.word;
        word.clear();
        let mut open = Open {
            start: 0,
            end: 0,
            prev: Prev::None,
        };
        // Ends the open token, if any. A token is open exactly when its
        // normalized bytes are not empty.
        macro_rules! close {
            () => {{
                if !word.is_empty() {
                    emit(open.start as u32, open.end as u32, word);
                    word.clear();
                }
                open.prev = Prev::None;
            }};
        }
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            // Between words, the common cases in one step each: a run of
            // ASCII separators, and a whole ASCII word ended by a separator.
            if FAST && b < 0x80 && word.is_empty() {
                match ASCII_CLASS[usize::from(b)] {
                    SEP => {
                        open.prev = Prev::None;
                        i += 1;
                        while i < bytes.len()
                            && bytes[i] < 0x80
                            && ASCII_CLASS[usize::from(bytes[i])] == SEP
                        {
                            i += 1;
                        }
                        continue;
                    }
                    LOWER | UPPER | DIGIT => {
                        if let Some((len, folded)) = short_ascii_word(bytes, i) {
                            let end = i + len;
                            emit(i as u32, end as u32, &folded[..len]);
                            open.prev = Prev::None;
                            i = end;
                            continue;
                        }
                        if let Some((end, upper)) = ascii_word(text, i) {
                            if upper {
                                word.extend_from_slice(&bytes[i..end]);
                                word.make_ascii_lowercase();
                                emit(i as u32, end as u32, word);
                                word.clear();
                            } else {
                                emit(i as u32, end as u32, &bytes[i..end]);
                            }
                            open.prev = Prev::None;
                            i = end;
                            continue;
                        }
                    }
                    _ => {}
                }
            }
            // ASCII bytes take the fast path, unless a letter or digit is
            // followed by a combining mark that NFKC may compose with it.
            if b < 0x80
                && !(bytes.get(i + 1).is_some_and(|&n| n >= 0x80)
                    && matches!(ASCII_CLASS[usize::from(b)], LOWER | UPPER | DIGIT)
                    && text[i + 1..].chars().next().is_some_and(is_combining_mark))
            {
                match ASCII_CLASS[usize::from(b)] {
                    LOWER => {
                        if word.is_empty() {
                            open.start = i;
                        }
                        // The rest of a run of lowercase letters and digits
                        // in one copy, but not a last byte that a
                        // non-ASCII char (maybe a combining mark) follows.
                        let mut k = i + 1;
                        while k < bytes.len()
                            && matches!(ASCII_CLASS[usize::from(bytes[k] & 0x7F)], LOWER | DIGIT)
                            && bytes[k] < 0x80
                        {
                            k += 1;
                        }
                        if k < bytes.len() && bytes[k] >= 0x80 && k > i + 1 {
                            k -= 1;
                        }
                        word.extend_from_slice(&bytes[i..k]);
                        open.end = k;
                        open.prev = if bytes[k - 1].is_ascii_digit() {
                            Prev::Digit
                        } else {
                            Prev::Lower
                        };
                        i = k;
                        continue;
                    }
                    UPPER => {
                        if word.is_empty() {
                            open.start = i;
                        } else if matches!(open.prev, Prev::Lower | Prev::Digit)
                            && starts_lowercase(text, i + 1)
                        {
                            close!();
                            open.start = i;
                        }
                        word.push(b | 0x20);
                        open.end = i + 1;
                        open.prev = Prev::Upper;
                    }
                    DIGIT => {
                        if word.is_empty() {
                            open.start = i;
                        }
                        word.push(b);
                        open.end = i + 1;
                        open.prev = Prev::Digit;
                    }
                    APOSTROPHE => {}
                    HYPHEN => {
                        let rejoin = if !word.is_empty() && open.prev.is_letter() {
                            hyphen_break(text, i)
                        } else {
                            None
                        };
                        match rejoin {
                            Some(next) => {
                                i = next;
                                continue;
                            }
                            None => close!(),
                        }
                    }
                    _ => close!(),
                }
                i += 1;
                continue;
            }
            // A character and the combining marks after it: NFKC composes
            // within such a cluster, and the cluster's range is where every
            // char NFKC makes of it comes from.
            let Some(c) = text[i..].chars().next() else {
                break;
            };
            let mut j = i + c.len_utf8();
            while let Some(m) = text[j..].chars().next() {
                if !is_combining_mark(m) {
                    break;
                }
                j += m.len_utf8();
            }
            let cluster = &text[i..j];
            let split_case = c.is_uppercase()
                && matches!(open.prev, Prev::Lower | Prev::Digit)
                && starts_lowercase(text, j);
            let mut first = true;
            let mut feed = |d: char| {
                match kind(d) {
                    Kind::Word => {
                        if word.is_empty() {
                            open.start = i;
                        } else if first && split_case {
                            close!();
                            open.start = i;
                        }
                        push_folded(word, d);
                        open.end = j;
                        open.prev = Prev::of(d);
                    }
                    Kind::Mark => {
                        if !word.is_empty() {
                            push_folded(word, d);
                            open.end = j;
                        }
                    }
                    Kind::Single => {
                        close!();
                        push_folded(word, d);
                        open.start = i;
                        open.end = j;
                        close!();
                    }
                    Kind::Ignore => {}
                    Kind::Sep => close!(),
                }
                first = false;
            };
            if j == i + c.len_utf8() && is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes {
                feed(c);
            } else {
                for d in cluster.nfkc() {
                    feed(d);
                }
            }
            i = j;
        }
        if !word.is_empty() {
            emit(open.start as u32, open.end as u32, word);
        }
    }
}

/// `0x01` in every byte of a `u64`.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte of a `u64`.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `w` whose low seven bits are at least `lo`
/// (`lo < 0x80`): `x + (0x80 - lo)` reaches `0x80` exactly when `x >= lo`,
/// and no carry crosses bytes since both are below `0x80`. Callers mask
/// out the non-ASCII bytes.
#[inline]
fn at_least(w: u64, lo: u8) -> u64 {
    ((w & !HIGH) + u64::from(0x80 - lo) * ONES) & HIGH
}

/// The common word, without a branch per byte: at byte `i`, one to seven
/// ASCII letters or digits, uppercase only first, then an ASCII separator
/// other than `-`. Its length and its lowercase bytes (the first `len`
/// of eight); `None` for anything else, including a word within eight bytes
/// of the text's end.
#[inline]
fn short_ascii_word(bytes: &[u8], i: usize) -> Option<(usize, [u8; 8])> {
    let chunk = bytes.get(i..i + 8)?;
    let w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
    let ge = |lo: u8| at_least(w, lo);
    let ascii = !w & HIGH;
    let lower = ge(0x61) & !ge(0x7B);
    let upper = ge(0x41) & !ge(0x5B);
    let digit = ge(0x30) & !ge(0x3A);
    let word = (lower | upper | digit) & ascii;
    let stop = !word & HIGH;
    if stop == 0 {
        return None;
    }
    let len = (stop.trailing_zeros() / 8) as usize;
    let inside = (1u64 << (8 * len)) - 1;
    // An uppercase letter after the first: maybe a glued case change.
    if upper & inside & !0xFF != 0 {
        return None;
    }
    let next = bytes[i + len];
    if next >= 0x80 || ASCII_CLASS[usize::from(next)] != SEP {
        return None;
    }
    // ASCII letters and digits lowercase by setting bit 0x20.
    let folded = (w | (0x20 * ONES)) & inside;
    Some((len, folded.to_le_bytes()))
}

/// The ASCII word that starts at byte `i` (a letter or digit), when every
/// rule that could apply to it is settled within ASCII: the end of the word
/// and whether it holds an uppercase letter. The word ends before a glued
/// case change, an ASCII separator, a `-` that is not a rejoined line
/// break, or the text's end. `None` (the caller takes the general path)
/// when a non-ASCII byte, an apostrophe or a rejoining `-` comes first.
#[inline]
fn ascii_word(text: &str, i: usize) -> Option<(usize, bool)> {
    let bytes = text.as_bytes();
    let mut upper = false;
    let mut k = i;
    loop {
        k = lower_digit_run(bytes, k);
        let Some(&c) = bytes.get(k) else {
            return Some((k, upper));
        };
        if c >= 0x80 {
            return None;
        }
        match ASCII_CLASS[usize::from(c)] {
            UPPER => {
                let glued = k > i && matches!(bytes[k - 1], b'a'..=b'z' | b'0'..=b'9');
                if glued && bytes.get(k + 1).is_some_and(u8::is_ascii_lowercase) {
                    return Some((k, upper));
                }
                upper = true;
                k += 1;
            }
            SEP => return Some((k, upper)),
            HYPHEN => {
                let after_letter = !bytes[k - 1].is_ascii_digit();
                return if after_letter && hyphen_break(text, k).is_some() {
                    None
                } else {
                    Some((k, upper))
                };
            }
            _ => return None,
        }
    }
}

/// The first byte at or after `k` that is not an ASCII lowercase letter or
/// digit (the text's length if none), eight bytes at a time.
#[inline]
fn lower_digit_run(bytes: &[u8], mut k: usize) -> usize {
    while let Some(chunk) = bytes.get(k..k + 8) {
        let w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let ge = |lo: u8| at_least(w, lo);
        let lower = ge(0x61) & !ge(0x7B);
        let digit = ge(0x30) & !ge(0x3A);
        let stop = !(lower | digit) | (w & HIGH);
        let stop = stop & HIGH;
        if stop != 0 {
            return k + (stop.trailing_zeros() / 8) as usize;
        }
        k += 8;
    }
    while bytes
        .get(k)
        .is_some_and(|&b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        k += 1;
    }
    k
}

/// Whether byte offset `q` of `text` is a safe cut: tokenizing `text[..q]`
/// and `text[q..]` separately gives exactly the tokens of `text` (those of
/// the second part shifted by `q`). True at both ends, and after an ASCII
/// separator (whitespace, punctuation other than `-`, `'` and `` ` ``) that
/// does not follow a hyphen across a line break. Lets a caller tokenize a
/// window of a long document.
pub fn is_safe_cut(text: &str, q: usize) -> bool {
    let bytes = text.as_bytes();
    if q == 0 || q >= bytes.len() {
        return q <= bytes.len();
    }
    let b = bytes[q - 1];
    if b >= 0x80 || ASCII_CLASS[usize::from(b)] != SEP {
        return false;
    }
    if !matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
        return true;
    }
    // Inside the whitespace after a `-`, a rejoin may span the cut.
    let before = bytes[..q - 1]
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'));
    before.is_none_or(|i| bytes[i] != b'-')
}

/// The last safe cut at or before `q` (see [`is_safe_cut`]), looking back at
/// most `reach` bytes; 0 if none is found.
pub fn safe_cut_before(text: &str, q: usize, reach: usize) -> usize {
    let q = q.min(text.len());
    let floor = q.saturating_sub(reach);
    (floor..=q)
        .rev()
        .find(|&c| is_safe_cut(text, c))
        .unwrap_or(0)
}

/// The first safe cut at or after `q` (see [`is_safe_cut`]), looking ahead
/// at most `reach` bytes; the text's length if none is found.
pub fn safe_cut_after(text: &str, q: usize, reach: usize) -> usize {
    let q = q.min(text.len());
    let ceiling = q.saturating_add(reach).min(text.len());
    (q..=ceiling)
        .find(|&c| is_safe_cut(text, c))
        .unwrap_or(text.len())
}

/// How a (normalized) character takes part in words.
enum Kind {
    /// A letter or digit: part of a word.
    Word,
    /// A combining mark: part of the word before it, if any.
    Mark,
    /// A word of its own (Han ideographs, Hiragana).
    Single,
    /// Dropped without separating (apostrophes, invisible format characters).
    Ignore,
    /// Separates words.
    Sep,
}

fn kind(d: char) -> Kind {
    if d.is_ascii() {
        return match ASCII_CLASS[d as usize] {
            LOWER | UPPER | DIGIT => Kind::Word,
            APOSTROPHE => Kind::Ignore,
            _ => Kind::Sep,
        };
    }
    match d {
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{02BC}' | '\u{2032}' | '\u{00B4}' => Kind::Ignore,
        '\u{00AD}' | '\u{200C}' | '\u{200D}' | '\u{200E}' | '\u{200F}' | '\u{2060}'
        | '\u{FEFF}' => Kind::Ignore,
        '\u{3040}'..='\u{309F}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3FFFF}' => Kind::Single,
        d if d.is_alphanumeric() => Kind::Word,
        d if is_combining_mark(d) => Kind::Mark,
        _ => Kind::Sep,
    }
}

/// Appends the case-folded UTF-8 of `d` to `word`.
#[inline]
fn push_folded(word: &mut Vec<u8>, d: char) {
    if d.is_ascii() {
        word.push((d as u8).to_ascii_lowercase());
        return;
    }
    let mut buf = [0u8; 4];
    match d {
        'ß' | 'ẞ' => word.extend_from_slice(b"ss"),
        'ς' => word.extend_from_slice('σ'.encode_utf8(&mut buf).as_bytes()),
        d => {
            for l in d.to_lowercase() {
                word.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// Whether the char at byte `i` of `text` (if any) is lowercase.
#[inline]
fn starts_lowercase(text: &str, i: usize) -> bool {
    match text.as_bytes().get(i) {
        None => false,
        Some(&b) if b < 0x80 => b.is_ascii_lowercase(),
        Some(_) => text
            .get(i..)
            .and_then(|t| t.chars().next())
            .is_some_and(char::is_lowercase),
    }
}

/// For the `-` at byte `i`: if a line break follows (optional spaces or
/// tabs, `\n` or `\r\n`, optional spaces or tabs) and then a letter that does
/// not start a capitalised word, the byte offset of that letter.
fn hyphen_break(text: &str, i: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut j = i + 1;
    while matches!(bytes.get(j), Some(b' ' | b'\t')) {
        j += 1;
    }
    if bytes.get(j) == Some(&b'\r') {
        j += 1;
    }
    if bytes.get(j) != Some(&b'\n') {
        return None;
    }
    j += 1;
    while matches!(bytes.get(j), Some(b' ' | b'\t')) {
        j += 1;
    }
    let c = text.get(j..)?.chars().next()?;
    if !c.is_alphabetic() {
        return None;
    }
    if c.is_uppercase() && starts_lowercase(text, j + c.len_utf8()) {
        return None;
    }
    Some(j)
}

/// `text` cut at the last char boundary within 4 GiB, so that every offset
/// fits in a `u32`.
fn cut_to_u32(text: &str) -> &str {
    let mut end = text.len().min(u32::MAX as usize);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every word of `text` as (normalized form, original slice).
    fn words(text: &str) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        Tokenizer::new(1).scan::<true>(text, |start, end, word| {
            out.push((
                String::from_utf8(word.to_vec()).expect("words are UTF-8"),
                &text[start as usize..end as usize],
            ));
        });
        out
    }

    /// Just the normalized forms.
    fn norm(text: &str) -> Vec<String> {
        words(text).into_iter().map(|(w, _)| w).collect()
    }

    fn pairs<'a>(list: &[(&'a str, &'a str)]) -> Vec<(String, &'a str)> {
        list.iter().map(|&(w, s)| (w.to_owned(), s)).collect()
    }

    #[test]
    fn whitespace_runs_and_punctuation_separate_and_case_folds() {
        let text = "  Hello,\tWORLD!\n\n(end.)The  3.5%";
        assert_eq!(
            words(text),
            pairs(&[
                ("hello", "Hello"),
                ("world", "WORLD"),
                ("end", "end"),
                ("the", "The"),
                ("3", "3"),
                ("5", "5"),
            ])
        );
        assert!(words("").is_empty());
        assert!(words(" \n\t.,;!? -- ").is_empty());
    }

    #[test]
    fn apostrophes_are_dropped_inside_and_around_words() {
        assert_eq!(
            words("don't Russia’s ‘Ukraine’ 'quoted' rock`n`roll ' ’"),
            pairs(&[
                ("dont", "don't"),
                ("russias", "Russia’s"),
                ("ukraine", "Ukraine"),
                ("quoted", "quoted"),
                ("rocknroll", "rock`n`roll"),
            ])
        );
    }

    #[test]
    fn hyphens_separate_on_one_line() {
        assert_eq!(
            norm("well-known peace—talks and/or"),
            ["well", "known", "peace", "talks", "and", "or"]
        );
    }

    #[test]
    fn a_word_hyphenated_across_a_line_break_is_rejoined() {
        let text = "an inter-\nnational, inter- \r\n  national INTER-\nNATIONAL deal";
        assert_eq!(
            words(text),
            pairs(&[
                ("an", "an"),
                ("international", "inter-\nnational"),
                ("international", "inter- \r\n  national"),
                ("international", "INTER-\nNATIONAL"),
                ("deal", "deal"),
            ])
        );
        // A capitalised word after the break, a digit, a blank line, or no
        // letter before the hyphen: the hyphen separates as usual.
        assert_eq!(norm("Anglo-\nAmerican"), ["anglo", "american"]);
        assert_eq!(norm("COVID-\n19"), ["covid", "19"]);
        assert_eq!(norm("inter-\n\nnational"), ["inter", "national"]);
        assert_eq!(norm("1990-\nbased"), ["1990", "based"]);
        assert_eq!(norm("end -\nstart"), ["end", "start"]);
        assert_eq!(norm("trailing-\n"), ["trailing"]);
        // Non-ASCII letters on either side.
        assert_eq!(words("é-\nété"), pairs(&[("éété", "é-\nété")]));
    }

    #[test]
    fn a_glued_case_change_splits() {
        let text = "Share This ArticleThe United States";
        assert_eq!(
            words(text),
            pairs(&[
                ("share", "Share"),
                ("this", "This"),
                ("article", "Article"),
                ("the", "The"),
                ("united", "United"),
                ("states", "States"),
            ])
        );
        assert_eq!(norm("in 2023The end"), ["in", "2023", "the", "end"]);
        assert_eq!(norm("McDonald iPhone"), ["mc", "donald", "i", "phone"]);
        // Upper followed by upper or by nothing does not split; neither does
        // a whole word in capitals or a lowercase glue.
        assert_eq!(
            norm("ArticleTHE NASA articlethe ArticleA"),
            ["articlethe", "nasa", "articlethe", "articlea"]
        );
        // Non-ASCII case change.
        assert_eq!(
            words("ÉtéÉcole"),
            pairs(&[("été", "Été"), ("école", "École")])
        );
    }

    #[test]
    fn multi_byte_characters_keep_their_byte_ranges() {
        let text = "Café STRASSE straße ΣΊΣΥΦΟΣ 東京に行く 한국어 텍스트 😀emoji🎉 ok";
        assert_eq!(
            words(text),
            pairs(&[
                ("café", "Café"),
                ("strasse", "STRASSE"),
                ("strasse", "straße"),
                ("σίσυφοσ", "ΣΊΣΥΦΟΣ"),
                ("東", "東"),
                ("京", "京"),
                ("に", "に"),
                ("行", "行"),
                ("く", "く"),
                ("한국어", "한국어"),
                ("텍스트", "텍스트"),
                ("emoji", "emoji"),
                ("ok", "ok"),
            ])
        );
    }

    #[test]
    fn nfkc_expansions_map_to_the_original_character() {
        // "ﬁ" (3 bytes) becomes "fi"; the token spans the ligature and the
        // rest of the word.
        assert_eq!(
            words("ﬁnance ＡＢＣ x½ ①"),
            pairs(&[
                ("finance", "ﬁnance"),
                ("abc", "ＡＢＣ"),
                ("x1", "x½"),
                ("2", "½"),
                ("1", "①"),
            ])
        );
        // Precomposed and decomposed accents agree; a combining mark with
        // nothing before it is dropped.
        assert_eq!(
            norm("caf\u{E9} cafe\u{301} \u{301}x"),
            ["café", "café", "x"]
        );
        let (_, slice) = &words("cafe\u{301}!")[0];
        assert_eq!(*slice, "cafe\u{301}");
    }

    #[test]
    fn invisible_format_characters_do_not_split_words() {
        assert_eq!(
            words("inter\u{AD}national zero\u{200B}width \u{FEFF}bom"),
            pairs(&[
                ("international", "inter\u{AD}national"),
                ("zero", "zero"),
                ("width", "width"),
                ("bom", "bom"),
            ])
        );
    }

    #[test]
    fn tokens_hash_the_normalized_words() {
        let mut t = Tokenizer::new(7);
        let mut a = Vec::new();
        let mut b = Vec::new();
        t.tokenize("Share This ArticleThe inter-\nnational ‘deal’", &mut a);
        t.tokenize("share this article the international deal", &mut b);
        let hashes = |v: &[Token]| v.iter().map(|t| t.hash).collect::<Vec<_>>();
        assert_eq!(hashes(&a), hashes(&b));
        assert_eq!(a.len(), 6);
        let mut other = Tokenizer::new(8);
        let mut c = Vec::new();
        other.tokenize("share this article the international deal", &mut c);
        assert_ne!(hashes(&b), hashes(&c), "the seed changes the hashes");
        let mut s = String::new();
        t.normalize_into("Share This ArticleThe", &mut s);
        assert_eq!(s, "share this article the");
    }

    #[test]
    fn offsets_are_char_boundaries_and_increase() {
        let text = "a\u{0}b\u{FFFD}\u{7F}ﬁ😀é\u{301}ß東-\nx\r\n½ ́";
        let mut t = Tokenizer::new(0);
        let mut tokens = Vec::new();
        t.tokenize(text, &mut tokens);
        let mut last = 0;
        for tok in &tokens {
            let (s, e) = (tok.start as usize, tok.end as usize);
            assert!(s < e && last <= s && text.is_char_boundary(s) && text.is_char_boundary(e));
            last = s;
        }
    }

    #[test]
    fn tokenizing_at_safe_cuts_gives_the_same_tokens() {
        let text = "Share This ArticleThe inter-\n  national talks. Don't \
                    stop;\tCOVID-\n19 and Anglo-\nAmerican ties 東京 ﬁne- \r\nly end.";
        let mut t = Tokenizer::new(3);
        let mut whole = Vec::new();
        t.tokenize(text, &mut whole);
        let mut cuts = 0;
        for q in 0..=text.len() {
            if !is_safe_cut(text, q) {
                continue;
            }
            cuts += 1;
            let (mut left, mut right) = (Vec::new(), Vec::new());
            t.tokenize(&text[..q], &mut left);
            t.tokenize(&text[q..], &mut right);
            left.extend(right.iter().map(|r| Token {
                start: r.start + q as u32,
                end: r.end + q as u32,
                hash: r.hash,
            }));
            assert_eq!(left, whole, "cut at {q}: {:?}", &text[q..]);
        }
        assert!(cuts >= 15, "{cuts}");
        assert!(!is_safe_cut(text, text.find("national").expect("in text")));
        assert_eq!(safe_cut_before(text, 5, 100), 0);
        assert_eq!(safe_cut_before(text, 7, 100), 6);
        assert_eq!(safe_cut_after(text, 7, 100), 11);
        assert_eq!(safe_cut_after(text, 7, 2), text.len());
    }

    #[test]
    fn no_character_yields_more_than_two_tokens_per_byte() {
        // The seed index sizes its position space on this bound.
        let mut t = Tokenizer::new(0);
        let mut tokens = Vec::new();
        let mut text = String::new();
        let mut worst = (0.0f64, ' ');
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            text.clear();
            text.push(c);
            t.tokenize(&text, &mut tokens);
            let ratio = tokens.len() as f64 / c.len_utf8() as f64;
            if ratio > worst.0 {
                worst = (ratio, c);
            }
        }
        assert!(worst.0 <= 2.0, "{worst:?}");
    }

    /// Every word with its offsets and normalized bytes, the fast paths on
    /// or off.
    fn scanned<const FAST: bool>(text: &str) -> Vec<(u32, u32, Vec<u8>)> {
        let mut out = Vec::new();
        Tokenizer::new(1).scan::<FAST>(text, |start, end, word| {
            out.push((start, end, word.to_vec()));
        });
        out
    }

    #[test]
    fn fast_paths_give_the_general_paths_words() {
        for text in [
            "Share This ArticleThe U.S. won't inter-\nvene in 1990sThe deal",
            "ALLCAPS WORDS and MixedCase 12abc abc12 x y z a-b 3-4 re-\n  enter",
            "word1234567 wordwordword Café naïve ﬁne straße İstanbul",
            "e\u{301}t\u{e9} ab\u{301} AB\u{301}c the end",
            "tail",
            "seven77 eight888 ",
        ] {
            assert_eq!(scanned::<true>(text), scanned::<false>(text), "{text:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn fast_paths_change_no_token(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "a", "b", "Z", "Q", "1", "9", " ", "\n", "\r", "\t", "-", "'", "`", ".",
                ",", "é", "É", "\u{301}", "ß", "’", "ﬁ", "中", "ǅ", "Ab", "aB", "-\n",
                "- \n ", "ς", "İ", "\u{ad}", "word", "Word", "WORD", "abcdefgh",
            ]),
            0..24,
        )) {
            let text = parts.concat();
            proptest::prop_assert_eq!(scanned::<true>(&text), scanned::<false>(&text));
        }
    }
}
