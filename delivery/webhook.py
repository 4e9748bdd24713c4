"""Reminders as a signed JSON POST to a webhook.

The signature is hex HMAC-SHA256 over `"{timestamp}." + body`, sent as
`X-Pathway-Signature: sha256=<hex>` with `X-Pathway-Timestamp`; the reminder id is
the `Idempotency-Key`, so a receiver drops the one resend a crash can cause.
Receivers check a request with `verify`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx

from delivery.content import Content
from delivery.errors import DeliveryFailed
from domain.dispatch import ReminderMessage

CHANNEL = "webhook"
SIGNATURE_PREFIX = "sha256="
_RETRYABLE_4XX = frozenset({408, 425, 429})


@dataclass(frozen=True)
class WebhookSettings:
    url: str
    secret: str = field(repr=False)
    timeout_s: float = 10.0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature_header: str, now: float, tolerance_s: float = 300) -> bool:
    """True when the header signs this body and the timestamp is within `tolerance_s` of `now`."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - sent_at) > tolerance_s or not signature_header.startswith(SIGNATURE_PREFIX):
        return False
    expected = sign(secret, timestamp, body).encode()
    return hmac.compare_digest(expected, signature_header.removeprefix(SIGNATURE_PREFIX).encode())


def payload(message: ReminderMessage, to: list[str], content: Content | None = None) -> dict[str, Any]:
    """`to[i]` is the address resolved for `message.recipients[i]` when both have the same length.
    With `content`, the human-readable fields `title` and `text` (the rendered e-mail's subject
    and plain text, in the centre's language) and `locale`."""
    addresses: list[str | None] = list(to) if len(to) == len(message.recipients) else [None] * len(message.recipients)
    return {
        "reminder_id": message.reminder_id,
        "patient_ref": message.patient_ref,
        "obligation_id": message.obligation_id,
        "rule": message.rule,
        "kind": message.kind,
        "step": message.step,
        "due_on": message.due_on.isoformat(),
        "scheduled_at": message.scheduled_at.isoformat(),
        "escalated": message.escalated,
        "recipients": [
            {"role": r.role, "id": r.id, "address": address} for r, address in zip(message.recipients, addresses)
        ],
        "to": list(to),
        **({"title": content.subject, "text": content.text, "locale": message.locale} if content else {}),
    }


class WebhookChannel:
    name = CHANNEL

    def __init__(self, settings: WebhookSettings, client: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._client = client
        self._owns_client = client is None

    async def __aenter__(self) -> WebhookChannel:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the client this channel created; a client passed in stays the caller's."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send(self, message: ReminderMessage, to: list[str], content: Content | None = None) -> str:
        """POST the reminder; returns the idempotency key (the reminder id)."""
        body = json.dumps(payload(message, to, content), separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(time.time()))
        key = message.reminder_id
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": key,
            "X-Pathway-Timestamp": timestamp,
            "X-Pathway-Signature": SIGNATURE_PREFIX + sign(self._settings.secret, timestamp, body),
        }
        try:
            response = await self._http().post(self._settings.url, content=body, headers=headers,
                                               timeout=self._settings.timeout_s)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise DeliveryFailed(CHANNEL, f"{type(exc).__name__}: {exc}", retryable=False) from None
        except httpx.TransportError as exc:
            raise DeliveryFailed(CHANNEL, f"{type(exc).__name__}: {exc}", retryable=True) from None
        if response.is_success:
            return key
        status = response.status_code
        retryable = status >= 500 or status in _RETRYABLE_4XX
        raise DeliveryFailed(CHANNEL, f"HTTP {status} {response.reason_phrase}", retryable=retryable)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient()
        return self._client
