//! Quality on real text nobody on this project wrote, from `../shared`.
//!
//! * **Clough & Stevenson** (2011): 95 short answers to 5 tasks plus the 5
//!   Wikipedia sources. Each task's source and its `cut` and `light` answers
//!   are one labelled group; `heavy` and `non` answers are singletons. At
//!   document level the floors below are the F1 and ARI measured for dupscan
//!   0.1.0 (word 3-grams at 0.2: F1 0.707, ARI 0.698; char 5-grams at 0.3:
//!   F1 0.707, ARI 0.696) less a margin of about 0.05. Answers are much
//!   shorter than their sources, so their Jaccard similarity is low: the
//!   default document threshold (0.8) finds only near-verbatim copies.
//! * **Seed articles**: the second one repeats the Zelenskyy sentence with a
//!   space before its final period; a scan with `--scope all` must report it
//!   as one group, and nothing absurd besides.
//!
//! Every test skips with a message when `../shared` is absent (a fresh clone).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use dupscan::config::{ScanConfig, ScanParams, Scope, UnitKind};
use dupscan::eval::{self, Member, Scores, Truth};
use dupscan::pipeline::{self, Scan};
use dupscan::progress::Silent;
use dupscan::shingle::ShingleKind;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");

/// `../shared/<rel>`, or `None` (with a message) when it is absent.
fn shared(rel: &str) -> Option<PathBuf> {
    let path = Path::new(SHARED).join(rel);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipping: {} is absent", path.display());
        None
    }
}

// --- Clough & Stevenson --------------------------------------------------------

/// The labelled corpus: answer and source files with their task and category.
struct CloughStevenson {
    /// Every `.txt` file, sorted.
    files: Vec<PathBuf>,
    /// File name -> (task, category), from `file_information.csv`.
    labels: HashMap<String, (String, String)>,
}

fn clough_stevenson() -> Option<CloughStevenson> {
    let dir = shared("corpora/clough-stevenson")?;
    let csv = std::fs::read_to_string(dir.join("file_information.csv")).expect("labels");
    let labels: HashMap<String, (String, String)> = csv
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').map(str::trim).collect();
            assert_eq!(f.len(), 3, "bad label line {l:?}");
            (f[0].to_owned(), (f[1].to_owned(), f[2].to_owned()))
        })
        .collect();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 100, "95 answers and 5 sources");
    assert_eq!(labels.len(), 100, "one label per file");
    Some(CloughStevenson { files, labels })
}

impl CloughStevenson {
    /// Task and category of a document, by its id (the path given to the scan).
    fn label(&self, doc: &str) -> &(String, String) {
        let name = Path::new(doc)
            .file_name()
            .and_then(|n| n.to_str())
            .expect("file name");
        self.labels
            .get(name)
            .unwrap_or_else(|| panic!("no label for {name}"))
    }

    fn scan(&self, shingle: ShingleKind, ngram: usize, threshold: f64) -> Scan {
        let mut params = ScanParams::new(self.files.clone(), UnitKind::Document);
        params.shingle = Some(shingle);
        params.ngram = Some(ngram);
        params.threshold = Some(threshold);
        let config = ScanConfig::new(params).expect("valid parameters");
        pipeline::run(&config, &Silent).expect("scan")
    }

    /// Source + cut + light answers of each task as groups; every heavy and
    /// non answer a labelled singleton. Ids are the scan's own document ids.
    fn truth(&self, scan: &Scan) -> Truth {
        let mut groups: Vec<Vec<Member>> = Vec::new();
        let mut by_task: HashMap<&str, usize> = HashMap::new();
        for doc in &scan.corpus.docs {
            let (task, category) = self.label(&doc.id);
            if matches!(category.as_str(), "orig" | "cut" | "light") {
                let i = *by_task.entry(task.as_str()).or_insert_with(|| {
                    groups.push(Vec::new());
                    groups.len() - 1
                });
                groups[i].push(Member::doc(doc.id.clone()));
            } else {
                groups.push(vec![Member::doc(doc.id.clone())]);
            }
        }
        assert_eq!(by_task.len(), 5, "five tasks");
        Truth::from_groups(groups).expect("valid truth")
    }

    fn score(&self, scan: &Scan) -> Scores {
        let predicted: Vec<Vec<Member>> = scan
            .groups
            .iter()
            .map(|g| {
                g.members
                    .iter()
                    .map(|m| Member::doc(self.doc_id(scan, m.unit)))
                    .collect()
            })
            .collect();
        eval::score(&self.truth(scan), &predicted).expect("scores")
    }

    fn doc_id(&self, scan: &Scan, unit: u32) -> String {
        let doc = scan.units.doc(unit);
        scan.corpus.docs[doc as usize].id.clone()
    }

    /// The tasks of each reported group.
    fn group_tasks(&self, scan: &Scan) -> Vec<BTreeSet<String>> {
        scan.groups
            .iter()
            .map(|g| {
                g.members
                    .iter()
                    .map(|m| self.label(&self.doc_id(scan, m.unit)).0.clone())
                    .collect()
            })
            .collect()
    }
}

#[test]
fn clough_stevenson_word_trigrams_group_each_source_with_its_copied_answers() {
    let Some(cs) = clough_stevenson() else {
        return;
    };
    let scan = cs.scan(ShingleKind::Word, 3, 0.2);
    assert_eq!(scan.stats.documents, 100);
    let scores = cs.score(&scan);
    assert_eq!(scores.true_pairs, 167, "{scores}");
    assert!(scores.f1 >= 0.65, "{scores}");
    assert!(scores.ari >= 0.64, "{scores}");
    assert!(scores.pair_precision >= 0.70, "{scores}");
    assert!(scores.pair_recall >= 0.60, "{scores}");
    // Each group is one task's answers around that task's source.
    for (g, tasks) in scan.groups.iter().zip(cs.group_tasks(&scan)) {
        assert_eq!(tasks.len(), 1, "a group mixes tasks {tasks:?}");
        let has_source = g
            .members
            .iter()
            .any(|m| cs.label(&cs.doc_id(&scan, m.unit)).1 == "orig");
        assert!(has_source, "a group of task {tasks:?} without its source");
    }
}

#[test]
fn clough_stevenson_char_fivegrams_reach_the_same_floor() {
    let Some(cs) = clough_stevenson() else {
        return;
    };
    let scan = cs.scan(ShingleKind::Char, 5, 0.3);
    let scores = cs.score(&scan);
    assert!(scores.f1 >= 0.65, "{scores}");
    assert!(scores.ari >= 0.64, "{scores}");
    for tasks in cs.group_tasks(&scan) {
        assert_eq!(tasks.len(), 1, "a group mixes tasks {tasks:?}");
    }
}

#[test]
fn clough_stevenson_default_threshold_finds_only_near_verbatim_copies() {
    let Some(cs) = clough_stevenson() else {
        return;
    };
    let params = ScanParams::new(cs.files.clone(), UnitKind::Document);
    let config = ScanConfig::new(params).expect("defaults are valid");
    let scan = pipeline::run(&config, &Silent).expect("scan");
    // Every group found at 0.8 is a source with answers of its own task, each
    // member at least 0.8 similar to its representative.
    assert!(!scan.groups.is_empty());
    for (g, tasks) in scan.groups.iter().zip(cs.group_tasks(&scan)) {
        assert_eq!(tasks.len(), 1, "a group mixes tasks {tasks:?}");
        assert!(g.members.iter().all(|m| m.similarity >= 0.8));
    }
}

// --- Seed articles ---------------------------------------------------------------

const ZELENSKYY: &str = "Volodymyr Zelenskyy, Ukrainian President, denounced the attack, \
                         calling it a ‘mockery of our people and cities’";

fn seeds_scan(scope: Scope) -> Option<Scan> {
    let dir = shared("seeds")?;
    let mut params = ScanParams::new(vec![dir], UnitKind::Sentence);
    params.scope = scope;
    let config = ScanConfig::new(params).expect("defaults are valid");
    Some(pipeline::run(&config, &Silent).expect("scan"))
}

#[test]
fn seeds_report_the_repeated_zelenskyy_sentence_as_one_group() {
    let Some(scan) = seeds_scan(Scope::All) else {
        return;
    };
    assert_eq!(scan.stats.documents, 2);
    let zelenskyy: Vec<_> = scan
        .groups
        .iter()
        .filter(|g| {
            g.members
                .iter()
                .any(|m| scan.text(m.unit).contains("denounced the attack"))
        })
        .collect();
    assert_eq!(zelenskyy.len(), 1, "{:#?}", scan.groups);
    let g = zelenskyy[0];
    let texts: Vec<&str> = g.members.iter().map(|m| scan.text(m.unit)).collect();
    assert_eq!(
        texts,
        [format!("{ZELENSKYY}."), format!("{ZELENSKYY} .")],
        "the two sentences, spans exactly on them"
    );
    assert_eq!(g.documents, 1);
    assert_eq!(g.min_similarity, 1.0, "equal after normalization");
    let doc = scan.units.doc(g.members[0].unit) as usize;
    assert!(scan.corpus.docs[doc].id.contains("004_8f599fd48d1cd94c"));
}

#[test]
fn seeds_report_nothing_absurd() {
    let Some(all) = seeds_scan(Scope::All) else {
        return;
    };
    // Besides the Zelenskyy repeat, only the lede repeated as the first
    // sentence ("... if a ceasefire deal is not reached soon[, amid ...]").
    assert_eq!(all.groups.len(), 2, "{:#?}", all.groups);
    for g in &all.groups {
        assert_eq!(g.members.len(), 2);
        assert!(g.min_similarity >= 0.7, "{g:#?}");
        for m in &g.members {
            let text = all.text(m.unit);
            assert!(text.split_whitespace().count() >= 6, "{text:?}");
            assert!(!text.contains('\n'), "{text:?}");
        }
    }
    let lede = all
        .groups
        .iter()
        .find(|g| {
            all.text(g.members[0].unit)
                .starts_with("The United States has warned")
        })
        .expect("the lede group");
    assert!(
        all.text(lede.members[1].unit)
            .ends_with("if a ceasefire deal is not reached soon.")
    );
    // The two articles share a topic, not sentences.
    let Some(cross) = seeds_scan(Scope::CrossDoc) else {
        return;
    };
    assert!(cross.groups.is_empty(), "{:#?}", cross.groups);
}
