"""The provider's events decided in one replay of a ledger (`allocations.corporate.plan`):
quantities held the day before each ex date, the provider's own splits counting for the
dividends after them. Figures by hand."""

from __future__ import annotations

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
