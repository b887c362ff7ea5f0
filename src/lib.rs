//! dupscan: near-duplicate detection for text corpora.
//!
//! The pipeline is a chain of pure stages, sequenced by [`pipeline`]:
//! read ([`corpus`]) → segment ([`segment`]) → normalize ([`normalize`]) →
//! shingle ([`shingle`]) → sign ([`minhash`]) → band ([`lsh`]) → verify
//! ([`verify`]) → cluster ([`cluster`]) → report ([`report`]).
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
pub mod cli;
pub mod cluster;
pub mod config;
pub mod corpus;
pub mod dedup;
pub mod error;
pub mod escape;
pub mod eval;
pub mod exact;
pub mod lsh;
pub mod minhash;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod scanner;
pub mod segment;
pub mod shingle;
pub mod sign;
pub mod synth;
pub mod units;
pub mod verify;

pub use error::{Error, Result};
