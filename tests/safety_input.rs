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
    assert!(report.contains("said \\x1b]0;title\\x07\\u{202e} on"), "{report}");
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
