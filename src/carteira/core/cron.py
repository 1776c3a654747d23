"""Five-field crontab expressions (`30 18 * * 1-5`) turned into arq's cron arguments."""

from __future__ import annotations

from typing import Any

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12), ("weekday", 0, 7))


def _values(part: str, low: int, high: int) -> set[int] | None:
    if part == "*":
        return None
    values: set[int] = set()
    for item in part.split(","):
        span, _, step_text = item.partition("/")
        step = int(step_text) if step_text else 1
        if span == "*":
            start, stop = low, high
        elif "-" in span:
            start, stop = (int(n) for n in span.split("-", 1))
        else:
            start = stop = int(span)
        if not (low <= start <= stop <= high) or step < 1:
            raise ValueError(f"{item!r} is outside {low}-{high}")
        values.update(range(start, stop + 1, step))
    return values


def parse_cron(expression: str) -> dict[str, Any]:
    """`minute hour day month weekday` (crontab's weekday: 0 or 7 is Sunday) -> arq kwargs."""
    parts = expression.split()
    if len(parts) != len(_FIELDS):
        raise ValueError(f"a cron expression has 5 fields, got {expression!r}")
    try:
        parsed = {
            name: _values(part, low, high)
            for part, (name, low, high) in zip(parts, _FIELDS, strict=True)
        }
    except ValueError as exc:
        raise ValueError(f"invalid cron expression {expression!r}: {exc}") from exc
    if parsed["weekday"] is not None:
        # arq counts weekdays like Python: Monday is 0, Sunday is 6.
        parsed["weekday"] = {(day - 1) % 7 for day in parsed["weekday"]}
    return {name: values for name, values in parsed.items() if values is not None}
