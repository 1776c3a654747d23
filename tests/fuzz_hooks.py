"""Schemathesis hooks (loaded through SCHEMATHESIS_HOOKS by tests/core/test_fuzz.py): cases
that JSON schemas never generate but attackers send — a lone UTF-16 surrogate in a string
(valid JSON, invalid Unicode) and bodies that are not UTF-8 at all."""

from __future__ import annotations

import itertools
import json
from typing import Any

import schemathesis

SURROGATES = ("\ud800", "\udfff", "a\udbffz")
_calls = itertools.count()


def _with_surrogate(body: Any, surrogate: str) -> Any:
    """The body with its first string value (depth first) replaced by `surrogate`."""
    if isinstance(body, str):
        return surrogate
    if isinstance(body, dict):
        for key, value in body.items():
            replaced = _with_surrogate(value, surrogate)
            if replaced is not value:
                return {**body, key: replaced}
    if isinstance(body, list):
        for index, value in enumerate(body):
            replaced = _with_surrogate(value, surrogate)
            if replaced is not value:
                return [*body[:index], replaced, *body[index + 1 :]]
    return body


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Of every 8 JSON bodies, 3 go out with a lone surrogate in their first string (escaped,
    as JSON allows) and 1 with a byte that is not UTF-8."""
    if "json" not in kwargs:
        return
    turn = next(_calls) % 8
    if turn in (1, 3, 5):
        body = _with_surrogate(kwargs.pop("json"), SURROGATES[turn // 2])
        kwargs["data"] = json.dumps(body).encode()  # ensure_ascii: "\ud800" travels escaped
    elif turn == 7:
        text = json.dumps(kwargs.pop("json")).encode()
        kwargs["data"] = text.replace(b'"', b'"\xff', 1) if b'"' in text else b"\xff" + text
    else:
        return
    kwargs.setdefault("headers", {})["Content-Type"] = "application/json"
