//! Progress reporting: a small trait the pipeline calls, and the indicatif
//! implementation the binary uses. This is the only module that knows indicatif.

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A pipeline stage that reports progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading and decompressing inputs (counted in bytes).
    Reading,
    /// Normalizing, shingling and signing units.
    Signing,
    /// Verifying candidate pairs.
    Verifying,
}

impl Stage {
    fn label(self) -> &'static str {
        match self {
            Stage::Reading => "reading",
            Stage::Signing => "signing",
            Stage::Verifying => "verifying",
        }
    }
}

/// Receives progress from the pipeline. Implementations must be cheap: they are
/// called once per batch from many threads.
pub trait Progress: Sync {
    /// A stage begins; `total` is its amount of work when known.
    fn start(&self, stage: Stage, total: Option<u64>);
    /// `n` more units of work are done in the current stage.
    fn advance(&self, n: u64);
    /// The current stage is over.
    fn finish(&self);
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: Stage, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
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
