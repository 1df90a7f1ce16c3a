// POST /functions/v1/platforms/:id/reconnect for WordPress: the application password is tried on the
// site (GET users/me) before it is stored. A wrong password, a contributor (who cannot publish) or a
// server that is not a WordPress REST API is a 400 naming the field, with nothing stored; good
// credentials are stored and the WordPress user's name becomes the platform's account_name.
import assert from "node:assert/strict";
import { connect, userJwt } from "../_support/stack.ts";
import { emulatorFor } from "../_support/emulators.ts";
import { callFunction, createTenant } from "../scheduling/helpers.ts";
import { DEFAULT_WORDPRESS_USERS } from "../../dev/emulators/wordpress.ts";
import { loadCredentials } from "../../supabase/functions/_shared/platforms/credentials.ts";
import { PlatformRowSchema } from "../../supabase/functions/_shared/adapters/types.ts";

type Sql = ReturnType<typeof connect>;

const reconnect = (token: string, id: string, credentials: Record<string, string>) =>
  callFunction("platforms", token, "POST", `/${id}/reconnect`, { credentials });

async function platform(sql: Sql, id: string) {
  const [row] = await sql`select id, client_id, kind, name, publish_config, credentials_secret_id,
    account_id, account_name from public.platforms where id = ${id}`;
  return row;
}

async function wordpressTenant(sql: Sql, baseUrl = emulatorFor("wordpress").origin) {
  const t = await createTenant(sql, [{ kind: "wordpress", publish_config: { base_url: baseUrl } }]);
  return { ...t, id: t.platforms[0] };
}

async function assertRefused(
  sql: Sql,
  reply: { status: number; body: { details?: { field: string; message: string }[] } },
  id: string,
  field: string,
  message: RegExp,
) {
  assert.equal(reply.status, 400, JSON.stringify(reply.body));
  assert.deepEqual(reply.body.details?.map((d) => d.field), [field], JSON.stringify(reply.body));
  assert.match(reply.body.details![0].message, message);
  const row = await platform(sql, id);
  assert.equal(row.credentials_secret_id, null, "nothing stored");
  assert.equal(row.account_name, null);
}

Deno.test("wordpress credentials: good ones are stored after the site confirms them, with the account name", async () => {
  const sql = connect();
  try {
    const emulator = emulatorFor("wordpress");
    const t = await wordpressTenant(sql);
    await emulator.clearRequests();
    const credentials = { username: "admin", application_password: DEFAULT_WORDPRESS_USERS.admin };
    const reply = await reconnect(t.token, t.id, credentials);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.account_name, "Admin");
    assert.equal(reply.body.needs_reconnection, false);
    const row = await platform(sql, t.id);
    assert.deepEqual([row.account_id, row.account_name], ["1", "Admin"]);
    assert.deepEqual(await loadCredentials(sql, PlatformRowSchema.parse({ ...row })), credentials);
    const asked = (await emulator.requests()).filter((r) => r.path === "/wp-json/wp/v2/users/me");
    assert.equal(asked.length, 1);
    assert.equal(asked[0].query.context, "edit");
    assert.equal(
      asked[0].headers.authorization,
      `Basic ${btoa(`admin:${DEFAULT_WORDPRESS_USERS.admin}`)}`,
    );
  } finally {
    await sql.end();
  }
});

Deno.test("wordpress credentials: a wrong password is refused on application_password, nothing stored", async () => {
  const sql = connect();
  try {
    const t = await wordpressTenant(sql);
    const reply = await reconnect(t.token, t.id, {
      username: "admin",
      application_password: "wrong pass word",
    });
    await assertRefused(
      sql,
      reply,
      t.id,
      "credentials.application_password",
      /refused the application password/,
    );
  } finally {
    await sql.end();
  }
});

Deno.test("wordpress credentials: a user who cannot publish posts is refused on username", async () => {
  const sql = connect();
  try {
    const t = await wordpressTenant(sql);
    const reply = await reconnect(t.token, t.id, {
      username: "contributor",
      application_password: DEFAULT_WORDPRESS_USERS.contributor,
    });
    await assertRefused(sql, reply, t.id, "credentials.username", /cannot publish posts/);
  } finally {
    await sql.end();
  }
});

Deno.test("wordpress credentials: a site that is not a WordPress REST API is refused on base_url", async () => {
  const sql = connect();
  try {
    // The X emulator: a server of its own, with no WordPress API at /wp-json/ or /?rest_route=.
    const t = await wordpressTenant(sql, emulatorFor("x").origin);
    const reply = await reconnect(t.token, t.id, {
      username: "admin",
      application_password: DEFAULT_WORDPRESS_USERS.admin,
    });
    await assertRefused(
      sql,
      reply,
      t.id,
      "publish_config.base_url",
      /is not a WordPress site with the REST API/,
    );
  } finally {
    await sql.end();
  }
});

Deno.test("wordpress credentials: an editor is refused before the site is asked", async () => {
  const sql = connect();
  try {
    const emulator = emulatorFor("wordpress");
    const t = await wordpressTenant(sql);
    const [editor] = await sql`insert into auth.users (id, email, aud, role)
      values (gen_random_uuid(), ${`wpe-${crypto.randomUUID().slice(0, 8)}@test.local`},
              'authenticated', 'authenticated') returning id`;
    await sql`insert into public.client_members (client_id, user_id, role)
              values (${t.clientId}, ${editor.id}, 'editor')`;
    await emulator.clearRequests();
    const reply = await reconnect(await userJwt(editor.id), t.id, {
      username: "admin",
      application_password: DEFAULT_WORDPRESS_USERS.admin,
    });
    assert.equal(reply.status, 403, JSON.stringify(reply.body));
    const asked = (await emulator.requests()).filter((r) => r.path === "/wp-json/wp/v2/users/me");
    assert.equal(asked.length, 0, "the site was not asked");
  } finally {
    await sql.end();
  }
});
