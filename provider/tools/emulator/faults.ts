/**
 * Fault injection for client tests (docs/genie-api.md §7 "Failure injection"): rules matched per
 * request, plus the compact spec syntax used by the `emulator --faults` CLI option.
 */
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
  "latency",
  "400",
];

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
    for (const rule of rules) {
      if (!FAULT_KINDS.includes(rule.kind)) throw new Error(`unknown fault kind '${String(rule.kind)}'`);
    }
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
  ARG          429=<Retry-After seconds>, latency=<ms>, html=<status>
  PROBABILITY  0..1 (default 1); TIMES = apply at most N times (default unlimited)
  example: POST:503:0.15,POST:reset-after-commit:0.03,*:429:0.1,GET:latency=200:0.5`;

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
    if (arg !== undefined) {
      const n = Number(arg);
      if (!Number.isFinite(n) || n < 0) throw bad(`'${arg}' is not a non-negative number`);
      if (rule.kind === "latency") rule.latencyMs = n;
      else if (rule.kind === "429") rule.retryAfterSeconds = n;
      else if (rule.kind === "html") rule.status = n;
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
