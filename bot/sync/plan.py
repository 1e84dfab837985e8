"""Plan and render the sync of one file: what happens to every edition block, and the resulting texts.

``plan_file`` (pure) walks the new English in order, through the block diff (origin -> new English) and
the block alignment (origin -> edition), and decides per unit: ``keep`` (English unchanged: the edition
block stays byte-identical), ``cosmetic``/``trivial`` (nothing to translate; typo fixes are propagated
where the word appears verbatim), ``splice`` (only changed sentences re-translated inside the human
paragraph), ``retranslate`` (whole block, the old translation kept visible in the notes), ``insert``,
``delete``, ``merge-code`` (3-way merge of a code cell), ``copy`` (code, equations, toc copied from the new
English). It collects the engine requests; ``render_file`` (pure) turns engine results into the new
edition text and the new origin text. A unit whose translation failed, or whose result breaks the build
gate, keeps its old edition text and its old English in the origin file, so the next sync retries it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from rapidfuzz.fuzz import ratio

from bot.align.blocks import LOW_CONFIDENCE, Alignment, BlockPair, align
from bot.markdown.blocks import MARK_RE, Block, Document, Kind, MarkdownError, parse
from bot.markdown.invariants import Violation, check
from bot.markdown.protect import RestoreError, Segment, protect, restore
from bot.sync.ahead import carried_tokens, evidence
from bot.sync.conventions import reapply
from bot.sync.diff import Change, classify, diff_blocks
from bot.sync.history import Follows, History, follows
from bot.sync.markers import marker_counts, strip_markers, transfer
from bot.sync.markup import MARK_LINE, Carried, carry_markup, mark_lines, split_trailing_marks, strip_mark_lines
from bot.sync.merge import (
    MergeResult,
    code_key,
    drop_frameworks,
    keep_comment_lines,
    merge_code,
    split_parts,
    tab_frameworks,
)
from bot.sync.nearmatch import FLAG as NEAR_FLAG
from bot.sync.nearmatch import near_match
from bot.sync.splice import Piece, splice, splice_items, splice_rows
from bot.sync.tokenmerge import merge_tokens, same_text
from bot.sync.trivial import is_notation_fix, is_trivial, region_fixes, roman, token_fixes
from bot.translate.base import TranslationRequest, TranslationResult
from bot.translate.tm import english_diff

NEEDS_TRANSLATION = "<!-- amts: needs translation -->"
COPY_KINDS = frozenset({Kind.CODE, Kind.MATH, Kind.TOC, Kind.HTML})
SPLICE_KINDS = frozenset({Kind.PARAGRAPH, Kind.BLOCKQUOTE})
#: An upstream cell and an edition-only cell of the same framework at least this similar (code only,
#: comments and layout aside) are two versions of one cell.
SAME_CELL_SIMILARITY = 60.0
#: Human text kept for review: the old English stays in the origin file, so the next sync looks again.
#: A re-translation or splice that replaced English the edition had left untranslated (no human words lost).
UNTRANSLATED_FLAG = "edition-had-english"
KEPT_FOR_REVIEW = frozenset({"kept-stale", "kept-unsure", "kept-review"})
#: ``merge-copy`` is the edition's own equation/HTML with the English edits: it differed from the English before
#: (translated inside) and still does, so the per-block gate's "same as the English" would always object.
NO_OUTPUT_CHECK = frozenset({"keep", "moved", "cosmetic", "delete", "skip", "already-in-edition",
                             "edition-ahead", "merge-copy"}) | KEPT_FOR_REVIEW
#: Flag of a block kept because its alignment with the translation is unsure (``BlockPair.low_confidence``).
UNSURE_FLAG = "low-confidence-alignment"
#: Flag of a block whose engine text lost a ``中文（english）`` term convention of the human text.
CONVENTION_FLAG = "term-convention-review"
#: Upstream changes that send nothing to an engine and leave the translation's words as they are.
LIGHT_OPS = frozenset({"unchanged", "cosmetic", "moved", "markers", "trivial"})


@dataclass(frozen=True)
class Req:
    """A hole in a unit's output, filled by the translation of request ``id``."""

    id: str
    english: str
    chars: int = 0  # characters sent to the engine (the placeholder text)


@dataclass
class Unit:
    """One decision of the plan, with everything the PR notes need to explain it."""

    action: str
    new: tuple[int, ...] = ()
    old_edition: tuple[int, ...] = ()
    old_origin: tuple[int, ...] = ()
    parts: list[str | Req] = field(default_factory=list)
    sep: str = "\n"
    flags: list[str] = field(default_factory=list)
    english_diff: str = ""
    old_text: str = ""
    # Filled by render_file:
    text: str = ""
    status: str = "ok"
    notes: list[str] = field(default_factory=list)
    engines: list[str] = field(default_factory=list)
    old_lines: tuple[int, int] | None = None  # in the old edition file
    new_lines: tuple[int, int] | None = None  # in the new edition file
    origin_after: int = -1  # kept-stale deletions: the new block after which the old English stays
    markers_added: int = 0  # slide markers added upstream in this block
    markers_carried: int = 0  # of those, carried onto the translation

    @property
    def requests(self) -> list[Req]:
        return [p for p in self.parts if isinstance(p, Req)]


@dataclass
class FilePlan:
    path: str
    origin: Document
    new: Document
    edition: Document
    units: list[Unit]
    segments: dict[str, Segment]
    requests: list[TranslationRequest]


@dataclass
class FileOutcome:
    edition_text: str
    origin_text: str
    units: list[Unit]
    violations_before: int
    violations_after: list[str]
    new_violations: list[str]  # after the sync, not there before (line numbers ignored): must be empty


def mark_untranslated(english: str) -> str:
    """The English left in place with the needs-translation comment after its last prose line (mark
    lines such as ``:label:`` must stay alone on their lines)."""
    lines = english.splitlines(keepends=True)
    k = max((i for i, ln in enumerate(lines) if ln.strip() and not MARK_RE.match(ln)), default=len(lines) - 1)
    if k < 0:
        return english
    body = lines[k].rstrip("\r\n")
    lines[k] = body + " " + NEEDS_TRANSLATION + lines[k][len(body):]
    return "".join(lines)


def _text(doc: Document, idx: Sequence[int]) -> str:
    """The text of blocks ``idx``; between two neighbouring blocks their own separator (a paragraph and the list
    the translator set apart from it stay two blocks), else a blank line."""
    parts: list[str] = []
    for n, i in enumerate(idx):
        if n:
            parts.append(doc.seps[i] if i == idx[n - 1] + 1 else "\n")
        parts.append(doc.blocks[i].text)
    return "".join(parts)


def _apply_fixes(text: str, fixes: Sequence[tuple[str, str]]) -> tuple[str, int]:
    """Apply typo fixes where the English word appears verbatim. The replacement is literal text (a
    function, not a regex template: LaTeX such as ``\\mathbf`` must not be read as an escape)."""
    n = 0
    for old, new in fixes:
        word = old.strip(".,;:!?()\"'")
        # a word stands on its own; a formula or code span is delimited by itself (``用$x$`` in Chinese)
        pattern = re.compile((r"(?<![\w-])" if word[:1].isalnum() else "") + re.escape(word)
                             + (r"(?![\w-])" if word[-1:].isalnum() else ""))
        replacement = new.strip(".,;:!?()\"'")
        text, k = pattern.subn(lambda _m, r=replacement: r, text)
        n += k
    return text, n


class _Planner:
    def __init__(self, path: str, origin: Document, new: Document, edition: Document, alignment: Alignment,
                 src_lang: str, lang: str, stale: bool = False,
                 history: Callable[[], Sequence[tuple[str, str]]] | None = None) -> None:
        self.path, self.origin, self.new, self.edition = path, origin, new, edition
        self.stale = stale
        self._history_texts = history
        self._history: History | None = None  # upstream's versions, read when first needed
        self.edition_text, self.origin_text = edition.render(), origin.render()
        self.alignment, self.src_lang, self.lang = alignment, src_lang, lang
        self.units: list[Unit] = []
        self.segments: dict[str, Segment] = {}
        self.requests: list[TranslationRequest] = []
        self.pair_of: dict[int, int] = {}
        self.attached: dict[int, list[int]] = {}  # pair index -> edition-only blocks that follow it
        last = -1
        for k, p in enumerate(alignment.pairs):
            for i in p.src:
                self.pair_of[i] = k
            if p.src:
                last = k
            elif p.tgt:
                self.attached.setdefault(last, []).extend(p.tgt)
        self.done_pairs: set[int] = set()
        self.claimed_tabs: set[int] = set()
        fws = [{f for b in d.blocks if b.kind in (Kind.CODE, Kind.TAB) for f in b.tabs} for d in (edition, new)]
        self.edition_only = sorted(fws[0] - fws[1] - {"all"})
        #: the frameworks the edition's code runs for (a cell without ``#@tab`` is mxnet's)
        self.edition_frameworks = {f for b in edition.blocks if b.kind == Kind.CODE
                                   for f in _frameworks_of(b)} - {"all"}
        self.own_claimed: set[int] = set()  # edition cells kept as the edition's own version of a shared cell
        self.new_code_keys = {b.loose_key for b in new.blocks if b.kind == Kind.CODE}
        # frameworks the edition wrote on its own (its old English had none) that upstream now has too
        self.superseded = fws[0] & fws[1] - {f for b in origin.blocks if b.kind in (Kind.CODE, Kind.TAB)
                                             for f in b.tabs} - {"all"}
        self.last_new = -1
        self.kept_moved: Counter[str] = Counter()
        self.tgt_pair = {k: n for n, p in enumerate(alignment.pairs) for k in p.tgt}
        self.updated: dict[int, tuple[int, MergeResult]] = {}  # edition-only cell -> (new block, merge)
        self.updated_new: dict[int, int] = {}
        self.origin_count = Counter(_copy_key(b) for b in origin.blocks if b.kind in (Kind.CODE, Kind.MATH))
        self.edition_count = Counter(_copy_key(b) for b in edition.blocks if b.kind in (Kind.CODE, Kind.MATH))
        # Edition-only code cells (an edition may have added upstream's newer cells on its own).
        self.unclaimed: dict[str, list[int]] = {}
        for p in alignment.pairs:
            for k in p.tgt if not p.src else ():
                b = edition.blocks[k]
                if b.kind == Kind.CODE:
                    self.unclaimed.setdefault(b.loose_key, []).append(k)

    # -- requests --------------------------------------------------------------------------------
    def _req(self, english: str) -> Req:
        rid = f"{self.path}#{len(self.requests)}"
        seg = protect(english)
        self.segments[rid] = seg
        self.requests.append(TranslationRequest(rid, seg.text, seg.html, source=english, originals=seg.originals))
        return Req(rid, english, len(seg.text))

    def _sep_new(self, j: int) -> str:
        return self.new.seps[j] or "\n"

    def _sep_edition(self, k: int) -> str:
        return self.edition.seps[k] or "\n"

    # -- units -----------------------------------------------------------------------------------
    def _emit_edition(self, action: str, idx: Sequence[int], change: Change | None) -> None:
        for k in idx:
            self.units.append(Unit(action, (change.new,) if change and change.new is not None else (), (k,),
                                   (change.old,) if change and change.old is not None else (),
                                   [self.edition.blocks[k].text], self._sep_edition(k)))

    def _emit_attached(self, pair: int) -> None:
        for k in self.attached.get(pair, []):
            if k in self.updated:
                j, m = self.updated[k]
                flags = ["edition-only cell updated to upstream's new cell"]
                notes = [f"upstream added this cell for the same framework(s); the edition already had its own "
                         f"version at line {self.edition.blocks[k].start}: merged into it, not added twice"]
                if m.tab_change:
                    notes.append(m.tab_change)
                self.units.append(Unit("merge-code", (j,), (k,), (), [m.text], self._sep_edition(k), flags,
                                       old_text=self.edition.blocks[k].text, notes=notes))
                continue
            self.units.append(Unit("keep", (), (k,), (), [self.edition.blocks[k].text], self._sep_edition(k),
                                   flags=["edition-only"]))

    def _stays(self, key: str) -> bool:
        """Does the edition have a cell (or equation) with this copy key that this sync does not delete? One paired
        only with English deleted upstream goes: upstream moved it (d2l v1.0 moved the import cells), so its new
        version is inserted where upstream has it, not taken as already there."""
        for k, e in enumerate(self.edition.blocks):
            if e.kind not in (Kind.CODE, Kind.MATH) or _copy_key(e) != key:
                continue
            n = self.tgt_pair.get(k)
            pair = self.alignment.pairs[n] if n is not None else None
            if not (pair and pair.src and all(i in self.deleted_old for i in pair.src)) or self.stale \
                    or self._unsure(n):  # a stale origin or an unsure pair keeps it (see _deleted)
                return True
        return False

    def _own_tab(self, b: Block) -> int | None:
        """An edition tab region of ``b``'s framework that no origin tab region of that framework renders
        (the edition wrote its own): claimed once, so a framework never gets two regions."""
        for k, e in enumerate(self.edition.blocks):
            if e.kind != Kind.TAB or k in self.claimed_tabs or set(e.tabs) != set(b.tabs):
                continue
            pair = self.alignment.pairs[self.tgt_pair[k]] if k in self.tgt_pair else None
            if pair and not all(i in self.deleted_old for i in pair.src):
                continue  # it renders English that is still there: not a spare version
            self.claimed_tabs.add(k)
            return k
        return None

    def _match_inserted_cells(self, changes: list[Change]) -> None:
        """Upstream cells that the edition already has in its own version (same framework, mostly the
        same code or the same top-level classes and functions): the edition's cell is updated in place instead of
        getting a second cell."""
        for c in changes:
            if c.old is not None or c.new is None:
                continue
            b = self.new.blocks[c.new]
            if b.kind != Kind.CODE or self.unclaimed.get(b.loose_key):
                continue
            fw, defines = set(_frameworks_of(b)), _defines(b.text)
            best, best_k = 0.0, None
            for keys in self.unclaimed.values():
                for k in keys:
                    e = self.edition.blocks[k]
                    efw = set(_frameworks_of(e))
                    if k in self.updated or not (fw & efw or "all" in fw | efw):
                        continue
                    if "all" not in fw and efw - fw - set(self.edition_only):
                        continue  # updated in place it would drop a framework it runs for (gd.md's mxnet+tf cell)
                    sim = ratio(b.loose_key, e.loose_key)
                    if defines and defines == _defines(e.text):
                        sim = max(sim, SAME_CELL_SIMILARITY)  # the same classes/functions for that framework
                    if sim > best:
                        best, best_k = sim, k
            if best_k is not None and best >= SAME_CELL_SIMILARITY:
                e = self.edition.blocks[best_k]
                m = merge_code(e.text, b.text, e.text)
                self.updated[best_k] = (c.new, replace(m, text=keep_comment_lines(e.text, m.text)))
                self.updated_new[c.new] = best_k
                self.unclaimed[e.loose_key].remove(best_k)

    def plan(self, changes: list[Change], force: frozenset[int] = frozenset()) -> None:
        """``force``: new English block indices to re-translate even when their English did not change
        (a reviewer's ``/amts retranslate``)."""
        self.deleted_old = {c.old for c in changes if c.op == "deleted"}
        # cells (equations) upstream deleted from the origin: where the origin is stale, the edition keeps its copy
        self.kept_moved = Counter(_copy_key(self.origin.blocks[i]) for i in self.deleted_old
                                  if self.stale and self.origin.blocks[i].kind in (Kind.CODE, Kind.MATH))
        self._match_inserted_cells(changes)
        self._emit_attached(-1)
        for c in changes:
            if c.new is not None:
                self.last_new = c.new
            if c.new in force and c.old is not None and c.op in LIGHT_OPS:
                c = Change("modified", c.old, c.new, c.word_diff)
            if c.old is None:
                assert c.new is not None
                self._inserted(c.new)
                continue
            k = self.pair_of[c.old]
            pair = self.alignment.pairs[k]
            if k in self.done_pairs:
                continue
            self.done_pairs.add(k)
            multi = len(pair.src) > 1
            group = [x for x in changes if x.old in pair.src] if multi else [c]
            if multi and len(pair.tgt) == 1 and self._rejoined(group):
                self.units.append(Unit("cosmetic", tuple(x.new for x in group if x.new is not None), pair.tgt,
                                       pair.src, [self.edition.blocks[pair.tgt[0]].text],
                                       self._sep_edition(pair.tgt[0]), ["paragraphs joined upstream"], notes=[
                                           f"upstream joined {len(pair.src)} paragraphs into one without changing "
                                           "their words; the translation was already one block: kept"]))
                self._emit_attached(k)
                continue
            if all(x.op in LIGHT_OPS for x in group):
                if not multi and len(pair.tgt) == 1 and c.op in ("markers", "trivial"):
                    self._light(c, pair.tgt[0])
                    self._emit_attached(k)
                    continue
                action = ("keep" if all(x.op == "unchanged" for x in group) else
                          "moved" if all(x.op in ("unchanged", "moved") for x in group) else "cosmetic")
                self._emit_edition(action, pair.tgt, c)
                if action == "cosmetic" and self.units and pair.tgt:
                    self.units[-1].flags.append(_light_flag(group))
                    if any(x.op == "markers" for x in group):
                        self.units[-1].flags.append("slide-marker-not-carried")
                        self.units[-1].notes.append(f"slide markers changed upstream over a {pair.relation} "
                                                    "block pair: carry them by hand")
                if not pair.tgt:
                    self.units.append(Unit(action, (c.new,) if c.new is not None else (), (), (c.old,),
                                           flags=["not in edition"]))
            elif all(x.op == "deleted" for x in group):
                self._deleted(pair.src, pair.tgt, k)
            elif not pair.tgt and not multi and self._widened(c):
                self._inserted(c.new)  # type: ignore[arg-type]
                self.units[-1].notes.append(
                    "its old English was a cell for a framework the edition does not have; upstream's new cell "
                    "also runs for the edition's frameworks: inserted")
            elif not pair.tgt:
                new_idx = tuple(x.new for x in group if x.new is not None)
                self.units.append(Unit("skip", new_idx, (), pair.src, flags=["not in edition"],
                                       english_diff=c.word_diff))
            elif c.new in force and not multi and len(pair.tgt) == 1:
                self._retranslate((c.old,), (pair.tgt[0],), (c.new,), c, flags=["re-translation requested"])
            elif c.op == "deleted" and not multi:
                self._deleted(pair.src, pair.tgt, k)
            elif (c.new not in force and self._keep_human(pair.src, pair.tgt,
                                                         tuple(x.new for x in group if x.new is not None), c)):
                pass
            elif c.new not in force and self._keep_unsure(k, tuple(x.new for x in group if x.new is not None), c):
                pass
            elif not multi and len(pair.tgt) > 1 and c.op == "modified" and self._fixed_group(c, pair.tgt):
                pass
            elif multi or len(pair.tgt) > 1:
                self._retranslate(pair.src, pair.tgt, tuple(x.new for x in group if x.new is not None), c,
                                  flags=[f"{pair.relation} pair re-translated as a whole"])
            else:
                self._modified(c, pair.tgt[0])
            self._emit_attached(k)
        self._settle_claimed_tabs()
        self._settle_superseded()
        self._settle_defined_twice()

    def _settle_superseded(self) -> None:
        """A framework the edition wrote on its own (its old English had none) and that upstream now has: the
        edition's own cells of it that are not upstream's and that no shared cell kept as the edition's own version
        go, flagged, so the framework does not run twice (d2l-zh rnn-concise to v1.0.3: 13 TensorFlow cells)."""
        for n, u in enumerate(self.units):
            if u.action != "keep" or u.flags != ["edition-only"] or u.old_edition[0] in self.own_claimed:
                continue
            b = self.edition.blocks[u.old_edition[0]]
            if b.kind != Kind.CODE or not b.tabs or not set(b.tabs) <= self.superseded \
                    or b.loose_key in self.new_code_keys:  # upstream's cell already
                continue
            fw = ", ".join(b.tabs)
            self.units[n] = Unit("delete", (), u.old_edition, (), old_text=b.text, sep="", flags=[
                f"superseded: upstream now has its own {fw} cells"], notes=[
                f"the edition had written its own {fw} code, which its old English did not have; upstream now has "
                f"{fw} cells of its own in this file (added by this sync): the edition's cell at line {b.start} is "
                f"removed so {fw} does not run twice. removed: {_clip(b.text)}"])

    def _settle_claimed_tabs(self) -> None:
        """A tab region kept as the edition's own version of upstream's new tab region needs no review for the
        deleted English an unsure alignment once paired it with (d2l-zh lookup-api: the edition had written its
        TensorFlow tab before upstream did; the old MXNet paragraph was paired with it at confidence 0.01)."""
        for n, u in enumerate(self.units):
            if u.action == "kept-unsure" and not u.new and len(u.old_edition) == 1 \
                    and u.old_edition[0] in self.claimed_tabs:
                self.units[n] = Unit("edition-ahead", (), u.old_edition, u.old_origin, u.parts, u.sep, [],
                                     old_text=u.old_text, notes=[
                                         "the edition's own tab region, kept as its version of upstream's new one "
                                         "(see the already-in-edition entry); its old English was deleted upstream"])

    def _settle_defined_twice(self) -> None:
        """A code cell inserted from upstream that defines, for one of its frameworks, a class or function the
        planned edition already defines as often as the new English does is not inserted: kept for review
        (the origin file leaves it out, so the next sync raises it again). d2l-zh keeps one ``show_trace_2d``
        cell for mxnet and tensorflow where upstream later wrote one per framework (gd.md to v1.0.3)."""
        cells = [(n, c) for n, u in enumerate(self.units) if u.parts and all(isinstance(p, str) for p in u.parts)
                 and "```" in (text := "".join(u.parts)) and _TOP_DEF.search(text) for c in _code_cells(text)]
        wanted = [c for c in _code_cells(self.new.render()) if c[1]]
        for n, u in enumerate(self.units):
            if u.action not in ("insert", "insert-copy"):
                continue
            mine = [c for m, c in cells if m == n]
            if len(mine) != 1:
                continue
            fws, names = mine[0]
            others = [(m, c) for m, c in cells if m != n]
            # a ``#@tab all`` cell runs for every framework of the edition (and meets the edition's own ``all`` cells)
            runs = self.edition_frameworks | {"all"} if "all" in fws else fws
            twice = sorted(f for f in runs if sum(_covers(c, f, names) for _, c in others)
                           >= sum(_covers(c, f, names) for c in wanted))
            if not twice:
                continue
            lines = sorted({self.edition.blocks[self.units[m].old_edition[0]].start for m, c in others
                            if self.units[m].old_edition and any(_covers(c, f, names) for f in twice)})
            where = f" (line {', '.join(map(str, lines))})" if lines else ""
            self.units[n] = Unit("kept-review", u.new, (), (), flags=["edition-defines-it"],
                                 english_diff=u.english_diff, notes=[
                                     f"upstream added a {', '.join(sorted(fws))} cell defining "
                                     f"{', '.join(sorted(names))}; the edition already defines it for "
                                     f"{', '.join(twice)}{where}: not inserted (it would be defined twice), carry "
                                     "upstream's version by hand; the origin file leaves it out"])

    def _fixed_group(self, c: Change, tgt: Sequence[int]) -> bool:
        """A block the translator split in two (a 1-n pair) whose English changed only in formulas, code spans or
        symbols (``$x′$`` -> ``$x'$``): fixed verbatim across its translated blocks instead of re-translating the
        whole group (d2l-zh fcn to v1.0.3: a paragraph and its numbered list)."""
        assert c.old is not None and c.new is not None
        o, n = self.origin.blocks[c.old], self.new.blocks[c.new]
        blocks = [self.edition.blocks[k] for k in tgt]
        if o.kind != n.kind or n.kind in COPY_KINDS or any(b.kind in COPY_KINDS for b in blocks):
            return False
        joined = _GROUP_SEP.join(b.text for b in blocks)
        fixed = token_fixes(o.text, n.text, joined) or region_fixes(o.text, n.text, joined)
        if fixed is None or fixed.count(_GROUP_SEP) != len(blocks) - 1:
            return False
        note = (f"only formulas/code spans changed upstream in a {len(blocks)}-block translation: replaced "
                "verbatim in it, nothing sent")
        for k, b, text in zip(tgt, blocks, fixed.split(_GROUP_SEP), strict=True):
            fixed_here = text != b.text
            self.units.append(Unit("trivial-fix" if fixed_here else "keep", (c.new,), (k,), (c.old,), [text],
                                   self._sep_edition(k),
                                   ["trivial source change", "verbatim token fix"] if fixed_here else [],
                                   c.word_diff, b.text, notes=[note] if fixed_here else []))
        return True

    def _unsure(self, k: int) -> bool:
        """Is pair ``k`` too unsure to change the translation through it? A low-confidence pair is, unless it
        is a 1-1 pair held in place by its neighbours: the pairs just before and after it (unpaired code cells
        and equations aside) are confident and paired on both sides, or the document ends there, so the
        aligner had no other place for either block."""
        pairs = self.alignment.pairs
        pair = pairs[k]
        if not pair.low_confidence or any(self.origin.blocks[i].kind in COPY_KINDS for i in pair.src):
            return False  # code, equations and toc follow their own rules (merge, copy)
        if pair.relation != "1-1":
            return True

        def firm(n: int, step: int) -> bool:
            while 0 <= n < len(pairs) and not (pairs[n].src and pairs[n].tgt) and all(
                    b.kind in COPY_KINDS for b in self._blocks(pairs[n])):
                n += step  # an unpaired code cell or equation could not have rendered a prose block
            return not 0 <= n < len(pairs) or (bool(pairs[n].src) and bool(pairs[n].tgt)
                                               and not pairs[n].low_confidence)

        return not (firm(k - 1, -1) and firm(k + 1, 1))

    def _blocks(self, pair: BlockPair) -> list[Block]:
        return [self.origin.blocks[i] for i in pair.src] + [self.edition.blocks[i] for i in pair.tgt]

    def _unsure_note(self, k: int) -> str:
        pair = self.alignment.pairs[k]
        return (f"the alignment of this English block with its translation is unsure ({pair.relation} pair, "
                f"confidence {pair.confidence:.2f} < {LOW_CONFIDENCE}): the translation is kept as it is, nothing "
                "was spliced or replaced through it, and its old English stays in the origin file; check the "
                "pairing and carry the English change by hand")

    def _keep_unsure(self, k: int, new: Sequence[int], c: Change) -> bool:
        """Abstain on a changed block whose alignment pair is unsure: the human text stays, flagged, with the
        new English in the notes (``kept-unsure``)."""
        pair = self.alignment.pairs[k]
        if not pair.tgt or not new or not self._unsure(k):
            return False
        human = _text(self.edition, pair.tgt)
        new_en = _text(self.new, new)
        self.units.append(Unit("kept-unsure", tuple(new), tuple(pair.tgt), tuple(pair.src), [human],
                               self._sep_edition(pair.tgt[0]), [UNSURE_FLAG], c.word_diff, human,
                               notes=[self._unsure_note(k), f"new English: {_clip(new_en, 600)}"]))
        return True

    def _deleted(self, src: Sequence[int], tgt: Sequence[int], pair: int | None = None) -> None:
        """Deleted upstream: the human text goes, flagged with what it said -- unless the origin is stale
        (the deletion may be a backwards diff) or the pair is unsure: then it stays, flagged for review."""
        old = _text(self.edition, tgt)
        if self.stale and tgt:
            self.units.append(Unit("kept-stale", (), tuple(tgt), tuple(src), [old], self._sep_edition(tgt[0]),
                                   ["stale-origin-review"], old_text=old, origin_after=self.last_new, notes=[
                                       "deleted upstream, but the origin file is stale (not an upstream version): "
                                       "kept, with its English in the origin file; delete both by hand if the "
                                       "edition follows the new English"]))
            return
        if pair is not None and tgt and self._unsure(pair):
            self.units.append(Unit("kept-unsure", (), tuple(tgt), tuple(src), [old], self._sep_edition(tgt[0]),
                                   [UNSURE_FLAG], old_text=old, origin_after=self.last_new, notes=[
                                       "deleted upstream; " + self._unsure_note(pair)]))
            return
        blocks = [self.edition.blocks[k] for k in tgt]
        if len(blocks) == 1 and blocks[0].kind == Kind.CODE and self._keep_own_frameworks(src, tgt[0]):
            return
        if any(b.kind not in COPY_KINDS for b in blocks):
            flags = ["human-text-deleted"]
        elif any(b.kind != Kind.CODE for b in blocks):  # an equation/HTML/toc: did the edition translate inside?
            flags = ["deleted upstream" if same_text(_text(self.origin, src), old) else "human-text-deleted"]
        else:
            flags = []
        self.units.append(Unit("delete", (), tuple(tgt), tuple(src), old_text=old, sep="", flags=flags,
                               notes=[f"removed: {_clip(old)}"] if flags else []))

    def _keep_own_frameworks(self, src: Sequence[int], k: int) -> bool:
        """An upstream-deleted cell the edition shares with a framework only it has (``#@tab pytorch, paddle``):
        the edition's framework keeps its cell (upstream's frameworks leave its ``#@tab`` line), flagged."""
        e = self.edition.blocks[k]
        own = [f for f in tab_frameworks(e.text) if f in self.edition_only]
        if not own:
            return False
        text = drop_frameworks(e.text, [f for f in tab_frameworks(e.text) if f not in own])
        self.units.append(Unit("merge-code", (), (k,), tuple(src), [text], self._sep_edition(k),
                               [f"deleted upstream: kept for {', '.join(own)} (the edition's own framework)"],
                               old_text=e.text, notes=[
                                   f"upstream deleted this cell; the edition also runs it for {', '.join(own)}, "
                                   "which upstream does not have: kept for it, check it is still needed"]))
        return True

    def _keep_human(self, src: Sequence[int], tgt: Sequence[int], new: Sequence[int], c: Change) -> bool:
        """Keep the human prose when the edition is ahead of its origin (evidence), or when the origin is
        stale and the evidence says nothing either way. Code, equations and toc follow their own rules."""
        if not tgt or not new:
            return False
        if any(self.new.blocks[j].kind in COPY_KINDS for j in new):
            return False
        old_en, new_en = _text(self.origin, src), _text(self.new, new)
        human = _text(self.edition, tgt)
        ev = evidence(old_en, new_en, human, self.lang)
        sep = self._sep_edition(tgt[0])
        if ev.verdict == "ahead":
            # complete evidence: nothing to review (like code already in the edition), the note says why
            self.units.append(Unit("edition-ahead", tuple(new), tuple(tgt), tuple(src), [human], sep, [],
                                   c.word_diff, human, notes=[
                                       f"the translation already follows the new English ({ev.describe()}): "
                                       "kept, origin updated"]))
            return True
        if ev.verdict == "partial":
            found = self._follows(src, tgt, new, human)
            if found is not None and found.certain and not self._unsure(self.pair_of[src[0]]):
                self._rebased(c, tgt[0], found)
                return True
            diff, note = c.word_diff, f"({ev.describe()}): kept for review, its old English stays in the origin file"
            if found is not None:  # nothing tells that version from the new English: the reviewer decides
                diff = english_diff(found.text, new_en)
                note = (f"({ev.describe()}), and all of upstream's English of {found.commit[:10]} "
                        f"({found.ahead.describe()}): kept for review; the English diff shown is what changed "
                        "since that version; its old English stays in the origin file")
            self.units.append(Unit("kept-review", tuple(new), tuple(tgt), tuple(src), [human], sep,
                                   ["edition-ahead-partial"], diff, human, notes=[
                                       f"the translation follows part of the new English only {note}"]))
            return True
        if self.stale and ev.verdict == "none":
            self.units.append(Unit("kept-stale", tuple(new), tuple(tgt), tuple(src), [human], sep,
                                   ["stale-origin-review"], c.word_diff, human, notes=[
                                       "the origin file is stale and the translation gives no evidence of which "
                                       "English it follows: kept for review, its old English stays in the origin "
                                       "file"]))
            return True
        return False

    def _follows(self, src: Sequence[int], tgt: Sequence[int], new: Sequence[int], human: str) -> Follows | None:
        """The upstream version of a 1-1 block the translation follows, when its origin file is out of date
        (``bot.sync.history``); upstream's history is read once per file, when first needed."""
        if len(src) != 1 or len(tgt) != 1 or len(new) != 1 or self._history_texts is None:
            return None
        if self._history is None:
            self._history = History(self._history_texts(), self.new)
        return follows(self.origin.blocks[src[0]].text, new[0], human, self._history, self.lang)

    def _rebased(self, c: Change, k: int, found: Follows) -> None:
        """The translation follows upstream's English of ``found.commit``, not its origin file: that version
        becomes the block's old English, and only what changed since is planned (the origin file records it
        where the block is kept)."""
        assert c.old is not None and c.new is not None
        blocks = list(self.origin.blocks)
        blocks[c.old] = replace(blocks[c.old], text=found.text)
        self.origin = replace(self.origin, blocks=tuple(blocks))
        op, fixes = classify(self.origin.blocks[c.old], self.new.blocks[c.new])
        rebased = Change(op, c.old, c.new, english_diff(found.text, self.new.blocks[c.new].text)
                         if op in ("modified", "trivial") else "", fixes)
        first = len(self.units)
        if op in ("markers", "trivial"):
            self._light(rebased, k)
        elif op == "modified":
            self._modified(rebased, k)
        else:
            self._emit_edition("edition-ahead", (k,), rebased)
        for u in self.units[first:]:
            u.notes.insert(0, f"the translation follows upstream's English of {found.commit[:10]} "
                              f"({found.ahead.describe()}), newer than its origin file and older than the new "
                              f"English ({found.since.describe()}): only what changed since that version was "
                              "applied")

    def _sent_nothing(self, plan_it: Callable[[], None]) -> bool:
        """Run ``plan_it``; keep the units it planned only if they send nothing to an engine."""
        units, requests, segments = len(self.units), len(self.requests), set(self.segments)
        plan_it()
        if len(self.requests) == requests:
            return True
        del self.units[units:], self.requests[requests:]
        for rid in set(self.segments) - segments:
            del self.segments[rid]
        return False

    def _widened(self, c: Change) -> bool:
        """A code cell the edition never had (its framework is not the edition's) that upstream rewrote into a cell
        that also runs for frameworks the edition has (d2l-pt gru.md to master: a TensorFlow ``get_params`` cell
        became the ``#@tab pytorch, mxnet, tensorflow`` class): skipping it would lose that code for them."""
        if c.old is None or c.new is None:
            return False
        o, n = self.origin.blocks[c.old], self.new.blocks[c.new]
        if o.kind != Kind.CODE or n.kind != Kind.CODE:
            return False
        mine, gained = self.edition_frameworks, set(_frameworks_of(n)) - set(_frameworks_of(o))
        return "all" not in _frameworks_of(o) and bool(mine & gained or "all" in gained and mine)

    def _rejoined(self, group: Sequence[Change]) -> bool:
        """Upstream made the blocks of an n-1 pair one block and changed nothing else a reader of the translation
        would see (d2l-pt calculus: the translator had already joined the two paragraphs)."""
        olds = [self.origin.blocks[x.old] for x in group if x.old is not None]
        news = sorted({x.new for x in group if x.new is not None})
        if len(news) != 1 or any(x.op not in LIGHT_OPS | {"modified", "deleted"} for x in group) \
                or any(b.kind != olds[0].kind or b.kind in COPY_KINDS for b in olds):
            return False
        joined, new = " ".join(b.text for b in olds), self.new.blocks[news[0]].text
        return marker_counts(joined) == marker_counts(new) and is_trivial(joined, new)

    def _light(self, c: Change, k: int) -> None:
        """A change that sends nothing: typo fixes where the word is verbatim, slide markers carried."""
        assert c.old is not None and c.new is not None
        old = self.edition.blocks[k].text
        notation = [f for f in c.fixes if is_notation_fix(f)]
        text, n = _apply_fixes(old, [f for f in c.fixes if f not in notation
                                     and (f[0].lower() != f[1].lower() or _verbatim(f[0]))])
        unplaced = False
        if notation:  # placed region by region where each stands on its own (never inside a formula)
            placed = region_fixes(strip_markers(self.origin.blocks[c.old].text),
                                  strip_markers(self.new.blocks[c.new].text), text)
            if placed is None and self._sent_nothing(lambda: self._modified(replace(c, op="modified"), k)):
                return  # placed sentence by sentence (``0`` stands twice in the block, once in its sentence)
            unplaced = placed is None
            if placed is not None and placed != text:
                text, n = placed, n + sum(1 for x, y in notation
                                          if placed.count(y) > text.count(y) or placed.count(x) < text.count(x))
        moved = transfer(self.origin.blocks[c.old].text, self.new.blocks[c.new].text, text, self.src_lang,
                         self.lang)
        markup = carry_markup(self.origin.blocks[c.old].text, self.new.blocks[c.new].text, moved.text)
        text = markup.text
        flags = [_light_flag([c])]
        notes = list(moved.notes) + markup.notes
        if n:
            flags.append(f"{n} verbatim fix(es) applied")
        written = [y for _x, y in notation if _verbatim(y) and y in old]
        if written:
            notes.append(f"the translation already writes the new notation ({', '.join(written)})")
        if unplaced:
            notes.append("the same words in another notation upstream ("
                         + "; ".join(f"{x} -> {y}" for x, y in notation)
                         + "): not found on their own in the translation, kept as written")
        if markup.carried:
            notes.append(f"{markup.carried} markup change(s) (heading level, emphasis, list marker, final mark, "
                         "directive line) carried onto the translation")
        if markup.uncarried:
            flags.append("markup-not-carried")
        if moved.carried and text != old:
            notes.append(f"{moved.carried} slide marker(s) carried onto the translation")
        if moved.removed and not moved.uncarried:
            notes.append(f"{moved.removed} slide marker(s) removed upstream")
        if not moved.complete:
            flags.append("slide-marker-not-carried")
        action = "cosmetic" if text == old else ("trivial-fix" if n else "markers" if moved.text != old else "markup")
        self.units.append(Unit(action, (c.new,), (k,), (c.old,), [text], self._sep_edition(k), flags,
                               c.word_diff if c.op == "trivial" else "", old, notes=notes,
                               markers_added=moved.added, markers_carried=moved.carried))

    def _copied(self, c: Change, k: int, o: Block, n: Block, e: Block) -> None:
        """An equation, toc or HTML block: copied when the edition has the old (or already the new) English,
        else the change is replayed on the edition's own text (it translated inside, e.g. ``\\text{…}``),
        else the block is kept for review."""
        if same_text(n.text, e.text) and n.kind == e.kind:  # nothing to do in the edition: reported as cosmetic
            self.units.append(Unit("cosmetic", (c.new,), (k,), (c.old,), [e.text], self._sep_edition(k),
                                   ["edition already has the new text"], c.word_diff, e.text))
            return
        if same_text(o.text, e.text) or n.kind != e.kind:
            self.units.append(Unit("copy", (c.new,), (k,), (c.old,), [n.text], self._sep_edition(k), [],
                                   c.word_diff, e.text))
            return
        merged = merge_tokens(o.text, n.text, e.text)
        if merged is not None:
            self.units.append(Unit("merge-copy", (c.new,), (k,), (c.old,), [merged], self._sep_edition(k),
                                   ["edition's own text kept, English change applied"], c.word_diff, e.text,
                                   notes=["the edition's block differs from its old English (translated inside): "
                                          "the English change was applied to the edition's text"]))
            return
        self.units.append(Unit("kept-review", (c.new,), (k,), (c.old,), [e.text], self._sep_edition(k),
                               ["edition-text-differs"], c.word_diff, e.text, notes=[
                                   "the edition's block differs from its old English and the English change cannot "
                                   "be placed in it: kept for review, its old English stays in the origin file; "
                                   f"new English: {_clip(n.text)}"]))

    def _framework_left(self, c: Change, k: int, o: Block, n: Block, e: Block) -> bool:
        """Upstream took every framework of the edition's cell out of this cell (d2l-pt sgd.md: ``#@tab mxnet,
        pytorch`` became an mxnet cell and a new pytorch cell; the edition's cell is its pytorch one). Merged, the
        edition's PyTorch code would turn into a second MXNet cell: it is kept for review instead (the new cell of
        its framework is inserted unless the edition already defines what it defines)."""
        efw, nfw = set(tab_frameworks(e.text)), set(tab_frameworks(n.text))
        if not efw or not nfw or efw & nfw or "all" in efw | nfw or not efw <= set(tab_frameworks(o.text)):
            return False
        self.units.append(Unit("kept-review", (c.new,), (k,), (c.old,), [e.text], self._sep_edition(k),
                               ["framework-moved"], c.word_diff, e.text, notes=[
                                   f"upstream took {', '.join(sorted(efw))} out of this cell (now "
                                   f"{', '.join(sorted(nfw))} only): the edition's {', '.join(sorted(efw))} cell is "
                                   "kept as it is, not turned into another framework's cell; its old English stays "
                                   "in the origin file"]))
        return True

    def _modified(self, c: Change, k: int) -> None:
        assert c.old is not None and c.new is not None
        o, n, e = self.origin.blocks[c.old], self.new.blocks[c.new], self.edition.blocks[k]
        if n.kind in COPY_KINDS or o.kind in COPY_KINDS:
            if n.kind == Kind.CODE and o.kind == Kind.CODE and e.kind == Kind.CODE:
                if self._split_cell(c, k, o, n, e):
                    return
                if self._framework_left(c, k, o, n, e):
                    return
                m = merge_code(o.text, n.text, e.text, self.edition_only)
                flags = ["code conflict: new English code taken"] if m.conflict else []
                if m.already:
                    flags.append("edition already has the new code")
                if m.comments_reset:
                    flags.append(f"{m.comments_reset} translated comment line(s) now English")
                notes: list[str] = []
                own = self._own_cells(k, n, [f for f in tab_frameworks(n.text)
                                             if f not in tab_frameworks(o.text) + tab_frameworks(e.text)])
                own_flags: list[str] = []
                self.own_claimed.update(own)
                if own:
                    text = drop_frameworks(m.text, [f for j in own for f in self.edition.blocks[j].tabs])
                    m = replace(m, text=text, tab_change=_tab_change(e.text, text))
                    own_flags.append(f"{', '.join(f for j in own for f in self.edition.blocks[j].tabs)}: the "
                                     "edition's own cell kept, not added to the shared #@tab line")
                    notes += self._own_cell_notes(own, n)
                flags += own_flags
                if m.tab_change:
                    flags.append(m.tab_change)
                if m.text == e.text:  # nothing to do in the edition: reported, but as cosmetic
                    self.units.append(Unit("cosmetic", (c.new,), (k,), (c.old,), [e.text],
                                           self._sep_edition(k), ["edition already has the new code", *own_flags],
                                           c.word_diff, e.text, notes=notes))
                    return
                self.units.append(Unit("merge-code", (c.new,), (k,), (c.old,), [m.text], self._sep_edition(k),
                                       flags, c.word_diff, e.text, notes=notes))
            else:
                self._copied(c, k, o, n, e)
            return
        fixed = None
        if o.kind == n.kind and n.kind not in COPY_KINDS:
            fixed = token_fixes(o.text, n.text, e.text) or region_fixes(o.text, n.text, e.text)
        if fixed is not None:
            self.units.append(Unit("trivial-fix", (c.new,), (k,), (c.old,), [fixed], self._sep_edition(k),
                                   ["trivial source change", "verbatim token fix"], c.word_diff, e.text,
                                   notes=["only formulas/code spans changed upstream: replaced verbatim in the "
                                          "translation, nothing sent"]))
            return
        if o.kind == n.kind == e.kind == Kind.LIST and (items := splice_items(o.text, e.text, n.text)) is not None:
            self.units.append(self._spliced(items, c, k, e, ["list items"]))
            return
        if o.kind == n.kind == e.kind == Kind.TABLE and (rows := splice_rows(o.text, e.text, n.text)) is not None:
            self.units.append(self._spliced(rows, c, k, e, ["table rows"]))
            return
        if o.kind == n.kind == e.kind and (n.kind in SPLICE_KINDS or _prose_tab(n) and _prose_tab(e)):
            unit = self._splice(o, n, e, c, k)
            if unit is not None:
                self.units.append(unit)
                return
        if o.kind == n.kind == e.kind and n.kind in SPLICE_KINDS | {Kind.LIST, Kind.HEADING} \
                and (nm := near_match(o.text, n.text, e.text)) is not None:
            moved = transfer(o.text, n.text, nm.text, self.src_lang, self.lang)  # slide markers added with it
            flags = [NEAR_FLAG] + ([] if moved.complete else ["slide-marker-not-carried"])
            self.units.append(Unit("near-match", (c.new,), (k,), (c.old,), [moved.text], self._sep_edition(k),
                                   flags, c.word_diff, e.text, notes=[_clip(nm.note, 600), *moved.notes],
                                   markers_added=moved.added, markers_carried=moved.carried))
            return
        self._retranslate((c.old,), (k,), (c.new,), c)

    def _code_run(self, k: int) -> list[int]:
        """The run of consecutive edition code cells that cell ``k`` sits in, in order."""
        lo = hi = k
        while lo > 0 and self.edition.blocks[lo - 1].kind == Kind.CODE:
            lo -= 1
        while hi + 1 < len(self.edition.blocks) and self.edition.blocks[hi + 1].kind == Kind.CODE:
            hi += 1
        return list(range(lo, hi + 1))

    def _split_cell(self, c: Change, k: int, o: Block, n: Block, e: Block) -> bool:
        """The edition split the origin cell into several cells (``merge.split_parts``) and cell ``k`` is one
        of them (or the edition's own paddle cell): the cells are kept, never merged with the whole English
        cell. Upstream changing only comments, strings or layout is then cosmetic (the edition's cells have
        that code); a code change is kept for review with the edition's cells named, its old English staying
        in the origin file."""
        run = self._code_run(k)
        own = [i for i, j in enumerate(run)
               if self.edition.blocks[j].tabs and set(self.edition.blocks[j].tabs) <= set(self.edition_only)]
        parts = split_parts(o.text, [self.edition.blocks[j].text for j in run], run.index(k), own)
        if not parts:
            return False
        where = ", ".join(f"line {self.edition.blocks[run[i]].start} ({', '.join(self.edition.blocks[run[i]].tabs)})"
                          for i in parts)
        note = f"the edition splits this English cell into {len(parts)} cells: {where}"
        if code_key(o.text) == code_key(n.text) and tab_frameworks(o.text) == tab_frameworks(n.text):
            self.units.append(Unit("cosmetic", (c.new,), (k,), (c.old,), [e.text], self._sep_edition(k),
                                   ["only comments or strings changed upstream"], c.word_diff, e.text,
                                   notes=[note + "; only comments, strings or layout changed upstream: kept"]))
            return True
        self.units.append(Unit("kept-review", (c.new,), (k,), (c.old,), [e.text], self._sep_edition(k),
                               ["edition-split-cell"], c.word_diff, e.text, notes=[
                                   note + "; the upstream code change (the English diff) was not applied: it would "
                                   "define the other cells' code twice. Carry it by hand; the old English stays in "
                                   "the origin file"]))
        return True

    def _own_cells(self, k: int, n: Block, added: Sequence[str]) -> list[int]:
        """Edition code cells right around cell ``k`` (the run of cells it sits in) that are the edition's own
        version of upstream's new cell ``n`` for frameworks upstream just added to its ``#@tab`` line: cells of
        those frameworks only, that render no English still there (edition-only, or deleted upstream in a
        stale file, where the deletion is not applied), mostly the same code as ``n``."""
        if not added or "all" in added:
            return []
        run: list[int] = []
        for step in (-1, 1):
            j = k + step
            while 0 <= j < len(self.edition.blocks) and self.edition.blocks[j].kind == Kind.CODE:
                run.append(j)
                j += step
        own = []
        for j in sorted(run):
            tabs = set(self.edition.blocks[j].tabs)
            pair = self.alignment.pairs[self.tgt_pair[j]] if j in self.tgt_pair else None
            spare = pair is None or not pair.src or (self.stale and all(i in self.deleted_old for i in pair.src))
            if tabs and tabs <= set(added) and spare \
                    and ratio(self.edition.blocks[j].loose_key, n.loose_key) >= SAME_CELL_SIMILARITY:
                own.append(j)
        return own

    def _own_cell_notes(self, own: Sequence[int], n: Block) -> list[str]:
        notes = []
        body = code_key("".join(n.text.splitlines(keepends=True)[2:-1]))
        for j in own:
            b = self.edition.blocks[j]
            same = code_key("".join(b.text.splitlines(keepends=True)[2:-1])) == body
            notes.append(f"upstream added {', '.join(b.tabs)} to this cell's #@tab line; the edition has its own "
                         f"{', '.join(b.tabs)} cell at line {b.start}: kept as the only one"
                         + ("" if same else "; its code differs from upstream's shared cell: check it"))
        return notes

    def _splice(self, o: Block, n: Block, e: Block, c: Change, k: int) -> Unit | None:
        wrap = n.kind == Kind.TAB
        o_in, n_in, e_in = (_inner(b) if wrap else b.text for b in (o, n, e))
        if wrap and (_outer(o) != _outer(n) or _outer(e)[0].strip() != _outer(n)[0].strip()):
            return None
        tail = ""
        if not wrap and (MARK_LINE.search(o_in) or MARK_LINE.search(n_in)):
            # directive lines under the paragraph are not sentences: carried line for line, the words spliced
            carried = Carried(e_in)
            e_body, tail = split_trailing_marks(mark_lines(o_in, n_in, e_in, carried))
            o_in, n_in = split_trailing_marks(o_in)[0], split_trailing_marks(n_in)[0]
            if carried.uncarried or MARK_LINE.search(e_body + o_in + n_in):
                return None  # a directive line inside the paragraph: not spliced
            e_in = e_body
        pieces = splice(o_in, e_in, n_in, self.src_lang, self.lang)
        if pieces is None:
            return None
        if tail:
            pieces = [*pieces, Piece(text=tail)]
        return self._spliced(pieces, c, k, e, [], _outer(e) if wrap else None)

    def _spliced(self, pieces: Sequence[Piece], c: Change, k: int, e: Block, flags: list[str],
                 outer: tuple[str, str] | None = None) -> Unit:
        """The unit of a splice: kept pieces stay, a changed sentence (or list item) that is a near-match of
        its old English keeps its human text (``bot.sync.nearmatch``), the rest is translated."""
        parts: list[str | Req] = []
        near: list[str] = []
        replaced: list[str] = []
        english: list[str] = []  # sentences the edition had left in English
        fixed: list[str] = []
        added = carried = 0
        for p in pieces:
            if p.to_translate and p.replaces and p.origin \
                    and (symbols := region_fixes(p.origin, p.english, p.replaces)) is not None:
                parts.append(symbols)  # only formulas/code spans/punctuation changed: fixed verbatim, nothing sent
                fixed.append(f"symbols fixed verbatim: {english_diff(p.origin, p.english)}")
                continue
            if p.to_translate and p.replaces and p.origin and (nm := near_match(p.origin, p.english, p.replaces)):
                moved = transfer(p.origin, p.english, nm.text, self.src_lang, self.lang)  # markers added with it
                parts.append(moved.text)
                near += [nm.note, *moved.notes]
                added, carried = added + moved.added, carried + moved.carried
                if not moved.complete and "slide-marker-not-carried" not in flags:
                    flags = [*flags, "slide-marker-not-carried"]
                continue
            if p.to_translate:
                parts.append(self._req(p.english))
            elif p.text:
                parts.append(p.text)
            if p.replaces and not p.to_translate and not strip_mark_lines(p.replaces).strip():
                fixed.append(f"directive line removed as upstream did: {p.replaces.strip()}")  # no human words
            elif p.replaces and p.origin and same_text(p.replaces, p.origin):
                english.append(f"the edition had this sentence in English, untranslated: {_clip(p.replaces)}")
            elif p.replaces:
                replaced.append(f"replaced human text: {_clip(p.replaces)}")
        notes = replaced + english + near + fixed
        flags = flags + (["human-text-replaced"] if replaced else []) + ([UNTRANSLATED_FLAG] if english else []) + (
            [NEAR_FLAG] if near else []) + (
            [f"{len(fixed)} verbatim fix(es) applied"] if fixed else [])
        if outer:
            parts = [outer[0], *parts, outer[1]]
        action = ("splice" if replaced or any(isinstance(p, Req) for p in parts) else
                  "near-match" if near else "trivial-fix")
        return Unit(action, (c.new,), (k,), (c.old,), parts, self._sep_edition(k), flags, c.word_diff, e.text,
                    notes=notes, markers_added=added, markers_carried=carried)

    def _retranslate(self, old: tuple[int, ...], edition: tuple[int, ...], new: tuple[int, ...], c: Change,
                     flags: list[str] | None = None) -> None:
        parts: list[str | Req] = []
        for n_i, j in enumerate(new):
            if n_i:
                parts.append(self.new.seps[j] or "\n")
            parts += self._block_parts(self.new.blocks[j])
        human = _text(self.edition, edition)
        english = bool(old) and same_text(human, _text(self.origin, old))  # the edition had it untranslated
        flags = (flags or []) + ([UNTRANSLATED_FLAG] if english else ["human-text-replaced"] if human.strip() else [])
        notes = ([f"the edition had this block in English, untranslated: {_clip(human)}"] if english else
                 [f"replaced human text: {_clip(human)}"] if human.strip() else [])
        self.units.append(Unit("retranslate", new, edition, old, parts,
                               self._sep_edition(edition[0]) if edition else "\n", flags, c.word_diff,
                               human, notes=notes))

    def _block_parts(self, b: Block) -> list[str | Req]:
        if b.kind in COPY_KINDS or b.kind == Kind.OTHER or (b.kind == Kind.TAB and not _prose_tab(b)):
            return [b.text]
        if b.kind == Kind.TAB:
            head, tail = _outer(b)
            return [head, self._req(_inner(b)), tail]
        return [self._req(b.text)]

    def _inserted(self, j: int) -> None:
        b = self.new.blocks[j]
        if j in self.updated_new:
            return  # the edition's own version of this cell is updated where it stands
        if b.kind == Kind.CODE and self.unclaimed.get(b.loose_key):
            k = self.unclaimed[b.loose_key].pop(0)
            self.edition_count[_copy_key(b)] -= 1
            self.units.append(Unit("already-in-edition", (j,), (), (), flags=[
                f"edition already has this cell at line {self.edition.blocks[k].start}"]))
            return
        if b.kind in (Kind.CODE, Kind.MATH) and self.edition_count[_copy_key(b)] > self.origin_count[_copy_key(b)] \
                and self._stays(_copy_key(b)):
            self.edition_count[_copy_key(b)] -= 1
            self.units.append(Unit("already-in-edition", (j,), (), (), flags=[
                "edition already has this " + ("cell" if b.kind == Kind.CODE else "equation") + " (layout aside)"]))
            return
        if b.kind in (Kind.CODE, Kind.MATH) and self.kept_moved[key := _copy_key(b)] and self.edition_count[key] > 0:
            self.kept_moved[key] -= 1
            self.edition_count[key] -= 1
            self.units.append(Unit("already-in-edition", (j,), (), (), flags=["stale-origin-review"], notes=[
                "upstream moved this " + ("cell" if b.kind == Kind.CODE else "equation") + " here; the origin "
                "file is stale, so the edition's copy stays where it was (kept for review): not added twice, move "
                "it by hand if the edition follows upstream"]))
            return
        if b.kind == Kind.TAB and (k := self._own_tab(b)) is not None:
            self.units.append(Unit("already-in-edition", (j,), (), (), flags=["stale-origin-review"], notes=[
                f"upstream added a {', '.join(b.tabs)} tab region; the edition already has its own at line "
                f"{self.edition.blocks[k].start}: not added twice, check it says the same"]))
            return
        if self.stale and b.kind not in COPY_KINDS | {Kind.TAB} and carried_tokens(b.text, self.edition_text,
                                                                                       self.origin_text):
            self.units.append(Unit("already-in-edition", (j,), (), (), flags=["stale-origin-review"], notes=[
                "inserted upstream, but the origin file is stale and the edition already has every number, "
                "formula and code span of it: not inserted; check the edition says it"]))
            return
        parts = self._block_parts(b)
        action = "insert" if any(isinstance(p, Req) for p in parts) else "insert-copy"
        self.units.append(Unit(action, (j,), (), (), parts, self._sep_new(j)))


#: Joins the blocks of a 1-n group while symbols are fixed across them (no token crosses it: tokens are one line).
_GROUP_SEP = "\n\x00\n"
_TOP_DEF = re.compile(r"^(?:class|def)\s+(\w+)", re.M)


def _defines(code: str) -> frozenset[str]:
    """The top-level classes and functions a code cell defines."""
    return frozenset(_TOP_DEF.findall(code))


_FENCE_CELL = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)


def _code_cells(text: str) -> list[tuple[frozenset[str], frozenset[str]]]:
    """(frameworks, top-level definitions) of each fenced code cell of ``text`` (no ``#@tab`` line: mxnet)."""
    return [(frozenset(tab_frameworks(m.group(1)) or ("mxnet",)), _defines(m.group(1)))
            for m in _FENCE_CELL.finditer(text)]


def _covers(cell: tuple[frozenset[str], frozenset[str]], framework: str, names: frozenset[str]) -> bool:
    """The cell runs for ``framework`` and defines one of ``names``."""
    return (framework in cell[0] or "all" in cell[0]) and bool(cell[1] & names)


def _verbatim(word: str) -> bool:
    """Inline code or math: case-sensitive, so a casing fix there is a real fix (`` `x` -> `X` ``)."""
    return word.lstrip("([").startswith(("`", "$"))


def _tab_change(old: str, new: str) -> str:
    a, b = tab_frameworks(old), tab_frameworks(new)
    return "" if a == b else f"#@tab {', '.join(a)} -> {', '.join(b)}"


def _frameworks_of(b: Block) -> tuple[str, ...]:
    return b.tabs or ("mxnet",)


def _copy_key(b: Block) -> str:
    return b.loose_key if b.kind == Kind.CODE else "".join(b.text.split())


def _clip(text: str, n: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "…"


def _light_flag(group: Sequence[Change]) -> str:
    ops = {x.op for x in group}
    if "trivial" in ops:
        return "trivial source change"
    if "markers" in ops:
        return "slide markers changed"
    return "cosmetic source change"


def _outer(b: Block) -> tuple[str, str]:
    lines = b.text.splitlines(keepends=True)
    return lines[0], lines[-1]


def _inner(b: Block) -> str:
    return "".join(b.text.splitlines(keepends=True)[1:-1])


def _prose_tab(b: Block) -> bool:
    return b.kind == Kind.TAB and bool(b.children) and all(c.kind in SPLICE_KINDS | {Kind.LIST, Kind.OTHER}
                                                              for c in b.children)


def plan_file(path: str, origin_text: str, new_text: str, edition_text: str, src_lang: str = "en",
              lang: str = "zh", extra_frameworks: Sequence[str] = ("paddle",),
              terms: Mapping[str, str] | None = None, force: frozenset[int] = frozenset(),
              stale: bool = False, aligner: Callable[..., Alignment] = align,
              history: Callable[[], Sequence[tuple[str, str]]] | None = None) -> FilePlan:
    """The plan for one file. ``stale``: the origin file is not a version of the upstream file (the
    edition may be ahead of it anywhere). ``aligner`` has ``bot.align.blocks.align``'s signature (the runner
    passes a cached one). ``history`` gives upstream's versions of the file, ``(commit, text)`` newest first
    (``bot.sync.repos.file_versions``): read only when a block's translation follows part of the new English, to
    find the version it was made from (``bot.sync.history``). Raises ``MarkdownError`` when a text cannot be
    parsed."""
    origin, new, edition = parse(origin_text), parse(new_text), parse(edition_text, lenient=True)
    planner = _Planner(path, origin, new, edition, aligner(origin, edition, extra_frameworks, terms), src_lang, lang,
                       stale, history)
    planner.plan(diff_blocks(origin, new), force)
    _flag_broken_markdown(edition, planner.units)
    # the origin as planned: a block whose translation follows a newer upstream version reads that version
    return FilePlan(path, planner.origin, new, edition, planner.units, planner.segments, planner.requests)


def _flag_broken_markdown(edition: Document, units: Sequence[Unit]) -> None:
    """Each line the lenient parse of the edition read past is flagged on the unit holding its block: the
    translator's slip is kept as written and shown to the reviewer, not refused with the whole file."""
    for line, warning in zip(edition.unclosed_math, edition.warnings, strict=True):
        k = next((i for i, b in enumerate(edition.blocks) if b.start <= line <= b.end), None)
        unit = next((u for u in units if k in u.old_edition), None)
        if unit is not None:
            unit.flags.append("broken-markdown")
            unit.notes.append(f"the edition's markdown is broken here ({warning}); fix it by hand")


def _fill(unit: Unit, plan: FilePlan, results: Mapping[str, TranslationResult],
          postedit: Callable[[str], str]) -> None:
    out: list[str] = []
    kept = "".join(p for p in unit.parts if isinstance(p, str))
    applied: list[str] = []
    missing: list[str] = []
    for part in unit.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        res = results.get(part.id)
        if res is None or res.error:
            unit.status = "failed"
            unit.notes.append(f"engine error: {res.error if res else 'no result'}")
            return
        unit.engines.append(res.engine)
        unit.flags.extend(f for f in res.flags if f not in unit.flags)
        if res.note:
            unit.notes.append(res.note)
        if res.text is None:
            out.append(mark_untranslated(part.english))
            if "needs-human" not in unit.flags:
                unit.flags.append("needs-human")
            continue
        try:
            restored = restore(res.text, plan.segments[part.id])
        except RestoreError as e:
            unit.status = "failed"
            unit.notes.append(f"markup damaged by {res.engine}: {e}")
            return
        trail = part.english[len(part.english.rstrip()):]
        text = postedit(restored.rstrip())
        if unit.old_text:
            again = reapply(text, part.english, unit.old_text, kept, applied)
            text, applied = again.text, applied + list(again.applied)
            missing += again.missing
        out.append(text + trail)
    unit.text = "".join(out)
    if applied:
        unit.notes.append("term convention of the human text kept: " + ", ".join(f"（{t}）" for t in applied))
    if missing:
        unit.flags.append(CONVENTION_FLAG)
        unit.notes.append("the human text wrote these terms as 中文（english）, the engine's text does not use "
                          "their Chinese term: " + ", ".join(missing))


def _violations(english: str, translated: str, extra_frameworks: Sequence[str]) -> set[str] | None:
    """Violations of a block pair taken on its own; ``None`` when the English block cannot stand alone
    (a tab region that d2lbook closes implicitly): the file-level gate still covers it."""
    try:
        en = parse(english)
    except MarkdownError:
        return None
    try:
        return {_unlined(v) for v in check(en, parse(translated), extra_frameworks)}
    except MarkdownError as e:
        return {f"parse: {e}"}


def _gate(unit: Unit, plan: FilePlan, extra_frameworks: Sequence[str]) -> None:
    """Per-block build gate: a unit may not add violations that its old text did not have."""
    if not unit.new or unit.action in NO_OUTPUT_CHECK:
        return
    after = _violations("\n".join(plan.new.blocks[j].text for j in unit.new), unit.text, extra_frameworks)
    if after is None:
        unit.notes.append("block gate skipped: the English block cannot stand alone (file gate applies)")
        return
    before: set[str] = set()
    if unit.old_origin and unit.old_edition:
        before = _violations("\n".join(plan.origin.blocks[i].text for i in unit.old_origin), unit.old_text,
                             extra_frameworks) or set()
    inherited = {roman(v) for v in before}  # an upstream font change alone never makes an old difference new
    new_violations = sorted(v for v in after if roman(v) not in inherited)
    if new_violations:
        unit.status = "failed"
        unit.flags.append("invariant failure")
        unit.notes.append("build gate: " + "; ".join(new_violations))


def render_file(plan: FilePlan, results: Mapping[str, TranslationResult], postedit: Callable[[str], str],
                extra_frameworks: Sequence[str] = ("paddle",)) -> FileOutcome:
    """New edition text and new origin text from the plan and the engine results."""
    for unit in plan.units:
        if unit.action == "delete":
            unit.text = ""
            continue
        _fill(unit, plan, results, postedit)
        if unit.status == "ok":
            _gate(unit, plan, extra_frameworks)
        if unit.status == "failed":
            unit.text = _directives_carried(plan, unit, unit.old_text, note=True) if unit.old_edition else ""
    edition_chunks: list[str] = []
    line = 1
    first = True
    last_old = -2  # the edition block that ends the previous rendered unit
    for unit in plan.units:
        if not unit.text:
            continue
        sep = plan.edition.seps[0] if first else unit.sep
        if not first and unit.old_edition and unit.old_edition[0] == last_old + 1:
            sep = plan.edition.seps[unit.old_edition[0]]  # still after the block it followed: its own separator
        first = False
        last_old = unit.old_edition[-1] if unit.old_edition and unit.text.endswith("\n") else -2
        line += sep.count("\n")
        n_lines = unit.text.count("\n") + (0 if unit.text.endswith("\n") else 1)
        unit.new_lines = (line, line + n_lines - 1)
        line += unit.text.count("\n")
        edition_chunks += [sep, unit.text]
    edition_chunks.append(plan.edition.seps[-1])
    for unit in plan.units:
        if unit.old_edition:
            unit.old_lines = (plan.edition.blocks[unit.old_edition[0]].start,
                              plan.edition.blocks[unit.old_edition[-1]].end)
    origin_text = _origin_text(plan)
    before = check(plan.origin, plan.edition, extra_frameworks)
    edition_text = "".join(edition_chunks)
    try:
        after = check(parse(origin_text), parse(edition_text, lenient=True), extra_frameworks)
    except ValueError as e:
        return FileOutcome(edition_text, origin_text, plan.units, len(before), [f"parse: {e}"], [f"parse: {e}"])
    moved = _merged_equations(plan)
    known = Counter(_moved(_unlined(v), moved) for v in before)
    new: list[str] = []
    for v in after:
        if known[_unlined(v)] > 0:
            known[_unlined(v)] -= 1
        else:
            new.append(str(v))
    return FileOutcome(edition_text, origin_text, plan.units, len(before), [str(v) for v in after], new)


_EQUATION = re.compile(r"\$\$.*?\$\$", re.DOTALL)


def _merged_equations(plan: FilePlan) -> list[tuple[str, str]]:
    """(old, new) equations, whitespace removed as in violation messages, of the ``merge-copy`` units: an
    equation the edition translated inside differed from its English before and still does after the merge;
    that is the same violation, not a new one."""
    pairs: list[tuple[str, str]] = []
    for u in plan.units:
        if u.action != "merge-copy" or u.status != "ok":
            continue
        old_en, new_en = _text(plan.origin, u.old_origin), _text(plan.new, u.new)
        for old, new in ((u.old_text, u.text), (old_en, new_en)):
            a, b = _EQUATION.findall(old), _EQUATION.findall(new)
            if len(a) == len(b):
                pairs += [(re.sub(r"\s+", "", x), re.sub(r"\s+", "", y)) for x, y in zip(a, b, strict=True)]
    return pairs


def _moved(message: str, pairs: Sequence[tuple[str, str]]) -> str:
    for old, new in pairs:
        message = message.replace(old, new)
    return message


def _unlined(v: Violation) -> str:
    return f"{v.kind}: " + re.sub(r"\(source line \d+\)|source line \d+", "", v.message)


def _directives_carried(plan: FilePlan, unit: Unit, text: str, note: bool = False) -> str:
    """``text`` (the human text or the old English a failed unit keeps) with the directive lines upstream added or
    removed carried (``bot.sync.markup.mark_lines``): a label that moved to a neighbouring block the sync did
    update is then neither doubled nor lost."""
    if not (unit.old_origin and unit.new):
        return text
    out = Carried(text)
    out.text = mark_lines(_text(plan.origin, unit.old_origin), _text(plan.new, unit.new), text, out)
    if note and out.carried:
        unit.notes.append(f"{out.carried} directive line(s) (:label:, :width:...) carried as upstream changed them")
    return out.text


def _origin_text(plan: FilePlan) -> str:
    """The new English, except where a unit failed or was kept for review on a stale origin: there the
    old English stays (so it is retried, and the file stays consistent with the kept translation)."""
    failed = {j: u for u in plan.units if u.status == "failed" or u.action in KEPT_FOR_REVIEW for j in u.new}
    kept_deleted: dict[int, list[Unit]] = {}
    for u in plan.units:
        if u.action in KEPT_FOR_REVIEW and not u.new and u.old_origin:
            kept_deleted.setdefault(u.origin_after, []).append(u)
    chunks: list[str] = []

    def deleted_after(j: int) -> None:
        for u in kept_deleted.get(j, []):
            chunks.extend(["\n" if chunks else "", _text(plan.origin, u.old_origin)])

    deleted_after(-1)
    for j, b in enumerate(plan.new.blocks):
        unit = failed.get(j)
        if unit is None:
            chunks += [plan.new.seps[j], b.text]
        elif j == unit.new[0] and unit.old_origin:
            old = _text(plan.origin, unit.old_origin)
            chunks += [plan.new.seps[j], _directives_carried(plan, unit, old) if unit.status == "failed" else old]
        deleted_after(j)
    chunks.append(plan.new.seps[-1])
    return "".join(chunks)
