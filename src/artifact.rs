//! The on-disk contract of staged runs: one file per stage output, one
//! module that knows its layout.
//!
//! A staged run (many processes, possibly many machines) passes plain files
//! between stages: signatures, band keys, candidate pairs and verified pairs.
//! Each file is a fixed 72-byte [`Header`] followed by fixed-width
//! little-endian records of one [`Record`] type:
//!
//! | offset | bytes | field |
//! | --- | --- | --- |
//! | 0 | 8 | magic `DUPSCAN\0` |
//! | 8 | 4 | format version ([`FORMAT_VERSION`]) |
//! | 12 | 4 | record kind ([`Kind`]) |
//! | 16 | 8 | parameter hash ([`param_hash`]) |
//! | 24 | 8 | seed |
//! | 32 | 4 | shard index |
//! | 36 | 4 | shard count |
//! | 40 | 8 | units in the shard |
//! | 48 | 8 | records that follow |
//! | 56 | 4 | bytes per record |
//! | 60 | 4 | reserved, 0 |
//! | 64 | 8 | xxh3-64 of every record byte |
//!
//! A reader checks all of it before trusting a record: magic, version, kind,
//! the parameters the file was made with, the length (header plus records
//! times record size: a truncated file is refused) and the checksum (a
//! corrupt one is refused), each error naming the file. A writer writes to a
//! temporary name beside the destination and renames when the file is
//! complete and synced, so a killed stage never leaves a file that looks
//! finished.
//!
//! Units are named by [`UnitRef`] `(shard, local)` pairs: a shard numbers its
//! own units from 0, and the [`Manifest`]'s per-shard counts (prefix sums)
//! turn them into the global ids a single `scan` gives, whatever order the
//! shards ran in.
//!
//! ```
//! use dupscan::artifact::{self, Header, Kind, PairRecord, UnitRef};
//! use dupscan::config::{Params, UnitKind};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("pairs-0.bin");
//! let params = Params::new(UnitKind::Sentence);
//! let header = Header::new(Kind::CandidatePairs, &params, 0, 1, 10);
//! let pairs = [PairRecord { a: UnitRef::new(0, 1), b: UnitRef::new(0, 7) }];
//! artifact::write(&path, header, &pairs)?;
//! let (read_header, read): (Header, Vec<PairRecord>) = artifact::read(&path, Kind::CandidatePairs, &params)?;
//! assert_eq!(read, pairs);
//! assert_eq!(read_header.units, 10);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

use xxhash_rust::xxh3::{Xxh3, xxh3_64};

use crate::config::Params;
use crate::error::{Error, Result};

/// First bytes of every artifact.
pub const MAGIC: [u8; 8] = *b"DUPSCAN\0";
/// Version of the layout described in the module documentation. A reader
/// refuses any other.
pub const FORMAT_VERSION: u32 = 1;
/// Bytes of a [`Header`].
pub const HEADER_BYTES: usize = 72;

/// What an artifact's records are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Kind {
    /// [`SignatureRecord`]s.
    Signatures = 1,
    /// [`BandKeyRecord`]s.
    BandKeys = 2,
    /// Candidate pairs, [`PairRecord`]s.
    CandidatePairs = 3,
    /// Verified pairs, [`VerifiedRecord`]s.
    VerifiedPairs = 4,
    /// Exact fingerprints of units, [`PrintRecord`]s.
    Prints = 5,
    /// Units' byte spans in their documents, [`SpanRecord`]s.
    Spans = 6,
    /// Units per document, [`CountRecord`]s.
    DocUnits = 7,
    /// Each document's position in its source, [`LineRecord`]s.
    DocLines = 8,
}

impl Kind {
    fn from_u32(v: u32) -> Option<Self> {
        [
            Kind::Signatures,
            Kind::BandKeys,
            Kind::CandidatePairs,
            Kind::VerifiedPairs,
            Kind::Prints,
            Kind::Spans,
            Kind::DocUnits,
            Kind::DocLines,
        ]
        .into_iter()
        .find(|k| *k as u32 == v)
    }

    /// The kind's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Signatures => "signatures",
            Kind::BandKeys => "band keys",
            Kind::CandidatePairs => "candidate pairs",
            Kind::VerifiedPairs => "verified pairs",
            Kind::Prints => "fingerprints",
            Kind::Spans => "unit spans",
            Kind::DocUnits => "units per document",
            Kind::DocLines => "document positions",
        }
    }
}

/// A hash of every parameter that shapes a stage's output, so that a stage
/// refuses files made with other parameters. It is the xxh3 of the
/// parameters' JSON (as recorded in a report) and of the format version.
pub fn param_hash(params: &Params) -> u64 {
    let json = serde_json::to_vec(params).expect("parameters serialize");
    xxh3_64(&json) ^ u64::from(FORMAT_VERSION)
}

/// The fixed header of an artifact file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Record kind.
    pub kind: Kind,
    /// [`param_hash`] of the parameters the file was made with.
    pub param_hash: u64,
    /// The run's seed (also part of the parameter hash; kept readable).
    pub seed: u64,
    /// Shard index, `< shards`.
    pub shard: u32,
    /// Number of shards of the stage.
    pub shards: u32,
    /// Units in this shard.
    pub units: u64,
    /// Records in the file (set by [`write`]).
    pub records: u64,
    /// Bytes per record (set by [`write`]).
    pub record_size: u32,
    /// xxh3-64 of the record bytes (set by [`write`]).
    pub checksum: u64,
}

impl Header {
    /// A header for a file of `kind` records made with `params`, for shard
    /// `shard` of `shards` holding `units` units.
    pub fn new(kind: Kind, params: &Params, shard: u32, shards: u32, units: u64) -> Self {
        Self {
            kind,
            param_hash: param_hash(params),
            seed: params.seed,
            shard,
            shards,
            units,
            records: 0,
            record_size: 0,
            checksum: 0,
        }
    }

    fn encode(&self) -> [u8; HEADER_BYTES] {
        let mut b = [0u8; HEADER_BYTES];
        b[0..8].copy_from_slice(&MAGIC);
        b[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        b[12..16].copy_from_slice(&(self.kind as u32).to_le_bytes());
        b[16..24].copy_from_slice(&self.param_hash.to_le_bytes());
        b[24..32].copy_from_slice(&self.seed.to_le_bytes());
        b[32..36].copy_from_slice(&self.shard.to_le_bytes());
        b[36..40].copy_from_slice(&self.shards.to_le_bytes());
        b[40..48].copy_from_slice(&self.units.to_le_bytes());
        b[48..56].copy_from_slice(&self.records.to_le_bytes());
        b[56..60].copy_from_slice(&self.record_size.to_le_bytes());
        b[64..72].copy_from_slice(&self.checksum.to_le_bytes());
        b
    }

    fn decode(b: &[u8; HEADER_BYTES], path: &Path) -> Result<Self> {
        let bad = |message: String| Error::Artifact {
            path: path.to_path_buf(),
            message,
        };
        if b[0..8] != MAGIC {
            return Err(bad("not a dupscan stage file (bad magic)".into()));
        }
        let version = u32_at(b, 8);
        if version != FORMAT_VERSION {
            return Err(bad(format!(
                "stage file format version {version}; this dupscan reads version {FORMAT_VERSION}"
            )));
        }
        let kind = Kind::from_u32(u32_at(b, 12))
            .ok_or_else(|| bad(format!("unknown record kind {}", u32_at(b, 12))))?;
        Ok(Self {
            kind,
            param_hash: u64_at(b, 16),
            seed: u64_at(b, 24),
            shard: u32_at(b, 32),
            shards: u32_at(b, 36),
            units: u64_at(b, 40),
            records: u64_at(b, 48),
            record_size: u32_at(b, 56),
            checksum: u64_at(b, 64),
        })
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// A fixed-width little-endian record.
pub trait Record: Sized {
    /// Bytes per record; for records whose width depends on a parameter
    /// (signatures), the width for `params`.
    fn size(params: &Params) -> usize;
    /// Appends the record's bytes to `out`.
    fn encode(&self, out: &mut Vec<u8>);
    /// The record in `bytes` (exactly [`Record::size`] of them).
    fn decode(bytes: &[u8]) -> Self;
}

/// A unit named by its shard and its index within the shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitRef {
    /// Shard index.
    pub shard: u32,
    /// Index of the unit within its shard.
    pub local: u32,
}

impl UnitRef {
    /// Unit `local` of shard `shard`.
    pub fn new(shard: u32, local: u32) -> Self {
        Self { shard, local }
    }

    fn encode(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.shard.to_le_bytes());
        out.extend_from_slice(&self.local.to_le_bytes());
    }

    fn decode(b: &[u8]) -> Self {
        Self {
            shard: u32_at(b, 0),
            local: u32_at(b, 4),
        }
    }
}

/// Per-shard unit counts, in shard order: the one source of global ids.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manifest {
    /// `first[s]` is the global id of shard `s`'s first unit; one more entry
    /// holds the total.
    first: Vec<u64>,
}

impl Manifest {
    /// The manifest of shards holding `counts[s]` units each.
    pub fn from_counts(counts: &[u64]) -> Self {
        let mut first = Vec::with_capacity(counts.len() + 1);
        let mut total = 0u64;
        first.push(0);
        for &c in counts {
            total += c;
            first.push(total);
        }
        Self { first }
    }

    /// Number of shards.
    pub fn shards(&self) -> usize {
        self.first.len().saturating_sub(1)
    }

    /// Units in all shards.
    pub fn units(&self) -> u64 {
        self.first.last().copied().unwrap_or(0)
    }

    /// The global id of `unit`, or `None` when its shard or index is out of
    /// range.
    pub fn global(&self, unit: UnitRef) -> Option<u64> {
        let s = unit.shard as usize;
        let (first, end) = (*self.first.get(s)?, *self.first.get(s + 1)?);
        let id = first + u64::from(unit.local);
        (id < end).then_some(id)
    }

    /// The shard-local name of global id `id`, or `None` past the end.
    pub fn local(&self, id: u64) -> Option<UnitRef> {
        if id >= self.units() {
            return None;
        }
        let shard = self.first.partition_point(|&f| f <= id) - 1;
        Some(UnitRef::new(shard as u32, (id - self.first[shard]) as u32))
    }
}

/// A unit's MinHash signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureRecord {
    /// The unit.
    pub unit: UnitRef,
    /// `num_perm` values.
    pub values: Vec<u32>,
}

impl Record for SignatureRecord {
    fn size(params: &Params) -> usize {
        8 + 4 * params.num_perm
    }
    fn encode(&self, out: &mut Vec<u8>) {
        self.unit.encode(out);
        for v in &self.values {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    fn decode(b: &[u8]) -> Self {
        Self {
            unit: UnitRef::decode(b),
            values: b[8..].chunks_exact(4).map(|c| u32_at(c, 0)).collect(),
        }
    }
}

/// One band key of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BandKeyRecord {
    /// Band index.
    pub band: u32,
    /// The band's key.
    pub key: u64,
    /// The unit.
    pub unit: UnitRef,
}

impl Record for BandKeyRecord {
    fn size(_: &Params) -> usize {
        20
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.band.to_le_bytes());
        out.extend_from_slice(&self.key.to_le_bytes());
        self.unit.encode(out);
    }
    fn decode(b: &[u8]) -> Self {
        Self {
            band: u32_at(b, 0),
            key: u64_at(b, 4),
            unit: UnitRef::decode(&b[12..]),
        }
    }
}

/// A candidate pair, `a` before `b` in global order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PairRecord {
    /// The earlier unit.
    pub a: UnitRef,
    /// The later unit.
    pub b: UnitRef,
}

impl Record for PairRecord {
    fn size(_: &Params) -> usize {
        16
    }
    fn encode(&self, out: &mut Vec<u8>) {
        self.a.encode(out);
        self.b.encode(out);
    }
    fn decode(b: &[u8]) -> Self {
        Self {
            a: UnitRef::decode(b),
            b: UnitRef::decode(&b[8..]),
        }
    }
}

/// A verified pair with its exact similarity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VerifiedRecord {
    /// The earlier unit.
    pub a: UnitRef,
    /// The later unit.
    pub b: UnitRef,
    /// Exact similarity (the `f64` bits, so a staged run reports the same
    /// digits as a single scan).
    pub similarity: f64,
}

impl Record for VerifiedRecord {
    fn size(_: &Params) -> usize {
        24
    }
    fn encode(&self, out: &mut Vec<u8>) {
        self.a.encode(out);
        self.b.encode(out);
        out.extend_from_slice(&self.similarity.to_bits().to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Self {
            a: UnitRef::decode(b),
            b: UnitRef::decode(&b[8..]),
            similarity: f64::from_bits(u64_at(b, 16)),
        }
    }
}

/// A unit's exact fingerprint: the 128-bit xxh3 of its normalized text
/// (see `dupscan_core::exact`), as two words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PrintRecord {
    /// The fingerprint, high word first (so records sort by fingerprint).
    pub print: [u64; 2],
    /// The unit.
    pub unit: UnitRef,
}

impl Record for PrintRecord {
    fn size(_: &Params) -> usize {
        24
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.print[0].to_le_bytes());
        out.extend_from_slice(&self.print[1].to_le_bytes());
        self.unit.encode(out);
    }
    fn decode(b: &[u8]) -> Self {
        Self {
            print: [u64_at(b, 0), u64_at(b, 8)],
            unit: UnitRef::decode(&b[16..]),
        }
    }
}

/// A unit's byte span in its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanRecord {
    /// Start byte offset.
    pub start: u32,
    /// End byte offset (exclusive).
    pub end: u32,
}

impl Record for SpanRecord {
    fn size(_: &Params) -> usize {
        8
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.start.to_le_bytes());
        out.extend_from_slice(&self.end.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Self {
            start: u32_at(b, 0),
            end: u32_at(b, 4),
        }
    }
}

/// A count (units of one document).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountRecord(pub u32);

impl Record for CountRecord {
    fn size(_: &Params) -> usize {
        4
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Self(u32_at(b, 0))
    }
}

/// A document's 1-based position in its source (its line in JSON Lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRecord(pub u64);

impl Record for LineRecord {
    fn size(_: &Params) -> usize {
        8
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Self(u64_at(b, 0))
    }
}

/// Writes `records` under `header` to `path`, whole or not at all: to a
/// hidden temporary file beside it, synced, then renamed. The header's
/// record count, record size and checksum are filled in.
///
/// # Errors
///
/// [`Error::Write`] naming `path` when the file cannot be written; records
/// whose width differs from the first record's are refused as
/// [`Error::Artifact`].
pub fn write<R: Record>(path: &Path, mut header: Header, records: &[R]) -> Result<()> {
    let werr = |source: io::Error| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut payload = Vec::new();
    let mut size = None;
    for r in records {
        let before = payload.len();
        r.encode(&mut payload);
        let width = payload.len() - before;
        if *size.get_or_insert(width) != width {
            return Err(Error::Artifact {
                path: path.to_path_buf(),
                message: "records of different widths in one file".into(),
            });
        }
    }
    header.records = records.len() as u64;
    header.record_size = size.unwrap_or(0) as u32;
    header.checksum = xxh3_64(&payload);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(name.as_deref().unwrap_or("dupscan")))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(werr)?;
    {
        let mut out = BufWriter::new(tmp.as_file());
        out.write_all(&header.encode()).map_err(werr)?;
        out.write_all(&payload).map_err(werr)?;
        out.flush().map_err(werr)?;
    }
    tmp.as_file().sync_all().map_err(werr)?;
    tmp.persist(path).map_err(|e| werr(e.error))?;
    Ok(())
}

/// The start of the name of the temporary file [`write`] writes before
/// renaming it to `name`: `.name.` then random characters then `.tmp`, so
/// that the stage that owns `name` can remove what a killed run left.
pub fn temp_prefix(name: &str) -> String {
    format!(".{name}.")
}

/// Reads only the header of `path`, checking magic and version.
///
/// # Errors
///
/// [`Error::Read`] when the file cannot be read; [`Error::Artifact`] when it
/// is not a stage file of this format version.
pub fn read_header(path: &Path) -> Result<Header> {
    let mut file = File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut b = [0u8; HEADER_BYTES];
    file.read_exact(&mut b).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => Error::Artifact {
            path: path.to_path_buf(),
            message: "truncated: shorter than a header".into(),
        },
        _ => Error::Read {
            path: path.to_path_buf(),
            source: e,
        },
    })?;
    Header::decode(&b, path)
}

/// Reads every record of `path`, checking that it holds `kind` records made
/// with `params`, that its length matches its header, and its checksum.
///
/// # Errors
///
/// [`Error::Read`] when the file cannot be read, [`Error::Artifact`] naming
/// the file and what is wrong with it otherwise.
pub fn read<R: Record>(path: &Path, kind: Kind, params: &Params) -> Result<(Header, Vec<R>)> {
    read_run(path, kind, params, param_hash(params))
}

/// As [`read`], but the file must carry `hash` as its parameter hash (a
/// staged run stamps its files with the hash of its whole plan: parameters,
/// inputs and shard count).
///
/// # Errors
///
/// As [`read`].
pub fn read_run<R: Record>(
    path: &Path,
    kind: Kind,
    params: &Params,
    hash: u64,
) -> Result<(Header, Vec<R>)> {
    let reader = Reader::<R>::open(path, kind, params, hash)?;
    let header = *reader.header();
    let records = reader.collect::<Result<Vec<R>>>()?;
    Ok((header, records))
}

/// Checks the header and length of `path` against `kind`, `hash` and the
/// record width; returns the header.
fn check(path: &Path, kind: Kind, _params: &Params, hash: u64, width: usize) -> Result<Header> {
    let bad = |message: String| Error::Artifact {
        path: path.to_path_buf(),
        message,
    };
    let header = read_header(path)?;
    if header.kind != kind {
        return Err(bad(format!(
            "holds {}, expected {}",
            header.kind.name(),
            kind.name()
        )));
    }
    if header.param_hash != hash {
        return Err(bad(
            "made with other parameters than this run's (parameter hash differs)".into(),
        ));
    }
    if header.records > 0 && header.record_size as usize != width {
        return Err(bad(format!(
            "records of {} bytes, expected {width}",
            header.record_size
        )));
    }
    let expected = header
        .records
        .checked_mul(width as u64)
        .ok_or_else(|| bad("record count overflows".into()))?;
    let actual = std::fs::metadata(path)
        .map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    if actual != HEADER_BYTES as u64 + expected {
        return Err(bad(format!(
            "truncated or padded: {actual} bytes, the header announces {}",
            HEADER_BYTES as u64 + expected
        )));
    }
    Ok(header)
}

/// Reads a stage file's records one at a time, in constant memory: the
/// header, kind, parameter hash and length are checked when it is opened,
/// the checksum when the last record has been read (a mismatch is then the
/// last item).
pub struct Reader<R> {
    path: std::path::PathBuf,
    reader: BufReader<File>,
    header: Header,
    left: u64,
    width: usize,
    hasher: Xxh3,
    buf: Vec<u8>,
    checked: bool,
    _record: std::marker::PhantomData<R>,
}

impl<R: Record> Reader<R> {
    /// Opens `path`, which must hold `kind` records made with parameter
    /// hash `hash`.
    ///
    /// # Errors
    ///
    /// As [`read_run`], but for the checksum (see [`Reader`]).
    pub fn open(path: &Path, kind: Kind, params: &Params, hash: u64) -> Result<Self> {
        let header = check(path, kind, params, hash, R::size(params))?;
        let file = File::open(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let mut skip = [0u8; HEADER_BYTES];
        reader.read_exact(&mut skip).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let width = R::size(params);
        Ok(Self {
            path: path.to_path_buf(),
            reader,
            header,
            left: header.records,
            width,
            hasher: Xxh3::new(),
            buf: vec![0u8; width.max(1)],
            checked: false,
            _record: std::marker::PhantomData,
        })
    }

    /// The file's header.
    pub fn header(&self) -> &Header {
        &self.header
    }
}

impl<R: Record> Iterator for Reader<R> {
    type Item = Result<R>;

    fn next(&mut self) -> Option<Result<R>> {
        if self.left == 0 {
            if self.checked {
                return None;
            }
            self.checked = true;
            if self.hasher.digest() != self.header.checksum {
                return Some(Err(Error::Artifact {
                    path: self.path.clone(),
                    message: "corrupt: checksum mismatch".into(),
                }));
            }
            return None;
        }
        self.left -= 1;
        let buf = &mut self.buf[..self.width];
        if let Err(source) = self.reader.read_exact(buf) {
            self.left = 0;
            self.checked = true;
            return Some(Err(Error::Read {
                path: self.path.clone(),
                source,
            }));
        }
        self.hasher.update(buf);
        Some(Ok(R::decode(buf)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::UnitKind;

    fn params() -> Params {
        Params::new(UnitKind::Sentence)
    }

    fn verified() -> Vec<VerifiedRecord> {
        (0..100)
            .map(|i| VerifiedRecord {
                a: UnitRef::new(i % 3, i),
                b: UnitRef::new(2, i + 1000),
                similarity: 0.7 + f64::from(i) / 1000.0,
            })
            .collect()
    }

    #[test]
    fn every_kind_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = params();
        let sigs = vec![SignatureRecord {
            unit: UnitRef::new(1, 2),
            values: (0..p.num_perm as u32).collect(),
        }];
        let path = dir.path().join("sigs");
        write(&path, Header::new(Kind::Signatures, &p, 1, 4, 3), &sigs).expect("write");
        let (h, back): (Header, Vec<SignatureRecord>) =
            read(&path, Kind::Signatures, &p).expect("read");
        assert_eq!(back, sigs);
        assert_eq!((h.shard, h.shards, h.units, h.seed), (1, 4, 3, p.seed));

        let keys = vec![BandKeyRecord {
            band: 22,
            key: u64::MAX - 5,
            unit: UnitRef::new(0, u32::MAX),
        }];
        let path = dir.path().join("keys");
        write(&path, Header::new(Kind::BandKeys, &p, 0, 1, 1), &keys).expect("write");
        let (_, back): (Header, Vec<BandKeyRecord>) =
            read(&path, Kind::BandKeys, &p).expect("read");
        assert_eq!(back, keys);

        let path = dir.path().join("verified");
        write(
            &path,
            Header::new(Kind::VerifiedPairs, &p, 0, 1, 9),
            &verified(),
        )
        .expect("write");
        let (h, back): (Header, Vec<VerifiedRecord>) =
            read(&path, Kind::VerifiedPairs, &p).expect("read");
        assert_eq!(back, verified());
        assert_eq!(h.records, 100);
        assert_eq!(
            std::fs::metadata(&path).expect("meta").len(),
            HEADER_BYTES as u64 + 100 * 24
        );
    }

    fn message(err: Error) -> String {
        err.to_string()
    }

    #[test]
    fn damaged_or_foreign_files_are_refused_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = params();
        let path = dir.path().join("verified");
        write(
            &path,
            Header::new(Kind::VerifiedPairs, &p, 0, 1, 9),
            &verified(),
        )
        .expect("write");
        let good = std::fs::read(&path).expect("bytes");
        let read_back = |bytes: &[u8], params: &Params, kind: Kind| {
            std::fs::write(&path, bytes).expect("write bytes");
            read::<VerifiedRecord>(&path, kind, params).map(|_| ())
        };

        let truncated = message(
            read_back(&good[..good.len() - 3], &p, Kind::VerifiedPairs).expect_err("truncated"),
        );
        assert!(truncated.contains("truncated"), "{truncated}");
        assert!(
            truncated.contains("verified"),
            "names the file: {truncated}"
        );

        let mut corrupt = good.clone();
        corrupt[HEADER_BYTES + 17] ^= 1;
        let corrupt = message(read_back(&corrupt, &p, Kind::VerifiedPairs).expect_err("corrupt"));
        assert!(corrupt.contains("checksum"), "{corrupt}");

        let mut other = p;
        other.threshold = 0.8;
        let foreign = message(read_back(&good, &other, Kind::VerifiedPairs).expect_err("params"));
        assert!(foreign.contains("other parameters"), "{foreign}");

        let kind = message(read_back(&good, &p, Kind::CandidatePairs).expect_err("kind"));
        assert!(kind.contains("expected candidate pairs"), "{kind}");

        let mut version = good.clone();
        version[8] = 9;
        let version = message(read_back(&version, &p, Kind::VerifiedPairs).expect_err("version"));
        assert!(version.contains("version 9"), "{version}");

        let junk = message(read_back(b"{\"not\": 1}", &p, Kind::VerifiedPairs).expect_err("junk"));
        assert!(junk.contains("shorter than a header"), "{junk}");
        let mut magic = good;
        magic[0] = b'X';
        let magic = message(read_back(&magic, &p, Kind::VerifiedPairs).expect_err("magic"));
        assert!(magic.contains("magic"), "{magic}");
    }

    #[test]
    fn manifest_maps_shard_local_ids_to_global_ids_and_back() {
        let m = Manifest::from_counts(&[3, 0, 5, 2]);
        assert_eq!((m.shards(), m.units()), (4, 10));
        assert_eq!(m.global(UnitRef::new(0, 0)), Some(0));
        assert_eq!(m.global(UnitRef::new(2, 4)), Some(7));
        assert_eq!(m.global(UnitRef::new(3, 1)), Some(9));
        assert_eq!(m.global(UnitRef::new(1, 0)), None, "shard 1 is empty");
        assert_eq!(m.global(UnitRef::new(3, 2)), None);
        assert_eq!(m.global(UnitRef::new(4, 0)), None);
        for id in 0..10 {
            let local = m.local(id).expect("in range");
            assert_eq!(m.global(local), Some(id));
        }
        assert_eq!(m.local(10), None);
    }
}
