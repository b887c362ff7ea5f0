//! The `dupscan` binary: parse flags, run the library, map errors to exit codes.
//!
//! Exit codes: 0 success; 1 a contamination check matched, or left a
//! reference item unchecked, with `--fail-on-match`; 2 bad input, bad parameters or an I/O error (a write
//! past `ulimit -f` included: SIGXFSZ is ignored, so it fails with EFBIG).

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

mod bars;
mod cli;
mod submit;

use bars::{Bars, Lines, Plain, Timed};
use cli::{
    Cli, ClusterCmd, Command, DedupCmd, EvalCmd, FilterCmd, FormatArg, OutputArgs, PlanCmd,
    ProgressArg, ScanArgs, ScanCmd, ScoresFormatArg, ShardCmd, StageArgs,
};
use dupscan::dedup;
use dupscan::error::{EXIT_ERROR, EXIT_MATCH, EXIT_OK};
use dupscan::escape::escape;
use dupscan::eval;
use dupscan::output::{self, Destination};
use dupscan::pipeline;
use dupscan::progress::{Progress, Silent, Stage};
use dupscan::report::{
    Contamination, Html, Json, JsonCompact, JsonLines, Report, ReportWriter, Text,
};
use dupscan::staged;

fn main() -> ExitCode {
    ignore_file_size_signal();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::from(EXIT_OK);
            }
            eprintln!("dupscan: error: {}", escape(&message(&err)));
            let code = err
                .downcast_ref::<dupscan::Error>()
                .map_or(EXIT_ERROR, dupscan::Error::exit_code);
            ExitCode::from(code)
        }
    }
}

/// Ignores SIGXFSZ, so that a write past the file-size limit (`ulimit -f`)
/// fails with EFBIG, which is reported (exit 2) with the temporary file
/// removed, instead of killing the process and leaving the file behind.
#[cfg(unix)]
#[allow(unsafe_code)]
fn ignore_file_size_signal() {
    // SAFETY: SIG_IGN installs no handler code, so nothing runs in signal
    // context; this runs first in `main`, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

#[cfg(not(unix))]
fn ignore_file_size_signal() {}

/// The error and its causes on one line, skipping a cause whose text the
/// message before it already ends with (library errors embed their cause).
/// The caller escapes it, so a path or an id in it cannot break the line.
fn message(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !out.ends_with(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Scan(cmd) => scan(cmd),
        Command::Dedup(cmd) => deduplicate(cmd),
        Command::Eval(cmd) => evaluate(cmd),
        Command::Plan(cmd) => plan(cmd),
        Command::Sign(cmd) => shard_step(StepKind::Sign, cmd),
        Command::Bucket(cmd) => shard_step(StepKind::Bucket, cmd),
        Command::Verify(cmd) => shard_step(StepKind::Verify, cmd),
        Command::Cluster(cmd) => cluster(cmd),
        Command::Filter(cmd) => filter(cmd),
        Command::Slurm(cmd) => submit::run(cmd),
    }
}

/// The sharded steps of a staged run.
#[derive(Debug, Clone, Copy)]
enum StepKind {
    Sign,
    Bucket,
    Verify,
}

fn plan(cmd: PlanCmd) -> anyhow::Result<u8> {
    let config = cmd.scan.to_config()?;
    let pool = thread_pool(cmd.scan.threads)?;
    let bars = step_progress(cmd.scan.quiet, "plan".into());
    let progress = Timed::new(bars.as_ref());
    let outcome = pool.install(|| {
        staged::plan(
            &cmd.work,
            &config,
            staged::Shards::Count(cmd.shards),
            &progress,
        )
    })?;
    if !cmd.scan.quiet {
        let work = staged::Work::open(&cmd.work)?;
        let p = work.plan();
        let what = match outcome {
            staged::Outcome::Done => "planned",
            staged::Outcome::Skipped => "already planned (same plan)",
        };
        eprintln!(
            "dupscan: plan: {what}: {} files, {} documents, {} bytes in {} shards ({})",
            p.sources.len(),
            p.documents,
            p.bytes,
            p.shards,
            cmd.work.join(staged::PLAN_FILE).display()
        );
    }
    print_timings(cmd.scan.timings, &progress);
    Ok(EXIT_OK)
}

/// Opens the work directory of a staged step and moves to the directory the
/// plan named its inputs from (so that reports name them as `scan` does);
/// returns the work directory as an absolute path.
fn open_work(args: &StageArgs) -> anyhow::Result<staged::Work> {
    let dir = std::path::absolute(&args.work).context("resolving --work")?;
    let work = staged::Work::open(&dir)?;
    std::env::set_current_dir(&work.plan().cwd).with_context(|| {
        format!(
            "entering {}, where the plan's inputs are named from",
            work.plan().cwd.display()
        )
    })?;
    Ok(work)
}

fn say_outcome(args: &StageArgs, name: &str, outcome: staged::Outcome) {
    if !args.quiet {
        match outcome {
            staged::Outcome::Done => eprintln!("dupscan: {name}: complete"),
            staged::Outcome::Skipped => {
                eprintln!("dupscan: {name}: already complete, nothing to do");
            }
        }
    }
}

fn shard_step(kind: StepKind, cmd: ShardCmd) -> anyhow::Result<u8> {
    let args = &cmd.stage;
    let pool = thread_pool(args.threads)?;
    let work = open_work(args)?;
    let name = match kind {
        StepKind::Sign => "sign",
        StepKind::Bucket => "bucket",
        StepKind::Verify => "verify",
    };
    let name = format!("{name} {}", cmd.shard);
    let bars = step_progress(args.quiet, name.clone());
    let progress = Timed::new(bars.as_ref());
    let outcome = pool.install(|| match kind {
        StepKind::Sign => staged::sign(&work, cmd.shard, args.memory_budget, &progress),
        StepKind::Bucket => staged::bucket(&work, cmd.shard, &progress),
        StepKind::Verify => staged::verify(&work, cmd.shard, &progress),
    })?;
    say_outcome(args, &name, outcome);
    print_timings(args.timings, &progress);
    Ok(EXIT_OK)
}

fn cluster(cmd: ClusterCmd) -> anyhow::Result<u8> {
    let args = &cmd.stage;
    let pool = thread_pool(args.threads)?;
    let mut output = cmd.output;
    if let Some(path) = output.output.as_mut() {
        if path.as_os_str() != "-" {
            *path = std::path::absolute(&*path).context("resolving -o")?;
        }
    }
    let work = open_work(args)?;
    let config = work.plan().config();
    let dest = destination(&output, &config)?;
    let bars = step_progress(args.quiet, "cluster".into());
    let progress = Timed::new(bars.as_ref());
    let format = output
        .format
        .or_else(|| output.output.as_deref().and_then(format_of_extension));
    let texts = report_texts(format);
    let scan = pool.install(|| staged::cluster(&work, texts, &progress))?;
    let report = Report::from_scan(&scan);
    progress.start(Stage::Writing, Some(report.len() as u64));
    write_report(&report, format, &output, dest.as_ref())?;
    progress.advance(report.len() as u64);
    progress.finish();
    print_timings(args.timings, &progress);
    Ok(EXIT_OK)
}

fn filter(cmd: FilterCmd) -> anyhow::Result<u8> {
    let args = &cmd.stage;
    let pool = thread_pool(args.threads)?;
    let mut opts = cmd.to_options();
    opts.out = std::path::absolute(&opts.out).context("resolving --out")?;
    let work = open_work(args)?;
    let name = format!("filter {}", cmd.shard);
    let bars = step_progress(args.quiet, name.clone());
    let progress = Timed::new(bars.as_ref());
    let outcome = pool.install(|| staged::filter(&work, cmd.shard, &opts, &progress))?;
    say_outcome(args, &name, outcome);
    print_timings(args.timings, &progress);
    Ok(EXIT_OK)
}

/// Bars on a terminal, plain lines otherwise (a scheduler's log), nothing
/// with `-q`.
fn step_progress(quiet: bool, name: String) -> Box<dyn Progress> {
    if quiet {
        Box::new(Silent)
    } else if io::stderr().is_terminal() {
        Box::new(Bars::new())
    } else {
        Box::new(Lines::new(name))
    }
}

fn thread_pool(threads: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        if n == 0 {
            return Err(dupscan::Error::Param("--threads must be at least 1".into()).into());
        }
        b = b.num_threads(n);
    }
    b.build().context("starting worker threads")
}

/// Seconds between two lines of `--progress plain` within a stage.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

fn progress(args: &ScanArgs) -> Box<dyn Progress> {
    let how = match args.progress {
        _ if args.quiet => ProgressArg::None,
        ProgressArg::Auto if io::stderr().is_terminal() => ProgressArg::Bars,
        ProgressArg::Auto => ProgressArg::None,
        how => how,
    };
    match how {
        ProgressArg::Bars => Box::new(Bars::new()),
        ProgressArg::Plain => Box::new(Plain::stderr(PLAIN_EVERY)),
        ProgressArg::Auto | ProgressArg::None => Box::new(Silent),
    }
}

fn scan(cmd: ScanCmd) -> anyhow::Result<u8> {
    let config = cmd.scan.to_config()?;
    let dest = destination(&cmd.output, &config)?;
    let pool = thread_pool(cmd.scan.threads)?;
    let bars = progress(&cmd.scan);
    let progress = Timed::new(bars.as_ref());
    let format = cmd
        .output
        .format
        .or_else(|| cmd.output.output.as_deref().and_then(format_of_extension));
    let texts = report_texts(format);
    let scan = pool.install(|| run_scan(&config, cmd.scan.memory_budget, texts, &progress))?;
    warn_about_input(&cmd.scan, &scan);
    let report = Report::from_scan(&scan);
    progress.start(Stage::Writing, Some(report.len() as u64));
    write_report(&report, format, &cmd.output, dest.as_ref())?;
    progress.advance(report.len() as u64);
    progress.finish();
    if let (Some(dest), false) = (&dest, cmd.scan.quiet) {
        let duplicated: u64 = (0..report.len()).map(|i| report.group_bytes(i)).sum();
        eprintln!(
            "dupscan: {} groups, {} duplicate units, {} bytes duplicated; report written to {}",
            report.len(),
            report.stats.duplicate_units,
            duplicated,
            dupscan::escape::path(dest.path())
        );
    }
    print_timings(cmd.scan.timings, &progress);
    if let Some(c) = &report.contamination {
        // Under --fail-on-match an unchecked item fails the gate: say why,
        // even with -q.
        if !cmd.scan.quiet || cmd.fail_on_match {
            warn_unchecked(c);
        }
        if cmd.fail_on_match && (c.contaminated_documents > 0 || c.unchecked_documents > 0) {
            return Ok(EXIT_MATCH);
        }
    }
    if cmd.fail_on_match && !report.is_empty() {
        return Ok(EXIT_MATCH);
    }
    Ok(EXIT_OK)
}

/// Every reference item that could not be checked, on stderr.
fn warn_unchecked(c: &Contamination) {
    if c.unchecked.is_empty() {
        return;
    }
    eprintln!(
        "dupscan: warning: {} reference items could not be checked:",
        c.unchecked.len()
    );
    for u in &c.unchecked {
        eprintln!(
            "dupscan: warning:   {} ({}, {} words): {}",
            escape(&u.doc),
            escape(&u.source),
            u.words,
            u.reason
        );
    }
}

fn deduplicate(cmd: DedupCmd) -> anyhow::Result<u8> {
    let opts = cmd.to_options();
    let job = dedup::prepare(cmd.scan.to_config()?, &opts)?;
    let pool = thread_pool(cmd.scan.threads)?;
    let bars = progress(&cmd.scan);
    let progress = Timed::new(bars.as_ref());
    let summary = pool.install(|| -> anyhow::Result<dedup::Summary> {
        let scan = run_scan(
            &job.config,
            cmd.scan.memory_budget,
            staged::Texts::All,
            &progress,
        )?;
        warn_about_input(&cmd.scan, &scan);
        if !cmd.scan.quiet && scan.reference_docs > 0 {
            if let Some(c) = &Report::from_scan(&scan).contamination {
                warn_unchecked(c);
            }
        }
        let files = scan.corpus.sources.len() as u64;
        progress.start(Stage::Filtering, Some(files));
        let summary = job.run(&scan)?;
        progress.advance(files);
        progress.finish();
        Ok(summary)
    })?;
    if !cmd.scan.quiet {
        eprintln!("{summary}");
    }
    print_timings(cmd.scan.timings, &progress);
    Ok(EXIT_OK)
}

/// The scan: in one pass, or with `--memory-budget` as the staged run's
/// stages one after the other in a temporary work directory (under
/// `$TMPDIR`, removed afterwards), which spill their sorted runs there.
fn run_scan(
    config: &dupscan::config::ScanConfig,
    budget: Option<u64>,
    texts: staged::Texts,
    progress: &dyn Progress,
) -> anyhow::Result<pipeline::Scan> {
    let Some(budget) = budget else {
        return Ok(pipeline::run(config, progress)?);
    };
    let dir = tempfile::Builder::new()
        .prefix("dupscan-work-")
        .tempdir()
        .context("making a temporary work directory for --memory-budget")?;
    Ok(staged::scan_within(
        &dir.path().join("work"),
        config,
        budget,
        texts,
        progress,
    )?)
}

/// With `--timings`: one line per stage on stderr (wall time, resident and
/// peak memory where the system tells), then the total.
fn print_timings(timings: bool, timed: &Timed) {
    if !timings {
        return;
    }
    let mb = |b: Option<u64>| b.map_or_else(|| "-".into(), |b| format!("{:.0} MB", b as f64 / 1e6));
    let timings = timed.timings();
    for t in &timings {
        eprintln!(
            "dupscan: timings: {:<15}{:>9.3} s   rss {:>8}   peak {:>8}",
            t.stage.label(),
            t.took.as_secs_f64(),
            mb(t.rss),
            mb(t.peak)
        );
    }
    let total: f64 = timings.iter().map(|t| t.took.as_secs_f64()).sum();
    eprintln!("dupscan: timings: {:<15}{total:>9.3} s", "total");
}

fn evaluate(cmd: EvalCmd) -> anyhow::Result<u8> {
    let truth = eval::read_truth(&cmd.truth)?;
    let predicted = eval::read_predicted(&cmd.report)?;
    let scores = eval::score(&truth, &predicted.groups)?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match cmd.format {
        ScoresFormatArg::Text => write!(out, "{scores}")?,
        ScoresFormatArg::Json => {
            serde_json::to_writer_pretty(&mut out, &scores)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(EXIT_OK)
}

/// Most warnings about skipped inputs shown one per line; the rest are
/// counted.
const MAX_WARNINGS: usize = 20;

/// The reading warnings on stderr (escaped, at most [`MAX_WARNINGS`] of
/// them, then a count), and the counters' warnings; nothing with `-q`.
fn warn_about_input(args: &ScanArgs, scan: &pipeline::Scan) {
    if args.quiet {
        return;
    }
    let warnings = &scan.corpus.warnings;
    for w in warnings.iter().take(MAX_WARNINGS) {
        eprintln!("dupscan: warning: {}", escape(&w.to_string()));
    }
    if warnings.len() > MAX_WARNINGS {
        eprintln!(
            "dupscan: warning: {} more warnings not shown ({} in all)",
            warnings.len() - MAX_WARNINGS,
            warnings.len()
        );
    }
    let stats = &scan.stats;
    if stats.invalid_utf8 > 0 {
        eprintln!(
            "dupscan: warning: {} documents had invalid UTF-8, replaced with U+FFFD",
            stats.invalid_utf8
        );
    }
    if stats.lone_surrogates > 0 {
        eprintln!(
            "dupscan: warning: {} documents had lone surrogate escapes (\\ud800-\\udfff \
             without their pair), read as U+FFFD",
            stats.lone_surrogates
        );
    }
    if stats.duplicate_ids > 0 {
        eprintln!(
            "dupscan: warning: {} documents have an id an earlier document already has; \
             those ids are ambiguous in the report and in annotations (\"of\")",
            stats.duplicate_ids
        );
    }
    if stats.bad_lines > 0 {
        eprintln!(
            "dupscan: warning: skipped {} malformed lines",
            stats.bad_lines
        );
    }
}

/// The report's file, checked before any work; `None` for stdout (no `-o`,
/// or `-o -`).
fn destination(
    out: &OutputArgs,
    config: &dupscan::config::ScanConfig,
) -> anyhow::Result<Option<Destination>> {
    match &out.output {
        Some(path) if path.as_os_str() != "-" => {
            Ok(Some(output::report_destination(path, config)?))
        }
        _ => Ok(None),
    }
}

/// The report format an output file's extension names, if any.
/// What a staged cluster step keeps of the texts for a report in
/// `format`: HTML shows documents; the others only the members' texts,
/// which wait in a scratch file.
fn report_texts(format: Option<FormatArg>) -> staged::Texts {
    if matches!(format, Some(FormatArg::Html)) {
        staged::Texts::Members
    } else {
        staged::Texts::MembersOnDisk
    }
}

fn format_of_extension(path: &std::path::Path) -> Option<FormatArg> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "json" => Some(FormatArg::Json),
        "jsonl" | "ndjson" => Some(FormatArg::Jsonl),
        "html" | "htm" => Some(FormatArg::Html),
        "txt" => Some(FormatArg::Text),
        _ => None,
    }
}

/// Writes `report` to `dest` (stdout when `None`). JSON to a file is
/// compact unless `pretty`; on stdout it is indented.
fn write_report(
    report: &Report,
    format: Option<FormatArg>,
    output: &OutputArgs,
    dest: Option<&Destination>,
) -> anyhow::Result<()> {
    let pretty = output.pretty;
    let format = format.unwrap_or(if dest.is_none() && io::stdout().is_terminal() {
        FormatArg::Text
    } else {
        FormatArg::Json
    });
    let stripped;
    let report = if output.no_text {
        if !matches!(format, FormatArg::Json | FormatArg::Jsonl) {
            return Err(dupscan::Error::Param(
                "--no-text applies to json and jsonl reports; the text and HTML reports show \
                 the texts"
                    .into(),
            )
            .into());
        }
        stripped = report.clone().without_texts();
        &stripped
    } else {
        report
    };
    let writer: Box<dyn ReportWriter> = match format {
        FormatArg::Text => Box::new(Text {
            sort: output.sort.into(),
            color: dest.is_none() && io::stdout().is_terminal(),
            ..Text::default()
        }),
        FormatArg::Json if dest.is_some() && !pretty => Box::new(JsonCompact),
        FormatArg::Json => Box::new(Json),
        FormatArg::Jsonl => Box::new(JsonLines),
        FormatArg::Html => Box::new(Html::default()),
    };
    match dest {
        Some(dest) => dest.write(None, output::buffered(|w| writer.write(report, w)))?,
        None => {
            let stdout = io::stdout();
            let mut lock = io::BufWriter::new(stdout.lock());
            writer.write(report, &mut lock)?;
            lock.flush()?;
        }
    }
    Ok(())
}
