// Runs a local command-line tool (the Databricks CLI, the Azure CLI) for a token.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { cancelled } from "./http";
import type { StrategyContext } from "./strategy";

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Stopped after `timeoutMs` without an answer. */
  timedOut: boolean;
  timeoutMs: number;
}

/** How long the commands that get one token may take together (ctx.toolTimeoutMs by default). */
export const TOOL_TIMEOUT_MS = 60_000;

/** The executable `name` on `env.PATH` (or `name` itself when it is a path), or undefined. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const isFile = (p: string): boolean => {
    try {
      const st = fs.statSync(p);
      if (!st.isFile()) return false;
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (name.includes("/") || name.includes(path.sep)) return isFile(name) ? path.resolve(name) : undefined;
  const exts = process.platform === "win32" ? ["", ".exe", ".cmd"] : [""];
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Runs `file args…` with `env`; never rejects for a non-zero exit or a timeout (the caller reads
 * stderr and `timedOut`). When `signal` aborts, the process is killed and the call rejects.
 */
export function runTool(file: string, args: string[], env: NodeJS.ProcessEnv, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ToolResult> {
  const { timeoutMs, signal } = opts;
  if (signal?.aborted) return Promise.reject(cancelled(signal));
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: timeoutMs, signal, maxBuffer: 4 * 1024 * 1024, windowsHide: true }, (error, stdout, stderr) => {
      if (signal?.aborted) return reject(cancelled(signal));
      const e = error as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
      const timedOut = e?.killed === true && typeof e.code !== "number";
      let code = 0;
      if (e) code = typeof e.code === "number" ? e.code : timedOut ? 124 : 127;
      const out = String(stderr);
      // Node's own words ("Command failed: …") only when the tool said nothing (e.g. it could not start).
      resolve({ code, stdout: String(stdout), stderr: out + (e && !timedOut && typeof e.code !== "number" && !out ? e.message : ""), timedOut, timeoutMs });
    });
  });
}

/**
 * The commands that make up one token fetch (the Azure CLI may need up to four): they share one time
 * budget, ctx.toolTimeoutMs, so a token is never waited for longer than that however many commands
 * it takes; and they stop when `signal` aborts.
 */
export function toolSession(ctx: StrategyContext, signal?: AbortSignal): (file: string, args: string[]) => Promise<ToolResult> {
  const end = Date.now() + ctx.toolTimeoutMs;
  return (file, args) => runTool(file, args, ctx.env, { timeoutMs: Math.max(1, end - Date.now()), signal });
}

/** "timed out after N s", or "failed: <the tool's first error line>". */
export function toolOutcome(res: ToolResult): string {
  if (res.timedOut) return `timed out after ${seconds(res.timeoutMs)} s`;
  return `failed: ${firstLine(res.stderr) || `exit code ${res.code}`}`;
}

/** Milliseconds as seconds for messages: 800 → "0.8", 60000 → "60". */
export function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(1)));
}

/** The first line of a tool's error output, without the tool's own "Error: " prefix. */
export function firstLine(text: string): string {
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "") ?? "";
  return line.replace(/^(Error|ERROR):\s*/, "");
}
