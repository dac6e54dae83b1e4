"""Fixtures for quantization-aware training: PyTorch's fake quantization (forward values and the
straight-through gradient) and its moving-average observer, on seeded data.

Writes Tests/SynapseTests/Fixtures/quantization/fake_quant.safetensors. Run once, never in CI:
    PYTHONPATH=/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages /root/torchenv/bin/python scripts/make-qat-fixtures.py
"""
import os
import torch
from safetensors.torch import save_file

torch.manual_seed(0)
out = {}
# Per-tensor affine fake quantization on 0..127 (reduce_range), values spanning beyond the range so
# the clamp (and the zero gradient outside it) shows.
x = (torch.randn(200) * 3).float().requires_grad_(True)
scale, zero_point = 0.037, 41
y = torch.fake_quantize_per_tensor_affine(x, scale, zero_point, 0, 127)
g = torch.randn(200)
y.backward(g)
out["tensor.x"], out["tensor.y"], out["tensor.upstream"], out["tensor.grad"] = x.detach(), y.detach(), g, x.grad
out["tensor.qparams"] = torch.tensor([scale, zero_point], dtype=torch.float32)

# Per-channel symmetric weights (qint8, -128..127), scales from PyTorch's per-channel observer.
w = (torch.randn(6, 10) * 0.5).float()
obs = torch.ao.quantization.PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8, qscheme=torch.per_channel_symmetric)
obs(w)
scales, zps = obs.calculate_qparams()
wq = w.clone().requires_grad_(True)
yw = torch.fake_quantize_per_channel_affine(wq, scales.float(), zps.int(), 0, -128, 127)
gw = torch.randn(6, 10)
yw.backward(gw)
out["channel.w"], out["channel.y"], out["channel.upstream"], out["channel.grad"] = w, yw.detach(), gw, wq.grad
out["channel.scales"] = scales.float()

# Moving-average min/max observer (averaging constant 0.01) over four batches, quint8 reduce_range.
mobs = torch.ao.quantization.MovingAverageMinMaxObserver(averaging_constant=0.01, dtype=torch.quint8, reduce_range=True)
for i in range(4):
    b = (torch.randn(64) * (1 + i) + i).float()
    out[f"ema.batch{i}"] = b
    mobs(b)
s, z = mobs.calculate_qparams()
out["ema.range"] = torch.tensor([mobs.min_val.item(), mobs.max_val.item()], dtype=torch.float32)
out["ema.qparams"] = torch.tensor([s.item(), float(z.item())], dtype=torch.float32)

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "quantization", "fake_quant.safetensors")
save_file({k: v.contiguous() for k, v in out.items()}, path)
print("wrote", os.path.normpath(path), {k: list(v.shape) for k, v in out.items()})
