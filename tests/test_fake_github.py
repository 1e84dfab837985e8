"""The fake GitHub, driven the way the bot drives GitHub: real PyGithub over HTTP plus real git pushes.

Every test ends with ``validation_errors == []``: all requests PyGithub sent and all responses the fake
gave matched GitHub's OpenAPI description.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from github import (
    Auth,
    BadCredentialsException,
    Github,
    GithubException,
    GithubIntegration,
    InputGitTreeElement,
)
from github.GithubException import RateLimitExceededException, UnknownObjectException

from tests.standins.github_server import (
    FakeGitHub,
    delivery_headers,
    list_payloads,
    load_payload,
    retarget_payload,
    sign,
    spec_path,
)

OWNER, REPO = "d2l-ai", "d2l-zh"
#: PyGithub waits 0.25 s between requests and 1 s between writes by default; pointless against a fake
NO_THROTTLE = {"seconds_between_requests": 0.0, "seconds_between_writes": 0.0}
FILES = {"README.md": "# 动手学深度学习\n", "chapter_introduction/index.md": "# 引言\n\nOld text.\n"}


def _git(*args: str, cwd: Path) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="Translator",
        GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="Translator",
        GIT_COMMITTER_EMAIL="t@example.invalid",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def push_branch(clone_url: str, branch: str, files: dict[str, str], work: Path) -> str:
    """Clone, commit ``files`` on ``branch`` and push it -- what the bot does before opening its PR."""
    if not work.exists():
        _git("clone", "-q", clone_url, str(work), cwd=work.parent)
    _git("checkout", "-q", "-B", branch, cwd=work)
    for rel, text in files.items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text, encoding="utf-8")
    _git("add", "-A", cwd=work)
    _git("commit", "-q", "-m", f"update {branch}", cwd=work)
    _git("push", "-q", "origin", f"HEAD:refs/heads/{branch}", cwd=work)
    return _git("rev-parse", "HEAD", cwd=work).strip()


@pytest.fixture
def repo_with_branch(fake_github: FakeGitHub, tmp_path: Path) -> str:
    """``d2l-ai/d2l-zh`` with an ``amts/zh`` branch pushed over git; returns the pushed head sha."""
    fake_github.create_repo(OWNER, REPO, FILES)
    return push_branch(
        fake_github.clone_url(OWNER, REPO),
        "amts/zh",
        {"chapter_introduction/index.md": "# 引言\n\nNew text.\n"},
        tmp_path / "work",
    )


# -- repositories, refs, branches ------------------------------------------------------------------


def test_repo_refs_and_branches_follow_the_bare_repo(
    fake_github: FakeGitHub, github_client: Github, repo_with_branch: str
) -> None:
    repo = github_client.get_repo(f"{OWNER}/{REPO}")
    assert repo.full_name == f"{OWNER}/{REPO}" and repo.default_branch == "main"
    assert repo.clone_url == fake_github.clone_url(OWNER, REPO) and repo.clone_url.startswith("file://")
    assert repo.url.startswith(fake_github.url) and repo.permissions.pull

    assert repo.get_branch("amts/zh").commit.sha == repo_with_branch
    assert repo.get_git_ref("heads/amts/zh").object.sha == repo_with_branch
    assert {b.name for b in repo.get_branches()} == {"main", "amts/zh"}
    assert [r.ref for r in repo.get_git_matching_refs("heads/amts")] == ["refs/heads/amts/zh"]

    main_sha = repo.get_branch("main").commit.sha
    ref = repo.create_git_ref("refs/heads/amts/ja", main_sha)
    assert fake_github.branch_sha(OWNER, REPO, "amts/ja") == main_sha
    ref.edit(repo_with_branch)  # fast-forward
    assert fake_github.branch_sha(OWNER, REPO, "amts/ja") == repo_with_branch
    with pytest.raises(GithubException) as not_ff:
        ref.edit(main_sha)
    assert not_ff.value.status == 422 and "fast forward" in not_ff.value.data["message"]
    ref.edit(main_sha, force=True)
    ref.delete()
    assert fake_github.branch_sha(OWNER, REPO, "amts/ja") is None
    with pytest.raises(UnknownObjectException):
        repo.get_branch("amts/ja")
    assert fake_github.validation_errors == []


def test_contents_git_data_commits_and_compare(
    fake_github: FakeGitHub, github_client: Github, repo_with_branch: str
) -> None:
    repo = github_client.get_repo(f"{OWNER}/{REPO}")
    intro = repo.get_contents("chapter_introduction/index.md", ref="amts/zh")
    assert not isinstance(intro, list) and intro.decoded_content.decode() == "# 引言\n\nNew text.\n"
    listing = repo.get_contents("chapter_introduction")
    assert isinstance(listing, list) and [c.path for c in listing] == ["chapter_introduction/index.md"]

    created = repo.create_file("notes.md", "add notes", "n1\n", branch="amts/zh")
    repo.update_file("notes.md", "edit notes", "n2\n", created["content"].sha, branch="amts/zh")
    head = fake_github.branch_sha(OWNER, REPO, "amts/zh")
    assert head is not None and repo.get_commit(head).commit.message == "edit notes"

    # Git Data API: a commit built without a clone (how "signed" bot commits are made)
    base = repo.get_git_commit(head)
    blob = repo.create_git_blob("hello\n", "utf-8")
    tree = repo.create_git_tree(
        [InputGitTreeElement("docs/new.md", "100644", "blob", sha=blob.sha)], base.tree
    )
    commit = repo.create_git_commit("api commit", tree, [base])
    repo.get_git_ref("heads/amts/zh").edit(commit.sha)
    assert repo.get_contents("docs/new.md", ref="amts/zh").decoded_content == b"hello\n"  # type: ignore[union-attr]
    assert {e.path for e in repo.get_git_tree(commit.sha, recursive=True).tree} >= {"docs/new.md", "notes.md"}

    comparison = repo.compare("main", "amts/zh")
    assert (comparison.status, comparison.ahead_by, comparison.behind_by) == ("ahead", 4, 0)
    assert {f.filename for f in comparison.files} == {
        "chapter_introduction/index.md",
        "notes.md",
        "docs/new.md",
    }
    history = repo.get_commits(sha="amts/zh", path="chapter_introduction/index.md")
    assert [c.sha for c in history] == [repo_with_branch, repo.get_branch("main").commit.sha]
    assert fake_github.validation_errors == []


# -- pull requests ---------------------------------------------------------------------------------


def test_rolling_pull_request_lifecycle(
    fake_github: FakeGitHub, github_client: Github, repo_with_branch: str, tmp_path: Path
) -> None:
    repo = github_client.get_repo(f"{OWNER}/{REPO}")
    pr = repo.create_pull(base="main", head="amts/zh", title="AMTS sync", body="first run")
    assert (pr.number, pr.head.sha, pr.head.ref, pr.base.ref) == (1, repo_with_branch, "amts/zh", "main")
    assert (pr.commits, pr.changed_files, pr.mergeable, pr.user.login) == (1, 1, True, "amts-test")

    with pytest.raises(GithubException) as exists:
        repo.create_pull(base="main", head="amts/zh", title="AMTS sync", body="second run")
    assert exists.value.status == 422
    assert exists.value.data["errors"][0]["message"] == f"A pull request already exists for {OWNER}:amts/zh."

    # the create-pull-request pattern: on 422 look the PR up by owner:branch and update it in place
    found = list(repo.get_pulls(state="open", head=f"{OWNER}:amts/zh", base="main"))
    assert [p.number for p in found] == [pr.number]
    assert list(repo.get_pulls(state="open", head=f"{OWNER}:other")) == []
    found[0].edit(title="AMTS sync (2 files)", body="second run")
    assert repo.get_pull(pr.number).title == "AMTS sync (2 files)"

    new_head = push_branch(
        repo.clone_url, "amts/zh", {"chapter_introduction/index.md": "# 引言\n\nNewer.\n"}, tmp_path / "work"
    )
    assert repo.get_pull(pr.number).head.sha == new_head  # "synchronize": the PR follows the pushed branch
    assert [f.filename for f in repo.get_pull(pr.number).get_files()] == ["chapter_introduction/index.md"]
    assert len(list(repo.get_pull(pr.number).get_commits())) == 2

    repo.get_pull(pr.number).edit(state="closed")
    closed = repo.get_pull(pr.number)
    assert (closed.state, closed.merged) == ("closed", False)
    assert [p.number for p in repo.get_pulls(state="closed")] == [pr.number]
    reopened = repo.create_pull(base="main", head="amts/zh", title="AMTS sync", body="after close")
    assert reopened.number == 2
    assert fake_github.validation_errors == []


def test_pull_request_rejections_and_merge(
    fake_github: FakeGitHub, github_client: Github, repo_with_branch: str
) -> None:
    repo = github_client.get_repo(f"{OWNER}/{REPO}")
    with pytest.raises(GithubException) as missing:
        repo.create_pull(base="main", head="no-such-branch", title="t", body="b")
    assert missing.value.status == 422 and missing.value.data["errors"][0]["field"] == "head"
    fake_github.commit_files(OWNER, REPO, "empty", {})  # a branch with a commit that changes nothing
    fake_github.commit_files(OWNER, REPO, "same", {}, base="main")
    repo.get_git_ref("heads/same").edit(repo.get_branch("main").commit.sha, force=True)
    with pytest.raises(GithubException) as no_commits:
        repo.create_pull(base="main", head="same", title="t", body="b")
    assert no_commits.value.data["errors"][0]["message"] == "No commits between main and same"

    pr = repo.create_pull(base="main", head="amts/zh", title="AMTS sync", body="b")
    fake_github.merge_pull(OWNER, REPO, pr.number, merged_by="maintainer")
    merged = repo.get_pull(pr.number)
    assert (merged.state, merged.merged, merged.merged_by.login) == ("closed", True, "maintainer")
    assert repo.get_branch("main").commit.sha == repo_with_branch

    other = repo.create_pull(base="main", head="empty", title="t", body="b")
    repo.get_git_ref("heads/empty").delete()  # GitHub closes a PR whose head branch is deleted
    assert repo.get_pull(other.number).state == "closed"

    fake_github.commit_files(OWNER, REPO, "amts/ko", {"README.md": "ko\n"})
    third = repo.create_pull(base="main", head="amts/ko", title="t", body="b")
    repo.get_git_ref("heads/amts/ko").edit(repo.get_branch("main").commit.sha, force=True)  # no diff left
    assert (repo.get_pull(third.number).state, repo.get_pull(third.number).merged) == ("closed", False)
    assert fake_github.validation_errors == []


def test_create_repo_from_a_directory_is_deterministic(fake_github: FakeGitHub, tmp_path: Path) -> None:
    source = tmp_path / "edition"
    for rel, text in FILES.items():
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_text(text, encoding="utf-8")
    fake_github.create_repo(OWNER, REPO, source)
    fake_github.create_repo(OWNER, "d2l-zh-copy", FILES, default_branch="master")
    assert fake_github.branch_sha(OWNER, REPO, "main") == fake_github.branch_sha(
        OWNER, "d2l-zh-copy", "master"
    )
    clone = tmp_path / "clone"
    _git("clone", "-q", fake_github.clone_url(OWNER, "d2l-zh-copy"), str(clone), cwd=tmp_path)
    assert (clone / "chapter_introduction" / "index.md").read_text(encoding="utf-8") == FILES[
        "chapter_introduction/index.md"
    ]
    with pytest.raises(ValueError, match="already exists"):
        fake_github.create_repo(OWNER, REPO, FILES)


# -- issues API on PRs: comments, reactions, labels, permissions -----------------------------------


def test_comments_reactions_labels_and_permissions(
    fake_github: FakeGitHub, github_client: Github, repo_with_branch: str
) -> None:
    repo = github_client.get_repo(f"{OWNER}/{REPO}")
    pr = repo.create_pull(base="main", head="amts/zh", title="AMTS sync", body="b")
    comment = pr.create_issue_comment("/amts retranslate chapter_introduction/index.md")
    assert comment.user.login == "amts-test" and comment.html_url.endswith(f"#issuecomment-{comment.id}")
    assert repo.get_issue(pr.number).pull_request is not None

    first = comment.create_reaction("eyes")
    again = comment.create_reaction("eyes")  # 200 with the same reaction, not a duplicate
    assert first.id == again.id and [r.content for r in comment.get_reactions()] == ["eyes"]

    comment.edit("/amts retranslate chapter_introduction/index.md (done)")
    assert pr.get_issue_comment(comment.id).body.endswith("(done)")
    assert [c.id for c in pr.get_issue_comments()] == [comment.id]

    pr.add_to_labels("amts", "needs-review")
    assert [label.name for label in repo.get_pull(pr.number).labels] == ["amts", "needs-review"]
    pr.set_labels("amts")
    assert [label.name for label in pr.get_labels()] == ["amts"]

    fake_github.set_permission(OWNER, REPO, "translator", "write")
    fake_github.set_permission(OWNER, REPO, "reviewer", "triage")
    fake_github.set_permission(OWNER, REPO, "banned", "none")
    permission = repo.get_collaborator_permission
    assert [permission(u) for u in ("translator", "reviewer", "banned", "d2l-ai", "passer-by")] == [
        "write",
        "read",
        "none",
        "admin",
        "read",
    ]
    assert repo.get_collaborator_role_name("reviewer") == "triage"
    assert repo.has_in_collaborators("translator") and not repo.has_in_collaborators("passer-by")
    assert fake_github.validation_errors == []


def test_pagination_follows_link_headers(fake_github: FakeGitHub, repo_with_branch: str) -> None:
    client = Github(
        base_url=fake_github.url,
        auth=Auth.Token("t"),
        retry=None,
        per_page=5,
        **NO_THROTTLE,
    )
    repo = client.get_repo(f"{OWNER}/{REPO}")
    pr = repo.create_pull(base="main", head="amts/zh", title="t", body="b")
    for n in range(12):
        pr.create_issue_comment(f"c{n}")
    assert [c.body for c in pr.get_issue_comments()] == [f"c{n}" for n in range(12)]
    pages = [r for r in fake_github.requests if r.method == "GET" and r.path.endswith("/issues/1/comments")]
    assert len(pages) == 3
    assert fake_github.validation_errors == []


# -- authentication ----------------------------------------------------------------------------------


def test_bad_token_gets_githubs_401(fake_github: FakeGitHub, github_client: Github) -> None:
    fake_github.create_repo(OWNER, REPO, FILES)
    fake_github.reject_token("revoked")
    client = Github(base_url=fake_github.url, auth=Auth.Token("revoked"), retry=None, **NO_THROTTLE)
    with pytest.raises(BadCredentialsException) as denied:
        client.get_repo(f"{OWNER}/{REPO}")
    assert denied.value.status == 401 and denied.value.data["message"] == "Bad credentials"
    assert "documentation_url" in denied.value.data
    fake_github.add_token("bot-token", "amts-bot[bot]")
    bot = Github(base_url=fake_github.url, auth=Auth.Token("bot-token"), retry=None, **NO_THROTTLE)
    fake_github.commit_files(OWNER, REPO, "amts/zh", {"README.md": "changed\n"})
    pr = bot.get_repo(f"{OWNER}/{REPO}").create_pull(base="main", head="amts/zh", title="t", body="b")
    assert (pr.user.login, pr.user.type) == ("amts-bot[bot]", "Bot")
    anonymous = Github(base_url=fake_github.url, retry=None, **NO_THROTTLE)
    assert anonymous.get_repo(f"{OWNER}/{REPO}").name == REPO  # public repos are readable without a token
    assert fake_github.validation_errors == []


def test_app_jwt_installation_token_flow(fake_github: FakeGitHub) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    fake_github.configure_app(4242, slug="amts", public_key_pem=public_pem)
    fake_github.create_repo(OWNER, REPO, FILES)
    fake_github.create_repo("someone", "elsewhere", FILES, install=False)

    app_auth = Auth.AppAuth(4242, private_pem)
    integration = GithubIntegration(auth=app_auth, base_url=fake_github.url, retry=None, **NO_THROTTLE)
    assert integration.get_app().slug == "amts"
    installation = integration.get_repo_installation(OWNER, REPO)
    assert [i.id for i in integration.get_installations()] == [installation.id]
    assert [r.full_name for r in installation.get_repos()] == [f"{OWNER}/{REPO}"]
    token = integration.get_access_token(installation.id)
    assert token.token.startswith("ghs_") and token.expires_at is not None

    installation_auth = app_auth.get_installation_auth(installation.id)
    client = Github(auth=installation_auth, base_url=fake_github.url, retry=None, **NO_THROTTLE)
    repo = client.get_repo(f"{OWNER}/{REPO}")
    assert repo.get_collaborator_permission("amts[bot]") == "read"
    with pytest.raises(UnknownObjectException):  # not in the installation: GitHub answers 404
        client.get_repo("someone/elsewhere")

    wrong = Auth.AppAuth(999, private_pem)
    with pytest.raises(GithubException) as bad_iss:
        GithubIntegration(auth=wrong, base_url=fake_github.url, retry=None, **NO_THROTTLE).get_app()
    assert bad_iss.value.status == 401
    assert fake_github.validation_errors == []


# -- fault injection ---------------------------------------------------------------------------------


def test_injected_429_with_retry_after_is_honoured_by_pygithub(fake_github: FakeGitHub) -> None:
    fake_github.create_repo(OWNER, REPO, FILES)
    fake_github.inject("GET", r"/repos/d2l-ai/d2l-zh$", 429, headers={"Retry-After": "1"})
    client = Github(base_url=fake_github.url, auth=Auth.Token("t"), **NO_THROTTLE)  # default GithubRetry
    started = time.monotonic()
    assert client.get_repo(f"{OWNER}/{REPO}").name == REPO
    assert time.monotonic() - started >= 1.0
    assert [r.status for r in fake_github.requests if r.path == f"/repos/{OWNER}/{REPO}"] == [429, 200]

    fake_github.inject("GET", r"/repos/d2l-ai/d2l-zh$", 429, headers={"Retry-After": "7"})
    no_retry = Github(base_url=fake_github.url, auth=Auth.Token("t"), retry=None, **NO_THROTTLE)
    with pytest.raises(GithubException) as limited:
        no_retry.get_repo(f"{OWNER}/{REPO}")
    assert limited.value.status == 429 and limited.value.headers["retry-after"] == "7"
    assert fake_github.validation_errors == []


def test_injected_403_404_422_and_5xx(
    fake_github: FakeGitHub, github_client: Github, repo_with_branch: str
) -> None:
    repo = github_client.get_repo(f"{OWNER}/{REPO}")
    fake_github.inject("POST", r"/pulls$", 403, headers={"Retry-After": "30"})
    with pytest.raises(RateLimitExceededException):
        repo.create_pull(base="main", head="amts/zh", title="t", body="b")
    fake_github.inject("GET", r"/branches/", 404)
    with pytest.raises(UnknownObjectException):
        repo.get_branch("main")
    fake_github.inject(
        "POST",
        r"/pulls$",
        422,
        body={
            "message": "Validation Failed",
            "documentation_url": "x",
            "errors": [{"code": "custom", "message": "boom"}],
        },
    )
    with pytest.raises(GithubException) as invalid:
        repo.create_pull(base="main", head="amts/zh", title="t", body="b")
    assert invalid.value.data["errors"][0]["message"] == "boom"
    fake_github.inject("*", r"/pulls", 502, times=2)
    for _ in range(2):
        with pytest.raises(GithubException) as bad_gateway:
            list(repo.get_pulls())
        assert bad_gateway.value.status == 502
    assert repo.create_pull(base="main", head="amts/zh", title="t", body="b").number == 1  # faults used up
    assert fake_github.validation_errors == []


# -- the validator itself ------------------------------------------------------------------------------


def test_requests_outside_the_spec_are_recorded_and_answered_500(
    fake_github: FakeGitHub, github_client: Github
) -> None:
    fake_github.create_repo(OWNER, REPO, FILES)
    response = httpx.post(
        f"{fake_github.url}/repos/{OWNER}/{REPO}/pulls",
        json={"head": 1, "base": "main"},
        headers={"Authorization": "token t"},
    )
    assert response.status_code == 500 and "does not match amts-subset.json" in response.json()["message"]
    assert "head: 1 is not of type 'string'" in fake_github.validation_errors[0]
    with pytest.raises(GithubException):
        list(github_client.get_repo(f"{OWNER}/{REPO}").get_git_refs())  # GET git/refs is not in the subset
    assert "OperationNotFound" in fake_github.validation_errors[-1]
    fake_github.validation_errors.clear()  # provoked on purpose; the fixture fails on any left over


def test_spec_path_encodes_slashes_in_greedy_parameters() -> None:
    assert spec_path("/repos/o/r/git/ref/heads/amts/zh") == "/repos/o/r/git/ref/heads%2Famts%2Fzh"
    assert spec_path("/repos/o/r/contents/a/b.md") == "/repos/o/r/contents/a%2Fb.md"
    assert spec_path("/repos/o/r/compare/main...amts/zh") == "/repos/o/r/compare/main...amts%2Fzh"
    assert spec_path("/repos/o/r/pulls/1") == "/repos/o/r/pulls/1"


# -- webhooks --------------------------------------------------------------------------------------------


def test_sign_matches_githubs_documented_vector() -> None:
    assert sign(b"Hello, World!", "It's a Secret to Everybody") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_payloads_load_and_retarget_to_a_fake_repo(fake_github: FakeGitHub) -> None:
    assert "created.on-pull-request.derived" in list_payloads("issue_comment")
    payload = load_payload("issue_comment", "created.on-pull-request.derived")
    assert payload["comment"]["body"].startswith("/amts retranslate")
    assert load_payload("push")["ref"] == "refs/tags/simple-tag"  # payload.json is the default

    state = fake_github.create_repo(OWNER, REPO, FILES)
    moved = fake_github.retarget(payload, OWNER, REPO)
    assert moved["repository"]["full_name"] == f"{OWNER}/{REPO}" and moved["repository"]["id"] == state.id
    assert moved["repository"]["owner"]["login"] == OWNER
    assert moved["issue"]["url"].startswith(f"{fake_github.url}/repos/{OWNER}/{REPO}/issues/")
    assert moved["installation"]["id"] == fake_github.install_app(OWNER)
    assert moved["repository"]["clone_url"] == fake_github.clone_url(OWNER, REPO)  # a bot can clone it
    assert payload["repository"]["full_name"] != moved["repository"]["full_name"]  # the input is untouched

    opened = retarget_payload(load_payload("pull_request", "opened"), owner="o", repo="r")
    assert opened["pull_request"]["head"]["repo"]["full_name"] == "o/r"
    assert opened["pull_request"]["base"]["label"].startswith("o:")

    body = json.dumps(moved).encode()
    headers = delivery_headers("issue_comment", body, "s3cret")
    assert headers["X-Hub-Signature-256"] == sign(body, "s3cret")
    assert headers["X-GitHub-Event"] == "issue_comment" and len(headers["X-GitHub-Delivery"]) == 36
    assert fake_github.validation_errors == []


def test_less_common_endpoints_answer_valid_responses(fake_github: FakeGitHub, github_client: Github) -> None:
    fake_github.create_repo(OWNER, REPO, FILES)
    fake_github.commit_files(OWNER, REPO, "amts/zh", {"README.md": "changed\n"})
    repo = github_client.get_repo(f"{OWNER}/{REPO}")
    assert github_client.get_rate_limit().resources.core.remaining > 0
    repo.edit(description="Chinese edition")
    assert github_client.get_repo(f"{OWNER}/{REPO}").description == "Chinese edition"

    pr = repo.create_pull(base="main", head="amts/zh", title="t", body="b")
    issue = repo.get_issue(pr.number)
    assert issue.create_reaction("+1").content == "+1" and [r.content for r in issue.get_reactions()] == [
        "+1"
    ]
    issue.edit(state="closed")
    assert repo.get_pull(pr.number).state == "closed"
    issue.edit(state="open")
    assert repo.get_pull(pr.number).state == "open"
    pr.create_issue_comment("to delete").delete()
    assert list(pr.get_issue_comments()) == []

    repo.add_to_collaborators("newcomer", "push")
    assert repo.get_collaborator_permission("newcomer") == "write"
    repo.remove_from_collaborators("newcomer")
    assert repo.create_repository_dispatch("amts-sync", {"edition": "zh"})
    assert fake_github.dispatches == [
        {"repository": f"{OWNER}/{REPO}", "event_type": "amts-sync", "client_payload": {"edition": "zh"}}
    ]
    readme = repo.get_contents("README.md", ref="amts/zh")
    assert not isinstance(readme, list)
    repo.delete_file("README.md", "remove readme", readme.sha, branch="amts/zh")
    assert [f.status for f in repo.get_commit("amts/zh").files] == ["removed"]
    assert fake_github.validation_errors == []
