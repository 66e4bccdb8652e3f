/**
 * Enough of the SQL Statement Execution API (`/api/2.0/sql/statements`) for the newcomer's demo
 * data: submit a statement, poll it, and the few statements the demo runs (CREATE SCHEMA / TABLE,
 * INSERT … VALUES, DROP, SHOW TABLES, DESCRIBE, SELECT COUNT(*)). The tables it creates are the
 * emulator's Unity Catalog, so a space referencing a table that does not exist can be refused
 * with 403 as the real service does (docs/genie-api.md §5.10).
 *
 * Real-API shapes kept: a statement's SQL failure is HTTP 200 with `status.state: "FAILED"` and
 * `status.error: {error_code, message}` whose message starts with the Spark error class
 * (`[TABLE_OR_VIEW_NOT_FOUND] …`); a malformed request is an HTTP 400; `wait_timeout` is `0s` or
 * `5s`–`50s`; results use `format: JSON_ARRAY` with every value a string (or null).
 */
import { randomBytes } from "node:crypto";
import { invalidParameter, notFound } from "./api-error";
import type { EmulatedColumn, EmulatedTable } from "./types";

export type StatementState = "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELED" | "CLOSED";

interface ResultSet {
  columns: { name: string; type: string }[];
  rows: (string | null)[][];
}

interface Statement {
  id: string;
  state: StatementState;
  final: "SUCCEEDED" | "FAILED";
  result?: ResultSet;
  error?: { error_code: string; message: string };
}

/** A SQL error as the warehouse reports it: the Spark error class leads the message. */
class SqlFailure extends Error {
  constructor(readonly errorClass: string, detail: string, readonly sqlState: string) {
    super(`[${errorClass}] ${detail} SQLSTATE: ${sqlState}`);
  }
}

// ---------------------------------------------------------------------------------- tokenizer

type Token =
  | { kind: "word"; text: string; upper: string }
  | { kind: "quoted"; text: string } // `backticked identifier`
  | { kind: "string"; text: string }
  | { kind: "number"; text: string }
  | { kind: "punct"; text: string };

function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === "-" && sql[i + 1] === "-") { while (i < sql.length && sql[i] !== "\n") i++; continue; }
    if (c === "'" || c === '"') {
      let text = "";
      i++;
      for (;;) {
        if (i >= sql.length) throw new SqlFailure("PARSE_SYNTAX_ERROR", "Syntax error: unterminated string literal.", "42601");
        if (sql[i] === "\\" && i + 1 < sql.length) { text += sql[i + 1]; i += 2; continue; }
        if (sql[i] === c) {
          if (sql[i + 1] === c) { text += c; i += 2; continue; }
          i++;
          break;
        }
        text += sql[i++];
      }
      out.push({ kind: "string", text });
      continue;
    }
    if (c === "`") {
      const end = sql.indexOf("`", i + 1);
      if (end < 0) throw new SqlFailure("PARSE_SYNTAX_ERROR", "Syntax error: unterminated `identifier`.", "42601");
      out.push({ kind: "quoted", text: sql.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const num = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(sql.slice(i));
    if (num) { out.push({ kind: "number", text: num[0] }); i += num[0].length; continue; }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i));
    if (word) { out.push({ kind: "word", text: word[0], upper: word[0].toUpperCase() }); i += word[0].length; continue; }
    out.push({ kind: "punct", text: c });
    i++;
  }
  return out;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  peekWord(offset = 0): string | undefined {
    const t = this.tokens[this.pos + offset];
    return t?.kind === "word" ? t.upper : undefined;
  }
  done(): boolean {
    while (this.tokens[this.pos]?.kind === "punct" && this.tokens[this.pos].text === ";") this.pos++;
    return this.pos >= this.tokens.length;
  }
  acceptWord(...words: string[]): boolean {
    if (words.every((w, k) => this.peekWord(k) === w)) { this.pos += words.length; return true; }
    return false;
  }
  expectWord(word: string): void {
    if (!this.acceptWord(word)) this.syntax(`expected ${word}`);
  }
  acceptPunct(p: string): boolean {
    const t = this.tokens[this.pos];
    if (t?.kind === "punct" && t.text === p) { this.pos++; return true; }
    return false;
  }
  expectPunct(p: string): void {
    if (!this.acceptPunct(p)) this.syntax(`expected '${p}'`);
  }
  identifier(): string {
    const t = this.tokens[this.pos];
    if (t?.kind === "word" || t?.kind === "quoted") { this.pos++; return t.text; }
    return this.syntax("expected an identifier");
  }
  /** `a`, `a.b` or `a.b.c`, each part plain or backticked. */
  name(): string[] {
    const parts = [this.identifier()];
    while (this.acceptPunct(".")) parts.push(this.identifier());
    return parts;
  }
  string(): string {
    const t = this.tokens[this.pos];
    if (t?.kind === "string") { this.pos++; return t.text; }
    return this.syntax("expected a string literal");
  }
  /** A literal in VALUES: the JSON_ARRAY result format carries every value as a string. */
  literal(): string | null {
    const t = this.tokens[this.pos];
    if (t?.kind === "punct" && t.text === "-" && this.tokens[this.pos + 1]?.kind === "number") {
      this.pos += 2;
      return `-${this.tokens[this.pos - 1].text}`;
    }
    if (t?.kind === "string" || t?.kind === "number") { this.pos++; return t.text; }
    if (t?.kind === "word") {
      if (t.upper === "NULL") { this.pos++; return null; }
      if (t.upper === "TRUE" || t.upper === "FALSE") { this.pos++; return t.upper.toLowerCase(); }
      if (t.upper === "DATE" || t.upper === "TIMESTAMP") { this.pos++; return this.string(); }
    }
    return this.syntax("expected a literal value");
  }
  /** A column type, e.g. `BIGINT`, `DECIMAL(10, 2)`, `ARRAY<STRING>`: kept as written (lowercase). */
  type(): string {
    let text = this.identifier().toLowerCase();
    if (this.acceptPunct("(")) {
      const args: string[] = [];
      while (!this.acceptPunct(")")) {
        const t = this.tokens[this.pos++];
        if (!t) this.syntax("unterminated type arguments");
        if (!(t.kind === "punct" && t.text === ",")) args.push(t.text);
      }
      text += `(${args.join(",")})`;
    }
    if (this.acceptPunct("<")) {
      let depth = 1;
      let inner = "";
      while (depth > 0) {
        const t = this.tokens[this.pos++];
        if (!t) this.syntax("unterminated type");
        if (t.kind === "punct" && t.text === "<") depth++;
        if (t.kind === "punct" && t.text === ">") depth--;
        if (depth > 0) inner += t.text.toLowerCase();
      }
      text += `<${inner}>`;
    }
    return text;
  }
  syntax(what: string): never {
    const t = this.tokens[this.pos];
    const near = t ? `'${t.text}'` : "end of input";
    throw new SqlFailure("PARSE_SYNTAX_ERROR", `Syntax error at or near ${near}: ${what}.`, "42601");
  }
}

// ---------------------------------------------------------------------------------- the warehouse

const WAIT_TIMEOUT = /^(\d+)s$/;

const quote = (parts: string[]) => parts.map((p) => `\`${p}\``).join(".");

/**
 * The emulated SQL warehouse and Unity Catalog. Names are stored lowercase: Unity Catalog
 * identifiers are case-insensitive.
 */
export class SqlWarehouse {
  private schemas = new Set<string>();
  private tables = new Map<string, EmulatedTable>();
  private statements = new Map<string, Statement>();

  reset(): void {
    this.schemas.clear();
    this.tables.clear();
    this.statements.clear();
  }

  /** Full names (`catalog.schema.table`) of every table, sorted. */
  tableNames(): string[] {
    return [...this.tables.keys()].sort();
  }

  /**
   * The space-store's table check: the `catalog` fixture plus the tables made here, the latter
   * matched case-insensitively (Unity Catalog names are case-insensitive).
   */
  catalogWith(fixture: Iterable<string>): ReadonlySet<string> {
    const tables = this.tables;
    return new (class extends Set<string> {
      override has(identifier: string): boolean {
        return super.has(identifier) || tables.has(identifier.toLowerCase());
      }
    })(fixture);
  }

  table(identifier: string): EmulatedTable | undefined {
    const t = this.tables.get(identifier.toLowerCase());
    return t && { ...t, columns: t.columns.map((c) => ({ ...c })), rows: t.rows.map((r) => [...r]) };
  }

  /** `POST /api/2.0/sql/statements/{id}/cancel`: a statement still running is canceled. */
  cancel(id: string): Record<string, never> {
    const st = this.lookup(id);
    if (st.state === "PENDING" || st.state === "RUNNING") st.state = "CANCELED";
    return {};
  }

  /** `DELETE /api/2.0/sql/statements/{id}`: the statement and its result are closed. */
  close(id: string): Record<string, never> {
    this.lookup(id).state = "CLOSED";
    return {};
  }

  private lookup(id: string): Statement {
    const st = this.statements.get(id);
    if (!st) throw notFound(`Statement ${id} not found.`);
    return st;
  }

  submit(body: Record<string, unknown>): unknown {
    const statement = body.statement;
    const warehouse = body.warehouse_id;
    if (typeof warehouse !== "string" || warehouse === "") throw invalidParameter("warehouse_id is required");
    if (typeof statement !== "string" || statement.trim() === "") throw invalidParameter("statement is required");
    const wait = body.wait_timeout === undefined ? "10s" : String(body.wait_timeout);
    const w = WAIT_TIMEOUT.exec(wait);
    const seconds = w ? Number(w[1]) : NaN;
    if (!(seconds === 0 || (seconds >= 5 && seconds <= 50))) {
      throw invalidParameter(`wait_timeout must be 0s or between 5s and 50s (got '${wait}')`);
    }
    for (const key of ["catalog", "schema"]) {
      if (body[key] !== undefined && typeof body[key] !== "string") throw invalidParameter(`${key} must be a string`);
    }
    const st: Statement = {
      id: `01ef${randomBytes(14).toString("hex")}`,
      state: "PENDING",
      final: "SUCCEEDED",
    };
    try {
      st.result = this.execute(statement, { catalog: body.catalog as string | undefined, schema: body.schema as string | undefined });
    } catch (e) {
      if (!(e instanceof SqlFailure)) throw e;
      st.final = "FAILED";
      st.error = { error_code: "BAD_REQUEST", message: e.message };
    }
    // A statement asked to return at once (0s) is first reported PENDING, so clients must poll.
    if (seconds > 0) st.state = st.final;
    this.statements.set(st.id, st);
    return this.view(st);
  }

  poll(id: string): unknown {
    const st = this.lookup(id);
    if (st.state === "PENDING") st.state = st.final;
    return this.view(st);
  }

  private view(st: Statement): unknown {
    const out: Record<string, unknown> = { statement_id: st.id, status: { state: st.state, ...(st.state === "FAILED" ? { error: st.error } : {}) } };
    if (st.state === "SUCCEEDED" && st.result) {
      const r = st.result;
      out.manifest = {
        format: "JSON_ARRAY",
        schema: {
          column_count: r.columns.length,
          columns: r.columns.map((c, position) => ({ name: c.name, type_text: c.type.toUpperCase(), type_name: typeName(c.type), position })),
        },
        total_chunk_count: 1,
        total_row_count: r.rows.length,
        truncated: false,
      };
      out.result = { chunk_index: 0, row_offset: 0, row_count: r.rows.length, ...(r.rows.length ? { data_array: r.rows } : {}) };
    }
    return out;
  }

  // ---- statements ----

  private execute(sql: string, defaults: { catalog?: string; schema?: string }): ResultSet {
    const p = new Parser(tokenize(sql));
    const none: ResultSet = { columns: [], rows: [] };
    const tableName = (parts: string[]) => this.resolve(parts, 3, defaults);
    const schemaName = (parts: string[]) => this.resolve(parts, 2, defaults);
    let result: ResultSet;
    if (p.acceptWord("CREATE")) {
      const replace = p.acceptWord("OR", "REPLACE");
      if (p.acceptWord("SCHEMA") || p.acceptWord("DATABASE")) {
        const ifNotExists = p.acceptWord("IF", "NOT", "EXISTS");
        const name = schemaName(p.name());
        if (p.acceptWord("COMMENT")) p.string();
        if (this.schemas.has(name.join("."))) {
          if (!ifNotExists) throw new SqlFailure("SCHEMA_ALREADY_EXISTS", `Cannot create schema ${quote(name)} because it already exists.`, "42P06");
        } else this.schemas.add(name.join("."));
        result = none;
      } else if (p.acceptWord("TABLE")) {
        const ifNotExists = p.acceptWord("IF", "NOT", "EXISTS");
        const name = tableName(p.name());
        p.expectPunct("(");
        const columns: EmulatedColumn[] = [];
        do {
          const column: EmulatedColumn = { name: p.identifier().toLowerCase(), type: p.type() };
          if (p.acceptWord("NOT", "NULL")) column.nullable = false;
          if (p.acceptWord("COMMENT")) column.comment = p.string();
          columns.push(column);
        } while (p.acceptPunct(","));
        p.expectPunct(")");
        let comment: string | undefined;
        for (;;) {
          if (p.acceptWord("USING")) p.identifier();
          else if (p.acceptWord("COMMENT")) comment = p.string();
          else break;
        }
        this.requireSchema(name.slice(0, 2));
        const key = name.join(".");
        if (this.tables.has(key) && !replace) {
          if (!ifNotExists) throw new SqlFailure("TABLE_OR_VIEW_ALREADY_EXISTS", `Cannot create table or view ${quote(name)} because it already exists.`, "42P07");
        } else {
          this.tables.set(key, { catalog: name[0], schema: name[1], name: name[2], columns, rows: [], ...(comment !== undefined ? { comment } : {}) });
        }
        result = none;
      } else return p.syntax("this emulator supports CREATE SCHEMA and CREATE TABLE");
    } else if (p.acceptWord("INSERT")) {
      if (!p.acceptWord("INTO")) p.expectWord("OVERWRITE");
      p.acceptWord("TABLE");
      const table = this.requireTable(tableName(p.name()));
      let targets = table.columns.map((c) => c.name);
      if (p.acceptPunct("(")) {
        targets = [];
        do targets.push(p.identifier().toLowerCase()); while (p.acceptPunct(","));
        p.expectPunct(")");
        for (const t of targets) {
          if (!table.columns.some((c) => c.name === t)) {
            throw new SqlFailure("UNRESOLVED_COLUMN.WITH_SUGGESTION", `A column with name \`${t}\` cannot be resolved.`, "42703");
          }
        }
      }
      p.expectWord("VALUES");
      const rows: (string | null)[][] = [];
      do {
        p.expectPunct("(");
        const values: (string | null)[] = [];
        do values.push(p.literal()); while (p.acceptPunct(","));
        p.expectPunct(")");
        if (values.length !== targets.length) {
          throw new SqlFailure("INSERT_COLUMN_ARITY_MISMATCH", `Cannot write to ${quote([table.catalog, table.schema, table.name])}: ${values.length} values for ${targets.length} columns.`, "21S01");
        }
        rows.push(table.columns.map((c) => { const k = targets.indexOf(c.name); return k < 0 ? null : values[k]; }));
      } while (p.acceptPunct(","));
      table.rows.push(...rows);
      result = { columns: [{ name: "num_affected_rows", type: "bigint" }, { name: "num_inserted_rows", type: "bigint" }], rows: [[String(rows.length), String(rows.length)]] };
    } else if (p.acceptWord("DROP")) {
      if (p.acceptWord("TABLE")) {
        const ifExists = p.acceptWord("IF", "EXISTS");
        const name = tableName(p.name());
        if (!this.tables.delete(name.join(".")) && !ifExists) this.requireTable(name);
      } else if (p.acceptWord("SCHEMA") || p.acceptWord("DATABASE")) {
        const ifExists = p.acceptWord("IF", "EXISTS");
        const name = schemaName(p.name());
        const cascade = p.acceptWord("CASCADE");
        if (!cascade) p.acceptWord("RESTRICT");
        const key = name.join(".");
        if (!this.schemas.has(key)) {
          if (!ifExists) this.requireSchema(name);
        } else {
          const inside = [...this.tables.keys()].filter((t) => t.startsWith(`${key}.`));
          if (inside.length && !cascade) {
            throw new SqlFailure("SCHEMA_NOT_EMPTY", `Cannot drop a schema ${quote(name)} because it contains objects. Use DROP SCHEMA ... CASCADE to drop the schema and all its objects.`, "2BP01");
          }
          for (const t of inside) this.tables.delete(t);
          this.schemas.delete(key);
        }
      } else return p.syntax("this emulator supports DROP TABLE and DROP SCHEMA");
      result = none;
    } else if (p.acceptWord("SHOW", "TABLES")) {
      const name = p.acceptWord("IN") || p.acceptWord("FROM") ? schemaName(p.name()) : schemaName([]);
      this.requireSchema(name);
      const rows = this.tableNames()
        .filter((t) => t.startsWith(`${name.join(".")}.`))
        .map((t) => [name[1], t.split(".")[2], "false"]);
      result = { columns: [{ name: "database", type: "string" }, { name: "tableName", type: "string" }, { name: "isTemporary", type: "boolean" }], rows };
    } else if (p.acceptWord("SHOW", "SCHEMAS") || p.acceptWord("SHOW", "DATABASES")) {
      const catalog = p.acceptWord("IN") || p.acceptWord("FROM") ? p.identifier().toLowerCase() : defaults.catalog?.toLowerCase();
      if (!catalog) throw new SqlFailure("NO_CATALOG", "No catalog given: name one (SHOW SCHEMAS IN <catalog>) or set catalog on the request.", "3D000");
      const rows = [...this.schemas].filter((s) => s.startsWith(`${catalog}.`)).sort().map((s) => [s.split(".")[1]]);
      result = { columns: [{ name: "databaseName", type: "string" }], rows };
    } else if (p.acceptWord("DESCRIBE") || p.acceptWord("DESC")) {
      p.acceptWord("TABLE");
      const table = this.requireTable(tableName(p.name()));
      result = {
        columns: [{ name: "col_name", type: "string" }, { name: "data_type", type: "string" }, { name: "comment", type: "string" }],
        rows: table.columns.map((c) => [c.name, c.type, c.comment ?? null]),
      };
    } else if (p.acceptWord("SELECT")) {
      // Only `SELECT COUNT(*) FROM t`: what a status check needs.
      if (!(p.acceptWord("COUNT") && p.acceptPunct("(") && p.acceptPunct("*") && p.acceptPunct(")") && p.acceptWord("FROM"))) {
        return p.syntax("this emulator supports only SELECT COUNT(*) FROM <table>");
      }
      const table = this.requireTable(tableName(p.name()));
      result = { columns: [{ name: "count(1)", type: "bigint" }], rows: [[String(table.rows.length)]] };
    } else {
      return p.syntax("this emulator supports CREATE/DROP SCHEMA, CREATE/DROP TABLE, INSERT INTO … VALUES, SHOW TABLES, SHOW SCHEMAS, DESCRIBE and SELECT COUNT(*)");
    }
    if (!p.done()) p.syntax("one statement per request, nothing after it");
    return result;
  }

  /** Completes a 1-, 2- or 3-part name with the request's catalog and schema; lowercase. */
  private resolve(parts: string[], want: 2 | 3, defaults: { catalog?: string; schema?: string }): string[] {
    const given = parts.map((p) => p.toLowerCase());
    const fill = [defaults.catalog, defaults.schema].slice(0, want - 1).map((d) => d?.toLowerCase());
    const full = [...fill.slice(0, Math.max(0, want - given.length)), ...given];
    if (given.length > want || full.length !== want || full.some((p) => !p)) {
      throw new SqlFailure(
        "REQUIRES_SINGLE_PART_NAMESPACE",
        `${quote(given)} is not a ${want === 3 ? "table" : "schema"} name: write ${want === 3 ? "catalog.schema.table" : "catalog.schema"} or set catalog/schema on the request.`,
        "42K05",
      );
    }
    return full as string[];
  }

  private requireSchema(name: string[]): void {
    if (!this.schemas.has(name.join("."))) {
      throw new SqlFailure("SCHEMA_NOT_FOUND", `The schema ${quote(name)} cannot be found. Verify the spelling and correctness of the schema and catalog.`, "42704");
    }
  }

  private requireTable(name: string[]): EmulatedTable {
    const table = this.tables.get(name.join("."));
    if (!table) {
      throw new SqlFailure("TABLE_OR_VIEW_NOT_FOUND", `The table or view ${quote(name)} cannot be found. Verify the spelling and correctness of the schema and catalog.`, "42P01");
    }
    return table;
  }
}

function typeName(type: string): string {
  const base = type.replace(/[(<].*$/, "").toUpperCase();
  const names: Record<string, string> = { BIGINT: "LONG", INT: "INT", INTEGER: "INT", SMALLINT: "SHORT", TINYINT: "BYTE", DOUBLE: "DOUBLE", FLOAT: "FLOAT" };
  return names[base] ?? base;
}
