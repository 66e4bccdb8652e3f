/**
 * Reads a stack's settings straight from `stacks/Pulumi.<stack>.yaml` (no Pulumi CLI needed), so
 * offline commands see the same variables `pulumi up` would.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { isSafeStem, safeStem } from "./safe-path";

export interface StackFile {
  file: string;
  config: Record<string, unknown>;
}

/**
 * The part of a stack name that names its file: `dev`, or the last part of `org/project/dev`
 * (Pulumi names the file after the stack alone). Refused unless it is a plain file stem.
 */
export function stackFileStem(stack: string): string {
  const parts = stack.split("/");
  if (parts.length <= 3) parts.forEach((p) => safeStem(p, "stack name"));
  else safeStem(stack, "stack name");
  return parts[parts.length - 1];
}

/** Where a project's stack files are: `stackConfigDir` of Pulumi.yaml (default: the project dir). */
export function stackConfigDir(projectDir: string): string {
  const projectFile = path.join(projectDir, "Pulumi.yaml");
  if (fs.existsSync(projectFile)) {
    const project = (parse(fs.readFileSync(projectFile, "utf8")) ?? {}) as { stackConfigDir?: string };
    if (project.stackConfigDir) return path.resolve(projectDir, project.stackConfigDir);
  }
  return projectDir;
}

/** The stack file's path: `stackConfigDir` of Pulumi.yaml (default: the project dir). */
export function stackFilePath(stack: string, projectDir: string): string {
  const stem = stackFileStem(stack);
  return path.join(stackConfigDir(projectDir), `Pulumi.${stem}.yaml`);
}

/** The stacks a project has files for (`Pulumi.<stack>.yaml` in its stackConfigDir), sorted. */
export function projectStacks(projectDir: string): string[] {
  const dir = stackConfigDir(projectDir);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined && isSafeStem(s))
    .sort();
}

/** Reads `stacks/Pulumi.<stack>.yaml` (wherever Pulumi.yaml's `stackConfigDir` puts it). */
export function readStackFile(stack: string, projectDir = process.cwd()): StackFile {
  const file = stackFilePath(stack, projectDir);
  if (!fs.existsSync(file)) {
    throw new Error(`no stack file for "${stack}": expected ${file}. Create it with \`pulumi stack init ${stack}\` or pick another --stack.`);
  }
  const parsed = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return { file, config: parsed.config ?? {} };
}

/** Stack config as the engine hands it to a program: strings as they are, other values as JSON text. */
export function engineConfig(config: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** `genie:variables` of a stack, as strings. */
export function stackVariables(stackFile: StackFile): Record<string, string> {
  const raw = stackFile.config["genie:variables"];
  const out: Record<string, string> = {};
  if (raw && typeof raw === "object") {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[k] = String(v);
  }
  return out;
}
