from __future__ import annotations

import json
import socket
import time
from datetime import date

import httpx
import pytest

from delivery.errors import DeliveryFailed
from delivery.webhook import WebhookChannel, WebhookSettings, sign, verify
from rendering.letters import Addressee, Letter, render_letter
from tests.delivery.builders import escalated_reminder, reminder
from tests.delivery.http_receiver import HttpReceiver

SECRET = "whsec-test-0123456789"
TO = ["neuro12@chu.example", "coordinator@crc.example"]


def signed(body: bytes, timestamp: str = "1767600000") -> tuple[str, str]:
    return timestamp, "sha256=" + sign(SECRET, timestamp, body)


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"1767600000.{}", hashlib.sha256).hexdigest()

    assert sign(SECRET, "1767600000", b"{}") == expected


def test_verify_accepts_a_fresh_valid_signature() -> None:
    timestamp, header = signed(b'{"a":1}')

    assert verify(SECRET, timestamp, b'{"a":1}', header, now=1767600100)


@pytest.mark.parametrize(
    "secret, body, now, header_prefix",
    [
        ("wrong-secret", b'{"a":1}', 1767600000, "sha256="),
        (SECRET, b'{"a":2}', 1767600000, "sha256="),
        (SECRET, b'{"a":1}', 1767600301, "sha256="),
        (SECRET, b'{"a":1}', 1767599699, "sha256="),
        (SECRET, b'{"a":1}', 1767600000, "sha1="),
    ],
    ids=["wrong secret", "altered body", "too old", "from the future", "wrong scheme"],
)
def test_verify_rejects(secret: str, body: bytes, now: int, header_prefix: str) -> None:
    timestamp, header = signed(b'{"a":1}')
    header = header.replace("sha256=", header_prefix)

    assert not verify(secret, timestamp, body, header, now=now)


@pytest.mark.parametrize("timestamp, header", [("not-a-number", "sha256=00"), ("1767600000", "sha256=é")])
def test_verify_rejects_malformed_headers_without_raising(timestamp: str, header: str) -> None:
    assert not verify(SECRET, timestamp, b"{}", header, now=1767600000)


async def test_webhook_is_received_signed_with_the_reminder_id_as_idempotency_key() -> None:
    message = escalated_reminder()
    async with HttpReceiver() as receiver, WebhookChannel(WebhookSettings(receiver.url, SECRET)) as channel:
        key = await channel.send(message, TO)

    [request] = receiver.requests
    assert key == message.reminder_id
    assert request.method == "POST"
    assert request.headers["idempotency-key"] == message.reminder_id
    assert request.headers["content-type"] == "application/json"
    assert verify(SECRET, request.headers["x-pathway-timestamp"], request.body,
                  request.headers["x-pathway-signature"], now=time.time())
    payload = json.loads(request.body)
    assert payload["reminder_id"] == message.reminder_id
    assert payload["patient_ref"] == "PSN-7Q4K2"
    assert payload["rule"] == "R18" and payload["step"] == "overdue_1" and payload["escalated"] is True
    assert payload["due_on"] == "2027-01-05"
    assert payload["recipients"] == [
        {"role": "neurologist", "id": "NEURO-12", "address": TO[0]},
        {"role": "crc_coordinator", "id": "CRC-MRS", "address": TO[1]},
    ]


async def test_the_webhook_carries_the_human_readable_fields_of_the_rendered_letter() -> None:
    content = render_letter(Letter(to=Addressee("neurologist", "NEURO-12", "Dr A. Martin"), items=[reminder()],
                                   day=date(2027, 1, 5), centre_name="CRC SEP Marseille"))
    async with HttpReceiver() as receiver, WebhookChannel(WebhookSettings(receiver.url, SECRET)) as channel:
        await channel.send(reminder(), TO[:1], content)

    payload = json.loads(receiver.requests[0].body)
    assert payload["title"] == content.subject and payload["title"].startswith("[Rappel parcours] Échéance : IRM (R18)")
    assert payload["text"] == content.text and "Bonjour Dr A. Martin," in payload["text"]
    assert payload["locale"] == "fr"


async def test_a_resend_carries_the_same_idempotency_key() -> None:
    async with HttpReceiver() as receiver, WebhookChannel(WebhookSettings(receiver.url, SECRET)) as channel:
        await channel.send(reminder(), ["a@chu.example"])
        await channel.send(reminder(), ["a@chu.example"])

    assert {r.headers["idempotency-key"] for r in receiver.requests} == {reminder().reminder_id}


async def test_a_client_passed_in_is_used_and_left_open() -> None:
    async with HttpReceiver() as receiver, httpx.AsyncClient() as client:
        async with WebhookChannel(WebhookSettings(receiver.url, SECRET), client=client) as channel:
            await channel.send(reminder(), [])
        assert not client.is_closed

    assert len(receiver.requests) == 1


@pytest.mark.parametrize("status, retryable", [(500, True), (503, True), (429, True), (400, False), (401, False)])
async def test_http_errors_are_sorted_into_retryable_or_not(status: int, retryable: bool) -> None:
    async with HttpReceiver() as receiver, WebhookChannel(WebhookSettings(receiver.url, SECRET)) as channel:
        receiver.status = status
        with pytest.raises(DeliveryFailed) as failed:
            await channel.send(reminder(), TO)

    assert failed.value.channel == "webhook"
    assert failed.value.retryable is retryable
    assert str(status) in failed.value.reason
    assert SECRET not in str(failed.value)


async def test_a_timeout_is_retryable() -> None:
    async with HttpReceiver() as receiver:
        receiver.delay_s = 0.5
        async with WebhookChannel(WebhookSettings(receiver.url, SECRET, timeout_s=0.1)) as channel:
            with pytest.raises(DeliveryFailed) as failed:
                await channel.send(reminder(), TO)

    assert failed.value.retryable is True


async def test_connection_refused_is_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with WebhookChannel(WebhookSettings(f"http://127.0.0.1:{port}/reminders", SECRET)) as channel:
        with pytest.raises(DeliveryFailed) as failed:
            await channel.send(reminder(), TO)

    assert failed.value.retryable is True


async def test_a_url_without_http_scheme_is_not_retryable() -> None:
    async with WebhookChannel(WebhookSettings("ftp://127.0.0.1/reminders", SECRET)) as channel:
        with pytest.raises(DeliveryFailed) as failed:
            await channel.send(reminder(), TO)

    assert failed.value.retryable is False
