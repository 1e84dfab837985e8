"""Quickstart: real upstream changes synced into the Chinese edition, offline, in a few seconds.

Builds two throw-away git repositories from the bundled sample (two upstream d2l-en commits and the matching
d2l-zh files), runs ``amts sync`` with the offline translation-memory engine, and tells what happened in a
translator's terms: which Chinese blocks stayed byte-identical, what was spliced, which slide markers were
carried, and what needs a human. Everything happens in a temporary folder that is removed at the end.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bot.markdown.blocks import parse
from bot.sync.replay import build_replay

SAMPLE = Path(__file__).resolve().parent / "quickstart-sample"

#: what each block action means to a translator; an action missing here is shown by its name
ACTIONS = {
    "keep": "unchanged upstream: Chinese kept byte-identical",
    "cosmetic": "English re-wrapped or re-spaced only: Chinese kept byte-identical",
    "trivial-fix": "English typo fixed: the same fix made where the word appears verbatim in the Chinese",
    "markers": "slide markers [** **] added upstream: carried onto the Chinese, nothing translated",
    "edition-ahead": "the Chinese already says what the new English says: kept as it is",
    "kept-stale": "English changed in a way AMTS cannot place safely: Chinese kept, flagged for a translator",
    "kept-unsure": "English changed, but which Chinese block renders it is unsure: Chinese kept, flagged",
    "kept-review": "the Chinese follows part of the new English only: kept, flagged for a translator",
    "near-match": "English changed by a word or two: Chinese kept (numbers/code fixed verbatim), flagged for a look",
    "splice": "changed sentences sent to the engine and spliced into the human paragraph (the rest stays)",
    "retranslate": "re-translated as a whole (the old Chinese is shown in the PR notes)",
    "insert": "new English paragraph: translated and inserted at its place",
    "insert-copy": "new code cell or equation: copied as it is",
    "already-in-edition": "new upstream code the edition already had: nothing added",
    "merge-code": "code changed upstream: merged into the Chinese cell (translated comments kept)",
    "copy": "equation or table of contents changed: copied from the English",
    "delete": "removed upstream: removed from the Chinese",
}
#: flags that only describe the English change; every other flag asks a person to look
INFORMATIONAL = {"cosmetic source change", "trivial source change", "edition-only", "slide markers changed"}
#: the story's three parts: block actions by what they did to the Chinese
KEPT = {"cosmetic", "trivial-fix", "markers", "already-in-edition", "near-match"}
ALREADY = {"edition-ahead"}
REVIEW = {"kept-stale", "kept-review", "kept-unsure"}
SENT = {"splice", "retranslate", "insert"}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def sample_story(sample: Path) -> str:
    """'d2l-en commits 550895cb "fix errors in …" and …' from the sample's upstream patches (their original
    commit ids and subjects), or the folder name."""
    commits = []
    for patch in sorted((sample / "patches").glob("*.patch")):
        text = patch.read_text(encoding="utf-8")
        sha = re.match(r"From ([0-9a-f]{8})", text)
        subject = re.search(r"^Subject: (?:\[PATCH[^\]]*\] )?(.+)$", text, re.M)
        if sha and subject:
            commits.append(f'{sha.group(1)} "{subject.group(1)}"')
    return "d2l-en commit" + ("s " if len(commits) > 1 else " ") + " and ".join(commits) if commits else sample.name


def summary(report: dict) -> list[str]:
    """What the run did to the Chinese, in four lines."""
    blocks = [b for f in report["files"] for b in f["blocks"]]
    count = lambda kinds: sum(b["action"] in kinds for b in blocks)  # noqa: E731
    sent = [b for b in blocks if b["action"] in SENT]
    untranslated = sum("needs-human" in b["flags"] for b in sent)
    return [
        f"  kept:     {count(KEPT)} changed English block(s) needed nothing in the Chinese (re-wraps, casing, "
        "slide markers, code it already had); every untouched block stays byte-identical",
        f"  already:  {count(ALREADY)} block(s) where the Chinese already said what the new English says: kept, "
        "origin file updated, nothing sent",
        f"  sent:     {len(sent)} block(s) with a real English change the Chinese lacks: only the changed sentences "
        f"were sent ({report['chars_sent']} characters)" + (
            f"; the offline engine had no translation for {untranslated}, so the English stands there marked "
            "for a translator (an MT engine such as --engine aws would fill it)" if untranslated else ""),
        f"  review:   {count(REVIEW)} block(s) kept as they were because the evidence was unclear: flagged for a "
        "translator, never guessed",
    ]


def lines(block: dict) -> str:
    span = block["new_lines"] or block["old_lines"]
    return f"lines {span[0]}–{span[1]}" if span else "no lines"


def tell(report: dict, edition: Path) -> None:
    for f in report["files"]:
        path = f["upstream_path"] if f["renamed"] else f["path"]
        print(f"\n{path}" + (f"  (renamed from {f['path']})" if f["renamed"] else "") + f"  [{f['status']}]")
        if f["status"] == "failed":
            print(f"  failed, left as it was: {f['error']}")
            continue
        old = parse(git(edition, "show", f"{report['base_sha']}:{f['path']}"))
        new_text = git(edition, "show", f"{report['branch']}:{path}")
        same = sum(b.text in new_text for b in old.blocks)
        print(f"  {same} of {len(old.blocks)} Chinese blocks are byte-identical to before (checked in the new file)")
        for action, n in Counter(b["action"] for b in f["blocks"]).most_common():  # "keep" blocks are not listed
            print(f"  {n:4} × {ACTIONS.get(action, action)}")
        carried = sum(int(m.group(1)) for b in f["blocks"] for note in b["notes"]
                      for m in [re.match(r"(\d+) slide marker\(s\) carried", note)] if m)
        print(f"  slide markers carried onto the Chinese: {carried}")
        before, new = f.get("violations_before", 0), f.get("new_violations", [])
        print(f"  book-build checks: {before} problem(s) before, {len(new)} new after"
              + ("" if not new else ": " + "; ".join(new[:3])))
        human = [b for b in f["blocks"] if b["status"] != "ok" or set(b["flags"]) - INFORMATIONAL]
        print(f"  needs a human: {len(human)} block(s)" + (":" if human else ""))
        for b in human:
            flags = [x for x in b["flags"] if x not in INFORMATIONAL and x != b["action"]]
            if b["status"] != "ok":
                flags.insert(0, b["status"])
            ids = ",".join(f"#{i}" for i in b["english_blocks"])
            why = "; ".join([*flags, *b["notes"][:1]])
            print(f"    {path}{ids} ({lines(b)}) {b['action']}" + (f": {why}" if why else ""))


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="amts-quickstart-") as tmp:
        work = Path(tmp)
        upstream, edition = build_replay(SAMPLE, work)
        report_file = work / "report.json"
        env = {**os.environ, "AMTS_CACHE": str(work / "cache")}  # nothing left in ~/.cache either
        print(f"AMTS quickstart: {sample_story(SAMPLE)} synced into the Chinese edition, offline.\n")
        print("$ amts sync --upstream upstream --edition edition --lang zh --engine tm --report report.json")
        code = subprocess.run([sys.executable, "-m", "bot", "sync", "--upstream", str(upstream), "--edition",
                               str(edition), "--lang", "zh", "--engine", "tm", "--report", str(report_file)],
                              cwd=work, env=env).returncode
        if not report_file.is_file():
            return code or 1
        report = json.loads(report_file.read_text(encoding="utf-8"))
        print(f"\nWhat happened (branch {report['branch']}, commit {(report['commit'] or '-')[:10]}; "
              f"{report['chars_sent']} characters sent to an engine):")
        print("\nIn short:")
        print("\n".join(summary(report)))
        tell(report, edition)
        print(f"\n$ git diff --stat master {report['branch']}   (in the edition repository)")
        print(git(edition, "diff", "--stat", "master", report["branch"]).rstrip())
        print(f"\n=== The pull-request description a reviewer would see ({report_file.with_suffix('.md').name}) ===\n")
        print(report_file.with_suffix(".md").read_text(encoding="utf-8"))
    return code


if __name__ == "__main__":
    raise SystemExit(main())
