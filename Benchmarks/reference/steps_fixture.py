"""Generates Tests/SynapseTests/Fixtures/training/{w2,w3}_steps.safetensors: a float64 PyTorch run of the W2
MLP (20 Adam steps, batch 128) or the W3 CNN (10 steps, batch 64) on real Fashion-MNIST batches, so the Swift
tests can check step-by-step equivalence at full size (multi-threaded kernel paths included).
Usage: python steps_fixture.py --workload W2|W3. Run on a developer machine with PyTorch; never in CI.

Stored: initial weights (PyTorch default init, rounded to bfloat16 so they are stored compactly and exactly),
the batch indices into the training set, the loss at every step, and every 61st element of each final weight.
"""
import argparse, gzip, numpy as np, torch, torch.nn as nn
from safetensors.torch import save_file

ROOT = "/usr/share/datasets/fashion-mnist"
STRIDE = 61
WORKLOADS = {
    "W2": dict(steps=20, batch=128, shape=(-1, 784),
               model=lambda: nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))),
    "W3": dict(steps=10, batch=64, shape=(-1, 1, 28, 28),
               model=lambda: nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                           nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                           nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))),
}
ap = argparse.ArgumentParser()
ap.add_argument("--workload", choices=sorted(WORKLOADS), default="W2")
args = ap.parse_args()
W = WORKLOADS[args.workload]
STEPS, BATCH = W["steps"], W["batch"]


def idx(path):
    data = gzip.open(path, "rb").read()
    nd = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(shape)


torch.manual_seed(0)
torch.set_num_threads(1)
x = torch.tensor(idx(f"{ROOT}/train-images-idx3-ubyte.gz").reshape(W["shape"]), dtype=torch.float64) / 255
y = torch.tensor(idx(f"{ROOT}/train-labels-idx1-ubyte.gz").astype(np.int64))
model = W["model"]()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(p.bfloat16().float())
init = {k: v.detach().clone().bfloat16() for k, v in model.state_dict().items()}
model = model.double()  # reference computed in float64
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
order = torch.tensor(np.random.RandomState(0).permutation(len(x))[: STEPS * BATCH].reshape(STEPS, BATCH))
losses = []
for s in range(STEPS):
    i = order[s]
    loss = nn.functional.cross_entropy(model(x[i]), y[i])
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
out = {f"init.{k}": v for k, v in init.items()}
out["batches"] = order.to(torch.int64)
out["losses"] = torch.tensor(losses, dtype=torch.float32)
for k, v in model.state_dict().items():
    out[f"final.{k}"] = v.flatten()[::STRIDE].float().contiguous()
save_file(out, f"Tests/SynapseTests/Fixtures/training/{args.workload.lower()}_steps.safetensors",
          metadata={"info": f"{args.workload}, {STEPS} Adam(lr=1e-3) steps, float64 PyTorch reference; final.* = every 61st element"})
print("losses", [round(l, 5) for l in losses])
