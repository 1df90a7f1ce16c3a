// Connecting an account with OAuth: POST /functions/v1/connections answers the provider's consent
// URL; the emulated provider consents and redirects the browser to the public connections-callback,
// which exchanges the code (PKCE) and stores the tokens. Each test follows the redirects as a browser
// would (the emulator's authorize page answers 302 at once).
import assert from "node:assert/strict";
import { connect, replyOf, userJwt } from "../_support/stack.ts";
import { emulatorFor } from "../_support/emulators.ts";
import { callFunction, createTenant } from "../scheduling/helpers.ts";
import { DEFAULT_X_ACCOUNT, DEFAULT_X_OAUTH2_GRANT } from "../../dev/emulators/x.ts";
import { DEFAULT_YOUTUBE_CHANNEL, DEFAULT_YOUTUBE_GRANT } from "../../dev/emulators/youtube.ts";
import { loadCredentials } from "../../supabase/functions/_shared/platforms/credentials.ts";
import type { PlatformRow } from "../../supabase/functions/_shared/adapters/types.ts";
import { DEFAULT_LINKEDIN_MEMBER } from "../../dev/emulators/linkedin.ts";
import { DEFAULT_TIKTOK_GRANT } from "../../dev/emulators/tiktok.ts";
import { DEFAULT_FACEBOOK_APP, DEFAULT_IG_ACCOUNT } from "../../dev/emulators/instagram.ts";
import { DEFAULT_MAILCHIMP_CLIENT, MAILCHIMP_ACCOUNT } from "../../dev/emulators/mailchimp.ts";
import { runPublisher } from "../../supabase/functions/_shared/publishing/runner.ts";
import { VaultPlatformDirectory } from "../../supabase/functions/_shared/platforms/directory.ts";

type Sql = ReturnType<typeof connect>;

const start = (token: string, body: unknown) =>
  callFunction("connections", token, "POST", "", body);

/** Opens the consent URL (with `extra` query parameters) as a browser: the provider's redirect. */
async function consent(authorizationUrl: string, extra: Record<string, string> = {}) {
  const url = new URL(authorizationUrl);
  for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: "manual" });
  await res.body?.cancel();
  assert.equal(res.status, 302, `the consent page redirects back (${res.status})`);
  return new URL(res.headers.get("location")!);
}

/** The browser arriving at the callback: no Supabase token, only what the provider put in the URL. */
const arrive = async (callback: URL) => replyOf(await fetch(callback));

const xConfig = () => {
  const x = emulatorFor("x");
  return { base_url: x.origin, authorize_url: `${x.origin}/i/oauth2/authorize` };
};

const youtubeConfig = () => {
  const yt = emulatorFor("youtube");
  return {
    base_url: yt.origin,
    token_url: `${yt.origin}/token`,
    authorize_url: `${yt.origin}/o/oauth2/v2/auth`,
  };
};

async function platformRow(sql: Sql, id: string) {
  const [row] = await sql`select * from public.platforms where id = ${id}`;
  return row;
}

Deno.test("connect X: the redirect dance with PKCE creates the platform with its account and tokens in Vault", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, []);
    const started = await start(t.token, {
      platform_kind: "x",
      client_id: t.clientId,
      name: "Brand on X",
      publish_config: xConfig(),
    });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const authorize = new URL(started.body.authorization_url);
    assert.equal(authorize.searchParams.get("client_id"), DEFAULT_X_OAUTH2_GRANT.client_id);
    assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
    assert.ok(authorize.searchParams.get("scope")!.split(" ").includes("offline.access"));
    assert.equal(authorize.searchParams.get("redirect_uri"), started.body.redirect_uri);
    const state = authorize.searchParams.get("state")!;
    const [stored] = await sql`select count(*)::int as n from private.oauth_states
                               where state_hash = encode(sha256(${state}::bytea), 'hex')`;
    assert.equal(stored.n, 1, "the state is kept hashed");

    const callback = await consent(started.body.authorization_url);
    assert.equal(callback.searchParams.get("state"), state);
    const done = await arrive(callback);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const body = done.body as Record<string, unknown>;
    assert.equal(body.created, true);
    assert.equal(body.needs_reconnection, false);
    assert.equal(body.account_id, DEFAULT_X_ACCOUNT.user_id);
    assert.equal(body.account_name, DEFAULT_X_ACCOUNT.username);
    assert.equal(body.followers_count, DEFAULT_X_ACCOUNT.followers_count);
    assert.equal(JSON.stringify(body).includes("emu-x-access-"), false, "no token in the reply");

    const row = await platformRow(sql, String(body.platform_id));
    assert.deepEqual(
      { name: row.name, kind: row.kind, client: row.client_id, account: row.account_name },
      { name: "Brand on X", kind: "x", client: t.clientId, account: DEFAULT_X_ACCOUNT.username },
    );
    const credentials = await loadCredentials(sql, row as PlatformRow) as Record<string, string>;
    assert.match(credentials.access_token, /^emu-x-access-/);
    assert.match(credentials.refresh_token, /^emu-x-refresh-/);
    assert.equal(credentials.client_id, DEFAULT_X_OAUTH2_GRANT.client_id);
    assert.equal(credentials.user_id, DEFAULT_X_ACCOUNT.user_id);
    assert.ok(Date.parse(credentials.expires_at) > Date.now());
    const me = await fetch(`${emulatorFor("x").origin}/2/users/me`, {
      headers: { authorization: `Bearer ${credentials.access_token}` },
    });
    assert.equal(me.status, 200, "the stored token works at the provider");
    await me.body?.cancel();

    const replayed = await arrive(callback);
    assert.equal(replayed.status, 400, JSON.stringify(replayed.body));
    assert.match((replayed.body as { error: string }).error, /unknown or was already used/);
    const [count] = await sql`select count(*)::int as n from public.platforms
                              where client_id = ${t.clientId}`;
    assert.equal(count.n, 1, "a replayed state creates nothing");
  } finally {
    await sql.end();
  }
});

Deno.test("connect YouTube: Google consent with offline access fills the channel and a refreshable grant", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "youtube", publish_config: youtubeConfig() }]);
    const [platform] = t.platforms;
    await sql`update public.platforms set needs_reconnection = true,
                reconnection_reason = 'Google: token revoked' where id = ${platform}`;
    const started = await start(t.token, { platform_id: platform });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const authorize = new URL(started.body.authorization_url);
    assert.equal(authorize.searchParams.get("access_type"), "offline");
    assert.equal(authorize.searchParams.get("client_id"), DEFAULT_YOUTUBE_GRANT.client_id);

    const done = await arrive(await consent(started.body.authorization_url));
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const body = done.body as Record<string, unknown>;
    assert.deepEqual(
      [body.platform_id, body.created, body.account_id, body.account_name, body.followers_count],
      [
        platform,
        false,
        DEFAULT_YOUTUBE_CHANNEL.channel_id,
        DEFAULT_YOUTUBE_CHANNEL.title,
        DEFAULT_YOUTUBE_CHANNEL.subscriber_count,
      ],
    );
    const row = await platformRow(sql, platform);
    assert.deepEqual([row.needs_reconnection, row.reconnection_reason], [false, null]);
    const credentials = await loadCredentials(sql, row as PlatformRow) as Record<string, string>;
    assert.match(credentials.refresh_token, /^1\/\/emu-/);
    assert.equal(credentials.client_secret, DEFAULT_YOUTUBE_GRANT.client_secret);

    // the refresh token the connection stored renews the access token at Google's endpoint
    const renewed = await fetch(`${emulatorFor("youtube").origin}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: credentials.refresh_token,
        client_id: credentials.client_id,
        client_secret: credentials.client_secret,
      }),
    });
    assert.equal(renewed.status, 200);
    await renewed.body?.cancel();
  } finally {
    await sql.end();
  }
});

Deno.test("connect LinkedIn: the member becomes the author, and a post goes out with the stored token", async () => {
  const sql = connect();
  try {
    const linkedin = emulatorFor("linkedin");
    const t = await createTenant(sql, []);
    const started = await start(t.token, {
      platform_kind: "linkedin",
      client_id: t.clientId,
      publish_config: {
        base_url: linkedin.origin,
        token_url: `${linkedin.origin}/oauth/v2/accessToken`,
        authorize_url: `${linkedin.origin}/oauth/v2/authorization`,
      },
    });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const authorize = new URL(started.body.authorization_url);
    assert.equal(authorize.searchParams.get("scope"), "openid profile w_member_social");
    assert.equal(
      authorize.searchParams.get("code_challenge"),
      null,
      "LinkedIn web apps take no PKCE",
    );

    const done = await arrive(await consent(started.body.authorization_url));
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const body = done.body as Record<string, unknown>;
    assert.deepEqual([body.account_id, body.account_name, body.followers_count], [
      DEFAULT_LINKEDIN_MEMBER.person_urn,
      DEFAULT_LINKEDIN_MEMBER.name,
      null,
    ]);
    const platform = String(body.platform_id);
    const row = await platformRow(sql, platform);
    assert.equal(row.publish_config.author_urn, DEFAULT_LINKEDIN_MEMBER.person_urn);
    const credentials = await loadCredentials(sql, row as PlatformRow) as Record<string, string>;

    const marker = `connected ${crypto.randomUUID()}`;
    const [due] = await sql`
      insert into public.distributions (client_id, platform_id, content_type, body, status, scheduled_for)
      values (${t.clientId}, ${platform}, 'manual', ${marker}, 'scheduled', now() - interval '1 minute')
      returning id`;
    await runPublisher(sql, new VaultPlatformDirectory(sql), {
      budgetMs: 10_000,
      batchSize: 10,
      lanes: 1,
      leaseSeconds: 60,
      idlePollMs: 20,
      exitWhenIdle: true,
    });
    const [published] =
      await sql`select status, error_message from public.distributions where id = ${due.id}`;
    assert.equal(published.status, "published", published.error_message);
    const posts = (await linkedin.requests()).filter((r) =>
      r.path === "/rest/posts" && JSON.stringify(r.body).includes(marker)
    );
    assert.deepEqual(posts.map((p) => p.headers.authorization), [
      `Bearer ${credentials.access_token}`,
    ]);
  } finally {
    await sql.end();
  }
});

Deno.test("connect TikTok: client_key and comma-separated scopes, the creator and follower count filled", async () => {
  const sql = connect();
  try {
    const tiktok = emulatorFor("tiktok");
    const t = await createTenant(sql, []);
    const started = await start(t.token, {
      platform_kind: "tiktok",
      client_id: t.clientId,
      publish_config: {
        base_url: tiktok.origin,
        authorize_url: `${tiktok.origin}/v2/auth/authorize/`,
      },
    });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const authorize = new URL(started.body.authorization_url);
    assert.equal(authorize.searchParams.get("client_key"), DEFAULT_TIKTOK_GRANT.client_key);
    assert.equal(
      authorize.searchParams.get("scope"),
      "user.info.basic,user.info.stats,video.publish,video.list",
    );

    const done = await arrive(await consent(started.body.authorization_url));
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const body = done.body as Record<string, unknown>;
    assert.deepEqual([body.account_id, body.account_name, body.followers_count], [
      `open-${DEFAULT_TIKTOK_GRANT.username}`,
      "Emulated Creator",
      2600,
    ]);
    const row = await platformRow(sql, String(body.platform_id));
    const credentials = await loadCredentials(sql, row as PlatformRow) as Record<string, string>;
    assert.equal(credentials.client_key, DEFAULT_TIKTOK_GRANT.client_key);
    assert.match(credentials.refresh_token, /^rft\.emu-/);
    const creator = await fetch(`${tiktok.origin}/v2/post/publish/creator_info/query/`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${credentials.access_token}`,
        "content-type": "application/json",
      },
      body: "{}",
    });
    assert.equal(creator.status, 200, "the stored token may publish (video.publish)");
    await creator.body?.cancel();
  } finally {
    await sql.end();
  }
});

Deno.test("connect Mailchimp: the metadata endpoint gives the data centre's API root, the audience its size", async () => {
  const sql = connect();
  try {
    const mailchimp = emulatorFor("email");
    const t = await createTenant(sql, []);
    const started = await start(t.token, {
      platform_kind: "email",
      client_id: t.clientId,
      publish_config: {
        list_id: "list1",
        token_url: `${mailchimp.origin}/oauth2/token`,
        authorize_url: `${mailchimp.origin}/oauth2/authorize`,
      },
    });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(
      new URL(started.body.authorization_url).searchParams.get("client_id"),
      DEFAULT_MAILCHIMP_CLIENT.client_id,
    );

    const done = await arrive(await consent(started.body.authorization_url));
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const body = done.body as Record<string, unknown>;
    assert.deepEqual([body.account_id, body.account_name, body.followers_count], [
      String(MAILCHIMP_ACCOUNT.user_id),
      MAILCHIMP_ACCOUNT.accountname,
      5000,
    ]);
    const row = await platformRow(sql, String(body.platform_id));
    assert.equal(row.publish_config.base_url, `${mailchimp.origin}/3.0`, "the account's API root");
    const credentials = await loadCredentials(sql, row as PlatformRow) as Record<string, string>;
    assert.deepEqual(Object.keys(credentials), ["access_token"], "a token that does not expire");
    const campaigns = await fetch(`${row.publish_config.base_url}/campaigns`, {
      headers: { authorization: `Bearer ${credentials.access_token}` },
    });
    assert.equal(campaigns.status, 200, "the stored token works at the account's API root");
    await campaigns.body?.cancel();
  } finally {
    await sql.end();
  }
});

Deno.test("connect Instagram: Facebook Login's token is exchanged for a 60-day one, the linked IG account found", async () => {
  const sql = connect();
  try {
    const instagram = emulatorFor("instagram");
    const t = await createTenant(sql, []);
    const started = await start(t.token, {
      platform_kind: "instagram",
      client_id: t.clientId,
      publish_config: {
        base_url: instagram.origin,
        authorize_url: `${instagram.origin}/v23.0/dialog/oauth`,
      },
    });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(
      new URL(started.body.authorization_url).searchParams.get("client_id"),
      DEFAULT_FACEBOOK_APP.client_id,
    );

    const done = await arrive(await consent(started.body.authorization_url));
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const body = done.body as Record<string, unknown>;
    assert.deepEqual([body.account_id, body.account_name, body.followers_count], [
      DEFAULT_IG_ACCOUNT.id,
      DEFAULT_IG_ACCOUNT.username,
      DEFAULT_IG_ACCOUNT.followers_count,
    ]);
    const row = await platformRow(sql, String(body.platform_id));
    assert.equal(row.publish_config.ig_user_id, DEFAULT_IG_ACCOUNT.id);
    const credentials = await loadCredentials(sql, row as PlatformRow) as Record<string, string>;
    assert.match(credentials.access_token, /^EAA-emu-long-/, "the long-lived token is stored");
    const days = (Date.parse(credentials.expires_at) - Date.now()) / 86_400_000;
    assert.ok(days > 59 && days <= 60, `it expires in 60 days (${days})`);

    const again = await start(t.token, { platform_id: String(body.platform_id) });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const expired = await arrive(
      await consent(again.body.authorization_url, { emulator_code_ttl: "0" }),
    );
    assert.equal(expired.status, 400, JSON.stringify(expired.body));
    assert.match(
      (expired.body as { error: string }).error,
      /Facebook did not accept the authorization code: .*expired/,
    );
  } finally {
    await sql.end();
  }
});

Deno.test("connect: a foreign state, an expired code, a refusal and an expired state are refused with a 4xx", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, []);
    const begin = async () => {
      const started = await start(t.token, {
        platform_kind: "x",
        client_id: t.clientId,
        publish_config: xConfig(),
      });
      assert.equal(started.status, 200, JSON.stringify(started.body));
      return started.body.authorization_url as string;
    };

    const foreign = new URL(callbackAddress());
    foreign.searchParams.set("state", "a-state-this-project-never-issued");
    foreign.searchParams.set("code", "emu-code-anything");
    const refusedForeign = await arrive(foreign);
    assert.equal(refusedForeign.status, 400, JSON.stringify(refusedForeign.body));

    const expiredCode = await arrive(await consent(await begin(), { emulator_code_ttl: "0" }));
    assert.equal(expiredCode.status, 400, JSON.stringify(expiredCode.body));
    assert.match(
      (expiredCode.body as { error: string }).error,
      /X did not accept the authorization code: .*expired.*start the connection again/,
    );

    const denied = await arrive(await consent(await begin(), { emulator_consent: "deny" }));
    assert.equal(denied.status, 403, JSON.stringify(denied.body));
    assert.match((denied.body as { error: string }).error, /access_denied/);

    const late = await consent(await begin());
    await sql`update private.oauth_states set expires_at = now() - interval '1 second'
              where state_hash = encode(sha256(${late.searchParams.get("state")!}::bytea), 'hex')`;
    const expiredState = await arrive(late);
    assert.equal(expiredState.status, 400, JSON.stringify(expiredState.body));
    assert.match((expiredState.body as { error: string }).error, /more than ten minutes ago/);

    const [count] = await sql`select count(*)::int as n from public.platforms
                              where client_id = ${t.clientId}`;
    assert.equal(count.n, 0, "nothing was connected");
  } finally {
    await sql.end();
  }
});

Deno.test("connect: an editor is refused, another client is not found, an unsupported kind is a 400", async () => {
  const sql = connect();
  try {
    const owner = await createTenant(sql, [{ kind: "x", publish_config: xConfig() }]);
    const [editorId] = await sql`insert into auth.users (id, email, aud, role)
      values (gen_random_uuid(), ${`e-${crypto.randomUUID().slice(0, 8)}@test.local`},
              'authenticated', 'authenticated') returning id`;
    await sql`insert into public.client_members (client_id, user_id, role)
              values (${owner.clientId}, ${editorId.id}, 'editor')`;
    const editor = await userJwt(editorId.id);
    const asEditor = await start(editor, { platform_id: owner.platforms[0] });
    assert.equal(asEditor.status, 403, JSON.stringify(asEditor.body));
    const newAsEditor = await start(editor, { platform_kind: "x", client_id: owner.clientId });
    assert.equal(newAsEditor.status, 403, JSON.stringify(newAsEditor.body));

    const stranger = await createTenant(sql, []);
    const asStranger = await start(stranger.token, { platform_id: owner.platforms[0] });
    assert.equal(asStranger.status, 404, JSON.stringify(asStranger.body));

    const wordpress = await start(owner.token, {
      platform_kind: "wordpress",
      client_id: owner.clientId,
    });
    assert.equal(wordpress.status, 400, JSON.stringify(wordpress.body));
    assert.match(wordpress.body.details[0].message, /POST \/platforms\/:id\/reconnect/);

    const phishing = await start(owner.token, {
      platform_kind: "x",
      client_id: owner.clientId,
      publish_config: { authorize_url: "https://login.example.net/authorize" },
    });
    assert.equal(phishing.status, 400, JSON.stringify(phishing.body));
    assert.match(phishing.body.details[0].message, /consent page is on https:\/\/x\.com/);

    const [states] = await sql`select count(*)::int as n from private.oauth_states
                               where client_id = ${owner.clientId}`;
    assert.equal(states.n, 0, "no connection was started");
  } finally {
    await sql.end();
  }
});

/** The callback's address on this stack. */
function callbackAddress(): string {
  return `${Deno.env.get("SUPABASE_URL")}/functions/v1/connections-callback`;
}
