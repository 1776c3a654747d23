"""Bounds on what a request may make the server hold before any route runs.

Headers are bounded as a whole and one by one (a megabyte `Authorization` is refused, never
parsed or remembered); bodies are bounded by `MAX_BODY_BYTES`: a declared length over it is
refused before reading, a streamed body as soon as it crosses it (413 either way). A route
that takes files (an import) has its own allowance, and its own error beyond it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from carteira.core.errors import AppError

MAX_HEADER_BYTES = 16 * 1024  # one header, e.g. Authorization or Cookie
MAX_HEADERS_BYTES = 32 * 1024  # all of them
MAX_QUERY_BYTES = 8 * 1024


class BodyTooLargeError(HTTPException):
    """An HTTPException, so that FastAPI's body parsing lets it through (a 413, or the error
    of the route's `BodyAllowance`); `code` is the answer's machine code."""

    def __init__(self, limit: int, *, status: int = 413, code: str = "payload_too_large") -> None:
        super().__init__(status, f"The request body exceeds {limit} bytes.")
        self.code = code


@dataclass(frozen=True)
class BodyAllowance:
    """Routes whose body may exceed MAX_BODY_BYTES (a file upload): up to `max_bytes`, and
    beyond it refused with `error`'s status and code instead of 413."""

    path: re.Pattern[str]
    max_bytes: int
    error: type[AppError]

    def applies(self, scope: Scope) -> bool:
        return scope.get("method") == "POST" and bool(self.path.match(scope.get("path", "")))


def _error(status: int, detail: str, code: str) -> tuple[Message, Message]:
    body = json.dumps({"detail": detail, "code": code}).encode()
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


def _answer(error: type[AppError]) -> tuple[int, str]:
    return error.status_code, error.code


def _oversized_headers(scope: Scope) -> bool:
    total = len(scope.get("query_string", b""))
    if total > MAX_QUERY_BYTES:
        return True
    for name, value in scope["headers"]:
        size = len(name) + len(value)
        if size > MAX_HEADER_BYTES:
            return True
        total += size
    return total > MAX_HEADERS_BYTES


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class RequestLimitsMiddleware:
    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, allowances: Sequence[BodyAllowance] = ()
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.allowances = tuple(allowances)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and _oversized_headers(scope):
            await send({"type": "websocket.close", "code": 1009})  # refused before accepting
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _oversized_headers(scope):
            await self._refuse(send, 431, "Request headers are too large.", "headers_too_large")
            return
        limit, status, code = self.max_body_bytes, 413, "payload_too_large"
        for allowance in self.allowances:
            if allowance.applies(scope):
                limit, status, code = allowance.max_bytes, *_answer(allowance.error)
                break
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(send, status, self._too_large(limit), code)
            return
        received = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit, status=status, code=code)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, tracking_send)
        except BodyTooLargeError as exc:
            if not started:
                await self._refuse(send, exc.status_code, self._too_large(limit), exc.code)

    @staticmethod
    def _too_large(limit: int) -> str:
        return f"The request body exceeds {limit} bytes."

    @staticmethod
    async def _refuse(send: Send, status: int, detail: str, code: str) -> None:
        start, body = _error(status, detail, code)
        await send(start)
        await send(body)
