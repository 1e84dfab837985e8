"""Shared test settings: where the test data lives, and the local stand-ins.

Every feature is tested from the attributed fixtures in ``tests/data`` (see ``tests/data/ATTRIBUTION.md``),
so a lone clone runs the whole suite. Use these names:

- ``DATA``: ``tests/data``; ``DATA / "zh" / "approx-training{,_origin}.md"`` is the small pair most unit
  tests read.
- ``CORPUS``: ``tests/data/corpus``, a subset of the team corpus with the SAME layout as ``../shared/corpus``:
  ``d2l-zh/`` (8 pairs ``X.md`` + ``X_origin.md``), ``d2l-zh-raw-mt/`` (raw Amazon Translate output of the
  same files), ``d2l-en/`` (English v0.17.0 of them), ``d2l-en-history/`` (replay ranges ``r1-small-typo``,
  ``r2-medium-rewrite`` and ``r3-attention-subset``: ``before/`` + ``patches/`` = ``after/``, ``zh/``).
  Code that takes the shared corpus root (``--corpus``) takes this one too.
- ``HISTORY``: ``CORPUS / "d2l-en-history"``, for ``bot.sync.replay.build_replay(HISTORY / "r1-small-typo", tmp)``.
- ``GOLD``: ``tests/data/gold`` (``blocks/``, ``sentences/``, the pairs they describe in ``corpus/``; see its
  README.md). ``TEAM_GOLD_BLOCKS``: the three block files copied from the team's ``shared/gold``, the ones
  the block model's rules were checked against span for span (the rest is scored by tests/test_gold.py).
- ``GITHUB``: ``tests/data/github`` (``openapi/amts-subset.json`` the fake GitHub validates against,
  ``webhooks/<event>/*.json`` real payloads); the fake GitHub and ``load_payload`` use it by default.

Extra coverage over the team's whole corpus (``../shared``, present on the team's machines and in CI; or
``AMTS_SHARED=/work/shared`` in a checkout that has no ``../shared`` beside it):

- ``CORPORA``: ``(Corpus(CORPUS), Corpus(SHARED / "corpus", full=True) if present)``; parametrize a
  corpus-wide property over it (``@pytest.mark.parametrize("corpus", CORPORA, ids=str)``) and scale the
  "not vacuous" counts with ``corpus.full``.
- ``@needs_shared`` (the ``shared`` marker): a test that only makes sense on the whole book. Without
  ``../shared`` such tests are deselected (counted in pytest's summary, named in the header), never skipped;
  whatever feature they touch must also be tested from ``tests/data``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest_plugins = ["tests.standins.fixtures", "tests.standins.github_fixtures"]

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
CORPUS = DATA / "corpus"
HISTORY = CORPUS / "d2l-en-history"
GOLD = DATA / "gold"
GITHUB = DATA / "github"
TEAM_GOLD_BLOCKS = ("chapter_computational-performance/hybridize.tsv",
                    "chapter_natural-language-processing-applications/sentiment-analysis-and-dataset.tsv",
                    "chapter_natural-language-processing-pretraining/approx-training.tsv")

#: the team data; ``AMTS_SHARED=/path/to/shared`` points a checkout elsewhere (e.g. a git worktree)
SHARED = Path(os.environ.get("AMTS_SHARED") or ROOT.parent / "shared")
HAS_SHARED = (SHARED / "corpus").is_dir()


@dataclass(frozen=True)
class Corpus:
    """A corpus root laid out like ``../shared/corpus``: the bundled subset, or the team's whole corpus."""

    root: Path
    full: bool = False

    def __str__(self) -> str:
        return "shared" if self.full else "tests-data"


CORPORA: tuple[Corpus, ...] = (Corpus(CORPUS),) + ((Corpus(SHARED / "corpus", full=True),) if HAS_SHARED else ())

needs_shared = pytest.mark.shared


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "shared: extra coverage over the whole team corpus (../shared); deselected when it is absent")


def pytest_report_header(config: pytest.Config) -> str:
    if HAS_SHARED:
        return f"team data: {SHARED} (tests marked 'shared' run as extra coverage)"
    return f"team data: {SHARED} absent: tests marked 'shared' (whole-book extra coverage) are deselected"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if HAS_SHARED:
        return
    dropped = [item for item in items if item.get_closest_marker("shared")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not item.get_closest_marker("shared")]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own empty $AMTS_CACHE (alignment cache, clones): tests never share or leave
    state in ~/.cache/amts, and a cold cache is what each test sees unless it warms one itself."""
    monkeypatch.setenv("AMTS_CACHE", str(tmp_path_factory.mktemp("amts-cache")))
