#!/usr/bin/env python3
"""Bag-of-words logistic regression on the movie-review snippets: the baseline of the fine-tuning
table in docs/transfer-learning.md (scikit-learn, which scripts/setup.sh installs).

Reads the file scripts/prepare-movie-reviews.sh prepares and applies MovieReviewSnippets' rules
(Sources/SynapseData/Text/MovieReviewSnippets.swift): label = mean rating > 0; ratings of exactly 0
and repeated texts (case-insensitive) dropped; of the kept snippets in file order, position i is
test when i % 5 == 0, validation when i % 10 == 1, else train. The regularisation C is chosen on the
validation split; the test split is scored once.

Usage: python3 scripts/text-baseline.py [FILE]   (prints one JSON line per feature set)
"""
import json
import os
import sys
import time

from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression


def default_file():
    root = os.environ.get("SYNAPSE_DATA_DIR")
    candidates = ([os.path.join(root, "movie-reviews")] if root else []) + [os.path.expanduser("~/.cache/synapse/movie-reviews")]
    for d in candidates:
        path = os.path.join(d, "movieReviewSnippets_GroundTruth.txt")
        if os.path.exists(path):
            return path
    sys.exit("text-baseline: run scripts/prepare-movie-reviews.sh first")


def load(path):
    texts, labels, seen = [], [], set()
    with open(path, encoding="utf-8", newline="") as f:
        for line in f.read().split("\n"):
            line = line[:-1] if line.endswith("\r") else line
            if not line.strip():
                continue
            _, rating, text = line.split("\t", 2)
            rating, text = float(rating), text.strip(" \t")
            if rating == 0 or text.lower() in seen:
                continue
            seen.add(text.lower())
            texts.append(text)
            labels.append(1 if rating > 0 else 0)
    split = {"train": ([], []), "validation": ([], []), "test": ([], [])}
    for i, (t, y) in enumerate(zip(texts, labels)):
        name = "test" if i % 5 == 0 else "validation" if i % 10 == 1 else "train"
        split[name][0].append(t)
        split[name][1].append(y)
    return split


def main():
    split = load(sys.argv[1] if len(sys.argv) > 1 else default_file())
    (xtr, ytr), (xva, yva), (xte, yte) = split["train"], split["validation"], split["test"]
    for name, ngrams in [("bag-of-words", (1, 1)), ("bag-of-words + bigrams", (1, 2))]:
        start = time.perf_counter()
        vectorizer = CountVectorizer(ngram_range=ngrams, min_df=1)
        ftr, fva, fte = vectorizer.fit_transform(xtr), None, None
        fva, fte = vectorizer.transform(xva), vectorizer.transform(xte)
        best = None
        for c in [0.01, 0.03, 0.1, 0.3, 1, 3, 10]:
            model = LogisticRegression(C=c, max_iter=5000).fit(ftr, ytr)
            accuracy = model.score(fva, yva)
            if best is None or accuracy > best[0]:
                best = (accuracy, c, model)
        val_accuracy, c, model = best
        print(json.dumps({"features": name, "vocabulary": len(vectorizer.vocabulary_), "C": c,
                          "train": len(ytr), "validation": len(yva), "test": len(yte),
                          "trainable_parameters": len(vectorizer.vocabulary_) + 1,
                          "validation_accuracy": round(val_accuracy, 4), "test_accuracy": round(model.score(fte, yte), 4),
                          "seconds": round(time.perf_counter() - start, 2)}))


if __name__ == "__main__":
    main()
