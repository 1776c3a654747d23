"""Bounds on what a request may make the server hold before any route runs.

Headers are bounded as a whole and one by one (a megabyte `Authorization` is refused, never
parsed or remembered); bodies are bounded by `MAX_BODY_BYTES`: a declared length over it is
refused before reading, a streamed body as soon as it crosses it (413 either way).
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_HEADER_BYTES = 16 * 1024  # one header, e.g. Authorization or Cookie
MAX_HEADERS_BYTES = 32 * 1024  # all of them
MAX_QUERY_BYTES = 8 * 1024


class BodyTooLargeError(HTTPException):
    """An HTTPException, so that FastAPI's body parsing lets it through as a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body exceeds {limit} bytes.")


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
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

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
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._refuse(send, 413, self._too_large(), "payload_too_large")
            return
        received = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLargeError(self.max_body_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, tracking_send)
        except BodyTooLargeError:
            if not started:
                await self._refuse(send, 413, self._too_large(), "payload_too_large")

    def _too_large(self) -> str:
        return f"The request body exceeds {self.max_body_bytes} bytes."

    @staticmethod
    async def _refuse(send: Send, status: int, detail: str, code: str) -> None:
        start, body = _error(status, detail, code)
        await send(start)
        await send(body)
