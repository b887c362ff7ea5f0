#!/usr/bin/env bash
# Side-by-side run of the peer MinHash pipelines (datasketch, rensa, gaoya) and
# dupscan on one corpus, scored against one TRUTH file.
#
#   benches/peers/compare.sh CORPUS.jsonl[.gz|.zst] TRUTH.jsonl [UNIT]
#
# UNIT is sentence (default), paragraph or document. TRUTH may be "-" to skip
# scoring (timing and memory only). Each tool runs under /usr/bin/time -v; the
# table gives wall time, peak RSS, signing seconds (measured inside peer.py),
# units, groups, LSH candidate pairs, pair precision/recall/F1 and ARI from
# score.py, and every tool's wall time and peak memory as a ratio to dupscan's
# (when target/release/dupscan exists; build it with `cargo build --release`).
#
# Parameters, overridable from the environment for this script only:
T="${T:-0.7}"                 # Jaccard threshold
N="${N:-128}"                 # MinHash permutations
B="${B:-16}"                  # LSH bands (rows = N / B)
NGRAM="${NGRAM:-5}"           # char n-gram length
MIN_TOKENS="${MIN_TOKENS:-8}" # skip units with fewer normalized words
SCOPE="${SCOPE:-all}"         # all | cross-doc, for dupscan and the peers alike
VERIFY="${VERIFY:-0}"         # 1: peers keep only pairs with exact Jaccard >= T (dupscan always verifies)
DS_HASHFUNC="${DS_HASHFUNC:-sha1}" # datasketch token hash: sha1 (its default) or xxh32
TOOLS="${TOOLS:-datasketch rensa gaoya}"
DUPSCAN="${DUPSCAN:-}"        # dupscan binary; target/release/dupscan by default
OUT_DIR="${OUT_DIR:-}"        # where outputs go; a new temporary directory by default
set -euo pipefail

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 2 ] && [ $# -le 3 ] || usage
corpus="$1"
truth="$2"
unit="${3:-sentence}"
case "$unit" in sentence|paragraph|document) ;; *) usage ;; esac
[ -f "$corpus" ] || { echo "compare: no corpus $corpus" >&2; exit 2; }
[ "$truth" = "-" ] || [ -f "$truth" ] || { echo "compare: no truth file $truth" >&2; exit 2; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="$root/.venv/bin/python"
if [ ! -x "$py" ] || [ ! -x /usr/bin/time ]; then
    bash "$here/setup.sh"
fi
if [ -z "$OUT_DIR" ]; then
    OUT_DIR="$(mktemp -d "${TMPDIR:-/tmp}/dupscan-peers.XXXXXX")"
fi
mkdir -p "$OUT_DIR"
: >"$OUT_DIR/commands.txt"

echo "compare: $corpus unit=$unit T=$T N=$N B=$B ngram=$NGRAM min-tokens=$MIN_TOKENS scope=$SCOPE verify=$VERIFY -> $OUT_DIR" >&2

# run NAME CMD...: runs CMD under GNU time; stdout, stderr and time -v go to OUT_DIR/NAME.*
run() {
    local name="$1"; shift
    printf '%q ' "$@" >>"$OUT_DIR/commands.txt"; echo >>"$OUT_DIR/commands.txt"
    echo "compare: running $name" >&2
    if ! /usr/bin/time -v -o "$OUT_DIR/$name.time" "$@" >"$OUT_DIR/$name.out" 2>"$OUT_DIR/$name.err"; then
        echo "compare: $name failed, see $OUT_DIR/$name.err" >&2
        tail -n 5 "$OUT_DIR/$name.err" >&2
        echo failed >"$OUT_DIR/$name.failed"
        return 0
    fi
    tail -n 1 "$OUT_DIR/$name.err" >&2
}

score() {
    local name="$1"
    [ "$truth" = "-" ] && return 0
    [ -f "$OUT_DIR/$name.failed" ] && return 0
    "$py" "$here/score.py" --truth "$truth" --groups "$OUT_DIR/$name.groups.jsonl" >"$OUT_DIR/$name.score.json"
}

verify_flag=()
[ "$VERIFY" = "1" ] && verify_flag=(--verify)

dupscan="${DUPSCAN:-$root/target/release/dupscan}"
if [ -x "$dupscan" ]; then
    run dupscan "$dupscan" scan --format json -q --unit "$unit" --threshold "$T" --num-perm "$N" \
        --bands "$B" --shingle char --ngram "$NGRAM" --min-tokens "$MIN_TOKENS" --scope "$SCOPE" \
        -o "$OUT_DIR/dupscan.json" "$corpus"
    if [ ! -f "$OUT_DIR/dupscan.failed" ]; then
        "$py" "$here/score.py" --convert "$OUT_DIR/dupscan.json" --out "$OUT_DIR/dupscan.groups.jsonl"
        score dupscan
    fi
else
    echo "compare: $dupscan not built; peers only" >&2
fi

for tool in $TOOLS; do
    run "$tool" "$py" "$here/peer.py" --tool "$tool" --input "$corpus" --unit "$unit" \
        --threshold "$T" --num-perm "$N" --bands "$B" --ngram "$NGRAM" --shingle char \
        --min-tokens "$MIN_TOKENS" --scope "$SCOPE" --hashfunc "$DS_HASHFUNC" "${verify_flag[@]}" \
        --out "$OUT_DIR/$tool.groups.jsonl"
    score "$tool"
done

"$py" - "$OUT_DIR" dupscan $TOOLS <<'PY'
import json, os, re, sys

out_dir, names = sys.argv[1], sys.argv[2:]

def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None

def gnu_time(name):
    text = read(os.path.join(out_dir, name + ".time")) or ""
    wall = rss = None
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
    if m:
        secs = 0.0
        for part in m.group(1).split(":"):
            secs = secs * 60 + float(part)
        wall = secs
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        rss = int(m.group(1)) / 1024
    return wall, rss

rows = []
for name in names:
    if read(os.path.join(out_dir, name + ".time")) is None:
        continue
    row = {"tool": name, "failed": os.path.exists(os.path.join(out_dir, name + ".failed"))}
    row["wall"], row["rss"] = gnu_time(name)
    if name == "dupscan":
        rep = read(os.path.join(out_dir, "dupscan.json"))
        if rep and not row["failed"]:
            st = json.loads(rep).get("stats", {})
            row.update(units=st.get("units"), groups=st.get("groups"), pairs=st.get("candidate_pairs"))
    else:
        lines = (read(os.path.join(out_dir, name + ".out")) or "").strip().splitlines()
        if lines and not row["failed"]:
            j = json.loads(lines[-1])
            row.update(sign=j.get("seconds_sign"), units=j.get("units"), groups=j.get("groups"),
                       pairs=j.get("candidate_pairs"))
    sc = read(os.path.join(out_dir, name + ".score.json"))
    if sc:
        row.update({k: json.loads(sc)[k] for k in ("precision", "recall", "f1", "ari")})
    rows.append(row)

base = next((r for r in rows if r["tool"] == "dupscan" and not r["failed"]), None)

def fmt(v, spec):
    return "-" if v is None else format(v, spec)

def ratio(r, key):
    if not base or r.get(key) is None or not base.get(key):
        return "-"
    return f"{r[key] / base[key]:.2f}x"

cols = [("tool", 10), ("wall s", 8), ("peak MB", 8), ("sign s", 7), ("units", 8), ("groups", 7),
        ("cand.pairs", 10), ("P", 6), ("R", 6), ("F1", 6), ("ARI", 6), ("wall/dupscan", 12), ("mem/dupscan", 11)]
print("  ".join(f"{c:>{w}}" if i else f"{c:<{w}}" for i, (c, w) in enumerate(cols)))
for r in rows:
    cells = [r["tool"] + (" FAILED" if r["failed"] else ""), fmt(r["wall"], ".2f"), fmt(r["rss"], ".0f"),
             fmt(r.get("sign"), ".2f"), fmt(r.get("units"), "d"), fmt(r.get("groups"), "d"),
             fmt(r.get("pairs"), "d"), fmt(r.get("precision"), ".3f"), fmt(r.get("recall"), ".3f"),
             fmt(r.get("f1"), ".3f"), fmt(r.get("ari"), ".3f"), ratio(r, "wall"), ratio(r, "rss")]
    print("  ".join(f"{c:>{w}}" if i else f"{c:<{w}}" for i, (c, (_, w)) in enumerate(zip(cells, cols))))
with open(os.path.join(out_dir, "table.json"), "w") as f:
    json.dump(rows, f, indent=1)
PY
echo "compare: outputs in $OUT_DIR (commands.txt has the exact commands)" >&2
