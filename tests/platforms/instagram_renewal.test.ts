// Instagram's long-lived token renewed ahead of expiry (the renew-tokens job, token-renewal.ts) against
// the Instagram emulator's Graph API: a token within a week of its expiry is exchanged for a new one of
// 60 days (grant_type=fb_exchange_token), stored in Vault and accepted by the API; one far from expiry is
// left alone; one the Graph API refuses (expired or revoked) flags the platform with the reason and
// queues platform.reconnection_needed.
import assert from "node:assert/strict";
import { connect } from "../_support/stack.ts";
import { removePlatforms, storedSecret } from "../_support/platform-secrets.ts";
import { DEMO_CLIENT } from "../_support/seed.ts";
import { emulatorFor } from "../_support/emulators.ts";
import { DEFAULT_FACEBOOK_APP, DEFAULT_IG_ACCOUNT } from "../../dev/emulators/instagram.ts";
import { renewExpiringTokens } from "../../supabase/functions/_shared/platforms/token-renewal.ts";

type Sql = ReturnType<typeof connect>;
const DAY = 86_400_000;
/** The run's own window: Instagram's week applies on top of it. */
const WINDOW_S = 30 * 60;
const REDIRECT = "http://127.0.0.1:9/callback";

/** A long-lived user token from the emulator, as the connect flow gets one (consent, code, exchange). */
async function longLivedToken(): Promise<string> {
  const graph = `${emulatorFor("instagram").origin}/v23.0`;
  const app = { client_id: DEFAULT_FACEBOOK_APP.client_id };
  const consent = await fetch(
    `${graph}/dialog/oauth?${new URLSearchParams({
      ...app,
      redirect_uri: REDIRECT,
      state: "s",
      response_type: "code",
    })}`,
    { redirect: "manual" },
  );
  await consent.body?.cancel();
  const code = new URL(consent.headers.get("location")!).searchParams.get("code")!;
  const secret = { ...app, client_secret: DEFAULT_FACEBOOK_APP.client_secret };
  const short = await (await fetch(
    `${graph}/oauth/access_token?${new URLSearchParams({
      ...secret,
      redirect_uri: REDIRECT,
      code,
    })}`,
  )).json();
  const long = await (await fetch(
    `${graph}/oauth/access_token?${new URLSearchParams({
      ...secret,
      grant_type: "fb_exchange_token",
      fb_exchange_token: short.access_token,
    })}`,
  )).json();
  assert.match(long.access_token, /^EAA-emu-long-/);
  return long.access_token;
}

/** An Instagram platform of the demo client on the emulator holding `token`, expiring in `inMs`. */
async function instagramPlatform(sql: Sql, name: string, token: string, inMs: number) {
  const [row] = await sql`
    insert into public.platforms (client_id, name, kind, publish_config)
    values (${DEMO_CLIENT}, ${name}, 'instagram',
            ${
    sql.json({ base_url: emulatorFor("instagram").origin, ig_user_id: DEFAULT_IG_ACCOUNT.id })
  })
    returning id`;
  await sql`select public.reconnect_platform(${row.id}, ${
    sql.json({ access_token: token, expires_at: new Date(Date.now() + inMs).toISOString() })
  })`;
  return row.id as string;
}

async function exchanges(token: string) {
  return (await emulatorFor("instagram").requests()).filter((r) =>
    r.path.endsWith("/oauth/access_token") && r.query.fb_exchange_token === token
  );
}

Deno.test("instagram renewal: a long-lived token within a week of expiry is exchanged for a new one; a far one is left alone", async () => {
  const sql = connect(4);
  const ids: string[] = [];
  try {
    const [soonToken, farToken] = [await longLivedToken(), await longLivedToken()];
    const soon = await instagramPlatform(sql, "IG renewal soon", soonToken, 3 * DAY);
    const far = await instagramPlatform(sql, "IG renewal far", farToken, 30 * DAY);
    ids.push(soon, far);
    const farBefore = await storedSecret(sql, far);

    const report = await renewExpiringTokens(sql, { withinSeconds: WINDOW_S, limit: 50 });
    assert.ok(report.renewed.includes(soon), JSON.stringify(report));
    assert.ok(!report.renewed.includes(far), JSON.stringify(report));
    assert.ok(!report.refused.some((r) => ids.includes(r.platform_id)), JSON.stringify(report));

    const asked = await exchanges(soonToken);
    assert.equal(asked.length, 1, "the Graph API saw one exchange");
    assert.equal(asked[0].method, "GET");
    assert.equal(asked[0].query.grant_type, "fb_exchange_token");
    assert.equal(asked[0].query.client_id, DEFAULT_FACEBOOK_APP.client_id);
    const stored = await storedSecret(sql, soon);
    assert.match(stored.access_token, /^EAA-emu-long-/);
    assert.notEqual(stored.access_token, soonToken);
    const days = (Date.parse(stored.expires_at) - Date.now()) / DAY;
    assert.ok(days > 59 && days <= 60, stored.expires_at);
    assert.deepEqual(await storedSecret(sql, far), farBefore, "the far token untouched");
    assert.equal((await exchanges(farToken)).length, 0);

    // The Graph API takes the new token.
    const me = await fetch(`${emulatorFor("instagram").origin}/v23.0/me/accounts`, {
      headers: { authorization: `Bearer ${stored.access_token}` },
    });
    assert.equal(me.status, 200, await me.clone().text());
    await me.body?.cancel();

    // Renewed for 60 days: the next run leaves it.
    const again = await renewExpiringTokens(sql, { withinSeconds: WINDOW_S, limit: 50 });
    assert.ok(!again.renewed.includes(soon), JSON.stringify(again));
    const [row] = await sql`select needs_reconnection from public.platforms where id = ${soon}`;
    assert.equal(row.needs_reconnection, false);
  } finally {
    await removePlatforms(sql, ids);
    await sql.end();
  }
});

Deno.test("instagram renewal: a token the Graph API refuses flags the platform and queues platform.reconnection_needed", async () => {
  const sql = connect(4);
  const ids: string[] = [];
  try {
    await sql`delete from public.webhook_endpoints where client_id = ${DEMO_CLIENT}`;
    const [listening] = await sql`
      insert into public.webhook_endpoints (client_id, url, events)
      values (${DEMO_CLIENT}, 'http://127.0.0.1:9/hook', ${["platform.reconnection_needed"]})
      returning id`;
    // A token the emulator never issued (or issued to a session since ended).
    const dead = `EAA-ended-${crypto.randomUUID()}`;
    const platform = await instagramPlatform(sql, "IG renewal refused", dead, 2 * DAY);
    ids.push(platform);

    const report = await renewExpiringTokens(sql, { withinSeconds: WINDOW_S, limit: 50 });
    const refused = report.refused.find((r) => r.platform_id === platform);
    assert.ok(refused, JSON.stringify(report));
    assert.match(refused.reason, /renewing the long-lived token failed: .*access token/);
    assert.match(refused.reason, /reconnect the account before/);
    assert.equal((await exchanges(dead)).length, 1, "the Graph API was asked and refused");

    const [row] = await sql`select needs_reconnection, reconnection_reason from public.platforms
                             where id = ${platform}`;
    assert.deepEqual({ ...row }, { needs_reconnection: true, reconnection_reason: refused.reason });
    const deliveries = await sql`select endpoint_id, payload from public.webhook_deliveries
                                  where event = 'platform.reconnection_needed'
                                    and payload -> 'platform' ->> 'id' = ${platform}`;
    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0].endpoint_id, listening.id);
    assert.equal(deliveries[0].payload.platform.kind, "instagram");
    assert.equal(deliveries[0].payload.platform.reconnection_reason, refused.reason);
    assert.equal((await storedSecret(sql, platform)).access_token, dead, "nothing stored");

    // Flagged: later runs leave it to the person reconnecting it.
    const again = await renewExpiringTokens(sql, { withinSeconds: WINDOW_S, limit: 50 });
    assert.ok(!again.refused.some((r) => r.platform_id === platform), JSON.stringify(again));
    assert.equal((await exchanges(dead)).length, 1);
  } finally {
    await removePlatforms(sql, ids);
    await sql.end();
  }
});
