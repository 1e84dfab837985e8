"""Shared test settings: where the team's shared data lives, and the local stand-ins."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.standins.fixtures", "tests.standins.github_fixtures"]

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = ROOT / "tests" / "data"

needs_shared = pytest.mark.skipif(not (SHARED / "corpus").is_dir(),
                                  reason="../shared (team corpus, gold and fixtures) is not beside this checkout")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own empty $AMTS_CACHE (alignment cache, clones): tests never share or leave
    state in ~/.cache/amts, and a cold cache is what each test sees unless it warms one itself."""
    monkeypatch.setenv("AMTS_CACHE", str(tmp_path_factory.mktemp("amts-cache")))
