"""Bearer tokens and roles. `integration` tokens post events; `staff` tokens read plans,
events, reminders and worklists. A token's name, never given to another token, is recorded
as the sender of the events it posts. Tokens are checked through `api.token_gate`: a valid
one is remembered 10 s (so a revocation takes effect within 10 s), a client that sent too
many bad ones is answered 429 with `Retry-After` without a lookup, and PostgreSQL down means
503, not a guess."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.problems import ApiProblem
from api.runtime import runtime
from api.token_gate import TooManyFailures
from store.tokens import Role, TokenRecord

REALM = "ms-pathway"
MAX_TOKEN_CHARS = 256

bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                    description="A token from `pathway token create --name NAME --role integration|staff`.")


def _unauthorized(detail: str, error: str | None = None) -> ApiProblem:
    challenge = f'Bearer realm="{REALM}"' + (f', error="{error}"' if error else "")
    return ApiProblem(401, "unauthorized", "Unauthorized", detail, headers={"WWW-Authenticate": challenge})


def require(role: Role):
    """A dependency that lets through only an active token of `role`, and returns its record."""

    async def check(request: Request,
                    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]) -> TokenRecord:
        if credentials is None:
            raise _unauthorized("send Authorization: Bearer <token>")
        token = credentials.credentials
        client = request.client.host if request.client else "unknown"
        try:
            record = None if len(token) > MAX_TOKEN_CHARS else await runtime(request).token_gate.authenticate(
                token, client)
        except TooManyFailures as error:
            raise ApiProblem(429, "too-many-bad-tokens", "Too Many Requests",
                             f"too many unknown or revoked tokens from this client; retry in {error.retry_after_s} s",
                             headers={"Retry-After": str(error.retry_after_s)}) from None
        if record is None:
            raise _unauthorized("the token is unknown or revoked", "invalid_token")
        structlog.contextvars.bind_contextvars(client=record.name)
        if record.role != role:
            raise ApiProblem(403, "forbidden", "Forbidden", f"this needs {_article(role)} {role} token; this "
                             f"token's role is {record.role}", headers={"WWW-Authenticate": f'Bearer realm="{REALM}", '
                                                                          'error="insufficient_scope"'})
        return record

    return check


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


Integration = Annotated[TokenRecord, Depends(require("integration"))]
Staff = Annotated[TokenRecord, Depends(require("staff"))]
