/**
 * Interrupted and slow runs through the real dynamic-provider host: whatever happened to an
 * earlier attempt, a resource's create never leaves a second space (docs/reliability.md "Creates are
 * never duplicated"). Each test counts the live spaces in the emulator after the re-run.
 */
import * as path from "node:path";
import type { GenieSpaceArgs } from "pulumi-genie";
import { Engine, ProviderHost, type StateEntry } from "../../provider/tools/harness";
import { PROJECT_ROOT, salesSpace, startScenario, type Scenario } from "./scenario";
import { until } from "../fixtures/wait";

const SPACES_PATH = "/api/2.0/genie/spaces";
const slowPosts = (latencyMs: number) => [{ method: "POST", path: SPACES_PATH, kind: "latency" as const, latencyMs }];

function spaces(n: number, edit?: (i: number) => Partial<GenieSpaceArgs>): Record<string, GenieSpaceArgs> {
  const out: Record<string, GenieSpaceArgs> = {};
  for (let i = 0; i < n; i++) out[`region-${i}`] = { title: `Sales region ${i}`, warehouseId: "wh1", space: salesSpace(i), ...edit?.(i) };
  return out;
}

describe("interrupted and slow creates through the provider host", () => {
  let s: Scenario;
  let second: ProviderHost | undefined;

  afterEach(async () => {
    await second?.close();
    second = undefined;
    await s.close();
  });

  const live = () => s.emulator.spaces.list();
  const posts = () => s.emulator.requests().filter((r) => r.method === "POST" && r.path === SPACES_PATH).length;

  /** The next `pulumi up` after the provider process died: a new host, the state the engine kept. */
  async function rerun(state: StateEntry[], declared: Record<string, GenieSpaceArgs>) {
    second = await ProviderHost.start({
      cwd: PROJECT_ROOT,
      config: s.config,
      env: { DATABRICKS_CONFIG_FILE: path.join(PROJECT_ROOT, "test/resource/no-such-databrickscfg") },
    });
    const engine = new Engine({ host: second, state });
    const result = await engine.up(await s.declare(declared));
    return { engine, result };
  }

  test.each(["SIGKILL", "SIGTERM"] as const)(
    "the provider %s-ed after its POSTs reached the server: the re-run takes the spaces over, exactly N live spaces and no second POST",
    async (signal) => {
      s = await startScenario({ tier: "host", emulator: { faults: slowPosts(2500) } });
      const declared = spaces(10);
      const running = s.engine.up(await s.declare(declared));
      await until("10 POSTs at the server", () => posts() === 10, 15_000);
      await s.host.kill(signal);
      const first = await running;
      // As in the engine, creates whose answers never came are not in state.
      expect(first.failed).toBe(10);
      expect(s.engine.state()).toHaveLength(0);
      await until("the server to commit them", () => live().length === 10, 15_000);

      s.emulator.clearRequests();
      const { engine, result } = await rerun(s.engine.state(), declared);
      expect(result.failed).toBe(0);
      expect(result.steps.map((x) => x.op)).toEqual(Array(10).fill("create"));
      expect(posts()).toBe(0);
      expect(live()).toHaveLength(10);
      expect(new Set(engine.state().map((e) => e.id))).toEqual(new Set(live().map((x) => x.space_id)));
      // Host output comes through a pipe, not the gRPC reply: wait for the line.
      await second!.waitForLine("stdout", /already exists exactly as declared — created by an earlier run whose answer was lost, or by this resource under another name — so it is taken over/);
    },
  );

  test("killed with only some creates sent: the re-run takes over the sent ones and creates the rest, exactly N", async () => {
    s = await startScenario({ tier: "host", emulator: { faults: slowPosts(2500) }, parallelism: 4 });
    const declared = spaces(10);
    const running = s.engine.up(await s.declare(declared));
    await until("4 POSTs at the server", () => posts() >= 4, 15_000);
    await s.host.kill("SIGKILL");
    await running;
    await until("the server to commit them", () => live().length === 4, 15_000);
    s.emulator.setFaults([]);
    s.emulator.clearRequests();
    const { engine, result } = await rerun(s.engine.state(), declared);
    expect(result.failed).toBe(0);
    expect(posts()).toBe(6);
    expect(live()).toHaveLength(10);
    expect(engine.state()).toHaveLength(10);
  });

  test("a POST slower than the request timeout is never sent again; the space it made is found and recorded: one space", async () => {
    // The server commits after 2.5 s; the client gives up on the request after 2 s and then
    // looks for the space for up to another request timeout, during which it appears.
    s = await startScenario({ tier: "host", emulator: { faults: slowPosts(2500) }, config: { "genie:requestTimeoutSeconds": "2" } });
    const result = await s.engine.up(await s.declare(spaces(1)));
    expect(result.steps[0].error).toBeUndefined();
    expect(result.failed).toBe(0);
    expect(posts()).toBe(1);
    expect(live()).toHaveLength(1);
    expect(s.engine.state()[0].id).toBe(live()[0].space_id);
  });

  test("a POST that commits after the operation deadline: the step fails without a second POST, and the re-run takes the space over", async () => {
    s = await startScenario({ tier: "host", emulator: { faults: slowPosts(2500) }, config: { "genie:requestTimeoutSeconds": "1", "genie:operationTimeoutSeconds": "1.5" } });
    const declared = spaces(1);
    const first = await s.engine.up(await s.declare(declared));
    expect(first.failed).toBe(1);
    expect(first.steps[0].error).toMatch(/not sending the create again, because the lost request may still complete\. Run again/);
    expect(s.engine.state()).toHaveLength(0);
    await until("the late commit", () => live().length === 1, 15_000);
    expect(posts()).toBe(1);

    s.emulator.setFaults([]);
    const again = await s.engine.up(await s.declare(declared));
    expect(again.failed).toBe(0);
    expect(posts()).toBe(1);
    expect(live()).toHaveLength(1);
    expect(s.engine.state()[0].id).toBe(live()[0].space_id);
  });

  test("the declaration changed between the interrupted run and the re-run: it stops before any POST, naming the space and how to adopt it", async () => {
    s = await startScenario({ tier: "host", emulator: { faults: slowPosts(1000) } });
    const running = s.engine.up(await s.declare(spaces(1)));
    await until("the POST at the server", () => posts() === 1, 15_000);
    await s.host.kill("SIGKILL");
    await running;
    await until("the commit", () => live().length === 1, 15_000);
    const id = live()[0].space_id;
    s.emulator.setFaults([]);
    s.emulator.clearRequests();

    const edited = spaces(1, () => ({ description: "Edited after the cancelled run" }));
    const { engine, result } = await rerun([], edited);
    expect(result.failed).toBe(1);
    const error = result.steps[0].error ?? "";
    expect(error).toContain(`space ${id} already has that title in that folder`);
    expect(error).toContain("it differs from this resource (description)");
    expect(error).toContain(`adoptSpaceId: "${id}"`);
    expect(error).toContain(`pulumi config set --path 'genie:adopt.<name>' ${id} with the resource's name shown above`);
    expect(posts()).toBe(0);

    // Following the message converges: one PATCH, still one space.
    const adopted = await engine.up(await s.declare(spaces(1, () => ({ description: "Edited after the cancelled run", adoptSpaceId: id }))));
    expect(adopted.failed).toBe(0);
    expect(posts()).toBe(0);
    expect(live()).toHaveLength(1);
    expect(live()[0].description).toBe("Edited after the cancelled run");
  });

  test("a resource renamed without an alias: the new name takes the space over and the old name's delete leaves it live", async () => {
    s = await startScenario();
    const args: GenieSpaceArgs = { title: "Sales", warehouseId: "wh1", space: salesSpace(1) };
    await s.engine.up(await s.declare({ sales: args }));
    const id = s.engine.state()[0].id;
    s.emulator.clearRequests();
    // The next `pulumi up` (a new provider process) sees "sales" gone and "sales-renamed" new.
    const { engine, result } = await rerun(s.engine.state(), { "sales-renamed": args });
    expect(result.failed).toBe(0);
    expect(result.steps.map((x) => `${x.op} ${x.name}`).sort()).toEqual(["create sales-renamed", "delete sales"]);
    expect(engine.state().map((e) => [e.name, e.id])).toEqual([["sales-renamed", id]]);
    expect(live().map((x) => x.space_id)).toEqual([id]);
    expect(s.emulator.requests().filter((r) => r.method === "POST" || r.method === "DELETE")).toEqual([]);
    await second!.waitForLine("stdout", /declare its old name in `aliases`/);
    await second!.waitForLine("stdout", new RegExp(`Genie space ${id} \\("Sales"\\) is not trashed: another resource of this deployment took it over`));
  });

  test("two resources declaring one title in one folder: the second is refused before its POST, one space", async () => {
    s = await startScenario({ tier: "host", parallelism: 2 });
    const result = await s.engine.up(
      await s.declare({
        a: { title: "Twins", warehouseId: "wh1", space: salesSpace(1) },
        b: { title: "Twins", warehouseId: "wh1", space: salesSpace(1) },
      }),
    );
    expect(result.failed).toBe(1);
    expect(result.steps.find((x) => x.op === "failed")?.error).toMatch(/another resource of this deployment already created or adopted space [0-9a-f]{32}/);
    expect(posts()).toBe(1);
    expect(live()).toHaveLength(1);
  });
});
