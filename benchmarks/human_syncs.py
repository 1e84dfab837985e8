"""Extract human sync commits of a translated D2L edition into ``before/``/``after/`` folders.

A *human sync commit* is one where a translator changed both ``X.md`` (the translation) and ``X_origin.md``
(the English it follows) and the English changed in substance (some block differs after collapsing
whitespace). For each such commit, ``extract`` writes ``<out>/<lang>-<shortsha>-<slug>/`` with ``before/``
(files at the parent), ``after/`` (files at the commit), byte-exact ``git show`` output, only for the file
pairs where both sides changed, and a short ``SYNC.md`` (repo, commit, parent, author date, message, per-file
changed block counts). The layout is the one of ``../shared/corpus/human-syncs``, so ``bench_trust`` reads
both alike.

Run ``python benchmarks/human_syncs.py [--skip SHARED_SYNCS] REPO.git OUT [COMMIT ...]`` (default: ``TR_COMMITS``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

SUFFIX = "_origin.md"

# d2l-ai/d2l-tr human sync commits (translator semercim) not already in ../shared/corpus/human-syncs,
# chosen from `git log` by message and by the check in `pairs()`: bulk machine-translation imports
# ("Add machine translation...", "add rnn", "machine translation of ...") and commits whose English did not
# change in substance are left out. Split by chapter, fixed before anything was measured: see SPLIT.
TR_COMMITS: tuple[str, ...] = (
    "69dc301", "75b18be", "edc16dd", "7cde96a", "83ebaec", "8a6b7a3", "6708e23", "19726ce",  # front matter, intro
    "749a76d", "f9aeb1a", "24f0cdd", "e3ecaac", "06aa011", "0f576c5", "2c8cf59", "3bde6a3",  # preliminaries
    "f57aff7", "2d6dd22", "eecc4d9", "230259a", "607b7a4", "4a33347", "472cfe1",  # linear networks
    "18096c7", "59e1e6b", "7bf9a11", "8d6cf8d", "c48f02c", "e2400e8", "47891b9", "c2aec28",  # MLP
    "4972d18", "44b7f9b", "a8ba1ef", "d87ae9a", "171cb4e", "0a5c7a8", "43f5b37",  # deep learning computation
    "a93c009", "5587eee", "33f4071", "df80d6f", "ce45a56", "220adc8", "7dc7794", "2b3b3ad", "aa06ce9",  # CNN, RNN
    "9a30006", "d3313a0", "86021d9", "ac02998", "0a8bfba", "e4c8683", "b12cab2", "29b8118", "bad4d96",  # fixes
    "6275801", "130b315", "3225f2c", "0073ad0", "0bafc93", "8d293f3",  # mathematics appendix
)

# Dev/held-out split by chapter (top folder of the file; files at the root are front matter), written down
# before any of the new syncs was measured. Dev: the chapters the shared dev syncs come from (CNN, modern CNN,
# RNN) and the next chapters of the same v0.17.1 wave (MLP, deep learning computation, introduction, computer
# vision). Held out, never looked at while tuning: the chapters of the shared held-out syncs (notation,
# preliminaries, modern RNN) and linear networks, the mathematics appendix, front matter, installation, preface,
# optimization, NLP pretraining, recommender systems, GANs.
DEV_CHAPTERS = frozenset({
    "chapter_convolutional-neural-networks", "chapter_convolutional-modern", "chapter_recurrent-neural-networks",
    "chapter_multilayer-perceptrons", "chapter_deep-learning-computation", "chapter_introduction",
    "chapter_computer-vision",
})


def split(path: str) -> str:
    """``dev`` or ``held-out`` for a repository-relative file path (see ``DEV_CHAPTERS``)."""
    top = path.split("/")[0] if "/" in path else ""
    return "dev" if top in DEV_CHAPTERS else "held-out"


@dataclass(frozen=True)
class Pair:
    origin: str  # repository-relative path of X_origin.md
    origin_before: str  # its path at the parent (d2l-tr renamed X_en.md -> X_origin.md while syncing)
    translation: str  # of X.md
    origin_changed: int  # changed blocks (difflib over whitespace-collapsed blocks)
    translation_changed: int


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True).stdout.decode("utf-8")


def show(repo: Path, rev: str, path: str) -> bytes | None:
    run = subprocess.run(["git", "-C", str(repo), "show", f"{rev}:{path}"], capture_output=True)
    return run.stdout if run.returncode == 0 else None


def blocks(text: str) -> list[str]:
    return [" ".join(b.split()) for b in re.split(r"\n\s*\n", text) if b.strip()]


def changed_blocks(old: str, new: str) -> int:
    a, b = blocks(old), blocks(new)
    ops = SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    return sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in ops if op != "equal")


def pairs(repo: Path, commit: str) -> list[Pair]:
    """File pairs of ``commit`` where the translation and its origin both changed, the origin in substance."""
    rows = [line.split("\t") for line in git(repo, "diff", "--name-status", "-M", f"{commit}^", commit).splitlines()]
    renamed = {paths[-1]: paths[0] for status, *paths in rows if status[0] in "MR"}  # new path -> old path
    deleted = {paths[0] for status, *paths in rows if status[0] == "D"}
    for status, *paths in rows:  # X_en.md -> X_origin.md rewritten so much that git did not pair them
        old = paths[0].removesuffix(SUFFIX) + "_en.md"
        if status[0] == "A" and paths[0].endswith(SUFFIX) and old in deleted:
            renamed[paths[0]] = old
    out = []
    for origin in sorted(n for n in renamed if n.endswith(SUFFIX)):
        tr = origin[: -len(SUFFIX)] + ".md"
        if renamed.get(tr) != tr:
            continue  # translation unchanged, added or moved: not a sync of an existing translation
        sides = [show(repo, f"{commit}^", renamed[origin]), show(repo, f"{commit}^", tr),
                 show(repo, commit, origin), show(repo, commit, tr)]
        if any(s is None for s in sides):
            continue
        o0, t0, o1, t1 = (s.decode("utf-8") for s in sides)
        n_origin = changed_blocks(o0, o1)
        if n_origin:
            out.append(Pair(origin, renamed[origin], tr, n_origin, changed_blocks(t0, t1)))
    return out


def slug(pairs_: list[Pair]) -> str:
    chapters = sorted({Path(p.origin).parent.name.removeprefix("chapter_") for p in pairs_})
    stems = sorted(Path(p.translation).stem for p in pairs_)
    name = "-".join(chapters[:1] + stems[:2]) if len(stems) <= 2 else "-".join(chapters[:2])
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:48]


def known(folders: Path) -> set[tuple[str, str]]:
    """(commit, translation path) pairs already extracted under ``folders`` (one sync folder each)."""
    have = set()
    for sync in folders.glob("*/SYNC.md"):
        commit = re.search(r"^- commit: (\w+)", sync.read_text(encoding="utf-8"), re.M)
        for md in (sync.parent / "after").rglob("*.md"):
            if commit and not md.name.endswith(SUFFIX):
                have.add((commit.group(1), md.relative_to(sync.parent / "after").as_posix()))
    return have


def extract(repo: Path, commit: str, out: Path, lang: str, source: str,
            skip: set[tuple[str, str]] = frozenset()) -> list[Path]:
    """One folder per split group of ``commit``'s pairs, leaving out the pairs in ``skip``."""
    full = git(repo, "rev-parse", commit).strip()
    found = [p for p in pairs(repo, commit) if (full, p.translation) not in skip]
    groups: dict[str, list[Pair]] = {}
    for p in found:
        groups.setdefault(split(p.translation), []).append(p)
    return [_write(repo, full, group, out, lang, source) for group in groups.values()]


def _write(repo: Path, full: str, found: list[Pair], out: Path, lang: str, source: str) -> Path:
    parent = git(repo, "rev-parse", f"{full}^").strip()
    meta = git(repo, "log", "-1", "--format=%an%n%aI%n%s", full).splitlines()
    folder = out / f"{lang}-{full[:7]}-{slug(found)}"
    for side, rev in (("before", parent), ("after", full)):
        for p in found:
            for path, src in ((p.origin, p.origin_before if side == "before" else p.origin), (p.translation,) * 2):
                dest = folder / side / path
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(show(repo, rev, src) or b"")
    rows = "\n".join(f"| `{p.translation[:-3]}` | {p.origin_changed} | {p.translation_changed} |"
                     + (f" before: `{p.origin_before}` |" if p.origin_before != p.origin else " |") for p in found)
    (folder / "SYNC.md").write_text(
        f"# {folder.name}\n\n- repo: {source}\n- commit: {full}\n- parent: {parent}\n- author: {meta[0]}\n"
        f"- author date: {meta[1]}\n- message (first line): {meta[2]}\n- language: {lang}\n"
        f"- split: {split(found[0].translation)}\n\n"
        "`before/` = files at the parent commit, `after/` = files at the commit (byte-exact `git show`; an origin\n"
        "renamed in the commit, `X_en.md` -> `X_origin.md`, is stored under its new name in `before/` too).\n\n"
        "| file | origin blocks changed | translation blocks changed | origin renamed from |\n"
        "|---|---|---|---|\n" + rows + "\n",
        encoding="utf-8")
    return folder


def main(argv: list[str]) -> int:
    skip: set[tuple[str, str]] = set()
    if len(argv) > 1 and argv[0] == "--skip":
        skip, argv = known(Path(argv[1])), argv[2:]
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    repo, out = Path(argv[0]), Path(argv[1])
    for commit in argv[2:] or TR_COMMITS:
        folders = extract(repo, commit, out, "tr", "d2l-ai/d2l-tr (https://github.com/d2l-ai/d2l-tr)", skip)
        names = ", ".join(f.name for f in folders) or "skipped: no new pair whose English changed in substance"
        print(f"{commit} -> {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
