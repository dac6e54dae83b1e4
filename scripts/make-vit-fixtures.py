#!/usr/bin/env python3
"""Writes the PyTorch reference values of the Vision Transformer (issue 17 §5).

Run once with PyTorch installed (never in CI):
    python3 scripts/make-vit-fixtures.py
It writes Tests/SynapseTests/Fixtures/vit/vit.safetensors holding a small ViT's weights under timm's
names (`patch_embed.proj.*`, `cls_token`, `pos_embed`, `blocks.i.norm1`, `blocks.i.attn.qkv`,
`blocks.i.attn.proj`, `blocks.i.norm2`, `blocks.i.mlp.fc1`, `blocks.i.mlp.fc2`, `norm`, `head`), a
batch of images (`input`) and labels (`target`), and the twin's outputs in float64: the logits
(`out.logits`), the class token's features (`out.features`), the mean cross-entropy (`out.loss`),
and its gradients with respect to the input (`grad.input`) and to every weight (`grad.<name>`).

The twin is timm's VisionTransformer (`timm/models/vision_transformer.py`: PatchEmbed, Block with
Attention and Mlp, class token, learned positions, pre-norm, LayerNorm eps 1e-6, exact GELU,
`global_pool='token'`) written out in torch ops, since timm needs torchvision, which this machine lacks.
The sizes are small and deliberately uneven: 2 channels, 8x12 images, 4x4 patches (6 tokens),
width 16, 2 blocks, 4 heads, MLP 24, 5 classes.
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(17)
C, H, W, P, D, L, NH, M, K, N = 2, 8, 12, 4, 16, 2, 4, 24, 5, 3


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(D, 3 * D)
        self.proj = nn.Linear(D, D)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(x).reshape(b, t, 3, NH, D // NH).permute(2, 0, 3, 1, 4)
        a = (q @ k.transpose(-2, -1)) * (D // NH) ** -0.5
        return self.proj((a.softmax(-1) @ v).transpose(1, 2).reshape(b, t, D))


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(D, M)
        self.fc2 = nn.Linear(M, D)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(D, eps=1e-6)
        self.attn = Attention()
        self.norm2 = nn.LayerNorm(D, eps=1e-6)
        self.mlp = Mlp()

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Conv2d(C, D, P, P)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class VisionTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch_embed = PatchEmbed()
        self.cls_token = nn.Parameter(torch.randn(1, 1, D) * 0.5)
        self.pos_embed = nn.Parameter(torch.randn(1, 1 + (H // P) * (W // P), D) * 0.5)
        self.blocks = nn.Sequential(*[Block() for _ in range(L)])
        self.norm = nn.LayerNorm(D, eps=1e-6)
        self.head = nn.Linear(D, K)

    def features(self, x):
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        return self.norm(self.blocks(x))[:, 0]

    def forward(self, x):
        return self.head(self.features(x))


model = VisionTransformer()
with torch.no_grad():
    # Non-trivial norms, so that their weights and biases are checked too.
    for module in model.modules():
        if isinstance(module, nn.LayerNorm):
            module.weight.add_(torch.randn_like(module.weight) * 0.2)
            module.bias.add_(torch.randn_like(module.bias) * 0.2)
weights = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
x = torch.randn(N, C, H, W)
target = torch.tensor([0, 3, 4])

model = model.double()
xd = x.double().requires_grad_(True)
features = model.features(xd)
logits = model.head(features)
loss = F.cross_entropy(logits, target)
loss.backward()

out = {k: v.float() for k, v in weights.items()}
out["input"] = x
out["target"] = target.to(torch.int64)
out["out.logits"] = logits.detach()
out["out.features"] = features.detach()
out["out.loss"] = loss.detach().reshape(1)
out["grad.input"] = xd.grad.detach()
for name, p in model.named_parameters():
    out["grad." + name] = p.grad.detach()
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "vit", "vit.safetensors")
save_file({k: v.contiguous() for k, v in out.items()}, path)
print("wrote", os.path.normpath(path), len(out), "tensors")
