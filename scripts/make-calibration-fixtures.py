"""Fixtures for post-hoc calibration: temperature, vector and matrix scaling (Guo et al. 2017) fitted
with PyTorch's L-BFGS (strong Wolfe line search, float64, tight tolerances) on seeded, deliberately
overconfident logits of 10 classes — the reference values of `LogitCalibration.fit`.

Writes Tests/SynapseTests/Fixtures/calibration/calibration.safetensors. Run once, never in CI:
    PYTHONPATH=/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages /root/torchenv/bin/python scripts/make-calibration-fixtures.py
"""
import os
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(0)
n, c = 3000, 10
labels = torch.randint(0, c, (n,))
logits = torch.randn(n, c) * 2.0
logits[torch.arange(n), labels] += 3.0
# 25% of the labels are wrong, so the logits are too sure of themselves (the optimal T is > 1).
flip = torch.rand(n) < 0.25
labels = torch.where(flip, (labels + torch.randint(1, c, (n,))) % c, labels)
z = logits.double()


def fit(params, transform):
    opt = torch.optim.LBFGS(params, lr=1, max_iter=5000, tolerance_grad=1e-12, tolerance_change=1e-15,
                            history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(transform(), labels)
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    return F.cross_entropy(transform(), labels).item()


log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
nll_temperature = fit([log_t], lambda: z / log_t.exp())
w = torch.ones(c, dtype=torch.float64, requires_grad=True)
b = torch.zeros(c, dtype=torch.float64, requires_grad=True)
nll_vector = fit([w, b], lambda: z * w + b)
W = torch.eye(c, dtype=torch.float64, requires_grad=True)
bm = torch.zeros(c, dtype=torch.float64, requires_grad=True)
nll_matrix = fit([W, bm], lambda: z @ W.T + bm)

out = {
    "logits": logits.float(), "labels": labels.to(torch.int64),
    "nll_before": F.cross_entropy(z, labels).float().reshape(1),
    "temperature": log_t.detach().exp().float(), "nll_temperature": torch.tensor([nll_temperature]).float(),
    "vector.weights": w.detach().float(), "vector.biases": b.detach().float(), "nll_vector": torch.tensor([nll_vector]).float(),
    "matrix.weights": W.detach().float(), "matrix.biases": bm.detach().float(), "nll_matrix": torch.tensor([nll_matrix]).float(),
}
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "calibration", "calibration.safetensors")
save_file({k: v.contiguous() for k, v in out.items()}, path)
print("wrote", os.path.normpath(path))
print("T", out["temperature"].item(), "NLL before", out["nll_before"].item(), "temperature", nll_temperature,
      "vector", nll_vector, "matrix", nll_matrix)
