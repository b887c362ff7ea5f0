#!/bin/bash
# dupscan against duplodocus (AllenAI's Rust MinHash deduplicator) at
# document level, word 5-grams, 17 bands x 7 rows, on one corpus cut into
# JSON Lines shards. Usage:
#   benches/staged/vs-duplodocus.sh DUPLODOCUS_BIN SHARD_DIR BUDGET [ROUNDS] [DD_BUDGET]
# SHARD_DIR holds the shards (*.jsonl.zst; duplodocus takes a directory and
# shards by file). duplodocus is built outside this repository (see
# BENCHMARKS.md "Document level under a budget, against duplodocus").
# Prints one line per run: run, wall s, max peak RSS (kB) over its
# processes, CPU s (user + system, summed over its processes). The runs
# alternate within each round. Needs GNU time and a release build of dupscan.
set -eu
dd=$1; shards=$2; budget=$3; rounds=${4:-3}; ddbudget=${5:-}
bin=${DUPSCAN:-target/release/dupscan}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
n=$(ls "$shards"/*.jsonl.zst | wc -l)
# duplodocus: uniseg splits the cleaned text into words and the single
# spaces between them, so 9 tokens are 5 words.
cat > "$out/dd.yaml" <<YAML
minhash_params: {num_buckets: 17, bucket_size: 7, ngram_size: 9, permutation_seed: 42, tokenizer: "uniseg"}
eng_params: {num_docs: 1000000000, max_lines_per_path: 1000000000, num_sig_chunks: $n}
output_params: {annotate: true, annotate_key: minhash.fuzzy, remove_duplicates: false, delete_while_cleaning: false}
YAML
opts="-q --unit document --shingle word --ngram 5 --threshold 0.8 --bands 17 --rows 7"
fmt='%M %U %S'
now() { date +%s.%N; }
report() { # name start end rss-file
  awk -v n="$1" -v w="$(echo "$3 - $2" | bc)" \
    '{ if ($1 > m) m = $1; s += $2 + $3 } END { printf "%s %.2f %d %.2f\n", n, w, m, s }' "$4"
}
run() { # name command...
  local name=$1; shift
  rm -rf "$out/w" "$out/o" "$out/r.json" "$out/rss"
  local t0; t0=$(now)
  /usr/bin/time -f "$fmt" -o "$out/rss" "$@" > /dev/null
  report "$name" "$t0" "$(now)" "$out/rss"
}
for r in $(seq "$rounds"); do
  run dd-memory "$dd" minhash-memory --input-dir "$shards" --storage-dir "$out/w" \
    --output-dir "$out/o" --text-key text --config "$out/dd.yaml"
  # duplodocus's distributed steps, 2 processes at once where it shards.
  rm -rf "$out/w" "$out/o" "$out/rss"; t0=$(now)
  w="$out/w"; c="--config $out/dd.yaml"
  /usr/bin/time -f "$fmt" -a -o "$out/rss" "$dd" mh-build-file-map --input-dir "$shards" --storage-dir "$w" > /dev/null
  seq 0 $((n - 1)) | xargs -P 2 -I{} /usr/bin/time -f "$fmt" -a -o "$out/rss" "$dd" mh-hash-docs \
    --local-input "$shards" --storage-dir "$w" $c --path-chunk {} --num-path-chunks "$n" > /dev/null
  /usr/bin/time -f "$fmt" -a -o "$out/rss" "$dd" mh-gather-edges --storage-dir "$w" $c > /dev/null
  /usr/bin/time -f "$fmt" -a -o "$out/rss" "$dd" mh-build-uf --storage-dir "$w" $c --num-path-chunks "$n" > /dev/null
  seq 0 $((n - 1)) | xargs -P 2 -I{} /usr/bin/time -f "$fmt" -a -o "$out/rss" "$dd" mh-clean-files \
    --input-dir "$shards" --storage-dir "$w" --output-dir "$out/o" $c --path-chunk {} --num-path-chunks "$n" > /dev/null
  report dd-staged "$t0" "$(now)" "$out/rss"
  run scan "$bin" scan $opts "$shards"/*.jsonl.zst -o "$out/r.json"
  run "scan-$budget" "$bin" scan $opts --memory-budget "$budget" "$shards"/*.jsonl.zst -o "$out/r.json"
  run "scan-$budget-no-text" "$bin" scan $opts --no-text --memory-budget "$budget" "$shards"/*.jsonl.zst -o "$out/r.json"
  # dupscan's staged run: n shards, 2 processes at once, each -j 1.
  b=""; [ -n "$ddbudget" ] && b="--memory-budget $ddbudget"
  rm -rf "$out/w" "$out/rss"; t0=$(now)
  /usr/bin/time -f "$fmt" -a -o "$out/rss" "$bin" plan $opts --work "$w" --shards "$n" "$shards"/*.jsonl.zst
  for step in sign bucket verify; do
    seq 0 $((n - 1)) | xargs -P 2 -I{} /usr/bin/time -f "$fmt" -a -o "$out/rss" \
      "$bin" $step -q -j 1 $b --work "$w" --shard "{}/$n"
  done
  /usr/bin/time -f "$fmt" -a -o "$out/cluster.rss" "$bin" cluster -q $b --work "$w" -o "$out/r.json"
  cat "$out/cluster.rss" >> "$out/rss"
  report "staged${ddbudget:+-$ddbudget}" "$t0" "$(now)" "$out/rss"
  awk '{ printf "  (cluster alone: %d kB, %.2f CPU s)\n", $1, $2 + $3 }' "$out/cluster.rss"
  rm -f "$out/cluster.rss"
done
