/**
 * GenieSpace through the real dynamic-provider host, driven with the engine's step rules, against
 * the emulator: the scenarios of issue 4 §3, one behavior each.
 */
import type { GenieSpaceArgs } from "pulumi-genie";
import { salesSpace, startScenario, writes, type Scenario } from "./scenario";

const SPACES_PATH = "/api/2.0/genie/spaces";

function threeSpaces(): Record<string, GenieSpaceArgs> {
  return {
    north: { title: "Sales North", warehouseId: "wh1", space: salesSpace(1) },
    south: { title: "Sales South", warehouseId: "wh1", space: salesSpace(2) },
    west: { title: "Sales West", warehouseId: "wh1", space: salesSpace(3), description: "West coast" },
  };
}

describe("GenieSpace lifecycle through the provider host", () => {
  let s: Scenario;

  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.close();
  });

  async function upThree() {
    const resources = await s.declare(threeSpaces());
    const result = await s.engine.up(resources);
    expect(result.failed).toBe(0);
    return resources;
  }

  test("first up creates every space with one POST each (after one look at who the caller is and which titles are taken) and records outputs", async () => {
    const resources = await s.declare(threeSpaces());
    const result = await s.engine.up(resources);
    expect(result.steps.map((x) => x.op).sort()).toEqual(["create", "create", "create"]);
    // No parentPath: the spaces go to the caller's home folder, which SCIM /Me names; the titles
    // there are checked against one listing shared by the three creates.
    expect(s.takeRequests()).toEqual([
      "GET /api/2.0/preview/scim/v2/Me",
      `GET ${SPACES_PATH}`,
      `POST ${SPACES_PATH}`,
      `POST ${SPACES_PATH}`,
      `POST ${SPACES_PATH}`,
    ]);
    const state = s.engine.state();
    expect(state).toHaveLength(3);
    for (const entry of state) {
      const remote = s.emulator.spaces.get(entry.id);
      expect(remote?.title).toBe(entry.outputs.title);
      expect(entry.outputs.spaceId).toBe(entry.id);
      expect(entry.outputs.url).toBe(`${s.emulator.url}/genie/rooms/${entry.id}`);
      expect(entry.outputs.host).toBe(s.emulator.url);
      expect(entry.outputs.parentPath).toBe("/Users/dev@example.com");
      expect(typeof entry.outputs.serializedSpace).toBe("string");
      expect(JSON.parse(entry.outputs.serializedSpace as string).version).toBe(2);
    }
  });

  test("a repeated up makes no write call", async () => {
    await upThree();
    s.takeRequests();
    const again = await s.engine.up(await s.declare(threeSpaces()));
    expect(again.steps.map((x) => x.op)).toEqual(["same", "same", "same"]);
    expect(writes(s.takeRequests())).toEqual([]);
  });

  test("editing one space's content updates exactly that space with one PATCH", async () => {
    await upThree();
    s.takeRequests();
    const edited = threeSpaces();
    edited.south.space = salesSpace(2, { instructions: { text_instructions: ["Region 2 reports in USD."] } });
    const result = await s.engine.up(await s.declare(edited));
    const ops = Object.fromEntries(result.steps.map((x) => [x.name, x.op]));
    expect(ops).toEqual({ north: "same", south: "update", west: "same" });
    const southId = s.engine.state().find((e) => e.name === "south")!.id;
    expect(writes(s.takeRequests())).toEqual([`PATCH ${SPACES_PATH}/${southId}`]);
    expect(s.emulator.spaces.get(southId)!.serialized_space).toContain("Region 2 reports in USD.");
  });

  test("a PATCH carries only the changed fields and never the etag", async () => {
    await upThree();
    s.takeRequests();
    const edited = threeSpaces();
    edited.north.title = "Sales North (EMEA)";
    await s.engine.up(await s.declare(edited));
    const patch = s.emulator.requests().find((r) => r.method === "PATCH");
    expect(patch?.body).toEqual({ title: "Sales North (EMEA)" });
  });

  test("a UI title edit is found by refresh and the next up converges", async () => {
    await upThree();
    const north = s.engine.state().find((e) => e.name === "north")!;
    s.emulator.spaces.uiEdit(north.id, { title: "Renamed in the UI" });
    const refresh = await s.engine.refresh();
    const ops = Object.fromEntries(refresh.steps.map((x) => [x.name, x.op]));
    expect(ops).toEqual({ north: "refresh-update", south: "refresh-same", west: "refresh-same" });
    expect(s.engine.state().find((e) => e.name === "north")!.outputs.title).toBe("Renamed in the UI");
    s.takeRequests();
    const up = await s.engine.up(await s.declare(threeSpaces()));
    expect(up.steps.find((x) => x.name === "north")!.op).toBe("update");
    expect(s.emulator.spaces.get(north.id)!.title).toBe("Sales North");
    const quiet = await s.engine.refresh();
    expect(quiet.changed).toBe(0);
  });

  test("a UI content edit is found by refresh as a content change and reverted by up", async () => {
    await upThree();
    const west = s.engine.state().find((e) => e.name === "west")!;
    const body = JSON.parse(s.emulator.spaces.get(west.id)!.serialized_space);
    body.instructions.text_instructions[0].content = ["Someone changed this in the UI."];
    s.emulator.spaces.uiEdit(west.id, { serialized_space: JSON.stringify(body) });
    const refresh = await s.engine.refresh();
    expect(refresh.steps.find((x) => x.name === "west")!.op).toBe("refresh-update");
    expect(s.engine.state().find((e) => e.name === "west")!.outputs.serializedSpace).toContain("Someone changed this");
    const preview = await s.engine.preview(await s.declare(threeSpaces()));
    expect(preview.steps.find((x) => x.name === "west")!.op).toBe("update");
    await s.engine.up(await s.declare(threeSpaces()));
    expect(s.emulator.spaces.get(west.id)!.serialized_space).toContain("Region 3 reports in EUR.");
  });

  test("refresh with nothing changed outside reports no change at all and costs one GET per space", async () => {
    await upThree();
    const before = s.engine.state();
    s.takeRequests();
    const refresh = await s.engine.refresh();
    expect(refresh.changed).toBe(0);
    expect(s.engine.state()).toEqual(before);
    const requests = s.takeRequests();
    expect(requests).toHaveLength(3);
    expect(requests.every((r) => r.startsWith(`GET ${SPACES_PATH}/`))).toBe(true);
  });

  test("a server-side migration (re-serialized body, new etag) is not drift", async () => {
    await upThree();
    const before = s.engine.state();
    for (const entry of before) s.emulator.spaces.migrate(entry.id);
    const refresh = await s.engine.refresh();
    expect(refresh.changed).toBe(0);
    expect(s.engine.state()).toEqual(before);
    const preview = await s.engine.preview(await s.declare(threeSpaces()));
    expect(preview.steps.every((x) => x.op === "same")).toBe(true);
  });

  test("a space trashed in the UI leaves state on refresh and is re-created by up", async () => {
    await upThree();
    const south = s.engine.state().find((e) => e.name === "south")!;
    s.emulator.spaces.trash(south.id);
    const refresh = await s.engine.refresh();
    expect(refresh.steps.find((x) => x.name === "south")!.op).toBe("refresh-delete");
    expect(s.engine.state().map((e) => e.name).sort()).toEqual(["north", "west"]);
    const up = await s.engine.up(await s.declare(threeSpaces()));
    expect(up.steps.find((x) => x.name === "south")!.op).toBe("create");
    const recreated = s.engine.state().find((e) => e.name === "south")!;
    expect(recreated.id).not.toBe(south.id);
  });

  test("moving a space to another folder is an in-place update that creates the folder", async () => {
    await upThree();
    const north = s.engine.state().find((e) => e.name === "north")!;
    const moved = threeSpaces();
    moved.north.parentPath = "/Workspace/Shared/genie/sales";
    const up = await s.engine.up(await s.declare(moved));
    expect(up.steps.find((x) => x.name === "north")!.op).toBe("update");
    expect(s.emulator.spaces.get(north.id)!.parent_path).toBe("/Shared/genie/sales");
    expect(s.engine.state().find((e) => e.name === "north")!.id).toBe(north.id);
  });

  test("destroy trashes every space and says the conversation history goes with it", async () => {
    await upThree();
    const ids = s.engine.state().map((e) => e.id);
    const result = await s.engine.destroy();
    expect(result.failed).toBe(0);
    expect(s.engine.state()).toEqual([]);
    for (const id of ids) expect(s.emulator.spaces.get(id)!.trashed).toBe(true);
    expect(s.host.stdout.join("\n")).toMatch(/moved to the workspace trash; its conversation history goes with it/);
  });

  test("delete of a space already gone is a success", async () => {
    await upThree();
    const west = s.engine.state().find((e) => e.name === "west")!;
    s.emulator.spaces.trash(west.id);
    const result = await s.engine.destroy();
    expect(result.failed).toBe(0);
    expect(s.engine.state()).toEqual([]);
  });
});
