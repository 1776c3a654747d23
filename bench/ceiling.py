"""The ceiling: a bare Starlette endpoint that returns fixed JSON bytes (no auth, no DB).

Run as `uvicorn bench.ceiling:app`, or with several processes exactly as `carteira serve`
serves the API (`python -m bench.ceiling --port P --workers N`: carteira's own serving, so that
the ceiling's 1 to N ratio is measured on the same path as the API's); the body is read from
CEILING_BODY_FILE.
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    from carteira.core import serving

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    serving.run(
        app="bench.ceiling:app",
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
        loop="asyncio",  # as `carteira serve`
    )


if __name__ == "__main__":
    main()
