//! Slurm job arrays for a staged run: what each stage asks the scheduler for,
//! and the `sbatch` scripts that run it. Pure: nothing here reads, writes or
//! runs anything; `dupscan slurm` (the binary) plans, writes the scripts and
//! submits them.
//!
//! A staged run is five jobs, each waiting for the one before it
//! (`--dependency=afterok`, so a failed shard stops the chain and
//! `--kill-on-invalid-dep` cancels what would wait for it forever):
//!
//! | job | Slurm | command |
//! | --- | --- | --- |
//! | sign | array of N | `dupscan sign --work W --shard $SLURM_ARRAY_TASK_ID/N` |
//! | bucket | array of N | `dupscan bucket --work W --shard ...` |
//! | verify | array of N | `dupscan verify --work W --shard ...` |
//! | cluster | one task | `dupscan cluster --work W -o REPORT` |
//! | filter (with `--out`) | array of N | `dupscan filter --work W --shard ... --out DIR` |
//!
//! Memory and time come from a [`Workload`] (the text each shard holds and
//! an estimate of its units) through the per-stage models of [`estimate`],
//! unless the user gives them; with `--memory-budget` every stage stays
//! within the budget, so the request is the budget plus the process's fixed
//! cost.
//!
//! ```
//! use std::path::PathBuf;
//! use dupscan::slurm::{Resources, Run, Workload, render};
//!
//! let run = Run {
//!     dupscan: PathBuf::from("/opt/bin/dupscan"),
//!     work: PathBuf::from("/scratch/w"),
//!     report: PathBuf::from("/scratch/w/report.json"),
//!     out: None,
//!     workload: Workload::from_bytes(3, 3_000_000_000, 50),
//!     memory_budget: None,
//!     resources: Resources::default(),
//! };
//! let jobs = render(&run)?;
//! assert_eq!(jobs.len(), 4);
//! assert!(jobs[0].script.contains("#SBATCH --array=0-2\n"));
//! assert!(jobs[0].script.contains("--shard \"${SLURM_ARRAY_TASK_ID}/3\""));
//! # Ok::<(), dupscan::Error>(())
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A stage that runs as one Slurm job (an array for the sharded ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Read, segment, normalize, fingerprint, sign, band keys; per input shard.
    Sign,
    /// Merge band keys, candidate pairs; per band range.
    Bucket,
    /// Exact similarity of the candidates; per shard of pairs.
    Verify,
    /// Union-find over verified pairs, groups, the report; one process.
    Cluster,
    /// The dedup output; per input shard.
    Filter,
}

impl Stage {
    /// The subcommand, also the job's and the script's name.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Sign => "sign",
            Stage::Bucket => "bucket",
            Stage::Verify => "verify",
            Stage::Cluster => "cluster",
            Stage::Filter => "filter",
        }
    }

    /// Whether the stage runs as an array of one task per shard.
    pub fn sharded(self) -> bool {
        self != Stage::Cluster
    }
}

/// How much work the run is: what `dupscan plan` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    /// Number of shards (array tasks per sharded stage).
    pub shards: u32,
    /// Bytes of text over all inputs (an estimate for compressed inputs).
    pub text_bytes: u64,
    /// Bytes of text in the largest shard.
    pub largest_shard_bytes: u64,
    /// Units over all inputs (an estimate until the stages have run).
    pub units: u64,
}

impl Workload {
    /// A workload of `text_bytes` split evenly over `shards` (0 is kept, for
    /// [`render`] to refuse), with one unit
    /// per `bytes_per_unit` bytes of text (at least 1).
    pub fn from_bytes(shards: u32, text_bytes: u64, bytes_per_unit: u64) -> Self {
        Workload {
            shards,
            text_bytes,
            largest_shard_bytes: text_bytes.div_ceil(u64::from(shards.max(1))),
            units: text_bytes / bytes_per_unit.max(1),
        }
    }
}

/// What the user asks the scheduler for beyond what the plan sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resources {
    /// `--partition`.
    pub partition: Option<String>,
    /// `--account`.
    pub account: Option<String>,
    /// Memory per task for every stage, bytes, instead of the estimate.
    pub mem: Option<u64>,
    /// Time limit for every stage, minutes, instead of the estimate.
    pub time_minutes: Option<u64>,
    /// CPUs per task (also the stage's worker threads); 1 when absent.
    pub cpus_per_task: Option<u32>,
    /// At most this many tasks of an array at once (`--array=...%K`).
    pub max_parallel: Option<u32>,
    /// More `#SBATCH` options, each as given (`--qos=low`).
    pub extra: Vec<String>,
}

/// Everything needed to render the jobs of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The `dupscan` binary the jobs run (an absolute path every node sees).
    pub dupscan: PathBuf,
    /// The work directory (absolute).
    pub work: PathBuf,
    /// Where the cluster stage writes the report (absolute).
    pub report: PathBuf,
    /// The dedup output directory (absolute), when the run writes one.
    pub out: Option<PathBuf>,
    /// How much work there is.
    pub workload: Workload,
    /// The `--memory-budget` the stages keep to, bytes, if one was given
    /// (passed on to every stage).
    pub memory_budget: Option<u64>,
    /// The user's requests.
    pub resources: Resources,
}

/// One stage's job: its script and what it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The stage it runs.
    pub stage: Stage,
    /// Array tasks (`0..tasks`), or `None` for a single job.
    pub array: Option<u32>,
    /// Memory per task, MiB.
    pub mem_mib: u64,
    /// Time limit, minutes.
    pub time_minutes: u64,
    /// Where the job's output goes (`%A`, `%a`, `%j` are Slurm's): given on
    /// the `sbatch` command line, since an `#SBATCH` line cannot quote a path.
    pub log: PathBuf,
    /// The script's file name inside [`scripts_dir`].
    pub file_name: String,
    /// The `sbatch` script.
    pub script: String,
}

/// Where the scripts go: `W/slurm`.
pub fn scripts_dir(work: &Path) -> PathBuf {
    work.join("slurm")
}

/// Where the jobs' output goes: `W/slurm/logs`.
pub fn logs_dir(work: &Path) -> PathBuf {
    scripts_dir(work).join("logs")
}

/// The models behind the memory and time requests. Figures are per task.
///
/// Memory: a fixed [`BASE_MIB`](estimate::BASE_MIB) for the process, plus
///
/// | stage | grows with |
/// | --- | --- |
/// | sign, verify, filter | 2 bytes per byte of the largest shard's text (text held once, units, signatures) |
/// | bucket | 100 bytes per unit over all shards, divided by the shard count (band keys of a band range, sort buffers, pairs) |
/// | cluster | 40 bytes per unit over all shards (union-find, exact classes, group members) |
///
/// With `--memory-budget` a stage keeps within the budget, so it asks for
/// the budget plus the base instead (or the model's figure when that is
/// smaller).
///
/// Time: 4 times the work at [`BYTES_PER_SECOND`](estimate::BYTES_PER_SECOND)
/// per CPU (1 MB/s per CPU; a scan runs at several times that) and
/// [`UNITS_PER_SECOND`](estimate::UNITS_PER_SECOND) for clustering, at
/// least [`MIN_MINUTES`](estimate::MIN_MINUTES).
pub mod estimate {
    use super::{Stage, Workload};
    use crate::config::UnitKind;
    use crate::corpus::Compression;

    /// Fixed memory of a stage process, MiB.
    pub const BASE_MIB: u64 = 256;
    /// Bytes per byte of shard text for the stages that read text.
    pub const TEXT_FACTOR: u64 = 2;
    /// Bytes per unit (all shards) in the bucket stage, before dividing by
    /// the shard count.
    pub const BUCKET_BYTES_PER_UNIT: u64 = 100;
    /// Bytes per unit in the cluster stage.
    pub const CLUSTER_BYTES_PER_UNIT: u64 = 40;
    /// Assumed throughput of a stage that reads text, bytes per second per CPU.
    pub const BYTES_PER_SECOND: u64 = 1_000_000;
    /// Assumed throughput of clustering, units per second.
    pub const UNITS_PER_SECOND: u64 = 1_000_000;
    /// Safety factor on the time estimate.
    pub const TIME_FACTOR: u64 = 4;
    /// Shortest time limit asked for, minutes.
    pub const MIN_MINUTES: u64 = 10;

    /// Text bytes per stored byte assumed for gzip and zstd inputs
    /// (debian-docs: 234 MB of text in 23 MB of zstd).
    pub const COMPRESSED_FACTOR: u64 = 10;

    const MIB: u64 = 1 << 20;

    /// Bytes of text in a file of `file_bytes` stored with `compression`.
    pub fn text_bytes(file_bytes: u64, compression: Compression) -> u64 {
        match compression {
            Compression::None => file_bytes,
            Compression::Gzip | Compression::Zstd => file_bytes.saturating_mul(COMPRESSED_FACTOR),
        }
    }

    /// Assumed bytes of text per unit, on the small side so that the unit
    /// count (and the memory asked for) errs high: debian-docs has 50 bytes
    /// per sentence.
    pub fn bytes_per_unit(unit: UnitKind) -> u64 {
        match unit {
            UnitKind::Sentence => 50,
            UnitKind::Paragraph => 200,
            UnitKind::Document => 1000,
        }
    }

    /// Memory per task, MiB, from the model alone.
    pub fn mem_mib(stage: Stage, w: &Workload) -> u64 {
        let shards = u64::from(w.shards.max(1));
        let variable = match stage {
            Stage::Sign | Stage::Verify | Stage::Filter => {
                w.largest_shard_bytes.saturating_mul(TEXT_FACTOR)
            }
            Stage::Bucket => w.units.saturating_mul(BUCKET_BYTES_PER_UNIT) / shards,
            Stage::Cluster => w.units.saturating_mul(CLUSTER_BYTES_PER_UNIT),
        };
        BASE_MIB + variable.div_ceil(MIB)
    }

    /// Time limit, minutes.
    pub fn time_minutes(stage: Stage, w: &Workload, cpus: u32) -> u64 {
        let shards = u64::from(w.shards.max(1));
        let seconds = match stage {
            Stage::Sign | Stage::Verify | Stage::Filter => {
                w.largest_shard_bytes / (BYTES_PER_SECOND * u64::from(cpus.max(1)))
            }
            Stage::Bucket => w.text_bytes / shards / (BYTES_PER_SECOND * u64::from(cpus.max(1))),
            Stage::Cluster => w.units / UNITS_PER_SECOND,
        };
        (seconds.saturating_mul(TIME_FACTOR).div_ceil(60)).max(MIN_MINUTES)
    }
}

/// The jobs of a run, in submission order: sign, bucket, verify, cluster,
/// and filter when the run has an output directory.
///
/// # Errors
///
/// [`Error::Param`] when a path is not valid UTF-8 or not absolute, an
/// extra option is not a `--` option on one line, or the shard count, the
/// CPUs or `--max-parallel` is 0.
pub fn render(run: &Run) -> Result<Vec<Job>> {
    let w = &run.workload;
    if w.shards == 0 {
        return Err(Error::Param("--shards must be at least 1".into()));
    }
    let cpus = run.resources.cpus_per_task.unwrap_or(1);
    if cpus == 0 {
        return Err(Error::Param("--cpus-per-task must be at least 1".into()));
    }
    if run.resources.max_parallel == Some(0) {
        return Err(Error::Param("--max-parallel must be at least 1".into()));
    }
    for extra in &run.resources.extra {
        if !extra.starts_with("--") || extra.contains(['\n', '\r']) {
            return Err(Error::Param(format!(
                "--sbatch-arg {extra:?}: give one long sbatch option, such as --qos=low"
            )));
        }
    }
    let dupscan = quoted(&run.dupscan, "the dupscan binary")?;
    let work = quoted(&run.work, "--work")?;
    let report = quoted(&run.report, "the report")?;
    let out = run
        .out
        .as_deref()
        .map(|out| quoted(out, "--out"))
        .transpose()?;

    let mut stages = vec![Stage::Sign, Stage::Bucket, Stage::Verify, Stage::Cluster];
    if out.is_some() {
        stages.push(Stage::Filter);
    }
    let shard = format!("--shard \"${{SLURM_ARRAY_TASK_ID}}/{}\"", w.shards);
    let budget = run
        .memory_budget
        .map(|b| format!(" --memory-budget {b}"))
        .unwrap_or_default();
    let jobs = stages
        .into_iter()
        .map(|stage| {
            let args = match stage {
                Stage::Sign | Stage::Bucket | Stage::Verify => {
                    format!("{} --work {work} {shard}", stage.name())
                }
                Stage::Cluster => format!("cluster --work {work} -o {report}"),
                Stage::Filter => format!(
                    "filter --work {work} {shard} --out {}",
                    out.as_deref().unwrap_or_default()
                ),
            };
            let mem_mib = stage_mem_mib(run, stage);
            let time_minutes = run
                .resources
                .time_minutes
                .unwrap_or_else(|| estimate::time_minutes(stage, w, cpus));
            let array = stage.sharded().then_some(w.shards);
            let script = script(
                run,
                &Header {
                    stage,
                    array,
                    mem_mib,
                    time_minutes,
                    cpus,
                },
                &format!("{dupscan} {args}{budget}"),
            );
            let log = match array {
                Some(_) => format!("{}-%A_%a.out", stage.name()),
                None => format!("{}-%j.out", stage.name()),
            };
            Job {
                stage,
                array,
                log: logs_dir(&run.work).join(log),
                mem_mib,
                time_minutes,
                file_name: format!("{}.sbatch", stage.name()),
                script,
            }
        })
        .collect();
    Ok(jobs)
}

/// Memory per task, MiB: the user's, else the model's, capped by the budget.
fn stage_mem_mib(run: &Run, stage: Stage) -> u64 {
    if let Some(mem) = run.resources.mem {
        return mem.div_ceil(1 << 20).max(1);
    }
    let model = estimate::mem_mib(stage, &run.workload);
    match run.memory_budget {
        Some(budget) => model.min(estimate::BASE_MIB + budget.div_ceil(1 << 20)),
        None => model,
    }
}

/// What a script's `#SBATCH` lines say.
struct Header {
    stage: Stage,
    array: Option<u32>,
    mem_mib: u64,
    time_minutes: u64,
    cpus: u32,
}

fn script(run: &Run, h: &Header, command: &str) -> String {
    let r = &run.resources;
    let mut s = String::from("#!/bin/bash\n");
    let _ = writeln!(
        s,
        "# dupscan staged run, stage {}: written by `dupscan slurm`.",
        h.stage.name()
    );
    let _ = writeln!(s, "#SBATCH --job-name=dupscan-{}", h.stage.name());
    if let Some(tasks) = h.array {
        let _ = write!(s, "#SBATCH --array=0-{}", tasks - 1);
        if let Some(k) = r.max_parallel {
            let _ = write!(s, "%{k}");
        }
        s.push('\n');
    }
    let _ = writeln!(s, "#SBATCH --ntasks=1");
    let _ = writeln!(s, "#SBATCH --cpus-per-task={}", h.cpus);
    let _ = writeln!(s, "#SBATCH --mem={}M", h.mem_mib);
    let _ = writeln!(
        s,
        "#SBATCH --time={}:{:02}:00",
        h.time_minutes / 60,
        h.time_minutes % 60
    );
    let _ = writeln!(s, "#SBATCH --kill-on-invalid-dep=yes");
    let _ = writeln!(s, "#SBATCH --requeue");
    if let Some(p) = &r.partition {
        let _ = writeln!(s, "#SBATCH --partition={p}");
    }
    if let Some(a) = &r.account {
        let _ = writeln!(s, "#SBATCH --account={a}");
    }
    for extra in &r.extra {
        let _ = writeln!(s, "#SBATCH {extra}");
    }
    s.push_str("set -euo pipefail\n");
    // Worker threads: the CPUs Slurm gave the task (rayon reads this).
    s.push_str("export RAYON_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"\n");
    let _ = writeln!(s, "exec {command}");
    s
}

/// The arguments of the `sbatch` command that submits `job`'s script, saved
/// at `script`, after the job `after` (every task of it) has succeeded.
pub fn sbatch_args(job: &Job, script: &Path, after: Option<&str>) -> Vec<String> {
    let mut args = vec![
        "--parsable".to_owned(),
        format!("--output={}", job.log.to_string_lossy()),
    ];
    if let Some(id) = after {
        args.push(format!("--dependency=afterok:{id}"));
    }
    args.push(script.to_string_lossy().into_owned());
    args
}

/// The shell commands that submit `jobs` (their scripts saved in `dir`),
/// each after the one before: what `dupscan slurm` runs, as `--dry-run`
/// prints it.
pub fn submission(jobs: &[Job], dir: &Path) -> String {
    let mut s = String::new();
    let mut previous: Option<&str> = None;
    for job in jobs {
        let args = sbatch_args(job, &dir.join(&job.file_name), None);
        let (script, options) = args.split_last().expect("sbatch_args ends with the script");
        let _ = write!(s, "{}=$(sbatch", job.stage.name());
        for option in options {
            let _ = write!(s, " {}", shell_quote(option));
        }
        if let Some(id) = previous {
            let _ = write!(s, " --dependency=afterok:\"${{{id}%%;*}}\"");
        }
        let _ = writeln!(s, " {})", shell_quote(script));
        previous = Some(job.stage.name());
    }
    s
}

/// The job id in `sbatch --parsable`'s output: `ID` or `ID;CLUSTER`.
///
/// # Errors
///
/// [`Error::Param`] quoting the output when it holds no job id.
pub fn parse_job_id(output: &str) -> Result<String> {
    let line = output.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let id = line.split(';').next().unwrap_or("").trim();
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id.to_owned())
    } else {
        Err(Error::Param(format!(
            "sbatch --parsable printed {output:?}, not a job id"
        )))
    }
}

/// A Slurm time limit in minutes (rounded up): `M`, `M:S`, `H:M:S`, `D-H`,
/// `D-H:M` or `D-H:M:S`, as `sbatch --time` takes it.
///
/// # Errors
///
/// [`Error::Param`] for anything else, and for a limit of 0.
pub fn parse_time(time: &str) -> Result<u64> {
    let bad = || {
        Error::Param(format!(
            "--time {time:?}: give minutes, M:S, H:M:S, D-H, D-H:M or D-H:M:S"
        ))
    };
    let number = |s: &str| -> Result<u64> {
        // At most 9 digits, so that no sum below overflows.
        if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    let (days, rest) = match time.trim().split_once('-') {
        Some((d, rest)) => (Some(number(d)?), rest),
        None => (None, time.trim()),
    };
    let parts = rest.split(':').map(number).collect::<Result<Vec<u64>>>()?;
    let seconds = match (days, parts.as_slice()) {
        (None, [m]) => m * 60,
        (None, [m, s]) => m * 60 + s,
        (None, [h, m, s]) => h * 3600 + m * 60 + s,
        (Some(d), [h]) => (d * 24 + h) * 3600,
        (Some(d), [h, m]) => (d * 24 + h) * 3600 + m * 60,
        (Some(d), [h, m, s]) => (d * 24 + h) * 3600 + m * 60 + s,
        _ => return Err(bad()),
    };
    match seconds.div_ceil(60) {
        0 => Err(bad()),
        minutes => Ok(minutes),
    }
}

fn utf8<'a>(path: &'a Path, what: &str) -> Result<&'a str> {
    let s = path.to_str().ok_or_else(|| {
        Error::Param(format!(
            "{what} {}: a job script needs a UTF-8 path",
            path.display()
        ))
    })?;
    if !path.is_absolute() {
        return Err(Error::Param(format!(
            "{what} {s}: a job script needs an absolute path"
        )));
    }
    if s.contains(['\n', '\r']) {
        return Err(Error::Param(format!(
            "{what} {s:?}: a job script cannot name a path with a line break"
        )));
    }
    Ok(s)
}

/// `path` single-quoted for the shell.
fn quoted(path: &Path, what: &str) -> Result<String> {
    Ok(shell_quote(utf8(path, what)?))
}

/// `s` as one shell word: single quotes, with `'` written `'\''`.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(shards: u32, out: bool) -> Run {
        Run {
            dupscan: PathBuf::from("/opt/dupscan/bin/dupscan"),
            work: PathBuf::from("/scratch/run 1"),
            report: PathBuf::from("/scratch/report.json"),
            out: out.then(|| PathBuf::from("/scratch/clean")),
            workload: Workload::from_bytes(shards, 8 << 30, 50),
            memory_budget: None,
            resources: Resources::default(),
        }
    }

    fn job(jobs: &[Job], stage: Stage) -> &Job {
        jobs.iter()
            .find(|j| j.stage == stage)
            .expect("stage rendered")
    }

    #[test]
    fn stages_in_order_with_filter_only_with_out() {
        let stages = |jobs: Vec<Job>| jobs.iter().map(|j| j.stage).collect::<Vec<_>>();
        let without = render(&run(4, false)).expect("renders");
        assert_eq!(
            stages(without),
            [Stage::Sign, Stage::Bucket, Stage::Verify, Stage::Cluster]
        );
        let with = render(&run(4, true)).expect("renders");
        assert_eq!(with.last().map(|j| j.stage), Some(Stage::Filter));
        assert_eq!(with.len(), 5);
    }

    #[test]
    fn arrays_have_one_task_per_shard_and_cluster_is_single() {
        let jobs = render(&run(7, true)).expect("renders");
        for j in &jobs {
            if j.stage == Stage::Cluster {
                assert_eq!(j.array, None);
                assert!(!j.script.contains("--array"), "{}", j.script);
            } else {
                assert_eq!(j.array, Some(7));
                assert!(j.script.contains("#SBATCH --array=0-6\n"), "{}", j.script);
                assert!(
                    j.script.contains("--shard \"${SLURM_ARRAY_TASK_ID}/7\""),
                    "{}",
                    j.script
                );
            }
        }
    }

    #[test]
    fn commands_quote_paths_and_name_the_stage() {
        let jobs = render(&run(2, true)).expect("renders");
        assert!(
            job(&jobs, Stage::Sign)
                .script
                .contains("exec '/opt/dupscan/bin/dupscan' sign --work '/scratch/run 1' --shard")
        );
        assert!(job(&jobs, Stage::Cluster).script.contains(
            "exec '/opt/dupscan/bin/dupscan' cluster --work '/scratch/run 1' -o '/scratch/report.json'"
        ));
        assert!(
            job(&jobs, Stage::Filter)
                .script
                .contains("--out '/scratch/clean'")
        );
        assert_eq!(
            job(&jobs, Stage::Verify).log,
            Path::new("/scratch/run 1/slurm/logs/verify-%A_%a.out")
        );
        assert_eq!(
            job(&jobs, Stage::Cluster).log,
            Path::new("/scratch/run 1/slurm/logs/cluster-%j.out")
        );
        let mut quirky = run(2, false);
        quirky.work = PathBuf::from("/tmp/it's");
        let jobs = render(&quirky).expect("renders");
        assert!(jobs[0].script.contains(r"--work '/tmp/it'\''s'"));
    }

    #[test]
    fn memory_follows_the_workload() {
        // 8 GiB of text, 50 bytes a unit: 171.8M units.
        let four = render(&run(4, true)).expect("renders");
        let sixteen = render(&run(16, true)).expect("renders");
        // Text stages: 2 bytes per byte of a shard (2 GiB of 8 GiB) + base.
        assert_eq!(job(&four, Stage::Sign).mem_mib, 256 + 4096);
        assert_eq!(job(&sixteen, Stage::Sign).mem_mib, 256 + 1024);
        assert!(
            job(&four, Stage::Sign)
                .script
                .contains("#SBATCH --mem=4352M\n")
        );
        // Bucket shrinks with shards; cluster does not.
        assert!(job(&sixteen, Stage::Bucket).mem_mib < job(&four, Stage::Bucket).mem_mib);
        assert_eq!(
            job(&sixteen, Stage::Cluster).mem_mib,
            job(&four, Stage::Cluster).mem_mib
        );
        let units = (8u64 << 30) / 50;
        assert_eq!(
            job(&four, Stage::Cluster).mem_mib,
            256 + (units * 40).div_ceil(1 << 20)
        );
    }

    #[test]
    fn a_memory_budget_caps_every_stage_and_mem_overrides_all() {
        let mut budgeted = run(4, true);
        budgeted.memory_budget = Some(128 << 20);
        for j in render(&budgeted).expect("renders") {
            assert_eq!(j.mem_mib, 256 + 128, "{:?}", j.stage);
            assert!(
                j.script.contains(" --memory-budget 134217728\n"),
                "{}",
                j.script
            );
        }
        let mut fixed = run(4, true);
        fixed.resources.mem = Some(3 << 30);
        fixed.resources.time_minutes = Some(90);
        for j in render(&fixed).expect("renders") {
            assert_eq!(j.mem_mib, 3072);
            assert!(
                j.script.contains("#SBATCH --time=1:30:00\n"),
                "{}",
                j.script
            );
        }
    }

    #[test]
    fn time_has_a_floor_and_grows_with_the_shard() {
        let small = Workload::from_bytes(3, 1 << 20, 50);
        assert_eq!(
            estimate::time_minutes(Stage::Sign, &small, 1),
            estimate::MIN_MINUTES
        );
        let big = Workload::from_bytes(1, 10_000_000_000, 50);
        // 10,000 s at 1 MB/s, times 4, in minutes.
        assert_eq!(estimate::time_minutes(Stage::Sign, &big, 1), 667);
        assert_eq!(estimate::time_minutes(Stage::Sign, &big, 4), 167);
    }

    #[test]
    fn user_options_reach_the_header() {
        let mut r = run(5, false);
        r.resources = Resources {
            partition: Some("short".into()),
            account: Some("lab".into()),
            cpus_per_task: Some(4),
            max_parallel: Some(2),
            extra: vec!["--qos=low".into()],
            ..Resources::default()
        };
        let jobs = render(&r).expect("renders");
        let sign = &job(&jobs, Stage::Sign).script;
        for line in [
            "#SBATCH --array=0-4%2\n",
            "#SBATCH --partition=short\n",
            "#SBATCH --account=lab\n",
            "#SBATCH --cpus-per-task=4\n",
            "#SBATCH --qos=low\n",
        ] {
            assert!(sign.contains(line), "{line} missing from\n{sign}");
        }
        assert!(!job(&jobs, Stage::Cluster).script.contains('%'));
    }

    #[test]
    fn bad_requests_are_refused() {
        let mut r = run(0, false);
        assert!(render(&r).is_err());
        r = run(2, false);
        r.resources.cpus_per_task = Some(0);
        assert!(render(&r).is_err());
        r = run(2, false);
        r.resources.max_parallel = Some(0);
        assert!(render(&r).is_err());
        r = run(2, false);
        r.resources.extra = vec!["--qos=low\n#SBATCH --mem=1".into()];
        assert!(render(&r).is_err());
        r = run(2, false);
        r.work = PathBuf::from("relative");
        let err = render(&r).expect_err("relative work dir").to_string();
        assert!(err.contains("absolute"), "{err}");
    }

    #[test]
    fn submission_chains_the_jobs() {
        let jobs = render(&run(3, true)).expect("renders");
        let text = submission(&jobs, Path::new("/w/slurm"));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(
            lines[0],
            "sign=$(sbatch '--parsable' '--output=/scratch/run 1/slurm/logs/sign-%A_%a.out' \
             '/w/slurm/sign.sbatch')"
        );
        assert!(
            lines[3].starts_with("cluster=$(sbatch '--parsable' ")
                && lines[3].ends_with(
                    " --dependency=afterok:\"${verify%%;*}\" '/w/slurm/cluster.sbatch')"
                ),
            "{}",
            lines[3]
        );
        assert!(
            lines[4].contains("afterok:\"${cluster%%;*}\""),
            "{}",
            lines[4]
        );
    }

    #[test]
    fn time_limits_in_slurm_forms() {
        for (given, minutes) in [
            ("90", 90),
            ("5:30", 6),
            ("2:00:00", 120),
            ("1-0", 1440),
            ("1-2:30", 1590),
            ("0-0:0:1", 1),
        ] {
            assert_eq!(parse_time(given).ok(), Some(minutes), "{given}");
        }
        for bad in ["", "0", "1h", "1:2:3:4", "-5", "1-", "a-1", "1-1:1:1:1"] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn compressed_inputs_count_as_more_text() {
        use crate::corpus::Compression;
        assert_eq!(estimate::text_bytes(1000, Compression::None), 1000);
        assert_eq!(estimate::text_bytes(1000, Compression::Zstd), 10_000);
        assert_eq!(estimate::text_bytes(1000, Compression::Gzip), 10_000);
    }

    #[test]
    fn sbatch_command_and_job_ids() {
        let jobs = render(&run(2, false)).expect("renders");
        assert_eq!(
            sbatch_args(&jobs[1], Path::new("/w/slurm/bucket.sbatch"), Some("41")),
            [
                "--parsable",
                "--output=/scratch/run 1/slurm/logs/bucket-%A_%a.out",
                "--dependency=afterok:41",
                "/w/slurm/bucket.sbatch"
            ]
        );
        assert_eq!(
            sbatch_args(&jobs[0], Path::new("/s"), None),
            [
                "--parsable",
                "--output=/scratch/run 1/slurm/logs/sign-%A_%a.out",
                "/s"
            ]
        );
        assert_eq!(parse_job_id("1234\n").ok().as_deref(), Some("1234"));
        assert_eq!(parse_job_id("77;dupscan-ci\n").ok().as_deref(), Some("77"));
        assert!(parse_job_id("sbatch: error: Batch job submission failed").is_err());
        assert!(parse_job_id("").is_err());
    }
}
