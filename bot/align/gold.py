"""Hand-checked gold alignments: reading them and scoring an aligner against them.

Why this lives in the package and not in a test: the same scorer serves the test suite (small shipped
gold under ``tests/data/gold``), the benchmark that reports leave-chapter-out accuracy, and anyone who
adds gold for another edition. The format is the team's (``shared/gold/README.md``): one block TSV per
file (``en_start en_end zh_start zh_end kind relation note``, 1-based inclusive line ranges) and, for
some files, a sentence TSV (``en_start zh_start en zh relation``) over the prose 1-1 block pairs.

Scoring is strict on purpose:

* a gold **block row** counts as reproduced only when the aligner has a pair with exactly the same
  English blocks and exactly the same translated blocks (a 2-1 found as 1-1 + 1-0 is one miss, and so is
  a zh-only block the aligner glued to a neighbour);
* a gold **sentence row** counts when a predicted bead joins to the same English and the same translated
  text (whitespace collapsed), inside the same block pair; precision is over every predicted bead.

Everything but ``load_gold`` is pure.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.align.blocks import Alignment
from bot.align.sentalign import SentencePair, align_block
from bot.markdown.blocks import Document, parse

__all__ = [
    "BlockRow",
    "BlockScore",
    "GoldFile",
    "SentenceRow",
    "SentenceScore",
    "load_gold",
    "read_block_rows",
    "read_sentence_rows",
    "score_blocks",
    "score_sentence_links",
    "score_sentences",
]

Range = tuple[int, int]


@dataclass(frozen=True)
class BlockRow:
    """One gold block row: English line range (``None`` for 0-1) and translated range (``None`` for 1-0)."""

    en: Range | None
    tgt: Range | None
    kind: str
    relation: str
    note: str = ""


@dataclass(frozen=True)
class SentenceRow:
    """One gold sentence row inside the block pair that starts at ``en_start`` / ``tgt_start``."""

    en_start: int
    tgt_start: int
    en: str
    tgt: str
    relation: str


@dataclass(frozen=True)
class GoldFile:
    """A gold file with the two documents it refers to. ``name`` is ``chapter/file``."""

    name: str
    source: Document
    translated: Document
    blocks: tuple[BlockRow, ...]
    sentences: tuple[SentenceRow, ...] = ()
    lang: str = "zh"

    @property
    def chapter(self) -> str:
        return self.name.split("/")[0]


def _int(cell: str) -> int | None:
    return int(cell) if cell.strip() else None


def _range(start: str, end: str) -> Range | None:
    s, e = _int(start), _int(end)
    return None if s is None or e is None else (s, e)


def read_block_rows(text: str) -> tuple[BlockRow, ...]:
    """Rows of a block TSV (the header is required)."""
    reader = csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    return tuple(BlockRow(_range(r["en_start"], r["en_end"]), _range(r["zh_start"], r["zh_end"]), r["kind"],
                          r["relation"], r.get("note") or "") for r in reader)


def read_sentence_rows(text: str) -> tuple[SentenceRow, ...]:
    reader = csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    return tuple(SentenceRow(int(r["en_start"]), int(r["zh_start"]), r["en"] or "", r["zh"] or "", r["relation"])
                 for r in reader)


def load_gold(gold_dir: Path, corpus_dir: Path, lang: str = "zh") -> list[GoldFile]:
    """Every ``blocks/<chapter>/<file>.tsv`` under ``gold_dir`` with its ``sentences/`` TSV if there is one;
    the documents are ``corpus_dir/<chapter>/<file>_origin.md`` and ``<file>.md``."""
    out = []
    for tsv in sorted((gold_dir / "blocks").rglob("*.tsv")):
        name = tsv.relative_to(gold_dir / "blocks").as_posix().removesuffix(".tsv")
        sent = gold_dir / "sentences" / f"{name}.tsv"
        out.append(GoldFile(
            name,
            parse((corpus_dir / f"{name}_origin.md").read_text(encoding="utf-8")),
            parse((corpus_dir / f"{name}.md").read_text(encoding="utf-8")),
            read_block_rows(tsv.read_text(encoding="utf-8")),
            read_sentence_rows(sent.read_text(encoding="utf-8")) if sent.is_file() else (),
            lang,
        ))
    return out


# --------------------------------------------------------------------------------------------------
# Block scoring


@dataclass
class BlockScore:
    """Gold rows reproduced exactly, with the misses (gold row, what the aligner did) for reading."""

    hits: int = 0
    rows: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.hits / self.rows if self.rows else 1.0

    def add(self, other: BlockScore) -> None:
        self.hits += other.hits
        self.rows += other.rows
        self.misses += other.misses


def _pair_ranges(alignment: Alignment) -> dict[tuple[Range | None, Range | None], tuple[int, ...]]:
    src, tgt = alignment.source.blocks, alignment.translated.blocks
    out = {}
    for p in alignment.pairs:
        en = (src[p.src[0]].start, src[p.src[-1]].end) if p.src else None
        zh = (tgt[p.tgt[0]].start, tgt[p.tgt[-1]].end) if p.tgt else None
        out[(en, zh)] = p.src
    return out


def score_blocks(gold: GoldFile, alignment: Alignment) -> BlockScore:
    """Exact reproduction of every gold row (see the module docstring)."""
    predicted = _pair_ranges(alignment)
    by_en_line = {alignment.source.blocks[i].start: key for key, src in predicted.items() for i in src}
    score = BlockScore()
    for row in gold.blocks:
        score.rows += 1
        if (row.en, row.tgt) in predicted:
            score.hits += 1
        else:
            got = by_en_line.get(row.en[0]) if row.en else None
            score.misses.append(f"{gold.name}: gold {row.relation} EN {row.en} -> {row.tgt}; aligner: "
                                f"{'EN ' + str(got[0]) + ' -> ' + str(got[1]) if got else 'other'}")
    return score


# --------------------------------------------------------------------------------------------------
# Sentence scoring


@dataclass
class SentenceScore:
    correct: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: SentenceScore) -> None:
        self.correct += other.correct
        self.predicted += other.predicted
        self.gold += other.gold


def _norm(text: str) -> str:
    return " ".join(text.split())


def _block_text(doc: Document, start: int) -> str:
    for b in doc.blocks:
        if b.start == start:
            return b.text
    raise ValueError(f"no block starts at line {start}")


SentenceAligner = Callable[[str, str, str, str], Sequence[SentencePair]]


def score_sentences(gold: GoldFile, aligner: SentenceAligner = align_block) -> SentenceScore:
    """Sentence-pair precision/recall of ``aligner(en_text, tgt_text, "en", lang)`` on the gold block pairs."""
    keys: dict[tuple[int, int], None] = {}
    for r in gold.sentences:
        keys.setdefault((r.en_start, r.tgt_start))
    truth = {(r.en_start, r.tgt_start, _norm(r.en), _norm(r.tgt)) for r in gold.sentences}
    predicted = set()
    count = 0
    for en_start, tgt_start in keys:
        beads = aligner(_block_text(gold.source, en_start), _block_text(gold.translated, tgt_start), "en", gold.lang)
        count += len(beads)
        predicted |= {(en_start, tgt_start, _norm(b.src_text), _norm(b.tgt_text)) for b in beads}
    return SentenceScore(len(predicted & truth), count, len(truth))


def score_sentence_links(gold: GoldFile, aligner: SentenceAligner = align_block) -> SentenceScore:
    """Link-level precision/recall (vecalign's "lax" view, for information; the issue's measure is
    :func:`score_sentences`, whole beads): every paired bead stands for its links, each (English sentence, translated
    sentence) pair it covers, and a link counts as right when a gold row covers it too. A gold 2-2 predicted as 1-1 +
    1-1 is a wrong bead twice but 2 of its 4 links; unpaired sentences have no links. Gold rows are numbered in order
    by their relation (``m-n``: the next m English and n translated sentences of their block pair)."""
    counts: dict[tuple[int, int], list[int]] = {}
    truth: set[tuple[int, int, int, int]] = set()
    for r in gold.sentences:
        key = (r.en_start, r.tgt_start)
        at = counts.setdefault(key, [0, 0])
        m, n = map(int, r.relation.split("-"))
        truth |= {(*key, e, t) for e in range(at[0], at[0] + m) for t in range(at[1], at[1] + n)}
        at[0] += m
        at[1] += n
    predicted: set[tuple[int, int, int, int]] = set()
    for en_start, tgt_start in counts:
        beads = aligner(_block_text(gold.source, en_start), _block_text(gold.translated, tgt_start), "en", gold.lang)
        predicted |= {(en_start, tgt_start, e, t) for b in beads for e in b.src for t in b.tgt}
    return SentenceScore(len(predicted & truth), len(predicted), len(truth))


def chapters(files: Iterable[GoldFile]) -> list[str]:
    """The distinct chapters, in order: the folds of a leave-chapter-out evaluation."""
    return list(dict.fromkeys(f.chapter for f in files))


# --------------------------------------------------------------------------------------------------
# Calibration: what a similarity score means as a probability


def contrast_points(gold: GoldFile, alignment: Alignment, lexicon) -> list[tuple[float, bool]]:
    """(similarity, is-the-true-pair) for every gold 1-1 pair and its two neighbour-shifted impostors (the
    same English block with the translated block before or after the true one): the decision the aligner
    actually faces. Used to fit ``bot.align.blocks.CALIBRATION``."""
    from bot.align.blocks import _features, similarity
    from bot.align.lexicon import Lexicon

    lexical = lexicon if isinstance(lexicon, Lexicon) else lexicon is not None  # the aligner's own words
    src = _features(gold.source, frozenset({"paddle"}), {}, 0, lexical)
    tgt = _features(gold.translated, frozenset({"paddle"}), {}, 1, lexical)
    si = {b.start: k for k, b in enumerate(gold.source.blocks)}
    ti = {b.start: k for k, b in enumerate(gold.translated.blocks)}
    out = []
    for row in gold.blocks:
        if row.relation != "1-1" or row.kind not in ("prose", "list", "heading"):
            continue
        i, j = si[row.en[0]], ti[row.tgt[0]]
        out.append((similarity(src[i], tgt[j], lexicon), True))
        for k in (j - 1, j + 1):
            if 0 <= k < len(tgt) and tgt[k].kind == tgt[j].kind:
                out.append((similarity(src[i], tgt[k], lexicon), False))
    return out


def fit_logistic(points: Sequence[tuple[float, bool]], prior: float | None = None,
                 iterations: int = 50) -> tuple[float, float]:
    """``(a, b)`` of ``P(true | s) = 1 / (1 + exp(-(a + b·s)))`` by Newton's method (1-D logistic regression).
    With ``prior`` the intercept is moved so the base rate is ``prior`` instead of the sample's."""
    import math

    a = b = 0.0
    for _ in range(iterations):
        ga = gb = haa = hab = hbb = 0.0
        for s, y in points:
            p = 1.0 / (1.0 + math.exp(-(a + b * s)))
            w = p * (1 - p)
            ga += y - p
            gb += (y - p) * s
            haa += w
            hab += w * s
            hbb += w * s * s
        det = haa * hbb - hab * hab + 1e-9
        a += (hbb * ga - hab * gb) / det
        b += (haa * gb - hab * ga) / det
    if prior is not None:
        share = sum(1 for _, y in points if y) / len(points)
        a += math.log(prior / (1 - prior)) - math.log(share / (1 - share))
    return a, b
