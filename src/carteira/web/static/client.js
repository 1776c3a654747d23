// One client's page: summary, the performance curve against CDI and IBOVESPA by period, the
// positions with a chart by asset type, the monthly table, the income tax, the ledger and its
// form.
import { api } from "./api.js";
import { lineChart, shareChart } from "./charts.js";
import { $, h } from "./dom.js";
import { DASH, assetType, date, money, month, pct, pctOfCdi, quantity } from "./format.js";
import { initImports, showImports } from "./imports.js";
import { initInstruments } from "./instruments.js";
import { initLedger, loadLedger, showLedger } from "./ledger.js";
import { benchmarkNote, xirrNote } from "./messages.js";
import { classLabel } from "./palette.js";
import { initReview, loadReview, showReview } from "./review.js";
import { showStatementPicker } from "./statements.js";
import { initTax, reloadTax, showTax } from "./tax.js";

const BENCHMARKS = "CDI,IBOV";
const PERIOD_NAMES = { month: "no mês", ytd: "no ano", "12m": "em 12 meses", inception: "desde o início" };
let state = { id: null, performance: null, period: "inception" };
let loads = 0;

export function initClient() {
  for (const radio of document.querySelectorAll('input[name="period"]')) {
    radio.addEventListener("change", () => {
      state.period = radio.value;
      if (state.performance) drawPerformance(state.performance);
    });
  }
  // A write may move the provider's figures of edited proventos: the review list follows;
  // and a trade moves the income tax.
  initLedger({ changed: () => Promise.all([refreshFigures(), loadReview(), reloadTax()]) });
  initInstruments();
  initReview({ changed: () => Promise.all([refreshFigures(), loadLedger()]) });
  // An import writes many entries at once: the ledger, the figures and the review list follow.
  initImports({ changed: () => Promise.all([refreshFigures(), loadLedger(), loadReview()]) });
  initTax();
}

export async function showClient(view, id, user) {
  const load = ++loads;
  view.dataset.state = "loading";
  state = { id, performance: null, period: state.period };
  for (const part of ["summary", "positions", "cash", "positions-totals", "monthly", "perf-legend"]) $(part).replaceChildren();
  for (const chart of ["perf-chart", "types-chart"]) $(chart).replaceChildren();
  const client = await api(`/clients/${id}`); // 404 (missing, or not this advisor's) ends here
  if (load !== loads) return;
  $("client-name").textContent = client.name;
  $("client-crumb").textContent = client.name;
  $("client-meta").textContent = [client.email, client.status === "active" ? "Ativo" : "Inativo"].join(" · ");
  document.title = `${client.name} — Carteira`;
  for (const [link, path, format, extra] of [
    ["dl-positions-csv", "positions", "csv", { dialect: "br" }],
    ["dl-positions-xlsx", "positions", "xlsx", {}],
    ["dl-performance-csv", "performance", "csv", { dialect: "br", benchmarks: BENCHMARKS }],
    ["dl-performance-xlsx", "performance", "xlsx", { benchmarks: BENCHMARKS }],
    ["dl-transactions-csv", "transactions", "csv", { dialect: "br" }],
  ]) {
    $(link).href = `/clients/${id}/${path}?` + new URLSearchParams({ format, ...extra });
  }
  showImports(id, user);
  showStatementPicker(id);
  await Promise.all([refreshFigures(load), showLedger(id, user), showReview(id, user), showTax(id)]);
  if (load === loads) view.dataset.state = "ready";
}

// Positions and performance again: after a ledger write both have moved.
async function refreshFigures(load = loads) {
  const id = state.id;
  const [positions, performance] = await Promise.all([
    api(`/clients/${id}/positions`),
    api(`/clients/${id}/performance`, { params: { benchmarks: BENCHMARKS } }),
  ]);
  if (load !== loads || id !== state.id) return;
  state.performance = performance;
  drawPositions(positions);
  drawSummary(performance);
  drawPerformance(performance);
  drawMonthly(performance);
  document.dispatchEvent(new CustomEvent("carteira:today", { detail: performance.end }));
}

function kpi(label, text, value, cls = "") {
  return h("div", { class: "kpi " + cls },
    h("dt", {}, label),
    h("dd", { data: { value: value ?? "" } }, text));
}

const signed = (v) => (typeof v === "number" ? (v > 0 ? "up" : v < 0 ? "down" : "") : Number(v) > 0 ? "up" : Number(v) < 0 ? "down" : "");

// A table cell that says what it is when the table is read as cards (phones).
const cell = (label, attrs, ...children) => h("td", { ...attrs, "data-label": label }, ...children);

function drawSummary(p) {
  const t = p.totals;
  const cur = p.currency;
  const cdi = p.benchmarks.find((b) => b.code === "CDI");
  const ofCdi = pctOfCdi(p.pct_of_cdi, p.twr_pct, cdi ? cdi.twr_pct : null);
  $("summary").replaceChildren(
    kpi("Patrimônio", money(t.value, cur), t.value, "kpi-main"),
    kpi("Aportes líquidos", money(t.invested, cur), t.invested),
    kpi("Resultado", money(t.pnl, cur), t.pnl, signed(t.pnl)),
    kpi("Ganho de capital", money(t.capital_gain, cur), t.capital_gain, signed(t.capital_gain)),
    kpi("Proventos líquidos", money(t.income, cur), t.income),
    kpi("Rentabilidade (TWR)", pct(p.twr_pct, { sign: true }), p.twr_pct, signed(p.twr_pct)),
    kpi("% do CDI desde o início", ofCdi, ofCdi === DASH ? "" : p.pct_of_cdi),
    kpi("TIR a.a. (XIRR)", pct(p.xirr_pct, { sign: true }), p.xirr_pct, signed(p.xirr_pct)),
    kpi("Volatilidade a.a.", pct(p.volatility_pct), p.volatility_pct),
    kpi("Maior queda", pct(p.max_drawdown_pct), p.max_drawdown_pct),
    kpi("Variação no dia", money(t.day_change, cur), t.day_change, signed(t.day_change)),
  );
  drawPeriods(p, cdi);
  const notes = [];
  if (p.as_of && p.as_of !== p.end) notes.push(`Rentabilidade até o fechamento de ${date(p.as_of)}.`);
  if (p.xirr_pct === null && p.xirr_note_code) notes.push(`TIR não calculada: ${xirrNote(p.xirr_note_code)}.`);
  if (p.prices_missing.length) notes.push("Sem preço em alguns dias para: " + [...new Set(p.prices_missing.map((g) => g.ticker))].join(", ") + ".");
  if (p.fx_missing.length) notes.push("Sem câmbio em alguns dias para: " + [...new Set(p.fx_missing.map((g) => g.currency))].join(", ") + ".");
  if (p.prices_unavailable) notes.push("Cotação ao vivo indisponível: usado o último fechamento.");
  $("summary-notes").textContent = notes.join(" ");
  $("summary-notes").hidden = !notes.length;
}

// The statement's top table: each period's return beside CDI and IBOVESPA, % do CDI ("—" when
// it means nothing) and the proventos received in it.
function drawPeriods(p, cdi) {
  const ibov = p.benchmarks.find((b) => b.code === "IBOV");
  const cur = p.currency;
  $("periods").replaceChildren(...Object.entries(PERIOD_NAMES).map(([period, name]) => {
    const cdiPct = cdi ? cdi.periods[period] : null;
    const ofCdi = pctOfCdi((p.pct_of_cdi_periods || {})[period] ?? null, p.periods[period], cdiPct);
    const income = (p.income || {})[period] || { gross: null, withheld: null, net: null };
    return h("tr", { data: { period } },
      h("th", { scope: "row" }, name[0].toUpperCase() + name.slice(1)),
      cell("Carteira", { class: "num portfolio " + signed(p.periods[period]) }, pct(p.periods[period], { sign: true })),
      cell("CDI", { class: "num" }, pct(cdiPct)),
      cell("IBOV", { class: "num" }, pct(ibov ? ibov.periods[period] : null)),
      cell("% do CDI", { class: "num of-cdi" }, ofCdi),
      cell("Proventos brutos", { class: "num" }, money(income.gross, cur)),
      cell("IR retido", { class: "num" }, money(income.withheld, cur)),
      cell("Proventos líquidos", { class: "num income", data: { value: income.net ?? "" } }, money(income.net, cur)),
    );
  }));
}

// The close each period is measured from (as the API measures its `periods`).
function periodBase(period, end, first) {
  const [y, m, d] = end.split("-").map(Number);
  const iso = (dt) => dt.toISOString().slice(0, 10);
  if (period === "month") return iso(new Date(Date.UTC(y, m - 1, 0)));
  if (period === "ytd") return `${y - 1}-12-31`;
  if (period === "12m") return iso(new Date(Date.UTC(y - 1, m - 1, Math.min(d, m === 2 && d === 29 ? 28 : d))));
  return first;
}

// A cumulative curve seen from `base`: (1 + c) / (1 + c at base) - 1, so every line of the
// chart starts the period at 0 %, like the period returns the API gives.
function rebased(points, base) {
  let origin = 0;
  for (const p of points) {
    if (p.date > base) break;
    if (Number.isFinite(p.value)) origin = p.value;
  }
  return points
    .filter((p) => p.date > base)
    .map((p) => ({ date: p.date, value: Number.isFinite(p.value) ? ((1 + p.value / 100) / (1 + origin / 100) - 1) * 100 : null }));
}

function drawPerformance(p) {
  const period = state.period;
  const eve = p.series.length ? p.series[0].date : p.start;
  const base = period === "inception" ? "0000-00-00" : periodBase(period, p.end, eve);
  const lines = [{ key: "portfolio", name: "Carteira", points: p.series.map((s) => ({ date: s.date, value: s.cumulative_twr_pct })), period: p.periods[period] }];
  for (const b of p.benchmarks) {
    lines.push({
      key: b.code.toLowerCase(),
      name: b.code === "IBOV" ? "IBOVESPA" : b.code,
      points: b.series.map((s) => ({ date: s.date, value: s.cumulative_pct })),
      period: b.periods[period],
      note: (b.notes || []).map(benchmarkNote).join(" "),
    });
  }
  const shown = lines.map((l) => ({ ...l, points: rebased(l.points, base) }));
  $("perf-legend").replaceChildren(...lines.map((l) => h("li", { class: `legend-${l.key}`, data: { series: l.key, value: l.period ?? "" } },
    h("span", { class: "swatch", "aria-hidden": "true" }),
    `${l.name} ${PERIOD_NAMES[period]}: `,
    h("strong", {}, pct(l.period, { sign: true })),
  )));
  const chart = $("perf-chart");
  chart.dataset.period = period;
  lineChart(chart, {
    series: shown,
    label: `Rentabilidade acumulada ${PERIOD_NAMES[period]}: ` + lines.map((l) => `${l.name} ${pct(l.period, { sign: true })}`).join(", "),
  });
  const notes = lines.filter((l) => l.note).map((l) => `${l.name}: ${l.note}`);
  $("perf-notes").textContent = notes.join(" ");
  $("perf-notes").hidden = !notes.length;
}

// The month x year table, newest first, each year closed by its total row.
function drawMonthly(p) {
  const line = (label, row, attrs) => {
    const ofCdi = pctOfCdi(row.pct_of_cdi, row.portfolio_pct, row.benchmarks.CDI);
    return h("tr", attrs,
      h("th", { scope: "row" }, label),
      cell("Carteira", { class: "num portfolio " + signed(row.portfolio_pct), data: { value: row.portfolio_pct ?? "" } }, pct(row.portfolio_pct)),
      cell("CDI", { class: "num" }, pct(row.benchmarks.CDI)),
      cell("IBOV", { class: "num" }, pct(row.benchmarks.IBOV)),
      cell("% do CDI", { class: "num of-cdi", data: { value: ofCdi === DASH ? "" : row.pct_of_cdi } }, ofCdi),
    );
  };
  const years = new Map((p.yearly || []).map((row) => [String(row.year), row]));
  const rows = [];
  let year = null;
  for (const row of [...p.monthly].reverse()) {
    const its = row.month.slice(0, 4);
    if (its !== year && years.has(its)) rows.push(line(`Ano ${its}`, years.get(its), { class: "year-total", data: { year: its } }));
    year = its;
    rows.push(line(month(row.month), row, { data: { month: row.month } }));
  }
  $("monthly").replaceChildren(...rows);
}

// Renda fixa and Tesouro: what a redemption today would pay in IR and IOF, and the net value;
// a fund: gross only (its come-cotas is not modelled); a stale price says so.
function grossAndNet(p) {
  const lines = [];
  if (p.net_value !== null && p.net_value !== undefined) {
    const iof = Number(p.iof) ? ` · IOF ${money(p.iof, p.currency)}` : "";
    lines.push(h("span", { class: "sub taxes" }, `IR ${money(p.income_tax, p.currency)}${iof}`));
    lines.push(h("span", { class: "sub net", data: { value: p.net_value } }, `Líquido ${money(p.net_value, p.currency)}`));
  } else if (p.gross_value !== null && p.gross_value !== undefined) {
    lines.push(h("span", { class: "sub" }, "Bruto (sem come-cotas)"));
  }
  if (p.price_stale) lines.push(h("span", { class: "sub stale" }, `Preço de ${date(p.price_as_of.slice(0, 10))}`));
  return lines;
}

function netTotal(t) {
  if (t.net_value === null || t.net_value === t.value) return [];
  return [h("span", { class: "sub net", data: { value: t.net_value } }, `Líquido ${money(t.net_value, t.currency)}`)];
}

function drawPositions(data) {
  const rows = data.positions.map((p) => h("tr", { data: { ticker: p.ticker, assetId: p.asset_id } },
    h("th", { scope: "row" }, h("span", { class: "ticker" }, p.ticker), h("span", { class: "sub" }, p.name)),
    cell("Tipo", { class: "hide-md" }, assetType(p.asset_type)),
    cell("Quantidade", { class: "num quantity", data: { value: p.quantity } }, quantity(p.quantity)),
    cell("Preço médio", { class: "num" }, money(p.average_cost, p.currency)),
    cell("Cotação", { class: "num" }, money(p.current_price, p.currency)),
    cell("Dia", { class: "num " + signed(p.daily_change_pct) }, pct(p.daily_change_pct, { sign: true })),
    cell("Valor de mercado", { class: "num market", data: { value: p.market_value } }, money(p.market_value, p.currency), ...grossAndNet(p)),
    cell("Resultado", { class: "num " + signed(p.unrealized_pnl) }, money(p.unrealized_pnl, p.currency)),
    cell("Realizado", { class: "num realized", data: { value: p.realized_pnl } }, money(p.realized_pnl, p.currency)),
    cell("Proventos", { class: "num income", data: { value: p.income } }, money(p.income, p.currency)),
    cell("Peso", { class: "num weight", data: { value: p.weight_pct ?? "" } }, pct(p.weight_pct)),
  ));
  $("positions").replaceChildren(...rows);
  $("cash").replaceChildren(...data.cash.map((c) => h("tr", { class: "cash-row", data: { currency: c.currency } },
    h("th", { scope: "row" }, `Caixa (${c.currency})`),
    h("td", { class: "hide-md" }, "Caixa"),
    h("td", { colspan: 4 }),
    cell("Saldo", { class: "num balance " + signed(c.balance), data: { value: c.balance } }, money(c.balance, c.currency)),
    h("td", { colspan: 4 }),
  )));
  $("positions-totals").replaceChildren(...data.totals.map((t) => h("tr", { data: { currency: t.currency } },
    h("th", { scope: "row" }, `Total ${t.currency}`),
    h("td", { class: "hide-md" }),
    h("td", { colspan: 4 }),
    cell("Valor", { class: "num total", data: { value: t.value ?? "" } }, money(t.value, t.currency), ...netTotal(t)),
    cell("Resultado", { class: "num " + signed(t.unrealized_pnl) }, money(t.unrealized_pnl, t.currency)),
    cell("Realizado", { class: "num" }, money(t.realized_pnl, t.currency)),
    cell("Proventos", { class: "num income", data: { value: t.income } }, money(t.income, t.currency)),
    h("td", {}),
  )));
  $("positions-empty").hidden = data.positions.length > 0;
  drawTypes(data);
}

// The patrimônio by asset class (the API's sums, in the reporting currency), cash included.
function drawTypes(data) {
  const parts = data.by_class
    .filter((row) => row.market_value !== null && Number(row.market_value) !== 0)
    .map((row) => ({ key: row.asset_class, label: classLabel(row.asset_class), value: row.market_value }));
  shareChart($("types-chart"), parts, { label: "Carteira por classe de ativo", currency: data.consolidated.currency });
}

export const currentClient = () => state.id;
