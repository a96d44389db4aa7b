#!/usr/bin/env bash
# Measures how often `payfault check --against-baseline` is wrong (docs/check.md, "How often
# the baseline check is wrong"):
# - false alarms: a baseline at seed s, the unchanged scenario checked at seed s+1;
# - detection: the issuer's service time made 0.4% longer (150ms -> 150.6ms), checked at the
#   baseline's seed s (common random numbers: paired) and at seed s+1 (independent: Welch).
# Each try uses its own seeds. Prints, for each case, how many tries made the check fail
# (exit 1) and, when the binary has `check --json`, how many reported a change in the headline
# or the exploratory family.
#
# usage: scripts/check-power.sh [PAYFAULT_BINARY] [TRIES] [RUNS]
#   default: target/ci/payfault, 40 tries, 30 runs a batch (about 160 batches in all)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/ci/payfault}
tries=${2:-40}
runs=${3:-30}
fixture=tests/fixtures/check_power.toml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/shifted"
sed 's/mean = "150ms"/mean = "150.6ms"/' "$fixture" > "$work/shifted/check_power.toml"
grep -q '150.6ms' "$work/shifted/check_power.toml"
json=no
if "$bin" check --help | grep -q -- '--json'; then json=yes; fi

declare -A fail headline exploratory
for case in false_alarm same_seed other_seed; do
  fail[$case]=0; headline[$case]=0; exploratory[$case]=0
done

# One check: its exit code (0 or 1, anything else stops the script) and, with --json, which
# families reported a change.
one() { # case file seed baseline_dir
  local case=$1 file=$2 seed=$3 dir=$4 code=0
  if [ "$json" = yes ]; then
    "$bin" check "$file" -n "$runs" -s "$seed" -q --against-baseline "$dir" --json \
      > "$work/out.json" 2> "$work/err" || code=$?
  else
    "$bin" check "$file" -n "$runs" -s "$seed" -q --against-baseline "$dir" \
      2> "$work/err" || code=$?
  fi
  case $code in
    0) ;;
    1) fail[$case]=$((fail[$case] + 1)) ;;
    *) cat "$work/err" >&2; echo "check exited with $code" >&2; exit 2 ;;
  esac
  if [ "$json" = yes ]; then
    local h e
    h=$(jq '[.scenarios[].baseline.headline.changed | length] | add' "$work/out.json")
    e=$(jq '[.scenarios[].baseline.exploratory.changed | length] | add' "$work/out.json")
    [ "$h" -gt 0 ] && headline[$case]=$((headline[$case] + 1))
    [ "$e" -gt 0 ] && exploratory[$case]=$((exploratory[$case] + 1))
  fi
  return 0
}

for k in $(seq 1 "$tries"); do
  seed=$((1000 + 2 * k))
  dir="$work/base-$k"
  "$bin" check "$fixture" -n "$runs" -s "$seed" -q --save-baseline "$dir"
  one false_alarm "$fixture" $((seed + 1)) "$dir"
  one same_seed "$work/shifted/check_power.toml" "$seed" "$dir"
  one other_seed "$work/shifted/check_power.toml" $((seed + 1)) "$dir"
  rm -rf "$dir"
done

echo "payfault check --against-baseline: $tries tries, $runs runs a batch ($bin)"
for case in false_alarm same_seed other_seed; do
  line="$case: the check failed in ${fail[$case]} of $tries"
  if [ "$json" = yes ]; then
    line="$line; a headline change in ${headline[$case]}, an exploratory change in ${exploratory[$case]}"
  fi
  echo "$line"
done
