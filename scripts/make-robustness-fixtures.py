"""Fixtures for adversarial attacks: FGSM (L∞ and L2) and PGD without a random start (L∞ and L2)
computed with PyTorch on a small seeded MLP (16 → 32 → 3, ReLU) and 64 inputs in [0, 1] — the
reference values of `AdversarialAttack.perturb`. The attacks follow the Adversarial Robustness
Toolbox's FastGradientMethod / ProjectedGradientDescent (and Foolbox's FGSM / LinfPGD / L2PGD):
maximise the mean cross-entropy of the true labels, step along sign(∇) (L∞) or ∇/‖∇‖₂ per example
(L2), project onto the ε-ball around the input, clip to [0, 1].

The MLP's parameter names are MLPClassifier's (`layers.0.weight`, ...). Writes
Tests/SynapseTests/Fixtures/robustness/attacks.safetensors. Run once, never in CI:
    PYTHONPATH=/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages /root/torchenv/bin/python scripts/make-robustness-fixtures.py
"""
import os
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 3))
x = torch.rand(64, 16)
y = torch.randint(0, 3, (64,))


def gradient(inputs):
    inputs = inputs.clone().requires_grad_(True)
    F.cross_entropy(model(inputs), y).backward()
    return inputs.grad


def step(x_adv, g, size, norm):
    if norm == "linf":
        return x_adv + size * g.sign()
    length = g.flatten(1).norm(dim=1).clamp_min(1e-30)[:, None]
    return x_adv + size * g / length


def project(x_adv, eps, norm):
    delta = x_adv - x
    if norm == "linf":
        delta = delta.clamp(-eps, eps)
    else:
        length = delta.flatten(1).norm(dim=1)[:, None]
        delta = torch.where(length > eps, delta * (eps / length) * (1 - 1e-6), delta)
    return (x + delta).clamp(0, 1)


def pgd(eps, norm, steps, size):
    x_adv = x.clone()
    for _ in range(steps):
        x_adv = project(step(x_adv, gradient(x_adv), size, norm), eps, norm)
    return x_adv


tensors = {"layers.0.weight": model[0].weight, "layers.0.bias": model[0].bias,
           "layers.2.weight": model[2].weight, "layers.2.bias": model[2].bias}
tensors = {k: v.detach().contiguous() for k, v in tensors.items()}
tensors["x"] = x
tensors["y"] = y.to(torch.int64)
tensors["input_gradient"] = gradient(x)
tensors["fgsm_linf_0.1"] = pgd(0.1, "linf", 1, 0.1)
tensors["fgsm_l2_0.5"] = pgd(0.5, "l2", 1, 0.5)
tensors["pgd_linf_0.1"] = pgd(0.1, "linf", 10, 0.025)
tensors["pgd_l2_0.5"] = pgd(0.5, "l2", 10, 0.125)
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "robustness", "attacks.safetensors")
save_file({k: v.contiguous() for k, v in tensors.items()}, path)
print("wrote", os.path.normpath(path))
