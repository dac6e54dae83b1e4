#!/usr/bin/env python3
"""Generates Tests/SynapseTests/Fixtures/drift/drift.json: reference values of the drift statistics.

Run once (numpy and scipy needed; not used by CI or the tests themselves):
    /root/torchenv/bin/python scripts/make-drift-fixtures.py

- psi: the population stability index sum((a - e) * ln(a / e)) with both fractions floored at epsilon.
- ks: scipy.stats.ks_2samp's two-sided statistic (exact, ties included) and the asymptotic p-value of
  Kolmogorov's limiting distribution at sqrt(n*m/(n+m)) * D (scipy.stats.kstwobign.sf).
- quantile_bins: numpy's linear-interpolation deciles of some data, deduplicated, as interior bin edges,
  and the fraction of the data in each bin [e_(i-1), e_i) (np.searchsorted side='right').
"""
import json
import pathlib

import numpy as np
from scipy import stats

rng = np.random.default_rng(20261203)
OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/SynapseTests/Fixtures/drift/drift.json"


def psi(expected, actual, eps):
    e = np.maximum(np.asarray(expected, dtype=np.float64), eps)
    a = np.maximum(np.asarray(actual, dtype=np.float64), eps)
    return float(np.sum((a - e) * np.log(a / e)))


def fractions(counts):
    counts = np.asarray(counts, dtype=np.float64)
    return (counts / counts.sum()).tolist()


psi_cases = []
for name, expected, actual, eps in [
    ("uniform_vs_skewed", [0.1] * 10, fractions([5, 7, 9, 10, 10, 11, 11, 12, 12, 13]), 1e-4),
    ("empty_bins", fractions([10, 0, 30, 60]), fractions([0, 25, 25, 50]), 1e-4),
    ("identical", fractions([3, 4, 5]), fractions([3, 4, 5]), 1e-4),
    ("random_counts", fractions(rng.integers(1, 200, 10)), fractions(rng.integers(0, 200, 10)), 1e-4),
    ("larger_epsilon", fractions([0, 1, 2, 3]), fractions([3, 2, 1, 0]), 1e-2),
]:
    psi_cases.append({"name": name, "expected": list(map(float, expected)), "actual": list(map(float, actual)),
                      "epsilon": eps, "psi": psi(expected, actual, eps)})

ks_cases = []
for name, ref, sample in [
    ("normal_shifted", rng.normal(0, 1, 300), rng.normal(0.3, 1, 200)),
    ("same_distribution", rng.normal(0, 1, 500), rng.normal(0, 1, 400)),
    ("ties_integers", rng.integers(0, 6, 250).astype(np.float64), rng.integers(1, 7, 180).astype(np.float64)),
    ("ties_rounded", np.round(rng.normal(0, 1, 120), 1), np.round(rng.normal(0.1, 1.2, 90), 1)),
    ("shared_values", np.array([1.0, 1, 2, 2, 2, 3]), np.array([2.0, 2, 3, 3])),
]:
    ref = np.sort(ref)
    d = float(stats.ks_2samp(ref, sample, method="exact").statistic)
    en = len(ref) * len(sample) / (len(ref) + len(sample))
    ks_cases.append({"name": name, "reference": ref.tolist(), "sample": sample.tolist(), "statistic": d,
                     "asymptotic_p_value": float(stats.kstwobign.sf(np.sqrt(en) * d))})

quantile_cases = []
for name, values in [
    ("continuous", rng.normal(5, 2, 1000)),
    ("discrete", rng.integers(0, 4, 400).astype(np.float64)),
]:
    qs = np.quantile(values, np.arange(1, 10) / 10)
    edges = np.unique(qs)
    bins = np.searchsorted(edges, values, side="right")
    counts = np.bincount(bins, minlength=len(edges) + 1)
    quantile_cases.append({"name": name, "values": values.tolist(), "bins": 10, "edges": edges.tolist(),
                           "fractions": (counts / len(values)).tolist()})

OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps({"generator": "scripts/make-drift-fixtures.py", "numpy": np.__version__,
                           "scipy": __import__("scipy").__version__, "psi": psi_cases, "ks": ks_cases,
                           "quantile_bins": quantile_cases}, indent=1) + "\n")
print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
