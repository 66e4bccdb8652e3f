/** Adoption instead of import: `adoptSpaceId` takes over a space made in the UI. */
import { toSerializedSpace } from "pulumi-genie";
import { salesSpace, startScenario, writes, type Scenario } from "./scenario";

describe("adopting a space made in the UI", () => {
  let s: Scenario;
  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.close();
  });

  function uiSpace(title = "Made in the UI") {
    return s.emulator.spaces.uiCreate({
      title,
      warehouse_id: "wh1",
      // The UI stores its own (pretty, v1-shaped) text; semantically it is salesSpace(7).
      serialized_space: JSON.stringify(JSON.parse(toSerializedSpace(salesSpace(7) as never)), null, 2),
    });
  }

  test("a space that already matches is adopted without any write, and the next preview shows no changes", async () => {
    const made = uiSpace();
    s.takeRequests();
    const declared = { ui: { title: "Made in the UI", warehouseId: "wh1", space: salesSpace(7), adoptSpaceId: made.space_id } };
    const up = await s.engine.up(await s.declare(declared));
    expect(up.steps[0].op).toBe("create");
    expect(up.failed).toBe(0);
    expect(writes(s.takeRequests())).toEqual([]);
    expect(s.engine.state()[0].id).toBe(made.space_id);
    const preview = await s.engine.preview(await s.declare(declared));
    expect(preview.steps[0].op).toBe("same");
    expect(s.emulator.spaces.list()).toHaveLength(1);
  });

  test("a space that differs is brought to the declared state with one PATCH, never a POST", async () => {
    const made = uiSpace("Old title");
    s.takeRequests();
    const up = await s.engine.up(
      await s.declare({ ui: { title: "New title", warehouseId: "wh2", space: salesSpace(8), adoptSpaceId: made.space_id } }),
    );
    expect(up.failed).toBe(0);
    expect(writes(s.takeRequests())).toEqual([`PATCH /api/2.0/genie/spaces/${made.space_id}`]);
    const remote = s.emulator.spaces.get(made.space_id)!;
    expect(remote.title).toBe("New title");
    expect(remote.warehouse_id).toBe("wh2");
    expect(remote.serialized_space).toContain("main.sales.orders_8");
  });

  test("adopting an id that does not exist fails with what to check and creates nothing", async () => {
    const up = await s.engine.up(
      await s.declare({ ui: { warehouseId: "wh1", space: salesSpace(1), adoptSpaceId: "0123456789abcdef0123456789abcdef" } }),
    );
    expect(up.steps[0].op).toBe("failed");
    expect(up.steps[0].error).toMatch(/cannot adopt Genie space 0123456789abcdef0123456789abcdef .*does not exist/);
    expect(s.emulator.spaces.list()).toHaveLength(0);
    expect(s.engine.state()).toEqual([]);
  });

  test("a malformed adoptSpaceId is rejected at check", async () => {
    const up = await s.engine.up(await s.declare({ ui: { warehouseId: "wh1", space: salesSpace(1), adoptSpaceId: "not-an-id" } }));
    expect(up.steps[0].op).toBe("check-failed");
    expect(up.steps[0].failures?.[0].property).toBe("adoptSpaceId");
  });

  test("a space stored as v1 (the server migrates it to v2) adopts with its v1 export and shows no drift", async () => {
    // An export from an older tool: version 1, v1 toggle names, compact, unsorted questions.
    const v1 = {
      version: 1,
      config: {
        sample_questions: [
          { id: "f0000000000000000000000000000002", question: ["Second?"] },
          { id: "a0000000000000000000000000000001", question: ["First?"] },
        ],
      },
      data_sources: {
        tables: [
          {
            identifier: "main.sales.customers",
            column_configs: [{ column_name: "segment", get_example_values: true, build_value_dictionary: true }],
          },
        ],
      },
    };
    const made = s.emulator.spaces.uiCreate({ title: "Legacy", warehouse_id: "wh1", serialized_space: JSON.stringify(v1) });
    expect(JSON.parse(made.serialized_space).version).toBe(2); // the server's rewrite
    s.takeRequests();
    const declared = { legacy: { title: "Legacy", warehouseId: "wh1", serializedSpace: JSON.stringify(v1), adoptSpaceId: made.space_id } };
    const up = await s.engine.up(await s.declare(declared));
    expect(up.failed).toBe(0);
    expect(writes(s.takeRequests())).toEqual([]);
    expect((await s.engine.refresh()).changed).toBe(0);
    s.emulator.spaces.migrate(made.space_id);
    expect((await s.engine.refresh()).changed).toBe(0);
    const preview = await s.engine.preview(await s.declare(declared));
    expect(preview.steps[0].op).toBe("same");
  });
});
