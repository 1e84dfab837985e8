"""The webhook door under oversized and unsigned bodies, on a real uvicorn server in its own process
(127.0.0.1, ephemeral port), with its memory read from /proc: an unsigned 100 MB chunked body must be
refused with the server growing by at most 64 MB (peak resident set, ``VmHWM``)."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.github.signature import signature

SECRET = b"limits-secret"
MB = 1024 * 1024

SERVER = textwrap.dedent("""
    import socket, sys
    from pathlib import Path
    import uvicorn
    from bot.github.app import AppSettings, create_app
    from bot.github.events import Routing

    settings = AppSettings([b"limits-secret"], Routing("o/up", "master", ("o/ed",)), Path(sys.argv[1]),
                           run_worker=False)
    app = create_app(settings, lambda job: None)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # connections wait in the backlog until uvicorn accepts them
    print(sock.getsockname()[1], flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False)).run(sockets=[sock])
""")


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of ``pid`` in bytes."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024
    return out


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """(pid, port) of a real uvicorn serving the App."""
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(tmp_path / "state.sqlite3")], stdout=subprocess.PIPE,
                            cwd=Path(__file__).resolve().parents[1])
    try:
        port = int(proc.stdout.readline())
        yield proc.pid, port
    finally:
        proc.kill()
        proc.wait(10)


def _post(port: int, headers: dict[str, str], chunks: Iterator[bytes] | bytes) -> int | None:
    """POST /webhook; the status, or None when the server closed the connection before answering."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        if isinstance(chunks, bytes):
            conn.request("POST", "/webhook", body=chunks, headers=headers)
        else:
            conn.request("POST", "/webhook", body=chunks, headers=headers, encode_chunked=True)
    except (BrokenPipeError, ConnectionResetError):
        pass  # refused mid-upload: the answer (if any) is waiting
    try:
        return conn.getresponse().status
    except (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError):
        return None
    finally:
        conn.close()


def _chunked(total: int, size: int = MB) -> Iterator[bytes]:
    block = b"x" * size
    for _ in range(total // size):
        yield block


def _headers(signed: str | None) -> dict[str, str]:
    h = {"X-GitHub-Event": "ping", "X-GitHub-Delivery": "d-1", "Content-Type": "application/json"}
    if signed is not None:
        h["X-Hub-Signature-256"] = signed
    return h


def test_unsigned_100_mb_chunked_bodies_are_refused_without_the_server_growing(server) -> None:
    pid, port = server
    ping = json.dumps({"zen": "hello"}).encode()
    assert _post(port, _headers(signature(ping, SECRET)), ping) == 200  # the door works for a real delivery
    base = _status(pid)["VmRSS"]
    # no signature at all: refused before the body is read
    assert _post(port, _headers(None), _chunked(100 * MB)) in (401, None)
    # a well-formed but wrong signature: the body streams in and is cut at the 25 MB cap
    assert _post(port, _headers("sha256=" + "0" * 64), _chunked(100 * MB)) in (413, None)
    # an announced size over the cap is refused at once
    assert _post(port, _headers("sha256=" + "0" * 64) | {"Content-Length": str(100 * MB)}, b"{}") in (413, None)
    growth = _status(pid)["VmHWM"] - base
    print(f"server peak growth over 3 oversized requests: {growth / MB:.1f} MB")
    assert growth <= 64 * MB, f"server grew by {growth / MB:.0f} MB"
    assert _post(port, _headers(signature(ping, SECRET)) | {"X-GitHub-Delivery": "d-2"}, ping) == 200  # still up


def test_a_signed_body_over_the_cap_is_413_even_when_chunked(server) -> None:
    _, port = server
    body = b'{"pad": "' + b"y" * (26 * MB) + b'"}'
    status = _post(port, _headers(signature(body, SECRET)), iter([body[i:i + MB] for i in range(0, len(body), MB)]))
    assert status in (413, None)
    small = b'{"zen": "ok"}'
    assert _post(port, _headers(signature(small, SECRET)), iter([small[:5], small[5:]])) == 200  # chunked, signed

