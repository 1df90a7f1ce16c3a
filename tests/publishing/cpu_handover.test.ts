// CPU budgets end to end: the publish, metrics and webhook runs, given a CPU budget far smaller than
// their backlog needs, stop claiming, finish what they hold, and hand the rest to successors woken
// through pg_net (the cron job's path); in the end every row is handled exactly once. A CPU cost a
// unit far above the budget makes each run stop after its first claim whatever the machine's speed.
// The test of the hand-over bound comes first: it leaves no chain of runs behind.
import assert from "node:assert/strict";
import { connect, eventually, invokeService } from "../_support/stack.ts";
import { insertDue, resetQueue } from "../_support/queue.ts";
import { DEMO_CLIENT, PLATFORM_IDS } from "../_support/seed.ts";
import { contentFor } from "../../dev/demo-content.ts";
import { emulatorFor } from "../_support/emulators.ts";

type Sql = ReturnType<typeof connect>;

async function dueLinkedin(sql: Sql, marker: string) {
  const content = contentFor("linkedin", marker, emulatorFor("linkedin").origin);
  const [id] = await insertDue(sql, [{
    platform_id: PLATFORM_IDS.linkedin,
    ...content,
    dueIn: -1,
  }]);
  return id;
}

async function freshLinkedin() {
  await emulatorFor("linkedin").clearFaults();
  await emulatorFor("linkedin").clearRequests();
}

async function publishedCount(sql: Sql, ids: string[]) {
  const [r] = await sql`select count(*)::int as n from public.distributions
    where id = any(${ids}) and status = 'published'`;
  return r.n as number;
}

const TIGHT = { cpu_budget_ms: 1, exit_when_idle: true, budget_ms: 20_000 };

Deno.test("publish: past the hand-over bound no successor is woken; the rows wait, none lost", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    await freshLinkedin();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await dueLinkedin(sql, `bound-${i}`));
    // a run 20 hand-overs down its chain (the default bound)
    const reply = await invokeService("publish", {
      ...TIGHT,
      batch_size: 2,
      lanes: 1,
      cpu_ms_per_post: 100,
      handover: 20,
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const last = reply.body;
    assert.equal(last.stopped, "cpu_budget");
    assert.equal(last.claimed, 2);
    assert.deepEqual(last.handover, {
      generation: 20,
      successor: null,
      successors: [],
      backlog: 2,
      wanted: 1,
      max_runs: 4,
      held_back: "limit",
    });
    const waiting = await sql`select status from public.distributions
      where id = any(${ids}) and status = 'scheduled'`;
    assert.equal(waiting.length, 2, "the rest waits for the next cron tick");
    // the next tick's run (generation 0, the default budget) publishes them
    const next = await invokeService("publish", { exit_when_idle: true, budget_ms: 20_000 });
    assert.equal(next.body.stopped, "drained");
    assert.equal(await publishedCount(sql, ids), 4);
    assert.equal((await emulatorFor("linkedin").publishRequests()).length, 4);
  } finally {
    await sql.end();
  }
});

Deno.test("publish: a run past its CPU budget hands over; every row goes out once", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    await freshLinkedin();
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) ids.push(await dueLinkedin(sql, `cpu-${i}`));
    const reply = await invokeService("publish", {
      ...TIGHT,
      batch_size: 3,
      lanes: 1,
      cpu_ms_per_post: 100,
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const first = reply.body;
    assert.equal(first.stopped, "cpu_budget", JSON.stringify(first));
    assert.equal(first.claimed, 3, "the first claim goes; none after it");
    assert.equal(first.recorded, 3, "what it held is recorded before it answers");
    assert.equal(first.cpu.budget_ms, 1);
    assert.ok(["thread", "process"].includes(first.cpu.clock), first.cpu.clock);
    assert.equal(first.handover.generation, 0);
    assert.ok(first.handover.successor, "a successor was woken through pg_net");
    assert.equal(first.successor, first.handover.successor);
    await eventually(
      async () => (await publishedCount(sql, ids)) === 9 ? true : undefined,
      30_000,
      "the successors to publish the rest",
    );
    const sent = await emulatorFor("linkedin").publishRequests();
    assert.equal(sent.length, 9, "each post sent once");
    const attempts = await sql`select distribution_id, count(*)::int as n
      from public.distribution_attempts where distribution_id = any(${ids})
      group by distribution_id`;
    assert.equal(attempts.length, 9);
    assert.ok(attempts.every((a) => a.n === 1), JSON.stringify(attempts));
  } finally {
    await sql.end();
  }
});

Deno.test("deliver-webhooks: a run past its CPU budget hands over; each delivery arrives once", async () => {
  const sql = connect();
  const seen: string[] = [];
  const receiver = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    seen.push(req.headers.get("x-webhook-id") ?? "");
    await req.text();
    return new Response(null, { status: 204 });
  });
  try {
    await resetQueue(sql);
    const [endpoint] = await sql`insert into public.webhook_endpoints (client_id, url)
      values (${DEMO_CLIENT}, ${`http://127.0.0.1:${receiver.addr.port}/hook`}) returning id`;
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const [row] = await sql`insert into public.webhook_deliveries
        (client_id, endpoint_id, event, payload)
        values (${DEMO_CLIENT}, ${endpoint.id}, 'distribution.published',
                ${sql.json({ event: "distribution.published", n: i })}) returning id`;
      ids.push(String(row.id));
    }
    const reply = await invokeService("deliver-webhooks", {
      batch_size: 2,
      cpu_budget_ms: 1,
      cpu_ms_per_delivery: 100,
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const first = reply.body;
    assert.equal(first.stopped, "cpu_budget", JSON.stringify(first));
    assert.equal(first.delivered, 2);
    assert.ok(first.handover.successor, "a successor was woken through pg_net");
    await eventually(
      async () => {
        const [r] = await sql`select count(*)::int as n from public.webhook_deliveries
          where id = any(${ids}) and status = 'delivered'`;
        return r.n === 8 ? true : undefined;
      },
      30_000,
      "the successors to deliver the rest",
    );
    assert.equal(seen.length, 8, "each delivery sent once");
    assert.deepEqual([...new Set(seen)].sort(), [...ids].sort());
    const attempts = await sql`select attempts from public.webhook_deliveries
      where id = any(${ids})`;
    assert.ok(attempts.every((a) => a.attempts === 1), JSON.stringify(attempts));
  } finally {
    await receiver.shutdown();
    await sql.end();
  }
});

Deno.test("metrics: a sync past its CPU budget hands over; each due post is read once", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    await freshLinkedin();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await dueLinkedin(sql, `cpu-metrics-${i}`));
    await invokeService("publish", { exit_when_idle: true, budget_ms: 20_000 });
    assert.equal(await publishedCount(sql, ids), 6);
    await sql`update public.distributions set metrics_next_sync_at = now() - interval '1 second'
      where id = any(${ids})`;
    const reply = await invokeService("metrics", {
      budget_ms: 20_000,
      batch_size: 2,
      cpu_budget_ms: 1,
      cpu_ms_per_read: 100,
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const first = reply.body;
    assert.equal(first.stopped, "cpu_budget", JSON.stringify(first));
    assert.equal(first.claimed, 2);
    assert.ok(first.handover.successor, "a successor was woken through pg_net");
    await eventually(
      async () => {
        const [r] = await sql`select count(*)::int as n from public.distributions
          where id = any(${ids}) and metrics_synced_at is not null`;
        return r.n === 6 ? true : undefined;
      },
      30_000,
      "the successors to read the rest",
    );
    const snapshots = await sql`select distribution_id, count(*)::int as n
      from public.distribution_metrics where distribution_id = any(${ids})
      group by distribution_id`;
    assert.equal(snapshots.length, 6);
    assert.ok(snapshots.every((s) => s.n === 1), JSON.stringify(snapshots));
  } finally {
    await sql.end();
  }
});
