//! Staged runs (`dupscan plan|sign|bucket|verify|cluster|filter`): the same
//! report as `scan` for any shard count, order and concurrency; requeue
//! safety; refusals naming the file.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use common::{data, dupscan};

/// The chain fixture: sentence A in d0, B (A with 4 words changed) in d2,
/// C (B with 4 other words changed) in d4; A~B and B~C pass 0.7, A~C does
/// not. With 3 shards d0, d2 and d4 sit in three different shards. d0 and
/// d5 also share one sentence exactly.
fn chain() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/staged-chain.jsonl")
}

const STEPS: [&str; 3] = ["sign", "bucket", "verify"];

/// The report with the value of `"seconds"` (the only field that varies
/// between identical runs) replaced by 0.
fn without_seconds(report: &[u8]) -> String {
    let text = String::from_utf8(report.to_vec()).expect("utf-8 report");
    let at = text.find("\"seconds\":").expect("a seconds field") + "\"seconds\":".len();
    let end = at + text[at..].find([',', '}', '\n']).expect("end of the value");
    format!("{} 0{}", &text[..at], &text[end..])
}

fn scan_report(dir: &Path, inputs: &[PathBuf], opts: &[&str]) -> String {
    let out = dir.join("scan.json");
    dupscan()
        .arg("scan")
        .args(opts)
        .args(inputs)
        .arg("-o")
        .arg(&out)
        .arg("-q")
        .assert()
        .success();
    without_seconds(&fs::read(out).expect("report"))
}

fn plan(work: &Path, shards: u32, inputs: &[PathBuf], opts: &[&str]) {
    dupscan()
        .args(["plan", "--work"])
        .arg(work)
        .args(["--shards", &shards.to_string(), "-q"])
        .args(opts)
        .args(inputs)
        .assert()
        .success();
}

fn step(step: &str, work: &Path, shard: u32, shards: u32) -> assert_cmd::assert::Assert {
    dupscan()
        .arg(step)
        .arg("--work")
        .arg(work)
        .args(["--shard", &format!("{shard}/{shards}"), "-q"])
        .assert()
}

fn cluster(work: &Path, out: &Path) -> String {
    dupscan()
        .args(["cluster", "-q", "--work"])
        .arg(work)
        .arg("-o")
        .arg(out)
        .assert()
        .success();
    without_seconds(&fs::read(out).expect("report"))
}

/// Runs every sharded step, the shards of each in `order`.
fn run_steps(work: &Path, shards: u32, order: &[u32]) {
    for s in STEPS {
        for &i in order {
            step(s, work, i, shards).success();
        }
    }
}

/// A fixed shuffle of `0..n` (no randomness: the test must not flake).
fn shuffled(n: u32) -> Vec<u32> {
    let mut v: Vec<u32> = (0..n).collect();
    v.reverse();
    if n > 2 {
        v.swap(0, (n / 2) as usize);
    }
    v
}

#[test]
fn the_chain_crosses_three_shards_and_every_shard_count_gives_scans_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    for opts in [&["--groups", "components"][..], &[][..]] {
        for (n, inputs) in [vec![chain()], vec![data("corpus")]].iter().enumerate() {
            let expected = scan_report(dir.path(), inputs, opts);
            for shards in [1, 2, 5, 3] {
                let work = dir.path().join(format!("w{shards}-{}-{n}", opts.len()));
                let _ = fs::remove_dir_all(&work);
                plan(&work, shards, inputs, opts);
                run_steps(&work, shards, &shuffled(shards));
                let got = cluster(&work, &dir.path().join("staged.json"));
                assert_eq!(
                    got, expected,
                    "{shards} shards, options {opts:?}, {inputs:?}"
                );
            }
        }
    }
    // The chain: one group of d0, d2, d4 although A and C are not similar
    // enough, and those three documents are in three shards.
    let report: serde_json::Value = serde_json::from_str(&scan_report(
        dir.path(),
        &[chain()],
        &["--groups", "components"],
    ))
    .expect("json");
    let chain_group = report["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["size"] == 3)
        .expect("the chain's group");
    let docs: Vec<&str> = chain_group["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["doc"].as_str().expect("doc"))
        .collect();
    assert_eq!(docs, ["d0", "d2", "d4"]);
    assert!(chain_group["min_similarity"].as_f64().expect("similarity") < 0.7);
    let work = dir.path().join("w3-2-0");
    let planned: serde_json::Value =
        serde_json::from_slice(&fs::read(work.join("plan.json")).expect("plan")).expect("json");
    let firsts: Vec<u64> = planned["shard_docs"]
        .as_array()
        .expect("shard_docs")
        .iter()
        .map(|s| s["first"].as_u64().expect("first"))
        .collect();
    assert_eq!(firsts, [0, 2, 4], "d0, d2 and d4 start the three shards");
}

#[test]
fn three_concurrent_processes_give_the_same_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = vec![chain(), data("corpus")];
    let expected = scan_report(dir.path(), &inputs, &[]);
    let work = dir.path().join("w");
    let shards = 5;
    plan(&work, shards, &inputs, &[]);
    let bin = assert_cmd::cargo::cargo_bin("dupscan");
    for s in STEPS {
        // Three workers, each running every shard in its own order, so that
        // some shards run twice at once.
        let children: Vec<_> = (0..3u32)
            .map(|w| {
                let script: Vec<String> = (0..shards)
                    .map(|k| (k + w * 2) % shards)
                    .map(|i| {
                        format!(
                            "{} {s} -q --work {} --shard {i}/{shards} || exit 1",
                            bin.display(),
                            work.display()
                        )
                    })
                    .collect();
                Process::new("sh")
                    .arg("-c")
                    .arg(script.join("\n"))
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        for mut c in children {
            assert!(c.wait().expect("wait").success(), "a {s} worker failed");
        }
    }
    assert_eq!(cluster(&work, &dir.path().join("r.json")), expected);
}

/// Every stage file of `dir` with a hash of its bytes (lock files aside).
fn files(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    for stage in ["sign", "bucket", "verify"] {
        let Ok(entries) = fs::read_dir(dir.join(stage)) else {
            continue;
        };
        for e in entries.flatten() {
            if e.path().extension().is_some_and(|x| x == "lock") {
                continue;
            }
            let bytes = fs::read(e.path()).expect("read");
            out.push((e.path(), xxhash_rust::xxh3::xxh3_64(&bytes)));
        }
    }
    out.sort();
    out
}

#[test]
fn a_killed_shard_is_redone_and_a_finished_one_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = vec![chain()];
    let expected = scan_report(dir.path(), &inputs, &[]);
    let work = dir.path().join("w");
    plan(&work, 3, &inputs, &[]);
    for i in 0..3 {
        step("sign", &work, i, 3).success();
    }
    // Shard 1 "killed" while writing: a temporary file, a half-written
    // output, no marker.
    fs::remove_file(work.join("sign/sign-1.done")).expect("remove marker");
    let temp = work.join("sign/.keys-1-2-0.bin.abc123.tmp");
    fs::write(&temp, b"half").expect("temp");
    fs::write(work.join("sign/keys-1-2-0.bin"), b"half a file").expect("half");
    // Bucket refuses to start, naming the missing marker.
    step("bucket", &work, 0, 3)
        .code(2)
        .stderr(predicates::str::contains("sign-1.done"))
        .stderr(predicates::str::contains("missing"));
    // A finished shard is a no-op: its files are not rewritten.
    let before = fs::metadata(work.join("sign/prints-0-0.bin"))
        .and_then(|m| m.modified())
        .expect("mtime");
    dupscan()
        .args(["sign", "--work"])
        .arg(&work)
        .args(["--shard", "0/3"])
        .assert()
        .success()
        .stderr(predicates::str::contains("already complete"));
    let after = fs::metadata(work.join("sign/prints-0-0.bin"))
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(before, after);
    // The killed shard is redone: temporary file gone, marker back.
    step("sign", &work, 1, 3).success();
    assert!(!temp.exists(), "the killed run's temporary file is removed");
    assert!(work.join("sign/sign-1.done").is_file());
    for s in ["bucket", "verify"] {
        for i in 0..3 {
            step(s, &work, i, 3).success();
        }
    }
    assert_eq!(cluster(&work, &dir.path().join("r.json")), expected);
}

#[test]
fn files_of_another_plan_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = vec![chain()];
    let (w1, w2) = (dir.path().join("w1"), dir.path().join("w2"));
    plan(&w1, 2, &inputs, &[]);
    plan(&w2, 2, &inputs, &["--threshold", "0.8"]);
    // Planning again with the same options is a no-op; with others, refused.
    plan(&w1, 2, &inputs, &[]);
    dupscan()
        .args([
            "plan",
            "-q",
            "--shards",
            "2",
            "--threshold",
            "0.9",
            "--work",
        ])
        .arg(&w1)
        .args(&inputs)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("plan.json"))
        .stderr(predicates::str::contains("another plan"));
    for w in [&w1, &w2] {
        for i in 0..2 {
            step("sign", w, i, 2).success();
        }
    }
    fs::copy(
        w2.join("sign/prints-1-0.bin"),
        w1.join("sign/prints-1-0.bin"),
    )
    .expect("copy");
    let kept = files(&w1);
    step("bucket", &w1, 0, 2)
        .code(2)
        .stderr(predicates::str::contains("prints-1-0.bin"))
        .stderr(predicates::str::contains("another plan"));
    assert_eq!(files(&w1), kept, "a failed stage deletes nothing");
    // A marker of another plan is refused too.
    fs::copy(w2.join("sign/sign-1.done"), w1.join("sign/sign-1.done")).expect("copy");
    step("bucket", &w1, 0, 2)
        .code(2)
        .stderr(predicates::str::contains("sign-1.done"));
}

#[test]
fn corrupt_truncated_and_foreign_inputs_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = vec![chain()];
    let work = dir.path().join("w");
    plan(&work, 2, &inputs, &[]);
    for s in ["sign", "bucket"] {
        for i in 0..2 {
            step(s, &work, i, 2).success();
        }
    }
    // A corrupt record (checksum).
    let pairs = work.join("bucket/pairs-0-0.bin");
    let mut bytes = fs::read(&pairs).expect("read");
    let good = bytes.clone();
    assert!(bytes.len() > 72, "the chain yields candidate pairs");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    fs::write(&pairs, &bytes).expect("write");
    let kept = files(&work);
    step("verify", &work, 0, 2)
        .code(2)
        .stderr(predicates::str::contains("pairs-0-0.bin"))
        .stderr(predicates::str::contains("checksum"));
    assert_eq!(files(&work), kept, "a failed stage deletes nothing");
    // A truncated file.
    fs::write(&pairs, &good[..good.len() - 3]).expect("write");
    step("verify", &work, 0, 2)
        .code(2)
        .stderr(predicates::str::contains("pairs-0-0.bin"))
        .stderr(predicates::str::contains("truncated"));
    fs::write(&pairs, &good).expect("write");
    step("verify", &work, 0, 2).success();

    // A shard out of range, or of another count.
    step("verify", &work, 2, 2)
        .code(2)
        .stderr(predicates::str::contains("out of range"));
    step("verify", &work, 1, 3)
        .code(2)
        .stderr(predicates::str::contains("plan.json"));
    // A missing work directory.
    let missing = dir.path().join("nowhere");
    step("sign", &missing, 0, 2)
        .code(2)
        .stderr(predicates::str::contains("nowhere"));
    // A directory without a plan.
    step("sign", dir.path(), 0, 2)
        .code(2)
        .stderr(predicates::str::contains("plan.json"));
    // A plan made by another version.
    let plan_path = work.join("plan.json");
    let text = fs::read_to_string(&plan_path).expect("plan");
    fs::write(
        &plan_path,
        text.replacen(
            &format!("\"version\": {}", dupscan::staged::PLAN_VERSION),
            "\"version\": 99",
            1,
        ),
    )
    .expect("write");
    step("verify", &work, 1, 2)
        .code(2)
        .stderr(predicates::str::contains("plan.json"))
        .stderr(predicates::str::contains("version"));
}

#[test]
fn staged_filter_writes_what_dedup_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    fs::create_dir(&input).expect("mkdir");
    fs::copy(chain(), input.join("chain.jsonl")).expect("copy");
    fs::copy(data("corpus/news.jsonl"), input.join("news.jsonl")).expect("copy");
    let deduped = dir.path().join("dedup");
    dupscan()
        .args(["dedup", "-q", "--out"])
        .arg(&deduped)
        .arg(&input)
        .assert()
        .success();
    let work = dir.path().join("w");
    plan(
        &work,
        3,
        std::slice::from_ref(&input),
        &["--scope", "all", "--groups", "components"],
    );
    run_steps(&work, 3, &[2, 0, 1]);
    let filtered = dir.path().join("filtered");
    for i in [1, 2, 0] {
        dupscan()
            .args(["filter", "-q", "--work"])
            .arg(&work)
            .args(["--shard", &format!("{i}/3"), "--out"])
            .arg(&filtered)
            .assert()
            .success();
    }
    for name in ["chain.jsonl", "news.jsonl"] {
        assert_eq!(
            fs::read(filtered.join(name)).expect("filtered"),
            fs::read(deduped.join(name)).expect("deduped"),
            "{name}"
        );
    }
    assert_ne!(
        fs::read(filtered.join("news.jsonl")).expect("filtered"),
        fs::read(input.join("news.jsonl")).expect("input"),
        "something was removed"
    );
    let report = |d: &Path| without_seconds(&fs::read(d.join(".dupscan/report.json")).expect("r"));
    assert_eq!(report(&filtered), report(&deduped));
    // A plan without dedup's parameters is refused by filter.
    let other = dir.path().join("w2");
    plan(&other, 1, std::slice::from_ref(&input), &[]);
    run_steps(&other, 1, &[0]);
    dupscan()
        .args(["filter", "-q", "--work"])
        .arg(&other)
        .args(["--shard", "0/1", "--out"])
        .arg(dir.path().join("f2"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--scope all --groups components"));
}

#[test]
fn a_small_memory_budget_spills_sorted_runs_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = vec![chain(), data("corpus")];
    let expected = scan_report(dir.path(), &inputs, &[]);
    let work = dir.path().join("w");
    plan(&work, 2, &inputs, &[]);
    for i in [1, 0] {
        dupscan()
            .args(["sign", "-q", "--memory-budget", "4K", "--work"])
            .arg(&work)
            .args(["--shard", &format!("{i}/2")])
            .assert()
            .success();
    }
    for i in 0..2 {
        let marker: serde_json::Value = serde_json::from_slice(
            &fs::read(work.join(format!("sign/sign-{i}.done"))).expect("marker"),
        )
        .expect("json");
        let runs = marker["runs"].as_u64().expect("runs");
        assert!(runs > 1, "shard {i} spilled {runs} sorted run(s)");
        for r in 0..runs {
            assert!(work.join(format!("sign/prints-{i}-{r}.bin")).is_file());
            assert!(work.join(format!("sign/keys-{i}-1-{r}.bin")).is_file());
        }
    }
    for s in ["bucket", "verify"] {
        for i in 0..2 {
            step(s, &work, i, 2).success();
        }
    }
    assert_eq!(cluster(&work, &dir.path().join("r.json")), expected);

    // `scan --memory-budget`: the same stages in a temporary work directory,
    // over several files one shard at a time (`-j 1`) or three at a time,
    // each within a third of the budget (so three times as many shards).
    for threads in ["1", "3"] {
        let out = dir.path().join(format!("budget-{threads}.json"));
        dupscan()
            .args(["scan", "-q", "-j", threads, "--memory-budget", "8K", "-o"])
            .arg(&out)
            .args(&inputs)
            .assert()
            .success();
        assert_eq!(
            without_seconds(&fs::read(&out).expect("report")),
            expected,
            "-j {threads}"
        );
    }

    // `dedup --memory-budget` writes what dedup writes.
    let input = dir.path().join("in");
    fs::create_dir(&input).expect("mkdir");
    fs::copy(chain(), input.join("chain.jsonl")).expect("copy");
    for (name, budget) in [("plain", None), ("budget", Some("8K"))] {
        let mut cmd = dupscan();
        cmd.args(["dedup", "-q", "--out"])
            .arg(dir.path().join(name))
            .arg(&input);
        if let Some(b) = budget {
            cmd.args(["--memory-budget", b]);
        }
        cmd.assert().success();
    }
    assert_eq!(
        fs::read(dir.path().join("budget/chain.jsonl")).expect("budget"),
        fs::read(dir.path().join("plain/chain.jsonl")).expect("plain")
    );
}

/// A sentence of `n` words numbered from `seed`, with word `changed`
/// swapped (none when out of range).
fn sentence(seed: u32, n: u32, changed: u32) -> String {
    let words: Vec<String> = (0..n)
        .map(|k| {
            if k == changed {
                format!("other{seed}x{k}")
            } else {
                format!("word{}", seed * 31 + k * 7)
            }
        })
        .collect();
    format!("Start {}.", words.join(" "))
}

#[test]
fn shards_read_their_windows_of_every_format_as_a_whole_read_does() {
    // Duplicates spread over gzip JSON Lines (a byte order mark, blank
    // lines, a bad line skipped, ids made of lines, documents without
    // units), plain text, CSV with a
    // quoted field over two lines, and Zstandard JSON Lines.
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    fs::create_dir(&input).expect("mkdir");
    let doc = |k: u32| {
        format!(
            "{} {} {}",
            sentence(k % 5, 14, k),
            sentence(100 + k, 12, 99),
            sentence(k % 3 + 10, 16, 99)
        )
    };
    let mut jsonl = String::from("\u{feff}");
    for k in 0..12 {
        if k % 4 == 1 {
            jsonl.push_str("\n  \n");
        }
        if k == 6 {
            jsonl.push_str("{not json\n");
        }
        if k == 8 {
            // Documents without units, or none long enough to compare.
            jsonl.push_str("{\"text\": \"\"}\n{\"text\": \"Too short.\"}\n");
        }
        let text = serde_json::to_string(&doc(k)).expect("json");
        if k % 3 == 0 {
            jsonl.push_str(&format!("{{\"text\": {text}}}\n"));
        } else {
            jsonl.push_str(&format!("{{\"id\": \"a{k}\", \"text\": {text}}}\n"));
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, jsonl.as_bytes()).expect("gzip");
    fs::write(input.join("a.jsonl.gz"), gz.finish().expect("gzip")).expect("write");
    // Whole documents repeated, for document units.
    fs::write(input.join("b.txt"), doc(3)).expect("write");
    let mut csv = String::from("id,text\n");
    for k in 30..36 {
        csv.push_str(&format!("c{k},\"{}\n{}\"\n", doc(k), sentence(k, 9, 99)));
    }
    fs::write(input.join("c.csv"), csv).expect("write");
    let mut more = String::new();
    for k in 40..50 {
        let text = serde_json::to_string(&doc(if k == 45 { 9 } else { k })).expect("json");
        more.push_str(&format!("{{\"text\": {text}}}\n"));
    }
    fs::write(
        input.join("d.jsonl.zst"),
        zstd::encode_all(more.as_bytes(), 3).expect("zstd"),
    )
    .expect("write");
    let inputs = [input];
    for opts in [
        &["--skip-bad-lines"][..],
        &["--skip-bad-lines", "--unit", "document"][..],
    ] {
        let expected = scan_report(dir.path(), &inputs, opts);
        assert!(expected.contains("a.jsonl.gz:"), "ids made of lines");
        assert!(expected.contains("d.jsonl.zst"));
        for shards in [1, 3, 7] {
            let work = dir.path().join(format!("w{shards}-{}", opts.len()));
            plan(&work, shards, &inputs, opts);
            run_steps(&work, shards, &shuffled(shards));
            let got = cluster(&work, &dir.path().join("staged.json"));
            assert_eq!(got, expected, "{shards} shards, {opts:?}");
        }
    }
}

/// Cluster keeps no document text: the members' texts and code-point
/// offsets wait in a scratch file. On a corpus of multi-byte characters
/// (so code-point offsets differ from byte offsets), with exact copies and
/// near copies across shards, its JSON and JSON Lines reports are `scan`'s.
#[test]
fn cluster_without_document_texts_gives_scans_offsets_and_texts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("multibyte.jsonl");
    let sentences = [
        "Ünïcödé façades: the café on the Straße served crème brûlée to every guest.",
        "Ünïcödé façades: the café on the Straße served crème brûlée to many guests.",
        "日本語の文章もここにあります、そして同じ文章が別の文書にも現れます。",
        "Emoji 😀 and 🎉 mark the party that the naïve committee planned all year.",
    ];
    let mut lines = String::new();
    for d in 0..8 {
        let text = format!(
            "Prélude {d} with ümlauts and ß. {} Another sentence for document {d} alone here. {}",
            sentences[d % 4],
            sentences[(d + 1) % 4]
        );
        lines.push_str(&serde_json::json!({"id": format!("d{d}"), "text": text}).to_string());
        lines.push('\n');
    }
    fs::write(&input, lines).expect("write input");
    let inputs = [input];
    for ext in ["json", "jsonl"] {
        let out = dir.path().join(format!("scan.{ext}"));
        dupscan()
            .arg("scan")
            .args(&inputs)
            .arg("-o")
            .arg(&out)
            .arg("-q")
            .assert()
            .success();
        let expected = without_seconds(&fs::read(&out).expect("report"));
        for shards in [1, 3] {
            let work = dir.path().join(format!("w{shards}-{ext}"));
            plan(&work, shards, &inputs, &[]);
            run_steps(&work, shards, &shuffled(shards));
            let got = cluster(&work, &dir.path().join(format!("staged.{ext}")));
            assert_eq!(got, expected, "{shards} shards, {ext}");
        }
        if ext == "json" {
            let report: serde_json::Value = serde_json::from_str(&expected).expect("json");
            let members: Vec<&serde_json::Value> = report["groups"]
                .as_array()
                .expect("groups")
                .iter()
                .flat_map(|g| g["members"].as_array().expect("members"))
                .collect();
            assert!(members.len() >= 8, "{members:?}");
            assert!(
                members.iter().all(|m| m["char_end"] != m["end"]),
                "every member ends after a multi-byte character: {members:?}"
            );
        }
    }
}

#[test]
fn more_shards_than_documents_leave_empty_shards_that_change_nothing() {
    // 6 documents in 9 shards: some shards hold no document (signing one
    // used to panic).
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = vec![chain()];
    let expected = scan_report(dir.path(), &inputs, &[]);
    let work = dir.path().join("w");
    plan(&work, 9, &inputs, &[]);
    run_steps(&work, 9, &shuffled(9));
    assert_eq!(cluster(&work, &dir.path().join("r.json")), expected);
}
