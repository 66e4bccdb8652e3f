/**
 * Every example program runs under `setMocks` and declares the spaces it promises, with its
 * stack's variables (the examples also type-check as part of `npm test`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { captureProgram, type DeclaredResource } from "../../provider/tools/harness";
import { loadFresh } from "../harness/tiers";
import { PROJECT_ROOT } from "./scenario";

async function runExample(dir: string, stack: string, config: Record<string, string>): Promise<DeclaredResource[]> {
  const exampleDir = path.join(PROJECT_ROOT, "examples", dir);
  const cwd = process.cwd();
  process.chdir(exampleDir); // Pulumi runs a program from its project directory
  try {
    const { resources } = await captureProgram(
      () => {
        const exported = loadFresh(path.join(exampleDir, "index.ts"));
        return typeof exported === "function" ? (exported as () => unknown)() : exported;
      },
      { project: parse(fs.readFileSync(path.join(exampleDir, "Pulumi.yaml"), "utf8")).name as string, stack, config },
    );
    return resources;
  } finally {
    process.chdir(cwd);
  }
}

const vars = (catalog: string) =>
  JSON.stringify({ catalog, schema: "analytics", warehouse_id: "wh-" + catalog, folder: `/Shared/genie/${catalog}` });

describe("examples", () => {
  test("typed-space declares one space with the typed content", async () => {
    const [r, ...rest] = await runExample("typed-space", "dev", { "genie-typed-space:warehouseId": "wh1", "genie-typed-space:catalog": "dev" });
    expect(rest).toHaveLength(0);
    expect(r.name).toBe("sales");
    expect(JSON.stringify(r.inputs.space)).toContain("dev.sales.orders");
  });

  test("yaml-folder declares one space per file with the stack's variables", async () => {
    const resources = await runExample("yaml-folder", "staging", { "genie-yaml-folder:variables": vars("staging_catalog") });
    expect(resources.map((r) => r.name).sort()).toEqual(["sales", "support"]);
    expect(JSON.stringify(resources[0].inputs.space)).toContain("staging_catalog.analytics.");
  });

  test("adopt-ui-space adopts the configured id with the exported file's content", async () => {
    const id = "01f0a7a327cd11978f2951f81a61bfdd";
    const [r] = await runExample("adopt-ui-space", "dev", { "genie-adopt:financeSpaceId": id, "genie-adopt:catalog": "fin" });
    expect(r.inputs.adoptSpaceId).toBe(id);
    expect(r.inputs.title).toBe("Finance Q&A");
    expect(JSON.stringify(r.inputs.space)).toContain("fin.finance.expenses");
  });

  test("production protects and retains its space on the prod stack only", async () => {
    const [prod] = await runExample("production", "prod", { "genie-production:warehouseId": "wh1" });
    expect(prod.options).toEqual(expect.objectContaining({ protect: true, retainOnDelete: true }));
    const [dev] = await runExample("production", "dev", { "genie-production:warehouseId": "wh1" });
    expect(dev.options.protect ?? false).toBe(false);
  });

  test("promotion deploys the same files with each stack's catalog", async () => {
    const dev = await runExample("promotion", "dev", { "genie-promotion:variables": vars("dev_catalog") });
    const prod = await runExample("promotion", "prod", { "genie-promotion:variables": vars("prod_catalog") });
    expect(JSON.stringify(dev.map((r) => r.inputs.space))).toContain("dev_catalog.analytics.orders");
    expect(JSON.stringify(prod.map((r) => r.inputs.space))).toContain("prod_catalog.analytics.orders");
    expect(prod.every((r) => r.options.protect)).toBe(true);
  });
});
