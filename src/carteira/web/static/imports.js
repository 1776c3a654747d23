// "Importar extrato": a file of the client's history (B3's negociação or movimentação extract,
// or the ledger's own CSV) sent for a preview (POST /clients/{id}/imports: nothing written),
// shown row by row with its status, the errors listed by line, then confirmed (POST
// .../imports/{id}/commit): the ledger and every figure refresh.
import { api, ApiError, describe } from "./api.js";
import { $, h } from "./dom.js";
import { KINDS, date, money, quantity } from "./format.js";
import { importRowText } from "./messages.js";

// The most rows drawn in the table (a file may have 20,000): the errors are all listed above it.
const SHOWN_ROWS = 1000;
export const STATUSES = {
  new: { label: "Nova", tag: "tag-ok" },
  duplicate: { label: "Duplicada", tag: "tag-muted" },
  ignored: { label: "Ignorada", tag: "tag-warn" },
  error: { label: "Erro", tag: "tag-error" },
};

let clientId = null;
let preview = null;
let onChanged = () => {};

export function initImports({ changed }) {
  onChanged = changed;
  $("import-form").addEventListener("submit", (event) => {
    event.preventDefault();
    send().catch(() => {});
  });
  $("import-commit").addEventListener("click", () => { commit().catch(() => {}); });
  $("import-cancel").addEventListener("click", reset);
  $("import-skip").addEventListener("change", arrange);
  $("import-show").addEventListener("change", draw);
}

export function showImports(id, user) {
  clientId = id;
  $("import-card").hidden = !user || user.role === "reader";
  $("import-form").reset();
  reset();
}

function reset() {
  preview = null;
  $("import-preview").hidden = true;
  $("import-rows").replaceChildren();
  $("import-errors").replaceChildren();
  for (const id of ["import-error", "import-done"]) { $(id).hidden = true; $(id).textContent = ""; }
}

function fail(error) {
  $("import-error").textContent = describe(error);
  $("import-error").hidden = false;
}

async function send() {
  const file = $("import-file").files[0];
  reset();
  if (!file) {
    fail(new ApiError(422, { code: "", detail: [{ type: "missing", loc: ["body", "file"] }] }));
    return;
  }
  const form = new FormData();
  form.append("file", file);
  form.append("format", $("import-format").value);
  const button = $("import-submit");
  button.disabled = true;
  try {
    preview = await api(`/clients/${clientId}/imports`, { method: "POST", form });
    $("import-skip").checked = false;
    $("import-show").value = preview.counts.error ? "error" : "";
    $("import-preview").hidden = false;
    draw();
    $("import-summary").focus?.();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) fail(error);
  } finally {
    button.disabled = false;
  }
}

const plural = (n, one, many) => `${quantity(String(n))} ${n === 1 ? one : many}`;

function draw() {
  const { counts, rows } = preview;
  $("import-summary").textContent = [
    `${plural(counts.rows, "linha", "linhas")} em ${preview.file_name}:`,
    plural(counts.new, "nova", "novas") + ",",
    plural(counts.duplicate, "duplicada", "duplicadas") + ",",
    plural(counts.ignored, "ignorada", "ignoradas") + ",",
    plural(counts.error, "com erro", "com erro") + ".",
  ].join(" ");
  const errors = rows.filter((r) => r.status === "error");
  $("import-errors").replaceChildren(...errors.map((r) =>
    h("li", { data: { line: r.line } }, h("strong", {}, `Linha ${r.line}: `), importRowText(r))));
  $("import-errors").hidden = errors.length === 0;
  const wanted = $("import-show").value;
  const chosen = wanted ? rows.filter((r) => r.status === wanted) : rows;
  $("import-rows").replaceChildren(...chosen.slice(0, SHOWN_ROWS).map(row));
  $("import-more").textContent = chosen.length > SHOWN_ROWS
    ? `Mostrando ${quantity(String(SHOWN_ROWS))} de ${quantity(String(chosen.length))} linhas.` : "";
  arrange();
}

// Confirm: nothing to write, or errors not yet set aside, keep the button off.
function arrange() {
  if (!preview) return;
  const { counts } = preview;
  $("import-skip-label").hidden = counts.error === 0;
  const blocked = counts.new === 0 || (counts.error > 0 && !$("import-skip").checked);
  $("import-commit").disabled = blocked;
  $("import-commit").textContent = counts.new
    ? `Confirmar importação de ${plural(counts.new, "lançamento", "lançamentos")}`
    : "Nada novo a importar";
}

const cell = (label, attrs, ...children) => h("td", { ...attrs, "data-label": label }, ...children);

function row(r) {
  const status = STATUSES[r.status] || { label: r.status, tag: "" };
  const numbers = r.kind === "split" ? (r.ratio || "—") : quantity(r.quantity);
  return h("tr", { class: `import-${r.status}`, data: { line: r.line, status: r.status } },
    cell("Linha", { class: "num" }, String(r.line)),
    cell("Situação", {}, h("span", { class: `tag ${status.tag}` }, status.label)),
    cell("Tipo", {}, r.kind ? (KINDS[r.kind] || r.kind) : "—"),
    cell("Data", {}, date(r.date)),
    cell("Ativo", {}, r.ticker || "—"),
    cell(r.kind === "split" ? "Proporção" : "Quantidade", { class: "num" }, numbers),
    cell("Preço", { class: "num" }, money(r.price)),
    cell("Valor", { class: "num" }, money(r.amount)),
    cell("Observação", { class: "note" }, importRowText(r)),
  );
}

async function commit() {
  const button = $("import-commit");
  button.disabled = true;
  $("import-error").hidden = true;
  try {
    const params = $("import-skip").checked ? { skip_errors: true } : {};
    const done = await api(`/clients/${clientId}/imports/${preview.id}/commit`, { method: "POST", params });
    const written = done.written;
    reset();
    $("import-form").reset();
    $("import-done").textContent = `${plural(written.created, "lançamento importado", "lançamentos importados")}`
      + (written.duplicate ? `; ${plural(written.duplicate, "já estava", "já estavam")} na carteira.` : ".");
    $("import-done").hidden = false;
    await onChanged();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) fail(error);
    arrange();
  }
}
