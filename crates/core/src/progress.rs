//! Progress reporting: a small trait the pipeline calls. The library never
//! draws anything; the binary implements the trait with progress bars.

/// A pipeline stage that reports progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading and decompressing inputs (counted in bytes of the files as
    /// stored, out of their sizes; decompressed bytes for stdin).
    Reading,
    /// Splitting documents into units (counted in documents).
    Segmenting,
    /// Normalizing units and grouping identical ones (counted in units).
    Fingerprinting,
    /// Shingling and signing units (counted in distinct units).
    Signing,
    /// Finding candidate pairs in the LSH bands (counted in bands).
    Banding,
    /// Verifying candidate pairs (counted in pairs).
    Verifying,
    /// Aligning spans of words across unit boundaries (counted in documents).
    Aligning,
    /// Looking for each reference item in the corpus by containment
    /// (counted in reference documents).
    Containing,
    /// Union-find, groups and member similarities (counted in units).
    Clustering,
    /// Writing the report (counted in groups).
    Writing,
    /// Writing the deduplicated corpus (counted in input files).
    Filtering,
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
            Stage::Filtering => "filtering",
        }
    }
}

impl Stage {
    /// What the stage counts, as shown after its numbers.
    pub fn unit(self) -> &'static str {
        match self {
            Stage::Reading => "bytes",
            Stage::Segmenting | Stage::Aligning => "documents",
            Stage::Containing => "items",
            Stage::Fingerprinting | Stage::Signing | Stage::Clustering => "units",
            Stage::Banding => "bands",
            Stage::Verifying => "pairs",
            Stage::Writing => "groups",
            Stage::Filtering => "files",
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
