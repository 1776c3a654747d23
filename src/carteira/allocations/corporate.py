"""The provider's corporate actions in the clients' ledgers.

For every client that held the asset at the end of the day before an event's ex date: a
`split` entry, or a `dividend` entry of the amount per share times the quantity held — made by
the provider (`source: provider`), known by the event's reference (`external_ref`, unique per
client), so that a re-run never makes it twice. An entry a user edited is never overwritten
(the reference is taken); one a user deleted is never made again (the decision is kept in
`dismissed_entries`). A purchase recorded later, dated before an ex date, gets the event's
entries in its own write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from carteira.allocations import store
from carteira.allocations.ledger import Entry, Kind, Settlement, replay
from carteira.allocations.models import DismissedEntry, Source, Transaction
from carteira.assets import service as assets
from carteira.audit import service as audit
from carteira.pricing import service as pricing
from carteira.pricing.service import AssetEventInfo

ENTITY = "transaction"
EIGHT_PLACES = Decimal("1E-8")


def _held_before(entries: Sequence[Entry], event: AssetEventInfo) -> Decimal:
    """The quantity of the event's asset at the end of the day before its ex date."""
    before = [e for e in entries if e.asset_id == event.asset_id and e.date < event.ex_date]
    return replay(before).quantity(event.asset_id)


async def entries_for_events(
    *, client_id: int, asset_ids: Iterable[int], entries: Sequence[Entry]
) -> list[Entry]:
    """Inside a ledger write (the client locked): the entries the assets' events call for and
    the client does not have yet, created; `entries` is the ledger as it stands."""
    events = await pricing.asset_events(asset_ids=asset_ids)
    if not events:
        return []
    taken = await store.external_refs(client_id)
    infos = await assets.describe(asset_ids={e.asset_id for e in events})
    ledger = list(entries)
    made: list[Entry] = []
    for event in events:  # in ex-date order: a split changes the quantity of later dividends
        if event.reference in taken or event.asset_id not in infos or _recorded(ledger, event):
            continue
        held = _held_before(ledger, event)
        if held <= 0:
            continue
        fields = _fields(event, held, currency=infos[event.asset_id].currency)
        if fields is None:
            continue
        row = await audit.audited_create(
            row=Transaction.create(
                client_id=client_id,
                source=Source.PROVIDER,
                external_ref=event.reference,
                settlement=Settlement.CASH,
                **fields,
            ),
            snapshot=lambda row: {"kind": row.kind, "date": row.date, "ref": row.external_ref},
            entity=ENTITY,
            actor_id=None,
        )
        entry = store.entry_of_row(row)
        ledger.append(entry)
        made.append(entry)
        taken.add(event.reference)
    return made


def _recorded(ledger: Sequence[Entry], event: AssetEventInfo) -> bool:
    """The client's ledger already has this event, entered by hand (same kind, asset, day)."""
    kind = Kind.SPLIT if event.kind == pricing.SPLIT else Kind.DIVIDEND
    return any(
        e.kind is kind and e.asset_id == event.asset_id and e.date == event.ex_date for e in ledger
    )


def _fields(event: AssetEventInfo, held: Decimal, *, currency: str) -> dict[str, Any] | None:
    common = {"date": event.ex_date, "asset_id": event.asset_id, "currency": currency}
    if event.kind == pricing.SPLIT and event.numerator and event.denominator:
        return {
            **common,
            "kind": Kind.SPLIT,
            "split_to": event.numerator,
            "split_from": event.denominator,
        }
    if event.kind == pricing.DIVIDEND and event.amount:
        amount = (event.amount * held).quantize(EIGHT_PLACES)
        return {**common, "kind": Kind.DIVIDEND, "amount": amount} if amount > 0 else None
    return None


async def remember_dismissal(*, row: Transaction) -> None:
    """A provider-made entry deleted by a user stays deleted."""
    if row.source is Source.PROVIDER and row.external_ref:
        await DismissedEntry.get_or_create(client_id=row.client_id, external_ref=row.external_ref)
