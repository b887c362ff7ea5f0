//! `dupscan dedup`: round trips, removal and mending, annotations, output
//! safety, determinism, and the invariant that every input unit is either in
//! the output or a reported duplicate of a unit that is.

mod common;

use std::collections::HashMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use proptest::prelude::*;
use serde_json::Value;

use common::{data, dupscan};

use dupscan::config::{ScanConfig, ScanParams, SpanPath, UnitKind};
use dupscan::corpus::{ReadOptions, read_inputs};
use dupscan::dedup::{self, DedupOptions, Emptied, Keep, Mode, Overwrite};
use dupscan::progress::Silent;
use dupscan::shingle::{Shingler, jaccard};

// Sentences of at least six words (the default --min-tokens at sentence level).
const S1: &str =
    "The harbour authority said on Monday that the container terminal would reopen next week.";
const S2: &str =
    "A local bakery won the regional prize for its rye bread, beating forty other entries.";
const S3: &str =
    "Voters in the northern district will choose a new mayor when the spring elections come.";
const S4: &str =
    "Fishermen complained that the new quotas would cut their catch by almost a third.";
const S5: &str =
    "The museum will stay open until midnight on Friday to celebrate its hundredth year.";
const S6: &str =
    "Engineers found a crack in the old bridge during a routine inspection last month.";
const S7: &str =
    "The orchestra announced a free concert in the park for the first weekend of June.";
const S8: &str =
    "Two students from the valley school reached the final of the national science fair.";
const S9: &str =
    "Residents of the island asked the ferry company to add an evening crossing in winter.";

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).expect("zstd")
}

/// The decompressed bytes of `path`, by its extension; panics if the file is
/// not in that format.
fn read_plain(path: &Path) -> Vec<u8> {
    let raw = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    match path.extension().and_then(|e| e.to_str()) {
        Some("gz") => {
            flate2::read::MultiGzDecoder::new(&raw[..])
                .read_to_end(&mut out)
                .expect("output is gzip");
        }
        Some("zst") => out = zstd::decode_all(&raw[..]).expect("output is zstd"),
        _ => out = raw,
    }
    out
}

fn record(id: &str, text: &str) -> String {
    serde_json::json!({"id": id, "text": text}).to_string()
}

fn jsonl(records: &[(&str, &str)]) -> String {
    records.iter().map(|(id, t)| record(id, t) + "\n").collect()
}

/// Runs `dupscan dedup -q ARGS INPUTS --out OUT` and returns the assertion.
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

/// The text fields of a JSONL output, by id.
fn texts(bytes: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("output line is JSON");
            (
                v["id"].as_str().expect("id").to_owned(),
                v["text"].as_str().expect("text").to_owned(),
            )
        })
        .collect()
}

/// Every file under `dir` (relative path → bytes), hidden entries included.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for entry in fs::read_dir(dir).expect("list") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root").to_path_buf();
                out.push((rel, fs::read(&path).expect("read")));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn a_corpus_without_duplicates_comes_back_byte_identical() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    fs::create_dir_all(input.join("sub")).expect("mkdir");
    let odd = format!(
        "\u{feff}{{ \"id\" : \"a1\", \"text\": \"{S1}\", \"meta\": {{\"text\": \"x\"}} }}\r\n\n{}\r\n",
        record(
            "a2",
            "Caf\u{e9} \u{201c}quoted\u{201d} text with escapes \\\" and \n newlines."
        )
    );
    fs::write(input.join("a.jsonl"), &odd).expect("write");
    fs::write(
        input.join("b.jsonl.gz"),
        gzip(jsonl(&[("b1", S2)]).as_bytes()),
    )
    .expect("write");
    fs::write(
        input.join("sub/c.jsonl.zst"),
        zstd(jsonl(&[("c1", S3)]).as_bytes()),
    )
    .expect("write");
    fs::write(input.join("d.txt"), format!("{S4}\n")).expect("write");
    fs::write(input.join("e.txt.gz"), gzip(S5.as_bytes())).expect("write");
    fs::write(
        input.join("sub/f.txt.zst"),
        zstd(b"Short words only here.\n\n"),
    )
    .expect("write");
    fs::write(input.join("g.txt"), "").expect("write");
    let out = dir.path().join("out");

    for unit in ["sentence", "paragraph", "document"] {
        let out = out.join(unit);
        dedup_cmd(&[&input], &out, &["--unit", unit]).success();
        let got = tree(&out);
        let corpus: Vec<_> = got
            .iter()
            .filter(|(p, _)| !p.starts_with(".dupscan"))
            .collect();
        let expected = tree(&input);
        assert_eq!(corpus.len(), expected.len(), "{unit}: {got:?}");
        for ((p, bytes), (q, original)) in corpus.iter().zip(&expected) {
            assert_eq!(p, q);
            assert_eq!(
                read_plain(&out.join(p)),
                read_plain(&input.join(q)),
                "{unit}: {}",
                p.display()
            );
            assert_eq!(bytes, original, "unchanged files are copied as they are");
        }
        let report: Value =
            serde_json::from_slice(&fs::read(out.join(".dupscan/report.json")).expect("report"))
                .expect("report is JSON");
        assert_eq!(report["groups"].as_array().map(Vec::len), Some(0));
        assert_eq!(report["params"]["scope"], "all");
        let summary: Value =
            serde_json::from_slice(&fs::read(out.join(".dupscan/summary.json")).expect("summary"))
                .expect("summary is JSON");
        assert_eq!(summary["units_removed"], 0);
        assert_eq!(summary["files_written"], 7);
    }
}

#[cfg(unix)]
#[test]
fn outputs_keep_their_source_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    fs::write(&input, jsonl(&[("1", S1), ("2", S1), ("3", S2)])).expect("write");
    let other = dir.path().join("other.jsonl");
    fs::write(&other, jsonl(&[("4", S3)])).expect("write");
    for p in [&input, &other] {
        fs::set_permissions(p, fs::Permissions::from_mode(0o640)).expect("chmod");
    }
    let out = dir.path().join("out");
    dedup_cmd(&[&input, &other], &out, &["--unit", "document"]).success();
    for name in ["in.jsonl", "other.jsonl"] {
        let mode = fs::metadata(out.join(name))
            .expect("written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640, "{name}");
    }
}

#[test]
fn document_level_drops_the_later_copy_and_keeps_other_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("docs.jsonl");
    let body = format!(
        "{}\n\n{}\nnot json at all\n{}\n{}",
        record("d0", &format!("{S1} {S2}")),
        record("d1", S3),
        record("d2", &format!("{S1} {S2}")),
        record("d3", S4),
    );
    fs::write(&input, &body).expect("write");
    let out = dir.path().join("out");
    dedup_cmd(&[&input], &out, &["--unit", "document", "--skip-bad-lines"]).success();
    let got = fs::read_to_string(out.join("docs.jsonl")).expect("written");
    let expected = format!(
        "{}\n\n{}\nnot json at all\n{}",
        record("d0", &format!("{S1} {S2}")),
        record("d1", S3),
        record("d3", S4),
    );
    assert_eq!(got, expected);
}

#[test]
fn whole_file_duplicates_are_not_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    fs::create_dir(&input).expect("mkdir");
    fs::write(input.join("a.txt"), format!("{S1}\n\n{S2}\n")).expect("write");
    fs::write(
        input.join("b.txt.gz"),
        gzip(format!("{S1}\n\n{S2}\n").as_bytes()),
    )
    .expect("write");
    fs::write(input.join("c.txt"), format!("{S3}\n")).expect("write");
    let out = dir.path().join("out");
    dedup_cmd(&[&input], &out, &["--unit", "document"]).success();
    assert!(out.join("a.txt").exists() && out.join("c.txt").exists());
    assert!(
        !out.join("b.txt.gz").exists(),
        "the duplicate file is left out"
    );
    let summary: Value =
        serde_json::from_slice(&fs::read(out.join(".dupscan/summary.json")).expect("summary"))
            .expect("JSON");
    assert_eq!(summary["files_written"], 2);
    assert_eq!(summary["documents_dropped"], 1);
}

#[test]
fn sentence_cuts_mend_whitespace_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    fs::create_dir(&input).expect("mkdir");
    // a.jsonl holds the originals; the later files repeat them.
    fs::write(
        input.join("a.jsonl"),
        jsonl(&[("a", &format!("{S2} {S4}"))]),
    )
    .expect("write");
    let b = jsonl(&[
        ("mid", &format!("{S1} {S2} {S3}")),
        ("first", &format!("{S2} {S6}")),
        ("last", &format!("{S7}\n\n{S8} {S4}")),
        ("all", &format!("{S2}\n\n{S4}")),
    ]);
    fs::write(input.join("b.jsonl.gz"), gzip(b.as_bytes())).expect("write");
    let c = format!("{S5}\n\n{S2}\n\n{S9} {S4}\n");
    fs::write(input.join("c.txt.zst"), zstd(c.as_bytes())).expect("write");
    let out = dir.path().join("out");
    dedup_cmd(&[&input], &out, &[]).success();

    let b = texts(&read_plain(&out.join("b.jsonl.gz")));
    let expected = [
        ("mid", format!("{S1} {S3}")),
        ("first", S6.to_owned()),
        ("last", format!("{S7}\n\n{S8}")),
    ];
    let expected: Vec<(String, String)> = expected
        .into_iter()
        .map(|(id, t)| (id.to_owned(), t))
        .collect();
    assert_eq!(b, expected, "\"all\" is left empty and dropped");
    let c = String::from_utf8(read_plain(&out.join("c.txt.zst"))).expect("UTF-8");
    assert_eq!(c, format!("{S5}\n\n{S9}\n"));
}

#[test]
fn paragraph_cuts_remove_their_separator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    let p1 = format!("{S1} {S2}");
    let p2 = format!("{S3} {S4}");
    fs::write(
        &input,
        jsonl(&[
            ("a", &p2),
            ("b", &format!("Headline\n\n{p1}\n\n{p2}\n\n{S5}\n")),
        ]),
    )
    .expect("write");
    let out = dir.path().join("out");
    dedup_cmd(
        &[&input],
        &out,
        &["--unit", "paragraph", "--min-tokens", "1"],
    )
    .success();
    let got = texts(&fs::read(out.join("in.jsonl")).expect("written"));
    assert_eq!(got[1].1, format!("Headline\n\n{p1}\n\n{S5}\n"));
}

#[test]
fn record_bytes_other_than_the_text_value_are_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    let original = format!(
        "{{\"id\":\"x\",\"text\":\"{S1}\"}}\n{{\"n\": 1.50, \"text\" :  \"{S2} {S1}\" ,\"meta\":{{\"text\":\"{S1}\"}}, \"id\":\"y\"}}  \r\n"
    );
    fs::write(&input, &original).expect("write");
    let out = dir.path().join("out");
    dedup_cmd(&[&input], &out, &[]).success();
    let got = fs::read_to_string(out.join("in.jsonl")).expect("written");
    let expected = original.replace(&format!("\"{S2} {S1}\""), &format!("\"{S2}\""));
    assert_ne!(expected, original);
    assert_eq!(got, expected);
}

#[test]
fn a_chain_keeps_its_far_end() {
    // a~b and b~c reach the threshold, a~c (0.60) does not: one group (dedup
    // groups by components, whatever --groups says), but c duplicates
    // nothing that is kept, so only b goes.
    let a = "The harbour authority said on Monday that the old container terminal would reopen next week after repairs.";
    let b = "The harbour authority said on Monday that the old container terminal would close next week after repairs.";
    let c = "The harbour authority said on Friday that the old container terminal would close next month after repairs.";
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    fs::write(&input, jsonl(&[("a", a), ("b", b), ("c", c)])).expect("write");
    for groups in ["stars", "components"] {
        let out = dir.path().join(groups);
        dedup_cmd(&[&input], &out, &["--groups", groups]).success();
        let report: Value =
            serde_json::from_slice(&fs::read(out.join(".dupscan/report.json")).expect("report"))
                .expect("JSON");
        assert_eq!(
            report["groups"].as_array().map(Vec::len),
            Some(1),
            "{groups}"
        );
        assert_eq!(report["groups"][0]["size"], 3, "{groups}");
        assert!(
            report["groups"][0]["min_similarity"].as_f64() < Some(0.7),
            "{groups}"
        );
        let kept: Vec<String> = texts(&fs::read(out.join("in.jsonl")).expect("output"))
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(kept, ["a", "c"], "{groups}");
    }
}

#[test]
fn drop_emptied_leaves_out_documents_reduced_to_short_units() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    let story = format!("{S1}\n Reuter\n");
    fs::write(
        &input,
        jsonl(&[
            ("1", &story),
            ("2", &story),
            ("3", &format!("{S2}\n Reuter\n")),
        ]),
    )
    .expect("write");
    let kept = dir.path().join("kept");
    dedup_cmd(&[&input], &kept, &[]).success();
    let ids = |out: &Path| -> Vec<(String, String)> {
        texts(&fs::read(out.join("in.jsonl")).expect("output"))
    };
    assert_eq!(ids(&kept)[1], ("2".to_owned(), "Reuter\n".to_owned()));
    let dropped = dir.path().join("dropped");
    dedup_cmd(&[&input], &dropped, &["--drop-emptied"]).success();
    let left: Vec<String> = ids(&dropped).into_iter().map(|(id, _)| id).collect();
    assert_eq!(left, ["1", "3"]);
    let summary: Value =
        serde_json::from_slice(&fs::read(dropped.join(".dupscan/summary.json")).expect("summary"))
            .expect("JSON");
    assert_eq!(summary["documents_emptied"], 1, "{summary}");
    assert_eq!(summary["documents_dropped"], 1, "{summary}");
}

#[test]
fn keep_longest_keeps_the_longest_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    let short = format!("{S1} {S2} {S3} {S4}");
    let long = format!("{S1} {S2} {S3} {S4} It rained.");
    fs::write(
        &input,
        jsonl(&[("short", &short), ("long", &long), ("other", S5)]),
    )
    .expect("write");
    let ids = |keep: &str| {
        let out = dir.path().join(keep);
        dedup_cmd(&[&input], &out, &["--unit", "document", "--keep", keep]).success();
        let got = texts(&fs::read(out.join("in.jsonl")).expect("written"));
        got.into_iter().map(|(id, _)| id).collect::<Vec<_>>()
    };
    assert_eq!(ids("first"), ["short", "other"]);
    assert_eq!(ids("longest"), ["long", "other"]);
}

/// Splits an annotated line into the line without the added field and the
/// field's value.
fn strip_annotation(line: &str) -> (String, Option<Value>) {
    let Some(pos) = line.rfind(",\"dupscan\":") else {
        return (line.to_owned(), None);
    };
    let close = line.rfind('}').expect("closing brace");
    let value = serde_json::from_str(&line[pos + ",\"dupscan\":".len()..close]).expect("note");
    (format!("{}{}", &line[..pos], &line[close..]), Some(value))
}

#[test]
fn annotate_keeps_every_record_byte_for_byte_apart_from_the_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl.gz");
    let original = format!(
        "{}\n{{ \"id\": \"b\", \"text\": \"{S3} {S1} {S2}\", \"tags\": [\"}}\"] }} \r\n\n{}\n{}",
        record("a", &format!("{S1} {S2}")),
        record("c", S4),
        record("d", &format!("{S1} {S2}")),
    );
    fs::write(&input, gzip(original.as_bytes())).expect("write");

    for unit in ["sentence", "document"] {
        let out = dir.path().join(unit);
        dedup_cmd(&[&input], &out, &["--annotate", "--unit", unit]).success();
        let got = String::from_utf8(read_plain(&out.join("in.jsonl.gz"))).expect("UTF-8");
        let report: Value =
            serde_json::from_slice(&fs::read(out.join(".dupscan/report.json")).expect("report"))
                .expect("JSON");
        let groups = report["groups"].as_array().expect("groups");
        assert!(!groups.is_empty());

        let mut notes = HashMap::new();
        let mut stripped = String::new();
        for line in got.split_inclusive('\n') {
            let (rest, note) = strip_annotation(line);
            stripped.push_str(&rest);
            if let Some(note) = note {
                let id: Value = serde_json::from_str::<Value>(&rest).expect("JSON")["id"].clone();
                notes.insert(id.as_str().expect("id").to_owned(), note);
            }
        }
        assert_eq!(stripped, original, "{unit}");

        if unit == "sentence" {
            assert_eq!(notes.len(), 2, "{notes:?}");
            // b loses S1 and S2 to a; d loses both too.
            for id in ["b", "d"] {
                let removed = notes[id]["removed"].as_array().expect("removed");
                assert_eq!(removed.len(), 2, "{id}: {removed:?}");
                for r in removed {
                    assert_eq!(r["of"], "a");
                    let g = &groups[r["group"].as_u64().expect("group") as usize];
                    assert_eq!(g["members"][0]["doc"], "a");
                    assert!(g["members"].as_array().expect("members").iter().any(|m| {
                        m["doc"] == id && m["start"] == r["start"] && m["end"] == r["end"]
                    }));
                }
            }
        } else {
            assert_eq!(notes.len(), 2, "{notes:?}");
            assert_eq!(
                notes["a"],
                serde_json::json!({"group": 0, "duplicate": false})
            );
            assert_eq!(
                notes["d"],
                serde_json::json!({"group": 0, "duplicate": true, "of": "a"})
            );
            assert_eq!(groups[0]["members"][1]["doc"], "d");
        }
    }
}

#[test]
fn annotate_refuses_records_that_already_have_the_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    fs::write(
        &input,
        format!("{}\n{{\"text\":\"{S2}\",\"dupscan\":1}}\n", record("a", S1)),
    )
    .expect("write");
    let out = dir.path().join("out");
    dedup_cmd(&[&input], &out, &["--annotate"])
        .code(2)
        .stderr(predicate::str::contains(format!("{}:2:", input.display())))
        .stderr(predicate::str::contains("\"dupscan\""));
    assert!(!out.join("in.jsonl").exists());
}

#[test]
fn annotate_refuses_text_inputs_before_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("a.txt");
    fs::write(&input, S1).expect("write");
    let out = dir.path().join("out");
    dedup_cmd(&[&input], &out, &["--annotate"])
        .code(2)
        .stderr(predicate::str::contains("a.txt is a text file"));
    assert!(!out.exists());
}

#[test]
fn out_inside_an_input_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    fs::create_dir(&input).expect("mkdir");
    fs::write(input.join("a.jsonl"), jsonl(&[("1", S1), ("2", S1)])).expect("write");
    let before = tree(&input);
    for out in [input.join("clean"), input.clone(), input.join("x/../y")] {
        dedup_cmd(&[&input], &out, &["--force"])
            .code(2)
            .stderr(predicate::str::contains("inside the input directory"));
    }
    // Through a symbolic link too.
    #[cfg(unix)]
    {
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&input, &link).expect("symlink");
        dedup_cmd(&[&input], &link.join("clean"), &[])
            .code(2)
            .stderr(predicate::str::contains("inside the input directory"));
    }
    assert_eq!(tree(&input), before);
}

#[test]
fn writing_over_an_input_file_is_refused_even_with_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("a.jsonl");
    fs::write(&input, jsonl(&[("1", S1), ("2", S1)])).expect("write");
    let before = fs::read(&input).expect("read");
    dedup_cmd(&[&input], dir.path(), &["--force"])
        .code(2)
        .stderr(predicate::str::contains("write over the input"));
    assert_eq!(fs::read(&input).expect("read"), before);
    assert!(!dir.path().join(".dupscan").exists());
}

#[test]
fn two_inputs_with_one_output_path_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    for sub in ["x", "y"] {
        fs::create_dir(dir.path().join(sub)).expect("mkdir");
        fs::write(dir.path().join(sub).join("a.jsonl"), jsonl(&[(sub, S1)])).expect("write");
    }
    let out = dir.path().join("out");
    dedup_cmd(
        &[&dir.path().join("x/a.jsonl"), &dir.path().join("y/a.jsonl")],
        &out,
        &[],
    )
    .code(2)
    .stderr(predicate::str::contains("would both be written"));
    assert!(!out.exists());
}

#[test]
fn a_non_empty_out_needs_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("a.jsonl");
    fs::write(&input, jsonl(&[("1", S1), ("2", S1)])).expect("write");
    let out = dir.path().join("out");
    fs::create_dir(&out).expect("mkdir");
    fs::write(out.join("keep.me"), "old").expect("write");
    dedup_cmd(&[&input], &out, &["--unit", "document"])
        .code(2)
        .stderr(predicate::str::contains("not empty").and(predicate::str::contains("--force")));
    assert_eq!(tree(&out), [(PathBuf::from("keep.me"), b"old".to_vec())]);

    dedup_cmd(&[&input], &out, &["--unit", "document", "--force"]).success();
    assert_eq!(fs::read(out.join("keep.me")).expect("kept"), b"old");
    assert_eq!(
        fs::read_to_string(out.join("a.jsonl")).expect("written"),
        jsonl(&[("1", S1)])
    );

    let file = dir.path().join("file");
    fs::write(&file, "").expect("write");
    dedup_cmd(&[&input], &file, &["--force"])
        .code(2)
        .stderr(predicate::str::contains("not a directory"));
}

#[test]
fn stdin_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    dupscan()
        .args(["dedup", "-q", "-", "--out"])
        .arg(&out)
        .write_stdin(jsonl(&[("1", S1)]))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("stdin"));
    assert!(!out.exists());
}

#[test]
fn reference_removes_matching_units_and_is_not_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bench = dir.path().join("bench.jsonl");
    let question = "Which river flows through the capital city and empties into the northern sea?";
    let bench_bytes = jsonl(&[("q1", question), ("q2", S9)]);
    fs::write(&bench, &bench_bytes).expect("write");
    let corpus = dir.path().join("corpus");
    fs::create_dir(&corpus).expect("mkdir");
    let leaked = question.replace("capital city", "Capital City");
    fs::write(
        corpus.join("web.jsonl"),
        jsonl(&[
            ("w1", &format!("{S1} {leaked} {S2}")),
            ("w2", &format!("{S3} {S4}")),
            // A repeat inside the corpus that is not in the reference stays.
            ("w3", &format!("{S3} {S5}")),
        ]),
    )
    .expect("write");
    let out = dir.path().join("clean");
    dedup_cmd(
        &[&corpus],
        &out,
        &["--reference", bench.to_str().expect("UTF-8 path")],
    )
    .success();
    assert_eq!(fs::read(&bench).expect("reference"), bench_bytes.as_bytes());
    let files: Vec<PathBuf> = tree(&out)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| !p.starts_with(".dupscan"))
        .collect();
    assert_eq!(files, [PathBuf::from("web.jsonl")]);
    let texts = texts(&fs::read(out.join("web.jsonl")).expect("output"));
    assert_eq!(
        texts,
        [
            ("w1".to_owned(), format!("{S1} {S2}")),
            ("w2".to_owned(), format!("{S3} {S4}")),
            ("w3".to_owned(), format!("{S3} {S5}")),
        ]
    );
    let summary: Value =
        serde_json::from_slice(&fs::read(out.join(".dupscan/summary.json")).expect("summary"))
            .expect("JSON");
    assert_eq!(summary["units_removed"], 1, "{summary}");
    assert_eq!(summary["documents"], 3, "{summary}");
    let report: Value =
        serde_json::from_slice(&fs::read(out.join(".dupscan/report.json")).expect("report"))
            .expect("JSON");
    assert_eq!(report["contamination"]["contaminated_documents"], 1);

    // The output may not land in the reference's directory either.
    let inside = dir.path().join("refdir");
    fs::create_dir(&inside).expect("mkdir");
    fs::copy(&bench, inside.join("bench.jsonl")).expect("copy");
    dedup_cmd(
        &[&corpus],
        &inside.join("out"),
        &["--reference", inside.to_str().expect("UTF-8 path")],
    )
    .code(2)
    .stderr(predicate::str::contains("inside the input directory"));
}

#[test]
fn output_does_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |threads: &str, unit: &str| {
        let out = dir.path().join(format!("{unit}-{threads}"));
        dedup_cmd(&[&data("corpus")], &out, &["-j", threads, "--unit", unit]).success();
        let mut summary: Value =
            serde_json::from_slice(&fs::read(out.join(".dupscan/summary.json")).expect("summary"))
                .expect("JSON");
        summary["out"] = Value::Null;
        let files: Vec<_> = tree(&out)
            .into_iter()
            .filter(|(p, _)| !p.starts_with(".dupscan"))
            .collect();
        (files, summary)
    };
    for unit in ["sentence", "document"] {
        let (files, summary) = run("1", unit);
        let (files2, summary2) = run("2", unit);
        assert_eq!(files.len(), 9, "{unit}");
        assert!(
            files == files2,
            "{unit}: outputs differ between -j 1 and -j 2"
        );
        assert_eq!(summary, summary2, "{unit}");
        assert!(summary["units_removed"].as_u64() > Some(0));
    }
}

#[test]
fn deduplicating_the_sample_corpus_is_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    for unit in ["sentence", "paragraph", "document"] {
        let first = dir.path().join(format!("{unit}-1"));
        let second = dir.path().join(format!("{unit}-2"));
        dedup_cmd(&[&data("corpus")], &first, &["--unit", unit]).success();
        let summary: Value = serde_json::from_slice(
            &fs::read(first.join(".dupscan/summary.json")).expect("summary"),
        )
        .expect("JSON");
        assert!(
            summary["units_removed"].as_u64() > Some(0),
            "{unit}: {summary}"
        );
        // .dupscan is hidden, so the second run reads only the corpus.
        dedup_cmd(&[&first], &second, &["--unit", unit]).success();
        let again: Value = serde_json::from_slice(
            &fs::read(second.join(".dupscan/summary.json")).expect("summary"),
        )
        .expect("JSON");
        assert_eq!(again["units_removed"], 0, "{unit}: {again}");
        let count = |v: &Value, field: &str| v[field].as_u64().expect("count");
        assert_eq!(
            count(&again, "documents"),
            count(&summary, "documents") - count(&summary, "documents_dropped")
        );
    }
}

#[test]
fn summary_is_printed_unless_quiet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("a.jsonl");
    fs::write(&input, jsonl(&[("1", S1), ("2", &format!("{S2} {S1}"))])).expect("write");
    dupscan()
        .arg("dedup")
        .arg(&input)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .success()
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("3 sentences read, 1 removed"));
}

// ---------------------------------------------------------------------------
// The invariant, on random corpora
// ---------------------------------------------------------------------------

/// A chain: CHAIN_A~CHAIN_B and CHAIN_B~CHAIN_C reach the default
/// threshold, CHAIN_A~CHAIN_C does not.
const CHAIN_A: &str = "The harbour authority said on Monday that the old container terminal would reopen next week after repairs.";
const CHAIN_B: &str = "The harbour authority said on Monday that the old container terminal would close next week after repairs.";
const CHAIN_C: &str = "The harbour authority said on Friday that the old container terminal would close next month after repairs.";

const POOL: [&str; 11] = [S1, S2, S3, S4, S5, S6, S7, S8, CHAIN_A, CHAIN_B, CHAIN_C];

/// A document: paragraphs of sentence indexes into [`POOL`].
fn doc_text(paragraphs: &[Vec<usize>]) -> String {
    paragraphs
        .iter()
        .map(|p| p.iter().map(|&i| POOL[i]).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A document's key across input and output: its JSONL id, or a text
/// file's relative path.
fn keys(corpus: &dupscan::corpus::Corpus) -> Vec<String> {
    corpus
        .docs
        .iter()
        .map(|d| {
            let s = &corpus.sources[d.source as usize];
            match s.format.layout {
                dupscan::corpus::Layout::Text => s.relative.display().to_string(),
                dupscan::corpus::Layout::Jsonl
                | dupscan::corpus::Layout::Csv
                | dupscan::corpus::Layout::Tsv
                | dupscan::corpus::Layout::Parquet => d.id.clone(),
            }
        })
        .collect()
}

fn check_invariant(
    docs: &[(bool, Vec<Vec<usize>>)],
    unit: UnitKind,
    keep: Keep,
    spans: SpanPath,
) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    fs::create_dir(&input).expect("mkdir");
    let mut lines = String::new();
    for (i, (as_text, paragraphs)) in docs.iter().enumerate() {
        let text = doc_text(paragraphs);
        if *as_text {
            fs::write(input.join(format!("t{i:02}.txt")), text + "\n").expect("write");
        } else {
            lines.push_str(&(record(&format!("j{i:02}"), &text) + "\n"));
        }
    }
    fs::write(input.join("z.jsonl.gz"), gzip(lines.as_bytes())).expect("write");
    let out = dir.path().join("out");
    let opts = DedupOptions {
        out: out.clone(),
        keep,
        mode: Mode::Remove,
        overwrite: Overwrite::Refuse,
        emptied: Emptied::Keep,
        html: false,
        report: dupscan::dedup::DedupReport::Full,
    };
    let mut params = ScanParams::new(vec![input.clone()], unit);
    params.options.min_tokens = Some(1);
    params.options.spans = Some(spans);
    let job =
        dedup::prepare(ScanConfig::new(params.clone()).expect("valid"), &opts).expect("prepare");
    let scan = dupscan::pipeline::run(&job.config, &Silent).expect("scan");
    let summary = job.run(&scan).expect("dedup");

    let output = read_inputs(std::slice::from_ref(&out), &ReadOptions::default(), &|_| {})
        .expect("read output");
    let out_text: HashMap<String, &str> = keys(&output)
        .into_iter()
        .zip(output.docs.iter().map(|d| d.text.as_str()))
        .collect();
    let in_keys = keys(&scan.corpus);
    let present = |id: u32| {
        let u = scan.units.get(id);
        out_text
            .get(&in_keys[u.doc as usize])
            .is_some_and(|t| t.contains(scan.text(id)))
    };
    let mut group_of = HashMap::new();
    for (g, group) in scan.groups.iter().enumerate() {
        prop_assert!(
            group.members.iter().any(|m| present(m.unit)),
            "group {} lost entirely",
            g
        );
        for m in &group.members {
            group_of.insert(m.unit, g);
        }
    }
    let mut missing = 0u64;
    for id in 0..scan.units.len() as u32 {
        if present(id) {
            continue;
        }
        missing += 1;
        let g = group_of.get(&id);
        prop_assert!(
            g.is_some(),
            "unit {} ({:?}) is gone but in no group",
            id,
            scan.text(id)
        );
        let group = &scan.groups[*g.expect("checked")];
        prop_assert!(
            group
                .members
                .iter()
                .any(|m| m.unit != id && present(m.unit)),
            "unit {} is gone and so is every other member of its group",
            id
        );
    }
    prop_assert!(missing <= summary.counts.units_removed);
    // Every removal names a unit that is in the output and that it
    // duplicates: the same normalized text, or exact similarity at least the
    // threshold, of the text cut (the unit, or the part of it that span
    // alignment matched) and the unit kept.
    let plan = dedup::plan(&scan, keep);
    let set = |text: &str| {
        let mut norm = String::new();
        let mut out = Vec::new();
        scan.config
            .params
            .normalizer
            .normalize_into(text, &mut norm);
        Shingler::new(
            scan.config.params.shingle,
            scan.config.params.ngram,
            scan.config.params.seed,
        )
        .set(&norm, &mut out);
        out
    };
    let mut removed = 0u64;
    for r in plan.docs.iter().flat_map(|d| &d.removed) {
        removed += 1;
        let of_doc = scan.units.doc(r.of) as usize;
        let kept_text = &scan.corpus.docs[of_doc].text[r.of_span.range()];
        prop_assert!(
            out_text
                .get(&in_keys[of_doc])
                .is_some_and(|t| t.contains(kept_text)),
            "unit {} removed as a copy of {:?} of {}, which is gone",
            r.unit,
            kept_text,
            r.of
        );
        let doc = &scan.corpus.docs[scan.units.doc(r.unit) as usize].text;
        let cut = &doc[r.span.range()];
        prop_assert!(
            scan.units.span(r.unit).start <= r.span.start
                && r.span.end <= scan.units.span(r.unit).end
        );
        let kept = &scan.corpus.docs[scan.units.doc(r.of) as usize].text[r.of_span.range()];
        let similarity = jaccard(&set(cut), &set(kept));
        prop_assert!(
            similarity >= scan.config.params.threshold,
            "{:?} of unit {} removed as a copy of {:?} of {} at similarity {}",
            cut,
            r.unit,
            kept,
            r.of,
            similarity
        );
    }
    // A unit cut in several parts counts once.
    let mut units: Vec<u32> = plan
        .docs
        .iter()
        .flat_map(|d| &d.removed)
        .map(|r| r.unit)
        .collect();
    units.dedup();
    prop_assert!(removed >= units.len() as u64);
    prop_assert_eq!(summary.counts.units_removed, units.len() as u64);
    prop_assert_eq!(
        output.docs.len() as u64,
        summary.counts.documents - summary.counts.documents_dropped
    );

    // With the span path, dedup makes one pass over parts of units, and what
    // is left of two units may still share a part afterwards: the check
    // below is for whole units only (issue #10, noted as not done).
    if spans == SpanPath::On {
        return Ok(());
    }
    // Nothing left to remove: a second pass over the output finds no group,
    // except with what is left of a unit cut only in part (dedup makes one
    // pass: the rest of a unit may duplicate other text only once its copied
    // part is cut; README, "Deduplicating").
    let partly_cut: std::collections::HashSet<&String> = plan
        .docs
        .iter()
        .enumerate()
        .filter(|(_, d)| d.removed.iter().any(|r| r.span != scan.units.span(r.unit)))
        .map(|(i, _)| &in_keys[i])
        .collect();
    let mut again = params;
    again.inputs = vec![out];
    let config = dedup::prepare(
        ScanConfig::new(again).expect("valid"),
        &DedupOptions {
            out: dir.path().join("unused"),
            ..opts
        },
    )
    .expect("prepare")
    .config;
    let rescan = dupscan::pipeline::run(&config, &Silent).expect("rescan");
    let again_keys = keys(&rescan.corpus);
    for g in &rescan.groups {
        let from_cut = g
            .members
            .iter()
            .any(|m| partly_cut.contains(&again_keys[rescan.units.doc(m.unit) as usize]));
        prop_assert!(from_cut, "group left: {:?}", g);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn every_unit_is_in_the_output_or_a_duplicate_of_one_that_is(
        docs in prop::collection::vec(
            (any::<bool>(), prop::collection::vec(prop::collection::vec(0..POOL.len(), 1..4), 1..4)),
            1..8,
        ),
        unit in prop::sample::select(vec![UnitKind::Sentence, UnitKind::Paragraph, UnitKind::Document]),
        keep in prop::sample::select(vec![Keep::First, Keep::Longest]),
        spans in prop::sample::select(vec![SpanPath::Off, SpanPath::On]),
    ) {
        check_invariant(&docs, unit, keep, spans)?;
    }
}

/// Annotations and report members carry code-point offsets beside byte
/// offsets: slicing the text by characters (as Python does) gives the
/// removed unit, on text with multi-byte characters before it.
#[test]
fn annotations_and_members_carry_character_offsets_for_non_ascii_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    let lede = "Zürich, Genève und Köln: «Übersicht» für heute.";
    let copied =
        "The committee approved the revised budget for the coming year after a long debate.";
    fs::write(
        &input,
        jsonl(&[("a", copied), ("b", &format!("{lede} {copied}"))]),
    )
    .expect("write");
    let out = dir.path().join("out");
    dedup_cmd(&[&input], &out, &["--annotate", "--unit", "sentence"]).success();
    let got = fs::read_to_string(out.join("in.jsonl")).expect("output");
    let b = got.lines().nth(1).expect("record b");
    let (_, note) = strip_annotation(b);
    let removed = &note.expect("b is annotated")["removed"][0];
    let text = format!("{lede} {copied}");
    let chars: Vec<char> = text.chars().collect();
    let slice = |s: &Value, e: &Value| -> String {
        let (s, e) = (s.as_u64().expect("start"), e.as_u64().expect("end"));
        chars[s as usize..e as usize].iter().collect()
    };
    assert_eq!(slice(&removed["char_start"], &removed["char_end"]), copied);
    assert_ne!(
        removed["char_start"], removed["start"],
        "bytes and characters differ here"
    );
    assert_eq!(
        &text[removed["start"].as_u64().expect("start") as usize..],
        copied
    );

    let report: Value =
        serde_json::from_slice(&fs::read(out.join(".dupscan/report.json")).expect("report"))
            .expect("JSON");
    let member = &report["groups"][0]["members"][1];
    assert_eq!(member["doc"], "b");
    assert_eq!(slice(&member["char_start"], &member["char_end"]), copied);
    assert_eq!(
        slice(&member["match_char_start"], &member["match_char_end"]),
        copied
    );
}

/// dedup's report holds offsets only by default (`--report spans`), the
/// texts with `--report full`, and is not written with `--report none`.
#[test]
fn dedup_report_is_spans_only_by_default_full_or_none_on_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    fs::write(
        &input,
        jsonl(&[("a", &format!("{S1} {S2}")), ("b", &format!("{S3} {S1}"))]),
    )
    .expect("write");
    let read = |out: &Path| -> Value {
        serde_json::from_slice(&fs::read(out.join(".dupscan/report.json")).expect("report"))
            .expect("JSON")
    };
    let spans = dir.path().join("spans");
    dedup_cmd(&[&input], &spans, &[]).success();
    let full = dir.path().join("full");
    dedup_cmd(&[&input], &full, &["--report", "full"]).success();
    let none = dir.path().join("none");
    dedup_cmd(&[&input], &none, &["--report", "none"])
        .success()
        .stderr(predicate::str::contains("report in").not());

    let (s, f) = (read(&spans), read(&full));
    let member = |r: &Value| r["groups"][0]["members"][1].clone();
    assert_eq!(member(&f)["text"], S1);
    assert!(member(&s).get("text").is_none());
    assert_eq!(member(&s)["start"], member(&f)["start"]);
    assert_eq!(
        s["groups"].as_array().map(Vec::len),
        f["groups"].as_array().map(Vec::len)
    );
    // Compact: one line.
    let raw = fs::read(spans.join(".dupscan/report.json")).expect("report");
    assert!(raw.iter().filter(|&&b| b == b'\n').count() <= 1);
    assert!(!none.join(".dupscan/report.json").exists());
    // The corpus written is the same whatever the report.
    assert_eq!(
        fs::read(spans.join("in.jsonl")).expect("spans out"),
        fs::read(none.join("in.jsonl")).expect("none out")
    );
}
