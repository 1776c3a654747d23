"""Income tax on renda variável: a client's monthly apuração and DARFs, what their annual
return (DIRPF) asks, and the office's DARFs due in a month.

Every figure of the portfolio (realized sales, income, positions at cost) comes from the
ledger's owner, `allocations.service`; this module classes them by Receita Federal's rules
(`rules`, `classes`) and adds them up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal

from carteira.allocations import service as allocations
from carteira.allocations.service import (
    FixedIncomeRedemption,
    HeldAt,
    IncomeEntry,
    RealizedPart,
    SaleCategory,
)
from carteira.assets import service as assets
from carteira.assets.schemas import AssetClass
from carteira.assets.service import AssetInfo
from carteira.clients import service as clients
from carteira.clients.service import ClientScope
from carteira.core import clock
from carteira.core.calendar import last_business_day_of_month
from carteira.core.events import EventBus
from carteira.tax import classes, pdf, rules
from carteira.tax.classes import Outside
from carteira.tax.exceptions import TaxPeriodInFutureError
from carteira.tax.rules import Month, MonthResult, Sale
from carteira.tax.schemas import (
    AnnualTaxOut,
    ClassTotalOut,
    DarfOut,
    HoldingOut,
    IncomeOut,
    MonthlyTaxOut,
    NotComputedOut,
    PoolMonthOut,
    TaxDueOut,
    TaxDueReportOut,
    TaxMonthOut,
    TaxNoteOut,
)

ZERO = Decimal(0)
HUNDRED = Decimal(100)
JCP = "jcp"
INTEREST = "interest"


def darf_due_date(month: Month) -> date:
    """The DARF of `month`'s apuração is due on the last business day of the next month:
    national banking days, which federal due dates follow (Resolução CMN 4.880/2020)."""
    return last_business_day_of_month(*rules.next_month(month), market="BANKS")


def _last_month(year: int) -> Month:
    """The year's last month with an apuração so far: December, or the current month."""
    today = clock.today()
    if year > today.year:
        raise TaxPeriodInFutureError()
    return (year, 12) if year < today.year else (year, today.month)


# ---- the apuração ---------------------------------------------------------------------------


Classed = Mapping[int, tuple[SaleCategory | None, SaleCategory | None, bool]]


def _classed(infos: Mapping[int, AssetInfo]) -> Classed:
    """Each asset's swing pool, day-trade pool, and whether it is a stock (the exemption)."""
    return {
        asset_id: (
            allocations.sale_category(info, day_trade=False),
            allocations.sale_category(info, day_trade=True),
            classes.exemptable(info),
        )
        for asset_id, info in infos.items()
    }


def _sales(parts: Iterable[RealizedPart], classed: Classed) -> list[Sale]:
    sales = []
    for part in parts:
        swing, day_trade, stock = classed[part.asset_id]
        category = day_trade if part.day_trade else swing
        if category is None:
            continue  # outside the apuração in reais: listed in not_computed
        sales.append(
            Sale(
                date=part.date,
                category=category,
                day_trade=part.day_trade,
                exemptable=stock and category is SaleCategory.COMUM,
                sale_value=part.sale_value,
                gain=part.gain,
            )
        )
    return sales


def _results(
    parts: Sequence[RealizedPart], infos: Mapping[int, AssetInfo], *, year: int, last: Month
) -> list[MonthResult]:
    """The months of `year` up to `last`, walked from the client's first sale (losses and
    totals under the minimum carry over from earlier years)."""
    results = rules.apuracao(
        _sales(parts, _classed(infos)), first=(year, 1), last=last, due_date=darf_due_date
    )
    return [r for r in results if r.month[0] == year]


def _month_out(result: MonthResult) -> TaxMonthOut:
    darf = result.darf
    return TaxMonthOut(
        month=f"{result.month[0]:04d}-{result.month[1]:02d}",
        categories=[
            PoolMonthOut(
                category=p.category,
                sales=p.sales,
                gains=p.gains,
                losses=p.losses,
                exempt_gains=p.exempt_gains,
                loss_carried_in=p.loss_carried_in,
                loss_used=p.loss_used,
                taxable=p.taxable,
                rate_pct=float(p.rate * HUNDRED),
                tax=p.tax,
                irrf=p.irrf,
                loss_carried_out=p.loss_carried_out,
            )
            for p in result.pools
        ],
        darf=DarfOut(
            code=darf.code,
            period=darf.period,
            tax_due=darf.tax_due,
            irrf_deducted=darf.irrf_deducted,
            carried_in=darf.carried_in,
            amount=darf.amount,
            due_date=darf.due_date,
            carried_under_minimum=darf.carried_under_minimum,
        ),
    )


_OUTSIDE = {
    Outside.FOREIGN: "Listed abroad ({currency}): its gains, income and holdings follow Lei"
    " 14.754/2023 (declared yearly, in reais at each date's rate); not worked out here.",
    Outside.CRYPTO: "A crypto-asset: its sales follow their own rules (IN RFB 1.888/2019 and"
    " the GCAP program); not worked out here.",
}


def _not_computed(asset_ids: Iterable[int], infos: Mapping[int, AssetInfo]) -> list[NotComputedOut]:
    listed = []
    for asset_id in sorted(set(asset_ids), key=lambda a: infos[a].ticker):
        info = infos[asset_id]
        reason = classes.outside(info)
        if reason is not None:
            listed.append(
                NotComputedOut(
                    asset_id=asset_id,
                    ticker=info.ticker,
                    reason=reason,
                    detail=_OUTSIDE[reason].format(currency=info.currency),
                )
            )
    return listed


def _notes(asset_ids: Iterable[int], infos: Mapping[int, AssetInfo]) -> list[TaxNoteOut]:
    notes = [
        TaxNoteOut(
            code="irrf_from_sales",
            detail="The IRRF is worked out from the sales (0.005 % of the month's swing sales,"
            " 1 % of each day's positive day-trade result at the day's averages); the brokers'"
            " notes say what they withheld.",
        )
    ]
    doubtful = sorted(infos[a].ticker for a in set(asset_ids) if classes.maybe_an_fii(infos[a]))
    if doubtful:
        notes.append(
            TaxNoteOut(
                code="units_or_fiis",
                detail="Counted as units (stocks, within the R$ 20,000 exemption): an FII or"
                " Fiagro among them must have its type set to FII by an admin.",
                tickers=doubtful,
            )
        )
    return notes


async def monthly(*, client_id: int, year: int, events: EventBus) -> MonthlyTaxOut:
    """The year's monthly apuração (every month up to the current one) and DARFs."""
    await clients.ensure_client_exists(client_id=client_id)  # an admin's guard reads nothing
    last = _last_month(year)
    parts = (
        await allocations.realized_parts(
            client_ids=[client_id], end=rules.last_day(last), events=events
        )
    )[client_id]
    infos = await assets.describe(asset_ids={p.asset_id for p in parts}, events=events)
    results = _results(parts, infos, year=year, last=last)
    of_year = {p.asset_id for p in parts if p.date.year == year}
    return MonthlyTaxOut(
        client_id=client_id,
        year=year,
        months=[_month_out(r) for r in results],
        irrf_left=results[-1].irrf_left,
        not_computed=_not_computed(of_year, infos),
        notes=_notes(of_year, infos),
    )


# ---- the annual return -------------------------------------------------------------------------


def _holding(
    asset_id: int, infos: Mapping[int, AssetInfo], before: HeldAt | None, after: HeldAt | None
) -> HoldingOut:
    info = infos[asset_id]
    return HoldingOut(
        asset_id=asset_id,
        ticker=info.ticker,
        name=info.name,
        asset_class=classes.asset_class(info),
        quantity_before=before.quantity if before else ZERO,
        average_cost_before=before.average_cost if before else None,
        cost_before=before.cost if before else ZERO,
        quantity=after.quantity if after else ZERO,
        average_cost=after.average_cost if after else None,
        cost=after.cost if after else ZERO,
    )


def _income(
    entries: Sequence[IncomeEntry],
    infos: Mapping[int, AssetInfo],
) -> tuple[list[IncomeOut], list[IncomeOut]]:
    """(exempt, exclusively taxed) income by kind and asset: dividends, FII income, JCP.
    Interest entries (coupons) are left out (`interest_not_listed`)."""
    sums: dict[tuple[str, int], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for entry in entries:
        if entry.asset_id is None or classes.outside(infos[entry.asset_id]) is not None:
            continue
        if entry.kind == INTEREST:
            continue
        if entry.kind == JCP:
            kind = "jcp"
        elif infos[entry.asset_id].asset_class is AssetClass.FIIS:
            kind = "fii_income"
        else:
            kind = "dividends"
        sums[(kind, entry.asset_id)][0] += entry.amount
        sums[(kind, entry.asset_id)][1] += entry.tax
    lines = [
        IncomeOut(
            kind=kind,
            asset_id=asset_id,
            ticker=infos[asset_id].ticker,
            gross=gross,
            iof=ZERO,
            withheld=tax,
            net=gross - tax,
        )
        for (kind, asset_id), (gross, tax) in sorted(
            sums.items(), key=lambda item: (item[0][0], infos[item[0][1]].ticker)
        )
    ]
    return [i for i in lines if i.kind != "jcp"], [i for i in lines if i.kind == "jcp"]


async def annual(*, client_id: int, year: int, events: EventBus) -> AnnualTaxOut:
    await clients.ensure_client_exists(client_id=client_id)
    last = _last_month(year)
    start, end = date(year, 1, 1), date(year, 12, 31)
    before_end = date(year - 1, 12, 31)
    parts = (await allocations.realized_parts(client_ids=[client_id], end=end, events=events))[
        client_id
    ]
    held = await allocations.held_at(client_id=client_id, days=[before_end, end])
    entries = await allocations.income_entries(client_id=client_id, start=start, end=end)
    redemptions = await allocations.fixed_income_redemptions(
        client_id=client_id, start=start, end=end, events=events
    )
    before = {h.asset_id: h for h in held[before_end]}
    after = {h.asset_id: h for h in held[end]}
    income_assets = {e.asset_id for e in entries if e.asset_id is not None}
    infos = await assets.describe(
        asset_ids={p.asset_id for p in parts}
        | set(before)
        | set(after)
        | income_assets
        | {r.asset_id for r in redemptions},
        events=events,
    )
    results = _results(parts, infos, year=year, last=last)
    holdings = [
        _holding(asset_id, infos, before.get(asset_id), after.get(asset_id))
        for asset_id in sorted(set(before) | set(after), key=lambda a: infos[a].ticker)
        if classes.outside(infos[asset_id]) is None
    ]
    exempt, exclusive = _income(entries, infos)
    exempt_gains = sum((r.pool(SaleCategory.COMUM).exempt_gains for r in results), ZERO)
    if exempt_gains:
        exempt.append(
            IncomeOut(
                kind="exempt_stock_gains",
                asset_id=None,
                ticker=None,
                gross=exempt_gains,
                iof=ZERO,
                withheld=ZERO,
                net=exempt_gains,
            )
        )
    exempt_redeemed, taxed_redeemed = _redeemed(redemptions, infos)
    exempt += exempt_redeemed
    exclusive += taxed_redeemed
    concerned = (
        {p.asset_id for p in parts if p.date.year == year}
        | set(before)
        | set(after)
        | income_assets
    )
    return AnnualTaxOut(
        client_id=client_id,
        year=year,
        holdings_dates=(before_end, end),
        holdings=holdings,
        holdings_by_class=_by_class(holdings),
        exempt_income=exempt,
        exempt_income_total=sum((i.net for i in exempt), ZERO),
        exclusive_taxation=exclusive,
        exclusive_taxation_total=sum((i.net for i in exclusive), ZERO),
        irrf_left=results[-1].irrf_left,
        monthly=[_month_out(r) for r in results],
        not_computed=_not_computed(concerned, infos),
        notes=[
            *_notes(concerned, infos),
            *_income_notes(entries, parts, infos, year=year),
        ],
    )


def _redeemed(
    redemptions: Sequence[FixedIncomeRedemption], infos: Mapping[int, AssetInfo]
) -> tuple[list[IncomeOut], list[IncomeOut]]:
    """(exempt, exclusively taxed) yields of renda fixa and Tesouro redeemed in the year, by
    asset: LCI, LCA, CRI, CRA and incentivized debentures exempt (Lei 11.033/2004, art. 3, II
    and IV; Lei 12.431/2011, art. 2), the others net of the IOF and the income tax withheld at
    source (IN RFB 1.585/2015, art. 46; Decreto 6.306/2007, art. 32)."""
    sums: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    for redemption in redemptions:
        figures = sums[redemption.asset_id]
        figures[0] += redemption.income
        figures[1] += redemption.iof
        figures[2] += redemption.income_tax
    exempt: list[IncomeOut] = []
    taxed: list[IncomeOut] = []
    for asset_id in sorted(sums, key=lambda a: infos[a].ticker):
        income, iof, income_tax = sums[asset_id]
        info = infos[asset_id]
        line = IncomeOut(
            kind="fixed_income_exempt" if info.income_tax == "exempt" else "fixed_income",
            asset_id=asset_id,
            ticker=info.ticker,
            gross=income,
            iof=iof,
            withheld=income_tax,
            net=income - iof - income_tax,
        )
        (exempt if info.income_tax == "exempt" else taxed).append(line)
    return exempt, taxed


def _income_notes(
    entries: Sequence[IncomeEntry],
    parts: Sequence[RealizedPart],
    infos: Mapping[int, AssetInfo],
    *,
    year: int,
) -> list[TaxNoteOut]:
    """What the year's income figures leave out, when the client has any of it."""
    notes = []
    interest = [e for e in entries if e.kind == INTEREST]
    if interest:
        notes.append(
            TaxNoteOut(
                code="interest_not_listed",
                detail="Interest entries (coupons, interest on cash) are not listed: the"
                " ledger does not say whether they were taxed at source; the paying"
                " institution's informe de rendimentos does.",
                tickers=sorted({infos[e.asset_id].ticker for e in interest if e.asset_id}),
            )
        )
    funds = sorted(
        {
            infos[p.asset_id].ticker
            for p in parts
            if p.date.year == year and infos[p.asset_id].income_tax == "fund"
        }
    )
    if funds:
        notes.append(
            TaxNoteOut(
                code="fund_redemptions_not_listed",
                detail="Redemptions of investment funds are not listed: their income tax"
                " (come-cotas in May and November, the rate by the fund's class) is not"
                " modelled; the administrator's informe de rendimentos states it.",
                tickers=funds,
            )
        )
    return notes


def _by_class(holdings: Sequence[HoldingOut]) -> list[ClassTotalOut]:
    sums: dict[AssetClass, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for holding in holdings:
        sums[holding.asset_class][0] += holding.cost_before
        sums[holding.asset_class][1] += holding.cost
    return [
        ClassTotalOut(asset_class=kind, cost_before=figures[0], cost=figures[1])
        for kind, figures in sorted(sums.items())
    ]


# ---- as PDFs ----------------------------------------------------------------------------------


async def monthly_pdf(*, client_id: int, year: int, events: EventBus) -> bytes:
    """The monthly answer printed in Portuguese, with the DARFs' fields."""
    answer = await monthly(client_id=client_id, year=year, events=events)
    names = await clients.client_names(client_ids=[client_id])
    return await pdf.monthly_pdf(answer=answer, client_name=names[client_id], today=clock.today())


async def annual_pdf(*, client_id: int, year: int, events: EventBus) -> bytes:
    """The annual answer printed in Portuguese, with the year's DARFs."""
    answer = await annual(client_id=client_id, year=year, events=events)
    names = await clients.client_names(client_ids=[client_id])
    return await pdf.annual_pdf(answer=answer, client_name=names[client_id], today=clock.today())


# ---- the office's DARFs ------------------------------------------------------------------------


async def dues(
    *, year: int | None, month: int | None, scope: ClientScope, events: EventBus
) -> TaxDueReportOut:
    """Every client in the scope with a DARF due in the month (the current one by default):
    the DARFs of the month before's apuração."""
    today = clock.today()
    due_month: Month = (year or today.year, month or today.month)
    period = _previous(due_month)
    if period > (today.year, today.month):
        raise TaxPeriodInFutureError()
    first, last = date(*period, 1), rules.last_day(period)
    visible = await clients.visible_client_ids(scope=scope)
    sellers = await allocations.sellers(start=first, end=last, client_ids=visible)
    # A DARF is due only after a month with a sale: a total under the minimum stays carried
    # until a month's own tax brings it to R$ 10.00.
    parts = await allocations.realized_parts(client_ids=sellers, end=last, events=events)
    infos = await assets.describe(
        asset_ids={p.asset_id for mine in parts.values() for p in mine}, events=events
    )
    classed = _classed(infos)
    amounts: dict[int, Decimal] = {}
    for client_id, mine in parts.items():
        results = rules.apuracao(
            _sales(mine, classed), first=period, last=period, due_date=darf_due_date
        )
        if (amount := results[-1].darf.amount) > 0:
            amounts[client_id] = amount
    names = await clients.client_names(client_ids=amounts)
    due = darf_due_date(period)
    label = f"{period[0]:04d}-{period[1]:02d}"
    rows = sorted(
        (
            TaxDueOut(
                client_id=client_id,
                name=names[client_id],
                period=label,
                amount=amount,
                due_date=due,
            )
            for client_id, amount in amounts.items()
        ),
        key=lambda row: (row.name.casefold(), row.client_id),
    )
    return TaxDueReportOut(
        year=due_month[0],
        month=due_month[1],
        period=label,
        due_date=due,
        code=rules.DARF_CODE,
        count=len(rows),
        total=sum((row.amount for row in rows), ZERO),
        clients=rows,
    )


def _previous(month: Month) -> Month:
    year, number = month
    return (year - 1, 12) if number == 1 else (year, number - 1)
