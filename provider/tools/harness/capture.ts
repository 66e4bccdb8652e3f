// Run a Pulumi program under Pulumi's own language runtime and record what it declares, as the
// engine receives it: the RegisterResource request, so `__provider` is the real text the closure
// serializer made (docs/dynamic-providers.md §4.1). No provider is called: each resource is
// answered with its own inputs as outputs and the id "<name>-id" (no id in a preview), so the
// program runs to the end; Engine.up(program) runs the same program against a real provider.
import { runProgram, type DeclaredResource, type Diagnostic, type Program, type RunOptions } from "./program";
import { type Props, withSecrets } from "./values";

export type { DeclaredResource, ResourceOptions, Program } from "./program";

export interface CaptureOptions extends RunOptions {}

export interface Capture {
  resources: DeclaredResource[];
  /** The stack outputs, plain, as the program computed them from the answers above. */
  outputs: Props;
  /** Property paths of `outputs` that are secret. */
  secretOutputs: string[];
  /** What the program logged through the engine (`pulumi.log.warn` and the like), in order. */
  diagnostics: Diagnostic[];
}

export async function captureProgram(program: Program, opts: CaptureOptions = {}): Promise<Capture> {
  const run = await runProgram(program, opts, async (r) => ({
    id: opts.preview ? "" : `${r.name}-id`,
    outputs: withSecrets(r.inputs, r.secretInputs),
  }));
  if (run.error !== undefined) throw new Error(run.error);
  return { resources: run.resources, outputs: run.outputs, secretOutputs: run.secretOutputs, diagnostics: run.diagnostics };
}
