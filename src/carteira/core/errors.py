"""One error hierarchy for the whole API and one place that turns it into HTTP.

Every module raises a subclass of `AppError`; the handlers below answer
`{"detail": <message>, "code": <machine code>}` with the error's own status, plus the values
the message names when it names any (`fields`: an insufficient quantity's ticker, date and
quantity), so that a client can say the same in its own language. Failures of the
infrastructure (PostgreSQL, Redis) become 503s, never 500s.
"""

from __future__ import annotations

import decimal
import json
import logging
from collections.abc import Mapping
from typing import Any, ClassVar

import asyncpg
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError

from carteira.core.jsonable import to_jsonable
from carteira.core.security_headers import error_headers

logger = logging.getLogger(__name__)


class AppError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    message: ClassVar[str] = "Bad request."

    def __init__(
        self,
        message: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        fields: Mapping[str, str] | None = None,
    ):
        self.detail = message or self.message
        self.headers = dict(headers or {})
        # Beside `detail` and `code` in the body: what the message says, as values.
        self.fields = {k: v for k, v in (fields or {}).items() if k not in ("detail", "code")}
        super().__init__(self.detail)


class BadRequestError(AppError):
    pass


class NotAuthenticatedError(AppError):
    status_code = 401
    code = "not_authenticated"
    message = "Not authenticated."

    def __init__(self, message: str | None = None):
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class PermissionDeniedError(AppError):
    status_code = 403
    code = "permission_denied"
    message = "You do not have permission to do this."


class NotFoundError(AppError):
    status_code = 404
    code = "not_found"
    message = "Not found."


class ConflictError(AppError):
    status_code = 409
    code = "conflict"
    message = "Conflict with the current state of the resource."


class InvalidInputError(AppError):
    status_code = 422
    code = "invalid_input"
    message = "Invalid input."


class InputValidationError(InvalidInputError):
    """Malformed input (FastAPI's list of field issues); named here so that a route whose body
    it reads itself can declare it."""

    code = "validation_error"


class InvalidValueError(InvalidInputError):
    """A value PostgreSQL refused (a NUL character in text, a number out of its range), or a
    number beyond what decimal arithmetic here computes with."""

    code = "invalid_value"


class InvalidTextError(InvalidInputError):
    """Text that cannot be stored (a lone surrogate)."""

    code = "invalid_text"


class PayloadTooLargeError(AppError):
    status_code = 413
    code = "payload_too_large"
    message = "The request body is too large."


class HeadersTooLargeError(AppError):
    status_code = 431
    code = "headers_too_large"
    message = "The request headers are too large."


class TooManyRequestsError(AppError):
    status_code = 429
    code = "too_many_requests"
    message = "Too many requests."

    def __init__(self, message: str | None = None, *, retry_after: int):
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after))})


class UpstreamError(AppError):
    status_code = 502
    code = "upstream_error"
    message = "An upstream service answered badly."


class ServiceUnavailableError(AppError):
    status_code = 503
    code = "service_unavailable"
    message = "Service temporarily unavailable."


class DatabaseUnavailableError(ServiceUnavailableError):
    code = "database_unavailable"
    message = "The database is unavailable; try again shortly."


class DatabaseBusyError(ServiceUnavailableError):
    code = "database_busy"
    message = "The database is busy; try again shortly."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"Retry-After": "2"})


class RedisUnavailableError(ServiceUnavailableError):
    code = "redis_unavailable"
    message = "The cache is unavailable; try again shortly."


# Raised by asyncpg/Tortoise/OS when PostgreSQL is down or a pooled connection was killed.
DATABASE_DOWN_ERRORS: tuple[type[Exception], ...] = (
    DBConnectionError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InterfaceError,
    # What asyncpg raises on a pooled connection whose backend was terminated while idle.
    asyncpg.exceptions.InternalClientError,
    ConnectionError,
)
REDIS_DOWN_ERRORS: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError)


class ErrorOut(BaseModel):
    """Every error: a human message and a stable machine code (and, for some codes, the
    values the message names, as more string properties)."""

    model_config = ConfigDict(extra="allow")

    detail: str
    code: str


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(BaseModel):
    """422 for malformed input keeps FastAPI's list of issues, plus the machine code."""

    detail: list[ValidationIssue]
    code: str


# Documented on every operation, so that clients (and schemathesis) know every error shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (400, "Bad request"),
        (401, "Not authenticated"),
        (403, "Permission denied"),
        (404, "Not found"),
        (409, "Conflict"),
        (429, "Too many requests"),
        (502, "An upstream service answered badly"),
        (503, "A dependency is unavailable"),
    )
}
ERROR_RESPONSES[422] = {
    "model": ValidationErrorOut | ErrorOut,
    "description": "Invalid input: the field errors, or a rule the input breaks",
}

_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    431: "headers_too_large",
    415: "unsupported_media_type",
}


class ErrorResponse(JSONResponse):
    """ASCII JSON: an error may quote input, and input may hold anything (a lone surrogate
    cannot be encoded as UTF-8, but it can be escaped)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode()


def error_response(
    status_code: int,
    detail: Any,
    code: str,
    headers: Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
) -> JSONResponse:
    return ErrorResponse(
        {"detail": detail, "code": code, **(fields or {})},
        status_code=status_code,
        headers=dict(headers or {}),
    )


# A 422 shows what was wrong, never the secret itself nor a megabyte of it.
SECRET_FIELDS = frozenset({"password", "refresh_token", "access_token", "token", "ticket"})
MAX_ECHO_CHARS = 100
MAX_ECHO_ITEMS = 10


def _echo(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str | bytes):
        text = value if isinstance(value, str) else value.decode("utf-8", "replace")
        return text[:MAX_ECHO_CHARS] + ("…" if len(text) > MAX_ECHO_CHARS else "")
    if depth >= 2:
        return "…"
    if isinstance(value, Mapping):
        return {
            str(key)[:MAX_ECHO_CHARS]: "***" if key in SECRET_FIELDS else _echo(item, depth + 1)
            for key, item in list(value.items())[:MAX_ECHO_ITEMS]
        }
    if isinstance(value, list | tuple):
        return [_echo(item, depth + 1) for item in value[:MAX_ECHO_ITEMS]]
    return value


def _safe_issue(issue: dict[str, Any]) -> dict[str, Any]:
    loc = issue.get("loc", ())
    issue = {**issue, "loc": [_echo(part) if isinstance(part, str) else part for part in loc]}
    if "input" in issue:
        if loc and loc[-1] in SECRET_FIELDS:
            del issue["input"]
        else:
            issue["input"] = _echo(issue["input"])
    issue.pop("url", None)
    return issue


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return _app_error_response(exc)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    # An exception of our middleware may carry its own code (`limits.BodyTooLargeError`).
    code = getattr(exc, "code", None) or _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    return error_response(exc.status_code, exc.detail, code, exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    # FastAPI's shape (a list of errors under "detail") plus the machine code every error has.
    assert isinstance(exc, RequestValidationError)
    issues = [_safe_issue(dict(issue)) for issue in exc.errors()]
    return error_response(422, jsonable_encoder(to_jsonable(issues)), "validation_error")


async def _database_down(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("database unavailable on %s: %r", request.url.path, exc)
    return _app_error_response(DatabaseUnavailableError())


async def _redis_down(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("redis unavailable on %s: %r", request.url.path, exc)
    return _app_error_response(RedisUnavailableError())


async def _timed_out(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("timed out on %s: %r", request.url.path, exc)
    return _app_error_response(
        ServiceUnavailableError("A dependency timed out; try again shortly.")
    )


async def _data_refused(request: Request, exc: Exception) -> JSONResponse:
    """PostgreSQL refused a value (a NUL character in text, a number out of range): the input
    was wrong, so a 422 rather than a 500."""
    cause = exc.__cause__ if isinstance(exc, OperationalError) else exc
    if not isinstance(cause, asyncpg.exceptions.DataError):
        return await _unexpected(request, exc)
    logger.info("database refused a value on %s: %s", request.url.path, cause)
    message = (
        "Text cannot contain NUL characters."
        if isinstance(cause, asyncpg.exceptions.CharacterNotInRepertoireError)
        else "A value is out of the range the database accepts."
    )
    return error_response(422, message, InvalidValueError.code)


async def _number_out_of_range(request: Request, exc: Exception) -> JSONResponse:
    """Decimal arithmetic refused an operation (a figure too large to round to its places):
    numbers come from input, so a 422, never a 500."""
    logger.info("decimal operation refused on %s: %r", request.url.path, exc)
    return _app_error_response(
        InvalidValueError("A number is out of the range this service computes with.")
    )


async def _unencodable_text(request: Request, exc: Exception) -> JSONResponse:
    logger.info("text that cannot be stored on %s: %r", request.url.path, exc)
    return error_response(
        422, "Text must be valid Unicode (no lone surrogates).", InvalidTextError.code
    )


async def _integrity(request: Request, exc: Exception) -> JSONResponse:
    """A constraint that a service did not turn into its own error: most often something the
    request refers to vanished meanwhile (a client deleted while a write to it ran)."""
    logger.info("integrity conflict on %s: %s", request.url.path, exc)
    return error_response(
        409, "The change conflicts with the current state; reload and retry.", ConflictError.code
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    settings = getattr(request.app.state, "settings", None)
    headers = error_headers(hsts=bool(settings and settings.cookie_secure))
    return error_response(500, "Internal server error.", "internal_error", headers)


def _app_error_response(exc: AppError) -> JSONResponse:
    return error_response(exc.status_code, exc.detail, exc.code, exc.headers, exc.fields)


class AnswerUnexpectedErrors:
    """The 500 for an exception no handler took, answered here and not raised further.

    Starlette's outermost error middleware answers it too, but then re-raises it, and uvicorn
    closes the connection of a request that raised: a keep-alive client lost its connection
    with the answer. Added first, this is the innermost of the app's middleware, so the 500
    still carries the request id and the security headers. A response already under way
    cannot be completed: that exception goes on, and the server ends the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception as exc:
            if started:
                raise
            response = await _unexpected(Request(scope, receive), exc)
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """The handlers, and the middleware that answers what none of them took; call it before
    adding any other middleware (it must be the innermost)."""
    app.add_middleware(AnswerUnexpectedErrors)
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for error in REDIS_DOWN_ERRORS:
        app.add_exception_handler(error, _redis_down)
    for error in DATABASE_DOWN_ERRORS:
        app.add_exception_handler(error, _database_down)
    app.add_exception_handler(TimeoutError, _timed_out)
    app.add_exception_handler(UnicodeEncodeError, _unencodable_text)
    app.add_exception_handler(decimal.InvalidOperation, _number_out_of_range)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(asyncpg.exceptions.DataError, _data_refused)
    app.add_exception_handler(OperationalError, _data_refused)
    app.add_exception_handler(Exception, _unexpected)
