"""W5 reference: the BENCHMARKS-SPEC tiny GPT trained on the Vim documentation with PyTorch (CPU).

Usage: python w5_gpt.py [--threads N] [--steps 500] [--seed 0] [--corpus vim-docs|shakespeare] [--save PATH]
token Embedding(vocab,128) + learned positions(128,128); 4 pre-LayerNorm blocks (qkv Linear(128,384), 4 heads,
causal softmax attention, proj Linear(128,128), MLP Linear(128,512)-GELU(erf)-Linear(512,128), residuals); final
LayerNorm; head Linear(128,vocab); AdamW lr 1e-3 wd 0.01; batch 16 × 128 random windows of the first 90% of the text
(the very windows Synapse draws for the same seed: synapse_random.py); mean validation loss over 20 batches of the last
10% (Synapse's validation windows too). PyTorch default initialisation; parameter names are Synapse's
GPTLanguageModel's, so `--save` writes a file `GPTLanguageModel.load(from:)` reads.
Prints a JSON line: tokens/s (median over chunks of 50 steps, after 5 warm-up steps on a throwaway model) and val_loss.
Developer machines only.
"""
import argparse, json
import torch
import torch.nn as nn
import torch.nn.functional as F
from lm_common import (RandomGenerator, DATA_ORDER, corpus_files, load_corpus, split, timed_chunks, train_steps,
                       validation_loss)


class Block(nn.Module):
    def __init__(self, width, heads, mlp):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, mlp)
        self.fc2 = nn.Linear(mlp, width)

    def forward(self, x):
        b, t, e = x.shape
        q, k, v = self.qkv(self.norm1(x)).reshape(b, t, 3, self.heads, e // self.heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, e))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class GPT(nn.Module):
    def __init__(self, vocab, context=128, width=128, layers=4, heads=4, mlp=512):
        super().__init__()
        self.embedding = nn.Embedding(vocab, width)
        self.positions = nn.Embedding(context, width)
        self.blocks = nn.ModuleList([Block(width, heads, mlp) for _ in range(layers)])
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab)

    def forward(self, idx):
        x = self.embedding(idx) + self.positions.weight[: idx.shape[1]]
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", default="vim-docs", choices=["vim-docs", "shakespeare"])
    ap.add_argument("--eval-batches", type=int, default=20)
    ap.add_argument("--save", default=None)
    ap.add_argument("--autocast", action="store_true", help="W9: bf16 autocast (torch.autocast cpu bfloat16)")
    a = ap.parse_args()
    import lm_common
    lm_common.AUTOCAST = a.autocast
    torch.set_num_threads(a.threads)
    ids, vocab = load_corpus(corpus_files(a.corpus))
    train, val = split(ids)
    torch.manual_seed(a.seed + 1)
    warm = GPT(len(vocab))
    train_steps(warm, torch.optim.AdamW(warm.parameters(), lr=1e-3, weight_decay=0.01), train, 16, 128,
                RandomGenerator(a.seed + 1, DATA_ORDER), 5)
    torch.manual_seed(a.seed)
    model = GPT(len(vocab))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    rate, loss = timed_chunks(model, opt, train, 16, 128, RandomGenerator(a.seed, DATA_ORDER), a.steps, 50)
    vl = validation_loss(model, val, 16, 128, a.eval_batches, a.seed)
    if a.save:
        from safetensors.torch import save_file
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, a.save)
    print(json.dumps({"workload": "W5", "threads": a.threads, "metric": "tokens/s", "value": round(rate),
                      "steps": a.steps, "train_loss": round(loss, 4), "val_loss": round(vl, 4), "autocast": a.autocast}))


if __name__ == "__main__":
    main()
