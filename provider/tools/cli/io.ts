/**
 * What every CLI command writes to, so a command runs the same in a terminal, in CI and in a test
 * (in-process, with buffers instead of the process streams).
 */
import { AuthConfigError, redactSecrets } from "../../lib/auth";
import { GenieApiError } from "../../lib/client";

export interface OutputStream {
  write(text: string): unknown;
  /** True on an interactive terminal: progress lines are redrawn in place there, plain lines otherwise. */
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Receives a command's exit code (default: sets process.exitCode); tests capture it instead. */
  setExitCode?(code: number): void;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr };
}

/** Ends a command action with its exit code, without exiting the process (pending output still flushes). */
export function finish(io: CliIo, code: number): void {
  if (io.setExitCode) io.setExitCode(code);
  else process.exitCode = code;
}

/** A problem the user must fix, reported as its message only (no stack trace). */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/**
 * The error a user sees: for an API failure the space, operation, API code and message (all in
 * GenieApiError's message) plus the fix; never a secret, whatever the error carried.
 */
export function describeError(err: unknown): string {
  if (err instanceof GenieApiError) {
    const fix = err.hint ? `\n  fix: ${err.hint}` : "";
    return redactSecrets(`${err.message}${fix}`);
  }
  if (err instanceof AuthConfigError || err instanceof CliError) return redactSecrets(err.message);
  if (err instanceof Error) return redactSecrets(err.message);
  return redactSecrets(String(err));
}

/** Runs a command body: an error becomes one message on stderr and exit code 1, never a throw. */
export async function runCommand(io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    io.stderr.write(`error: ${describeError(err)}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
