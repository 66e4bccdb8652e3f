/** Runs the built `pulumi-genie` CLI as a user would: a separate process with only the environment given. */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "../..");
export const CLI = path.join(ROOT, "dist/provider/tools/cli/main.js");
/** Fake `databricks` and `az` executables. */
export const FAKE_BIN = path.join(ROOT, "test/fixtures/bin");
/** Where `node` is, for the fakes' `#!/usr/bin/env node` (and nothing else from the machine's PATH). */
export const NODE_DIR = path.dirname(process.execPath);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string>, cwd = os.tmpdir()): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env, cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as NodeJS.ErrnoException).code === "number" ? ((error as unknown as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** A scratch home directory (no ~/.databrickscfg, no CLI logins), removed by `cleanup`. */
export function scratchHome(): { home: string; cleanup: () => void } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "genie-auth-home-"));
  return { home, cleanup: () => fs.rmSync(home, { recursive: true, force: true }) };
}

/** Every form a credential may be sent in: as is, URL/form-encoded, JSON-escaped, base64/base64url. */
export function credentialForms(secret: string): string[] {
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ v: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString("base64").replace(/=+$/, ""),
    Buffer.from(secret).toString("base64url"),
  ]);
  return [...forms];
}

/** The HTTP Basic value of an OAuth client, both encodings clients use. */
export function basicForms(clientId: string, secret: string): string[] {
  return [`${clientId}:${secret}`, `${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`].map((p) => Buffer.from(p).toString("base64"));
}
