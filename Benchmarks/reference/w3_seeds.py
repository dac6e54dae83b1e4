"""W3 accuracy over seeds (issue 9 §9): Synapse and PyTorch, one after the other, each seed in a process of its own.

Usage: python w3_seeds.py [--seeds 0-9] [--sides synapse,torch] [--out w3_seeds.jsonl]
                          [--bench .build/release/synapse-bench]

Sides:
  synapse            `synapse-bench W3 --threads 1 --accuracy --seed S`: 2 epochs of 937 steps, test accuracy.
  torch              `w3_cnn.py --threads 1 --epochs 2 --seed S`: torch.manual_seed(S) init, torch.randperm orders.
  torch-synapse-rng  `w3_cnn.py ... --rng synapse`: PyTorch's arithmetic on Synapse's initial weights and epoch orders
                     for seed S (synapse_random.py), so it pairs seed by seed with the synapse side.
Everything runs at 1 thread under `nice -n 10`, one process at a time, seed by seed with the sides in turn. Each result is appended to --out as one JSON
line as soon as it is known, and (side, seed) pairs already there are skipped, so an interrupted run resumes.
At the end the summary of w3_seeds_stats.py is printed. Developer machines only (never in CI: it needs PyTorch).
"""
import argparse, json, os, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def seeds(text):
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def last_json(stdout, workload="W3"):
    lines = [l for l in stdout.splitlines() if l.startswith("{") and f'"workload": "{workload}"' in l]
    if not lines:
        raise RuntimeError("no W3 JSON line in the output:\n" + stdout[-2000:])
    return json.loads(lines[-1])


def run(side, seed, a):
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", SYNAPSE_NUM_THREADS="1")
    if side == "synapse":
        cmd = [a.bench, "W3", "--threads", "1", "--accuracy", "--seed", str(seed), "--no-summary"]
    else:
        cmd = [a.python, os.path.join(HERE, "w3_cnn.py"), "--threads", "1", "--epochs", "2", "--seed", str(seed)]
        if side == "torch-synapse-rng":
            cmd += ["--rng", "synapse"]
    t0 = time.time()
    p = subprocess.run(["nice", "-n", "10"] + cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    j = last_json(p.stdout)
    return {"side": side, "seed": seed, "test_accuracy": j["test_accuracy"], "s_per_epoch": j["value"],
            "wall_s": round(time.time() - t0, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0-9")
    ap.add_argument("--sides", default="synapse,torch")
    ap.add_argument("--out", default=os.path.join(HERE, "w3_seeds.jsonl"))
    ap.add_argument("--bench", default=os.path.join(ROOT, ".build/release/synapse-bench"))
    ap.add_argument("--python", default=sys.executable)
    a = ap.parse_args()
    done = set()
    if os.path.exists(a.out):
        for line in open(a.out):
            if line.strip():
                r = json.loads(line)
                done.add((r["side"], r["seed"]))
    # Seed by seed, the sides in turn: an interrupted run still holds as many seeds of each side.
    for seed in seeds(a.seeds):
        for side in a.sides.split(","):
            if (side, seed) in done:
                continue
            r = run(side, seed, a)
            print(json.dumps(r), flush=True)
            with open(a.out, "a") as f:
                f.write(json.dumps(r) + "\n")
    subprocess.run([sys.executable, os.path.join(HERE, "w3_seeds_stats.py"), a.out])


if __name__ == "__main__":
    main()
