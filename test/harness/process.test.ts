/**
 * The provider host as a process: killed mid-`up` (a cancelled CI job, an out-of-memory kill)
 * and orphaned (the harness process dies without close()).
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { DeclaredResource, Engine, HostError, ProviderHost, captureProgram } from "../../provider/tools/harness";
import { FileResource, readLog, tempDir } from "./file-resource";
import { processAlive, until } from "../fixtures/wait";

const ROOT = path.resolve(__dirname, "../..");

async function slowCreates(dir: string, count: number): Promise<DeclaredResource[]> {
  const { resources } = await captureProgram(() => {
    for (let i = 0; i < count; i++) new FileResource(`slow${i}`, { dir, value: `${i}`, delayMs: 5000 });
  });
  return resources;
}


describe.each(["SIGKILL", "SIGTERM"] as const)("a host killed with %s while creates are in flight", (signal) => {
  test("every in-flight create fails as a create naming the kill, and state holds none of them", async () => {
    const dir = tempDir("harness-kill-");
    const host = await ProviderHost.start({});
    const engine = new Engine({ host });
    const resources = await slowCreates(dir, 3);

    const up = engine.up(resources);
    await until("3 creates in the log", () => readLog(dir).filter((l) => l.op === "create").length === 3);
    await host.kill(signal);
    const result = await up;

    expect(host.exitStatus?.signal).toBe(signal);
    expect(result.failed).toBe(3);
    for (const step of result.steps) {
      expect(step).toMatchObject({ op: "failed", failedOp: "create" });
      expect(step.error).toContain(`the provider host was killed by ${signal}; create did not complete`);
    }
    // The creates reached the provider, but no answer came back: the engine drops them.
    expect(engine.state()).toEqual([]);
    await host.close();
  });
});

test("calls to a killed host fail at once with a HostError that says so", async () => {
  const host = await ProviderHost.start({});
  await host.kill();

  const started = Date.now();
  const error = await host.check("urn:pulumi:stack::project::pulumi-nodejs:dynamic:Resource::x", {}, {}).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(HostError);
  expect((error as HostError).message).toContain("the provider host was killed by SIGKILL; check did not complete");
  expect(Date.now() - started).toBeLessThan(2000);
});

test("the host process exits when the process that started it is killed without close()", async () => {
  // A parent that starts a host from the built package, prints the host's pid and then waits.
  const script = `
    const { ProviderHost } = require(${JSON.stringify(path.join(ROOT, "dist/provider/tools/harness"))});
    ProviderHost.start({}).then((h) => { console.log(h.pid); setInterval(() => {}, 1000); });
  `;
  const parent = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const childPid = await new Promise<number>((resolve, reject) => {
    parent.stdout!.once("data", (d: Buffer) => resolve(Number(String(d).trim())));
    parent.once("exit", (code) => reject(new Error(`parent exited (${code}) before starting the host`)));
  });
  expect(processAlive(childPid)).toBe(true);

  parent.kill("SIGKILL");

  await until("the host to exit", () => !processAlive(childPid), 5000);
  expect(processAlive(childPid)).toBe(false);
});
