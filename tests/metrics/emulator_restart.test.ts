// The emulators keep their posts across a restart (dev/emulators/persist.ts), as the real platforms
// do: posts published before `npm stop` / `npm start` are still found by the metrics sync after it.
import assert from "node:assert/strict";
import { connect, invokeService } from "../_support/stack.ts";
import { insertDue, resetQueue } from "../_support/queue.ts";
import { KINDS, PLATFORM_IDS } from "../_support/seed.ts";
import { emulatorFor, restartEmulators } from "../_support/emulators.ts";
import { contentFor } from "../../dev/demo-content.ts";

Deno.test("posts on all eight platforms survive an emulator restart: metrics found for each", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    const ids: Record<string, string> = {};
    for (const kind of KINDS) {
      await emulatorFor(kind).clearFaults();
      const content = contentFor(kind, `restart-${kind}`, emulatorFor(kind).origin);
      [ids[kind]] = await insertDue(sql, [{ platform_id: PLATFORM_IDS[kind], ...content }]);
    }
    const published = await invokeService("publish", { budget_ms: 20_000, exit_when_idle: true });
    assert.equal(published.status, 200, JSON.stringify(published.body));
    for (const kind of KINDS) {
      const [r] = await sql`select status, external_id, error_message from public.distributions
        where id = ${ids[kind]}`;
      assert.equal(r.status, "published", `${kind}: ${r.status} ${r.error_message}`);
      assert.ok(r.external_id, `${kind} has an external id`);
    }

    await restartEmulators();

    await sql`update public.distributions set metrics_next_sync_at = now() - interval '1 second'
      where id in ${sql(Object.values(ids))}`;
    const { status, body } = await invokeService("metrics", { budget_ms: 20_000 });
    assert.equal(status, 200, JSON.stringify(body));
    const rows = await sql`select p.kind, d.metrics_synced_at, d.metrics_sync_failures,
        d.metrics_last_error,
        (select count(*) from public.distribution_metrics m where m.distribution_id = d.id)::int
          as snapshots
      from public.distributions d join public.platforms p on p.id = d.platform_id
      where d.id in ${sql(Object.values(ids))} order by p.kind::text`;
    assert.equal(rows.length, KINDS.length);
    for (const r of rows) {
      assert.equal(r.metrics_last_error, null, `${r.kind}: ${r.metrics_last_error}`);
      assert.equal(r.metrics_sync_failures, 0, `${r.kind}: sync failures`);
      assert.equal(r.snapshots, 1, `${r.kind}: a metrics snapshot`);
      assert.ok(r.metrics_synced_at, `${r.kind}: synced`);
    }
    assert.equal(body.recorded, KINDS.length, JSON.stringify(body));
  } finally {
    await sql.end();
  }
});
