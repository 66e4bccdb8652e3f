/**
 * What must never go wrong: credentials in state, spaces dropped on an auth failure, duplicates
 * after a failed run, silent re-creation in another workspace, a provider that is not a shim.
 */
import { Engine, UNKNOWN } from "../../provider/tools/harness";
import { salesSpace, startScenario, writes, type Scenario } from "./scenario";

const CANARY = "dapi-CANARY-7f3c2a91e4b8d6f0a1c3e5b7d9f1a3c5";

describe("GenieSpace safety through the provider host", () => {
  let s: Scenario;
  afterEach(async () => {
    await s?.close();
  });

  test("the serialized provider is a small shim that loads the runtime by package name and holds no secret", async () => {
    s = await startScenario({ emulator: { token: CANARY } });
    const [resource] = await s.declare({ one: { warehouseId: "wh1", space: salesSpace(1) } });
    const text = resource.inputs.__provider as string;
    expect(typeof text).toBe("string");
    expect(text.length).toBeLessThanOrEqual(4096);
    expect(text).toContain('require("pulumi-genie/runtime")');
    // No runtime code inlined: the client, the space language and the settings live in the package.
    expect(text).not.toMatch(/createSpace|serialized_space|databricks:host|undici/);
    expect(text).not.toContain(CANARY);
  });

  test("a canary token never reaches state, outputs, host logs or error text", async () => {
    s = await startScenario({ emulator: { token: CANARY } });
    const resources = await s.declare({
      good: { warehouseId: "wh1", space: salesSpace(1) },
      bad: { warehouseId: "wh1", space: { data_sources: { tables: [{ identifier: "only_two.parts" }] } } as never },
    });
    const up = await s.engine.up(resources);
    s.emulator.revokeToken(CANARY);
    const refresh = await s.engine.refresh();
    const everything = [
      s.engine.stateJson(),
      JSON.stringify(resources),
      JSON.stringify(up),
      JSON.stringify(refresh),
      s.host.stdout.join("\n"),
      s.host.stderr.join("\n"),
    ].join("\n");
    expect(refresh.failed).toBeGreaterThan(0);
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain(CANARY.slice(5));
  });

  test("an expired token during refresh fails loudly and keeps every space in state", async () => {
    s = await startScenario();
    await s.engine.up(
      await s.declare({
        a: { warehouseId: "wh1", space: salesSpace(1) },
        b: { warehouseId: "wh1", space: salesSpace(2) },
      }),
    );
    const before = s.engine.state();
    s.emulator.revokeToken(s.emulator.token);
    const refresh = await s.engine.refresh();
    expect(refresh.failed).toBe(2);
    for (const step of refresh.steps) expect(step.error).toMatch(/401|UNAUTHENTICATED|unauthori[sz]ed|credential/i);
    expect(s.engine.state()).toEqual(before);
  });

  test("check rejects bad content with the property path before any API call", async () => {
    s = await startScenario();
    s.takeRequests();
    const resources = await s.declare({
      broken: {
        warehouseId: "wh1",
        space: {
          data_sources: { tables: [{ identifier: "main.sales" }] },
          config: { sample_questions: [{ id: "NOT-HEX", question: "q" }] },
        } as never,
      },
    });
    const up = await s.engine.up(resources);
    const step = up.steps[0];
    expect(step.op).toBe("check-failed");
    const properties = (step.failures ?? []).map((f) => f.property);
    expect(properties).toEqual(expect.arrayContaining(["space.data_sources.tables[0].identifier"]));
    expect(properties.some((p) => p.startsWith("space.config.sample_questions[0]"))).toBe(true);
    expect(s.takeRequests()).toEqual([]);
  });

  test("a missing warehouse is a check failure that says how to find one", async () => {
    s = await startScenario();
    const up = await s.engine.up(await s.declare({ nowh: { space: salesSpace(1) } }));
    expect(up.steps[0].op).toBe("check-failed");
    expect(up.steps[0].failures).toEqual([expect.objectContaining({ property: "warehouseId", reason: expect.stringMatching(/SQL warehouse/) })]);
  });

  test("the second of three creates rejected with a 400: the others are in state, the API message shows, a rerun makes no duplicate", async () => {
    s = await startScenario({ parallelism: 1 });
    s.emulator.setFaults([{ method: "POST", path: "/api/2.0/genie/spaces", kind: "400", bodyContains: "Sales B", times: 1 }]);
    const spaces = {
      a: { title: "Sales A", warehouseId: "wh1", space: salesSpace(1) },
      b: { title: "Sales B", warehouseId: "wh1", space: salesSpace(2) },
      c: { title: "Sales C", warehouseId: "wh1", space: salesSpace(3) },
    };
    const first = await s.engine.up(await s.declare(spaces));
    const failedStep = first.steps.find((x) => x.name === "b")!;
    expect(failedStep.op).toBe("failed");
    expect(failedStep.error).toMatch(/cannot create Genie space "Sales B": INVALID_PARAMETER_VALUE: .+\[HTTP 400 POST \/api\/2.0\/genie\/spaces/);
    expect(s.engine.state().map((e) => e.name).sort()).toEqual(["a", "c"]);
    const rerun = await s.engine.up(await s.declare(spaces));
    expect(rerun.failed).toBe(0);
    const titles = s.emulator.spaces.list().map((x) => x.title).sort();
    expect(titles).toEqual(["Sales A", "Sales B", "Sales C"]);
  });

  test("a create whose connection resets after the space exists adopts it instead of duplicating", async () => {
    s = await startScenario();
    s.emulator.setFaults([{ method: "POST", path: "/api/2.0/genie/spaces", kind: "reset-after-commit", times: 1 }]);
    const up = await s.engine.up(await s.declare({ solo: { title: "Solo", warehouseId: "wh1", space: salesSpace(1) } }));
    expect(up.failed).toBe(0);
    expect(s.emulator.spaces.list()).toHaveLength(1);
    expect(s.engine.state()[0].id).toBe(s.emulator.spaces.list()[0].space_id);
  });

  test("a space recorded in another workspace is never re-created silently", async () => {
    s = await startScenario();
    await s.engine.up(await s.declare({ a: { warehouseId: "wh1", space: salesSpace(1) } }));
    const other = await startScenario();
    try {
      // The same state, now run against a stack whose databricks:host points elsewhere.
      const moved = new Engine({ host: other.host, state: s.engine.state() });
      const preview = await moved.preview(await other.declare({ a: { warehouseId: "wh1", space: salesSpace(1) } }));
      expect(preview.steps[0].op).toBe("failed");
      expect(preview.steps[0].error).toMatch(/lives in http:\/\/127\.0\.0\.1:\d+, but this stack is now configured for/);
      expect(other.emulator.spaces.list()).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  test("preview with unknown inputs plans a create and tolerates unknown content", async () => {
    s = await startScenario();
    const resources = await s.declare({ later: { warehouseId: "wh1", space: salesSpace(1) } });
    resources[0].inputs.warehouseId = UNKNOWN;
    resources[0].inputs.space = UNKNOWN;
    const preview = await s.engine.preview(resources);
    expect(preview.steps[0].op).toBe("create");
    expect(preview.failed).toBe(0);
    expect(writes(s.takeRequests())).toEqual([]);
  });

  test("preview of an existing space with unknown content plans an update, not a failure", async () => {
    s = await startScenario();
    await s.engine.up(await s.declare({ a: { warehouseId: "wh1", space: salesSpace(1) } }));
    const resources = await s.declare({ a: { warehouseId: "wh1", space: salesSpace(1) } });
    resources[0].inputs.space = { ...(resources[0].inputs.space as object), instructions: UNKNOWN };
    const preview = await s.engine.preview(resources);
    expect(preview.steps[0].op).toBe("update");
  });

  test("a content update whose answer carries no body keeps the new content in state", async () => {
    s = await startScenario({ emulator: { bodyInWriteAnswers: false } });
    await s.engine.up(await s.declare({ a: { warehouseId: "wh1", space: salesSpace(1) } }));
    const edited = { a: { warehouseId: "wh1", space: salesSpace(1, { instructions: { text_instructions: ["Now in USD."] } }) } };
    const up = await s.engine.up(await s.declare(edited));
    expect(up.steps[0].op).toBe("update");
    expect(s.engine.state()[0].outputs.serializedSpace).toContain("Now in USD.");
    expect((await s.engine.preview(await s.declare(edited))).steps[0].op).toBe("same");
    expect((await s.engine.refresh()).changed).toBe(0);
  });

  test("a 404 that is not the API's own not-found (a proxy's HTML page) fails the refresh and keeps the space", async () => {
    s = await startScenario();
    await s.engine.up(await s.declare({ a: { warehouseId: "wh1", space: salesSpace(1) } }));
    const before = s.engine.state();
    s.emulator.setFaults([{ method: "GET", kind: "html", status: 404 }]);
    const refresh = await s.engine.refresh();
    expect(refresh.steps[0].op).toBe("failed");
    expect(refresh.steps[0].error).toMatch(/HTTP 404 GET/);
    expect(s.engine.state()).toEqual(before);
  });

  test("adopting a space this identity cannot edit fails plainly and records nothing", async () => {
    s = await startScenario();
    const made = s.emulator.spaces.uiCreate({ title: "Theirs", warehouse_id: "wh1", serialized_space: JSON.stringify({ version: 2, data_sources: { tables: [{ identifier: "x.y.old" }] } }) });
    s.emulator.spaces.setPermission(made.space_id, s.emulator.token, "CAN_RUN");
    const up = await s.engine.up(await s.declare({ theirs: { warehouseId: "wh1", space: salesSpace(1), adoptSpaceId: made.space_id } }));
    expect(up.steps[0].op).toBe("failed");
    expect(up.steps[0].error).toMatch(/lacks CAN EDIT/);
    expect(s.engine.state()).toEqual([]);
    expect(s.emulator.spaces.get(made.space_id)!.serialized_space).toContain("x.y.old");
  });
});

describe("provider errors carry the next step the CLI prints", () => {
  let s: Scenario;
  afterEach(async () => {
    await s.close();
  });

  test("a 403 on create for a table the identity cannot read names the table and the grants to get, not a grant on the space", async () => {
    // Table-existence mode: only the listed tables exist for this identity (docs/genie-api.md §5.10).
    s = await startScenario({ emulator: { catalog: ["main.sales.customers"] } });
    const result = await s.engine.up(await s.declare({ north: { title: "Sales North", warehouseId: "wh1", space: salesSpace(1) } }));
    expect(result.failed).toBe(1);
    const error = result.steps[0].error ?? "";
    expect(error).toMatch(/PERMISSION_DENIED.*main\.sales\.orders_1.*HTTP 403/);
    expect(error).toMatch(/\n  fix: the caller needs SELECT .* on every table and metric view the space names/);
    expect(error).not.toMatch(/CAN EDIT/);
    expect(s.engine.state()).toHaveLength(0);
  });

  test("an expired token during refresh says where credentials come from", async () => {
    s = await startScenario();
    await s.engine.up(await s.declare({ a: { warehouseId: "wh1", space: salesSpace(1) } }));
    s.emulator.revokeToken(s.emulator.token);
    const refresh = await s.engine.refresh();
    expect(refresh.steps[0].error).toMatch(/\n  fix: check the Databricks credentials .*pulumi-genie whoami/);
  });

  test("an update refused for lack of CAN EDIT says which grant on the space is missing", async () => {
    s = await startScenario();
    await s.engine.up(await s.declare({ a: { title: "Locked", warehouseId: "wh1", space: salesSpace(1) } }));
    const id = s.engine.state()[0].id;
    s.emulator.spaces.setPermission(id, s.emulator.token, "CAN_RUN");
    const result = await s.engine.up(await s.declare({ a: { title: "Locked", description: "now with a description", warehouseId: "wh1", space: salesSpace(1) } }));
    expect(result.failed).toBe(1);
    expect(result.steps[0].error).toMatch(/\n  fix: the caller needs CAN EDIT on the space/);
  });
});
