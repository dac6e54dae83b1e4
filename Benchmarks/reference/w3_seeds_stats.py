"""Statistics of w3_seeds.py's results: per-seed table, mean ± std, min/max, Mann-Whitney U rank tests (and, for sides
that share their randomness seed by seed, an exact paired sign-flip test). Pure Python, no SciPy.

Usage: python w3_seeds_stats.py [w3_seeds.jsonl]      (python w3_seeds_stats.py --self-test checks the tests)

Mann-Whitney U: U of the first sample = R1 - n1(n1+1)/2 with mid-ranks for ties. Two-sided p-value exact (every one
of the C(n1+n2, n1) ways to split the pooled values, mid-ranks kept, so ties are handled exactly) when there are at
most 3·10^6 splits, and from the normal approximation with tie correction and continuity correction otherwise (both
are printed when exact). The paired test flips the sign of each seed's difference in all 2^n ways (exact) and
reports how often |mean difference| is at least the observed one.
"""
import itertools, json, math, statistics, sys
from collections import defaultdict

SIDES = ["synapse", "torch", "torch-synapse-rng"]
LABEL = {"synapse": "Synapse", "torch": "PyTorch", "torch-synapse-rng": "PyTorch on Synapse's init + order"}


def midranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def mann_whitney(x, y):
    """(U of x, exact two-sided p or None, normal-approximation two-sided p)."""
    n1, n2 = len(x), len(y)
    ranks = midranks(list(x) + list(y))
    u = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    mu = n1 * n2 / 2
    # Normal approximation with tie correction and continuity correction.
    n = n1 + n2
    counts = defaultdict(int)
    for v in list(x) + list(y):
        counts[v] += 1
    tie = sum(t ** 3 - t for t in counts.values())
    var = n1 * n2 / 12 * ((n + 1) - tie / (n * (n - 1)))
    z = max(abs(u - mu) - 0.5, 0) / math.sqrt(var) if var > 0 else 0.0
    p_normal = math.erfc(z / math.sqrt(2))
    p_exact = None
    if math.comb(n, n1) <= 3_000_000:
        observed = abs(u - mu) - 1e-9
        offset = n1 * (n1 + 1) / 2
        extreme = total = 0
        for idx in itertools.combinations(range(n), n1):
            total += 1
            if abs(sum(ranks[i] for i in idx) - offset - mu) >= observed:
                extreme += 1
        p_exact = extreme / total
    return u, p_exact, p_normal


def paired_sign_flip(d):
    """Exact two-sided p of the mean of paired differences `d` under sign flips."""
    observed = abs(sum(d)) - 1e-12
    extreme = sum(1 for signs in itertools.product((1, -1), repeat=len(d))
                  if abs(sum(s * v for s, v in zip(signs, d))) >= observed)
    return extreme / 2 ** len(d)


def self_test():
    # Fully separated samples of 3 and 3: U = 0, exact two-sided p = 2 / C(6,3) = 0.1.
    u, p, _ = mann_whitney([1, 2, 3], [4, 5, 6])
    assert u == 0 and abs(p - 0.1) < 1e-12, (u, p)
    # Identical samples: U = n1 n2 / 2, p = 1.
    u, p, pn = mann_whitney([1, 2, 3, 4], [1, 2, 3, 4])
    assert u == 8 and p == 1 and pn == 1, (u, p, pn)
    # Textbook (Siegel & Castellan style) example without ties, n1 = 4, n2 = 5: exact P(U <= 1) two-sided = 4/126.
    u, p, _ = mann_whitney([1.1, 2.2, 3.3, 5.5], [4.4, 6.6, 7.7, 8.8, 9.9])
    assert u == 1 and abs(p - 4 / 126) < 1e-12, (u, p)
    # Sign flips: 5 positive differences, exact two-sided p = 2/32.
    assert abs(paired_sign_flip([1, 2, 3, 4, 5]) - 2 / 32) < 1e-12
    print("self-test passed")


def main(path):
    acc = defaultdict(dict)
    speed = defaultdict(dict)
    for line in open(path):
        if line.strip():
            r = json.loads(line)
            acc[r["side"]][r["seed"]] = r["test_accuracy"]
            speed[r["side"]][r["seed"]] = r["s_per_epoch"]
    sides = [s for s in SIDES if s in acc]
    seeds = sorted(set().union(*[acc[s].keys() for s in sides]))
    print("| seed | " + " | ".join(LABEL[s] for s in sides) + " |")
    print("|---|" + "---|" * len(sides))
    for seed in seeds:
        print(f"| {seed} | " + " | ".join(f"{acc[s][seed]:.4f}" if seed in acc[s] else "–" for s in sides) + " |")
    rows = [("mean ± std", lambda v: f"{statistics.mean(v):.4f} ± {statistics.stdev(v):.4f}"),
            ("median", lambda v: f"{statistics.median(v):.4f}"),
            ("min – max", lambda v: f"{min(v):.4f} – {max(v):.4f}"),
            ("n", lambda v: str(len(v)))]
    for name, f in rows:
        print(f"| {name} | " + " | ".join(f(list(acc[s].values())) for s in sides) + " |")
    print("| s/epoch (median) | " + " | ".join(f"{statistics.median(speed[s].values()):.2f}" for s in sides) + " |")
    print()
    for a, b in itertools.combinations(sides, 2):
        x, y = list(acc[a].values()), list(acc[b].values())
        u, p_exact, p_normal = mann_whitney(x, y)
        diff = statistics.mean(x) - statistics.mean(y)
        se = math.sqrt(statistics.variance(x) / len(x) + statistics.variance(y) / len(y))
        exact = f"exact p = {p_exact:.3f}, " if p_exact is not None else ""
        print(f"- {LABEL[a]} vs {LABEL[b]}: mean difference {diff * 100:+.2f} points (± {se * 100:.2f} s.e.); "
              f"Mann-Whitney U = {u:g} of {len(x) * len(y)} (U/n1n2 = {u / (len(x) * len(y)):.2f}), "
              f"{exact}normal-approx p = {p_normal:.3f}")
        shared = sorted(set(acc[a]) & set(acc[b]))
        if {a, b} == {"synapse", "torch-synapse-rng"} and len(shared) >= 2:
            d = [acc[a][s] - acc[b][s] for s in shared]
            print(f"  paired by seed (same initial weights and orders, n = {len(d)}): mean difference "
                  f"{statistics.mean(d) * 100:+.2f} points, sd {statistics.stdev(d) * 100:.2f}, "
                  f"exact sign-flip p = {paired_sign_flip(d):.3f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
        self_test()
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "w3_seeds.jsonl")
