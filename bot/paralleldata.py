"""Parallel data for Amazon Translate Active Custom Translation, from an edition's own translations.

Walks every ``X.md`` / ``X_origin.md`` pair of an edition, aligns blocks and sentences, and writes
TMX 1.4b (default), CSV or TSV that Amazon Translate accepts:

* UTF-8; CSV/TSV start with the language-code header, source first;
* segments over 1,000 bytes are dropped (the service would skip them silently);
* CSV/TSV fields may not start with ``+ - = @`` (the service rejects the whole file): such pairs are
  dropped from CSV/TSV and reported; TMX has no such rule;
* pairs that are only code or markup, identical on both sides, or duplicates are dropped.

Inline markup is kept exactly as in the source (``$x$``, `` `code` ``, ``:numref:`x```): it is what the
engines see inside their ``translate="no"`` spans, so the examples teach the engine where markup sits
in a target sentence, and the translation memory can match segments byte for byte.

Files are written atomically: a killed run leaves the old output (or nothing), never half a file.
"""

from __future__ import annotations

import csv
import gc
import io
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot import __version__
from bot.align.blocks import align
from bot.align.lexicon import default_lexicon
from bot.align.textpairs import TextPair, text_pairs
from bot.filepool import map_ordered
from bot.markdown.io import InputError, read_document

MAX_SEGMENT_BYTES = 1000
FORMATS = ("tmx", "csv", "tsv")
_MARKUP_ONLY = re.compile(r"\$[^$]*\$|`[^`]*`|:\w+:`[^`]*`|\]\([^)]*\)|https?://\S+|[\W\d_]+")
#: ``_MARKUP_ONLY.sub("", x)`` is empty exactly when successive leftmost matches cover ``x``: one fullmatch with
#: each match atomic (no backtracking into it) and the repetition possessive, as ``sub`` scans.
_ALL_MARKUP = re.compile(r"(?:(?>" + _MARKUP_ONLY.pattern + r"))*+")


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass
class BuildReport:
    """What a build did: files used, pairs written, and everything dropped or skipped with its reason."""

    files: int = 0
    pairs: list[TextPair] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return bool(self.skipped)


def find_pairs(edition_dir: Path, suffix: str = "_origin") -> tuple[list[tuple[Path, Path]], list[Skipped]]:
    """(origin, translation) file pairs of an edition, plus the files that have no partner."""
    pairs: list[tuple[Path, Path]] = []
    skipped: list[Skipped] = []
    for path in sorted(edition_dir.rglob("*.md")):
        rel = path.relative_to(edition_dir).as_posix()
        if path.stem.endswith(suffix):
            if not path.with_name(path.stem[: -len(suffix)] + ".md").exists():
                skipped.append(Skipped(rel, "origin file without its translation"))
        elif "/" in rel:  # root files (README, index, STYLE_GUIDE) are not chapter translations
            origin = path.with_name(path.stem + suffix + ".md")
            if origin.exists():
                pairs.append((origin, path))
            else:
                skipped.append(Skipped(rel, f"translation without its {suffix}.md file"))
    return pairs, skipped


def filter_pairs(pairs: Iterable[TextPair], fmt: str, dropped: Counter) -> list[TextPair]:
    """Keep what Amazon Translate will accept and learn from; count the rest by reason."""
    seen: set[tuple[str, str]] = set()
    kept: list[TextPair] = []
    for p in pairs:
        src, tgt = p.src.strip(), p.tgt.strip()
        if _ALL_MARKUP.fullmatch(src) or _ALL_MARKUP.fullmatch(tgt):
            dropped["markup or code only"] += 1
        elif src == tgt:
            dropped["untranslated (target equals source)"] += 1
        elif len(src.encode()) > MAX_SEGMENT_BYTES or len(tgt.encode()) > MAX_SEGMENT_BYTES:
            dropped[f"over {MAX_SEGMENT_BYTES} bytes"] += 1
        elif fmt != "tmx" and (src[0] in "+-=@" or tgt[0] in "+-=@"):
            dropped["starts with + - = @ (rejected in CSV/TSV)"] += 1
        elif (src, tgt) in seen:
            dropped["duplicate"] += 1
        else:
            seen.add((src, tgt))
            kept.append(TextPair(src, tgt, p.line, p.score))
    return kept


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the duration (then back as it was).

    Why: a build allocates millions of short-lived sets, Counters and lists, and every 700 surviving ones the
    collector walks the young objects (and now and then everything alive: the parsed book and the lexicon).
    That walk found 215 objects in cycles over the whole zh book and cost ~10% of the build's CPU time, most
    of it in cache misses, not in the collector's own instructions. Reference counting still frees all the
    rest as before, so memory is the same; whatever cycles a build leaves are collected once it is back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build(edition_dir: Path, lang: str, granularity: str = "sentence", fmt: str = "tmx",
          src_lang: str = "en", suffix: str = "_origin", extra_frameworks: Iterable[str] = ("paddle",),
          progress: Callable[[str], None] | None = None, jobs: int = 1) -> BuildReport:
    """Align every file pair of the edition and collect the filtered text pairs.

    ``jobs`` worker processes align the file pairs (``bot.filepool``; 1: in this process); the report is the
    same for any ``jobs``: pairs in file order, skipped files in file order. ``progress(rel)`` is called as
    each file pair is done."""
    with _gc_paused():
        report = BuildReport()
        file_pairs, report.skipped = find_pairs(edition_dir, suffix)
        tasks = [FileTask(o, t, src_lang, lang, granularity, tuple(extra_frameworks)) for o, t in file_pairs]
        rels = [t.relative_to(edition_dir).as_posix() for _, t in file_pairs]
        results = map_ordered(align_file, tasks, jobs, initializer=prepare_worker, cost=FileTask.size,
                              done=(lambda i: progress(rels[i])) if progress else None)
        collected: list[TextPair] = []
        for rel, result in zip(rels, results, strict=True):
            if result.error is not None:
                report.skipped.append(Skipped(rel, result.error))
            else:
                report.files += 1
                collected += result.pairs
        report.pairs = filter_pairs(collected, fmt, report.dropped)
        return report


@dataclass(frozen=True)
class FileTask:
    """One file pair to align, with everything the alignment depends on (it is sent to a worker process)."""

    origin: Path
    translation: Path
    src_lang: str
    lang: str
    granularity: str
    extra_frameworks: tuple[str, ...]

    def size(self) -> int:
        return self.origin.stat().st_size + self.translation.stat().st_size


@dataclass(frozen=True)
class FileResult:
    """The text pairs of one file pair, or why it was skipped (``error``: the input was refused)."""

    pairs: list[TextPair]
    error: str | None = None


def align_file(task: FileTask) -> FileResult:
    """Read, parse and align one file pair: its unfiltered text pairs in document order."""
    with _gc_paused():
        try:
            alignment = align(read_document(task.origin), read_document(task.translation), task.extra_frameworks)
        except InputError as e:
            return FileResult([], str(e))
        return FileResult(text_pairs(alignment, task.src_lang, task.lang, task.granularity))


def prepare_worker() -> None:
    """Load once per worker process what every file's alignment reads (the shipped lexicon)."""
    default_lexicon()


def _xml_text(text: str) -> str:
    """``text`` as XML character data, escaped as ``xml.etree.ElementTree`` writes it (``& < >`` only)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _xml_attr(text: str) -> str:
    """``text`` as an XML attribute value, escaped as ``xml.etree.ElementTree`` (Python 3.11) writes it."""
    text = _xml_text(text).replace('"', "&quot;")
    return text.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;")


def _seg(text: str) -> str:
    return f"<seg>{_xml_text(text)}</seg>" if text else "<seg />"


def render_tmx(pairs: Iterable[TextPair], src_lang: str, tgt_lang: str) -> str:
    """TMX 1.4b: the bytes ``xml.etree.ElementTree`` writes for this tree after ``ET.indent`` (two spaces a level;
    ``tests/test_paralleldata.py`` compares the two), written as one string: building the tree of 8,500 pairs and
    serialising it cost ~1 G instructions, 5% of a whole-book build and a sixth of the parse of both books."""
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n  <header creationtool="amts" '
            f'creationtoolversion="{_xml_attr(__version__)}" datatype="plaintext" segtype="sentence" adminlang="en" '
            f'srclang="{_xml_attr(src_lang)}" o-tmf="amts" />\n')
    src_tuv = f'    <tu>\n      <tuv xml:lang="{_xml_attr(src_lang)}">\n        '
    tgt_tuv = f'\n      </tuv>\n      <tuv xml:lang="{_xml_attr(tgt_lang)}">\n        '
    units = [src_tuv + _seg(p.src) + tgt_tuv + _seg(p.tgt) + "\n      </tuv>\n    </tu>\n" for p in pairs]
    body = "  <body>\n" + "".join(units) + "  </body>\n" if units else "  <body />\n"
    return head + body + "</tmx>\n"


def render_table(pairs: Iterable[TextPair], src_lang: str, tgt_lang: str, fmt: str) -> str:
    buf = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([src_lang, tgt_lang])
        writer.writerows([p.src, p.tgt] for p in pairs)
    else:  # TSV: no quoting in Amazon's TSV, so tabs and newlines inside a field become spaces
        buf.write(f"{src_lang}\t{tgt_lang}\n")
        for p in pairs:
            buf.write(" ".join(p.src.split()) + "\t" + " ".join(p.tgt.split()) + "\n")
    return buf.getvalue()


def render(pairs: list[TextPair], src_lang: str, tgt_lang: str, fmt: str) -> str:
    if fmt == "tmx":
        return render_tmx(pairs, src_lang, tgt_lang)
    return render_table(pairs, src_lang, tgt_lang, fmt)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
