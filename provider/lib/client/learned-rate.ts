// How fast one workspace host lets us go, learned from its 429 answers (docs/reliability.md
// "Rate limits"). Databricks publishes no limit for the space-management endpoints
// (docs/genie-api.md §3), so the client starts at its budget and learns the server's rate.
//
// CUBIC congestion control (RFC 9438) in requests per second, with the server's rate measured:
// - Measure. When the server refuses, its bucket is empty. Between two such moments it accepted
//   exactly what it refilled, so the requests it accepted in between, over the time in between,
//   is its rate. A measurement spans at least one server window (Retry-After tells its length; a
//   bucket refilled continuously needs about a second). Without one (the first refusal) the rate
//   is halved, once; the next cut waits for a measurement.
// - Cut. The measured rate becomes the plateau (CUBIC's W_max), never below half the current rate
//   (a stretch in which we were idle measures low), and the rate restarts at `backoff` × it, just
//   under what the server sustains.
// - Climb. Back to the plateau along a concave cubic, a while near it (few probes where the
//   server refused before), then faster and faster up to the budget if the server has relaxed.
// - Cruising (at or below the plateau, or at the budget before any cut) the server has already
//   accepted this rate: refusals are a congestion event only when they pass one answer in ten
//   (the most a run may see), so a server that refuses now and then for its own reasons does not
//   talk the client down to a crawl. Below a halved (guessed) plateau, any refusal is one.
// - Probing (past the plateau) the first refusal ends the probe and restarts below the plateau;
//   it does not lower the plateau, only cruising refusals do (the server has tightened).
// - A 429 for a request sent before the last cut is the same event seen again (whatever was in
//   flight is refused too): it does not cut again.

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

/** Share of refusals tolerated while cruising. */
const TOLERATED_REFUSALS = 0.1;
/** The share is taken over at least this many answers, so one early refusal is not 100 %. */
const MIN_SAMPLE = 20;

/** What a 429 did: nothing, or a cut while cruising (the server is full) or at the end of a probe. */
export type CongestionEvent = false | "cruising" | "probing";

interface Cut {
  /** When we reacted. */
  at: number;
  plateau: number;
  start: number;
  /** The plateau was halved for want of a measurement. */
  guessed: boolean;
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
  /** Answers and refusals to requests sent while cruising, since the last cruising cut. */
  private answers = 0;
  private refusals = 0;
  /** Cuts so far; a request sent while this was lower was sent at an old rate. */
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

  /** The server processed (answered anything but 429) a request sent at `sentAt`, when `cuts` was `epoch`. */
  accepted(sentAt: number, epoch: number): void {
    if (this.emptyAt !== undefined && sentAt > this.emptyAt) this.acceptedSinceEmpty++;
    if (epoch === this.cuts && !this.probingAt(sentAt)) this.answers++;
  }

  /**
   * The server answered 429 to a request sent at `sentAt`, when `cuts` was `epoch`; `windowMs` is
   * the shortest stretch the server's accounting can be measured over.
   */
  throttled(sentAt: number, epoch: number, now: number, windowMs: number): CongestionEvent {
    if (epoch < this.cuts) return false;
    const probing = this.probingAt(sentAt);
    const measured =
      this.emptyAt !== undefined && sentAt - this.emptyAt >= windowMs ? (this.acceptedSinceEmpty * 1000) / (sentAt - this.emptyAt) : undefined;
    const current = this.rateAt(now);
    let plateau: number;
    if (probing) {
      plateau = Math.max(this.cut!.plateau, Math.min(current, measured ?? 0));
    } else {
      this.answers++;
      this.refusals++;
      const tolerated = this.cut?.guessed ? 0 : TOLERATED_REFUSALS * Math.max(this.answers, MIN_SAMPLE);
      if (this.refusals <= tolerated) return false;
      if (measured === undefined && this.cut) return false;
      plateau = clamp(Math.min(current, Math.max(current / 2, measured ?? 0)), this.floor, this.budget);
      this.answers = 0;
      this.refusals = 0;
    }
    this.cut = { at: now, plateau, start: Math.max(this.floor, plateau * this.backoff), guessed: !probing && measured === undefined };
    this.emptyAt = sentAt;
    this.acceptedSinceEmpty = 0;
    this.cuts++;
    return probing ? "probing" : "cruising";
  }

  /** Past the plateau: the climb is testing whether the server now allows more. */
  private probingAt(sentAt: number): boolean {
    return this.cut !== undefined && sentAt >= this.cut.at + this.recoveryMs;
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
