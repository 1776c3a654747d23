// Proventos to review: provider-made entries a user edited whose basis (the quantity held the
// day before the ex date) has since changed. The provider's new figure stands beside the
// user's, with one click to accept it (POST .../accept-provider).
import { api, describe } from "./api.js";
import { $, h } from "./dom.js";
import { KINDS, date, money } from "./format.js";

let clientId = null;
let canWrite = false;
let onChanged = () => {};
let loads = 0;

export function initReview({ changed }) {
  onChanged = changed;
  $("review").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-accept]");
    if (button) accept(button).catch(() => {});
  });
}

export async function showReview(id, user) {
  clientId = id;
  canWrite = Boolean(user) && user.role !== "reader";
  $("review-card").hidden = true; // not another client's list while this one loads
  $("review-error").hidden = true;
  await loadReview();
}

export async function loadReview() {
  const load = ++loads;
  const page = await api(`/clients/${clientId}/transactions`, { params: { needs_review: true, page_size: 100 } });
  if (load !== loads) return;
  $("review").replaceChildren(...page.items.map(row));
  $("review-card").hidden = page.items.length === 0;
  $("review-count").textContent = page.total === 1 ? "1 lançamento" : `${page.total} lançamentos`;
}

// A provider figure of 0: nothing was held the day before the ex date, so the provider would
// remove the entry.
const removes = (tx) => Number(tx.provider_amount) === 0;

function row(tx) {
  const label = removes(tx) ? "Aceitar remoção" : "Aceitar valor do provedor";
  return h("tr", { data: { id: tx.id, kind: tx.kind } },
    h("td", {}, date(tx.date)),
    h("td", {}, KINDS[tx.kind] || tx.kind),
    h("td", {}, tx.ticker || "—"),
    h("td", { class: "num mine", data: { value: tx.amount ?? "" } }, tx.kind === "split" ? (tx.ratio || "—") : money(tx.amount, tx.currency)),
    h("td", { class: "num provider", data: { value: tx.provider_amount ?? "" } },
      removes(tx) ? "Remover (nada em carteira na véspera da data ex)" : money(tx.provider_amount, tx.currency)),
    h("td", {}, canWrite
      ? h("button", { type: "button", class: "btn btn-secondary", data: { accept: tx.id }, "aria-label": `${label}: ${KINDS[tx.kind] || tx.kind} de ${tx.ticker || ""} em ${date(tx.date)}` }, label)
      : ""),
  );
}

async function accept(button) {
  button.disabled = true;
  $("review-error").hidden = true;
  try {
    await api(`/clients/${clientId}/transactions/${button.dataset.accept}/accept-provider`, { method: "POST" });
    await Promise.all([loadReview(), onChanged()]);
  } catch (error) {
    $("review-error").textContent = describe(error);
    $("review-error").hidden = false;
    button.disabled = false;
  }
}
