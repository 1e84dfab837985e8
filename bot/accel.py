"""Compiled aligner modules: which ones, and whether this process runs them compiled or as Python.

The build (``hatch_build.py``, a hatchling build hook) compiles the modules of ``COMPILED`` with Cython, the ``.py``
files as they are, into extension modules next to them (an editable install) or into the wheel, and records the
SHA-256 of every source it compiled in ``bot/_compiled.json``. Python's import system prefers an extension module to
the ``.py`` of the same name, so nothing else changes. ``install()`` (run by ``bot/__init__.py``) puts a finder in
front that loads the ``.py`` source instead when

* ``AMTS_PURE_PYTHON=1`` is set (the reference: the tests build both ways and compare the bytes), or
* the ``.py`` is not the source the extension was compiled from (edited since the last build: never run stale code).

Without a compiler the build installs the same modules as Python (no extension, no record) and they run as such.
The markdown parser (``bot.markdown``) is not compiled on purpose: issue 10 measures the build against the parse.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

COMPILED = (
    "bot.align.blocks",
    "bot.align.lexicon",
    "bot.align.sentalign",
    "bot.align.sentences",
    "bot.align.textpairs",
    "bot.align.units",
    "bot.paralleldata",
)
RECORD = Path(__file__).with_name("_compiled.json")
PURE_ENV = "AMTS_PURE_PYTHON"


def pure_requested() -> bool:
    return os.environ.get(PURE_ENV, "") not in ("", "0")


def source_digest(path: Path) -> str:
    """SHA-256 of a module's source and of its Cython declarations (``x.pxd`` beside ``x.py``), if any."""
    digest = hashlib.sha256(path.read_bytes())
    if path.with_suffix(".pxd").is_file():
        digest.update(path.with_suffix(".pxd").read_bytes())
    return digest.hexdigest()


def read_record(path: Path) -> dict[str, str]:
    """Module name -> SHA-256 of the source its extension was compiled from ({} when nothing was compiled)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def extension_of(source: Path) -> Path | None:
    """The extension module beside ``source`` (``x.py`` -> ``x.cpython-311-...so``), if there is one."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        if source.with_suffix(suffix).is_file():
            return source.with_suffix(suffix)
    return None


def runs_compiled(name: str, source: Path, record: dict[str, str]) -> bool:
    """Whether module ``name`` (its source at ``source``) is to be loaded from its extension."""
    return not pure_requested() and extension_of(source) is not None and record.get(name) == source_digest(source)


class SourceFirst:
    """A meta-path finder: a module of ``COMPILED`` comes from its ``.py`` unless ``runs_compiled``."""

    def __init__(self, record: Path = RECORD) -> None:
        self.record_path = record

    @cached_property
    def record(self) -> dict[str, str]:
        return read_record(self.record_path)

    def find_spec(self, name: str, path: Sequence[str] | None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        if name not in COMPILED or not path:
            return None
        for entry in path:
            source = Path(entry) / (name.rpartition(".")[2] + ".py")
            if not source.is_file():
                continue
            if runs_compiled(name, source, self.record):
                return None  # the default finders load the extension, which they try before the source
            loader = importlib.machinery.SourceFileLoader(name, str(source))
            return importlib.util.spec_from_file_location(name, source, loader=loader)
        return None


def install() -> None:
    if not any(isinstance(f, SourceFirst) for f in sys.meta_path):
        sys.meta_path.insert(0, SourceFirst())


def status() -> dict[str, bool]:
    """Module name -> whether it runs compiled in this process (for the modules imported so far)."""
    return {name: not str(getattr(sys.modules[name], "__file__", "")).endswith(".py")
            for name in COMPILED if name in sys.modules}
