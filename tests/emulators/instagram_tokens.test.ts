// The Instagram emulator's long-lived token renewal (grant_type=fb_exchange_token with a long-lived
// token): a new 60-day token while the old one lives; code 190 once it expired (subcode 463), was
// revoked (460) or was never issued.
import assert from "node:assert/strict";
import { serveEmulator } from "../../dev/emulators/framework.ts";
import { DEFAULT_FACEBOOK_APP, instagramEmulator } from "../../dev/emulators/instagram.ts";

const DAY = 86_400_000;

Deno.test("instagram emulator: a long-lived token renews until it expires or is revoked", async () => {
  const clock = { now: new Date("2026-03-02T12:00:00Z") };
  const emu = serveEmulator(instagramEmulator(), { clock: () => clock.now });
  const graph = `${emu.origin}/v23.0`;
  const app = DEFAULT_FACEBOOK_APP;
  const get = async (path: string, params: Record<string, string>) => {
    const res = await fetch(`${graph}/${path}?${new URLSearchParams(params)}`, {
      redirect: "manual",
    });
    const body = res.status === 302 ? res.headers.get("location") : await res.json();
    return { status: res.status, body };
  };
  const exchange = (token: string) =>
    get("oauth/access_token", {
      ...app,
      grant_type: "fb_exchange_token",
      fb_exchange_token: token,
    });
  try {
    const redirect_uri = "http://127.0.0.1:9/cb";
    const consent = await get("dialog/oauth", {
      client_id: app.client_id,
      redirect_uri,
      state: "s",
      response_type: "code",
    });
    const code = new URL(String(consent.body)).searchParams.get("code")!;
    const short = await get("oauth/access_token", { ...app, redirect_uri, code });
    const long = await exchange(short.body.access_token);
    assert.equal(long.body.expires_in, 60 * 86_400);

    clock.now = new Date(clock.now.getTime() + 55 * DAY);
    const renewed = await exchange(long.body.access_token);
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
    assert.notEqual(renewed.body.access_token, long.body.access_token);
    assert.equal(renewed.body.expires_in, 60 * 86_400);

    clock.now = new Date(clock.now.getTime() + 6 * DAY); // the first long-lived token ran out
    const expired = await exchange(long.body.access_token);
    assert.equal(expired.status, 400);
    assert.deepEqual([expired.body.error.code, expired.body.error.error_subcode], [190, 463]);

    emu.state.revoked.add(renewed.body.access_token);
    const revoked = await exchange(renewed.body.access_token);
    assert.deepEqual([revoked.body.error.code, revoked.body.error.error_subcode], [190, 460]);

    const unknown = await exchange("EAA-never-issued");
    assert.equal(unknown.body.error.code, 190);
  } finally {
    await emu.close();
  }
});
