#!/usr/bin/env python3
"""Writes Tests/SynapseTests/Fixtures/pruning/pruning.safetensors: PyTorch's pruning masks for
fixed weights, the reference of the pruning tests.

Run once on a developer machine with PyTorch installed (never in CI):
    python3 scripts/make-pruning-fixtures.py

Three layers (a Linear 20→12, a Linear 12→7, a Conv2d 3→6 with 3×3 kernels) with random weights
(no ties, so `topk` and our stable sort pick the same entries), and the masks of
  - prune.l1_unstructured(amount=0.3) on each layer            -> layerwise.<name>
  - prune.global_unstructured(L1Unstructured, amount=0.6)       -> global.<name>
  - prune.ln_structured(amount=0.5, n=1 and n=2, dim=0)          -> l1_structured.<name>, l2_structured.<name>
"""
import os

import torch
import torch.nn as nn
import torch.nn.utils.prune as prune
from safetensors.torch import save_file

torch.manual_seed(7)


def layers():
    torch.manual_seed(7)
    return {"fc1": nn.Linear(20, 12), "fc2": nn.Linear(12, 7), "conv": nn.Conv2d(3, 6, 3)}


out = {}
base = layers()
for name, layer in base.items():
    out[f"weight.{name}"] = layer.weight.detach().clone()

m = layers()
for name, layer in m.items():
    prune.l1_unstructured(layer, "weight", amount=0.3)
    out[f"layerwise.{name}"] = layer.weight_mask.clone()

m = layers()
prune.global_unstructured([(layer, "weight") for layer in m.values()], pruning_method=prune.L1Unstructured, amount=0.6)
for name, layer in m.items():
    out[f"global.{name}"] = layer.weight_mask.clone()

for n in (1, 2):
    m = layers()
    for name, layer in m.items():
        prune.ln_structured(layer, "weight", amount=0.5, n=n, dim=0)
        out[f"l{n}_structured.{name}"] = layer.weight_mask.clone()

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "pruning", "pruning.safetensors")
save_file({k: v.contiguous().float() for k, v in out.items()}, path, metadata={"torch": torch.__version__})
print(f"wrote {len(out)} tensors to {os.path.normpath(path)}")
