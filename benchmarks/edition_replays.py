"""Build an edition replay: a translated edition's files and the upstream English they must be synced to.

For every ``X_origin.md`` of the edition (at ``EDITION_REV``) whose upstream file ``X.md`` differs at
``TARGET`` (a d2l-en tag), ``OUT/<lang>-to-<target>/`` gets ``after/X.md`` (the English at the target),
``edition/X.md`` and ``edition/X_origin.md`` (the edition's files, byte-exact ``git show``; the origin is the
English the translation follows) and a ``RANGE.md``. ``bench_trust.py`` part 3 replays them: upstream = the
origins committed as ``X.md``, then ``after/`` committed; edition = ``edition/``.

An edition without origin files (d2l-pt) is replayed as ``needs_init`` + ``init_from`` would start it: pass
``--init-from REV`` (the upstream revision its translation followed) and every ``X.md`` of the edition that
upstream has at REV gets the English at REV as its origin.

Run ``python benchmarks/edition_replays.py EN.git EDITION.git LANG TARGET OUT [SOURCE [CHAPTER ...]]
[--init-from REV]``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SUFFIX = "_origin.md"


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(repo), *args], check=True, capture_output=True).stdout


def _show(repo: Path, rev: str, path: str) -> bytes | None:
    run = subprocess.run(["git", "--git-dir", str(repo), "show", f"{rev}:{path}"], capture_output=True)
    return run.stdout if run.returncode == 0 else None


def _origins(en: Path, edition: Path, rev: str, names: list[str], init_from: str | None) -> dict[str, bytes | None]:
    """``X_origin.md`` → its bytes: the edition's own files, or (``init_from``) upstream's ``X.md`` at that rev."""
    if init_from is None:
        return {n: _show(edition, rev, n) for n in sorted(names) if n.endswith(SUFFIX)}
    return {n[:-3] + SUFFIX: _show(en, init_from, n) for n in sorted(names)
            if n.endswith(".md") and not n.endswith(SUFFIX) and "/" in n}


def build(en: Path, edition: Path, lang: str, target: str, out: Path, source: str, rev: str = "HEAD",
          chapters: tuple[str, ...] = (), init_from: str | None = None) -> Path:
    """``chapters``: only files under these top folders (a large range kept small enough to ship)."""
    folder = out / f"{lang}-to-{target}"
    names = [n for n in _git(edition, "ls-tree", "-r", "--name-only", rev).decode().splitlines()
             if not chapters or n.split("/")[0] in chapters]
    rows = []
    for origin, old in _origins(en, edition, rev, names, init_from).items():
        path = origin[: -len(SUFFIX)] + ".md"
        new, tr = _show(en, target, path), _show(edition, rev, path)
        if old is None or new is None or tr is None or old == new:
            continue
        for side, data in (("after", new), ("edition", tr)):
            dest = folder / side / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        (folder / "edition" / origin).write_bytes(old)
        rows.append(f"| `{path}` | {len(old)} | {len(new)} |")
    sha = _git(edition, "rev-parse", rev).decode().strip()
    folder.mkdir(parents=True, exist_ok=True)  # also when no origin file differs (or the edition has none)
    (folder / "RANGE.md").write_text(
        f"# {folder.name}\n\n- edition: {source} at `{sha}`\n- upstream: d2l-ai/d2l-en at tag `{target}`\n"
        f"- language: {lang}\n" + (f"- origins: d2l-en at `{init_from}` (the edition has none)\n" if init_from else "")
        + (f"- chapters: {', '.join(chapters)}\n" if chapters else "") +
        "\nEvery file of the edition whose origin differs from the upstream file at the target "
        "(copied unchanged: text CC BY-SA 4.0, code MIT-0).\n\n| file | origin bytes | target bytes |\n|---|---|---|\n"
        + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


if __name__ == "__main__":
    if len(sys.argv) < 6:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        sys.exit(2)
    args = sys.argv[1:]
    init = args[args.index("--init-from") + 1] if "--init-from" in args else None
    if init is not None:
        del args[args.index("--init-from"):args.index("--init-from") + 2]
    en_, ed_, lang_, target_, out_ = args[:5]
    print(build(Path(en_), Path(ed_), lang_, target_, Path(out_), args[5] if len(args) > 5 else ed_,
                chapters=tuple(args[6:]), init_from=init))
