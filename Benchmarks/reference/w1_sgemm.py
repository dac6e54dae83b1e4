"""W1 / W1b reference: PyTorch CPU matmul GFLOP/s, the benchmark spec's recipe.

Usage: python w1_sgemm.py [--threads N] [--sizes 256 1024 2048 4096] [--no-bf16] [--quick]
(`--sizes` with no values runs W1b only.)
W1: C = A·B float32, square n × n, random normal inputs; W1b: the same at n = 2048 with bfloat16
inputs (float32 accumulation inside oneDNN/MKL). GFLOP/s = 2n³ / t, t the median over repetitions
(each at least 0.2 s of back-to-back multiplies) after a warm-up. Prints one JSON line per figure
in synapse-bench's format. Run the 1-thread case under `taskset -c 0`.
"""
import argparse, json, statistics, time
import torch


def gflops(a, b, reps, min_seconds):
    n = a.shape[0]
    for _ in range(3):
        a @ b
    t0 = time.perf_counter()
    a @ b
    once = time.perf_counter() - t0
    iters = max(1, int(min_seconds / max(once, 1e-9)) + 1)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(iters):
            a @ b
        times.append((time.perf_counter() - t0) / iters)
    return 2 * n ** 3 / statistics.median(times) / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--sizes", type=int, nargs="*", default=[256, 1024, 2048, 4096],
                    help="W1 sizes; none (a bare --sizes) runs only W1b")
    ap.add_argument("--no-bf16", action="store_true", help="skip W1b")
    ap.add_argument("--quick", action="store_true", help="fewer, shorter repetitions")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    reps, min_seconds = (3, 0.02) if a.quick else (5, 0.2)
    for n in a.sizes:
        x, y = torch.randn(n, n), torch.randn(n, n)
        print(json.dumps({"workload": "W1", "threads": a.threads, "metric": "GFLOP/s",
                          "value": round(gflops(x, y, reps, min_seconds), 1), "n": n, "kernel": "torch.mm"}), flush=True)
    if not a.no_bf16:
        n = 2048
        x, y = torch.randn(n, n).bfloat16(), torch.randn(n, n).bfloat16()
        print(json.dumps({"workload": "W1b", "threads": a.threads, "metric": "GFLOP/s",
                          "value": round(gflops(x, y, reps, min_seconds), 1), "n": n, "kernel": "torch.mm bf16"}), flush=True)


if __name__ == "__main__":
    main()
