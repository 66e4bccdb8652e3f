/**
 * Reads a stack's settings straight from `stacks/Pulumi.<stack>.yaml` (no Pulumi CLI needed), so
 * offline commands see the same variables `pulumi up` would.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export interface StackFile {
  file: string;
  config: Record<string, unknown>;
}

/** The stack file's path: `stackConfigDir` of Pulumi.yaml (default: the project dir). */
export function stackFilePath(stack: string, projectDir: string): string {
  const projectFile = path.join(projectDir, "Pulumi.yaml");
  let configDir = projectDir;
  if (fs.existsSync(projectFile)) {
    const project = (parse(fs.readFileSync(projectFile, "utf8")) ?? {}) as { stackConfigDir?: string };
    if (project.stackConfigDir) configDir = path.resolve(projectDir, project.stackConfigDir);
  }
  return path.join(configDir, `Pulumi.${stack}.yaml`);
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

/** `genie:variables` of a stack, as strings. */
export function stackVariables(stackFile: StackFile): Record<string, string> {
  const raw = stackFile.config["genie:variables"];
  const out: Record<string, string> = {};
  if (raw && typeof raw === "object") {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[k] = String(v);
  }
  return out;
}
