import { credentialsFor } from "../../provider/lib/auth";
import {
  closeConnectionPools,
  GenieApiError,
  GenieClient,
  type GenieClientOptions,
  isConnectionError,
  isInvalidParameter,
  isRateLimited,
  isServerError,
  isTimeout,
  isUnauthenticated,
  rateLimiterFor,
  SpaceTitleTakenError,
} from "../../provider/lib/client";
import { spaceRecord, startScriptedServer, type Handler, type Reply, type ScriptedServer } from "./scripted-server";

const TOKEN = "dapi-test-0123456789abcdef";
const ID = "01f165773d141195a9f0e3c5148d22bf";
let server: ScriptedServer | undefined;

async function serve(handler: Handler, extra: Partial<GenieClientOptions> = {}): Promise<{ server: ScriptedServer; client: GenieClient }> {
  server = await startScriptedServer(handler);
  const client = new GenieClient({
    host: server.url,
    credentials: credentialsFor({ host: server.url, authType: "pat", token: TOKEN, sources: {} }),
    requestsPerSecond: 1000,
    minRetryDelayMs: 1,
    maxRetryDelayMs: 5,
    ...extra,
  });
  return { server, client };
}

/** Replies from `faults` in order for the first requests, then `ok`. */
function sequence(faults: Reply[], ok: Reply): Handler {
  return (_req, i) => (i < faults.length ? faults[i] : ok);
}

const LIST_PATH = "/api/2.0/genie/spaces";
const isList = (req: { method: string; path: string }) => req.method === "GET" && req.path === LIST_PATH;
/** For creates: the title listing (taken before the first POST) answers `listed`; POSTs answer `posts` in order, then `ok`. */
function creates(posts: Reply[], listed: () => Reply = () => ({ status: 200, json: {} })): Handler {
  let n = 0;
  return (req) => (isList(req) ? listed() : req.method === "POST" ? (n < posts.length ? posts[n++] : ok) : ok);
}
const requestLine = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => closeConnectionPools());

const body = { title: "Sales", warehouse_id: "abcdef0123456789", serialized_space: '{"version":2}', parent_path: "/Workspace/Users/alice@example.com" };
const r429 = (headers: Record<string, string> = {}): Reply => ({ status: 429, headers, json: { error_code: "REQUEST_LIMIT_EXCEEDED", message: "Too many requests" } });
const r503: Reply = { status: 503, json: { error_code: "TEMPORARILY_UNAVAILABLE", message: "try later" } };
const r5xx = (status: number): Reply => ({ status, json: { error_code: status === 504 ? "DEADLINE_EXCEEDED" : "INTERNAL_ERROR", message: "boom" } });
const ok = { status: 200, json: spaceRecord() };

describe("429 rate limiting", () => {
  test("is retried and counted as throttled", async () => {
    const { server, client } = await serve(sequence([r429({ "retry-after": "1" }), r429()], ok));
    await client.getSpace(ID);
    expect(server.requests).toHaveLength(3);
    expect(client.stats()).toEqual({ requests: 3, retries: 2, throttled: 2 });
  });

  test("waits at least Retry-After seconds (below the cap)", async () => {
    const { client } = await serve(sequence([r429({ "retry-after": "0.25" })], ok), { maxRetryDelayMs: 2000 });
    const t0 = Date.now();
    await client.getSpace(ID);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
  });

  test("honors Retry-After as an HTTP date", async () => {
    const { client } = await serve(sequence([r429({ "retry-after": new Date(Date.now() + 2000).toUTCString() })], ok), { maxRetryDelayMs: 5000 });
    const t0 = Date.now();
    await client.getSpace(ID);
    // HTTP dates have 1 s resolution: the wait is between 1 and 2 s.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  test("when the server is full, holds every client of the host for Retry-After, not only those refused", async () => {
    let refusals = 0;
    let full!: () => void;
    const serverFull = new Promise<void>((resolve) => (full = resolve));
    const { client } = await serve(sequence([r429({ "retry-after": "1" }), r429({ "retry-after": "1" }), r429({ "retry-after": "1" })], ok), {
      maxRetryDelayMs: 5000,
      logger: (line) => line.includes("→ 429") && ++refusals === 3 && full(),
    });
    const other = new GenieClient({ host: server!.url, credentials: credentialsFor({ host: server!.url, authType: "pat", token: TOKEN, sources: {} }), maxRetryDelayMs: 5000 });
    const refused = Promise.all([client.getSpace(ID), client.getSpace(ID), client.getSpace(ID)]);
    await serverFull; // three refusals of three answers: a congestion event
    const t0 = Date.now();
    await other.getSpace(ID); // never refused itself, yet it waits out the server's Retry-After
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(other.stats()).toEqual({ requests: 1, retries: 0, throttled: 0 });
    await refused;
  });

  test("a single 429 delays only its own retry: the host is neither held nor slowed down", async () => {
    const { client } = await serve(sequence([r429({ "retry-after": "1" })], ok), { maxRetryDelayMs: 5000 });
    const t0 = Date.now();
    await client.getSpace(ID);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    const limiter = rateLimiterFor(server!.url, { requestsPerSecond: 1000, burst: 500 }, false);
    expect({ holds: limiter.holds, slowdowns: limiter.slowdowns }).toEqual({ holds: 0, slowdowns: 0 });
  });

  test("caps Retry-After at maxRetryDelayMs", async () => {
    const { client } = await serve(sequence([r429({ "retry-after": "3600" })], ok), { maxRetryDelayMs: 20 });
    const t0 = Date.now();
    await client.getSpace(ID);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  test("on create is retried as a POST without looking for an adopted space", async () => {
    const { server, client } = await serve(creates([r429(), r503]));
    await client.createSpace(body);
    // One title listing before the create, then the POST three times.
    expect(server.requests.map((r) => r.method)).toEqual(["GET", "POST", "POST", "POST"]);
  });

  test("gives up after maxAttempts with a rate-limited error", async () => {
    const { server, client } = await serve(() => r429(), { maxAttempts: 3 });
    const err = await client.getSpace(ID).catch((e: unknown) => e);
    expect(isRateLimited(err)).toBe(true);
    expect((err as GenieApiError).retryable).toBe(true);
    expect((err as GenieApiError).attempts).toBe(3);
    expect(server.requests).toHaveLength(3);
  });
});

test("503 is retried for every method", async () => {
  const { server, client } = await serve(sequence([r503, r503], { status: 200, json: {} }));
  await client.trashSpace(ID);
  expect(server.requests).toHaveLength(3);
});

describe.each([500, 502, 504])("HTTP %i", (status) => {
  test("on GET is retried", async () => {
    const { server, client } = await serve(sequence([r5xx(status)], ok));
    await client.getSpace(ID);
    expect(server.requests).toHaveLength(2);
  });

  test("on PATCH is retried (full-value PATCH is idempotent)", async () => {
    const { server, client } = await serve(sequence([r5xx(status)], ok));
    await client.updateSpace(ID, { title: "x" });
    expect(server.requests.map((r) => r.method)).toEqual(["PATCH", "PATCH"]);
  });

  test(
    status === 500
      ? "on create: the API answered, so a lookup that finds nothing allows one more POST"
      : "on create: a gateway error leaves the request possibly in flight, so lookups run and the POST is never sent again",
    async () => {
      // A short request timeout keeps the lookups after a gateway error brief (they poll for one).
      const { server, client } = await serve(creates([r5xx(status)]), status === 500 ? {} : { requestTimeoutMs: 300 });
      const outcome = await client.createSpace(body).then(
        () => "created",
        (e: unknown) => e,
      );
      const lines = server.requests.map(requestLine);
      if (status === 500) {
        expect(outcome).toBe("created");
        expect(lines).toEqual(["GET /api/2.0/genie/spaces", "POST /api/2.0/genie/spaces", "GET /api/2.0/genie/spaces", "POST /api/2.0/genie/spaces"]);
      } else {
        expect(outcome).toBeInstanceOf(GenieApiError);
        expect((outcome as Error).message).toMatch(/no space titled "Sales" has appeared in \/Users\/alice@example.com; not sending the create again/);
        expect(lines.filter((l) => l.startsWith("POST"))).toHaveLength(1);
        expect(lines.filter((l) => l === "GET /api/2.0/genie/spaces").length).toBeGreaterThanOrEqual(2);
      }
    },
  );
});

test("a 500 on create after the server committed adopts the space instead of creating a duplicate", async () => {
  const startedAt = Date.now();
  const created = spaceRecord({ space_id: "e".repeat(32), parent_path: "/Users/alice@example.com", create_time: new Date(startedAt + 5).toISOString() });
  let listings = 0;
  const { server, client } = await serve((req) => {
    if (req.method === "POST") return r5xx(500);
    if (req.method === "GET" && req.path === "/api/2.0/genie/spaces" && listings++ === 0) return { status: 200, json: {} };
    if (req.method === "GET" && req.path === "/api/2.0/genie/spaces") {
      return {
        status: 200,
        json: {
          spaces: [
            // same title, other folder; same title, created long before; then the real one
            { ...created, space_id: "a".repeat(32), parent_path: "/Users/bob@example.com", serialized_space: undefined },
            { ...created, space_id: "b".repeat(32), create_time: "2020-01-01T00:00:00Z", serialized_space: undefined },
            { ...created, serialized_space: undefined },
          ],
        },
      };
    }
    if (req.method === "GET") return { status: 200, json: created };
    throw new Error(`unexpected ${req.method} ${req.path}`);
  });
  const result = await client.createSpace(body);
  expect(result.space_id).toBe("e".repeat(32));
  expect(result.serialized_space).toBeDefined();
  expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
    "GET /api/2.0/genie/spaces",
    "POST /api/2.0/genie/spaces",
    "GET /api/2.0/genie/spaces",
    `GET /api/2.0/genie/spaces/${"e".repeat(32)}`,
  ]);
  expect(server.requests[3].query.get("include_serialized_space")).toBe("true");
});

test("a reset after commit whose space the server renamed (the title was taken meanwhile) trashes that space and reports the title's holder", async () => {
  const holder = spaceRecord({ space_id: "a".repeat(32), title: "Sales", create_time: "2020-01-01T00:00:00Z" });
  const ours = spaceRecord({ space_id: "f".repeat(32), title: "Sales 2026-11-22 02:30:00", create_time: new Date().toISOString() });
  let listings = 0;
  let trashed = false;
  const { server, client } = await serve((req) => {
    if (req.method === "POST") return "reset";
    if (isList(req)) {
      // Listed before the POST: the title was free. Afterwards: the holder and our renamed space.
      if (listings++ === 0) return { status: 200, json: {} };
      return { status: 200, json: { spaces: [holder, ...(trashed ? [] : [ours])].map((s) => ({ ...s, serialized_space: undefined })) } };
    }
    if (req.method === "DELETE") {
      trashed = true;
      return { status: 200, json: {} };
    }
    return { status: 200, json: req.path.endsWith(holder.space_id as string) ? holder : ours };
  });
  const err = await client.createSpace(body).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SpaceTitleTakenError);
  expect((err as SpaceTitleTakenError).existing.space_id).toBe("a".repeat(32));
  expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  expect(server.requests.filter((r) => r.method === "DELETE").map((r) => r.path)).toEqual([`/api/2.0/genie/spaces/${"f".repeat(32)}`]);
});

test("an ambiguous create without a title is surfaced, not retried", async () => {
  const { server, client } = await serve(() => r5xx(502));
  const { title: _t, ...untitled } = body;
  const err = await client.createSpace(untitled).catch((e: unknown) => e);
  expect(isServerError(err)).toBe(true);
  expect(server.requests).toHaveLength(1);
});

test("a connection reset on GET is retried", async () => {
  const { server, client } = await serve(sequence(["reset"], ok));
  await client.getSpace(ID);
  expect(server.requests).toHaveLength(2);
});

test("a persistent connection reset ends in a connection error", async () => {
  const { client } = await serve(() => "reset", { maxAttempts: 2 });
  const err = await client.getSpace(ID).catch((e: unknown) => e);
  expect(isConnectionError(err)).toBe(true);
  expect((err as Error).message).toMatch(/^cannot read Genie space "01f1.*": connection error: .* \[GET \/api\/2.0\/genie\/spaces\/01f1/);
});

test("a refused connection ends in a connection error", async () => {
  // The server answers the title listing, then goes away before the POST.
  const { server: live, client } = await serve(creates([]), { maxRetryDelayMs: 2, maxAttempts: 2 });
  await client.createSpace({ ...body, title: "First" });
  await live.close();
  server = undefined;
  const before = client.stats().requests;
  const err = await client.createSpace(body).catch((e: unknown) => e);
  expect(isConnectionError(err)).toBe(true);
  // Refused means never sent: the create was retried directly, with no adoption lookup in between.
  expect(client.stats().requests - before).toBe(2);
});

test("a slow response times out per request and the GET is retried", async () => {
  const { server, client } = await serve(sequence([{ ...ok, delayMs: 400 }], ok), { requestTimeoutMs: 100 });
  const rec = await client.getSpace(ID);
  expect(rec.space_id).toBe(ID);
  expect(server.requests).toHaveLength(2);
});

test("the operation deadline bounds all retries with a timeout error", async () => {
  const { client } = await serve(() => ({ ...ok, delayMs: 300 }), { requestTimeoutMs: 100, operationTimeoutMs: 250 });
  const t0 = Date.now();
  const err = await client.getSpace(ID).catch((e: unknown) => e);
  expect(isTimeout(err)).toBe(true);
  expect(Date.now() - t0).toBeLessThan(1000);
});

test("a timed-out create is never sent again: lookups for its space, then an error saying the next run takes it over", async () => {
  const { server, client } = await serve(creates([{ ...ok, delayMs: 300 }]), { requestTimeoutMs: 100 });
  const err = await client.createSpace(body).catch((e: unknown) => e);
  expect(isTimeout(err)).toBe(true);
  expect((err as Error).message).toMatch(/the lost request may still complete\. Run again: the next run looks for the space before creating and takes it over/);
  expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(1);
});

test("a lost create answer: a same-titled space that appears but is not what was sent (another warehouse) is not taken, and nothing is trashed", async () => {
  const stranger = spaceRecord({ space_id: "d".repeat(32), title: "Sales", warehouse_id: "someone-elses-warehouse", create_time: new Date(Date.now() + 50).toISOString() });
  let listings = 0;
  const { server, client } = await serve(
    (req) => {
      if (req.method === "POST") return "reset";
      if (isList(req)) return { status: 200, json: listings++ === 0 ? {} : { spaces: [{ ...stranger, serialized_space: undefined }] } };
      return { status: 200, json: stranger };
    },
    { requestTimeoutMs: 300 },
  );
  const err = await client.createSpace(body).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GenieApiError);
  expect((err as Error).message).toMatch(new RegExp(`space ${"d".repeat(32)} \\("Sales"\\) has since appeared in the folder, but it is not what this create sent`));
  expect(server.requests.filter((r) => r.method === "DELETE" || r.method === "POST")).toHaveLength(1);
});

test("a lost create answer whose lookups cannot finish (the deadline passes) says the outcome is unknown and the next run takes it over", async () => {
  const { server, client } = await serve(creates([{ ...ok, delayMs: 3000 }]), { requestTimeoutMs: 5000, operationTimeoutMs: 600 });
  const err = await client.createSpace(body).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GenieApiError);
  expect((err as Error).message).toMatch(/the answer to the create was lost .* not sending the create again, because the lost request may still complete\. Run again/);
  expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(1);
});

test("a slow commit (the answer outlives the request timeout, the space appears after the first lookup) is found and returned: one POST", async () => {
  let committed = false;
  let lookupsAfterPost = 0;
  let posted = false;
  const created = spaceRecord({ space_id: "c".repeat(32), title: "Sales" });
  const { server, client } = await serve(
    (req) => {
      if (req.method === "POST") {
        posted = true;
        return { ...ok, json: created, delayMs: 2000 }; // answered long after the client gave up
      }
      if (isList(req)) {
        const visible = committed ? [{ ...created, serialized_space: undefined }] : [];
        // The server commits only after the client's first lookup has seen nothing.
        if (posted && lookupsAfterPost++ === 0) committed = true;
        return { status: 200, json: { spaces: visible } };
      }
      return { status: 200, json: created };
    },
    { requestTimeoutMs: 300, minRetryDelayMs: 20, maxRetryDelayMs: 40 },
  );
  const result = await client.createSpace(body);
  expect(result.space_id).toBe("c".repeat(32));
  expect(lookupsAfterPost).toBeGreaterThanOrEqual(2);
  expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(1);
});

test("an HTML error page still yields a useful error", async () => {
  const { client } = await serve(() => ({ status: 502, text: "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1> upstream closed</body></html>" }), { maxAttempts: 1 });
  const err = (await client.getSpace(ID, { label: "Sales" }).catch((e: unknown) => e)) as GenieApiError;
  expect(err).toBeInstanceOf(GenieApiError);
  expect(err.status).toBe(502);
  expect(err.message).toContain('cannot read Genie space "Sales": 502 Bad Gateway (non-JSON text/html response): 502 Bad Gateway Bad Gateway upstream closed [HTTP 502 GET');
});

test("a legacy {error} body gives its message", async () => {
  const { client } = await serve(() => ({ status: 400, json: { error: "Malformed request" } }));
  const err = (await client.getSpace(ID).catch((e: unknown) => e)) as GenieApiError;
  expect(err.apiMessage).toBe("Malformed request");
  expect(isInvalidParameter(err)).toBe(true);
});

test("a 400 is not retried and reads like the API's own error, with the request id", async () => {
  const { server, client } = await serve(
    creates([
      {
        status: 400,
        headers: { "x-request-id": "req-123" },
        json: { error_code: "INVALID_PARAMETER_VALUE", message: "data_sources.tables must be sorted by identifier" },
      },
    ]),
  );
  const err = (await client.createSpace(body).catch((e: unknown) => e)) as GenieApiError;
  expect(err.message).toBe(
    'cannot create Genie space "Sales": INVALID_PARAMETER_VALUE: data_sources.tables must be sorted by identifier [HTTP 400 POST /api/2.0/genie/spaces, request-id req-123]',
  );
  expect(err).toMatchObject({ status: 400, errorCode: "INVALID_PARAMETER_VALUE", requestId: "req-123", method: "POST", operation: "create", retryable: false });
  expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(1);
});

test("a 409 etag conflict is not retried", async () => {
  const { server, client } = await serve(() => ({ status: 409, json: { error_code: "ABORTED", message: "Etag mismatch" } }));
  await expect(client.updateSpace(ID, { etag: "1", title: "x" })).rejects.toThrow(/ABORTED: Etag mismatch \[HTTP 409 PATCH/);
  expect(server.requests).toHaveLength(1);
});

test("a 401 invalidates credentials and retries exactly once", async () => {
  let invalidations = 0;
  let n = 0;
  server = await startScriptedServer(() => ({ status: 401, json: { error_code: "UNAUTHENTICATED", message: "Invalid access token." } }));
  const client = new GenieClient({
    host: server.url,
    credentials: { authorization: async () => `Bearer token-${++n}`, invalidate: () => void invalidations++ },
    minRetryDelayMs: 1,
    maxRetryDelayMs: 5,
  });
  const err = await client.getSpace(ID).catch((e: unknown) => e);
  expect(isUnauthenticated(err)).toBe(true);
  expect(invalidations).toBe(1);
  expect(server.requests.map((r) => r.headers.authorization)).toEqual(["Bearer token-1", "Bearer token-2"]);
});

test("concurrent 429s slow the shared per-host rate limiter down", async () => {
  let i = 0;
  const { client } = await serve(() => (i++ % 2 === 0 ? r429() : ok), { requestsPerSecond: 500 });
  const other = new GenieClient({ host: server!.url, credentials: credentialsFor({ host: server!.url, authType: "pat", token: TOKEN, sources: {} }), minRetryDelayMs: 1, maxRetryDelayMs: 5 });
  await Promise.all([...Array(10)].map(() => client.getSpace(ID)));
  await Promise.all([...Array(4)].map(() => other.getSpace(ID)));
  expect(client.stats().throttled).toBeGreaterThan(0);
  // Both clients talk to the same host through one limiter.
  const limiter = rateLimiterFor(server!.url, { requestsPerSecond: 500, burst: 500 }, false);
  expect(limiter.slowdowns).toBeGreaterThan(0);
});

test("a 404 after a 401 on trash still counts as already gone (the 401 attempt changed nothing)", async () => {
  const { client } = await serve(sequence([{ status: 401, json: { error_code: "UNAUTHENTICATED", message: "expired" } }], { status: 404, json: { error_code: "RESOURCE_DOES_NOT_EXIST", message: "gone" } }));
  await expect(client.trashSpace(ID)).resolves.toEqual({ alreadyGone: true });
});

test("a 404 after a reset DELETE is reported as trashed by us, not already gone", async () => {
  const { client } = await serve(sequence(["reset"], { status: 404, json: { error_code: "RESOURCE_DOES_NOT_EXIST", message: "gone" } }));
  await expect(client.trashSpace(ID)).resolves.toEqual({ alreadyGone: false });
});

test("errors carry a next-step hint outside the fixed message", async () => {
  const { client } = await serve(() => ({ status: 404, json: { error_code: "RESOURCE_DOES_NOT_EXIST", message: "Unable to get space [x]." } }));
  const err = (await client.getSpace(ID).catch((e: unknown) => e)) as GenieApiError;
  expect(err.hint).toMatch(/cannot see it/);
  expect(err.message).not.toContain(err.hint!);
});

test("the workspace id is sent as X-Databricks-Org-Id when configured", async () => {
  const { server, client } = await serve(() => ok, { workspaceId: "1234567" });
  await client.getSpace(ID);
  expect(server.requests[0].headers["x-databricks-org-id"]).toBe("1234567");
});

test("a server that echoes the credential back never gets it into the error or the log", async () => {
  const canary = "CANARYtoken0123456789"; // not dapi-shaped: only the exact-value scrub can catch it
  const logs: string[] = [];
  server = await startScriptedServer((req) => ({ status: 400, json: { error_code: "BAD_REQUEST", message: `bad header: ${req.headers.authorization} / raw ${canary}` } }));
  const client = new GenieClient({
    host: server.url,
    credentials: { authorization: async () => `Bearer ${canary}`, invalidate: () => undefined },
    logger: (l) => logs.push(l),
  });
  const err = await client.getSpace(ID).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GenieApiError);
  for (const text of [(err as Error).message, String(err), JSON.stringify(err), require("node:util").inspect(err, { depth: 10, showHidden: true }), ...logs]) {
    expect(text).not.toContain("CANARY");
  }
  expect((err as GenieApiError).apiMessage).toContain("[REDACTED]");
});

test("the logger sees one line per request and per retry", async () => {
  const logs: string[] = [];
  const { client } = await serve(sequence([r503], ok), { logger: (l) => logs.push(l) });
  await client.getSpace(ID);
  expect(logs).toEqual([
    expect.stringMatching(/^GET \/api\/2.0\/genie\/spaces\/01f1\w+ → 503 TEMPORARILY_UNAVAILABLE \(\d+ ms\)$/),
    expect.stringMatching(/^GET \/api\/2.0\/genie\/spaces\/01f1\w+: 503 TEMPORARILY_UNAVAILABLE; retry 1 in \d+ ms$/),
    expect.stringMatching(/^GET \/api\/2.0\/genie\/spaces\/01f1\w+ → 200 \(\d+ ms\)$/),
  ]);
});
