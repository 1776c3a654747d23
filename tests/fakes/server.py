"""What every local fake of an upstream HTTP API shares: a real aiohttp server on a free port,
fault injection and a record of the requests received.

A subclass adds its routes (`_add_routes`) and says what its upstream answers on an error
(`_error_response`) and what a body of the wrong shape looks like there (`_malformed_body`).
Faults: `fail_next` (a status, optionally with `Retry-After`), `garbage_next` (200 with a
non-JSON body), `malformed_next` (200 with JSON of the wrong shape), `delay` (seconds before
answering, for timeouts) and `down` (503 to everything); for files, `truncate_next` (the
whole length announced, the connection dropped halfway) and `cut_next` (a complete answer of
only the first part of the file, as a file cut short at its source). `calls` records every
request's path and query; `reset()` wipes faults and records between tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal, Self

from aiohttp import web

FaultKind = Literal["status", "garbage", "malformed", "truncated", "cut"]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class _Fault:
    kind: FaultKind
    remaining: int
    status: int = 200
    retry_after: int | float | str | None = None
    path: str | None = None
    share: float = 0.5  # of the body sent by `truncated` and `cut`

    def matches(self, path: str) -> bool:
        return self.remaining > 0 and (self.path is None or path.startswith(self.path))


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def retry_after_header(retry_after: int | float | str | None) -> dict[str, str] | None:
    return {"Retry-After": str(retry_after)} if retry_after is not None else None


class FakeServer:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.delay: float = 0.0
        self.down: bool = False
        self._faults: list[_Fault] = []
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self.base_url: str = ""

    # -- what a subclass provides --------------------------------------------------------------

    def _add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def _error_response(
        self, path: str, status: int, retry_after: int | float | str | None = None
    ) -> web.Response:
        return web.Response(
            status=status, text=reason(status), headers=retry_after_header(retry_after)
        )

    def _malformed_body(self, path: str) -> Any:
        return {"unexpected": True}

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> str:
        """Bind 127.0.0.1 on a free port; return the base URL (`http://127.0.0.1:<port>`)."""
        if self._runner is not None:
            return self.base_url
        app = web.Application(middlewares=[self._middleware])
        self._add_routes(app)
        # handler_cancellation: a client that times out on `delay` does not leave a handler
        # sleeping; shutdown_timeout: `stop()` never waits long for in-flight requests.
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        await web.SockSite(runner, sock).start()
        self._stopping = asyncio.Event()
        self._runner = runner
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._stopping.set()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def reset(self) -> None:
        """Forget faults and recorded calls (between tests)."""
        self.calls.clear()
        self._faults.clear()
        self.delay = 0.0
        self.down = False

    # -- faults ------------------------------------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        status: int = 429,
        retry_after: int | float | str | None = None,
        path: str | None = None,
    ) -> None:
        """The next `n` requests (whose path starts with `path`, if given) answer `status`,
        with `Retry-After` when given."""
        self._faults.append(_Fault("status", n, status, retry_after, path))

    def garbage_next(self, n: int = 1, path: str | None = None) -> None:
        """The next `n` matching requests answer 200 with a non-JSON body."""
        self._faults.append(_Fault("garbage", n, path=path))

    def malformed_next(self, n: int = 1, path: str | None = None) -> None:
        """The next `n` matching requests answer 200 with valid JSON of the wrong shape."""
        self._faults.append(_Fault("malformed", n, path=path))

    def truncate_next(self, n: int = 1, path: str | None = None, *, share: float = 0.5) -> None:
        """The next `n` matching requests announce the whole body's length, send `share` of it
        and drop the connection (a transfer cut short)."""
        self._faults.append(_Fault("truncated", n, path=path, share=share))

    def cut_next(self, n: int = 1, path: str | None = None, *, share: float = 0.5) -> None:
        """The next `n` matching requests answer a complete 200 of only the first `share` of
        the body (the file itself cut short)."""
        self._faults.append(_Fault("cut", n, path=path, share=share))

    # -- counters ----------------------------------------------------------------------------

    def count(self, path_prefix: str | None = None) -> int:
        """Requests received whose path starts with `path_prefix` (all when None)."""
        return sum(
            1 for path, _query in self.calls if path_prefix is None or path.startswith(path_prefix)
        )

    # -- HTTP --------------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.calls.append((request.path, dict(request.query)))
        if self.delay > 0:
            # Interruptible sleep: `stop()` cuts it short.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.delay)
        if self.down:
            return self._error_response(request.path, 503)
        fault = next((f for f in self._faults if f.matches(request.path)), None)
        if fault is not None:
            fault.remaining -= 1
            if fault.kind == "garbage":
                return web.Response(text="<html>oops</html>", content_type="text/html")
            if fault.kind == "malformed":
                return web.json_response(self._malformed_body(request.path))
            if fault.kind in ("truncated", "cut"):
                return await _partial(request, await handler(request), fault)
            return self._error_response(request.path, fault.status, fault.retry_after)
        return await handler(request)


async def _partial(
    request: web.Request, response: web.StreamResponse, fault: _Fault
) -> web.StreamResponse:
    if not isinstance(response, web.Response) or not isinstance(response.body, bytes):
        return response  # an error answer, or a body the fake does not hold as bytes
    body = response.body
    part = body[: int(len(body) * fault.share)]
    if fault.kind == "cut":
        return web.Response(body=part, status=response.status, headers=response.headers)
    streamed = web.StreamResponse(status=response.status, headers=response.headers)
    streamed.content_length = len(body)
    await streamed.prepare(request)
    await streamed.write(part)
    assert request.transport is not None
    request.transport.close()  # the client sees fewer bytes than announced
    return streamed
