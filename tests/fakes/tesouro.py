"""A local, in-process fake of Tesouro Transparente's price file of Tesouro Direto for offline
tests.

Carteira's real client is pointed at this server (`tesouro_prices_url` takes `prices_url`), so
its download, retries, circuit and parsing run against the file's real shape without touching
the network:

- `GET /ckan/dataset/.../download/precotaxatesourodireto.csv` → the CSV as the portal serves
  it: `Tipo Titulo;Data Vencimento;Data Base;Taxa Compra Manha;Taxa Venda Manha;PU Compra
  Manha;PU Venda Manha;PU Base Manha`, `;`-separated, dd/mm/aaaa, decimal commas, rows grouped
  by title (not by date), in UTF-8 by default.

Tests register prices with `add_prices()`. Beside the faults every fake has (`fail_next`,
`garbage_next`, `malformed_next`, `truncate_next`, `cut_next`, `delay`, `down`; see
`tests.fakes.server`), the file itself can be spoiled: `encoding` ("latin-1", "utf-8-sig",
"utf-16"), `rename_column()`, `add_garbage()` (raw lines appended among the rows). `reset()`
wipes everything between tests.

Example::

    tesouro = FakeTesouro()
    await tesouro.start()
    tesouro.add_prices("Tesouro Selic", date(2029, 3, 1), [(date(2026, 12, 4), "17345,67")])
    settings = Settings(tesouro_prices_url=tesouro.prices_url, ...)
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from aiohttp import web

from tests.fakes.server import FakeServer

PRICES_PATH = (
    "/ckan/dataset/df56aa42-484a-4a59-8184-7676580c81e3/resource/"
    "796d2059-14e9-44e3-80c9-2d9e30b405c1/download/precotaxatesourodireto.csv"
)
HEADER = [
    "Tipo Titulo",
    "Data Vencimento",
    "Data Base",
    "Taxa Compra Manha",
    "Taxa Venda Manha",
    "PU Compra Manha",
    "PU Venda Manha",
    "PU Base Manha",
]
TESOURO_DATE = "%d/%m/%Y"


def br(value: str | Decimal) -> str:
    """A price as the file writes it (a decimal comma); text is served as given."""
    return value if isinstance(value, str) else format(value, "f").replace(".", ",")


class FakeTesouro(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.prices: dict[tuple[str, date], dict[date, str]] = {}
        self.encoding = "utf-8"
        self.header = list(HEADER)
        self.garbage: list[str] = []

    @property
    def prices_url(self) -> str:
        return self.base_url + PRICES_PATH

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_get(PRICES_PATH, self._file)

    # -- data --------------------------------------------------------------------------------

    def add_prices(
        self, title: str, maturity: date, points: list[tuple[date, str | Decimal]]
    ) -> None:
        """The `PU Base Manha` of a title and maturity on some days (text is served as given,
        e.g. "17345,67"; a Decimal gets a decimal comma)."""
        self.prices.setdefault((title, maturity), {}).update(
            {day: br(price) for day, price in points}
        )

    def rename_column(self, old: str, new: str) -> None:
        self.header[self.header.index(old)] = new

    def add_garbage(self, *lines: str) -> None:
        """Raw lines served after the first title's rows."""
        self.garbage.extend(lines)

    def reset(self) -> None:
        super().reset()
        self.prices.clear()
        self.encoding = "utf-8"
        self.header = list(HEADER)
        self.garbage.clear()

    def body(self) -> bytes:
        lines = [";".join(self.header)]
        for index, ((title, maturity), points) in enumerate(sorted(self.prices.items())):
            for day, price in sorted(points.items()):
                # The rates and buy/sell prices are not read; plausible values fill them.
                lines.append(
                    f"{title};{maturity:{TESOURO_DATE}};{day:{TESOURO_DATE}};"
                    f"10,25;10,37;{price};{price};{price}"
                )
            if index == 0:
                lines.extend(self.garbage)
        if not self.prices:
            lines.extend(self.garbage)
        return ("\r\n".join(lines) + "\r\n").encode(self.encoding)

    # -- HTTP --------------------------------------------------------------------------------

    async def _file(self, request: web.Request) -> web.Response:
        return web.Response(
            body=self.body(),
            content_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="precotaxatesourodireto.csv"'},
        )
