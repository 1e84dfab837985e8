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
