//! Escaping text for terminals and line-oriented output.
//!
//! Ids, texts and file names come from the corpus, so they may hold escape
//! sequences that clear a terminal or move its cursor, newlines that forge a
//! line of a report or a message, or bidirectional overrides that make a line
//! read differently from its bytes. Everything dupscan prints for people (the
//! text report, errors, warnings, the dedup summary) goes through [`escape`],
//! which writes such characters as visible escapes:
//!
//! * `\n`, `\r`, `\t` for newline, carriage return and tab;
//! * `\x1b`-style for the other C0 controls (U+0000 to U+001F) and DEL;
//! * `\u{85}`-style for the C1 controls (U+0080 to U+009F), the bidirectional
//!   embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069),
//!   the direction marks (U+200E, U+200F, U+061C) and the line and paragraph
//!   separators (U+2028, U+2029).
//!
//! Everything else, backslashes included, is kept, so escaping is idempotent
//! and ordinary text is printed unchanged. JSON output needs none of this:
//! serde_json escapes control characters itself.
//!
//! ```
//! use dupscan_core::escape::escape;
//!
//! assert_eq!(escape("a\u{1b}[2Jb\nFAKE"), "a\\x1b[2Jb\\nFAKE");
//! assert_eq!(escape("plain é"), "plain é");
//! ```

use std::borrow::Cow;
use std::fmt::{self, Write};
use std::path::Path;

/// Whether `c` is written as an escape.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every character that [`needs_escape`] written as a visible
/// escape; borrowed when there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push(&mut out, c);
    }
    Cow::Owned(out)
}

/// A path as [`Path::display`] shows it, escaped.
pub fn path(path: &Path) -> String {
    escape(&path.display().to_string()).into_owned()
}

/// Displays its text escaped, for use in `format!` arguments.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape(self.0))
    }
}

/// Displays a path escaped, for use in `format!` arguments and error messages.
#[derive(Debug, Clone, Copy)]
pub struct EscapedPath<'a>(pub &'a Path);

impl fmt::Display for EscapedPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&path(self.0))
    }
}

fn push(out: &mut String, c: char) {
    // Writing to a String cannot fail.
    let _ = match c {
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        c if needs_escape(c) && (c as u32) < 0x80 => write!(out, "\\x{:02x}", c as u32),
        c if needs_escape(c) => write!(out, "\\u{{{:x}}}", c as u32),
        c => out.write_char(c),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_and_keeps_the_rest() {
        let cases = [
            ("a\u{1b}[2Jb\nFAKE", "a\\x1b[2Jb\\nFAKE"),
            ("tab\there\r\n", "tab\\there\\r\\n"),
            ("nul\0del\u{7f}", "nul\\x00del\\x7f"),
            ("c1\u{85}\u{9b}31m", "c1\\u{85}\\u{9b}31m"),
            ("evil\u{202e}txt.exe", "evil\\u{202e}txt.exe"),
            ("iso\u{2066}x\u{2069}", "iso\\u{2066}x\\u{2069}"),
            ("sep\u{2028}", "sep\\u{2028}"),
            ("back\\slash é 日本", "back\\slash é 日本"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(escape(input), expected, "{input:?}");
        }
    }

    #[test]
    fn escaped_text_has_no_control_left_and_escaping_is_idempotent() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let once = escape(&all).into_owned();
        assert!(!once.chars().any(needs_escape));
        assert_eq!(escape(&once), once);
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(escape("nothing to do"), Cow::Borrowed(_)));
    }

    #[test]
    fn paths_are_escaped() {
        let p = Path::new("dir/new\nline\u{1b}.txt");
        assert_eq!(path(p), "dir/new\\nline\\x1b.txt");
        assert_eq!(EscapedPath(p).to_string(), "dir/new\\nline\\x1b.txt");
        assert_eq!(Escaped("a\tb").to_string(), "a\\tb");
    }
}
