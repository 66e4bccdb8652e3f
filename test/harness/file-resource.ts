// A tiny dynamic resource for testing the harness: each object is a JSON file in `dir`, and every
// provider call appends a line to `dir/log.jsonl`. Modules are required inside the method bodies
// so the serializer keeps `require("fs")` verbatim and the host resolves it.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ProviderHost } from "../../provider/tools/harness";

export interface FileResourceArgs {
  /** Directory holding the objects and the call log. */
  dir: pulumi.Input<string>;
  value: pulumi.Input<string>;
  /** Changing it forces a replacement. */
  group?: pulumi.Input<string>;
  /** Provider asks for delete-before-replace. */
  replaceDeletesFirst?: boolean;
  /** "plain": create rejects; "withId": the object is written, then create throws with its id. */
  failCreate?: "plain" | "withId";
  failRead?: boolean;
  /** The update is applied, then update throws with the object's id and properties. */
  failUpdate?: boolean;
  /** Milliseconds each create/update sleeps (to observe concurrency). */
  delayMs?: number;
  secretNote?: pulumi.Input<string>;
}

export interface LogLine {
  op: string;
  id?: string;
  name?: string;
  value?: string;
  inflight?: number;
  /** Line number in the log: the order the calls happened in. */
  seq: number;
}

interface ThingProvider extends pulumi.dynamic.ResourceProvider {
  greeting?: string;
}

export const fileResourceProvider: ThingProvider = {
  async configure(req: pulumi.dynamic.ConfigureRequest) {
    const env = JSON.parse(process.env.PULUMI_CONFIG || "{}");
    this.greeting = `${req.config.get("harness:greeting") ?? "none"}/${env["harness:greeting"] ?? "none"}`;
  },

  async check(_olds: any, news: any) {
    const failures = news.value === "bad" ? [{ property: "value", reason: "value must not be 'bad'" }] : [];
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: any, news: any) {
    const replaces = (olds.group ?? null) !== (news.group ?? null) ? ["group"] : [];
    return {
      changes: replaces.length > 0 || olds.value !== news.value,
      replaces,
      deleteBeforeReplace: news.replaceDeletesFirst === true,
    };
  },

  async create(inputs: any) {
    const fs = require("fs");
    const path = require("path");
    const log = (line: object) => fs.appendFileSync(path.join(inputs.dir, "log.jsonl"), JSON.stringify(line) + "\n");
    const marker = path.join(inputs.dir, "inflight", `${inputs.name}-${process.hrtime.bigint()}`);
    fs.mkdirSync(path.dirname(marker), { recursive: true });
    fs.writeFileSync(marker, "");
    log({ op: "create", name: inputs.name, value: inputs.value, inflight: fs.readdirSync(path.dirname(marker)).length });
    try {
      if (inputs.delayMs) await new Promise((r) => setTimeout(r, inputs.delayMs));
      if (inputs.failCreate === "plain") throw new Error(`create of ${inputs.name} rejected: quota exceeded`);
      const id = `${inputs.name}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      const file = path.join(inputs.dir, "objects", `${id}.json`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify({ value: inputs.value, group: inputs.group ?? null }));
      const outs: any = { ...inputs, path: file, greeting: this.greeting ?? null };
      delete outs.__provider;
      if (inputs.failCreate === "withId") {
        throw Object.assign(new Error(`${inputs.name} created but tagging failed`), { id, properties: outs, reasons: ["tagging failed"] });
      }
      return { id, outs };
    } finally {
      fs.unlinkSync(marker);
    }
  },

  async read(id: string, props: any) {
    const fs = require("fs");
    const path = require("path");
    fs.appendFileSync(path.join(props.dir, "log.jsonl"), JSON.stringify({ op: "read", id }) + "\n");
    if (props.failRead) throw new Error(`cannot read ${id}: 401 token expired`);
    const file = path.join(props.dir, "objects", `${id}.json`);
    if (!fs.existsSync(file)) return {};
    const obj = JSON.parse(fs.readFileSync(file, "utf8"));
    const outs = { ...props, value: obj.value, group: obj.group ?? undefined };
    if (outs.group === undefined) delete outs.group;
    const inputs: any = { ...outs };
    delete inputs.path;
    delete inputs.greeting;
    delete inputs.__provider;
    return { id, props: outs, inputs };
  },

  async update(id: string, _olds: any, news: any) {
    const fs = require("fs");
    const path = require("path");
    fs.appendFileSync(path.join(news.dir, "log.jsonl"), JSON.stringify({ op: "update", id, value: news.value }) + "\n");
    const file = path.join(news.dir, "objects", `${id}.json`);
    fs.writeFileSync(file, JSON.stringify({ value: news.value, group: news.group ?? null }));
    const outs: any = { ...news, path: file, greeting: this.greeting ?? null };
    delete outs.__provider;
    if (news.failUpdate) {
      throw Object.assign(new Error(`${id} updated but tagging failed`), { id, properties: outs, reasons: ["tagging failed"] });
    }
    return { outs };
  },

  async delete(id: string, props: any) {
    const fs = require("fs");
    const path = require("path");
    console.error(`fileResource: deleting ${id}`);
    fs.appendFileSync(path.join(props.dir, "log.jsonl"), JSON.stringify({ op: "delete", id }) + "\n");
    fs.rmSync(path.join(props.dir, "objects", `${id}.json`), { force: true });
  },
};

export class FileResource extends pulumi.dynamic.Resource {
  constructor(name: string, args: FileResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super(fileResourceProvider, name, { name, ...args }, opts, "harness", "FileResource");
  }
}

/** The call log the provider wrote, in order. */
export function readLog(dir: string): LogLine[] {
  const file = path.join(dir, "log.jsonl");
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l, i) => ({ ...JSON.parse(l), seq: i }));
}

/** One provider host for a test file: started before its tests, closed after. */
export function useSharedHost(): () => ProviderHost {
  let host: ProviderHost | undefined;
  beforeAll(async () => {
    host = await ProviderHost.start({});
  });
  afterAll(async () => {
    await host?.close();
  });
  return () => {
    if (!host) throw new Error("the provider host is not started yet (call it inside a test)");
    return host;
  };
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder for one test's FileResource objects and call log, removed after the test file. */
export function tempDir(prefix = "harness-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
