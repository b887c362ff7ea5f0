//! The report read back through its own types: what the writers write of a
//! scan of `data/` parses into `ReportFile` (JSON) and `ReportHeader` plus
//! `GroupRecord`s (JSON Lines) with every field as the scan has it, and a
//! report of the first version still parses.

use std::path::{Path, PathBuf};

use dupscan::config::{ScanConfig, ScanParams, UnitKind};
use dupscan::pipeline::Scan;
use dupscan::progress::Silent;
use dupscan::report::{
    GroupRecord, Json, JsonLines, Report, ReportFile, ReportHeader, ReportWriter, Side,
};

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(path)
}

fn scan(unit: UnitKind, reference: bool) -> Scan {
    let mut params = ScanParams::new(vec![data("corpus")], unit);
    if reference {
        params.reference = vec![data("reference/quiz.jsonl")];
    }
    let config = ScanConfig::new(params).expect("valid parameters");
    dupscan::pipeline::run(&config, &Silent).expect("scan of data/")
}

fn written(writer: &dyn ReportWriter, report: &Report) -> String {
    let mut out = Vec::new();
    writer.write(report, &mut out).expect("write");
    String::from_utf8(out).expect("UTF-8")
}

/// Whether two floats are equal or neighbours: serde_json parses a float
/// with 17 significant digits to within one unit in the last place.
fn close(a: f64, b: f64) -> bool {
    a == b || a.to_bits().abs_diff(b.to_bits()) <= 1
}

/// Checks `header` and `groups`, read back, against the report they were
/// written from, field by field.
fn check(report: &Report, header: &ReportHeader, groups: &[GroupRecord], what: &str) {
    assert_eq!(header.tool, report.tool, "{what}");
    assert_eq!(header.params, report.params, "{what}");
    let (mut stats, mut expected) = (header.stats, report.stats);
    assert!(close(stats.seconds, expected.seconds), "{what}");
    (stats.seconds, expected.seconds) = (0.0, 0.0);
    assert_eq!(stats, expected, "{what}");
    assert_eq!(header.contamination, report.contamination, "{what}");
    assert_eq!(groups.len(), report.len(), "{what}");
    for (id, read) in groups.iter().enumerate() {
        let group = report.group(id);
        assert_eq!(
            (read.id, read.size, read.documents),
            (group.id, group.size, group.documents),
            "{what} group {id}"
        );
        assert!(
            close(read.min_similarity, group.min_similarity),
            "{what} group {id}"
        );
        assert_eq!(read.members.len(), group.members.len(), "{what} group {id}");
        for (m, w) in read.members.iter().zip(&group.members) {
            assert_eq!(
                (m.doc.as_str(), m.source.as_str(), m.unit, m.start, m.end),
                (w.doc, w.source, w.unit, w.start, w.end),
                "{what} group {id}"
            );
            assert!(close(m.similarity, w.similarity), "{what} group {id}");
            assert_eq!(
                (m.via, m.match_start, m.match_end),
                (Some(w.via), Some(w.match_start), Some(w.match_end)),
                "{what} group {id}"
            );
            assert_eq!(
                (m.text.as_str(), m.side),
                (&*w.text, w.side),
                "{what} group {id}"
            );
        }
    }
}

#[test]
fn reports_of_the_sample_corpus_read_back_field_by_field() {
    let cases = [
        (UnitKind::Sentence, false),
        (UnitKind::Paragraph, false),
        (UnitKind::Document, false),
        (UnitKind::Sentence, true),
    ];
    for (unit, reference) in cases {
        let scan = scan(unit, reference);
        let report = Report::from_scan(&scan);
        let what = format!("{unit:?}, reference {reference}");
        assert!(!report.is_empty(), "{what}: data/ has duplicates");
        assert_eq!(report.contamination.is_some(), reference, "{what}");

        let json = written(&Json, &report);
        let file: ReportFile = serde_json::from_str(&json).expect("a JSON report");
        let ReportFile {
            tool,
            params,
            stats,
            contamination,
            groups,
        } = file.clone();
        let header = ReportHeader {
            tool,
            params,
            stats,
            contamination,
        };
        check(&report, &header, &groups, &format!("{what}, json"));
        if reference {
            let sides = groups.iter().flat_map(|g| &g.members).map(|m| m.side);
            assert!(sides.clone().any(|s| s == Some(Side::Reference)), "{what}");
            assert!(sides.clone().all(|s| s.is_some()), "{what}");
        }

        let jsonl = written(&JsonLines, &report);
        let mut lines = jsonl.lines();
        let header: ReportHeader =
            serde_json::from_str(lines.next().expect("a header line")).expect("header");
        let groups: Vec<GroupRecord> = lines
            .map(|l| serde_json::from_str(l).expect("a group line"))
            .collect();
        check(&report, &header, &groups, &format!("{what}, jsonl"));
        assert_eq!(header.with_groups(groups), file, "{what}: json and jsonl");
    }
}

#[test]
fn a_report_of_the_first_version_still_parses() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report-oldest-document.json");
    let text = std::fs::read_to_string(path).expect("fixture");
    let file: ReportFile = serde_json::from_str(&text).expect("an old report");
    assert_eq!(file.params.scan.unit, UnitKind::Document);
    assert_eq!(
        file.params.scan.sketch,
        dupscan::minhash::Sketch::Permutations
    );
    assert_eq!(
        file.params.scan.grouping,
        dupscan::config::Grouping::Components
    );
    assert_eq!(
        (file.stats.lone_surrogates, file.stats.duplicate_ids),
        (0, 0)
    );
    assert!(!file.groups.is_empty());
    for m in file.groups.iter().flat_map(|g| &g.members) {
        assert_eq!(
            (m.via, m.match_start, m.match_end, m.side),
            (None, None, None, None)
        );
        assert!(m.start < m.end && !m.text.is_empty());
    }
}
