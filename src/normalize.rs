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
//! Control characters are always dropped. The output is only ever hashed, never
//! shown, so no offset mapping back to the original is kept.
//!
//! ```
//! use dupscan::normalize::Normalizer;
//! let n = Normalizer::default();
//! let mut out = String::new();
//! n.normalize_into("He said: “Stop!”  — and left.", &mut out);
//! assert_eq!(out, "he said stop and left");
//! ```

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

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
        let mut w = 0;
        let mut last_space = true;
        for &b in bytes {
            match table[usize::from(b & 0x7F)] {
                ASCII_DROP => {}
                ASCII_SPACE => {
                    if !last_space {
                        buf[w] = b' ';
                        w += 1;
                        last_space = true;
                    }
                }
                c => {
                    buf[w] = c;
                    w += 1;
                    last_space = c == b' ';
                }
            }
        }
        buf.truncate(w);
        *out = String::from_utf8(buf).expect("ASCII folds produce ASCII");
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
    let mut count = 0;
    let mut in_space = true;
    for &b in normalized.as_bytes() {
        let space = matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C);
        count += usize::from(in_space && !space);
        in_space = space;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
