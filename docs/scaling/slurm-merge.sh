#!/bin/bash
# The merge step of docs/scaling/slurm.sh: run it after the array job has succeeded
# (sbatch --dependency=afterok:<array job id> docs/scaling/slurm-merge.sh). It reads every
# shard's partial result under $OUT and writes the batch's files to $OUT/merged.
#
#SBATCH --job-name=payfault-merge
#SBATCH --cpus-per-task=1
#SBATCH --mem=4G
#SBATCH --time=01:00:00
#SBATCH --output=payfault-merge-%j.log
set -euo pipefail

PAYFAULT=${PAYFAULT:-payfault}
OUT=${OUT:-results/baseline}

# shellcheck disable=SC2086 # MERGE_ARGS holds several options
"$PAYFAULT" merge "$OUT"/shard-*-of-* --out "$OUT/merged" --quiet ${MERGE_ARGS:-}
