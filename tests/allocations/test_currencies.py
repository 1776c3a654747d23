"""Currencies are ISO 4217 codes of money (a maintained list), not any three letters: measured
before, `XXX` and `ZZZ` deposits were accepted, an FX job ran for each and its invented rates
reached the AUM."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from carteira.core.config import Settings
from carteira.core.currencies import CURRENCIES
from tests.factories import list_on_yahoo, make_asset, make_client

DAY = "2026-03-02"
NOT_MONEY = ["XXX", "ZZZ", "XTS", "XAU", "ABC", "xxx"]


async def _job(api, job_id: str) -> str:
    return (await api.get(f"/jobs/{job_id}")).json()["status"]


@pytest.mark.parametrize("code", NOT_MONEY)
async def test_cash_entries_take_only_iso_currencies(as_admin, code):
    client = await make_client(as_admin)
    path = f"/clients/{client['id']}/transactions"
    for body in (
        {"kind": "deposit", "amount": "100"},
        {"kind": "withdrawal", "amount": "100"},
        {"kind": "fee", "amount": "10"},
        {"kind": "tax", "amount": "10"},
        {"kind": "interest", "amount": "10"},
    ):
        r = await as_admin.post(path, json={**body, "date": DAY, "currency": code})
        assert r.status_code == 422, r.text
        assert r.json()["code"] == "validation_error"
        assert r.json()["detail"][0]["loc"][-1] == "currency"
    assert (await as_admin.get(path)).json()["total"] == 0
    assert await _job(as_admin, f"fx:{code.upper()}:{DAY}") == "not_found"


async def test_real_currencies_in_any_case_are_kept_upper_case(as_admin):
    client = await make_client(as_admin)
    path = f"/clients/{client['id']}/transactions"
    # The CFA franc begins with an X and is money all the same.
    for code, stored in (("usd", "USD"), ("XOF", "XOF"), ("eur", "EUR")):
        r = await as_admin.post(
            path, json={"kind": "deposit", "date": DAY, "amount": "100", "currency": code}
        )
        assert r.status_code == 201, r.text
        assert r.json()["currency"] == stored
    assert await _job(as_admin, f"fx:USD:{DAY}") != "not_found"  # the control: USD's rates


@pytest.mark.parametrize("code", ["ZZZ", "XXX", "XAU", "BRLX"])
async def test_currency_filters_take_only_iso_currencies(as_admin, code):
    client = await make_client(as_admin)
    for path in (
        f"/reports/inflows?year=2026&month=3&currency={code}",
        f"/clients/{client['id']}/performance?currency={code}",
    ):
        r = await as_admin.get(path)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["code"] == "validation_error"
        assert r.json()["detail"][0]["loc"] == ["query", "currency"]
    r = await as_admin.get("/reports/inflows?year=2026&month=3&currency=usd")
    assert r.status_code == 200


@pytest.mark.parametrize("code", ["XXX", "ZZZ", "XAU", "XTS"])
def test_the_reporting_currency_is_a_currency(code):
    with pytest.raises(ValidationError, match="not the ISO 4217 code of a currency"):
        Settings(_env_file=None, reporting_currency=code)  # type: ignore[call-arg]
    assert Settings(_env_file=None, reporting_currency="USD").reporting_currency == "USD"  # type: ignore[call-arg]


async def test_an_asset_quoted_in_no_currency_is_not_registered(as_admin):
    list_on_yahoo("ODD.XX", currency="ZZZ")
    r = await as_admin.post("/assets", json={"ticker": "ODD.XX"})
    assert r.status_code == 422
    assert r.json()["code"] == "unsupported_currency"
    assert "'ZZZ'" in r.json()["detail"]
    client = await make_client(as_admin)
    buy = {"kind": "buy", "date": DAY, "ticker": "ODD.XX", "quantity": "1", "price": "1"}
    r = await as_admin.post(f"/clients/{client['id']}/transactions", json=buy)
    assert r.status_code == 422
    assert r.json()["code"] == "unsupported_currency"
    assert (await as_admin.get("/assets")).json()["total"] == 0
    # London quotes in pence (GBp): the asset is in pounds, a currency.
    asset = await make_asset(as_admin, "VOD.L", currency="GBp", price="72", previous_close="70")
    assert asset["currency"] == "GBP"


def test_the_list_is_iso_4217_less_what_is_not_money():
    assert {"BRL", "USD", "EUR", "GBP", "JPY", "XOF", "XAF", "XPF", "XCD"} <= CURRENCIES
    assert not {"XXX", "XTS", "XAU", "XAG", "XDR", "CLF", "USN"} & CURRENCIES
    assert len(CURRENCIES) > 150
