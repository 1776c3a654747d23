"""The document's examples are real: each validates against the model it illustrates."""

from __future__ import annotations

import pytest

from carteira.allocations import examples as ledger
from carteira.allocations.schemas import PerformanceOut, PositionsOut, TransactionOut
from carteira.clients import examples as clients
from carteira.clients.schemas import ClientCreate, ClientOut
from carteira.imports import examples as imports
from carteira.imports.schemas import ImportOut
from carteira.reports import examples as reports
from carteira.reports.schemas import InflowsOut


@pytest.mark.parametrize(
    ("model", "example"),
    [
        (ClientCreate, clients.CLIENT_CREATE),
        (ClientOut, clients.CLIENT),
        (TransactionOut, ledger.TRANSACTION),
        (PositionsOut, ledger.POSITIONS),
        (PerformanceOut, ledger.PERFORMANCE),
        (InflowsOut, reports.INFLOWS),
        (ImportOut, imports.IMPORT),
    ],
)
def test_each_example_validates_and_is_in_the_schema(model, example):
    model.model_validate(example)
    assert model.model_json_schema()["examples"] == [example]
