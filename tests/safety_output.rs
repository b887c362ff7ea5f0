//! Output safety (issue #8): a report or a deduplicated corpus never
//! replaces an input, a device or a FIFO; every path written is checked; one
//! run at a time per output directory; a killed or failed run leaves no
//! stale summary and no temporary file the next run does not clear; no
//! setuid bits; a file-size limit is an error, not a kill; an unwritable
//! output is found before the corpus is read.

#[allow(dead_code)] // not every helper is used here
mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use predicates::prelude::*;
use serde_json::Value;

use common::dupscan;

const A: &str = "The harbour authority said on Monday that the container terminal would reopen next week after a strike.";
const C: &str = "Engineers found a crack in the old bridge during a routine inspection of the river crossing last month.";
const B: &str = "A local bakery won the regional prize for its rye bread, beating forty other entries from the valley.";

/// A JSONL corpus with `pairs` distinct documents, each present twice, so
/// that its report and its deduplicated copy are several kilobytes.
fn corpus(pairs: usize) -> String {
    let mut state = 0x2545_f491_u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    const WORDS: &[&str] = &[
        "harbour",
        "budget",
        "council",
        "river",
        "market",
        "school",
        "bridge",
        "museum",
        "ferry",
        "orchestra",
        "election",
        "quota",
        "bakery",
        "station",
        "festival",
        "hospital",
        "library",
        "village",
        "airport",
        "factory",
        "garden",
        "tunnel",
        "stadium",
        "island",
    ];
    let mut out = String::new();
    for i in 0..pairs {
        let text: Vec<&str> = (0..40).map(|_| WORDS[next() % WORDS.len()]).collect();
        let text = text.join(" ");
        for copy in 0..2 {
            out.push_str(
                &serde_json::json!({"id": format!("d{i}-{copy}"), "text": text}).to_string(),
            );
            out.push('\n');
        }
    }
    out
}

/// Writes `contents` to `dir/name` and returns the path.
fn file(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, contents).expect("write fixture");
    path
}

/// A small corpus with one duplicate pair.
fn small(dir: &Path, name: &str) -> PathBuf {
    let lines: String = [("1", A), ("2", B), ("3", A)]
        .iter()
        .map(|(id, t)| serde_json::json!({"id": id, "text": t}).to_string() + "\n")
        .collect();
    file(dir, name, &lines)
}

/// Every file under `dir` (not following links) with its bytes.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("list") {
            let entry = entry.expect("entry");
            let path = entry.path();
            let ft = entry.file_type().expect("type");
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file() {
                out.push((path.clone(), fs::read(&path).expect("read")));
            } else {
                let target = fs::read_link(&path).unwrap_or_default();
                out.push((path, target.into_os_string().into_encoded_bytes()));
            }
        }
    }
    out.sort();
    out
}

/// dupscan's temporary files under `dir`, links not followed.
fn temps(dir: &Path) -> Vec<PathBuf> {
    tree(dir)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with(".dupscan-") && name.ends_with(".tmp")
        })
        .collect()
}

fn scan_to(output: &Path, inputs: &[&Path]) -> assert_cmd::assert::Assert {
    dupscan()
        .args(["scan", "-q", "--format", "json", "-o"])
        .arg(output)
        .args(inputs)
        .timeout(Duration::from_secs(60))
        .assert()
}

fn dedup(inputs: &[&Path], out: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    dupscan()
        .args(["dedup", "-q", "--unit", "document"])
        .args(args)
        .args(inputs)
        .arg("--out")
        .arg(out)
        .timeout(Duration::from_secs(60))
        .assert()
}

/// Runs dupscan with `args` under `ulimit -f BLOCKS` (512-byte blocks in
/// POSIX sh).
fn limited(blocks: u32, args: &[&std::ffi::OsStr]) -> assert_cmd::assert::Assert {
    assert_cmd::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -f {blocks} && exec \"$0\" \"$@\""))
        .arg(assert_cmd::cargo::cargo_bin("dupscan"))
        .args(args)
        .timeout(Duration::from_secs(60))
        .assert()
}

fn report_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("report is JSON")
}

// 1. -o over an input.

#[test]
fn a_report_over_an_input_or_reference_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = small(dir.path(), "c.jsonl");
    let reference = small(dir.path(), "r.jsonl");
    let corpus_dir = dir.path().join("corpus");
    fs::create_dir(&corpus_dir).expect("mkdir");
    let walked = small(&corpus_dir, "w.jsonl");
    fs::create_dir(dir.path().join("sub")).expect("mkdir");
    let before = tree(dir.path());

    scan_to(&input, &[&input])
        .code(2)
        .stderr(predicate::str::contains("refusing to write over the input"));
    dupscan()
        .args(["scan", "-q", "--reference"])
        .arg(&reference)
        .arg("-o")
        .arg(&reference)
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("r.jsonl"));
    scan_to(&dir.path().join("sub/../c.jsonl"), &[&input]).code(2);
    // A file found by walking an input directory.
    scan_to(&walked, &[&corpus_dir])
        .code(2)
        .stderr(predicate::str::contains("w.jsonl"));
    #[cfg(unix)]
    {
        let link = dir.path().join("sub/link.json");
        std::os::unix::fs::symlink(&input, &link).expect("symlink");
        scan_to(&link, &[&input]).code(2);
        fs::remove_file(&link).expect("unlink");
        let hard = dir.path().join("sub/hard.jsonl");
        fs::hard_link(&input, &hard).expect("hard link");
        scan_to(&hard, &[&input])
            .code(2)
            .stderr(predicate::str::contains("same file under another name"));
        fs::remove_file(&hard).expect("unlink");
    }
    assert_eq!(tree(dir.path()), before, "something was written");
}

#[test]
fn a_report_over_an_input_is_refused_before_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = file(dir.path(), "c.jsonl", "{\"text\": \"fine\"}\nnot json\n");
    scan_to(&input, &[&input])
        .code(2)
        .stderr(predicate::str::contains("refusing to write over the input"))
        .stderr(predicate::str::contains(":2:").not());
}

#[test]
fn a_report_inside_an_input_directory_is_allowed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus_dir = dir.path().join("corpus");
    fs::create_dir(&corpus_dir).expect("mkdir");
    small(&corpus_dir, "c.jsonl");
    let report = corpus_dir.join("report.json");
    scan_to(&report, &[&corpus_dir]).success();
    assert_eq!(
        report_of(&fs::read(&report).expect("written"))["stats"]["documents"],
        3
    );
}

// 2. What the rename may replace.

#[cfg(unix)]
#[test]
fn a_report_into_a_fifo_is_written_straight() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let input = small(dir.path(), "c.jsonl");
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo failed");
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read(fifo).expect("read the FIFO"))
    };
    scan_to(&fifo, &[&input]).success();
    let kind = fs::symlink_metadata(&fifo)
        .expect("still there")
        .file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced: {kind:?}");
    let bytes = reader.join().expect("reader");
    assert_eq!(report_of(&bytes)["stats"]["documents"], 3);
    assert!(temps(dir.path()).is_empty());
}

#[cfg(unix)]
#[test]
fn a_symlink_stays_a_link_and_its_target_gets_the_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = small(dir.path(), "c.jsonl");
    let real = file(dir.path(), "real.json", "old");
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink("real.json", &link).expect("symlink");
    scan_to(&link, &[&input]).success();
    assert_eq!(
        fs::read_link(&link).expect("still a link"),
        Path::new("real.json")
    );
    assert_eq!(
        report_of(&fs::read(&real).expect("read"))["stats"]["documents"],
        3
    );

    // A link whose target does not exist yet: the target is created.
    let dangling = dir.path().join("dangling.json");
    std::os::unix::fs::symlink("made.json", &dangling).expect("symlink");
    scan_to(&dangling, &[&input]).success();
    assert!(fs::symlink_metadata(&dangling).expect("meta").is_symlink());
    assert!(dir.path().join("made.json").is_file());
    assert!(temps(dir.path()).is_empty());
}

/// Whether `path` is a character device here (a system whose `/dev` was
/// damaged may have a plain file there).
#[cfg(unix)]
fn is_char_device(path: &str) -> bool {
    use std::os::unix::fs::FileTypeExt;
    fs::metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

#[cfg(unix)]
#[test]
fn devices_and_descriptors_are_written_straight_through_links() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = small(dir.path(), "c.jsonl");
    // Links in the temporary directory, so that a wrong rename replaces the
    // link and never the device.
    if is_char_device("/dev/zero") {
        let sink = dir.path().join("sink");
        std::os::unix::fs::symlink("/dev/zero", &sink).expect("symlink");
        scan_to(&sink, &[&input]).success().stdout("");
        assert_eq!(
            fs::read_link(&sink).expect("still a link"),
            Path::new("/dev/zero")
        );
        assert!(is_char_device("/dev/zero"));
    } else {
        eprintln!("skipped: /dev/zero is not a character device here");
    }
    // A full device: the write fails (ENOSPC), exit 2 naming the path.
    if is_char_device("/dev/full") {
        let full = dir.path().join("full");
        std::os::unix::fs::symlink("/dev/full", &full).expect("symlink");
        scan_to(&full, &[&input])
            .code(2)
            .stderr(predicate::str::contains("full").and(predicate::str::contains("No space")));
        assert!(fs::symlink_metadata(&full).expect("meta").is_symlink());
        assert!(is_char_device("/dev/full"));
    } else {
        eprintln!("skipped: /dev/full is not a character device here");
    }

    let stdout = dir.path().join("stdout");
    std::os::unix::fs::symlink("/dev/stdout", &stdout).expect("symlink");
    let out = scan_to(&stdout, &[&input]).success();
    assert_eq!(report_of(&out.get_output().stdout)["stats"]["documents"], 3);
    assert!(fs::symlink_metadata(&stdout).expect("meta").is_symlink());
    assert!(temps(dir.path()).is_empty());
}

#[test]
fn dash_is_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = small(dir.path(), "c.jsonl");
    let out = dupscan()
        .current_dir(dir.path())
        .args(["scan", "-q", "--format", "json", "-o", "-"])
        .arg(&input)
        .assert()
        .success();
    assert_eq!(report_of(&out.get_output().stdout)["stats"]["documents"], 3);
    assert!(!dir.path().join("-").exists(), "a file named - was written");
}

#[test]
fn a_report_onto_a_directory_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = small(dir.path(), "c.jsonl");
    let target = dir.path().join("reports");
    fs::create_dir(&target).expect("mkdir");
    scan_to(&target, &[&input])
        .code(2)
        .stderr(predicate::str::contains("is a directory"));
}

// 6. Every path dedup writes is checked.

#[cfg(unix)]
#[test]
fn a_dupscan_dir_linked_into_an_input_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    fs::create_dir(&input).expect("mkdir");
    small(&input, "a.jsonl");
    let out = dir.path().join("out");
    fs::create_dir(&out).expect("mkdir");
    std::os::unix::fs::symlink(&input, out.join(".dupscan")).expect("symlink");
    let before = tree(&input);
    dedup(&[&input], &out, &["--force"])
        .code(2)
        .stderr(predicate::str::contains("inside the input directory"));
    assert_eq!(tree(&input), before, "written into the input");
    assert!(!out.join("a.jsonl").exists());
}

#[cfg(unix)]
#[test]
fn an_output_subdirectory_linked_into_an_input_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    fs::create_dir_all(input.join("x")).expect("mkdir");
    fs::create_dir_all(input.join("other")).expect("mkdir");
    small(&input.join("x"), "a.jsonl");
    let out = dir.path().join("out");
    fs::create_dir(&out).expect("mkdir");
    // out/x/a.jsonl would land in in/other/a.jsonl.
    std::os::unix::fs::symlink(input.join("other"), out.join("x")).expect("symlink");
    let before = tree(&input);
    dedup(&[&input], &out, &["--force"])
        .code(2)
        .stderr(predicate::str::contains("inside the input directory"));
    assert_eq!(tree(&input), before, "written into the input");
}

// 7. One run per output directory.

#[cfg(unix)]
#[test]
fn a_locked_output_directory_is_refused_naming_the_holder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = small(dir.path(), "a.jsonl");
    let out = dir.path().join("out");
    let meta = out.join(".dupscan");
    fs::create_dir_all(&meta).expect("mkdir");
    let pid = std::process::id().to_string();
    let lock_path = meta.join("lock");
    fs::write(&lock_path, format!("{pid}\n")).expect("write");
    let lock = fs::File::open(&lock_path).expect("open");
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive)
        .expect("the test holds the lock");

    dedup(&[&input], &out, &["--force"])
        .code(2)
        .stderr(predicate::str::contains(format!("pid {pid}")));
    assert!(!out.join("a.jsonl").exists(), "written while locked");
    assert_eq!(
        fs::read_to_string(&lock_path).expect("lock kept"),
        format!("{pid}\n")
    );

    // Once the holder is gone (as when it is killed), its lock file blocks
    // nothing, and the directory still counts as empty.
    drop(lock);
    dedup(&[&input], &out, &[]).success();
    assert!(out.join("a.jsonl").is_file());
    assert!(!lock_path.exists(), "lock file left behind");
}

// 8. A killed or failed --force run.

#[cfg(unix)]
#[test]
fn a_failed_force_run_leaves_no_stale_summary_and_no_temporary_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = file(dir.path(), "a.jsonl", &corpus(40));
    let out = dir.path().join("out");
    dedup(&[&input], &out, &[]).success();
    let summary = out.join(".dupscan/summary.json");
    assert!(summary.is_file());

    // The second run cannot write its (several kilobyte) corpus file.
    let mut args: Vec<&std::ffi::OsStr> = ["dedup", "-q", "--unit", "document", "--force"]
        .iter()
        .map(|s| s.as_ref())
        .collect();
    args.extend([input.as_os_str(), "--out".as_ref(), out.as_os_str()]);
    limited(1, &args).code(2);
    assert!(
        !summary.exists(),
        "the previous run's summary is still there"
    );
    assert!(!out.join(".dupscan/report.json").exists());
    assert_eq!(temps(&out), Vec::<PathBuf>::new());
}

#[cfg(unix)]
#[test]
fn temporary_files_left_by_a_killed_run_are_removed_and_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = small(dir.path(), "a.jsonl");
    let out = dir.path().join("out");
    dedup(&[&input], &out, &[]).success();
    let elsewhere = dir.path().join("elsewhere");
    fs::create_dir_all(out.join("sub")).expect("mkdir");
    fs::create_dir(&elsewhere).expect("mkdir");
    std::os::unix::fs::symlink(&elsewhere, out.join("link")).expect("symlink");
    let stale = [
        file(&out, ".dupscan-Ab12Cd.tmp", "partial"),
        file(&out, "sub/.dupscan-zZ9yY8.tmp", "partial"),
        file(&out.join(".dupscan"), ".dupscan-q1w2e3.tmp", "partial"),
    ];
    let kept = [
        file(&out, "notes.tmp", "mine"),
        file(&out, ".dupscan-notes", "mine"),
        file(&elsewhere, ".dupscan-Ab12Cd.tmp", "not in the output tree"),
        file(dir.path(), ".dupscan-Ab12Cd.tmp", "beside the output"),
    ];
    dedup(&[&input], &out, &["--force"]).success();
    for p in &stale {
        assert!(!p.exists(), "{} left", p.display());
    }
    for p in &kept {
        assert!(p.exists(), "{} removed", p.display());
    }
}

// 9. No setuid, setgid or sticky bits on outputs.

#[cfg(unix)]
#[test]
fn outputs_never_get_setuid_setgid_or_sticky_bits() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    fs::create_dir(&input).expect("mkdir");
    // Rewritten (a duplicate goes), copied, and a text file that is copied.
    let cases = [
        (small(&input, "dups.jsonl"), 0o4755),
        (
            file(&input, "plain.jsonl", &format!("{{\"text\":\"{B}\"}}\n")),
            0o2644,
        ),
        (file(&input, "story.txt", C), 0o7750),
    ];
    for (path, mode) in &cases {
        fs::set_permissions(path, fs::Permissions::from_mode(*mode)).expect("chmod");
        let got = fs::metadata(path).expect("meta").permissions().mode() & 0o7777;
        if got != *mode {
            eprintln!("skipped: this user cannot set mode {mode:o} (got {got:o})");
            return;
        }
    }
    let out = dir.path().join("out");
    dedup(&[&input], &out, &[]).success();
    for (path, mode) in &cases {
        let name = path.file_name().expect("name");
        let got = fs::metadata(out.join(name))
            .expect("written")
            .permissions()
            .mode();
        assert_eq!(got & 0o7777, mode & 0o777, "{}", path.display());
    }
    assert_ne!(
        fs::read(out.join("dups.jsonl")).expect("read"),
        fs::read(&cases[0].0).expect("read")
    );
}

// 13. A file-size limit is an error, not a kill.

#[cfg(unix)]
#[test]
fn a_file_size_limit_is_exit_2_with_the_previous_report_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = file(dir.path(), "c.jsonl", &corpus(40));
    let report = file(dir.path(), "report.json", "old");
    limited(
        1,
        &[
            "scan".as_ref(),
            "-q".as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
            "-o".as_ref(),
            report.as_os_str(),
            input.as_os_str(),
        ],
    )
    .code(2)
    .stderr(predicate::str::contains("report.json").and(predicate::str::contains("too large")));
    assert_eq!(fs::read_to_string(&report).expect("read"), "old");
    assert_eq!(temps(dir.path()), Vec::<PathBuf>::new());
}

// 14. An unwritable output is found before the corpus is read.

#[test]
fn an_unwritable_report_path_is_found_before_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A malformed line: reading it first would report that instead.
    let input = file(dir.path(), "c.jsonl", "{\"text\": \"fine\"}\nnot json\n");
    let not_a_dir = file(dir.path(), "file", "");
    scan_to(&not_a_dir.join("report.json"), &[&input])
        .code(2)
        .stderr(predicate::str::contains("file/report.json"))
        .stderr(predicate::str::contains(":2:").not());
}

#[test]
fn an_unwritable_dedup_output_is_found_before_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = small(dir.path(), "a.jsonl");
    let bad = file(dir.path(), "b.jsonl", "{\"text\": \"fine\"}\nnot json\n");
    let out = dir.path().join("out");
    fs::create_dir(&out).expect("mkdir");
    // Where dedup keeps its lock, report and summary: a file, not a directory.
    file(&out, ".dupscan", "");
    dedup(&[&good, &bad], &out, &["--force"])
        .code(2)
        .stderr(predicate::str::contains(".dupscan"))
        .stderr(predicate::str::contains(":2:").not());
    dedup(&[&good], &out, &["--force"])
        .code(2)
        .stderr(predicate::str::contains(".dupscan"));
    assert_eq!(
        tree(&out),
        [(out.join(".dupscan"), Vec::new())],
        "the corpus was written before the error"
    );
}
