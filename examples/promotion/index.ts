/**
 * Promotion across workspaces: each stack is one workspace (`databricks:host`) with its own
 * catalog, schema, warehouse and folder; the space files under ../spaces are shared. Promote by
 * running the same commit on the next stack:
 *
 *   pulumi up --stack dev      # dev_catalog.analytics.* in the dev workspace
 *   pulumi up --stack prod     # prod_catalog.analytics.* in the prod workspace
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { GenieSpace, loadSpaceFiles } from "pulumi-genie";

export = async () => {
  const stack = pulumi.getStack();
  const variables = new pulumi.Config().requireObject<Record<string, string>>("variables");
  const spaces = await loadSpaceFiles(path.join(__dirname, "../spaces"), { variables, env: stack });
  const out: Record<string, pulumi.Output<string>> = {};
  for (const s of spaces) {
    out[s.name] = new GenieSpace(
      s.name,
      { title: s.title, description: s.description, warehouseId: s.warehouseId, parentPath: s.parentPath, space: s.definition },
      { protect: stack === "prod", retainOnDelete: stack === "prod" },
    ).url;
  }
  return out;
};
