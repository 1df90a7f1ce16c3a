import assert from "node:assert/strict";
import { YouTubeAdapter } from "../../supabase/functions/_shared/adapters/youtube.ts";
import { Http1Client } from "../../supabase/functions/_shared/net/transport.ts";
import { type RunningEmulator, serveEmulator } from "../../dev/emulators/framework.ts";
import { mediaBytes } from "../../dev/emulators/media.ts";
import {
  DEFAULT_YOUTUBE_CHANNEL,
  DEFAULT_YOUTUBE_GRANT,
  expireYouTubeTokens,
  youtubeEmulator,
  type YouTubeEmulatorOptions,
  type YouTubeState,
} from "../../dev/emulators/youtube.ts";
import {
  assertFailure,
  assertOk,
  platformRow,
  recordingFetch,
  type SentRequest,
} from "./helpers.ts";

const TOKEN = { access_token: DEFAULT_YOUTUBE_CHANNEL.access_token };

async function withYouTube(
  fn: (
    adapter: YouTubeAdapter,
    emu: RunningEmulator<YouTubeState>,
    clock: { now: Date },
    video: (bytes?: number) => { title: string; body: string; mediaUrls: string[] },
  ) => Promise<void>,
  options: YouTubeEmulatorOptions = {},
) {
  const clock = { now: new Date("2026-04-07T17:00:00Z") };
  const emu = serveEmulator(youtubeEmulator(options), { clock: () => clock.now });
  const video = (bytes = 5000) => ({
    title: "Launch video",
    body: "What we built",
    mediaUrls: [`${emu.origin}/__emulator/media/launch.mp4?bytes=${bytes}`],
  });
  try {
    const row = platformRow("youtube", { base_url: emu.origin, timeout_ms: 500 });
    await fn(new YouTubeAdapter(row, TOKEN, { now: () => clock.now }), emu, clock, video);
  } finally {
    await emu.close();
  }
}

Deno.test("youtube: resumable upload = one session POST + one PUT of all bytes", () =>
  withYouTube(async (adapter, emu, _clock, video) => {
    const result = await adapter.publish(video(), { attemptId: "a1" });
    assertOk(result);
    assert.equal(result.externalUrl, `https://www.youtube.com/watch?v=${result.externalId}`);
    const sessions = emu.requests({ method: "POST", path: "/upload/youtube/v3/videos" });
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0].headers["x-upload-content-length"], "5000");
    assert.equal(sessions[0].headers["x-upload-content-type"], "video/mp4");
    assert.equal(sessions[0].headers.authorization, `Bearer ${TOKEN.access_token}`);
    assert.equal(sessions[0].query.uploadType, "resumable");
    const puts = emu.requests({ method: "PUT", path: "/upload/youtube/v3/videos" });
    assert.deepEqual(puts.map((p) => p.body), [{ bytes: 5000 }]);
    const stored = emu.state.videos.get(result.externalId)!;
    assert.equal(stored.privacyStatus, "public");
    assert.ok(stored.snippet.tags.includes("dist-attempt-a1"));
  }));

Deno.test("youtube: a dropped PUT is resumed from the session's Range", () =>
  withYouTube(async (adapter, emu, _clock, video) => {
    emu.addFault({ mode: "5xx", count: 1, method: "PUT", path: "/upload/" });
    const result = await adapter.publish(video(), { attemptId: "a2" });
    assertOk(result);
    const puts = emu.requests({ method: "PUT", path: "/upload/youtube/v3/videos" });
    assert.equal(puts.length, 3, "failed PUT, status query, PUT again");
    assert.equal(puts[1].headers["content-range"], "bytes */5000");
    assert.equal(emu.state.videos.size, 1);
  }));

// ---------------------------------------------------------------------------------------------
// A video larger than a chunk: read from its host a byte range at a time, sent a chunk at a time.

const CHUNK = 256 * 1024;
const SIZE = 700_000;

/**
 * An adapter sending `CHUNK`-byte chunks, and the requests it makes (see recordingFetch).
 */
function chunking(
  emu: RunningEmulator<YouTubeState>,
  clock: { now: Date },
  before?: (req: SentRequest) => string | void,
) {
  const row = platformRow("youtube", {
    base_url: emu.origin,
    timeout_ms: 500,
    upload_chunk_bytes: CHUNK,
  });
  const recorded = recordingFetch(before);
  const adapter = new YouTubeAdapter(row, TOKEN, { now: () => clock.now, fetch: recorded.fetch });
  return { adapter, mediaGets: recorded.mediaGets, puts: recorded.puts };
}

const fileSha256 = async (size: number) =>
  Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", mediaBytes(0, size))),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");

const THREE_CHUNKS = [
  "bytes 0-262143/700000",
  "bytes 262144-524287/700000",
  "bytes 524288-699999/700000",
];

Deno.test("youtube: a video larger than a chunk is read a range at a time and sent in chunks", () =>
  withYouTube(async (_adapter, emu, clock, video) => {
    const { adapter, mediaGets, puts } = chunking(emu, clock);
    const result = await adapter.publish(video(SIZE), { attemptId: "c1" });
    assertOk(result);
    assert.deepEqual(mediaGets(), ["bytes=0-262143", "bytes=262144-524287", "bytes=524288-699999"]);
    assert.deepEqual(puts(), THREE_CHUNKS);
    const posted = emu.requests({ method: "POST", path: "/upload/youtube/v3/videos" });
    assert.equal(posted[0].headers["x-upload-content-length"], String(SIZE));
    const stored = emu.state.videos.get(result.externalId)!;
    assert.equal(stored.sha256, await fileSha256(SIZE), "every byte arrived once, in order");
  }));

Deno.test("youtube: a failed chunk is resumed from the session's Range, from the window in memory", () =>
  withYouTube(async (_adapter, emu, clock, video) => {
    const { adapter, mediaGets, puts } = chunking(emu, clock, (req) => {
      // the second chunk's first PUT meets a 503
      if (req.contentRange === THREE_CHUNKS[1] && !puts().slice(0, -1).includes(THREE_CHUNKS[1])) {
        emu.addFault({ mode: "5xx", count: 1, method: "PUT", path: "/upload/" });
      }
    });
    const result = await adapter.publish(video(SIZE), { attemptId: "c2" });
    assertOk(result);
    assert.deepEqual(puts(), [
      THREE_CHUNKS[0],
      THREE_CHUNKS[1],
      "bytes */700000",
      THREE_CHUNKS[1],
      THREE_CHUNKS[2],
    ]);
    assert.equal(mediaGets().length, 3, "the chunk sent again was not fetched again");
    assert.equal(emu.state.videos.get(result.externalId)!.sha256, await fileSha256(SIZE));
  }));

Deno.test("youtube: a media host that ignores Range is read once, whole, and still sent in chunks", () =>
  withYouTube(async (_adapter, emu, clock, video) => {
    const { adapter, mediaGets, puts } = chunking(emu, clock);
    const whole = video(SIZE);
    const result = await adapter.publish(
      { ...whole, mediaUrls: [`${whole.mediaUrls[0]}&ranges=none`] },
      { attemptId: "c3" },
    );
    assertOk(result);
    assert.deepEqual(mediaGets(), ["bytes=0-262143"], "one request, answered with the whole file");
    assert.deepEqual(puts(), THREE_CHUNKS);
    assert.equal(emu.state.videos.get(result.externalId)!.sha256, await fileSha256(SIZE));
  }));

Deno.test("youtube: a video replaced on its host mid-upload -> transient, not applied, no video", () =>
  withYouTube(async (_adapter, emu, clock, video) => {
    const { adapter, puts } = chunking(emu, clock, (req) => {
      // after the first range, the host serves a different (longer) file under the same URL
      if (req.url.includes("/__emulator/media/") && puts().length > 0) {
        return req.url.replace(`bytes=${SIZE}`, `bytes=${SIZE + 1}`);
      }
    });
    const f = assertFailure(await adapter.publish(video(SIZE), { attemptId: "c4" }), "transient");
    assert.equal(f.outcome, "not_applied");
    assert.match(f.message, /fetching the video failed: .*changed during the upload/);
    assert.deepEqual(puts(), [THREE_CHUNKS[0]]);
    assert.equal(emu.state.videos.size, 0);
  }));

Deno.test("youtube: the video gone from its host mid-upload -> failed, not applied, no video", () =>
  withYouTube(async (_adapter, emu, clock, video) => {
    const { adapter, puts } = chunking(emu, clock, (req) => {
      if (req.url.includes("/__emulator/media/") && puts().length > 0) {
        return `${emu.origin}/__emulator/media-deleted`;
      }
    });
    const f = assertFailure(await adapter.publish(video(SIZE), { attemptId: "c5" }), "permanent");
    assert.equal(f.outcome, "not_applied", "no chunk with the last byte was sent");
    assert.match(f.message, /fetching the video failed/);
    assert.deepEqual(puts(), [THREE_CHUNKS[0]]);
    assert.equal(emu.state.videos.size, 0);
  }));

Deno.test("youtube: a video larger than the client holds, from a host ignoring Range, is streamed through in chunks", () =>
  withYouTube(async (_adapter, emu, clock, video) => {
    // a client that holds at most 300,000 bytes of an answer: the 700,000-byte file is never held
    const small = new Http1Client({ maxBodyBytes: 300_000 });
    try {
      const row = platformRow("youtube", {
        base_url: emu.origin,
        timeout_ms: 500,
        upload_chunk_bytes: CHUNK,
      });
      const adapter = new YouTubeAdapter(row, TOKEN, { now: () => clock.now, fetch: small.fetch });
      const whole = video(SIZE);
      const result = await adapter.publish(
        { ...whole, mediaUrls: [`${whole.mediaUrls[0]}&ranges=none`] },
        { attemptId: "c6" },
      );
      assertOk(result);
      assert.equal(emu.state.videos.get(result.externalId)!.sha256, await fileSha256(SIZE));
    } finally {
      small.closeIdle();
    }
  }));

Deno.test("youtube: a video over YouTube's size limit, from a host ignoring Range -> permanent, nothing opened", () =>
  withYouTube(async (_adapter, emu, clock, video) => {
    const row = platformRow("youtube", {
      base_url: emu.origin,
      upload_chunk_bytes: CHUNK,
      limits: { maxVideoBytes: 600_000 },
    });
    const adapter = new YouTubeAdapter(row, TOKEN, { now: () => clock.now });
    const whole = video(SIZE);
    for (const host of ["&ranges=none", "&ranges=none&length=none", ""]) {
      const f = assertFailure(
        await adapter.publish({ ...whole, mediaUrls: [`${whole.mediaUrls[0]}${host}`] }, {
          attemptId: "c7",
        }),
        "permanent",
      );
      assert.equal(f.outcome, "not_applied");
      assert.match(
        f.message,
        /fetching the video failed: the file is (at least )?\d+ bytes, YouTube's limit is 600000/,
        host,
      );
    }
    assert.equal(emu.requests({ method: "POST", path: "/upload/" }).length, 0);
  }));

Deno.test("youtube: schedule uploads private with publishAt and goes public when due", () =>
  withYouTube(async (adapter, emu, clock, video) => {
    const at = new Date(clock.now.getTime() + 2 * 3_600_000);
    const result = await adapter.schedule(video(), at, { attemptId: "a3" });
    assertOk(result);
    const status = (emu.requests({ method: "POST" })[0].body as { status: Record<string, unknown> })
      .status;
    assert.deepEqual(status, {
      privacyStatus: "private",
      selfDeclaredMadeForKids: false,
      publishAt: at.toISOString(),
    });
    clock.now = new Date(at.getTime() + 3_600_000);
    const metrics = await adapter.getMetrics(result.externalId);
    assertOk(metrics);
    assert.equal(emu.state.videos.get(result.externalId)?.privacyStatus, "public");
    assert.ok((metrics.metrics.video_views ?? 0) > 0);
  }));

Deno.test("youtube: update (PUT videos with categoryId) and delete, then delete again", () =>
  withYouTube(async (adapter, emu, _clock, video) => {
    const published = await adapter.publish(video(), { attemptId: "a4" });
    assertOk(published);
    assertOk(await adapter.update(published.externalId, { title: "Renamed", body: "New text" }));
    assert.equal(emu.state.videos.get(published.externalId)?.snippet.title, "Renamed");
    const deleted = await adapter.delete(published.externalId);
    assertOk(deleted);
    assert.equal(deleted.alreadyDeleted, false);
    const again = await adapter.delete(published.externalId);
    assertOk(again);
    assert.equal(again.alreadyDeleted, true);
  }));

Deno.test("youtube: findExisting finds the attempt's tag through the uploads playlist", () =>
  withYouTube(async (adapter, _emu, _clock, video) => {
    const published = await adapter.publish(video(), { attemptId: "a5" });
    assertOk(published);
    const found = await adapter.findExisting({ attemptId: "a5", content: video() });
    assertOk(found);
    assert.equal(found.found && found.externalId, published.externalId);
    assert.deepEqual(await adapter.findExisting({ attemptId: "zz", content: video() }), {
      ok: true,
      found: false,
    });
  }));

Deno.test("youtube: statistics strings become numbers; no impressions invented", () =>
  withYouTube(async (adapter, _emu, clock, video) => {
    const published = await adapter.publish(video(), { attemptId: "a6" });
    assertOk(published);
    clock.now = new Date(clock.now.getTime() + 72 * 3_600_000);
    const result = await adapter.getMetrics(published.externalId);
    assertOk(result);
    assert.equal(typeof result.metrics.video_views, "number");
    assert.equal(typeof result.metrics.likes, "number");
    assert.equal(result.metrics.impressions, undefined);
    assert.equal(typeof result.metrics.platform_metrics.favorite_count, "number");
  }));

Deno.test("youtube: failure classes", async (t) => {
  await withYouTube(async (adapter, emu, _clock, video) => {
    await t.step("5xx -> transient", async () => {
      emu.addFault({ mode: "5xx", count: 1 });
      assertFailure(await adapter.publish(video(), { attemptId: "1" }), "transient");
    });
    await t.step("quotaExceeded 403 -> rate_limited until midnight Pacific", async () => {
      emu.addFault({ mode: "rate_limit", count: 1 });
      const f = assertFailure(await adapter.publish(video(), { attemptId: "2" }), "rate_limited");
      // 2026-04-07 is in PDT (UTC-7): next midnight Pacific is 07:00Z on the 8th.
      assert.equal(f.resetAt?.toISOString(), "2026-04-08T07:00:00.000Z");
      assert.equal(f.platformCode, "quotaExceeded");
    });
    await t.step("revoked token -> auth", async () => {
      emu.addFault({ mode: "revoke_token", count: 1 });
      assertFailure(await adapter.publish(video(), { attemptId: "3" }), "auth");
    });
    await t.step("HTML 200 -> failure", async () => {
      emu.addFault({ mode: "html_200", count: 1, method: "PUT" });
      const f = assertFailure(await adapter.publish(video(), { attemptId: "4" }), "transient");
      assert.equal(f.outcome, "unknown");
    });
    await t.step("invalid metadata -> permanent with YouTube's message", async () => {
      const f = assertFailure(
        await adapter.update("nope", { title: "t", body: "b" }),
        "permanent",
      );
      assert.equal(f.platformCode, "videoNotFound");
    });
    await t.step("media URL 404 -> permanent, nothing uploaded", async () => {
      const before = emu.requests({ method: "POST" }).length;
      const f = assertFailure(
        await adapter.publish({ ...video(), mediaUrls: [`${emu.origin}/missing.mp4`] }, {
          attemptId: "5",
        }),
        "permanent",
      );
      assert.match(f.message, /fetching the video failed/);
      assert.equal(emu.requests({ method: "POST" }).length, before);
    });
  });
});

Deno.test("youtube: the emulator's daily quota answers quotaExceeded after spending it", () =>
  withYouTube(async (adapter, emu, _clock, video) => {
    assertOk(await adapter.publish(video(), { attemptId: "q1" }));
    const f = assertFailure(await adapter.publish(video(), { attemptId: "q2" }), "rate_limited");
    assert.equal(f.resetAt?.toISOString(), "2026-04-08T07:00:00.000Z");
    assert.equal(emu.state.videos.size, 1);
  }, { dailyQuota: 2000 }));

Deno.test("youtube: timeout during the byte upload -> unknown outcome; lookup finds the video", () =>
  withYouTube(async (_adapter, emu, _clock, video) => {
    // Every PUT after the session hangs: upload and resume queries all time out.
    emu.addFault({ mode: "timeout", method: "PUT", afterProcessing: true, holdMs: 5000 });
    const row = platformRow("youtube", {
      base_url: emu.origin,
      timeout_ms: 200,
      upload_timeout_ms: 200,
      limits: { uploadResumeAttempts: 1 },
    });
    const quick = new YouTubeAdapter(row, TOKEN, {});
    const f = assertFailure(await quick.publish(video(), { attemptId: "t1" }), "transient");
    assert.equal(f.outcome, "unknown");
    emu.clearFaults();
    const found = await quick.findExisting({ attemptId: "t1", content: video() });
    assertOk(found);
    assert.equal(found.found, true);
  }));

// ---------------------------------------------------------------------------------------------
// OAuth2 refresh: Google access tokens expire after an hour.

const REFRESH = {
  refresh_token: DEFAULT_YOUTUBE_GRANT.refresh_token,
  client_id: DEFAULT_YOUTUBE_GRANT.client_id,
  client_secret: DEFAULT_YOUTUBE_GRANT.client_secret,
};

/** An adapter whose token_url is the emulator's /token; `fetch` may be wrapped by the test. */
function refreshing(
  emu: RunningEmulator<YouTubeState>,
  clock: { now: Date },
  credentials: Record<string, string> = REFRESH,
  fetchHook?: (url: string, init?: RequestInit) => void,
) {
  const row = platformRow("youtube", {
    base_url: emu.origin,
    token_url: `${emu.origin}/token`,
    timeout_ms: 500,
  });
  return new YouTubeAdapter(row, credentials, {
    now: () => clock.now,
    fetch: (input, init) => {
      fetchHook?.(String(input), init);
      return fetch(input, init);
    },
  });
}

const tokenRequests = (emu: RunningEmulator<YouTubeState>) =>
  emu.requests({ method: "POST", path: "/token" });

Deno.test("youtube oauth: no access token -> one form-encoded refresh, reused by later calls", () =>
  withYouTube(async (_adapter, emu, clock, video) => {
    const adapter = refreshing(emu, clock);
    const published = await adapter.publish(video(), { attemptId: "o1" });
    assertOk(published);
    assertOk(await adapter.getMetrics(published.externalId));
    const tokens = tokenRequests(emu);
    assert.equal(tokens.length, 1, "the token lives for the adapter instance");
    assert.match(tokens[0].headers["content-type"], /^application\/x-www-form-urlencoded/);
    assert.deepEqual(tokens[0].body, { grant_type: "refresh_token", ...REFRESH });
    const issued = [...emu.state.issued.keys()];
    assert.equal(issued.length, 1);
    const session = emu.requests({ method: "POST", path: "/upload/" })[0];
    assert.equal(session.headers.authorization, `Bearer ${issued[0]}`);
  }));

Deno.test("youtube oauth: a token at its expiry is renewed before the call, with no 401", () =>
  withYouTube(async (_adapter, emu, clock, video) => {
    const adapter = refreshing(emu, clock);
    assertOk(await adapter.publish(video(), { attemptId: "o2" }));
    clock.now = new Date(clock.now.getTime() + 3_600_000 - 30_000); // 30 s before the hour is over
    emu.clearRequests();
    assertOk(await adapter.publish(video(), { attemptId: "o3" }));
    const sessions = emu.requests({ method: "POST", path: "/upload/" });
    assert.equal(sessions.length, 1, "no request with the expiring token");
    assert.equal(tokenRequests(emu).length, 1);
    const issued = [...emu.state.issued.keys()];
    assert.equal(sessions[0].headers.authorization, `Bearer ${issued[1]}`);
    assert.equal(emu.state.videos.size, 2);
  }));

Deno.test("youtube oauth: a token refused before its expiry -> 401, refresh, the call sent once more", () =>
  withYouTube(async (_adapter, emu, clock, video) => {
    const adapter = refreshing(emu, clock);
    assertOk(await adapter.publish(video(), { attemptId: "o2" }));
    expireYouTubeTokens(emu.state); // Google's side: revoked or expired early
    emu.clearRequests();
    const second = await adapter.publish(video(), { attemptId: "o3" });
    assertOk(second);
    const sessions = emu.requests({ method: "POST", path: "/upload/" });
    assert.equal(sessions.length, 2, "the 401'd session POST, then the same POST again");
    assert.notEqual(sessions[0].headers.authorization, sessions[1].headers.authorization);
    assert.equal(tokenRequests(emu).length, 1);
    assert.equal(emu.state.sessions.size, 2, "one session per publish: the 401 opened none");
    assert.equal(emu.state.videos.size, 2);
  }));

Deno.test("youtube oauth: a 401 on the upload PUT refreshes and resumes the same session", () =>
  withYouTube(async (_adapter, emu, clock, video) => {
    let expired = false;
    // The token expires between the session POST and the byte PUT.
    const adapter = refreshing(emu, clock, REFRESH, (url, init) => {
      if (!expired && init?.method === "PUT" && url.includes("upload_id=")) {
        expired = true;
        expireYouTubeTokens(emu.state);
      }
    });
    const result = await adapter.publish(video(), { attemptId: "o4" });
    assertOk(result);
    assert.equal(emu.requests({ method: "POST", path: "/upload/" }).length, 1, "no new upload");
    const puts = emu.requests({ method: "PUT", path: "/upload/" });
    assert.deepEqual(
      puts.map((p) => [p.headers["content-range"] ?? "", p.body]),
      [["", { bytes: 5000 }], ["bytes */5000", undefined], ["", { bytes: 5000 }]],
      "rejected PUT, status query with the new token, then the bytes",
    );
    assert.notEqual(puts[0].headers.authorization, puts[1].headers.authorization);
    assert.equal(tokenRequests(emu).length, 2);
    assert.equal(emu.state.videos.size, 1);
  }));

Deno.test("youtube oauth: a revoked refresh token -> auth (invalid_grant), nothing sent", () =>
  withYouTube(async (_adapter, emu, clock, video) => {
    const revoke = await fetch(`${emu.origin}/revoke?token=${REFRESH.refresh_token}`, {
      method: "POST",
    });
    assert.equal(revoke.status, 200);
    await revoke.body?.cancel();
    const adapter = refreshing(emu, clock);
    const f = assertFailure(await adapter.publish(video(), { attemptId: "o5" }), "auth");
    assert.equal(f.platformCode, "invalid_grant");
    assert.equal(f.outcome, "not_applied");
    assert.match(f.message, /refreshing the access token failed: Token has been expired/);
    assert.equal(emu.requests({ path: "/upload/" }).length, 0);
  }));

Deno.test("youtube oauth: expired token and refused refresh -> auth; a second 401 is not retried", async (t) => {
  await withYouTube(async (_adapter, emu, clock, video) => {
    await t.step("a stale access token, then the refresh refused", async () => {
      const adapter = refreshing(emu, clock, {
        ...REFRESH,
        access_token: "ya29.stale",
        client_secret: "wrong",
      });
      const f = assertFailure(
        await adapter.findExisting({ attemptId: "o6", content: video() }),
        "auth",
      );
      assert.equal(f.platformCode, "invalid_client");
      assert.deepEqual(emu.requests().map((r) => r.path), ["/youtube/v3/channels", "/token"]);
    });
    await t.step("401 again after a successful refresh -> auth, one refresh", async () => {
      emu.clearRequests();
      const adapter = refreshing(emu, clock);
      emu.addFault({ mode: "revoke_token", count: 2, path: "/upload/" });
      const f = assertFailure(await adapter.publish(video(), { attemptId: "o7" }), "auth");
      assert.equal(f.status, 401);
      assert.equal(emu.requests({ method: "POST", path: "/upload/" }).length, 2);
      assert.equal(tokenRequests(emu).length, 2, "the first token, one refresh after the 401");
    });
    await t.step("an access token without a refresh token: the 401 stands", async () => {
      emu.clearRequests();
      emu.addFault({ mode: "revoke_token", count: 1 });
      const adapter = refreshing(emu, clock, TOKEN);
      assertFailure(await adapter.getMetrics("x"), "auth");
      assert.equal(tokenRequests(emu).length, 0);
    });
  });
});
