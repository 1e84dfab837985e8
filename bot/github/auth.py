"""Who AMTS is on GitHub: App credentials from the environment, and PyGithub clients per repository.

Two ways in, one interface (``GitHubAccess``): the App (JWT -> installation token per repository, with
PyGithub's ``Auth.AppAuth(...).get_installation_auth(...)``, refreshed before it expires) and a plain
token (the Action: ``GITHUB_TOKEN`` or a token from actions/create-github-app-token).

Secrets are held in fields excluded from ``repr`` and never logged; the environment is read only by
``from_env`` helpers, which the shell (cli_github.py) calls.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from github import Auth, Github, GithubIntegration
from github.GithubException import GithubException

DEFAULT_API_URL = "https://api.github.com"


class CredentialsError(Exception):
    """Credentials are missing or unusable; the message says which variable to set and how."""


@dataclass(frozen=True)
class ClientSettings:
    """How PyGithub talks to the API. ``throttle=False`` and ``retry=None`` are for tests against the
    local fake; production keeps PyGithub's defaults (write spacing and retries on 403/429/5xx)."""

    base_url: str = DEFAULT_API_URL
    retry: Any = "default"
    throttle: bool = True
    timeout: int = 30

    def kwargs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"base_url": self.base_url.rstrip("/"), "timeout": self.timeout}
        if self.retry != "default":
            out["retry"] = self.retry
        if not self.throttle:
            out |= {"seconds_between_requests": 0, "seconds_between_writes": 0}
        return out


@dataclass(frozen=True)
class AppCredentials:
    app_id: str
    private_key: str = field(repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str], app_id_env: str = "AMTS_APP_ID",
                 private_key_env: str = "AMTS_PRIVATE_KEY") -> AppCredentials:
        """``AMTS_APP_ID`` plus ``AMTS_PRIVATE_KEY`` (PEM text; ``\\n`` escapes allowed) or
        ``AMTS_PRIVATE_KEY_PATH`` (a PEM file)."""
        app_id = env.get(app_id_env, "").strip()
        if not app_id:
            raise CredentialsError(f"{app_id_env} is not set: put the GitHub App's ID (App settings, 'About') there")
        if not app_id.isdigit():
            raise CredentialsError(f"{app_id_env} must be the numeric App ID (got a value that is not a number)")
        path_env = private_key_env + "_PATH"
        key = env.get(private_key_env, "").replace("\\n", "\n").strip()
        if not key and env.get(path_env, "").strip():
            path = Path(env[path_env].strip()).expanduser()
            try:
                key = path.read_text(encoding="utf-8").strip()
            except OSError as e:
                raise CredentialsError(f"{path_env}: cannot read {path} ({e.strerror})") from None
        if not key:
            raise CredentialsError(f"set {private_key_env} (the App's private key, PEM) or {path_env} (a .pem file)")
        _check_pem(key, private_key_env)
        return cls(app_id, key + "\n")


def _check_pem(key: str, name: str) -> None:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        load_pem_private_key(key.encode(), password=None)
    except (ValueError, TypeError):
        raise CredentialsError(f"{name} is not an unencrypted PEM private key (download a new one from the "
                               "App settings: 'Private keys')") from None


class GitHubAccess(Protocol):
    """A PyGithub client allowed to act on ``full_name``, and the token git uses for it."""

    def client(self, full_name: str) -> Github: ...

    def git_token(self, full_name: str) -> str | None: ...


class TokenAccess:
    """One token for every repository (the Action)."""

    def __init__(self, token: str | None, settings: ClientSettings = ClientSettings()) -> None:
        self._token = token
        self.settings = settings
        self._client = Github(auth=Auth.Token(token) if token else None, **settings.kwargs())

    def __repr__(self) -> str:
        return f"TokenAccess(base_url={self.settings.base_url!r})"

    def client(self, full_name: str) -> Github:
        return self._client

    def git_token(self, full_name: str) -> str | None:
        return self._token


class AppAccess:
    """The GitHub App: an installation-scoped client per repository owner, tokens refreshed by PyGithub."""

    def __init__(self, credentials: AppCredentials, settings: ClientSettings = ClientSettings()) -> None:
        self.settings = settings
        self._app_auth = Auth.AppAuth(int(credentials.app_id), credentials.private_key)
        self._integration = GithubIntegration(auth=self._app_auth, **settings.kwargs())
        self._installations: dict[str, int] = {}
        self._clients: dict[int, tuple[Github, Auth.AppInstallationAuth]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"AppAccess(base_url={self.settings.base_url!r})"

    def installation_id(self, full_name: str) -> int:
        key = full_name.lower()
        with self._lock:
            if key not in self._installations:
                owner, _, name = full_name.partition("/")
                try:
                    self._installations[key] = self._integration.get_repo_installation(owner, name).id
                except GithubException as e:
                    raise CredentialsError(f"the App is not installed on {full_name} (GitHub answered "
                                           f"{e.status}); install it there first") from None
            return self._installations[key]

    def _entry(self, full_name: str) -> tuple[Github, Auth.AppInstallationAuth]:
        inst = self.installation_id(full_name)
        with self._lock:
            if inst not in self._clients:
                auth = self._app_auth.get_installation_auth(inst)
                self._clients[inst] = (Github(auth=auth, **self.settings.kwargs()), auth)
            return self._clients[inst]

    def client(self, full_name: str) -> Github:
        return self._entry(full_name)[0]

    def git_token(self, full_name: str) -> str | None:
        return self._entry(full_name)[1].token
