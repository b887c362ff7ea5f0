//! The sample corpus in `data/` scored against its own truth files with the
//! binary, as a user would: `dupscan scan` writes a report, `dupscan eval`
//! scores it against `data/truth/*.jsonl`, and the hard negatives in
//! `data/truth/negatives.jsonl` must never share a group.
//!
//! Scans run with the span path on (`--spans on`), so that it is checked on
//! text nobody tuned it for. The floors are the scores measured when the test
//! was written (sentences P 1.000 / R 0.945, paragraphs 1.000 / 0.880 with
//! P4, a sentence quoted as a paragraph of its own, found only by spans;
//! documents 1.000 / 1.000); a change that loses a planted pair or adds a
//! wrong one fails here.

mod common;

use std::path::Path;

use serde_json::Value;

use common::{data, dupscan};

/// Runs `dupscan scan` over `data/corpus` from the project root (truth ids
/// are paths as given from there) and returns the report's path and value.
fn scan(dir: &Path, unit: &str) -> (std::path::PathBuf, Value) {
    let report = dir.join(format!("{unit}.json"));
    dupscan()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "scan", "-q", "--format", "json", "--spans", "on", "--unit", unit, "-o",
        ])
        .arg(&report)
        .arg("data/corpus")
        .assert()
        .success();
    let value = serde_json::from_slice(&std::fs::read(&report).expect("report written"))
        .expect("a JSON report");
    (report, value)
}

/// `dupscan eval --format json` of `report` against `data/truth/<truth>`.
fn eval(report: &Path, truth: &str) -> Value {
    let out = dupscan()
        .args(["eval", "--format", "json", "--truth"])
        .arg(data(&format!("truth/{truth}")))
        .arg(report)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("JSON scores")
}

fn score(scores: &Value, field: &str) -> f64 {
    scores[field]
        .as_f64()
        .unwrap_or_else(|| panic!("no {field} in {scores:#}"))
}

#[test]
fn sample_corpus_scores_at_least_the_measured_floors() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (unit, truth, recall) in [
        ("sentence", "sentences.jsonl", 0.94),
        ("paragraph", "paragraphs.jsonl", 0.88),
        ("document", "documents.jsonl", 1.0),
    ] {
        let (report, _) = scan(dir.path(), unit);
        let scores = eval(&report, truth);
        assert_eq!(score(&scores, "pair_precision"), 1.0, "{unit}: {scores:#}");
        assert!(
            score(&scores, "pair_recall") >= recall,
            "{unit}: {scores:#}"
        );
        assert!(score(&scores, "true_pairs") >= 1.0, "{unit}: {scores:#}");
    }
}

/// A reported member covers a labelled span when they overlap by at least
/// half of the span, as `dupscan eval` matches.
fn covers(member: &Value, doc: &str, start: u64, end: u64) -> bool {
    let same_doc = match &member["doc"] {
        Value::String(s) => s == doc,
        other => *other.to_string() == *doc,
    };
    let (Some(s), Some(e)) = (member["start"].as_u64(), member["end"].as_u64()) else {
        return false;
    };
    same_doc && 2 * e.min(end).saturating_sub(s.max(start)) >= end - start
}

#[test]
fn hard_negatives_never_share_a_group() {
    let dir = tempfile::tempdir().expect("tempdir");
    let negatives = std::fs::read_to_string(data("truth/negatives.jsonl")).expect("negatives file");
    let negatives: Vec<Value> = negatives
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a negative per line"))
        .collect();
    assert!(negatives.len() >= 10, "the sample has ten hard negatives");
    for unit in ["sentence", "paragraph"] {
        let (_, report) = scan(dir.path(), unit);
        let groups = report["groups"].as_array().expect("groups");
        assert!(!groups.is_empty(), "{unit}: the sample has duplicates");
        for negative in &negatives {
            let members = negative["members"].as_array().expect("members");
            let spans: Vec<(String, u64, u64)> = members
                .iter()
                .map(|m| {
                    let doc = match &m["doc"] {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (
                        doc,
                        m["start"].as_u64().expect("start"),
                        m["end"].as_u64().expect("end"),
                    )
                })
                .collect();
            for g in groups {
                let members = g["members"].as_array().expect("members");
                let hit = |(doc, s, e): &(String, u64, u64)| {
                    members.iter().any(|m| covers(m, doc, *s, *e))
                };
                assert!(
                    !spans.iter().all(hit),
                    "{unit}: negative {} grouped together in group {}",
                    negative["negative"],
                    g["id"]
                );
            }
        }
    }
}
