// One client cannot starve another's metrics reads: through the metrics function (as pg_cron calls
// it), a client with 200 overdue X posts and one with 3 share X's app-wide read budget, and the
// small client's reads happen in the same run.
import assert from "node:assert/strict";
import { connect } from "../_support/stack.ts";
import { resetQueue } from "../_support/queue.ts";
import { DEMO_CLIENT, PLATFORM_IDS } from "../_support/seed.ts";
import { createTenant } from "../scheduling/helpers.ts";
import { insertPublished, invokeService } from "../metrics/helpers.ts";

Deno.test("retention: a client with 200 due X reads cannot spend the app budget before another's 3", async () => {
  const sql = connect();
  const [budget] = await sql`select max_reads, per, window_origin from public.metrics_read_budgets
                              where kind = 'x'`;
  try {
    await resetQueue(sql);
    // A window of a day that started 12 hours ago: the run cannot cross into the next one.
    await sql`update public.metrics_read_budgets
                 set max_reads = 30, per = interval '1 day', window_origin = now() - interval '12 hours'
               where kind = 'x'`;
    await sql`delete from private.metrics_read_usage where budget_key like 'kind:x%'`;

    const big: string[] = [];
    for (let i = 0; i < 200; i++) {
      big.push(
        await insertPublished(sql, {
          client_id: DEMO_CLIENT,
          platform_id: PLATFORM_IDS.x,
          external_id: `9${String(i).padStart(11, "0")}`,
        }),
      );
    }
    const b = await createTenant(sql, [{ kind: "x" }]);
    const small: string[] = [];
    for (let i = 0; i < 3; i++) {
      small.push(
        await insertPublished(sql, {
          client_id: b.clientId,
          platform_id: b.platforms[0],
          external_id: `8${String(i).padStart(11, "0")}`,
        }),
      );
    }
    // The big client's posts have been due for an hour, the small one's for a second.
    await sql`update public.distributions set metrics_next_sync_at = now() - interval '1 hour'
               where id = any (${big}::uuid[])`;
    await sql`update public.distributions set metrics_next_sync_at = now() - interval '1 second'
               where id = any (${small}::uuid[])`;

    const { status, body } = await invokeService("metrics", {
      budget_ms: 20_000,
      batch_size: 200,
      per_platform: 50,
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.claimed, 30, `the run spends the budget: ${JSON.stringify(body)}`);

    // Every read ends as a snapshot, a recorded failure or, for a post X does not have, a removal; the
    // small client's three were all read.
    const read = await sql`select client_id, count(*)::int as n from public.distributions
                            where id = any (${[...big, ...small]}::uuid[])
                              and (metrics_synced_at is not null or metrics_sync_failures > 0
                                   or unpublish_state = 'removed_on_platform')
                            group by client_id`;
    const byClient = Object.fromEntries(read.map((r) => [String(r.client_id), r.n]));
    assert.equal(byClient[b.clientId], 3, JSON.stringify(byClient));
    assert.equal(byClient[DEMO_CLIENT], 27, JSON.stringify(byClient));
  } finally {
    await sql`update public.metrics_read_budgets
                 set max_reads = ${budget.max_reads}, per = ${budget.per},
                     window_origin = ${budget.window_origin}
               where kind = 'x'`;
    await sql`delete from private.metrics_read_usage where budget_key like 'kind:x%'`;
    await sql`delete from public.distributions where client_id = ${DEMO_CLIENT}
               and external_id like '9%' and platform_id = ${PLATFORM_IDS.x}`;
    await sql.end();
  }
});
