/**
 * The stack program: deploys every space file in `genie:spacesDir` to the stack's workspace.
 * The same files promote dev → staging → prod; each stack brings its own workspace
 * (`databricks:*`) and variables (`genie:variables`: catalog, schema, warehouse_id, ...).
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { GenieSpace, loadSpaceFiles } from "pulumi-genie";

export = async () => {
  const config = new pulumi.Config("genie");
  // Pulumi runs the program with the project directory as working directory.
  const projectRoot = process.cwd();
  const spacesDir = path.resolve(projectRoot, config.get("spacesDir") ?? "examples/spaces");
  const variables = config.getObject<Record<string, string>>("variables") ?? {};
  const adopt = config.getObject<Record<string, string>>("adopt") ?? {};
  const protect = config.getBoolean("protect") ?? false;

  const spaces = await loadSpaceFiles(spacesDir, { variables, env: pulumi.getStack() });
  const exported: Record<string, { id: pulumi.Output<string>; url: pulumi.Output<string> }> = {};
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
      { protect, retainOnDelete: protect },
    );
    exported[space.name] = { id: resource.spaceId, url: resource.url };
  }
  return exported;
};
