// The API, from the page: cookie session, CSRF header on writes, errors as ApiError.

export class ApiError extends Error {
  constructor(status, body) {
    const detail = body && body.detail;
    super(typeof detail === "string" ? detail : describeList(detail) || `Falha na requisição (HTTP ${status}).`);
    this.status = status;
    this.code = body && typeof body.code === "string" ? body.code : "";
    this.errors = Array.isArray(detail) ? detail : []; // FastAPI's 422: [{loc, msg, type}]
  }
}

function describeList(detail) {
  if (!Array.isArray(detail)) return "";
  return detail.map((d) => d && cleanMessage(d.msg)).filter(Boolean).join("; ");
}

export const cleanMessage = (msg) => String(msg || "").replace(/^Value error, /, "");

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

// JSON in, JSON out. A 401 anywhere but the session check means the session has ended.
export async function api(path, { method = "GET", body, params, signal } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = readCookie("csrf_token") || csrfToken;
  const res = await fetch(url(path, params), {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
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
  return String((error && error.message) || error);
}
