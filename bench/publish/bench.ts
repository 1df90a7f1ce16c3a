// bench/publish: the publishing engine against its physical limits, all measured in one run on one
// cluster (the bench stack). Run with `bash bench/publish/run.sh` (it sets the stack up first).
//   2. the queue core alone (an instant in-memory platform): posts/s, and its ratio to the batched
//      claim/complete limit measured by pgbench (and to the same jobs leased, then completed);
//   3. end to end through the publish function, the adapters and the emulators, at 0 ms and 50 ms
//      emulator latency: posts/s, and the ratio to pgbench simple-update TPS;
//   4. p50/p99 lateness (published_at - scheduled_for) for rows falling due during a run;
//   5. duplicates and losses.
import postgres from "postgres";
import { jsonb } from "../../supabase/functions/_shared/db.ts";
import { runPublisher } from "../../supabase/functions/_shared/publishing/runner.ts";
import { fakeDirectory, FakePlatform } from "../../tests/_support/queue.ts";
import { KINDS, PLATFORM_IDS } from "../../tests/_support/seed.ts";
import { contentFor } from "../../dev/demo-content.ts";
import { emulatorFor, publishCount } from "../../tests/_support/emulators.ts";
import { measureHttpLimit } from "./http-limit.ts";
import { cpuSnapshot, cpuUse, perPost, pgPerPost } from "./cpu.ts";
import { required, setting } from "../settings.ts";

const env = (name: string) => required(name, "bench/publish/run.sh");
const ROWS = Number(Deno.env.get("BENCH_ROWS") ?? 20_000);
const simpleUpdateTps = Number(env("SIMPLE_UPDATE_TPS"));
const stateDir = env("BENCH_STATE");
const claimRowsPerS = Number(env("CLAIM_ROWS_PER_S"));
// The same jobs written twice, leased then completed: the floor of any queue with leases (pgbench.sh).
const leaseRowsPerS = Number(env("LEASE_ROWS_PER_S"));
// The cluster's CPU for one simple-update transaction, one claimed-and-completed row and one leased and
// completed row (pgbench.sh).
const simpleUpdatePgUs = Number(env("SIMPLE_UPDATE_PG_US"));
const claimRowPgUs = Number(env("CLAIM_ROW_PG_US"));
const leaseRowPgUs = Number(env("LEASE_ROW_PG_US"));
const sql = postgres(env("SUPABASE_DB_URL"), { max: 16, prepare: false, onnotice: () => {} });
// Run settings (each overridable through the environment). Batches of 1,000 (the publish function's
// maximum) amortise each statement's fixed cost; end to end, one publish call of two lanes, the shape of
// the call cron makes (one run a minute, two lanes by default), with 64 sends at once per platform; and
// once more at 0 ms as four overlapping calls of one lane each (OVERLAP_INVOCATIONS): what runs that
// outlast a minute, or a burst woken by its successors, cost. At 50 ms the four overlapping calls:
// there throughput is the rows the runs hold claimed, and four calls hold four times the batches. The
// warm-up pass is as large as a measured one (BENCH_WARM_ROWS to change it).
const BATCH = setting("BENCH_BATCH", 1000);
const CORE_LANES = setting("BENCH_CORE_LANES", 2);
const INVOCATIONS = setting("BENCH_INVOCATIONS", 1);
const LANES = setting("BENCH_LANES", 2);
const OVERLAP_INVOCATIONS = setting("BENCH_OVERLAP_INVOCATIONS", 4);
const MAX_CONCURRENCY = setting("BENCH_CONCURRENCY", 64);
const WARM_ROWS = setting("BENCH_WARM_ROWS", ROWS);

async function resetQueue(): Promise<void> {
  await sql`truncate public.distributions cascade`;
  await sql`update public.platforms set paused_until = null, needs_reconnection = false,
    posts_per_hour = null, posts_per_day = null, min_interval_minutes = 0, last_published_at = null,
    publish_config = publish_config ||
      '{"poll_interval_ms": 0, "limits": {"postsPer24h": 1000000000}}'::jsonb
      || jsonb_build_object('max_concurrency', ${MAX_CONCURRENCY}::int)`;
}

/** `n` due rows spread evenly over the eight demo platforms, valid for each. */
async function insertDue(n: number, spreadMs = 0, startInMs = -1000): Promise<void> {
  const perKind = Math.ceil(n / KINDS.length);
  for (const kind of KINDS) {
    const emulator = emulatorFor(kind);
    const rows = Array.from(
      { length: Math.min(perKind, n - perKind * KINDS.indexOf(kind)) },
      (_, i) => {
        const content = contentFor(
          kind,
          `bench ${kind} ${i} ${crypto.randomUUID()}`,
          emulator.origin,
        );
        return {
          client_id: "c0000000-0000-4000-8000-000000000001",
          platform_id: PLATFORM_IDS[kind],
          content_type: "manual",
          status: "scheduled",
          title: content.title ?? null,
          body: content.body,
          media_urls: content.media_urls ?? null,
          platform_specific: jsonb(sql, content.platform_specific ?? {}),
          // distinct instants: one platform calendar slot holds one post
          scheduled_for: new Date(Date.now() + startInMs + (spreadMs * i) / perKind + i),
        };
      },
    );
    for (let i = 0; i < rows.length; i += 1000) {
      await sql`insert into public.distributions ${sql(rows.slice(i, i + 1000))}`;
    }
  }
}

/** Before a timed phase: statistics for the new rows, and no checkpoint of earlier writes left running. */
async function settle(): Promise<void> {
  await sql`vacuum analyze public.distributions`;
  await sql`checkpoint`;
}

async function counts(): Promise<Record<string, number>> {
  const rows = await sql`select status, count(*)::int as n from public.distributions group by 1`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits });

// 2. The queue core alone.
await resetQueue();
await insertDue(ROWS);
await settle();
const fake = new FakePlatform();
const coreCpuBefore = cpuSnapshot(stateDir);
const started = performance.now();
await runPublisher(sql, fakeDirectory({}, fake), {
  budgetMs: 600_000,
  batchSize: BATCH,
  lanes: CORE_LANES,
  leaseSeconds: 120,
  idlePollMs: 50,
  exitWhenIdle: true,
});
const coreSeconds = (performance.now() - started) / 1000;
const coreCpu = cpuUse(coreCpuBefore, cpuSnapshot(stateDir));
const core = await counts();
const corePostsPerS = (core.published ?? 0) / coreSeconds;
const coreDuplicates = fake.publishCalls.length -
  new Set(fake.publishCalls.map((c) => c.body)).size;

// 3. End to end through the function, the adapters and the emulators.
async function endToEnd(latencyMs: number, rows = ROWS, calls = INVOCATIONS, lanes = LANES) {
  await resetQueue();
  for (const kind of KINDS) {
    const emulator = emulatorFor(kind);
    await emulator.clearRequests();
    await emulator.clearFaults();
    if (latencyMs > 0) await emulator.addFault({ mode: "latency", latencyMs });
  }
  await insertDue(rows);
  await settle();
  const cpuBefore = cpuSnapshot(stateDir);
  const t0 = performance.now();
  const invocations = await Promise.all(
    Array.from({ length: calls }, () =>
      fetch(`${env("SUPABASE_URL")}/functions/v1/publish`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${env("SUPABASE_SERVICE_ROLE_KEY")}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({
          budget_ms: 140_000,
          batch_size: BATCH,
          lanes,
          exit_when_idle: true,
          // throughput, not a hosted request's CPU limit: no run stops early to hand over to another
          max_posts: rows,
        }),
      }).then((r) => r.json())),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuUse(cpuBefore, cpuSnapshot(stateDir));
  const status = await counts();
  let sent = 0;
  let requests = 0;
  for (const kind of KINDS) {
    sent += await publishCount(kind);
    requests += (await emulatorFor(kind).requests()).length;
  }
  for (const kind of KINDS) await emulatorFor(kind).clearFaults();
  return {
    seconds,
    postsPerS: (status.published ?? 0) / seconds,
    status,
    sent,
    requestsPerPost: requests / rows,
    invocations,
    cpu,
  };
}

// A warm-up pass first (not counted): the host's and the emulators' code is compiled on first use, and
// reaches V8's optimising tiers only after thousands of calls (a platform's adapter is called once in eight).
const warm = await endToEnd(0, WARM_ROWS);
const e2e0 = await endToEnd(0);
const e2eOverlap = await endToEnd(0, ROWS, OVERLAP_INVOCATIONS, 1);
const e2e50 = await endToEnd(50, ROWS, OVERLAP_INVOCATIONS, 1);

// 4. Lateness of rows falling due during a run.
await resetQueue();
const STREAM = Math.min(ROWS, 2000);
await insertDue(STREAM, 20_000, 2000);
await fetch(`${env("SUPABASE_URL")}/functions/v1/publish`, {
  method: "POST",
  headers: {
    authorization: `Bearer ${env("SUPABASE_SERVICE_ROLE_KEY")}`,
    "content-type": "application/json",
  },
  body: JSON.stringify({ budget_ms: 25_000, batch_size: 200, lanes: 4 }),
}).then((r) => r.json());
const [lateness] = await sql`
  select percentile_cont(0.5) within group (order by extract(epoch from published_at - scheduled_for)) as p50,
         percentile_cont(0.99) within group (order by extract(epoch from published_at - scheduled_for)) as p99,
         count(*) filter (where status = 'published')::int as published
  from public.distributions`;

// The HTTP limit of the machine, measured after the runs so it does not warm anything up for them.
const httpLimit = await measureHttpLimit("http1");
const fetchLimit = await measureHttpLimit("fetch");

// 5. Duplicates and losses over the end-to-end runs.
const measured = [e2e0, e2eOverlap, e2e50];
const duplicates = coreDuplicates + Math.max(0, warm.sent - WARM_ROWS) +
  measured.reduce((sum, r) => sum + Math.max(0, r.sent - ROWS), 0);
const losses = (ROWS - (core.published ?? 0)) + (WARM_ROWS - (warm.status.published ?? 0)) +
  measured.reduce((sum, r) => sum + ROWS - (r.status.published ?? 0), 0) +
  (STREAM - lateness.published);

console.log(
  `bench/publish: ${fmt(ROWS)} rows over ${KINDS.length} platforms; batches of ${BATCH}, ` +
    `core ${CORE_LANES} lanes, end to end ${INVOCATIONS} publish call(s) x ${LANES} lanes, ` +
    `${MAX_CONCURRENCY} sends at once per platform`,
);
console.log(
  `1. limits      pgbench simple-update ${fmt(simpleUpdateTps)} TPS; ` +
    `batched claim/complete ${fmt(claimRowsPerS)} rows/s`,
);
console.log(
  `               the same jobs leased, then completed in a second transaction (two writes a job): ` +
    `${fmt(leaseRowsPerS)} rows/s = ` +
    `${fmt(leaseRowsPerS / claimRowsPerS, 2)}x the claim/complete limit`,
);
console.log(
  `               Postgres CPU: ${fmt(simpleUpdatePgUs)} µs a simple-update transaction, ` +
    `${fmt(claimRowPgUs)} µs a claimed and completed row, ` +
    `${fmt(leaseRowPgUs)} µs a leased and completed row`,
);
console.log(
  `   HTTP limit  ${
    fmt(httpLimit.roundTripsPerS)
  } round trips/s from the adapters' HttpClient to a ` +
    `bare Deno.serve (64 at once); CPU per round trip: client ${
      fmt(httpLimit.clientUsPerRoundTrip)
    } µs, ` +
    `server ${fmt(httpLimit.serverUsPerRoundTrip)} µs`,
);
console.log(
  `               with Deno's fetch as the transport instead: ${
    fmt(fetchLimit.roundTripsPerS)
  } round trips/s; client ${fmt(fetchLimit.clientUsPerRoundTrip)} µs, ` +
    `server ${fmt(fetchLimit.serverUsPerRoundTrip)} µs`,
);
console.log(
  `2. queue core  ${fmt(corePostsPerS)} posts/s in ${fmt(coreSeconds, 2)} s = ` +
    `${fmt(corePostsPerS / claimRowsPerS, 2)}x the claim/complete limit ` +
    `(${fmt(corePostsPerS / leaseRowsPerS, 2)}x the lease/complete one)`,
);
console.log(`               ${perPost(coreCpu, core.published ?? 0)} (the runner is in "bench")`);
const corePg = pgPerPost(
  coreCpu,
  core.published ?? 0,
  [claimRowPgUs, "a claim/complete row"],
  [leaseRowPgUs, "a lease/complete row"],
);
console.log(`               ${corePg}`);
const phases = [
  ["0 ms emulator latency", e2e0],
  [`0 ms, ${OVERLAP_INVOCATIONS} overlapping calls x 1 lane`, e2eOverlap],
  [`50 ms, ${OVERLAP_INVOCATIONS} overlapping calls x 1 lane`, e2e50],
] as const;
for (const [label, r] of phases) {
  console.log(
    `3. end to end (${label})  ${fmt(r.postsPerS)} posts/s in ` +
      `${fmt(r.seconds, 2)} s = ${fmt(r.postsPerS / simpleUpdateTps, 2)}x simple-update TPS; ` +
      `statuses ${JSON.stringify(r.status)}; platform publish calls ${r.sent}; ` +
      `${fmt(r.requestsPerPost, 2)} requests a post (HTTP-limited to ` +
      `${fmt(httpLimit.roundTripsPerS / r.requestsPerPost)} posts/s)`,
  );
  console.log(`               ${perPost(r.cpu, r.status.published ?? 0)}`);
  console.log(
    `               ${
      pgPerPost(r.cpu, r.status.published ?? 0, [simpleUpdatePgUs, "a simple-update transaction"])
    }`,
  );
}
console.log(
  `4. lateness    p50 ${fmt(lateness.p50 * 1000)} ms, p99 ${fmt(lateness.p99 * 1000)} ms ` +
    `over ${lateness.published} rows falling due during a 20 s stream`,
);
console.log(`5. duplicates ${duplicates}, losses ${losses}`);
await sql.end();
