//! dupscan: near-duplicate detection for text corpora.
//!
//! The pipeline is a chain of pure stages, sequenced by [`pipeline`]:
//! read ([`corpus`]) → segment ([`segment`]) → normalize ([`normalize`]) →
//! shingle ([`shingle`]) → sign ([`minhash`]) → band ([`lsh`]) → verify
//! ([`verify`]) → cluster ([`cluster`]) → report ([`report`]).
//!
//! ```no_run
//! use dupscan::config::{ScanConfig, ScanParams, UnitKind};
//! use dupscan::progress::Silent;
//!
//! let params = ScanParams::new(vec!["data/news.jsonl".into()], UnitKind::Sentence);
//! let config = ScanConfig::new(params)?;
//! let scan = dupscan::pipeline::run(&config, &Silent)?;
//! for group in &scan.groups {
//!     println!("{} members, first: {}", group.members.len(), scan.text(group.members[0].unit));
//! }
//! # Ok::<(), dupscan::Error>(())
//! ```

pub mod align;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod contain;
pub mod corpus;
pub mod dedup;
pub mod error;
pub mod eval;
pub mod lsh;
pub mod minhash;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod segment;
pub mod shingle;
pub mod synth;
pub mod tokens;
pub mod units;
pub mod verify;
pub mod winnow;

pub use error::{Error, Result};
