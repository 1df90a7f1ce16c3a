// bench/schedule: `POST /schedule` with `optimize` as content generation calls it, against the bare
// `health` function measured in the same run.
//   1. one caller, queue depths 0, 100, 1,000 and 10,000 on one platform: p50/p99 a request;
//   2. 16 concurrent callers over 1,000 clients with 10 platforms each: requests/s and p50/p99;
//   3. filling a queue of 1,000 with optimize, one request after another: total time, and the last
//      hundred requests against the first hundred.
// The queue of a depth is posts at explicit times over the next 30 days, as a content calendar holds
// them (never on the hour); the platform's limits are lifted, as in the measurements. Each
// phase's own requests fill the best hours as they go, so later requests of a phase look past full
// windows: that cost depends on how many windows are full, not on how many posts the queue holds.
import postgres from "postgres";
import { userJwt } from "../../tests/_support/stack.ts";
import { cpuSnapshot, cpuUse } from "../publish/cpu.ts";

const url = Deno.env.get("SUPABASE_URL")!;
const sql = postgres(Deno.env.get("SUPABASE_DB_URL")!, {
  max: 4,
  prepare: false,
  onnotice: () => {},
});
const REQUESTS = Number(Deno.env.get("BENCH_REQUESTS") ?? 200);
const DEPTHS = (Deno.env.get("BENCH_DEPTHS") ?? "0,100,1000,10000").split(",").map(Number);
const CALLERS = 16;
const FILL = Number(Deno.env.get("BENCH_FILL") ?? 1000);
const STATE = Deno.env.get("BENCH_STATE")!;

interface Timing {
  p50: number;
  p99: number;
  perSecond: number;
  statuses: Record<number, number>;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** `n` requests, `concurrency` at once; each call of `request(i)` is one timed round trip. */
async function timed(
  n: number,
  concurrency: number,
  request: (i: number) => Promise<Response>,
): Promise<Timing> {
  const times: number[] = [];
  const statuses: Record<number, number> = {};
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      const start = performance.now();
      const res = await request(i);
      await res.arrayBuffer();
      times.push(performance.now() - start);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  return {
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    perSecond: n / elapsed,
    statuses,
  };
}

function health(): Promise<Response> {
  return fetch(`${url}/functions/v1/health`);
}

function schedule(
  token: string,
  platformId: string,
  i: number,
  timing: Record<string, unknown> = { optimize: true },
): Promise<Response> {
  return fetch(`${url}/functions/v1/schedule`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      content: { body: `Benchmark post ${i}: a few words about the product launch.` },
      platform_ids: [platformId],
      ...timing,
    }),
  });
}

const optimize = (token: string, platformId: string, i: number) => schedule(token, platformId, i);

/** An explicit time no other post of the platform holds: the request without slot choice. */
function explicitAt(token: string, platformId: string, i: number): Promise<Response> {
  const at = new Date(Date.now() + 86_400_000 + i * 3_600_000 + (i % 7) * 60_000);
  return schedule(token, platformId, i, { at: at.toISOString() });
}

/** Runs `phase`, and says the CPU a request it cost Postgres and the functions host. */
async function withCpu<T extends Timing>(
  n: number,
  phase: () => Promise<T>,
): Promise<T & { cpu: string }> {
  const before = cpuSnapshot(STATE);
  const result = await phase();
  const use = cpuUse(before, cpuSnapshot(STATE));
  const ms = (s: number) => ((s * 1000) / n).toFixed(2);
  return {
    ...result,
    cpu: `CPU a request: Postgres ${ms(use.seconds.postgres)} ms, functions ${
      ms(use.seconds.functions)
    } ms`,
  };
}

function fmt(t: Timing): string {
  const statuses = Object.entries(t.statuses).map(([s, n]) => `${s}x${n}`).join(" ");
  return `p50 ${t.p50.toFixed(1)} ms, p99 ${t.p99.toFixed(1)} ms, ${
    t.perSecond.toFixed(1)
  } req/s [${statuses}]`;
}

/** `clients` clients of `platforms` X platforms each (limits lifted, UTC), each with an owner. */
async function makeTenants(clients: number, platforms: number, cap = 60) {
  const rows = await sql`
    with c as (
      insert into public.clients (name, default_timezone, optimize_max_days_ahead)
      select 'bench ' || g, 'UTC', ${cap} from generate_series(1, ${clients}) g
      returning id
    ), u as (
      insert into auth.users (id, email, aud, role)
      select gen_random_uuid(), 'bench-' || gen_random_uuid() || '@bench.local', 'authenticated', 'authenticated'
      from c
      returning id
    ), cu as (
      select c.id as client_id, u.id as user_id
      from (select id, row_number() over () as n from c) c
      join (select id, row_number() over () as n from u) u using (n)
    ), m as (
      insert into public.client_members (client_id, user_id, role)
      select client_id, user_id, 'owner' from cu
      returning client_id, user_id
    ), p as (
      insert into public.platforms (client_id, name, kind, timezone, posts_per_hour, posts_per_day,
                                    min_interval_minutes)
      select m.client_id, 'bench x ' || g, 'x', 'UTC', null, null, 0
      from m cross join generate_series(1, ${platforms}) g
      returning id, client_id
    )
    select m.user_id, json_agg(p.id) as platform_ids
    from m join p using (client_id)
    group by m.user_id`;
  return await Promise.all(rows.map(async (r) => ({
    token: await userJwt(r.user_id as string, { expiresIn: 7200 }),
    platforms: r.platform_ids as string[],
  })));
}

/**
 * Posts at explicit times over the next 30 days, as people place them by hand (at :07, :23 ... never on
 * the hour, where optimize places its own): `depth` posts spread evenly over 720 hours, those sharing
 * an hour a few minutes apart.
 */
async function fillQueue(platformId: string, depth: number) {
  await sql`delete from public.distributions where platform_id = ${platformId}`;
  if (depth === 0) return;
  const perHour = Math.ceil(depth / 720);
  await sql`
    insert into public.distributions (client_id, content_type, platform_id, body, status, scheduled_for,
                                      timezone)
    select p.client_id, 'manual', p.id, 'queued ' || q.g, 'scheduled',
           date_trunc('hour', now()) + make_interval(hours => 2 + q.h)
             + make_interval(secs => 60 + q.slot * (3480 / ${perHour}) + (q.g * 7919) % 30),
           'UTC'
    from public.platforms p
    cross join (
      select g, h, (row_number() over (partition by h order by g) - 1)::int as slot
      from (select g, (g * 720 / ${depth})::int as h from generate_series(0, ${depth} - 1) g) x
    ) q
    where p.id = ${platformId}`;
  await sql`analyze public.distributions`;
  await sql`analyze public.publishing_calendar`;
}

console.log("bench/schedule: optimize against the bare health function, same run");
await timed(200, 4, health); // warm-up

// 1. One caller, queue depths.
const [solo] = await makeTenants(1, 1);
const platform = solo.platforms[0];
await timed(20, 1, (i) => optimize(solo.token, platform, i)); // warm-up: the function loads
const healthSolo = await timed(REQUESTS, 1, health);
console.log(`health, one caller: ${fmt(healthSolo)}`);
const byDepth: Record<number, Timing> = {};
for (const depth of DEPTHS) {
  await fillQueue(platform, depth);
  byDepth[depth] = await timed(REQUESTS, 1, (i) => optimize(solo.token, platform, i));
  console.log(`optimize, one caller, queue depth ${depth}: ${fmt(byDepth[depth])}`);
}
const deepest = DEPTHS[DEPTHS.length - 1];
console.log(
  `p99 at depth ${deepest} / p99 at depth 0: ${
    (byDepth[deepest].p99 / byDepth[0].p99).toFixed(2)
  }x`,
);

// 2. 16 concurrent callers over 1,000 clients with 10,000 platforms.
const tenants = await makeTenants(1000, 10);
await sql`analyze`;
const healthMany = await withCpu(REQUESTS * 4, () => timed(REQUESTS * 4, CALLERS, health));
console.log(`health, ${CALLERS} callers: ${fmt(healthMany)}; ${healthMany.cpu}`);
const pick = (i: number) => {
  const t = tenants[(i * 7919) % tenants.length];
  return { token: t.token, platform: t.platforms[i % t.platforms.length] };
};
const exact = await withCpu(REQUESTS * 4, () =>
  timed(REQUESTS * 4, CALLERS, (i) => {
    const { token, platform } = pick(i + 100_000);
    return explicitAt(token, platform, i);
  }));
console.log(`explicit at, ${CALLERS} callers (no slot choice): ${fmt(exact)}; ${exact.cpu}`);
const many = await withCpu(REQUESTS * 4, () =>
  timed(REQUESTS * 4, CALLERS, (i) => {
    const { token, platform } = pick(i);
    return optimize(token, platform, i);
  }));
console.log(
  `optimize, ${CALLERS} callers over 1,000 clients / 10,000 platforms: ${fmt(many)}; ${many.cpu}`,
);
console.log(
  `requests/s against health: optimize ${(many.perSecond / healthMany.perSecond).toFixed(3)}x, ` +
    `explicit at ${(exact.perSecond / healthMany.perSecond).toFixed(3)}x`,
);

// 3. Fill a queue of FILL, one request after another (the client allows two years ahead).
const [filler] = await makeTenants(1, 1, 730);
const times: number[] = [];
const t0 = performance.now();
const fillStatuses: Record<number, number> = {};
for (let i = 0; i < FILL; i++) {
  const start = performance.now();
  const res = await optimize(filler.token, filler.platforms[0], i);
  await res.arrayBuffer();
  fillStatuses[res.status] = (fillStatuses[res.status] ?? 0) + 1;
  times.push(performance.now() - start);
}
const total = (performance.now() - t0) / 1000;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const [span] = await sql`select min(scheduled_for) as first, max(scheduled_for) as last
  from public.distributions where platform_id = ${filler.platforms[0]}`;
console.log(
  `fill a queue of ${FILL}: ${total.toFixed(1)} s; mean of the first 100 ${
    mean(times.slice(0, 100)).toFixed(1)
  } ms, of the last 100 ${mean(times.slice(-100)).toFixed(1)} ms; statuses ${
    JSON.stringify(fillStatuses)
  }; posts from ${span.first?.toISOString()} to ${span.last?.toISOString()}`,
);
await sql.end();
