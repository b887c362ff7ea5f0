//! JSON and JSON Lines writers.
//!
//! `json` writes the whole [`Report`] as one pretty-printed object. `jsonl`
//! writes a header line `{"tool":…,"params":…,"stats":…}` and then one
//! [`ReportGroup`](super::ReportGroup) per line, so huge reports stream.

use std::io::{self, Write};

use serde::Serialize;

use super::{Contamination, Params, Report, ReportWriter, Stats, Tool};

/// The whole report as one JSON object.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

/// A header line, then one group per line.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonLines;

impl ReportWriter for Json {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, report)?;
        out.write_all(b"\n")
    }
}

#[derive(Serialize)]
struct Header<'a> {
    tool: &'a Tool,
    params: &'a Params,
    stats: &'a Stats,
    #[serde(skip_serializing_if = "Option::is_none")]
    contamination: Option<&'a Contamination>,
}

impl ReportWriter for JsonLines {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let header = Header {
            tool: &report.tool,
            params: &report.params,
            stats: &report.stats,
            contamination: report.contamination.as_ref(),
        };
        serde_json::to_writer(&mut *out, &header)?;
        out.write_all(b"\n")?;
        for group in &report.groups {
            serde_json::to_writer(&mut *out, group)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}
