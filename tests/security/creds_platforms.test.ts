// Issue 18 item 2: an editor cannot send a client's platform credentials elsewhere. Through the
// platforms function only owners store credentials (editors get a 403 that says so); a member's
// table writes (role authenticated with their claims) cannot re-route them; and the credential
// loader the publish and metrics runs use gives a platform only the Vault secret bound to it.
import assert from "node:assert/strict";
import { connect } from "../_support/stack.ts";
import {
  CredentialsError,
  loadCredentials,
  vaultCredentialStore,
} from "../../supabase/functions/_shared/platforms/credentials.ts";
import { PlatformRowSchema } from "../../supabase/functions/_shared/adapters/types.ts";
import { asMember, callAs, clientWithMembers, refusal, type Sql } from "./creds_helpers.ts";

const LINKEDIN = {
  kind: "linkedin",
  publish_config: {
    base_url: "http://127.0.0.1:9",
    token_url: "http://127.0.0.1:9/oauth/v2/accessToken",
    author_urn: "urn:li:person:creds",
  },
};

async function platformRow(sql: Sql, id: string) {
  const [row] = await sql`select id, client_id, kind, name, publish_config, credentials_secret_id
                            from public.platforms where id = ${id}`;
  return PlatformRowSchema.parse({ ...row });
}

Deno.test("creds: only an owner reconnects a platform through the platforms function; an editor gets 403", async () => {
  const sql = connect();
  try {
    const c = await clientWithMembers(sql, [LINKEDIN]);
    const [platform] = c.platforms;
    const credentials = { access_token: "owner-set-token" };

    const editor = await callAs(c.members.editor, "POST", `platforms/${platform}/reconnect`, {
      credentials: { access_token: "editor-token" },
    });
    assert.equal(editor.status, 403);
    assert.match(
      String(editor.body?.error ?? JSON.stringify(editor.body)),
      /only owners can reconnect/,
    );
    const viewer = await callAs(c.members.viewer, "POST", `platforms/${platform}/reconnect`, {
      credentials: { access_token: "viewer-token" },
    });
    assert.equal(viewer.status, 403);
    assert.equal((await platformRow(sql, platform)).credentials_secret_id, null, "nothing stored");

    const owner = await callAs(c.members.owner, "POST", `platforms/${platform}/reconnect`, {
      credentials,
    });
    assert.equal(owner.status, 200);
    assert.equal(owner.body?.needs_reconnection, false);
    const row = await platformRow(sql, platform);
    assert.deepEqual(await loadCredentials(sql, row), credentials, "the owner's credentials load");
    const [binding] = await sql`select platform_id from private.platform_secrets
                                 where secret_id = ${row.credentials_secret_id}`;
    assert.equal(binding.platform_id, platform, "in a secret bound to the platform");
  } finally {
    await sql.end();
  }
});

Deno.test("creds: an editor's writes cannot re-route credentials; the refusal names the column or key", async () => {
  const sql = connect();
  try {
    const c = await clientWithMembers(sql, [LINKEDIN, LINKEDIN]);
    const [first, second] = c.platforms;
    await sql`select public.reconnect_platform(${first}, ${sql.json({ access_token: "t" })})`;
    const { credentials_secret_id: secret } = await platformRow(sql, first);

    const cases: [
      string,
      (tx: Parameters<Parameters<typeof asMember>[2]>[0]) => Promise<unknown>,
    ][] = [
      [
        "platforms.publish_config.base_url",
        (tx) =>
          tx`update public.platforms set publish_config = publish_config ||
               '{"base_url": "https://collector.invalid"}'::jsonb where id = ${first}`,
      ],
      [
        "platforms.publish_config.token_url",
        (tx) =>
          tx`update public.platforms set publish_config = publish_config ||
               '{"token_url": "https://collector.invalid/token"}'::jsonb where id = ${first}`,
      ],
      [
        "platforms.credentials_secret_id",
        (tx) =>
          tx`update public.platforms set credentials_secret_id = ${secret} where id = ${second}`,
      ],
      [
        "platforms.credentials_secret_id",
        (tx) =>
          tx`insert into public.platforms (client_id, name, kind, credentials_secret_id)
             values (${c.clientId}, 'borrowed', 'linkedin', ${secret})`,
      ],
    ];
    for (const [named, write] of cases) {
      const refused = await refusal(sql, c.members.editor, write);
      assert.equal(refused?.code, "42501", `${named}: refused`);
      assert.ok(refused?.message.includes(named), `${named}: named in "${refused?.message}"`);
    }
    const after = await platformRow(sql, first);
    assert.equal(after.publish_config.base_url, LINKEDIN.publish_config.base_url);
    assert.equal((await platformRow(sql, second)).credentials_secret_id, null);

    const updated = await asMember(
      sql,
      c.members.editor,
      (tx) =>
        tx`update public.platforms set name = 'renamed', timezone = 'Europe/Berlin',
           is_active = false, posts_per_day = 3, min_interval_minutes = 90,
           publish_config = publish_config || '{"visibility": "CONNECTIONS", "timeout_ms": 5000}'::jsonb
         where id = ${first} returning name, timezone, is_active, posts_per_day`,
    );
    assert.deepEqual([...updated].map((r) => ({ ...r })), [{
      name: "renamed",
      timezone: "Europe/Berlin",
      is_active: false,
      posts_per_day: 3,
    }], "an editor's own settings are stored");

    await asMember(
      sql,
      c.members.owner,
      (tx) =>
        tx`update public.platforms set publish_config = publish_config ||
           '{"base_url": "http://127.0.0.1:8"}'::jsonb where id = ${first}`,
    );
    assert.equal((await platformRow(sql, first)).publish_config.base_url, "http://127.0.0.1:8");
  } finally {
    await sql.end();
  }
});

Deno.test("creds: the loader gives a platform only its own Vault secret, never another platform's", async () => {
  const sql = connect();
  try {
    const c = await clientWithMembers(sql, [LINKEDIN, LINKEDIN]);
    const [first, second] = c.platforms;
    await sql`select public.reconnect_platform(${first}, ${sql.json({ access_token: "first" })})`;
    const own = await platformRow(sql, first);
    assert.deepEqual(await loadCredentials(sql, own), { access_token: "first" });

    // The second platform's row as a caller might hand it over, naming the first one's secret.
    const borrowed = {
      ...(await platformRow(sql, second)),
      credentials_secret_id: own.credentials_secret_id,
    };
    await assert.rejects(loadCredentials(sql, borrowed), (e: Error) => {
      assert.ok(e instanceof CredentialsError);
      assert.match(e.message, /is not its own secret/);
      assert.ok(!e.message.includes("first"), "the message carries no credential");
      return true;
    });

    // Stored that way (triggers off: data from before the binding), the refresh path refuses it too.
    await sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`update public.platforms set credentials_secret_id = ${own.credentials_secret_id}
                where id = ${second}`;
    });
    await assert.rejects(
      vaultCredentialStore(sql, second).update(() =>
        Promise.resolve({ value: 1, save: { access_token: "overwritten" } })
      ),
      /has no stored credentials/,
    );
    assert.deepEqual(await loadCredentials(sql, own), { access_token: "first" }, "unchanged");
  } finally {
    await sql.end();
  }
});
