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

from tests.standins.github_server import SPEC_PATH, FakeGitHub


@pytest.fixture
def fake_github(tmp_path: Path) -> Iterator[FakeGitHub]:
    """A started fake GitHub for one test; stopped (and checked for validation errors) afterwards."""
    server = FakeGitHub(tmp_path / "fake-github", spec_file=SPEC_PATH).start()
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
