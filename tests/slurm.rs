//! `dupscan slurm`: the scripts and commands of `--dry-run`, refused
//! requests, and (ignored unless a Slurm cluster is up, as `.ci/run` brings
//! one up with `.ci/slurm.sh up`) a real run whose report and output match
//! `dupscan dedup`'s byte for byte.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use predicates::prelude::*;

use common::{data, dupscan};

/// `dupscan slurm --dry-run` over the sample corpus with `extra` options.
fn dry_run(work: &Path, extra: &[&str]) -> String {
    let out = dupscan()
        .arg("slurm")
        .arg("--work")
        .arg(work)
        .args(["--shards", "3", "--dry-run"])
        .args(extra)
        .arg(data("corpus"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn dry_run_prints_chained_arrays_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path().join("work");
    let out_dir = tmp.path().join("clean");
    let text = dry_run(&work, &["--out", out_dir.to_str().expect("UTF-8")]);
    let w = work.to_str().expect("UTF-8");

    // One script per stage, then the submission.
    let scripts: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with(&format!("# {w}/slurm/")))
        .collect();
    assert_eq!(
        scripts,
        ["sign", "bucket", "verify", "cluster", "filter"]
            .map(|s| format!("# {w}/slurm/{s}.sbatch"))
    );
    assert_eq!(text.matches("#SBATCH --array=0-2\n").count(), 4, "{text}");
    for stage in ["sign", "bucket", "verify"] {
        assert!(
            text.contains(&format!(
                "{stage} --work '{w}' --shard \"${{SLURM_ARRAY_TASK_ID}}/3\"\n"
            )),
            "{stage}:\n{text}"
        );
    }
    assert!(text.contains(&format!("cluster --work '{w}' -o '{w}/report.json'\n")));
    assert!(text.contains(&format!(
        "filter --work '{w}' --shard \"${{SLURM_ARRAY_TASK_ID}}/3\" --out '{}'\n",
        out_dir.display()
    )));
    // Each job after the one before.
    for (after, job) in [
        ("sign", "bucket"),
        ("bucket", "verify"),
        ("verify", "cluster"),
        ("cluster", "filter"),
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{job}=$(sbatch")))
            .unwrap_or_else(|| panic!("no sbatch line for {job}:\n{text}"));
        assert!(
            line.contains(&format!("--dependency=afterok:\"${{{after}%%;*}}\"")),
            "{line}"
        );
    }
    assert!(
        text.lines()
            .any(|l| l.starts_with("sign=$(sbatch") && !l.contains("--dependency")),
        "{text}"
    );
    assert!(!work.exists(), "--dry-run wrote the work directory");
    assert!(!out_dir.exists());
}

#[test]
fn dry_run_without_out_has_no_filter_and_takes_the_users_requests() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path().join("w");
    let text = dry_run(
        &work,
        &[
            "--partition",
            "short",
            "--time",
            "1-2:30",
            "--mem",
            "2G",
            "--cpus-per-task",
            "4",
            "--max-parallel",
            "2",
            "--sbatch-arg=--qos=low",
            "-o",
            "/data/report.json",
        ],
    );
    assert!(!text.contains("filter"), "{text}");
    assert_eq!(text.matches("#SBATCH --partition=short\n").count(), 4);
    assert_eq!(text.matches("#SBATCH --time=26:30:00\n").count(), 4);
    assert_eq!(text.matches("#SBATCH --mem=2048M\n").count(), 4);
    assert_eq!(text.matches("#SBATCH --cpus-per-task=4\n").count(), 4);
    assert_eq!(text.matches("#SBATCH --qos=low\n").count(), 4);
    assert_eq!(text.matches("#SBATCH --array=0-2%2\n").count(), 3);
    assert!(text.contains("-o '/data/report.json'\n"), "{text}");
}

#[test]
fn refused_requests_exit_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path().join("w");
    let cases: [(&[&str], &str); 4] = [
        (&["--shards", "0"], "--shards must be at least 1"),
        (&["--shards", "2", "--time", "soon"], "--time"),
        (&["--shards", "2", "--sbatch-arg", "qos"], "--sbatch-arg"),
        (&["--shards", "2", "-"], "stdin"),
    ];
    for (args, message) in cases {
        let mut cmd = dupscan();
        cmd.arg("slurm").arg("--work").arg(&work).args(args);
        if !args.contains(&"-") {
            cmd.arg(data("corpus"));
        }
        cmd.arg("--dry-run")
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    assert!(!work.exists());
}

/// A report's text with the wall time (`stats.seconds`, the one field two
/// identical runs differ in) replaced by 0.
fn without_seconds(report: &[u8]) -> String {
    let text = String::from_utf8(report.to_vec()).expect("UTF-8 report");
    let key = "\"seconds\":";
    let Some(at) = text.find(key) else {
        return text;
    };
    let value = at + key.len();
    let rest = &text[value..];
    let skipped = rest.len() - rest.trim_start().len();
    let number = rest[skipped..]
        .find(|c: char| !(c.is_ascii_digit() || ".eE+-".contains(c)))
        .unwrap_or(rest.len() - skipped);
    format!("{}0{}", &text[..value], &rest[skipped + number..])
}

/// Every file under `root`, relative, sorted.
fn files(root: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.expect("walks"))
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(root).expect("under root").to_owned())
        .collect();
    found.sort();
    found
}

#[test]
#[ignore = "needs a running Slurm (.ci/slurm.sh up)"]
fn slurm_run_matches_dedup_byte_for_byte() {
    let sinfo = Process::new("sinfo").arg("-h").output();
    assert!(
        matches!(&sinfo, Ok(o) if o.status.success()),
        "Slurm does not answer (sinfo: {sinfo:?}): run `.ci/slurm.sh up` and export SLURM_CONF"
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let corpus = data("corpus");

    let local = tmp.path().join("dedup");
    dupscan()
        .arg("dedup")
        .arg("--out")
        .arg(&local)
        .arg(&corpus)
        // With member texts, as the cluster stage's report has them.
        .args(["--quiet", "--report", "full"])
        .assert()
        .success();

    let work = tmp.path().join("work");
    let staged = tmp.path().join("staged");
    let report = tmp.path().join("report.json");
    let submitted = dupscan()
        .arg("slurm")
        .arg("--work")
        .arg(&work)
        .args(["--shards", "3", "--wait", "--time", "5"])
        .arg("--out")
        .arg(&staged)
        .arg("-o")
        .arg(&report)
        .arg(&corpus)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&submitted.stdout);
    let logs = slurm_logs(&work);
    assert!(
        submitted.status.success(),
        "dupscan slurm failed: {}\n{stdout}\n{logs}",
        String::from_utf8_lossy(&submitted.stderr)
    );
    let stages: Vec<&str> = stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    assert_eq!(stages, ["sign", "bucket", "verify", "cluster", "filter"]);

    // The report: dedup's, timings aside.
    let local_report = fs::read(local.join(".dupscan/report.json")).expect("dedup report");
    let staged_report = fs::read(&report).expect("staged report");
    assert!(staged_report.len() > 100, "{logs}");
    assert_eq!(
        without_seconds(&staged_report),
        without_seconds(&local_report),
        "{logs}"
    );

    // The deduplicated corpus: the same files, byte for byte (dedup's own
    // records in .dupscan/ aside).
    let outputs = |root: &Path| -> Vec<PathBuf> {
        files(root)
            .into_iter()
            .filter(|p| !p.starts_with(".dupscan"))
            .collect()
    };
    let local_files = outputs(&local);
    assert!(!local_files.is_empty());
    assert_eq!(outputs(&staged), local_files, "{logs}");
    for file in &local_files {
        assert!(
            fs::read(staged.join(file)).expect("staged file")
                == fs::read(local.join(file)).expect("dedup file"),
            "{} differs",
            file.display()
        );
    }
}

/// The jobs' output, for a failure message.
fn slurm_logs(work: &Path) -> String {
    let dir = work.join("slurm/logs");
    let mut text = String::new();
    if !dir.is_dir() {
        return text;
    }
    for file in files(&dir) {
        let body = fs::read_to_string(dir.join(&file)).unwrap_or_default();
        text.push_str(&format!("---- {}\n{body}", file.display()));
    }
    text
}

#[test]
#[ignore = "needs a running Slurm (.ci/slurm.sh up)"]
fn a_failed_job_cancels_the_rest_and_wait_exits_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path().join("work");
    // The cluster job cannot write its report (no such directory), so it
    // fails; the filter job after it is cancelled, never run.
    let report = tmp.path().join("missing").join("report.json");
    let staged = tmp.path().join("staged");
    let out = dupscan()
        .arg("slurm")
        .arg("--work")
        .arg(&work)
        .args(["--shards", "2", "--wait", "--time", "5", "-q"])
        .arg("--out")
        .arg(&staged)
        .arg("-o")
        .arg(&report)
        .arg(data("corpus"))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let logs = slurm_logs(&work);
    assert_eq!(out.status.code(), Some(2), "{stderr}\n{logs}");
    assert!(stderr.contains("failed or was cancelled"), "{stderr}");
    assert!(logs.contains("cluster-"), "{logs}");
    assert!(
        !logs.contains("filter-"),
        "filter ran after a failed cluster:\n{logs}"
    );
    assert!(!staged.exists());
}

/// A directory with stand-ins for `sbatch` and `scancel` that log their
/// arguments to `calls.log`: sbatch prints job ids 101, 102, ... (as
/// `ID;cluster`, as on a multi-cluster site), and fails on call `fail_at`.
#[cfg(unix)]
fn fake_slurm(dir: &Path, fail_at: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).expect("bin dir");
    let log = dir.join("calls.log");
    let sbatch = format!(
        "#!/bin/sh\necho \"sbatch $*\" >> '{log}'\nn=$(grep -c '^sbatch' '{log}')\n\
         if [ \"$n\" -eq {fail_at} ]; then echo 'sbatch: error: Batch job submission failed' >&2; exit 1; fi\n\
         echo \"$((100 + n));cluster\"\n",
        log = log.display()
    );
    let scancel = format!("#!/bin/sh\necho \"scancel $*\" >> '{}'\n", log.display());
    for (name, body) in [("sbatch", sbatch), ("scancel", scancel)] {
        let path = bin.join(name);
        fs::write(&path, body).expect("write stand-in");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    bin
}

#[cfg(unix)]
fn with_fake_slurm(bin: &Path, work: &Path, out: &Path) -> std::process::Output {
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    dupscan()
        .env("PATH", path)
        .arg("slurm")
        .arg("--work")
        .arg(work)
        .args(["--shards", "3", "-q", "--out"])
        .arg(out)
        .arg(data("corpus"))
        .output()
        .expect("runs")
}

#[test]
#[cfg(unix)]
fn submission_chains_the_jobs_by_the_ids_sbatch_prints() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = fake_slurm(tmp.path(), 0);
    let work = tmp.path().join("work");
    let out = with_fake_slurm(&bin, &work, &tmp.path().join("clean"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "sign 101\nbucket 102\nverify 103\ncluster 104\nfilter 105\n"
    );
    let calls = fs::read_to_string(tmp.path().join("calls.log")).expect("calls");
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(calls.len(), 5, "{calls:?}");
    assert!(!calls[0].contains("--dependency"), "{}", calls[0]);
    for (i, stage) in ["bucket", "verify", "cluster", "filter"].iter().enumerate() {
        let call = calls[i + 1];
        assert!(
            call.contains(&format!("--dependency=afterok:{} ", 101 + i)),
            "{call}"
        );
        assert!(
            call.ends_with(&format!("{}/slurm/{stage}.sbatch", work.display())),
            "{call}"
        );
    }
    // The plan was made here, and the scripts are in the work directory.
    assert!(work.join("plan.json").is_file());
    let sign = fs::read_to_string(work.join("slurm/sign.sbatch")).expect("script");
    assert!(sign.contains("#SBATCH --array=0-2\n"), "{sign}");
}

#[test]
#[cfg(unix)]
fn a_failed_submission_cancels_the_jobs_already_submitted() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = fake_slurm(tmp.path(), 3);
    let out = with_fake_slurm(&bin, &tmp.path().join("work"), &tmp.path().join("clean"));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Batch job submission failed"), "{stderr}");
    assert!(stderr.contains("verify.sbatch"), "{stderr}");
    let calls = fs::read_to_string(tmp.path().join("calls.log")).expect("calls");
    assert_eq!(calls.lines().last(), Some("scancel 101 102"), "{calls}");
}
