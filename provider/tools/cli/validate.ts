import * as path from "node:path";
import type { Command } from "commander";
import { loadSpaceFiles, SpaceFileError, type SpaceFileProblem } from "../../lib/space";
import { CliError, finish, processIo, runCommand, type CliIo } from "./io";
import { readStackFile, stackVariables } from "./stack-config";
import { stackSpacesDir } from "./stack-edit";

export type ValidateFormat = "text" | "json" | "github";

export interface ValidateOptions {
  /** Space file or folder; default: the stack's `genie:spacesDir`, else Pulumi.yaml's default. */
  target?: string;
  /** Take ${variables} from stacks/Pulumi.<stack>.yaml (genie:variables); also the value of ${env}. */
  stack?: string;
  /** Extra `name=value` variables (win over the stack's). */
  vars?: string[];
  /** text (people), json (tools), github (workflow-command annotations on the offending lines). */
  format?: ValidateFormat;
  projectDir?: string;
}

/** GitHub Actions workflow command: shows the problem on the file's line in the pull request. */
function githubAnnotation(p: SpaceFileProblem, projectDir: string): string {
  const escape = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const prop = (s: string) => escape(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
  const file = path.relative(projectDir, p.file) || p.file;
  return `::error file=${prop(file)},line=${p.line},col=${p.col},title=${prop(p.path || "space file")}::${escape(p.message)}`;
}

/** `validate`: every file, every error, no network. Exit 1 on any error. */
export async function runValidate(opts: ValidateOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const projectDir = opts.projectDir ?? process.cwd();
    const variables: Record<string, string> = {};
    if (opts.stack) Object.assign(variables, stackVariables(readStackFile(opts.stack, projectDir)));
    for (const pair of opts.vars ?? []) {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new CliError(`--var expects name=value (got "${pair}")`, 2);
      variables[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const format = opts.format ?? "text";
    try {
      const target = opts.target ?? stackSpacesDir(opts.stack, projectDir);
      if (target === undefined) {
        throw new CliError("no space files given: pass a file or folder, or set genie:spacesDir in the stack file or Pulumi.yaml", 2);
      }
      const spaces = await loadSpaceFiles(path.resolve(projectDir, target), { variables, env: opts.stack });
      if (format === "json") {
        io.stdout.write(JSON.stringify({ ok: true, spaces: spaces.map((s) => ({ name: s.name, file: s.file })), problems: [] }, null, 2) + "\n");
      } else {
        for (const s of spaces) io.stdout.write(`ok  ${s.name}  (${path.relative(projectDir, s.file)})\n`);
        io.stdout.write(`${spaces.length} space(s) valid\n`);
      }
      return 0;
    } catch (err) {
      if (!(err instanceof SpaceFileError)) throw err;
      if (format === "json") {
        io.stdout.write(JSON.stringify({ ok: false, spaces: [], problems: err.problems }, null, 2) + "\n");
      } else if (format === "github") {
        for (const p of err.problems) io.stdout.write(`${githubAnnotation(p, projectDir)}\n`);
        io.stderr.write(`${err.message}\n`);
      } else {
        io.stderr.write(`${err.message}\n`);
      }
      return 1;
    }
  });
}

export function registerValidateCommand(program: Command, io: CliIo = processIo()): void {
  program
    .command("validate")
    .argument("[path]", "space file or folder (default: genie:spacesDir of the stack or of Pulumi.yaml)")
    .option("-s, --stack <name>", "take ${variables} from stacks/Pulumi.<name>.yaml (genie:variables)")
    .option("--var <name=value...>", "extra variable values (repeatable)")
    .option("--json", "machine-readable report")
    .option("--format <format>", "text | json | github (GitHub Actions annotations)", "text")
    .description("Check space files offline: schema, API rules and limits, variables. Exit 1 on any error.")
    .action(async (target: string | undefined, opts: { stack?: string; var?: string[]; json?: boolean; format?: string }) => {
      const format = (opts.json ? "json" : opts.format ?? "text") as ValidateFormat;
      if (!["text", "json", "github"].includes(format)) {
        io.stderr.write(`error: --format must be text, json or github (got "${format}")\n`);
        return finish(io, 2);
      }
      finish(io, await runValidate({ target, stack: opts.stack, vars: opts.var, format }, io));
    });
}
