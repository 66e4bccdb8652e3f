import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { formatFileMessage, loadSpaceFiles, SpaceFileError, type LoadedSpace, type SpaceFileWarning } from "../../lib/space";
import { CliError, finish, processIo, runCommand, type CliIo } from "./io";
import { parsePairs } from "./pairs";
import { readStackFile, stackVariables } from "./stack-config";
import { stackSpacesDir } from "./stack-edit";

export type ValidateFormat = "text" | "json" | "github";

export interface ValidateOptions {
  /** Space file or folder; default: the stack's `genie:spacesDir`, else Pulumi.yaml's default. */
  target?: string;
  /** Take ${variables} from stacks/Pulumi.<stack>.yaml (genie:variables); also the value of ${env}. */
  stack?: string;
  /** Extra `name=value` variables (win over the stack's); each may hold several, `a=1,b=2`, as in `clone --var`. */
  vars?: string[];
  /** text (people), json (tools), github (workflow-command annotations on the offending lines). */
  format?: ValidateFormat;
  projectDir?: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** GitHub Actions workflow command: shows the problem (or warning) on the file's line in the pull request. */
function githubAnnotation(kind: "error" | "warning", p: SpaceFileWarning, projectDir: string): string {
  const escape = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const prop = (s: string) => escape(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
  const file = path.relative(projectDir, p.file) || p.file;
  const at = p.line !== undefined ? `,line=${p.line},col=${p.col ?? 1}` : "";
  return `::${kind} file=${prop(file)}${at},title=${prop(p.path || "space file")}::${escape(p.message)}`;
}

/** The folder or file to check, which must exist (a clear error, not a raw ENOENT). */
function targetOf(opts: ValidateOptions, projectDir: string): string {
  const given = opts.target ?? stackSpacesDir(opts.stack, projectDir);
  if (given === undefined) {
    throw new CliError("no space files given: pass a file or folder, or set genie:spacesDir in the stack file or Pulumi.yaml", 2);
  }
  const target = path.resolve(projectDir, given);
  if (fs.existsSync(target)) return target;
  const hints = [
    opts.target === undefined
      ? `it is the genie:spacesDir of ${opts.stack ? `stacks/Pulumi.${opts.stack}.yaml or ` : ""}Pulumi.yaml: create the folder, or fix the setting`
      : "pass the file or folder that holds your space files",
  ];
  if (opts.target?.includes("=")) hints.push(`if "${opts.target}" is meant as a variable, give several as --var a=1,b=2 or repeat --var`);
  throw new CliError(`no such file or folder: ${path.relative(projectDir, target) || target} (looked for ${target})\n  ${hints.join("\n  ")}`, 2);
}

function write(valid: LoadedSpace[], warnings: SpaceFileWarning[], error: SpaceFileError | undefined, format: ValidateFormat, projectDir: string, io: CliIo): void {
  const { problems, omitted } = error ?? { problems: [], omitted: [] };
  const show = (file: string) => path.relative(projectDir, file) || file;
  const problemCount = problems.length + omitted.reduce((n, o) => n + o.count, 0);
  const invalidFiles = new Set([...problems.map((p) => p.file), ...omitted.map((o) => o.file)]).size;
  if (format === "json") {
    io.stdout.write(JSON.stringify({
      ok: problemCount === 0,
      spaces: valid.map((s) => ({ name: s.name, file: s.file })),
      problems,
      omitted,
      warnings,
      summary: { valid: valid.length, invalidFiles, problems: problemCount, warnings: warnings.length },
    }, null, 2) + "\n");
    return;
  }
  // With --format github, stdout holds the workflow commands only; the lines for people go to stderr.
  const people = format === "github" ? io.stderr : io.stdout;
  for (const s of valid) people.write(`ok  ${s.name}  (${show(s.file)})\n`);
  if (format === "github") {
    for (const w of warnings) io.stdout.write(`${githubAnnotation("warning", w, projectDir)}\n`);
    for (const p of problems) io.stdout.write(`${githubAnnotation("error", p, projectDir)}\n`);
    for (const o of omitted) io.stdout.write(`${githubAnnotation("error", { file: o.file, path: "", message: `${o.count} more problems not listed` }, projectDir)}\n`);
  }
  for (const w of warnings) io.stderr.write(`warning: ${formatFileMessage(w, show)}\n`);
  for (const line of error?.lines(show) ?? []) io.stderr.write(`${line}\n`);
  const warned = warnings.length ? plural(warnings.length, "warning") : "";
  if (problemCount === 0) people.write(`${valid.length} space(s) valid${warned ? ` (${warned})` : ""}\n`);
  else io.stderr.write(`${plural(valid.length, "space")} valid, ${plural(invalidFiles, "file")} invalid (${[plural(problemCount, "problem"), warned].filter(Boolean).join(", ")})\n`);
}

/** `validate`: every file, every error, no network. Exit 1 on any error. */
export async function runValidate(opts: ValidateOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const projectDir = opts.projectDir ?? process.cwd();
    const variables: Record<string, string> = {};
    if (opts.stack) Object.assign(variables, stackVariables(readStackFile(opts.stack, projectDir)));
    Object.assign(variables, parsePairs("--var", opts.vars ?? []));
    const format = opts.format ?? "text";
    const target = targetOf(opts, projectDir);
    try {
      const spaces = await loadSpaceFiles(target, { variables, env: opts.stack });
      write(spaces, spaces.warnings, undefined, format, projectDir, io);
      return 0;
    } catch (err) {
      if (!(err instanceof SpaceFileError)) throw err;
      write(err.spaces, err.warnings, err, format, projectDir, io);
      return 1;
    }
  });
}

export function registerValidateCommand(program: Command, io: CliIo = processIo()): void {
  program
    .command("validate")
    .argument("[path]", "space file or folder (default: genie:spacesDir of the stack or of Pulumi.yaml)")
    .option("-s, --stack <name>", "take ${variables} from stacks/Pulumi.<name>.yaml (genie:variables)")
    .option("--var <name=value,...>", "extra variable values, e.g. catalog=main,schema=sales (repeatable; win over the stack's)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--json", "machine-readable report")
    .option("--format <format>", "text | json | github (GitHub Actions annotations)", "text")
    .description("Check space files offline: schema, API rules and limits, variables. Lists the valid spaces, every problem and a summary; exit 1 on any problem.")
    .action(async (target: string | undefined, opts: { stack?: string; var?: string[]; json?: boolean; format?: string }) => {
      const format = (opts.json ? "json" : opts.format ?? "text") as ValidateFormat;
      if (!["text", "json", "github"].includes(format)) {
        io.stderr.write(`error: --format must be text, json or github (got "${format}")\n`);
        return finish(io, 2);
      }
      finish(io, await runValidate({ target, stack: opts.stack, vars: opts.var, format }, io));
    });
}
