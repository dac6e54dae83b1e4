"""Fixtures for the graph layers: PyTorch Geometric's GCNConv, SAGEConv and GATConv, its scatter
aggregations (sum, mean, max), segment softmax and global pooling, on one small directed graph —
the reference values of the Swift graph code (Sources/SynapseNN/Graph, Sources/SynapseCore/Ops/Scatter*).

The graph has 7 nodes and 11 edges, chosen to reach every corner of PyG's semantics:
- edges in both directions and one in a single direction (messages flow source -> target);
- a duplicated edge (3 -> 4 twice: each copy is a message);
- a self-loop on node 2 (GCN's add_remaining_self_loops keeps its weight; GAT removes it and adds
  its own loops);
- node 6 has no edges at all (an empty segment: scatter gives 0 there, and only its self-loop feeds it).

Each layer is run in eval mode on x [7, 5] with seeded parameters (biases made non-zero, which PyG
initialises to zero); `y` is its output and `grad.*` the gradients of (y * upstream).sum() with
respect to x and every parameter. Parameter names are PyG's state-dict names.

Writes Tests/SynapseTests/Fixtures/graphs/pyg.safetensors. Run once, never in CI (the env needs
`pip install torch_geometric`, pure Python over PyTorch):
    PYTHONPATH=/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages /root/torchenv/bin/python scripts/make-graph-fixtures.py
"""
import os
import torch
import torch_geometric
from torch_geometric.nn import GATConv, GCNConv, SAGEConv, global_add_pool, global_max_pool, global_mean_pool
from torch_geometric.utils import scatter, softmax
from safetensors.torch import save_file

torch.manual_seed(0)
torch.set_default_dtype(torch.float32)
out = {}

sources = [0, 1, 1, 2, 2, 3, 3, 3, 4, 5, 2]
targets = [1, 0, 2, 1, 3, 2, 4, 4, 5, 4, 2]
edge_index = torch.tensor([sources, targets], dtype=torch.long)
n = 7
x = torch.randn(n, 5)
edge_weight = torch.rand(len(sources)) + 0.5
out["edge_index"] = edge_index
out["x"] = x
out["edge_weight"] = edge_weight


def record(name, module, y, inputs):
    """Saves y, the upstream and the gradients of (y * upstream).sum() for `inputs` (name -> tensor)."""
    upstream = torch.randn_like(y)
    (y * upstream).sum().backward()
    out[f"{name}.y"] = y.detach().clone()
    out[f"{name}.upstream"] = upstream
    for key, t in inputs.items():
        out[f"{name}.grad.{key}"] = t.grad.detach().clone()
    if module is not None:
        for key, p in module.state_dict().items():
            out[f"{name}.param.{key}"] = p.detach().clone()


def layer_case(name, module, use_weight=False):
    module.eval()
    with torch.no_grad():
        for key, p in module.named_parameters():
            if key.endswith("bias"):
                p.copy_(torch.randn_like(p) * 0.5)
    xi = x.clone().requires_grad_(True)
    y = module(xi, edge_index, edge_weight) if use_weight else module(xi, edge_index)
    inputs = {"x": xi}
    inputs.update({k: p for k, p in module.named_parameters()})
    record(name, module, y, inputs)


layer_case("gcn", GCNConv(5, 4))
layer_case("gcn_weighted", GCNConv(5, 4), use_weight=True)
# PyG applies `improved` (self-loops weighing 2) only when edge weights are given: both cases.
layer_case("gcn_improved", GCNConv(5, 4, improved=True))
layer_case("gcn_improved_weighted", GCNConv(5, 4, improved=True), use_weight=True)
layer_case("sage", SAGEConv(5, 4))
layer_case("gat_concat", GATConv(5, 3, heads=2, concat=True))
layer_case("gat_mean", GATConv(5, 3, heads=2, concat=False, negative_slope=0.1))

# Scatter aggregations over the targets (node 0 gets one message, node 6 none).
src = torch.randn(len(sources), 3)
out["scatter.src"] = src
for reduce in ["sum", "mean", "max"]:
    s = src.clone().requires_grad_(True)
    y = scatter(s, edge_index[1], dim=0, dim_size=n, reduce=reduce)
    record(f"scatter_{reduce}", None, y, {"src": s})

# Segment softmax over the incoming edges of each node (two heads).
logits = torch.randn(len(sources), 2)
out["softmax.src"] = logits
s = logits.clone().requires_grad_(True)
record("softmax", None, softmax(s, edge_index[1], num_nodes=n), {"src": s})

# Global pooling of a batch of three graphs (nodes 0-2, 3-5, 6).
batch = torch.tensor([0, 0, 0, 1, 1, 1, 2], dtype=torch.long)
out["pool.batch"] = batch
for name, pool in [("add", global_add_pool), ("mean", global_mean_pool), ("max", global_max_pool)]:
    xi = x.clone().requires_grad_(True)
    record(f"pool_{name}", None, pool(xi, batch), {"x": xi})

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "graphs", "pyg.safetensors")
os.makedirs(os.path.dirname(path), exist_ok=True)
save_file({k: v.contiguous() for k, v in out.items()}, path,
          metadata={"torch": torch.__version__, "torch_geometric": torch_geometric.__version__})
print(f"wrote {len(out)} tensors to {os.path.normpath(path)}")
