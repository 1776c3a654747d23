"""A client's monthly statement ("relatório mensal"), printed to PDF.

Nothing here computes a figure: performance, positions, movements, realized gains and the
DARF are asked of `allocations`, `benchmarks` and `tax` (the same calls their JSON routes
make), and only laid out, in Portuguese, by the Jinja2 templates beside this module
(autoescaped: a client's name is text, never markup) and printed by core.pdf (no network).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from carteira.allocations import service as allocations
from carteira.allocations.schemas import (
    PerformanceOut,
    PeriodName,
    PositionOut,
    PositionsOut,
    RealizedMonth,
    TransactionOut,
    TransactionQuery,
)
from carteira.auth import service as auth
from carteira.benchmarks import service as benchmarks
from carteira.clients import service as clients
from carteira.core import clock
from carteira.core.config import Settings
from carteira.core.events import EventBus
from carteira.core.jobs import JobQueue
from carteira.core.pdf import IN_PROCESS, PdfRenderer
from carteira.pricing.service import MarketData
from carteira.statements import charts, formatting
from carteira.statements.exceptions import (
    StatementBeforeFirstEntryError,
    StatementMonthInFutureError,
)
from carteira.tax import service as tax
from carteira.tax.schemas import DarfOut

TEMPLATES = Path(__file__).resolve().with_name("templates")
BENCHMARKS = ("CDI", "IBOV")
PERIODS: tuple[tuple[PeriodName, str], ...] = (
    ("month", "No mês"),
    ("ytd", "No ano"),
    ("12m", "12 meses"),
    ("inception", "Desde o início"),
)
INCOME_KINDS = frozenset({"dividend", "jcp", "interest"})
KIND_LABELS = {
    "buy": "Compra",
    "sell": "Venda",
    "dividend": "Dividendo",
    "jcp": "JCP",
    "interest": "Juros",
    "fee": "Taxa",
    "tax": "Imposto",
    "split": "Desdobramento",
    "bonus": "Bonificação",
    "deposit": "Aporte",
    "withdrawal": "Resgate",
}
# The web app's (static/palette.js): the same colour and name for a class everywhere.
CLASS_LABELS = {
    "pos_fixado": ("Pós-fixado", "#1a5fb4"),
    "prefixado": ("Prefixado", "#00707a"),
    "inflacao": ("Inflação", "#9c5700"),
    "fundos_rf": ("Fundos RF", "#2f7d5b"),
    "multimercado": ("Multimercado", "#6b2f8f"),
    "acoes": ("Ações", "#8a3a3a"),
    "fiis": ("FIIs", "#a3306b"),
    "etfs": ("ETFs", "#4b3fa0"),
    "exterior": ("Exterior", "#5c6b00"),
    "cripto": ("Cripto", "#b0451f"),
    "caixa": ("Caixa", "#3d4a57"),
}
LINE_COLOURS = {"portfolio": "#1a5fb4", "CDI": "#9c5700", "IBOV": "#2f7d5b"}
DISCLAIMER = (
    "Este relatório tem caráter exclusivamente informativo e não constitui oferta, recomendação"
    " ou solicitação de compra ou venda de ativos. Rentabilidade passada não é garantia de"
    " rentabilidade futura. Os valores de mercado usam as últimas cotações disponíveis na data"
    " indicada; os valores líquidos de renda fixa estimam o IR e o IOF de um resgate nessa data"
    " e podem diferir do efetivamente retido. Investimentos não contam com garantia do"
    " administrador, do gestor ou do Fundo Garantidor de Créditos, salvo quando indicado. Confira"
    " os valores com os extratos da B3 e das instituições custodiantes."
)
MOVEMENTS_PAGE = 100


@dataclass(frozen=True)
class PeriodRow:
    label: str
    portfolio: str
    cdi: str
    ibov: str
    pct_of_cdi: str


@dataclass
class StatementFigures:
    """Everything the template prints, already asked of the modules that own it."""

    firm_name: str
    client_id: int
    client_name: str
    advisor: str
    year: int
    month: int
    start: date
    end: date
    partial: bool
    # The offline demo's prices: the statement says so, as the web app's badge does.
    simulated_prices: bool
    issued_on: date
    performance: PerformanceOut
    positions: PositionsOut
    movements: list[TransactionOut]
    realized: list[RealizedMonth]
    darf: DarfOut | None
    value_before: Decimal | None = None
    periods: list[PeriodRow] = field(default_factory=list)

    @property
    def month_label(self) -> str:
        return formatting.month_name(self.year, self.month)

    @property
    def proventos(self) -> list[TransactionOut]:
        return [m for m in self.movements if m.kind.value in INCOME_KINDS]

    @property
    def value_change(self) -> Decimal | None:
        value = self.performance.totals.value
        if value is None or self.value_before is None:
            return None
        return value - self.value_before


def month_bounds(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


async def check_month(*, client_id: int, year: int, month: int) -> tuple[date, date, bool]:
    """(first day, last day the figures reach, partial) of a month the client has a
    statement for; 422 for a month not begun or one ending before the client's first entry."""
    today = clock.today()
    first, last = month_bounds(year, month)
    if first > today:
        raise StatementMonthInFutureError(
            f"{year}-{month:02d} has not begun yet: there is no statement for it."
        )
    entered = await allocations.first_entry_date(client_id=client_id)
    if entered is not None and last < entered:
        raise StatementBeforeFirstEntryError(
            f"The client's first entry is on {entered.isoformat()}: ask for "
            f"{entered.year}-{entered.month:02d} or a later month.",
            fields={"first_entry": entered.isoformat()},
        )
    # A month is closed once its last day has passed (its closes are in).
    return first, min(last, today), last >= today


async def _movements(
    *, client_id: int, start: date, end: date, events: EventBus
) -> list[TransactionOut]:
    found: list[TransactionOut] = []
    page = 1
    while True:
        listed = await allocations.list_transactions(
            client_id=client_id,
            query=TransactionQuery(start=start, end=end, page=page, page_size=MOVEMENTS_PAGE),
            events=events,
        )
        found += listed.items
        if len(found) >= listed.total or not listed.items:
            break
        page += 1
    return sorted(found, key=lambda m: (m.date, m.id))


def _value_on(performance: PerformanceOut, day: date) -> Decimal | None:
    """The curve's patrimônio at `day`'s close (its last point up to then)."""
    before = [point for point in performance.series if point.date <= day]
    return before[-1].value if before else None


def _period_rows(performance: PerformanceOut) -> list[PeriodRow]:
    beside = {b.code: b for b in performance.benchmarks}
    rows = []
    for key, label in PERIODS:
        cdi, ibov = beside.get("CDI"), beside.get("IBOV")
        rows.append(
            PeriodRow(
                label=label,
                portfolio=formatting.pct(performance.periods.get(key)),
                cdi=formatting.pct(cdi.periods.get(key) if cdi else None),
                ibov=formatting.pct(ibov.periods.get(key) if ibov else None),
                pct_of_cdi=formatting.pct(performance.pct_of_cdi_periods.get(key)),
            )
        )
    return rows


async def figures(
    *,
    client_id: int,
    year: int,
    month: int,
    settings: Settings,
    market: MarketData,
    events: EventBus,
    jobs: JobQueue,
) -> StatementFigures:
    client = await _client(client_id)
    start, end, partial = await check_month(client_id=client_id, year=year, month=month)
    chosen = await benchmarks.resolve(codes=BENCHMARKS)
    performance = await allocations.client_performance(
        client_id=client_id,
        start=None,
        end=end,
        currency=None,
        benchmarks=chosen,
        market=market,
        events=events,
        jobs=jobs,
    )
    # What was held at the period's end, valued then (the month's last close; today's live
    # prices while the month runs): the positions table and the allocation chart alike.
    positions = await allocations.client_positions_on(
        client_id=client_id, as_of=end, market=market, events=events
    )
    movements = await _movements(client_id=client_id, start=start, end=end, events=events)
    realized = await allocations.client_realized(
        client_id=client_id, start=start, end=end, events=events
    )
    monthly_tax = await tax.monthly(client_id=client_id, year=year, events=events)
    key = f"{year}-{month:02d}"
    darf = next((m.darf for m in monthly_tax.months if m.month == key), None)
    advisor = "—"
    if client.advisor_id is not None:
        emails = await auth.user_emails(user_ids=[client.advisor_id])
        advisor = emails.get(client.advisor_id, "—")
    result = StatementFigures(
        firm_name=settings.firm_name,
        client_id=client_id,
        client_name=client.name,
        advisor=advisor,
        year=year,
        month=month,
        start=start,
        end=end,
        partial=partial,
        simulated_prices=settings.market_data_provider == "simulated",
        issued_on=clock.today(),
        performance=performance,
        positions=positions,
        movements=movements,
        realized=[r for r in realized.by_month if r.month == key],
        darf=darf,
        value_before=_value_on(performance, start - timedelta(days=1)),
    )
    result.periods = _period_rows(performance)
    return result


@dataclass(frozen=True)
class _Client:
    name: str
    advisor_id: int | None


async def _client(client_id: int) -> _Client:
    labels = await clients.labels(client_ids=[client_id])
    if client_id not in labels:
        await clients.ensure_client_exists(client_id=client_id)  # 404
    label = labels[client_id]
    return _Client(name=label.name, advisor_id=label.advisor_id)


# ---- the document ----------------------------------------------------------------------------


def _class_of(key: str) -> tuple[str, str]:
    return CLASS_LABELS.get(key, (key, "#6b7785"))


def _curve(performance: PerformanceOut) -> Markup:
    lines = [
        charts.Line(
            "Carteira",
            LINE_COLOURS["portfolio"],
            [
                (p.date, p.cumulative_twr_pct)
                for p in performance.series
                if p.cumulative_twr_pct is not None
            ],
        )
    ]
    for bench in performance.benchmarks:
        lines.append(
            charts.Line(
                "IBOVESPA" if bench.code == "IBOV" else bench.code,
                LINE_COLOURS.get(bench.code, "#6b7785"),
                [(p.date, p.cumulative_pct) for p in bench.series if p.cumulative_pct is not None],
            )
        )
    return charts.line_chart(lines, title="Rentabilidade acumulada")


def _allocation(positions: PositionsOut) -> Markup:
    bars = [
        charts.Bar(
            label=_class_of(item.asset_class.value)[0],
            colour=_class_of(item.asset_class.value)[1],
            weight_pct=item.weight_pct,
            value_text=formatting.money(item.market_value),
        )
        for item in positions.by_class
    ]
    return charts.bar_chart(bars, title="Alocação por classe")


def _is_fixed_income(position: PositionOut) -> bool:
    return position.net_value is not None


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=formatting.money,
        pct=formatting.pct,
        day=formatting.day,
        number=formatting.number,
        kind=lambda kind: KIND_LABELS.get(str(getattr(kind, "value", kind)), str(kind)),
        asset_class=lambda key: _class_of(str(getattr(key, "value", key)))[0],
    )
    return env


@cache
def _stylesheet() -> str:
    return (TEMPLATES / "statement.css").read_text(encoding="utf-8")


def html_of(data: StatementFigures) -> str:
    return (
        _environment()
        .get_template("statement.html")
        .render(
            s=data,
            disclaimer=DISCLAIMER,
            curve=_curve(data.performance),
            allocation=_allocation(data.positions),
            is_fixed_income=_is_fixed_income,
        )
    )


async def statement_pdf(
    *,
    client_id: int,
    year: int,
    month: int,
    settings: Settings,
    market: MarketData,
    events: EventBus,
    jobs: JobQueue,
    renderer: PdfRenderer = IN_PROCESS,
) -> bytes:
    """The client's statement of the month, figures gathered here and printed by `renderer`."""
    data = await figures(
        client_id=client_id,
        year=year,
        month=month,
        settings=settings,
        market=market,
        events=events,
        jobs=jobs,
    )
    return await pdf_of(data, renderer=renderer)


async def pdf_of(data: StatementFigures, *, renderer: PdfRenderer = IN_PROCESS) -> bytes:
    """The statement printed by `renderer`: in a thread of this process unless a batch's."""
    return await renderer.render(
        html_of(data), stylesheets=[_stylesheet()], static_dirs=[TEMPLATES]
    )


def file_name(*, client_id: int, name: str, year: int, month: int) -> str:
    """An ASCII file name: `relatorio-2026-11-000042-maria-jose.pdf`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    return f"relatorio-{year}-{month:02d}-{client_id:06d}{'-' + slug if slug else ''}.pdf"
