#!/bin/bash
# Staged run against `scan` on one corpus: wall time, CPU time and peak RSS
# of every stage process. Usage: benches/staged/run.sh CORPUS SHARDS WORKERS [BUDGET]
# Prints one line per step: step, wall seconds, max peak RSS (kB) over its
# processes, CPU seconds (user + system) summed over its processes. Needs
# GNU time (/usr/bin/time) and a release build.
set -eu
corpus=$1; shards=$2; workers=$3; budget=${4:-}
bin=${DUPSCAN:-target/release/dupscan}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
b=""; [ -n "$budget" ] && b="--memory-budget $budget"
fmt='%M %U %S'
peak() { awk '{ if ($1 > m) m = $1 } END { print m }' "$1"; }
cpu() { awk '{ s += $2 + $3 } END { printf "%.2f", s }' "$1"; }
now() { date +%s.%N; }
line() { echo "$1 $(echo "$3 - $2" | bc) $(peak "$4") $(cpu "$4")"; }
t0=$(now)
/usr/bin/time -f "$fmt" -o "$out/scan.rss" "$bin" scan -q $b "$corpus" -o "$out/scan.json"
t1=$(now); line scan "$t0" "$t1" "$out/scan.rss"
w="$out/w"
total0=$(now)
/usr/bin/time -f "$fmt" -o "$out/plan.rss" "$bin" plan -q --work "$w" --shards "$shards" "$corpus"
t2=$(now); line plan "$total0" "$t2" "$out/plan.rss"
for step in sign bucket verify; do
  s0=$(now)
  seq 0 $((shards - 1)) | xargs -P "$workers" -I{} sh -c \
    "/usr/bin/time -f '$fmt' -a -o '$out/$step.rss' '$bin' $step -q -j 1 $b --work '$w' --shard {}/$shards"
  s1=$(now); line "$step" "$s0" "$s1" "$out/$step.rss"
done
c0=$(now)
/usr/bin/time -f "$fmt" -o "$out/cluster.rss" "$bin" cluster -q $b --work "$w" -o "$out/staged.json"
c1=$(now); line cluster "$c0" "$c1" "$out/cluster.rss"
cat "$out"/{plan,sign,bucket,verify,cluster}.rss > "$out/all.rss"
echo "staged-total $(echo "$c1 - $total0" | bc) $(peak "$out/all.rss") $(cpu "$out/all.rss")"
du -sk "$w" | awk '{print "workdir-kB", $1}'
# The reports are compact (one line): drop the seconds field, not the line.
strip() { sed 's/"seconds":[0-9.e+-]*//' "$1"; }
if cmp -s <(strip "$out/scan.json") <(strip "$out/staged.json"); then
  echo "reports identical (seconds aside)"
else
  echo "REPORTS DIFFER"; exit 1
fi
