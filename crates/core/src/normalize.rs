//! Text → normalized text, so that trivial differences do not hide a duplicate.
//!
//! Four independent folds, each on by default and each can be switched off:
//!
//! * **NFKC**: Unicode compatibility composition (ligatures, full-width forms,
//!   `…` → `...`). Skipped for ASCII text, which NFKC leaves unchanged.
//! * **Case**: full Unicode lowercase mapping.
//! * **Punctuation**: curly quotes, primes and dashes fold to their ASCII
//!   forms; then every punctuation mark is dropped (dashes and slashes become
//!   a space, since they usually separate words). With this fold off, only the
//!   quote and dash styles are folded.
//! * **Whitespace**: runs of whitespace collapse to one space, and the result is
//!   trimmed.
//!
//! Control characters are always dropped.
//!
//! ```
//! use dupscan_core::normalize::Normalizer;
//! let n = Normalizer::default();
//! let mut out = String::new();
//! n.normalize_into("He said: “Stop!”  — and left.", &mut out);
//! assert_eq!(out, "he said stop and left");
//! ```
//!
//! **Offsets.** [`Normalizer::normalize_into`] is the pipeline's hot path and
//! keeps no offsets. [`Normalizer::normalize_with_offsets`] gives the same
//! text and an [`OffsetMap`] from normalized bytes back to the original
//! ones, so that a match found in normalized text can be shown in the
//! source:
//!
//! ```
//! use dupscan_core::normalize::Normalizer;
//! let text = "Le CAFÉ — ﬁne!";
//! let (norm, map) = Normalizer::default().normalize_with_offsets(text);
//! assert_eq!(norm, "le café fine");
//! let fine = norm.find("fine").unwrap();
//! assert_eq!(&text[map.to_original(fine..fine + 4)], "ﬁne");
//! ```

use std::iter;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use unicode_normalization::char::{canonical_combining_class, decompose_compatible};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Which folds to apply. Each is independent of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Normalizer {
    /// Unicode NFKC.
    pub nfkc: bool,
    /// Lowercase.
    pub case: bool,
    /// Drop punctuation (quote and dash styles are always folded).
    pub punctuation: bool,
    /// Collapse and trim whitespace.
    pub whitespace: bool,
}

impl Default for Normalizer {
    fn default() -> Self {
        Self {
            nfkc: true,
            case: true,
            punctuation: true,
            whitespace: true,
        }
    }
}

/// What a character becomes after quote/dash folding and punctuation policy.
enum Fold {
    Keep(char),
    Space,
    Drop,
}

impl Normalizer {
    /// Normalizes `text` into `out` (cleared first). Reusing `out` across calls
    /// avoids an allocation per unit.
    pub fn normalize_into(&self, text: &str, out: &mut String) {
        out.clear();
        out.reserve(text.len());
        if text.is_ascii() {
            self.push_ascii(text.as_bytes(), out);
        } else if self.nfkc {
            for c in text.nfkc() {
                self.push(c, out);
            }
        } else {
            for c in text.chars() {
                self.push(c, out);
            }
        }
        if self.whitespace && out.ends_with(' ') {
            out.pop();
        }
    }

    /// Convenience wrapper returning a new string.
    pub fn normalize(&self, text: &str) -> String {
        let mut out = String::new();
        self.normalize_into(text, &mut out);
        out
    }

    /// Normalizes `text` as [`Self::normalize_into`] does, and maps the
    /// result back to `text`'s bytes.
    pub fn normalize_with_offsets(&self, text: &str) -> (String, OffsetMap) {
        let mut out = String::new();
        let mut map = OffsetMap::default();
        self.normalize_with_offsets_into(text, &mut out, &mut map);
        (out, map)
    }

    /// [`Self::normalize_with_offsets`] into reusable buffers (both cleared
    /// first).
    ///
    /// The text is the same as [`Self::normalize_into`]'s, byte for byte.
    /// NFKC runs on one *chunk* at a time, a chunk starting at every
    /// character before which UAX #15 puts a normalization boundary (one
    /// with canonical combining class 0 whose decomposition opens with a
    /// character that never composes with what precedes it: every ASCII
    /// character, most letters, `ﬁ`, `Ａ`), so normalizing chunk by chunk
    /// equals normalizing the whole string. Splitting at every character would not: `e` + U+0301
    /// composes to `é`, Hangul jamo `ᄀ` `ᅡ` `ᆨ` compose to `각`, Tamil
    /// `ஒ` + `ௗ` to `ஔ`, and marks reorder by combining class; all of these
    /// stay inside one chunk. Everything after NFKC (case, quotes,
    /// punctuation, whitespace) works one character at a time, as in
    /// [`Self::normalize_into`].
    ///
    /// A chunk that is one character turning into one character of the
    /// same UTF-8 length (`é`, `É` → `é`, CJK, `-` → space) maps byte for
    /// byte; any other chunk that produces text (`ﬁ` → `fi`, `Ａ` → `a`,
    /// `İ` → `i̇`, `ẞ` → `ß`, `e` + U+0301 → `é`) maps as a whole to all of
    /// its source bytes.
    pub fn normalize_with_offsets_into(&self, text: &str, out: &mut String, map: &mut OffsetMap) {
        out.clear();
        out.reserve(text.len());
        map.clear();
        if text.is_ascii() {
            self.push_ascii_with_offsets(text.as_bytes(), out, map);
        } else {
            self.push_chunks_with_offsets(text, out, map);
        }
        if self.whitespace && out.ends_with(' ') {
            // The space's source byte becomes a dropped byte of the last run.
            out.pop();
        }
        map.finish(out.len(), text.len());
    }

    /// The same folds as [`Self::push`] for ASCII input: one lookup per byte
    /// in the table for this combination of folds (NFKC leaves ASCII
    /// unchanged).
    fn push_ascii(&self, bytes: &[u8], out: &mut String) {
        let table = &ASCII_TABLES[self.ascii_table_index()];
        // Written by index into a buffer as long as the input (the output is
        // never longer), then checked as UTF-8 once: far cheaper than a
        // capacity check per pushed char.
        let mut buf = std::mem::take(out).into_bytes();
        buf.clear();
        buf.resize(bytes.len(), 0);
        // Without a branch per byte (punctuation and spaces are too
        // irregular to predict): every byte writes at `w`, and `w` moves on
        // only past a kept byte, or a space that does not follow one.
        let mut w = 0;
        let mut last_space = true;
        for &b in bytes {
            let t = table[usize::from(b & 0x7F)];
            let space = t == ASCII_SPACE;
            buf[w] = if space { b' ' } else { t };
            w += usize::from(t > ASCII_SPACE || (space && !last_space));
            if t != ASCII_DROP {
                last_space = space || t == b' ';
            }
        }
        buf.truncate(w);
        *out = String::from_utf8(buf).expect("ASCII folds produce ASCII");
    }

    /// [`Self::push_ascii`] recording offsets: every written byte maps to
    /// its source byte, so only dropped bytes start a new run.
    fn push_ascii_with_offsets(&self, bytes: &[u8], out: &mut String, map: &mut OffsetMap) {
        let table = &ASCII_TABLES[self.ascii_table_index()];
        let mut buf = std::mem::take(out).into_bytes();
        buf.clear();
        let mut last_space = true;
        for (i, &b) in bytes.iter().enumerate() {
            let c = match table[usize::from(b & 0x7F)] {
                ASCII_DROP => continue,
                ASCII_SPACE if last_space => continue,
                ASCII_SPACE => b' ',
                c => c,
            };
            map.same_length(buf.len(), i);
            buf.push(c);
            last_space = c == b' ';
        }
        *out = String::from_utf8(buf).expect("ASCII folds produce ASCII");
    }

    /// The folds chunk by chunk (see [`Self::normalize_with_offsets_into`]),
    /// recording how each chunk maps.
    fn push_chunks_with_offsets(&self, text: &str, out: &mut String, map: &mut OffsetMap) {
        let mut chars = text.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            let mut end = start + c.len_utf8();
            if self.nfkc {
                while let Some(&(i, d)) = chars.peek() {
                    if starts_nfkc_chunk(d) {
                        break;
                    }
                    end = i + d.len_utf8();
                    chars.next();
                }
            }
            let single = end - start == c.len_utf8();
            let before = out.len();
            if single && (!self.nfkc || nfkc_stable(c)) {
                // One character that NFKC leaves as it is.
                self.push(c, out);
            } else {
                for d in text[start..end].nfkc() {
                    self.push(d, out);
                }
            }
            let added = &out[before..];
            if added.is_empty() {
                map.dropped(before, start);
            } else if single && added.len() == c.len_utf8() && added.chars().nth(1).is_none() {
                map.same_length(before, start);
            } else {
                map.whole(before, start);
            }
        }
    }

    /// Which of [`ASCII_TABLES`] applies: bit 0 case, bit 1 punctuation,
    /// bit 2 whitespace.
    fn ascii_table_index(&self) -> usize {
        usize::from(self.case)
            | usize::from(self.punctuation) << 1
            | usize::from(self.whitespace) << 2
    }

    #[inline]
    fn push(&self, c: char, out: &mut String) {
        let c = match self.fold(c) {
            Fold::Keep(c) => c,
            Fold::Space => ' ',
            Fold::Drop => return,
        };
        if c.is_whitespace() {
            if self.whitespace {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
            } else {
                out.push(c);
            }
        } else if self.case {
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            out.push(c);
        }
    }

    #[inline]
    fn fold(&self, c: char) -> Fold {
        if c.is_ascii_alphanumeric() || c == ' ' {
            return Fold::Keep(c);
        }
        if c.is_control() && !c.is_whitespace() {
            return Fold::Drop;
        }
        let c = fold_style(c);
        if !self.punctuation {
            return Fold::Keep(c);
        }
        match c {
            '-' | '/' | '\\' | '_' => Fold::Space,
            c if is_punctuation(c) => Fold::Drop,
            c => Fold::Keep(c),
        }
    }
}

/// An ASCII table entry: the byte is dropped.
const ASCII_DROP: u8 = 0;
/// An ASCII table entry: the byte is whitespace, collapsed with its
/// neighbours into one space.
const ASCII_SPACE: u8 = 1;

/// What each ASCII byte becomes, for each combination of the case,
/// punctuation and whitespace folds (see [`Normalizer::ascii_table_index`]):
/// [`ASCII_DROP`], [`ASCII_SPACE`], or the byte to write.
static ASCII_TABLES: [[u8; 128]; 8] = {
    let mut tables = [[ASCII_DROP; 128]; 8];
    let mut folds = 0;
    while folds < 8 {
        let (case, punctuation, whitespace) = (folds & 1 != 0, folds & 2 != 0, folds & 4 != 0);
        let mut b = 0;
        while b < 128 {
            let c = b as u8;
            tables[folds][b] = if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else if c.is_ascii_uppercase() {
                if case { c | 0x20 } else { c }
            } else if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C) {
                if whitespace { ASCII_SPACE } else { c }
            } else if matches!(c, b'-' | b'/' | b'\\' | b'_') && punctuation {
                // Separators split words.
                if whitespace { ASCII_SPACE } else { b' ' }
            } else if c.is_ascii_punctuation() {
                if punctuation {
                    ASCII_DROP
                } else if c == b'`' {
                    b'\''
                } else {
                    c
                }
            } else {
                // Control characters.
                ASCII_DROP
            };
            b += 1;
        }
        folds += 1;
    }
    tables
};

/// Whether NFKC leaves `c` unchanged wherever it stands, and never
/// reorders it with, nor composes it onto, the text before it: canonical
/// combining class 0 and `NFKC_Quick_Check=Yes`.
#[inline]
fn nfkc_stable(c: char) -> bool {
    c.is_ascii()
        || (canonical_combining_class(c) == 0 && is_nfkc_quick(iter::once(c)) == IsNormalized::Yes)
}

/// Whether `c` starts an NFKC chunk, that is, NFKC of a text equals NFKC
/// of what comes before `c` followed by NFKC of the rest (UAX #15's
/// boundary before `c`): `c` is [stable](nfkc_stable), or its compatibility
/// decomposition opens with a stable character (`ﬁ` → `f` `i`, `Ａ` → `A`,
/// `é` → `e` U+0301). Anything else (combining marks, Hangul vowel and
/// final jamo, Indic vowel signs that compose) may reorder or compose with
/// the character before it, so it stays in that character's chunk.
#[inline]
fn starts_nfkc_chunk(c: char) -> bool {
    if nfkc_stable(c) {
        return true;
    }
    if canonical_combining_class(c) != 0 {
        return false;
    }
    let mut first = None;
    decompose_compatible(c, |d| {
        first.get_or_insert(d);
    });
    first.is_some_and(nfkc_stable)
}

/// Maps byte ranges of normalized text back to the original text.
///
/// The normalized text is cut into runs at *breakpoints*, each a pair
/// (normalized offset, original offset). Within a plain run the two advance
/// together byte for byte: characters kept, case-folded to the same length,
/// or turned into a space. The original bytes after a plain run's last
/// mapped byte and before the next breakpoint were dropped (punctuation,
/// controls, collapsed whitespace). A *whole* run is one chunk whose
/// normalization changed its length or merged characters (`ﬁ` → `fi`,
/// `Ａ` → `a`, `e` + U+0301 → `é`): any of its normalized bytes maps to all
/// of its original bytes, which end at the next breakpoint.
///
/// Size: 8 bytes per breakpoint (two `u32`), plus one bit for the run
/// kind. On ASCII text there is one breakpoint at the start, one after
/// each run of dropped bytes that kept text follows, and the closing one
/// (`"Hello, world!"` has three: `hello` at 0, ` world` after the comma,
/// the end; `"Hello,  world!"` has four, as the second space is a dropped
/// run of its own). Text with many compatibility characters
/// (full-width letters) costs one breakpoint per character. Only the first
/// 4 GiB of normalized and original text are mapped: ranges are clamped to
/// them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetMap {
    /// Ascending in both offsets; the last one closes the map at the
    /// normalized length and the original length.
    points: Vec<Breakpoint>,
    /// Bit `i` set: run `i` (from `points[i]` to `points[i + 1]`) is whole.
    whole: Vec<u64>,
}

/// Where a run starts, in the normalized and in the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Breakpoint {
    norm: u32,
    orig: u32,
}

impl OffsetMap {
    /// The smallest original byte range whose normalization produced the
    /// normalized bytes `norm`: from the start of the source of its first
    /// byte to the end of the source of its last byte.
    ///
    /// When `norm` lies on char boundaries of the normalized text (as its
    /// tokens do), the result lies on char boundaries of the original. The
    /// range is clamped to the normalized length; an empty range maps to an
    /// empty range where its position maps.
    pub fn to_original(&self, norm: Range<usize>) -> Range<usize> {
        let len = self.normalized_len();
        let end = norm.end.min(len);
        let start = norm.start.min(end);
        if start < end {
            return self.start_of(start)..self.end_of(end - 1);
        }
        let at = if start < len {
            self.start_of(start)
        } else if len > 0 {
            self.end_of(len - 1)
        } else {
            0
        };
        at..at
    }

    /// Breakpoints held, the closing one included.
    pub fn breakpoints(&self) -> usize {
        self.points.len()
    }

    /// Length of the normalized text the map was built for.
    pub fn normalized_len(&self) -> usize {
        self.points.last().map_or(0, |p| p.norm as usize)
    }

    fn clear(&mut self) {
        self.points.clear();
        self.whole.clear();
    }

    /// Where the source of normalized byte `at` starts.
    fn start_of(&self, at: usize) -> usize {
        let i = self.run_of(at);
        let p = self.points[i];
        if self.is_whole(i) {
            p.orig as usize
        } else {
            p.orig as usize + (at - p.norm as usize)
        }
    }

    /// Where the source of normalized byte `at` ends.
    fn end_of(&self, at: usize) -> usize {
        let i = self.run_of(at);
        let p = self.points[i];
        if self.is_whole(i) {
            self.points[i + 1].orig as usize
        } else {
            p.orig as usize + (at + 1 - p.norm as usize)
        }
    }

    /// The run holding normalized byte `at` (< the normalized length): the
    /// last breakpoint at or before it, which skips the empty runs that
    /// share its offset.
    fn run_of(&self, at: usize) -> usize {
        self.points.partition_point(|p| p.norm as usize <= at) - 1
    }

    fn is_whole(&self, run: usize) -> bool {
        self.whole
            .get(run / 64)
            .is_some_and(|w| w >> (run % 64) & 1 == 1)
    }

    fn push(&mut self, norm: usize, orig: usize, whole: bool) {
        let (Ok(norm), Ok(orig)) = (u32::try_from(norm), u32::try_from(orig)) else {
            // Past what u32 offsets address: the map stops here.
            return;
        };
        let run = self.points.len();
        self.points.push(Breakpoint { norm, orig });
        if whole {
            if self.whole.len() <= run / 64 {
                self.whole.resize(run / 64 + 1, 0);
            }
            self.whole[run / 64] |= 1 << (run % 64);
        }
    }

    fn last_is_whole(&self) -> bool {
        !self.points.is_empty() && self.is_whole(self.points.len() - 1)
    }

    /// Source at `orig` produced the same number of bytes at `norm`, byte
    /// for byte: extends the current plain run if nothing was dropped since.
    fn same_length(&mut self, norm: usize, orig: usize) {
        if let Some(p) = self.points.last() {
            if !self.last_is_whole() && p.orig as usize + (norm - p.norm as usize) == orig {
                return;
            }
        }
        self.push(norm, orig, false);
    }

    /// Source at `orig` produced nothing. A plain run absorbs it; after a
    /// whole run, an empty plain run marks where the whole run's source ends.
    fn dropped(&mut self, norm: usize, orig: usize) {
        if self.last_is_whole() {
            self.push(norm, orig, false);
        }
    }

    /// Source at `orig` produced the text at `norm` as a whole.
    fn whole(&mut self, norm: usize, orig: usize) {
        self.push(norm, orig, true);
    }

    /// Closes the map at the final lengths (saturated).
    fn finish(&mut self, norm_len: usize, orig_len: usize) {
        let max = u32::MAX as usize;
        self.push(norm_len.min(max), orig_len.min(max), false);
    }
}

/// Folds quote, prime and dash variants to ASCII.
#[inline]
fn fold_style(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}' | '`' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => '"',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
        c => c,
    }
}

/// Punctuation and common symbols: ASCII punctuation, Latin-1 punctuation,
/// General Punctuation, CJK punctuation and the full-width ASCII block.
#[inline]
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c,
            '\u{00A1}'..='\u{00BF}' | '\u{00D7}' | '\u{00F7}'
            | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205E}'
            | '\u{2E00}'..='\u{2E7F}' | '\u{3000}'..='\u{303F}'
            | '\u{FE10}'..='\u{FE6B}' | '\u{FF01}'..='\u{FF0F}'
            | '\u{FF1A}'..='\u{FF20}' | '\u{FF3B}'..='\u{FF40}' | '\u{FF5B}'..='\u{FF65}')
}

/// An upper bound on the tokens the normalizer can make of ASCII `raw` text,
/// under any folds: its whitespace-separated tokens (the vertical tab
/// counting as whitespace, as it does for the normalizer) plus the
/// separators (`-`, `/`, `\\`, `_`) that may split one token in two. Lets
/// the pipeline skip normalizing units that are too short anyway.
pub fn ascii_token_bound(raw: &str) -> usize {
    // One pass: a token starts at every non-space byte after a space (or at
    // the start), and each separator may start one more.
    let mut count = 0;
    let mut in_space = true;
    for &b in raw.as_bytes() {
        let space = matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C);
        count +=
            usize::from(in_space && !space) + usize::from(matches!(b, b'-' | b'/' | b'\\' | b'_'));
        in_space = space;
    }
    count
}

/// Number of whitespace-separated tokens in normalized text.
pub fn token_count(normalized: &str) -> usize {
    if !normalized.is_ascii() {
        return normalized.split_whitespace().count();
    }
    // A token starts at each non-space byte that opens the text or follows
    // a space. Bytes side by side and arithmetic without branches, so that
    // the loop vectorizes. ASCII whitespace: 9..=13 and the space.
    let space = |b: u8| u8::from(b == b' ') | u8::from(b.wrapping_sub(b'\t') < 5);
    let bytes = normalized.as_bytes();
    let first = bytes.first().is_some_and(|&b| space(b) == 0);
    let starts: usize = bytes
        .iter()
        .zip(&bytes[1.min(bytes.len())..])
        .map(|(&a, &b)| usize::from(space(a) & (space(b) ^ 1)))
        .sum();
    usize::from(first) + starts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all() -> Normalizer {
        Normalizer::default()
    }

    /// The normalizer with each of the 16 combinations of folds.
    fn every_combination() -> impl Iterator<Item = Normalizer> {
        (0..16u8).map(|folds| Normalizer {
            nfkc: folds & 8 != 0,
            case: folds & 1 != 0,
            punctuation: folds & 2 != 0,
            whitespace: folds & 4 != 0,
        })
    }

    #[test]
    fn folds_case_punctuation_and_space() {
        assert_eq!(all().normalize("  Hello,   WORLD!\n"), "hello world");
    }

    #[test]
    fn curly_and_straight_quotes_agree() {
        let n = all();
        assert_eq!(
            n.normalize("a ‘mockery of our people’ ."),
            n.normalize("a 'mockery of our people'.")
        );
        let keep = Normalizer {
            punctuation: false,
            ..all()
        };
        assert_eq!(keep.normalize("“it’s”"), "\"it's\"");
    }

    #[test]
    fn dashes_separate_words() {
        assert_eq!(
            all().normalize("peace—talks and/or well-known"),
            "peace talks and or well known"
        );
    }

    #[test]
    fn nfkc_folds_compatibility_forms() {
        assert_eq!(all().normalize("ﬁnance ＡＢＣ"), "finance abc");
        let off = Normalizer {
            nfkc: false,
            ..all()
        };
        assert_eq!(off.normalize("ﬁ"), "ﬁ");
    }

    #[test]
    fn each_fold_can_be_switched_off() {
        let raw = Normalizer {
            nfkc: false,
            case: false,
            punctuation: false,
            whitespace: false,
        };
        assert_eq!(raw.normalize("A  b.\tC"), "A  b.\tC");
        let no_case = Normalizer {
            case: false,
            ..all()
        };
        assert_eq!(no_case.normalize("Big Apple."), "Big Apple");
        let no_ws = Normalizer {
            whitespace: false,
            ..all()
        };
        assert_eq!(no_ws.normalize("a  b"), "a  b");
    }

    #[test]
    fn non_latin_lowercase_and_controls_dropped() {
        assert_eq!(all().normalize("ΣΊΣΥΦΟΣ\u{0}\u{7}"), "σίσυφοσ");
        assert_eq!(all().normalize("\u{FFFD}x"), "\u{FFFD}x");
    }

    #[test]
    fn ascii_fast_path_agrees_with_char_path() {
        let samples = [
            "  Hello,   WORLD!\n",
            "peace-talks and/or well_known \\ back`tick`",
            "tabs\tand\r\nnewlines  -  dashes -- here",
            "\u{1}ctrl\u{7f}chars... 3.5% of $20",
            "-leading and trailing- ",
            "\u{0}\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}\u{8}\t\n\u{b}\u{c}\r\u{e}\u{f}\u{10}\u{11}\u{12}\u{13}\u{14}\u{15}\u{16}\u{17}\u{18}\u{19}\u{1a}\u{1b}\u{1c}\u{1d}\u{1e}\u{1f} !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\u{7f}",
        ];
        for n in every_combination() {
            for text in samples {
                let mut fast = String::new();
                n.normalize_into(text, &mut fast);
                let mut slow = String::new();
                for c in text.chars() {
                    n.push(c, &mut slow);
                }
                if n.whitespace && slow.ends_with(' ') {
                    slow.pop();
                }
                assert_eq!(fast, slow, "{n:?} on {text:?}");
            }
        }
    }

    #[test]
    fn ascii_token_bound_is_an_upper_bound() {
        let samples = [
            "a-b-c d",
            "x / y",
            "a\x0Bb",
            "well_known\\path here",
            "- - -",
            "plain words only",
            "",
        ];
        for n in every_combination() {
            for text in samples {
                assert!(
                    token_count(&n.normalize(text)) <= ascii_token_bound(text),
                    "{n:?} {text:?}"
                );
            }
        }
        assert_eq!(ascii_token_bound("a-b c"), 3);
    }

    #[test]
    fn token_count_counts_words() {
        assert_eq!(token_count("a bb  ccc"), 3);
        assert_eq!(token_count(""), 0);
        for text in [
            " a\tb\x0Bc\x0C d\r\ne ",
            "x",
            "  ",
            "é a\u{2003}b",
            "\x1Fa b",
        ] {
            assert_eq!(
                token_count(text),
                text.split_whitespace().count(),
                "{text:?}"
            );
        }
    }
    // --- Offsets ----------------------------------------------------------

    /// The original text behind each normalized token, checking on the way
    /// that the text equals `normalize_into`'s.
    fn token_sources<'a>(n: &Normalizer, text: &'a str) -> Vec<(String, &'a str)> {
        let (norm, map) = n.normalize_with_offsets(text);
        assert_eq!(norm, n.normalize(text), "{n:?} on {text:?}");
        tokens(&norm)
            .map(|r| (norm[r.clone()].to_string(), &text[map.to_original(r)]))
            .collect()
    }

    /// Byte ranges of the maximal runs of non-whitespace in `norm`.
    fn tokens(norm: &str) -> impl Iterator<Item = Range<usize>> + '_ {
        norm.split(char::is_whitespace)
            .filter(|t| !t.is_empty())
            .map(move |t| {
                let start = t.as_ptr() as usize - norm.as_ptr() as usize;
                start..start + t.len()
            })
    }

    fn pairs<'a>(list: &[(&str, &'a str)]) -> Vec<(String, &'a str)> {
        list.iter().map(|&(n, o)| (n.to_string(), o)).collect()
    }

    #[test]
    fn offsets_through_dropped_punctuation_and_collapsed_space() {
        let text = "  Hello,   WORLD!\n(well-known)";
        assert_eq!(
            token_sources(&all(), text),
            pairs(&[
                ("hello", "Hello"),
                ("world", "WORLD"),
                ("well", "well"),
                ("known", "known")
            ])
        );
        let (norm, map) = all().normalize_with_offsets("Hello, world!");
        assert_eq!(norm, "hello world");
        assert_eq!(map.breakpoints(), 3);
        assert_eq!(map.to_original(0..11), 0..12);
        assert_eq!(map.to_original(5..6), 6..7);
        let (_, map) = all().normalize_with_offsets("Hello,  world!");
        assert_eq!(map.breakpoints(), 4);
    }

    #[test]
    fn offsets_of_multibyte_letters() {
        let n = all();
        assert_eq!(
            token_sources(&n, "Café ÉTÉ Straße STRAẞE"),
            pairs(&[
                ("café", "Café"),
                ("été", "ÉTÉ"),
                ("straße", "Straße"),
                ("straße", "STRAẞE")
            ])
        );
        // ẞ (3 bytes) lowercases to ß (2 bytes): a whole run, so each of
        // its normalized bytes maps to all of it.
        let (norm, map) = n.normalize_with_offsets("STRAẞE");
        assert_eq!(norm.find('ß'), Some(4));
        assert_eq!(map.to_original(4..6), 4..7);
        assert_eq!(map.to_original(4..5), 4..7);
        assert_eq!(map.to_original(6..7), 7..8);
        // İ lowercases to two characters, i and U+0307.
        let (norm, map) = n.normalize_with_offsets("İstanbul");
        assert_eq!(norm, "i\u{307}stanbul");
        assert_eq!(map.to_original(0..1), 0..2);
        assert_eq!(map.to_original(3..10), 2..9);
    }

    #[test]
    fn offsets_through_nfkc() {
        let n = all();
        let text = "ﬁnance ＡＢＣ e\u{301}te \u{1100}\u{1161}\u{11A8} \u{0B92}\u{0BD7}";
        assert_eq!(
            token_sources(&n, text),
            pairs(&[
                ("finance", "ﬁnance"),
                ("abc", "ＡＢＣ"),
                ("éte", "e\u{301}te"),
                ("각", "\u{1100}\u{1161}\u{11A8}"),
                ("\u{0B94}", "\u{0B92}\u{0BD7}")
            ])
        );
        let (norm, map) = n.normalize_with_offsets("ＡＢＣ");
        assert_eq!(norm, "abc");
        assert_eq!(map.to_original(1..2), 3..6);
        // Within the ligature, either letter maps to all of it.
        let (_, map) = n.normalize_with_offsets("ﬁ");
        assert_eq!(map.to_original(1..2), 0..3);
        // Marks reorder by combining class, lengths unchanged: still one
        // whole run.
        let (norm, map) = n.normalize_with_offsets("x\u{301}\u{316}");
        assert_eq!(norm, "x\u{316}\u{301}");
        assert_eq!(map.to_original(1..3), 0..5);
        // One character, two tokens: both map to it.
        assert_eq!(
            token_sources(&n, "\u{FDFA}"),
            pairs(&[
                ("صلى", "\u{FDFA}"),
                ("الله", "\u{FDFA}"),
                ("عليه", "\u{FDFA}"),
                ("وسلم", "\u{FDFA}")
            ])
        );
    }

    #[test]
    fn offsets_of_cjk_and_emoji() {
        assert_eq!(
            token_sources(&all(), "東京、大阪。 I ❤\u{FE0F} NY 👍🏽!"),
            pairs(&[
                ("東京大阪", "東京、大阪"),
                ("i", "I"),
                ("❤\u{FE0F}", "❤\u{FE0F}"),
                ("ny", "NY"),
                ("👍🏽", "👍🏽")
            ])
        );
        // Kept CJK maps byte for byte, across the dropped comma.
        let (norm, map) = all().normalize_with_offsets("東京、大阪");
        assert_eq!(map.to_original(6..12), 9..15);
        assert_eq!(map.to_original(3..9), 3..12);
        assert_eq!(&norm[3..9], "京大");
    }

    #[test]
    fn offsets_of_empty_and_edge_ranges() {
        let (norm, map) = all().normalize_with_offsets("  ...  ");
        assert_eq!(norm, "");
        assert_eq!(map.to_original(0..0), 0..0);
        assert_eq!(map.to_original(0..5), 0..0);
        let (_, map) = all().normalize_with_offsets("(ab) ");
        assert_eq!(map.to_original(0..2), 1..3);
        assert_eq!(map.to_original(1..1), 2..2);
        assert_eq!(map.to_original(2..2), 3..3);
        assert_eq!(map.to_original(0..99), 1..3);
        // A whole run followed by dropped text ends where its source does.
        let (norm, map) = all().normalize_with_offsets("ＡＢ!! c");
        assert_eq!(norm, "ab c");
        assert_eq!(map.to_original(0..2), 0..6);
        assert_eq!(map.to_original(3..4), 9..10);
    }

    #[test]
    fn offsets_reuse_buffers() {
        let n = all();
        let (mut out, mut map) = (String::new(), OffsetMap::default());
        n.normalize_with_offsets_into("ＡＢＣ, long text here", &mut out, &mut map);
        n.normalize_with_offsets_into("Short.", &mut out, &mut map);
        assert_eq!(out, "short");
        assert_eq!(map, n.normalize_with_offsets("Short.").1);
        assert_eq!(map.to_original(0..5), 0..5);
    }

    /// Characters that exercise every fold and every kind of run: ASCII
    /// words and punctuation, Unicode spaces, compatibility forms, case
    /// changes of other lengths, combining marks that compose or reorder,
    /// Hangul jamo, Indic vowel signs, CJK, emoji.
    const OFFSET_PIECES: &[&str] = &[
        "word", "The", "A", " ", "  ", "\t", "\n", ",", ".", "-", "/", "_", "'", "\"", "\u{0}",
        "\u{7f}", "\u{a0}", "\u{3000}", "\u{2003}", "é", "É", "e", "\u{301}", "\u{316}", "\u{308}",
        "\u{327}", "ß", "ẞ", "İ", "Σ", "ﬁ", "ﬀ", "Ａ", "ｂ", "１", "…", "“", "”", "—", "¨", "½",
        "\u{1100}", "\u{1161}", "\u{11A8}", "가", "\u{0B92}", "\u{0BD7}", "\u{0BC6}", "\u{0BBE}",
        "\u{0915}", "\u{093C}", "東", "。", "、", "❤", "\u{FE0F}", "👍", "🏽", "\u{FDFA}",
        "\u{212B}", "Å", "Ω", "\u{342}", "\u{345}", "ǅ", "\u{FFFD}", "x",
    ];

    fn arb_offset_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            proptest::collection::vec(proptest::sample::select(OFFSET_PIECES), 0..40)
                .prop_map(|v| v.concat()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn ascii_fast_path_agrees_with_char_path_on_any_ascii(text in "[\\x00-\\x7f]{0,60}") {
            for n in every_combination() {
                let mut slow = String::new();
                for c in text.chars() {
                    n.push(c, &mut slow);
                }
                if n.whitespace && slow.ends_with(' ') {
                    slow.pop();
                }
                let fast = n.normalize(&text);
                prop_assert_eq!(&fast, &slow, "{:?}", n);
                prop_assert_eq!(token_count(&fast), fast.split_whitespace().count());
            }
        }

        #[test]
        fn offsets_text_equals_normalize_into(text in arb_offset_text()) {
            for n in every_combination() {
                let (norm, map) = n.normalize_with_offsets(&text);
                prop_assert_eq!(&norm, &n.normalize(&text), "{:?}", n);
                prop_assert_eq!(map.normalized_len(), norm.len());
            }
        }

        #[test]
        fn every_token_maps_to_a_source_that_normalizes_to_it(text in arb_offset_text()) {
            for n in every_combination() {
                let (norm, map) = n.normalize_with_offsets(&text);
                let mut prev = 0..0;
                for r in tokens(&norm) {
                    let token = &norm[r.clone()];
                    let o = map.to_original(r);
                    prop_assert!(o.start < o.end && o.end <= text.len(), "{:?} {:?}", n, o);
                    prop_assert!(text.is_char_boundary(o.start) && text.is_char_boundary(o.end));
                    let again = n.normalize(&text[o.clone()]);
                    prop_assert!(
                        again.contains(token),
                        "{:?}: {:?} maps to {:?}, which normalizes to {:?}", n, token, &text[o.clone()], again
                    );
                    prop_assert!(prev.start <= o.start && prev.end <= o.end, "{:?} then {:?}", prev, o);
                    prev = o;
                }
            }
        }
    }
}
