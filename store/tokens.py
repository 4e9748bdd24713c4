"""Bearer tokens of the HTTP API: random, shown once, stored as their sha256.

A token is 256 random bits (`secrets.token_urlsafe(32)`) behind a `pw_` prefix that
makes it recognisable in a leaked file. With that much entropy a plain sha256 is as
good as a slow password hash: there is nothing to guess. Lookups go by the hash, so
the token itself never reaches the database or a log.

A token's name is recorded as the sender of the events it posts, so names are never
reused, not even once a token is revoked (migration 0005): a sender names one token for ever.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import asyncpg

from store import queries
from store.db import StoreError, connection, transaction

Role = Literal["integration", "staff"]
ROLES: tuple[Role, ...] = ("integration", "staff")
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
TOKEN_PREFIX = "pw_"


class TokenError(StoreError):
    """A token that cannot be created or revoked as asked; the message says why."""


@dataclass(frozen=True)
class TokenRecord:
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def of(cls, record: asyncpg.Record) -> TokenRecord:
        return cls(**dict(record))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check(name: str, role: str) -> None:
    if not re.fullmatch(NAME_PATTERN, name):
        raise TokenError(f"token name {name!r} must match {NAME_PATTERN}")
    if role not in ROLES:
        raise TokenError(f"role {role!r} is not one of: {', '.join(ROLES)}")


class TokenStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def create(self, name: str, role: Role) -> tuple[str, TokenRecord]:
        """A new token for `name`; returns the token (never stored) and its record."""
        _check(name, role)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        async with transaction(self._pool) as conn:
            row = await conn.fetchrow(queries.TOKENS_INSERT, name, role, token_hash(token))
        if row is None:
            raise TokenError(f"a token was already named {name!r}: names are never reused, so the sender recorded "
                             f"with each event names one token for ever; choose another name (e.g. {name}-2)")
        return token, TokenRecord.of(row)

    async def revoke(self, name: str) -> TokenRecord:
        async with transaction(self._pool) as conn:
            row = await conn.fetchrow(queries.TOKENS_REVOKE, name)
        if row is None:
            raise TokenError(f"no active token is named {name!r}")
        return TokenRecord.of(row)

    async def list(self) -> list[TokenRecord]:
        """Every token ever created (revoked ones too), by name then creation time."""
        async with connection(self._pool) as conn:
            return [TokenRecord.of(r) for r in await conn.fetch(queries.TOKENS_LIST)]

    async def authenticate(self, token: str) -> TokenRecord | None:
        """The active token's record, or None for an unknown or revoked token."""
        return await self.authenticate_hash(token_hash(token))

    async def authenticate_hash(self, digest: str) -> TokenRecord | None:
        """As `authenticate`, given the token's sha256 (hex)."""
        async with connection(self._pool) as conn:
            row = await conn.fetchrow(queries.TOKENS_BY_HASH, digest)
        record = TokenRecord.of(row) if row is not None else None
        return record if record is not None and record.active else None
