"""The provider's corporate actions in the clients' ledgers, kept in step with the ledger.

An event of an asset (pricing's `asset_events`) makes, for a client who held the asset at the
end of the day before its ex date, a `split` entry, a `dividend` entry of the amount per share
times the quantity held, or — an instrument's redemption at maturity — a `sell` of the whole
quantity held at the final unit price, settled in cash — made by the provider (`source:
provider`) and known by the event's reference (`external_ref`, unique per client). A hand sale
of the asset dated on its maturity stands for the redemption (the user recorded it).

Every ledger write calls `follow` inside its transaction (the client locked). The ledger is
replayed once, and on the way each event of the assets the write touched, from the earliest date
it touched on, is decided from the quantity held just before its ex date:

* an entry the provider made takes the new figure; with nothing held, or with a hand entry of
  the same family on the same asset and date (a split or bonus supersedes a split, a dividend
  or JCP a dividend), it is removed — not dismissed, so it comes back with the shares. An
  imported entry (a row of B3's extract) counts as a hand entry dated when it was paid or
  credited, after the ex date: it supersedes the event of its family and asset whose ex date
  is the latest on or before its date, within `PAID_WITHIN`;
* a missing entry is made, unless a user deleted it (`dismissed_entries`): that stays deleted;
* an entry a user edited is never overwritten: when the provider's figure moves and differs
  from the entry, the entry is flagged (`needs_review`, the figure in `provider_amount`) for a
  user to accept.

Each change is audited as the provider's (no user), naming the write that caused it, and the
write's answer lists them.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal, localcontext
from enum import StrEnum
from typing import Any

from carteira.allocations import store
from carteira.allocations.ledger import (
    PRECISION,
    SECURITY_KINDS,
    ZERO,
    Book,
    Entry,
    Kind,
    Settlement,
    in_order,
    replay,
)
from carteira.allocations.models import DismissedEntry, Source, Transaction
from carteira.allocations.store import NewProviderEntry, ProviderRow
from carteira.audit import service as audit
from carteira.pricing import service as pricing
from carteira.pricing.service import AssetEventInfo

ENTITY = "transaction"
EIGHT_PLACES = Decimal("1E-8")
# The hand entries that supersede a provider event on the same asset and date.
_FAMILY = {
    Kind.SPLIT: pricing.SPLIT,
    Kind.BONUS: pricing.SPLIT,
    Kind.DIVIDEND: pricing.DIVIDEND,
    Kind.JCP: pricing.DIVIDEND,
    Kind.SELL: pricing.REDEMPTION,
}
# How long after its ex date an imported entry may be paid (a provento: B3 shows the payment
# date, up to the end of the following year for a JCP) or credited (shares: a few days); a
# redemption is a sale on the maturity date itself.
PAID_WITHIN = {
    pricing.DIVIDEND: timedelta(days=400),
    pricing.SPLIT: timedelta(days=31),
    pricing.REDEMPTION: timedelta(0),
}


class Change(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    REMOVED = "removed"
    FLAGGED = "flagged"  # edited by a user: the provider's figure now differs from theirs
    REFIGURED = "refigured"  # edited by a user: the provider's figure moved and agrees again


@dataclass(frozen=True, slots=True)
class Decision:
    """One provider-made entry the ledger, as it now stands, changes."""

    change: Change
    event: AssetEventInfo
    row: ProviderRow | None  # the entry as it was (None: made now)
    entry: Entry | None  # the entry as it becomes (None: removed, or an edited one kept)
    # The provider's: an amount (a redemption: the quantity); 0: nothing to make; None: a split
    figure: Decimal | None


@dataclass(frozen=True, slots=True)
class ProviderChange:
    """What a write did to a provider-made entry (`old`/`new`: its amount — a redemption's
    quantity; for one a user edited, flagged: their figure and the provider's)."""

    id: int
    change: Change
    kind: Kind
    date: date
    asset_id: int
    old_amount: Decimal | None
    new_amount: Decimal | None
    needs_review: bool


@dataclass(frozen=True, slots=True)
class Cause:
    """The write that made the provider's entries change: named in their audit entries."""

    action: str  # create, update, delete, accept, corporate_actions
    transaction_id: int | None = None
    user_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "transaction_id": self.transaction_id,
            "user_id": self.user_id,
        }


@dataclass
class Followed:
    """The book of the ledger as it now stands, and what changed in its provider entries."""

    book: Book
    decisions: list[Decision] = field(default_factory=list)
    changes: list[ProviderChange] = field(default_factory=list)


def scope(entries: Iterable[Entry]) -> tuple[set[int], date | None]:
    """The assets whose quantities a write's entries (as they were and as they are) move, and
    the earliest date it touches: for a provento or a split, the earliest ex date it may stand
    for (an imported one is dated after it, within PAID_WITHIN)."""
    moved = [e for e in entries if e.asset_id is not None and e.kind in SECURITY_KINDS]
    return {e.asset_id for e in moved if e.asset_id is not None}, min(
        (e.date - PAID_WITHIN[_FAMILY[e.kind]] if e.kind in _FAMILY else e.date for e in moved),
        default=None,
    )


# ---- deciding (pure) ---------------------------------------------------------------------


def plan(
    *,
    entries: Sequence[Entry],
    events: Sequence[AssetEventInfo],
    rows: Sequence[ProviderRow],
    dismissed: set[str],
    imported: frozenset[int] | set[int] = frozenset(),
) -> Followed:
    """Replay `entries` (the whole ledger), deciding `events` (oldest first) on the way from
    the quantities held before each ex date; the book is that of the ledger once the decisions
    are made. `imported`: the ids of the entries that came from a file. InsufficientQuantity
    when any date goes short."""
    references = {event.reference for event in events}
    followed = {row.id for row in rows if row.reference in references and not row.edited}
    provider_ids = {row.id for row in rows}
    deciding = _Deciding(
        by_reference={row.reference: row for row in rows},
        by_hand={
            (_FAMILY[e.kind], e.asset_id, e.date)
            for e in entries
            if e.kind in _FAMILY and e.id not in provider_ids and e.id not in imported
        },
        paid=_paid_by_imports(
            events, [e for e in entries if e.id in imported and e.kind in _FAMILY]
        ),
        currencies={e.asset_id: e.currency for e in entries if e.asset_id is not None},
        current={e.id: e for e in entries if e.id in followed},
        dismissed=dismissed,
    )
    days = [list(group) for _, group in itertools.groupby(events, key=lambda event: event.ex_date)]
    with localcontext() as context:
        context.prec = PRECISION
        pending = iter(days)
        day = next(pending, None)
        for entry in in_order(e for e in entries if e.id not in followed):
            while day is not None and day[0].ex_date <= entry.date:
                deciding.day(day)
                day = next(pending, None)
            deciding.book.apply_in_context(entry)
        while day is not None:
            deciding.day(day)
            day = next(pending, None)
    return Followed(book=deciding.book, decisions=deciding.decisions)


@dataclass
class _Deciding:
    """What deciding the provider's events needs of the ledger, and the book and decisions as
    the replay reaches each ex date."""

    by_reference: dict[str, ProviderRow]  # the provider-made entries, by their event
    by_hand: set[tuple[str, int | None, date]]  # (family, asset, date) of the hand entries
    paid: set[str]  # the events that imported entries stand for
    currencies: dict[int, str]
    current: dict[int, Entry]  # the provider-made entries the replay leaves out, by id
    dismissed: set[str]
    book: Book = field(default_factory=Book)
    decisions: list[Decision] = field(default_factory=list)
    # made entries' ids, until the database gives theirs
    placeholder: Iterator[int] = field(default_factory=lambda: itertools.count(-1, -1))

    def day(self, events: list[AssetEventInfo]) -> None:
        """Every event of the day from the quantities before it, then their entries applied."""
        applies = [entry for event in events if (entry := self._event(event)) is not None]
        for entry in applies:
            self.book.apply_in_context(entry)

    def _event(self, event: AssetEventInfo) -> Entry | None:
        """The entry `event` leaves in the replayed ledger (None: none, or the user's, which
        is in it as they left it), its decision noted."""
        by_hand = (event.kind, event.asset_id, event.ex_date) in self.by_hand
        superseded = by_hand or event.reference in self.paid
        figure = _figure(event, self.book.quantity(event.asset_id), superseded=superseded)
        row = self.by_reference.get(event.reference)
        if row is None:
            return self._made(event, figure)
        if row.edited:
            review = _review(row, event, figure)
            if review is not None:
                self.decisions.append(review)
            return None
        if figure == 0:
            self.decisions.append(Decision(Change.REMOVED, event, row, None, figure))
            return None
        entry = self.current[row.id]
        if figure is not None and figure != _figure_of(entry):
            entry = _refigured(entry, figure)
            self.decisions.append(Decision(Change.UPDATED, event, row, entry, figure))
        return entry

    def _made(self, event: AssetEventInfo, figure: Decimal | None) -> Entry | None:
        """The entry made for an event the ledger has none of, unless there is nothing to make
        or a user deleted it."""
        currency = self.currencies.get(event.asset_id)
        if figure == 0 or event.reference in self.dismissed or currency is None:
            return None
        entry = _entry(event, figure, entry_id=next(self.placeholder), currency=currency)
        self.decisions.append(Decision(Change.CREATED, event, None, entry, figure))
        return entry


def _paid_by_imports(events: Sequence[AssetEventInfo], imported: Sequence[Entry]) -> set[str]:
    """The references of the events imported entries stand for: each entry, the event of its
    family and asset with the latest ex date on or before its date (within PAID_WITHIN)."""
    if not imported:
        return set()
    by_asset: dict[tuple[str, int], list[AssetEventInfo]] = defaultdict(list)
    for event in events:  # oldest first
        by_asset[(event.kind, event.asset_id)].append(event)
    ex_dates = {key: [event.ex_date for event in found] for key, found in by_asset.items()}
    paid: set[str] = set()
    for entry in imported:
        key = (_FAMILY[entry.kind], entry.asset_id or 0)
        at = bisect_right(ex_dates.get(key, []), entry.date)
        if at and entry.date - ex_dates[key][at - 1] <= PAID_WITHIN[key[0]]:
            paid.add(by_asset[key][at - 1].reference)
    return paid


def _figure(event: AssetEventInfo, held: Decimal, *, superseded: bool) -> Decimal | None:
    """The provider's figure for a client holding `held` before the ex date: a dividend's
    amount; None for a split that applies; 0 when there is nothing to make."""
    if superseded or held <= 0:
        return ZERO
    if event.kind == pricing.SPLIT:
        return None if event.numerator and event.denominator else ZERO
    if event.kind == pricing.DIVIDEND and event.amount:
        amount = (event.amount * held).quantize(EIGHT_PLACES)
        return amount if amount > 0 else ZERO
    if event.kind == pricing.REDEMPTION and event.amount:
        return held  # the whole position, at the final unit price
    return ZERO


def _figure_of(entry: Entry) -> Decimal | None:
    return entry.quantity if entry.kind is Kind.SELL else entry.amount


def _refigured(entry: Entry, figure: Decimal) -> Entry:
    if entry.kind is Kind.SELL:
        return replace(entry, quantity=figure)
    return replace(entry, amount=figure)


def _entry(event: AssetEventInfo, figure: Decimal | None, *, entry_id: int, currency: str) -> Entry:
    common: dict[str, Any] = {
        "id": entry_id,
        "date": event.ex_date,
        "currency": currency,
        "asset_id": event.asset_id,
        "settlement": Settlement.CASH,
    }
    if event.kind == pricing.SPLIT:
        return Entry(kind=Kind.SPLIT, ratio=event.ratio, **common)
    if event.kind == pricing.REDEMPTION:
        return Entry(kind=Kind.SELL, quantity=figure, price=event.amount, **common)
    return Entry(kind=Kind.DIVIDEND, amount=figure, **common)


def _review(row: ProviderRow, event: AssetEventInfo, figure: Decimal | None) -> Decision | None:
    """An entry a user edited: flagged when the provider's figure moved (its basis changed)
    and differs from theirs."""
    if figure == row.provider_amount:
        return None
    differs = figure == 0 if event.kind == pricing.SPLIT else figure != row.figure
    return Decision(Change.FLAGGED if differs else Change.REFIGURED, event, row, None, figure)


# ---- writing -----------------------------------------------------------------------------


async def follow(
    *,
    client_id: int,
    entries: Sequence[Entry],
    asset_ids: Iterable[int],
    since: date | None,
    cause: Cause,
) -> Followed:
    """Inside a ledger write (the client locked): the provider's entries of these assets from
    `since` on (None: all) made to follow `entries`, the whole ledger as it now stands."""
    wanted = set(asset_ids)
    events = await pricing.asset_events(asset_ids=wanted, since=since) if wanted else []
    if not events:
        return Followed(book=replay(entries))
    rows, dismissed = await store.provider_rows(client_id, asset_ids=wanted)
    imported = await store.imported_ids(client_id, asset_ids=wanted)
    followed = plan(
        entries=entries, events=events, rows=rows, dismissed=dismissed, imported=imported
    )
    followed.changes = await _write(client_id, followed.decisions, cause=cause)
    return followed


async def _write(
    client_id: int, decisions: Sequence[Decision], *, cause: Cause
) -> list[ProviderChange]:
    made = [n for n, d in enumerate(decisions) if d.change is Change.CREATED]
    ids = await store.insert_provider_entries(client_id, [_new_row(decisions[n]) for n in made])
    made_ids = dict(zip(made, ids, strict=True))
    await store.set_provider_figures(
        {d.row.id: d.figure for d in decisions if d.change is Change.UPDATED and d.row and d.figure}
    )
    await store.delete_rows(d.row.id for d in decisions if d.change is Change.REMOVED and d.row)
    await store.set_reviews(
        {
            d.row.id: (d.figure, d.change is Change.FLAGGED)
            for d in decisions
            if d.change in (Change.FLAGGED, Change.REFIGURED) and d.row
        }
    )
    changes = [_change(d, made_ids.get(n)) for n, d in enumerate(decisions)]
    await audit.record_many(
        actor_id=None,  # made by the provider
        records=[
            _trail(d, change, client_id=client_id, cause=cause)
            for d, change in zip(decisions, changes, strict=True)
        ],
    )
    return changes


def _new_row(decision: Decision) -> NewProviderEntry:
    event, entry = decision.event, decision.entry
    assert entry is not None
    split = event.kind == pricing.SPLIT
    return NewProviderEntry(
        kind=entry.kind,
        date=entry.date,
        asset_id=event.asset_id,
        currency=entry.currency,
        reference=event.reference,
        amount=entry.amount,
        split_to=event.numerator if split else None,
        split_from=event.denominator if split else None,
        quantity=entry.quantity,
        price=entry.price,
    )


_KIND_OF_EVENT = {
    pricing.SPLIT: Kind.SPLIT,
    pricing.DIVIDEND: Kind.DIVIDEND,
    pricing.REDEMPTION: Kind.SELL,
}


def _change(decision: Decision, made_id: int | None) -> ProviderChange:
    row, event = decision.row, decision.event
    kind = row.kind if row else _KIND_OF_EVENT[event.kind]
    entry_id = row.id if row else made_id
    assert entry_id is not None
    old = row.figure if row else None
    if decision.change in (Change.FLAGGED, Change.REFIGURED):
        new = decision.figure  # beside theirs, which is kept
    elif decision.change is Change.REMOVED:
        new = None
    else:
        new = _figure_of(decision.entry) if decision.entry else None
    return ProviderChange(
        id=entry_id,
        change=decision.change,
        kind=kind,
        date=row.date if row else event.ex_date,
        asset_id=event.asset_id,
        old_amount=old,
        new_amount=new,
        needs_review=decision.change is Change.FLAGGED,
    )


def _trail(
    decision: Decision, change: ProviderChange, *, client_id: int, cause: Cause
) -> audit.Record:
    trail: dict[str, Any] = {"cause": cause.as_json(), "ref": decision.event.reference}
    row = decision.row
    if decision.change is Change.CREATED:
        action = audit.Action.CREATE
        trail |= {"kind": change.kind, "date": change.date, "amount": change.new_amount}
        if decision.entry is not None and decision.entry.kind is Kind.SELL:
            trail |= {"amount": None, "quantity": change.new_amount, "price": decision.entry.price}
    elif decision.change is Change.REMOVED:
        action = audit.Action.DELETE
        trail |= {"kind": change.kind, "date": change.date, "amount": change.old_amount}
    elif decision.change is Change.UPDATED:
        action = audit.Action.UPDATE
        trail["amount"] = {"from": change.old_amount, "to": change.new_amount}
    else:
        action = audit.Action.UPDATE
        trail["provider_amount"] = {
            "from": row.provider_amount if row else None,
            "to": decision.figure,
        }
        trail["needs_review"] = {
            "from": row.needs_review if row else False,
            "to": change.needs_review,
        }
    return audit.Record(
        action=action, entity=ENTITY, entity_id=change.id, changes=trail, client_id=client_id
    )


async def remember_dismissal(*, row: Transaction) -> None:
    """A provider-made entry deleted by a user stays deleted."""
    if row.source is Source.PROVIDER and row.external_ref:
        await DismissedEntry.get_or_create(client_id=row.client_id, external_ref=row.external_ref)
