/**
 * End to end with the real `pulumi` CLI (file backend, emulator): preview, up, refresh, destroy
 * of the dev stack. Runs wherever the CLI is installed; elsewhere it reports itself skipped with
 * the reason (the engine harness suites prove the provider there).
 */
import * as path from "node:path";
import { pulumiCliVersion, runDemo } from "../../provider/tools/cli/demo";

const ROOT = path.resolve(__dirname, "../..");
const cli = pulumiCliVersion();
const reason = "skipped: the pulumi CLI is not installed on this machine (https://www.pulumi.com/docs/install/)";

(cli ? describe : describe.skip)(`pulumi CLI end to end${cli ? ` (pulumi ${cli})` : ` — ${reason}`}`, () => {
  test("up → edit → preview → UI edit + refresh → up → refresh --expect-no-changes → destroy", async () => {
    const lines: string[] = [];
    const ok = await runDemo({ projectDir: ROOT, stack: "dev", engine: "cli" }, (l) => lines.push(l));
    const out = lines.join("\n");
    expect(out).toContain(`Engine: the pulumi CLI ${cli}`);
    expect(ok).toBe(true);
    expect(out).toMatch(/Main job finished: every step succeeded\./);
  }, 600_000);
});

