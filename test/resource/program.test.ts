/**
 * The stack program under `setMocks`: stack config → resources. (This proves the program and the
 * stack files, not the provider; provider behavior is proven through the host in the other files.)
 */
import * as path from "node:path";
import { engineConfig, readStackFile } from "../../provider/tools/cli/stack-config";
import { captureProgram } from "../../provider/tools/harness";
import { PROJECT_ROOT } from "./scenario";

/** Stack file config as the engine hands it to a program: objects as JSON text. */
function stackConfig(stack: string): Record<string, string> {
  const { config } = readStackFile(stack, PROJECT_ROOT);
  return engineConfig(config);
}

async function runProgram(stack: string) {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const program = require(path.join(PROJECT_ROOT, "stacks/program.ts"));
  return captureProgram(program, { project: "genie", stack, config: stackConfig(stack) });
}

describe("the stack program", () => {
  test.each(["dev", "staging", "prod"])("%s: one GenieSpace per space file, with that stack's variables", async (stack) => {
    const { resources, outputs } = await runProgram(stack);
    const vars = JSON.parse(stackConfig(stack)["genie:variables"]);
    expect(resources.map((r) => r.name).sort()).toEqual(["sales", "support"]);
    for (const r of resources) {
      expect(r.type).toBe("pulumi-nodejs:dynamic/genie:GenieSpace");
      expect(r.inputs.warehouseId).toBe(vars.warehouse_id);
      expect(r.inputs.parentPath).toBe(vars.folder);
      expect(r.inputs.title).toContain(`(${stack})`);
      const content = JSON.stringify(r.inputs.space);
      expect(content).toContain(`${vars.catalog}.${vars.schema}.`);
      expect(content).not.toContain("${");
    }
    expect(Object.keys(outputs).sort()).toEqual(["sales", "support"]);
  });

  test("prod protects its spaces and retains them if removed from the program; dev does not", async () => {
    const prod = await runProgram("prod");
    for (const r of prod.resources) expect(r.options).toEqual(expect.objectContaining({ protect: true, retainOnDelete: true }));
    const dev = await runProgram("dev");
    for (const r of dev.resources) expect(r.options.protect ?? false).toBe(false);
  });

  test("the same files promote across stacks with different catalogs and warehouses", async () => {
    const dev = await runProgram("dev");
    const prod = await runProgram("prod");
    const devSales = dev.resources.find((r) => r.name === "sales")!;
    const prodSales = prod.resources.find((r) => r.name === "sales")!;
    expect(JSON.stringify(devSales.inputs.space)).toContain("dev_catalog.analytics.orders");
    expect(JSON.stringify(prodSales.inputs.space)).toContain("prod_catalog.analytics.orders");
    expect(devSales.inputs.warehouseId).not.toBe(prodSales.inputs.warehouseId);
  });
});
