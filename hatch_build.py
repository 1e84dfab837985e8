"""Hatchling build hook: compile the aligner's hot modules with Cython, the ``.py`` files as they are.

Which modules and why: ``bot/accel.py`` (``COMPILED``). A wheel gets the extension modules beside the ``.py``
files (which stay, the fallback); an editable install (``make test``, ``make quickstart``) gets them in the source
tree, next to the ``.py`` (gitignored). Either way ``bot/_compiled.json`` records the SHA-256 of each source
compiled, so an edited ``.py`` runs as Python until the next build instead of running stale compiled code. No
compiler, no Python headers or ``AMTS_PURE_PYTHON=1``: a warning, and the modules are installed as Python only.

Also runs as a script: ``python hatch_build.py`` compiles in place (needs Cython in that interpreter); ``--check``
exits 0 when the extensions in place are up to date.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # run as a script
    BuildHookInterface = object  # type: ignore[assignment,misc]

ROOT = Path(__file__).resolve().parent
# Cython directives: Python semantics throughout (an annotation is not a C type or an exact-type check); a call to a
# function of the same module goes straight to its C code (so those functions cannot be patched from outside).
DIRECTIVES = ("language_level=3", "annotation_typing=False", "binding=True", "optimize.inline_defnode_calls=True")


def _accel():
    spec = importlib.util.spec_from_file_location("_amts_accel", ROOT / "bot" / "accel.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cc() -> list[str]:
    paths = sysconfig.get_paths()
    return [*shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"),
            "-shared", "-fPIC", "-O2", "-fno-strict-aliasing", "-DNDEBUG", "-w",
            "-I" + paths["include"], "-I" + paths["platinclude"]]


def _check_compiler(work: Path) -> None:
    """Fail fast (before Cython's minute of work) without a C compiler or the Python headers."""
    probe = work / "probe.c"
    probe.write_text("#include <Python.h>\nint amts_probe(void) { return Py_IsInitialized(); }\n")
    subprocess.run([*_cc(), str(probe), "-o", str(work / "probe.so")], check=True, capture_output=True, text=True)


def _compile_one(name: str, root: Path, out: Path, work: Path) -> Path:
    rel = Path(*name.split("."))
    source = root / rel.with_suffix(".py")
    c_file = work / (name + ".c")
    target = out / rel.parent / (rel.name + sysconfig.get_config_var("EXT_SUFFIX"))
    target.parent.mkdir(parents=True, exist_ok=True)
    cython = [sys.executable, "-m", "cython", "--module-name", name, "-o", str(c_file), str(source)]
    for directive in DIRECTIVES:
        cython += ["-X", directive]
    subprocess.run(cython, check=True, capture_output=True, text=True)
    tmp = target.with_name(target.name + ".tmp")
    subprocess.run([*_cc(), str(c_file), "-o", str(tmp)], check=True, capture_output=True, text=True)
    tmp.replace(target)  # atomic: a running process never loads a half-written extension
    return target


def compile_modules(root: Path, out: Path) -> tuple[list[Path], Path]:
    """Compile every module of ``bot.accel.COMPILED`` from ``root`` into ``out`` (same layout); write the record.
    Returns the extension files and the record. Raises on any failure (the caller falls back to Python)."""
    accel = _accel()
    record = out / "bot" / accel.RECORD.name
    record.unlink(missing_ok=True)  # no record while half built: an old extension is never trusted meanwhile
    with tempfile.TemporaryDirectory() as work, ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        _check_compiler(Path(work))
        built = list(pool.map(lambda n: _compile_one(n, root, out, Path(work)), accel.COMPILED))
    digests = {name: accel.source_digest(root / Path(*name.split(".")).with_suffix(".py")) for name in accel.COMPILED}
    record.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return built, record


def _why(error: BaseException) -> str:
    lines = [line for line in (getattr(error, "stderr", None) or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else f"{type(error).__name__}: {error}"


class CythonHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        if os.environ.get("AMTS_PURE_PYTHON", "") not in ("", "0"):
            self.app.display_info("AMTS_PURE_PYTHON set: the aligner modules are installed as Python only")
            (root / "bot" / "_compiled.json").unlink(missing_ok=True)
            return
        out = root if version == "editable" else root / "build" / "accel"
        try:
            built, record = compile_modules(root, out)
        except Exception as error:  # no compiler, no headers, no Cython: the same modules as Python
            self.app.display_warning(f"AMTS: aligner modules not compiled ({_why(error)}); they run as Python")
            return
        self.app.display_info(f"AMTS: compiled {len(built)} aligner modules with Cython")
        if version != "editable":
            for path in (*built, record):
                build_data["force_include"][str(path)] = path.relative_to(out).as_posix()
            build_data["pure_python"] = False
            build_data["infer_tag"] = True


def up_to_date(root: Path) -> bool:
    """Whether every module of ``COMPILED`` has an extension in place compiled from its source as it is now."""
    accel = _accel()
    record = accel.read_record(root / "bot" / accel.RECORD.name)
    return all(accel.runs_compiled(name, root / Path(*name.split(".")).with_suffix(".py"), record)
               for name in accel.COMPILED)


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:  # exit 0 if the extensions in place are up to date (Makefile)
        sys.exit(0 if up_to_date(ROOT) else 1)
    files, _ = compile_modules(ROOT, ROOT)
    print("\n".join(str(f.relative_to(ROOT)) for f in files))
