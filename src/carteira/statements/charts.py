"""The statement's charts, drawn here as SVG (WeasyPrint prints SVG as vectors): the
accumulated return beside the benchmarks, and the allocation by asset class.

Everything that comes from data is escaped (`markupsafe.escape`): a chart is markup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from carteira.statements.formatting import pct

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 58, 12, 14, 46
GRID_LINES = 5
MAX_POINTS = 160  # a point per ~4 px of the plot: more would not show, only cost time


@dataclass(frozen=True)
class Line:
    label: str
    colour: str
    points: Sequence[tuple[date, float]]


@dataclass(frozen=True)
class Bar:
    label: str
    colour: str
    weight_pct: float | None
    value_text: str


def _ticks(low: float, high: float) -> list[float]:
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    step = (high - low) / (GRID_LINES - 1)
    return [low + i * step for i in range(GRID_LINES)]


def _thinned(points: Sequence[tuple[date, float]]) -> list[tuple[date, float]]:
    """At most about MAX_POINTS evenly spaced points, the first and the last always kept."""
    step = max(1, -(-len(points) // MAX_POINTS))
    kept = list(points[::step])
    if kept[-1] != points[-1]:
        kept.append(points[-1])
    return kept


def line_chart(lines: Sequence[Line], *, title: str) -> Markup:
    """Cumulative returns (percent) over dates, one polyline per series, with a legend."""
    drawn = [Line(line.label, line.colour, _thinned(line.points)) for line in lines if line.points]
    if not drawn:
        return Markup('<p class="empty">Sem cotações no período para desenhar a curva.</p>')
    days = [d for line in drawn for d, _ in line.points]
    values = [v for line in drawn for _, v in line.points]
    first, last = min(days), max(days)
    low, high = min([*values, 0.0]), max([*values, 0.0])
    ticks = _ticks(low, high)
    low, high = ticks[0], ticks[-1]
    span_days = max((last - first).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return LEFT + plot_w * (day - first).days / span_days

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">'
    ]
    for tick in ticks:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#d5dbe1" stroke-width="0.6"/>'
            f'<text x="{LEFT - 6}" y="{y(tick) + 3:.1f}" text-anchor="end" font-size="9" '
            f'fill="#3d4a57">{escape(pct(tick))}</text>'
        )
    parts.append(
        f'<text x="{LEFT}" y="{HEIGHT - BOTTOM + 14}" font-size="9" fill="#3d4a57">'
        f"{first.strftime('%d/%m/%Y')}</text>"
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - BOTTOM + 14}" font-size="9" '
        f'text-anchor="end" fill="#3d4a57">{last.strftime("%d/%m/%Y")}</text>'
    )
    for line in drawn:
        coords = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in line.points)
        parts.append(
            f'<polyline fill="none" stroke="{escape(line.colour)}" stroke-width="1.6" '
            f'points="{coords}"/>'
        )
    legend_x = LEFT
    for line in drawn:
        parts.append(
            f'<rect x="{legend_x}" y="{HEIGHT - 16}" width="10" height="10" '
            f'fill="{escape(line.colour)}"/>'
            f'<text x="{legend_x + 14}" y="{HEIGHT - 7}" font-size="10" fill="#1d2630">'
            f"{escape(line.label)}</text>"
        )
        legend_x += 24 + 7 * len(line.label)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value from data is escaped above


def bar_chart(bars: Sequence[Bar], *, title: str) -> Markup:
    """One horizontal bar per class, its length its share of the patrimônio."""
    shown = [bar for bar in bars if bar.weight_pct]
    if not shown:
        return Markup('<p class="empty">Sem patrimônio para distribuir.</p>')
    row, label_w, value_w = 22, 130, 170
    width = WIDTH
    height = row * len(shown) + 6
    plot_w = width - label_w - value_w
    widest = max(bar.weight_pct or 0.0 for bar in shown) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
    ]
    for i, bar in enumerate(shown):
        top = 3 + i * row
        length = max(plot_w * (bar.weight_pct or 0.0) / widest, 1.0)
        parts.append(
            f'<text x="{label_w - 8}" y="{top + 14}" text-anchor="end" font-size="10" '
            f'fill="#1d2630">{escape(bar.label)}</text>'
            f'<rect x="{label_w}" y="{top + 3}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{escape(bar.colour)}"/>'
            f'<text x="{label_w + length + 6:.1f}" y="{top + 14}" font-size="10" '
            f'fill="#1d2630">{escape(pct(bar.weight_pct))} · {escape(bar.value_text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value from data is escaped above
