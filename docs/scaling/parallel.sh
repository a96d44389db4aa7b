#!/bin/bash
# One payfault batch over a few machines with GNU parallel and ssh: shard K of M runs on one of
# the machines listed in HOSTS (GNU parallel's --sshlogin syntax: "4/alice@box1,8/box2", where
# the number is how many shards that machine runs at once), its partial result comes back
# here, and the merge runs here.
#
#   HOSTS=box1,box2,box3 M=12 RUNS=100000 docs/scaling/parallel.sh
#   HOSTS=: M=2 RUNS=20 docs/scaling/parallel.sh        # ":" is this machine, without ssh
#
# Each machine needs payfault on its PATH (or PAYFAULT set to its path there), rsync (which
# brings the results back) and the scenario at the same path, or use a built-in scenario's
# name (baseline, outage, ...). Settings:
# SCENARIO, RUNS, SEED, M, OUT, PAYFAULT, ARGS (more options of `payfault run`), THREADS per
# shard (0: one per core of the machine it runs on), SSH (the ssh command, e.g. "ssh -p 2222").
set -euo pipefail

PAYFAULT=${PAYFAULT:-payfault}
SCENARIO=${SCENARIO:-baseline}
RUNS=${RUNS:-10000}
SEED=${SEED:-1}
M=${M:-8}
OUT=${OUT:-results/$(basename "$SCENARIO" .toml)}  # relative: the same path on every machine
HOSTS=${HOSTS:-:}
THREADS=${THREADS:-0}
SSH=${SSH:-ssh}
command -v parallel >/dev/null || {
    echo "GNU parallel is not installed (Debian/Ubuntu: apt install parallel)" >&2
    exit 2
}
case "$OUT" in /*) echo "OUT must be a relative folder (it is the same on every machine)" >&2; exit 2 ;; esac
mkdir -p "$OUT"

# On each machine: run shard {} of M into $OUT/shard-{}-of-M (relative to the login folder
# there), then --return brings that folder back to the same place here (with rsync, which both
# ends need); the copy there stays. On this machine (":") the shards write here directly.
remote=()
[ "$HOSTS" = ":" ] || remote=(--return "$OUT/shard-{}-of-$M")
# shellcheck disable=SC2086 # ARGS holds several options
seq 1 "$M" | parallel --ssh "$SSH" --sshlogin "$HOSTS" --halt now,fail=1 "${remote[@]}" \
    "$PAYFAULT" run "$SCENARIO" --runs "$RUNS" --seed "$SEED" --shard "{}/$M" \
    --threads "$THREADS" --quiet --out "$OUT/shard-{}-of-$M" ${ARGS:-}

# shellcheck disable=SC2086
"$PAYFAULT" merge "$OUT"/shard-*-of-"$M" --out "$OUT/merged" --quiet ${MERGE_ARGS:-}
echo "merged $M shards of $RUNS runs into $OUT/merged"
