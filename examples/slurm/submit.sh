#!/bin/bash
# Make a dataset on a Slurm cluster: an array of PARTS tasks, each making one part, then a
# merge job that runs once every part succeeded. OUT must be a folder every node sees.
#   OUT=/shared/fractal-100k ./submit.sh --classes 500 --per-class 200
# Rerunning it resumes: each part keeps the clips it already made.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT:?set OUT to the dataset folder, on storage every node sees}"
PARTS=${PARTS:-4} CPUS=${CPUS:-8}
parts=$(sbatch --parsable --array="0-$((PARTS - 1))" --cpus-per-task="$CPUS" \
    --export=ALL,OUT="$OUT" "$here/make.sbatch" "$@")
sbatch --parsable --dependency="afterok:$parts" --export=ALL,OUT="$OUT" "$here/merge.sbatch"
