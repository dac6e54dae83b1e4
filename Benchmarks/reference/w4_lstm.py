"""W4 reference: the BENCHMARKS-SPEC character LSTM trained on the Vim documentation with PyTorch (CPU).

Usage: python w4_lstm.py [--threads N] [--steps 200] [--seed 0] [--corpus vim-docs|shakespeare]
Embedding(vocab,64) → 1-layer LSTM(64→256, batch-first) → Linear(256,vocab); Adam 1e-3; batch 32 random windows of
64 tokens (the windows Synapse draws for the same seed: synapse_random.py); 5 warm-up + 200 timed steps. Parameter
names are Synapse's CharLSTMLanguageModel's. Prints a JSON line: training tokens/s (median over chunks of 50 steps)
and the validation loss over 20 batches of the last 10%. Developer machines only.
"""
import argparse, json
import torch
import torch.nn as nn
from lm_common import (RandomGenerator, DATA_ORDER, corpus_files, load_corpus, split, timed_chunks, train_steps,
                       validation_loss)


class CharLSTM(nn.Module):
    def __init__(self, vocab, embedding=64, hidden=256):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embedding)
        self.lstm = nn.LSTM(embedding, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, idx):
        return self.head(self.lstm(self.embedding(idx))[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", default="vim-docs", choices=["vim-docs", "shakespeare"])
    ap.add_argument("--eval-batches", type=int, default=20)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    ids, vocab = load_corpus(corpus_files(a.corpus))
    train, val = split(ids)
    torch.manual_seed(a.seed)
    model = CharLSTM(len(vocab))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = RandomGenerator(a.seed, DATA_ORDER)
    train_steps(model, opt, train, 32, 64, gen, 5)  # the spec's 5 warm-up steps
    rate, loss = timed_chunks(model, opt, train, 32, 64, gen, a.steps, 50)
    vl = validation_loss(model, val, 32, 64, a.eval_batches, a.seed)
    print(json.dumps({"workload": "W4", "threads": a.threads, "metric": "tokens/s", "value": round(rate),
                      "steps": a.steps, "train_loss": round(loss, 4), "val_loss": round(vl, 4)}))


if __name__ == "__main__":
    main()
