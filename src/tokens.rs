//! Text → a stream of word tokens that keep their byte range in the original.
//!
//! Span alignment compares documents word by word, wherever sentences and
//! paragraphs are cut, so the token stream is built to make those cuts
//! irrelevant. Every token is a `(start, end, hash)` triple: the byte range
//! of the word in the **original** text, and a seeded 64-bit hash of its
//! normalized form ([`hash_word`]; the normalized form itself is never
//! kept). A token costs
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
//! Cost: text is read 64 bytes at a time where a block is plain ASCII that
//! none of the rules above can reach into (a word-level bit mask from eight
//! 64-bit word operations; about two thirds of debian-docs and nine tenths
//! of Reuters), byte by byte with one table lookup elsewhere; an ASCII word
//! is hashed straight from the text (a multiply-fold of at most two 64-bit
//! words), never copied. Non-ASCII characters take a Unicode lookup and,
//! only when NFKC may change them, a normalisation. About 1.7 ns a byte on
//! Reuters and 2 ns on debian-docs, on one core. No character yields more than two tokens per byte of its
//! UTF-8 (tested over all of Unicode; the worst are NFKC expansions such as
//! `㍿` → `株式会社`), so a text of `n` bytes has at most `2n` tokens.
//!
//! ```
//! use dupscan::tokens::Tokenizer;
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
    /// Seeded hash of the word's normalized form ([`hash_word`]).
    pub hash: u64,
}

/// Turns text into tokens. Holds a scratch buffer, so keep one per thread
/// and reuse it.
#[derive(Debug, Clone)]
pub struct Tokenizer {
    seed: u64,
    /// The normalized bytes of the word being read.
    word: Vec<u8>,
    /// Scratch for lowercasing a long ASCII word.
    long: Vec<u8>,
}

/// ASCII byte classes (see [`CLASS`]).
const SEP: u8 = 0;
const LOWER: u8 = 1;
const UPPER: u8 = 2;
const DIGIT: u8 = 3;
const APOSTROPHE: u8 = 4;
const HYPHEN: u8 = 5;
/// Any byte of a non-ASCII UTF-8 sequence.
const NON_ASCII: u8 = 6;

/// The class of every byte.
static CLASS: [u8; 256] = {
    let mut table = [NON_ASCII; 256];
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

/// Bytes that continue a run of lowercase letters and digits.
static RUN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = CLASS[b] == LOWER || CLASS[b] == DIGIT;
        b += 1;
    }
    table
};

/// What the last word character of the open token was, for the case-split
/// and hyphenation rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prev {
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

/// A word as [`scan`] hands it out.
#[derive(Debug, Clone, Copy)]
enum Word<'a> {
    /// The normalized bytes.
    Norm(&'a [u8]),
    /// Original ASCII letters and digits: the normalized word is their
    /// lowercase (so the common word is never copied). Then the text from
    /// the word's start, at most 16 bytes.
    Ascii(&'a [u8], &'a [u8]),
}

impl Tokenizer {
    /// A tokenizer hashing words with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            word: Vec::with_capacity(64),
            long: Vec::new(),
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
        self.append_tokens(text, 0, out);
    }

    /// Appends the tokens of `text` to `out`, their offsets shifted by
    /// `offset`: tokenizes a window of a longer text (cut where
    /// [`is_safe_cut`] allows) with offsets into the whole.
    pub fn append_tokens(&mut self, text: &str, offset: u32, out: &mut Vec<Token>) {
        let seed = self.seed;
        let long = &mut self.long;
        scan(text, &mut self.word, |start, end, word| {
            let hash = match word {
                Word::Norm(w) => hash_word(w, seed),
                Word::Ascii(w, ahead) => hash_ascii_word(w, ahead, seed, long),
            };
            out.push(Token {
                start: start + offset,
                end: end + offset,
                hash,
            });
        });
    }

    /// Replaces `out` with the normalized words of `text` joined by single
    /// spaces: the text the token hashes are hashes of.
    pub fn normalize_into(&mut self, text: &str, out: &mut String) {
        let mut bytes = std::mem::take(out).into_bytes();
        bytes.clear();
        scan(text, &mut self.word, |_, _, word| {
            if !bytes.is_empty() {
                bytes.push(b' ');
            }
            match word {
                Word::Norm(w) => bytes.extend_from_slice(w),
                Word::Ascii(w, _) => bytes.extend(w.iter().map(u8::to_ascii_lowercase)),
            }
        });
        // Words are built from whole UTF-8 encodings of chars.
        *out = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    }
}

/// The hash of a normalized word: a multiply-fold of its bytes (read as two
/// zero-padded little-endian 64-bit words) for words of up to 16 bytes,
/// seeded xxh3 beyond.
pub fn hash_word(word: &[u8], seed: u64) -> u64 {
    if word.len() <= 16 {
        let mut b = [0u8; 16];
        b[..word.len()].copy_from_slice(word);
        let (x, y) = (load8(&b[..8]), load8(&b[8..]));
        mix_short(x, y, word.len(), seed)
    } else {
        xxh3_64_with_seed(word, seed)
    }
}

/// [`hash_word`] of the lowercase of `word`, ASCII letters and digits
/// only. `ahead` is the text from the word's start on: when it holds 16
/// bytes, a short word is read without a copy or a branch on its length.
#[inline]
fn hash_ascii_word(word: &[u8], ahead: &[u8], seed: u64, scratch: &mut Vec<u8>) -> u64 {
    let len = word.len();
    if len <= 16 && ahead.len() >= 16 {
        // The masks keep the word's own bytes; setting bit 5 lowercases an
        // ASCII letter and keeps a digit.
        let mask = |k: usize| ((1u128 << (8 * k)) - 1) as u64;
        let (m0, m1) = (mask(len.min(8)), mask(len.saturating_sub(8)));
        let lower = 0x2020_2020_2020_2020;
        let x = (load8(&ahead[..8]) | lower) & m0;
        let y = (load8(&ahead[8..16]) | lower) & m1;
        mix_short(x, y, len, seed)
    } else {
        scratch.clear();
        scratch.extend(word.iter().map(u8::to_ascii_lowercase));
        hash_word(scratch, seed)
    }
}

/// Eight bytes as a little-endian integer.
#[inline]
fn load8(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// Folds two words and a length into a 64-bit hash: the two halves of
/// their 128-bit product, xor-ed (wyhash's mix).
#[inline]
fn mix_short(x: u64, y: u64, len: usize, seed: u64) -> u64 {
    const K0: u64 = 0xA076_1D64_78BD_642F;
    const K1: u64 = 0xE703_7ED1_A0B4_28DB;
    let r = u128::from(x ^ K0 ^ seed) * u128::from(y ^ K1 ^ len as u64);
    (r as u64) ^ (r >> 64) as u64
}

/// MurmurHash3's 64-bit finaliser: a bijection that spreads every input bit
/// over the output.
#[inline]
pub(crate) fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^= h >> 33;
    h
}

/// The high bit of every byte of `chunk` (8 bytes, little-endian order)
/// that is not an ASCII lowercase letter or digit; 0 if all are.
#[inline]
fn non_run_bytes(chunk: &[u8]) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const fn splat(b: u8) -> u64 {
        u64::from_le_bytes([b; 8])
    }
    let mut b = [0u8; 8];
    b.copy_from_slice(chunk);
    let v = u64::from_le_bytes(b);
    // On 7-bit values no byte's sum carries into the next.
    let x = v & !HIGH;
    let ge = |c: u8| x + splat(0x80 - c);
    let lower = ge(b'a') & !ge(b'z' + 1);
    let digit = ge(b'0') & !ge(b'9' + 1);
    !(lower | digit) & !v & HIGH | v & HIGH
}

/// The lazy word `bytes[start..end]`.
#[inline]
fn ascii(bytes: &[u8], start: usize, end: usize) -> Word<'_> {
    Word::Ascii(
        &bytes[start..end],
        &bytes[start..bytes.len().min(start + 16)],
    )
}

/// What a word's last letter or digit (an ASCII byte) was.
#[inline]
fn prev_of(b: u8) -> Prev {
    match CLASS[usize::from(b)] {
        LOWER => Prev::Lower,
        UPPER => Prev::Upper,
        _ => Prev::Digit,
    }
}

/// Whether the char starting at byte `i` of `text` is a combining mark.
#[inline]
fn is_mark_at(text: &str, i: usize) -> bool {
    text.get(i..)
        .and_then(|t| t.chars().next())
        .is_some_and(is_combining_mark)
}

/// Class masks of 64 bytes of text, one bit per byte (bit `k` for byte
/// `k`), for the block fast path of [`scan`].
#[derive(Debug, Clone, Copy)]
struct Block {
    /// ASCII letters and digits.
    word: u64,
    /// Where a glued case change starts a new word.
    split: u64,
}

/// The masks of `bytes[i..i + 64]` if the block is *plain*: all ASCII, and
/// none of the rules that look past a separator can apply, so that its
/// words are exactly its runs of letters and digits, cut at glued case
/// changes. Not plain: a non-ASCII byte (in the block or just after it), an
/// apostrophe with a letter, digit or apostrophe on both sides (it may join
/// two words), a hyphen after a letter and before whitespace (it may be a
/// word broken across lines). `carried` tells whether a word runs into the
/// block from the byte before it. Needs `i + 64 < bytes.len()`.
#[inline]
fn plain_block(bytes: &[u8], i: usize, carried: bool) -> Option<Block> {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const fn splat(b: u8) -> u64 {
        u64::from_le_bytes([b; 8])
    }
    // One bit per byte from the high bits of a word's bytes.
    let gather = |flags: u64| (flags >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56;
    let (mut lower, mut upper, mut digit, mut special) = (0u64, 0u64, 0u64, 0u64);
    for k in 0..8 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[i + 8 * k..i + 8 * k + 8]);
        let v = u64::from_le_bytes(b);
        if v & HIGH != 0 {
            return None;
        }
        // On 7-bit bytes no sum carries into the next byte.
        let ge = |c: u8| v + splat(0x80 - c);
        let range = |lo: u8, hi: u8| ge(lo) & !ge(hi + 1) & HIGH;
        let shift = 8 * k;
        lower |= gather(range(b'a', b'z')) << shift;
        upper |= gather(range(b'A', b'Z')) << shift;
        digit |= gather(range(b'0', b'9')) << shift;
        special |= gather(range(b'\'', b'\'') | range(b'`', b'`') | range(b'-', b'-')) << shift;
    }
    // The byte after the block must not reach back into it either.
    let after = bytes[i + 64];
    if after >= 0x80 || matches!(after, b'\'' | b'`' | b'-') {
        return None;
    }
    let before = if i > 0 { bytes[i - 1] } else { b' ' };
    let class = |b: u8| CLASS[usize::from(b)];
    let is_word = |b: u8| matches!(class(b), LOWER | UPPER | DIGIT);
    let word = lower | upper | digit;
    if special != 0 {
        // Rare: look at apostrophes and hyphens one by one.
        let mut m = special;
        while m != 0 {
            let k = m.trailing_zeros() as usize;
            m &= m - 1;
            let at = i + k;
            let prev = if at > 0 { bytes[at - 1] } else { b' ' };
            let next = bytes[at + 1];
            let joins = |b: u8| b >= 0x80 || is_word(b) || class(b) == APOSTROPHE;
            match bytes[at] {
                b'-' => {
                    if (joins(prev) && !class(prev).eq(&DIGIT))
                        && matches!(next, b' ' | b'\t' | b'\r' | b'\n')
                    {
                        return None;
                    }
                }
                _ => {
                    if joins(prev) && joins(next) {
                        return None;
                    }
                }
            }
        }
    }
    // A glued case change: an uppercase letter after a lowercase letter or
    // digit of the same word and before a lowercase letter.
    let low_dig = lower | digit;
    let low_dig_before = u64::from(carried && matches!(class(before), LOWER | DIGIT));
    let lower_after = u64::from(after.is_ascii_lowercase());
    let split = upper & ((low_dig << 1) | low_dig_before) & ((lower >> 1) | (lower_after << 63));
    Some(Block { word, split })
}

/// Calls `emit(start, end, word)` for every word of `text`; `word` is a
/// scratch buffer.
fn scan(text: &str, word: &mut Vec<u8>, emit: impl FnMut(u32, u32, Word<'_>)) {
    scan_with(text, word, true, emit);
}

/// [`scan`], with or without the block fast path (tests compare both).
fn scan_with(
    text: &str,
    word: &mut Vec<u8>,
    blocks: bool,
    mut emit: impl FnMut(u32, u32, Word<'_>),
) {
    let text = cut_to_u32(text);
    let bytes = text.as_bytes();
    let n = bytes.len();
    word.clear();
    // The open token, if `open`: `start..end` in the text. While `lazy`,
    // its normalized form is the lowercase of `bytes[start..end]`, all
    // ASCII letters and digits, and `word` is empty; otherwise it is `word`.
    let (mut open, mut lazy) = (false, false);
    let (mut start, mut end) = (0usize, 0usize);
    let mut prev = Prev::Caseless;
    macro_rules! close {
        () => {{
            if open {
                if lazy {
                    emit(start as u32, end as u32, ascii(bytes, start, end));
                } else {
                    emit(start as u32, end as u32, Word::Norm(word));
                    word.clear();
                }
                open = false;
            }
        }};
    }
    // Before anything but the contiguous ASCII continuation of a lazy
    // token: copy it into `word`.
    macro_rules! materialize {
        () => {{
            if open && lazy {
                word.extend(bytes[start..end].iter().map(u8::to_ascii_lowercase));
                lazy = false;
            }
        }};
    }
    let mut i = 0;
    // Where to try the block fast path next (after a block that was not
    // plain, the byte-by-byte path takes its 64 bytes).
    let mut next_block = if blocks { 0 } else { usize::MAX };
    while i < n {
        if i >= next_block && i + 64 < n && (!open || (lazy && end == i)) {
            let Some(block) = plain_block(bytes, i, open) else {
                next_block = i + 64;
                continue;
            };
            let after = bytes[i + 64];
            let word_after = u64::from(matches!(CLASS[usize::from(after)], LOWER | UPPER | DIGIT));
            let Block { word: w, split } = block;
            // The word running into the block ends before it unless its
            // first byte continues it.
            if open && (w & 1 == 0 || split & 1 != 0) {
                close!();
            }
            let mut starts = (w & !((w << 1) | u64::from(open))) | split;
            let mut ends = (w & !((w >> 1) | (word_after << 63))) | (split >> 1);
            if open {
                if ends == 0 {
                    end = i + 64;
                    prev = prev_of(bytes[i + 63]);
                    i += 64;
                    continue;
                }
                end = i + ends.trailing_zeros() as usize + 1;
                ends &= ends - 1;
                close!();
            }
            while starts != 0 {
                let s = i + starts.trailing_zeros() as usize;
                starts &= starts - 1;
                if ends != 0 {
                    let e = i + ends.trailing_zeros() as usize + 1;
                    ends &= ends - 1;
                    emit(s as u32, e as u32, ascii(bytes, s, e));
                } else {
                    open = true;
                    lazy = true;
                    start = s;
                    end = i + 64;
                    prev = prev_of(bytes[i + 63]);
                }
            }
            i += 64;
            continue;
        }
        let class = CLASS[usize::from(bytes[i])];
        match class {
            SEP => {
                close!();
                i += 1;
                while i < n && CLASS[usize::from(bytes[i])] == SEP {
                    i += 1;
                }
                continue;
            }
            LOWER | UPPER | DIGIT
                if !(i + 1 < n && bytes[i + 1] >= 0x80 && is_mark_at(text, i + 1)) =>
            {
                if class == UPPER
                    && open
                    && matches!(prev, Prev::Lower | Prev::Digit)
                    && starts_lowercase(text, i + 1)
                {
                    close!();
                }
                if !open {
                    open = true;
                    lazy = true;
                    start = i;
                } else if lazy && end != i {
                    materialize!();
                }
                // This byte and the run of lowercase letters and digits
                // after it, but not a last byte a combining mark follows
                // (NFKC may compose them: the slow path below takes it).
                let mut k = i + 1;
                // Eight bytes at a time while they all continue the run.
                while k + 8 <= n {
                    let stop = non_run_bytes(&bytes[k..k + 8]);
                    if stop != 0 {
                        k += (stop.trailing_zeros() / 8) as usize;
                        break;
                    }
                    k += 8;
                }
                while k < n && RUN[usize::from(bytes[k])] {
                    k += 1;
                }
                if k < n && bytes[k] >= 0x80 && k > i + 1 && is_mark_at(text, k) {
                    k -= 1;
                }
                if !lazy {
                    word.extend(bytes[i..k].iter().map(u8::to_ascii_lowercase));
                }
                end = k;
                prev = match CLASS[usize::from(bytes[k - 1])] {
                    LOWER => Prev::Lower,
                    UPPER => Prev::Upper,
                    _ => Prev::Digit,
                };
                i = k;
                continue;
            }
            APOSTROPHE => {
                i += 1;
                continue;
            }
            HYPHEN => {
                let rejoin = if open && prev.is_letter() {
                    hyphen_break(text, i)
                } else {
                    None
                };
                match rejoin {
                    Some(next) => i = next,
                    None => {
                        close!();
                        i += 1;
                    }
                }
                continue;
            }
            _ => {}
        }
        // A character and the combining marks after it: NFKC composes
        // within such a cluster, and the cluster's range is where every
        // char NFKC makes of it comes from.
        let Some(c) = text.get(i..).and_then(|t| t.chars().next()) else {
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
            && open
            && matches!(prev, Prev::Lower | Prev::Digit)
            && starts_lowercase(text, j);
        let mut first = true;
        let mut feed = |d: char| {
            match kind(d) {
                Kind::Word => {
                    if first && split_case {
                        close!();
                    }
                    if open {
                        materialize!();
                    } else {
                        open = true;
                        lazy = false;
                        start = i;
                    }
                    push_folded(word, d);
                    end = j;
                    prev = Prev::of(d);
                }
                Kind::Mark => {
                    if open {
                        materialize!();
                        push_folded(word, d);
                        end = j;
                    }
                }
                Kind::Single => {
                    close!();
                    push_folded(word, d);
                    open = true;
                    lazy = false;
                    start = i;
                    end = j;
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
    if open {
        let w = if lazy {
            ascii(bytes, start, end)
        } else {
            Word::Norm(word)
        };
        emit(start as u32, end as u32, w);
    }
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
    if CLASS[usize::from(b)] != SEP {
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
        return match CLASS[d as usize] {
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
        scan(text, &mut Vec::new(), |start, end, word| {
            let word = match word {
                Word::Norm(w) => w.to_vec(),
                Word::Ascii(w, _) => w.to_ascii_lowercase(),
            };
            out.push((
                String::from_utf8(word).expect("words are UTF-8"),
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

    proptest::proptest! {
        /// Whichever way a word is read (straight from ASCII text or built
        /// up in the buffer), its hash is the hash of its normalized form,
        /// and its range lies on char boundaries, in order.
        #[test]
        fn hashes_are_the_hashes_of_the_normalized_words(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "Bc", "DEF", "ghIJ", "x9", "12", "'", "-", "-\n", " ", "\n", ".",
                    "é", "É", "ß", "ﬁ", "東", "\u{301}", "😀", "’", "Ａ", "_", "aaaaaaaaaaaaaaaaaaaa",
                ]),
                0..40,
            ),
            seed in 0u64..4,
        ) {
            let text: String = parts.concat();
            let mut t = Tokenizer::new(seed);
            let mut tokens = Vec::new();
            t.tokenize(&text, &mut tokens);
            let mut words = String::new();
            t.normalize_into(&text, &mut words);
            let words: Vec<&str> = words.split(' ').filter(|w| !w.is_empty()).collect();
            proptest::prop_assert_eq!(tokens.len(), words.len(), "{:?}", text);
            let mut last = 0;
            for (tok, w) in tokens.iter().zip(&words) {
                proptest::prop_assert_eq!(tok.hash, hash_word(w.as_bytes(), seed), "{:?} in {:?}", w, text);
                let (s, e) = (tok.start as usize, tok.end as usize);
                proptest::prop_assert!(last <= s && s < e && e <= text.len());
                proptest::prop_assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
                last = s;
            }
        }
    }

    #[test]
    fn eight_bytes_at_a_time_agrees_with_the_table() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut chunk = *b"abcz0129";
                chunk[at] = b;
                let stop = non_run_bytes(&chunk);
                let expected = if RUN[usize::from(b)] {
                    0
                } else {
                    0x80u64 << (8 * at)
                };
                assert_eq!(stop, expected, "byte {b:#x} at {at}");
            }
        }
    }

    /// Every word of `text` as (start, end, normalized form), with or
    /// without the block fast path.
    fn all_words(text: &str, blocks: bool) -> Vec<(u32, u32, Vec<u8>)> {
        let mut out = Vec::new();
        scan_with(text, &mut Vec::new(), blocks, |start, end, word| {
            let word = match word {
                Word::Norm(w) => w.to_vec(),
                Word::Ascii(w, _) => w.to_ascii_lowercase(),
            };
            out.push((start, end, word));
        });
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

        /// The 64-byte block fast path reads exactly the words the
        /// byte-by-byte path reads, wherever blocks start and whatever
        /// they hold.
        #[test]
        fn blocks_read_the_same_words(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "bc", "Def", "GHI", "xY", "aZb", "9", "7Up", "z1", " ", "  ", "\n",
                    "\r\n", "\t", ".", ",", "'", "`", "''", "-", "-\n", "- \n", "-\n  ",
                    "don't", "end.The", "ArticleThe", "é", "\u{301}", "ﬁ", "東", "😀",
                    "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJ", "0123456789",
                ]),
                0..300,
            ),
        ) {
            let text: String = parts.concat();
            proptest::prop_assert_eq!(all_words(&text, true), all_words(&text, false), "{:?}", text);
        }
    }

    #[test]
    fn blocks_agree_on_long_plain_and_special_text() {
        let mut text = String::new();
        for k in 0..400 {
            text.push_str(match k % 13 {
                0 => "The quick brown fox ",
                1 => "jumpsOver the lazyDog. ",
                2 => "Share This ArticleThe end ",
                3 => "it's ",
                4 => "inter-\nnational ",
                5 => "x - y ",
                6 => "2023The ",
                7 => "a`b ",
                8 => "word'\n",
                9 => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                10 => "   \t\t ",
                11 => "caf\u{e9} ",
                _ => "plain words only here and there ",
            });
        }
        for cut in 0..70 {
            let t = &text[cut..];
            let (fast, slow) = (all_words(t, true), all_words(t, false));
            let first = fast.iter().zip(&slow).position(|(f, s)| f != s);
            assert_eq!(
                first,
                None,
                "cut {cut}: {:?}",
                first.map(|k| (&fast[k], &slow[k]))
            );
            assert_eq!(fast.len(), slow.len(), "cut {cut}");
        }
    }

    #[test]
    fn short_and_long_words_hash_apart() {
        let words: Vec<Vec<u8>> = (1..40usize)
            .flat_map(|len| (b'a'..=b'e').map(move |c| vec![c; len]))
            .chain([
                b"ab".to_vec(),
                b"ba".to_vec(),
                b"abc".to_vec(),
                b"acb".to_vec(),
            ])
            .collect();
        let mut hashes: Vec<u64> = words.iter().map(|w| hash_word(w, 9)).collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), words.len());
        assert_ne!(hash_word(b"word", 1), hash_word(b"word", 2));
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
}
