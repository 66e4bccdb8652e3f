// How fast one workspace host lets us go, learned from its 429 answers (docs/reliability.md
// "Rate limits"). Databricks publishes no limit for the space-management endpoints
// (docs/genie-api.md §3), so the client starts at its budget and learns the server's rate.
//
// The algorithm is CUBIC congestion control (RFC 9438) in requests per second instead of packets:
// - A 429 for a request sent after the last cut is a congestion event. The server's bucket was
//   empty when that request arrived, and it was empty when the previous event's request arrived,
//   so the requests it accepted in between, divided by the time in between, is its refill rate.
//   That measurement becomes the plateau (CUBIC's W_max), but one event never cuts by more than
//   half (a measurement over a stretch where we were idle reads low), and the sending rate drops
//   to `backoff` × plateau, just under what the server sustains.
// - A 429 for a request sent before the last cut is the same event seen again (everything that
//   was already in flight is refused too); it does not cut again.
// - After a cut the rate climbs back to the plateau along a concave cubic, stays near it for a
//   while (few probes where the server refused before), then accelerates away along a convex
//   cubic: if the server has relaxed, the budget is back within a few `recoveryMs`.
// The measurement needs at least one server window between events (Retry-After tells its length;
// a token bucket refilled continuously needs about a second), else the cut is the plain halving.

export interface LearnedRateOptions {
  /** The most requests per second the client ever sends (its configured budget). */
  budget: number;
  /** CUBIC's K: time from a cut back to the plateau (default 2 s). */
  recoveryMs?: number;
  /** Fraction of the plateau to restart from after a cut (default 0.9). */
  backoff?: number;
  /** Never slower than this many requests per second (default 0.25). */
  floor?: number;
}

interface Cut {
  /** When we reacted. */
  at: number;
  plateau: number;
  start: number;
}

export class LearnedRate {
  private budget: number;
  private readonly recoveryMs: number;
  private readonly backoff: number;
  private readonly floor: number;
  private cut?: Cut;
  /** Send time of the request whose 429 caused the last cut: the server's bucket was empty then. */
  private emptyAt?: number;
  /** Requests sent after `emptyAt` that the server accepted. */
  private acceptedSinceEmpty = 0;
  /** Congestion events that cut the rate; a request sent while this was lower was sent at an old rate. */
  cuts = 0;

  constructor(opts: LearnedRateOptions) {
    this.budget = opts.budget;
    this.recoveryMs = opts.recoveryMs ?? 2000;
    this.backoff = opts.backoff ?? 0.9;
    this.floor = opts.floor ?? 0.25;
  }

  setBudget(budget: number): void {
    this.budget = budget;
  }

  /** Requests per second allowed at `now`. */
  rateAt(now: number): number {
    if (!this.cut) return this.budget;
    const { at, plateau, start } = this.cut;
    const u = (now - at - this.recoveryMs) / this.recoveryMs;
    return clamp(plateau + (plateau - start) * u ** 3, this.floor, this.budget);
  }

  /** The rate the server sustained, as last measured (undefined before the first measurement). */
  get plateau(): number | undefined {
    return this.cut?.plateau;
  }

  /** The server processed a request sent at `sentAt` (any answer but 429). */
  accepted(sentAt: number): void {
    if (this.emptyAt !== undefined && sentAt > this.emptyAt) this.acceptedSinceEmpty++;
  }

  /**
   * The server answered 429 to a request sent at `sentAt`, when `cuts` was `epoch`; `windowMs` is
   * the shortest stretch the server's own accounting can be measured over. Returns whether this
   * was a new congestion event.
   */
  throttled(sentAt: number, epoch: number, now: number, windowMs: number): boolean {
    if (epoch < this.cuts) return false;
    const current = this.rateAt(now);
    let plateau = current / 2;
    if (this.emptyAt !== undefined && sentAt - this.emptyAt >= windowMs) {
      const measured = (this.acceptedSinceEmpty * 1000) / (sentAt - this.emptyAt);
      plateau = Math.min(current, Math.max(plateau, measured));
    }
    plateau = clamp(plateau, this.floor, this.budget);
    this.cut = { at: now, plateau, start: Math.max(this.floor, plateau * this.backoff) };
    this.emptyAt = sentAt;
    this.acceptedSinceEmpty = 0;
    this.cuts++;
    return true;
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
