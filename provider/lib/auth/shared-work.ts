// One piece of sign-in work that many callers wait for at once — a token refresh, the choice of a
// sign-in method, reading the Databricks CLI's version — run once for all of them. Each caller waits
// at most until its own signal aborts (its operation's deadline); once nobody waits any more, the
// work itself is cancelled: the CLI it started is killed, its HTTP request dropped. A caller without
// a signal waits to the end, so work it started in the background is never cancelled by others.
import { AuthTokenError, cancelled } from "./http";

interface Run<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

export class SharedWork<T> {
  private current?: Run<T>;
  private kept?: { value: T };

  /** `keep`: after a run succeeds, its value is the answer for good (no further runs). */
  constructor(
    private readonly work: (signal: AbortSignal) => Promise<T>,
    private readonly keep = false,
  ) {}

  /** The value of the run that succeeded, when `keep`. */
  get value(): T | undefined {
    return this.kept?.value;
  }

  /** Waits for the run in flight, starting one if none is; stops waiting (rejects) when `signal` aborts. */
  wait(signal?: AbortSignal): Promise<T> {
    if (this.kept) return Promise.resolve(this.kept.value);
    if (signal?.aborted) return Promise.reject(cancelled(signal));
    const run = this.current ?? this.start();
    run.waiters++;
    if (!signal) return run.promise;
    return new Promise<T>((resolve, reject) => {
      const leave = (): void => {
        run.waiters--;
        if (run.waiters === 0) {
          if (this.current === run) this.current = undefined;
          run.controller.abort(new AuthTokenError("cancelled: nobody waits for this credential any more", { retryable: false }));
        }
        reject(cancelled(signal));
      };
      signal.addEventListener("abort", leave, { once: true });
      run.promise.then(
        (value) => {
          signal.removeEventListener("abort", leave);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", leave);
          reject(error);
        },
      );
    });
  }

  private start(): Run<T> {
    const controller = new AbortController();
    const run: Run<T> = { controller, waiters: 0, promise: Promise.resolve(undefined as T) };
    run.promise = Promise.resolve()
      .then(() => this.work(controller.signal))
      .then((value) => {
        if (this.keep && !controller.signal.aborted) this.kept = { value };
        return value;
      })
      .finally(() => {
        if (this.current === run) this.current = undefined;
      });
    // Nobody may be waiting any more when a cancelled run fails.
    run.promise.catch(() => undefined);
    this.current = run;
    return run;
  }
}
