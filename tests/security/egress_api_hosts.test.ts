// A platform whose configured API URL leaves its kind's API hosts fails its own rows with a message
// naming the field, and nothing is sent to that host; other platforms publish in the same run. Black
// box: rows in, the publish function called as pg_cron calls it, rows and emulator requests read back.
import assert from "node:assert/strict";
import { connect, invokeService } from "../_support/stack.ts";
import { insertDue, resetQueue } from "../_support/queue.ts";
import { PLATFORM_IDS } from "../_support/seed.ts";
import { emulatorFor } from "../_support/emulators.ts";
import { contentFor } from "../../dev/demo-content.ts";

Deno.test("egress api hosts: an X platform pointed at a foreign host fails its rows; LinkedIn publishes in the same run", async () => {
  const sql = connect();
  const [{ original }] = await sql`select publish_config as original from public.platforms
    where id = ${PLATFORM_IDS.x}`;
  try {
    await resetQueue(sql);
    for (const kind of ["x", "linkedin"] as const) {
      await emulatorFor(kind).clearFaults();
      await emulatorFor(kind).clearRequests();
    }
    // the foreign host is never contacted (the adapter is not built): no DNS, no packet
    await sql`update public.platforms set publish_config = publish_config ||
      '{"base_url": "https://api.x.com.attacker.example"}'::jsonb where id = ${PLATFORM_IDS.x}`;
    const [xRow] = await insertDue(sql, [{
      platform_id: PLATFORM_IDS.x,
      ...contentFor("x", "egress-x", emulatorFor("x").origin),
    }]);
    const [liRow] = await insertDue(sql, [{
      platform_id: PLATFORM_IDS.linkedin,
      ...contentFor("linkedin", "egress-li", emulatorFor("linkedin").origin),
    }]);
    const reply = await invokeService("publish", { budget_ms: 20_000, exit_when_idle: true });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const rows = await sql`select id, status, error_message from public.distributions
      where id = any(${[xRow, liRow]})`;
    const x = rows.find((r) => r.id === xRow)!;
    const li = rows.find((r) => r.id === liRow)!;
    assert.equal(x.status, "failed", JSON.stringify(x));
    assert.match(
      String(x.error_message),
      /publish_config\.base_url: a x platform sends requests only over HTTPS to api\.x\.com, api\.twitter\.com, upload\.twitter\.com; https:\/\/api\.x\.com\.attacker\.example is not one of them/,
    );
    assert.equal(li.status, "published", JSON.stringify(li));
    assert.equal((await emulatorFor("x").publishRequests()).length, 0);
    assert.equal((await emulatorFor("linkedin").publishRequests()).length, 1);
  } finally {
    await sql`update public.platforms set publish_config = ${sql.json(original)}
      where id = ${PLATFORM_IDS.x}`;
    await sql.end();
  }
});
