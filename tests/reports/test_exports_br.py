"""CSV for pt-BR spreadsheets (`?dialect=br`): Portuguese headers, dd/mm/aaaa dates, decimal
commas and semicolons; the default dialect keeps English headers and ISO dates (issue #28,
point 21)."""

from __future__ import annotations

import csv
import io
from datetime import date

from carteira.core import clock
from tests.factories import make_asset, make_client


def _rows(response, delimiter: str) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=delimiter))


async def _client(as_admin) -> dict:
    await make_asset(as_admin, "PETR4.SA", price="38.5", previous_close="38")
    client = await make_client(as_admin)
    today = clock.today()
    day = date(today.year, today.month, 1) if today.day > 1 else today
    for body in (
        {"kind": "deposit", "amount": "1000.5", "date": str(day)},
        {"kind": "buy", "ticker": "PETR4.SA", "quantity": "10", "price": "37.25", "date": str(day)},
    ):
        r = await as_admin.post(f"/clients/{client['id']}/transactions", json=body)
        assert r.status_code == 201, r.text
    return {**client, "day": day}


async def test_positions_in_the_br_dialect_read_in_portuguese(as_admin):
    client = await _client(as_admin)
    path = f"/clients/{client['id']}/positions?format=csv"
    header, row = _rows(await as_admin.get(path + "&dialect=br"), ";")
    assert header == [
        "Ativo",
        "Nome",
        "Moeda",
        "Quantidade",
        "Preço médio",
        "Custo",
        "Cotação",
        "Variação no dia (%)",
        "Valor de mercado",
        "Resultado não realizado",
        "Resultado realizado",
        "Proventos",
        "Retorno total",
        "Peso (%)",
        "Classe",
        "Valor bruto",
        "IOF",
        "IR",
        "Valor líquido",
    ]
    assert row[:6] == ["PETR4.SA", "PETR4.SA name", "BRL", "10", "37,25", "372,5"]
    # A listing's class; its taxes are the monthly apuração's, not a redemption's.
    assert row[-5:] == ["acoes", "", "", "", ""]
    header, row = _rows(await as_admin.get(path), ",")
    assert header[:6] == ["ticker", "name", "currency", "quantity", "average_cost", "cost"]
    assert header[-5:] == ["asset_class", "gross_value", "iof", "income_tax", "net_value"]
    assert row[4:6] == ["37.25", "372.5"]


async def test_dates_are_dd_mm_aaaa_in_the_br_dialect_and_iso_otherwise(as_admin):
    client = await _client(as_admin)
    day = client["day"]
    path = f"/clients/{client['id']}/performance?format=csv"
    header, first, *_ = _rows(await as_admin.get(path + "&dialect=br"), ";")
    assert header[:4] == ["Data", "Patrimônio", "Aportes líquidos", "Rentabilidade acumulada (%)"]
    assert first[0] == day.strftime("%d/%m/%Y")
    header, first, *_ = _rows(await as_admin.get(path), ",")
    assert header[:4] == ["date", "value", "invested", "cumulative_twr_pct"]
    assert first[0] == day.isoformat()

    inflows = f"/reports/inflows?year={day.year}&month={day.month}&format=csv"
    header, *rows = _rows(await as_admin.get(inflows + "&dialect=br"), ";")
    assert header[:4] == ["Data", "Código do cliente", "Cliente", "Tipo"]
    assert {r[0] for r in rows} == {day.strftime("%d/%m/%Y")}
    header, *rows = _rows(await as_admin.get(inflows), ",")
    assert header[:4] == ["date", "client_id", "client", "kind"]
    assert {r[0] for r in rows} == {day.isoformat()}
