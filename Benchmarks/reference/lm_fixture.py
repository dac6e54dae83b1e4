"""Writes Tests/SynapseTests/Fixtures/lm/{tiny_gpt,tiny_lstm}.safetensors: small PyTorch language models built by
w5_gpt.py's GPT and w4_lstm.py's CharLSTM (so the parameter names are exactly the benchmark models'), a batch of
token ids, the logits, the mean cross-entropy loss against the targets and the gradient of every parameter.

Tensors: `model.<state_dict name>`, `tokens` / `targets` (int64 [2, T]), `logits` [2, T, vocab], `loss` [1],
`grad.<name>`. Metadata: the sizes. Usage: python Benchmarks/reference/lm_fixture.py (developer machines only).
"""
import os
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from w4_lstm import CharLSTM
from w5_gpt import GPT

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../Tests/SynapseTests/Fixtures/lm")


def write(name, model, vocab, length, meta):
    g = torch.Generator().manual_seed(1)
    tokens = torch.randint(0, vocab, (2, length), generator=g)
    targets = torch.randint(0, vocab, (2, length), generator=g)
    logits = model(tokens)
    loss = F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
    loss.backward()
    tensors = {f"model.{k}": v.detach().contiguous() for k, v in model.state_dict().items()}
    tensors.update({f"grad.{k}": p.grad.contiguous() for k, p in model.named_parameters()})
    tensors.update({"tokens": tokens, "targets": targets, "logits": logits.detach().contiguous(), "loss": loss.detach().reshape(1)})
    save_file(tensors, os.path.join(OUT, name), metadata={k: str(v) for k, v in meta.items()})


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    gpt = dict(vocab=11, context=8, width=16, layers=2, heads=4, mlp=32)
    write("tiny_gpt.safetensors", GPT(**gpt), gpt["vocab"], 8, gpt)
    lstm = dict(vocab=11, embedding=6, hidden=10)
    write("tiny_lstm.safetensors", CharLSTM(**lstm), lstm["vocab"], 7, lstm)


if __name__ == "__main__":
    main()
