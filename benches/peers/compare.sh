#!/usr/bin/env bash
# Side-by-side run of dupscan, the floor (benches/floor.rs) and the peer
# MinHash pipelines (datasketch, rensa, gaoya) on one corpus, with the same
# units and parameters, scored against one TRUTH file.
#
#   benches/peers/compare.sh CORPUS.jsonl[.gz|.zst] TRUTH.jsonl [UNIT]
#
# UNIT is sentence (default), paragraph or document. TRUTH may be "-" to skip
# scoring (timing and memory only). Every tool runs under /usr/bin/time -v.
# Parameters are dupscan's defaults for UNIT (bands and rows as dupscan picks
# them), read from `dupscan scan` itself; the variables below override them
# for every tool at once. The table is described in benches/peers/README.md.
#
# Environment, for this script only:
T="${T:-}"                    # Jaccard threshold [dupscan's default for UNIT]
N="${N:-}"                    # MinHash permutations [dupscan's default]
B="${B:-}"                    # LSH bands [chosen by dupscan from T and N]; rows follow from dupscan
SHINGLE="${SHINGLE:-}"        # char | word [dupscan's default for UNIT]
NGRAM="${NGRAM:-}"            # shingle length [dupscan's default for UNIT]
MIN_TOKENS="${MIN_TOKENS:-}"  # skip units with fewer normalized words [dupscan's default for UNIT]
SCOPE="${SCOPE:-}"            # all | cross-doc [dupscan's default]
SEED="${SEED:-}"              # seed of dupscan, datasketch and rensa (gaoya has none) [dupscan's default]
UNITS="${UNITS:-dupscan}"     # peers' units: dupscan (its segmenter's spans, via the floor) | regex (peer.py's own splitter)
EXACT="${EXACT:-1}"           # 1: peers join units with equal normalized text first and sign one of each, as dupscan does; 0: sign every unit
VERIFY="${VERIFY:-0}"         # 1: peers keep only pairs with exact Jaccard >= T (dupscan always verifies)
DS_HASHFUNC="${DS_HASHFUNC:-sha1}" # datasketch token hash: sha1 (its default) or xxh32
TOOLS="${TOOLS:-datasketch rensa gaoya}" # peers to run; dupscan and the floor always run
PREFIX_MB="${PREFIX_MB:-}"    # with PREFIX_TOOLS: run those on the first PREFIX_MB MB of the corpus
PREFIX_TOOLS="${PREFIX_TOOLS:-}" # peers that run on the prefix only (dupscan and the floor run there too)
JOBS="${JOBS:-}"              # worker threads for dupscan and the floor (-j) [all cores]
TARGET="${TARGET:-${CARGO_TARGET_DIR:-}}" # cargo target dir holding release/dupscan and release/examples/floor [<repo>/target]
DUPSCAN="${DUPSCAN:-}"        # dupscan binary [TARGET/release/dupscan]
FLOOR="${FLOOR:-}"            # floor binary [TARGET/release/examples/floor]
OUT_DIR="${OUT_DIR:-}"        # where outputs go [a new temporary directory]
set -euo pipefail

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 2 ] && [ $# -le 3 ] || usage
corpus="$1"
truth="$2"
unit="${3:-sentence}"
case "$unit" in sentence|paragraph|document) ;; *) usage ;; esac
case "$UNITS" in dupscan|regex) ;; *) echo "compare: UNITS must be dupscan or regex" >&2; exit 2 ;; esac
[ -f "$corpus" ] || { echo "compare: no corpus $corpus" >&2; exit 2; }
[ "$truth" = "-" ] || [ -f "$truth" ] || { echo "compare: no truth file $truth" >&2; exit 2; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="$root/.venv/bin/python"
if [ ! -x "$py" ] || [ ! -x /usr/bin/time ]; then
    bash "$here/setup.sh"
fi
target="${TARGET:-$root/target}"
dupscan="${DUPSCAN:-$target/release/dupscan}"
floor="${FLOOR:-$target/release/examples/floor}"
for bin in "$dupscan" "$floor"; do
    [ -x "$bin" ] || { echo "compare: $bin not built (cargo build --release --bin dupscan --example floor)" >&2; exit 2; }
done
if [ -z "$OUT_DIR" ]; then
    OUT_DIR="$(mktemp -d "${TMPDIR:-/tmp}/dupscan-peers.XXXXXX")"
fi
mkdir -p "$OUT_DIR"
: >"$OUT_DIR/commands.txt"
rm -f "$OUT_DIR"/*.failed

# Parameters: dupscan resolves its defaults (and validates overrides) on an
# empty input; everyone then gets exactly what it would use.
flags=(--unit "$unit")
[ -n "$T" ] && flags+=(--threshold "$T")
[ -n "$N" ] && flags+=(--num-perm "$N")
[ -n "$B" ] && flags+=(--bands "$B")
[ -n "$SHINGLE" ] && flags+=(--shingle "$SHINGLE")
[ -n "$NGRAM" ] && flags+=(--ngram "$NGRAM")
[ -n "$MIN_TOKENS" ] && flags+=(--min-tokens "$MIN_TOKENS")
[ -n "$SCOPE" ] && flags+=(--scope "$SCOPE")
[ -n "$SEED" ] && flags+=(--seed "$SEED")
: >"$OUT_DIR/empty.txt"
"$dupscan" scan --format json -q "${flags[@]}" -o "$OUT_DIR/params.json" "$OUT_DIR/empty.txt"
eval "$("$py" - "$OUT_DIR/params.json" <<'PY'
import json, shlex, sys
p = json.load(open(sys.argv[1]))["params"]
for var, key in [("T", "threshold"), ("N", "num_perm"), ("B", "bands"), ("R", "rows"), ("SHINGLE", "shingle"),
                 ("NGRAM", "ngram"), ("MIN_TOKENS", "min_tokens"), ("SCOPE", "scope"), ("SEED", "seed")]:
    print(f"{var}={shlex.quote(str(p[key]))}")
PY
)"
# dupscan and the floor get the flags as given: spelling out every value
# would not do, since dupscan's chosen split may use fewer than N values
# (23 x 5 of 128) while an explicit --bands alone must divide --num-perm.
[ -n "$JOBS" ] && flags+=(-j "$JOBS")

echo "compare: $corpus unit=$unit T=$T N=$N bands=${B}x$R shingle=$SHINGLE/$NGRAM min-tokens=$MIN_TOKENS" \
     "scope=$SCOPE seed=$SEED units=$UNITS exact=$EXACT verify=$VERIFY -> $OUT_DIR" >&2

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

# score NAME TRUTH
score() {
    local name="$1" truth="$2"
    [ "$truth" = "-" ] && return 0
    [ -f "$OUT_DIR/$name.failed" ] && return 0
    "$py" "$here/score.py" --truth "$truth" --groups "$OUT_DIR/$name.groups.jsonl" >"$OUT_DIR/$name.score.json"
}

peer_flags=()
[ "$VERIFY" = "1" ] && peer_flags=(--verify)
[ "$EXACT" = "0" ] && peer_flags+=(--no-exact-classes)

# one_corpus SUFFIX CORPUS TRUTH PEERS...: the floor, dupscan and PEERS on
# CORPUS; output names get SUFFIX ("" or "@<prefix>").
one_corpus() {
    local sfx="$1" input="$2" truth="$3"; shift 3
    run "floor$sfx" "$floor" "${flags[@]}" "$input"
    # JSON Lines: the streaming report (header line, then one group per line,
    # every member with its text), as a user writes a big corpus's report.
    run "dupscan$sfx" "$dupscan" scan --format jsonl -q --timings "${flags[@]}" -o "$OUT_DIR/dupscan$sfx.jsonl" "$input"
    if [ ! -f "$OUT_DIR/dupscan$sfx.failed" ]; then
        "$py" - "$OUT_DIR/params.json" "$OUT_DIR/dupscan$sfx.jsonl" <<'PY'
import json, sys
want = json.load(open(sys.argv[1]))["params"]
got = json.loads(open(sys.argv[2]).readline())["params"]
keys = ("unit", "threshold", "shingle", "ngram", "num_perm", "bands", "rows", "seed", "min_tokens", "scope")
diff = [k for k in keys if want[k] != got[k]]
if diff:
    sys.exit(f"compare: dupscan ran with other parameters than the peers: {diff}")
PY
        "$py" "$here/score.py" --convert "$OUT_DIR/dupscan$sfx.jsonl" --out "$OUT_DIR/dupscan$sfx.groups.jsonl"
        score "dupscan$sfx" "$truth"
    fi
    [ $# -gt 0 ] || return 0
    local units_flag=()
    if [ "$UNITS" = "dupscan" ]; then
        # Not timed: the floor again, writing the spans the peers will read.
        echo "compare: writing dupscan's units for the peers" >&2
        "$floor" "${flags[@]}" --units-out "$OUT_DIR/units$sfx.jsonl" "$input" >/dev/null
        units_flag=(--units "$OUT_DIR/units$sfx.jsonl")
    fi
    local tool
    for tool in "$@"; do
        run "$tool$sfx" "$py" "$here/peer.py" --tool "$tool" --input "$input" "${units_flag[@]}" --unit "$unit" \
            --threshold "$T" --num-perm "$N" --bands "$B" --rows "$R" --shingle "$SHINGLE" --ngram "$NGRAM" \
            --min-tokens "$MIN_TOKENS" --scope "$SCOPE" --seed "$SEED" --hashfunc "$DS_HASHFUNC" \
            "${peer_flags[@]}" --out "$OUT_DIR/$tool$sfx.groups.jsonl"
        score "$tool$sfx" "$truth"
    done
}

full_tools=() prefix_tools=()
for tool in $TOOLS; do
    if [ -n "$PREFIX_MB" ] && [[ " $PREFIX_TOOLS " == *" $tool "* ]]; then
        prefix_tools+=("$tool")
    else
        full_tools+=("$tool")
    fi
done

names=(floor dupscan "${full_tools[@]}")
one_corpus "" "$corpus" "$truth" "${full_tools[@]}"

if [ ${#prefix_tools[@]} -gt 0 ]; then
    # The first PREFIX_MB MB (10^6 bytes, decompressed) of the corpus in whole
    # lines, and the truth groups restricted to its documents.
    sfx="@${PREFIX_MB}MB"
    prefix_truth="-"
    [ "$truth" = "-" ] || prefix_truth="$OUT_DIR/prefix.truth.jsonl"
    "$py" - "$here" "$corpus" "$PREFIX_MB" "$OUT_DIR/prefix.jsonl" "$truth" "$prefix_truth" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from peer import open_text
corpus, mb, out, truth, out_truth = sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
limit = int(mb * 1e6)
ids, size = set(), 0
with open_text(corpus) as f, open(out, "w", encoding="utf-8") as o:
    for line in f:
        n = len(line.encode("utf-8"))
        if size + n > limit:
            break
        size += n
        o.write(line)
        if line.strip():
            ids.add(str(json.loads(line).get("id")))
print(f"compare: prefix of {len(ids)} documents, {size / 1e6:.1f} MB -> {out}", file=sys.stderr)
if truth != "-":
    kept = 0
    with open(truth, encoding="utf-8") as f, open(out_truth, "w", encoding="utf-8") as o:
        for line in f:
            if not line.strip():
                continue
            g = json.loads(line)
            g["members"] = [m for m in g["members"] if str(m["doc"]) in ids]
            if len(g["members"]) >= 2:
                kept += 1
                o.write(json.dumps(g, ensure_ascii=False) + "\n")
    print(f"compare: {kept} truth groups within the prefix -> {out_truth}", file=sys.stderr)
PY
    one_corpus "$sfx" "$OUT_DIR/prefix.jsonl" "$prefix_truth" "${prefix_tools[@]}"
    names+=("floor$sfx" "dupscan$sfx")
    for tool in "${prefix_tools[@]}"; do names+=("$tool$sfx"); done
fi

params="threshold $T, $SHINGLE $NGRAM-grams, $N permutations, $B bands x $R rows, min-tokens $MIN_TOKENS"
params+=", scope $SCOPE, seed $SEED, peers: units $UNITS, exact classes $EXACT, verify $VERIFY"
[ "$DS_HASHFUNC" = "sha1" ] || params+=", datasketch hash $DS_HASHFUNC"
"$py" - "$OUT_DIR" "$corpus" "$unit" "$params" "${names[@]}" <<'PY'
import json, os, re, sys

out_dir, corpus, unit, params, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]

def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None

def last_json(name):
    lines = (read(os.path.join(out_dir, name + ".out")) or "").strip().splitlines()
    return json.loads(lines[-1]) if lines else {}

def gnu_time(name):
    text = read(os.path.join(out_dir, name + ".time")) or ""
    wall = rss = cpu = None
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
    if m:
        secs = 0.0
        for part in m.group(1).split(":"):
            secs = secs * 60 + float(part)
        wall = secs
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        rss = int(m.group(1)) / 1024
    user = re.search(r"User time \(seconds\): (\S+)", text)
    system = re.search(r"System time \(seconds\): (\S+)", text)
    if user and system and wall:
        cpu = 100 * (float(user.group(1)) + float(system.group(1))) / wall
    return wall, rss, cpu

rows = []
for name in names:
    if read(os.path.join(out_dir, name + ".time")) is None:
        continue
    tool, _, where = name.partition("@")
    row = {"name": name, "tool": tool, "input": where or "full",
           "failed": os.path.exists(os.path.join(out_dir, name + ".failed"))}
    row["wall"], row["rss"], row["cpu"] = gnu_time(name)
    if not row["failed"]:
        if tool == "floor":
            j = last_json(name)
            row.update(sign=j["seconds"]["hash"], units=j["units"], mb=j["bytes"] / 1e6, shingles=j["shingles"],
                       threads=j["threads"])
        elif tool == "dupscan":
            rep = read(os.path.join(out_dir, name + ".jsonl"))
            st = json.loads(rep.split("\n", 1)[0])["stats"]
            row.update(units=st["units"], groups=st["groups"], pairs=st["candidate_pairs"], mb=st["bytes"] / 1e6)
            timings = dict(re.findall(r"dupscan: timings: (\w+)\s+([\d.]+) s",
                                      read(os.path.join(out_dir, name + ".err")) or ""))
            row["stages"] = {k: float(v) for k, v in timings.items()}
            row["sign"] = row["stages"].get("signing")
        else:
            j = last_json(name)
            row.update(sign=j.get("seconds_sign"), units=j.get("units"), groups=j.get("groups"),
                       pairs=j.get("candidate_pairs"), num_perm_computed=j.get("num_perm_computed"),
                       phases=j.get("phases"))
    sc = read(os.path.join(out_dir, name + ".score.json"))
    if sc:
        row.update({k: json.loads(sc)[k] for k in ("precision", "recall", "f1", "ari")})
    rows.append(row)

def base(tool, where):
    return next((r for r in rows if r["tool"] == tool and r["input"] == where and not r["failed"]), None)

for r in rows:
    floor, dup = base("floor", r["input"]), base("dupscan", r["input"])
    if floor and not r.get("mb"):
        r["mb"] = floor.get("mb")

def fmt(v, spec):
    return "-" if v is None else format(v, spec)

def ratio(r, key, b):
    if b is None or r.get(key) is None or not b.get(key):
        return "-"
    return f"{r[key] / b[key]:.2f}x"

def per_input(r, key):
    if r.get(key) is None or not r.get("mb"):
        return "-"
    return f"{r[key] / r['mb']:.2f}x"

cols = [("tool", 16), ("input MB", 8), ("wall s", 8), ("cpu %", 5), ("peak MB", 7), ("sign s", 7), ("units", 8),
        ("groups", 7), ("cand.pairs", 10), ("P", 5), ("R", 5), ("F1", 5), ("ARI", 5),
        ("wall/dupscan", 12), ("wall/floor", 10), ("sign/dupscan", 12), ("sign/floor", 10),
        ("mem/dupscan", 11), ("mem/input", 9)]
def line(cells):
    return "  ".join(f"{c:>{w}}" if i else f"{c:<{w}}" for i, (c, (_, w)) in enumerate(zip(cells, cols)))
print(f"corpus: {corpus}, unit: {unit}; {params}")
print(line([c for c, _ in cols]))
for r in rows:
    floor, dup = base("floor", r["input"]), base("dupscan", r["input"])
    cells = [r["name"] + (" FAILED" if r["failed"] else ""), fmt(r.get("mb"), ".1f"), fmt(r["wall"], ".2f"),
             fmt(r["cpu"], ".0f"), fmt(r["rss"], ".0f"), fmt(r.get("sign"), ".2f"), fmt(r.get("units"), "d"),
             fmt(r.get("groups"), "d"), fmt(r.get("pairs"), "d"), fmt(r.get("precision"), ".3f"),
             fmt(r.get("recall"), ".3f"), fmt(r.get("f1"), ".3f"), fmt(r.get("ari"), ".3f"),
             ratio(r, "wall", dup), ratio(r, "wall", floor), ratio(r, "sign", dup), ratio(r, "sign", floor),
             ratio(r, "rss", dup), per_input(r, "rss")]
    print(line(cells))
prefixes = sorted({r["input"] for r in rows if r["input"] != "full"})
for p in prefixes:
    pr = base("floor", p)
    docs = "?"
    text = read(os.path.join(out_dir, "prefix.jsonl"))
    if text is not None:
        docs = sum(1 for l in text.splitlines() if l.strip())
    print(f"{p}: run on the first {p[:-2]} MB of the corpus only (whole lines: {docs} documents,"
          f" {fmt(pr and pr.get('mb'), '.1f')} MB); its ratios are to floor@{p} and dupscan@{p}")
with open(os.path.join(out_dir, "table.json"), "w") as f:
    json.dump(rows, f, indent=1)
PY
echo "compare: outputs in $OUT_DIR (commands.txt has the exact commands)" >&2
