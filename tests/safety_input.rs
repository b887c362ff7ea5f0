//! Data-safety tests of the input side (issue #8): formats dupscan cannot
//! read are refused, nothing hostile reaches the terminal raw, oversized
//! documents stop (or are skipped) before they exhaust memory, and a
//! directory walk reads each file once and says what it skipped.

#[allow(dead_code)] // not every helper is used here
mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::dupscan;

const S1: &str = "The harbour authority said on Monday that the container terminal would reopen next week after a strike.";
const S2: &str = "A local bakery won the regional prize for its rye bread, beating forty other entries from the valley.";

fn jsonl_line(id: &str, text: &str) -> String {
    serde_json::json!({ "id": id, "text": text }).to_string()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The names of every file under `dir`, recursively (hidden ones included).
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(tree(&path));
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

// Item 10: terminal injection.

#[test]
fn text_report_escapes_ids_and_texts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("c.jsonl");
    let evil_id = "a\u{1b}[2Jb\nFAKE group 99: 1 members";
    let evil_text = S1.replace("said", "said \u{1b}]0;title\u{7}\u{202e}");
    let lines = [
        jsonl_line(evil_id, &evil_text),
        jsonl_line("plain\u{9b}31m", &evil_text),
        jsonl_line("other", S2),
    ];
    fs::write(&input, lines.join("\n") + "\n").expect("write");
    let out = dupscan()
        .args(["scan", "-q", "--format", "text"])
        .arg(&input)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.contains("group "), "{report}");
    assert!(
        !report.chars().any(|c| c.is_control() && c != '\n'),
        "raw control characters in the report:\n{report:?}"
    );
    assert!(!report.contains('\u{202e}'), "{report:?}");
    assert!(
        !report.lines().any(|l| l.starts_with("FAKE")),
        "a forged line:\n{report}"
    );
    assert!(report.contains("a\\x1b[2Jb\\nFAKE group 99"), "{report}");
    assert!(report.contains("plain\\u{9b}31m"), "{report}");
    assert!(
        report.contains("said \\x1b]0;title\\x07\\u{202e} on"),
        "{report}"
    );
}

#[cfg(unix)]
#[test]
fn error_messages_escape_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("bad\nFAKE: \u{1b}[31mname.jsonl");
    fs::write(&input, "{not json\n").expect("write");
    let out = dupscan()
        .args(["scan", "-q", "--format", "json"])
        .arg(&input)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line expected:\n{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(
        err.contains("bad\\nFAKE: \\x1b[31mname.jsonl:1: "),
        "{err:?}"
    );
}

// Item 15: directory cycles, repeated files and special files.

const PARA_A: &str = "The harbour authority said on Monday that the container terminal would reopen next week after a three day strike by crane operators.";
const OTHER: &str = "A local bakery won the regional prize for its rye bread, beating forty other entries from across the valley and the hills.";

/// Makes a FIFO at `path` with mkfifo(1); false (and a visible note) when
/// the system has no mkfifo.
#[cfg(unix)]
fn mkfifo(path: &Path) -> bool {
    match std::process::Command::new("mkfifo").arg(path).status() {
        Ok(status) if status.success() => true,
        other => {
            eprintln!("SKIPPED: mkfifo unavailable ({other:?})");
            false
        }
    }
}

#[cfg(unix)]
#[test]
fn walk_reads_each_file_once_and_warns_about_what_it_skips() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    fs::create_dir_all(corpus.join("dir")).expect("mkdir");
    fs::write(corpus.join("dir/a.txt"), PARA_A).expect("write");
    fs::write(corpus.join("b.txt"), OTHER).expect("write");
    symlink("..", corpus.join("dir/loop")).expect("symlink");
    symlink("dir", corpus.join("alias")).expect("symlink");
    symlink("b.txt", corpus.join("c.txt")).expect("symlink");
    if !mkfifo(&corpus.join("fifo")) {
        return;
    }
    let out = dupscan()
        .args([
            "scan", "--format", "json", "--unit", "document", "--scope", "all",
        ])
        .arg(&corpus)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["stats"]["documents"], 2, "{report:#}");
    assert_eq!(
        report["groups"].as_array().map(Vec::len),
        Some(0),
        "{report:#}"
    );
    let fifo = corpus.join("fifo");
    assert!(
        err.contains(&format!("{}: skipped: a FIFO", fifo.display())),
        "{err}"
    );
    // "alias" sorts before "dir", so the directory is walked as alias/ and
    // dir/ is the repeat.
    let loop_link = corpus.join("alias/loop");
    let expected = [
        format!(
            "{}: skipped: a symbolic link to a directory that contains it",
            loop_link.display()
        ),
        format!(
            "{}: skipped: the same file as {}",
            corpus.join("c.txt").display(),
            corpus.join("b.txt").display()
        ),
        format!(
            "{}: skipped: the same file as {}",
            corpus.join("dir").display(),
            corpus.join("alias").display()
        ),
    ];
    for line in expected {
        assert!(err.contains(&line), "{line}\nnot in\n{err}");
    }

    // dedup writes each file once, and nothing for the FIFO.
    let out_dir = dir.path().join("out");
    let out = dupscan()
        .args(["dedup", "-q", "--unit", "document", "--out"])
        .arg(&out_dir)
        .arg(&corpus)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written: Vec<_> = tree(&out_dir)
        .into_iter()
        .filter(|p| !p.starts_with(out_dir.join(".dupscan")))
        .collect();
    assert_eq!(
        written,
        [out_dir.join("alias/a.txt"), out_dir.join("b.txt")]
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_named_on_the_command_line_is_read_as_a_stream() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("pipe");
    if !mkfifo(&fifo) {
        return;
    }
    let writer = {
        let fifo = fifo.clone();
        // Detached: if dupscan never opened the FIFO, the test still ends.
        std::thread::spawn(move || fs::write(&fifo, format!("{PARA_A}\n\n{PARA_A}\n")))
    };
    let out = dupscan()
        .args([
            "scan",
            "-q",
            "--format",
            "json",
            "--unit",
            "paragraph",
            "--scope",
            "all",
        ])
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["stats"]["documents"], 1, "{report:#}");
    assert_eq!(
        report["groups"].as_array().map(Vec::len),
        Some(1),
        "{report:#}"
    );
    assert!(writer.join().expect("writer").is_ok());
}

#[test]
fn an_input_named_twice_is_read_once_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.txt");
    fs::write(&a, PARA_A).expect("write");
    let out = dupscan()
        .args(["scan", "--format", "json", "--unit", "document"])
        .arg(&a)
        .arg(&a)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["stats"]["documents"], 1, "{report:#}");
    assert_eq!(
        report["groups"].as_array().map(Vec::len),
        Some(0),
        "{report:#}"
    );
    assert!(
        stderr(&out).contains("skipped: the same file as"),
        "{}",
        stderr(&out)
    );
}

// Item 11: decompression bombs and endless inputs.

/// 4 MB of `0` characters (four times the limit the tests set), the
/// middle of the bomb.
const BOMB: usize = 4_000_000;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("gunzip");
    out
}

#[test]
fn a_text_bomb_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    fs::create_dir(&corpus).expect("mkdir");
    let bomb = corpus.join("bomb.txt.gz");
    fs::write(&bomb, gzip(&vec![b'0'; BOMB])).expect("write");
    assert!(fs::metadata(&bomb).expect("stat").len() < 200_000);
    fs::write(corpus.join("other.txt"), OTHER).expect("write");

    let out = dupscan()
        .args(["scan", "--format", "json", "--max-document-bytes", "1M"])
        .arg(&corpus)
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "{}:1: document larger than 1048576 bytes",
            bomb.display()
        )),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    let out_dir = dir.path().join("out");
    let out = dupscan()
        .args(["dedup", "--max-document-bytes", "1M", "--out"])
        .arg(&out_dir)
        .arg(&corpus)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(tree(&out_dir).is_empty(), "{:?}", tree(&out_dir));

    // Skipped: the other file is still read, the bomb is counted and named,
    // and dedup keeps it byte for byte.
    let out = dupscan()
        .args(["scan", "--format", "json", "--skip-bad-lines"])
        .args(["--max-document-bytes", "1M", "--unit", "document"])
        .arg(&corpus)
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["stats"]["documents"], 1, "{report:#}");
    assert_eq!(report["stats"]["bad_lines"], 1, "{report:#}");
    assert!(
        err.contains(&format!(
            "{}:1: skipped: document larger than --max-document-bytes (1048576 bytes)",
            bomb.display()
        )),
        "{err}"
    );
    let out = dupscan()
        .args([
            "dedup",
            "-q",
            "--skip-bad-lines",
            "--max-document-bytes",
            "1M",
        ])
        .arg("--out")
        .arg(&out_dir)
        .arg(&corpus)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        fs::read(out_dir.join("bomb.txt.gz")).expect("copied"),
        fs::read(&bomb).expect("read")
    );
}

#[test]
fn a_jsonl_bomb_line_is_an_error_or_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bomb = dir.path().join("bomb.jsonl.gz");
    let mut plain =
        format!("{}\n{{\"id\":\"big\",\"text\":\"", jsonl_line("a", PARA_A)).into_bytes();
    plain.extend(std::iter::repeat_n(b'0', BOMB));
    plain.extend(format!("\"}}\n{}\n", jsonl_line("c", PARA_A)).into_bytes());
    fs::write(&bomb, gzip(&plain)).expect("write");

    let out = dupscan()
        .args(["scan", "--format", "json", "--max-document-bytes", "1M"])
        .arg(&bomb)
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "{}:2: document larger than 1048576 bytes",
            bomb.display()
        )),
        "{err}"
    );

    let out = dupscan()
        .args([
            "scan",
            "--format",
            "json",
            "--unit",
            "document",
            "--skip-bad-lines",
        ])
        .args(["--max-document-bytes", "1M"])
        .arg(&bomb)
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["stats"]["documents"], 2, "{report:#}");
    assert_eq!(report["stats"]["bad_lines"], 1, "{report:#}");
    assert_eq!(
        report["groups"].as_array().map(Vec::len),
        Some(1),
        "{report:#}"
    );
    assert!(err.contains(":2: skipped: document larger"), "{err}");

    // dedup drops the duplicate and copies the skipped line as it was.
    let out_dir = dir.path().join("out");
    let out = dupscan()
        .args(["dedup", "-q", "--unit", "document", "--skip-bad-lines"])
        .args(["--max-document-bytes", "1M", "--out"])
        .arg(&out_dir)
        .arg(&bomb)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = gunzip(&fs::read(out_dir.join("bomb.jsonl.gz")).expect("written"));
    let kept = plain.len() - jsonl_line("c", PARA_A).len() - 1;
    assert_eq!(written, plain[..kept]);
}

// Item 4: formats dupscan cannot read are refused, binary files are not text.

/// The start and end of a (tiny, not valid) Parquet file: magic, a page
/// header, a string value, the footer magic.
const PARQUET: &[u8] = b"PAR1\x15\x00\x15\x1c\x15\x1c\x2c\x15\x02\x00\x05\x00\x00\x00helloPAR1";

/// The start of an Arrow IPC file: magic, padding, a message length.
const ARROW: &[u8] = b"ARROW1\x00\x00\xff\xff\xff\xff\x10\x00\x00\x00";

/// The formats list every refusal names.
const READS: &str = "is not a format dupscan reads; it reads plain text, JSON Lines";

fn refused(args: &[&str], input: &Path, what: &str) {
    let out = dupscan().args(args).arg(input).output().expect("runs");
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?} {}: {err}",
        input.display()
    );
    assert!(out.stdout.is_empty(), "no report on a refusal");
    assert!(err.contains(what), "{what:?} not in {err}");
    assert!(err.contains(READS), "{err}");
}

#[test]
fn unreadable_formats_are_refused_by_name_and_by_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let cases: Vec<(PathBuf, Vec<u8>, &str)> = vec![
        (
            d.join("rows.orc"),
            b"id,text\n1,hello\n2,world\n".to_vec(),
            "an ORC file (.orc)",
        ),
        (
            d.join("rows.csv"),
            PARQUET.to_vec(),
            "a Parquet file is not",
        ),
        (
            d.join("part-0.orc"),
            b"ORC\x0a\x0b".to_vec(),
            "an ORC file (.orc)",
        ),
        (
            d.join("part-0.bin"),
            ARROW.to_vec(),
            "an Arrow IPC file is not",
        ),
        (
            d.join("part-0.txt.gz"),
            gzip(PARQUET),
            "a Parquet file is not",
        ),
        (
            d.join("book.txt"),
            b"PK\x03\x04\x14\x00\x06\x00".to_vec(),
            "a zip archive",
        ),
        (
            d.join("table.jsonl"),
            b"PK\x03\x04\x14\x00\x06\x00".to_vec(),
            "a zip archive",
        ),
        (
            d.join("paper"),
            b"%PDF-1.7\n%\xe2\xe3\n".to_vec(),
            "a PDF document",
        ),
        (
            d.join("tool"),
            b"\x7fELF\x02\x01\x01\x00".to_vec(),
            "an ELF executable",
        ),
        (
            d.join("junk.dat"),
            vec![0, 1, 2, b'a', 0, 0],
            "binary data (a NUL byte",
        ),
    ];
    for (path, bytes, what) in &cases {
        fs::write(path, bytes).expect("write");
        let what = what.replace(" is not", "");
        refused(&["scan", "--format", "json"], path, &what);
        // Skipping bad lines does not turn a refusal into an empty success.
        refused(
            &["scan", "--format", "json", "--skip-bad-lines"],
            path,
            &what,
        );
        let out_dir = d.join("out");
        refused(
            &["dedup", "--out", out_dir.to_str().expect("utf-8")],
            path,
            &what,
        );
        assert!(
            tree(&out_dir).is_empty(),
            "dedup wrote {:?}",
            tree(&out_dir)
        );
    }
}

#[test]
fn a_data_format_in_a_directory_is_refused_and_binary_junk_is_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    fs::create_dir(&corpus).expect("mkdir");
    fs::write(corpus.join("a.txt"), PARA_A).expect("write");
    let image = corpus.join("image.dat");
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    fs::write(&image, &png).expect("write");

    // Binary junk found by walking is skipped with a warning...
    let out = dupscan()
        .args(["scan", "--format", "json", "--unit", "document"])
        .arg(&corpus)
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["stats"]["documents"], 1, "{report:#}");
    assert!(
        err.contains(&format!(
            "{}: skipped: a PNG image, not text",
            image.display()
        )),
        "{err}"
    );
    // ... and dedup copies it byte for byte instead of rewriting it.
    let out_dir = dir.path().join("out");
    let out = dupscan()
        .args(["dedup", "-q", "--unit", "document", "--out"])
        .arg(&out_dir)
        .arg(&corpus)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(out_dir.join("image.dat")).expect("copied"), png);

    // A data format found by walking is refused: its records would be lost.
    let orc = corpus.join("z.orc");
    fs::write(&orc, b"ORC\x0a\x0b").expect("write");
    refused(
        &["scan", "--format", "json"],
        &corpus,
        &format!("{}: an ORC file (.orc)", orc.display()),
    );
    fs::remove_file(&orc).expect("rm");
    let hidden_arrow = corpus.join("z.bin");
    fs::write(&hidden_arrow, ARROW).expect("write");
    refused(
        &["scan", "--format", "json", "--skip-bad-lines"],
        &corpus,
        &format!("{}: an Arrow IPC file", hidden_arrow.display()),
    );
}
