//! `dupscan slurm`: plan the staged run here, write one sbatch script per
//! stage into the work directory and submit them, chained. The scripts and
//! what they ask for come from `dupscan::slurm` (pure); this module runs
//! `sbatch`.

use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use crate::cli::{GroupsArg, PlanCmd, ScopeArg, SlurmCmd};
use dupscan::config::ScanConfig;
use dupscan::corpus::list_sources;
use dupscan::output;
use dupscan::slurm::{self, Job, Resources, Run, Workload, estimate};
use dupscan::staged;

/// Runs `dupscan slurm`.
pub fn run(mut cmd: SlurmCmd) -> anyhow::Result<u8> {
    if cmd.out.is_some() {
        // The filter stage writes dedup's output, so the run scans as dedup
        // does.
        cmd.scan.scope = ScopeArg::All;
        cmd.scan.groups = GroupsArg::Components;
    }
    let config = cmd.scan.to_config()?;
    if config
        .inputs
        .iter()
        .chain(&config.reference)
        .any(|p| p.as_os_str() == "-")
    {
        return Err(dupscan::Error::Param(
            "a Slurm job cannot read stdin: name files or directories".into(),
        )
        .into());
    }
    let work = absolute(&cmd.work)?;
    let report = match &cmd.report {
        Some(r) => absolute(r)?,
        None => work.join("report.json"),
    };
    let mut run = Run {
        dupscan: std::env::current_exe().context("finding the dupscan binary")?,
        workload: workload(&config, cmd.shards)?,
        memory_budget: cmd.scan.memory_budget,
        resources: Resources {
            partition: cmd.partition.clone(),
            account: cmd.account.clone(),
            mem: cmd.mem,
            time_minutes: cmd.time,
            cpus_per_task: Some(cmd.cpus_per_task),
            max_parallel: cmd.max_parallel,
            extra: cmd.sbatch_args.clone(),
        },
        out: cmd.out.as_deref().map(absolute).transpose()?,
        report,
        work,
    };
    let dir = slurm::scripts_dir(&run.work);
    if cmd.dry_run {
        print_dry_run(&slurm::render(&run)?, &dir)?;
        return Ok(dupscan::error::EXIT_OK);
    }
    slurm::render(&run)?;

    // The plan, here: it checks the parameters and inputs before anything
    // is submitted, and knows each shard's text.
    let unit = config.params.unit;
    crate::plan(PlanCmd {
        work: run.work.clone(),
        shards: cmd.shards,
        scan: cmd.scan,
    })?;
    let work = staged::Work::open(&run.work)?;
    let plan = work.plan();
    run.workload = Workload {
        shards: plan.shards,
        text_bytes: plan.bytes,
        largest_shard_bytes: plan.shard_docs.iter().map(|s| s.bytes).max().unwrap_or(0),
        units: plan.bytes / estimate::bytes_per_unit(unit),
    };
    let jobs = slurm::render(&run)?;
    std::fs::create_dir_all(slurm::logs_dir(&run.work))
        .with_context(|| format!("creating {}", slurm::logs_dir(&run.work).display()))?;
    for job in &jobs {
        let path = dir.join(&job.file_name);
        output::write_file(
            &path,
            Some(0o755),
            output::buffered(|w| w.write_all(job.script.as_bytes())),
        )?;
    }
    submit(&jobs, &run.work, cmd.wait)
}

/// The run's size from its inputs: file sizes (times
/// [`estimate::COMPRESSED_FACTOR`] for compressed ones), split evenly over
/// the shards.
fn workload(config: &ScanConfig, shards: u32) -> anyhow::Result<Workload> {
    let mut inputs = config.inputs.clone();
    inputs.extend(config.reference.iter().cloned());
    let listing = list_sources(&inputs)?;
    let mut bytes = 0u64;
    for source in &listing.sources {
        let len = std::fs::metadata(&source.path)
            .with_context(|| format!("reading the size of {}", source.path.display()))?
            .len();
        bytes = bytes.saturating_add(estimate::text_bytes(len, source.format.compression));
    }
    Ok(Workload::from_bytes(
        shards,
        bytes,
        estimate::bytes_per_unit(config.params.unit),
    ))
}

/// `path` made absolute against the current directory (not resolved: it
/// may not exist yet).
fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("resolving {}", path.display()))
}

fn print_dry_run(jobs: &[Job], dir: &Path) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for job in jobs {
        writeln!(out, "# {}", dir.join(&job.file_name).display())?;
        out.write_all(job.script.as_bytes())?;
        writeln!(out)?;
    }
    writeln!(out, "# submission (after `dupscan plan`)")?;
    out.write_all(slurm::submission(jobs, dir).as_bytes())?;
    out.flush()
}

/// Submits the jobs in order, each after the one before; prints `STAGE ID`
/// per job. With `wait`, the last is submitted with `sbatch --wait`. If a
/// submission fails, the jobs already submitted are cancelled.
fn submit(jobs: &[Job], work: &Path, wait: bool) -> anyhow::Result<u8> {
    let dir = slurm::scripts_dir(work);
    let mut submitted: Vec<String> = Vec::new();
    let mut stdout = io::stdout().lock();
    for (i, job) in jobs.iter().enumerate() {
        let mut args = slurm::sbatch_args(
            job,
            &dir.join(&job.file_name),
            submitted.last().map(String::as_str),
        );
        let last = i + 1 == jobs.len();
        if wait && last {
            args.insert(0, "--wait".into());
        }
        let result = sbatch(&args, |id| {
            writeln!(stdout, "{} {id}", job.stage.name())?;
            stdout.flush()
        });
        match result {
            Ok((id, status)) => {
                submitted.push(id.clone());
                if status == Some(false) {
                    bail!(
                        "job {id} ({}) or a job before it failed or was cancelled; \
                         see the logs in {}",
                        job.stage.name(),
                        slurm::logs_dir(work).display()
                    );
                }
            }
            Err(err) => {
                cancel(&submitted);
                return Err(err.context(format!("submitting {}", job.file_name)));
            }
        }
    }
    Ok(dupscan::error::EXIT_OK)
}

/// Runs `sbatch ARGS`; calls `submitted` with the job id as soon as sbatch
/// prints it. Returns the id and, with `--wait`, whether the job succeeded.
fn sbatch(
    args: &[String],
    mut submitted: impl FnMut(&str) -> io::Result<()>,
) -> anyhow::Result<(String, Option<bool>)> {
    let mut child = Command::new("sbatch")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running sbatch (is Slurm installed and on PATH?)")?;
    let mut first = String::new();
    if let Some(out) = child.stdout.take() {
        BufReader::new(out)
            .read_line(&mut first)
            .context("reading sbatch's output")?;
    }
    let parsed = slurm::parse_job_id(&first);
    if let Ok(id) = &parsed {
        submitted(id)?;
    }
    let output = child.wait_with_output().context("waiting for sbatch")?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let id = match parsed {
        Ok(id) => id,
        Err(_) => bail!(
            "sbatch {} failed ({}): {}",
            args.join(" "),
            output.status,
            stderr.trim()
        ),
    };
    let waited = args.iter().any(|a| a == "--wait");
    // `sbatch --wait` exits 0 for a job cancelled before it ran (a failed
    // dependency), so the job's state decides; sbatch's status only when
    // Slurm no longer knows the job.
    let ok = waited.then(|| completed(&id).unwrap_or(output.status.success()));
    Ok((id, ok))
}

/// Whether every task of job `id` is COMPLETED, from `squeue -t all`;
/// `None` when squeue fails or no longer lists the job.
fn completed(id: &str) -> Option<bool> {
    let out = Command::new("squeue")
        .args(["-h", "-t", "all", "-o", "%T", "-j", id])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let states: Vec<&str> = text.split_whitespace().collect();
    (!states.is_empty()).then(|| states.iter().all(|s| *s == "COMPLETED"))
}

/// Cancels the jobs submitted before a submission failed.
fn cancel(ids: &[String]) {
    if ids.is_empty() {
        return;
    }
    let status = Command::new("scancel").args(ids).status();
    if !matches!(status, Ok(s) if s.success()) {
        eprintln!(
            "dupscan: warning: could not cancel jobs {}; cancel them with scancel",
            ids.join(" ")
        );
    }
}
