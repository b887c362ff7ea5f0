//! Contamination checks: benchmark questions written for this test are planted,
//! some with small edits, inside longer documents built from the sentence pool;
//! `scan --reference` must report exactly the planted ones.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};

const QUESTIONS: [&str; 5] = [
    "Which river forms the northern border of the county of Ashgrove according to the survey of 1904?",
    "A train leaves the station at nine and travels sixty miles an hour, so how far has it gone by noon?",
    "What is the name of the process by which green plants turn sunlight, water and carbon dioxide into sugar?",
    "If a recipe needs three eggs for every two cups of flour, how many eggs are needed for eight cups of flour?",
    "Which author wrote the novel about a whaling captain who hunts a white whale across the oceans?",
];

fn pool() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pool.txt");
    fs::read_to_string(path)
        .expect("pool")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_jsonl(path: &Path, docs: &[(String, String)]) {
    let lines: Vec<String> = docs
        .iter()
        .map(|(id, text)| json!({"id": id, "text": text}).to_string())
        .collect();
    fs::write(path, lines.join("\n") + "\n").expect("write");
}

/// Twelve web pages of eight pool sentences each; questions 0, 2 and 4 are
/// planted (question 2 twice) with edits a scraper produces.
fn corpus(dir: &Path, plant: bool) -> PathBuf {
    let pool = pool();
    let mut docs = Vec::new();
    for d in 0..12 {
        let mut sentences: Vec<String> = pool[d * 8..d * 8 + 8].to_vec();
        if plant {
            match d {
                3 => sentences.insert(4, QUESTIONS[0].to_string()),
                5 => sentences.insert(2, QUESTIONS[2].to_uppercase()),
                8 => sentences.insert(7, QUESTIONS[2].replace("green plants", "plants")),
                10 => sentences.insert(
                    1,
                    format!("Share This Article{}", QUESTIONS[4].replace('?', ".")),
                ),
                _ => {}
            }
        }
        docs.push((format!("page-{d}"), sentences.join(" ")));
    }
    let path = dir.join("web.jsonl");
    write_jsonl(&path, &docs);
    path
}

fn reference(dir: &Path) -> PathBuf {
    let docs: Vec<(String, String)> = QUESTIONS
        .iter()
        .enumerate()
        .map(|(i, q)| (format!("q{i}"), (*q).to_string()))
        .collect();
    let path = dir.join("bench.jsonl");
    write_jsonl(&path, &docs);
    path
}

fn scan(reference: &Path, corpus: &Path, extra: &[&str]) -> (i32, Value) {
    let out = Command::cargo_bin("dupscan")
        .expect("binary")
        .args(["scan", "-q", "--format", "json", "--reference"])
        .arg(reference)
        .args(extra)
        .arg(corpus)
        .output()
        .expect("runs");
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), report)
}

#[test]
fn finds_questions_embedded_in_longer_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, r) = scan(&reference(dir.path()), &corpus(dir.path(), true), &[]);
    assert_eq!(code, 0, "{r:#}");
    let c = &r["contamination"];
    assert_eq!(c["reference_documents"], 5);
    let items: Vec<(&str, u64)> = c["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["doc"].as_str().expect("doc"),
                i["corpus_units"].as_u64().expect("count"),
            )
        })
        .collect();
    assert_eq!(items, vec![("q0", 1), ("q2", 2), ("q4", 1)], "{r:#}");
    for g in r["groups"].as_array().expect("groups") {
        let members = g["members"].as_array().expect("members");
        assert_eq!(
            members[0]["side"], "reference",
            "the reference unit comes first"
        );
        assert!(members[1..].iter().all(|m| m["side"] == "corpus"));
    }
}

#[test]
fn fail_on_match_gates_ci() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bench = reference(dir.path());
    let (dirty, _) = scan(&bench, &corpus(dir.path(), true), &["--fail-on-match"]);
    assert_eq!(dirty, 1);
    let clean_dir = tempfile::tempdir().expect("tempdir");
    let (clean, r) = scan(
        &bench,
        &corpus(clean_dir.path(), false),
        &["--fail-on-match"],
    );
    assert_eq!(clean, 0, "{r:#}");
    assert_eq!(r["contamination"]["contaminated_documents"], 0);
    let (error, _) = scan(
        &bench,
        &clean_dir.path().join("missing.jsonl"),
        &["--fail-on-match"],
    );
    assert_eq!(error, 2);
}

#[test]
fn question_as_its_own_paragraph_is_found_at_paragraph_level() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pool = pool();
    let page = format!(
        "{}\n\n{}\n\n{}",
        pool[0..4].join(" "),
        QUESTIONS[1],
        pool[4..8].join(" ")
    );
    let corpus = dir.path().join("page.jsonl");
    write_jsonl(&corpus, &[("page".into(), page)]);
    let (code, r) = scan(&reference(dir.path()), &corpus, &["--unit", "paragraph"]);
    assert_eq!(code, 0);
    assert_eq!(r["contamination"]["items"][0]["doc"], "q1", "{r:#}");
}

#[test]
fn the_sample_quiz_is_contaminated_by_the_sample_corpus() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let (code, r) = scan(
        &data.join("reference/quiz.jsonl"),
        &data.join("corpus"),
        &["--fail-on-match"],
    );
    assert_eq!(code, 1, "{r:#}");
    let items: Vec<&str> = r["contamination"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["doc"].as_str().expect("doc id"))
        .collect();
    assert_eq!(items, ["quiz-01", "quiz-02", "quiz-03"]);
    assert_eq!(r["contamination"]["reference_documents"], 6);
}

/// Each contaminated item names the corpus document that holds most of it,
/// the share of the item found there, and where it lies in that document.
#[test]
fn each_item_names_its_best_document_and_where_it_matched() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::cargo_bin("dupscan")
        .expect("binary built")
        .current_dir(root)
        .args(["scan", "-q", "--spans", "on", "--format", "json"])
        .args(["--reference", "data/reference/quiz.jsonl", "data/corpus"])
        .assert()
        .success();
    let report: Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON report");
    let items = report["contamination"]["items"].as_array().expect("items");
    assert_eq!(items.len(), 3, "quiz-01 to quiz-03 quote the corpus");
    let news: Vec<Value> = fs::read_to_string(root.join("data/corpus/news.jsonl"))
        .expect("news")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a record"))
        .collect();
    for item in items {
        let best = &item["best"];
        let covered = best["covered"].as_f64().expect("covered");
        assert!((0.5..=1.0).contains(&covered), "{item:#}");
        let doc = best["doc"].as_str().expect("doc");
        let text = match news.iter().find(|r| r["id"] == doc) {
            Some(r) => r["text"].as_str().expect("text").to_owned(),
            None => fs::read_to_string(root.join(doc)).expect("an article file"),
        };
        let (start, end) = (
            best["match_start"].as_u64().expect("start") as usize,
            best["match_end"].as_u64().expect("end") as usize,
        );
        let matched = text.get(start..end).expect("a range of the document");
        assert!(matched.split_whitespace().count() >= 8, "{matched:?}");
    }
}
