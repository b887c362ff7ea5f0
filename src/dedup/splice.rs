//! Cutting units out of the original bytes of a document, not out of its
//! decoded text.
//!
//! The scan sees decoded text: a text file's bytes with every maximal
//! invalid UTF-8 sequence replaced by U+FFFD, or a JSONL text field after
//! JSON unescaping (invalid UTF-8 replaced the same way, a lone surrogate
//! escape read as U+FFFD). Writing that text back would replace every
//! invalid byte and rewrite every escape of the parts it keeps. So the
//! writer takes the ranges of the text that [`mend_ranges`](super::mend)
//! keeps, maps each back to the raw bytes it was decoded from, and copies
//! those bytes: a cut keeps every byte it does not remove.
//!
//! Decoding is a sequence of pieces, each of which decodes to whole chars: a
//! run of valid UTF-8 (without escapes, for JSON) stands for itself, and an
//! invalid sequence or a JSON escape (`\n`, `\u00e9`, a surrogate pair, a
//! lone surrogate) stands for one char. Every char boundary of the text is
//! therefore a piece boundary, so every kept range maps to raw bytes.
//! Walking the pieces also checks them against the text the scan saw; a
//! difference means the bytes are not the ones that were read.
//!
//! ```text
//! raw   C a f \xe9 ␠ A . ␠ B .          (Latin-1 bytes)
//! text  C a f U+FFFD ␠ A . ␠ B .        (U+FFFD is 3 bytes)
//! keep  [0..7) [10..12)  ->  raw [0..5) [8..10)  = "Caf\xe9 B."
//! ```

use std::ops::Range;

use crate::corpus::unicode_escape;

/// How the raw bytes encode the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// UTF-8, invalid sequences read as U+FFFD (a text file).
    Utf8,
    /// The inside of a JSON string literal (without its quotes), in UTF-8
    /// with invalid sequences read as U+FFFD.
    JsonString,
    /// The inside of a quoted CSV field (without its quotes): a doubled
    /// `""` stands for one `"`; UTF-8 with invalid sequences read as U+FFFD.
    CsvQuoted,
}

/// The raw bytes do not decode to the text they should.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mismatch;

/// What a piece of raw bytes decodes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decoded {
    /// The bytes themselves (valid UTF-8).
    Same,
    /// One char.
    Char(char),
}

/// Calls `f` with each piece of `raw` (its byte range and what it decodes
/// to), in order.
fn pieces(
    raw: &[u8],
    encoding: Encoding,
    mut f: impl FnMut(Range<usize>, Decoded) -> Result<(), Mismatch>,
) -> Result<(), Mismatch> {
    let mut at = 0;
    for chunk in raw.utf8_chunks() {
        let valid = chunk.valid().as_bytes();
        match encoding {
            Encoding::Utf8 if !valid.is_empty() => f(at..at + valid.len(), Decoded::Same)?,
            Encoding::Utf8 => {}
            Encoding::JsonString => json_pieces(valid, at, &mut f)?,
            Encoding::CsvQuoted => csv_pieces(valid, at, &mut f)?,
        }
        at += valid.len();
        let invalid = chunk.invalid().len();
        if invalid > 0 {
            f(at..at + invalid, Decoded::Char(char::REPLACEMENT_CHARACTER))?;
            at += invalid;
        }
    }
    Ok(())
}

/// The pieces of `valid`, a valid UTF-8 part of a JSON string literal that
/// starts at `offset`: runs without a backslash, and escapes.
fn json_pieces(
    valid: &[u8],
    offset: usize,
    f: &mut impl FnMut(Range<usize>, Decoded) -> Result<(), Mismatch>,
) -> Result<(), Mismatch> {
    let mut i = 0;
    while i < valid.len() {
        let Some(backslash) = valid[i..].iter().position(|&b| b == b'\\') else {
            return f(offset + i..offset + valid.len(), Decoded::Same);
        };
        if backslash > 0 {
            f(offset + i..offset + i + backslash, Decoded::Same)?;
            i += backslash;
        }
        let (len, c) = escape(&valid[i..]).ok_or(Mismatch)?;
        f(offset + i..offset + i + len, Decoded::Char(c))?;
        i += len;
    }
    Ok(())
}

/// The pieces of `valid`, a valid UTF-8 part of a quoted CSV field that
/// starts at `offset`: runs without a quote, and doubled quotes.
fn csv_pieces(
    valid: &[u8],
    offset: usize,
    f: &mut impl FnMut(Range<usize>, Decoded) -> Result<(), Mismatch>,
) -> Result<(), Mismatch> {
    let mut i = 0;
    while i < valid.len() {
        let Some(quote) = valid[i..].iter().position(|&b| b == b'"') else {
            return f(offset + i..offset + valid.len(), Decoded::Same);
        };
        if quote > 0 {
            f(offset + i..offset + i + quote, Decoded::Same)?;
            i += quote;
        }
        if valid.get(i + 1) != Some(&b'"') {
            return Err(Mismatch);
        }
        f(offset + i..offset + i + 2, Decoded::Char('"'))?;
        i += 2;
    }
    Ok(())
}

/// The length and char of the JSON escape at the start of `s`. A surrogate
/// pair is one escape; a lone surrogate is read as U+FFFD, as the reader
/// does ([`crate::corpus`]).
fn escape(s: &[u8]) -> Option<(usize, char)> {
    let c = match s.get(1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let (len, c) = unicode_escape(s)?;
            return Some((len, c.unwrap_or(char::REPLACEMENT_CHARACTER)));
        }
        _ => return None,
    };
    Some((2, c))
}

/// Appends to `out` the raw bytes of `raw` that the `keep` ranges of `text`
/// were decoded from, where `text` is `raw` decoded as `encoding`.
///
/// `keep` must be sorted, disjoint ranges on char boundaries of `text`, as
/// [`mend_ranges`](super::mend) gives.
///
/// # Errors
///
/// [`Mismatch`] when `raw` does not decode to `text` (then `out` may hold
/// part of the result).
pub(crate) fn splice(
    raw: &[u8],
    encoding: Encoding,
    text: &str,
    keep: &[Range<usize>],
    out: &mut Vec<u8>,
) -> Result<(), Mismatch> {
    let bounds: Vec<usize> = keep.iter().flat_map(|r| [r.start, r.end]).collect();
    let mut raw_at = Vec::with_capacity(bounds.len());
    // The decoded offset of the next piece.
    let mut d = 0;
    pieces(raw, encoding, |piece, decoded| {
        let len = match decoded {
            Decoded::Same => {
                let bytes = &raw[piece.clone()];
                if text.as_bytes().get(d..d + bytes.len()) != Some(bytes) {
                    return Err(Mismatch);
                }
                bytes.len()
            }
            Decoded::Char(c) => {
                if !text.get(d..).is_some_and(|t| t.starts_with(c)) {
                    return Err(Mismatch);
                }
                c.len_utf8()
            }
        };
        while let Some(&b) = bounds.get(raw_at.len()).filter(|&&b| b <= d + len) {
            raw_at.push(match decoded {
                Decoded::Same => piece.start + (b - d),
                Decoded::Char(_) if b == d => piece.start,
                Decoded::Char(_) if b == d + len => piece.end,
                Decoded::Char(_) => return Err(Mismatch),
            });
        }
        d += len;
        Ok(())
    })?;
    if d != text.len() {
        return Err(Mismatch);
    }
    while let Some(&b) = bounds.get(raw_at.len()) {
        if b != d {
            return Err(Mismatch);
        }
        raw_at.push(raw.len());
    }
    for pair in raw_at.chunks_exact(2) {
        out.extend_from_slice(&raw[pair[0]..pair[1]]);
    }
    Ok(())
}

#[cfg(test)]
// A single kept range is a case worth testing.
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::config::UnitKind;
    use crate::dedup::mend::{mend, mend_ranges};
    use crate::segment::{Span, segment};

    fn spliced(raw: &[u8], encoding: Encoding, text: &str, keep: &[Range<usize>]) -> Vec<u8> {
        let mut out = Vec::new();
        splice(raw, encoding, text, keep, &mut out).expect("splices");
        out
    }

    #[test]
    fn maps_kept_ranges_around_invalid_utf8() {
        let raw = b"Caf\xe9 A. B.";
        let text = String::from_utf8_lossy(raw);
        assert_eq!(text, "Caf\u{fffd} A. B.");
        assert_eq!(
            spliced(raw, Encoding::Utf8, &text, &[0..7, 10..12]),
            b"Caf\xe9 B."
        );
        // A range may start or end on either side of a replaced sequence.
        assert_eq!(spliced(raw, Encoding::Utf8, &text, &[3..6]), b"\xe9");
        assert_eq!(spliced(raw, Encoding::Utf8, &text, &[6..12]), b" A. B.");
        assert_eq!(spliced(raw, Encoding::Utf8, &text, &[]), b"");
        let two = b"\xff\xfe";
        let text = String::from_utf8_lossy(two);
        assert_eq!(spliced(two, Encoding::Utf8, &text, &[3..6]), b"\xfe");
    }

    #[test]
    fn keeps_json_escapes_as_written() {
        let raw = br#"a\u00e9\n\/\"x\ud83d\ude00 lone \ud800\udc00\udc01 \ud800 end"#;
        let text = "a\u{e9}\n/\"x\u{1f600} lone \u{10000}\u{fffd} \u{fffd} end";
        let all = spliced(raw, Encoding::JsonString, text, &[0..text.len()]);
        assert_eq!(all, raw);
        // Cut "x😀 lone " out.
        let x = text.find('x').expect("x");
        let lone_end = text.find("lone ").expect("lone") + 5;
        let out = spliced(
            raw,
            Encoding::JsonString,
            text,
            &[0..x, lone_end..text.len()],
        );
        assert_eq!(out, br#"a\u00e9\n\/\"\ud800\udc00\udc01 \ud800 end"#);
    }

    #[test]
    fn json_strings_may_hold_invalid_utf8() {
        let raw = b"caf\xe9 \\u00e9";
        let text = "caf\u{fffd} \u{e9}";
        assert_eq!(
            spliced(raw, Encoding::JsonString, text, &[0..6, 7..9]),
            b"caf\xe9\\u00e9"
        );
    }

    #[test]
    fn other_bytes_are_a_mismatch() {
        let mut out = Vec::new();
        let keep = [0..5];
        for (raw, encoding) in [
            (&b"hello"[..], Encoding::Utf8),
            (b"hell\xff", Encoding::Utf8),
            (b"hello!", Encoding::Utf8),
            (b"hell", Encoding::Utf8),
            (br"hell\u0070", Encoding::JsonString),
            (br"hello\q", Encoding::JsonString),
            (br"hello\u12", Encoding::JsonString),
        ] {
            let text = if raw == b"hello" { "jello" } else { "hello" };
            assert_eq!(
                splice(raw, encoding, text, &keep, &mut out),
                Err(Mismatch),
                "{}",
                String::from_utf8_lossy(raw)
            );
        }
        // A boundary inside a char is not a boundary of the raw bytes.
        let err = splice(b"\xe9", Encoding::Utf8, "\u{fffd}", &[1..3], &mut out);
        assert_eq!(err, Err(Mismatch));
    }

    /// A raw string that decodes (as text) to something with units in it.
    fn raw_bytes() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(b"A cat sat on the mat. ".to_vec()),
            Just(b"Caf\xe9 au lait, s'il vous pla\xeet. ".to_vec()),
            Just(b"\xff\xfe".to_vec()),
            Just(b"\n\n".to_vec()),
            Just("Na\u{ef}ve \u{201c}quotes\u{201d}. ".as_bytes().to_vec()),
            Just(b"\xe2\x80 broken. ".to_vec()),
        ];
        prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn a_spliced_cut_decodes_to_the_mended_text(raw in raw_bytes(), mask in any::<u64>()) {
            let text = String::from_utf8_lossy(&raw);
            let mut spans = Vec::new();
            segment(&text, UnitKind::Sentence, &mut spans);
            let removed: Vec<Span> = spans
                .iter()
                .enumerate()
                .filter(|(i, _)| mask >> (i % 64) & 1 == 1)
                .map(|(_, s)| *s)
                .collect();
            let keep = mend_ranges(&text, &removed);
            let out = spliced(&raw, Encoding::Utf8, &text, &keep);
            // Each kept range comes from the bytes that decode to it (two
            // pieces side by side could decode differently, where the cut
            // joins two halves of a character, so they are decoded apart).
            let mut decoded = String::new();
            let mut joined = Vec::new();
            for r in &keep {
                let piece = spliced(&raw, Encoding::Utf8, &text, std::slice::from_ref(r));
                decoded.push_str(&String::from_utf8_lossy(&piece));
                joined.extend(piece);
            }
            prop_assert_eq!(decoded, mend(&text, &removed));
            prop_assert_eq!(&joined, &out);
            if removed.is_empty() {
                prop_assert_eq!(out, raw);
            }
        }
    }
}
