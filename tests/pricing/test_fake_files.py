"""The fakes of Tesouro Transparente's file and CVM's zips themselves: shapes, periods, the
year's zip, and the faults of a file (cut in transfer, cut at the source)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from datetime import date

import aiohttp
import pytest

from tests.fakes.cvm import DAILY_PATH, HIST_PATH, FakeCvm
from tests.fakes.tesouro import FakeTesouro


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_the_tesouro_file_has_the_portals_shape(http):
    async with FakeTesouro() as tesouro:
        tesouro.add_prices("Tesouro Selic", date(2029, 3, 1), [(date(2026, 12, 4), "17319,83")])
        tesouro.encoding = "latin-1"
        async with http.get(tesouro.prices_url) as response:
            body = await response.read()
    assert response.status == 200
    assert body.decode("latin-1").splitlines() == [
        "Tipo Titulo;Data Vencimento;Data Base;Taxa Compra Manha;Taxa Venda Manha;"
        "PU Compra Manha;PU Venda Manha;PU Base Manha",
        "Tesouro Selic;01/03/2029;04/12/2026;10,25;10,37;17319,83;17319,83;17319,83",
    ]


async def test_a_transfer_cut_short_sends_less_than_it_announces(http):
    async with FakeTesouro() as tesouro:
        tesouro.add_prices("Tesouro Selic", date(2029, 3, 1), [(date(2026, 12, 4), "17319,83")])
        whole = len(tesouro.body())
        tesouro.truncate_next(1)
        async with http.get(tesouro.prices_url) as response:
            assert response.content_length == whole
            with pytest.raises(aiohttp.ClientPayloadError):
                await response.read()
        tesouro.cut_next(1, share=0.5)
        async with http.get(tesouro.prices_url) as response:
            assert len(await response.read()) == whole // 2  # complete, but half the file


def _csv(body: bytes, name: str) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return archive.read(name).decode("latin-1").splitlines()


async def test_cvm_months_have_their_periods_columns_and_old_years_their_zip(http):
    async with FakeCvm() as cvm:
        cvm.add_quotas("11222333000181", [(date(2026, 11, 30), "1.5")], subclass="A")
        cvm.add_quotas("11222333000181", [(date(2022, 6, 30), "1.2"), (date(2020, 1, 2), "1")])
        cvm.move_to_history(2020)
        base = cvm.base_url
        async with http.get(f"{base}{DAILY_PATH}/inf_diario_fi_202611.zip") as response:
            current = _csv(await response.read(), "inf_diario_fi_202611.csv")
        async with http.get(f"{base}{DAILY_PATH}/inf_diario_fi_202206.zip") as response:
            middle = _csv(await response.read(), "inf_diario_fi_202206.csv")
        async with http.get(f"{base}{DAILY_PATH}/inf_diario_fi_202001.zip") as response:
            moved = response.status
        async with http.get(f"{base}{HIST_PATH}/inf_diario_fi_2020.zip") as response:
            oldest = _csv(await response.read(), "inf_diario_fi_202001.csv")
        async with http.get(f"{base}{DAILY_PATH}/inf_diario_fi_202612.zip") as response:
            unpublished = response.status

    assert current == [
        "TP_FUNDO_CLASSE;CNPJ_FUNDO_CLASSE;ID_SUBCLASSE;DT_COMPTC;VL_TOTAL;VL_QUOTA;"
        "VL_PATRIM_LIQ;CAPTC_DIA;RESG_DIA;NR_COTST",
        "FI;11.222.333/0001-81;A;2026-11-30;1523467.89;1.5;1520000.12;0.00;0.00;42",
    ]
    assert middle[0].startswith("TP_FUNDO;CNPJ_FUNDO;DT_COMPTC;")
    assert oldest == [
        "CNPJ_FUNDO;DT_COMPTC;VL_TOTAL;VL_QUOTA;VL_PATRIM_LIQ;CAPTC_DIA;RESG_DIA;NR_COTST",
        "11.222.333/0001-81;2020-01-02;1523467.89;1;1520000.12;0.00;0.00;42",
    ]
    assert (moved, unpublished) == (404, 404)
