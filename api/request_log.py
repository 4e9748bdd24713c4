"""One log line per request (method, route path, status, duration, the client's token name
and the patient when known), with a request id echoed in `X-Request-ID`. Never the
Authorization header, the query string or the body.

An unexpected exception ends here: answered with a bare 500 problem and logged by type and
place only. Left to the server, it would be logged with its message, and messages (a
validation error's, a driver's) can quote the data being handled."""

from __future__ import annotations

import re
import time
import traceback
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import Problem, problem_response

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = structlog.get_logger("api")


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status, status_sent = 500, False
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, status_sent
            if message["type"] == "http.response.start":
                status, status_sent = message["status"], True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            await log.aerror("unexpected error", error=type(error).__name__, where=_where(error))
            if status_sent:  # too late for another answer; the server closes the connection
                return
            status = 500
            await problem_response(Problem(type="about:blank", title="Internal Server Error", status=500))(
                scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            await log.ainfo("request", method=scope["method"], path=getattr(route, "path", scope["path"]),
                            status=status, duration_ms=round((time.perf_counter() - started) * 1000, 1))
            structlog.contextvars.clear_contextvars()


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if REQUEST_ID.match(text):
                return text
    return uuid.uuid4().hex[:16]
