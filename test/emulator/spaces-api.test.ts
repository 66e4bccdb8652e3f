import { createBody, useEmulator, v1Example, v2Example, V2_TEXT } from "./helpers";

const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("create", () => {
  const ctx = useEmulator();

  test("returns the full space with a time-based id, default parent folder, normalized body and etag", async () => {
    const res = await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ description: "Sales Q&A" }));
    expect(res.status).toBe(200);
    const space = res.body;
    expect(space.space_id).toMatch(/^01f1[0-9a-f]{28}$/);
    expect(space).toMatchObject({
      title: "Retail Genie",
      description: "Sales Q&A",
      warehouse_id: "abcdef0123456789",
      parent_path: "/Users/dev@example.com",
    });
    expect(space.etag).toEqual(expect.any(String));
    expect(space.etag.length).toBeGreaterThan(0);
    expect(space.create_time).toMatch(RFC3339_MS);
    expect(space.update_time).toBe(space.create_time);
    expect(space.serialized_space.endsWith("}\n")).toBe(true);
    expect(space.serialized_space).toContain('\n  "version": 2,');
    expect(JSON.parse(space.serialized_space)).toEqual(v2Example());
  });

  test("every response carries an x-request-id, and error bodies repeat it in a RequestInfo detail", async () => {
    const ok = await ctx.call("POST", "/api/2.0/genie/spaces", createBody());
    expect(ok.headers.get("x-request-id")).toMatch(/[0-9a-f-]{36}/);
    const bad = await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ warehouse_id: undefined }));
    const requestId = bad.headers.get("x-request-id");
    expect(bad.body.details).toContainEqual(
      expect.objectContaining({ "@type": "type.googleapis.com/google.rpc.RequestInfo", request_id: requestId }),
    );
  });

  test("ids are unique and increase over time", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ title: `t${i}` }))).body.space_id);
    expect(new Set(ids).size).toBe(5);
    expect([...ids].sort()).toEqual(ids);
  });

  test("a client-supplied space_id is ignored", async () => {
    const res = await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ space_id: "0".repeat(32) }));
    expect(res.body.space_id).not.toBe("0".repeat(32));
  });

  test.each([
    ["warehouse_id", { warehouse_id: undefined }, "Missing required field: warehouse_id"],
    ["serialized_space", { serialized_space: undefined }, "Missing required field: serialized_space"],
    ["serialized_space as an object", { serialized_space: v2Example() }, "Invalid JSON in field 'serialized_space'"],
  ])("missing or malformed %s → 400 INVALID_PARAMETER_VALUE", async (_name, overrides, message) => {
    const res = await ctx.call("POST", "/api/2.0/genie/spaces", createBody(overrides));
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(res.body.message).toContain(message);
    expect(ctx.emu.spaces.list()).toHaveLength(0);
  });

  test("a body that is not a JSON object → 400 MALFORMED_REQUEST", async () => {
    const res = await fetch(`${ctx.emu.url}/api/2.0/genie/spaces`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ctx.emu.token}`, "Content-Type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error_code: string }).error_code).toBe("MALFORMED_REQUEST");
  });

  test("invalid serialized_space → 400 with the server's message, nothing created", async () => {
    const doc = v2Example();
    doc.data_sources.tables.reverse();
    const res = await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ serialized_space: JSON.stringify(doc) }));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error_code: "INVALID_PARAMETER_VALUE",
      message: "Invalid export proto: data_sources.tables must be sorted by identifier",
    });
    expect(ctx.emu.spaces.list()).toHaveLength(0);
  });

  test("a version 1 payload is stored and returned as version 2", async () => {
    const res = await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ serialized_space: JSON.stringify(v1Example()) }));
    const doc = JSON.parse(res.body.serialized_space);
    expect(doc.version).toBe(2);
    expect(doc.data_sources.tables[0].column_configs[0]).toEqual({
      column_name: "carrier",
      description: ["Carrier code"],
      synonyms: ["shipper", "courier"],
      enable_format_assistance: true,
      enable_entity_matching: true,
    });
  });

  test("{version: 1} reads back as {version: 2, data_sources: {}}", async () => {
    const res = await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ serialized_space: '{"version":1}' }));
    expect(res.body.serialized_space).toBe('{\n  "version": 2,\n  "data_sources": {}\n}\n');
  });

  test("parent_path is accepted with /Workspace and returned without it", async () => {
    const res = await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ parent_path: "/Workspace/Shared" }));
    expect(res.body.parent_path).toBe("/Shared");
  });

  test("a title omitted gets the default title", async () => {
    const res = await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ title: undefined }));
    expect(res.body.title).toBe("Untitled");
  });

  test("the same title in the same folder gets a ' YYYY-MM-DD HH:MM:SS' suffix; another folder does not", async () => {
    const first = await ctx.call("POST", "/api/2.0/genie/spaces", createBody());
    const second = await ctx.call("POST", "/api/2.0/genie/spaces", createBody());
    const elsewhere = await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ parent_path: "/Shared" }));
    expect(first.body.title).toBe("Retail Genie");
    expect(second.body.title).toMatch(/^Retail Genie \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(elsewhere.body.title).toBe("Retail Genie");
  });

  test("a trashed space no longer blocks its title", async () => {
    const first = await ctx.call("POST", "/api/2.0/genie/spaces", createBody());
    await ctx.call("DELETE", `/api/2.0/genie/spaces/${first.body.space_id}`);
    const again = await ctx.call("POST", "/api/2.0/genie/spaces", createBody());
    expect(again.body.title).toBe("Retail Genie");
  });

  test("title de-duplication can be switched off", async () => {
    ctx.emu.setOptions({ titleDedup: false });
    await ctx.call("POST", "/api/2.0/genie/spaces", createBody());
    const second = await ctx.call("POST", "/api/2.0/genie/spaces", createBody());
    expect(second.body.title).toBe("Retail Genie");
  });
});

describe("folders", () => {
  const ctx = useEmulator();

  test("create in a missing folder → 404 RESOURCE_DOES_NOT_EXIST (modern backend)", async () => {
    const res = await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ parent_path: "/Users/dev@example.com/genie" }));
    expect(res.status).toBe(404);
    expect(res.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(res.body.message).toContain("/Users/dev@example.com/genie");
  });

  test("create in a missing folder → legacy 400 \"Tree node with path … does not exist\"", async () => {
    ctx.emu.setOptions({ missingFolderStyle: "legacy" });
    const res = await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ parent_path: "/Workspace/Shared/a/b" }));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error_code: "INVALID_PARAMETER_VALUE",
      message: "Tree node with path '/Shared/a/b' does not exist",
    });
  });

  test("mkdirs (with or without /Workspace) creates the folder and its parents, then create succeeds", async () => {
    const mk = await ctx.call("POST", "/api/2.0/workspace/mkdirs", { path: "/Workspace/Shared/teams/sales" });
    expect(mk.status).toBe(200);
    expect(mk.body).toEqual({});
    expect(ctx.emu.folders.list()).toEqual(expect.arrayContaining(["/Shared/teams", "/Shared/teams/sales"]));
    const res = await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ parent_path: "/Shared/teams/sales" }));
    expect(res.status).toBe(200);
    expect(res.body.parent_path).toBe("/Shared/teams/sales");
    const plain = await ctx.call("POST", "/api/2.0/workspace/mkdirs", { path: "/Users/dev@example.com/x" });
    expect(plain.status).toBe(200);
    expect(ctx.emu.folders.list()).toContain("/Users/dev@example.com/x");
  });

  test("mkdirs without a path → 400", async () => {
    const res = await ctx.call("POST", "/api/2.0/workspace/mkdirs", {});
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe("INVALID_PARAMETER_VALUE");
  });

  test("folders given in the options exist; others do not", async () => {
    ctx.emu.setOptions({ folders: ["/Workspace/Teams/data"] });
    expect((await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ parent_path: "/Teams/data" }))).status).toBe(200);
    expect((await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ parent_path: "/Shared" }))).status).toBe(404);
  });
});

describe("get", () => {
  const ctx = useEmulator();
  const create = async (overrides: Record<string, unknown> = {}) =>
    (await ctx.call("POST", "/api/2.0/genie/spaces", createBody(overrides))).body;

  test("an unknown id → 404 RESOURCE_DOES_NOT_EXIST \"Unable to get space [<id>]. …\"", async () => {
    const id = "01f1aaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const res = await ctx.call("GET", `/api/2.0/genie/spaces/${id}`);
    expect(res.status).toBe(404);
    expect(res.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(res.body.message).toMatch(new RegExp(`^Unable to get space \\[${id}\\]\\. `));
  });

  test("without include_serialized_space there is no serialized_space and no etag", async () => {
    const created = await create();
    for (const q of ["", "?include_serialized_space=false"]) {
      const res = await ctx.call("GET", `/api/2.0/genie/spaces/${created.space_id}${q}`);
      expect(res.status).toBe(200);
      expect(res.body).not.toHaveProperty("serialized_space");
      expect(res.body).not.toHaveProperty("etag");
      expect(res.body.title).toBe("Retail Genie");
    }
  });

  test("include_serialized_space=true returns the stored body and etag", async () => {
    const created = await create();
    const res = await ctx.call("GET", `/api/2.0/genie/spaces/${created.space_id}?include_serialized_space=true`);
    expect(res.body.serialized_space).toBe(created.serialized_space);
    expect(res.body.etag).toBe(created.etag);
    expect(res.body.create_time).toBe(created.create_time);
  });

  test("an empty description is omitted", async () => {
    const created = await create();
    const res = await ctx.call("GET", `/api/2.0/genie/spaces/${created.space_id}`);
    expect(res.body).not.toHaveProperty("description");
  });

  test("routing headers (X-Databricks-Org-Id / Workspace-Id, User-Agent) are accepted and ignored", async () => {
    const created = await create();
    const res = await ctx.call("GET", `/api/2.0/genie/spaces/${created.space_id}`, undefined, {
      headers: { "X-Databricks-Org-Id": "123", "X-Databricks-Workspace-Id": "123", "User-Agent": "test/1.0" },
    });
    expect(res.status).toBe(200);
  });
});

describe("list", () => {
  const ctx = useEmulator();
  const createMany = async (n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      ids.push((await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ title: `space ${i}`, serialized_space: '{"version":2}' }))).body.space_id);
    }
    return ids;
  };

  test("an empty workspace lists as {}", async () => {
    const res = await ctx.call("GET", "/api/2.0/genie/spaces");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
  });

  test("default page size is 20; page tokens walk every space once, in creation order; last page has no token", async () => {
    const ids = await createMany(45);
    const seen: string[] = [];
    const sizes: number[] = [];
    let token: string | undefined;
    do {
      const res = await ctx.call("GET", `/api/2.0/genie/spaces${token ? `?page_token=${encodeURIComponent(token)}` : ""}`);
      sizes.push(res.body.spaces.length);
      seen.push(...res.body.spaces.map((s: { space_id: string }) => s.space_id));
      token = res.body.next_page_token;
    } while (token);
    expect(sizes).toEqual([20, 20, 5]);
    expect(seen).toEqual(ids);
  });

  test("a page that ends exactly at the last space has no next_page_token", async () => {
    await createMany(4);
    const res = await ctx.call("GET", "/api/2.0/genie/spaces?page_size=4");
    expect(res.body.spaces).toHaveLength(4);
    expect(res.body).not.toHaveProperty("next_page_token");
  });

  test("items carry no serialized_space or etag", async () => {
    await createMany(2);
    const res = await ctx.call("GET", "/api/2.0/genie/spaces");
    for (const item of res.body.spaces) {
      expect(item).not.toHaveProperty("serialized_space");
      expect(item).not.toHaveProperty("etag");
      expect(item).toEqual(
        expect.objectContaining({ space_id: expect.any(String), title: expect.any(String), parent_path: "/Users/dev@example.com" }),
      );
    }
  });

  test("page_size 100 is accepted; 101 → 400 INVALID_PARAMETER_VALUE; ≤ 0 means the default", async () => {
    await createMany(25);
    expect((await ctx.call("GET", "/api/2.0/genie/spaces?page_size=100")).body.spaces).toHaveLength(25);
    const over = await ctx.call("GET", "/api/2.0/genie/spaces?page_size=101");
    expect(over.status).toBe(400);
    expect(over.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect((await ctx.call("GET", "/api/2.0/genie/spaces?page_size=0")).body.spaces).toHaveLength(20);
    expect((await ctx.call("GET", "/api/2.0/genie/spaces?page_size=abc")).status).toBe(400);
  });

  test("page_size over 100 is clamped in clamp mode", async () => {
    ctx.emu.setOptions({ pageSizeOver100: "clamp" });
    await createMany(3);
    const res = await ctx.call("GET", "/api/2.0/genie/spaces?page_size=500");
    expect(res.status).toBe(200);
    expect(res.body.spaces).toHaveLength(3);
  });

  test("an invalid or forged page token → 400 INVALID_PARAMETER_VALUE", async () => {
    await createMany(3);
    const page = await ctx.call("GET", "/api/2.0/genie/spaces?page_size=1");
    const forged = Buffer.from(JSON.stringify({ after: 0 })).toString("base64url") + ".AAAAAAAAAAAAAAAA";
    for (const bad of ["garbage", forged, page.body.next_page_token + "x"]) {
      const res = await ctx.call("GET", `/api/2.0/genie/spaces?page_token=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(400);
      expect(res.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    }
  });

  test("trashed spaces are not listed, and paging stays correct when a space is trashed mid-walk", async () => {
    const ids = await createMany(6);
    const first = await ctx.call("GET", "/api/2.0/genie/spaces?page_size=3");
    await ctx.call("DELETE", `/api/2.0/genie/spaces/${ids[3]}`);
    const second = await ctx.call("GET", `/api/2.0/genie/spaces?page_size=3&page_token=${encodeURIComponent(first.body.next_page_token)}`);
    expect(second.body.spaces.map((s: { space_id: string }) => s.space_id)).toEqual([ids[4], ids[5]]);
    expect(second.body).not.toHaveProperty("next_page_token");
  });
});

describe("update (PATCH)", () => {
  const ctx = useEmulator();
  const create = async () => (await ctx.call("POST", "/api/2.0/genie/spaces", createBody())).body;
  const patch = (id: string, body: unknown) => ctx.call("PATCH", `/api/2.0/genie/spaces/${id}`, body);

  test("a title change keeps the etag and body but moves update_time", async () => {
    const created = await create();
    await new Promise((r) => setTimeout(r, 5));
    const res = await patch(created.space_id, { title: "Renamed" });
    expect(res.status).toBe(200);
    expect(res.body.title).toBe("Renamed");
    expect(res.body.etag).toBe(created.etag);
    expect(res.body.serialized_space).toBe(created.serialized_space);
    expect(Date.parse(res.body.update_time)).toBeGreaterThan(Date.parse(created.update_time));
    expect(res.body.create_time).toBe(created.create_time);
  });

  test("a semantically different body changes the etag", async () => {
    const created = await create();
    const doc = v2Example();
    doc.config.sample_questions[0].question = ["Changed?"];
    const res = await patch(created.space_id, { serialized_space: JSON.stringify(doc) });
    expect(res.body.etag).not.toBe(created.etag);
    expect(JSON.parse(res.body.serialized_space).config.sample_questions[0].question).toEqual(["Changed?"]);
  });

  test("the same body re-serialized differently (compact, keys reordered, v1 toggles false) keeps etag and update_time", async () => {
    const created = await create();
    const doc = v2Example();
    const reordered = { benchmarks: doc.benchmarks, instructions: doc.instructions, data_sources: doc.data_sources, config: doc.config, version: 2 };
    reordered.data_sources.tables[1].column_configs[0].exclude = false;
    const res = await patch(created.space_id, { serialized_space: JSON.stringify(reordered) });
    expect(res.status).toBe(200);
    expect(res.body.etag).toBe(created.etag);
    expect(res.body.update_time).toBe(created.update_time);
  });

  test("a stale etag → 409 ABORTED; the current etag or none applies", async () => {
    const created = await create();
    const moved = await patch(created.space_id, { serialized_space: '{"version":2}' });
    const stale = await patch(created.space_id, { title: "x", etag: created.etag });
    expect(stale.status).toBe(409);
    expect(stale.body.error_code).toBe("ABORTED");
    expect(stale.body.message).toContain("Etag mismatch");
    expect((await patch(created.space_id, { title: "y", etag: moved.body.etag })).status).toBe(200);
    expect((await patch(created.space_id, { title: "z", etag: "" })).body.title).toBe("z");
  });

  test("empty fields are ignored (description cannot be cleared by \"\")", async () => {
    const created = (await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ description: "keep" }))).body;
    const res = await patch(created.space_id, { title: "", description: "", warehouse_id: "", serialized_space: "" });
    expect(res.body).toMatchObject({ title: "Retail Genie", description: "keep", warehouse_id: "abcdef0123456789" });
    expect(res.body.etag).toBe(created.etag);
  });

  test("warehouse_id changes in place; parent_path moves the space (with /Workspace stripped)", async () => {
    const created = await create();
    const res = await patch(created.space_id, { warehouse_id: "w2", parent_path: "/Workspace/Shared" });
    expect(res.body).toMatchObject({ space_id: created.space_id, warehouse_id: "w2", parent_path: "/Shared" });
  });

  test("moving to a missing folder → 404 and nothing changes", async () => {
    const created = await create();
    const res = await patch(created.space_id, { title: "moved", parent_path: "/Shared/missing" });
    expect(res.status).toBe(404);
    expect(ctx.emu.spaces.get(created.space_id)).toMatchObject({ title: "Retail Genie", parent_path: "/Users/dev@example.com" });
  });

  test("an invalid body → 400 and nothing changes", async () => {
    const created = await create();
    const res = await patch(created.space_id, { title: "new", serialized_space: '{"version":3}' });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("Invalid export proto: ExportConverter supports versions 1 and 2, but got 3");
    expect(ctx.emu.spaces.get(created.space_id)?.title).toBe("Retail Genie");
  });

  test("unknown and trashed ids → 404", async () => {
    const created = await create();
    expect((await patch("01f1bbbbbbbbbbbbbbbbbbbbbbbbbbbb", { title: "x" })).body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    await ctx.call("DELETE", `/api/2.0/genie/spaces/${created.space_id}`);
    const res = await patch(created.space_id, { title: "x" });
    expect(res.status).toBe(404);
    expect(res.body.message).toBe(`Space ${created.space_id} has been trashed. Remove from trash to access.`);
  });

  test("read-after-write lag: GET and list show the old title/description/warehouse for readLagMs", async () => {
    ctx.emu.setOptions({ readLagMs: 400 });
    const created = await create();
    const res = await patch(created.space_id, { title: "New title", warehouse_id: "w2" });
    expect(res.body.title).toBe("New title");
    const lagged = await ctx.call("GET", `/api/2.0/genie/spaces/${created.space_id}`);
    expect(lagged.body).toMatchObject({ title: "Retail Genie", warehouse_id: "abcdef0123456789" });
    expect((await ctx.call("GET", "/api/2.0/genie/spaces")).body.spaces[0].title).toBe("Retail Genie");
    await sleep(450);
    const fresh = await ctx.call("GET", `/api/2.0/genie/spaces/${created.space_id}`);
    expect(fresh.body).toMatchObject({ title: "New title", warehouse_id: "w2" });
  });
});

describe("trash (DELETE)", () => {
  const ctx = useEmulator();
  const create = async () => (await ctx.call("POST", "/api/2.0/genie/spaces", createBody())).body;

  test("DELETE → 200 {}; then GET → 404 \"has been trashed\"; a second DELETE → 404", async () => {
    const { space_id } = await create();
    const del = await ctx.call("DELETE", `/api/2.0/genie/spaces/${space_id}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({});
    const get = await ctx.call("GET", `/api/2.0/genie/spaces/${space_id}`);
    expect(get.status).toBe(404);
    expect(get.body).toMatchObject({
      error_code: "RESOURCE_DOES_NOT_EXIST",
      message: `Space ${space_id} has been trashed. Remove from trash to access.`,
    });
    expect((await ctx.call("DELETE", `/api/2.0/genie/spaces/${space_id}`)).status).toBe(404);
    expect(ctx.emu.spaces.get(space_id)?.trashed).toBe(true);
  });

  test("a second DELETE can answer 403", async () => {
    ctx.emu.setOptions({ secondDelete: 403 });
    const { space_id } = await create();
    await ctx.call("DELETE", `/api/2.0/genie/spaces/${space_id}`);
    const again = await ctx.call("DELETE", `/api/2.0/genie/spaces/${space_id}`);
    expect(again.status).toBe(403);
    expect(again.body.error_code).toBe("PERMISSION_DENIED");
  });

  test("DELETE of an unknown id → 404", async () => {
    const res = await ctx.call("DELETE", "/api/2.0/genie/spaces/01f1cccccccccccccccccccccccccccc");
    expect(res.status).toBe(404);
    expect(res.body.message).toMatch(/^Unable to trash space/);
  });

  test("async trash: GET keeps returning the space for trashDelayMs, then 404", async () => {
    ctx.emu.setOptions({ trashDelayMs: 400 });
    const { space_id } = await create();
    await ctx.call("DELETE", `/api/2.0/genie/spaces/${space_id}`);
    expect((await ctx.call("GET", `/api/2.0/genie/spaces/${space_id}`)).status).toBe(200);
    expect((await ctx.call("GET", "/api/2.0/genie/spaces")).body.spaces).toHaveLength(1);
    await sleep(450);
    expect((await ctx.call("GET", `/api/2.0/genie/spaces/${space_id}`)).status).toBe(404);
    expect((await ctx.call("GET", "/api/2.0/genie/spaces")).body).toEqual({});
  });
});

describe("routing", () => {
  const ctx = useEmulator();

  test.each([
    ["PUT", "/api/2.0/genie/spaces/abc", "No API found for 'PUT /genie/spaces/abc'"],
    ["POST", "/api/2.0/data-rooms/x/conversations", "No API found for 'POST /data-rooms/x/conversations'"],
    ["GET", "/api/2.0/genie/spaces/a/b", "No API found for 'GET /genie/spaces/a/b'"],
    ["DELETE", "/api/2.0/genie/spaces", "No API found for 'DELETE /genie/spaces'"],
  ])("%s %s → 404 ENDPOINT_NOT_FOUND", async (method, path, message) => {
    const res = await ctx.call(method, path);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error_code: "ENDPOINT_NOT_FOUND", message });
  });

  test("include_serialized_space must be true or false", async () => {
    const { space_id } = (await ctx.call("POST", "/api/2.0/genie/spaces", createBody({ serialized_space: V2_TEXT }))).body;
    const res = await ctx.call("GET", `/api/2.0/genie/spaces/${space_id}?include_serialized_space=yes`);
    expect(res.status).toBe(400);
  });
});
