"""Chat-compatible webhooks: the JSON body, its HMAC-SHA256 signature, and one HTTP POST.

The body is what Slack and Mattermost incoming webhooks accept (``text`` plus ``attachments``)
with a ``trustledger`` object carrying the same content for programs. The signature follows the
common pattern of Stripe and GitHub webhooks, with the timestamp inside the signed string so a
captured request cannot be replayed later:

    X-Trustledger-Timestamp: 1795000000
    X-Trustledger-Signature: sha256=hex(HMAC-SHA256(secret, b"1795000000." + raw_body))

A receiver recomputes the HMAC over the raw bytes it received, compares in constant time and
rejects timestamps older than a few minutes (:func:`verify_signature` does all three).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

SIGNATURE_HEADER = "X-Trustledger-Signature"
TIMESTAMP_HEADER = "X-Trustledger-Timestamp"
DELIVERY_HEADER = "X-Trustledger-Delivery"
ATTEMPT_HEADER = "X-Trustledger-Attempt"
#: A receiver should refuse a signature whose timestamp is further than this from its clock.
DEFAULT_TOLERANCE_SECONDS = 300
USER_AGENT = "trustledger-webhook/1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify_signature(
    secret: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether a received webhook is authentic and fresh (for receivers and tests)."""
    if not timestamp or not signature:
        return False
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature)


def chat_payload(
    *,
    text: str,
    title: str,
    body: str,
    url: str,
    structured: dict[str, Any],
) -> dict[str, Any]:
    """A Slack/Mattermost-compatible body: ``text`` for the channel, an attachment with the
    details, and ``trustledger`` with the same content for programs."""
    attachment: dict[str, Any] = {"fallback": text, "title": title, "text": body}
    if url:
        attachment["title_link"] = url
    return {"text": text, "attachments": [attachment], "trustledger": structured}


def encode(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact, key-sorted UTF-8 JSON."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class PostResult:
    """How one POST ended: an HTTP status, or an error before any status was received."""

    status_code: int | None
    error: str
    retry_after_seconds: int | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        """Connection errors, timeouts, 5xx and 429 may succeed later; other 4xx never will."""
        if self.ok:
            return False
        if self.status_code is None:
            return True
        return self.status_code >= 500 or self.status_code == 429


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook that answers with a redirect is misconfigured; do not follow it."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(
    url: str,
    body: bytes,
    *,
    secret: str,
    delivery_id: str,
    attempt: int,
    timeout: float,
    timestamp: int | None = None,
) -> PostResult:
    """POST ``body`` to ``url`` signed with ``secret``; never raises for network trouble."""
    sent_at = int(time.time()) if timestamp is None else timestamp
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            TIMESTAMP_HEADER: str(sent_at),
            SIGNATURE_HEADER: sign(secret, sent_at, body),
            DELIVERY_HEADER: delivery_id,
            ATTEMPT_HEADER: str(attempt),
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(65536)
            return PostResult(status_code=response.status, error="")
    except urllib.error.HTTPError as answered:
        detail = _snippet(answered)
        retry_after = _retry_after(answered.headers.get("Retry-After"))
        answered.close()
        return PostResult(answered.code, f"HTTP {answered.code}{detail}", retry_after)
    except (urllib.error.URLError, OSError, ValueError) as problem:
        reason = getattr(problem, "reason", problem)
        return PostResult(None, f"{type(problem).__name__}: {reason}")


def _snippet(error: urllib.error.HTTPError) -> str:
    try:
        text = error.read(300).decode("utf-8", "replace").strip()
    except OSError:
        return ""
    return f": {text}" if text else ""


def _retry_after(value: str | None) -> int | None:
    if value and value.strip().isdigit():
        return int(value.strip())
    return None
