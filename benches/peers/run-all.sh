#!/usr/bin/env bash
# The whole peer comparison (issue 3) in one command: builds dupscan and the
# floor, makes the planted corpus if it is missing, and runs compare.sh on
#   1. the planted corpus, sentence level, scored against its truth;
#   2. debian-docs, sentence level (timing only);
#   3. debian-docs, paragraph level (timing only).
# Every tool gets dupscan's default parameters for the unit.
#
#   benches/peers/run-all.sh [--planted-mb MB] [--seed S] [--debian-docs N]
#                            [--prefix-mb MB] [--prefix-tools "TOOLS"] [--out DIR]
#
#   --planted-mb MB     size of the planted corpus [110]; it is made by
#                       gen_corpus from Reuters-21578 with --seed S [42] as
#                       bench-out/planted-<MB>mb-seed<S>.jsonl (+ .truth.jsonl)
#                       unless that file is there already
#   --debian-docs N     only the first N documents of debian-docs [all]
#   --prefix-mb MB      the tools in --prefix-tools run on the first MB
#                       megabytes (whole documents) of each corpus larger
#                       than that instead of the whole, and dupscan and the
#                       floor run on the same prefix for their ratios [none:
#                       every tool runs on every whole corpus]
#   --prefix-tools T    the tools that --prefix-mb applies to [datasketch]
#   --out DIR           outputs [bench-out/peers-<date>-<time>]; DIR/tables.txt
#                       gets the three tables
#
# Heavy: run it on a quiet machine. Uses CARGO_TARGET_DIR when set.
set -euo pipefail

planted_mb=110 seed=42 debian_docs=all prefix_mb="" prefix_tools=datasketch out=""
usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --planted-mb) planted_mb="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --debian-docs) debian_docs="$2"; shift 2 ;;
        --prefix-mb) prefix_mb="$2"; shift 2 ;;
        --prefix-tools) prefix_tools="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        -h|--help) usage ;;
        *) echo "run-all: unknown argument $1" >&2; usage ;;
    esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
bench="$root/bench-out"
mkdir -p "$bench"
out="${out:-$bench/peers-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
py="$root/.venv/bin/python"
[ -x "$py" ] && [ -x /usr/bin/time ] || bash "$here/setup.sh"

reuters="$root/../shared/corpora/reuters21578.jsonl.gz"
debian="$root/../shared/corpora/debian-docs.jsonl.zst"
for f in "$reuters" "$debian"; do
    [ -f "$f" ] || { echo "run-all: missing $f" >&2; exit 2; }
done

echo "run-all: building dupscan, floor and gen_corpus (release)" >&2
nice -n 5 cargo build --release --quiet --bin dupscan --example floor --example gen_corpus
target="$(cargo metadata --format-version 1 --no-deps | "$py" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

planted="$bench/planted-${planted_mb}mb-seed$seed.jsonl"
truth="${planted%.jsonl}.truth.jsonl"
if [ ! -f "$planted" ] || [ ! -f "$truth" ]; then
    echo "run-all: generating $planted" >&2
    "$target/release/examples/gen_corpus" --source "$reuters" --target-mb "$planted_mb" --seed "$seed" \
        --out-corpus "$planted.tmp" --out-truth "$truth.tmp"
    mv "$truth.tmp" "$truth"
    mv "$planted.tmp" "$planted"
fi

if [ "$debian_docs" = "all" ]; then
    debian_in="$debian"
else
    debian_in="$bench/debian-docs-first$debian_docs.jsonl"
    if [ ! -f "$debian_in" ]; then
        echo "run-all: writing the first $debian_docs documents of debian-docs to $debian_in" >&2
        "$py" - "$here" "$debian" "$debian_docs" "$debian_in.tmp" <<'PY'
import itertools, sys
sys.path.insert(0, sys.argv[1])
from peer import open_text
with open_text(sys.argv[2]) as f, open(sys.argv[4], "w", encoding="utf-8") as o:
    o.writelines(itertools.islice(f, int(sys.argv[3])))
PY
        mv "$debian_in.tmp" "$debian_in"
    fi
fi

# prefix_env CORPUS: the PREFIX_* settings of compare.sh for CORPUS, if it is
# larger than --prefix-mb.
prefix_env=()
set_prefix_env() {
    prefix_env=()
    [ -n "$prefix_mb" ] || return 0
    if "$py" - "$here" "$1" "$prefix_mb" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from peer import open_text
limit, size = float(sys.argv[3]) * 1e6, 0
with open_text(sys.argv[2]) as f:
    for line in f:
        size += len(line.encode("utf-8"))
        if size > limit:
            sys.exit(0)
sys.exit(1)
PY
    then
        prefix_env=(PREFIX_MB="$prefix_mb" PREFIX_TOOLS="$prefix_tools")
    fi
}

{
    echo "run-all: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, dupscan $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo '+changes')"
    echo "run-all: $0 --planted-mb $planted_mb --seed $seed --debian-docs $debian_docs" \
         "${prefix_mb:+--prefix-mb $prefix_mb --prefix-tools '$prefix_tools'}"
} | tee "$out/tables.txt" >&2

job() {
    local name="$1"; shift
    echo "run-all: $name" >&2
    local t0=$SECONDS
    env "$@" OUT_DIR="$out/$name" TARGET="$target" nice -n 5 "$here/compare.sh" "${job_args[@]}" >"$out/$name.table"
    { echo; echo "== $name ($((SECONDS - t0)) s)"; cat "$out/$name.table"; } | tee -a "$out/tables.txt"
}

set_prefix_env "$planted"
job_args=("$planted" "$truth" sentence)
job planted-sentence "${prefix_env[@]}"
set_prefix_env "$debian_in"
job_args=("$debian_in" - sentence)
job debian-sentence "${prefix_env[@]}"
job_args=("$debian_in" - paragraph)
job debian-paragraph "${prefix_env[@]}"

echo "run-all: tables in $out/tables.txt" >&2
