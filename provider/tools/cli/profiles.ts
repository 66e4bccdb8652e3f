/**
 * `profiles`: the profiles of ~/.databrickscfg (or DATABRICKS_CONFIG_FILE), each with its host,
 * auth type and whether it resolves — secrets are never read out, only whether they are present.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Command } from "commander";
import * as ini from "ini";
import { candidateMethods, resolveAuthConfig } from "../../lib/auth";
import { parseOutputFormat, renderCsv, renderTable, type Column, type OutputFormat } from "./format";
import { CliError, finish, processIo, runCommand, type CliIo } from "./io";

export interface ProfilesOptions {
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
  output?: OutputFormat;
}

export interface ProfileSummary {
  name: string;
  host: string;
  /** The profile's auth_type, the method its credentials imply, or the first that applies; "" when none does. */
  authType: string;
  /** Why that method: "auth_type", "inferred", or "default order" (the first in the SDKs' order that applies). */
  authTypeSource?: string;
  /** The profile a command uses when none is named. */
  isDefault: boolean;
  /** Selected now by DATABRICKS_CONFIG_PROFILE. */
  selected: boolean;
  valid: boolean;
  /** Why it does not resolve (never a secret). */
  problem?: string;
}

const SETTINGS_SECTION = "__settings__";

export function configFilePath(env: NodeJS.ProcessEnv, homeDir: string): string {
  const p = env.DATABRICKS_CONFIG_FILE?.trim() || path.join(homeDir, ".databrickscfg");
  if (p === "~") return homeDir;
  return p.startsWith("~/") ? path.join(homeDir, p.slice(2)) : p;
}

/** Sections of the file, names kept whole (`ini` would nest `[dev.eu]` as dev → eu). */
function readSections(file: string): Record<string, Record<string, unknown>> {
  const text = fs.readFileSync(file, "utf8");
  const escaped = text.replace(/^(\s*)\[([^\]\r\n]*)\]/gm, (_m, lead: string, name: string) => `${lead}[${name.replace(/\./g, "\\.")}]`);
  const parsed = ini.parse(escaped) as Record<string, unknown>;
  // Keep the file's order (ini reorders escaped names), so the listing reads like the file.
  const order = [...text.matchAll(/^\s*\[([^\]\r\n]*)\]/gm)].map((m) => m[1].trim());
  const names = Object.keys(parsed).sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const out: Record<string, Record<string, unknown>> = {};
  for (const k of names) {
    const v = parsed[k];
    if (typeof v === "object" && v !== null && !Array.isArray(v)) out[k] = v as Record<string, unknown>;
  }
  return out;
}

export function listProfiles(opts: ProfilesOptions = {}): { file: string; profiles: ProfileSummary[] } {
  const env = opts.env ?? process.env;
  const homeDir = opts.homeDir ?? os.homedir();
  const file = configFilePath(env, homeDir);
  if (!fs.existsSync(file)) {
    throw new CliError(
      `no Databricks config file at ${file}${env.DATABRICKS_CONFIG_FILE ? " (from DATABRICKS_CONFIG_FILE)" : ""}.\n` +
        "  fix: create a profile with `databricks configure` or `databricks auth login`, or set DATABRICKS_HOST and DATABRICKS_TOKEN",
    );
  }
  const sections = readSections(file);
  const defaultName = String(sections[SETTINGS_SECTION]?.default_profile ?? "").trim() || "DEFAULT";
  const selected = env.DATABRICKS_CONFIG_PROFILE?.trim();
  const profiles: ProfileSummary[] = [];
  for (const [name, section] of Object.entries(sections)) {
    if (name === SETTINGS_SECTION) continue;
    const summary: ProfileSummary = {
      name,
      host: String(section.host ?? ""),
      authType: "",
      isDefault: name === defaultName,
      selected: name === selected,
      valid: false,
    };
    try {
      // Only the file counts here: the environment must not fill in what the profile lacks (but
      // PATH is kept, to find the Databricks and Azure CLIs a host-only profile signs in with).
      const resolved = resolveAuthConfig({ profile: name, configFile: file }, { env: {}, homeDir });
      summary.host = resolved.host;
      const { candidates, skipped } = candidateMethods(resolved, { env: { PATH: env.PATH ?? "", HOME: homeDir } });
      if (resolved.authType !== undefined) {
        summary.authType = resolved.authType;
        summary.authTypeSource = resolved.sources.authType !== undefined ? "auth_type" : "inferred";
        const why = skipped.find((s) => s.method === resolved.authType)?.why;
        if (why !== undefined) summary.problem = why;
      } else if (candidates.length > 0) {
        summary.authType = candidates[0];
        summary.authTypeSource = "default order";
      } else {
        summary.problem = `host ${resolved.host} but no credentials: ${skipped.find((s) => s.method === "databricks-cli")?.why ?? "no method applies"}`;
      }
      summary.valid = summary.problem === undefined;
    } catch (e) {
      summary.problem = (e as Error).message.split("\n")[0];
    }
    profiles.push(summary);
  }
  return { file, profiles };
}

const COLUMNS: Column<ProfileSummary>[] = [
  { header: "name", value: (p) => `${p.name}${p.isDefault ? " (default)" : ""}${p.selected ? " *" : ""}` },
  { header: "host", value: (p) => p.host },
  { header: "auth_type", value: (p) => (p.authType ? `${p.authType}${p.authTypeSource === "default order" ? " (default order)" : ""}` : "-") },
  { header: "valid", value: (p) => (p.valid ? "yes" : `no: ${p.problem ?? ""}`) },
];

export async function runProfiles(opts: ProfilesOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const { file, profiles } = listProfiles(opts);
    const format = opts.output ?? "table";
    if (format === "json") io.stdout.write(JSON.stringify({ file, profiles }, null, 2) + "\n");
    else if (format === "csv") io.stdout.write(renderCsv(profiles, COLUMNS));
    else {
      io.stdout.write(renderTable(profiles, COLUMNS));
      io.stderr.write(`${profiles.length} profile(s) in ${file}${profiles.some((p) => p.selected) ? "; * = selected by DATABRICKS_CONFIG_PROFILE" : ""}\n`);
    }
    return 0;
  });
}

export function registerProfilesCommand(program: Command, io: CliIo = processIo()): void {
  program
    .command("profiles")
    .description("List the profiles of ~/.databrickscfg (DATABRICKS_CONFIG_FILE): host, auth type, whether each resolves. Never prints a secret.")
    .option("-o, --output <format>", "table | json | csv", "table")
    .option("--json", "same as --output json")
    .action(async (flags: { output?: string; json?: boolean }) => {
      let output: OutputFormat;
      try {
        output = parseOutputFormat(flags.output, flags.json);
      } catch (e) {
        io.stderr.write(`error: ${(e as Error).message}\n`);
        return finish(io, 2);
      }
      finish(io, await runProfiles({ output }, io));
    });
}
