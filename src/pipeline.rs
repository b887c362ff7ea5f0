//! The one place that sequences the stages.
//!
//! read → segment → normalize → exact-duplicate classes → shingle + sign the
//! class representatives → band (LSH) → verify → cluster → groups.
//!
//! Every unit gets a global id: its position in input order (file, then line,
//! then position in the document). Exact duplicates (equal normalized text,
//! by a 128-bit fingerprint) are grouped before any MinHash work, so only one
//! member of each class is signed. Every parallel step writes into slots
//! indexed by id or sorts its output, so the result does not depend on the
//! number of threads.
//!
//! Memory per unit, resident until the report is built: the [`Unit`] record
//! (16 bytes), its exact class (4), a union-find parent (4), plus transiently
//! the fingerprint sort (32 per eligible unit) and the band keys of signed
//! representatives (8 per band: 128 bytes at the default 16 bands). Text is
//! held once, in the documents; units are spans into it.

use std::collections::HashMap;
use std::time::Instant;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_128_with_seed;

use crate::cluster::UnionFind;
use crate::config::{ScanConfig, Scope, Verification};
use crate::corpus::{self, Corpus};
use crate::error::Result;
use crate::lsh::{self, BandKeys};
use crate::minhash::MinHasher;
use crate::normalize;
use crate::progress::{Progress, Stage};
use crate::segment::{self, Span};
use crate::shingle::{Shingler, jaccard};
use crate::units::{ExactClasses, UnitSet, Units};
use crate::verify::{self, Match};

/// A member of a group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Member {
    /// Global unit id.
    pub unit: u32,
    /// Its exact class: the smallest id whose normalized text is the same
    /// (`unit` itself when it has no earlier exact copy).
    pub class: u32,
    /// Exact Jaccard similarity to the group's representative (1 for itself).
    pub similarity: f64,
}

/// A group of near-duplicate units.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Members by ascending global id; the first is the representative.
    pub members: Vec<Member>,
    /// Number of distinct documents among the members.
    pub documents: u32,
    /// The smallest similarity seen in the group: over members' similarity to
    /// the representative and over the verified pairs that joined it.
    pub min_similarity: f64,
}

/// Counters of a scan.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ScanStats {
    /// Documents read.
    pub documents: u64,
    /// Units segmented.
    pub units: u64,
    /// Units skipped for having fewer than `min_tokens` tokens.
    pub skipped_units: u64,
    /// Units whose normalized text equals an earlier unit's.
    pub exact_duplicate_units: u64,
    /// Candidate pairs from LSH.
    pub candidate_pairs: u64,
    /// Candidate pairs that passed verification.
    pub verified_pairs: u64,
    /// Groups reported.
    pub groups: u64,
    /// Units in reported groups other than the representatives.
    pub duplicate_units: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Documents with invalid UTF-8 replaced.
    pub invalid_utf8: u64,
    /// JSONL records with lone surrogate escapes read as U+FFFD.
    pub lone_surrogates: u64,
    /// Documents whose id an earlier document of the same inputs (corpus or
    /// reference) already has.
    pub duplicate_ids: u64,
    /// Malformed lines skipped.
    pub bad_lines: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// The result of a scan: the corpus, its units and the groups found.
#[derive(Debug, Clone)]
pub struct Scan {
    /// The configuration used.
    pub config: ScanConfig,
    /// Everything read: reference documents first (when checking for
    /// contamination), then the corpus.
    pub corpus: Corpus,
    /// How many of `corpus.docs` (and of `corpus.sources`, see
    /// [`Scan::reference_sources`]) are reference documents; 0 for a plain scan.
    pub reference_docs: u32,
    /// How many of `corpus.sources` are reference files.
    pub reference_sources: u32,
    /// Every unit by global id.
    pub units: Units,
    /// The units that were compared (the others were skipped as shorter
    /// than `min_tokens`).
    pub compared: UnitSet,
    /// Groups ordered by representative.
    pub groups: Vec<Group>,
    /// The verified pairs that joined the groups, between exact classes
    /// (see [`Member::class`]), sorted. With `--no-verify`, every candidate
    /// pair with its exact similarity.
    pub matches: Vec<Match>,
    /// Counters.
    pub stats: ScanStats,
}

impl Scan {
    /// Whether unit `id` belongs to the reference side.
    pub fn is_reference(&self, id: u32) -> bool {
        self.units.doc(id) < self.reference_docs
    }

    /// Whether unit `id` was compared (not skipped as too short).
    pub fn compared(&self, id: u32) -> bool {
        self.compared.contains(id)
    }

    /// The original text of unit `id`.
    pub fn text(&self, id: u32) -> &str {
        let doc = self.units.doc(id);
        self.units
            .span(id)
            .text(&self.corpus.docs[doc as usize].text)
    }
}

/// Units handled per parallel task: large enough to amortise scheduling,
/// small enough to keep the progress bar moving.
const CHUNK: usize = 4096;

thread_local! {
    /// Normalization scratch for verification, one per worker thread.
    static NORM: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

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
            &config.read,
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

/// Contamination check: scans `reference` and `corpus` together (reference
/// first, so a group's representative is a reference unit whenever it has
/// one) and keeps only the groups that join a reference unit with a corpus
/// unit.
pub fn scan_against_reference(
    config: &ScanConfig,
    reference: Corpus,
    corpus: Corpus,
    progress: &dyn Progress,
) -> Scan {
    let reference_docs = reference.docs.len() as u32;
    let reference_sources = reference.sources.len() as u32;
    let mut joined = reference;
    joined.sources.extend(corpus.sources);
    joined.docs.extend(corpus.docs.into_iter().map(|mut d| {
        d.source += reference_sources;
        d
    }));
    joined.stats.bytes += corpus.stats.bytes;
    joined.stats.invalid_utf8 += corpus.stats.invalid_utf8;
    joined.stats.lone_surrogates += corpus.stats.lone_surrogates;
    joined.stats.duplicate_ids += corpus.stats.duplicate_ids;
    joined.stats.bad_lines += corpus.stats.bad_lines;
    joined.stats.blank_lines += corpus.stats.blank_lines;
    run_stages(config, joined, reference_docs, reference_sources, progress)
}

/// Runs every stage after reading, on an already read corpus.
pub fn scan_corpus(config: &ScanConfig, corpus: Corpus, progress: &dyn Progress) -> Scan {
    run_stages(config, corpus, 0, 0, progress)
}

fn run_stages(
    config: &ScanConfig,
    corpus: Corpus,
    reference_docs: u32,
    reference_sources: u32,
    progress: &dyn Progress,
) -> Scan {
    let started = Instant::now();
    progress.start(Stage::Segmenting, None);
    let units = segment_corpus(&corpus, config);
    progress.finish();
    let text_of = |id: u32| -> &str {
        let doc = units.doc(id);
        units.span(id).text(&corpus.docs[doc as usize].text)
    };
    let shingler = Shingler::new(config.shingle, config.ngram, config.seed);
    let set_of = |id: u32, norm: &mut String, buf: &mut Vec<u64>| {
        config.normalizer.normalize_into(text_of(id), norm);
        shingler.set(norm, buf);
    };

    // Exact-duplicate classes over normalized text.
    progress.start(Stage::Fingerprinting, None);
    let prints = fingerprint_units(&units, config, &text_of);
    let compared = UnitSet::from_ids(units.len(), prints.iter().map(|p| p.1));
    let skipped = units.len() as u64 - prints.len() as u64;
    let (classes, reps) = exact_classes(prints);
    progress.finish();
    let exact_duplicates = units.len() as u64 - skipped - reps.len() as u64;

    // Sign the representatives and band them.
    progress.start(Stage::Signing, Some(reps.len() as u64));
    let keys = sign_and_band(&reps, config, &shingler, &text_of, progress);
    progress.finish();
    progress.start(Stage::Banding, None);
    let pairs: Vec<(u32, u32)> = keys
        .candidate_pairs(config.bands.bands)
        .into_iter()
        .map(|(a, b)| (reps[a as usize], reps[b as usize]))
        .collect();
    drop(keys);
    progress.finish();

    progress.start(Stage::Verifying, Some(pairs.len() as u64));
    let set_fn = |id: u32, buf: &mut Vec<u64>| {
        NORM.with_borrow_mut(|norm| set_of(id, norm, buf));
    };
    let matches = match config.verification {
        Verification::Exact => {
            verify::verify(&pairs, config.threshold, set_fn, &|n| progress.advance(n))
        }
        Verification::Trust => verify::similarities(&pairs, set_fn),
    };
    progress.finish();

    // Cluster exact classes and verified pairs.
    progress.start(Stage::Clustering, None);
    let groups = cluster(
        &Clustering {
            units: &units,
            classes: &classes,
            matches: &matches,
            scope: config.scope,
            reference_docs,
        },
        &set_of,
    );
    progress.finish();

    let stats = ScanStats {
        documents: corpus.docs.len() as u64,
        units: units.len() as u64,
        skipped_units: skipped,
        exact_duplicate_units: exact_duplicates,
        candidate_pairs: pairs.len() as u64,
        verified_pairs: matches.len() as u64,
        groups: groups.len() as u64,
        duplicate_units: groups.iter().map(|g| g.members.len() as u64 - 1).sum(),
        bytes: corpus.stats.bytes,
        invalid_utf8: corpus.stats.invalid_utf8,
        lone_surrogates: corpus.stats.lone_surrogates,
        duplicate_ids: corpus.stats.duplicate_ids,
        bad_lines: corpus.stats.bad_lines,
        seconds: started.elapsed().as_secs_f64(),
    };
    Scan {
        config: config.clone(),
        corpus,
        reference_docs,
        reference_sources,
        units,
        compared,
        groups,
        matches,
        stats,
    }
}

/// What clustering needs from the earlier stages.
struct Clustering<'a> {
    units: &'a Units,
    classes: &'a ExactClasses,
    /// Verified pairs between classes, sorted.
    matches: &'a [Match],
    scope: Scope,
    /// Reference documents come first; 0 for a plain scan.
    reference_docs: u32,
}

/// Groups: union-find over exact classes and verified pairs, filtered by
/// scope (or, against a reference, to groups joining both sides), each
/// member with its exact similarity to the representative. `set_of(id,
/// scratch, out)` builds a unit's shingle set.
fn cluster(
    c: &Clustering,
    set_of: &(dyn Fn(u32, &mut String, &mut Vec<u64>) + Sync),
) -> Vec<Group> {
    let (units, classes, matches) = (c.units, c.classes, c.matches);
    let mut uf = UnionFind::new(units.len());
    for &(unit, class) in classes.repeats() {
        uf.union(class, unit);
    }
    for m in matches {
        uf.union(m.a, m.b);
    }
    let mut edge_min: HashMap<u32, f64> = HashMap::new();
    for m in matches {
        let root = uf.find(m.a);
        let e = edge_min.entry(root).or_insert(f64::INFINITY);
        *e = e.min(m.similarity);
    }
    let mut member_sets = uf.groups();
    if c.reference_docs > 0 {
        let is_ref = |m: &u32| units.doc(*m) < c.reference_docs;
        member_sets.retain(|g| g.iter().any(is_ref) && !g.iter().all(is_ref));
    } else if c.scope == Scope::CrossDoc {
        member_sets.retain(|g| distinct_docs(g, units) >= 2);
    }
    member_sets
        .into_par_iter()
        .map_init(
            || (String::new(), Vec::new(), Vec::new()),
            |(norm, rep_set, other), members| {
                let rep = members[0];
                let rep_class = classes.of(rep);
                set_of(rep_class, norm, rep_set);
                // Similarity to the representative, once per class: from a
                // verified pair when there is one, else computed.
                let mut cache: HashMap<u32, f64> = HashMap::new();
                let mut similarity_of = |class: u32| {
                    if class == rep_class {
                        return 1.0;
                    }
                    *cache.entry(class).or_insert_with(|| {
                        let pair = (rep_class.min(class), rep_class.max(class));
                        match matches.binary_search_by_key(&pair, |m| (m.a, m.b)) {
                            Ok(i) => matches[i].similarity,
                            Err(_) => {
                                set_of(class, norm, other);
                                jaccard(rep_set, other)
                            }
                        }
                    })
                };
                let members: Vec<Member> = members
                    .iter()
                    .map(|&unit| {
                        let class = classes.of(unit);
                        Member {
                            unit,
                            class,
                            similarity: similarity_of(class),
                        }
                    })
                    .collect();
                let member_min = members
                    .iter()
                    .map(|m| m.similarity)
                    .fold(f64::INFINITY, f64::min);
                let edge = edge_min.get(&rep).copied().unwrap_or(f64::INFINITY);
                let ids: Vec<u32> = members.iter().map(|m| m.unit).collect();
                Group {
                    documents: distinct_docs(&ids, units),
                    min_similarity: member_min.min(edge),
                    members,
                }
            },
        )
        .collect()
}

/// Segments every document, in parallel, into units in global-id order.
/// Documents are segmented a chunk at a time, so the spans are held twice
/// only in the chunk being appended.
fn segment_corpus(corpus: &Corpus, config: &ScanConfig) -> Units {
    const DOCS_PER_CHUNK: usize = 1024;
    let chunks: Vec<(Vec<Span>, Vec<u32>)> = corpus
        .docs
        .par_chunks(DOCS_PER_CHUNK)
        .map(|docs| {
            let mut spans = Vec::new();
            let mut ends = Vec::with_capacity(docs.len());
            for d in docs {
                segment::segment(&d.text, config.unit, &mut spans);
                ends.push(spans.len() as u32);
            }
            spans.shrink_to_fit();
            (spans, ends)
        })
        .collect();
    let total = chunks.iter().map(|(s, _)| s.len()).sum();
    let mut units = Units::with_capacity(corpus.docs.len(), total);
    for (spans, ends) in chunks {
        let mut start = 0;
        for end in ends {
            units.push_doc(&spans[start..end as usize]);
            start = end as usize;
        }
    }
    units
}

/// A unit's 128-bit fingerprint (as two words, so that the pair packs into
/// 24 bytes) and its id.
type Print = ([u64; 2], u32);

/// The fingerprint of the normalized text of every unit long enough to
/// compare, with its id, in id order.
fn fingerprint_units<'a>(
    units: &Units,
    config: &ScanConfig,
    text_of: &(dyn Fn(u32) -> &'a str + Sync),
) -> Vec<Print> {
    let n = units.len() as u32;
    let chunks: Vec<Vec<Print>> = (0..n.div_ceil(CHUNK as u32))
        .into_par_iter()
        .map_init(String::new, |norm, c| {
            let mut prints = Vec::new();
            let start = c * CHUNK as u32;
            for id in start..(start + CHUNK as u32).min(n) {
                let text = text_of(id);
                if text.is_ascii() && normalize::ascii_token_bound(text) < config.min_tokens {
                    continue;
                }
                config.normalizer.normalize_into(text, norm);
                let tokens = normalize::token_count(norm);
                if tokens > 0 && tokens >= config.min_tokens {
                    let print = xxh3_128_with_seed(norm.as_bytes(), config.seed);
                    prints.push(([(print >> 64) as u64, print as u64], id));
                }
            }
            prints
        })
        .collect();
    chunks.concat()
}

/// Groups units by fingerprint: the exact classes (each repeat mapped to the
/// smallest id with the same fingerprint), and the classes' smallest ids
/// ascending.
fn exact_classes(mut prints: Vec<Print>) -> (ExactClasses, Vec<u32>) {
    prints.par_sort_unstable();
    let mut repeats = Vec::new();
    let mut reps = Vec::new();
    for run in prints.chunk_by(|x, y| x.0 == y.0) {
        let first = run[0].1;
        reps.push(first);
        repeats.extend(run[1..].iter().map(|&(_, id)| (id, first)));
    }
    drop(prints);
    reps.par_sort_unstable();
    (ExactClasses::new(repeats), reps)
}

/// Band keys of each representative, band-major: band `j`'s keys for
/// `reps` in order are column `j` of the keys, so that LSH reads each band
/// as one contiguous column.
fn sign_and_band<'a>(
    reps: &[u32],
    config: &ScanConfig,
    shingler: &Shingler,
    text_of: &(dyn Fn(u32) -> &'a str + Sync),
    progress: &dyn Progress,
) -> BandKeys {
    let mut keys = BandKeys::zeroed(reps.len(), config.bands.bands);
    match &mut keys {
        BandKeys::Narrow(k) => fill_keys(k, reps, config, shingler, text_of, progress),
        BandKeys::Wide(k) => fill_keys(k, reps, config, shingler, text_of, progress),
    }
    keys
}

fn fill_keys<'a, K: lsh::Key>(
    keys: &mut [K],
    reps: &[u32],
    config: &ScanConfig,
    shingler: &Shingler,
    text_of: &(dyn Fn(u32) -> &'a str + Sync),
    progress: &dyn Progress,
) {
    let bands = config.bands;
    let hasher = MinHasher::with_sketch(config.sketch, config.num_perm, config.seed);
    let n = reps.len();
    if n == 0 {
        return;
    }
    // For each chunk of representatives, its piece of every band's column.
    let mut pieces: Vec<Vec<&mut [K]>> = (0..n.div_ceil(CHUNK))
        .map(|_| Vec::with_capacity(bands.bands))
        .collect();
    for column in keys.chunks_exact_mut(n) {
        for (chunk, piece) in pieces.iter_mut().zip(column.chunks_mut(CHUNK)) {
            chunk.push(piece);
        }
    }
    pieces
        .into_par_iter()
        .zip(reps.par_chunks(CHUNK))
        .for_each_init(
            || {
                (
                    String::new(),
                    Vec::new(),
                    vec![0u32; config.num_perm],
                    vec![0u64; bands.bands],
                )
            },
            |(norm, hashes, sig, unit_keys), (mut columns, ids)| {
                for (k, &id) in ids.iter().enumerate() {
                    config.normalizer.normalize_into(text_of(id), norm);
                    shingler.hashes(norm, hashes);
                    hasher.sign(hashes, sig);
                    lsh::band_keys(sig, bands, unit_keys);
                    for (column, &key) in columns.iter_mut().zip(unit_keys.iter()) {
                        column[k] = K::from_wide(key);
                    }
                }
                progress.advance(ids.len() as u64);
            },
        );
}

fn distinct_docs(members: &[u32], units: &Units) -> u32 {
    let mut docs: Vec<u32> = members.iter().map(|&m| units.doc(m)).collect();
    docs.sort_unstable();
    docs.dedup();
    docs.len() as u32
}
