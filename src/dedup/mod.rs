//! `dupscan dedup`: write the corpus back without its duplicates.
//!
//! After a scan, [`plan()`] walks every group in [`Keep`] order and marks for
//! removal each member that duplicates a member already kept (same
//! normalized text, or a verified pair); [`Prepared::run`] then writes each
//! input file to the same relative path under the output directory, in the
//! format it came in. At `--unit document` a duplicate document is left out; at
//! `--unit sentence|paragraph` the duplicate units are cut out of their
//! document's text and the whitespace around each cut is mended
//! ([`mend()`]); a document left with nothing but whitespace is left out.
//! With [`Mode::Annotate`] every record is kept and a `dupscan` field says
//! what would go.
//!
//! Invariant: every unit of the input is either in the output, or in the
//! report as a member of a group together with a unit that is in the output
//! and that it duplicates (same normalized text, or exact Jaccard similarity
//! at least the threshold).
//!
//! Beside the corpus, in `DIR/.dupscan/`, dedup writes the scan's report
//! (`report.json`, whose group ids are the ids used in annotations) and a
//! [`Summary`] (`summary.json`). The directory is hidden so that scanning
//! `DIR` again reads only the corpus. [`prepare`] checks every path the run
//! will write and locks `DIR` (`DIR/.dupscan/lock`) before anything is read;
//! [`Prepared::run`] removes the previous run's summary and report, writes
//! the corpus files, then the report and the summary last, so a summary
//! means one complete run.
//!
//! ```
//! use dupscan::config::{ScanParams, UnitKind};
//! use dupscan::dedup::{self, DedupOptions, Emptied, Keep, Mode, Overwrite};
//! use dupscan::progress::Silent;
//!
//! let dir = tempfile::tempdir()?;
//! let input = dir.path().join("docs.jsonl");
//! let repeated = "The committee approved the new budget after a long debate on Tuesday.";
//! std::fs::write(&input, format!(
//!     "{{\"id\":1,\"text\":\"{repeated} Nothing else happened that day at all.\"}}\n\
//!      {{\"id\":2,\"text\":\"Crowds gathered outside the hall to watch the vote. {repeated}\"}}\n"
//! ))?;
//! let opts = DedupOptions {
//!     out: dir.path().join("clean"),
//!     keep: Keep::First,
//!     mode: Mode::Remove,
//!     overwrite: Overwrite::Refuse,
//!     emptied: Emptied::Keep,
//!     html: false,
//!     report: dedup::DedupReport::Spans,
//! };
//! let config = dupscan::config::ScanConfig::new(ScanParams::new(vec![input], UnitKind::Sentence))?;
//! let job = dedup::prepare(config, &opts)?;
//! let scan = dupscan::pipeline::run(&job.config, &Silent)?;
//! let summary = job.run(&scan)?;
//! assert_eq!(summary.counts.units_removed, 1);
//! let out = std::fs::read_to_string(dir.path().join("clean/docs.jsonl"))?;
//! assert!(out.ends_with("{\"id\":2,\"text\":\"Crowds gathered outside the hall to watch the vote.\"}\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod csv;
mod format;
mod jsonl;
mod mend;
mod parquet;
mod plan;
mod record;
mod splice;
mod text;
mod write;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use self::parquet::ParquetWriteBack;
pub use csv::CsvWriteBack;
pub use format::{Output, Reread, Rewrite, WRITE_BACKS, WriteBack, write_back_of};
pub use jsonl::JsonlWriteBack;
pub use mend::mend;
pub use plan::{Counts, DocPlan, Emptied, Keep, Plan, Removal, plan};
pub use text::TextWriteBack;

use crate::config::{Grouping, ScanConfig, Scope, UnitKind};
use crate::corpus;
use crate::error::Result;
use crate::output::{self, DirLock};
use crate::pipeline::Scan;
use crate::report::Report;

/// The hidden directory under `DIR` holding dedup's report and summary.
pub const META_DIR: &str = ".dupscan";
/// The scan report, under [`META_DIR`].
pub const REPORT_FILE: &str = "report.json";
/// The HTML report of what was kept and removed (with
/// [`DedupOptions::html`]), under [`META_DIR`].
pub const HTML_FILE: &str = "report.html";
/// The dedup summary, under [`META_DIR`].
pub const SUMMARY_FILE: &str = "summary.json";
/// The lock file of a run in progress, under [`META_DIR`].
pub const LOCK_FILE: &str = "lock";

/// Remove the duplicates, or only mark them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Leave duplicate documents out and cut duplicate units.
    #[default]
    Remove,
    /// Keep every record and add a `dupscan` field (JSON Lines only).
    Annotate,
}

/// What to do with an output directory that already holds files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overwrite {
    /// Refuse to start.
    #[default]
    Refuse,
    /// Write into it, replacing files at the output paths.
    Force,
}

/// How to deduplicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DedupOptions {
    /// The output directory.
    pub out: PathBuf,
    /// Which member of a group survives.
    pub keep: Keep,
    /// Remove or annotate.
    pub mode: Mode,
    /// Whether a non-empty output directory is accepted.
    pub overwrite: Overwrite,
    /// Whether documents left with only too-short units are kept.
    pub emptied: Emptied,
    /// Whether to write an HTML report of what was kept and removed
    /// (`DIR/.dupscan/report.html`).
    pub html: bool,
    /// What `DIR/.dupscan/report.json` holds.
    pub report: DedupReport,
}

/// What `DIR/.dupscan/report.json` holds (`--report`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DedupReport {
    /// Groups with member texts.
    Full,
    /// Groups with offsets only: the texts are in the corpus (the default;
    /// a fraction of the full report's size).
    #[default]
    Spans,
    /// No report.
    None,
}

/// What a dedup run did; written to `DIR/.dupscan/summary.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Remove or annotate (with annotate, the counts say what would go).
    pub mode: Mode,
    /// The order in which members are kept.
    pub keep: Keep,
    /// The unit of comparison.
    pub unit: UnitKind,
    /// The output directory.
    pub out: PathBuf,
    /// Input files.
    pub files: u64,
    /// Files written (a text file whose document is dropped is not).
    pub files_written: u64,
    /// Documents, units and bytes in and removed.
    #[serde(flatten)]
    pub counts: Counts,
    /// What the report beside the summary holds.
    #[serde(default)]
    pub report: DedupReport,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counts;
        let (verb, docs_verb) = match self.mode {
            Mode::Remove => ("removed", "dropped"),
            Mode::Annotate => ("marked for removal", "marked to drop"),
        };
        let unit = match self.unit {
            UnitKind::Sentence => "sentences",
            UnitKind::Paragraph => "paragraphs",
            UnitKind::Document => "document units",
        };
        let emptied = if c.documents_emptied > 0 {
            format!(
                " ({} of them left with only short units)",
                c.documents_emptied
            )
        } else {
            String::new()
        };
        writeln!(
            f,
            "dupscan: dedup: {} documents read, {} {docs_verb}{emptied}, {} changed",
            c.documents, c.documents_dropped, c.documents_changed
        )?;
        writeln!(
            f,
            "dupscan: dedup: {} {unit} read, {} {verb} ({} of {} bytes of text)",
            c.units, c.units_removed, c.bytes_removed, c.bytes
        )?;
        write!(
            f,
            "dupscan: dedup: {} of {} files written to {}",
            self.files_written,
            self.files,
            crate::escape::path(&self.out),
        )?;
        match self.report {
            DedupReport::None => Ok(()),
            _ => write!(
                f,
                "; report in {}",
                crate::escape::path(&report_path(&self.out))
            ),
        }
    }
}

/// Where the report of a dedup into `out` goes.
pub fn report_path(out: &Path) -> PathBuf {
    out.join(META_DIR).join(REPORT_FILE)
}

/// Where the HTML report of a dedup into `out` goes.
pub fn html_path(out: &Path) -> PathBuf {
    out.join(META_DIR).join(HTML_FILE)
}

/// What `plan` keeps and removes, for the HTML report: every removed unit
/// with the kept unit it duplicates, and the `keep` rule in words.
pub fn decisions(scan: &Scan, plan: &Plan, keep: Keep) -> crate::report::Decisions {
    let mut removed: Vec<(u32, u32)> = plan
        .docs
        .iter()
        .flat_map(|d| d.removed.iter().map(|r| (r.unit, r.of)))
        .collect();
    removed.sort_unstable();
    removed.dedup_by_key(|r| r.0);
    let order = match keep {
        Keep::First => "in input order (earliest first)",
        Keep::Longest => "longest first (ties: the earliest)",
    };
    let rule = if scan.reference_docs > 0 {
        "Decontamination: reference units are kept and never written; a corpus unit is removed \
         when it has the same normalized text as a reference unit or is a verified pair with one."
            .to_string()
    } else {
        format!(
            "Members are taken {order}; each is removed when it has the same normalized text as a \
             member already kept, or is a verified near-duplicate of one (similarity at least the \
             threshold), and kept otherwise, so in a chain A~B~C whose ends differ both ends stay."
        )
    };
    crate::report::Decisions {
        keep: match keep {
            Keep::First => "first",
            Keep::Longest => "longest",
        }
        .into(),
        rule,
        removed,
    }
}

/// Where the summary of a dedup into `out` goes.
pub fn summary_path(out: &Path) -> PathBuf {
    out.join(META_DIR).join(SUMMARY_FILE)
}

/// The lock file of a dedup into `out`.
pub fn lock_path(out: &Path) -> PathBuf {
    out.join(META_DIR).join(LOCK_FILE)
}

/// A dedup checked and holding its output directory, made by [`prepare`]:
/// scan with [`Prepared::config`], then write with [`Prepared::run`]. The
/// directory stays locked until this is dropped or run.
#[derive(Debug)]
pub struct Prepared {
    /// The configuration to scan with.
    pub config: ScanConfig,
    opts: DedupOptions,
    _lock: DirLock,
}

/// Checks, before any reading, that dedup can write what `config` reads to
/// `opts.out`, locks `opts.out` for this run, removes the temporary files a
/// killed run left there, and returns the configuration to scan with: scope
/// [`Scope::All`], since a unit repeated inside one document is a duplicate
/// too.
///
/// With `config.reference` (decontamination), the reference is read but never
/// written: only the corpus inputs go to `opts.out`, and the reference inputs
/// are protected like the corpus ones.
///
/// # Errors
///
/// * [`Error::Param`](crate::Error::Param) for stdin, and for text inputs with [`Mode::Annotate`];
/// * [`Error::Output`](crate::Error::Output) when any path the run writes (the output
///   directory, an output file, `.dupscan` and what it holds, symbolic links
///   followed) would be an input or reference file or inside an input
///   directory, when an output file would be shared by two inputs, when the
///   directory is not empty and `opts.overwrite` is [`Overwrite::Refuse`], or
///   when another run holds the directory's lock (naming its pid);
/// * [`Error::Write`](crate::Error::Write) when the lock file cannot be created (an unwritable
///   directory);
/// * [`Error::Read`](crate::Error::Read) when an input cannot be listed.
pub fn prepare(mut config: ScanConfig, opts: &DedupOptions) -> Result<Prepared> {
    config.params.scope = Scope::All;
    // Removal walks whole connected components, so that no two units left
    // in the output are a verified pair (as stars, two near-duplicates can
    // sit in two groups and both be kept).
    config.params.grouping = Grouping::Components;
    let named = || config.inputs.iter().chain(&config.reference);
    // Stdin is refused by the check; listing it would not name a file.
    let (sources, reference) = if named().any(|p| corpus::is_stdin(p)) {
        (Vec::new(), Vec::new())
    } else {
        (
            corpus::list_selected(&config.inputs, &config.read.select)?.sources,
            corpus::list_selected(&config.reference, &config.read.select)?.sources,
        )
    };
    let inputs: Vec<PathBuf> = named().cloned().collect();
    write::check_target(&inputs, &sources, &reference, opts)?;
    let lock = DirLock::acquire(&lock_path(&opts.out))?;
    output::remove_temps(&opts.out)?;
    Ok(Prepared {
        config,
        opts: opts.clone(),
        _lock: lock,
    })
}

/// One filter shard of a staged run (`dupscan filter`): writes the input
/// files `sources` (indices into `scan.corpus.sources`) of the dedup of
/// `scan` into `opts.out`, as [`Prepared::run`] writes them, and with
/// `report` also `.dupscan/report.json`. Shards share the output directory,
/// so it is not locked and temporary files of other shards are left alone;
/// no summary is written. `scan` must have been made with dedup's
/// parameters (scope all, components). Returns how many files it wrote.
///
/// # Errors
///
/// As [`Prepared::run`].
pub fn write_part(
    scan: &Scan,
    opts: &DedupOptions,
    sources: std::ops::Range<usize>,
    report: bool,
) -> Result<u64> {
    let config = &scan.config;
    let inputs: Vec<PathBuf> = config.inputs.clone();
    let corpus_sources = &scan.corpus.sources;
    write::check_target(&inputs, corpus_sources, &[], opts)?;
    let mut plan = plan(scan, opts.keep);
    plan.apply_emptied(scan, opts.emptied);
    let outcomes = write::write_corpus(scan, &plan, opts, Some(sources))?;
    if report {
        write_dedup_report(scan, opts)?;
    }
    Ok(outcomes
        .iter()
        .filter(|o| **o != write::Outcome::Omitted)
        .count() as u64)
}

/// Writes `DIR/.dupscan/report.json` as `opts.report` says (compact JSON).
fn write_dedup_report(scan: &Scan, opts: &DedupOptions) -> Result<()> {
    let report = Report::from_scan(scan);
    match opts.report {
        DedupReport::Full => write::write_report(&report_path(&opts.out), &report),
        DedupReport::Spans => write::write_report(&report_path(&opts.out), &report.without_texts()),
        DedupReport::None => Ok(()),
    }
}

impl Prepared {
    /// Deduplicates `scan` into the output directory: checks it again,
    /// removes the previous run's summary and report, plans with
    /// `opts.keep`, writes every input file, then the report and the summary;
    /// then unlocks the directory.
    ///
    /// Acts on the scan's groups as they are; scan with [`Prepared::config`]
    /// (scope [`Scope::All`]) to remove repeats inside a document too.
    ///
    /// With a reference (see [`crate::pipeline::scan_against_reference`]),
    /// every corpus unit in a group with a reference unit is removed, whatever
    /// `opts.keep` says, and only the corpus sources are written.
    ///
    /// # Errors
    ///
    /// As [`prepare`]; [`Error::Read`](crate::Error::Read) when an input cannot be read again,
    /// [`Error::Changed`](crate::Error::Changed) when an input's length, modification time or
    /// content changed since it was scanned (no output is written from it),
    /// [`Error::BadLine`](crate::Error::BadLine) when a record is not where it was or (with
    /// [`Mode::Annotate`]) a record already has a `dupscan` field, and
    /// [`Error::Write`](crate::Error::Write) when an output cannot be written. Files completed before
    /// an error stay, without a summary; none is left half-written.
    pub fn run(self, scan: &Scan) -> Result<Summary> {
        let opts = &self.opts;
        let config = &scan.config;
        let inputs: Vec<PathBuf> = config
            .inputs
            .iter()
            .chain(&config.reference)
            .cloned()
            .collect();
        let (reference, sources) = scan
            .corpus
            .sources
            .split_at(scan.reference_sources as usize);
        write::check_target(&inputs, sources, reference, opts)?;
        write::remove_previous(&opts.out)?;
        let mut plan = plan(scan, opts.keep);
        plan.apply_emptied(scan, opts.emptied);
        let outcomes = write::write_corpus(scan, &plan, opts, None)?;
        let summary = Summary {
            mode: opts.mode,
            keep: opts.keep,
            unit: scan.config.params.unit,
            out: opts.out.clone(),
            files: outcomes.len() as u64,
            files_written: outcomes
                .iter()
                .filter(|o| **o != write::Outcome::Omitted)
                .count() as u64,
            counts: plan.counts,
            report: opts.report,
        };
        write_dedup_report(scan, opts)?;
        if opts.html {
            let mut report = Report::from_scan(scan);
            report.decisions = Some(decisions(scan, &plan, opts.keep));
            write::write_html(&html_path(&opts.out), &report)?;
        }
        write::write_json(&summary_path(&opts.out), &summary)?;
        Ok(summary)
    }
}
