/**
 * Adopting a space made in the Genie UI. `pulumi import` does not work for dynamic providers;
 * `adoptSpaceId` does the same job: the first `up` takes the existing space over (no new space,
 * no write at all if it already matches) and later runs manage it like any other.
 *
 * Export the space first to get a file that matches it exactly:
 *   npx pulumi-genie export --space-id 01f0a7a327cd11978f2951f81a61bfdd --out spaces
 */
import * as pulumi from "@pulumi/pulumi";
import { GenieSpace } from "pulumi-genie";

const config = new pulumi.Config();

const finance = new GenieSpace("finance", {
  // The file written by export; `file` loads it program-side (errors carry file:line).
  file: "spaces/finance.yaml",
  variables: { catalog: config.get("catalog") ?? "main" },
  adoptSpaceId: config.require("financeSpaceId"),
});

export const url = finance.url;
