//! `align_speed`: the span path's alignment on a corpus, stage by stage.
//!
//! ```text
//! cargo run --release --example align_speed -- [--max-df N] INPUT...
//! ```
//!
//! Reads the inputs with [`dupscan::corpus::read_inputs`] (as `dupscan
//! scan`), then times [`dupscan::align::Fingerprints::collect`],
//! [`dupscan::align::SeedIndex::build`] and [`dupscan::align::SeedIndex::align`]
//! at default [`dupscan::align::AlignParams`] (but `--max-df`), and prints
//! each stage's wall time, the counters of [`dupscan::align::AlignStats`]
//! (the work counters: hits, segments, extension steps, verified chains),
//! bytes per word of the fingerprint keys and of the seed index, and a
//! checksum of the matches (the same for any number of threads).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use dupscan::align::{AlignParams, Fingerprints, SeedIndex};
use dupscan::corpus::{ReadOptions, read_inputs};

fn main() -> Result<()> {
    let mut params = AlignParams::default();
    let mut inputs: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--max-df" {
            let v = args.next().context("--max-df needs a value")?;
            params.max_df = v.parse().context("--max-df")?;
        } else {
            inputs.push(a.into());
        }
    }
    if inputs.is_empty() {
        bail!("usage: align_speed [--max-df N] INPUT...");
    }
    let t = Instant::now();
    let corpus = read_inputs(&inputs, &ReadOptions::default(), &|_| {})?;
    let texts: Vec<&str> = corpus.docs.iter().map(|d| d.text.as_str()).collect();
    println!("read           {:>8.3} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let fps = Fingerprints::collect(&texts, &params)?;
    println!("fingerprints   {:>8.3} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let index = SeedIndex::build(fps, &params);
    println!("index          {:>8.3} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let found = index.align(&texts, &params);
    println!("align          {:>8.3} s", t.elapsed().as_secs_f64());
    let s = found.stats;
    let words = s.words.max(1) as f64;
    println!("{s:#?}");
    println!(
        "fingerprints/word {:.3}; key bytes/word {:.2}; index bytes/word {:.2}",
        s.fingerprints as f64 / words,
        s.fingerprint_bytes as f64 / words,
        s.index_bytes as f64 / words
    );
    let checksum = found.matches.iter().fold(0u64, |h, m| {
        let x = [
            m.a.doc,
            m.a.start_byte,
            m.a.end_byte,
            m.b.doc,
            m.b.start_byte,
            m.b.end_byte,
        ];
        x.iter()
            .fold(h, |h, &v| (h ^ u64::from(v)).wrapping_mul(0x100_0000_01b3))
    });
    println!("matches {} checksum {checksum:016x}", found.matches.len());
    Ok(())
}
