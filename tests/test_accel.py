"""Compiled aligner modules (bot/accel.py, hatch_build.py): the same output as the Python they are compiled from,
and Python whenever the extension is missing, stale or not wanted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import accel
from tests.conftest import DATA

ROOT = Path(__file__).resolve().parents[1]
BOOK = DATA / "corpus" / "d2l-zh"
# One build of the bundled book's 8 file pairs at both granularities, its block alignments with their scores, and
# which modules ran compiled: the whole output, printed as JSON.
SCRIPT = """
import json, sys
from pathlib import Path
from bot import accel, paralleldata as pd
from bot.align.blocks import align
from bot.markdown.io import read_document
book = Path(sys.argv[1])
out = {}
for granularity in ("sentence", "paragraph"):
    report = pd.build(book, "zh", granularity=granularity, jobs=1)
    out[granularity] = pd.render(report.pairs, "en", "zh", "tmx")
pairs, _ = pd.find_pairs(book)
out["blocks"] = [repr(align(read_document(o), read_document(t)).pairs) for o, t in pairs]
out["status"] = accel.status()
print(json.dumps(out))
"""


def _run(pure: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != accel.PURE_ENV}
    if pure:
        env[accel.PURE_ENV] = "1"
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(BOOK)], capture_output=True, text=True, env=env,
                          cwd=ROOT, check=True)
    return json.loads(done.stdout)


def _installed_compiled() -> dict[str, bool]:
    """Module -> whether this install has an up-to-date extension for it (checked from the files, not by importing)."""
    record = accel.read_record(accel.RECORD)
    sources = {name: ROOT / Path(*name.split(".")).with_suffix(".py") for name in accel.COMPILED}
    return {name: accel.extension_of(src) is not None and record.get(name) == accel.source_digest(src)
            for name, src in sources.items()}


def test_compiled_and_pure_python_builds_are_identical():
    expected = _installed_compiled()
    if not any(expected.values()):
        if os.environ.get("CI"):  # CI's machines have a compiler: the build hook must have compiled
            pytest.fail("no compiled aligner module in this install")
        pytest.skip("no compiled aligner module in this install (no compiler, or sources edited since the build)")
    pure, compiled = _run(pure=True), _run(pure=False)
    assert pure["status"] == dict.fromkeys(accel.COMPILED, False)
    assert compiled["status"] == expected
    assert pure["sentence"].count("<tu>") > 400 and pure["paragraph"].count("<tu>") > 100
    for what in ("sentence", "paragraph", "blocks"):
        assert compiled[what] == pure[what], what


def _package(tmp_path: Path, record: dict[str, str] | None) -> tuple[Path, Path]:
    """A directory holding ``sentalign.py`` beside an (empty) extension file, and a record for it."""
    source = tmp_path / "sentalign.py"
    source.write_text("X = 1\n", encoding="utf-8")
    source.with_suffix(accel.importlib.machinery.EXTENSION_SUFFIXES[0]).write_bytes(b"")
    path = tmp_path / "_compiled.json"
    if record is not None:
        path.write_text(json.dumps(record), encoding="utf-8")
    return source, path


@pytest.mark.parametrize("case", ["current", "stale", "no record", "pure requested"])
def test_the_extension_is_used_only_when_compiled_from_the_source_as_it_is(tmp_path, monkeypatch, case):
    digest = "0" * 64 if case == "stale" else None
    source, record = _package(tmp_path, None if case == "no record" else {})
    if case != "no record":
        record.write_text(json.dumps({"bot.align.sentalign": digest or accel.source_digest(source)}))
    monkeypatch.delenv(accel.PURE_ENV, raising=False)
    if case == "pure requested":
        monkeypatch.setenv(accel.PURE_ENV, "1")
    spec = accel.SourceFirst(record).find_spec("bot.align.sentalign", [str(tmp_path)])
    if case == "current":
        assert spec is None  # left to the default finders, which load the extension
    else:
        assert spec is not None and spec.origin == str(source)
    assert accel.SourceFirst(record).find_spec("bot.markdown.blocks", [str(tmp_path)]) is None


def test_a_failed_compile_leaves_no_record(tmp_path, monkeypatch):
    """No compiler (``CC`` that fails): compile_modules raises at once, for the hook to install Python only, and
    writes no record, so no extension left from an earlier build is trusted."""
    sys.path.insert(0, str(ROOT))
    try:
        import hatch_build
    finally:
        sys.path.remove(str(ROOT))
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "_compiled.json").write_text("{}")
    monkeypatch.setenv("CC", "false")
    with pytest.raises(subprocess.CalledProcessError):
        hatch_build.compile_modules(ROOT, tmp_path)
    assert not (tmp_path / "bot" / "_compiled.json").exists()
