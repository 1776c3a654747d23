// The /ws/dashboard socket: held tickers' prices each tick and the month's captação.
// Its badge says how far the prices can be trusted: live, simulated, stale, provider
// unavailable, or no tick for a while; only fresh prices from a real source read "Ao vivo".
import { $, h } from "./dom.js";
import { isDecimal, money, pct, time } from "./format.js";
import { errorText } from "./messages.js";

const PROVIDER_TROUBLE = new Set(["market_data_unavailable", "market_data_error", "market_data_budget"]);
const DELAYED_MS = 30000; // six 5-second ticks without a price
const LABELS = {
  offline: "Desconectado",
  connecting: "Conectando…",
  waiting: "Aguardando cotações",
  live: "Ao vivo",
  simulated: "Simuladas",
  stale: "Cotações defasadas",
  unavailable: "Provedor indisponível",
  delayed: "Sem cotações recentes",
};

export class Feed {
  constructor({ onInflows, onSessionEnded }) {
    this.onInflows = onInflows;
    this.onSessionEnded = onSessionEnded;
    this.ws = null;
    this.active = false;
    this.attempt = 0;
    this.openedAt = 0;
    this.lastTick = 0;
    this.quotes = new Map(); // ticker -> {source, stale, unavailable}
    this.retryTimer = null;
    this.countdown = null;
    this.watchdog = null;
    window.addEventListener("online", () => { if (this.active && !this.ws) { this.clearTimers(); this.connect(); } });
  }

  start() {
    this.active = true;
    this.attempt = 0;
    this.watchdog = setInterval(() => this.refreshBadge(), 5000);
    this.connect();
  }

  stop() {
    this.active = false;
    this.clearTimers();
    clearInterval(this.watchdog);
    if (this.ws) { const old = this.ws; this.ws = null; old.close(1000); } // ws=null first: onclose ignores it
    this.quotes.clear();
    this.lastTick = 0;
    $("prices").replaceChildren();
    $("prices-empty").hidden = false;
    $("last-tick").textContent = "—";
    this.badge("offline");
  }

  clearTimers() { clearTimeout(this.retryTimer); clearInterval(this.countdown); }

  badge(state, text) {
    const node = $("status");
    node.dataset.state = state;
    node.textContent = text || LABELS[state];
    $("prices-table").classList.toggle("dimmed", !["live", "simulated"].includes(state));
  }

  // What the prices on screen are worth now.
  refreshBadge() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const all = [...this.quotes.values()];
    const priced = all.filter((q) => q.source && !q.unavailable);
    if (!all.length) return this.badge("waiting");
    if (this.lastTick && Date.now() - this.lastTick > DELAYED_MS) {
      return this.badge("delayed", "Sem cotações desde " + time(new Date(this.lastTick).toISOString()));
    }
    if (!priced.length || priced.every((q) => q.stale)) return this.badge(all.some((q) => q.unavailable) ? "unavailable" : "stale");
    if (all.some((q) => q.stale || q.unavailable)) return this.badge("stale");
    if (priced.some((q) => q.source === "simulated")) return this.badge("simulated");
    return this.badge("live");
  }

  connect() {
    if (!this.active || this.ws) return;
    if (!navigator.onLine) { this.badge("offline"); return; } // the "online" event resumes
    this.badge("connecting");
    const sock = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/dashboard");
    this.ws = sock;
    sock.onopen = () => { this.openedAt = Date.now(); this.refreshBadge(); };
    sock.onmessage = (event) => this.receive(event.data);
    sock.onclose = (event) => {
      if (this.ws !== sock) return; // closed on purpose
      this.ws = null;
      // Only a connection that stayed up counts as a success; accept-then-drop still backs off.
      if (this.openedAt && Date.now() - this.openedAt > 5000) this.attempt = 0;
      this.openedAt = 0;
      if (event.code === 4401) this.onSessionEnded();
      else if (event.code === 4403) { this.active = false; this.badge("offline", "Origem recusada pelo servidor"); }
      else this.scheduleReconnect();
    };
  }

  scheduleReconnect() {
    // 1 s doubling up to 30 s, ±20 % jitter so many tabs don't reconnect in lockstep.
    const base = Math.min(30000, 1000 * 2 ** this.attempt);
    const due = Date.now() + Math.min(30000, base * (0.8 + Math.random() * 0.4));
    this.attempt += 1;
    const tick = () => this.badge("offline", "Reconectando em " + Math.max(1, Math.ceil((due - Date.now()) / 1000)) + " s");
    this.clearTimers();
    tick();
    this.countdown = setInterval(tick, 1000);
    this.retryTimer = setTimeout(() => { clearInterval(this.countdown); this.connect(); }, due - Date.now());
  }

  receive(raw) {
    let msg;
    try { msg = JSON.parse(raw); } catch { return; } // one bad frame must not stop the feed
    if (!msg || typeof msg !== "object") return;
    if (msg.type === "prices" && Array.isArray(msg.prices)) msg.prices.forEach((p) => this.price(p));
    else if (msg.type === "price") this.price(msg);
    else if (msg.type === "inflows") this.onInflows(msg);
    else if (msg.type === "error" && typeof msg.ticker === "string") this.unavailable(msg);
    // "ping" and unknown types are ignored on purpose.
  }

  price(msg) {
    if (typeof msg.ticker !== "string" || !msg.ticker || !isDecimal(msg.price)) return;
    const stale = msg.stale === true;
    const source = typeof msg.source === "string" ? msg.source : "";
    this.quotes.set(msg.ticker, { source, stale, unavailable: false });
    this.lastTick = Date.now();
    $("last-tick").textContent = time(new Date(this.lastTick).toISOString());
    $("last-tick").dateTime = new Date(this.lastTick).toISOString();

    const row = this.row(msg.ticker);
    const [, priceCell, changeCell, updatedCell, sourceCell] = row.cells;
    const previous = priceCell.dataset.price;
    priceCell.dataset.price = msg.price;
    priceCell.textContent = money(msg.price, msg.currency);
    const change = typeof msg.change_pct === "number" && Number.isFinite(msg.change_pct) ? msg.change_pct : null;
    changeCell.classList.remove("up", "down");
    changeCell.textContent = change === null ? "—" : (change > 0 ? "▲ " : change < 0 ? "▼ " : "") + pct(change, { sign: true });
    if (change) changeCell.classList.add(change > 0 ? "up" : "down");
    changeCell.dataset.value = change === null ? "" : String(change);
    updatedCell.textContent = time(msg.as_of);
    sourceCell.replaceChildren(
      source === "simulated" ? h("span", { class: "tag tag-info" }, "simulada") : source,
      stale ? h("span", { class: "tag tag-warn" }, "defasada") : "",
    );
    row.classList.remove("unavailable");
    if (previous !== undefined && previous !== msg.price) flash(row, Number(msg.price) > Number(previous));
    this.refreshBadge();
  }

  unavailable(msg) {
    const trouble = PROVIDER_TROUBLE.has(msg.code);
    const known = this.quotes.get(msg.ticker) || { source: "", stale: false };
    this.quotes.set(msg.ticker, { ...known, unavailable: true });
    const row = this.row(msg.ticker);
    row.classList.add("unavailable");
    row.cells[4].replaceChildren(h("span", { class: "tag tag-error" }, trouble ? "indisponível" : "desconhecido"));
    row.cells[4].title = errorText(String(msg.code || ""), 503); // why, in Portuguese
    this.refreshBadge();
  }

  row(ticker) {
    const body = $("prices");
    const rows = Array.from(body.rows);
    const existing = rows.find((r) => r.dataset.ticker === ticker);
    if (existing) return existing;
    const row = h("tr", { data: { ticker } },
      h("th", { scope: "row" }, ticker),
      h("td", { class: "price num", "data-label": "Preço" }, "—"),
      h("td", { class: "change num", "data-label": "Variação no dia" }, "—"),
      h("td", { class: "updated", "data-label": "Atualizado" }, "—"),
      h("td", { class: "source", "data-label": "Fonte" }),
    );
    body.insertBefore(row, rows.find((r) => r.dataset.ticker > ticker) || null); // sorted by ticker
    $("prices-empty").hidden = true;
    return row;
  }
}

function flash(row, up) {
  clearTimeout(row.flashTimer);
  row.classList.remove("flash-up", "flash-down");
  void row.offsetWidth; // restart a running animation
  row.classList.add(up ? "flash-up" : "flash-down");
  row.flashTimer = setTimeout(() => row.classList.remove("flash-up", "flash-down"), 1000);
}
