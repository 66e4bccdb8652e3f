import { runSoak } from "../../provider/tools/emulator/soak";

test("a small soak under 503/429/reset-after-commit faults creates exactly N spaces with no duplicates", async () => {
  const n = 40;
  const r = await runSoak({ creates: n, concurrency: 16 });
  expect(r.errors).toEqual([]);
  expect(r).toMatchObject({ created: n, distinct: n, duplicates: 0, failed: 0, spaces: n });
  // Faults really happened, and every one cost extra requests rather than extra spaces.
  expect(Object.values(r.faultsInjected).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  expect(r.requests).toBeGreaterThan(n);
});

test("every create that hit reset-after-commit is adopted, not duplicated", async () => {
  const r = await runSoak({ creates: 20, concurrency: 8, faults: [{ method: "POST", path: "/api/2.0/genie/spaces", kind: "reset-after-commit", probability: 0.5 }] });
  expect(r.faultsInjected["reset-after-commit"]).toBeGreaterThan(0);
  expect(r).toMatchObject({ created: 20, distinct: 20, duplicates: 0, failed: 0, spaces: 20 });
});
