#!/usr/bin/env python3
"""Writes the PyTorch reference values of the losses of Sources/SynapseNN/Losses (issue 17 §5).

Run once with PyTorch installed (never in CI):
    python3 scripts/make-loss-fixtures.py
It writes Tests/SynapseTests/Fixtures/losses/losses.safetensors: for every case `name`, its inputs
(`name.in.<argument>`), the loss (`name.y`) and, for each differentiable input, the gradient of the
loss times a fixed upstream (`name.upstream`, `name.grad.<argument>`).

References: torch.nn.functional where PyTorch has the loss (kl_div, poisson_nll_loss, gaussian_nll_loss,
margin_ranking_loss, hinge_embedding_loss, multi_margin_loss, cosine_embedding_loss,
triplet_margin_loss); torchvision.ops.sigmoid_focal_loss's formula (written out below, torchvision
0.20); the pairwise contrastive loss of Hadsell, Chopra and LeCun (2006); InfoNCE as cross-entropy over
in-batch similarities (van den Oord et al. 2018) and NT-Xent (SimCLR, Chen et al. 2020); softmax focal
loss (Lin et al. 2017) — the last four as formulas in PyTorch ops.
"""
import os
import warnings

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(17)
warnings.filterwarnings("ignore", message="reduction: 'mean' divides")
out = {}


def record(name, fn, inputs, differentiable, reduction_shape=None):
    """Runs fn on inputs (a dict), stores inputs, output, upstream and gradients."""
    leaves = {}
    for key, value in inputs.items():
        if key in differentiable:
            leaves[key] = value.clone().double().requires_grad_(True)
        else:
            leaves[key] = value.clone()
    y = fn(**leaves)
    upstream = torch.randn_like(y) if y.dim() > 0 else torch.tensor(1.0, dtype=y.dtype)
    (y * upstream).sum().backward()
    for key, value in inputs.items():
        out[f"{name}.in.{key}"] = value.float() if value.is_floating_point() else value.long().clone()
    out[f"{name}.y"] = y.detach().float().reshape(y.shape)
    out[f"{name}.upstream"] = upstream.float()
    for key in differentiable:
        out[f"{name}.grad.{key}"] = leaves[key].grad.float()


def d(*shape):
    return torch.randn(*shape, dtype=torch.float64)


# KL divergence: input log-probabilities; target probabilities or log-probabilities; with zeros in target.
logp = F.log_softmax(d(4, 5), dim=1)
q = F.softmax(d(4, 5), dim=1)
q[0, 1] = 0
q[0] = q[0] / q[0].sum()
# (PyTorch's gradient for a zero target is NaN — 0/0 in xlogy's backward; Synapse's is finite, so the
# target's gradient is compared on a target without zeros.)
for reduction in ("mean", "sum", "batchmean", "none"):
    record(f"kl.{reduction}", lambda input, target: F.kl_div(input, target, reduction=reduction),
           {"input": logp, "target": q}, ["input"])
record("kl.target_grad", lambda input, target: F.kl_div(input, target, reduction="batchmean"),
       {"input": logp, "target": F.softmax(d(4, 5), dim=1)}, ["input", "target"])
record("kl.log_target", lambda input, target: F.kl_div(input, target, reduction="batchmean", log_target=True),
       {"input": logp, "target": F.log_softmax(d(4, 5), dim=1)}, ["input", "target"])

# Poisson NLL: log input and plain input, with and without Stirling's term.
rate_log = d(3, 4) * 0.5
counts = torch.poisson(torch.full((3, 4), 3.0)).double()
counts[0, 0] = 0
counts[1, 1] = 1
record("poisson.log", lambda input, target: F.poisson_nll_loss(input, target, log_input=True),
       {"input": rate_log, "target": counts}, ["input"])
record("poisson.full", lambda input, target: F.poisson_nll_loss(input, target, log_input=True, full=True),
       {"input": rate_log, "target": counts}, ["input"])
record("poisson.rate", lambda input, target: F.poisson_nll_loss(input, target, log_input=False, reduction="sum"),
       {"input": rate_log.exp(), "target": counts}, ["input"])

# Gaussian NLL: full variance, one variance per row, a variance below eps (clamped), full constant.
mu, obs = d(4, 3), d(4, 3)
var = d(4, 3).abs() + 0.1
var[0, 0] = 1e-8
record("gaussian.same", lambda input, target, var: F.gaussian_nll_loss(input, target, var),
       {"input": mu, "target": obs, "var": var}, ["input", "target", "var"])
record("gaussian.row", lambda input, target, var: F.gaussian_nll_loss(input, target, var, full=True, reduction="sum"),
       {"input": mu, "target": obs, "var": d(4, 1).abs() + 0.2}, ["input", "target", "var"])

# Margin ranking, hinge embedding, multi-margin.
labels = torch.tensor([1.0, -1, 1, -1, 1, -1], dtype=torch.float64)
record("margin_ranking", lambda input1, input2, target: F.margin_ranking_loss(input1, input2, target, margin=0.3),
       {"input1": d(6), "input2": d(6), "target": labels}, ["input1", "input2"])
record("hinge_embedding", lambda input, target: F.hinge_embedding_loss(input, target, margin=1.5),
       {"input": d(6).abs(), "target": labels}, ["input"])
scores, cls = d(5, 4), torch.tensor([0, 3, 1, 1, 2])
record("multi_margin.p1", lambda input, target: F.multi_margin_loss(input, target), {"input": scores, "target": cls}, ["input"])
record("multi_margin.p2", lambda input, target, weight: F.multi_margin_loss(input, target, p=2, margin=0.7, weight=weight),
       {"input": scores, "target": cls, "weight": torch.tensor([1.0, 2.0, 0.5, 1.5], dtype=torch.float64)}, ["input"])

# Cosine embedding and triplet margin.
record("cosine_embedding", lambda input1, input2, target: F.cosine_embedding_loss(input1, input2, target, margin=0.2),
       {"input1": d(6, 5), "input2": d(6, 5), "target": labels}, ["input1", "input2"])
a, p, n = d(5, 4), d(5, 4), d(5, 4)
record("triplet", lambda anchor, positive, negative: F.triplet_margin_loss(anchor, positive, negative, margin=1.0),
       {"anchor": a, "positive": p, "negative": n}, ["anchor", "positive", "negative"])
record("triplet.swap_p1", lambda anchor, positive, negative: F.triplet_margin_loss(anchor, positive, negative, margin=0.5, p=1, swap=True),
       {"anchor": a, "positive": p, "negative": n}, ["anchor", "positive", "negative"])


# Pairwise contrastive loss (Hadsell et al. 2006): ½[y·d² + (1 − y)·max(0, m − d)²], d Euclidean.
def contrastive(input1, input2, target, margin=1.0):
    dist = (input1 - input2).pow(2).sum(1).sqrt()
    return (0.5 * (target * dist.pow(2) + (1 - target) * F.relu(margin - dist).pow(2))).mean()


record("contrastive", lambda input1, input2, target: contrastive(input1, input2, target, margin=2.0),
       {"input1": d(6, 3), "input2": d(6, 3), "target": torch.tensor([1.0, 0, 1, 0, 0, 1], dtype=torch.float64)}, ["input1", "input2"])


# InfoNCE with in-batch negatives: cross-entropy of normalised q·kᵀ/τ against the diagonal.
def info_nce(query, key, temperature=0.1):
    logits = F.normalize(query, dim=1) @ F.normalize(key, dim=1).T / temperature
    return F.cross_entropy(logits, torch.arange(query.shape[0]))


record("info_nce", lambda query, key: info_nce(query, key, 0.2), {"query": d(5, 4), "key": d(5, 4)}, ["query", "key"])


# NT-Xent (SimCLR): 2N normalised views, similarities / τ, self-similarity masked, each view's positive the other.
def nt_xent(view1, view2, temperature=0.5):
    z = F.normalize(torch.cat([view1, view2]), dim=1)
    sim = z @ z.T / temperature
    sim = sim.masked_fill(torch.eye(z.shape[0], dtype=torch.bool), float("-inf"))
    n = view1.shape[0]
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets)


record("nt_xent", lambda view1, view2: nt_xent(view1, view2, 0.5), {"view1": d(4, 3), "view2": d(4, 3)}, ["view1", "view2"])


# torchvision.ops.sigmoid_focal_loss (0.20), written out.
def sigmoid_focal(inputs, targets, alpha=0.25, gamma=2.0, reduction="mean"):
    p = torch.sigmoid(inputs)
    ce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


binary = (torch.rand(4, 3) > 0.7).double()
record("sigmoid_focal", lambda inputs, targets: sigmoid_focal(inputs, targets), {"inputs": d(4, 3) * 2, "targets": binary}, ["inputs"])
record("sigmoid_focal.noalpha", lambda inputs, targets: sigmoid_focal(inputs, targets, alpha=-1, gamma=1.5, reduction="sum"),
       {"inputs": d(4, 3) * 2, "targets": binary}, ["inputs"])


# Softmax focal loss (Lin et al. 2017, multi-class): −α_y (1 − p_y)^γ log p_y, mean over rows.
def softmax_focal(input, target, weight=None, gamma=2.0):
    logp = F.log_softmax(input, dim=1).gather(1, target[:, None])[:, 0]
    loss = -((1 - logp.exp()) ** gamma) * logp
    if weight is not None:
        loss = loss * weight[target]
    return loss.mean()


record("softmax_focal", lambda input, target, weight: softmax_focal(input, target, weight, 2.0),
       {"input": d(5, 4) * 2, "target": cls, "weight": torch.tensor([0.25, 1.0, 0.5, 2.0], dtype=torch.float64)}, ["input"])

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SynapseTests", "Fixtures", "losses", "losses.safetensors")
os.makedirs(os.path.dirname(path), exist_ok=True)
save_file({k: v.contiguous().clone() for k, v in out.items()}, path, metadata={"torch": torch.__version__})
print(f"{len(out)} tensors in {path}")
