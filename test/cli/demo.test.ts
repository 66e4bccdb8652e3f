/**
 * The main job (`npm run demo`): the dev stack's walk through the engine harness against the
 * emulator. Runs the built program (dist/stacks/program.js), as the README's command does.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import { runDemo } from "../../provider/tools/cli/demo";
import { initProject } from "../../provider/tools/cli/init";
import { linkNodeModules } from "../cli-newcomer/project";

const ROOT = path.resolve(__dirname, "../..");

describe("the main job", () => {
  test("walks up → edit → preview → UI edit + refresh → up → destroy and reports every step", async () => {
    const lines: string[] = [];
    const ok = await runDemo({ projectDir: ROOT, stack: "dev", engine: "harness" }, (l) => lines.push(l));
    const out = lines.join("\n");
    expect(ok).toBe(true);
    expect(out).toMatch(/Engine: the engine harness — the pulumi CLI is not installed here/);
    expect(out).toMatch(/\+ {2}genie:GenieSpace {2}sales +create/);
    expect(out).toMatch(/~ {2}genie:GenieSpace {2}support +update/);
    expect(out).toMatch(/support\.serializedSpace\.config\.sample_questions.*What changed since yesterday\?/);
    expect(out).toMatch(/sales\.title: "Sales analytics \(dev\)" => "Sales analytics \(dev\) \(renamed in the Genie UI\)"/);
    expect(out).toMatch(/refresh --preview-only --expect-no-changes[\s\S]*Resources: 2 refresh-same/);
    expect(out).toMatch(/Spaces left in the workspace: 0\./);
    expect(out).toMatch(/Main job finished: every step succeeded\./);
  });

  test("leaves the repository's files untouched (it edits a scratch copy)", async () => {
    const file = path.join(ROOT, "examples/spaces/support.yaml");
    const before = fs.readFileSync(file, "utf8");
    await runDemo({ projectDir: ROOT, stack: "dev", engine: "harness" }, () => undefined);
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });

  test("runs in a project scaffolded by init: its own program, stacks and space files", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "genie-init-demo-"));
    try {
      initProject({ dir, warehouseId: "1234567890abcdef" });
      linkNodeModules(dir);
      const lines: string[] = [];
      const ok = await runDemo({ projectDir: dir, stack: "dev", engine: "harness" }, (l) => lines.push(l));
      const out = lines.join("\n");
      expect(out).toMatch(/\+ {2}genie:GenieSpace {2}\S+ +create/);
      expect(out).toMatch(/serializedSpace\.config\.sample_questions.*What changed since yesterday\?/);
      expect(ok).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a project whose spaces folder is a link: the walk edits its scratch copy, never the linked files", async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), "genie-linked-demo-"));
    try {
      const dir = path.join(parent, "project");
      initProject({ dir, warehouseId: "1234567890abcdef" });
      linkNodeModules(dir);
      // The space files live outside the project, linked in (a shared checkout, say).
      fs.renameSync(path.join(dir, "spaces"), path.join(parent, "shared-spaces"));
      fs.symlinkSync(path.join(parent, "shared-spaces"), path.join(dir, "spaces"), "dir");
      const before = fs.readFileSync(path.join(parent, "shared-spaces", "sales.yaml"), "utf8");
      const lines: string[] = [];
      const ok = await runDemo({ projectDir: dir, stack: "dev", engine: "harness" }, (l) => lines.push(l));
      expect(lines.join("\n")).toMatch(/# edit spaces\/sales\.yaml: one more sample question/);
      expect(ok).toBe(true);
      expect(fs.readFileSync(path.join(parent, "shared-spaces", "sales.yaml"), "utf8")).toBe(before);
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });
});
