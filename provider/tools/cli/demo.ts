/**
 * The main job: start the Genie emulator and walk the dev stack through
 * `up → edit a space → preview → refresh after a UI edit → up → destroy`, printing what a user
 * would see. Through the `pulumi` CLI when it is installed, otherwise through the engine harness
 * (the real dynamic-provider host driven with the engine's step rules), and it says which.
 *
 * Runs on a scratch copy of the project so the repository's files and stacks are never touched.
 *
 * `--workspace URL` runs the same walk against a real workspace instead (the no-Pulumi-CLI way to
 * try a project there): only when asked, with the URL spelled out, and it must agree with
 * DATABRICKS_HOST when that is set — the demo never reaches a real workspace by accident.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Command } from "commander";
import { resolveAuthConfig, credentialsFor, normalizeHost, AuthConfigError } from "../../lib/auth";
import { GenieClient, isNotFound } from "../../lib/client";
import { startEmulator } from "../emulator";
// The harness loads @pulumi/pulumi and TypeScript: required when the walk runs, not at every CLI start.
import type { DeclaredResource, EngineResult, StateEntry } from "../harness";
import { compareSpaces } from "../../lib/space";
import { isSeq, parseDocument } from "yaml";
import { CliError, describeError, finish, processIo, type CliIo } from "./io";
import { writeConfined } from "./safe-path";
import { engineConfig, readStackFile, stackFilePath } from "./stack-config";
import { stackSpacesDir } from "./stack-edit";

type Write = (line: string) => void;

export const ENGINES = ["auto", "cli", "harness"] as const;

export function registerDemoCommand(program: Command, io: CliIo = processIo()): void {
  program
    .command("demo")
    .description("Main job: run the dev stack against a local Genie emulator (up, edit, preview, UI edit + refresh, up, destroy); --workspace runs it against a real workspace instead.")
    .option("--project <dir>", "the Pulumi project to run", process.cwd())
    .option("--stack <name>", "stack whose config to use", "dev")
    .option("--engine <which>", ENGINES.join(" | "), "auto")
    .option(
      "--workspace <url>",
      "run against this real workspace instead of the emulator (spaces are created there, then destroyed); " +
        "credentials come from DATABRICKS_* or a profile, and DATABRICKS_HOST, when set, must name the same workspace",
    )
    .action(async (opts: { project: string; stack: string; engine: string; workspace?: string }) => {
      try {
        const ok = await runDemo({ projectDir: path.resolve(opts.project), stack: opts.stack, engine: opts.engine, workspace: opts.workspace }, (l) =>
          io.stdout.write(`${l}\n`),
        );
        finish(io, ok ? 0 : 1);
      } catch (e) {
        io.stderr.write(`error: ${describeError(e)}\n`);
        finish(io, e instanceof CliError ? e.exitCode : 1);
      }
    });
}

export interface DemoOptions {
  projectDir: string;
  stack: string;
  engine?: string;
  /** A real workspace to run against instead of the emulator. */
  workspace?: string;
  /** Environment for --workspace's credentials (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** What the walk runs against: the embedded emulator, or a real workspace asked for by URL. */
interface DemoTarget {
  url: string;
  /** Provider settings on top of the stack file's `databricks:*` (the workspace and its credential). */
  providerConfig: Record<string, string>;
  /** Environment of the provider (and of the pulumi CLI). */
  env: Record<string, string>;
  /** A change made outside Pulumi, as someone in the Genie UI would make it. */
  renameOutside(spaceId: string, title: string): Promise<void>;
  /** Every space there (the emulator: it holds only the walk's); undefined for a real workspace. */
  spaces?(): { id: string; title: string }[];
  /** The walk's final line about the workspace. */
  summary(spaceIds: string[]): Promise<string>;
  close(): Promise<void>;
}

/** Refuses what cannot work before anything starts: an unknown engine, a folder that is no project, a missing stack. */
function checkDemoOptions(opts: DemoOptions): void {
  const engine = opts.engine ?? "auto";
  if (!(ENGINES as readonly string[]).includes(engine)) throw new CliError(`--engine must be one of ${ENGINES.join(", ")} (got "${engine}")`, 2);
  if (!fs.existsSync(path.join(opts.projectDir, "Pulumi.yaml"))) {
    throw new CliError(
      `${opts.projectDir} is not a Pulumi project (no Pulumi.yaml), so there is no stack to run\n` +
        "  fix: create one and run the demo inside it: pulumi-genie init my-genie && cd my-genie && npm install && npx pulumi-genie demo\n" +
        "       (or pass --project DIR of an existing project)",
      2,
    );
  }
  if (!fs.existsSync(stackFilePath(opts.stack, opts.projectDir))) {
    throw new CliError(`the project has no stack "${opts.stack}" (expected ${stackFilePath(opts.stack, opts.projectDir)})\n  fix: pass --stack NAME of one of its stack files`, 2);
  }
}

async function emulatorTarget(): Promise<DemoTarget> {
  const emulator = await startEmulator({ user: "dev@example.com", folders: ["/Users/dev@example.com", "/Shared"] });
  return {
    url: emulator.url,
    providerConfig: { "databricks:host": emulator.url, "databricks:token": emulator.token, "databricks:authType": "pat" },
    env: { DATABRICKS_TOKEN: emulator.token },
    async renameOutside(spaceId, title) {
      emulator.spaces.uiEdit(spaceId, { title });
    },
    spaces: () => emulator.spaces.list().map((s) => ({ id: s.space_id, title: s.title })),
    async summary() {
      return `Spaces left in the workspace: ${emulator.spaces.list().length}. Requests served by the emulator: ${emulator.requests().length}.`;
    },
    close: () => emulator.close(),
  };
}

/**
 * A real workspace, named on the command line. Its credentials resolve as the provider resolves
 * them (DATABRICKS_* variables, then ~/.databrickscfg); the identity is checked before the walk
 * creates anything.
 */
async function workspaceTarget(url: string, env: NodeJS.ProcessEnv, write: Write): Promise<DemoTarget> {
  const make = (message: string) => new AuthConfigError(message);
  let host: string;
  try {
    host = normalizeHost(url, make).host;
    const fromEnv = env.DATABRICKS_HOST ? normalizeHost(env.DATABRICKS_HOST, make).host : undefined;
    if (fromEnv !== undefined && fromEnv !== host) {
      throw new CliError(`--workspace ${host} is not the workspace in DATABRICKS_HOST (${fromEnv}): nothing was run\n  fix: pass --workspace ${fromEnv}, or change DATABRICKS_HOST`, 2);
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`--workspace: ${(e as Error).message}`, 2);
  }
  const auth = resolveAuthConfig({ host }, { env });
  const client = new GenieClient({ host: auth.host, credentials: credentialsFor(auth), workspaceId: auth.workspaceId });
  const me = await client.currentUser();
  write(`Workspace: ${auth.host} as ${me.userName ?? me.displayName ?? "(unknown user)"} — a real workspace: the walk creates the stack's spaces there, edits them and destroys them at the end.`);
  return {
    url: auth.host,
    // Only the host is set: the provider finds the credential where this command found it.
    providerConfig: { "databricks:host": auth.host },
    env: {},
    async renameOutside(spaceId, title) {
      await client.updateSpace(spaceId, { title });
    },
    async summary(spaceIds) {
      let left = 0;
      for (const id of spaceIds) {
        try {
          await client.getSpace(id);
          left++;
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      return `Spaces of this walk left in ${auth.host}: ${left} of ${spaceIds.length}.`;
    },
    close: async () => undefined,
  };
}

/** Whether the `pulumi` CLI is on PATH (the demo prefers it). */
export function pulumiCliVersion(): string | undefined {
  const probe = spawnSync("pulumi", ["version"], { encoding: "utf8" });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

export async function runDemo(opts: DemoOptions, write: Write): Promise<boolean> {
  checkDemoOptions(opts);
  const target = opts.workspace !== undefined ? await workspaceTarget(opts.workspace, opts.env ?? process.env, write) : await emulatorTarget();
  const scratch = scratchProject(opts.projectDir);
  if (opts.workspace === undefined) write(`Genie emulator (stand-in for the workspace): ${target.url}`);
  try {
    const cli = opts.engine === "harness" ? undefined : pulumiCliVersion();
    if (opts.engine === "cli" && !cli) throw new CliError("--engine cli: the pulumi CLI is not installed (https://www.pulumi.com/docs/install/); leave --engine out to use the engine harness");
    if (cli) {
      write(`Engine: the pulumi CLI ${cli} (file backend in a scratch directory)\n`);
      return await cliWalk(scratch, opts.stack, target, write);
    }
    write("Engine: the engine harness — the pulumi CLI is not installed here, so the real dynamic-provider host from");
    write("@pulumi/pulumi is driven over gRPC with the engine's step rules (same provider, same state).\n");
    return await harnessWalk(scratch, opts, target, write);
  } finally {
    await target.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Shared with the scratch copy, not copied: installed packages and build output (a package's
 * program may load itself by name from its own dist/). */
const LINKED = new Set(["node_modules", "dist", "bin"]);
const SKIPPED = new Set([".git", "coverage", ".pulumi"]);

/** A throw-away copy of the project (program, stacks, space files) sharing its node_modules. */
function scratchProject(projectDir: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-genie-demo-"));
  for (const entry of fs.readdirSync(projectDir)) {
    if (SKIPPED.has(entry)) continue;
    const from = path.join(projectDir, entry);
    if (LINKED.has(entry)) fs.symlinkSync(from, path.join(dir, entry), "dir");
    // Linked files and folders are copied as what they point to: the walk edits the copy, never
    // (through a link) the files the project links to.
    else fs.cpSync(from, path.join(dir, entry), { recursive: true, dereference: true });
  }
  return dir;
}

const EDIT_QUESTION = "What changed since yesterday?";

/** The edit the walk makes to a space file: one more sample question in the smallest space file. */
function editSpaceFile(projectDir: string, stack: string): string {
  const dir = stackSpacesDir(stack, projectDir) ?? path.join(projectDir, "spaces");
  const files = fs.statSync(dir).isFile()
    ? [dir]
    : fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(dir, f));
  if (files.length === 0) throw new Error(`no YAML space file in ${dir} to edit`);
  const file = files.sort((x, y) => fs.statSync(x).size - fs.statSync(y).size || x.localeCompare(y))[0];
  const doc = parseDocument(fs.readFileSync(file, "utf8"));
  const questions = doc.getIn(["config", "sample_questions"]);
  if (isSeq(questions)) questions.add(EDIT_QUESTION);
  else doc.setIn(["config", "sample_questions"], [EDIT_QUESTION]);
  writeConfined(projectDir, path.relative(projectDir, file), doc.toString(), { what: "space file", overwrite: true });
  return path.relative(projectDir, file);
}

// ------------------------------------------------------------------------------------ harness walk

async function harnessWalk(scratch: string, opts: DemoOptions, target: DemoTarget, write: Write): Promise<boolean> {
  const { Engine, ProviderHost, projectInfo } = require("../harness") as typeof import("../harness");
  // The program runs as `pulumi up` runs it: Pulumi's Node.js language runtime (cmd/run, with
  // ts-node for TypeScript) from the folder Pulumi.yaml's `main` names, against the harness's
  // resource monitor; the provider host runs from that folder too, as the engine starts it.
  const project = projectInfo(scratch);
  const run = { project: project.name, stack: opts.stack, config: stackConfig(scratch, opts.stack, target) };
  const program = { dir: scratch };
  const isolation: Record<string, string> = opts.workspace === undefined ? { DATABRICKS_CONFIG_FILE: path.join(scratch, "no-databrickscfg") } : {};
  const host = await ProviderHost.start({ cwd: project.pwd, project: project.name, config: run.config, env: { ...isolation, ...target.env } });
  const engine = new Engine({ host, parallelism: 16 });
  let ok = true;
  const show = (title: string, result: EngineResult) => {
    ok = printResult(title, result, write) && ok;
    return result;
  };
  try {
    printOutputs(show(`pulumi up --stack ${opts.stack}`, await engine.up(program, run)), write);
    const made = engine.state().map((e) => e.id);

    write(`\n# edit ${editSpaceFile(scratch, opts.stack)}: one more sample question`);
    const preview = show(`pulumi preview --diff --stack ${opts.stack}`, await engine.preview(program, run));
    for (const line of plannedChanges(engine.state(), preview.resources ?? [])) write(line);
    show(`pulumi up --stack ${opts.stack}`, await engine.up(program, run));

    const [edited] = engine.state().sort((a, b) => a.name.localeCompare(b.name));
    if (edited) {
      await target.renameOutside(edited.id, `${String(edited.outputs.title)} (renamed in the Genie UI)`);
      write(`\n# someone renames space ${edited.id} ("${edited.name}") in the Genie UI`);
    }
    const beforeRefresh = engine.state();
    show(`pulumi refresh --stack ${opts.stack}`, await engine.refresh());
    for (const line of refreshedChanges(beforeRefresh, engine.state())) write(line);
    show(`pulumi up --stack ${opts.stack}   # converges back to the files`, await engine.up(program, run));
    show(`pulumi refresh --preview-only --expect-no-changes --stack ${opts.stack}`, await engine.refresh({ previewOnly: true }));
    show(`pulumi destroy --stack ${opts.stack}`, await engine.destroy());
    write(`\n${await target.summary(made)}`);
    for (const line of host.stdout.filter((l) => /trash|warning/i.test(l))) write(`provider: ${line}`);
  } finally {
    await host.close();
  }
  write(ok ? "\nMain job finished: every step succeeded." : "\nMain job finished with failures (see above).");
  return ok;
}

function stackConfig(projectDir: string, stack: string, target: DemoTarget): Record<string, string> {
  const { config } = readStackFile(stack, projectDir);
  // The stack's own workspace settings give way to the target's: the emulator (its token is the
  // credential), or the workspace named by --workspace (credentials as that command found them).
  const flat = engineConfig(Object.fromEntries(Object.entries(config).filter(([k]) => !k.startsWith("databricks:"))));
  // The space files by absolute path: Pulumi runs the program from the folder of Pulumi.yaml's
  // `main`, which need not be the project root the stack's spacesDir is written against.
  const spacesDir = stackSpacesDir(stack, projectDir);
  return { ...flat, ...(spacesDir ? { "genie:spacesDir": spacesDir } : {}), ...target.providerConfig };
}

const SYMBOL: Record<string, string> = {
  create: "+", update: "~", replace: "+-", delete: "-", same: " ",
  "refresh-update": "~", "refresh-delete": "-", "refresh-same": " ", failed: "✗", "check-failed": "✗",
};

function printResult(title: string, result: EngineResult, write: Write): boolean {
  write(`\n$ ${title}`);
  for (const step of [...result.steps].sort((a, b) => a.name.localeCompare(b.name))) {
    write(`  ${(SYMBOL[step.op] ?? "?").padEnd(2)} genie:GenieSpace  ${step.name.padEnd(10)} ${step.op}${step.error ? `: ${step.error}` : ""}`);
    for (const f of step.failures ?? []) write(`       ${f.property}: ${f.reason}`);
  }
  const counts = new Map<string, number>();
  for (const step of result.steps) counts.set(step.op, (counts.get(step.op) ?? 0) + 1);
  write(`  Resources: ${[...counts].map(([op, n]) => `${n} ${op}`).join(", ") || "none"}`);
  if (result.error !== undefined) write(`  The program failed: ${result.error}`);
  return result.failed === 0 && result.error === undefined;
}

const SCALARS = ["title", "description", "warehouseId", "parentPath"] as const;
const fmt = (value: unknown): string => JSON.stringify(value) ?? "(none)";

/** What `preview --diff` would list: changed scalar inputs and content paths, per resource. */
function plannedChanges(state: StateEntry[], resources: DeclaredResource[]): string[] {
  const lines: string[] = [];
  for (const r of resources) {
    const old = state.find((e) => e.urn === r.urn);
    if (!old) continue;
    for (const k of SCALARS) {
      if (r.inputs[k] !== undefined && r.inputs[k] !== old.outputs[k]) lines.push(`      ${r.name}.${k}: ${fmt(old.outputs[k])} => ${fmt(r.inputs[k])}`);
    }
    if (r.inputs.space !== undefined) {
      for (const d of compareSpaces(r.inputs.space as never, old.outputs.serializedSpace as string)) {
        lines.push(`      ${r.name}.serializedSpace.${d.path}: ${fmt(d.after)} => ${fmt(d.before)}`);
      }
    }
  }
  return lines;
}

/** What refresh found: output fields that changed outside Pulumi. */
function refreshedChanges(before: StateEntry[], after: StateEntry[]): string[] {
  const lines: string[] = [];
  for (const old of before) {
    const now = after.find((e) => e.urn === old.urn);
    if (!now) {
      lines.push(`      ${old.name}: gone from the workspace (trashed or deleted); the next up re-creates it`);
      continue;
    }
    for (const k of SCALARS) {
      if (now.outputs[k] !== old.outputs[k]) lines.push(`      ${old.name}.${k}: ${fmt(old.outputs[k])} => ${fmt(now.outputs[k])}`);
    }
    for (const d of compareSpaces(old.outputs.serializedSpace as string, now.outputs.serializedSpace as string)) {
      lines.push(`      ${old.name}.serializedSpace.${d.path}: ${fmt(d.before)} => ${fmt(d.after)}`);
    }
  }
  return lines;
}

/** The stack outputs the program exported, as `pulumi up` prints them. */
function printOutputs(result: EngineResult, write: Write): void {
  write("  Outputs:");
  for (const [key, value] of Object.entries(result.outputs ?? {})) write(`    ${key}: ${JSON.stringify(value)}`);
}

// ---------------------------------------------------------------------------------------- CLI walk

/** The stack's Genie spaces from `pulumi stack export` (dynamic resources holding a serializedSpace). */
function stackSpaces(scratch: string, env: NodeJS.ProcessEnv): { id: string; title: string }[] {
  const exported = spawnSync("pulumi", ["stack", "export"], { cwd: scratch, env, encoding: "utf8" });
  if (exported.status !== 0) return [];
  const resources = ((JSON.parse(exported.stdout) as { deployment?: { resources?: { id?: string; outputs?: Record<string, unknown> }[] } }).deployment?.resources ?? []);
  return resources
    .filter((r) => r.id && typeof r.outputs?.serializedSpace === "string")
    .map((r) => ({ id: r.id!, title: String(r.outputs!.title ?? r.id) }));
}

async function cliWalk(scratch: string, stack: string, target: DemoTarget, write: Write): Promise<boolean> {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-genie-state-"));
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: "pulumi-genie-demo",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    ...(target.providerConfig["databricks:token"] ? { DATABRICKS_CONFIG_FILE: path.join(scratch, "no-databrickscfg") } : {}),
    ...target.env,
  };
  const run = (args: string[], allowFail = false) => {
    write(`\n$ pulumi ${args.join(" ")}`);
    const r = spawnSync("pulumi", args, { cwd: scratch, env, encoding: "utf8" });
    write((r.stdout ?? "") + (r.stderr ?? ""));
    if (r.status !== 0 && !allowFail) throw new Error(`pulumi ${args[0]} exited with ${r.status}`);
    return r.status === 0;
  };
  try {
    run(["stack", "select", "--create", stack]);
    run(["config", "set", "databricks:host", target.url]);
    run(["up", "--yes", "--skip-preview"]);
    write(`\n# edit ${editSpaceFile(scratch, stack)}: one more sample question`);
    run(["preview", "--diff"]);
    run(["up", "--yes", "--skip-preview"]);
    const [edited] = (target.spaces?.() ?? stackSpaces(scratch, env)).sort((a, b) => a.title.localeCompare(b.title));
    if (edited) {
      await target.renameOutside(edited.id, `${edited.title} (renamed in the Genie UI)`);
      write(`\n# someone renames space ${edited.id} in the Genie UI`);
    }
    run(["refresh", "--yes"]);
    run(["up", "--yes", "--skip-preview"]);
    run(["refresh", "--preview-only", "--expect-no-changes"]);
    run(["destroy", "--yes"]);
    write("\nMain job finished: every step succeeded.");
    return true;
  } catch (err) {
    write(`\nMain job failed: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  } finally {
    fs.rmSync(state, { recursive: true, force: true });
  }
}
