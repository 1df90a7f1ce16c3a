// bench/metrics: the metrics sync at scale. 1,000,000 published posts (at --scale 1) of ages spread over
// 90 days, each on its age cadence (metrics_sync_policy), on one platform of each kind for each of 1,000
// clients. Run with `bash bench/metrics/run.sh`.
//   1. Need against budget: the reads an hour the cadence asks for, by kind (each post in the sync window
//      read once a cadence interval), against each kind's read budget an hour (metrics_read_budgets: the
//      whole app's for an app-scoped kind, each account's for an account-scoped one, against its busiest
//      platform). A kind whose need exceeds its budget is the bound: its older posts fall behind cadence.
//   2. Throughput: every read falling due in the next hour is made due now, and the metrics run (claims,
//      reads against an instant in-memory platform, one record statement a batch) works it off within the
//      budgets: reads/s, Postgres CPU a read (/proc) and the statements' own time a read
//      (pg_stat_statements), and the reads each budget took against its limit.
//   3. A claim when all that is still due waits for an exhausted budget: its statement time, which must not
//      grow with the waiting backlog.
import postgres from "postgres";
import { runMetricsSync } from "../../supabase/functions/_shared/metrics/sync.ts";
import type { MetricsResult } from "../../supabase/functions/_shared/adapters/types.ts";
import type { PlatformAdapter } from "../../supabase/functions/_shared/adapters/adapter.ts";
import type { PlatformDirectory } from "../../supabase/functions/_shared/platforms/directory.ts";
import { fakeDirectory, FakePlatform } from "../../tests/_support/queue.ts";
import { cpuSnapshot, cpuUse } from "../publish/cpu.ts";
import { required, setting } from "../settings.ts";
import { psqlFile } from "../psql.ts";

const env = (name: string) => required(name, "bench/metrics/run.sh");
const dbUrl = env("SUPABASE_DB_URL");
const stateDir = env("BENCH_STATE");
const SCALE = setting("METRICS_SCALE", 1);
const CLIENTS = setting("METRICS_CLIENTS", 1000);
const POSTS = Math.round(1_000_000 * SCALE);
const MAX_AGE_DAYS = setting("METRICS_MAX_AGE_DAYS", 90);
const BATCH = setting("METRICS_BATCH", 200);
const EMPTY_CLAIMS = setting("METRICS_EMPTY_CLAIMS", 20);

const sql = postgres(dbUrl, { max: 8, prepare: false, onnotice: () => {} });
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits });

/** Every platform: one whose metric reads answer at once (otherwise the in-memory test platform). */
function instantMetrics(): PlatformDirectory {
  const fake = new FakePlatform();
  let reads = 0;
  const adapter: PlatformAdapter = {
    kind: fake.kind,
    validate: () => fake.validate(),
    publish: (c, o) => fake.publish(c, o),
    update: () => fake.update(),
    delete: () => fake.delete(),
    findExisting: (q) => fake.findExisting(q),
    getMetrics(): Promise<MetricsResult> {
      const n = ++reads;
      return Promise.resolve({
        ok: true as const,
        metrics: {
          impressions: 1000 + n % 5000,
          engagements: n % 300,
          likes: n % 200,
          platform_metrics: {},
        },
      });
    },
  };
  const directory = fakeDirectory({}, fake);
  return { get: async (id) => ({ ...(await directory.get(id)), adapter }) };
}

const generate = (vars: Record<string, string | number>) =>
  psqlFile(dbUrl, new URL("./generate.sql", import.meta.url), vars);

async function statementMs(): Promise<
  { claim: number; record: number; all: number; claims: number }
> {
  const rows = await sql`
    select query, total_exec_time as ms, calls from pg_stat_statements
    where toplevel and dbid = (select oid from pg_database where datname = current_database())`;
  const sum = (re: RegExp) => rows.filter((r) => re.test(r.query)).reduce((s, r) => s + r.ms, 0);
  return {
    claim: sum(/claim_metrics_due/),
    record: sum(/record_metrics/),
    all: sum(/./),
    claims: rows.filter((r) => /claim_metrics_due/.test(r.query))
      .reduce((s, r) => s + Number(r.calls), 0),
  };
}

console.log(
  `bench/metrics: ${fmt(POSTS)} published posts aged 0-${MAX_AGE_DAYS} days on ` +
    `${fmt(CLIENTS * 8)} platforms (${fmt(CLIENTS)} clients x 8 kinds)`,
);
let t0 = performance.now();
await generate({ clients: CLIENTS, posts: POSTS, max_age_days: MAX_AGE_DAYS });
await sql`vacuum analyze public.distributions`;
console.log(`generated in ${fmt((performance.now() - t0) / 1000)} s`);

// 1. Need against budget, by kind. A post in the sync window is read once every cadence interval of its
// age (private.metrics_sync_interval, the same function the sync schedules with).
const need = await sql`
  with posts as (
    select p.kind, d.platform_id,
           extract(epoch from private.metrics_sync_interval(d.platform_id, d.client_id, now() - d.published_at))
             as every_s
    from public.distributions d join public.platforms p on p.id = d.platform_id
    where d.metrics_next_sync_at is not null and p.name like 'metrics %'
  ), per_platform as (
    select kind, platform_id, count(*) as posts, sum(3600.0 / every_s) as reads_per_hour
    from posts where every_s is not null group by 1, 2
  )
  select pp.kind, b.scope, sum(pp.posts)::bigint as posts, sum(pp.reads_per_hour) as need_kind,
         max(pp.reads_per_hour) as need_platform,
         b.max_reads * 3600.0 / extract(epoch from b.per) as budget_per_hour, count(*)::int as platforms
  from per_platform pp join public.metrics_read_budgets b on b.kind = pp.kind
  group by pp.kind, b.scope, b.max_reads, b.per order by pp.kind`;
console.log(
  "1. need against budget (reads an hour; app: the kind's total, account: the busiest platform's)",
);
let bound: string[] = [];
for (const r of need) {
  const needed = r.scope === "app" ? Number(r.need_kind) : Number(r.need_platform);
  const budget = Number(r.budget_per_hour);
  const ratio = needed / budget;
  if (ratio > 1) bound = [...bound, r.kind];
  console.log(
    `   ${r.kind.padEnd(9)} ${r.scope.padEnd(7)} ${
      fmt(Number(r.posts)).padStart(7)
    } posts in the window; ` +
      `need ${fmt(needed, 1)} reads/h against ${fmt(budget, 1)} reads/h = ${fmt(ratio, 2)}x` +
      (ratio > 1 ? "  <- the bound" : ""),
  );
}
console.log(
  bound.length === 0
    ? "   every post stays on its age cadence within the budgets"
    : `   the cadence is kept within budgets except on ${
      bound.join(", ")
    }: their budgets are the bound (posts there fall behind their cadence)`,
);

// 2. Throughput: the next hour's reads, due now.
const [{ due }] = await sql`
  with made as (
    update public.distributions set metrics_next_sync_at = now() - interval '1 second'
    where metrics_next_sync_at < now() + interval '1 hour' returning 1
  ) select count(*)::int as due from made`;
await sql`vacuum analyze public.distributions`;
await sql`checkpoint`;
await sql`select pg_stat_statements_reset()`;
const before = cpuSnapshot(stateDir);
t0 = performance.now();
const report = await runMetricsSync(sql, instantMetrics(), {
  budgetMs: 600_000,
  batchSize: BATCH,
  perPlatform: 50,
  leaseSeconds: 300,
  concurrency: 4,
  now: () => new Date(),
});
const seconds = (performance.now() - t0) / 1000;
const cpu = cpuUse(before, cpuSnapshot(stateDir));
const st = await statementMs();
const reads = report.recorded + report.failed;
const perRead = (ms: number) => fmt((ms * 1000) / Math.max(reads, 1));
console.log(
  `2. throughput  ${fmt(due)} reads due (the next hour's, made due now): ${fmt(reads)} read in ` +
    `${fmt(seconds, 2)} s = ${
      fmt(reads / seconds)
    } reads/s (${report.batches} batches of up to ${BATCH}; ` +
    `${report.failed} failed; stopped: ${report.stopped})`,
);
console.log(
  `               Postgres CPU ${
    fmt((cpu.seconds.postgres * 1e6) / Math.max(reads, 1))
  } µs a read; ` +
    `statement time a read: claim ${perRead(st.claim)} µs, record ${perRead(st.record)} µs, ` +
    `other ${perRead(st.all - st.claim - st.record)} µs`,
);
const usage = await sql`
  select b.kind, b.scope, b.max_reads, count(distinct u.budget_key)::int as budgets,
         coalesce(max(u.reads), 0)::int as most, coalesce(sum(u.reads), 0)::int as total
  from public.metrics_read_budgets b
  left join private.metrics_read_usage u
    on u.window_start = date_bin(b.per, now(), b.window_origin)
   and (u.budget_key = 'kind:' || b.kind
        or (b.scope = 'account' and u.budget_key in (select 'platform:' || p.id from public.platforms p
                                                     where p.kind = b.kind)))
  group by 1, 2, 3 order by 1`;
const left = await sql`
  select p.kind, count(*)::int as n from public.distributions d join public.platforms p on p.id = d.platform_id
  where d.metrics_next_sync_at <= now() group by 1 order by 1`;
const leftBy = Object.fromEntries(left.map((r) => [r.kind, r.n]));
const over = usage.filter((u) => u.most > u.max_reads);
console.log(
  `               reads in this window by budget (most in one budget / its limit; still due): ${
    usage.map((u) =>
      `${u.kind} ${fmt(u.total)} (${fmt(u.most)}/${fmt(u.max_reads)}; ${fmt(leftBy[u.kind] ?? 0)})`
    ).join(", ")
  }; budgets exceeded: ${over.length}`,
);

// 3. Claims when what is still due waits for an exhausted budget.
await sql`select pg_stat_statements_reset()`;
for (let i = 0; i < EMPTY_CLAIMS; i++) {
  await sql`select * from private.claim_metrics_due(${BATCH}, 50, 300)`;
}
const empty = await statementMs();
const waiting = left.reduce((s, r) => s + r.n, 0);
console.log(
  `3. waiting     a claim with ${fmt(waiting)} due reads waiting for exhausted budgets: ` +
    `${fmt(empty.claim / Math.max(empty.claims, 1), 2)} ms (mean of ${empty.claims})`,
);
await sql.end();
