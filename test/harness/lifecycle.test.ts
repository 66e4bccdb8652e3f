import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DeclaredResource, Engine, captureProgram } from "../../provider/tools/harness";
import { FileResource, FileResourceArgs, readLog, tempDir, useSharedHost } from "./file-resource";

const sharedHost = useSharedHost();

const newDir = () => tempDir("harness-lifecycle-");

type Spec = Omit<FileResourceArgs, "dir"> & { opts?: pulumi.CustomResourceOptions };

/** Declare FileResources named by the keys of `things`, all in `dir`. */
async function declare(dir: string, things: Record<string, Spec>): Promise<DeclaredResource[]> {
  const { resources } = await captureProgram(() => {
    for (const [name, { opts, ...args }] of Object.entries(things)) new FileResource(name, { dir, ...args }, opts);
  });
  return resources;
}

function objectFiles(dir: string): string[] {
  const objects = path.join(dir, "objects");
  return fs.existsSync(objects) ? fs.readdirSync(objects).sort() : [];
}

function opsByName(result: { steps: { name: string; op: string }[] }): Record<string, string> {
  return Object.fromEntries(result.steps.map((s) => [s.name, s.op]));
}

test("up creates every declared resource and records its id, inputs and outputs", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  const result = await engine.up(await declare(dir, { a: { value: "1" }, b: { value: "2" } }));

  expect(opsByName(result)).toEqual({ a: "create", b: "create" });
  expect(result).toMatchObject({ failed: 0, changed: 2 });
  const state = engine.state();
  expect(state.map((e) => e.name).sort()).toEqual(["a", "b"]);
  for (const e of state) {
    expect(fs.existsSync(path.join(dir, "objects", `${e.id}.json`))).toBe(true);
    expect(e.inputs).toMatchObject({ value: e.name === "a" ? "1" : "2" });
    expect(typeof e.outputs.__provider).toBe("string");
    expect(e.outputs.path).toBe(path.join(dir, "objects", `${e.id}.json`));
  }
});

test("a repeated up with the same program is all same steps and calls no write", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  const resources = await declare(dir, { a: { value: "1" }, b: { value: "2" } });
  await engine.up(resources);
  const callsAfterFirst = readLog(dir).length;
  const before = engine.state();

  const again = await engine.up(await declare(dir, { a: { value: "1" }, b: { value: "2" } }));

  expect(again.steps.map((s) => s.op)).toEqual(["same", "same"]);
  expect(again).toMatchObject({ failed: 0, changed: 0 });
  expect(readLog(dir)).toHaveLength(callsAfterFirst);
  expect(engine.state()).toEqual(before);
});

test("a changed input updates the resource in place and stores the new outputs", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  await engine.up(await declare(dir, { a: { value: "1" }, b: { value: "2" } }));
  const idA = engine.state().find((e) => e.name === "a")!.id;

  const result = await engine.up(await declare(dir, { a: { value: "1b" }, b: { value: "2" } }));

  expect(opsByName(result)).toEqual({ a: "update", b: "same" });
  expect(result.steps.find((s) => s.name === "a")!.diff).toEqual({ changes: true, replaces: [] });
  const a = engine.state().find((e) => e.name === "a")!;
  expect(a.id).toBe(idA);
  expect(a.outputs.value).toBe("1b");
  expect(a.inputs.value).toBe("1b");
  expect(readLog(dir).filter((l) => l.op === "update").map((l) => l.id)).toEqual([idA]);
});

test("a replace creates the new object before deleting the old one by default", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  await engine.up(await declare(dir, { a: { value: "1", group: "g1" } }));
  const oldId = engine.state()[0].id;

  const result = await engine.up(await declare(dir, { a: { value: "1", group: "g2" } }));

  expect(result.steps[0]).toMatchObject({ op: "replace", diff: { changes: true, replaces: ["group"] } });
  const newId = engine.state()[0].id;
  expect(newId).not.toBe(oldId);
  expect(result.steps[0].id).toBe(newId);
  const log = readLog(dir).slice(1);
  expect(log.map((l) => l.op)).toEqual(["create", "delete"]);
  expect(log[1].id).toBe(oldId);
  expect(objectFiles(dir)).toEqual([`${newId}.json`]);
});

test("a replace deletes first when the provider asks for deleteBeforeReplace", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  await engine.up(await declare(dir, { a: { value: "1", group: "g1", replaceDeletesFirst: true } }));
  const oldId = engine.state()[0].id;

  const result = await engine.up(await declare(dir, { a: { value: "1", group: "g2", replaceDeletesFirst: true } }));

  expect(result.steps[0].op).toBe("replace");
  const log = readLog(dir).slice(1);
  expect(log.map((l) => l.op)).toEqual(["delete", "create"]);
  expect(log[0].id).toBe(oldId);
});

test("the deleteBeforeReplace resource option also makes a replace delete first", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  await engine.up(await declare(dir, { a: { value: "1", group: "g1", opts: { deleteBeforeReplace: true } } }));

  const result = await engine.up(await declare(dir, { a: { value: "1", group: "g2", opts: { deleteBeforeReplace: true } } }));

  expect(result.steps[0].op).toBe("replace");
  expect(readLog(dir).slice(1).map((l) => l.op)).toEqual(["delete", "create"]);
});

test("a resource removed from the program is deleted on up", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  await engine.up(await declare(dir, { a: { value: "1" }, b: { value: "2" } }));
  const idB = engine.state().find((e) => e.name === "b")!.id;

  const result = await engine.up(await declare(dir, { a: { value: "1" } }));

  expect(opsByName(result)).toEqual({ a: "same", b: "delete" });
  expect(engine.state().map((e) => e.name)).toEqual(["a"]);
  expect(readLog(dir).filter((l) => l.op === "delete").map((l) => l.id)).toEqual([idB]);
  expect(await sharedHost().waitForLine("stderr", `fileResource: deleting ${idB}`)).toBe(`fileResource: deleting ${idB}`);
});

test("protect blocks deleting a removed resource and replacing a protected one", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  await engine.up(await declare(dir, { a: { value: "1", opts: { protect: true } }, b: { value: "2", group: "g", opts: { protect: true } } }));
  const before = engine.state();

  const result = await engine.up(await declare(dir, { b: { value: "2", group: "other", opts: { protect: true } } }));

  expect(opsByName(result)).toEqual({ a: "failed", b: "failed" });
  for (const step of result.steps) expect(step.error).toMatch(/protect/);
  expect(result.failed).toBe(2);
  expect(engine.state()).toEqual(before);
  expect(readLog(dir).filter((l) => l.op !== "create")).toEqual([]);
});

test("destroy refuses a protected resource and deletes the others", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  await engine.up(await declare(dir, { a: { value: "1", opts: { protect: true } }, b: { value: "2" } }));

  const result = await engine.destroy();

  expect(opsByName(result)).toEqual({ a: "failed", b: "delete" });
  expect(engine.state().map((e) => e.name)).toEqual(["a"]);
  expect(objectFiles(dir)).toHaveLength(1);
});

test("retainOnDelete drops the resource from state without calling Delete", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  await engine.up(await declare(dir, { a: { value: "1", opts: { retainOnDelete: true } }, b: { value: "2" } }));

  const result = await engine.destroy();

  expect(opsByName(result)).toEqual({ a: "delete", b: "delete" });
  expect(engine.state()).toEqual([]);
  const deleted = readLog(dir).filter((l) => l.op === "delete");
  expect(deleted).toHaveLength(1);
  expect(objectFiles(dir)).toHaveLength(1);
  expect(objectFiles(dir)[0]).toMatch(/^a-/);
});

test("a create that fails after the object exists is recorded in state with the error's id and counted as failed", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });

  const result = await engine.up(await declare(dir, { a: { value: "1" }, broken: { value: "2", failCreate: "withId" } }));

  const step = result.steps.find((s) => s.name === "broken")!;
  expect(step.op).toBe("failed");
  expect(step.error).toBe("broken created but tagging failed");
  expect(result).toMatchObject({ failed: 1, changed: 1 });
  const entry = engine.state().find((e) => e.name === "broken")!;
  expect(entry.id).toBe(step.id);
  expect(objectFiles(dir)).toContain(`${entry.id}.json`);
  expect(entry.outputs).toMatchObject({ value: "2", path: path.join(dir, "objects", `${entry.id}.json`) });
});

test("a resource created with an init error is updated on the next up even when diff finds no change", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  await engine.up(await declare(dir, { broken: { value: "2", failCreate: "withId" } }));
  expect(engine.state()[0].initErrors).toEqual(["tagging failed"]);

  // Same inputs minus the failure switch: Diff alone would say "same"; the engine still updates.
  const rerun = await engine.up(await declare(dir, { broken: { value: "2", failCreate: "withId" } }));

  expect(rerun.steps[0].op).toBe("update");
  expect(readLog(dir).filter((e) => e.op === "update")).toHaveLength(1);
  expect(engine.state()[0].initErrors).toBeUndefined();
});

test("an update that fails after applying records the properties the error carries and counts as failed", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  await engine.up(await declare(dir, { a: { value: "1" } }));
  const id = engine.state()[0].id;

  const result = await engine.up(await declare(dir, { a: { value: "2", failUpdate: true } }));

  expect(result.steps[0]).toMatchObject({ op: "failed", error: `${id} updated but tagging failed`, id });
  expect(result.failed).toBe(1);
  expect(engine.state()[0]).toMatchObject({ id, outputs: { value: "2", failUpdate: true } });
});

test("a rejected create leaves nothing in state, does not stop the others, and a rerun creates it once", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });

  const first = await engine.up(await declare(dir, { a: { value: "1" }, b: { value: "2", failCreate: "plain" }, c: { value: "3" } }));

  expect(opsByName(first)).toEqual({ a: "create", b: "failed", c: "create" });
  expect(first.steps.find((s) => s.name === "b")!.error).toBe("create of b rejected: quota exceeded");
  expect(engine.state().map((e) => e.name).sort()).toEqual(["a", "c"]);

  const rerun = await engine.up(await declare(dir, { a: { value: "1" }, b: { value: "2" }, c: { value: "3" } }));

  expect(opsByName(rerun)).toEqual({ a: "same", b: "create", c: "same" });
  expect(objectFiles(dir)).toHaveLength(3);
});

test("check failures surface as check-failed steps with property and reason, and nothing is written", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  await engine.up(await declare(dir, { a: { value: "1" } }));
  const before = engine.state();

  const result = await engine.up(await declare(dir, { a: { value: "bad" }, fresh: { value: "bad" } }));

  for (const name of ["a", "fresh"]) {
    const step = result.steps.find((s) => s.name === name)!;
    expect(step.op).toBe("check-failed");
    expect(step.failures).toEqual([{ property: "value", reason: "value must not be 'bad'" }]);
  }
  expect(result.failed).toBe(2);
  expect(engine.state()).toEqual(before);
  expect(readLog(dir)).toHaveLength(1);
});

test("preview reports the planned steps without calling create, update or delete", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  await engine.up(await declare(dir, { keep: { value: "1" }, edit: { value: "2" }, move: { value: "3", group: "g" }, drop: { value: "4" } }));
  const before = engine.state();
  const calls = readLog(dir).length;

  const result = await engine.preview(
    await declare(dir, { keep: { value: "1" }, edit: { value: "2b" }, move: { value: "3", group: "h" }, fresh: { value: "5" } }),
  );

  expect(opsByName(result)).toEqual({ keep: "same", edit: "update", move: "replace", fresh: "create", drop: "delete" });
  expect(result.changed).toBe(4);
  expect(readLog(dir)).toHaveLength(calls);
  expect(engine.state()).toEqual(before);
});

test("ignoreChanges keeps the old input so a change to it is not applied", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  await engine.up(await declare(dir, { a: { value: "1", opts: { ignoreChanges: ["value"] } } }));

  const result = await engine.up(await declare(dir, { a: { value: "2", opts: { ignoreChanges: ["value"] } } }));

  expect(result.steps[0].op).toBe("same");
  expect(engine.state()[0].inputs.value).toBe("1");
});

test("state handed out is a copy and an engine can resume from it", async () => {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  await engine.up(await declare(dir, { a: { value: "1" } }));
  const copy = engine.state();
  copy[0].outputs.value = "tampered";
  expect(engine.state()[0].outputs.value).toBe("1");

  const resumed = new Engine({ host: sharedHost(), state: engine.state() });
  const result = await resumed.up(await declare(dir, { a: { value: "1" } }));
  expect(result.steps[0].op).toBe("same");
  const stateFile = JSON.parse(resumed.stateJson());
  const resources = stateFile.checkpoint.latest.resources;
  expect(resources.find((r: { urn: string }) => r.urn === copy[0].urn)).toMatchObject({ id: copy[0].id, custom: true, type: copy[0].type });
});
