"""Score one translation of the book against another: BLEU and chrF over paired prose blocks.

Why pair blocks at all: a hypothesis (raw machine translation, an AMTS sync) and a reference (the
human edition) are whole markdown files whose blocks do not line up by index. d2l-zh adds PaddlePaddle
cells and tab regions, and post-editors merge or split paragraphs. Scoring line by line would compare
unrelated text, so prose blocks are paired through the block aligner first, and each group of paired
blocks becomes one segment.

Two ways to pair (``Pairing``), measured in ``benchmarks/bench_evaluate.py`` (results in docs/evaluation.md):

* ``direct``: align the hypothesis with the reference. Both are in the target language; the aligner's
  CJK length weighting applies to both sides alike, so its length ratio stays meaningful, and the
  invariant tokens it compares (numbers, ``$…$``, inline code, roles, URLs) are shared by any two
  translations of the same English. Needs nothing but the two files.
* ``source``: align each translation with the English it was translated from and join the two
  alignments through the English blocks (with an English↔English alignment between them when the two
  sides were translated from different English, e.g. a raw MT of an older ``X_origin.md``). Alignment
  across languages is the aligner's home ground, but two hops can each go wrong.

Both were exact on every file with a known truth and equally good (98%) on references edited the way
post-editors edit; ``direct`` is the default because it needs nothing else and takes half the time.
Either way, many-block groups are then *trimmed* by shared characters (``_trim``), which only works
because hypothesis and reference are in the same language.

A *segment* is one connected group of paired blocks: its hypothesis side is every prose block of the
group joined, its reference side likewise, each on one line. Only prose is scored (paragraphs, lists,
headings, blockquotes): code, equations and figures are copied, not translated. Inline markup is kept
as it is in the file, which is what an engine outputs and a reviewer reads; ``keep_markup=False`` removes
it from both sides (``words_only``), because copied ``$…$`` and ``:eqref:`…``` are free n-gram matches
that raise BLEU whatever the words are. Prose blocks with no counterpart are counted (``unpaired_hyp`` /
``unpaired_ref``) but cannot be scored; a hypothesis that leaves half a file untranslated shows up
there, not in BLEU.

Scores are sacrebleu's corpus BLEU and chrF through ``bot.quality`` (tokenizer ``zh`` for Chinese,
``13a`` otherwise), per file and over all segments of all files: exactly what ``sacrebleu REF -i HYP
-tok T -m bleu chrf`` prints for the lines ``dump_lines`` writes.

Everything above ``# I/O`` is pure; the functions below it read files and raise ``InputError``.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.align.blocks import LOW_CONFIDENCE, Alignment, align
from bot.align.textpairs import PAIRED_KINDS, units
from bot.markdown.blocks import Block, Document, Kind, parse
from bot.markdown.htmlseg import PLACEHOLDER_RE
from bot.markdown.io import InputError, read_document, read_text
from bot.markdown.protect import protect
from bot.quality import Scores, score_corpus, score_parts
from bot.sync.postedit import postedit_document

__all__ = [
    "STUDY_ARTICLES",
    "STUDY_PUBLISHED",
    "TRIM_CONTAINMENT",
    "CorpusReport",
    "FileInput",
    "FileReport",
    "Group",
    "Pairing",
    "Segment",
    "StudyRow",
    "StudyTable",
    "dump_lines",
    "evaluate_corpus",
    "evaluate_documents",
    "evaluate_files",
    "find_corpus",
    "find_pairs",
    "origin_of",
    "pair_blocks",
    "positional_groups",
    "run_study",
    "same_structure",
    "score_reports",
    "segments_of",
    "study_table",
    "words_only",
]


class Pairing(StrEnum):
    """How blocks were paired: the two translations aligned with each other, or through English."""

    DIRECT = "direct"
    SOURCE = "source"


@dataclass(frozen=True)
class Group:
    """Hypothesis blocks ``hyp`` and reference blocks ``ref`` (top-level indices) that render the same
    text; ``score`` is the weakest alignment link that joined them (1.0 for identical anchors)."""

    hyp: tuple[int, ...]
    ref: tuple[int, ...]
    score: float

    @property
    def low_confidence(self) -> bool:
        return bool(self.hyp) and bool(self.ref) and self.score < LOW_CONFIDENCE


@dataclass(frozen=True)
class Segment:
    """One scored line pair. ``hyp_line``/``ref_line`` are the 1-based first lines of the groups' blocks."""

    hyp: str
    ref: str
    hyp_line: int
    ref_line: int
    score: float


@dataclass(frozen=True)
class FileReport:
    """Segments and scores of one hypothesis/reference file pair."""

    path: str
    segments: tuple[Segment, ...]
    scores: Scores
    unpaired_hyp: int
    unpaired_ref: int
    #: ``True`` when the blocks were paired by position (same block structure, see ``same_structure``).
    positional: bool = False

    @property
    def low_confidence(self) -> int:
        return sum(s.score < LOW_CONFIDENCE for s in self.segments)

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "segments": len(self.segments), "bleu": round(self.scores.bleu, 4),
                "chrf": round(self.scores.chrf, 4), "unpaired_hyp": self.unpaired_hyp,
                "unpaired_ref": self.unpaired_ref, "low_confidence": self.low_confidence,
                "positional": self.positional}


@dataclass(frozen=True)
class CorpusReport:
    """Per-file reports plus the corpus score over every segment of every file."""

    files: tuple[FileReport, ...]
    scores: Scores
    lang: str
    pairing: Pairing
    keep_markup: bool = True

    @property
    def segments(self) -> list[Segment]:
        return [s for f in self.files for s in f.segments]

    def as_dict(self) -> dict[str, object]:
        return {
            "files": [f.as_dict() for f in self.files],
            "corpus": {"files": len(self.files), "segments": len(self.segments),
                       "bleu": round(self.scores.bleu, 4), "chrf": round(self.scores.chrf, 4)},
            "signature": {"bleu": self.scores.bleu_signature, "chrf": self.scores.chrf_signature},
            "lang": self.lang,
            "pairing": str(self.pairing),
            "markup": "kept" if self.keep_markup else "removed",
        }


# --------------------------------------------------------------------------------------------------
# Pairing blocks


class _Components:
    """Union-find over (document, block index) nodes: alignments chained through an English source
    join into groups, whatever 1-2 / 2-1 relations each hop used."""

    def __init__(self) -> None:
        self.parent: dict[tuple[str, int], tuple[str, int]] = {}
        self.weakest: dict[tuple[str, int], float] = {}

    def find(self, node: tuple[str, int]) -> tuple[str, int]:
        self.parent.setdefault(node, node)
        self.weakest.setdefault(node, 1.0)
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def link(self, nodes: Sequence[tuple[str, int]], score: float) -> None:
        roots = [self.find(n) for n in nodes]
        first = roots[0]
        for r in roots[1:]:
            if r != first:
                self.parent[r] = first
                self.weakest[first] = min(self.weakest[first], self.weakest[r])
        self.weakest[first] = min(self.weakest[first], score)

    def add(self, alignment: Alignment, src: str, tgt: str) -> None:
        for p in alignment.pairs:
            nodes = [(src, i) for i in p.src] + [(tgt, j) for j in p.tgt]
            if p.src and p.tgt:
                self.link(nodes, p.score)
            else:
                for n in nodes:
                    self.find(n)


def _in_order(groups: list[Group]) -> list[Group]:
    """Document order: paired groups by hypothesis position; a reference-only group right after the
    paired group whose reference block precedes it."""
    paired = sorted((g for g in groups if g.hyp and g.ref), key=lambda g: g.hyp[0])

    def key(g: Group) -> tuple[float, int]:
        if g.hyp:
            return g.hyp[0], g.ref[0] if g.ref else -1
        before = [p.hyp[-1] for p in paired if p.ref[0] < g.ref[0]]
        return max(before, default=-1) + 0.5, g.ref[0]

    return sorted(groups, key=key)


def _groups(comps: _Components, n_hyp: int, n_ref: int) -> list[Group]:
    members: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
    for side, n in (("hyp", n_hyp), ("ref", n_ref)):
        for i in range(n):
            root = comps.find((side, i))
            members.setdefault(root, ([], []))[0 if side == "hyp" else 1].append(i)
    groups = [Group(tuple(h), tuple(r), comps.weakest[root] if h and r else 1.0)
              for root, (h, r) in members.items()]
    return _in_order(groups)


#: An edge block of a many-block group whose character bigrams occur less than this often in the other
#: side's text is split off. Measured on the shared corpus (benchmarks/bench_evaluate.py): every truly
#: paired paragraph or list shares at least 0.36 of its bigrams with its counterpart, while a neighbour the
#: aligner merged in by mistake shares 0.15-0.42 by chance (common bigrams such as 我们, 的). 0.2-0.3 all
#: score alike; 0.2 never splits off a true part.
TRIM_CONTAINMENT = 0.2
_TRIM_MIN_BIGRAMS = 8


def _bigrams(blocks: Sequence[Block]) -> set[str]:
    text = "".join("".join(b.body.split()) for b in blocks)
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _containment(block: Block, others: Sequence[Block]) -> float | None:
    mine = _bigrams([block])
    if len(mine) < _TRIM_MIN_BIGRAMS:
        return None
    return len(mine & _bigrams(others)) / len(mine)


def _trim(group: Group, hyp: Document, ref: Document) -> list[Group]:
    """Split off the edge blocks of a 1-2 / 2-1 group that share (almost) no text with the other side.

    Why: the aligner scores kind, length and shared markup tokens, not words, because across languages
    it has no words to compare. When one side has a paragraph the other lacks (a translator's note, a
    sentence the post-editor dropped), merging it into its neighbour costs less than leaving it unpaired,
    and its text would then be scored against text it does not translate. Both sides here are in the
    same language, so shared character bigrams tell the two apart."""
    hs, rs = list(group.hyp), list(group.ref)
    split: list[Group] = []
    changed = True
    while changed:
        changed = False
        for side, other, doc, odoc in ((hs, rs, hyp, ref), (rs, hs, ref, hyp)):
            for edge in (0, -1):
                if len(side) < 2:
                    continue
                b = doc.blocks[side[edge]]
                c = _containment(b, [odoc.blocks[k] for k in other])
                if b.is_prose and c is not None and c < TRIM_CONTAINMENT:
                    k = side.pop(edge)
                    split.append(Group((k,), (), 1.0) if side is hs else Group((), (k,), 1.0))
                    changed = True
    return [Group(tuple(hs), tuple(rs), group.score), *split]


def same_structure(hyp: Document, ref: Document) -> bool:
    """Do both files have the same block skeleton: as many blocks, of the same kind (and the same tab
    frameworks and heading levels) at every position? Then they are two translations of one English,
    paragraph for paragraph, and the i-th block of one renders the i-th block of the other."""
    if len(hyp.blocks) != len(ref.blocks):
        return False
    return all((h.kind, h.tabs, h.level) == (r.kind, r.tabs, r.level)
               for h, r in zip(hyp.blocks, ref.blocks, strict=True))


def positional_groups(hyp: Document, ref: Document) -> list[Group]:
    """One group per position (see ``same_structure``): nothing left unpaired, nothing guessed."""
    return [Group((i,), (i,), 1.0) for i in range(len(hyp.blocks))]


def pair_blocks(hyp: Document, ref: Document, hyp_src: Document | None = None, ref_src: Document | None = None,
                extra_frameworks: Iterable[str] = ("paddle",), trim: bool = True,
                positional: bool = True) -> list[Group]:
    """Groups of hypothesis and reference blocks that translate the same English.

    When both files have the same block structure (``same_structure``) and ``positional`` is on, block i
    pairs with block i: the aligner can only lose pairs there (it left 2 of 98 plain paragraph pairs
    unpaired on the study files). Otherwise, without sources the two translations are aligned directly.
    With a source (``hyp_src`` alone is used for both sides) each side is aligned with its English and the
    alignments are joined; two different sources are aligned with each other first. ``trim`` splits
    unrelated blocks off many-block groups."""
    if positional and same_structure(hyp, ref):
        return positional_groups(hyp, ref)
    extra = tuple(extra_frameworks)
    comps = _Components()
    if hyp_src is None and ref_src is None:
        comps.add(align(hyp, ref, extra, lexicon=None), "hyp", "ref")  # same language: no bilingual lexicon
    else:
        hs = hyp_src if hyp_src is not None else ref_src
        rs = ref_src if ref_src is not None else hs
        assert hs is not None and rs is not None
        comps.add(align(hs, hyp, extra), "hsrc", "hyp")
        if rs.render() == hs.render():
            comps.add(align(hs, ref, extra), "hsrc", "ref")
        else:
            comps.add(align(hs, rs, (), lexicon=None), "hsrc", "rsrc")
            comps.add(align(rs, ref, extra), "rsrc", "ref")
    groups = _groups(comps, len(hyp.blocks), len(ref.blocks))
    if trim:
        groups = [t for g in groups for t in (_trim(g, hyp, ref) if g.hyp and g.ref else [g])]
        groups = _in_order(groups)
    return groups


# --------------------------------------------------------------------------------------------------
# Segments


def _is_scored(block: Block) -> bool:
    return block.kind in PAIRED_KINDS


def _one_line(texts: Iterable[str]) -> str:
    """Units and blocks joined by one space: sacrebleu's ``zh`` and ``13a`` tokenizers and chrF all
    ignore it between CJK characters, and it keeps two Latin words from gluing into one token."""
    return " ".join(" ".join(t.split()) for t in texts if t.strip())


_ASCII_RUN = re.compile(r"^[\x21-\x7e]*")


def words_only(text: str) -> str:
    """``text`` without its inline markup (code, math, roles, link targets, slide markers, HTML): the
    words an engine actually translates. Both translations copy markup verbatim, so keeping it adds
    free n-gram matches; removing it scores the translation of the words alone."""
    seg = protect(text)

    def words(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if seg.kinds[n] != "url":
            return " "
        # A bare URL runs to the next space, and Chinese puts none after it: keep the words it swallowed.
        return " " + _ASCII_RUN.sub("", seg.originals[n], count=1) + " "

    return PLACEHOLDER_RE.sub(words, seg.text)


def _text(blocks: Sequence[Block], lang: str, keep_markup: bool = True) -> str:
    return _one_line(u if keep_markup else words_only(u) for b in blocks for u in units(b, lang))


def _tab_segments(hyp: Block, ref: Block, score: float, lang: str, keep_markup: bool) -> list[Segment]:
    """Tab regions of the same frameworks hold prose too (d2l's per-framework notes): pair their prose
    children in order when both sides have the same number, else leave them out."""
    hs = [c for c in hyp.children if _is_scored(c)]
    rs = [c for c in ref.children if _is_scored(c)]
    if hyp.tabs != ref.tabs or len(hs) != len(rs):
        return []
    return [Segment(_text([h], lang, keep_markup), _text([r], lang, keep_markup), h.start, r.start, score)
            for h, r in zip(hs, rs, strict=True)]


def segments_of(hyp: Document, ref: Document, groups: Sequence[Group], lang: str,
                keep_markup: bool = True) -> tuple[list[Segment], int, int]:
    """The scored segments of paired documents, plus how many hypothesis and reference prose blocks had
    no prose counterpart. ``keep_markup=False`` scores the words only (see ``words_only``)."""
    out: list[Segment] = []
    unpaired_hyp = unpaired_ref = 0
    for g in groups:
        hb = [hyp.blocks[i] for i in g.hyp]
        rb = [ref.blocks[j] for j in g.ref]
        if len(hb) == 1 and len(rb) == 1 and hb[0].kind == rb[0].kind == Kind.TAB:
            out += _tab_segments(hb[0], rb[0], g.score, lang, keep_markup)
            continue
        hp, rp = [b for b in hb if _is_scored(b)], [b for b in rb if _is_scored(b)]
        if hp and rp:
            h, r = _text(hp, lang, keep_markup), _text(rp, lang, keep_markup)
            if h or r:
                out.append(Segment(h, r, hp[0].start, rp[0].start, g.score))
        else:
            unpaired_hyp += len(hp)
            unpaired_ref += len(rp)
    return out, unpaired_hyp, unpaired_ref


@dataclass(frozen=True)
class FileInput:
    """One file pair to score, already parsed. ``hyp_src``/``ref_src`` are optional English sources."""

    path: str
    hyp: Document
    ref: Document
    hyp_src: Document | None = None
    ref_src: Document | None = None


@dataclass(frozen=True)
class _Paired:
    path: str
    segments: tuple[Segment, ...]
    unpaired_hyp: int
    unpaired_ref: int
    positional: bool


def _pair_file(item: FileInput, lang: str, extra_frameworks: Iterable[str], keep_markup: bool) -> _Paired:
    positional = same_structure(item.hyp, item.ref)
    groups = pair_blocks(item.hyp, item.ref, item.hyp_src, item.ref_src, extra_frameworks)
    segments, uh, ur = segments_of(item.hyp, item.ref, groups, lang, keep_markup)
    if not segments:
        raise ValueError(f"{item.path}: no prose block of the hypothesis pairs with the reference "
                         "(are they translations of the same English?)")
    return _Paired(item.path, tuple(segments), uh, ur, positional)


def evaluate_documents(item: FileInput, lang: str, extra_frameworks: Iterable[str] = ("paddle",),
                       keep_markup: bool = True) -> FileReport:
    """Pair and score one file. Raises ``ValueError`` when nothing pairs (nothing to score)."""
    p = _pair_file(item, lang, extra_frameworks, keep_markup)
    scores = score_corpus([s.hyp for s in p.segments], [s.ref for s in p.segments], lang)
    return FileReport(p.path, p.segments, scores, p.unpaired_hyp, p.unpaired_ref, p.positional)


def evaluate_corpus(items: Iterable[FileInput], lang: str, pairing: Pairing = Pairing.DIRECT,
                    extra_frameworks: Iterable[str] = ("paddle",), keep_markup: bool = True) -> CorpusReport:
    """Pair every file, then score every file and the corpus from one sacrebleu pass (``score_parts``):
    each segment is tokenized and counted once, and every number equals sacrebleu's on those lines.
    Raises ``ValueError`` when a file pairs nothing."""
    paired = [_pair_file(item, lang, extra_frameworks, keep_markup) for item in items]
    if not paired:
        raise ValueError("nothing to score: no file pairs")
    per_file, corpus = score_parts([([s.hyp for s in p.segments], [s.ref for s in p.segments]) for p in paired],
                                   lang)
    files = tuple(FileReport(p.path, p.segments, sc, p.unpaired_hyp, p.unpaired_ref, p.positional)
                  for p, sc in zip(paired, per_file, strict=True))
    return CorpusReport(files, corpus, lang, pairing, keep_markup)


def score_reports(files: Sequence[FileReport], lang: str, pairing: Pairing, keep_markup: bool = True) -> CorpusReport:
    """The corpus score over every segment of ``files`` (not the mean of the file scores)."""
    segs = [s for f in files for s in f.segments]
    scores = score_corpus([s.hyp for s in segs], [s.ref for s in segs], lang)
    return CorpusReport(tuple(files), scores, lang, pairing, keep_markup)


# --------------------------------------------------------------------------------------------------
# The published AMTS study (five articles, EN->ZH, BLEU 0-1 "without ACT")

STUDY_ARTICLES: tuple[str, ...] = (
    "chapter_natural-language-processing-pretraining/approx-training.md",
    "chapter_natural-language-processing-pretraining/bert-dataset.md",
    "chapter_recurrent-neural-networks/language-models-and-dataset.md",
    "chapter_recurrent-modern/machine-translation-and-dataset.md",
    "chapter_natural-language-processing-applications/sentiment-analysis-and-dataset.md",
)
#: BLEU (0-1) of Amazon Translate without Active Custom Translation, EN->ZH, as published.
STUDY_PUBLISHED: dict[str, float] = {
    "approx-training": 0.553,
    "bert-dataset": 0.548,
    "language-models-and-dataset": 0.502,
    "machine-translation-and-dataset": 0.519,
    "sentiment-analysis-and-dataset": 0.558,
}
STUDY_PUBLISHED_AVERAGE = 0.536


@dataclass(frozen=True)
class StudyRow:
    """One article: the published BLEU and ours for the raw MT and for the raw MT after post-editing."""

    article: str
    published: float | None
    raw: FileReport
    postedited: FileReport


@dataclass(frozen=True)
class StudyTable:
    rows: tuple[StudyRow, ...]
    raw: CorpusReport
    postedited: CorpusReport

    @property
    def published_average(self) -> float:
        return STUDY_PUBLISHED_AVERAGE

    @property
    def raw_average(self) -> float:
        """Mean of the per-article BLEU (0-1): how the study averages its column."""
        return statistics.fmean(r.raw.scores.bleu for r in self.rows) / 100

    @property
    def postedited_average(self) -> float:
        return statistics.fmean(r.postedited.scores.bleu for r in self.rows) / 100

    def as_dict(self) -> dict[str, object]:
        def row(name: str, pub: float | None, raw: Scores, post: Scores, segs: int) -> dict[str, object]:
            return {"article": name, "published_bleu": pub, "segments": segs,
                    "bleu": round(raw.bleu / 100, 6), "bleu_postedit": round(post.bleu / 100, 6),
                    "chrf": round(raw.chrf, 2), "chrf_postedit": round(post.chrf, 2)}

        return {
            "rows": [row(r.article, r.published, r.raw.scores, r.postedited.scores, len(r.raw.segments))
                     for r in self.rows],
            "average": {"published_bleu": self.published_average, "bleu": round(self.raw_average, 6),
                        "bleu_postedit": round(self.postedited_average, 6)},
            "corpus": row("corpus", None, self.raw.scores, self.postedited.scores, len(self.raw.segments)),
            "signature": {"bleu": self.raw.scores.bleu_signature, "chrf": self.raw.scores.chrf_signature},
            "pairing": str(self.raw.pairing),
            "markup": "kept" if self.raw.keep_markup else "removed",
        }


def study_table(raw: CorpusReport, postedited: CorpusReport) -> StudyTable:
    rows = []
    for r, p in zip(raw.files, postedited.files, strict=True):
        name = Path(r.path).stem
        rows.append(StudyRow(name, STUDY_PUBLISHED.get(name), r, p))
    return StudyTable(tuple(rows), raw, postedited)


# --------------------------------------------------------------------------------------------------
# I/O: files, directories, dumps

ORIGIN_SUFFIX = "_origin.md"


def origin_of(path: Path) -> Path:
    """``X_origin.md`` beside ``X.md``: the English that d2lbook's ``translate`` recorded for it."""
    return path.with_name(path.name[: -len(".md")] + ORIGIN_SUFFIX)


def _markdown_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.md") if p.is_file() and not p.name.endswith(ORIGIN_SUFFIX))


def find_pairs(hyp: Path, ref: Path) -> list[tuple[str, Path, Path]]:
    """``(relative path, hyp file, ref file)`` for two files, or for two directories paired by relative
    path (``X_origin.md`` files are English sources, not translations, and are skipped). A hypothesis
    without a reference is an error; reference files nobody translated are ignored."""
    for p in (hyp, ref):
        if not p.exists():
            raise InputError(f"{p}: no such file or directory")
    if hyp.is_dir() != ref.is_dir():
        raise InputError(f"{hyp} and {ref}: give two files or two directories, not one of each")
    if not hyp.is_dir():
        return [(hyp.name, hyp, ref)]
    pairs = []
    for h in _markdown_files(hyp):
        rel = h.relative_to(hyp)
        r = ref / rel
        if not r.is_file():
            raise InputError(f"{h}: no reference at {r} (directories are paired by relative path)")
        pairs.append((rel.as_posix(), h, r))
    if not pairs:
        raise InputError(f"{hyp}: no markdown files (*.md other than *_origin.md)")
    return pairs


def _source_for(src: Path | None, rel: str, single: bool) -> Path | None:
    if src is None:
        return None
    path = src if single else src / rel
    if not path.is_file():
        raise InputError(f"{path}: no such English source file")
    return path


def _load(path: Path, transform: Callable[[str], str] | None = None) -> Document:
    if transform is None:
        return read_document(path)
    text = transform(read_text(path))
    try:
        return parse(text)
    except ValueError as e:  # pragma: no cover - post-editing keeps fences and equations intact
        raise InputError(f"{path}: unparsable after post-editing ({e})") from e


def evaluate_files(hyp: Path, ref: Path, lang: str, *, src: Path | None = None, origins: bool = False,
                   postedit: bool = False, keep_markup: bool = True,
                   extra_frameworks: Iterable[str] = ("paddle",)) -> CorpusReport:
    """Read, pair and score ``hyp`` against ``ref`` (two files or two directories).

    ``src`` is one English source for both sides (a file, or a directory paired by relative path);
    ``origins`` uses each side's own ``X_origin.md``; neither pairs the translations directly.
    ``postedit`` applies ``lang``'s post-edit rules to the hypothesis first; ``keep_markup=False`` scores
    the words only. Raises ``InputError``."""
    if src is not None and origins:
        raise InputError("give either --src or --origins, not both")
    pairs = find_pairs(hyp, ref)
    single = not hyp.is_dir()
    if src is not None and not src.exists():
        raise InputError(f"{src}: no such file or directory")
    if src is not None and src.is_dir() == single:
        raise InputError(f"{src}: --src must be a {'file' if single else 'directory'} like --hyp and --ref")
    transform = (lambda text: postedit_document(text, lang)) if postedit else None
    items: list[FileInput] = []
    for rel, h, r in pairs:
        if origins:
            hs, rs = origin_of(h), origin_of(r)
            for p in (hs, rs):
                if not p.is_file():
                    raise InputError(f"{p}: no origin file (--origins needs X_origin.md beside each X.md)")
        else:
            hs = rs = _source_for(src, rel, single)
        items.append(FileInput(rel, _load(h, transform), read_document(r),
                               read_document(hs) if hs else None, read_document(rs) if rs else None))
    pairing = Pairing.SOURCE if (src is not None or origins) else Pairing.DIRECT
    try:
        return evaluate_corpus(items, lang, pairing, extra_frameworks, keep_markup)
    except ValueError as e:
        raise InputError(str(e)) from None


def _write_lines(path: Path, lines: Iterable[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def dump_lines(report: CorpusReport, out: Path) -> list[Path]:
    """Write the scored lines so anyone can rerun sacrebleu on them: ``hyp.txt``/``ref.txt`` for the
    corpus and ``files/<path>.hyp.txt``/``.ref.txt`` per file, one segment per line, UTF-8."""
    written = [_write_lines(out / "hyp.txt", (s.hyp for s in report.segments)),
               _write_lines(out / "ref.txt", (s.ref for s in report.segments))]
    for f in report.files:
        for side in ("hyp", "ref"):
            written.append(_write_lines(out / "files" / f"{f.path}.{side}.txt", (getattr(s, side) for s in f.segments)))
    return written


def find_corpus(explicit: Path | None = None) -> Path:
    """The shared corpus: ``explicit``, else ``../shared/corpus`` beside this checkout or the working
    directory. Raises ``InputError`` naming where it looked."""
    if explicit is not None:
        candidates = [explicit]
    else:
        checkout = Path(__file__).resolve().parents[1]
        candidates = [checkout.parent / "shared" / "corpus", Path.cwd().parent / "shared" / "corpus"]
    for c in candidates:
        if (c / "d2l-zh-raw-mt").is_dir() and (c / "d2l-zh").is_dir():
            return c
    looked = ", ".join(str(c) for c in dict.fromkeys(candidates))
    raise InputError(f"no shared corpus (d2l-zh/ and d2l-zh-raw-mt/) at {looked}; pass --corpus PATH")


def run_study(corpus: Path, pairing: Pairing = Pairing.DIRECT, keep_markup: bool = True) -> StudyTable:
    """The five articles of the AMTS study: raw Amazon Translate output (``d2l-zh-raw-mt``) against the
    human edition (``d2l-zh``), as is and after the zh post-edit rules. With ``Pairing.SOURCE`` each side
    is aligned through its own ``X_origin.md`` (they differ for machine-translation-and-dataset)."""
    hyp_dir, ref_dir = corpus / "d2l-zh-raw-mt", corpus / "d2l-zh"
    raw: list[FileInput] = []
    post: list[FileInput] = []
    for rel in STUDY_ARTICLES:
        h, r = hyp_dir / rel, ref_dir / rel
        srcs = (read_document(origin_of(h)), read_document(origin_of(r))) if pairing == Pairing.SOURCE else (None, None)
        ref = read_document(r)
        for out, transform in ((raw, None), (post, lambda t: postedit_document(t, "zh"))):
            out.append(FileInput(rel, _load(h, transform), ref, *srcs))
    try:
        return study_table(evaluate_corpus(raw, "zh", pairing, keep_markup=keep_markup),
                           evaluate_corpus(post, "zh", pairing, keep_markup=keep_markup))
    except ValueError as e:
        raise InputError(str(e)) from None
