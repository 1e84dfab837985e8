"""Inline protection: lossless, and every damage a translator can do is caught."""

from __future__ import annotations

import random
import re

import pytest

from bot.markdown.blocks import parse
from bot.markdown.protect import PLACEHOLDER_RE, RestoreError, from_html, placeholder_problems, protect, restore
from tests.conftest import CORPORA, DATA, Corpus

TEXT = ("See :numref:`fig_x` and [**the `loss` of $f(x)$**] in [the docs](https://d2l.ai/a_(b).html) "
        "with $$y=1$$ and <b>bold</b> &lt; and (~~skip~~) :cite:`A.B.2020,C.2021`.\n")


def prose_blocks(paths):
    for p in paths:
        for b in parse(p.read_text(encoding="utf-8")).walk():
            if b.is_prose:
                yield b


def test_protect_covers_d2l_markup():
    seg = protect(TEXT)
    kinds = seg.kinds
    for k in ("role", "code", "math", "slide-open", "slide-close", "link-open", "link-close", "html", "entity"):
        assert k in kinds, k
    words = PLACEHOLDER_RE.sub(" ", seg.text)
    assert "the docs" in words and "skip" in words and "bold" in words  # translatable text stays
    assert "fig_x" not in words and "d2l.ai" not in words and "f(x)" not in words and "loss" not in words
    assert restore(seg.text, seg) == TEXT


def test_html_rendering_round_trips_and_escapes():
    seg = protect(TEXT)
    assert '<span translate="no" data-p="0">:numref:`fig_x`</span>' in seg.html
    assert "&amp;lt;" in seg.html  # the entity is markup kept inside its span, escaped once more
    assert from_html(seg.html) == seg.text


def test_round_trip_sample_prose_blocks():
    for b in prose_blocks((DATA / "zh").glob("*.md")):
        seg = protect(b)
        assert restore(seg.text, seg) == b.text
        assert from_html(seg.html) == seg.text


@pytest.mark.parametrize("corpus", CORPORA, ids=str)
def test_round_trip_every_prose_block_of_the_corpus(corpus: Corpus):
    n = 0
    for b in prose_blocks(sorted(corpus.root.rglob("*.md"))):
        seg = protect(b)
        assert restore(seg.text, seg) == b.text
        n += 1
    assert n > (20000 if corpus.full else 1000)


def _damage(text: str, how: str, rng: random.Random) -> str:
    ph = list(PLACEHOLDER_RE.finditer(text))
    m = rng.choice(ph)
    if how == "drop":
        return text[:m.start()] + text[m.end():]
    if how == "duplicate":
        return text + " " + m.group(0)
    if how == "alter":
        return text[:m.start()] + rng.choice(["⟦ 0⟧", "⟦99⟧", "[[0]]", "⟦x⟧"]) + text[m.end():]
    # reorder: swap two placeholders
    a, b = rng.sample(ph, 2)
    a, b = sorted((a, b), key=lambda x: x.start())
    return text[:a.start()] + b.group(0) + text[a.end():b.start()] + a.group(0) + text[b.end():]


@pytest.mark.parametrize("how", ["drop", "duplicate", "alter", "reorder"])
def test_damaging_translator_is_caught_every_time(how):
    rng = random.Random(7)
    blocks = [b for b in prose_blocks((DATA / "zh").glob("*.md")) if len(protect(b).originals) >= 2]
    assert len(blocks) > 10
    for b in blocks:
        seg = protect(b)
        for _ in range(5):
            bad = _damage(seg.text, how, rng)
            errors, warnings = placeholder_problems(bad, seg)
            if how == "reorder":
                assert errors or warnings, bad  # moved markup is always reported
            else:
                assert errors, bad
                with pytest.raises(RestoreError):
                    restore(bad, seg)


def test_reordered_structure_is_an_error_but_moved_math_is_a_warning():
    seg = protect("* item with $x$ and `y`\n* second\n")
    first, second = re.findall(r"⟦\d+⟧", seg.text)[0], "⟦3⟧"
    assert seg.kinds[0] == "struct" and seg.kinds[3] == "struct"
    moved_math = "⟦0⟧中文 ⟦2⟧ 和 ⟦1⟧\n⟦3⟧第二\n"
    errors, warnings = placeholder_problems(moved_math, seg)
    assert not errors and warnings
    swapped = moved_math.replace(first, "@").replace(second, first).replace("@", second)
    errors, _ = placeholder_problems(swapped, seg)
    assert any("out of order" in e for e in errors)


def test_literal_placeholder_characters_in_source_are_protected_too():
    text = "A literal ⟦0⟧ in the source and $x$.\n"
    seg = protect(text)
    assert restore(seg.text, seg) == text
