"""Which way of pairing a hypothesis with a reference pairs prose blocks most reliably? Prints numbers.

Run: ``.venv/bin/python benchmarks/bench_evaluate.py`` (needs ``../shared``; exits 0 with a note if absent).

``amts evaluate`` pairs two translations of the same English either directly (``direct``: the hypothesis
aligned with the reference, both in Chinese) or through English (``source``: each translation aligned with
the English it came from, joined through the English blocks; for the study each side uses its own
``X_origin.md``, with an English↔English hop when they differ). This measures both against a truth built
without the aligner, on every raw-MT file of the shared corpus:

* hop 1, raw MT ↔ its ``X_origin.md``: Amazon Translate keeps the block skeleton, so block *i* translates
  block *i* (used only where the kind sequences are identical);
* hop 2, raw ``X_origin.md`` ↔ current ``X_origin.md``: identical files, or the same kind sequence;
* hop 3, current ``X_origin.md`` ↔ human ``X.md``: the hand-checked gold where there is one (3 files);
  elsewhere the d2l-zh skeleton rule of MANIFEST.md: drop the zh-only blocks (PaddlePaddle cells and tabs)
  and the rest must have the origin's kind sequence, in order.

A file whose skeletons do not allow that truth is reported and left out. Hop 3 by skeleton is checked
against the gold on the 3 gold files first. Per strategy: hypothesis prose blocks whose reference prose
counterparts are exactly the true ones (accuracy), wrong pairs that would be scored, and time.

Those files are easy (both strategies pair them perfectly), so part 2 makes the reference harder the
way post-editors do, with a known truth: on each file, ``EDITS`` random edits of the human file per
trial (merge two adjacent paragraphs, split a paragraph after a ``。``, delete a prose block, insert a
translator's note), ``TRIALS`` seeded trials. The ``source`` strategy keeps the unedited ``X_origin.md``,
so its English↔Chinese hop has to absorb the same edits.

Part 3 lists, for the files without a truth, every segment on which the two strategies disagree, so a
reader can judge them (docs/evaluation.md records our reading).
"""

from __future__ import annotations

import csv
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.evaluate import Group, origin_of, pair_blocks, segments_of  # noqa: E402
from bot.markdown.blocks import Document, Kind, parse  # noqa: E402
from bot.markdown.io import read_document  # noqa: E402

SHARED = Path(os.environ.get("AMTS_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
GOLD = SHARED / "gold" / "blocks"
SCORED = {Kind.PARAGRAPH, Kind.LIST, Kind.HEADING, Kind.BLOCKQUOTE}


def _kinds(doc: Document) -> list[Kind]:
    return [b.kind for b in doc.blocks]


def _zh_only(doc: Document) -> set[int]:
    return {i for i, b in enumerate(doc.blocks) if b.tabs and set(b.tabs) <= {"paddle"}}


def _gold_hop3(rel: str, origin: Document, zh: Document) -> dict[int, set[int]] | None:
    path = GOLD / (rel[: -len(".md")] + ".tsv")
    if not path.is_file():
        return None
    start_o = {b.start: i for i, b in enumerate(origin.blocks)}
    start_z = {b.start: i for i, b in enumerate(zh.blocks)}
    out: dict[int, set[int]] = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if not row["en_start"] or not row["zh_start"]:
                continue
            o = [i for s, i in start_o.items() if int(row["en_start"]) <= s <= int(row["en_end"])]
            z = {i for s, i in start_z.items() if int(row["zh_start"]) <= s <= int(row["zh_end"])}
            for i in o:
                out[i] = z
    return out


def _skeleton_hop3(origin: Document, zh: Document) -> dict[int, set[int]] | None:
    kept = [j for j in range(len(zh.blocks)) if j not in _zh_only(zh)]
    if [zh.blocks[j].kind for j in kept] != _kinds(origin):
        return None
    return {i: {j} for i, j in enumerate(kept)}


def truth(rel: str) -> tuple[dict[int, set[int]], str] | tuple[None, str]:
    """Hypothesis block index -> reference block indices, by the three hops of the module docstring."""
    h_path, r_path = CORPUS / "d2l-zh-raw-mt" / rel, CORPUS / "d2l-zh" / rel
    hyp, hsrc = read_document(h_path), read_document(origin_of(h_path))
    ref, rsrc = read_document(r_path), read_document(origin_of(r_path))
    if _kinds(hyp) != _kinds(hsrc):
        return None, "raw MT and its origin differ in block kinds"
    if hsrc.render() != rsrc.render() and _kinds(hsrc) != _kinds(rsrc):
        return None, "raw and current origin differ in block kinds"
    skel = _skeleton_hop3(rsrc, ref)
    gold = _gold_hop3(rel, rsrc, ref)
    hop3 = gold if gold is not None else skel
    if hop3 is None:
        return None, "zh skeleton is not the origin's (merged/split blocks)"
    if gold is not None and skel is not None and gold != skel:
        print(f"  ! skeleton truth disagrees with the gold on {rel}")
    return hop3, "gold" if gold is not None else "skeleton"


def score(groups: list[Group], hyp: Document, ref: Document, true: dict[int, set[int]]) -> tuple[int, int, int]:
    """(hypothesis prose blocks, paired exactly right, paired wrongly: a scored pair that is not the truth)."""
    pred: dict[int, set[int]] = {}
    for g in groups:
        rs = {j for j in g.ref if ref.blocks[j].kind in SCORED}
        for i in g.hyp:
            pred[i] = rs
    total = ok = wrong = 0
    for i, b in enumerate(hyp.blocks):
        if b.kind not in SCORED:
            continue
        total += 1
        want = {j for j in true.get(i, set()) if ref.blocks[j].kind in SCORED}
        got = pred.get(i, set())
        ok += got == want
        wrong += bool(got) and got != want
    return total, ok, wrong


#: name -> (pair through the origins?, trim unrelated blocks off many-block groups?)
STRATEGIES: dict[str, tuple[bool, bool]] = {
    "direct": (False, True),
    "source": (True, True),
    "direct, no trim": (False, False),
    "source, no trim": (True, False),
}
TRIALS = 20
EDITS = 4
NOTE = "译者注：本段是为了测试而插入的说明文字，原文中没有对应的内容。"


@dataclass
class Tally:
    blocks: int = 0
    ok: int = 0
    wrong: int = 0
    seconds: float = 0.0

    def add(self, n: int, ok: int, wrong: int, seconds: float) -> None:
        self.blocks += n
        self.ok += ok
        self.wrong += wrong
        self.seconds += seconds

    def __str__(self) -> str:
        return (f"{self.ok}/{self.blocks} hypothesis prose blocks paired exactly as the truth "
                f"({self.ok / max(self.blocks, 1):.1%}), {self.wrong} wrongly paired, {self.seconds * 1000:.0f} ms")


@dataclass
class Case:
    rel: str
    hyp: Document
    ref: Document
    hsrc: Document
    rsrc: Document
    true: dict[int, set[int]]


def run(case: Case, strategy: str, tally: Tally) -> tuple[int, int, int]:
    through_source, trim = STRATEGIES[strategy]
    t0 = time.perf_counter()
    if through_source:
        groups = pair_blocks(case.hyp, case.ref, case.hsrc, case.rsrc, trim=trim)
    else:
        groups = pair_blocks(case.hyp, case.ref, trim=trim)
    segments_of(case.hyp, case.ref, groups, "zh")
    n, ok, wrong = score(groups, case.hyp, case.ref, case.true)
    tally.add(n, ok, wrong, time.perf_counter() - t0)
    return n, ok, wrong


def load_case(rel: str) -> tuple[Case | None, str]:
    true, how = truth(rel)
    if true is None:
        return None, how
    h_path, r_path = CORPUS / "d2l-zh-raw-mt" / rel, CORPUS / "d2l-zh" / rel
    return Case(rel, read_document(h_path), read_document(r_path), read_document(origin_of(h_path)),
                read_document(origin_of(r_path)), true), how


def _split_point(text: str, rng: random.Random) -> int | None:
    """Offset just after a ``。`` that ends a line inside a paragraph (not the last line)."""
    lines = text.rstrip("\n").split("\n")
    ends = [sum(len(x) + 1 for x in lines[: k + 1]) for k, ln in enumerate(lines[:-1]) if ln.endswith("。")]
    return rng.choice(ends) if ends else None


def perturb(case: Case, rng: random.Random, edits: int) -> Case:
    """The case with ``edits`` post-editor edits applied to the reference, and the truth carried along."""
    texts = [b.text.rstrip("\n") for b in case.ref.blocks]
    origin: list[set[int]] = [{j} for j in range(len(texts))]  # new block -> original ref blocks
    kinds = [b.kind for b in case.ref.blocks]
    for _ in range(edits):
        op = rng.choice(("merge", "split", "delete", "insert"))
        paras = [k for k, kd in enumerate(kinds) if kd == Kind.PARAGRAPH]
        if op == "merge":
            cands = [k for k in paras if k + 1 < len(kinds) and kinds[k + 1] == Kind.PARAGRAPH]
            if not cands:
                continue
            k = rng.choice(cands)
            texts[k:k + 2] = [texts[k] + "\n" + texts[k + 1]]
            origin[k:k + 2] = [origin[k] | origin[k + 1]]
            kinds[k:k + 2] = [Kind.PARAGRAPH]
        elif op == "split":
            cands = [k for k in paras if _split_point(texts[k], rng) is not None]
            if not cands:
                continue
            k = rng.choice(cands)
            cut = _split_point(texts[k], rng)
            assert cut is not None
            texts[k:k + 1] = [texts[k][:cut].rstrip("\n"), texts[k][cut:]]
            origin[k:k + 1] = [set(origin[k]), set(origin[k])]
            kinds[k:k + 1] = [Kind.PARAGRAPH, Kind.PARAGRAPH]
        elif op == "delete":
            cands = [k for k, kd in enumerate(kinds) if kd in (Kind.PARAGRAPH, Kind.LIST)]
            k = rng.choice(cands)
            del texts[k], origin[k], kinds[k]
        else:
            k = rng.choice(paras) + 1
            texts.insert(k, NOTE)
            origin.insert(k, set())
            kinds.insert(k, Kind.PARAGRAPH)
    ref = parse("\n\n".join(texts) + "\n")
    assert len(ref.blocks) == len(texts), "an edit changed the block structure unexpectedly"
    true = {i: {n for n, o in enumerate(origin) if o & js} for i, js in case.true.items()}
    return Case(case.rel, case.hyp, ref, case.hsrc, case.rsrc, true)


def disagreements(rel: str) -> list[str]:
    h_path, r_path = CORPUS / "d2l-zh-raw-mt" / rel, CORPUS / "d2l-zh" / rel
    hyp, ref = read_document(h_path), read_document(r_path)
    out = {}
    for s in ("direct", "source"):
        groups = pair_blocks(hyp, ref) if s == "direct" else pair_blocks(
            hyp, ref, read_document(origin_of(h_path)), read_document(origin_of(r_path)))
        segs, _, _ = segments_of(hyp, ref, groups, "zh")
        out[s] = {(g.hyp_line, g.ref_line, g.hyp[:40], g.ref[:40]) for g in segs}
    lines = []
    for s, other in (("direct", "source"), ("source", "direct")):
        for h, r, ht, rt in sorted(out[s] - out[other]):
            lines.append(f"    only {s}: hyp line {h} <-> ref line {r}: {ht} | {rt}")
    return lines


def main() -> int:
    if not CORPUS.is_dir():
        print(f"note: {CORPUS} is absent; nothing to measure")
        return 0
    raw_mt = CORPUS / "d2l-zh-raw-mt"
    files = sorted(p.relative_to(raw_mt).as_posix() for p in raw_mt.rglob("*.md") if not p.name.endswith("_origin.md"))
    print("Truth check: hop 3 by skeleton against the hand-checked gold")
    for rel in files:
        rsrc, ref = read_document(origin_of(CORPUS / "d2l-zh" / rel)), read_document(CORPUS / "d2l-zh" / rel)
        gold = _gold_hop3(rel, rsrc, ref)
        if gold is not None:
            print(f"  {rel}: {'identical' if _skeleton_hop3(rsrc, ref) == gold else 'DIFFERENT'}")

    print("\nPart 1: the corpus as it is (raw MT vs the human edition)")
    cases, no_truth = [], []
    tallies = {s: Tally() for s in STRATEGIES}
    for rel in files:
        case, how = load_case(rel)
        if case is None:
            no_truth.append(rel)
            print(f"  {rel}: no truth ({how})")
            continue
        cells = []
        for s in ("direct", "source"):
            n, ok, wrong = run(case, s, tallies[s])
            cells.append(f"{s} {ok}/{n} ({wrong} wrong)")
        cases.append(case)
        print(f"  {rel} [{how}]: " + ", ".join(cells))
    for s in ("direct", "source"):
        print(f"  {s:>15}: {tallies[s]}")

    print(f"\nPart 2: {TRIALS} trials x {len(cases)} files, {EDITS} post-editor edits of the reference per trial")
    tallies = {s: Tally() for s in STRATEGIES}
    for t in range(TRIALS):
        for case in cases:
            edited = perturb(case, random.Random(f"{t}:{case.rel}"), EDITS)
            for s in STRATEGIES:
                run(edited, s, tallies[s])
    for s in STRATEGIES:
        print(f"  {s:>15}: {tallies[s]}")

    print("\nPart 3: files without a truth, segments the strategies pair differently")
    for rel in no_truth:
        lines = disagreements(rel)
        print(f"  {rel}: {len(lines)} differing segments")
        for ln in lines:
            print(ln)

    print("\nPart 4: scoring cost, the study's 10 reports (raw + post-edited, 5 files each)")
    scoring_cost()
    return 0


def scoring_cost(repeats: int = 5) -> None:
    """One sacrebleu pass for every file and the corpus (``score_parts``) vs scoring each file and then the
    corpus again (what ``amts evaluate`` did before), vs sacrebleu's own corpus BLEU + chrF on the lines."""
    from sacrebleu.metrics import BLEU, CHRF

    from bot.evaluate import run_study
    from bot.quality import score_corpus, score_parts

    table = run_study(CORPUS)
    parts = [([s.hyp for s in f.segments], [s.ref for s in f.segments])
             for rep in (table.raw, table.postedited) for f in rep.files]
    hyps = [h for p, _ in parts for h in p]
    refs = [r for _, p in parts for r in p]

    def best(fn) -> float:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    t_sacre = best(lambda: (BLEU(tokenize="zh").corpus_score(hyps, [refs]), CHRF().corpus_score(hyps, [refs])))
    t_once = best(lambda: score_parts(parts, "zh"))
    t_twice = best(lambda: ([score_corpus(h, r, "zh") for h, r in parts], score_corpus(hyps, refs, "zh")))
    print(f"  {len(hyps)} segments: sacrebleu alone {t_sacre * 1000:.1f} ms; one pass (score_parts) "
          f"{t_once * 1000:.1f} ms = {t_once / t_sacre:.2f}x; per file + corpus again {t_twice * 1000:.1f} ms "
          f"= {t_twice / t_sacre:.2f}x")


if __name__ == "__main__":
    raise SystemExit(main())
