//! The HTML report opened in headless Chromium: the page loads without an
//! error or a console message, its DOM holds the report's groups with the
//! differing words marked, filtering by a word (from the page address, as a
//! person's filter is kept) leaves only the groups holding it, corpus text
//! cannot inject markup, and a screenshot is written under `target/` for
//! people to look at.
//!
//! These tests need a Chromium binary (`chromium`, `chromium-browser` or
//! `google-chrome` on PATH, or `DUPSCAN_CHROMIUM`), so they are ignored by
//! default; `.ci/run` installs Debian's `chromium` and runs them with
//! `--include-ignored`.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{data, dupscan};

const NEEDS: &str = "needs headless Chromium (.ci/run installs Debian's chromium)";

/// The Chromium binary to drive.
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("DUPSCAN_CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!("{NEEDS}: no chromium, chromium-browser or google-chrome on PATH");
}

/// A directory of this test's own under `target/`.
fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("html_report")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("test directory");
    dir
}

/// Runs headless Chromium on `page` (with `#fragment`) and returns what it
/// printed on stdout (the DOM for `--dump-dom`), checking that the page
/// logged nothing on its console.
fn browse(page: &Path, fragment: &str, args: &[&str]) -> String {
    let profile = page.with_extension("profile");
    let url = format!("file://{}#{fragment}", page.display());
    let out = Command::new("timeout")
        .arg("120")
        .arg(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(&url)
        .output()
        .expect("run chromium");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed: {stderr}");
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    String::from_utf8(out.stdout).expect("UTF-8 DOM")
}

/// The DOM of `page` once loaded, checked for a complete render without
/// errors.
fn dom(page: &Path, fragment: &str) -> String {
    let dom = browse(page, fragment, &["--dump-dom"]);
    // The page marks its root element when done, and with any error.
    let root = &dom[dom.find("<html").expect("root element")..];
    let root = &root[..root.find('>').expect("end of root tag")];
    assert!(
        root.contains("data-ready=\"1\""),
        "the page did not finish: {dom}"
    );
    assert!(!root.contains("data-errors"), "errors on the page: {root}");
    dom
}

/// Ids of the groups rendered in a DOM, in order.
fn rendered_groups(dom: &str) -> Vec<u64> {
    dom.split("<details class=\"group\"")
        .skip(1)
        .map(|rest| {
            let at = rest.find("data-id=\"").expect("data-id") + 9;
            let end = rest[at..].find('"').expect("end of id");
            rest[at..at + end].parse().expect("numeric id")
        })
        .collect()
}

/// The sample corpus's report, written as JSON and as HTML into `dir`.
fn sample_reports(dir: &Path) -> (serde_json::Value, PathBuf) {
    let json = dir.join("sample.json");
    let html = dir.join("sample.html");
    for out in [&json, &html] {
        dupscan()
            .args(["scan", "-q", "--scope", "all", "-o"])
            .arg(out)
            .arg(data("corpus"))
            .assert()
            .success();
    }
    let report = serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("report");
    (report, html)
}

#[test]
#[ignore = "needs headless Chromium (.ci/run installs Debian's chromium)"]
fn html_report_of_the_sample_corpus_in_chromium() {
    let dir = out_dir("sample");
    let (report, page) = sample_reports(&dir);
    let groups = report["groups"].as_array().expect("groups");
    assert!(groups.len() > 10, "the sample corpus has groups");

    // Every group is rendered (fewer than one batch), opened from the address.
    let all = dom(&page, "open=all");
    let ids: BTreeSet<u64> = rendered_groups(&all).into_iter().collect();
    let expected: BTreeSet<u64> = groups
        .iter()
        .map(|g| g["id"].as_u64().expect("id"))
        .collect();
    assert_eq!(ids, expected);
    // The newsletter sign-up planted with "morning" -> "evening": the two
    // words are marked on either side.
    assert!(
        all.contains("<span class=\"w-del\">morning</span>"),
        "no deleted word marked"
    );
    assert!(
        all.contains("<span class=\"w-ins\">evening</span>"),
        "no inserted word marked"
    );
    assert!(all.contains("same text as the representative"));
    // Every document id of a member is on the page.
    for g in groups {
        for m in g["members"].as_array().expect("members") {
            let doc = m["doc"].as_str().expect("doc");
            assert!(all.contains(doc), "{doc} missing");
        }
    }
    // The pictures are drawn.
    assert_eq!(all.matches("<svg").count(), 3, "three histograms");
    assert!(all.contains("Duplicated share per input file"));

    // Filtering by a word keeps exactly the groups holding it.
    let word = "newsletter";
    let filtered = dom(&page, &format!("q={word}"));
    let kept: BTreeSet<u64> = rendered_groups(&filtered).into_iter().collect();
    let holding: BTreeSet<u64> = groups
        .iter()
        .filter(|g| {
            g["members"].as_array().expect("members").iter().any(|m| {
                m["text"]
                    .as_str()
                    .expect("text")
                    .to_lowercase()
                    .contains(word)
                    || m["doc"].as_str().expect("doc").contains(word)
            })
        })
        .map(|g| g["id"].as_u64().expect("id"))
        .collect();
    assert!(!holding.is_empty() && holding.len() < groups.len());
    assert_eq!(kept, holding);
    assert!(filtered.contains(&format!("showing {} of {}", kept.len(), kept.len())));

    // Other filters and sorts, from the address too.
    let big = dom(&page, "min=4&sort=size");
    let sizes: Vec<u64> = rendered_groups(&big)
        .iter()
        .map(|&id| groups[id as usize]["size"].as_u64().expect("size"))
        .collect();
    assert!(
        !sizes.is_empty() && sizes.iter().all(|&s| s >= 4),
        "{sizes:?}"
    );
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");

    // A screenshot, the largest group open, for people to look at.
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html_report.png");
    let _ = std::fs::remove_file(&shot);
    let first = rendered_groups(&all)[0];
    browse(
        &page,
        &format!("open={first}"),
        &[
            "--window-size=1400,1800",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{}",
        png.len()
    );
    eprintln!("screenshot: {}", shot.display());
}

#[test]
#[ignore = "needs headless Chromium (.ci/run installs Debian's chromium)"]
fn corpus_text_cannot_inject_markup_or_script() {
    let dir = out_dir("hostile");
    let corpus = dir.join("hostile.jsonl");
    let attack = "The </script><script>document.documentElement.setAttribute('data-pwned','1')</script> \
                  council <img src=x onerror=\"document.documentElement.setAttribute('data-pwned','2')\"> \
                  <b id=\"pwned\">approved</b> the budget on Tuesday after a long debate &amp; a vote. \
                  The members of the city council met again on Wednesday morning to discuss the \
                  schedule for road repairs in the old harbour district and the new park by the river.";
    let lines: Vec<String> = [
        ("a<i>", attack),
        ("b", &attack.replace("Tuesday", "Monday")),
    ]
    .iter()
    .map(|(id, text)| serde_json::json!({"id": id, "text": text}).to_string())
    .collect();
    std::fs::write(&corpus, lines.join("\n") + "\n").expect("corpus");
    let page = dir.join("hostile.html");
    dupscan()
        .args(["scan", "-q", "--scope", "all", "--unit", "document", "-o"])
        .arg(&page)
        .arg(&corpus)
        .assert()
        .success();
    let dom = dom(&page, "open=all");
    assert_eq!(rendered_groups(&dom).len(), 1);
    let root = &dom[..dom.find("<head").expect("head")];
    assert!(!root.contains("data-pwned"), "corpus text ran as script");
    assert!(
        !dom.contains("<b id=\"pwned\""),
        "corpus text became markup"
    );
    assert!(!dom.contains("<i>"), "a document id became markup");
    // The text is shown, as text.
    assert!(dom.contains("&lt;b id=\"pwned\"&gt;"), "text not shown");
}

/// Without a browser: the format follows the extension of `-o`, and a
/// one-line summary names the file written (not with `-q`).
#[test]
fn format_follows_the_output_extension_and_a_summary_names_the_file() {
    let dir = out_dir("extension");
    let html = dir.join("r.html");
    let out = dupscan()
        .args(["scan", "--scope", "all", "-o"])
        .arg(&html)
        .arg(data("corpus"))
        .output()
        .expect("run");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("report written to"), "{stderr}");
    assert!(
        stderr.contains("r.html") && stderr.contains(" groups, "),
        "{stderr}"
    );
    let page = std::fs::read_to_string(&html).expect("page");
    assert!(page.starts_with("<!DOCTYPE html>"));

    let jsonl = dir.join("r.jsonl");
    let out = dupscan()
        .args(["scan", "-q", "--scope", "all", "-o"])
        .arg(&jsonl)
        .arg(data("corpus"))
        .output()
        .expect("run");
    assert!(out.status.success());
    assert!(out.stderr.is_empty(), "-q prints nothing");
    let text = std::fs::read_to_string(&jsonl).expect("jsonl");
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("one JSON value per line");
    }

    // --format wins over the extension.
    let odd = dir.join("r.html.json");
    dupscan()
        .args(["scan", "-q", "--format", "html", "-o"])
        .arg(&odd)
        .arg(data("corpus"))
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(&odd)
            .expect("page")
            .starts_with("<!DOCTYPE html>")
    );
}

/// Without a browser: `dedup --html` writes the page beside the JSON report,
/// with members tagged kept or removed.
#[test]
fn dedup_html_tags_kept_and_removed_members() {
    let dir = out_dir("dedup");
    let out = dir.join("clean");
    dupscan()
        .args(["dedup", "-q", "--html", "--out"])
        .arg(&out)
        .arg(data("corpus"))
        .assert()
        .success();
    let page = std::fs::read_to_string(out.join(".dupscan/report.html")).expect("page");
    let open = "<script type=\"application/json\" id=\"data\">";
    let start = page.find(open).expect("data") + open.len();
    let end = start + page[start..].find("</script>").expect("end");
    let data: serde_json::Value = serde_json::from_str(&page[start..end]).expect("JSON");
    assert_eq!(data["dedup"]["keep"], "first");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(".dupscan/summary.json")).expect("summary"))
            .expect("JSON");
    assert_eq!(data["dedup"]["removed"], summary["units_removed"]);
    let mut kept = 0;
    let mut removed = 0;
    for g in data["groups"].as_array().expect("groups") {
        for m in g[5].as_array().expect("members") {
            match m[10].as_i64() {
                Some(1) => kept += 1,
                Some(0) => removed += 1,
                other => panic!("member without a decision: {other:?}"),
            }
        }
    }
    assert!(kept > 0 && removed > 0, "{kept} kept, {removed} removed");
}
