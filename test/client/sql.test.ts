/**
 * The SQL client's requests go through the same call machinery as GenieClient: Retry-After aware
 * retries, one credential refresh after a 401, token failures wrapped, secrets scrubbed, and a
 * statement submit (not idempotent) never resent after an ambiguous failure.
 */
import { AuthTokenError, credentialsFor, type Credentials } from "../../provider/lib/auth";
import { closeConnectionPools, SqlClient, SqlStatementError, type SqlClientOptions } from "../../provider/lib/client";
import { startScriptedServer, type Handler, type RecordedRequest, type Reply, type ScriptedServer } from "./scripted-server";

const TOKEN = "dapi-sql-test-0123456789abcdef";
const STATEMENT = "INSERT INTO main.demo.orders VALUES (1)";
const STATEMENT_ID = "01ef-stmt-1";
const SUBMIT = "/api/2.0/sql/statements";
const POLL = `${SUBMIT}/${STATEMENT_ID}`;
let server: ScriptedServer | undefined;

const succeeded: Reply = {
  status: 200,
  json: {
    statement_id: STATEMENT_ID,
    status: { state: "SUCCEEDED" },
    manifest: { schema: { columns: [{ name: "num_affected_rows" }] } },
    result: { data_array: [["1"]] },
  },
};
const pending: Reply = { status: 200, json: { statement_id: STATEMENT_ID, status: { state: "PENDING" } } };

async function serve(handler: Handler, extra: Partial<SqlClientOptions> = {}): Promise<SqlClient> {
  server = await startScriptedServer(handler);
  return new SqlClient({
    host: server.url,
    credentials: credentialsFor({ host: server.url, authType: "pat", token: TOKEN, sources: {} }),
    requestsPerSecond: 1000,
    minRetryDelayMs: 1,
    maxRetryDelayMs: 5,
    pollIntervalMs: 1,
    ...extra,
  });
}

const submits = (): RecordedRequest[] => server!.requests.filter((r) => r.method === "POST" && r.path === SUBMIT);
const polls = (): RecordedRequest[] => server!.requests.filter((r) => r.method === "GET" && r.path === POLL);
const run = (sql: SqlClient) => sql.execute({ statement: STATEMENT, warehouseId: "wh1" });
const failure = (sql: SqlClient) => run(sql).then(
  () => {
    throw new Error("expected the statement to fail");
  },
  (e: unknown) => e as SqlStatementError,
);

afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => closeConnectionPools());

test("a submit answered 429 is resent after the server's Retry-After, and the statement succeeds", async () => {
  const sql = await serve((req, i) => (i === 0 ? { status: 429, headers: { "retry-after": "0.1" }, json: { error_code: "REQUEST_LIMIT_EXCEEDED", message: "slow down" } } : succeeded), { maxRetryDelayMs: 1_000 });
  const started = Date.now();
  const result = await run(sql);
  expect(result.rows).toEqual([["1"]]);
  expect(submits()).toHaveLength(2);
  expect(Date.now() - started).toBeGreaterThanOrEqual(90);
});

test("a submit answered 503 is resent: the server did not process it", async () => {
  const sql = await serve((_req, i) => (i === 0 ? { status: 503, json: { error_code: "TEMPORARILY_UNAVAILABLE", message: "busy" } } : succeeded));
  await expect(run(sql)).resolves.toMatchObject({ statementId: STATEMENT_ID });
  expect(submits()).toHaveLength(2);
});

test.each<[string, Reply]>([
  ["HTTP 500", { status: 500, json: { error_code: "INTERNAL_ERROR", message: "boom" } }],
  ["HTTP 502", { status: 502, text: "<html>bad gateway</html>" }],
  ["a reset connection", "reset"],
])("a submit failing ambiguously (%s) is never resent, and the error says it may have run", async (_what, reply) => {
  const sql = await serve(() => reply);
  const err = await failure(sql);
  expect(err).toBeInstanceOf(SqlStatementError);
  expect(submits()).toHaveLength(1);
  expect(err.message).toContain(`SQL statement failed: ${STATEMENT}`);
  expect(err.message).toMatch(/fix: the answer was lost, so the statement may or may not have run/);
});

test("a poll answered 500 or reset is repeated (a GET is idempotent) and the statement completes", async () => {
  let pollNo = 0;
  const sql = await serve((req) => {
    if (req.method === "POST") return pending;
    pollNo++;
    return pollNo === 1 ? { status: 500, json: { error_code: "INTERNAL_ERROR", message: "boom" } } : pollNo === 2 ? "reset" : succeeded;
  });
  await expect(run(sql)).resolves.toMatchObject({ rows: [["1"]] });
  expect(submits()).toHaveLength(1);
  expect(polls()).toHaveLength(3);
});

test("a 401 refreshes the credentials once and resends; a second 401 fails with the credentials fix", async () => {
  let invalidated = 0;
  const credentials: Credentials = { authorization: async () => `Bearer ${TOKEN}-${invalidated}`, invalidate: () => void invalidated++ };
  const unauthorized: Reply = { status: 401, json: { error_code: "UNAUTHENTICATED", message: "token expired" } };
  const sql = await serve((req) => (req.headers.authorization === `Bearer ${TOKEN}-0` ? unauthorized : succeeded), { credentials });
  await expect(run(sql)).resolves.toMatchObject({ rows: [["1"]] });
  expect(invalidated).toBe(1);
  expect(submits().map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}-0`, `Bearer ${TOKEN}-1`]);

  await server!.close();
  invalidated = 0;
  const refused = await serve(() => unauthorized, { credentials });
  const err = await failure(refused);
  expect(invalidated).toBe(1);
  expect(err.status).toBe(401);
  expect(err.message).toMatch(/UNAUTHENTICATED: token expired \[HTTP 401\]\n {2}fix: check the Databricks credentials/);
});

test("a failure to obtain a token is a SqlStatementError naming the statement, and nothing is sent", async () => {
  const credentials: Credentials = {
    authorization: async () => {
      throw new AuthTokenError("cannot get an OAuth token from https://idp.example/oidc/v1/token: HTTP 400 invalid_client", { status: 400, retryable: false });
    },
    invalidate: () => undefined,
  };
  const sql = await serve(() => succeeded, { credentials });
  const err = await failure(sql);
  expect(err).toBeInstanceOf(SqlStatementError);
  expect(err.message).toMatch(new RegExp(`SQL statement failed: ${STATEMENT.replace(/[()]/g, "\\$&")}\\n {2}.*invalid_client[\\s\\S]*fix: check the Databricks credentials`));
  expect(server!.requests).toHaveLength(0);
});

test("a token the server echoes back never reaches the error", async () => {
  const sql = await serve(() => ({ status: 400, json: { error_code: "INVALID_PARAMETER_VALUE", message: `bad header Bearer ${TOKEN}` } }));
  const err = await failure(sql);
  expect(err.status).toBe(400);
  expect(err.errorCode).toBe("INVALID_PARAMETER_VALUE");
  expect(err.message).not.toContain(TOKEN);
  expect(JSON.stringify(err)).not.toContain(TOKEN);
  expect(submits()).toHaveLength(1);
});

test("a connection refused before sending is retried up to maxAttempts, then reported with the network fix", async () => {
  server = await startScriptedServer(() => succeeded);
  const url = server.url;
  await server.close();
  server = undefined;
  const sql = new SqlClient({
    host: url,
    credentials: credentialsFor({ host: url, authType: "pat", token: TOKEN, sources: {} }),
    minRetryDelayMs: 1,
    maxRetryDelayMs: 2,
    maxAttempts: 3,
  });
  const err = await failure(sql);
  expect(err).toBeInstanceOf(SqlStatementError);
  expect(err.message).toMatch(/ECONNREFUSED[\s\S]*fix: check network access to the workspace host/);
});
