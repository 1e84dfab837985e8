"""Start-up: ``bot.cli`` is imported by every command, so it must not import what only some commands need.

Timing is measured in benchmarks/bench_startup.py; here we check the cause (which modules get imported),
which does not depend on how busy the machine is.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("sacrebleu", "markdown_it", "rich.console", "rich.table", "rich.markdown", "pygments", "pydantic",
         "boto3", "fastapi", "git", "yaml", "rapidfuzz", "bot.evaluate", "bot.align.blocks", "bot.markdown.blocks",
         "typer.rich_utils")


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_importing_the_cli_loads_only_the_framework():
    assert _loaded_after("import bot.cli") == []


def test_help_loads_only_the_framework():
    code = ("import sys\nsys.argv = ['amts', '--help']\nimport bot.cli\ntry:\n    bot.cli.app()\n"
            "except SystemExit as e:\n    assert e.code == 0, e.code")
    assert _loaded_after(code) == []


def test_help_lists_every_command():
    out = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("blocks", "check", "align", "sync", "init", "evaluate", "serve", "action", "parallel-data",
                    "terminology"):
        assert f"  {command} " in out, command
