//! Quality at the default settings on planted near-duplicates.
//!
//! Real sentences the project wrote (`tests/fixtures/pool.txt`, 400 distinct
//! sentences of 14 to 28 words) are assembled into documents, and copies with
//! one or two realistic edits (word substitution, deletion or insertion, case,
//! punctuation and quote style, a glued "Share This Article" prefix, a credit,
//! a dateline) are planted into other documents. The scan must recover the
//! planted pairs with recall and precision of at least 0.95.

use std::path::{Path, PathBuf};

use dupscan::config::{ScanConfig, ScanParams, UnitKind};
use dupscan::corpus::{Compression, Corpus, Document, Format, Layout, Origin, Source};
use dupscan::eval::{self, Member, Truth};
use dupscan::pipeline::{self, Scan};
use dupscan::progress::Silent;
use dupscan_synth::{self as synth, PlantConfig, Planted};

fn pool() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pool.txt");
    std::fs::read_to_string(path)
        .expect("pool")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn planted(seed: u64) -> Planted {
    let cfg = PlantConfig {
        seed,
        docs: 40,
        sentences_per_doc: (6, 12),
        planted_fraction: 0.8,
        ..PlantConfig::default()
    };
    synth::plant(&pool(), &cfg).expect("plants")
}

fn scan(planted: &Planted, unit: UnitKind) -> Scan {
    let corpus = Corpus {
        sources: vec![Source {
            path: PathBuf::from("planted.jsonl"),
            relative: PathBuf::from("planted.jsonl"),
            format: Format {
                layout: Layout::Jsonl,
                compression: Compression::None,
            },
            origin: Origin::Named,
            fingerprint: None,
        }],
        docs: planted
            .docs
            .iter()
            .enumerate()
            .map(|(i, d)| Document {
                id: d.id.clone(),
                source: 0,
                line: i as u64 + 1,
                text: d.text.clone(),
                joins: Vec::new(),
            })
            .collect(),
        ..Corpus::default()
    };
    let config = ScanConfig::new(ScanParams::new(vec!["planted.jsonl".into()], unit))
        .expect("defaults are valid");
    pipeline::scan_corpus(&config, corpus, &Silent)
}

fn truth(planted: &Planted) -> Truth {
    let groups = planted
        .truth
        .iter()
        .map(|g| {
            g.members
                .iter()
                .map(|m| Member::span(m.doc.clone(), m.start.into(), m.end.into()))
                .collect()
        })
        .collect();
    Truth::from_groups(groups).expect("valid truth")
}

fn predicted(scan: &Scan) -> Vec<Vec<Member>> {
    scan.groups
        .iter()
        .map(|g| {
            g.members
                .iter()
                .map(|m| {
                    let u = scan.units.get(m.unit);
                    let doc = &scan.corpus.docs[u.doc as usize].id;
                    Member::span(doc.clone(), u.span.start.into(), u.span.end.into())
                })
                .collect()
        })
        .collect()
}

#[test]
fn recall_and_precision_of_planted_pairs_at_default_settings() {
    for seed in [1, 2, 3] {
        let planted = planted(seed);
        assert!(
            planted.copies() >= 25,
            "seed {seed}: only {} copies planted",
            planted.copies()
        );
        let scan = scan(&planted, UnitKind::Sentence);
        let scores = eval::score(&truth(&planted), &predicted(&scan)).expect("scores");
        assert!(scores.pair_recall >= 0.95, "seed {seed}: {scores}");
        assert!(scores.pair_precision >= 0.95, "seed {seed}: {scores}");
    }
}

#[test]
fn an_unrelated_corpus_has_no_groups() {
    // The same documents without planted copies: every sentence is distinct.
    let cfg = PlantConfig {
        seed: 9,
        docs: 40,
        planted_fraction: 0.0,
        ..PlantConfig::default()
    };
    let planted = synth::plant(&pool(), &cfg).expect("plants");
    assert!(planted.truth.is_empty());
    for unit in [UnitKind::Sentence, UnitKind::Paragraph, UnitKind::Document] {
        let scan = scan(&planted, unit);
        assert!(
            scan.groups.is_empty(),
            "{unit:?}: {} groups",
            scan.groups.len()
        );
    }
}
