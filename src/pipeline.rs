//! Reading files into a corpus, then every stage of
//! [`dupscan_core::pipeline`] (re-exported here): the file-level entry point
//! of a scan.

use std::time::Instant;

pub use dupscan_core::pipeline::*;

use crate::config::ScanConfig;
use crate::corpus;
use crate::error::Result;
use crate::progress::{Progress, Stage};

/// Reads the inputs and runs every stage.
pub fn run(config: &ScanConfig, progress: &dyn Progress) -> Result<Scan> {
    let started = Instant::now();
    progress.start(Stage::Reading, None);
    let on_bytes = |n| progress.advance(n);
    let reference = if config.reference.is_empty() {
        None
    } else {
        Some(corpus::read_inputs(
            &config.reference,
            &config.reference_read(),
            &on_bytes,
        )?)
    };
    let corpus = corpus::read_inputs(&config.inputs, &config.read, &on_bytes)?;
    progress.finish();
    let mut scan = match reference {
        None => scan_corpus(config, corpus, progress),
        Some(reference) => scan_against_reference(config, reference, corpus, progress),
    };
    scan.stats.seconds = started.elapsed().as_secs_f64();
    Ok(scan)
}
