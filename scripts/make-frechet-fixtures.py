#!/usr/bin/env python3
"""Reference values of the Fréchet distance (the FID formula) for `FrechetDistance`, computed with
NumPy and SciPy the way pytorch-fid does (`scipy.linalg.sqrtm` of Σa·Σb, real part taken).

Run once, never in CI (needs numpy, scipy and safetensors; scipy 1.17.1 made the committed file):
    PYTHONPATH=/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages \
        /root/torchenv/bin/python scripts/make-frechet-fixtures.py
or, with those packages installed, `python3 scripts/make-frechet-fixtures.py`.

It writes Tests/SynapseTests/Fixtures/generative/frechet.safetensors. For each case `name`:
- `name.a`, `name.b` (float32, rows × D): the two feature sets (`identical` has only `a`: it is
  compared with itself);
- `name.distance` (float64, [1]): ‖μa − μb‖² + Tr Σa + Tr Σb − 2 Tr sqrtm(Σa Σb), with the means
  and the unbiased covariances (`np.cov(rowvar=False)`) of the float32 features taken in float64.
Cases:
- `random`: 300 × 16 and 250 × 16, different means, correlated covariances (full rank);
- `rank_deficient`: 10 × 24 and 12 × 24 (n < D, so both covariances are singular and sqrtm of
  their product has tiny imaginary parts, as pytorch-fid meets them; the real part is kept);
- `identical`: 64 × 12 against itself (distance 0 up to sqrtm's rounding).
For `random` also `random.mean_a`, `random.mean_b` (float64, [D]) and `random.cov_a`, `random.cov_b`
(float64, [D, D]).
"""
import os

import numpy as np
from safetensors.numpy import save_file
from scipy import linalg


def statistics(features):
    x = features.astype(np.float64)
    return x.mean(axis=0), np.cov(x, rowvar=False)


def frechet(a, b):
    """pytorch-fid's `calculate_frechet_distance`, without its eps-offset retry (never needed here)."""
    mu_a, sigma_a = statistics(a)
    mu_b, sigma_b = statistics(b)
    covmean = linalg.sqrtm(sigma_a @ sigma_b)
    assert np.isfinite(covmean).all(), "sqrtm failed"
    if np.iscomplexobj(covmean):
        print(f"  sqrtm: largest imaginary part {np.abs(covmean.imag).max():.3g} (dropped)")
        covmean = covmean.real
    diff = mu_a - mu_b
    return float(diff @ diff + np.trace(sigma_a) + np.trace(sigma_b) - 2 * np.trace(covmean))


def correlated(rng, rows, dim, shift, scale):
    mix = rng.normal(0, scale, (dim, dim))
    return (shift + rng.normal(0, 1, (rows, dim)) @ mix).astype(np.float32)


rng = np.random.default_rng(17)
out = {}
cases = {
    "random": (correlated(rng, 300, 16, rng.normal(0, 1, 16), 0.6), correlated(rng, 250, 16, rng.normal(0.5, 1, 16), 0.4)),
    "rank_deficient": (correlated(rng, 10, 24, 0.0, 0.5), correlated(rng, 12, 24, 0.3, 0.5)),
}
identical = correlated(rng, 64, 12, rng.normal(0, 1, 12), 0.5)

for name, (a, b) in cases.items():
    out[f"{name}.a"], out[f"{name}.b"] = a, b
    out[f"{name}.distance"] = np.array([frechet(a, b)], dtype=np.float64)
    print(f"{name}: {a.shape} vs {b.shape}, distance {out[f'{name}.distance'][0]!r}")
out["identical.a"] = identical
out["identical.distance"] = np.array([frechet(identical, identical)], dtype=np.float64)
print(f"identical: {identical.shape}, distance {out['identical.distance'][0]!r}")
for side in ("a", "b"):
    mean, cov = statistics(cases["random"][0 if side == "a" else 1])
    out[f"random.mean_{side}"], out[f"random.cov_{side}"] = mean, cov

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SynapseTests", "Fixtures", "generative",
                    "frechet.safetensors")
os.makedirs(os.path.dirname(path), exist_ok=True)
save_file({k: np.ascontiguousarray(v) for k, v in out.items()}, path)
print(f"wrote {os.path.normpath(path)} ({os.path.getsize(path)} bytes)")
