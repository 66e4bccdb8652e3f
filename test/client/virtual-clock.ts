// A clock whose time moves only when a test says so: the rate limiter's behavior is asserted on
// virtual time, independent of how loaded the machine is.
import type { Clock } from "../../provider/lib/client/rate-limiter";

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export class VirtualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = 1_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(ms, resolve));
  }

  /** Pending timers. */
  get pending(): number {
    return this.timers.length;
  }

  /** Runs every timer due by now + ms in time order, letting promise callbacks settle after each. */
  async advance(ms: number): Promise<void> {
    await this.runUntil(this.time + ms);
  }

  /** Runs timers until none is left (or `limit` virtual ms have passed). */
  async runAll(limit = 24 * 3600_000): Promise<void> {
    await this.runUntil(this.time + limit, true);
  }

  private async runUntil(end: number, stopWhenIdle = false): Promise<void> {
    await settle();
    for (;;) {
      const next = this.nextTimer();
      if (!next || next.at > end) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = Math.max(this.time, next.at);
      next.fn();
      await settle();
    }
    if (!stopWhenIdle) this.time = Math.max(this.time, end);
  }

  private nextTimer(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  }
}

/** Lets every pending promise callback run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
