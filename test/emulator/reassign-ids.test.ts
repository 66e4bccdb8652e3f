import { itemIds, reassignItemIds, withoutItemIds } from "../../provider/tools/emulator/id-reassignment";
import { validateSerializedSpace } from "../../provider/tools/emulator/serialized-space";
import { createBody, useEmulator, v2Example, V2_TEXT } from "./helpers";

const SPACES = "/api/2.0/genie/spaces";

/** Every id-keyed list of a document, by path, with its ids in order. */
function idLists(text: string): Record<string, string[]> {
  const doc = JSON.parse(text);
  const ins = doc.instructions ?? {};
  const snippets = ins.sql_snippets ?? {};
  const ids = (list: { id: string }[] | undefined) => (list ?? []).map((i) => i.id);
  return {
    sample_questions: ids(doc.config?.sample_questions),
    text_instructions: ids(ins.text_instructions),
    example_question_sqls: ids(ins.example_question_sqls),
    sql_functions: ids(ins.sql_functions),
    join_specs: ids(ins.join_specs),
    filters: ids(snippets.filters),
    expressions: ids(snippets.expressions),
    measures: ids(snippets.measures),
    benchmarks: ids(doc.benchmarks?.questions),
  };
}

const sorted = (ids: string[]) => [...ids].sort();

describe("reassignItemIds", () => {
  test("replaces every item id with a fresh, unique 32-hex id and keeps each list sorted by id", () => {
    const before = itemIds(V2_TEXT);
    expect(before.length).toBeGreaterThan(5);
    const after = reassignItemIds(V2_TEXT);
    const ids = itemIds(after);
    expect(ids).toHaveLength(before.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => before.includes(id))).toEqual([]);
    for (const list of Object.values(idLists(after))) expect(list).toEqual(sorted(list));
    // Still a valid space for the strict validator (ids, uniqueness, sort orders).
    expect(() => validateSerializedSpace(after)).not.toThrow();
  });

  test("changes nothing but the ids", () => {
    expect(withoutItemIds(reassignItemIds(V2_TEXT))).toBe(withoutItemIds(JSON.stringify(JSON.parse(V2_TEXT), null, 2) + "\n"));
    const doc = JSON.parse(reassignItemIds(V2_TEXT));
    expect(doc.instructions.example_question_sqls.map((q: any) => q.question)).toEqual(
      v2Example().instructions.example_question_sqls.map((q: any) => q.question),
    );
  });

  test("leaves text that is not a JSON object alone (lenient mode)", () => {
    expect(reassignItemIds("not json")).toBe("not json");
    expect(reassignItemIds("[1,2]")).toBe("[1,2]");
  });
});

describe("reassignIds: false (default)", () => {
  const ctx = useEmulator();

  test("the server keeps the client's ids", async () => {
    const created = (await ctx.call("POST", SPACES, createBody())).body;
    expect(sorted(itemIds(created.serialized_space))).toEqual(sorted(itemIds(V2_TEXT)));
  });
});

describe("reassignIds: true", () => {
  const ctx = useEmulator({ reassignIds: true });

  test("create returns and stores fresh ids, in the required orders", async () => {
    const created = (await ctx.call("POST", SPACES, createBody())).body;
    const ids = itemIds(created.serialized_space);
    expect(ids).toHaveLength(itemIds(V2_TEXT).length);
    expect(ids.filter((id) => itemIds(V2_TEXT).includes(id))).toEqual([]);
    for (const list of Object.values(idLists(created.serialized_space))) expect(list).toEqual(sorted(list));
    const read = await ctx.call("GET", `${SPACES}/${created.space_id}?include_serialized_space=true`);
    expect(read.body.serialized_space).toBe(created.serialized_space);
  });

  test("an update with a new body gets fresh ids again and a new etag", async () => {
    const created = (await ctx.call("POST", SPACES, createBody())).body;
    const doc = JSON.parse(created.serialized_space);
    doc.instructions.text_instructions[0].content = ["Changed."];
    const updated = (await ctx.call("PATCH", `${SPACES}/${created.space_id}`, { serialized_space: JSON.stringify(doc) })).body;
    expect(updated.etag).not.toBe(created.etag);
    const before = itemIds(created.serialized_space);
    expect(itemIds(updated.serialized_space).filter((id) => before.includes(id))).toEqual([]);
    expect(JSON.parse(updated.serialized_space).instructions.text_instructions[0].content).toEqual(["Changed."]);
  });

  test("a body that differs only in ids is no change: etag and ids kept", async () => {
    const created = (await ctx.call("POST", SPACES, createBody())).body;
    for (const body of [created.serialized_space, V2_TEXT]) {
      const patched = (await ctx.call("PATCH", `${SPACES}/${created.space_id}`, { serialized_space: body })).body;
      expect(patched.etag).toBe(created.etag);
      expect(patched.serialized_space).toBe(created.serialized_space);
    }
  });

  test("can be switched off while running", async () => {
    ctx.emu.setOptions({ reassignIds: false });
    const created = (await ctx.call("POST", SPACES, createBody())).body;
    expect(sorted(itemIds(created.serialized_space))).toEqual(sorted(itemIds(V2_TEXT)));
  });
});

describe("emulator command --reassign-ids", () => {
  test("turns the mode on", async () => {
    const { Command } = await import("commander");
    const { registerEmulatorCommand } = await import("../../provider/tools/emulator");
    const lines: string[] = [];
    let close: (() => Promise<void>) | undefined;
    const p = new Command("pulumi-genie").exitOverride();
    registerEmulatorCommand(p, { write: (l) => lines.push(l), onStarted: (r) => (close = r.close), waitForSignal: false });
    await p.parseAsync(["emulator", "--token", "dapi-reassign", "--reassign-ids"], { from: "user" });
    try {
      const url = lines[0].slice("GENIE_EMULATOR_URL=".length);
      const res = await fetch(`${url}${SPACES}`, {
        method: "POST",
        headers: { Authorization: "Bearer dapi-reassign", "Content-Type": "application/json" },
        body: JSON.stringify(createBody()),
      });
      const created = (await res.json()) as { serialized_space: string };
      expect(itemIds(created.serialized_space).filter((id) => itemIds(V2_TEXT).includes(id))).toEqual([]);
    } finally {
      await close?.();
    }
  });
});
