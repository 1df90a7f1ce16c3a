// Tokens renewed ahead of expiry (the renew-tokens job, platforms/token-renewal.ts) against the YouTube
// emulator's Google token endpoint: a token expiring within the window is renewed (the emulator sees the
// refresh, Vault holds the new token) and the next post sends it without a refresh; a token far from
// expiry is left alone; a refused refresh flags the platform with the reason and queues
// platform.reconnection_needed for the endpoints that list it; two runs at once refresh once.
import assert from "node:assert/strict";
import { connect } from "../_support/stack.ts";
import { removePlatforms, storedSecret } from "../_support/platform-secrets.ts";
import { DEMO_CLIENT } from "../_support/seed.ts";
import { emulatorFor } from "../_support/emulators.ts";
import { DEFAULT_YOUTUBE_GRANT } from "../../dev/emulators/youtube.ts";
import { renewExpiringTokens } from "../../supabase/functions/_shared/platforms/token-renewal.ts";
import { VaultPlatformDirectory } from "../../supabase/functions/_shared/platforms/directory.ts";

type Sql = ReturnType<typeof connect>;
const MINUTE = 60_000;
/** The window the runs below use: the emulator's new tokens (an hour) fall outside it. */
const WINDOW_S = 30 * 60;

/** A YouTube platform of the demo client on the emulator, holding `secret` in its own Vault secret. */
async function youtubePlatform(sql: Sql, name: string, secret: Record<string, string>) {
  const origin = emulatorFor("youtube").origin;
  const [row] = await sql`
    insert into public.platforms (client_id, name, kind, publish_config)
    values (${DEMO_CLIENT}, ${name}, 'youtube',
            ${sql.json({ base_url: origin, token_url: `${origin}/token` })})
    returning id`;
  await sql`select public.reconnect_platform(${row.id}, ${sql.json(secret)})`;
  return row.id as string;
}

function grant(accessToken: string, expiresInMs: number, refreshToken?: string) {
  return {
    access_token: accessToken,
    expires_at: new Date(Date.now() + expiresInMs).toISOString(),
    refresh_token: refreshToken ?? DEFAULT_YOUTUBE_GRANT.refresh_token,
    client_id: DEFAULT_YOUTUBE_GRANT.client_id,
    client_secret: DEFAULT_YOUTUBE_GRANT.client_secret,
  };
}

async function tokenRequests(refreshToken: string) {
  return (await emulatorFor("youtube").requests()).filter((r) =>
    r.path === "/token" && (r.body as Record<string, string>)?.refresh_token === refreshToken
  );
}

Deno.test("renewal: a token expiring within the window is renewed before a post needs it; one far from expiry is left alone", async () => {
  const sql = connect(4);
  const ids: string[] = [];
  try {
    await emulatorFor("youtube").clearRequests();
    const soon = await youtubePlatform(sql, "Renewal soon", grant("ya29.soon", 10 * MINUTE));
    const far = await youtubePlatform(sql, "Renewal far", grant("ya29.far", 30 * 24 * 60 * MINUTE));
    ids.push(soon, far);
    const farBefore = await storedSecret(sql, far);

    const report = await renewExpiringTokens(sql, { withinSeconds: WINDOW_S, limit: 50 });
    assert.ok(report.renewed.includes(soon), JSON.stringify(report));
    assert.ok(!report.renewed.includes(far), JSON.stringify(report));
    assert.deepEqual(report.refused, []);

    const refreshes = await tokenRequests(DEFAULT_YOUTUBE_GRANT.refresh_token);
    assert.equal(refreshes.length, 1, "the emulator saw one refresh");
    assert.equal((refreshes[0].body as Record<string, string>).grant_type, "refresh_token");
    const stored = await storedSecret(sql, soon);
    assert.notEqual(stored.access_token, "ya29.soon");
    assert.match(stored.access_token, /^ya29\.emu-/, "the emulator's new token is in Vault");
    assert.ok(Date.parse(stored.expires_at) > Date.now() + 50 * MINUTE, stored.expires_at);
    assert.equal(stored.refresh_token, DEFAULT_YOUTUBE_GRANT.refresh_token);
    assert.equal(stored.client_secret, DEFAULT_YOUTUBE_GRANT.client_secret, "the rest kept");
    assert.deepEqual(await storedSecret(sql, far), farBefore, "the far token untouched");

    // A post loads the renewed token and sends it without another refresh.
    await emulatorFor("youtube").clearRequests();
    const entry = await new VaultPlatformDirectory(sql).get(soon);
    assert.ok("publish" in entry.adapter, JSON.stringify(entry.adapter));
    const found = await entry.adapter.findExisting({
      attemptId: "renewal-probe",
      content: { title: "Probe", body: "Probe", mediaUrls: [], platformSpecific: {} },
    });
    assert.deepEqual(found, { ok: true, found: false });
    const sent = (await emulatorFor("youtube").requests()).filter((r) => r.path !== "/token");
    assert.ok(sent.length > 0);
    for (const r of sent) assert.equal(r.headers.authorization, `Bearer ${stored.access_token}`);
    assert.equal((await tokenRequests(DEFAULT_YOUTUBE_GRANT.refresh_token)).length, 0);

    // The next run finds nothing to renew.
    const again = await renewExpiringTokens(sql, { withinSeconds: WINDOW_S, limit: 50 });
    assert.ok(!again.renewed.includes(soon) && !again.renewed.includes(far), JSON.stringify(again));
    const [flags] = await sql`select bool_or(needs_reconnection) as any from public.platforms
                               where id = any(${ids})`;
    assert.equal(flags.any, false);
  } finally {
    await removePlatforms(sql, ids);
    await sql.end();
  }
});

Deno.test("renewal: a refused refresh flags the platform with the reason and queues platform.reconnection_needed", async () => {
  const sql = connect(4);
  const ids: string[] = [];
  try {
    await sql`delete from public.webhook_endpoints where client_id = ${DEMO_CLIENT}`;
    const [listening] = await sql`
      insert into public.webhook_endpoints (client_id, url, events)
      values (${DEMO_CLIENT}, 'http://127.0.0.1:9/hook', ${["platform.reconnection_needed"]})
      returning id`;
    const [other] = await sql`
      insert into public.webhook_endpoints (client_id, url, events)
      values (${DEMO_CLIENT}, 'http://127.0.0.1:9/other', ${["distribution.failed"]})
      returning id`;
    const revoked = "1//revoked-by-the-account-owner";
    const platform = await youtubePlatform(
      sql,
      "Renewal revoked",
      grant("ya29.revoked", 10 * MINUTE, revoked),
    );
    ids.push(platform);

    const report = await renewExpiringTokens(sql, { withinSeconds: WINDOW_S, limit: 50 });
    const refused = report.refused.find((r) => r.platform_id === platform);
    assert.ok(refused, JSON.stringify(report));
    assert.match(refused.reason, /Token has been expired or revoked/);
    assert.equal((await tokenRequests(revoked)).length, 1, "the emulator was asked and refused");

    const [row] = await sql`select needs_reconnection, reconnection_reason from public.platforms
                             where id = ${platform}`;
    assert.equal(row.needs_reconnection, true);
    assert.equal(row.reconnection_reason, refused.reason);
    assert.match(row.reconnection_reason, /reconnect the account before/);

    const deliveries = await sql`select endpoint_id, event, payload from public.webhook_deliveries
                                  where client_id = ${DEMO_CLIENT}
                                    and event = 'platform.reconnection_needed'
                                    and payload -> 'platform' ->> 'id' = ${platform}`;
    assert.equal(deliveries.length, 1, "queued for the endpoint that lists it only");
    assert.equal(deliveries[0].endpoint_id, listening.id);
    assert.notEqual(deliveries[0].endpoint_id, other.id);
    assert.equal(deliveries[0].payload.event, "platform.reconnection_needed");
    assert.equal(deliveries[0].payload.platform.kind, "youtube");
    assert.equal(deliveries[0].payload.platform.reconnection_reason, refused.reason);

    // Flagged: later runs leave it to the person reconnecting it.
    const again = await renewExpiringTokens(sql, { withinSeconds: WINDOW_S, limit: 50 });
    assert.ok(!again.refused.some((r) => r.platform_id === platform), JSON.stringify(again));
    assert.equal((await tokenRequests(revoked)).length, 1);
  } finally {
    await removePlatforms(sql, ids);
    await sql.end();
  }
});

Deno.test("renewal: two runs at once renew a token once, under its credential lock", async () => {
  const [a, b] = [connect(4), connect(4)];
  const ids: string[] = [];
  try {
    await emulatorFor("youtube").clearRequests();
    const platform = await youtubePlatform(a, "Renewal race", grant("ya29.race", 10 * MINUTE));
    ids.push(platform);
    const reports = await Promise.all([
      renewExpiringTokens(a, { withinSeconds: WINDOW_S, limit: 50 }),
      renewExpiringTokens(b, { withinSeconds: WINDOW_S, limit: 50 }),
    ]);
    assert.ok(reports.some((r) => r.renewed.includes(platform)), JSON.stringify(reports));
    for (const r of reports) {
      assert.ok(!r.refused.some((x) => x.platform_id === platform), JSON.stringify(r));
      assert.ok(!r.failed.some((x) => x.platform_id === platform), JSON.stringify(r));
    }
    assert.equal((await tokenRequests(DEFAULT_YOUTUBE_GRANT.refresh_token)).length, 1);
    assert.match((await storedSecret(a, platform)).access_token, /^ya29\.emu-/);
  } finally {
    await removePlatforms(a, ids);
    await a.end();
    await b.end();
  }
});

Deno.test("renewal: the per-run limit bounds the work; what is left is counted for the next run", async () => {
  const sql = connect(4);
  const ids: string[] = [];
  try {
    for (const n of [1, 2, 3]) {
      ids.push(await youtubePlatform(sql, `Renewal limit ${n}`, grant(`ya29.l${n}`, n * MINUTE)));
    }
    const report = await renewExpiringTokens(sql, { withinSeconds: WINDOW_S, limit: 2 });
    assert.deepEqual(report.renewed, ids.slice(0, 2), "soonest first");
    assert.equal(report.left, 1);
    const next = await renewExpiringTokens(sql, { withinSeconds: WINDOW_S, limit: 2 });
    assert.deepEqual(next.renewed, [ids[2]]);
    assert.equal(next.left, 0);
  } finally {
    await removePlatforms(sql, ids);
    await sql.end();
  }
});
