// The metrics function reads Instagram's online_followers at most daily per platform and stores the
// hour profile (platform_audience_activity); a failed read is recorded there and never fails the run.
import assert from "node:assert/strict";
import { connect } from "../_support/stack.ts";
import { PLATFORM_IDS } from "../_support/seed.ts";
import { emulatorFor } from "../_support/emulators.ts";
import { loadEngagementModel } from "../../dev/emulators/engagement.ts";
import { invokeService } from "./helpers.ts";

const IG = PLATFORM_IDS.instagram;
const INSIGHTS_PATH = "/v23.0/17841400000000001/insights";

async function activity(sql: ReturnType<typeof connect>) {
  const [row] = await sql`select hours::float8[] as hours, days, fetched_at, attempted_at,
    last_error from public.platform_audience_activity where platform_id = ${IG}`;
  return row;
}

Deno.test("metrics sync stores the Instagram audience's hour profile, at most once a day", async () => {
  const sql = connect();
  const emulator = emulatorFor("instagram");
  try {
    await emulator.clearFaults();
    await sql`delete from public.platform_audience_activity where platform_id = ${IG}`;
    await sql`update public.platforms set metrics_paused_until = null where id = ${IG}`;
    const first = await invokeService("metrics", { budget_ms: 5_000 });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const row = await activity(sql);
    assert.ok(row?.fetched_at, JSON.stringify(row));
    assert.equal(row.last_error, null);
    assert.equal(row.days, 30);
    assert.equal(row.hours.length, 24);
    // The busiest hour is where the emulator's engagement model has Instagram's audience most active.
    const model = loadEngagementModel();
    const weekly = Array.from(
      { length: 24 },
      (_, h) => [0, 1, 2, 3, 4, 5, 6].reduce((s, d) => s + model.localFactor("instagram", d, h), 0),
    );
    const hours: number[] = row.hours;
    assert.equal(hours.indexOf(Math.max(...hours)), weekly.indexOf(Math.max(...weekly)));

    // Within the day: no second read.
    await invokeService("metrics", { budget_ms: 5_000 });
    const again = await activity(sql);
    assert.equal(again.fetched_at.getTime(), row.fetched_at.getTime());
  } finally {
    await sql.end();
  }
});

Deno.test("a failed online_followers read keeps the last profile, records why, and the run succeeds", async () => {
  const sql = connect();
  const emulator = emulatorFor("instagram");
  try {
    await emulator.clearFaults();
    await sql`delete from public.platform_audience_activity where platform_id = ${IG}`;
    await sql`insert into public.platform_audience_activity
                (platform_id, client_id, hours, days, fetched_at, attempted_at)
              select id, client_id, array_fill(1, array[24])::numeric[], 7,
                     now() - interval '2 days', now() - interval '2 days'
              from public.platforms where id = ${IG}`;
    await emulator.addFault({ mode: "5xx", status: 503, method: "GET", path: INSIGHTS_PATH });
    const run = await invokeService("metrics", { budget_ms: 5_000 });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    const row = await activity(sql);
    assert.ok(row.last_error, JSON.stringify(row));
    assert.deepEqual(row.hours, Array(24).fill(1));
    assert.equal(row.days, 7);
    assert.ok(row.attempted_at > row.fetched_at, "attempted now; retried after a day");
  } finally {
    await emulator.clearFaults();
    await sql.end();
  }
});
