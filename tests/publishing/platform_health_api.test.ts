// GET /functions/v1/platforms[/:id]: a member reads its platforms' health over HTTP, including when a
// platform's own limits next allow a post, under row-level security.
import assert from "node:assert/strict";
import { connect } from "../_support/stack.ts";
import { callFunction, createTenant } from "../scheduling/helpers.ts";

Deno.test("platforms: a viewer sees its platforms' health and the limit holding a due row; another client sees none of it", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "linkedin", min_interval_minutes: 60 }, {
      kind: "x",
    }], "viewer");
    const [held, free] = t.platforms;
    const [posted] = await sql`
      insert into public.distributions (client_id, platform_id, content_type, body, status, scheduled_for,
                                        published_at)
      values (${t.clientId}, ${held}, 'manual', 'posted', 'published', now() - interval '10 minutes',
              now() - interval '10 minutes')
      returning published_at + interval '60 minutes' as allow_at`;
    await sql`
      insert into public.distributions (client_id, platform_id, content_type, body, status, scheduled_for)
      values (${t.clientId}, ${held}, 'manual', 'waiting', 'scheduled', now() - interval '1 minute')`;

    const list = await callFunction("platforms", t.token, "GET", "");
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(
      list.body.platforms.map((p: { platform_id: string }) => p.platform_id).sort(),
      [held, free].sort(),
    );

    const one = await callFunction("platforms", t.token, "GET", `/${held}`);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.queue_due_now, 1);
    assert.equal(one.body.limited_by, "min_interval_minutes (60)");
    assert.equal(new Date(one.body.limits_allow_at).getTime(), posted.allow_at.getTime());
    const other = await callFunction("platforms", t.token, "GET", `/${free}`);
    assert.equal(other.body.limits_allow_at, null);
    assert.equal(other.body.limited_by, null);

    const stranger = await createTenant(sql, []);
    const hidden = await callFunction("platforms", stranger.token, "GET", `/${held}`);
    assert.equal(hidden.status, 404, JSON.stringify(hidden.body));
    const none = await callFunction("platforms", stranger.token, "GET", "");
    assert.deepEqual(none.body.platforms, []);
    const wrong = await callFunction("platforms", t.token, "DELETE", `/${held}`);
    assert.equal(wrong.status, 405);
  } finally {
    await sql.end();
  }
});
