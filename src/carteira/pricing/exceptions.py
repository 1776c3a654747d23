from __future__ import annotations

from carteira.core.errors import (
    AppError,
    InvalidInputError,
    ServiceUnavailableError,
    TooManyRequestsError,
    UpstreamError,
)


class UnknownTickerError(InvalidInputError):
    code = "unknown_ticker"
    message = "The market-data provider does not know this ticker."


class UnsupportedCurrencyError(InvalidInputError):
    """The provider quotes the ticker in something that is not an ISO 4217 currency of money:
    such an asset would put an invented currency (and invented exchange rates) in the books."""

    code = "unsupported_currency"
    message = "The market-data provider quotes this ticker in an unknown currency."


class ProviderError(UpstreamError):
    """The provider answered, but not with anything usable (garbage, wrong shape, odd status)."""

    code = "market_data_error"
    message = "The market-data provider sent an unusable answer."


class ProviderUnavailableError(ServiceUnavailableError):
    """The provider cannot be reached now (down, rate limiting, circuit open, timeout)."""

    code = "market_data_unavailable"
    message = "Market data is unavailable right now; try again shortly."


class ProviderBudgetError(TooManyRequestsError):
    """This user's requests already caused their share of provider calls this minute."""

    code = "market_data_budget"
    message = "Too many uncached market-data lookups; try again in a minute."


class UnknownTreasuryTitleError(InvalidInputError):
    """A Tesouro Direto title and maturity that Tesouro Transparente's price file does not have
    (the message lists those it prices now; `fields`: title, maturity_date, available)."""

    code = "unknown_treasury_title"
    message = "Tesouro Transparente's price file has no such title and maturity."


class UnknownSeriesError(InvalidInputError):
    code = "unknown_series"
    message = "There is no benchmark series with this code."


# What asking the provider about a ticker may answer (registering one, valuing by it).
TICKER_LOOKUP_ERRORS: tuple[type[AppError], ...] = (
    UnknownTickerError,
    UnsupportedCurrencyError,
    ProviderError,
    ProviderUnavailableError,
)
