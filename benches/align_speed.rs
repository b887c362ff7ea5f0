//! `align_speed`: the span-alignment path on a corpus, timed stage by stage.
//!
//! ```text
//! cargo run --release --example align_speed -- [-j THREADS] [--max-df N] [--show N] INPUT...
//! ```
//!
//! Reads the inputs with [`dupscan::corpus::read_inputs`] (JSONL, text,
//! `.gz`, `.zst`, as `dupscan scan`), then runs, each timed:
//!
//! 1. **tokenize**: [`dupscan::tokens::Tokenizer::tokenize`] over every
//!    document, in parallel, and nothing else (a measurement pass: the
//!    alignment itself tokenizes inside its stages);
//! 2. **fingerprints**: [`dupscan::align::Fingerprints::collect`] (tokenize
//!    and winnow every document, pack and partition the keys);
//! 3. **index**: [`dupscan::align::SeedIndex::build`] (sort, drop singletons
//!    and boilerplate, pair later occurrences with first ones: the hits);
//! 4. **align**: [`dupscan::align::SeedIndex::align`] (windows, extension,
//!    chaining, verification).
//!
//! `--max-df N` overrides [`dupscan::align::AlignParams::max_df`]; the other
//! parameters are the defaults.
//!
//! It prints the time of each stage with its CPU time (user + system, all
//! threads), fingerprints per word, the bytes per word of the fingerprint
//! keys (the peak) and of the index, the counters of
//! [`dupscan::align::AlignStats`], and the process's resident memory after
//! reading and its peak (`VmHWM` of `/proc/self/status`, Linux only), and a
//! checksum of the matches (equal for any `-j`).
//! `--show N` prints the first `N` matches with their text.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use dupscan::align::{AlignParams, Fingerprints, SeedIndex};
use dupscan::corpus::{ReadOptions, read_inputs};
use dupscan::tokens::Tokenizer;
use rayon::prelude::*;

/// A field of `/proc/self/status`, in MB.
fn status_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1000.0)
}

/// User + system CPU seconds of the process so far.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which ends with ')'): utime is the
    // 14th field overall, stime the 15th, in clock ticks (100 per second).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Times `f`, printing wall and CPU seconds under `name`.
fn timed<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let out = f();
    println!(
        "{name:<14} {:>8.3} s wall {:>8.3} s cpu   peak {:>7.0} MB",
        wall.elapsed().as_secs_f64(),
        cpu_seconds() - cpu,
        status_mb("VmHWM:").unwrap_or(0.0)
    );
    out
}

fn main() -> Result<()> {
    let mut inputs: Vec<PathBuf> = Vec::new();
    let mut threads = 0usize;
    let mut show = 0usize;
    let mut max_df = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-j" => threads = args.next().context("-j needs a value")?.parse()?,
            "--show" => show = args.next().context("--show needs a value")?.parse()?,
            "--max-df" => max_df = Some(args.next().context("--max-df needs a value")?.parse()?),
            _ if arg.starts_with('-') && arg != "-" => bail!("unknown flag {arg}"),
            _ => inputs.push(arg.into()),
        }
    }
    if inputs.is_empty() {
        bail!("usage: align_speed [-j THREADS] [--max-df N] [--show N] INPUT...");
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()?;
    let mut params = AlignParams::default();
    if let Some(max_df) = max_df {
        params.max_df = max_df;
    }
    let corpus = timed("read", || {
        read_inputs(&inputs, &ReadOptions::default(), &|_| {})
    })?;
    let texts: Vec<&str> = corpus.docs.iter().map(|d| d.text.as_str()).collect();
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    let rss_read = status_mb("VmRSS:").unwrap_or(0.0);
    let words: usize = timed("tokenize", || {
        texts
            .par_iter()
            .map_init(
                || (Tokenizer::new(params.seed), Vec::new()),
                |(t, out), text| {
                    t.tokenize(text, out);
                    out.len()
                },
            )
            .sum()
    });
    let fingerprints = timed("fingerprints", || Fingerprints::collect(&texts, &params))?;
    let index = timed("index", || SeedIndex::build(fingerprints, &params));
    let alignment = timed("align", || index.align(&texts, &params));
    let s = alignment.stats;
    let per_word = |x: u64| x as f64 / s.words.max(1) as f64;
    println!(
        "documents {} bytes {} words {} ({:.2} bytes/word) threads {}",
        corpus.docs.len(),
        bytes,
        words,
        bytes as f64 / words.max(1) as f64,
        rayon::current_num_threads()
    );
    println!(
        "fingerprints {} ({:.3}/word), keys {:.2} bytes/word at peak; \
         index: {} seeds, {:.2} bytes/word ({:.1} MB)",
        s.fingerprints,
        per_word(s.fingerprints),
        per_word(s.fingerprint_bytes),
        s.seeds,
        per_word(s.index_bytes),
        s.index_bytes as f64 / 1e6
    );
    println!(
        "boilerplate dropped: {} hashes, {} fingerprints",
        s.dropped_hashes, s.dropped_fingerprints
    );
    println!(
        "seeded documents {} hits {} pairs {} skipped pairs {} segments {} chains {} verified {} tokenized in stage 3: {} bytes",
        s.seeded_documents,
        s.hits,
        s.pairs,
        s.skipped_pairs,
        s.segments,
        s.chains,
        s.verified,
        s.tokenized_bytes
    );
    // A checksum of the matches, to compare runs (thread counts, versions).
    let checksum = alignment.matches.iter().fold(0u64, |sum, m| {
        let fields = [
            m.a.doc,
            m.a.start_byte,
            m.a.end_byte,
            m.b.doc,
            m.b.start_byte,
            m.b.end_byte,
        ];
        fields.iter().fold(sum, |h, &f| {
            (h ^ u64::from(f)).wrapping_mul(0x0100_0000_01B3)
        })
    });
    println!(
        "matches {} checksum {checksum:016x}",
        alignment.matches.len()
    );
    println!(
        "rss after read {:.0} MB, peak {:.0} MB",
        rss_read,
        status_mb("VmHWM:").unwrap_or(0.0)
    );
    for m in alignment.matches.iter().take(show) {
        let text = |d: u32, a: u32, b: u32| &texts[d as usize][a as usize..b as usize];
        println!(
            "--- {:.3} {}[{}..{}] ~ {}[{}..{}]\n  A: {:?}\n  B: {:?}",
            m.score,
            corpus.docs[m.a.doc as usize].id,
            m.a.start_byte,
            m.a.end_byte,
            corpus.docs[m.b.doc as usize].id,
            m.b.start_byte,
            m.b.end_byte,
            text(m.a.doc, m.a.start_byte, m.a.end_byte),
            text(m.b.doc, m.b.start_byte, m.b.end_byte),
        );
    }
    Ok(())
}
