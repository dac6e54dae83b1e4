#!/usr/bin/env bash
# W12 (data-parallel W3) and data-parallel W2, in one session on an idle machine (developer machine;
# never in CI): Synapse at 1 process × 1 thread, 1 process × 2 threads and 2 processes × 1 thread
# (mpirun; with the container-safe copy through shared memory, and with Open MPI's default
# single-copy transport, CMA, where the kernel allows it), then PyTorch DDP over Gloo at 1 and 2
# processes, and the ratios BENCHMARKS.md reports. Also two independent one-process runs at a
# rank's batch (32), at once, one per core: what two processes can reach on this machine without
# any communication — the ceiling the data-parallel run is compared with.
#
# Usage: scripts/bench-distributed.sh [--python /root/torchenv/bin/python] [--torch-steps 300]
set -euo pipefail
cd "$(dirname "$0")/.."
python=python3
torch_steps=300
while [ $# -gt 0 ]; do
    case $1 in
        --python) python=$2; shift 2 ;;
        --torch-steps) torch_steps=$2; shift 2 ;;
        *) echo "bench-distributed: unknown argument $1" >&2; exit 2 ;;
    esac
done
bench=.build/release/synapse-bench
synapse=.build/release/synapse
mpi=(mpirun --allow-run-as-root --oversubscribe -np 2 --mca btl_vader_single_copy_mechanism none)
mpi_cma=(mpirun --allow-run-as-root --oversubscribe -np 2 --mca btl_vader_single_copy_mechanism cma)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) ($(nproc) cores)"


"$bench" W12 --threads 1 --no-summary > "$out/one.json"
"$bench" W12 --threads 2 --no-summary > "$out/two-threads.json"
"${mpi[@]}" "$bench" W12 --threads 1 --no-summary > "$out/two-ranks.json"
"${mpi[@]}" "$bench" W12 --threads 1 --no-summary --bucket-mb 1 > "$out/two-ranks-1mb.json"
# CMA needs ptrace rights between the ranks (often denied in containers): skipped where it fails.
"${mpi_cma[@]}" "$bench" W12 --threads 1 --no-summary > "$out/two-ranks-cma.json" 2>/dev/null || rm -f "$out/two-ranks-cma.json"
taskset -c 0 "$bench" W12 --threads 1 --no-summary --global-batch 32 > "$out/apart-0.json" &
taskset -c 1 "$bench" W12 --threads 1 --no-summary --global-batch 32 > "$out/apart-1.json"
wait
cat "$out"/*.json

# W2 through the CLI: global batch 128 (2 × 64 against 1 × 128), training seconds per epoch.
w2() { local batch=$1; shift
       "$@" train --dataset fashion-mnist --model mlp --epochs 2 --batch-size "$batch" --no-progress --threads 1 \
           --run-dir "$out/w2-$batch" | tail -n 1; }
w2_one=$(w2 128 "$synapse")
w2_two=$(w2 64 "${mpi[@]}" "$synapse")
echo "$w2_one"; echo "$w2_two"

if "$python" -c 'import torch' 2>/dev/null; then
    taskset -c 0 "$python" Benchmarks/reference/w12_ddp.py --ranks 1 --steps "$torch_steps" | tail -n 1 > "$out/torch-one.json"
    "$python" Benchmarks/reference/w12_ddp.py --ranks 2 --steps "$torch_steps" | tail -n 1 > "$out/torch-two.json"
    cat "$out"/torch-*.json
fi

python3 - "$out" "$w2_one" "$w2_two" <<'PY'
import json, os, sys
out = sys.argv[1]
def samples(name):
    path = os.path.join(out, name)
    if not os.path.exists(path): return None
    for line in reversed(open(path).read().splitlines()):
        if '"samples/s"' in line: return json.loads(line)["value"]
one, threads, ranks, ranks1, cma = (samples(n) for n in ["one.json", "two-threads.json", "two-ranks.json",
                                                         "two-ranks-1mb.json", "two-ranks-cma.json"])
apart = samples("apart-0.json") + samples("apart-1.json")
print(f"W12 samples/s: 1×1 {one:.0f}, 1×2 threads {threads:.0f}, 2 ranks×1 {ranks:.0f} ({ranks / one:.2f}× 1×1, "
      f"{ranks / threads:.2f}× 1×2), 2 ranks --bucket-mb 1 {ranks1:.0f} ({ranks1 / one:.2f}×)")
if cma: print(f"W12 2 ranks×1 over CMA (single copy) {cma:.0f} ({cma / one:.2f}× 1×1)")
print(f"W12 ceiling: two one-process runs at batch 32, at once, no communication: {apart:.0f} samples/s "
      f"({apart / one:.2f}× 1×1); 2 ranks reach {ranks / apart:.1%} of it" + (f", {cma / apart:.1%} over CMA" if cma else ""))
w2a, w2b = json.loads(sys.argv[2]), json.loads(sys.argv[3])
print(f"W2 s/epoch (global batch 128): 1×1 {w2a['seconds_per_epoch']}, 2 ranks×1 {w2b['seconds_per_epoch']} "
      f"({w2a['seconds_per_epoch'] / w2b['seconds_per_epoch']:.2f}×); test accuracy {w2a['test_accuracy']} vs {w2b['test_accuracy']}")
t1, t2 = samples("torch-one.json"), samples("torch-two.json")
if t1 and t2:
    print(f"PyTorch samples/s: 1×1 {t1:.0f}, DDP Gloo 2×1 {t2:.0f} ({t2 / t1:.2f}×); Synapse 2 ranks / PyTorch DDP: {ranks / t2:.2f}×")
PY
