#!/usr/bin/env python3
"""Scores reported near-duplicate groups against a TRUTH file.

Usage:
    score.py --truth TRUTH.jsonl --groups GROUPS   # one JSON line of scores on stdout
    score.py --convert REPORT.json --out GROUPS.jsonl
    score.py --self-test

Formats. TRUTH and GROUPS are JSONL, one group a line:
``{"members": [{"doc": ID, "start": B, "end": E}, ...]}`` with UTF-8 byte
offsets ``[start, end)`` into the document's text. GROUPS may instead be a
dupscan JSON report (one object with a ``"groups"`` list of such groups, extra
fields ignored) or dupscan's JSONL report (lines without ``"members"``, such as
its header, are skipped); ``load_groups`` reads all three. Members without
``start``/``end`` are whole documents.

Definitions.

* Labelled units are the distinct members of TRUTH (one per (doc, start, end)).
* Matching: a reported member matches a labelled unit of the same document
  when their spans overlap by at least half of the labelled span
  (2 * overlap >= labelled length; an empty labelled span must lie inside the
  reported one). When several labelled units match, the one with the largest
  overlap wins (then the earliest). A member without start/end (or a
  labelled unit without them) matches by document id alone: the first
  labelled unit of that document in TRUTH order. A reported member that
  matches no labelled unit stands for itself, a unit unknown to TRUTH.
* Pairs: every unordered pair of members within one group. True pairs T come
  from TRUTH. Predicted pairs P come from GROUPS with each member replaced by
  its matched labelled unit (or by itself when unmatched); the result is a set,
  so a pair reported twice counts once, and a pair whose two members map to
  the same labelled unit is dropped. Pairs involving an unmatched member are
  never in T, so they count as false positives.
      precision = |P ∩ T| / |P|      (1 when P is empty)
      recall    = |P ∩ T| / |T|      (1 when T is empty)
      F1        = 2 * precision * recall / (precision + recall)   (0 when both are 0)
* ARI: the adjusted Rand index (Hubert & Arabie 1985) of the two clusterings
  of U, every unit that appears in either side (labelled units and unmatched
  reported members). A unit that appears on one side only is a singleton on
  the other. Groups that share a unit are merged on that side, so each side is
  a partition. With the contingency table n_ij, row sums a_i, column sums b_j
  and n = |U|:
      index = sum_ij C(n_ij, 2); A = sum_i C(a_i, 2); B = sum_j C(b_j, 2)
      expected = A * B / C(n, 2); maximum = (A + B) / 2
      ARI = (index - expected) / (maximum - expected)
  and, when maximum == expected (e.g. both sides all singletons), 1 if the two
  partitions are identical and 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from math import comb
from typing import Hashable, Iterable, Sequence

Member = tuple  # (doc, start, end); start/end None for whole documents


# --------------------------------------------------------------------------
# Reading


def _member(m: dict) -> Member:
    return (str(m["doc"]), m.get("start"), m.get("end"))


def parse_groups(text: str) -> list[list[Member]]:
    """Groups from a dupscan JSON report, a dupscan JSONL report or groups JSONL."""
    stripped = text.strip()
    if not stripped:
        return []
    try:
        obj = json.loads(stripped)
    except json.JSONDecodeError:
        obj = None
    if isinstance(obj, dict) and isinstance(obj.get("groups"), list):
        raw = obj["groups"]
    elif isinstance(obj, dict) and "members" in obj:
        raw = [obj]
    elif isinstance(obj, list):
        raw = obj
    else:
        raw = []
        for line in stripped.splitlines():
            if line.strip():
                o = json.loads(line)
                if isinstance(o, dict) and "members" in o:
                    raw.append(o)
    return [[_member(m) for m in g["members"]] for g in raw]


def load_groups(path: str) -> list[list[Member]]:
    """Reads groups from any format parse_groups accepts."""
    with open(path, encoding="utf-8") as f:
        return parse_groups(f.read())


def write_groups(groups: Iterable[Sequence[Member]], path: str) -> None:
    """Writes groups as JSONL in the TRUTH format."""
    with open(path, "w", encoding="utf-8") as f:
        for g in groups:
            members = []
            for doc, start, end in g:
                m = {"doc": doc}
                if start is not None and end is not None:
                    m["start"], m["end"] = start, end
                members.append(m)
            f.write(json.dumps({"members": members}, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------
# Matching


class Matcher:
    """Maps reported members to labelled units (see the module docstring)."""

    def __init__(self, labelled: Iterable[Member]):
        self.by_doc: dict[str, list[Member]] = defaultdict(list)
        seen = set()
        for u in labelled:
            if u not in seen:
                seen.add(u)
                self.by_doc[u[0]].append(u)

    def match(self, member: Member) -> Member | None:
        doc, start, end = member
        units = self.by_doc.get(doc)
        if not units:
            return None
        if start is None or end is None:
            return units[0]
        best, best_overlap = None, -1
        for u in units:
            _, us, ue = u
            if us is None or ue is None:
                return u
            length = ue - us
            overlap = min(end, ue) - max(start, us)
            if length == 0:
                ok = start <= us <= end
                overlap = 0
            else:
                ok = overlap > 0 and 2 * overlap >= length
            if ok and (overlap > best_overlap or (overlap == best_overlap and us < best[1])):
                best, best_overlap = u, overlap
        return best


# --------------------------------------------------------------------------
# Metrics


def group_pairs(groups: Iterable[Iterable[Hashable]]) -> set[frozenset]:
    pairs = set()
    for g in groups:
        g = list(dict.fromkeys(g))
        for i in range(len(g)):
            for j in range(i + 1, len(g)):
                pairs.add(frozenset((g[i], g[j])))
    return pairs


def partition(groups: Iterable[Iterable[Hashable]]) -> dict[Hashable, Hashable]:
    """Unit -> cluster label, merging groups that share a unit."""
    parent: dict = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for g in groups:
        g = list(g)
        for u in g:
            find(u)
        for u in g[1:]:
            ra, rb = find(g[0]), find(u)
            if ra != rb:
                parent[rb] = ra
    return {u: find(u) for u in parent}


def adjusted_rand_index(labels_a: Sequence[Hashable], labels_b: Sequence[Hashable]) -> float:
    """Hubert–Arabie ARI of two labelings of the same items."""
    if len(labels_a) != len(labels_b):
        raise ValueError("labelings differ in length")
    n = len(labels_a)
    index = sum(comb(c, 2) for c in Counter(zip(labels_a, labels_b)).values())
    sum_a = sum(comb(c, 2) for c in Counter(labels_a).values())
    sum_b = sum(comb(c, 2) for c in Counter(labels_b).values())
    total = comb(n, 2)
    expected = sum_a * sum_b / total if total else 0.0
    maximum = (sum_a + sum_b) / 2
    if maximum == expected:
        # Degenerate: identical partitions score 1 (e.g. all singletons on both sides).
        return 1.0 if index == sum_a == sum_b else 0.0
    return (index - expected) / (maximum - expected)


def score(truth: list[list[Member]], predicted: list[list[Member]]) -> dict:
    labelled = [u for g in truth for u in g]
    matcher = Matcher(labelled)
    mapped_groups = []
    matched_members = unmatched_members = 0
    for g in predicted:
        mapped = []
        for m in g:
            u = matcher.match(m)
            if u is None:
                unmatched_members += 1
                mapped.append(("?",) + m)  # unknown unit, distinct from any labelled one
            else:
                matched_members += 1
                mapped.append(u)
        mapped_groups.append(mapped)

    true_pairs = group_pairs(truth)
    pred_pairs = {p for p in group_pairs(mapped_groups) if len(p) == 2}
    hits = len(true_pairs & pred_pairs)
    precision = hits / len(pred_pairs) if pred_pairs else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    truth_part = partition(truth)
    pred_part = partition(mapped_groups)
    units = list(dict.fromkeys(list(truth_part) + list(pred_part)))
    ari = adjusted_rand_index(
        [truth_part.get(u, ("single", u)) for u in units],
        [pred_part.get(u, ("single", u)) for u in units],
    )
    return {
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(f1, 6),
        "ari": round(ari, 6),
        "true_pairs": len(true_pairs),
        "predicted_pairs": len(pred_pairs),
        "correct_pairs": hits,
        "truth_groups": len(truth),
        "predicted_groups": len(predicted),
        "matched_members": matched_members,
        "unmatched_members": unmatched_members,
        "units": len(units),
    }


# --------------------------------------------------------------------------
# Self-test with hand-computed values


def self_test() -> int:
    failures = checks = 0

    def check(name, got, want, tol=1e-9):
        nonlocal failures, checks
        checks += 1
        ok = abs(got - want) <= tol if isinstance(want, float) else got == want
        print(f"{'ok  ' if ok else 'FAIL'} {name}: got {got!r}, want {want!r}")
        failures += not ok

    a, b, c, d = ("A", 0, 10), ("A", 20, 40), ("B", 0, 30), ("C", 5, 25)
    x, y = ("X", 0, 10), ("Y", 0, 10)

    # Perfect.
    s = score([[a, b, c], [d, ("D", 0, 8)]], [[a, b, c], [d, ("D", 0, 8)]])
    for k in ("precision", "recall", "f1", "ari"):
        check(f"perfect {k}", s[k], 1.0)

    # One missing pair: truth {a,b} {c,d}, reported {a,b} only.
    # P = 1/1, R = 1/2, F1 = 2/3. ARI over {a,b,c,d}: truth {ab}{cd}, reported
    # {ab}{c}{d}: index 1, A 2, B 1, expected 2*1/6 = 1/3, max 3/2
    # -> (1 - 1/3) / (3/2 - 1/3) = 4/7.
    s = score([[a, b], [c, d]], [[a, b]])
    check("missing pair precision", s["precision"], 1.0)
    check("missing pair recall", s["recall"], 0.5)
    check("missing pair f1", s["f1"], round(2 / 3, 6))
    check("missing pair ari", s["ari"], round(4 / 7, 6))

    # One extra group of units unknown to the truth: truth {a,b}, reported {a,b} {x,y}.
    # P = 1/2, R = 1, F1 = 2/3; ARI over {a,b,x,y}: truth {ab}{x}{y}, reported {ab}{xy} -> 4/7.
    s = score([[a, b]], [[a, b], [x, y]])
    check("extra group precision", s["precision"], 0.5)
    check("extra group recall", s["recall"], 1.0)
    check("extra group f1", s["f1"], round(2 / 3, 6))
    check("extra group ari", s["ari"], round(4 / 7, 6))

    # ARI of identical clusterings (relabelled) is 1; a known value from the
    # literature: [0,0,1,1] vs [0,0,1,2] -> 4/7.
    check("ari identical", adjusted_rand_index([0, 0, 1, 1, 2], [5, 5, 3, 3, 9]), 1.0)
    check("ari all singletons", adjusted_rand_index([0, 1, 2], [2, 1, 0]), 1.0)
    check("ari 0011 vs 0012", adjusted_rand_index([0, 0, 1, 1], [0, 0, 1, 2]), 4 / 7)

    # Span matching: overlap of at least half the labelled span.
    m = Matcher([a, b])
    check("span exact", m.match(("A", 0, 10)), a)
    check("span half overlap", m.match(("A", 5, 18)), a)  # 5 of 10 bytes of a
    check("span less than half", m.match(("A", 6, 18)), None)  # 4 of 10, 0 of b
    check("span other doc", m.match(("B", 0, 10)), None)
    check("span larger reported unit", m.match(("A", 0, 40)), b)  # b overlaps 20, a 10
    check("document member", Matcher([("Z", None, None)]).match(("Z", 3, 9)), ("Z", None, None))
    check("document reported", Matcher([c]).match(("B", None, None)), c)
    # Shifted spans (off by one byte, as a splitter that keeps a space would
    # report) still score perfectly.
    s = score([[a, b]], [[("A", 1, 11), ("A", 19, 40)]])
    check("shifted spans f1", s["f1"], 1.0)

    # Formats: a dupscan JSON report, its JSONL form and groups JSONL give the same groups.
    report = {"tool": {"name": "dupscan"}, "stats": {}, "groups": [
        {"id": 0, "size": 2, "members": [{"doc": "A", "source": "f", "unit": 0, "start": 0, "end": 10,
                                           "similarity": 1.0}, {"doc": "B", "start": 0, "end": 30}]}]}
    want = [[("A", 0, 10), ("B", 0, 30)]]
    check("format report", parse_groups(json.dumps(report)), want)
    check("format report jsonl", parse_groups(json.dumps({"tool": {}, "stats": {}}) + "\n"
                                              + json.dumps(report["groups"][0]) + "\n"), want)
    check("format groups jsonl", parse_groups(json.dumps({"members": [{"doc": "A", "start": 0, "end": 10},
                                                                      {"doc": "B", "start": 0, "end": 30}]}) + "\n"
                                              + json.dumps({"members": [{"doc": "C"}, {"doc": "D"}]})),
          want + [[("C", None, None), ("D", None, None)]])
    check("format empty", parse_groups(""), [])

    print(f"self-test: {checks - failures} passed, {failures} failed")
    return 1 if failures else 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--truth")
    p.add_argument("--groups", help="groups JSONL, or a dupscan JSON/JSONL report")
    p.add_argument("--convert", metavar="REPORT", help="convert REPORT (any accepted format) to groups JSONL")
    p.add_argument("--out", help="output of --convert")
    p.add_argument("--self-test", action="store_true")
    args = p.parse_args(argv)
    if args.self_test:
        return self_test()
    if args.convert:
        if not args.out:
            p.error("--convert needs --out")
        write_groups(load_groups(args.convert), args.out)
        return 0
    if not (args.truth and args.groups):
        p.error("--truth and --groups are required")
    print(json.dumps(score(load_groups(args.truth), load_groups(args.groups))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
