"""The provider's events decided in one replay of a ledger (`allocations.corporate.plan`):
quantities held the day before each ex date, the provider's own splits counting for the
dividends after them. Figures by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from carteira.allocations.corporate import Change, plan
from carteira.allocations.ledger import Entry, Kind, Settlement
from carteira.allocations.store import ProviderRow
from carteira.pricing.service import AssetEventInfo

ASSET = 7


def event(kind: str, day: date, *, amount: str | None = None, ratio=(None, None)):
    numerator, denominator = ratio
    return AssetEventInfo(
        asset_id=ASSET,
        kind=kind,
        ex_date=day,
        amount=Decimal(amount) if amount else None,
        ratio=Decimal(numerator) / Decimal(denominator) if numerator else None,
        numerator=Decimal(numerator) if numerator else None,
        denominator=Decimal(denominator) if denominator else None,
    )


BUY = Entry(
    id=1,
    kind=Kind.BUY,
    date=date(2026, 3, 2),
    currency="BRL",
    asset_id=ASSET,
    quantity=Decimal(100),
    price=Decimal(40),
    settlement=Settlement.EXTERNAL,
)


def test_a_dividend_on_the_split_day_is_paid_on_the_shares_before_it():
    day = date(2026, 3, 10)
    # Whichever comes first in the day's list, the dividend is on the 100 shares of the eve.
    events = [event("split", day, ratio=(2, 1)), event("dividend", day, amount="0.5")]
    followed = plan(entries=[BUY], events=events, rows=[], dismissed=set())
    made = [(d.change, d.event.kind, d.figure) for d in followed.decisions]
    assert made == [(Change.CREATED, "split", None), (Change.CREATED, "dividend", Decimal("50"))]
    position = followed.book.positions[ASSET]
    assert (position.quantity, position.income) == (Decimal(200), Decimal(50))


def test_the_providers_split_counts_for_a_later_dividend():
    events = [
        event("split", date(2026, 3, 5), ratio=(2, 1)),
        event("dividend", date(2026, 3, 10), amount="0.5"),
    ]
    followed = plan(entries=[BUY], events=events, rows=[], dismissed=set())
    assert [d.figure for d in followed.decisions] == [None, Decimal("100")]  # 200 x 0.50
    assert followed.book.cash == {"BRL": Decimal("100")}


def test_an_edited_entry_stays_in_the_book_as_the_user_left_it():
    day = date(2026, 3, 10)
    mine = Entry(
        id=2, kind=Kind.DIVIDEND, date=day, currency="BRL", asset_id=ASSET, amount=Decimal(45)
    )
    row = ProviderRow(
        id=2,
        reference=f"dividend:{ASSET}:{day.isoformat()}",
        kind=Kind.DIVIDEND,
        date=day,
        asset_id=ASSET,
        amount=Decimal(45),
        tax=Decimal(0),
        edited=True,
        needs_review=False,
        provider_amount=Decimal(60),  # made when 120 shares were held
    )
    followed = plan(
        entries=[BUY, mine],
        events=[event("dividend", day, amount="0.5")],
        rows=[row],
        dismissed=set(),
    )
    (flagged,) = followed.decisions
    assert (flagged.change, flagged.figure) == (Change.FLAGGED, Decimal("50"))
    assert followed.book.cash == {"BRL": Decimal(45)}


def _paid(entry_id: int, day: date, amount: str, kind: Kind = Kind.DIVIDEND) -> Entry:
    return Entry(
        id=entry_id, kind=kind, date=day, currency="BRL", asset_id=ASSET, amount=Decimal(amount)
    )


def test_an_imported_provento_stands_for_the_event_paid_before_it():
    """B3's extract dates a provento when it was paid: it supersedes the event of its asset
    with the latest ex date on or before that day (within PAID_WITHIN), and only that one."""
    events = [
        event("dividend", date(2026, 3, 10), amount="0.5"),
        event("dividend", date(2026, 4, 10), amount="0.5"),
        event("dividend", date(2026, 5, 11), amount="0.5"),
    ]
    march, may = _paid(2, date(2026, 3, 25), "50"), _paid(3, date(2026, 5, 20), "50", Kind.JCP)
    followed = plan(
        entries=[BUY, march, may], events=events, rows=[], dismissed=set(), imported={2, 3}
    )
    made = [(d.change, d.event.ex_date, d.figure) for d in followed.decisions]
    assert made == [(Change.CREATED, date(2026, 4, 10), Decimal("50"))]  # April's alone
    assert followed.book.cash == {"BRL": Decimal("150")}  # 50 + 50 imported, 50 made

    # The same entries typed by hand are on other days than the ex dates: nothing superseded.
    by_hand = plan(entries=[BUY, march, may], events=events, rows=[], dismissed=set())
    assert len(by_hand.decisions) == 3


def test_an_imported_provento_paid_too_long_after_supersedes_nothing():
    events = [event("dividend", date(2025, 1, 10), amount="0.5")]
    early = replace(BUY, date=date(2025, 1, 2))
    late = _paid(2, date(2026, 3, 1), "50")  # 415 days after the ex date
    followed = plan(entries=[early, late], events=events, rows=[], dismissed=set(), imported={2})
    assert [(d.change, d.figure) for d in followed.decisions] == [(Change.CREATED, Decimal("50"))]
