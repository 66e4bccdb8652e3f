import { Command } from "commander";
import { RunningEmulator, registerEmulatorCommand, runEmulator, startEmulator } from "../../provider/tools/emulator";
import { createBody, useEmulator } from "./helpers";

const SPACES = "/api/2.0/genie/spaces";
const ACL = "/api/2.0/permissions/genie";
const TOKEN_A = "dapi-default-workspace-token";
const TOKEN_B = "dapi-team-b-workspace-token";
const CLIENT_A = { clientId: "aaaaaaaa-0000-0000-0000-000000000001", clientSecret: "secret-a" };
const CLIENT_B = { clientId: "bbbbbbbb-0000-0000-0000-000000000002", clientSecret: "secret-b" };

async function oauthToken(url: string, client: { clientId: string; clientSecret: string }): Promise<string> {
  const res = await fetch(`${url}/oidc/v1/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      scope: "all-apis",
      client_id: client.clientId,
      client_secret: client.clientSecret,
    }).toString(),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe("several workspaces in one emulator", () => {
  const ctx = useEmulator({
    token: TOKEN_A,
    oauthClients: [CLIENT_A],
    workspaces: [{ name: "team-b", tokens: [TOKEN_B], oauthClients: [CLIENT_B], user: "bob@example.com", folders: ["/Users/bob@example.com", "/Shared/b-only"] }],
  });
  const inA = (method: string, path: string, body?: unknown) => ctx.call(method, path, body, { token: TOKEN_A });
  const inB = (method: string, path: string, body?: unknown) => ctx.call(method, path, body, { token: TOKEN_B });

  test("a space created in one workspace is 404 in the other and absent from its list", async () => {
    const a = (await inA("POST", SPACES, createBody({ title: "Only in A" }))).body;
    expect((await inA("GET", `${SPACES}/${a.space_id}`)).status).toBe(200);
    const fromB = await inB("GET", `${SPACES}/${a.space_id}`);
    expect(fromB.status).toBe(404);
    expect(fromB.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    expect((await inB("PATCH", `${SPACES}/${a.space_id}`, { title: "hijack" })).status).toBe(404);
    expect((await inB("DELETE", `${SPACES}/${a.space_id}`)).status).toBe(404);
    expect((await inB("GET", SPACES)).body.spaces).toBeUndefined();
    expect((await inA("GET", SPACES)).body.spaces.map((s: any) => s.title)).toEqual(["Only in A"]);
    expect(ctx.emu.workspace("team-b").spaces.list()).toEqual([]);
    expect(ctx.emu.spaces.list().map((s) => s.space_id)).toEqual([a.space_id]);
  });

  test("the same title in the same folder of two workspaces is not de-duplicated, and ids differ", async () => {
    const body = createBody({ title: "Sales", parent_path: "/Shared" });
    const a = (await inA("POST", SPACES, body)).body;
    const b = (await inB("POST", SPACES, body)).body;
    expect(a.title).toBe("Sales");
    expect(b.title).toBe("Sales");
    expect(a.space_id).not.toBe(b.space_id);
    // A second one in the same workspace still is.
    expect((await inB("POST", SPACES, body)).body.title).toMatch(/^Sales \d{4}-/);
  });

  test("each workspace has its own caller user, default folder and folders", async () => {
    expect((await inA("GET", "/api/2.0/preview/scim/v2/Me")).body.userName).toBe("dev@example.com");
    expect((await inB("GET", "/api/2.0/preview/scim/v2/Me")).body.userName).toBe("bob@example.com");
    expect((await inB("POST", SPACES, createBody())).body.parent_path).toBe("/Users/bob@example.com");
    expect((await inB("POST", SPACES, createBody({ parent_path: "/Shared/b-only" }))).status).toBe(200);
    expect((await inA("POST", SPACES, createBody({ parent_path: "/Shared/b-only" }))).status).toBe(404);
    expect((await inA("POST", "/api/2.0/workspace/mkdirs", { path: "/Shared/a-made" })).status).toBe(200);
    expect((await inA("GET", "/api/2.0/workspace/get-status?path=/Shared/a-made")).status).toBe(200);
    expect((await inB("GET", "/api/2.0/workspace/get-status?path=/Shared/a-made")).status).toBe(404);
    expect(ctx.emu.folders.list()).toContain("/Shared/a-made");
    expect(ctx.emu.workspace("team-b").folders.list()).not.toContain("/Shared/a-made");
    expect(ctx.emu.workspace("team-b").user).toBe("bob@example.com");
  });

  test("ACLs and principals are per workspace", async () => {
    const b = (await inB("POST", SPACES, createBody())).body;
    const acl = await inB("GET", `${ACL}/${b.space_id}`);
    expect(acl.status).toBe(200);
    expect(acl.body.access_control_list).toContainEqual(
      expect.objectContaining({ user_name: "bob@example.com", all_permissions: [{ permission_level: "CAN_MANAGE", inherited: false }] }),
    );
    expect((await inA("GET", `${ACL}/${b.space_id}`)).status).toBe(404);
    ctx.emu.workspace("team-b").permissions.addUser("only-in-b@example.com");
    const grant = { access_control_list: [{ user_name: "only-in-b@example.com", permission_level: "CAN_RUN" }] };
    expect((await inB("PATCH", `${ACL}/${b.space_id}`, grant)).status).toBe(200);
    const a = (await inA("POST", SPACES, createBody())).body;
    const refused = await inA("PATCH", `${ACL}/${a.space_id}`, grant);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain("does not exist");
    expect(() => ctx.emu.permissions.direct(b.space_id)).not.toThrow();
    expect(ctx.emu.permissions.direct(b.space_id)).toEqual([]);
    expect(ctx.emu.workspace("team-b").permissions.direct(b.space_id)).toContainEqual({
      principal: { userName: "only-in-b@example.com" },
      level: "CAN_RUN",
    });
  });

  test("SQL tables are per workspace", async () => {
    const run = (call: typeof inA, statement: string) =>
      call("POST", "/api/2.0/sql/statements", { warehouse_id: "w", statement, wait_timeout: "5s" });
    expect((await run(inA, "CREATE SCHEMA main.demo")).body.status.state).toBe("SUCCEEDED");
    expect((await run(inA, "CREATE TABLE main.demo.orders (id INT)")).body.status.state).toBe("SUCCEEDED");
    expect(ctx.emu.tables.list()).toEqual(["main.demo.orders"]);
    expect(ctx.emu.workspace("team-b").tables.list()).toEqual([]);
    const inBView = await run(inB, "SELECT COUNT(*) FROM main.demo.orders");
    expect(inBView.body.status.state).toBe("FAILED");
  });

  test("OAuth tokens belong to the workspace of their client", async () => {
    const tokenA = await oauthToken(ctx.emu.url, CLIENT_A);
    const tokenB = await oauthToken(ctx.emu.url, CLIENT_B);
    const b = (await ctx.call("POST", SPACES, createBody(), { token: tokenB })).body;
    expect(ctx.emu.workspace("team-b").spaces.get(b.space_id)).toBeDefined();
    expect(ctx.emu.spaces.get(b.space_id)).toBeUndefined();
    expect((await ctx.call("GET", `${SPACES}/${b.space_id}`, undefined, { token: tokenA })).status).toBe(404);
    expect((await ctx.call("GET", "/api/2.0/preview/scim/v2/Me", undefined, { token: tokenB })).body.userName).toBe(CLIENT_B.clientId);
    // The space's creator is the client's service principal, in its own workspace.
    expect(ctx.emu.workspace("team-b").permissions.direct(b.space_id)).toEqual([
      { principal: { servicePrincipalName: CLIENT_B.clientId }, level: "CAN_MANAGE" },
    ]);
    const token = ctx.emu.requests().find((r) => r.path === "/oidc/v1/token" && (r.body as any).client_id === CLIENT_B.clientId);
    expect(token?.workspace).toBe("team-b");
  });

  test("request log entries name the workspace; workspace(name).requests() filters them", async () => {
    await inA("GET", SPACES);
    await inB("GET", SPACES);
    await ctx.call("GET", SPACES, undefined, { token: "dapi-unknown" });
    expect(ctx.emu.requests().map((r) => [r.status, r.workspace])).toEqual([
      [200, "default"],
      [200, "team-b"],
      [401, undefined],
    ]);
    expect(ctx.emu.workspace("team-b").requests()).toHaveLength(1);
    expect(ctx.emu.workspace("default").requests()).toHaveLength(1);
  });

  test("hooks of a workspace view act on that workspace only", async () => {
    const ui = ctx.emu.workspace("team-b").spaces.uiCreate({ title: "UI in B", warehouse_id: "w", serialized_space: createBody().serialized_space });
    expect((await inB("GET", `${SPACES}/${ui.space_id}`)).status).toBe(200);
    expect((await inA("GET", `${SPACES}/${ui.space_id}`)).status).toBe(404);
    ctx.emu.workspace("team-b").spaces.setPermission(ui.space_id, TOKEN_B, "NONE");
    expect((await inB("GET", `${SPACES}/${ui.space_id}`)).status).toBe(404);
    expect(ctx.emu.workspace("default")).toMatchObject({ name: "default", token: TOKEN_A });
    expect(ctx.emu.workspaceNames()).toEqual(["default", "team-b"]);
    expect(() => ctx.emu.workspace("nope")).toThrow(/No workspace named 'nope'/);
  });

  test("revokeToken revokes in the owning workspace only", async () => {
    ctx.emu.revokeToken(TOKEN_B);
    expect((await inB("GET", SPACES)).status).toBe(401);
    expect((await inA("GET", SPACES)).status).toBe(200);
  });

  test("reset() empties every workspace; workspace(name).reset() only that one", async () => {
    await inA("POST", SPACES, createBody());
    await inB("POST", SPACES, createBody());
    ctx.emu.workspace("team-b").reset();
    expect(ctx.emu.workspace("team-b").spaces.list()).toEqual([]);
    expect(ctx.emu.spaces.list()).toHaveLength(1);
    await inB("POST", SPACES, createBody());
    ctx.emu.reset();
    expect(ctx.emu.spaces.list()).toEqual([]);
    expect(ctx.emu.workspace("team-b").spaces.list()).toEqual([]);
  });

  describe("control endpoints with ?workspace=NAME", () => {
    const control = (method: string, path: string, body?: unknown, token = TOKEN_A) =>
      ctx.call(method, `/__emulator${path}`, body, { token });

    test("spaces, folders and ACL hooks act on the named workspace; without it, on default", async () => {
      const made = (await control("POST", "/spaces?workspace=team-b", { title: "Via control", warehouse_id: "w", serialized_space: createBody().serialized_space })).body;
      expect((await inB("GET", `${SPACES}/${made.space_id}`)).status).toBe(200);
      expect((await control("GET", "/spaces?workspace=team-b")).body.spaces.map((s: any) => s.space_id)).toEqual([made.space_id]);
      expect((await control("GET", "/spaces")).body.spaces).toEqual([]);
      expect((await control("GET", `/spaces/${made.space_id}`)).status).toBe(404);
      expect((await control("POST", `/spaces/${made.space_id}/ui-edit?workspace=team-b`, { title: "Edited" })).body.title).toBe("Edited");
      await control("POST", "/folders?workspace=team-b", { path: "/Shared/made-by-ci" });
      expect((await control("GET", "/folders?workspace=team-b")).body.folders).toContain("/Shared/made-by-ci");
      expect((await control("GET", "/folders")).body.folders).not.toContain("/Shared/made-by-ci");
      expect((await control("GET", `/acl/${made.space_id}?workspace=team-b`)).body.object_id).toBe(`/genie/${made.space_id}`);
      expect((await control("GET", `/acl/${made.space_id}`)).status).toBe(404);
    });

    test("the request log and reset can be limited to a workspace", async () => {
      await inA("POST", SPACES, createBody());
      await inB("POST", SPACES, createBody());
      expect((await control("GET", "/requests?workspace=team-b")).body.requests.map((r: any) => r.workspace)).toEqual(["team-b"]);
      expect((await control("POST", "/reset?workspace=team-b")).status).toBe(200);
      expect(ctx.emu.workspace("team-b").spaces.list()).toEqual([]);
      expect(ctx.emu.spaces.list()).toHaveLength(1);
      expect((await control("POST", "/reset")).status).toBe(200);
      expect(ctx.emu.spaces.list()).toEqual([]);
    });

    test("PATCH /options?workspace=NAME changes that workspace's own settings and refuses server-wide ones", async () => {
      expect((await control("PATCH", "/options?workspace=team-b", { user: "carol@example.com" })).status).toBe(200);
      expect((await inB("GET", "/api/2.0/preview/scim/v2/Me")).body.userName).toBe("carol@example.com");
      expect((await inA("GET", "/api/2.0/preview/scim/v2/Me")).body.userName).toBe("dev@example.com");
      const refused = await control("PATCH", "/options?workspace=team-b", { trashDelayMs: 5 });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toContain("server-wide");
      const clash = await control("PATCH", "/options?workspace=team-b", { tokens: [TOKEN_A] });
      expect(clash.status).toBe(400);
      expect(JSON.stringify(clash.body)).not.toContain(TOKEN_A);
    });

    test("a token of another workspace may use them; an unknown workspace is 404", async () => {
      expect((await control("GET", "/workspaces", undefined, TOKEN_B)).body.workspaces).toEqual([
        { name: "default", user: "dev@example.com" },
        { name: "team-b", user: "bob@example.com" },
      ]);
      const unknown = await control("GET", "/spaces?workspace=nope");
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toContain("nope");
    });
  });
});

describe("workspace options", () => {
  test("an extra workspace without tokens gets a generated PAT that works", async () => {
    const emu = await startEmulator({ workspaces: [{ name: "ops" }] });
    try {
      const token = emu.workspace("ops").token;
      expect(token).toMatch(/^dapi[0-9a-f]{32}$/);
      expect(token).not.toBe(emu.token);
      const res = await fetch(`${emu.url}${SPACES}`, { headers: { Authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(emu.requests()[0].workspace).toBe("ops");
    } finally {
      await emu.close();
    }
  });

  test("a credential shared by two workspaces, a reserved or repeated name, are refused at start", async () => {
    await expect(startEmulator({ token: TOKEN_A, workspaces: [{ name: "b", tokens: [TOKEN_A] }] })).rejects.toThrow(/share a token/);
    await expect(startEmulator({ oauthClients: [CLIENT_A], workspaces: [{ name: "b", oauthClients: [CLIENT_A] }] })).rejects.toThrow(
      /share an OAuth client id/,
    );
    await expect(startEmulator({ workspaces: [{ name: "default" }] })).rejects.toThrow(/reserved/);
    await expect(startEmulator({ workspaces: [{ name: "x" }, { name: "x" }] })).rejects.toThrow(/Two workspaces/);
    await expect(startEmulator({ workspaces: [{ name: "has space" }] })).rejects.toThrow(/letters, digits/);
    try {
      await startEmulator({ token: TOKEN_A, workspaces: [{ name: "b", tokens: [TOKEN_A] }] });
    } catch (e) {
      expect(String(e)).not.toContain(TOKEN_A);
    }
  });

  test("a single-workspace emulator logs every request under 'default'", async () => {
    const emu = await startEmulator();
    try {
      await fetch(`${emu.url}${SPACES}`, { headers: { Authorization: `Bearer ${emu.token}` } });
      expect(emu.workspaceNames()).toEqual(["default"]);
      expect(emu.requests().map((r) => r.workspace)).toEqual(["default"]);
    } finally {
      await emu.close();
    }
  });
});

describe("emulator command with --workspace", () => {
  function program(io: Parameters<typeof registerEmulatorCommand>[1]) {
    const p = new Command("pulumi-genie").exitOverride();
    registerEmulatorCommand(p, io);
    return p;
  }

  test("prints URL and default token first, then one GENIE_EMULATOR_WORKSPACE_<NAME>_TOKEN line per extra workspace", async () => {
    const lines: string[] = [];
    let running: RunningEmulator | undefined;
    await program({ write: (l) => lines.push(l), onStarted: (r) => (running = r), waitForSignal: false }).parseAsync(
      ["emulator", "--token", "dapi-main", "--workspace", "team-b:dapi-b", "--workspace", "ops"],
      { from: "user" },
    );
    try {
      expect(lines[0]).toMatch(/^GENIE_EMULATOR_URL=http:\/\/127\.0\.0\.1:\d+$/);
      expect(lines[1]).toBe("GENIE_EMULATOR_TOKEN=dapi-main");
      expect(lines[2]).toBe("GENIE_EMULATOR_WORKSPACE_TEAM_B_TOKEN=dapi-b");
      expect(lines[3]).toMatch(/^GENIE_EMULATOR_WORKSPACE_OPS_TOKEN=dapi[0-9a-f]{32}$/);
      expect(lines[4]).toMatch(/^# Genie emulator ready/);
      const url = lines[0].slice("GENIE_EMULATOR_URL=".length);
      const opsToken = lines[3].split("=")[1];
      const auth = (t: string) => ({ Authorization: `Bearer ${t}`, "Content-Type": "application/json" });
      const created = await fetch(`${url}${SPACES}`, { method: "POST", headers: auth("dapi-b"), body: JSON.stringify(createBody()) });
      const id = ((await created.json()) as { space_id: string }).space_id;
      expect((await fetch(`${url}${SPACES}/${id}`, { headers: auth("dapi-b") })).status).toBe(200);
      expect((await fetch(`${url}${SPACES}/${id}`, { headers: auth("dapi-main") })).status).toBe(404);
      expect((await fetch(`${url}${SPACES}/${id}`, { headers: auth(opsToken) })).status).toBe(404);
      expect(lines[lines.length - 1]).toMatch(/^GET \/api\/2\.0\/genie\/spaces\/\S+ 404 \d+ms \[workspace ops\]$/);
      expect(lines.slice(4).join("\n")).not.toMatch(/dapi-b|dapi-main/);
    } finally {
      await running?.close();
    }
  });

  test("without --workspace the output has no workspace lines", async () => {
    const lines: string[] = [];
    const running = await runEmulator({ token: "dapi-solo" }, (l) => lines.push(l));
    try {
      expect(lines.filter((l) => l.startsWith("GENIE_EMULATOR_WORKSPACE_"))).toEqual([]);
    } finally {
      await running.close();
    }
  });

  test("a bad --workspace value is refused", async () => {
    for (const bad of ["default:dapi-x", "a b:dapi-x", "team:", "dup", ""]) {
      let err = "";
      const p = program({ waitForSignal: false }).configureOutput({ writeErr: (s) => (err += s) });
      for (const c of p.commands) c.exitOverride().configureOutput({ writeErr: (s) => (err += s) });
      const args = bad === "dup" ? ["emulator", "--workspace", "dup", "--workspace", "dup"] : ["emulator", "--workspace", bad];
      await expect(p.parseAsync(args, { from: "user" })).rejects.toThrow();
      expect(err).toContain("--workspace");
    }
  });
});
