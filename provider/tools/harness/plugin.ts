// The engine's side of a provider plugin (the rules of pkg/resource/plugin/provider_plugin.go),
// over any transport that carries pulumirpc.ResourceProvider messages: gRPC to the real
// dynamic-provider host (ProviderHost) or an in-process copy of its handlers (InProcessProvider).
import type { Message } from "google-protobuf";
import type { Metadata } from "@grpc/grpc-js";
import * as proto from "@pulumi/pulumi/proto/provider_pb";
import { Status } from "@pulumi/pulumi/proto/status_pb";
import { HostError, type CheckResult, type DiffResult, type DynamicProvider, type ReadResult, waitForLine } from "./provider";
import { annotateSecrets, fromWireStruct, makeSecret, type Props, toStruct, toWireStruct } from "./values";

// Type URL the host packs into the status details (cmd/dynamic-provider/index.js grpcResponseFromError).
const INIT_FAILED_TYPE = "pulumirpc.ErrorResourceInitFailed";

/** A failed call as gRPC reports it: status code, details text and trailing metadata. */
export interface CallError {
  code: number;
  details?: string;
  message?: string;
  metadata?: Metadata;
}

export interface ProviderTransport {
  /** One unary call of pulumirpc.ResourceProvider; rejects with a CallError. */
  unary(method: string, request: Message): Promise<Message>;
}

function decodeInitFailure(err: CallError): { id: string; outputs: Props; reasons: string[] } | undefined {
  const raw = err.metadata?.get("grpc-status-details-bin") ?? [];
  for (const value of raw) {
    const bytes = typeof value === "string" ? Buffer.from(value, "base64") : value;
    const status = Status.deserializeBinary(new Uint8Array(bytes));
    for (const any of status.getDetailsList()) {
      if (any.getTypeName() !== INIT_FAILED_TYPE) continue;
      const detail = proto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
      return { id: detail.getId(), outputs: fromWireStruct(detail.getProperties()), reasons: detail.getReasonsList() };
    }
  }
  return undefined;
}

function typeOf(urn: string): string {
  return urn.split("::")[2]?.split("$").pop() ?? "";
}

function nameOf(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

interface ResourceRequest {
  setUrn(urn: string): unknown;
  setName(name: string): unknown;
  setType(type: string): unknown;
}

/** A request about one resource, addressed as the engine addresses it: URN, name, type (and id). */
function about<T extends ResourceRequest>(req: T, urn: string, id?: string): T {
  req.setUrn(urn);
  req.setName(nameOf(urn));
  req.setType(typeOf(urn));
  if (id !== undefined) (req as unknown as { setId(id: string): unknown }).setId(id);
  return req;
}

/**
 * Provider calls as the engine makes them. Property bags are wire JSON: secrets may be wrapped
 * (see values.ts). A provider that answered Configure with acceptSecrets=false — the Node.js
 * dynamic-provider host does — gets plain values, and the engine marks a result property secret
 * when the input of the same name was secret (provider_plugin.go annotateSecrets).
 */
export abstract class ProviderPlugin implements DynamicProvider {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  private acceptSecrets = false;
  /** Set by the subclass once its transport exists. */
  protected transport!: ProviderTransport;

  private struct(props: Props) {
    return this.acceptSecrets ? toWireStruct(props) : toStruct(props);
  }

  private annotate(outs: Props, ins: Props | undefined): Props {
    return this.acceptSecrets || !ins ? outs : annotateSecrets(outs, ins);
  }

  /** Rejects with a HostError naming the method; `describe` can add why the call failed. */
  protected async call<Res extends Message>(method: string, request: Message, annotateWith?: Props): Promise<Res> {
    try {
      return (await this.transport.unary(method, request)) as Res;
    } catch (e) {
      const err = e as CallError;
      const failure = decodeInitFailure(err);
      const outputs = failure ? this.annotate(failure.outputs, annotateWith) : undefined;
      const message = await this.describeFailure(method, err.details || err.message || String(e));
      throw new HostError(method, message, err.code, failure?.id, outputs, failure?.reasons);
    }
  }

  /** The message of a failed call; a transport that can die (a child process) says so here. */
  protected describeFailure(_method: string, message: string): Promise<string> {
    return Promise.resolve(message);
  }

  /**
   * Configure, as the engine sends it to the `pulumi-nodejs` provider: every stack config key with
   * its namespace, secrets marked (deploy/target.go GetPackageConfig: dynamic providers get the
   * full configuration), plus the deprecated `variables` map keyed `<package>:config:<key>`.
   */
  async configure(config: Record<string, string>, secretKeys: readonly string[] = []): Promise<void> {
    const req = new proto.ConfigureRequest();
    const args: Props = {};
    for (const [key, value] of Object.entries(config)) args[key] = secretKeys.includes(key) ? makeSecret(value) : value;
    req.setArgs(toWireStruct(args));
    const variables = req.getVariablesMap();
    for (const [key, value] of Object.entries(config)) variables.set(`pulumi-nodejs:config:${key}`, value);
    req.setAcceptsecrets(true);
    req.setAcceptresources(true);
    req.setType?.("pulumi:providers:pulumi-nodejs");
    req.setName?.("default");
    const res = await this.call<proto.ConfigureResponse>("configure", req);
    this.acceptSecrets = res.getAcceptsecrets();
  }

  async check(urn: string, olds: Props, news: Props): Promise<CheckResult> {
    const req = about(new proto.CheckRequest(), urn);
    req.setOlds(this.struct(olds));
    req.setNews(this.struct(news));
    const res = await this.call<proto.CheckResponse>("check", req);
    return {
      inputs: this.annotate(fromWireStruct(res.getInputs()), news),
      failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(id: string, urn: string, olds: Props, news: Props, oldInputs: Props = {}): Promise<DiffResult> {
    const req = about(new proto.DiffRequest(), urn, id);
    req.setOlds(this.struct(olds));
    req.setNews(this.struct(news));
    req.setOldInputs(this.struct(oldInputs));
    const res = await this.call<proto.DiffResponse>("diff", req);
    const changes = res.getChanges();
    return {
      changes: changes === proto.DiffResponse.DiffChanges.DIFF_SOME,
      replaces: res.getReplacesList(),
      deleteBeforeReplace: res.getDeletebeforereplace(),
      unknown: changes === proto.DiffResponse.DiffChanges.DIFF_UNKNOWN,
    };
  }

  async create(urn: string, props: Props): Promise<{ id: string; outputs: Props }> {
    const req = about(new proto.CreateRequest(), urn);
    req.setProperties(this.struct(props));
    const res = await this.call<proto.CreateResponse>("create", req, props);
    return { id: res.getId(), outputs: this.annotate(fromWireStruct(res.getProperties()), props) };
  }

  async read(id: string, urn: string, props: Props, inputs: Props): Promise<ReadResult> {
    const req = about(new proto.ReadRequest(), urn, id);
    req.setProperties(this.struct(props));
    req.setInputs(this.struct(inputs));
    const res = await this.call<proto.ReadResponse>("read", req, props);
    return {
      id: res.getId(),
      outputs: this.annotate(fromWireStruct(res.getProperties()), props),
      ...(res.hasInputs() ? { inputs: this.annotate(fromWireStruct(res.getInputs()), inputs) } : {}),
    };
  }

  async update(id: string, urn: string, olds: Props, news: Props, oldInputs: Props = {}): Promise<Props> {
    const req = about(new proto.UpdateRequest(), urn, id);
    req.setOlds(this.struct(olds));
    req.setNews(this.struct(news));
    req.setOldInputs(this.struct(oldInputs));
    const res = await this.call<proto.UpdateResponse>("update", req, news);
    return this.annotate(fromWireStruct(res.getProperties()), news);
  }

  async delete(id: string, urn: string, props: Props, oldInputs: Props = {}): Promise<void> {
    const req = about(new proto.DeleteRequest(), urn, id);
    req.setProperties(this.struct(props));
    req.setOldInputs(this.struct(oldInputs));
    await this.call("delete", req);
  }

  /**
   * The first captured line of `stream` matching `match`. Output may reach us after the call that
   * printed it returned (through a pipe from a child process), so this waits up to `timeoutMs`.
   */
  waitForLine(stream: "stdout" | "stderr", match: string | RegExp, timeoutMs = 2000): Promise<string> {
    return waitForLine(this[stream], stream, match, timeoutMs);
  }

  abstract close(): Promise<void>;
}
