//! Writing a plain text file back: its bytes minus the cuts.
//!
//! A text file is one document. It is read again whole and checked against
//! what was scanned before anything is written; the ranges of its text
//! that stay are mapped back to the raw bytes they were decoded from
//! ([`splice`]), so invalid UTF-8 outside the cuts is kept as it was. A
//! text file whose document is dropped is not written at all.

use super::format::{Rewrite, WriteBack};
use super::splice::{Encoding, Mismatch, splice};
use crate::corpus::Layout;
use crate::error::Result;

/// The write-back of plain text files.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextWriteBack;

impl WriteBack for TextWriteBack {
    fn layout(&self) -> Layout {
        Layout::Text
    }

    fn annotates(&self) -> bool {
        false
    }

    fn omits_emptied(&self) -> bool {
        true
    }

    fn rewrite(&self, job: &Rewrite<'_>) -> Result<()> {
        let [doc] = job.docs() else {
            return Err(job.changed(1, "a text file is one document"));
        };
        let raw = job.reopen()?.read_all()?;
        let text = &doc.text;
        let mut out = Vec::with_capacity(raw.len());
        splice(&raw, Encoding::Utf8, text, &job.kept(0), &mut out)
            .map_err(|Mismatch| job.changed(1, "the text is not what was read"))?;
        job.write(|w| w.write_all(&out))
    }
}
