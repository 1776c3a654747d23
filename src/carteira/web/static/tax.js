// A client's "Imposto de renda": the year's monthly apuração (GET /clients/{id}/tax/monthly),
// one row per month with each pool's result, the losses still to offset, the tax, the IRRF and
// the DARF with its due date; the workbooks of the apuração and of the annual return.
import { api } from "./api.js";
import { $, h } from "./dom.js";
import { DASH, date, money, month } from "./format.js";

const POOLS = { comum: "Comum", day_trade: "Day trade", fii: "FII" };
const RESULTS = { comum: "Resultado comum", day_trade: "Resultado day trade", fii: "Resultado FII" };
const OUTSIDE = { foreign_asset: "listado no exterior", crypto: "criptoativo" };
const YEARS_BACK = 5;
let shown = { id: null, year: null };
let loads = 0;

export function initTax() {
  $("tax-year").addEventListener("change", (event) => {
    if (shown.id !== null) loadTax(shown.id, Number(event.target.value)).catch(() => {});
  });
}

// The client page opens on the current year: the firm's, which the API answers by default.
export async function showTax(id) {
  $("tax-year").replaceChildren();
  $("tax-months").replaceChildren();
  $("tax-totals").replaceChildren();
  $("tax-notes").replaceChildren();
  const answer = await loadTax(id, null);
  if (!answer) return;
  $("tax-year").replaceChildren(...Array.from({ length: YEARS_BACK + 1 }, (_, n) => {
    const y = answer.year - n;
    return h("option", { value: y }, String(y));
  }));
  $("tax-year").value = String(answer.year);
}

export async function reloadTax() {
  if (shown.id !== null) await loadTax(shown.id, shown.year);
}

// The year's answer drawn (null: the current year); null when a later load took over.
async function loadTax(id, year) {
  const load = ++loads;
  shown = { id, year };
  $("tax-card").dataset.state = "loading";
  const answer = await api(`/clients/${id}/tax/monthly`, { params: { year } });
  if (load !== loads) return null;
  shown = { id, year: answer.year };
  for (const which of ["monthly", "annual"]) {
    for (const [suffix, format] of [["", "xlsx"], ["-pdf", "pdf"]]) {
      $(`dl-tax-${which}${suffix}`).href = `/clients/${id}/tax/${which}?` + new URLSearchParams({ year: answer.year, format });
    }
  }
  drawTax(answer);
  $("tax-card").dataset.state = "ready";
  return answer;
}

const cell = (label, attrs, ...children) => h("td", { ...attrs, "data-label": label }, ...children);
const sum = (values) => values.reduce((a, v) => a + Number(v), 0).toFixed(2);
const result = (p) => (Number(p.gains) - Number(p.losses)).toFixed(2);
const signed = (v) => (Number(v) > 0 ? "up" : Number(v) < 0 ? "down" : "");

function drawTax(answer) {
  const rows = answer.months.map((m) => {
    const pools = Object.fromEntries(m.categories.map((p) => [p.category, p]));
    const d = m.darf;
    const carried = m.categories.filter((p) => Number(p.loss_carried_out) > 0);
    const under = Number(d.carried_under_minimum) > 0;
    return h("tr", { data: { month: m.month } },
      h("th", { scope: "row" }, month(m.month)),
      ...Object.entries(RESULTS).map(([key, label]) => {
        const p = pools[key];
        const moved = Number(p.sales) > 0;
        return cell(label, { class: "num " + (moved ? signed(result(p)) : ""), data: { pool: key, value: moved ? result(p) : "" } },
          moved ? money(result(p)) : DASH);
      }),
      cell("Isento", { class: "num", data: { value: pools.comum.exempt_gains } }, Number(pools.comum.exempt_gains) ? money(pools.comum.exempt_gains) : DASH),
      cell("Prejuízo a compensar", { class: "losses" }, carried.length
        ? carried.map((p) => h("span", { class: "line", data: { pool: p.category } }, `${POOLS[p.category]}: ${money(p.loss_carried_out)}`))
        : DASH),
      cell("Imposto devido", { class: "num", data: { value: d.tax_due } }, Number(d.tax_due) ? money(d.tax_due) : DASH),
      cell("IRRF deduzido", { class: "num", data: { value: d.irrf_deducted } }, Number(d.irrf_deducted) ? money(d.irrf_deducted) : DASH),
      cell("DARF", { class: "num darf", data: { value: d.amount } },
        Number(d.amount) ? money(d.amount) : under ? h("span", { class: "sub" }, `${money(d.carried_under_minimum)} a somar (abaixo de R$ 10,00)`) : DASH),
      cell("Vencimento", { class: "due", data: { value: d.due_date ?? "" } }, d.due_date ? date(d.due_date) : DASH),
    );
  });
  $("tax-months").replaceChildren(...rows);
  const darfs = answer.months.map((m) => m.darf);
  $("tax-totals").replaceChildren(h("tr", {},
    h("th", { scope: "row" }, `Ano ${answer.year}`),
    h("td", { colspan: 5 }),
    cell("Imposto devido", { class: "num" }, money(sum(darfs.map((d) => d.tax_due)))),
    cell("IRRF deduzido", { class: "num" }, money(sum(darfs.map((d) => d.irrf_deducted)))),
    cell("DARF", { class: "num", data: { value: sum(darfs.map((d) => d.amount)) } }, money(sum(darfs.map((d) => d.amount)))),
    h("td", {}),
  ));
  const notes = ["DARF código 6015, vencimento no último dia útil do mês seguinte."];
  if (Number(answer.irrf_left) > 0) notes.push(`IRRF a compensar no ano: ${money(answer.irrf_left)} (vai para a declaração anual).`);
  for (const note of answer.notes) {
    if (note.code === "irrf_from_sales") notes.push("O IRRF é estimado a partir das vendas; confira nas notas de corretagem.");
    if (note.code === "units_or_fiis") notes.push(`Contados como units (ações, com isenção até R$ 20.000,00): ${note.tickers.join(", ")}. Se algum for FII ou Fiagro, um administrador deve marcar o tipo FII.`);
  }
  if (answer.not_computed.length) {
    notes.push("Não apurados aqui: " + answer.not_computed.map((n) => `${n.ticker} (${OUTSIDE[n.reason] || n.reason})`).join(", ") + ".");
  }
  $("tax-notes").replaceChildren(...notes.map((text) => h("li", {}, text)));
}
