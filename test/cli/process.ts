/**
 * Runs `pulumi-genie` as a user does: the built bin (dist/provider/tools/cli/main.js) in its own
 * node process, with an environment that holds nothing of the developer's machine. Asynchronous on
 * purpose: an emulator serving the command runs in the test's own process. Build first
 * (`npx tsc -p tsconfig.json`; `npm test` does).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const BIN = path.resolve(__dirname, "../../dist/provider/tools/cli/main.js");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for messages that may go to either. */
  output: string;
}

export interface CliProcessOptions {
  cwd: string;
  /** DATABRICKS_* and the like; PATH is always passed, HOME is a fresh empty folder unless given. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

export function runCli(args: string[], opts: CliProcessOptions): Promise<CliRun> {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npx tsc -p tsconfig.json\` first`);
  const home = opts.env?.HOME ?? fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-genie-home-"));
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: home, DATABRICKS_CONFIG_FILE: path.join(home, "no-databrickscfg") };
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v !== undefined) env[k] = v;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: opts.cwd, env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (opts.env?.HOME === undefined) fs.rmSync(home, { recursive: true, force: true });
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr, output: `${stdout}${stderr}` });
    });
  });
}

/** The words of a command line the CLI suggests, quoted the POSIX-shell way ('…', and \' outside quotes). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === "\\") {
      word = (word ?? "") + line[++i];
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? "") + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}
