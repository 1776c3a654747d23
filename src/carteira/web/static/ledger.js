// The client's ledger (GET /clients/{id}/transactions, filtered and paged) and the form that
// records any kind of entry (POST), with the API's refusals shown beside the field at fault.
import { api, ApiError } from "./api.js";
import { $, h } from "./dom.js";
import { KINDS, date, isDecimal, money, parseDecimal, quantity } from "./format.js";
import { ISSUES, issueText, labelledIssue, recorded } from "./messages.js";

const PAGE_SIZE = 20;
// The fields each kind takes (date and note always), as the API's schema has them.
const FIELDS = {
  buy: ["ticker", "quantity", "price", "fees", "settlement"],
  sell: ["ticker", "quantity", "price", "fees", "settlement"],
  dividend: ["ticker", "amount", "tax"],
  jcp: ["ticker", "amount", "tax"],
  interest: ["ticker", "amount", "tax", "currency"],
  fee: ["ticker", "amount", "currency"],
  tax: ["ticker", "amount", "currency"],
  split: ["ticker", "ratio"],
  bonus: ["ticker", "quantity", "amount"],
  deposit: ["amount", "currency"],
  withdrawal: ["amount", "currency"],
};
const OPTIONAL_ASSET = new Set(["interest", "fee", "tax"]);
const DECIMALS = new Set(["quantity", "price", "fees", "amount", "tax"]);
const AMOUNT_LABELS = { dividend: "Valor bruto", jcp: "Valor bruto", bonus: "Custo atribuído", interest: "Valor bruto" };
const ALL_FIELDS = ["date", "ticker", "quantity", "price", "amount", "fees", "tax", "ratio", "currency", "settlement", "note"];
// Refusals that name no field but clearly belong to one.
const CODE_FIELDS = { insufficient_quantity: "quantity", unknown_asset: "ticker", asset_not_found: "ticker", unknown_ticker: "ticker", currency_not_held: "currency" };
// Issues about the whole entry (their `loc` ends at the kind) that belong to one field.
const ISSUE_FIELDS = {
  asset_reference_missing: "ticker",
  asset_reference_twice: "ticker",
  tax_exceeds_amount: "tax",
  ratio_not_positive: "ratio",
  date_in_future: "date",
  date_too_early: "date",
};

let clientId = null;
let filter = { kind: "", start: "", end: "", page: 1 };
// For the default settlement of a buy: the client's cash per currency, each ticker's currency.
let cash = new Map();
let currencies = new Map();
let settlementChosen = false; // the person picked one: leave it alone
let onChanged = () => {};
let loads = 0;

export function initLedger({ changed }) {
  onChanged = changed;
  const kindFilter = $("ledger-kind");
  const kindInput = $("f-kind");
  for (const [kind, label] of Object.entries(KINDS)) {
    kindFilter.append(h("option", { value: kind }, label));
    kindInput.append(h("option", { value: kind }, label));
  }
  $("ledger-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    filter = { kind: kindFilter.value, start: $("ledger-start").value, end: $("ledger-end").value, page: 1 };
    loadLedger().catch(() => {});
  });
  $("ledger-prev").addEventListener("click", () => { filter.page -= 1; loadLedger().catch(() => {}); });
  $("ledger-next").addEventListener("click", () => { filter.page += 1; loadLedger().catch(() => {}); });
  kindInput.addEventListener("change", arrangeForm);
  for (const field of ["f-ticker", "f-quantity", "f-price", "f-fees"]) $(field).addEventListener("input", defaultSettlement);
  $("f-settlement").addEventListener("change", () => { settlementChosen = true; });
  $("tx-form").addEventListener("submit", submit);
  // The firm's "today" (the performance answer's end): the form's default date.
  document.addEventListener("carteira:today", (event) => {
    const input = $("f-date");
    input.max = event.detail;
    if (!input.value) input.value = event.detail;
  });
  arrangeForm();
}

export async function showLedger(id, user) {
  clientId = id;
  filter = { kind: "", start: "", end: "", page: 1 };
  $("ledger-filter").reset();
  $("tx-form").reset();
  $("f-date").value = "";
  settlementChosen = false;
  cash = new Map();
  currencies = new Map();
  clearErrors();
  $("tx-done").hidden = true;
  arrangeForm();
  // Readers see the ledger but no control that writes.
  $("tx-card").hidden = !user || user.role === "reader";
  await Promise.all([loadLedger(), loadTickers()]);
}

export async function loadLedger() {
  const load = ++loads;
  const page = await api(`/clients/${clientId}/transactions`, {
    params: { kind: filter.kind, start: filter.start, end: filter.end, page: filter.page, page_size: PAGE_SIZE },
  });
  if (load !== loads) return;
  filter.page = page.page;
  $("ledger").replaceChildren(...page.items.map(row));
  $("ledger-empty").hidden = page.items.length > 0;
  $("ledger-page").textContent = page.total ? `Página ${page.page} de ${page.pages} · ${page.total} lançamentos` : "";
  $("ledger-prev").disabled = page.page <= 1;
  $("ledger-next").disabled = page.page >= page.pages;
  $("ledger-table").dataset.total = String(page.total);
}

// Entries not typed here say where they came from.
const SOURCE_TAGS = {
  provider: () => h("span", { class: "tag tag-info", title: "registrado a partir do provedor" }, "auto"),
  import: () => h("span", { class: "tag tag-muted", title: "importado de um arquivo" }, "importado"),
};

// A cell that says what it is when the table is read as cards (phones).
const cell = (label, attrs, ...children) => h("td", { ...attrs, "data-label": label }, ...children);

function row(tx) {
  const cur = tx.currency;
  return h("tr", { data: { id: tx.id, kind: tx.kind } },
    cell("Data", {}, date(tx.date)),
    cell("Tipo", {}, KINDS[tx.kind] || tx.kind, SOURCE_TAGS[tx.source]?.() || ""),
    cell("Ativo", {}, tx.ticker || "—"),
    cell(tx.kind === "split" ? "Proporção" : "Quantidade", { class: "num" }, tx.kind === "split" ? (tx.ratio || "—") : quantity(tx.quantity)),
    cell("Preço", { class: "num" }, money(tx.price, cur)),
    cell("Valor", { class: "num", data: { value: tx.amount ?? "" } }, money(tx.amount, cur)),
    cell("Taxas", { class: "num" }, Number(tx.fees) ? money(tx.fees, cur) : "—"),
    cell("Imposto", { class: "num" }, Number(tx.tax) ? money(tx.tax, cur) : "—"),
    cell("Liquidação", { class: "hide-sm" }, tx.settlement === "cash" ? "Caixa" : "Externa"),
    cell("Nota", { class: "hide-sm note" }, tx.note || ""),
  );
}

// Tickers the client holds and the registered assets, as suggestions; the client's cash.
async function loadTickers() {
  const [positions, assets] = await Promise.allSettled([
    api(`/clients/${clientId}/positions`),
    api("/assets", { params: { page_size: 100 } }),
  ]);
  const names = new Map();
  if (positions.status === "fulfilled") {
    for (const p of positions.value.positions) { names.set(p.ticker, p.name); currencies.set(p.ticker, p.currency); }
    cash = new Map(positions.value.cash.map((c) => [c.currency, Number(c.balance)]));
  }
  if (assets.status === "fulfilled") {
    for (const a of assets.value.items) {
      if (!names.has(a.ticker)) names.set(a.ticker, a.name);
      if (!currencies.has(a.ticker)) currencies.set(a.ticker, a.currency);
    }
  }
  $("f-tickers").replaceChildren(...[...names].map(([ticker, name]) => h("option", { value: ticker }, name)));
  defaultSettlement();
}

// A buy the client's cash can pay for is paid from it ("Caixa"), otherwise the money comes
// from outside; once the person picks one, theirs stands. Only a default: the API computes
// the entry's cost and the cash it leaves.
export function settlementFor({ kind, currency, balance, quantity: q, price, fees }) {
  if (kind !== "buy" || !currency || !(balance > 0) || !isDecimal(q) || !isDecimal(price)) return "external";
  const cost = Number(q) * Number(price) + (isDecimal(fees) ? Number(fees) : 0);
  return cost > 0 && cost <= balance ? "cash" : "external";
}

function defaultSettlement() {
  if (settlementChosen) return;
  const ticker = $("f-ticker").value.trim().toUpperCase();
  const currency = currencies.get(ticker);
  $("f-settlement").value = settlementFor({
    kind: $("f-kind").value,
    currency,
    balance: cash.get(currency),
    quantity: parseDecimal($("f-quantity").value),
    price: parseDecimal($("f-price").value),
    fees: parseDecimal($("f-fees").value),
  });
}

function arrangeForm() {
  const kind = $("f-kind").value || "buy";
  const wanted = new Set(FIELDS[kind]);
  for (const field of document.querySelectorAll("#tx-form [data-field]")) field.hidden = !wanted.has(field.dataset.field);
  $("f-amount-label").textContent = AMOUNT_LABELS[kind] || "Valor";
  $("f-tax-hint").hidden = kind !== "jcp";
  $("f-ticker").required = wanted.has("ticker") && !OPTIONAL_ASSET.has(kind);
  document.querySelector('label[for="f-ticker"]').textContent = OPTIONAL_ASSET.has(kind) ? "Ativo (ticker, opcional)" : "Ativo (ticker)";
  clearErrors();
  defaultSettlement();
}

function body() {
  const kind = $("f-kind").value;
  const data = { kind, date: $("f-date").value };
  for (const field of FIELDS[kind]) {
    const raw = $("f-" + field).value.trim();
    if (!raw) continue;
    if (field === "ticker") data.ticker = raw.toUpperCase();
    else if (field === "currency") data.currency = raw.toUpperCase();
    else data[field] = DECIMALS.has(field) ? parseDecimal(raw) : raw;
  }
  const note = $("f-note").value.trim();
  if (note) data.note = note;
  return data;
}

function clearErrors() {
  for (const name of ALL_FIELDS) {
    const input = $("f-" + name);
    const error = $(`f-${name}-error`);
    if (input) input.removeAttribute("aria-invalid");
    if (error) { error.textContent = ""; error.hidden = true; }
  }
  $("tx-error").hidden = true;
  $("tx-error").textContent = "";
}

function fieldError(name, message) {
  const input = $("f-" + name);
  const error = $(`f-${name}-error`);
  if (!input || !error || input.closest("[data-field]")?.hidden) return false;
  error.textContent = error.textContent ? `${error.textContent} ${message}` : message;
  error.hidden = false;
  input.setAttribute("aria-invalid", "true");
  return true;
}

// Which field a 422 item is about: loc ["body", kind, field, ...], else its type's field.
function fieldOf(item, kind) {
  const loc = Array.isArray(item.loc) ? item.loc : [];
  const named = loc[0] === "body" ? loc[loc[1] === kind ? 2 : 1] : undefined;
  if (named === "asset_id" || named === "ticker") return "ticker";
  if (typeof named === "string" && ALL_FIELDS.includes(named)) return named;
  return ISSUE_FIELDS[item.type] || null;
}

function showRefusal(error, kind) {
  const unplaced = [];
  if (error instanceof ApiError && error.errors.length) {
    for (const item of error.errors) {
      const field = fieldOf(item, kind);
      if (!(field && fieldError(field, issueText(item)))) unplaced.push(labelledIssue(item));
    }
  } else if (error instanceof ApiError && error.code in CODE_FIELDS) {
    const field = error.code === "insufficient_quantity" && kind === "split" ? "ratio" : CODE_FIELDS[error.code];
    if (!fieldError(field, error.message)) unplaced.push(error.message);
  } else unplaced.push(error instanceof ApiError ? error.message : "Sem conexão com o servidor.");
  if (unplaced.length) {
    $("tx-error").textContent = unplaced.join(" ");
    $("tx-error").hidden = false;
  }
  const first = document.querySelector('#tx-form [aria-invalid="true"]');
  (first || $("tx-error")).focus?.();
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  $("tx-done").hidden = true;
  const data = body();
  // A kind that names an asset, without one: said by the field, nothing sent.
  if ($("f-ticker").required && !data.ticker) {
    fieldError("ticker", ISSUES.asset_reference_missing);
    $("f-ticker").focus();
    return;
  }
  const button = $("tx-submit");
  button.disabled = true;
  try {
    const created = await api(`/clients/${clientId}/transactions`, { method: "POST", body: data });
    const kindSelect = $("f-kind").value;
    const day = $("f-date").value;
    $("tx-form").reset();
    settlementChosen = false;
    $("f-kind").value = kindSelect;
    $("f-date").value = day;
    arrangeForm();
    $("tx-done").textContent = recorded(created.kind, created.date);
    $("tx-done").hidden = false;
    filter.page = 1;
    await Promise.all([loadLedger(), onChanged(), loadTickers()]); // the cash has moved too
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return; // the sign-in takes over
    showRefusal(error, data.kind);
  } finally {
    button.disabled = false;
  }
}
