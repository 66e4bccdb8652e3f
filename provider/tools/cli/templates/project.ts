/**
 * The files `pulumi-genie init` writes. Kept as TypeScript (not loose files) so they ship in
 * dist/ with the compiled CLI. `full` adds the explanations and extras; `minimal` is only what a
 * project needs to validate and deploy.
 */

export interface ProjectSettings {
  /** Pulumi project name (and npm package name). */
  project: string;
  /** Version range of pulumi-genie to depend on. */
  genieVersion: string;
  /** Version range of @pulumi/pulumi to depend on. */
  pulumiVersion: string;
  /** The dev stack's workspace and variables (placeholders when not given). */
  dev: StackValues;
  /** Comments, staging/prod notes and the example space. */
  full: boolean;
}

export interface StackValues {
  host: string;
  catalog: string;
  schema: string;
  warehouseId: string;
}

/** The folder of space files the stacks deploy. */
export const SPACES_DIR = "spaces";

export function pulumiYaml(s: ProjectSettings): string {
  const head = s.full
    ? "# A Pulumi project managing Databricks Genie spaces with pulumi-genie.\n# Space files live in spaces/; each stack (stacks/Pulumi.<stack>.yaml) is one workspace.\n"
    : "";
  return `${head}name: ${s.project}
description: Databricks Genie spaces as code
runtime:
  name: nodejs
  options:
    packagemanager: npm
    typescript: true
main: index.ts
stackConfigDir: stacks
config:
  genie:spacesDir:
    type: string
    description: Folder of space files (YAML/JSON) this stack deploys, relative to the project root.
    default: ${SPACES_DIR}
  genie:protect:
    type: boolean
    description: Protect every space from deletion and keep it in the workspace if removed from the program (production).
    default: false
`;
}

export function packageJson(s: ProjectSettings): string {
  return JSON.stringify({
    name: s.project,
    version: "0.1.0",
    private: true,
    main: "index.ts",
    scripts: {
      validate: "pulumi-genie validate spaces --stack dev",
      preview: "pulumi preview --stack dev --diff",
      up: "pulumi up --stack dev",
      demo: "pulumi-genie demo --stack dev",
    },
    dependencies: {
      "@pulumi/pulumi": s.pulumiVersion,
      "pulumi-genie": s.genieVersion,
    },
    devDependencies: {
      "@types/node": "^20.0.0",
      typescript: "^5.0.0",
    },
  }, null, 2) + "\n";
}

/**
 * The project's tsconfig, for `tsc` and for Pulumi's runtime (ts-node reads it). node16 module
 * resolution reads package.json `exports`, so the package's subpaths (pulumi-genie/emulator, …)
 * resolve; rootDir and types are spelled out because TypeScript 6 no longer infers them (its
 * rootDir defaults to the tsconfig folder only when set, and `types` defaults to none).
 */
export function tsconfigJson(): string {
  return JSON.stringify({
    compilerOptions: {
      strict: true,
      target: "es2022",
      module: "node16",
      moduleResolution: "node16",
      esModuleInterop: true,
      skipLibCheck: true,
      rootDir: ".",
      outDir: "bin",
      types: ["node"],
    },
    files: ["index.ts"],
  }, null, 2) + "\n";
}

export function gitignore(): string {
  return "node_modules/\nbin/\n*.tsbuildinfo\n.pulumi/\n";
}

/** The stack program: same shape as the repository's stacks/program.ts. */
export function program(s: ProjectSettings): string {
  const doc = s.full
    ? `/**
 * Deploys every space file in \`genie:spacesDir\` (default: spaces/) to the stack's workspace.
 * The same files promote dev → staging → prod; each stack brings its own workspace
 * (\`databricks:*\`) and variables (\`genie:variables\`: catalog, schema, warehouse_id, folder).
 *   genie:adopt    space name → id of an existing space to take over instead of creating one
 *   genie:protect  true in production: no accidental trash, kept if removed from the program
 */
`
    : "";
  return `${doc}import { deploySpaces } from "pulumi-genie";

export = async () => (await deploySpaces({ defaultSpacesDir: "${SPACES_DIR}" })).outputs;
`;
}

function yamlString(v: string): string {
  return /^[A-Za-z0-9_./:-]+$/.test(v) && !/^\d+$/.test(v) ? v : JSON.stringify(v);
}

/** The stacks `init` writes. */
export const STACKS = ["dev", "staging", "prod"] as const;
export type ScaffoldStack = (typeof STACKS)[number];

/** The dev stack's values when `init` is given none: placeholders to replace. */
export const DEV_PLACEHOLDERS: StackValues = {
  host: "https://dev-workspace.cloud.databricks.com",
  catalog: "main",
  schema: "genie_demo",
  warehouseId: "your-sql-warehouse-id",
};

function stackValues(stack: ScaffoldStack, dev: StackValues): StackValues {
  return stack === "dev"
    ? dev
    : { host: `https://${stack}-workspace.cloud.databricks.com`, catalog: `${stack}_catalog`, schema: dev.schema, warehouseId: `${stack}-warehouse-id` };
}

const stackFolder = (stack: ScaffoldStack) => (stack === "prod" ? "/Shared/genie" : `/Shared/genie/${stack}`);

/**
 * The `genie:variables` a scaffolded stack holds when `init` was told nothing (variable → value):
 * a command that knows better values (a migration) may replace exactly these.
 */
export function placeholderVariables(stack: string): Record<string, string> {
  if (!(STACKS as readonly string[]).includes(stack)) return {};
  const v = stackValues(stack as ScaffoldStack, DEV_PLACEHOLDERS);
  return { catalog: v.catalog, schema: v.schema, warehouse_id: v.warehouseId, folder: stackFolder(stack as ScaffoldStack) };
}

/** The authentication a scaffolded staging/prod stack names (a service principal in CI). */
export const CI_AUTH_TYPE = "oauth-m2m";

export function stackFile(stack: ScaffoldStack, s: ProjectSettings): string {
  const values = stackValues(stack, s.dev);
  const folder = stackFolder(stack);
  const comments: Record<typeof stack, string> = {
    dev: `# dev: your development workspace. Credentials never go here in clear text:
#   export DATABRICKS_TOKEN=...                      (or)
#   pulumi config set --secret databricks:token dapi... --stack dev
#   or a ~/.databrickscfg profile: pulumi config set databricks:profile dev --stack dev
# Find the warehouse id under SQL Warehouses → your warehouse → Overview.
`,
    staging: `# staging: the same space files on a staging workspace, deployed by CI with a service principal
# (DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET in the environment).
`,
    prod: `# prod: spaces are protected (no accidental trash) and kept if removed from the program.
# Deployed by CI with a service principal (DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET).
`,
  };
  const lines = [
    ...(s.full ? [comments[stack].trimEnd()] : []),
    "config:",
    `  databricks:host: ${yamlString(values.host)}`,
    ...(stack === "dev" ? [] : [`  databricks:authType: ${CI_AUTH_TYPE}`]),
    ...(stack === "prod" ? ["  genie:protect: true"] : []),
    `  genie:spacesDir: ${SPACES_DIR}`,
    ...(s.full ? ["  # Values for ${name} references in the space files:"] : []),
    "  genie:variables:",
    `    catalog: ${yamlString(values.catalog)}`,
    `    schema: ${yamlString(values.schema)}`,
    `    warehouse_id: ${yamlString(values.warehouseId)}`,
    `    folder: ${folder}`,
    ...(s.full ? [
      "  # Take over spaces that already exist instead of creating new ones (name → space id):",
      "  # genie:adopt:",
      "  #   sales: 01ef0123456789abcdef0123456789ab",
    ] : []),
  ];
  return lines.join("\n") + "\n";
}

/** The example space: the demo tables `pulumi-genie demo-data setup` creates (orders, customers). */
export function exampleSpace(): string {
  return `# An example Genie space. \${catalog}, \${schema}, \${warehouse_id} and \${folder} come from the
# stack's genie:variables, so the same file deploys to dev, staging and prod. The tables are the
# ones \`pulumi-genie demo-data setup\` creates; point them at your own tables when you are ready.
name: sales
title: Sales (\${env})
description: Ask about orders, revenue and customers.
warehouse_id: \${warehouse_id}
parent_path: \${folder}

config:
  sample_questions:
    - What was net revenue last month by region?
    - Who are our top 5 customers?

data_sources:
  tables:
    - identifier: \${catalog}.\${schema}.customers
      description: One row per customer.
    - identifier: \${catalog}.\${schema}.orders
      description: One row per order; net_amount is in EUR.

instructions:
  text_instructions:
    - Revenue means SUM(orders.net_amount) over orders whose status is not 'cancelled'.
  join_specs:
    - left: { identifier: "\${catalog}.\${schema}.orders", alias: orders }
      right: { identifier: "\${catalog}.\${schema}.customers", alias: customers }
      sql: "\`orders\`.\`customer_id\` = \`customers\`.\`customer_id\`"
      relationship: many_to_one
`;
}

export function readme(s: ProjectSettings): string {
  return `# ${s.project}

Databricks Genie spaces as code, managed with Pulumi and pulumi-genie.

    npm install
    npx pulumi-genie validate spaces --stack dev   # offline check of every space file
    pulumi stack init dev                           # once; settings are in stacks/Pulumi.dev.yaml
    pulumi up --stack dev
    npx pulumi-genie demo                           # no workspace yet: the dev stack against a local emulator

Space files: \`${SPACES_DIR}/\`. Stacks (one per workspace): \`stacks/Pulumi.<stack>.yaml\`.
`;
}
