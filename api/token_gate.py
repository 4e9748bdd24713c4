"""What stands between a bearer token and PostgreSQL, so that bad tokens cost the database
nothing a valid request needs:

- a valid token's record is kept `TOKEN_CACHE_SECONDS` (10 s) after its lookup, keyed by the
  token's sha256 (cachetools' `TTLCache`): a request with a token seen valid within that
  time costs no query. A revocation (`pathway token revoke`, in any process) therefore takes
  effect within 10 s, never later;
- a client (its address as the server sees it) that sent `FAILURES_ALLOWED` (10) unknown or
  revoked tokens within `FAILURE_WINDOW_SECONDS` (60 s) is answered 429 with `Retry-After`
  (the seconds until the oldest of those failures leaves the window) without a lookup
  (the `limits` library's moving window, in memory);
- at most `CONCURRENT_LOOKUPS` (2) lookups of uncached tokens run at once, so tokens from
  many clients at once hold at most 2 of the pool's connections.

A token the cache holds is served even while its client is held back: bad tokens sent from
the same address (a shared proxy, say) do not lock out a valid one. Behind a reverse proxy
the client address is the proxy's unless the server is told to trust forwarded headers.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

from cachetools import TTLCache
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from store.tokens import TokenRecord, TokenStore, token_hash

TOKEN_CACHE_SECONDS = 10.0
TOKEN_CACHE_SIZE = 4096
FAILURES_ALLOWED = 10
FAILURE_WINDOW_SECONDS = 60
CONCURRENT_LOOKUPS = 2


class TooManyFailures(Exception):
    """This client sent too many bad tokens lately; retry after `retry_after_s` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many unknown or revoked tokens; retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


@dataclass
class TokenGate:
    tokens: TokenStore
    cache_seconds: float = TOKEN_CACHE_SECONDS
    failures_allowed: int = FAILURES_ALLOWED
    failure_window_s: int = FAILURE_WINDOW_SECONDS

    def __post_init__(self) -> None:
        self._valid: TTLCache[str, TokenRecord] = TTLCache(maxsize=TOKEN_CACHE_SIZE, ttl=self.cache_seconds)
        self._failures = MovingWindowRateLimiter(MemoryStorage())
        self._limit = RateLimitItemPerSecond(self.failures_allowed, self.failure_window_s)
        self._lookups = asyncio.Semaphore(CONCURRENT_LOOKUPS)
        self._in_flight: dict[str, set[str]] = {}
        self._pending: dict[str, asyncio.Future[TokenRecord | None]] = {}

    async def authenticate(self, token: str, client: str) -> TokenRecord | None:
        """The active token's record, or None (unknown or revoked). Raises `TooManyFailures`
        for a client held back; raises `store.db.DatabaseUnavailable` as the lookup does."""
        digest = token_hash(token)
        cached = self._valid.get(digest)
        if cached is not None:
            return cached
        # Distinct tokens being looked up for this client count as failures to come, so a
        # burst is held back as precisely as a sequence (checked and counted with no await
        # between); the same token sent many times at once is looked up once.
        in_flight = self._in_flight.setdefault(client, set())
        _, remaining = self._failures.get_window_stats(self._limit, client)
        if digest not in in_flight and remaining - len(in_flight) <= 0:
            if not in_flight:
                del self._in_flight[client]
            raise TooManyFailures(self._retry_after(client))
        in_flight.add(digest)
        try:
            record = await self._lookup(digest)
        finally:
            in_flight.discard(digest)
            if not in_flight:
                self._in_flight.pop(client, None)
        if record is None:
            self._failures.hit(self._limit, client)
            return None
        self._valid[digest] = record
        return record

    async def _lookup(self, digest: str) -> TokenRecord | None:
        """One query per token at a time, whoever asks; at most `CONCURRENT_LOOKUPS` at once."""
        pending = self._pending.get(digest)
        if pending is None:
            pending = asyncio.ensure_future(self._query(digest))
            self._pending[digest] = pending
            pending.add_done_callback(lambda _: self._pending.pop(digest, None))
        return await asyncio.shield(pending)

    async def _query(self, digest: str) -> TokenRecord | None:
        async with self._lookups:
            return await self.tokens.authenticate_hash(digest)

    def _retry_after(self, client: str) -> int:
        """Seconds until the oldest failure in the window leaves it (at least 1: lookups still
        in flight may be what holds the client back)."""
        reset_at, _ = self._failures.get_window_stats(self._limit, client)
        return min(self.failure_window_s, max(1, math.ceil(reset_at - time.time())))
