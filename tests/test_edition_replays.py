"""``benchmarks/edition_replays.py``: an edition replay built from real git repositories, with its own origin files
or (an edition without them, d2l-pt) from the upstream revision its translation followed (``--init-from``)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from benchmarks.edition_replays import build


def _repo(path: Path, files: dict[str, str], tag: str | None = None) -> Path:
    if not (path / ".git").exists():
        subprocess.run(["git", "init", "-q", str(path)], check=True)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text, encoding="utf-8")
    subprocess.run(["git", "-C", str(path), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(path), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
                   check=True)
    if tag:
        subprocess.run(["git", "-C", str(path), "tag", tag], check=True)
    return path / ".git"


def test_an_edition_without_origin_files_is_replayed_from_the_revision_it_followed(tmp_path):
    en = _repo(tmp_path / "en", {"chapter_a/x.md": "Old English.\n", "chapter_a/y.md": "Same.\n"}, "v1")
    _repo(tmp_path / "en", {"chapter_a/x.md": "New English.\n"}, "v2")
    pt = _repo(tmp_path / "pt", {"chapter_a/x.md": "Português antigo.\n", "chapter_a/y.md": "Igual.\n",
                                 "README.md": "Livro.\n"})
    folder = build(en, pt, "pt", "v2", tmp_path / "out", "d2l-ai/d2l-pt", init_from="v1")
    assert folder.name == "pt-to-v2"
    # only the file whose English changed between v1 and v2 is replayed; its origin is upstream's x.md at v1
    assert (folder / "edition" / "chapter_a" / "x_origin.md").read_text(encoding="utf-8") == "Old English.\n"
    assert (folder / "edition" / "chapter_a" / "x.md").read_text(encoding="utf-8") == "Português antigo.\n"
    assert (folder / "after" / "chapter_a" / "x.md").read_text(encoding="utf-8") == "New English.\n"
    assert not (folder / "edition" / "chapter_a" / "y.md").exists() and not (folder / "edition" / "README.md").exists()
    assert "- origins: d2l-en at `v1` (the edition has none)" in (folder / "RANGE.md").read_text(encoding="utf-8")
    # without --init-from the edition's own origin files are used: it has none, so nothing is replayed
    folder = build(en, pt, "pt", "v2", tmp_path / "own", "d2l-ai/d2l-pt")
    assert not (folder / "edition").exists()
