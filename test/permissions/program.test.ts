/**
 * Programs: the per-environment example under `setMocks` (stack config → grants), and a space
 * plus its permissions previewed through the provider host while the space id is still unknown.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { GenieSpace, GenieSpacePermissions } from "pulumi-genie";
import { engineConfig } from "../../provider/tools/cli/stack-config";
import { captureProgram, type DeclaredResource } from "../../provider/tools/harness";
import { loadFresh } from "../harness/tiers";
import { PROJECT_ROOT, startPermissionsScenario } from "./scenario";

const EXAMPLE = path.join(PROJECT_ROOT, "examples/permissions");

/** The stack file's `config:` values for our project, as the engine passes them (objects as JSON). */
function stackConfig(stack: string): Record<string, string> {
  const doc = parse(fs.readFileSync(path.join(EXAMPLE, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  return engineConfig(doc.config);
}

async function runExample(stack: string): Promise<DeclaredResource[]> {
  const cwd = process.cwd();
  process.chdir(EXAMPLE);
  try {
    const { resources } = await captureProgram(
      () => {
        loadFresh(path.join(EXAMPLE, "index.ts"));
      },
      { project: "genie-permissions", stack, config: stackConfig(stack) },
    );
    return resources;
  } finally {
    process.chdir(cwd);
  }
}

describe("per-environment groups from stack config (examples/permissions)", () => {
  test("dev: analysts CAN_EDIT, authoritative", async () => {
    const resources = await runExample("dev");
    const access = resources.find((r) => r.type === "pulumi-nodejs:dynamic/genie:GenieSpacePermissions")!;
    expect(access.inputs.accessControls).toEqual([
      { groupName: "analysts", permissionLevel: "CAN_EDIT" },
      { groupName: "data-engineers", permissionLevel: "CAN_MANAGE" },
      { userName: "alice@example.com", permissionLevel: "CAN_EDIT" },
    ]);
    expect(access.inputs.mode).toBe("authoritative");
    expect(resources.filter((r) => r.type === "pulumi-nodejs:dynamic/genie:GenieSpace").map((r) => r.name)).toEqual(["sales"]);
  });

  test("prod: analysts CAN_RUN, additive", async () => {
    const resources = await runExample("prod");
    const access = resources.find((r) => r.name === "sales-access")!;
    expect(access.inputs.accessControls).toEqual([
      { groupName: "analysts", permissionLevel: "CAN_RUN" },
      { groupName: "data-engineers", permissionLevel: "CAN_EDIT" },
    ]);
    expect(access.inputs.mode).toBe("additive");
  });
});

test("preview of a new space with its permissions: the unknown space id passes check and shows as a create", async () => {
  const s = await startPermissionsScenario();
  try {
    const config = { "databricks:host": s.emulator.url, "databricks:token": s.emulator.token };
    const { resources } = await captureProgram(
      () => {
        const space = new GenieSpace("sales", { warehouseId: "wh1", space: { config: { sample_questions: ["How many orders?"] } } });
        new GenieSpacePermissions("sales-access", { spaceId: space.spaceId, accessControls: [{ groupName: "analysts", permissionLevel: "CAN_RUN" }] });
      },
      { project: "genie", stack: "dev", config, preview: true },
    );
    const access = resources.find((r) => r.name === "sales-access")!;
    expect(access.inputs.spaceId).toBe("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
    const result = await s.engine.preview(resources);
    expect(result.steps.map((x) => [x.name, x.op])).toEqual([
      ["sales", "create"],
      ["sales-access", "create"],
    ]);
    expect(s.emulator.requests().filter((r) => r.method !== "GET")).toEqual([]);
  } finally {
    await s.close();
  }
});
