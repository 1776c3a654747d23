from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from carteira.allocations import service as ledger
from carteira.imports.service import ImportServices


async def import_services(request: Request) -> ImportServices:
    state = request.app.state
    return ImportServices(
        ledger=ledger.Services(
            events=state.events,
            market=state.market,
            jobs=state.jobs,
            reporting_currency=state.settings.reporting_currency,
        ),
        max_bytes=state.settings.max_import_bytes,
    )


ImportServicesDep = Annotated[ImportServices, Depends(import_services)]
