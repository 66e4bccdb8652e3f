// Scripted soak (docs/performance.md): N creates through GenieClient at concurrency 16 against the
// emulator with 15 % 503, 10 % 429 and 3 % reset-after-commit on create → exactly N spaces, no
// duplicates, no failed operation. Run small by jest, full size by test/bench/soak.bench.js.
// Deliberately not exported from the client barrel: it pulls in the emulator.
import { credentialsFor, resolveAuthConfig } from "../../lib/auth";
import { startEmulator, type FaultRule } from "./index";
import { GenieClient } from "../../lib/client/genie-client";
import { closeConnectionPool } from "../../lib/client/transport";

export interface SoakOptions {
  creates: number;
  concurrency?: number;
  /** Fault rules for the emulator; true/absent: the mix on POST /api/2.0/genie/spaces; false: none. */
  faults?: boolean | FaultRule[];
  /** Client tuning (defaults keep a 300-create soak to seconds, not minutes). */
  requestsPerSecond?: number;
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Use GenieClient's production defaults (20 req/s, 0.5 s–30 s backoff) instead of the quick tuning above. */
  productionDefaults?: boolean;
}

export interface SoakResult {
  /** createSpace calls that resolved. */
  created: number;
  /** Distinct space ids returned to callers. */
  distinct: number;
  /** Spaces on the server beyond one per requested title. */
  duplicates: number;
  /** createSpace calls that rejected. */
  failed: number;
  /** HTTP requests the client sent (all retries and lookups included). */
  requests: number;
  wallMs: number;
  /** Spaces that exist on the server afterwards. */
  spaces: number;
  retries: number;
  throttled: number;
  /** Faults the emulator injected, by kind. */
  faultsInjected: Record<string, number>;
  errors: string[];
}

const CREATE_PATH = "/api/2.0/genie/spaces";

export function defaultSoakFaults(): FaultRule[] {
  return [
    { method: "POST", path: CREATE_PATH, kind: "503", probability: 0.15 },
    { method: "POST", path: CREATE_PATH, kind: "429", probability: 0.1, retryAfterSeconds: 1 },
    { method: "POST", path: CREATE_PATH, kind: "reset-after-commit", probability: 0.03 },
  ];
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const concurrency = opts.concurrency ?? 16;
  const faults = Array.isArray(opts.faults) ? opts.faults : opts.faults === false ? [] : defaultSoakFaults();
  const emulator = await startEmulator({ faults });
  try {
    const config = resolveAuthConfig({ host: emulator.url, token: emulator.token }, { env: {}, homeDir: "/nonexistent" });
    const client = new GenieClient({
      host: config.host,
      credentials: credentialsFor(config),
      ...(opts.productionDefaults
        ? {}
        : { requestsPerSecond: opts.requestsPerSecond ?? 200, minRetryDelayMs: opts.minRetryDelayMs ?? 20, maxRetryDelayMs: opts.maxRetryDelayMs ?? 250 }),
    });
    const serialized = JSON.stringify({ version: 2, data_sources: { tables: [{ identifier: "retail.gold.orders" }] } });
    const ids: string[] = [];
    const errors: string[] = [];
    let next = 0;
    const started = Date.now();
    const worker = async (): Promise<void> => {
      while (next < opts.creates) {
        const i = next++;
        try {
          const s = await client.createSpace({ title: `soak ${i}`, warehouse_id: "abcdef0123456789", serialized_space: serialized, parent_path: "/Workspace/Shared" });
          ids.push(s.space_id);
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
    };
    await Promise.all([...Array(Math.max(1, concurrency))].map(worker));
    const wallMs = Date.now() - started;

    const live = emulator.spaces.list();
    const titles = new Set(live.map((s) => s.title));
    const faultsInjected: Record<string, number> = {};
    for (const r of emulator.requests()) if (r.fault) faultsInjected[r.fault] = (faultsInjected[r.fault] ?? 0) + 1;
    const stats = client.stats();
    return {
      created: ids.length,
      distinct: new Set(ids).size,
      duplicates: live.length - titles.size,
      failed: errors.length,
      requests: stats.requests,
      wallMs,
      spaces: live.length,
      retries: stats.retries,
      throttled: stats.throttled,
      faultsInjected,
      errors,
    };
  } finally {
    await closeConnectionPool(emulator.url);
    await emulator.close();
  }
}
