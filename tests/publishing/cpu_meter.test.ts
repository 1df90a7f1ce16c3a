// The CPU meter a run budgets with (supabase/functions/_shared/cpu-budget.ts): how much more work it
// lets a run claim, by a clock it is given, and by the estimate where the runtime has no clock.
import assert from "node:assert/strict";
import { cpuClock, CpuMeter, WorkerCpu } from "../../supabase/functions/_shared/cpu-budget.ts";

/** A clock the test moves by hand (ms). */
function handClock(start = 1000) {
  let now = start;
  return {
    clock: { kind: "thread" as const, read: () => now },
    spend: (ms: number) => (now += ms),
  };
}

Deno.test("the meter counts from the run's start and lets in only what fits beside what is held", () => {
  const { clock, spend } = handClock();
  const meter = new CpuMeter({ budgetMs: 100, msPerUnit: 1, clock });
  assert.equal(meter.usedMs(), 0);
  assert.equal(meter.room(), 100, "nothing done yet: the configured cost a unit");
  meter.hold(30);
  assert.equal(meter.room(), 70);
  spend(60);
  meter.finish(30); // 30 units cost 60 ms: 2 ms a unit measured
  assert.equal(meter.usedMs(), 60);
  assert.equal(meter.room(), 20, "40 ms left at 2 ms a unit");
  meter.hold(20);
  assert.equal(meter.room(), 0);
  spend(50);
  assert.equal(meter.room(), 0, "past the budget: nothing");
  assert.deepEqual(meter.report(), { clock: "thread", used_ms: 110, budget_ms: 100 });
});

Deno.test("a unit costs at least the configured cost, however little a coarse clock read", () => {
  const { clock } = handClock();
  const meter = new CpuMeter({ budgetMs: 100, msPerUnit: 5, clock });
  meter.hold(10);
  meter.finish(10); // the clock has not ticked: 0 ms measured
  assert.equal(meter.room(), 20);
});

Deno.test("without a clock the meter counts units done at the configured cost", () => {
  const meter = new CpuMeter({
    budgetMs: 10,
    msPerUnit: 0.5,
    clock: { kind: "estimate", read: null },
  });
  assert.equal(meter.room(), 20);
  meter.hold(8);
  assert.equal(meter.usedMs(), 0, "held, not done: not counted as used");
  assert.equal(meter.room(), 12);
  meter.finish(8);
  assert.equal(meter.usedMs(), 4);
  assert.equal(meter.room(), 12);
  assert.deepEqual(meter.report(), { clock: "estimate", used_ms: 4, budget_ms: 10 });
});

Deno.test("Deno reads a thread clock; the hosted edge runtime (EdgeRuntime global) has none", () => {
  const local = cpuClock();
  assert.equal(local.kind, "thread");
  assert.ok(local.read && local.read() >= 0);
  Object.defineProperty(globalThis, "EdgeRuntime", { value: {}, configurable: true });
  try {
    assert.deepEqual(cpuClock(), { kind: "estimate", read: null });
  } finally {
    delete (globalThis as Record<string, unknown>).EdgeRuntime;
  }
});

Deno.test("runs that share a worker share its ceiling: what one holds and what the worker used leave less for the other", () => {
  const { clock, spend } = handClock();
  const worker = new WorkerCpu(clock.read, 100);
  const first = new CpuMeter({ budgetMs: 80, msPerUnit: 1, clock, worker });
  const second = new CpuMeter({ budgetMs: 80, msPerUnit: 1, clock, worker });
  assert.equal(first.room(), 80, "its own budget is the smaller");
  first.hold(70);
  assert.equal(second.room(), 30, "the worker's 100 ms less the 70 the first holds");
  spend(40); // the worker's clock moves: both runs' CPU
  assert.equal(second.room(), 0, "100 - 40 used - 70 held");
  first.finish(70);
  assert.equal(worker.held, 0);
  assert.equal(second.room(), 40, "the second has spent 40 of its 80 too (the clock is shared)");
  spend(60);
  assert.equal(first.room(), 0, "the worker is at its ceiling");
  assert.equal(second.room(), 0);
});

Deno.test("a run that ends gives back what it still holds to its worker", () => {
  const { clock } = handClock();
  const worker = new WorkerCpu(clock.read, 100);
  const ended = new CpuMeter({ budgetMs: 100, msPerUnit: 1, clock, worker });
  const other = new CpuMeter({ budgetMs: 100, msPerUnit: 1, clock, worker });
  ended.hold(60);
  assert.equal(other.room(), 40);
  ended.close();
  assert.equal(worker.held, 0);
  assert.equal(other.room(), 100);
});

Deno.test("without a clock the worker counts every run's finished units against its ceiling", () => {
  const estimate = { kind: "estimate" as const, read: null };
  const worker = new WorkerCpu(null, 10);
  const first = new CpuMeter({ budgetMs: 8, msPerUnit: 0.5, clock: estimate, worker });
  const second = new CpuMeter({ budgetMs: 8, msPerUnit: 0.5, clock: estimate, worker });
  first.hold(12);
  first.finish(12); // 6 ms of the worker's 10
  assert.equal(first.room(), 4, "its own 8 ms less 6: 4 units");
  assert.equal(second.room(), 8, "the worker's 10 ms less 6: 8 units (its own budget allows 16)");
});

Deno.test("a run outside a worker (a test's own process) is held to its own budget only", () => {
  const { clock } = handClock();
  const alone = new CpuMeter({ budgetMs: 100, msPerUnit: 1, clock });
  const beside = new CpuMeter({ budgetMs: 100, msPerUnit: 1, clock });
  alone.hold(90);
  assert.equal(beside.room(), 100);
});
