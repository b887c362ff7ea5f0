//! Signing: each unit to sign → normalized text → shingle hashes → MinHash
//! signature → LSH band keys.
//!
//! Signatures are transient: each is banded as soon as it is computed, and
//! only the keys are kept, band-major (band `j`'s keys for the units in
//! order are column `j`), so that LSH reads each band as one contiguous
//! column. Keys are 4 bytes per band per unit (8 beyond
//! [`crate::lsh::NARROW_KEYS_MAX_UNITS`] units), see [`BandKeys`].
//!
//! ```
//! use dupscan_core::config::{Params, UnitKind};
//! use dupscan_core::sign;
//!
//! let texts = ["the quick brown fox jumps over the lazy dog", "the quick brown fox jumps over the lazy cat"];
//! let params = Params::new(UnitKind::Sentence);
//! let keys = sign::band_keys(&[0, 1], &params, &|id| texts[id as usize], &|_| {});
//! assert_eq!(keys.candidate_pairs(params.bands.bands), [(0, 1)]);
//! ```

use rayon::prelude::*;

use crate::config::Params;
use crate::lsh::{self, BandKeys};
use crate::minhash::MinHasher;
use crate::shingle::Shingler;

/// Units signed per parallel task.
const CHUNK: usize = 4096;

/// Band keys of each unit of `ids` (in that order: key `k` of a column is
/// `ids[k]`'s), band-major. `text_of(id)` is the unit's original text;
/// `on_signed(n)` reports progress from any thread.
pub fn band_keys<'a>(
    ids: &[u32],
    params: &Params,
    text_of: &(dyn Fn(u32) -> &'a str + Sync),
    on_signed: &(dyn Fn(u64) + Sync),
) -> BandKeys {
    let mut keys = BandKeys::zeroed(ids.len(), params.bands.bands);
    match &mut keys {
        BandKeys::Narrow(k) => fill(k, ids, params, text_of, on_signed),
        BandKeys::Wide(k) => fill(k, ids, params, text_of, on_signed),
    }
    keys
}

/// Band keys of each unit of `ids` at full width (64 bits), band-major as
/// in [`band_keys`]. A staged run writes these, because the width
/// [`band_keys`] stores depends on how many units the whole corpus signs,
/// which one shard does not know; [`lsh::Key::from_wide`] narrows them later.
pub fn wide_band_keys<'a>(
    ids: &[u32],
    params: &Params,
    text_of: &(dyn Fn(u32) -> &'a str + Sync),
    on_signed: &(dyn Fn(u64) + Sync),
) -> Vec<u64> {
    let mut keys = vec![0u64; ids.len() * params.bands.bands];
    fill(&mut keys, ids, params, text_of, on_signed);
    keys
}

fn fill<'a, K: lsh::Key>(
    keys: &mut [K],
    ids: &[u32],
    params: &Params,
    text_of: &(dyn Fn(u32) -> &'a str + Sync),
    on_signed: &(dyn Fn(u64) + Sync),
) {
    let bands = params.bands;
    let shingler = Shingler::new(params.shingle, params.ngram, params.seed);
    let hasher = MinHasher::with_sketch(params.sketch, params.num_perm, params.seed);
    let n = ids.len();
    if n == 0 {
        return;
    }
    // For each chunk of units, its piece of every band's column.
    let mut pieces: Vec<Vec<&mut [K]>> = (0..n.div_ceil(CHUNK))
        .map(|_| Vec::with_capacity(bands.bands))
        .collect();
    for column in keys.chunks_exact_mut(n) {
        for (chunk, piece) in pieces.iter_mut().zip(column.chunks_mut(CHUNK)) {
            chunk.push(piece);
        }
    }
    pieces
        .into_par_iter()
        .zip(ids.par_chunks(CHUNK))
        .for_each_init(
            || {
                (
                    String::new(),
                    Vec::new(),
                    vec![0u32; params.num_perm],
                    vec![0u64; bands.bands],
                )
            },
            |(norm, hashes, sig, unit_keys), (mut columns, ids)| {
                for (k, &id) in ids.iter().enumerate() {
                    params.normalizer.normalize_into(text_of(id), norm);
                    shingler.hashes(norm, hashes);
                    hasher.sign(hashes, sig);
                    lsh::band_keys(sig, bands, unit_keys);
                    for (column, &key) in columns.iter_mut().zip(unit_keys.iter()) {
                        column[k] = K::from_wide(key);
                    }
                }
                on_signed(ids.len() as u64);
            },
        );
}
