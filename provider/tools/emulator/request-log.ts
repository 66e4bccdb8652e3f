/**
 * The request log: one entry per API request (control endpoints are not recorded), read by tests
 * through `handle.requests()` and `GET /__emulator/requests`, and the human log line written when
 * a request is answered.
 */
import { RequestLogEntry } from "./types";
import { DEFAULT_WORKSPACE } from "./workspace";

/** Oldest entries are dropped beyond this, so a long soak cannot grow the log without end. */
const MAX_LOGGED_REQUESTS = 100_000;

export class RequestLog {
  private entries: RequestLogEntry[] = [];

  record(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_LOGGED_REQUESTS) this.entries.splice(0, this.entries.length - MAX_LOGGED_REQUESTS);
  }

  /** Copies of the entries, of one workspace or all. */
  list(workspace?: string): RequestLogEntry[] {
    return this.entries
      .filter((e) => workspace === undefined || e.workspace === workspace)
      .map((e) => ({ ...e, query: { ...e.query } }));
  }

  clear(workspace?: string): void {
    this.entries = workspace === undefined ? [] : this.entries.filter((e) => e.workspace !== workspace);
  }
}

/**
 * "METHOD path STATUS TIMEms [fault KIND] [workspace NAME]": only method, path and status, never
 * headers, query or bodies (they may carry secrets). A request with no answer shows why instead of
 * a status: RESET (the emulator closed the connection), NO-ANSWER (held open, never answered) or
 * CLIENT-GONE (the client gave up before the answer was due).
 */
export function logLine(entry: RequestLogEntry, ms: number, unanswered: "RESET" | "NO-ANSWER" | "CLIENT-GONE" = "RESET"): string {
  const where = entry.workspace && entry.workspace !== DEFAULT_WORKSPACE ? ` [workspace ${entry.workspace}]` : "";
  const status = entry.status === 0 ? unanswered : entry.status;
  return `${entry.method} ${entry.path} ${status} ${ms}ms${entry.fault ? ` [fault ${entry.fault}]` : ""}${where}`;
}
