/** `clone`: a copy with new ids, into a space file or a workspace (the same one or another). */
import * as fs from "node:fs";
import * as path from "node:path";
import { closeConnectionPools } from "../../provider/lib/client";
import { startEmulator, type EmulatorHandle } from "../../provider/tools/emulator";
import { runClone } from "../../provider/tools/cli/clone";
import { fromSerializedSpace, loadSpaceFiles, toSerializedSpace, type SpaceDefinition } from "../../provider/lib/space";
import { bufferIo, isolated, removeDir, scratchDir } from "../cli/helpers";

const ROOT = path.resolve(__dirname, "../..");

function ids(def: SpaceDefinition): string[] {
  return [...JSON.stringify(def).matchAll(/"id":"([0-9a-f]{32})"/g)].map((m) => m[1]).sort();
}

describe("clone", () => {
  let source: EmulatorHandle;
  let other: EmulatorHandle;
  let dir: string;
  let home: string;
  let sourceId: string;
  beforeAll(async () => {
    source = await startEmulator();
    other = await startEmulator();
  });
  afterAll(async () => {
    await source.close();
    await other.close();
    await closeConnectionPools();
  });
  beforeEach(async () => {
    source.reset();
    other.reset();
    dir = scratchDir();
    home = scratchDir("pulumi-genie-home-");
    fs.writeFileSync(path.join(home, ".databrickscfg"), `[prod]\nhost = ${other.url}\ntoken = ${other.token}\n`);
    const [sales] = await loadSpaceFiles(path.join(ROOT, "examples/spaces/sales.yaml"), {
      variables: { catalog: "dev_catalog", schema: "analytics", warehouse_id: "wh-dev", folder: "/Shared" },
      env: "dev",
    });
    sourceId = source.spaces.uiCreate({ title: "Sales (dev)", warehouse_id: "wh-dev", parent_path: "/Shared", serialized_space: toSerializedSpace(sales.definition) }).space_id;
  });
  afterEach(() => {
    removeDir(dir);
    removeDir(home);
  });

  const settings = () => ({ ...isolated({ DATABRICKS_HOST: source.url, DATABRICKS_TOKEN: source.token }, home), projectDir: dir });
  const sourceDef = () => fromSerializedSpace(source.spaces.get(sourceId)!.serialized_space);

  test("--to-file: a space file with the new title, new ids, the same content; templatized catalog", async () => {
    const io = bufferIo();
    const code = await runClone({ ...settings(), source: sourceId, name: "Sales copy", toFile: "spaces/sales_copy.yaml", templatize: { catalog: "dev_catalog" } }, io);
    expect(io.err()).toBe("");
    expect(code).toBe(0);
    const file = path.join(dir, "spaces/sales_copy.yaml");
    expect(fs.readFileSync(file, "utf8")).toContain("${catalog}.analytics.orders");
    const [copy] = await loadSpaceFiles(file, { variables: { catalog: "dev_catalog" } });
    expect(copy.name).toBe("sales_copy");
    expect(copy.title).toBe("Sales copy");
    const original = sourceDef();
    const newIds = ids(copy.definition);
    expect(newIds).toHaveLength(ids(original).length);
    expect(newIds.filter((id) => ids(original).includes(id))).toEqual([]);
    // Apart from the ids, the same space.
    const strip = (d: SpaceDefinition) => JSON.parse(JSON.stringify(d).replace(/"id":"[0-9a-f]{32}"/g, '"id":"x"'));
    const sortDeep = (d: SpaceDefinition) => JSON.stringify(strip(d), (_k, v) => (Array.isArray(v) ? [...v].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : v));
    expect(sortDeep(copy.definition)).toBe(sortDeep(original));
    expect(io.out()).toContain("Wrote spaces/sales_copy.yaml");
  });

  test("--to-workspace in the same workspace: by title, a second space with new ids and the same folder", async () => {
    const io = bufferIo();
    expect(await runClone({ ...settings(), source: "Sales (dev)", name: "Sales sandbox", toWorkspace: true }, io)).toBe(0);
    const copy = source.spaces.list().find((s) => s.title === "Sales sandbox")!;
    expect(copy.space_id).not.toBe(sourceId);
    expect(copy.parent_path).toBe("/Shared");
    expect(copy.warehouse_id).toBe("wh-dev");
    const copied = fromSerializedSpace(copy.serialized_space);
    expect(ids(copied).filter((id) => ids(sourceDef()).includes(id))).toEqual([]);
    expect(io.out()).toContain(`Created Genie space "Sales sandbox" (${copy.space_id})`);
  });

  test("--to-workspace --target-profile: into another workspace with its warehouse and remapped catalog", async () => {
    const io = bufferIo();
    const code = await runClone({
      ...settings(), source: sourceId, name: "Sales (prod)", toWorkspace: true, targetProfile: "prod", warehouseId: "wh-prod",
      templatize: { catalog: "dev_catalog" }, vars: { catalog: "prod_catalog" },
    }, io);
    expect(io.err()).toBe("");
    expect(code).toBe(0);
    expect(source.spaces.list()).toHaveLength(1);
    const [copy] = other.spaces.list();
    expect(copy.title).toBe("Sales (prod)");
    expect(copy.warehouse_id).toBe("wh-prod");
    expect(copy.serialized_space).toContain("prod_catalog.analytics.orders");
    expect(copy.serialized_space).not.toContain("dev_catalog");
    expect(io.out()).toContain(other.url);
  });

  test("an unknown source: a clear error and nothing written", async () => {
    const io = bufferIo();
    expect(await runClone({ ...settings(), source: "0123456789abcdef0123456789abcdef", name: "X", toFile: "x.yaml" }, io)).toBe(1);
    expect(io.err()).toMatch(/no Genie space with id 0123456789abcdef0123456789abcdef[\s\S]*fix: /);
    expect(fs.existsSync(path.join(dir, "x.yaml"))).toBe(false);
  });

  test("an existing target file: refused, the file untouched, nothing read", async () => {
    fs.writeFileSync(path.join(dir, "x.yaml"), "mine\n");
    source.clearRequests();
    const io = bufferIo();
    expect(await runClone({ ...settings(), source: sourceId, name: "X", toFile: "x.yaml" }, io)).toBe(2);
    expect(io.err()).toMatch(/x\.yaml already exists/);
    expect(fs.readFileSync(path.join(dir, "x.yaml"), "utf8")).toBe("mine\n");
    expect(source.requests()).toEqual([]);
  });

  test("another workspace without --warehouse-id: refused before any request, no space made", async () => {
    const io = bufferIo();
    expect(await runClone({ ...settings(), source: sourceId, name: "X", toWorkspace: true, targetProfile: "prod" }, io)).toBe(2);
    expect(io.err()).toMatch(/needs --warehouse-id/);
    expect(other.spaces.list()).toEqual([]);
  });

  test("usage: neither or both targets → exit 2", async () => {
    for (const extra of [{}, { toFile: "a.yaml", toWorkspace: true }]) {
      const io = bufferIo();
      expect(await runClone({ ...settings(), source: sourceId, name: "X", ...extra }, io)).toBe(2);
      expect(io.err()).toMatch(/exactly one of --to-file PATH .* or --to-workspace/);
    }
    expect(source.spaces.list()).toHaveLength(1);
  });
});
