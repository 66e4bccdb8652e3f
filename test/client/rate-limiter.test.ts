// The per-host rate limiter on virtual time (./virtual-clock): what it lets through and when,
// whatever the load on the machine running the tests.
import { LearnedRate } from "../../provider/lib/client/learned-rate";
import { type Permit, RateLimiter, rateLimiterFor, RateLimitWaitExceedsDeadline } from "../../provider/lib/client/rate-limiter";
import { simulate } from "./limiter-simulation";
import { VirtualClock } from "./virtual-clock";

function setup(requestsPerSecond = 20, burst = 1): { clock: VirtualClock; limiter: RateLimiter; t0: number } {
  const clock = new VirtualClock();
  return { clock, limiter: new RateLimiter({ requestsPerSecond, burst }, clock), t0: clock.now() };
}

/** Starts `n` callers at once; resolves to when each was let through (ms after the start), in call order. */
async function grants(clock: VirtualClock, limiter: RateLimiter, n: number): Promise<number[]> {
  const start = clock.now();
  const permits = [...Array(n)].map(() => limiter.acquire());
  await clock.runAll();
  return (await Promise.all(permits)).map((p) => p.sentAt - start);
}

/** Gaps between consecutive times. */
function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => Math.round(t - times[i]));
}

describe("pacing", () => {
  test("lets a burst through at once, then spaces callers at the budget", async () => {
    const { clock, limiter } = setup(10, 3);
    expect(await grants(clock, limiter, 5)).toEqual([0, 0, 0, 100, 200]);
  });

  test("serves callers with an earlier deadline first", async () => {
    const { clock, limiter, t0 } = setup(10, 1);
    const order: string[] = [];
    const first = limiter.acquire().then(() => order.push("first"));
    const late = limiter.acquire(t0 + 60_000).then(() => order.push("late deadline"));
    const soon = limiter.acquire(t0 + 10_000).then(() => order.push("early deadline"));
    await clock.runAll();
    await Promise.all([first, late, soon]);
    expect(order).toEqual(["first", "early deadline", "late deadline"]);
  });
});

describe("on 429", () => {
  test("slows down: callers still waiting are spaced at the lower rate at once", async () => {
    const { clock, limiter } = setup(20, 1);
    const [sent] = await Promise.all([limiter.acquire()]);
    const waiting = [...Array(4)].map(() => limiter.acquire());
    limiter.throttled(sent); // no Retry-After: no hold, only the slowdown
    expect(limiter.slowdowns).toBe(1);
    expect(limiter.currentRate).toBeLessThanOrEqual(10);
    await clock.runAll();
    const times = (await Promise.all(waiting)).map((p) => p.sentAt);
    for (const gap of gaps(times)) expect(gap).toBeGreaterThanOrEqual(100); // ≤ 10/s, no longer 50 ms apart
  });

  test("counts the refusals of requests already in flight as the same event", async () => {
    const { clock, limiter } = setup(20, 16);
    const inFlight = await Promise.all([...Array(16)].map(() => limiter.acquire()));
    await clock.advance(30);
    for (const p of inFlight) limiter.throttled(p);
    expect(limiter.slowdowns).toBe(1);
    expect(limiter.currentRate).toBeCloseTo(9); // halved, then 0.9 of that to start under it
  });

  test("respects Retry-After: no caller for the host goes before it ends, refused or not", async () => {
    const { clock, limiter, t0 } = setup(20, 10);
    const refused = await limiter.acquire();
    const others = [...Array(3)].map(() => limiter.acquire());
    await clock.advance(0);
    const early = await Promise.all(others); // the burst let these through before the 429 came back
    expect(early.map((p) => p.sentAt)).toEqual([t0, t0, t0]);
    await clock.advance(25);
    limiter.throttled(refused, 2000);
    const after = [...Array(3)].map(() => limiter.acquire());
    await clock.runAll();
    for (const p of await Promise.all(after)) expect(p.sentAt).toBeGreaterThanOrEqual(t0 + 25 + 2000);
    expect(limiter.holds).toBe(1);
  });

  test("a 429 without Retry-After slows down without holding anyone", async () => {
    const { clock, limiter, t0 } = setup(20, 4);
    limiter.throttled(await limiter.acquire());
    const next = limiter.acquire();
    await clock.runAll();
    expect((await next).sentAt).toBe(t0);
    expect(limiter.holds).toBe(0);
  });

  test("learns the rate the server accepted between two 429s and settles just under it", async () => {
    const { clock, limiter } = setup(20, 1);
    const server = { rate: 6 };
    // First refusal: nothing measured yet, so the rate halves.
    limiter.throttled(await limiter.acquire());
    // For 3 s the server accepts 6 per second and refuses the rest.
    let accepted = 0;
    const until = clock.now() + 3000;
    let last: Permit | undefined;
    while (clock.now() < until) {
      const p = limiter.acquire();
      await clock.runAll(1000);
      last = await p;
      if (accepted < ((last.sentAt - (until - 3000)) / 1000) * server.rate) {
        limiter.accepted(last);
        accepted++;
      }
    }
    limiter.throttled(last!);
    expect(limiter.slowdowns).toBe(2);
    expect(limiter.currentRate).toBeGreaterThan(0.85 * server.rate);
    expect(limiter.currentRate).toBeLessThan(server.rate);
  });
});

describe("recovery", () => {
  test("climbs back to the rate it learned, stays near it, then speeds up to the budget if nothing is refused", () => {
    const rate = new LearnedRate({ budget: 20, recoveryMs: 2000, backoff: 0.9 });
    const t = 1_000_000;
    rate.throttled(t, 0, t, 1000); // first event: halve to a plateau of 10
    expect(rate.rateAt(t)).toBeCloseTo(9);
    expect(rate.rateAt(t + 1000)).toBeGreaterThan(9.8); // concave: most of the way back quickly
    expect(rate.rateAt(t + 2000)).toBeCloseTo(10); // the plateau
    expect(rate.rateAt(t + 3000)).toBeLessThan(10.2); // a while near it: few probes where it was refused
    expect(rate.rateAt(t + 6000)).toBeGreaterThan(12); // then convex: the server may have relaxed
    expect(rate.rateAt(t + 10_000)).toBe(20); // the budget again, never more
    expect(rate.rateAt(t + 60_000)).toBe(20);
  });

  test("a limiter that was slowed down lets callers through at the budget again once the server stops refusing", async () => {
    const { clock, limiter } = setup(20, 1);
    limiter.throttled(await limiter.acquire(), 1000);
    await clock.advance(15_000);
    expect(limiter.currentRate).toBe(20);
    expect(gaps(await grants(clock, limiter, 5))).toEqual([50, 50, 50, 50]);
  });

  test("never goes below its floor however often it is refused", () => {
    const rate = new LearnedRate({ budget: 20 });
    for (let i = 0; i < 50; i++) rate.throttled(i * 100, rate.cuts, i * 100, 1000);
    expect(rate.rateAt(5000)).toBe(0.25);
  });
});

describe("deadlines", () => {
  test("a caller the server's hold keeps past its deadline is refused at once", async () => {
    const { clock, limiter, t0 } = setup(20, 1);
    limiter.throttled(await limiter.acquire(), 5000);
    const err = await limiter.acquire(t0 + 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitWaitExceedsDeadline);
    expect(clock.now()).toBe(t0);
  });

  test("callers already waiting when a long hold arrives are refused then, not at their deadline", async () => {
    const { clock, limiter, t0 } = setup(1, 1);
    const sent = await limiter.acquire();
    let outcome: unknown;
    void limiter.acquire(t0 + 3000).then((p) => (outcome = p), (e: unknown) => (outcome = e));
    await clock.advance(100);
    limiter.throttled(sent, 10_000);
    await clock.advance(0);
    expect(outcome).toBeInstanceOf(RateLimitWaitExceedsDeadline);
  });

  test("a caller stuck behind others with earlier deadlines is refused at its deadline, never later", async () => {
    const { clock, limiter, t0 } = setup(1, 1);
    const ahead = [...Array(3)].map(() => limiter.acquire(t0 + 1200).then((p) => p.sentAt, () => "gave up")); // one per second
    const late = limiter.acquire(t0 + 1500).catch((e: unknown) => ({ e, at: clock.now() }));
    await clock.runAll();
    expect(await Promise.all(ahead)).toEqual([t0, t0 + 1000, "gave up"]);
    expect(await late).toEqual({ e: expect.any(RateLimitWaitExceedsDeadline), at: t0 + 1500 });
  });

  test("a caller that gives up leaves its slot to the next one", async () => {
    const { clock, limiter, t0 } = setup(10, 1);
    await limiter.acquire(); // the slot at t0
    const givesUp = limiter.acquire(t0 + 50).catch((e: unknown) => e); // its slot would be t0 + 100
    const next = limiter.acquire(t0 + 60_000);
    await clock.runAll();
    expect(await givesUp).toBeInstanceOf(RateLimitWaitExceedsDeadline);
    expect((await next).sentAt).toBe(t0 + 100); // not t0 + 200
  });

  test("a request that was never sent gives its slot back", async () => {
    const { clock, limiter, t0 } = setup(10, 1);
    await limiter.acquire();
    const unsent = limiter.acquire();
    await clock.runAll();
    limiter.release(await unsent); // e.g. the credentials could not be fetched
    const next = limiter.acquire();
    await clock.runAll();
    expect((await next).sentAt).toBe(t0 + 100);
  });
});

test("one limiter per host, shared by every client of the process", () => {
  const host = "https://shared-limiter.example.com";
  const a = rateLimiterFor(host, { requestsPerSecond: 20, burst: 10 }, false);
  const b = rateLimiterFor(host, { requestsPerSecond: 20, burst: 10 }, false);
  expect(b).toBe(a);
  expect(rateLimiterFor("https://other.example.com", { requestsPerSecond: 20, burst: 10 }, false)).not.toBe(a);
  // An explicit budget re-configures the shared one; what it learned stays.
  rateLimiterFor(host, { requestsPerSecond: 5, burst: 2 }, true);
  expect(a.currentRate).toBe(5);
});

describe("200 operations, 16 at once, against the emulator's token bucket (client on its defaults: 20/s)", () => {
  test.each([5, 8, 10, 15, 20, 30, 50])("server limit %i/s: span ≤ 1.3 × bound, 429s ≤ 10 %% of requests", async (serverRps) => {
    const run = await simulate({ serverRps });
    expect(run.spanMs).toBeLessThanOrEqual(1.3 * run.boundMs);
    expect(run.throttled).toBeLessThanOrEqual(0.1 * run.requests);
    expect(run.throttled).toBeLessThanOrEqual(20);
  });

  test("a server at the budget: ≤ 1.15 × bound and no 429 at all", async () => {
    const run = await simulate({ serverRps: 20 });
    expect(run.spanMs).toBeLessThanOrEqual(1.15 * run.boundMs);
    expect(run.throttled).toBe(0);
  });

  test("slower server round trips (250 ms) still stay within 10 % of 429s", async () => {
    for (const serverRps of [5, 10]) {
      const run = await simulate({ serverRps, latencyMs: 250 });
      expect(run.throttled).toBeLessThanOrEqual(0.1 * run.requests);
    }
  });

  test("when the server relaxes from 5 to 50/s after 10 s, the client is back at its budget within 8 s", async () => {
    const run = await simulate({ serverRps: 5, change: { afterMs: 10_000, serverRps: 50 } });
    // Accepted requests per second in the 3 s before the end: the budget.
    const end = run.acceptedAt[run.acceptedAt.length - 1];
    const recent = run.acceptedAt.filter((t) => t > end - 3000).length;
    expect(recent / 3).toBeGreaterThanOrEqual(18);
    const firstAtBudget = run.acceptedAt.findIndex((t, i) => t > 10_000 && i >= 19 && t - run.acceptedAt[i - 19] <= 1100);
    expect(run.acceptedAt[firstAtBudget]).toBeLessThanOrEqual(18_000);
  });
});
