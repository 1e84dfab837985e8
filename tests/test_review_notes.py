"""Reviewer-first PR notes (bot/sync/triage.py, bot/sync/notes.py, bot/github/body.py), from fixtures only.

The file below is written for these tests (no D2L text): one English section whose upstream change exercises
every rule at once: a spliced sentence, a cosmetic re-wrap of a paragraph that the edition split in two
(two plan units share one English block), a code change merged under a translated comment, a code change
that conflicts with the edition's own code, a deleted paragraph, a re-translated heading and a new code cell.
"""

from __future__ import annotations

import hashlib
import re

import pytest

from bot.github import body as bodies
from bot.sync.merge import merge_code
from bot.sync.notes import resolve_links, run_notes
from bot.sync.plan import plan_file, render_file
from bot.sync.replay import build_replay
from bot.sync.report import build_report, pr_body
from bot.sync.runner import FileJob, SyncOptions, SyncResult, run_sync
from bot.sync.triage import (
    REVIEW_THRESHOLD,
    UNKNOWN_RISK,
    action_risk,
    flag_risk,
    notes_for,
)
from bot.translate.base import TranslationResult
from bot.translate.factory import make_engine, memory_from_commit
from tests.conftest import SHARED, needs_shared

PATH = "chapter_x/tensors.md"
ORIGIN = """# Tensors
:label:`sec_x`

First paragraph about tensors. It has two sentences.

Second paragraph explains broadcasting in detail. It is quite long and careful.

```{.python .input}
x = 1  # one
y = x + 1
```

## Details

```{.python .input}
a = 1
b = 2
```

Third paragraph about `torch.cat` will be deleted (see 3.5).

Fourth paragraph about `torch.stack` stays (see 4.2).
"""
EDITION = """# 张量
:label:`sec_x`

第一段关于张量。它有两个句子。

第二段详细解释广播。

它很长而且仔细。

```{.python .input}
x = 1  # 一
y = x + 1
```

## 细节

```{.python .input}
a = 1
b = 2.0
b = int(b)
```

第三段关于`torch.cat`将被删除（见3.5）。

第四段关于`torch.stack`保持不变（见4.2）。
"""
NEW = """# Tensors
:label:`sec_x`

First paragraph about tensors. It now says something else entirely.

Second paragraph explains broadcasting
in detail. It is quite long and careful.

```{.python .input}
x = 1  # one
y = x + 2
```

## More Details

```{.python .input}
a = 1
b = 3
```

```{.python .input}
z = 3
```

Fourth paragraph about `torch.stack` stays (see 4.2).
"""


def translated(requests, engine="fake") -> dict[str, TranslationResult]:
    """What an engine that always answers would return (placeholders kept in order)."""
    return {r.id: TranslationResult(r.id, "机器译文" + "".join(f"⟦{i}⟧" for i in range(len(r.originals))), engine)
            for r in requests}


def untranslated(requests) -> dict[str, TranslationResult]:
    """What the translation memory returns without a match: no text, needs a human."""
    return {r.id: TranslationResult(r.id, None, "tm", flags=("needs-human",)) for r in requests}


def result_for(answer=translated, path: str = PATH, origin: str = ORIGIN, new: str = NEW,
               edition: str = EDITION) -> SyncResult:
    plan = plan_file(path, origin, new, edition)
    results = answer(plan.requests)
    job = FileJob(path, path, False, plan, render_file(plan, results, lambda t: t), "synced")
    return SyncResult(SyncOptions("d2l-en", "d2l-zh", "zh", engine="fake"), "a" * 40, "b" * 40, [job], [], results,
                      "c" * 40)


def notes_of(result: SyncResult):
    (job,) = result.jobs
    return notes_for(job.path, job.plan, job.outcome.units, "zh")


def by_id(result: SyncResult) -> dict:
    return {n.id: n for n in notes_of(result)}


# -- ids --------------------------------------------------------------------------------------------------------


def test_ids_are_unique_even_when_two_units_share_an_english_block() -> None:
    result = result_for()
    units = [u for u in result.jobs[0].outcome.units if u.new == (2,)]
    assert len(units) == 2  # the edition split paragraph #2 in two: two plan units, one English block
    ids = [n.id for n in notes_of(result)]
    assert len(ids) == len(set(ids))
    assert f"{PATH}#2" in ids and f"{PATH}#old-6" in ids  # the deleted paragraph: its old-English index


def test_ids_are_stable_across_runs_of_the_same_upstream_revision() -> None:
    first = [n.id for n in notes_of(result_for())]
    again = [n.id for n in notes_of(result_for(untranslated))]  # another run, another engine answer
    assert first == again


# -- risk ---------------------------------------------------------------------------------------------------------


def test_risk_tables_have_a_default_for_new_actions_and_flags() -> None:
    assert flag_risk("some-flag-added-later") == (UNKNOWN_RISK, "flag: some-flag-added-later")
    assert action_risk("slide-transfer")[0] == UNKNOWN_RISK >= REVIEW_THRESHOLD
    assert flag_risk("human-text-replaced")[0] >= REVIEW_THRESHOLD
    assert flag_risk("edition-ahead")[0] >= REVIEW_THRESHOLD
    assert flag_risk("cosmetic source change")[0] < REVIEW_THRESHOLD


def test_review_first_names_every_replaced_deleted_conflicting_and_low_similarity_block() -> None:
    notes = by_id(result_for())
    review = {i for i, n in notes.items() if n.review}
    assert review == {f"{PATH}#1", f"{PATH}#4", f"{PATH}#5", f"{PATH}#old-6"}, review
    assert "human sentences replaced" in notes[f"{PATH}#1"].reasons
    assert "low similarity to the human text" in notes[f"{PATH}#4"].reasons  # the heading, re-translated
    assert "code merge conflict" in notes[f"{PATH}#5"].reasons
    assert notes[f"{PATH}#old-6"].reasons == ["human text deleted"]
    assert not notes[f"{PATH}#3"].review  # the code merge kept the translated comment: nothing lost
    text = run_notes(result_for(), build_report(result_for()), "$0")
    first_screen = text.split("### Notes by file")[0]
    for nid in review:
        assert f"`{nid}`" in first_screen
    listed = [m for m in re.findall(r"^- \[`([^`]+)`\]", first_screen, re.M)]
    risks = [notes[i].risk for i in listed]
    assert risks == sorted(risks, reverse=True)  # most risky first


def test_unchanged_translations_collapse_into_one_counted_line_per_file() -> None:
    result = result_for()
    text = run_notes(result, build_report(result), "$0")
    assert text.count("Translation unchanged:") == 1
    assert "Translation unchanged: 1 cosmetic (#2)" in text
    assert f"<code>{PATH}#2</code>" not in text  # no empty note for it
    assert "(removed)" not in text and "already-in-edition (removed)" not in text


def test_code_changes_are_unified_diffs_in_fenced_blocks() -> None:
    result = result_for()
    text = run_notes(result, build_report(result), "$0")
    section = text.split(f"<code>{PATH}#3</code>")[1].split("</details>")[0]
    assert "```diff\n@@" in section and "\n-y = x + 1\n+y = x + 2\n" in section
    assert "translated comment" not in section  # the comment survived: no spurious flag


def test_scores_only_where_an_engine_produced_text_and_say_what_they_compare() -> None:
    machine = run_notes(result_for(), build_report(result_for()), "$0")
    section = machine.split(f"<code>{PATH}#1</code>")[1].split("</details>")[0]
    assert "chrF" in section and "against the previous human translation" in section
    english_left = run_notes(result_for(untranslated), build_report(result_for(untranslated)), "$0")
    assert "chrF" not in english_left and "BLEU" not in english_left
    assert "needs a translator" in english_left


def test_merge_code_does_not_flag_a_line_the_edition_already_had() -> None:
    base = "```python\nl_sum = l.sum()\n```\n"
    theirs = "```python\nl_sum += l.sum()\n```\n"
    ours = "```python\nl_sum += l.sum()\nreturn l_sum  # 返回\n```\n"
    assert merge_code(base.replace("```\n", "return l_sum\n```\n"), theirs.replace("```\n", "return l_sum\n```\n"),
                      ours).comments_reset == 0
    reset = merge_code("```python\nb = 1  # one\n```\n", "```python\nb = 2  # one\n```\n",
                       "```python\nb = 1  # 一\n```\n")
    assert reset.comments_reset == 1  # a translated comment really lost stays flagged


# -- links ------------------------------------------------------------------------------------------------------


def test_ids_link_to_their_lines_in_the_pull_request_diff() -> None:
    result = result_for()
    text = run_notes(result, build_report(result), "$0")
    anchor = "diff-" + hashlib.sha256(PATH.encode()).hexdigest()
    url = "https://github.com/d2l-ai/d2l-zh/pull/7"
    linked = resolve_links(text, url)
    line = next(n.lines for n in notes_of(result) if n.id == f"{PATH}#1")
    assert f"[`{PATH}#1`]({url}/files#{anchor}R{line[1]})" in linked
    deleted = next(n.lines for n in notes_of(result) if n.id == f"{PATH}#old-6")
    assert deleted[0] == "L" and f"{url}/files#{anchor}L{deleted[1]}" in linked  # old side for a deletion
    plain = resolve_links(text, None)
    assert "amts-diff:" not in plain and f"`{PATH}#1`" in plain
    assert "amts-diff:" not in pr_body(result, build_report(result))


# -- the limit ----------------------------------------------------------------------------------------------------


def big_result(files: int = 40) -> SyncResult:
    """The same change in many files, each paragraph long: notes far over GitHub's limit."""
    long = " ".join(f"Sentence number {i} about tensors." for i in range(40))
    jobs = []
    for k in range(files):
        path = f"chapter_{k:02d}/tensors.md"
        origin = ORIGIN.replace("It is quite long and careful.", long)
        new = NEW.replace("It is quite long and careful.", long)
        edition = EDITION.replace("它很长而且仔细。", "很长的段落。" * 60)
        plan = plan_file(path, origin, new, edition)
        results = translated(plan.requests)
        jobs.append(FileJob(path, path, False, plan, render_file(plan, results, lambda t: t), "synced"))
    return SyncResult(SyncOptions("d2l-en", "d2l-zh", "zh"), "a" * 40, "b" * 40, jobs, [], {}, "c" * 40)


HEADER = bodies.BodyHeader("zh", "d2l-ai/d2l-en", "master", ("chapter_00/tensors.md",))


def test_a_description_over_the_limit_moves_least_risky_notes_to_comments_never_dropping_one() -> None:
    result = big_result(10)
    text = run_notes(result, build_report(result), "$0")
    run = bodies.Run(bodies.RunRecord("a" * 40, "push", "c" * 40), text)
    limit = 20_000
    assert bodies.text_length(text) > 2 * limit
    composed = bodies.compose(HEADER, [run], limit=limit, pr_url="https://github.com/o/r/pull/3")
    assert bodies.text_length(composed.body) <= limit
    assert composed.overflow and all(bodies.text_length(c) <= limit for c in composed.overflow)
    every = {m for m in re.findall(r'"id": "([^"]+)"', text)}
    in_body = set(re.findall(r'"id": "([^"]+)"', composed.body))
    in_comments = {m for c in composed.overflow for m in re.findall(r'"id": "([^"]+)"', c)}
    assert in_body | in_comments == every and not in_body & in_comments  # each note exactly once
    assert set(composed.moved) == in_comments
    for nid in composed.moved:  # moved notes are still named in the description
        assert f"`{nid}`" in composed.body
    notes = {n.id: n for job in result.jobs for n in notes_for(job.path, job.plan, job.outcome.units, "zh")}
    kept_risk = min(notes[i].risk for i in in_body)
    moved_risk = max(notes[i].risk for i in in_comments)
    assert moved_risk <= kept_risk  # least risky first
    assert "### Review first" in composed.body and "cut to fit" not in composed.body  # the first screen stays
    assert composed.overflow[0].startswith(bodies.OVERFLOW_MARKER)
    assert len({c.split("\n", 1)[0] for c in composed.overflow}) == len(composed.overflow)  # one marker each


def test_earlier_runs_move_to_a_comment_before_the_newest_notes_do() -> None:
    result = big_result(8)
    text = run_notes(result, build_report(result), "$0")
    newest = bodies.Run(bodies.RunRecord("a" * 40, "push 2", "c" * 40), text)
    older = bodies.Run(bodies.RunRecord("9" * 40, "push 1", "d" * 40), text)
    size = bodies.text_length(bodies.render_body(HEADER, [newest]))
    composed = bodies.compose(HEADER, [newest, older], limit=size + 2_000)
    assert not composed.moved and len(composed.overflow) >= 1
    assert "AMTS notes of an earlier run" in composed.overflow[0]
    parsed = bodies.parse_runs(composed.body)
    assert len(parsed) == 2 and "are in the comment" in parsed[1].text
    again = bodies.compose(HEADER, parsed, limit=size + 2_000)  # the next update posts nothing new
    assert again.overflow == ()


@pytest.mark.parametrize("limit", [bodies.BODY_LIMIT])
def test_hard_cut_still_keeps_the_footer(limit: int) -> None:
    run = bodies.Run(bodies.RunRecord("a" * 40, "push", "c" * 40), "😀" * 70_000)
    text = bodies.compose_body(HEADER, [run], limit)
    assert bodies.text_length(text) <= limit and text.endswith(bodies.ATTRIBUTION + "\n")


# -- the real replays (extra coverage over ../shared) ---------------------------------------------------------------

HISTORY = SHARED / "corpus" / "d2l-en-history"


@needs_shared
@pytest.mark.parametrize("name", ["r3-large-drift", "r4-book-v0.17.0-to-v0.17.5"])
def test_r3_r4_descriptions_fit_name_every_flagged_block_first_and_drop_nothing(name: str, tmp_path) -> None:
    upstream, edition = build_replay(HISTORY / name, tmp_path)
    result = run_sync(SyncOptions(str(upstream), str(edition), "zh"),
                      lambda _r, base: make_engine("tm", memory_from_commit(base, "_origin", "en", "zh")))
    text = run_notes(result, build_report(result), "$0", "d2l-ai/d2l-en")
    run = bodies.Run(bodies.RunRecord(result.upstream_sha, "push", result.commit), text)
    files = tuple(j.path for j in result.jobs)
    composed = bodies.compose(bodies.BodyHeader("zh", "d2l-ai/d2l-en", "master", files), [run],
                              pr_url="https://github.com/d2l-ai/d2l-zh/pull/1")
    assert bodies.text_length(composed.body) <= bodies.BODY_LIMIT and "cut to fit" not in composed.body
    notes = [n for j in result.jobs for n in notes_for(j.upstream_path if j.renamed else j.path, j.plan,
                                                        j.outcome.units, "zh")]
    ids = [n.id for n in notes]
    assert len(ids) == len(set(ids))  # r4 used to repeat kaggle-dog.md#2 and four others
    first_screen = composed.body.split("### Notes by file")[0]
    for n in notes:
        if n.review:
            assert f"[`{n.id}`](" in first_screen or f"`{n.id}`" in first_screen, n.id
    shown = set(re.findall(r'"id": "([^"]+)"', composed.body))
    moved = {m for c in composed.overflow for m in re.findall(r'"id": "([^"]+)"', c)}
    collapsed = set()
    for job in result.jobs:
        path = job.upstream_path if job.renamed else job.path
        section = composed.body.split(f"#### `{path}`", 1)[1].split("\n#### ", 1)[0]
        line = next((ln for ln in section.splitlines() if ln.startswith("Translation unchanged:")), "")
        collapsed |= {f"{path}{m}" for m in re.findall(r"#(?:old-)?\d+", line)}
    assert {n.id for n in notes} == shown | moved | collapsed  # every note: shown, in a comment, or counted
    for n in notes:  # a line the edition already had (kaggle-dog.md's `l_sum += l.sum()`) is no lost comment
        if "translated comment" in " ".join(n.reasons):
            assert any(re.search(r"[\u4e00-\u9fff]", b) for b in n.befores), n.id
    assert "(removed)" not in composed.body


# -- review comments ----------------------------------------------------------------------------------------------


def test_review_comments_sit_on_block_lines_and_only_inside_the_diff() -> None:
    from bot.github.review import fit_to_diff, review_comments

    result = result_for()
    comments = review_comments(result)
    ids = [c.id for c in comments]
    assert f"{PATH}#2" not in ids  # unchanged translation: no comment
    risks = {n.id: n.risk for n in notes_of(result)}
    assert [risks[i] for i in ids] == sorted((risks[i] for i in ids), reverse=True)
    first = next(c for c in comments if c.id == f"{PATH}#1")
    assert "```suggestion\n第一段关于张量。它有两个句子。\n```" in first.body and first.side == "RIGHT"
    deleted = next(c for c in comments if c.id == f"{PATH}#old-6")
    assert deleted.side == "LEFT" and "suggestion" not in deleted.body
    patch = "@@ -1,5 +1,5 @@\n x\n-a\n+b\n x\n x\n x\n@@ -20,4 +20,9 @@\n x\n"
    accepted, left = fit_to_diff(comments, {PATH: patch})
    for c in accepted:
        start = c.start_line or c.line
        ranges = [(1, 5), (20, 28)] if c.side == "RIGHT" else [(1, 5), (20, 23)]
        assert any(lo <= start and c.line <= hi for lo, hi in ranges)
    assert left and {c.id for c in accepted} | {c.id for c in left} == set(ids)
    assert fit_to_diff(comments, {})[0] == []  # a file GitHub does not show in the diff gets no comment
