"""What an asset is for the income tax: the class it is declared in, whether its sales count
toward the R$ 20,000 exemption, and why it stays outside the monthly apuração.

The instruments issue (#30) gives every asset an `asset_class`; until it lands the class is
worked out here from the asset's type, currency and ticker, in `asset_class` alone.
"""

from __future__ import annotations

import re
from enum import StrEnum

from carteira.allocations.service import TAX_CURRENCY
from carteira.assets.schemas import AssetType
from carteira.assets.service import AssetInfo

B3_SUFFIX = ".SA"
# B3 codes of BDRs: four letters and 32, 33, 34 or 35 (the BDR programmes' levels) or 39
# (BDRs of ETFs), e.g. AAPL34.
_BDR = re.compile(r"^[A-Z]{4}3[23459]$")
# Units and FIIs (and ETFs) share the 11 ending; an FII the provider calls EQUITY reads as a
# unit until an admin sets its type to FII.
_ENDS_IN_11 = re.compile(r"^[A-Z]{4}11$")


class AssetClass(StrEnum):
    ACOES = "acoes"  # listed Brazilian stocks and units
    BDRS = "bdrs"
    ETFS = "etfs"
    FIIS = "fiis"
    EXTERIOR = "exterior"  # listed abroad, in a foreign currency
    CRIPTO = "cripto"
    OUTROS = "outros"


class Outside(StrEnum):
    """Why an asset's sales, income and holdings are not worked out here."""

    FOREIGN = "foreign_asset"
    CRYPTO = "crypto"


def b3_code(info: AssetInfo) -> str | None:
    """The asset's B3 trading code (PETR4 of PETR4.SA), None when it is not listed there."""
    return info.ticker.removesuffix(B3_SUFFIX) if info.ticker.endswith(B3_SUFFIX) else None


def is_bdr(info: AssetInfo) -> bool:
    code = b3_code(info)
    return code is not None and _BDR.fullmatch(code) is not None


def asset_class(info: AssetInfo) -> AssetClass:
    """The class an asset is grouped in (the DIRPF's bens e direitos, by kind)."""
    if info.asset_type is AssetType.CRYPTOCURRENCY:
        return AssetClass.CRIPTO
    if info.currency != TAX_CURRENCY:
        return AssetClass.EXTERIOR
    if info.asset_type is AssetType.FII:
        return AssetClass.FIIS
    if info.asset_type is AssetType.ETF:
        return AssetClass.ETFS
    if info.asset_type is AssetType.EQUITY:
        return AssetClass.BDRS if is_bdr(info) else AssetClass.ACOES
    return AssetClass.OUTROS


def outside(info: AssetInfo) -> Outside | None:
    """Why the asset stays outside the apuração in reais (None: it is inside)."""
    match asset_class(info):
        case AssetClass.CRIPTO:
            return Outside.CRYPTO
        case AssetClass.EXTERIOR:
            return Outside.FOREIGN
        case _:
            return None


def exemptable(info: AssetInfo) -> bool:
    """Whether its swing sales count toward the monthly R$ 20,000 exemption: stocks and units
    only (Lei 11.033/2004, art. 3, I)."""
    return asset_class(info) is AssetClass.ACOES


def maybe_an_fii(info: AssetInfo) -> bool:
    """A stock whose code ends in 11: a unit, or an FII nobody has marked as one yet."""
    code = b3_code(info)
    return (
        asset_class(info) is AssetClass.ACOES
        and code is not None
        and bool(_ENDS_IN_11.fullmatch(code))
    )
