// One statement that marks many generated_content rows ready wakes the processor once (one pg_net
// request), and every row still gets its durable request and is scheduled.
import assert from "node:assert/strict";
import { connect, eventually } from "../_support/stack.ts";
import { createTenant, LONG_BODY } from "../scheduling/helpers.ts";

const WAKE_URL = "%/functions/v1/process-distribution-requests";

Deno.test("retention: one UPDATE marking 50 rows ready queues one wake-up and all 50 are scheduled", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const ids = (await sql`
      insert into public.generated_content (client_id, title, content, metadata, target_platform_ids)
      select ${t.clientId}, 'Batch ' || i, ${LONG_BODY},
             ${sql.json({ keywords: ["budgeting"], canonical_url: "https://demo.local/batch" })},
             array[${t.platforms[0]}]::uuid[]
      from generate_series(1, 50) i
      returning id`).map((r) => String(r.id));
    assert.equal(ids.length, 50);

    // Repeatable read: the count sees this transaction's rows and nothing another one commits meanwhile
    // (the cron sweep wakes the same function).
    const wakes = await sql.begin("isolation level repeatable read", async (tx) => {
      const [before] = await tx`select coalesce(max(id), 0) as id from net.http_request_queue`;
      const updated = await tx`update public.generated_content set status = 'ready_for_distribution'
                                where id = any (${ids}::uuid[]) returning id`;
      assert.equal(updated.length, 50);
      // Inside the transaction nothing is sent yet (pg_net and its stand-in send after commit): the
      // rows this statement queued are all there.
      const [queued] = await tx`select count(*)::int as n from net.http_request_queue
                                 where id > ${before.id} and url like ${WAKE_URL}`;
      const [requests] = await tx`select count(*)::int as n from public.distribution_requests
                                   where content_id = any (${ids}::uuid[]) and status = 'pending'`;
      return { queued: queued.n, requests: requests.n };
    });
    assert.equal(wakes.queued, 1, "one wake-up for the statement");
    assert.equal(wakes.requests, 50, "one durable request per row");

    const done = await eventually(
      async () => {
        const rows = await sql`select status from public.distribution_requests
                                where content_id = any (${ids}::uuid[])`;
        return rows.length === 50 && rows.every((r) => r.status === "done") ? rows : undefined;
      },
      60_000,
      "all 50 requests to be processed",
    );
    assert.equal(done.length, 50);
    const [scheduled] = await sql`select count(*)::int as n from public.distributions
                                   where content_id = any (${ids}::uuid[]) and status = 'scheduled'`;
    assert.equal(scheduled.n, 50);
  } finally {
    await sql.end();
  }
});

Deno.test("retention: a statement that marks nothing ready queues no wake-up", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const [row] = await sql`
      insert into public.generated_content (client_id, title, content, target_platform_ids)
      values (${t.clientId}, 'Draft', ${LONG_BODY}, array[${t.platforms[0]}]::uuid[])
      returning id`;
    const queued = await sql.begin("isolation level repeatable read", async (tx) => {
      const [before] = await tx`select coalesce(max(id), 0) as id from net.http_request_queue`;
      await tx`update public.generated_content set title = 'Renamed' where id = ${row.id}`;
      const [n] = await tx`select count(*)::int as n from net.http_request_queue
                            where id > ${before.id} and url like ${WAKE_URL}`;
      return n.n;
    });
    assert.equal(queued, 0);
    const requests =
      await sql`select 1 from public.distribution_requests where content_id = ${row.id}`;
    assert.equal(requests.length, 0);
  } finally {
    await sql.end();
  }
});
