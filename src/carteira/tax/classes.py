"""What an asset is for the income tax, read from the one classification the assets keep
(`asset_class`, set by the listing's type or the instrument's product): whether its swing
sales count toward the R$ 20,000 exemption, and why it stays outside the apuração in reais.

The pools of the monthly apuração (`comum`, `day_trade`, `fii`) are the ledger's
(`allocations.service.sale_category`), from the same `asset_class`.
"""

from __future__ import annotations

import re
from enum import StrEnum

from carteira.allocations.service import TAX_CURRENCY
from carteira.assets.schemas import AssetClass, AssetType
from carteira.assets.service import AssetInfo

B3_SUFFIX = ".SA"
# B3 codes of BDRs: four letters and 32, 33, 34 or 35 (the BDR programmes' levels) or 39
# (BDRs of ETFs), e.g. AAPL34. The assets class them as `acoes` (listed on B3, in reais); only
# the exemption tells them apart.
_BDR = re.compile(r"^[A-Z]{4}3[23459]$")
# Units and FIIs (and ETFs) share the 11 ending; an FII the provider calls EQUITY reads as a
# unit until an admin sets its type to FII (which makes its class `fiis`).
_ENDS_IN_11 = re.compile(r"^[A-Z]{4}11$")


class Outside(StrEnum):
    """Why an asset's sales, income and holdings are not worked out here."""

    FOREIGN = "foreign_asset"
    CRYPTO = "crypto"


def asset_class(info: AssetInfo) -> AssetClass:
    """The class an asset is grouped in (the DIRPF's bens e direitos, by kind): the assets'."""
    return info.asset_class


def b3_code(info: AssetInfo) -> str | None:
    """The asset's B3 trading code (PETR4 of PETR4.SA), None when it is not listed there."""
    return info.ticker.removesuffix(B3_SUFFIX) if info.ticker.endswith(B3_SUFFIX) else None


def is_bdr(info: AssetInfo) -> bool:
    code = b3_code(info)
    return code is not None and _BDR.fullmatch(code) is not None


def _listed_stock(info: AssetInfo) -> bool:
    """A listing in reais of class `acoes` (a fund of class `acoes` is no stock)."""
    return (
        info.income_tax == "none"
        and info.currency == TAX_CURRENCY
        and info.asset_class is AssetClass.ACOES
    )


def outside(info: AssetInfo) -> Outside | None:
    """Why the asset stays outside the apuração in reais (None: it is inside)."""
    if info.asset_class is AssetClass.CRIPTO or info.asset_type is AssetType.CRYPTOCURRENCY:
        return Outside.CRYPTO
    if info.currency != TAX_CURRENCY:
        return Outside.FOREIGN
    return None


def exemptable(info: AssetInfo) -> bool:
    """Whether its swing sales count toward the monthly R$ 20,000 exemption: stocks and units
    only (Lei 11.033/2004, art. 3, I), never BDRs."""
    return _listed_stock(info) and not is_bdr(info)


def maybe_an_fii(info: AssetInfo) -> bool:
    """A stock whose code ends in 11: a unit, or an FII nobody has marked as one yet."""
    code = b3_code(info)
    return _listed_stock(info) and code is not None and bool(_ENDS_IN_11.fullmatch(code))
