/**
 * Worker threads for large folders: files are validated in parallel (the calling thread plus one
 * worker per remaining core) and their outcomes come back in file order, exactly as the in-process loader would produce them.
 * A definition crosses the thread boundary as its canonical body (a string), which is cheaper to
 * send and rebuild than a structured clone of the object tree.
 */
import { existsSync } from "node:fs";
import * as os from "node:os";
import * as nodePath from "node:path";
import { Worker } from "node:worker_threads";
import type { FileOutcome, FileSpace } from "./files";
import { definitionFromBody } from "./normalize";

/** Below this many files the workers' start-up (~50 ms each) costs more than it saves. */
export const WORKER_THRESHOLD = 64;
/** Files per message: small enough to balance the workers, large enough to amortise messaging. */
const BATCH = 8;

export interface WorkerRequest { batch: number; files: string[]; vars: Record<string, string> }
export type WireSpace = Omit<FileSpace, "space"> & { space: Omit<FileSpace["space"], "definition"> & { body: string } };
export interface WireOutcome { spaces: WireSpace[]; problems: FileOutcome["problems"] }
export type WorkerResponse = { batch: number; outcomes: WireOutcome[] } | { batch: number; error: string };

/**
 * The compiled worker script next to this module, or undefined when running from TypeScript
 * sources (jest via ts-jest): a worker thread cannot load .ts files, so those run in process.
 */
export function workerScript(): string | undefined {
  if (!__filename.endsWith(".js")) return undefined;
  const script = nodePath.join(__dirname, "file-worker.js");
  return existsSync(script) ? script : undefined;
}

export function workerCount(): number {
  const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cores, 8));
}

function fromWire(outcome: WireOutcome): FileOutcome {
  return {
    problems: outcome.problems,
    spaces: outcome.spaces.map(({ space: { body, ...meta }, segs, problemIndex }) => ({
      space: { ...meta, definition: definitionFromBody(body) },
      segs,
      problemIndex,
    })),
  };
}

/**
 * Validate `files` on worker threads plus the calling thread; resolves with one outcome per file,
 * in file order. The calling thread takes batches too (with one worker per remaining core), so
 * on a 2-core machine two threads share two cores instead of three contending for them.
 */
export async function loadOutcomesInWorkers(
  script: string, files: readonly string[], vars: Record<string, string>,
  loadHere: (file: string) => FileOutcome, threads = workerCount(),
): Promise<FileOutcome[]> {
  const outcomes: FileOutcome[] = new Array(files.length);
  const batches = Math.ceil(files.length / BATCH);
  let nextBatch = 0;
  const take = (): number | undefined => (nextBatch < batches ? nextBatch++ : undefined);
  const filesOf = (batch: number) => files.slice(batch * BATCH, (batch + 1) * BATCH);
  const workers = Array.from({ length: Math.max(1, Math.min(threads - 1, batches - 1)) }, () => new Worker(script));
  let failed: unknown;
  let closing = false;
  const fail = (e: unknown) => { if (!closing) failed ??= e; };
  try {
    const workersDone = Promise.all(workers.map((worker) => new Promise<void>((resolve) => {
      let inFlight = 0;
      // Two batches in flight per worker: it never waits while the calling thread is busy validating.
      const send = () => {
        while (inFlight < 2 && failed === undefined) {
          const batch = take();
          if (batch === undefined) break;
          inFlight++;
          const request: WorkerRequest = { batch, files: filesOf(batch), vars };
          worker.postMessage(request);
        }
        if (inFlight === 0) resolve();
      };
      worker.on("message", (response: WorkerResponse) => {
        inFlight--;
        if ("error" in response) fail(new Error(response.error));
        else response.outcomes.forEach((o, i) => { outcomes[response.batch * BATCH + i] = fromWire(o); });
        send();
      });
      worker.on("error", (e) => { fail(e); resolve(); });
      worker.on("exit", (code) => { if (code !== 0) fail(new Error(`space file worker exited with code ${code}`)); resolve(); });
      send();
    })));
    for (let batch = take(); batch !== undefined && failed === undefined; batch = take()) {
      filesOf(batch).forEach((file, i) => { outcomes[batch * BATCH + i] = loadHere(file); });
      // Let worker answers in, so their next batches are sent while this thread keeps working.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await workersDone;
  } finally {
    closing = true; // terminate() makes workers exit with code 1: not a failure
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failed !== undefined) throw failed;
  return outcomes;
}
