#!/bin/bash
# One payfault batch as a Slurm array job: task K of the array runs shard K of M, where M is
# the size of the array. Submit it, then the merge once every task has succeeded:
#
#   jid=$(sbatch --parsable docs/scaling/slurm.sh)
#   sbatch --dependency=afterok:$jid docs/scaling/slurm-merge.sh
#
# Settings (environment, or edit the defaults): SCENARIO, RUNS, SEED, OUT (a folder every node
# can write, e.g. on the cluster's shared file system), PAYFAULT (the binary), ARGS (more
# options of `payfault run`, e.g. "--variant failover"). Change --array to choose M: every run
# of the batch is in exactly one shard whatever M is, and the merged files do not depend on M.
#
# When tasks failed, run only those again: `payfault merge --missing` names them in --array
# syntax, and M must then be given, since the new array is smaller than the batch's split:
#
#   sbatch --array=$(payfault merge --missing "$OUT"/shard-*-of-100) --export=ALL,M=100 \
#       docs/scaling/slurm.sh
#
#SBATCH --job-name=payfault-shard
#SBATCH --array=1-100
#SBATCH --cpus-per-task=4
#SBATCH --mem-per-cpu=1G
#SBATCH --time=02:00:00
#SBATCH --output=payfault-shard-%A_%a.log
set -euo pipefail

PAYFAULT=${PAYFAULT:-payfault}
SCENARIO=${SCENARIO:-scenarios/baseline.toml}
RUNS=${RUNS:-1000000}
SEED=${SEED:-1}
OUT=${OUT:-results/baseline}
K=${SLURM_ARRAY_TASK_ID:?run this as an array job (sbatch), or set SLURM_ARRAY_TASK_ID}
# M: the number of shards. The array's size when it is the whole split (--array=1-M);
# a re-submission of some tasks (--array=2,37) must say M (--export=ALL,M=100).
if [ -z "${M:-}" ]; then
    M=${SLURM_ARRAY_TASK_COUNT:?run this as an array job (sbatch), or set SLURM_ARRAY_TASK_COUNT}
    if [ "${SLURM_ARRAY_TASK_MIN:-1}" != 1 ] || [ "${SLURM_ARRAY_TASK_MAX:-$M}" != "$M" ]; then
        echo "array ${SLURM_ARRAY_TASK_MIN}-${SLURM_ARRAY_TASK_MAX} is not 1-M:" \
            "give the batch's number of shards (sbatch --export=ALL,M=...)" >&2
        exit 2
    fi
fi

# shellcheck disable=SC2086 # ARGS holds several options
"$PAYFAULT" run "$SCENARIO" --runs "$RUNS" --seed "$SEED" --shard "$K/$M" \
    --threads "${SLURM_CPUS_PER_TASK:-0}" --quiet --out "$OUT/shard-$K-of-$M" ${ARGS:-}
