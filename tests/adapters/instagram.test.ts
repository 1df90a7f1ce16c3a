import assert from "node:assert/strict";
import type { PlatformAdapter } from "../../supabase/functions/_shared/adapters/adapter.ts";
import {
  INSTAGRAM_ERRORS,
  InstagramAdapter,
} from "../../supabase/functions/_shared/adapters/instagram.ts";
import { classifyResponse } from "../../supabase/functions/_shared/net/classify.ts";
import type { DistributionContent } from "../../supabase/functions/_shared/adapters/types.ts";
import { instagramEmulator, type InstagramState } from "../../dev/emulators/instagram.ts";
import type { RunningEmulator } from "../../dev/emulators/framework.ts";
import { assertFailure, assertOk, platformRow } from "./helpers.ts";
import { type TestClock, type ValidationCase, validationTable, withEmulator } from "./emulated.ts";

const USER = "17841400000000001";
const TOKEN = "ig-token";
const START = "2026-03-03T15:00:00Z";
const image = (body = "A sunny morning #coffee", extra: Partial<DistributionContent> = {}) => ({
  body,
  mediaUrls: ["https://cdn.example.com/a.jpg"],
  ...extra,
});

type Emu = RunningEmulator<InstagramState>;

function adapterFor(emu: Emu, clock: TestClock | undefined, config: Record<string, unknown> = {}) {
  const row = platformRow("instagram", {
    base_url: emu.origin,
    ig_user_id: USER,
    poll_interval_ms: 10,
    poll_attempts: 50,
    timeout_ms: 500,
    ...config,
  });
  return new InstagramAdapter(row, { access_token: TOKEN }, clock ? { now: () => clock.now } : {});
}

function withInstagram(
  fn: (adapter: InstagramAdapter, emu: Emu, clock: TestClock) => Promise<void>,
  options: Parameters<typeof instagramEmulator>[0] = {},
) {
  return withEmulator(
    instagramEmulator(options),
    START,
    (emu, clock) => fn(adapterFor(emu, clock), emu, clock),
  );
}

const sent = (emu: Emu) =>
  emu.requests().map((r) => `${r.method} ${r.path.replace(/\d{10,}/g, "ID")}`);

Deno.test("instagram: image post goes through quota check, container, publish, permalink", () =>
  withInstagram(async (adapter, emu) => {
    const result = await adapter.publish(image(), { attemptId: "i-1" });
    assertOk(result);
    assert.match(result.externalUrl, /^https:\/\/www\.instagram\.com\/p\/\w+\/$/);
    assert.deepEqual(sent(emu), [
      "GET /v23.0/ID/content_publishing_limit",
      "POST /v23.0/ID/media",
      "POST /v23.0/ID/media_publish",
      "GET /v23.0/ID",
    ]);
    const create = emu.requests({ method: "POST" })[0];
    assert.equal(create.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(create.query.access_token, undefined);
    assert.deepEqual(create.body, {
      image_url: "https://cdn.example.com/a.jpg",
      caption: "A sunny morning #coffee",
    });
    assert.equal(emu.state.media.get(result.externalId)?.caption, "A sunny morning #coffee");
  }));

Deno.test("instagram: an image is published in 3 requests, its container never polled", () =>
  withInstagram(async (adapter, emu) => {
    assertOk(await adapter.publish(image("first"), { attemptId: "i-6" }));
    emu.clearRequests(); // the quota was read for the first post only
    const result = await adapter.publish(image("second"), { attemptId: "i-7" });
    assertOk(result);
    assert.deepEqual(sent(emu), [
      "POST /v23.0/ID/media",
      "POST /v23.0/ID/media_publish",
      "GET /v23.0/ID",
    ]);
    assert.equal(emu.requests()[2].query.fields, "id,permalink");
    assert.equal(emu.state.media.get(result.externalId)?.caption, "second");
  }));

Deno.test("instagram: an image not ready at media_publish is polled, then published once", () =>
  withInstagram(async (adapter, emu) => {
    emu.setClock(undefined); // real time: the image takes 60 ms to process
    const result = await adapter.publish(image("slow"), { attemptId: "i-8" });
    assertOk(result);
    const requests = sent(emu);
    const polls = requests.filter((r) => r === "GET /v23.0/ID").length - 1; // less the permalink
    assert.ok(polls >= 1, `polled ${polls} times`);
    assert.deepEqual(requests, [
      "GET /v23.0/ID/content_publishing_limit",
      "POST /v23.0/ID/media",
      "POST /v23.0/ID/media_publish",
      ...Array(polls).fill("GET /v23.0/ID"),
      "POST /v23.0/ID/media_publish",
      "GET /v23.0/ID",
    ]);
    assert.ok(
      emu.requests().slice(3, 3 + polls).every((r) => r.query.fields === "status_code,status"),
    );
    assert.equal(emu.state.media.size, 1, "exactly one post");
    assert.equal(emu.state.media.get(result.externalId)?.caption, "slow");
    const [container] = emu.state.containers.values();
    assert.equal(container.status, "PUBLISHED");
  }, { imageProcessingMs: 60 }));

Deno.test("instagram: any other media_publish refusal of an image is returned, never retried", () =>
  withInstagram(async (adapter, emu) => {
    emu.addFault({ mode: "5xx", count: 1, path: `/v23.0/${USER}/media_publish` });
    const f = assertFailure(await adapter.publish(image(), { attemptId: "i-10" }), "transient");
    assert.match(f.message, /unexpected error/);
    assert.deepEqual(sent(emu).slice(1), ["POST /v23.0/ID/media", "POST /v23.0/ID/media_publish"]);
    assert.equal(emu.state.media.size, 0);
  }));

Deno.test("instagram: an image still processing after polling fails transient, unpublished", () =>
  withInstagram(async (_adapter, emu, clock) => {
    // The emulator's clock stands still: the container never finishes.
    const adapter = adapterFor(emu, clock, { poll_attempts: 3 });
    const f = assertFailure(await adapter.publish(image(), { attemptId: "i-9" }), "transient");
    assert.match(f.message, /still IN_PROGRESS after polling/);
    assert.equal(f.outcome, "not_applied");
    assert.equal(emu.requests({ path: `/v23.0/${USER}/media_publish` }).length, 1);
    assert.equal(emu.state.media.size, 0);
  }, { imageProcessingMs: 1000 }));

Deno.test("instagram: a reel polls status_code until the video container is FINISHED", () =>
  withInstagram(async (adapter, emu) => {
    emu.setClock(undefined); // real time: processing takes 60 ms
    const result = await adapter.publish(
      image("Clip", { mediaUrls: ["https://cdn.example.com/v.mp4"] }),
      { attemptId: "i-2" },
    );
    assertOk(result);
    const create = emu.requests({ method: "POST", path: "/v23.0/" })[0];
    assert.deepEqual(create.body, {
      video_url: "https://cdn.example.com/v.mp4",
      media_type: "REELS",
      caption: "Clip",
    });
    const polls = emu.requests({ method: "GET" }).filter((r) =>
      r.query.fields === "status_code,status"
    );
    assert.ok(polls.length > 1, `polled ${polls.length} times`);
  }, { videoProcessingMs: 60 }));

Deno.test("instagram: a carousel creates children first, then the CAROUSEL parent", () =>
  withInstagram(async (adapter, emu) => {
    const urls = ["a", "b", "c"].map((n) => `https://cdn.example.com/${n}.jpg`);
    const result = await adapter.publish(image("Three", { mediaUrls: urls }), { attemptId: "i-3" });
    assertOk(result);
    const creates = emu.requests({ method: "POST" }).filter((r) => r.path.endsWith("/media"));
    assert.equal(creates.length, 4);
    const children = creates.slice(0, 3).map((r) => r.body as Record<string, string>);
    assert.ok(children.every((c) => c.is_carousel_item === "true" && c.caption === undefined));
    const parent = creates[3].body as Record<string, string>;
    assert.equal(parent.media_type, "CAROUSEL");
    assert.equal(parent.children.split(",").length, 3);
    assert.equal(parent.caption, "Three");
  }));

Deno.test("instagram: update and delete are typed unsupported and send nothing", () =>
  withInstagram(async (adapter, emu) => {
    const updated = await adapter.update("1", image());
    const deleted = await adapter.delete("1");
    assert.deepEqual([updated.ok, "unsupported" in updated && updated.unsupported], [false, true]);
    assert.equal(!updated.ok && "operation" in updated && updated.operation, "update");
    assert.equal(!deleted.ok && "operation" in deleted && deleted.operation, "delete");
    assert.equal((adapter as PlatformAdapter).schedule, undefined);
    assert.equal(emu.requests().length, 0);
  }));

Deno.test("instagram: metrics map insights and leave what Instagram does not give absent", () =>
  withInstagram(async (adapter, emu, clock) => {
    const published = await adapter.publish(image(), { attemptId: "i-4" });
    assertOk(published);
    clock.advance(3 * 3_600_000);
    const early = await adapter.getMetrics(published.externalId);
    clock.advance(48 * 3_600_000);
    const late = await adapter.getMetrics(published.externalId);
    assertOk(early);
    assertOk(late);
    const m = late.metrics;
    assert.ok((m.impressions ?? 0) > (early.metrics.impressions ?? 0));
    assert.equal(m.impressions, m.platform_metrics.views);
    assert.equal(m.saves, m.platform_metrics.saved);
    assert.equal(m.engagements, m.platform_metrics.total_interactions);
    for (const absent of ["clicks", "video_views", "followers_gained"] as const) {
      assert.equal(m[absent], undefined, absent);
    }
    const insights = emu.requests({ method: "GET" }).find((r) => r.path.endsWith("/insights"));
    assert.equal(
      insights?.query.metric,
      "views,reach,likes,comments,shares,saved,total_interactions",
    );
  }));

Deno.test("instagram: findExisting matches the caption posted at or after the attempt", () =>
  withInstagram(async (adapter, _emu, clock) => {
    const sentAt = clock.now;
    const published = await adapter.publish(image(), { attemptId: "i-5" });
    assertOk(published);
    const found = await adapter.findExisting({ attemptId: "i-5", content: image(), sentAt });
    assert.deepEqual(found, {
      ok: true,
      found: true,
      externalId: published.externalId,
      externalUrl: published.externalUrl,
    });
    const other = await adapter.findExisting({ attemptId: "x", content: image("Other"), sentAt });
    assert.deepEqual(other, { ok: true, found: false });
    const later = new Date(sentAt.getTime() + 3_600_000);
    const stale = await adapter.findExisting({ attemptId: "x", content: image(), sentAt: later });
    assert.deepEqual(stale, { ok: true, found: false });
  }));

Deno.test("instagram: the daily cap blocks before creating a container", () =>
  withInstagram(async (adapter, emu) => {
    assertOk(await adapter.publish(image("one"), { attemptId: "c1" }));
    assertOk(await adapter.publish(image("two"), { attemptId: "c2" }));
    emu.clearRequests();
    const f = assertFailure(
      await adapter.publish(image("three"), { attemptId: "c3" }),
      "rate_limited",
    );
    assert.match(f.message, /2 of 2 posts in 24 h/);
    assert.equal(f.outcome, "not_applied");
    assert.equal(emu.requests({ method: "POST" }).length, 0);
  }, { postsPer24h: 2 }));

Deno.test("instagram: the cap from settings applies when lower than the account's", () =>
  withInstagram(async (_adapter, emu, clock) => {
    const adapter = adapterFor(emu, clock, { limits: { postsPer24h: 1 } });
    assertOk(await adapter.publish(image("one"), { attemptId: "s1" }));
    assertFailure(await adapter.publish(image("two"), { attemptId: "s2" }), "rate_limited");
  }));

Deno.test("instagram: code 9 / 2207042 at media_publish is rate_limited", () =>
  withInstagram(async (_adapter, emu) => {
    emu.setClock(undefined);
    const slow = adapterFor(emu, undefined);
    const fast = adapterFor(emu, undefined);
    // The slow reel passes the quota check, then a fast image takes the last slot.
    const reel = slow.publish(image("reel", { mediaUrls: ["https://cdn.example.com/v.mp4"] }), {
      attemptId: "r",
    });
    await new Promise((r) => setTimeout(r, 80));
    assertOk(await fast.publish(image("fast"), { attemptId: "f" }));
    const f = assertFailure(await reel, "rate_limited");
    assert.equal(f.platformCode, "2207042");
    assert.ok((f.resetAt?.getTime() ?? 0) > Date.now());
  }, { postsPer24h: 1, videoProcessingMs: 400 }));

Deno.test("instagram: failure classes", async (t) => {
  await withInstagram(async (adapter, emu, clock) => {
    await t.step("5xx -> transient", async () => {
      emu.addFault({ mode: "5xx", count: 1, status: 500 });
      const f = assertFailure(await adapter.publish(image(), { attemptId: "f1" }), "transient");
      assert.match(f.message, /unexpected error/);
    });
    await t.step("throttling code 4 -> rate_limited with a reset time", async () => {
      emu.addFault({ mode: "rate_limit", count: 1 });
      const f = assertFailure(await adapter.publish(image(), { attemptId: "f2" }), "rate_limited");
      assert.equal(f.resetAt?.getTime(), clock.now.getTime() + 3_600_000);
    });
    await t.step("revoked token (190) -> auth", async () => {
      emu.addFault({ mode: "revoke_token", count: 1 });
      assertFailure(await adapter.publish(image(), { attemptId: "f3" }), "auth");
    });
    await t.step("HTML 200 -> failure", async () => {
      emu.addFault({ mode: "html_200", count: 1, method: "POST" });
      const f = assertFailure(await adapter.publish(image(), { attemptId: "f4" }), "transient");
      assert.equal(f.outcome, "unknown");
    });
    await t.step("timeout at media_publish -> unknown outcome, findExisting finds it", async () => {
      const content = image("timed out");
      emu.addFault({
        mode: "timeout",
        count: 1,
        path: `/v23.0/${USER}/media_publish`,
        afterProcessing: true,
      });
      const f = assertFailure(await adapter.publish(content, { attemptId: "f5" }), "transient");
      assert.equal(f.outcome, "unknown");
      const found = await adapter.findExisting({ attemptId: "f5", content, sentAt: clock.now });
      assertOk(found);
      assert.equal(found.found, true);
    });
    await t.step("media fetch failure 2207052 -> transient", async () => {
      const content = image("x", { mediaUrls: ["https://unreachable.example.com/a.jpg"] });
      const f = assertFailure(await adapter.publish(content, { attemptId: "f6" }), "transient");
      assert.equal(f.platformCode, "2207052");
    });
    await t.step("invalid per Instagram -> permanent with Meta's message", async () => {
      const lax = adapterFor(emu, clock, { limits: { maxCaptionChars: 5000 } });
      const f = assertFailure(
        await lax.publish(image("x".repeat(2201)), { attemptId: "f7" }),
        "permanent",
      );
      assert.equal(f.message, "(#100) The caption is too long.");
    });
    await t.step("invalid content is permanent and never sent", async () => {
      emu.clearRequests();
      assertFailure(await adapter.publish({ body: "no media" }, { attemptId: "f8" }), "permanent");
      assert.equal(emu.requests().length, 0);
    });
  });
});

Deno.test("instagram: a wrong token -> auth", () =>
  withInstagram(async (_adapter, emu) => {
    const row = platformRow("instagram", { base_url: emu.origin, ig_user_id: USER });
    const adapter = new InstagramAdapter(row, { access_token: "nope" });
    assertFailure(await adapter.publish(image(), { attemptId: "w" }), "auth");
  }));

Deno.test("instagram: validation at the limits", async (t) => {
  const adapter = new InstagramAdapter(
    platformRow("instagram", { ig_user_id: USER }),
    { access_token: TOKEN },
  );
  const tags = (n: number) => Array.from({ length: n }, (_, i) => `#t${i}`).join(" ");
  const mentions = (n: number) => Array.from({ length: n }, (_, i) => `@u${i}`).join(" ");
  const urls = (n: number) =>
    Array.from({ length: n }, (_, i) => `https://cdn.example.com/${i}.jpg`);
  const cases: ValidationCase[] = [
    ["caption 2,199", image("x".repeat(2199)), true],
    ["caption 2,200", image("x".repeat(2200)), true],
    ["caption 2,201", image("x".repeat(2201)), false, /2201 characters, Instagram allows 2200/],
    ["caption counts code points", image("😀".repeat(2200)), true],
    ["hashtags 29", image(tags(29)), true],
    ["hashtags 30", image(tags(30)), true],
    ["hashtags 31", image(tags(31)), false, /31 hashtags, Instagram allows 30/],
    [
      "hashtags given apart count",
      image(tags(30), { platformSpecific: { hashtags: ["more"] } }),
      false,
    ],
    ["mentions 19", image(mentions(19)), true],
    ["mentions 20", image(mentions(20)), true],
    ["mentions 21", image(mentions(21)), false, /21 mentions, Instagram allows 20/],
    ["an email address is no mention", image(`${mentions(20)} me@example.com`), true],
    ["no media", { body: "hi" }, false, /need an image or a video/],
    ["carousel 9", image("c", { mediaUrls: urls(9) }), true],
    ["carousel 10", image("c", { mediaUrls: urls(10) }), true],
    [
      "carousel 11",
      image("c", { mediaUrls: urls(11) }),
      false,
      /11 items, an Instagram carousel allows 10/,
    ],
    ["media not a URL", image("c", { mediaUrls: ["/local/file.jpg"] }), false, /public http/],
  ];
  await validationTable(t, adapter, cases);
  await t.step("hashtag limit is a setting (5)", () => {
    const strict = new InstagramAdapter(
      platformRow("instagram", { ig_user_id: USER, limits: { maxHashtags: 5 } }),
      { access_token: TOKEN },
    );
    assert.equal(strict.validate(image(tags(5))).valid, true);
    assert.equal(strict.validate(image(tags(6))).valid, false);
  });
});

const quotaReads = (emu: Emu) => emu.requests({ path: `/v23.0/${USER}/content_publishing_limit` });

Deno.test("instagram: one quota read per adapter instance; its own posts are counted on top", () =>
  withInstagram(async (adapter, emu, clock) => {
    assertOk(await adapter.publish(image("one"), { attemptId: "q1" }));
    assertOk(await adapter.publish(image("two"), { attemptId: "q2" }));
    clock.advance(59_000);
    assertOk(await adapter.publish(image("three"), { attemptId: "q3" }));
    assert.equal(quotaReads(emu).length, 1);
    assert.equal(emu.requests({ path: `/v23.0/${USER}/media_publish` }).length, 3);
    clock.advance(2_000); // the reading is now older than quota_cache_ms (60 s)
    assertOk(await adapter.publish(image("four"), { attemptId: "q4" }));
    assert.equal(quotaReads(emu).length, 2);
  }));

Deno.test("instagram: concurrent posts share one quota read", () =>
  withInstagram(async (adapter, emu) => {
    const posts = ["a", "b", "c", "d"].map((body) =>
      adapter.publish(image(body), { attemptId: body })
    );
    for (const result of await Promise.all(posts)) assertOk(result);
    assert.equal(quotaReads(emu).length, 1);
  }));

Deno.test("instagram: near the cap every post reads the quota, and the cap still blocks", () =>
  withInstagram(async (adapter, emu) => {
    // Cap 8, margin 5: posts 2 and 3 go on the first reading; from the 4th each post reads.
    for (let i = 1; i <= 8; i++) {
      assertOk(await adapter.publish(image(`post ${i}`), { attemptId: `n${i}` }));
    }
    assert.equal(quotaReads(emu).length, 6);
    emu.clearRequests();
    const f = assertFailure(
      await adapter.publish(image("ninth"), { attemptId: "n9" }),
      "rate_limited",
    );
    assert.match(f.message, /8 of 8 posts in 24 h/);
    assert.equal(emu.requests({ method: "POST" }).length, 0, "refused before any container");
  }, { postsPer24h: 8 }));

Deno.test("instagram: others filling the cap under a cached reading: Meta's refusal stands, the quota is read again", () =>
  withInstagram(async (adapter, emu, clock) => {
    assertOk(await adapter.publish(image("ours"), { attemptId: "o1" }));
    const other = adapterFor(emu, clock); // another worker publishing to the same account
    for (let i = 0; i < 9; i++) {
      assertOk(await other.publish(image(`theirs ${i}`), { attemptId: `t${i}` }));
    }
    const refused = assertFailure(
      await adapter.publish(image("over"), { attemptId: "o2" }),
      "rate_limited",
    );
    assert.equal(refused.platformCode, "2207042");
    emu.clearRequests();
    const f = assertFailure(
      await adapter.publish(image("again"), { attemptId: "o3" }),
      "rate_limited",
    );
    assert.match(f.message, /10 of 10 posts in 24 h/);
    assert.equal(quotaReads(emu).length, 1);
    assert.equal(emu.requests({ method: "POST" }).length, 0);
  }, { postsPer24h: 10 }));

Deno.test("instagram: media not ready at media_publish (9007 / 2207027) is transient, whenever it comes", () => {
  const body = {
    error: {
      message: "Media ID is not available",
      type: "OAuthException",
      code: 9007,
      error_subcode: 2207027,
      error_user_msg: "The media is not ready for publishing, please wait for a moment",
    },
  };
  const f = classifyResponse(INSTAGRAM_ERRORS, {
    status: 400,
    headers: new Headers({ "content-type": "application/json" }),
    body,
    text: JSON.stringify(body),
  }, { method: "POST", now: new Date(START) });
  assert.equal(f.errorClass, "transient");
  assert.equal(f.platformCode, "2207027");
});
