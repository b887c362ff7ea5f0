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

/// A three-word verbatim item is found by containment (it is shorter than
/// --min-tokens, so the unit comparison skips it), and the gate fails.
#[test]
fn a_three_word_item_is_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bench = dir.path().join("bench.jsonl");
    write_jsonl(&bench, &[("hamlet".into(), "Who wrote Hamlet?".into())]);
    let pool = pool();
    let page = format!("{} Quiz night: who wrote\nHAMLET? {}", pool[0], pool[1]);
    let corpus = dir.path().join("web.jsonl");
    write_jsonl(&corpus, &[("page".into(), page.clone())]);
    let (code, r) = scan(&bench, &corpus, &["--fail-on-match"]);
    assert_eq!(code, 1, "{r:#}");
    let item = &r["contamination"]["items"][0];
    assert_eq!(item["doc"], "hamlet");
    let best = &item["best"];
    assert_eq!(best["containment"], 1.0);
    let (s, e) = (
        best["match_start"].as_u64().expect("start") as usize,
        best["match_end"].as_u64().expect("end") as usize,
    );
    assert_eq!(&page[s..e], "who wrote\nHAMLET");
    assert_eq!(r["contamination"]["unchecked_documents"], 0);
    // Another three words are not a match.
    write_jsonl(
        &corpus,
        &[("page".into(), "Who wrote Macbeth? Nobody.".into())],
    );
    let (code, r) = scan(&bench, &corpus, &["--fail-on-match"]);
    assert_eq!(code, 0, "{r:#}");
}

/// An item too short to check (fewer than 3 words) is listed in the report
/// and on stderr, and fails --fail-on-match even though nothing matched.
#[test]
fn an_unchecked_item_is_listed_and_fails_the_gate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bench = reference(dir.path());
    let mut docs: Vec<(String, String)> = QUESTIONS
        .iter()
        .enumerate()
        .map(|(i, q)| (format!("q{i}"), (*q).to_string()))
        .collect();
    docs.push(("tiny".into(), "Hamlet?".into()));
    write_jsonl(&bench, &docs);
    let corpus = corpus(dir.path(), false);
    let out = Command::cargo_bin("dupscan")
        .expect("binary")
        .args([
            "scan",
            "-q",
            "--format",
            "json",
            "--fail-on-match",
            "--reference",
        ])
        .arg(&bench)
        .arg(&corpus)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 reference items could not be checked"),
        "{stderr}"
    );
    assert!(stderr.contains("tiny"), "{stderr}");
    let r: Value = serde_json::from_slice(&out.stdout).expect("report");
    let c = &r["contamination"];
    assert_eq!(c["contaminated_documents"], 0, "{r:#}");
    assert_eq!(c["unchecked_documents"], 1);
    assert_eq!(c["unchecked"][0]["doc"], "tiny");
    assert_eq!(c["unchecked"][0]["words"], 1);
    // Without the gate the run succeeds, and still lists it.
    let (code, r) = scan(&bench, &corpus, &[]);
    assert_eq!(code, 0);
    assert_eq!(r["contamination"]["unchecked_documents"], 1);
}

/// Containment finds an edited, lower-cased item glued to its neighbours
/// in hard-wrapped text, which the unit comparison misses.
#[test]
fn an_edited_item_in_wrapped_text_is_found_by_containment_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pool = pool();
    let q = QUESTIONS[3]
        .replace("eight cups", "six cups")
        .to_lowercase()
        .replace('?', " - AP");
    let text = format!("{} {} {} {}", pool[0], pool[1], q, pool[2]);
    let wrapped: String = text
        .split(' ')
        .collect::<Vec<_>>()
        .chunks(11)
        .map(|c| c.join(" "))
        .collect::<Vec<_>>()
        .join("\n");
    let corpus = dir.path().join("web.jsonl");
    write_jsonl(&corpus, &[("page".into(), wrapped)]);
    let bench = reference(dir.path());
    let (_, r) = scan(&bench, &corpus, &["--containment", "off"]);
    assert_eq!(r["contamination"]["contaminated_documents"], 0, "{r:#}");
    let (_, r) = scan(&bench, &corpus, &[]);
    let items = r["contamination"]["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{r:#}");
    assert_eq!(items[0]["doc"], "q3");
    assert!(items[0]["best"]["containment"].as_f64().expect("share") >= 0.5);
    let members = r["groups"][0]["members"].as_array().expect("members");
    assert!(members.iter().any(|m| m["via"] == "contained"), "{r:#}");
}

/// dedup --reference cuts the whole region where an item is contained:
/// question and answer when the item holds both, across the sentences and
/// lines it straddles, and nothing of the text around it.
#[test]
fn dedup_reference_removes_the_whole_matched_region() {
    let dir = tempfile::tempdir().expect("tempdir");
    let item = "Which author wrote the novel about a whaling captain who hunts a white \
                whale across the oceans? Answer: Herman Melville wrote Moby-Dick in 1851.";
    let bench = dir.path().join("bench.jsonl");
    write_jsonl(&bench, &[("qa".into(), item.into())]);
    let pool = pool();
    let pasted = "which author wrote the novel about a whaling\ncaptain who hunts a white \
                  whale across the oceans?answer: Herman\nMelville wrote Moby-Dick in 1851";
    let page = format!("{} {} {pasted} {}", pool[0], pool[1], pool[2]);
    let input = dir.path().join("in");
    fs::create_dir(&input).expect("mkdir");
    write_jsonl(&input.join("web.jsonl"), &[("page".into(), page)]);
    let out = dir.path().join("out");
    Command::cargo_bin("dupscan")
        .expect("binary")
        .args(["dedup", "-q", "--reference"])
        .arg(&bench)
        .arg("--out")
        .arg(&out)
        .arg(&input)
        .assert()
        .success();
    let written = fs::read_to_string(out.join("web.jsonl")).expect("output");
    let record: Value = serde_json::from_str(written.trim()).expect("a record");
    let text = record["text"].as_str().expect("text");
    for word in ["whaling", "Melville", "1851", "Answer", "answer"] {
        assert!(!text.contains(word), "{word:?} left in {text:?}");
    }
    for kept in [&pool[0], &pool[1], &pool[2]] {
        assert!(text.contains(kept.as_str()), "{kept:?} lost from {text:?}");
    }
}
