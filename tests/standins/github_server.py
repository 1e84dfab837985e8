"""A local fake of the GitHub REST API for AMTS tests (issue 6).

Why a fake and not mocks: the bot talks to GitHub through PyGithub and git, and most of its bugs live in
the seams between the two (a PR head that does not match what was pushed, a 422 the bot did not expect,
a URL it builds by hand). So this fake is a real HTTP server (FastAPI + uvicorn on 127.0.0.1) that

* keeps repository state in real bare git repos, so ``git push`` to ``clone_url`` (a ``file://`` URL)
  and the REST views (refs, branches, PR head shas, compare, contents) always agree;
* checks every request and every response against GitHub's own OpenAPI description
  (``tests/data/github/openapi/amts-subset.json``) with openapi-core. A mismatch is recorded in
  ``FakeGitHub.validation_errors`` and answered with 500, so a test that asserts the list is empty
  fails both when the bot sends something GitHub would not accept and when the fake drifts from GitHub;
* reproduces the GitHub behaviours a bot keys on: error bodies (``Bad credentials``, ``Not Found``,
  ``Validation Failed`` with "A pull request already exists for owner:branch."), ``head=owner:branch``
  filtering, reaction idempotency (200 vs 201), installation tokens, and injected faults (403/429 with
  ``Retry-After``, 5xx, ...).

Response bodies are built from the spec itself: a schema-driven skeleton fills every required field with
a valid placeholder and the fake overlays the values it knows. That keeps responses valid when GitHub's
schemas grow new required fields, and keeps this module about behaviour rather than JSON boilerplate.

Webhook helpers (``sign``, ``load_payload``, ``retarget_payload``, ``delivery_headers``) live at the end
of this module: they belong to the same "pretend to be GitHub" job.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid
import zlib
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict

# --------------------------------------------------------------------------------------------------
# Where the fixtures live
# --------------------------------------------------------------------------------------------------

#: ``tests/data/github``: byte-identical copies of the team's ``shared/fixtures/github`` (see its MANIFEST.md).
GITHUB_DATA = Path(__file__).resolve().parents[1] / "data" / "github"
SPEC_PATH = GITHUB_DATA / "openapi" / "amts-subset.json"
WEBHOOKS_DIR = GITHUB_DATA / "webhooks"

#: openapi-core matches the request's host against the spec's ``servers``; the fake is not api.github.com,
#: so requests are presented to the validator as if they were sent there.
_SPEC_HOST = "https://api.github.com"
_DOCS = "https://docs.github.com/rest"
_EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_ZERO_SHA = "0" * 40
_REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")
#: legacy ``permission`` value GitHub reports for each role
_ROLE_TO_PERMISSION = {
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
    "none": "none",
}


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _node_id(kind: str, number: int) -> str:
    """GitHub node ids are opaque strings; a stable, readable one is enough for clients."""
    return base64.b64encode(f"{kind}:{number}".encode()).decode().rstrip("=")


# --------------------------------------------------------------------------------------------------
# Errors in GitHub's shape
# --------------------------------------------------------------------------------------------------


class GitHubError(Exception):
    """An error answer in GitHub's JSON shape; raised by handlers, rendered by the app."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[Any] | None = None,
        documentation_url: str = _DOCS,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.documentation_url = documentation_url
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "documentation_url": self.documentation_url}
        if self.errors is not None:
            out["errors"] = self.errors
        out["status"] = str(self.status)
        return out


def _not_found() -> GitHubError:
    return GitHubError(404, "Not Found")


def _invalid(
    resource: str,
    *,
    field: str | None = None,
    code: str = "invalid",
    message: str | None = None,
    doc: str = _DOCS,
) -> GitHubError:
    """422 "Validation Failed" with one entry in ``errors``, the shape PyGithub and octokit parse."""
    entry: dict[str, Any] = {"resource": resource, "code": code}
    if field is not None:
        entry["field"] = field
    if message is not None:
        entry["message"] = message
    return GitHubError(422, "Validation Failed", errors=[entry], documentation_url=doc)


# --------------------------------------------------------------------------------------------------
# The OpenAPI description: loading, skeletons, validation
# --------------------------------------------------------------------------------------------------


#: Endpoints beyond the subset, cut from the same GitHub description (@octokit/openapi 23.0.2, MIT) with every
#: component they reference that the subset lacks: pull-request reviews and review comments, commit statuses.
EXTRA_SPECS = (Path(__file__).with_name("openapi") / "pull-reviews.json",
               Path(__file__).with_name("openapi") / "commit-statuses.json")


@functools.lru_cache(maxsize=4)
def _load_spec(path: str) -> dict[str, Any]:
    spec = json.loads(Path(path).read_text(encoding="utf-8"))
    for extra in EXTRA_SPECS:
        more = json.loads(extra.read_text(encoding="utf-8"))
        for route, item in more["paths"].items():
            spec["paths"].setdefault(route, item)
        for kind, items in more["components"].items():
            for name, node in items.items():
                spec["components"].setdefault(kind, {}).setdefault(name, node)
    return spec


@functools.lru_cache(maxsize=4)
def _build_openapi(path: str) -> OpenAPI:
    """One validator per process. The check of the description itself (~0.9 s) is skipped: the subset is
    GitHub's generated description and was validated when it was cut (tests/data/github/MANIFEST.md)."""
    return OpenAPI.from_dict(copy.deepcopy(_load_spec(path)), config=Config(spec_validator_cls=None))


class Schemas:
    """Read access to ``components/schemas`` plus skeleton instances built from them."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._components = spec["components"]["schemas"]

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            schema = self._components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def named(self, name: str) -> Mapping[str, Any]:
        return self._components[name]

    def skeleton(
        self,
        schema: Mapping[str, Any] | str,
        url_for: Callable[[str], str],
        name: str = "",
        allow_null: bool = True,
    ) -> Any:
        """Smallest value valid for ``schema``: required properties only, placeholders that satisfy the
        type, enum, format and length constraints. URL-ish fields get ``url_for(field name)`` so even
        fields the fake does not care about point at the fake, never at github.com."""
        node = self.resolve(self._components[schema] if isinstance(schema, str) else schema)
        if "allOf" in node:
            merged: dict[str, Any] = {}
            for part in node["allOf"]:
                merged.update(self.skeleton(part, url_for, name, allow_null) or {})
            return merged
        for key in ("oneOf", "anyOf"):
            if key in node:
                return self.skeleton(node[key][0], url_for, name, allow_null)
        if node.get("nullable") and allow_null:
            return None
        return self._typed_skeleton(node, url_for, name)

    def _typed_skeleton(self, node: Mapping[str, Any], url_for: Callable[[str], str], name: str) -> Any:
        kind = node.get("type") or ("object" if "properties" in node else None)
        if "enum" in node:
            return node["enum"][0]
        if kind == "object":
            props = node.get("properties", {})
            return {key: self.skeleton(props.get(key, {}), url_for, key) for key in node.get("required", [])}
        if kind == "array":
            return [
                self.skeleton(node.get("items", {}), url_for, name) for _ in range(node.get("minItems", 0))
            ]
        if kind == "string":
            return self._string_skeleton(node, url_for, name)
        if kind in ("integer", "number"):
            return node.get("minimum", 0)
        if kind == "boolean":
            return False
        return None

    @staticmethod
    def _string_skeleton(node: Mapping[str, Any], url_for: Callable[[str], str], name: str) -> str:
        fmt = node.get("format")
        if fmt == "date-time":
            return "2026-01-01T00:00:00Z"
        if fmt in ("uri", "uri-template") or name.endswith("url"):
            return url_for(name)
        if fmt == "email":
            return "fake@example.invalid"
        return "0" * node.get("minLength", 0)


def shaped(
    schemas: Schemas,
    schema: str | Mapping[str, Any],
    values: Mapping[str, Any],
    url_for: Callable[[str], str],
) -> Any:
    """A schema skeleton with the fake's real ``values`` laid over it (deep merge for objects)."""
    return _deep_merge(schemas.skeleton(schema, url_for, allow_null=False), values)


def _deep_merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, Mapping):
        out = dict(base)
        for key, value in over.items():
            out[key] = _deep_merge(base.get(key), value)
        return out
    return copy.deepcopy(over)


#: parameters that carry ``/`` on real GitHub but cannot in an OpenAPI path template
_GREEDY_TAILS = [
    re.compile(r"^(/repos/[^/]+/[^/]+/git/(?:ref|refs|matching-refs)/)(.+)$"),
    re.compile(r"^(/repos/[^/]+/[^/]+/(?:contents|branches|compare|commits)/)(.+)$"),
]


def spec_path(path: str) -> str:
    """Percent-encode the ``{ref}``/``{path}``/``{branch}``/``{basehead}`` tail so the path matches its
    template: ``/git/ref/heads/amts/zh`` -> ``/git/ref/heads%2Famts%2Fzh``."""
    for pattern in _GREEDY_TAILS:
        match = pattern.match(path)
        if match:
            return match.group(1) + urllib.parse.quote(urllib.parse.unquote(match.group(2)), safe="")
    return path


#: Where GitHub accepts more than its OpenAPI description says, and a client we use relies on it.
#: Each entry: (method, path regex, why). Keep this list short and justified.
SPEC_TOLERANCES: list[tuple[str, re.Pattern[str], str]] = [
    (
        "POST",
        re.compile(r"^/repos/[^/]+/[^/]+/issues/\d+/labels$"),
        "the field's own description says 'You can also pass an array of labels directly', but the "
        "schema only has the object form; PyGithub's add_to_labels sends a bare array",
    ),
    (
        "PUT",
        re.compile(r"^/repos/[^/]+/[^/]+/issues/\d+/labels$"),
        "same as POST: PyGithub's set_labels sends a bare array",
    ),
]


#: Responses the spec cannot validate as written: (method, spec path regex, schema to use instead, why).
#: Applied only to JSON array bodies; the substitute schema is still fully checked.
RESPONSE_TOLERANCES: list[tuple[str, re.Pattern[str], str, str]] = [
    (
        "get",
        re.compile(r"^/repos/[^/]+/[^/]+/contents/"),
        "content-directory",
        "a directory listing is a JSON array, but the spec's oneOf has a discriminator on `type`, which "
        "the validator applies to arrays too and rejects; the listing is checked against content-directory",
    ),
]


def spec_body(method: str, path: str, raw: bytes) -> bytes:
    """The request body as the validator should see it: a bare label array is wrapped as
    ``{"labels": [...]}`` for the endpoints in ``SPEC_TOLERANCES``; everything else is unchanged."""
    if not raw.lstrip().startswith(b"["):
        return raw
    for tolerated_method, pattern, _why in SPEC_TOLERANCES:
        if method == tolerated_method and pattern.match(path):
            return json.dumps({"labels": json.loads(raw)}).encode()
    return raw


@dataclass
class _SpecRequest:
    """openapi-core's request protocol, filled from what the fake received."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    body: bytes | None
    content_type: str
    host_url: str = _SPEC_HOST
    parameters: RequestParameters = field(init=False)

    def __post_init__(self) -> None:
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(self.query), header=Headers(self.headers)
        )


@dataclass
class _SpecResponse:
    """openapi-core's response protocol."""

    status_code: int
    data: bytes | None
    content_type: str
    headers: Headers


class ExchangeValidator:
    """Validates one request/response exchange against the OpenAPI description.

    A status the operation does not declare (GitHub documents 401/403/429/5xx globally, not per
    operation) is checked against ``basic-error`` instead, so injected faults are validated too."""

    def __init__(self, spec_file: Path) -> None:
        self._openapi = _build_openapi(str(spec_file))
        self._components = _load_spec(str(spec_file))["components"]

    def request_errors(self, request: _SpecRequest) -> list[str]:
        return [_describe(error) for error in self._openapi.iter_apicall_request_errors(request)]

    def response_errors(self, request: _SpecRequest, response: _SpecResponse) -> list[str]:
        substitute = self._substitute_schema(request, response)
        if substitute is not None:
            return self._schema_errors(substitute, response)
        # validation only: openapi-core's unmarshalling finds the same errors but costs ~10x more per call
        errors = list(self._openapi.iter_apicall_response_errors(request, response))
        if len(errors) == 1 and type(errors[0]).__name__ == "ResponseNotFound":
            if response.status_code < 400:
                return [f"status {response.status_code} is not declared for this operation"]
            return self._schema_errors("basic-error", response)
        return [_describe(error) for error in errors]

    @staticmethod
    def _substitute_schema(request: _SpecRequest, response: _SpecResponse) -> str | None:
        if response.status_code != 200 or not (response.data or b"").lstrip().startswith(b"["):
            return None
        for method, pattern, schema, _why in RESPONSE_TOLERANCES:
            if request.method == method and pattern.match(request.path):
                return schema
        return None

    def _schema_errors(self, name: str, response: _SpecResponse) -> list[str]:
        """Check a body against one named component schema (refs resolved inside the components)."""
        try:
            body = json.loads(response.data or b"null")
        except ValueError:
            return [f"status {response.status_code}: body is not JSON"]
        validator = OAS30Validator({"$ref": f"#/components/schemas/{name}", "components": self._components})
        return [
            f"{name}: {'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in validator.iter_errors(body)
        ]


def _describe(error: BaseException) -> str:
    """One readable line per openapi-core error: the schema messages rather than the giant repr."""
    details: list[str] = []
    node: BaseException | None = error
    while node is not None:
        for schema_error in getattr(node, "schema_errors", None) or ():
            where = "/".join(str(part) for part in schema_error.absolute_path) or "<root>"
            details.append(f"{where}: {schema_error.message}")
        node = node.__cause__
    if details:
        return f"{type(error).__name__}: " + "; ".join(details[:12])
    return f"{type(error).__name__}: {str(error)[:300]}"


# --------------------------------------------------------------------------------------------------
# Git: real bare repositories driven with the git CLI
# --------------------------------------------------------------------------------------------------


class GitCommandError(RuntimeError):
    """A git command failed; carries git's own message for the test log."""


@dataclass(frozen=True)
class Signature:
    name: str
    email: str
    date: datetime


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    tree: str
    parents: tuple[str, ...]
    author: Signature
    committer: Signature
    message: str


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    type: str
    sha: str
    path: str
    size: int | None


@dataclass(frozen=True)
class FileChange:
    filename: str
    status: str
    additions: int
    deletions: int
    sha: str
    previous_filename: str | None = None


_FAKE_IDENTITY = Signature(
    "AMTS Fake GitHub", "fake-github@example.invalid", datetime(2026, 1, 1, tzinfo=UTC)
)
_STATUS_WORDS = {"A": "added", "D": "removed", "M": "modified", "R": "renamed", "C": "copied", "T": "changed"}


def _git_env(author: Signature | None = None, committer: Signature | None = None) -> dict[str, str]:
    """Isolate git from the developer's config (hooks, signing, templates) and pin identities."""
    env = dict(os.environ)
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0"})
    for role, sig in (
        ("AUTHOR", author or _FAKE_IDENTITY),
        ("COMMITTER", committer or author or _FAKE_IDENTITY),
    ):
        env[f"GIT_{role}_NAME"] = sig.name
        env[f"GIT_{role}_EMAIL"] = sig.email
        env[f"GIT_{role}_DATE"] = sig.date.strftime("%Y-%m-%dT%H:%M:%S+0000")
    return env


@dataclass
class BareRepo:
    """One bare repository; every REST view of refs and commits is read from here."""

    path: Path

    def git(
        self, *args: str, stdin: bytes | None = None, env: Mapping[str, str] | None = None, check: bool = True
    ) -> str:
        proc = subprocess.run(
            ["git", "--git-dir", str(self.path), *args],
            input=stdin,
            capture_output=True,
            env=dict(env) if env is not None else _git_env(),
        )
        if check and proc.returncode != 0:
            raise GitCommandError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace').strip()}")
        return proc.stdout.decode("utf-8", errors="replace")

    @classmethod
    def create(cls, path: Path, default_branch: str, source: Path, message: str) -> BareRepo:
        """A bare repo whose ``default_branch`` holds one commit with the files under ``source``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "init", "-q", "--bare", "-b", default_branch, str(path)],
            check=True,
            capture_output=True,
            env=_git_env(),
        )
        repo = cls(path)
        with tempfile.TemporaryDirectory() as scratch:
            env = _git_env() | {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            repo.git("--work-tree", str(source), "add", "-A", ".", env=env)
            tree = repo.git("write-tree", env=env).strip()
        commit = repo.write_commit(tree, [], message, _FAKE_IDENTITY, _FAKE_IDENTITY)
        repo.set_ref(f"refs/heads/{default_branch}", commit)
        return repo

    # -- refs ---------------------------------------------------------------------------------------

    def resolve(self, rev: str) -> str | None:
        out = self.git("rev-parse", "--verify", "-q", f"{rev}^{{commit}}", check=False).strip()
        return out or None

    def refs(self, prefix: str = "refs/") -> dict[str, str]:
        out = self.git("for-each-ref", "--format=%(refname) %(objectname)", prefix)
        return dict(line.split(" ", 1) for line in out.splitlines() if line)

    def set_ref(self, ref: str, sha: str, old: str | None = None) -> None:
        self.git("update-ref", ref, sha, *([old] if old else []))

    def delete_ref(self, ref: str) -> None:
        self.git("update-ref", "-d", ref)

    def branch_sha(self, branch: str) -> str | None:
        return self.refs(f"refs/heads/{branch}").get(f"refs/heads/{branch}")

    # -- objects ------------------------------------------------------------------------------------

    def object_type(self, sha: str) -> str | None:
        out = self.git("cat-file", "-t", sha, check=False).strip()
        return out or None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        proc = subprocess.run(
            ["git", "--git-dir", str(self.path), "merge-base", "--is-ancestor", ancestor, descendant],
            capture_output=True,
            env=_git_env(),
        )
        return proc.returncode == 0

    def merge_base(self, a: str, b: str) -> str | None:
        return self.git("merge-base", a, b, check=False).strip() or None

    def commit(self, sha: str) -> CommitInfo:
        raw = self.git("cat-file", "commit", sha)
        header, _, message = raw.partition("\n\n")
        fields: dict[str, list[str]] = {}
        for line in header.splitlines():
            key, _, value = line.partition(" ")
            fields.setdefault(key, []).append(value)
        return CommitInfo(
            sha,
            fields["tree"][0],
            tuple(fields.get("parent", [])),
            _parse_signature(fields["author"][0]),
            _parse_signature(fields["committer"][0]),
            message,
        )

    def commits_between(self, base: str | None, head: str) -> list[str]:
        """Commits reachable from ``head`` but not ``base``, oldest first (the order PR views use)."""
        spec = [head] if base is None else [f"{base}..{head}"]
        return self.git("rev-list", "--reverse", *spec).split()

    def log(self, rev: str, path: str | None = None) -> list[str]:
        return self.git("rev-list", rev, *(["--", path] if path else [])).split()

    def blob(self, sha: str) -> bytes:
        proc = subprocess.run(
            ["git", "--git-dir", str(self.path), "cat-file", "blob", sha],
            capture_output=True,
            env=_git_env(),
            check=True,
        )
        return proc.stdout

    def write_blob(self, data: bytes) -> str:
        return self.git("hash-object", "-w", "--stdin", stdin=data).strip()

    def tree_entries(self, tree_ish: str, recursive: bool = False) -> list[TreeEntry]:
        out = self.git("ls-tree", "-l", "-z", *(["-r", "-t"] if recursive else []), tree_ish)
        entries = []
        for record in out.split("\0"):
            if not record:
                continue
            meta, path = record.split("\t", 1)
            mode, kind, sha, size = meta.split()
            entries.append(TreeEntry(mode, kind, sha, path, None if size == "-" else int(size)))
        return entries

    def lookup(self, rev: str, path: str) -> TreeEntry | None:
        """The tree entry at ``path`` in ``rev`` (the root tree for an empty path)."""
        if not path.strip("/"):
            tree = self.git("rev-parse", f"{rev}^{{tree}}").strip()
            return TreeEntry("040000", "tree", tree, "", None)
        out = self.git("ls-tree", "-l", "-z", rev, "--", path.strip("/"), check=False)
        for record in out.split("\0"):
            if record:
                meta, found = record.split("\t", 1)
                mode, kind, sha, size = meta.split()
                if found == path.strip("/"):
                    return TreeEntry(mode, kind, sha, found, None if size == "-" else int(size))
        return None

    def write_tree(self, base_tree: str | None, changes: Mapping[str, tuple[str, str] | None]) -> str:
        """A new tree: ``base_tree`` with ``changes`` applied (path -> (mode, blob sha), or None to delete
        the path and everything under it). Built in a scratch index so nested paths just work."""
        flat = (
            {
                e.path: (e.mode, e.sha)
                for e in self.tree_entries(base_tree, recursive=True)
                if e.type != "tree"
            }
            if base_tree
            else {}
        )
        for path, entry in changes.items():
            for existing in [p for p in flat if p == path or p.startswith(path + "/")]:
                del flat[existing]
            if entry is not None:
                flat[path] = entry
        info = "".join(f"{mode} {sha}\t{path}\n" for path, (mode, sha) in sorted(flat.items()))
        with tempfile.TemporaryDirectory() as scratch:
            env = _git_env() | {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            self.git("update-index", "--add", "--index-info", stdin=info.encode(), env=env)
            return self.git("write-tree", env=env).strip()

    def write_commit(
        self, tree: str, parents: list[str], message: str, author: Signature, committer: Signature
    ) -> str:
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        return self.git(*args, "-F", "-", stdin=message.encode(), env=_git_env(author, committer)).strip()

    def changes(self, base: str | None, head: str) -> list[FileChange]:
        """Files changed from ``base`` (None = empty tree) to ``head``, with line counts."""
        old = base or _EMPTY_TREE
        numstat = self.git("diff", "--numstat", "-z", "-M", old, head)
        counts = _parse_numstat(numstat)
        raw = self.git("diff", "--raw", "-z", "-M", "--abbrev=40", old, head)
        out = []
        for status, old_path, new_path, sha in _parse_raw_diff(raw):
            added, deleted = counts.get(new_path, (0, 0))
            out.append(
                FileChange(
                    new_path,
                    _STATUS_WORDS.get(status, "changed"),
                    added,
                    deleted,
                    sha,
                    old_path if status in ("R", "C") else None,
                )
            )
        return out

    def merge_tree(self, ours: str, theirs: str) -> str | None:
        """Tree of merging ``theirs`` into ``ours``; None on conflict (git >= 2.38)."""
        proc = subprocess.run(
            ["git", "--git-dir", str(self.path), "merge-tree", "--write-tree", ours, theirs],
            capture_output=True,
            env=_git_env(),
        )
        return proc.stdout.decode().split("\n", 1)[0].strip() if proc.returncode == 0 else None


def _parse_signature(value: str) -> Signature:
    match = re.match(r"^(.*) <(.*)> (\d+) ([+-]\d{4})$", value)
    if not match:
        return _FAKE_IDENTITY
    name, email, epoch, _tz = match.groups()
    return Signature(name, email, datetime.fromtimestamp(int(epoch), UTC))


def _parse_numstat(out: str) -> dict[str, tuple[int, int]]:
    counts: dict[str, tuple[int, int]] = {}
    parts = out.split("\0")
    i = 0
    while i < len(parts):
        record = parts[i]
        if not record:
            i += 1
            continue
        added, deleted, path = record.split("\t", 2)
        if path == "":  # rename: the two paths follow as separate NUL-terminated fields
            path = parts[i + 2]
            i += 2
        counts[path] = (int(added) if added != "-" else 0, int(deleted) if deleted != "-" else 0)
        i += 1
    return counts


def _parse_raw_diff(out: str) -> Iterator[tuple[str, str, str, str]]:
    parts = out.split("\0")
    i = 0
    while i < len(parts) - 1:
        meta = parts[i]
        if not meta.startswith(":"):
            i += 1
            continue
        fields = meta[1:].split()
        status = fields[4][0]
        new_sha = fields[3]
        if status in ("R", "C"):
            yield status, parts[i + 1], parts[i + 2], new_sha
            i += 3
        else:
            yield status, parts[i + 1], parts[i + 1], new_sha if status != "D" else fields[2]
            i += 2


# --------------------------------------------------------------------------------------------------
# State: repositories, issues, pull requests, comments, installations
# --------------------------------------------------------------------------------------------------


@dataclass
class Reaction:
    id: int
    user: str
    content: str
    created_at: datetime


@dataclass
class Comment:
    id: int
    owner: str
    repo: str
    issue_number: int
    body: str
    user: str
    created_at: datetime
    updated_at: datetime
    reactions: list[Reaction] = field(default_factory=list)


@dataclass
class Pull:
    head: str
    base: str
    head_sha: str
    base_sha: str
    draft: bool = False
    maintainer_can_modify: bool = False
    merged: bool = False
    merged_at: datetime | None = None
    merge_commit_sha: str | None = None
    merged_by: str | None = None


@dataclass
class Issue:
    """Issues and pull requests share GitHub's numbering; a PR is an issue with ``pull`` set."""

    number: int
    id: int
    title: str
    body: str | None
    user: str
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    state_reason: str | None = None
    closed_at: datetime | None = None
    labels: list[str] = field(default_factory=list)
    pull: Pull | None = None
    reactions: list[Reaction] = field(default_factory=list)


@dataclass
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str | None = None


@dataclass
class Repo:
    id: int
    owner: str
    name: str
    git: BareRepo
    default_branch: str
    created_at: datetime
    private: bool = False
    description: str | None = None
    permissions: dict[str, str] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class Installation:
    id: int
    account: str
    repos: set[str] = field(default_factory=set)
    created_at: datetime = field(default_factory=_now)
    permissions: dict[str, str] = field(
        default_factory=lambda: {
            "contents": "write",
            "pull_requests": "write",
            "issues": "write",
            "metadata": "read",
        }
    )


@dataclass(frozen=True)
class Identity:
    """Who is calling: a user/bot token, an App JWT, an installation token, or nobody."""

    login: str | None
    kind: str  # "user" | "app" | "installation" | "anonymous"
    installation_id: int | None = None
    repos: frozenset[str] | None = None  # installation tokens narrowed to some repositories


@dataclass
class Fault:
    """One injected answer: the next ``times`` requests matching method and path get it."""

    method: str
    path: re.Pattern[str]
    status: int
    times: int
    headers: dict[str, str]
    body: Any
    delay: float = 0.0  # seconds to wait before answering (a client with a shorter timeout sees a timeout)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: str
    status: int


# --------------------------------------------------------------------------------------------------
# Rendering state as GitHub JSON
# --------------------------------------------------------------------------------------------------


class Renderer:
    """Turns state into response bodies shaped by the spec's schemas, with URLs pointing at the fake."""

    def __init__(self, schemas: Schemas, base_url: str, user_id: Callable[[str], int]) -> None:
        self.schemas = schemas
        self.base = base_url
        self._user_id = user_id

    def _fill(self, schema: str | Mapping[str, Any], values: Mapping[str, Any], prefix: str) -> Any:
        return shaped(self.schemas, schema, values, lambda key: f"{prefix}/{key.removesuffix('_url')}")

    def user(self, login: str, schema: str = "simple-user") -> dict[str, Any]:
        url = f"{self.base}/users/{login}"
        kind = "Bot" if login.endswith("[bot]") else "User"
        return self._fill(
            schema,
            {
                "login": login,
                "id": self._user_id(login),
                "node_id": _node_id("U", self._user_id(login)),
                "type": kind,
                "site_admin": False,
                "url": url,
                "html_url": f"{self.base}/{login}",
                "avatar_url": f"{self.base}/avatars/{login}",
                "gravatar_id": "",
            },
            url,
        )

    def repo(
        self, repo: Repo, schema: str = "repository", viewer_permission: str | None = None
    ) -> dict[str, Any]:
        api = f"{self.base}/repos/{repo.full_name}"
        values: dict[str, Any] = {
            "id": repo.id,
            "node_id": _node_id("R", repo.id),
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": self.user(repo.owner),
            "private": repo.private,
            "fork": False,
            "url": api,
            "html_url": f"{self.base}/{repo.full_name}",
            "description": repo.description,
            "clone_url": repo.git.path.as_uri(),
            "git_url": repo.git.path.as_uri(),
            "ssh_url": repo.git.path.as_uri(),
            "svn_url": f"{self.base}/{repo.full_name}",
            "default_branch": repo.default_branch,
            "visibility": "private" if repo.private else "public",
            "created_at": _iso(repo.created_at),
            "updated_at": _iso(repo.created_at),
            "pushed_at": _iso(repo.created_at),
            "has_issues": True,
            "has_projects": False,
            "has_wiki": False,
            "has_pages": False,
            "has_discussions": False,
            "has_downloads": False,
            "archived": False,
            "disabled": False,
            "homepage": None,
            "language": None,
            "license": None,
            "mirror_url": None,
            "open_issues": self._open_issue_count(repo),
            "open_issues_count": self._open_issue_count(repo),
        }
        if viewer_permission is not None:
            values["permissions"] = _permission_flags(viewer_permission)
        return self._fill(schema, values, api)

    @staticmethod
    def _open_issue_count(repo: Repo) -> int:
        return sum(1 for issue in repo.issues.values() if issue.state == "open")

    def label(self, repo: Repo, label: Label) -> dict[str, Any]:
        url = f"{self.base}/repos/{repo.full_name}/labels/{urllib.parse.quote(label.name)}"
        return self._fill(
            "label",
            {
                "id": label.id,
                "node_id": _node_id("LA", label.id),
                "url": url,
                "name": label.name,
                "color": label.color,
                "description": label.description,
                "default": False,
            },
            url,
        )

    def ref(self, repo: Repo, ref: str, sha: str) -> dict[str, Any]:
        api = f"{self.base}/repos/{repo.full_name}/git"
        kind = repo.git.object_type(sha) or "commit"
        return self._fill(
            "git-ref",
            {
                "ref": ref,
                "node_id": _node_id("REF", zlib.crc32(f"{repo.id}:{ref}".encode())),
                "url": f"{api}/{ref}",
                "object": {"type": kind, "sha": sha, "url": f"{api}/{kind}s/{sha}"},
            },
            f"{api}/{ref}",
        )

    def branch(self, repo: Repo, name: str, sha: str, detailed: bool) -> dict[str, Any]:
        api = f"{self.base}/repos/{repo.full_name}"
        if not detailed:
            return self._fill(
                "short-branch",
                {"name": name, "protected": False, "commit": {"sha": sha, "url": f"{api}/commits/{sha}"}},
                api,
            )
        return self._fill(
            "branch-with-protection",
            {
                "name": name,
                "protected": False,
                "commit": self.commit(repo, sha),
                "_links": {
                    "self": f"{api}/branches/{name}",
                    "html": f"{self.base}/{repo.full_name}/tree/{name}",
                },
                "protection": {"enabled": False},
                "protection_url": f"{api}/branches/{name}/protection",
            },
            api,
        )

    def git_commit(self, repo: Repo, sha: str) -> dict[str, Any]:
        info = repo.git.commit(sha)
        api = f"{self.base}/repos/{repo.full_name}/git"
        return self._fill(
            "git-commit",
            {
                "sha": sha,
                "node_id": _node_id("C", int(sha[:7], 16)),
                "url": f"{api}/commits/{sha}",
                "html_url": f"{self.base}/{repo.full_name}/commit/{sha}",
                "author": _signature_json(info.author),
                "committer": _signature_json(info.committer),
                "message": info.message,
                "tree": {"sha": info.tree, "url": f"{api}/trees/{info.tree}"},
                "parents": [
                    {
                        "sha": p,
                        "url": f"{api}/commits/{p}",
                        "html_url": f"{self.base}/{repo.full_name}/commit/{p}",
                    }
                    for p in info.parents
                ],
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "signature": None,
                    "payload": None,
                    "verified_at": None,
                },
            },
            f"{api}/commits/{sha}",
        )

    def commit(self, repo: Repo, sha: str, with_files: bool = False) -> dict[str, Any]:
        info = repo.git.commit(sha)
        api = f"{self.base}/repos/{repo.full_name}"
        values: dict[str, Any] = {
            "sha": sha,
            "node_id": _node_id("C", int(sha[:7], 16)),
            "url": f"{api}/commits/{sha}",
            "html_url": f"{self.base}/{repo.full_name}/commit/{sha}",
            "comments_url": f"{api}/commits/{sha}/comments",
            "commit": {
                "url": f"{api}/git/commits/{sha}",
                "author": _signature_json(info.author),
                "committer": _signature_json(info.committer),
                "message": info.message,
                "comment_count": 0,
                "tree": {"sha": info.tree, "url": f"{api}/git/trees/{info.tree}"},
            },
            # GitHub sends null when the email maps to no account, but the spec's ``nullable`` + ``oneOf``
            # rejects null under OAS 3.0 validation; the schema's other option is an empty object.
            "author": {},
            "committer": {},
            "parents": [
                {
                    "sha": p,
                    "url": f"{api}/commits/{p}",
                    "html_url": f"{self.base}/{repo.full_name}/commit/{p}",
                }
                for p in info.parents
            ],
        }
        if with_files:
            files = repo.git.changes(info.parents[0] if info.parents else None, sha)
            values["files"] = [self.diff_entry(repo, change, sha) for change in files]
            added, deleted = sum(c.additions for c in files), sum(c.deletions for c in files)
            values["stats"] = {"additions": added, "deletions": deleted, "total": added + deleted}
        return self._fill("commit", values, f"{api}/commits/{sha}")

    def diff_entry(self, repo: Repo, change: FileChange, ref: str, patch: str | None = None) -> dict[str, Any]:
        api = f"{self.base}/repos/{repo.full_name}"
        path = urllib.parse.quote(change.filename)
        values: dict[str, Any] = {
            "sha": change.sha,
            "filename": change.filename,
            "status": change.status,
            "additions": change.additions,
            "deletions": change.deletions,
            "changes": change.additions + change.deletions,
            "blob_url": f"{self.base}/{repo.full_name}/blob/{ref}/{path}",
            "raw_url": f"{self.base}/{repo.full_name}/raw/{ref}/{path}",
            "contents_url": f"{api}/contents/{path}?ref={ref}",
        }
        if change.previous_filename:
            values["previous_filename"] = change.previous_filename
        if patch is not None:
            values["patch"] = patch
        return self._fill("diff-entry", values, api)

    def issue(self, repo: Repo, issue: Issue, comments: int) -> dict[str, Any]:
        api = f"{self.base}/repos/{repo.full_name}"
        url = f"{api}/issues/{issue.number}"
        values: dict[str, Any] = {
            "id": issue.id,
            "node_id": _node_id("I", issue.id),
            "number": issue.number,
            "url": url,
            "repository_url": api,
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{self.base}/{repo.full_name}/issues/{issue.number}",
            "title": issue.title,
            "body": issue.body,
            "user": self.user(issue.user, "nullable-simple-user"),
            "labels": [self.label(repo, repo.labels[name]) for name in issue.labels],
            "state": issue.state,
            "locked": False,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": comments,
            "created_at": _iso(issue.created_at),
            "updated_at": _iso(issue.updated_at),
            "closed_at": _iso(issue.closed_at),
            "author_association": _association(repo, issue.user),
        }
        if issue.state_reason is not None:  # nullable + enum without null: the validator rejects null
            values["state_reason"] = issue.state_reason
        if issue.pull is not None:
            pr_url = f"{api}/pulls/{issue.number}"
            html = f"{self.base}/{repo.full_name}/pull/{issue.number}"
            values["html_url"] = html
            values["pull_request"] = {
                "url": pr_url,
                "html_url": html,
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "merged_at": _iso(issue.pull.merged_at),
            }
        return self._fill("issue", values, url)

    def pull(self, repo: Repo, issue: Issue, comments: int, simple: bool) -> dict[str, Any]:
        assert issue.pull is not None
        pr = issue.pull
        api = f"{self.base}/repos/{repo.full_name}"
        url = f"{api}/pulls/{issue.number}"
        html = f"{self.base}/{repo.full_name}/pull/{issue.number}"
        issue_url = f"{api}/issues/{issue.number}"
        values: dict[str, Any] = {
            "url": url,
            "id": issue.id,
            "node_id": _node_id("PR", issue.id),
            "number": issue.number,
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": issue_url,
            "commits_url": f"{url}/commits",
            "review_comments_url": f"{url}/comments",
            "review_comment_url": f"{api}/pulls/comments{{/number}}",
            "comments_url": f"{issue_url}/comments",
            "statuses_url": f"{api}/statuses/{pr.head_sha}",
            "state": issue.state,
            "locked": False,
            "title": issue.title,
            "body": issue.body,
            "user": self.user(issue.user, "nullable-simple-user"),
            # the spec declares labels[].description a non-nullable string in pull-request-simple (the list
            # answer) but nullable in pull-request: render "" in lists so both stay schema-valid.
            "labels": [
                self.label(repo, repo.labels[name])
                | ({"description": repo.labels[name].description or ""} if simple else {})
                for name in issue.labels
            ],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": _iso(issue.created_at),
            "updated_at": _iso(issue.updated_at),
            "closed_at": _iso(issue.closed_at),
            "merged_at": _iso(pr.merged_at),
            "merge_commit_sha": pr.merge_commit_sha,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": self._pull_end(repo, pr.head, pr.head_sha),
            "base": self._pull_end(repo, pr.base, pr.base_sha),
            "author_association": _association(repo, issue.user),
            "auto_merge": None,
            "draft": pr.draft,
            "_links": {
                name: {"href": href}
                for name, href in {
                    "self": url,
                    "html": html,
                    "issue": issue_url,
                    "comments": f"{issue_url}/comments",
                    "review_comments": f"{url}/comments",
                    "review_comment": f"{api}/pulls/comments{{/number}}",
                    "commits": f"{url}/commits",
                    "statuses": f"{api}/statuses/{pr.head_sha}",
                }.items()
            },
        }
        if not simple:
            values.update(self._pull_stats(repo, issue, comments))
        return self._fill("pull-request-simple" if simple else "pull-request", values, url)

    def _pull_end(self, repo: Repo, branch: str, sha: str) -> dict[str, Any]:
        return {
            "label": f"{repo.owner}:{branch}",
            "ref": branch,
            "sha": sha,
            "user": self.user(repo.owner),
            "repo": self.repo(repo),
        }

    def _pull_stats(self, repo: Repo, issue: Issue, comments: int) -> dict[str, Any]:
        pr = issue.pull
        assert pr is not None
        base = repo.git.merge_base(pr.base_sha, pr.head_sha)
        files = repo.git.changes(base, pr.head_sha)
        mergeable = None if pr.merged else repo.git.merge_tree(pr.base_sha, pr.head_sha) is not None
        return {
            "merged": pr.merged,
            "mergeable": mergeable,
            "rebaseable": mergeable,
            "mergeable_state": "clean" if mergeable else ("dirty" if mergeable is False else "unknown"),
            "merged_by": self.user(pr.merged_by, "nullable-simple-user") if pr.merged_by else None,
            "comments": comments,
            "review_comments": 0,
            "maintainer_can_modify": pr.maintainer_can_modify,
            "commits": len(repo.git.commits_between(pr.base_sha, pr.head_sha)),
            "additions": sum(f.additions for f in files),
            "deletions": sum(f.deletions for f in files),
            "changed_files": len(files),
        }

    def comment(self, repo: Repo, comment: Comment) -> dict[str, Any]:
        api = f"{self.base}/repos/{repo.full_name}"
        issue = repo.issues[comment.issue_number]
        kind = "pull" if issue.pull else "issues"
        url = f"{api}/issues/comments/{comment.id}"
        return self._fill(
            "issue-comment",
            {
                "id": comment.id,
                "node_id": _node_id("IC", comment.id),
                "url": url,
                "html_url": f"{self.base}/{repo.full_name}/{kind}/{comment.issue_number}"
                f"#issuecomment-{comment.id}",
                "issue_url": f"{api}/issues/{comment.issue_number}",
                "body": comment.body,
                "user": self.user(comment.user, "nullable-simple-user"),
                "created_at": _iso(comment.created_at),
                "updated_at": _iso(comment.updated_at),
                "author_association": _association(repo, comment.user),
                "reactions": self._rollup(url, comment.reactions),
            },
            url,
        )

    def status(self, repo: Repo, status: Mapping[str, Any]) -> dict[str, Any]:
        url = f"{self.base}/repos/{repo.full_name}/statuses/{status['sha']}"
        return self._fill("status", {
            "id": status["id"], "node_id": _node_id("SC", status["id"]), "url": url, "state": status["state"],
            "description": status["description"], "target_url": status["target_url"], "context": status["context"],
            "avatar_url": None, "created_at": _iso(_now()), "updated_at": _iso(_now()),
            "creator": self.user(status["creator"], "nullable-simple-user"),
        }, url)

    def review(self, repo: Repo, review: Mapping[str, Any]) -> dict[str, Any]:
        api = f"{self.base}/repos/{repo.full_name}"
        pull = f"{self.base}/{repo.full_name}/pull/{review['number']}"
        return self._fill("pull-request-review", {
            "id": review["id"], "node_id": _node_id("PRR", review["id"]), "body": review["body"],
            "state": review["state"], "commit_id": review["commit_id"],
            "user": self.user(review["user"], "nullable-simple-user"),
            "html_url": f"{pull}#pullrequestreview-{review['id']}",
            "pull_request_url": f"{api}/pulls/{review['number']}",
            "author_association": _association(repo, review["user"]), "submitted_at": _iso(_now()),
            "_links": {"html": {"href": f"{pull}#pullrequestreview-{review['id']}"},
                       "pull_request": {"href": f"{api}/pulls/{review['number']}"}},
        }, f"{api}/pulls/{review['number']}/reviews/{review['id']}")

    def review_comment(self, repo: Repo, number: int, c: Mapping[str, Any]) -> dict[str, Any]:
        api = f"{self.base}/repos/{repo.full_name}"
        url = f"{api}/pulls/comments/{c['id']}"
        html = f"{self.base}/{repo.full_name}/pull/{number}#discussion_r{c['id']}"
        values = {
            "id": c["id"], "node_id": _node_id("PRRC", c["id"]), "url": url, "body": c.get("body", ""),
            "path": c["path"], "line": c.get("line"), "side": c.get("side", "RIGHT"),
            "pull_request_review_id": c["review_id"], "commit_id": c["commit_id"],
            "original_commit_id": c["commit_id"], "diff_hunk": "@@", "position": 1, "original_position": 1,
            "user": self.user(c["user"]), "created_at": _iso(_now()), "updated_at": _iso(_now()),
            "html_url": html, "pull_request_url": f"{api}/pulls/{number}",
            "author_association": _association(repo, c["user"]),
            "_links": {"self": {"href": url}, "html": {"href": html},
                       "pull_request": {"href": f"{api}/pulls/{number}"}},
        }
        if c.get("start_line"):
            values.update(start_line=c["start_line"], start_side=c.get("start_side", values["side"]))
        return self._fill("pull-request-review-comment", values, url)

    def _rollup(self, url: str, reactions: list[Reaction]) -> dict[str, Any]:
        counts = {content: sum(1 for r in reactions if r.content == content) for content in _REACTIONS}
        return {"url": f"{url}/reactions", "total_count": len(reactions), **counts}

    def reaction(self, reaction: Reaction) -> dict[str, Any]:
        return self._fill(
            "reaction",
            {
                "id": reaction.id,
                "node_id": _node_id("REA", reaction.id),
                "content": reaction.content,
                "user": self.user(reaction.user, "nullable-simple-user"),
                "created_at": _iso(reaction.created_at),
            },
            self.base,
        )

    def permission(self, repo: Repo, login: str, role: str) -> dict[str, Any]:
        user = self.user(login, "nullable-collaborator")
        user["permissions"] = _permission_flags(role)
        user["role_name"] = role
        return self._fill(
            "repository-collaborator-permission",
            {"permission": _ROLE_TO_PERMISSION[role], "role_name": role, "user": user},
            f"{self.base}/repos/{repo.full_name}",
        )

    def content(self, repo: Repo, entry: TreeEntry, ref: str, with_body: bool) -> dict[str, Any]:
        api = f"{self.base}/repos/{repo.full_name}"
        quoted = urllib.parse.quote(entry.path)
        kind = {"blob": "file", "tree": "dir", "commit": "submodule"}.get(entry.type, "file")
        url = f"{api}/contents/{quoted}?ref={urllib.parse.quote(ref, safe='')}"
        git_url = f"{api}/git/{'trees' if kind == 'dir' else 'blobs'}/{entry.sha}"
        html = f"{self.base}/{repo.full_name}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{quoted}"
        values: dict[str, Any] = {
            "type": kind,
            "name": entry.path.rsplit("/", 1)[-1],
            "path": entry.path,
            "sha": entry.sha,
            "size": entry.size or 0,
            "url": url,
            "git_url": git_url,
            "html_url": html,
            "download_url": f"{self.base}/{repo.full_name}/raw/{ref}/{quoted}" if kind == "file" else None,
            "_links": {"self": url, "git": git_url, "html": html},
        }
        if with_body:
            values["content"] = base64.encodebytes(repo.git.blob(entry.sha)).decode()
            values["encoding"] = "base64"
        schema = "content-file" if with_body else self.schemas.named("content-directory")["items"]
        return self._fill(schema, values, api)

    def installation(self, inst: Installation, app_id: int, app_slug: str) -> dict[str, Any]:
        url = f"{self.base}/app/installations/{inst.id}"
        return self._fill(
            "installation",
            {
                "id": inst.id,
                "app_id": app_id,
                "app_slug": app_slug,
                "target_id": self._user_id(inst.account),
                "target_type": "User",
                "account": self.user(inst.account),
                "repository_selection": "selected",
                "access_tokens_url": f"{url}/access_tokens",
                "repositories_url": f"{self.base}/installation/repositories",
                "html_url": f"{self.base}/settings/installations/{inst.id}",
                "permissions": inst.permissions,
                "events": ["push", "pull_request", "issue_comment"],
                "single_file_name": None,
                "created_at": _iso(inst.created_at),
                "updated_at": _iso(inst.created_at),
                "suspended_by": None,
                "suspended_at": None,
            },
            url,
        )

    def app(self, app_id: int, slug: str, owner: str) -> dict[str, Any]:
        return self._fill(
            "integration",
            {
                "id": app_id,
                "slug": slug,
                "node_id": _node_id("A", app_id),
                "name": slug.upper(),
                "owner": self.user(owner),
                "description": "fake GitHub App",
                "external_url": f"{self.base}/apps/{slug}",
                "html_url": f"{self.base}/apps/{slug}",
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
                "permissions": {
                    "contents": "write",
                    "pull_requests": "write",
                    "issues": "write",
                    "metadata": "read",
                },
                "events": ["push", "pull_request", "issue_comment"],
            },
            f"{self.base}/app",
        )


def _signature_json(sig: Signature) -> dict[str, Any]:
    return {"name": sig.name, "email": sig.email, "date": _iso(sig.date)}


def _permission_flags(role: str) -> dict[str, bool]:
    order = ["read", "triage", "write", "maintain", "admin"]
    level = order.index(role) if role in order else -1
    return {
        "pull": level >= 0,
        "triage": level >= 1,
        "push": level >= 2,
        "maintain": level >= 3,
        "admin": level >= 4,
    }


def _association(repo: Repo, login: str) -> str:
    if login == repo.owner:
        return "OWNER"
    if repo.permissions.get(login, "none") != "none":
        return "COLLABORATOR"
    return "NONE"


# --------------------------------------------------------------------------------------------------
# The fake server: state, public test API, lifecycle
# --------------------------------------------------------------------------------------------------

_FAULT_MESSAGES = {
    401: "Bad credentials",
    403: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID FAKE:0000:0000.",
    404: "Not Found",
    409: "Conflict",
    422: "Validation Failed",
    429: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID FAKE:0000:0000.",
    500: "Server Error",
    502: "Server Error",
    503: "Service Unavailable",
    504: "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your "
    "request and contact us if the problem persists.",
}
_ROLES = ("admin", "maintain", "write", "triage", "read", "none")
_PUT_PERMISSION_TO_ROLE = {
    "pull": "read",
    "triage": "triage",
    "push": "write",
    "maintain": "maintain",
    "admin": "admin",
}


class FakeGitHub:
    """GitHub's REST API for one test: start it, point PyGithub at ``url``, assert on state and on
    ``validation_errors``.

    Repos are bare git repos under ``root``; their ``clone_url`` is a ``file://`` URL, so the bot can
    ``git push`` there and then see the pushed branch through the API. Unknown tokens are accepted as
    ``default_login`` (GitHub would reject them, but tests rarely care who they are) unless
    ``strict_tokens`` is set; tokens passed to ``reject_token`` always get 401 "Bad credentials"."""

    def __init__(
        self,
        root: Path | None = None,
        *,
        spec_file: Path = SPEC_PATH,
        default_login: str = "amts-test",
        strict_tokens: bool = False,
    ) -> None:
        if not spec_file.is_file():
            raise FileNotFoundError(
                f"GitHub OpenAPI subset not found at {spec_file}; the fake validates every "
                "exchange against it (see tests/data/github/MANIFEST.md)"
            )
        self._own_root = root is None
        self.root = Path(tempfile.mkdtemp(prefix="fake-github-")) if root is None else root
        self.spec_file = spec_file
        self.default_login = default_login
        self.strict_tokens = strict_tokens
        self.validation_errors: list[str] = []
        self.requests: list[RecordedRequest] = []
        self.dispatches: list[dict[str, Any]] = []
        self.app_id = 1
        self.app_slug = "amts"
        self.app_owner = "amts-dev"
        self.app_public_key: str | None = None
        self._lock = threading.RLock()
        self._schemas = Schemas(_load_spec(str(spec_file)))
        self._validator = ExchangeValidator(spec_file)
        self._repos: dict[tuple[str, str], Repo] = {}
        self._comments: dict[int, Comment] = {}
        #: (owner, repo, number) -> reviews / review comments posted on that pull request
        self.reviews: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
        self.review_comments: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
        #: (owner, repo, sha) -> commit statuses, newest first
        self.statuses: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        self._installations: dict[int, Installation] = {}
        self._tokens: dict[str, Identity] = {}
        self._rejected: set[str] = set()
        self._faults: list[Fault] = []
        self._users: dict[str, int] = {}
        self._ids = iter(range(1001, 10**9))
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None
        self.renderer: Renderer  # set by start(): response URLs need the bound port

    # -- lifecycle ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL for ``github.Github(base_url=...)``; available after ``start()``."""
        if self._url is None:
            raise RuntimeError("FakeGitHub is not started; call start() or use it as a context manager")
        return self._url

    def start(self, timeout: float = 10.0) -> FakeGitHub:
        """Serve on a free 127.0.0.1 port in a background thread (binding port 0 ourselves avoids races
        between parallel xdist workers)."""
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose listener
        # says TCP, and without it every response waits ~40 ms for a delayed ACK (Nagle)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self.renderer = Renderer(self._schemas, self._url, self._user_id)
        config = uvicorn.Config(build_app(self), log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="fake-github", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake GitHub did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- state set-up for tests ---------------------------------------------------------------------

    def create_repo(
        self,
        owner: str,
        name: str,
        files: Mapping[str, str | bytes] | Path | None = None,
        *,
        default_branch: str = "main",
        private: bool = False,
        description: str | None = None,
        message: str = "Initial commit",
        install: bool = True,
    ) -> Repo:
        """A repository whose default branch has one commit holding ``files`` (a mapping path -> text,
        or a directory to copy). The commit is deterministic (fixed author and date), so equal inputs give
        equal shas. With ``install`` the App is installed on it (see ``install_app``)."""
        with self._lock:
            key = (owner.lower(), name.lower())
            if key in self._repos:
                raise ValueError(f"repository {owner}/{name} already exists in the fake")
            with tempfile.TemporaryDirectory() as scratch:
                source = _materialise(files, Path(scratch))
                git = BareRepo.create(
                    self.root / "repos" / owner / f"{name}.git", default_branch, source, message
                )
            repo = Repo(next(self._ids), owner, name, git, default_branch, _now(), private, description)
            self._repos[key] = repo
            if install:
                self.install_app(owner, [name])
            return repo

    def clone_url(self, owner: str, repo: str) -> str:
        """``file://`` URL of the bare repo (what the API reports as ``clone_url``)."""
        return self._repo(owner, repo).git.path.as_uri()

    def branch_sha(self, owner: str, repo: str, branch: str) -> str | None:
        return self._repo(owner, repo).git.branch_sha(branch)

    def commit_files(
        self,
        owner: str,
        repo: str,
        branch: str,
        files: Mapping[str, str | bytes | None],
        *,
        message: str = "Update files",
        base: str | None = None,
    ) -> str:
        """Commit ``files`` (path -> content, None deletes) on ``branch`` as if someone pushed it; a new
        branch starts from ``base`` (default: the default branch). Returns the new head sha."""
        with self._lock:
            state = self._repo(owner, repo)
            parent = state.git.branch_sha(branch) or state.git.resolve(base or state.default_branch)
            assert parent is not None, f"cannot start {branch}: {base or state.default_branch} does not exist"
            changes = {
                path: None
                if data is None
                else ("100644", state.git.write_blob(data.encode() if isinstance(data, str) else data))
                for path, data in files.items()
            }
            tree = state.git.write_tree(state.git.commit(parent).tree, changes)
            author = Signature("AMTS Test", "amts-test@example.invalid", _now())
            sha = state.git.write_commit(tree, [parent], message, author, author)
            state.git.set_ref(f"refs/heads/{branch}", sha, state.git.branch_sha(branch) or "")
            return sha

    def set_permission(self, owner: str, repo: str, username: str, permission: str) -> None:
        """Role of ``username`` on the repo: admin, maintain, write, triage, read or none."""
        if permission not in _ROLES:
            raise ValueError(f"permission must be one of {', '.join(_ROLES)}, not {permission!r}")
        with self._lock:
            self._repo(owner, repo).permissions[username] = permission

    def add_token(self, token: str, login: str) -> None:
        """Make ``token`` authenticate as ``login`` (a user, or ``name[bot]`` for a bot account)."""
        with self._lock:
            self._tokens[token] = Identity(login, "user")

    def reject_token(self, token: str) -> None:
        """Answer every request made with ``token`` with 401 "Bad credentials", like a revoked token."""
        with self._lock:
            self._rejected.add(token)

    def configure_app(
        self, app_id: int, *, slug: str = "amts", owner: str = "amts-dev", public_key_pem: str | None = None
    ) -> None:
        """Identity of the GitHub App. With ``public_key_pem`` App JWTs are verified (RS256, ``iss``)."""
        with self._lock:
            self.app_id, self.app_slug, self.app_owner, self.app_public_key = (
                app_id,
                slug,
                owner,
                public_key_pem,
            )

    def install_app(self, account: str, repos: list[str] | None = None) -> int:
        """Install the App on ``account`` (created on first use) for ``repos``; returns its id."""
        with self._lock:
            inst = next(
                (i for i in self._installations.values() if i.account.lower() == account.lower()), None
            )
            if inst is None:
                inst = Installation(len(self._installations) + 1, account)
                self._installations[inst.id] = inst
            inst.repos.update(f"{account}/{name}".lower() for name in repos or [])
            return inst.id

    def inject(
        self,
        method: str,
        path_regex: str,
        status: int,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        delay: float = 0.0,
    ) -> Fault:
        """The next ``times`` requests whose method matches (``*`` for any) and whose path matches
        ``path_regex`` (``re.search`` on the path, no query) get ``status``. The default body is GitHub's
        message for that status (403/429: secondary rate limit). Note: PyGithub's default retry sleeps
        on 403/429 -- pass ``headers={"Retry-After": "1"}`` to keep tests fast. ``delay`` holds the answer
        back that many seconds (a timeout, for a client whose timeout is shorter)."""
        fault = Fault(method.upper(), re.compile(path_regex), status, times, dict(headers or {}), body, delay)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def merge_pull(self, owner: str, repo: str, number: int, merged_by: str | None = None) -> str:
        """Merge a PR the way a maintainer would (fast-forward or a merge commit); returns the new base
        sha. Lets tests reach the "after merge" paths without a merge endpoint in the subset."""
        with self._lock:
            state = self._repo(owner, repo)
            issue = self._pull_issue(state, number)
            pr = issue.pull
            assert pr is not None
            self._sync_pulls(state)
            if issue.state != "open":
                raise ValueError(f"pull request #{number} is {issue.state}")
            new_base = self._merge_commit(state, pr, number)
            state.git.set_ref(f"refs/heads/{pr.base}", new_base, pr.base_sha)
            pr.merged, pr.merged_at, pr.merge_commit_sha = True, _now(), new_base
            pr.merged_by = merged_by or state.owner
            issue.state, issue.closed_at, issue.updated_at = "closed", pr.merged_at, pr.merged_at
            pr.base_sha = new_base
            return new_base

    def _merge_commit(self, state: Repo, pr: Pull, number: int) -> str:
        if state.git.is_ancestor(pr.base_sha, pr.head_sha):
            return pr.head_sha
        tree = state.git.merge_tree(pr.base_sha, pr.head_sha)
        if tree is None:
            raise ValueError(f"pull request #{number} has conflicts")
        message = f"Merge pull request #{number} from {state.owner}/{pr.head}"
        return state.git.write_commit(
            tree, [pr.base_sha, pr.head_sha], message, _FAKE_IDENTITY, _FAKE_IDENTITY
        )

    # -- inspection for tests -----------------------------------------------------------------------

    def pull(self, owner: str, repo: str, number: int) -> Issue:
        """The stored PR (an ``Issue`` with ``.pull``), refreshed from git."""
        with self._lock:
            state = self._repo(owner, repo)
            self._sync_pulls(state)
            return self._pull_issue(state, number)

    def comments(self, owner: str, repo: str, number: int) -> list[Comment]:
        with self._lock:
            state = self._repo(owner, repo)
            return [
                c
                for c in self._comments.values()
                if c.issue_number == number and (c.owner, c.repo) == (state.owner, state.name)
            ]

    def retarget(self, payload: Mapping[str, Any], owner: str, repo: str) -> dict[str, Any]:
        """A webhook payload rewritten to describe this fake's ``owner/repo``."""
        with self._lock:
            state = self._repo(owner, repo)
            inst = next((i for i in self._installations.values() if state.full_name.lower() in i.repos), None)
            return retarget_payload(
                payload,
                owner=state.owner,
                repo=state.name,
                repo_id=state.id,
                owner_id=self._user_id(state.owner),
                installation_id=inst.id if inst else None,
                base_url=self._url,
                clone_url=state.git.path.as_uri(),
            )

    # -- internals shared with the API --------------------------------------------------------------

    def _user_id(self, login: str) -> int:
        return self._users.setdefault(login, 100 + len(self._users))

    def _next_id(self) -> int:
        return next(self._ids)

    def _repo(self, owner: str, name: str, identity: Identity | None = None) -> Repo:
        repo = self._repos.get((owner.lower(), name.lower()))
        if repo is None:
            raise _not_found()
        if (
            identity is not None
            and identity.kind == "installation"
            and not self._token_covers(identity, repo)
        ):
            raise _not_found()
        if identity is not None and identity.kind == "anonymous" and repo.private:
            raise _not_found()
        return repo

    def _token_covers(self, identity: Identity, repo: Repo) -> bool:
        inst = self._installations.get(identity.installation_id or -1)
        if inst is None or repo.full_name.lower() not in inst.repos:
            return False
        return identity.repos is None or repo.name.lower() in identity.repos

    def _role(self, repo: Repo, login: str) -> str:
        if login.lower() == repo.owner.lower():
            return "admin"
        return repo.permissions.get(login, "none" if repo.private else "read")

    def _pull_issue(self, repo: Repo, number: int) -> Issue:
        issue = repo.issues.get(number)
        if issue is None or issue.pull is None:
            raise _not_found()
        return issue

    def _sync_pulls(self, repo: Repo) -> None:
        """Make open PRs follow their branches, as GitHub does after a push: a new head sha; closed when a
        branch is gone or the head was reset into the base (no commits left); merged when the base caught
        up with an unchanged head (the PR's commits were pushed to the base)."""
        branches = repo.git.refs("refs/heads/")
        for issue in repo.issues.values():
            pr = issue.pull
            if pr is None or issue.state != "open":
                continue
            head, base = branches.get(f"refs/heads/{pr.head}"), branches.get(f"refs/heads/{pr.base}")
            if head is None or base is None:
                issue.state, issue.closed_at = "closed", _now()
                continue
            head_moved = head != pr.head_sha
            pr.head_sha, pr.base_sha = head, base
            if not repo.git.is_ancestor(head, base):
                continue
            issue.state, issue.closed_at = "closed", _now()
            if not head_moved:  # the base caught up with the head: the PR's commits were merged by a push
                pr.merged, pr.merged_at, pr.merge_commit_sha, pr.merged_by = True, _now(), base, repo.owner

    def _authenticate(self, authorization: str | None, method: str) -> Identity:
        if not authorization:
            if method != "GET":
                raise GitHubError(401, "Requires authentication")
            return Identity(None, "anonymous")
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() not in ("token", "bearer") or not credential or credential in self._rejected:
            raise GitHubError(401, "Bad credentials")
        if credential.count(".") == 2 and credential.startswith("eyJ"):
            return self._app_identity(credential)
        if credential in self._tokens:
            return self._tokens[credential]
        if self.strict_tokens:
            raise GitHubError(401, "Bad credentials")
        return Identity(self.default_login, "user")

    def _app_identity(self, token: str) -> Identity:
        """An App JWT: verified when a public key is configured, as GitHub does with the App's key."""
        try:
            if self.app_public_key is not None:
                claims = jwt.decode(token, self.app_public_key, algorithms=["RS256"], leeway=60)
            else:
                claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise GitHubError(401, f"A JSON web token could not be decoded ({error})") from error
        if self.app_public_key is not None and str(claims.get("iss")) != str(self.app_id):
            raise GitHubError(401, f"'Issuer' claim ('iss') does not match the App id {self.app_id}")
        return Identity(f"{self.app_slug}[bot]", "app")

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.times > 0 and fault.method in ("*", method) and fault.path.search(path):
                fault.times -= 1
                return fault
        return None

    def _issue_token(self, inst: Installation, repos: list[str] | None) -> tuple[str, datetime]:
        token = "ghs_" + secrets.token_urlsafe(27)
        narrowed = frozenset(name.lower() for name in repos) if repos else None
        self._tokens[token] = Identity(f"{self.app_slug}[bot]", "installation", inst.id, narrowed)
        return token, _now() + timedelta(hours=1)


def _materialise(files: Mapping[str, str | bytes] | Path | None, scratch: Path) -> Path:
    """A directory holding the initial files: the caller's directory as is, or the mapping written out."""
    if isinstance(files, Path):
        if not files.is_dir():
            raise NotADirectoryError(f"source_dir {files} is not a directory")
        return files
    tree = scratch / "tree"
    tree.mkdir()
    for rel, content in (files or {"README.md": "# test repository\n"}).items():
        target = tree / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
    return tree


# --------------------------------------------------------------------------------------------------
# HTTP: validation middleware and the REST handlers
# --------------------------------------------------------------------------------------------------

_STANDARD_HEADERS = {
    "X-GitHub-Api-Version-Selected": "2022-11-28",
    "X-RateLimit-Limit": "5000",
    "X-RateLimit-Remaining": "4999",
    "X-RateLimit-Used": "1",
    "X-RateLimit-Resource": "core",
}


def _json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse(
        data, status_code=status, headers=dict(headers or {}), media_type="application/json; charset=utf-8"
    )


def _no_content() -> Response:
    return Response(status_code=204)


def _error_response(error: GitHubError) -> Response:
    return _json(error.body(), error.status, error.headers)


def _fault_response(fault: Fault) -> Response:
    body = (
        fault.body
        if fault.body is not None
        else {"message": _FAULT_MESSAGES.get(fault.status, "Error"), "documentation_url": _DOCS}
    )
    if isinstance(body, bytes | str):
        return Response(body, status_code=fault.status, headers=fault.headers)
    return _json(body, fault.status, fault.headers)


def build_app(fake: FakeGitHub) -> FastAPI:
    """The ASGI app: one middleware that validates and authenticates every exchange, then the routes."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.add_exception_handler(GitHubError, lambda _request, exc: _error_response(exc))  # type: ignore[arg-type]

    @app.middleware("http")
    async def exchange(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        return await _exchange(fake, request, call_next)

    _Api(fake).register(app)
    return app


async def _exchange(
    fake: FakeGitHub, request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Validate the request, authenticate, apply faults, run the handler, validate the response."""
    raw = await request.body()
    spec_request = _spec_request(request, raw)
    where = f"{request.method} {request.url.path}"
    problems = fake._validator.request_errors(spec_request)
    if problems:
        response: Response = _record_invalid(fake, where, "request", problems)
    else:
        response = await _answer(fake, request, raw, call_next)
        if not isinstance(response, _ProblemResponse):
            response = await _validated(fake, where, spec_request, response)
    with fake._lock:
        fake.requests.append(
            RecordedRequest(request.method, request.url.path, request.url.query, response.status_code)
        )
    return response


def _spec_request(request: Request, raw: bytes) -> _SpecRequest:
    return _SpecRequest(
        method=request.method.lower(),
        path=spec_path(request.url.path),
        query=list(request.query_params.multi_items()),
        headers=list(request.headers.items()),
        body=spec_body(request.method, request.url.path, raw) or None,
        content_type=request.headers.get("content-type", "application/json"),
    )


async def _validated(
    fake: FakeGitHub, where: str, spec_request: _SpecRequest, response: Response
) -> Response:
    """The response as sent (standard headers added), or a recorded 500 when it breaks the spec."""
    body = await _read_body(response)
    response = _rebuild(response, body)
    spec_response = _SpecResponse(
        response.status_code,
        body or None,
        response.headers.get("content-type", ""),
        Headers(response.headers.items()),
    )
    problems = fake._validator.response_errors(spec_request, spec_response)
    if problems:
        return _record_invalid(fake, where, f"response {response.status_code}", problems)
    return response


async def _answer(
    fake: FakeGitHub, request: Request, raw: bytes, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    try:
        with fake._lock:
            identity = fake._authenticate(request.headers.get("authorization"), request.method)
            fault = fake._take_fault(request.method, request.url.path)
    except GitHubError as error:
        return _error_response(error)
    if fault is not None:
        if fault.delay:
            await asyncio.sleep(fault.delay)
        return _fault_response(fault)
    request.state.identity = identity
    try:
        request.state.json = json.loads(raw) if raw.strip() else None
    except ValueError:
        return _error_response(GitHubError(400, "Problems parsing JSON"))
    try:
        return await call_next(request)
    except Exception as error:  # a bug in the fake itself must fail the test, not hang it
        return _record_problem(
            fake,
            f"{request.method} {request.url.path}: fake GitHub internal error: "
            f"{type(error).__name__}: {error}",
        )


async def _read_body(response: Response) -> bytes:
    iterator = getattr(response, "body_iterator", None)
    if iterator is None:
        return bytes(response.body)
    return b"".join([chunk if isinstance(chunk, bytes) else chunk.encode() async for chunk in iterator])


def _rebuild(response: Response, body: bytes) -> Response:
    """A plain response with the handler's body and headers plus the headers GitHub always sends."""
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    rebuilt = Response(content=body, status_code=response.status_code, headers=headers)
    for name, value in _STANDARD_HEADERS.items():
        rebuilt.headers.setdefault(name, value)
    rebuilt.headers.setdefault("X-RateLimit-Reset", str(int(time.time()) + 3600))
    rebuilt.headers.setdefault("X-GitHub-Request-Id", uuid.uuid4().hex[:20].upper())
    return rebuilt


class _ProblemResponse(JSONResponse):
    """The 500 the fake sends after recording a problem; never validated again."""


def _record_invalid(fake: FakeGitHub, where: str, what: str, problems: list[str]) -> Response:
    return _record_problem(fake, f"{where}: {what} does not match amts-subset.json: " + " | ".join(problems))


def _record_problem(fake: FakeGitHub, message: str) -> Response:
    """Every problem becomes a test failure (``validation_errors``) and a 500 the client sees."""
    with fake._lock:
        fake.validation_errors.append(message)
    return _ProblemResponse(
        {"message": f"fake GitHub: {message}", "documentation_url": _DOCS}, status_code=500
    )


def _body(request: Request) -> Any:
    return request.state.json


def _identity(request: Request) -> Identity:
    return request.state.identity


def _login(request: Request) -> str:
    identity = _identity(request)
    if identity.login is None:
        raise GitHubError(401, "Requires authentication")
    return identity.login


def _int_query(request: Request, name: str, default: int) -> int:
    try:
        return int(request.query_params.get(name, default))
    except ValueError:
        return default


class _Api:
    """REST handlers. Each runs under the fake's lock, so test-thread set-up and requests never race."""

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake

    @property
    def r(self) -> Renderer:
        return self.fake.renderer

    def register(self, app: FastAPI) -> None:
        repo = "/repos/{owner}/{repo}"
        routes: list[tuple[str, str, Callable[..., Response]]] = [
            ("GET", "/app", self.get_app),
            ("GET", "/app/installations", self.list_installations),
            ("GET", "/app/installations/{installation_id:int}", self.get_installation),
            ("DELETE", "/app/installations/{installation_id:int}", self.delete_installation),
            ("POST", "/app/installations/{installation_id:int}/access_tokens", self.create_token),
            ("GET", f"{repo}/installation", self.get_repo_installation),
            ("GET", "/installation/repositories", self.list_installation_repos),
            ("GET", "/rate_limit", self.rate_limit),
            ("GET", repo, self.get_repo),
            ("PATCH", repo, self.update_repo),
            ("DELETE", repo, self.delete_repo),
            ("GET", f"{repo}/branches", self.list_branches),
            ("GET", f"{repo}/branches/{{branch:path}}", self.get_branch),
            ("GET", f"{repo}/contents/{{path:path}}", self.get_contents),
            ("PUT", f"{repo}/contents/{{path:path}}", self.put_contents),
            ("DELETE", f"{repo}/contents/{{path:path}}", self.delete_contents),
            ("GET", f"{repo}/git/ref/{{ref:path}}", self.get_ref),
            ("POST", f"{repo}/git/refs", self.create_ref),
            ("PATCH", f"{repo}/git/refs/{{ref:path}}", self.update_ref),
            ("DELETE", f"{repo}/git/refs/{{ref:path}}", self.delete_ref),
            ("GET", f"{repo}/git/matching-refs/{{ref:path}}", self.matching_refs),
            ("POST", f"{repo}/git/blobs", self.create_blob),
            ("GET", f"{repo}/git/blobs/{{sha}}", self.get_blob),
            ("POST", f"{repo}/git/trees", self.create_tree),
            ("GET", f"{repo}/git/trees/{{sha}}", self.get_tree),
            ("POST", f"{repo}/git/commits", self.create_commit),
            ("GET", f"{repo}/git/commits/{{sha}}", self.get_git_commit),
            ("GET", f"{repo}/commits", self.list_commits),
            ("GET", f"{repo}/commits/{{ref:path}}", self.get_commit),
            ("GET", f"{repo}/compare/{{basehead:path}}", self.compare),
            ("GET", f"{repo}/pulls", self.list_pulls),
            ("POST", f"{repo}/pulls", self.create_pull),
            ("GET", f"{repo}/pulls/{{number:int}}", self.get_pull),
            ("PATCH", f"{repo}/pulls/{{number:int}}", self.update_pull),
            ("GET", f"{repo}/pulls/{{number:int}}/files", self.pull_files),
            ("GET", f"{repo}/pulls/{{number:int}}/commits", self.pull_commits),
            ("POST", f"{repo}/statuses/{{sha}}", self.create_status),
            ("GET", f"{repo}/commits/{{ref}}/statuses", self.list_statuses),
            ("GET", f"{repo}/pulls/{{number:int}}/reviews", self.list_reviews),
            ("POST", f"{repo}/pulls/{{number:int}}/reviews", self.create_review),
            ("GET", f"{repo}/pulls/{{number:int}}/comments", self.list_review_comments),
            ("GET", f"{repo}/issues/comments/{{comment_id:int}}", self.get_comment),
            ("PATCH", f"{repo}/issues/comments/{{comment_id:int}}", self.update_comment),
            ("DELETE", f"{repo}/issues/comments/{{comment_id:int}}", self.delete_comment),
            ("GET", f"{repo}/issues/comments/{{comment_id:int}}/reactions", self.list_comment_reactions),
            ("POST", f"{repo}/issues/comments/{{comment_id:int}}/reactions", self.create_comment_reaction),
            ("GET", f"{repo}/issues/{{number:int}}", self.get_issue),
            ("PATCH", f"{repo}/issues/{{number:int}}", self.update_issue),
            ("GET", f"{repo}/issues/{{number:int}}/comments", self.list_comments),
            ("POST", f"{repo}/issues/{{number:int}}/comments", self.create_comment),
            ("GET", f"{repo}/issues/{{number:int}}/labels", self.list_labels),
            ("POST", f"{repo}/issues/{{number:int}}/labels", self.add_labels),
            ("PUT", f"{repo}/issues/{{number:int}}/labels", self.set_labels),
            ("DELETE", f"{repo}/issues/{{number:int}}/labels", self.remove_labels),
            ("GET", f"{repo}/issues/{{number:int}}/reactions", self.list_issue_reactions),
            ("POST", f"{repo}/issues/{{number:int}}/reactions", self.create_issue_reaction),
            ("GET", f"{repo}/collaborators/{{username}}/permission", self.get_permission),
            ("GET", f"{repo}/collaborators/{{username}}", self.check_collaborator),
            ("PUT", f"{repo}/collaborators/{{username}}", self.add_collaborator),
            ("DELETE", f"{repo}/collaborators/{{username}}", self.remove_collaborator),
            ("POST", f"{repo}/dispatches", self.dispatch),
        ]
        for method, path, handler in routes:
            app.add_api_route(path, self._locked(handler), methods=[method])

    def _locked(self, handler: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(handler)
        def run(*args: Any, **kwargs: Any) -> Response:
            with self.fake._lock:
                return handler(*args, **kwargs)

        return run

    # -- helpers ------------------------------------------------------------------------------------

    def _repo(self, request: Request, owner: str, repo: str) -> Repo:
        return self.fake._repo(owner, repo, _identity(request))

    def _page(self, request: Request, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
        """GitHub pagination: ``per_page`` (max 100) / ``page`` and an RFC 8288 ``Link`` header."""
        per_page = max(1, min(_int_query(request, "per_page", 30), 100))
        page = max(1, _int_query(request, "page", 1))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        params = dict(request.query_params)

        def link(number: int, rel: str) -> str:
            query = urllib.parse.urlencode(params | {"page": str(number), "per_page": str(per_page)})
            return f'<{self.fake.url}{request.url.path}?{query}>; rel="{rel}"'

        links = []
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        return chunk, ({"Link": ", ".join(links)} if links else {})

    def _paged(self, request: Request, items: list[Any], render: Callable[[Any], Any]) -> Response:
        chunk, headers = self._page(request, items)
        return _json([render(item) for item in chunk], headers=headers)

    def _require_app(self, request: Request) -> None:
        if _identity(request).kind != "app":
            raise GitHubError(401, "A JSON web token could not be decoded")

    def _installation(self, installation_id: int) -> Installation:
        inst = self.fake._installations.get(installation_id)
        if inst is None:
            raise _not_found()
        return inst

    def _comment_count(self, repo: Repo, number: int) -> int:
        return sum(
            1
            for c in self.fake._comments.values()
            if c.issue_number == number and (c.owner, c.repo) == (repo.owner, repo.name)
        )

    # -- apps and installations ---------------------------------------------------------------------

    def get_app(self, request: Request) -> Response:
        self._require_app(request)
        return _json(self.r.app(self.fake.app_id, self.fake.app_slug, self.fake.app_owner))

    def list_installations(self, request: Request) -> Response:
        self._require_app(request)
        return self._paged(request, list(self.fake._installations.values()), self._listed_installation)

    def _listed_installation(self, inst: Installation) -> dict[str, Any]:
        """In this operation's schema ``account`` is allOf(simple-user, enterprise), not anyOf as in
        ``installation``; the enterprise-only required fields are added so the listing validates."""
        data = self.r.installation(inst, self.fake.app_id, self.fake.app_slug)
        created = _iso(inst.created_at)
        data["account"].update(
            {"name": inst.account, "slug": inst.account, "created_at": created, "updated_at": created}
        )
        return data

    def get_installation(self, request: Request, installation_id: int) -> Response:
        self._require_app(request)
        inst = self._installation(installation_id)
        return _json(self.r.installation(inst, self.fake.app_id, self.fake.app_slug))

    def delete_installation(self, request: Request, installation_id: int) -> Response:
        self._require_app(request)
        self._installation(installation_id)
        del self.fake._installations[installation_id]
        return _no_content()

    def create_token(self, request: Request, installation_id: int) -> Response:
        self._require_app(request)
        inst = self._installation(installation_id)
        body = _body(request) or {}
        names = body.get("repositories")
        unknown = [n for n in names or [] if f"{inst.account}/{n}".lower() not in inst.repos]
        if unknown:
            raise GitHubError(
                422,
                f"There is at least one repository that does not exist or is not accessible "
                f"to the parent installation: {', '.join(unknown)}",
            )
        token, expires = self.fake._issue_token(inst, names)
        permissions = body.get("permissions") or inst.permissions
        return _json(
            shaped(
                self.r.schemas,
                "installation-token",
                {
                    "token": token,
                    "expires_at": _iso(expires),
                    "permissions": permissions,
                    "repository_selection": "selected",
                },
                lambda key: f"{self.fake.url}/{key}",
            ),
            201,
        )

    def get_repo_installation(self, request: Request, owner: str, repo: str) -> Response:
        self._require_app(request)
        state = self.fake._repo(owner, repo)
        for inst in self.fake._installations.values():
            if state.full_name.lower() in inst.repos:
                return _json(self.r.installation(inst, self.fake.app_id, self.fake.app_slug))
        raise _not_found()

    def list_installation_repos(self, request: Request) -> Response:
        identity = _identity(request)
        if identity.kind != "installation":
            raise GitHubError(403, "This endpoint requires an installation access token")
        repos = [r for r in self.fake._repos.values() if self.fake._token_covers(identity, r)]
        chunk, headers = self._page(request, repos)
        return _json(
            {
                "total_count": len(repos),
                "repository_selection": "selected",
                "repositories": [self.r.repo(r) for r in chunk],
            },
            headers=headers,
        )

    def rate_limit(self, request: Request) -> Response:
        reset = int(time.time()) + 3600
        bucket = {"limit": 5000, "remaining": 4999, "reset": reset, "used": 1}
        resources = {name: dict(bucket) for name in ("core", "search", "graphql", "integration_manifest")}
        return _json(
            shaped(
                self.r.schemas,
                "rate-limit-overview",
                {"resources": resources, "rate": bucket},
                lambda key: self.fake.url,
            )
        )

    # -- repositories and branches ------------------------------------------------------------------

    def get_repo(self, request: Request, owner: str, repo: str) -> Response:
        state = self._repo(request, owner, repo)
        login = _identity(request).login
        role = self.fake._role(state, login) if login else None
        return _json(self.r.repo(state, "full-repository", viewer_permission=role))

    def update_repo(self, request: Request, owner: str, repo: str) -> Response:
        state = self._repo(request, owner, repo)
        body = _body(request) or {}
        if "default_branch" in body:
            if state.git.branch_sha(body["default_branch"]) is None:
                raise _invalid("Repository", field="default_branch", code="invalid")
            state.default_branch = body["default_branch"]
            state.git.git("symbolic-ref", "HEAD", f"refs/heads/{state.default_branch}")
        state.description = body.get("description", state.description)
        state.private = body.get("private", state.private)
        return _json(
            self.r.repo(state, "full-repository", viewer_permission=self.fake._role(state, _login(request)))
        )

    def delete_repo(self, request: Request, owner: str, repo: str) -> Response:
        state = self._repo(request, owner, repo)
        del self.fake._repos[(state.owner.lower(), state.name.lower())]
        return _no_content()

    def list_branches(self, request: Request, owner: str, repo: str) -> Response:
        state = self._repo(request, owner, repo)
        branches = sorted(state.git.refs("refs/heads/").items())
        return self._paged(
            request,
            branches,
            lambda item: self.r.branch(state, item[0].removeprefix("refs/heads/"), item[1], False),
        )

    def get_branch(self, request: Request, owner: str, repo: str, branch: str) -> Response:
        state = self._repo(request, owner, repo)
        sha = state.git.branch_sha(branch)
        if sha is None:
            raise GitHubError(404, "Branch not found")
        return _json(self.r.branch(state, branch, sha, True))

    # -- contents -----------------------------------------------------------------------------------

    def get_contents(self, request: Request, owner: str, repo: str, path: str) -> Response:
        state = self._repo(request, owner, repo)
        ref = request.query_params.get("ref") or state.default_branch
        sha = state.git.resolve(ref)
        if sha is None:
            raise GitHubError(404, f"No commit found for the ref {ref}")
        entry = state.git.lookup(sha, path)
        if entry is None:
            raise _not_found()
        if entry.type == "tree":
            children = state.git.tree_entries(entry.sha)
            prefix = f"{entry.path}/" if entry.path else ""
            return _json(
                [
                    self.r.content(
                        state, TreeEntry(c.mode, c.type, c.sha, prefix + c.path, c.size), ref, False
                    )
                    for c in children
                ]
            )
        return _json(self.r.content(state, entry, ref, True))

    def put_contents(self, request: Request, owner: str, repo: str, path: str) -> Response:
        state = self._repo(request, owner, repo)
        body = _body(request) or {}
        branch, head = self._branch_head(state, body.get("branch"))
        existing = state.git.lookup(head, path)
        if existing is not None and "sha" not in body:
            raise GitHubError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        if existing is not None and body["sha"] != existing.sha:
            raise GitHubError(409, f"{path} does not match {body['sha']}")
        try:
            data = base64.b64decode(body.get("content", ""), validate=False)
        except ValueError as error:
            raise GitHubError(422, "content is not valid Base64") from error
        blob = state.git.write_blob(data)
        commit = self._commit_change(request, state, branch, head, {path: ("100644", blob)}, body)
        entry = state.git.lookup(commit, path)
        assert entry is not None
        content = self.r.content(state, entry, branch, False)
        return _json(
            {"content": content, "commit": self.r.git_commit(state, commit)},
            200 if existing is not None else 201,
        )

    def delete_contents(self, request: Request, owner: str, repo: str, path: str) -> Response:
        state = self._repo(request, owner, repo)
        body = _body(request) or {}
        branch, head = self._branch_head(state, body.get("branch"))
        existing = state.git.lookup(head, path)
        if existing is None:
            raise _not_found()
        if body.get("sha") != existing.sha:
            raise GitHubError(409, f"{path} does not match {body.get('sha')}")
        commit = self._commit_change(request, state, branch, head, {path: None}, body)
        return _json({"content": None, "commit": self.r.git_commit(state, commit)})

    def _branch_head(self, state: Repo, branch: str | None) -> tuple[str, str]:
        name = branch or state.default_branch
        sha = state.git.branch_sha(name)
        if sha is None:
            raise GitHubError(404, f"Branch {name} not found")
        return name, sha

    def _commit_change(
        self,
        request: Request,
        state: Repo,
        branch: str,
        head: str,
        changes: Mapping[str, tuple[str, str] | None],
        body: Mapping[str, Any],
    ) -> str:
        tree = state.git.write_tree(state.git.commit(head).tree, changes)
        author = _signature_from(body.get("author"), _login(request))
        committer = (
            _signature_from(body.get("committer"), _login(request)) if body.get("committer") else author
        )
        commit = state.git.write_commit(tree, [head], body.get("message", ""), author, committer)
        state.git.set_ref(f"refs/heads/{branch}", commit, head)
        return commit

    # -- git references -----------------------------------------------------------------------------

    def get_ref(self, request: Request, owner: str, repo: str, ref: str) -> Response:
        state = self._repo(request, owner, repo)
        full = f"refs/{ref}"
        sha = state.git.refs(full).get(full)
        if sha is None:
            raise _not_found()
        return _json(self.r.ref(state, full, sha))

    def create_ref(self, request: Request, owner: str, repo: str) -> Response:
        state = self._repo(request, owner, repo)
        body = _body(request) or {}
        ref, sha = body.get("ref", ""), body.get("sha", "")
        if not ref.startswith("refs/") or ref.count("/") < 2:
            raise GitHubError(
                422,
                "Reference name is not well formed",
                documentation_url=f"{_DOCS}/git/refs#create-a-reference",
            )
        if ref in state.git.refs(ref):
            raise GitHubError(
                422, "Reference already exists", documentation_url=f"{_DOCS}/git/refs#create-a-reference"
            )
        if not re.fullmatch(r"[0-9a-f]{40}", sha) or state.git.object_type(sha) is None:
            raise GitHubError(
                422, "Object does not exist", documentation_url=f"{_DOCS}/git/refs#create-a-reference"
            )
        state.git.set_ref(ref, sha)
        data = self.r.ref(state, ref, sha)
        return _json(data, 201, {"Location": data["url"]})

    def update_ref(self, request: Request, owner: str, repo: str, ref: str) -> Response:
        state = self._repo(request, owner, repo)
        body = _body(request) or {}
        full = f"refs/{ref}" if not ref.startswith("refs/") else ref
        current = state.git.refs(full).get(full)
        sha = body.get("sha", "")
        if current is None:
            raise GitHubError(422, "Reference does not exist")
        if not re.fullmatch(r"[0-9a-f]{40}", sha) or state.git.object_type(sha) is None:
            raise GitHubError(422, "Object does not exist")
        if not body.get("force") and not state.git.is_ancestor(current, sha):
            raise GitHubError(422, "Update is not a fast forward")
        state.git.set_ref(full, sha, current)
        return _json(self.r.ref(state, full, sha))

    def delete_ref(self, request: Request, owner: str, repo: str, ref: str) -> Response:
        state = self._repo(request, owner, repo)
        full = f"refs/{ref}" if not ref.startswith("refs/") else ref
        if full not in state.git.refs(full):
            raise GitHubError(422, "Reference does not exist")
        state.git.delete_ref(full)
        self.fake._sync_pulls(state)
        return _no_content()

    def matching_refs(self, request: Request, owner: str, repo: str, ref: str) -> Response:
        state = self._repo(request, owner, repo)
        prefix = f"refs/{ref}"
        found = [
            (name, sha) for name, sha in sorted(state.git.refs("refs/").items()) if name.startswith(prefix)
        ]
        return _json([self.r.ref(state, name, sha) for name, sha in found])

    # -- git data -----------------------------------------------------------------------------------

    def create_blob(self, request: Request, owner: str, repo: str) -> Response:
        state = self._repo(request, owner, repo)
        body = _body(request) or {}
        encoding = body.get("encoding", "utf-8")
        if encoding not in ("utf-8", "utf8", "base64"):
            raise GitHubError(422, f"encoding must be utf-8 or base64, not {encoding}")
        content = body["content"]
        data = base64.b64decode(content) if encoding == "base64" else content.encode("utf-8")
        sha = state.git.write_blob(data)
        url = f"{self.fake.url}/repos/{state.full_name}/git/blobs/{sha}"
        return _json({"url": url, "sha": sha}, 201, {"Location": url})

    def get_blob(self, request: Request, owner: str, repo: str, sha: str) -> Response:
        state = self._repo(request, owner, repo)
        if state.git.object_type(sha) != "blob":
            raise _not_found()
        data = state.git.blob(sha)
        url = f"{self.fake.url}/repos/{state.full_name}/git/blobs/{sha}"
        return _json(
            shaped(
                self.r.schemas,
                "blob",
                {
                    "sha": sha,
                    "url": url,
                    "node_id": _node_id("B", int(sha[:7], 16)),
                    "size": len(data),
                    "content": base64.encodebytes(data).decode(),
                    "encoding": "base64",
                },
                lambda key: url,
            )
        )

    def create_tree(self, request: Request, owner: str, repo: str) -> Response:
        state = self._repo(request, owner, repo)
        body = _body(request) or {}
        base_tree = body.get("base_tree")
        if base_tree is not None and state.git.object_type(base_tree) != "tree":
            raise GitHubError(422, "base_tree is not a valid tree oid")
        changes: dict[str, tuple[str, str] | None] = {}
        for item in body.get("tree", []):
            changes.update(self._tree_item(state, item))
        sha = state.git.write_tree(base_tree, changes)
        data = self._tree_json(state, sha, recursive=False)
        return _json(data, 201, {"Location": data["url"]})

    def _tree_item(self, state: Repo, item: Mapping[str, Any]) -> dict[str, tuple[str, str] | None]:
        """One ``tree`` entry of POST git/trees as index changes (sub-trees are expanded to their blobs)."""
        path, mode = item["path"].strip("/"), item.get("mode", "100644")
        if "content" in item:
            return {path: (mode, state.git.write_blob(item["content"].encode("utf-8")))}
        sha = item.get("sha")
        if sha is None:
            return {path: None}
        kind = state.git.object_type(sha)
        if kind is None:
            raise GitHubError(422, f"GitRPC::BadObjectState: {sha} does not exist")
        if item.get("type") == "tree" or kind == "tree":
            out: dict[str, tuple[str, str] | None] = {path: None}
            for entry in state.git.tree_entries(sha, recursive=True):
                if entry.type != "tree":
                    out[f"{path}/{entry.path}"] = (entry.mode, entry.sha)
            return out
        return {path: (mode, sha)}

    def _tree_json(self, state: Repo, sha: str, recursive: bool) -> dict[str, Any]:
        api = f"{self.fake.url}/repos/{state.full_name}/git"
        entries = [
            {
                "path": e.path,
                "mode": e.mode,
                "type": e.type,
                "sha": e.sha,
                **({"size": e.size} if e.size is not None else {}),
                "url": f"{api}/{'trees' if e.type == 'tree' else 'blobs'}/{e.sha}",
            }
            for e in state.git.tree_entries(sha, recursive=recursive)
        ]
        return shaped(
            self.r.schemas,
            "git-tree",
            {"sha": sha, "url": f"{api}/trees/{sha}", "tree": entries, "truncated": False},
            lambda key: f"{api}/trees/{sha}",
        )

    def get_tree(self, request: Request, owner: str, repo: str, sha: str) -> Response:
        state = self._repo(request, owner, repo)
        tree = state.git.git("rev-parse", "--verify", "-q", f"{sha}^{{tree}}", check=False).strip()
        if not tree:
            raise _not_found()
        recursive = request.query_params.get("recursive") not in (None, "", "0", "false")
        return _json(self._tree_json(state, tree, recursive))

    def create_commit(self, request: Request, owner: str, repo: str) -> Response:
        state = self._repo(request, owner, repo)
        body = _body(request) or {}
        if state.git.object_type(body.get("tree", "")) != "tree":
            raise GitHubError(422, "Tree SHA does not exist")
        parents = body.get("parents", [])
        if any(state.git.object_type(p) != "commit" for p in parents):
            raise GitHubError(422, "Parent SHA does not exist or is not a commit object")
        author = _signature_from(body.get("author"), _login(request))
        committer = (
            _signature_from(body.get("committer"), _login(request)) if body.get("committer") else author
        )
        sha = state.git.write_commit(body["tree"], parents, body["message"], author, committer)
        data = self.r.git_commit(state, sha)
        return _json(data, 201, {"Location": data["url"]})

    def get_git_commit(self, request: Request, owner: str, repo: str, sha: str) -> Response:
        state = self._repo(request, owner, repo)
        if state.git.object_type(sha) != "commit":
            raise _not_found()
        return _json(self.r.git_commit(state, sha))

    # -- commits and compare ------------------------------------------------------------------------

    def list_commits(self, request: Request, owner: str, repo: str) -> Response:
        state = self._repo(request, owner, repo)
        rev = request.query_params.get("sha") or state.default_branch
        sha = state.git.resolve(rev)
        if sha is None:
            raise _not_found()
        shas = state.git.log(sha, request.query_params.get("path"))
        return self._paged(request, shas, lambda s: self.r.commit(state, s))

    def get_commit(self, request: Request, owner: str, repo: str, ref: str) -> Response:
        state = self._repo(request, owner, repo)
        sha = state.git.resolve(ref)
        if sha is None:
            raise GitHubError(422, f"No commit found for SHA: {ref}")
        return _json(self.r.commit(state, sha, with_files=True))

    def compare(self, request: Request, owner: str, repo: str, basehead: str) -> Response:
        state = self._repo(request, owner, repo)
        base_name, sep, head_name = basehead.partition("...")
        if not sep:
            raise _not_found()
        base = state.git.resolve(base_name.split(":", 1)[-1])
        head = state.git.resolve(head_name.split(":", 1)[-1])
        if base is None or head is None:
            raise _not_found()
        return _json(self._comparison(state, base, head, basehead))

    def _comparison(self, state: Repo, base: str, head: str, basehead: str) -> dict[str, Any]:
        merge_base = state.git.merge_base(base, head) or base
        ahead = state.git.commits_between(base, head)
        behind = state.git.commits_between(head, base)
        status = (
            "identical"
            if not ahead and not behind
            else "ahead"
            if not behind
            else "behind"
            if not ahead
            else "diverged"
        )
        api = f"{self.fake.url}/repos/{state.full_name}"
        html = f"{self.fake.url}/{state.full_name}/compare/{basehead}"
        return shaped(
            self.r.schemas,
            "commit-comparison",
            {
                "url": f"{api}/compare/{basehead}",
                "html_url": html,
                "permalink_url": html,
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "base_commit": self.r.commit(state, base),
                "merge_base_commit": self.r.commit(state, merge_base),
                "status": status,
                "ahead_by": len(ahead),
                "behind_by": len(behind),
                "total_commits": len(ahead),
                "commits": [self.r.commit(state, sha) for sha in ahead],
                "files": [self.r.diff_entry(state, c, head) for c in state.git.changes(merge_base, head)],
            },
            lambda key: html,
        )

    # -- pull requests ------------------------------------------------------------------------------

    def list_pulls(self, request: Request, owner: str, repo: str) -> Response:
        state = self._repo(request, owner, repo)
        self.fake._sync_pulls(state)
        pulls = [i for i in state.issues.values() if i.pull is not None]
        pulls = [i for i in pulls if _pull_matches(state, i, request.query_params)]
        pulls.sort(
            key=_pull_sort_key(request.query_params.get("sort", "created")),
            reverse=request.query_params.get("direction", "desc") == "desc",
        )
        return self._paged(
            request, pulls, lambda i: self.r.pull(state, i, self._comment_count(state, i.number), simple=True)
        )

    def create_pull(self, request: Request, owner: str, repo: str) -> Response:
        state = self._repo(request, owner, repo)
        self.fake._sync_pulls(state)
        body = _body(request) or {}
        doc = f"{_DOCS}/pulls/pulls#create-a-pull-request"
        head, base_sha, head_sha = self._check_new_pull(state, body, doc)
        now = _now()
        number = max(state.issues, default=0) + 1
        issue = Issue(
            number,
            self.fake._next_id(),
            body["title"],
            body.get("body"),
            _login(request),
            now,
            now,
            pull=Pull(
                head,
                body["base"],
                head_sha,
                base_sha,
                bool(body.get("draft", False)),
                bool(body.get("maintainer_can_modify", False)),
            ),
        )
        state.issues[number] = issue
        data = self.r.pull(state, issue, 0, simple=False)
        return _json(data, 201, {"Location": data["url"]})

    def _check_new_pull(self, state: Repo, body: Mapping[str, Any], doc: str) -> tuple[str, str, str]:
        """GitHub's checks before opening a PR, in GitHub's order and with its messages."""
        for required in ("head", "base"):
            if not body.get(required):
                raise _invalid("PullRequest", field=required, code="missing_field", doc=doc)
        if "issue" in body:
            raise GitHubError(422, "fake GitHub: converting an issue into a pull request is not supported")
        if not body.get("title"):
            raise _invalid("PullRequest", field="title", code="missing_field", doc=doc)
        head_owner, _, head = body["head"].rpartition(":")
        if head_owner and head_owner.lower() != state.owner.lower():
            raise _invalid("PullRequest", field="head", doc=doc)  # forks are not modelled
        base_sha = state.git.branch_sha(body["base"])
        if base_sha is None:
            raise _invalid("PullRequest", field="base", doc=doc)
        head_sha = state.git.branch_sha(head)
        if head_sha is None:
            raise _invalid("PullRequest", field="head", doc=doc)
        if self._open_pull(state, head, body["base"]) is not None:
            raise _invalid(
                "PullRequest",
                code="custom",
                doc=doc,
                message=f"A pull request already exists for {state.owner}:{head}.",
            )
        if not state.git.commits_between(base_sha, head_sha):
            raise _invalid(
                "PullRequest", code="custom", doc=doc, message=f"No commits between {body['base']} and {head}"
            )
        return head, base_sha, head_sha

    @staticmethod
    def _open_pull(state: Repo, head: str, base: str) -> Issue | None:
        return next(
            (
                i
                for i in state.issues.values()
                if i.pull is not None and i.state == "open" and i.pull.head == head and i.pull.base == base
            ),
            None,
        )

    def get_pull(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        self.fake._sync_pulls(state)
        issue = self.fake._pull_issue(state, number)
        return _json(self.r.pull(state, issue, self._comment_count(state, number), simple=False))

    def update_pull(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        self.fake._sync_pulls(state)
        issue = self.fake._pull_issue(state, number)
        pr = issue.pull
        assert pr is not None
        body = _body(request) or {}
        doc = f"{_DOCS}/pulls/pulls#update-a-pull-request"
        if "base" in body and body["base"] != pr.base:
            base_sha = state.git.branch_sha(body["base"])
            if base_sha is None:
                raise _invalid("PullRequest", field="base", doc=doc)
            pr.base, pr.base_sha = body["base"], base_sha
        if body.get("state") == "open" and issue.state == "closed":
            self._check_reopen(state, issue, doc)
        _apply_issue_edits(issue, body)
        pr.maintainer_can_modify = body.get("maintainer_can_modify", pr.maintainer_can_modify)
        self.fake._sync_pulls(state)
        return _json(self.r.pull(state, issue, self._comment_count(state, number), simple=False))

    def _check_reopen(self, state: Repo, issue: Issue, doc: str) -> None:
        pr = issue.pull
        assert pr is not None
        if pr.merged:
            raise _invalid(
                "PullRequest", code="custom", doc=doc, message="Cannot reopen a merged pull request"
            )
        if state.git.branch_sha(pr.head) is None:
            raise _invalid(
                "PullRequest",
                code="custom",
                doc=doc,
                message=f"state cannot be changed. The {pr.head} branch has been deleted.",
            )
        if self._open_pull(state, pr.head, pr.base) is not None:
            raise _invalid(
                "PullRequest",
                code="custom",
                doc=doc,
                message=f"A pull request already exists for {state.owner}:{pr.head}.",
            )

    def pull_files(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        self.fake._sync_pulls(state)
        pr = self.fake._pull_issue(state, number).pull
        assert pr is not None
        base = state.git.merge_base(pr.base_sha, pr.head_sha)
        files = state.git.changes(base, pr.head_sha)

        def patch(c: FileChange) -> str:  # GitHub's ``patch``: the unified diff from the first hunk header on
            text = state.git.git("diff", "-U3", "-M", base or _EMPTY_TREE, pr.head_sha, "--", c.filename,
                                 *([c.previous_filename] if c.previous_filename else []))
            return text[text.find("@@"):] if "@@" in text else ""

        return self._paged(request, files, lambda c: self.r.diff_entry(state, c, pr.head_sha, patch(c)))

    def pull_commits(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        self.fake._sync_pulls(state)
        pr = self.fake._pull_issue(state, number).pull
        assert pr is not None
        shas = state.git.commits_between(pr.base_sha, pr.head_sha)
        return self._paged(request, shas, lambda s: self.r.commit(state, s))

    # -- commit statuses -----------------------------------------------------------------------------

    def create_status(self, request: Request, owner: str, repo: str, sha: str) -> Response:
        state = self._repo(request, owner, repo)
        if state.git.object_type(sha) != "commit":
            raise _invalid("Status", field="sha", message=f"No commit found for SHA: {sha}")
        body = _body(request) or {}
        if body.get("state") not in ("error", "failure", "pending", "success"):
            raise _invalid("Status", field="state", code="custom")
        status = {"id": self.fake._next_id(), "state": body["state"], "target_url": body.get("target_url"),
                  "description": body.get("description"), "context": body.get("context") or "default",
                  "creator": _login(request), "sha": sha}
        self.fake.statuses.setdefault((owner, repo, sha), []).insert(0, status)  # newest first, like GitHub
        return _json(self.r.status(state, status), 201)

    def list_statuses(self, request: Request, owner: str, repo: str, ref: str) -> Response:
        state = self._repo(request, owner, repo)
        sha = state.git.resolve(ref) or ref
        items = self.fake.statuses.get((owner, repo, sha), [])
        return self._paged(request, items, lambda st: self.r.status(state, st))

    # -- pull-request reviews ------------------------------------------------------------------------

    def _diff_lines(self, state: Repo, pr: Pull, path: str) -> dict[str, list[tuple[int, int]]] | None:
        """Per side (LEFT/RIGHT), the line ranges of ``path``'s hunks in the PR diff; None: not in the diff."""
        base = state.git.merge_base(pr.base_sha, pr.head_sha) or pr.base_sha
        out = state.git.git("diff", "-U3", base, pr.head_sha, "--", path)
        if not out.strip():
            return None
        sides: dict[str, list[tuple[int, int]]] = {"LEFT": [], "RIGHT": []}
        for m in re.finditer(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", out, re.M):
            a, b, c, d = int(m.group(1)), int(m.group(2) or 1), int(m.group(3)), int(m.group(4) or 1)
            if b:
                sides["LEFT"].append((a, a + b - 1))
            if d:
                sides["RIGHT"].append((c, c + d - 1))
        return sides

    def _check_review_comment(self, state: Repo, pr: Pull, comment: Mapping[str, Any]) -> None:
        """GitHub accepts a comment only on lines of the diff (one hunk for a multi-line comment)."""
        path = comment.get("path")
        hunks = self._diff_lines(state, pr, path) if isinstance(path, str) else None
        if hunks is None:
            raise GitHubError(422, "Unprocessable Entity", errors=["Path could not be resolved"])
        line, side = comment.get("line"), comment.get("side", "RIGHT")
        start, start_side = comment.get("start_line", line), comment.get("start_side", side)
        if not isinstance(line, int) or not isinstance(start, int) or side not in hunks or start_side != side:
            raise GitHubError(422, "Unprocessable Entity", errors=["Line could not be resolved"])
        if start > line or not any(lo <= start and line <= hi for lo, hi in hunks[side]):
            raise GitHubError(422, "Unprocessable Entity", errors=["Line could not be resolved"])

    def create_review(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        self.fake._sync_pulls(state)
        issue = self.fake._pull_issue(state, number)
        pr = issue.pull
        assert pr is not None
        body = _body(request) or {}
        comments = body.get("comments") or []
        for c in comments:
            self._check_review_comment(state, pr, c)
        review_id = self.fake._next_id()
        login = _login(request)
        review = {"id": review_id, "body": body.get("body", ""), "state": {"COMMENT": "COMMENTED", "APPROVE":
                  "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED"}.get(body.get("event", ""), "PENDING"),
                  "user": login, "commit_id": body.get("commit_id") or pr.head_sha, "number": number}
        self.fake.reviews.setdefault((owner, repo, number), []).append(review)
        for c in comments:
            self.fake.review_comments.setdefault((owner, repo, number), []).append(
                {**c, "id": self.fake._next_id(), "review_id": review_id, "user": login,
                 "commit_id": review["commit_id"], "side": c.get("side", "RIGHT")})
        return _json(self.r.review(state, review))

    def list_reviews(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        self.fake._pull_issue(state, number)
        items = self.fake.reviews.get((owner, repo, number), [])
        return self._paged(request, items, lambda rv: self.r.review(state, rv))

    def list_review_comments(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        self.fake._pull_issue(state, number)
        items = self.fake.review_comments.get((owner, repo, number), [])
        return self._paged(request, items, lambda c: self.r.review_comment(state, number, c))

    # -- issues, comments, labels, reactions --------------------------------------------------------

    def _issue(self, state: Repo, number: int) -> Issue:
        issue = state.issues.get(number)
        if issue is None:
            raise _not_found()
        return issue

    def get_issue(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        self.fake._sync_pulls(state)
        issue = self._issue(state, number)
        return _json(self.r.issue(state, issue, self._comment_count(state, number)))

    def update_issue(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        self.fake._sync_pulls(state)
        issue = self._issue(state, number)
        body = _body(request) or {}
        if "labels" in body and body["labels"] is not None:
            issue.labels = self._ensure_labels(state, body["labels"])
        _apply_issue_edits(issue, body)
        return _json(self.r.issue(state, issue, self._comment_count(state, number)))

    def _comment(self, state: Repo, comment_id: int) -> Comment:
        comment = self.fake._comments.get(comment_id)
        if comment is None or (comment.owner, comment.repo) != (state.owner, state.name):
            raise _not_found()
        return comment

    def list_comments(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        self._issue(state, number)
        since = request.query_params.get("since")
        found = [
            c
            for c in self.fake._comments.values()
            if (c.owner, c.repo, c.issue_number) == (state.owner, state.name, number)
            and (since is None or _iso(c.updated_at) >= since)
        ]  # type: ignore[operator]
        return self._paged(request, sorted(found, key=lambda c: c.id), lambda c: self.r.comment(state, c))

    def create_comment(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        issue = self._issue(state, number)
        now = _now()
        comment = Comment(
            self.fake._next_id(),
            state.owner,
            state.name,
            number,
            (_body(request) or {})["body"],
            _login(request),
            now,
            now,
        )
        self.fake._comments[comment.id] = comment
        issue.updated_at = now
        data = self.r.comment(state, comment)
        return _json(data, 201, {"Location": data["url"]})

    def get_comment(self, request: Request, owner: str, repo: str, comment_id: int) -> Response:
        state = self._repo(request, owner, repo)
        return _json(self.r.comment(state, self._comment(state, comment_id)))

    def update_comment(self, request: Request, owner: str, repo: str, comment_id: int) -> Response:
        state = self._repo(request, owner, repo)
        comment = self._comment(state, comment_id)
        comment.body, comment.updated_at = (_body(request) or {})["body"], _now()
        return _json(self.r.comment(state, comment))

    def delete_comment(self, request: Request, owner: str, repo: str, comment_id: int) -> Response:
        state = self._repo(request, owner, repo)
        del self.fake._comments[self._comment(state, comment_id).id]
        return _no_content()

    def _ensure_labels(self, state: Repo, raw: Any) -> list[str]:
        """Label names from any body shape GitHub accepts; unknown labels are created (as GitHub does)."""
        items = raw.get("labels", []) if isinstance(raw, dict) else raw if isinstance(raw, list) else [raw]
        names = [item["name"] if isinstance(item, dict) else str(item) for item in items]
        for name in names:
            if name not in state.labels:
                state.labels[name] = Label(self.fake._next_id(), name)
        return names

    def _labels_response(self, state: Repo, issue: Issue) -> Response:
        return _json([self.r.label(state, state.labels[name]) for name in issue.labels])

    def list_labels(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        issue = self._issue(state, number)
        return self._paged(request, issue.labels, lambda name: self.r.label(state, state.labels[name]))

    def add_labels(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        issue = self._issue(state, number)
        for name in self._ensure_labels(state, _body(request)):
            if name not in issue.labels:
                issue.labels.append(name)
        return self._labels_response(state, issue)

    def set_labels(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        issue = self._issue(state, number)
        issue.labels = self._ensure_labels(state, _body(request) or [])
        return self._labels_response(state, issue)

    def remove_labels(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        self._issue(state, number).labels = []
        return _no_content()

    def _react(self, request: Request, reactions: list[Reaction]) -> Response:
        """Idempotent per (user, content): 200 with an existing reaction, 201 with a new one."""
        login, content = _login(request), (_body(request) or {})["content"]
        existing = next((r for r in reactions if r.user == login and r.content == content), None)
        if existing is not None:
            return _json(self.r.reaction(existing), 200)
        reaction = Reaction(self.fake._next_id(), login, content, _now())
        reactions.append(reaction)
        return _json(self.r.reaction(reaction), 201)

    def _reaction_list(self, request: Request, reactions: list[Reaction]) -> Response:
        wanted = request.query_params.get("content")
        return self._paged(request, [r for r in reactions if wanted in (None, r.content)], self.r.reaction)

    def list_comment_reactions(self, request: Request, owner: str, repo: str, comment_id: int) -> Response:
        state = self._repo(request, owner, repo)
        return self._reaction_list(request, self._comment(state, comment_id).reactions)

    def create_comment_reaction(self, request: Request, owner: str, repo: str, comment_id: int) -> Response:
        state = self._repo(request, owner, repo)
        return self._react(request, self._comment(state, comment_id).reactions)

    def list_issue_reactions(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        return self._reaction_list(request, self._issue(state, number).reactions)

    def create_issue_reaction(self, request: Request, owner: str, repo: str, number: int) -> Response:
        state = self._repo(request, owner, repo)
        return self._react(request, self._issue(state, number).reactions)

    # -- collaborators ------------------------------------------------------------------------------

    def get_permission(self, request: Request, owner: str, repo: str, username: str) -> Response:
        state = self._repo(request, owner, repo)
        return _json(self.r.permission(state, username, self.fake._role(state, username)))

    def check_collaborator(self, request: Request, owner: str, repo: str, username: str) -> Response:
        state = self._repo(request, owner, repo)
        explicit = (
            username.lower() == state.owner.lower() or state.permissions.get(username, "none") != "none"
        )
        return _no_content() if explicit else Response(status_code=404)

    def add_collaborator(self, request: Request, owner: str, repo: str, username: str) -> Response:
        state = self._repo(request, owner, repo)
        permission = (_body(request) or {}).get("permission", "push")
        state.permissions[username] = _PUT_PERMISSION_TO_ROLE.get(permission, "write")
        return _no_content()

    def remove_collaborator(self, request: Request, owner: str, repo: str, username: str) -> Response:
        state = self._repo(request, owner, repo)
        state.permissions.pop(username, None)
        return _no_content()

    def dispatch(self, request: Request, owner: str, repo: str) -> Response:
        state = self._repo(request, owner, repo)
        self.fake.dispatches.append({"repository": state.full_name, **(_body(request) or {})})
        return _no_content()


def _apply_issue_edits(issue: Issue, body: Mapping[str, Any]) -> None:
    """Title/body/state edits shared by PATCH issues and PATCH pulls."""
    now = _now()
    if body.get("title") is not None:
        issue.title = str(body["title"])
    if "body" in body:
        issue.body = body["body"]
    new_state = body.get("state")
    if new_state in ("open", "closed") and new_state != issue.state:
        issue.state = new_state
        issue.closed_at = now if new_state == "closed" else None
        issue.state_reason = body.get("state_reason") or (
            "completed" if new_state == "closed" else "reopened"
        )
    issue.updated_at = now


def _pull_matches(repo: Repo, issue: Issue, query: Mapping[str, str]) -> bool:
    """GET pulls filters. Like GitHub, ``head`` must be ``owner:branch``; a bare branch filters nothing
    out only because GitHub ignores it too (a classic bot bug this keeps visible)."""
    pr = issue.pull
    assert pr is not None
    state = query.get("state", "open")
    if state != "all" and issue.state != state:
        return False
    if query.get("base") and pr.base != query["base"]:
        return False
    head = query.get("head")
    if head and ":" in head:
        owner, _, branch = head.partition(":")
        return owner.lower() == repo.owner.lower() and pr.head == branch
    return True


def _pull_sort_key(sort: str) -> Callable[[Issue], Any]:
    if sort == "updated":
        return lambda issue: (issue.updated_at, issue.number)
    if sort == "popularity":
        return lambda issue: (len(issue.reactions), issue.number)
    return lambda issue: (issue.created_at, issue.number)


def _signature_from(raw: Mapping[str, Any] | None, login: str) -> Signature:
    """Author/committer from a request body, defaulting to the caller like GitHub does."""
    raw = raw or {}
    date = raw.get("date")
    moment = datetime.fromisoformat(date.replace("Z", "+00:00")) if date else _now()
    return Signature(
        raw.get("name", login), raw.get("email", f"{login}@users.noreply.github.invalid"), moment
    )


# --------------------------------------------------------------------------------------------------
# Webhook deliveries: real payloads, signatures, headers
# --------------------------------------------------------------------------------------------------


def sign(body: bytes, secret: str | bytes) -> str:
    """``X-Hub-Signature-256`` for ``body``: ``sha256=`` + hex HMAC-SHA256 over the raw bytes."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def list_payloads(event: str, webhooks_dir: Path = WEBHOOKS_DIR) -> list[str]:
    """Names accepted by ``load_payload`` for ``event`` (file names without ``.json``)."""
    return sorted(p.name.removesuffix(".json") for p in (webhooks_dir / event).glob("*.json"))


def load_payload(event: str, name: str | None = None, webhooks_dir: Path = WEBHOOKS_DIR) -> dict[str, Any]:
    """A real webhook payload from ``tests/data/github/webhooks/<event>/``.

    ``name`` is the file name with or without ``.json`` / ``.payload.json`` (``"created.with-installation"``);
    without it ``payload.json`` is used when present, else the first file in sorted order."""
    folder = webhooks_dir / event
    if not folder.is_dir():
        raise FileNotFoundError(f"no webhook fixtures for event {event!r} in {webhooks_dir}")
    candidates = (
        [folder / "payload.json"]
        if name is None
        else [folder / name, folder / f"{name}.json", folder / f"{name}.payload.json"]
    )
    if name is None and not candidates[0].is_file():
        candidates = sorted(folder.glob("*.json"))[:1]
    for path in candidates:
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    raise FileNotFoundError(
        f"no {event} payload named {name!r}; available: {', '.join(list_payloads(event))}"
    )


def retarget_payload(
    payload: Mapping[str, Any],
    *,
    owner: str,
    repo: str,
    repo_id: int | None = None,
    owner_id: int | None = None,
    installation_id: int | None = None,
    base_url: str | None = None,
    clone_url: str | None = None,
) -> dict[str, Any]:
    """A copy of ``payload`` that describes ``owner/repo``: names, ids and every URL that named the old
    repository (optionally re-hosted from github.com to ``base_url``), plus ``installation.id``. With
    ``clone_url`` the repository's ``clone_url``/``git_url``/``ssh_url`` become it, so a bot that clones
    what the event names clones the fake's bare repo."""
    out = copy.deepcopy(dict(payload))
    old = _payload_full_name(out)
    new = f"{owner}/{repo}"
    if old is not None:
        old_owner = old.split("/", 1)[0]
        out = _rewrite_strings(out, old, new, old_owner, owner, base_url)
        for node in _walk_dicts(out):
            if node.get("full_name") == new:
                node["name"] = repo
                if repo_id is not None:
                    node["id"] = repo_id
                if clone_url is not None:
                    node.update(
                        {key: clone_url for key in ("clone_url", "git_url", "ssh_url") if key in node}
                    )
                if isinstance(node.get("owner"), dict):
                    node["owner"].update(
                        {"login": owner, "name": owner} if "name" in node["owner"] else {"login": owner}
                    )
                    if owner_id is not None:
                        node["owner"]["id"] = owner_id
    if installation_id is not None and isinstance(out.get("installation"), dict):
        out["installation"]["id"] = installation_id
    return out


def _payload_full_name(payload: Mapping[str, Any]) -> str | None:
    if isinstance(payload.get("repository"), dict):
        return payload["repository"].get("full_name")
    for key in ("repositories", "repositories_added", "repositories_removed"):
        if payload.get(key):
            return payload[key][0].get("full_name")
    return None


def _rewrite_strings(node: Any, old: str, new: str, old_owner: str, owner: str, base_url: str | None) -> Any:
    if isinstance(node, dict):
        return {k: _rewrite_strings(v, old, new, old_owner, owner, base_url) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_strings(v, old, new, old_owner, owner, base_url) for v in node]
    if not isinstance(node, str):
        return node
    if node == old:
        return new
    if node.startswith(f"{old_owner}:"):  # pull_request.head.label / base.label
        return f"{owner}:{node.split(':', 1)[1]}"
    text = re.sub(rf"(?<=[/:]){re.escape(old)}(?=[/.{{?#]|$)", new, node)
    if base_url and text.startswith(("https://api.github.com", "https://github.com")):
        text = re.sub(r"^https://(api\.)?github\.com", base_url, text)
    return text


def _walk_dicts(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk_dicts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_dicts(value)


def delivery_headers(
    event: str,
    body: bytes,
    secret: str | bytes | None,
    *,
    delivery: str | None = None,
    hook_id: int = 1,
    target_id: int = 1,
    target_type: str = "integration",
) -> dict[str, str]:
    """Headers GitHub sends with a webhook delivery (names from the spec's ``x-webhooks``); a fresh
    ``X-GitHub-Delivery`` GUID unless ``delivery`` is given (pass the same one to test replays)."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/fake",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": str(hook_id),
        "X-GitHub-Hook-Installation-Target-ID": str(target_id),
        "X-GitHub-Hook-Installation-Target-Type": target_type,
    }
    if secret is not None:
        headers["X-Hub-Signature-256"] = sign(body, secret)
    return headers
