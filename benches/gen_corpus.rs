//! `gen_corpus`: a benchmark corpus with planted near-duplicate sentences,
//! and the truth of what was planted.
//!
//! ```text
//! cargo run --release --example gen_corpus -- \
//!     --source ../shared/corpora/reuters21578.jsonl.gz \
//!     --out-corpus /tmp/synth.jsonl --out-truth /tmp/synth-truth.jsonl \
//!     [--docs N | --target-mb M] [--seed S] [--planted-fraction F] \
//!     [--boundary-kinds all|KIND,KIND... [--boundary-share F] [--boundary-edits LO,HI]]
//! ```
//!
//! **Method.** The sources (text, JSONL, `.gz`, `.zst`, read by
//! [`dupscan::corpus::read_inputs`]) are cut into sentences by
//! [`dupscan::segment::segment`]; [`synth::distinct_pool`] keeps those that
//! are not near-duplicates of one another; [`synth::plant`] builds documents
//! from the pool, each pool sentence used at most once, and plants edited
//! copies of some sentences into other documents (see [`synth`] for the edits).
//!
//! **Size.** One pass over the pool is a *round*: Reuters-21578 gives about
//! 88,000 distinct sentences, some 13 MB of corpus. Larger targets take more
//! rounds; round `r ≥ 1` plants from [`synth::reword_pool`]`(pool, r, seed)`,
//! which replaces every word of three or more letters (except a few function
//! words) by a vocabulary word chosen by a hash of the word, the round and the
//! seed, and every number by hashed digits. Within a round the map is a fixed
//! cipher, so the reworded pool is as free of duplicates as the pool; across
//! rounds almost every word differs, so the same pool sentence in two rounds
//! is not a near-duplicate. The run checks this on a sample and prints the
//! char 5-gram Jaccard similarities it measured (they should stay well below
//! 0.5; typically under 0.1). Document ids are `r{round}-{number}`.
//!
//! **Boundary kinds** (issue #10). `--boundary-kinds all` (or a comma list of
//! `lower-case-copy`, `upper-case-copy`, `lower-case-start`,
//! `credit-no-period`, `missing-space`, `nav-prefix`, `hard-wrap`,
//! `spans-two`, `quoted-in-paragraph`) makes a share `--boundary-share` of
//! the planted groups (default 0.5) copies whose boundaries differ from the
//! original's, the kinds taking turns; each such copy first gets
//! `--boundary-edits` word edits (default `0,1`). See [`synth::BoundaryKind`]
//! for each kind and [`synth::plant`] for the rules. Without the flag the
//! output is what it was before the kinds existed, plus the `kind` field.
//!
//! **Output.** `--out-corpus`: JSON Lines `{"id","text"}`. `--out-truth`: one
//! planted group per line,
//! `{"group","members":[{"doc","start","end","edits","kind"}]}`, the original
//! first; `start`/`end` are UTF-8 byte offsets into `text`, `edits` (copies
//! only) lists what was done to each copy, for debugging, and `kind` (copies
//! only) is `edited` or the boundary kind, which `dupscan eval` scores
//! recall by. A `spans-two` group has two originals (the end of one
//! sentence, the start of the next) and two members per copy.
//! `--target-mb` counts bytes of the corpus file, in units of 10^6.
//!
//! **Checks.** Stderr gets a summary: documents, bytes, groups, copies by edit
//! kind, speed, the cross-round similarity, and how many truth spans the
//! sentence splitter finds again (a unit equal to the span, or one covering at
//! least half of it, which is how `dupscan eval` matches).

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;
use dupscan::config::UnitKind;
use dupscan::corpus::{ReadOptions, read_inputs};
use dupscan::segment::{Span, segment};
use dupscan_synth::{
    self as synth, BoundaryKind, CopyKind, Edit, PlantConfig, Planted, TruthMember, Vocabulary,
};
use rayon::prelude::*;
use serde::Serialize;

/// Builds a corpus with planted near-duplicate sentences and its truth file.
#[derive(Debug, Parser)]
#[command(name = "gen_corpus")]
struct Args {
    /// Real text to draw sentences from (text, JSONL, .gz, .zst); repeatable.
    #[arg(long = "source", required = true)]
    sources: Vec<PathBuf>,
    /// Where to write the corpus (JSON Lines).
    #[arg(long)]
    out_corpus: PathBuf,
    /// Where to write the truth (one group per line).
    #[arg(long)]
    out_truth: PathBuf,
    /// Number of documents [default: 1000].
    #[arg(long, conflicts_with = "target_mb")]
    docs: Option<usize>,
    /// Size of the corpus file in MB (10^6 bytes); takes several rounds when
    /// the pool is smaller.
    #[arg(long)]
    target_mb: Option<f64>,
    /// Seed for every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Share of documents that receive a planted copy.
    #[arg(long, default_value_t = PlantConfig::default().planted_fraction)]
    planted_fraction: f64,
    /// Pool sentences need at least this many words.
    #[arg(long, default_value_t = 6)]
    min_words: usize,
    /// Pool sentences are pairwise at most this similar (char 5-gram Jaccard).
    #[arg(long, default_value_t = 0.3)]
    max_similarity: f64,
    /// Boundary kinds to plant: `all`, or names separated by commas.
    #[arg(long, value_parser = parse_kinds)]
    boundary_kinds: Option<Kinds>,
    /// Share of planted groups that get a boundary kind.
    #[arg(long, default_value_t = PlantConfig::default().boundary_share, requires = "boundary_kinds")]
    boundary_share: f64,
    /// Word edits on each boundary copy, `LO,HI`.
    #[arg(long, value_parser = parse_range, default_value = "0,1", requires = "boundary_kinds")]
    boundary_edits: (usize, usize),
}

/// A list of boundary kinds, as one clap value.
#[derive(Debug, Clone)]
struct Kinds(Vec<BoundaryKind>);

fn parse_kinds(s: &str) -> Result<Kinds, String> {
    BoundaryKind::parse_list(s)
        .map(Kinds)
        .map_err(|e| e.to_string())
}

fn parse_range(s: &str) -> Result<(usize, usize), String> {
    let (lo, hi) = s
        .split_once(',')
        .ok_or_else(|| format!("expected LO,HI, got {s:?}"))?;
    let num = |t: &str| t.trim().parse::<usize>().map_err(|e| format!("{t:?}: {e}"));
    Ok((num(lo)?, num(hi)?))
}

/// How big the corpus should get.
#[derive(Debug, Clone, Copy)]
enum Target {
    Docs(usize),
    Bytes(u64),
}

/// Sentences sampled for the cross-round similarity check.
const ROUND_CHECK_SAMPLE: usize = 2000;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_corpus: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<()> {
    let target = match (args.docs, args.target_mb) {
        (_, Some(mb)) if !(mb > 0.0 && mb.is_finite()) => bail!("--target-mb must be positive"),
        (_, Some(mb)) => Target::Bytes((mb * 1e6) as u64),
        (Some(0), _) => bail!("--docs must be at least 1"),
        (docs, None) => Target::Docs(docs.unwrap_or(PlantConfig::default().docs)),
    };
    let start = Instant::now();

    let t = Instant::now();
    let corpus = read_inputs(&args.sources, &ReadOptions::default(), &|_| {})?;
    let sentences: Vec<String> = corpus
        .docs
        .par_iter()
        .map(|doc| {
            let mut spans: Vec<Span> = Vec::new();
            segment(&doc.text, UnitKind::Sentence, &mut spans);
            spans
                .iter()
                .map(|s| s.text(&doc.text).to_owned())
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect();
    eprintln!(
        "gen_corpus: read {} documents ({:.1} MB) and cut {} sentences in {:.1}s",
        corpus.docs.len(),
        corpus.stats.bytes as f64 / 1e6,
        sentences.len(),
        t.elapsed().as_secs_f64()
    );
    drop(corpus);

    let t = Instant::now();
    let candidates = sentences.len();
    let pool = synth::distinct_pool(sentences, args.min_words, args.max_similarity, args.seed);
    let pool_bytes: usize = pool.iter().map(String::len).sum();
    eprintln!(
        "gen_corpus: pool of {} distinct sentences ({:.1} MB) from {candidates}: at least {} words, \
         char 5-gram Jaccard at most {}, in {:.1}s",
        pool.len(),
        pool_bytes as f64 / 1e6,
        args.min_words,
        args.max_similarity,
        t.elapsed().as_secs_f64()
    );
    if pool.is_empty() {
        bail!("no sentence of the sources qualifies for the pool");
    }
    let vocab = Vocabulary::from_sentences(&pool);

    let mut corpus_out = Counting::new(create(&args.out_corpus)?);
    let mut truth_out = BufWriter::new(create(&args.out_truth)?);
    let mut totals = Totals::default();
    let base = PlantConfig::default();
    let mean_sentences = (base.sentences_per_doc.0 + base.sentences_per_doc.1) as f64 / 2.0;
    // Corpus bytes per document, first estimated (sentence bytes plus the JSON
    // wrapping), then measured.
    let mut doc_bytes = (pool_bytes as f64 / pool.len() as f64 + 1.0) * mean_sentences + 40.0;
    let t = Instant::now();
    for round in 0u64.. {
        let wanted = match target {
            Target::Docs(n) if totals.docs >= n => break,
            Target::Bytes(b) if corpus_out.bytes >= b => break,
            Target::Docs(n) => n - totals.docs,
            Target::Bytes(b) => ((b - corpus_out.bytes) as f64 / doc_bytes).ceil() as usize,
        };
        let round_pool: Cow<'_, [String]> = if round == 0 {
            Cow::Borrowed(&pool)
        } else {
            Cow::Owned(
                pool.par_iter()
                    .map(|s| synth::reword(s, &vocab, round, args.seed))
                    .collect(),
            )
        };
        let cfg = PlantConfig {
            seed: args.seed.wrapping_add(round),
            docs: wanted.max(1),
            planted_fraction: args.planted_fraction,
            id_prefix: format!("r{round}-"),
            boundary_kinds: args
                .boundary_kinds
                .as_ref()
                .map_or_else(Vec::new, |k| k.0.clone()),
            boundary_share: args.boundary_share,
            boundary_edits: args.boundary_edits,
            ..PlantConfig::default()
        };
        let planted = synth::plant(&round_pool, &cfg)?;
        if planted.docs.is_empty() {
            bail!(
                "a pool of {} sentences is too small for one document of {} sentences",
                pool.len(),
                cfg.sentences_per_doc.0
            );
        }
        let before = corpus_out.bytes;
        write_round(&planted, round, &mut corpus_out, &mut truth_out)
            .context("writing the output")?;
        doc_bytes = (corpus_out.bytes - before) as f64 / planted.docs.len() as f64;
        totals.add(&planted);
        eprintln!(
            "gen_corpus: round {round}: {} documents, {:.1} MB, {} groups, {} copies{}",
            planted.docs.len(),
            (corpus_out.bytes - before) as f64 / 1e6,
            planted.truth.len(),
            planted.copies(),
            if planted.pool_exhausted {
                " (pool used up)"
            } else {
                ""
            }
        );
    }
    corpus_out.inner.flush().context("writing the corpus")?;
    truth_out.flush().context("writing the truth")?;
    let secs = t.elapsed().as_secs_f64();

    eprintln!(
        "gen_corpus: wrote {} documents, {} bytes ({:.1} MB) to {} and {} groups with {} copies \
         to {} in {:.1}s ({:.1} MB/s); {:.1}s in all",
        totals.docs,
        corpus_out.bytes,
        corpus_out.bytes as f64 / 1e6,
        args.out_corpus.display(),
        totals.groups,
        totals.copies,
        args.out_truth.display(),
        secs,
        corpus_out.bytes as f64 / 1e6 / secs.max(1e-9),
        start.elapsed().as_secs_f64()
    );
    let by_kind: Vec<String> = Edit::ALL
        .iter()
        .zip(&totals.edits)
        .map(|(e, n)| format!("{e} {n}"))
        .collect();
    eprintln!("gen_corpus: copies by edit: {}", by_kind.join(", "));
    let by_copy_kind: Vec<String> = CopyKind::all()
        .zip(&totals.kinds)
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    eprintln!("gen_corpus: copies by kind: {}", by_copy_kind.join(", "));
    eprintln!(
        "gen_corpus: truth spans found by the sentence splitter: {} of {} exactly ({:.1}%), \
         {} at least half-covered by one unit ({:.1}%)",
        totals.aligned.exact,
        totals.aligned.members,
        percent(totals.aligned.exact, totals.aligned.members),
        totals.aligned.half,
        percent(totals.aligned.half, totals.aligned.members)
    );
    eprintln!(
        "gen_corpus: the sentence splitter finds {} units in the documents for {} sentences placed \
         (a glued prefix split off adds one)",
        totals.aligned.units, totals.aligned.placed
    );
    if totals.rounds > 1 {
        check_rounds(&pool, &vocab, totals.rounds, args.seed);
    }
    Ok(())
}

fn create(path: &Path) -> Result<File> {
    File::create(path).with_context(|| format!("creating {}", path.display()))
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// A writer that counts the bytes it passes on.
struct Counting<W: Write> {
    inner: BufWriter<W>,
    bytes: u64,
}

impl<W: Write> Counting<W> {
    fn new(inner: W) -> Self {
        Self {
            inner: BufWriter::with_capacity(1 << 20, inner),
            bytes: 0,
        }
    }
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// One line of the truth file.
#[derive(Serialize)]
struct TruthLine<'a> {
    group: String,
    members: &'a [TruthMember],
}

fn write_round(
    planted: &Planted,
    round: u64,
    corpus: &mut impl Write,
    truth: &mut impl Write,
) -> Result<()> {
    for doc in &planted.docs {
        serde_json::to_writer(&mut *corpus, doc)?;
        corpus.write_all(b"\n")?;
    }
    for (g, group) in planted.truth.iter().enumerate() {
        let line = TruthLine {
            group: format!("r{round}-g{g:06}"),
            members: &group.members,
        };
        serde_json::to_writer(&mut *truth, &line)?;
        truth.write_all(b"\n")?;
    }
    Ok(())
}

/// Counters over all rounds.
#[derive(Debug, Default)]
struct Totals {
    rounds: u64,
    docs: usize,
    groups: usize,
    copies: usize,
    edits: [usize; Edit::ALL.len()],
    kinds: [usize; 1 + BoundaryKind::ALL.len()],
    aligned: Alignment,
}

impl Totals {
    fn add(&mut self, planted: &Planted) {
        self.rounds += 1;
        self.docs += planted.docs.len();
        self.groups += planted.truth.len();
        self.copies += planted.copies();
        for (count, (_, n)) in self.edits.iter_mut().zip(planted.edit_counts()) {
            *count += n;
        }
        for (count, (_, n)) in self.kinds.iter_mut().zip(planted.kind_counts()) {
            *count += n;
        }
        let a = alignment(planted);
        self.aligned.placed += a.placed;
        self.aligned.units += a.units;
        self.aligned.members += a.members;
        self.aligned.exact += a.exact;
        self.aligned.half += a.half;
    }
}

/// How many truth members the sentence splitter finds again.
#[derive(Debug, Default, Clone, Copy)]
struct Alignment {
    /// Sentences placed: originals and copies.
    placed: usize,
    /// Sentence units the splitter finds in the documents.
    units: usize,
    members: usize,
    /// A unit is exactly the member's span.
    exact: usize,
    /// One unit overlaps at least half of the member's span.
    half: usize,
}

fn alignment(planted: &Planted) -> Alignment {
    let units: Vec<Vec<Span>> = planted
        .docs
        .par_iter()
        .map(|doc| {
            let mut spans = Vec::new();
            segment(&doc.text, UnitKind::Sentence, &mut spans);
            spans
        })
        .collect();
    let index: std::collections::HashMap<&str, usize> = planted
        .docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), i))
        .collect();
    let mut a = Alignment {
        placed: planted.pool_used + planted.copies(),
        units: units.iter().map(Vec::len).sum(),
        ..Alignment::default()
    };
    for m in planted.truth.iter().flat_map(|g| &g.members) {
        a.members += 1;
        let Some(&d) = index.get(m.doc.as_str()) else {
            continue;
        };
        let best = units[d]
            .iter()
            .map(|u| u.end.min(m.end).saturating_sub(u.start.max(m.start)))
            .max()
            .unwrap_or(0);
        a.exact += usize::from(
            units[d]
                .iter()
                .any(|u| u.start == m.start && u.end == m.end),
        );
        a.half += usize::from(2 * best >= m.end - m.start);
    }
    a
}

/// Measures how similar the same pool sentence is across rounds, on an evenly
/// spaced sample, and warns when a pair reaches 0.5.
fn check_rounds(pool: &[String], vocab: &Vocabulary, rounds: u64, seed: u64) {
    let step = (pool.len() / ROUND_CHECK_SAMPLE).max(1);
    let sample: Vec<&String> = pool.iter().step_by(step).collect();
    let pairs: Vec<(u64, u64)> = if rounds > 2 {
        vec![(0, 1), (1, 2)]
    } else {
        vec![(0, 1)]
    };
    for (a, b) in pairs {
        let sims: Vec<f64> = sample
            .par_iter()
            .map(|s| {
                let x = if a == 0 {
                    (*s).clone()
                } else {
                    synth::reword(s, vocab, a, seed)
                };
                synth::similarity(&x, &synth::reword(s, vocab, b, seed))
            })
            .collect();
        let mean = sims.iter().sum::<f64>() / sims.len() as f64;
        let max = sims.iter().copied().fold(0.0, f64::max);
        let above = sims.iter().filter(|&&s| s >= 0.3).count();
        eprintln!(
            "gen_corpus: same sentence in rounds {a} and {b}: char 5-gram Jaccard mean {mean:.3}, \
             max {max:.3}, {above} of {} at 0.3 or more",
            sims.len()
        );
        if max >= 0.5 {
            eprintln!("gen_corpus: warning: some sentences stay near-duplicates across rounds");
        }
    }
}
