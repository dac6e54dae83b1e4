#!/usr/bin/env python3
"""Writes Tests/SynapseTests/Fixtures/distillation/distillation.safetensors: PyTorch's
knowledge-distillation loss and its gradient with respect to the student's logits, the
reference of DistillationTests.

Run once on a developer machine with PyTorch installed (never in CI):
    python3 scripts/make-distillation-fixtures.py

For each (temperature, alpha) case:
    loss = alpha * T^2 * kl_div(log_softmax(s / T), softmax(t / T), reduction="batchmean")
         + (1 - alpha) * cross_entropy(s, labels)
"""
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(11)
student = torch.randn(6, 5) * 2
teacher = torch.randn(6, 5) * 3
labels = torch.tensor([0, 4, 2, 2, 1, 3])
out = {"student": student, "teacher": teacher, "labels": labels.float()}
for i, (t, a) in enumerate([(4.0, 0.5), (1.0, 0.9), (2.5, 1.0), (3.0, 0.0)]):
    s = student.clone().requires_grad_(True)
    soft = F.kl_div(F.log_softmax(s / t, dim=1), F.softmax(teacher / t, dim=1), reduction="batchmean") * t * t
    loss = a * soft + (1 - a) * F.cross_entropy(s, labels)
    loss.backward()
    out[f"case{i}.settings"] = torch.tensor([t, a])
    out[f"case{i}.loss"] = loss.detach().reshape(1)
    out[f"case{i}.grad"] = s.grad
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "distillation", "distillation.safetensors")
save_file({k: v.contiguous().float() for k, v in out.items()}, path, metadata={"torch": torch.__version__})
print(f"wrote {len(out)} tensors to {os.path.normpath(path)}")
