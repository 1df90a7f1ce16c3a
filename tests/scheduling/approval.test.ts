// Review before publishing, as a team meets it: generated content marked ready lands pending_approval on
// the platform a rule covers (and scheduled elsewhere), holding its slot; a viewer cannot approve; an
// approver approves through the API (at the slot, or after it passed: refused or the next allowed time);
// an edit in review is re-adapted and re-validated; a rejection frees the slot; the webhook events are
// queued for the client's endpoint.
import assert from "node:assert/strict";
import { connect, eventually, userJwt } from "../_support/stack.ts";
import { api, createTenant, LONG_BODY } from "./helpers.ts";

type Sql = ReturnType<typeof connect>;

/** A second member of the tenant's client, with `role`, and a token for them. */
async function member(sql: Sql, clientId: string, role: string): Promise<string> {
  const userId = crypto.randomUUID();
  await sql`insert into auth.users (id, email, aud, role)
            values (${userId}, ${`${role}-${userId.slice(0, 8)}@test.local`}, 'authenticated',
                    'authenticated')`;
  await sql`insert into public.client_members (client_id, user_id, role)
            values (${clientId}, ${userId}, ${role})`;
  return await userJwt(userId);
}

async function readyContent(sql: Sql, clientId: string, targets: string[]): Promise<string> {
  const [row] = await sql`
    insert into public.generated_content (client_id, title, content, metadata, target_platform_ids)
    values (${clientId}, 'For review', ${LONG_BODY},
      ${sql.json({ keywords: ["budgeting"], canonical_url: "https://demo.local/review" })},
      ${targets}::uuid[])
    returning id`;
  await sql`update public.generated_content set status = 'ready_for_distribution'
             where id = ${row.id}`;
  return String(row.id);
}

Deno.test("approval: generated content waits on the platform a rule covers; viewers cannot approve, approvers can", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }, { kind: "linkedin" }]);
    const [x, linkedin] = t.platforms;
    const viewer = await member(sql, t.clientId, "viewer");
    const approver = await member(sql, t.clientId, "approver");
    await sql`insert into public.approval_rules (client_id, platform_id, content_type)
              values (${t.clientId}, ${linkedin}, 'generated')`;
    await sql`insert into public.webhook_endpoints (client_id, url, events)
              values (${t.clientId}, 'http://127.0.0.1:9/hook',
                      array['distribution.pending_approval', 'distribution.approved',
                            'distribution.rejected'])`;

    const contentId = await readyContent(sql, t.clientId, t.platforms);
    const rows = await eventually(
      async () => {
        const r = await sql`select id, platform_id, status, scheduled_for
                              from public.distributions where content_id = ${contentId}`;
        return r.length === 2 ? r : undefined;
      },
      30_000,
      "the generated content to be scheduled",
    );
    const byPlatform = new Map(rows.map((r) => [r.platform_id, r]));
    assert.equal(byPlatform.get(x)!.status, "scheduled", "no rule covers the X platform");
    const pending = byPlatform.get(linkedin)!;
    assert.equal(pending.status, "pending_approval");
    const [slot] = await sql`select count(*)::int as n from public.publishing_calendar
                              where distribution_id = ${pending.id}`;
    assert.equal(slot.n, 1, "it holds its slot while it waits");

    const waiting = await api(viewer, "GET", `/distributions/${pending.id}`);
    assert.equal(waiting.body.status, "pending_approval");

    const byViewer = await api(viewer, "POST", `/distributions/${pending.id}/approve`);
    assert.equal(byViewer.status, 403, JSON.stringify(byViewer.body));
    const byOwner = await api(t.token, "POST", `/distributions/${pending.id}/approve`);
    assert.equal(byOwner.status, 200, "the tenant's owner may approve");
    assert.equal(byOwner.body.distribution.status, "scheduled");
    assert.equal(
      new Date(byOwner.body.distribution.scheduled_for).getTime(),
      new Date(pending.scheduled_for).getTime(),
      "approved at its own slot",
    );
    const again = await api(approver, "POST", `/distributions/${pending.id}/approve`);
    assert.equal(again.status, 409, "only a waiting row is approved");

    const [events] = await sql`select array_agg(event order by event) as e
                                 from public.webhook_deliveries where distribution_id = ${pending.id}`;
    assert.deepEqual(events.e, ["distribution.approved", "distribution.pending_approval"]);
  } finally {
    await sql.end();
  }
});

Deno.test("approval: an edit in review is re-validated; a late approval is refused or moved; a rejection frees the slot", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const approver = await member(sql, t.clientId, "approver");
    await sql`insert into public.approval_rules (client_id) values (${t.clientId})`;
    const at = new Date(Date.now() + 4 * 86_400_000);
    at.setUTCHours(15, 0, 0, 0);
    const created = await api(t.token, "POST", "", {
      content: { body: "First version." },
      platform_ids: t.platforms,
      at: at.toISOString(),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.results[0].distributions[0].id;
    assert.equal(created.body.results[0].distributions[0].status, "pending_approval");

    const edited = await api(t.token, "PATCH", `/distributions/${id}`, {
      body: `**Second** version. ${LONG_BODY}`,
    });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.ok(edited.body.distribution.body.startsWith("Second version."), "re-adapted");
    assert.equal(edited.body.distribution.status, "pending_approval");
    const empty = await api(t.token, "PATCH", `/distributions/${id}`, { body: "   " });
    assert.equal(empty.status, 400, "and re-validated");

    const noReason = await api(approver, "POST", `/distributions/${id}/reject`, {});
    assert.equal(noReason.status, 400);

    // The slot passes while it waits.
    await sql`update public.distributions set scheduled_for = now() - interval '1 hour'
               where id = ${id}`;
    const refused = await api(approver, "POST", `/distributions/${id}/approve`);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.errors[0].field, "scheduled_for");
    const [still] = await sql`select status from public.distributions where id = ${id}`;
    assert.equal(still.status, "pending_approval", "a refused approval leaves it waiting");
    const moved = await api(approver, "POST", `/distributions/${id}/approve`, {
      if_passed: "next_slot",
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.distribution.status, "scheduled");
    assert.ok(new Date(moved.body.distribution.scheduled_for).getTime() > Date.now() - 60_000);

    // Edited after approval: it waits again, and is rejected.
    const reedit = await api(t.token, "PATCH", `/distributions/${id}`, { body: "Third version." });
    assert.equal(reedit.body.distribution.status, "pending_approval");
    const rejected = await api(approver, "POST", `/distributions/${id}/reject`, {
      reason: "Not our tone",
    });
    assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
    assert.equal(rejected.body.distribution.status, "rejected");
    const [row] = await sql`select review_note,
        (select count(*)::int from public.publishing_calendar c where c.distribution_id = d.id) as slots
        from public.distributions d where id = ${id}`;
    assert.deepEqual({ ...row }, { review_note: "Not our tone", slots: 0 });

    const [queue] = await sql`select count(*)::int as n from public.distributions_awaiting_approval
                               where client_id = ${t.clientId}`;
    assert.equal(queue.n, 0, "nothing waits any more");
  } finally {
    await sql.end();
  }
});
