"""The formats a client's history arrives in: where each finds its header, and what each of
its rows becomes — an entry for the ledger (`new`), a row left out with the reason
(`ignored`), or an `error` naming the column at fault.

- `b3_negociacao` (Área do Investidor → Extratos → Negociação): buys and sells of the cash and
  odd-lot markets (`PETR4F` is `PETR4.SA`) and of Tesouro Direto titles; options, futures and
  other markets are ignored.
- `b3_movimentacao` (Extratos → Movimentação): proventos (a JCP from its net value, at the rate
  in force on its date), splits and reverse splits told by shares, bonus shares, the sale of
  fractions; Tesouro Direto purchases, sales, redemptions at maturity and coupons; settlement
  and update rows are ignored (trades come from the negociação).
- A Tesouro Direto row names its title and the year of its maturity (`Tesouro Selic 2029`):
  `place_treasury` gives it the maturity of that year in Tesouro Transparente's file, which the
  service reads.
- `carteira_csv`: the ledger's own export (`GET /clients/{id}/transactions?format=csv`), in
  either dialect.

Pure: no database, no provider. The service finds Tesouro titles' maturities, checks tickers,
validates each entry as a single write would, finds duplicates and tries the rows against the
ledger.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from carteira.allocations import service as ledger
from carteira.allocations.schemas import MODELS_BY_KIND, Kind
from carteira.imports import cells, products
from carteira.imports.cells import Cell, CellError
from carteira.imports.exceptions import ColumnsNotFoundError, TooManyRowsError
from carteira.imports.files import Line, sheets
from carteira.imports.models import ImportFormat

MAX_ROWS = 20_000
# How far down a sheet its header may be (B3's files may carry a title and blank rows above).
HEADER_SEARCH_ROWS = 20
EIGHT_PLACES = Decimal("1E-8")


class RowStatus(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    ERROR = "error"


# Why a row is ignored, or what is wrong with it (beside the ledger's own validation issues
# and errors, e.g. `date_in_future`, `insufficient_quantity`, `unknown_ticker`).
RowCode = Literal[
    "totals_row",
    "market_not_recorded",
    "product_not_recorded",
    "settlement_row",
    "update_row",
    "fraction_moved",
    "movement_not_recorded",
    "debit_not_recorded",
    "missing_value",
    "not_a_number",
    "not_a_date",
    "not_a_b3_ticker",
    "unknown_trade_type",
    "unknown_kind",
    "nothing_held",
    "unknown_treasury_maturity",
    "ambiguous_treasury_maturity",
    "before_maturity",
]


@dataclass
class Mapped:
    """One row of the file, as the preview shows it and as the ledger would take it."""

    line: int
    status: RowStatus
    kind: str | None = None
    date: date | None = None
    ticker: str | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    amount: Decimal | None = None
    tax: Decimal | None = None
    ratio: str | None = None
    code: str | None = None
    message: str | None = None
    column: str | None = None  # the file's column at fault
    values: dict[str, str] = field(default_factory=dict)  # what the message names
    # A new row: the ledger's input (a `TransactionIn`); a split told by shares carries the
    # shares it adds or the position it leaves, and its ratio comes from the ledger.
    entry: dict[str, Any] | None = None
    added: Decimal | None = None
    leaves: Decimal | None = None
    columns: dict[str, str] = field(default_factory=dict)  # entry field -> the file's column
    # A Tesouro Direto title, as the extract names it: the entry's asset is the title's
    # maturity in Tesouro Transparente's file (`place_treasury`).
    treasury: products.TreasuryTitle | None = None
    redemption: bool = False  # a `Vencimento`: the title redeemed at its maturity

    def fail(self, code: str, message: str, *, column: str | None = None, **values: str) -> None:
        self.status = RowStatus.ERROR
        self.code, self.message, self.column, self.values = code, message, column, values
        self.entry = None

    def ignore(self, code: str, message: str, **values: str) -> None:
        self.status = RowStatus.IGNORED
        self.code, self.message, self.values = code, message, values
        self.entry = None


class RowError(Exception):
    """A cell that stops its row: the row becomes an `error` naming the column."""

    def __init__(self, column: str, code: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Layout:
    """A header: each name the format reads, with the texts it may have (compared without case,
    accents or extra spaces); `required` must all be there."""

    name: str
    columns: dict[str, tuple[str, ...]]
    required: frozenset[str]
    decimal_comma: bool

    def find(self, cells_: list[Cell]) -> dict[str, int] | None:
        """Where each column is, when this row is the header."""
        positions = {cells.key(cell): index for index, cell in enumerate(cells_)}
        found = {
            name: positions[text]
            for name, texts in self.columns.items()
            for text in texts
            if text in positions
        }
        return found if self.required <= set(found) else None

    def missing(self, cells_: list[Cell]) -> list[str]:
        positions = {cells.key(cell) for cell in cells_}
        return [
            self.columns[name][0]
            for name in sorted(self.required)
            if not any(text in positions for text in self.columns[name])
        ]


class Fields:
    """A data row's cells by column name, read as the layout says."""

    def __init__(
        self,
        cells_: list[Cell],
        positions: dict[str, int],
        headers: dict[str, str],
        *,
        decimal_comma: bool,
    ) -> None:
        self.cells = cells_
        self.positions = positions
        self.headers = headers
        self.decimal_comma = decimal_comma

    def raw(self, name: str) -> Cell:
        index = self.positions.get(name)
        return self.cells[index] if index is not None and index < len(self.cells) else None

    def header(self, name: str) -> str:
        return self.headers.get(name, name)

    def blank(self, *names: str) -> bool:
        return all(cells.text(self.raw(name)) is None for name in names)

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = cells.text(self.raw(name))
        if value is None and required:
            raise self._missing(name)
        return value

    def number(self, name: str, *, required: bool = False) -> Decimal | None:
        value: Decimal | None = self._read(
            name, lambda cell: cells.number(cell, decimal_comma=self.decimal_comma)
        )
        if value is None and required:
            raise self._missing(name)
        return value

    def day(self, name: str, *, required: bool = False) -> date | None:
        value: date | None = self._read(name, cells.day)
        if value is None and required:
            raise self._missing(name)
        return value

    def lenient(self, read: Callable[[str], Any], name: str) -> Any:
        """What the cell says, for showing a row that is not recorded: None if unreadable."""
        try:
            return read(name)
        except RowError:
            return None

    def _read(self, name: str, read: Callable[[Cell], Any]) -> Any:
        try:
            return read(self.raw(name))
        except CellError as exc:
            raise RowError(self.header(name), exc.code, exc.message) from exc

    def _missing(self, name: str) -> RowError:
        return RowError(self.header(name), "missing_value", f"{self.header(name)} is empty")


# Fills in the row (a `RowError` makes it an error, keeping what it had shown).
Mapper = Callable[[Mapped, Fields], None]


# ---- b3_negociacao -------------------------------------------------------------------------

NEGOCIACAO = Layout(
    name="b3_negociacao",
    columns={
        "date": ("data do negocio",),
        "side": ("tipo de movimentacao",),
        "market": ("mercado",),
        "term": ("prazo/vencimento",),
        "institution": ("instituicao",),
        "code": ("codigo de negociacao",),
        "quantity": ("quantidade",),
        "price": ("preco",),
        "value": ("valor",),
    },
    required=frozenset({"date", "side", "market", "code", "quantity", "price"}),
    decimal_comma=True,
)
# The markets whose trades the ledger records: shares, units, ETFs and FIIs, round or odd lots.
RECORDED_MARKETS = frozenset({"mercado a vista", "mercado fracionario"})
SIDES = {"compra": Kind.BUY, "venda": Kind.SELL}


def negociacao_row(row: Mapped, fields: Fields) -> None:
    if fields.blank("side", "code"):
        _totals(row, fields)
        return
    code = fields.text("code")
    row.date = fields.lenient(fields.day, "date")
    row.ticker = code
    row.quantity = fields.lenient(fields.number, "quantity")
    row.price = fields.lenient(fields.number, "price")
    row.amount = fields.lenient(fields.number, "value")
    title = products.treasury(code or "")
    market = fields.text("market") or ""
    if title is None and cells.key(market) not in RECORDED_MARKETS:
        row.ignore(
            "market_not_recorded",
            f"{market or 'An empty market'}: only cash-market and odd-lot trades are recorded"
            " (options, futures and forwards are not).",
            market=market,
        )
        return
    side = fields.text("side", required=True) or ""
    kind = SIDES.get(cells.key(side))
    if kind is None:
        raise RowError(fields.header("side"), "unknown_trade_type", f"{side!r}: Compra or Venda")
    if title is not None:  # a Tesouro Direto title, whatever market B3 names
        _treasury_trade(row, fields, kind=kind, title=title, product="code")
        return
    asset = products.listed(fields.text("code", required=True) or "")
    if asset is None:
        raise RowError(fields.header("code"), "not_a_b3_ticker", f"{code!r} is not a B3 ticker")
    row.kind, row.ticker = kind.value, asset.ticker
    row.date = fields.day("date", required=True)
    row.quantity = fields.number("quantity", required=True)
    row.price = fields.number("price", required=True)
    row.entry = {
        "kind": kind.value,
        "date": row.date,
        "ticker": asset.ticker,
        "quantity": row.quantity,
        "price": row.price,
        "settlement": "external",
    }
    row.columns = {
        "date": fields.header("date"),
        "ticker": fields.header("code"),
        "quantity": fields.header("quantity"),
        "price": fields.header("price"),
    }


# ---- b3_movimentacao -----------------------------------------------------------------------

MOVIMENTACAO = Layout(
    name="b3_movimentacao",
    columns={
        "direction": ("entrada/saida",),
        "date": ("data",),
        "movement": ("movimentacao",),
        "product": ("produto",),
        "institution": ("instituicao",),
        "quantity": ("quantidade",),
        "price": ("preco unitario",),
        "value": ("valor da operacao",),
    },
    required=frozenset({"direction", "date", "movement", "product", "quantity", "price", "value"}),
    decimal_comma=True,
)
INCOME = {
    "dividendo": Kind.DIVIDEND,
    "rendimento": Kind.DIVIDEND,
    "juros sobre capital proprio": Kind.JCP,
}
IGNORED_MOVEMENTS = {
    "transferencia - liquidacao": (
        "settlement_row",
        "A trade's settlement: trades come from the negociação extract.",
    ),
    "transferencia": ("settlement_row", "A transfer between custodians: nothing changes hands."),
    "atualizacao": ("update_row", "An update of a position B3 keeps: no movement of its own."),
    "fracao em ativos": (
        "fraction_moved",
        "A fraction set aside for auction: its sale is the Leilão de Fração row.",
    ),
}


def movimentacao_row(row: Mapped, fields: Fields) -> None:
    if fields.blank("movement", "product"):
        _totals(row, fields)
        return
    movement = fields.text("movement") or ""
    name = fields.text("product") or ""
    product = products.product(name)
    _as_given(row, fields, product=product, name=name)
    folded = cells.key(movement)
    if folded in IGNORED_MOVEMENTS:
        code, message = IGNORED_MOVEMENTS[folded]
        row.ignore(code, message, movement=movement)
        return
    if isinstance(product, products.TreasuryTitle):
        _treasury_movement(row, fields, movement=movement, title=product)
        return
    kind = _movement_kind(folded)
    if kind is None:
        row.ignore(
            "movement_not_recorded",
            f"{movement or 'An empty movement'}: not a movement the ledger records.",
            movement=movement,
        )
        return
    if not isinstance(product, products.Listed):
        row.ignore(
            "product_not_recorded",
            f"{name}: only B3-listed tickers are recorded.",
            product=name,
        )
        return
    day = fields.day("date", required=True)
    assert day is not None
    row.date = day
    row.columns = {"date": fields.header("date"), "ticker": fields.header("product")}
    common = {"date": day, "ticker": product.ticker}
    if kind in (Kind.DIVIDEND, Kind.JCP):
        _provento(row, fields, kind=kind, day=day, common=common)
    elif kind is Kind.SPLIT:
        _split(row, fields, added=folded == "desdobro", common=common)
    elif kind is Kind.BONUS:
        _bonus(row, fields, common=common)
    else:
        _auction_sale(row, fields, common=common)


def _as_given(row: Mapped, fields: Fields, *, product: products.Product, name: str) -> None:
    """What the row shows, read leniently: an ignored row still says what it was."""
    row.date = fields.lenient(fields.day, "date")
    row.ticker = product.ticker if isinstance(product, products.Listed) else name
    row.quantity = fields.lenient(fields.number, "quantity")
    row.price = fields.lenient(fields.number, "price")
    row.amount = fields.lenient(fields.number, "value")


def _provento(
    row: Mapped, fields: Fields, *, kind: Kind, day: date, common: dict[str, Any]
) -> None:
    """A dividend, rendimento or JCP credited; a debit (a reversal) is not recorded."""
    if cells.key(fields.text("direction")) != "credito":
        row.ignore("debit_not_recorded", "A debit of a provento (a reversal): not recorded.")
        return
    net = fields.number("value", required=True)
    assert net is not None
    row.kind = kind.value
    if kind is Kind.JCP:
        # B3 shows what was credited: the gross and the tax withheld from the rate in force.
        gross, tax = ledger.jcp_from_net(net, day)
    else:
        gross, tax = net, Decimal(0)
    row.amount, row.tax = gross, tax
    row.entry = {"kind": kind.value, **common, "amount": gross, "tax": tax}
    row.columns |= {"amount": fields.header("value"), "tax": fields.header("value")}


def _split(row: Mapped, fields: Fields, *, added: bool, common: dict[str, Any]) -> None:
    """A desdobro (`added`: the shares credited on top of those held) or a grupamento (B3
    credits the whole new position)."""
    shares = fields.number("quantity", required=True)
    row.kind, row.quantity = Kind.SPLIT.value, shares
    row.entry = {"kind": Kind.SPLIT.value, **common, "ratio": "1:1"}
    if added:
        row.added = shares
    else:
        row.leaves = shares
    row.columns |= {"ratio": fields.header("quantity")}


def _bonus(row: Mapped, fields: Fields, *, common: dict[str, Any]) -> None:
    """A bonificação: the shares credited and the cost attributed to them, when given."""
    row.kind = Kind.BONUS.value
    row.quantity = fields.number("quantity", required=True)
    row.amount = fields.number("value") or Decimal(0)
    row.entry = {"kind": Kind.BONUS.value, **common, "quantity": row.quantity, "amount": row.amount}
    row.columns |= {"quantity": fields.header("quantity"), "amount": fields.header("value")}


def _auction_sale(row: Mapped, fields: Fields, *, common: dict[str, Any]) -> None:
    """The sale of a fraction at auction (Leilão de Fração), settled outside the ledger."""
    row.kind = Kind.SELL.value
    row.quantity = fields.number("quantity", required=True)
    row.price = fields.number("price") or _unit_price(fields, row.quantity)
    row.entry = {
        "kind": Kind.SELL.value,
        **common,
        "quantity": row.quantity,
        "price": row.price,
        "settlement": "external",
    }
    row.columns |= {"quantity": fields.header("quantity"), "price": fields.header("value")}


# Tesouro Direto in the movimentação: a purchase, a sale back to the Tesouro before maturity
# (`Resgate`, or `Venda`), the redemption at maturity, and the semiannual coupons of the
# titles that pay them.
TREASURY_MOVEMENTS = {
    "compra": Kind.BUY,
    "venda": Kind.SELL,
    "resgate": Kind.SELL,
    "resgate antecipado": Kind.SELL,
    "vencimento": Kind.SELL,
    "juros": Kind.INTEREST,
    "pagamento de juros": Kind.INTEREST,
}


def _treasury_movement(
    row: Mapped, fields: Fields, *, movement: str, title: products.TreasuryTitle
) -> None:
    folded = cells.key(movement)
    kind = TREASURY_MOVEMENTS.get(folded)
    if kind is None:
        row.ignore(
            "movement_not_recorded",
            f"{movement or 'An empty movement'}: not a movement the ledger records.",
            movement=movement,
        )
        return
    if kind is not Kind.INTEREST:
        _treasury_trade(row, fields, kind=kind, title=title, product="product")
        row.redemption = folded == "vencimento"
        return
    if cells.key(fields.text("direction")) != "credito":
        row.ignore("debit_not_recorded", "A debit of a coupon (a reversal): not recorded.")
        return
    # A coupon: what was credited, as B3 gives it.
    row.kind, row.treasury = kind.value, title
    row.date = fields.day("date", required=True)
    row.amount = fields.number("value", required=True)
    row.entry = {"kind": kind.value, "date": row.date, "amount": row.amount}
    row.columns = {
        "date": fields.header("date"),
        "ticker": fields.header("product"),
        "amount": fields.header("value"),
    }


def _treasury_trade(
    row: Mapped, fields: Fields, *, kind: Kind, title: products.TreasuryTitle, product: str
) -> None:
    """A purchase or sale of a Tesouro Direto title: the extract's quantity (fractions of a
    title, to 0.01) at its unit price, or at the value over the quantity when no price is
    given."""
    row.kind, row.treasury = kind.value, title
    row.date = fields.day("date", required=True)
    row.quantity = fields.number("quantity", required=True)
    given = fields.number("price")
    row.price = given or _unit_price(fields, row.quantity)
    row.entry = {
        "kind": kind.value,
        "date": row.date,
        "quantity": row.quantity,
        "price": row.price,
        "settlement": "external",
    }
    row.columns = {
        "date": fields.header("date"),
        "ticker": fields.header(product),
        "quantity": fields.header("quantity"),
        "price": fields.header("price" if given else "value"),
    }


def place_treasury(row: Mapped, *, maturities: Sequence[date]) -> date | None:
    """The maturity of a Tesouro Direto row's title: the one among `maturities` (every
    maturity of the title in Tesouro Transparente's file) in the year the extract gives. None,
    the row an error naming its product, when there is none or more than one. A sale dated on
    or after the maturity is the redemption at maturity, dated on it: B3 dates the credit (the
    next business day when the maturity is not one), the ledger redeems a title on its
    maturity, and the two are one."""
    title = row.treasury
    assert title is not None
    assert row.entry is not None
    if title.maturity_year is None:
        row.fail(
            "unknown_treasury_maturity",
            f"{title.name}: the name gives no maturity year.",
            column=row.columns.get("ticker"),
            product=title.name,
            title=title.title,
        )
        return None
    maturity = _maturity_in_year(row, title, title.maturity_year, maturities=maturities)
    if maturity is None or not _dated_by_maturity(row, title, maturity):
        return None
    return maturity


def _maturity_in_year(
    row: Mapped, title: products.TreasuryTitle, year: int, *, maturities: Sequence[date]
) -> date | None:
    """The one maturity of `title` in `year`; None, the row failed, when there is none or more
    than one."""
    found = [day for day in maturities if day.year == year]
    if len(found) == 1:
        return found[0]
    if not found:
        listed = _dates(maturities)
        has = (
            f"; its maturities of {title.title}: {listed}"
            if listed
            else f"; it has no {title.title} that Carteira registers"
        )
        code = "unknown_treasury_maturity"
        message = f"Tesouro Transparente's file has no {title.title} maturing in {year}{has}."
        more = {"available": listed}
    else:
        several = _dates(found)
        code = "ambiguous_treasury_maturity"
        message = (
            f"Tesouro Transparente's file has {len(found)} maturities of {title.title} in"
            f" {year} ({several}); the extract does not say which."
        )
        more = {"maturities": several}
    row.fail(
        code,
        f"{title.name}: {message}",
        column=row.columns.get("ticker"),
        product=title.name,
        title=title.title,
        year=str(year),
        **more,
    )
    return None


def _dates(days: Iterable[date]) -> str:
    """The days in order, dd/mm/yyyy, comma separated."""
    return ", ".join(f"{day:%d/%m/%Y}" for day in sorted(days))


def _dated_by_maturity(row: Mapped, title: products.TreasuryTitle, maturity: date) -> bool:
    """A sale on or after `maturity` is its redemption, dated on it; False, the row failed,
    for a Vencimento dated before the maturity."""
    assert row.entry is not None
    day: date = row.entry["date"]
    if row.entry["kind"] == Kind.SELL.value and day >= maturity:
        row.entry["date"] = maturity
    elif row.redemption:
        row.fail(
            "before_maturity",
            f"{title.name}: a Vencimento on {day:%d/%m/%Y}, before the title's maturity,"
            f" {maturity:%d/%m/%Y}.",
            column=row.columns.get("date"),
            product=title.name,
            date=day.isoformat(),
            maturity_date=maturity.isoformat(),
        )
        return False
    return True


def _movement_kind(folded: str) -> Kind | None:
    if folded in INCOME:
        return INCOME[folded]
    if folded in ("desdobro", "grupamento"):
        return Kind.SPLIT
    if folded == "bonificacao em ativos":
        return Kind.BONUS
    if folded == "leilao de fracao":
        return Kind.SELL
    return None


def _unit_price(fields: Fields, quantity: Decimal | None) -> Decimal:
    """The price of a fraction sold at auction, as the row's value implies it."""
    value = fields.number("value", required=True)
    assert value is not None
    assert quantity is not None
    if not quantity:
        raise RowError(fields.header("quantity"), "missing_value", "the quantity sold is 0")
    return (value / quantity).quantize(EIGHT_PLACES)


# ---- carteira_csv --------------------------------------------------------------------------

# Each column of the ledger's export: its header, and its `br` dialect's header as read here.
_LEDGER_HEADERS = (
    ("date", "data"),
    ("kind", "tipo"),
    ("ticker", "ativo"),
    ("quantity", "quantidade"),
    ("price", "preco"),
    ("amount", "valor"),
    ("fees", "taxas"),
    ("tax", "imposto"),
    ("ratio", "proporcao"),
    ("currency", "moeda"),
    ("settlement", "liquidacao"),
    ("note", "nota"),
    ("source", "origem"),
    ("id", "id"),
)
LEDGER_STANDARD = Layout(
    name="carteira_csv",
    columns={name: (name,) for name, _ in _LEDGER_HEADERS},
    required=frozenset({"date", "kind"}),
    decimal_comma=False,
)
LEDGER_BR = Layout(
    name="carteira_csv (br)",
    columns={name: (pt,) for name, pt in _LEDGER_HEADERS},
    required=frozenset({"date", "kind"}),
    decimal_comma=True,
)
_NUMBERS = ("quantity", "price", "amount", "fees", "tax")
_TEXTS = ("ticker", "ratio", "currency", "settlement", "note")
# What the export put before a cell that a spreadsheet would run as a formula.
_NEUTRALIZED = re.compile(r"(^|[,;\t\r\n])'([=+\-@\t\r])")


def ledger_row(row: Mapped, fields: Fields) -> None:
    if fields.blank("kind"):
        _totals(row, fields)
        return
    kind_text = fields.text("kind", required=True) or ""
    try:
        kind = Kind(kind_text.lower())
    except ValueError:
        raise RowError(
            fields.header("kind"), "unknown_kind", f"{kind_text!r} is not a kind"
        ) from None
    accepted = MODELS_BY_KIND[kind].model_fields
    entry: dict[str, Any] = {"kind": kind.value, "date": fields.day("date", required=True)}
    for name in _NUMBERS:
        if name in accepted and (number := fields.number(name)) is not None:
            entry[name] = number
    for name in _TEXTS:
        if name in accepted and (value := fields.text(name)) is not None:
            entry[name] = _NEUTRALIZED.sub(r"\1\2", value) if name == "note" else value
    row.kind, row.date, row.ticker = kind.value, entry["date"], entry.get("ticker")
    row.quantity, row.price = entry.get("quantity"), entry.get("price")
    row.amount, row.tax, row.ratio = entry.get("amount"), entry.get("tax"), entry.get("ratio")
    row.entry = entry
    row.columns = {name: fields.header(name) for name in entry}


# ---- reading a file ------------------------------------------------------------------------

LAYOUTS: dict[ImportFormat, tuple[tuple[Layout, Mapper], ...]] = {
    ImportFormat.B3_NEGOCIACAO: ((NEGOCIACAO, negociacao_row),),
    ImportFormat.B3_MOVIMENTACAO: ((MOVIMENTACAO, movimentacao_row),),
    ImportFormat.CARTEIRA_CSV: ((LEDGER_STANDARD, ledger_row), (LEDGER_BR, ledger_row)),
}


def _totals(row: Mapped, fields: Fields) -> None:
    said = " ".join(cells.key(cell) for cell in fields.cells if cells.text(cell))
    row.ignore(
        "totals_row",
        "A totals row or a note: no movement in it."
        if "total" in said
        else "No movement in it: not a row of the extract.",
    )


def read(data: bytes, fmt: ImportFormat, *, max_rows: int = MAX_ROWS) -> list[Mapped]:
    """Every row of the file after its header, mapped (more than `max_rows` is refused)."""
    layouts = LAYOUTS[fmt]
    closest: list[str] | None = None  # the columns missing from the likeliest header
    for sheet in sheets(data):
        lines = sheet.lines
        for _ in range(HEADER_SEARCH_ROWS):
            line = next(lines, None)
            if line is None:
                break
            for layout, mapper in layouts:
                positions = layout.find(line[1])
                if positions is not None:
                    headers = {
                        name: cells.text(line[1][index]) or name
                        for name, index in positions.items()
                    }
                    return _rows(lines, layout, mapper, positions, headers, max_rows)
            missing = layouts[0][0].missing(line[1])
            if closest is None or len(missing) < len(closest):
                closest = missing
    missing = closest if closest is not None else layouts[0][0].missing([])
    raise ColumnsNotFoundError(
        f"No header with the columns of {fmt.value} in the first {HEADER_SEARCH_ROWS} rows;"
        f" missing: {', '.join(missing)}.",
        fields={"format": fmt.value, "missing": ", ".join(missing)},
    )


def _rows(
    lines: Iterator[Line],
    layout: Layout,
    mapper: Mapper,
    positions: dict[str, int],
    headers: dict[str, str],
    max_rows: int,
) -> list[Mapped]:
    rows: list[Mapped] = []
    for line, cells_ in lines:
        if len(rows) >= max_rows:
            raise TooManyRowsError(
                f"The file has more than {max_rows} rows; split it.",
                fields={"limit": str(max_rows)},
            )
        row = Mapped(line=line, status=RowStatus.NEW)
        try:
            mapper(row, Fields(cells_, positions, headers, decimal_comma=layout.decimal_comma))
        except RowError as exc:
            row.fail(exc.code, f"{exc.column}: {exc.message}.", column=exc.column)
        rows.append(row)
    return rows
