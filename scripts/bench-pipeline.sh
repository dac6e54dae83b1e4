#!/usr/bin/env bash
# Pipeline parallelism (issue 16 §2), in one session on an idle machine (developer machine; never in
# CI): an MLP whose two stages cost about the same (784-768-768-10: 602k and 598k multiply-adds per
# example) trained by `mpirun -np 2 synapse train --pipeline` for several micro-batch counts and both
# schedules, against one process at one thread. Prints, per run, samples/s, the measured idle share of
# a step (mean over stages) beside GPipe's (S-1)/(M+S-1), and the most micro-batches a stage held.
#
# Usage: scripts/bench-pipeline.sh [--fraction 0.25] [--batch-size 256] [--epochs 2]
set -euo pipefail
cd "$(dirname "$0")/.."
fraction=0.25
batch=256
epochs=2
while [ $# -gt 0 ]; do
    case $1 in
        --fraction) fraction=$2; shift 2 ;;
        --batch-size) batch=$2; shift 2 ;;
        --epochs) epochs=$2; shift 2 ;;
        *) echo "bench-pipeline: unknown argument $1" >&2; exit 2 ;;
    esac
done
synapse=.build/release/synapse
mpi=(mpirun --allow-run-as-root --oversubscribe -np 2 --mca btl_vader_single_copy_mechanism none)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | xargs) model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2 | xargs) ($(nproc) cores)"
common=(train --dataset fashion-mnist --model mlp --hidden 768,768 --epochs "$epochs" --batch-size "$batch"
        --train-fraction "$fraction" --no-progress --threads 1)

run() { local name=$1; shift; "$@" --run-dir "$out/$name" | tail -n 1 > "$out/$name.json"; }
run single "$synapse" "${common[@]}"
for schedule in gpipe 1f1b; do
    for m in 1 2 4 8 16; do
        run "$schedule-$m" "${mpi[@]}" "$synapse" "${common[@]}" --pipeline --stage-starts 0,3 \
            --micro-batches "$m" --pipeline-schedule "$schedule"
    done
done

python3 - "$out" "$batch" <<'PY'
import json, pathlib, sys
out, batch = pathlib.Path(sys.argv[1]), int(sys.argv[2])
single = json.loads((out / "single.json").read_text())
per_epoch = single["train_examples"] // batch * batch
base = per_epoch / single["seconds_per_epoch"]
print(f"1 process x 1 thread: {base:.0f} samples/s, test accuracy {single['test_accuracy']:.4f}")
print("| schedule | micro-batches | samples/s | vs 1 process | bubble measured | bubble (S-1)/(M+S-1) | most micro-batches alive (stage 0, 1) | test accuracy |")
print("|---|---|---|---|---|---|---|---|")
for schedule in ["gpipe", "1f1b"]:
    for m in [1, 2, 4, 8, 16]:
        r = json.loads((out / f"{schedule}-{m}.json").read_text())
        rate = per_epoch / r["seconds_per_epoch"]
        live = ", ".join(str(x) for x in r["peak_live_micro_batches"])
        print(f"| {schedule} | {m} | {rate:.0f} | {rate / base:.2f}x | {r['bubble_fraction']:.3f} | {r['bubble_theoretical']:.3f} | {live} | {r['test_accuracy']:.4f} |")
PY
