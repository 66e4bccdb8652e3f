/**
 * The provider object Pulumi serializes into every GenieSpace's state (`__provider`).
 *
 * Why a shim: the closure serializer inlines local code by value, and `refresh`/`destroy` run the
 * copy stored in state (docs/dynamic-providers.md §1.4, §3). Each method therefore only
 * `require`s the package runtime *by package name* at call time. The text stays a few hundred
 * bytes per method, identical across releases, and an upgraded package takes effect on the next
 * run without a diff. Nothing here may capture a value: a captured credential would land in state.
 *
 * Keep every method a one-liner calling the runtime; the serialized text is checked in tests.
 */
import type * as pulumi from "@pulumi/pulumi";

/** @internal */
export const genieSpaceProviderShim: pulumi.dynamic.ResourceProvider = {
  configure(req) { return require("pulumi-genie/runtime").genieSpace.configure(req); },
  check(olds, news) { return require("pulumi-genie/runtime").genieSpace.check(olds, news); },
  diff(id, olds, news) { return require("pulumi-genie/runtime").genieSpace.diff(id, olds, news); },
  create(inputs) { return require("pulumi-genie/runtime").genieSpace.create(inputs); },
  read(id, props) { return require("pulumi-genie/runtime").genieSpace.read(id, props); },
  update(id, olds, news) { return require("pulumi-genie/runtime").genieSpace.update(id, olds, news); },
  delete(id, props) { return require("pulumi-genie/runtime").genieSpace.delete(id, props); },
};
