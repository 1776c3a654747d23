from __future__ import annotations

from carteira.core.errors import InvalidInputError


class TaxPeriodInFutureError(InvalidInputError):
    code = "tax_period_in_future"
    message = "That period has not begun yet: there is no apuração for it."
