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
    let reference = if config.reference.is_empty() {
        None
    } else {
        Some(corpus::list_selected(
            &config.reference,
            &config.reference_read().select,
        )?)
    };
    let inputs = corpus::list_selected(&config.inputs, &config.read.select)?;
    let total = reference
        .as_ref()
        .map_or(Some(0), |r| corpus::input_size(&r.sources))
        .zip(corpus::input_size(&inputs.sources))
        .map(|(a, b)| a + b);
    progress.start(Stage::Reading, total);
    let on_bytes = |n| progress.advance(n);
    let reference = reference
        .map(|r| corpus::read_listed(r, &config.reference_read(), &on_bytes))
        .transpose()?;
    let corpus = corpus::read_listed(inputs, &config.read, &on_bytes)?;
    progress.finish();
    let mut scan = match reference {
        None => scan_corpus(config, corpus, progress),
        Some(reference) => scan_against_reference(config, reference, corpus, progress),
    };
    scan.stats.seconds = started.elapsed().as_secs_f64();
    Ok(scan)
}
