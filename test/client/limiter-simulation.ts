// A run of many parallel operations through one RateLimiter against the emulator's server-side
// token bucket, on virtual time: the limiter under test is the real one, the server's throttling is
// the emulator's own TokenBucket, and retries follow the client's backoff (Retry-After aware).
import { retryDelayMs } from "../../provider/lib/client/backoff";
import { RateLimiter } from "../../provider/lib/client/rate-limiter";
import { TokenBucket } from "../../provider/tools/emulator/token-bucket";
import { VirtualClock } from "./virtual-clock";

export interface SimulationOptions {
  /** The server's limit, requests per second. */
  serverRps: number;
  /** The client's budget (default 20, the client's default). */
  budget?: number;
  operations?: number;
  parallelism?: number;
  /** Server-side latency before the bucket is consulted (as the emulator does). */
  latencyMs?: number;
  /** Each request's latency varies uniformly by ± this fraction (default 0.4). */
  jitter?: number;
  /** Engine time between one operation's end and the next one's first request. */
  overheadMs?: number;
  /** The server changes its limit after this many ms. */
  change?: { afterMs: number; serverRps: number };
  seed?: number;
  /** The server also refuses this fraction of requests at random, whatever the rate (Retry-After: 1). */
  randomRefusals?: number;
}

export interface SimulationResult {
  /** First request's arrival to last request's arrival, ms. */
  spanMs: number;
  /** operations ÷ min(server limit, budget), ms. */
  boundMs: number;
  requests: number;
  throttled: number;
  limiter: RateLimiter;
  /** Arrival times (ms since the first) of accepted requests. */
  acceptedAt: number[];
}

export async function simulate(opts: SimulationOptions): Promise<SimulationResult> {
  const budget = opts.budget ?? 20;
  const operations = opts.operations ?? 200;
  const latencyMs = opts.latencyMs ?? 25;
  const overheadMs = opts.overheadMs ?? 2;
  const jitter = opts.jitter ?? 0.4;
  const clock = new VirtualClock();
  const limiter = new RateLimiter({ requestsPerSecond: budget, burst: Math.max(1, Math.ceil(budget / 2)) }, clock);
  let bucket = new TokenBucket(opts.serverRps, clock.now());
  const start = clock.now();
  if (opts.change) {
    const change = opts.change;
    clock.setTimer(change.afterMs, () => (bucket = new TokenBucket(change.serverRps, clock.now())));
  }
  const random = lcg(opts.seed ?? 1);
  const arrivals: number[] = [];
  const acceptedAt: number[] = [];
  let throttled = 0;
  let next = 0;

  async function operation(): Promise<void> {
    for (let retry = 1; ; retry++) {
      const permit = await limiter.acquire(start + 3_600_000);
      arrivals.push(clock.now());
      await clock.sleep(latencyMs * (1 + jitter * (2 * random() - 1)));
      const waitSeconds = opts.randomRefusals && random() < opts.randomRefusals ? 1 : bucket.take(clock.now());
      if (waitSeconds === 0) {
        limiter.accepted(permit);
        acceptedAt.push(clock.now() - start);
        return;
      }
      throttled++;
      limiter.throttled(permit, waitSeconds * 1000);
      await clock.sleep(retryDelayMs(retry, { minDelayMs: 500, maxDelayMs: 30_000, random }, waitSeconds * 1000));
    }
  }
  async function worker(): Promise<void> {
    while (next < operations) {
      next++;
      await operation();
      await clock.sleep(overheadMs);
    }
  }
  const done = Promise.all([...Array(opts.parallelism ?? 16)].map(() => worker()));
  await clock.runAll();
  await done;
  return {
    spanMs: arrivals[arrivals.length - 1] - arrivals[0],
    boundMs: (operations / Math.min(opts.serverRps, budget)) * 1000,
    requests: arrivals.length,
    throttled,
    limiter,
    acceptedAt,
  };
}

/** A seeded 0..1 source, so a simulated run is the same every time. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
