// WordPress topics -> category ids through the WordPress adapter and the local WordPress emulator:
// looked up by name, created only when publish_config.create_categories allows it.
import assert from "node:assert/strict";
import { connect } from "../_support/stack.ts";
import { PLATFORM_IDS } from "../_support/seed.ts";
import { api, createTenant, LONG_BODY } from "./helpers.ts";

type Sql = ReturnType<typeof connect>;

/**
 * A tenant whose WordPress platform is the emulator, with a copy of the demo blog's credentials in a
 * Vault secret of its own (a secret belongs to one platform).
 */
async function wordpressTenant(sql: Sql, createCategories: boolean) {
  const [demo] = await sql`select p.publish_config ->> 'base_url' as base_url, s.decrypted_secret
                             from public.platforms p
                             join vault.decrypted_secrets s on s.id = p.credentials_secret_id
                            where p.id = ${PLATFORM_IDS.wordpress}`;
  const t = await createTenant(sql, [{
    kind: "wordpress",
    publish_config: { base_url: demo.base_url, create_categories: createCategories },
  }]);
  await sql`update public.platforms set credentials_secret_id = vault.create_secret(${demo.decrypted_secret})
             where id = ${t.platforms[0]}`;
  return t;
}

async function categoryIds(sql: Sql, clientId: string): Promise<number[][]> {
  const rows = await sql`select platform_specific -> 'category_ids' as ids
                           from public.distributions where client_id = ${clientId}
                          order by created_at`;
  return rows.map((r) => r.ids ?? []);
}

Deno.test("wordpress categories: existing ones are found; missing ones created only when allowed", async () => {
  const sql = connect();
  try {
    const topic = `Topic ${crypto.randomUUID().slice(0, 8)}`;
    const content = { title: "Categories", body: LONG_BODY, topics: ["Uncategorized", topic] };

    const lookupOnly = await wordpressTenant(sql, false);
    const first = await api(lookupOnly.token, "POST", "", {
      content,
      platform_ids: lookupOnly.platforms,
      optimize: true,
    });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.deepEqual(await categoryIds(sql, lookupOnly.clientId), [[1]], "only the existing one");
    assert.deepEqual(first.body.results[0].warnings, [
      `category not assigned: ${topic}: no such category (publish_config.create_categories is off)`,
    ]);

    const creating = await wordpressTenant(sql, true);
    const second = await api(creating.token, "POST", "", {
      content,
      platform_ids: creating.platforms,
      optimize: true,
    });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    const [[existing, created]] = await categoryIds(sql, creating.clientId);
    assert.equal(existing, 1);
    assert.ok(created > 1, "the missing topic became a category");

    // Found by name the next time, not created twice.
    const third = await api(creating.token, "POST", "", {
      content: { ...content, topics: [topic.toLowerCase()] },
      platform_ids: creating.platforms,
      optimize: true,
    });
    assert.equal(third.status, 201, JSON.stringify(third.body));
    assert.deepEqual((await categoryIds(sql, creating.clientId))[1], [created]);
  } finally {
    await sql.end();
  }
});

Deno.test("wordpress categories: an unreachable site is a warning, the post is still scheduled", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "wordpress" }]); // base_url port 9, no credentials
    const reply = await api(t.token, "POST", "", {
      content: { title: "No categories", body: LONG_BODY, topics: ["Budgeting"] },
      platform_ids: t.platforms,
      optimize: true,
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.match(reply.body.results[0].warnings[0], /^categories not assigned: /);
    const [row] = await sql`select platform_specific from public.distributions
                             where client_id = ${t.clientId}`;
    assert.deepEqual(row.platform_specific.topics, ["Budgeting"]);
    assert.equal(row.platform_specific.category_ids, undefined);
  } finally {
    await sql.end();
  }
});
