#!/usr/bin/env python3
"""Writes the LoRA golden fixture (run once, by hand, with PyTorch + peft; never in CI):

    /root/torchenv/bin/python scripts/make-lora-fixtures.py

A small module with BERT's layer names (`attention.query`, `attention.key`, `attention.value`,
`dense`) gets peft adapters (LoraConfig r=4, lora_alpha=8, target_modules=["query", "value"],
lora_dropout=0); lora_B is set to seeded non-zero values (peft starts it at zero, which would test
nothing). Tests/SynapseTests/Fixtures/lora/peft-lora.safetensors holds the base weights, the adapter
weights under peft's saved names, an input, the output, the gradients of the adapters for
loss = (output · upstream).sum(), and the weights after `merge_and_unload()`.
"""
import os

import torch
import torch.nn as nn
from peft import LoraConfig, get_peft_model, get_peft_model_state_dict
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "lora", "peft-lora.safetensors")


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.query, self.key, self.value = nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 8)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = Attention()
        self.dense = nn.Linear(8, 4)

    def forward(self, x):
        a = self.attention
        return self.dense(torch.tanh(a.query(x)) * a.key(x) + a.value(x))


def main():
    torch.manual_seed(0)
    base = Block()
    tensors = {f"base.{k}": v.detach().clone() for k, v in base.state_dict().items()}
    model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=["query", "value"], lora_dropout=0.0))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn_like(p) * 0.3)
    for k, v in get_peft_model_state_dict(model).items():
        tensors[f"adapter.{k}"] = v.detach().clone()
    x = torch.randn(3, 5, 8)
    y = model(x)
    upstream = torch.randn_like(y)
    (y * upstream).sum().backward()
    tensors["x"], tensors["y"], tensors["upstream"] = x, y.detach(), upstream
    for name, p in model.named_parameters():
        if p.requires_grad:
            tensors["grad." + name.replace(".default", "").replace("base_model.model.", "")] = p.grad.detach().clone()
        else:
            assert p.grad is None
    merged = model.merge_and_unload()
    for k, v in merged.state_dict().items():
        tensors[f"merged.{k}"] = v.detach().clone()
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    save_file({k: v.contiguous() for k, v in tensors.items()}, OUT)
    print(sorted(tensors))


if __name__ == "__main__":
    main()
