/**
 * Warnings of space files reach the Pulumi user: deploySpaces and GenieSpace `file:` write them
 * with pulumi.log.warn, which reaches the engine's log (what `pulumi up` prints under Diagnostics).
 */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deploySpaces, GenieSpace } from "../../provider";
import { captureProgram } from "../../provider/tools/harness";
import { forgeEntityMatchingSpace } from "../fixtures";

const FORGE = forgeEntityMatchingSpace();

const MESSAGE = "entity matching requires format assistance, so enable_format_assistance: true is added to this column (as genie-forge does); write it to silence this warning";

let dir: string;
let outside: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "space-program-"));
  outside = await fs.mkdtemp(path.join(os.tmpdir(), "space-outside-"));
  await fs.mkdir(path.join(dir, "spaces"));
  await fs.writeFile(path.join(dir, "spaces", "forge.yaml"), FORGE);
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rm(outside, { recursive: true, force: true });
});

test("deploySpaces logs each warning with file:line, and each link it did not follow", async () => {
  await fs.writeFile(path.join(outside, "secret.yaml"), "name: leaked\ntitle: T\nwarehouse_id: wh\n");
  await fs.symlink(path.join(outside, "secret.yaml"), path.join(dir, "spaces", "linked.yaml"));
  const file = path.join(dir, "spaces", "forge.yaml");
  const { resources, diagnostics } = await captureProgram(() => deploySpaces({ spacesDir: path.join(dir, "spaces") }), { project: "genie", stack: "dev" });
  expect(resources.map((r) => r.name)).toEqual(["forge"]);
  expect(diagnostics.map((d) => `${d.severity}: ${d.message}`)).toEqual([
    `warning: ${path.join(dir, "spaces", "linked.yaml")}: skipped: a symbolic link to ${await fs.realpath(path.join(outside, "secret.yaml"))}, outside ${path.join(dir, "spaces")}; links are never followed, so nothing outside the folder is read: copy the file into the folder if it belongs here`,
    `warning: ${file}:10:37 spaces[0].data_sources.tables[0].column_configs[0].enable_entity_matching: ${MESSAGE}`,
  ]);
});

test("GenieSpace file: logs the warnings of the space it takes, naming the resource", async () => {
  const file = path.join(dir, "spaces", "forge.yaml");
  const { resources, diagnostics } = await captureProgram(() => { new GenieSpace("mine", { file }); }, { project: "genie", stack: "dev" });
  expect(resources.map((r) => r.name)).toEqual(["mine"]);
  expect(diagnostics.map((d) => `${d.severity}: ${d.message}`)).toEqual([`warning: GenieSpace "mine": ${file}:10:37 spaces[0].data_sources.tables[0].column_configs[0].enable_entity_matching: ${MESSAGE}`]);
});
