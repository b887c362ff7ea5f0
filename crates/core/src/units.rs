//! The unit table: every unit of a corpus by global id.
//!
//! Global ids follow input order: file, then line, then position in the
//! document. The table holds one [`Span`] (8 bytes) per unit and one offset
//! per document; a unit's document is found by binary search over the
//! offsets and its index in the document is its id minus the document's
//! first id. That is half the memory of storing `(doc, index, span)` per
//! unit, and corpora have far more units than documents.
//!
//! ```
//! use dupscan_core::segment::Span;
//! use dupscan_core::units::{Unit, Units};
//!
//! let span = |start, end| Span { start, end };
//! let units = Units::from_docs(vec![vec![span(0, 3), span(4, 9)], vec![], vec![span(0, 5)]]);
//! assert_eq!(units.len(), 3);
//! assert_eq!(units.get(2), Unit { doc: 2, index: 0, span: span(0, 5) });
//! assert_eq!(units.of_doc(0), 0..2);
//! ```

use std::ops::Range;

use rayon::prelude::*;

use crate::config::UnitKind;
use crate::segment::{self, Span};

/// The segment stage: every document of `docs` cut into `kind` units, in
/// parallel, as one table in global-id order. `text(doc)` is a document's
/// text. Documents are segmented a chunk at a time, so the spans are held
/// twice only in the chunk being appended.
pub fn segment_docs<D: Sync>(
    docs: &[D],
    text: impl Fn(&D) -> &str + Sync,
    kind: UnitKind,
) -> Units {
    const DOCS_PER_CHUNK: usize = 1024;
    let chunks: Vec<(Vec<Span>, Vec<u32>)> = docs
        .par_chunks(DOCS_PER_CHUNK)
        .map(|docs| {
            let mut spans = Vec::new();
            let mut ends = Vec::with_capacity(docs.len());
            for d in docs {
                segment::segment(text(d), kind, &mut spans);
                ends.push(spans.len() as u32);
            }
            spans.shrink_to_fit();
            (spans, ends)
        })
        .collect();
    let total = chunks.iter().map(|(s, _)| s.len()).sum();
    let mut units = Units::with_capacity(docs.len(), total);
    for (spans, ends) in chunks {
        let mut start = 0;
        for end in ends {
            units.push_doc(&spans[start..end as usize]);
            start = end as usize;
        }
    }
    units
}

/// One unit: a span of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// Index of the document in the corpus.
    pub doc: u32,
    /// Index of the unit within its document.
    pub index: u32,
    /// Byte span in the document's text.
    pub span: Span,
}

/// Every unit of a corpus, by global id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Units {
    spans: Vec<Span>,
    /// `first[d]` is the id of document `d`'s first unit; one more entry
    /// holds the total, so document `d`'s units are `first[d]..first[d + 1]`.
    first: Vec<u32>,
}

impl Units {
    /// The table of documents' spans, in document order.
    pub fn from_docs(docs: Vec<Vec<Span>>) -> Self {
        let mut units = Self::with_capacity(docs.len(), docs.iter().map(Vec::len).sum());
        for spans in docs {
            units.push_doc(&spans);
        }
        units
    }

    /// An empty table with room for `docs` documents and `units` units.
    pub fn with_capacity(docs: usize, units: usize) -> Self {
        let mut first = Vec::with_capacity(docs + 1);
        first.push(0);
        Self {
            spans: Vec::with_capacity(units),
            first,
        }
    }

    /// Appends the next document's units.
    ///
    /// # Panics
    ///
    /// If the corpus grows past `u32::MAX` units.
    pub fn push_doc(&mut self, spans: &[Span]) {
        self.spans.extend_from_slice(spans);
        let total = u32::try_from(self.spans.len()).expect("at most u32::MAX units");
        if self.first.is_empty() {
            self.first.push(0);
        }
        self.first.push(total);
    }

    /// Number of units.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there is no unit.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Number of documents.
    pub fn docs(&self) -> usize {
        self.first.len().saturating_sub(1)
    }

    /// The span of unit `id`.
    pub fn span(&self, id: u32) -> Span {
        self.spans[id as usize]
    }

    /// The document of unit `id`.
    pub fn doc(&self, id: u32) -> u32 {
        // The last document whose first id is <= id; empty documents share
        // their first id with the next one and are skipped.
        (self.first.partition_point(|&f| f <= id) - 1) as u32
    }

    /// Unit `id` with its document and index.
    pub fn get(&self, id: u32) -> Unit {
        let doc = self.doc(id);
        Unit {
            doc,
            index: id - self.first[doc as usize],
            span: self.spans[id as usize],
        }
    }

    /// The ids of document `doc`'s units.
    pub fn of_doc(&self, doc: u32) -> Range<u32> {
        self.first[doc as usize]..self.first[doc as usize + 1]
    }

    /// Every unit in id order.
    pub fn iter(&self) -> impl Iterator<Item = Unit> + '_ {
        (0..self.docs() as u32).flat_map(move |doc| {
            let ids = self.of_doc(doc);
            let first = ids.start;
            ids.map(move |id| Unit {
                doc,
                index: id - first,
                span: self.spans[id as usize],
            })
        })
    }
}

/// A set of unit ids, one bit per unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitSet {
    words: Vec<u64>,
}

impl UnitSet {
    /// The set of `ids` (any order) among `n` units.
    pub fn from_ids(n: usize, ids: impl IntoIterator<Item = u32>) -> Self {
        let mut words = vec![0u64; n.div_ceil(64)];
        for id in ids {
            words[id as usize / 64] |= 1 << (id % 64);
        }
        Self { words }
    }

    /// Adds `id`, which must be below the `n` the set was made for.
    ///
    /// # Panics
    ///
    /// When `id` is out of range.
    pub fn insert(&mut self, id: u32) {
        self.words[id as usize / 64] |= 1 << (id % 64);
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: u32) -> bool {
        self.words
            .get(id as usize / 64)
            .is_some_and(|w| w >> (id % 64) & 1 != 0)
    }

    /// Number of ids in the set.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }
}

/// Exact classes: units whose normalized text equals an earlier unit's,
/// each mapped to the smallest id with that text (the class id). Only the
/// repeats are stored, 8 bytes each; every other unit is its own class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExactClasses {
    /// `(unit, class)` for every repeat, sorted by unit.
    repeats: Vec<(u32, u32)>,
}

impl ExactClasses {
    /// The classes of `repeats`, `(unit, class)` pairs in any order.
    pub fn new(mut repeats: Vec<(u32, u32)>) -> Self {
        repeats.sort_unstable();
        Self { repeats }
    }

    /// The class of unit `id`.
    pub fn of(&self, id: u32) -> u32 {
        match self.repeats.binary_search_by_key(&id, |&(u, _)| u) {
            Ok(i) => self.repeats[i].1,
            Err(_) => id,
        }
    }

    /// Every repeat with its class, by unit id.
    pub fn repeats(&self) -> &[(u32, u32)] {
        &self.repeats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    #[test]
    fn empty_documents_own_no_ids() {
        let units = Units::from_docs(vec![
            vec![],
            vec![span(0, 1)],
            vec![],
            vec![],
            vec![span(0, 2), span(3, 4)],
            vec![],
        ]);
        assert_eq!(units.docs(), 6);
        assert_eq!(units.len(), 3);
        let all: Vec<Unit> = units.iter().collect();
        let by_id: Vec<Unit> = (0..3).map(|id| units.get(id)).collect();
        assert_eq!(all, by_id);
        assert_eq!(
            all.iter().map(|u| (u.doc, u.index)).collect::<Vec<_>>(),
            [(1, 0), (4, 0), (4, 1)]
        );
        assert_eq!(units.of_doc(0), 0..0);
        assert_eq!(units.of_doc(5), 3..3);
    }

    #[test]
    fn unit_sets_and_classes() {
        let set = UnitSet::from_ids(130, [0, 63, 64, 129]);
        assert!(set.contains(63) && set.contains(64) && set.contains(129));
        assert!(!set.contains(1) && !set.contains(500));
        assert_eq!(set.len(), 4);
        let classes = ExactClasses::new(vec![(9, 2), (5, 2), (7, 3)]);
        assert_eq!(
            [2, 3, 5, 7, 9, 11].map(|id| classes.of(id)),
            [2, 3, 2, 3, 2, 11]
        );
        assert_eq!(classes.repeats(), [(5, 2), (7, 3), (9, 2)]);
    }

    #[test]
    fn the_empty_table_has_no_documents() {
        let units = Units::default();
        assert_eq!((units.len(), units.docs()), (0, 0));
        assert_eq!(units.iter().count(), 0);
    }
}
