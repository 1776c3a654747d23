"""The web app's pt-BR formatting (`web/static/format.js`), run by Node as the browser runs it:
reais and dollars, dates dd/mm/aaaa, percentages with a real minus, typed decimals."""

from __future__ import annotations

import json

from tests.support import REPO, node

FORMAT_JS = REPO / "src" / "carteira" / "web" / "static" / "format.js"
NBSP = "\xa0"
MINUS = "\u2212"  # a real minus sign, as the app shows it

SCRIPT = """
import * as f from %s;
console.log(JSON.stringify({
  brl: f.money("1234.56"),
  usd: f.money("1234.5", "USD"),
  negative: f.money("-0.5", "BRL"),
  none: f.money(null),
  date: f.date("2026-03-05"),
  month: f.month("2026-03"),
  pct: [f.pct(-1.234), f.pct(2.5, { sign: true }), f.pct(-0.001)],
  typed: [f.parseDecimal("1.234,56"), f.parseDecimal("100.000"), f.parseDecimal("10.5"),
          f.parseDecimal("abc")],
  quantity: f.quantity("0.00012345"),
}));
"""


def test_money_dates_and_numbers_read_as_in_brazil():
    shown = node(SCRIPT % json.dumps(FORMAT_JS.as_uri()))
    assert shown["brl"] == f"R${NBSP}1.234,56"
    assert shown["usd"] == f"US${NBSP}1.234,50"
    assert shown["negative"] == f"-R${NBSP}0,50"
    assert shown["none"] == "—"
    assert (shown["date"], shown["month"]) == ("05/03/2026", "03/2026")
    assert shown["pct"] == [f"{MINUS}1,23%", "+2,50%", "0,00%"]
    assert shown["typed"] == ["1234.56", "100000", "10.5", "abc"]
    assert shown["quantity"] == "0,00012345"
