"""``amts action``: the same jobs as the App, run once inside a GitHub Actions job.

The workflow's event is the delivery: ``push`` (in the upstream repository) syncs the editions,
``issue_comment`` (in an edition repository) runs an ``/amts`` command, ``schedule`` and
``workflow_dispatch`` sync the editions with upstream's current head. Inputs come as ``INPUT_*``
variables (action.yml passes them explicitly: composite actions do not export them); outputs go to
``$GITHUB_OUTPUT``: ``pull-request-number``, ``pull-request-url``, ``operation`` (created, updated,
closed, none) for the first edition that changed, and ``pull-requests`` (JSON, every edition).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.github.events import CommentJob, Ignored, MergedJob, PushJob, Routing, route
from bot.github.handlers import JobHandler
from bot.github.pulls import PullOutcome, PullRequests

SYNC_EVENTS = ("schedule", "workflow_dispatch", "repository_dispatch")


class ActionError(Exception):
    """The Action is misconfigured; the message says which input or variable to fix."""


@dataclass(frozen=True)
class ActionInputs:
    event_name: str
    event_path: Path
    token: str | None = field(repr=False, default=None)
    config: Path = Path("config/amts.yml")
    editions: tuple[str, ...] = ()
    split_above: int | None = 60_000  # bot.github.pulls.DEFAULT_SPLIT_ABOVE; 0: never
    workdir: Path | None = None
    api_url: str | None = None
    output_path: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ActionInputs:
        name = env.get("GITHUB_EVENT_NAME", "").strip()
        path = env.get("GITHUB_EVENT_PATH", "").strip()
        if not name or not path:
            raise ActionError("GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are not set: `amts action` runs inside a "
                              "GitHub Actions job (use `amts sync` or `amts serve` elsewhere)")
        split = env.get("INPUT_SPLIT_ABOVE", "").strip()
        if split and not split.isdigit():
            raise ActionError(f"input split-above must be a number of characters (got {split!r})")
        temp = env.get("RUNNER_TEMP", "").strip()
        return cls(
            event_name=name, event_path=Path(path),
            token=env.get("INPUT_TOKEN", "").strip() or env.get("GITHUB_TOKEN", "").strip() or None,
            config=Path(env.get("INPUT_CONFIG", "").strip() or "config/amts.yml"),
            editions=tuple(e.strip() for e in env.get("INPUT_EDITIONS", "").replace(",", " ").split() if e.strip()),
            split_above=int(split) if split else 60_000,
            workdir=Path(temp) / "amts" if temp else None,
            api_url=env.get("GITHUB_API_URL", "").strip() or None,
            output_path=Path(env["GITHUB_OUTPUT"]) if env.get("GITHUB_OUTPUT", "").strip() else None,
        )

    def payload(self) -> dict:
        try:
            data = json.loads(self.event_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ActionError(f"cannot read the event payload {self.event_path}: {e}") from None
        if not isinstance(data, dict):
            raise ActionError(f"{self.event_path}: the event payload is not a JSON object")
        return data


@dataclass
class ActionResult:
    operation: str = "none"
    number: int | None = None
    url: str | None = None
    outcomes: list[PullOutcome] = field(default_factory=list)
    message: str = ""
    failed: bool = False

    def outputs(self) -> dict[str, str]:
        return {"pull-request-number": str(self.number or ""), "pull-request-url": self.url or "",
                "operation": self.operation,
                "pull-requests": json.dumps([o.as_dict() for o in self.outcomes], ensure_ascii=False)}


def summarize(outcomes: Sequence[PullOutcome], message: str = "") -> ActionResult:
    changed = [o for o in outcomes if o.operation != "none"]
    first = changed[0] if changed else (outcomes[0] if outcomes else None)
    result = ActionResult(outcomes=list(outcomes), message=message,
                          failed=any(o.error or o.push_rejected for o in outcomes))
    if first is not None:
        result.operation, result.number, result.url = first.operation, first.number, first.url
    return result


def run_action(inputs: ActionInputs, pulls: PullRequests) -> ActionResult:
    """Handle the workflow's event with ``pulls`` (a ``PullRequests`` built on a token)."""
    names = list(inputs.editions) or None
    for name in names or ():
        pulls.config.edition(name)  # ConfigError for a typo in the `editions` input
    if inputs.event_name in SYNC_EVENTS:
        upstream = pulls.upstream_head()
        return summarize(pulls.sync_all(upstream, f"{inputs.event_name} run", names))
    payload = inputs.payload()
    decision = route(inputs.event_name, payload, Routing.from_config(pulls.config))
    if isinstance(decision, Ignored):
        return ActionResult(message=decision.reason)
    handler = JobHandler(pulls)
    if isinstance(decision, PushJob):
        return summarize(handler.handle_push(decision, names))
    if isinstance(decision, MergedJob):
        return ActionResult(message=handler.handle_merged(decision))
    assert isinstance(decision, CommentJob)
    outcome = handler.handle_comment(decision)
    result = summarize([outcome.pull] if outcome.pull else [], f"command {outcome.status}")
    result.failed = outcome.status == "failed"
    return result


def write_outputs(path: Path | None, outputs: Mapping[str, str]) -> None:
    """Append ``name=value`` lines (a heredoc for multi-line values) to ``$GITHUB_OUTPUT``."""
    if path is None:
        return
    with path.open("a", encoding="utf-8") as handle:
        for name, value in outputs.items():
            if "\n" in value:
                mark = f"amts_{uuid.uuid4().hex}"
                handle.write(f"{name}<<{mark}\n{value}\n{mark}\n")
            else:
                handle.write(f"{name}={value}\n")
