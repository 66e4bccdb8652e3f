/**
 * The stack program: deploys every space file in `genie:spacesDir` (default `examples/spaces`)
 * to the stack's workspace. The same files promote dev → staging → prod; each stack brings its
 * own workspace (`databricks:*`) and variables (`genie:variables`: catalog, schema,
 * warehouse_id, ...), `genie:adopt` (spaces to take over) and `genie:protect` (production).
 */
import { deploySpaces } from "pulumi-genie";

export = async () => (await deploySpaces({ defaultSpacesDir: "examples/spaces" })).outputs;
