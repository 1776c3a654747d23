// Carteira dashboard: session check, login/logout and a live WebSocket feed.
// No dependencies; server data only ever reaches the DOM via textContent.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const el = {
    status: $("status"), session: $("session"), userEmail: $("user-email"), logout: $("logout"),
    notice: $("notice"), loginView: $("login-view"), form: $("login-form"), email: $("email"),
    password: $("password"), loginError: $("login-error"), submit: $("login-submit"),
    dash: $("dashboard-view"), table: $("prices-table"), prices: $("prices"), empty: $("prices-empty"),
    total: $("inflows-total"), period: $("inflows-period"), count: $("inflows-count"), clients: $("inflows-clients"),
  };
  const SESSION_ENDED = "Your session has ended. Please sign in again.";
  let ws = null;
  let attempt = 0;      // consecutive failed connections; drives the back-off
  let openedAt = 0;
  let retryTimer = null;
  let countdown = null;
  let active = false;   // false while signed out or refused: never reconnect then

  // ---- formatting -------------------------------------------------------
  const moneyFormats = new Map();
  function formatMoney(value, currency) {
    const code = typeof currency === "string" && currency ? currency : "BRL";
    let fmt = moneyFormats.get(code);
    try {
      fmt = fmt || new Intl.NumberFormat("pt-BR", { style: "currency", currency: code });
    } catch { // not an ISO 4217 code: plain number with the code as suffix
      const plain = new Intl.NumberFormat("pt-BR", { minimumFractionDigits: 2, maximumFractionDigits: 6 });
      fmt = { format: (v) => plain.format(v) + " " + code };
    }
    moneyFormats.set(code, fmt);
    return fmt.format(value); // the decimal string keeps full precision where supported
  }
  const timeFormat = new Intl.DateTimeFormat("pt-BR", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const isDecimal = (s) => typeof s === "string" && /^-?\d+(\.\d+)?$/.test(s);

  // ---- view state -------------------------------------------------------
  function setStatus(state, text) {
    el.status.dataset.state = state;
    el.status.textContent = text;
    el.table.classList.toggle("stale", state !== "live"); // dim prices that are no longer live
  }
  function showNotice(text) {
    el.notice.textContent = text || "";
    el.notice.hidden = !text;
  }
  function showLogin(message) {
    stop();
    clearData(); // the next user must not see the previous user's book
    el.session.hidden = el.dash.hidden = true;
    el.loginView.hidden = false;
    el.loginError.textContent = message || "";
    el.loginError.hidden = !message;
    setStatus("offline", "Offline — sign in required");
    el.email.focus();
  }
  function showDashboard(user) {
    el.form.reset();
    el.loginView.hidden = el.loginError.hidden = true;
    el.userEmail.textContent = user && user.email ? String(user.email) : "";
    el.session.hidden = el.dash.hidden = false;
    active = true;
    attempt = 0;
    connect();
  }

  // ---- HTTP -------------------------------------------------------------
  function readCookie(name) {
    const hit = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
    return hit ? decodeURIComponent(hit.slice(name.length + 1)) : "";
  }
  // FastAPI errors: "detail" is a string, or a list of {msg} for 422s.
  async function errorDetail(res) {
    try {
      const { detail } = await res.json();
      if (typeof detail === "string") return detail;
      if (Array.isArray(detail)) return detail.map((d) => d && d.msg).filter(Boolean).join("; ");
    } catch { /* non-JSON body */ }
    return "Request failed (HTTP " + res.status + ").";
  }
  // The user, null on 401; throws on network or server trouble.
  async function fetchMe() {
    const res = await fetch("/auth/me", { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (res.status === 401) return null;
    if (!res.ok) throw new Error("HTTP " + res.status);
    return res.json();
  }

  el.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    el.loginError.hidden = true;
    el.submit.disabled = true;
    try {
      const res = await fetch("/auth/login", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ email: el.email.value.trim(), password: el.password.value }),
      });
      if (!res.ok) {
        let msg = await errorDetail(res);
        const wait = res.headers.get("Retry-After");
        if (res.status === 429 && wait) msg += " Try again in " + wait + " s.";
        throw new Error(msg);
      }
      const user = await fetchMe();
      if (!user) throw new Error("Signed in, but the session cookie was not accepted.");
      showDashboard(user);
    } catch (err) {
      // fetch() rejects with TypeError when the network itself fails.
      el.loginError.textContent = err instanceof TypeError ? "Network error — check your connection." : err.message;
      el.loginError.hidden = false;
    } finally {
      el.submit.disabled = false;
    }
  });

  el.logout.addEventListener("click", async () => {
    el.logout.disabled = true;
    try {
      const res = await fetch("/auth/logout", {
        method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": readCookie("csrf_token") },
      });
      if (res.ok || res.status === 401) showLogin(""); // 401: session already gone, same outcome
      else showNotice("Log out failed: " + (await errorDetail(res)));
    } catch {
      showNotice("Log out failed — network error.");
    } finally {
      el.logout.disabled = false;
    }
  });

  // ---- WebSocket --------------------------------------------------------
  function clearTimers() { clearTimeout(retryTimer); clearInterval(countdown); }
  function stop() {
    active = false;
    clearTimers();
    if (ws) { const old = ws; ws = null; old.close(1000); } // ws=null first: onclose ignores it
  }

  function connect() {
    if (!active || ws) return; // signed out, or a socket is already up
    if (!navigator.onLine) { setStatus("offline", "Offline"); return; } // the "online" event resumes
    setStatus("connecting", "Connecting…");
    const sock = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/dashboard");
    ws = sock;
    sock.onopen = () => { openedAt = Date.now(); showNotice(""); setStatus("live", "Live"); };
    sock.onmessage = (event) => handleMessage(event.data);
    sock.onclose = (event) => {
      if (ws !== sock) return; // closed on purpose (logout)
      ws = null;
      // Only a connection that stayed up counts as successful; accept-then-drop must still back off.
      if (openedAt && Date.now() - openedAt > 5000) attempt = 0;
      openedAt = 0;
      if (event.code === 4401) showLogin(SESSION_ENDED);
      else if (event.code === 4403) {
        active = false;
        setStatus("offline", "Offline");
        showNotice("Connection refused: this page's origin is not allowed by the server.");
      } else scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    // 1 s doubling up to 30 s, ±20 % jitter so many tabs don't reconnect in lockstep.
    const base = Math.min(30000, 1000 * 2 ** attempt);
    const due = Date.now() + Math.min(30000, base * (0.8 + Math.random() * 0.4));
    attempt += 1;
    const tick = () => setStatus("reconnecting", "Reconnecting in " + Math.max(1, Math.ceil((due - Date.now()) / 1000)) + " s");
    clearTimers();
    tick();
    countdown = setInterval(tick, 1000);
    retryTimer = setTimeout(async () => {
      clearInterval(countdown);
      // A handshake rejected before accept shows up as a bare 1006, so re-check the session.
      try {
        if (!(await fetchMe())) { if (active) showLogin(SESSION_ENDED); return; }
      } catch { /* server unreachable: connect() will fail and back off again */ }
      connect();
    }, due - Date.now());
  }

  window.addEventListener("online", () => {
    if (active && !ws) { clearTimers(); connect(); }
  });

  function handleMessage(raw) {
    try {
      const msg = JSON.parse(raw);
      if (msg && msg.type === "price") renderPrice(msg);
      else if (msg && msg.type === "inflows") renderInflows(msg);
      else if (msg && msg.type === "error") showNotice(String(msg.detail || "Server error."));
      // "ping" and unknown types are ignored on purpose.
    } catch (e) {
      console.warn("dashboard: malformed message ignored", e); // one bad message must not kill the feed
    }
  }

  // ---- rendering --------------------------------------------------------
  function node(tag, className, text) {
    const n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function ensureRow(ticker) {
    const rows = Array.from(el.prices.rows);
    const existing = rows.find((r) => r.dataset.ticker === ticker);
    if (existing) return existing;
    const row = node("tr");
    row.dataset.ticker = ticker;
    const th = node("th", "", ticker);
    th.scope = "row";
    row.append(th, node("td", "price num"), node("td", "change num"), node("td", "updated"), node("td", "source"));
    // Keep rows sorted by ticker: insert before the first row that sorts after it.
    el.prices.insertBefore(row, rows.find((r) => r.dataset.ticker > ticker) || null);
    el.empty.hidden = true;
    return row;
  }

  function renderPrice(msg) {
    if (typeof msg.ticker !== "string" || !msg.ticker || !isDecimal(msg.price)) throw new Error("bad price message");
    const row = ensureRow(msg.ticker);
    const [, priceCell, changeCell, updatedCell, sourceCell] = row.cells;

    const previous = priceCell.dataset.price;
    priceCell.dataset.price = msg.price; // exact decimal string, for tests and copy/paste
    priceCell.textContent = formatMoney(msg.price, msg.currency);

    // Arrow and sign carry the direction, so colour is not the only cue.
    const pct = typeof msg.change_pct === "number" && Number.isFinite(msg.change_pct) ? msg.change_pct : null;
    changeCell.classList.remove("up", "down");
    if (pct === null) changeCell.textContent = "—";
    else {
      const text = Math.abs(pct).toLocaleString("pt-BR", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + "%";
      changeCell.textContent = pct > 0 ? "▲ +" + text : pct < 0 ? "▼ −" + text : text;
      if (pct !== 0) changeCell.classList.add(pct > 0 ? "up" : "down");
    }

    const when = new Date(msg.as_of);
    const valid = !Number.isNaN(when.getTime());
    updatedCell.textContent = valid ? timeFormat.format(when) : "—";
    updatedCell.title = valid ? when.toISOString() : "";

    if (msg.source === "simulated") sourceCell.replaceChildren(node("span", "badge", "simulated"));
    else sourceCell.textContent = typeof msg.source === "string" ? msg.source : "—";

    if (previous !== undefined && previous !== msg.price) flash(row, Number(msg.price) > Number(previous));
  }

  function flash(row, up) {
    clearTimeout(row.flashTimer);
    row.classList.remove("flash-up", "flash-down");
    void row.offsetWidth; // force reflow so a still-running animation restarts
    row.classList.add(up ? "flash-up" : "flash-down");
    row.flashTimer = setTimeout(() => row.classList.remove("flash-up", "flash-down"), 1000);
  }

  function renderInflows(msg) {
    if (!isDecimal(msg.total)) throw new Error("bad inflows message");
    const currency = typeof msg.currency === "string" && msg.currency ? msg.currency : "BRL";
    el.total.textContent = formatMoney(msg.total, currency);
    el.total.classList.toggle("down", Number(msg.total) < 0); // net outflow; the minus sign is shown too
    const first = new Date(Date.UTC(msg.year, msg.month - 1, 1)); // NaN date when year/month are missing
    el.period.textContent = Number.isNaN(first.getTime()) ? "—"
      : first.toLocaleDateString("en", { month: "long", year: "numeric", timeZone: "UTC" });
    el.count.textContent = Number.isInteger(msg.count) ? msg.count + (msg.count === 1 ? " movement" : " movements") : "";
    const top = (Array.isArray(msg.by_client) ? msg.by_client : [])
      .filter((c) => c && isDecimal(c.total))
      .sort((a, b) => Number(b.total) - Number(a.total))
      .slice(0, 5);
    el.clients.replaceChildren(...top.map((c) => {
      const li = node("li");
      li.append(node("span", "amount", formatMoney(c.total, currency)), String(c.name || "Client #" + c.client_id));
      return li;
    }));
  }

  function clearData() {
    el.prices.replaceChildren();
    el.empty.hidden = false;
    el.total.textContent = el.period.textContent = "—";
    el.count.textContent = "";
    el.clients.replaceChildren();
  }

  // ---- boot -------------------------------------------------------------
  (async () => {
    setStatus("connecting", "Checking session…");
    try {
      const user = await fetchMe();
      if (user) showDashboard(user); else showLogin("");
    } catch {
      setStatus("offline", "Offline");
      showNotice("Could not reach the server. Reload the page to try again.");
    }
  })();
})();
