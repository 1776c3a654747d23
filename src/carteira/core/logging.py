"""Structured logs: one JSON object per line with the request id (or the job id) and the trace
ids; no line carries a credential (`redact`)."""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from opentelemetry import trace

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# The arq job (or cron run) the worker is running in this task.
job_id_var: ContextVar[str | None] = ContextVar("job_id", default=None)

# Credentials a URL may carry (a WebSocket's `?token=` or `?ticket=`); never logged or traced.
SECRET_PARAMETERS = frozenset({"token", "access_token", "refresh_token", "ticket"})
# `name=value` as in a query string; the name is matched once decoded, as the server reads it
# (`tok%65n` is `token`). A value ends before a backslash too: in a JSON line, `\"` closes it.
_PARAMETER = re.compile(r"(?P<name>[A-Za-z0-9%+._~-]+)=(?P<value>[^&\s\"'#\\]+)")
# A JWT wherever it appears: three base64url segments, the first a JSON object (`{"` is `eyJ`).
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
REDACTED = "[redacted]"


def _decoded(text: str) -> str:
    """Percent-decoded (and `+` as a space) until nothing changes: `%2574` is `%74` is `t`."""
    for _ in range(4):
        decoded = unquote_plus(text)
        if decoded == text:
            break
        text = decoded
    return text


def _redact_parameter(match: re.Match[str]) -> str:
    name, value = match["name"], match["value"]
    if _decoded(name).strip().lower() in SECRET_PARAMETERS or _JWT.search(_decoded(value)):
        return f"{name}={REDACTED}"
    return match[0]


def redact(text: str) -> str:
    """`text` without credentials: the values of credential parameters (however their names
    are encoded or cased) and any JWT, bare or percent-encoded."""
    if "=" in text:
        text = _PARAMETER.sub(_redact_parameter, text)
    return _JWT.sub(REDACTED, text) if "eyJ" in text else text


# Not written as fields: the record's own machinery, and uvicorn's `color_message` (its message
# again, with terminal escape codes).
_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "color_message"}
)


def _correlation() -> dict[str, str]:
    ids: dict[str, str] = {}
    if request_id := request_id_var.get():
        ids["request_id"] = request_id
    if job_id := job_id_var.get():
        ids["job_id"] = job_id
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        ids["trace_id"] = format(span_context.trace_id, "032x")
        ids["span_id"] = format(span_context.span_id, "016x")
    return ids


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_correlation(),
        }
        entry.update(
            (key, value) for key, value in record.__dict__.items() if key not in _STANDARD_ATTRS
        )
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        # The whole line, fields and traceback included (uvicorn logs every WebSocket
        # handshake with its query string).
        return redact(json.dumps(entry, default=str))


class ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = _correlation()
        if request_id := ids.get("request_id"):
            line = f"{line} [req={request_id}]"
        if job_id := ids.get("job_id"):
            line = f"{line} [job={job_id}]"
        return redact(line)


def configure_logging(*, log_format: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            ConsoleFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Uvicorn's own access line lacks the request id; ours (core.middleware) replaces it.
    logging.getLogger("uvicorn.access").disabled = True
    # Tortoise logs every statement with its bound values at DEBUG: password hashes, client
    # documents and emails. Not even LOG_LEVEL=DEBUG sends those to the logs.
    logging.getLogger("tortoise.db_client").setLevel(max(root.level, logging.INFO))
    # Tortoise's own INFO lines only say that the ORM started or stopped: after every CLI
    # command ("Tortoise-ORM shutdown") they would be the operator's only output on stderr.
    logging.getLogger("tortoise").setLevel(max(root.level, logging.WARNING))
    # WeasyPrint narrates every step of every PDF at INFO ("Step 2 - Fetching and parsing
    # CSS"): a page of noise per statement. Its warnings (a font or image refused) stay.
    logging.getLogger("weasyprint").setLevel(max(root.level, logging.WARNING))
    for name in ("uvicorn", "uvicorn.error", "arq"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
