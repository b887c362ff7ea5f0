//! Snapshot tests of the reports over the sample corpus in `data/corpus`, one
//! per unit kind. Paths in the report are relative, so dupscan runs from the
//! crate root; `seconds` is the only field blanked.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn scan(unit: &str, format: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::cargo_bin("dupscan")
        .expect("binary built")
        .current_dir(root)
        .args([
            "scan",
            "-q",
            "--scope",
            "all",
            "--unit",
            unit,
            "--format",
            format,
            "data/corpus",
        ])
        .assert()
        .success();
    String::from_utf8(out.get_output().stdout.clone()).expect("utf-8 report")
}

fn json_report(unit: &str) -> String {
    let mut v: Value = serde_json::from_str(&scan(unit, "json")).expect("json report");
    v["stats"]["seconds"] = Value::from(0);
    serde_json::to_string_pretty(&v).expect("serialize")
}

#[test]
fn sentence_report() {
    insta::assert_snapshot!(json_report("sentence"));
}

#[test]
fn paragraph_report() {
    insta::assert_snapshot!(json_report("paragraph"));
}

#[test]
fn document_report() {
    insta::assert_snapshot!(json_report("document"));
}

#[test]
fn sentence_text_summary() {
    let text = scan("sentence", "text");
    // The timing sits on the third line; drop it so the snapshot is stable.
    let stable: Vec<&str> = text
        .lines()
        .map(|l| {
            if l.ends_with(" s") && l.contains("duplicate units") {
                "<counts>"
            } else {
                l
            }
        })
        .collect();
    insta::assert_snapshot!(stable.join("\n"));
}

/// The data object of the HTML report (the page's template, style and
/// script are code, not data): the header and pictures pretty-printed, then
/// one compact line per group.
#[test]
fn sentence_html_data() {
    let page = scan("sentence", "html");
    let open = "<script type=\"application/json\" id=\"data\">";
    let start = page.find(open).expect("data element") + open.len();
    let end = start + page[start..].find("</script>").expect("end of data");
    let mut v: Value = serde_json::from_str(&page[start..end]).expect("data is JSON");
    v["stats"]["seconds"] = Value::from(0);
    let groups = v["groups"].take();
    let mut out = serde_json::to_string_pretty(&v).expect("serialize");
    for g in groups.as_array().expect("groups") {
        out.push('\n');
        out.push_str(&serde_json::to_string(g).expect("serialize"));
    }
    insta::assert_snapshot!(out);
}
