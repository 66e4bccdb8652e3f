/**
 * Writes into a stack's config file (stacks/Pulumi.<stack>.yaml) the way `pulumi config set` would,
 * but through the `yaml` Document API so the comments and key order people wrote survive.
 * Adoption records are `genie:adopt` entries (space name → existing space id): the stack program
 * passes them as `adoptSpaceId`, so the next `pulumi up` takes the space over instead of creating.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, parse, parseDocument, type Document } from "yaml";
import { writeConfined } from "./safe-path";
import { stackFilePath } from "./stack-config";

/** Where a stack's file is; reading and writing share one rule (stack-config.ts). */
export { stackFilePath };

/** The `genie:spacesDir` a stack deploys: its own setting, else the project's declared default. */
export function stackSpacesDir(stack: string | undefined, projectDir: string): string | undefined {
  const file = stack === undefined ? undefined : stackFilePath(stack, projectDir);
  if (file && fs.existsSync(file)) {
    const config = ((parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> }).config ?? {};
    if (typeof config["genie:spacesDir"] === "string") return path.resolve(projectDir, config["genie:spacesDir"]);
  }
  const projectFile = path.join(projectDir, "Pulumi.yaml");
  if (!fs.existsSync(projectFile)) return undefined;
  const project = (parse(fs.readFileSync(projectFile, "utf8")) ?? {}) as { config?: Record<string, { default?: unknown } | unknown> };
  const declared = project.config?.["genie:spacesDir"];
  const fallback = declared && typeof declared === "object" ? (declared as { default?: unknown }).default : declared;
  return typeof fallback === "string" ? path.resolve(projectDir, fallback) : undefined;
}

export interface StackEdit {
  /** Plain config keys to set, e.g. `databricks:host`, `genie:spacesDir` (existing values are replaced). */
  settings?: Record<string, string | boolean>;
  /** Config keys to remove when they hold exactly this value (e.g. a scaffold default that no longer fits). */
  unsetIfEqual?: Record<string, string>;
  /** `genie:variables` entries; an existing different value is kept and reported, never overwritten… */
  variables?: Record<string, string>;
  /** …unless it is the placeholder named here (variable → the value `init` wrote when not told one). */
  placeholders?: Record<string, string>;
  /** `genie:adopt` entries (space name → space id); replaces an entry of the same name. */
  adopt?: Record<string, string>;
  /** Comment for a file this edit creates. */
  header?: string;
}

export interface StackEditResult {
  file: string;
  created: boolean;
  /** What the user should check (e.g. a variable kept because it differs). */
  notes: string[];
}

/** A planned edit: the file's new text, not yet written. */
export interface StackEditPlan extends StackEditResult {
  text: string;
}

function configMap(doc: Document): void {
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as never;
  if (!doc.has("config") || !isMap(doc.get("config"))) doc.set("config", doc.createNode({}));
}

/** Current `genie:adopt` of a stack (empty when the file or the key is missing). */
export function readAdoptions(file: string): Record<string, string> {
  if (!fs.existsSync(file)) return {};
  const config = ((parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> }).config ?? {};
  const adopt = config["genie:adopt"];
  const out: Record<string, string> = {};
  if (adopt && typeof adopt === "object") for (const [k, v] of Object.entries(adopt)) out[k] = String(v);
  return out;
}

/** The stack file's text after `edit`, comments and key order kept; nothing is written. */
export function planStackEdit(file: string, edit: StackEdit): StackEditPlan {
  const created = !fs.existsSync(file);
  const text = created ? "" : fs.readFileSync(file, "utf8");
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new Error(`cannot edit ${file}: it is not valid YAML (${doc.errors[0].message.split("\n")[0]}); fix the file first`);
  }
  configMap(doc);
  if (created && edit.header) doc.commentBefore = edit.header.split("\n").map((l) => ` ${l}`).join("\n");
  const notes: string[] = [];
  for (const [key, value] of Object.entries(edit.settings ?? {})) doc.setIn(["config", key], value);
  for (const [key, value] of Object.entries(edit.unsetIfEqual ?? {})) {
    const current = doc.getIn(["config", key]);
    if (current !== undefined && String(current) === value) {
      doc.deleteIn(["config", key]);
      notes.push(`removed ${key}: ${value} from ${file} (a default of \`pulumi-genie init\` that does not fit the migrated settings)`);
    }
  }
  for (const [name, value] of Object.entries(edit.variables ?? {})) {
    const current = doc.getIn(["config", "genie:variables", name]);
    if (current === undefined || current === null) {
      if (!isMap(doc.getIn(["config", "genie:variables"]))) doc.setIn(["config", "genie:variables"], doc.createNode({}));
      doc.setIn(["config", "genie:variables", name], value);
    } else if (String(current) !== value && edit.placeholders?.[name] === String(current)) {
      doc.setIn(["config", "genie:variables", name], value);
      notes.push(`replaced the placeholder genie:variables.${name} = ${JSON.stringify(String(current))} in ${file} with ${JSON.stringify(value)}, the value the files were written for`);
    } else if (String(current) !== value) {
      notes.push(`kept genie:variables.${name} = ${JSON.stringify(String(current))} in ${file} (the files were written for ${JSON.stringify(value)}); change it if that is not intended`);
    }
  }
  for (const [name, id] of Object.entries(edit.adopt ?? {})) {
    if (!isMap(doc.getIn(["config", "genie:adopt"]))) doc.setIn(["config", "genie:adopt"], doc.createNode({}));
    doc.setIn(["config", "genie:adopt", name], id);
  }
  return { file, created, notes, text: doc.toString({ lineWidth: 0 }) };
}

/** Applies `edit` to the stack file (never through a link). */
export function editStackFile(file: string, edit: StackEdit): StackEditResult {
  const plan = planStackEdit(file, edit);
  writeConfined(path.dirname(file), path.basename(file), plan.text, { what: "stack file", overwrite: true });
  return { file: plan.file, created: plan.created, notes: plan.notes };
}
