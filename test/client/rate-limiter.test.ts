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
  test("a new limiter spaces its first callers at the budget; after idling it lets a burst through", async () => {
    const { clock, limiter } = setup(10, 3);
    expect(await grants(clock, limiter, 4)).toEqual([0, 100, 200, 300]);
    await clock.advance(5000);
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

/** `n` callers let through at once: the limiter has sent before, then idled long enough for a burst of `n`. */
async function sendNow(clock: VirtualClock, limiter: RateLimiter, n: number): Promise<Permit[]> {
  await limiter.acquire();
  await clock.advance(60_000);
  const permits = [...Array(n)].map(() => limiter.acquire());
  await clock.advance(0);
  return Promise.all(permits);
}

/** Three refusals in a row (more than one answer in ten): the server is full. */
function serverFull(limiter: RateLimiter, permit: Permit, retryAfterMs?: number): void {
  for (let i = 0; i < 3; i++) limiter.throttled(permit, retryAfterMs);
}

describe("on 429", () => {
  test("a stray 429 is retried, not acted upon: refusals slow the host down when they pass one answer in ten", async () => {
    const { clock, limiter } = setup(20, 20);
    const sent = await sendNow(clock, limiter, 20);
    await clock.advance(30);
    sent.slice(0, 17).forEach((p) => limiter.accepted(p));
    limiter.throttled(sent[17], 1000);
    limiter.throttled(sent[18], 1000);
    expect(limiter.slowdowns).toBe(0); // 2 of 20: only the refused requests wait their Retry-After
    expect(limiter.holds).toBe(0);
    expect(limiter.currentRate).toBe(20);
    limiter.throttled(sent[19], 1000);
    expect(limiter.slowdowns).toBe(1); // 3 of 20
    expect(limiter.holds).toBe(1);
    expect(limiter.currentRate).toBeLessThanOrEqual(10);
  });

  test("slows down at once for callers still waiting", async () => {
    const { clock, limiter } = setup(20, 3);
    const refused = await sendNow(clock, limiter, 3);
    const waiting = [...Array(4)].map(() => limiter.acquire());
    for (const p of refused) limiter.throttled(p); // no Retry-After: no hold, only the slowdown
    await clock.runAll();
    const times = (await Promise.all(waiting)).map((p) => p.sentAt);
    for (const gap of gaps(times)) expect(gap).toBeGreaterThanOrEqual(100); // ≤ 10/s, no longer 50 ms apart
  });

  test("counts the refusals of requests already in flight as the same event", async () => {
    const { clock, limiter } = setup(20, 16);
    const inFlight = await sendNow(clock, limiter, 16);
    await clock.advance(30);
    for (const p of inFlight) limiter.throttled(p);
    expect(limiter.slowdowns).toBe(1);
    expect(limiter.currentRate).toBeCloseTo(9); // halved, then 0.9 of that to start under it
  });

  test("respects Retry-After: when the server is full, no caller for the host goes before it ends, refused or not", async () => {
    const { clock, limiter } = setup(20, 10);
    const refused = await sendNow(clock, limiter, 3);
    await clock.advance(25);
    const fullAt = clock.now();
    for (const p of refused) limiter.throttled(p, 2000);
    const others = [...Array(3)].map(() => limiter.acquire());
    await clock.runAll();
    for (const p of await Promise.all(others)) expect(p.sentAt).toBeGreaterThanOrEqual(fullAt + 2000);
    expect(limiter.holds).toBe(1);
  });

  test("a 429 without Retry-After slows down without holding anyone", async () => {
    const { clock, limiter } = setup(20, 4);
    for (const p of await sendNow(clock, limiter, 3)) limiter.throttled(p);
    const fullAt = clock.now();
    const next = limiter.acquire();
    await clock.runAll();
    expect((await next).sentAt - fullAt).toBeLessThan(200); // paced at the lower rate, not held for a second
    expect(limiter.slowdowns).toBe(1);
    expect(limiter.holds).toBe(0);
  });
});

/** Three refusals at `t` while cruising: a congestion event. */
function refuse(rate: LearnedRate, t: number, windowMs = 1000): void {
  for (let i = 0; i < 3; i++) rate.throttled(t, rate.cuts, t, windowMs);
}

describe("learning the server's rate", () => {
  test("the first event halves the rate (nothing measured yet); the next measures what the server accepted in between", () => {
    const rate = new LearnedRate({ budget: 20 });
    const t = 1_000_000;
    refuse(rate, t);
    expect(rate.rateAt(t)).toBeCloseTo(9); // plateau 10 (a guess), restart at 0.9 of it
    // 9 accepted in the next 1.5 s, then refused again: the server sustains 6/s.
    for (let i = 1; i <= 9; i++) rate.accepted(t + i * 160, rate.cuts);
    rate.throttled(t + 1500, rate.cuts, t + 1500, 1000);
    expect(rate.cuts).toBe(2);
    expect(rate.rateAt(t + 1500)).toBeCloseTo(0.9 * 6);
  });

  test("after a guess, a refusal within the server's window waits for a measurement instead of cutting again", () => {
    const rate = new LearnedRate({ budget: 20 });
    const t = 1_000_000;
    refuse(rate, t);
    rate.throttled(t + 300, rate.cuts, t + 300, 1000);
    expect(rate.cuts).toBe(1);
  });

  test("the measurement spans at least the server's window as Retry-After tells it", () => {
    const rate = new LearnedRate({ budget: 20 });
    const t = 1_000_000;
    refuse(rate, t, 5000);
    for (let i = 1; i <= 9; i++) rate.accepted(t + i * 160, rate.cuts);
    rate.throttled(t + 1500, rate.cuts, t + 1500, 5000); // 1.5 s < a 5 s window: no measurement yet
    expect(rate.cuts).toBe(1);
  });

  test("a server that refuses now and then, whatever the rate, does not slow the client down", () => {
    const rate = new LearnedRate({ budget: 20 });
    for (let i = 0; i < 1000; i++) {
      const t = 1_000_000 + i * 50;
      if (i % 20 === 7) rate.throttled(t, rate.cuts, t + 30, 1000); // 5 %
      else rate.accepted(t, rate.cuts);
    }
    expect(rate.cuts).toBe(0);
    expect(rate.rateAt(2_000_000)).toBe(20);
  });

  test("past the plateau, a refusal ends the probe without lowering the plateau; cruising refusals lower it", () => {
    const rate = new LearnedRate({ budget: 20 });
    const t = 1_000_000;
    refuse(rate, t);
    for (let i = 1; i <= 9; i++) rate.accepted(t + i * 160, rate.cuts);
    rate.throttled(t + 1500, rate.cuts, t + 1500, 1000); // plateau 6
    const probeAt = t + 1500 + 5000; // past the plateau
    expect(rate.rateAt(probeAt)).toBeGreaterThan(6);
    rate.throttled(probeAt, rate.cuts, probeAt, 1000);
    expect(rate.rateAt(probeAt)).toBeCloseTo(0.9 * 6); // restarted below the same plateau
    expect(rate.rateAt(probeAt + 2000)).toBeCloseTo(6);
    // Cruising near 6/s, the server refuses 3 times and has accepted 6 in 1.5 s: it has tightened to 4/s.
    const cruiseAt = probeAt + 1500;
    for (let i = 1; i <= 6; i++) rate.accepted(probeAt + i * 250 - 1, rate.cuts);
    for (let i = 0; i < 3; i++) rate.throttled(cruiseAt, rate.cuts, cruiseAt, 1000);
    expect(rate.rateAt(cruiseAt)).toBeCloseTo(0.9 * 4);
  });
});

describe("recovery", () => {
  test("climbs back to the plateau, stays near it, then speeds up to the budget if nothing is refused", () => {
    const rate = new LearnedRate({ budget: 20, recoveryMs: 2000, backoff: 0.9 });
    const t = 1_000_000;
    refuse(rate, t); // plateau 10
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
    serverFull(limiter, await limiter.acquire(), 1000);
    expect(limiter.currentRate).toBeLessThan(10);
    await clock.advance(15_000);
    expect(limiter.currentRate).toBe(20);
    expect(gaps(await grants(clock, limiter, 5))).toEqual([50, 50, 50, 50]);
  });

  test("never goes below its floor however often the server refuses", () => {
    const rate = new LearnedRate({ budget: 20 });
    for (let i = 0; i < 50; i++) refuse(rate, 1_000_000 + i * 1000);
    expect(rate.rateAt(1_100_000)).toBe(0.25);
  });
});

describe("deadlines", () => {
  test("a caller the server's hold keeps past its deadline is refused at once", async () => {
    const { clock, limiter, t0 } = setup(20, 1);
    serverFull(limiter, await limiter.acquire(), 5000);
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
    serverFull(limiter, sent, 10_000);
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

  test("a server that refuses 3 % of requests whatever the rate does not slow the client down", async () => {
    for (const seed of [1, 2, 3]) {
      const run = await simulate({ serverRps: 1000, randomRefusals: 0.03, seed });
      expect(run.throttled).toBeGreaterThan(0);
      expect(run.limiter.slowdowns).toBe(0);
      expect(run.spanMs).toBeLessThanOrEqual(1.3 * run.boundMs); // the refused ones' own retries (Retry-After 1 s) included
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
