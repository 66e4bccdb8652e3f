// Client-side throttle shared by every call to one workspace host (docs/reliability.md): a token bucket
// that halves its rate when the server answers 429 and recovers gradually on success, so hundreds
// of parallel resource operations do not turn into a 429 storm.

export interface RateLimiterOptions {
  /** Sustained requests per second. */
  requestsPerSecond: number;
  /** Requests allowed back-to-back after idling. */
  burst: number;
}

export class RateLimiter {
  private baseRate: number;
  private rate: number;
  private burst: number;
  /**
   * Theoretical arrival time of the next request (GCRA form of a token bucket): callers are
   * served in arrival order and never need a timer unless they must actually wait.
   */
  private tat = 0;
  private lastSlowdown = 0;
  slowdowns = 0;

  constructor(opts: RateLimiterOptions) {
    this.baseRate = opts.requestsPerSecond;
    this.rate = opts.requestsPerSecond;
    this.burst = Math.max(1, opts.burst);
  }

  configure(opts: RateLimiterOptions): void {
    this.baseRate = opts.requestsPerSecond;
    this.rate = Math.min(this.rate, this.baseRate);
    if (this.rate <= 0 || !Number.isFinite(this.rate)) this.rate = this.baseRate;
    this.burst = Math.max(1, opts.burst);
  }

  get currentRate(): number {
    return this.rate;
  }

  /**
   * Reserves a slot and returns how long the caller must wait (ms) before sending — unless that
   * wait would pass `deadline`: then nothing is reserved (a caller that gives up must not slow the
   * others down) and the would-be wait is returned as a negative number.
   */
  reserve(now: number = Date.now(), deadline = Infinity): number {
    if (!Number.isFinite(this.rate) || this.rate <= 0) return 0;
    const interval = 1000 / this.rate;
    const tat = Math.max(this.tat, now);
    const wait = Math.max(0, tat - (this.burst - 1) * interval - now);
    if (now + wait > deadline) return -wait;
    this.tat = tat + interval;
    return wait;
  }

  /** Waits for a slot. Rejects, reserving nothing, if the wait would pass `deadline`. */
  async acquire(deadline = Infinity): Promise<void> {
    const wait = this.reserve(Date.now(), deadline);
    if (wait < 0) throw new RateLimitWaitExceedsDeadline(-wait);
    if (wait === 0) return;
    await new Promise((r) => setTimeout(r, wait));
  }

  /** Server said 429: halve the rate (at most once per 200 ms, so one burst of 429s counts once). */
  onThrottled(now: number = Date.now()): void {
    if (now - this.lastSlowdown < 200) return;
    this.lastSlowdown = now;
    this.slowdowns++;
    this.rate = Math.max(this.minRate(), this.rate / 2);
  }

  /** A request succeeded: recover additively towards the configured rate. */
  onSuccess(): void {
    if (this.rate < this.baseRate) this.rate = Math.min(this.baseRate, this.rate + this.baseRate / 20);
  }

  private minRate(): number {
    return Math.max(0.5, this.baseRate / 16);
  }
}

export class RateLimitWaitExceedsDeadline extends Error {
  constructor(readonly waitMs: number) {
    super(`client-side rate limit wait of ${waitMs} ms exceeds the operation deadline`);
    this.name = "RateLimitWaitExceedsDeadline";
  }
}

const limiters = new Map<string, RateLimiter>();

/** The process-wide limiter for a host; a later client with explicit options re-configures it. */
export function rateLimiterFor(host: string, opts: RateLimiterOptions, explicit: boolean): RateLimiter {
  let limiter = limiters.get(host);
  if (!limiter) {
    limiter = new RateLimiter(opts);
    limiters.set(host, limiter);
  } else if (explicit) {
    limiter.configure(opts);
  }
  return limiter;
}
