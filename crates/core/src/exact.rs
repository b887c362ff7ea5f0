//! Exact-duplicate classes: units whose normalized text is the same.
//!
//! Each unit long enough to compare (at least `min_tokens` normalized
//! tokens) gets a seeded 128-bit xxh3 fingerprint of its normalized text.
//! Sorting the `(fingerprint, id)` pairs puts equal texts side by side: the
//! smallest id of each run is the class's representative, the others are
//! its repeats. Only representatives go on to MinHash, so a corpus that
//! repeats a line a million times signs it once.
//!
//! Cost: 24 bytes per compared unit while fingerprinting (the [`Print`]),
//! then 8 bytes per repeat ([`ExactClasses`]) and 4 per representative.
//!
//! ```
//! use dupscan_core::config::{Params, UnitKind};
//! use dupscan_core::exact;
//! use dupscan_core::segment::Span;
//! use dupscan_core::units::Units;
//!
//! let texts = ["One two three four five six.", "ONE two three, four five six!", "Seven eight nine ten eleven twelve."];
//! let units = Units::from_docs(texts.iter().map(|t| vec![Span { start: 0, end: t.len() as u32 }]).collect());
//! let params = Params::new(UnitKind::Sentence);
//! let prints = exact::fingerprints(&units, &params, &|id| texts[id as usize]);
//! let (classes, reps) = exact::classes(prints);
//! assert_eq!(reps, [0, 2]);
//! assert_eq!(classes.of(1), 0);
//! ```

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_128_with_seed;

use crate::config::Params;
use crate::normalize;
use crate::units::{ExactClasses, Units};

/// Units fingerprinted per parallel task.
const CHUNK: usize = 4096;

/// A unit's 128-bit fingerprint (as two words, so that the pair packs into
/// 24 bytes) and its id.
pub type Print = ([u64; 2], u32);

/// The fingerprint of the normalized text of every unit long enough to
/// compare, with its id, in id order. `text_of(id)` is the unit's original
/// text. Units shorter than `params.min_tokens` are left out; for ASCII text
/// most of them are recognised from the raw bytes, before normalizing.
pub fn fingerprints<'a>(
    units: &Units,
    params: &Params,
    text_of: &(dyn Fn(u32) -> &'a str + Sync),
) -> Vec<Print> {
    let n = units.len() as u32;
    let chunks: Vec<Vec<Print>> = (0..n.div_ceil(CHUNK as u32))
        .into_par_iter()
        .map_init(String::new, |norm, c| {
            let mut prints = Vec::new();
            let start = c * CHUNK as u32;
            for id in start..(start + CHUNK as u32).min(n) {
                let text = text_of(id);
                // (A bound below 1 is a text of no tokens, which the
                // check after normalizing skips anyway.)
                if params.min_tokens > 1
                    && text.is_ascii()
                    && normalize::ascii_token_bound(text) < params.min_tokens
                {
                    continue;
                }
                params.normalizer.normalize_into(text, norm);
                let tokens = normalize::token_count(norm);
                if tokens > 0 && tokens >= params.min_tokens {
                    let print = xxh3_128_with_seed(norm.as_bytes(), params.seed);
                    prints.push(([(print >> 64) as u64, print as u64], id));
                }
            }
            prints
        })
        .collect();
    chunks.concat()
}

/// Groups units by fingerprint: the exact classes (each repeat mapped to the
/// smallest id with the same fingerprint), and the classes' smallest ids
/// ascending (the units to sign).
pub fn classes(mut prints: Vec<Print>) -> (ExactClasses, Vec<u32>) {
    prints.par_sort_unstable();
    let mut repeats = Vec::new();
    let mut reps = Vec::new();
    for run in prints.chunk_by(|x, y| x.0 == y.0) {
        let first = run[0].1;
        reps.push(first);
        repeats.extend(run[1..].iter().map(|&(_, id)| (id, first)));
    }
    drop(prints);
    reps.par_sort_unstable();
    (ExactClasses::new(repeats), reps)
}
