import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { formatFileMessage, loadSpaceFiles } from "../space";
import { GenieSpace } from "./genie-space";

/** Options of {@link deploySpaces}; each falls back to the stack config named in its comment. */
export interface DeploySpacesOptions {
  /** Folder (or file) of space files, relative to the project directory. Config `genie:spacesDir`. */
  spacesDir?: string;
  /** Used when neither `spacesDir` nor `genie:spacesDir` is set. Default `spaces`. */
  defaultSpacesDir?: string;
  /** `${name}` values for the files. Config `genie:variables` (an object). `${env}` is the stack name. */
  variables?: Record<string, string>;
  /** Space name → id of an existing space to adopt instead of creating. Config `genie:adopt`. */
  adopt?: Record<string, string>;
  /** Protect every space and keep it if removed from the program (production). Config `genie:protect`. */
  protect?: boolean;
  /** Config namespace of the settings above. Default `genie`. */
  configNamespace?: string;
  /** Extra resource options for every space (e.g. a provider-independent `dependsOn`). */
  resourceOptions?: pulumi.CustomResourceOptions;
}

export interface DeployedSpaces {
  /** The resources, by space name. */
  resources: Record<string, GenieSpace>;
  /** `{ <name>: { id, url } }`, ready to return as the stack's outputs. */
  outputs: Record<string, { id: pulumi.Output<string>; url: pulumi.Output<string> }>;
}

/**
 * Declares one {@link GenieSpace} per space file in a folder, with the stack's variables,
 * adoption map and production safety: the whole program of a typical Genie stack.
 *
 * ```ts
 * export = async () => (await deploySpaces()).outputs;
 * ```
 */
export async function deploySpaces(opts: DeploySpacesOptions = {}): Promise<DeployedSpaces> {
  const config = new pulumi.Config(opts.configNamespace ?? "genie");
  // Pulumi runs the program with the project directory as working directory.
  const spacesDir = path.resolve(process.cwd(), opts.spacesDir ?? config.get("spacesDir") ?? opts.defaultSpacesDir ?? "spaces");
  const variables = opts.variables ?? config.getObject<Record<string, string>>("variables") ?? {};
  const adopt = opts.adopt ?? config.getObject<Record<string, string>>("adopt") ?? {};
  const protect = opts.protect ?? config.getBoolean("protect") ?? false;

  const spaces = await loadSpaceFiles(spacesDir, { variables, env: pulumi.getStack() });
  // What the loader changed or skipped (a genie-forge convenience applied, a link not followed) is
  // said in the engine's log, with file:line, on the space's resource when it belongs to one.
  const ofSpaces = new Set(spaces.flatMap((s) => s.warnings));
  for (const w of spaces.warnings) if (!ofSpaces.has(w)) void pulumi.log.warn(formatFileMessage(w));
  const deployed: DeployedSpaces = { resources: {}, outputs: {} };
  for (const space of spaces) {
    const resource = new GenieSpace(
      space.name,
      {
        title: space.title,
        description: space.description,
        warehouseId: space.warehouseId,
        parentPath: space.parentPath,
        space: space.definition,
        adoptSpaceId: adopt[space.name],
      },
      // Production: never trash a space by accident, and keep it if it leaves the program.
      pulumi.mergeOptions({ protect, retainOnDelete: protect }, opts.resourceOptions ?? {}),
    );
    for (const w of space.warnings) void pulumi.log.warn(formatFileMessage(w), resource);
    deployed.resources[space.name] = resource;
    deployed.outputs[space.name] = { id: resource.spaceId, url: resource.url };
  }
  return deployed;
}
