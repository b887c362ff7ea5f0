"""Tests of the dupscan Python package.

The command-line binary is the reference: for the same texts and parameters
the package must give the same groups, report and dedup decisions. The
binary is ``$DUPSCAN_BIN``, else ``target/debug/dupscan`` (built by
``cargo test`` / ``cargo build``).
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path
from typing import Any, Dict, List

import pytest

import dupscan

ROOT = Path(__file__).resolve().parents[2]
NEWS = ROOT / "data" / "corpus" / "news.jsonl"
QUIZ = ROOT / "data" / "reference" / "quiz.jsonl"


def binary() -> str:
    path = os.environ.get("DUPSCAN_BIN", str(ROOT / "target" / "debug" / "dupscan"))
    assert os.access(path, os.X_OK), (
        f"the dupscan binary {path} is missing: run `cargo build` first or set DUPSCAN_BIN"
    )
    return path


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([binary(), *args], capture_output=True, text=True, check=False)


def cli_report(*args: str) -> Dict[str, Any]:
    done = cli("scan", "-q", "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def read_jsonl(path: Path) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def without_source(groups: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Groups with the members' `source` left out (a file path from the
    command line, `<memory>` from scan())."""
    return [
        {**g, "members": [{k: v for k, v in m.items() if k != "source"} for m in g["members"]]}
        for g in groups
    ]


NEAR = [
    "The Port Halvern council approved a budget of 312 million dollars on Tuesday night after a long debate about library hours.",
    "Snow is expected in the mountains this weekend, and the roads over the pass may close on Saturday morning for several hours.",
    "The Port Halvern council approved a budget of 312 million dollars on Tuesday evening after a long debate about library hours.",
    "A local bakery won the regional prize for its rye bread, beating forty other bakeries from across the northern province this year.",
    "Snow is expected in the mountains this weekend, and the roads over the pass may close on Saturday morning for several hours.",
]


# --- scan -----------------------------------------------------------------


CASES = [
    ("sentence", None, {}),
    ("sentence", 0.6, {"scope": "all", "num_perm": 64}),
    ("paragraph", None, {"groups": "components", "min_tokens": 8}),
    ("document", 0.3, {"shingle": "char", "ngram": 4}),
    ("sentence", None, {"spans": "on", "span_min_words": 6}),
]


def cli_flags(unit: str, threshold: Any, params: Dict[str, Any]) -> List[str]:
    flags = ["--unit", unit]
    if threshold is not None:
        flags += ["--threshold", str(threshold)]
    for name, value in params.items():
        flags += ["--" + name.replace("_", "-"), str(value)]
    return flags


@pytest.mark.parametrize("unit,threshold,params", CASES)
def test_scan_gives_the_command_lines_groups(tmp_path: Path, unit: str, threshold: Any, params: Dict[str, Any]) -> None:
    records = read_jsonl(NEWS)
    texts = [r["text"] for r in records]
    ids = [r["id"] for r in records]
    groups = dupscan.scan(texts, ids=ids, unit=unit, threshold=threshold, **params)
    expected = cli_report(*cli_flags(unit, threshold, params), str(NEWS))["groups"]
    assert expected, "the sample corpus has groups at every unit"
    assert without_source(groups) == without_source(expected)
    assert all(m["source"] == "<memory>" for g in groups for m in g["members"])


def test_scan_default_ids_are_positions() -> None:
    groups = dupscan.scan(NEAR, unit="document", threshold=0.5, min_tokens=5)
    pairs = sorted(sorted(m["doc"] for m in g["members"]) for g in groups)
    assert pairs == [["0", "2"], ["1", "4"]]
    g = next(g for g in groups if g["members"][0]["doc"] == "0")
    assert g["members"][0]["via"] == "representative"
    assert g["members"][1]["text"] == NEAR[2]
    assert 0.5 <= g["min_similarity"] < 1.0


def test_scan_does_not_depend_on_threads() -> None:
    texts = [r["text"] for r in read_jsonl(NEWS)]
    assert dupscan.scan(texts, threads=1) == dupscan.scan(texts, threads=2)


def test_scan_releases_the_gil() -> None:
    texts = [f"{NEAR[i % 5]} Item {i} of the list, with words {i * 7} and {i * 13}." for i in range(30000)]
    started = threading.Event()

    def work() -> None:
        started.set()
        dupscan.dedup_mask(texts, unit="sentence", threads=1)

    worker = threading.Thread(target=work)
    worker.start()
    started.wait()
    spins = 0
    while worker.is_alive():
        spins += 1
    worker.join()
    # Holding the GIL, the call would leave this thread a handful of turns
    # at most; released, it spins all along.
    assert spins > 1000, spins


# --- scan_files -------------------------------------------------------------


def test_scan_files_is_the_json_report(tmp_path: Path) -> None:
    report = dupscan.scan_files([NEWS], unit="paragraph", scope="all")
    expected = cli_report("--unit", "paragraph", "--scope", "all", str(NEWS))
    report["stats"].pop("seconds")
    expected["stats"].pop("seconds")
    assert report == expected
    assert report["params"]["unit"] == "paragraph"
    assert report["groups"]


def test_scan_files_with_a_reference_is_a_contamination_check() -> None:
    report = dupscan.scan_files(str(ROOT / "data" / "corpus"), reference=[QUIZ])
    expected = cli_report("--reference", str(QUIZ), str(ROOT / "data" / "corpus"))
    assert report["contamination"] == expected["contamination"]
    assert report["contamination"]["contaminated_documents"] > 0


# --- dedup_mask -------------------------------------------------------------


def test_dedup_mask_keeps_the_first_of_each_duplicate() -> None:
    keep = dupscan.dedup_mask(NEAR, unit="document", threshold=0.5, min_tokens=5)
    assert keep == [True, True, False, True, False]
    longest = dupscan.dedup_mask(NEAR, unit="document", threshold=0.5, min_tokens=5, keep="longest")
    assert longest == [True, True, False, True, False] or longest == [False, True, True, True, False]
    assert dupscan.dedup_mask([]) == []


@pytest.mark.parametrize("unit,threshold", [("document", None), ("document", 0.5), ("sentence", None)])
def test_dedup_mask_drops_what_dupscan_dedup_drops(tmp_path: Path, unit: str, threshold: Any) -> None:
    records = read_jsonl(NEWS)
    # Whole copies and near-copies of some articles, so documents go.
    extra = [
        {"id": f"copy-{r['id']}", "text": r["text"].replace("the", "a", 2)} for r in records[:: 5]
    ]
    corpus = tmp_path / "in" / "docs.jsonl"
    corpus.parent.mkdir()
    rows = records + extra
    corpus.write_text("".join(json.dumps({"id": r["id"], "text": r["text"]}) + "\n" for r in rows), encoding="utf-8")
    flags = ["--unit", unit] + (["--threshold", str(threshold)] if threshold else [])
    done = cli("dedup", "-q", *flags, "--out", str(tmp_path / "out"), str(corpus))
    assert done.returncode == 0, done.stderr
    kept_ids = {r["id"] for r in read_jsonl(tmp_path / "out" / "docs.jsonl")}
    keep = dupscan.dedup_mask([r["text"] for r in rows], unit=unit, threshold=threshold)
    assert len(keep) == len(rows)
    assert {r["id"] for r, k in zip(rows, keep) if k} == kept_ids
    if unit == "document":
        assert not all(keep), "the copies are duplicates"


# --- contamination ----------------------------------------------------------


def test_contamination_gives_each_item_its_best_match() -> None:
    question = "Which river flows through the old town of Heidelberg in southern Germany, and where does it rise?"
    corpus = [
        "A page about cooking pasta with garlic, olive oil and a little chili for a quick dinner at home.",
        f"Quiz night notes. {question} Answer: the Neckar, which rises in the Black Forest.",
    ]
    hits = dupscan.contamination(
        [question, "How many moons does the planet Neptune have according to the latest count by astronomers?"],
        corpus,
    )
    assert [h["reference"] for h in hits] == [0, 1]
    assert hits[0]["match"] == 1
    assert hits[0]["score"] > 0.9
    start, end = hits[0]["match_start"], hits[0]["match_end"]
    # The match covers the item's words (containment matches words, so a
    # final question mark may fall outside it).
    assert corpus[1].encode()[start:end].decode().rstrip("?") == question.rstrip("?")
    assert hits[1] == {
        "reference": 1,
        "match": None,
        "score": 0.0,
        "match_start": None,
        "match_end": None,
        "matched_units": 0,
        "units": None,
    }


def test_contamination_agrees_with_the_command_line() -> None:
    refs = read_jsonl(QUIZ)
    docs = read_jsonl(NEWS)
    hits = dupscan.contamination([r["text"] for r in refs], [d["text"] for d in docs])
    expected = cli_report("--reference", str(QUIZ), str(NEWS))["contamination"]["items"]
    by_id = {item["doc"]: item for item in expected}
    assert by_id, "the quiz leaks into the news"
    for hit, ref in zip(hits, refs):
        item = by_id.get(str(ref["id"]))
        if item is None:
            assert hit["match"] is None
        else:
            assert docs[hit["match"]]["id"] == item["best"]["doc"]
            assert hit["score"] == item["best"]["covered"]
            assert hit["matched_units"] == item["matched_units"]


# --- errors -----------------------------------------------------------------


def test_bad_parameters_raise_param_error() -> None:
    with pytest.raises(dupscan.ParamError) as e:
        dupscan.scan(NEAR, threshold=1.5)
    assert isinstance(e.value, ValueError)
    assert isinstance(e.value, dupscan.DupscanError)
    assert e.value.exit_code == 2
    assert "--threshold must be in (0, 1], got 1.5" in str(e.value)
    with pytest.raises(dupscan.ParamError, match="does not divide"):
        dupscan.dedup_mask(NEAR, bands=7)
    with pytest.raises(dupscan.ParamError, match="colour: unknown parameter"):
        dupscan.scan(NEAR, colour="blue")
    with pytest.raises(dupscan.ParamError, match="shingle"):
        dupscan.scan(NEAR, shingle="bytes")
    with pytest.raises(dupscan.ParamError, match="ngram"):
        dupscan.scan(NEAR, ngram=-1)
    with pytest.raises(dupscan.ParamError, match="unit"):
        dupscan.scan(NEAR, unit="chapter")
    with pytest.raises(dupscan.ParamError, match="keep"):
        dupscan.dedup_mask(NEAR, keep="last")
    with pytest.raises(dupscan.ParamError, match="ids has 2 items for 5 texts"):
        dupscan.scan(NEAR, ids=["a", "b"])
    with pytest.raises(dupscan.ParamError, match="threads must be at least 1"):
        dupscan.scan(NEAR, threads=0)
    with pytest.raises(dupscan.ParamError, match="single str"):
        dupscan.dedup_mask("one text")
    with pytest.raises(dupscan.ParamError, match=r"texts\[1\] is a int"):
        dupscan.dedup_mask(["a", 3])


def test_bad_input_raises_input_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(dupscan.InputError) as e:
        dupscan.scan_files([missing])
    assert str(missing) in str(e.value)
    assert e.value.exit_code == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "fine"}\n{"id": 2, "text": \n', encoding="utf-8")
    with pytest.raises(dupscan.InputError, match=r"bad\.jsonl:2:"):
        dupscan.scan_files([bad])
    report = dupscan.scan_files([bad], skip_bad_lines=True)
    assert report["stats"]["bad_lines"] == 1
    with pytest.raises(dupscan.ParamError, match="--max-document-bytes"):
        dupscan.scan_files([bad], max_document_bytes=0)


# --- packaging --------------------------------------------------------------


def test_the_package_is_typed_and_documented() -> None:
    package = Path(dupscan.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_dupscan.pyi").is_file()
    for f in (dupscan.scan, dupscan.scan_files, dupscan.dedup_mask, dupscan.contamination):
        assert f.__doc__ and "Returns:" in f.__doc__, f.__name__
    assert dupscan.__version__


# --- the README's Hugging Face example --------------------------------------


def test_hugging_face_dataset_filter() -> None:
    import datasets

    ds = datasets.Dataset.from_dict({"id": list(range(len(NEAR))), "text": NEAR})
    # As in README, "Python package".
    keep = dupscan.dedup_mask(ds["text"], unit="document", threshold=0.5, min_tokens=5)
    ds = ds.filter(lambda _, i: keep[i], with_indices=True)
    assert list(ds["id"]) == [0, 1, 3]
