import * as path from "node:path";
import type { Command } from "commander";
import { loadSpaceFiles, SpaceFileError } from "../space";
import { readStackFile, stackVariables } from "./stack-config";

/** `validate [path] [--stack NAME] [--json]`: every file, every error, no network. */
export function registerValidateCommand(program: Command): void {
  program
    .command("validate")
    .argument("[path]", "space file or folder", "examples/spaces")
    .option("-s, --stack <name>", "take ${variables} from stacks/Pulumi.<name>.yaml (genie:variables)")
    .option("--var <name=value...>", "extra variable values (repeatable)")
    .option("--json", "machine-readable report")
    .description("Check space files offline: schema, API rules and limits, variables. Exit 1 on any error.")
    .action(async (target: string, opts: { stack?: string; var?: string[]; json?: boolean }) => {
      const variables: Record<string, string> = {};
      if (opts.stack) Object.assign(variables, stackVariables(readStackFile(opts.stack)));
      for (const pair of opts.var ?? []) {
        const eq = pair.indexOf("=");
        if (eq <= 0) throw new Error(`--var expects name=value (got "${pair}")`);
        variables[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      try {
        const spaces = await loadSpaceFiles(path.resolve(target), { variables, env: opts.stack });
        if (opts.json) {
          process.stdout.write(JSON.stringify({ ok: true, spaces: spaces.map((s) => ({ name: s.name, file: s.file })), problems: [] }, null, 2) + "\n");
        } else {
          for (const s of spaces) process.stdout.write(`ok  ${s.name}  (${path.relative(process.cwd(), s.file)})\n`);
          process.stdout.write(`${spaces.length} space(s) valid\n`);
        }
      } catch (err) {
        if (!(err instanceof SpaceFileError)) throw err;
        if (opts.json) {
          process.stdout.write(JSON.stringify({ ok: false, spaces: [], problems: err.problems }, null, 2) + "\n");
        } else {
          process.stderr.write(`${err.message}\n`);
        }
        process.exitCode = 1;
      }
    });
}
