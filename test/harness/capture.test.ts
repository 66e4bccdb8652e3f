import * as pulumi from "@pulumi/pulumi";
import { Engine, UNKNOWN, captureProgram } from "../../provider/tools/harness";
import { FileResource, readLog, tempDir, useSharedHost } from "./file-resource";

const sharedHost = useSharedHost();

const newDir = () => tempDir("harness-capture-");

class Bundle extends pulumi.ComponentResource {
  constructor(name: string, dir: string) {
    super("harness:index:Bundle", name);
    new FileResource(`${name}-inner`, { dir, value: "inner" }, { parent: this });
    this.registerOutputs({});
  }
}

test("captured resources carry the closure serializer's real __provider text", async () => {
  const dir = newDir();
  const { resources } = await captureProgram(() => {
    new FileResource("a", { dir, value: "1" });
  });

  expect(resources).toHaveLength(1);
  const provider = resources[0].inputs.__provider;
  expect(typeof provider).toBe("string");
  expect(provider as string).toMatch(/^exports\.handler = /);
  expect(provider as string).toContain('require("fs")');
  expect(resources[0]).toMatchObject({
    urn: "urn:pulumi:stack::project::pulumi-nodejs:dynamic/harness:FileResource::a",
    type: "pulumi-nodejs:dynamic/harness:FileResource",
    name: "a",
    inputs: { dir, name: "a", value: "1" },
    options: {},
  });
});

test("resource options the engine acts on are captured", async () => {
  const dir = newDir();
  const { resources } = await captureProgram(() => {
    new FileResource("p", { dir, value: "1" }, { protect: true, retainOnDelete: true });
    new FileResource("r", { dir, value: "1" }, { deleteBeforeReplace: true, ignoreChanges: ["value"] });
    new FileResource("plain", { dir, value: "1" });
  });

  expect(Object.fromEntries(resources.map((r) => [r.name, r.options]))).toEqual({
    p: { protect: true, retainOnDelete: true },
    r: { deleteBeforeReplace: true, ignoreChanges: ["value"] },
    plain: {},
  });
});

test("secret inputs arrive unwrapped, as the host would receive them", async () => {
  const { resources } = await captureProgram(() => {
    new FileResource("s", { dir: newDir(), value: "1", secretNote: pulumi.secret("psst") });
  });

  expect(resources[0].inputs.secretNote).toBe("psst");
});

test("the program sees stack config, project and stack, and its return value is resolved", async () => {
  const dir = newDir();
  const { resources, outputs } = await captureProgram(
    () => {
      const config = new pulumi.Config("harness");
      const thing = new FileResource("cfg", { dir, value: config.require("greeting") });
      return { greeting: pulumi.output(config.require("greeting")).apply((g) => g.toUpperCase()), stack: pulumi.getStack(), thing: { id: thing.id } };
    },
    { project: "proj", stack: "dev", config: { "harness:greeting": "hi" } },
  );

  expect(resources[0].urn).toBe("urn:pulumi:dev::proj::pulumi-nodejs:dynamic/harness:FileResource::cfg");
  expect(resources[0].inputs.value).toBe("hi");
  expect(outputs).toEqual({ greeting: "HI", stack: "dev", thing: { id: "cfg-id" } });
});

test("only dynamic resources are captured, including children of components", async () => {
  const dir = newDir();
  const { resources } = await captureProgram(() => {
    new Bundle("bundle", dir);
  });

  expect(resources.map((r) => r.name)).toEqual(["bundle-inner"]);
  expect(resources[0].urn).toBe("urn:pulumi:stack::project::harness:index:Bundle$pulumi-nodejs:dynamic/harness:FileResource::bundle-inner");
});

test("in preview, inputs that depend on unknown outputs arrive as UNKNOWN and preview tolerates them", async () => {
  const dir = newDir();
  const { resources, outputs } = await captureProgram(
    () => {
      const a = new FileResource("a", { dir, value: "1" });
      const b = new FileResource("b", { dir, value: a.id });
      return { b: b.id };
    },
    { preview: true },
  );

  const b = resources.find((r) => r.name === "b")!;
  expect(b.inputs.value).toBe(UNKNOWN);
  expect(b.dependencies).toEqual([resources.find((r) => r.name === "a")!.urn]);
  expect(outputs.b).toBe(UNKNOWN);

  const result = await new Engine({ host: sharedHost() }).preview(resources);
  expect(result.steps.map((s) => s.op)).toEqual(["create", "create"]);
  expect(readLog(dir)).toEqual([]);
});

test("a resource waits for the resources it depends on before its own steps run", async () => {
  const dir = newDir();
  const { resources } = await captureProgram(() => {
    const first = new FileResource("first", { dir, value: "1", delayMs: 150 });
    new FileResource("second", { dir, value: "2" }, { dependsOn: [first] });
  });

  await new Engine({ host: sharedHost() }).up(resources);

  const creates = readLog(dir).filter((l) => l.op === "create");
  expect(creates.map((l) => [l.name, l.inflight])).toEqual([
    ["first", 1],
    ["second", 1],
  ]);
});

test("a failing program rejects the capture", async () => {
  await expect(
    captureProgram(() => {
      throw new Error("program bug");
    }),
  ).rejects.toThrow("program bug");
});
