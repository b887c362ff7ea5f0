//! Validated configuration: every mode an enum, every number in range.
//!
//! Built from the command line by `cli.rs` (or directly by library users);
//! library code only ever sees a validated [`ScanConfig`].

use serde::Serialize;

/// What a unit of comparison is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    /// Sentences, split by a rule-based splitter tuned for news text.
    Sentence,
    /// Text between blank lines.
    Paragraph,
    /// The whole document.
    Document,
}
