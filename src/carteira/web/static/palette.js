// One colour per asset type, and one for cash: the same on every page and in every chart, so
// that "Ações" is the same blue on the overview and on a client's page whatever its rank.
// Each keeps at least 3:1 against the white card (WCAG's contrast for graphics).
export const TYPE_COLOURS = {
  EQUITY: "#1a5fb4",
  ETF: "#2f7d5b",
  FII: "#a3306b",
  MUTUALFUND: "#6b2f8f",
  CRYPTOCURRENCY: "#9c5700",
  INDEX: "#00707a",
  CURRENCY: "#8a3a3a",
  FUTURE: "#4b3fa0",
  OTHER: "#6b7785",
  cash: "#3d4a57",
};

export const colourOf = (key) => TYPE_COLOURS[key] || TYPE_COLOURS.OTHER;
