"""Sign-in to the staff pages: a staff token exchanged for a session cookie.

The sign-in step proves who the person is and yields an `Identity`; the session carries it in a
cookie signed with itsdangerous (`PATHWAY_STAFF_SESSION_SECRET`): HttpOnly, SameSite=Strict,
Secure unless the page is served on loopback, valid `PATHWAY_STAFF_SESSION_HOURS`. Each request
checks again that the identity still holds (a revoked token ends its sessions at once). Each
session has its own CSRF token, which every form posts back (`check_csrf`); the sign-in form
uses a double-submit cookie, since no session exists yet.

An OIDC provider (the hospital's identity provider) replaces the token step only: its callback
would build an `Identity` with `via="oidc"` from the ID token's claims, and `still_valid` would
trust it until the session expires (docs/staff-view.md).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from ipaddress import ip_address

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from api.runtime import runtime
from store.tokens import TokenStore, token_hash

COOKIE = "pathway_staff"
LOGIN_CSRF_COOKIE = "pathway_staff_login"


@dataclass(frozen=True)
class Identity:
    """Who is signed in: `name` is recorded as the sender of what they record."""

    name: str
    via: str
    """`token` (a staff API token), or `oidc` once a provider is configured."""
    subject: str
    """What `still_valid` checks: the token's SHA-256 for `token`."""
    csrf: str


class Sessions:
    """Signs and reads session cookies; one per API process (`app.state.staff_sessions`)."""

    def __init__(self, secret: str | None, hours: float) -> None:
        self._serializer = URLSafeTimedSerializer(secret or secrets.token_urlsafe(48), salt="pathway-staff-session")
        self.max_age_s = int(hours * 3600)

    def issue(self, identity: Identity) -> str:
        return self._serializer.dumps([identity.name, identity.via, identity.subject, identity.csrf])

    def read(self, value: str | None) -> Identity | None:
        if not value:
            return None
        try:
            name, via, subject, csrf = self._serializer.loads(value, max_age=self.max_age_s)
        except (BadSignature, ValueError, TypeError):
            return None
        return Identity(name=name, via=via, subject=subject, csrf=csrf)


def sessions(request: Request) -> Sessions:
    app = request.app
    if not hasattr(app.state, "staff_sessions"):
        config = runtime(request).config
        secret = config.staff_session_secret.get_secret_value() if config.staff_session_secret else None
        app.state.staff_sessions = Sessions(secret, config.staff_session_hours)
    return app.state.staff_sessions


async def sign_in_with_token(request: Request, token: str) -> Identity | None:
    """The token step: an active staff token gives an identity named after it; None otherwise
    (unknown, revoked, another role). Raises `TooManyFailures` as the API does."""
    client = request.client.host if request.client else "unknown"
    record = await runtime(request).token_gate.authenticate(token.strip(), client) if 0 < len(token) <= 256 else None
    if record is None or record.role != "staff":
        return None
    return Identity(name=record.name, via="token", subject=token_hash(token.strip()),
                    csrf=secrets.token_urlsafe(24))


async def signed_in(request: Request) -> Identity | None:
    """The session's identity if its cookie is valid and what it rests on still holds."""
    identity = sessions(request).read(request.cookies.get(COOKIE))
    if identity is None:
        return None
    return identity if await still_valid(request, identity) else None


async def still_valid(request: Request, identity: Identity) -> bool:
    if identity.via != "token":
        return False  # no other sign-in is configured in this version
    record = await TokenStore(runtime(request).pool).authenticate_hash(identity.subject)
    return record is not None and record.active and record.role == "staff" and record.name == identity.name


def secure_cookies(request: Request) -> bool:
    """Secure everywhere but on loopback (the dev stack serves plain http on 127.0.0.1)."""
    host = request.url.hostname or ""
    if host == "localhost":
        return False
    try:
        return not ip_address(host).is_loopback
    except ValueError:
        return True


def set_session(response: Response, request: Request, identity: Identity) -> None:
    response.set_cookie(COOKIE, sessions(request).issue(identity), max_age=sessions(request).max_age_s,
                        path="/staff", httponly=True, secure=secure_cookies(request), samesite="strict")


def clear_session(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/staff", httponly=True, secure=secure_cookies(request), samesite="strict")


def login_csrf(request: Request, response: Response) -> str:
    """The sign-in form's token, also set as a short-lived cookie (double submit)."""
    value = secrets.token_urlsafe(24)
    response.set_cookie(LOGIN_CSRF_COOKIE, value, max_age=1800, path="/staff", httponly=True,
                        secure=secure_cookies(request), samesite="strict")
    return value


def same(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected or "", given or "")
