// What the API says, in Portuguese. The API answers in English (`detail`) with a machine
// `code` (and, for some codes, the values its message names beside them); a 422 of malformed
// input lists its issues by `type`; benchmarks and XIRR explain themselves with codes too.
// The page never shows the English: every code has its text here (a unit test checks that
// each code the API can send has one), and an unknown code falls back on its HTTP status.
import { KINDS, date, month, quantity } from "./format.js";

const MINUS = "−";
// A quantity that may be negative, with a real minus sign: "−980".
const signedQuantity = (value) => {
  const text = String(value ?? "");
  return text.startsWith("-") ? MINUS + quantity(text.slice(1)) : quantity(text);
};

// code -> text, or (fields) => text when the message names values.
export const ERRORS = {
  // core.errors, and the HTTP statuses FastAPI answers by itself
  bad_request: "Requisição inválida.",
  not_authenticated: "Sua sessão terminou. Entre novamente.",
  permission_denied: "Você não tem permissão para fazer isso.",
  not_found: "Não encontrado.",
  method_not_allowed: "Operação não permitida neste endereço.",
  not_acceptable: "Formato de resposta não disponível.",
  unsupported_media_type: "Formato de envio não aceito.",
  conflict: "A alteração conflita com o estado atual; recarregue a página e tente de novo.",
  invalid_input: "Dados inválidos.",
  validation_error: "Há campos com valores inválidos.",
  invalid_value: "Um valor está fora do que o sistema aceita.",
  invalid_text: "O texto contém caracteres que não podem ser gravados.",
  payload_too_large: "O envio é grande demais.",
  headers_too_large: "A requisição é grande demais.",
  too_many_requests: "Muitas requisições seguidas; aguarde um pouco e tente de novo.",
  upstream_error: "Um serviço externo respondeu de forma inesperada; tente de novo mais tarde.",
  service_unavailable: "Serviço indisponível no momento; tente de novo em instantes.",
  render_process_lost: "O processo que gera os PDFs parou; tente de novo.",
  statement_print_interrupted: "Um relatório não pôde ser gerado agora; o lote tenta de novo.",
  database_unavailable: "O banco de dados está indisponível; tente de novo em instantes.",
  database_busy: "O banco de dados está ocupado; tente de novo em instantes.",
  redis_unavailable: "O cache está indisponível; tente de novo em instantes.",
  internal_error: "Erro interno do servidor; tente de novo.",
  not_ready: "O servidor ainda não está pronto.",
  host_not_allowed: "Este endereço não é um dos nomes aceitos pelo servidor.",
  too_many_exports: "Há downloads demais em andamento; aguarde um terminar.",
  // auth
  invalid_credentials: "E-mail ou senha incorretos.",
  invalid_token: "Sua sessão terminou. Entre novamente.",
  admin_required: "Somente um administrador pode fazer isso.",
  read_only: "Seu perfil pode consultar, mas não alterar.",
  staff_required: "Somente administradores e assessores podem fazer isso.",
  csrf_failed: "A sessão não confirmou este envio; recarregue a página e tente de novo.",
  login_throttled: "Muitas tentativas. Aguarde alguns minutos e tente de novo.",
  user_not_found: "Usuário não encontrado.",
  email_taken: "Já existe um usuário com este e-mail.",
  cannot_modify_self: "Você não pode excluir, desativar ou rebaixar a própria conta.",
  last_admin: "O escritório precisa manter ao menos um administrador ativo.",
  weak_password: "A senha não pode ser o e-mail do usuário.",
  // clients
  client_not_found: "Cliente não encontrado, ou não é um dos seus clientes.",
  client_email_taken: "Outro cliente já usa este e-mail.",
  client_needs_review: "Não foi possível cadastrar com este e-mail ou CPF; peça a um administrador que registre o cliente.",
  client_reviews_throttled: "Muitas tentativas recusadas de cadastro; aguarde antes de tentar de novo ou fale com um administrador.",
  unsupported_currency: "Moeda não aceita: use um código ISO 4217 de uma moeda (BRL, USD, EUR…).",
  amount_out_of_range: "O valor ultrapassa o que a carteira comporta; nada foi gravado.",
  nothing_to_review: "Este provento não tem valor do provedor para revisar.",
  client_document_taken: "Outro cliente já tem este CPF.",
  client_has_transactions: "O cliente ainda tem lançamentos; exclua-os antes.",
  assignment_forbidden: "Somente um administrador atribui clientes a assessores.",
  unknown_advisor: "O assessor indicado não existe ou não está ativo.",
  // assets and market data
  asset_not_found: "Ativo não encontrado.",
  ticker_taken: "Este ticker já está cadastrado.",
  asset_has_transactions: "Há lançamentos com este ativo; exclua-os antes.",
  unknown_asset: "Nenhum ativo cadastrado com este código.",
  unknown_ticker: "O provedor de cotações não conhece este ticker.",
  market_data_error: "O provedor de cotações respondeu de forma inesperada; tente de novo.",
  market_data_unavailable: "Cotações indisponíveis no momento; tente de novo em instantes.",
  market_data_budget: "Consultas demais ao provedor de cotações; aguarde um minuto.",
  unknown_series: "Série de índice desconhecida.",
  unknown_treasury_title: (f) => (f.title && f.maturity_date
    ? `O arquivo de preços do Tesouro Transparente não tem ${f.title} com vencimento em ${date(f.maturity_date)}.${f.available ? ` Títulos à venda: ${f.available}.` : ""}`
    : "O arquivo de preços do Tesouro Transparente não tem este título com este vencimento."),
  // the ledger
  transaction_not_found: "Lançamento não encontrado.",
  allocation_not_found: "Compra não encontrada.",
  insufficient_quantity: (f) => (f.ticker && f.date && f.quantity
    ? `Isto deixaria ${f.ticker} com ${signedQuantity(f.quantity)} em ${date(f.date)}; nada foi gravado.`
    : "Isto deixaria uma quantidade abaixo de zero em alguma data; nada foi gravado."),
  invalid_patch: "Estes campos não se aplicam a este tipo de lançamento.",
  no_price_on_date: "O ativo não tem cotação de fechamento nesta data; informe o preço unitário.",
  quantity_too_small: "Este valor compra menos que a menor quantidade registrada (0,00000001).",
  currency_not_held: "O cliente não tem nada nesta moeda.",
  as_of_in_future: "A data da posição não pode ser depois de hoje.",
  too_many_to_rank: (f) => `Ordenar pela rentabilidade no mês vale para até ${f.limit || 500} clientes${f.matching ? ` (a busca encontrou ${f.matching})` : ""}; refine a busca.`,
  // imports
  import_not_found: "Importação não encontrada.",
  import_too_large: (f) => `O arquivo é maior do que uma importação aceita${f.limit ? ` (${megabytes(f.limit)})` : ""}.`,
  import_too_many_rows: (f) => `O arquivo tem mais de ${quantity(f.limit || "20000")} linhas; divida-o em partes.`,
  import_unsupported_file: "O arquivo não é XLSX nem CSV (um .xls antigo: salve-o como .xlsx ou CSV).",
  import_unreadable_file: "Não foi possível ler o arquivo.",
  import_expands_too_much: "O arquivo XLSX se expande muito além do que uma planilha precisa; recusado.",
  import_columns_not_found: (f) => `O arquivo não tem o cabeçalho deste formato${f.missing ? ` (faltam: ${f.missing})` : ""}; confira o formato escolhido.`,
  import_has_errors: (f) => `${f.errors ? `${f.errors} linha(s)` : "Há linhas"} com erro: corrija o arquivo ou confirme deixando de fora as linhas com erro.`,
  import_already_committed: "Esta importação já foi confirmada.",
  // benchmarks and reports
  unknown_benchmark: "Índice de referência desconhecido.",
  too_many_benchmarks: "Índices de referência demais em uma só consulta.",
  invalid_period: "Informe ano e mês, ou início e fim (até cinco anos), não os dois.",
  // tax
  tax_period_in_future: "Esse período ainda não começou: não há apuração para ele.",
  // statements
  statement_month_in_future: "Esse mês ainda não começou: não há relatório para ele.",
  statement_before_first_entry:
    "Esse mês termina antes do primeiro lançamento do cliente: escolha um mês posterior.",
  statement_result_not_found: "Lote de relatórios não encontrado (ou já expirou).",
  statement_result_not_ready: "Os relatórios ainda estão sendo gerados; aguarde o fim do lote.",
};

const megabytes = (bytes) => `${quantity(String(Math.round(Number(bytes) / 104857.6) / 10))} MB`;

// When the code is unknown (a newer API): what its status means.
const BY_STATUS = {
  400: "bad_request",
  401: "not_authenticated",
  403: "permission_denied",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  422: "invalid_input",
  429: "too_many_requests",
  502: "upstream_error",
  503: "service_unavailable",
};

function render(entry, values) {
  return typeof entry === "function" ? entry(values || {}) : entry;
}

export function errorText(code, status, fields) {
  if (code in ERRORS) return render(ERRORS[code], fields);
  if (status in BY_STATUS) return render(ERRORS[BY_STATUS[status]], fields);
  return status >= 500 ? ERRORS.internal_error : `Falha na requisição (HTTP ${status}).`;
}

const number = (v) => quantity(String(v ?? ""));

// A 422 issue's `type` -> (ctx, field) => text. Pydantic's own types first, then the codes
// of the API's validators (`core.validators.invalid`).
export const ISSUES = {
  missing: "Campo obrigatório.",
  extra_forbidden: "Campo não aceito.",
  greater_than: (c) => `Deve ser maior que ${number(c.gt)}.`,
  greater_than_equal: (c) => `Deve ser maior ou igual a ${number(c.ge)}.`,
  less_than: (c) => `Deve ser menor que ${number(c.lt)}.`,
  less_than_equal: (c) => `Deve ser menor ou igual a ${number(c.le)}.`,
  finite_number: "Informe um número finito.",
  decimal_parsing: "Informe um número (ex.: 1.234,56).",
  decimal_type: "Informe um número (ex.: 1.234,56).",
  decimal_max_digits: (c) => `Número com dígitos demais (no máximo ${c.max_digits}).`,
  decimal_max_places: (c) => `No máximo ${c.decimal_places} casas decimais.`,
  decimal_whole_digits: (c) => `Parte inteira grande demais (no máximo ${c.whole_digits} dígitos).`,
  int_parsing: "Informe um número inteiro.",
  int_type: "Informe um número inteiro.",
  string_type: "Informe um texto.",
  string_too_short: "Não pode ficar em branco.",
  too_short: "Não pode ficar em branco.",
  string_too_long: (c) => `No máximo ${c.max_length} caracteres.`,
  too_long: (c) => `No máximo ${c.max_length} itens.`,
  string_pattern_mismatch: "Formato inválido.",
  date_parsing: "Informe uma data válida (dd/mm/aaaa).",
  date_from_datetime_parsing: "Informe uma data válida (dd/mm/aaaa).",
  date_type: "Informe uma data válida (dd/mm/aaaa).",
  enum: "Escolha uma das opções.",
  literal_error: "Escolha uma das opções.",
  union_tag_invalid: "Tipo de lançamento desconhecido.",
  union_tag_not_found: "Informe o tipo de lançamento.",
  model_attributes_type: "Dados em formato inválido.",
  dict_type: "Dados em formato inválido.",
  json_invalid: "Dados em formato inválido.",
  value_error: "Valor inválido.",
  // the API's validators
  date_in_future: "A data não pode ser no futuro.",
  date_too_early: (c) => `A data não pode ser anterior a ${date(c.earliest)}.`,
  asset_reference_missing: "Informe o ativo (ticker).",
  asset_reference_twice: "Informe o ativo uma só vez.",
  ratio_not_positive: "Os dois lados da proporção devem ser positivos, ex.: 2:1 ou 1:10.",
  tax_exceeds_amount: "O imposto não pode ser maior que o valor.",
  field_null: "Este campo não pode ficar vazio.",
  nul_character: "O texto contém um caractere inválido.",
  cpf_format: "O CPF deve ter 11 dígitos (ex.: 123.456.789-09).",
  cpf_invalid: "CPF inválido.",
  cpf_check_digits: "CPF inválido: os dígitos verificadores não conferem.",
  cnpj_format: "O CNPJ deve ter 14 caracteres (ex.: 11.222.333/0001-81).",
  cnpj_check_digits: "CNPJ inválido: os dígitos verificadores não conferem.",
  maturity_not_after_issue: (c) => (c.maturity && c.issue
    ? `O vencimento (${date(c.maturity)}) deve ser depois da emissão (${date(c.issue)}).`
    : "O vencimento deve ser depois da emissão."),
  rate_mode_indexer: "Forma de remuneração incompatível com o indexador: CDI e SELIC aceitam % do índice ou índice + taxa; IPCA, índice + taxa; prefixado, taxa fixa.",
  quantity_or_amount: "Informe a quantidade ou o valor, um dos dois.",
  price_missing: "Informe o preço da quantidade.",
  phone_format: "O telefone deve ter de 8 a 20 dígitos; + ( ) - e espaços são aceitos.",
  password_too_long: (c) => `A senha deve ter no máximo ${c.bytes} bytes.`,
  password_common: "Esta senha é uma das mais usadas; escolha outra.",
  password_is_email: "A senha não pode ser o e-mail.",
  end_in_future: "O fim não pode ser no futuro.",
  start_after_end: "O início não pode ser depois do fim.",
  span_too_long: (c) => `No máximo ${c.days} dias por vez.`,
  tickers_missing: "Informe ao menos um ticker.",
  too_many_tickers: (c) => `No máximo ${c.limit} tickers por consulta.`,
  ticker_format: (c) => `${c.ticker ? `“${c.ticker}” não é` : "Não é"} um ticker válido (ex.: PETR4.SA, AAPL, BTC-USD).`,
};

// A malformed field's pattern says more by the field's name.
const PATTERNS = {
  currency: "Use o código da moeda com 3 letras (ex.: BRL, USD).",
  ratio: "Use novas:antigas, ex.: 2:1 (desdobramento) ou 1:10 (grupamento).",
};

export function issueText(issue) {
  const type = issue && typeof issue.type === "string" ? issue.type : "";
  const loc = Array.isArray(issue && issue.loc) ? issue.loc : [];
  const field = loc[loc.length - 1];
  if (type === "string_pattern_mismatch" && field in PATTERNS) return PATTERNS[field];
  if (type === "value_error" && field === "email") return "E-mail inválido.";
  const ctx = issue && issue.ctx && typeof issue.ctx === "object" ? issue.ctx : {};
  return render(type in ISSUES ? ISSUES[type] : ISSUES.value_error, ctx);
}

export const FIELD_LABELS = {
  kind: "Tipo",
  date: "Data",
  ticker: "Ativo",
  asset_id: "Ativo",
  quantity: "Quantidade",
  price: "Preço",
  amount: "Valor",
  fees: "Taxas",
  tax: "Imposto",
  ratio: "Proporção",
  currency: "Moeda",
  settlement: "Liquidação",
  note: "Nota",
  name: "Nome",
  email: "E-mail",
  document: "CPF",
  phone: "Telefone",
  password: "Senha",
  start: "Início",
  end: "Fim",
};

// An issue with the field it is about, for a message placed away from the field.
export function labelledIssue(issue) {
  const loc = Array.isArray(issue && issue.loc) ? issue.loc : [];
  const field = [...loc].reverse().find((part) => typeof part === "string" && part in FIELD_LABELS);
  const text = issueText(issue);
  return field ? `${FIELD_LABELS[field]}: ${text}` : text;
}

// A benchmark's note (`benchmarks[].notes[]`: {code, benchmark, date?, month?, currency?}).
export const BENCHMARK_NOTES = {
  starts_later: (n) => `série disponível a partir de ${date(n.date)}; medida desde então.`,
  unavailable: "sem valores para este período.",
  rates_published_through: (n) => `taxas publicadas até ${date(n.date)}.`,
  rates_published_through_month: (n) => `publicado até ${month(n.month)}.`,
  closes_stored_through: (n) => `fechamentos disponíveis até ${date(n.date)}.`,
  unconverted: (n) => `medido em ${n.currency}, sem conversão para reais.`,
  fetching: "não foi possível buscar a série agora; ela está sendo buscada em segundo plano.",
};

export function benchmarkNote(note) {
  const code = note && typeof note.code === "string" ? note.code : "";
  return code in BENCHMARK_NOTES ? render(BENCHMARK_NOTES[code], note) : "observação indisponível.";
}

// Why XIRR is undefined (`xirr_note_code`).
export const XIRR_NOTES = {
  needs_purchase_and_value: "precisa de ao menos uma aplicação e de um valor posterior",
  same_sign: "todos os fluxos têm o mesmo sinal",
  same_date: "todos os fluxos estão na mesma data",
  not_converged: "o cálculo não convergiu",
  prices_missing: "faltam preços de alguns ativos em algumas datas",
  rates_missing: "faltam cotações de câmbio em algumas datas",
};

export const xirrNote = (code) => XIRR_NOTES[code] || "não calculada";

// "Venda de 07/12/2026 registrada.": the participle agrees with the kind's noun.
const FEMININE = new Set(["buy", "sell", "fee", "bonus"]);
const PLURAL = new Set(["interest"]); // juros
export function recorded(kind, iso) {
  const agreed = FEMININE.has(kind) ? "registrada" : PLURAL.has(kind) ? "registrados" : "registrado";
  return `${KINDS[kind] || "Lançamento"} de ${date(iso)} ${agreed}.`;
}

// A row of an import's preview (`code`: why it is ignored or in error; `values`: what the
// message names). Codes of the import's own, then the ledger's errors and validation issues.
export const IMPORT_ROWS = {
  totals_row: "Linha de totais ou observação: sem movimentação.",
  market_not_recorded: (v) => `${v.market || "Este mercado"}: só negociações do mercado à vista e do fracionário são registradas (opções, futuro e termo, não).`,
  product_not_recorded: (v) => `${v.product || "Este produto"}: só ativos listados na B3 são registrados.`,
  settlement_row: "Liquidação de uma negociação: compras e vendas vêm do extrato de negociação.",
  update_row: "Atualização de posição da B3: não é uma movimentação.",
  fraction_moved: "Fração separada para leilão: a venda é a linha do Leilão de Fração.",
  movement_not_recorded: (v) => `${v.movement || "Esta movimentação"}: movimentação que a carteira não registra.`,
  debit_not_recorded: "Débito de provento (estorno): não registrado.",
  missing_value: "Campo vazio.",
  not_a_number: "Não é um número.",
  not_a_date: "Não é uma data (dd/mm/aaaa).",
  not_a_b3_ticker: "Não é um código de negociação da B3.",
  unknown_trade_type: "O tipo deve ser Compra ou Venda.",
  unknown_kind: "Tipo de lançamento desconhecido.",
  nothing_held: "Nada do ativo era mantido antes desta data: o desdobramento não tem proporção.",
  unknown_treasury_maturity: (v) => {
    const product = v.product || "Tesouro Direto";
    if (!v.year) return `${product}: o nome não diz o ano do vencimento.`;
    return v.available
      ? `${product}: o arquivo do Tesouro Transparente não tem ${v.title} com vencimento em ${v.year}; vencimentos de ${v.title}: ${v.available}.`
      : `${product}: o arquivo do Tesouro Transparente não tem ${v.title || "este título"} entre os títulos que a carteira registra.`;
  },
  ambiguous_treasury_maturity: (v) => `${v.product || "Tesouro Direto"}: o arquivo do Tesouro Transparente tem mais de um vencimento de ${v.title || "este título"} em ${v.year || "este ano"}${v.maturities ? ` (${v.maturities})` : ""}; o extrato não diz qual.`,
  before_maturity: (v) => (v.date && v.maturity_date
    ? `${v.product || "Tesouro Direto"}: Vencimento lançado em ${date(v.date)}, antes da data de vencimento do título, ${date(v.maturity_date)}.`
    : "Vencimento lançado antes da data de vencimento do título."),
  insufficient_quantity: (v) => (v.ticker && v.date && v.quantity
    ? `Deixaria ${v.ticker} com ${signedQuantity(v.quantity)} em ${date(v.date)}.`
    : "Deixaria uma quantidade abaixo de zero."),
};

export function importRowText(row) {
  if (!row) return "";
  if (row.status === "duplicate") return "Já está na carteira (importação anterior deste ou de outro arquivo).";
  const code = typeof row.code === "string" ? row.code : "";
  const values = row.values && typeof row.values === "object" ? row.values : {};
  let text = "";
  if (code in IMPORT_ROWS) text = render(IMPORT_ROWS[code], values);
  else if (code in ERRORS) text = render(ERRORS[code], values);
  else if (code) text = issueText({ type: code, ctx: values, loc: [] });
  return row.status === "error" && row.field ? `${row.field}: ${text}` : text;
}
