#!/usr/bin/env bash
# Reproduces every figure of docs/PERFORMANCE.md except the criterion benchmark
# (`cargo bench --bench pipeline`). Takes about 5 minutes on 2 cores. Needs GNU time
# (/usr/bin/time) for peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/payfault
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Variants of the pipeline with other traffic windows (same rates and stations).
for w in 1m 1h 24h 72h; do
  sed "s/traffic_window = \"1h\"/traffic_window = \"$w\"/; s/name = \"pipeline\"/name = \"pipeline-$w\"/" \
    scenarios/pipeline.toml > "$tmp/pipeline-$w.toml"
done

# run NAME SCENARIO RUNS THREADS -> prints "NAME: S s, RSS KB, payments"
run() {
  local name=$1 scn=$2 runs=$3 threads=$4
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$bin" run "$scn" --runs "$runs" --threads "$threads" --quiet --out "$tmp/out-$name"
  local secs rss payments
  read -r secs rss < "$tmp/time"
  payments=$(python3 -c "import json,sys; m=json.load(open('$tmp/out-$name/summary.json'))['metrics']['payments']; print(int(round(m['mean']*$runs)))")
  printf '%-34s %8.2f s  %9d KB RSS  %12d payments  %10.0f payments/s\n' "$name" "$secs" "$rss" "$payments" "$(python3 -c "print($payments/$secs)")"
}

echo "== single-core rate, pipeline (20 runs, 1 thread)"
run pipeline-1thread scenarios/pipeline.toml 20 1
echo "== baseline (10 runs, 1 thread)"
run baseline-1thread scenarios/baseline.toml 10 1
echo "== 1 vs 2 threads, pipeline, 100 runs, three interleaved repetitions (the VM's speed drifts)"
for i in 1 2 3; do
  run "pipeline-100-t1-rep$i" scenarios/pipeline.toml 100 1
  run "pipeline-100-t2-rep$i" scenarios/pipeline.toml 100 2
done
echo "== 1000 runs of pipeline, 2 threads"
run pipeline-1000-t2 scenarios/pipeline.toml 1000 2
echo "== peak memory vs number of runs (pipeline with a 1-minute window, 2 threads)"
run pipeline-1m-100 "$tmp/pipeline-1m.toml" 100 2
run pipeline-1m-10000 "$tmp/pipeline-1m.toml" 10000 2
echo "== peak memory vs horizon (pipeline at 50/s, 2 runs, 1 thread)"
run pipeline-1h "$tmp/pipeline-1h.toml" 2 1
run pipeline-24h "$tmp/pipeline-24h.toml" 2 1
run pipeline-72h "$tmp/pipeline-72h.toml" 2 1
