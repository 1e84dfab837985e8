"""Issue 9: a stale origin file keeps the edition's cells that upstream deleted or moved (kept-stale); upstream's
new version of such a cell must then not be added beside it (found replaying d2l-zh to master against d2l-en's
real history: an import cell twice in sequence.md, ``download`` defined twice in kaggle-house-price.md)."""

from __future__ import annotations

from bot.markdown.blocks import Kind, parse
from bot.sync.plan import plan_file, render_file

IMPORTS = "%matplotlib inline\nfrom d2l import mxnet as d2l\nfrom mxnet import autograd, np, npx\n"
ORIGIN = f"# Title\n\nWe look at sequences here.\n\n```{{.python .input}}\n{IMPORTS}```\n\nThen we plot them.\n"
NEW = (f"# Title\n\n```{{.python .input}}\n%%tab mxnet\n{IMPORTS}```\n\n"
       "We look at sequences here.\n\nThen we plot them.\n")
EDITION = f"# 标题\n\n这里我们研究序列。\n\n```{{.python .input}}\n{IMPORTS}```\n\n然后画出它们。\n"


def identity(t: str) -> str:
    return t


def _cells(text: str) -> list[str]:
    return [b.text for b in parse(text).blocks if b.kind == Kind.CODE]


def test_a_cell_upstream_moved_is_not_added_twice_when_the_origin_is_stale():
    out = render_file(plan_file("x.md", ORIGIN, NEW, EDITION, stale=True), {}, identity)
    assert len(_cells(out.edition_text)) == 1
    (u,) = [u for u in out.units if u.action == "already-in-edition"]
    assert "stale-origin-review" in u.flags and "moved" in u.notes[0]


def test_with_a_known_origin_the_moved_cell_goes_where_upstream_put_it():
    out = render_file(plan_file("x.md", ORIGIN, NEW, EDITION), {}, identity)
    (cell,) = _cells(out.edition_text)
    assert "%%tab mxnet" in cell and out.edition_text.index(cell) < out.edition_text.index("这里我们研究序列")


OLD_DL = "```{.python .input}\n#@tab all\ndef download(name, cache_dir='../data'):\n    return name\n```\n"
NEW_DL = "```{.python .input}\n%%tab all\ndef download(url, folder='../data', sha1_hash=None):\n    return url\n```\n"


def test_an_all_cell_defining_what_a_kept_cell_defines_is_not_inserted():
    origin = f"# Title\n\nWe download data.\n\n{OLD_DL}\nThat is all.\n"
    new = f"# Title\n\nWe download data.\n\nThat is all.\n\n{NEW_DL}"
    edition = f"# 标题\n\n我们下载数据。\n\n{OLD_DL}\n就这些。\n"
    out = render_file(plan_file("x.md", origin, new, edition, stale=True), {}, identity)
    assert out.edition_text.count("def download(") == 1
    (u,) = [u for u in out.units if "edition-defines-it" in u.flags]
    assert u.action == "kept-review" and "download" in u.notes[0]
