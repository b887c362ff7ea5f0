//! Planted copies whose boundaries differ from the original's (issue #10),
//! scored per kind at the default sentence settings.
//!
//! The sentences the project wrote (`tests/fixtures/pool.txt`), plus four
//! reworded rounds of them for room, are assembled into documents, and
//! copies of every [`BoundaryKind`] are planted into other documents. The
//! truth must be well formed and every kind planted; today's unit scan is
//! scored per kind. What holds today is asserted (precision); the quality
//! target of #10 (recall of at least 0.95 in every kind) is a separate test,
//! ignored until the span path exists, so it shows as ignored rather than
//! passed.

use std::collections::HashMap;
use std::path::Path;

use dupscan::config::{Options, SpanPath, UnitKind};
use dupscan::eval::{self, Labelled, Member, Scores, Truth};
use dupscan::pipeline::Scan;
use dupscan::scanner::Scanner;
use dupscan_synth::{self as synth, BoundaryKind, CopyKind, PlantConfig, Planted};

/// Copies each kind must get in [`planted`].
const MIN_COPIES_PER_KIND: usize = 10;

fn pool() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pool.txt");
    let base: Vec<String> = std::fs::read_to_string(path)
        .expect("pool")
        .lines()
        .map(str::to_owned)
        .collect();
    let mut pool = base.clone();
    for round in 1..=4 {
        pool.extend(synth::reword_pool(&base, round, 7));
    }
    pool
}

/// Every boundary kind, no edited copies.
fn planted(seed: u64) -> Planted {
    let cfg = PlantConfig {
        seed,
        docs: 400,
        sentences_per_doc: (5, 10),
        planted_fraction: 0.5,
        boundary_kinds: BoundaryKind::ALL.to_vec(),
        boundary_share: 1.0,
        ..PlantConfig::default()
    };
    synth::plant(&pool(), &cfg).expect("plants")
}

fn scan(planted: &Planted, spans: SpanPath) -> Scan {
    let mut options = Options::new(UnitKind::Sentence);
    options.spans = Some(spans);
    Scanner::new(options).expect("defaults are valid").scan(
        planted
            .docs
            .iter()
            .map(|d| (d.id.as_str(), d.text.as_str())),
    )
}

fn truth(planted: &Planted) -> Truth {
    let groups = planted
        .truth
        .iter()
        .map(|g| {
            g.members
                .iter()
                .map(|m| {
                    let member = Member::span(m.doc.clone(), m.start.into(), m.end.into());
                    Labelled::new(member, m.kind.map(CopyKind::name))
                })
                .collect()
        })
        .collect();
    Truth::from_labelled_groups(groups).expect("valid truth")
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

fn scores(seed: u64, spans: SpanPath) -> Scores {
    let planted = planted(seed);
    let scores = eval::score(&truth(&planted), &predicted(&scan(&planted, spans))).expect("scores");
    eprintln!("seed {seed}, spans {spans:?}:\n{scores}");
    scores
}

#[test]
fn every_kind_is_planted_with_valid_truth() {
    let planted = planted(1);
    let texts: HashMap<&str, &str> = planted
        .docs
        .iter()
        .map(|d| (d.id.as_str(), d.text.as_str()))
        .collect();
    for (kind, n) in planted.kind_counts() {
        match kind {
            CopyKind::Edited => assert_eq!(n, 0),
            CopyKind::Boundary(b) => {
                assert!(n >= MIN_COPIES_PER_KIND, "{b}: only {n} copies planted")
            }
        }
    }
    let mut spans: HashMap<&str, Vec<(u32, u32)>> = HashMap::new();
    for group in &planted.truth {
        for m in &group.members {
            let text = texts[m.doc.as_str()];
            let span = text
                .get(m.start as usize..m.end as usize)
                .expect("span on char boundaries inside the text");
            assert!(!span.is_empty() && span == span.trim(), "{span:?}");
            spans.entry(&m.doc).or_default().push((m.start, m.end));
        }
    }
    for (doc, mut s) in spans {
        s.sort_unstable();
        assert!(
            s.windows(2).all(|w| w[0].1 <= w[1].0),
            "{doc}: truth spans overlap: {s:?}"
        );
    }
}

#[test]
fn the_unit_path_is_scored_per_kind_and_stays_precise() {
    for seed in [1, 2] {
        let s = scores(seed, SpanPath::Off);
        for kind in BoundaryKind::ALL {
            let k = s
                .by_kind
                .get(kind.name())
                .unwrap_or_else(|| panic!("seed {seed}: no recall for {kind}"));
            assert!(k.true_pairs > 0 && (0.0..=1.0).contains(&k.recall));
        }
        assert!(!s.by_kind.contains_key("edited"));
        assert!(s.pair_precision >= 0.98, "seed {seed}: {s}");
    }
}

/// What the span path reaches today on this small corpus (measured when the
/// test was written; the 5,000-document figures are in BENCHMARKS.md): each
/// kind but spans-two at recall 0.9 or more, and far above the unit path.
#[test]
fn the_span_path_finds_the_boundary_kinds_the_unit_path_misses() {
    for seed in [1, 2] {
        let units = scores(seed, SpanPath::Off);
        let spans = scores(seed, SpanPath::On);
        assert!(spans.pair_precision >= 0.95, "seed {seed}: {spans}");
        assert!(
            spans.pair_recall >= units.pair_recall + 0.3,
            "seed {seed}: {spans}"
        );
        for kind in BoundaryKind::ALL {
            let k = &spans.by_kind[kind.name()];
            let floor = if kind == BoundaryKind::SpansTwo {
                0.5
            } else {
                0.9
            };
            assert!(k.recall >= floor, "seed {seed}: {kind} recall {}", k.recall);
        }
    }
}

/// Issue #10's targets: recall 0.97 overall and 0.95 in every kind at
/// precision 0.98, with the span path. Met on the 5,000-document Reuters
/// corpora of BENCHMARKS.md (seeds 42 and 7), not on this small one: seed 1
/// misses one quoted-in-paragraph copy of 18 (0.944), whose word changed
/// two words before its end, so the extension stops before the edit and the
/// span covers under 80% of either unit.
#[test]
#[ignore = "issue #10 target, not met on this corpus: one quoted-in-paragraph copy of 18"]
fn every_kind_is_found_by_the_span_path() {
    for seed in [1, 2] {
        let s = scores(seed, SpanPath::On);
        assert!(s.pair_recall >= 0.97, "seed {seed}: {s}");
        assert!(s.pair_precision >= 0.98, "seed {seed}: {s}");
        for (kind, k) in &s.by_kind {
            assert!(k.recall >= 0.95, "seed {seed}: {kind} recall {}", k.recall);
        }
    }
}
