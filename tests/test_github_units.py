"""The pure core of bot/github (signatures, command parsing, event routing, PR bodies, keep) and the
SQLite store and queue. No network, no fake GitHub; the queue tests use a temporary database file."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from bot.github import body as bodies
from bot.github.commands import Help, Invalid, Keep, Retranslate, Status, help_text, parse_command
from bot.github.events import CommentJob, Ignored, PushJob, Routing, job_from_dict, job_to_dict, route
from bot.github.queue import JobQueue, QueuedJob, Worker
from bot.github.signature import parse_secrets, signature, verify_signature
from bot.github.store import Admission, Database, admit, prune

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "r2-hybridize"
HYB = "chapter_computational-performance/hybridize.md"

# -- signatures ---------------------------------------------------------------------------------------


def test_signature_matches_githubs_documented_test_vector() -> None:
    secret, body = b"It's a Secret to Everybody", b"Hello, World!"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signature(body, secret) == expected
    assert verify_signature(body, expected, [secret])
    assert verify_signature(body, expected, [b"old secret", secret])  # rotation: any secret of the list
    assert not verify_signature(body + b" ", expected, [secret])
    assert not verify_signature(body, expected.upper(), [secret])
    assert not verify_signature(body, expected.replace("sha256=", "sha1="), [secret])
    assert not verify_signature(body, None, [secret])
    assert not verify_signature(body, expected, [])
    assert not verify_signature(body, "sha256=ünïcode", [secret])  # no TypeError on non-ASCII headers


def test_secrets_from_the_environment_value() -> None:
    assert parse_secrets(" new , old ,,") == (b"new", b"old")
    assert parse_secrets("") == () and parse_secrets(None) == ()


# -- commands ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    (f"/amts retranslate {HYB}", Retranslate(HYB)),
    (f"/amts retranslate {HYB}#25", Retranslate(HYB, 25)),
    (f"/amts retranslate {HYB}#0 engine=aws\nbecause", Retranslate(HYB, 0, "aws")),
    (f"  /amts retranslate engine=tm {HYB}#7  \r\nmore", Retranslate(HYB, 7, "tm")),
    (f"/amts keep {HYB}#30", Keep(HYB, 30)),
    ("/amts status", Status()),
    ("/amts help", Help()),
    ("/amts", Help()),
])
def test_valid_commands(text: str, expected: object) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize("text, reason", [
    ("/amts frobnicate", "unknown command `frobnicate`"),
    ("/amts retranslate", "needs a file path"),
    (f"/amts retranslate {HYB} other.md", "needs one path, got 2"),
    (f"/amts retranslate {HYB} engine=deepl", "unknown engine `deepl`"),
    (f"/amts retranslate {HYB} engine=aws engine=tm", "given twice"),
    (f"/amts retranslate {HYB} mode=fast", "unknown option `mode`"),
    (f"/amts retranslate {HYB}#x", "must be a block number"),
    (f"/amts retranslate {HYB}#-1", "must be a block number"),
    (f"/amts retranslate {HYB}#07", "must be a block number"),
    (f"/amts retranslate {HYB}#١٢", "must be a block number"),
    ("/amts retranslate ../etc/passwd.md", "not a markdown path"),
    ("/amts retranslate /abs/path.md", "not a markdown path"),
    ("/amts retranslate notes.txt", "not a markdown path"),
    (f"/amts keep {HYB}", "has no block id"),
    (f"/amts keep {HYB}#1 {HYB}#2", "exactly one block id"),
    ("/amts status now", "takes no arguments"),
    ("/amts help me", "takes no arguments"),
])
def test_invalid_commands_say_why(text: str, reason: str) -> None:
    command = parse_command(text)
    assert isinstance(command, Invalid) and reason in command.reason, command


def test_comments_not_addressed_to_amts_are_not_commands() -> None:
    for text in ("LGTM", "", None, "/amtsx retranslate a.md", "please /amts help", "\n/amts help", "/AMTS help"):
        assert parse_command(text) is None
    assert parse_command("!bot help", prefix="!bot") == Help()


def test_usage_and_help_text() -> None:
    invalid = parse_command("/amts keep a.md")
    assert isinstance(invalid, Invalid) and invalid.usage() == "`/amts keep <path>#<block>`"
    text = help_text()
    for name in ("retranslate", "keep", "status", "help"):
        assert f"`/amts {name}" in text


# -- routing ----------------------------------------------------------------------------------------------

ROUTING = Routing("d2l-ai/d2l-en", "master", ("d2l-ai/d2l-zh",))
AFTER = "a" * 40


def push(**over) -> dict:
    payload = {"ref": "refs/heads/master", "before": "b" * 40, "after": AFTER, "deleted": False,
               "repository": {"full_name": "d2l-ai/d2l-en", "clone_url": "https://github.com/d2l-ai/d2l-en.git"},
               "installation": {"id": 7}, "pusher": {"name": "astonzhang"}}
    return payload | over


def comment(**over) -> dict:
    payload = {"action": "created", "repository": {"full_name": "d2l-ai/d2l-zh"},
               "issue": {"number": 3, "pull_request": {"url": "x"}, "body": "<!-- amts:pr-body -->"},
               "comment": {"id": 99, "body": "/amts status", "user": {"login": "translator", "type": "User"}}}
    for key, value in over.items():
        payload[key] = payload[key] | value if isinstance(value, dict) else value
    return payload


def test_push_to_the_upstream_default_branch_is_a_sync_job() -> None:
    job = route("push", push(), ROUTING)
    assert isinstance(job, PushJob) and (job.after, job.installation_id, job.pusher) == (AFTER, 7, "astonzhang")
    assert job.key == f"push:d2l-ai/d2l-en:{AFTER}"
    assert job_from_dict(json.loads(json.dumps(job_to_dict(job)))) == job


@pytest.mark.parametrize("payload, reason", [
    (push(ref="refs/heads/dev"), "not refs/heads/master"),
    (push(ref="refs/tags/v1"), "not refs/heads/master"),
    (push(repository={"full_name": "someone/fork"}), "not the upstream"),
    (push(deleted=True, after="0" * 40), "deleted"),
    (push(after="not a sha"), "names no commit"),
])
def test_other_pushes_are_ignored(payload: dict, reason: str) -> None:
    decision = route("push", payload, ROUTING)
    assert isinstance(decision, Ignored) and reason in decision.reason


def test_a_command_comment_on_an_edition_pr_is_a_command_job() -> None:
    job = route("issue_comment", comment(), ROUTING)
    assert isinstance(job, CommentJob) and (job.number, job.comment_id, job.login) == (3, 99, "translator")
    assert job.key == "comment:d2l-ai/d2l-zh:99"
    assert job_from_dict(job_to_dict(job)) == job


@pytest.mark.parametrize("payload, reason", [
    (comment(action="edited"), "only new comments"),
    (comment(issue={"pull_request": None}), "not on a pull request"),
    (comment(repository={"full_name": "d2l-ai/d2l-en"}), "not an edition"),
    (comment(comment={"user": {"login": "amts[bot]", "type": "Bot"}}), "bot account"),
    (comment(comment={"user": {"login": "dependabot[bot]", "type": "User"}}), "bot account"),
    (comment(comment={"body": "Looks good"}), "not a /amts command"),
])
def test_other_comments_are_ignored(payload: dict, reason: str) -> None:
    decision = route("issue_comment", payload, ROUTING)
    assert isinstance(decision, Ignored) and reason in decision.reason, decision


def test_other_events_are_ignored_leniently() -> None:
    assert isinstance(route("ping", {"zen": "Keep it logically awesome."}, ROUTING), Ignored)
    assert isinstance(route("pull_request", {"action": "closed"}, ROUTING), Ignored)
    assert isinstance(route("push", {"repository": "not a dict"}, ROUTING), Ignored)
    assert isinstance(route("issue_comment", {}, ROUTING), Ignored)


# -- PR bodies ------------------------------------------------------------------------------------------------

HEADER = bodies.BodyHeader("zh", "d2l-ai/d2l-en", "master", (HYB,))


def run(n: int, text: str = "notes", cost: float | None = 0.0) -> bodies.Run:
    record = bodies.RunRecord(str(n) * 40, f"push #{n} -- by @x", "c" * 40, before=str(n - 1) * 40,
                              chars_sent=10 * n, cost_usd=cost, engines=("tm",), at="now")
    return bodies.Run(record, text)


def test_body_round_trips_its_runs_newest_first() -> None:
    text = bodies.compose_body(HEADER, [run(3, "third"), run(2, "second")])
    assert text.startswith("<!-- amts:pr-body -->") and "CC BY-SA 4.0" in text
    parsed = bodies.parse_runs(text)
    assert [r.text for r in parsed] == ["third", "second"]
    assert parsed[0].record == run(3).record  # '--' in the trigger survives the HTML comment
    assert "-->" not in text.split("<!-- amts:run ", 1)[1].split(" -->", 1)[0]
    assert f"`{'1' * 10}..{'3' * 10}`" in text and "| 2 |" in text and "| 50 |" in text
    assert "Earlier sync runs" in text and text.count("<details>") == 1


def test_cost_estimate_in_the_summary() -> None:
    assert "$0 (offline)" in bodies.compose_body(HEADER, [run(1)])
    assert "$1.2500" in bodies.compose_body(HEADER, [run(2, cost=1.0), run(1, cost=0.25)])
    assert "unpriced" in bodies.compose_body(HEADER, [run(2, cost=None), run(1, cost=0.25)])


def test_cost_of_results() -> None:
    from bot.translate.base import TranslationResult

    results = {"a": TranslationResult("a", "x", "aws", chars_billed=2_000_000),
               "b": TranslationResult("b", "y", "tm", chars_billed=0)}
    assert bodies.cost_of(results, {"aws": 15.0, "tm": 0.0}) == pytest.approx(30.0)
    assert bodies.cost_of(results, {"tm": 0.0}) is None


def test_body_hard_cut_as_a_last_resort() -> None:
    text = bodies.compose_body(HEADER, [run(1, "😀" * 70_000)])
    assert bodies.text_length(text) <= bodies.BODY_LIMIT and text.endswith(bodies.ATTRIBUTION + "\n")


def test_status_comment_keeps_recent_events() -> None:
    events: list[str] = []
    for i in range(15):
        events = bodies.add_event(events, f"event {i}")
    text = bodies.status_comment("amts/sync-zh", "f" * 40, [run(1)], events)
    assert text.startswith(bodies.STATUS_MARKER)
    assert bodies.parse_status_events(text) == [f"event {i}" for i in range(14, 4, -1)]


def test_chapters() -> None:
    assert bodies.group_by_chapter(["a/x.md", "b/y.md", "a/z.md", "top.md"]) == {
        "a": ["a/x.md", "a/z.md"], "b": ["b/y.md"], ".": ["top.md"]}
    assert bodies.chapter_slug("chapter_x y") == "chapter_x-y" and bodies.chapter_slug(".") == "root"


# -- keep ---------------------------------------------------------------------------------------------------------


def test_keep_block_restores_the_pre_sync_text(tmp_path: Path) -> None:
    if not SAMPLE.is_dir():
        pytest.skip(f"{SAMPLE} (the project's own sample) is missing")
    import git

    from bot.github.keep import KeepError, keep_block
    from bot.sync.replay import build_replay
    from bot.sync.runner import SyncOptions, run_sync
    from bot.translate.factory import make_engine, memory_from_commit

    upstream, edition = build_replay(SAMPLE, tmp_path)
    result = run_sync(SyncOptions(str(upstream), str(edition), "zh", force={HYB: frozenset({53})}),
                      lambda _r, base: make_engine("tm", memory_from_commit(base, "_origin", "en", "zh"), "zh"))
    branch = git.Repo(edition).commit("amts/sync-zh")
    origin_path = HYB.replace(".md", "_origin.md")
    base_origin, base_edition = ((edition / p).read_text(encoding="utf-8") for p in (origin_path, HYB))
    new_origin, new_edition = ((branch.tree / p).data_stream.read().decode() for p in (origin_path, HYB))
    spliced = next(u for u in result.jobs[0].outcome.units if u.action == "retranslate")
    k = spliced.new[0]
    kept = keep_block(HYB, k, base_origin, base_edition, new_origin, new_edition)
    assert spliced.old_text in kept and spliced.text not in kept
    assert kept.replace(spliced.old_text, spliced.text) == new_edition  # nothing else moved
    with pytest.raises(KeepError, match="already has its pre-sync text"):
        keep_block(HYB, k, base_origin, base_edition, new_origin, kept)
    with pytest.raises(KeepError, match="there is no #9999"):
        keep_block(HYB, 9999, base_origin, base_edition, new_origin, new_edition)


# -- store and queue -------------------------------------------------------------------------------------------------


def test_admit_dedupes_delivery_ids_and_semantic_keys(tmp_path: Path) -> None:
    db = Database(tmp_path / "s.sqlite3")
    with db.transaction() as tx:
        assert admit(tx, "d1", "push", "push:x:1") is Admission.NEW
        assert admit(tx, "d1", "push", "push:x:1") is Admission.DUPLICATE_DELIVERY
        assert admit(tx, "d2", "push", "push:x:1") is Admission.DUPLICATE_KEY
        assert admit(tx, "d3", "ping", None) is Admission.NEW
    assert prune(db, days=7, now=time.time() + 8 * 86400) == 4  # 3 deliveries + 1 key
    db.close()


def test_queue_survives_a_restart_and_runs_each_job_once(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    db = Database(path)
    queue = JobQueue(db)
    with db.transaction() as tx:
        for i in range(6):
            queue.put(tx, "push", {"n": i}, f"d{i}")
    seen: list[int] = []
    gate = threading.Event()

    def slow(job: QueuedJob) -> None:
        seen.append(job.payload["n"])
        if len(seen) == 2:
            gate.set()
        time.sleep(0.05)

    worker = Worker(queue, slow, poll_seconds=0.01).start()
    assert gate.wait(5)
    worker.stop()  # graceful: the job in hand finishes, the rest stay queued
    db.close()
    db2 = Database(path)  # "restart"
    queue2 = JobQueue(db2)
    assert queue2.recover() == 0
    Worker(queue2, lambda job: seen.append(job.payload["n"])).drain()
    assert sorted(seen) == list(range(6))  # every job exactly once
    assert queue2.counts() == {"queued": 0, "running": 0, "done": 6, "failed": 0}
    db2.close()


def test_a_job_caught_running_by_a_crash_is_queued_again(tmp_path: Path) -> None:
    db = Database(tmp_path / "q.sqlite3")
    queue = JobQueue(db)
    with db.transaction() as tx:
        queue.put(tx, "push", {"n": 1}, "d1")
    assert queue.claim() is not None  # the process dies here
    assert queue.claim() is None
    assert queue.recover() == 1
    job = queue.claim()
    assert job is not None and job.attempts == 2


def test_failing_jobs_back_off_then_fail(tmp_path: Path) -> None:
    db = Database(tmp_path / "q.sqlite3")
    queue = JobQueue(db, max_attempts=2, backoff=(0.0,))
    with db.transaction() as tx:
        queue.put(tx, "push", {}, "d1")

    def boom(job: QueuedJob) -> None:
        raise RuntimeError("GitHub is down")

    worker = Worker(queue, boom)
    assert worker.drain() == 2
    counts = queue.counts()
    assert counts["failed"] == 1 and counts["queued"] == 0
    assert "GitHub is down" in db.connection().execute("SELECT error FROM jobs").fetchone()[0]


# -- credentials and the command line ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def test_app_credentials_from_the_environment(pem: str, tmp_path: Path) -> None:
    from bot.github.auth import AppCredentials, CredentialsError

    creds = AppCredentials.from_env({"AMTS_APP_ID": "42", "AMTS_PRIVATE_KEY": pem.replace("\n", "\\n")})
    assert creds.app_id == "42" and creds.private_key.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert "PRIVATE" not in repr(creds)
    (tmp_path / "k.pem").write_text(pem)
    assert AppCredentials.from_env({"AMTS_APP_ID": "42", "AMTS_PRIVATE_KEY_PATH": str(tmp_path / "k.pem")}) == creds
    for env, message in [({}, "AMTS_APP_ID is not set"),
                         ({"AMTS_APP_ID": "my-app"}, "numeric App ID"),
                         ({"AMTS_APP_ID": "42"}, "set AMTS_PRIVATE_KEY"),
                         ({"AMTS_APP_ID": "42", "AMTS_PRIVATE_KEY": "hunter2"}, "not an unencrypted PEM"),
                         ({"AMTS_APP_ID": "42", "AMTS_PRIVATE_KEY_PATH": str(tmp_path / "no.pem")}, "cannot read")]:
        with pytest.raises(CredentialsError, match=message) as error:
            AppCredentials.from_env(env)
        assert "hunter2" not in str(error.value)


def test_serve_refuses_to_start_without_secrets(pem: str) -> None:
    import typer
    from typer.testing import CliRunner

    from bot.cli_github import register

    cli = typer.Typer()
    register(cli)
    config = str(ROOT / "config" / "amts.yml")
    result = CliRunner().invoke(cli, ["serve", "--config", config], env={"AMTS_WEBHOOK_SECRET": ""})
    assert result.exit_code == 2 and "AMTS_WEBHOOK_SECRET is not set" in result.output
    result = CliRunner().invoke(cli, ["serve", "--config", config],
                                env={"AMTS_WEBHOOK_SECRET": "s", "AMTS_APP_ID": "1", "AMTS_PRIVATE_KEY": "x"})
    assert result.exit_code == 2 and "not an unencrypted PEM" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["serve", "--config", "/nonexistent/amts.yml"])
    assert result.exit_code == 2 and "no such config file" in result.output
