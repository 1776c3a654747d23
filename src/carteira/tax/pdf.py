"""The income-tax answers as PDFs in Portuguese: the monthly apuração with the DARFs to pay
(the fields an investor copies into Receita Federal's form: código da receita, período de
apuração, vencimento, valor) and the annual return's figures. Jinja2 templates
(`templates/`, autoescaped) printed by `core.pdf`: offline, with the package's fonts.

Every figure is the JSON answer's, written the Brazilian way (core.pt_br): R$ 1.234,56,
30/05/2026.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from carteira.core import pt_br
from carteira.core.pdf import render_pdf
from carteira.tax.schemas import AnnualTaxOut, MonthlyTaxOut, TaxMonthOut

TEMPLATES = Path(__file__).resolve().with_name("templates")
CATEGORIES = {"comum": "Operações comuns", "day_trade": "Day trade", "fii": "FII e Fiagro"}
CLASSES = {
    "pos_fixado": "Renda fixa pós-fixada",
    "prefixado": "Renda fixa prefixada",
    "inflacao": "Renda fixa atrelada à inflação",
    "fundos_rf": "Fundos de renda fixa",
    "multimercado": "Fundos multimercado",
    "acoes": "Ações (inclusive units e BDRs)",
    "fiis": "Fundos imobiliários (FII e Fiagro)",
    "etfs": "ETFs",
    "exterior": "Exterior",
    "cripto": "Criptoativos",
    "caixa": "Caixa",
}
INCOME_KINDS = {
    "dividends": "Dividendos",
    "fii_income": "Rendimentos de FII",
    "exempt_stock_gains": "Ganhos líquidos em ações (vendas até R$ 20.000,00 no mês)",
    "fixed_income_exempt": "LCI, LCA, CRI, CRA e debêntures incentivadas",
    "jcp": "Juros sobre capital próprio",
    "fixed_income": "Aplicações financeiras de renda fixa",
}
OUTSIDE = {
    "foreign_asset": "Ativo no exterior, em moeda estrangeira: segue a Lei 14.754/2023"
    " (apuração anual, em reais pela cotação de cada data); não calculado aqui.",
    "crypto": "Criptoativo: segue regras próprias (IN RFB 1.888/2019 e o programa GCAP);"
    " não calculado aqui.",
}
NOTES = {
    "irrf_from_sales": "O IRRF (0,005 % das vendas comuns e 1 % do resultado positivo do day"
    " trade) foi calculado a partir das vendas; vale o que as notas de corretagem informam.",
    "units_or_fiis": "Tratados como units (ações, dentro da isenção de R$ 20.000,00): se algum"
    " for FII ou Fiagro, o administrador deve marcar o tipo do ativo como FII.",
    "interest_not_listed": "Lançamentos de juros (cupons, juros sobre caixa) não estão"
    " listados: o informe de rendimentos da instituição pagadora diz como foram tributados.",
    "fund_redemptions_not_listed": "Resgates de fundos de investimento não estão listados: o"
    " come-cotas e a alíquota de cada fundo não são calculados; vale o informe do"
    " administrador.",
}


def month_label(label: str) -> str:
    """2026-03 -> março de 2026."""
    year, month = label.split("-")
    return pt_br.month_name(int(year), int(month))


def percent(value: float) -> str:
    """15.0 -> 15,0 % (the rate exactly as written, to one place)."""
    return pt_br.number(Decimal(str(value)), 1) + " %"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=pt_br.money,
        quantity=pt_br.number,
        day=pt_br.day,
        month_name=month_label,
        percent=percent,
    )
    env.globals.update(
        CATEGORIES=CATEGORIES,
        CLASSES=CLASSES,
        INCOME_KINDS=INCOME_KINDS,
        OUTSIDE=OUTSIDE,
        NOTES=NOTES,
    )
    return env


_ENV = _environment()
_CSS = (TEMPLATES / "tax.css").read_text(encoding="utf-8")


def _darfs(months: list[TaxMonthOut]) -> list[TaxMonthOut]:
    """The months with a DARF to pay."""
    return [m for m in months if m.darf.amount > 0]


def _active(months: list[TaxMonthOut]) -> list[TaxMonthOut]:
    """The months where something happened (a sale, a loss carried, a total carried)."""
    return [
        m
        for m in months
        if m.darf.carried_in
        or m.darf.carried_under_minimum
        or any(p.sales or p.loss_carried_in or p.loss_carried_out for p in m.categories)
    ]


async def _printed(
    template: str,
    *,
    answer: MonthlyTaxOut | AnnualTaxOut,
    months: list[TaxMonthOut],
    client_name: str,
    today: date,
) -> bytes:
    html = _ENV.get_template(template).render(
        answer=answer,
        client_name=client_name,
        today=today,
        darfs=_darfs(months),
        active=_active(months),
    )
    return await render_pdf(html, stylesheets=[_CSS], static_dirs=[TEMPLATES])


async def monthly_pdf(*, answer: MonthlyTaxOut, client_name: str, today: date) -> bytes:
    return await _printed(
        "monthly.html", answer=answer, months=answer.months, client_name=client_name, today=today
    )


async def annual_pdf(*, answer: AnnualTaxOut, client_name: str, today: date) -> bytes:
    return await _printed(
        "annual.html", answer=answer, months=answer.monthly, client_name=client_name, today=today
    )
