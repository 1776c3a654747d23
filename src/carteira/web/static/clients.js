// The client list: search, order and pages, each client's AUM and month return, all in one
// request (GET /clients?figures=true): the API ranks every matching client by a figure, not
// only the page shown.
import { api } from "./api.js";
import { $, h } from "./dom.js";
import { integer, money, pct } from "./format.js";

const PAGE_SIZE = 20;
const SORTS = ["name", "-name", "-aum", "aum", "-month_return", "month_return"];
let loads = 0;
let current = { q: "", page: 1, sort: "name" };

export function initClients(navigate) {
  $("clients-search").addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(listHash($("clients-q").value.trim(), 1, $("clients-sort").value));
  });
  $("clients-sort").addEventListener("change", () => navigate(listHash(current.q, 1, $("clients-sort").value)));
  $("clients-prev").addEventListener("click", () => navigate(listHash(current.q, current.page - 1, current.sort)));
  $("clients-next").addEventListener("click", () => navigate(listHash(current.q, current.page + 1, current.sort)));
}

export function listHash(q, page, sort = "name") {
  const params = new URLSearchParams();
  if (q) params.set("busca", q);
  if (sort !== "name") params.set("ordem", sort);
  if (page > 1) params.set("pagina", String(page));
  const query = params.toString();
  return "#/clientes" + (query ? "?" + query : "");
}

const cell = (label, attrs, ...children) => h("td", { ...attrs, "data-label": label }, ...children);

export async function showClients(view, params) {
  const load = ++loads;
  const q = params.get("busca") || "";
  const page = Math.max(1, parseInt(params.get("pagina") || "1", 10) || 1);
  const sort = SORTS.includes(params.get("ordem")) ? params.get("ordem") : "name";
  current = { q, page, sort };
  $("clients-q").value = q;
  $("clients-sort").value = sort;
  view.dataset.state = "loading";
  const result = await api("/clients", { params: { search: q, page, page_size: PAGE_SIZE, sort, figures: true } });
  if (load !== loads) return;
  const rows = result.items.map((client) => {
    const month = client.month_return_pct;
    return h("tr", { data: { clientId: client.id } },
      h("th", { scope: "row" }, h("a", { href: `#/clientes/${client.id}` }, client.name)),
      cell("E-mail", { class: "hide-sm" }, client.email),
      cell("Situação", {}, client.status === "active" ? "Ativo" : "Inativo"),
      cell("Patrimônio", { class: "num aum", data: { value: client.aum ?? "" } }, money(client.aum, result.currency)),
      cell("Rentab. no mês", { class: "num month " + (month > 0 ? "up" : month < 0 ? "down" : ""), data: { value: month ?? "" } },
        pct(month, { sign: true })),
    );
  });
  $("clients-rows").replaceChildren(...rows);
  $("clients-empty").hidden = rows.length > 0;
  $("clients-page").textContent = result.total
    ? `Página ${result.page} de ${result.pages} · ${integer(result.total)} ${result.total === 1 ? "cliente" : "clientes"}`
    : "";
  $("clients-prev").disabled = result.page <= 1;
  $("clients-next").disabled = result.page >= result.pages;
  view.dataset.state = "ready";
}

