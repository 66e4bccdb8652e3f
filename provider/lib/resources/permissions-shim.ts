/**
 * The provider object Pulumi serializes into every GenieSpacePermissions' state (`__provider`).
 * Same design as `./shim.ts`: each method only `require`s the package runtime by name at call
 * time, so the text stays tiny, captures nothing (no credential can reach state) and an upgraded
 * package takes effect on the next refresh/destroy.
 */
import type * as pulumi from "@pulumi/pulumi";

/** @internal */
export const genieSpacePermissionsProviderShim: pulumi.dynamic.ResourceProvider = {
  configure(req) { return require("pulumi-genie/runtime").genieSpacePermissions.configure(req); },
  check(olds, news) { return require("pulumi-genie/runtime").genieSpacePermissions.check(olds, news); },
  diff(id, olds, news) { return require("pulumi-genie/runtime").genieSpacePermissions.diff(id, olds, news); },
  create(inputs) { return require("pulumi-genie/runtime").genieSpacePermissions.create(inputs); },
  read(id, props) { return require("pulumi-genie/runtime").genieSpacePermissions.read(id, props); },
  update(id, olds, news) { return require("pulumi-genie/runtime").genieSpacePermissions.update(id, olds, news); },
  delete(id, props) { return require("pulumi-genie/runtime").genieSpacePermissions.delete(id, props); },
};
