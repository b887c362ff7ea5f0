//! Command-line flags (clap derive) and their conversion into validated
//! configuration. The only module that knows clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use dupscan::config::{
    Containment, DEFAULT_NUM_PERM, DEFAULT_SEED, Grouping, ReferenceFields, ScanConfig, ScanParams,
    Scope, SpanParams, SpanPath, UnitKind, Verification, parse_size,
};
use dupscan::contain::ContainParams;
use dupscan::corpus::{BadLines, ReadOptions, Select};
use dupscan::dedup::{DedupOptions, DedupReport, Emptied, Keep, Mode, Overwrite};
use dupscan::error::Result;
use dupscan::minhash::Sketch;
use dupscan::normalize::Normalizer;
use dupscan::shingle::ShingleKind;
use dupscan::staged::Shard;

/// dupscan: find near-duplicate sentences, paragraphs and documents in text corpora.
#[derive(Debug, Parser)]
#[command(name = "dupscan", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find near-duplicate units and report the overlap groups.
    Scan(ScanCmd),
    /// Write the corpus back without its duplicates (or without the units
    /// that match a --reference).
    #[command(long_about = DEDUP_LONG_ABOUT)]
    Dedup(DedupCmd),
    /// Score a report against labelled duplicate groups.
    #[command(long_about = EVAL_LONG_ABOUT)]
    Eval(EvalCmd),
    /// Staged run, step 1: write the plan (inputs, sizes, shards,
    /// parameters) into a work directory.
    #[command(long_about = STAGED_LONG_ABOUT)]
    Plan(PlanCmd),
    /// Staged run: segment, fingerprint and sign one shard of the documents.
    Sign(ShardCmd),
    /// Staged run: candidate pairs of one shard of the LSH bands.
    Bucket(ShardCmd),
    /// Staged run: exact similarity of one shard of the candidate pairs.
    Verify(ShardCmd),
    /// Staged run: group the verified pairs and write the report.
    Cluster(ClusterCmd),
    /// Staged run: the dedup output of the input files one shard starts.
    Filter(FilterCmd),
    /// Run a staged scan (or dedup, with --out) on a Slurm cluster: plan,
    /// then one job array per stage, chained.
    #[command(long_about = SLURM_LONG_ABOUT)]
    Slurm(SlurmCmd),
}

/// `dupscan slurm --help`.
const SLURM_LONG_ABOUT: &str = "\
Run a staged scan (or dedup, with --out) on a Slurm cluster.

Runs `dupscan plan` here (cheap: it lists the inputs), writes one sbatch
script per stage into WORK/slurm and submits them, each after the one before
(--dependency=afterok): sign, bucket and verify as job arrays of --shards
tasks, cluster as one job writing the report, and with --out filter as an
array writing the deduplicated corpus. Memory and time requests come from the
plan (text per shard, units) unless --mem and --time are given; with
--memory-budget every stage asks for the budget plus its fixed cost. Paths in
the scripts are absolute: WORK, the inputs, the outputs and this dupscan
binary must be on a file system every node sees. Job output goes to
WORK/slurm/logs.

Prints one line per job on stdout: the stage and its job id. --dry-run prints
the scripts and the sbatch commands instead, and writes and submits nothing.
--wait returns when the last job ends: exit 0 if every job succeeded, 2 if
one failed or was cancelled (a failed shard cancels the jobs after it).";

/// `dupscan slurm`.
#[derive(Debug, Args)]
pub struct SlurmCmd {
    /// Scan options, as for `scan` (the stages run with them).
    #[command(flatten)]
    pub scan: ScanArgs,

    /// Work directory of the staged run, on a file system every node sees.
    #[arg(long, value_name = "DIR")]
    pub work: PathBuf,

    /// Shards: tasks in each stage's job array.
    #[arg(long, value_name = "N")]
    pub shards: u32,

    /// Also write the corpus back without its duplicates into DIR, as
    /// `dupscan dedup --out DIR` does (a filter job array after cluster).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Where the cluster job writes the report [default: WORK/report.json].
    #[arg(short = 'o', long = "output", value_name = "REPORT")]
    pub report: Option<PathBuf>,

    /// Slurm partition (sbatch --partition).
    #[arg(long, value_name = "P")]
    pub partition: Option<String>,

    /// Slurm account (sbatch --account).
    #[arg(long, value_name = "A")]
    pub account: Option<String>,

    /// Time limit of every job, as sbatch takes it (minutes, H:M:S, D-H:M:S)
    /// [default: estimated per stage from the plan, at least 10 minutes].
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub time: Option<u64>,

    /// Memory of every task (1500M, 4G) [default: estimated per stage from
    /// the plan].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub mem: Option<u64>,

    /// CPUs per task, also the worker threads of each stage.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub cpus_per_task: u32,

    /// Run at most K tasks of each array at once (--array=...%K).
    #[arg(long, value_name = "K")]
    pub max_parallel: Option<u32>,

    /// One more sbatch option for every job, such as --sbatch-arg=--qos=low
    /// (repeatable).
    #[arg(long = "sbatch-arg", value_name = "OPTION", allow_hyphen_values = true)]
    pub sbatch_args: Vec<String>,

    /// Print the scripts and the sbatch commands; write and submit nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Wait for the last job to end; exit 2 if a job failed.
    #[arg(long, conflicts_with = "dry_run")]
    pub wait: bool,
}

/// `--time` in minutes.
fn parse_time(time: &str) -> Result<u64> {
    dupscan::slurm::parse_time(time)
}

/// `dupscan plan --help`.
const STAGED_LONG_ABOUT: &str = "\
Staged run, step 1: write the plan into a work directory.

A staged run cuts a scan into stages that many processes (or machines) run at
once, reading and writing files in the work directory W:

  dupscan plan    --work W --shards N [SCAN OPTIONS] <INPUT>...
  dupscan sign    --work W --shard I/N      (every I in 0..N, any order)
  dupscan bucket  --work W --shard I/N      (after every sign shard)
  dupscan verify  --work W --shard I/N      (after every bucket shard)
  dupscan cluster --work W -o REPORT        (after every verify shard)
  dupscan filter  --work W --shard I/N --out DIR   (after every verify shard)

The report is the same as `dupscan scan` with the same options writes, but for
stats.seconds. The plan reads the inputs once to count documents, then cuts
them in input order into N shards of about the same size (W/plan.json). A
shard already complete is skipped; one killed half-way is redone. A stage
whose dependencies are incomplete or were made under another plan exits 2
naming the file. Not staged yet: --reference and --spans on.";

/// `dupscan plan`.
#[derive(Debug, Args)]
pub struct PlanCmd {
    /// The work directory (made if absent; must not hold another plan).
    #[arg(long, value_name = "W")]
    pub work: PathBuf,
    /// Number of shards of every stage.
    #[arg(long, value_name = "N")]
    pub shards: u32,
    /// Scan options, as for `dupscan scan`.
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// Options of every staged step after the plan.
#[derive(Debug, Args)]
pub struct StageArgs {
    /// The work directory made by `dupscan plan`.
    #[arg(long, value_name = "W")]
    pub work: PathBuf,

    /// Memory budget for the process (e.g. 128M, 2G): data held per unit
    /// beyond it is spilled to W/spill as sorted runs and merged.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub memory_budget: Option<u64>,

    /// Worker threads [default: all cores].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// No progress on stderr.
    #[arg(short, long)]
    pub quiet: bool,

    /// Print the wall time of every step to stderr when done.
    #[arg(long)]
    pub timings: bool,
}

/// `dupscan sign|bucket|verify`.
#[derive(Debug, Args)]
pub struct ShardCmd {
    /// Staged options.
    #[command(flatten)]
    pub stage: StageArgs,
    /// The shard to run: I/N, I 0-based in 0..N, N the plan's shard count.
    #[arg(long, value_name = "I/N")]
    pub shard: Shard,
}

/// `dupscan cluster`.
#[derive(Debug, Args)]
pub struct ClusterCmd {
    /// Staged options.
    #[command(flatten)]
    pub stage: StageArgs,
    /// Output options.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `dupscan filter`.
#[derive(Debug, Args)]
pub struct FilterCmd {
    /// Staged options.
    #[command(flatten)]
    pub stage: StageArgs,
    /// The shard: writes the input files whose first document is in shard I.
    #[arg(long, value_name = "I/N")]
    pub shard: Shard,
    /// Output directory, shared by every filter shard.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Which members of a group are kept first.
    #[arg(long, value_enum, default_value_t = KeepArg::First)]
    pub keep: KeepArg,
    /// As `dupscan dedup --annotate`.
    #[arg(long)]
    pub annotate: bool,
    /// As `dupscan dedup --drop-emptied`.
    #[arg(long)]
    pub drop_emptied: bool,

    /// As `dupscan dedup --report` (shard 0 writes the report).
    #[arg(long, value_enum, value_name = "WHAT", default_value = "spans")]
    pub report: ReportArg,
}

impl FilterCmd {
    /// The dedup options (the shared output directory is always accepted
    /// when not empty: other shards write into it).
    pub fn to_options(&self) -> DedupOptions {
        DedupOptions {
            out: self.out.clone(),
            keep: match self.keep {
                KeepArg::First => Keep::First,
                KeepArg::Longest => Keep::Longest,
            },
            mode: if self.annotate {
                Mode::Annotate
            } else {
                Mode::Remove
            },
            html: false,
            report: self.report.into(),
            overwrite: Overwrite::Force,
            emptied: if self.drop_emptied {
                Emptied::Drop
            } else {
                Emptied::Keep
            },
        }
    }
}

/// `dupscan eval --help`: the definitions of `crate::eval`, for users.
const EVAL_LONG_ABOUT: &str = "\
Score a report against labelled duplicate groups.

TRUTH is JSON Lines, one labelled group per line:
  {\"members\":[{\"doc\":\"a\",\"start\":0,\"end\":57},{\"doc\":7}]}
doc is a string or a number (7 and \"7\" are the same document); start/end are
byte offsets, end exclusive; without them the member is the whole document.
Each distinct member is a labelled unit and may be in one group only; a group
of one is a labelled singleton. Blank lines are ignored. A member may carry a
\"kind\" (a string, e.g. gen_corpus's \"edited\" or \"hard-wrap\"): recall is
then also given per kind, over the true pairs with a member of that kind.

REPORT is a dupscan JSON report, a dupscan JSONL report, or groups JSON Lines
in the truth format (to score other tools); the format is detected.

Matching: a reported member matches a labelled span unit of the same document
when they overlap by at least half of the labelled unit's length
(2 x overlap >= end - start); of several, the largest overlap wins (ties: the
smallest start). Otherwise it matches the document's whole-document unit, if
labelled. A member without a span matches only a whole-document unit. An
unmatched member stands for itself. A reported member with match_start and
match_end (the matched part of its unit) is matched by that range instead.

Items are the labelled units plus the unmatched reported members. True
clusters are the labelled groups; predicted clusters are the reported groups
with members replaced by their units (a unit counted once per group; a unit
in several reported groups joins them). Everything else is a singleton.

Pair precision = correct pairs / predicted pairs; pair recall = correct pairs /
true pairs, over unordered pairs of items in one cluster. With no predicted
(true) pairs, precision (recall) is 1 if there are no true (predicted) pairs
either, else 0. F1 is the harmonic mean of pair precision and pair recall (not
a macro F1 averaging two precisions). ARI is the Hubert-Arabie adjusted Rand
index over all items, computed from the contingency table; 1 when a
degenerate denominator comes from identical clusterings.";

/// `dupscan dedup --help`.
const DEDUP_LONG_ABOUT: &str = "\
Write the corpus back without its duplicates.

Scans the inputs as `dupscan scan --scope all` would. In every group, members
are taken in --keep order and one is removed when it duplicates a member
already kept (the same normalized text, or a verified pair at the threshold),
so a chain A~B~C whose ends differ keeps A and C. Each input file is written
to the same relative path
under --out, in the format it came in: JSON Lines stays JSON Lines with every
other field of each record byte for byte, compression is kept, text stays
text. At --unit document a duplicate document is left out; at --unit
sentence|paragraph duplicate units are cut out of their document and the
whitespace around each cut is mended. A document left empty is left out.

With --reference (decontamination), what matches the reference is removed
instead: every corpus unit that matches a reference unit, and the whole
region of a document where a reference item is contained (question and
answer when the item holds both; see --containment); the reference is not
written. Items that could not be checked are listed on stderr.

With --annotate (JSON Lines only) every record is kept and a \"dupscan\" field
says what would go: {\"group\",\"duplicate\",\"of\"} for documents,
{\"removed\":[{\"start\",\"end\",\"group\",\"of\"}]} for units.

The scan report and a summary go to DIR/.dupscan/report.json and
DIR/.dupscan/summary.json. Inputs are never modified: no path written may be
an input file or inside an input directory (symbolic links followed). DIR is
locked for the run (DIR/.dupscan/lock), so a second run into it exits 2;
every file is written to a temporary name and renamed when complete, and the
summary is written last, after the previous one is removed. Exit codes: 0
success, 2 bad input, bad parameters, a refused or locked output directory,
or a failed write.";

/// Which members of a group dedup keeps first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeepArg {
    /// The first in input order (smallest global id).
    First,
    /// The longest text; ties go to the first.
    Longest,
}

/// `dupscan dedup`.
#[derive(Debug, Args)]
pub struct DedupCmd {
    /// Scan options.
    #[command(flatten)]
    pub scan: ScanArgs,

    /// Output directory: must be empty or absent (unless --force), and not an
    /// input directory or inside one.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Which members of a group are kept first: the earliest in input order,
    /// or the longest.
    #[arg(long, value_enum, default_value_t = KeepArg::First)]
    pub keep: KeepArg,

    /// Keep every record and add a "dupscan" field saying what would be
    /// removed (JSON Lines inputs only).
    #[arg(long)]
    pub annotate: bool,

    /// Write into a non-empty output directory, replacing files at the
    /// output paths (inputs are still never written over).
    #[arg(long)]
    pub force: bool,

    /// Also leave out a document once every unit of it that was compared is
    /// removed, when all that would be left is units shorter than
    /// --min-tokens (a "Reuter" sign-off, an "Advertisement" line). Those
    /// units are not duplicates; the summary counts such documents as
    /// documents_emptied.
    #[arg(long)]
    pub drop_emptied: bool,

    /// What DIR/.dupscan/report.json holds: `spans` (groups with offsets,
    /// no member texts: the texts are in the corpus), `full` (with member
    /// texts), `none` (no report).
    #[arg(long, value_enum, value_name = "WHAT", default_value = "spans")]
    pub report: ReportArg,

    /// Also write DIR/.dupscan/report.html: the groups in a browser, each
    /// member tagged kept or removed, with the keep rule (see "The HTML
    /// report" in the README for its cap).
    #[arg(long)]
    pub html: bool,
}

impl DedupCmd {
    /// The dedup options.
    pub fn to_options(&self) -> DedupOptions {
        DedupOptions {
            out: self.out.clone(),
            keep: match self.keep {
                KeepArg::First => Keep::First,
                KeepArg::Longest => Keep::Longest,
            },
            mode: if self.annotate {
                Mode::Annotate
            } else {
                Mode::Remove
            },
            overwrite: if self.force {
                Overwrite::Force
            } else {
                Overwrite::Refuse
            },
            emptied: if self.drop_emptied {
                Emptied::Drop
            } else {
                Emptied::Keep
            },
            html: self.html,
            report: self.report.into(),
        }
    }
}

/// How `dupscan eval` prints its scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScoresFormatArg {
    /// A small readable table.
    Text,
    /// One JSON object with stable field names.
    Json,
}

/// `dupscan eval`.
#[derive(Debug, Args)]
pub struct EvalCmd {
    /// Labelled groups, JSON Lines.
    #[arg(long, value_name = "TRUTH")]
    pub truth: PathBuf,

    /// The report to score: dupscan JSON or JSONL, or groups JSON Lines.
    #[arg(value_name = "REPORT")]
    pub report: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ScoresFormatArg::Text)]
    pub format: ScoresFormatArg,
}

/// `dupscan scan`.
#[derive(Debug, Args)]
pub struct ScanCmd {
    /// Scan options.
    #[command(flatten)]
    pub scan: ScanArgs,
    /// Output options.
    #[command(flatten)]
    pub output: OutputArgs,

    /// With --reference: exit with code 1 when any reference item matched or
    /// could not be checked (listed on stderr and in the report), 0 when
    /// every item was checked and none matched, 2 on errors: a CI gate.
    #[arg(long, requires = "reference")]
    pub fail_on_match: bool,
}

/// Unit of comparison on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnitArg {
    /// Sentences.
    Sentence,
    /// Paragraphs (text between blank lines).
    Paragraph,
    /// Whole documents.
    Document,
}

/// Shingle kind on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShingleArg {
    /// Character n-grams.
    Char,
    /// Word n-grams.
    Word,
}

/// Signature scheme on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SketchArg {
    /// One-permutation hashing with densification.
    OnePermutation,
    /// k independent permutations.
    Permutations,
}

/// The span path on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SpansArg {
    /// Align spans.
    On,
    /// Whole units only.
    Off,
}

/// Containment on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ContainmentArg {
    /// Look for each item whole.
    On,
    /// Compare units only.
    Off,
}

/// Grouping on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupsArg {
    /// Stars around representatives.
    Stars,
    /// Connected components.
    Components,
}

/// Scope on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    /// Every group, including repeats inside one document.
    All,
    /// Only groups spanning at least two documents.
    CrossDoc,
}

/// Report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Readable summary (default on a terminal).
    Text,
    /// One JSON object (default otherwise).
    Json,
    /// A header line, then one group per line.
    Jsonl,
    /// One self-contained page to read in a browser (no network).
    Html,
}

/// Options shared by every command that scans.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories (walked recursively in sorted order), or `-` for stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Unit of comparison.
    #[arg(long, value_enum, default_value_t = UnitArg::Sentence)]
    pub unit: UnitArg,

    /// Jaccard similarity threshold, 0 < T <= 1 [default: 0.7 sentence, 0.7 paragraph, 0.8 document].
    #[arg(long, value_name = "T")]
    pub threshold: Option<f64>,

    /// Shingle kind [default: char for sentence and paragraph, word for document].
    #[arg(long, value_enum)]
    pub shingle: Option<ShingleArg>,

    /// Shingle length in characters or words [default: 5 for char, 3 for word].
    #[arg(long, value_name = "N")]
    pub ngram: Option<usize>,

    /// Number of MinHash permutations.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_NUM_PERM)]
    pub num_perm: usize,

    /// Signature scheme: one-permutation hashing with densification (one step
    /// per shingle) or k independent permutations (k steps per shingle).
    #[arg(long, value_enum, default_value_t = SketchArg::OnePermutation)]
    pub sketch: SketchArg,

    /// Number of LSH bands; must divide --num-perm unless --rows is given
    /// (rows = num-perm / bands). Chosen from the threshold when absent.
    #[arg(long, value_name = "B")]
    pub bands: Option<usize>,

    /// Signature values per band; bands x rows must not exceed --num-perm.
    /// Chosen with --bands when absent.
    #[arg(long, value_name = "R")]
    pub rows: Option<usize>,

    /// Seed for shingle hashing and permutations.
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED)]
    pub seed: u64,

    /// Skip units with fewer normalized words [default: 6 sentence, 10 paragraph, 10 document].
    #[arg(long, value_name = "N")]
    pub min_tokens: Option<usize>,

    /// Contamination check: benchmark items to look for in the inputs (files
    /// or directories, repeatable). Only groups joining a reference unit with a
    /// corpus unit are reported, each member marked with its side.
    #[arg(long, value_name = "REF")]
    pub reference: Vec<PathBuf>,

    /// Which groups to report (ignored with --reference and by dedup, which
    /// removes repeats inside a document too).
    #[arg(long, value_enum, default_value_t = ScopeArg::CrossDoc)]
    pub scope: ScopeArg,

    /// How verified pairs become groups: `stars` (every member a verified
    /// near-duplicate of its group's representative) or `components`
    /// (connected components: a chain A~B~C is one group even when A and C
    /// differ). Contamination checks always use components.
    #[arg(long = "groups", value_enum, default_value_t = GroupsArg::Stars)]
    pub groups: GroupsArg,

    /// Span alignment beside the unit comparison: find near-duplicate runs of
    /// words wherever sentences and paragraphs are cut, and join the units
    /// they cover [default: off; see README "Finding spans"].
    #[arg(long, value_enum, value_name = "on|off")]
    pub spans: Option<SpansArg>,

    /// Span path: a fingerprint seen more often than this is boilerplate,
    /// not a seed.
    #[arg(long, value_name = "N", default_value_t = SpanParams::default().max_df)]
    pub span_max_df: u32,

    /// Span path: words an aligned span, and each side of a unit link, must
    /// hold.
    #[arg(long, value_name = "N", default_value_t = SpanParams::default().min_words)]
    pub span_min_words: u32,

    /// Span path: share of a unit an aligned span must cover (on one side at
    /// least) to join it.
    #[arg(long, value_name = "F", default_value_t = SpanParams::default().min_cover)]
    pub span_min_cover: f64,

    /// Span path, with --reference: share of a reference unit an aligned span
    /// must cover to join it with a corpus unit.
    #[arg(long, value_name = "F", default_value_t = SpanParams::default().reference_min_cover)]
    pub span_reference_min_cover: f64,

    /// With --reference: also look for each reference item (document) whole
    /// in every corpus document, by containment: a match holds enough of the
    /// item's word 3-grams in one place, whatever the lines and sentences
    /// around it. Items of fewer than 3 words cannot be checked and are
    /// listed as unchecked.
    #[arg(long, value_enum, value_name = "on|off", default_value = "on")]
    pub containment: ContainmentArg,

    /// Containment: share of the item's distinct word 3-grams (those not
    /// common in the corpus) one place of a document must hold.
    #[arg(long, value_name = "F", default_value_t = ContainParams::default().min_share)]
    pub contain_min_share: f64,

    /// Containment: words of the item a match must span; a shorter item must
    /// be matched whole.
    #[arg(long, value_name = "N", default_value_t = ContainParams::default().min_words)]
    pub contain_min_words: u32,

    /// Containment: a word 3-gram held by more than this share of the corpus
    /// documents (and by more than 20) is common (boilerplate, stock phrases)
    /// and not counted.
    #[arg(long, value_name = "F", default_value_t = ContainParams::default().max_df)]
    pub contain_max_df: f64,

    /// Trust LSH candidates without checking their exact Jaccard similarity.
    #[arg(long)]
    pub no_verify: bool,

    /// Do not apply Unicode NFKC.
    #[arg(long)]
    pub no_nfkc: bool,

    /// Keep letter case.
    #[arg(long)]
    pub no_casefold: bool,

    /// Keep punctuation (quote and dash styles are still folded).
    #[arg(long)]
    pub no_punct_fold: bool,

    /// Keep whitespace as is.
    #[arg(long)]
    pub no_space_fold: bool,

    /// Field holding the text: in JSON Lines a key, a dotted path
    /// (meta.text) or a JSON pointer (/meta/text); in CSV/TSV a column name.
    /// Repeatable: several fields are joined by a newline for comparison.
    #[arg(long, value_name = "FIELD", default_value = "text")]
    pub text_field: Vec<String>,

    /// Field holding the document id, named as --text-field
    /// (`path:line` when absent).
    #[arg(long, value_name = "FIELD", default_value = "id")]
    pub id_field: String,

    /// Fields of #12: the reference's fields, file selection in walks.
    #[command(flatten)]
    pub fields: FieldArgs,

    /// Skip malformed JSONL lines, and documents over --max-document-bytes,
    /// and count them instead of stopping.
    #[arg(long)]
    pub skip_bad_lines: bool,

    /// Largest document: a whole text file (decompressed) or one JSONL line.
    /// A number of bytes, or with a suffix: K, M, G (or KiB, MiB, GiB) are
    /// powers of 1024, KB, MB, GB powers of 1000. At most 4 GiB less one byte.
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    pub max_document_bytes: u64,

    /// Worker threads [default: all cores].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// No progress bars or warnings on stderr.
    #[arg(short, long)]
    pub quiet: bool,

    /// Progress on stderr: `auto` (bars on a terminal, nothing otherwise),
    /// `bars`, `plain` (a line every 5 seconds and one at the end of each
    /// stage, for logs and batch jobs), `none`. `-q` means `none`.
    #[arg(long, value_enum, value_name = "HOW", default_value = "auto")]
    pub progress: ProgressArg,

    /// Print the wall time of every stage to stderr when done.
    #[arg(long)]
    pub timings: bool,

    /// Memory budget (e.g. 128M, 2G): run the staged run's stages one after
    /// the other in a temporary work directory (under $TMPDIR), with as many
    /// shards as the budget needs, spilling sorted runs there. Same report.
    /// Not with --reference, --spans on or stdin. See README "Staged runs".
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub memory_budget: Option<u64>,
}

/// Order of groups in the text report (`--sort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// Most duplicated bytes first.
    Bytes,
    /// Most members first.
    Size,
    /// Most documents first.
    Documents,
    /// Lowest minimum similarity first.
    Similarity,
}

impl From<SortArg> for dupscan::report::TextSort {
    fn from(s: SortArg) -> Self {
        use dupscan::report::TextSort;
        match s {
            SortArg::Bytes => TextSort::Bytes,
            SortArg::Size => TextSort::Size,
            SortArg::Documents => TextSort::Documents,
            SortArg::Similarity => TextSort::Similarity,
        }
    }
}

/// What dedup's report holds (`--report`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportArg {
    /// Groups with member texts.
    Full,
    /// Groups with offsets only.
    Spans,
    /// No report.
    None,
}

impl From<ReportArg> for DedupReport {
    fn from(r: ReportArg) -> Self {
        match r {
            ReportArg::Full => DedupReport::Full,
            ReportArg::Spans => DedupReport::Spans,
            ReportArg::None => DedupReport::None,
        }
    }
}

/// How progress is shown (`--progress`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressArg {
    /// Bars when stderr is a terminal, nothing otherwise.
    Auto,
    /// Bars, redrawn in place.
    Bars,
    /// Plain lines, for logs.
    Plain,
    /// Nothing.
    None,
}

/// The reference's own fields and the patterns that choose which files a
/// directory walk takes.
#[derive(Debug, Args)]
pub struct FieldArgs {
    /// With --reference: the reference's text field [default: --text-field].
    #[arg(long, value_name = "FIELD", requires = "reference")]
    pub reference_text_field: Option<String>,

    /// With --reference: the reference's id field [default: --id-field].
    #[arg(long, value_name = "FIELD", requires = "reference")]
    pub reference_id_field: Option<String>,

    /// Directory walks take only files whose path below the directory named
    /// matches one of these globs (repeatable; `*` does not cross `/`, `**`
    /// does: `**/*.jsonl.gz`). Files named directly are always taken.
    #[arg(long, value_name = "GLOB")]
    pub glob: Vec<String>,

    /// Directory walks leave out files (and directories) whose path below
    /// the directory named matches one of these globs (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
}

/// Where and how to write the report.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Report format [default: from the extension of -o (.json, .jsonl,
    /// .html, .txt), else text on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,

    /// Write the report to FILE instead of stdout (`-` is stdout): a regular
    /// file is replaced atomically, a FIFO or device is written straight, a
    /// symbolic link is followed; never an input file.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Indent the JSON report written to a file with -o (it is compact
    /// otherwise; on stdout it is always indented).
    #[arg(long)]
    pub pretty: bool,

    /// Order of the groups in the text report: `bytes` (most duplicated
    /// bytes first), `size`, `documents`, `similarity` (lowest first).
    #[arg(long, value_enum, value_name = "BY", default_value = "bytes")]
    pub sort: SortArg,

    /// Leave the members' texts out of a JSON or JSON Lines report: offsets
    /// only (the texts are in the corpus), a fraction of the size.
    #[arg(long)]
    pub no_text: bool,
}

impl ScanArgs {
    /// Validated configuration.
    pub fn to_config(&self) -> Result<ScanConfig> {
        ScanConfig::new(self.to_params())
    }

    /// Unvalidated parameters.
    pub fn to_params(&self) -> ScanParams {
        let unit = match self.unit {
            UnitArg::Sentence => UnitKind::Sentence,
            UnitArg::Paragraph => UnitKind::Paragraph,
            UnitArg::Document => UnitKind::Document,
        };
        let mut p = ScanParams::new(self.inputs.clone(), unit);
        p.reference = self.reference.clone();
        p.reference_fields = ReferenceFields {
            text_field: self.fields.reference_text_field.clone(),
            id_field: self.fields.reference_id_field.clone(),
        };
        p.read = ReadOptions {
            text_field: self.text_field.first().cloned().unwrap_or_default(),
            more_text_fields: self.text_field.iter().skip(1).cloned().collect(),
            id_field: self.id_field.clone(),
            select: Select {
                glob: self.fields.glob.clone(),
                exclude: self.fields.exclude.clone(),
            },
            bad_lines: if self.skip_bad_lines {
                BadLines::Skip
            } else {
                BadLines::Fail
            },
            max_document_bytes: self.max_document_bytes,
        };
        p.options.threshold = self.threshold;
        p.options.shingle = self.shingle.map(|s| match s {
            ShingleArg::Char => ShingleKind::Char,
            ShingleArg::Word => ShingleKind::Word,
        });
        p.options.ngram = self.ngram;
        p.options.num_perm = self.num_perm;
        p.options.sketch = match self.sketch {
            SketchArg::OnePermutation => Sketch::OnePermutation,
            SketchArg::Permutations => Sketch::Permutations,
        };
        p.options.bands = self.bands;
        p.options.rows = self.rows;
        p.options.seed = self.seed;
        p.options.min_tokens = self.min_tokens;
        p.options.normalizer = Normalizer {
            nfkc: !self.no_nfkc,
            case: !self.no_casefold,
            punctuation: !self.no_punct_fold,
            whitespace: !self.no_space_fold,
        };
        p.options.verification = if self.no_verify {
            Verification::Trust
        } else {
            Verification::Exact
        };
        p.options.spans = self.spans.map(|s| match s {
            SpansArg::On => SpanPath::On,
            SpansArg::Off => SpanPath::Off,
        });
        p.options.span.max_df = self.span_max_df;
        p.options.span.min_words = self.span_min_words;
        p.options.span.min_cover = self.span_min_cover;
        p.options.span.reference_min_cover = self.span_reference_min_cover;
        p.options.containment = match self.containment {
            ContainmentArg::On => Containment::On,
            ContainmentArg::Off => Containment::Off,
        };
        p.options.contain.min_share = self.contain_min_share;
        p.options.contain.min_words = self.contain_min_words;
        p.options.contain.max_df = self.contain_max_df;
        p.options.grouping = match self.groups {
            GroupsArg::Stars => Grouping::Stars,
            GroupsArg::Components => Grouping::Components,
        };
        p.options.scope = match self.scope {
            ScopeArg::All => Scope::All,
            ScopeArg::CrossDoc => Scope::CrossDoc,
        };
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_become_config() {
        let cli = Cli::try_parse_from([
            "dupscan",
            "scan",
            "--unit",
            "paragraph",
            "--threshold",
            "0.9",
            "--bands",
            "8",
            "--no-casefold",
            "--scope",
            "all",
            "a.jsonl",
        ])
        .expect("parses");
        let Command::Scan(cmd) = cli.command else {
            panic!("expected scan");
        };
        let c = cmd.scan.to_config().expect("valid");
        let p = c.params;
        assert_eq!(p.unit, UnitKind::Paragraph);
        assert_eq!(p.threshold, 0.9);
        assert_eq!((p.bands.bands, p.bands.rows), (8, 16));
        assert!(!p.normalizer.case && p.normalizer.nfkc);
        assert_eq!(p.scope, Scope::All);
        assert_eq!(
            c.read.max_document_bytes,
            dupscan::corpus::DEFAULT_MAX_DOCUMENT_BYTES
        );
    }

    #[test]
    fn max_document_bytes_takes_a_size() {
        let parse = |size: &str| {
            Cli::try_parse_from(["dupscan", "scan", "--max-document-bytes", size, "a"]).map(|cli| {
                match cli.command {
                    Command::Scan(cmd) => cmd.scan.max_document_bytes,
                    _ => panic!("expected scan"),
                }
            })
        };
        assert_eq!(parse("1M").expect("parses"), 1 << 20);
        assert_eq!(parse("1500").expect("parses"), 1500);
        assert!(parse("1.5M").is_err());
        assert!(parse("lots").is_err());
    }
}
