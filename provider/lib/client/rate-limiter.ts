// Client-side throttle shared by every call to one workspace host (docs/reliability.md "Rate
// limits"), so hundreds of parallel resource operations neither exceed the configured budget nor
// turn into a 429 storm when the server allows less than that:
// - the rate comes from ./learned-rate (the budget until the server refuses, then what it sustains);
// - when 429s show the server is full (a congestion event while cruising, see ./learned-rate), its
//   Retry-After holds every caller for the host, not only the one refused: the server has said
//   when it accepts requests again, and the others would only be refused meanwhile;
// - callers wait in one queue, earliest deadline first, and are let through one at a time at the
//   rate of the moment. A slot is taken only when a caller is let through, so a slowdown applies
//   at once to everyone still waiting, and a caller that gives up leaves its place to the next.
import { LearnedRate } from "./learned-rate";

export interface RateLimiterOptions {
  /** The budget: sustained requests per second, never exceeded. */
  requestsPerSecond: number;
  /** Requests allowed back-to-back after idling, at the full budget (scaled with the rate). */
  burst: number;
}

/** Time source and timers (tests drive a virtual clock). */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

/** A caller's slot: hand it back to the limiter with what became of the request. */
export interface Permit {
  /** When the caller was let through (the request's send time). */
  readonly sentAt: number;
  /** The spacing it took, given back if the request is never sent. */
  readonly intervalMs: number;
  /** Cuts made before it was let through: a 429 for it after a later cut echoes that cut. */
  readonly epoch: number;
}

interface Waiter {
  deadline: number;
  resolve(p: Permit): void;
  reject(e: Error): void;
  cancelDeadline?: () => void;
}

/** The shortest stretch a server's rate is measured over: a bucket refilled continuously shows it within a second. */
const MIN_WINDOW_MS = 1000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export class RateLimiter {
  private readonly learned: LearnedRate;
  private burstSeconds: number;
  /** Theoretical arrival time of the next request (GCRA form of a token bucket). */
  private tat = -Infinity;
  /** No caller is let through before this (the server's Retry-After). */
  private heldUntil = -Infinity;
  /** The server's window as its last Retry-After told it. */
  private windowMs = MIN_WINDOW_MS;
  /** Sorted by deadline; equal deadlines in arrival order. */
  private readonly queue: Waiter[] = [];
  private cancelTimer?: () => void;
  /** Times a congestion event held the host for the server's Retry-After. */
  holds = 0;

  constructor(
    opts: RateLimiterOptions,
    private readonly clock: Clock = systemClock,
  ) {
    this.learned = new LearnedRate({ budget: opts.requestsPerSecond });
    this.burstSeconds = burstSeconds(opts);
  }

  configure(opts: RateLimiterOptions): void {
    this.learned.setBudget(opts.requestsPerSecond);
    this.burstSeconds = burstSeconds(opts);
    this.pump();
  }

  /** Requests per second allowed now. */
  get currentRate(): number {
    return this.learned.rateAt(this.clock.now());
  }

  /** Congestion events that slowed the host down. */
  get slowdowns(): number {
    return this.learned.cuts;
  }

  /**
   * Waits for a slot. Rejects with RateLimitWaitExceedsDeadline at `deadline` at the latest, and
   * at once when the server's Retry-After already holds the host past it.
   */
  acquire(deadline = Infinity): Promise<Permit> {
    const now = this.clock.now();
    if (now >= deadline || this.heldUntil > deadline) return Promise.reject(new RateLimitWaitExceedsDeadline(Math.max(0, this.heldUntil - now)));
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = { deadline, resolve, reject };
      let i = this.queue.length;
      while (i > 0 && this.queue[i - 1].deadline > deadline) i--;
      this.queue.splice(i, 0, waiter);
      // (A deadline beyond what a timer can hold is as good as none.)
      if (deadline - now <= MAX_TIMER_MS) waiter.cancelDeadline = this.clock.setTimer(deadline - now, () => this.giveUp(waiter));
      this.pump();
    });
  }

  /** The server processed the request (any answer but 429). */
  accepted(permit: Permit): void {
    this.learned.accepted(permit.sentAt, permit.epoch);
  }

  /**
   * The server answered 429, with Retry-After in ms when it sent one. Returns whether the host
   * slowed down; when that is because the server is full, every caller is also held for the
   * Retry-After.
   */
  throttled(permit: Permit, retryAfterMs?: number): boolean {
    const now = this.clock.now();
    if (retryAfterMs !== undefined && retryAfterMs > 0) this.windowMs = Math.max(MIN_WINDOW_MS, retryAfterMs);
    const event = this.learned.throttled(permit.sentAt, permit.epoch, now, this.windowMs);
    // The server is full (not just refusing a probe): nobody else goes before it says.
    if (event === "cruising" && retryAfterMs !== undefined && retryAfterMs > 0) {
      this.heldUntil = Math.max(this.heldUntil, now + retryAfterMs);
      this.holds++;
    }
    this.pump();
    return event !== false;
  }

  /** The request was never sent: its slot goes to the next caller. */
  release(permit: Permit): void {
    this.tat -= permit.intervalMs;
    this.pump();
  }

  private giveUp(waiter: Waiter): void {
    if (this.remove(waiter)) this.pump();
  }

  private remove(waiter: Waiter): boolean {
    const i = this.queue.indexOf(waiter);
    if (i < 0) return false;
    this.queue.splice(i, 1);
    waiter.cancelDeadline?.();
    waiter.reject(new RateLimitWaitExceedsDeadline(Math.max(this.heldUntil, waiter.deadline) - this.clock.now()));
    return true;
  }

  /** Lets through every caller whose slot has come, then sleeps until the next one's. */
  private pump(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const now = this.clock.now();
    // Callers the server's hold keeps past their deadline learn it now, not at the deadline.
    for (const w of this.queue.filter((w) => w.deadline < this.heldUntil)) this.remove(w);
    while (this.queue.length > 0) {
      const rate = this.learned.rateAt(now);
      const interval = 1000 / rate;
      const burst = Math.max(1, rate * this.burstSeconds);
      // A burst is credit earned by idling: a new limiter spaces its first requests rather than
      // burst into a server whose limit it does not know yet.
      if (this.tat === -Infinity) this.tat = now + (burst - 1) * interval;
      const wait = Math.max(this.heldUntil - now, this.tat - (burst - 1) * interval - now, 0);
      if (wait > 0) {
        this.cancelTimer = this.clock.setTimer(wait, () => {
          this.cancelTimer = undefined;
          this.pump();
        });
        return;
      }
      const waiter = this.queue.shift()!;
      waiter.cancelDeadline?.();
      this.tat = Math.max(this.tat, now) + interval;
      waiter.resolve({ sentAt: now, intervalMs: interval, epoch: this.learned.cuts });
    }
  }
}

function burstSeconds(opts: RateLimiterOptions): number {
  return Math.max(1, opts.burst) / opts.requestsPerSecond;
}

export class RateLimitWaitExceedsDeadline extends Error {
  constructor(readonly waitMs: number) {
    super(`client-side rate limit wait of ${Math.round(waitMs)} ms exceeds the operation deadline`);
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
