/**
 * The emulator in a child process, as `pulumi-genie emulator` runs it (runEmulator), so a test can
 * read the server's own memory from /proc without the test process's allocations in the figure.
 * The child runs the current source: `provider/` is transpiled once per test file into a temporary
 * folder (removed afterwards), which keeps each child's start under a second.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EmulatorOptions } from "../../provider/tools/emulator";

const ROOT = path.resolve(__dirname, "../..");
/** Transpiled whole: the emulator imports a little of the library (identity trust uses lib/auth). */
const SOURCE = path.join(ROOT, "provider");
const COMMAND = "tools/emulator/command.js";

export interface EmulatorProcess {
  url: string;
  token: string;
  /** Resident set size now, MiB. */
  rssMiB(): number;
  /** Peak resident set size since the last resetPeak() (or the start), MiB. */
  peakMiB(): number;
  /** Measure the peak from the current RSS on (Linux: /proc/PID/clear_refs). */
  resetPeak(): void;
  close(): Promise<void>;
}

/** Whether this platform lets a test read a process's memory (Linux /proc). */
export const canReadProcessMemory = process.platform === "linux";

/** `provider/` as CommonJS in `dir` (same layout, so relative imports hold). */
function transpileProvider(dir: string): void {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const ts = require("typescript") as typeof import("typescript");
  const walk = (from: string): void => {
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      const file = path.join(from, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
        const out = ts.transpileModule(fs.readFileSync(file, "utf8"), {
          fileName: file,
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        });
        const target = path.join(dir, path.relative(SOURCE, file)).replace(/\.ts$/, ".js");
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, out.outputText);
      }
    }
  };
  walk(SOURCE);
}

function statusMiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

async function startIn(dir: string, options: EmulatorOptions): Promise<EmulatorProcess> {
  const boot = `require(process.argv[1]).runEmulator(JSON.parse(process.argv[2]), (line) => process.stdout.write(line + "\\n"));`;
  const child = spawn(process.execPath, ["-e", boot, path.join(dir, COMMAND), JSON.stringify(options)], {
    stdio: ["ignore", "pipe", "inherit"],
    // The transpiled files live outside the repository; bare imports (commander, …) resolve from it.
    env: { ...process.env, NODE_PATH: path.join(ROOT, "node_modules") },
  });
  const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer) => {
      out += d.toString("utf8");
      const url = /^GENIE_EMULATOR_URL=(\S+)$/m.exec(out);
      const token = /^GENIE_EMULATOR_TOKEN=(\S+)$/m.exec(out);
      if (url && token) {
        child.stdout.off("data", onData);
        child.stdout.resume(); // keep draining the request log
        resolve({ url: url[1], token: token[1] });
      }
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => reject(new Error(`the emulator process exited (${code}) before it listened: ${out}`)));
  });
  const pid = child.pid!;
  return {
    url,
    token,
    rssMiB: () => statusMiB(pid, "VmRSS"),
    peakMiB: () => statusMiB(pid, "VmHWM"),
    resetPeak: () => fs.writeFileSync(`/proc/${pid}/clear_refs`, "5"),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** For a describe block: `start(options)` runs an emulator process; each is stopped after its test. */
export function useEmulatorProcesses(): { start(options?: EmulatorOptions): Promise<EmulatorProcess> } {
  let dir = "";
  const running: EmulatorProcess[] = [];
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "genie-emulator-build-"));
    transpileProvider(dir);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.close()));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    start: async (options = {}) => {
      const started = await startIn(dir, options);
      running.push(started);
      return started;
    },
  };
}
