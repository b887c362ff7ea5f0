//! Where the data lives (#12): CSV and TSV in and out, nested JSON Lines
//! fields, the reference's own fields, and the files a walk takes. Every
//! CSV written back is read again by the `csv` crate here, independently
//! of dupscan, and compared column by column with its input.

#[allow(dead_code)]
mod common;

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use serde_json::Value;

use common::dupscan;

const REPEATED: &str = "The committee approved the new budget after a long debate on Tuesday.";
const OTHER: &str = "Crowds gathered outside the hall to watch the vote that evening.";
const THIRD: &str = "Nothing else of note happened in the small town that week at all.";

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("gunzip");
    out
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `dupscan dedup --unit sentence` on `input` into `out`; checks
/// that it succeeds.
fn dedup(input: &Path, out: &Path, extra: &[&str]) {
    let run = dupscan()
        .args(["dedup", "--unit", "sentence", "--out"])
        .arg(out)
        .args(extra)
        .arg(input)
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
}

/// Every row of a delimited file, header first, as the `csv` crate reads it.
fn rows(bytes: &[u8], delimiter: u8) -> Vec<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_reader(bytes);
    rdr.records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_owned).collect())
        .collect()
}

/// A CSV with a BOM, CRLF rows, quoted newlines and quotes, an empty
/// column and a column with spaces; row 4 repeats row 2's first sentence
/// and nothing else, so it goes; row 3 loses its repeat.
fn sample_csv(delimiter: char) -> String {
    let d = delimiter;
    format!(
        "\u{feff}id{d}text{d}note{d}empty\r\n\
         a{d}\"{REPEATED} {THIRD}\"{d}\"x, \"\"quoted\"\"\nline\"{d}\r\n\
         b{d}\"{OTHER}\n{REPEATED}\"{d}  spaced  {d}\r\n\
         c{d}\"{REPEATED}\"{d}z{d}\r\n"
    )
}

/// Checks a written-back sample: same header, row c gone, row b's text cut
/// to its first sentence, every other column unchanged.
fn check_sample(input: &[u8], output: &[u8], delimiter: u8) {
    let before = rows(input, delimiter);
    let after = rows(output, delimiter);
    assert_eq!(after.len(), 3, "{after:?}");
    assert_eq!(after[0], before[0], "header");
    assert_eq!(after[1], before[1], "row a untouched");
    assert_eq!(after[2][0], "b");
    assert_eq!(after[2][1], OTHER, "row b lost its repeat");
    assert_eq!(after[2][2..], before[2][2..], "other columns unchanged");
    assert!(output.starts_with("\u{feff}".as_bytes()), "the BOM stays");
    assert!(
        output.windows(2).filter(|w| w == b"\r\n").count() >= 3,
        "CRLF rows stay"
    );
}

#[test]
fn csv_with_a_bom_and_quoted_newlines_round_trips() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("rows.csv");
    let sample = sample_csv(',');
    fs::write(&input, &sample).expect("write");
    let out = dir.path().join("out");
    dedup(&input, &out, &[]);
    let written = fs::read(out.join("rows.csv")).expect("written");
    check_sample(sample.as_bytes(), &written, b',');
    // The untouched row is byte for byte what it was, quotes included.
    assert!(
        String::from_utf8_lossy(&written).contains("\"x, \"\"quoted\"\"\nline\""),
        "quoting kept"
    );
}

#[test]
fn tsv_and_compressed_csv_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tsv = dir.path().join("in").join("rows.tsv");
    let csv_gz = dir.path().join("in").join("more.csv.gz");
    fs::create_dir(dir.path().join("in")).expect("mkdir");
    let tab = sample_csv('\t');
    let comma = sample_csv(',');
    fs::write(&tsv, &tab).expect("write");
    fs::write(&csv_gz, gzip(comma.as_bytes())).expect("write");
    for (input, name, delimiter, raw) in [
        (&tsv, "rows.tsv", b'\t', tab.as_bytes()),
        (&csv_gz, "more.csv.gz", b',', comma.as_bytes()),
    ] {
        let out = dir.path().join(format!("out-{name}"));
        dedup(input, &out, &[]);
        let written = fs::read(out.join(name)).expect("written");
        let written = if name.ends_with(".gz") {
            gunzip(&written)
        } else {
            written
        };
        check_sample(raw, &written, delimiter);
    }
}

#[test]
fn csv_rows_are_reported_by_row_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("rows.csv");
    fs::write(&input, sample_csv(',')).expect("write");
    let out = dupscan()
        .args(["scan", "--format", "json", "--id-field", "none"])
        .arg(&input)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let docs: Vec<&str> = report["groups"][0]["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["doc"].as_str().expect("doc"))
        .collect();
    let shown = input.display();
    assert_eq!(
        docs,
        [
            format!("{shown}:2"),
            format!("{shown}:3"),
            format!("{shown}:4")
        ]
    );
}

#[test]
fn bad_csv_input_names_the_file_the_header_and_the_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.csv");
    fs::write(&missing, "id,body\n1,x\n").expect("write");
    let out = dupscan()
        .args(["scan", "--format", "json"])
        .arg(&missing)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}:1: no column \"text\"", missing.display())),
        "{err}"
    );
    assert!(err.contains("\"id\", \"body\""), "{err}");
    let ragged = dir.path().join("ragged.csv");
    fs::write(&ragged, "id,text\n1,\"a\nb\"\n2,b,c\n").expect("write");
    let out = dupscan()
        .args(["scan", "--format", "json"])
        .arg(&ragged)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}:3: the row has 3 fields, the header has 2",
            ragged.display()
        )),
        "{err}"
    );
}

#[test]
fn nested_fields_scan_and_dedup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("docs.jsonl");
    let lines = format!(
        "{{\"meta\":{{\"id\":\"a\",\"body\":\"{REPEATED} {THIRD}\"}},\"text\":\"unused\"}}\n\
         {{\"x\":[1,{{\"y\":null}}],\"meta\":{{\"body\":\"{OTHER} {REPEATED}\",\"id\":\"b\"}}}}\n"
    );
    fs::write(&input, &lines).expect("write");
    for (text, id) in [("meta.body", "meta.id"), ("/meta/body", "/meta/id")] {
        let out = dupscan()
            .args([
                "scan",
                "--format",
                "json",
                "--text-field",
                text,
                "--id-field",
                id,
            ])
            .arg(&input)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let report: Value = serde_json::from_slice(&out.stdout).expect("json");
        let members = &report["groups"][0]["members"];
        assert_eq!(members[0]["doc"], "a");
        assert_eq!(members[1]["doc"], "b");
        assert_eq!(members[1]["text"], REPEATED);
        assert_eq!(report["params"]["text_field"], text);

        let out_dir = dir.path().join(format!("out{}", text.len()));
        dedup(&input, &out_dir, &["--text-field", text, "--id-field", id]);
        let written = fs::read_to_string(out_dir.join("docs.jsonl")).expect("written");
        let expected = lines.replace(&format!("{OTHER} {REPEATED}"), OTHER);
        assert_eq!(written, expected);
    }
}

#[test]
fn the_reference_has_fields_of_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bench = dir.path().join("bench.jsonl");
    let corpus = dir.path().join("corpus.csv");
    fs::write(
        &bench,
        format!("{{\"qid\":\"q1\",\"question\":\"{REPEATED}\"}}\n"),
    )
    .expect("write");
    fs::write(&corpus, format!("key,body\nk1,\"{OTHER} {REPEATED}\"\n")).expect("write");
    let out = dupscan()
        .args(["scan", "--format", "json", "--reference"])
        .arg(&bench)
        .args([
            "--reference-text-field",
            "question",
            "--reference-id-field",
            "qid",
            "--text-field",
            "body",
            "--id-field",
            "key",
        ])
        .arg(&corpus)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let items = &report["contamination"]["items"];
    assert_eq!(items[0]["doc"], "q1");
    assert_eq!(items[0]["best"]["doc"], "k1");
    assert_eq!(report["params"]["reference_text_field"], "question");
    assert_eq!(report["params"]["reference_id_field"], "qid");
}

#[test]
fn glob_and_exclude_choose_what_a_walk_takes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("in");
    fs::create_dir_all(root.join("keep")).expect("mkdir");
    fs::create_dir_all(root.join("skip")).expect("mkdir");
    let record = |id: &str| format!("{{\"id\":\"{id}\",\"text\":\"{REPEATED}\"}}\n");
    fs::write(root.join("keep/a.jsonl"), record("a")).expect("write");
    fs::write(root.join("keep/b.jsonl"), record("b")).expect("write");
    fs::write(root.join("keep/c.txt"), REPEATED).expect("write");
    fs::write(root.join("skip/d.jsonl"), record("d")).expect("write");
    fs::write(root.join("e.jsonl"), record("e")).expect("write");
    fs::write(root.join("tool"), b"\x7fELF\x02\x01\x01\x00").expect("write");
    let docs = |args: &[&str]| -> Vec<String> {
        let out = dupscan()
            .args(["scan", "--format", "json", "--scope", "all"])
            .args(args)
            .arg(&root)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let report: Value = serde_json::from_slice(&out.stdout).expect("json");
        report["groups"][0]["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|m| m["doc"].as_str().expect("doc").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        docs(&["--glob", "**/*.jsonl", "--exclude", "skip"]),
        ["e", "a", "b"]
    );
    assert_eq!(
        docs(&["--glob", "*.jsonl"]).len(),
        0,
        "* does not cross /: e alone"
    );
    assert_eq!(docs(&["--glob", "keep/*.jsonl"]), ["a", "b"]);
    assert_eq!(
        docs(&[
            "--exclude",
            "keep/b.*",
            "--exclude",
            "**/*.txt",
            "--exclude",
            "tool"
        ]),
        ["e", "a", "d"]
    );
    let bad = dupscan()
        .args(["scan", "--glob", "a[", "--format", "json"])
        .arg(&root)
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--glob \"a[\""), "{}", stderr(&bad));
}

#[test]
fn joined_fields_are_compared_together_reported_and_cut_per_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let jsonl = dir.path().join("qa.jsonl");
    let lines = format!(
        "{{\"id\":\"a\",\"q\":\"{THIRD}\",\"m\":{{\"ans\":\"{REPEATED}\"}}}}\n\
         {{\"id\":\"b\",\"q\":\"{REPEATED} {OTHER}\",\"m\":{{\"ans\":\"{OTHER}\"}}}}\n"
    );
    fs::write(&jsonl, &lines).expect("write");
    let fields = ["--text-field", "q", "--text-field", "m.ans"];
    let out = dupscan()
        .args(["scan", "--format", "json"])
        .args(fields)
        .arg(&jsonl)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["params"]["text_field"], "q");
    assert_eq!(report["params"]["more_text_fields"][0], "m.ans");
    let group = report["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["members"][0]["text"] == REPEATED)
        .expect("the repeated sentence is a group");
    let (a, b) = (&group["members"][0], &group["members"][1]);
    assert_eq!((&a["doc"], &a["field"]), (&"a".into(), &"m.ans".into()));
    let len = REPEATED.len() as u64;
    assert_eq!(
        (a["field_start"].as_u64(), a["field_end"].as_u64()),
        (Some(0), Some(len))
    );
    // In the joined text "a" starts with THIRD and a newline.
    assert_eq!(a["start"].as_u64(), Some(THIRD.len() as u64 + 1));
    assert_eq!((&b["doc"], &b["field"]), (&"b".into(), &"q".into()));
    // The report reads back with its additions.
    let file: dupscan::report::ReportFile =
        serde_json::from_slice(&out.stdout).expect("reads back");
    assert_eq!(file.params.more_text_fields, ["m.ans"]);
    let found: Vec<Option<&str>> = file
        .groups
        .iter()
        .flat_map(|g| &g.members)
        .map(|m| m.field.as_deref())
        .collect();
    assert!(found.contains(&Some("m.ans")) && found.contains(&Some("q")));
    assert_eq!(
        (b["field_start"].as_u64(), b["field_end"].as_u64()),
        (Some(0), Some(len))
    );

    let out_dir = dir.path().join("out");
    dedup(&jsonl, &out_dir, &fields);
    let written = fs::read_to_string(out_dir.join("qa.jsonl")).expect("written");
    // b loses REPEATED from q (a's answer has it), and its answer, a repeat
    // of OTHER in its own q (dedup compares with --scope all).
    let records: Vec<Value> = written
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(records[0]["m"]["ans"], REPEATED, "the first copy stays");
    assert_eq!(records[0]["q"], THIRD);
    assert_eq!(records[1]["q"], OTHER);
    assert_eq!(records[1]["m"]["ans"], "");

    // The same in CSV.
    let csv_path = dir.path().join("qa.csv");
    let table = format!("id,q,ans,n\na,{THIRD},\"{REPEATED}\",1\nb,\"{REPEATED} {OTHER}\",x,2\n");
    fs::write(&csv_path, &table).expect("write");
    let csv_out = dir.path().join("csv-out");
    dedup(
        &csv_path,
        &csv_out,
        &["--text-field", "q", "--text-field", "ans"],
    );
    let after = rows(&fs::read(csv_out.join("qa.csv")).expect("written"), b',');
    let before = rows(table.as_bytes(), b',');
    assert_eq!(after[..2], before[..2]);
    assert_eq!(after[2], ["b", OTHER, "x", "2"]);
}

/// A sentence of ten words drawn from a small vocabulary by `seed`: two
/// seeds share no run of words worth a match.
fn random_sentence(seed: u64) -> String {
    const WORDS: [&str; 40] = [
        "river", "copper", "lantern", "meadow", "quiet", "harbour", "violet", "engine", "summer",
        "pepper", "window", "marble", "falcon", "garden", "winter", "silver", "ladder", "cotton",
        "thunder", "orchard", "candle", "pebble", "saddle", "basket", "velvet", "island", "forest",
        "rocket", "mirror", "tunnel", "pillow", "desert", "anchor", "bridge", "cellar", "dragon",
        "feather", "glacier", "hammer", "jungle",
    ];
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut words: Vec<&str> = (0..10)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            WORDS[(x % WORDS.len() as u64) as usize]
        })
        .collect();
    let first = words[0][..1].to_uppercase() + &words[0][1..];
    words[0] = &first;
    format!("{}.", words.join(" "))
}

#[test]
fn a_large_csv_is_written_back_row_by_row_exactly() {
    // 20,000 rows (over a megabyte, so the output is written in several
    // pieces), a BOM, CRLF rows, quoted newlines and quotes, a blank line,
    // and one row of ~150 KB (far over the parser's buffer). Row i % 10 == 5
    // repeats row i - 3's sentence after its own (it is cut); row
    // i % 10 == 7 repeats row i - 1 whole (it goes).
    const N: u64 = 20_000;
    let text = |i: u64| -> String {
        match i {
            1234 => (0..2000)
                .map(|k| random_sentence(1_000_000 + k))
                .collect::<Vec<_>>()
                .join(" "),
            _ if i % 4 == 0 => format!("{}\n{}", random_sentence(i), random_sentence(N + i)),
            _ => random_sentence(i),
        }
    };
    let row = |i: u64, text: &str| -> String {
        let note = if i % 2 == 1 {
            format!("\"n \"\"{i}\"\"\nx\"")
        } else {
            format!("plain{i}")
        };
        let blank = if i == 500 { "\r\n" } else { "" };
        format!("r{i},\"{text}\",{note}\r\n{blank}")
    };
    let mut input = String::from("\u{feff}id,text,note\r\n");
    let mut expected = input.clone();
    for i in 0..N {
        let own = text(i);
        match i % 10 {
            5 => {
                let repeat = random_sentence(i - 3);
                input += &row(i, &format!("{own} {repeat}"));
                expected += &row(i, &own);
            }
            7 => input += &row(i, &text(i - 1)),
            _ => {
                input += &row(i, &own);
                expected += &row(i, &own);
            }
        }
    }
    assert!(input.len() > 2 << 20, "{}", input.len());
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = dir.path().join("big.csv");
    fs::write(&plain, &input).expect("write");
    let out = dir.path().join("out");
    dedup(&plain, &out, &[]);
    let written = fs::read_to_string(out.join("big.csv")).expect("written");
    if written != expected {
        let at = written
            .bytes()
            .zip(expected.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(written.len().min(expected.len()));
        panic!(
            "differs at byte {at} (lengths {} and {}): {:?} vs {:?}",
            written.len(),
            expected.len(),
            &written[at.saturating_sub(80)..(at + 80).min(written.len())],
            &expected[at.saturating_sub(80)..(at + 80).min(expected.len())],
        );
    }
    // The same file gzipped comes out the same once decompressed.
    let gz = dir.path().join("big.csv.gz");
    fs::write(&gz, gzip(input.as_bytes())).expect("write");
    let out = dir.path().join("out-gz");
    dedup(&gz, &out, &[]);
    let written = gunzip(&fs::read(out.join("big.csv.gz")).expect("written"));
    assert!(written == expected.as_bytes(), "gzipped output differs");
}

#[test]
fn a_text_field_named_twice_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("qa.jsonl");
    fs::write(
        &input,
        "{\"q\": \"One question here.\", \"a\": \"An answer.\"}\n",
    )
    .expect("write");
    for flags in [
        ["--text-field", "q", "--text-field", "q"].as_slice(),
        [
            "--text-field",
            "q",
            "--text-field",
            "a",
            "--text-field",
            "q",
        ]
        .as_slice(),
    ] {
        let out = dupscan()
            .args(["scan", "--format", "json"])
            .args(flags)
            .arg(&input)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{flags:?}");
        let err = stderr(&out);
        assert!(err.contains("--text-field q is given twice"), "{err}");
    }
}
