// The API, from the page: cookie session, CSRF header on writes, errors as ApiError.
import { errorText, labelledIssue } from "./messages.js";

// An answer other than 2xx, said in Portuguese: `message` from the error's code (and the
// values the API sends beside it), or from a 422's list of issues; never the API's English.
export class ApiError extends Error {
  constructor(status, body) {
    const data = body && typeof body === "object" ? body : {};
    const code = typeof data.code === "string" ? data.code : "";
    const issues = Array.isArray(data.detail) ? data.detail.filter((d) => d && typeof d === "object") : [];
    const { detail: _detail, code: _code, ...fields } = data;
    super(issues.length ? issues.map(labelledIssue).join(" ") : errorText(code, status, fields));
    this.status = status;
    this.code = code;
    this.fields = fields; // the values the error names: {ticker, date, quantity}, ...
    this.errors = issues; // FastAPI's 422: [{loc, msg, type, ctx}]
  }
}

let csrfToken = "";
let unauthorized = () => {};
export const onUnauthorized = (handler) => { unauthorized = handler; };
export const setCsrf = (token) => { csrfToken = token || ""; };

function readCookie(name) {
  const hit = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
  return hit ? decodeURIComponent(hit.slice(name.length + 1)) : "";
}

export function url(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

// JSON in (or a form with a file: `form`, a FormData), JSON out. A 401 anywhere but the session
// check means the session has ended.
export async function api(path, { method = "GET", body, form, params, signal } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = readCookie("csrf_token") || csrfToken;
  const res = await fetch(url(path, params), {
    method,
    headers,
    credentials: "same-origin",
    body: form !== undefined ? form : body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  let data = null;
  if (res.status !== 204) {
    try { data = await res.json(); } catch { data = null; }
  }
  if (!res.ok) {
    if (res.status === 401 && path !== "/auth/me" && path !== "/auth/login") unauthorized();
    throw new ApiError(res.status, data);
  }
  return data;
}

// A message for a person, whatever went wrong.
export function describe(error) {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return "Sem conexão com o servidor.";
  return "Ocorreu um erro inesperado; recarregue a página.";
}
