// The office overview: AUM by asset type (GET /reports/aum), the month's captação líquida
// (GET /reports/inflows, then /ws/dashboard's inflows frames for the current month) and the
// DARFs due this month (GET /reports/tax).
import { api } from "./api.js";
import { shareChart } from "./charts.js";
import { $, h, setText } from "./dom.js";
import { date, integer, money, month as monthLabel } from "./format.js";
import { classLabel } from "./palette.js";

let shown = null; // {year, month} of the captação on screen
let loads = 0;

export function initOverview() {
  $("inflows-month").addEventListener("change", (event) => {
    const m = /^(\d{4})-(\d{2})$/.exec(event.target.value);
    if (m) loadInflows(+m[1], +m[2]).catch(() => {});
  });
}

export async function showOverview(view) {
  const load = ++loads;
  view.dataset.state = "loading";
  try {
    await Promise.all([loadAum(), loadInflows(shown?.year, shown?.month), loadDarfs()]);
    if (load === loads) view.dataset.state = "ready";
  } catch (error) {
    if (load === loads) view.dataset.state = "error";
    throw error;
  }
}

async function loadAum() {
  const aum = await api("/reports/aum");
  const currency = aum.currency;
  setText($("aum-value"), money(aum.value, currency), aum.value);
  setText($("aum-market"), money(aum.market_value, currency), aum.market_value);
  setText($("aum-cash"), money(aum.cash, currency), aum.cash);
  setText($("aum-clients"), integer(aum.clients), aum.clients);
  $("aum-cash").classList.toggle("down", Number(aum.cash) < 0); // overdrawn books: in red
  shareChart($("aum-chart"), aum.by_class.map((row) => ({
    key: row.asset_class,
    label: classLabel(row.asset_class),
    value: row.value,
  })), { label: "Patrimônio por classe de ativo", currency });
  const notes = [];
  const stale = (list) => list.map((p) => `${p.name} (${date(p.as_of)})`).join(", ");
  if (aum.prices_stale.length) notes.push("Cotação defasada, pelo último fechamento: " + stale(aum.prices_stale) + ".");
  if (aum.fx_stale.length) notes.push("Câmbio defasado, pela última taxa: " + stale(aum.fx_stale) + ".");
  if (aum.prices_missing.length) notes.push("Sem preço algum (fora do total): " + aum.prices_missing.join(", ") + ".");
  if (aum.fx_missing.length) notes.push("Sem câmbio algum (fora do total): " + aum.fx_missing.join(", ") + ".");
  $("aum-notes").textContent = notes.join(" ");
  $("aum-notes").hidden = !notes.length;
}

// The DARFs (code 6015) due this month: last month's apuração, client by client.
async function loadDarfs() {
  const body = await api("/reports/tax");
  setText($("darfs-total"), money(body.total), body.total);
  setText($("darfs-count"), integer(body.count), body.count);
  $("darfs-period").textContent = monthLabel(body.period);
  setText($("darfs-due"), date(body.due_date), body.due_date);
  const params = { year: body.year, month: body.month };
  $("dl-darfs-csv").href = "/reports/tax?" + new URLSearchParams({ ...params, format: "csv", dialect: "br" });
  $("dl-darfs-xlsx").href = "/reports/tax?" + new URLSearchParams({ ...params, format: "xlsx" });
  const top = [...body.clients].sort((a, b) => Number(b.amount) - Number(a.amount)).slice(0, 5);
  $("darfs-clients").replaceChildren(...top.map((c) => h("li", { data: { clientId: c.client_id } },
    h("a", { href: `#/clientes/${c.client_id}` }, String(c.name)),
    h("span", { class: "amount", data: { value: c.amount } }, money(c.amount)),
  )));
  $("darfs-empty").hidden = body.count > 0;
}

export async function loadInflows(year, month) {
  const body = await api("/reports/inflows", { params: { year, month } });
  renderInflows(body);
}

// A frame of /ws/dashboard: the current month, whenever it changes.
export function liveInflows(frame) {
  if (!frame || typeof frame.year !== "number") return;
  if (!shown || (shown.year === frame.year && shown.month === frame.month)) renderInflows(frame);
}

function renderInflows(body) {
  shown = { year: body.year, month: body.month };
  const currency = body.currency;
  $("inflows-month").value = `${body.year}-${String(body.month).padStart(2, "0")}`;
  const net = $("inflows-net");
  setText(net, money(body.net, currency), body.net);
  net.classList.toggle("down", Number(body.net) < 0);
  setText($("inflows-in"), money(body.inflows, currency), body.inflows);
  setText($("inflows-out"), money(body.outflows, currency), body.outflows);
  setText($("inflows-count"), integer(body.count), body.count);
  // Who brought money in, the most first; a month where more left than came says so.
  const top = (Array.isArray(body.by_client) ? body.by_client : [])
    .filter((c) => c && c.net !== null && Number(c.net) > 0)
    .sort((a, b) => Number(b.net) - Number(a.net))
    .slice(0, 5);
  $("inflows-clients").replaceChildren(...top.map((c) => h("li", { data: { clientId: c.client_id } },
    h("a", { href: `#/clientes/${c.client_id}` }, String(c.name)),
    h("span", { class: "amount", data: { value: c.net } }, money(c.net, currency)),
  )));
  const negative = Number(body.net) < 0;
  $("inflows-negative").textContent = negative
    ? `Captação líquida negativa no mês: saíram ${money(String(body.net).replace(/^-/, ""), currency)} a mais do que entraram.`
    : "";
  $("inflows-negative").hidden = !negative;
  $("inflows-empty").textContent = body.count ? "Nenhum cliente com captação positiva no mês." : "Nenhuma movimentação no mês.";
  $("inflows-empty").hidden = top.length > 0;
}

export function resetOverview() {
  shown = null;
}

