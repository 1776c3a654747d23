"""Replayed ledgers, kept in each process's memory until their client's next write anywhere."""

from __future__ import annotations

from dataclasses import dataclass

from carteira.allocations import store
from carteira.allocations.ledger import Book, replay
from carteira.core.events import EventBus

# After a ledger write commits: `client_id`, the `days` whose flows moved, and the `flows`
# deltas (date, currency, inflow, outflow).
LEDGER_CHANGED = "ledger.changed"
BOOKS = "allocations.books"


@dataclass(frozen=True)
class Replayed:
    book: Book
    stamps: store.Stamps  # entry id -> (created, updated)


async def client_ledger(*, client_id: int, events: EventBus) -> Replayed:
    cache = events.cache(BOOKS, cleared_by=(LEDGER_CHANGED,), keyed_by="client_id", ttl_seconds=600)
    generation = cache.generation
    if (hit := cache.get(str(client_id))) is not None:
        return hit  # type: ignore[no-any-return]
    entries, stamps = await store.client_entries_stamped(client_id)
    replayed = Replayed(replay(entries), stamps)
    cache.set(str(client_id), replayed, generation=generation)
    return replayed


async def client_book(*, client_id: int, events: EventBus) -> Book:
    return (await client_ledger(client_id=client_id, events=events)).book
