#!/usr/bin/env python3
"""Near-duplicate detection with a peer MinHash library, for comparison with dupscan.

One job, three libraries: read JSONL documents, cut them into units
(sentences, paragraphs or whole documents, each with its UTF-8 byte span),
normalize, shingle, MinHash + LSH with the given number of permutations and
bands, union-find over the LSH candidate pairs, and write the groups as JSONL:

    {"members": [{"doc": ID, "start": B, "end": E}, ...]}

(the format of a TRUTH file, read by score.py). Each library is used through
its public API the way its users write such a pipeline:

* datasketch: ``MinHash.bulk`` (``update_batch`` on one reused MinHash state per
  unit, seed 1, datasketch's default SHA-1 token hash unless
  ``--hashfunc xxh32``) and ``MinHashLSH(threshold, num_perm,
  params=(bands, rows))`` filled through an insertion session, then ``query``
  for every unit.
* rensa: full R-MinHash (``RMinHash.from_token_sets``; not the "rho" sketch)
  and ``RMinHashLSH(threshold, num_perm, num_bands)`` with ``insert_many`` and
  ``query_all``.
* gaoya: ``gaoya.minhash.MinHashStringIndex`` with its own Rust char/word
  n-gram analyzer on our normalized text, ``num_bands=bands``,
  ``band_size=rows``, ``hash_size=32``; ``par_bulk_insert_docs`` then
  ``par_bulk_query``. Note that gaoya's query already drops candidates whose
  *MinHash-estimated* Jaccard is below ``jaccard_threshold``, and that its
  ``par_*`` calls use every core (rayon; RAYON_NUM_THREADS limits them), while
  the datasketch and rensa pipelines here run on one core.

No exact verification by default (as these pipelines usually run); ``--verify``
keeps only candidate pairs whose exact Jaccard of shingle sets reaches the
threshold.

stderr gets the counters (units, skipped units, candidate pairs, groups);
stdout gets one JSON line with the timings:
``{"tool", "seconds_total", "seconds_sign", "units", "groups", ...}`` where
``seconds_sign`` is the time spent on shingling + MinHash alone (for gaoya,
whose public API hashes inside the index, the time of ``par_bulk_insert_docs``:
its tokenizing, hashing and band insertion together).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import sys
import time
import unicodedata
from contextlib import contextmanager
from importlib.metadata import version
from typing import Iterable, Iterator

# --------------------------------------------------------------------------
# Reading


def open_text(path: str) -> io.TextIOBase:
    """Opens a JSONL file as text, decompressing .gz and .zst by suffix."""
    if path == "-":
        return sys.stdin
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    if path.endswith(".zst") or path.endswith(".zstd"):
        import zstandard

        raw = open(path, "rb")
        reader = zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)
        return io.TextIOWrapper(reader, encoding="utf-8", errors="replace")
    return open(path, "r", encoding="utf-8", errors="replace")


def read_docs(path: str, text_field: str = "text", id_field: str = "id") -> Iterator[tuple[str, str]]:
    """Yields (id, text) per JSONL line; the id defaults to path:line."""
    with open_text(path) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            obj = json.loads(line)
            text = obj.get(text_field)
            if not isinstance(text, str):
                continue
            doc_id = obj.get(id_field)
            yield (str(doc_id) if doc_id is not None else f"{path}:{lineno}"), text


# --------------------------------------------------------------------------
# Segmentation: character spans, converted to UTF-8 byte spans.

# A sentence ends after . ! or ? (plus closing quotes/brackets) when whitespace
# and an uppercase letter, an opening quote or a digit follow; a newline
# followed by an uppercase letter also starts a new sentence.
_SENTENCE_BREAK = re.compile(
    r"""([.!?]["'\u201d\u2019)\]]*)\s+(?=["'\u201c\u2018(\[]?[A-Z0-9\u00c0-\u00de])"""
    r"""|[ \t]*\n\s*(?=[A-Z\u00c0-\u00de])"""
)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def char_spans(text: str, unit: str) -> list[tuple[int, int]]:
    """Character spans [start, end) of the units of text, trimmed, non-empty."""
    if unit == "document":
        span = _trimmed(text, 0, len(text))
        return [span] if span else []
    pattern = _SENTENCE_BREAK if unit == "sentence" else _PARAGRAPH_BREAK
    spans = []
    start = 0
    for m in pattern.finditer(text):
        end = m.end(1) if m.lastindex else m.start()
        span = _trimmed(text, start, end)
        if span:
            spans.append(span)
        start = m.end()
    span = _trimmed(text, start, len(text))
    if span:
        spans.append(span)
    return spans


def byte_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Converts increasing character spans to UTF-8 byte offsets."""
    if text.isascii():
        return spans
    out = []
    pos_char = pos_byte = 0
    for s, e in spans:
        pos_byte += len(text[pos_char:s].encode("utf-8"))
        start_byte = pos_byte
        pos_byte += len(text[s:e].encode("utf-8"))
        pos_char = e
        out.append((start_byte, pos_byte))
    return out


# --------------------------------------------------------------------------
# Normalization and shingling

_SEPARATORS = re.compile(r"[-/\\_\u2010-\u2015\u2212]")
_NON_WORD = re.compile(r"[^\w\s]")


def normalize(text: str) -> str:
    """NFKC, lowercase, drop punctuation (dashes and slashes become spaces),
    collapse whitespace."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.lower()
    text = _SEPARATORS.sub(" ", text)
    text = _NON_WORD.sub("", text)
    return " ".join(text.split())


def shingles(norm: str, n: int, kind: str) -> set[str]:
    """Set of char or word n-grams; text shorter than one n-gram is one shingle."""
    if kind == "char":
        if len(norm) <= n:
            return {norm}
        return {norm[i : i + n] for i in range(len(norm) - n + 1)}
    words = norm.split()
    if len(words) <= n:
        return {" ".join(words)}
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def jaccard(a: set, b: set) -> float:
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


# --------------------------------------------------------------------------
# Peers: each takes the normalized unit texts and returns candidate pairs.


class Timer:
    """Accumulates wall-clock seconds per named phase."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}

    @contextmanager
    def measure(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - t0


def pairs_from_results(results: Iterable[Iterable[int]]) -> set[tuple[int, int]]:
    pairs = set()
    for i, found in enumerate(results):
        for j in found:
            if j != i:
                pairs.add((i, j) if i < j else (j, i))
    return pairs


def run_datasketch(texts: list[str], args, timer: Timer) -> set[tuple[int, int]]:
    with timer.measure("import"):
        from datasketch import MinHash, MinHashLSH

        if args.hashfunc == "xxh32":
            import xxhash

            hashfunc = xxhash.xxh32_intdigest
        else:
            hashfunc = None  # datasketch's default, SHA-1 based

    with timer.measure("sign"):
        minhashes = MinHash.bulk(
            ([s.encode("utf-8") for s in shingles(t, args.ngram, args.shingle)] for t in texts),
            num_perm=args.num_perm,
            seed=args.seed,
            hashfunc=hashfunc,
        )
    with timer.measure("lsh"):
        lsh = MinHashLSH(threshold=args.threshold, num_perm=args.num_perm, params=(args.bands, args.rows))
        with lsh.insertion_session() as session:
            for key, m in enumerate(minhashes):
                session.insert(key, m)
        pairs = pairs_from_results(lsh.query(m) for m in minhashes)
    return pairs


def run_rensa(texts: list[str], args, timer: Timer) -> set[tuple[int, int]]:
    with timer.measure("import"):
        from rensa import RMinHash, RMinHashLSH

    with timer.measure("sign"):
        minhashes = RMinHash.from_token_sets(
            (shingles(t, args.ngram, args.shingle) for t in texts), args.num_perm, args.seed
        )
    with timer.measure("lsh"):
        lsh = RMinHashLSH(threshold=args.threshold, num_perm=args.num_perm, num_bands=args.bands)
        lsh.insert_many(minhashes)
        pairs = pairs_from_results(lsh.query_all(minhashes))
    return pairs


def run_gaoya(texts: list[str], args, timer: Timer) -> set[tuple[int, int]]:
    with timer.measure("import"):
        from gaoya.minhash import MinHashStringIndex

    index = MinHashStringIndex(
        hash_size=32,
        jaccard_threshold=0.0 if args.gaoya_raw_candidates else args.threshold,
        num_bands=args.bands,
        band_size=args.rows,
        analyzer=args.shingle,
        lowercase=False,  # already normalized
        ngram_range=(args.ngram, args.ngram),
        id_container="vec",
    )
    ids = list(range(len(texts)))
    with timer.measure("sign"):  # gaoya tokenizes, hashes and inserts in one call
        index.par_bulk_insert_docs(ids, texts)
    with timer.measure("lsh"):
        pairs = pairs_from_results(index.par_bulk_query(texts))
    return pairs


PEERS = {"datasketch": run_datasketch, "rensa": run_rensa, "gaoya": run_gaoya}


# --------------------------------------------------------------------------
# Clustering


def union_find_groups(n: int, pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            if ra < rb:
                parent[rb] = ra
            else:
                parent[ra] = rb
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])


# --------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tool", required=True, choices=sorted(PEERS))
    p.add_argument("--input", required=True, help="JSONL, JSONL.gz or JSONL.zst (- for stdin)")
    p.add_argument("--unit", choices=("sentence", "paragraph", "document"), default="sentence")
    p.add_argument("--threshold", type=float, default=0.7)
    p.add_argument("--num-perm", type=int, default=128)
    p.add_argument("--bands", type=int, default=16)
    p.add_argument("--ngram", type=int, default=5)
    p.add_argument("--shingle", choices=("char", "word"), default="char")
    p.add_argument("--min-tokens", type=int, default=8)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--verify", action="store_true", help="keep only pairs with exact Jaccard >= threshold")
    p.add_argument("--scope", choices=("all", "cross-doc"), default="all",
                   help="cross-doc drops groups whose members all come from one document")
    p.add_argument("--hashfunc", choices=("sha1", "xxh32"), default="sha1",
                   help="datasketch only: token hash; sha1 is datasketch's default, xxh32 is xxhash.xxh32_intdigest")
    p.add_argument("--gaoya-raw-candidates", action="store_true",
                   help="gaoya only: jaccard_threshold=0, so its query returns every LSH candidate")
    p.add_argument("--text-field", default="text")
    p.add_argument("--id-field", default="id")
    p.add_argument("--out", required=True, help="groups JSONL to write (stdout carries the timing line)")
    args = p.parse_args(argv)
    if args.num_perm % args.bands:
        p.error(f"--bands {args.bands} must divide --num-perm {args.num_perm}")
    args.rows = args.num_perm // args.bands
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    timer = Timer()
    t0 = time.perf_counter()

    doc_ids: list[str] = []
    unit_doc: list[int] = []
    unit_span: list[tuple[int, int]] = []
    texts: list[str] = []
    n_units = skipped = 0
    with timer.measure("read_segment_normalize"):
        for doc_id, text in read_docs(args.input, args.text_field, args.id_field):
            d = len(doc_ids)
            doc_ids.append(doc_id)
            cspans = char_spans(text, args.unit)
            for (cs, ce), bspan in zip(cspans, byte_spans(text, cspans)):
                n_units += 1
                norm = normalize(text[cs:ce])
                tokens = norm.count(" ") + 1 if norm else 0
                if tokens == 0 or tokens < args.min_tokens:
                    skipped += 1
                    continue
                unit_doc.append(d)
                unit_span.append(bspan)
                texts.append(norm)

    pairs = PEERS[args.tool](texts, args, timer)
    n_candidates = len(pairs)

    if args.verify:
        with timer.measure("verify"):
            sets: dict[int, set[str]] = {}

            def shingle_set(i: int) -> set[str]:
                s = sets.get(i)
                if s is None:
                    s = sets[i] = shingles(texts[i], args.ngram, args.shingle)
                return s

            pairs = {(a, b) for a, b in pairs if jaccard(shingle_set(a), shingle_set(b)) >= args.threshold}

    with timer.measure("cluster"):
        groups = union_find_groups(len(texts), pairs)
        if args.scope == "cross-doc":
            groups = [g for g in groups if len({unit_doc[i] for i in g}) > 1]

    with timer.measure("write"):
        with open(args.out, "w", encoding="utf-8") as out:
            for g in groups:
                members = [{"doc": doc_ids[unit_doc[i]], "start": unit_span[i][0], "end": unit_span[i][1]} for i in g]
                out.write(json.dumps({"members": members}, ensure_ascii=False) + "\n")

    total = time.perf_counter() - t0
    print(
        f"{args.tool}: documents {len(doc_ids)}, units {n_units}, skipped units {skipped}, "
        f"candidate pairs {n_candidates}"
        + (f", verified pairs {len(pairs)}" if args.verify else "")
        + f", groups {len(groups)}",
        file=sys.stderr,
    )
    print(json.dumps({
        "tool": args.tool,
        "version": version(args.tool),
        "seconds_total": round(total, 3),
        "seconds_sign": round(timer.phases.get("sign", 0.0), 3),
        "units": n_units,
        "groups": len(groups),
        "documents": len(doc_ids),
        "skipped_units": skipped,
        "candidate_pairs": n_candidates,
        "verified_pairs": len(pairs) if args.verify else None,
        "grouped_units": sum(len(g) for g in groups),
        "phases": {k: round(v, 3) for k, v in timer.phases.items()},
        "params": {"unit": args.unit, "threshold": args.threshold, "num_perm": args.num_perm,
                   "bands": args.bands, "rows": args.rows, "ngram": args.ngram, "shingle": args.shingle,
                   "min_tokens": args.min_tokens, "seed": args.seed, "verify": args.verify,
                   "scope": args.scope},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
