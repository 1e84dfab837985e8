"""A pure function over many items in worker processes: results in the items' order, progress as each ends.

The thin adapter between a per-item function (``bot.paralleldata.align_file``: one file pair in, its text pairs
out) and ``concurrent.futures``. What it guarantees, so a caller can swap ``jobs=1`` for ``jobs=N``:

* the same list as ``[fn(x) for x in items]``, in the items' order, whatever order the workers finish in;
* an exception ``fn`` raises is raised here, as it would be in process (the pending items are cancelled);
* a worker process that dies (killed, out of memory) loses nothing: the items it did not finish are computed
  here, one after the other;
* ``done(i)`` runs in this process once item ``i`` is finished (in completion order), for a progress bar.

Workers are forked when this process runs a single thread (they inherit the imported modules and start in
milliseconds; no lock can be held by a thread the child does not have), else spawned (safe under threads,
~0.1 s of imports per worker). A caller that shows progress should therefore not run a refresh thread.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask, e.g. a container's cpuset), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def start_method() -> str:
    """``fork`` when this process runs one thread and the platform has it, else ``spawn``."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


def map_ordered(fn: Callable[[T], R], items: Sequence[T], jobs: int, *,
                initializer: Callable[[], object] | None = None, cost: Callable[[T], float] | None = None,
                done: Callable[[int], None] | None = None) -> list[R]:
    """``[fn(x) for x in items]`` computed by ``jobs`` worker processes (``jobs <= 1`` or one item: here).

    ``fn`` and the items must pickle (``fn`` a module-level function). ``initializer`` runs once in each worker
    (e.g. loading data every call needs; an optimisation only: the in-process path does not call it).
    ``cost(x)`` orders the submission, largest first, so the last items to start are small ones and the workers
    finish together; the result order is the items' order regardless."""
    if jobs <= 1 or len(items) <= 1:
        out = []
        for i, x in enumerate(items):
            out.append(fn(x))
            if done:
                done(i)
        return out
    order = sorted(range(len(items)), key=lambda i: -cost(items[i])) if cost else range(len(items))
    results: dict[int, R] = {}
    lost: list[int] = []
    context = multiprocessing.get_context(start_method())
    with ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=context, initializer=initializer) as pool:
        futures: dict[Future[R], int] = {pool.submit(fn, items[i]): i for i in order}
        try:
            for future in as_completed(futures):
                i = futures[future]
                try:
                    results[i] = future.result()
                except BrokenProcessPool:
                    lost.append(i)
                    continue
                if done:
                    done(i)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    for i in sorted(lost):
        results[i] = fn(items[i])
        if done:
            done(i)
    return [results[i] for i in range(len(items))]
