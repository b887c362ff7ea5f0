//! Fixed windows of words: a [`Segmenter`] whose units may overlap.
//!
//! A word is a maximal run of non-whitespace characters (whitespace as the
//! other segmenters trim it: Unicode `White_Space`, the zero-width space,
//! word joiner and BOM). Window `k` spans words `k * stride ..
//! k * stride + words`, from the first byte of its first word to the last
//! byte of its last; the last window is the first one that reaches the
//! document's last word, so it may hold fewer words, and a document shorter
//! than one window is one unit. Windows overlap when `stride < words` and
//! skip words when `stride > words`.
//!
//! ```
//! use dupscan_core::segment::{FixedWindow, Segmenter};
//!
//! let text = "one two three four five";
//! let mut spans = Vec::new();
//! FixedWindow::new(3, 2)?.segment(text, &mut spans);
//! let units: Vec<&str> = spans.iter().map(|s| s.text(text)).collect();
//! assert_eq!(units, ["one two three", "three four five"]);
//! # Ok::<(), dupscan_core::error::Error>(())
//! ```

use crate::error::Error;

use super::{Segmenter, Span, clamp_to_u32, is_space, to_u32};

/// Windows of `words` words, one starting every `stride` words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedWindow {
    words: usize,
    stride: usize,
}

impl FixedWindow {
    /// Windows of `words` words every `stride` words; both must be at
    /// least 1.
    pub fn new(words: usize, stride: usize) -> Result<Self, Error> {
        if words == 0 || stride == 0 {
            return Err(Error::Param(format!(
                "a fixed window needs at least one word and a stride of at least one word \
                 (got {words} words, stride {stride})"
            )));
        }
        Ok(Self { words, stride })
    }

    /// Words per window.
    pub fn words(&self) -> usize {
        self.words
    }

    /// Words from the start of one window to the start of the next.
    pub fn stride(&self) -> usize {
        self.stride
    }
}

impl Segmenter for FixedWindow {
    fn segment(&self, text: &str, out: &mut Vec<Span>) {
        let text = clamp_to_u32(text);
        // Two cursors over the words, one at each window's first word and
        // one at its last: both only move forward, so the work is linear
        // and nothing is allocated.
        let mut firsts = Words { text, pos: 0 };
        let mut lasts = Words { text, pos: 0 }.peekable();
        let Some(mut first) = firsts.next() else {
            return;
        };
        let (mut first_index, mut last_index) = (0, 0);
        let Some(mut last) = lasts.next() else {
            return;
        };
        loop {
            let target = first_index + self.words - 1;
            while last_index < target {
                let Some(word) = lasts.next() else {
                    break;
                };
                last = word;
                last_index += 1;
            }
            out.push(Span {
                start: to_u32(first.0),
                end: to_u32(last.1),
            });
            if lasts.peek().is_none() {
                return;
            }
            for _ in 0..self.stride {
                let Some(word) = firsts.next() else {
                    return;
                };
                first = word;
                first_index += 1;
            }
        }
    }
}

/// The words of a text as byte ranges `(start, end)`, in order.
struct Words<'a> {
    text: &'a str,
    pos: usize,
}

impl Iterator for Words<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let rest = self.text.get(self.pos..)?.trim_start_matches(is_space);
        if rest.is_empty() {
            self.pos = self.text.len();
            return None;
        }
        let start = self.text.len() - rest.len();
        let len = rest.find(is_space).unwrap_or(rest.len());
        self.pos = start + len;
        Some((start, self.pos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn windows(text: &str, words: usize, stride: usize) -> Vec<&str> {
        let mut spans = Vec::new();
        FixedWindow::new(words, stride)
            .expect("valid window")
            .segment(text, &mut spans);
        spans.iter().map(|s| s.text(text)).collect()
    }

    #[test]
    fn zero_words_or_stride_is_an_error() {
        assert!(matches!(FixedWindow::new(0, 1), Err(Error::Param(_))));
        assert!(matches!(FixedWindow::new(3, 0), Err(Error::Param(_))));
    }

    #[test]
    fn overlapping_windows_end_at_the_last_word() {
        assert_eq!(
            windows(" a b  c\td\ne ", 2, 1),
            ["a b", "b  c", "c\td", "d\ne"]
        );
        assert_eq!(windows("a b c d e f g", 3, 2), ["a b c", "c d e", "e f g"]);
        // The last window may be short.
        assert_eq!(windows("a b c d e f", 3, 2), ["a b c", "c d e", "e f"]);
    }

    #[test]
    fn tiling_and_gapped_windows() {
        assert_eq!(windows("a b c d e", 2, 2), ["a b", "c d", "e"]);
        assert_eq!(windows("a b c d e f g", 2, 3), ["a b", "d e", "g"]);
        assert_eq!(windows("a b c d e f", 2, 3), ["a b", "d e"]);
    }

    #[test]
    fn short_and_blank_documents() {
        assert_eq!(windows("only three words", 10, 5), ["only three words"]);
        assert!(windows("", 3, 1).is_empty());
        assert!(windows(" \u{a0}\u{200b}\n", 3, 1).is_empty());
    }

    #[test]
    fn multibyte_words_and_unicode_spaces() {
        assert_eq!(
            windows("東京\u{3000}é\u{200b}ﬁn\u{a0}x", 2, 1),
            ["東京\u{3000}é", "é\u{200b}ﬁn", "ﬁn\u{a0}x"]
        );
    }

    proptest! {
        #[test]
        fn windows_hold_the_promised_words(
            text in "[a-c \n\u{a0}é東]{0,60}",
            words in 1usize..6,
            stride in 1usize..6,
        ) {
            let all: Vec<&str> = text.split(is_space).filter(|w| !w.is_empty()).collect();
            let mut spans = Vec::new();
            FixedWindow::new(words, stride).expect("valid").segment(&text, &mut spans);
            // Window k holds words k*stride .. k*stride+words, and the last
            // one reaches the last word.
            let mut expected = Vec::new();
            let mut k = 0;
            while k * stride < all.len() {
                let end = (k * stride + words).min(all.len());
                expected.push(all[k * stride..end].to_vec());
                if end == all.len() {
                    break;
                }
                k += 1;
            }
            let got: Vec<Vec<&str>> = spans
                .iter()
                .map(|s| s.text(&text).split(is_space).filter(|w| !w.is_empty()).collect())
                .collect();
            prop_assert_eq!(got, expected);
            for pair in spans.windows(2) {
                prop_assert!(pair[0].start < pair[1].start);
            }
        }
    }
}
