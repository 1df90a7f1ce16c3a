// generated_content -> distributions without an API call: the trigger writes a durable request and
// wakes process-distribution-requests through pg_net; the cron sweep catches a lost wake-up.
import assert from "node:assert/strict";
import { connect, eventually, signJwt, stack } from "../_support/stack.ts";
import { createTenant, LONG_BODY } from "./helpers.ts";

type Sql = ReturnType<typeof connect>;

async function insertContent(sql: Sql, clientId: string, targets: string[], body = LONG_BODY) {
  const [row] = await sql`
    insert into public.generated_content (client_id, title, content, metadata, target_platform_ids)
    values (${clientId}, 'Ready to go', ${body},
      ${sql.json({ keywords: ["budgeting"], canonical_url: "https://demo.local/ready" })},
      ${targets}::uuid[])
    returning id`;
  return String(row.id);
}

async function requestOf(sql: Sql, contentId: string) {
  const [row] = await sql`select id, status, result, error from public.distribution_requests
                           where content_id = ${contentId}`;
  return row;
}

/** Calls the processor as the cron sweep does (service-role key). */
async function sweep(): Promise<Response> {
  return await fetch(stack.functionUrl("process-distribution-requests"), {
    method: "POST",
    headers: {
      authorization: `Bearer ${stack.serviceKey}`,
      "content-type": "application/json",
    },
    body: "{}",
  });
}

Deno.test("requests: content marked ready is scheduled onto its targets through the wake-up", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }, { kind: "linkedin" }]);
    const contentId = await insertContent(sql, t.clientId, t.platforms);
    await sql`update public.generated_content set status = 'ready_for_distribution'
               where id = ${contentId}`;
    const request = await eventually(
      async () => {
        const r = await requestOf(sql, contentId);
        return r && ["done", "failed"].includes(r.status) ? r : undefined;
      },
      30_000,
      "the request to be processed",
    );
    assert.equal(request.status, "done", JSON.stringify(request));
    assert.equal(request.result.results.length, 2);

    const rows = await sql`select platform_id, status, content_type, cross_post_group_id, link_url
                             from public.distributions where content_id = ${contentId}`;
    assert.equal(rows.length, 2);
    assert.deepEqual(new Set(rows.map((r) => r.platform_id)), new Set(t.platforms));
    assert.ok(rows.every((r) => r.status === "scheduled" && r.content_type === "generated"));
    assert.ok(
      rows[0].cross_post_group_id && rows[0].link_url.includes(rows[0].cross_post_group_id),
    );
    const [content] =
      await sql`select status from public.generated_content where id = ${contentId}`;
    assert.equal(content.status, "distributed");
  } finally {
    await sql.end();
  }
});

Deno.test("requests: a dropped wake-up is caught by the sweep and scheduled the same way", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }, { kind: "wordpress" }]);
    const contentId = await insertContent(
      sql,
      t.clientId,
      t.platforms,
      "Short, too short for WordPress.",
    );
    await sql.begin(async (tx) => {
      await tx`update public.generated_content set status = 'ready_for_distribution'
                where id = ${contentId}`;
      // The wake-up never reaches the function: its pg_net row is gone before commit.
      const dropped = await tx`delete from net.http_request_queue
                                where url like '%/functions/v1/process-distribution-requests'
                               returning id`;
      assert.ok(dropped.length >= 1, "the trigger queued a wake-up");
    });
    await new Promise((r) => setTimeout(r, 500));
    const waiting = await requestOf(sql, contentId);
    assert.ok(["pending", "processing", "done"].includes(waiting.status));

    const res = await sweep();
    assert.equal(res.status, 200, await res.clone().text());
    await res.body?.cancel();
    const request = await eventually(
      async () => {
        const r = await requestOf(sql, contentId);
        return r && ["done", "failed"].includes(r.status) ? r : undefined;
      },
      30_000,
      "the request to be processed",
    );

    // X fits; WordPress refuses a body under 100 characters: done, with its error recorded.
    assert.equal(request.status, "done", JSON.stringify(request));
    const [x, wp] = t.platforms.map((id) =>
      request.result.results.find((r: { platform_id: string }) => r.platform_id === id)
    );
    assert.equal(x.ok, true);
    assert.equal(wp.ok, false);
    assert.deepEqual(wp.errors.map((e: { field: string }) => e.field), ["body"]);
    const rows =
      await sql`select platform_id from public.distributions where content_id = ${contentId}`;
    assert.deepEqual(rows.map((r) => r.platform_id), [t.platforms[0]]);
  } finally {
    await sql.end();
  }
});

Deno.test("requests: content no target can take fails, with every platform's reason", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "wordpress" }]);
    const contentId = await insertContent(sql, t.clientId, t.platforms, "Too short.");
    await sql`update public.generated_content set status = 'ready_for_distribution'
               where id = ${contentId}`;
    const request = await eventually(
      async () => {
        const r = await requestOf(sql, contentId);
        return r && ["done", "failed"].includes(r.status) ? r : undefined;
      },
      30_000,
      "the request to be processed",
    );
    assert.equal(request.status, "failed");
    assert.equal(request.result.results[0].ok, false);
    const [content] =
      await sql`select status from public.generated_content where id = ${contentId}`;
    assert.equal(content.status, "failed");
    const [{ n }] = await sql`select count(*)::int as n from public.distributions
                               where content_id = ${contentId}`;
    assert.equal(n, 0);
  } finally {
    await sql.end();
  }
});

Deno.test("requests: the processor accepts only the service role", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const res = await fetch(stack.functionUrl("process-distribution-requests"), {
      method: "POST",
      headers: { authorization: `Bearer ${t.token}` },
    });
    assert.equal(res.status, 403);
    await res.body?.cancel();
    const anonToken = await signJwt({ role: "anon" });
    const anon = await fetch(stack.functionUrl("process-distribution-requests"), {
      method: "POST",
      headers: { authorization: `Bearer ${anonToken}` },
    });
    assert.equal(anon.status, 403);
    await anon.body?.cancel();
  } finally {
    await sql.end();
  }
});
