//! Scanning documents held in memory, without files or paths.
//!
//! [`Scanner`] is the entry point for a library caller or a binding: give it
//! validated [`Params`] (or [`Options`] to validate), then documents as
//! `(id, text)` pairs, and get the [`Scan`] a file-based run would give for
//! the same texts. Reading files, directories and compressed inputs is
//! [`crate::pipeline::run`]'s job; both end in the same stages.
//!
//! ```
//! use dupscan_core::config::{Options, UnitKind};
//! use dupscan_core::scanner::Scanner;
//!
//! let scanner = Scanner::new(Options::new(UnitKind::Sentence))?;
//! let scan = scanner.scan([
//!     ("a", "The council approved the budget on Tuesday after a long debate. Rain fell."),
//!     ("b", "Nobody expected it. The council approved the budget on Tuesday after a long debate."),
//! ]);
//! assert_eq!(scan.groups.len(), 1);
//! let rep = scan.groups[0].members[0].unit;
//! assert_eq!(scan.text(rep), "The council approved the budget on Tuesday after a long debate.");
//! # Ok::<(), dupscan_core::Error>(())
//! ```

use std::path::PathBuf;

use crate::config::{Options, Params, ScanConfig};
use crate::corpus::{Compression, Corpus, Document, Format, Layout, Origin, ReadOptions, Source};
use crate::error::Result;
use crate::pipeline::{self, Scan};
use crate::progress::{Progress, Silent};

/// The name in-memory documents report as their source.
pub const MEMORY_SOURCE: &str = "<memory>";

/// Runs every stage over documents held in memory.
#[derive(Debug, Clone)]
pub struct Scanner {
    config: ScanConfig,
}

impl Scanner {
    /// A scanner with `options` validated.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Param`] when an option is out of range.
    pub fn new(options: Options) -> Result<Self> {
        Ok(Self::with_params(options.validate()?))
    }

    /// A scanner with already validated parameters.
    pub fn with_params(params: Params) -> Self {
        Self {
            config: ScanConfig {
                inputs: Vec::new(),
                reference: Vec::new(),
                read: ReadOptions::default(),
                reference_fields: crate::config::ReferenceFields::default(),
                params,
            },
        }
    }

    /// The parameters every scan uses.
    pub fn params(&self) -> &Params {
        &self.config.params
    }

    /// Scans `docs`, `(id, text)` pairs in order (their order gives the
    /// global unit ids).
    pub fn scan<I, D, T>(&self, docs: I) -> Scan
    where
        I: IntoIterator<Item = (D, T)>,
        D: Into<String>,
        T: Into<String>,
    {
        self.scan_with(docs, &Silent)
    }

    /// [`Self::scan`] reporting progress to `progress`.
    pub fn scan_with<I, D, T>(&self, docs: I, progress: &dyn Progress) -> Scan
    where
        I: IntoIterator<Item = (D, T)>,
        D: Into<String>,
        T: Into<String>,
    {
        pipeline::scan_corpus(&self.config, corpus(docs), progress)
    }

    /// A contamination check: the groups that join a `reference` item with
    /// `docs` (see [`pipeline::scan_against_reference`]).
    pub fn scan_against_reference<I, J, D, T, E, U>(&self, reference: J, docs: I) -> Scan
    where
        J: IntoIterator<Item = (E, U)>,
        E: Into<String>,
        U: Into<String>,
        I: IntoIterator<Item = (D, T)>,
        D: Into<String>,
        T: Into<String>,
    {
        // The reference is named, so that a report of the scan has its
        // per-item summary (`contamination`), as one over files has.
        let config = ScanConfig {
            reference: vec![PathBuf::from(MEMORY_SOURCE)],
            ..self.config.clone()
        };
        pipeline::scan_against_reference(&config, corpus(reference), corpus(docs), &Silent)
    }
}

/// A corpus of in-memory documents from one source named [`MEMORY_SOURCE`].
pub fn corpus<I, D, T>(docs: I) -> Corpus
where
    I: IntoIterator<Item = (D, T)>,
    D: Into<String>,
    T: Into<String>,
{
    let docs: Vec<Document> = docs
        .into_iter()
        .enumerate()
        .map(|(i, (id, text))| Document {
            id: id.into(),
            source: 0,
            line: i as u64 + 1,
            text: text.into(),
            joins: Vec::new(),
        })
        .collect();
    let mut corpus = Corpus {
        sources: vec![Source {
            path: PathBuf::from(MEMORY_SOURCE),
            relative: PathBuf::from(MEMORY_SOURCE),
            origin: Origin::Named,
            fingerprint: None,
            format: Format {
                layout: Layout::Text,
                compression: Compression::None,
            },
        }],
        docs,
        ..Corpus::default()
    };
    corpus.stats.bytes = corpus.docs.iter().map(|d| d.text.len() as u64).sum();
    corpus
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::UnitKind;

    #[test]
    fn in_memory_scan_equals_a_scan_of_the_same_corpus() {
        let texts = [
            "Shares of the company rose five percent in early trading on Monday. Analysts were surprised.",
            "Analysts were not surprised at all by the move. Shares of the company rose 5 percent in early trading on Monday.",
            "A different story about weather in the mountains this weekend with snow expected.",
        ];
        let scanner = Scanner::new(Options::new(UnitKind::Sentence)).expect("valid");
        let scan = scanner.scan(texts.iter().enumerate().map(|(i, t)| (i.to_string(), *t)));
        assert_eq!(scan.stats.documents, 3);
        assert_eq!(scan.groups.len(), 1, "{:#?}", scan.groups);
        let members: Vec<u32> = scan.groups[0]
            .members
            .iter()
            .map(|m| scan.units.doc(m.unit))
            .collect();
        assert_eq!(members, [0, 1]);
        let direct = pipeline::scan_corpus(
            &scanner.config,
            corpus(texts.iter().enumerate().map(|(i, t)| (i.to_string(), *t))),
            &Silent,
        );
        assert_eq!(direct.groups, scan.groups);
    }

    #[test]
    fn an_in_memory_contamination_check_reports_its_items() {
        let scanner = Scanner::new(Options::new(UnitKind::Sentence)).expect("valid");
        let question = "Which river flows through the old town of Heidelberg in southern Germany?";
        let scan = scanner.scan_against_reference(
            [
                ("q1", question),
                (
                    "q2",
                    "An unrelated question about the boiling point of water at altitude.",
                ),
            ],
            [(
                "d1",
                format!("Some preamble here. {question} The answer follows below."),
            )],
        );
        let report = crate::report::Report::from_scan(&scan);
        let c = report
            .contamination
            .expect("a summary of the reference items");
        assert_eq!(c.reference_documents, 2);
        assert_eq!(c.items.len(), 1);
        assert_eq!(c.items[0].doc, "q1");
        assert_eq!(c.items[0].best.as_ref().map(|b| b.doc.as_str()), Some("d1"));
    }

    #[test]
    fn bad_options_are_errors() {
        let mut options = Options::new(UnitKind::Sentence);
        options.threshold = Some(1.5);
        assert!(Scanner::new(options).is_err());
    }
}
