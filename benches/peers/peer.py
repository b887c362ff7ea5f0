#!/usr/bin/env python3
"""Near-duplicate detection with a peer MinHash library, for comparison with dupscan.

One job, three libraries: read JSONL documents, cut them into units
(sentences, paragraphs or whole documents, each with its UTF-8 byte span),
normalize, shingle, MinHash + LSH with the given number of permutations,
bands and rows, union-find over the LSH candidate pairs, and write the groups
as JSONL:

    {"members": [{"doc": ID, "start": B, "end": E}, ...]}

(the format of a TRUTH file, read by score.py).

Units. With ``--units FILE`` (written by ``cargo run --release --example floor
-- --units-out FILE``) the units are dupscan's own: the byte spans of its
segmenter, one document a line in corpus order, so every tool compares the
same units; reading that file is part of the timed job. Without it a simple
regex splitter stands in (``char_spans``), whose units differ from dupscan's.

Each library is used through its public API the way its users write such a
pipeline:

* datasketch: ``MinHash.bulk`` (``update_batch`` on one reused MinHash state per
  unit, ``--seed``, datasketch's default SHA-1 token hash unless
  ``--hashfunc xxh32``) and ``MinHashLSH(threshold, num_perm,
  params=(bands, rows))`` filled through an insertion session, then ``query``
  for every unit. Its signature is ``num_perm`` values; the bands use the
  first ``bands * rows``.
* rensa: full R-MinHash (``RMinHash.from_token_sets``; not the "rho" sketch)
  and ``RMinHashLSH(threshold, num_perm, num_bands)`` with ``insert_many`` and
  ``query_all`` (in batches of ``QUERY_BATCH`` units). RMinHashLSH requires ``num_bands`` to divide ``num_perm`` and
  uses all of it, so when ``bands * rows < num_perm`` (dupscan's 23 x 5 of
  128) rensa computes ``bands * rows`` permutations instead: the same bands,
  fewer values computed.
* gaoya: ``gaoya.minhash.MinHashStringIndex`` with its own Rust char/word
  n-gram analyzer on our normalized text, ``num_bands=bands``,
  ``band_size=rows``, ``hash_size=32`` (its signature is ``bands * rows``
  values long; it has no seed); ``par_bulk_insert_docs`` then
  ``par_bulk_query`` (in batches of ``QUERY_BATCH`` units). Note that gaoya's query already drops candidates whose
  *MinHash-estimated* Jaccard is below ``jaccard_threshold``, and that its
  ``par_*`` calls use every core (rayon; RAYON_NUM_THREADS limits them), while
  the datasketch and rensa pipelines here run on one core.

Exact classes first, as dupscan does: units whose normalized text is equal
are joined to the first of them, and only that first one is signed, indexed
and queried (``--no-exact-classes`` signs every unit; with the thousands of
identical navigation lines of debian-docs that makes every peer quadratic).
Every signed unit's candidates are joined by union-find as they arrive; candidate
pairs are counted, not stored (see ``QUERY_BATCH``). No exact verification by
default (as these pipelines usually run); ``--verify`` keeps only candidate
pairs whose exact Jaccard of shingle sets reaches the threshold (units with
equal normalized text pass without computing it).

stderr gets the counters (units, skipped units, candidate pairs, groups);
stdout gets one JSON line with the timings:
``{"tool", "seconds_total", "seconds_sign", "units", "groups", "num_perm_computed", ...}`` where
``seconds_sign`` is the time spent on shingling + MinHash alone (for gaoya,
whose public API hashes inside the index, the time of ``par_bulk_insert_docs``:
its tokenizing, hashing and band insertion together), and ``phases`` splits
``seconds_total`` into read_segment_normalize, exact, import, sign, index (band
insertion), query (queries + union-find + verification), cluster and write.
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


def read_units(path: str) -> Iterator[tuple[str, list[tuple[int, int]]]]:
    """Yields (id, byte spans) per line of a units file (see the module docstring)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            yield obj["id"], obj["spans"]


def docs_with_units(args) -> Iterator[tuple[str, str, list[tuple[str, tuple[int, int]]]]]:
    """Yields (id, text, [(unit text, byte span), ...]) per document, the units
    from ``--units`` when given, else from ``char_spans``."""
    docs = read_docs(args.input, args.text_field, args.id_field)
    if not args.units:
        for doc_id, text in docs:
            cspans = char_spans(text, args.unit)
            yield doc_id, text, [(text[cs:ce], b) for (cs, ce), b in zip(cspans, byte_spans(text, cspans))]
        return
    units = read_units(args.units)
    for (doc_id, text), unit_line in zip(docs, units, strict=True):
        uid, spans = unit_line
        if uid != doc_id:
            raise SystemExit(f"{args.units}: document {uid!r} where {args.input} has {doc_id!r}")
        if text.isascii():
            yield doc_id, text, [(text[s:e], (s, e)) for s, e in spans]
        else:
            raw = text.encode("utf-8", errors="surrogatepass")
            yield doc_id, text, [(raw[s:e].decode("utf-8", errors="replace"), (s, e)) for s, e in spans]


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
# Peers: each takes the normalized unit texts, signs and indexes them, and
# returns, lazily and in unit order, the LSH candidates of every unit.
#
# Candidates are consumed as they come (union-find in ``main``) rather than
# collected as a set of pairs: a cluster of k near-identical units (navigation
# boilerplate on thousands of pages) has k^2 / 2 candidate pairs, and a set of
# them grew past 24 GB on 23 MB of debian-docs. The libraries' queries still return
# k keys for each of the k units: that work is theirs.

# Units per query_all / par_bulk_query call, so that the results in flight
# stay small.
QUERY_BATCH = 4096


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


def run_datasketch(texts: list[str], args, timer: Timer) -> Iterator[Iterable[int]]:
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
    with timer.measure("index"):
        lsh = MinHashLSH(threshold=args.threshold, num_perm=args.num_perm, params=(args.bands, args.rows))
        with lsh.insertion_session() as session:
            for key, m in enumerate(minhashes):
                session.insert(key, m)
    return (lsh.query(m) for m in minhashes)


def run_rensa(texts: list[str], args, timer: Timer) -> Iterator[Iterable[int]]:
    with timer.measure("import"):
        from rensa import RMinHash, RMinHashLSH

    # RMinHashLSH needs num_bands | num_perm and bands all of it: compute
    # exactly the values the bands use.
    num_perm = args.num_perm if args.num_perm % args.bands == 0 else args.bands * args.rows
    args.num_perm_computed = num_perm
    with timer.measure("sign"):
        minhashes = RMinHash.from_token_sets(
            (shingles(t, args.ngram, args.shingle) for t in texts), num_perm, args.seed
        )
    with timer.measure("index"):
        lsh = RMinHashLSH(threshold=args.threshold, num_perm=num_perm, num_bands=args.bands)
        lsh.insert_many(minhashes)

    def results():
        for k in range(0, len(minhashes), QUERY_BATCH):
            yield from lsh.query_all(minhashes[k : k + QUERY_BATCH])

    return results()


def run_gaoya(texts: list[str], args, timer: Timer) -> Iterator[Iterable[int]]:
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
    args.num_perm_computed = args.bands * args.rows  # gaoya's signature length
    ids = list(range(len(texts)))
    with timer.measure("sign"):  # gaoya tokenizes, hashes and inserts in one call
        index.par_bulk_insert_docs(ids, texts)

    def results():
        for k in range(0, len(texts), QUERY_BATCH):
            yield from index.par_bulk_query(texts[k : k + QUERY_BATCH])

    return results()


PEERS = {"datasketch": run_datasketch, "rensa": run_rensa, "gaoya": run_gaoya}


# --------------------------------------------------------------------------
# Clustering


class UnionFind:
    """Union-find whose roots are the smallest member."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra < rb:
            self.parent[rb] = ra
        elif rb < ra:
            self.parent[ra] = rb

    def groups(self) -> list[list[int]]:
        """Groups of two or more, each ascending, ordered by their first member."""
        groups: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            groups.setdefault(self.find(i), []).append(i)
        return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])


# --------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tool", required=True, choices=sorted(PEERS))
    p.add_argument("--input", required=True, help="JSONL, JSONL.gz or JSONL.zst (- for stdin)")
    p.add_argument("--unit", choices=("sentence", "paragraph", "document"), default="sentence")
    p.add_argument("--threshold", type=float, default=0.7)
    p.add_argument("--num-perm", type=int, default=128)
    p.add_argument("--bands", type=int, default=20)
    p.add_argument("--rows", type=int, help="values per band; bands * rows <= num-perm [default: num-perm / bands]")
    p.add_argument("--ngram", type=int, default=5)
    p.add_argument("--shingle", choices=("char", "word"), default="char")
    p.add_argument("--min-tokens", type=int, default=6)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--verify", action="store_true", help="keep only pairs with exact Jaccard >= threshold")
    p.add_argument("--scope", choices=("all", "cross-doc"), default="cross-doc",
                   help="cross-doc drops groups whose members all come from one document")
    p.add_argument("--hashfunc", choices=("sha1", "xxh32"), default="sha1",
                   help="datasketch only: token hash; sha1 is datasketch's default, xxh32 is xxhash.xxh32_intdigest")
    p.add_argument("--gaoya-raw-candidates", action="store_true",
                   help="gaoya only: jaccard_threshold=0, so its query returns every LSH candidate")
    p.add_argument("--no-exact-classes", dest="exact_classes", action="store_false",
                   help="sign every unit, also those whose normalized text equals an earlier unit's")
    p.add_argument("--units", help="unit spans per document, from the floor example's --units-out")
    p.add_argument("--text-field", default="text")
    p.add_argument("--id-field", default="id")
    p.add_argument("--out", required=True, help="groups JSONL to write (stdout carries the timing line)")
    args = p.parse_args(argv)
    if args.bands < 1 or args.num_perm < args.bands:
        p.error(f"--bands must be in [1, --num-perm], got {args.bands}")
    if args.rows is None:
        args.rows = args.num_perm // args.bands
    if args.rows < 1 or args.bands * args.rows > args.num_perm:
        p.error(f"--bands {args.bands} x --rows {args.rows} must be at most --num-perm {args.num_perm}")
    args.num_perm_computed = args.num_perm
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
    with timer.measure("read_segment_normalize"):  # segment: read --units
        for doc_id, _text, units in docs_with_units(args):
            d = len(doc_ids)
            doc_ids.append(doc_id)
            for unit_text, bspan in units:
                n_units += 1
                norm = normalize(unit_text)
                tokens = norm.count(" ") + 1 if norm else 0
                if tokens == 0 or tokens < args.min_tokens:
                    skipped += 1
                    continue
                unit_doc.append(d)
                unit_span.append(bspan)
                texts.append(norm)

    # Exact classes (as dupscan does, and unless --no-exact-classes): units
    # with equal normalized text are joined to the first of them before any
    # MinHash work, and only that first one is signed and indexed.
    with timer.measure("exact"):
        if args.exact_classes:
            first: dict[str, int] = {}
            class_of = [first.setdefault(t, i) for i, t in enumerate(texts)]
            del first
            reps = [i for i, c in enumerate(class_of) if c == i]
        else:
            class_of = None
            reps = range(len(texts))
        signed = [texts[i] for i in reps] if class_of is not None else texts

    results = PEERS[args.tool](signed, args, timer)

    # Candidate pairs (i, j), i < j, counted from unit i's side (LSH candidates
    # are symmetric), each joined at once, or first verified with --verify.
    n_candidates = n_verified = 0
    uf = UnionFind(len(texts))
    with timer.measure("query"):  # the library's queries, union-find, --verify
        for k, found in enumerate(results):
            i, set_i = reps[k], None
            for l in found:
                if l <= k:
                    continue
                j = reps[l]
                n_candidates += 1
                if args.verify and texts[i] != texts[j]:
                    if set_i is None:
                        set_i = shingles(texts[i], args.ngram, args.shingle)
                    if jaccard(set_i, shingles(texts[j], args.ngram, args.shingle)) < args.threshold:
                        continue
                n_verified += 1
                uf.union(i, j)
    with timer.measure("cluster"):
        if class_of is not None:
            for i, c in enumerate(class_of):
                if c != i:
                    uf.union(c, i)

    with timer.measure("cluster"):
        groups = uf.groups()
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
        f"exact duplicate units {len(texts) - len(reps)}, candidate pairs {n_candidates}"
        + (f", verified pairs {n_verified}" if args.verify else "")
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
        "exact_duplicate_units": len(texts) - len(reps),
        "candidate_pairs": n_candidates,
        "verified_pairs": n_verified if args.verify else None,
        "grouped_units": sum(len(g) for g in groups),
        "num_perm_computed": args.num_perm_computed,
        "phases": {k: round(v, 3) for k, v in timer.phases.items()},
        "params": {"unit": args.unit, "threshold": args.threshold, "num_perm": args.num_perm,
                   "bands": args.bands, "rows": args.rows, "ngram": args.ngram, "shingle": args.shingle,
                   "min_tokens": args.min_tokens, "seed": args.seed, "verify": args.verify,
                   "scope": args.scope, "units": "dupscan" if args.units else "regex",
                   "exact_classes": args.exact_classes},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
