import { createBody, useEmulator } from "./helpers";

const SPACES = "/api/2.0/genie/spaces";

describe("under concurrent load with faults", () => {
  const ctx = useEmulator();

  /**
   * A minimal careful client: retries 429/503, and after a reset looks for the space it may have
   * created (same title) before trying again — what the emulator's reset-after-commit is for.
   */
  async function createCarefully(title: string): Promise<string> {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        const res = await ctx.call("POST", SPACES, createBody({ title, serialized_space: '{"version":2}' }));
        if (res.status === 200) return res.body.space_id;
        if (res.status !== 429 && res.status !== 503) throw new Error(`unexpected ${res.status}`);
      } catch (e) {
        if ((e as Error).message.startsWith("unexpected")) throw e;
        const found = ctx.emu.spaces.list().find((s) => s.title === title);
        if (found) return found.space_id;
      }
    }
    throw new Error(`gave up on ${title}`);
  }

  test("300 creates at concurrency 16 with 503/429/reset-after-commit faults → exactly 300 spaces, all listable", async () => {
    ctx.emu.setFaults([
      { kind: "503", method: "POST", probability: 0.15 },
      { kind: "reset-after-commit", method: "POST", probability: 0.03 },
      { kind: "429", probability: 0.1, retryAfterSeconds: 0 },
    ]);
    const titles = Array.from({ length: 300 }, (_, i) => `space-${String(i).padStart(3, "0")}`);
    const queue = [...titles];
    const ids: string[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let title = queue.shift(); title; title = queue.shift()) ids.push(await createCarefully(title));
      }),
    );
    const elapsed = Date.now() - started;
    expect(new Set(ids).size).toBe(300);
    expect(ctx.emu.spaces.list()).toHaveLength(300);
    expect(ctx.emu.requests().some((r) => r.fault === "reset-after-commit")).toBe(true);

    ctx.emu.setFaults([]);
    const listed: string[] = [];
    let token: string | undefined;
    do {
      const page = await ctx.call("GET", `${SPACES}?page_size=100${token ? `&page_token=${encodeURIComponent(token)}` : ""}`);
      listed.push(...page.body.spaces.map((s: { title: string }) => s.title));
      token = page.body.next_page_token;
    } while (token);
    expect([...listed].sort()).toEqual(titles);
    // Not a timing assertion; a generous bound only catches pathological slowness.
    expect(elapsed).toBeLessThan(20_000);
  });
});
