// Issue 18 item 2: a webhook endpoint's signing secret is shown once. An editor creating an
// endpoint sees its secret in that answer only; no member reads it afterwards; an owner's rotation
// returns a new one, and the deliveries sent from then on verify with the new secret, not the old.
import assert from "node:assert/strict";
import { connect, eventually, invokeService } from "../_support/stack.ts";
import { verifyWebhook } from "../../supabase/functions/_shared/webhooks/signature.ts";
import { asMember, clientWithMembers, refusal, type Sql } from "./creds_helpers.ts";

interface Received {
  signature: string;
  body: string;
}

function receiver() {
  const received: Received[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    received.push({
      signature: req.headers.get("x-webhook-signature") ?? "",
      body: await req.text(),
    });
    return new Response(null, { status: 204 });
  });
  return {
    received,
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    close: () => server.shutdown(),
  };
}

/** A row of the client that reaches `published` (its delivery is queued by the status trigger). */
async function publishOne(sql: Sql, clientId: string, platformId: string): Promise<string> {
  const [row] = await sql`
    insert into public.distributions (client_id, platform_id, content_type, body, status, scheduled_for)
    values (${clientId}, ${platformId}, 'manual', ${`creds ${crypto.randomUUID()}`}, 'scheduled',
            now() + interval '30 days')
    returning id`;
  await sql`update public.distributions set status = 'publishing', attempt_id = gen_random_uuid(),
              lease_expires_at = now() + interval '5 minutes' where id = ${row.id}`;
  await sql`update public.distributions set status = 'published', published_at = now(),
              attempt_id = null, lease_expires_at = null, external_id = ${`ext-${row.id}`}
            where id = ${row.id}`;
  return String(row.id);
}

/** The delivery of `distributionId` the receiver got (the worker is woken by the trigger and here). */
async function deliveryOf(hook: ReturnType<typeof receiver>, distributionId: string) {
  const reply = await invokeService("deliver-webhooks");
  assert.equal(reply.status, 200);
  return await eventually(
    () =>
      Promise.resolve(
        hook.received.find((r) => JSON.parse(r.body).distribution?.id === distributionId),
      ),
    10_000,
    `the delivery of ${distributionId}`,
  );
}

Deno.test("creds: webhook secrets are shown once; after rotation deliveries verify with the new secret", async () => {
  const sql = connect();
  const hook = receiver();
  try {
    const c = await clientWithMembers(sql, [{ kind: "wordpress" }]);
    const [platform] = c.platforms;

    const [created] = await asMember(
      sql,
      c.members.editor,
      (tx) =>
        tx`select public.create_webhook_endpoint(${c.clientId}, ${hook.url},
           array['distribution.published']) as endpoint`,
    );
    const endpoint = created.endpoint as { id: string; secret: string; url: string };
    assert.match(endpoint.secret, /^[0-9a-f]{64}$/, "the creator is shown the secret");
    assert.equal(endpoint.url, hook.url);

    for (const role of ["editor", "viewer", "owner"] as const) {
      const refused = await refusal(
        sql,
        c.members[role],
        (tx) => tx`select secret from public.webhook_endpoints where id = ${endpoint.id}`,
      );
      assert.equal(refused?.code, "42501", `${role}: the secret is not readable`);
    }
    const listed = await asMember(
      sql,
      c.members.editor,
      (tx) =>
        tx`select id, url, is_active from public.webhook_endpoints where client_id = ${c.clientId}`,
    );
    assert.deepEqual([...listed].map((r) => ({ ...r })), [{
      id: endpoint.id,
      url: hook.url,
      is_active: true,
    }], "the endpoint's other columns are");

    const first = await publishOne(sql, c.clientId, platform);
    const before = await deliveryOf(hook, first);
    assert.ok(await verifyWebhook(endpoint.secret, before.body, before.signature, new Date()));

    const editorRotates = await refusal(
      sql,
      c.members.editor,
      (tx) => tx`select public.rotate_webhook_secret(${endpoint.id})`,
    );
    assert.equal(editorRotates?.code, "42501");
    assert.match(editorRotates?.message ?? "", /only owners can rotate/);

    const [rotated] = await asMember(
      sql,
      c.members.owner,
      (tx) => tx`select public.rotate_webhook_secret(${endpoint.id}) as secret`,
    );
    const secret = String(rotated.secret);
    assert.match(secret, /^[0-9a-f]{64}$/);
    assert.notEqual(secret, endpoint.secret);

    const second = await publishOne(sql, c.clientId, platform);
    const after = await deliveryOf(hook, second);
    assert.ok(
      await verifyWebhook(secret, after.body, after.signature, new Date()),
      "signed with the new secret",
    );
    assert.equal(
      await verifyWebhook(endpoint.secret, after.body, after.signature, new Date()),
      false,
      "not with the old one",
    );
  } finally {
    await hook.close();
    await sql.end();
  }
});
