#!/bin/bash
# Grades a class as a Slurm job array, one shard per task, then merges:
#   jid=$(sbatch --parsable grade-shards.sh)
#   sbatch --dependency=afterok:$jid --wrap "cd $RAFTLAB_REPO && ./raftlab gradebook merge $CLASS/shards/shard-*.csv --out $CLASS/gradebook.csv"
# Set RAFTLAB_REPO (the course repository) and CLASS (submissions/ inside; shards/ is
# written) in the environment sbatch passes on.
# A Slurm task runs as your own user, and without root the grader refuses to grade a
# class: every check would run as that user, which could then rewrite the grader
# and other students' grades. Run the task as root (a root container, for example
# Pyxis's srun --container-image with --no-container-remap-root unset), or set
# TRUST_SUBMISSIONS=1 to grade anyway if you trust every submission.
#SBATCH --job-name=raftlab-grade
#SBATCH --array=1-3
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=24:00:00
set -euo pipefail
: "${RAFTLAB_REPO:?set RAFTLAB_REPO to the course repository}" "${CLASS:?set CLASS to the class folder}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A private copy: each shard builds into its own build/.
cp -a "$RAFTLAB_REPO" "$work/raftlab"
cd "$work/raftlab"
mkdir -p "$CLASS/shards"
./raftlab grade 4 5 6 7 8 9 10 --submissions "$CLASS/submissions" --jobs "$SLURM_CPUS_PER_TASK" \
  --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" --out "$CLASS/shards/shard-$SLURM_ARRAY_TASK_ID.csv" \
  ${TRUST_SUBMISSIONS:+--trust-submissions}
