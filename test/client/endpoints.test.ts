import { credentialsFor } from "../../provider/lib/auth";
import { closeConnectionPools, GenieApiError, GenieClient, isNotFound, isPermissionDenied } from "../../provider/lib/client";
import { spaceRecord, startScriptedServer, type Handler, type ScriptedServer } from "./scripted-server";

const TOKEN = "dapi-test-0123456789abcdef";
let server: ScriptedServer | undefined;

function clientFor(url: string): GenieClient {
  return new GenieClient({
    host: url,
    credentials: credentialsFor({ host: url, authType: "pat", token: TOKEN, sources: {} }),
    requestsPerSecond: 1000,
    minRetryDelayMs: 1,
    maxRetryDelayMs: 5,
  });
}

async function serve(handler: Handler): Promise<{ server: ScriptedServer; client: GenieClient }> {
  server = await startScriptedServer(handler);
  return { server, client: clientFor(server.url) };
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => closeConnectionPools());

const body = { title: "Sales", warehouse_id: "abcdef0123456789", serialized_space: '{"version":2}' };
const LIST = "/api/2.0/genie/spaces";
/** Answers the title listing a create takes first with an empty workspace; everything else with `then`. */
const emptyWorkspaceThen = (then: Handler): Handler => (req, i) => (req.method === "GET" && req.path === LIST ? { status: 200, json: {} } : then(req, i));

test("createSpace checks the title against one listing, then POSTs the JSON body with a bearer token and returns the created record", async () => {
  const { server, client } = await serve(emptyWorkspaceThen(() => ({ status: 200, json: spaceRecord() })));
  const created = await client.createSpace({ ...body, description: "Q&A", parent_path: "/Workspace/Users/alice@example.com" });
  expect(created.space_id).toBe("01f165773d141195a9f0e3c5148d22bf");
  expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /api/2.0/genie/spaces", "POST /api/2.0/genie/spaces"]);
  const req = server.requests[1];
  expect(req.method).toBe("POST");
  expect(req.path).toBe("/api/2.0/genie/spaces");
  expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
  expect(req.headers["content-type"]).toBe("application/json");
  expect(req.json).toEqual({ ...body, description: "Q&A", parent_path: "/Workspace/Users/alice@example.com" });
  expect(client.stats()).toEqual({ requests: 2, retries: 0, throttled: 0 });
});

test("getSpace asks for the serialized space only when requested", async () => {
  const { server, client } = await serve(() => ({ status: 200, json: spaceRecord() }));
  await client.getSpace("01f165773d141195a9f0e3c5148d22bf", { includeSerializedSpace: true });
  await client.getSpace("01f165773d141195a9f0e3c5148d22bf");
  expect(server.requests.map((r) => [r.method, r.path, r.query.get("include_serialized_space")])).toEqual([
    ["GET", "/api/2.0/genie/spaces/01f165773d141195a9f0e3c5148d22bf", "true"],
    ["GET", "/api/2.0/genie/spaces/01f165773d141195a9f0e3c5148d22bf", null],
  ]);
});

test("getSpace rejects an empty id instead of calling the list endpoint", async () => {
  const { server, client } = await serve(() => ({ status: 200, json: {} }));
  await expect(client.getSpace("")).rejects.toThrow(/non-empty/);
  expect(server.requests).toHaveLength(0);
});

test("listSpaces follows next_page_token across all pages and caps page_size at 100", async () => {
  const pages: Record<string, unknown> = {
    "": { spaces: [spaceRecord({ space_id: "a".repeat(32) }), spaceRecord({ space_id: "b".repeat(32) })], next_page_token: "p2" },
    p2: { spaces: [spaceRecord({ space_id: "c".repeat(32) })], next_page_token: "p3" },
    p3: {}, // last page: no spaces, no token
  };
  const { server, client } = await serve((req) => ({ status: 200, json: pages[req.query.get("page_token") ?? ""] }));
  const ids: string[] = [];
  for await (const s of client.listSpaces({ pageSize: 500 })) ids.push(s.space_id);
  expect(ids).toEqual(["a".repeat(32), "b".repeat(32), "c".repeat(32)]);
  expect(server.requests.map((r) => r.query.get("page_size"))).toEqual(["100", "100", "100"]);
  expect(server.requests.map((r) => r.query.get("page_token"))).toEqual([null, "p2", "p3"]);
});

test("updateSpace PATCHes only the fields given", async () => {
  const { server, client } = await serve(() => ({ status: 200, json: spaceRecord({ title: "New" }) }));
  const updated = await client.updateSpace("01f165773d141195a9f0e3c5148d22bf", { title: "New", description: undefined, serialized_space: '{"version":2}' });
  expect(updated.title).toBe("New");
  expect(server.requests).toHaveLength(1);
  expect(server.requests[0].method).toBe("PATCH");
  expect(server.requests[0].json).toEqual({ title: "New", serialized_space: '{"version":2}' });
});

test("trashSpace DELETEs and reports a live space as not already gone", async () => {
  const { server, client } = await serve(() => ({ status: 200, json: {} }));
  await expect(client.trashSpace("01f165773d141195a9f0e3c5148d22bf")).resolves.toEqual({ alreadyGone: false });
  expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["DELETE /api/2.0/genie/spaces/01f165773d141195a9f0e3c5148d22bf"]);
});

test("trashSpace treats 404 as already gone", async () => {
  const { client } = await serve(() => ({ status: 404, json: { error_code: "RESOURCE_DOES_NOT_EXIST", message: "Space x has been trashed. Remove from trash to access." } }));
  await expect(client.trashSpace("x")).resolves.toEqual({ alreadyGone: true });
});

test("trashSpace treats 403 followed by a GET 404 as already gone", async () => {
  const { server, client } = await serve((req) =>
    req.method === "DELETE"
      ? { status: 403, json: { error_code: "PERMISSION_DENIED", message: "no" } }
      : { status: 404, json: { error_code: "RESOURCE_DOES_NOT_EXIST", message: "Unable to get space [x]." } },
  );
  await expect(client.trashSpace("x")).resolves.toEqual({ alreadyGone: true });
  expect(server.requests.map((r) => r.method)).toEqual(["DELETE", "GET"]);
});

test("trashSpace surfaces a 403 when the space is still visible", async () => {
  const { client } = await serve((req) =>
    req.method === "DELETE" ? { status: 403, json: { error_code: "PERMISSION_DENIED", message: "You need CAN_MANAGE" } } : { status: 200, json: spaceRecord() },
  );
  const err = await client.trashSpace("x", { label: "Sales" }).catch((e: unknown) => e);
  expect(isPermissionDenied(err)).toBe(true);
  expect(String((err as Error).message)).toContain('cannot trash Genie space "Sales": PERMISSION_DENIED: You need CAN_MANAGE [HTTP 403 DELETE /api/2.0/genie/spaces/x');
});

test("mkdirs POSTs the folder with the /Workspace prefix", async () => {
  const { server, client } = await serve(() => ({ status: 200, json: {} }));
  await client.mkdirs("/Users/alice@example.com/genie");
  await client.mkdirs("/Workspace/Shared/x/");
  expect(server.requests.map((r) => [r.path, r.json])).toEqual([
    ["/api/2.0/workspace/mkdirs", { path: "/Workspace/Users/alice@example.com/genie" }],
    ["/api/2.0/workspace/mkdirs", { path: "/Workspace/Shared/x" }],
  ]);
});

describe.each([
  ["404 RESOURCE_DOES_NOT_EXIST", { status: 404, json: { error_code: "RESOURCE_DOES_NOT_EXIST", message: "Folder does not exist" } }],
  ["legacy 400 Tree node", { status: 400, json: { error_code: "INVALID_PARAMETER_VALUE", message: "Tree node with path '/Users/a/genie' does not exist" } }],
])("createSpace with a missing parent folder (%s)", (_name, missing) => {
  test("creates the folder and retries the create once", async () => {
    let folderExists = false;
    const { server, client } = await serve(
      emptyWorkspaceThen((req) => {
        if (req.path === "/api/2.0/workspace/mkdirs") {
          folderExists = true;
          return { status: 200, json: {} };
        }
        return folderExists ? { status: 200, json: spaceRecord() } : missing;
      }),
    );
    await client.createSpace({ ...body, parent_path: "/Users/a/genie" });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /api/2.0/genie/spaces",
      "POST /api/2.0/genie/spaces",
      "POST /api/2.0/workspace/mkdirs",
      "POST /api/2.0/genie/spaces",
    ]);
    expect(server.requests[2].json).toEqual({ path: "/Workspace/Users/a/genie" });
  });

  test("does not create the folder when asked not to", async () => {
    const { server, client } = await serve(emptyWorkspaceThen(() => missing));
    await expect(client.createSpace({ ...body, parent_path: "/Users/a/genie" }, { createMissingFolder: false })).rejects.toBeInstanceOf(GenieApiError);
    expect(server.requests.map((r) => r.method)).toEqual(["GET", "POST"]);
  });
});

test("createSpace gives up after one mkdirs when the folder still seems missing", async () => {
  const { server, client } = await serve(
    emptyWorkspaceThen((req) =>
      req.path.endsWith("mkdirs") ? { status: 200, json: {} } : { status: 404, json: { error_code: "RESOURCE_DOES_NOT_EXIST", message: "missing" } },
    ),
  );
  const err = await client.createSpace({ ...body, parent_path: "/Users/a" }).catch((e: unknown) => e);
  expect(isNotFound(err)).toBe(true);
  expect(server.requests.map((r) => r.method)).toEqual(["GET", "POST", "POST", "POST"]);
});

test("each no-fault operation costs exactly one HTTP request, and a client's creates share one title listing", async () => {
  const { server, client } = await serve(emptyWorkspaceThen((req) => (req.method === "DELETE" ? { status: 200, json: {} } : { status: 200, json: spaceRecord() })));
  const folder = { parent_path: "/Users/alice@example.com" };
  const created = await client.createSpace({ ...body, ...folder });
  expect(server.requests.map((r) => r.method)).toEqual(["GET", "POST"]);
  await client.createSpace({ ...body, ...folder, title: "Other" });
  expect(server.requests).toHaveLength(3);
  await client.getSpace(created.space_id, { includeSerializedSpace: true });
  expect(server.requests).toHaveLength(4);
  await client.updateSpace(created.space_id, { title: "x" });
  expect(server.requests).toHaveLength(5);
  await client.trashSpace(created.space_id);
  expect(server.requests).toHaveLength(6);
  expect(client.stats()).toEqual({ requests: 6, retries: 0, throttled: 0 });
});

test("all clients for one host share one keep-alive connection pool", async () => {
  const { server } = await serve(() => ({ status: 200, json: spaceRecord() }));
  // Six clients used one after another: separate pools would need at least six connections.
  for (let i = 0; i < 6; i++) {
    const client = clientFor(server.url);
    await client.getSpace("x");
    await client.getSpace("x");
  }
  expect(server.requests).toHaveLength(12);
  expect(server.connections()).toBeLessThanOrEqual(2);
});

test("listSpaces stops if the server repeats a page token", async () => {
  const { server, client } = await serve(() => ({ status: 200, json: { spaces: [spaceRecord()], next_page_token: "same" } }));
  const ids: string[] = [];
  for await (const s of client.listSpaces()) ids.push(s.space_id);
  expect(ids).toHaveLength(2);
  expect(server.requests).toHaveLength(2);
});
