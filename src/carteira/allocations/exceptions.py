from __future__ import annotations

from carteira.core.errors import ConflictError, InvalidInputError, NotFoundError


class TransactionNotFoundError(NotFoundError):
    code = "transaction_not_found"
    message = "Transaction not found for this client."


class AllocationNotFoundError(NotFoundError):
    code = "allocation_not_found"
    message = "Allocation not found for this client."


class NotABuyError(AllocationNotFoundError):
    """/allocations/{id} names purchases only: any other entry is as absent as a missing one."""


class InsufficientQuantityError(InvalidInputError):
    code = "insufficient_quantity"
    message = "This would leave a quantity below zero on some date: nothing was written."


class AmountOutOfRangeError(InvalidInputError):
    code = "amount_out_of_range"
    message = "This would take a figure of the ledger beyond what it keeps: nothing was written."


class NoPriceOnDateError(InvalidInputError):
    """A trade by amount without a price, on a date the asset has no close for."""

    code = "no_price_on_date"
    message = "The asset has no close on this date: give the unit price."


class QuantityTooSmallError(InvalidInputError):
    code = "quantity_too_small"
    message = "This amount buys less than the smallest quantity kept (0.00000001)."


class InvalidPatchError(InvalidInputError):
    code = "invalid_patch"
    message = "These fields do not apply to this kind of transaction."


class CurrencyNotHeldError(InvalidInputError):
    code = "currency_not_held"
    message = "The client holds nothing in this currency."


class NothingToReviewError(ConflictError):
    code = "nothing_to_review"
    message = "This entry has no provider figure waiting for review."


class TooManyToRankError(InvalidInputError):
    code = "too_many_to_rank"
    message = "Too many clients to sort by the month's return; narrow the list."


class AsOfInFutureError(InvalidInputError):
    code = "as_of_in_future"
    message = "The date is after today: positions are known up to today."
