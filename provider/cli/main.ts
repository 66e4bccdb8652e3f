#!/usr/bin/env node
/**
 * The `pulumi-genie` command. Pulumi itself covers plan/apply/drift/destroy; this adds what it
 * does not: a local Genie emulator offline validation of space files, and the main-job demo.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { registerEmulatorCommand } from "../emulator";
import { registerDemoCommand } from "./demo";
import { registerValidateCommand } from "./validate";

/** The package version, found from here whether running from dist/ or from source. */
function packageVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "pulumi-genie") return pkg.version ?? "0.0.0";
    }
  }
  return "0.0.0";
}

export function buildProgram(): Command {
  const program = new Command("pulumi-genie")
    .description("Databricks Genie spaces as code with Pulumi: validate space files, run a local Genie emulator.")
    .version(packageVersion())
    .showHelpAfterError();
  registerEmulatorCommand(program);
  registerValidateCommand(program);
  registerDemoCommand(program);
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
}
