// POST /functions/v1/schedule and the distribution sub-routes against the test stack:
// 201/207/400/409/404, per-field errors, nothing written on failure, tenants kept apart.
import assert from "node:assert/strict";
import { parseTweet } from "../../supabase/functions/_shared/adapters/twitter-text.ts";
import { connect, stack } from "../_support/stack.ts";
import { api, createTenant, future, LONG_BODY } from "./helpers.ts";

async function written(sql: ReturnType<typeof connect>, clientId: string) {
  const [row] = await sql`
    select (select count(*)::int from public.distributions where client_id = ${clientId}) as distributions,
           (select count(*)::int from public.cross_post_groups where client_id = ${clientId}) as groups,
           (select count(*)::int from public.publishing_calendar c
              join public.distributions d on d.id = c.distribution_id
             where d.client_id = ${clientId}) as slots`;
  return row;
}

Deno.test("schedule: every platform succeeds -> 201 with the adapted distributions and their slots", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }, { kind: "linkedin" }]);
    const at = future(4);
    const reply = await api(t.token, "POST", "", {
      content: {
        title: "Budget habits",
        body: `# Budget habits\n\n${LONG_BODY}`,
        link_url: "https://demo.local/post?ref=feed#top",
        keywords: ["budgeting"],
      },
      platform_ids: t.platforms,
      at,
      nearest: true,
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const group = reply.body.cross_post_group_id;
    assert.ok(group);
    assert.deepEqual(reply.body.results.map((r: { ok: boolean }) => r.ok), [true, true]);
    const [x, linkedin] = reply.body.results.map((r: { distributions: unknown[] }) =>
      r.distributions[0]
    );
    assert.ok(parseTweet(x.body).weightedLength <= 280);
    assert.ok(x.calendar_slot?.id, "a calendar slot");
    assert.ok(x.scheduled_for && x.scheduled_for_local);
    assert.equal(x.timezone, "America/New_York");
    assert.match(linkedin.body, /#budgeting$/);

    const rows = await sql`select id, platform_id, link_url, status, cross_post_group_id
                             from public.distributions where client_id = ${t.clientId}
                            order by platform_id`;
    assert.equal(rows.length, 2);
    for (const row of rows) {
      assert.equal(row.status, "scheduled");
      assert.equal(row.cross_post_group_id, group);
      assert.match(row.link_url, /^https:\/\/demo\.local\/post\?ref=feed&utm_source=(x|linkedin)/);
      assert.ok(
        row.link_url.endsWith(`utm_campaign=${group}&utm_content=${row.id}#top`),
        row.link_url,
      );
    }
  } finally {
    await sql.end();
  }
});

Deno.test("schedule: some platforms fail validation -> 207, nothing written for them", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }, { kind: "wordpress" }]);
    const reply = await api(t.token, "POST", "", {
      content: { title: "Short", body: "Too short for a blog post." },
      platform_ids: t.platforms,
      optimize: true,
    });
    assert.equal(reply.status, 207, JSON.stringify(reply.body));
    const [x, wp] = reply.body.results;
    assert.equal(x.ok, true);
    assert.equal(wp.ok, false);
    assert.equal(wp.platform_id, t.platforms[1]);
    assert.deepEqual(wp.errors.map((e: { field: string }) => e.field), ["body"]);
    const rows =
      await sql`select platform_id from public.distributions where client_id = ${t.clientId}`;
    assert.deepEqual(rows.map((r) => r.platform_id), [t.platforms[0]]);
  } finally {
    await sql.end();
  }
});

Deno.test("schedule: no platform succeeds -> 400 with each platform's errors, nothing written", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "wordpress" }, { kind: "wordpress" }]);
    const reply = await api(t.token, "POST", "", {
      content: { body: "Too short." },
      platform_ids: t.platforms,
      at: future(2),
    });
    assert.equal(reply.status, 400, JSON.stringify(reply.body));
    assert.equal(reply.body.results.length, 2);
    for (const r of reply.body.results) {
      assert.equal(r.ok, false);
      assert.deepEqual(r.errors.map((e: { field: string }) => e.field).sort(), ["body", "title"]);
    }
    assert.deepEqual(await written(sql, t.clientId), { distributions: 0, groups: 0, slots: 0 });
  } finally {
    await sql.end();
  }
});

Deno.test("schedule: a malformed request -> 400 naming every bad field, nothing written", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const reply = await api(t.token, "POST", "", {
      content: { body: "", link_url: "ftp://nope" },
      platform_ids: [],
      at: "2027-03-08 09:00",
      optimize: true,
      timezone: "Mars/Olympus_Mons",
      cross_post: { strategy: "staggered" },
      variants: [{ body: "only one" }],
      surprise: 1,
    });
    assert.equal(reply.status, 400);
    const fields = new Set(reply.body.details.map((d: { field: string }) => d.field));
    for (
      const field of [
        "platform_ids",
        "at",
        "timezone",
        "cross_post.stagger_minutes",
        "variants",
        "surprise",
      ]
    ) {
      assert.ok(fields.has(field), `${field} named in ${JSON.stringify(reply.body.details)}`);
    }
    assert.ok([...fields].some((f) => String(f).startsWith("content")), "content named");
    assert.deepEqual(await written(sql, t.clientId), { distributions: 0, groups: 0, slots: 0 });

    const notJson = await fetch(
      stack.functionUrl("schedule"),
      { method: "POST", headers: { authorization: `Bearer ${t.token}` }, body: "{" },
    );
    assert.equal(notJson.status, 400);
    await notJson.body?.cancel();
  } finally {
    await sql.end();
  }
});

Deno.test("schedule: a member of client A cannot schedule onto client B's platform", async () => {
  const sql = connect();
  try {
    const a = await createTenant(sql, [{ kind: "x" }]);
    const b = await createTenant(sql, [{ kind: "x" }]);
    const content = { body: "Hello from client A." };

    const onlyB = await api(a.token, "POST", "", {
      content,
      platform_ids: [b.platforms[0]],
      optimize: true,
    });
    assert.equal(onlyB.status, 400);
    assert.deepEqual(onlyB.body.results[0].errors, [{
      field: "platform_ids",
      message: "not found",
    }]);

    const mixed = await api(a.token, "POST", "", {
      content,
      platform_ids: [a.platforms[0], b.platforms[0]],
      optimize: true,
    });
    assert.equal(mixed.status, 207, JSON.stringify(mixed.body));
    assert.deepEqual(mixed.body.results.map((r: { ok: boolean }) => r.ok), [true, false]);

    // Even naming B as the client does not help: RLS hides B's rows from A's user.
    const named = await api(a.token, "POST", "", {
      client_id: b.clientId,
      content,
      platform_ids: [b.platforms[0]],
      optimize: true,
    });
    assert.equal(named.status, 400);

    const [gc] = await sql`insert into public.generated_content (client_id, title, content)
                           values (${b.clientId}, 'B only', ${LONG_BODY}) returning id`;
    const foreignContent = await api(a.token, "POST", "", {
      content: { content_id: gc.id },
      platform_ids: [a.platforms[0]],
      optimize: true,
    });
    assert.equal(foreignContent.status, 400);
    assert.deepEqual(foreignContent.body.details, [
      { field: "content.content_id", message: "not found" },
    ]);

    // Nor naming one of B's verticals.
    const [vertical] = await sql`insert into public.publisher_verticals (client_id, name, slug)
                                 values (${b.clientId}, 'B only', 'b-only') returning id`;
    const foreignVertical = await api(a.token, "POST", "", {
      content,
      platform_ids: [a.platforms[0]],
      optimize: true,
      vertical_id: vertical.id,
    });
    assert.equal(foreignVertical.status, 400, JSON.stringify(foreignVertical.body));
    assert.deepEqual(foreignVertical.body.details, [{
      field: "vertical_id",
      message: "not found",
    }]);

    assert.equal((await written(sql, b.clientId)).distributions, 0);
    assert.equal((await written(sql, a.clientId)).distributions, 1);
  } finally {
    await sql.end();
  }
});

Deno.test("schedule: a generated_content id is read under RLS and adapted per platform", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const [gc] = await sql`
      insert into public.generated_content (client_id, title, content, metadata, priority)
      values (${t.clientId}, 'Index funds', ${`**Index funds** in one page. ${LONG_BODY}`},
        ${sql.json({ keywords: ["investing"], canonical_url: "https://demo.local/index" })}, 'high')
      returning id`;
    const reply = await api(t.token, "POST", "", {
      content: { content_id: gc.id },
      platform_ids: t.platforms,
      optimize: true,
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const [row] = await sql`select id, content_id, content_type, link_url, body
                              from public.distributions where client_id = ${t.clientId}`;
    assert.equal(row.content_id, gc.id);
    assert.equal(row.content_type, "generated");
    assert.ok(!row.body.includes("**"));
    // A single platform is no cross-post: the campaign is the content id.
    assert.ok(row.link_url.endsWith(`utm_campaign=${gc.id}&utm_content=${row.id}`), row.link_url);
  } finally {
    await sql.end();
  }
});

Deno.test("schedule: A/B variants -> one distribution per variant, one control, one group", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const reply = await api(t.token, "POST", "", {
      content: { body: "Original.", link_url: "https://demo.local/ab" },
      platform_ids: t.platforms,
      optimize: true,
      variants: [{ body: "Variant A wins." }, { body: "Variant B wins.", is_control: true }],
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(reply.body.results[0].distributions.length, 2);
    const rows = await sql`select id, body, variant_group, is_control, link_url, scheduled_for
                             from public.distributions where client_id = ${t.clientId} order by body`;
    assert.equal(rows.length, 2);
    assert.equal(rows[0].variant_group, rows[1].variant_group);
    assert.ok(rows[0].variant_group);
    assert.deepEqual(rows.map((r) => r.is_control), [false, true]);
    for (const row of rows) {
      // Each variant's link names its own distribution, so conversions tell the variants apart.
      assert.ok(row.link_url.endsWith(`&utm_content=${row.id}`), row.link_url);
      assert.ok(row.body.includes(row.link_url), row.body);
    }
    assert.notEqual(rows[0].scheduled_for.getTime(), rows[1].scheduled_for.getTime());
  } finally {
    await sql.end();
  }
});

Deno.test("schedule: A/B variants of a platform are all-or-nothing; every variant's errors", async () => {
  const sql = connect();
  try {
    // Staggered by 30 minutes per item: X's second variant would be 30 minutes after its first,
    // which its posts_per_hour of 1 refuses; LinkedIn's variants (60 and 90 minutes) are fine.
    const t = await createTenant(sql, [{ kind: "x", posts_per_hour: 1 }, { kind: "linkedin" }]);
    const [x, linkedin] = t.platforms;
    const reply = await api(t.token, "POST", "", {
      content: { body: "Original.", link_url: "https://demo.local/ab" },
      platform_ids: t.platforms,
      at: future(4),
      cross_post: { strategy: "staggered", stagger_minutes: 30 },
      variants: [{ body: "Variant A wins.", is_control: true }, { body: "Variant B wins." }],
    });
    assert.equal(reply.status, 207, JSON.stringify(reply.body));
    const [onX, onLinkedin] = reply.body.results;
    assert.equal(onX.ok, false);
    assert.equal(onX.distributions, undefined, "nothing reported as written");
    assert.deepEqual(onX.errors.map((e: { field: string }) => e.field), [
      "variants.0.variant_group",
      "variants.1.at",
    ]);
    assert.match(onX.errors[0].message, /another variant for this platform failed/);
    assert.equal(onX.errors[1].message, "posts_per_hour limit (1) reached");
    assert.equal(onLinkedin.ok, true);
    assert.equal(onLinkedin.distributions.length, 2);

    const rows = await sql`select platform_id, count(*)::int as n from public.distributions
                            where client_id = ${t.clientId} group by platform_id`;
    assert.deepEqual(rows.map((r) => [r.platform_id, r.n]), [[linkedin, 2]]);
    const [slots] = await sql`select count(*)::int as n from public.publishing_calendar
                               where platform_id = ${x} and distribution_id is not null`;
    assert.equal(slots.n, 0, "no calendar slot held on X");
  } finally {
    await sql.end();
  }
});

Deno.test("schedule: a conversion with a scheduled link's UTM parameters is attributed to that post", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }, { kind: "linkedin" }]);
    const reply = await api(t.token, "POST", "", {
      content: { body: "Original.", link_url: "https://demo.local/offer?ref=feed" },
      platform_ids: t.platforms,
      optimize: true,
      variants: [{ body: "Variant A wins.", is_control: true }, { body: "Variant B wins." }],
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const distributions = reply.body.results.flatMap((r: { distributions: unknown[] }) =>
      r.distributions
    ) as { id: string }[];
    assert.equal(distributions.length, 4);
    const rows = await sql`select id, link_url from public.distributions
                            where client_id = ${t.clientId}`;
    assert.equal(rows.length, 4);
    for (const { id } of distributions) {
      const link = rows.find((r) => r.id === id)?.link_url;
      assert.ok(link, `distribution ${id} stored`);
      // A visitor lands with these; the site reports them with the sale.
      const params = new URL(link).searchParams;
      const utm = Object.fromEntries(
        ["utm_source", "utm_medium", "utm_campaign", "utm_content"].map((k) => [k, params.get(k)]),
      );
      assert.equal(utm.utm_content, id);
      const res = await fetch(stack.functionUrl("conversions"), {
        method: "POST",
        headers: { authorization: `Bearer ${t.token}`, "content-type": "application/json" },
        body: JSON.stringify({ ...utm, value: 10, external_ref: `order-${id}` }),
      });
      const body = await res.json();
      assert.equal(res.status, 201, JSON.stringify(body));
      assert.equal(body.conversion.matched_by, "utm_content");
      assert.equal(body.conversion.distribution_id, id, "the exact variant on the exact platform");
    }
    const counts = await sql`select conversions from public.distributions
                              where client_id = ${t.clientId}`;
    assert.deepEqual(counts.map((r) => r.conversions), [1, 1, 1, 1]);
  } finally {
    await sql.end();
  }
});

Deno.test("distributions: edit, reschedule, cancel; illegal changes 409 with the reason; others' 404", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const other = await createTenant(sql, [{ kind: "x" }]);
    const created = await api(t.token, "POST", "", {
      content: { body: "First version." },
      platform_ids: t.platforms,
      at: future(5),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.results[0].distributions[0].id;

    const read = await api(t.token, "GET", `/distributions/${id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.body, "First version.");

    const edited = await api(t.token, "PATCH", `/distributions/${id}`, {
      body: `**Second** version. ${LONG_BODY}`,
      keywords: ["money"],
    });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.ok(parseTweet(edited.body.distribution.body).weightedLength <= 280);
    assert.ok(edited.body.distribution.body.startsWith("Second version."));

    const oneLongWord = await api(t.token, "PATCH", `/distributions/${id}`, {
      body: "x".repeat(400),
    });
    assert.equal(oneLongWord.status, 200, "a word too long is cut, not refused");
    assert.ok(oneLongWord.body.distribution.body.endsWith("…"));

    const emptyEdit = await api(t.token, "PATCH", `/distributions/${id}`, {});
    assert.equal(emptyEdit.status, 400);

    const moved = await api(t.token, "POST", `/distributions/${id}/reschedule`, { at: future(6) });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    const reopt = await api(t.token, "POST", `/distributions/${id}/reschedule`, { optimize: true });
    assert.equal(reopt.status, 200, JSON.stringify(reopt.body));

    const retry = await api(t.token, "POST", `/distributions/${id}/retry`);
    assert.equal(retry.status, 409, JSON.stringify(retry.body));
    assert.ok(retry.body.error.length > 0);

    const cancelled = await api(t.token, "POST", `/distributions/${id}/cancel`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    const [row] = await sql`select status from public.distributions where id = ${id}`;
    assert.equal(row.status, "cancelled");

    const again = await api(t.token, "POST", `/distributions/${id}/cancel`);
    assert.equal(again.status, 200, "cancelling a cancelled distribution is idempotent");

    for (
      const [method, path, body] of [
        ["POST", `/distributions/${id}/publish-now`, undefined],
        ["POST", `/distributions/${id}/retry`, undefined],
        ["POST", `/distributions/${id}/reschedule`, { at: future(7) }],
        ["PATCH", `/distributions/${id}`, { body: "Too late." }],
      ] as const
    ) {
      const refused = await api(t.token, method, path, body);
      assert.equal(refused.status, 409, `${method} ${path}: ${JSON.stringify(refused.body)}`);
      assert.match(refused.body.error, /cancelled/);
    }

    for (
      const [method, path, body] of [
        ["GET", `/distributions/${id}`, undefined],
        ["PATCH", `/distributions/${id}`, { body: "Mine now." }],
        ["POST", `/distributions/${id}/cancel`, undefined],
        ["POST", `/distributions/${id}/retry`, undefined],
        ["POST", `/distributions/${id}/publish-now`, undefined],
        ["POST", `/distributions/${id}/reschedule`, { optimize: true }],
        ["POST", `/distributions/${crypto.randomUUID()}/cancel`, undefined],
      ] as const
    ) {
      const hidden = await api(other.token, method, path, body);
      assert.equal(hidden.status, 404, `${method} ${path}: ${JSON.stringify(hidden.body)}`);
    }
  } finally {
    await sql.end();
  }
});

Deno.test("schedule: only signed-in users; a viewer cannot write", async () => {
  const sql = connect();
  try {
    const anon = await fetch(stack.functionUrl("schedule"), {
      method: "POST",
      body: "{}",
    });
    assert.equal(anon.status, 401);
    await anon.body?.cancel();

    const viewer = await createTenant(sql, [{ kind: "x" }], "viewer");
    const reply = await api(viewer.token, "POST", "", {
      content: { body: "Viewers only read." },
      platform_ids: viewer.platforms,
      optimize: true,
    });
    assert.ok([400, 403].includes(reply.status), JSON.stringify(reply.body));
    assert.equal((await written(sql, viewer.clientId)).distributions, 0);
  } finally {
    await sql.end();
  }
});
