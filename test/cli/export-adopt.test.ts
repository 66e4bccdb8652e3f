/**
 * The journeys of issue 5 end to end, through the real provider host (build first:
 * `npx tsc -p tsconfig.json`): export → validate → adopt → a preview with no changes, and
 * templated files deployed to a second workspace with other catalog names.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { closeConnectionPools } from "../../provider/lib/client";
import { startEmulator, type EmulatorHandle } from "../../provider/tools/emulator";
import { runExport } from "../../provider/tools/cli/export";
import { runValidate } from "../../provider/tools/cli/validate";
import { toSerializedSpace } from "../../provider/lib/space";
import { V2_TEXT } from "../fixtures";
import { bufferIo, isolated, removeDir, scratchProject } from "./helpers";
import { stackRun, writesOf } from "./stack-run";

const EXAMPLE = V2_TEXT;
const DEV_EXAMPLE = EXAMPLE.replace(/retail\.gold\./g, "dev_catalog.analytics.");

describe("export, then manage the exported spaces with Pulumi", () => {
  let dev: EmulatorHandle;
  let prod: EmulatorHandle;
  let project: string;
  beforeAll(async () => {
    dev = await startEmulator({ user: "dev@example.com" });
    prod = await startEmulator({ user: "deployer@example.com" });
  });
  afterAll(async () => {
    await dev.close();
    await prod.close();
    await closeConnectionPools();
  });
  beforeEach(() => {
    dev.reset();
    prod.reset();
    project = scratchProject({
      dev: `# dev workspace\nconfig:\n  databricks:host: ${dev.url}\n  genie:spacesDir: spaces\n  genie:variables:\n    warehouse_id: wh-dev\n`,
      prod: `# prod: other catalogs, another workspace\nconfig:\n  databricks:host: ${prod.url}\n  genie:spacesDir: spaces\n  genie:variables:\n    catalog: prod_catalog\n    schema: gold\n    warehouse_id: wh-prod\n`,
    });
  });
  afterEach(() => removeDir(project));

  function uiSpaces() {
    return [
      dev.spaces.uiCreate({ title: "Retail Analytics", description: "Orders and customers", warehouse_id: "wh-dev", parent_path: "/Shared", serialized_space: DEV_EXAMPLE }),
      dev.spaces.uiCreate({
        title: "Inventory",
        warehouse_id: "wh-dev",
        serialized_space: toSerializedSpace({
          config: { sample_questions: ["Which products are low on stock?"] },
          data_sources: { tables: [{ identifier: "dev_catalog.analytics.stock", description: "Stock per product and day." }] },
          instructions: { text_instructions: ["Stock counts are taken at midnight UTC."] },
        } as never),
      }),
    ];
  }

  test("export → validate → first up adopts with zero writes → preview shows no changes", async () => {
    const made = uiSpaces();
    const settings = { ...isolated({ DATABRICKS_TOKEN: dev.token }), projectDir: project };
    expect(await runExport({ ...settings, stack: "dev", pattern: "*", out: "spaces", templatize: { catalog: "dev_catalog", schema: "analytics" } }, bufferIo())).toBe(0);

    const validation = bufferIo();
    expect(await runValidate({ target: "spaces", stack: "dev", projectDir: project }, validation)).toBe(0);
    expect(validation.out()).toContain("2 space(s) valid");

    const run = await stackRun(project, "dev", dev);
    try {
      dev.clearRequests();
      const up = await run.up();
      expect(up.failed).toBe(0);
      expect(up.steps.map((s) => s.op)).toEqual(["create", "create"]);
      expect(writesOf(dev)).toEqual([]);
      expect(run.engine.state().map((e) => e.id).sort()).toEqual(made.map((m) => m.space_id).sort());
      expect(dev.spaces.list()).toHaveLength(2);

      const preview = await run.preview();
      expect(preview.steps.map((s) => s.op)).toEqual(["same", "same"]);
    } finally {
      await run.close();
    }
  });

  test("templated files deploy to a second workspace with that stack's catalog names", async () => {
    uiSpaces();
    const settings = { ...isolated({ DATABRICKS_TOKEN: dev.token }), projectDir: project };
    await runExport({ ...settings, stack: "dev", pattern: "*", out: "spaces", templatize: { catalog: "dev_catalog", schema: "analytics", warehouse_id: "wh-dev" } }, bufferIo());
    expect(await runValidate({ target: "spaces", stack: "prod", projectDir: project }, bufferIo())).toBe(0);

    const run = await stackRun(project, "prod", prod);
    try {
      const up = await run.up();
      expect(up.failed).toBe(0);
      expect(up.steps.map((s) => s.op)).toEqual(["create", "create"]);
      const spaces = prod.spaces.list();
      expect(spaces.map((s) => s.title).sort()).toEqual(["Inventory", "Retail Analytics"]);
      for (const s of spaces) {
        expect(s.warehouse_id).toBe("wh-prod");
        expect(s.serialized_space).toContain("prod_catalog.gold.");
        expect(s.serialized_space).not.toContain("dev_catalog");
      }
      // The dev adoption records name dev's ids; prod has none, so nothing is adopted there.
      prod.clearRequests();
      const again = await run.up();
      expect(again.steps.map((s) => s.op)).toEqual(["same", "same"]);
      expect(writesOf(prod)).toEqual([]);
    } finally {
      await run.close();
    }
  });
});
