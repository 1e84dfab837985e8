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
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.evaluate import Group, origin_of, pair_blocks, segments_of  # noqa: E402
from bot.markdown.blocks import Document, Kind  # noqa: E402
from bot.markdown.io import read_document  # noqa: E402

SHARED = ROOT.parent / "shared"
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
    """(hypothesis prose blocks, correctly paired, wrongly paired and scored)."""
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


def main() -> int:
    if not CORPUS.is_dir():
        print(f"note: {CORPUS} is absent; nothing to measure")
        return 0
    files = sorted(p.relative_to(CORPUS / "d2l-zh-raw-mt").as_posix() for p in (CORPUS / "d2l-zh-raw-mt").rglob("*.md")
                   if not p.name.endswith("_origin.md"))
    # Hop 3 by skeleton against the gold, so the skeleton truth can be trusted where there is no gold.
    for rel in files:
        rsrc = read_document(origin_of(CORPUS / "d2l-zh" / rel))
        ref = read_document(CORPUS / "d2l-zh" / rel)
        gold = _gold_hop3(rel, rsrc, ref)
        if gold is not None:
            skel = _skeleton_hop3(rsrc, ref)
            print(f"skeleton truth vs gold, {rel}: {'identical' if skel == gold else 'DIFFERENT'}")
    strategies = ("direct", "source")
    totals = {s: [0, 0, 0, 0.0] for s in strategies}
    print(f"\n{'file':<62} {'truth':>8} {'prose':>5} " + " ".join(f"{s + ' ok/wrong':>16}" for s in strategies))
    for rel in files:
        true, how = truth(rel)
        if true is None:
            print(f"{rel:<62} skipped: {how}")
            continue
        h_path, r_path = CORPUS / "d2l-zh-raw-mt" / rel, CORPUS / "d2l-zh" / rel
        hyp, ref = read_document(h_path), read_document(r_path)
        hsrc, rsrc = read_document(origin_of(h_path)), read_document(origin_of(r_path))
        cells = []
        for s in strategies:
            t0 = time.perf_counter()
            groups = pair_blocks(hyp, ref) if s == "direct" else pair_blocks(hyp, ref, hsrc, rsrc)
            segments_of(hyp, ref, groups, "zh")
            dt = time.perf_counter() - t0
            n, ok, wrong = score(groups, hyp, ref, true)
            totals[s][0] += n
            totals[s][1] += ok
            totals[s][2] += wrong
            totals[s][3] += dt
            cells.append(f"{ok:>4}/{n:<4} {wrong:>3} wrong")
        print(f"{rel:<62} {how:>8} {n:>5} " + " ".join(f"{c:>16}" for c in cells))
    print()
    for s, (n, ok, wrong, dt) in totals.items():
        print(f"{s:>7}: {ok}/{n} hypothesis prose blocks paired exactly as the truth ({ok / n:.1%}), "
              f"{wrong} wrong pairs scored, {dt * 1000:.0f} ms in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
