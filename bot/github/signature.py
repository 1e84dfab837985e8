"""Webhook signatures: ``X-Hub-Signature-256`` is ``sha256=`` + hex HMAC-SHA256 of the raw request body.

Pure functions. Why a list of secrets: rotating a webhook secret on GitHub is not atomic with
redeploying the App, so for a while both the old and the new secret must be accepted. Every secret is
checked (no early exit), so the time taken does not tell which one matched.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

PREFIX = "sha256="


def signature(body: bytes, secret: bytes) -> str:
    """The header value GitHub sends for ``body`` signed with ``secret``."""
    return PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secrets: Sequence[bytes]) -> bool:
    """True when ``header`` is the signature of the raw ``body`` under one of ``secrets``."""
    if not header or not secrets or not header.startswith(PREFIX):
        return False
    given = header.encode("utf-8", "replace")
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(signature(body, secret).encode("ascii"), given)
    return matched


def parse_secrets(value: str | None) -> tuple[bytes, ...]:
    """``AMTS_WEBHOOK_SECRET``: one secret, or several separated by commas (rotation)."""
    return tuple(s.strip().encode("utf-8") for s in (value or "").split(",") if s.strip())
