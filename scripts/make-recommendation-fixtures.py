#!/usr/bin/env python3
"""Writes the PyTorch reference values of the recommendation pieces (issue 17 §3).

Run once with PyTorch installed (never in CI):
    python3 scripts/make-recommendation-fixtures.py
It writes Tests/SynapseTests/Fixtures/recommendation/recommendation.safetensors with:
- `sparse_adam.*`: an `nn.Embedding(9, 4, sparse=True)` trained by `torch.optim.SparseAdam`
  (lr 0.05) for 4 steps on the index batches `sparse_adam.indices` (row s = step s) with the loss
  sum(emb(idx) * `sparse_adam.targets`[s]) ** 2 summed; `sparse_adam.initial` and `sparse_adam.final`
  are the table before and after, `sparse_adam.exp_avg` / `exp_avg_sq` the moments at the end.
- `bpr.*`: scores `positive` [6] and `negative` [6, 3] and `loss` = -logsigmoid(pos - neg).mean().
- `sampled_softmax.*`: the same scores, and `loss` = cross-entropy over [pos, neg] / 0.5 with label 0.
- `in_batch.*`: towers `query`, `item` [5, 4], `item_ids` (item 2 twice), `log_q` and `loss`: the
  in-batch softmax over query @ item.T / 0.1 - log_q with the other copy of a duplicate item masked
  out, plus the gradients `grad_query`, `grad_item`.
"""
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(3)
out = {}

emb = torch.nn.Embedding(9, 4, sparse=True)
out["sparse_adam.initial"] = emb.weight.detach().clone()
opt = torch.optim.SparseAdam(emb.parameters(), lr=0.05)
indices = torch.tensor([[0, 3, 3, 5], [1, 3, 7, 7], [0, 2, 5, 8], [3, 3, 3, 6]])
targets = torch.randn(4, 4, 4)
for s in range(4):
    opt.zero_grad()
    loss = (emb(indices[s]) * targets[s]).sum() ** 2
    loss.backward()
    opt.step()
out["sparse_adam.indices"] = indices
out["sparse_adam.targets"] = targets
out["sparse_adam.final"] = emb.weight.detach().clone()
state = opt.state[emb.weight]
out["sparse_adam.exp_avg"] = state["exp_avg"].clone()
out["sparse_adam.exp_avg_sq"] = state["exp_avg_sq"].clone()

pos = torch.randn(6) * 2
neg = torch.randn(6, 3) * 2
out["bpr.positive"], out["bpr.negative"] = pos, neg
out["bpr.loss"] = -F.logsigmoid(pos.unsqueeze(1) - neg).mean().reshape(1)
logits = torch.cat([pos.unsqueeze(1), neg], dim=1) / 0.5
out["sampled_softmax.loss"] = F.cross_entropy(logits, torch.zeros(6, dtype=torch.long)).reshape(1)

q = torch.randn(5, 4, requires_grad=True)
k = torch.randn(5, 4, requires_grad=True)
ids = torch.tensor([4, 2, 9, 2, 1])
log_q = torch.log(torch.tensor([0.1, 0.3, 0.05, 0.3, 0.2]))
lg = q @ k.T / 0.1 - log_q.unsqueeze(0)
dup = (ids.unsqueeze(0) == ids.unsqueeze(1)) & ~torch.eye(5, dtype=torch.bool)
lg = lg.masked_fill(dup, -1e9)
loss = F.cross_entropy(lg, torch.arange(5))
loss.backward()
out.update({"in_batch.query": q.detach(), "in_batch.item": k.detach(), "in_batch.item_ids": ids, "in_batch.log_q": log_q,
            "in_batch.loss": loss.detach().reshape(1), "in_batch.grad_query": q.grad, "in_batch.grad_item": k.grad})

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "recommendation", "recommendation.safetensors")
save_file({n: t.contiguous() for n, t in out.items()}, path)
print("wrote", os.path.normpath(path))
