from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, Response

from carteira.allocations import exports, performance, service
from carteira.allocations.dependencies import ChosenBenchmarks, LedgerServices
from carteira.allocations.exceptions import (
    AllocationNotFoundError,
    AmountOutOfRangeError,
    AsOfInFutureError,
    CurrencyNotHeldError,
    InsufficientQuantityError,
    InvalidPatchError,
    NoPriceOnDateError,
    NothingToReviewError,
    QuantityTooSmallError,
    TooManyToRankError,
    TransactionNotFoundError,
)
from carteira.allocations.schemas import (
    AllocationCreate,
    AllocationOut,
    AllocationPage,
    AllocationPatch,
    ClientFiguresPage,
    ClientListQuery,
    LedgerWriteOut,
    PerformanceOut,
    PositionsOut,
    RealizedOut,
    TransactionIn,
    TransactionOut,
    TransactionPage,
    TransactionPatch,
    TransactionQuery,
    TransactionWritten,
)
from carteira.assets.exceptions import UnknownAssetError
from carteira.auth.dependencies import CurrentUser, WriterUser
from carteira.clients.dependencies import Scope, client_router
from carteira.clients.schemas import ClientPage
from carteira.core.dependencies import EventsDep, JobsDep, export_request
from carteira.core.errors import InvalidInputError
from carteira.core.exports import (
    EXPORT_RESPONSES,
    CsvDialect,
    ExportFormat,
    OutputFormat,
    TooManyExportsError,
)
from carteira.core.openapi import raises
from carteira.core.pagination import Pagination
from carteira.core.query import parse_query
from carteira.core.responses import json_response
from carteira.core.types import CalendarDate, CurrencyQuery, PathId
from carteira.pricing.dependencies import MarketDep
from carteira.pricing.exceptions import TICKER_LOOKUP_ERRORS

router = client_router(tags=["ledger"])
# GET /clients: the clients' list lives here, above `clients`, since it may carry figures.
clients_list_router = APIRouter(prefix="/clients", tags=["clients"])


@clients_list_router.get("", response_model=ClientFiguresPage | ClientPage)
@raises(TooManyToRankError)
async def clients_list(
    scope: Scope,
    query: Annotated[ClientListQuery, Depends(parse_query(ClientListQuery))],
    services: LedgerServices,
) -> Response:
    """Clients by name (or creation time), searched in name and email: an advisor's own only.
    `figures=true` adds each one's `aum` and `month_return_pct`; `sort=-aum` or
    `sort=-month_return` (or ascending) ranks every matching client by that figure."""
    text = await service.list_clients_json(
        query=query,
        scope=scope,
        market=services.market,
        events=services.events,
        jobs=services.jobs,
    )
    return Response(text, media_type="application/json")


# ---- the ledger ----------------------------------------------------------------------------


@router.get("/transactions", response_model=TransactionPage, responses=EXPORT_RESPONSES)
@raises(TooManyExportsError)
async def transactions_list(
    request: Request,
    client_id: PathId,
    query: Annotated[TransactionQuery, Query()],
    user: CurrentUser,
    events: EventsDep,
    format: OutputFormat = OutputFormat.JSON,
    dialect: CsvDialect = CsvDialect.STANDARD,
) -> Response:
    """The client's ledger, newest first; filter by `kind`, `asset_id`, `start`, `end`.
    `format=csv|xlsx` exports every entry that matches (oldest first, no pages) with the
    figures as entered: the file `carteira_csv` imports (`dialect=br`: `;`, decimal commas,
    dd/mm/aaaa and Portuguese headers)."""
    if format is not OutputFormat.JSON:
        export = export_request(
            request, user_id=user.id, export_format=ExportFormat(format.value), dialect=dialect
        )
        rows = await service.ledger_rows(
            client_id=client_id, query=query, idle_seconds=export.deadline_seconds
        )
        return exports.ledger_export(client_id=client_id, rows=rows, request=export)
    page = await service.list_transactions(client_id=client_id, query=query, events=events)
    return json_response(page)


@router.post("/transactions", response_model=TransactionWritten, status_code=HTTPStatus.CREATED)
@raises(
    InsufficientQuantityError,
    AmountOutOfRangeError,
    UnknownAssetError,
    NoPriceOnDateError,
    QuantityTooSmallError,
    *TICKER_LOOKUP_ERRORS,
)
async def transactions_create(
    client_id: PathId,
    body: Annotated[TransactionIn, Body()],
    user: WriterUser,
    services: LedgerServices,
    response: Response,
) -> TransactionWritten:
    """Any kind: buy, sell, dividend, jcp, interest, fee, tax, split, bonus, deposit,
    withdrawal. A buy or sell may give the `amount` of money instead of the `quantity`: the
    quantity is the amount over the unit price (`price`, else the asset's close of the date;
    422 `no_price_on_date` when it has none). A write that would leave a quantity below zero
    on any date (422 `insufficient_quantity`), or take a figure of the ledger to 10^16 or
    beyond (422 `amount_out_of_range`), is refused and nothing is written. The provider-made
    entries the write changed (they follow the quantity held before their ex dates) are in
    `provider_changes`."""
    recorded = await service.record_transaction(
        client_id=client_id, data=body, actor_id=user.id, services=services
    )
    response.headers["Location"] = f"/clients/{client_id}/transactions/{recorded.id}"
    return recorded


@router.get("/transactions/{transaction_id}", response_model=TransactionOut)
@raises(TransactionNotFoundError)
async def transactions_get(
    client_id: PathId, transaction_id: PathId, events: EventsDep
) -> TransactionOut:
    """One entry of the ledger."""
    return await service.get_transaction(
        client_id=client_id, transaction_id=transaction_id, events=events
    )


@router.patch("/transactions/{transaction_id}", response_model=TransactionWritten)
@raises(
    TransactionNotFoundError, InsufficientQuantityError, AmountOutOfRangeError, InvalidPatchError
)
async def transactions_update(
    client_id: PathId,
    transaction_id: PathId,
    body: TransactionPatch,
    user: WriterUser,
    services: LedgerServices,
) -> TransactionWritten:
    """Correct an entry (only the fields its kind has); the whole ledger is checked again. A
    provider-made entry corrected here is the user's: never overwritten, only flagged
    (`needs_review`) when the quantity it was paid on changes."""
    return await service.update_transaction(
        client_id=client_id,
        transaction_id=transaction_id,
        data=body,
        actor_id=user.id,
        services=services,
    )


@router.delete("/transactions/{transaction_id}", response_model=LedgerWriteOut)
@raises(TransactionNotFoundError, InsufficientQuantityError, AmountOutOfRangeError)
async def transactions_delete(
    client_id: PathId, transaction_id: PathId, user: WriterUser, services: LedgerServices
) -> LedgerWriteOut:
    """Remove an entry (one the provider made stays removed); the answer lists the
    provider-made entries the removal changed."""
    return await service.delete_transaction(
        client_id=client_id, transaction_id=transaction_id, actor_id=user.id, services=services
    )


@router.post("/transactions/{transaction_id}/accept-provider", response_model=LedgerWriteOut)
@raises(
    TransactionNotFoundError, NothingToReviewError, InsufficientQuantityError, AmountOutOfRangeError
)
async def transactions_accept_provider(
    client_id: PathId, transaction_id: PathId, user: WriterUser, services: LedgerServices
) -> LedgerWriteOut:
    """Accept the provider's figure of an entry a user edited and the ledger has since moved
    (`needs_review`): it takes `provider_amount` (the tax withheld keeps its rate), or is
    removed when that is 0 (nothing held; not dismissed, so it comes back with the shares).
    409 `nothing_to_review` when the entry is not flagged."""
    return await service.accept_provider_figure(
        client_id=client_id, transaction_id=transaction_id, actor_id=user.id, services=services
    )


# ---- what the ledger adds up to ------------------------------------------------------------


@router.get("/positions", response_model=PositionsOut, responses=EXPORT_RESPONSES)
@raises(TooManyExportsError, AsOfInFutureError)
async def positions_get(
    request: Request,
    client_id: PathId,
    user: CurrentUser,
    market: MarketDep,
    events: EventsDep,
    as_of: CalendarDate | None = None,
    format: OutputFormat = OutputFormat.JSON,
    dialect: CsvDialect = CsvDialect.STANDARD,
) -> Response:
    """Per asset: quantity, preço médio, cost, market value, unrealized and realized P&L,
    income, total return, weight; cash per currency; totals per currency (`format=csv|xlsx`
    to export). `as_of=YYYY-MM-DD`: as they stood at that day's end — the ledger through it,
    the last stored closes on or before it, its stored exchange rates, renda fixa taxed as a
    redemption that day (today: the live answer; a later date: 422 `as_of_in_future`)."""
    if as_of is not None:
        positions = await service.client_positions_on(
            client_id=client_id, as_of=as_of, market=market, events=events
        )
        if format is OutputFormat.JSON:
            return json_response(positions)
    elif format is OutputFormat.JSON:
        text = await service.client_positions_json(
            client_id=client_id, market=market, events=events
        )
        return Response(text, media_type="application/json")
    else:
        positions = await service.client_positions(
            client_id=client_id, market=market, events=events
        )
    return exports.positions_export(
        positions=positions,
        request=export_request(
            request, user_id=user.id, export_format=ExportFormat(format.value), dialect=dialect
        ),
    )


@router.get("/realized", response_model=RealizedOut)
@raises(InvalidInputError)
async def realized_get(
    client_id: PathId,
    events: EventsDep,
    start: CalendarDate | None = None,
    end: CalendarDate | None = None,
) -> Response:
    """Every sale with proceeds, cost at the average and gain, summed per month and per asset
    type (the base of the monthly income-tax return)."""
    realized = await service.client_realized(
        client_id=client_id, start=start, end=end, events=events
    )
    return json_response(realized)


@router.get("/performance", response_model=PerformanceOut, responses=EXPORT_RESPONSES)
@raises(InvalidInputError, CurrencyNotHeldError, TooManyExportsError)
async def performance_get(
    request: Request,
    client_id: PathId,
    user: CurrentUser,
    market: MarketDep,
    events: EventsDep,
    jobs: JobsDep,
    benchmarks: ChosenBenchmarks,
    start: CalendarDate | None = None,
    end: CalendarDate | None = None,
    currency: CurrencyQuery = None,
    format: OutputFormat = OutputFormat.JSON,
    dialect: CsvDialect = CsvDialect.STANDARD,
) -> Response:
    """Totals, XIRR, TWR, period returns, the monthly table, volatility, drawdown and the
    daily curve from the ledger and the stored closes, beside the benchmarks asked for
    (`format=csv|xlsx` exports the curve; XLSX adds the monthly table)."""
    result = await performance.client_performance(
        client_id=client_id,
        start=start,
        end=end,
        currency=currency,
        benchmarks=benchmarks,
        market=market,
        events=events,
        jobs=jobs,
    )
    if format is not OutputFormat.JSON:
        return exports.performance_export(
            performance=result,
            request=export_request(
                request, user_id=user.id, export_format=ExportFormat(format.value), dialect=dialect
            ),
        )
    return json_response(result)


# ---- compatibility: allocations are buys, listed as their open lots --------------------------

allocations_router = client_router(tags=["allocations"])


@allocations_router.get("/allocations", response_model=AllocationPage)
async def allocations_list(
    client_id: PathId, params: Pagination, events: EventsDep, market: MarketDep
) -> Response:
    """The open lots: what remains of each purchase (first in, first out, split-adjusted),
    marked to market. Use /transactions to record anything else."""
    text = await service.list_allocations_json(
        client_id=client_id, params=params, events=events, market=market
    )
    return Response(text, media_type="application/json")


@allocations_router.post(
    "/allocations", response_model=AllocationOut, status_code=HTTPStatus.CREATED
)
@raises(AmountOutOfRangeError, UnknownAssetError, *TICKER_LOOKUP_ERRORS)
async def allocations_create(
    client_id: PathId,
    body: AllocationCreate,
    user: WriterUser,
    services: LedgerServices,
    response: Response,
) -> AllocationOut:
    """Records a `buy` with external settlement."""
    created = await service.create_allocation(
        client_id=client_id, data=body, actor_id=user.id, services=services
    )
    response.headers["Location"] = f"/clients/{client_id}/transactions/{created.id}"
    return created


@allocations_router.patch("/allocations/{allocation_id}", response_model=AllocationOut)
@raises(AllocationNotFoundError, InsufficientQuantityError, AmountOutOfRangeError)
async def allocations_update(
    client_id: PathId,
    allocation_id: PathId,
    body: AllocationPatch,
    user: WriterUser,
    services: LedgerServices,
) -> AllocationOut:
    """Correct a purchase (its lot is recomputed, first in first out)."""
    return await service.update_allocation(
        client_id=client_id,
        allocation_id=allocation_id,
        data=body,
        actor_id=user.id,
        services=services,
    )


@allocations_router.delete("/allocations/{allocation_id}", status_code=HTTPStatus.NO_CONTENT)
@raises(AllocationNotFoundError, InsufficientQuantityError, AmountOutOfRangeError)
async def allocations_delete(
    client_id: PathId, allocation_id: PathId, user: WriterUser, services: LedgerServices
) -> Response:
    """Remove a purchase (refused when later sales would go short)."""
    await service.delete_allocation(
        client_id=client_id, allocation_id=allocation_id, actor_id=user.id, services=services
    )
    return Response(status_code=HTTPStatus.NO_CONTENT)
