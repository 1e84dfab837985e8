"""Parallel data: what is written is what was aligned, in formats Amazon Translate accepts."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from bot import paralleldata as pd
from bot.align.textpairs import TextPair
from tests.conftest import CORPORA, DATA, Corpus

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def edition(tmp_path):
    root = tmp_path / "edition"
    chapter = root / "chapter_x"
    chapter.mkdir(parents=True)
    shutil.copy(DATA / "zh" / "approx-training.md", chapter / "approx.md")
    shutil.copy(DATA / "zh" / "approx-training_origin.md", chapter / "approx_origin.md")
    return root


def run(*args):
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True)


def test_tmx_is_well_formed_and_holds_the_aligned_pairs(tmp_path):
    root = edition(tmp_path)
    report = pd.build(root, "zh")
    assert report.files == 1 and len(report.pairs) > 20 and not report.partial
    out = tmp_path / "zh.tmx"
    assert run("parallel-data", "build", str(root), "--lang", "zh", "-o", str(out)).returncode == 0
    tree = ET.parse(out).getroot()
    assert tree.tag == "tmx" and tree.get("version") == "1.4"
    assert tree.find("header").get("srclang") == "en"
    tus = tree.find("body").findall("tu")
    got = [tuple(tuv.find("seg").text for tuv in tu.findall("tuv")) for tu in tus]
    langs = {tuple(tuv.get(XML_LANG) for tuv in tu.findall("tuv")) for tu in tus}
    assert langs == {("en", "zh")}
    assert got == [(p.src, p.tgt) for p in report.pairs]
    recall = ("Recall our discussions in :numref:`sec_word2vec`.", "回想一下我们在 :numref:`sec_word2vec`中的讨论。")
    assert recall in got


def _tmx_by_elementtree(pairs, src_lang, tgt_lang):
    """The TMX as ``xml.etree.ElementTree`` builds, indents and writes it: what ``render_tmx`` must reproduce."""
    from bot import __version__

    tmx = ET.Element("tmx", version="1.4")
    ET.SubElement(tmx, "header", {
        "creationtool": "amts", "creationtoolversion": __version__, "datatype": "plaintext",
        "segtype": "sentence", "adminlang": "en", "srclang": src_lang, "o-tmf": "amts",
    })
    body = ET.SubElement(tmx, "body")
    for p in pairs:
        tu = ET.SubElement(body, "tu")
        for lang, text in ((src_lang, p.src), (tgt_lang, p.tgt)):
            ET.SubElement(ET.SubElement(tu, "tuv", {XML_LANG: lang}), "seg").text = text
    ET.indent(tmx)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(tmx, encoding="unicode") + "\n"


def test_tmx_is_written_as_elementtree_writes_it(tmp_path):
    tricky = [TextPair('a & <b> "q" \'s\' ]]> \n x\r\t', "中文>&amp;", 1, 1.0), TextPair("", "空", 2, 0.5),
              TextPair("Recall :numref:`sec_x` and $a<b$.", "回想 :numref:`sec_x`。", 3, 0.9)]
    book = pd.build(edition(tmp_path), "zh").pairs
    for pairs in (tricky, book, []):
        assert pd.render_tmx(pairs, "en", "zh") == _tmx_by_elementtree(pairs, "en", "zh")
    assert pd.render_tmx(tricky, 'e"n', "z&h\t") == _tmx_by_elementtree(tricky, 'e"n', "z&h\t")
    assert ET.fromstring(pd.render_tmx(tricky, "en", "zh").split("\n", 1)[1]).find("body/tu/tuv/seg").text == \
        'a & <b> "q" \'s\' ]]> \n x\n\t'  # an XML parser normalises the CR: the text round-trips as XML allows


def test_csv_and_tsv_headers_and_escaping(tmp_path):
    pairs = [TextPair('He said "hi", then left.', "他说“嗨”，然后离开了。", 1, 1.0),
             TextPair("Tab\there and\nnewline.", "这里有制表符\t和换行。", 2, 1.0)]
    csv_text = pd.render(pairs, "en", "zh", "csv")
    rows = list(csv.reader(csv_text.splitlines(keepends=True)))
    assert rows[0] == ["en", "zh"] and rows[1] == [pairs[0].src, pairs[0].tgt]
    assert rows[2] == [pairs[1].src, pairs[1].tgt]
    tsv_lines = pd.render(pairs, "en", "zh", "tsv").splitlines()
    assert tsv_lines[0] == "en\tzh" and len(tsv_lines) == 3
    assert [ln.count("\t") for ln in tsv_lines] == [1, 1, 1]
    assert tsv_lines[2] == "Tab here and newline.\t这里有制表符 和换行。"


def test_filters_report_every_drop_reason():
    long = "word " * 250
    pairs = [TextPair("Keep me.", "保留我。", 1, 1.0), TextPair("Keep me.", "保留我。", 2, 1.0),
             TextPair("$x$", "$x$", 3, 1.0), TextPair(long, "长" * 10, 4, 1.0), TextPair("Same", "Same", 5, 1.0),
             TextPair("-1 is negative.", "-1是负数。", 6, 1.0)]
    dropped = Counter()
    kept = pd.filter_pairs(pairs, "csv", dropped)
    assert [p.src for p in kept] == ["Keep me."]
    assert dropped == Counter({"duplicate": 1, "markup or code only": 1, "over 1000 bytes": 1,
                               "untranslated (target equals source)": 1,
                               "starts with + - = @ (rejected in CSV/TSV)": 1})
    assert [p.src for p in pd.filter_pairs(pairs, "tmx", Counter())] == ["Keep me.", "-1 is negative."]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_bad_inputs_are_skipped_with_reasons_and_the_run_is_partial(tmp_path, jobs):
    """With ``--jobs 2`` the two unreadable file pairs fail inside worker processes: reported the same way."""
    root = edition(tmp_path)
    (root / "chapter_x" / "lonely.md").write_text("# 孤独\n", encoding="utf-8")
    (root / "chapter_x" / "orphan_origin.md").write_text("# Orphan\n", encoding="utf-8")
    (root / "chapter_x" / "broken.md").write_text("```python\nx\n", encoding="utf-8")
    (root / "chapter_x" / "broken_origin.md").write_text("# Broken\n", encoding="utf-8")
    (root / "chapter_x" / "latin.md").write_bytes(b"caf\xe9\n")
    (root / "chapter_x" / "latin_origin.md").write_text("# Cafe\n", encoding="utf-8")
    out = tmp_path / "out.tsv"
    res = run("parallel-data", "build", str(root), "--lang", "zh", "--format", "tsv", "-o", str(out), "--jobs", jobs)
    assert res.returncode == 1, res.stderr
    assert "translation without its _origin.md" in res.stdout and "origin file without its translation" in res.stdout
    skipped = [line.split(":")[0].split("/")[-1] for line in res.stdout.splitlines() if "skipped chapter_x" in line]
    assert skipped == ["lonely.md", "orphan_origin.md", "broken.md", "latin.md"]  # unpaired files, then file order
    assert "never closed" in res.stdout and "not UTF-8" in res.stdout
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "en\tzh" and len(lines) > 20
    assert lines == pd.render(pd.build(edition(tmp_path / "good"), "zh").pairs, "en", "zh", "tsv").splitlines()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".out.tsv")]


def test_jobs_2_writes_the_same_file_as_jobs_1(tmp_path):
    """The 8 file pairs of the bundled book aligned by two worker processes (largest first, so they finish out of
    order) and in process: the same bytes, the same summary."""
    book = DATA / "corpus" / "d2l-zh"
    outs, out = {}, tmp_path / "out.tmx"
    for jobs in ("1", "2"):
        out.unlink(missing_ok=True)
        res = run("parallel-data", "build", str(book), "--lang", "zh", "-o", str(out), "--jobs", jobs)
        assert res.returncode == 0, res.stderr
        outs[jobs] = (out.read_bytes(), res.stdout)
    assert outs["1"] == outs["2"]
    assert outs["1"][0].count(b"<tu>") > 400
    report = pd.build(book, "zh", jobs=2)
    assert [(p.src, p.tgt, p.line, p.score) for p in report.pairs] == \
        [(p.src, p.tgt, p.line, p.score) for p in pd.build(book, "zh").pairs]


def test_bad_arguments_exit_2(tmp_path):
    res = run("parallel-data", "build", str(tmp_path / "missing"), "--lang", "zh", "-o", str(tmp_path / "x"))
    assert res.returncode == 2 and "not a directory" in res.stderr
    res = run("parallel-data", "build", str(tmp_path), "--lang", "zh", "--format", "xls", "-o", str(tmp_path / "x"))
    assert res.returncode == 2 and "--format" in res.stderr
    res = run("parallel-data", "build", str(tmp_path), "--lang", "zh", "--jobs", "0", "-o", str(tmp_path / "x"))
    assert res.returncode == 2 and "--jobs must be at least 1" in res.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("corpus", CORPORA, ids=str)
def test_whole_book_builds(corpus: Corpus):
    """The whole book (124 files, one bibliography without prose) or the bundled 8 files of d2l-zh."""
    if corpus.full:
        report = pd.build(corpus.root / "book" / "d2l-zh", "zh")
        assert report.files == 124 and len(report.pairs) > 5000
        assert [s.path for s in report.skipped] == ["chapter_references/zreferences.md"]
    else:
        report = pd.build(corpus.root / "d2l-zh", "zh")
        assert report.files == 8 and len(report.pairs) > 400 and report.skipped == []
    assert all(p.src.strip() and p.tgt.strip() for p in report.pairs)
