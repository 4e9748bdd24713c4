"""Staff sessions (`api.staff_session`): a signed cookie that cannot be forged or outlive its
hours, and the Secure flag everywhere but on loopback."""

from __future__ import annotations

import time

import pytest
from starlette.requests import Request

from api.staff_session import Identity, Sessions, same, secure_cookies

WHO = Identity(name="coord-c13", via="token", subject="ab" * 32, csrf="csrf-token")


def test_a_session_reads_back_the_identity_it_was_issued_for():
    sessions = Sessions("s" * 40, hours=8)
    assert sessions.read(sessions.issue(WHO)) == WHO


def test_a_tampered_or_foreign_cookie_is_no_session():
    sessions = Sessions("s" * 40, hours=8)
    cookie = sessions.issue(WHO)
    assert sessions.read(cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")) is None
    assert Sessions("t" * 40, hours=8).read(cookie) is None
    assert sessions.read("") is None and sessions.read(None) is None


def test_a_session_ends_after_its_hours(monkeypatch: pytest.MonkeyPatch):
    sessions = Sessions("s" * 40, hours=8)
    cookie = sessions.issue(WHO)
    later = time.time() + 8 * 3600 + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert sessions.read(cookie) is None


@pytest.mark.parametrize(("host", "secure"), [("127.0.0.1", False), ("localhost", False), ("::1", False),
                                              ("staff.hopital.example", True), ("10.0.0.5", True)])
def test_cookies_are_secure_except_on_loopback(host: str, secure: bool):
    shown = f"[{host}]" if ":" in host else host
    request = Request({"type": "http", "scheme": "http", "method": "GET", "path": "/staff/liste", "query_string": b"",
                       "headers": [(b"host", f"{shown}:8000".encode())], "server": (host, 8000)})
    assert secure_cookies(request) is secure


def test_form_tokens_compare_in_constant_time_and_never_match_empty():
    assert same("abc", "abc") and not same("abc", "abd")
    assert not same("", "") and not same(None, None) and not same("abc", None)
