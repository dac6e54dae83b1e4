#!/usr/bin/env python3
"""Summarises W12 step traces (developer machine).

    SYNAPSE_W12_STEP_TRACE=/tmp/w12 taskset -c 0 .build/release/synapse-bench W12 --threads 1 --global-batch 32
    mpirun --allow-run-as-root -np 2 --mca btl_vader_single_copy_mechanism none \\
        -x SYNAPSE_W12_STEP_TRACE=/tmp/w12 .build/release/synapse-bench W12 --threads 1
    python3 scripts/w12-step-trace.py /tmp/w12

Per rank: step time (median, mean, standard deviation, its autocorrelation from one step to the
next: streaks of slow steps show as a high value) and the mean wait in finishBackward. With two or
more ranks, per step: the shortest wait over the ranks (what the reduction itself costs, since
the last rank to arrive waits only for that) and the longest (mostly waiting for the slower rank).
Steps longer than 50 ms (an epoch boundary) are left out.
"""
import glob
import statistics
import sys


def load(path):
    rows = [line.split() for line in open(path) if line.strip()]
    return [int(r[0]) for r in rows], [int(r[1]) / 1e6 for r in rows]


def autocorrelation(values):
    mean = statistics.fmean(values)
    centred = [v - mean for v in values]
    denominator = sum(c * c for c in centred)
    return sum(a * b for a, b in zip(centred, centred[1:])) / denominator if denominator else 0.0


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: w12-step-trace.py PREFIX (the value of SYNAPSE_W12_STEP_TRACE)")
    files = sorted(glob.glob(sys.argv[1] + ".*"), key=lambda f: int(f.rsplit(".", 1)[1]))
    if not files:
        sys.exit(f"no trace files {sys.argv[1]}.<rank>")
    traces = [load(f) for f in files]
    for path, (ends, waits) in zip(files, traces):
        steps = [(b - a) / 1e6 for a, b in zip(ends, ends[1:]) if (b - a) / 1e6 < 50]
        print(f"{path}: {len(steps)} steps, median {statistics.median(steps):.3f} ms, mean {statistics.fmean(steps):.3f}, "
              f"sd {statistics.pstdev(steps):.3f}, lag-1 autocorrelation {autocorrelation(steps):.2f}; "
              f"mean wait {statistics.fmean(waits):.3f} ms")
    if len(traces) > 1:
        count = min(len(w) for _, w in traces)
        shortest = [min(w[i] for _, w in traces) for i in range(count)]
        longest = [max(w[i] for _, w in traces) for i in range(count)]
        print(f"per step over the ranks: shortest wait median {statistics.median(shortest):.3f} ms, mean {statistics.fmean(shortest):.3f} "
              f"(the reduction itself); longest wait median {statistics.median(longest):.3f} ms, mean {statistics.fmean(longest):.3f}")


if __name__ == "__main__":
    main()
