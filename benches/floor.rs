//! `floor`: the least work a shingle-based near-duplicate pass over a corpus
//! has to do, timed, as the floor under `dupscan scan`.
//!
//! ```text
//! cargo run --release --example floor -- [DUPSCAN SCAN FLAGS] INPUT... [--units-out FILE]
//! ```
//!
//! **What it does.** Exactly the first stages of `dupscan scan`, through the
//! library's public functions, and nothing after them:
//!
//! 1. **read**: [`dupscan::corpus::read_inputs`];
//! 2. **segment**: [`dupscan::segment::segment`] on every document, in
//!    parallel, into one list of units in input order;
//! 3. **hash**: every unit, in parallel chunks of units, normalized once
//!    ([`dupscan::normalize::Normalizer::normalize_into`]) and, if it has at
//!    least `--min-tokens` words, every shingle hashed once
//!    ([`dupscan::shingle::Shingler::hashes`]). The hashes are folded into a
//!    wrapping sum, the checksum, so that none of the work can be optimised
//!    away; the sum does not depend on the order or the number of threads.
//!
//! Units too short to compare are skipped as `dupscan scan` skips them (an
//! ASCII unit whose [`dupscan::normalize::ascii_token_bound`] is below
//! `--min-tokens` is not even normalized), since that is work no pipeline
//! with these parameters has to do. Exact repeats are hashed like any other
//! unit: knowing them takes a fingerprint pass, which is dupscan's own work,
//! not the floor's.
//!
//! **Flags.** The floor takes every flag of `dupscan scan` (the same clap
//! definition), so a benchmark can pass both the same command line. The ones
//! that shape the work above take effect: the inputs, `--unit`, `--shingle`,
//! `--ngram`, `--seed`, `--min-tokens`, the `--no-*` normalization folds, `--text-field`,
//! `--id-field`, `--skip-bad-lines` and `-j` (worker threads, all cores by
//! default: the same pool dupscan uses). The others are validated as dupscan
//! validates them and then play no part; `--reference` is refused.
//!
//! **Output.** One JSON line on stdout:
//! `{"tool":"floor","version","threads","unit","shingle","ngram","seed",
//! "min_tokens","documents","bytes","units","hashed_units","shingles","checksum","seconds":{"total",
//! "read","segment","hash"}}`; `seconds.total` runs from the start of reading
//! to the end of hashing.
//!
//! **`--units-out FILE`**, after the timed pass (so not timed): every
//! document's unit spans as JSON Lines, one document a line in input order,
//! `{"id":ID,"spans":[[START,END],...]}` with UTF-8 byte offsets into its text.
//! `benches/peers/peer.py --units FILE` reads it so that the peer libraries
//! compare exactly the units dupscan compares.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;
use dupscan::config::{ScanConfig, UnitKind};
use dupscan::corpus::{Corpus, read_inputs};
use dupscan::normalize::{ascii_token_bound, token_count};
use dupscan::segment::{Span, segment};
use dupscan::shingle::{ShingleKind, Shingler};
use dupscan::units::Unit;
use rayon::prelude::*;
use serde::Serialize;

/// The binary's own flag definitions, so that the floor takes exactly the
/// flags of `dupscan scan` (the peer harness passes the same ones to both).
/// The example uses only [`cli::ScanArgs`].
#[allow(dead_code)]
#[path = "../src/cli.rs"]
mod cli;

use cli::ScanArgs;

/// Reads, segments, normalizes and hashes every shingle once; prints the
/// seconds each took as one JSON line.
#[derive(Debug, Parser)]
#[command(name = "floor")]
struct Args {
    /// The flags of `dupscan scan`.
    #[command(flatten)]
    scan: ScanArgs,

    /// Also write every document's unit spans to FILE (JSON Lines), after the
    /// timed pass.
    #[arg(long, value_name = "FILE")]
    units_out: Option<std::path::PathBuf>,
}

/// Units hashed per parallel task, as in dupscan's signing stage.
const CHUNK: usize = 4096;

/// The JSON line on stdout.
#[derive(Debug, Serialize)]
struct Report {
    tool: &'static str,
    version: &'static str,
    threads: usize,
    unit: UnitKind,
    shingle: ShingleKind,
    ngram: usize,
    seed: u64,
    min_tokens: usize,
    documents: usize,
    /// Bytes read, after decompression.
    bytes: u64,
    units: usize,
    /// Units with at least `min_tokens` words, whose shingles were hashed.
    hashed_units: u64,
    shingles: u64,
    /// Wrapping sum of every shingle hash, in hex.
    checksum: String,
    seconds: Seconds,
}

#[derive(Debug, Serialize)]
struct Seconds {
    total: f64,
    read: f64,
    segment: f64,
    hash: f64,
}

/// What the hash pass folds its work into.
#[derive(Debug, Default, Clone, Copy)]
struct Fold {
    units: u64,
    shingles: u64,
    checksum: u64,
}

impl Fold {
    fn merge(self, other: Fold) -> Fold {
        Fold {
            units: self.units + other.units,
            shingles: self.shingles + other.shingles,
            checksum: self.checksum.wrapping_add(other.checksum),
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("floor: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<()> {
    let config = args.scan.to_config()?;
    if !config.reference.is_empty() {
        bail!("--reference is not part of the floor");
    }
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.scan.threads {
        if n == 0 {
            bail!("--threads must be at least 1");
        }
        pool = pool.num_threads(n);
    }
    let pool = pool.build().context("starting worker threads")?;
    let (report, corpus, units) = pool.install(|| timed_pass(&config))?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    serde_json::to_writer(&mut out, &report)?;
    writeln!(out)?;
    out.flush()?;
    if let Some(path) = &args.units_out {
        write_units(path, &corpus, &units)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Read, segment, hash: the timed part.
fn timed_pass(config: &ScanConfig) -> Result<(Report, Corpus, Vec<Unit>)> {
    let start = Instant::now();
    let corpus = read_inputs(&config.inputs, &config.read, &|_| {})?;
    let read = start.elapsed().as_secs_f64();

    let t = Instant::now();
    let units = segment_all(&corpus, config.params.unit);
    let segment_secs = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let shingler = Shingler::new(
        config.params.shingle,
        config.params.ngram,
        config.params.seed,
    );
    let fold = units
        .par_chunks(CHUNK)
        .map_init(
            || (String::new(), Vec::new()),
            |(norm, hashes), chunk| {
                let mut fold = Fold::default();
                for u in chunk {
                    let text = u.span.text(&corpus.docs[u.doc as usize].text);
                    if text.is_ascii() && ascii_token_bound(text) < config.params.min_tokens {
                        continue;
                    }
                    config.params.normalizer.normalize_into(text, norm);
                    let tokens = token_count(norm);
                    if tokens == 0 || tokens < config.params.min_tokens {
                        continue;
                    }
                    shingler.hashes(norm, hashes);
                    fold.units += 1;
                    fold.shingles += hashes.len() as u64;
                    fold.checksum = hashes
                        .iter()
                        .fold(fold.checksum, |acc, &h| acc.wrapping_add(h));
                }
                fold
            },
        )
        .reduce(Fold::default, Fold::merge);
    let hash = t.elapsed().as_secs_f64();

    let report = Report {
        tool: "floor",
        version: env!("CARGO_PKG_VERSION"),
        threads: rayon::current_num_threads(),
        unit: config.params.unit,
        shingle: config.params.shingle,
        ngram: config.params.ngram,
        seed: config.params.seed,
        min_tokens: config.params.min_tokens,
        documents: corpus.docs.len(),
        bytes: corpus.stats.bytes,
        units: units.len(),
        hashed_units: fold.units,
        shingles: fold.shingles,
        checksum: format!("{:016x}", fold.checksum),
        seconds: Seconds {
            total: start.elapsed().as_secs_f64(),
            read,
            segment: segment_secs,
            hash,
        },
    };
    Ok((report, corpus, units))
}

/// Segments every document in parallel; units in input order.
fn segment_all(corpus: &Corpus, kind: UnitKind) -> Vec<Unit> {
    let per_doc: Vec<Vec<Span>> = corpus
        .docs
        .par_iter()
        .map(|d| {
            let mut spans = Vec::new();
            segment(&d.text, kind, &mut spans);
            spans
        })
        .collect();
    let mut units = Vec::with_capacity(per_doc.iter().map(Vec::len).sum());
    for (doc, spans) in per_doc.into_iter().enumerate() {
        units.extend(spans.into_iter().enumerate().map(|(index, span)| Unit {
            doc: doc as u32,
            index: index as u32,
            span,
        }));
    }
    units
}

/// One line of `--units-out`.
#[derive(Serialize)]
struct UnitsLine<'a> {
    id: &'a str,
    spans: Vec<[u32; 2]>,
}

fn write_units(path: &Path, corpus: &Corpus, units: &[Unit]) -> Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut rest = units;
    for (d, doc) in corpus.docs.iter().enumerate() {
        let n = rest.iter().take_while(|u| u.doc as usize == d).count();
        let (mine, tail) = rest.split_at(n);
        rest = tail;
        let line = UnitsLine {
            id: &doc.id,
            spans: mine.iter().map(|u| [u.span.start, u.span.end]).collect(),
        };
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
