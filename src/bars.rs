//! The binary's progress: indicatif bars, and per-stage timings with the
//! process's memory (`--timings`). This is the only module that knows
//! indicatif; the library only calls the [`Progress`] trait.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use dupscan::progress::{Progress, Stage};

/// How long a stage took, and the process's memory when it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// The stage.
    pub stage: Stage,
    /// Its wall time.
    pub took: Duration,
    /// Resident memory at its end, in bytes (Linux only).
    pub rss: Option<u64>,
    /// Peak resident memory so far, in bytes (Linux only).
    pub peak: Option<u64>,
}

/// Current and peak resident set size, from `/proc/self/status` (Linux).
fn memory() -> (Option<u64>, Option<u64>) {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return (None, None);
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().strip_suffix("kB"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Records the wall time (and memory) of every stage and passes everything
/// on to another [`Progress`].
pub struct Timed<'a> {
    inner: &'a dyn Progress,
    current: Mutex<Option<(Stage, Instant)>>,
    done: Mutex<Vec<Timing>>,
}

impl<'a> Timed<'a> {
    /// Times the stages reported to `inner`.
    pub fn new(inner: &'a dyn Progress) -> Self {
        Self {
            inner,
            current: Mutex::new(None),
            done: Mutex::new(Vec::new()),
        }
    }

    /// Every finished stage, in the order they ran.
    pub fn timings(&self) -> Vec<Timing> {
        self.done.lock().map(|d| d.clone()).unwrap_or_default()
    }

    fn close(&self) {
        let open = self.current.lock().ok().and_then(|mut c| c.take());
        if let (Some((stage, since)), Ok(mut done)) = (open, self.done.lock()) {
            let took = since.elapsed();
            let (rss, peak) = memory();
            done.push(Timing {
                stage,
                took,
                rss,
                peak,
            });
        }
    }
}

impl Progress for Timed<'_> {
    fn start(&self, stage: Stage, total: Option<u64>) {
        self.close();
        if let Ok(mut c) = self.current.lock() {
            *c = Some((stage, Instant::now()));
        }
        self.inner.start(stage, total);
    }

    fn advance(&self, n: u64) {
        self.inner.advance(n);
    }

    fn finish(&self) {
        self.inner.finish();
        self.close();
    }
}

/// Progress bars on stderr (indicatif). Hidden when stderr is not a terminal.
#[derive(Debug, Default)]
pub struct Bars {
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// Bars drawn on stderr.
    pub fn new() -> Self {
        Self::default()
    }

    fn current(&self) -> Option<ProgressBar> {
        self.bar.lock().ok().and_then(|b| b.clone())
    }
}

impl Progress for Bars {
    fn start(&self, stage: Stage, total: Option<u64>) {
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
        let template = match (stage, total) {
            (Stage::Reading, Some(_)) => {
                "{prefix:>11} [{bar:30}] {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, eta {eta})"
            }
            (Stage::Reading, None) => {
                "{prefix:>11} {spinner} {binary_bytes} ({binary_bytes_per_sec}) {elapsed}"
            }
            (_, Some(_)) => {
                "{prefix:>11} [{bar:30}] {human_pos}/{human_len} {msg} ({rate}, eta {eta})"
            }
            (_, None) => "{prefix:>11} {spinner} {human_pos} {msg} ({rate}) {elapsed}",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            let style = style
                .with_key(
                    "rate",
                    |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{}/s", thousands(state.per_sec() as u64));
                    },
                )
                .progress_chars("=> ");
            bar.set_style(style);
        }
        bar.set_prefix(stage.label());
        bar.set_message(stage.unit());
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(old) = slot.replace(bar) {
                old.finish_and_clear();
            }
        }
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = self.current() {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
        }
    }
}

/// `n` with a comma between thousands: `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count in the stage's unit; bytes in KB/MB/GB.
fn amount(stage: Stage, n: u64) -> String {
    if stage == Stage::Reading {
        indicatif::BinaryBytes(n).to_string()
    } else {
        thousands(n)
    }
}

/// Progress as plain lines (`--progress plain`), for logs and batch
/// schedulers: a line when a stage has run `every` since the last one, and
/// a line when it ends, each naming the stage, what it counts, the total
/// when known, the rate and the time left.
pub struct Plain {
    out: Mutex<Box<dyn Write + Send>>,
    every: Duration,
    done: AtomicU64,
    state: Mutex<Option<PlainStage>>,
}

struct PlainStage {
    stage: Stage,
    total: Option<u64>,
    since: Instant,
    last: Instant,
}

impl Plain {
    /// Lines on stderr, at most one per `every` within a stage.
    pub fn stderr(every: Duration) -> Self {
        Self::to(Box::new(std::io::stderr()), every)
    }

    /// Lines written to `out`.
    pub fn to(out: Box<dyn Write + Send>, every: Duration) -> Self {
        Self {
            out: Mutex::new(out),
            every,
            done: AtomicU64::new(0),
            state: Mutex::new(None),
        }
    }

    fn line(&self, s: &PlainStage, done: u64, now: Instant, end: bool) {
        let took = now.duration_since(s.since).as_secs_f64();
        let rate = if took > 0.0 { done as f64 / took } else { 0.0 };
        // Bytes carry their unit already.
        let unit = match s.stage {
            Stage::Reading => String::new(),
            other => format!(" {}", other.unit()),
        };
        let mut line = format!("dupscan: {}: ", s.stage.label());
        match s.total {
            Some(total) if !end => {
                let share = if total == 0 {
                    100.0
                } else {
                    100.0 * done as f64 / total as f64
                };
                let left = if rate > 0.0 {
                    total.saturating_sub(done) as f64 / rate
                } else {
                    f64::NAN
                };
                let _ = write!(
                    line,
                    "{} / {}{unit} ({share:.0}%), {}/s, eta {}",
                    amount(s.stage, done),
                    amount(s.stage, total),
                    amount(s.stage, rate as u64),
                    if left.is_finite() {
                        format!("{left:.0}s")
                    } else {
                        "?".into()
                    }
                );
            }
            _ => {
                let _ = write!(
                    line,
                    "{}{unit}{}, {}/s",
                    amount(s.stage, done),
                    if end {
                        format!(" done in {took:.1}s")
                    } else {
                        String::new()
                    },
                    amount(s.stage, rate as u64)
                );
            }
        }
        if let Ok(mut out) = self.out.lock() {
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }
}

impl Progress for Plain {
    fn start(&self, stage: Stage, total: Option<u64>) {
        self.finish();
        let now = Instant::now();
        self.done.store(0, Ordering::Relaxed);
        if let Ok(mut state) = self.state.lock() {
            *state = Some(PlainStage {
                stage,
                total,
                since: now,
                last: now,
            });
        }
    }

    fn advance(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        // Only the thread that gets the lock considers a line; the others
        // go on.
        if let Ok(mut state) = self.state.try_lock() {
            if let Some(s) = state.as_mut() {
                let now = Instant::now();
                if now.duration_since(s.last) >= self.every {
                    s.last = now;
                    self.line(s, done, now, false);
                }
            }
        }
    }

    fn finish(&self) {
        let ended = self.state.lock().ok().and_then(|mut s| s.take());
        if let Some(s) = ended {
            self.line(&s, self.done.load(Ordering::Relaxed), Instant::now(), true);
        }
    }
}

/// Plain progress lines on stderr, for a stage run by a scheduler (no
/// terminal): one line when a stage starts and one when it ends, with its
/// wall time and the amount of work done, each prefixed with the job's name
/// (e.g. `sign 3/8`).
pub struct Lines {
    prefix: String,
    current: Mutex<Option<(Stage, Instant, u64)>>,
}

impl Lines {
    /// Lines prefixed with `prefix`.
    pub fn new(prefix: String) -> Self {
        Self {
            prefix,
            current: Mutex::new(None),
        }
    }
}

impl Progress for Lines {
    fn start(&self, stage: Stage, total: Option<u64>) {
        self.finish();
        let of = total.map_or_else(String::new, |n| format!(" ({n} to do)"));
        eprintln!("dupscan: {}: {}{of}", self.prefix, stage.label());
        if let Ok(mut c) = self.current.lock() {
            *c = Some((stage, Instant::now(), 0));
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(mut c) = self.current.lock() {
            if let Some((_, _, done)) = c.as_mut() {
                *done += n;
            }
        }
    }

    fn finish(&self) {
        let open = self.current.lock().ok().and_then(|mut c| c.take());
        if let Some((stage, since, done)) = open {
            eprintln!(
                "dupscan: {}: {} done: {done} in {:.1} s",
                self.prefix,
                stage.label(),
                since.elapsed().as_secs_f64()
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use dupscan::progress::Silent;
    use std::sync::Arc;

    /// A writer the test can read after the progress is done.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn thousands_separates_groups_of_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(252_652), "252,652");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn plain_writes_periodic_lines_with_totals_and_an_end_line_per_stage() {
        let out = Shared::default();
        // Every advance is due for a line.
        let plain = Plain::to(Box::new(out.clone()), Duration::ZERO);
        plain.start(Stage::Signing, Some(10));
        plain.advance(4);
        plain.start(Stage::Banding, None);
        plain.advance(3);
        plain.finish();
        plain.finish();
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(
            lines[0].starts_with("dupscan: signing: 4 / 10 units (40%), "),
            "{text}"
        );
        assert!(lines[0].contains(", eta "), "{text}");
        assert!(
            lines[1].starts_with("dupscan: signing: 4 units done in "),
            "{text}"
        );
        assert!(
            lines[2].starts_with("dupscan: banding: 3 bands, "),
            "{text}"
        );
        assert!(
            lines[3].starts_with("dupscan: banding: 3 bands done in "),
            "{text}"
        );
        // Rates are integers.
        assert!(!text.contains(".0/s") && !text.contains("e+"), "{text}");
    }

    #[test]
    fn plain_counts_bytes_in_binary_units() {
        let out = Shared::default();
        let plain = Plain::to(Box::new(out.clone()), Duration::from_secs(3600));
        plain.start(Stage::Reading, Some(4 << 20));
        plain.advance(2 << 20);
        plain.finish();
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(
            text.starts_with("dupscan: reading: 2.00 MiB done in "),
            "{text}"
        );
    }

    #[test]
    fn timed_records_each_stage_once_in_order() {
        let timed = Timed::new(&Silent);
        timed.start(Stage::Reading, None);
        timed.advance(3);
        timed.finish();
        timed.start(Stage::Signing, Some(2));
        // A stage started without finishing the previous one closes it.
        timed.start(Stage::Verifying, Some(1));
        timed.finish();
        timed.finish();
        let stages: Vec<Stage> = timed.timings().into_iter().map(|t| t.stage).collect();
        assert_eq!(stages, [Stage::Reading, Stage::Signing, Stage::Verifying]);
    }
}
