import assert from "node:assert/strict";
import type { PlatformAdapter } from "../../supabase/functions/_shared/adapters/adapter.ts";
import { TikTokAdapter } from "../../supabase/functions/_shared/adapters/tiktok.ts";
import type { DistributionContent } from "../../supabase/functions/_shared/adapters/types.ts";
import type { CredentialStore } from "../../supabase/functions/_shared/platforms/credentials.ts";
import {
  DEFAULT_TIKTOK_GRANT,
  expireTikTokTokens,
  tiktokEmulator,
  type TikTokState,
} from "../../dev/emulators/tiktok.ts";
import type { RunningEmulator } from "../../dev/emulators/framework.ts";
import { mediaBytes } from "../../dev/emulators/media.ts";
import { assertFailure, assertOk, platformRow, recordingFetch } from "./helpers.ts";
import { type TestClock, type ValidationCase, validationTable, withEmulator } from "./emulated.ts";

const TOKEN = "tt-token";
const START = "2026-03-04T19:00:00Z";
const video = (body = "Watch this", extra: Partial<DistributionContent> = {}) => ({
  body,
  mediaUrls: ["https://media.example.com/clip.mp4"],
  platformSpecific: { privacy_level: "PUBLIC_TO_EVERYONE" },
  ...extra,
});
type Emu = RunningEmulator<TikTokState>;

function adapterFor(emu: Emu, clock: TestClock | undefined, config: Record<string, unknown> = {}) {
  const row = platformRow("tiktok", {
    base_url: emu.origin,
    poll_interval_ms: 10,
    poll_attempts: 50,
    timeout_ms: 500,
    ...config,
  });
  return new TikTokAdapter(row, { access_token: TOKEN }, clock ? { now: () => clock.now } : {});
}

function withTikTok(
  fn: (adapter: TikTokAdapter, emu: Emu, clock: TestClock) => Promise<void>,
  options: Parameters<typeof tiktokEmulator>[0] = {},
) {
  return withEmulator(
    tiktokEmulator(options),
    START,
    (emu, clock) => fn(adapterFor(emu, clock), emu, clock),
  );
}

Deno.test("tiktok: direct post queries creator_info, inits PULL_FROM_URL and polls to completion", () =>
  withTikTok(async (adapter, emu) => {
    emu.setClock(undefined); // real time: processing takes 60 ms
    const result = await adapter.publish(video(), { attemptId: "t-1" });
    assertOk(result);
    assert.match(result.externalUrl, /^https:\/\/www\.tiktok\.com\/@creator\/video\/\d+$/);
    const [info, init, ...polls] = emu.requests();
    assert.equal(info.path, "/v2/post/publish/creator_info/query/");
    assert.equal(info.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(init.path, "/v2/post/publish/video/init/");
    assert.deepEqual(init.body, {
      post_info: {
        title: "Watch this",
        privacy_level: "PUBLIC_TO_EVERYONE",
        disable_comment: false,
        disable_duet: false,
        disable_stitch: false,
      },
      source_info: { source: "PULL_FROM_URL", video_url: "https://media.example.com/clip.mp4" },
    });
    assert.ok(polls.length > 1, `polled ${polls.length} times`);
    assert.ok(polls.every((p) => p.path === "/v2/post/publish/status/fetch/"));
    assert.ok(emu.state.videos.has(result.externalId));
  }, { processingMs: 60 }));

// FILE_UPLOAD: the video read from its host a chunk at a time and PUT to TikTok's upload_url.

const MiB = 1024 * 1024;

/** A FILE_UPLOAD adapter whose requests (method, URL, range headers) are kept. */
function uploading(emu: Emu, clock: TestClock, config: Record<string, unknown> = {}) {
  const row = platformRow("tiktok", {
    base_url: emu.origin,
    poll_interval_ms: 10,
    poll_attempts: 50,
    timeout_ms: 2000,
    video_source: "file_upload",
    upload_chunk_bytes: 10 * MiB,
    ...config,
  });
  const recorded = recordingFetch();
  const adapter = new TikTokAdapter(row, { access_token: TOKEN }, {
    now: () => clock.now,
    fetch: recorded.fetch,
  });
  return { adapter, puts: recorded.puts, mediaGets: recorded.mediaGets };
}

const fileVideo = (emu: Emu, bytes: number) =>
  video("Uploaded from here", {
    mediaUrls: [`${emu.origin}/__emulator/media/clip.mp4?bytes=${bytes}`],
  });

const sha256 = async (bytes: Uint8Array<ArrayBuffer>) =>
  Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");

Deno.test("tiktok file_upload: a video in TikTok's chunks, read a chunk at a time, then polled to completion", () =>
  withTikTok(async (_adapter, emu, clock) => {
    const size = 23 * MiB + 7;
    const { adapter, puts, mediaGets } = uploading(emu, clock);
    const result = await adapter.publish(fileVideo(emu, size), { attemptId: "f-1" });
    assertOk(result);
    const [init] = emu.requests({ path: "/v2/post/publish/video/init/" });
    assert.deepEqual((init.body as { source_info: unknown }).source_info, {
      source: "FILE_UPLOAD",
      video_size: size,
      chunk_size: 10 * MiB,
      total_chunk_count: 2,
    });
    assert.deepEqual(puts(), [
      `bytes 0-${10 * MiB - 1}/${size}`,
      `bytes ${10 * MiB}-${size - 1}/${size}`,
    ]);
    assert.deepEqual(mediaGets(), [`bytes=0-${10 * MiB - 1}`, `bytes=${10 * MiB}-${size - 1}`]);
    const [chunk] = emu.requests({ method: "PUT", path: "/upload/" });
    assert.equal(chunk.headers.authorization, undefined, "no TikTok token goes to the upload_url");
    const [publish] = emu.state.publishes.values();
    assert.equal(publish.upload?.sha256, await sha256(mediaBytes(0, size)), "every byte, in order");
    assert.equal(publish.videoId, result.externalId);
  }));

Deno.test("tiktok file_upload: a video under 5 MB goes whole, in one chunk", () =>
  withTikTok(async (_adapter, emu, clock) => {
    const { adapter, puts } = uploading(emu, clock);
    assertOk(await adapter.publish(fileVideo(emu, 3 * MiB), { attemptId: "f-2" }));
    const [init] = emu.requests({ path: "/v2/post/publish/video/init/" });
    const source = (init.body as { source_info: Record<string, number> }).source_info;
    assert.deepEqual([source.chunk_size, source.total_chunk_count], [3 * MiB, 1]);
    assert.deepEqual(puts(), [`bytes 0-${3 * MiB - 1}/${3 * MiB}`]);
  }));

Deno.test("tiktok file_upload: a chunk TikTok refuses -> transient, not applied, nothing published", () =>
  withTikTok(async (_adapter, emu, clock) => {
    const { adapter, puts } = uploading(emu, clock);
    emu.addFault({ mode: "5xx", count: 1, method: "PUT", path: "/upload/" });
    const f = assertFailure(
      await adapter.publish(fileVideo(emu, 23 * MiB), { attemptId: "f-3" }),
      "transient",
    );
    assert.equal(f.outcome, "not_applied");
    assert.match(f.message, /uploading chunk 1 of 2/);
    assert.equal(puts().length, 1, "no chunk after a refused one");
    assert.equal(emu.state.videos.size, 0);
  }));

Deno.test("tiktok file_upload: the last chunk's answer lost -> unknown, settled by asking about its publish_id", () =>
  withTikTok(async (_adapter, emu, clock) => {
    const { adapter } = uploading(emu, clock, { upload_timeout_ms: 300 });
    emu.addFault({
      mode: "timeout",
      count: 1,
      method: "PUT",
      path: "/upload/",
      afterProcessing: true,
      holdMs: 2000,
    });
    const content = fileVideo(emu, 3 * MiB);
    const f = assertFailure(await adapter.publish(content, { attemptId: "f-5" }), "transient");
    assert.equal(f.outcome, "unknown");
    const [publish] = emu.state.publishes.values();
    assert.equal(f.acceptedRef, publish.id);
    const found = await adapter.findExisting({
      attemptId: "f-5",
      content,
      sentAt: clock.now,
      acceptedRef: f.acceptedRef,
    });
    assertOk(found);
    assert.equal(found.found, true);
  }));

Deno.test("tiktok file_upload: a video longer than the creator may post fails before init; a shorter one goes", () =>
  withTikTok(async (_adapter, emu, clock) => {
    const { adapter, puts } = uploading(emu, clock);
    const movie = (seconds: number) =>
      video("A movie", {
        mediaUrls: [`${emu.origin}/__emulator/media/m.mp4?bytes=${6 * MiB}&seconds=${seconds}`],
      });
    const f = assertFailure(await adapter.publish(movie(700), { attemptId: "f-6" }), "permanent");
    assert.equal(f.outcome, "not_applied");
    assert.match(f.message, /the video lasts 700 s, @creator's limit is 600 s/);
    assert.equal(emu.requests({ path: "/v2/post/publish/video/init/" }).length, 0, "no init");
    assert.deepEqual(puts(), []);
    assertOk(await adapter.publish(movie(30), { attemptId: "f-7" }));
  }));

Deno.test("tiktok: an unverified host names video_source file_upload as the way out", () =>
  withTikTok(async (adapter) => {
    const f = assertFailure(
      await adapter.publish(video("x", { mediaUrls: ["https://unverified.example.com/v.mp4"] }), {
        attemptId: "f-4",
      }),
      "permanent",
    );
    assert.equal(f.platformCode, "url_ownership_unverified");
    assert.match(f.message, /video_source "file_upload"/);
  }));

Deno.test("tiktok: a privacy level the creator does not allow is refused before init", () =>
  withTikTok(async (adapter, emu) => {
    const content = video("x", { platformSpecific: { privacy_level: "FOLLOWER_OF_CREATOR" } });
    const f = assertFailure(await adapter.publish(content, { attemptId: "t-2" }), "permanent");
    assert.match(f.message, /FOLLOWER_OF_CREATOR is not allowed for @creator/);
    assert.equal(emu.requests({ path: "/v2/post/publish/video/init/" }).length, 0);
  }));

Deno.test("tiktok: default privacy level from publish_config", () =>
  withTikTok(async (_adapter, emu, clock) => {
    const adapter = adapterFor(emu, clock, { default_privacy_level: "SELF_ONLY" });
    assertOk(await adapter.publish(video("x", { platformSpecific: {} }), { attemptId: "t-3" }));
    const init = emu.requests({ path: "/v2/post/publish/video/init/" })[0];
    assert.equal(
      (init.body as { post_info: { privacy_level: string } }).post_info.privacy_level,
      "SELF_ONLY",
    );
  }));

Deno.test("tiktok: update and delete are typed unsupported, no native scheduling", () =>
  withTikTok(async (adapter, emu) => {
    for (const result of [await adapter.update("1", video()), await adapter.delete("1")]) {
      assert.equal(result.ok, false);
      assert.equal("unsupported" in result && result.unsupported, true);
    }
    assert.equal((adapter as PlatformAdapter).schedule, undefined);
    assert.equal(emu.requests().length, 0);
  }));

Deno.test("tiktok: metrics from video/query, absent where TikTok gives nothing", () =>
  withTikTok(async (adapter, emu, clock) => {
    const published = await adapter.publish(video(), { attemptId: "t-4" });
    assertOk(published);
    clock.advance(2 * 3_600_000);
    const early = await adapter.getMetrics(published.externalId);
    clock.advance(72 * 3_600_000);
    const late = await adapter.getMetrics(published.externalId);
    assertOk(early);
    assertOk(late);
    assert.ok((late.metrics.video_views ?? 0) > (early.metrics.video_views ?? 0));
    assert.equal(late.metrics.impressions, late.metrics.video_views);
    assert.equal(late.metrics.likes, late.metrics.platform_metrics.like_count);
    for (const absent of ["reach", "clicks", "saves", "engagements"] as const) {
      assert.equal(late.metrics[absent], undefined, absent);
    }
    const query = emu.requests({ path: "/v2/video/query/" })[0];
    assert.equal(query.query.fields, "id,view_count,like_count,comment_count,share_count");
    assert.deepEqual(query.body, { filters: { video_ids: [published.externalId] } });
    assertFailure(await adapter.getMetrics("123"), "permanent");
  }));

Deno.test("tiktok: findExisting matches the title posted at or after the attempt", () =>
  withTikTok(async (adapter, _emu, clock) => {
    const sentAt = clock.now;
    const published = await adapter.publish(video(), { attemptId: "t-5" });
    assertOk(published);
    const found = await adapter.findExisting({ attemptId: "t-5", content: video(), sentAt });
    assert.deepEqual(found, {
      ok: true,
      found: true,
      externalId: published.externalId,
      externalUrl: published.externalUrl,
    });
    assert.deepEqual(
      await adapter.findExisting({ attemptId: "x", content: video("other"), sentAt }),
      { ok: true, found: false },
    );
  }));

Deno.test("tiktok: FAILED status -> classified failure with the fail_reason", () =>
  withTikTok(async (adapter) => {
    const content = video("x", { mediaUrls: ["https://unreachable.example.com/v.mp4"] });
    const f = assertFailure(await adapter.publish(content, { attemptId: "t-6" }), "transient");
    assert.equal(f.platformCode, "video_pull_failed");
  }));

Deno.test("tiktok: still processing after polling -> unknown, settled by asking about its publish_id", () =>
  withTikTok(async (_adapter, emu, clock) => {
    const adapter = adapterFor(emu, clock, { poll_attempts: 2 });
    const content = video("A long transcode");
    const f = assertFailure(await adapter.publish(content, { attemptId: "t-7" }), "transient");
    assert.equal(f.outcome, "unknown");
    const [init] = emu.requests({ method: "POST", path: "/v2/post/publish/video/init/" });
    assert.ok(f.acceptedRef, "the publish_id comes with the unknown outcome");
    assert.ok(init, "the publish was initiated once");
    const query = { attemptId: "t-7", content, sentAt: clock.now, acceptedRef: f.acceptedRef };
    // Still processing: in no list yet, and the look-up says so instead of "absent".
    const pending = await adapter.findExisting(query);
    assert.equal(pending.ok, false);
    clock.advance(60_001);
    const found = await adapter.findExisting(query);
    assertOk(found);
    assert.equal(found.found, true);
    assert.match(found.externalUrl, /^https:\/\/www\.tiktok\.com\/@.+\/video\/.+/);
    assert.equal(emu.requests({ method: "POST", path: "/v2/post/publish/video/init/" }).length, 1);
  }, { processingMs: 60_000 }));

Deno.test("tiktok: failure classes", async (t) => {
  await withTikTok(async (adapter, emu, clock) => {
    await t.step("5xx -> transient", async () => {
      emu.addFault({ mode: "5xx", count: 1, status: 500 });
      const f = assertFailure(await adapter.publish(video(), { attemptId: "f1" }), "transient");
      assert.equal(f.platformCode, "internal_error");
    });
    await t.step("429 rate_limit_exceeded -> rate_limited, reset in a minute", async () => {
      emu.addFault({ mode: "rate_limit", count: 1 });
      const f = assertFailure(await adapter.publish(video(), { attemptId: "f2" }), "rate_limited");
      assert.equal(f.resetAt?.getTime(), clock.now.getTime() + 60_000);
    });
    await t.step("revoked token -> auth", async () => {
      emu.addFault({ mode: "revoke_token", count: 1 });
      const f = assertFailure(await adapter.publish(video(), { attemptId: "f3" }), "auth");
      assert.equal(f.platformCode, "access_token_invalid");
    });
    await t.step("HTML 200 -> failure", async () => {
      emu.addFault({ mode: "html_200", count: 1, path: "/v2/post/publish/video/init/" });
      const f = assertFailure(await adapter.publish(video(), { attemptId: "f4" }), "transient");
      assert.equal(f.outcome, "unknown");
    });
    await t.step("timeout at init -> unknown outcome, findExisting finds it", async () => {
      const content = video("timed out");
      emu.addFault({
        mode: "timeout",
        count: 1,
        path: "/v2/post/publish/video/init/",
        afterProcessing: true,
      });
      const f = assertFailure(await adapter.publish(content, { attemptId: "f5" }), "transient");
      assert.equal(f.outcome, "unknown");
      const found = await adapter.findExisting({ attemptId: "f5", content, sentAt: clock.now });
      assertOk(found);
      assert.equal(found.found, true);
    });
    await t.step("invalid per TikTok -> permanent", async () => {
      const content = video("x", { mediaUrls: ["https://unverified.example.com/v.mp4"] });
      const f = assertFailure(await adapter.publish(content, { attemptId: "f6" }), "permanent");
      assert.equal(f.platformCode, "url_ownership_unverified");
    });
  });
});

Deno.test("tiktok: 6 inits per minute, then 429 rate_limit_exceeded", () =>
  withTikTok(async (adapter, _emu, clock) => {
    for (let i = 0; i < 6; i++) {
      assertOk(await adapter.publish(video(`p${i}`), { attemptId: `r${i}` }));
    }
    const f = assertFailure(
      await adapter.publish(video("p6"), { attemptId: "r6" }),
      "rate_limited",
    );
    assert.equal(f.status, 429);
    clock.advance(61_000);
    assertOk(await adapter.publish(video("p7"), { attemptId: "r7" }));
  }));

Deno.test("tiktok: the daily cap -> spam_risk_too_many_posts, rate_limited until UTC midnight", () =>
  withTikTok(async (adapter) => {
    assertOk(await adapter.publish(video("a"), { attemptId: "d1" }));
    const f = assertFailure(await adapter.publish(video("b"), { attemptId: "d2" }), "rate_limited");
    assert.equal(f.platformCode, "spam_risk_too_many_posts");
    assert.equal(f.resetAt?.toISOString(), "2026-03-05T00:00:00.000Z");
  }, { postsPerDay: 1 }));

Deno.test("tiktok: a token without video.publish -> auth", () =>
  withTikTok(async (adapter) => {
    const f = assertFailure(await adapter.publish(video(), { attemptId: "s" }), "auth");
    assert.equal(f.platformCode, "scope_not_authorized");
  }, { accounts: { "tt-token": { scopes: ["user.info.basic"], username: "creator" } } }));

Deno.test("tiktok: validation at the limits", async (t) => {
  const adapter = new TikTokAdapter(platformRow("tiktok", {}), { access_token: TOKEN });
  const cases: ValidationCase[] = [
    ["title 2,199", video("x".repeat(2199)), true],
    ["title 2,200", video("x".repeat(2200)), true],
    ["title 2,201", video("x".repeat(2201)), false, /2201 UTF-16 units, TikTok allows 2200/],
    ["emoji count 2 units: 1,100 fit", video("😀".repeat(1100)), true],
    ["emoji count 2 units: 1,101 do not", video("😀".repeat(1101)), false, /2202 UTF-16 units/],
    ["no video", video("x", { mediaUrls: [] }), false, /0 videos, TikTok posts exactly 1/],
    ["two videos", video("x", { mediaUrls: ["https://a/1.mp4", "https://a/2.mp4"] }), false],
    ["not https", video("x", { mediaUrls: ["http://a/1.mp4"] }), false, /https URL/],
    ["no privacy level", video("x", { platformSpecific: {} }), false, /privacy_level: required/],
    [
      "unknown privacy level",
      video("x", { platformSpecific: { privacy_level: "FRIENDS" } }),
      false,
    ],
  ];
  await validationTable(t, adapter, cases);
});

const creatorQueries = (emu: Emu) => emu.requests({ path: "/v2/post/publish/creator_info/query/" });
const inits = (emu: Emu) => emu.requests({ path: "/v2/post/publish/video/init/" });

Deno.test("tiktok: creator_info once per adapter instance, still checked against every post", () =>
  withTikTok(async (adapter, emu) => {
    assertOk(await adapter.publish(video("one"), { attemptId: "c1" }));
    assertOk(await adapter.publish(video("two"), { attemptId: "c2" }));
    const other = video("three", { platformSpecific: { privacy_level: "FOLLOWER_OF_CREATOR" } });
    const f = assertFailure(await adapter.publish(other, { attemptId: "c3" }), "permanent");
    assert.match(f.message, /FOLLOWER_OF_CREATOR is not allowed for @creator/);
    assert.equal(creatorQueries(emu).length, 1);
    assert.equal(inits(emu).length, 2);
  }));

Deno.test("tiktok: concurrent posts share one creator_info query", () =>
  withTikTok(async (adapter, emu) => {
    const posts = ["a", "b", "c"].map((body) => adapter.publish(video(body), { attemptId: body }));
    for (const result of await Promise.all(posts)) assertOk(result);
    assert.equal(creatorQueries(emu).length, 1);
  }));

Deno.test("tiktok: a failed creator_info query is not kept", () =>
  withTikTok(async (adapter, emu) => {
    emu.addFault({ mode: "5xx", count: 1, status: 500, path: "/v2/post/publish/creator_info/" });
    assertFailure(await adapter.publish(video("one"), { attemptId: "q1" }), "transient");
    assertOk(await adapter.publish(video("two"), { attemptId: "q2" }));
    assert.equal(creatorQueries(emu).length, 2);
  }));

Deno.test("tiktok: the creator's options changed during the run: init refuses, the next post asks again", () =>
  withTikTok(async (adapter, emu) => {
    assertOk(await adapter.publish(video("one"), { attemptId: "o1" }));
    emu.state.privacyLevelOptions = ["SELF_ONLY"];
    const refused = assertFailure(
      await adapter.publish(video("two"), { attemptId: "o2" }),
      "permanent",
    );
    assert.equal(refused.platformCode, "privacy_level_option_mismatch");
    const f = assertFailure(
      await adapter.publish(video("three"), { attemptId: "o3" }),
      "permanent",
    );
    assert.match(
      f.message,
      /PUBLIC_TO_EVERYONE is not allowed for @creator \(allowed: SELF_ONLY\)/,
    );
    assert.equal(creatorQueries(emu).length, 2);
    assert.equal(inits(emu).length, 2);
  }));

// ---------------------------------------------------------------------------------------------
// OAuth2: TikTok access tokens expire within a day, and every refresh rotates the refresh token.

const GRANT = {
  refresh_token: DEFAULT_TIKTOK_GRANT.refresh_token,
  client_key: DEFAULT_TIKTOK_GRANT.client_key,
  client_secret: DEFAULT_TIKTOK_GRANT.client_secret,
};
const tokenRequests = (emu: Emu) => emu.requests({ method: "POST", path: "/v2/oauth/token/" });

function refreshing(
  emu: Emu,
  clock: TestClock,
  credentials: Record<string, string> = GRANT,
  store?: CredentialStore,
) {
  const row = platformRow("tiktok", {
    base_url: emu.origin,
    poll_interval_ms: 10,
    timeout_ms: 500,
  });
  return new TikTokAdapter(row, credentials, { now: () => clock.now, credentialStore: store });
}

/** A CredentialStore in memory, one update at a time (as the Vault store's lock makes it). */
function memoryStore(initial: Record<string, unknown>) {
  let secret = { ...initial };
  let queue: Promise<unknown> = Promise.resolve();
  const store: CredentialStore & { secret(): Record<string, unknown> } = {
    secret: () => secret,
    update(work) {
      const run = queue.then(async () => {
        const { value, save } = await work({ ...secret });
        if (save) secret = { ...save };
        return value;
      });
      queue = run.catch(() => {});
      return run;
    },
  };
  return store;
}

Deno.test("tiktok oauth: a refresh token and no access token -> one refresh (client_key), then the post", () =>
  withEmulator(tiktokEmulator(), START, async (emu, clock) => {
    const adapter = refreshing(emu, clock);
    assertOk(await adapter.publish(video("one"), { attemptId: "r1" }));
    assertOk(await adapter.publish(video("two"), { attemptId: "r2" }));
    const [token, ...others] = tokenRequests(emu);
    assert.equal(others.length, 0, "the token is reused while it lives");
    assert.match(token.headers["content-type"], /^application\/x-www-form-urlencoded/);
    assert.deepEqual(token.body, { grant_type: "refresh_token", ...GRANT });
    const issued = [...emu.state.expiresAt.keys()];
    assert.equal(issued.length, 1);
    for (const request of [...creatorQueries(emu), ...inits(emu)]) {
      assert.equal(request.headers.authorization, `Bearer ${issued[0]}`);
    }
  }));

Deno.test("tiktok oauth: an expiring token is renewed before use, with the rotated refresh token", () =>
  withEmulator(tiktokEmulator(), START, async (emu, clock) => {
    const adapter = refreshing(emu, clock);
    assertOk(await adapter.publish(video("one"), { attemptId: "e1" }));
    const rotated = emu.state.grants[0].refresh_token;
    assert.notEqual(rotated, GRANT.refresh_token, "TikTok rotated the refresh token");
    clock.now = new Date(clock.now.getTime() + 86_400_000 - 30_000); // 30 s before expiry
    assertOk(await adapter.publish(video("two"), { attemptId: "e2" }));
    const tokens = tokenRequests(emu);
    assert.equal(tokens.length, 2);
    assert.equal((tokens[1].body as Record<string, string>).refresh_token, rotated);
    assert.equal(inits(emu).length, 2, "no init was refused and sent again");
    // The refresh token sent first no longer works.
    const stale = refreshing(emu, clock);
    const refused = assertFailure(await stale.publish(video("three"), { attemptId: "e3" }), "auth");
    assert.match(refused.message, /refreshing the access token failed: Refresh token is invalid/);
    assert.equal(inits(emu).length, 2);
  }));

Deno.test("tiktok oauth: a token TikTok refuses -> refreshed once and the request sent again", () =>
  withEmulator(tiktokEmulator(), START, async (emu, clock) => {
    const adapter = refreshing(emu, clock);
    assertOk(await adapter.publish(video("one"), { attemptId: "x1" }));
    expireTikTokTokens(emu.state);
    assertOk(await adapter.publish(video("two"), { attemptId: "x2" }));
    assert.equal(tokenRequests(emu).length, 2);
    assert.equal(inits(emu).length, 3, "the refused init, then the same init again");
    assert.equal(emu.state.publishes.size, 2);
  }));

Deno.test("tiktok oauth: adapters sharing a credential store refresh once and store the rotated token", () =>
  withEmulator(tiktokEmulator(), START, async (emu, clock) => {
    const store = memoryStore({ ...GRANT, access_token: "act.stale", expires_at: START });
    const workers = [1, 2, 3].map(() =>
      refreshing(emu, clock, { ...GRANT, access_token: "act.stale", expires_at: START }, store)
    );
    const results = await Promise.all(
      workers.map((w, i) => w.publish(video(`post ${i}`), { attemptId: `s${i}` })),
    );
    results.forEach((r) => assertOk(r));
    assert.equal(tokenRequests(emu).length, 1, "one refresh for all three");
    const issued = [...emu.state.expiresAt.keys()];
    assert.deepEqual(store.secret(), {
      ...GRANT,
      access_token: issued[0],
      expires_at: new Date(clock.now.getTime() + 86_400_000).toISOString(),
      refresh_token: emu.state.grants[0].refresh_token,
    });
    assert.equal(
      emu.requests().filter((r) => r.headers.authorization === "Bearer act.stale").length,
      0,
      "the expired token was never sent",
    );
  }));

Deno.test("tiktok oauth: stored credentials that cannot be read -> transient, nothing sent", () =>
  withEmulator(tiktokEmulator(), START, async (emu, clock) => {
    const broken: CredentialStore = {
      update: () => Promise.reject(new Error("connection terminated")),
    };
    const adapter = refreshing(emu, clock, GRANT, broken);
    const f = assertFailure(await adapter.publish(video("one"), { attemptId: "b1" }), "transient");
    assert.equal(f.outcome, "not_applied");
    assert.match(f.message, /the stored credentials: connection terminated/);
    assert.equal(emu.requests().length, 0);
  }));
