#!/usr/bin/env node
/**
 * The `pulumi-genie` command. Pulumi itself covers plan/apply/drift/destroy; this adds what it
 * does not: offline validation of space files, seeing what a workspace holds (list/find), which
 * identity settings resolve to (whoami/profiles), bringing existing spaces under management
 * (export + adoption records, migrate-genie-forge), a local Genie emulator and the main-job demo.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { registerEmulatorCommand } from "../emulator";
import { registerDemoCommand } from "./demo";
import { registerInitCommand } from "./init";
import { registerShowCommand } from "./show";
import { registerCloneCommand } from "./clone";
import { registerCreateCommand } from "./create";
import { registerDemoDataCommand } from "./demo-data";
import { registerExportCommand } from "./export";
import { processIo, type CliIo } from "./io";
import { registerListCommands } from "./list";
import { registerMigrateGenieForgeCommand } from "./migrate-genie-forge";
import { registerProfilesCommand } from "./profiles";
import { registerWhoamiCommand } from "./whoami";
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

/** The whole CLI; `io` lets tests run commands in-process (default: the process streams and exit code). */
export function buildProgram(io: CliIo = processIo()): Command {
  const program = new Command("pulumi-genie")
    .description("Databricks Genie spaces as code with Pulumi: validate space files, list and export workspace spaces, adopt them, migrate from genie-forge, run a local Genie emulator.")
    .version(packageVersion())
    .showHelpAfterError();
  registerEmulatorCommand(program);
  registerValidateCommand(program, io);
  registerListCommands(program, io);
  registerWhoamiCommand(program, io);
  registerProfilesCommand(program, io);
  registerExportCommand(program, io);
  registerMigrateGenieForgeCommand(program, io);
  registerDemoCommand(program, io);
  registerInitCommand(program, io);
  registerShowCommand(program, io);
  registerCloneCommand(program, io);
  registerCreateCommand(program, io);
  registerDemoDataCommand(program, io);
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
