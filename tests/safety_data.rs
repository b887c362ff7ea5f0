//! Data safety (issue #8): dedup keeps every byte it does not cut (invalid
//! UTF-8, JSON escapes, lone surrogates), refuses to write from an input that
//! changed after it was read, reads lone surrogate escapes instead of
//! stopping, and keeps ids as their JSON text.

// Not every test file uses every shared helper.
#[allow(dead_code)]
mod common;

use std::fs;
use std::path::Path;

use serde_json::Value;

use common::dupscan;

use dupscan::config::{ScanConfig, ScanParams, UnitKind};
use dupscan::dedup::{self, DedupOptions, Emptied, Keep, Mode, Overwrite};
use dupscan::progress::Silent;

// Sentences of at least six words (the default --min-tokens at sentence level).
const S1: &str =
    "The harbour authority said on Monday that the container terminal would reopen next week.";
const S2: &str =
    "A local bakery won the regional prize for its rye bread, beating forty other entries.";
const S3: &str =
    "Voters in the northern district will choose a new mayor when the spring elections come.";

/// Runs `dupscan dedup -q ARGS INPUTS --out OUT`.
fn dedup_cmd(inputs: &[&Path], out: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    dupscan()
        .arg("dedup")
        .arg("-q")
        .args(args)
        .args(inputs)
        .arg("--out")
        .arg(out)
        .assert()
}

/// `bytes` with the first occurrence of `cut` removed; panics if absent.
fn without(bytes: &[u8], cut: &[u8]) -> Vec<u8> {
    let at = bytes
        .windows(cut.len())
        .position(|w| w == cut)
        .expect("the cut is in the input");
    [&bytes[..at], &bytes[at + cut.len()..]].concat()
}

/// Every file name under `dir`, hidden ones included.
fn names(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

// Item 3: a cut keeps every byte it does not remove.

#[test]
fn a_latin1_text_file_keeps_its_bytes_around_a_cut() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("a.txt");
    fs::write(&first, format!("{S1}\n")).expect("write");
    let latin1 = dir.path().join("b.txt");
    let before = b"Le caf\xe9 du march\xe9 ouvre tous les jours \xe0 sept heures du matin.";
    let after = b"Les cr\xeapes y co\xfbtent deux euros et se vendent tr\xe8s bien.\n";
    let original = [&before[..], b" ", S1.as_bytes(), b" ", after].concat();
    fs::write(&latin1, &original).expect("write");
    let out = dir.path().join("out");
    dedup_cmd(&[&first, &latin1], &out, &[]).success();
    let expected = without(&original, format!("{S1} ").as_bytes());
    assert_eq!(
        fs::read(out.join("b.txt")).expect("output"),
        expected,
        "every byte not cut is kept, invalid UTF-8 included"
    );
    assert_eq!(
        fs::read_to_string(out.join("a.txt")).expect("output"),
        format!("{S1}\n")
    );
}

#[test]
fn a_jsonl_record_keeps_raw_bytes_and_escapes_around_a_cut() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    // Record 2 holds raw Latin-1 bytes and escapes that a re-encoding would
    // change (\u00e9, \/, \u2028, a surrogate pair).
    let kept = br#"Caf\u00e9 \/ cr\u00eape\u2028 \ud83d\ude00 and \"quotes\" stay as written."#;
    let latin1 = b" Le march\xe9 est ouvert le dimanche matin jusqu'\xe0 midi.";
    let line2 = [
        &br#"{"id":"b","text":""#[..],
        kept,
        b" ",
        S1.as_bytes(),
        latin1,
        br#"","n":1}"#,
    ]
    .concat();
    let original = [
        format!("{{\"id\":\"a\",\"text\":\"{S1}\"}}\n").as_bytes(),
        &line2,
        b"\r\n",
        format!("{{\"id\":\"c\",\"text\":\"{S2}\"}}\n").as_bytes(),
    ]
    .concat();
    fs::write(&input, &original).expect("write");
    let out = dir.path().join("out");
    dedup_cmd(&[&input], &out, &[]).success();
    let expected = without(&original, format!(" {S1}").as_bytes());
    assert_eq!(fs::read(out.join("in.jsonl")).expect("output"), expected);
}

// Item 5: an input that changed between the scan and the write is an error.

fn scan_for_dedup(input: &Path, out: &Path) -> (dupscan::pipeline::Scan, dedup::Prepared) {
    let opts = DedupOptions {
        out: out.to_path_buf(),
        keep: Keep::First,
        mode: Mode::Remove,
        overwrite: Overwrite::Refuse,
        emptied: Emptied::Keep,
        html: false,
        report: dupscan::dedup::DedupReport::Full,
    };
    let config = ScanConfig::new(ScanParams::new(
        vec![input.to_path_buf()],
        UnitKind::Sentence,
    ))
    .expect("valid");
    let job = dedup::prepare(config, &opts).expect("prepare");
    (
        dupscan::pipeline::run(&job.config, &Silent).expect("scan"),
        job,
    )
}

/// Rewrites `path` with `bytes` (the same length) and puts its modification
/// time back, so only its content tells the change.
fn change_in_place(path: &Path, bytes: &[u8]) {
    let modified = fs::metadata(path).expect("stat").modified().expect("mtime");
    assert_eq!(fs::metadata(path).expect("stat").len(), bytes.len() as u64);
    fs::write(path, bytes).expect("rewrite");
    fs::File::options()
        .write(true)
        .open(path)
        .expect("open")
        .set_modified(modified)
        .expect("set mtime");
}

fn assert_changed_and_nothing_written(input: &Path, out: &Path, err: &dupscan::Error) {
    let message = err.to_string();
    assert!(
        matches!(err, dupscan::Error::Changed { path, .. } if path == input),
        "{err:?}"
    );
    assert!(message.contains("changed after it was read"), "{message}");
    assert_eq!(err.exit_code(), 2);
    // No output under the input's name, no temporary file, no summary
    // (the output directory may hold dupscan's own bookkeeping).
    let left = if out.exists() { names(out) } else { Vec::new() };
    let name = input.file_name().expect("name").to_string_lossy();
    assert!(
        !left.iter().any(|n| *n == name || n.ends_with(".tmp")),
        "{left:?}"
    );
    assert!(!out.join(".dupscan/summary.json").exists());
}

#[test]
fn a_jsonl_input_changed_in_place_after_the_scan_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    let original = format!(
        "{{\"id\":1,\"text\":\"{S1}\"}}\n{{\"id\":2,\"text\":\"{S1} {S2}\"}}\n{{\"id\":3,\"text\":\"{S3}\"}}\n"
    );
    fs::write(&input, &original).expect("write");
    let out = dir.path().join("out");
    let (scan, job) = scan_for_dedup(&input, &out);
    // A unique record changes to other text of the same length.
    change_in_place(&input, original.replace("Voters", "Hunter").as_bytes());
    let err = job.run(&scan).expect_err("the input changed");
    assert_changed_and_nothing_written(&input, &out, &err);
}

#[test]
fn an_untouched_input_changed_in_place_after_the_scan_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.txt");
    let original = format!("{S1}\n\n{S2}\n");
    fs::write(&input, &original).expect("write");
    let out = dir.path().join("out");
    let (scan, job) = scan_for_dedup(&input, &out);
    change_in_place(&input, original.replace("bakery", "butler").as_bytes());
    let err = job.run(&scan).expect_err("the input changed");
    assert_changed_and_nothing_written(&input, &out, &err);
}

#[test]
fn a_text_input_changed_in_place_after_the_scan_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.txt");
    let original = format!("{S1} {S2} {S1}\n");
    fs::write(&input, &original).expect("write");
    let out = dir.path().join("out");
    let (scan, job) = scan_for_dedup(&input, &out);
    change_in_place(&input, original.replacen("bakery", "butler", 1).as_bytes());
    let err = job.run(&scan).expect_err("the input changed");
    assert_changed_and_nothing_written(&input, &out, &err);
}

// Item 12: lone surrogate escapes are read as U+FFFD, warned about and counted.

fn json_file(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).expect("read")).expect("JSON")
}

#[test]
fn lone_surrogates_are_replaced_counted_and_warned_about() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    fs::write(
        &input,
        format!(
            "{{\"id\":\"a\",\"text\":\"Lone \\ud800 high and \\udc00 low. {S1}\"}}\n\
             {{\"id\":\"b\\udfff\",\"text\":\"{S1}\",\"x\":\"\\ud83d\\ude00\"}}\n\
             {{\"id\":\"c\",\"text\":\"A pair \\ud83d\\ude00 is fine. {S2}\"}}\n"
        ),
    )
    .expect("write");
    let report = dir.path().join("report.json");
    dupscan()
        .args(["scan", "--scope", "all", "-o"])
        .arg(&report)
        .arg(&input)
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "2 documents had lone surrogate escapes",
        ));
    let report = json_file(&report);
    assert_eq!(report["stats"]["lone_surrogates"], 2);
    assert_eq!(report["stats"]["documents"], 3);
    let members = &report["groups"][0]["members"];
    assert_eq!(members[0]["doc"], "a");
    assert_eq!(members[1]["doc"], "b\u{fffd}");
}

#[test]
fn dedup_keeps_a_lone_surrogate_escape_around_a_cut() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    let original = format!(
        "{{\"id\":\"a\",\"text\":\"{S1}\"}}\n\
         {{\"id\":\"b\",\"text\":\"Lone \\ud800 and \\udfff stay as Python wrote them. {S1}\"}}\n"
    );
    fs::write(&input, &original).expect("write");
    let out = dir.path().join("out");
    dedup_cmd(&[&input], &out, &[]).success();
    let expected = without(original.as_bytes(), format!(" {S1}").as_bytes());
    assert_eq!(
        fs::read_to_string(out.join("in.jsonl")).expect("output"),
        String::from_utf8(expected).expect("UTF-8")
    );
}

// Item 16: ids keep their JSON text; shared ids are warned about.

#[test]
fn big_numeric_ids_stay_distinct_in_the_report_and_in_annotations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    fs::write(
        &input,
        format!(
            "{{\"id\":12345678901234567890123,\"text\":\"{S1}\"}}\n\
             {{\"id\":12345678901234567890124,\"text\":\"{S1}\"}}\n\
             {{\"id\":1.50,\"text\":\"{S2}\"}}\n"
        ),
    )
    .expect("write");
    let report = dir.path().join("report.json");
    dupscan()
        .args(["scan", "-q", "-o"])
        .arg(&report)
        .arg(&input)
        .assert()
        .success();
    let report = json_file(&report);
    let docs: Vec<&Value> = report["groups"][0]["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| &m["doc"])
        .collect();
    assert_eq!(docs, ["12345678901234567890123", "12345678901234567890124"]);
    assert_eq!(report["stats"]["duplicate_ids"], 0);

    let out = dir.path().join("out");
    dedup_cmd(&[&input], &out, &["--annotate", "--unit", "document"]).success();
    let lines: Vec<Value> = fs::read_to_string(out.join("in.jsonl"))
        .expect("output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines[1]["dupscan"]["of"], "12345678901234567890123");
    let raw = fs::read_to_string(out.join("in.jsonl")).expect("output");
    assert!(raw.contains("{\"id\":1.50,"), "ids are copied as written");
}

#[test]
fn shared_ids_are_warned_about_and_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    fs::write(
        &input,
        format!(
            "{{\"id\":7,\"text\":\"{S1}\"}}\n{{\"id\":\"7\",\"text\":\"{S2}\"}}\n\
             {{\"id\":7,\"text\":\"{S3}\"}}\n{{\"text\":\"{S3}\"}}\n"
        ),
    )
    .expect("write");
    let report = dir.path().join("report.json");
    dupscan()
        .args(["scan", "-o"])
        .arg(&report)
        .arg(&input)
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "2 documents have an id an earlier document already has",
        ));
    assert_eq!(json_file(&report)["stats"]["duplicate_ids"], 2);
}
