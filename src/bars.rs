//! The binary's progress: indicatif bars, and per-stage timings with the
//! process's memory (`--timings`). This is the only module that knows
//! indicatif; the library only calls the [`Progress`] trait.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

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
        let bar = match total {
            Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
        };
        let template = match (stage, total) {
            (Stage::Reading, _) => {
                "{prefix:>9} {spinner} {binary_bytes} ({binary_bytes_per_sec}) {elapsed}"
            }
            (_, Some(_)) => "{prefix:>9} [{bar:30}] {human_pos}/{human_len} ({per_sec}, eta {eta})",
            (_, None) => "{prefix:>9} {spinner} {human_pos} {elapsed}",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(stage.label());
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
mod tests {
    use super::*;
    use dupscan::progress::Silent;

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
