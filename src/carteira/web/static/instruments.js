// Registering an instrument (POST /assets with its kind's terms): renda fixa, a Tesouro Direto
// title or a fund, each with its own fields, the API's refusals beside the field at fault. A
// registered instrument becomes the ledger form's asset, ready to be bought.
import { api, ApiError } from "./api.js";
import { $, h } from "./dom.js";
import { ISSUES, issueText, labelledIssue } from "./messages.js";

const FIELDS = {
  fixed_income: ["product", "issuer", "indexer", "rate_mode", "rate", "issue_date", "maturity_date", "face_value"],
  treasury: ["title", "maturity_date"],
  fund: ["cnpj", "name", "fund_class"],
};
const ALL = [...new Set(Object.values(FIELDS).flat())];
// Refusals about the whole instrument (their `loc` ends at the kind) that belong to one field.
const ISSUE_FIELDS = { maturity_not_after_issue: "maturity_date", rate_mode_indexer: "rate_mode" };
const CODE_FIELDS = { unknown_treasury_title: "title", ticker_taken: null };

const kind = () => $("i-kind").value;

function showKind() {
  for (const field of document.querySelectorAll("#instrument-form [data-kinds]")) {
    field.hidden = !field.dataset.kinds.split(" ").includes(kind());
  }
}

function clearErrors() {
  for (const name of ALL) {
    $(`i-${name}-error`).hidden = true;
    $(`i-${name}-error`).textContent = "";
    $(`i-${name}`).removeAttribute("aria-invalid");
  }
  $("instrument-error").hidden = true;
}

function fieldError(name, message) {
  const input = $(`i-${name}`);
  if (!input || input.closest("[data-kinds]")?.hidden) return false;
  const error = $(`i-${name}-error`);
  error.textContent = error.textContent ? `${error.textContent} ${message}` : message;
  error.hidden = false;
  input.setAttribute("aria-invalid", "true");
  return true;
}

function body() {
  const data = { kind: kind() };
  for (const name of FIELDS[data.kind]) {
    const value = $(`i-${name}`).value.trim();
    if (value !== "") data[name] = name === "rate" || name === "face_value" ? value.replace(",", ".") : value;
  }
  return data;
}

// loc: ["body", kind, field, ...] names the field; a check of the whole names its type.
function fieldOf(item) {
  const loc = Array.isArray(item.loc) ? item.loc : [];
  const named = loc[0] === "body" ? loc[loc[1] === kind() ? 2 : 1] : undefined;
  if (typeof named === "string" && ALL.includes(named)) return named;
  return ISSUE_FIELDS[item.type] || null;
}

function showRefusal(error) {
  const unplaced = [];
  if (error instanceof ApiError && error.errors.length) {
    for (const item of error.errors) {
      const field = fieldOf(item);
      if (!(field && fieldError(field, issueText(item)))) unplaced.push(labelledIssue(item));
    }
  } else if (error instanceof ApiError && CODE_FIELDS[error.code]) {
    if (!fieldError(CODE_FIELDS[error.code], error.message)) unplaced.push(error.message);
  } else unplaced.push(error instanceof ApiError ? error.message : "Sem conexão com o servidor.");
  if (unplaced.length) {
    $("instrument-error").textContent = unplaced.join(" ");
    $("instrument-error").hidden = false;
  }
  (document.querySelector('#instrument-form [aria-invalid="true"]') || $("instrument-error")).focus?.();
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  $("instrument-done").hidden = true;
  const data = body();
  const missing = FIELDS[data.kind].filter((name) => !(name in data) && !["face_value", "name"].includes(name));
  if (missing.length) {
    for (const name of missing) fieldError(name, ISSUES.missing);
    document.querySelector('#instrument-form [aria-invalid="true"]')?.focus();
    return;
  }
  $("instrument-submit").disabled = true;
  try {
    const asset = await api("/assets", { method: "POST", body: data });
    $("f-tickers").append(h("option", { value: asset.ticker }, asset.name));
    $("f-ticker").value = asset.ticker;
    $("instrument-done").textContent = `Cadastrado: ${asset.name} (${asset.ticker}). Já pode ser comprado no lançamento acima.`;
    $("instrument-done").hidden = false;
  } catch (error) {
    showRefusal(error);
  } finally {
    $("instrument-submit").disabled = false;
  }
}

export function initInstruments() {
  $("i-kind").addEventListener("change", () => { clearErrors(); showKind(); });
  $("instrument-form").addEventListener("submit", submit);
  showKind();
}
