"""Measure the sentence splitter and the sentence aligner on the shared D2L data; prints numbers.

Run: ``.venv/bin/python benchmarks/bench_sentences.py`` (needs ``../shared``; exits 0 with a note if absent).

What is measured, and why:

1. Split agreement with the gold sentence TSV (``approx-training``): per block and side, do our sentences
   equal the gold's? Also the gold's own invariant: re-splitting a row's cells gives exactly m and n.
2. Sentence-pair F1 against the gold: a predicted pair is correct when its joined en/zh strings equal a
   gold row after whitespace collapse (the gold README's comparison rule). Target ≥ 0.95.
3. Robustness of the model parameters: F1 over a grid of variance × anchor cost, so a reader sees that
   the default is not a knife-edge tuned to the 36 gold rows.
4. Whole-book sanity check (124 ``X_origin.md``/``X.md`` pairs, plus the 17 raw-MT pairs): prose blocks
   paired in skeleton order; relation distribution, zh/en length ratio of 1-1 beads, speed. The length
   weight for a Chinese character and Gale–Church's variance are estimated here.
5. Synthetic recovery: blocks the aligner calls all-1-1 with strong anchors are perturbed by merging two
   Chinese sentences (must come back as a 2-1 bead), splitting the English side the same way (1-2) or
   deleting a Chinese sentence (1-0). This tests the DP without any hand labels.
6. How far our splitter's extras (lower-case continuation, initials, slide markers) move it from a literal
   implementation of the gold README rules over the whole book.
7. nltk Punkt trained on the corpus, the alternative the rules were chosen over.
"""

from __future__ import annotations

import csv
import difflib
import random
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.align.sentalign import (  # noqa: E402
    AlignParams,
    SentencePair,
    align_block,
    align_sentences,
    invariant_tokens,
    text_length,
)
from bot.align.sentences import join_lines, split_sentences  # noqa: E402

SHARED = ROOT.parent / "shared"
GOLD_TSV = SHARED / "gold/sentences/chapter_natural-language-processing-pretraining/approx-training.tsv"
GOLD_PAIR = SHARED / "corpus/d2l-zh/chapter_natural-language-processing-pretraining/approx-training"


# --------------------------------------------------------------------------------------------------
# Minimal block reader (the gold README's block definition); the real parser lives in bot.markdown
# --------------------------------------------------------------------------------------------------


def block_at(lines: list[str], start: int) -> str:
    """The maximal run of non-blank lines starting at 1-based line ``start``."""
    out: list[str] = []
    i = start - 1
    while i < len(lines) and lines[i].strip():
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def blocks(text: str) -> list[tuple[str, str]]:
    """(kind, text) per block: blank-line separated, fences/``$$``/tabs kept whole."""
    out: list[tuple[str, str]] = []
    cur: list[str] = []
    fence: str | None = None
    in_math = in_tab = False
    for line in text.split("\n"):
        stripped = line.strip()
        if fence is None and not in_math and not in_tab and not stripped:
            if cur:
                out.append((_kind(cur), "\n".join(cur)))
                cur = []
            continue
        cur.append(line)
        if fence is not None:
            if re.fullmatch(rf"`{{{len(fence)},}}\s*", stripped):
                fence = None
            continue
        opening = re.match(r"(`{3,})", stripped)
        if opening and not in_math:
            fence = opening.group(1)
            continue
        if stripped.count("$$") % 2 == 1:
            in_math = not in_math
        in_tab = (in_tab or ":begin_tab:" in stripped) and ":end_tab:" not in stripped
    if cur:
        out.append((_kind(cur), "\n".join(cur)))
    return out


def _kind(lines: list[str]) -> str:
    first = lines[0].strip()
    for prefix, kind in (("```", "code"), ("#", "heading"), ("$$", "math"), ("![", "figure")):
        if first.startswith(prefix):
            return kind
    if first.startswith(":begin_tab:"):
        return "tab"
    if re.match(r"(\*|-|\d+\.)\s", first):
        return "list"
    if first.startswith("|") or first.startswith(":"):
        return "table"
    if first.startswith("[") and "Discussions" in first:
        return "other"
    return "prose"


def corpus_pairs(root: Path) -> Iterator[tuple[str, str]]:
    """Prose block pairs of every ``X_origin.md``/``X.md`` pair under ``root``, matched in skeleton order."""
    for origin in sorted(root.rglob("*_origin.md")):
        target = origin.with_name(origin.name.replace("_origin.md", ".md"))
        if not target.exists():
            continue
        en = blocks(origin.read_text(encoding="utf-8"))
        zh = blocks(target.read_text(encoding="utf-8"))
        matcher = difflib.SequenceMatcher(None, [k for k, _ in en], [k for k, _ in zh], autojunk=False)
        for a, b, size in matcher.get_matching_blocks():
            for k in range(size):
                if en[a + k][0] == "prose":
                    yield en[a + k][1], zh[b + k][1]


# --------------------------------------------------------------------------------------------------
# 1-3. Gold
# --------------------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.split())


def load_gold() -> tuple[list[dict[str, str]], dict[tuple[int, int], tuple[str, str]]]:
    rows = list(csv.DictReader(GOLD_TSV.open(encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE))
    en = Path(f"{GOLD_PAIR}_origin.md").read_text(encoding="utf-8").split("\n")
    zh = Path(f"{GOLD_PAIR}.md").read_text(encoding="utf-8").split("\n")
    pairs = {}
    for row in rows:
        key = (int(row["en_start"]), int(row["zh_start"]))
        pairs[key] = (block_at(en, key[0]), block_at(zh, key[1]))
    return rows, pairs


def split_agreement(rows: list[dict[str, str]], pairs: dict[tuple[int, int], tuple[str, str]]) -> None:
    by_block: dict[tuple[int, int], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_block[(int(row["en_start"]), int(row["zh_start"]))].append(row)
    agree = {"en": 0, "zh": 0}
    sent_total = {"en": 0, "zh": 0}
    sent_agree = {"en": 0, "zh": 0}
    cells_ok = 0
    for key, block_rows in by_block.items():
        for side, lang, text in (("en", "en", pairs[key][0]), ("zh", "zh", pairs[key][1])):
            gold = [s for r in block_rows for s in split_sentences(r[side], lang)]
            ours = split_sentences(text, lang)
            agree[side] += gold == ours
            sent_total[side] += len(gold)
            sent_agree[side] += len(set(gold) & set(ours))
        for row in block_rows:
            m, n = map(int, row["relation"].split("-"))
            cells_ok += (
                len(split_sentences(row["en"], "en")) == m and len(split_sentences(row["zh"], "zh")) == n
            )
    nb = len(by_block)
    print("1. split agreement with gold (approx-training)")
    for side in ("en", "zh"):
        print(
            f"   {side}: blocks identical {agree[side]}/{nb}, "
            f"sentences matched {sent_agree[side]}/{sent_total[side]}"
        )
    print(f"   gold cells re-split to exactly m and n sentences: {cells_ok}/{len(rows)}")


def pair_f1(
    rows: list[dict[str, str]],
    pairs: dict[tuple[int, int], tuple[str, str]],
    params: AlignParams | None = None,
) -> tuple[float, float, float]:
    gold = {(int(r["en_start"]), int(r["zh_start"]), _norm(r["en"]), _norm(r["zh"])) for r in rows}
    predicted = set()
    for key, (en, zh) in pairs.items():
        for bead in align_block(en, zh, "en", "zh", params):
            predicted.add((*key, _norm(bead.src_text), _norm(bead.tgt_text)))
    tp = len(predicted & gold)
    precision, recall = tp / len(predicted), tp / len(gold)
    return precision, recall, 2 * precision * recall / (precision + recall) if tp else 0.0


# --------------------------------------------------------------------------------------------------
# 4. Whole book
# --------------------------------------------------------------------------------------------------


def length_model(pairs: list[tuple[str, str]]) -> None:
    """Chinese character weight and Gale–Church variance, estimated on paragraph pairs."""
    wide_re = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff01-\uff60]")
    en_total = zh_wide = zh_other = 0
    for en, zh in pairs:
        en_total += len(re.sub(r"\s", "", en))
        wide = len(wide_re.findall(zh))
        zh_wide += wide
        zh_other += len(re.sub(r"\s", "", zh)) - wide
    weight = (en_total - zh_other) / zh_wide
    ratios = []
    for en, zh in pairs:
        e, z = text_length(join_lines(en, "en"), "en"), text_length(join_lines(zh, "zh"), "zh")
        if e > 20:
            ratios.append(z / e)
    q = statistics.quantiles(ratios, n=4)
    lengths = [
        (text_length(join_lines(e, "en"), "en"), text_length(join_lines(z, "zh"), "zh")) for e, z in pairs
    ]
    print(f"   length model: 1 Chinese char = {weight:.2f} English non-space chars (paragraph totals);")
    print(f"   Gale–Church s² from paragraph pairs (robust, median-based): {variance_estimate(lengths):.2f}")
    print(
        f"   paragraph zh/en length ratio median {statistics.median(ratios):.3f}, IQR {q[0]:.2f}-{q[2]:.2f}"
    )


def variance_estimate(beads: list[tuple[float, float]]) -> float:
    """Robust s²: median of (lt − ls)² / mean length over 1-1 beads, divided by χ²₁'s median 0.455."""
    values = [((lt - ls) ** 2) / ((ls + lt) / 2) for ls, lt in beads if ls + lt > 0]
    return statistics.median(values) / 0.455


def book_check(
    label: str, pairs: list[tuple[str, str]]
) -> list[tuple[list[str], list[str], list[SentencePair]]]:
    relations: Counter[str] = Counter()
    ratios: list[float] = []
    lengths: list[tuple[float, float]] = []
    scores: list[float] = []
    aligned = []
    n_sent = 0
    t0 = time.perf_counter()
    for en, zh in pairs:
        src, tgt = split_sentences(en, "en"), split_sentences(zh, "zh")
        beads = align_sentences(src, tgt, "en", "zh")
        n_sent += len(src) + len(tgt)
        aligned.append((src, tgt, beads))
    elapsed = time.perf_counter() - t0
    for _src, _tgt, beads in aligned:
        for bead in beads:
            relations[bead.relation] += 1
            if bead.relation == "1-1":
                ls, lt = text_length(bead.src_text, "en"), text_length(bead.tgt_text, "zh")
                lengths.append((ls, lt))
                if ls > 20:
                    ratios.append(lt / ls)
                scores.append(bead.score)
    total = sum(relations.values())
    dist = ", ".join(f"{rel} {count} ({count / total:.1%})" for rel, count in relations.most_common())
    print(f"   {label}: {len(pairs)} prose block pairs, {total} beads: {dist}")
    q = statistics.quantiles(ratios, n=4)
    print(
        f"   {label}: 1-1 beads zh/en length ratio median {statistics.median(ratios):.3f} "
        f"(IQR {q[0]:.2f}-{q[2]:.2f}); mean score {statistics.mean(scores):.3f}; "
        f"Gale–Church s² from 1-1 beads {variance_estimate(lengths):.2f}"
    )
    print(
        f"   {label}: split+align {elapsed:.2f} s = {len(pairs) / elapsed:,.0f} blocks/s, "
        f"{n_sent / elapsed:,.0f} sentences/s"
    )
    return aligned


# --------------------------------------------------------------------------------------------------
# 5. Synthetic perturbations
# --------------------------------------------------------------------------------------------------


def _confident(src: list[str], tgt: list[str], beads: list[SentencePair]) -> bool:
    return (
        len(src) >= 2
        and len(src) == len(tgt)
        and all(b.relation == "1-1" for b in beads)
        and all(invariant_tokens(s) for s in src)
    )


def synthetic(aligned: list[tuple[list[str], list[str], list[SentencePair]]], seed: int = 7) -> None:
    rng = random.Random(seed)
    cases = [(s, t) for s, t, b in aligned if _confident(s, t, b)]
    results: Counter[str] = Counter()
    tried: Counter[str] = Counter()
    for src, tgt in cases:
        k = rng.randrange(len(src) - 1)
        merged_zh = tgt[:k] + [tgt[k].rstrip("。！？；") + "，" + tgt[k + 1]] + tgt[k + 2 :]
        merged_en = src[:k] + [src[k].rstrip(".?!") + "; " + src[k + 1]] + src[k + 2 :]
        dropped = tgt[:k] + tgt[k + 1 :]
        for name, s, t, want_src, want_tgt in (
            ("2-1 (zh merged)", src, merged_zh, (k, k + 1), (k,)),
            ("1-2 (en merged)", merged_en, tgt, (k,), (k, k + 1)),
            ("1-0 (zh dropped)", src, dropped, (k,), ()),
        ):
            tried[name] += 1
            beads = align_sentences(s, t, "en", "zh")
            results[name] += any(b.src == want_src and b.tgt == want_tgt for b in beads)
    print(f"5. synthetic recovery on {len(cases)} confident all-1-1 blocks (one perturbation each)")
    for name in tried:
        print(f"   {name}: {results[name]}/{tried[name]} = {results[name] / tried[name]:.1%}")
    good: list[float] = []
    shifted: list[float] = []
    for src, tgt, beads in aligned:
        if len(src) >= 2 and len(src) == len(tgt) and all(b.relation == "1-1" for b in beads):
            good.extend(b.score for b in beads)
            shifted.extend(align_sentences([src[i]], [tgt[i + 1]])[0].score for i in range(len(src) - 1))
    for name, scores in (("all-1-1 blocks, own pairs", good), ("same, shifted by one (wrong)", shifted)):
        high = sum(x >= 0.5 for x in scores) / len(scores)
        low = sum(x < 0.2 for x in scores) / len(scores)
        print(f"   score, {name}: n={len(scores)}, >= 0.5: {high:.1%}, < 0.2: {low:.1%}")


# --------------------------------------------------------------------------------------------------
# 6. Literal gold-rule splitter, to show what our extras change
# --------------------------------------------------------------------------------------------------

_GOLD_ABBR = set("e.g. i.e. al. Fig. Eq. vs. cf. Sec. Ch. No. etc. Dr. Mr. Mrs. St.".split())
_GOLD_PROTECT = re.compile(r"`+[^`]*`+|\$\$.+?\$\$|\$[^$]+\$|\]\([^)]*\)")


def literal_split(text: str, lang: str) -> list[str]:
    """The gold README rules and nothing else (reference for measurement only)."""
    text = join_lines(text, lang)
    mask = [False] * len(text)
    for m in _GOLD_PROTECT.finditer(text):
        for i in range(m.start(), m.end()):
            mask[i] = True
    out, start = [], 0
    if lang == "zh":
        for m in re.finditer(r"[。！？；]+[”’」』）)]*", text):
            if not mask[m.start()]:
                out.append(text[start : m.end()].strip())
                start = m.end()
    else:
        for m in re.finditer(r"[.?!]+[\"')\]”’]*(?=\s|$)", text):
            word = text[: m.start() + 1].split()[-1].lstrip("([\"'")
            if not mask[m.start()] and word not in _GOLD_ABBR:
                out.append(text[start : m.end()].strip())
                start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def splitter_vs_literal(pairs: list[tuple[str, str]]) -> None:
    for side, lang in ((0, "en"), (1, "zh")):
        differ = ours_n = lit_n = 0
        for pair in pairs:
            ours, literal = split_sentences(pair[side], lang), literal_split(pair[side], lang)
            differ += ours != literal
            ours_n += len(ours)
            lit_n += len(literal)
        print(
            f"   {lang}: blocks where our split differs from the literal README rules: {differ}/{len(pairs)} "
            f"({differ / len(pairs):.2%}); sentences ours {ours_n} vs literal {lit_n}"
        )


# --------------------------------------------------------------------------------------------------
# 7. nltk Punkt trained on the corpus, the alternative to rules
# --------------------------------------------------------------------------------------------------


def punkt_comparison(
    rows: list[dict[str, str]],
    pairs: dict[tuple[int, int], tuple[str, str]],
    book: list[tuple[str, str]],
) -> None:
    """Train Punkt on the book's English prose (no download) and score it like our splitter."""
    from nltk.tokenize.punkt import PunktSentenceTokenizer, PunktTrainer

    trainer = PunktTrainer()
    trainer.INCLUDE_ALL_COLLOCS = True
    trainer.train("\n\n".join(join_lines(en, "en") for en, _ in book), finalize=True)
    params = trainer.get_params()
    tokenizer = PunktSentenceTokenizer(params)
    by_block: dict[tuple[int, int], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_block[(int(row["en_start"]), int(row["zh_start"]))].append(row)
    same = sum(
        tokenizer.tokenize(join_lines(pairs[key][0], "en"))
        == [s for r in block_rows for s in split_sentences(r["en"], "en")]
        for key, block_rows in by_block.items()
    )
    differ = sum(tokenizer.tokenize(join_lines(en, "en")) != split_sentences(en, "en") for en, _ in book)
    learned = ", ".join(sorted(params.abbrev_types)[:12])
    print("7. nltk Punkt trained on the book's English prose (alternative to the rules)")
    print(f"   en gold blocks identical: {same}/{len(by_block)}; book blocks differing from ours: {differ}")
    print(f"   learned abbreviations include: {learned}, …")


def main() -> int:
    if not SHARED.exists():
        print(f"skipped: {SHARED} not found (the shared D2L corpus and gold are needed)")
        return 0
    rows, pairs = load_gold()
    split_agreement(rows, pairs)
    p, r, f = pair_f1(rows, pairs)
    print(f"2. sentence-pair vs gold: precision {p:.3f} recall {r:.3f} F1 {f:.3f} ({len(rows)} gold rows)")
    print("3. F1 over parameters (rows: s² variance; cols: anchor cost per unmatched token)")
    costs = (0.0, 0.5, 1.0, 2.0, 4.0)
    print("   s²\\cost " + " ".join(f"{c:>5}" for c in costs))
    for variance in (2.0, 5.0, 10.0, 20.0):
        f1s = [pair_f1(rows, pairs, AlignParams(variance=variance, anchor_cost=c))[2] for c in costs]
        print(f"   {variance:>7} " + " ".join(f"{x:5.3f}" for x in f1s))
    print("4. whole-book sanity check (prose blocks paired in skeleton order)")
    book = list(corpus_pairs(SHARED / "corpus/book/d2l-zh"))
    raw_mt = list(corpus_pairs(SHARED / "corpus/d2l-zh-raw-mt"))
    length_model(book)
    aligned = book_check("human zh", book)
    book_check("raw MT zh", raw_mt)
    synthetic(aligned)
    print("6. splitter extras vs a literal implementation of the gold README rules (whole book)")
    splitter_vs_literal(book)
    punkt_comparison(rows, pairs, book)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
