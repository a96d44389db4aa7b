#!/usr/bin/env bash
# A real Slurm cluster of one node on this machine runs docs/scaling/slurm.sh as an array job
# and docs/scaling/slurm-merge.sh as a job that depends on it; the merged folder must be byte
# for byte the folder of the whole batch run by one `payfault run`. Then one task fails (a
# wrapper of payfault that fails shard 2 the first time): the merge job never starts,
# `payfault merge --partial` names the missing shard, `payfault merge --missing` gives it in
# --array syntax, only that task is submitted again, and the merge is byte-exact again.
#
#   bash scripts/test-slurm.sh                 # after cargo build --profile ci (CI's binary)
#   PAYFAULT=target/release/payfault bash scripts/test-slurm.sh
#
# Needs root (it installs slurm-wlm and munge with apt-get when they are missing, and runs the
# daemons as root). Everything else lives in a temporary folder: a munge key and munged on its
# own socket, slurm.conf and cgroup.conf for one node (this machine's CPUs and memory, as
# `slurmd -C` reports them) on 127.0.0.1 with two free ports, slurmctld and slurmd with
# their state, spool, logs and PID files. Every daemon it started is stopped by its PID on
# exit, also on failure or interruption; the folder is removed (KEEP=1 keeps it).
# Settings: PAYFAULT, SCENARIO (default scenarios/outage.toml), RUNS (6), SEED (3), M (3 tasks),
# WAIT (bound in seconds on each wait, 240). Exit 0 only if everything above held.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PAYFAULT=$(realpath "${PAYFAULT:-target/ci/payfault}")
SCENARIO=$(realpath "${SCENARIO:-scenarios/outage.toml}")
RUNS=${RUNS:-6}
SEED=${SEED:-3}
M=${M:-3}
WAIT=${WAIT:-240}
NODE=pfnode
NAME=test-slurm
# shellcheck source=scripts/lib-steps.sh
source scripts/lib-steps.sh

[ -x "$PAYFAULT" ] || fail "no payfault binary at $PAYFAULT (cargo build --profile ci, or set PAYFAULT)"
[ "$(id -u)" = 0 ] || fail "run as root (it installs packages and starts the Slurm daemons)"

# 1. The packages.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
    ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    out=$({
        apt-get update -qq && apt-get install -y -qq --no-install-recommends slurm-wlm munge
    } 2>&1) ||
        fail "apt-get could not install the packages: $out"
fi
say "$(slurmctld -V), $(munged --version 2>&1 | head -1)"

# 2. The cluster's folder, and what stops it.
WORK=$(mktemp -d /tmp/payfault-slurm.XXXXXX)
chmod 755 "$WORK" # munged wants every folder above its socket executable by all
PIDS=()           # the daemons started, in order
NAMES=()
export SLURM_CONF=$WORK/slurm.conf

stop() {
    local rc=$?
    set +e
    if [ "$rc" != 0 ] && [ -d "$WORK" ]; then
        for f in "$WORK"/*.log "$WORK"/jobs/*.log; do
            [ -f "$f" ] && {
                echo "--- last lines of $f" >&2
                tail -n 15 "$f" >&2
            }
        done
    fi
    # Jobs first (if slurmctld still runs), so that no job step outlives the cluster.
    if [ ${#PIDS[@]} -ge 2 ] && kill -0 "${PIDS[1]}" 2>/dev/null; then
        scancel --quiet --full --user=root 2>/dev/null
        for _ in $(seq 1 20); do
            [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
            sleep 0.5
        done
    fi
    local i
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        local p=${PIDS[i]}
        if kill -0 "$p" 2>/dev/null; then
            kill -TERM "$p"
            for _ in $(seq 1 40); do
                kill -0 "$p" 2>/dev/null || break
                sleep 0.25
            done
            kill -0 "$p" 2>/dev/null && kill -KILL "$p"
            wait "$p" 2>/dev/null
            echo "stopped ${NAMES[i]} (pid $p)"
        fi
    done
    # What the cluster started and may outlive it (a job step's slurmstepd, a job's payfault)
    # carries this cluster's SLURM_CONF in its environment: wait for it, then end it by PID.
    local left quiet=0
    for _ in $(seq 1 40); do
        left=$(leftovers)
        if [ -z "$left" ]; then
            quiet=$((quiet + 1))
            [ "$quiet" -ge 2 ] && break # twice in a row: nothing was about to start either
        else
            quiet=0
        fi
        sleep 0.25
    done
    for p in $left; do
        kill -KILL "$p" 2>/dev/null && echo "ended a leftover process of the cluster (pid $p)"
    done
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
# The processes outside this script's session (so not the daemons it started, stopped by PID
# before, nor its own commands) whose environment has this cluster's SLURM_CONF: a job step's
# slurmstepd and what it runs, which Slurm starts in sessions of their own.
leftovers() {
    local e p stat rest sid mine
    read -r _ _ _ _ mine _ <<<"$(sed 's/.*) //' /proc/$$/stat)"
    for e in /proc/[0-9]*/environ; do
        p=${e#/proc/}
        p=${p%/environ}
        stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        rest=${stat##*) }
        read -r _ _ _ sid _ <<<"$rest"
        [ "$sid" = "$mine" ] && continue
        if tr '\0' '\n' 2>/dev/null <"$e" | grep -xF "SLURM_CONF=$SLURM_CONF" >/dev/null; then
            echo "$p"
        fi
    done
    return 0
}
trap stop EXIT
trap 'exit 130' INT TERM HUP

# A free TCP port on 127.0.0.1 (nothing answers there), from a random start.
free_port() {
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && [ "$p" != "${1:-}" ]; then
            echo "$p"
            return
        fi
    done
    fail "no free port found"
}
CTLD_PORT=$(free_port)
SLURMD_PORT=$(free_port "$CTLD_PORT")

# 3. munged, with a key of its own, on a socket of its own.
mkdir -m 755 "$WORK/munge"
dd if=/dev/urandom of="$WORK/munge.key" bs=1024 count=1 status=none
chmod 400 "$WORK/munge.key"
munged -F --key-file="$WORK/munge.key" --socket="$WORK/munge/munge.socket" \
    --pid-file="$WORK/munged.pid" --log-file="$WORK/munged.log" --seed-file="$WORK/munged.seed" \
    >>"$WORK/munged.log" 2>&1 &
PIDS+=($!)
NAMES+=(munged)
for _ in $(seq 1 50); do
    [ -S "$WORK/munge/munge.socket" ] && break
    sleep 0.1
done
munge -S "$WORK/munge/munge.socket" -n | unmunge -S "$WORK/munge/munge.socket" >/dev/null ||
    fail "munged does not answer"
say "munged (pid ${PIDS[0]}) answers on $WORK/munge/munge.socket"

# 4. slurm.conf and cgroup.conf: one node, this machine's CPUs and memory, no cgroups.
HW=$(slurmd -C | head -1 | sed 's/^NodeName=[^ ]* //')
mkdir -p "$WORK/state" "$WORK/spool" "$WORK/jobs" "$WORK/results"
cat >"$WORK/slurm.conf" <<EOF
# Written by scripts/test-slurm.sh: one node on 127.0.0.1, for a test.
ClusterName=payfault-test
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$WORK/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$NODE NodeAddr=127.0.0.1 $HW State=UNKNOWN
PartitionName=test Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
cat >"$WORK/cgroup.conf" <<EOF
# Not used (proctrack/linuxproc, task/none): cgroups are not needed in this container.
CgroupAutomount=no
EOF
say "slurm.conf: $NODE $HW; slurmctld on port $CTLD_PORT, slurmd on $SLURMD_PORT"

# 5. slurmctld and slurmd, in the foreground of their own processes (so $! is their PID).
slurmctld -D -c -i >>"$WORK/slurmctld.log" 2>&1 &
PIDS+=($!)
NAMES+=(slurmctld)
slurmd -D -N "$NODE" >>"$WORK/slurmd.log" 2>&1 &
PIDS+=($!)
NAMES+=(slurmd)
state=
for _ in $(seq 1 $((WAIT * 2))); do
    state=$(sinfo -h -N -n "$NODE" -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    kill -0 "${PIDS[1]}" 2>/dev/null || fail "slurmctld stopped"
    kill -0 "${PIDS[2]}" 2>/dev/null || fail "slurmd stopped"
    sleep 0.5
done
[ "$state" = idle ] || fail "node $NODE is '$state', not idle, after ${WAIT} s"
say "slurmctld (pid ${PIDS[1]}) and slurmd (pid ${PIDS[2]}) up: node $NODE idle"

# The whole batch, by one process: what the merges must equal.
"$PAYFAULT" run "$SCENARIO" --runs "$RUNS" --seed "$SEED" --quiet --out "$WORK/whole"
say "whole batch: payfault run $(basename "$SCENARIO") --runs $RUNS --seed $SEED"

# The state of each of a job's tasks (JobState=...), one a line.
states() { scontrol -o show job "$1" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2; }
# Waits (bounded) until nothing of job $1 is queued or running.
wait_done() {
    for _ in $(seq 1 $((WAIT * 2))); do
        [ -z "$(squeue -h -j "$1" -o %i 2>/dev/null)" ] && return 0
        sleep 0.5
    done
    fail "job $1 not done after ${WAIT} s: $(squeue -j "$1")"
}
# Submits the array (tasks $1 of the batch in $2, with the payfault $3) and the merge after it.
common() {
    echo --parsable --chdir="$WORK/jobs" --cpus-per-task=1 --time=00:10:00
}
submit_array() {
    # --cpus-per-task and --time override the script's #SBATCH lines for this small node.
    # shellcheck disable=SC2046
    sbatch $(common) --array="$1" \
        --export="ALL,PAYFAULT=$3,SCENARIO=$SCENARIO,RUNS=$RUNS,SEED=$SEED,OUT=$2${4:-}" \
        "$ROOT/docs/scaling/slurm.sh"
}
submit_merge() {
    # shellcheck disable=SC2046
    sbatch $(common) --mem=1G --dependency="afterok:$1" \
        --export="ALL,PAYFAULT=$PAYFAULT,OUT=$2" "$ROOT/docs/scaling/slurm-merge.sh"
}
same() {
    diff -r -q "$WORK/whole" "$1" >&2 || fail "$1 differs from the whole batch"
    say "$1: every file byte for byte the whole batch's ($(find "$1" -type f | wc -l) files)"
}

# 6. The array job and the merge after it.
OUT=$WORK/results/ok
jid=$(submit_array "1-$M" "$OUT" "$PAYFAULT")
mid=$(submit_merge "$jid" "$OUT")
say "submitted array job $jid (tasks 1-$M) and merge job $mid (afterok:$jid)"
wait_done "$jid"
[ "$(states "$jid" | sort -u)" = COMPLETED ] || fail "array job $jid: $(states "$jid" | tr '\n' ' ')"
say "array job $jid: $(states "$jid" | wc -l) tasks COMPLETED"
wait_done "$mid"
[ "$(states "$mid")" = COMPLETED ] || fail "merge job $mid: $(states "$mid")"
say "merge job $mid COMPLETED"
same "$OUT/merged"

# 7. One task fails: the merge never starts; the missing shard alone is submitted again.
FLAKY=$WORK/flaky-payfault
cat >"$FLAKY" <<EOF
#!/bin/bash
# payfault on a node that fails once: shard 2 exits 1 the first time it is tried.
case " \$* " in
*" --shard 2/$M "*)
    if mkdir "$WORK/failed-once" 2>/dev/null; then
        echo "simulated failure of the node running shard 2/$M" >&2
        exit 1
    fi ;;
esac
exec "$PAYFAULT" "\$@"
EOF
chmod +x "$FLAKY"
OUT=$WORK/results/retry
jid=$(submit_array "1-$M" "$OUT" "$FLAKY")
mid=$(submit_merge "$jid" "$OUT")
say "submitted array job $jid with a failing task 2, and merge job $mid (afterok:$jid)"
wait_done "$jid"
got=$(states "$jid" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')
if [ "$(states "$jid" | grep -c FAILED)" != 1 ] ||
    [ "$(states "$jid" | grep -c COMPLETED)" != $((M - 1)) ]; then
    fail "array job $jid: expected one task FAILED: $got"
fi
reason=
for _ in $(seq 1 $((WAIT * 2))); do
    reason=$(squeue -h -j "$mid" -o %r 2>/dev/null || true)
    [ "$reason" = DependencyNeverSatisfied ] && break
    sleep 0.5
done
[ "$reason" = DependencyNeverSatisfied ] || fail "merge job $mid: '$reason', not DependencyNeverSatisfied"
scancel "$mid"
[ ! -e "$OUT/merged" ] || fail "the merge ran although a task failed"
say "array job $jid: $got; merge job $mid never ran ($reason), cancelled"
if "$PAYFAULT" merge "$OUT"/shard-*-of-"$M" --out "$WORK/incomplete" --quiet 2>"$WORK/merge.err"
then
    fail "merge of an incomplete set succeeded"
fi
grep -q -- "--array=2 " "$WORK/merge.err" || fail "merge does not name shard 2: $(cat "$WORK/merge.err")"
"$PAYFAULT" merge "$OUT"/shard-*-of-"$M" --partial --no-charts --out "$WORK/partial" --quiet \
    2>"$WORK/merge.err"
grep -q -- "--array=2 " "$WORK/merge.err" || fail "merge --partial does not name shard 2"
sed 's/^/  merge --partial: /' "$WORK/merge.err"
missing=$("$PAYFAULT" merge "$OUT"/shard-*-of-"$M" --missing)
[ "$missing" = 2 ] || fail "merge --missing says '$missing', not 2"
say "merge --missing: $missing"
jid=$(submit_array "$missing" "$OUT" "$FLAKY" ",M=$M")
mid=$(submit_merge "$jid" "$OUT")
say "re-submitted only task(s) $missing as array job $jid (M=$M), and merge job $mid"
wait_done "$jid"
[ "$(states "$jid")" = COMPLETED ] || fail "array job $jid: $(states "$jid")"
wait_done "$mid"
[ "$(states "$mid")" = COMPLETED ] || fail "merge job $mid: $(states "$mid")"
[ -z "$("$PAYFAULT" merge "$OUT"/shard-*-of-"$M" --missing)" ] || fail "shards still missing"
say "array job $jid and merge job $mid COMPLETED"
same "$OUT/merged"
say "test-slurm: OK"
