"""Start-up time of the ``amts`` command next to the CLI framework alone.

Run: ``python benchmarks/bench_startup.py``. Every command imports ``bot.cli``; the heavy libraries
(markdown-it, sacrebleu, boto3, FastAPI, the aligner) are imported by the commands that use them, so
``amts --help`` should cost about what ``import typer, rich`` costs (target: <= 1.5x). Runs alternate
between the commands, and the median of each is compared, so a busy machine slows both alike.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 15

COMMANDS = {
    "python -c 'import typer, rich'": [sys.executable, "-c", "import typer, rich"],
    "amts --help": [sys.executable, "-m", "bot", "--help"],
    "amts sync --help": [sys.executable, "-m", "bot", "sync", "--help"],
    "amts evaluate --help": [sys.executable, "-m", "bot", "evaluate", "--help"],
    "python -c 'import bot.cli'": [sys.executable, "-c", "import bot.cli"],
}


def _time(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for cmd in COMMANDS.values():  # warm the file cache once
        _time(cmd)
    for _ in range(RUNS):
        for name, cmd in COMMANDS.items():
            samples[name].append(_time(cmd))
    base = statistics.median(samples["python -c 'import typer, rich'"])
    print(f"start-up, median of {RUNS} runs each (interleaved)")
    for name, times in samples.items():
        med = statistics.median(times)
        print(f"  {name:<32} {med * 1000:7.0f} ms  {med / base:5.2f}x")
    ratio = statistics.median(samples["amts --help"]) / base
    print(f"ratio amts --help / import typer, rich = {ratio:.2f}x (target <= 1.50x)")


if __name__ == "__main__":
    main()
