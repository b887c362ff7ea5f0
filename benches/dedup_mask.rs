//! `dedup_mask`: the Python binding's `dedup_mask` without Python, stage by
//! stage.
//!
//! ```text
//! cargo run --release --example dedup_mask -- TEXTS [ROUNDS]
//! ```
//!
//! `TEXTS` holds one document per line. Each round scans them in memory as
//! `dupscan.dedup_mask(texts, unit="document", threshold=0.8, num_perm=128,
//! shingle="word", ngram=1, min_tokens=1)` does (the parameters of
//! `benches/python_dedup_mask.py`), decides the mask, and prints the seconds
//! of each stage and of the whole call, so that the binding's overhead
//! (the rest of the Python call) and the stages' costs can be told apart;
//! the last line is the number of documents kept. Under `valgrind --tool=callgrind`
//! with `RAYON_NUM_THREADS=1` the instruction counts are repeatable.

use std::sync::Mutex;
use std::time::Instant;

use dupscan::config::{Grouping, Options, Scope, UnitKind};
use dupscan::dedup::{self, Keep};
use dupscan::progress::{Progress, Stage};
use dupscan::scanner::Scanner;
use dupscan::shingle::ShingleKind;

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

/// Records when each stage starts and ends.
struct Clock {
    started: Instant,
    marks: Mutex<Vec<(Stage, f64, f64)>>,
}

impl Progress for Clock {
    fn start(&self, stage: Stage, _: Option<u64>) {
        let now = self.started.elapsed().as_secs_f64();
        if let Ok(mut m) = self.marks.lock() {
            m.push((stage, now, now));
        }
    }
    fn advance(&self, _: u64) {}
    fn finish(&self) {
        let now = self.started.elapsed().as_secs_f64();
        if let Some(last) = self.marks.lock().ok().as_mut().and_then(|m| m.last_mut()) {
            last.2 = now;
        }
    }
}

fn main() -> Fallible<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        return Err("usage: dedup_mask TEXTS [ROUNDS]".into());
    };
    let rounds: usize = args.get(1).map_or(Ok(1), |r| r.parse())?;
    let text = std::fs::read_to_string(path)?;
    let texts: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut options = Options::new(UnitKind::Document);
    options.threshold = Some(0.8);
    options.num_perm = 128;
    options.shingle = Some(ShingleKind::Word);
    options.ngram = Some(1);
    options.min_tokens = Some(1);
    options.scope = Scope::All;
    options.grouping = Grouping::Components;
    let scanner = Scanner::new(options)?;
    for _ in 0..rounds {
        let clock = Clock {
            started: Instant::now(),
            marks: Mutex::new(Vec::new()),
        };
        let docs: Vec<(String, String)> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| (i.to_string(), t.clone()))
            .collect();
        let copied = clock.started.elapsed().as_secs_f64();
        let scan = scanner.scan_with(docs, &clock);
        let scanned = clock.started.elapsed().as_secs_f64();
        let plan = dedup::plan(&scan, Keep::First);
        let kept = plan.docs.iter().filter(|d| !d.dropped).count();
        let planned = clock.started.elapsed().as_secs_f64();
        let stats = scan.stats;
        drop(scan);
        let total = clock.started.elapsed().as_secs_f64();
        let mut line = format!("copy {copied:.3}");
        for (stage, start, end) in clock.marks.lock().map_err(|_| "poisoned")?.iter() {
            line.push_str(&format!(" {} {:.3}", stage.label(), end - start));
        }
        println!(
            "{line} scan {:.3} plan {:.3} drop {:.3} total {total:.3} kept {kept}",
            scanned - copied,
            planned - scanned,
            total - planned
        );
        let s = &stats;
        println!(
            "units {} exact repeats {} candidate pairs {} verified {} groups {}",
            s.units, s.exact_duplicate_units, s.candidate_pairs, s.verified_pairs, s.groups
        );
    }
    Ok(())
}
