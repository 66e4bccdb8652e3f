/**
 * Fault injection for client tests (docs/genie-api.md §7 "Failure injection"): rules matched per
 * request, the answer a fault gives, the compact spec syntax of the `emulator --faults` CLI
 * option, and the JSON form of `/__emulator/faults`.
 */
import { ApiError, invalidParameter } from "./api-error";
import { Reply, isRecord } from "./http";
import { FaultKind, FaultRule } from "./types";

export const FAULT_KINDS: readonly FaultKind[] = [
  "429",
  "429-no-retry-after",
  "503",
  "500",
  "502",
  "504",
  "html",
  "reset",
  "reset-after-commit",
  "slow-commit",
  "commit-then-hang",
  "latency",
  "400",
];

/** Faults whose request takes effect: the route runs, and only the answer is late, lost or never sent. */
export const COMMITTING_FAULTS: ReadonlySet<FaultKind> = new Set(["reset-after-commit", "slow-commit", "commit-then-hang"]);

interface ActiveRule {
  rule: FaultRule;
  applied: number;
}

export interface FaultDecision {
  /** Sum of the matching "latency" rules. */
  latencyMs: number;
  /** The first matching non-latency rule that fired, if any. */
  fault?: FaultRule;
}

function pathMatches(rulePath: FaultRule["path"], path: string): boolean {
  if (rulePath === undefined) return true;
  if (typeof rulePath === "string") return rulePath === path;
  rulePath.lastIndex = 0;
  return rulePath.test(path);
}

export class FaultInjector {
  private rules: ActiveRule[] = [];

  constructor(
    rules: FaultRule[] = [],
    private readonly random: () => number = Math.random,
  ) {
    this.set(rules);
  }

  set(rules: FaultRule[]): void {
    for (const rule of rules) checkRule(rule);
    this.rules = rules.map((rule) => ({ rule, applied: 0 }));
  }

  list(): FaultRule[] {
    return this.rules.map((r) => r.rule);
  }

  /** Decide which faults hit this request; counts each rule that fires against its `times`. */
  decide(method: string, path: string, body = ""): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const active of this.rules) {
      const { rule } = active;
      if (rule.method && rule.method !== "*" && rule.method.toUpperCase() !== method) continue;
      if (!pathMatches(rule.path, path)) continue;
      if (rule.bodyContains !== undefined && !body.includes(rule.bodyContains)) continue;
      if (rule.times !== undefined && active.applied >= rule.times) continue;
      if (rule.kind !== "latency" && decision.fault) continue;
      if (this.random() >= (rule.probability ?? 1)) continue;
      active.applied++;
      if (rule.kind === "latency") decision.latencyMs += rule.latencyMs ?? 0;
      else decision.fault = rule;
    }
    return decision;
  }
}

function checkRule(rule: FaultRule): void {
  if (!FAULT_KINDS.includes(rule.kind)) throw new Error(`unknown fault kind '${String(rule.kind)}'`);
  const ms = (field: "commitMs" | "answerMs", value: unknown) => {
    if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value) || value < 0)) {
      throw new Error(`fault '${rule.kind}': ${field} must be a non-negative number of milliseconds`);
    }
  };
  ms("commitMs", rule.commitMs);
  ms("answerMs", rule.answerMs);
  if (rule.kind === "slow-commit") {
    if (rule.answerMs === undefined) throw new Error("fault 'slow-commit' needs answerMs (and optionally commitMs)");
    if (rule.answerMs < (rule.commitMs ?? 0)) {
      throw new Error(`fault 'slow-commit': answerMs (${rule.answerMs}) must not be before commitMs (${rule.commitMs})`);
    }
  }
}

const FAULT_ERRORS: Partial<Record<FaultKind, [number, string, string]>> = {
  "429": [429, "REQUEST_LIMIT_EXCEEDED", "Too many requests. Please wait a moment and try again."],
  "429-no-retry-after": [429, "REQUEST_LIMIT_EXCEEDED", "Too many requests. Please wait a moment and try again."],
  "503": [503, "TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable. Please try again later."],
  "500": [500, "INTERNAL_ERROR", "Internal error. Please try again later."],
  "502": [502, "BAD_GATEWAY", "Bad Gateway: the upstream service did not answer."],
  "504": [504, "DEADLINE_EXCEEDED", "The request timed out before the server could answer."],
  "400": [400, "INVALID_PARAMETER_VALUE", "Invalid request (injected fault)."],
};

const htmlPage = (status: number) =>
  `<html>\r\n<head><title>${status} Error</title></head>\r\n<body>\r\n<center><h1>${status} Error</h1></center>\r\n<hr><center>emulated proxy</center>\r\n</body>\r\n</html>\r\n`;

/** The answer of a fault that answers instead of the route (every kind but reset, latency and the committing ones). */
export function faultReply(rule: FaultRule): Reply {
  if (rule.kind === "html") {
    const status = rule.status ?? 502;
    return { status, body: undefined, text: htmlPage(status), headers: { "Content-Type": "text/html" } };
  }
  const [status, code, defaultMessage] = FAULT_ERRORS[rule.kind] ?? [500, "INTERNAL_ERROR", "Injected fault"];
  const message = rule.message ?? defaultMessage;
  const headers: Record<string, string> = {};
  if (rule.kind === "429") headers["Retry-After"] = String(rule.retryAfterSeconds ?? 1);
  return { status, body: new ApiError(status, code, message, headers), headers };
}

/** `**` → any characters, `*` → one path segment; everything else literal. */
function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]+"),
    )
    .join(".*");
  return new RegExp(`^${escaped}$`);
}

export const FAULT_SPEC_HELP = `Fault spec: comma-separated rules METHOD[@PATH]:KIND[=ARG][:PROBABILITY[:TIMES]]
  METHOD       HTTP method or * for any
  PATH         optional path glob (* = one segment, ** = anything), e.g. @/api/2.0/genie/spaces/*
  KIND         ${FAULT_KINDS.join(" | ")}
  ARG          429=<Retry-After seconds>, latency=<ms>, html=<status>,
               slow-commit=<commit ms>/<answer ms> (the request takes effect after the first delay,
               the answer comes after the second), commit-then-hang[=<commit ms>] (takes effect, never answered)
  PROBABILITY  0..1 (default 1); TIMES = apply at most N times (default unlimited)
  example: POST:503:0.15,POST:reset-after-commit:0.03,*:429:0.1,GET:latency=200:0.5,POST@/api/2.0/genie/spaces:slow-commit=1500/4000::1`;

/** Parse the CLI fault spec (see FAULT_SPEC_HELP). Throws an Error naming the bad rule. */
export function parseFaultSpec(spec: string): FaultRule[] {
  const rules: FaultRule[] = [];
  for (const raw of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const bad = (why: string) => new Error(`invalid fault rule '${raw}': ${why}`);
    const parts = raw.split(":");
    if (parts.length < 2 || parts.length > 4) throw bad("expected METHOD[@PATH]:KIND[=ARG][:PROBABILITY[:TIMES]]");
    const [target, kindPart, probabilityPart, timesPart] = parts;
    const at = target.indexOf("@");
    const method = (at >= 0 ? target.slice(0, at) : target).toUpperCase() || "*";
    const path = at >= 0 ? target.slice(at + 1) : undefined;
    const [kindName, arg] = kindPart.split("=");
    if (!FAULT_KINDS.includes(kindName as FaultKind)) throw bad(`unknown kind '${kindName}'`);
    const rule: FaultRule = { kind: kindName as FaultKind };
    if (method !== "*") rule.method = method;
    if (path) rule.path = path.includes("*") ? globToRegExp(path) : path;
    const number = (text: string) => {
      const n = Number(text);
      if (!Number.isFinite(n) || n < 0) throw bad(`'${text}' is not a non-negative number`);
      return n;
    };
    if (rule.kind === "slow-commit") {
      const times = (arg ?? "").split("/");
      if (times.length !== 2 || times.some((t) => t.trim() === "")) throw bad("slow-commit needs =COMMIT_MS/ANSWER_MS");
      rule.commitMs = number(times[0]);
      rule.answerMs = number(times[1]);
      if (rule.answerMs < rule.commitMs) throw bad("the answer cannot come before the commit (ANSWER_MS < COMMIT_MS)");
    } else if (arg !== undefined) {
      const n = number(arg);
      if (rule.kind === "latency") rule.latencyMs = n;
      else if (rule.kind === "429") rule.retryAfterSeconds = n;
      else if (rule.kind === "html") rule.status = n;
      else if (rule.kind === "commit-then-hang") rule.commitMs = n;
      else throw bad(`kind '${rule.kind}' takes no argument`);
    }
    if (probabilityPart !== undefined && probabilityPart !== "") {
      const p = Number(probabilityPart);
      if (!Number.isFinite(p) || p < 0 || p > 1) throw bad(`probability '${probabilityPart}' is not in 0..1`);
      rule.probability = p;
    }
    if (timesPart !== undefined && timesPart !== "") {
      const t = Number(timesPart);
      if (!Number.isInteger(t) || t < 0) throw bad(`times '${timesPart}' is not a non-negative integer`);
      rule.times = t;
    }
    rules.push(rule);
  }
  return rules;
}

/** A rule as JSON (`GET /__emulator/faults`): a RegExp path becomes `pathRegex`. */
export function faultToJson(rule: FaultRule): Record<string, unknown> {
  const out: Record<string, unknown> = { ...rule };
  if (rule.path instanceof RegExp) {
    delete out.path;
    out.pathRegex = rule.path.source;
  }
  return out;
}

/** Accepts `[rules]`, `{"faults": [rules]}` or `{"spec": "POST:503:0.1"}`; `pathRegex` → RegExp. Errors are 400s. */
export function faultsFromJson(json: unknown): FaultRule[] {
  if (isRecord(json) && typeof json.spec === "string") {
    try {
      return parseFaultSpec(json.spec);
    } catch (e) {
      throw invalidParameter((e as Error).message);
    }
  }
  const list = Array.isArray(json) ? json : isRecord(json) && Array.isArray(json.faults) ? json.faults : undefined;
  if (!list) throw invalidParameter('Expected a list of fault rules, {"faults": [...]} or {"spec": "..."}');
  return list.map((item: unknown) => {
    if (!isRecord(item)) throw invalidParameter("Each fault rule must be an object");
    const rule = { ...item } as Record<string, unknown>;
    if (typeof rule.pathRegex === "string") {
      rule.path = new RegExp(rule.pathRegex);
      delete rule.pathRegex;
    }
    return rule as unknown as FaultRule;
  });
}
