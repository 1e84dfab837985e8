"""The learning loop: what reviewers changed in what AMTS proposed, block by block, and what to learn from it.

When an AMTS pull request is merged, the merged text is the reviewers' verdict on the proposed one. Per
block AMTS changed, ``compare`` pairs the proposed text with the merged text and scores the post-edit
distance with sacrebleu's sentence metrics, in the usual post-editing direction (HTER): the proposed text
is the hypothesis, the merged text the reference. chrF 100 / TER 0 means "merged as proposed"; TER is the
share of the merged text's words a reviewer had to edit (for zh/ja/ko, sacrebleu's TER with
``normalized=True, asian_support=True`` so that every CJK character is a word; without it a whole Chinese
sentence is one token and any edit scores 100). ``summary`` scores all blocks as one corpus.

The merged sentence pairs (English from the merged origin file, translation from the merged edition file,
sentence-aligned) are the edition's newest human-checked parallel data: ``append_tmx`` adds the new ones to
a TMX file, which ``bot.translate.resources.push_parallel_data`` sends to Amazon Translate (Active Custom
Translation learns from every review).

Which blocks: those of the proposed revision whose text is not in the ``base`` revision of the file
(the PR base, or by default the proposed commit's parent). Pairing proposed with merged blocks is a block
sequence match (reviewers edit inside blocks; when they split or join blocks, the group is one entry).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import git

from bot.align.blocks import align
from bot.align.textpairs import TextPair, block_text_pairs
from bot.markdown.blocks import MarkdownError, parse
from bot.paralleldata import filter_pairs, render_tmx, write_atomic
from bot.sync import repos

CJK = frozenset({"zh", "ja", "ko"})
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class LearnError(Exception):
    """Unusable input (missing revision, unreadable TMX); the message says which."""


@dataclass(frozen=True)
class BlockEdit:
    path: str
    english_blocks: tuple[int, ...]
    proposed: str
    merged: str
    chrf: float
    ter: float

    @property
    def edited(self) -> bool:
        return self.proposed.strip() != self.merged.strip()

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "english_blocks": list(self.english_blocks), "proposed": self.proposed,
                "merged": self.merged, "chrf": round(self.chrf, 4), "ter": round(self.ter, 4), "edited": self.edited}


@dataclass
class LearnResult:
    blocks: list[BlockEdit] = field(default_factory=list)
    pairs: list[TextPair] = field(default_factory=list)
    pairs_added: int = 0
    chrf: float = 100.0
    ter: float = 0.0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"blocks": [b.as_json() for b in self.blocks],
                "summary": {"blocks": len(self.blocks), "edited": sum(b.edited for b in self.blocks),
                            "chrf": round(self.chrf, 4), "ter": round(self.ter, 4)},
                "pairs_added": self.pairs_added}


def one_line(text: str) -> str:
    """A block as one segment (sacrebleu's line-based view: a line break counts as a space)."""
    return " ".join(text.split("\n")).strip()


def _metrics(lang: str):
    from sacrebleu.metrics import CHRF, TER

    ter = TER(normalized=True, asian_support=True) if lang in CJK else TER()
    return CHRF(), ter


def sentence_scores(proposed: str, merged: str, lang: str) -> tuple[float, float]:
    """(chrF, TER) of the proposed block (hypothesis) against the merged block (reference)."""
    chrf, ter = _metrics(lang)
    hyp, ref = one_line(proposed), one_line(merged)
    if not ref:  # the reviewers removed the block: nothing of it survived
        return 0.0, 100.0
    return chrf.sentence_score(hyp, [ref]).score, ter.sentence_score(hyp, [ref]).score


def corpus_scores(edits: Sequence[BlockEdit], lang: str) -> tuple[float, float]:
    if not edits:
        return 100.0, 0.0
    chrf, ter = _metrics(lang)
    hyps, refs = [one_line(e.proposed) for e in edits], [one_line(e.merged) for e in edits]
    return chrf.corpus_score(hyps, [refs]).score, ter.corpus_score(hyps, [refs]).score


def _join(blocks, idx: Sequence[int]) -> str:
    return "\n".join(blocks[i].text.rstrip("\n") for i in idx)


def compare_file(path: str, base: str | None, proposed: str, merged: str, proposed_origin: str,
                 lang: str, extra_frameworks: Sequence[str] = ("paddle",)) -> list[tuple[tuple[int, ...], str, str,
                                                                                            tuple[int, ...]]]:
    """Per changed proposed block (group): (english blocks, proposed text, merged text, merged block indices)."""
    p_doc, m_doc = parse(proposed), parse(merged)
    before = Counter(b.text for b in parse(base).blocks) if base is not None else Counter()
    changed: list[int] = []
    for i, b in enumerate(p_doc.blocks):
        if before[b.text] > 0:
            before[b.text] -= 1
        else:
            changed.append(i)
    if not changed:
        return []
    english: dict[int, tuple[int, ...]] = {}
    try:
        alignment = align(parse(proposed_origin), p_doc, extra_frameworks)
        for pair in alignment.pairs:
            for k in pair.tgt:
                english[k] = tuple(pair.src)
    except MarkdownError:
        pass
    p_texts, m_texts = [b.text for b in p_doc.blocks], [b.text for b in m_doc.blocks]
    wanted = set(changed)
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=p_texts, b=m_texts, autojunk=False).get_opcodes():
        mine = [i for i in range(i1, i2) if i in wanted]
        if not mine:
            continue
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for i in mine:
                j = j1 + (i - i1)
                out.append((english.get(i, ()), p_texts[i], m_texts[j], (j,)))
        else:  # reviewers split, joined, added or removed blocks here: one entry for the group
            en = tuple(sorted({e for i in range(i1, i2) for e in english.get(i, ())}))
            out.append((en, _join(p_doc.blocks, range(i1, i2)), _join(m_doc.blocks, range(j1, j2)),
                        tuple(range(j1, j2))))
    return out


def merged_pairs(merged: str, merged_origin: str, blocks: set[int], src_lang: str, lang: str,
                 extra_frameworks: Sequence[str] = ("paddle",)) -> list[TextPair]:
    """Sentence pairs of the merged file's blocks ``blocks`` (indices in the merged edition file)."""
    try:
        alignment = align(parse(merged_origin), parse(merged), extra_frameworks)
    except MarkdownError:
        return []
    out: list[TextPair] = []
    for pair in alignment.pairs:
        if set(pair.tgt) & blocks:
            out += [p for p in block_text_pairs(alignment, pair, src_lang, lang)
                    if "<!-- amts" not in p.tgt]
    return out


def compare(edition: git.Repo, proposed: str, merged: str, lang: str, base: str | None = None,
            src_lang: str = "en", suffix: str = "_origin", extra_frameworks: Sequence[str] = ("paddle",),
            paths: Sequence[str] | None = None) -> LearnResult:
    """Block-by-block post-edit distance of ``merged`` against ``proposed`` (revisions of ``edition``)."""
    p_commit = _commit(edition, proposed)
    m_commit = _commit(edition, merged)
    if base is None:
        if not p_commit.parents:
            raise LearnError(f"{proposed} has no parent: give the revision the proposal started from (--base)")
        b_commit = p_commit.parents[0]
    else:
        b_commit = _commit(edition, base)
    result = LearnResult()
    names = paths if paths is not None else [
        d.b_path or d.a_path for d in b_commit.diff(p_commit) if (d.b_path or d.a_path).endswith(".md")]
    edits: list[BlockEdit] = []
    for path in sorted(set(names)):
        if path.endswith(suffix + ".md"):
            continue
        origin = path[: -len(".md")] + suffix + ".md"
        p_text, p_origin = repos.read_at(p_commit, path), repos.read_at(p_commit, origin)
        if p_text is None or p_origin is None:
            continue
        m_text, m_origin = repos.read_at(m_commit, path), repos.read_at(m_commit, origin)
        if m_text is None:
            result.skipped.append((path, "not in the merged revision"))
            continue
        try:
            entries = compare_file(path, repos.read_at(b_commit, path), p_text, m_text, p_origin, lang,
                                   extra_frameworks)
        except MarkdownError as e:
            result.skipped.append((path, f"cannot parse: {e}"))
            continue
        blocks: set[int] = set()
        for english, p, m, m_idx in entries:
            chrf, ter = sentence_scores(p, m, lang)
            edits.append(BlockEdit(path, english, p, m, chrf, ter))
            blocks.update(m_idx)
        result.pairs += merged_pairs(m_text, m_origin or p_origin, blocks, src_lang, lang, extra_frameworks)
    result.blocks = edits
    result.chrf, result.ter = corpus_scores(edits, lang)
    result.pairs = filter_pairs(result.pairs, "tmx", Counter())
    result.pairs_added = len(result.pairs)
    return result


def _commit(repo: git.Repo, rev: str) -> git.Commit:
    try:
        return repos.resolve(repo, rev)
    except repos.RepoError as e:
        raise LearnError(str(e)) from None


def read_tmx(path: Path, src_lang: str, lang: str) -> list[TextPair]:
    """The pairs of a TMX file (as ``render_tmx`` writes it)."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        raise LearnError(f"{path}: not a readable TMX file ({e})") from None
    out = []
    for tu in root.iter("tu"):
        segs = {tuv.get(_XML_LANG, tuv.get("lang", "")).lower(): (tuv.findtext("seg") or "") for tuv in tu.iter("tuv")}
        if src_lang in segs and lang in segs:
            out.append(TextPair(segs[src_lang], segs[lang], 0, 1.0))
    return out


def append_tmx(path: Path, pairs: Sequence[TextPair], src_lang: str, lang: str) -> int:
    """Add the pairs ``path`` does not hold yet (written atomically); returns how many were added."""
    existing = read_tmx(path, src_lang, lang) if path.exists() else []
    seen = {(p.src, p.tgt) for p in existing}
    new = [p for p in pairs if (p.src, p.tgt) not in seen and not seen.add((p.src, p.tgt))]
    if new or not path.exists():
        write_atomic(path, render_tmx([*existing, *new], src_lang, lang))
    return len(new)
