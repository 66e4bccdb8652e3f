// The SQL Statement Execution API (POST /api/2.0/sql/statements, then GET …/{id} until the state
// is final): what the newcomer's `demo-data` command runs its CREATE / INSERT / DROP through.
import type { Credentials } from "../auth";
import { redactSecrets } from "../auth";
import { excerpt, parseErrorBody } from "./errors";
import { exchange, TransportError } from "./transport";

const STATEMENTS_PATH = "/api/2.0/sql/statements";
const FINAL_STATES = new Set(["SUCCEEDED", "FAILED", "CANCELED", "CLOSED"]);

export interface SqlClientOptions {
  host: string;
  credentials: Credentials;
  /** Per HTTP request (default 60 s). */
  requestTimeoutMs?: number;
  /** How long one statement may take, polls included, before it is cancelled (default 10 min). */
  statementTimeoutMs?: number;
  /** Wait between polls (default 1 s; tests use a few ms). */
  pollIntervalMs?: number;
  /** Attempts for a request the server did not process (429, 503, connection refused); default 5. */
  maxAttempts?: number;
  /** Sent as `X-Databricks-Org-Id` (unified hosts). */
  workspaceId?: string;
  userAgent?: string;
}

export interface StatementRequest {
  statement: string;
  warehouseId: string;
  /** Default catalog / schema for 1- and 2-part names. */
  catalog?: string;
  schema?: string;
  /** How long the submit call waits for the result: "0s" or "5s"…"50s" (default "10s"); then we poll. */
  waitTimeout?: string;
}

export interface StatementResult {
  statementId: string;
  columns: string[];
  /** JSON_ARRAY format: every value a string, or null. */
  rows: (string | null)[][];
}

export type StatementState = "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELED" | "CLOSED";

/**
 * A statement that did not succeed: an HTTP error (bad request, no such warehouse, credentials) or
 * a SQL failure reported in `status.error` (e.g. `[TABLE_OR_VIEW_NOT_FOUND] …`). The message names
 * the statement, the API's code and message, and what to do; never a credential.
 */
export class SqlStatementError extends Error {
  readonly statement: string;
  readonly statementId?: string;
  readonly state?: StatementState;
  readonly status?: number;
  readonly errorCode?: string;
  readonly apiMessage: string;
  readonly hint: string;

  constructor(init: { statement: string; statementId?: string; state?: StatementState; status?: number; errorCode?: string; apiMessage: string; hint?: string }) {
    const apiMessage = redactSecrets(init.apiMessage);
    const code = init.errorCode ? `${init.errorCode}: ` : "";
    const where = init.status !== undefined ? ` [HTTP ${init.status}]` : init.state ? ` [statement ${init.statementId ?? "?"} ${init.state}]` : "";
    const hint = init.hint ?? hintFor(init.status, apiMessage);
    super(`SQL statement failed: ${firstLine(init.statement)}\n  ${code}${apiMessage}${where}\n  fix: ${hint}`);
    this.name = "SqlStatementError";
    this.statement = init.statement;
    if (init.statementId !== undefined) this.statementId = init.statementId;
    if (init.state !== undefined) this.state = init.state;
    if (init.status !== undefined) this.status = init.status;
    if (init.errorCode !== undefined) this.errorCode = init.errorCode;
    this.apiMessage = apiMessage;
    this.hint = hint;
  }
}

function firstLine(sql: string): string {
  const line = sql.trim().split("\n")[0];
  return line.length > 100 ? `${line.slice(0, 100)}…` : line;
}

function hintFor(status: number | undefined, message: string): string {
  if (status === 401) return "check the Databricks credentials and where they come from (`pulumi-genie whoami`)";
  if (status === 403) return "the caller needs CAN USE on the warehouse and the privileges the statement needs (USE CATALOG, CREATE SCHEMA, CREATE TABLE)";
  if (status === 404) return "check --warehouse-id: the SQL warehouse does not exist in this workspace or the caller cannot see it";
  if (status === 400) return "the request was rejected as sent; check --warehouse-id, --catalog and --schema";
  if (/SCHEMA_NOT_FOUND|CATALOG_NOT_FOUND|NO_SUCH_CATALOG/.test(message)) return "check --catalog and --schema: the catalog must exist, and the schema is created by `demo-data setup`";
  if (/TABLE_OR_VIEW_NOT_FOUND/.test(message)) return "the table does not exist (yet): run `pulumi-genie demo-data setup` first, or check the names";
  if (/PERMISSION|privilege/i.test(message)) return "ask a workspace admin for the Unity Catalog privileges the statement needs";
  return "read the warehouse's message above; the statement is shown so it can be run by hand in the SQL editor";
}

type Json = Record<string, unknown>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class SqlClient {
  readonly host: string;
  private readonly credentials: Credentials;
  private readonly opts: Required<Omit<SqlClientOptions, "host" | "credentials" | "workspaceId">> & { workspaceId?: string };

  constructor(opts: SqlClientOptions) {
    this.host = opts.host.replace(/\/+$/, "");
    this.credentials = opts.credentials;
    this.opts = {
      requestTimeoutMs: opts.requestTimeoutMs ?? 60_000,
      statementTimeoutMs: opts.statementTimeoutMs ?? 600_000,
      pollIntervalMs: opts.pollIntervalMs ?? 1_000,
      maxAttempts: opts.maxAttempts ?? 5,
      userAgent: opts.userAgent ?? "pulumi-genie/0.1 (+undici)",
      workspaceId: opts.workspaceId,
    };
  }

  /** Runs one statement to completion; rejects with SqlStatementError unless it SUCCEEDED. */
  async execute(req: StatementRequest): Promise<StatementResult> {
    const body: Json = {
      statement: req.statement,
      warehouse_id: req.warehouseId,
      wait_timeout: req.waitTimeout ?? "10s",
      on_wait_timeout: "CONTINUE",
      format: "JSON_ARRAY",
      disposition: "INLINE",
    };
    if (req.catalog) body.catalog = req.catalog;
    if (req.schema) body.schema = req.schema;
    const deadline = Date.now() + this.opts.statementTimeoutMs;
    let answer = await this.request("POST", STATEMENTS_PATH, req.statement, body);
    const id = String(answer.statement_id ?? "");
    while (!FINAL_STATES.has(stateOf(answer))) {
      if (Date.now() + this.opts.pollIntervalMs > deadline) {
        await this.request("POST", `${STATEMENTS_PATH}/${encodeURIComponent(id)}/cancel`, req.statement).catch(() => undefined);
        throw new SqlStatementError({
          statement: req.statement, statementId: id, state: stateOf(answer),
          apiMessage: `still ${stateOf(answer)} after ${this.opts.statementTimeoutMs} ms; cancelled`,
          hint: "the warehouse may be starting or busy: try again in a minute, or use a running warehouse",
        });
      }
      await sleep(this.opts.pollIntervalMs);
      answer = await this.request("GET", `${STATEMENTS_PATH}/${encodeURIComponent(id)}`, req.statement);
    }
    const state = stateOf(answer);
    if (state !== "SUCCEEDED") {
      const error = ((answer.status as Json | undefined)?.error ?? {}) as Json;
      throw new SqlStatementError({
        statement: req.statement, statementId: id, state,
        errorCode: typeof error.error_code === "string" ? error.error_code : undefined,
        apiMessage: typeof error.message === "string" ? error.message : `the statement ended ${state}`,
      });
    }
    const manifest = (answer.manifest ?? {}) as Json;
    const columns = (((manifest.schema as Json | undefined)?.columns ?? []) as Json[]).map((c) => String(c.name));
    const rows = (((answer.result as Json | undefined)?.data_array ?? []) as (string | null)[][]);
    return { statementId: id, columns, rows };
  }

  /** One HTTP exchange; repeated only when the server provably did not process it (429, 503, not sent). */
  private async request(method: "GET" | "POST", path: string, statement: string, body?: Json): Promise<Json> {
    for (let attempt = 1; ; attempt++) {
      const authorization = await this.credentials.authorization();
      const secret = authorization.replace(/^\S+\s+/, "");
      const headers: Record<string, string> = { authorization, accept: "application/json", "user-agent": this.opts.userAgent };
      if (body) headers["content-type"] = "application/json";
      if (this.opts.workspaceId) headers["x-databricks-org-id"] = this.opts.workspaceId;
      let res;
      try {
        res = await exchange({ method, host: this.host, path, headers, body: body && JSON.stringify(body), timeoutMs: this.opts.requestTimeoutMs });
      } catch (e) {
        const t = e as TransportError;
        if (t instanceof TransportError && !t.sent && attempt < this.opts.maxAttempts) {
          await sleep(this.opts.pollIntervalMs * attempt);
          continue;
        }
        throw new SqlStatementError({ statement, apiMessage: redactSecrets(t.message ?? String(e), [secret]), hint: "check network access to the workspace host" });
      }
      if (res.status >= 200 && res.status < 300) {
        try {
          return (res.text.trim() === "" ? {} : JSON.parse(res.text)) as Json;
        } catch {
          throw new SqlStatementError({ statement, status: res.status, apiMessage: `unparseable response body: ${excerpt(res.text)}` });
        }
      }
      if ((res.status === 429 || res.status === 503) && attempt < this.opts.maxAttempts) {
        await sleep(this.opts.pollIntervalMs * attempt);
        continue;
      }
      const contentType = res.headers["content-type"];
      const parsed = parseErrorBody(res.status, Array.isArray(contentType) ? contentType[0] : contentType, res.text);
      throw new SqlStatementError({ statement, status: res.status, errorCode: parsed.errorCode, apiMessage: redactSecrets(parsed.message, [secret]) });
    }
  }
}

function stateOf(answer: Json): StatementState {
  return String((answer.status as Json | undefined)?.state ?? "PENDING") as StatementState;
}
