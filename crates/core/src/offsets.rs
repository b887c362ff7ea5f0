//! Byte offsets to code-point offsets.
//!
//! dupscan works in byte offsets into a document's UTF-8 text; Python (and
//! most languages that index strings by character) slices by code point.
//! A code-point offset is the number of characters that start before the
//! byte offset: the bytes that are not UTF-8 continuation bytes
//! (`0b10xx_xxxx`). [`CharIndex`] keeps that count at every 4 KiB of a long
//! text (4 bytes per 4 KiB), so each conversion scans at most 4 KiB.
//!
//! ```
//! use dupscan_core::offsets::{CharIndex, char_offset};
//!
//! let text = "naïve café";
//! assert_eq!(char_offset(text, 7), 6); // "naïve " is 7 bytes, 6 characters
//! assert_eq!(CharIndex::new(text).char_offset(text, 7), 6);
//! ```

/// Bytes between two stored counts.
const BLOCK: usize = 4096;

/// Characters starting in `bytes`: the bytes that are not UTF-8
/// continuation bytes, counted 64 at a time into a byte-wide sum (which the
/// compiler turns into whole-register compares and adds).
fn leads(bytes: &[u8]) -> u32 {
    let lead = |b: &u8| u8::from((*b as i8) >= -64);
    let chunks = bytes.chunks_exact(64);
    let rest: u32 = chunks.remainder().iter().map(|b| u32::from(lead(b))).sum();
    chunks.fold(rest, |n, c| n + u32::from(c.iter().map(lead).sum::<u8>()))
}

/// The code-point offset of byte offset `byte` in `text` (characters that
/// start before it); `byte` past the end counts the whole text.
pub fn char_offset(text: &str, byte: u32) -> u32 {
    let end = (byte as usize).min(text.len());
    leads(&text.as_bytes()[..end])
}

/// The code-point offsets of several byte offsets of `text` (as
/// [`char_offset`] gives each), counting the text once up to the largest.
///
/// ```
/// use dupscan_core::offsets::char_offsets;
///
/// assert_eq!(char_offsets("naïve café", [7, 2, 12]), [6, 2, 10]);
/// ```
pub fn char_offsets<const N: usize>(text: &str, bytes: [u32; N]) -> [u32; N] {
    let mut order: [usize; N] = std::array::from_fn(|i| i);
    order.sort_unstable_by_key(|&i| bytes[i]);
    let mut out = [0; N];
    let (mut at, mut chars) = (0usize, 0u32);
    for i in order {
        let end = (bytes[i] as usize).min(text.len());
        chars += leads(&text.as_bytes()[at..end]);
        at = end;
        out[i] = chars;
    }
    out
}

/// Code-point counts at every [`BLOCK`] bytes of one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharIndex {
    /// `counts[i]`: characters starting before byte `i * BLOCK`.
    counts: Vec<u32>,
}

impl CharIndex {
    /// The index of `text`.
    pub fn new(text: &str) -> Self {
        let mut counts = Vec::with_capacity(text.len() / BLOCK + 1);
        let mut total = 0;
        counts.push(0);
        for block in text.as_bytes().chunks(BLOCK) {
            total += leads(block);
            counts.push(total);
        }
        Self { counts }
    }

    /// The code-point offset of byte offset `byte` in `text`, the text
    /// this index was built from.
    pub fn char_offset(&self, text: &str, byte: u32) -> u32 {
        let byte = (byte as usize).min(text.len());
        let block = byte / BLOCK;
        self.counts[block] + leads(&text.as_bytes()[block * BLOCK..byte])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_in_chunks_counts_every_character() {
        let text: String = "aé€😀 ".chars().cycle().take(400).collect();
        for end in (0..=text.len()).filter(|&e| text.is_char_boundary(e)) {
            assert_eq!(
                leads(&text.as_bytes()[..end]),
                text[..end].chars().count() as u32
            );
        }
    }

    #[test]
    fn counts_characters_not_bytes() {
        let text = "a€b😀c";
        // a(1) €(3) b(1) 😀(4) c(1)
        let bytes_to_chars = [(0, 0), (1, 1), (4, 2), (5, 3), (9, 4), (10, 5)];
        for (b, c) in bytes_to_chars {
            assert_eq!(char_offset(text, b), c, "byte {b}");
        }
        assert_eq!(char_offset(text, 99), 5, "past the end: the whole text");
    }

    #[test]
    fn the_index_agrees_with_counting_across_block_boundaries() {
        // Multi-byte characters straddle the 4 KiB boundaries.
        let text: String = "é😀ab€ ".repeat(3000);
        let index = CharIndex::new(&text);
        for (byte, _) in text.char_indices().step_by(7) {
            let byte = byte as u32;
            assert_eq!(index.char_offset(&text, byte), char_offset(&text, byte));
        }
        let end = text.len() as u32;
        assert_eq!(index.char_offset(&text, end), text.chars().count() as u32);
    }

    #[test]
    fn python_slicing_by_the_offsets_gives_the_same_text() {
        let text = "Ünïcödé text, then the part: «copied words»";
        let start = text.find('«').expect("the quote") as u32;
        let end = text.len() as u32;
        let (cs, ce) = (char_offset(text, start), char_offset(text, end));
        let sliced: String = text
            .chars()
            .skip(cs as usize)
            .take((ce - cs) as usize)
            .collect();
        assert_eq!(sliced, &text[start as usize..]);
    }
}
