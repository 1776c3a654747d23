// One colour per asset class (how the office groups money), cash included: the same on every
// page and in every chart, so that "Pós-fixado" is the same blue on the overview and on a
// client's page whatever its rank. Each keeps at least 3:1 against the white card (WCAG's
// contrast for graphics).
export const CLASS_COLOURS = {
  pos_fixado: "#1a5fb4",
  prefixado: "#00707a",
  inflacao: "#9c5700",
  fundos_rf: "#2f7d5b",
  multimercado: "#6b2f8f",
  acoes: "#8a3a3a",
  fiis: "#a3306b",
  etfs: "#4b3fa0",
  exterior: "#5c6b00",
  cripto: "#b0451f",
  caixa: "#3d4a57",
};

export const CLASS_LABELS = {
  pos_fixado: "Pós-fixado",
  prefixado: "Prefixado",
  inflacao: "Inflação",
  fundos_rf: "Fundos RF",
  multimercado: "Multimercado",
  acoes: "Ações",
  fiis: "FIIs",
  etfs: "ETFs",
  exterior: "Exterior",
  cripto: "Cripto",
  caixa: "Caixa",
};

export const colourOf = (key) => CLASS_COLOURS[key] || "#6b7785";
export const classLabel = (key) => CLASS_LABELS[key] || String(key);
