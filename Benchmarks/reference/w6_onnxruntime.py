"""W6 reference on ONNX Runtime: W2's network exported from PyTorch to ONNX, run by onnxruntime (CPU).

Usage: python w6_onnxruntime.py [--threads N] [--calls 10000]
Prints JSON lines in synapse-bench's format: batch-1 p50/p99 latency (µs) on one random input and over
the first 1,000 Fashion-MNIST test images ("images p50_us"), and batch-256 samples/s.
Developer machines only (pip install torch onnx onnxruntime); never run in CI.
"""
import argparse, io, json, time
import numpy as np
import onnxruntime as ort
import torch
import torch.nn as nn

from fashion_images import test_images


def p50_p99(sess, inputs, calls):
    """Batch-1 p50 and p99 (µs) over `calls` calls, call i on inputs[i % len]."""
    lat = []
    for i in range(calls):
        x = inputs[i % len(inputs)]
        t = time.perf_counter_ns()
        sess.run(None, {"x": x})
        lat.append(time.perf_counter_ns() - t)
    lat.sort()
    return round(lat[len(lat) // 2] / 1e3, 2), round(lat[int(len(lat) * 0.99)] / 1e3, 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--calls", type=int, default=10000)
    a = ap.parse_args()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10)).eval()
    buf = io.BytesIO()
    torch.onnx.export(model, torch.randn(1, 784), buf, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, dynamo=False)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = a.threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(buf.getvalue(), opts, providers=["CPUExecutionProvider"])
    x1 = np.random.rand(1, 784).astype(np.float32)
    for _ in range(2000):
        sess.run(None, {"x": x1})
    p50, p99 = p50_p99(sess, [x1], a.calls)
    print(json.dumps({"workload": "W6", "threads": a.threads, "metric": "p50_us", "value": p50,
                      "p99_us": p99, "engine": "onnxruntime " + ort.__version__}))
    x256 = np.random.rand(256, 784).astype(np.float32)
    for _ in range(20):
        sess.run(None, {"x": x256})
    rates = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(50):
            sess.run(None, {"x": x256})
        rates.append(50 * 256 / (time.perf_counter() - t))
    rates.sort()
    print(json.dumps({"workload": "W6", "threads": a.threads, "metric": "samples/s", "value": round(rates[2]),
                      "batch": 256, "engine": "onnxruntime " + ort.__version__}))
    images = test_images()
    for i in range(2000):
        sess.run(None, {"x": images[i % len(images)]})
    p50, p99 = p50_p99(sess, images, a.calls)
    print(json.dumps({"workload": "W6", "threads": a.threads, "metric": "images p50_us", "value": p50,
                      "images p99_us": p99, "images": len(images), "engine": "onnxruntime " + ort.__version__}))


if __name__ == "__main__":
    main()
