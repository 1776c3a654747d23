// Carteira's web app: the session, the hash routes and the views. No dependencies.
import { ApiError, api, describe, onUnauthorized, setCsrf } from "./api.js";
import { initClient, showClient } from "./client.js";
import { initClients, showClients } from "./clients.js";
import { $ } from "./dom.js";
import { Feed } from "./feed.js";
import { initOverview, liveInflows, resetOverview, showOverview } from "./overview.js";
import { initStatements, resetBatch, showBatch } from "./statements.js";

const SESSION_ENDED = "Sua sessão terminou. Entre novamente.";
const ROLES = { admin: "administrador", advisor: "assessor", reader: "leitura" };
const VIEWS = ["login-view", "overview-view", "clients-view", "client-view", "missing-view"];
let user = null;

const feed = new Feed({ onInflows: liveInflows, onSessionEnded: () => signedOut(SESSION_ENDED) });

function notice(text) {
  $("notice").textContent = text || "";
  $("notice").hidden = !text;
}

function only(id) {
  for (const view of VIEWS) $(view).hidden = view !== id;
}

// ---- session -------------------------------------------------------------------------------

function signedIn(me) {
  user = me;
  $("user-email").textContent = String(me.email || "");
  $("user-role").textContent = ROLES[me.role] || String(me.role || "");
  $("user-role").dataset.role = String(me.role || "");
  $("session").hidden = $("nav").hidden = false;
  $("login-form").reset();
  $("login-error").hidden = true;
  feed.start();
  route();
}

function signedOut(message) {
  user = null;
  feed.stop();
  resetOverview();
  resetBatch();
  notice("");
  $("session").hidden = $("nav").hidden = true;
  only("login-view");
  document.title = "Carteira";
  $("login-error").textContent = message || "";
  $("login-error").hidden = !message;
  $("email").focus();
}

onUnauthorized(() => { if (user) signedOut(SESSION_ENDED); });

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").hidden = true;
  $("login-submit").disabled = true;
  try {
    const session = await api("/auth/login", {
      method: "POST",
      body: { email: $("email").value.trim(), password: $("password").value },
    });
    setCsrf(session.csrf_token);
    signedIn(await api("/auth/me"));
  } catch (error) {
    $("login-error").textContent = describe(error); // invalid_credentials, login_throttled, ...
    $("login-error").hidden = false;
  } finally {
    $("login-submit").disabled = false;
  }
});

$("logout").addEventListener("click", async () => {
  $("logout").disabled = true;
  try {
    await api("/auth/logout", { method: "POST" });
    signedOut("");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) signedOut("");
    else notice("Não foi possível sair: " + describe(error));
  } finally {
    $("logout").disabled = false;
  }
});

// ---- routes: #/  #/clientes?busca=&pagina=  #/clientes/{id} -----------------------------

const navigate = (hash) => {
  if (location.hash === hash) route();
  else location.hash = hash;
};

async function route() {
  if (!user) return;
  notice("");
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(query);
  const parts = path.split("/").filter(Boolean);
  let view;
  let show;
  if (!parts.length) [view, show] = ["overview-view", (v) => { showBatch(user); return showOverview(v); }];
  else if (parts[0] === "clientes" && parts.length === 1) [view, show] = ["clients-view", (v) => showClients(v, params)];
  else if (parts[0] === "clientes" && parts.length === 2 && /^\d+$/.test(parts[1])) {
    [view, show] = ["client-view", (v) => showClient(v, Number(parts[1]), user)];
  } else [view, show] = ["missing-view", async () => {}];
  for (const link of document.querySelectorAll("#nav a")) {
    const active = link.dataset.nav === (view === "overview-view" ? "overview" : view === "missing-view" ? "" : "clients");
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  only(view);
  if (view !== "client-view") document.title = view === "clients-view" ? "Clientes — Carteira" : "Carteira";
  const target = $(view);
  target.querySelector(".page-title")?.focus({ preventScroll: true });
  try {
    await show(target);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    target.dataset.state = "error";
    if (error instanceof ApiError && error.status === 404 && view === "client-view") {
      only("missing-view");
      $("missing-text").textContent = "Cliente não encontrado, ou não é um dos seus clientes.";
      return;
    }
    notice("Não foi possível carregar esta página: " + describe(error));
  }
}

window.addEventListener("hashchange", () => { $("missing-text").textContent = "Este endereço não existe ou não está disponível para você."; route(); });

initOverview();
initClients(navigate);
initClient();
initStatements();

// ---- boot ----------------------------------------------------------------------------------
(async () => {
  try {
    const me = await api("/auth/me");
    signedIn(me);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) signedOut("");
    else notice("Não foi possível falar com o servidor. Recarregue a página para tentar de novo.");
  }
})();
