/**
 * The fast tier: InProcessProvider plays the dynamic-provider host's request handling in this
 * process. The same lifecycle through it and through the real host must give the same steps,
 * state and provider calls — that is what lets scenarios run in-process and keep the host for the
 * contract.
 */
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { DeclaredResource, DynamicProvider, Engine, EngineResult, HostError, InProcessProvider, ProviderHost, StateEntry, captureProgram } from "../../provider/tools/harness";
import { FileResource, FileResourceArgs, readLog, tempDir } from "./file-resource";

type Spec = Omit<FileResourceArgs, "dir"> & { opts?: pulumi.CustomResourceOptions };

async function declare(dir: string, things: Record<string, Spec>): Promise<DeclaredResource[]> {
  const { resources } = await captureProgram(() => {
    for (const [name, { opts, ...args }] of Object.entries(things)) new FileResource(name, { dir, ...args }, opts);
  });
  return resources;
}

const CONFIG = { "harness:greeting": "hi" };

/** A lifecycle touching every rule: create, same, update, replace both ways, init errors, check failures, refresh, removal, destroy. */
async function lifecycle(provider: DynamicProvider): Promise<{ dir: string; results: EngineResult[]; state: StateEntry[][]; calls: string[] }> {
  const dir = tempDir("harness-tiers-");
  const engine = new Engine({ host: provider, parallelism: 1 });
  const results: EngineResult[] = [];
  const state: StateEntry[][] = [];
  const step = async (result: Promise<EngineResult>) => {
    results.push(await result);
    state.push(engine.state());
  };
  await step(engine.up(await declare(dir, { a: { value: "1" }, b: { value: "2", group: "g" }, c: { value: "3", failCreate: "withId" } })));
  await step(engine.preview(await declare(dir, { a: { value: "1b" }, b: { value: "2", group: "h" }, c: { value: "3" } })));
  await step(engine.up(await declare(dir, { a: { value: "1b" }, b: { value: "2", group: "h", replaceDeletesFirst: true }, c: { value: "3" } })));
  await step(engine.up(await declare(dir, { a: { value: "bad" }, b: { value: "2", group: "h" }, c: { value: "3b", failUpdate: true } })));
  const a = engine.state().find((e) => e.name === "a")!;
  fs.writeFileSync(a.outputs.path as string, JSON.stringify({ value: "edited", group: null }));
  await step(engine.refresh({ previewOnly: true }));
  await step(engine.refresh());
  await step(engine.up(await declare(dir, { a: { value: "1b" } })));
  await step(engine.destroy());
  // Ids and paths differ per run; the provider's call sequence and the shapes must not.
  const calls = readLog(dir).map((l) => `${l.op}${l.name ? ` ${l.name}` : ""}`);
  return { dir, results, state, calls };
}

function normalized(value: unknown, dir: string): unknown {
  return JSON.parse(
    JSON.stringify(value)
      .split(dir)
      .join("<dir>")
      .replace(/"(a|b|c)-[a-z0-9]{8,}"/g, '"$1-<id>"')
      .replace(/(a|b|c)-[a-z0-9]{8,}/g, "$1-<id>")
      .replace(/"__provider":"(?:[^"\\]|\\.)*"/g, '"__provider":"<text>"'),
  );
}

test("a lifecycle through the in-process provider matches the real host step for step", async () => {
  const host = await ProviderHost.start({ config: CONFIG });
  const inProcess = await InProcessProvider.start({ config: CONFIG });
  try {
    const viaHost = await lifecycle(host);
    const viaProcess = await lifecycle(inProcess);

    expect(normalized(viaProcess.results, viaProcess.dir)).toEqual(normalized(viaHost.results, viaHost.dir));
    expect(normalized(viaProcess.state, viaProcess.dir)).toEqual(normalized(viaHost.state, viaHost.dir));
    expect(viaProcess.calls).toEqual(viaHost.calls);
    expect(inProcess.stderr.some((l) => l.startsWith("fileResource: deleting"))).toBe(true);
  } finally {
    await host.close();
    await inProcess.close();
  }
});

test("errors keep their shape: an init failure carries id, properties and reasons; a plain one none", async () => {
  const provider = await InProcessProvider.start({});
  const dir = tempDir("harness-tiers-");
  const [broken, rejected] = await declare(dir, { broken: { value: "x", failCreate: "withId" }, rejected: { value: "y", failCreate: "plain" } });

  const initFailure = (await provider.create(broken.urn, broken.inputs).catch((e: unknown) => e)) as HostError;
  const plain = (await provider.create(rejected.urn, rejected.inputs).catch((e: unknown) => e)) as HostError;

  expect(initFailure).toBeInstanceOf(HostError);
  expect(initFailure).toMatchObject({ method: "create", message: "broken created but tagging failed", code: 2, reasons: ["tagging failed"] });
  expect(initFailure.id).toMatch(/^broken-/);
  expect(plain).toMatchObject({ method: "create", message: "create of rejected rejected: quota exceeded", id: undefined, outputs: undefined });
});

test("what cannot travel in a Struct fails as it does over the wire", async () => {
  const provider = await InProcessProvider.start({});
  const leaky: pulumi.dynamic.ResourceProvider = {
    async create() {
      return { id: "x", outs: { missing: undefined } };
    },
  };
  class Leaky extends pulumi.dynamic.Resource {
    constructor(name: string) {
      super(leaky, name, {}, {});
    }
  }
  const { resources } = await captureProgram(() => void new Leaky("leaky"));

  const error = await provider.create(resources[0].urn, resources[0].inputs).catch((e: unknown) => e);

  // The host builds its answer with Struct.fromJavaScript, which rejects `undefined`.
  expect(error).toBeInstanceOf(HostError);
  expect((error as HostError).message).toMatch(/Unexpected struct type/);
});

test("modules named in `modules` replace what the provider text requires", async () => {
  const calls: string[] = [];
  const fakeFs = { appendFileSync: (_file: string, line: string) => calls.push(line.trim()) };
  const provider = await InProcessProvider.start({ modules: { fs: { ...fs, appendFileSync: fakeFs.appendFileSync } } });
  const dir = tempDir("harness-tiers-");
  const [thing] = await declare(dir, { a: { value: "1" } });

  await provider.read("a-1", thing.urn, { ...thing.inputs, failRead: false }, thing.inputs);

  expect(calls).toEqual([JSON.stringify({ op: "read", id: "a-1" })]);
  expect(readLog(dir)).toEqual([]);
});
