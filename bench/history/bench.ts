// bench/history: the publish burst with a large history. The same burst (one due post on each of many
// platforms of many clients) is published by the publish run (its lanes, claims, lease extensions and
// outcome batches) against an in-memory platform that answers at once, so the database is what is
// measured: first on an empty database, then with 1,000,000 future and 5,000,000 published distributions
// in the tables (at --scale 1). Each phase warms up once, then measures ROUNDS times and reports the
// medians of: the cluster's CPU a post over the publish run (/proc), and the CPU a post of the claim and
// of the outcome statements, called alone as the run calls them, read from their backend (/proc); and
// the shared buffers a post of each (hit and read, from one more burst under EXPLAIN (ANALYZE, BUFFERS)).
// Run with `bash bench/history/run.sh`.
import postgres from "postgres";
import { runPublisher } from "../../supabase/functions/_shared/publishing/runner.ts";
import { fakeDirectory, FakePlatform } from "../../tests/_support/queue.ts";
import { jsonb } from "../../supabase/functions/_shared/db.ts";
import { cpuSnapshot, cpuUse, processCpuUs } from "../publish/cpu.ts";
import { required, setting } from "../settings.ts";
import { psqlFile } from "../psql.ts";

const env = (name: string) => required(name, "bench/history/run.sh");
const dbUrl = env("SUPABASE_DB_URL");
const stateDir = env("BENCH_STATE");
const SCALE = setting("HISTORY_SCALE", 1);
const CLIENTS = setting("HISTORY_CLIENTS", 1000);
const PER_CLIENT = setting("HISTORY_PLATFORMS_PER_CLIENT", 10);
const POSTS = setting("HISTORY_POSTS", 10_000);
const ROUNDS = setting("HISTORY_ROUNDS", 3);
const FUTURE = Math.round(1_000_000 * SCALE);
const PUBLISHED = Math.round(5_000_000 * SCALE);
// The publish function's largest batch, two lanes (the cron call's shape).
const BATCH = setting("HISTORY_BATCH", 1000);
const LANES = setting("HISTORY_LANES", 2);
// An index of public.distributions to drop after the history phase, which is then measured again without
// it (what its upkeep costs the burst, in the same run); empty: none.
const WITHOUT_INDEX = Deno.env.get("HISTORY_WITHOUT_INDEX") ?? "";

const sql = postgres(dbUrl, { max: 8, prepare: false, onnotice: () => {} });
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Claimed rows reported back as published, as the publisher reports a platform's acceptance. */
interface Claimed {
  id: string;
  attempt_id: string;
}
const publishedOutcomes = (rows: readonly Claimed[]) =>
  rows.map((r) => ({
    id: r.id,
    attempt_id: r.attempt_id,
    outcome: "published",
    external_id: `x-${r.id}`,
    external_url: `https://fake/${r.id}`,
  }));

const generate = (vars: Record<string, string | number>) =>
  psqlFile(dbUrl, new URL("./generate.sql", import.meta.url), vars);

/** The burst: one due post a platform, in turn over the bench's platforms, each due a second ago. */
async function insertBurst(): Promise<void> {
  await sql`
    insert into public.distributions (client_id, content_type, platform_id, title, body, status, scheduled_for)
    select p.client_id, 'manual', p.id, 'burst', 'burst post ' || i || ' ' || gen_random_uuid(), 'scheduled',
           now() - interval '1 second' + i * interval '1 millisecond'
    from generate_series(0, ${POSTS - 1}) i
    join (select row_number() over (order by id) - 1 as n, id, client_id from public.platforms
          where name like 'platform %') p on p.n = i % ${CLIENTS * PER_CLIENT}`;
}

/** Before a measured round: no dead rows, fresh statistics, no checkpoint of earlier writes running. */
async function settle(): Promise<void> {
  await sql`vacuum analyze public.distributions`;
  await sql`vacuum analyze public.distribution_attempts`;
  await sql`analyze public.platforms`;
  await sql`checkpoint`;
}

interface Round {
  seconds: number;
  /** The cluster's CPU a post over the publish run (every statement it made, and autovacuum: none). */
  pgUs: number;
  /** Postgres CPU a post of the claim statements, and of the outcome statements (one backend's). */
  claimUs: number;
  outcomeUs: number;
  duplicates: number;
}

/** The burst through the publish run: its duration and the cluster's CPU a post. */
async function runnerRound(): Promise<Pick<Round, "seconds" | "pgUs" | "duplicates">> {
  await insertBurst();
  await settle();
  const fake = new FakePlatform();
  const before = cpuSnapshot(stateDir);
  const t0 = performance.now();
  const report = await runPublisher(sql, fakeDirectory({}, fake), {
    budgetMs: 600_000,
    batchSize: BATCH,
    lanes: LANES,
    leaseSeconds: 120,
    idlePollMs: 50,
    exitWhenIdle: true,
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuUse(before, cpuSnapshot(stateDir));
  await published(report.recorded);
  return {
    seconds,
    pgUs: (cpu.seconds.postgres * 1e6) / POSTS,
    duplicates: fake.publishCalls.length - new Set(fake.publishCalls.map((c) => c.body)).size,
  };
}

/**
 * The burst through the two statements alone, as the publish run calls them, on one connection: its
 * backend's CPU (/proc) read around each claim and each outcome batch.
 */
async function statementRound(): Promise<Pick<Round, "claimUs" | "outcomeUs">> {
  await insertBurst();
  await settle();
  const conn = await sql.reserve();
  let claimUs = 0;
  let outcomeUs = 0;
  let recorded = 0;
  try {
    const [{ pid }] = await conn`select pg_backend_pid() as pid`;
    for (;;) {
      let before = processCpuUs(pid);
      const rows = await conn<Claimed[]>`
        select id, attempt_id from private.claim_due_distributions(${BATCH}, 120)`;
      claimUs += processCpuUs(pid) - before;
      if (rows.length === 0) break;
      const outcomes = publishedOutcomes(rows);
      before = processCpuUs(pid);
      const [{ n }] = await conn`
        select count(*)::int as n from private.record_publish_outcomes(${jsonb(conn, outcomes)})`;
      outcomeUs += processCpuUs(pid) - before;
      recorded += n;
    }
  } finally {
    conn.release();
  }
  await published(recorded);
  return { claimUs: claimUs / POSTS, outcomeUs: outcomeUs / POSTS };
}

interface Buffers {
  hit: number;
  read: number;
  dirtied: number;
  written: number;
}

/**
 * Shared buffers a post of the claim and of the outcome statements: the burst once more through the two
 * statements, each under EXPLAIN (ANALYZE, BUFFERS) (its counts include the statements the functions run).
 * Not timed: it says where the CPU goes (a buffer read is a page from outside shared_buffers).
 */
async function buffersRound(): Promise<{ claim: Buffers; outcome: Buffers }> {
  await insertBurst();
  await settle();
  const zero = (): Buffers => ({ hit: 0, read: 0, dirtied: 0, written: 0 });
  const claim = zero();
  const outcome = zero();
  const add = (into: Buffers, rows: Record<string, unknown>[]) => {
    const plan = (rows[0]["QUERY PLAN"] as { Plan: Record<string, number> }[])[0].Plan;
    into.hit += plan["Shared Hit Blocks"];
    into.read += plan["Shared Read Blocks"];
    into.dirtied += plan["Shared Dirtied Blocks"];
    into.written += plan["Shared Written Blocks"];
  };
  const conn = await sql.reserve();
  let recorded = 0;
  try {
    for (;;) {
      add(
        claim,
        await conn`
          explain (analyze, buffers, format json)
          select id, attempt_id from private.claim_due_distributions(${BATCH}, 120)`,
      );
      const rows = await conn<Claimed[]>`
        select id, attempt_id from public.distributions where title = 'burst' and status = 'publishing'`;
      if (rows.length === 0) break;
      const outcomes = publishedOutcomes(rows);
      add(
        outcome,
        await conn`
          explain (analyze, buffers, format json)
          select count(*) from private.record_publish_outcomes(${jsonb(conn, outcomes)})`,
      );
      recorded += rows.length;
    }
  } finally {
    conn.release();
  }
  await published(recorded);
  const perPost = (b: Buffers): Buffers => ({
    hit: b.hit / POSTS,
    read: b.read / POSTS,
    dirtied: b.dirtied / POSTS,
    written: b.written / POSTS,
  });
  return { claim: perPost(claim), outcome: perPost(outcome) };
}

/** Every post of the burst published once (else the bench stops), then its rows deleted again. */
async function published(recorded: number): Promise<void> {
  const [{ n }] = await sql`
    select count(*)::int as n from public.distributions where title = 'burst' and status = 'published'`;
  if (n !== POSTS || recorded !== POSTS) {
    throw new Error(`the burst published ${n} of ${POSTS} (recorded ${recorded})`);
  }
  // the next round starts from the same history
  await sql`delete from public.distributions where title = 'burst'`;
}

async function phase(label: string): Promise<Round> {
  // a warm-up round of each first (not counted): plans, caches and the functions' first calls
  await runnerRound();
  await statementRound();
  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    rounds.push({ ...await runnerRound(), ...await statementRound() });
  }
  const m = (key: keyof Round) => median(rounds.map((r) => r[key]));
  const result: Round = {
    seconds: m("seconds"),
    pgUs: m("pgUs"),
    claimUs: m("claimUs"),
    outcomeUs: m("outcomeUs"),
    duplicates: rounds.reduce((s, r) => s + r.duplicates, 0),
  };
  const [sizes] = await sql`
    select (select count(*) from public.distributions)::bigint as distributions,
           pg_size_pretty(pg_total_relation_size('public.distributions')) as size`;
  const list = (key: keyof Round) => rounds.map((r) => fmt(r[key])).join(", ");
  const buffers = await buffersRound();
  const show = (b: Buffers) =>
    `${fmt(b.hit, 1)} hit, ${fmt(b.read, 1)} read, ${fmt(b.dirtied, 1)} dirtied, ${
      fmt(b.written, 1)
    } written`;
  console.log(
    `${label.padEnd(8)} ${
      fmt(Number(sizes.distributions))
    } distributions (${sizes.size} with indexes); ` +
      `medians of ${ROUNDS} bursts: publish run ${fmt(result.seconds, 2)} s, Postgres CPU ` +
      `${fmt(result.pgUs)} µs a post (${
        list("pgUs")
      }); the statements alone, Postgres CPU a post: ` +
      `claim ${fmt(result.claimUs)} µs (${list("claimUs")}), outcome ${fmt(result.outcomeUs)} µs ` +
      `(${list("outcomeUs")}); shared buffers a post (one more burst, under EXPLAIN): ` +
      `claim ${show(buffers.claim)}; outcome ${show(buffers.outcome)}`,
  );
  return result;
}

console.log(
  `bench/history: ${fmt(POSTS)} due posts over ${fmt(CLIENTS * PER_CLIENT)} platforms of ` +
    `${
      fmt(CLIENTS)
    } clients; publish run of ${LANES} lanes x batches of ${BATCH}, instant platform`,
);
// Autovacuum stays off on the two written tables while measuring (each round vacuums first), so that
// neither phase is charged for a vacuum that happens to start in it.
await sql`alter table public.distributions set (autovacuum_enabled = false)`;
await sql`alter table public.distribution_attempts set (autovacuum_enabled = false)`;
await generate({ part: "platforms", clients: CLIENTS, per_client: PER_CLIENT });
const empty = await phase("empty");
const t0 = performance.now();
await generate({ part: "history", future: FUTURE, published: PUBLISHED });
console.log(
  `generated ${fmt(FUTURE)} future and ${
    fmt(PUBLISHED)
  } published distributions (with their attempts) ` +
    `in ${fmt((performance.now() - t0) / 1000)} s`,
);
const history = await phase("history");
const ratio = (a: number, b: number) => fmt(a / Math.max(b, 1e-9), 2);
if (WITHOUT_INDEX !== "") {
  await sql`drop index public.${sql(WITHOUT_INDEX)}`;
  const without = await phase("without");
  console.log(
    `without ${WITHOUT_INDEX}: ratio to empty, Postgres CPU a post: claim + outcome ${
      ratio(without.claimUs + without.outcomeUs, empty.claimUs + empty.outcomeUs)
    }x (claim ${ratio(without.claimUs, empty.claimUs)}x, outcome ${
      ratio(without.outcomeUs, empty.outcomeUs)
    }x); the whole publish run ${
      ratio(without.pgUs, empty.pgUs)
    }x; duplicates ${without.duplicates}`,
  );
}
console.log(
  `ratio history/empty, Postgres CPU a post (target <= 1.2x): claim + outcome ${
    ratio(history.claimUs + history.outcomeUs, empty.claimUs + empty.outcomeUs)
  }x (claim ${ratio(history.claimUs, empty.claimUs)}x, outcome ${
    ratio(history.outcomeUs, empty.outcomeUs)
  }x); the whole publish run ${ratio(history.pgUs, empty.pgUs)}x; ` +
    `duplicates ${empty.duplicates + history.duplicates}, losses 0`,
);
await sql`alter table public.distributions reset (autovacuum_enabled)`;
await sql`alter table public.distribution_attempts reset (autovacuum_enabled)`;
await sql.end();
