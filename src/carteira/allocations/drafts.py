"""Entries not yet written (the rows of a file being imported), tried against a client's
ledger before anything is written: the ratio of a split told by the shares it moved, and the
entries that would leave a quantity below zero. Pure, like the engine it replays.

B3's extract tells a split by shares: a `Desdobro` credits the shares it adds, a `Grupamento`
the position it leaves. The ratio follows from the quantity held just before it (the engine
applies a day's corporate actions first, so: at the end of the day before), which depends on
every entry before it, the file's own rows included.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext
from fractions import Fraction

from carteira.allocations.ledger import (
    PRECISION,
    ZERO,
    Book,
    Entry,
    InsufficientQuantity,
    in_order,
)

# A ratio's sides as the ledger takes them (`schemas.RATIO`): 12 digits, 8 decimal places.
MAX_RATIO_SIDE = Decimal("1E12")
EIGHT_PLACES = Decimal("1E-8")


@dataclass(frozen=True, slots=True)
class Draft:
    """A row as the ledger would take it (`entry`: a negative id, and a negative asset id for a
    ticker not registered yet). A split told by shares carries `added` (the shares it credits)
    or `leaves` (the position after it) instead of a ratio."""

    key: int
    entry: Entry
    added: Decimal | None = None
    leaves: Decimal | None = None


@dataclass
class Tried:
    """What the ledger would say of the drafts: each split's ratio (new, old), the drafts that
    would leave a quantity below zero, and the splits with nothing held before them."""

    ratios: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    short: dict[int, InsufficientQuantity] = field(default_factory=dict)
    nothing_held: set[int] = field(default_factory=set)


def try_drafts(existing: list[Entry], drafts: list[Draft]) -> Tried:
    """Replay the ledger with the drafts. A draft that would go short is reported and left out
    (so that later rows are still tried); an entry already in the ledger that would go short
    because of the drafts is reported on the last draft of its asset before it."""
    tried = Tried()
    by_id = {draft.entry.id: draft for draft in drafts}
    last_draft: dict[int, int] = {}  # asset -> the key of its latest draft applied
    book = Book()
    with localcontext() as context:
        context.prec = PRECISION
        for entry in in_order([*existing, *(draft.entry for draft in drafts)]):
            draft = by_id.get(entry.id)
            if draft is not None and (draft.added is not None or draft.leaves is not None):
                held = book.quantity(entry.asset_id or 0)
                if held <= ZERO:
                    tried.nothing_held.add(draft.key)
                    continue
                after = held + draft.added if draft.added is not None else draft.leaves
                assert after is not None
                tried.ratios[draft.key] = ratio_of(after, held)
                entry = replace(entry, ratio=after / held)
            try:
                book.apply_in_context(entry)
            except InsufficientQuantity as short:
                key = draft.key if draft is not None else last_draft.get(short.asset_id)
                if key is not None:
                    tried.short.setdefault(key, short)
                continue
            if draft is not None and entry.asset_id is not None:
                last_draft[entry.asset_id] = draft.key
    return tried


def ratio_of(after: Decimal, before: Decimal) -> tuple[Decimal, Decimal]:
    """New shares for old ones, in lowest terms when they are whole enough to be written so
    (200 for 100 -> 2:1), else the two quantities as they are (to 8 places)."""
    fraction = Fraction(after) / Fraction(before)
    if fraction.numerator < MAX_RATIO_SIDE and fraction.denominator < MAX_RATIO_SIDE:
        return Decimal(fraction.numerator), Decimal(fraction.denominator)
    return after.quantize(EIGHT_PLACES), before.quantize(EIGHT_PLACES)
