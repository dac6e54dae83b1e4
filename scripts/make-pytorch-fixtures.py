#!/usr/bin/env python3
"""Writes the `.pt` test fixtures in Tests/SynapseTests/Fixtures/pytorch (run once by hand with
PyTorch installed; never in CI). Each file has a JSON twin with the values the reader must return:
for every tensor its dtype, shape and values (as float64, row-major, after `.contiguous()`).

Usage: python3 scripts/make-pytorch-fixtures.py   (with `pip install torch`)
"""
import collections
import json
import os
import pickle
import struct

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "pytorch")


def describe(obj):
    """The JSON twin of a loaded object: tensors become {dtype, shape, values}."""
    if isinstance(obj, torch.Tensor):
        t = obj.detach().contiguous()
        return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                "values": [float(v) for v in t.to(torch.float64).flatten().tolist()]}
    if isinstance(obj, dict):
        return {"__dict__": [[str(k), describe(v)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {"__list__": [describe(v) for v in obj]}
    if isinstance(obj, bool) or obj is None or isinstance(obj, (int, float, str)):
        return {"__value__": obj}
    raise TypeError(type(obj))


def save(name, obj, legacy=False):
    path = os.path.join(OUT, name)
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
    loaded = torch.load(path, weights_only=True)
    with open(path + ".json", "w") as f:
        json.dump(describe(loaded), f, sort_keys=False)
    print(name, os.path.getsize(path), "bytes")


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3)
        self.bn = torch.nn.BatchNorm2d(2)
        self.fc = torch.nn.Linear(8, 3)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    net = Net()
    net.bn.running_mean.uniform_(-1, 1)
    net.bn.num_batches_tracked += 7
    # A plain state dict (zip format, what torch.save writes by default).
    save("state_dict.pt", net.state_dict())
    # The same in the legacy (pre-1.6, non-zip) format.
    save("state_dict_legacy.pt", net.state_dict(), legacy=True)
    # A nested training checkpoint saved from DataParallel: keys carry `module.`.
    wrapped = torch.nn.DataParallel(net)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    save("checkpoint_nested.pt", {"model": wrapped.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
                                  "best_accuracy": 0.875, "note": "nested", "tags": ["a", "b"]})
    # Every storage dtype the reader accepts, a transposed (non-contiguous) view, a storage shared by
    # two tensors with an offset, a scalar and an empty tensor.
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 7
    shared = torch.arange(10, dtype=torch.float32)
    save("dtypes.pt", collections.OrderedDict([
        ("f32", torch.randn(2, 3)),
        ("f64", torch.randn(3, dtype=torch.float64) * 1e-3),
        ("f16", torch.randn(4).half()),
        ("bf16", torch.randn(4).bfloat16()),
        ("i64", torch.tensor([-3, 0, 5, 1 << 40])),
        ("i32", torch.tensor([-7, 9], dtype=torch.int32)),
        ("i16", torch.tensor([-300, 301], dtype=torch.int16)),
        ("i8", torch.tensor([-128, 127], dtype=torch.int8)),
        ("u8", torch.tensor([0, 255], dtype=torch.uint8)),
        ("bool", torch.tensor([True, False, True])),
        ("transposed", base.t()),
        ("shared_a", shared[2:6]),
        ("shared_b", shared[5:].view(5, 1)),
        ("scalar", torch.tensor(2.5)),
        ("empty", torch.zeros(0, 3)),
    ]))
    # A hostile file: unpickling it with plain pickle would run `os.system`; the reader must refuse
    # it, naming the global, without running anything.
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    path = os.path.join(OUT, "malicious.pt")
    torch.save({"weight": torch.ones(2)}, path)
    import zipfile
    with zipfile.ZipFile(path) as z:
        items = {n: z.read(n) for n in z.namelist()}
    pkl_name = next(n for n in items if n.endswith("/data.pkl"))
    items[pkl_name] = pickle.dumps({"weight": Evil()}, protocol=2)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for n, b in items.items():
            z.writestr(n, b)
    print("malicious.pt", os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
