"""W7 contention, side by side: Synapse and PyTorch under the same competing busy process.

Usage (from the repository root, after `swift build -c release --product synapse-bench`):
    python Benchmarks/reference/contention.py --bench .build/release/synapse-bench \\
        --python /root/torchenv/bin/python [--epochs 3] [--rounds 1]

For each side it measures W2 (seconds per epoch) and W6 (batch-1 p50 µs): idle at 1 thread (pinned to
CPU 0, `torch.set_num_threads(1)`), then at the default thread count (all cores; PyTorch's default
`torch.get_num_threads()`, ours the pool's default) while a busy loop pinned to the last CPU with
`taskset` spins. Synapse runs `synapse-bench --contention`, which starts its own identical competitor
(a process pinned to the last CPU, spinning). Prints every JSON line, then a Markdown table of
contended ÷ idle-1-thread (goals: W2 ≤ 1.3, W6 p50 ≤ 2). Run on a quiet developer machine with
PyTorch installed; never in CI.
"""
import argparse, json, os, statistics, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
LAST_CPU = max(os.sched_getaffinity(0))


def lines(cmd):
    print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{") and '"workload"' in l]


def torch_figures(python, threads, epochs, pin):
    prefix = ["taskset", "-c", "0"] if pin else []
    t = [] if threads is None else ["--threads", str(threads)]
    if threads is None:   # PyTorch's own default thread count
        t = ["--threads", str(int(subprocess.check_output([python, "-c", "import torch; print(torch.get_num_threads())"])))]
    w2 = lines(prefix + [python, f"{HERE}/w2_mlp.py", "--epochs", str(epochs), "--bench-json"] + t)
    w6 = lines(prefix + [python, f"{HERE}/w6_inference.py"] + t)
    pick = lambda ms, metric: next(m["value"] for m in ms if m["metric"] == metric)
    return {"W2 s/epoch": pick(w2, "s/epoch"), "W6 p50_us": pick(w6, "p50_us")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=1)
    a = ap.parse_args()
    rows = {}
    for _ in range(a.rounds):
        ours = lines([a.bench, "--contention", "W2", "W6", "--no-summary"])
        for m in ours:
            if m["workload"] == "W7":
                key = m["metric"].replace(" contended/idle-1T", "")
                rows.setdefault(("Synapse", key), []).append((m["idle_1t"], m["contended"]))
        idle = torch_figures(a.python, 1, a.epochs, pin=True)
        competitor = subprocess.Popen(["taskset", "-c", str(LAST_CPU), a.python, "-c",
                                       "import time\nend = time.time() + 1800\nwhile time.time() < end: pass"])
        try:
            time.sleep(0.2)
            busy = torch_figures(a.python, None, a.epochs, pin=False)
        finally:
            competitor.kill()
            competitor.wait()
        for key in idle:
            rows.setdefault(("PyTorch", key), []).append((idle[key], busy[key]))
    print(f"\nCPU: {open('/proc/cpuinfo').read().split('model name')[1].split(':')[1].splitlines()[0].strip()}, "
          f"{os.cpu_count()} cores; competitor pinned to CPU {LAST_CPU}")
    print("| side | figure | idle, 1 thread | contended, default threads | contended ÷ idle-1T | goal |")
    print("|---|---|---|---|---|---|")
    for (side, key), pairs in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0] != "Synapse")):
        i = statistics.median(p[0] for p in pairs)
        c = statistics.median(p[1] for p in pairs)
        goal = "≤ 1.3" if key.startswith("W2") else "≤ 2"
        print(f"| {side} | {key} | {i:.4g} | {c:.4g} | {c / i:.2f}× | {goal} |")


if __name__ == "__main__":
    main()
