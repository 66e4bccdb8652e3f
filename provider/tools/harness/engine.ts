// The Pulumi engine's step rules, played against the real dynamic-provider host
// (docs/dynamic-providers.md §2 and §4.4).
import { DeclaredResource } from "./capture";
import { HostError, ProviderHost } from "./host";
import { concurrencyLimit } from "./pool";
import { Props, clone, deepEqual } from "./values";

export interface StateEntry {
  urn: string;
  type: string;
  name: string;
  id: string;
  inputs: Props;
  outputs: Props;
  options: DeclaredResource["options"];
  /** URNs this resource depends on: deletes run dependents first. */
  dependencies?: string[];
  /**
   * Reasons the provider gave when it created (or updated) the object but failed to finish. As
   * in the engine, such a resource is updated on the next `up` even when Diff reports no change.
   */
  initErrors?: string[];
}

export type StepOp =
  | "same"
  | "create"
  | "update"
  | "replace"
  | "delete"
  | "refresh-same"
  | "refresh-update"
  | "refresh-delete"
  | "check-failed"
  | "failed";

export interface Step {
  urn: string;
  name: string;
  op: StepOp;
  error?: string;
  failures?: { property: string; reason: string }[];
  diff?: { changes: boolean; replaces: string[] };
  id?: string;
}

export interface EngineResult {
  steps: Step[];
  failed: number;
  changed: number;
}

export interface EngineOptions {
  host: ProviderHost;
  /** Steps run at once, like `pulumi up --parallel` (default 16). */
  parallelism?: number;
  state?: StateEntry[];
}

const CHANGING_OPS: ReadonlySet<StepOp> = new Set(["create", "update", "replace", "delete", "refresh-update", "refresh-delete"]);
const FAILED_OPS: ReadonlySet<StepOp> = new Set(["failed", "check-failed"]);

function summarize(steps: Step[]): EngineResult {
  return {
    steps,
    failed: steps.filter((s) => FAILED_OPS.has(s.op)).length,
    changed: steps.filter((s) => CHANGING_OPS.has(s.op)).length,
  };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * ignoreChanges: the engine keeps the old input value for each ignored path (a missing old value
 * removes the property) before calling Check. Paths are dotted ("a.b"); "*"-free subset.
 */
function applyIgnoreChanges(oldInputs: Props, news: Props, paths: string[] = []): Props {
  const result = clone(news);
  for (const p of paths) {
    const keys = p.split(".");
    let oldValue: unknown = oldInputs;
    for (const k of keys) oldValue = typeof oldValue === "object" && oldValue !== null ? (oldValue as Props)[k] : undefined;
    let target: Props = result;
    for (const k of keys.slice(0, -1)) {
      if (typeof target[k] !== "object" || target[k] === null) target[k] = {};
      target = target[k] as Props;
    }
    const last = keys[keys.length - 1];
    if (oldValue === undefined) delete target[last];
    else target[last] = clone(oldValue);
  }
  return result;
}

export class Engine {
  private readonly host: ProviderHost;
  private readonly parallelism: number;
  private entries = new Map<string, StateEntry>();

  constructor(opts: EngineOptions) {
    this.host = opts.host;
    this.parallelism = opts.parallelism ?? 16;
    concurrencyLimit(this.parallelism); // throws now on a bad value rather than at the first run
    for (const e of opts.state ?? []) this.entries.set(e.urn, clone(e));
  }

  state(): StateEntry[] {
    return clone([...this.entries.values()]);
  }

  /** Check + Diff only: never Create, Update, Delete or Read (the host does not support preview creates). */
  preview(resources: DeclaredResource[]): Promise<EngineResult> {
    return this.deploy(resources, true);
  }

  up(resources: DeclaredResource[]): Promise<EngineResult> {
    return this.deploy(resources, false);
  }

  async destroy(): Promise<EngineResult> {
    const run = concurrencyLimit(this.parallelism);
    const steps = await this.deleteAll([...this.entries.values()], run, false);
    return summarize(steps);
  }

  /** Read(id, outputs, inputs) per resource; "" id = gone. A failed read leaves that entry untouched. */
  async refresh(opts: { previewOnly?: boolean } = {}): Promise<EngineResult> {
    const run = concurrencyLimit(this.parallelism);
    const commit = !opts.previewOnly;
    const steps = await Promise.all(
      [...this.entries.values()].map((old) =>
        run(async (): Promise<Step> => {
          const base = { urn: old.urn, name: old.name };
          let read;
          try {
            read = await this.host.read(old.id, old.urn, old.outputs, old.inputs);
          } catch (e) {
            return { ...base, op: "failed", error: messageOf(e), id: old.id };
          }
          if (read.id === "") {
            if (commit) this.entries.delete(old.urn);
            return { ...base, op: "refresh-delete", id: old.id };
          }
          // A provider that returns no inputs keeps the inputs in state (host sends none then).
          const inputs = Object.keys(read.inputs).length > 0 ? read.inputs : old.inputs;
          const same = read.id === old.id && deepEqual(read.outputs, old.outputs) && deepEqual(inputs, old.inputs);
          if (commit) this.entries.set(old.urn, { ...old, id: read.id, outputs: read.outputs, inputs });
          return { ...base, op: same ? "refresh-same" : "refresh-update", id: read.id };
        }),
      ),
    );
    return summarize(steps);
  }

  /** The resources as a Pulumi (file backend) state checkpoint would hold them, 4-space indented. */
  stateJson(): string {
    const now = new Date().toISOString();
    const provider = "urn:pulumi:stack::project::pulumi:providers:pulumi-nodejs::default";
    const providerRef = `${provider}::00000000-0000-0000-0000-000000000000`;
    const resources = [
      { urn: provider, custom: true, id: "00000000-0000-0000-0000-000000000000", type: "pulumi:providers:pulumi-nodejs", created: now, modified: now },
      ...[...this.entries.values()].map((e) => ({
        urn: e.urn,
        custom: true,
        id: e.id,
        type: e.type,
        inputs: e.inputs,
        outputs: e.outputs,
        ...(e.options.protect ? { protect: true } : {}),
        ...(e.options.retainOnDelete ? { retainOnDelete: true } : {}),
        provider: providerRef,
        ...(e.dependencies?.length ? { dependencies: e.dependencies } : {}),
        created: now,
        modified: now,
      })),
    ];
    return JSON.stringify({ version: 3, checkpoint: { latest: { manifest: { time: now }, resources } } }, null, 4);
  }

  private async deploy(resources: DeclaredResource[], dryRun: boolean): Promise<EngineResult> {
    const seen = new Set<string>();
    for (const r of resources) {
      if (seen.has(r.urn)) throw new Error(`duplicate resource URN ${r.urn}`);
      seen.add(r.urn);
    }
    const run = concurrencyLimit(this.parallelism);
    const removed = [...this.entries.values()].filter((e) => !seen.has(e.urn));

    // A resource waits for the steps of the resources it depends on, as registrations do in a
    // real program; independent resources run concurrently up to `parallelism`.
    const done = new Map<string, Promise<Step>>();
    for (const r of resources) {
      const deps = (r.dependencies ?? []).map((u) => done.get(u)).filter((p): p is Promise<Step> => !!p);
      done.set(
        r.urn,
        Promise.all(deps).then(() => run(() => this.stepFor(clone(r), dryRun))),
      );
    }
    const declaredSteps = await Promise.all(done.values());
    // The engine deletes resources no longer in the program after the rest of the deployment.
    const deleteSteps = await this.deleteAll(removed, run, dryRun);
    return summarize([...declaredSteps, ...deleteSteps]);
  }

  private async stepFor(r: DeclaredResource, dryRun: boolean): Promise<Step> {
    const base = { urn: r.urn, name: r.name };
    const old = this.entries.get(r.urn);
    try {
      if (!old) {
        const checked = await this.host.check(r.urn, {}, r.inputs);
        if (checked.failures.length > 0) return { ...base, op: "check-failed", failures: checked.failures };
        if (dryRun) return { ...base, op: "create" };
        return await this.create(r, checked.inputs);
      }

      const news = applyIgnoreChanges(old.inputs, r.inputs, r.options.ignoreChanges);
      const checked = await this.host.check(r.urn, old.inputs, news);
      if (checked.failures.length > 0) return { ...base, op: "check-failed", failures: checked.failures, id: old.id };
      // Diff compares the old OUTPUTS with the checked new inputs (§2).
      const d = await this.host.diff(old.id, r.urn, old.outputs, checked.inputs);
      // DIFF_UNKNOWN (no diff method): the engine falls back to comparing old and new inputs.
      const changes = d.unknown ? d.replaces.length > 0 || !deepEqual(old.inputs, checked.inputs) : d.changes || d.replaces.length > 0;
      const diff = { changes, replaces: d.replaces };
      const mustUpdate = changes || (old.initErrors?.length ?? 0) > 0;

      if (d.replaces.length > 0) {
        if (r.options.protect || old.options.protect) {
          return { ...base, op: "failed", diff, id: old.id, error: `unable to replace resource ${r.urn} as it is currently marked for protection` };
        }
        if (dryRun) return { ...base, op: "replace", diff, id: old.id };
        return await this.replace(r, old, checked.inputs, r.options.deleteBeforeReplace ?? d.deleteBeforeReplace, diff);
      }
      if (mustUpdate) {
        if (dryRun) return { ...base, op: "update", diff, id: old.id };
        try {
          const outputs = await this.host.update(old.id, r.urn, old.outputs, checked.inputs);
          this.record(r, old.id, checked.inputs, outputs);
          return { ...base, op: "update", diff, id: old.id };
        } catch (e) {
          // An update error with id/properties carries the object's real state: record it.
          if (e instanceof HostError && e.outputs) this.record(r, old.id, checked.inputs, e.outputs, e.reasons);
          throw e;
        }
      }
      // A same step stores the new inputs but keeps the old outputs (and so the old __provider).
      if (!dryRun) this.record(r, old.id, checked.inputs, old.outputs);
      return { ...base, op: "same", diff, id: old.id };
    } catch (e) {
      return { ...base, op: "failed", error: messageOf(e), id: this.entries.get(r.urn)?.id };
    }
  }

  private async create(r: DeclaredResource, inputs: Props): Promise<Step> {
    const base = { urn: r.urn, name: r.name };
    try {
      const created = await this.host.create(r.urn, inputs);
      this.record(r, created.id, inputs, created.outputs);
      return { ...base, op: "create", id: created.id };
    } catch (e) {
      // Created but failed to initialize: the engine keeps it in state instead of orphaning it.
      if (e instanceof HostError && e.id) {
        this.record(r, e.id, inputs, e.outputs ?? {}, e.reasons.length > 0 ? e.reasons : [e.message]);
        return { ...base, op: "failed", error: e.message, id: e.id };
      }
      return { ...base, op: "failed", error: messageOf(e) };
    }
  }

  private async replace(
    r: DeclaredResource,
    old: StateEntry,
    inputs: Props,
    deleteFirst: boolean,
    diff: { changes: boolean; replaces: string[] },
  ): Promise<Step> {
    const base = { urn: r.urn, name: r.name, diff };
    if (deleteFirst) {
      await this.deleteOld(old);
      this.entries.delete(old.urn);
      const created = await this.create(r, inputs);
      return created.op === "create" ? { ...base, op: "replace", id: created.id } : { ...created, diff };
    }
    const created = await this.create(r, inputs);
    if (created.op !== "create") {
      // The old resource stays; a half-created replacement (init failure) is not tracked here.
      if (created.id !== undefined) this.entries.set(old.urn, old);
      return { ...created, diff, id: old.id };
    }
    try {
      await this.deleteOld(old);
    } catch (e) {
      return { ...base, op: "failed", id: created.id, error: `replaced, but deleting the old resource ${old.id} failed: ${messageOf(e)}` };
    }
    return { ...base, op: "replace", id: created.id };
  }

  private async deleteOld(old: StateEntry): Promise<void> {
    // retainOnDelete: the engine drops the resource from state without calling Delete.
    if (!old.options.retainOnDelete) await this.host.delete(old.id, old.urn, old.outputs);
  }

  /** Delete in reverse dependency order: a resource goes only after everything that depends on it. */
  private async deleteAll(entries: StateEntry[], run: <T>(t: () => Promise<T>) => Promise<T>, dryRun: boolean): Promise<Step[]> {
    const urns = new Set(entries.map((e) => e.urn));
    const done = new Map<string, Promise<Step>>();
    const stepFor = (e: StateEntry): Promise<Step> => {
      const existing = done.get(e.urn);
      if (existing) return existing;
      const dependents = entries.filter((d) => d.urn !== e.urn && (d.dependencies ?? []).includes(e.urn) && urns.has(d.urn));
      const p = Promise.all(dependents.map(stepFor)).then(() => run(() => this.deleteStep(e, dryRun)));
      done.set(e.urn, p);
      return p;
    };
    return Promise.all([...entries].reverse().map(stepFor));
  }

  private async deleteStep(e: StateEntry, dryRun: boolean): Promise<Step> {
    const base = { urn: e.urn, name: e.name, id: e.id };
    if (e.options.protect) {
      return { ...base, op: "failed", error: `unable to delete resource ${e.urn} as it is currently marked for protection` };
    }
    if (dryRun) return { ...base, op: "delete" };
    try {
      await this.deleteOld(e);
      this.entries.delete(e.urn);
      return { ...base, op: "delete" };
    } catch (err) {
      return { ...base, op: "failed", error: messageOf(err) };
    }
  }

  private record(r: DeclaredResource, id: string, inputs: Props, outputs: Props, initErrors?: string[]): void {
    this.entries.set(r.urn, {
      urn: r.urn,
      type: r.type,
      name: r.name,
      id,
      inputs: clone(inputs),
      outputs: clone(outputs),
      options: clone(r.options),
      ...(r.dependencies?.length ? { dependencies: [...r.dependencies] } : {}),
      ...(initErrors?.length ? { initErrors: [...initErrors] } : {}),
    });
  }
}
