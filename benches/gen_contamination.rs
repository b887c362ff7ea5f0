//! `gen_contamination`: a contamination benchmark built from newswire: a
//! corpus of stories, a reference of benchmark-like items, some of them
//! pasted into the stories with light edits, and the truth of where.
//!
//! ```text
//! cargo run --release --example gen_contamination -- \
//!     --source ../shared/corpora/reuters21578.jsonl.gz \
//!     --out-corpus /tmp/contam.jsonl --out-reference /tmp/contam-ref.jsonl \
//!     --out-truth /tmp/contam-truth.jsonl [--items 500] [--pasted-share 0.5] [--seed 42]
//! dupscan scan -q --format json -o /tmp/contam-report.json \
//!     --reference /tmp/contam-ref.jsonl /tmp/contam.jsonl
//! python3 benches/score_contamination.py /tmp/contam-report.json /tmp/contam-truth.jsonl
//! ```
//!
//! **Stories.** The source's documents (Reuters-21578: a title line, then
//! prose hard-wrapped at about 70 columns, paragraphs opening with an
//! indented line, a `Reuter` sign-off) are split: every `--holdout-every`-th
//! is held out to make items, the rest form the corpus. Each corpus story
//! gets a dateline (`NEW YORK, March 3 - `) at the start of its body, so
//! datelines, like the sign-off, are boilerplate shared by thousands of
//! stories.
//!
//! **Items.** Sentences of the held-out stories with 8 to 30 words, mutually
//! distinct ([`synth::distinct_pool`], char 5-gram Jaccard at most 0.3) and
//! *absent* from the corpus (no run of six normalised words shared with any
//! corpus story), become quiz-style items of 10 to 40 words ("True or false:
//! …?", "… Is this statement accurate?"). About a third of the items carry
//! news boilerplate around the question in the reference (a dateline before
//! it, a `Reuter` sign-off after it), so that an overlap of boilerplate
//! alone, which many stories share, would be a false match.
//!
//! **Pasting.** A share `--pasted-share` of the items is pasted, without
//! its boilerplate, into one story each, after one or two words are
//! substituted; about 30% are then lower-cased as a whole, and about 30%
//! lose their final punctuation to a credit ([`synth::CREDIT_TAGS`], `… - AP`)
//! glued to the text that follows. Half are pasted *between lines*: on a
//! line of their own between two lines of a hard-wrapped paragraph, in the
//! middle of a sentence. The other half are pasted *after a sentence* of a
//! paragraph that is then re-wrapped at 70 columns, so the item's own words
//! break across lines. About 30% of the pastes sit next to boilerplate: after
//! the dateline line, or after the story's first sentence, which opens with
//! the dateline. The other items are clean: absent from the corpus.
//!
//! **Output.** `--out-corpus` and `--out-reference`: JSON Lines
//! `{"id","text"}`. `--out-truth`: one line per item, `{"item","pasted",
//! "doc","start","end","placement","near_boilerplate","lower","credit",
//! "edits","boilerplate_in_item"}`; for a pasted item `doc` is the host
//! story and `start`/`end` the UTF-8 byte span of the pasted item in its text
//! (the credit left out); for a clean one they are `null`. Everything is
//! deterministic from `--seed`.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Parser;
use dupscan::config::UnitKind;
use dupscan::corpus::{ReadOptions, read_inputs};
use dupscan::minhash::SplitMix64;
use dupscan::normalize::Normalizer;
use dupscan::segment::{Span, segment};
use dupscan_synth::{self as synth, CREDIT_TAGS, Edit, Slot, Vocabulary, WRAP_COLUMNS};
use rayon::prelude::*;
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64;

/// Builds a contamination benchmark: corpus, reference items, truth.
#[derive(Debug, Parser)]
#[command(name = "gen_contamination")]
struct Args {
    /// Newswire to draw stories and items from (text, JSONL, .gz, .zst).
    #[arg(long = "source", required = true)]
    sources: Vec<PathBuf>,
    /// Where to write the corpus (JSON Lines).
    #[arg(long)]
    out_corpus: PathBuf,
    /// Where to write the reference items (JSON Lines).
    #[arg(long)]
    out_reference: PathBuf,
    /// Where to write the truth (one line per item).
    #[arg(long)]
    out_truth: PathBuf,
    /// Number of reference items.
    #[arg(long, default_value_t = 500)]
    items: usize,
    /// Share of the items pasted into the corpus.
    #[arg(long, default_value_t = 0.5)]
    pasted_share: f64,
    /// Every N-th source document is held out to make items.
    #[arg(long, default_value_t = 10)]
    holdout_every: usize,
    /// Seed for every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// Words of an item sentence, inclusive.
const SENTENCE_WORDS: (usize, usize) = (8, 30);
/// Words of a whole item, inclusive.
const ITEM_WORDS: (usize, usize) = (10, 40);
/// Length of the word runs that must not be shared with the corpus.
const ABSENT_RUN: usize = 6;
/// Chances of each kind of damage.
const LOWER_CHANCE: f64 = 0.3;
const CREDIT_CHANCE: f64 = 0.3;
const NEAR_BOILERPLATE_CHANCE: f64 = 0.3;
const BOILERPLATE_ITEM_CHANCE: f64 = 0.33;

const CITIES: &[&str] = &[
    "NEW YORK",
    "LONDON",
    "WASHINGTON",
    "TOKYO",
    "CHICAGO",
    "PARIS",
    "FRANKFURT",
    "SYDNEY",
    "OTTAWA",
    "HONG KONG",
    "ZURICH",
    "SINGAPORE",
];
const MONTHS: &[&str] = &[
    "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct",
];

/// Quiz frames around an item sentence: text before, and text after the
/// sentence without its final punctuation. A trailing question is kept under
/// six words: as a sentence of its own it would be one unit shared by every
/// item of its frame, and a scan at sentence level would match clean items
/// to pasted ones through it (a first version's "What is the main point of
/// this statement?" flagged 22% of the clean items).
const FRAMES: &[(&str, &str)] = &[
    ("True or false: ", "?"),
    ("", ". Is this statement accurate?"),
    ("Read the statement and say whether it is supported: ", "."),
    ("Fact check: ", ". True, false or unknown?"),
    ("Question: ", ". What does this imply?"),
];

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_contamination: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// A seeded stream of random choices.
struct Rng(SplitMix64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.0.next()) * n as u128) >> 64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.0.next() >> 11) as f64) < p * (1u64 << 53) as f64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// One line of the truth file.
#[derive(Serialize)]
struct TruthLine {
    item: String,
    pasted: bool,
    doc: Option<String>,
    start: Option<usize>,
    end: Option<usize>,
    placement: Option<&'static str>,
    near_boilerplate: bool,
    lower: bool,
    credit: Option<&'static str>,
    edits: Vec<String>,
    boilerplate_in_item: bool,
}

#[derive(Serialize)]
struct Doc<'a> {
    id: &'a str,
    text: &'a str,
}

fn run(args: &Args) -> Result<()> {
    if args.holdout_every < 2 {
        bail!("--holdout-every must be at least 2");
    }
    if !(0.0..=1.0).contains(&args.pasted_share) {
        bail!("--pasted-share must be in [0, 1]");
    }
    let mut rng = Rng(SplitMix64::new(args.seed));
    let corpus = read_inputs(&args.sources, &ReadOptions::default(), &|_| {})?;
    let mut held = Vec::new();
    let mut stories: Vec<(String, String)> = Vec::new();
    for (i, doc) in corpus.docs.into_iter().enumerate() {
        if i % args.holdout_every == 0 {
            held.push(doc.text);
        } else {
            stories.push((doc.id, doc.text));
        }
    }
    for (_, text) in &mut stories {
        *text = with_dateline(text, &dateline(&mut rng));
    }

    // Word runs of the corpus, to keep items absent from it.
    let normalizer = Normalizer::default();
    let runs: HashSet<u64> = stories
        .par_iter()
        .flat_map_iter(|(_, text)| word_runs(&normalizer, text))
        .collect();

    let sentences: Vec<String> = held
        .par_iter()
        .flat_map_iter(|text| {
            let mut spans: Vec<Span> = Vec::new();
            segment(text, UnitKind::Sentence, &mut spans);
            spans
                .iter()
                .map(|s| collapse(s.text(text)))
                .filter(|s| is_item_sentence(s))
                .collect::<Vec<_>>()
        })
        .collect();
    let found = sentences.len();
    let distinct = synth::distinct_pool(sentences, SENTENCE_WORDS.0, 0.3, args.seed);
    let mut candidates: Vec<String> = distinct
        .into_iter()
        .filter(|s| word_runs(&normalizer, s).all(|r| !runs.contains(&r)))
        .collect();
    eprintln!(
        "gen_contamination: {} corpus stories, {} held out; {found} item sentences, {} distinct \
         and absent from the corpus",
        stories.len(),
        held.len(),
        candidates.len()
    );
    if candidates.len() < args.items {
        bail!(
            "only {} item sentences qualify for {} items",
            candidates.len(),
            args.items
        );
    }
    let vocab = Vocabulary::from_sentences(&candidates);
    rng.shuffle(&mut candidates);
    candidates.truncate(args.items);

    // Items: (id, reference text, question, boilerplate?).
    let mut items = Vec::with_capacity(args.items);
    for (i, sentence) in candidates.iter().enumerate() {
        let (before, after) = *rng.pick(FRAMES);
        let body = sentence.trim_end_matches(['.', '!', '?']);
        let question = format!("{before}{body}{after}");
        let words = question.split(' ').count();
        debug_assert!((ITEM_WORDS.0..=ITEM_WORDS.1).contains(&words), "{question}");
        let boilerplate = rng.chance(BOILERPLATE_ITEM_CHANCE);
        let text = if boilerplate {
            let signoff = if rng.chance(0.5) { " Reuter" } else { "" };
            format!("{}{question}{signoff}", dateline(&mut rng))
        } else {
            question.clone()
        };
        items.push((format!("item-{i:04}"), text, question, boilerplate));
    }

    // Hosts: prose stories, one per pasted item.
    let mut hosts: Vec<usize> = (0..stories.len())
        .filter(|&i| is_prose_story(&stories[i].1))
        .collect();
    rng.shuffle(&mut hosts);
    let pasted = ((args.items as f64) * args.pasted_share).round() as usize;
    let mut order: Vec<usize> = (0..items.len()).collect();
    rng.shuffle(&mut order);
    let mut truth: Vec<Option<TruthLine>> = (0..items.len()).map(|_| None).collect();
    let mut tally = [0usize; 2];
    let mut hosts = hosts.into_iter();
    for &i in &order[..pasted] {
        let (id, _, question, boilerplate) = &items[i];
        let seed = args.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut copy =
            synth::edit_copy(question, &[Edit::Substitute], Slot::default(), &vocab, seed);
        if rng.chance(0.5) {
            let again = synth::edit_copy(
                &copy.text,
                &[Edit::Substitute],
                Slot::default(),
                &vocab,
                seed.wrapping_add(1),
            );
            copy.text = again.text;
            copy.edits.extend(again.edits);
        }
        let lower = rng.chance(LOWER_CHANCE);
        let mut text = if lower {
            copy.text.to_lowercase()
        } else {
            copy.text
        };
        let credit = rng.chance(CREDIT_CHANCE).then(|| *rng.pick(CREDIT_TAGS));
        let mut core = text.len();
        if let Some(tag) = credit {
            core = text.trim_end_matches(['.', '!', '?']).len();
            text.truncate(core);
            text.push_str(tag);
        }
        let between = rng.chance(0.5);
        let near = rng.chance(NEAR_BOILERPLATE_CHANCE);
        // The next host with a place for this placement.
        let (host, span) = loop {
            let Some(host) = hosts.next() else {
                bail!("too few prose stories for {pasted} pasted items");
            };
            let story = &stories[host].1;
            let done = if between {
                paste_between_lines(story, &text, core, near, &mut rng)
            } else {
                paste_after_sentence(story, &text, core, near, &mut rng)
            };
            if let Some((new_text, span)) = done {
                debug_assert_eq!(&new_text[span.clone()], &text[..core]);
                stories[host].1 = new_text;
                break (host, span);
            }
        };
        tally[usize::from(between)] += 1;
        truth[i] = Some(TruthLine {
            item: id.clone(),
            pasted: true,
            doc: Some(stories[host].0.clone()),
            start: Some(span.start),
            end: Some(span.end),
            placement: Some(if between {
                "between-lines"
            } else {
                "after-sentence"
            }),
            near_boilerplate: near,
            lower,
            credit: credit.map(str::trim),
            edits: copy.edits,
            boilerplate_in_item: *boilerplate,
        });
    }

    let mut out = BufWriter::new(create(&args.out_corpus)?);
    for (id, text) in &stories {
        serde_json::to_writer(&mut out, &Doc { id, text })?;
        out.write_all(b"\n")?;
    }
    out.flush().context("writing the corpus")?;
    let mut out = BufWriter::new(create(&args.out_reference)?);
    for (id, text, _, _) in &items {
        serde_json::to_writer(&mut out, &Doc { id, text })?;
        out.write_all(b"\n")?;
    }
    out.flush().context("writing the reference")?;
    let mut out = BufWriter::new(create(&args.out_truth)?);
    for (line, (id, _, _, boilerplate)) in truth.into_iter().zip(&items) {
        let line = line.unwrap_or_else(|| TruthLine {
            item: id.clone(),
            pasted: false,
            doc: None,
            start: None,
            end: None,
            placement: None,
            near_boilerplate: false,
            lower: false,
            credit: None,
            edits: Vec::new(),
            boilerplate_in_item: *boilerplate,
        });
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush().context("writing the truth")?;
    eprintln!(
        "gen_contamination: wrote {} stories, {} items ({pasted} pasted: {} between lines, {} \
         after a sentence; {} clean)",
        stories.len(),
        items.len(),
        tally[1],
        tally[0],
        items.len() - pasted
    );
    Ok(())
}

fn create(path: &Path) -> Result<File> {
    File::create(path).with_context(|| format!("creating {}", path.display()))
}

fn dateline(rng: &mut Rng) -> String {
    format!(
        "{}, {} {} - ",
        rng.pick(CITIES),
        rng.pick(MONTHS),
        1 + rng.below(28)
    )
}

/// `text` with `dateline` at the start of its body (the line after the
/// title), or at the start when it has one line.
fn with_dateline(text: &str, dateline: &str) -> String {
    let at = text.find('\n').map_or(0, |i| i + 1);
    format!("{}{dateline}{}", &text[..at], &text[at..])
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A sentence of 8 to 30 words, mostly words of letters, ending in a period.
fn is_item_sentence(s: &str) -> bool {
    let words: Vec<&str> = s.split(' ').collect();
    let wordy = words
        .iter()
        .filter(|w| w.len() >= 3 && w.chars().all(char::is_alphabetic))
        .count();
    (SENTENCE_WORDS.0..=SENTENCE_WORDS.1).contains(&words.len())
        && wordy * 2 >= words.len()
        && s.ends_with('.')
        && s.starts_with(|c: char| c.is_ascii_uppercase())
        && !s.contains(['<', '>'])
}

/// Hashes of the runs of [`ABSENT_RUN`] normalised words of `text`.
fn word_runs(normalizer: &Normalizer, text: &str) -> impl Iterator<Item = u64> {
    let norm = normalizer.normalize(text);
    let words: Vec<String> = norm.split_whitespace().map(str::to_owned).collect();
    let n = words.len().saturating_sub(ABSENT_RUN - 1);
    (0..n).map(move |i| xxh3_64(words[i..i + ABSENT_RUN].join(" ").as_bytes()))
}

/// A story with at least three sentences of ten words or more after its
/// title, and more than one line of body.
fn is_prose_story(text: &str) -> bool {
    let mut spans: Vec<Span> = Vec::new();
    segment(text, UnitKind::Sentence, &mut spans);
    let long = spans
        .iter()
        .skip(1)
        .filter(|s| s.text(text).split_whitespace().count() >= 10)
        .count();
    long >= 3 && text.lines().count() >= 5
}

/// Byte ranges of the lines of `text` (without their `\n`).
fn lines(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            out.push(start..i);
            start = i + 1;
        }
    }
    out.push(start..text.len());
    out
}

/// Pastes `item` on a line of its own between two lines of one paragraph
/// (the second continuing the first, not indented); near boilerplate, right
/// after the dateline's line. Returns the new text and the span of the
/// item's first `core` bytes.
fn paste_between_lines(
    text: &str,
    item: &str,
    core: usize,
    near: bool,
    rng: &mut Rng,
) -> Option<(String, Range<usize>)> {
    let lines = lines(text);
    let breaks: Vec<usize> = (1..lines.len().saturating_sub(1))
        .filter(|&i| {
            let (this, next) = (&text[lines[i].clone()], &text[lines[i + 1].clone()]);
            !this.trim().is_empty()
                && next.starts_with(|c: char| !c.is_whitespace())
                && !next.trim().eq_ignore_ascii_case("reuter")
        })
        .map(|i| lines[i].end)
        .collect();
    if breaks.is_empty() {
        return None;
    }
    let at = if near && breaks[0] == lines[1].end {
        breaks[0]
    } else {
        *rng.pick(&breaks)
    } + 1;
    let new = format!("{}{item}\n{}", &text[..at], &text[at..]);
    Some((new, at..at + core))
}

/// Pastes `item` after a sentence that more text of its paragraph follows
/// (near boilerplate: the first sentence of the body, which opens with the
/// dateline), then re-wraps that paragraph at [`WRAP_COLUMNS`].
fn paste_after_sentence(
    text: &str,
    item: &str,
    core: usize,
    near: bool,
    rng: &mut Rng,
) -> Option<(String, Range<usize>)> {
    let body = text.find('\n').map_or(0, |i| i + 1);
    let mut spans: Vec<Span> = Vec::new();
    segment(text, UnitKind::Sentence, &mut spans);
    let ends: Vec<usize> = spans
        .iter()
        .filter(|s| s.start as usize >= body && s.text(text).ends_with('.'))
        .map(|s| s.end as usize)
        .filter(|&e| {
            let rest = &text[e..];
            (rest.starts_with(' ') || rest.starts_with('\n'))
                && rest[1..].starts_with(|c: char| !c.is_whitespace())
        })
        .collect();
    if ends.is_empty() {
        return None;
    }
    let first_sentence = spans.iter().find(|s| s.start as usize >= body)?;
    let e = if near && ends[0] == first_sentence.end as usize {
        ends[0]
    } else {
        *rng.pick(&ends)
    };
    let mut new = format!("{} {item}{}", &text[..e], &text[e..]);
    let item_end = e + 1 + item.len();
    // The paragraph: from after the last indented line break before the
    // item (or the body's start) to the next one, or a blank line.
    let start = [new[..e].rfind("\n "), new[..e].rfind("\n\n")]
        .into_iter()
        .flatten()
        .max()
        .map_or(body, |i| i + 1)
        .max(body);
    let end = [new[item_end..].find("\n "), new[item_end..].find("\n\n")]
        .into_iter()
        .flatten()
        .min()
        .map_or(new.len(), |i| item_end + i);
    let unwrapped = new[start..end].replace('\n', " ");
    new.replace_range(start..end, &synth::hard_wrap(&unwrapped, WRAP_COLUMNS));
    Some((new, e + 1..e + 1 + core))
}
