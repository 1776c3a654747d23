"""The office's web app: one page at /dashboard and its own modules, served from this package.

Everything the page runs comes from this origin (no CDN, no build step): the HTML, plain
ES modules and one stylesheet, listed once at import so that no request names a file
outside the folder.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from carteira.core.errors import NotFoundError
from carteira.core.openapi import without_infrastructure

router = APIRouter(tags=["web"])

STATIC = Path(__file__).parent / "static"
_MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
ASSETS = {
    path.name: _MEDIA_TYPES[path.suffix] for path in STATIC.iterdir() if path.suffix in _MEDIA_TYPES
}
# Own scripts and styles only (no inline code), sockets to this host, downloads as navigation.
CSP = (
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
_HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-cache"}


@router.get("/dashboard", response_class=HTMLResponse)
@without_infrastructure
async def dashboard_get() -> FileResponse:
    """The web app: sign-in, the office overview, clients, a client's page and ledger."""
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=_HEADERS)


@router.get("/dashboard/{name}", include_in_schema=False)
async def dashboard_asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise NotFoundError()
    return FileResponse(STATIC / name, media_type=ASSETS[name], headers=_HEADERS)
