// Hand-written SVG charts, drawn at the container's own width (text stays legible on a
// phone) and redrawn when that width changes.
import { h, svg } from "./dom.js";
import { money, pct } from "./format.js";
import { colourOf } from "./palette.js";

const drawn = new WeakMap(); // container -> () => redraw
const resizes = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const redraw = drawn.get(entry.target);
    const width = Math.round(entry.contentRect.width);
    if (redraw && width && width !== Number(entry.target.dataset.width)) redraw();
  }
});

function mount(container, draw) {
  const redraw = () => {
    const width = Math.max(260, Math.round(container.clientWidth || 640));
    container.dataset.width = String(width);
    container.replaceChildren(draw(width));
  };
  drawn.set(container, redraw);
  resizes.observe(container);
  redraw();
}

// 1, 2 or 5 times a power of ten: gridlines at round numbers.
function niceStep(range, count) {
  const raw = range / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = [1, 2, 5, 10].find((m) => m * power >= raw) || 10;
  return unit * power;
}

const dayOf = (iso) => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10));
const shortDate = (iso, long) => (long ? `${iso.slice(5, 7)}/${iso.slice(0, 4)}` : `${iso.slice(8, 10)}/${iso.slice(5, 7)}`);

// series: [{key, name, points: [{date: "YYYY-MM-DD", value: number|null}]}], values in percent.
export function lineChart(container, { series, label }) {
  mount(container, (width) => {
    const height = width < 520 ? 220 : 300;
    const pad = { left: 58, right: 14, top: 14, bottom: 30 };
    const dates = series.length ? series[0].points.map((p) => p.date) : [];
    const values = series.flatMap((s) => s.points.map((p) => p.value)).filter((v) => Number.isFinite(v));
    const root = svg("svg", {
      class: "line-chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label,
    });
    if (!dates.length || !values.length) {
      root.append(svg("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "chart-empty" }, "Sem dados no período"));
      return root;
    }
    let low = Math.min(0, ...values);
    let high = Math.max(0, ...values);
    if (high - low < 1e-9) { high += 1; low -= 1; }
    const step = niceStep(high - low, 4);
    low = Math.floor(low / step) * step;
    high = Math.ceil(high / step) * step;
    const first = dayOf(dates[0]);
    const span = Math.max(1, dayOf(dates[dates.length - 1]) - first);
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const x = (iso) => pad.left + (dates.length === 1 ? plotW / 2 : ((dayOf(iso) - first) / span) * plotW);
    const y = (v) => pad.top + (1 - (v - low) / (high - low)) * plotH;

    const grid = svg("g", { class: "grid", "aria-hidden": "true" });
    for (let v = low; v <= high + step / 2; v += step) {
      const value = Math.abs(v) < step / 1e6 ? 0 : v;
      grid.append(
        svg("line", { x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value), class: value === 0 ? "zero" : "" }),
        svg("text", { x: pad.left - 6, y: y(value) + 4, "text-anchor": "end" }, pct(value)),
      );
    }
    const long = span > 400 * 86400000;
    const ticks = Math.min(dates.length, width < 520 ? 3 : 5);
    for (let i = 0; i < ticks; i += 1) {
      const iso = dates[Math.round((i * (dates.length - 1)) / Math.max(1, ticks - 1))];
      const anchor = ticks === 1 ? "middle" : i === 0 ? "start" : i === ticks - 1 ? "end" : "middle";
      grid.append(svg("text", { x: x(iso), y: height - 8, "text-anchor": anchor }, shortDate(iso, long)));
    }
    root.append(grid);

    for (const s of series) {
      let d = "";
      let pen = false;
      let count = 0;
      for (const point of s.points) {
        if (!Number.isFinite(point.value)) { pen = false; continue; } // a gap stays a gap
        d += `${pen ? "L" : "M"}${x(point.date).toFixed(1)},${y(point.value).toFixed(1)}`;
        pen = true;
        count += 1;
      }
      const line = svg("path", { d, class: `series series-${s.key}`, data: { series: s.key, points: count } });
      line.append(svg("title", {}, s.name));
      root.append(line);
      if (count === 1) {
        const only = s.points.find((p) => Number.isFinite(p.value));
        root.append(svg("circle", { cx: x(only.date), cy: y(only.value), r: 3, class: `series-dot series-${s.key}` }));
      }
    }
    return root;
  });
}

// What a whole is made of, as horizontal bars, largest first: each part's value and its share
// of the parts that are positive. A negative part (an overdrawn cash balance) is a share of
// nothing: it is said apart, in red, never drawn as a bar. Colours are the part's own
// (`palette.js`), whatever its rank. parts: [{key, label, value: decimal string}].
export function shareChart(container, parts, { label, currency }) {
  const known = parts.filter((p) => p.value !== null && p.value !== undefined && Number.isFinite(Number(p.value)));
  const bars = known.filter((p) => Number(p.value) > 0).sort((a, b) => Number(b.value) - Number(a.value));
  const below = known.filter((p) => Number(p.value) < 0);
  const gross = bars.reduce((sum, p) => sum + Number(p.value), 0);
  const rows = bars.map((p) => ({ ...p, text: `${money(p.value, currency)} · ${pct((Number(p.value) / gross) * 100)}` }));
  const negatives = below.map((p) => ({ ...p, text: `${p.label}: ${money(p.value, currency)} (saldo negativo)` }));
  const summary = [...rows.map((r) => `${r.label} ${r.text}`), ...negatives.map((n) => n.text)].join("; ");
  mount(container, (width) => {
    const whole = document.createDocumentFragment();
    whole.append(bars.length ? barsOf(rows, width, `${label}: ${summary}`) : h("p", { class: "muted chart-empty" }, "Sem posições"));
    if (negatives.length) {
      whole.append(h("ul", { class: "chart-negatives" },
        negatives.map((n) => h("li", { class: "down", data: { type: n.key, value: n.value } }, n.text))));
    }
    // The exact figures beside the drawing, for screen readers and for checking.
    whole.append(h("ul", { class: "visually-hidden chart-figures" },
      [...rows, ...negatives].map((r) => h("li", { data: { type: r.key, value: r.value } }, `${r.label}: ${r.text}`))));
    return whole;
  });
}

function barsOf(rows, width, label) {
  const barH = 22;
  const gap = 12;
  const labelW = Math.min(130, Math.round(width * 0.34));
  const height = rows.length * (barH + gap + 14);
  const root = svg("svg", { class: "bar-chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
  const top = Math.max(...rows.map((r) => Number(r.value)));
  rows.forEach((row, i) => {
    const y0 = i * (barH + gap + 14);
    const barW = Math.max(2, (Number(row.value) / top) * (width - labelW - 8));
    root.append(svg("g", { class: "bar", data: { key: row.key } },
      svg("text", { x: 0, y: y0 + 15, class: "bar-label" }, row.label),
      svg("rect", { x: labelW, y: y0, width: barW, height: barH, rx: 3, fill: colourOf(row.key) }),
      svg("text", { x: labelW, y: y0 + barH + 13, class: "bar-value" }, row.text),
    ));
  });
  return root;
}
