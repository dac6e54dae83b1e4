"""Synapse's RandomGenerator (xoshiro256** seeded through SplitMix64) and TextCorpus.randomWindows in Python,
so the PyTorch reference scripts draw exactly the windows Synapse draws for the same seed.

`randint(n)` is Swift's `Int.random(in: 0..<n, using:)` (Lemire's nearly divisionless method on 64-bit words).
Checked against Swift by Tests/SynapseTests/Models/LanguageModelTests.swift (pinned offsets for seed 0).
"""
import numpy as np

M64 = (1 << 64) - 1


def _mix(x):
    z = (x + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


class RandomGenerator:
    def __init__(self, seed, stream=0):
        if stream:
            seed = _mix(seed ^ _mix(stream))
        x, s = seed, []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & M64
            z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            s.append(z ^ (z >> 31))
        self.s = s

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & M64

    def next(self):
        s = self.s
        result = (self._rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self._rotl(s[3], 45)
        return result

    def randint(self, n):
        """Uniform in 0..<n, as Swift's Int.random(in: 0..<n, using:)."""
        m = self.next() * n
        if m & M64 < n:
            t = ((1 << 64) - n) % n
            while m & M64 < t:
                m = self.next() * n
        return m >> 64


# Streams of Synapse's RandomStream / TextWindows (training and validation windows).
DATA_ORDER, VALIDATION = 1, 4


def uniform(gen, shape, low, high):
    """Tensor.uniform: row-major float32 low + (high - low) * u, u = 24 random bits / 2^24 (nextUniform)."""
    n = int(np.prod(shape))
    u = np.array([gen.next() >> 40 for _ in range(n)], dtype=np.float32) * np.float32(1.0 / 16777216.0)
    low, high = np.float32(low), np.float32(high)
    return (low + (high - low) * u).astype(np.float32).reshape(shape)


def default_init(gen, weight_shape):
    """Linear / Conv2d default init (PyTorch's): weight kaimingUniform(a: sqrt 5) = U(±1/sqrt(fan_in)), then bias
    U(±1/sqrt(fan_in)), both drawn from `gen` in that order, in Float arithmetic as Synapse computes the bounds."""
    fan_in = int(np.prod(weight_shape[1:]))
    a = np.float32(np.sqrt(np.float32(5)))
    gain = np.sqrt(np.float32(2) / (np.float32(1) + a * a))
    bound = gain * np.sqrt(np.float32(3) / np.float32(fan_in))
    weight = uniform(gen, weight_shape, -bound, bound)
    b = np.float32(1) / np.sqrt(np.float32(fan_in))
    return weight, uniform(gen, [weight_shape[0]], -b, b)


def permutation(n, gen):
    """Permutation.shuffled: Fisher-Yates from the last index down, j = gen.randint(i + 1) (DataLoader, one per epoch)."""
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = gen.randint(i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def random_windows(ids, batch, length, gen):
    """TextCorpus.randomWindows: `batch` windows of `length` ids at offsets gen.randint(len(ids) - length),
    with next-token targets; returns two int64 arrays [batch, length]."""
    starts = [gen.randint(len(ids) - length) for _ in range(batch)]
    x = np.stack([ids[s:s + length] for s in starts]).astype(np.int64)
    y = np.stack([ids[s + 1:s + length + 1] for s in starts]).astype(np.int64)
    return x, y


def load_corpus(files):
    """The files' bytes concatenated; vocabulary = distinct byte values ascending; ids as int32."""
    data = b"".join(open(f, "rb").read() for f in files)
    raw = np.frombuffer(data, dtype=np.uint8)
    vocab = np.unique(raw)
    table = np.full(256, -1, dtype=np.int32)
    table[vocab] = np.arange(len(vocab), dtype=np.int32)
    return table[raw], vocab


if __name__ == "__main__":
    g = RandomGenerator(12345)
    print([g.randint(8567541) for _ in range(8)])
    print([g.randint(3) for _ in range(8)])
    print([g.randint((1 << 62) + 12345) for _ in range(4)])
