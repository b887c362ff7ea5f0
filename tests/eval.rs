//! `dupscan::eval` through its file API: truth and predictions on disk.

use std::fs;
use std::io::Write;
use std::path::Path;

use dupscan::eval::{Member, PredictedFormat, Truth, read_predicted, read_truth, score};

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("write fixture");
    path
}

#[test]
fn scores_files_on_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let truth = write(
        dir.path(),
        "truth.jsonl",
        concat!(
            "{\"members\":[{\"doc\":1,\"start\":0,\"end\":20},{\"doc\":2,\"start\":40,\"end\":60}]}\n",
            "{\"members\":[{\"doc\":\"3\"},{\"doc\":\"4\"},{\"doc\":\"5\"}]}\n",
        ),
    );
    let pred = write(
        dir.path(),
        "pred.jsonl",
        concat!(
            "{\"members\":[{\"doc\":\"1\",\"start\":2,\"end\":20},{\"doc\":\"2\",\"start\":40,\"end\":58}]}\n",
            "{\"members\":[{\"doc\":3,\"start\":0,\"end\":9},{\"doc\":4,\"start\":0,\"end\":9}]}\n",
            "{\"members\":[{\"doc\":\"9\"},{\"doc\":\"10\"}]}\n",
        ),
    );
    let truth = read_truth(&truth).expect("truth");
    let pred = read_predicted(&pred).expect("prediction");
    assert_eq!(pred.format, PredictedFormat::Groups);
    let s = score(&truth, &pred.groups).expect("scores");
    // True pairs 1 + 3; predicted 1 + 1 + 1 (the last unmatched); correct 2.
    assert_eq!(
        (s.true_pairs, s.predicted_pairs, s.correct_pairs),
        (4, 3, 2)
    );
    assert_eq!((s.unmatched_members, s.missed_units), (2, 1));
    assert!((s.pair_precision - 2.0 / 3.0).abs() < 1e-12);
    assert!((s.pair_recall - 0.5).abs() < 1e-12);
    assert!((s.f1 - 4.0 / 7.0).abs() < 1e-12);
}

#[test]
fn large_inputs_score_exactly() {
    // 20,000 labelled groups of 5 spans in 5 documents, 5 spans per document; the
    // prediction splits every group into 3 + 2 and adds an unmatched pair.
    let groups = 20_000u64;
    let mut truth = Vec::new();
    let mut pred = Vec::new();
    for g in 0..groups {
        let members: Vec<Member> = (0..5)
            .map(|k| {
                let start = (g % 5) * 100;
                Member::span(format!("d{}", (g / 5) * 5 + k), start, start + 80)
            })
            .collect();
        pred.push(members[..3].iter().map(shrink).collect());
        pred.push(members[3..].iter().map(shrink).collect());
        pred.push(vec![
            Member::span("x", g * 10, g * 10 + 5),
            Member::doc(format!("y{g}")),
        ]);
        truth.push(members);
    }
    let truth = Truth::from_groups(truth).expect("truth");
    let s = score(&truth, &pred).expect("scores");
    assert_eq!(s.true_pairs, groups * 10);
    assert_eq!(s.correct_pairs, groups * 4);
    assert_eq!(s.predicted_pairs, groups * 5);
    assert_eq!(s.unmatched_members, groups * 2);
    assert_eq!(s.missed_units, 0);
}

fn shrink(m: &Member) -> Member {
    let s = m.span.expect("span");
    Member::span(m.doc.clone(), s.start + 10, s.end)
}

#[test]
fn bad_truth_file_names_path_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("truth.jsonl");
    let mut f = fs::File::create(&path).expect("create");
    writeln!(f, "{{\"members\":[{{\"doc\":\"a\"}}]}}").expect("write");
    writeln!(f, "not json").expect("write");
    drop(f);
    let err = read_truth(&path).expect_err("malformed");
    let msg = err.to_string();
    assert!(msg.starts_with(&format!("{}:2: ", path.display())), "{msg}");
}
