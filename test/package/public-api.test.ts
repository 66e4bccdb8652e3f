/**
 * The package root is the public API (docs/architecture.md "Public API"): this list is what users may
 * rely on, so a name added or removed here is a deliberate, documented change.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as root from "../../provider/index";

const PUBLIC_VALUES = [
  "GenieSpace",
  "GenieSpacePermissions",
  "deploySpaces",
  "loadSpaceFiles",
  "SpaceFileError",
  "toSerializedSpace",
  "fromSerializedSpace",
  "compareSpaces",
  "toSpaceYaml",
  "GenieClient",
  "GenieApiError",
  "SpaceTitleTakenError",
  "resolveAuthConfig",
  "credentialsFor",
  "describeAuth",
  "AuthConfigError",
];

test("the package root exports exactly the documented names", () => {
  expect(Object.keys(root).sort()).toEqual([...PUBLIC_VALUES].sort());
});

test("every exported name is documented in docs/architecture.md", () => {
  const doc = fs.readFileSync(path.join(__dirname, "../../docs/architecture.md"), "utf8");
  for (const name of PUBLIC_VALUES) expect(doc).toContain(`\`${name}\``);
});
