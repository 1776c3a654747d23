"""The web app says everything in Portuguese (issue #28): every code the API can send has a
text in `web/static/messages.js`, whose functions (and the small rules beside them) run here
in Node as the browser runs them."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import typing

import carteira
from carteira.allocations.returns import XirrNoteCode
from carteira.benchmarks.schemas import NoteCode
from carteira.core import errors
from carteira.imports.formats import RowCode
from tests.support import REPO, node

SRC = REPO / "src" / "carteira"
STATIC = SRC / "web" / "static"
MINUS = "\u2212"


def module(name: str) -> str:
    return json.dumps((STATIC / name).as_uri())


def _app_error_codes() -> set[str]:
    for info in pkgutil.walk_packages(carteira.__path__, "carteira."):
        if not info.name.endswith("__main__"):  # that one runs the command line
            importlib.import_module(info.name)
    found: set[str] = set()
    pending: list[type[errors.AppError]] = [errors.AppError]
    while pending:
        error = pending.pop()
        found.add(error.code)
        pending.extend(error.__subclasses__())
    return found


def _literal_codes() -> tuple[set[str], set[str]]:
    """What the source sends by literal: `error_response(status, detail, "code")` and
    `{"detail": ..., "code": "code"}` answers; `invalid("code", ...)` validation issues."""
    answers: set[str] = set()
    issues: set[str] = set()
    for path in SRC.rglob("*.py"):
        for call in ast.walk(ast.parse(path.read_text())):
            if isinstance(call, ast.Dict):
                for key, value in zip(call.keys, call.values, strict=True):
                    is_code = isinstance(key, ast.Constant) and key.value == "code"
                    if is_code and isinstance(value, ast.Constant) and str(value.value).islower():
                        answers.add(value.value)
            if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
                continue
            literal = [a.value for a in call.args if isinstance(a, ast.Constant)]
            if call.func.id in ("error_response", "_error") and len(call.args) >= 3:
                code = call.args[2]
                if isinstance(code, ast.Constant):
                    answers.add(code.value)
            if call.func.id == "invalid" and literal:
                issues.add(literal[0])
    return answers, issues


def test_every_code_the_api_can_send_has_a_portuguese_text():
    keys = node(
        f"""
        import * as m from {module("messages.js")};
        console.log(JSON.stringify({{
          errors: Object.keys(m.ERRORS), issues: Object.keys(m.ISSUES),
          notes: Object.keys(m.BENCHMARK_NOTES), xirr: Object.keys(m.XIRR_NOTES),
          rows: Object.keys(m.IMPORT_ROWS),
        }}));
        """
    )
    answers, issues = _literal_codes()
    errors_sent = _app_error_codes() | answers | set(errors._HTTP_CODES.values())
    # An import's rows carry codes of their own (the preview's, e.g. in its example).
    assert errors_sent - set(keys["errors"]) - set(keys["rows"]) == set()
    assert "insufficient_quantity" in errors_sent  # the walk found the modules' errors
    assert {"date_in_future", "asset_reference_missing", "cpf_format"} <= issues
    # Pydantic's own issues that the ledger's and the clients' forms can meet.
    pydantic_issues = {
        "missing",
        "extra_forbidden",
        "greater_than",
        "greater_than_equal",
        "decimal_parsing",
        "decimal_max_digits",
        "decimal_max_places",
        "string_too_long",
        "string_pattern_mismatch",
        "too_short",
        "date_from_datetime_parsing",
        "union_tag_invalid",
        "enum",
        "value_error",
    }
    assert (issues | pydantic_issues) - set(keys["issues"]) == set()
    assert set(typing.get_args(NoteCode)) - set(keys["notes"]) == set()
    assert set(typing.get_args(XirrNoteCode)) - set(keys["xirr"]) == set()


def test_refusals_notes_and_confirmations_read_in_portuguese():
    said = node(
        f"""
        import * as m from {module("messages.js")};
        console.log(JSON.stringify({{
          short: m.errorText("insufficient_quantity", 422,
            {{ticker: "VALE3.SA", date: "2026-12-07", quantity: "-980"}}),
          shortBare: m.errorText("insufficient_quantity", 422, {{}}),
          unknownCode: m.errorText("brand_new_code", 409, {{}}),
          unknownServer: m.errorText("", 500, {{}}),
          price: m.issueText({{type: "greater_than", loc: ["body", "sell", "price"],
            ctx: {{gt: "0"}}}}),
          early: m.issueText({{type: "date_too_early", loc: ["body", "buy", "date"],
            ctx: {{earliest: "1900-01-01"}}}}),
          currency: m.issueText({{type: "string_pattern_mismatch",
            loc: ["body", "deposit", "currency"], ctx: {{pattern: "x"}}}}),
          odd: m.issueText({{type: "something_new", loc: ["body"], msg: "English"}}),
          placed: m.labelledIssue({{type: "missing", loc: ["body", "buy", "quantity"]}}),
          note: m.benchmarkNote({{code: "starts_later", benchmark: "CDI", date: "2025-10-03"}}),
          usd: m.benchmarkNote({{code: "unconverted", benchmark: "AAPL", currency: "USD"}}),
          xirr: m.xirrNote("rates_missing"),
          done: ["sell", "buy", "dividend", "interest", "fee", "deposit", "bonus"]
            .map((k) => m.recorded(k, "2026-12-07")),
        }}));
        """
    )
    assert said["short"] == (
        f"Isto deixaria VALE3.SA com {MINUS}980 em 07/12/2026; nada foi gravado."
    )
    assert said["shortBare"].startswith("Isto deixaria uma quantidade abaixo de zero")
    assert said["unknownCode"].startswith("A alteração conflita")  # by its status
    assert said["unknownServer"] == "Erro interno do servidor; tente de novo."
    assert said["price"] == "Deve ser maior que 0."
    assert said["early"] == "A data não pode ser anterior a 01/01/1900."
    assert said["currency"] == "Use o código da moeda com 3 letras (ex.: BRL, USD)."
    assert said["odd"] == "Valor inválido."
    assert said["placed"] == "Quantidade: Campo obrigatório."
    assert said["note"] == "série disponível a partir de 03/10/2025; medida desde então."
    assert said["usd"] == "medido em USD, sem conversão para reais."
    assert said["xirr"] == "faltam cotações de câmbio em algumas datas"
    assert said["done"] == [
        "Venda de 07/12/2026 registrada.",
        "Compra de 07/12/2026 registrada.",
        "Dividendo de 07/12/2026 registrado.",
        "Juros de 07/12/2026 registrados.",
        "Taxa de 07/12/2026 registrada.",
        "Aporte de 07/12/2026 registrado.",
        "Bonificação de 07/12/2026 registrada.",
    ]


def test_every_row_of_an_import_reads_in_portuguese():
    said = node(
        f"""
        import * as m from {module("messages.js")};
        console.log(JSON.stringify({{
          codes: Object.keys(m.IMPORT_ROWS),
          market: m.importRowText({{status: "ignored", code: "market_not_recorded",
            values: {{market: "Opção de Compra"}}}}),
          short: m.importRowText({{status: "error", code: "insufficient_quantity",
            field: "Quantidade",
            values: {{ticker: "PETR4.SA", date: "2026-03-04", quantity: "-50"}}}}),
          unknown: m.importRowText({{status: "error", code: "unknown_ticker",
            field: "Código de Negociação", values: {{ticker: "ZZZZ3.SA"}}}}),
          issue: m.importRowText({{status: "error", code: "date_in_future", field: "Data"}}),
          duplicate: m.importRowText({{status: "duplicate"}}),
          big: m.errorText("import_too_large", 422, {{limit: "10485760"}}),
        }}));
        """
    )
    assert set(typing.get_args(RowCode)) - set(said["codes"]) == set()
    assert said["market"].startswith("Opção de Compra: só negociações do mercado à vista")
    assert said["short"] == f"Quantidade: Deixaria PETR4.SA com {MINUS}50 em 04/03/2026."
    assert said["unknown"] == (
        "Código de Negociação: O provedor de cotações não conhece este ticker."
    )
    assert said["issue"] == "Data: A data não pode ser no futuro."
    assert said["duplicate"].startswith("Já está na carteira")
    assert said["big"] == "O arquivo é maior do que uma importação aceita (10 MB)."


def test_pct_of_cdi_is_a_dash_when_the_ratio_means_nothing():
    shown = node(
        f"""
        import {{ pctOfCdi }} from {module("format.js")};
        console.log(JSON.stringify([
          pctOfCdi(-516.2, -0.4, 0.08),  // the portfolio lost: no ratio
          pctOfCdi(874.1, 0.7, 0.08),
          pctOfCdi(50, 0.5, 0),  // the CDI paid nothing
          pctOfCdi(-50, 0.5, -1),
          pctOfCdi(null, 0.5, 1),
          pctOfCdi(120, 1.2, 1),
          pctOfCdi(0, 0, 1),
        ]));
        """
    )
    assert shown == ["—", "874,10%", "—", "—", "—", "120,00%", "0,00%"]


def test_a_buy_the_clients_cash_can_pay_defaults_to_cash():
    chosen = node(
        f"""
        import {{ settlementFor }} from {module("ledger.js")};
        const buy = {{kind: "buy", currency: "BRL", balance: 1000, quantity: "10", price: "99"}};
        console.log(JSON.stringify([
          settlementFor(buy),  // 990 <= 1000
          settlementFor({{...buy, fees: "10"}}),  // 1000 <= 1000
          settlementFor({{...buy, fees: "10.01"}}),
          settlementFor({{...buy, balance: -5}}),
          settlementFor({{...buy, currency: undefined, balance: undefined}}),
          settlementFor({{...buy, price: "abc"}}),
          settlementFor({{...buy, kind: "sell"}}),
        ]));
        """
    )
    assert chosen == ["cash", "cash", "external", "external", "external", "external", "external"]
