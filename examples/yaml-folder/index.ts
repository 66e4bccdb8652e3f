/**
 * A folder of YAML space files, one GenieSpace each. `${catalog}`, `${schema}`,
 * `${warehouse_id}` and `${folder}` come from the stack config (`genie-yaml-folder:variables`);
 * `${env}` is the stack name. A missing variable fails the preview with file and line.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { GenieSpace, loadSpaceFiles } from "pulumi-genie";

export = async () => {
  const config = new pulumi.Config();
  const variables = config.getObject<Record<string, string>>("variables") ?? {};
  const spaces = await loadSpaceFiles(path.join(__dirname, "../spaces"), { variables, env: pulumi.getStack() });
  const urls: Record<string, pulumi.Output<string>> = {};
  for (const s of spaces) {
    const space = new GenieSpace(s.name, {
      title: s.title,
      description: s.description,
      warehouseId: s.warehouseId,
      parentPath: s.parentPath,
      space: s.definition,
    });
    urls[s.name] = space.url;
  }
  return { urls };
};
