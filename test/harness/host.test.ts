import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DeclaredResource, Engine, HostError, ProviderHost, captureProgram } from "../../provider/tools/harness";
import { FileResource, FileResourceArgs, readLog, tempDir as newTempDir } from "./file-resource";

const CONFIG = { "harness:greeting": "hello from the stack" };

let host: ProviderHost;
beforeAll(async () => {
  host = await ProviderHost.start({ config: CONFIG });
});
afterAll(async () => {
  await host?.close();
});

const tempDir = () => newTempDir("harness-host-");

async function declare(dir: string, things: Record<string, Omit<FileResourceArgs, "dir">>): Promise<DeclaredResource[]> {
  const { resources } = await captureProgram(() => {
    for (const [name, args] of Object.entries(things)) new FileResource(name, { dir, ...args });
  });
  return resources;
}

function manyThings(count: number, delayMs: number): Record<string, Omit<FileResourceArgs, "dir">> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`t${i}`, { value: `${i}`, delayMs }]));
}

/** The most creates the provider saw running at once (each counts the in-flight markers on entry). */
function maxInFlight(dir: string): number {
  return Math.max(...readLog(dir).filter((l) => l.op === "create").map((l) => l.inflight ?? 0));
}

// A provider with neither diff nor update, and output on stdout: the host's defaults apply.
const noteProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: any) {
    const id = `note-${inputs.text}`;
    console.log(`note: created ${id}`);
    console.error(`note: ${id} has no delete, it stays`);
    return { id, outs: { text: inputs.text } };
  },
};

class Note extends pulumi.dynamic.Resource {
  constructor(name: string, text: string) {
    super(noteProvider, name, { text }, {}, "harness", "Note");
  }
}

test("the engine never runs more provider calls at once than its parallelism", async () => {
  const dir = tempDir();
  const engine = new Engine({ host, parallelism: 3 });

  const result = await engine.up(await declare(dir, manyThings(8, 250)));

  expect(result).toMatchObject({ failed: 0, changed: 8 });
  expect(maxInFlight(dir)).toBe(3);
});

test("independent resources really run concurrently up to the default parallelism", async () => {
  const dir = tempDir();
  const engine = new Engine({ host });

  const started = Date.now();
  await engine.up(await declare(dir, manyThings(8, 500)));

  expect(maxInFlight(dir)).toBe(8);
  expect(Date.now() - started).toBeLessThan(8 * 500);
});

test("configure hands the provider the stack config under fully-qualified keys; PULUMI_CONFIG holds only pulumi-nodejs keys", async () => {
  const dir = tempDir();
  const engine = new Engine({ host });

  await engine.up(await declare(dir, { a: { value: "1" } }));

  // fileResource's configure records `req.config.get("harness:greeting")`/`PULUMI_CONFIG["harness:greeting"]`.
  // The engine puts only the provider package's own keys (pulumi-nodejs:*) into PULUMI_CONFIG.
  expect(engine.state()[0].outputs.greeting).toBe("hello from the stack/none");
});

test("configure args and the PULUMI_CONFIG environment are separate channels", async () => {
  const own = await ProviderHost.start({
    config: { "harness:greeting": "via configure" },
    env: { PULUMI_CONFIG: JSON.stringify({ "harness:greeting": "via env" }) },
  });
  try {
    const engine = new Engine({ host: own });
    await engine.up(await declare(tempDir(), { a: { value: "1" } }));
    expect(engine.state()[0].outputs.greeting).toBe("via configure/via env");
  } finally {
    await own.close();
  }
});

test("a create error carrying an id comes back as a HostError with the id, properties and reasons", async () => {
  const dir = tempDir();
  const [broken] = await declare(dir, { broken: { value: "x", failCreate: "withId" } });

  const error = await host.create(broken.urn, broken.inputs).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(HostError);
  const hostError = error as HostError;
  expect(hostError.message).toBe("broken created but tagging failed");
  expect(hostError.id).toMatch(/^broken-/);
  expect(hostError.reasons).toEqual(["tagging failed"]);
  expect(hostError.outputs).toMatchObject({ value: "x", path: path.join(dir, "objects", `${hostError.id}.json`) });
});

test("a plain create error comes back as a HostError without an id", async () => {
  const [rejected] = await declare(tempDir(), { rejected: { value: "x", failCreate: "plain" } });

  const error = (await host.create(rejected.urn, rejected.inputs).catch((e: unknown) => e)) as HostError;

  expect(error).toBeInstanceOf(HostError);
  expect(error.message).toBe("create of rejected rejected: quota exceeded");
  expect(error.id).toBeUndefined();
  expect(error.outputs).toBeUndefined();
});

test("read of an object that is gone returns an empty id", async () => {
  const dir = tempDir();
  const [thing] = await declare(dir, { a: { value: "1" } });
  const created = await host.create(thing.urn, thing.inputs);
  fs.rmSync(path.join(dir, "objects", `${created.id}.json`));

  const read = await host.read(created.id, thing.urn, created.outputs, thing.inputs);

  expect(read.id).toBe("");
});

test("without a provider diff the engine compares inputs, and the host's default update keeps only __provider", async () => {
  const engine = new Engine({ host });
  const declareNote = async (text: string) => (await captureProgram(() => void new Note("n", text))).resources;
  await engine.up(await declareNote("one"));

  const unchanged = await engine.up(await declareNote("one"));
  const changed = await engine.up(await declareNote("two"));

  expect(unchanged.steps[0].op).toBe("same");
  expect(changed.steps[0].op).toBe("update");
  expect(Object.keys(engine.state()[0].outputs)).toEqual(["__provider"]);
});

test("provider output on stdout and stderr is captured line by line", async () => {
  const engine = new Engine({ host });
  await engine.up((await captureProgram(() => void new Note("printer", "loud"))).resources);
  await engine.destroy();

  expect(await host.waitForLine("stdout", "note: created note-loud")).toBe("note: created note-loud");
  expect(await host.waitForLine("stderr", "note: note-loud has no delete")).toBe("note: note-loud has no delete, it stays");
  expect(host.stdout.every((line) => !/^\d+$/.test(line))).toBe(true); // the port line is not provider output
});

// Host quirk (cmd/dynamic-provider/index.js getProvider): the provider is cached BEFORE its
// configure runs, so a configure that throws fails only the first call; later calls get the
// unconfigured provider. A provider must not rely on configure throwing to stop work.
const flakyConfigureProvider: pulumi.dynamic.ResourceProvider = {
  async configure() {
    throw new Error("configure: no credentials found");
  },
  async create() {
    return { id: "made-without-config", outs: {} };
  },
};

class Flaky extends pulumi.dynamic.Resource {
  constructor(name: string) {
    super(flakyConfigureProvider, name, {}, {}, "harness", "Flaky");
  }
}

test("a configure error fails only the first call of that provider in the host process", async () => {
  const { resources } = await captureProgram(() => {
    new Flaky("f1");
    new Flaky("f2");
  });
  const engine = new Engine({ host, parallelism: 1 });

  const result = await engine.up(resources);

  expect(result.steps.map((s) => s.op)).toEqual(["failed", "create"]);
  expect(result.steps[0].error).toContain("configure: no credentials found");
});

test("a host that cannot start reports why", async () => {
  const missing = path.join(tempDir(), "no-such-dir");
  await expect(ProviderHost.start({ cwd: missing })).rejects.toThrow();
});
