"""The App's worker in its own process, killed with SIGKILL at a chosen step of the job it runs (for
tests/test_github_faults.py). Same state as the test's harness: its SQLite queue, its clones, the fake
GitHub; only the kill point is patched in, here, never in the shipped code.

    python -m tests.crash_worker '{"config": ..., "key": ..., "url": ..., "work": ..., "db": ..., "kill": ...}'
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import bot.github.api as api
import bot.github.pulls as pulls_module
from bot.config import parse_config
from bot.github.auth import AppAccess, AppCredentials, ClientSettings
from bot.github.handlers import JobHandler
from bot.github.pulls import PullRequests
from bot.github.queue import JobQueue, Worker
from bot.github.store import Database
from bot.github.workspace import Workspace

#: the steps of a push job, in order
KILL_POINTS = ("before_sync", "after_commit", "after_push", "after_pr_update", "after_job")


def _die(point: str) -> None:
    print(f"killed {point}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def _patch(point: str) -> None:
    if point in ("before_sync", "after_commit"):
        real_sync = pulls_module.run_sync

        def sync(*args, **kwargs):
            if point == "before_sync":
                _die(point)
            result = real_sync(*args, **kwargs)
            if result.commit:
                _die(point)  # committed on the local branch, nothing pushed
            return result

        pulls_module.run_sync = sync
    elif point == "after_push":
        real_push = pulls_module.push

        def push(*args, **kwargs):
            result = real_push(*args, **kwargs)
            _die(point)  # the branch (and its run notes) are on GitHub; the PR is not
            return result

        pulls_module.push = push
    elif point == "after_pr_update":
        real_create = api.create_or_update_pull

        def create(*args, **kwargs):
            result = real_create(*args, **kwargs)
            _die(point)  # the PR exists with its body; no status comment yet, the job not marked done
            return result

        api.create_or_update_pull = create
    elif point == "after_job":
        real_call = JobHandler.__call__

        def call(self, job):
            real_call(self, job)
            _die(point)  # everything done on GitHub; the queue still says "running"

        JobHandler.__call__ = call
    else:
        raise SystemExit(f"unknown kill point {point!r}; one of {', '.join(KILL_POINTS)}")


def main(args: dict) -> None:
    config = parse_config(args["config"])
    access = AppAccess(AppCredentials(str(args["app_id"]), args["key"]),
                       ClientSettings(base_url=args["url"], retry=None, throttle=False))
    pulls = PullRequests(config, access, Workspace(Path(args["work"])))
    _patch(args["kill"])
    ran = Worker(JobQueue(Database(Path(args["db"]))), JobHandler(pulls)).drain()
    print(f"survived after {ran} job(s)", flush=True)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
