#!/usr/bin/env python3
"""Writes Tests/SynapseTests/Fixtures/quantization/observers.safetensors: the reference ranges of the
int8 calibration observers, computed by ONNX Runtime's and PyTorch's own code.

Run once on a developer machine with PyTorch and ONNX Runtime installed (never in CI):
    PYTHONPATH=/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages \
        /root/torchenv/bin/python scripts/make-quantization-fixtures.py

Seeded, so a rerun writes the same file. Contents (all float32):
  - three calibration tensors, each three 1-D batches <t>.batch0..2 (2,500 to 3,500 values); batch 1
    is wider than batch 0 and batch 2 fits inside, so ORT's `merge_histogram` both widens the
    histogram (adds bins) and reuses it:
      a: ReLU-like (about half zeros, long right tail)
      b: roughly Gaussian, signed, shifting mean and scale
      c: narrow Gaussian with a few large outliers on both sides
  - per tensor the expected clipping range [lo, hi]:
      <t>.minmax      torch.ao.quantization.MinMaxObserver min_val / max_val over the three batches
      <t>.percentile  onnxruntime HistogramCollector(method="percentile", symmetric=False, num_bins=2048,
                      num_quantized_bins=128, percentile=99.9)
      <t>.entropy     onnxruntime HistogramCollector(method="entropy", symmetric=False, num_bins=2048,
                      num_quantized_bins=128, percentile=99.999)
    plus <t>.bins: the histogram's final bin count [n] (the growth ORT's merge produced).
  - for weight / activation quantization:
      w.weight          a [12, 20] matrix
      w.scales          PerChannelMinMaxObserver(ch_axis=0, qint8, per_channel_symmetric) scales [12]
      w.int8            torch.quantize_per_channel(w, scales, zero_points, 0, qint8).int_repr() [12, 20]
      act.scale         MinMaxObserver(quint8, reduce_range=True) scale after tensor a's batches [1]
      act.zero_point    its zero point [1]
"""
import contextlib
import io
import os
import warnings

import numpy as np
import onnxruntime
import torch
from onnxruntime.quantization.calibrate import HistogramCollector
from safetensors.torch import save_file

# PyTorch warns that quantized tensors and reduce_range are deprecated; the references are still its code.
warnings.filterwarnings("ignore", category=UserWarning)
rng = np.random.default_rng(20240611)


def relu_like(n, scale):
    # Half zeros (ReLU of a Gaussian) times an exponential: a long right tail.
    return (np.maximum(rng.standard_normal(n), 0) * rng.exponential(1.0, n) * scale).astype(np.float32)


def gaussian(n, mean, std):
    return rng.normal(mean, std, n).astype(np.float32)


def with_outliers(n, std, outliers):
    x = rng.normal(0, std, n).astype(np.float32)
    idx = rng.choice(n, size=len(outliers), replace=False)
    x[idx] = np.asarray(outliers, dtype=np.float32)
    return x


datasets = {
    # Batch 1 widens the range (the histogram grows), batch 2 fits inside it.
    "a": [relu_like(3000, 1.0), relu_like(3500, 2.5), relu_like(2500, 0.6)],
    "b": [gaussian(3000, 0.0, 1.0), gaussian(3000, 0.3, 1.5), gaussian(2800, -0.1, 0.9)],
    "c": [with_outliers(3000, 0.5, [6.0, -5.5, 4.0]),
          with_outliers(3200, 0.5, [15.0, -9.0]),
          with_outliers(2600, 0.5, [-10.0, 7.5, 3.0])],
}


def ort_range(batches, method, percentile):
    collector = HistogramCollector(method=method, symmetric=False, num_bins=2048, num_quantized_bins=128,
                                   percentile=percentile, scenario="same")
    with contextlib.redirect_stdout(io.StringIO()):  # ORT prints progress lines
        for batch in batches:
            collector.collect({"t": [batch]})
        result = collector.compute_collection_result()["t"]
    bins = len(collector.get_histogram_dict()["t"][0])
    return [float(result[0]), float(result[1])], bins


out = {}
for name, batches in datasets.items():
    for i, batch in enumerate(batches):
        out[f"{name}.batch{i}"] = torch.from_numpy(batch)
    observer = torch.ao.quantization.MinMaxObserver()
    for batch in batches:
        observer(torch.from_numpy(batch))
    out[f"{name}.minmax"] = torch.tensor([observer.min_val.item(), observer.max_val.item()])
    percentile, bins = ort_range(batches, "percentile", 99.9)
    entropy, entropy_bins = ort_range(batches, "entropy", 99.999)
    assert bins == entropy_bins  # both collect with collect_value / merge_histogram
    out[f"{name}.percentile"] = torch.tensor(percentile)
    out[f"{name}.entropy"] = torch.tensor(entropy)
    out[f"{name}.bins"] = torch.tensor([float(bins)])

# Weight quantization: per-output-channel symmetric int8 (PyTorch's default for Linear weights).
torch.manual_seed(11)
w = torch.randn(12, 20) * torch.linspace(0.05, 2.0, 12).unsqueeze(1)
wobs = torch.ao.quantization.PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8,
                                                      qscheme=torch.per_channel_symmetric)
wobs(w)
scales, zero_points = wobs.calculate_qparams()
out["w.weight"] = w
out["w.scales"] = scales.float()
out["w.int8"] = torch.quantize_per_channel(w, scales, zero_points, 0, torch.qint8).int_repr().float()

# Activation quantization: per-tensor affine quint8 with reduce_range (FBGEMM's default).
aobs = torch.ao.quantization.MinMaxObserver(dtype=torch.quint8, reduce_range=True)
for batch in datasets["a"]:
    aobs(torch.from_numpy(batch))
act_scale, act_zp = aobs.calculate_qparams()
out["act.scale"] = act_scale.float().reshape(1)
out["act.zero_point"] = act_zp.float().reshape(1)

path = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SynapseTests",
                                     "Fixtures", "quantization", "observers.safetensors"))
os.makedirs(os.path.dirname(path), exist_ok=True)
# One metadata key: safetensors writes several in hash order, which would change the file's bytes
# from run to run.
versions = f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}, numpy {np.__version__}"
save_file({k: v.contiguous().float() for k, v in out.items()}, path, metadata={"generated_with": versions})
for k in sorted(out):
    v = out[k]
    shown = v.tolist() if v.numel() <= 3 else f"{list(v.shape)}"
    print(f"{k:16s} {shown}")
print(f"wrote {len(out)} tensors ({os.path.getsize(path)} bytes) to {path}")
