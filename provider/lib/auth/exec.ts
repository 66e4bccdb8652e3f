// Runs a local command-line tool (the Databricks CLI, the Azure CLI) for a token.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

const TOOL_TIMEOUT_MS = 60_000;

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

/** Runs `file args…` with `env`; never throws for a non-zero exit (the caller reads stderr). */
export function runTool(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = TOOL_TIMEOUT_MS): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, windowsHide: true }, (error, stdout, stderr) => {
      const e = error as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
      let code = 0;
      if (e) code = typeof e.code === "number" ? e.code : e.killed ? 124 : 127;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (e && typeof e.code !== "number" && !stderr ? e.message : "") });
    });
  });
}

/** The first line of a tool's error output, without the tool's own "Error: " prefix. */
export function firstLine(text: string): string {
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "") ?? "";
  return line.replace(/^(Error|ERROR):\s*/, "");
}
