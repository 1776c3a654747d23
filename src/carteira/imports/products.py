"""What a B3 extract's product is: a listed ticker (`PETR4`, fracionário `PETR4F`, or
`PETR4 - PETROLEO BRASILEIRO S/A PETROBRAS`), a Tesouro Direto title (`Tesouro Selic 2029`),
or anything else (a CDB, a fund's quota, an option series).

The formats map each kind of product to the ledger: listed tickers to their Yahoo symbol
(`PETR4.SA`); a Tesouro Direto title to its treasury asset, whose maturity date the import
finds in Tesouro Transparente's file from the title and the year B3 gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from carteira.imports.cells import key

# B3's trading codes: four characters (letters, or a digit like B3SA's) and one or two digits;
# the odd-lot market (fracionário) adds an F.
_LISTED = re.compile(r"^([A-Z0-9]{3}[A-Z])(\d{1,2})(F?)$")
_TREASURY = re.compile(r"^tesouro ")
YAHOO_SUFFIX = ".SA"


@dataclass(frozen=True, slots=True)
class Listed:
    code: str  # as B3 trades it, without the odd-lot F: PETR4

    @property
    def ticker(self) -> str:
        return self.code + YAHOO_SUFFIX


@dataclass(frozen=True, slots=True)
class TreasuryTitle:
    title: str  # as the extract names it: "Tesouro Selic"
    maturity_year: int | None

    @property
    def name(self) -> str:
        """As the extract wrote it: `Tesouro Selic 2029`."""
        return self.title if self.maturity_year is None else f"{self.title} {self.maturity_year}"


@dataclass(frozen=True, slots=True)
class Unlisted:
    name: str


Product = Listed | TreasuryTitle | Unlisted


def listed(code: str) -> Listed | None:
    """A trading code (`PETR4`, `PETR4F`) as the asset it trades, or None."""
    match = _LISTED.match(code.strip().upper())
    return Listed(match.group(1) + match.group(2)) if match else None


def treasury(name: str) -> TreasuryTitle | None:
    """A Tesouro Direto title as B3 names it (`Tesouro IPCA+ com Juros Semestrais 2035`, a
    movimentação's `Produto` or a negociação's `Código de Negociação`), or None."""
    if not _TREASURY.match(key(name)):
        return None
    title, _, year = " ".join(name.split()).rpartition(" ")
    if year.isdigit() and len(year) == 4:
        return TreasuryTitle(title=title, maturity_year=int(year))
    return TreasuryTitle(title=" ".join(name.split()), maturity_year=None)


def product(name: str) -> Product:
    """A movimentação's `Produto`: `CODE - COMPANY NAME`, a Tesouro Direto title, or else."""
    title = treasury(name)
    if title is not None:
        return title
    code = name.split(" - ", 1)[0]
    return listed(code) or Unlisted(name.strip())
