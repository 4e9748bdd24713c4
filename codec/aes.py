"""AES-256-GCM payload codec. Each encrypted payload names its key id, so keys rotate:
new payloads use the active key, old ones still decrypt while their key is listed.
Payloads written before encryption was turned on pass through unchanged."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
from collections.abc import Iterable, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12


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
        return [self._decrypt(p) for p in payloads]

    def _encrypt(self, payload: Payload) -> Payload:
        key_id = self._keys.active
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=nonce + sealed)

    def _decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise CodecKeyError(f"payload encrypted with unknown key id {key_id!r}")
        try:
            plain = cipher.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], key_id.encode())
        except InvalidTag:
            raise CodecKeyError(f"payload does not decrypt with key {key_id!r}") from None
        return Payload.FromString(plain)


def data_converter(keys: CodecKeys | None) -> DataConverter:
    """The project's converter: pydantic models, encrypted when keys are configured."""
    if keys is None:
        return pydantic_data_converter
    return dataclasses.replace(pydantic_data_converter, payload_codec=AesGcmCodec(keys))


def key_ids(keys: CodecKeys | None) -> Iterable[str]:
    return keys.keys.keys() if keys else ()
