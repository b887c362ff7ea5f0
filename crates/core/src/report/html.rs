//! The HTML report: one self-contained page (inline CSS and script, no
//! network: its Content-Security-Policy forbids any fetch) to read a scan in
//! a browser.
//!
//! The page shows the run (parameters, counts, time), histograms of group
//! sizes and similarities, the documents and input files with the largest
//! duplicated share, the contamination items of a `--reference` run, what
//! `dedup` kept and removed (when the report carries [`Decisions`]), and the
//! groups: filterable, sortable, each opening to its members side by side
//! with the representative, the differing words marked (a word diff computed
//! by the page when a group is opened) and the matched span of each member
//! marked inside its unit.
//!
//! Data: one JSON object in a `<script type="application/json">`, written
//! compactly (groups and members as arrays, document ids and sources as
//! tables, a member's text left out when it equals the representative's).
//! Every `<`, `>` and `&` in it is written as a `\u003c`-style escape, so no
//! corpus text can close the script element, and the page puts corpus text
//! into the document only as text nodes, never as markup. The page renders
//! lazily: a first batch of groups, more on scroll.
//!
//! Cap: the [`Html::max_groups`] groups with the most duplicated bytes are
//! embedded (the histograms and shares count every group), each with at most
//! [`Html::max_members`] members and [`Html::max_text`] bytes of text per
//! member; the page says what was left out.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{Report, ReportWriter};
use crate::cluster::Via;

/// The HTML report writer.
#[derive(Debug, Clone, Copy)]
pub struct Html {
    /// Groups embedded, most duplicated bytes first.
    pub max_groups: usize,
    /// Members embedded per group (the representative included).
    pub max_members: usize,
    /// Bytes of text embedded per member (cut at a character boundary).
    pub max_text: usize,
}

impl Default for Html {
    fn default() -> Self {
        Self {
            max_groups: 10_000,
            max_members: 50,
            max_text: 4_000,
        }
    }
}

/// What `dedup` did to the members of the groups, for the HTML report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decisions {
    /// The keep rule, as the command line spells it (`first`, `longest`).
    pub keep: String,
    /// Why a member is kept or removed under that rule, in a sentence.
    pub rule: String,
    /// Removed units: `(unit, kept unit it duplicates)`, sorted by unit.
    pub removed: Vec<(u32, u32)>,
}

impl Decisions {
    fn of(&self, unit: u32) -> Option<u32> {
        self.removed
            .binary_search_by_key(&unit, |&(u, _)| u)
            .ok()
            .map(|i| self.removed[i].1)
    }
}

const TEMPLATE: &str = include_str!("html/template.html");
const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

/// Via as a small number: 0 representative, 1 exact, 2 unit, 3 span,
/// 4 contained.
fn via_code(via: Via) -> u8 {
    match via {
        Via::Representative => 0,
        Via::Exact => 1,
        Via::Unit => 2,
        Via::Span => 3,
        Via::Contained => 4,
    }
}

/// `x` rounded to 3 decimals, so that `0.7727272727` costs 5 bytes.
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// `text` cut to at most `max` bytes at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// UTF-16 length of `text`: offsets the page's script can slice with.
fn utf16(text: &str) -> u32 {
    text.encode_utf16().count() as u32
}

/// A member: `[doc, unit, start, end, similarity, via, match_start,
/// match_end, text, side, kept, of, cut]`. `doc` indexes `docs`; the match
/// offsets are UTF-16 code units into the embedded `text` (null when it
/// equals the representative's); `side` is 0 (plain scan), 1 reference, 2
/// corpus; `kept` is -1 without dedup decisions, else 1 kept, or 0 removed;
/// `of` indexes `docs` for the document of the kept member a removed one
/// duplicates (else -1); `cut` says the text was cut to the cap.
#[derive(Serialize)]
struct Member<'a>(
    u32,
    u32,
    u32,
    u32,
    f64,
    u8,
    u32,
    u32,
    Option<&'a str>,
    u8,
    i8,
    i64,
    bool,
);

/// A group: `[id, size, documents, min_similarity, bytes, members]`.
#[derive(Serialize)]
struct Group<'a>(u64, u64, u64, f64, u64, Vec<Member<'a>>);

/// Counts for the pictures, over every group (not only the embedded ones).
#[derive(Serialize)]
struct Charts {
    /// `[low, high, groups]`: groups by size: 2, 3, then powers of two.
    sizes: Vec<(u64, u64, u64)>,
    /// Members other than representatives by similarity, 20 bins of 0.05.
    similarity: Vec<u64>,
    /// Documents by duplicated share: none, then 10 bins of 10%.
    shares: Vec<u64>,
    /// `[doc, duplicated bytes, bytes]`: the documents with the most
    /// duplicated bytes.
    documents: Vec<(String, u64, u64)>,
    /// `[source, duplicated bytes, bytes, documents]`: input files.
    files: Vec<(String, u64, u64, u64)>,
}

#[derive(Serialize)]
struct Data<'a> {
    #[serde(flatten)]
    header: super::Header<'a>,
    /// Groups in the scan.
    total_groups: u64,
    /// Duplicated bytes over every group (see [`Report::group_bytes`]).
    duplicated_bytes: u64,
    /// The cap: groups, members, text bytes.
    cap: (usize, usize, usize),
    sources: &'a [String],
    /// `[id, source]` of every document a member of an embedded group is in.
    docs: Vec<(&'a str, u32)>,
    groups: Vec<Group<'a>>,
    charts: Charts,
    /// Per contamination item (same order), the corpus text matched best.
    matched: Vec<Option<&'a str>>,
    dedup: Option<DedupNote<'a>>,
}

#[derive(Serialize)]
struct DedupNote<'a> {
    keep: &'a str,
    rule: &'a str,
    removed: u64,
}

/// Documents listed in the chart of duplicated shares.
const TOP_DOCUMENTS: usize = 25;
/// Input files listed in the chart of duplicated shares.
const TOP_FILES: usize = 40;
/// Matched corpus text shown per contamination item, in bytes.
const MATCHED_TEXT: usize = 600;

impl Html {
    fn charts(&self, r: &Report) -> Charts {
        let scan = r.scan;
        let docs = &scan.corpus.docs;
        // Bins 2, 3, then powers of two from 4: 4-7, 8-15, ...
        let bin_of = |size: usize| match size {
            0..=2 => 0,
            3 => 1,
            n => (usize::BITS - n.leading_zeros()) as usize - 1,
        };
        let mut sizes: Vec<u64> = Vec::new();
        let mut similarity = vec![0u64; 20];
        let mut dup = vec![0u64; docs.len()];
        for g in &scan.groups {
            let bin = bin_of(g.members.len());
            if sizes.len() <= bin {
                sizes.resize(bin + 1, 0);
            }
            sizes[bin] += 1;
            for (k, m) in g.members.iter().enumerate() {
                if k > 0 {
                    similarity[((m.similarity * 20.0) as usize).min(19)] += 1;
                }
                let span = m.range.unwrap_or(scan.units.span(m.unit));
                dup[scan.units.doc(m.unit) as usize] += u64::from(span.end - span.start);
            }
        }
        let sizes = sizes
            .iter()
            .enumerate()
            .map(|(b, &n)| match b {
                0 => (2, 2, n),
                1 => (3, 3, n),
                b => (1u64 << b, (2u64 << b) - 1, n),
            })
            .collect();
        let first = scan.reference_docs as usize;
        let len = |d: usize| docs[d].text.len() as u64;
        let share = |d: usize| dup[d].min(len(d)) as f64 / len(d).max(1) as f64;
        let mut shares = vec![0u64; 11];
        for (d, &bytes) in dup.iter().enumerate().skip(first) {
            let bin = if bytes == 0 {
                0
            } else {
                1 + ((share(d) * 10.0) as usize).min(9)
            };
            shares[bin] += 1;
        }
        let mut top: Vec<usize> = (first..docs.len()).filter(|&d| dup[d] > 0).collect();
        top.sort_by(|&a, &b| dup[b].cmp(&dup[a]).then(a.cmp(&b)));
        let documents = top
            .iter()
            .take(TOP_DOCUMENTS)
            .map(|&d| (docs[d].id.clone(), dup[d].min(len(d)), len(d)))
            .collect();
        let mut files: Vec<(u64, u64, u64)> = vec![(0, 0, 0); scan.corpus.sources.len()];
        for (d, doc) in docs.iter().enumerate().skip(first) {
            let f = &mut files[doc.source as usize];
            f.0 += dup[d].min(len(d));
            f.1 += len(d);
            f.2 += 1;
        }
        let mut order: Vec<usize> = (scan.reference_sources as usize..files.len()).collect();
        let fshare = |i: usize| files[i].0 as f64 / files[i].1.max(1) as f64;
        order.sort_by(|&a, &b| fshare(b).total_cmp(&fshare(a)).then(a.cmp(&b)));
        let files = order
            .iter()
            .take(TOP_FILES)
            .map(|&i| (r.sources[i].clone(), files[i].0, files[i].1, files[i].2))
            .collect();
        Charts {
            sizes,
            similarity,
            shares,
            documents,
            files,
        }
    }

    /// The data object the page reads.
    fn data<'r>(&self, r: &'r Report) -> Data<'r> {
        let scan = r.scan;
        let mut order: Vec<usize> = (0..r.len()).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(r.group_bytes(i)), i));
        order.truncate(self.max_groups);
        let mut doc_index: HashMap<u32, u32> = HashMap::new();
        let mut docs: Vec<(&str, u32)> = Vec::new();
        let mut index_of = |doc: u32| -> u32 {
            *doc_index.entry(doc).or_insert_with(|| {
                let d = &scan.corpus.docs[doc as usize];
                docs.push((&d.id, d.source));
                docs.len() as u32 - 1
            })
        };
        let decisions = r.decisions.as_ref();
        let mut groups = Vec::with_capacity(order.len());
        for &id in &order {
            let g = &scan.groups[id];
            let rep_text = cut(scan.text(g.members[0].unit), self.max_text);
            let members = g
                .members
                .iter()
                .take(self.max_members)
                .enumerate()
                .map(|(k, m)| {
                    let u = scan.units.get(m.unit);
                    let full = scan.text(m.unit);
                    let text = cut(full, self.max_text);
                    let range = m.range.unwrap_or(u.span);
                    let offset = |byte: u32| {
                        let at = (byte.saturating_sub(u.span.start) as usize).min(text.len());
                        let at = (0..=at).rev().find(|&i| text.is_char_boundary(i));
                        utf16(&text[..at.unwrap_or(0)])
                    };
                    let side = if scan.reference_docs == 0 {
                        0
                    } else if scan.is_reference(m.unit) {
                        1
                    } else {
                        2
                    };
                    let (kept, of) = match decisions {
                        None => (-1, -1),
                        Some(d) => match d.of(m.unit) {
                            Some(of) => (0, i64::from(index_of(scan.units.doc(of)))),
                            None => (1, -1),
                        },
                    };
                    Member(
                        index_of(u.doc),
                        u.index,
                        u.span.start,
                        u.span.end,
                        round3(m.similarity),
                        via_code(m.via),
                        offset(range.start),
                        offset(range.end),
                        (k == 0 || text != rep_text).then_some(text),
                        side,
                        kept,
                        of,
                        text.len() < full.len(),
                    )
                })
                .collect();
            groups.push(Group(
                id as u64,
                g.members.len() as u64,
                u64::from(g.documents),
                round3(g.min_similarity),
                r.group_bytes(id),
                members,
            ));
        }
        let matched = match &r.contamination {
            None => Vec::new(),
            Some(c) => {
                let wanted: HashMap<&str, usize> = c
                    .items
                    .iter()
                    .filter_map(|i| i.best.as_ref())
                    .map(|b| (b.doc.as_str(), usize::MAX))
                    .collect();
                let mut at = wanted;
                let first = scan.reference_docs as usize;
                for (d, doc) in scan.corpus.docs.iter().enumerate().skip(first) {
                    match at.get_mut(doc.id.as_str()) {
                        Some(slot) if *slot == usize::MAX => *slot = d,
                        _ => {}
                    }
                }
                c.items
                    .iter()
                    .map(|i| {
                        let b = i.best.as_ref()?;
                        let d = *at.get(b.doc.as_str())?;
                        let text = scan.corpus.docs.get(d)?.text.as_str();
                        let range = b.match_start as usize..b.match_end as usize;
                        text.get(range).map(|t| cut(t, MATCHED_TEXT))
                    })
                    .collect()
            }
        };
        Data {
            header: r.header(),
            total_groups: r.len() as u64,
            duplicated_bytes: (0..r.len()).map(|i| r.group_bytes(i)).sum(),
            cap: (self.max_groups, self.max_members, self.max_text),
            sources: &r.sources,
            docs,
            groups,
            charts: self.charts(r),
            matched,
            dedup: decisions.map(|d| DedupNote {
                keep: &d.keep,
                rule: &d.rule,
                removed: d.removed.len() as u64,
            }),
        }
    }
}

/// Writes JSON into an HTML script element: `<`, `>` and `&` (which JSON
/// holds only inside strings) become `\u003c`, `\u003e` and `\u0026`, so no
/// text can close the element or open a comment.
struct ScriptSafe<'w>(&'w mut dyn Write);

impl Write for ScriptSafe<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(i) = rest.iter().position(|b| matches!(b, b'<' | b'>' | b'&')) {
            self.0.write_all(&rest[..i])?;
            self.0.write_all(match rest[i] {
                b'<' => b"\\u003c",
                b'>' => b"\\u003e",
                _ => b"\\u0026",
            })?;
            rest = &rest[i + 1..];
        }
        self.0.write_all(rest)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl ReportWriter for Html {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let (head, rest) = TEMPLATE
            .split_once("/*STYLE*/")
            .ok_or_else(|| io::Error::other("template without /*STYLE*/"))?;
        let (middle, rest) = rest
            .split_once("/*DATA*/")
            .ok_or_else(|| io::Error::other("template without /*DATA*/"))?;
        let (between, tail) = rest
            .split_once("/*SCRIPT*/")
            .ok_or_else(|| io::Error::other("template without /*SCRIPT*/"))?;
        out.write_all(head.as_bytes())?;
        out.write_all(STYLE.as_bytes())?;
        out.write_all(middle.as_bytes())?;
        let mut safe = ScriptSafe(out);
        serde_json::to_writer(&mut safe, &self.data(report))?;
        out.write_all(between.as_bytes())?;
        out.write_all(SCRIPT.as_bytes())?;
        out.write_all(tail.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Options, Scope, UnitKind};
    use crate::scanner::Scanner;

    fn options() -> Options {
        let mut o = Options::new(UnitKind::Sentence);
        o.scope = Scope::All;
        o
    }

    fn written(html: &Html, report: &Report) -> String {
        let mut out = Vec::new();
        html.write(report, &mut out).expect("write");
        String::from_utf8(out).expect("UTF-8")
    }

    /// The JSON data object of a written page.
    fn data_of(page: &str) -> serde_json::Value {
        let open = "<script type=\"application/json\" id=\"data\">";
        let start = page.find(open).expect("data element") + open.len();
        let len = page[start..].find("</script>").expect("end of data");
        serde_json::from_str(&page[start..start + len]).expect("data is JSON")
    }

    const HOSTILE: &str = "The </script><script>alert(1)</script> tag & <img src=x onerror=alert(2)> <!-- sat on the council bench all day.";

    #[test]
    fn corpus_text_cannot_close_the_data_element_or_add_markup() {
        let scanner = Scanner::new(options()).expect("options");
        let other = HOSTILE.replace("all day", "all night");
        let scan = scanner.scan([("a</script>", HOSTILE), ("b", other.as_str())]);
        assert_eq!(scan.groups.len(), 1);
        let page = written(&Html::default(), &Report::from_scan(&scan));
        // The template's three script elements close, and nothing else does.
        assert_eq!(page.matches("</script").count(), 3, "{page}");
        assert!(!page.contains("<img"));
        assert!(!page.contains("<!--"));
        assert!(!page.contains("alert(1)</"));
        // The texts come back whole from the data.
        let data = data_of(&page);
        let members = &data["groups"][0][5];
        let texts: Vec<&str> = members
            .as_array()
            .expect("members")
            .iter()
            .filter_map(|m| m[8].as_str())
            .collect();
        assert!(texts.contains(&HOSTILE), "{texts:?}");
        assert!(texts.contains(&other.as_str()), "{texts:?}");
        assert_eq!(data["docs"][0][0], "a</script>");
    }

    #[test]
    fn the_page_is_self_contained() {
        let scanner = Scanner::new(options()).expect("options");
        let scan = scanner.scan([
            (
                "a",
                "The council approved the budget on Tuesday after a long debate.",
            ),
            (
                "b",
                "The council approved the budget on Monday after a long debate.",
            ),
        ]);
        let page = written(&Html::default(), &Report::from_scan(&scan));
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(
            page.contains("default-src 'none'"),
            "no CSP forbidding fetches"
        );
        for remote in ["http://", "https://", "src=\"", "<link"] {
            // The one URL is the SVG namespace, which is a name, not a fetch.
            let n = page.matches(remote).count();
            let allowed = usize::from(remote == "http://");
            assert_eq!(n, allowed, "{remote} appears {n} times");
        }
        assert!(page.contains("http://www.w3.org/2000/svg"));
        assert!(!page.contains("/*DATA*/") && !page.contains("/*SCRIPT*/"));
    }

    #[test]
    fn groups_are_capped_most_duplicated_bytes_first() {
        let scanner = Scanner::new(options()).expect("options");
        let long = "Officials said the new bridge across the northern river would open to traffic next spring after repairs.";
        let short = "The mayor thanked the volunteers for their hard work today.";
        let mid = "Heavy rain flooded the low streets near the harbour on Sunday night.";
        let docs: Vec<(String, String)> = (0..6)
            .map(|i| {
                let text = match i % 3 {
                    0 => format!("{short} {long}"),
                    1 => format!("{long} {mid}"),
                    _ => format!("{mid} {short} {long}"),
                };
                (format!("d{i}"), text)
            })
            .collect();
        let scan = scanner.scan(docs.iter().map(|(a, b)| (a.as_str(), b.as_str())));
        let report = Report::from_scan(&scan);
        assert_eq!(report.len(), 3);
        let html = Html {
            max_groups: 2,
            max_members: 3,
            max_text: 40,
        };
        let data = data_of(&written(&html, &report));
        assert_eq!(data["total_groups"], 3);
        let groups = data["groups"].as_array().expect("groups");
        assert_eq!(groups.len(), 2);
        // The long sentence's group (6 members) has the most bytes.
        let bytes: Vec<u64> = groups
            .iter()
            .map(|g| g[4].as_u64().expect("bytes"))
            .collect();
        assert!(bytes[0] >= bytes[1], "{bytes:?}");
        let first = &groups[0];
        assert_eq!(first[1], 6, "size counts every member");
        assert_eq!(
            first[5].as_array().expect("members").len(),
            3,
            "members capped"
        );
        let rep = &first[5][0];
        assert_eq!(rep[8].as_str().expect("text").len(), 40, "text cut");
        assert_eq!(rep[12], true, "cut flagged");
        // Identical texts are not repeated.
        assert!(first[5][1][8].is_null());
        // The pictures count every group and every member.
        let sizes: u64 = data["charts"]["sizes"]
            .as_array()
            .expect("sizes")
            .iter()
            .map(|b| b[2].as_u64().expect("count"))
            .sum();
        assert_eq!(sizes, 3);
        let sims: u64 = data["charts"]["similarity"]
            .as_array()
            .expect("similarity")
            .iter()
            .map(|n| n.as_u64().expect("count"))
            .sum();
        assert_eq!(sims, report.stats.duplicate_units);
    }

    #[test]
    fn match_offsets_are_utf16_units_into_the_text() {
        let mut o = options();
        o.spans = Some(crate::config::SpanPath::On);
        let scanner = Scanner::new(o).expect("options");
        let quote =
            "the harbour authority said the cranes would stay idle until the strike ends next week";
        let a = format!(
            "😀 Señor Pérez, the union's spokesman in the old port district, wrote in his letter to members: {quote}."
        );
        let b = format!("Report: {quote}.");
        let scan = scanner.scan([("a", a.as_str()), ("b", b.as_str())]);
        let report = Report::from_scan(&scan);
        let data = data_of(&written(&Html::default(), &report));
        let members = data["groups"][0][5].as_array().expect("members");
        assert!(
            members.iter().any(|m| m[6].as_u64() > Some(0)),
            "a partial match"
        );
        for m in members {
            let text = m[8].as_str().expect("text");
            let utf16: Vec<u16> = text.encode_utf16().collect();
            let (s, e) = (
                m[6].as_u64().expect("s") as usize,
                m[7].as_u64().expect("e") as usize,
            );
            assert!(s <= e && e <= utf16.len());
            let part = String::from_utf16(&utf16[s..e]).expect("boundaries");
            assert!(part.contains("harbour authority"), "{part:?} of {text:?}");
        }
    }

    #[test]
    fn decisions_tag_members_kept_or_removed() {
        let scanner = Scanner::new(options()).expect("options");
        let scan = scanner.scan([
            (
                "a",
                "The council approved the budget on Tuesday after a long debate.",
            ),
            (
                "b",
                "The council approved the budget on Monday after a long debate.",
            ),
        ]);
        let mut report = Report::from_scan(&scan);
        let units: Vec<u32> = scan.groups[0].members.iter().map(|m| m.unit).collect();
        let (kept, removed) = (units.iter().min().copied(), units.iter().max().copied());
        report.decisions = Some(Decisions {
            keep: "first".into(),
            rule: "The earliest member is kept.".into(),
            removed: vec![(removed.expect("unit"), kept.expect("unit"))],
        });
        let data = data_of(&written(&Html::default(), &report));
        assert_eq!(data["dedup"]["removed"], 1);
        let flags: Vec<(i64, i64)> = data["groups"][0][5]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| (m[10].as_i64().expect("kept"), m[11].as_i64().expect("of")))
            .collect();
        assert!(flags.contains(&(1, -1)), "{flags:?}");
        let removed = flags.iter().find(|f| f.0 == 0).expect("a removed member");
        assert_eq!(data["docs"][removed.1 as usize][0], "a");
    }
}
