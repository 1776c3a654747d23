// The monthly statements: on a client's page "Relatório do mês" (GET /clients/{id}/statement,
// a PDF downloaded once it is printed, or the reason it cannot be, in Portuguese); on the
// overview "Gerar relatórios do mês" for the whole book (POST /jobs/statements, its progress
// from GET /jobs/{id}, then the ZIP at /jobs/{id}/result).
import { ApiError, api, describe } from "./api.js";
import { $ } from "./dom.js";

const POLL_MS = 1000;
let clientId = null;
let polling = null;

// The month before the current one: the one statements are usually sent for.
function lastMonth() {
  const now = new Date();
  const d = new Date(now.getFullYear(), now.getMonth() - 1, 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
}

const parts = (value) => {
  const m = /^(\d{4})-(\d{2})$/.exec(value || "");
  return m ? { year: Number(m[1]), month: Number(m[2]) } : null;
};

function say(id, text) {
  $(id).textContent = text;
  $(id).hidden = !text;
}

export function initStatements() {
  $("statement-download").addEventListener("click", () => downloadStatement().catch(() => {}));
  $("batch-start").addEventListener("click", () => startBatch().catch(() => {}));
}

export function showStatementPicker(id) {
  clientId = id;
  if (!$("statement-month").value) $("statement-month").value = lastMonth();
  say("statement-error", "");
  say("statement-status", "");
}

async function downloadStatement() {
  const chosen = parts($("statement-month").value);
  if (!chosen) {
    say("statement-error", "Escolha o mês do relatório.");
    return;
  }
  const id = clientId;
  $("statement-download").disabled = true;
  say("statement-error", "");
  say("statement-status", "Gerando o relatório…");
  try {
    const res = await fetch(`/clients/${id}/statement?` + new URLSearchParams(chosen), {
      credentials: "same-origin",
    });
    if (!res.ok) {
      let body = null;
      try { body = await res.json(); } catch { body = null; }
      throw new ApiError(res.status, body);
    }
    const blob = await res.blob();
    const name = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "")?.[1]
      || `relatorio-${chosen.year}-${String(chosen.month).padStart(2, "0")}.pdf`;
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    say("statement-status", "Relatório baixado.");
  } catch (error) {
    say("statement-status", "");
    say("statement-error", describe(error));
  } finally {
    $("statement-download").disabled = false;
  }
}

// The overview's card: for those who may start a batch (not readers).
export function showBatch(user) {
  const card = $("batch-card");
  card.hidden = !user || user.role === "reader";
  if (!$("batch-month").value) $("batch-month").value = lastMonth();
}

export function resetBatch() {
  if (polling) clearTimeout(polling);
  polling = null;
  $("batch-card").dataset.state = "idle";
  for (const id of ["batch-progress", "batch-failed", "batch-error"]) say(id, "");
  $("batch-bar").hidden = $("batch-zip").hidden = true;
  $("batch-start").disabled = false;
}

async function startBatch() {
  const chosen = parts($("batch-month").value);
  resetBatch();
  if (!chosen) {
    say("batch-error", "Escolha o mês dos relatórios.");
    return;
  }
  $("batch-start").disabled = true;
  try {
    const { job_id: jobId } = await api("/jobs/statements", { method: "POST", body: chosen });
    $("batch-card").dataset.state = "running";
    say("batch-progress", "Na fila…");
    await follow(jobId);
  } catch (error) {
    $("batch-start").disabled = false;
    $("batch-card").dataset.state = "error";
    say("batch-error", describe(error));
  }
}

async function follow(jobId) {
  const state = await api(`/jobs/${encodeURIComponent(jobId)}`);
  const progress = state.progress;
  if (progress) {
    $("batch-bar").hidden = false;
    $("batch-bar").max = Math.max(progress.total, 1);
    $("batch-bar").value = progress.done;
    say("batch-progress", `${progress.done} de ${progress.total} clientes`);
  }
  if (state.status === "complete") {
    const result = state.result || {};
    say("batch-progress", `Pronto: ${result.rendered ?? 0} de ${result.total ?? 0} relatórios.`);
    const failed = result.failed || [];
    say("batch-failed", failed.length
      ? `${failed.length} cliente(s) não puderam ser gerados; veja falhas.csv no ZIP.` : "");
    $("batch-zip").href = `/jobs/${encodeURIComponent(jobId)}/result`;
    $("batch-zip").hidden = false;
    $("batch-start").disabled = false;
    $("batch-card").dataset.state = "ready";
    return;
  }
  if (state.status === "failed" || state.status === "not_found") {
    throw new Error("batch " + state.status);
  }
  await new Promise((resolve) => { polling = setTimeout(resolve, POLL_MS); });
  await follow(jobId);
}
