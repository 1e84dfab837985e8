"""The process pool behind ``parallel-data build --jobs``: in-order results, errors raised, nothing lost."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading

import pytest

from bot.filepool import map_ordered, start_method, usable_cpus


def square_in_worker(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def fail_on_two(x: int) -> int:
    if x == 2:
        raise ValueError(f"bad item {x}")
    return x


def die_in_worker_on_three(x: int) -> int:
    """A worker process that dies (as if killed) on item 3; in the parent process it computes as usual."""
    if x == 3 and multiprocessing.parent_process() is not None:
        os._exit(9)
    return -x


def test_results_come_in_item_order_whatever_order_they_are_submitted_in():
    items = list(range(12))
    finished: list[int] = []
    got = map_ordered(square_in_worker, items, 2, cost=lambda x: x, done=finished.append)
    assert [v for v, _ in got] == [x * x for x in items]
    assert sorted(finished) == items  # every item reported once
    assert os.getpid() not in {pid for _, pid in got}  # computed by worker processes, not here


def test_one_job_runs_here_in_order():
    finished: list[int] = []
    got = map_ordered(square_in_worker, [3, 1, 2], 1, done=finished.append)
    assert got == [(9, os.getpid()), (1, os.getpid()), (4, os.getpid())] and finished == [0, 1, 2]


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_error_in_an_item_is_raised_here(jobs):
    with pytest.raises(ValueError, match="bad item 2"):
        map_ordered(fail_on_two, list(range(6)), jobs)


def test_a_worker_that_dies_loses_nothing():
    finished: list[int] = []
    got = map_ordered(die_in_worker_on_three, list(range(8)), 2, done=finished.append)
    assert got == [-x for x in range(8)]
    assert sorted(finished) == list(range(8))


def test_workers_are_spawned_when_this_process_runs_threads():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert start_method() == "spawn"
        assert [v for v, _ in map_ordered(square_in_worker, [1, 2, 3], 2)] == [1, 4, 9]
    finally:
        stop.set()
        thread.join()


def test_a_one_thread_process_forks_and_counts_its_cpus():
    out = subprocess.run([sys.executable, "-c", "from bot.filepool import start_method, usable_cpus; "
                          "print(start_method(), usable_cpus())"], capture_output=True, text=True, check=True)
    method, cpus = out.stdout.split()
    assert method == ("fork" if sys.platform == "linux" else method)
    assert int(cpus) == usable_cpus() >= 1
