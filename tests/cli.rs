//! End-to-end tests of the `dupscan` binary: exit codes, error messages,
//! formats, determinism across thread counts.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use serde_json::Value;

use common::{data, dupscan};

/// Parses a JSON report and blanks the one field that varies between runs.
fn report(bytes: &[u8]) -> Value {
    let mut v: Value = serde_json::from_slice(bytes).expect("report is JSON");
    v["stats"]["seconds"] = Value::from(0);
    v
}

const PARA_A: &str = "The harbour authority said on Monday that the container terminal would reopen next week after a three day strike by crane operators.";
const PARA_B: &str = "The harbor authority said on Monday that the container terminal would reopen next week after a three-day strike by crane operators.";
const OTHER: &str = "A local bakery won the regional prize for its rye bread, beating forty other entries from across the valley.";

fn write_jsonl(dir: &Path, name: &str, texts: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let lines: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| serde_json::json!({"id": format!("d{i}"), "text": t}).to_string())
        .collect();
    fs::write(&path, lines.join("\n") + "\n").expect("write fixture");
    path
}

#[test]
fn finds_a_cross_document_near_duplicate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write_jsonl(dir.path(), "c.jsonl", &[PARA_A, OTHER, PARA_B]);
    let out = dupscan()
        .args(["scan", "--format", "json", "-q"])
        .arg(&input)
        .assert()
        .success();
    let r = report(&out.get_output().stdout);
    let groups = r["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1, "{r:#}");
    let members = groups[0]["members"].as_array().expect("members");
    assert_eq!(members[0]["doc"], "d0");
    assert_eq!(members[1]["doc"], "d2");
    assert_eq!(members[0]["similarity"], 1.0);
    let sim = members[1]["similarity"].as_f64().expect("similarity");
    assert!(sim > 0.7 && sim < 1.0, "similarity {sim}");
    assert_eq!(members[1]["text"], PARA_B);
    assert_eq!(r["stats"]["documents"], 3);
    assert_eq!(r["tool"]["name"], "dupscan");
    assert_eq!(r["params"]["seed"], 42);
}

#[test]
fn scope_cross_doc_hides_repeats_inside_one_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!("{PARA_A} {OTHER} {PARA_B}");
    let input = write_jsonl(dir.path(), "one.jsonl", &[&text]);
    let cross = dupscan()
        .args(["scan", "--format", "json", "-q"])
        .arg(&input)
        .assert()
        .success();
    assert_eq!(
        report(&cross.get_output().stdout)["groups"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let all = dupscan()
        .args(["scan", "--format", "json", "-q", "--scope", "all"])
        .arg(&input)
        .assert()
        .success();
    let r = report(&all.get_output().stdout);
    assert_eq!(r["groups"].as_array().map(Vec::len), Some(1), "{r:#}");
    assert_eq!(r["groups"][0]["documents"], 1);
}

#[test]
fn report_is_identical_for_one_and_four_threads() {
    let run = |threads: &str| {
        let out = dupscan()
            .args([
                "scan", "--format", "json", "-q", "--scope", "all", "-j", threads,
            ])
            .arg(data("corpus"))
            .assert()
            .success();
        report(&out.get_output().stdout)
    };
    let one = run("1");
    let four = run("4");
    assert!(
        !one["groups"].as_array().expect("groups").is_empty(),
        "data/ should have groups"
    );
    assert_eq!(
        serde_json::to_string(&one).expect("json"),
        serde_json::to_string(&four).expect("json")
    );
}

#[test]
fn parameters_out_of_range_exit_2_before_work() {
    for (flag, value, expect) in [
        ("--threshold", "0", "--threshold"),
        ("--threshold", "1.5", "--threshold"),
        ("--bands", "7", "does not divide"),
        ("--ngram", "0", "--ngram"),
        ("--num-perm", "0", "--num-perm"),
    ] {
        dupscan()
            .args(["scan", flag, value, "does-not-exist.jsonl"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(expect));
    }
}

#[test]
fn unreadable_input_names_the_path() {
    dupscan()
        .args(["scan", "-q", "no/such/file.jsonl"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/file.jsonl"));
}

#[test]
fn malformed_jsonl_names_path_and_line_or_is_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.jsonl");
    fs::write(
        &path,
        format!(
            "{}\n{{\"id\": 2, \"text\": \n{}\n",
            json_line(PARA_A),
            json_line(PARA_B)
        ),
    )
    .expect("write");
    dupscan()
        .args(["scan", "-q"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.jsonl:2"));
    let out = dupscan()
        .args(["scan", "-q", "--format", "json", "--skip-bad-lines"])
        .arg(&path)
        .assert()
        .success();
    let r = report(&out.get_output().stdout);
    assert_eq!(r["stats"]["bad_lines"], 1);
    assert_eq!(r["stats"]["documents"], 2);
}

fn json_line(text: &str) -> String {
    serde_json::json!({ "text": text }).to_string()
}

#[test]
fn missing_text_field_is_an_error_with_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nofield.jsonl");
    fs::write(&path, "{\"id\": 1, \"body\": \"x\"}\n").expect("write");
    dupscan()
        .args(["scan", "-q"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nofield.jsonl:1"));
    // The same file is fine with --text-field body.
    dupscan()
        .args(["scan", "-q", "--format", "json", "--text-field", "body"])
        .arg(&path)
        .assert()
        .success();
}

#[test]
fn invalid_utf8_is_replaced_counted_and_warned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("latin1.txt");
    let mut bytes = PARA_A.as_bytes().to_vec();
    bytes.extend_from_slice(b" caf\xe9 ");
    fs::write(&path, bytes).expect("write");
    let out = dupscan()
        .args(["scan", "--format", "json"])
        .arg(&path)
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("invalid UTF-8"));
    assert_eq!(report(&out.get_output().stdout)["stats"]["invalid_utf8"], 1);
}

#[test]
fn empty_input_gives_an_empty_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.jsonl");
    fs::write(&path, "").expect("write");
    let out = dupscan()
        .args(["scan", "-q", "--format", "json"])
        .arg(&path)
        .assert()
        .success();
    let r = report(&out.get_output().stdout);
    assert_eq!(r["stats"]["documents"], 0);
    assert_eq!(r["groups"].as_array().map(Vec::len), Some(0));
}

#[test]
fn binary_junk_does_not_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junk: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    fs::write(dir.path().join(".DS_Store.txt"), &junk).expect("write");
    fs::write(dir.path().join("junk.txt"), &junk).expect("write");
    fs::write(dir.path().join("junk2.txt"), &junk).expect("write");
    dupscan()
        .args(["scan", "-q", "--format", "json", "--unit", "paragraph"])
        .arg(dir.path())
        .assert()
        .success();
    dupscan()
        .args(["scan", "-q", "--format", "json"])
        .arg(dir.path())
        .assert()
        .success();
}

#[test]
fn reads_stdin() {
    let input = format!("{}\n{}\n", json_line(PARA_A), json_line(PARA_B));
    let out = dupscan()
        .args(["scan", "-q", "--format", "json", "-"])
        .write_stdin(input)
        .assert()
        .success();
    let r = report(&out.get_output().stdout);
    assert_eq!(r["stats"]["documents"], 2);
    assert_eq!(r["groups"].as_array().map(Vec::len), Some(1));
}

#[test]
fn jsonl_format_writes_header_then_groups_to_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write_jsonl(dir.path(), "c.jsonl", &[PARA_A, OTHER, PARA_B]);
    let out = dir.path().join("report.jsonl");
    dupscan()
        .args(["scan", "-q", "--format", "jsonl", "-o"])
        .arg(&out)
        .arg(&input)
        .assert()
        .success()
        .stdout("");
    let text = fs::read_to_string(&out).expect("report written");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["tool"]["name"], "dupscan");
    assert_eq!(lines[1]["size"], 2);
}

#[test]
fn text_format_is_a_readable_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write_jsonl(dir.path(), "c.jsonl", &[PARA_A, OTHER, PARA_B]);
    dupscan()
        .args(["scan", "-q", "--format", "text"])
        .arg(&input)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 groups").and(predicate::str::contains("rep  d0")));
}

#[test]
fn input_files_are_not_modified() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write_jsonl(dir.path(), "c.jsonl", &[PARA_A, OTHER, PARA_B]);
    let before = fs::read(&input).expect("read");
    dupscan()
        .args(["scan", "-q", "-o"])
        .arg(dir.path().join("r.json"))
        .arg(&input)
        .assert()
        .success();
    assert_eq!(fs::read(&input).expect("read"), before);
}

/// `--progress plain` (for logs): one line per stage when it ends, each
/// counting what the stage names, none at 0, and reading counted against
/// the input's size.
#[test]
fn plain_progress_names_every_stage_with_a_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write_jsonl(dir.path(), "c.jsonl", &[PARA_A, OTHER, PARA_B]);
    let size = fs::metadata(&input).expect("size").len();
    let out = dupscan()
        .args(["scan", "--format", "json", "--progress", "plain"])
        .arg(&input)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let ends: Vec<&str> = stderr.lines().filter(|l| l.contains(" done in ")).collect();
    let stages: Vec<&str> = ends
        .iter()
        .map(|l| {
            l.trim_start_matches("dupscan: ")
                .split(':')
                .next()
                .unwrap_or("")
        })
        .collect();
    assert_eq!(
        stages,
        [
            "reading",
            "segmenting",
            "fingerprinting",
            "signing",
            "banding",
            "verifying",
            "clustering",
            "writing"
        ],
        "{stderr}"
    );
    assert!(
        ends[0].starts_with(&format!("dupscan: reading: {size} B done in ")),
        "{stderr}"
    );
    for line in &ends[1..] {
        let count = line.split(": ").nth(2).and_then(|r| r.split(' ').next());
        assert!(
            count.is_some_and(|c| c != "0" && c.parse::<u64>().is_ok()),
            "a stage at 0 or without a count: {line}\n{stderr}"
        );
    }
    // Rates are whole numbers.
    assert!(
        !stderr.contains(".0/s") && !stderr.contains("e+"),
        "{stderr}"
    );
}

#[test]
fn quiet_overrides_progress_and_a_bad_progress_value_is_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write_jsonl(dir.path(), "c.jsonl", &[PARA_A, OTHER, PARA_B]);
    let out = dupscan()
        .args(["scan", "--format", "json", "--progress", "plain", "-q"])
        .arg(&input)
        .assert()
        .success();
    assert!(out.get_output().stderr.is_empty());
    dupscan()
        .args(["scan", "--progress", "fancy"])
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--progress"));
}

#[test]
fn json_to_a_file_is_compact_unless_pretty_and_the_same_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |name: &str, extra: &[&str]| -> Vec<u8> {
        let path = dir.path().join(name);
        dupscan()
            .args(["scan", "-q", "--scope", "all", "-o"])
            .arg(&path)
            .args(extra)
            .arg(data("corpus"))
            .assert()
            .success();
        fs::read(&path).expect("report")
    };
    let compact = run("compact.json", &[]);
    let pretty = run("pretty.json", &["--pretty"]);
    assert_eq!(compact.iter().filter(|&&b| b == b'\n').count(), 1);
    assert!(pretty.iter().filter(|&&b| b == b'\n').count() > 100);
    assert!(
        compact.len() < pretty.len(),
        "{} vs {}",
        compact.len(),
        pretty.len()
    );
    assert_eq!(report(&compact), report(&pretty));
    // Stdout stays indented.
    let out = dupscan()
        .args(["scan", "-q", "--scope", "all", "--format", "json"])
        .arg(data("corpus"))
        .output()
        .expect("run");
    assert!(out.stdout.starts_with(b"{\n  \"tool\""));
}

#[test]
fn no_text_leaves_member_texts_out_and_keeps_everything_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write_jsonl(dir.path(), "c.jsonl", &[PARA_A, OTHER, PARA_B]);
    let run = |extra: &[&str]| -> Value {
        let out = dupscan()
            .args(["scan", "-q", "--format", "json"])
            .args(extra)
            .arg(&input)
            .assert()
            .success();
        report(&out.get_output().stdout)
    };
    let full = run(&[]);
    let bare = run(&["--no-text"]);
    let members = |r: &Value| {
        r["groups"][0]["members"]
            .as_array()
            .expect("members")
            .clone()
    };
    assert_eq!(members(&full).len(), 2);
    for (f, b) in members(&full).iter().zip(members(&bare).iter()) {
        assert!(f["text"].is_string());
        assert!(b.get("text").is_none(), "{b}");
        let mut f = f.clone();
        f.as_object_mut().expect("object").remove("text");
        assert_eq!(&f, b);
    }
    dupscan()
        .args(["scan", "-q", "--format", "text", "--no-text"])
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--no-text"));
}

/// `--sort` orders the text report's groups; `similarity` puts the lowest
/// minimum similarity first, `size` the largest group first.
#[test]
fn text_report_sorts_groups_as_asked() {
    let groups = |sort: &str| -> Vec<(u64, f64)> {
        let out = dupscan()
            .args([
                "scan", "-q", "--scope", "all", "--format", "text", "--sort", sort,
            ])
            .arg(data("corpus"))
            .assert()
            .success();
        String::from_utf8_lossy(&out.get_output().stdout)
            .lines()
            .filter_map(|l| {
                let rest = l.strip_prefix("group ")?;
                let (_, rest) = rest.split_once(": ")?;
                let size = rest.split(' ').next()?.parse().ok()?;
                let sim = rest.rsplit(' ').next()?.parse().ok()?;
                Some((size, sim))
            })
            .collect()
    };
    let by_sim = groups("similarity");
    assert!(by_sim.len() > 3);
    assert!(by_sim.windows(2).all(|w| w[0].1 <= w[1].1), "{by_sim:?}");
    let by_size = groups("size");
    assert!(by_size.windows(2).all(|w| w[0].0 >= w[1].0), "{by_size:?}");
    assert_ne!(by_sim, by_size);
}
