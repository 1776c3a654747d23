// pt-BR formatting: R$ 1.234,56, US$ for dollars, 1,23%, dd/mm/aaaa.

export const DASH = "—";
const moneyFormats = new Map();

function moneyFormat(currency) {
  const code = typeof currency === "string" && /^[A-Za-z]{3}$/.test(currency) ? currency.toUpperCase() : "BRL";
  let fmt = moneyFormats.get(code);
  if (!fmt) {
    try {
      fmt = new Intl.NumberFormat("pt-BR", { style: "currency", currency: code });
    } catch { // not an ISO 4217 code: the number with the code after it
      const plain = new Intl.NumberFormat("pt-BR", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      fmt = { format: (v) => plain.format(v) + " " + code };
    }
    moneyFormats.set(code, fmt);
  }
  return fmt;
}

export const isDecimal = (s) => typeof s === "string" && /^-?\d+(\.\d+)?$/.test(s);

// Decimal strings are formatted as they are (Intl takes exact decimal strings).
export function money(value, currency = "BRL") {
  if (value === null || value === undefined || value === "") return DASH;
  return moneyFormat(currency).format(value);
}

const quantityFormat = new Intl.NumberFormat("pt-BR", { maximumFractionDigits: 8 });
export function quantity(value) {
  if (value === null || value === undefined || value === "") return DASH;
  return quantityFormat.format(value);
}

const pctFormat = new Intl.NumberFormat("pt-BR", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
export function pct(value, { sign = false } = {}) {
  if (typeof value !== "number" || !Number.isFinite(value)) return DASH;
  const text = pctFormat.format(Math.abs(value)) + "%";
  // A real minus sign, and a plus when asked: direction is never colour alone.
  if (value < 0 && pctFormat.format(Math.abs(value)) !== "0,00") return "−" + text;
  return sign && value > 0 && text !== "0,00%" ? "+" + text : text;
}

// "% do CDI" means something only when the portfolio did not lose and the CDI paid: of a month
// the portfolio lost, "−516 % do CDI" says nothing. Statements print "—" then, and so do we
// whatever the ratio sent.
export function pctOfCdi(ratio, portfolioPct, cdiPct) {
  const meaningful = typeof portfolioPct === "number" && portfolioPct >= 0 && typeof cdiPct === "number" && cdiPct > 0;
  return meaningful ? pct(ratio) : DASH;
}

export const integer = (value) => (Number.isInteger(value) ? value.toLocaleString("pt-BR") : DASH);

// "2026-03-05" -> "05/03/2026"; never through Date, so no time zone moves the day.
export function date(iso) {
  const m = typeof iso === "string" && /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : DASH;
}

// "2026-03" -> "03/2026"
export function month(label) {
  const m = typeof label === "string" && /^(\d{4})-(\d{2})$/.exec(label);
  return m ? `${m[2]}/${m[1]}` : DASH;
}

const timeFormat = new Intl.DateTimeFormat("pt-BR", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
export function time(iso) {
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? DASH : timeFormat.format(when);
}

// What a person types ("1.234,56", "10,5", "100.000", "10.5") as the API's decimal. In
// pt-BR a dot groups thousands, so "100.000" is a hundred thousand; a lone dot followed by
// other than three digits ("10.5") is read as a decimal point. Anything else goes through
// untouched, so that the API says what is wrong with it.
export function parseDecimal(text) {
  const raw = String(text ?? "").trim().replace(/\s/g, "");
  if (!raw) return null;
  let normalized = raw;
  if (raw.includes(",")) normalized = raw.replace(/\./g, "").replace(",", ".");
  else if (/^-?\d{1,3}(\.\d{3})+$/.test(raw)) normalized = raw.replace(/\./g, "");
  return isDecimal(normalized) ? normalized : raw;
}

export const ASSET_TYPES = {
  EQUITY: "Ações",
  ETF: "ETFs",
  FII: "FIIs",
  MUTUALFUND: "Fundos",
  CRYPTOCURRENCY: "Criptomoedas",
  INDEX: "Índices",
  CURRENCY: "Moedas",
  FUTURE: "Futuros",
  OTHER: "Outros",
};
export const assetType = (code) => (code === null ? "Caixa" : ASSET_TYPES[code] || String(code));

export const KINDS = {
  buy: "Compra",
  sell: "Venda",
  dividend: "Dividendo",
  jcp: "JCP",
  interest: "Juros",
  fee: "Taxa",
  tax: "Imposto",
  split: "Desdobramento / grupamento",
  bonus: "Bonificação",
  deposit: "Aporte",
  withdrawal: "Resgate",
};
