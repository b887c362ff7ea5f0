//! Validated configuration: every mode an enum, every number in range.
//!
//! Two layers. [`Options`] holds the algorithm's options as a user gave
//! them, with `None` for "the default for this unit"; [`Options::validate`]
//! fills the defaults, checks every range and returns the [`Params`] that
//! every stage takes, or an error before any work starts. [`Params`] is pure
//! data: no paths, no I/O; it is what a report records under `params`, and
//! what an in-memory caller (the [`crate::scanner::Scanner`]) needs.
//!
//! [`ScanParams`] and [`ScanConfig`] add what a run over files needs: the
//! inputs, the reference inputs and how to read them.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::contain::ContainParams;
use crate::corpus::{MAX_DOCUMENT_BYTES, ReadOptions};
use crate::error::{Error, Result};
use crate::lsh::Bands;
use crate::minhash::Sketch;
use crate::normalize::Normalizer;
use crate::shingle::ShingleKind;

/// What a unit of comparison is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    /// Sentences, split by a rule-based splitter tuned for news text.
    Sentence,
    /// Text between blank lines.
    Paragraph,
    /// The whole document.
    Document,
}

/// Which groups the report keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Every group, including repeats inside a single document.
    All,
    /// Only groups whose members come from at least two documents.
    CrossDoc,
}

/// How verified pairs become groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Grouping {
    /// Every member is a verified near-duplicate of its group's
    /// representative: stars around representatives chosen in id order
    /// (see [`crate::cluster::groups`]).
    #[default]
    Stars,
    /// Connected components of the verified pairs: a chain A~B~C is one
    /// group even when A and C differ.
    Components,
}

/// Whether span alignment runs beside the unit comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpanPath {
    /// Align spans of words wherever units are cut, and join the units the
    /// aligned spans cover (see [`crate::align`], [`crate::links`]).
    On,
    /// Compare whole units only.
    Off,
}

/// Whether a contamination check (`--reference`) looks for each reference
/// item by containment ([`crate::contain`]) beside the unit comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Containment {
    /// An item matches a document that holds enough of it in one place.
    On,
    /// Reference units are compared with corpus units only.
    Off,
}

/// Parameters of the span path, as a report records them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpanParams {
    /// Word n-gram length of a fingerprint.
    pub ngram: usize,
    /// Winnowing window, in n-grams: every shared run of `ngram + window - 1`
    /// words yields a seed.
    pub window: usize,
    /// Fingerprints occurring more often than this are boilerplate, not seeds.
    pub max_df: u32,
    /// Words an aligned span, and each side of a unit link, must hold.
    pub min_words: u32,
    /// Share of a unit's bytes a span pair must cover, on one side at least,
    /// for the units to be linked.
    pub min_cover: f64,
    /// The same share in a contamination check (`--reference`), where a
    /// reference item is a match when half of it is found.
    #[serde(default = "reference_min_cover")]
    pub reference_min_cover: f64,
}

fn reference_min_cover() -> f64 {
    0.5
}

impl Default for SpanParams {
    fn default() -> Self {
        let a = crate::align::AlignParams::default();
        Self {
            ngram: a.ngram,
            window: a.window,
            max_df: a.max_df,
            min_words: a.min_words,
            min_cover: crate::links::LinkParams::default().min_cover,
            reference_min_cover: reference_min_cover(),
        }
    }
}

/// How LSH candidates become matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verification {
    /// Keep a candidate only if its exact Jaccard similarity reaches the threshold.
    Exact,
    /// Trust the signatures: every candidate pair is a match.
    Trust,
}

/// Per-unit defaults, chosen by measurement (see README, "How the defaults
/// were chosen").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitDefaults {
    /// Jaccard threshold.
    pub threshold: f64,
    /// Shingle kind.
    pub shingle: ShingleKind,
    /// Shingle length.
    pub ngram: usize,
    /// Units with fewer normalized tokens are skipped.
    pub min_tokens: usize,
    /// Whether span alignment runs.
    pub spans: SpanPath,
}

impl UnitKind {
    /// The defaults for this unit.
    pub fn defaults(self) -> UnitDefaults {
        match self {
            UnitKind::Sentence => UnitDefaults {
                threshold: 0.7,
                shingle: ShingleKind::Char,
                ngram: 5,
                min_tokens: 6,
                spans: SpanPath::Off,
            },
            UnitKind::Paragraph => UnitDefaults {
                threshold: 0.7,
                shingle: ShingleKind::Char,
                ngram: 5,
                min_tokens: 10,
                spans: SpanPath::Off,
            },
            UnitKind::Document => UnitDefaults {
                threshold: 0.8,
                shingle: ShingleKind::Word,
                ngram: 3,
                min_tokens: 10,
                spans: SpanPath::Off,
            },
        }
    }
}

/// Default number of MinHash permutations.
pub const DEFAULT_NUM_PERM: usize = 128;
/// Default seed.
pub const DEFAULT_SEED: u64 = 42;

/// The algorithm's options as given; `None` means the default for the unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Unit of comparison.
    pub unit: UnitKind,
    /// Jaccard threshold in (0, 1].
    pub threshold: Option<f64>,
    /// Shingle kind.
    pub shingle: Option<ShingleKind>,
    /// Shingle length, at least 1.
    pub ngram: Option<usize>,
    /// Number of permutations (signature values).
    pub num_perm: usize,
    /// How signatures are computed.
    pub sketch: Sketch,
    /// Number of bands; must divide `num_perm` unless `rows` is given.
    pub bands: Option<usize>,
    /// Values per band; `bands × rows` must not exceed `num_perm`.
    pub rows: Option<usize>,
    /// Seed for shingle hashing and permutations.
    pub seed: u64,
    /// Skip units with fewer normalized tokens.
    pub min_tokens: Option<usize>,
    /// Normalization folds.
    pub normalizer: Normalizer,
    /// Verification mode.
    pub verification: Verification,
    /// Report scope.
    pub scope: Scope,
    /// How verified pairs become groups.
    pub grouping: Grouping,
    /// Whether span alignment runs; `None`: the unit's default.
    pub spans: Option<SpanPath>,
    /// Parameters of the span path.
    pub span: SpanParams,
    /// Whether contamination checks use containment.
    pub containment: Containment,
    /// Parameters of containment (its seed is `seed`).
    pub contain: ContainParams,
}

impl Options {
    /// Every default, at `unit` level.
    pub fn new(unit: UnitKind) -> Self {
        Self {
            unit,
            threshold: None,
            shingle: None,
            ngram: None,
            num_perm: DEFAULT_NUM_PERM,
            sketch: Sketch::OnePermutation,
            bands: None,
            rows: None,
            seed: DEFAULT_SEED,
            min_tokens: None,
            normalizer: Normalizer::default(),
            verification: Verification::Exact,
            scope: Scope::CrossDoc,
            grouping: Grouping::Stars,
            spans: None,
            span: SpanParams::default(),
            containment: Containment::On,
            contain: ContainParams::default(),
        }
    }

    /// Fills defaults and validates; errors name the offending option.
    pub fn validate(self) -> Result<Params> {
        let d = self.unit.defaults();
        let threshold = self.threshold.unwrap_or(d.threshold);
        if !(threshold > 0.0 && threshold <= 1.0) {
            return Err(Error::Param(format!(
                "--threshold must be in (0, 1], got {threshold}"
            )));
        }
        let ngram = self.ngram.unwrap_or(d.ngram);
        if ngram == 0 {
            return Err(Error::Param("--ngram must be at least 1".into()));
        }
        if self.num_perm == 0 || self.num_perm > MAX_NUM_PERM {
            return Err(Error::Param(format!(
                "--num-perm must be in 1..={MAX_NUM_PERM}, got {}",
                self.num_perm
            )));
        }
        let bands = band_split(self.bands, self.rows, threshold, self.num_perm)?;
        for (flag, cover) in [
            ("--span-min-cover", self.span.min_cover),
            ("--span-reference-min-cover", self.span.reference_min_cover),
        ] {
            if !(cover > 0.0 && cover <= 1.0) {
                return Err(Error::Param(format!(
                    "{flag} must be in (0, 1], got {cover}"
                )));
            }
        }
        let params = Params {
            unit: self.unit,
            threshold,
            shingle: self.shingle.unwrap_or(d.shingle),
            ngram,
            num_perm: self.num_perm,
            sketch: self.sketch,
            bands,
            seed: self.seed,
            min_tokens: self.min_tokens.unwrap_or(d.min_tokens),
            scope: self.scope,
            verification: self.verification,
            normalizer: self.normalizer,
            grouping: self.grouping,
            spans: self.spans.unwrap_or(d.spans),
            span: self.span,
            containment: self.containment,
            contain: ContainParams {
                seed: self.seed,
                ..self.contain
            },
        };
        params.align().validate()?;
        params.contain.validate()?;
        Ok(params)
    }
}

/// A run over files: inputs, how to read them, and the algorithm's options.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanParams {
    /// Inputs (files, directories, `-`).
    pub inputs: Vec<PathBuf>,
    /// Reference inputs (benchmark items) for contamination checks.
    pub reference: Vec<PathBuf>,
    /// Reading options.
    pub read: ReadOptions,
    /// The reference's own fields; `None` for each: the corpus field.
    pub reference_fields: ReferenceFields,
    /// The algorithm's options.
    pub options: Options,
}

/// The fields a reference is read with when they differ from the corpus
/// ones (`--reference-text-field`, `--reference-id-field`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferenceFields {
    /// The reference's text field; `None`: the corpus one.
    pub text_field: Option<String>,
    /// The reference's id field; `None`: the corpus one.
    pub id_field: Option<String>,
}

impl ScanParams {
    /// Parameters with every default, for `inputs` at `unit` level.
    pub fn new(inputs: Vec<PathBuf>, unit: UnitKind) -> Self {
        Self {
            inputs,
            reference: Vec::new(),
            read: ReadOptions::default(),
            reference_fields: ReferenceFields::default(),
            options: Options::new(unit),
        }
    }
}

/// The band split from `--bands` and `--rows`: both given, `bands × rows`
/// must fit in the signature; bands alone must divide it (rows follow);
/// rows alone take as many bands as fit; neither, the optimal split for the
/// threshold.
fn band_split(
    bands: Option<usize>,
    rows: Option<usize>,
    threshold: f64,
    num_perm: usize,
) -> Result<Bands> {
    let split = match (bands, rows) {
        (Some(0), _) => return Err(Error::Param("--bands must be at least 1".into())),
        (_, Some(0)) => return Err(Error::Param("--rows must be at least 1".into())),
        (None, None) => Bands::optimal(threshold, num_perm),
        (Some(b), None) if num_perm % b != 0 => {
            return Err(Error::Param(format!(
                "--bands {b} does not divide --num-perm {num_perm}; give --rows too \
                 (bands x rows <= num-perm, e.g. --bands {b} --rows {})",
                (num_perm / b).max(1)
            )));
        }
        (Some(b), None) => Bands {
            bands: b,
            rows: num_perm / b,
        },
        (None, Some(r)) => Bands {
            bands: num_perm / r,
            rows: r,
        },
        (Some(b), Some(r)) => Bands { bands: b, rows: r },
    };
    if split.bands == 0 || split.bands * split.rows > num_perm {
        return Err(Error::Param(format!(
            "{} bands x {} rows need {} signature values; --num-perm is {num_perm}",
            split.bands,
            split.rows,
            split.bands * split.rows
        )));
    }
    Ok(split)
}

/// Parses a size in bytes: a whole number, optionally followed by a unit
/// (ASCII case ignored): `B`; `K`, `KiB`, `M`, `MiB`, `G`, `GiB` for powers
/// of 1024; `KB`, `MB`, `GB` for powers of 1000. Spaces around the number
/// and the unit are allowed.
///
/// ```
/// use dupscan_core::config::parse_size;
///
/// assert_eq!(parse_size("256MiB")?, 256 << 20);
/// assert_eq!(parse_size("1M")?, 1 << 20);
/// assert_eq!(parse_size("2 GB")?, 2_000_000_000);
/// assert_eq!(parse_size("4096")?, 4096);
/// # Ok::<(), dupscan_core::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Param`] for anything else, and for sizes past `u64::MAX`.
pub fn parse_size(size: &str) -> Result<u64> {
    let bad = || {
        Error::Param(format!(
            "{size:?} is not a size: give a whole number of bytes, optionally \
             with K, M, G (powers of 1024, also KiB, MiB, GiB) or KB, MB, GB (powers of 1000)"
        ))
    };
    let trimmed = size.trim();
    let digits = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => return Err(bad()),
    };
    number.checked_mul(multiplier).ok_or_else(bad)
}

/// The validated parameters of the algorithm: every default filled in,
/// every range checked. Field order and names are those of the report's
/// `params` object (see README, "Report format").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Unit of comparison.
    pub unit: UnitKind,
    /// Jaccard threshold in (0, 1].
    pub threshold: f64,
    /// Shingle kind.
    pub shingle: ShingleKind,
    /// Shingle length.
    pub ngram: usize,
    /// Number of permutations (signature values).
    pub num_perm: usize,
    /// How signatures are computed.
    #[serde(default = "permutations_for_old_reports")]
    pub sketch: Sketch,
    /// Band split (`bands` and `rows` in the report).
    #[serde(flatten)]
    pub bands: Bands,
    /// Seed.
    pub seed: u64,
    /// Minimum normalized tokens per unit.
    pub min_tokens: usize,
    /// Report scope.
    pub scope: Scope,
    /// Verification mode.
    #[serde(rename = "verify")]
    pub verification: Verification,
    /// Normalization folds.
    #[serde(rename = "normalize")]
    pub normalizer: Normalizer,
    /// How verified pairs become groups (`groups` in the report).
    #[serde(rename = "groups", default = "components_for_old_reports")]
    pub grouping: Grouping,
    /// Whether span alignment ran.
    #[serde(default = "span_path_off")]
    pub spans: SpanPath,
    /// Parameters of the span path.
    #[serde(default)]
    pub span: SpanParams,
    /// Whether contamination checks used containment (reports written
    /// before it: off).
    #[serde(default = "containment_off")]
    pub containment: Containment,
    /// Parameters of containment.
    #[serde(default)]
    pub contain: ContainParams,
}

/// Reports written before containment had none.
fn containment_off() -> Containment {
    Containment::Off
}

/// Reports written before the span path had none.
fn span_path_off() -> SpanPath {
    SpanPath::Off
}

impl Params {
    /// The span aligner's parameters.
    pub fn align(&self) -> crate::align::AlignParams {
        crate::align::AlignParams {
            ngram: self.span.ngram,
            window: self.span.window,
            max_df: self.span.max_df,
            min_words: self.span.min_words,
            threshold: self.threshold,
            seed: self.seed,
            ..crate::align::AlignParams::default()
        }
    }

    /// The unit linker's parameters.
    pub fn link(&self) -> crate::links::LinkParams {
        crate::links::LinkParams {
            min_words: self.span.min_words as usize,
            min_cover: self.span.min_cover,
            threshold: self.threshold,
        }
    }
}

/// Reports written before `sketch` was recorded used `k` permutations.
fn permutations_for_old_reports() -> Sketch {
    Sketch::Permutations
}

/// Reports written before `groups` was recorded grouped by components.
fn components_for_old_reports() -> Grouping {
    Grouping::Components
}

impl Params {
    /// The defaults at `unit` level.
    pub fn new(unit: UnitKind) -> Self {
        Options::new(unit)
            .validate()
            .expect("the defaults are valid")
    }
}

/// A validated run over files.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanConfig {
    /// Inputs, in order.
    pub inputs: Vec<PathBuf>,
    /// Reference inputs for contamination checks; empty for a plain scan.
    pub reference: Vec<PathBuf>,
    /// Reading options.
    pub read: ReadOptions,
    /// The reference's own fields, where they differ from the corpus ones.
    pub reference_fields: ReferenceFields,
    /// The algorithm's parameters.
    pub params: Params,
}

/// Most permutations accepted (a signature of 4 KiB per unit).
pub const MAX_NUM_PERM: usize = 1024;

impl ScanConfig {
    /// Fills defaults and validates; errors name the offending parameter.
    pub fn new(p: ScanParams) -> Result<Self> {
        let params = p.options.validate()?;
        if p.inputs.is_empty() {
            return Err(Error::Param("no input given".into()));
        }
        if !(1..=MAX_DOCUMENT_BYTES).contains(&p.read.max_document_bytes) {
            return Err(Error::Param(format!(
                "--max-document-bytes must be in 1..={MAX_DOCUMENT_BYTES} (4 GiB less one byte), got {}",
                p.read.max_document_bytes
            )));
        }
        let fields = [
            Some(&p.read.text_field),
            Some(&p.read.id_field),
            p.reference_fields.text_field.as_ref(),
            p.reference_fields.id_field.as_ref(),
        ];
        if fields
            .into_iter()
            .flatten()
            .chain(&p.read.more_text_fields)
            .any(String::is_empty)
        {
            return Err(Error::Param(
                "--text-field, --id-field and their --reference-* forms must not be empty".into(),
            ));
        }
        // A field named twice would be joined to itself (its text twice in
        // every document), never what was meant.
        let text_fields: Vec<&String> = std::iter::once(&p.read.text_field)
            .chain(&p.read.more_text_fields)
            .collect();
        for (i, field) in text_fields.iter().enumerate() {
            if text_fields[..i].contains(field) {
                return Err(Error::Param(format!(
                    "--text-field {field} is given twice; name each field once"
                )));
            }
        }
        Ok(Self {
            inputs: p.inputs,
            reference: p.reference,
            read: p.read,
            reference_fields: p.reference_fields,
            params,
        })
    }

    /// How the reference inputs are read: as the corpus, with the
    /// reference's own fields where given.
    pub fn reference_read(&self) -> ReadOptions {
        let f = &self.reference_fields;
        ReadOptions {
            text_field: f
                .text_field
                .clone()
                .unwrap_or_else(|| self.read.text_field.clone()),
            more_text_fields: if f.text_field.is_some() {
                Vec::new()
            } else {
                self.read.more_text_fields.clone()
            },
            id_field: f
                .id_field
                .clone()
                .unwrap_or_else(|| self.read.id_field.clone()),
            ..self.read.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Options {
        Options::new(UnitKind::Sentence)
    }

    #[test]
    fn defaults_fill_in_and_bands_follow_threshold() {
        let c = params().validate().expect("valid");
        assert_eq!(c.threshold, UnitKind::Sentence.defaults().threshold);
        assert!(c.bands.bands * c.bands.rows <= c.num_perm);
    }

    #[test]
    fn rejects_out_of_range() {
        for t in [0.0, -0.1, 1.01, f64::NAN] {
            let err = Options::validate(Options {
                threshold: Some(t),
                ..params()
            })
            .expect_err("must be rejected");
            assert!(err.to_string().contains("--threshold"), "{err}");
        }
        let err = Options::validate(Options {
            bands: Some(7),
            ..params()
        })
        .expect_err("must be rejected");
        assert!(err.to_string().contains("does not divide"), "{err}");
        let err = Options::validate(Options {
            bands: Some(20),
            rows: Some(7),
            ..params()
        })
        .expect_err("must be rejected");
        assert!(err.to_string().contains("need 140"), "{err}");
        let err = Options::validate(Options {
            ngram: Some(0),
            ..params()
        })
        .expect_err("must be rejected");
        assert!(err.to_string().contains("--ngram"), "{err}");
        let err = Options::validate(Options {
            num_perm: 0,
            ..params()
        })
        .expect_err("must be rejected");
        assert!(err.to_string().contains("--num-perm"), "{err}");
    }

    #[test]
    fn the_default_split_can_be_given_explicitly() {
        let default = params().validate().expect("valid").bands;
        let explicit = Options::validate(Options {
            bands: Some(default.bands),
            rows: Some(default.rows),
            ..params()
        })
        .expect("valid");
        assert_eq!(explicit.bands, default);
        let rows_only = Options::validate(Options {
            rows: Some(6),
            ..params()
        })
        .expect("valid");
        assert_eq!((rows_only.bands.bands, rows_only.bands.rows), (21, 6));
    }

    #[test]
    fn sizes_parse_with_units() {
        let cases = [
            ("0", 0),
            ("17", 17),
            ("17B", 17),
            (" 3 k ", 3 << 10),
            ("3KiB", 3 << 10),
            ("3kb", 3_000),
            ("5M", 5 << 20),
            ("5mib", 5 << 20),
            ("5MB", 5_000_000),
            ("2G", 2 << 30),
            ("2GiB", 2 << 30),
            ("2GB", 2_000_000_000),
        ];
        for (size, expected) in cases {
            assert_eq!(parse_size(size).ok(), Some(expected), "{size}");
        }
        for bad in [
            "",
            "M",
            "1.5M",
            "-1",
            "1T",
            "1 M B",
            "99999999999999999999G",
        ] {
            let err = parse_size(bad).expect_err(bad);
            assert!(err.to_string().contains("is not a size"), "{err}");
        }
    }

    #[test]
    fn max_document_bytes_must_fit_the_offsets() {
        for (bytes, ok) in [
            (0, false),
            (1, true),
            (MAX_DOCUMENT_BYTES, true),
            (4 << 30, false),
        ] {
            let mut p = ScanParams::new(vec!["x".into()], UnitKind::Sentence);
            p.read.max_document_bytes = bytes;
            let result = ScanConfig::new(p);
            assert_eq!(result.is_ok(), ok, "{bytes}");
            if let Err(err) = result {
                assert!(err.to_string().contains("--max-document-bytes"), "{err}");
            }
        }
    }

    #[test]
    fn threshold_one_is_allowed() {
        let c = Options::validate(Options {
            threshold: Some(1.0),
            ..params()
        })
        .expect("valid");
        assert_eq!(c.threshold, 1.0);
    }
}
