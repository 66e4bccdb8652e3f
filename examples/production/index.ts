/**
 * Production safety. Trashing a space loses its conversation history, so in production:
 * - `protect: true`: `pulumi destroy` and replacements fail instead of trashing the space;
 * - `retainOnDelete: true`: removing the resource from the program only forgets it;
 * - a space recorded in one workspace is never re-created in another if `databricks:host`
 *   changes: the preview fails and says what to do.
 * Run `pulumi preview` on pull requests and `pulumi up` only from CI on merge.
 */
import * as pulumi from "@pulumi/pulumi";
import { GenieSpace } from "pulumi-genie";

const config = new pulumi.Config();
const isProd = pulumi.getStack() === "prod";

const executive = new GenieSpace(
  "executive",
  {
    title: "Executive KPIs",
    warehouseId: config.require("warehouseId"),
    parentPath: "/Shared/genie/executive",
    serializedSpace: {
      // As exported from Databricks (a bundle's *.geniespace.json works as is).
      version: 2,
      data_sources: { tables: [{ identifier: `${config.get("catalog") ?? "main"}.finance.kpis` }] },
    },
  },
  { protect: isProd, retainOnDelete: isProd },
);

export const url = executive.url;
