"""Runs synapse-bench and the PyTorch reference scripts side by side and prints a Markdown table.

Usage (from the repository root, after `swift build -c release --product synapse-bench`):
    python Benchmarks/reference/side_by_side.py --bench .build/release/synapse-bench \\
        [--python /root/torchenv/bin/python] [--threads 1 2] [--workloads W1 W1b W2 W6] [--rounds 1] [--ort] [--accuracy]

For each thread count and workload it runs ours, then PyTorch's, back to back (1-thread runs of both
under `taskset -c 0`; synapse-bench also pins itself), `--rounds` times, and reports the median of
each figure over the rounds. Each command waits for a quiet machine and is rerun when other processes
used more than 10% of a core while it ran (the 2-thread runs slow down up to 50x when a third busy
process shares the two cores). Ratio = ours / PyTorch's: above 1 is better for GFLOP/s, samples/s and
tokens/s, below 1 is better for s/epoch, µs and val_loss. With --ort, W6 also runs on ONNX Runtime
(w6_onnxruntime.py) in an extra column. W4 (char LSTM) and W5 (tiny GPT) train on the very windows Synapse draws (synapse_random.py);
with --accuracy, W5 trains the spec's 500 steps on both sides and the validation losses get a row of their own.
Run on a developer machine with PyTorch; never in CI.
"""
import argparse, json, os, resource, statistics, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))


def cpu_busy_seconds():
    """CPU seconds all processes have spent busy since boot (from /proc/stat)."""
    v = [int(x) for x in open("/proc/stat").readline().split()[1:9]]
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def wait_until_quiet():
    """Waits (up to ~10 minutes) until the machine is at most 5% busy over 3 s: other builds distort timings."""
    for _ in range(60):
        b0 = cpu_busy_seconds()
        time.sleep(3)
        if cpu_busy_seconds() - b0 <= 0.05 * 3 * os.cpu_count():
            return
        print("(machine busy; waiting)", file=sys.stderr, flush=True)
        time.sleep(7)


def run(cmd, threads, attempts=5):
    """Runs `cmd` (under taskset -c 0 for 1 thread) on a quiet machine and returns its measurement lines.
    Reruns it when other processes used more than 10% of a core while it ran."""
    if threads == 1:
        cmd = ["taskset", "-c", "0"] + cmd
    for attempt in range(attempts):
        wait_until_quiet()
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        b0, c0, t0 = cpu_busy_seconds(), children_cpu_seconds(), time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        others = (cpu_busy_seconds() - b0) - (children_cpu_seconds() - c0)
        wall = time.perf_counter() - t0
        if others <= 0.1 * wall or attempt == attempts - 1:
            break
        print(f"(other processes used {others:.1f} CPU-s during {wall:.1f} s; rerunning)", file=sys.stderr, flush=True)
    return [json.loads(l) for l in out.splitlines() if l.startswith("{") and '"workload"' in l]


def key(m):
    """The row a figure belongs to: workload, metric and size (kernel names differ between the two)."""
    return (m["workload"], m["metric"], m.get("n"))


def figures(lines, ours):
    """Flattens measurement lines into {row: value}; W6's p99s become rows of their own; W1's raw sgemm too."""
    out = {}
    for m in lines:
        k = key(m)
        if ours and m.get("kernel") == "dnnl_sgemm":
            k = ("W1 raw dnnl_sgemm", m["metric"], m.get("n"))
        out[k] = m["value"]
        for extra in ("p99_us", "images p99_us"):
            if extra in m:
                out[(m["workload"], extra, None)] = m[extra]
        if "val_loss" in m:
            out[(m["workload"], "val_loss", None)] = m["val_loss"]
    return out


def fmt(v):
    return "–" if v is None else (f"{v:.0f}" if abs(v) >= 1000 else f"{v:.4g}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default=".build/release/synapse-bench")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--workloads", nargs="+", default=["W1", "W1b", "W2", "W6"])
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--ort", action="store_true", help="W6 also on ONNX Runtime (w6_onnxruntime.py; needs onnx, onnxruntime)")
    ap.add_argument("--accuracy", action="store_true", help="W5: the spec's 500 steps and validation loss on both sides")
    a = ap.parse_args()
    references = {"PyTorch": {"W1": ["w1_sgemm.py", "--no-bf16"], "W1b": ["w1_sgemm.py", "--sizes"],
                              "W2": ["w2_mlp.py", "--epochs", "3", "--bench-json"], "W3": ["w3_cnn.py", "--epochs", "3"],
                              "W4": ["w4_lstm.py"], "W5": ["w5_gpt.py", "--steps", "500" if a.accuracy else "150"],
                              "W6": ["w6_inference.py"]}}
    if a.ort:
        references["ONNX Runtime"] = {"W6": ["w6_onnxruntime.py"]}
    header = "| workload | metric | threads | Synapse | " + " | ".join(f"{r} | ratio" for r in references) + " |"
    rows = [header, "|" + "---|" * (4 + 2 * len(references))]
    for t in a.threads:
        ours, theirs = {}, {r: {} for r in references}
        for _ in range(a.rounds):
            for w in a.workloads:
                extra = ["--accuracy"] if a.accuracy and w == "W5" else []
                for k, v in figures(run([a.bench, w, "--threads", str(t), "--no-summary"] + extra, t), True).items():
                    ours.setdefault(k, []).append(v)
                for r, cmds in references.items():
                    if w in cmds:
                        script, *args = cmds[w]
                        cmd = [a.python, os.path.join(HERE, script), "--threads", str(t)] + args
                        for k, v in figures(run(cmd, t), False).items():
                            theirs[r].setdefault(k, []).append(v)
        for k in ours:
            mine = [v for v in ours[k] if v is not None]
            o = statistics.median(mine) if mine else None
            cells = [k[0] + (f" n={k[2]}" if k[2] else ""), k[1], str(t), fmt(o)]
            for r in references:
                ref = theirs[r].get(("W1",) + k[1:] if k[0].startswith("W1 raw") else k, [])
                p = statistics.median(ref) if ref else None
                cells += [fmt(p), f"{o / p:.2f}×" if o is not None and p else "–"]
            rows.append("| " + " | ".join(cells) + " |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
