"""Fixtures for bf16 and float16 autocast: a small CNN (average pooling: max pooling would pick other winners
where bf16 rounding makes ties, a discrete effect unrelated to the products) with a batched matmul, forward and backward under
torch.autocast(device_type="cpu", dtype=torch.bfloat16), the same with dtype=torch.float16, and the same in
Float32, on seeded data.

Writes Tests/SynapseTests/Fixtures/autocast/autocast_cnn.safetensors. Run once, never in CI:
    PYTHONPATH=/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages /root/torchenv/bin/python scripts/make-autocast-fixtures.py
"""
import os
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(0)
x = torch.randn(4, 3, 10, 10)
labels = torch.tensor([3, 0, 7, 9])
params = {
    "conv.weight": torch.randn(8, 3, 3, 3) * 0.3,
    "conv.bias": torch.randn(8) * 0.1,
    "fc1.weight": torch.randn(32, 200) * 0.08,
    "fc1.bias": torch.randn(32) * 0.1,
    "fc2.weight": torch.randn(10, 32) * 0.2,
    "fc2.bias": torch.randn(10) * 0.1,
}


def run(autocast, dtype=torch.bfloat16):
    p = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    xi = x.clone().requires_grad_(True)
    with torch.autocast(device_type="cpu", dtype=dtype, enabled=autocast):
        h = F.avg_pool2d(F.relu(F.conv2d(xi, p["conv.weight"], p["conv.bias"], padding=1)), 2)
        h = F.relu(F.linear(h.flatten(1), p["fc1.weight"], p["fc1.bias"]))
        q = h.view(4, 4, 8)
        scores = torch.matmul(q, q.transpose(1, 2))          # batched matmul [4, 4, 4]
        logits = F.linear(h, p["fc2.weight"], p["fc2.bias"])
        loss = F.cross_entropy(logits, labels) + 0.05 * scores.float().pow(2).mean()
    loss.backward()
    out = {"logits": logits.detach().float(), "scores": scores.detach().float(), "loss": loss.detach().float().reshape(1),
           "grad.x": xi.grad.float()}
    for k, v in p.items():
        out["grad." + k] = v.grad.float()
    return out


result = {"x": x, "labels": labels.to(torch.int64)}
result.update(params)
for name, flag, dtype in (("bf16", True, torch.bfloat16), ("f16", True, torch.float16), ("f32", False, torch.float32)):
    for k, v in run(flag, dtype).items():
        result[f"{name}.{k}"] = v
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "autocast", "autocast_cnn.safetensors")
save_file({k: v.contiguous() for k, v in result.items()}, path)
print("wrote", os.path.normpath(path))
for low in ("bf16", "f16"):
    for k in ("logits", "loss", "grad.x", "grad.conv.weight", "grad.fc1.weight"):
        a, b = result[low + "." + k], result["f32." + k]
        print(low, k, "max |low - f32| / max|f32| =", float((a - b).abs().max() / b.abs().max()))
