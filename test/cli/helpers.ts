/** Test helpers for the CLI: buffered io, an isolated environment, scratch project folders. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { CliIo } from "../../provider/tools/cli/io";
import { closeConnectionPools } from "../../provider/lib/client";
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "../../provider/tools/emulator";

export interface BufferedIo extends CliIo {
  out(): string;
  err(): string;
}

export function bufferIo(opts: { tty?: boolean } = {}): BufferedIo {
  let out = "";
  let err = "";
  return {
    stdout: { write: (s: string) => (out += s), isTTY: opts.tty ?? false },
    stderr: { write: (s: string) => (err += s), isTTY: opts.tty ?? false },
    out: () => out,
    err: () => err,
  };
}

/** A scratch directory, removed by the returned cleanup. */
export function scratchDir(prefix = "pulumi-genie-cli-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A Pulumi project with `stackConfigDir: stacks` and the given stack files. */
export function scratchProject(stacks: Record<string, string> = {}): string {
  const dir = scratchDir("pulumi-genie-project-");
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: genie\nruntime: nodejs\nstackConfigDir: stacks\n");
  fs.mkdirSync(path.join(dir, "stacks"));
  for (const [name, text] of Object.entries(stacks)) fs.writeFileSync(path.join(dir, "stacks", `Pulumi.${name}.yaml`), text);
  return dir;
}

/** Settings for a command against an emulator with nothing leaking in from the developer's machine. */
export function isolated(extraEnv: Record<string, string> = {}, homeDir = scratchDir("pulumi-genie-home-")) {
  return { env: { ...extraEnv }, homeDir, clientOptions: { minRetryDelayMs: 1, maxRetryDelayMs: 5 } };
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * One emulator per test file: started before the first test, reset before each, closed (with the
 * client's connection pools) after the last. Read it through the returned getter.
 */
export function emulatorPerFile(options: EmulatorOptions = {}): () => EmulatorHandle {
  let emulator: EmulatorHandle | undefined;
  beforeAll(async () => {
    emulator = await startEmulator(options);
  });
  afterAll(async () => {
    await emulator?.close();
    await closeConnectionPools();
  });
  beforeEach(() => emulator!.reset());
  return () => emulator!;
}
