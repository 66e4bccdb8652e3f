import * as fs from "node:fs";
import * as path from "node:path";
import { DeclaredResource, Engine, captureProgram } from "../../provider/tools/harness";
import { FileResource, FileResourceArgs, readLog, tempDir, useSharedHost } from "./file-resource";

const sharedHost = useSharedHost();

const newDir = () => tempDir("harness-refresh-");

async function declare(dir: string, things: Record<string, Omit<FileResourceArgs, "dir">>): Promise<DeclaredResource[]> {
  const { resources } = await captureProgram(() => {
    for (const [name, args] of Object.entries(things)) new FileResource(name, { dir, ...args });
  });
  return resources;
}

/** Edit an object behind the provider's back, as a user in a UI would. */
function editOutOfBand(dir: string, id: string, value: string): void {
  const file = path.join(dir, "objects", `${id}.json`);
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), value }));
}

async function deployed(things: Record<string, Omit<FileResourceArgs, "dir">>) {
  const dir = newDir();
  const engine = new Engine({ host: sharedHost() });
  const result = await engine.up(await declare(dir, things));
  expect(result.failed).toBe(0);
  const idOf = (name: string) => engine.state().find((e) => e.name === name)!.id;
  return { dir, engine, idOf };
}

test("refresh with nothing changed outside reports only refresh-same and keeps state identical", async () => {
  const { engine } = await deployed({ a: { value: "1" }, b: { value: "2", group: "g" } });
  const before = engine.state();

  const result = await engine.refresh();

  expect(result.steps.map((s) => s.op)).toEqual(["refresh-same", "refresh-same"]);
  expect(result).toMatchObject({ failed: 0, changed: 0 });
  expect(engine.state()).toEqual(before);
});

test("refresh finds an out-of-band change, stores what was read, and the next up converges", async () => {
  const { dir, engine, idOf } = await deployed({ a: { value: "1" }, b: { value: "2" } });
  editOutOfBand(dir, idOf("a"), "edited in the UI");

  const result = await engine.refresh();

  expect(Object.fromEntries(result.steps.map((s) => [s.name, s.op]))).toEqual({ a: "refresh-update", b: "refresh-same" });
  expect(result.changed).toBe(1);
  const a = engine.state().find((e) => e.name === "a")!;
  expect(a.outputs.value).toBe("edited in the UI");
  expect(a.inputs.value).toBe("edited in the UI");

  const up = await engine.up(await declare(dir, { a: { value: "1" }, b: { value: "2" } }));
  expect(Object.fromEntries(up.steps.map((s) => [s.name, s.op]))).toEqual({ a: "update", b: "same" });
  expect(JSON.parse(fs.readFileSync(path.join(dir, "objects", `${idOf("a")}.json`), "utf8")).value).toBe("1");
});

test("refresh removes a resource deleted out of band from state, and the next up re-creates it", async () => {
  const { dir, engine, idOf } = await deployed({ a: { value: "1" }, b: { value: "2" } });
  const goneId = idOf("a");
  fs.rmSync(path.join(dir, "objects", `${goneId}.json`));

  const result = await engine.refresh();

  expect(result.steps.find((s) => s.name === "a")).toMatchObject({ op: "refresh-delete", id: goneId });
  expect(engine.state().map((e) => e.name)).toEqual(["b"]);

  const up = await engine.up(await declare(dir, { a: { value: "1" }, b: { value: "2" } }));
  expect(Object.fromEntries(up.steps.map((s) => [s.name, s.op]))).toEqual({ a: "create", b: "same" });
  expect(idOf("a")).not.toBe(goneId);
});

test("refresh --preview-only reports drift and deletion but leaves state untouched", async () => {
  const { dir, engine, idOf } = await deployed({ a: { value: "1" }, b: { value: "2" } });
  editOutOfBand(dir, idOf("a"), "edited");
  fs.rmSync(path.join(dir, "objects", `${idOf("b")}.json`));
  const before = engine.state();

  const result = await engine.refresh({ previewOnly: true });

  expect(Object.fromEntries(result.steps.map((s) => [s.name, s.op]))).toEqual({ a: "refresh-update", b: "refresh-delete" });
  expect(engine.state()).toEqual(before);
});

test("a failing read fails the refresh step loudly and keeps that resource in state unchanged", async () => {
  const { engine } = await deployed({ a: { value: "1", failRead: true }, b: { value: "2" } });
  const before = engine.state();

  const result = await engine.refresh();

  const failed = result.steps.find((s) => s.name === "a")!;
  expect(failed.op).toBe("failed");
  expect(failed.error).toContain("401 token expired");
  expect(result.failed).toBe(1);
  expect(engine.state()).toEqual(before);
});

test("refresh calls Read once per resource and writes nothing", async () => {
  const { dir, engine } = await deployed({ a: { value: "1" }, b: { value: "2" }, c: { value: "3" } });
  const calls = readLog(dir).length;

  await engine.refresh();

  const during = readLog(dir).slice(calls);
  expect(during.map((l) => l.op)).toEqual(["read", "read", "read"]);
  expect(during.map((l) => l.id).sort()).toEqual(engine.state().map((e) => e.id).sort());
});
