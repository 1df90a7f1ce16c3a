// The publish run's fan-out at a hand-over, end to end through pg_net: a run stopped by its CPU budget
// wakes as many successors as the backlog needs at the posts it handled, only into the slots left under
// the cap on publish runs alive at once (PUBLISH_MAX_RUNS, 4 by default), and a crashed run's slot
// frees itself when its lease ends. Every row still goes out exactly once. A CPU cost a post far above
// the budget makes each run stop after its first claim whatever the machine's speed. Slots of "other
// runs" are written straight into private.publish_runs, as the live runs of other chains hold them.
import assert from "node:assert/strict";
import { connect, eventually, invokeService } from "../_support/stack.ts";
import { insertDue, resetQueue } from "../_support/queue.ts";
import { PLATFORM_IDS } from "../_support/seed.ts";
import { contentFor } from "../../dev/demo-content.ts";
import { emulatorFor } from "../_support/emulators.ts";

type Sql = ReturnType<typeof connect>;

const CAP = 4;
const TIGHT = {
  cpu_budget_ms: 1,
  exit_when_idle: true,
  budget_ms: 20_000,
  batch_size: 2,
  lanes: 1,
  cpu_ms_per_post: 100,
};

async function dueLinkedin(sql: Sql, n: number, marker: string): Promise<string[]> {
  const origin = emulatorFor("linkedin").origin;
  return await insertDue(
    sql,
    Array.from({ length: n }, (_, i) => ({
      platform_id: PLATFORM_IDS.linkedin,
      ...contentFor("linkedin", `${marker}-${i}`, origin),
      dueIn: -1,
    })),
  );
}

/** An empty queue, no publish run alive, a quiet LinkedIn emulator. */
async function fresh(sql: Sql) {
  await eventually(
    async () => {
      const [r] = await sql`select count(*)::int as n from private.publish_runs
        where started_at is not null and expires_at > now()`;
      return r.n === 0 ? true : undefined;
    },
    // a run's slot lasts its wall-clock budget (55 s by default) and 30 s more if it crashed
    100_000,
    "the earlier tests' runs to end",
  );
  await resetQueue(sql);
  await sql`delete from private.publish_runs`;
  await emulatorFor("linkedin").clearFaults();
  await emulatorFor("linkedin").clearRequests();
}

/** Slots held by runs of other chains (alive for five minutes unless expired). */
async function otherRuns(sql: Sql, n: number): Promise<string[]> {
  const rows = await sql`insert into private.publish_runs (generation, started_at, expires_at)
    select 0, now(), now() + interval '5 minutes' from generate_series(1, ${n}) returning id`;
  return rows.map((r) => String(r.id));
}

/** Waits for every row to be published, then checks each went out once, in one attempt. */
async function publishedOnce(sql: Sql, ids: string[], sample?: () => Promise<void>) {
  await eventually(
    async () => {
      await sample?.();
      const [r] = await sql`select count(*)::int as n from public.distributions
        where id = any(${ids}) and status = 'published'`;
      return r.n === ids.length ? true : undefined;
    },
    60_000,
    "the successors to publish every row",
  );
  const sent = await emulatorFor("linkedin").publishRequests();
  assert.equal(sent.length, ids.length, "each post sent once");
  const attempts = await sql`select distribution_id, count(*)::int as n
    from public.distribution_attempts where distribution_id = any(${ids})
    group by distribution_id`;
  assert.equal(attempts.length, ids.length);
  assert.ok(attempts.every((a) => a.n === 1), JSON.stringify(attempts));
}

/** The pg_net requests were queued and each successor answered 200. */
async function successorsAnswered(sql: Sql, requestIds: string[]) {
  await eventually(
    async () => {
      const rows = await sql`select id, status_code from net._http_response
        where id = any(${requestIds.map(Number)}::bigint[])`;
      if (rows.length < requestIds.length) return undefined;
      assert.ok(rows.every((r) => r.status_code === 200), JSON.stringify(rows));
      return true;
    },
    60_000,
    "every successor to answer",
  );
}

async function slotsLeft(sql: Sql): Promise<number> {
  const [r] = await sql`select count(*)::int as n from private.publish_runs`;
  return r.n;
}

Deno.test("publish fan-out: a large backlog wakes several successors at once, up to the cap", async () => {
  const sql = connect();
  try {
    await fresh(sql);
    const ids = await dueLinkedin(sql, 12, "fan-large");
    const reply = await invokeService("publish", TIGHT);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.stopped, "cpu_budget");
    assert.equal(reply.body.claimed, 2);
    const handover = reply.body.handover;
    assert.equal(handover.generation, 0);
    assert.equal(handover.backlog, 10, "ten rows due after the two it sent");
    assert.equal(handover.wanted, 5, "ten rows at two a run");
    assert.equal(handover.max_runs, CAP);
    assert.equal(handover.successors.length, CAP, "woken up to the cap");
    assert.equal(handover.held_back, "max_runs");
    assert.equal(reply.body.successor, handover.successors[0]);
    await publishedOnce(sql, ids);
    await successorsAnswered(sql, handover.successors);
    await eventually(async () => (await slotsLeft(sql)) === 0 ? true : undefined, 30_000, "slots");
  } finally {
    await sql.end();
  }
});

Deno.test("publish fan-out: a small backlog wakes one successor; nothing left wakes none", async () => {
  const sql = connect();
  try {
    await fresh(sql);
    const ids = await dueLinkedin(sql, 3, "fan-small");
    const one = await invokeService("publish", TIGHT);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.claimed, 2);
    assert.equal(one.body.handover.backlog, 1);
    assert.equal(one.body.handover.wanted, 1);
    assert.equal(one.body.handover.successors.length, 1);
    assert.equal(one.body.handover.held_back, undefined);
    await publishedOnce(sql, ids);
    await successorsAnswered(sql, one.body.handover.successors);

    await fresh(sql);
    const two = await dueLinkedin(sql, 2, "fan-none");
    const none = await invokeService("publish", TIGHT);
    assert.equal(none.status, 200, JSON.stringify(none.body));
    assert.equal(none.body.claimed, 2);
    assert.equal(none.body.stopped, "cpu_budget");
    assert.deepEqual(none.body.handover, {
      generation: 0,
      successor: null,
      successors: [],
      backlog: 0,
      wanted: 0,
      max_runs: CAP,
      held_back: "nothing_due",
    });
    assert.equal(none.body.successor, null);
    assert.equal(await slotsLeft(sql), 0, "the run freed its slot");
    await publishedOnce(sql, two);
  } finally {
    await sql.end();
  }
});

Deno.test("publish fan-out: successors are woken when a run's claims end, while its batch is still out", async () => {
  const sql = connect();
  try {
    await fresh(sql);
    await emulatorFor("x").clearFaults();
    // The run claims the two X posts (due first) and stops at its budget; X answers them after 10 s.
    // Its successors take the two LinkedIn posts, which LinkedIn answers at once.
    const xOrigin = emulatorFor("x").origin;
    const slow = await insertDue(
      sql,
      [0, 1].map((i) => ({
        platform_id: PLATFORM_IDS.x,
        ...contentFor("x", `fan-early-x-${i}`, xOrigin),
        dueIn: -120,
      })),
    );
    const fast = await dueLinkedin(sql, 2, "fan-early");
    await emulatorFor("x").addFault({ mode: "latency", latencyMs: 10_000 });
    const reply = await invokeService("publish", TIGHT);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.claimed, 2);
    assert.ok(reply.body.handover.successors.length >= 1, JSON.stringify(reply.body.handover));
    await publishedOnce(sql, fast);
    const rows = await sql`select id, status, published_at from public.distributions
      where id = any(${[...slow, ...fast]})`;
    const at = (ids: string[]) =>
      rows.filter((r) => ids.includes(String(r.id))).map((r) => r.published_at.getTime());
    assert.ok(rows.every((r) => r.status === "published"), JSON.stringify(rows));
    // woken after the run's batch was recorded, the successors would publish after its posts
    assert.ok(
      Math.max(...at(fast)) < Math.min(...at(slow)),
      `the successors' posts went out while the run's own were still being answered: ${
        JSON.stringify(rows)
      }`,
    );
  } finally {
    await emulatorFor("x").clearFaults();
    await sql.end();
  }
});

Deno.test("publish fan-out: beside other chains' runs only the slots left are woken, one at a time", async () => {
  const sql = connect();
  try {
    await fresh(sql);
    const others = await otherRuns(sql, CAP - 1);
    const ids = await dueLinkedin(sql, 12, "fan-overlap");
    const reply = await invokeService("publish", TIGHT);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.handover.wanted, 5);
    assert.equal(reply.body.handover.successors.length, 1, "its own slot is the only one left");
    assert.equal(reply.body.handover.held_back, "max_runs");
    // the chain goes on one run at a time: the runs alive never pass the cap
    let most = 0;
    const sample = async () => {
      const [r] = await sql`select count(*)::int as n from private.publish_runs
        where expires_at > now()`;
      most = Math.max(most, r.n);
    };
    await publishedOnce(sql, ids, sample);
    assert.ok(most <= CAP, `at most ${CAP} runs alive, saw ${most}`);
    await eventually(
      async () => (await slotsLeft(sql)) === others.length ? true : undefined,
      30_000,
      "the chain to end, leaving only the other runs' slots",
    );
    await sql`delete from private.publish_runs where id = any(${others}::uuid[])`;
  } finally {
    await sql.end();
  }
});

Deno.test("publish fan-out: with every slot held none is woken; a crashed run's slot expires", async () => {
  const sql = connect();
  try {
    await fresh(sql);
    const others = await otherRuns(sql, CAP);
    const ids = await dueLinkedin(sql, 6, "fan-full");
    const held = await invokeService("publish", TIGHT);
    assert.equal(held.status, 200, JSON.stringify(held.body));
    assert.equal(held.body.claimed, 2, "a direct call runs even with every slot held");
    assert.equal(held.body.handover.wanted, 2);
    assert.deepEqual(held.body.handover.successors, []);
    assert.equal(held.body.successor, null);
    assert.equal(held.body.handover.held_back, "max_runs");
    const [waiting] = await sql`select count(*)::int as n from public.distributions
      where id = any(${ids}) and status = 'scheduled'`;
    assert.equal(waiting.n, 4, "the rest waits for a slot");
    // the other runs crashed: their slots' leases end
    await sql`update private.publish_runs set expires_at = now() - interval '1 second'
      where id = any(${others}::uuid[])`;
    const freed = await invokeService("publish", TIGHT);
    assert.equal(freed.status, 200, JSON.stringify(freed.body));
    assert.equal(freed.body.handover.backlog, 2);
    assert.equal(freed.body.handover.successors.length, 1);
    assert.equal(freed.body.handover.held_back, undefined);
    await publishedOnce(sql, ids);
    await eventually(async () => (await slotsLeft(sql)) === 0 ? true : undefined, 30_000, "slots");
  } finally {
    await sql.end();
  }
});

Deno.test("publish fan-out: overlapping chains publish every row once; woken runs never pass the cap", async () => {
  const sql = connect();
  try {
    await fresh(sql);
    const ids = await dueLinkedin(sql, 24, "fan-chains");
    let most = 0;
    const sample = async () => {
      const [r] = await sql`select count(*)::int as n from private.publish_runs
        where woken_by is not null and expires_at > now()`;
      most = Math.max(most, r.n);
    };
    const replies = await Promise.all([1, 2, 3].map(() => invokeService("publish", TIGHT)));
    for (const reply of replies) {
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.ok(reply.body.handover.successors.length <= CAP, JSON.stringify(reply.body.handover));
    }
    await publishedOnce(sql, ids, sample);
    assert.ok(most <= CAP, `at most ${CAP} woken runs alive, saw ${most}`);
    await eventually(async () => (await slotsLeft(sql)) === 0 ? true : undefined, 30_000, "slots");
  } finally {
    await sql.end();
  }
});

Deno.test("publish: invalid and hostile request fields answer 400 naming the field", async () => {
  const sql = connect();
  try {
    await fresh(sql);
    for (
      const [body, field] of [
        [{ run: "not-a-uuid" }, "run"],
        [{ run: 7 }, "run"],
        [{ handover: -1 }, "handover"],
        [{ handover: 1.5 }, "handover"],
        [{ max_runs: 100 }, "max_runs"],
      ] as const
    ) {
      const reply = await invokeService("publish", body);
      assert.equal(reply.status, 400, JSON.stringify(reply.body));
      assert.deepEqual(
        reply.body.details.map((d: { field: string }) => d.field),
        [field],
        JSON.stringify(body),
      );
    }
    // Another run's live slot named as this run's: not taken; the run holds a slot of its own.
    const [other] = await otherRuns(sql, 1);
    const reply = await invokeService("publish", { run: other, exit_when_idle: true });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.stopped, "drained");
    const slots = await sql`select id::text from private.publish_runs`;
    assert.deepEqual(
      slots.map((s) => s.id),
      [other],
      "the other run's slot stays, its own is freed",
    );
    await sql`delete from private.publish_runs where id = ${other}::uuid`;
  } finally {
    await sql.end();
  }
});
