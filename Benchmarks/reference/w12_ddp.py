"""W12 reference: the W3 CNN trained data-parallel with PyTorch DistributedDataParallel over Gloo (CPU).

Usage: python w12_ddp.py [--ranks 2] [--threads 1] [--epochs 1] [--steps S] [--seed 0]
Global batch 64 split over the ranks (64/ranks each), DistributedSampler (shuffle, drop_last), Adam 1e-3,
torch.set_num_threads(--threads) in every rank; ranks are spawned with torch.multiprocessing on this host
(MASTER_ADDR 127.0.0.1). `--ranks 1` runs the same loop without DDP (the one-process baseline). `--steps S`
times only the first S steps of each epoch and extrapolates samples/s. Rank 0 prints a final JSON line
(samples/s). Developer machines only (never in CI): compare with `mpirun -np 2 synapse-bench W12 --threads 1`
in the same session.
"""
import argparse, json, os, time
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DistributedSampler

from w3_cnn import fashion_mnist, w3_model

GLOBAL_BATCH = 64


def worker(rank, a):
    torch.set_num_threads(a.threads)
    if a.ranks > 1:
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", "29512")
        dist.init_process_group("gloo", rank=rank, world_size=a.ranks)
        os.sched_setaffinity(0, {rank % os.cpu_count()})
    torch.manual_seed(a.seed)
    xtr, ytr, xte, yte = fashion_mnist()
    model = w3_model()
    net = DDP(model) if a.ranks > 1 else model
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    batch = GLOBAL_BATCH // a.ranks
    sampler = DistributedSampler(range(len(xtr)), num_replicas=a.ranks, rank=rank, shuffle=True, seed=a.seed, drop_last=True)
    times, acc = [], 0.0
    for epoch in range(1, a.epochs + 1):
        sampler.set_epoch(epoch)
        order = torch.tensor(list(iter(sampler)))
        steps = len(order) // batch
        timed = min(a.steps, steps) if a.steps > 0 else steps
        t0 = time.perf_counter()
        for s in range(timed):
            i = order[s * batch:(s + 1) * batch]
            loss = nn.functional.cross_entropy(net(xtr[i]), ytr[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()
        times.append((time.perf_counter() - t0) / timed)
        if rank == 0:
            with torch.no_grad():
                acc = (model(xte).argmax(1) == yte).float().mean().item()
            print(f"epoch {epoch}/{a.epochs}  test_accuracy {acc:.4f}  {GLOBAL_BATCH / times[-1]:.0f} samples/s", flush=True)
    if rank == 0:
        print(json.dumps({"workload": "W12", "ranks": a.ranks, "threads": a.threads, "metric": "samples/s",
                          "value": round(GLOBAL_BATCH / min(times), 1), "test_accuracy": round(acc, 4),
                          "extrapolated_from_steps": a.steps or None, "backend": "gloo" if a.ranks > 1 else "none"}))
    if a.ranks > 1:
        dist.destroy_process_group()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--steps", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.ranks > 1:
        mp.spawn(worker, args=(a,), nprocs=a.ranks, join=True)
    else:
        worker(0, a)


if __name__ == "__main__":
    main()
