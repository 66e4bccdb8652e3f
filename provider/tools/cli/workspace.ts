/**
 * Which workspace a CLI command talks to, resolved the way `pulumi up` resolves it: the stack's
 * `databricks:*` keys (read from stacks/Pulumi.<stack>.yaml, no Pulumi CLI needed), then the
 * DATABRICKS_* environment, then ~/.databrickscfg — with `--host` / `--profile` on top. Every
 * setting keeps the source it came from, for `whoami` and for error messages.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { ATTRIBUTES, credentialsFor, resolveAuthConfig, SECRET_SETTINGS, STACK_CONFIG_KEYS, type AuthSettings, type ResolvedAuthConfig } from "../../lib/auth";
import { GenieClient, type GenieClientOptions } from "../../lib/client";
import { readStackFile } from "./stack-config";
import { stackFilePath } from "./stack-edit";

/** The options every command that talks to a workspace accepts. */
export interface WorkspaceOptions {
  host?: string;
  profile?: string;
  /** Take `databricks:*` settings from stacks/Pulumi.<stack>.yaml. */
  stack?: string;
  /** The Pulumi project (where Pulumi.yaml is); default: the working directory. */
  projectDir?: string;
  /** Environment to read DATABRICKS_* from (default process.env); tests pass their own. */
  env?: NodeJS.ProcessEnv;
  /** Home directory for ~/.databrickscfg (default os.homedir()). */
  homeDir?: string;
  /** Client tuning (tests shorten retry delays). */
  clientOptions?: Partial<Omit<GenieClientOptions, "host" | "credentials">>;
  /** A missing stack file is not an error (export creates it); its settings are then simply absent. */
  allowMissingStack?: boolean;
}

export interface ResolvedWorkspace {
  auth: ResolvedAuthConfig;
  /** attribute → human source, e.g. "--host", "stack dev (stacks/Pulumi.dev.yaml) databricks:host", "env DATABRICKS_TOKEN". */
  sources: Record<string, string>;
  /** Things the user should know about their settings (never a secret). */
  notes: string[];
  /** The environment the settings were read from (credential strategies read it too). */
  env: NodeJS.ProcessEnv;
}

/** Stack config key ↔ auth attribute: the same keys the provider reads (auth's STACK_CONFIG_KEYS). */
const STACK_KEYS = (Object.entries(STACK_CONFIG_KEYS) as [keyof AuthSettings, string][]).map(([attr, key]) => ({
  key,
  attr,
  secret: SECRET_SETTINGS.has(attr),
}));

function isSecureValue(v: unknown): boolean {
  return typeof v === "object" && v !== null && "secure" in (v as Record<string, unknown>);
}

export function resolveWorkspace(opts: WorkspaceOptions): ResolvedWorkspace {
  const explicit: AuthSettings = {};
  const labels: Record<string, string> = {};
  const notes: string[] = [];
  const projectDir = opts.projectDir ?? process.cwd();

  if (opts.stack && opts.allowMissingStack && !fs.existsSync(stackFilePath(opts.stack, projectDir))) {
    notes.push(`stack file ${path.relative(projectDir, stackFilePath(opts.stack, projectDir))} does not exist yet: workspace settings come from the environment or a profile`);
  } else if (opts.stack) {
    const stack = readStackFile(opts.stack, projectDir);
    const shown = path.relative(projectDir, stack.file) || stack.file;
    for (const { key, attr, secret } of STACK_KEYS) {
      const value = stack.config[key];
      if (value === undefined || value === null || value === "") continue;
      if (isSecureValue(value)) {
        // Pulumi secrets are encrypted with the stack's secrets provider; only the Pulumi CLI can
        // read them, so the same value must come from the environment or a profile here.
        const env = ATTRIBUTES.find((a) => a.attr === attr)?.env ?? "the matching environment variable";
        notes.push(`${key} in ${shown} is a Pulumi secret this command cannot decrypt; set ${env} or use a profile (--profile)`);
        continue;
      }
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") continue;
      if (secret) notes.push(`${key} is stored in clear text in ${shown}; move it: pulumi config set --secret ${key} <value>`);
      (explicit as Record<string, string>)[attr] = String(value);
      labels[attr] = `stack ${opts.stack} (${shown}) ${key}`;
    }
  }
  if (opts.host) {
    explicit.host = opts.host;
    labels.host = "--host";
  }
  if (opts.profile) {
    explicit.profile = opts.profile;
    labels.profile = "--profile";
  }

  const env = opts.env ?? process.env;
  const auth = resolveAuthConfig(explicit, { env, homeDir: opts.homeDir });
  const sources: Record<string, string> = {};
  for (const [attr, source] of Object.entries(auth.sources)) {
    sources[attr] = source === "explicit" ? (labels[attr] ?? source) : source;
  }
  return { auth: { ...auth, sources }, sources, notes, env };
}

export function clientFor(workspace: ResolvedWorkspace, opts: WorkspaceOptions = {}): GenieClient {
  return new GenieClient({
    ...opts.clientOptions,
    host: workspace.auth.host,
    credentials: credentialsFor(workspace.auth, { env: workspace.env }),
    workspaceId: workspace.auth.workspaceId,
  });
}

/** Adds `--host`, `--profile`, `--stack` to a command (the same three on every workspace command). */
export function addWorkspaceOptions(command: Command): Command {
  return command
    .option("--host <url>", "workspace URL (overrides the stack, DATABRICKS_HOST and the profile)")
    .option("--profile <name>", "profile in ~/.databrickscfg (DATABRICKS_CONFIG_FILE)")
    .option("-s, --stack <name>", "take databricks:* settings from stacks/Pulumi.<name>.yaml");
}

/** Commander option values → WorkspaceOptions. */
export function workspaceOptionsFrom(values: { host?: string; profile?: string; stack?: string }): WorkspaceOptions {
  return { host: values.host, profile: values.profile, stack: values.stack };
}
