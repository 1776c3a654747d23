"""The ceiling: a bare Starlette endpoint that returns fixed JSON bytes (no auth, no DB).

Run as `uvicorn bench.ceiling:app`; the body is read from CEILING_BODY_FILE.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODY = Path(os.environ["CEILING_BODY_FILE"]).read_bytes()


async def endpoint(_: Request) -> Response:
    return Response(BODY, media_type="application/json")


app = Starlette(routes=[Route("/{path:path}", endpoint)])
