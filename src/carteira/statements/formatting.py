"""pt-BR text of figures as the statement prints them: R$ 1.234,56, 1,23%, 31/12/2026 — the
shared pt-BR formatters (core.pt_br), and the statement's percentages."""

from __future__ import annotations

from carteira.core.pt_br import DASH, day, money, month_name, number

__all__ = ["day", "money", "month_name", "number", "pct"]


def pct(value: float | None) -> str:
    if value is None:
        return DASH
    return number(value, 2) + "%"
