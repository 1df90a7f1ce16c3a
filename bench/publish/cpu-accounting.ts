// bench/publish: what a publish run's CPU accounting (supabase/functions/_shared/cpu-budget.ts) costs
// a post. Two measurements, printed side by side:
//   1. the meter alone: one claim's checks (a clock read for room(), hold, finish) and one clock read,
//      in ns of CPU, over many repetitions; a claim's cost divided by the batch is the cost a post;
//   2. the queue core (an instant in-memory platform) run with the accounting off and on, alternating,
//      in batches of 100 (the publish function's default): the bench process's CPU a post, each
//      round's figures and the medians.
// Run against a running stack (SUPABASE_DB_URL): `bash bench/publish/cpu-accounting.sh` claims a test
// stack of its own; bench/publish/run.sh also runs it on the bench stack.
import postgres from "postgres";
import process from "node:process";
import { cpuClock, CpuMeter } from "../../supabase/functions/_shared/cpu-budget.ts";
import { runPublisher } from "../../supabase/functions/_shared/publishing/runner.ts";
import { fakeDirectory, FakePlatform } from "../../tests/_support/queue.ts";
import { KINDS, PLATFORM_IDS } from "../../tests/_support/seed.ts";
import { setting } from "../settings.ts";

const ROWS = setting("BENCH_CPU_ROWS", 4000);
const ROUNDS = setting("BENCH_CPU_ROUNDS", 5);
const BATCH = setting("BENCH_CPU_BATCH", 100);
const url = Deno.env.get("SUPABASE_DB_URL");
if (!url) throw new Error("SUPABASE_DB_URL is not set (run bench/publish/cpu-accounting.sh)");
const sql = postgres(url, { max: 8, prepare: false, onnotice: () => {} });

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number, digits = 2) => n.toFixed(digits);

// 1. The meter alone.
// CPU, not wall time: the machine may be shared, and a descheduled loop would count its wait
function nsPer(n: number, work: () => void): number {
  for (let i = 0; i < 1000; i++) work(); // warm-up
  const before = cpuUs();
  for (let i = 0; i < n; i++) work();
  return ((cpuUs() - before) * 1000) / n;
}
const clock = cpuClock();
const read = clock.read ?? (() => 0);
const readNs = nsPer(100_000, () => read());
const meter = new CpuMeter({ budgetMs: 1e12, msPerUnit: 0.5 });
const claimNs = nsPer(100_000, () => {
  meter.room();
  meter.hold(BATCH);
  meter.finish(BATCH);
});
console.log(`clock: ${clock.kind}; one read ${fmt(readNs, 0)} ns`);
console.log(
  `one claim's checks (room, hold, finish): ${fmt(claimNs, 0)} ns = ` +
    `${fmt(claimNs / BATCH / 1000, 3)} µs a post in batches of ${BATCH}`,
);

// 2. The queue core, accounting off and on.
async function resetQueue(): Promise<void> {
  await sql`truncate public.distributions cascade`;
  await sql`update public.platforms set paused_until = null, needs_reconnection = false,
    posts_per_hour = null, posts_per_day = null, min_interval_minutes = 0, last_published_at = null,
    publish_config = publish_config ||
      '{"poll_interval_ms": 0, "limits": {"postsPer24h": 1000000000}, "max_concurrency": 64}'::jsonb`;
}

async function insertDue(n: number): Promise<void> {
  const perKind = Math.ceil(n / KINDS.length);
  for (const [k, kind] of KINDS.entries()) {
    const rows = Array.from(
      { length: Math.max(0, Math.min(perKind, n - perKind * k)) },
      (_, i) => ({
        client_id: "c0000000-0000-4000-8000-000000000001",
        platform_id: PLATFORM_IDS[kind],
        content_type: "manual",
        status: "scheduled",
        title: `bench ${i}`,
        body: `bench ${kind} ${i} ${crypto.randomUUID()}`,
        // distinct instants: one platform calendar slot holds one post
        scheduled_for: new Date(Date.now() - 1000 + i),
      }),
    );
    for (let i = 0; i < rows.length; i += 1000) {
      await sql`insert into public.distributions ${sql(rows.slice(i, i + 1000))}`;
    }
  }
  await sql`vacuum analyze public.distributions`;
}

async function round(accounting: boolean): Promise<number> {
  await resetQueue();
  await insertDue(ROWS);
  const fake = new FakePlatform();
  const before = cpuUs();
  const report = await runPublisher(sql, fakeDirectory({}, fake), {
    budgetMs: 600_000,
    batchSize: BATCH,
    lanes: 2,
    leaseSeconds: 120,
    idlePollMs: 50,
    exitWhenIdle: true,
    ...(accounting ? { cpuBudgetMs: 1e9, cpuMsPerPost: 0.5 } : {}),
  });
  const spent = cpuUs() - before;
  if (report.recorded !== ROWS) throw new Error(`recorded ${report.recorded} of ${ROWS}`);
  return spent / ROWS;
}

const off: number[] = [];
const on: number[] = [];
await round(false); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  // alternating which goes first, so a drift in the machine's load falls on both
  if (r % 2 === 0) {
    off.push(await round(false));
    on.push(await round(true));
  } else {
    on.push(await round(true));
    off.push(await round(false));
  }
}
console.log(
  `queue core, ${ROWS} posts a round, batches of ${BATCH}, bench process CPU a post (µs):`,
);
console.log(`  accounting off: ${off.map((x) => fmt(x)).join(", ")}; median ${fmt(median(off))}`);
console.log(`  accounting on:  ${on.map((x) => fmt(x)).join(", ")}; median ${fmt(median(on))}`);
console.log(`  difference of the medians: ${fmt(median(on) - median(off))} µs a post`);
await sql.end();
