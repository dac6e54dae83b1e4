"""W2 reference: the BENCHMARKS-SPEC MLP trained on Fashion-MNIST with PyTorch (CPU).

Usage: python w2_mlp.py [--threads N] [--epochs 5] [--seed 0] [--bench-json]
Prints one line per epoch and a final JSON line like `synapse train`; with --bench-json, also a line
in synapse-bench's format with the median seconds per epoch. Reads the Debian dataset-fashion-mnist
files directly (no torchvision needed). Each epoch's time covers the training loop only (batch
gathering, forward, backward, Adam step, loss.item()), as synapse-bench W2 does.
"""
import argparse, gzip, json, statistics, time
import numpy as np
import torch
import torch.nn as nn

ROOT = "/usr/share/datasets/fashion-mnist"


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bench-json", action="store_true", help="also print a synapse-bench JSON line")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xtr = torch.tensor(idx(f"{ROOT}/train-images-idx3-ubyte.gz").reshape(-1, 784), dtype=torch.float32) / 255
    ytr = torch.tensor(idx(f"{ROOT}/train-labels-idx1-ubyte.gz").astype(np.int64))
    xte = torch.tensor(idx(f"{ROOT}/t10k-images-idx3-ubyte.gz").reshape(-1, 784), dtype=torch.float32) / 255
    yte = torch.tensor(idx(f"{ROOT}/t10k-labels-idx1-ubyte.gz").astype(np.int64))
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    times, acc = [], 0.0
    for epoch in range(1, a.epochs + 1):
        perm = torch.randperm(len(xtr))
        t0 = time.perf_counter()
        total = 0.0
        steps = len(xtr) // 128
        for s in range(steps):
            i = perm[s * 128:(s + 1) * 128]
            loss = loss_fn(model(xtr[i]), ytr[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        times.append(time.perf_counter() - t0)
        with torch.no_grad():
            acc = (model(xte).argmax(1) == yte).float().mean().item()
        print(f"epoch {epoch}/{a.epochs}  train_loss {total / steps:.4f}  test_accuracy {acc:.4f}  {times[-1]:.2f} s", flush=True)
    print(json.dumps({"test_accuracy": round(acc, 4), "epochs": a.epochs,
                      "seconds_per_epoch": round(sum(times) / len(times), 3), "threads": a.threads}))
    if a.bench_json:
        print(json.dumps({"workload": "W2", "threads": a.threads, "metric": "s/epoch",
                          "value": round(statistics.median(times), 3), "epochs": a.epochs,
                          "steps": len(xtr) // 128, "test_accuracy": round(acc, 4)}))


if __name__ == "__main__":
    main()
