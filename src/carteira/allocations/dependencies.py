from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from carteira.allocations.service import Services
from carteira.benchmarks import service as benchmarks
from carteira.benchmarks.exceptions import TooManyBenchmarksError, UnknownBenchmarkError
from carteira.benchmarks.service import Benchmark
from carteira.core.openapi import raises


async def ledger_services(request: Request) -> Services:
    state = request.app.state
    return Services(
        events=state.events,
        market=state.market,
        jobs=state.jobs,
        reporting_currency=state.settings.reporting_currency,
    )


LedgerServices = Annotated[Services, Depends(ledger_services)]


@raises(UnknownBenchmarkError, TooManyBenchmarksError)
async def chosen_benchmarks(
    benchmarks_query: Annotated[
        str | None,
        Query(
            alias="benchmarks",
            max_length=200,
            description="comma-separated: CDI, SELIC, IPCA, IBOV or registered tickers",
            examples=["CDI,IBOV"],
        ),
    ] = None,
) -> list[Benchmark]:
    """The benchmarks asked for, resolved (422 naming the valid ones for an unknown code)."""
    if not benchmarks_query:
        return []
    return await benchmarks.resolve(codes=benchmarks_query.split(","))


ChosenBenchmarks = Annotated[list[Benchmark], Depends(chosen_benchmarks)]
