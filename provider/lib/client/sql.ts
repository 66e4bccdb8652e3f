// The SQL Statement Execution API (POST /api/2.0/sql/statements, then GET …/{id} until the state
// is final): what the newcomer's `demo-data` command runs its CREATE / INSERT / DROP through.
// Requests go through the same call machinery as GenieClient (./api-caller: pool, rate limiter,
// 401 refresh, Retry-After aware retries, redaction); failures become SqlStatementError.
import { redactSecrets } from "../auth";
import { ApiCaller, isAmbiguousFailure, type ApiCall, type ApiCallerOptions } from "./api-caller";
import { GenieApiError } from "./errors";

const STATEMENTS_PATH = "/api/2.0/sql/statements";
const FINAL_STATES = new Set(["SUCCEEDED", "FAILED", "CANCELED", "CLOSED"]);

/** The request options (timeouts, rate limit, retries, logger, headers) are those of ./api-caller. */
export interface SqlClientOptions extends ApiCallerOptions {
  /** How long one statement may take, polls included, before it is cancelled (default 10 min). */
  statementTimeoutMs?: number;
  /** Wait between polls (default 1 s; tests use a few ms). */
  pollIntervalMs?: number;
  /**
   * HTTP attempts per request (default 5). A statement submit is repeated only when the server
   * provably did not process it (429, 503, never sent); polls also after a 5xx or a reset.
   */
  maxAttempts?: number;
}

/** Default attempts per SQL request (fewer than GenieClient's: a newcomer's command should fail fast). */
const DEFAULT_SQL_ATTEMPTS = 5;

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
    const errorCode = init.errorCode === undefined ? undefined : redactSecrets(init.errorCode);
    const code = errorCode ? `${errorCode}: ` : "";
    const where = init.status !== undefined ? ` [HTTP ${init.status}]` : init.state ? ` [statement ${init.statementId ?? "?"} ${init.state}]` : "";
    const hint = init.hint ?? hintFor(init.status, apiMessage);
    super(redactSecrets(`SQL statement failed: ${firstLine(init.statement)}\n  ${code}${apiMessage}${where}\n  fix: ${hint}`));
    this.name = "SqlStatementError";
    this.statement = init.statement;
    if (init.statementId !== undefined) this.statementId = init.statementId;
    if (init.state !== undefined) this.state = init.state;
    if (init.status !== undefined) this.status = init.status;
    if (errorCode !== undefined) this.errorCode = errorCode;
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
  private readonly caller: ApiCaller;
  private readonly opts: { statementTimeoutMs: number; pollIntervalMs: number };

  constructor(opts: SqlClientOptions) {
    this.caller = new ApiCaller({ ...opts, maxAttempts: opts.maxAttempts ?? DEFAULT_SQL_ATTEMPTS });
    this.host = this.caller.host;
    this.opts = {
      statementTimeoutMs: opts.statementTimeoutMs ?? 600_000,
      pollIntervalMs: opts.pollIntervalMs ?? 1_000,
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
    // Not idempotent: a resent submit could run an INSERT twice (see `request`).
    let answer = await this.request({ operation: "create", method: "POST", path: STATEMENTS_PATH, body, idempotent: false }, req.statement);
    const id = String(answer.statement_id ?? "");
    while (!FINAL_STATES.has(stateOf(answer))) {
      if (Date.now() + this.opts.pollIntervalMs > deadline) {
        // Cancelling twice is harmless, so the cancel may be repeated like a poll.
        const cancel = `${STATEMENTS_PATH}/${encodeURIComponent(id)}/cancel`;
        await this.request({ operation: "update", method: "POST", path: cancel, idempotent: true }, req.statement).catch(() => undefined);
        throw new SqlStatementError({
          statement: req.statement, statementId: id, state: stateOf(answer),
          apiMessage: `still ${stateOf(answer)} after ${this.opts.statementTimeoutMs} ms; cancelled`,
          hint: "the warehouse may be starting or busy: try again in a minute, or use a running warehouse",
        });
      }
      await sleep(this.opts.pollIntervalMs);
      answer = await this.request({ operation: "read", method: "GET", path: `${STATEMENTS_PATH}/${encodeURIComponent(id)}`, idempotent: true }, req.statement);
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

  /**
   * One request through the shared call machinery. `operation` only names the call in logs
   * (submit = create, poll = read, cancel = update); what matters is `idempotent`.
   */
  private async request(call: Omit<ApiCall, "label" | "deadline">, statement: string): Promise<Json> {
    try {
      const res = await this.caller.call({ ...call, label: firstLine(statement), deadline: Date.now() + this.caller.operationTimeoutMs });
      return (res.json ?? {}) as Json;
    } catch (e) {
      throw statementErrorOf(e, statement);
    }
  }
}

/** The call machinery's GenieApiError (already redacted) as a SqlStatementError naming the statement. */
function statementErrorOf(e: unknown, statement: string): unknown {
  if (!(e instanceof GenieApiError)) return e;
  const init: ConstructorParameters<typeof SqlStatementError>[0] = { statement, apiMessage: e.apiMessage };
  if (e.status !== undefined) init.status = e.status;
  if (e.errorCode !== undefined) init.errorCode = e.errorCode;
  if (isAmbiguousFailure(e)) {
    // The submit may have reached the warehouse: resending could run it twice.
    init.hint = "the answer was lost, so the statement may or may not have run; check (e.g. SHOW TABLES) before running it again";
  } else if (e.status === undefined && e.hint !== undefined) {
    // No HTTP answer (network, timeout, credentials): the machinery's hint says what to check.
    init.hint = e.hint;
  }
  return new SqlStatementError(init);
}

function stateOf(answer: Json): StatementState {
  return String((answer.status as Json | undefined)?.state ?? "PENDING") as StatementState;
}
