/** instructions: the text block, example SQL queries with parameters, SQL functions and snippets (docs/genie-api.md §2.2). */
import { describe, joinPath } from "./problems";
import { byKey, type Reader, type Rec, withExtras } from "./reader";
import { KEYS, type ExampleQuestionSql, type SqlExpression, type SqlFilter, type SqlFunction, type SqlParameter, type TextInstruction } from "./schema";
import { splitLines } from "./text";

export function readTextInstructions(r: Reader, v: unknown, path: string): TextInstruction[] {
  const blocks: string[] = [];
  let explicit: { rec: Rec; path: string } | undefined;
  const extrasAll: Rec = {};
  r.list(v, path).forEach((item, i) => {
    const p = joinPath(path, i);
    if (typeof item === "string") { if (item.trim() !== "") blocks.push(item); return; }
    const { rec, extras } = r.object(item, p, KEYS.text);
    if (!rec) return;
    Object.assign(extrasAll, extras);
    if (rec.content !== undefined && rec.text !== undefined) {
      r.shape(joinPath(p, "text"), "content and text are the same field: keep only one of them");
    }
    const key = rec.content !== undefined ? "content" : "text";
    const content = r.text(rec[key], joinPath(p, key), 'write the instruction text, e.g. content: "Fiscal year starts in February."');
    if (content !== undefined) blocks.push(content);
    if (!explicit && rec.id !== undefined && rec.id !== null && rec.id !== "") explicit = { rec, path: p };
  });
  if (blocks.length === 0) return [];
  // The API allows one text instruction (§2.5); several are merged into one block, in order.
  let merged = "";
  for (const block of blocks) merged += merged === "" || merged.endsWith("\n") ? block : "\n" + block;
  const id = explicit
    ? r.id(explicit.rec, explicit.path, "text_instruction", "", "text instruction")
    : r.id({}, path, "text_instruction", "", "text instruction");
  return [withExtras({ id, content: splitLines(merged) }, extrasAll)];
}

/** genie-forge's four forms: {values: [...]}, {type, value}, a list, a scalar. */
function readDefaultValue(r: Reader, v: unknown, path: string): { values: string[] } | undefined {
  if (v === undefined || v === null) return undefined;
  const scalar = (x: unknown, p: string): string | undefined => {
    if (typeof x === "string" || typeof x === "number" || typeof x === "boolean") return String(x);
    r.shape(p, `expected a value; got ${describe(x)}`);
    return undefined;
  };
  let values: string[] = [];
  if (Array.isArray(v)) values = v.map((x, i) => scalar(x, joinPath(path, i))).filter((x): x is string => x !== undefined);
  else if (typeof v === "object") {
    const rec = v as Rec;
    if ("values" in rec) {
      const { rec: checked } = r.object(v, path, ["values"]);
      if (checked) values = r.list(checked.values, joinPath(path, "values"))
        .map((x, i) => scalar(x, joinPath(joinPath(path, "values"), i))).filter((x): x is string => x !== undefined);
    } else if ("value" in rec) {
      const { rec: checked } = r.object(v, path, ["type", "value"]);
      const one = checked ? scalar(checked.value, joinPath(path, "value")) : undefined;
      if (one !== undefined) values = [one];
    } else {
      r.shape(path, 'expected default_value: {values: ["…"]}, {value: "…"}, a list or a single value');
    }
  } else {
    const one = scalar(v, path);
    if (one !== undefined) values = [one];
  }
  return values.length ? { values } : undefined;
}

function readParameters(r: Reader, v: unknown, path: string): SqlParameter[] {
  const params: SqlParameter[] = [];
  const names = new Map<string, string>();
  r.list(v, path).forEach((item, j) => {
    const pp = joinPath(path, j);
    const { rec, extras } = r.object(item, pp, KEYS.parameter);
    if (!rec) return;
    const name = r.str(rec.name, joinPath(pp, "name"), "name the parameter as used in the SQL (:name)");
    if (name === undefined) return;
    if (names.has(name)) r.rule(joinPath(pp, "name"), `parameter "${name}" is declared twice (also at ${names.get(name)}): remove one`);
    names.set(name, pp);
    const param: SqlParameter = { name };
    const typeHint = r.str(rec.type_hint, joinPath(pp, "type_hint"));
    if (typeHint) param.type_hint = typeHint;
    const description = r.lines(rec.description, joinPath(pp, "description"));
    if (description) param.description = description;
    const dv = readDefaultValue(r, rec.default_value, joinPath(pp, "default_value"));
    if (dv) param.default_value = dv;
    params.push(withExtras(param, extras)); // parameters keep user order (§2.4)
  });
  return params;
}

export function readExamples(r: Reader, v: unknown, path: string): ExampleQuestionSql[] {
  const out: ExampleQuestionSql[] = [];
  r.list(v, path).forEach((item, i) => {
    const p = joinPath(path, i);
    const { rec, extras } = r.object(item, p, KEYS.example);
    if (!rec) return;
    const question = r.text(rec.question, joinPath(p, "question"), 'write the question this SQL answers, e.g. question: "Top 10 customers"');
    const sql = r.lines(rec.sql, joinPath(p, "sql"), "write the SQL that answers the question");
    if (question === undefined || sql === undefined) return;
    const example: ExampleQuestionSql = {
      id: r.id(rec, p, "example_question_sql", question, "example question"),
      question: splitLines(question),
      sql,
    };
    const params = readParameters(r, rec.parameters, joinPath(p, "parameters"));
    if (params.length) example.parameters = params;
    const guidance = r.lines(rec.usage_guidance, joinPath(p, "usage_guidance"));
    if (guidance) example.usage_guidance = guidance;
    out.push(withExtras(example, extras));
  });
  return out.sort(byKey((e) => e.id));
}

export function readSqlFunctions(r: Reader, v: unknown, path: string): SqlFunction[] {
  const out: SqlFunction[] = [];
  r.list(v, path).forEach((item, i) => {
    const p = joinPath(path, i);
    const rec0 = typeof item === "string" ? { identifier: item } : item;
    // genie-forge keeps a local-only `description` on functions; the API rejects it (§2.2), so it is dropped.
    const { rec, extras } = r.object(rec0, p, KEYS.sqlFunction, r.forge ? ["description"] : []);
    if (!rec) return;
    const identifier = r.identifier(rec.identifier, joinPath(p, "identifier"), "function");
    if (identifier === undefined) return;
    out.push(withExtras({ id: r.id(rec, p, "sql_function", identifier, "SQL function"), identifier }, extras));
  });
  return out.sort(byKey((f) => f.id));
}

function snakeCase(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}

export function readSnippets(r: Reader, v: unknown, path: string, kind: "filter" | "expression" | "measure"): Array<SqlFilter | SqlExpression> {
  const out: Array<SqlFilter | SqlExpression> = [];
  r.list(v, path).forEach((item, i) => {
    const p = joinPath(path, i);
    const { rec, extras } = r.object(item, p, KEYS.snippet);
    if (!rec) return;
    const sql = r.lines(rec.sql, joinPath(p, "sql"), `write the SQL of this ${kind}`);
    const displayName = r.str(rec.display_name, joinPath(p, "display_name"),
      kind === "filter" ? 'name the filter as users say it, e.g. display_name: "large order"' : undefined);
    let alias = r.str(rec.alias, joinPath(p, "alias"));
    if (kind === "filter" && alias !== undefined) r.shape(joinPath(p, "alias"), 'filters have no alias: use display_name');
    if (kind !== "filter" && alias === undefined) {
      // genie-forge snippets carry only display_name; the API names expressions/measures by alias (§2.2).
      if (r.forge && displayName) alias = snakeCase(displayName);
      else r.shape(joinPath(p, "alias"), `is required: name the ${kind} as used in SQL, e.g. alias: net_revenue`);
    }
    if (sql === undefined || (kind === "filter" ? displayName === undefined : alias === undefined)) return;
    const name = kind === "filter" ? displayName! : alias!;
    const snippet: Rec = { id: r.id(rec, p, kind, name, `${kind} (same ${kind === "filter" ? "display_name" : "alias"})`) };
    if (kind !== "filter") snippet.alias = alias;
    if (displayName !== undefined) snippet.display_name = displayName;
    snippet.sql = sql;
    const synonyms = r.strings(rec.synonyms, joinPath(p, "synonyms"));
    if (synonyms) snippet.synonyms = synonyms;
    const comment = r.lines(rec.comment, joinPath(p, "comment"));
    if (comment) snippet.comment = comment;
    const instruction = r.lines(rec.instruction, joinPath(p, "instruction"));
    if (instruction) snippet.instruction = instruction;
    out.push(withExtras(snippet as unknown as SqlFilter | SqlExpression, extras));
  });
  return out.sort(byKey((s) => s.id));
}
