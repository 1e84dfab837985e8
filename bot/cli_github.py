"""``amts serve`` (the GitHub App) and ``amts action`` (the GitHub Action). Thin: read the environment and
options, build the pieces of bot/github, run.

Register on the main command with ``register(app)`` (bot/cli.py). Secrets come from the environment
only (names in config/amts.yml ``github:``) and are never printed.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import typer

from bot.cli_console import error_exit


def _fail(message: str, code: int = 2) -> typer.Exit:
    return error_exit(message, code)


def _config(path: Path):
    from bot.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as e:
        raise _fail(str(e)) from None


def serve(host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 in a container)."),
          port: int = typer.Option(8000, "--port", help="Port to listen on."),
          config: Path = typer.Option(Path("config/amts.yml"), "--config", help="The AMTS config file."),
          workdir: Path | None = typer.Option(None, "--workdir",
                                              help="Clones and the state database (default: ~/.cache/amts/github)."),
          split_above: int = typer.Option(60_000, "--split-above",
                                          help="Open one PR per chapter when the notes would exceed this many "
                                               "characters (0: never)."),
          redis: str | None = typer.Option(None, "--redis", help="Queue jobs on this Redis (redis://host:6379/0) "
                                                                 "for `amts worker` processes instead of running "
                                                                 "them in a thread.")):
    """Run the GitHub App: POST /webhook (signed deliveries) and GET /healthz, with a worker thread."""
    import uvicorn

    from bot.github.app import AppSettings, create_app
    from bot.github.events import Routing
    from bot.github.signature import parse_secrets
    from bot.sync.repos import cache_dir

    cfg = _config(config)
    gh = cfg.github
    secrets = parse_secrets(os.environ.get(gh.webhook_secret_env))
    if not secrets:
        raise _fail(f"{gh.webhook_secret_env} is not set: put the App's webhook secret there (several, comma-"
                    "separated, while rotating)")
    root = workdir or cache_dir() / "github"
    handler = _app_handler(cfg, root, split_above)
    if redis:
        _check_redis(redis)
    app = create_app(AppSettings(secrets, Routing.from_config(cfg), root / "amts.sqlite3", redis_url=redis), handler)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True)


def _app_handler(cfg, root: Path, split_above: int | None):
    """The job handler of the GitHub App (App credentials from the environment)."""
    from bot.github.auth import AppAccess, AppCredentials, ClientSettings, CredentialsError
    from bot.github.handlers import JobHandler
    from bot.github.pulls import PullOptions, PullRequests
    from bot.github.workspace import Workspace

    gh = cfg.github
    try:
        credentials = AppCredentials.from_env(os.environ, gh.app_id_env, gh.private_key_env)
    except CredentialsError as e:
        raise _fail(str(e)) from None
    pulls = PullRequests(cfg, AppAccess(credentials, ClientSettings(base_url=gh.api_url)), Workspace(root / "repos"),
                         PullOptions(split_above=split_above, learn_dir=root / "learning",
                                     state_db=root / "amts.sqlite3"))
    return JobHandler(pulls)


def _check_redis(url: str) -> None:
    try:
        from redis import Redis
        from redis.exceptions import RedisError
    except ImportError:
        raise _fail("--redis needs the Redis extras: pip install 'amts[redis]'") from None
    try:
        Redis.from_url(url).ping()
    except (RedisError, ValueError) as e:
        raise _fail(f"--redis {url}: cannot reach Redis ({e})") from None


def worker(redis: str = typer.Option(..., "--redis", help="The Redis the App queues on (redis://host:6379/0)."),
           config: Path = typer.Option(Path("config/amts.yml"), "--config", help="The AMTS config file."),
           workdir: Path | None = typer.Option(None, "--workdir",
                                               help="This worker's clones (default: ~/.cache/amts/github)."),
           split_above: int = typer.Option(60_000, "--split-above", help="As for `amts serve`.")):
    """Run jobs queued on Redis by `amts serve --redis` (as many workers, on as many machines, as needed)."""
    from bot.sync.repos import cache_dir

    cfg = _config(config)
    _check_redis(redis)
    handler = _app_handler(cfg, workdir or cache_dir() / "github", split_above)
    from bot.github.redis_queue import serve_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve_worker(redis, handler)


def action() -> None:
    """Run inside a GitHub Actions job: push -> sync editions, issue_comment -> /amts command; writes
    pull-request-number, pull-request-url and operation to $GITHUB_OUTPUT."""
    from bot.config import ConfigError
    from bot.github.action import ActionError, ActionInputs, run_action, write_outputs
    from bot.github.auth import ClientSettings, CredentialsError, TokenAccess
    from bot.github.pulls import PullOptions, PullRequests
    from bot.github.workspace import Workspace
    from bot.sync.repos import cache_dir

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        inputs = ActionInputs.from_env(os.environ)
    except ActionError as e:
        raise _fail(str(e)) from None
    cfg = _config(inputs.config)
    if not inputs.token:
        raise _fail("no token: pass `token:` to the action (a GitHub App installation token or a PAT that can "
                    "push to the edition repositories)")
    access = TokenAccess(inputs.token, ClientSettings(base_url=inputs.api_url or cfg.github.api_url))
    root = inputs.workdir or cache_dir() / "github"
    pulls = PullRequests(cfg, access, Workspace(root / "repos"),
                         PullOptions(split_above=inputs.split_above, learn_dir=root / "learning"))
    try:
        result = run_action(inputs, pulls)
    except (ActionError, ConfigError, CredentialsError) as e:
        raise _fail(str(e)) from None
    write_outputs(inputs.output_path, result.outputs())
    for o in result.outcomes:
        line = f"{o.edition}: {o.operation}" + (f" {o.url}" if o.url else "") + (f" — {o.message}" if o.message else "")
        typer.echo(line)
    if result.message:
        typer.echo(result.message)
    raise typer.Exit(1 if result.failed else 0)


def jobs(workdir: Path | None = typer.Option(None, "--workdir",
                                            help="The App's --workdir (default: ~/.cache/amts/github)."),
         as_json: bool = typer.Option(False, "--json", help="Print JSON instead of lines."),
         limit: int = typer.Option(20, "--limit", help="Show at most this many failed/queued jobs.")):
    """The App's job queue: counts by state, then the failed and waiting jobs with their errors
    (exit 1 when a job failed: redeliver its event on GitHub to run it again)."""
    import json
    import sqlite3
    from datetime import UTC, datetime

    from bot.github.queue import JobQueue
    from bot.github.store import Database
    from bot.sync.repos import cache_dir

    path = (workdir or cache_dir() / "github") / "amts.sqlite3"
    if not path.is_file():
        raise _fail(f"{path}: no App state here (start `amts serve` with this --workdir first)")
    try:
        queue = JobQueue(Database(path))
        counts, listed = queue.counts(), queue.jobs(("failed", "queued", "running"), limit)
    except sqlite3.Error as e:
        raise _fail(f"{path}: cannot read the App state ({e})") from None
    if as_json:
        typer.echo(json.dumps({"jobs": counts, "listed": [j.as_dict() for j in listed]}, ensure_ascii=False, indent=2))
    else:
        typer.echo("jobs: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        for j in listed:
            when = datetime.fromtimestamp(j.updated, UTC).strftime("%Y-%m-%d %H:%M UTC")
            line = f"  #{j.id} {j.kind} {j.state} after {j.attempts} attempt(s), {when}, delivery {j.delivery}"
            if j.state == "queued" and j.not_before > j.updated:
                line += f", next try {datetime.fromtimestamp(j.not_before, UTC).strftime('%H:%M:%S UTC')}"
            typer.echo(line + (f": {j.as_dict()['error']}" if j.error else ""))
    raise typer.Exit(1 if counts.get("failed") else 0)


def register(app: typer.Typer) -> None:
    """Add ``serve``, ``action`` and ``jobs`` to the ``amts`` command."""
    app.command("serve")(serve)
    app.command("action")(action)
    app.command("jobs")(jobs)
    app.command("worker")(worker)
