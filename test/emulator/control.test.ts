import { createBody, useEmulator, v2Example, V2_TEXT } from "./helpers";

const SPACES = "/api/2.0/genie/spaces";

describe("handle test hooks", () => {
  const ctx = useEmulator();
  const create = async (overrides: Record<string, unknown> = {}) =>
    (await ctx.call("POST", SPACES, createBody(overrides))).body;

  test("requests() records method, path, query, parsed body and status; clearRequests() empties it", async () => {
    const created = await create();
    await ctx.call("GET", `${SPACES}/${created.space_id}?include_serialized_space=true`);
    const log = ctx.emu.requests();
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({ method: "POST", path: SPACES, status: 200, body: { title: "Retail Genie" } });
    expect(log[1]).toMatchObject({
      method: "GET",
      path: `${SPACES}/${created.space_id}`,
      query: { include_serialized_space: "true" },
      status: 200,
    });
    expect(log[1].time).toBeGreaterThanOrEqual(log[0].time);
    ctx.emu.clearRequests();
    expect(ctx.emu.requests()).toEqual([]);
  });

  test("reset() drops all spaces and requests", async () => {
    await create();
    ctx.emu.reset();
    expect(ctx.emu.spaces.list({ includeTrashed: true })).toEqual([]);
    expect(ctx.emu.requests()).toEqual([]);
  });

  test("spaces.get/list expose the full stored record including trashed ones on request", async () => {
    const a = await create({ title: "A" });
    const b = await create({ title: "B" });
    await ctx.call("DELETE", `${SPACES}/${b.space_id}`);
    expect(ctx.emu.spaces.list().map((s) => s.title)).toEqual(["A"]);
    const all = ctx.emu.spaces.list({ includeTrashed: true });
    expect(all.map((s) => [s.title, s.trashed])).toEqual([
      ["A", false],
      ["B", true],
    ]);
    expect(ctx.emu.spaces.get(a.space_id)).toMatchObject({ serialized_space: a.serialized_space, etag: a.etag, description: "" });
    expect(ctx.emu.spaces.get("nope")).toBeUndefined();
  });

  test("uiEdit applies the PATCH rules: no etag change for a title, new etag for a new body, validation", async () => {
    const created = await create();
    const renamed = ctx.emu.spaces.uiEdit(created.space_id, { title: "From the UI" });
    expect(renamed.etag).toBe(created.etag);
    const doc = v2Example();
    doc.instructions.text_instructions[0].content = ["Edited in the UI."];
    const edited = ctx.emu.spaces.uiEdit(created.space_id, { serialized_space: JSON.stringify(doc) });
    expect(edited.etag).not.toBe(created.etag);
    expect(() => ctx.emu.spaces.uiEdit(created.space_id, { serialized_space: '{"version":9}' })).toThrow(/supports versions 1 and 2/);
    const read = await ctx.call("GET", `${SPACES}/${created.space_id}?include_serialized_space=true`);
    expect(read.body.title).toBe("From the UI");
    expect(read.body.etag).toBe(edited.etag);
  });

  test("uiCreate makes a space visible to the API with de-duplicated title and default folder", async () => {
    await create();
    const ui = ctx.emu.spaces.uiCreate({ title: "Retail Genie", warehouse_id: "w1", serialized_space: V2_TEXT });
    expect(ui.title).toMatch(/^Retail Genie \d{4}-/);
    expect(ui.parent_path).toBe("/Users/dev@example.com");
    expect((await ctx.call("GET", `${SPACES}/${ui.space_id}`)).status).toBe(200);
  });

  test("trash() is immediate even with async trash; restore() brings the space back", async () => {
    ctx.emu.setOptions({ trashDelayMs: 10_000 });
    const created = await create();
    ctx.emu.spaces.trash(created.space_id);
    const gone = await ctx.call("GET", `${SPACES}/${created.space_id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.message).toContain("has been trashed");
    ctx.emu.spaces.restore(created.space_id);
    expect((await ctx.call("GET", `${SPACES}/${created.space_id}`)).status).toBe(200);
  });

  test("migrate() re-serializes the body and bumps the etag without a semantic change", async () => {
    const created = await create();
    const migrated = ctx.emu.spaces.migrate(created.space_id);
    expect(migrated.etag).not.toBe(created.etag);
    expect(migrated.serialized_space).not.toBe(created.serialized_space);
    expect(JSON.parse(migrated.serialized_space)).toEqual(JSON.parse(created.serialized_space));
    // Re-sending the same definition is still a no-op for the etag.
    const patched = await ctx.call("PATCH", `${SPACES}/${created.space_id}`, { serialized_space: V2_TEXT });
    expect(patched.body.etag).toBe(migrated.etag);
  });

  test("folders.add makes a folder usable; folders.list shows it", async () => {
    ctx.emu.folders.add("/Workspace/Shared/genie");
    expect(ctx.emu.folders.list()).toContain("/Shared/genie");
    expect((await ctx.call("POST", SPACES, createBody({ parent_path: "/Shared/genie" }))).status).toBe(200);
  });
});

describe("HTTP control endpoints", () => {
  const ctx = useEmulator({ tokens: ["dapi-second-token"] });
  const control = (method: string, path: string, body?: unknown, token?: string | null) =>
    ctx.call(method, `/__emulator${path}`, body, { token });

  test("they need the emulator's bearer token", async () => {
    expect((await control("POST", "/reset", undefined, null)).status).toBe(401);
    expect((await control("POST", "/reset", undefined, "dapi-wrong")).status).toBe(401);
  });

  test("a revoked token is refused (401) and changes nothing; another live token still works", async () => {
    await ctx.call("POST", SPACES, createBody());
    ctx.emu.revokeToken(ctx.emu.token);
    for (const [method, path] of [["POST", "/reset"], ["GET", "/requests"], ["PUT", "/faults"], ["GET", "/spaces"], ["POST", "/nothing"]]) {
      const res = await control(method, path, method === "PUT" ? [] : undefined);
      expect([method, path, res.status, res.body.error_code]).toEqual([method, path, 401, "UNAUTHENTICATED"]);
    }
    expect(ctx.emu.spaces.list()).toHaveLength(1);
    expect((await control("POST", "/reset", undefined, "dapi-second-token")).status).toBe(200);
    expect(ctx.emu.spaces.list()).toEqual([]);
    // A reset forgets revocations: the first token works again.
    expect((await ctx.call("GET", SPACES)).status).toBe(200);
  });

  test("a token revoked over HTTP cannot use the control endpoints any more", async () => {
    expect((await control("POST", "/revoke", { token: "dapi-second-token" })).status).toBe(200);
    expect((await control("GET", "/workspaces", undefined, "dapi-second-token")).status).toBe(401);
    expect((await control("GET", "/workspaces")).status).toBe(200);
  });

  test("an unknown control path still needs a live token first (401), then is ENDPOINT_NOT_FOUND", async () => {
    expect((await control("GET", "/nothing", undefined, "dapi-wrong")).status).toBe(401);
    expect((await control("GET", "/nothing")).body.error_code).toBe("ENDPOINT_NOT_FOUND");
  });

  test("GET/DELETE /requests read and clear the request log (control calls are not logged)", async () => {
    await ctx.call("POST", SPACES, createBody());
    const res = await control("GET", "/requests");
    expect(res.body.requests).toEqual([expect.objectContaining({ method: "POST", path: SPACES, status: 200 })]);
    expect((await control("DELETE", "/requests")).status).toBe(200);
    expect((await control("GET", "/requests")).body.requests).toEqual([]);
  });

  test("POST /reset drops the spaces", async () => {
    await ctx.call("POST", SPACES, createBody());
    await control("POST", "/reset");
    expect(ctx.emu.spaces.list()).toEqual([]);
  });

  test("PUT /faults accepts rule lists (with pathRegex) and the CLI spec syntax", async () => {
    expect((await control("PUT", "/faults", [{ kind: "503", method: "GET", pathRegex: "^/api/2\\.0/genie/spaces$", times: 1 }])).status).toBe(200);
    const [listed] = (await control("GET", "/faults")).body.faults;
    expect(listed).toMatchObject({ kind: "503", method: "GET", times: 1 });
    expect(new RegExp(listed.pathRegex).test(SPACES)).toBe(true);
    expect(new RegExp(listed.pathRegex).test(`${SPACES}/x`)).toBe(false);
    expect((await ctx.call("GET", SPACES)).status).toBe(503);
    expect((await ctx.call("GET", SPACES)).status).toBe(200);
    await control("PUT", "/faults", { spec: "*:500::1" });
    expect((await ctx.call("GET", SPACES)).status).toBe(500);
    expect((await control("PUT", "/faults", { spec: "GET:nope" })).status).toBe(400);
    await control("PUT", "/faults", { faults: [] });
    expect((await ctx.call("GET", SPACES)).status).toBe(200);
  });

  test("PATCH /options changes behavior mid-test; unknown options are refused", async () => {
    expect((await control("PATCH", "/options", { titleDedup: false, missingFolderStyle: "legacy" })).status).toBe(200);
    await ctx.call("POST", SPACES, createBody());
    expect((await ctx.call("POST", SPACES, createBody())).body.title).toBe("Retail Genie");
    expect((await ctx.call("POST", SPACES, createBody({ parent_path: "/nope" }))).status).toBe(400);
    expect((await control("PATCH", "/options", { port: 1 })).status).toBe(400);
  });

  test("folders and revoke", async () => {
    await control("POST", "/folders", { path: "/Workspace/Team" });
    expect((await control("GET", "/folders")).body.folders).toContain("/Team");
    await control("POST", "/revoke", { token: ctx.emu.token });
    expect((await ctx.call("GET", SPACES)).status).toBe(401);
  });

  test("spaces: ui create, get, ui-edit, trash, restore, migrate", async () => {
    const created = (await control("POST", "/spaces", { title: "UI made", warehouse_id: "w", serialized_space: V2_TEXT })).body;
    expect(created.space_id).toMatch(/^01f1/);
    expect((await control("GET", `/spaces/${created.space_id}`)).body.title).toBe("UI made");
    const edited = (await control("POST", `/spaces/${created.space_id}/ui-edit`, { description: "from UI" })).body;
    expect(edited.description).toBe("from UI");
    await control("POST", `/spaces/${created.space_id}/trash`);
    expect((await ctx.call("GET", `${SPACES}/${created.space_id}`)).status).toBe(404);
    expect((await control("GET", "/spaces?include_trashed=true")).body.spaces).toHaveLength(1);
    expect((await control("GET", "/spaces")).body.spaces).toHaveLength(0);
    await control("POST", `/spaces/${created.space_id}/restore`);
    const migrated = (await control("POST", `/spaces/${created.space_id}/migrate`)).body;
    expect(migrated.etag).not.toBe(created.etag);
    expect((await control("GET", "/spaces/unknown")).status).toBe(404);
    expect((await control("POST", "/nothing")).body.error_code).toBe("ENDPOINT_NOT_FOUND");
  });
});
