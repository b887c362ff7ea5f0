//! Criterion benchmarks of every pipeline stage, on the same input.
//!
//! ```text
//! cargo bench --bench stages              # every group, about 2 minutes
//! cargo bench --bench stages -- signing   # only the groups or benches matching "signing"
//! ```
//!
//! **Input.** The first 4 MB (whole documents) of Reuters-21578 from
//! `../shared/corpora/reuters21578.jsonl.gz`, read with
//! [`dupscan::corpus::read_inputs`]. Where that file is absent (a fresh
//! clone), a deterministic corpus of the same size is generated instead:
//! rounds of `tests/fixtures/pool.txt`, reworded per round with
//! [`synth::reword_pool`], assembled into documents with planted
//! near-duplicates by [`synth::plant`]. One line on stderr says which input
//! is used, followed by the sizes the stages see.
//!
//! **Preparation.** Before anything is timed, the pipeline's own stage
//! functions run once at sentence level with the default configuration
//! (`units::segment_docs`, `exact::fingerprints` and `exact::classes`,
//! `sign::band_keys`, `lsh` candidate pairs, `verify::verify`), plus the
//! per-unit intermediate values the per-unit benches need (normalized texts,
//! shingle hashes, signatures).
//! Each group then times one stage on the previous stage's real output, so
//! the candidate pairs, matches and groups are whatever the input gives. The
//! preparation checks its counts (skipped units, exact duplicates, candidate
//! and verified pairs) against one [`pipeline::scan_corpus`] run.
//!
//! **Throughput** is always bytes of *original* text: the documents for
//! segmenting and end-to-end, otherwise the units the stage covers, so the
//! MB/s of different stages compare per byte of corpus.
//!
//! | group | benches | what is timed | bytes counted |
//! | --- | --- | --- | --- |
//! | `segmenting` | `sentence`, `paragraph` | [`segment::segment`] over every document | documents |
//! | `normalizing` | `default` | [`Normalizer::normalize_into`] (every fold) over every sentence | all sentences |
//! | `shingling` | `char5`, `word3` | [`Shingler::hashes`] over the normalized distinct sentences | distinct sentences |
//! | `signing` | `one-permutation`, `permutations` | [`MinHasher::sign`], 128 values, over their char 5-gram hashes | distinct sentences |
//! | `banding` | `band_keys`, `candidate_pairs` | [`lsh::band_keys`] per signature; [`lsh::candidate_pairs`] over all keys | distinct sentences |
//! | `verifying` | `sets_from_text`, `presorted_sets` | [`verify::verify`] of the candidate pairs: building each set from the text as the pipeline does, or copying precomputed sets (the Jaccard merge alone) | both units of every pair |
//! | `clustering` | `groups` | [`cluster::groups`] over all sentences: union-find over exact classes and verified matches, then each member's similarity to its representative | all sentences |
//! | `end_to_end` | `scan_corpus` | [`pipeline::scan_corpus`] at sentence level, defaults, on the in-memory corpus | documents |
//!
//! `segmenting` to `banding/band_keys` call the per-unit stage functions on
//! one thread; `candidate_pairs`, `verify` and `scan_corpus` run in parallel
//! on rayon's global pool, as in the pipeline.

use std::cell::RefCell;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{
    BatchSize, BenchmarkGroup, Criterion, SamplingMode, Throughput, measurement::WallTime,
};
use dupscan::cluster::{self, Clustering};
use dupscan::config::{Params, ScanConfig, UnitKind};
use dupscan::corpus::{
    self, Compression, Corpus, Document, Format, Layout, Origin, ReadOptions, Source,
};
use dupscan::exact;
use dupscan::lsh;
use dupscan::minhash::{MinHasher, Sketch};
use dupscan::normalize::Normalizer;
use dupscan::pipeline;
use dupscan::progress::Silent;
use dupscan::scanner::Scanner;
use dupscan::segment;
use dupscan::shingle::{ShingleKind, Shingler};
use dupscan::sign;
use dupscan::tokens::Tokenizer;
use dupscan::units::{self, ExactClasses, Units};
use dupscan::verify::{self, Match};
use dupscan_synth::{self as synth, PlantConfig};

/// Bytes of document text benchmarked: whole documents up to this total.
const PREFIX_BYTES: usize = 4_000_000;
/// The real corpus, relative to the crate root.
const REUTERS: &str = "../shared/corpora/reuters21578.jsonl.gz";
/// Sentences the fallback corpus is generated from, relative to the crate root.
const POOL: &str = "tests/fixtures/pool.txt";
/// Seed of the fallback corpus.
const SYNTH_SEED: u64 = 42;

fn main() {
    let corpus = load_corpus();
    let stages = Stages::prepare(corpus);
    let mut c = Criterion::default().configure_from_args();
    segmenting(&mut c, &stages);
    normalizing(&mut c, &stages);
    tokenizing(&mut c, &stages);
    shingling(&mut c, &stages);
    signing(&mut c, &stages);
    banding(&mut c, &stages);
    verifying(&mut c, &stages);
    clustering(&mut c, &stages);
    end_to_end(&mut c, &stages);
    c.final_summary();
}

// ---------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------

/// The Reuters prefix when the corpus is present, else the generated corpus.
fn load_corpus() -> Corpus {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let reuters = root.join(REUTERS);
    if reuters.is_file() {
        let mut corpus = corpus::read_inputs(
            std::slice::from_ref(&reuters),
            &ReadOptions::default(),
            &|_| {},
        )
        .expect("the Reuters corpus is readable JSONL");
        let total = corpus.docs.len();
        let mut bytes = 0;
        corpus.docs.retain(|d| {
            bytes += d.text.len();
            bytes <= PREFIX_BYTES
        });
        corpus.stats.bytes = text_bytes(&corpus.docs);
        eprintln!(
            "input: {} (first {} of {total} documents, {} bytes)",
            reuters.display(),
            corpus.docs.len(),
            corpus.stats.bytes
        );
        corpus
    } else {
        let corpus = generated_corpus(&root.join(POOL));
        eprintln!(
            "input: generated from {POOL}, seed {SYNTH_SEED} ({} not found; {} documents, {} bytes)",
            reuters.display(),
            corpus.docs.len(),
            corpus.stats.bytes
        );
        corpus
    }
}

/// Documents with planted near-duplicates, about [`PREFIX_BYTES`] in all:
/// round `r` plants from the pool reworded for round `r` (round 0: the pool
/// itself), so sentences of different rounds are not near-duplicates.
fn generated_corpus(pool_path: &Path) -> Corpus {
    let pool: Vec<String> = std::fs::read_to_string(pool_path)
        .expect("tests/fixtures/pool.txt is part of the repository")
        .lines()
        .map(str::to_owned)
        .collect();
    let mut docs: Vec<Document> = Vec::new();
    let mut bytes = 0;
    for round in 0u64.. {
        let reworded;
        let round_pool = if round == 0 {
            &pool
        } else {
            reworded = synth::reword_pool(&pool, round, SYNTH_SEED);
            &reworded
        };
        let cfg = PlantConfig {
            seed: SYNTH_SEED + round,
            docs: round_pool.len(),
            planted_fraction: 0.5,
            id_prefix: format!("r{round}-"),
            ..PlantConfig::default()
        };
        let planted = synth::plant(round_pool, &cfg).expect("the plant configuration is valid");
        for d in planted.docs {
            bytes += d.text.len();
            docs.push(Document {
                id: d.id,
                source: 0,
                line: docs.len() as u64 + 1,
                text: d.text,
                joins: Vec::new(),
            });
        }
        if bytes >= PREFIX_BYTES {
            break;
        }
    }
    let mut corpus = Corpus {
        sources: vec![Source {
            path: PathBuf::from("generated.jsonl"),
            relative: PathBuf::from("generated.jsonl"),
            format: Format {
                layout: Layout::Jsonl,
                compression: Compression::None,
            },
            origin: Origin::Named,
            fingerprint: None,
        }],
        docs,
        ..Corpus::default()
    };
    corpus.stats.bytes = text_bytes(&corpus.docs);
    corpus
}

fn text_bytes(docs: &[Document]) -> u64 {
    docs.iter().map(|d| d.text.len() as u64).sum()
}

// ---------------------------------------------------------------------------
// Every stage's output, computed once
// ---------------------------------------------------------------------------

/// The input and each stage's output on it, at sentence level with defaults,
/// computed by the pipeline's own stage functions.
struct Stages {
    config: ScanConfig,
    corpus: Corpus,
    /// Bytes of document text.
    doc_bytes: u64,
    /// Every sentence, by global id.
    units: Units,
    /// Bytes of all sentences.
    unit_bytes: u64,
    /// Exact classes.
    classes: ExactClasses,
    /// Global ids of the units that get signed: long enough, and the first of
    /// their normalized text. Ascending.
    reps: Vec<u32>,
    /// Bytes of the representatives' original text.
    rep_bytes: u64,
    /// Normalized text of each representative, in `reps` order.
    rep_norms: Vec<String>,
    /// Char 5-gram hashes of each representative, in `reps` order.
    rep_hashes: Vec<Vec<u64>>,
    /// One-permutation signatures, `num_perm` per representative.
    signatures: Vec<u32>,
    /// Band keys, band-major, in the width the pipeline uses.
    keys: lsh::BandKeys,
    /// LSH candidate pairs, as global ids.
    pairs: Vec<(u32, u32)>,
    /// Bytes of both units of every candidate pair.
    pair_bytes: u64,
    /// Sorted shingle set of each representative, in `reps` order.
    rep_sets: Vec<Vec<u64>>,
    /// Position in `reps` of each global id (`u32::MAX` for other units).
    rep_index: Vec<u32>,
    /// Verified matches.
    matches: Vec<Match>,
}

impl Stages {
    fn prepare(corpus: Corpus) -> Self {
        let config = Scanner::with_params(Params::new(UnitKind::Sentence));
        let params = *config.params();
        let config = ScanConfig {
            inputs: Vec::new(),
            reference: Vec::new(),
            read: ReadOptions::default(),
            reference_fields: dupscan::config::ReferenceFields::default(),
            params,
        };
        let doc_bytes = text_bytes(&corpus.docs);

        let units = units::segment_docs(&corpus.docs, |d| &d.text, params.unit);
        let text_of = |id: u32| {
            units
                .span(id)
                .text(&corpus.docs[units.doc(id) as usize].text)
        };
        let unit_bytes = (0..units.len() as u32)
            .map(|id| text_of(id).len() as u64)
            .sum();
        let prints = exact::fingerprints(&units, &params, &text_of);
        let skipped = units.len() as u64 - prints.len() as u64;
        let (classes, reps) = exact::classes(prints);
        let rep_bytes = reps.iter().map(|&id| text_of(id).len() as u64).sum();
        let rep_norms: Vec<String> = reps
            .iter()
            .map(|&id| params.normalizer.normalize(text_of(id)))
            .collect();

        let shingler = Shingler::new(params.shingle, params.ngram, params.seed);
        let rep_hashes: Vec<Vec<u64>> = rep_norms
            .iter()
            .map(|norm| {
                let mut hashes = Vec::new();
                shingler.hashes(norm, &mut hashes);
                hashes
            })
            .collect();
        let hasher = MinHasher::with_sketch(params.sketch, params.num_perm, params.seed);
        let mut signatures = vec![0u32; reps.len() * params.num_perm];
        for (hashes, sig) in rep_hashes
            .iter()
            .zip(signatures.chunks_exact_mut(params.num_perm))
        {
            hasher.sign(hashes, sig);
        }
        let bands = params.bands;
        let keys = sign::band_keys(&reps, &params, &text_of, &|_| {});
        let pairs: Vec<(u32, u32)> = keys
            .candidate_pairs(bands.bands)
            .into_iter()
            .map(|(a, b)| (reps[a as usize], reps[b as usize]))
            .collect();
        let pair_bytes = pairs
            .iter()
            .map(|&(a, b)| text_of(a).len() as u64 + text_of(b).len() as u64)
            .sum();

        let rep_sets: Vec<Vec<u64>> = rep_norms
            .iter()
            .map(|norm| {
                let mut set = Vec::new();
                shingler.set(norm, &mut set);
                set
            })
            .collect();
        let mut rep_index = vec![u32::MAX; units.len()];
        for (i, &id) in reps.iter().enumerate() {
            rep_index[id as usize] = i as u32;
        }
        let matches = verify::verify(
            &pairs,
            params.threshold,
            |id, buf: &mut Vec<u64>| {
                buf.clone_from(&rep_sets[rep_index[id as usize] as usize]);
            },
            &|_| {},
        );

        // The stage benches must see what the pipeline sees.
        let scan = pipeline::scan_corpus(&config, corpus.clone(), &Silent);
        let exact_duplicates = units.len() as u64 - skipped - reps.len() as u64;
        assert_eq!(
            (
                skipped,
                exact_duplicates,
                pairs.len() as u64,
                matches.len() as u64
            ),
            (
                scan.stats.skipped_units,
                scan.stats.exact_duplicate_units,
                scan.stats.candidate_pairs,
                scan.stats.verified_pairs
            ),
            "the benchmark's preparation differs from pipeline::scan_corpus"
        );
        drop(scan);

        eprintln!(
            "stages: {} documents, {} sentences, {} distinct sentences signed, \
             {} candidate pairs, {} verified (threshold {}, {}x{} bands)",
            corpus.docs.len(),
            units.len(),
            reps.len(),
            pairs.len(),
            matches.len(),
            params.threshold,
            bands.bands,
            bands.rows
        );
        Self {
            config,
            corpus,
            doc_bytes,
            units,
            unit_bytes,
            classes,
            reps,
            rep_bytes,
            rep_norms,
            rep_hashes,
            signatures,
            keys,
            pairs,
            pair_bytes,
            rep_sets,
            rep_index,
            matches,
        }
    }

    fn text(&self, id: u32) -> &str {
        self.units
            .span(id)
            .text(&self.corpus.docs[self.units.doc(id) as usize].text)
    }
}

/// A group that counts `bytes` per iteration and takes `samples` samples in
/// about `seconds` after a one-second warm-up.
fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
    bytes: u64,
    samples: usize,
    seconds: u64,
) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(bytes))
        .sample_size(samples)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(seconds));
    g
}

// ---------------------------------------------------------------------------
// Groups
// ---------------------------------------------------------------------------

fn segmenting(c: &mut Criterion, s: &Stages) {
    let mut g = group(c, "segmenting", s.doc_bytes, 20, 7);
    for (name, kind) in [
        ("sentence", UnitKind::Sentence),
        ("paragraph", UnitKind::Paragraph),
    ] {
        g.bench_function(name, |b| {
            let mut spans = Vec::new();
            b.iter(|| {
                let mut units = 0;
                for d in &s.corpus.docs {
                    spans.clear();
                    segment::segment(black_box(&d.text), kind, &mut spans);
                    units += spans.len();
                }
                black_box(units)
            });
        });
    }
    g.finish();
}

fn normalizing(c: &mut Criterion, s: &Stages) {
    let mut g = group(c, "normalizing", s.unit_bytes, 20, 6);
    let normalizer = Normalizer::default();
    g.bench_function("default", |b| {
        let mut out = String::new();
        b.iter(|| {
            let mut len = 0;
            for id in 0..s.units.len() as u32 {
                normalizer.normalize_into(black_box(s.text(id)), &mut out);
                len += out.len();
            }
            black_box(len)
        });
    });
    g.finish();
}

/// The span path's token stream: words with their byte ranges and hashes,
/// over whole documents.
fn tokenizing(c: &mut Criterion, s: &Stages) {
    let mut g = group(c, "tokenizing", s.doc_bytes, 20, 6);
    g.bench_function("documents", |b| {
        let mut tokenizer = Tokenizer::new(SYNTH_SEED);
        let mut tokens = Vec::new();
        b.iter(|| {
            let mut n = 0;
            for d in &s.corpus.docs {
                tokenizer.tokenize(black_box(&d.text), &mut tokens);
                n += tokens.len();
            }
            black_box(n)
        });
    });
    g.finish();
}

fn shingling(c: &mut Criterion, s: &Stages) {
    let mut g = group(c, "shingling", s.rep_bytes, 20, 5);
    for (name, kind, n) in [
        ("char5", ShingleKind::Char, 5),
        ("word3", ShingleKind::Word, 3),
    ] {
        let shingler = Shingler::new(kind, n, s.config.params.seed);
        g.bench_function(name, |b| {
            let mut hashes = Vec::new();
            b.iter(|| {
                let mut count = 0;
                for norm in &s.rep_norms {
                    shingler.hashes(black_box(norm), &mut hashes);
                    count += hashes.len();
                }
                black_box(count)
            });
        });
    }
    g.finish();
}

fn signing(c: &mut Criterion, s: &Stages) {
    let mut g = group(c, "signing", s.rep_bytes, 10, 6);
    g.sampling_mode(SamplingMode::Flat);
    let num_perm = s.config.params.num_perm;
    for (name, sketch) in [
        ("one-permutation", Sketch::OnePermutation),
        ("permutations", Sketch::Permutations),
    ] {
        let hasher = MinHasher::with_sketch(sketch, num_perm, s.config.params.seed);
        g.bench_function(name, |b| {
            let mut sig = vec![0u32; num_perm];
            b.iter(|| {
                let mut acc = 0u32;
                for hashes in &s.rep_hashes {
                    hasher.sign(black_box(hashes), &mut sig);
                    acc ^= sig[0];
                }
                black_box(acc)
            });
        });
    }
    g.finish();
}

fn banding(c: &mut Criterion, s: &Stages) {
    let mut g = group(c, "banding", s.rep_bytes, 20, 7);
    let bands = s.config.params.bands;
    g.bench_function("band_keys", |b| {
        let mut keys = vec![0u64; s.reps.len() * bands.bands];
        b.iter(|| {
            for (sig, unit_keys) in s
                .signatures
                .chunks_exact(s.config.params.num_perm)
                .zip(keys.chunks_exact_mut(bands.bands))
            {
                lsh::band_keys(black_box(sig), bands, unit_keys);
            }
            black_box(keys[0])
        });
    });
    g.bench_function("candidate_pairs", |b| {
        b.iter(|| black_box(&s.keys).candidate_pairs(bands.bands));
    });
    g.finish();
}

thread_local! {
    /// Normalization scratch for `set_of`, one per worker thread, as in the pipeline.
    static NORM: RefCell<String> = const { RefCell::new(String::new()) };
}

fn verifying(c: &mut Criterion, s: &Stages) {
    let mut g = group(c, "verifying", s.pair_bytes, 20, 4);
    let threshold = s.config.params.threshold;
    let shingler = Shingler::new(
        s.config.params.shingle,
        s.config.params.ngram,
        s.config.params.seed,
    );
    g.bench_function("sets_from_text", |b| {
        let set_of = |id: u32, buf: &mut Vec<u64>| {
            NORM.with_borrow_mut(|norm| {
                s.config.params.normalizer.normalize_into(s.text(id), norm);
                shingler.set(norm, buf);
            });
        };
        b.iter(|| verify::verify(black_box(&s.pairs), threshold, set_of, &|_| {}));
    });
    g.bench_function("presorted_sets", |b| {
        let set_of = |id: u32, buf: &mut Vec<u64>| {
            buf.clone_from(&s.rep_sets[s.rep_index[id as usize] as usize]);
        };
        b.iter(|| verify::verify(black_box(&s.pairs), threshold, set_of, &|_| {}));
    });
    g.finish();
}

fn clustering(c: &mut Criterion, s: &Stages) {
    let mut g = group(c, "clustering", s.unit_bytes, 20, 3);
    let params = &s.config.params;
    let shingler = Shingler::new(params.shingle, params.ngram, params.seed);
    let set_of = |id: u32, norm: &mut String, buf: &mut Vec<u64>| {
        params.normalizer.normalize_into(s.text(id), norm);
        shingler.set(norm, buf);
    };
    g.bench_function("groups", |b| {
        b.iter(|| {
            cluster::groups(
                &Clustering {
                    units: &s.units,
                    classes: &s.classes,
                    matches: black_box(&s.matches),
                    links: &[],
                    scope: params.scope,
                    grouping: params.grouping,
                    threshold: params.threshold,
                    reference_docs: 0,
                },
                &set_of,
            )
        });
    });
    g.finish();
}

fn end_to_end(c: &mut Criterion, s: &Stages) {
    let mut g = group(c, "end_to_end", s.doc_bytes, 10, 8);
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("scan_corpus", |b| {
        b.iter_batched(
            || s.corpus.clone(),
            |corpus| pipeline::scan_corpus(&s.config, corpus, &Silent),
            BatchSize::LargeInput,
        );
    });
    g.finish();
}
