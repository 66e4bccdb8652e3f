/**
 * The boundary between the engine and a program / provider, as Pulumi draws it. Each block
 * replays one of Pulumi's own integration programs for Node.js dynamic providers
 * (pulumi/pulumi tests/integration/dynamic/nodejs-*, secret_outputs/nodejs) with the assertion
 * Pulumi makes about it, through the harness: the program under the SDK's language runtime, the
 * provider in the real dynamic-provider host.
 */
import * as pulumi from "@pulumi/pulumi";
import { Engine, ProviderHost, UNKNOWN, type RunOptions } from "../../provider/tools/harness";

interface Stack {
  host: ProviderHost;
  engine: Engine;
  run: RunOptions;
}

const open: ProviderHost[] = [];
afterAll(async () => {
  await Promise.all(open.map((h) => h.close()));
});

/** A provider host and engine for one stack: the same project and config reach program and provider. */
async function stack(run: RunOptions = {}): Promise<Stack> {
  const host = await ProviderHost.start({ project: run.project, config: run.config, secretKeys: run.secretKeys });
  open.push(host);
  return { host, engine: new Engine({ host }), run };
}

// ------------------------------------------------------------------------------ nodejs-config

class ConfigReadingProvider implements pulumi.dynamic.ResourceProvider {
  private password?: string;
  private color?: string;

  async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    // No namespace: the host resolves "password" under the project the engine named.
    this.password = req.config.require("password");
    this.color = req.config.get("colors:banana") ?? "blue";
  }

  async create(): Promise<pulumi.dynamic.CreateResult> {
    return { id: "resource-id", outs: { authenticated: this.password === "s3cret" ? "200" : "401", color: this.color } };
  }
}

class ConfigResource extends pulumi.dynamic.Resource {
  declare readonly authenticated: pulumi.Output<string>;
  declare readonly color: pulumi.Output<string>;

  constructor(name: string) {
    super(new ConfigReadingProvider(), name, { authenticated: undefined, color: undefined }, {}, "custom-provider", "CustomResource");
  }
}

describe("nodejs-config: configure reads project-scoped and namespaced stack config", () => {
  const program = () => {
    const resource = new ConfigResource("resource-name");
    return { authenticated: resource.authenticated, color: resource.color };
  };
  const run: RunOptions = {
    project: "nodejs-dynamic-provider-config",
    config: { "nodejs-dynamic-provider-config:password": "s3cret", "colors:banana": "yellow" },
    secretKeys: ["nodejs-dynamic-provider-config:password", "colors:banana"],
  };

  test("the provider process knows the project, so `password` resolves; the stack outputs say so", async () => {
    const s = await stack(run);

    const result = await s.engine.up(program, run);

    expect(result.error).toBeUndefined();
    expect(result.outputs).toEqual({ authenticated: "200", color: "yellow" });
  });

  test("a provider process told another project misses the key, as Pulumi would", async () => {
    const s = await stack({ ...run, project: "another-project" });

    const result = await s.engine.up(program, run);

    // The host configures a provider on its first call, here Check.
    expect(result.steps[0]).toMatchObject({ op: "failed", failedOp: "check" });
    expect(result.steps[0].error).toContain("Missing required configuration key: password");
  });
});

// ------------------------------------------------------------------------ nodejs-pulumi-config

const envConfigProvider: pulumi.dynamic.ResourceProvider = {
  async create() {
    const config = JSON.parse(process.env.PULUMI_CONFIG ?? "{}");
    return { id: config["id"], outs: { environment: JSON.stringify(config) } };
  },
};

class EnvConfigResource extends pulumi.dynamic.Resource {
  declare readonly environment: pulumi.Output<string>;
  constructor(name: string) {
    super(envConfigProvider, name, { environment: undefined }, {}, "custom-provider", "CustomResource");
  }
}

describe("nodejs-pulumi-config: PULUMI_CONFIG of the provider process", () => {
  test("holds the pulumi-nodejs:* keys without their namespace, and nothing else", async () => {
    const run: RunOptions = { project: "nodejs_resource_type_name", config: { "pulumi-nodejs:id": "testing123", "other:key": "not for the provider" } };
    const s = await stack(run);

    const result = await s.engine.up(() => {
      const resource = new EnvConfigResource("resource-name");
      return { rid: resource.id, environment: resource.environment };
    }, run);

    expect(result.outputs?.rid).toBe("testing123");
    expect(JSON.parse(String(result.outputs?.environment))).toEqual({ id: "testing123" });
  });
});

// ---------------------------------------------------------------------- secret_outputs/nodejs

const prefixProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: any) {
    return { id: "1", outs: { prefix: inputs["prefix"] } };
  },
};

class R extends pulumi.dynamic.Resource {
  declare readonly prefix: pulumi.Output<string>;
  constructor(name: string, props: { prefix: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
    super(prefixProvider, name, props, opts);
  }
}

// A provider that captured a secret: the SDK registers its serialized text as a secret.
const apiKey = pulumi.secret("k-9f2e");
const secretHoldingProvider: pulumi.dynamic.ResourceProvider = {
  async create() {
    return { id: "held", outs: { keyLength: String(apiKey).length } };
  },
};

class Holder extends pulumi.dynamic.Resource {
  constructor(name: string) {
    super(secretHoldingProvider, name, {}, {});
  }
}

describe("secret_outputs/nodejs: secrets stay secret through the provider and in state", () => {
  test("an output is secret when its input was secret or it is in additionalSecretOutputs, in stack outputs and state", async () => {
    const s = await stack();

    const result = await s.engine.up(() => ({
      withoutSecret: new R("withoutSecret", { prefix: pulumi.output("it's a secret to everybody") }),
      withSecret: new R("withSecret", { prefix: pulumi.secret("it's a secret to everybody") }),
      withSecretAdditional: new R("withSecretAdditional", { prefix: pulumi.output("it's a secret to everybody") }, { additionalSecretOutputs: ["prefix"] }),
    }));

    expect(result.error).toBeUndefined();
    expect(result.secretOutputs).toEqual(["withSecret.prefix", "withSecretAdditional.prefix"]);
    expect((result.outputs?.withoutSecret as Record<string, unknown>).prefix).toBe("it's a secret to everybody");
    const byName = Object.fromEntries(s.engine.state().map((e) => [e.name, e]));
    expect(byName.withSecret.secretInputs).toEqual(["prefix"]);
    expect(byName.withSecret.secretOutputs).toEqual(["prefix"]);
    expect(byName.withSecretAdditional.secretInputs).toBeUndefined();
    expect(byName.withSecretAdditional.secretOutputs).toEqual(["prefix"]);
    expect(byName.withoutSecret.secretOutputs).toBeUndefined();
    // The checkpoint marks them as `pulumi stack export --show-secrets` would.
    const checkpoint = JSON.parse(s.engine.stateJson()).checkpoint.latest.resources;
    const withSecret = checkpoint.find((r: { urn: string }) => r.urn.endsWith("::withSecret"));
    expect(withSecret.outputs.prefix).toEqual({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify("it's a secret to everybody") });
  });

  test("a provider that captured a secret has a secret __provider in inputs and outputs; a plain one does not", async () => {
    const s = await stack();

    const result = await s.engine.up(() => {
      new Holder("holder");
      new R("plain", { prefix: "p" });
    });

    expect(result.failed).toBe(0);
    const byName = Object.fromEntries(s.engine.state().map((e) => [e.name, e]));
    expect(byName.holder.secretInputs).toEqual(["__provider"]);
    expect(byName.holder.secretOutputs).toEqual(["__provider"]);
    expect(byName.plain.secretInputs).toBeUndefined();
    expect(byName.plain.secretOutputs).toBeUndefined();
  });

  test("a secret input reaches the provider as its plain value (the host does not accept secrets)", async () => {
    const s = await stack();

    await s.engine.up(() => void new R("withSecret", { prefix: pulumi.secret("plain inside") }));

    expect(s.engine.state()[0].outputs.prefix).toBe("plain inside");
  });
});

// ----------------------------------------------------------------- nodejs-resource-type-name

const typeNameProvider: pulumi.dynamic.ResourceProvider = {
  async create() {
    return { id: "resource-id", outs: {} };
  },
};

class TypedResource extends pulumi.dynamic.Resource {
  constructor(name: string) {
    super(typeNameProvider, name, {}, {}, "custom-provider", "CustomResource");
  }
}

describe("nodejs-resource-type-name: the stack outputs of a real run", () => {
  test("the exported URN carries the custom type name", async () => {
    const s = await stack({ project: "nodejs_resource_type_name", stack: "dev" });

    const result = await s.engine.up(() => ({ urn: new TypedResource("resource-name").urn }), { project: "nodejs_resource_type_name", stack: "dev" });

    expect(result.outputs?.urn).toBe("urn:pulumi:dev::nodejs_resource_type_name::pulumi-nodejs:dynamic/custom-provider:CustomResource::resource-name");
  });

  test("outputs are what the provider returned and the id it chose, and a preview leaves them unknown", async () => {
    const program = () => {
      const r = new ConfigResource("r");
      return { id: r.id, color: r.color };
    };
    const run: RunOptions = { config: { "project:password": "s3cret" } };
    const s = await stack(run);

    const preview = await s.engine.preview(program, run);
    const up = await s.engine.up(program, run);

    expect(preview.outputs).toEqual({ id: UNKNOWN, color: UNKNOWN });
    expect(up.outputs).toEqual({ id: "resource-id", color: "blue" });
  });
});

// ---------------------------------------------------------------------- nodejs-error-create

const failing = (method: "check" | "create" | "update" | "delete"): pulumi.dynamic.ResourceProvider => ({
  async check(_olds: any, news: any) {
    if (method === "check" && news.fail) throw new Error("boom! (check)");
    return { inputs: news };
  },
  async diff(_id: string, olds: any, news: any) {
    return { changes: olds.value !== news.value };
  },
  async create(inputs: any) {
    if (method === "create") throw new Error("boom!");
    return { id: "made", outs: inputs };
  },
  async update(_id: string, _olds: any, news: any) {
    if (method === "update") throw new Error("boom! (update)");
    return { outs: news };
  },
  async delete() {
    if (method === "delete") throw new Error("boom! (delete)");
  },
});

class Failing extends pulumi.dynamic.Resource {
  constructor(name: string, provider: pulumi.dynamic.ResourceProvider, props: Record<string, unknown>) {
    super(provider, name, props, {}, "custom-provider", "CustomResource");
  }
}

describe("nodejs-error-create: a failed step names the operation that failed", () => {
  test("a failed step cancels the deployment: resources the program declares after it are not stepped", async () => {
    const s = await stack();

    const result = await s.engine.up(() => {
      new Failing("first", failing("create"), { value: "1" });
      // Registered only once its input is known, well after the first create failed.
      new Failing("later", failing("update"), { value: new Promise<string>((resolve) => setTimeout(() => resolve("1"), 1500)) });
    });

    expect(result.steps.map((x) => `${x.name}:${x.op}`)).toEqual(["first:failed"]);
    expect(s.engine.state()).toEqual([]);
  });

  test("a program that waits on a failed resource's output is left behind after the cancel instead of hanging the run", async () => {
    const s = await stack();

    const result = await s.engine.up(async () => {
      const first = new Failing("first", failing("create"), { value: "1" });
      await new Promise((resolve) => first.urn.apply(resolve)); // never resolves: the registration failed
    });

    expect(result.steps.map((x) => `${x.name}:${x.op}`)).toEqual(["first:failed"]);
    expect(result.error).toMatch(/left behind/);
  });

  test("create: the step fails as a create, the program fails, and nothing reaches state", async () => {
    const s = await stack();

    const result = await s.engine.up(() => ({ urn: new Failing("resource-name", failing("create"), { value: "1" }).urn }));

    expect(result.steps).toEqual([expect.objectContaining({ op: "failed", failedOp: "create", error: "boom!" })]);
    expect(result.error).toContain("boom!");
    expect(s.engine.state()).toEqual([]);
  });

  test("check, update and delete failures are told apart", async () => {
    const s = await stack();
    const provider = (m: "check" | "update" | "delete") => failing(m);
    await s.engine.up(() => {
      new Failing("c", provider("check"), { value: "1" });
      new Failing("u", provider("update"), { value: "1" });
      new Failing("d", provider("delete"), { value: "1" });
    });

    const declare = (c: Record<string, unknown>, u: Record<string, unknown>) => () => {
      new Failing("c", provider("check"), c);
      new Failing("u", provider("update"), u);
      new Failing("d", provider("delete"), { value: "1" });
    };
    // One failure per up: the first failed step cancels the rest of the deployment.
    const checked = await s.engine.up(declare({ value: "1", fail: true }, { value: "1" }));
    const updated = await s.engine.up(declare({ value: "1" }, { value: "2" }));
    const destroyed = await s.engine.destroy();

    expect(checked.steps.find((x) => x.name === "c")).toMatchObject({ op: "failed", failedOp: "check", error: expect.stringContaining("boom! (check)") });
    expect(updated.steps.find((x) => x.name === "u")).toMatchObject({ op: "failed", failedOp: "update", error: "boom! (update)" });
    expect(destroyed.steps.find((x) => x.name === "d")).toMatchObject({ op: "failed", failedOp: "delete", error: "boom! (delete)" });
  });
});

// ----------------------------------------------------------------------- nodejs-read-inputs

class ReadingProvider implements pulumi.dynamic.ResourceProvider {
  async create(props: any): Promise<pulumi.dynamic.CreateResult> {
    return { id: "test-resource-id", outs: { value: props.value } };
  }

  async read(id: string, props: any): Promise<pulumi.dynamic.ReadResult> {
    return { id, props, inputs: { value: props.value } };
  }
}

class SimpleResource extends pulumi.dynamic.Resource {
  constructor(name: string, value: string) {
    super(new ReadingProvider(), name, { value }, {});
  }
}

/** Read reports a volatile field the provider's Diff does not care about, and can report init errors. */
const volatileProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: any, news: any) {
    return { changes: olds.value !== news.value };
  },
  async create(inputs: any) {
    const outs = { value: inputs.value, lastSeen: "created" };
    // The host packs only these properties into the init error: without `__provider` the state
    // could not be refreshed or deleted (see the next describe block).
    const properties = inputs.keepProvider === false ? outs : { ...outs, __provider: inputs.__provider };
    if (inputs.initError) throw Object.assign(new Error("created but not ready"), { id: "v-1", properties, reasons: ["warming up"] });
    return { id: "v-1", outs };
  },
  async read(id: string, props: any) {
    return { id, props: { ...props, lastSeen: `read at ${Date.now()}` } };
  },
  async update(_id: string, _olds: any, news: any) {
    return { outs: { value: news.value, lastSeen: "updated" } };
  },
};

class Volatile extends pulumi.dynamic.Resource {
  constructor(name: string, props: { value: string; initError?: boolean; keepProvider?: boolean }) {
    super(volatileProvider, name, props, {}, "custom-provider", "Volatile");
  }
}

describe("nodejs-read-inputs: refresh as the engine judges it", () => {
  test("inputs returned by read replace those in state (with __provider), and the next preview is quiet", async () => {
    const s = await stack();
    const program = () => ({ resourceId: new SimpleResource("test", "hello").id });
    await s.engine.up(program);

    const refresh = await s.engine.refresh();
    const preview = await s.engine.preview(program);

    expect(refresh.steps[0].op).toBe("refresh-same");
    expect(Object.keys(s.engine.state()[0].inputs).sort()).toEqual(["__provider", "value"]);
    expect(preview.steps.map((x) => x.op)).toEqual(["same"]);
  });

  test("whether a refresh changed a resource is the provider's Diff, not a comparison of values", async () => {
    const s = await stack();
    await s.engine.up(() => void new Volatile("v", { value: "1" }));

    const refresh = await s.engine.refresh();

    // The outputs did change (lastSeen), but Diff says the resource matches its inputs.
    expect(refresh.steps[0].op).toBe("refresh-same");
    expect(s.engine.state()[0].outputs.lastSeen).toMatch(/^read at /);
  });

  test("a refresh clears init errors, so the next up does not update a healthy resource", async () => {
    const s = await stack();
    const first = await s.engine.up(() => void new Volatile("v", { value: "1", initError: true }));
    expect(first.steps[0]).toMatchObject({ op: "failed", failedOp: "create" });
    expect(s.engine.state()[0].initErrors).toEqual(["warming up"]);

    const refreshed = await s.engine.refresh();
    expect(refreshed.steps[0].op).toBe("refresh-same");
    expect(s.engine.state()[0].initErrors).toBeUndefined();
    const again = await s.engine.up(() => void new Volatile("v", { value: "1", initError: true }));

    expect(again.steps[0].op).toBe("same");
  });
});

describe("an init error's properties are the state: the host adds no __provider to them", () => {
  test("without __provider in the error's properties, refresh and destroy cannot load the provider until an update rewrites them", async () => {
    const s = await stack();
    await s.engine.up(() => void new Volatile("v", { value: "1", initError: true, keepProvider: false }));
    expect(s.engine.state()[0].outputs.__provider).toBeUndefined();

    const refresh = await s.engine.refresh();
    const destroy = await s.engine.destroy();

    expect(refresh.steps[0]).toMatchObject({ op: "failed", failedOp: "read", error: expect.stringContaining("code must be a string") });
    expect(destroy.steps[0]).toMatchObject({ op: "failed", failedOp: "delete", error: expect.stringContaining("code must be a string") });
    // The next up updates the resource (init errors), and Update's answer carries __provider again.
    await s.engine.up(() => void new Volatile("v", { value: "1" }));
    expect(typeof s.engine.state()[0].outputs.__provider).toBe("string");
    expect((await s.engine.destroy()).failed).toBe(0);
  });
});

// ------------------------------------------------------------------ diff: replace keys need a change

/** Diff answers with replace keys and `changes` as given: true, false, or left out (DIFF_UNKNOWN). */
class ReplaceKeysProvider implements pulumi.dynamic.ResourceProvider {
  constructor(private readonly changes: boolean | undefined) {}

  async create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    return { id: `id-${inputs.value}`, outs: inputs };
  }

  async diff(): Promise<pulumi.dynamic.DiffResult> {
    return this.changes === undefined ? { replaces: ["value"] } : { changes: this.changes, replaces: ["value"] };
  }

  async delete(): Promise<void> {}
}

class ReplaceKeys extends pulumi.dynamic.Resource {
  constructor(name: string, changes: boolean | undefined, value: string) {
    super(new ReplaceKeysProvider(changes), name, { value }, {});
  }
}

describe("diff: the engine replaces only when the diff has changes (step_generator.go, DiffSome)", () => {
  const ops = async (changes: boolean | undefined, next: string) => {
    const s = await stack();
    await s.engine.up(() => void new ReplaceKeys("r", changes, "1"));
    const result = await s.engine.up(() => void new ReplaceKeys("r", changes, next));
    return result.steps.map((x) => x.op);
  };

  test("replace keys with changes: false are a same step", async () => {
    expect(await ops(false, "2")).toEqual(["same"]);
  });

  test("replace keys with changes left out: same while the inputs are equal, replace once they differ", async () => {
    expect(await ops(undefined, "1")).toEqual(["same"]);
    expect(await ops(undefined, "2")).toEqual(["replace"]);
  });

  test("replace keys with changes: true replace", async () => {
    expect(await ops(true, "1")).toEqual(["replace"]);
  });
});
