from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from carteira.pricing.circuit import CircuitBreaker, CircuitState
from carteira.pricing.provider import asset_type, change_pct
from carteira.pricing.upstream import RetryableError, retry_after_seconds, retry_waits


def test_circuit_state_machine(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    circuit = CircuitBreaker(failure_threshold=2, cooldown_seconds=10)
    assert circuit.allow()
    circuit.record_failure()
    assert circuit.state is CircuitState.CLOSED
    circuit.record_failure()
    assert circuit.state is CircuitState.OPEN
    assert not circuit.allow()
    now[0] += 10
    assert circuit.state is CircuitState.HALF_OPEN
    assert circuit.allow()  # the single trial
    assert not circuit.allow()  # nobody else while it runs
    circuit.record_failure()  # the trial failed: a new pause
    assert circuit.state is CircuitState.OPEN
    now[0] += 10
    assert circuit.allow()
    circuit.record_success()
    assert circuit.state is CircuitState.CLOSED
    assert circuit.allow()


def test_retry_waits_honour_retry_after_and_jitter_otherwise():
    waits = retry_waits(base=1, cap=8)
    next(waits)
    assert waits.send(RetryableError("429", retry_after=3)) == 3
    for attempt in range(1, 6):
        wait = waits.send(RetryableError("503"))
        assert 0 <= wait <= min(8, 2**attempt)


def test_retry_after_header_forms():
    assert retry_after_seconds("2") == 2
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after_seconds(later) <= 31  # type: ignore[operator]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("EQUITY", "EQUITY"),
        ("etf", "ETF"),
        ("CRYPTOCURRENCY", "CRYPTOCURRENCY"),
        ("WARRANT", "OTHER"),
        (None, "OTHER"),
    ],
)
def test_instrument_types_map_to_asset_types(kind, expected):
    assert asset_type(kind).value == expected


def test_change_pct_needs_a_previous_close():
    from decimal import Decimal

    assert change_pct(Decimal("11"), Decimal("10")) == 10.0
    assert change_pct(Decimal("11"), None) is None
    assert change_pct(Decimal("11"), Decimal(0)) is None


# ---- Banco Central's SGS: windows and parsing ------------------------------------------------


def test_query_windows_are_at_most_ten_years():
    from datetime import date

    from carteira.pricing.bcb import query_windows

    assert query_windows(date(2024, 1, 1), date(2024, 1, 31)) == [
        (date(2024, 1, 1), date(2024, 1, 31))
    ]
    assert query_windows(date(2000, 1, 1), date(2009, 12, 31)) == [
        (date(2000, 1, 1), date(2009, 12, 31))
    ]
    assert query_windows(date(2000, 1, 1), date(2010, 1, 1)) == [
        (date(2000, 1, 1), date(2009, 12, 31)),
        (date(2010, 1, 1), date(2010, 1, 1)),
    ]
    # 29 February: ten years later is the 28th, so the window ends the 27th.
    assert query_windows(date(2004, 2, 29), date(2030, 1, 1)) == [
        (date(2004, 2, 29), date(2014, 2, 27)),
        (date(2014, 2, 28), date(2024, 2, 27)),
        (date(2024, 2, 28), date(2030, 1, 1)),
    ]
    assert query_windows(date(2024, 2, 1), date(2024, 1, 1)) == []


@pytest.mark.parametrize(
    "payload",
    [
        {"data": "02/01/2024", "valor": "0.04"},  # one point, not a list
        [{"data": "02/01/2024"}],  # no value
        [{"valor": "0.04"}],  # no date
        [{"data": 20240102, "valor": "0.04"}],  # a number for a date
        [{"data": "2024-01-02", "valor": "0.04"}],  # not dd/MM/yyyy
        [{"data": "02/01/2024", "valor": "abc"}],
        [{"data": "02/01/2024", "valor": "NaN"}],
        [{"data": "02/01/2024", "valor": None}],
        "[]",
    ],
)
def test_sgs_answers_of_the_wrong_shape_are_provider_errors(payload):
    from carteira.pricing.bcb import parse_points
    from carteira.pricing.exceptions import ProviderError

    with pytest.raises(ProviderError, match="series 12"):
        parse_points(payload, code=12)


def test_sgs_values_are_kept_as_published():
    from datetime import date
    from decimal import Decimal

    from carteira.pricing.bcb import parse_points

    points = parse_points(
        [
            {"data": "02/01/2024", "valor": "0.043739"},
            {"data": "01/03/2024", "valor": "-0.02"},  # a month of deflation
            {"data": "04/03/2024", "valor": Decimal("13.75"), "extra": "ignored"},
        ],
        code=433,
    )
    assert [(p.date, p.value) for p in points] == [
        (date(2024, 1, 2), Decimal("0.043739")),
        (date(2024, 3, 1), Decimal("-0.02")),
        (date(2024, 3, 4), Decimal("13.75")),
    ]


def test_sgs_refusals_quote_the_sgs():
    from carteira.pricing.bcb import _sgs_status
    from carteira.pricing.exceptions import ProviderError

    not_found = b'{"erro":{"statusCode":404,"detail":"SGSNegocioException: Value(s) not found"}}'
    assert _sgs_status(404, not_found) == []
    with pytest.raises(ProviderError, match=r"HTTP 400: SGSNegocioException: Invalid initial"):
        _sgs_status(
            400, b'{"erro":{"statusCode":400,"detail":"SGSNegocioException: Invalid initial date"}}'
        )
    with pytest.raises(ProviderError, match=r"HTTP 404\.$"):
        _sgs_status(404, b"<html>no route</html>")
    with pytest.raises(ProviderError, match=r"HTTP 403\.$"):
        _sgs_status(403, b'["odd"]')


def test_yahoo_search_results_of_the_wrong_shape_are_provider_errors():
    from carteira.pricing.exceptions import ProviderError
    from carteira.pricing.yahoo import _search_quotes

    assert _search_quotes({"quotes": []}) == []
    with pytest.raises(ProviderError, match="search results of an unexpected shape"):
        _search_quotes({"quotes": "PETR4.SA"})
