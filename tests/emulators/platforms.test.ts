/** Platform emulator behaviour that the adapters do not exercise on the happy path. */
import assert from "node:assert/strict";
import {
  type EmulatorDefinition,
  type RunningEmulator,
  serveEmulator,
} from "../../dev/emulators/framework.ts";
import { linkedinEmulator } from "../../dev/emulators/linkedin.ts";
import { EMULATORS } from "../../dev/emulators/main.ts";
import { wordpressEmulator } from "../../dev/emulators/wordpress.ts";
import { chunkRuleBroken } from "../../dev/emulators/tiktok.ts";
import { tiktokChunks } from "../../supabase/functions/_shared/adapters/tiktok.ts";
import { DEFAULT_X_ACCOUNT, overWeightedLength, xEmulator } from "../../dev/emulators/x.ts";
import { parseTweet } from "../../supabase/functions/_shared/adapters/twitter-text.ts";
import { XAdapter } from "../../supabase/functions/_shared/adapters/x.ts";
import { platformRow } from "../adapters/helpers.ts";
import {
  DEFAULT_YOUTUBE_CHANNEL,
  DEFAULT_YOUTUBE_GRANT,
  youtubeEmulator,
} from "../../dev/emulators/youtube.ts";

const NOW = new Date("2026-11-24T12:00:00Z");

async function withEmu<S>(
  def: EmulatorDefinition<S>,
  fn: (emu: RunningEmulator<S>) => Promise<void>,
) {
  const emu = serveEmulator(def, { clock: () => NOW });
  try {
    await fn(emu);
  } finally {
    await emu.close();
  }
}

async function call(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body: body as Record<string, unknown> };
}

const WP_AUTH = `Basic ${btoa("admin:abcdefghijklmnopqrstuvwx")}`;

Deno.test("wordpress emulator: publish with a date >= 60 s ahead becomes future; < 60 s stays publish", () =>
  withEmu(wordpressEmulator({ users: { admin: "abcd efgh ijkl mnop qrst uvwx" } }), async (emu) => {
    const create = (date: Date, status = "publish") =>
      call(`${emu.origin}/wp-json/wp/v2/posts`, {
        method: "POST",
        headers: { authorization: WP_AUTH, "content-type": "application/json" },
        body: JSON.stringify({
          title: "t",
          content: "c",
          status,
          date_gmt: date.toISOString().slice(0, 19),
        }),
      });
    const ahead = await create(new Date(NOW.getTime() + 60_000));
    assert.equal(ahead.status, 201);
    assert.equal(ahead.body.status, "future");
    assert.match(ahead.headers.get("location") ?? "", /\/wp-json\/wp\/v2\/posts\/\d+$/);
    assert.equal((await create(new Date(NOW.getTime() + 59_000))).body.status, "publish");
    assert.equal((await create(new Date(NOW.getTime() + 10_000), "future")).body.status, "publish");
    const bad = await create(NOW, "scheduled");
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, "rest_invalid_param");
    const anonymous = await call(`${emu.origin}/wp-json/wp/v2/posts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(anonymous.body.code, "rest_cannot_create");
  }));

Deno.test("x emulator: rejects malformed or replayed OAuth 1.0a headers", () =>
  withEmu(xEmulator(), async (emu) => {
    const tweet = (authorization: string) =>
      call(`${emu.origin}/2/tweets`, {
        method: "POST",
        headers: { authorization, "content-type": "application/json" },
        body: JSON.stringify({ text: "hi" }),
      });
    const missing = await tweet('OAuth oauth_consumer_key="emu-app-key", oauth_token="t"');
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get("content-type"), "application/problem+json");
    assert.equal((await tweet("Bearer abc")).status, 401);
    const unsigned = [
      'oauth_consumer_key="emu-app-key"',
      'oauth_nonce="abc"',
      'oauth_signature="bad%3D"',
      'oauth_signature_method="HMAC-SHA1"',
      `oauth_timestamp="${Math.floor(Date.now() / 1000)}"`,
      'oauth_token="1500000000000000001-emutoken"',
      'oauth_version="1.0"',
    ];
    assert.equal((await tweet(`OAuth ${unsigned.join(", ")}`)).status, 401, "bad signature");
    assert.equal(emu.state.tweets.size, 0);
    // A correctly signed request is accepted once; replaying its nonce is not.
    const adapter = new XAdapter(platformRow("x", { base_url: emu.origin }), {
      app_key: DEFAULT_X_ACCOUNT.app_key,
      app_secret: DEFAULT_X_ACCOUNT.app_secret,
      access_token: DEFAULT_X_ACCOUNT.access_token,
      access_secret: DEFAULT_X_ACCOUNT.access_secret,
    });
    assert.equal((await adapter.publish({ body: "once" }, { attemptId: "r" })).ok, true);
    const signed = emu.requests({ method: "POST" }).at(-1)!.headers.authorization;
    assert.equal((await tweet(signed)).status, 401, "replayed nonce");
    assert.equal(emu.state.tweets.size, 1);
  }));

Deno.test("x emulator: the length check agrees with twitter-text, short cut or not", () => {
  const ascii = ["budget", "a.co", "x.com/path", "https://example.com/a?b=c", "e.g.", "..."];
  const words = [...ascii, "日本", "😀"];
  let seed = 7;
  const pick = (from: string[]) => from[(seed = (seed * 48271) % 2147483647) % from.length];
  const random = Array.from(
    { length: 400 },
    (_, i) => Array.from({ length: i % 70 }, () => pick(i % 2 ? ascii : words)).join(" "),
  );
  const edges = [
    "",
    "x".repeat(280),
    "x".repeat(281),
    "a.co ".repeat(11),
    "a.co ".repeat(12),
    `${"x".repeat(257)} a.co`,
    "日".repeat(140),
    "日".repeat(141),
    "\u0958".repeat(100), // NFC turns each into two code points
  ];
  for (const text of [...edges, ...random]) {
    assert.equal(overWeightedLength(text), parseTweet(text).weightedLength > 280, text);
  }
});

Deno.test("linkedin emulator: version and protocol headers are required", () =>
  withEmu(linkedinEmulator(), async (emu) => {
    const headers = { authorization: "Bearer emu-linkedin-token" };
    const noVersion = await call(
      `${emu.origin}/rest/posts?q=author&author=urn:li:person:emuPerson1`,
      { headers },
    );
    assert.equal(noVersion.status, 400);
    assert.equal(noVersion.body.code, "VERSION_MISSING");
    const future = await call(`${emu.origin}/rest/posts?q=author&author=urn:li:person:emuPerson1`, {
      headers: { ...headers, "linkedin-version": "202712", "x-restli-protocol-version": "2.0.0" },
    });
    assert.equal(future.status, 426);
    const noToken = await call(`${emu.origin}/rest/posts`, { method: "POST" });
    assert.equal(noToken.body.code, "EMPTY_ACCESS_TOKEN");
  }));

Deno.test("youtube emulator: publishAt needs private; a chunk is kept in whole 256 KiB units, 308 Range says how far", () =>
  withEmu(youtubeEmulator(), async (emu) => {
    const auth = { authorization: `Bearer ${DEFAULT_YOUTUBE_CHANNEL.access_token}` };
    const UNIT = 256 * 1024;
    const TOTAL = UNIT + 10;
    const session = (status: Record<string, unknown>) =>
      call(`${emu.origin}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`, {
        method: "POST",
        headers: {
          ...auth,
          "content-type": "application/json",
          "x-upload-content-length": String(TOTAL),
        },
        body: JSON.stringify({ snippet: { title: "t", description: "d" }, status }),
      });
    const publicScheduled = await session({
      privacyStatus: "public",
      publishAt: "2026-12-01T00:00:00Z",
    });
    assert.equal(publicScheduled.status, 400);
    assert.deepEqual(
      (publicScheduled.body.error as { errors: { reason: string }[] }).errors[0].reason,
      "invalidPublishAt",
    );
    const ok = await session({ privacyStatus: "private" });
    const location = ok.headers.get("location")!;
    const short = await call(location, {
      method: "PUT",
      headers: { "content-range": `bytes 0-3/${TOTAL}` },
      body: new Uint8Array(4),
    });
    assert.equal(short.status, 308);
    assert.equal(short.headers.get("range"), null, "less than a unit short of the end: none kept");
    const first = await call(location, {
      method: "PUT",
      headers: { "content-range": `bytes 0-${UNIT + 3}/${TOTAL}` },
      body: new Uint8Array(UNIT + 4),
    });
    assert.equal(first.status, 308);
    assert.equal(first.headers.get("range"), `bytes=0-${UNIT - 1}`);
    const query = await call(location, {
      method: "PUT",
      headers: { "content-range": `bytes */${TOTAL}` },
    });
    assert.equal(query.headers.get("range"), `bytes=0-${UNIT - 1}`);
    const rest = await call(location, {
      method: "PUT",
      headers: { "content-range": `bytes ${UNIT}-${TOTAL - 1}/${TOTAL}` },
      body: new Uint8Array(10),
    });
    assert.equal(rest.status, 201);
    assert.equal((rest.body.status as { privacyStatus: string }).privacyStatus, "private");
    const noAuth = await call(`${emu.origin}/youtube/v3/videos?part=statistics&id=x`);
    assert.equal(noAuth.status, 401);
  }));

Deno.test("youtube emulator: /token issues short-lived tokens, refuses revoked refresh tokens", async () => {
  let now = NOW;
  const emu = serveEmulator(youtubeEmulator({ tokenLifetimeSeconds: 60 }), { clock: () => now });
  const form = (fields: Record<string, string>) =>
    call(`${emu.origin}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  const grant = {
    grant_type: "refresh_token",
    refresh_token: DEFAULT_YOUTUBE_GRANT.refresh_token,
    client_id: DEFAULT_YOUTUBE_GRANT.client_id,
    client_secret: DEFAULT_YOUTUBE_GRANT.client_secret,
  };
  const channels = (token: unknown) =>
    call(`${emu.origin}/youtube/v3/channels?part=contentDetails&mine=true`, {
      headers: { authorization: `Bearer ${token}` },
    });
  try {
    const issued = await form(grant);
    assert.equal(issued.status, 200);
    assert.equal(issued.body.token_type, "Bearer");
    assert.equal(issued.body.expires_in, 60);
    assert.equal((await channels(issued.body.access_token)).status, 200);
    now = new Date(NOW.getTime() + 61_000);
    assert.equal((await channels(issued.body.access_token)).status, 401, "expired");
    assert.equal(
      (await form({ ...grant, grant_type: "password" })).body.error,
      "unsupported_grant_type",
    );
    const badClient = await form({ ...grant, client_secret: "nope" });
    assert.deepEqual([badClient.status, badClient.body.error], [401, "invalid_client"]);
    const fresh = await form(grant);
    const revoked = await call(`${emu.origin}/revoke?token=${grant.refresh_token}`, {
      method: "POST",
    });
    assert.equal(revoked.status, 200);
    const refused = await form(grant);
    assert.deepEqual([refused.status, refused.body.error], [400, "invalid_grant"]);
    assert.equal((await channels(fresh.body.access_token)).status, 401, "revoked with its grant");
    assert.equal((await channels(DEFAULT_YOUTUBE_CHANNEL.access_token)).status, 200);
  } finally {
    await emu.close();
  }
});

Deno.test("main: one entry per platform, fixed offsets, distinct names", () => {
  const made = EMULATORS.map((e) => [e.offset, e.create().name] as const);
  assert.deepEqual(made.slice(0, 4), [[0, "wordpress"], [1, "x"], [2, "linkedin"], [3, "youtube"]]);
  assert.equal(new Set(made.map(([o]) => o)).size, made.length);
});

Deno.test("tiktok emulator: FILE_UPLOAD chunk rules, and the adapter's plan keeps them", () => {
  const MB = 1024 * 1024;
  const cases: [string, number, number, number, RegExp | undefined][] = [
    ["under 5 MB whole", 3 * MB, 3 * MB, 1, undefined],
    ["under 5 MB in pieces", 3 * MB, MB, 3, /uploaded whole/],
    ["chunks under 5 MB", 20 * MB, 4 * MB, 5, /5 MB to 64 MB/],
    ["chunks over 64 MB", 200 * MB, 65 * MB, 3, /5 MB to 64 MB/],
    ["count rounded up", 25 * MB, 10 * MB, 3, /rounded down/],
    ["count rounded down, the rest in the last", 25 * MB, 10 * MB, 2, undefined],
    ["over 1000 chunks", 6000 * MB, 5 * MB, 1200, /1000/],
    ["a last chunk over 128 MB", 129 * MB, 64 * MB, 2, undefined],
    ["one 100 MB chunk", 100 * MB, 64 * MB, 1, /several chunks/],
  ];
  for (const [name, size, chunk, count, broken] of cases) {
    const why = chunkRuleBroken(size, chunk, count);
    if (broken) assert.match(why ?? "", broken, name);
    else assert.equal(why, undefined, name);
  }
  const sizes = [
    1,
    5 * MB - 1,
    5 * MB,
    8 * MB,
    8 * MB + 1,
    16 * MB - 1,
    64 * MB + 1,
    100 * MB,
    6000 * MB,
  ];
  for (const chunkBytes of [5 * MB, 8 * MB, 64 * MB]) {
    for (const size of sizes) {
      const plan = tiktokChunks(size, chunkBytes);
      assert.equal(
        chunkRuleBroken(size, plan.chunkSize, plan.count),
        undefined,
        `${size} bytes in chunks of ${chunkBytes}: ${JSON.stringify(plan)}`,
      );
    }
  }
});
