"""The shipped gold is well-formed, and the aligner reproduces it (floors; the numbers are in the benchmark)."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.align.blocks import align
from bot.align.gold import (
    BlockScore,
    SentenceScore,
    _block_text,
    load_gold,
    score_blocks,
    score_sentence_links,
    score_sentences,
)
from bot.align.sentalign import SentencePair
from bot.align.sentences import split_sentences
from tests.conftest import DATA

#: ``zh``: the gold the aligner was developed on; ``zh-heldout``: chapters kept out of all tuning (see its README);
#: ``zh-heldout2``: a second held-out group, hand-checked before any aligner change of its round (see its README);
#: ``zh-heldout3``: two more held-out files, hand-checked after that round's changes (never used to tune);
#: ``zh-heldout4``: three held-out files, hand-checked after round 5's changes (never used to tune);
#: ``zh-heldout5``: three held-out files, hand-checked after round 6's block changes (never used to tune);
#: ``tr``: Turkish; ``ja``: Japanese (machine-translation import).
GOLD = {"zh": DATA / "gold", "zh-heldout": DATA / "gold-heldout", "zh-heldout2": DATA / "gold-heldout2",
        "zh-heldout3": DATA / "gold-heldout3", "zh-heldout4": DATA / "gold-heldout4",
        "zh-heldout5": DATA / "gold-heldout5", "tr": DATA / "gold" / "tr",
        "ja": DATA / "gold" / "ja"}
LANG = {"zh": "zh", "zh-heldout": "zh", "zh-heldout2": "zh", "zh-heldout3": "zh", "zh-heldout4": "zh",
        "zh-heldout5": "zh", "tr": "tr", "ja": "ja"}
MIN_FILES = {"zh": 25, "zh-heldout": 6, "zh-heldout2": 4, "zh-heldout3": 2, "zh-heldout4": 3, "zh-heldout5": 3,
             "tr": 4, "ja": 2}


def _gold(name):
    return load_gold(GOLD[name], GOLD[name] / "corpus", LANG[name])


@pytest.mark.parametrize("lang", list(GOLD))
def test_gold_rows_cover_every_block_once_in_order(lang):
    files = _gold(lang)
    assert len(files) >= MIN_FILES[lang]
    for f in files:
        for side, doc in (("en", f.source), ("tgt", f.translated)):
            starts = {b.start: k for k, b in enumerate(doc.blocks)}
            ends = {b.end: k for k, b in enumerate(doc.blocks)}
            covered = []
            for row in f.blocks:
                rng = getattr(row, side)
                if rng is None:
                    continue
                assert rng[0] in starts and rng[1] in ends, (f.name, side, rng)
                span = list(range(starts[rng[0]], ends[rng[1]] + 1))
                m, n = map(int, row.relation.split("-"))
                assert len(span) == (m if side == "en" else n), (f.name, row)
                covered += span
            assert covered == list(range(len(doc.blocks))), (f.name, side)


@pytest.mark.parametrize("lang", list(GOLD))
def test_sentence_rows_rebuild_their_blocks(lang):
    for f in _gold(lang):
        assert f.sentences, f.name
        by_block: dict[tuple[int, int], list] = {}
        for r in f.sentences:
            by_block.setdefault((r.en_start, r.tgt_start), []).append(r)
        prose_1_1 = {(r.en[0], r.tgt[0]) for r in f.blocks if r.kind == "prose" and r.relation == "1-1"}
        assert set(by_block) == prose_1_1, f.name
        for (es, ts), rows in by_block.items():
            en = next(b.text for b in f.source.blocks if b.start == es)
            tgt = next(b.text for b in f.translated.blocks if b.start == ts)
            got_en = [s for r in rows for s in split_sentences(r.en, "en")]
            got_tgt = [s for r in rows for s in split_sentences(r.tgt, LANG[lang])]
            assert got_en == split_sentences(en, "en") and got_tgt == split_sentences(tgt, LANG[lang]), (f.name, es)
            for r in rows:
                m, n = map(int, r.relation.split("-"))
                assert (len(split_sentences(r.en, "en")), len(split_sentences(r.tgt, LANG[lang]))) == (m, n)


def test_gold_covers_many_chapters_and_hard_cases():
    files = _gold("zh")
    assert len({f.chapter for f in files}) >= 14
    relations = Counter(r.relation for f in files for r in f.blocks)
    assert {"2-1", "1-2", "1-0", "0-1"} <= set(relations)
    assert any(int(r.split("-")[1]) >= 3 for r in relations)


#: Floors under today's numbers with the shipped lexicon (learned from the whole book, held-out chapters
#: included), so they guard against regressions only; the held-out figures to quote are the benchmark's
#: leave-chapter-out ones (benchmarks/bench_align.py). zh-heldout was never used to tune anything. The zh block
#: floor went from 0.997 to 0.995 when round 5's three gold files joined (block rows the aligner never got right:
#: two equations zh glues to the next prose line, a code cell zh splits per framework; 1781/1788 = 99.61%); round 6
#: forms those groups (1787/1788 = 99.94%; held-out 457/457, held-out 4 248/250 with the shipped lexicon). Round 7's
#: three loosely translated tuning files joined with the floors unchanged (2027/2029 = 99.90%, sentence F1 0.971).
#: Round 8 shipped an IBM-1 lexicon (leave-chapter-out: held-out blocks unchanged, 1188/1194, sentence F1 0.936 ->
#: 0.943): with it learned from the whole book, zh-heldout blocks are 454/457 (were 457/457) and zh-heldout2 sentence
#: F1 0.930 (was 0.936), so those two floors went down to 0.993 and 0.92 (README, round 8).
#: Round 9's five loosely translated tuning files joined with the floors unchanged (2229/2231 = 99.91%, F1 0.975);
#: round 9's sentence rules bring F1 to 0.977, and the zh F1 floor went up to 0.975.
@pytest.mark.parametrize("lang,block_floor,f1_floor", [("zh", 0.999, 0.975), ("zh-heldout", 0.993, 0.90),
                                                        ("zh-heldout2", 0.98, 0.92), ("zh-heldout3", 0.99, 0.96),
                                                        ("zh-heldout4", 0.99, 0.95), ("zh-heldout5", 0.995, 0.97),
                                                        ("tr", 1.0, 1.0),
                                                        ("ja", 1.0, 1.0)])
def test_aligner_reproduces_the_gold(lang, block_floor, f1_floor):
    blocks, sentences = BlockScore(), SentenceScore()
    for f in _gold(lang):
        blocks.add(score_blocks(f, align(f.source, f.translated, mixed_groups=True)))
        sentences.add(score_sentences(f))
    assert blocks.accuracy >= block_floor, blocks.misses
    assert sentences.f1 >= f1_floor, (sentences.precision, sentences.recall)


def test_link_scores_count_sentence_pairs_not_beads():
    """``score_sentence_links`` (for information beside the bead F1): a bead stands for the sentence pairs it covers.
    An aligner that returns the gold rows exactly gets every link; one that keeps only the first sentence of each side
    of every paired row (the rest unpaired) loses every n-m bead but keeps one link of each, and no wrong link."""
    f = next(g for g in _gold("zh") if any(r.relation not in ("1-1", "1-0", "0-1") for r in g.sentences))
    by_block: dict[tuple[str, str], list] = {}
    for r in f.sentences:
        key = (_block_text(f.source, r.en_start), _block_text(f.translated, r.tgt_start))
        by_block.setdefault(key, []).append(r)

    def from_gold(first_only):
        def aligner(en, tgt, src_lang, tgt_lang):
            out, e, t = [], 0, 0
            for r in by_block[(en, tgt)]:
                m, n = map(int, r.relation.split("-"))
                if first_only and m and n:
                    out.append(SentencePair((e,), (t,), 1.0, "", ""))
                    out += [SentencePair((x,), (), 0.0, "", "") for x in range(e + 1, e + m)]
                    out += [SentencePair((), (x,), 0.0, "", "") for x in range(t + 1, t + n)]
                else:
                    out.append(SentencePair(tuple(range(e, e + m)), tuple(range(t, t + n)), 1.0, r.en, r.tgt))
                e, t = e + m, t + n
            return out
        return aligner

    links = sum(m * n for m, n in (map(int, r.relation.split("-")) for r in f.sentences))
    exact = score_sentence_links(f, from_gold(False))
    assert (exact.correct, exact.predicted, exact.gold) == (links, links, links)
    assert score_sentences(f, from_gold(False)).correct == len(f.sentences)
    paired = sum(1 for r in f.sentences if not r.relation.startswith("0") and not r.relation.endswith("-0"))
    first = score_sentence_links(f, from_gold(True))
    assert (first.correct, first.predicted, first.gold) == (paired, paired, links) and first.recall < 1.0
