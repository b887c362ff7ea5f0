//! Helpers shared by the segmenter's unit tests.

use crate::config::UnitKind;

use super::{Span, is_space, segment};

pub(super) fn units(text: &str, kind: UnitKind) -> Vec<&str> {
    let mut spans = Vec::new();
    segment(text, kind, &mut spans);
    spans.iter().map(|s| s.text(text)).collect()
}

pub(super) fn sents(text: &str) -> Vec<&str> {
    units(text, UnitKind::Sentence)
}

/// Checks the invariants every unit kind promises, returning the spans.
pub(super) fn check_invariants(text: &str, kind: UnitKind) -> Vec<Span> {
    let mut spans = Vec::new();
    segment(text, kind, &mut spans);
    let mut covered = 0;
    for s in &spans {
        let (start, end) = (s.start as usize, s.end as usize);
        assert!(start < end, "empty unit {s:?} in {text:?}");
        assert!(covered <= start, "overlap or disorder at {s:?} in {text:?}");
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
        let unit = &text[start..end];
        assert!(
            !unit.starts_with(is_space) && !unit.ends_with(is_space),
            "untrimmed {unit:?}"
        );
        assert!(
            text[covered..start].chars().all(is_space),
            "dropped text {:?} in {text:?}",
            &text[covered..start]
        );
        covered = end;
    }
    assert!(
        text[covered..].chars().all(is_space),
        "dropped tail in {text:?}"
    );
    spans
}
