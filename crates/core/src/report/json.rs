//! JSON and JSON Lines writers.
//!
//! `json` writes the whole [`Report`] as one pretty-printed object
//! ([`Json`]) or on one line ([`JsonCompact`], what `-o FILE` writes unless
//! `--pretty` is given: a third smaller, the same value). `jsonl`
//! writes a header line `{"tool":…,"params":…,"stats":…}` and then one
//! [`ReportGroup`](super::ReportGroup) per line, so huge reports stream.
//!
//! Both serialize groups in parallel, a window of chunks at a time, and
//! write the chunks in group order: the bytes are those of a sequential
//! `serde_json` run (a test checks it), whatever the number of threads, and
//! memory stays bounded by the window (a few thousand members per thread).

use std::io::{self, Write};

use rayon::prelude::*;

use super::{Report, ReportWriter};

/// The whole report as one JSON object.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

/// The whole report as one JSON object on one line.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonCompact;

/// A header line, then one group per line.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonLines;

/// Members serialized per parallel task, about (a chunk holds whole groups;
/// small in tests, so that they cross chunk and window boundaries with few
/// groups).
const CHUNK_MEMBERS: usize = if cfg!(test) { 5 } else { 4096 };
/// Member text per parallel task, about: a chunk ends once its groups
/// hold this much (at document level a few thousand members are whole
/// documents, tens of MB).
const CHUNK_TEXT_BYTES: u64 = if cfg!(test) { 250 } else { 1 << 18 };
/// Chunks in flight per worker thread before they are written out.
const WINDOW_PER_THREAD: usize = if cfg!(test) { 1 } else { 4 };

/// Writes every group of `report` to `out`, each as `group(id, buf)` appends
/// it: chunks of about [`CHUNK_MEMBERS`] members or [`CHUNK_TEXT_BYTES`] of
/// member text, whichever comes first, are serialized in parallel, a window
/// of a few per thread at a time, and written in order.
fn write_groups(
    report: &Report,
    out: &mut dyn Write,
    group: impl Fn(usize, &mut Vec<u8>) -> io::Result<()> + Sync,
) -> io::Result<()> {
    let chunks = chunks(report);
    let window = WINDOW_PER_THREAD * rayon::current_num_threads().max(1);
    for batch in chunks.chunks(window) {
        let bufs: Vec<io::Result<Vec<u8>>> = batch
            .par_iter()
            .map(|ids| {
                let mut buf = Vec::new();
                for id in ids.clone() {
                    group(id, &mut buf)?;
                }
                Ok(buf)
            })
            .collect();
        for buf in bufs {
            out.write_all(&buf?)?;
        }
    }
    Ok(())
}

/// The groups of `report` cut into consecutive chunks of about
/// [`CHUNK_MEMBERS`] members or [`CHUNK_TEXT_BYTES`] of member text.
fn chunks(report: &Report) -> Vec<std::ops::Range<usize>> {
    let n = report.len();
    let mut chunks = Vec::new();
    let mut start = 0;
    let (mut members, mut bytes) = (0, 0);
    for id in 0..n {
        members += report.group_size(id);
        bytes += report.group_text_bytes(id);
        if members >= CHUNK_MEMBERS || bytes >= CHUNK_TEXT_BYTES || id + 1 == n {
            chunks.push(start..id + 1);
            start = id + 1;
            (members, bytes) = (0, 0);
        }
    }
    chunks
}

impl ReportWriter for Json {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        // The header object, reopened to append "groups" as its last field.
        let head = serde_json::to_vec_pretty(&report.header())?;
        let open = head.strip_suffix(b"\n}").unwrap_or(&head);
        out.write_all(open)?;
        if report.is_empty() {
            return out.write_all(b",\n  \"groups\": []\n}\n");
        }
        out.write_all(b",\n  \"groups\": [")?;
        write_groups(report, out, |id, buf| {
            let pretty = serde_json::to_vec_pretty(&report.group(id))?;
            buf.extend_from_slice(if id == 0 { b"\n    " } else { b",\n    " });
            // Nested two levels deep. JSON strings hold no raw newline, so
            // every newline is the pretty printer's own.
            for line in pretty.split_inclusive(|&b| b == b'\n') {
                buf.extend_from_slice(line);
                if line.ends_with(b"\n") {
                    buf.extend_from_slice(b"    ");
                }
            }
            Ok(())
        })?;
        out.write_all(b"\n  ]\n}\n")
    }
}

impl ReportWriter for JsonCompact {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        // The header object, reopened to append "groups" as its last field.
        let head = serde_json::to_vec(&report.header())?;
        out.write_all(head.strip_suffix(b"}").unwrap_or(&head))?;
        out.write_all(b",\"groups\":[")?;
        write_groups(report, out, |id, buf| {
            if id > 0 {
                buf.push(b',');
            }
            serde_json::to_writer(&mut *buf, &report.group(id))?;
            Ok(())
        })?;
        out.write_all(b"]}\n")
    }
}

impl ReportWriter for JsonLines {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer(&mut *out, &report.header())?;
        out.write_all(b"\n")?;
        write_groups(report, out, |id, buf| {
            serde_json::to_writer(&mut *buf, &report.group(id))?;
            buf.push(b'\n');
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ScanConfig, ScanParams, Scope, UnitKind};
    use crate::corpus::{Compression, Corpus, Document, Format, Layout, Origin, Source};
    use crate::pipeline::{Scan, scan_corpus};
    use crate::progress::Silent;

    /// A scan with `groups` groups of two members.
    fn scan(groups: usize) -> Scan {
        let text = |i: usize| {
            format!(
                "Item {i}: the \"council\" voted on plan number {i} after a long debate on {}.",
                i * 7
            )
        };
        let docs = (0..2 * groups)
            .map(|d| Document {
                id: format!("d{d}"),
                source: 0,
                line: d as u64 + 1,
                text: text(d / 2),
                joins: Vec::new(),
            })
            .collect();
        let path = std::path::PathBuf::from("in.jsonl");
        let corpus = Corpus {
            sources: vec![Source {
                format: Format {
                    layout: Layout::Jsonl,
                    compression: Compression::None,
                },
                relative: path.clone(),
                path,
                origin: Origin::Named,
                fingerprint: None,
            }],
            docs,
            ..Corpus::default()
        };
        let mut params = ScanParams::new(vec!["in.jsonl".into()], UnitKind::Document);
        params.options.scope = Scope::All;
        params.options.min_tokens = Some(1);
        scan_corpus(&ScanConfig::new(params).expect("valid"), corpus, &Silent)
    }

    fn written(writer: &dyn ReportWriter, report: &Report) -> String {
        let mut out = Vec::new();
        writer.write(report, &mut out).expect("write");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn parallel_json_equals_sequential_serde_json() {
        for n in [0, 1, 2, 17] {
            let scan = scan(n);
            let report = Report::from_scan(&scan);
            assert_eq!(report.len(), n);
            let expected = serde_json::to_string_pretty(&report).expect("json") + "\n";
            assert_eq!(written(&Json, &report), expected, "{n} groups");
        }
    }

    #[test]
    fn chunks_end_at_enough_member_text_and_the_bytes_stay_the_same() {
        let scan = scan(17);
        let with = Report::from_scan(&scan);
        let without = Report::from_scan(&scan).without_texts();
        // Two members of about 75 bytes a group: 250 bytes of text end a
        // chunk after two groups, 5 members after three.
        assert!((125..250).contains(&with.group_text_bytes(0)));
        assert_eq!(without.group_text_bytes(0), 0);
        let (by_text, by_members) = (chunks(&with), chunks(&without));
        assert_eq!(by_text.len(), 9, "{by_text:?}");
        assert_eq!(by_members.len(), 6, "{by_members:?}");
        for (report, c) in [(&with, &by_text), (&without, &by_members)] {
            assert_eq!(c.first().map(|r| r.start), Some(0));
            assert!(c.windows(2).all(|w| w[0].end == w[1].start));
            assert_eq!(c.last().map(|r| r.end), Some(17));
            let pretty = serde_json::to_string_pretty(report).expect("json");
            assert_eq!(written(&Json, report), pretty + "\n");
            let compact = serde_json::to_string(report).expect("json");
            assert_eq!(written(&JsonCompact, report), compact + "\n");
        }
    }

    #[test]
    fn compact_json_is_the_same_value_on_one_line() {
        for n in [0, 1, 2, 17] {
            let scan = scan(n);
            let report = Report::from_scan(&scan);
            let compact = written(&JsonCompact, &report);
            assert_eq!(
                compact,
                serde_json::to_string(&report).expect("json") + "\n"
            );
            assert_eq!(compact.lines().count(), 1);
            let pretty = written(&Json, &report);
            assert!(compact.len() < pretty.len());
            let value = |s: &str| serde_json::from_str::<serde_json::Value>(s).expect("json");
            assert_eq!(value(&compact), value(&pretty), "{n} groups");
        }
    }

    #[test]
    fn parallel_jsonl_is_a_header_and_one_group_per_line() {
        let scan = scan(9);
        let report = Report::from_scan(&scan);
        let text = written(&JsonLines, &report);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 9 + 1);
        assert_eq!(
            lines[0],
            serde_json::to_string(&report.header()).expect("json")
        );
        for (id, line) in lines[1..].iter().enumerate() {
            assert_eq!(
                *line,
                serde_json::to_string(&report.group(id)).expect("json")
            );
        }
    }
}
