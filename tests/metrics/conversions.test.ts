// The attribution API: POST /functions/v1/conversions as a signed-in user, under RLS.
import assert from "node:assert/strict";
import { connect, stack, userJwt } from "../_support/stack.ts";
import { DEMO_CLIENT, DEMO_OWNER, PLATFORM_IDS } from "../_support/seed.ts";
import { createTenant } from "../scheduling/helpers.ts";
import { insertPublished } from "./helpers.ts";

async function convert(token: string, body: unknown) {
  const res = await fetch(stack.functionUrl("conversions"), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

Deno.test("conversions: 201 by id and by utm_campaign + utm_source, 400, 404", async () => {
  const sql = connect();
  try {
    const token = await userJwt(DEMO_OWNER);
    const group = crypto.randomUUID();
    const dist = await insertPublished(sql, {
      client_id: DEMO_CLIENT,
      platform_id: PLATFORM_IDS.linkedin,
      external_id: `urn:li:share:${crypto.randomUUID()}`,
    });
    await sql`insert into public.cross_post_groups (id, client_id) values (${group}, ${DEMO_CLIENT})`;
    await sql`update public.distributions set cross_post_group_id = ${group} where id = ${dist}`;

    const byId = await convert(token, { distribution_id: dist, value: 49.5, currency: "eur" });
    assert.equal(byId.status, 201, JSON.stringify(byId.body));
    assert.equal(byId.body.conversion.matched_by, "id");
    assert.equal(byId.body.distribution.id, dist);
    assert.equal(byId.body.distribution.conversions, 1);

    const byUtm = await convert(token, {
      utm_campaign: group,
      utm_source: "linkedin",
      external_ref: `order-${group}`,
    });
    assert.equal(byUtm.status, 201, JSON.stringify(byUtm.body));
    assert.equal(byUtm.body.conversion.matched_by, "utm");
    assert.equal(byUtm.body.distribution.id, dist);
    const again = await convert(token, {
      utm_campaign: group,
      utm_source: "linkedin",
      external_ref: `order-${group}`,
    });
    assert.equal(again.status, 200, "the same external_ref is recorded once");
    assert.equal(again.body.conversion.duplicate, true);

    const invalid = await convert(token, { value: -1, currency: "euros" });
    assert.equal(invalid.status, 400);
    const fields = invalid.body.details.map((d: { field: string }) => d.field).sort();
    assert.deepEqual(fields, ["currency", "distribution_id", "value"]);

    const missing = await convert(token, { distribution_id: crypto.randomUUID() });
    assert.equal(missing.status, 404);
    const noMatch = await convert(token, { utm_campaign: crypto.randomUUID(), utm_source: "x" });
    assert.equal(noMatch.status, 404);
  } finally {
    await sql.end();
  }
});

Deno.test("conversions: a member of A cannot attribute to B's distribution", async () => {
  const sql = connect();
  try {
    const b = await createTenant(sql, [{ kind: "x" }]);
    const bDist = await insertPublished(sql, {
      client_id: b.clientId,
      platform_id: b.platforms[0],
      external_id: `b-${crypto.randomUUID()}`,
    });
    const a = await userJwt(DEMO_OWNER);
    const refused = await convert(a, { distribution_id: bDist });
    assert.equal(refused.status, 404);
    const viaClient = await convert(a, { client_id: b.clientId, utm_content: "nothing", value: 1 });
    assert.ok([403, 404].includes(viaClient.status), `status ${viaClient.status}`);
    const [count] = await sql`select count(*)::int as n from public.conversions
                              where client_id = ${b.clientId}`;
    assert.equal(count.n, 0);
    const own = await convert(b.token, { distribution_id: bDist });
    assert.equal(own.status, 201);
    const anon = await fetch(stack.functionUrl("conversions"), {
      method: "POST",
      headers: { authorization: `Bearer ${stack.anonKey}`, "content-type": "application/json" },
      body: JSON.stringify({ distribution_id: bDist }),
    });
    await anon.body?.cancel();
    assert.equal(anon.status, 403);
  } finally {
    await sql.end();
  }
});
