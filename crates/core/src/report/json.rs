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
//! memory stays bounded by the window (a few thousand members or 256 KiB of
//! member text per thread). A group larger than that is streamed: written
//! in its turn a few members at a time, never built whole.

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

/// Consecutive groups serialized together, or one large group streamed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Chunk {
    /// The groups.
    ids: std::ops::Range<usize>,
    /// One group of more than [`CHUNK_MEMBERS`] members or
    /// [`CHUNK_TEXT_BYTES`] of member text: written a few members at a
    /// time rather than built whole.
    stream: bool,
}

/// Member bytes a streamed group gathers before writing them out.
const STREAM_BUFFER: usize = if cfg!(test) { 100 } else { 1 << 16 };

/// How a writer lays out one group.
trait GroupFormat: Sync {
    /// Appends group `id`, whole, to `buf`.
    fn group(&self, report: &Report, id: usize, buf: &mut Vec<u8>) -> io::Result<()>;
    /// Writes group `id` to `out` with the bytes [`GroupFormat::group`]
    /// would append, building its members a few at a time.
    fn stream(&self, report: &Report, id: usize, out: &mut dyn Write) -> io::Result<()>;
}

/// Writes every group of `report` to `out` as `format` lays it out: chunks
/// of about [`CHUNK_MEMBERS`] members or [`CHUNK_TEXT_BYTES`] of member
/// text, whichever comes first, are serialized in parallel, a window of a
/// few per thread at a time, and written in order; a group larger than a
/// chunk is streamed, in its turn.
fn write_groups(report: &Report, out: &mut dyn Write, format: &dyn GroupFormat) -> io::Result<()> {
    let chunks = chunks(report);
    let window = WINDOW_PER_THREAD * rayon::current_num_threads().max(1);
    for batch in chunks.chunks(window) {
        let bufs: Vec<Option<io::Result<Vec<u8>>>> = batch
            .par_iter()
            .map(|c| {
                (!c.stream).then(|| {
                    let mut buf = Vec::new();
                    for id in c.ids.clone() {
                        format.group(report, id, &mut buf)?;
                    }
                    Ok(buf)
                })
            })
            .collect();
        for (c, buf) in batch.iter().zip(bufs) {
            match buf {
                Some(buf) => out.write_all(&buf?)?,
                None => format.stream(report, c.ids.start, out)?,
            }
        }
    }
    Ok(())
}

/// The groups of `report` cut into consecutive chunks of about
/// [`CHUNK_MEMBERS`] members or [`CHUNK_TEXT_BYTES`] of member text; a
/// group larger than that alone is a streamed chunk of its own.
fn chunks(report: &Report) -> Vec<Chunk> {
    let n = report.len();
    let mut chunks = Vec::new();
    let mut start = 0;
    let (mut members, mut bytes) = (0, 0);
    for id in 0..n {
        let (size, text) = (report.group_size(id), report.group_text_bytes(id));
        if size > CHUNK_MEMBERS || text > CHUNK_TEXT_BYTES {
            if start < id {
                chunks.push(Chunk {
                    ids: start..id,
                    stream: false,
                });
            }
            chunks.push(Chunk {
                ids: id..id + 1,
                stream: true,
            });
            start = id + 1;
            (members, bytes) = (0, 0);
            continue;
        }
        members += size;
        bytes += text;
        if members >= CHUNK_MEMBERS || bytes >= CHUNK_TEXT_BYTES || id + 1 == n {
            chunks.push(Chunk {
                ids: start..id + 1,
                stream: false,
            });
            start = id + 1;
            (members, bytes) = (0, 0);
        }
    }
    chunks
}

/// Writes the members of group `id` to `out`, each as `member(k, m, buf)`
/// appends member `k`, a few at a time.
fn stream_members(
    report: &Report,
    id: usize,
    out: &mut dyn Write,
    member: impl Fn(usize, &super::ReportMember, &mut Vec<u8>) -> io::Result<()>,
) -> io::Result<()> {
    let mut buf = Vec::new();
    for k in 0..report.group_size(id) {
        for m in &report.members(id, k..k + 1) {
            member(k, m, &mut buf)?;
        }
        if buf.len() >= STREAM_BUFFER {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)
}

/// Group `id` without its members, serialized by `to_vec`, cut before the
/// members' empty array `[]` (members are the last field) and what follows
/// it, which is returned second.
fn head_and_tail(
    report: &Report,
    id: usize,
    to_vec: impl Fn(&super::ReportGroup) -> serde_json::Result<Vec<u8>>,
) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let mut head = to_vec(&report.group_head(id, 0))?;
    let at = head
        .windows(2)
        .rposition(|w| w == b"[]")
        .expect("members, serialized last");
    let tail = head.split_off(at)[2..].to_vec();
    Ok((head, tail))
}

/// Groups as one compact object each.
struct Compact;

impl GroupFormat for Compact {
    fn group(&self, report: &Report, id: usize, buf: &mut Vec<u8>) -> io::Result<()> {
        serde_json::to_writer(&mut *buf, &report.group(id))?;
        Ok(())
    }

    fn stream(&self, report: &Report, id: usize, out: &mut dyn Write) -> io::Result<()> {
        let (head, tail) = head_and_tail(report, id, |g| serde_json::to_vec(g))?;
        out.write_all(&head)?;
        out.write_all(b"[")?;
        stream_members(report, id, out, |k, m, buf| {
            if k > 0 {
                buf.push(b',');
            }
            serde_json::to_writer(&mut *buf, m)?;
            Ok(())
        })?;
        out.write_all(b"]")?;
        out.write_all(&tail)
    }
}

/// Groups pretty-printed, nested two levels deep (in the report's
/// `groups` array).
struct Pretty;

/// Appends `pretty` to `buf` with `indent` after every newline.
fn indented(pretty: &[u8], indent: &[u8], buf: &mut Vec<u8>) {
    // JSON strings hold no raw newline, so every newline is the pretty
    // printer's own.
    for line in pretty.split_inclusive(|&b| b == b'\n') {
        buf.extend_from_slice(line);
        if line.ends_with(b"\n") {
            buf.extend_from_slice(indent);
        }
    }
}

impl GroupFormat for Pretty {
    fn group(&self, report: &Report, id: usize, buf: &mut Vec<u8>) -> io::Result<()> {
        let pretty = serde_json::to_vec_pretty(&report.group(id))?;
        indented(&pretty, b"    ", buf);
        Ok(())
    }

    fn stream(&self, report: &Report, id: usize, out: &mut dyn Write) -> io::Result<()> {
        let (head, tail) = head_and_tail(report, id, |g| serde_json::to_vec_pretty(g))?;
        let mut buf = Vec::new();
        indented(&head, b"    ", &mut buf);
        buf.push(b'[');
        out.write_all(&buf)?;
        // A member is an element of the group's "members" array: four
        // spaces deeper than the group, itself four deep in "groups".
        stream_members(report, id, out, |k, m, buf| {
            buf.extend_from_slice(if k == 0 { b"\n" } else { b",\n" });
            buf.extend_from_slice(b"        ");
            indented(&serde_json::to_vec_pretty(m)?, b"        ", buf);
            Ok(())
        })?;
        buf.clear();
        indented(b"\n  ]", b"    ", &mut buf);
        indented(&tail, b"    ", &mut buf);
        out.write_all(&buf)
    }
}

/// Compact groups, each ended by a newline.
struct Line;

impl GroupFormat for Line {
    fn group(&self, report: &Report, id: usize, buf: &mut Vec<u8>) -> io::Result<()> {
        Compact.group(report, id, buf)?;
        buf.push(b'\n');
        Ok(())
    }

    fn stream(&self, report: &Report, id: usize, out: &mut dyn Write) -> io::Result<()> {
        Compact.stream(report, id, out)?;
        out.write_all(b"\n")
    }
}

/// Groups of `format`, each preceded by `first` (the report's first
/// group) or `other`.
struct Separated<F> {
    format: F,
    first: &'static [u8],
    other: &'static [u8],
}

impl<F> Separated<F> {
    fn before(&self, id: usize) -> &'static [u8] {
        if id == 0 { self.first } else { self.other }
    }
}

impl<F: GroupFormat> GroupFormat for Separated<F> {
    fn group(&self, report: &Report, id: usize, buf: &mut Vec<u8>) -> io::Result<()> {
        buf.extend_from_slice(self.before(id));
        self.format.group(report, id, buf)
    }

    fn stream(&self, report: &Report, id: usize, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(self.before(id))?;
        self.format.stream(report, id, out)
    }
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
        write_groups(
            report,
            out,
            &Separated {
                format: Pretty,
                first: b"\n    ",
                other: b",\n    ",
            },
        )?;
        out.write_all(b"\n  ]\n}\n")
    }
}

impl ReportWriter for JsonCompact {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        // The header object, reopened to append "groups" as its last field.
        let head = serde_json::to_vec(&report.header())?;
        out.write_all(head.strip_suffix(b"}").unwrap_or(&head))?;
        out.write_all(b",\"groups\":[")?;
        write_groups(
            report,
            out,
            &Separated {
                format: Compact,
                first: b"",
                other: b",",
            },
        )?;
        out.write_all(b"]}\n")
    }
}

impl ReportWriter for JsonLines {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer(&mut *out, &report.header())?;
        out.write_all(b"\n")?;
        write_groups(report, out, &Line)
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
        scan_sized(groups, 2)
    }

    /// A scan with `groups` groups of `size` members.
    fn scan_sized(groups: usize, size: usize) -> Scan {
        let text = |i: usize| {
            format!(
                "Item {i}: the \"council\" voted on plan number {i} after a long debate on {}.",
                i * 7
            )
        };
        let docs = (0..size * groups)
            .map(|d| Document {
                id: format!("d{d}"),
                source: 0,
                line: d as u64 + 1,
                text: text(d / size),
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
            assert_eq!(c.first().map(|c| c.ids.start), Some(0));
            assert!(c.windows(2).all(|w| w[0].ids.end == w[1].ids.start));
            assert_eq!(c.last().map(|c| c.ids.end), Some(17));
            assert!(c.iter().all(|c| !c.stream));
            let pretty = serde_json::to_string_pretty(report).expect("json");
            assert_eq!(written(&Json, report), pretty + "\n");
            let compact = serde_json::to_string(report).expect("json");
            assert_eq!(written(&JsonCompact, report), compact + "\n");
        }
    }

    #[test]
    fn groups_larger_than_a_chunk_are_streamed_with_the_same_bytes() {
        // Groups of 12 members (more than the tests' 5 per chunk) between
        // groups of 2; the streamed members fill the tests' 100-byte
        // buffer several times.
        let big = scan_sized(3, 12);
        let small = scan(4);
        for scan in [&big, &small] {
            for report in [
                Report::from_scan(scan),
                Report::from_scan(scan).without_texts(),
            ] {
                let c = chunks(&report);
                let streamed = c.iter().filter(|c| c.stream).count();
                assert_eq!(streamed, if scan.groups.len() == 3 { 3 } else { 0 });
                let pretty = serde_json::to_string_pretty(&report).expect("json");
                assert_eq!(written(&Json, &report), pretty + "\n");
                let compact = serde_json::to_string(&report).expect("json");
                assert_eq!(written(&JsonCompact, &report), compact + "\n");
                let lines = written(&JsonLines, &report);
                for (id, line) in lines.lines().skip(1).enumerate() {
                    let group = serde_json::to_string(&report.group(id)).expect("json");
                    assert_eq!(line, group);
                }
                assert_eq!(lines.lines().count(), report.len() + 1);
            }
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
