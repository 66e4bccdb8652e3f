/**
 * Progress of long operations (an export of hundreds of spaces): on a terminal one status line
 * redrawn in place on stderr; without a terminal (CI logs) one plain line per item, no control
 * characters, so logs stay readable.
 */
import type { CliIo } from "./io";

export interface ProgressReporter {
  /** One item finished fine. */
  step(line: string): void;
  /** One item failed (the full error is reported by the command). */
  fail(line: string): void;
  /** Clears the status line (terminal) — call once at the end. */
  done(): void;
}

const CLEAR_LINE = "\r\x1b[2K";

export function progressReporter(io: CliIo, total: number, verb: string): ProgressReporter {
  let count = 0;
  let failures = 0;
  const counter = () => `[${count}/${total}]`;
  if (io.stderr.isTTY) {
    const draw = (last: string) =>
      io.stderr.write(`${CLEAR_LINE}${verb} ${counter()}${failures ? ` ${failures} failed` : ""} ${truncate(last, 60)}`);
    return {
      step(line) {
        count++;
        draw(line);
      },
      fail(line) {
        count++;
        failures++;
        draw(line.split("\n")[0]);
      },
      done() {
        if (total > 0) io.stderr.write(CLEAR_LINE);
      },
    };
  }
  return {
    step(line) {
      count++;
      io.stderr.write(`${counter()} ${line}\n`);
    },
    fail(line) {
      count++;
      io.stderr.write(`${counter()} failed: ${line.split("\n")[0]}\n`);
    },
    done() {},
  };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
