from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from carteira.allocations.service import Services


async def ledger_services(request: Request) -> Services:
    state = request.app.state
    return Services(
        events=state.events,
        market=state.market,
        jobs=state.jobs,
        reporting_currency=state.settings.reporting_currency,
    )


LedgerServices = Annotated[Services, Depends(ledger_services)]
