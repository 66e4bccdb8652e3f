// The client against the real Genie emulator: every endpoint, every fault class, OAuth M2M.
import { inspect } from "node:util";
import { clearTokenCache, credentialsFor, resolveAuthConfig } from "../../provider/lib/auth";
import {
  closeConnectionPools,
  GenieApiError,
  GenieClient,
  type GenieClientOptions,
  isNotFound,
  isTimeout,
  isTrashed,
  isUnauthenticated,
  isInvalidParameter,
  isServerError,
  SpaceTitleTakenError,
} from "../../provider/lib/client";
import { startEmulator, type EmulatorHandle, type EmulatorOptions, type FaultKind } from "../../provider/tools/emulator";

const USER_HOME = "/Users/dev@example.com";
const SERIALIZED = JSON.stringify({ version: 2, data_sources: { tables: [{ identifier: "retail.gold.orders" }] } });
let emulator: EmulatorHandle | undefined;

async function start(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  emulator = await startEmulator(options);
  return emulator;
}

function patClient(e: EmulatorHandle, extra: Partial<GenieClientOptions> = {}): GenieClient {
  return new GenieClient({
    host: e.url,
    credentials: credentialsFor(resolveAuthConfig({ host: e.url, token: e.token }, { env: {}, homeDir: "/nonexistent" })),
    requestsPerSecond: 1000,
    minRetryDelayMs: 1,
    maxRetryDelayMs: 10,
    ...extra,
  });
}

const spaceBody = (title: string, parent_path = `/Workspace${USER_HOME}`) => ({ title, warehouse_id: "abcdef0123456789", serialized_space: SERIALIZED, parent_path });
const genieRequests = (e: EmulatorHandle) => e.requests().filter((r) => r.path.startsWith("/api/"));

afterEach(async () => {
  clearTokenCache();
  await emulator?.close();
  emulator = undefined;
});
afterAll(() => closeConnectionPools());

describe("endpoints", () => {
  test("create → get → list → update → trash round-trips, one HTTP request per operation (plus one title listing before the first create)", async () => {
    const e = await start();
    const client = patClient(e);

    const created = await client.createSpace({ ...spaceBody("Sales"), description: "Sales Q&A" });
    expect(created).toMatchObject({ title: "Sales", description: "Sales Q&A", parent_path: USER_HOME });
    expect(created.space_id).toMatch(/^[0-9a-f]{32}$/);
    expect(created.etag).toBeDefined();
    // The titles in the workspace are listed once per client, before its first create.
    expect(genieRequests(e).map((r) => `${r.method} ${r.path}`)).toEqual(["GET /api/2.0/genie/spaces", "POST /api/2.0/genie/spaces"]);
    e.clearRequests();
    const second = await client.createSpace(spaceBody("Sales 2"));
    expect(genieRequests(e).map((r) => `${r.method} ${r.path}`)).toEqual(["POST /api/2.0/genie/spaces"]);
    await client.trashSpace(second.space_id);
    e.clearRequests();

    const full = await client.getSpace(created.space_id, { includeSerializedSpace: true });
    expect(JSON.parse(full.serialized_space!)).toMatchObject({ version: 2 });
    const bare = await client.getSpace(created.space_id);
    expect(bare.serialized_space).toBeUndefined();
    expect(genieRequests(e)).toHaveLength(2);

    const updated = await client.updateSpace(created.space_id, { title: "Sales v2" });
    expect(updated.title).toBe("Sales v2");
    expect(genieRequests(e)).toHaveLength(3);
    expect(genieRequests(e)[2].body).toEqual({ title: "Sales v2" });

    const listed: string[] = [];
    for await (const s of client.listSpaces()) listed.push(s.space_id);
    expect(listed).toEqual([created.space_id]);

    e.clearRequests();
    await expect(client.trashSpace(created.space_id)).resolves.toEqual({ alreadyGone: false });
    expect(genieRequests(e)).toHaveLength(1);
    const gone = await client.getSpace(created.space_id).catch((err: unknown) => err);
    expect(isNotFound(gone)).toBe(true);
    expect(isTrashed(gone)).toBe(true);
    await expect(client.trashSpace(created.space_id)).resolves.toEqual({ alreadyGone: true });
  });

  test("listSpaces walks every page", async () => {
    const e = await start();
    const client = patClient(e);
    const ids = new Set<string>();
    for (let i = 0; i < 7; i++) ids.add((await client.createSpace(spaceBody(`Space ${i}`))).space_id);
    e.clearRequests();
    const listed: string[] = [];
    for await (const s of client.listSpaces({ pageSize: 3 })) listed.push(s.space_id);
    expect(new Set(listed)).toEqual(ids);
    expect(listed).toHaveLength(7);
    expect(genieRequests(e).filter((r) => r.method === "GET")).toHaveLength(3);
  });

  test("an invalid serialized space is a 400 that is not retried", async () => {
    const e = await start();
    const client = patClient(e);
    const err = await client.createSpace({ ...spaceBody("Bad"), serialized_space: '{"version":7}' }).catch((x: unknown) => x);
    expect(isInvalidParameter(err)).toBe(true);
    expect((err as Error).message).toMatch(/^cannot create Genie space "Bad": INVALID_PARAMETER_VALUE: .*version.* \[HTTP 400 POST \/api\/2.0\/genie\/spaces, request-id [0-9a-f-]+\]$/);
    expect(genieRequests(e).map((r) => r.method)).toEqual(["GET", "POST"]);
  });

  test.each(["modern", "legacy"] as const)("a missing parent folder (%s error style) is created with mkdirs", async (style) => {
    const e = await start({ missingFolderStyle: style });
    const client = patClient(e);
    const created = await client.createSpace(spaceBody("Deep", "/Workspace/Shared/teams/genie"));
    expect(created.parent_path).toBe("/Shared/teams/genie");
    expect(genieRequests(e).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "GET /api/2.0/genie/spaces 200",
      `POST /api/2.0/genie/spaces ${style === "modern" ? 404 : 400}`,
      "POST /api/2.0/workspace/mkdirs 200",
      "POST /api/2.0/genie/spaces 200",
    ]);
  });

  test("mkdirs creates a folder spaces can then be created in", async () => {
    const e = await start();
    const client = patClient(e);
    await client.mkdirs("/Shared/new");
    await client.createSpace(spaceBody("In new", "/Shared/new"), { createMissingFolder: false });
    expect(e.spaces.list().map((s) => s.parent_path)).toEqual(["/Shared/new"]);
  });
});

describe("faults", () => {
  test.each<[FaultKind, number]>([
    ["429", 1],
    ["429-no-retry-after", 1],
    ["503", 1],
  ])("%s on create is retried as a POST and creates exactly one space", async (kind) => {
    const e = await start({ faults: [{ method: "POST", path: "/api/2.0/genie/spaces", kind, times: 2, retryAfterSeconds: 1 }] });
    const client = patClient(e);
    await client.createSpace(spaceBody("Retry me"));
    expect(genieRequests(e).map((r) => r.method)).toEqual(["GET", "POST", "POST", "POST"]);
    expect(e.spaces.list()).toHaveLength(1);
    expect(client.stats().throttled).toBe(kind.startsWith("429") ? 2 : 0);
  });

  test.each<FaultKind>(["500", "502", "504", "html", "reset"])("%s on GET is retried", async (kind) => {
    const e = await start();
    const client = patClient(e);
    const { space_id } = await client.createSpace(spaceBody("Read me"));
    e.setFaults([{ method: "GET", kind, times: 1 }]);
    e.clearRequests();
    await expect(client.getSpace(space_id)).resolves.toMatchObject({ space_id });
    expect(genieRequests(e)).toHaveLength(2);
  });

  test("a 500 from the API on create is checked by a lookup before re-POSTing: one space", async () => {
    const e = await start({ faults: [{ method: "POST", path: "/api/2.0/genie/spaces", kind: "500", times: 1 }] });
    const client = patClient(e);
    await client.createSpace(spaceBody("Once"));
    expect(genieRequests(e).map((r) => r.method)).toEqual(["GET", "POST", "GET", "POST"]);
    expect(e.spaces.list().map((s) => s.title)).toEqual(["Once"]);
  });

  test.each<FaultKind>(["502", "504", "html", "reset"])(
    "%s on create (the request may still be in flight) is never re-POSTed: the create fails saying so, and the next run creates exactly one space",
    async (kind) => {
      const e = await start({ faults: [{ method: "POST", path: "/api/2.0/genie/spaces", kind, times: 1 }] });
      const client = patClient(e, { requestTimeoutMs: 100 });
      const err = await client.createSpace(spaceBody("Once")).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(GenieApiError);
      expect((err as Error).message).toMatch(/not sending the create again, because the lost request may still complete\. Run again/);
      expect(genieRequests(e).filter((r) => r.method === "POST")).toHaveLength(1);
      expect(e.spaces.list()).toHaveLength(0);
      // The next run (a new process: a new client) checks the title first, then creates it once.
      await patClient(e).createSpace(spaceBody("Once"));
      expect(e.spaces.list().map((s) => s.title)).toEqual(["Once"]);
    },
  );

  test("reset-after-commit on create adopts the committed space instead of duplicating it", async () => {
    const e = await start({ faults: [{ method: "POST", path: "/api/2.0/genie/spaces", kind: "reset-after-commit", times: 1 }] });
    const client = patClient(e);
    const adopted = await client.createSpace(spaceBody("Committed"));
    expect(e.spaces.list()).toHaveLength(1);
    expect(adopted.space_id).toBe(e.spaces.list()[0].space_id);
    expect(adopted.serialized_space).toBeDefined();
    expect(genieRequests(e).map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /api/2.0/genie/spaces",
      "POST /api/2.0/genie/spaces",
      "GET /api/2.0/genie/spaces",
      `GET /api/2.0/genie/spaces/${adopted.space_id}`,
    ]);
  });

  test("reset-after-commit on update is retried (PATCH is idempotent)", async () => {
    const e = await start();
    const client = patClient(e);
    const { space_id } = await client.createSpace(spaceBody("Patch me"));
    e.setFaults([{ method: "PATCH", kind: "reset-after-commit", times: 1 }]);
    await expect(client.updateSpace(space_id, { description: "new" })).resolves.toMatchObject({ description: "new" });
  });

  test("reset-after-commit on trash retries and does not claim the space was already gone", async () => {
    const e = await start();
    const client = patClient(e);
    const { space_id } = await client.createSpace(spaceBody("Trash me"));
    e.setFaults([{ method: "DELETE", kind: "reset-after-commit", times: 1 }]);
    await expect(client.trashSpace(space_id)).resolves.toEqual({ alreadyGone: false });
    expect(e.spaces.get(space_id)?.trashed).toBe(true);
  });

  test("latency beyond the request timeout is a timeout error once the deadline passes", async () => {
    const e = await start({ latencyMs: 200 });
    const client = patClient(e, { requestTimeoutMs: 50, operationTimeoutMs: 150 });
    const err = await client.getSpace("0".repeat(32)).catch((x: unknown) => x);
    expect(isTimeout(err)).toBe(true);
  });

  test("a persistent 500 on GET ends in a server error carrying the request id", async () => {
    const e = await start({ faults: [{ method: "GET", kind: "500" }] });
    const client = patClient(e, { maxAttempts: 3 });
    const err = (await client.getSpace("0".repeat(32), { label: "Sales" }).catch((x: unknown) => x)) as GenieApiError;
    expect(isServerError(err)).toBe(true);
    expect(err.attempts).toBe(3);
    expect(err.requestId).toBeDefined();
    expect(err.message).toMatch(/^cannot read Genie space "Sales": INTERNAL_ERROR: .* \[HTTP 500 GET \/api\/2.0\/genie\/spaces\/0{32}, request-id /);
  });

  test("the server-side rate limit is absorbed by retries and the client-side limiter", async () => {
    const e = await start({ rateLimit: 20 });
    const client = patClient(e, { requestsPerSecond: 100, maxRetryDelayMs: 200 });
    const created = await Promise.all([...Array(30)].map((_, i) => client.createSpace(spaceBody(`Burst ${i}`))));
    expect(new Set(created.map((s) => s.space_id)).size).toBe(30);
    expect(e.spaces.list()).toHaveLength(30);
    expect(client.stats().throttled).toBeGreaterThan(0);
  });
});

describe("OAuth M2M", () => {
  const sp = { clientId: "7f1d0a4e-0000-4000-8000-000000000001", clientSecret: "dose-CANARY-m2m-secret-123456" };

  function m2mClient(e: EmulatorHandle, logger?: (l: string) => void): GenieClient {
    const config = resolveAuthConfig({}, { env: { DATABRICKS_HOST: e.url, DATABRICKS_CLIENT_ID: sp.clientId, DATABRICKS_CLIENT_SECRET: sp.clientSecret }, homeDir: "/nonexistent" });
    expect(config.authType).toBe("oauth-m2m");
    return new GenieClient({ host: config.host, credentials: credentialsFor(config), requestsPerSecond: 1000, minRetryDelayMs: 1, maxRetryDelayMs: 10, logger });
  }
  const tokenRequests = (e: EmulatorHandle) => e.requests().filter((r) => r.path === "/oidc/v1/token");

  test("fetches one token, shares it across concurrent operations and clients", async () => {
    const e = await start({ oauthClients: [sp] });
    const a = m2mClient(e);
    const b = m2mClient(e);
    await Promise.all([...Array(8)].map((_, i) => (i % 2 ? a : b).createSpace(spaceBody(`M2M ${i}`))));
    expect(e.spaces.list()).toHaveLength(8);
    expect(tokenRequests(e)).toHaveLength(1);
  });

  test("refreshes the token after it expires", async () => {
    const e = await start({ oauthClients: [sp], accessTokenTtlSeconds: 1 });
    const client = m2mClient(e);
    const { space_id } = await client.createSpace(spaceBody("Refresh"));
    await new Promise((r) => setTimeout(r, 1000));
    await client.getSpace(space_id);
    expect(tokenRequests(e)).toHaveLength(2);
    expect(e.requests().filter((r) => r.status === 401)).toHaveLength(0);
  });

  test("a revoked token is replaced after one 401", async () => {
    const e = await start({ oauthClients: [sp] });
    const client = m2mClient(e);
    const creds = credentialsFor(resolveAuthConfig({ host: e.url, clientId: sp.clientId, clientSecret: sp.clientSecret }, { env: {}, homeDir: "/nonexistent" }));
    const { space_id } = await client.createSpace(spaceBody("Revoke"));
    e.revokeToken((await creds.authorization()).slice("Bearer ".length));
    await expect(client.getSpace(space_id)).resolves.toMatchObject({ space_id });
    expect(genieRequests(e).map((r) => r.status)).toEqual([200, 200, 401, 200]);
    expect(tokenRequests(e)).toHaveLength(2);
  });

  test("a wrong client secret fails as unauthenticated without leaking the secret", async () => {
    const e = await start({ oauthClients: [{ clientId: sp.clientId, clientSecret: "dose-the-right-one-000000" }] });
    const logs: string[] = [];
    const err = await m2mClient(e, (l) => logs.push(l)).getSpace("0".repeat(32)).catch((x: unknown) => x);
    expect(isUnauthenticated(err)).toBe(true);
    expect((err as Error).message).toContain(`cannot read Genie space "${"0".repeat(32)}": cannot get an OAuth token for client "${sp.clientId}"`);
    for (const text of [String(err), JSON.stringify(err), inspect(err, { depth: 10 }), ...logs]) expect(text).not.toContain("CANARY");
  });
});

describe("redaction", () => {
  const CANARY = "dapi-CANARY-0123456789abcdef0123456789";

  test("a canary token never appears in errors or log lines, whatever fails", async () => {
    const e = await start({ token: CANARY });
    const logs: string[] = [];
    const client = patClient(e, { logger: (l) => logs.push(l), maxAttempts: 2 });
    const { space_id } = await client.createSpace(spaceBody("Secret"));
    const errors: unknown[] = [];
    const collect = (p: Promise<unknown>) => p.then(() => errors.push(new Error("expected failure")), (x: unknown) => errors.push(x));

    await collect(client.createSpace({ ...spaceBody("Bad"), serialized_space: "not json" })); // 400
    await collect(client.getSpace("0".repeat(32))); // 404
    e.setFaults([{ kind: "html", method: "GET" }]);
    await collect(client.getSpace(space_id)); // HTML 502
    e.setFaults([{ kind: "reset", method: "GET" }]);
    await collect(client.getSpace(space_id)); // connection reset
    e.setFaults([]);
    e.revokeToken(CANARY);
    await collect(client.updateSpace(space_id, { title: "x" })); // 401

    expect(errors).toHaveLength(5);
    for (const err of errors) {
      expect(err).toBeInstanceOf(GenieApiError);
      for (const text of [(err as Error).message, String(err), JSON.stringify(err), inspect(err, { depth: 10, showHidden: true }), (err as Error).stack ?? ""]) {
        expect(text).not.toContain("CANARY");
      }
    }
    expect(logs.length).toBeGreaterThan(5);
    for (const line of logs) expect(line).not.toContain("CANARY");
  });
});

describe("safety under uncertainty", () => {
  test("a lost create answer on a backend without create_time is not re-sent: one space, an error naming the candidate", async () => {
    const e = await start({ timestamps: false, faults: [{ method: "POST", path: "/api/2.0/genie/spaces", kind: "reset-after-commit", times: 1 }] });
    const client = patClient(e);
    let err: unknown;
    try {
      await client.createSpace(spaceBody("Solo"));
    } catch (x) {
      err = x;
    }
    const spaces = e.spaces.list();
    expect(spaces).toHaveLength(1);
    expect(err).toBeInstanceOf(GenieApiError);
    expect((err as Error).message).toContain(spaces[0].space_id);
    expect((err as Error).message).toMatch(/not sending the create again to avoid a duplicate/);
  });

  test("a second create of a title this process already created in the folder is refused before any POST", async () => {
    const e = await start();
    const client = patClient(e);
    const first = await client.createSpace(spaceBody("Twin"));
    e.clearRequests();
    const err = await client.createSpace(spaceBody("Twin")).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(SpaceTitleTakenError);
    expect((err as SpaceTitleTakenError).existing.space_id).toBe(first.space_id);
    expect((err as SpaceTitleTakenError).claimedInThisProcess).toBe(true);
    expect(genieRequests(e).filter((r) => r.method === "POST")).toHaveLength(0);
    expect(e.spaces.list()).toHaveLength(1);
  });

  test("a title taken after the client's listing: the server renames the new space, the client trashes it and reports the holder", async () => {
    const e = await start();
    const client = patClient(e);
    await client.createSpace(spaceBody("Warm-up")); // the client has listed the workspace
    const stranger = await patClient(e).createSpace(spaceBody("Twin")); // someone else, after that listing
    const err = await client.createSpace(spaceBody("Twin")).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(SpaceTitleTakenError);
    expect((err as SpaceTitleTakenError).existing.space_id).toBe(stranger.space_id);
    expect((err as SpaceTitleTakenError).claimedInThisProcess).toBe(false);
    expect(e.spaces.list().map((s) => s.title).sort()).toEqual(["Twin", "Warm-up"]);
  });

  test("a lost create answer whose space the server renamed is trashed, and the title's holder reported", async () => {
    const e = await start();
    const client = patClient(e, { clockSkewMs: 0 });
    await client.createSpace(spaceBody("Warm-up"));
    const stranger = await patClient(e).createSpace(spaceBody("Twin"));
    await new Promise((r) => setTimeout(r, 20));
    e.setFaults([{ method: "POST", path: "/api/2.0/genie/spaces", kind: "reset-after-commit", times: 1 }]);
    const err = await client.createSpace(spaceBody("Twin")).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(SpaceTitleTakenError);
    expect((err as SpaceTitleTakenError).existing.space_id).toBe(stranger.space_id);
    expect(e.spaces.list().map((s) => s.title).sort()).toEqual(["Twin", "Warm-up"]);
  });

  test("a lost create answer with two new same-titled spaces since the POST is not guessed: an error names both, nothing is trashed", async () => {
    const e = await start();
    const client = patClient(e, { clockSkewMs: 60_000 });
    await client.createSpace(spaceBody("Warm-up"));
    const stranger = await patClient(e).createSpace(spaceBody("Pair"));
    e.setFaults([{ method: "POST", path: "/api/2.0/genie/spaces", kind: "reset-after-commit", times: 1 }]);
    const err = await client.createSpace(spaceBody("Pair")).catch((x: unknown) => x);
    const pairs = e.spaces.list().filter((s) => s.title.startsWith("Pair"));
    expect(pairs).toHaveLength(2);
    expect(err).toBeInstanceOf(GenieApiError);
    for (const p of pairs) expect((err as Error).message).toContain(p.space_id);
    expect((err as Error).message).toContain(stranger.space_id);
    expect((err as Error).message).toMatch(/nothing tells which/);
  });

  test("moving a trashed space reports not-found and creates no folder", async () => {
    const e = await start();
    const client = patClient(e);
    const created = await client.createSpace(spaceBody("Gone"));
    e.spaces.trash(created.space_id);
    const outcome = await client.updateSpace(created.space_id, { parent_path: "/Shared/new-folder" }).then(
      () => "updated",
      (x: unknown) => (isNotFound(x) ? "not-found" : String(x)),
    );
    expect(outcome).toBe("not-found");
    expect(genieRequests(e).filter((r) => r.path === "/api/2.0/workspace/mkdirs")).toHaveLength(0);
    expect(e.folders.list()).not.toContain("/Shared/new-folder");
  });
});
