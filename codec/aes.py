"""AES-256-GCM payload codec that fails closed. Each encrypted payload names its key id, so
keys rotate: new payloads use the active key, old ones still decrypt while their key is
listed.

Decoding refuses every payload that is not sealed with a listed key: no encryption
metadata (a plain payload, whoever sent it), an unknown key id, or a payload that does not
authenticate (tampered, or sealed under another key with the same id). AES-GCM then gives
authenticity as well as secrecy: only a holder of a key can send a payload the worker
takes.

A refused payload is not an exception at decode time but a *refusal* in its place
(encoding `binary/refused`, data empty, its reason in the metadata), which the project's
payload converter turns into a non-retryable `ApplicationError` (type `PayloadRefused`)
when anything tries to read it. That places the refusal on the one message that carried
it, as the SDK handles a conversion error there (temporalio 1.35, checked on the real
server, `tests/integration/test_forged_payloads.py`):
- an update's argument: the update is rejected before acceptance, so nothing of it is
  written to history, and the caller gets the refusal;
- a signal's argument: the signal is dropped (or stays buffered: the pathway defines no
  signal) and the run goes on;
- a start's input: the run fails at once, closed, naming the refusal: not a workflow task
  retried for ever.
Raising in `decode` instead would fail the whole activation: a workflow task retried for
ever, or, as a non-retryable error, the end of a running pathway because a stranger sent
it an update. Strict callers (the codec server) use `open_all`, which raises.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
from collections.abc import Iterable, Sequence
from typing import Any

import structlog
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticPayloadConverter, pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    EncodingPayloadConverter,
    PayloadCodec,
)
from temporalio.exceptions import ApplicationError

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
REFUSED_ENCODING = "binary/refused"
REFUSAL_REASON = "refusal-reason"
REFUSED_TYPE = "PayloadRefused"
"""The `ApplicationError.type` of a refused payload, for callers that tell it apart."""
SHOWN_KEY_ID_CHARS = 32

_log = structlog.get_logger("codec")


class CodecKeyError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class CodecKeys:
    keys: dict[str, bytes]
    active: str

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise CodecKeyError(f"the active key id {self.active!r} is not among the keys ({', '.join(self.keys)})")
        for key_id, key in self.keys.items():
            if len(key) != 32:
                raise CodecKeyError(f"key {key_id!r} must be 32 bytes (AES-256), got {len(key)}")


def parse_keys(spec: str, active: str | None) -> CodecKeys:
    """`"k1:BASE64,k2:BASE64"`; the active key defaults to the last one listed."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id:
            raise CodecKeyError("each key is written key_id:base64 (comma-separated)")
        try:
            keys[key_id] = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise CodecKeyError(f"key {key_id!r} is not valid base64") from None
    if not keys:
        raise CodecKeyError("no key given")
    return CodecKeys(keys, active or list(keys)[-1])


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


class AesGcmCodec(PayloadCodec):
    def __init__(self, keys: CodecKeys) -> None:
        self._keys = keys
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Each payload opened, or a refusal in its place (see the module docstring)."""
        opened = []
        for payload in payloads:
            try:
                opened.append(self.open(payload))
            except CodecKeyError as error:
                _log.warning("payload refused", reason=str(error))
                opened.append(refusal(str(error)))
        return opened

    async def open_all(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Every payload opened; raises `CodecKeyError` at the first one refused."""
        return [self.open(p) for p in payloads]

    def _encrypt(self, payload: Payload) -> Payload:
        key_id = self._keys.active
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=nonce + sealed)

    def open(self, payload: Payload) -> Payload:
        """The payload sealed in `payload`; raises `CodecKeyError` (why) if it is not sealed
        with one of the keys."""
        if payload.metadata.get("encoding") != ENCODING:
            raise CodecKeyError("payload not encrypted: refused (only payloads sealed with a configured key are taken)")
        key_id = payload.metadata.get(KEY_ID, b"").decode("utf-8", "replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise CodecKeyError(f"payload encrypted with unknown key id {_shown(key_id)}: refused")
        try:
            plain = cipher.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], key_id.encode())
        except InvalidTag:
            raise CodecKeyError(f"payload does not authenticate with key {_shown(key_id)}: refused") from None
        return Payload.FromString(plain)


def _shown(key_id: str) -> str:
    """A key id as it may appear in a message: it comes from whoever sent the payload."""
    printable = "".join(c if c.isprintable() else "?" for c in key_id)
    return repr(printable if len(printable) <= SHOWN_KEY_ID_CHARS else printable[:SHOWN_KEY_ID_CHARS] + "…")


def refusal(reason: str) -> Payload:
    """What stands for a refused payload after decoding: no data, only why."""
    return Payload(metadata={"encoding": REFUSED_ENCODING.encode(), REFUSAL_REASON: reason.encode()})


class RefusedPayloadConverter(EncodingPayloadConverter):
    """Reads a refusal as a non-retryable `ApplicationError`; never writes one."""

    @property
    def encoding(self) -> str:
        return REFUSED_ENCODING

    def to_payload(self, value: Any) -> Payload | None:
        return None

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        reason = payload.metadata.get(REFUSAL_REASON, b"payload refused").decode("utf-8", "replace")
        raise ApplicationError(reason, type=REFUSED_TYPE, non_retryable=True)


class PathwayPayloadConverter(PydanticPayloadConverter):
    """Pydantic models as JSON, plus the reading of refusals (nullary: the SDK rebuilds it)."""

    def __init__(self) -> None:
        super().__init__()
        self._set_converters(*self.converters.values(), RefusedPayloadConverter())


def data_converter(keys: CodecKeys | None) -> DataConverter:
    """The project's converter: pydantic models; with keys, every payload encrypted, every
    payload read refused unless sealed with one of them, and failure messages and stack
    traces encrypted too (they may quote what failed). `None`: plain payloads, only under
    PATHWAY_INSECURE_PLAINTEXT_PAYLOADS (`pathway_runtime.temporal.codec_keys`)."""
    if keys is None:
        return pydantic_data_converter
    return dataclasses.replace(
        pydantic_data_converter, payload_converter_class=PathwayPayloadConverter, payload_codec=AesGcmCodec(keys),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def key_ids(keys: CodecKeys | None) -> Iterable[str]:
    return keys.keys.keys() if keys else ()
