"""Webhook signatures: ``X-Hub-Signature-256`` is ``sha256=`` + hex HMAC-SHA256 of the raw request body.

Pure functions. Why a list of secrets: rotating a webhook secret on GitHub is not atomic with
redeploying the App, so for a while both the old and the new secret must be accepted. Every secret is
checked (no early exit), so the time taken does not tell which one matched.

Why ``SignatureCheck``: the App hashes the body while it streams in, so it never needs the body twice
and can refuse an oversized one before it is all read.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

PREFIX = "sha256="


def signature(body: bytes, secret: bytes) -> str:
    """The header value GitHub sends for ``body`` signed with ``secret``."""
    return PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def well_formed(header: str | None) -> bool:
    """Could ``header`` be a GitHub signature at all (``sha256=`` + 64 hex digits)? Checked before the
    body is read: a request without one is refused without reading anything."""
    if not header or not header.startswith(PREFIX):
        return False
    digest = header[len(PREFIX):]
    return len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)


class SignatureCheck:
    """An HMAC per secret, fed chunk by chunk; ``matches`` compares them all with the header."""

    def __init__(self, secrets: Sequence[bytes]) -> None:
        self._macs = [hmac.new(secret, digestmod=hashlib.sha256) for secret in secrets]

    def update(self, chunk: bytes) -> None:
        for mac in self._macs:
            mac.update(chunk)

    def matches(self, header: str | None) -> bool:
        if not header or not self._macs or not header.startswith(PREFIX):
            return False
        given = header.encode("utf-8", "replace")
        matched = False
        for mac in self._macs:
            matched |= hmac.compare_digest((PREFIX + mac.hexdigest()).encode("ascii"), given)
        return matched


def verify_signature(body: bytes, header: str | None, secrets: Sequence[bytes]) -> bool:
    """True when ``header`` is the signature of the raw ``body`` under one of ``secrets``."""
    check = SignatureCheck(secrets)
    check.update(body)
    return check.matches(header)


def parse_secrets(value: str | None) -> tuple[bytes, ...]:
    """``AMTS_WEBHOOK_SECRET``: one secret, or several separated by commas (rotation)."""
    return tuple(s.strip().encode("utf-8") for s in (value or "").split(",") if s.strip())
