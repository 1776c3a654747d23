// The client list: search and pages (GET /clients), each row's AUM and month return from the
// client's own positions and performance, a few at a time.
import { api } from "./api.js";
import { $, h, setText } from "./dom.js";
import { integer, money, pct } from "./format.js";

const PAGE_SIZE = 20;
const CONCURRENCY = 3;
let loads = 0;

export function initClients(navigate) {
  $("clients-search").addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(listHash($("clients-q").value.trim(), 1));
  });
  $("clients-prev").addEventListener("click", () => navigate(listHash(current.q, current.page - 1)));
  $("clients-next").addEventListener("click", () => navigate(listHash(current.q, current.page + 1)));
}

let current = { q: "", page: 1 };

export function listHash(q, page) {
  const params = new URLSearchParams();
  if (q) params.set("busca", q);
  if (page > 1) params.set("pagina", String(page));
  const query = params.toString();
  return "#/clientes" + (query ? "?" + query : "");
}

export async function showClients(view, params) {
  const load = ++loads;
  const q = params.get("busca") || "";
  const page = Math.max(1, parseInt(params.get("pagina") || "1", 10) || 1);
  current = { q, page };
  $("clients-q").value = q;
  view.dataset.state = "loading";
  const result = await api("/clients", { params: { search: q, page, page_size: PAGE_SIZE } });
  if (load !== loads) return;
  const rows = result.items.map((client) => h("tr", { data: { clientId: client.id } },
    h("th", { scope: "row" }, h("a", { href: `#/clientes/${client.id}` }, client.name)),
    h("td", { class: "hide-sm" }, client.email),
    h("td", {}, client.status === "active" ? "Ativo" : "Inativo"),
    h("td", { class: "num aum" }, "…"),
    h("td", { class: "num month" }, "…"),
  ));
  $("clients-rows").replaceChildren(...rows);
  $("clients-empty").hidden = rows.length > 0;
  $("clients-page").textContent = result.total
    ? `Página ${result.page} de ${result.pages} · ${integer(result.total)} ${result.total === 1 ? "cliente" : "clientes"}`
    : "";
  $("clients-prev").disabled = result.page <= 1;
  $("clients-next").disabled = result.page >= result.pages;
  view.dataset.state = "listed";
  await figures(result.items, rows, load);
  if (load === loads) view.dataset.state = "ready";
}

// Each row's AUM (positions, consolidated) and month return (performance), as they come.
async function figures(items, rows, load) {
  const queue = items.map((client, i) => [client, rows[i]]);
  const worker = async () => {
    while (queue.length && load === loads) {
      const [client, row] = queue.shift();
      const [aumCell, monthCell] = [row.querySelector(".aum"), row.querySelector(".month")];
      const [positions, performance] = await Promise.allSettled([
        api(`/clients/${client.id}/positions`),
        api(`/clients/${client.id}/performance`),
      ]);
      if (positions.status === "fulfilled") {
        const total = positions.value.consolidated;
        setText(aumCell, money(total.value, total.currency), total.value);
      } else setText(aumCell, "indisponível");
      if (performance.status === "fulfilled") {
        const month = performance.value.periods.month;
        setText(monthCell, pct(month, { sign: true }), month ?? "");
        monthCell.classList.toggle("down", month < 0);
        monthCell.classList.toggle("up", month > 0);
      } else setText(monthCell, "indisponível");
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}
