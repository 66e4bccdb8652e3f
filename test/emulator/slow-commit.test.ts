/**
 * Faults where the request takes effect but its answer is late or never comes: "slow-commit" (the
 * create is held, becomes visible at commitMs, is answered at answerMs) and "commit-then-hang"
 * (visible at once, never answered). What a client's timeout and its lost-create lookup meet.
 */
import { parseFaultSpec, startEmulator } from "../../provider/tools/emulator";
import { FaultInjector } from "../../provider/tools/emulator/faults";
import { createBody, useEmulator } from "./helpers";
import { until } from "../fixtures/wait";

const SPACES = "/api/2.0/genie/spaces";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("slow-commit", () => {
  const ctx = useEmulator();
  const post = (title: string, init: { signal?: AbortSignal } = {}) =>
    fetch(`${ctx.emu.url}${SPACES}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ctx.emu.token}`, "Content-Type": "application/json" },
      body: JSON.stringify(createBody({ title })),
      ...init,
    });
  /** Arrival time of the (first) POST, from the request log. */
  const arrival = () => until("the POST to arrive", () => ctx.emu.requests().find((e) => e.method === "POST")?.time);

  test("the space appears at commitMs, while the POST is still unanswered; the answer comes at answerMs", async () => {
    const commitMs = 1000;
    const answerMs = 2500;
    ctx.emu.setFaults([{ kind: "slow-commit", method: "POST", path: SPACES, commitMs, answerMs }]);
    let answeredAt: number | undefined;
    const answer = post("Held").then(async (res) => {
      answeredAt = Date.now();
      return { status: res.status, body: (await res.json()) as { space_id: string; title: string } };
    });
    const arrived = await arrival();
    expect(Date.now() - arrived).toBeLessThan(commitMs);
    expect(ctx.emu.spaces.list()).toEqual([]);

    const [space] = await until("the commit", () => (ctx.emu.spaces.list().length > 0 ? ctx.emu.spaces.list() : undefined));
    expect(Date.now() - arrived).toBeGreaterThanOrEqual(commitMs);
    // Visible to the API (a client's lost-create lookup) before any answer.
    const listed = await ctx.call("GET", SPACES);
    expect(listed.body.spaces.map((s: { space_id: string }) => s.space_id)).toEqual([space.space_id]);
    expect(answeredAt).toBeUndefined();

    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(answeredAt! - arrived).toBeGreaterThanOrEqual(answerMs);
    expect(body.space_id).toBe(space.space_id);
    expect(ctx.emu.spaces.list({ includeTrashed: true })).toHaveLength(1);
    expect(ctx.emu.requests().find((e) => e.method === "POST")).toMatchObject({ status: 200, fault: "slow-commit" });
  });

  test("a client whose timeout is shorter gives up, yet exactly one space appears at commitMs", async () => {
    const lines: string[] = [];
    ctx.emu.setOptions({ log: (l) => lines.push(l) });
    ctx.emu.setFaults([{ kind: "slow-commit", method: "POST", path: SPACES, commitMs: 1500, answerMs: 2500 }]);
    const started = Date.now();
    await expect(post("Timed out", { signal: AbortSignal.timeout(300) })).rejects.toThrow(/abort|timeout/i);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(ctx.emu.spaces.list()).toEqual([]);

    const [space] = await until("the commit", () => (ctx.emu.spaces.list().length > 0 ? ctx.emu.spaces.list() : undefined));
    expect(space.title).toBe("Timed out");
    await until("the answer time", () => (lines.length > 0 ? true : undefined));
    expect(ctx.emu.requests()).toEqual([expect.objectContaining({ method: "POST", status: 0, fault: "slow-commit" })]);
    expect(lines).toEqual([expect.stringMatching(/^POST \/api\/2\.0\/genie\/spaces CLIENT-GONE \d+ms \[fault slow-commit\]$/)]);
    await sleep(200);
    expect(ctx.emu.spaces.list({ includeTrashed: true })).toHaveLength(1);
  });

  test("a reset while a request is held drops it: nothing is created, the connection is closed", async () => {
    ctx.emu.setFaults([{ kind: "slow-commit", method: "POST", commitMs: 400, answerMs: 600 }]);
    const answer = post("Dropped");
    await arrival();
    ctx.emu.reset();
    await expect(answer).rejects.toThrow();
    expect(ctx.emu.spaces.list({ includeTrashed: true })).toEqual([]);
  });

  test("other requests are not held (the rule matches POST only)", async () => {
    ctx.emu.setFaults([{ kind: "slow-commit", method: "POST", path: SPACES, commitMs: 5000, answerMs: 5000 }]);
    const started = Date.now();
    expect((await ctx.call("GET", SPACES)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

describe("commit-then-hang", () => {
  const ctx = useEmulator();

  test("the space is committed at once and the client's timeout fires: no answer ever comes", async () => {
    const lines: string[] = [];
    ctx.emu.setOptions({ log: (l) => lines.push(l) });
    ctx.emu.setFaults([{ kind: "commit-then-hang", method: "POST", path: SPACES, times: 1 }]);
    const started = Date.now();
    const answer = fetch(`${ctx.emu.url}${SPACES}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ctx.emu.token}`, "Content-Type": "application/json" },
      body: JSON.stringify(createBody({ title: "Hung" })),
      signal: AbortSignal.timeout(700),
    });
    const [space] = await until("the commit", () => (ctx.emu.spaces.list().length > 0 ? ctx.emu.spaces.list() : undefined));
    expect(Date.now() - started).toBeLessThan(700);
    expect(space.title).toBe("Hung");
    await expect(answer).rejects.toThrow(/abort|timeout/i);
    expect(Date.now() - started).toBeGreaterThanOrEqual(690);
    expect(ctx.emu.requests()).toEqual([expect.objectContaining({ method: "POST", status: 0, fault: "commit-then-hang" })]);
    expect(lines).toEqual([expect.stringMatching(/^POST \/api\/2\.0\/genie\/spaces NO-ANSWER \d+ms \[fault commit-then-hang\]$/)]);
    // The rule fired once; the next create is answered, and there are exactly two spaces.
    expect((await ctx.call("POST", SPACES, createBody({ title: "Next" }))).status).toBe(200);
    expect(ctx.emu.spaces.list().map((s) => s.title)).toEqual(["Hung", "Next"]);
  });

  test("commitMs delays the commit; the connection still never answers", async () => {
    ctx.emu.setFaults(parseFaultSpec("POST@/api/2.0/genie/spaces:commit-then-hang=400"));
    const controller = new AbortController();
    const answer = fetch(`${ctx.emu.url}${SPACES}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ctx.emu.token}`, "Content-Type": "application/json" },
      body: JSON.stringify(createBody()),
      signal: controller.signal,
    });
    const arrived = await until("the POST to arrive", () => ctx.emu.requests()[0]?.time);
    await until("the commit", () => (ctx.emu.spaces.list().length > 0 ? true : undefined));
    expect(Date.now() - arrived).toBeGreaterThanOrEqual(400);
    controller.abort();
    await expect(answer).rejects.toThrow();
  });

  test("close() does not wait for a hung request", async () => {
    const emu = await startEmulator({ faults: [{ kind: "commit-then-hang", method: "POST" }] });
    const answer = fetch(`${emu.url}${SPACES}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${emu.token}`, "Content-Type": "application/json" },
      body: JSON.stringify(createBody()),
    });
    await until("the commit", () => (emu.spaces.list().length > 0 ? true : undefined));
    const started = Date.now();
    await emu.close();
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(answer).rejects.toThrow();
  });
});

describe("slow-commit and commit-then-hang rules", () => {
  test("spec syntax: slow-commit=COMMIT_MS/ANSWER_MS, commit-then-hang[=COMMIT_MS]", () => {
    expect(parseFaultSpec("POST@/api/2.0/genie/spaces:slow-commit=1500/4000::1,POST:commit-then-hang,POST:commit-then-hang=200:0.5")).toEqual([
      { kind: "slow-commit", method: "POST", path: SPACES, commitMs: 1500, answerMs: 4000, times: 1 },
      { kind: "commit-then-hang", method: "POST" },
      { kind: "commit-then-hang", method: "POST", commitMs: 200, probability: 0.5 },
    ]);
  });

  test.each(["POST:slow-commit", "POST:slow-commit=1500", "POST:slow-commit=/4000", "POST:slow-commit=4000/1500", "POST:slow-commit=a/5", "POST:commit-then-hang=x"])(
    "%s is rejected",
    (spec) => {
      expect(() => parseFaultSpec(spec)).toThrow(/invalid fault rule/);
    },
  );

  test("programmatic rules are checked: slow-commit needs answerMs, no earlier than commitMs; delays are non-negative", () => {
    expect(() => new FaultInjector([{ kind: "slow-commit" }])).toThrow(/needs answerMs/);
    expect(() => new FaultInjector([{ kind: "slow-commit", commitMs: 500, answerMs: 100 }])).toThrow(/must not be before commitMs/);
    expect(() => new FaultInjector([{ kind: "commit-then-hang", commitMs: -1 }])).toThrow(/non-negative/);
    expect(() => new FaultInjector([{ kind: "slow-commit", answerMs: 100 }])).not.toThrow();
  });

  test("PUT /__emulator/faults takes them in the spec syntax and lists them back", async () => {
    const emu = await startEmulator();
    try {
      const put = await fetch(`${emu.url}/__emulator/faults`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${emu.token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ spec: "POST:slow-commit=10/20" }),
      });
      expect(put.status).toBe(200);
      const listed = (await (await fetch(`${emu.url}/__emulator/faults`, { headers: { Authorization: `Bearer ${emu.token}` } })).json()) as {
        faults: unknown[];
      };
      expect(listed.faults).toEqual([{ kind: "slow-commit", method: "POST", commitMs: 10, answerMs: 20 }]);
      const bad = await fetch(`${emu.url}/__emulator/faults`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${emu.token}`, "Content-Type": "application/json" },
        body: JSON.stringify([{ kind: "slow-commit", commitMs: 30, answerMs: 20 }]),
      });
      expect(bad.status).toBe(400);
    } finally {
      await emu.close();
    }
  });
});
