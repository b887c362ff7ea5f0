//! dupscan: near-duplicate detection for text corpora.
//!
//! The pipeline is a chain of pure stages, sequenced by [`pipeline`]:
//! read ([`corpus`]) → segment ([`segment`]) → normalize → shingle → sign
//! (MinHash) → band (LSH) → verify → cluster → report.

pub mod config;
pub mod corpus;
pub mod error;
pub mod segment;

pub use error::{Error, Result};
