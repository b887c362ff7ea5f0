#!/bin/bash
# Staged run against `scan` on one corpus: wall time, and peak RSS of every
# stage process. Usage: benches/staged/run.sh CORPUS SHARDS WORKERS [BUDGET]
# Prints one line per step: step, wall seconds, max peak RSS (kB) over its
# processes. Needs GNU time (/usr/bin/time) and a release build.
set -eu
corpus=$1; shards=$2; workers=$3; budget=${4:-}
bin=${DUPSCAN:-target/release/dupscan}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
b=""; [ -n "$budget" ] && b="--memory-budget $budget"
peak() { sort -n "$1" | tail -1; }
now() { date +%s.%N; }
t0=$(now)
/usr/bin/time -f %M -o "$out/scan.rss" "$bin" scan -q $b "$corpus" -o "$out/scan.json"
t1=$(now); echo "scan $(echo "$t1 - $t0" | bc) $(cat "$out/scan.rss")"
w="$out/w"
total0=$(now)
/usr/bin/time -f %M -o "$out/plan.rss" "$bin" plan -q --work "$w" --shards "$shards" "$corpus"
t2=$(now); echo "plan $(echo "$t2 - $total0" | bc) $(cat "$out/plan.rss")"
for step in sign bucket verify; do
  s0=$(now)
  seq 0 $((shards - 1)) | xargs -P "$workers" -I{} sh -c \
    "/usr/bin/time -f %M -a -o '$out/$step.rss' '$bin' $step -q -j 1 $b --work '$w' --shard {}/$shards"
  s1=$(now); echo "$step $(echo "$s1 - $s0" | bc) $(peak "$out/$step.rss")"
done
c0=$(now)
/usr/bin/time -f %M -o "$out/cluster.rss" "$bin" cluster -q $b --work "$w" -o "$out/staged.json"
c1=$(now); echo "cluster $(echo "$c1 - $c0" | bc) $(cat "$out/cluster.rss")"
echo "staged-total $(echo "$c1 - $total0" | bc)"
du -sk "$w" | awk '{print "workdir-kB", $1}'
if diff <(grep -v '"seconds"' "$out/scan.json") <(grep -v '"seconds"' "$out/staged.json") >/dev/null; then
  echo "reports identical (seconds aside)"
else
  echo "REPORTS DIFFER"; exit 1
fi
