"""Pytest fixtures for the fake GitHub.

Register with ``pytest_plugins = ["tests.standins.github_fixtures"]``.

``fake_github`` gives each test its own server (own port, own bare repos under ``tmp_path``), so tests
stay independent and run in parallel under pytest-xdist. At teardown it fails the test when the fake
recorded any OpenAPI validation error, because an exchange GitHub would not produce (or accept) is a bug
either in the code under test or in the fake. A test that provokes such errors on purpose asserts on
them and then clears the list.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from github import Auth, Github

from tests.standins.github_server import FakeGitHub

#: ``../shared`` beside the repository root (the team's read-only fixtures)
SHARED_DIR = Path(__file__).resolve().parents[2].parent / "shared"
SPEC_FILE = SHARED_DIR / "fixtures" / "github" / "openapi" / "amts-subset.json"
WEBHOOKS_DIR = SHARED_DIR / "fixtures" / "github" / "webhooks"


def require_github_fixtures() -> None:
    """Skip (not fail) when the shared fixtures are absent, e.g. in a lone clone of the repository."""
    if not SPEC_FILE.is_file():
        pytest.skip(
            f"GitHub OpenAPI subset not found at {SPEC_FILE}: the fake GitHub validates every exchange "
            "against it; put the team's ../shared checkout beside this repository to run these tests"
        )


@pytest.fixture
def fake_github(tmp_path: Path) -> Iterator[FakeGitHub]:
    """A started fake GitHub for one test; stopped (and checked for validation errors) afterwards."""
    require_github_fixtures()
    server = FakeGitHub(tmp_path / "fake-github", spec_file=SPEC_FILE).start()
    try:
        yield server
    finally:
        server.stop()
    if server.validation_errors:
        pytest.fail(
            "fake GitHub recorded OpenAPI validation errors:\n" + "\n".join(server.validation_errors),
            pytrace=False,
        )


@pytest.fixture
def github_client(fake_github: FakeGitHub) -> Github:
    """PyGithub pointed at the fake with no retries and no write throttling, so failures surface at once."""
    return Github(
        base_url=fake_github.url,
        auth=Auth.Token("amts-test-token"),
        retry=None,
        seconds_between_requests=0,
        seconds_between_writes=0,
    )
