from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, WebSocket

from carteira.assets.schemas import parse_ticker
from carteira.auth import service as auth
from carteira.auth.dependencies import ACCESS_COOKIE
from carteira.auth.exceptions import InvalidTokenError
from carteira.auth.service import Principal
from carteira.core.errors import AppError
from carteira.realtime.exceptions import NOT_AUTHENTICATED, ORIGIN_REFUSED, TOO_MANY_SOCKETS
from carteira.realtime.schemas import MAX_TICKERS
from carteira.realtime.service import Hub, Stream

router = APIRouter(tags=["realtime"])


def _own_origin(socket: WebSocket) -> str:
    scheme = "https" if socket.url.scheme == "wss" else "http"
    return f"{scheme}://{socket.headers.get('host', '')}"


async def _principal(socket: WebSocket) -> Principal:
    """A single-use `?ticket=`, else `?token=` (non-browser clients), else the cookie."""
    state = socket.app.state
    if ticket := socket.query_params.get("ticket"):
        return await auth.redeem_ws_ticket(ticket=ticket, sessions=state.sessions)
    token = socket.query_params.get("token") or socket.cookies.get(ACCESS_COOKIE)
    if not token:
        raise InvalidTokenError()
    return await auth.authenticate_token(
        token=token, sessions=state.sessions, settings=state.settings
    )


async def _admit(socket: WebSocket) -> Principal | None:
    """Accept, then refuse with a 44xx code before any data when the socket may not stay.

    A browser attaches cookies to a cross-site WebSocket handshake, so a browser's Origin
    must be one we know; a client without Origin is not a browser and is let through.
    """
    state = socket.app.state
    origin = socket.headers.get("origin")
    await socket.accept()
    if origin is not None and origin.rstrip("/") not in {
        *state.settings.cors_origins,
        _own_origin(socket),
    }:
        await socket.close(ORIGIN_REFUSED)
        return None
    try:
        principal = await _principal(socket)
    except AppError:
        await socket.close(NOT_AUTHENTICATED)
        return None
    if not _hub(socket).has_room_for(principal.id):
        await socket.close(TOO_MANY_SOCKETS, reason="too many sockets open for this user")
        return None
    return principal


def _hub(socket: WebSocket) -> Hub:
    hub: Hub = socket.app.state.hub
    return hub


@router.websocket("/ws/prices")
async def prices_socket(socket: WebSocket, tickers: str = "") -> None:
    """`{"type":"price",...}` per ticker per tick, after a snapshot; send
    `{"action":"subscribe"|"unsubscribe","tickers":[...]}` to change the set (at most 50)."""
    if (principal := await _admit(socket)) is None:
        return
    wanted: list[str] = []
    problem = None
    try:
        wanted = list(dict.fromkeys(parse_ticker(t) for t in tickers.split(",") if t.strip()))
    except ValueError as exc:
        problem = str(exc)
    if len(wanted) > MAX_TICKERS:
        wanted, problem = [], f"at most {MAX_TICKERS} tickers per socket"
    if problem:
        await socket.send_text(json.dumps({"type": "error", "detail": problem}))
    await _hub(socket).serve(socket, Stream.PRICES, principal=principal, tickers=wanted)


@router.websocket("/ws/dashboard")
async def dashboard_socket(socket: WebSocket) -> None:
    """Every held ticker each tick, and the current month's inflows when they change."""
    if (principal := await _admit(socket)) is not None:
        await _hub(socket).serve(socket, Stream.DASHBOARD, principal=principal)


@router.websocket("/ws/inflows")
async def inflows_socket(
    socket: WebSocket,
    year: Annotated[int, Query(ge=1900, le=2200)],
    month: Annotated[int, Query(ge=1, le=12)],
) -> None:
    """One month's net inflows ("captado"): a snapshot, then every change."""
    if (principal := await _admit(socket)) is not None:
        await _hub(socket).serve(socket, Stream.INFLOWS, principal=principal, month=(year, month))
