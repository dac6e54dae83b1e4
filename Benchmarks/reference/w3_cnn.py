"""W3 reference: the BENCHMARKS-SPEC CNN trained on Fashion-MNIST with PyTorch (CPU).

Usage: python w3_cnn.py [--threads N] [--epochs 2] [--seed 0] [--steps S] [--rng torch|synapse] [--autocast]
Conv2d(1,32,3,pad 1)-ReLU-MaxPool2 → Conv2d(32,64,3,pad 1)-ReLU-MaxPool2 → flatten → Linear(3136,128)-ReLU →
Linear(128,10); Adam 1e-3, batch 64, shuffled, last partial batch dropped (937 steps per epoch).
Prints per-epoch lines and a final JSON line; `--steps S` times only the first S steps of each epoch and
reports the extrapolated seconds per epoch (for quick side-by-side checks). `--rng synapse` draws the initial
weights and every epoch's order from Synapse's generators for the seed (synapse_random.py: the weights Synapse's
CNNClassifier(generator: RandomGenerator(seed)) starts from, the orders its DataLoader(seed: seed) visits), so
PyTorch's arithmetic runs on Synapse's randomness (issue 9 §9, w3_seeds.py). Developer machines only.
"""
import argparse, gzip, json, time
import numpy as np
import torch
import torch.nn as nn
import synapse_random as sr

ROOT = "/usr/share/datasets/fashion-mnist"


def idx(path):
    data = gzip.open(path, "rb").read()
    nd = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(shape)


def fashion_mnist():
    """Training and test images (N×1×28×28 in [0, 1]) and labels from the Debian dataset files."""
    def images(name):
        return torch.tensor(idx(f"{ROOT}/{name}-images-idx3-ubyte.gz").reshape(-1, 1, 28, 28), dtype=torch.float32) / 255

    def labels(name):
        return torch.tensor(idx(f"{ROOT}/{name}-labels-idx1-ubyte.gz").astype(np.int64))
    return images("train"), labels("train"), images("t10k"), labels("t10k")


def w3_model():
    """The spec's W3 CNN with PyTorch's default initialisation."""
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=0)
    ap.add_argument("--rng", choices=["torch", "synapse"], default="torch")
    ap.add_argument("--autocast", action="store_true", help="W9: bf16 autocast (torch.autocast cpu bfloat16)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xtr, ytr, xte, yte = fashion_mnist()
    model = w3_model()
    if a.rng == "synapse":
        init, order = sr.RandomGenerator(a.seed), sr.RandomGenerator(a.seed, sr.DATA_ORDER)
        with torch.no_grad():
            for layer in (model[0], model[3], model[7], model[9]):
                w, b = sr.default_init(init, list(layer.weight.shape))
                layer.weight.copy_(torch.from_numpy(w))
                layer.bias.copy_(torch.from_numpy(b))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    steps = len(xtr) // 64
    timed = a.steps if a.steps > 0 else steps
    times, acc = [], 0.0
    for epoch in range(1, a.epochs + 1):
        perm = torch.tensor(sr.permutation(len(xtr), order)) if a.rng == "synapse" else torch.randperm(len(xtr))
        t0 = time.perf_counter()
        for s in range(timed):
            i = perm[s * 64:(s + 1) * 64]
            with torch.autocast(device_type="cpu", dtype=torch.bfloat16, enabled=a.autocast):
                loss = nn.functional.cross_entropy(model(xtr[i]), ytr[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()
        times.append((time.perf_counter() - t0) * steps / timed)
        with torch.no_grad():
            acc = (model(xte).argmax(1) == yte).float().mean().item()
        print(f"epoch {epoch}/{a.epochs}  test_accuracy {acc:.4f}  {times[-1]:.2f} s/epoch", flush=True)
    print(json.dumps({"workload": "W3", "threads": a.threads, "metric": "s/epoch", "value": round(min(times), 3),
                      "test_accuracy": round(acc, 4), "extrapolated_from_steps": timed if a.steps else None,
                      "seed": a.seed, "rng": a.rng, "autocast": a.autocast}))


if __name__ == "__main__":
    main()
