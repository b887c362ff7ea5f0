//! dupscan: near-duplicate detection for text corpora.
//!
//! This crate is the library with the `dupscan` tool on top. The algorithms
//! live in [`dupscan_core`] (re-exported here: [`config`], [`segment`],
//! [`normalize`], [`shingle`], [`minhash`], [`lsh`], [`verify`],
//! [`cluster`], [`report`], ...), pure stages on plain data. This crate
//! adds what touches files: reading inputs ([`corpus`]), running a scan
//! over files ([`pipeline::run`]), writing the corpus back without its
//! duplicates ([`dedup`]), outputs written whole or not at all ([`output`]),
//! the on-disk stage files of staged runs ([`artifact`]) and scoring
//! reports against labelled truth ([`eval`]). The command line, progress
//! bars and `main` are the binary's (`src/main.rs`, `src/cli.rs`,
//! `src/bars.rs`), behind the default `cli` feature.
//!
//! ```
//! use dupscan::config::{ScanConfig, ScanParams, UnitKind};
//! use dupscan::progress::Silent;
//!
//! let news = concat!(env!("CARGO_MANIFEST_DIR"), "/data/corpus/news.jsonl");
//! let params = ScanParams::new(vec![news.into()], UnitKind::Sentence);
//! let config = ScanConfig::new(params)?;
//! let scan = dupscan::pipeline::run(&config, &Silent)?;
//! assert!(!scan.groups.is_empty(), "the sample corpus repeats sentences");
//! for group in &scan.groups {
//!     println!("{} members, first: {}", group.members.len(), scan.text(group.members[0].unit));
//! }
//! # Ok::<(), dupscan::Error>(())
//! ```

pub mod artifact;
pub mod corpus;
pub mod dedup;
pub mod eval;
pub mod output;
pub mod pipeline;
pub mod slurm;
pub mod staged;

pub use dupscan_core::{
    Error, Result, align, cluster, config, contain, error, escape, exact, links, lsh, minhash,
    normalize, offsets, progress, report, scanner, segment, shingle, sign, tokens, units, verify,
    winnow,
};
