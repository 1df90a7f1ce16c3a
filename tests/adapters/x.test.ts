import assert from "node:assert/strict";
import { XAdapter } from "../../supabase/functions/_shared/adapters/x.ts";
import { parseCredentials } from "../../supabase/functions/_shared/platforms/credentials.ts";
import { validatorFor } from "../../supabase/functions/_shared/adapters/registry.ts";
import { type RunningEmulator, serveEmulator } from "../../dev/emulators/framework.ts";
import {
  DEFAULT_X_ACCOUNT,
  DEFAULT_X_OAUTH2_GRANT,
  expireXTokens,
  xEmulator,
  type XEmulatorOptions,
  type XState,
} from "../../dev/emulators/x.ts";
import { assertFailure, assertOk, platformRow, recordingFetch } from "./helpers.ts";
import { type Relay, relayTo } from "./relay.ts";

const CREDS = {
  app_key: DEFAULT_X_ACCOUNT.app_key,
  app_secret: DEFAULT_X_ACCOUNT.app_secret,
  access_token: DEFAULT_X_ACCOUNT.access_token,
  access_secret: DEFAULT_X_ACCOUNT.access_secret,
};

async function withX(
  fn: (adapter: XAdapter, emu: RunningEmulator<XState>, clock: { now: Date }) => Promise<void>,
  options: XEmulatorOptions = {},
  creds: Partial<typeof CREDS> = {},
  config: Record<string, unknown> = {},
) {
  const clock = { now: new Date("2026-03-03T14:00:00Z") };
  const emu = serveEmulator(xEmulator(options), { clock: () => clock.now });
  const row = platformRow("x", { base_url: emu.origin, timeout_ms: 500, ...config });
  const adapter = new XAdapter(row, { ...CREDS, ...creds }, { now: () => clock.now });
  try {
    await fn(adapter, emu, clock);
  } finally {
    await emu.close();
  }
}

/** The adapter talks to the emulator through a relay that counts and can lose connections. */
async function withRelayedX(
  fn: (adapter: XAdapter, emu: RunningEmulator<XState>, relay: Relay) => Promise<void>,
) {
  const clock = { now: new Date("2026-03-03T14:00:00Z") };
  const emu = serveEmulator(xEmulator(), { clock: () => clock.now });
  const relay = relayTo(emu.port);
  const row = platformRow("x", { base_url: relay.origin, timeout_ms: 500 });
  const adapter = new XAdapter(row, CREDS, { now: () => clock.now });
  try {
    await fn(adapter, emu, relay);
  } finally {
    await relay.close();
    await emu.close();
  }
}

const tweetsWithText = (emu: RunningEmulator<XState>, text: string) =>
  emu.requests({ method: "POST", path: "/2/tweets" }).filter((r) =>
    (r.body as { text?: string }).text === text
  ).length;

Deno.test("x: publish sends exactly one signed OAuth 1.0a POST /2/tweets", () =>
  withX(async (adapter, emu) => {
    const result = await adapter.publish({ body: "Hello from the emulator" }, { attemptId: "a1" });
    assertOk(result);
    assert.equal(result.externalUrl, `https://x.com/i/status/${result.externalId}`);
    const posts = emu.requests({ method: "POST", path: "/2/tweets" });
    assert.equal(posts.length, 1);
    assert.match(posts[0].headers.authorization, /^OAuth .*oauth_signature="/);
    assert.deepEqual(posts[0].body, { text: "Hello from the emulator" });
  }));

Deno.test("x: a wrong secret fails the signature check -> auth, after one fresh signature", () =>
  withX(
    async (adapter, emu) => {
      assertFailure(await adapter.publish({ body: "hi" }, { attemptId: "a" }), "auth");
      const posts = emu.requests({ method: "POST", path: "/2/tweets" });
      assert.equal(posts.length, 2, "refused (not applied), signed afresh, refused again");
      assert.notEqual(posts[0].headers.authorization, posts[1].headers.authorization);
      assert.equal(emu.state.tweets.size, 0);
    },
    {},
    { app_secret: "not-the-secret" },
  ));

Deno.test("x: update is a typed unsupported operation, never a no-op", () =>
  withX(async (adapter, emu) => {
    const result = await adapter.update("1", { body: "edit" });
    assert.deepEqual(result, {
      ok: false,
      unsupported: true,
      operation: "update",
      message: "X does not let most API tiers edit a post",
    });
    assert.equal(emu.requests().length, 0);
  }));

Deno.test("x: delete, then delete again reports alreadyDeleted", () =>
  withX(async (adapter, emu) => {
    const published = await adapter.publish({ body: "to be deleted" }, { attemptId: "a" });
    assertOk(published);
    const deleted = await adapter.delete(published.externalId);
    assertOk(deleted);
    assert.equal(deleted.alreadyDeleted, false);
    assert.equal(emu.state.tweets.get(published.externalId)?.deleted, true);
    const again = await adapter.delete(published.externalId);
    assertOk(again);
    assert.equal(again.alreadyDeleted, true);
  }));

Deno.test("x: findExisting matches our own recent tweet by text (URLs normalised)", () =>
  withX(async (adapter, emu) => {
    const body = "Read this: https://example.com/a?b=1 & more";
    const published = await adapter.publish({ body }, { attemptId: "a" });
    assertOk(published);
    // X stores links as t.co and escapes &: emulate what the real timeline returns.
    emu.state.tweets.get(published.externalId)!.text = "Read this: https://t.co/abc123 &amp; more";
    const found = await adapter.findExisting({ attemptId: "a", content: { body } });
    assertOk(found);
    assert.equal(found.found && found.externalId, published.externalId);
    const missing = await adapter.findExisting({ attemptId: "b", content: { body: "other" } });
    assert.deepEqual(missing, { ok: true, found: false });
    assert.equal(emu.requests({ path: "/2/users/me" }).length, 1, "user id looked up once");
  }));

Deno.test("x: metrics use non_public when allowed, public otherwise; retweet or repost", async (t) => {
  for (const repostField of ["retweet_count", "repost_count"] as const) {
    await t.step(repostField, () =>
      withX(async (adapter, _emu, clock) => {
        const published = await adapter.publish({ body: `metrics ${repostField}` }, {
          attemptId: "m",
        });
        assertOk(published);
        clock.now = new Date(clock.now.getTime() + 24 * 3_600_000);
        const fresh = await adapter.getMetrics(published.externalId);
        assertOk(fresh);
        assert.ok((fresh.metrics.impressions ?? 0) > 0);
        assert.equal(typeof fresh.metrics.shares, "number");
        assert.equal(typeof fresh.metrics.clicks, "number", "url_link_clicks from non_public");
        assert.equal(fresh.metrics.video_views, undefined);
        clock.now = new Date(clock.now.getTime() + 40 * 86_400_000);
        const old = await adapter.getMetrics(published.externalId);
        assertOk(old);
        assert.equal(old.metrics.clicks, undefined, "no clicks without non_public metrics");
        assert.ok((old.metrics.likes ?? 0) >= (fresh.metrics.likes ?? 0));
        assert.equal(old.metrics.platform_metrics.engagements_derived_from_public, true);
      }, { repostField }));
  }
});

Deno.test("x: failure classes", async (t) => {
  await withX(async (adapter, emu) => {
    await t.step("5xx -> transient", async () => {
      emu.addFault({ mode: "5xx", count: 1 });
      assertFailure(await adapter.publish({ body: "t1" }, { attemptId: "1" }), "transient");
    });
    await t.step("429 -> rate_limited with x-rate-limit-reset", async () => {
      emu.addFault({ mode: "rate_limit", count: 1, resetInSeconds: 600 });
      const f = assertFailure(
        await adapter.publish({ body: "t2" }, { attemptId: "2" }),
        "rate_limited",
      );
      assert.equal(f.resetAt?.toISOString(), "2026-03-03T14:10:00.000Z");
      assert.equal(f.platformCode, "88");
    });
    await t.step("duplicate text -> permanent with X's message", async () => {
      assertOk(await adapter.publish({ body: "same text" }, { attemptId: "3" }));
      const f = assertFailure(
        await adapter.publish({ body: "same text" }, { attemptId: "4" }),
        "permanent",
      );
      assert.equal(f.message, "You are not allowed to create a Tweet with duplicate content.");
      assert.equal(f.status, 403);
    });
    await t.step("revoked token -> auth", async () => {
      // refused again after the fresh signature a 401 earns
      emu.addFault({ mode: "revoke_token", count: 2 });
      assertFailure(await adapter.publish({ body: "t5" }, { attemptId: "5" }), "auth");
    });
    await t.step("HTML 200 -> failure, outcome unknown", async () => {
      emu.addFault({ mode: "html_200", count: 1 });
      const f = assertFailure(
        await adapter.publish({ body: "t6" }, { attemptId: "6" }),
        "transient",
      );
      assert.equal(f.outcome, "unknown");
    });
    await t.step("timeout after sending -> unknown outcome; lookup finds the tweet", async () => {
      emu.addFault({ mode: "timeout", count: 1, afterProcessing: true });
      const f = assertFailure(
        await adapter.publish({ body: "t7" }, { attemptId: "7" }),
        "transient",
      );
      assert.equal(f.outcome, "unknown");
      assert.match(f.message, /no answer before the timeout/);
      const found = await adapter.findExisting({ attemptId: "7", content: { body: "t7" } });
      assertOk(found);
      assert.equal(found.found, true);
    });
  });
});

Deno.test("x: the emulator's own window returns 429 code 88 after the per-user limit", () =>
  withX(async (adapter, emu) => {
    assertOk(await adapter.publish({ body: "one" }, { attemptId: "1" }));
    assertOk(await adapter.publish({ body: "two" }, { attemptId: "2" }));
    const f = assertFailure(
      await adapter.publish({ body: "three" }, { attemptId: "3" }),
      "rate_limited",
    );
    assert.equal(f.resetAt?.toISOString(), "2026-03-03T14:15:00.000Z");
    assert.equal(emu.state.tweets.size, 2);
  }, { postsPerWindow: 2 }));

Deno.test("x: media are fetched, uploaded (initialize/append/finalize) and attached", () =>
  withX(async (adapter, emu) => {
    const mediaUrls = [
      `${emu.origin}/__emulator/media/a.jpg?bytes=3000`,
      `${emu.origin}/__emulator/media/b.png?bytes=2000`,
    ];
    const result = await adapter.publish({ body: "two pictures", mediaUrls }, { attemptId: "m" });
    assertOk(result);
    assert.deepEqual(
      emu.requests({ method: "POST", path: "/2/media/upload" }).map((r) =>
        r.path.replace(/upload\/\d+/, "upload/N")
      ),
      [
        "/2/media/upload/initialize",
        "/2/media/upload/N/append",
        "/2/media/upload/N/finalize",
        "/2/media/upload/initialize",
        "/2/media/upload/N/append",
        "/2/media/upload/N/finalize",
      ],
    );
    const tweet = emu.requests({ method: "POST", path: "/2/tweets" })[0].body as {
      media: { media_ids: string[] };
    };
    assert.equal(tweet.media.media_ids.length, 2);
    assert.ok(tweet.media.media_ids.every((id) => emu.state.media.get(id)?.finalized));
  }));

Deno.test("x: a video is read from its host 8 MiB at a time and appended in 1 MiB segments", () =>
  withX(async (_adapter, emu, clock) => {
    const row = platformRow("x", { base_url: emu.origin, timeout_ms: 5000 });
    const recorded = recordingFetch();
    const adapter = new XAdapter(row, CREDS, { now: () => clock.now, fetch: recorded.fetch });
    const MiB = 1024 * 1024;
    const size = 20 * MiB + 5;
    const result = await adapter.publish({
      body: "a long video",
      mediaUrls: [`${emu.origin}/__emulator/media/v.mp4?bytes=${size}`],
    }, { attemptId: "v" });
    assertOk(result);
    assert.deepEqual(recorded.mediaGets(), [
      `bytes=0-${8 * MiB - 1}`,
      `bytes=${8 * MiB}-${16 * MiB - 1}`,
      `bytes=${16 * MiB}-${size - 1}`,
    ]);
    const init = emu.requests({ method: "POST", path: "/2/media/upload/initialize" });
    assert.equal((init[0].body as { total_bytes: number }).total_bytes, size);
    const appends = emu.requests({ method: "POST", path: "/2/media/upload/" })
      .filter((r) => r.path.endsWith("/append"));
    assert.equal(appends.length, 21, "20 whole MiB and the last 5 bytes");
    const [media] = [...emu.state.media.values()];
    assert.equal(media.received, size);
    assert.ok(media.finalized);
  }));

Deno.test("x: a video longer than X's 140 s fails before anything is uploaded; a shorter one goes", () =>
  withX(async (adapter, emu) => {
    const movie = (seconds: number) =>
      `${emu.origin}/__emulator/media/v.mp4?bytes=${2 * 1024 * 1024}&seconds=${seconds}&moov=end`;
    const f = assertFailure(
      await adapter.publish({ body: "too long", mediaUrls: [movie(200)] }, { attemptId: "l1" }),
      "permanent",
    );
    assert.equal(f.outcome, "not_applied");
    assert.match(f.message, /the video lasts 200 s, X's limit is 140 s/);
    assert.equal(emu.requests({ method: "POST" }).length, 0, "no upload, no post");
    assertOk(
      await adapter.publish({ body: "short", mediaUrls: [movie(100)] }, { attemptId: "l2" }),
    );
  }));

Deno.test("x: a media URL that cannot be fetched fails before anything is posted", () =>
  withX(async (adapter, emu) => {
    const result = await adapter.publish(
      { body: "broken", mediaUrls: [`${emu.origin}/missing.jpg`] },
      { attemptId: "m" },
    );
    const f = assertFailure(result, "permanent");
    assert.match(f.message, /fetching .* failed/);
    assert.equal(emu.requests({ method: "POST" }).length, 0);
  }));

Deno.test("x: video processing reported failed -> permanent, not applied, nothing posted", () =>
  withX(async (adapter, emu) => {
    const mediaUrls = [`${emu.origin}/__emulator/media/clip.mp4?bytes=4000`];
    assertOk(await adapter.publish({ body: "processed fine", mediaUrls }, { attemptId: "v1" }));
    emu.state.processingError = { code: 1, name: "InvalidMedia", message: "Unsupported video" };
    emu.clearRequests();
    const f = assertFailure(
      await adapter.publish({ body: "broken video", mediaUrls }, { attemptId: "v2" }),
      "permanent",
    );
    assert.equal(f.outcome, "not_applied");
    assert.match(f.message, /Media processing failed: Unsupported video/);
    const status = emu.requests({ method: "GET", path: "/2/media/upload" });
    assert.equal(status.length, 1, "the adapter asked for the processing STATUS");
    assert.equal(emu.requests({ method: "POST", path: "/2/tweets" }).length, 0);
  }));

Deno.test("x: a video still processing after the wait -> transient, not applied, nothing posted", () =>
  withX(
    async (adapter, emu) => {
      emu.state.processingStalled = true;
      const mediaUrls = [`${emu.origin}/__emulator/media/clip.mp4?bytes=4000`];
      const f = assertFailure(
        await adapter.publish({ body: "slow transcode", mediaUrls }, { attemptId: "v3" }),
        "transient",
      );
      assert.equal(f.outcome, "not_applied");
      assert.match(f.message, /still processing after 0 s/);
      assert.equal(emu.requests({ method: "GET", path: "/2/media/upload" }).length, 1);
      assert.equal(emu.requests({ method: "POST", path: "/2/tweets" }).length, 0);
    },
    {},
    {},
    { media_processing_max_wait_ms: 0 },
  ));

Deno.test("x: an adapter's calls share one kept-alive connection", () =>
  withRelayedX(async (adapter, emu, relay) => {
    for (const body of ["one", "two", "three"]) {
      assertOk(await adapter.publish({ body }, { attemptId: body }));
    }
    const found = await adapter.findExisting({ attemptId: "one", content: { body: "one" } });
    assertOk(found);
    assert.equal(found.found, true);
    assert.equal(emu.requests().length, 5, "3 posts, the user id and the timeline");
    assert.equal(relay.connections, 1);
  }));

Deno.test("x: a post timed out on a kept-alive connection is not sent again", () =>
  withRelayedX(async (adapter, emu, relay) => {
    assertOk(await adapter.publish({ body: "warm" }, { attemptId: "w" }));
    emu.addFault({ mode: "timeout", count: 1, afterProcessing: true });
    const f = assertFailure(
      await adapter.publish({ body: "slow" }, { attemptId: "s" }),
      "transient",
    );
    assert.equal(f.outcome, "unknown");
    assert.equal(tweetsWithText(emu, "slow"), 1, "sent once");
    assertOk(await adapter.publish({ body: "after" }, { attemptId: "a" }));
    assert.equal(relay.connections, 2, "the timed-out connection is not reused");
  }));

Deno.test("x: the connection lost after X acted -> unknown outcome, sent once, found", () =>
  withRelayedX(async (adapter, emu, relay) => {
    assertOk(await adapter.publish({ body: "warm" }, { attemptId: "w" }));
    relay.loseAnswerTo("POST /2/tweets");
    const f = assertFailure(
      await adapter.publish({ body: "lost" }, { attemptId: "l" }),
      "transient",
    );
    assert.equal(f.outcome, "unknown");
    assert.equal(tweetsWithText(emu, "lost"), 1, "sent once, never resent by the runtime");
    const found = await adapter.findExisting({ attemptId: "l", content: { body: "lost" } });
    assertOk(found);
    assert.equal(found.found, true);
  }));

Deno.test("x: a media step whose answer is lost is not sent again, and nothing is posted", () =>
  withRelayedX(async (adapter, emu, relay) => {
    assertOk(await adapter.publish({ body: "warm" }, { attemptId: "w" }));
    relay.loseAnswerTo("/finalize ");
    const mediaUrls = [`${emu.origin}/__emulator/media/a.jpg?bytes=3000`];
    const f = assertFailure(
      await adapter.publish({ body: "picture", mediaUrls }, { attemptId: "p" }),
      "transient",
    );
    assert.equal(f.outcome, "unknown");
    const finalized = emu.requests({ method: "POST", path: "/2/media/upload" })
      .filter((r) => r.path.endsWith("/finalize"));
    assert.equal(finalized.length, 1, "sent once");
    assert.equal(tweetsWithText(emu, "picture"), 0);
  }));

Deno.test("x: a kept-alive connection the server closed while idle is not used again", () =>
  withRelayedX(async (adapter, _emu, relay) => {
    assertOk(await adapter.publish({ body: "before" }, { attemptId: "b" }));
    relay.dropAll();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assertOk(await adapter.publish({ body: "after" }, { attemptId: "a" }));
    assert.equal(relay.connections, 2);
  }));

Deno.test("x: a refused connection -> transient, not applied, with the socket's own error", async () => {
  // a port nothing listens on: bind one, note it, close it
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const row = platformRow("x", { base_url: `http://127.0.0.1:${port}`, timeout_ms: 500 });
  const adapter = new XAdapter(row, CREDS, { now: () => new Date("2026-03-03T14:00:00Z") });
  const f = assertFailure(
    await adapter.publish({ body: "nobody home" }, { attemptId: "r" }),
    "transient",
  );
  assert.equal(f.outcome, "not_applied", "nothing reached X, so nothing needs looking up");
  assert.match(f.message, /refused/i);
  assert.doesNotMatch(f.message, /undefined/);
});

Deno.test("x: a signed read the client sends again after a lost answer is signed afresh, not taken for auth", () =>
  withRelayedX(async (adapter, emu, relay) => {
    const published = await adapter.publish({ body: "measured" }, { attemptId: "m" });
    assertOk(published);
    // The HTTP client sends a GET again, with the same signature, when a reused connection closes
    // before the answer (net/transport.ts); X refuses a reused nonce with 401.
    assertOk(await adapter.getMetrics(published.externalId));
    relay.loseAnswerTo(`GET /2/tweets/${published.externalId}`);
    assertOk(await adapter.getMetrics(published.externalId));
    const reads = emu.requests({ method: "GET" })
      .filter((r) => r.path === `/2/tweets/${published.externalId}`);
    assert.ok(reads.length >= 2, "the read was sent again");
    const nonces = new Set(
      reads.map((r) => /oauth_nonce="([^"]+)"/.exec(r.headers.authorization)?.[1]),
    );
    assert.ok(nonces.size >= 2, "with a fresh signature");
  }));

// ---------------------------------------------------------------------------------------------
// OAuth 2.0 user context: two-hour access tokens, refresh tokens that work once.

const OAUTH2 = {
  refresh_token: DEFAULT_X_OAUTH2_GRANT.refresh_token,
  client_id: DEFAULT_X_OAUTH2_GRANT.client_id,
  client_secret: DEFAULT_X_OAUTH2_GRANT.client_secret,
};
const xTokenRequests = (emu: RunningEmulator<XState>) =>
  emu.requests({ method: "POST", path: "/2/oauth2/token" });

async function withOAuth2X(
  fn: (emu: RunningEmulator<XState>, adapter: (creds?: object) => XAdapter) => Promise<void>,
  options: XEmulatorOptions = {},
) {
  const emu = serveEmulator(xEmulator(options));
  const row = platformRow("x", { base_url: emu.origin, timeout_ms: 500 });
  try {
    await fn(emu, (creds = OAUTH2) => new XAdapter(row, creds as typeof OAUTH2));
  } finally {
    await emu.close();
  }
}

Deno.test("x oauth2: a confidential client refreshes with Basic auth, then posts with the bearer token", () =>
  withOAuth2X(async (emu, adapter) => {
    const x = adapter();
    assertOk(await x.publish({ body: "bearer one" }, { attemptId: "b1" }));
    assertOk(await x.publish({ body: "bearer two" }, { attemptId: "b2" }));
    const [token, ...more] = xTokenRequests(emu);
    assert.equal(more.length, 0, "one token for the adapter's calls");
    const basic = btoa(`${OAUTH2.client_id}:${OAUTH2.client_secret}`);
    assert.equal(token.headers.authorization, `Basic ${basic}`);
    assert.deepEqual(token.body, {
      grant_type: "refresh_token",
      refresh_token: OAUTH2.refresh_token,
      client_id: OAUTH2.client_id,
    });
    const [issued] = [...emu.state.bearers.keys()];
    const posts = emu.requests({ method: "POST", path: "/2/tweets" });
    assert.deepEqual(posts.map((p) => p.headers.authorization), [
      `Bearer ${issued}`,
      `Bearer ${issued}`,
    ]);
    assert.equal(emu.state.tweets.size, 2);
  }));

Deno.test("x oauth2: a public client (no secret) sends only its client_id", () =>
  withOAuth2X(async (emu, adapter) => {
    const { client_secret: _, ...publicClient } = OAUTH2;
    assertOk(
      await adapter(publicClient).publish({ body: "from a public client" }, { attemptId: "p1" }),
    );
    const [token] = xTokenRequests(emu);
    assert.equal(token.headers.authorization, undefined);
    assert.equal((token.body as Record<string, string>).client_id, OAUTH2.client_id);
  }, { oauth2Grants: [{ ...DEFAULT_X_OAUTH2_GRANT, client_secret: undefined }] }));

Deno.test("x oauth2: a refused bearer token is renewed with the rotated refresh token and the post sent again", () =>
  withOAuth2X(async (emu, adapter) => {
    const x = adapter();
    assertOk(await x.publish({ body: "before expiry" }, { attemptId: "r1" }));
    const rotated = emu.state.oauth2Grants[0].refresh_token;
    expireXTokens(emu.state);
    assertOk(await x.publish({ body: "after expiry" }, { attemptId: "r2" }));
    const tokens = xTokenRequests(emu);
    assert.equal(tokens.length, 2);
    assert.equal((tokens[1].body as Record<string, string>).refresh_token, rotated);
    assert.equal(
      tweetsWithText(emu, "after expiry"),
      2,
      "the refused POST, then the same POST again",
    );
    assert.equal(emu.state.tweets.size, 2, "posted once");
  }));

Deno.test("x oauth2: a refresh token used twice is refused as auth, and X revokes the grant", () =>
  withOAuth2X(async (emu, adapter) => {
    assertOk(await adapter().publish({ body: "first worker" }, { attemptId: "u1" }));
    // A second worker that kept the first refresh token: X refuses it and revokes the grant.
    const f = assertFailure(
      await adapter().publish({ body: "second worker" }, { attemptId: "u2" }),
      "auth",
    );
    assert.match(
      f.message,
      /refreshing the access token failed: Value passed for the token was invalid/,
    );
    assert.equal(emu.state.oauth2Grants[0].revoked, true);
    assert.equal(tweetsWithText(emu, "second worker"), 0);
  }));

Deno.test("x oauth2: credentials are OAuth 1.0a or OAuth 2.0, and an error names both", () => {
  assert.throws(
    () => parseCredentials("x", { app_key: "only a key" }),
    /OAuth 1\.0a \(app_key, app_secret, access_token, access_secret\) or OAuth 2\.0/,
  );
  assert.deepEqual(parseCredentials("x", { access_token: "t" }), { access_token: "t" });
  assert.ok(validatorFor(platformRow("x", {}))!({ body: "hello" }).valid);
});

Deno.test("x: findExisting pages through a busy account's timeline, and says 'not known yet' past its pages", () =>
  withX(async (adapter, emu, clock) => {
    const body = "the tweet a reclaimed attempt looks for";
    const published = await adapter.publish({ body }, { attemptId: "a" });
    assertOk(published);
    const authorId = emu.state.tweets.get(published.externalId)!.authorId;
    const postLater = (n: number) => {
      for (let i = 0; i < n; i++) {
        const id = String(emu.state.nextId++);
        emu.state.tweets.set(id, {
          id,
          text: `busy ${id}`,
          authorId,
          createdAt: clock.now,
          deleted: false,
        });
      }
    };
    const timelineReads = () => emu.requests({ path: `/2/users/${authorId}/tweets` }).length;

    postLater(150); // 150 newer tweets: ours is on the second page of 100
    const found = await adapter.findExisting({ attemptId: "a", content: { body } });
    assertOk(found);
    assert.equal(found.found && found.externalId, published.externalId);
    assert.equal(timelineReads(), 2, "two pages read");

    const missing = await adapter.findExisting({ attemptId: "b", content: { body: "never sent" } });
    assert.deepEqual(missing, { ok: true, found: false }, "the whole window read: a definite no");

    postLater(1000); // more than 10 pages of 100 in the window
    const before = timelineReads();
    const undecided = assertFailure(
      await adapter.findExisting({ attemptId: "c", content: { body: "never sent" } }),
      "transient",
    );
    assert.equal(undecided.outcome, "unknown");
    assert.match(undecided.message, /more than 1000 recent posts/);
    assert.equal(timelineReads() - before, 10, "stops at lookupMaxPages");
  }));
