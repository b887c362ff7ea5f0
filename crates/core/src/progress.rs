//! Progress reporting: a small trait the pipeline calls. The library never
//! draws anything; the binary implements the trait with progress bars.

/// A pipeline stage that reports progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading and decompressing inputs (counted in bytes).
    Reading,
    /// Splitting documents into units.
    Segmenting,
    /// Normalizing units and grouping identical ones.
    Fingerprinting,
    /// Shingling and signing units.
    Signing,
    /// Finding candidate pairs in the LSH bands.
    Banding,
    /// Verifying candidate pairs.
    Verifying,
    /// Aligning spans of words across unit boundaries.
    Aligning,
    /// Looking for each reference item in the corpus by containment.
    Containing,
    /// Union-find, groups and member similarities.
    Clustering,
    /// Writing the report or the deduplicated corpus.
    Writing,
}

impl Stage {
    /// The stage's name, as shown on progress bars and in timings.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Reading => "reading",
            Stage::Segmenting => "segmenting",
            Stage::Fingerprinting => "fingerprinting",
            Stage::Signing => "signing",
            Stage::Banding => "banding",
            Stage::Verifying => "verifying",
            Stage::Aligning => "aligning",
            Stage::Containing => "containing",
            Stage::Clustering => "clustering",
            Stage::Writing => "writing",
        }
    }
}

/// Receives progress from the pipeline. Implementations must be cheap: they are
/// called once per batch from many threads.
pub trait Progress: Sync {
    /// A stage begins; `total` is its amount of work when known.
    fn start(&self, stage: Stage, total: Option<u64>);
    /// `n` more units of work are done in the current stage.
    fn advance(&self, n: u64);
    /// The current stage is over.
    fn finish(&self);
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: Stage, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}
