//! dupscan-core: the algorithms of dupscan, on plain data.
//!
//! Typed parameters ([`config`]) and the stages of a scan, each a pure
//! module with a narrow interface: segment ([`segment`], [`units`]) →
//! normalize ([`normalize`]) → exact classes ([`exact`]) → shingle
//! ([`shingle`]) → sign ([`minhash`], [`sign`]) → band ([`lsh`]) → verify
//! ([`verify`]) → cluster ([`cluster`]) → report ([`report`]), sequenced by
//! [`pipeline`]. No command line, no progress bars, no file system: the
//! `dupscan` crate reads files and writes outputs around this one, and
//! [`scanner::Scanner`] scans documents held in memory.
//!
//! ```
//! use dupscan_core::config::{Options, UnitKind};
//! use dupscan_core::scanner::Scanner;
//!
//! let scan = Scanner::new(Options::new(UnitKind::Sentence))?.scan([
//!     ("a", "The harbour reopened on Monday after a week of repairs to the quay."),
//!     ("b", "Fishing boats returned. The harbour reopened on Monday after a week of repairs to the quay."),
//! ]);
//! assert_eq!(scan.groups.len(), 1);
//! # Ok::<(), dupscan_core::Error>(())
//! ```

pub mod align;
pub mod cluster;
pub mod config;
pub mod contain;
pub mod corpus;
pub mod error;
pub mod escape;
pub mod exact;
pub mod heap;
pub mod links;
pub mod lsh;
pub mod minhash;
pub mod normalize;
pub mod offsets;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod scanner;
pub mod segment;
pub mod shingle;
pub mod sign;
pub mod tokens;
pub mod units;
pub mod verify;
pub mod winnow;

pub use error::{Error, Result};
