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


def test_yahoo_search_results_of_the_wrong_shape_are_provider_errors():
    from carteira.pricing.exceptions import ProviderError
    from carteira.pricing.yahoo import _search_quotes

    assert _search_quotes({"quotes": []}) == []
    with pytest.raises(ProviderError, match="search results of an unexpected shape"):
        _search_quotes({"quotes": "PETR4.SA"})
