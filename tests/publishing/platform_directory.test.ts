// What a run reads from a platform's publish_config: its send slots and what it allows a reclaimed row,
// each a positive integer or its default.
import assert from "node:assert/strict";
import { connect } from "../_support/stack.ts";
import { PLATFORM_IDS } from "../_support/seed.ts";
import { DEFAULT_RECLAIM_POLICY } from "../../supabase/functions/_shared/publishing/attempt.ts";
import { VaultPlatformDirectory } from "../../supabase/functions/_shared/platforms/directory.ts";
import { createTenant } from "../scheduling/helpers.ts";

const LINKEDIN = PLATFORM_IDS.linkedin;

Deno.test("a platform's max_concurrency, max_lapses and reconcile_max_seconds reach the run; bad values fall back to the defaults", async () => {
  const sql = connect();
  const settings = ["max_concurrency", "max_lapses", "reconcile_max_seconds"];
  const read = async (config: Record<string, number | string>) => {
    // as a value stored before publish_config was checked on write (triggers off), which the run must survive
    await sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`update public.platforms set publish_config = (publish_config - ${settings}::text[])
        || ${sql.json(config)} where id = ${LINKEDIN}`;
    });
    const entry = await new VaultPlatformDirectory(sql).get(LINKEDIN);
    assert.ok(!("error" in entry.adapter), JSON.stringify(entry.adapter));
    return { concurrency: entry.concurrency, reclaim: entry.reclaim };
  };
  const [{ original }] = await sql`select publish_config as original from public.platforms
    where id = ${LINKEDIN}`;
  try {
    assert.deepEqual(
      await read({ max_concurrency: 7, max_lapses: 2, reconcile_max_seconds: 3600 }),
      { concurrency: 7, reclaim: { maxLapses: 2, reconcileMaxSeconds: 3600 } },
    );
    assert.deepEqual(await read({}), { concurrency: 4, reclaim: DEFAULT_RECLAIM_POLICY });
    assert.deepEqual(
      await read({ max_concurrency: 0, max_lapses: "three", reconcile_max_seconds: 1.5 }),
      { concurrency: 4, reclaim: DEFAULT_RECLAIM_POLICY },
    );
  } finally {
    const restored = sql.json(original);
    await sql`update public.platforms set publish_config = ${restored} where id = ${LINKEDIN}`;
    await sql.end();
  }
});

Deno.test("platforms prefetched together (a claimed batch's) load as each does alone; a missing, unconnected or borrowed-secret one fails alone", async () => {
  const sql = connect();
  try {
    // a new client: a connected platform, one never connected, and one whose row names the first's
    // secret (stored with triggers off, as data from before the binding could be)
    const t = await createTenant(sql, [{ kind: "linkedin" }, { kind: "linkedin" }, {
      kind: "linkedin",
    }]);
    const [own, unconnected, borrowing] = t.platforms;
    await sql`select public.reconnect_platform(${own}, ${sql.json({ access_token: "own" })})`;
    await sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`update public.platforms set credentials_secret_id =
        (select credentials_secret_id from public.platforms where id = ${own}) where id = ${borrowing}`;
    });
    const ids = [...Object.values(PLATFORM_IDS), own, unconnected, borrowing, crypto.randomUUID()];
    const alone = new VaultPlatformDirectory(sql);
    const together = new VaultPlatformDirectory(sql);
    together.prefetch(ids);
    const shape = (e: Awaited<ReturnType<VaultPlatformDirectory["get"]>>) => ({
      row: e.row,
      concurrency: e.concurrency,
      reclaim: e.reclaim,
      adapter: "error" in e.adapter ? e.adapter : e.adapter.constructor.name,
    });
    const shapes = [];
    for (const id of ids) {
      const expected = shape(await alone.get(id));
      assert.deepEqual(shape(await together.get(id)), expected, id);
      shapes.push(expected.adapter);
    }
    // each case was met: nine adapters (the demo eight and the connected one), three refusals with why
    assert.equal(shapes.filter((a) => typeof a === "string").length, 9);
    const errors = shapes.filter((a) => typeof a !== "string").map((a) =>
      (a as { error: string }).error
    );
    assert.equal(errors.length, 3, JSON.stringify(shapes));
    assert.match(errors[0], /no credentials_secret_id/);
    assert.match(errors[1], /not its own secret/);
    assert.match(errors[2], /no longer exists/);
  } finally {
    await sql.end();
  }
});
