// POST /functions/v1/platforms/:id/reconnect: an owner gives a platform flagged for reconnection new
// credentials; its waiting rows then go out with the next run (the emulator receives them with the new token).
import assert from "node:assert/strict";
import { connect } from "../_support/stack.ts";
import { emulatorFor } from "../_support/emulators.ts";
import { callFunction, createTenant } from "../scheduling/helpers.ts";
import { DEFAULT_LINKEDIN_MEMBER } from "../../dev/emulators/linkedin.ts";
import { userJwt } from "../_support/stack.ts";
import { runPublisher } from "../../supabase/functions/_shared/publishing/runner.ts";
import { VaultPlatformDirectory } from "../../supabase/functions/_shared/platforms/directory.ts";

const reconnect = (token: string, id: string, body: unknown) =>
  callFunction("platforms", token, "POST", `/${id}/reconnect`, body);

/** One publish run over whatever is due, until nothing is. */
const publishDue = (sql: ReturnType<typeof connect>) =>
  runPublisher(sql, new VaultPlatformDirectory(sql), {
    budgetMs: 10_000,
    batchSize: 10,
    lanes: 1,
    leaseSeconds: 60,
    idlePollMs: 20,
    exitWhenIdle: true,
  });

/**
 * A new tenant with a LinkedIn platform on the stack's emulator whose stored token LinkedIn refuses,
 * and one row of it due now.
 */
async function revokedLinkedIn(sql: ReturnType<typeof connect>, marker: string) {
  const linkedin = emulatorFor("linkedin");
  await linkedin.clearRequests();
  const t = await createTenant(sql, [{
    kind: "linkedin",
    publish_config: { base_url: linkedin.origin, author_urn: DEFAULT_LINKEDIN_MEMBER.person_urn },
  }]);
  const [platform] = t.platforms;
  const [secret] = await sql`select vault.create_secret('{"access_token": "revoked"}') as id`;
  await sql`update public.platforms set credentials_secret_id = ${secret.id} where id = ${platform}`;
  const [row] = await sql`
    insert into public.distributions (client_id, platform_id, content_type, body, status, scheduled_for)
    values (${t.clientId}, ${platform}, 'manual', ${`${marker} ${crypto.randomUUID()}`},
            'scheduled', now() - interval '1 minute')
    returning id`;
  return { linkedin, t, platform, rowId: String(row.id) };
}

Deno.test("reconnect: an owner's new credentials clear the flag and the waiting row goes out with them", async () => {
  const sql = connect();
  try {
    const { linkedin, t, platform, rowId } = await revokedLinkedIn(sql, "after reconnect");
    await sql`update public.platforms set needs_reconnection = true,
                reconnection_reason = 'LinkedIn: token revoked' where id = ${platform}`;

    const flagged = await callFunction("me", t.token, "GET", "");
    assert.deepEqual(flagged.body.clients[0].platforms[0], {
      id: platform,
      name: "linkedin 0",
      kind: "linkedin",
      needs_reconnection: true,
      reconnection_reason: "LinkedIn: token revoked",
    }, "me shows the platform waiting for new credentials");

    const bad = await reconnect(t.token, platform, { credentials: { token: "x" } });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.deepEqual(bad.body.details.map((d: { field: string }) => d.field), ["credentials"]);
    assert.match(bad.body.details[0].message, /access_token, or refresh_token with client_id/);

    const ok = await reconnect(t.token, platform, {
      credentials: { access_token: DEFAULT_LINKEDIN_MEMBER.access_token },
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body, {
      platform_id: platform,
      needs_reconnection: false,
      waiting: 1,
      failed_on_auth: [],
    });
    assert.equal(JSON.stringify(ok.body).includes(DEFAULT_LINKEDIN_MEMBER.access_token), false);
    const me = await callFunction("me", t.token, "GET", "");
    assert.equal(me.body.clients[0].platforms[0].needs_reconnection, false);

    await publishDue(sql);
    const [row] =
      await sql`select status, error_message from public.distributions where id = ${rowId}`;
    assert.equal(row.status, "published", row.error_message);
    const posts = (await linkedin.requests()).filter((r) => r.path === "/rest/posts");
    assert.deepEqual(posts.map((p) => p.headers.authorization), [
      `Bearer ${DEFAULT_LINKEDIN_MEMBER.access_token}`,
    ]);
  } finally {
    await sql.end();
  }
});

Deno.test("reconnect: editors are refused, another client's platform is not found, nothing stored", async () => {
  const sql = connect();
  try {
    const owner = await createTenant(sql, [{ kind: "x" }]);
    const [platform] = owner.platforms;
    const [editor] = await sql`insert into auth.users (id, email, aud, role)
      values (gen_random_uuid(), ${`e-${
      crypto.randomUUID().slice(0, 8)
    }@test.local`}, 'authenticated', 'authenticated')
      returning id`;
    await sql`insert into public.client_members (client_id, user_id, role)
              values (${owner.clientId}, ${editor.id}, 'editor')`;
    const credentials = { credentials: { access_token: "new" } };
    const asEditor = await reconnect(await userJwt(editor.id), platform, credentials);
    assert.equal(asEditor.status, 403, JSON.stringify(asEditor.body));
    const stranger = await createTenant(sql, []);
    const asStranger = await reconnect(stranger.token, platform, credentials);
    assert.equal(asStranger.status, 404, JSON.stringify(asStranger.body));
    const [row] =
      await sql`select credentials_secret_id from public.platforms where id = ${platform}`;
    assert.equal(row.credentials_secret_id, null, "no secret was stored");
  } finally {
    await sql.end();
  }
});

Deno.test("reconnect with retry_failed: the row that failed on the auth error goes out again, once", async () => {
  const sql = connect();
  try {
    const { linkedin, t, platform, rowId } = await revokedLinkedIn(sql, "refused first");
    await publishDue(sql); // LinkedIn refuses the revoked token: failed, platform flagged
    const [failed] = await sql`select d.status, p.needs_reconnection from public.distributions d
      join public.platforms p on p.id = d.platform_id where d.id = ${rowId}`;
    assert.deepEqual({ ...failed }, { status: "failed", needs_reconnection: true });

    const reply = await reconnect(t.token, platform, {
      credentials: { access_token: DEFAULT_LINKEDIN_MEMBER.access_token },
      retry_failed: true,
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual(reply.body.retried.map((r: { id: string }) => r.id), [rowId]);
    assert.deepEqual(reply.body.failed_on_auth, []);
    await publishDue(sql);
    const [after] = await sql`select status from public.distributions where id = ${rowId}`;
    assert.equal(after.status, "published");
    const posts = (await linkedin.requests()).filter((r) => r.path === "/rest/posts");
    assert.deepEqual(posts.map((p) => p.headers.authorization), [
      "Bearer revoked",
      `Bearer ${DEFAULT_LINKEDIN_MEMBER.access_token}`,
    ], "refused once with the revoked token, then posted once with the new one");
  } finally {
    await sql.end();
  }
});
