#!/usr/bin/env python3
"""Writes the diffusers reference values of a tiny `UNet2DModel` (the DDPM denoiser).

Run once with PyTorch and diffusers installed (never in CI):
    pip install diffusers   # 0.42.1 made the committed file
    python3 scripts/make-unet-fixtures.py
It writes Tests/SynapseTests/Fixtures/diffusion/unet2d.safetensors (float32 unless said).

The model is `UNet2DModel(sample_size=8, in_channels=2, out_channels=3, block_out_channels=(4, 8, 8),
down_block_types=("DownBlock2D", "DownBlock2D", "AttnDownBlock2D"), up_block_types=("AttnUpBlock2D",
"UpBlock2D", "UpBlock2D"), layers_per_block=2, norm_num_groups=2, attention_head_dim=4,
num_class_embeds=4, dropout=0.0)`, all else default (flip_sin_to_cos True, freq_shift 0, norm_eps 1e-5,
resnet_time_scale_shift "default", mid-block attention on), so 8x8 samples go 8 -> 4 -> 2 and back; attention
runs with 2 heads of 4 channels. The sizes are small so the file stays small (~250 KB).
Every GroupNorm's weight and bias and every other bias are randomised (diffusers zeroes some), so the
affine parameters and biases are all tested. Keys:
- `model.<name>`: every entry of `state_dict()`, under diffusers' own names;
- `input.sample` [3, 2, 8, 8]; `input.timesteps` (int64) [0, 417, 999]; `input.class_labels` (int64)
  [1, 3, 0] (3 stands for the classifier-free 'null' class; it is just an embedding row);
- `time_proj` [3, 4]: `model.time_proj(timesteps)` (the sinusoidal embedding, computed by diffusers in
  float32); `time_emb` [3, 16]: `model.time_embedding(time_proj)` (before the class embedding is added);
- `output` [3, 3, 8, 8]: `model(sample, timesteps, class_labels=class_labels).sample`;
- `loss_weights` (same shape as `output`); the loss is `(output * loss_weights).sum()`;
- `grad.input`: d loss / d sample; `grad.model.<name>`: d loss / d parameter for every entry of
  `named_parameters()`;
- a second, forward-only case without class conditioning (same config, `num_class_embeds=None`, the
  first model's weights without `class_embedding`): `nocls.input.sample` [2, 2, 8, 8],
  `nocls.input.timesteps` (int64) [5, 600], `nocls.output`.
The weights and inputs are drawn in float32; `time_emb`, `output` and the gradients are computed by a
float64 copy of the same float32 weights and stored rounded to float32 (the script checks the float32
model agrees, and that the default AttnProcessor2_0 and the plain AttnProcessor agree).
"""
import copy
import os

import torch
from safetensors.torch import save_file
from diffusers import UNet2DModel
from diffusers.models.attention_processor import Attention, AttnProcessor

CONFIG = dict(
    sample_size=8,
    in_channels=2,
    out_channels=3,
    block_out_channels=(4, 8, 8),
    down_block_types=("DownBlock2D", "DownBlock2D", "AttnDownBlock2D"),
    up_block_types=("AttnUpBlock2D", "UpBlock2D", "UpBlock2D"),
    layers_per_block=2,
    norm_num_groups=2,
    attention_head_dim=4,
    dropout=0.0,
)


def make_model(num_class_embeds):
    model = UNet2DModel(**CONFIG, num_class_embeds=num_class_embeds)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.GroupNorm):
                module.weight.copy_(1 + 0.3 * torch.randn_like(module.weight))
                module.bias.copy_(0.2 * torch.randn_like(module.bias))
            elif getattr(module, "bias", None) is not None and isinstance(module.bias, torch.nn.Parameter):
                module.bias.copy_(0.2 * torch.randn_like(module.bias))
    return model.eval()


def run(model, sample, timesteps, class_labels=None):
    return model(sample, timesteps, class_labels=class_labels).sample


out = {}

# Case 1: class-conditioned, with gradients.
torch.manual_seed(0)
model = make_model(num_class_embeds=4)
sample = torch.randn(3, 2, 8, 8)
timesteps = torch.tensor([0, 417, 999], dtype=torch.int64)
class_labels = torch.tensor([1, 3, 0], dtype=torch.int64)
loss_weights = torch.randn(3, 3, 8, 8)

for name, tensor in model.state_dict().items():
    out[f"model.{name}"] = tensor.detach().clone()
out["input.sample"], out["input.timesteps"], out["input.class_labels"] = sample, timesteps, class_labels
out["loss_weights"] = loss_weights

model64 = copy.deepcopy(model).double()
with torch.no_grad():
    time_proj = model.time_proj(timesteps)
    out["time_proj"] = time_proj
    out["time_emb"] = model64.time_embedding(time_proj.double()).float()
    output32 = run(model, sample, timesteps, class_labels)
    classic = copy.deepcopy(model)
    for module in classic.modules():
        if isinstance(module, Attention):
            module.set_processor(AttnProcessor())
    output_classic = run(classic, sample, timesteps, class_labels)

sample64 = sample.double().requires_grad_(True)
output = run(model64, sample64, timesteps, class_labels)
loss = (output * loss_weights.double()).sum()
loss.backward()
out["output"] = output.detach().float()
out["grad.input"] = sample64.grad.float()
for name, parameter in model64.named_parameters():
    out[f"grad.model.{name}"] = parameter.grad.float()

assert output.shape == (3, 3, 8, 8)
diff32 = (output32.double() - output.detach()).abs().max().item()
diff_classic = (output_classic - output32).abs().max().item()
assert diff32 < 1e-4 and diff_classic < 1e-4, (diff32, diff_classic)

# Case 2: unconditional, forward only.
torch.manual_seed(1)
nocls = make_model(num_class_embeds=None)
nocls.load_state_dict({k: v for k, v in model.state_dict().items() if not k.startswith("class_embedding.")})
nocls_sample = torch.randn(2, 2, 8, 8)
nocls_timesteps = torch.tensor([5, 600], dtype=torch.int64)
out["nocls.input.sample"], out["nocls.input.timesteps"] = nocls_sample, nocls_timesteps
with torch.no_grad():
    nocls_output = run(copy.deepcopy(nocls).double(), nocls_sample.double(), nocls_timesteps)
    nocls_output32 = run(nocls, nocls_sample, nocls_timesteps)
out["nocls.output"] = nocls_output.float()
nocls_diff32 = (nocls_output32.double() - nocls_output).abs().max().item()
assert nocls_output.shape == (2, 3, 8, 8) and nocls_diff32 < 1e-4, nocls_diff32

for key, value in out.items():
    assert value.dtype in (torch.float32, torch.int64), (key, value.dtype)

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "diffusion", "unet2d.safetensors")
os.makedirs(os.path.dirname(path), exist_ok=True)
save_file({k: v.contiguous() for k, v in out.items()}, path)

print("parameters:", sum(p.numel() for p in model.parameters()), "(class-conditioned),",
      sum(p.numel() for p in nocls.parameters()), "(unconditional)")
print(f"output norm {output.norm().item():.6f}, loss {loss.item():.6f}, grad.input norm {sample64.grad.norm().item():.6f}")
print(f"nocls.output norm {nocls_output.norm().item():.6f}")
print(f"float32 vs float64 max diff {diff32:.2e} (nocls {nocls_diff32:.2e}); AttnProcessor vs 2_0 {diff_classic:.2e}")
print("wrote", os.path.normpath(path), len(out), "tensors,", os.path.getsize(path), "bytes")
