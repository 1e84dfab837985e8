"""The GitHub App and Action end to end, against the local fake GitHub (tests/standins/github_server.py).

Real data: upstream = ``before/`` of the replay range r2-medium-rewrite (tests/data/corpus/d2l-en-history)
plus its real upstream patch (``git am``), pushed to the fake; edition = its ``zh/`` files. Real webhook payloads from
tests/data/github/webhooks, retargeted to the fake repos and signed here. The App authenticates
as a real GitHub App would (RS256 JWT -> installation token), and every exchange with the fake is
validated against GitHub's OpenAPI description (the ``fake_github`` fixture fails a test on any
violation). The engine is the offline translation memory ``tm``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from github import Auth, Github

from bot.config import parse_config
from bot.github.app import AppSettings, create_app
from bot.github.auth import AppAccess, AppCredentials, ClientSettings
from bot.github.events import Routing
from bot.github.handlers import JobHandler
from bot.github.pulls import PullOptions, PullRequests
from bot.github.workspace import Workspace
from tests.conftest import HISTORY
from tests.standins.github_server import FakeGitHub, delivery_headers, load_payload

pytest_plugins = ["tests.standins.github_fixtures"]

R2 = HISTORY / "r2-medium-rewrite"

OWNER, UPSTREAM, EDITION = "d2l-ai", "d2l-en", "d2l-zh"
HYB = "chapter_computational-performance/hybridize.md"
HYB_ORIGIN = "chapter_computational-performance/hybridize_origin.md"
BRANCH = "amts/sync-zh"
SECRET = "It's a Secret to Everybody"
APP_ID = 4242
#: One sentence added upstream to block #9, on top of r2's real patch. Since the trust rules (issue 9) r2 alone
#: needs no translation (the Chinese already follows its rewordings), and these tests need a block the
#: translation memory cannot fill: the splice puts the English sentence into the Chinese paragraph, flagged.
ADDED = ("This allows for a significant amount of optimization.",
         "This allows for a significant amount of optimization. Compilers have done this for decades.")


def _git(cwd: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="Upstream Author", GIT_AUTHOR_EMAIL="author@example.invalid",
               GIT_COMMITTER_NAME="Upstream Author", GIT_COMMITTER_EMAIL="author@example.invalid",
               GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def app_key() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def config_text(api_url: str) -> str:
    return f"""
version: 1
upstream: {{repo: {OWNER}/{UPSTREAM}, branch: master, lang: en}}
editions:
  zh:
    repo: {OWNER}/{EDITION}
    lang: zh
    branch: master
    extra_frameworks: [paddle]
    engine: tm
    paths: ["chapter_*/*.md"]
github:
  api_url: {api_url}
  trusted_permission: write
"""


@dataclass
class Harness:
    fake: FakeGitHub
    tmp: Path
    up_work: Path
    client: TestClient
    pulls: PullRequests
    private_key: str = ""

    @property
    def app(self):
        return self.client.app

    # -- upstream ---------------------------------------------------------------------------------
    def apply_r2(self) -> tuple[str, str]:
        """Push the real upstream patch of r2; returns (before, after)."""
        before = _git(self.up_work, "rev-parse", "HEAD")
        patches = sorted(str(p) for p in (R2 / "patches").glob("*.patch"))
        _git(self.up_work, "am", "-q", "--whitespace=nowarn", *patches)
        return before, self._push()

    def apply_change(self) -> tuple[str, str]:
        """r2's real upstream patch, then ``ADDED``; returns (before, after)."""
        before, _ = self.apply_r2()
        _, after = self.edit_upstream(HYB, *ADDED, "Add a sentence")
        return before, after

    def edit_upstream(self, path: str, old: str, new: str, message: str) -> tuple[str, str]:
        before = _git(self.up_work, "rev-parse", "HEAD")
        file = self.up_work / path
        text = file.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        file.write_text(text.replace(old, new, 1), encoding="utf-8")
        _git(self.up_work, "commit", "-q", "-am", message)
        return before, self._push()

    def _push(self) -> str:
        _git(self.up_work, "push", "-q", "origin", "HEAD:refs/heads/master")
        return _git(self.up_work, "rev-parse", "HEAD")

    # -- deliveries -------------------------------------------------------------------------------
    def push_payload(self, before: str, after: str) -> dict:
        payload = self.fake.retarget(load_payload("push", "with-new-branch"), OWNER, UPSTREAM)
        payload.update(ref="refs/heads/master", before=before, after=after, created=False, deleted=False)
        return payload

    def comment_payload(self, number: int, comment_id: int, body: str, login: str) -> dict:
        payload = self.fake.retarget(load_payload("issue_comment", "created.on-pull-request.derived"), OWNER, EDITION)
        payload["issue"]["number"] = number
        payload["comment"].update(id=comment_id, body=body)
        payload["comment"]["user"].update(login=login, type="User")
        payload["sender"].update(login=login, type="User")
        return payload

    def deliver(self, event: str, payload: dict, secret: str = SECRET, delivery: str | None = None):
        raw = json.dumps(payload).encode()
        return self.client.post("/webhook", content=raw, headers=delivery_headers(event, raw, secret,
                                                                                   delivery=delivery))

    def drain(self) -> int:
        return self.app.state.worker.drain()

    # -- GitHub as a user sees it --------------------------------------------------------------------
    def as_user(self, login: str) -> Github:
        self.fake.add_token(f"token-{login}", login)
        return Github(base_url=self.fake.url, auth=Auth.Token(f"token-{login}"), retry=None,
                      seconds_between_requests=0, seconds_between_writes=0)

    def comment(self, login: str, number: int, body: str) -> dict:
        """``login`` comments on PR ``number``; returns the webhook payload GitHub would send."""
        created = self.as_user(login).get_repo(f"{OWNER}/{EDITION}").get_pull(number).create_issue_comment(body)
        return self.comment_payload(number, created.id, body, login)

    def pulls_of(self, state: str = "all") -> list:
        return list(self.as_user("observer").get_repo(f"{OWNER}/{EDITION}").get_pulls(state=state))

    def file_at(self, ref: str, path: str) -> str:
        """Exact content of ``path`` at ``ref`` in the fake's edition repository."""
        return subprocess.run(["git", "show", f"{ref}:{path}"], cwd=self.fake.root / "repos" / OWNER / f"{EDITION}.git",
                              check=True, capture_output=True, text=True).stdout

    def reactions(self, number: int, comment_id: int) -> list[str]:
        repo = self.as_user("observer").get_repo(f"{OWNER}/{EDITION}")
        return [r.content for r in repo.get_issue(number).get_comment(comment_id).get_reactions()]


def build_harness(fake: FakeGitHub, root: Path, app_key: tuple[str, str], split_above: int | None = None,
                  extra_chapter: bool = False, client_timeout: int = 30, **app_settings) -> Harness:
    """A started ``Harness`` on ``fake`` with its files under ``root`` (the caller closes ``h.client``).
    ``app_settings``: extra ``AppSettings`` fields (``max_attempts``, ``backoff``, ``redis_url``)."""
    private, public = app_key
    root.mkdir(parents=True, exist_ok=True)
    fake.configure_app(APP_ID, public_key_pem=public)
    upstream_files, edition_files = R2 / "before", R2 / "zh"
    if extra_chapter:  # a second chapter (a copy of the same real file) to exercise the per-chapter split
        upstream_files, edition_files = root / "up-files", root / "zh-files"
        for src, dst in ((R2 / "before", upstream_files), (R2 / "zh", edition_files)):
            shutil.copytree(src, dst)
            shutil.copytree(dst / "chapter_computational-performance", dst / "chapter_other")
    fake.create_repo(OWNER, UPSTREAM, upstream_files, default_branch="master", message="base A")
    fake.create_repo(OWNER, EDITION, edition_files, default_branch="master", message="edition")
    up_work = root / "upstream-work"
    _git(root, "clone", "-q", fake.clone_url(OWNER, UPSTREAM), str(up_work))
    config = parse_config(config_text(fake.url))
    access = AppAccess(AppCredentials(str(APP_ID), private),
                       ClientSettings(base_url=fake.url, retry=None, throttle=False, timeout=client_timeout))
    pulls = PullRequests(config, access, Workspace(root / "work"), PullOptions(split_above=split_above))
    settings = AppSettings([SECRET.encode()], Routing.from_config(config), root / "state" / "amts.sqlite3",
                           run_worker=False, **app_settings)
    client = TestClient(create_app(settings, JobHandler(pulls)))
    client.__enter__()
    return Harness(fake, root, up_work, client, pulls, private)


@pytest.fixture
def make_harness(fake_github: FakeGitHub, tmp_path: Path, app_key: tuple[str, str]) -> Iterator:
    """A factory: ``make_harness(split_above=None, extra_chapter=False, **app_settings)`` -> a started
    ``Harness`` on this test's fake GitHub."""
    clients: list[TestClient] = []

    def make(**options) -> Harness:
        h = build_harness(fake_github, tmp_path, app_key, **options)
        clients.append(h.client)
        return h

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def harness(make_harness) -> Harness:
    return make_harness()


def synced(h: Harness) -> tuple[object, str, str]:
    """Push r2 and ``ADDED`` upstream, deliver the push webhook, run the worker: the PR, and the upstream shas."""
    before, after = h.apply_change()
    response = h.deliver("push", h.push_payload(before, after))
    assert response.status_code == 202, response.text
    assert h.drain() == 1
    prs = h.pulls_of()
    assert len(prs) == 1
    return prs[0], before, after


# -- push -> one PR ----------------------------------------------------------------------------------


def test_signed_push_opens_one_pull_request_with_files_body_and_labels(harness: Harness) -> None:
    pr, before, after = synced(harness)
    assert (pr.state, pr.head.ref, pr.base.ref) == ("open", BRANCH, "master")
    assert sorted(f.filename for f in pr.get_files()) == [HYB, HYB_ORIGIN]
    assert {label.name for label in pr.labels} == {"amts", "translation-sync"}
    assert pr.title == f"AMTS: sync zh with {OWNER}/{UPSTREAM}@{after[:7]}"
    body = pr.body
    assert body.startswith("<!-- amts:pr-body -->")
    assert f"`{before[:10]}..{after[:10]}`" in body  # upstream range
    for needle in ("characters sent", "cost estimate", "$0 (offline)", "| tm |", "changed in the translation",
                   f"<code>{HYB}#9</code> splice", "English change", "Previous translation:", "New text:",
                   "### Review first", f"{pr.html_url}/files#diff-", "needs a translator", "CC BY-SA 4.0"):
        assert needle in body, needle
    assert len(body) < 65536
    # the origin file on the branch is the new English; the edition's default branch is untouched
    assert harness.file_at(BRANCH, HYB_ORIGIN) == (harness.up_work / HYB).read_text(encoding="utf-8")
    assert harness.file_at("master", HYB) == (R2 / "zh" / HYB).read_text(encoding="utf-8")
    status = [c for c in harness.fake.comments(OWNER, EDITION, pr.number) if c.body.startswith("<!-- amts:status")]
    assert len(status) == 1 and after[:10] in status[0].body
    assert harness.fake.validation_errors == []  # every exchange matched GitHub's OpenAPI description


def test_second_push_updates_the_same_pull_request(harness: Harness) -> None:
    pr, _, first = synced(harness)
    head1 = pr.head.sha
    before, after = harness.edit_upstream(HYB, "it may be inefficient", "it can be rather inefficient",
                                          "Clarify a sentence")
    assert harness.deliver("push", harness.push_payload(before, after)).status_code == 202
    assert harness.drain() == 1
    prs = harness.pulls_of()
    assert [p.number for p in prs] == [pr.number]  # no second PR
    again = prs[0]
    assert again.state == "open" and again.head.sha != head1
    assert _git(harness.fake.root / "repos" / OWNER / f"{EDITION}.git", "merge-base", "--is-ancestor", head1,
                again.head.sha) == ""  # a new commit on top, no force-push
    assert again.title.endswith(f"@{after[:7]}")
    body = again.body
    assert f"`{first[:10]}`" in body and f"upstream `{after[:10]}`" in body
    assert "Earlier sync runs in this pull request" in body and body.count("<!-- amts:run {") == 2
    assert "it can be rather inefficient" in harness.file_at(BRANCH, HYB_ORIGIN)


def test_a_commit_a_human_pushed_to_the_branch_survives_the_next_sync(harness: Harness) -> None:
    pr, _, _ = synced(harness)
    text = harness.file_at(BRANCH, HYB)
    english = "Compilers have done this for decades. <!-- amts: needs translation -->"
    assert english in text
    human_text = "几十年来，编译器一直这样做。"
    human = harness.fake.commit_files(OWNER, EDITION, BRANCH, {HYB: text.replace(english, human_text)},
                                      message="Translate the torch.jit.script paragraph")
    before, after = harness.edit_upstream(HYB, "it may be inefficient", "it can be rather inefficient",
                                          "Clarify a sentence")
    harness.deliver("push", harness.push_payload(before, after))
    harness.drain()
    head = harness.fake.branch_sha(OWNER, EDITION, BRANCH)
    assert head != human
    assert _git(harness.fake.root / "repos" / OWNER / f"{EDITION}.git", "merge-base", "--is-ancestor", human,
                head) == ""
    assert human_text in harness.file_at(BRANCH, HYB)
    assert [p.number for p in harness.pulls_of()] == [pr.number]


# -- /amts commands ------------------------------------------------------------------------------------


def test_retranslate_from_a_write_user_makes_a_new_commit_and_a_rocket(harness: Harness) -> None:
    pr, _, _ = synced(harness)
    harness.fake.set_permission(OWNER, EDITION, "translator", "write")
    head = pr.head.sha
    before = harness.file_at(BRANCH, HYB)
    payload = harness.comment("translator", pr.number, f"/amts retranslate {HYB}#25\n\nThe first sentence is odd.")
    assert harness.deliver("issue_comment", payload).status_code == 202
    assert harness.drain() == 1
    new_head = harness.fake.branch_sha(OWNER, EDITION, BRANCH)
    assert new_head != head
    assert _git(harness.fake.root / "repos" / OWNER / f"{EDITION}.git", "rev-parse", f"{new_head}^") == head
    assert harness.file_at(BRANCH, HYB) != before
    assert harness.reactions(pr.number, payload["comment"]["id"]) == ["eyes", "rocket"]
    replies = [c.body for c in harness.fake.comments(OWNER, EDITION, pr.number) if c.body.startswith("> /amts")]
    assert len(replies) == 1 and f"done in commit {new_head[:10]}" in replies[0]
    body = harness.pulls_of()[0].body
    assert "re-translation requested" in body and "by @translator" in body


def test_retranslate_from_a_read_only_user_is_refused_and_changes_nothing(harness: Harness) -> None:
    pr, _, _ = synced(harness)
    harness.fake.set_permission(OWNER, EDITION, "passer-by", "read")
    head, body = pr.head.sha, pr.body
    payload = harness.comment("passer-by", pr.number, f"/amts retranslate {HYB}#25")
    assert harness.deliver("issue_comment", payload).status_code == 202
    harness.drain()
    assert harness.fake.branch_sha(OWNER, EDITION, BRANCH) == head
    assert harness.pulls_of()[0].body == body
    assert harness.reactions(pr.number, payload["comment"]["id"]) == ["eyes", "confused"]
    replies = [c.body for c in harness.fake.comments(OWNER, EDITION, pr.number) if c.body.startswith("> /amts")]
    assert len(replies) == 1
    assert "need write permission" in replies[0] and "you have read" in replies[0]
    assert "Nothing was changed" in replies[0]


def test_keep_restores_the_pre_sync_human_text_of_a_block(harness: Harness) -> None:
    pr, _, _ = synced(harness)
    harness.fake.set_permission(OWNER, EDITION, "reviewer", "maintain")
    human = "这将允许进行大量的优化。首先，在大多数情况下，我们可以跳过Python解释器。"
    assert human not in harness.file_at(BRANCH, HYB) and human in harness.file_at("master", HYB)
    origin = harness.file_at(BRANCH, HYB_ORIGIN)
    payload = harness.comment("reviewer", pr.number, f"/amts keep {HYB}#9")
    harness.deliver("issue_comment", payload)
    harness.drain()
    assert human in harness.file_at(BRANCH, HYB)
    assert harness.file_at(BRANCH, HYB_ORIGIN) == origin  # the English stays the new one
    assert harness.reactions(pr.number, payload["comment"]["id"]) == ["eyes", "rocket"]
    assert "human text kept" in harness.pulls_of()[0].body


def test_invalid_and_unknown_commands_get_a_reason_and_the_help_text(harness: Harness) -> None:
    pr, _, _ = synced(harness)
    harness.fake.set_permission(OWNER, EDITION, "translator", "write")
    head = pr.head.sha
    unknown = harness.comment("translator", pr.number, "/amts frobnicate")
    missing = harness.comment("translator", pr.number, "/amts keep chapter_x/nope.md#3")
    harness.deliver("issue_comment", unknown)
    harness.deliver("issue_comment", missing)
    assert harness.drain() == 2
    replies = [c.body for c in harness.fake.comments(OWNER, EDITION, pr.number) if c.body.startswith("> /amts")]
    assert "unknown command `frobnicate`" in replies[0] and "**AMTS commands**" in replies[0]
    assert "`chapter_x/nope.md` is not a synced file" in replies[1]
    assert harness.reactions(pr.number, unknown["comment"]["id"]) == ["eyes", "confused"]
    assert harness.reactions(pr.number, missing["comment"]["id"]) == ["eyes", "confused"]
    assert harness.fake.branch_sha(OWNER, EDITION, BRANCH) == head


def test_comments_by_bots_edits_and_plain_remarks_are_not_queued(harness: Harness) -> None:
    pr, _, _ = synced(harness)
    bot = harness.comment("translator", pr.number, "/amts status")
    bot["comment"]["user"].update(login="amts[bot]", type="Bot")
    edited = harness.comment("translator", pr.number, "/amts status")
    edited["action"] = "edited"
    remark = harness.comment("translator", pr.number, "LGTM, thanks /amts")
    for payload in (bot, edited, remark):
        response = harness.deliver("issue_comment", payload)
        assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert harness.drain() == 0


# -- the webhook door ------------------------------------------------------------------------------------


def test_bad_signature_is_401_and_nothing_is_recorded_or_queued(harness: Harness) -> None:
    before, after = harness.apply_r2()
    payload = harness.push_payload(before, after)
    assert harness.deliver("push", payload, secret="wrong secret").status_code == 401
    raw = json.dumps(payload).encode()
    unsigned = {k: v for k, v in delivery_headers("push", raw, None).items()}
    assert harness.client.post("/webhook", content=raw, headers=unsigned).status_code == 401
    assert harness.client.post("/webhook", content=b"not json", headers=delivery_headers(
        "push", b"not json", "wrong")).status_code == 401  # the signature is checked before parsing
    db = harness.app.state.db.connection()
    assert db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0] == 0
    assert sum(harness.app.state.queue.counts().values()) == 0
    assert harness.drain() == 0 and harness.pulls_of() == []


def test_a_duplicate_delivery_is_processed_once(harness: Harness) -> None:
    before, after = harness.apply_r2()
    payload = harness.push_payload(before, after)
    first = harness.deliver("push", payload, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    again = harness.deliver("push", payload, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    other_id = harness.deliver("push", payload)  # same push under a new delivery id (redelivered by hand)
    assert (first.status_code, again.status_code, other_id.status_code) == (202, 200, 200)
    assert again.json()["status"] == "duplicate delivery" and other_id.json()["status"] == "duplicate event"
    assert harness.drain() == 1
    assert harness.app.state.queue.counts()["done"] == 1
    assert len(harness.pulls_of()) == 1


def test_healthz(harness: Harness) -> None:
    response = harness.client.get("/healthz")
    assert response.status_code == 200 and response.json()["jobs"]["queued"] == 0


# -- branch safety and closing ----------------------------------------------------------------------------


def test_a_rejected_push_leaves_the_branch_alone_and_says_so(harness: Harness, monkeypatch) -> None:
    import bot.github.pulls as pulls_module

    pr, _, _ = synced(harness)
    real_push = pulls_module.push
    raced: list[str] = []

    def racing_push(checkout, token):  # someone pushes between our fetch and our push
        raced.append(harness.fake.commit_files(OWNER, EDITION, BRANCH, {"NOTES.md": "human\n"}, message="race"))
        return real_push(checkout, token)

    monkeypatch.setattr(pulls_module, "push", racing_push)
    before, after = harness.edit_upstream(HYB, "it may be inefficient", "it can be rather inefficient", "Clarify")
    harness.deliver("push", harness.push_payload(before, after))
    harness.drain()
    assert harness.fake.branch_sha(OWNER, EDITION, BRANCH) == raced[0]  # the human's commit, untouched
    comments = [c.body for c in harness.fake.comments(OWNER, EDITION, pr.number)]
    assert any("was rejected" in c and "left the branch alone" in c for c in comments)
    monkeypatch.setattr(pulls_module, "push", real_push)
    before, after = harness.edit_upstream(HYB, "Symbolic Programming", "Symbolic programming", "Case")
    harness.deliver("push", harness.push_payload(before, after))
    harness.drain()  # the next sync builds on top of the human's commit
    head = harness.fake.branch_sha(OWNER, EDITION, BRANCH)
    assert _git(harness.fake.root / "repos" / OWNER / f"{EDITION}.git", "rev-parse", f"{head}^") == raced[0]


def test_the_pull_request_is_closed_when_no_difference_is_left(harness: Harness) -> None:
    pr, _, _ = synced(harness)
    same = {p: harness.file_at(BRANCH, p) for p in (HYB, HYB_ORIGIN)}
    harness.fake.commit_files(OWNER, EDITION, "master", same, message="maintainer applied the sync by hand")
    (harness.up_work / "README.md").write_text("# upstream readme\n", encoding="utf-8")
    _git(harness.up_work, "add", "README.md")
    _git(harness.up_work, "commit", "-q", "-m", "Add a README")
    before = _git(harness.up_work, "rev-parse", "HEAD^")
    after = harness._push()
    harness.deliver("push", harness.push_payload(before, after))
    harness.drain()
    closed = harness.pulls_of()
    assert len(closed) == 1 and closed[0].state == "closed" and not closed[0].merged
    assert any("Nothing left to merge" in c.body and "deleting the branch" in c.body
               for c in harness.fake.comments(OWNER, EDITION, pr.number))
    assert harness.fake.branch_sha(OWNER, EDITION, BRANCH) is None  # nothing of its own was left on it
    assert harness.fake.validation_errors == []


def test_large_syncs_split_into_one_pull_request_per_chapter(make_harness) -> None:
    h = make_harness(split_above=1, extra_chapter=True)
    before = _git(h.up_work, "rev-parse", "HEAD")
    _git(h.up_work, "am", "-q", "--whitespace=nowarn", *sorted(str(p) for p in (R2 / "patches").glob("*.patch")))
    text = (h.up_work / HYB).read_text(encoding="utf-8")
    (h.up_work / HYB).write_text(text.replace(*ADDED, 1), encoding="utf-8")
    shutil.copy(h.up_work / HYB, h.up_work / "chapter_other" / "hybridize.md")  # the same change there
    _git(h.up_work, "commit", "-q", "-am", "The same rewrite in the other chapter")
    after = h._push()
    h.deliver("push", h.push_payload(before, after))
    h.drain()
    prs = sorted(h.pulls_of(), key=lambda p: p.head.ref)
    assert [p.head.ref for p in prs] == [f"{BRANCH}-chapter_computational-performance", f"{BRANCH}-chapter_other"]
    assert sorted(f.filename for f in prs[1].get_files()) == ["chapter_other/hybridize.md",
                                                              "chapter_other/hybridize_origin.md"]
    assert "— `chapter_other`" in prs[1].body and "(chapter_other)" in prs[1].title


# -- the Action ---------------------------------------------------------------------------------------------


def test_action_push_then_comment_writes_outputs(harness: Harness, tmp_path: Path, monkeypatch) -> None:
    import typer
    from typer.testing import CliRunner

    from bot.cli_github import register

    # PyGithub's production pacing (1 s between writes) and retries would only slow the test down
    fast = ClientSettings.kwargs
    monkeypatch.setattr(ClientSettings, "kwargs", lambda self: fast(self) | {
        "retry": None, "seconds_between_requests": 0, "seconds_between_writes": 0})

    cli = typer.Typer()
    register(cli)
    config = tmp_path / "amts.yml"
    config.write_text(config_text(harness.fake.url), encoding="utf-8")
    harness.fake.add_token("action-token", "github-actions[bot]")
    before, after = harness.apply_r2()
    event = tmp_path / "event.json"
    event.write_text(json.dumps(harness.push_payload(before, after)), encoding="utf-8")
    outputs = tmp_path / "outputs.txt"
    env = {"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(event), "GITHUB_OUTPUT": str(outputs),
           "INPUT_TOKEN": "action-token", "INPUT_CONFIG": str(config), "RUNNER_TEMP": str(tmp_path / "runner"),
           "GITHUB_API_URL": harness.fake.url}
    result = CliRunner().invoke(cli, ["action"], env=env)
    assert result.exit_code == 0, result.output
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    pr = harness.pulls_of()[0]
    assert values["operation"] == "created" and values["pull-request-number"] == str(pr.number)
    assert values["pull-request-url"] == pr.html_url
    harness.fake.set_permission(OWNER, EDITION, "translator", "write")
    event.write_text(json.dumps(harness.comment("translator", pr.number, f"/amts retranslate {HYB}#25")),
                     encoding="utf-8")
    outputs.write_text("")
    result = CliRunner().invoke(cli, ["action"], env=env | {"GITHUB_EVENT_NAME": "issue_comment"})
    assert result.exit_code == 0, result.output
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    assert values["operation"] == "updated" and values["pull-request-number"] == str(pr.number)


def test_action_without_event_or_token_fails_with_one_clear_line(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from bot.cli_github import register

    cli = typer.Typer()
    register(cli)
    result = CliRunner().invoke(cli, ["action"], env={"GITHUB_EVENT_NAME": "", "GITHUB_EVENT_PATH": ""})
    assert result.exit_code == 2 and "runs inside a GitHub Actions job" in result.output
    assert "Traceback" not in result.output


def test_after_a_merge_the_next_sync_starts_a_new_pull_request_from_the_base(harness: Harness) -> None:
    pr, _, _ = synced(harness)
    merged = harness.fake.merge_pull(OWNER, EDITION, pr.number)
    before, after = harness.edit_upstream(HYB, "it may be inefficient", "it can be rather inefficient", "Clarify")
    harness.deliver("push", harness.push_payload(before, after))
    harness.drain()
    fresh = harness.pulls_of("open")
    assert len(fresh) == 1 and fresh[0].number != pr.number
    head = harness.fake.branch_sha(OWNER, EDITION, BRANCH)
    assert _git(harness.fake.root / "repos" / OWNER / f"{EDITION}.git", "rev-parse", f"{head}^") == merged
    assert fresh[0].body.count("<!-- amts:run {") == 1


def test_status_and_help_commands_reply(harness: Harness) -> None:
    pr, _, _ = synced(harness)
    harness.fake.set_permission(OWNER, EDITION, "maintainer", "admin")
    status = harness.comment("maintainer", pr.number, "/amts status")
    help_ = harness.comment("maintainer", pr.number, "/amts help")
    harness.deliver("issue_comment", status)
    harness.deliver("issue_comment", help_)
    harness.drain()
    replies = [c.body for c in harness.fake.comments(OWNER, EDITION, pr.number) if c.body.startswith("> /amts")]
    assert "**AMTS status** for `amts/sync-zh`" in replies[0] and "<!-- amts:status" not in replies[0]
    assert "**AMTS commands**" in replies[1]
    assert harness.reactions(pr.number, status["comment"]["id"]) == ["eyes", "rocket"]
    assert harness.reactions(pr.number, help_["comment"]["id"]) == ["eyes", "rocket"]
