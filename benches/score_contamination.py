#!/usr/bin/env python3
"""Scores a `dupscan scan --reference` JSON report against the truth written by
`gen_contamination` (see benches/gen_contamination.rs).

    python3 benches/score_contamination.py REPORT.json TRUTH.jsonl [--json]

An item is *found* when the report's `contamination.items[]` lists it (its
`doc`), *flagged* likewise for a clean item. A found item is also *located*
when one of the groups it is in (`items[].groups`) has a corpus member in the
truth's host document whose byte range overlaps the pasted span (the member's
`match_start`/`match_end` when the report gives them, else `start`/`end`).

Prints the found share of pasted items (overall and by placement, case,
credit, boilerplate and number of edits) and the flagged share of clean items
(overall and for items that carry boilerplate). Exit code 0, or 2 on bad
input.
"""

import json
import sys
from collections import defaultdict


def load_truth(path):
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"score_contamination: {path}:{n}: {e}")
    return items


def span_of(member):
    if "match_start" in member and "match_end" in member:
        return member["match_start"], member["match_end"]
    return member["start"], member["end"]


def score(report, truth):
    contamination = report.get("contamination") or {}
    flagged = {it["doc"]: it for it in contamination.get("items", [])}
    groups = report.get("groups", [])

    def located(item):
        entry = flagged.get(item["item"])
        if entry is None:
            return False
        for g in entry.get("groups", []):
            if g >= len(groups):
                continue
            for m in groups[g]["members"]:
                if m.get("side") == "reference" or m["doc"] != item["doc"]:
                    continue
                start, end = span_of(m)
                if start < item["end"] and item["start"] < end:
                    return True
        return False

    rows = defaultdict(lambda: [0, 0, 0])  # key -> [items, found, located]
    clean = defaultdict(lambda: [0, 0])  # key -> [items, flagged]
    for item in truth:
        hit = item["item"] in flagged
        if not item["pasted"]:
            for key in ["all"] + (["boilerplate in item"] if item["boilerplate_in_item"] else []):
                clean[key][0] += 1
                clean[key][1] += hit
            continue
        loc = located(item)
        keys = [
            "all",
            f"placement: {item['placement']}",
            "lower-cased" if item["lower"] else "case kept",
            "credit, no period" if item["credit"] else "no credit",
            f"{len(item['edits'])} word(s) changed",
        ]
        if item["near_boilerplate"]:
            keys.append("next to boilerplate")
        if item["boilerplate_in_item"]:
            keys.append("boilerplate in item")
        for key in keys:
            rows[key][0] += 1
            rows[key][1] += hit
            rows[key][2] += loc
    return rows, clean


def share(part, whole):
    return part / whole if whole else float("nan")


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.exit(__doc__.strip().splitlines()[3].strip())
    try:
        with open(args[0], encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        print(f"score_contamination: {args[0]}: {e}", file=sys.stderr)
        return 2
    truth = load_truth(args[1])
    rows, clean = score(report, truth)
    if "--json" in argv:
        out = {
            "pasted": {k: {"items": v[0], "found": v[1], "located": v[2],
                           "found_share": share(v[1], v[0])} for k, v in rows.items()},
            "clean": {k: {"items": v[0], "flagged": v[1],
                          "flagged_share": share(v[1], v[0])} for k, v in clean.items()},
        }
        json.dump(out, sys.stdout, indent=2)
        print()
        return 0
    print(f"{'pasted items':<28}{'items':>7}{'found':>8}{'share':>8}{'located':>9}")
    order = sorted(rows, key=lambda k: (k != "all", k))
    for k in order:
        n, found, loc = rows[k]
        print(f"  {k:<26}{n:>7}{found:>8}{share(found, n):>8.3f}{loc:>9}")
    print(f"{'clean items':<28}{'items':>7}{'flagged':>8}{'share':>8}")
    for k in sorted(clean, key=lambda k: (k != "all", k)):
        n, hit = clean[k]
        print(f"  {k:<26}{n:>7}{hit:>8}{share(hit, n):>8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
