// bench/history: the publish burst with a large history. The same burst (one due post on each of many
// platforms of many clients) is published by the publish run (its lanes, claims, lease extensions and
// outcome batches) against an in-memory platform that answers at once, so the database is what is
// measured: first on an empty database, then with 1,000,000 future and 5,000,000 published distributions
// in the tables (at --scale 1). Each phase warms up once, then measures ROUNDS times and reports the
// medians of: the cluster's CPU a post over the publish run (/proc), and the CPU a post of the claim and
// of the outcome statements, called alone as the run calls them, read from their backend (/proc); and
// the shared buffers and WAL a post of each, and the relations whose pages each read from outside shared
// buffers (from one more burst under EXPLAIN (ANALYZE, BUFFERS, WAL)). Server settings: each phase is measured
// under every profile of HISTORY_SERVER (the server restarted with it), e.g. the stack's own and Supabase's
// Micro compute. Baseline: the empty database as before, and (HISTORY_KEEP=1) every phase keeping the previous
// burst's published rows, so that the statistics the plans are made from have seen published rows in both.
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
// Keep each round's published burst (retitled) until the next round's is published: the baseline is then a
// table with one burst of published rows, whose statistics have seen every status the burst goes through.
const KEEP = Deno.env.get("HISTORY_KEEP") === "1";
/** Whether the phase running keeps each round's published burst (KEEP's phases). */
let keeping = false;

/**
 * Server settings profiles (Postgres restarted with each): Supabase's hosted compute sizes, from the
 * settings its platform generates for each instance size (supabase-admin-api, optimizations/postgres.go:
 * t4g.micro, t4g.small, t4g.medium), with the hosted postgresql.conf's wal_level = logical; `stack`: the
 * bench stack's own (Postgres's defaults: shared_buffers 128MB, max_wal_size 1GB).
 */
const hosted = (buffers: string, cache: string, maintenance: string, work: string, wal: string) => [
  `shared_buffers=${buffers}`,
  `effective_cache_size=${cache}`,
  `maintenance_work_mem=${maintenance}`,
  `work_mem=${work}`,
  `wal_buffers=${wal}`,
  "max_wal_size=4GB",
  "min_wal_size=1GB",
  "checkpoint_completion_target=0.9",
  "random_page_cost=1.1",
  "effective_io_concurrency=200",
  "wal_level=logical",
];
const PRESETS: Record<string, string[]> = {
  stack: [],
  micro: hosted("256MB", "768MB", "64MB", "3500kB", "7864kB"),
  small: hosted("512MB", "1536MB", "128MB", "5MB", "16MB"),
  medium: hosted("1GB", "3GB", "256MB", "7MB", "16MB"),
};
/**
 * HISTORY_SERVER: profiles separated by ";", each a preset name, NAME=VALUE,NAME=VALUE, or a preset then
 * settings (medium,full_page_writes=off); none: the stack as it is, no restart.
 */
const PROFILES: { label: string; settings: string[] | null }[] =
  (Deno.env.get("HISTORY_SERVER") ?? "") === ""
    ? [{ label: "stack", settings: null }]
    : Deno.env.get("HISTORY_SERVER")!.split(";").map((p) => {
      // a preset, NAME=VALUE settings, or a preset followed by settings that override it
      const label = p.trim();
      const [first, ...rest] = label.split(",").map((x) => x.trim());
      if (first in PRESETS) return { label, settings: [...PRESETS[first], ...rest] };
      if (!first.includes("=")) throw new Error(`unknown server profile ${first}`);
      return { label, settings: [first, ...rest] };
    });

const connect = () => postgres(dbUrl, { max: 8, prepare: false, onnotice: () => {} });
let sql = connect();

/** Postgres restarted with a profile's settings (bench/history/server.sh); prints what is in force. */
async function useServer(profile: { label: string; settings: string[] | null }): Promise<void> {
  if (profile.settings !== null) {
    await sql.end();
    const out = await new Deno.Command("bash", {
      args: [new URL("./server.sh", import.meta.url).pathname, ...profile.settings],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`server.sh ${profile.label}: ${new TextDecoder().decode(out.stderr)}`);
    }
    sql = connect();
  }
  const [{ s }] = await sql`
    select string_agg(name || '=' || current_setting(name), ', ' order by name) as s from pg_settings
    where name in ('shared_buffers', 'effective_cache_size', 'random_page_cost', 'work_mem', 'max_wal_size',
                   'checkpoint_timeout', 'checkpoint_completion_target', 'full_page_writes', 'wal_level')`;
  console.log(`server profile ${profile.label}: ${s}`);
}
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
  /** WAL records, full-page images and bytes the statement wrote. */
  walRecords: number;
  walFpi: number;
  walBytes: number;
  /** Per relation of the public and private schemas: blocks read from outside shared buffers, and hit. */
  relations: Map<string, { read: number; hit: number }>;
}

/** This backend's block counts of every relation in the public and private schemas, in this transaction. */
async function relationBlocks(
  conn: postgres.Sql,
): Promise<Map<string, { read: number; hit: number }>> {
  const rows = await conn<{ name: string; fetched: number; hit: number }[]>`
    select c.relname as name, pg_stat_get_xact_blocks_fetched(c.oid)::float8 as fetched,
           pg_stat_get_xact_blocks_hit(c.oid)::float8 as hit
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ('public', 'private') and c.relkind in ('r', 'i', 'm', 't')`;
  return new Map(rows.map((r) => [r.name, { read: r.fetched - r.hit, hit: r.hit }]));
}

/**
 * Shared buffers and WAL a post of the claim and of the outcome statements: the burst once more through
 * the two statements, each under EXPLAIN (ANALYZE, BUFFERS, WAL) (its counts include the statements the
 * functions run), in a transaction of its own that also reads its backend's block counts of each relation
 * before and after (which relations' pages it read from outside shared buffers). Not timed: it says where
 * the CPU goes (a buffer read is a page from outside shared_buffers; a full-page image is a page's first
 * change after a checkpoint, written whole to the WAL).
 */
async function buffersRound(): Promise<{ claim: Buffers; outcome: Buffers }> {
  await insertBurst();
  await settle();
  const zero = (): Buffers => ({
    hit: 0,
    read: 0,
    dirtied: 0,
    written: 0,
    walRecords: 0,
    walFpi: 0,
    walBytes: 0,
    relations: new Map(),
  });
  const claim = zero();
  const outcome = zero();
  const conn = await sql.reserve();
  // the statement under EXPLAIN in a transaction, with the backend's per-relation counts around it
  const measure = async <T>(into: Buffers, statement: () => Promise<T>): Promise<T> => {
    await conn`begin`;
    try {
      const before = await relationBlocks(conn);
      const result = await statement();
      const after = await relationBlocks(conn);
      for (const [name, a] of after) {
        const b = before.get(name) ?? { read: 0, hit: 0 };
        if (a.read === b.read && a.hit === b.hit) continue;
        const sum = into.relations.get(name) ?? { read: 0, hit: 0 };
        sum.read += a.read - b.read;
        sum.hit += a.hit - b.hit;
        into.relations.set(name, sum);
      }
      await conn`commit`;
      return result;
    } catch (e) {
      await conn`rollback`;
      throw e;
    }
  };
  const add = (into: Buffers, rows: Record<string, unknown>[]) => {
    const plan = (rows[0]["QUERY PLAN"] as { Plan: Record<string, number> }[])[0].Plan;
    into.hit += plan["Shared Hit Blocks"];
    into.read += plan["Shared Read Blocks"];
    into.dirtied += plan["Shared Dirtied Blocks"];
    into.written += plan["Shared Written Blocks"];
    into.walRecords += plan["WAL Records"];
    into.walFpi += plan["WAL FPI"];
    into.walBytes += plan["WAL Bytes"];
  };
  let recorded = 0;
  try {
    for (;;) {
      add(
        claim,
        await measure(claim, () =>
          conn`
          explain (analyze, buffers, wal, format json)
          select id, attempt_id from private.claim_due_distributions(${BATCH}, 120)`),
      );
      const rows = await conn<Claimed[]>`
        select id, attempt_id from public.distributions where title = 'burst' and status = 'publishing'`;
      if (rows.length === 0) break;
      const outcomes = publishedOutcomes(rows);
      add(
        outcome,
        await measure(outcome, () =>
          conn`
          explain (analyze, buffers, wal, format json)
          select count(*) from private.record_publish_outcomes(${jsonb(conn, outcomes)})`),
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
    walRecords: b.walRecords / POSTS,
    walFpi: b.walFpi / POSTS,
    walBytes: b.walBytes / POSTS,
    relations: new Map(
      [...b.relations].map(([name, r]) => [name, { read: r.read / POSTS, hit: r.hit / POSTS }]),
    ),
  });
  return { claim: perPost(claim), outcome: perPost(outcome) };
}

/** The previous round's burst while a phase keeps it (KEEP): its rows' ids. */
let kept: string[] = [];

/**
 * Every post of the burst published once (else the bench stops), then its rows deleted again (keeping:
 * the previous burst's rows deleted, this one's kept until the next round's is published).
 */
async function published(recorded: number): Promise<void> {
  const [{ n }] = await sql`
    select count(*)::int as n from public.distributions
    where title = 'burst' and status = 'published' and id <> all(${kept}::uuid[])`;
  if (n !== POSTS || recorded !== POSTS) {
    throw new Error(`the burst published ${n} of ${POSTS} (recorded ${recorded})`);
  }
  // the next round starts from the same history (and, keeping, this burst's published rows)
  if (keeping) {
    await sql`delete from public.distributions where id = any(${kept}::uuid[])`;
    kept = (await sql<{ id: string }[]>`select id from public.distributions where title = 'burst'`)
      .map((r) => r.id);
  } else {
    await sql`delete from public.distributions where title = 'burst'`;
  }
}

async function phase(label: string, keep: boolean): Promise<Round> {
  keeping = keep;
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
    } written, WAL ${fmt(b.walRecords, 1)} records, ${fmt(b.walFpi, 2)} full pages, ${
      fmt(b.walBytes)
    } bytes`;
  // the relations whose pages the statement read from outside shared buffers, most first
  const reads = (b: Buffers) =>
    [...b.relations].filter(([, r]) => r.read >= 0.01).sort((x, y) => y[1].read - x[1].read)
      .map(([name, r]) => `${name} ${fmt(r.read, 2)} (${fmt(r.hit, 1)} hit)`).join(", ") || "none";
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
  console.log(`${label.padEnd(8)} blocks read a post, by relation: claim: ${reads(buffers.claim)}`);
  console.log(
    `${label.padEnd(8)} blocks read a post, by relation: outcome: ${reads(buffers.outcome)}`,
  );
  await sql`delete from public.distributions where title = 'burst'`;
  kept = [];
  return result;
}

const ratio = (a: number, b: number) => fmt(a / Math.max(b, 1e-9), 2);
const ratios = (what: string, a: Round, b: Round) =>
  `${what}, Postgres CPU a post (target <= 1.2x): claim + outcome ${
    ratio(a.claimUs + a.outcomeUs, b.claimUs + b.outcomeUs)
  }x (claim ${ratio(a.claimUs, b.claimUs)}x, outcome ${
    ratio(a.outcomeUs, b.outcomeUs)
  }x); the whole publish run ${ratio(a.pgUs, b.pgUs)}x; duplicates ${a.duplicates + b.duplicates}`;

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
// The baselines: the empty database (under the first profile; under each without KEEP), and with KEEP a
// table holding one burst of published rows, under each profile.
let empty: Round | null = null;
const baselines: Round[] = [];
for (const [i, profile] of PROFILES.entries()) {
  await useServer(profile);
  if (!KEEP || i === 0) empty = await phase(`empty [${profile.label}]`, false);
  baselines.push(KEEP ? await phase(`one burst [${profile.label}]`, true) : empty!);
}
const t0 = performance.now();
await generate({ part: "history", future: FUTURE, published: PUBLISHED });
console.log(
  `generated ${fmt(FUTURE)} future and ${
    fmt(PUBLISHED)
  } published distributions (with their attempts) ` +
    `in ${fmt((performance.now() - t0) / 1000)} s`,
);
const histories: Round[] = [];
for (const profile of PROFILES) {
  await useServer(profile);
  histories.push(await phase(`history [${profile.label}]`, KEEP));
}
if (WITHOUT_INDEX !== "") {
  await sql`drop index public.${sql(WITHOUT_INDEX)}`;
  const profile = PROFILES[PROFILES.length - 1];
  const without = await phase(`without [${profile.label}]`, KEEP);
  console.log(
    ratios(`without ${WITHOUT_INDEX} [${profile.label}] / baseline`, without, baselines.at(-1)!),
  );
}
for (const [i, profile] of PROFILES.entries()) {
  console.log(
    ratios(
      `ratio history/${KEEP ? "one burst" : "empty"} [${profile.label}]`,
      histories[i],
      baselines[i],
    ),
  );
}
if (KEEP) console.log(ratios(`ratio history/empty [${PROFILES[0].label}]`, histories[0], empty!));
console.log("losses 0 (every burst published each post once, else the bench stops)");
await sql`alter table public.distributions reset (autovacuum_enabled)`;
await sql`alter table public.distribution_attempts reset (autovacuum_enabled)`;
await sql.end();
