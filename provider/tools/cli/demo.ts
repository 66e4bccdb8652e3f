/**
 * The main job: start the Genie emulator and walk the dev stack through
 * `up → edit a space → preview → refresh after a UI edit → up → destroy`, printing what a user
 * would see. Through the `pulumi` CLI when it is installed, otherwise through the engine harness
 * (the real dynamic-provider host driven with the engine's step rules), and it says which.
 *
 * Runs on a scratch copy of the project so the repository's files and stacks are never touched.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Command } from "commander";
import { startEmulator, type EmulatorHandle } from "../emulator";
import { Engine, ProviderHost, projectInfo, type DeclaredResource, type EngineResult, type StateEntry } from "../harness";
import { compareSpaces } from "../../lib/space";
import { isSeq, parseDocument } from "yaml";
import { readStackFile } from "./stack-config";
import { stackSpacesDir } from "./stack-edit";

type Write = (line: string) => void;

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("Main job: run the dev stack against a local Genie emulator (up, edit, preview, UI edit + refresh, up, destroy).")
    .option("--project <dir>", "the Pulumi project to run", process.cwd())
    .option("--stack <name>", "stack whose config to use", "dev")
    .option("--engine <which>", "auto | cli | harness", "auto")
    .action(async (opts: { project: string; stack: string; engine: string }) => {
      const ok = await runDemo({ projectDir: path.resolve(opts.project), stack: opts.stack, engine: opts.engine }, (l) =>
        process.stdout.write(`${l}\n`),
      );
      if (!ok) process.exitCode = 1;
    });
}

export interface DemoOptions {
  projectDir: string;
  stack: string;
  engine?: string;
}

/** Whether the `pulumi` CLI is on PATH (the demo prefers it). */
export function pulumiCliVersion(): string | undefined {
  const probe = spawnSync("pulumi", ["version"], { encoding: "utf8" });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

export async function runDemo(opts: DemoOptions, write: Write): Promise<boolean> {
  const emulator = await startEmulator({ user: "dev@example.com", folders: ["/Users/dev@example.com", "/Shared"] });
  const scratch = scratchProject(opts.projectDir);
  write(`Genie emulator (stand-in for the workspace): ${emulator.url}`);
  try {
    const cli = opts.engine === "harness" ? undefined : pulumiCliVersion();
    if (opts.engine === "cli" && !cli) throw new Error("--engine cli: the pulumi CLI is not installed (https://www.pulumi.com/docs/install/)");
    if (cli) {
      write(`Engine: the pulumi CLI ${cli} (file backend in a scratch directory)\n`);
      return await cliWalk(scratch, opts.stack, emulator, write);
    }
    write("Engine: the engine harness — the pulumi CLI is not installed here, so the real dynamic-provider host from");
    write("@pulumi/pulumi is driven over gRPC with the engine's step rules (same provider, same state).\n");
    return await harnessWalk(scratch, opts, emulator, write);
  } finally {
    await emulator.close();
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
    else fs.cpSync(from, path.join(dir, entry), { recursive: true });
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
  fs.writeFileSync(file, doc.toString());
  return path.relative(projectDir, file);
}

// ------------------------------------------------------------------------------------ harness walk

async function harnessWalk(scratch: string, opts: DemoOptions, emulator: EmulatorHandle, write: Write): Promise<boolean> {
  // The program runs as `pulumi up` runs it: Pulumi's Node.js language runtime (cmd/run, with
  // ts-node for TypeScript) from the folder Pulumi.yaml's `main` names, against the harness's
  // resource monitor; the provider host runs from that folder too, as the engine starts it.
  const project = projectInfo(scratch);
  const run = { project: project.name, stack: opts.stack, config: stackConfig(scratch, opts.stack, emulator) };
  const program = { dir: scratch };
  const host = await ProviderHost.start({
    cwd: project.pwd,
    project: project.name,
    config: run.config,
    env: { DATABRICKS_CONFIG_FILE: path.join(scratch, "no-databrickscfg") },
  });
  const engine = new Engine({ host, parallelism: 16 });
  let ok = true;
  const show = (title: string, result: EngineResult) => {
    ok = printResult(title, result, write) && ok;
    return result;
  };
  try {
    printOutputs(show(`pulumi up --stack ${opts.stack}`, await engine.up(program, run)), write);

    write(`\n# edit ${editSpaceFile(scratch, opts.stack)}: one more sample question`);
    const preview = show(`pulumi preview --diff --stack ${opts.stack}`, await engine.preview(program, run));
    for (const line of plannedChanges(engine.state(), preview.resources ?? [])) write(line);
    show(`pulumi up --stack ${opts.stack}`, await engine.up(program, run));

    const [edited] = engine.state().sort((a, b) => a.name.localeCompare(b.name));
    if (edited) {
      emulator.spaces.uiEdit(edited.id, { title: `${String(edited.outputs.title)} (renamed in the Genie UI)` });
      write(`\n# someone renames space ${edited.id} ("${edited.name}") in the Genie UI`);
    }
    const beforeRefresh = engine.state();
    show(`pulumi refresh --stack ${opts.stack}`, await engine.refresh());
    for (const line of refreshedChanges(beforeRefresh, engine.state())) write(line);
    show(`pulumi up --stack ${opts.stack}   # converges back to the files`, await engine.up(program, run));
    show(`pulumi refresh --preview-only --expect-no-changes --stack ${opts.stack}`, await engine.refresh({ previewOnly: true }));
    show(`pulumi destroy --stack ${opts.stack}`, await engine.destroy());
    const live = emulator.spaces.list().length;
    write(`\nSpaces left in the workspace: ${live}. Requests served by the emulator: ${emulator.requests().length}.`);
    for (const line of host.stdout.filter((l) => /trash|warning/i.test(l))) write(`provider: ${line}`);
  } finally {
    await host.close();
  }
  write(ok ? "\nMain job finished: every step succeeded." : "\nMain job finished with failures (see above).");
  return ok;
}

function stackConfig(projectDir: string, stack: string, emulator: EmulatorHandle): Record<string, string> {
  const { config } = readStackFile(stack, projectDir);
  const flat = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  // The space files by absolute path: Pulumi runs the program from the folder of Pulumi.yaml's
  // `main`, which need not be the project root the stack's spacesDir is written against.
  const spacesDir = stackSpacesDir(stack, projectDir);
  // The emulator stands in for the stack's workspace; its token is the credential.
  return {
    ...flat,
    ...(spacesDir ? { "genie:spacesDir": spacesDir } : {}),
    "databricks:host": emulator.url,
    "databricks:token": emulator.token,
    "databricks:authType": "pat",
  };
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

async function cliWalk(scratch: string, stack: string, emulator: EmulatorHandle, write: Write): Promise<boolean> {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-genie-state-"));
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: "pulumi-genie-demo",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    DATABRICKS_TOKEN: emulator.token,
    DATABRICKS_CONFIG_FILE: path.join(scratch, "no-databrickscfg"),
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
    run(["config", "set", "databricks:host", emulator.url]);
    run(["up", "--yes", "--skip-preview"]);
    write(`\n# edit ${editSpaceFile(scratch, stack)}: one more sample question`);
    run(["preview", "--diff"]);
    run(["up", "--yes", "--skip-preview"]);
    const [edited] = emulator.spaces.list().sort((a, b) => a.title.localeCompare(b.title));
    if (edited) {
      emulator.spaces.uiEdit(edited.space_id, { title: `${edited.title} (renamed in the Genie UI)` });
      write(`\n# someone renames space ${edited.space_id} in the Genie UI`);
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
