#!/usr/bin/env python3
"""dupscan.dedup_mask against datasketch and rensa on short documents.

The documents: the first N sentences (at least 6 words) of Reuters-21578
(`../shared/corpora/reuters21578.jsonl.gz`), or with `--synthetic` N
generated ones with planted near-copies. Every tool gets the same
parameters: 128 permutations, threshold 0.8, word unigram shingles
(`text.split()`, what both peers' READMEs use; dupscan also folds case,
punctuation and Unicode forms before shingling, and verifies each candidate
pair's exact Jaccard similarity, which the peers estimate from signatures).

Peers are used as their READMEs show:
* datasketch: `MinHash(num_perm=128)`, `update(token.encode("utf8"))` per
  token, `MinHashLSH(threshold=0.8, num_perm=128)`; a document is dropped
  when a query finds a kept one, else inserted.
* rensa (README "Keep unique documents"):
  `RMinHashDeduplicator(threshold=0.8, num_perm=128, use_lsh=True)
  .add_pairs((str(i), text.split()) ...)`.
* rensa LSH loop (the RMinHashLSH example of rensa's earlier READMEs):
  `RMinHash(num_perm=128, seed=42).update(text.split())` per document,
  `RMinHashLSH(threshold=0.8, num_perm=128, num_bands=16)`, insert all, then
  for each kept document drop the candidates whose estimated Jaccard is at
  least 0.8.

Prints one line per tool: wall seconds (median of --repeat runs),
documents kept, agreement with dupscan's mask, and the ratio to dupscan.
Needs `pip install datasketch rensa` beside the dupscan package (the
project's .venv has them after `pip install datasketch rensa`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import time
from pathlib import Path
from typing import Callable, List

import dupscan

ROOT = Path(__file__).resolve().parents[1]
REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578.jsonl.gz"
NUM_PERM = 128
THRESHOLD = 0.8


def reuters_sentences(n: int) -> List[str]:
    out: List[str] = []
    with gzip.open(REUTERS, "rt", encoding="utf-8") as f:
        for line in f:
            text = " ".join(json.loads(line)["text"].split())
            for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text):
                if len(s.split()) >= 6:
                    out.append(s)
                    if len(out) == n:
                        return out
    raise SystemExit(f"only {len(out)} sentences in {REUTERS}")


def synthetic(n: int) -> List[str]:
    rng = random.Random(7)
    words = [f"w{i}" for i in range(5000)]
    out: List[str] = []
    for _ in range(n):
        if out and rng.random() < 0.2:
            doc = rng.choice(out).split()
            doc[rng.randrange(len(doc))] = rng.choice(words)
            out.append(" ".join(doc))
        else:
            out.append(" ".join(rng.choice(words) for _ in range(rng.randint(10, 30))))
    return out


def run_dupscan(texts: List[str], threads: int | None) -> List[bool]:
    return dupscan.dedup_mask(
        texts,
        unit="document",
        threshold=THRESHOLD,
        num_perm=NUM_PERM,
        shingle="word",
        ngram=1,
        min_tokens=1,
        threads=threads,
    )


def run_datasketch(texts: List[str]) -> List[bool]:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    keep = []
    for i, text in enumerate(texts):
        m = MinHash(num_perm=NUM_PERM)
        for token in text.split():
            m.update(token.encode("utf8"))
        if lsh.query(m):
            keep.append(False)
        else:
            lsh.insert(str(i), m)
            keep.append(True)
    return keep


def run_rensa_dedup(texts: List[str]) -> List[bool]:
    from rensa import RMinHashDeduplicator

    dedup = RMinHashDeduplicator(threshold=THRESHOLD, num_perm=NUM_PERM, use_lsh=True)
    return list(dedup.add_pairs((str(i), text.split()) for i, text in enumerate(texts)))


def run_rensa_lsh(texts: List[str]) -> List[bool]:
    from rensa import RMinHash, RMinHashLSH

    minhashes = {}
    for i, text in enumerate(texts):
        m = RMinHash(num_perm=NUM_PERM, seed=42)
        m.update(text.split())
        minhashes[i] = m
    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=16)
    for i, m in minhashes.items():
        lsh.insert(i, m)
    removed = set()
    for i, m in minhashes.items():
        if i in removed:
            continue
        for c in lsh.query(m):
            if c != i and c not in removed and m.jaccard(minhashes[c]) >= THRESHOLD:
                removed.add(c)
    return [i not in removed for i in range(len(texts))]


def timed(f: Callable[[], List[bool]], repeat: int) -> tuple[float, List[bool]]:
    times, mask = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        mask = f()
        times.append(time.perf_counter() - start)
    return statistics.median(times), mask


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100_000, help="documents")
    ap.add_argument("--synthetic", action="store_true", help="generated documents instead of Reuters")
    ap.add_argument("--repeat", type=int, default=3, help="runs per tool (median; datasketch runs once)")
    ap.add_argument("--skip-datasketch", action="store_true")
    args = ap.parse_args()
    texts = synthetic(args.n) if args.synthetic else reuters_sentences(args.n)
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"{len(texts)} documents, {words:.1f} words on average, "
          f"{sum(len(t.encode()) for t in texts) / 1e6:.1f} MB")
    tools = [
        ("dupscan (all cores)", lambda: run_dupscan(texts, None)),
        ("dupscan (threads=1)", lambda: run_dupscan(texts, 1)),
        ("rensa RMinHashDeduplicator", lambda: run_rensa_dedup(texts)),
        ("rensa RMinHashLSH loop", lambda: run_rensa_lsh(texts)),
    ]
    if not args.skip_datasketch:
        tools.append(("datasketch MinHashLSH loop", lambda: run_datasketch(texts)))
    base, reference = None, None
    for name, f in tools:
        seconds, mask = timed(f, 1 if "datasketch" in name else args.repeat)
        if base is None:
            base, reference = seconds, mask
        agree = sum(a == b for a, b in zip(mask, reference)) / len(mask)
        print(f"{name:<28} {seconds:8.3f} s   kept {sum(mask):>7}   "
              f"agrees with dupscan on {agree:7.2%}   {seconds / base:7.1f}x dupscan's time")


if __name__ == "__main__":
    main()
