/**
 * Server-side request throttling, standing in for workspace API throttling
 * (docs/genie-api.md §3 "Rate limiting"): a token bucket refilled at `rate` per second whose
 * capacity is one second's worth of requests.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    now: number,
  ) {
    this.tokens = Math.max(1, rate);
    this.last = now;
  }

  /** Take one token; returns 0 when allowed, else the whole seconds to wait (≥ 1) for Retry-After. */
  take(now: number): number {
    const capacity = Math.max(1, this.rate);
    this.tokens = Math.min(capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.rate));
  }
}
