import { FaultInjector, parseFaultSpec } from "../../provider/tools/emulator/faults";
import { createBody, useEmulator } from "./helpers";

const SPACES = "/api/2.0/genie/spaces";

describe("fault injection over HTTP", () => {
  const ctx = useEmulator();

  test("429 carries Retry-After and REQUEST_LIMIT_EXCEEDED; nothing is created", async () => {
    ctx.emu.setFaults([{ kind: "429", retryAfterSeconds: 2 }]);
    const res = await ctx.call("POST", SPACES, createBody());
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(res.body.error_code).toBe("REQUEST_LIMIT_EXCEEDED");
    expect(ctx.emu.spaces.list()).toHaveLength(0);
  });

  test("429 without Retry-After", async () => {
    ctx.emu.setFaults([{ kind: "429-no-retry-after" }]);
    const res = await ctx.call("GET", SPACES);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBeNull();
    expect(res.body.error_code).toBe("REQUEST_LIMIT_EXCEEDED");
  });

  test.each([
    ["503", 503, "TEMPORARILY_UNAVAILABLE"],
    ["500", 500, "INTERNAL_ERROR"],
    ["502", 502, "BAD_GATEWAY"],
    ["504", 504, "DEADLINE_EXCEEDED"],
  ] as const)("%s → JSON error with status %i and %s; nothing is created", async (kind, status, code) => {
    ctx.emu.setFaults([{ kind }]);
    const res = await ctx.call("POST", SPACES, createBody());
    expect(res.status).toBe(status);
    expect(res.body.error_code).toBe(code);
    expect(res.body.message).toEqual(expect.any(String));
    expect(ctx.emu.spaces.list()).toHaveLength(0);
  });

  test("html → a non-JSON HTML body (502 by default, status configurable)", async () => {
    ctx.emu.setFaults([{ kind: "html", times: 1 }, { kind: "html", status: 503 }]);
    const first = await ctx.call("GET", SPACES);
    expect(first.status).toBe(502);
    expect(first.headers.get("content-type")).toContain("text/html");
    expect(typeof first.body).toBe("string");
    expect(first.body).toMatch(/^<html>/);
    expect((await ctx.call("GET", SPACES)).status).toBe(503);
  });

  test("reset → the connection is destroyed without an answer, nothing is created", async () => {
    ctx.emu.setFaults([{ kind: "reset", method: "POST" }]);
    await expect(ctx.call("POST", SPACES, createBody())).rejects.toThrow();
    expect(ctx.emu.spaces.list()).toHaveLength(0);
    const [entry] = ctx.emu.requests();
    expect(entry).toMatchObject({ method: "POST", path: SPACES, status: 0, fault: "reset" });
  });

  test("reset-after-commit → the space IS created but the client never hears back", async () => {
    ctx.emu.setFaults([{ kind: "reset-after-commit", method: "POST", path: SPACES }]);
    await expect(ctx.call("POST", SPACES, createBody({ title: "Committed" }))).rejects.toThrow();
    expect(ctx.emu.spaces.list().map((s) => s.title)).toEqual(["Committed"]);
    // The space is visible to a follow-up list (which the client uses to adopt it).
    const list = await ctx.call("GET", SPACES);
    expect(list.body.spaces.map((s: { title: string }) => s.title)).toEqual(["Committed"]);
  });

  test("latency rules and the latencyMs option delay answers", async () => {
    ctx.emu.setFaults([{ kind: "latency", latencyMs: 120, method: "GET" }]);
    let t = Date.now();
    expect((await ctx.call("GET", SPACES)).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(110);
    ctx.emu.setFaults([]);
    ctx.emu.setOptions({ latencyMs: 80 });
    t = Date.now();
    await ctx.call("GET", SPACES);
    expect(Date.now() - t).toBeGreaterThanOrEqual(70);
  });

  test("times limits how often a rule fires; method and path filter which requests it hits", async () => {
    ctx.emu.setFaults([{ kind: "503", method: "POST", path: /^\/api\/2\.0\/genie\/spaces$/, times: 2 }]);
    expect((await ctx.call("GET", SPACES)).status).toBe(200);
    expect((await ctx.call("POST", SPACES, createBody())).status).toBe(503);
    expect((await ctx.call("POST", SPACES, createBody())).status).toBe(503);
    expect((await ctx.call("POST", SPACES, createBody())).status).toBe(200);
    const statuses = ctx.emu.requests().map((r) => [r.method, r.status, r.fault]);
    expect(statuses).toEqual([
      ["GET", 200, undefined],
      ["POST", 503, "503"],
      ["POST", 503, "503"],
      ["POST", 200, undefined],
    ]);
  });

  test("probability 0 never fires", async () => {
    ctx.emu.setFaults([{ kind: "500", probability: 0 }]);
    for (let i = 0; i < 5; i++) expect((await ctx.call("GET", SPACES)).status).toBe(200);
  });

  test("reset() restores the faults given at start (none here)", async () => {
    ctx.emu.setFaults([{ kind: "500" }]);
    ctx.emu.reset();
    expect((await ctx.call("GET", SPACES)).status).toBe(200);
  });
});

describe("server-side rate limit", () => {
  const ctx = useEmulator({ rateLimit: 2 });

  test("requests beyond the bucket get 429 REQUEST_LIMIT_EXCEEDED with Retry-After; the bucket refills", async () => {
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 12 }, () => ctx.call("GET", SPACES)));
    const elapsedSeconds = (Date.now() - started) / 1000;
    const limited = results.filter((r) => r.status === 429);
    const allowed = results.filter((r) => r.status === 200).length;
    // Bucket of 2, refilled at 2/s: the burst admits the bucket plus what refilled meanwhile.
    expect(allowed).toBeGreaterThanOrEqual(2);
    expect(allowed).toBeLessThanOrEqual(2 + Math.ceil(elapsedSeconds * 2));
    expect(limited.length).toBe(12 - allowed);
    for (const r of limited) {
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(r.body.error_code).toBe("REQUEST_LIMIT_EXCEEDED");
    }
    await new Promise((r) => setTimeout(r, 600));
    expect((await ctx.call("GET", SPACES)).status).toBe(200);
  });

  test("setOptions({rateLimit: 0}) lifts the limit", async () => {
    ctx.emu.setOptions({ rateLimit: 0 });
    const results = await Promise.all(Array.from({ length: 20 }, () => ctx.call("GET", SPACES)));
    expect(results.every((r) => r.status === 200)).toBe(true);
  });
});

describe("fault rule matching", () => {
  test("probability is compared against the random source", () => {
    let next = 0.4;
    const injector = new FaultInjector([{ kind: "503", probability: 0.5 }], () => next);
    expect(injector.decide("GET", "/x").fault?.kind).toBe("503");
    next = 0.6;
    expect(injector.decide("GET", "/x").fault).toBeUndefined();
  });

  test("the first matching non-latency rule wins; latency rules add up", () => {
    const injector = new FaultInjector([
      { kind: "latency", latencyMs: 10 },
      { kind: "503", method: "POST" },
      { kind: "500" },
      { kind: "latency", latencyMs: 5 },
    ]);
    expect(injector.decide("POST", "/a")).toEqual({ latencyMs: 15, fault: expect.objectContaining({ kind: "503" }) });
    expect(injector.decide("GET", "/a")).toEqual({ latencyMs: 15, fault: expect.objectContaining({ kind: "500" }) });
  });

  test("an unknown kind is refused", () => {
    expect(() => new FaultInjector([{ kind: "418" as never }])).toThrow(/unknown fault kind/);
  });
});

describe("fault spec syntax", () => {
  test("the documented example parses", () => {
    expect(parseFaultSpec("POST:503:0.15,POST:reset-after-commit:0.03,*:429:0.1")).toEqual([
      { kind: "503", method: "POST", probability: 0.15 },
      { kind: "reset-after-commit", method: "POST", probability: 0.03 },
      { kind: "429", probability: 0.1 },
    ]);
  });

  test("arguments, times and path globs", () => {
    const [latency, retry, html, scoped] = parseFaultSpec(
      "GET:latency=200:0.5,*:429=3::2,*:html=504,DELETE@/api/2.0/genie/spaces/*:500",
    );
    expect(latency).toEqual({ kind: "latency", method: "GET", latencyMs: 200, probability: 0.5 });
    expect(retry).toEqual({ kind: "429", retryAfterSeconds: 3, times: 2 });
    expect(html).toEqual({ kind: "html", status: 504 });
    expect(scoped.method).toBe("DELETE");
    const path = scoped.path as RegExp;
    expect(path.test("/api/2.0/genie/spaces/01f1abc")).toBe(true);
    expect(path.test("/api/2.0/genie/spaces")).toBe(false);
    expect(path.test("/api/2.0/genie/spaces/a/b")).toBe(false);
  });

  test.each(["POST", "POST:teapot", "POST:503:1.5", "POST:503:0.1:x", "POST:503=2"])("%s is rejected", (spec) => {
    expect(() => parseFaultSpec(spec)).toThrow(/invalid fault rule/);
  });
});
