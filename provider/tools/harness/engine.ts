// The Pulumi engine's step rules, played against a dynamic provider: the real dynamic-provider
// host (ProviderHost) or its in-process copy (InProcessProvider) (docs/dynamic-providers.md §2
// and §4.4). Each rule cites the engine code it follows (pulumi/pulumi pkg/resource/deploy).
import { concurrencyLimit } from "./pool";
import { runProgram, type DeclaredResource, type Diagnostic, type Program, type RegistrationAnswer, type RunOptions } from "./program";
import { HostError, type DynamicProvider } from "./provider";
import { type Props, SECRET_SIG, SIG_KEY, clone, deepEqual, isSecret, markSecret, plainProps, secretPaths, withSecrets, wireProps } from "./values";

export interface StateEntry {
  urn: string;
  type: string;
  name: string;
  id: string;
  /** Plain JSON; `secretInputs` names the secret parts. */
  inputs: Props;
  /** Plain JSON; `secretOutputs` names the secret parts. */
  outputs: Props;
  /** Property paths of `inputs` that are secret (e.g. "__provider" when the provider captured a secret). */
  secretInputs?: string[];
  /** Property paths of `outputs` that are secret. */
  secretOutputs?: string[];
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

/**
 * The operation a failed step was performing: the provider method whose call failed, or for a
 * refusal by the engine itself (protect), the step it refused ("replace" or "delete"). Pulumi
 * reports the same in its ResourceOperationFailed event (`metadata.op`).
 */
export type FailedOp = "check" | "diff" | "create" | "read" | "update" | "delete" | "replace";

export interface Step {
  urn: string;
  name: string;
  op: StepOp;
  /** Set when op is "failed" or "check-failed". */
  failedOp?: FailedOp;
  error?: string;
  failures?: { property: string; reason: string }[];
  diff?: { changes: boolean; replaces: string[] };
  id?: string;
}

export interface EngineResult {
  steps: Step[];
  failed: number;
  changed: number;
  /** When a program ran: its stack outputs after the run (plain; `secretOutputs` names the secret parts). */
  outputs?: Props;
  secretOutputs?: string[];
  /** When a program ran: the dynamic resources it registered, in order. */
  resources?: DeclaredResource[];
  /** When a program ran: what it logged through the engine. */
  diagnostics?: Diagnostic[];
  /** When a program ran and failed (a failed step fails the program too): why. */
  error?: string;
}

export interface EngineOptions {
  /** The provider the engine drives: a ProviderHost, or an InProcessProvider for the fast tier. */
  host: DynamicProvider;
  /** Steps run at once, like `pulumi up --parallel` (default 16). */
  parallelism?: number;
  state?: StateEntry[];
}

/** What up/preview take: a program to run (see runProgram), or the resources a capture recorded. */
export type Deployment = Program | DeclaredResource[];

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

/** A step failure that carries the operation it failed in. */
class StepFailure extends Error {
  constructor(
    readonly failedOp: FailedOp,
    cause: unknown,
  ) {
    super(messageOf(cause));
  }
}

/** Runs one provider call; a failure is tagged with the operation. */
async function during<T>(op: FailedOp, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof StepFailure) throw e;
    throw Object.assign(new StepFailure(op, e), { cause: e });
  }
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

/** A state entry as the engine keeps it: inputs and outputs with their secrets marked. */
interface Entry extends Omit<StateEntry, "secretInputs" | "secretOutputs"> {}

function toEntry(e: StateEntry): Entry {
  const { secretInputs, secretOutputs, ...rest } = clone(e);
  return { ...rest, inputs: withSecrets(rest.inputs, secretInputs), outputs: withSecrets(rest.outputs, secretOutputs) };
}

function fromEntry(e: Entry): StateEntry {
  const secretInputs = secretPaths(e.inputs);
  const secretOutputs = secretPaths(e.outputs);
  return {
    ...clone(e),
    inputs: plainProps(e.inputs),
    outputs: plainProps(e.outputs),
    ...(secretInputs.length > 0 ? { secretInputs } : {}),
    ...(secretOutputs.length > 0 ? { secretOutputs } : {}),
  };
}

export class Engine {
  private readonly host: DynamicProvider;
  private readonly parallelism: number;
  private entries = new Map<string, Entry>();
  /** What a preview step would give the program back, per URN (the engine's preview answers). */
  private planned = new Map<string, RegistrationAnswer>();

  constructor(opts: EngineOptions) {
    this.host = opts.host;
    this.parallelism = opts.parallelism ?? 16;
    concurrencyLimit(this.parallelism); // throws now on a bad value rather than at the first run
    for (const e of opts.state ?? []) this.entries.set(e.urn, toEntry(e));
  }

  state(): StateEntry[] {
    return [...this.entries.values()].map(fromEntry);
  }

  /**
   * Check + Diff only: never Create, Update, Delete or Read. A program given here runs as
   * `pulumi preview` runs it (`--dry-run`): what a create would compute stays unknown.
   */
  preview(target: Deployment, opts: RunOptions = {}): Promise<EngineResult> {
    return Array.isArray(target) ? this.deploy(target, true) : this.deployProgram(target, opts, true);
  }

  /**
   * A program given here runs against the provider as under `pulumi up`: each registration's step
   * runs as it arrives and the program sees the real id and outputs; the result carries the stack
   * outputs. Captured resources (captureProgram) are stepped in dependency order instead.
   */
  up(target: Deployment, opts: RunOptions = {}): Promise<EngineResult> {
    return Array.isArray(target) ? this.deploy(target, false) : this.deployProgram(target, opts, false);
  }

  async destroy(): Promise<EngineResult> {
    const run = concurrencyLimit(this.parallelism);
    const steps = await this.deleteAll([...this.entries.values()], run, false);
    return summarize(steps);
  }

  /**
   * Read(id, outputs, inputs) per resource; "" id = gone. Whether a resource changed is the
   * provider's Diff between what was read and the inputs in state, as the engine judges it
   * (step.go RefreshStep.Apply): Diff(old inputs ← read inputs, old outputs ← read outputs,
   * new inputs ← the inputs in state), inverted. A successful read clears init errors.
   * A failed read leaves that entry untouched.
   */
  async refresh(opts: { previewOnly?: boolean } = {}): Promise<EngineResult> {
    const run = concurrencyLimit(this.parallelism);
    const commit = !opts.previewOnly;
    const steps = await Promise.all([...this.entries.values()].map((old) => run(() => this.refreshStep(old, commit))));
    return summarize(steps);
  }

  private async refreshStep(old: Entry, commit: boolean): Promise<Step> {
    const base = { urn: old.urn, name: old.name };
    try {
      let initErrors: string[] | undefined;
      let read;
      try {
        read = await this.host.read(old.id, old.urn, old.outputs, old.inputs);
      } catch (e) {
        // A read that found the object unhealthy (an init error with an id) does not fail the
        // refresh: the state keeps the reasons so the next `up` updates the resource.
        if (!(e instanceof HostError && e.id)) throw new StepFailure("read", e);
        initErrors = e.reasons.length > 0 ? e.reasons : [e.message];
        read = { id: e.id, outputs: e.outputs ?? {} };
      }
      if (read.id === "") {
        if (commit) this.entries.delete(old.urn);
        return { ...base, op: "refresh-delete", id: old.id };
      }
      // Inputs the provider returned replace those in state; otherwise the old ones stay.
      const inputs = "inputs" in read && read.inputs ? read.inputs : old.inputs;
      const { changes } = await during("diff", () => this.diffResource(old.urn, read.id, inputs, read.outputs, old.inputs, old.options.ignoreChanges));
      const next: Entry = { ...old, id: read.id, inputs, outputs: read.outputs, initErrors };
      if (!initErrors) delete next.initErrors;
      if (commit) this.entries.set(old.urn, next);
      return { ...base, op: changes ? "refresh-update" : "refresh-same", id: read.id };
    } catch (e) {
      return this.failedStep(base, e, old.id);
    }
  }

  /**
   * The engine's diffResource: the provider's Diff, and for a provider without one
   * (DIFF_UNKNOWN) a comparison of old and new inputs after ignoreChanges, secrets unwrapped.
   * Replacement keys count only when there are changes: the step generator replaces a resource
   * only for a DiffSome whose replace keys are not empty (step_generator.go), and a refresh changed
   * the resource only for a DiffSome (step.go, RefreshStep).
   */
  private async diffResource(urn: string, id: string, oldInputs: Props, oldOutputs: Props, newInputs: Props, ignore?: string[]) {
    const d = await this.host.diff(id, urn, oldOutputs, newInputs, oldInputs);
    const changes = d.unknown ? !deepEqual(plainProps(oldInputs), plainProps(applyIgnoreChanges(oldInputs, newInputs, ignore))) : d.changes;
    return { changes, replaces: changes ? d.replaces : [], deleteBeforeReplace: d.deleteBeforeReplace };
  }

  /**
   * The resources as a Pulumi (file backend) checkpoint would hold them, 4-space indented. Secret
   * values are written as `pulumi stack export --show-secrets` writes them (plaintext, marked).
   */
  stateJson(): string {
    const now = new Date().toISOString();
    const first = [...this.entries.values()][0]?.urn.split("::") ?? ["urn:pulumi:stack", "project"];
    const provider = `${first[0]}::${first[1]}::pulumi:providers:pulumi-nodejs::default`;
    const providerRef = `${provider}::00000000-0000-0000-0000-000000000000`;
    const exported = (props: Props) => JSON.parse(JSON.stringify(props, (_k, v) => (isSecret(v) ? { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(v.value) } : v)));
    const resources = [
      { urn: provider, custom: true, id: "00000000-0000-0000-0000-000000000000", type: "pulumi:providers:pulumi-nodejs", created: now, modified: now },
      ...[...this.entries.values()].map((e) => ({
        urn: e.urn,
        custom: true,
        id: e.id,
        type: e.type,
        inputs: exported(e.inputs),
        outputs: exported(e.outputs),
        ...(e.options.protect ? { protect: true } : {}),
        ...(e.options.retainOnDelete ? { retainOnDelete: true } : {}),
        ...(e.options.additionalSecretOutputs?.length ? { additionalSecretOutputs: e.options.additionalSecretOutputs } : {}),
        ...(e.initErrors?.length ? { initErrors: e.initErrors } : {}),
        provider: providerRef,
        ...(e.dependencies?.length ? { dependencies: e.dependencies } : {}),
        created: now,
        modified: now,
      })),
    ];
    return JSON.stringify({ version: 3, checkpoint: { latest: { manifest: { time: now }, resources } } }, null, 4);
  }

  /** Captured resources, stepped in dependency order (a resource waits for those it depends on). */
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

  /**
   * A program run against this engine: each registration gets its step as it arrives (the
   * resource monitor answers once the step is done, so the program sees real outputs), and a
   * failed step fails that registration, as the engine's does. Resources no longer declared are
   * deleted after the program finished, and only if nothing failed.
   */
  private async deployProgram(program: Program, opts: RunOptions, dryRun: boolean): Promise<EngineResult> {
    const run = concurrencyLimit(this.parallelism);
    const stepped: Promise<Step>[] = [];
    // step_executor.go: the first failed step cancels the deployment (no --continue-on-error):
    // steps in flight finish, no new ones start, and the program is stopped.
    const canceled = new AbortController();
    const ran = await runProgram(program, { ...opts, preview: dryRun, signal: canceled.signal }, async (r) => {
      const step = run(() => this.stepFor(clone(r), dryRun));
      stepped.push(step);
      const result = await step;
      if (FAILED_OPS.has(result.op)) {
        canceled.abort();
        const detail = result.failures?.map((f) => `${f.property}: ${f.reason}`).join("; ");
        throw new Error(`${result.failedOp ?? "step"} of ${r.urn} failed: ${result.error ?? detail}`);
      }
      return this.answerFor(r.urn, dryRun);
    });
    // In-flight steps finish even when the program stopped at a failure.
    const declaredSteps = await Promise.all(stepped);
    const declared = new Set(ran.resources.map((r) => r.urn));
    const removed = [...this.entries.values()].filter((e) => !declared.has(e.urn));
    const ok = ran.error === undefined && declaredSteps.every((s) => !FAILED_OPS.has(s.op));
    const deleteSteps = ok ? await this.deleteAll(removed, run, dryRun) : [];
    this.planned.clear();
    return {
      ...summarize([...declaredSteps, ...deleteSteps]),
      outputs: ran.outputs,
      secretOutputs: ran.secretOutputs,
      resources: ran.resources,
      diagnostics: ran.diagnostics,
      ...(ran.error !== undefined ? { error: ran.error } : {}),
    };
  }

  /** What the resource monitor returns to the program for a finished step. */
  private answerFor(urn: string, dryRun: boolean): RegistrationAnswer {
    const planned = dryRun ? this.planned.get(urn) : undefined;
    if (planned) return planned;
    const entry = this.entries.get(urn);
    return entry ? { id: entry.id, outputs: entry.outputs } : { id: "", outputs: {} };
  }

  private failedStep(base: { urn: string; name: string }, e: unknown, id?: string): Step {
    const failedOp = e instanceof StepFailure ? e.failedOp : undefined;
    return { ...base, op: "failed", ...(failedOp ? { failedOp } : {}), error: messageOf(e), ...(id !== undefined ? { id } : {}) };
  }

  private async stepFor(r: DeclaredResource, dryRun: boolean): Promise<Step> {
    const base = { urn: r.urn, name: r.name };
    const old = this.entries.get(r.urn);
    const declared = withSecrets(r.inputs, r.secretInputs);
    try {
      if (!old) {
        const checked = await during("check", () => this.host.check(r.urn, {}, declared));
        if (checked.failures.length > 0) return { ...base, op: "check-failed", failedOp: "check", failures: checked.failures };
        if (dryRun) {
          // A provider without preview support (the dynamic-provider host) gets no Create call in
          // a preview: the engine answers with the checked inputs and an unknown id.
          this.planned.set(r.urn, { id: "", outputs: checked.inputs });
          return { ...base, op: "create" };
        }
        return await this.create(r, checked.inputs);
      }

      const news = applyIgnoreChanges(old.inputs, declared, r.options.ignoreChanges);
      const checked = await during("check", () => this.host.check(r.urn, old.inputs, news));
      if (checked.failures.length > 0) return { ...base, op: "check-failed", failedOp: "check", failures: checked.failures, id: old.id };
      // Diff compares the old OUTPUTS with the checked new inputs (§2).
      const d = await during("diff", () => this.diffResource(r.urn, old.id, old.inputs, old.outputs, checked.inputs, r.options.ignoreChanges));
      const { changes } = d;
      const diff = { changes, replaces: d.replaces };
      // step_generator.go: an unchanged resource with init errors still gets an update step.
      const mustUpdate = changes || (old.initErrors?.length ?? 0) > 0;

      if (d.replaces.length > 0) {
        // step_generator.go: a replace is refused only while the resource is protected in state and
        // in the program (unprotecting and replacing in one update is allowed).
        if (r.options.protect && old.options.protect) {
          return {
            ...base,
            op: "failed",
            failedOp: "replace",
            diff,
            id: old.id,
            error: `unable to replace resource ${r.urn} as it is currently marked for protection`,
          };
        }
        // A replacement recomputes defaults: the engine checks the program's inputs again with no olds.
        const fresh = await during("check", () => this.host.check(r.urn, {}, declared));
        if (fresh.failures.length > 0) return { ...base, op: "check-failed", failedOp: "check", failures: fresh.failures, diff, id: old.id };
        if (dryRun) {
          this.planned.set(r.urn, { id: "", outputs: fresh.inputs });
          return { ...base, op: "replace", diff, id: old.id };
        }
        return await this.replace(r, old, fresh.inputs, r.options.deleteBeforeReplace ?? d.deleteBeforeReplace, diff);
      }
      if (mustUpdate) {
        if (dryRun) {
          this.planned.set(r.urn, { id: old.id, outputs: checked.inputs });
          return { ...base, op: "update", diff, id: old.id };
        }
        try {
          const outputs = await during("update", () => this.host.update(old.id, r.urn, old.outputs, checked.inputs, old.inputs));
          this.record(r, old.id, checked.inputs, outputs);
          return { ...base, op: "update", diff, id: old.id };
        } catch (e) {
          // An update error with id/properties carries the object's real state: record it.
          const cause = (e as { cause?: unknown }).cause;
          if (cause instanceof HostError && cause.outputs) this.record(r, old.id, checked.inputs, cause.outputs, cause.reasons);
          throw e;
        }
      }
      // A same step stores the new inputs but keeps the old outputs (and so the old __provider).
      if (dryRun) this.planned.set(r.urn, { id: old.id, outputs: old.outputs });
      else this.record(r, old.id, checked.inputs, old.outputs);
      return { ...base, op: "same", diff, id: old.id };
    } catch (e) {
      return this.failedStep(base, e, this.entries.get(r.urn)?.id);
    }
  }

  private async create(r: DeclaredResource, inputs: Props): Promise<Step> {
    const base = { urn: r.urn, name: r.name };
    try {
      const created = await this.host.create(r.urn, inputs);
      // step.go CreateStep.Apply: a create answered without an id fails, and nothing is recorded.
      if (!created.id) return { ...base, op: "failed", failedOp: "create", error: "provider did not return an ID from Create" };
      this.record(r, created.id, inputs, created.outputs);
      return { ...base, op: "create", id: created.id };
    } catch (e) {
      // Created but failed to initialize: the engine keeps it in state instead of orphaning it.
      if (e instanceof HostError && e.id) {
        this.record(r, e.id, inputs, e.outputs ?? {}, e.reasons.length > 0 ? e.reasons : [e.message]);
        return { ...base, op: "failed", failedOp: "create", error: e.message, id: e.id };
      }
      // No answer (a rejected create, or a provider killed mid-call): nothing goes into state, as
      // the engine drops a pending create it never heard back about.
      return { ...base, op: "failed", failedOp: "create", error: messageOf(e) };
    }
  }

  private async replace(
    r: DeclaredResource,
    old: Entry,
    inputs: Props,
    deleteFirst: boolean,
    diff: { changes: boolean; replaces: string[] },
  ): Promise<Step> {
    const base = { urn: r.urn, name: r.name, diff };
    if (deleteFirst) {
      await during("delete", () => this.deleteOld(old));
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
      return { ...base, op: "failed", failedOp: "delete", id: created.id, error: `replaced, but deleting the old resource ${old.id} failed: ${messageOf(e)}` };
    }
    return { ...base, op: "replace", id: created.id };
  }

  private async deleteOld(old: Entry): Promise<void> {
    // retainOnDelete: the engine drops the resource from state without calling Delete.
    if (!old.options.retainOnDelete) await this.host.delete(old.id, old.urn, old.outputs, old.inputs);
  }

  /** Delete in reverse dependency order: a resource goes only after everything that depends on it. */
  private async deleteAll(entries: Entry[], run: <T>(t: () => Promise<T>) => Promise<T>, dryRun: boolean): Promise<Step[]> {
    const urns = new Set(entries.map((e) => e.urn));
    const done = new Map<string, Promise<Step>>();
    const stepFor = (e: Entry): Promise<Step> => {
      const existing = done.get(e.urn);
      if (existing) return existing;
      const dependents = entries.filter((d) => d.urn !== e.urn && (d.dependencies ?? []).includes(e.urn) && urns.has(d.urn));
      const p = Promise.all(dependents.map(stepFor)).then(() => run(() => this.deleteStep(e, dryRun)));
      done.set(e.urn, p);
      return p;
    };
    return Promise.all([...entries].reverse().map(stepFor));
  }

  private async deleteStep(e: Entry, dryRun: boolean): Promise<Step> {
    const base = { urn: e.urn, name: e.name, id: e.id };
    if (e.options.protect) {
      return { ...base, op: "failed", failedOp: "delete", error: `unable to delete resource ${e.urn} as it is currently marked for protection` };
    }
    if (dryRun) return { ...base, op: "delete" };
    try {
      await this.deleteOld(e);
      this.entries.delete(e.urn);
      return { ...base, op: "delete" };
    } catch (err) {
      return { ...base, op: "failed", failedOp: "delete", error: messageOf(err) };
    }
  }

  /**
   * The new state of a resource after a step. The step executor marks the outputs named by
   * `additionalSecretOutputs` secret (step_executor.go), on top of those the provider plugin
   * marked because their inputs were secret.
   */
  private record(r: DeclaredResource, id: string, inputs: Props, outputs: Props, initErrors?: string[]): void {
    this.entries.set(r.urn, {
      urn: r.urn,
      type: r.type,
      name: r.name,
      id,
      inputs: wireProps(inputs),
      outputs: markSecret(wireProps(outputs), r.options.additionalSecretOutputs),
      options: clone(r.options),
      ...(r.dependencies?.length ? { dependencies: [...r.dependencies] } : {}),
      ...(initErrors?.length ? { initErrors: [...initErrors] } : {}),
    });
  }
}
