// bench/burst: N posts due at the same minute across N platforms of C clients, published the
// production way (pg_cron -> pg_net -> the publish function on the local functions host with the
// hosted limits on), the platforms answering in latency +- jitter with a share of transient 503s. Run
// with `bash bench/burst/run.sh` (it builds the stack first). Reports, from one run:
//   completion time; posts/s against the concurrency bound (sends in flight allowed / mean latency);
//   p50/p99 lateness (published_at - scheduled_for); CPU per invocation against the hosted 2 s (max,
//   p99; and the replies the host cut off: 546 CPU/memory, 504 wall clock); invocations; duplicates
//   (a post the platform accepted twice); losses (rows not published); the CPU a post by process.
import postgres from "postgres";
import { emulatorFor } from "../../tests/_support/emulators.ts";
import { insertPosts, KINDS, seedPlatforms } from "./seed.ts";
import { cpuSnapshot, cpuUse, perPost } from "../publish/cpu.ts";

const env = (name: string) => {
  const value = Deno.env.get(name);
  if (value === undefined || value === "") {
    throw new Error(`${name} is not set (run bench/burst/run.sh)`);
  }
  return value;
};
const LATENCY_MS = Number(env("BURST_LATENCY_MS"));
const JITTER_MS = Number(env("BURST_JITTER_MS"));
const ERRORS = Number(env("BURST_ERRORS"));
const SPREAD_S = Number(env("BURST_SPREAD_S"));
const POSTS = Number(env("BURST_POSTS"));
const CLIENTS = Number(env("BURST_CLIENTS"));
const stateDir = env("BENCH_STATE");
// run.sh --statements: pg_stat_statements is loaded (track = all); the burst's statements are reported.
const STATEMENTS = Deno.env.get("BURST_STATEMENTS") === "1";
const TIMELINE = Deno.env.get("BURST_TIMELINE") === "1";
// The hosted limits the host enforces (dev/functions-limits.ts HOSTED_LIMITS; run.sh keeps them on).
const HOSTED_CPU_MS = 2000;
const HOSTED_WALL_MS = 150_000;

const sql = postgres(env("SUPABASE_DB_URL"), { max: 4, prepare: false, onnotice: () => {} });
const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

// 1. Clients and platforms: C clients, N platforms (N / C each), each a copy of the demo platform of
// its kind with its own credentials in Vault, no posting limits (each publishes one post here).
const seedStarted = performance.now();
await seedPlatforms(sql, POSTS, CLIENTS);

// 2. The platforms' behaviour: latency +- jitter on every request, a share of them answered 503 first.
for (const kind of KINDS) {
  const emulator = emulatorFor(kind);
  await emulator.clearFaults();
  await emulator.clearRequests();
  await emulator.addFault([
    ...(ERRORS > 0 ? [{ mode: "5xx" as const, status: 503, probability: ERRORS }] : []),
    ...(LATENCY_MS > 0
      ? [{ mode: "latency" as const, latencyMs: LATENCY_MS, jitterMs: JITTER_MS }]
      : []),
  ]);
}

// 3. The posts: one a platform, due at the first minute at least 20 s after they are written (the
// publish job's cron tick), spread evenly over SPREAD_S seconds from it.
const [{ at }] = await sql<{ at: Date }[]>`
  select date_trunc('minute', now() + interval '80 seconds') as at`;
const due = at.getTime();
await insertPosts(sql, at, SPREAD_S, POSTS);
await sql`vacuum analyze public.distributions`;
await sql`vacuum analyze public.platforms`;
await sql`checkpoint`;
const [{ n: written }] = await sql<{ n: number }[]>`
  select count(*)::int as n from public.distributions where scheduled_for >= ${at}`;
if (written !== POSTS) throw new Error(`wrote ${written} posts, not ${POSTS}`);
const [{ id: firstRequest }] = await sql<{ id: string }[]>`
  select coalesce(max(id), 0)::text as id from net._http_response`;
const seedSeconds = (performance.now() - seedStarted) / 1000;
const untilDue = due - Date.now();
if (untilDue < 5_000) {
  throw new Error(`seeding took ${fmt(seedSeconds)} s: the posts fell due before it ended`);
}
console.log(
  `bench/burst: ${fmt(POSTS)} posts on ${fmt(POSTS)} platforms (${KINDS.join(", ")}) of ${
    fmt(CLIENTS)
  } ` +
    `clients, due at ${at.toISOString()}${
      SPREAD_S > 0 ? ` + 0..${SPREAD_S} s` : ""
    }; platforms answer in ` +
    `${LATENCY_MS} ms +- ${JITTER_MS} ms, ${fmt(ERRORS * 100, 1)}% 503s (seeded in ${
      fmt(seedSeconds)
    } s)`,
);
await sleep(Math.max(0, untilDue - 2_000));
if (STATEMENTS) await sql`select pg_stat_statements_reset()`;

// 4. The burst: from the cron tick at the due minute until every row is published or failed.
// The functions host logs a line for each worker it starts: where the burst's lines begin.
const functionsLog = `${stateDir}/logs/functions.log`;
const logFrom = Deno.statSync(functionsLog).size;
const cpuBefore = cpuSnapshot(stateDir);
const cpuFrom = performance.now();
const deadline = due + SPREAD_S * 1000 + 600_000;
let settled = 0;
// The publish runs alive at once (private.publish_runs: running, or woken and not yet started), where
// the schema keeps them.
const [{ tracked }] = await sql<{ tracked: boolean }[]>`
  select to_regclass('private.publish_runs') is not null as tracked`;
let peakRuns = 0;
// CPU snapshots through the burst, a second apart: the first pass's CPU is read from them.
const snapshots: { at: number; snapshot: ReturnType<typeof cpuSnapshot> }[] = [];
for (let look = 0;; look++) {
  if (look % 4 === 0) snapshots.push({ at: Date.now(), snapshot: cpuSnapshot(stateDir) });
  // The rows not yet published or failed, read from a partial index of the unsettled rows: a look at
  // the burst's 10,000 rows 4 times a second would be Postgres CPU the bench adds to the burst's.
  const [row] = await sql<{ open: number }[]>`
    select count(*)::int as open from public.distributions
     where status in ('scheduled', 'publishing', 'unconfirmed', 'pending_approval')
       and scheduled_for >= ${at}`;
  settled = POSTS - row.open;
  if (tracked) {
    const [runs] = await sql<{ n: number }[]>`
      select count(*)::int as n from private.publish_runs where expires_at > now()`;
    peakRuns = Math.max(peakRuns, runs.n);
  }
  if (settled >= POSTS || Date.now() > deadline) break;
  await sleep(250);
}
const cpu = cpuUse(cpuBefore, cpuSnapshot(stateDir));
const cpuWindowS = (performance.now() - cpuFrom) / 1000;
// No more cron ticks; wait for every invocation pg_net made to answer (a run idles to its wall budget).
await sql`update cron.job set active = false`;
const [{ last }] = await sql<{ last: string }[]>`
  select last_value::text as last from net.http_request_queue_id_seq`;
for (let i = 0; i < 200; i++) {
  const [{ open }] = await sql<{ open: number }[]>`
    select (${last}::bigint - ${firstRequest}::bigint - count(*))::int as open
      from net._http_response where id > ${firstRequest}::bigint and id <= ${last}::bigint`;
  if (open <= 0) break;
  await sleep(1_000);
}

// 5. What happened.
const [lateness] = await sql<
  {
    published: number;
    failed: number;
    other: number;
    p50: number;
    p99: number;
    max: number;
    first: Date;
    last: Date;
    first_pass: number;
    first_pass_last: Date;
  }[]
>`
  select count(*) filter (where status = 'published')::int as published,
         count(*) filter (where status = 'failed')::int as failed,
         count(*) filter (where status not in ('published', 'failed'))::int as other,
         percentile_cont(0.5) within group (order by extract(epoch from published_at - scheduled_for))
           as p50,
         percentile_cont(0.99) within group (order by extract(epoch from published_at - scheduled_for))
           as p99,
         max(extract(epoch from published_at - scheduled_for)) as max,
         min(published_at) as first, max(published_at) as last,
         count(*) filter (where status = 'published' and retry_count = 0)::int as first_pass,
         max(published_at) filter (where retry_count = 0) as first_pass_last
    from public.distributions where scheduled_for >= ${at}`;
const [attempts] = await sql<{ attempts: number; transient: number; retried: number }[]>`
  select count(*)::int as attempts,
         count(*) filter (where a.outcome = 'transient')::int as transient,
         count(distinct a.distribution_id) filter (where a.outcome = 'transient')::int as retried
    from public.distribution_attempts a
    join public.distributions d on d.id = a.distribution_id
   where d.scheduled_for >= ${at}`;
interface Reply {
  claimed?: number;
  stopped?: string;
  durationMs?: number;
  cpu?: { clock: string; used_ms: number } | null;
  handover?: { generation: number; successor: string | null; successors?: string[] };
  peakInFlight?: number;
  maxInFlight?: number;
}
const responses = await sql<
  { status_code: number | null; content: string | null; error_msg: string | null; created: Date }[]
>`
  select status_code, content, error_msg, created from net._http_response
   where id > ${firstRequest}::bigint order by id`;
const replies: (Reply & { answeredAt: number })[] = [];
const cutOff: Record<string, number> = {};
for (const r of responses) {
  if (r.status_code === 200 && r.content) {
    replies.push({ ...JSON.parse(r.content), answeredAt: r.created.getTime() });
  } else {cutOff[String(r.status_code ?? r.error_msg)] =
      (cutOff[String(r.status_code ?? r.error_msg)] ?? 0) + 1;}
}
const working = replies.filter((r) => (r.claimed ?? 0) > 0);
const cpuMs = working.map((r) => r.cpu?.used_ms ?? 0).sort((a, b) => a - b);
const wallMs = working.map((r) => r.durationMs ?? 0).sort((a, b) => a - b);
const allowed = Math.max(0, ...working.map((r) => r.maxInFlight ?? 0));
const peak = Math.max(0, ...working.map((r) => r.peakInFlight ?? 0));
const stops: Record<string, number> = {};
for (const r of working) stops[r.stopped ?? "?"] = (stops[r.stopped ?? "?"] ?? 0) + 1;

// Duplicates: a post body a platform accepted (answered 2xx to its publish request) more than once.
const PUBLISH: Record<string, RegExp> = {
  x: /^\/2\/tweets$/,
  linkedin: /^\/rest\/posts$/,
  wordpress: /^\/wp-json\/wp\/v2\/posts$/,
};
let duplicates = 0;
let accepted = 0;
let requests = 0;
for (const kind of KINDS) {
  const emulator = emulatorFor(kind);
  const received = await emulator.requests();
  requests += received.length;
  const bodies = new Map<string, number>();
  for (const r of received) {
    if (r.method !== "POST" || !PUBLISH[kind].test(r.path) || !r.status || r.status >= 300) {
      continue;
    }
    const key = JSON.stringify(r.body);
    bodies.set(key, (bodies.get(key) ?? 0) + 1);
    accepted++;
  }
  for (const n of bodies.values()) duplicates += Math.max(0, n - 1);
  await emulator.clearFaults();
}

const completionS = (lateness.last.getTime() - due) / 1000;
// Throughput over the first pass (the posts published at their first attempt, from the due minute to
// the last of them): the retries of the 503s wait out their backoff, which no sending rate shortens.
const firstPassS = (lateness.first_pass_last.getTime() - due) / 1000;
const postsPerS = lateness.first_pass / Math.max(firstPassS, 1e-9);
// The platforms' mean latency (the emulators' latency; the jitter is symmetric around it), and the
// requests a post needs (each waits it).
const requestsPerPost = requests / POSTS;
const meanLatencyS = (LATENCY_MS * requestsPerPost) / 1000;
const bound = allowed / Math.max(meanLatencyS, 1e-9);
const losses = POSTS - lateness.published;
// What this machine's CPU allows: its cores over the CPU a post costs the stack (Postgres, the functions
// host, the emulators standing in for the platforms) in this run.
const cores = navigator.hardwareConcurrency;
const stackCpuS = cpu.seconds.postgres + cpu.seconds.functions + cpu.seconds.emulators;
const cpuBound = cores / Math.max(stackCpuS / Math.max(lateness.published, 1), 1e-9);
// The first pass (from the due minute to the last post published at its first attempt): the cores the
// stack got, and the throughput that CPU allows at the stack's CPU a post in it.
const firstPassEnd = lateness.first_pass_last.getTime();
const inPass = snapshots.filter((s) => s.at <= firstPassEnd + 500);
const passFrom = snapshots.filter((s) => s.at <= due).at(-1) ?? snapshots[0];
const passTo = inPass.at(-1) ?? snapshots[0];
const passCpu = cpuUse(passFrom.snapshot, passTo.snapshot);
const passS = Math.max((passTo.at - passFrom.at) / 1000, 1e-9);
const passStackS = passCpu.seconds.postgres + passCpu.seconds.functions + passCpu.seconds.emulators;
const passCores = passStackS / passS;
// Workers the host started for the burst, and the CPU their start-up took (none of it a run's).
const boots = [
  ...new TextDecoder().decode(Deno.readFileSync(functionsLog).subarray(logFrom))
    .matchAll(/worker \d+ ready, boot CPU (\d+) ms/g),
].map((m) => Number(m[1]));
const bootCpuMs = boots.reduce((a, b) => a + b, 0);
const wakes = replies.map((r) => r.handover?.successors?.length ?? (r.handover?.successor ? 1 : 0));
console.log(
  `completion    ${fmt(completionS, 1)} s from the due minute to the last post published ` +
    `(first published ${fmt((lateness.first.getTime() - due) / 1000, 2)} s after it)`,
);
console.log(
  `throughput    ${fmt(postsPerS)} posts/s (${fmt(lateness.first_pass)} posts published at their ` +
    `first attempt in ${fmt(firstPassS, 1)} s) = ${
      fmt(postsPerS / bound, 2)
    }x the concurrency bound ` +
    `(${fmt(allowed)} sends in flight allowed a run / ${fmt(meanLatencyS * 1000)} ms a post = ` +
    `${fmt(bound)} posts/s); peak ${fmt(peak)} in flight in one run; ` +
    `${fmt(requestsPerPost, 2)} platform requests a post`,
);
console.log(
  `CPU bound     ${fmt(cpuBound)} posts/s (${cores} cores / ${
    fmt((stackCpuS * 1e6) / Math.max(lateness.published, 1))
  } µs of Postgres, functions and emulators CPU a post) = throughput ${
    fmt(postsPerS / cpuBound, 2)
  }x it; the stack used ${fmt(stackCpuS / cpuWindowS, 2)} of ${cores} cores on average over the ${
    fmt(cpuWindowS, 1)
  } s burst; ${
    tracked ? `peak ${peakRuns} publish runs alive at once` : "publish runs not tracked"
  }` +
    `, ${fmt(allowed * Math.max(peakRuns, 1))} sends in flight allowed across them`,
);
console.log(
  `first pass    the stack got ${fmt(passCores, 2)} of ${cores} cores (Postgres ${
    fmt(passCpu.seconds.postgres / passS, 2)
  }, functions ${fmt(passCpu.seconds.functions / passS, 2)}, emulators ${
    fmt(passCpu.seconds.emulators / passS, 2)
  }; other processes ${fmt(passCpu.seconds.other / passS, 2)}; machine idle ${
    fmt(passCpu.idleShare * 100)
  }%, ${fmt(passS, 1)} s read)`,
);
console.log(
  `lateness      p50 ${fmt(lateness.p50, 2)} s, p99 ${fmt(lateness.p99, 2)} s, max ${
    fmt(lateness.max, 2)
  } s ` +
    `(${fmt(attempts.retried)} posts retried after a 503: ${
      fmt(attempts.transient)
    } transient attempts ` +
    `of ${fmt(attempts.attempts)})`,
);
console.log(
  `invocations   ${working.length} publish runs took posts (${replies.length} answered 200 in all; ` +
    `cut off by the host: ${JSON.stringify(cutOff)}); stopped ${JSON.stringify(stops)}; ` +
    `successors woken ${wakes.reduce((a, b) => a + b, 0)}, most at one hand-over ${
      Math.max(0, ...wakes)
    }`,
);
console.log(
  `CPU a run     max ${fmt(cpuMs.at(-1) ?? 0)} ms, p99 ${fmt(percentile(cpuMs, 0.99))} ms, ` +
    `p50 ${fmt(percentile(cpuMs, 0.5))} ms (${
      working[0]?.cpu?.clock ?? "?"
    } clock) against the hosted ` +
    `${HOSTED_CPU_MS} ms = ${fmt((cpuMs.at(-1) ?? 0) / HOSTED_CPU_MS, 2)}x; wall max ` +
    `${fmt((wallMs.at(-1) ?? 0) / 1000, 1)} s against ${HOSTED_WALL_MS / 1000} s`,
);
console.log(`CPU           ${perPost(cpu, lateness.published)}`);
console.log(
  `workers       ${boots.length} functions workers started, ${
    fmt(bootCpuMs)
  } ms of CPU booting them = ${
    fmt((bootCpuMs * 1000) / Math.max(lateness.published, 1))
  } µs a post of the functions' CPU`,
);
console.log(
  `correctness   duplicates ${duplicates} (posts accepted ${accepted}), losses ${losses} ` +
    `(failed ${lateness.failed}, not settled ${lateness.other})`,
);
if (TIMELINE) {
  // Second by second from the due minute until the first pass ends: posts published, publish runs
  // working (a run from its start, its answer's time less its duration, to its answer), and the cores
  // the stack used (read from the snapshots about a second apart).
  const published = await sql<{ second: number; n: number }[]>`
    select floor(extract(epoch from published_at - ${at}::timestamptz))::int as second, count(*)::int as n
      from public.distributions where scheduled_for >= ${at} and status = 'published'
     group by 1 order by 1`;
  const bySecond = new Map(published.map((p) => [p.second, p.n]));
  const seconds = Math.ceil((firstPassEnd - due) / 1000) + 1;
  console.log(
    "timeline      second: posts published, runs working, stack cores (Postgres/functions/emulators)",
  );
  for (let t = 0; t < seconds; t++) {
    const from = due + t * 1000;
    const runs = working.filter((r) =>
      r.answeredAt - (r.durationMs ?? 0) < from + 1000 && r.answeredAt > from
    ).length;
    const a = snapshots.filter((s) => s.at <= from).at(-1);
    const b = snapshots.find((s) => s.at >= from + 1000);
    let cores = "";
    if (a && b) {
      const use = cpuUse(a.snapshot, b.snapshot);
      const span = (b.at - a.at) / 1000;
      cores = `${
        fmt((use.seconds.postgres + use.seconds.functions + use.seconds.emulators) / span, 2)
      } (${fmt(use.seconds.postgres / span, 2)}/${fmt(use.seconds.functions / span, 2)}/${
        fmt(use.seconds.emulators / span, 2)
      })`;
    }
    console.log(
      `  ${String(t).padStart(3)} s ${fmt(bySecond.get(t) ?? 0).padStart(6)} ${
        String(runs).padStart(3)
      }  ${cores}`,
    );
  }
}
if (STATEMENTS) {
  // Execution time (wall, on a shared machine) by statement over the burst, a statement inside a
  // function or trigger counted both alone and within its caller (toplevel: called by a client).
  const statements = await sql<
    { query: string; calls: number; rows: number; ms: number; toplevel: boolean }[]
  >`
    select regexp_replace(left(query, 110), '[[:space:]]+', ' ', 'g') as query, calls::int, rows::int,
           total_exec_time as ms, toplevel
      from pg_stat_statements
     order by total_exec_time desc limit 30`;
  const [{ total }] = await sql<{ total: number }[]>`
    select coalesce(sum(total_exec_time), 0) as total from pg_stat_statements where toplevel`;
  console.log(
    `statements    ${fmt(total)} ms of top-level statement time in all = ${
      fmt((total * 1000) / Math.max(lateness.published, 1))
    } µs a post; by statement (ms, calls, rows, µs a post, top-level or nested):`,
  );
  for (const s of statements) {
    console.log(
      `  ${fmt(s.ms).padStart(8)} ms ${fmt(s.calls).padStart(7)} calls ${
        fmt(s.rows).padStart(7)
      } rows ${fmt((s.ms * 1000) / Math.max(lateness.published, 1)).padStart(6)} µs ${
        s.toplevel ? "top" : "nested"
      }  ${s.query}`,
    );
  }
}
await sql.end();
