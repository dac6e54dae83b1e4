"""W6 reference: PyTorch CPU inference with the W2 network, the benchmark spec's recipe.

Usage: python w6_inference.py [--threads N] [--calls 10000] [--reps 5]
model.eval() under torch.no_grad(). Batch 1: each call timed on its own (perf_counter_ns), p50 and
p99 in µs over `calls` calls, medians over `reps` repetitions after 1,000 warm-up calls, on one uniform
random input ("p50_us") and cycling through the first 1,000 Fashion-MNIST test images ("images p50_us"). Batch 256:
samples/s, median over `reps` repetitions of at least 0.25 s each. Prints JSON lines in
synapse-bench's format. Run the 1-thread case under `taskset -c 0`.
"""
import argparse, json, statistics, time
import torch
import torch.nn as nn

from fashion_images import test_images


def percentile(values, p):
    s = sorted(values)
    rank = max(1, min(len(s), -(-p * len(s) // 100)))
    return s[int(rank) - 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    model.eval()
    one, many = torch.rand(1, 784), torch.rand(256, 784)
    with torch.no_grad():
        for _ in range(1000):
            model(one)
        p50, p99 = latency(model, [one], a.calls, a.reps)
        print(json.dumps({"workload": "W6", "threads": a.threads, "metric": "p50_us", "value": p50,
                          "batch": 1, "calls": a.calls, "p99_us": p99}), flush=True)

        for _ in range(10):
            model(many)
        t0 = time.perf_counter()
        model(many)
        iters = max(1, int(0.25 / (time.perf_counter() - t0)) + 1)
        rates = []
        for _ in range(a.reps):
            t0 = time.perf_counter()
            for _ in range(iters):
                model(many)
            rates.append(256 * iters / (time.perf_counter() - t0))
        print(json.dumps({"workload": "W6", "threads": a.threads, "metric": "samples/s",
                          "value": round(statistics.median(rates)), "batch": 256}), flush=True)

        images = [torch.from_numpy(x) for x in test_images()]
        for i in range(1000):
            model(images[i % len(images)])
        p50, p99 = latency(model, images, a.calls, a.reps)
        print(json.dumps({"workload": "W6", "threads": a.threads, "metric": "images p50_us", "value": p50,
                          "batch": 1, "calls": a.calls, "images": len(images), "images p99_us": p99}), flush=True)


def latency(model, inputs, calls, reps):
    """Batch-1 p50 and p99 (µs): medians over `reps` runs of `calls` calls, call i on inputs[i % len]."""
    p50, p99 = [], []
    for _ in range(reps):
        lat = []
        for i in range(calls):
            x = inputs[i % len(inputs)]
            t0 = time.perf_counter_ns()
            model(x)
            lat.append((time.perf_counter_ns() - t0) / 1000)
        p50.append(percentile(lat, 50))
        p99.append(percentile(lat, 99))
    return round(statistics.median(p50), 2), round(statistics.median(p99), 2)


if __name__ == "__main__":
    main()
