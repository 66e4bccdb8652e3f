/**
 * `pulumi-genie emulator`: start the Genie emulator from the command line. The first two stdout
 * lines are machine-readable (outside tools and CI scripts read them; docs/emulator.md):
 *   GENIE_EMULATOR_URL=http://127.0.0.1:<port>
 *   GENIE_EMULATOR_TOKEN=<token>
 * then one `GENIE_EMULATOR_WORKSPACE_<NAME>_TOKEN=<token>` line per extra workspace
 * (`--workspace NAME[:TOKEN]`), followed by a human log of requests.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { FAULT_SPEC_HELP, parseFaultSpec } from "./faults";
import { startEmulator } from "./server";
import { EmulatorHandle, EmulatorOptions, OAuthClient, WorkspaceOptions } from "./types";

export interface RunningEmulator {
  handle: EmulatorHandle;
  close(): Promise<void>;
}

/** Where the command writes its lines; one call per line, without the trailing newline. */
export type RunEmulatorIo = (line: string) => void;

export interface EmulatorCommandIo {
  /** Line writer (default: process.stdout). */
  write?: RunEmulatorIo;
  /** Called once the emulator listens (tests use it to reach the handle). */
  onStarted?: (running: RunningEmulator) => void;
  /** Wait for SIGINT/SIGTERM before closing (default true); false returns right after start. */
  waitForSignal?: boolean;
}

/** Start the emulator and print the two header lines, then one log line per request. */
export async function runEmulator(options: EmulatorOptions, write: RunEmulatorIo): Promise<RunningEmulator> {
  const handle = await startEmulator({ ...options, log: (line) => write(line) });
  write(`GENIE_EMULATOR_URL=${handle.url}`);
  write(`GENIE_EMULATOR_TOKEN=${handle.token}`);
  for (const name of handle.workspaceNames().slice(1)) {
    write(`${workspaceTokenVariable(name)}=${handle.workspace(name).token}`);
  }
  write(
    `# Genie emulator ready (${options.strict === false ? "lenient" : "strict"} validation); Ctrl-C to stop. Log: METHOD PATH STATUS TIME`,
  );
  return { handle, close: () => handle.close() };
}

/** `GENIE_EMULATOR_WORKSPACE_<NAME>_TOKEN`: the name upper-cased, "-" → "_" (a shell variable name). */
export function workspaceTokenVariable(name: string): string {
  return `GENIE_EMULATOR_WORKSPACE_${name.toUpperCase().replace(/[^A-Z0-9_]/g, "_")}_TOKEN`;
}

/** `--workspace NAME[:TOKEN]` (repeatable); without a token one is generated. */
function workspaceFlag(value: string, previous: WorkspaceOptions[] = []): WorkspaceOptions[] {
  const colon = value.indexOf(":");
  const name = colon < 0 ? value : value.slice(0, colon);
  const token = colon < 0 ? "" : value.slice(colon + 1);
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new InvalidArgumentError("expected NAME[:TOKEN], NAME of letters, digits, - or _");
  if (name === "default") throw new InvalidArgumentError("'default' is the top-level workspace (use --token)");
  if (colon >= 0 && token === "") throw new InvalidArgumentError("expected NAME:TOKEN with a non-empty token");
  const variable = workspaceTokenVariable(name);
  if (previous.some((w) => workspaceTokenVariable(w.name) === variable)) {
    throw new InvalidArgumentError(`workspace '${name}' given twice (or its variable name clashes with another)`);
  }
  return [...previous, { name, ...(token ? { tokens: [token] } : {}) }];
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a non-negative number");
  return n;
}

function positiveInteger(value: string): number {
  const n = nonNegativeNumber(value);
  if (!Number.isInteger(n) || n === 0) throw new InvalidArgumentError("expected a positive whole number");
  return n;
}

function port(value: string): number {
  const n = nonNegativeNumber(value);
  if (!Number.isInteger(n) || n > 65535) throw new InvalidArgumentError("expected a port number 0..65535");
  return n;
}

function oauthClient(value: string, previous: OAuthClient[] = []): OAuthClient[] {
  const colon = value.indexOf(":");
  if (colon <= 0) throw new InvalidArgumentError("expected CLIENT_ID:CLIENT_SECRET");
  return [...previous, { clientId: value.slice(0, colon), clientSecret: value.slice(colon + 1) }];
}

function faults(value: string) {
  try {
    return parseFaultSpec(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface CommandFlags {
  port?: number;
  token?: string;
  user?: string;
  latencyMs?: number;
  rateLimit?: number;
  trashDelayMs?: number;
  readLagMs?: number;
  lenient?: boolean;
  optionalRules?: boolean;
  titleDedup?: boolean;
  folder?: string[];
  legacyFolderErrors?: boolean;
  pageSizeOver100?: "reject" | "clamp";
  secondDelete?: "404" | "403";
  oauthClient?: OAuthClient[];
  tokenTtl?: number;
  catalog?: string[];
  faults?: EmulatorOptions["faults"];
  workspace?: WorkspaceOptions[];
  reassignIds?: boolean;
  maxBodyBytes?: number;
}

export function optionsFromFlags(flags: CommandFlags): EmulatorOptions {
  const options: EmulatorOptions = {
    port: flags.port ?? 0,
    token: flags.token,
    user: flags.user,
    latencyMs: flags.latencyMs,
    rateLimit: flags.rateLimit,
    trashDelayMs: flags.trashDelayMs,
    readLagMs: flags.readLagMs,
    strict: !flags.lenient,
    optionalRules: flags.optionalRules,
    titleDedup: flags.titleDedup,
    missingFolderStyle: flags.legacyFolderErrors ? "legacy" : "modern",
    pageSizeOver100: flags.pageSizeOver100,
    secondDelete: flags.secondDelete === "403" ? 403 : flags.secondDelete === "404" ? 404 : undefined,
    oauthClients: flags.oauthClient,
    accessTokenTtlSeconds: flags.tokenTtl,
    faults: flags.faults,
    catalog: flags.catalog,
    reassignIds: flags.reassignIds,
    maxBodyBytes: flags.maxBodyBytes,
  };
  if (flags.workspace?.length) {
    // Extra workspaces get the same --user (and so the same default folders).
    options.workspaces = flags.workspace.map((w) => ({ ...w, user: flags.user }));
  }
  if (flags.folder?.length) {
    const user = flags.user ?? "dev@example.com";
    options.folders = [`/Users/${user}`, "/Shared", ...flags.folder];
  }
  return options;
}

/** Adds `emulator` to the pulumi-genie CLI. */
export function registerEmulatorCommand(program: Command, io: EmulatorCommandIo = {}): void {
  program
    .command("emulator")
    .description(
      "Run a local Genie API emulator on 127.0.0.1. Prints GENIE_EMULATOR_URL=… and GENIE_EMULATOR_TOKEN=… as the first two lines, then one line per request.",
    )
    .option("--port <n>", "port to listen on (0 = random)", port, 0)
    .option("--token <token>", "personal access token to accept (default: a generated dapi… token)")
    .option("--user <name>", "caller user name; default parent_path is /Users/<name>", "dev@example.com")
    .option("--latency-ms <n>", "latency added to every request", nonNegativeNumber)
    .option("--rate-limit <r>", "server-side limit in requests/second (answers 429 with Retry-After)", nonNegativeNumber)
    .option("--trash-delay-ms <n>", "async trash: GET keeps returning a deleted space this long", nonNegativeNumber)
    .option("--read-lag-ms <n>", "GET lags a PATCH of title/description/warehouse_id this long", nonNegativeNumber)
    .option("--lenient", "lenient serialized_space validation (store anything JSON-ish)")
    .option("--optional-rules", "also enforce the lower-confidence validation rules (--rt marker, entity matching, 3-part names)")
    .option("--no-title-dedup", "do not append a timestamp to a duplicate title in the same folder")
    .option("--folder <path>", "an existing workspace folder (repeatable)", collect)
    .option("--legacy-folder-errors", 'missing parent folder → 400 "Tree node with path … does not exist"')
    .addOption(new Option("--page-size-over-100 <mode>", "page_size > 100").choices(["reject", "clamp"]))
    .addOption(new Option("--second-delete <status>", "status for deleting a trashed space").choices(["404", "403"]))
    .option("--oauth-client <id:secret>", "OAuth M2M client accepted by /oidc/v1/token (repeatable)", oauthClient)
    .option("--token-ttl <seconds>", "expires_in of issued OAuth tokens", nonNegativeNumber)
    .option(
      "--catalog <identifiers>",
      "comma-separated tables/metric views that exist; others → 403 on create/update (default: no check)",
      (v: string, prev: string[] = []) => [...prev, ...v.split(",").map((x) => x.trim()).filter(Boolean)],
    )
    .option("--faults <spec>", "fault injection rules (see below)", faults)
    .option(
      "--workspace <name[:token]>",
      "an extra workspace with its own spaces, folders, ACLs and tables, reached with TOKEN (generated when omitted; repeatable); prints GENIE_EMULATOR_WORKSPACE_<NAME>_TOKEN=…",
      workspaceFlag,
    )
    .option("--max-body-bytes <n>", "largest request body accepted (default 16 MiB); larger → 413", positiveInteger)
    .option("--reassign-ids", "the server replaces every item id in serialized_space on create/update (docs/genie-api.md §2.3, low confidence)")
    .addHelpText("after", `\n${FAULT_SPEC_HELP}\n\nControl endpoints (a live bearer token: revoked or unknown → 401): POST /__emulator/reset, GET /__emulator/requests, PUT /__emulator/faults, POST /__emulator/spaces/{id}/ui-edit|trash|restore|migrate; add ?workspace=NAME to act on another workspace`)
    .action(async (flags: CommandFlags) => {
      const write = io.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
      const running = await runEmulator(optionsFromFlags(flags), write);
      io.onStarted?.(running);
      if (io.waitForSignal === false) return;
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          resolve();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      await running.close();
      write("# Genie emulator stopped");
    });
}
