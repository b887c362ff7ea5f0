//! Parquet in and out: fixtures written here with the `parquet` crate
//! (several row groups, a struct column, a list column, nulls), scanned and
//! deduplicated by the binary, and the output read back with the crate's
//! own reader.

#[allow(dead_code)] // not every helper is used here
mod common;

use std::fs::{self, File};
use std::path::Path;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::record::{Field, Row, RowAccessor};
use parquet::schema::parser::parse_message_type;
use serde_json::Value;

use common::dupscan;

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

const SCHEMA: &str = "message doc {
    required int64 id;
    optional group meta {
        optional binary source (STRING);
        optional int32 year;
        optional binary body (STRING);
    }
    optional binary text (STRING);
    optional group tags (LIST) {
        repeated group list {
            optional binary element (STRING);
        }
    }
    optional double score;
}";

/// One row of the fixture.
#[derive(Clone, Debug)]
struct Rec {
    id: i64,
    text: Option<String>,
    /// `meta`: null, or its source, year and body (each maybe null).
    meta: Option<(Option<&'static str>, Option<i32>, Option<String>)>,
    /// `tags`: null, or a list whose elements may be null.
    tags: Option<Vec<Option<&'static str>>>,
    score: Option<f64>,
}

/// Row `i` of the fixture with `text`, every other column varied (nulls
/// included) by `i`.
fn rec(i: i64, text: &str) -> Rec {
    let meta = match i % 4 {
        0 => None,
        1 => Some((
            Some("wire"),
            Some(1990 + i as i32),
            Some(format!("body {i}")),
        )),
        2 => Some((None, Some(2001), None)),
        _ => Some((Some("desk"), None, Some(text.to_owned()))),
    };
    let tags = match i % 3 {
        0 => None,
        1 => Some(vec![]),
        _ => Some(vec![Some("news"), None, Some("local")]),
    };
    Rec {
        id: i,
        text: Some(text.to_owned()),
        meta,
        tags,
        score: (i % 5 != 0).then_some(i as f64 / 4.0),
    }
}

fn bytes(s: &str) -> ByteArray {
    ByteArray::from(s.as_bytes().to_vec())
}

/// Writes `recs` to `path` with `codec`, `per_group` rows per row group.
fn write_parquet(path: &Path, recs: &[Rec], codec: Compression, per_group: usize) {
    let schema = Arc::new(parse_message_type(SCHEMA).expect("schema"));
    let props = Arc::new(WriterProperties::builder().set_compression(codec).build());
    let file = File::create(path).expect("create");
    let mut writer = SerializedFileWriter::new(file, schema, props).expect("writer");
    for group in recs.chunks(per_group) {
        let mut rg = writer.next_row_group().expect("row group");
        let mut index = 0;
        while let Some(mut col) = rg.next_column().expect("column") {
            match index {
                0 => {
                    let ids: Vec<i64> = group.iter().map(|r| r.id).collect();
                    col.typed::<Int64Type>()
                        .write_batch(&ids, None, None)
                        .expect("ids");
                }
                1 | 3 => {
                    let (mut values, mut defs) = (Vec::new(), Vec::new());
                    for r in group {
                        let v = match &r.meta {
                            None => None,
                            Some((source, _, _)) if index == 1 => Some(source.map(bytes)),
                            Some((_, _, body)) => Some(body.as_deref().map(bytes)),
                        };
                        match v {
                            None => defs.push(0),
                            Some(None) => defs.push(1),
                            Some(Some(v)) => {
                                defs.push(2);
                                values.push(v);
                            }
                        }
                    }
                    col.typed::<ByteArrayType>()
                        .write_batch(&values, Some(&defs), None)
                        .expect("meta strings");
                }
                2 => {
                    let (mut values, mut defs) = (Vec::new(), Vec::new());
                    for r in group {
                        match &r.meta {
                            None => defs.push(0),
                            Some((_, None, _)) => defs.push(1),
                            Some((_, Some(y), _)) => {
                                defs.push(2);
                                values.push(*y);
                            }
                        }
                    }
                    col.typed::<Int32Type>()
                        .write_batch(&values, Some(&defs), None)
                        .expect("year");
                }
                4 => {
                    let (mut values, mut defs) = (Vec::new(), Vec::new());
                    for r in group {
                        match &r.text {
                            None => defs.push(0),
                            Some(t) => {
                                defs.push(1);
                                values.push(bytes(t));
                            }
                        }
                    }
                    col.typed::<ByteArrayType>()
                        .write_batch(&values, Some(&defs), None)
                        .expect("text");
                }
                5 => {
                    let (mut values, mut defs, mut reps) = (Vec::new(), Vec::new(), Vec::new());
                    for r in group {
                        match &r.tags {
                            None => {
                                defs.push(0);
                                reps.push(0);
                            }
                            Some(tags) if tags.is_empty() => {
                                defs.push(1);
                                reps.push(0);
                            }
                            Some(tags) => {
                                for (k, tag) in tags.iter().enumerate() {
                                    reps.push(i16::from(k > 0));
                                    match tag {
                                        None => defs.push(2),
                                        Some(t) => {
                                            defs.push(3);
                                            values.push(bytes(t));
                                        }
                                    }
                                }
                            }
                        }
                    }
                    col.typed::<ByteArrayType>()
                        .write_batch(&values, Some(&defs), Some(&reps))
                        .expect("tags");
                }
                _ => {
                    let (mut values, mut defs) = (Vec::new(), Vec::new());
                    for r in group {
                        defs.push(i16::from(r.score.is_some()));
                        values.extend(r.score);
                    }
                    col.typed::<DoubleType>()
                        .write_batch(&values, Some(&defs), None)
                        .expect("score");
                }
            }
            col.close().expect("close column");
            index += 1;
        }
        rg.close().expect("close row group");
    }
    writer.close().expect("close file");
}

/// Every row of a Parquet file, read with the crate's own reader.
fn rows(path: &Path) -> Vec<Row> {
    let reader = SerializedFileReader::new(File::open(path).expect("open")).expect("parquet");
    reader
        .get_row_iter(None)
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect()
}

/// A row's fields but `text` (and `dupscan`), and its text.
fn split(row: &Row) -> (Vec<(String, Field)>, Option<String>) {
    let mut others = Vec::new();
    let mut text = None;
    for (name, field) in row.get_column_iter() {
        match (name.as_str(), field) {
            ("text", Field::Str(s)) => text = Some(s.clone()),
            ("text" | "dupscan", _) => {}
            _ => others.push((name.clone(), field.clone())),
        }
    }
    (others, text)
}

/// The number of rows of each row group, and each column's codec, of the
/// file at `path`.
fn layout(path: &Path) -> (Vec<i64>, Vec<Vec<Compression>>) {
    let reader = SerializedFileReader::new(File::open(path).expect("open")).expect("parquet");
    let groups = reader.metadata().row_groups();
    (
        groups.iter().map(|g| g.num_rows()).collect(),
        groups
            .iter()
            .map(|g| g.columns().iter().map(|c| c.compression()).collect())
            .collect(),
    )
}

/// Twelve rows in three row groups of four: row 10 (id 9) repeats row 2
/// (id 1) whole; row 7 (id 6) holds S2, which row 1 holds first.
fn corpus() -> Vec<Rec> {
    let texts = [
        format!("{S1} {S2}"),
        format!("{S3} {S4}"),
        S5.to_owned(),
        S6.to_owned(),
        S7.to_owned(),
        S8.to_owned(),
        format!("{S9} {S2}"),
        "Short words only.".to_owned(),
        "Another one that is short.".to_owned(),
        format!("{S3} {S4}"),
        "The last row says something of its own, at length, for once.".to_owned(),
        "Yet another row with words that appear nowhere else at all.".to_owned(),
    ];
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| rec(i as i64, t))
        .collect()
}

/// The document ids of a report group's members.
fn docs(group: &Value) -> Vec<String> {
    group["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["doc"].as_str().expect("doc").to_owned())
        .collect()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn scan_finds_the_planted_duplicates_by_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("docs.parquet");
    write_parquet(&path, &corpus(), Compression::SNAPPY, 4);
    let out = dupscan()
        .args(["scan", "--format", "json", "--unit", "document"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["stats"]["documents"], 12, "{report:#}");
    let groups = report["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1, "{report:#}");
    assert_eq!(docs(&groups[0]), ["1", "9"], "{report:#}");
}

#[test]
fn dedup_removes_rows_and_cuts_texts_and_keeps_everything_else() {
    for codec in [
        Compression::SNAPPY,
        Compression::ZSTD(Default::default()),
        Compression::GZIP(Default::default()),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("docs.parquet");
        let recs = corpus();
        write_parquet(&input, &recs, codec, 4);
        let original = fs::read(&input).expect("input");
        let out = dir.path().join("out");
        let run = dupscan()
            .args(["dedup", "-q", "--unit", "sentence"])
            .arg(&input)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("runs");
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
        let output = out.join("docs.parquet");
        let before = rows(&input);
        let after = rows(&output);
        // Row 10 (id 9) repeats row 2 whole and goes; row 7 loses S2.
        let expected: Vec<_> = before
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 9)
            .map(|(i, r)| {
                let (others, text) = split(r);
                let text = if i == 6 { Some(S9.to_owned()) } else { text };
                (others, text)
            })
            .collect();
        let got: Vec<_> = after.iter().map(split).collect();
        assert_eq!(got, expected, "{codec:?}");
        let (sizes, codecs) = layout(&output);
        assert_eq!(sizes, [4, 4, 3], "{codec:?}: one row group per input group");
        let (_, input_codecs) = layout(&input);
        assert_eq!(codecs, input_codecs[..3], "{codec:?}");
        assert!(codecs.iter().flatten().all(|c| *c == codec), "{codecs:?}");
        assert_eq!(
            fs::read(&input).expect("input"),
            original,
            "input unchanged"
        );
    }
}

#[test]
fn a_row_group_that_loses_every_row_is_left_out_and_annotate_adds_a_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("docs.parquet");
    let mut recs = corpus();
    // The last group (rows 9-12) repeats the first four rows.
    for i in 0..4 {
        recs[8 + i].text = recs[i].text.clone();
    }
    write_parquet(&input, &recs, Compression::ZSTD(Default::default()), 4);
    let out = dir.path().join("out");
    let run = dupscan()
        .args(["dedup", "-q", "--unit", "document"])
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let output = out.join("docs.parquet");
    assert_eq!(layout(&output).0, [4, 4]);
    let ids: Vec<i64> = rows(&output)
        .iter()
        .map(|r| r.get_long(0).expect("id"))
        .collect();
    assert_eq!(ids, (0..8).collect::<Vec<_>>());

    let annotated = dir.path().join("annotated");
    let run = dupscan()
        .args(["dedup", "-q", "--unit", "document", "--annotate"])
        .arg(&input)
        .arg("--out")
        .arg(&annotated)
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let output = annotated.join("docs.parquet");
    let got = rows(&output);
    assert_eq!(layout(&output).0, [4, 4, 4]);
    let before = rows(&input);
    for (i, (b, a)) in before.iter().zip(&got).enumerate() {
        assert_eq!(split(b), split(a), "row {i}");
        let note = a
            .get_column_iter()
            .find(|(name, _)| name.as_str() == "dupscan")
            .map(|(_, f)| f.clone());
        match (i, note) {
            (0..4, Some(Field::Str(n))) => {
                let v: Value = serde_json::from_str(&n).expect("json");
                assert_eq!(v["duplicate"], false, "{n}");
            }
            (8.., Some(Field::Str(n))) => {
                let v: Value = serde_json::from_str(&n).expect("json");
                assert_eq!(v["duplicate"], true, "{n}");
                assert_eq!(v["of"], (i - 8).to_string(), "{n}");
            }
            (4..8, Some(Field::Null)) => {}
            (i, other) => panic!("row {i}: {other:?}"),
        }
    }
}

#[test]
fn a_dotted_path_reads_a_struct_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("docs.parquet");
    // meta.body is set on rows 1, 3, 5 and 7; rows 3 and 7 both hold S7.
    let mut recs: Vec<Rec> = (0..8).map(|i| rec(i, &format!("row {i}"))).collect();
    recs[3].meta = Some((None, None, Some(S7.to_owned())));
    recs[7].meta = Some((None, None, Some(S7.to_owned())));
    write_parquet(&path, &recs, Compression::SNAPPY, 3);
    for field in ["meta.body", "/meta/body"] {
        let out = dupscan()
            .args([
                "scan",
                "--format",
                "json",
                "--unit",
                "document",
                "--skip-bad-lines",
            ])
            .args(["--text-field", field])
            .arg(&path)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let report: Value = serde_json::from_slice(&out.stdout).expect("json");
        // Rows 0 and 4 have no meta, rows 2 and 6 a null body: skipped.
        assert_eq!(report["stats"]["documents"], 4, "{report:#}");
        assert_eq!(report["stats"]["bad_lines"], 4, "{report:#}");
        assert_eq!(docs(&report["groups"][0]), ["3", "7"], "{report:#}");
    }
}

#[test]
fn a_null_text_is_an_error_naming_the_row_unless_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("docs.parquet");
    let mut recs = corpus();
    recs[5].text = None;
    write_parquet(&path, &recs, Compression::SNAPPY, 4);
    let out = dupscan()
        .args(["scan", "--format", "json"])
        .arg(&path)
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "{}:6: row 6: the text column \"text\" is null",
            path.display()
        )),
        "{err}"
    );
    let out = dupscan()
        .args(["scan", "--format", "json", "--skip-bad-lines"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["stats"]["documents"], 11, "{report:#}");

    // dedup keeps the row it could not read.
    let out_dir = dir.path().join("out");
    let run = dupscan()
        .args(["dedup", "-q", "--unit", "document", "--skip-bad-lines"])
        .arg(&path)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let got = rows(&out_dir.join("docs.parquet"));
    assert_eq!(got.len(), 11);
    assert_eq!(split(&got[5]).1, None);
}

#[test]
fn a_truncated_or_corrupt_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.parquet");
    write_parquet(&good, &corpus(), Compression::SNAPPY, 4);
    let bytes = fs::read(&good).expect("read");
    let truncated = dir.path().join("truncated.parquet");
    fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let mut flipped = bytes.clone();
    // Corrupt the first data page's bytes (after the header).
    for b in &mut flipped[40..80] {
        *b ^= 0x5a;
    }
    let corrupt = dir.path().join("corrupt.parquet");
    fs::write(&corrupt, &flipped).expect("write");
    let junk = dir.path().join("junk.parquet");
    fs::write(&junk, b"not parquet at all").expect("write");
    for path in [&truncated, &corrupt, &junk] {
        let out = dupscan()
            .args(["scan", "--format", "json"])
            .arg(path)
            .output()
            .expect("runs");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", path.display());
        assert!(err.contains(&format!("{}:", path.display())), "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn parquet_is_found_by_its_magic_number_whatever_its_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let named = dir.path().join("docs.parquet");
    write_parquet(&named, &corpus(), Compression::SNAPPY, 4);
    let unnamed = dir.path().join("docs.bin");
    fs::copy(&named, &unnamed).expect("copy");
    let report = |path: &Path| {
        let out = dupscan()
            .args(["scan", "--format", "json", "--unit", "document"])
            .arg(path)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let report: Value = serde_json::from_slice(&out.stdout).expect("json");
        let groups: Vec<Vec<String>> = report["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .map(docs)
            .collect();
        (report["stats"]["documents"].clone(), groups)
    };
    assert_eq!(report(&unnamed), report(&named));
    assert_eq!(report(&named).1, [["1", "9"]]);
    // From stdin too.
    let out = dupscan()
        .args(["scan", "--format", "json", "--unit", "document", "-"])
        .pipe_stdin(&named)
        .expect("stdin")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["stats"]["documents"], 12);
}

#[test]
fn a_parquet_input_changed_in_place_after_the_scan_is_an_error() {
    use dupscan::config::{ScanConfig, ScanParams, UnitKind};
    use dupscan::dedup::{self, DedupOptions, Emptied, Keep, Mode, Overwrite};

    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.parquet");
    let recs = [rec(0, S1), rec(1, &format!("{S1} {S2}")), rec(2, S3)];
    write_parquet(&input, &recs, Compression::UNCOMPRESSED, 2);
    let out = dir.path().join("out");
    let opts = DedupOptions {
        out: out.clone(),
        keep: Keep::First,
        mode: Mode::Remove,
        overwrite: Overwrite::Refuse,
        emptied: Emptied::Keep,
        html: false,
        report: dupscan::dedup::DedupReport::Full,
    };
    let config =
        ScanConfig::new(ScanParams::new(vec![input.clone()], UnitKind::Sentence)).expect("valid");
    let job = dedup::prepare(config, &opts).expect("prepare");
    let scan = dupscan::pipeline::run(&job.config, &dupscan::progress::Silent).expect("scan");
    // The unique row's text changes to other text of the same length, the
    // modification time put back.
    let original = fs::read(&input).expect("read");
    let at = original
        .windows(6)
        .position(|w| w == b"Voters")
        .expect("the text is stored plain");
    let mut changed = original.clone();
    changed[at..at + 6].copy_from_slice(b"Hunter");
    let modified = fs::metadata(&input)
        .expect("stat")
        .modified()
        .expect("mtime");
    fs::write(&input, &changed).expect("rewrite");
    File::options()
        .write(true)
        .open(&input)
        .expect("open")
        .set_modified(modified)
        .expect("set mtime");
    let err = job.run(&scan).expect_err("the input changed");
    assert!(
        matches!(&err, dupscan::Error::Changed { path, .. } if *path == input),
        "{err:?}"
    );
    assert!(!out.join("in.parquet").exists());
}

#[test]
fn a_missing_text_column_names_the_file_and_the_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("docs.parquet");
    write_parquet(&path, &corpus(), Compression::SNAPPY, 4);
    let out = dupscan()
        .args(["scan", "--text-field", "body"])
        .arg(&path)
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("{}: no column \"body\"", path.display())),
        "{err}"
    );
    assert!(
        err.contains("id, meta.source, meta.year, meta.body, text"),
        "{err}"
    );
}

#[test]
fn many_row_groups_read_in_parallel_give_every_row_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("many.parquet");
    let recs: Vec<Rec> = (0..400)
        .map(|i| {
            rec(
                i,
                &format!(
                    "Row number {i} has words of its own: {}.",
                    "x".repeat(i as usize)
                ),
            )
        })
        .collect();
    write_parquet(&path, &recs, Compression::SNAPPY, 5);
    for _ in 0..3 {
        let out = dupscan()
            .args(["scan", "--format", "json", "--unit", "document", "-j", "4"])
            .arg(&path)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let report: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(report["stats"]["documents"], 400, "{report:#}");
    }
}

#[test]
fn reading_reports_progress_row_group_by_row_group_up_to_the_file_size() {
    use std::sync::Mutex;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("groups.parquet");
    let recs: Vec<Rec> = (0..60)
        .map(|i| {
            rec(
                i,
                &format!("Row {i} of the progress test, with a few words."),
            )
        })
        .collect();
    write_parquet(&path, &recs, Compression::SNAPPY, 10);
    let calls = Mutex::new(Vec::new());
    let on_bytes = |n: u64| calls.lock().expect("lock").push(n);
    let corpus = dupscan::corpus::read_inputs(
        std::slice::from_ref(&path),
        &dupscan::corpus::ReadOptions::default(),
        &on_bytes,
    )
    .expect("reads");
    assert_eq!(corpus.docs.len(), 60);
    let calls = calls.into_inner().expect("lock");
    let size = fs::metadata(&path).expect("size").len();
    // Six row groups, each reported as it is read, then the footer: the bar
    // advances while the file is read, not in one jump at the end.
    assert!(calls.iter().filter(|&&n| n > 0).count() >= 6, "{calls:?}");
    assert_eq!(calls.iter().sum::<u64>(), size, "{calls:?}");
}

/// A row's `text` and `meta.body`, read with the crate's own reader.
fn text_and_body(row: &Row) -> (Option<String>, Option<String>) {
    let mut text = None;
    let mut body = None;
    for (name, field) in row.get_column_iter() {
        match (name.as_str(), field) {
            ("text", Field::Str(s)) => text = Some(s.clone()),
            ("meta", Field::Group(meta)) => {
                for (inner, value) in meta.get_column_iter() {
                    if let ("body", Field::Str(s)) = (inner.as_str(), value) {
                        body = Some(s.clone());
                    }
                }
            }
            _ => {}
        }
    }
    (text, body)
}

/// A report member's doc, field, field_start, field_end and text.
type Member = (Value, Value, Value, Value, Value);

/// The members of a report's groups, group by group; without the paths,
/// which differ by format.
fn members(report: &Value) -> Vec<Vec<Member>> {
    report["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            g["members"]
                .as_array()
                .expect("members")
                .iter()
                .map(|m| {
                    (
                        m["doc"].clone(),
                        m["field"].clone(),
                        m["field_start"].clone(),
                        m["field_end"].clone(),
                        m["text"].clone(),
                    )
                })
                .collect()
        })
        .collect()
}

#[test]
fn several_text_fields_are_joined_reported_and_cut_per_column_as_in_jsonl() {
    let dir = tempfile::tempdir().expect("tempdir");
    // (text, meta.body) per row, in row groups of two: row 2's text repeats
    // S2 (row 0's body), row 3's body repeats S4 (row 1's body), row 4 is
    // row 0 again, whole; row 5 is its own.
    let fields = [
        (S1.to_owned(), S2.to_owned()),
        (S3.to_owned(), S4.to_owned()),
        (format!("{S5} {S2}"), S6.to_owned()),
        (S7.to_owned(), format!("{S8} {S4}")),
        (S1.to_owned(), S2.to_owned()),
        (S9.to_owned(), "Short words only.".to_owned()),
    ];
    let recs: Vec<Rec> = fields
        .iter()
        .enumerate()
        .map(|(i, (text, body))| {
            let mut r = rec(i as i64, text);
            r.meta = Some((Some("wire"), Some(2000 + i as i32), Some(body.clone())));
            r
        })
        .collect();
    let parquet = dir.path().join("qa.parquet");
    write_parquet(&parquet, &recs, Compression::SNAPPY, 2);
    let jsonl = dir.path().join("qa.jsonl");
    let lines: String = fields
        .iter()
        .enumerate()
        .map(|(i, (text, body))| {
            let record = serde_json::json!({"id": i, "text": text, "meta": {"body": body}});
            format!("{record}\n")
        })
        .collect();
    fs::write(&jsonl, lines).expect("write");
    let flags = ["--text-field", "text", "--text-field", "meta.body"];

    let scan = |path: &Path| {
        let out = dupscan()
            .args(["scan", "--format", "json", "--unit", "sentence"])
            .args(flags)
            .arg(path)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_slice::<Value>(&out.stdout).expect("json")
    };
    let from_parquet = scan(&parquet);
    let from_jsonl = scan(&jsonl);
    let got = members(&from_parquet);
    assert_eq!(got, members(&from_jsonl), "{from_parquet:#}");
    // S2 is reported in row 0's body and in row 2's text, by field.
    let s2 = got.iter().find(|g| g[0].4 == S2).expect("S2 is a group");
    let at = |doc: &str| s2.iter().find(|m| m.0 == doc).expect("member");
    assert_eq!(at("0").1, "meta.body");
    assert_eq!((&at("0").2, &at("0").3), (&0.into(), &S2.len().into()));
    assert_eq!(at("2").1, "text");
    let start = S5.len() + 1;
    assert_eq!(
        (&at("2").2, &at("2").3),
        (&start.into(), &(start + S2.len()).into())
    );

    let dedup = |path: &Path, out: &Path| {
        let run = dupscan()
            .args(["dedup", "-q", "--unit", "sentence"])
            .args(flags)
            .arg(path)
            .arg("--out")
            .arg(out)
            .output()
            .expect("runs");
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    };
    let parquet_out = dir.path().join("parquet-out");
    let jsonl_out = dir.path().join("jsonl-out");
    dedup(&parquet, &parquet_out);
    dedup(&jsonl, &jsonl_out);
    let after = rows(&parquet_out.join("qa.parquet"));
    let got: Vec<(Option<String>, Option<String>)> = after.iter().map(text_and_body).collect();
    let expected: Vec<(Option<String>, Option<String>)> =
        fs::read_to_string(jsonl_out.join("qa.jsonl"))
            .expect("jsonl written")
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("json");
                let s = |v: &Value| v.as_str().map(str::to_owned);
                (s(&v["text"]), s(&v["meta"]["body"]))
            })
            .collect();
    assert_eq!(got, expected);
    assert_eq!(
        got,
        [
            (Some(S1.to_owned()), Some(S2.to_owned())),
            (Some(S3.to_owned()), Some(S4.to_owned())),
            (Some(S5.to_owned()), Some(S6.to_owned())),
            (Some(S7.to_owned()), Some(S8.to_owned())),
            (Some(S9.to_owned()), Some("Short words only.".to_owned())),
        ],
        "row 4 goes, rows 2 and 3 lose a sentence each from their own column"
    );
    // Every other column of the rows kept is unchanged.
    let before = rows(&parquet);
    let others = |r: &Row| {
        let (mut others, _) = split(r);
        others.retain(|(name, _)| name != "meta");
        others
    };
    let kept: Vec<_> = before
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 4)
        .map(|(_, r)| others(r))
        .collect();
    assert_eq!(after.iter().map(others).collect::<Vec<_>>(), kept);
    let years: Vec<Option<i32>> = after
        .iter()
        .map(|r| match r.get_group(1).map(|m| m.get_int(1)) {
            Ok(Ok(y)) => Some(y),
            _ => None,
        })
        .collect();
    assert_eq!(
        years,
        [Some(2000), Some(2001), Some(2002), Some(2003), Some(2005)]
    );

    // A null in the second text column is an error naming it.
    let mut with_null = recs.clone();
    with_null[3].meta = Some((None, None, None));
    let nulls = dir.path().join("nulls.parquet");
    write_parquet(&nulls, &with_null, Compression::SNAPPY, 2);
    let out = dupscan()
        .args(["scan", "--format", "json"])
        .args(flags)
        .arg(&nulls)
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("row 4: the text column \"meta.body\" is null"),
        "{err}"
    );
}

#[test]
fn a_staged_run_reads_parquet_as_scan_does() {
    // `--memory-budget` runs the staged steps, whose reads keep only the
    // texts each step needs: Parquet, read row group by row group, must
    // hand its documents to that filter as JSON Lines does. One row per
    // row group, so that they are read in several batches.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("docs.parquet");
    write_parquet(&path, &corpus(), Compression::SNAPPY, 1);
    let scan = |extra: &[&str]| {
        let out = dupscan()
            .args(["scan", "-q", "--format", "json", "--unit", "sentence"])
            .args(["--scope", "all", "--groups", "components", "--spans", "off"])
            .args(extra)
            .arg(&path)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let report: Value = serde_json::from_slice(&out.stdout).expect("json");
        report["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .map(docs)
            .collect::<Vec<_>>()
    };
    let whole = scan(&[]);
    assert!(!whole.is_empty());
    assert_eq!(scan(&["--memory-budget", "8K"]), whole);

    let dedup = |out: &Path, extra: &[&str]| {
        let run = dupscan()
            .args(["dedup", "-q", "--unit", "sentence", "--spans", "off"])
            .args(extra)
            .arg(&path)
            .arg("--out")
            .arg(out)
            .output()
            .expect("runs");
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
        fs::read(out.join("docs.parquet")).expect("written")
    };
    let plain = dedup(&dir.path().join("plain"), &[]);
    let staged = dedup(&dir.path().join("staged"), &["--memory-budget", "8K"]);
    assert_eq!(plain, staged);
}
