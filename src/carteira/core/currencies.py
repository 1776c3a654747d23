"""The currencies money is kept in: ISO 4217 codes, from a maintained list (pycountry's copy of
Debian's iso-codes), less the codes that are not money a client deposits or an asset is quoted
in. Three letters are not a currency: `ZZZ` is refused, and so is `XXX`."""

from __future__ import annotations

import pycountry

# In ISO 4217 but not money: precious metals (XAU, XAG, XPD, XPT); units of account and of the
# bond markets (XDR, XBA-XBD, XSU, XUA, XAD); the fund codes, indexed units and next-day
# dollars that banks settle in (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW); the code for
# testing (XTS) and "no currency" (XXX). The CFA and CFP francs, the East Caribbean dollar and
# the Caribbean guilder (XAF, XOF, XPF, XCD, XCG) are real currencies and stay.
NOT_MONEY = frozenset(
    {
        "XAU",
        "XAG",
        "XPD",
        "XPT",
        "XDR",
        "XBA",
        "XBB",
        "XBC",
        "XBD",
        "XSU",
        "XUA",
        "XAD",
        "BOV",
        "CHE",
        "CHW",
        "CLF",
        "COU",
        "MXV",
        "USN",
        "UYI",
        "UYW",
        "XTS",
        "XXX",
    }
)

CURRENCIES: frozenset[str] = frozenset(c.alpha_3 for c in pycountry.currencies) - NOT_MONEY


def is_currency(code: str) -> bool:
    """Whether `code` (as written: upper case) is a currency money may be kept in."""
    return code in CURRENCIES


def currency_code(code: str) -> str:
    """`code` in upper case when it is a currency money may be kept in; ValueError otherwise
    (a 422 where a schema or a setting reads it)."""
    upper = code.upper()
    if upper not in CURRENCIES:
        raise ValueError(f"{upper} is not the ISO 4217 code of a currency")
    return upper
