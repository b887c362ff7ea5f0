//! Staged runs: the scan cut into stages that read and write files in a
//! work directory, each sharded so that many processes (or machines) can
//! run it at once, with the same report as one `scan`.
//!
//! | stage | reads | writes (under the work directory `W`) |
//! | --- | --- | --- |
//! | [`plan`] | the inputs (one pass, to count documents and note where each shard starts and ends) | `plan.json` |
//! | [`sign`] shard `i` | the inputs, from shard `i`'s first document to its last | `sign/spans-i.bin`, `sign/docs-i.bin`, `sign/lines-i.bin`, `sign/prints-i.bin`, `sign/keys-i-j.bin` for every `j` |
//! | [`bucket`] shard `j` | every `sign/prints-*.bin`, every `sign/keys-*-j.bin` | `bucket/pairs-j-k.bin` for every `k` |
//! | [`verify`] shard `k` | every `bucket/pairs-*-k.bin`, the lines of the inputs holding their units | `verify/matches-k.bin` |
//! | [`cluster`] | every `sign/prints-*.bin` and `verify/matches-*.bin`, the inputs | the report (a [`Scan`]) |
//! | [`filter`] shard `i` | as cluster | the dedup output of the input files shard `i` starts |
//!
//! The plan cuts the documents, in input order, into `N` contiguous ranges
//! of about the same text size (`plan.json`, [`Plan`]). Sign shard `i`
//! segments its range, numbers its units from 0, fingerprints them (the
//! exact classes, [`crate::exact`]) and writes the 64-bit band keys of the
//! units whose text it sees first, split by band range: bucket shard `j`
//! owns bands `j * B / N .. (j + 1) * B / N`. Global unit ids are the
//! prefix sums of the shards' unit counts ([`artifact::Manifest`], from the
//! headers of `prints-*.bin`), never the order in which processes finish.
//! Bucket shard `j` merges every shard's fingerprints to learn which units
//! are the representatives a single scan signs (the smallest global id of
//! each exact class), keeps their keys, narrows them as the scan would
//! ([`crate::lsh::Key::from_wide`]) and emits the pairs of each bucket as
//! [`crate::lsh::bucket_edges`] does; each pair goes to the verify shard
//! that holds its second (later) unit, so that verify shard `k` reads the
//! inputs no further than the end of sign shard `k`'s documents. Verify
//! shard `k` merges and deduplicates its pairs (a pair may come from
//! several bands) and verifies them exactly, reading the texts of their
//! units only (the JSON Lines it does not need are skipped unparsed, see
//! [`corpus::LineWindow`]).
//! Cluster merges the verified pairs and the exact classes and runs
//! [`crate::cluster::groups`] as `scan` does, so the report is the same byte
//! for byte but for `stats.seconds`. It reads the inputs once more for the
//! documents' ids and the texts of the units that can be group members,
//! which it writes to a scratch file with their code-point offsets
//! ([`Texts::MembersOnDisk`]) rather than keep their documents.
//!
//! **Requeue safety.** Every file is written to a temporary name beside it
//! and renamed when complete ([`artifact::write`]); after its files, a shard
//! writes its completion marker `<stage>/<stage>-<i>.done` (JSON, with the
//! plan hash and the shard's counts). A shard whose marker is there is
//! skipped; one without is redone from scratch (its temporary files are
//! removed first, its complete files replaced). A stage refuses to start
//! (exit 2) when a shard it depends on has no marker, or has files made
//! under another plan: every stage file carries the plan hash in its
//! header ([`Plan::hash`]). Nothing complete is ever deleted.
//!
//! Not staged yet: `--reference` (contamination checks) and the span path
//! (`--spans on`); [`plan`] refuses both.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs;
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::artifact::{
    self, BandKeyRecord, CountRecord, Header, Kind, LineRecord, Manifest, PairRecord, PrintRecord,
    Reader, SpanRecord, UnitRef, VerifiedRecord,
};
use crate::cluster::{self, Clustering};
use crate::config::{Params, ReferenceFields, ScanConfig, SpanPath, Verification};
use crate::corpus::{self, BadLines, Corpus, ReadOptions, Select, TextFilter};
use crate::error::{Error, Result};
use crate::exact;
use crate::lsh::{self, NARROW_KEYS_MAX_UNITS};
use crate::pipeline::{Scan, ScanStats};
use crate::progress::{Progress, Stage};
use crate::segment::Span;
use crate::shingle::Shingler;
use crate::sign;
use crate::units::{self, ExactClasses, UnitSet, Units};
use crate::verify::{self, Match};

/// Version of the plan file and of the work directory's layout. A stage
/// refuses a plan of any other version, or made by another dupscan version.
pub const PLAN_VERSION: u32 = 2;

/// The plan's file name in the work directory.
pub const PLAN_FILE: &str = "plan.json";

/// What `plan.json` holds: everything a stage needs to redo its part, and
/// the cut of the documents into shards. See README, "Staged runs".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Always `dupscan-plan`.
    pub format: String,
    /// [`PLAN_VERSION`].
    pub version: u32,
    /// The dupscan version that wrote it; stages of another version refuse it.
    pub dupscan: String,
    /// Number of shards of every stage.
    pub shards: u32,
    /// The directory the inputs are named from (stages read from there).
    pub cwd: PathBuf,
    /// Inputs as given.
    pub inputs: Vec<PathBuf>,
    /// JSONL text field.
    pub text_field: String,
    /// JSONL id field.
    pub id_field: String,
    /// `--skip-bad-lines`.
    pub skip_bad_lines: bool,
    /// `--text-field` given more than once: the fields after the first.
    #[serde(default)]
    pub more_text_fields: Vec<String>,
    /// `--glob` patterns of directory walks.
    #[serde(default)]
    pub glob: Vec<String>,
    /// `--exclude` patterns of directory walks.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// `--max-document-bytes`.
    pub max_document_bytes: u64,
    /// The algorithm's parameters.
    pub params: Params,
    /// Every input file, in input order.
    pub sources: Vec<PlannedSource>,
    /// Documents in all inputs.
    pub documents: u64,
    /// Text bytes read (after decompression).
    pub bytes: u64,
    /// The documents of each shard, in shard order.
    pub shard_docs: Vec<ShardDocs>,
}

/// One input file as the plan saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedSource {
    /// The path as displayed in reports.
    pub path: PathBuf,
    /// Its size on disk, in bytes (compressed size for a compressed file).
    pub bytes: u64,
    /// Documents read from it.
    pub documents: u64,
}

/// The documents of one shard: a contiguous range in input order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardDocs {
    /// Index of its first document.
    pub first: u64,
    /// Number of documents.
    pub documents: u64,
    /// Their text bytes.
    pub bytes: u64,
    /// Where its first document is (unused when it has none).
    pub from: DocAt,
    /// Where its last document is (unused when it has none).
    pub to: DocAt,
}

/// Where a document is: its source and its 1-based position there (its
/// line in JSON Lines, [`corpus::Document::line`]), so that a shard reads
/// from there on without parsing what comes before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DocAt {
    /// Index of the source in [`Plan::sources`].
    pub source: u32,
    /// Position in the source.
    pub line: u64,
}

impl Plan {
    /// The hash stamped into every stage file of the run and its markers:
    /// xxh3 of the plan's JSON, so that files of another plan (other
    /// parameters, inputs or shard count) are refused.
    pub fn hash(&self) -> u64 {
        let json = serde_json::to_vec(self).expect("a plan serializes");
        xxh3_64(&json) ^ u64::from(PLAN_VERSION)
    }

    /// The scan configuration the plan was made with.
    pub fn config(&self) -> ScanConfig {
        ScanConfig {
            inputs: self.inputs.clone(),
            reference: Vec::new(),
            read: ReadOptions {
                text_field: self.text_field.clone(),
                id_field: self.id_field.clone(),
                bad_lines: if self.skip_bad_lines {
                    BadLines::Skip
                } else {
                    BadLines::Fail
                },
                max_document_bytes: self.max_document_bytes,
                more_text_fields: self.more_text_fields.clone(),
                select: Select {
                    glob: self.glob.clone(),
                    exclude: self.exclude.clone(),
                },
            },
            reference_fields: ReferenceFields::default(),
            params: self.params,
        }
    }

    /// Bands owned by bucket shard `j`.
    fn bands_of(&self, j: u32) -> Range<u32> {
        let (b, n) = (self.params.bands.bands as u64, u64::from(self.shards));
        let at = |j: u64| (j * b / n) as u32;
        at(u64::from(j))..at(u64::from(j) + 1)
    }
}

/// A shard of a stage: `index` of `count`, from `I/N` on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based index, `< count`.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("expected I/N (e.g. 0/8), got {s:?}"))?;
        let index: u32 = i
            .trim()
            .parse()
            .map_err(|_| format!("bad shard index {i:?} in {s:?}"))?;
        let count: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("bad shard count {n:?} in {s:?}"))?;
        if count == 0 || index >= count {
            return Err(format!(
                "shard {index}/{count} out of range: I must be in 0..{count} (0-based)"
            ));
        }
        Ok(Self { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The stages that have shards and markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageName {
    /// [`sign`].
    Sign,
    /// [`bucket`].
    Bucket,
    /// [`verify`].
    Verify,
    /// [`filter`].
    Filter,
}

impl StageName {
    /// The name on the command line and in the work directory.
    pub fn name(self) -> &'static str {
        match self {
            StageName::Sign => "sign",
            StageName::Bucket => "bucket",
            StageName::Verify => "verify",
            StageName::Filter => "filter",
        }
    }
}

/// A shard's completion marker (`<stage>/<stage>-<i>.done`, JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    /// The stage.
    pub stage: String,
    /// Shard index.
    pub shard: u32,
    /// Shard count.
    pub shards: u32,
    /// Sorted runs written (sign).
    #[serde(default)]
    pub runs: u32,
    /// [`Plan::hash`] as 16 hex digits.
    pub plan: String,
    /// Units of the shard (sign), candidate pairs (bucket, verify), verified
    /// pairs (verify).
    #[serde(default)]
    pub units: u64,
    /// Candidate pairs written (bucket) or verified (verify).
    #[serde(default)]
    pub candidates: u64,
    /// Verified pairs (verify).
    #[serde(default)]
    pub verified: u64,
}

/// A work directory and its plan: the one place that names its files.
#[derive(Debug, Clone)]
pub struct Work {
    dir: PathBuf,
    plan: Plan,
    hash: u64,
}

fn hex(h: u64) -> String {
    format!("{h:016x}")
}

fn bad(path: &Path, message: impl Into<String>) -> Error {
    Error::Artifact {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn write_err(path: &Path) -> impl Fn(io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` whole or not at all (temporary file, sync,
/// rename).
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut tmp = tempfile::Builder::new()
        .prefix(&artifact::temp_prefix(name.as_deref().unwrap_or("dupscan")))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(write_err(path))?;
    tmp.write_all(bytes).map_err(write_err(path))?;
    tmp.as_file().sync_all().map_err(write_err(path))?;
    tmp.persist(path).map_err(|e| write_err(path)(e.error))?;
    Ok(())
}

impl Work {
    /// Opens the work directory `dir` and reads its plan, refusing a missing
    /// directory or plan, a plan of another version and a shard that does not
    /// match the plan's count.
    ///
    /// # Errors
    ///
    /// [`Error::Artifact`] naming the directory or `plan.json`.
    pub fn open(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(bad(
                dir,
                "no such work directory (make it with `dupscan plan --work DIR ...`)",
            ));
        }
        let path = dir.join(PLAN_FILE);
        let text = fs::read_to_string(&path).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                bad(
                    &path,
                    "missing: not a dupscan work directory (run `dupscan plan` first)",
                )
            } else {
                Error::Read {
                    path: path.clone(),
                    source: e,
                }
            }
        })?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| bad(&path, format!("not a dupscan plan: {e}")))?;
        if value.get("format").and_then(|f| f.as_str()) != Some("dupscan-plan") {
            return Err(bad(
                &path,
                "not a dupscan plan (no \"format\":\"dupscan-plan\")",
            ));
        }
        let version = value.get("version").and_then(serde_json::Value::as_u64);
        let tool = value.get("dupscan").and_then(|v| v.as_str()).unwrap_or("?");
        if version != Some(u64::from(PLAN_VERSION)) || tool != env!("CARGO_PKG_VERSION") {
            return Err(bad(
                &path,
                format!(
                    "plan made by dupscan {tool} (plan version {}); this is dupscan {} (plan version {PLAN_VERSION}): plan again",
                    version.map_or_else(|| "?".into(), |v| v.to_string()),
                    env!("CARGO_PKG_VERSION")
                ),
            ));
        }
        let plan: Plan =
            serde_json::from_value(value).map_err(|e| bad(&path, format!("bad plan: {e}")))?;
        if plan.shards == 0 || plan.shard_docs.len() != plan.shards as usize {
            return Err(bad(
                &path,
                "bad plan: shard table does not match the shard count",
            ));
        }
        let hash = plan.hash();
        Ok(Self {
            dir: dir.to_path_buf(),
            plan,
            hash,
        })
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The work directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Checks that `shard` is one of the plan's.
    ///
    /// # Errors
    ///
    /// [`Error::Param`] naming the plan file when the counts differ.
    pub fn check_shard(&self, shard: Shard) -> Result<()> {
        if shard.count != self.plan.shards {
            return Err(Error::Param(format!(
                "shard {shard}: the plan {} has {} shards; use I/{}",
                self.dir.join(PLAN_FILE).display(),
                self.plan.shards,
                self.plan.shards
            )));
        }
        Ok(())
    }

    fn stage_dir(&self, stage: StageName) -> PathBuf {
        self.dir.join(stage.name())
    }

    /// The completion marker of `shard` of `stage`.
    pub fn marker(&self, stage: StageName, shard: u32) -> PathBuf {
        self.stage_dir(stage)
            .join(format!("{}-{shard}.done", stage.name()))
    }

    /// Sign shard `i`'s fingerprints, sorted run `r`.
    pub fn prints(&self, i: u32, r: u32) -> PathBuf {
        self.stage_dir(StageName::Sign)
            .join(format!("prints-{i}-{r}.bin"))
    }

    /// Sign shard `i`'s band keys for bucket shard `j`, sorted run `r`.
    pub fn keys(&self, i: u32, j: u32, r: u32) -> PathBuf {
        self.stage_dir(StageName::Sign)
            .join(format!("keys-{i}-{j}-{r}.bin"))
    }

    /// Sign shard `i`'s unit spans (its header holds the shard's unit count).
    pub fn spans(&self, i: u32) -> PathBuf {
        self.stage_dir(StageName::Sign)
            .join(format!("spans-{i}.bin"))
    }

    /// Sign shard `i`'s units per document.
    pub fn doc_units(&self, i: u32) -> PathBuf {
        self.stage_dir(StageName::Sign)
            .join(format!("docs-{i}.bin"))
    }

    /// Sign shard `i`'s documents' positions in their sources.
    pub fn doc_lines(&self, i: u32) -> PathBuf {
        self.stage_dir(StageName::Sign)
            .join(format!("lines-{i}.bin"))
    }

    /// Bucket shard `j`'s candidate pairs for verify shard `k`.
    pub fn pairs(&self, j: u32, k: u32) -> PathBuf {
        self.stage_dir(StageName::Bucket)
            .join(format!("pairs-{j}-{k}.bin"))
    }

    /// Verify shard `k`'s verified pairs.
    pub fn matches(&self, k: u32) -> PathBuf {
        self.stage_dir(StageName::Verify)
            .join(format!("matches-{k}.bin"))
    }

    /// The directory for spilled sorted runs.
    pub fn spill_dir(&self) -> PathBuf {
        self.dir.join("spill")
    }

    /// The files a shard of `stage` writes besides its marker, with `runs`
    /// sorted runs (sign).
    fn outputs(&self, stage: StageName, i: u32, runs: u32) -> Vec<PathBuf> {
        let n = self.plan.shards;
        match stage {
            StageName::Sign => [self.spans(i), self.doc_units(i), self.doc_lines(i)]
                .into_iter()
                .chain((0..runs).map(|r| self.prints(i, r)))
                .chain(
                    (0..runs)
                        .flat_map(|r| (0..n).map(move |j| (j, r)))
                        .map(|(j, r)| self.keys(i, j, r)),
                )
                .collect(),
            StageName::Bucket => (0..n).map(|k| self.pairs(i, k)).collect(),
            StageName::Verify => vec![self.matches(i)],
            StageName::Filter => Vec::new(),
        }
    }

    /// The marker of `shard` of `stage` when it is there, made under this
    /// plan, with its files present.
    fn done(&self, stage: StageName, shard: u32) -> Result<Option<Marker>> {
        let path = self.marker(stage, shard);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(Error::Read { path, source }),
        };
        let marker: Marker = serde_json::from_str(&text)
            .map_err(|e| bad(&path, format!("corrupt completion marker: {e}")))?;
        if marker.plan != hex(self.hash) {
            return Err(bad(
                &path,
                "made under another plan (other parameters, inputs or shard count)",
            ));
        }
        for f in self.outputs(stage, shard, marker.runs) {
            if !f.is_file() {
                return Err(bad(
                    &f,
                    format!(
                        "missing, though {} says {} shard {shard} is complete",
                        path.display(),
                        stage.name()
                    ),
                ));
            }
        }
        Ok(Some(marker))
    }

    /// Every shard's marker of `stage`, refusing (exit 2) when one is
    /// missing, naming the first missing marker and how many are missing.
    fn require(&self, stage: StageName) -> Result<Vec<Marker>> {
        let mut markers = Vec::new();
        let mut missing = Vec::new();
        for i in 0..self.plan.shards {
            match self.done(stage, i)? {
                Some(m) => markers.push(m),
                None => missing.push(i),
            }
        }
        if let Some(&first) = missing.first() {
            return Err(bad(
                &self.marker(stage, first),
                format!(
                    "missing: {} of {} {} shards are not complete (shards {}); run `dupscan {} --shard I/{}` for them first",
                    missing.len(),
                    self.plan.shards,
                    stage.name(),
                    list(&missing),
                    stage.name(),
                    self.plan.shards
                ),
            ));
        }
        Ok(markers)
    }

    /// Prepares shard `i` of `stage`: `Ok(None)` when it is already complete
    /// (nothing to do); otherwise makes its directory and removes the
    /// temporary files a killed run of the same shard left.
    ///
    /// The shard is locked first (`<stage>/<stage>-<i>.lock`, an exclusive
    /// `flock` released when the process ends, however it ends): a second
    /// process given the same shard waits for the first, then finds it
    /// complete. The returned file holds the lock until dropped.
    fn begin(&self, stage: StageName, i: u32) -> Result<Option<fs::File>> {
        let dir = self.stage_dir(stage);
        fs::create_dir_all(&dir).map_err(write_err(&dir))?;
        let lock_path = dir.join(format!("{}-{i}.lock", stage.name()));
        let lock = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(write_err(&lock_path))?;
        crate::output::lock_exclusive(&lock).map_err(write_err(&lock_path))?;
        if self.done(stage, i)?.is_some() {
            return Ok(None);
        }
        let kinds: &[&str] = match stage {
            StageName::Sign => &["sign", "prints", "keys", "spans", "docs", "lines"],
            StageName::Bucket => &["bucket", "pairs"],
            StageName::Verify => &["verify", "matches"],
            StageName::Filter => &["filter"],
        };
        let names: Vec<String> = kinds
            .iter()
            .flat_map(|k| [format!(".{k}-{i}-"), format!(".{k}-{i}.")])
            .collect();
        let entries = fs::read_dir(&dir).map_err(|source| Error::Read {
            path: dir.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".tmp") && names.iter().any(|p| name.starts_with(p.as_str())) {
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(Some(lock))
    }

    fn finish(&self, stage: StageName, marker: Marker) -> Result<()> {
        let path = self.marker(stage, marker.shard);
        let mut json = serde_json::to_vec_pretty(&marker).expect("a marker serializes");
        json.push(b'\n');
        write_atomic(&path, &json)
    }

    fn marker_for(&self, stage: StageName, shard: u32) -> Marker {
        Marker {
            stage: stage.name().into(),
            shard,
            shards: self.plan.shards,
            plan: hex(self.hash),
            runs: 0,
            units: 0,
            candidates: 0,
            verified: 0,
        }
    }

    fn header(&self, kind: Kind, shard: u32, units: u64) -> Header {
        let mut h = Header::new(kind, &self.plan.params, shard, self.plan.shards, units);
        h.param_hash = self.hash;
        h
    }

    fn read<R: artifact::Record>(&self, path: &Path, kind: Kind) -> Result<(Header, Vec<R>)> {
        if !path.is_file() {
            return Err(bad(path, "missing"));
        }
        let (header, records) = artifact::read_run(path, kind, &self.plan.params, self.hash)
            .map_err(|e| match e {
                Error::Artifact { path, message } if message.contains("parameter hash") => bad(
                    &path,
                    "made under another plan (other parameters, inputs or shard count): parameter hash differs",
                ),
                e => e,
            })?;
        if header.shards != self.plan.shards {
            return Err(bad(path, "made for another shard count"));
        }
        Ok((header, records))
    }

    /// Reads the inputs again, checking they still hold the plan's documents.
    fn read_corpus(&self, keep: Option<TextFilter>, progress: &dyn Progress) -> Result<Corpus> {
        let config = self.plan.config();
        progress.start(Stage::Reading, None);
        let corpus = corpus::read_inputs_keeping(&config.inputs, &config.read, keep, &|n| {
            progress.advance(n);
        })?;
        progress.finish();
        if corpus.docs.len() as u64 != self.plan.documents
            || corpus.sources.len() != self.plan.sources.len()
        {
            let path = self.dir.join(PLAN_FILE);
            return Err(bad(
                &path,
                format!(
                    "the inputs changed since the plan: {} files and {} documents now, {} and {} planned",
                    corpus.sources.len(),
                    corpus.docs.len(),
                    self.plan.sources.len(),
                    self.plan.documents
                ),
            ));
        }
        Ok(corpus)
    }

    /// An error naming the plan: the inputs no longer hold what it says.
    fn changed(&self, what: String) -> Error {
        bad(
            &self.dir.join(PLAN_FILE),
            format!("the inputs changed since the plan: {what}"),
        )
    }

    /// Reads the documents at `windows` of the inputs (see
    /// [`corpus::read_windows`]), checking that the inputs still list the
    /// plan's files.
    fn read_windows(
        &self,
        windows: &[corpus::Window],
        keep: Option<TextFilter>,
        progress: &dyn Progress,
    ) -> Result<Corpus> {
        let config = self.plan.config();
        let listing = corpus::list_selected(&config.inputs, &config.read.select)?;
        if listing.sources.len() != self.plan.sources.len() {
            return Err(self.changed(format!(
                "{} files now, {} planned",
                listing.sources.len(),
                self.plan.sources.len()
            )));
        }
        progress.start(Stage::Reading, None);
        let corpus = corpus::read_windows(listing.sources, &config.read, windows, keep, &|n| {
            progress.advance(n);
        })?;
        progress.finish();
        Ok(corpus)
    }

    /// The documents of sign shard `i`, read from the first one's position
    /// to the last one's: the JSON Lines before and after it are not parsed.
    fn read_shard(&self, i: u32, progress: &dyn Progress) -> Result<Corpus> {
        let sd = self.plan.shard_docs[i as usize];
        let windows: Vec<corpus::Window> = if sd.documents == 0 {
            Vec::new()
        } else {
            (sd.from.source..=sd.to.source)
                .filter(|&s| {
                    self.plan
                        .sources
                        .get(s as usize)
                        .is_some_and(|p| p.documents > 0)
                })
                .map(|s| {
                    let start = if s == sd.from.source { sd.from.line } else { 1 };
                    let end = if s == sd.to.source {
                        sd.to.line + 1
                    } else {
                        u64::MAX
                    };
                    corpus::Window {
                        source: s as usize,
                        lines: std::iter::once(start..end).collect(),
                    }
                })
                .collect()
        };
        let corpus = self.read_windows(&windows, None, progress)?;
        let ends = |d: Option<&corpus::Document>| d.map(|d| (d.source, d.line));
        if corpus.docs.len() as u64 != sd.documents
            || (sd.documents > 0
                && (ends(corpus.docs.first()) != Some((sd.from.source, sd.from.line))
                    || ends(corpus.docs.last()) != Some((sd.to.source, sd.to.line))))
        {
            return Err(self.changed(format!(
                "shard {i} has {} documents now, {} planned",
                corpus.docs.len(),
                sd.documents
            )));
        }
        Ok(corpus)
    }

    /// Every document's position in its source, from the sign shards'
    /// files (8 bytes per document).
    fn lines(&self) -> Result<Vec<u64>> {
        let mut lines = Vec::with_capacity(self.plan.documents as usize);
        for i in 0..self.plan.shards {
            let path = self.doc_lines(i);
            let before = lines.len();
            for r in self.reader::<LineRecord>(&path, Kind::DocLines)? {
                lines.push(r?.0);
            }
            if (lines.len() - before) as u64 != self.plan.shard_docs[i as usize].documents {
                return Err(bad(&path, "does not match the plan's documents"));
            }
        }
        Ok(lines)
    }

    /// The documents `docs` (global indices, ascending), in that order,
    /// reading and parsing only their lines of JSON Lines inputs; `keep`
    /// is called with each one's index in `docs`.
    fn read_docs(
        &self,
        docs: &[u32],
        keep: Option<TextFilter>,
        progress: &dyn Progress,
    ) -> Result<Corpus> {
        let lines = self.lines()?;
        // The first document of each source.
        let mut starts = Vec::with_capacity(self.plan.sources.len());
        let mut at = 0u64;
        for s in &self.plan.sources {
            starts.push(at);
            at += s.documents;
        }
        let mut windows: Vec<corpus::Window> = Vec::new();
        let mut expected = Vec::with_capacity(docs.len());
        for &d in docs {
            let source = starts.partition_point(|&f| f <= u64::from(d)) - 1;
            let line = lines[d as usize];
            expected.push((source as u32, line));
            match windows.last_mut() {
                Some(w) if w.source == source => match w.lines.last_mut() {
                    Some(r) if r.end == line => r.end = line + 1,
                    _ => w.lines.push(line..line + 1),
                },
                _ => windows.push(corpus::Window {
                    source,
                    lines: std::iter::once(line..line + 1).collect(),
                }),
            }
        }
        let corpus = self.read_windows(&windows, keep, progress)?;
        let got = corpus.docs.iter().map(|d| (d.source, d.line));
        if corpus.docs.len() != docs.len() || !got.eq(expected.iter().copied()) {
            return Err(self.changed(format!(
                "{} of the {} documents wanted were found where the plan says",
                corpus.docs.len(),
                docs.len()
            )));
        }
        Ok(corpus)
    }

    /// The manifest: every sign shard's unit count, from the headers of its
    /// span files.
    fn manifest(&self) -> Result<Manifest> {
        let mut counts = Vec::with_capacity(self.plan.shards as usize);
        for i in 0..self.plan.shards {
            let path = self.spans(i);
            let header = artifact::read_header(&path)?;
            if header.param_hash != self.hash {
                return Err(bad(
                    &path,
                    "made under another plan (other parameters, inputs or shard count): parameter hash differs",
                ));
            }
            counts.push(header.units);
        }
        Ok(Manifest::from_counts(&counts))
    }

    /// A streaming reader of `path`, refusing files of another plan.
    fn reader<R: artifact::Record>(&self, path: &Path, kind: Kind) -> Result<Reader<R>> {
        if !path.is_file() {
            return Err(bad(path, "missing"));
        }
        let reader = Reader::open(path, kind, &self.plan.params, self.hash).map_err(|e| match e {
            Error::Artifact { path, message } if message.contains("parameter hash") => bad(
                &path,
                "made under another plan (other parameters, inputs or shard count): parameter hash differs",
            ),
            e => e,
        })?;
        if reader.header().shards != self.plan.shards {
            return Err(bad(path, "made for another shard count"));
        }
        Ok(reader)
    }

    /// Every unit of the corpus with its span, from the sign shards' span
    /// and per-document files: the table `scan` segments, without any text
    /// (8 bytes per unit, 4 per document).
    fn units(&self, manifest: &Manifest) -> Result<Units> {
        let docs = self.plan.documents as usize;
        let mut units = Units::with_capacity(docs, manifest.units() as usize);
        let mut spans = Vec::new();
        for i in 0..self.plan.shards {
            let path = self.spans(i);
            spans.clear();
            for r in self.reader::<SpanRecord>(&path, Kind::Spans)? {
                let r = r?;
                spans.push(Span {
                    start: r.start,
                    end: r.end,
                });
            }
            let counts_path = self.doc_units(i);
            let mut at = 0usize;
            let mut documents = 0u64;
            for c in self.reader::<CountRecord>(&counts_path, Kind::DocUnits)? {
                let end = at + c?.0 as usize;
                let Some(doc) = spans.get(at..end) else {
                    return Err(bad(
                        &counts_path,
                        "counts more units than its span file holds",
                    ));
                };
                units.push_doc(doc);
                at = end;
                documents += 1;
            }
            if at != spans.len() || documents != self.plan.shard_docs[i as usize].documents {
                return Err(bad(
                    &counts_path,
                    "does not match its span file or the plan's documents",
                ));
            }
        }
        Ok(units)
    }

    /// The document (global index) and span of each unit of `ids` (global
    /// ids, ascending), streamed from the sign shards' span and
    /// per-document files without building the whole unit table: only the
    /// shards holding one of `ids` are read.
    fn places(&self, manifest: &Manifest, ids: &[u32]) -> Result<Vec<(u32, Span)>> {
        let mut places = Vec::with_capacity(ids.len());
        let mut next = 0usize;
        for i in 0..self.plan.shards {
            let local_of = |id: u32| manifest.local(u64::from(id)).filter(|u| u.shard == i);
            if ids.get(next).and_then(|&id| local_of(id)).is_none() {
                continue;
            }
            let spans_path = self.spans(i);
            let counts_path = self.doc_units(i);
            let mut spans = self.reader::<SpanRecord>(&spans_path, Kind::Spans)?;
            let mut counts = self.reader::<CountRecord>(&counts_path, Kind::DocUnits)?;
            let first_doc = self.plan.shard_docs[i as usize].first;
            // Documents and spans read, and the units up to the end of the
            // last document read.
            let (mut docs, mut read, mut end) = (0u64, 0u64, 0u64);
            while let Some(unit) = ids.get(next).and_then(|&id| local_of(id)) {
                let local = u64::from(unit.local);
                while local >= end {
                    let Some(c) = counts.next().transpose()? else {
                        return Err(bad(&counts_path, "counts fewer units than the manifest"));
                    };
                    docs += 1;
                    end += u64::from(c.0);
                }
                let doc = first_doc + docs - 1;
                let mut span = None;
                while read <= local {
                    span = spans.next().transpose()?;
                    read += 1;
                }
                let Some(r) = span else {
                    return Err(bad(&spans_path, "holds fewer units than the manifest"));
                };
                let doc =
                    u32::try_from(doc).map_err(|_| bad(&counts_path, "too many documents"))?;
                places.push((
                    doc,
                    Span {
                        start: r.start,
                        end: r.end,
                    },
                ));
                next += 1;
            }
        }
        Ok(places)
    }

    /// Merges every sign shard's sorted fingerprint runs (`runs[i]` runs for
    /// shard `i`), calling `each` with every class of equal fingerprints
    /// (global ids ascending, so the first is the class's representative).
    /// Memory: one buffer per run, whatever the corpus size.
    fn merge_prints(
        &self,
        manifest: &Manifest,
        runs: &[u32],
        mut each: impl FnMut(&[u32]),
    ) -> Result<()> {
        let mut streams = Vec::new();
        for i in 0..self.plan.shards {
            for r in 0..runs[i as usize] {
                let path = self.prints(i, r);
                let reader = self.reader::<PrintRecord>(&path, Kind::Prints)?;
                streams.push((path, reader));
            }
        }
        let mut class: Vec<u32> = Vec::new();
        let mut current: Option<[u64; 2]> = None;
        merge(
            streams,
            |p: &PrintRecord| (p.print, p.unit),
            |path, p| {
                let id = global(manifest, p.unit, path)?;
                if current != Some(p.print) {
                    if !class.is_empty() {
                        each(&class);
                        class.clear();
                    }
                    current = Some(p.print);
                }
                class.push(id);
                Ok(())
            },
        )?;
        if !class.is_empty() {
            each(&class);
        }
        Ok(())
    }
}

fn list(ids: &[u32]) -> String {
    const SHOWN: usize = 10;
    let mut s: Vec<String> = ids.iter().take(SHOWN).map(u32::to_string).collect();
    if ids.len() > SHOWN {
        s.push("...".into());
    }
    s.join(", ")
}

fn global(manifest: &Manifest, unit: UnitRef, path: &Path) -> Result<u32> {
    manifest
        .global(unit)
        .and_then(|g| u32::try_from(g).ok())
        .ok_or_else(|| {
            bad(
                path,
                format!(
                    "unit {}:{} out of range of the manifest",
                    unit.shard, unit.local
                ),
            )
        })
}

fn local(manifest: &Manifest, id: u32) -> UnitRef {
    manifest
        .local(u64::from(id))
        .expect("ids come from the manifest")
}

/// What a staged command did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The shard ran.
    Done,
    /// The shard was already complete; nothing was done.
    Skipped,
}

/// How many shards a plan cuts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shards {
    /// This many.
    Count(u32),
    /// As many as it takes for one process of each stage to stay within
    /// this many bytes ([`shards_for`]).
    Budget(u64),
}

/// Shards for `text` bytes of text under a memory budget of `budget`
/// bytes: a sign shard holds its text once (a quarter of the budget at
/// most), its sorted runs (half) and its unit table.
pub fn shards_for(text: u64, budget: u64) -> u32 {
    let per_shard = (budget / 4).max(1);
    u32::try_from(text.div_ceil(per_shard).max(1)).unwrap_or(u32::MAX)
}

/// Makes the work directory `dir` and its plan for `config` cut into
/// `shards` shards. Reads the inputs once to count their documents. A
/// directory that already holds the same plan is left as it is; one that
/// holds another plan is refused.
///
/// # Errors
///
/// [`Error::Param`] for `--reference`, `--spans on` or 0 shards;
/// [`Error::Artifact`] naming `plan.json` when the directory holds another
/// plan; reading and writing errors.
pub fn plan(
    dir: &Path,
    config: &ScanConfig,
    shards: Shards,
    progress: &dyn Progress,
) -> Result<Outcome> {
    if shards == Shards::Count(0) {
        return Err(Error::Param("--shards must be at least 1".into()));
    }
    if !config.reference.is_empty() {
        return Err(Error::Param(
            "staged runs (and --memory-budget) do not check contamination (--reference) yet; run without them".into(),
        ));
    }
    if config.params.spans == SpanPath::On {
        return Err(Error::Param(
            "staged runs (and --memory-budget) do not do the span path yet: use --spans off, or `dupscan scan` without a budget"
                .into(),
        ));
    }
    if config.inputs.iter().any(|p| corpus::is_stdin(p)) {
        return Err(Error::Param(
            "a staged run (or --memory-budget) reads its inputs in every stage: stdin (-) cannot be staged".into(),
        ));
    }
    // Only the documents' sizes are kept, not their text.
    let sizes = Arc::new(std::sync::Mutex::new(Vec::<u64>::new()));
    let keep = {
        let sizes = Arc::clone(&sizes);
        TextFilter(Arc::new(move |_, text: &mut String| {
            if let Ok(mut s) = sizes.lock() {
                s.push(text.len() as u64);
            }
            *text = String::new();
        }))
    };
    progress.start(Stage::Reading, None);
    let corpus = corpus::read_inputs_keeping(&config.inputs, &config.read, Some(keep), &|n| {
        progress.advance(n);
    })?;
    progress.finish();
    let sizes: Vec<u64> = sizes.lock().map(|s| s.clone()).unwrap_or_default();
    if sizes.len() != corpus.docs.len() {
        return Err(Error::Param(
            "internal: document sizes were not all seen".into(),
        ));
    }
    let mut sources: Vec<PlannedSource> = corpus
        .sources
        .iter()
        .map(|s| PlannedSource {
            path: s.path.clone(),
            bytes: fs::metadata(&s.path).map_or(0, |m| m.len()),
            documents: 0,
        })
        .collect();
    for d in &corpus.docs {
        sources[d.source as usize].documents += 1;
    }
    let total: u64 = sizes.iter().sum();
    let shards = match shards {
        Shards::Count(n) => n,
        Shards::Budget(budget) => shards_for(total, budget),
    };
    let mut shard_docs = vec![
        ShardDocs {
            first: 0,
            documents: 0,
            bytes: 0,
            from: DocAt::default(),
            to: DocAt::default(),
        };
        shards as usize
    ];
    let at = |d: usize| DocAt {
        source: corpus.docs[d].source,
        line: corpus.docs[d].line,
    };
    let mut before = 0u64;
    for (d, &size) in sizes.iter().enumerate() {
        // Document d goes to the shard its middle byte falls in.
        let s = if total == 0 {
            0
        } else {
            let middle = u128::from(before) * 2 + u128::from(size);
            ((middle * u128::from(shards) / (u128::from(total) * 2)) as usize)
                .min(shards as usize - 1)
        };
        let sd = &mut shard_docs[s];
        if sd.documents == 0 {
            sd.first = d as u64;
            sd.from = at(d);
        }
        sd.to = at(d);
        sd.documents += 1;
        sd.bytes += size;
        before += size;
    }
    // Empty shards start where the next document would.
    let mut next = corpus.docs.len() as u64;
    for sd in shard_docs.iter_mut().rev() {
        if sd.documents == 0 {
            sd.first = next;
        }
        next = sd.first;
    }
    let cwd = std::env::current_dir().map_err(|source| Error::Read {
        path: PathBuf::from("."),
        source,
    })?;
    let plan = Plan {
        format: "dupscan-plan".into(),
        version: PLAN_VERSION,
        dupscan: env!("CARGO_PKG_VERSION").into(),
        shards,
        cwd,
        inputs: config.inputs.clone(),
        text_field: config.read.text_field.clone(),
        id_field: config.read.id_field.clone(),
        skip_bad_lines: config.read.bad_lines == BadLines::Skip,
        more_text_fields: config.read.more_text_fields.clone(),
        glob: config.read.select.glob.clone(),
        exclude: config.read.select.exclude.clone(),
        max_document_bytes: config.read.max_document_bytes,
        params: config.params,
        sources,
        documents: corpus.docs.len() as u64,
        bytes: corpus.stats.bytes,
        shard_docs,
    };
    let path = dir.join(PLAN_FILE);
    if path.exists() {
        let old = Work::open(dir)?;
        if old.plan == plan {
            return Ok(Outcome::Skipped);
        }
        return Err(bad(
            &path,
            "the work directory holds another plan (other parameters, inputs or shard count); use a new --work directory",
        ));
    }
    fs::create_dir_all(dir).map_err(write_err(dir))?;
    let mut json = serde_json::to_vec_pretty(&plan).expect("a plan serializes");
    json.push(b'\n');
    write_atomic(&path, &json)?;
    Ok(Outcome::Done)
}

/// Bytes sign holds per unit of a sorted run with `bands` bands: the
/// fingerprint and its record (48), the 64-bit band keys (8 per band) and
/// the key records of one bucket shard at a time (20 per band at most).
fn sign_bytes_per_unit(bands: usize) -> u64 {
    48 + 28 * bands as u64
}

/// Fewest units in a sorted run, whatever the budget.
const MIN_RUN_UNITS: u64 = 64;

/// Sign shard `i`: segments the shard's documents, fingerprints every unit
/// long enough to compare, and writes the band keys of the units whose
/// normalized text is new to their sorted run. With `budget`, the shard's
/// units are cut into sorted runs (of whole documents) small enough for
/// the budget; bucket merges the runs.
///
/// # Errors
///
/// Refusals of [`Work::open`]; reading and writing errors.
pub fn sign(
    work: &Work,
    shard: Shard,
    budget: Option<u64>,
    progress: &dyn Progress,
) -> Result<Outcome> {
    work.check_shard(shard)?;
    let i = shard.index;
    let Some(_lock) = work.begin(StageName::Sign, i)? else {
        return Ok(Outcome::Skipped);
    };
    let plan = work.plan();
    let params = &plan.params;
    let corpus = work.read_shard(i, progress)?;
    let docs = &corpus.docs[..];
    progress.start(Stage::Segmenting, None);
    let units = units::segment_docs(docs, |d| &d.text, params.unit);
    let spans: Vec<SpanRecord> = units
        .iter()
        .map(|u| SpanRecord {
            start: u.span.start,
            end: u.span.end,
        })
        .collect();
    artifact::write(
        &work.spans(i),
        work.header(Kind::Spans, i, units.len() as u64),
        &spans,
    )?;
    drop(spans);
    let counts: Vec<CountRecord> = (0..docs.len() as u32)
        .map(|d| CountRecord(units.of_doc(d).len() as u32))
        .collect();
    artifact::write(
        &work.doc_units(i),
        work.header(Kind::DocUnits, i, units.len() as u64),
        &counts,
    )?;
    let lines: Vec<LineRecord> = docs.iter().map(|d| LineRecord(d.line)).collect();
    artifact::write(
        &work.doc_lines(i),
        work.header(Kind::DocLines, i, units.len() as u64),
        &lines,
    )?;
    progress.finish();

    // Sorted runs of whole documents, of about `run_units` units each.
    let run_units = budget.map_or(u64::MAX, |b| {
        (b / 2 / sign_bytes_per_unit(params.bands.bands)).max(MIN_RUN_UNITS)
    });
    let mut runs: Vec<Range<u32>> = Vec::new();
    let mut start = 0u32;
    for d in 0..docs.len() as u32 {
        let end = units.of_doc(d).end;
        if u64::from(end - units.of_doc(start).start) >= run_units {
            runs.push(start..d + 1);
            start = d + 1;
        }
    }
    if start < docs.len() as u32 || runs.is_empty() {
        runs.push(start..docs.len() as u32);
    }
    progress.start(Stage::Signing, Some(units.len() as u64));
    for (r, run_docs) in runs.iter().enumerate() {
        let run = &docs[run_docs.start as usize..run_docs.end as usize];
        // One run is the whole shard, already segmented.
        let segmented;
        let run_units = if runs.len() == 1 {
            &units
        } else {
            segmented = units::segment_docs(run, |d| &d.text, params.unit);
            &segmented
        };
        // An empty shard has one empty run, starting after its last unit.
        let first = if run.is_empty() {
            units.len() as u32
        } else {
            units.of_doc(run_docs.start).start
        };
        sign_run(work, i, r as u32, (run, run_units), first, progress)?;
    }
    progress.finish();
    let mut marker = work.marker_for(StageName::Sign, i);
    marker.units = units.len() as u64;
    marker.runs = runs.len() as u32;
    work.finish(StageName::Sign, marker)?;
    Ok(Outcome::Done)
}

/// One sorted run of sign shard `i`: the documents `docs` and their units,
/// whose first is the shard's unit `first`.
fn sign_run(
    work: &Work,
    i: u32,
    r: u32,
    (docs, units): (&[crate::corpus::Document], &Units),
    first: u32,
    progress: &dyn Progress,
) -> Result<()> {
    let plan = work.plan();
    let params = &plan.params;
    let text_of = |id: u32| -> &str {
        let doc = units.doc(id);
        units.span(id).text(&docs[doc as usize].text)
    };
    let mut prints = exact::fingerprints(units, params, &text_of);
    prints.par_sort_unstable();
    let mut reps: Vec<u32> = prints
        .chunk_by(|x, y| x.0 == y.0)
        .map(|run| run[0].1)
        .collect();
    reps.par_sort_unstable();
    let records: Vec<PrintRecord> = prints
        .iter()
        .map(|&(print, id)| PrintRecord {
            print,
            unit: UnitRef::new(i, first + id),
        })
        .collect();
    drop(prints);
    artifact::write(
        &work.prints(i, r),
        work.header(Kind::Prints, i, units.len() as u64),
        &records,
    )?;
    drop(records);
    let keys = sign::wide_band_keys(&reps, params, &text_of, &|_| {});
    progress.advance(units.len() as u64);
    let n = reps.len();
    for j in 0..plan.shards {
        let mut out: Vec<BandKeyRecord> = Vec::new();
        // Sorted band by band, as (key, unit) pairs: the records' order
        // (band, key, unit) with smaller sorts.
        let mut column: Vec<(u64, u32)> = Vec::with_capacity(n);
        for band in plan.bands_of(j) {
            column.clear();
            column.extend(
                keys[band as usize * n..(band as usize + 1) * n]
                    .iter()
                    .copied()
                    .zip(reps.iter().copied()),
            );
            column.par_sort_unstable();
            out.extend(column.iter().map(|&(key, id)| BandKeyRecord {
                band,
                key,
                unit: UnitRef::new(i, first + id),
            }));
        }
        artifact::write(
            &work.keys(i, j, r),
            work.header(Kind::BandKeys, i, units.len() as u64),
            &out,
        )?;
    }
    Ok(())
}

/// Merges sorted streams of records by `key` (ties: the earlier stream),
/// calling `each` with every record and the file it came from. Memory: one
/// read buffer per stream.
fn merge<R: artifact::Record, K: Ord>(
    mut streams: Vec<(PathBuf, Reader<R>)>,
    key: impl Fn(&R) -> K,
    mut each: impl FnMut(&Path, R) -> Result<()>,
) -> Result<()> {
    let mut heads: Vec<Option<R>> = Vec::with_capacity(streams.len());
    let mut heap = BinaryHeap::new();
    for (s, (_, reader)) in streams.iter_mut().enumerate() {
        match reader.next().transpose()? {
            Some(x) => {
                heap.push(Reverse((key(&x), s)));
                heads.push(Some(x));
            }
            None => heads.push(None),
        }
    }
    while let Some(Reverse((_, s))) = heap.pop() {
        let x = heads[s].take().expect("a stream on the heap has a head");
        each(&streams[s].0, x)?;
        if let Some(y) = streams[s].1.next().transpose()? {
            heap.push(Reverse((key(&y), s)));
            heads[s] = Some(y);
        }
    }
    Ok(())
}

/// Bucket shard `j`: the candidate pairs of its bands among the units a
/// single scan signs. Both inputs are merged from sorted runs as they are
/// read (external merge), so memory holds the representatives' bit set
/// (1 bit per unit), one bucket and the shard's candidate pairs.
///
/// # Errors
///
/// When a sign shard is incomplete or of another plan; reading and writing
/// errors.
pub fn bucket(work: &Work, shard: Shard, progress: &dyn Progress) -> Result<Outcome> {
    work.check_shard(shard)?;
    let j = shard.index;
    let signed = work.require(StageName::Sign)?;
    let Some(_lock) = work.begin(StageName::Bucket, j)? else {
        return Ok(Outcome::Skipped);
    };
    let plan = work.plan();
    let runs: Vec<u32> = signed.iter().map(|m| m.runs).collect();
    progress.start(Stage::Fingerprinting, None);
    let manifest = work.manifest()?;
    let units = usize::try_from(manifest.units())
        .ok()
        .filter(|&u| u <= u32::MAX as usize)
        .ok_or_else(|| Error::Param("more than 2^32 units".into()))?;
    let mut reps = UnitSet::from_ids(units, []);
    let mut rep_count = 0usize;
    work.merge_prints(&manifest, &runs, |class| {
        rep_count += 1;
        reps.insert(class[0]);
    })?;
    progress.finish();

    progress.start(Stage::Banding, None);
    // The scan stores 32-bit keys (the top half) up to this many units.
    let wide = rep_count > NARROW_KEYS_MAX_UNITS;
    let narrow = |key: u64| if wide { key } else { key >> 32 };
    let mut streams = Vec::new();
    for i in 0..plan.shards {
        for r in 0..runs[i as usize] {
            let path = work.keys(i, j, r);
            let reader = work.reader::<BandKeyRecord>(&path, Kind::BandKeys)?;
            streams.push((path, reader));
        }
    }
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut run: Vec<u32> = Vec::new();
    let mut current: Option<(u32, u64)> = None;
    let flush = |run: &mut Vec<u32>, pairs: &mut Vec<(u32, u32)>| {
        if run.len() > 1 {
            run.sort_unstable();
            lsh::bucket_edges(run, pairs);
        }
        run.clear();
    };
    merge(
        streams,
        |k: &BandKeyRecord| (k.band, narrow(k.key)),
        |path, k| {
            let id = global(&manifest, k.unit, path)?;
            let at = (k.band, narrow(k.key));
            if current != Some(at) {
                flush(&mut run, &mut pairs);
                current = Some(at);
            }
            if reps.contains(id) {
                run.push(id);
            }
            Ok(())
        },
    )?;
    flush(&mut run, &mut pairs);
    pairs.par_sort_unstable();
    pairs.dedup();
    progress.finish();

    progress.start(Stage::Writing, None);
    let mut by_shard: Vec<Vec<PairRecord>> = vec![Vec::new(); plan.shards as usize];
    for (a, b) in pairs.iter().copied() {
        let (a, b) = (local(&manifest, a), local(&manifest, b));
        // By the later unit: verify shard k then reads no further than sign
        // shard k's documents.
        by_shard[b.shard as usize].push(PairRecord { a, b });
    }
    for (k, records) in by_shard.iter().enumerate() {
        artifact::write(
            &work.pairs(j, k as u32),
            work.header(Kind::CandidatePairs, j, 0),
            records,
        )?;
    }
    progress.finish();
    let mut marker = work.marker_for(StageName::Bucket, j);
    marker.candidates = pairs.len() as u64;
    work.finish(StageName::Bucket, marker)?;
    Ok(Outcome::Done)
}

/// A read that keeps the text of the documents holding `ids` only.
fn docs_of_units(units: &Units, ids: impl Iterator<Item = u32>) -> TextFilter {
    let docs = UnitSet::from_ids(units.docs(), ids.map(|id| units.doc(id)));
    TextFilter::keeping(move |d| u32::try_from(d).is_ok_and(|d| docs.contains(d)))
}

/// The texts of some units, read from their documents, of which only those
/// units' bytes are kept: memory holds the units compared, not their
/// documents.
struct UnitTexts {
    /// The units, ascending.
    ids: Vec<u32>,
    /// Each unit's text: the index of its document's kept text in `texts`,
    /// and its byte range there.
    at: Vec<(u32, u32, u32)>,
    /// Per document read, the texts of its units, one after the other.
    texts: Vec<String>,
}

impl UnitTexts {
    /// Reads the texts of `ids` (ascending, distinct).
    fn read(
        work: &Work,
        manifest: &Manifest,
        ids: Vec<u32>,
        progress: &dyn Progress,
    ) -> Result<Self> {
        let places = work.places(manifest, &ids)?;
        let mut docs: Vec<u32> = places.iter().map(|&(doc, _)| doc).collect();
        docs.dedup();
        // Per document (in order), the spans it keeps, and where each unit's
        // text lands in what it keeps.
        let spans: Vec<Span> = places.iter().map(|&(_, span)| span).collect();
        let mut first = Vec::with_capacity(docs.len() + 1);
        let mut at = Vec::with_capacity(ids.len());
        let mut offset = 0u32;
        for k in 0..ids.len() {
            if k == 0 || places[k - 1].0 != places[k].0 {
                first.push(k);
                offset = 0;
            }
            let len = spans[k].end - spans[k].start;
            at.push(((first.len() - 1) as u32, offset, offset + len));
            offset += len;
        }
        first.push(ids.len());
        drop(places);
        let missing = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let keep = {
            let missing = Arc::clone(&missing);
            TextFilter(Arc::new(move |i, text: &mut String| {
                let i = i as usize;
                let Some(cut) = first.get(i..i + 2).map(|r| &spans[r[0]..r[1]]) else {
                    *text = String::new();
                    return;
                };
                let mut kept = String::with_capacity(cut.iter().map(|s| s.range().len()).sum());
                for span in cut {
                    match text.get(span.range()) {
                        Some(t) => kept.push_str(t),
                        None => missing.store(true, std::sync::atomic::Ordering::Relaxed),
                    }
                }
                *text = kept;
            }))
        };
        let corpus = work.read_docs(&docs, Some(keep), progress)?;
        if missing.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(work.changed("a unit's span is outside its document's text".into()));
        }
        Ok(Self {
            ids,
            at,
            texts: corpus.docs.into_iter().map(|d| d.text).collect(),
        })
    }

    /// The text of unit `id`, one of those read.
    fn get(&self, id: u32) -> &str {
        let k = self.ids.binary_search(&id).expect("a unit that was read");
        let (doc, start, end) = self.at[k];
        &self.texts[doc as usize][start as usize..end as usize]
    }
}

/// Verify shard `k`: the exact similarity of its candidate pairs (those
/// whose second unit is in sign shard `k`). Reads the documents holding
/// those pairs' units and keeps only those units' texts ([`UnitTexts`]).
///
/// # Errors
///
/// When a bucket shard is incomplete or of another plan; reading and
/// writing errors.
pub fn verify(work: &Work, shard: Shard, progress: &dyn Progress) -> Result<Outcome> {
    work.check_shard(shard)?;
    let k = shard.index;
    work.require(StageName::Bucket)?;
    let Some(_lock) = work.begin(StageName::Verify, k)? else {
        return Ok(Outcome::Skipped);
    };
    let plan = work.plan();
    let params = &plan.params;
    let manifest = work.manifest()?;
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for j in 0..plan.shards {
        let path = work.pairs(j, k);
        let (_, records): (_, Vec<PairRecord>) = work.read(&path, Kind::CandidatePairs)?;
        for r in records {
            pairs.push((
                global(&manifest, r.a, &path)?,
                global(&manifest, r.b, &path)?,
            ));
        }
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    let mut ids: Vec<u32> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    ids.par_sort_unstable();
    ids.dedup();
    let texts = UnitTexts::read(work, &manifest, ids, progress)?;
    progress.start(Stage::Verifying, Some(pairs.len() as u64));
    let matches = verify_pairs(&|id| texts.get(id), params, &pairs, progress);
    progress.finish();
    let records: Vec<VerifiedRecord> = matches
        .iter()
        .map(|m| VerifiedRecord {
            a: local(&manifest, m.a),
            b: local(&manifest, m.b),
            similarity: m.similarity,
        })
        .collect();
    artifact::write(
        &work.matches(k),
        work.header(Kind::VerifiedPairs, k, 0),
        &records,
    )?;
    let mut marker = work.marker_for(StageName::Verify, k);
    marker.candidates = pairs.len() as u64;
    marker.verified = matches.len() as u64;
    work.finish(StageName::Verify, marker)?;
    Ok(Outcome::Done)
}

thread_local! {
    static NORM: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

fn verify_pairs<'t>(
    text_of: &(dyn Fn(u32) -> &'t str + Sync),
    params: &Params,
    pairs: &[(u32, u32)],
    progress: &dyn Progress,
) -> Vec<Match> {
    let shingler = Shingler::new(params.shingle, params.ngram, params.seed);
    let set_fn = |id: u32, buf: &mut Vec<u64>| {
        NORM.with_borrow_mut(|norm| {
            let text = text_of(id);
            params.normalizer.normalize_into(text, norm);
            shingler.set(norm, buf);
        });
    };
    match params.verification {
        Verification::Exact => {
            verify::verify(pairs, params.threshold, set_fn, &|n| progress.advance(n))
        }
        Verification::Trust => verify::similarities(pairs, set_fn),
    }
}

/// Which texts [`cluster`] reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Texts {
    /// Only the documents holding a unit of a group (enough for the report).
    Members,
    /// No document text: the texts of the units that can be group members
    /// go to a scratch file in the work directory as they are read, with
    /// their code-point offsets ([`Scan::unit_texts`]), so memory holds 20
    /// bytes per such unit, not their documents. Enough for the JSON, JSON
    /// Lines and text reports, not for HTML (which shows documents).
    MembersOnDisk,
    /// Those, and the documents of this range (a filter shard's files).
    MembersAnd(Range<u64>),
    /// Every document.
    All,
}

/// The cluster stage: merges the verified pairs and exact classes of every
/// shard and groups them as `scan` does. The returned [`Scan`] gives the
/// same report as `scan` with the plan's parameters (but for
/// `stats.seconds`); with [`Texts::Members`] its corpus holds the text of
/// the documents with a unit in a group only (the others are empty), with
/// [`Texts::MembersOnDisk`] no text at all (the report takes the members'
/// texts from [`Scan::unit_texts`]).
///
/// On Linux with glibc it first fixes `malloc`'s mmap threshold at 128 KiB
/// for the rest of the process, so that freed texts go back to the system
/// (`dupscan_core::heap`): a program that embeds this crate gets that setting too.
///
/// # Errors
///
/// When a verify shard is incomplete or of another plan; reading errors.
pub fn cluster(work: &Work, texts: Texts, progress: &dyn Progress) -> Result<Scan> {
    let started = std::time::Instant::now();
    // The read below frees each document's text as it goes: give such
    // memory back rather than carry it through clustering and writing.
    dupscan_core::heap::return_freed_memory();
    let verified = work.require(StageName::Verify)?;
    let signed = work.require(StageName::Sign)?;
    let runs: Vec<u32> = signed.iter().map(|m| m.runs).collect();
    let plan = work.plan();
    let params = &plan.params;
    let config = plan.config();
    let manifest = work.manifest()?;
    let units = work.units(&manifest)?;
    progress.start(Stage::Fingerprinting, None);
    let mut compared = UnitSet::from_ids(units.len(), []);
    let mut compared_count = 0u64;
    let mut repeats = Vec::new();
    let mut reps = 0u64;
    work.merge_prints(&manifest, &runs, |class| {
        reps += 1;
        compared_count += class.len() as u64;
        for &id in class {
            compared.insert(id);
        }
        repeats.extend(class[1..].iter().map(|&id| (id, class[0])));
    })?;
    let classes = ExactClasses::new(repeats);
    progress.finish();

    let mut matches = Vec::new();
    for k in 0..plan.shards {
        let path = work.matches(k);
        let (_, records): (_, Vec<VerifiedRecord>) = work.read(&path, Kind::VerifiedPairs)?;
        for r in records {
            matches.push(Match {
                a: global(&manifest, r.a, &path)?,
                b: global(&manifest, r.b, &path)?,
                similarity: r.similarity,
            });
        }
    }
    matches.par_sort_unstable_by_key(|m| (m.a, m.b));
    let members = || docs_of_units(&units, possible_members(&matches, &classes));
    let spill = if texts == Texts::MembersOnDisk {
        Some(Spill::new(work, &units, &matches, &classes)?)
    } else {
        None
    };
    let keep = match texts {
        Texts::All => None,
        Texts::Members => Some(members()),
        Texts::MembersOnDisk => spill.as_ref().map(Spill::filter),
        Texts::MembersAnd(range) => {
            let members = members();
            Some(TextFilter(Arc::new(move |d, text: &mut String| {
                if !range.contains(&d) {
                    (members.0)(d, text);
                }
            })))
        }
    };
    let corpus = work.read_corpus(keep, progress)?;
    let unit_texts = match spill {
        Some(spill) => Some(spill.finish(work)?),
        None => None,
    };

    progress.start(Stage::Clustering, None);
    let shingler = Shingler::new(params.shingle, params.ngram, params.seed);
    let set_of = |id: u32, norm: &mut String, buf: &mut Vec<u64>| {
        match &unit_texts {
            Some(t) => params
                .normalizer
                .normalize_into(&crate::pipeline::UnitTexts::text(t.as_ref(), id), norm),
            None => {
                let text = units
                    .span(id)
                    .text(&corpus.docs[units.doc(id) as usize].text);
                params.normalizer.normalize_into(text, norm);
            }
        }
        shingler.set(norm, buf);
    };
    let groups = cluster::groups(
        &Clustering {
            units: &units,
            classes: &classes,
            matches: &matches,
            links: &[],
            scope: params.scope,
            grouping: params.grouping,
            threshold: params.threshold,
            reference_docs: 0,
        },
        &set_of,
    );
    progress.finish();
    let unit_count = units.len() as u64;
    let stats = ScanStats {
        documents: corpus.docs.len() as u64,
        units: unit_count,
        skipped_units: unit_count - compared_count,
        exact_duplicate_units: compared_count - reps,
        candidate_pairs: verified.iter().map(|m| m.candidates).sum(),
        verified_pairs: matches.len() as u64,
        groups: groups.len() as u64,
        duplicate_units: groups.iter().map(|g| g.members.len() as u64 - 1).sum(),
        bytes: corpus.stats.bytes,
        invalid_utf8: corpus.stats.invalid_utf8,
        lone_surrogates: corpus.stats.lone_surrogates,
        duplicate_ids: corpus.stats.duplicate_ids,
        bad_lines: corpus.stats.bad_lines,
        span_pairs: 0,
        span_links: 0,
        span_boilerplate_hashes: 0,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok(Scan {
        config,
        corpus,
        reference_docs: 0,
        reference_sources: 0,
        units,
        compared,
        groups,
        matches,
        links: Vec::new(),
        classes,
        contained: None,
        stats,
        unit_texts: unit_texts.map(|t| t as Arc<dyn crate::pipeline::UnitTexts>),
    })
}

/// The units that can be group members: the ends of verified pairs and the
/// units with an exact copy (with repeats).
fn possible_members<'a>(
    matches: &'a [Match],
    classes: &'a ExactClasses,
) -> impl Iterator<Item = u32> + 'a {
    matches
        .iter()
        .flat_map(|m| [m.a, m.b])
        .chain(classes.repeats().iter().flat_map(|&(u, c)| [u, c]))
}

/// The texts of the units that can be group members (ends of verified
/// pairs, units with an exact copy), written to a scratch file as the
/// corpus is read ([`Texts::MembersOnDisk`]), with their code-point
/// offsets in their documents.
struct Spill {
    /// The units, ascending; per document holding some, the first of them
    /// (`(doc, index in ids)`).
    ids: Arc<Vec<u32>>,
    firsts: Arc<Vec<(u32, u32)>>,
    /// Their spans.
    spans: Arc<Vec<Span>>,
    written: Arc<std::sync::Mutex<Written>>,
}

/// What the read has written of a [`Spill`].
struct Written {
    /// The scratch file (taken when done).
    out: Option<io::BufWriter<fs::File>>,
    /// `at[k]`: where unit `ids[k]`'s text starts in the file (one more
    /// entry: the end).
    at: Vec<u64>,
    chars: Vec<[u32; 2]>,
    /// The first write error, or a span outside its document's text.
    error: Option<String>,
}

impl Spill {
    fn new(work: &Work, units: &Units, matches: &[Match], classes: &ExactClasses) -> Result<Self> {
        let mut ids: Vec<u32> = possible_members(matches, classes).collect();
        ids.par_sort_unstable();
        ids.dedup();
        let mut firsts: Vec<(u32, u32)> = Vec::new();
        for (k, &id) in ids.iter().enumerate() {
            let doc = units.doc(id);
            if firsts.last().is_none_or(|&(d, _)| d != doc) {
                firsts.push((doc, k as u32));
            }
        }
        let spans: Vec<Span> = ids.iter().map(|&id| units.span(id)).collect();
        let dir = work.dir();
        let file = tempfile::tempfile_in(dir).map_err(write_err(dir))?;
        let mut at = Vec::with_capacity(ids.len() + 1);
        at.push(0);
        Ok(Self {
            written: Arc::new(std::sync::Mutex::new(Written {
                out: Some(io::BufWriter::with_capacity(1 << 20, file)),
                at,
                chars: Vec::with_capacity(ids.len()),
                error: None,
            })),
            ids: Arc::new(ids),
            firsts: Arc::new(firsts),
            spans: Arc::new(spans),
        })
    }

    /// The read's filter: writes the texts of a document's units and
    /// empties it (documents come in input order).
    fn filter(&self) -> TextFilter {
        let (ids, firsts, spans, written) = (
            Arc::clone(&self.ids),
            Arc::clone(&self.firsts),
            Arc::clone(&self.spans),
            Arc::clone(&self.written),
        );
        TextFilter(Arc::new(move |d, text: &mut String| {
            let i = firsts.partition_point(|&(doc, _)| u64::from(doc) < d);
            if let Some(&(doc, first)) = firsts.get(i).filter(|&&(doc, _)| u64::from(doc) == d) {
                let end = firsts.get(i + 1).map_or(ids.len(), |&(_, k)| k as usize);
                let mut w = written.lock().unwrap_or_else(|e| e.into_inner());
                // Code points counted once through the document.
                let (mut byte, mut chars) = (0usize, 0u32);
                let mut char_at = |b: u32| -> u32 {
                    let b = b as usize;
                    match text.get(byte..b) {
                        Some(part) => {
                            chars += part.chars().count() as u32;
                            byte = b;
                            chars
                        }
                        None => crate::offsets::char_offset(text, b as u32),
                    }
                };
                for span in &spans[first as usize..end] {
                    let Some(unit) = text.get(span.range()) else {
                        w.error.get_or_insert_with(|| {
                            format!("a unit's span is outside the text of document {doc}")
                        });
                        break;
                    };
                    let c = [char_at(span.start), char_at(span.end)];
                    w.chars.push(c);
                    let next = w.at.last().copied().unwrap_or(0) + unit.len() as u64;
                    w.at.push(next);
                    let wrote = match w.out.as_mut() {
                        Some(out) => out.write_all(unit.as_bytes()),
                        None => Ok(()),
                    };
                    if let Err(e) = wrote {
                        w.error.get_or_insert_with(|| e.to_string());
                    }
                }
            }
            *text = String::new();
        }))
    }

    /// The texts written, once the read is done.
    fn finish(self, work: &Work) -> Result<Arc<SpilledTexts>> {
        let mut w = self.written.lock().unwrap_or_else(|e| e.into_inner());
        let written = Written {
            out: w.out.take(),
            at: std::mem::take(&mut w.at),
            chars: std::mem::take(&mut w.chars),
            error: w.error.take(),
        };
        drop(w);
        if let Some(e) = written.error {
            return Err(bad(
                work.dir(),
                format!("writing the cluster step's scratch file of member texts: {e}"),
            ));
        }
        if written.chars.len() != self.ids.len() {
            return Err(
                work.changed("fewer documents hold group members than the plan says".into())
            );
        }
        let file = written
            .out
            .expect("finished once")
            .into_inner()
            .map_err(|e| {
                bad(
                    work.dir(),
                    format!(
                        "writing the cluster step's scratch file of member texts: {}",
                        e.error()
                    ),
                )
            })?;
        Ok(Arc::new(SpilledTexts {
            ids: Arc::unwrap_or_clone(self.ids),
            at: written.at,
            chars: written.chars,
            file,
        }))
    }
}

/// Member texts in a scratch file (unlinked: removed when dropped), read
/// back one unit at a time ([`crate::pipeline::UnitTexts`]).
#[derive(Debug)]
struct SpilledTexts {
    ids: Vec<u32>,
    at: Vec<u64>,
    chars: Vec<[u32; 2]>,
    file: fs::File,
}

impl SpilledTexts {
    fn index(&self, id: u32) -> usize {
        self.ids
            .binary_search(&id)
            .expect("a group member is an end of a verified pair or has an exact copy")
    }
}

impl crate::pipeline::UnitTexts for SpilledTexts {
    /// # Panics
    ///
    /// When the scratch file cannot be read back (an I/O error of the
    /// work directory's disk).
    fn text(&self, id: u32) -> std::borrow::Cow<'_, str> {
        let k = self.index(id);
        let mut buf = vec![0; (self.at[k + 1] - self.at[k]) as usize];
        if let Err(e) = read_exact_at(&self.file, &mut buf, self.at[k]) {
            panic!("reading back the cluster step's scratch file of member texts: {e}");
        }
        std::borrow::Cow::Owned(
            String::from_utf8(buf).expect("the scratch file holds the UTF-8 texts written to it"),
        )
    }

    fn chars(&self, id: u32) -> [u32; 2] {
        self.chars[self.index(id)]
    }
}
/// The input files filter shard `i` writes: those whose first document is
/// in shard `i` (a file without documents goes with the shard its place in
/// the input order falls in).
pub fn sources_of(plan: &Plan, i: u32) -> Range<usize> {
    let last = plan.shards.saturating_sub(1);
    let mut first_doc = 0u64;
    let owner: Vec<u32> = plan
        .sources
        .iter()
        .map(|s| {
            let at = first_doc;
            first_doc += s.documents;
            plan.shard_docs
                .iter()
                .position(|sd| at < sd.first + sd.documents)
                .map_or(last, |p| p as u32)
        })
        .collect();
    let start = owner.partition_point(|&o| o < i);
    let end = owner.partition_point(|&o| o <= i);
    start..end
}

/// Filter shard `i`: the dedup output (`dupscan dedup --out DIR`) of the
/// input files whose first document is in shard `i` ([`sources_of`]);
/// shard 0 also writes `DIR/.dupscan/report.json`. The plan must have
/// dedup's parameters (`--scope all --groups components`).
///
/// # Errors
///
/// [`Error::Param`] for a plan without dedup's parameters; as [`cluster`]
/// and [`crate::dedup::write_part`].
pub fn filter(
    work: &Work,
    shard: Shard,
    opts: &crate::dedup::DedupOptions,
    progress: &dyn Progress,
) -> Result<Outcome> {
    use crate::config::{Grouping, Scope};
    work.check_shard(shard)?;
    let plan = work.plan();
    if plan.params.scope != Scope::All || plan.params.grouping != Grouping::Components {
        return Err(Error::Param(format!(
            "filter writes dedup's output: plan with --scope all --groups components (the plan {} has other settings)",
            work.dir().join(PLAN_FILE).display()
        )));
    }
    let i = shard.index;
    work.require(StageName::Verify)?;
    let Some(_lock) = work.begin(StageName::Filter, i)? else {
        return Ok(Outcome::Skipped);
    };
    let sources = sources_of(plan, i);
    let before: u64 = plan.sources[..sources.start]
        .iter()
        .map(|s| s.documents)
        .sum();
    let docs: u64 = plan.sources[sources.clone()]
        .iter()
        .map(|s| s.documents)
        .sum();
    let scan = cluster(work, Texts::MembersAnd(before..before + docs), progress)?;
    progress.start(Stage::Writing, None);
    let written = crate::dedup::write_part(&scan, opts, sources, i == 0)?;
    progress.finish();
    let mut marker = work.marker_for(StageName::Filter, i);
    marker.units = written;
    work.finish(StageName::Filter, marker)?;
    Ok(Outcome::Done)
}

/// A whole scan as the in-process composition of the stages, within a
/// memory budget: plans into `dir` (a new or empty directory) with as many
/// shards as the budget needs ([`shards_for`]), runs every shard of every
/// stage in turn, then [`cluster`]. The result is the scan `config` gives
/// without a budget, but for `stats.seconds`. Sets glibc's mmap threshold
/// for the process, as [`cluster`] does.
///
/// # Errors
///
/// As [`plan`] and the stages.
pub fn scan_within(
    dir: &Path,
    config: &ScanConfig,
    budget: u64,
    texts: Texts,
    progress: &dyn Progress,
) -> Result<Scan> {
    let started = std::time::Instant::now();
    // The stages run one after the other in this process: what one frees
    // should go back to the system, not stay for the next one's peak.
    dupscan_core::heap::return_freed_memory();
    // Over several input files, as many shards at once as there are
    // threads, each within its share of the budget: a shard's reading and
    // decompression are serial, so one shard at a time leaves threads idle.
    // Over one file, one shard at a time: halving the shards' size would
    // double their number, and every shard of a compressed file
    // decompresses it from its start up to its own lines.
    let files = corpus::list_selected(&config.inputs, &config.read.select)?
        .sources
        .len();
    let workers = if files >= 2 {
        rayon::current_num_threads().max(1)
    } else {
        1
    };
    let share = (budget / workers as u64).max(1);
    plan(dir, config, Shards::Budget(share), progress)?;
    let work = Work::open(dir)?;
    let count = work.plan().shards;
    let shard = |index| Shard { index, count };
    let quiet = crate::progress::Silent;
    each_shard(count, workers, Stage::Signing, progress, |i| {
        sign(&work, shard(i), Some(share), &quiet)
    })?;
    each_shard(count, workers, Stage::Banding, progress, |j| {
        bucket(&work, shard(j), &quiet)
    })?;
    each_shard(count, workers, Stage::Verifying, progress, |k| {
        verify(&work, shard(k), &quiet)
    })?;
    let mut scan = cluster(&work, texts, progress)?;
    scan.stats.seconds = started.elapsed().as_secs_f64();
    Ok(scan)
}

/// Runs `run(i)` for every shard `i` of `count`, at most `workers` at a
/// time, and reports shards done as `stage`'s progress. Shards are taken
/// in order; once one fails no other starts, and the first error (by
/// shard) is returned. `workers` tasks of the current rayon pool each take
/// shards one after another, rather than a parallel loop over shards: a
/// thread waiting for its shard's nested work may run another task, so
/// only a bounded number of tasks keeps the shards in flight (and so the
/// memory) at `workers`.
fn each_shard(
    count: u32,
    workers: usize,
    stage: Stage,
    progress: &dyn Progress,
    run: impl Fn(u32) -> Result<Outcome> + Sync,
) -> Result<()> {
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    progress.start(stage, Some(u64::from(count)));
    let next = AtomicU32::new(0);
    let failed = AtomicBool::new(false);
    let errors = std::sync::Mutex::new(Vec::new());
    rayon::scope(|scope| {
        for _ in 0..workers.min(count as usize) {
            scope.spawn(|_| {
                while !failed.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    match run(i) {
                        Ok(_) => progress.advance(1),
                        Err(e) => {
                            failed.store(true, Ordering::Relaxed);
                            errors
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push((i, e));
                        }
                    }
                }
            });
        }
    });
    progress.finish();
    let mut errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    errors.sort_by_key(|&(i, _)| i);
    match errors.into_iter().next() {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// Fills `buf` from `file` at `offset`, without moving any file offset.
fn read_exact_at(file: &fs::File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let (mut buf, mut offset) = (buf, offset);
        while !buf.is_empty() {
            match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => {
                    buf = &mut buf[n..];
                    offset += n as u64;
                }
            }
        }
        Ok(())
    }
}
