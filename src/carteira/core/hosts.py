"""Requests for a host name this server does not serve are refused before any route runs.

`Host` is whatever the client wrote, and the server believes it in two places: the redirect
that adds or removes a trailing slash (`Location: http://<Host>/...`) and the WebSocket
`Origin` check (a page's own origin is allowed). Behind the proxy `Host` is the public name;
straight to the server, an attacker's page whose name resolves to 127.0.0.1 (DNS rebinding)
would otherwise be a first party of a local instance. `ALLOWED_HOSTS` lists the names served.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

# The WebSocket close code for a refused handshake (uvicorn answers it with a 403).
POLICY_VIOLATION = 1008


def host_name(header: str) -> str:
    """`Host` without its port, lowercased: `[::1]:8000` -> `::1`, `Api.Example.com.:443`
    -> `api.example.com`."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.partition(":")[0].rstrip(".")


class AllowedHostsMiddleware:
    """`allowed`: exact names, `*.example.com` (any name under example.com) or `*` (any)."""

    def __init__(self, app: ASGIApp, *, allowed: Sequence[str]) -> None:
        self.app = app
        self.any = "*" in allowed
        self.names = frozenset(name for name in allowed if not name.startswith("*"))
        self.suffixes = tuple(name[1:] for name in allowed if name.startswith("*."))

    def allows(self, scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"host":
                host = host_name(value.decode("latin-1"))
                return host in self.names or host.endswith(self.suffixes)
        return False  # no Host at all: nothing to serve it under

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.any or scope["type"] not in ("http", "websocket") or self.allows(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": POLICY_VIOLATION})
            return
        refusal = JSONResponse(
            {"detail": "This server does not serve that host name.", "code": "host_not_allowed"},
            status_code=400,
        )
        await refusal(scope, receive, send)
