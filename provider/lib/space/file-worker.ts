/**
 * Worker thread entry (see file-pool.ts): reads and validates the files of each batch it is sent
 * with the same function the in-process loader uses, and answers with their outcomes.
 */
import { readFileSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import type { WireOutcome, WorkerRequest, WorkerResponse } from "./file-pool";
import { loadSpaceText } from "./files";
import { rememberedBody } from "./normalize";

function toWire(file: string, vars: Record<string, string>): WireOutcome {
  const outcome = loadSpaceText(file, readFileSync(file, "utf8"), vars);
  return {
    problems: outcome.problems,
    spaces: outcome.spaces.map(({ space: { definition, ...meta }, segs, problemIndex }) => ({
      space: { ...meta, body: rememberedBody(definition) ?? JSON.stringify(definition) },
      segs,
      problemIndex,
    })),
  };
}

parentPort?.on("message", (request: WorkerRequest) => {
  let response: WorkerResponse;
  try {
    response = { batch: request.batch, outcomes: request.files.map((file) => toWire(file, request.vars)) };
  } catch (e) {
    response = { batch: request.batch, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort!.postMessage(response);
});
