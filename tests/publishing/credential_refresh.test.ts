// Rotating refresh tokens across workers: TikTok's access token in Vault has expired and two publish
// workers (two platform directories, as two runs or two processes hold) renew it at the same moment.
// TikTok retires a refresh token once it is used, so without the credential lock the second refresh would
// be refused and the platform flagged for reconnection.
import assert from "node:assert/strict";
import { connect } from "../_support/stack.ts";
import { PLATFORM_IDS } from "../_support/seed.ts";
import { emulatorFor } from "../_support/emulators.ts";
import { contentFor } from "../../dev/demo-content.ts";
import { DEFAULT_TIKTOK_GRANT } from "../../dev/emulators/tiktok.ts";
import type { PlatformAdapter } from "../../supabase/functions/_shared/adapters/adapter.ts";
import { VaultPlatformDirectory } from "../../supabase/functions/_shared/platforms/directory.ts";
import { storedSecret } from "../_support/platform-secrets.ts";

type Sql = ReturnType<typeof connect>;
const TIKTOK = PLATFORM_IDS.tiktok;

async function storeSecret(sql: Sql, secret: Record<string, string>): Promise<void> {
  await sql`select vault.update_secret(p.credentials_secret_id, ${JSON.stringify(secret)})
    from public.platforms p where p.id = ${TIKTOK}`;
}

async function tiktokAdapter(sql: Sql): Promise<PlatformAdapter> {
  const entry = await new VaultPlatformDirectory(sql).get(TIKTOK);
  assert.ok("publish" in entry.adapter, JSON.stringify(entry.adapter));
  return entry.adapter;
}

const post = (marker: string) => {
  const content = contentFor("tiktok", marker, emulatorFor("tiktok").origin);
  return {
    title: content.title,
    body: content.body,
    mediaUrls: content.media_urls,
    platformSpecific: content.platform_specific,
  };
};

Deno.test("two workers renew an expired TikTok token at once: one refresh, both post, Vault keeps the rotated token", async () => {
  const sql = connect(4);
  const original = await storedSecret(sql, TIKTOK);
  const emulator = emulatorFor("tiktok");
  try {
    await emulator.clearFaults();
    await emulator.clearRequests();
    const expired = new Date(Date.now() - 60_000).toISOString();
    await storeSecret(sql, {
      access_token: "act.expired",
      expires_at: expired,
      refresh_token: DEFAULT_TIKTOK_GRANT.refresh_token,
      client_key: DEFAULT_TIKTOK_GRANT.client_key,
      client_secret: DEFAULT_TIKTOK_GRANT.client_secret,
    });
    // Both loaded the same expired credentials before either renewed them.
    const [first, second] = [await tiktokAdapter(sql), await tiktokAdapter(sql)];
    const results = await Promise.all([
      first.publish(post("refresh worker 1"), { attemptId: crypto.randomUUID() }),
      second.publish(post("refresh worker 2"), { attemptId: crypto.randomUUID() }),
    ]);
    for (const result of results) assert.equal(result.ok, true, JSON.stringify(result));

    const requests = await emulator.requests();
    const refreshes = requests.filter((r) => r.path === "/v2/oauth/token/");
    assert.equal(refreshes.length, 1, "one refresh for both workers");
    assert.equal(
      (refreshes[0].body as Record<string, string>).refresh_token,
      DEFAULT_TIKTOK_GRANT.refresh_token,
    );
    assert.equal(
      requests.filter((r) => r.headers.authorization === "Bearer act.expired").length,
      0,
      "the expired token was never sent",
    );
    const stored = await storedSecret(sql, TIKTOK);
    assert.notEqual(stored.refresh_token, DEFAULT_TIKTOK_GRANT.refresh_token, "rotated token kept");
    assert.notEqual(stored.access_token, "act.expired");
    assert.ok(Date.parse(stored.expires_at) > Date.now() + 3_600_000, stored.expires_at);
    assert.equal(stored.client_key, DEFAULT_TIKTOK_GRANT.client_key, "the rest of the secret kept");
    const used = requests.filter((r) => r.path === "/v2/post/publish/video/init/")
      .map((r) => r.headers.authorization);
    assert.deepEqual(used, [`Bearer ${stored.access_token}`, `Bearer ${stored.access_token}`]);

    // The next run starts from the stored token: nothing to renew.
    await emulator.clearRequests();
    const third = await tiktokAdapter(sql);
    assert.equal((await third.publish(post("refresh worker 3"), { attemptId: "r3" })).ok, true);
    assert.equal(
      (await emulator.requests()).filter((r) => r.path === "/v2/oauth/token/").length,
      0,
    );
    const [platform] =
      await sql`select needs_reconnection from public.platforms where id = ${TIKTOK}`;
    assert.equal(platform.needs_reconnection, false);
  } finally {
    await storeSecret(sql, original);
    await sql.end();
  }
});
