from __future__ import annotations

from carteira.core.errors import InvalidInputError


class InvalidPeriodError(InvalidInputError):
    code = "invalid_period"
    message = "Give a year and month, or start and end (at most five years apart), not both."
