"""BLEU and chrF of translations against references, through sacrebleu.

Why sacrebleu: its numbers are the ones readers know, and its *signature* says exactly what was
computed (tokenizer, smoothing, version), so a score in a PR note can be reproduced with the
``sacrebleu`` command. This module only picks the right settings per language and refuses input that
would give a meaningless number.

Tokenizer per language (BLEU counts n-grams of tokens, so the tokenizer decides what a "word" is):

* ``zh`` → ``zh``: sacrebleu's Chinese tokenizer (every CJK character is a token; spaces ignored).
* ``ja``, ``ko`` → ``char``: the proper ones (``ja-mecab``, ``ko-mecab``) need MeCab and its
  dictionaries (``pip install sacrebleu[ja]`` / ``[ko]``), which AMTS does not install; ``char`` needs
  nothing and is a standard choice for both scripts. The signature says ``tok:char`` so nobody mistakes
  it for a MeCab score. chrF (character n-grams) needs no tokenizer and is the better guide here.
* every other language → ``13a`` (sacrebleu's default, the WMT standard).

Corpus scores use sacrebleu's defaults, exactly what ``sacrebleu REF -i HYP -tok T -m bleu chrf``
prints. Sentence scores use BLEU's ``effective_order`` (a short sentence with no 4-gram match would
otherwise score 0), as sacrebleu recommends; their signatures say ``eff:yes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sacrebleu.metrics import BLEU, CHRF

__all__ = ["Scores", "score_corpus", "score_parts", "score_sentence", "tokenizer_for"]

_TOKENIZERS = {"zh": "zh", "ja": "char", "ko": "char"}
_DEFAULT_TOKENIZER = "13a"


@dataclass(frozen=True)
class Scores:
    """BLEU and chrF (both 0–100) with the sacrebleu signatures that say how they were computed."""

    bleu: float
    chrf: float
    bleu_signature: str
    chrf_signature: str

    def short(self) -> str:
        """One line for a PR note, e.g. ``BLEU 41.2 · chrF 63.0``."""
        return f"BLEU {self.bleu:.1f} · chrF {self.chrf:.1f}"


def tokenizer_for(lang: str) -> str:
    """The sacrebleu BLEU tokenizer used for ``lang`` (see the module docstring for why)."""
    return _TOKENIZERS.get(lang, _DEFAULT_TOKENIZER)


def _check(hyps: Sequence[str], refs: Sequence[str]) -> None:
    if isinstance(hyps, str) or isinstance(refs, str):
        raise TypeError("score_corpus takes lists of segments, not a single string (use score_sentence)")
    if len(hyps) != len(refs):
        raise ValueError(f"cannot score: {len(hyps)} translations but {len(refs)} references "
                         "(they must pair up one to one)")
    if not hyps:
        raise ValueError("cannot score: no segments")


def _one_line(segments: Sequence[str]) -> list[str]:
    """A block may span lines; sacrebleu's files hold one segment per line, so a line break inside a
    segment counts as a space (what the tokenizers do with any whitespace)."""
    return [" ".join(s.splitlines()) for s in segments]


def score_corpus(hyps: Sequence[str], refs: Sequence[str], lang: str) -> Scores:
    """Corpus BLEU and chrF of ``hyps`` against ``refs`` (one reference per segment) in ``lang``."""
    _check(hyps, refs)
    bleu = BLEU(tokenize=tokenizer_for(lang))
    chrf = CHRF()
    h, r = _one_line(hyps), _one_line(refs)
    b = bleu.corpus_score(h, [r])
    c = chrf.corpus_score(h, [r])
    return Scores(b.score, c.score, str(bleu.get_signature()), str(chrf.get_signature()))


def score_sentence(hyp: str, ref: str, lang: str) -> Scores:
    """BLEU (effective order) and chrF of one segment, e.g. one block for its PR note."""
    _check([hyp], [ref])
    bleu = BLEU(tokenize=tokenizer_for(lang), effective_order=True)
    chrf = CHRF()
    (h,), (r,) = _one_line([hyp]), _one_line([ref])
    b = bleu.sentence_score(h, [r])
    c = chrf.sentence_score(h, [r])
    return Scores(b.score, c.score, str(bleu.get_signature()), str(chrf.get_signature()))


def score_parts(parts: Sequence[tuple[Sequence[str], Sequence[str]]], lang: str) -> tuple[list[Scores], Scores]:
    """Corpus BLEU and chrF of every part (e.g. one file) and of all parts together, in one pass.

    Why: scoring each file and then the whole corpus tokenizes and counts every segment twice. sacrebleu's
    corpus score is a function of the summed per-segment statistics, so the statistics are extracted once
    and summed per part and overall: each number is exactly what ``corpus_score`` (and the ``sacrebleu``
    command) gives on that part's lines. A part with no segments is an error, like ``score_corpus``.
    """
    hyps = [h for p_hyps, _ in parts for h in p_hyps]
    refs = [r for _, p_refs in parts for r in p_refs]
    for p_hyps, p_refs in parts:
        _check(p_hyps, p_refs)
    _check(hyps, refs)
    bleu = BLEU(tokenize=tokenizer_for(lang))
    chrf = CHRF()
    h, r = _one_line(hyps), _one_line(refs)
    b_stats = bleu._extract_corpus_statistics(h, [r])
    c_stats = chrf._extract_corpus_statistics(h, [r])
    b_sig, c_sig = str(bleu.get_signature()), str(chrf.get_signature())

    def scores(lo: int, hi: int) -> Scores:
        return Scores(bleu._aggregate_and_compute(b_stats[lo:hi]).score,
                      chrf._aggregate_and_compute(c_stats[lo:hi]).score, b_sig, c_sig)

    out: list[Scores] = []
    lo = 0
    for p_hyps, _ in parts:
        out.append(scores(lo, lo + len(p_hyps)))
        lo += len(p_hyps)
    return out, scores(0, len(hyps))
