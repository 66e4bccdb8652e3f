import * as pulumi from "@pulumi/pulumi";
import { formatFileMessage, loadSpaceFiles, type SpaceInput, type SpaceDefinition } from "../space";
import { genieSpaceProviderShim } from "./shim";

/** Arguments of a {@link GenieSpace}. Give the content as exactly one of `space`, `serializedSpace` or `file`. */
export interface GenieSpaceArgs {
  /** Title shown in Genie. Defaults to the resource name (or the file's `title` when `file` is used). */
  title?: pulumi.Input<string>;
  /** Description shown in Genie. Left as the workspace has it when omitted (the API cannot clear it). */
  description?: pulumi.Input<string>;
  /** SQL warehouse the space runs on (Pro or Serverless). Required unless the `file` names one. */
  warehouseId?: pulumi.Input<string>;
  /**
   * Workspace folder holding the space, with or without the `/Workspace` prefix. Changing it moves
   * the space. A missing folder is created. Omitted: the caller's home folder, left unmanaged.
   */
  parentPath?: pulumi.Input<string>;
  /** The content as a typed definition (friendly form: plain strings, optional ids, `relationship` on joins). */
  space?: pulumi.Input<SpaceInput | SpaceDefinition>;
  /** The content as exported from Databricks: a `serialized_space` JSON string or the parsed object (v1 or v2). */
  serializedSpace?: pulumi.Input<string | Record<string, unknown>>;
  /** A space file (YAML or JSON, our format, genie-forge's or a bundle `*.geniespace.json`) holding one space. */
  file?: string;
  /** Name of the space to take from `file` when it holds several (under `spaces:`). */
  fileSpaceName?: string;
  /** `${name}` values for `file`; `${env}` is the stack name. */
  variables?: Record<string, string>;
  /**
   * Adopt an existing space (made in the UI, or by another tool) instead of creating one: on create
   * the provider reads this space and brings it to the declared state. `pulumi import` does not work
   * for dynamic providers; this is the supported way.
   */
  adoptSpaceId?: pulumi.Input<string>;
}

/**
 * A Databricks Genie space managed by Pulumi. Created, read, updated (in place, including folder
 * moves) and trashed through the Genie REST API; credentials come from the stack's `databricks:*`
 * config, `DATABRICKS_*` variables or `~/.databrickscfg` at run time and never enter state.
 */
export class GenieSpace extends pulumi.dynamic.Resource {
  /** The space id (32 hex characters). */
  declare readonly spaceId: pulumi.Output<string>;
  /** Link to the space in the Genie UI. */
  declare readonly url: pulumi.Output<string>;
  /** The workspace the space lives in. */
  declare readonly host: pulumi.Output<string>;
  declare readonly title: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string | undefined>;
  declare readonly warehouseId: pulumi.Output<string>;
  /** The folder holding the space, as the API returns it (without `/Workspace`). */
  declare readonly parentPath: pulumi.Output<string>;
  /** The content in canonical form: compact JSON, sorted, with ids (what `preview --diff` shows). */
  declare readonly serializedSpace: pulumi.Output<string>;
  /** The content version the API reported when the content was last applied or changed. */
  declare readonly etag: pulumi.Output<string | undefined>;
  declare readonly createTime: pulumi.Output<string | undefined>;
  declare readonly updateTime: pulumi.Output<string | undefined>;

  constructor(name: string, args: GenieSpaceArgs, opts?: pulumi.CustomResourceOptions) {
    const given = [args.space, args.serializedSpace, args.file].filter((x) => x !== undefined).length;
    if (given !== 1) {
      throw new Error(
        `GenieSpace "${name}": give the content as exactly one of "space", "serializedSpace" or "file" (got ${given}).`,
      );
    }
    let inputs: Record<string, pulumi.Input<unknown>> = {
      title: args.title ?? name,
      description: args.description,
      warehouseId: args.warehouseId,
      parentPath: args.parentPath,
      space: args.space,
      serializedSpace: args.serializedSpace,
      adoptSpaceId: args.adoptSpaceId,
    };
    if (args.file !== undefined) {
      inputs = fileInputs(name, args, inputs);
    }
    super(
      genieSpaceProviderShim,
      name,
      {
        ...inputs,
        spaceId: undefined,
        url: undefined,
        host: undefined,
        etag: undefined,
        createTime: undefined,
        updateTime: undefined,
      },
      opts,
      "genie",
      "GenieSpace",
    );
  }
}

/** Loads the space file program-side, so its errors carry file:line and the provider sees plain content. */
function fileInputs(
  name: string,
  args: GenieSpaceArgs,
  inputs: Record<string, pulumi.Input<unknown>>,
): Record<string, pulumi.Input<unknown>> {
  const loaded = pulumi.output(
    loadSpaceFiles(args.file as string, { variables: args.variables, env: pulumi.getStack() }).then((spaces) => {
      const pick = args.fileSpaceName ? spaces.filter((s) => s.name === args.fileSpaceName) : spaces;
      if (pick.length !== 1) {
        const names = spaces.map((s) => s.name).join(", ");
        throw new Error(
          `GenieSpace "${name}": ${args.file} holds ${spaces.length} spaces (${names}); ` +
            (args.fileSpaceName ? `none is named "${args.fileSpaceName}".` : `set fileSpaceName to pick one.`),
        );
      }
      // What the loader changed on the way (e.g. a genie-forge convenience applied), with file:line.
      for (const w of pick[0].warnings) void pulumi.log.warn(`GenieSpace "${name}": ${formatFileMessage(w)}`);
      return pick[0];
    }),
  );
  return {
    ...inputs,
    title: args.title ?? loaded.apply((s) => s.title ?? name),
    description: args.description ?? loaded.apply((s) => s.description),
    warehouseId: args.warehouseId ?? loaded.apply((s) => s.warehouseId),
    parentPath: args.parentPath ?? loaded.apply((s) => s.parentPath),
    space: loaded.apply((s) => s.definition),
  };
}
