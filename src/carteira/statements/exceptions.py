from __future__ import annotations

from carteira.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    ServiceUnavailableError,
)


class StatementMonthInFutureError(InvalidInputError):
    code = "statement_month_in_future"
    message = "That month has not begun yet: there is no statement for it."


class StatementBeforeFirstEntryError(InvalidInputError):
    code = "statement_before_first_entry"
    message = "That month ends before the client's first entry: there is no statement for it."


class StatementResultNotFoundError(NotFoundError):
    code = "statement_result_not_found"
    message = "No batch of statements with that id (or it has expired)."


class StatementResultNotReadyError(ConflictError):
    code = "statement_result_not_ready"
    message = "The batch of statements is still being rendered; follow GET /jobs/{id}."


class StatementPrintInterruptedError(ServiceUnavailableError):
    """A render process lost its database or Redis mid-statement: the chunk is retried."""

    code = "statement_print_interrupted"
    message = "A statement could not be printed for now; the batch retries it."
