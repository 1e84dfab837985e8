"""The learning loop in the App: a merged AMTS pull request on the fake GitHub teaches the store, the TMX and
Amazon Translate's parallel data (on the Translate emulator, through boto3 and moto's S3).

The section synced is the hand-written one of tests/test_review_notes.py; the engine is the deterministic
``MachineEngine`` of tests/test_learn.py (its text is what a reviewer corrects before merging).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from github import Auth, Github

from bot.config import parse_config
from bot.github.app import AppSettings, create_app
from bot.github.auth import AppAccess, AppCredentials, ClientSettings
from bot.github.events import MergedJob, Routing, route
from bot.github.handlers import JobHandler
from bot.github.pulls import LEARN_MARKER, PullOptions, PullRequests
from bot.github.store import Database, post_edits
from bot.github.workspace import Workspace
from bot.learn import read_tmx
from bot.translate.resources import push_parallel_data
from tests.standins.github_server import delivery_headers, load_payload
from tests.test_learn import HUMAN, PATH, MachineEngine
from tests.test_review_notes import EDITION, NEW, ORIGIN

OWNER, UPSTREAM, ED = "d2l-ai", "d2l-en", "d2l-zh"
BRANCH = "amts/sync-zh"
SECRET = "It's a Secret to Everybody"
APP_ID = 4343
RESOURCE = "d2l-zh-reviews"


def _git(cwd: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="Upstream Author", GIT_AUTHOR_EMAIL="author@example.invalid",
               GIT_COMMITTER_NAME="Upstream Author", GIT_COMMITTER_EMAIL="author@example.invalid",
               GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def _files(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def merged_payload(fake, number: int, head: str, base: str, merge: str) -> dict:
    payload = fake.retarget(load_payload("pull_request", "closed"), OWNER, ED)
    pr = payload["pull_request"]
    payload["number"] = pr["number"] = number
    pr["merged"], pr["merge_commit_sha"] = True, merge
    pr["head"].update(ref=BRANCH, sha=head)
    pr["head"]["repo"] = dict(pr["base"]["repo"], full_name=f"{OWNER}/{ED}")
    pr["base"].update(ref="master", sha=base)
    return payload


def check_review(fake, gh, pr) -> None:
    """One review for the run; its comments sit on diff lines; a suggestion restores the human text."""
    from github.GithubException import GithubException

    (review,) = list(pr.get_reviews())
    assert review.body.startswith("<!-- amts:review ") and review.state == "COMMENTED"
    comments = list(pr.get_review_comments())
    assert comments and all(c.path == PATH for c in comments)
    by_block = {c.body.split("`", 2)[1]: c for c in comments}
    first = by_block[f"{PATH}#1"]
    assert "```suggestion\n第一段关于张量。它有两个句子。\n```" in first.body  # one click back to the human text
    assert f"/amts keep {PATH}#1" in first.body and "fake-mt" in first.body
    assert "```diff" in by_block[f"{PATH}#3"].body  # code as a unified diff
    assert by_block[f"{PATH}#old-6"].side == "LEFT"  # the deleted paragraph, on its old lines
    with pytest.raises(GithubException) as refused:  # GitHub's rule the bot respects: only lines in the diff
        pr.create_review(body="x", event="COMMENT", comments=[{"path": PATH, "line": 400, "side": "RIGHT",
                                                                "body": "not in the diff"}])
    assert refused.value.status == 422 and "Line could not be resolved" in str(refused.value.data)
    assert len(fake.reviews[(OWNER, ED, pr.number)]) == 1


def test_routing_of_pull_request_closed_events() -> None:
    routing = Routing("d2l-ai/d2l-en", "master", ("d2l-ai/d2l-zh",))
    sha = "a" * 40
    base = {"action": "closed", "repository": {"full_name": "d2l-ai/d2l-zh"},
            "pull_request": {"number": 7, "merged": True, "merge_commit_sha": "c" * 40,
                             "head": {"ref": "amts/sync-zh", "sha": sha, "repo": {"full_name": "d2l-ai/d2l-zh"}},
                             "base": {"ref": "master", "sha": "b" * 40}}}
    job = route("pull_request", base, routing)
    assert isinstance(job, MergedJob) and (job.number, job.head_sha, job.merge_commit_sha) == (7, sha, "c" * 40)
    assert job.key == "merged:d2l-ai/d2l-zh:7"
    not_merged = {**base, "pull_request": {**base["pull_request"], "merged": False}}
    assert "without merging" in route("pull_request", not_merged, routing).reason
    human = {**base, "pull_request": {**base["pull_request"], "head": {"ref": "fix-typo", "sha": sha,
                                                                        "repo": {"full_name": "d2l-ai/d2l-zh"}}}}
    assert "not AMTS's" in route("pull_request", human, routing).reason
    assert "not an edition" in route("pull_request", {**base, "repository": {"full_name": "x/y"}}, routing).reason


def test_a_merged_pull_request_updates_the_store_the_tmx_and_the_parallel_data(fake_github, aws_env,
                                                                                tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    fake_github.configure_app(APP_ID, public_key_pem=public)
    fake_github.create_repo(OWNER, UPSTREAM, _files(tmp_path / "up", {PATH: ORIGIN}), default_branch="master",
                            message="old English")
    fake_github.create_repo(OWNER, ED, _files(tmp_path / "ed", {PATH: EDITION,
                                                               PATH.replace(".md", "_origin.md"): ORIGIN}),
                            default_branch="master", message="edition")
    work = tmp_path / "up-work"
    _git(tmp_path, "clone", "-q", fake_github.clone_url(OWNER, UPSTREAM), str(work))
    before = _git(work, "rev-parse", "HEAD")
    (work / PATH).write_text(NEW, encoding="utf-8")
    _git(work, "commit", "-q", "-am", "New English")
    _git(work, "push", "-q", "origin", "HEAD:refs/heads/master")
    after = _git(work, "rev-parse", "HEAD")

    bucket = aws_env.s3.new_bucket()
    seed = tmp_path / "seed.tmx"  # the edition's parallel data before this review
    seed.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="en"/><body><tu>'
                    '<tuv xml:lang="en"><seg>Tensors are arrays.</seg></tuv><tuv xml:lang="zh"><seg>张量是数组。</seg>'
                    '</tuv></tu></body></tmx>\n', encoding="utf-8")
    push_parallel_data(seed, RESOURCE, bucket, "amts/parallel-data", sleep=lambda _s: None)
    config = parse_config(f"""
version: 1
upstream: {{repo: {OWNER}/{UPSTREAM}, branch: master, lang: en}}
editions:
  zh: {{repo: {OWNER}/{ED}, lang: zh, branch: master, engine: tm, paths: ["chapter_*/*.md"]}}
engines:
  aws: {{mode: batch, parallel_data_name: {RESOURCE}, s3_bucket: {bucket}, s3_prefix: amts/,
         data_access_role_arn: "arn:aws:iam::123456789012:role/amts"}}
github: {{api_url: {fake_github.url}, trusted_permission: write}}
""")
    access = AppAccess(AppCredentials(str(APP_ID), private),
                       ClientSettings(base_url=fake_github.url, retry=None, throttle=False))
    state = tmp_path / "state" / "amts.sqlite3"
    pulls = PullRequests(config, access, Workspace(tmp_path / "work"),
                         PullOptions(split_above=None, learn_dir=tmp_path / "learning", state_db=state,
                                     parallel_data_poll=0), engine_factory=lambda *_: MachineEngine())
    settings = AppSettings([SECRET.encode()], Routing.from_config(config), state, run_worker=False)
    with TestClient(create_app(settings, JobHandler(pulls))) as client:
        def deliver(event: str, payload: dict, delivery: str | None = None):
            import json

            raw = json.dumps(payload).encode()
            return client.post("/webhook", content=raw, headers=delivery_headers(event, raw, SECRET,
                                                                                  delivery=delivery))

        push = fake_github.retarget(load_payload("push", "with-new-branch"), OWNER, UPSTREAM)
        push.update(ref="refs/heads/master", before=before, after=after, created=False, deleted=False)
        assert deliver("push", push).status_code == 202 and client.app.state.worker.drain() == 1
        fake_github.add_token("token-observer", "observer")
        gh = Github(base_url=fake_github.url, auth=Auth.Token("token-observer"), retry=None,
                    seconds_between_requests=0, seconds_between_writes=0).get_repo(f"{OWNER}/{ED}")
        (pr,) = list(gh.get_pulls(state="open"))
        assert '"engines": ["fake-mt"]' in pr.body
        check_review(fake_github, gh, pr)
        (status,) = fake_github.statuses[(OWNER, UPSTREAM, after)]  # on the upstream commit, per edition
        assert (status["state"], status["context"], status["target_url"]) == ("success", "amts/zh", pr.html_url)
        assert status["description"] == f"PR #{pr.number} created: 6 block(s) changed, 4 to review first"
        proposed = subprocess.run(["git", "show", f"{BRANCH}:{PATH}"], cwd=fake_github.root / "repos" / OWNER /
                                  f"{ED}.git", check=True, capture_output=True, text=True).stdout
        machine = next(line for line in proposed.splitlines() if line.startswith("第一段关于张量。"))
        assert "机器译文" in machine
        fake_github.commit_files(OWNER, ED, BRANCH, {PATH: proposed.replace(machine, HUMAN)},
                                 message="Review: translate the first paragraph properly")
        base_sha = pr.base.sha
        head = fake_github.branch_sha(OWNER, ED, BRANCH)
        merge = fake_github.merge_pull(OWNER, ED, pr.number)
        payload = merged_payload(fake_github, pr.number, head, base_sha, merge)
        assert deliver("pull_request", payload).status_code == 202
        assert client.app.state.worker.drain() == 1
        again = deliver("pull_request", payload)  # redelivered by hand under a new id: the same merge, once
        assert again.status_code == 200 and client.app.state.worker.drain() == 0

    db = Database(state)
    rows = post_edits(db, "zh")
    db.close()
    edited = [r for r in rows if r.edited]
    assert len(edited) == 1 and edited[0].block == f"{PATH}#1" and edited[0].engine == "fake-mt"
    assert edited[0].pr == pr.number and edited[0].merged_sha == merge and edited[0].ter > 0
    assert all(r.chrf == 100.0 for r in rows if not r.edited)
    pairs = read_tmx(tmp_path / "learning" / "zh.tmx", "en", "zh")
    assert any(p.tgt == "现在它说的是完全不同的事情。" for p in pairs)
    ops = aws_env.translate.operations()
    assert ops.count("CreateParallelData") == 1 and ops.count("UpdateParallelData") == 1
    update = next(c.body for c in aws_env.translate.calls if c.operation == "UpdateParallelData")
    assert update["ParallelDataConfig"]["S3Uri"] == f"s3://{bucket}/amts/parallel-data/{RESOURCE}.tmx"
    uploaded = aws_env.s3.client().get_object(Bucket=bucket, Key=f"amts/parallel-data/{RESOURCE}.tmx")
    assert "现在它说的是完全不同的事情。" in uploaded["Body"].read().decode("utf-8")
    comments = [c.body for c in fake_github.comments(OWNER, ED, pr.number) if c.body.startswith(LEARN_MARKER)]
    assert len(comments) == 1 and "1 edited by reviewers" in comments[0] and RESOURCE in comments[0]
    app_pr = access.client(f"{OWNER}/{ED}").get_repo(f"{OWNER}/{ED}").get_pull(pr.number)
    status = pulls.status("zh", app_pr, "`/amts status` by @observer")  # what /amts status replies
    assert "**Post-edit distance**" in status and "```mermaid\nxychart-beta" in status
    assert f"| #{pr.number} | fake-mt | {len(rows)} | 1 |" in status


def test_post_edit_chart_per_engine_over_time() -> None:
    from bot.github.body import post_edit_chart
    from bot.github.store import PostEdit

    rows = [PostEdit("o/r", pr, "zh", f"a.md#{i}", engine, 100.0 - ter, ter, ter > 0, "s", float(pr))
            for pr, engine, ter in ((3, "aws", 40.0), (3, "aws", 20.0), (5, "aws", 10.0), (5, "tm", 0.0))
            for i in (0,)]
    text = "\n".join(post_edit_chart(rows))
    assert "| #3 | aws | 2 | 2 | 70.0 | 30.0 |" in text and "| #5 | tm | 1 | 0 | 100.0 | 0.0 |" in text
    assert 'x-axis ["#3", "#5"]' in text and "line [30.0, 10.0]" in text  # aws improves from #3 to #5
    assert text.count("```mermaid") == 2 and post_edit_chart([]) == []


def test_commit_status_text() -> None:
    from bot.github.pulls import PullOutcome, commit_status

    assert commit_status(PullOutcome("zh", "amts/sync-zh", error="x" * 300))[0] == "failure"
    assert len(commit_status(PullOutcome("zh", "amts/sync-zh", error="x" * 300))[1]) <= 140
    assert commit_status(PullOutcome("zh", "amts/sync-zh", message="nothing to sync")) == ("success",
                                                                                         "nothing to sync")
    done = PullOutcome("zh", "b", "updated", 4, "u", "c" * 40, blocks_changed=3, blocks_review=1)
    assert commit_status(done) == ("success", "PR #4 updated: 3 block(s) changed, 1 to review first")
