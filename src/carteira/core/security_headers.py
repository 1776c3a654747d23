"""Security headers on every HTTP response (a route may set its own CSP or Cache-Control)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Swagger UI and ReDoc run inline scripts, with bundles served from this origin: nothing
# else may load, so the docs work offline and a page never reaches another host.
_DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
_DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    b"frame-ancestors 'none'"
)
_API_CSP = b"default-src 'none'; frame-ancestors 'none'"
_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
_HSTS = (b"strict-transport-security", b"max-age=31536000")


def error_headers(*, hsts: bool) -> dict[str, str]:
    """For the one response this middleware never sees: Starlette's 500, answered by the
    outermost error middleware."""
    headers = {
        name.decode(): value.decode() for name, value in (*_ALWAYS, *((_HSTS,) if hsts else ()))
    }
    return {**headers, "cache-control": "no-store", "content-security-policy": _API_CSP.decode()}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.always = _ALWAYS + ((_HSTS,) if hsts else ())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_docs = scope["path"] in _DOCS_PATHS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Raw header tuples: this runs on every response, MutableHeaders is slower.
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.always if h[0] not in present)
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", _DOCS_CSP if is_docs else _API_CSP))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
