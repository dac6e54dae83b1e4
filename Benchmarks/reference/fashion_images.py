"""Fashion-MNIST test images for the W6 reference scripts (the inputs of synapse-bench's "images p50_us")."""
import gzip
import numpy as np

FASHION_TEST = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"


def test_images(count=1000):
    """The first `count` Fashion-MNIST test images as [1, 784] float32 arrays in [0, 1] (about half the
    pixels are exactly 0)."""
    with gzip.open(FASHION_TEST) as f:
        raw = f.read()
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16)[: count * 784]
    return [(pixels[i * 784:(i + 1) * 784].astype(np.float32) / 255.0).reshape(1, 784) for i in range(count)]
