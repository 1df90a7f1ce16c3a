import assert from "node:assert/strict";
import { XMLParser } from "fast-xml-parser";
import { PodcastAdapter } from "../../supabase/functions/_shared/adapters/podcast.ts";
import type { DistributionContent } from "../../supabase/functions/_shared/adapters/types.ts";
import {
  buildFeed,
  type Channel,
  channelSchema,
  type Episode,
  rfc2822,
} from "../../supabase/functions/_shared/podcast/feed.ts";
import { transistorEmulator, type TransistorState } from "../../dev/emulators/transistor.ts";
import type { RunningEmulator } from "../../dev/emulators/framework.ts";
import { assertFailure, assertOk, platformRow } from "./helpers.ts";
import { type TestClock, type ValidationCase, validationTable, withEmulator } from "./emulated.ts";

const KEY = "transistor-key";
const START = "2026-03-02T06:00:00Z";
const ENCLOSURE = {
  enclosure_url: "https://cdn.example.com/ep1.mp3",
  enclosure_length: 12_345_678,
  enclosure_type: "audio/mpeg",
};
const episode = (title = "Episode 1", extra: Partial<DistributionContent> = {}) => ({
  title,
  body: "What we talk about.",
  platformSpecific: { ...ENCLOSURE },
  ...extra,
});
type Emu = RunningEmulator<TransistorState>;

function hosted(emu: Emu, clock: TestClock, apiKey = KEY) {
  const row = platformRow("podcast", {
    hosting: { base_url: emu.origin, show_id: "show1" },
    timeout_ms: 500,
  });
  return new PodcastAdapter(row, { api_key: apiKey }, { now: () => clock.now });
}

function withTransistor(
  fn: (adapter: PodcastAdapter, emu: Emu, clock: TestClock) => Promise<void>,
) {
  return withEmulator(
    transistorEmulator(),
    START,
    (emu, clock) => fn(hosted(emu, clock), emu, clock),
  );
}

// --- feed-only (the system hosts the feed) -----------------------------------------------------

Deno.test("podcast (feed-only): publish makes the episode live in our feed without any call", async () => {
  const row = platformRow("podcast", { feed_url: "https://feeds.example.com/show.xml" });
  const adapter = new PodcastAdapter(row);
  const result = await adapter.publish(episode(), { attemptId: "d-1" });
  assert.deepEqual(result, {
    ok: true,
    externalId: "d-1",
    externalUrl: "https://feeds.example.com/show.xml#d-1",
  });
  assertOk(await adapter.update("d-1", episode("Renamed")));
  const deleted = await adapter.delete("d-1");
  assertOk(deleted);
  assert.deepEqual(await adapter.findExisting({ attemptId: "d-1", content: episode() }), {
    ok: true,
    found: false,
  });
  const metrics = await adapter.getMetrics("d-1");
  assert.equal(metrics.ok, false);
  assert.equal("unsupported" in metrics && metrics.unsupported, true);
});

Deno.test("podcast (feed-only): the default feed URL is this project's podcast-feed function", async () => {
  const row = platformRow("podcast", {});
  const result = await new PodcastAdapter(row).publish(episode(), { attemptId: "d-2" });
  assertOk(result);
  assert.ok(result.externalUrl.endsWith(`/functions/v1/podcast-feed/${row.id}#d-2`));
});

// --- hosted (Transistor-shaped API) ------------------------------------------------------------

Deno.test("podcast (hosted): publish creates a draft then publishes it, with x-api-key", () =>
  withTransistor(async (adapter, emu) => {
    const result = await adapter.publish(episode(), { attemptId: "h-1" });
    assertOk(result);
    assert.match(result.externalUrl, /^https:\/\/share\.transistor\.fm\/s\/\d+$/);
    const [create, publish] = emu.requests();
    assert.equal(create.method, "POST");
    assert.equal(create.path, "/v1/episodes");
    assert.equal(create.headers["x-api-key"], KEY);
    assert.deepEqual(create.body, {
      episode: {
        show_id: "show1",
        title: "Episode 1",
        summary: "What we talk about.",
        description: "What we talk about.",
        audio_url: ENCLOSURE.enclosure_url,
      },
    });
    assert.equal(publish.path, `/v1/episodes/${result.externalId}/publish`);
    assert.deepEqual(publish.body, { episode: { status: "published" } });
    assert.equal(emu.state.episodes.get(result.externalId)?.status, "published");
  }));

Deno.test("podcast (hosted): update patches, delete unpublishes, a missing episode is already gone", () =>
  withTransistor(async (adapter, emu) => {
    const published = await adapter.publish(episode(), { attemptId: "h-2" });
    assertOk(published);
    assertOk(await adapter.update(published.externalId, episode("Renamed")));
    assert.equal(emu.state.episodes.get(published.externalId)?.title, "Renamed");
    const deleted = await adapter.delete(published.externalId);
    assertOk(deleted);
    assert.equal(deleted.alreadyDeleted, false);
    assert.equal(emu.state.episodes.get(published.externalId)?.status, "draft");
    const missing = await adapter.delete("999");
    assertOk(missing);
    assert.equal(missing.alreadyDeleted, true);
  }));

Deno.test("podcast (hosted): downloads as metrics; nothing else invented", () =>
  withTransistor(async (adapter, _emu, clock) => {
    const published = await adapter.publish(episode(), { attemptId: "h-3" });
    assertOk(published);
    clock.advance(2 * 3_600_000);
    const early = await adapter.getMetrics(published.externalId);
    clock.advance(72 * 3_600_000);
    const late = await adapter.getMetrics(published.externalId);
    assertOk(early);
    assertOk(late);
    assert.ok((late.metrics.impressions ?? 0) > (early.metrics.impressions ?? 0));
    assert.equal(late.metrics.platform_metrics.downloads, late.metrics.impressions);
    for (const absent of ["reach", "likes", "clicks", "video_views"] as const) {
      assert.equal(late.metrics[absent], undefined, absent);
    }
  }));

Deno.test("podcast (hosted): findExisting finds the published episode of the attempt", () =>
  withTransistor(async (adapter, _emu, clock) => {
    const sentAt = clock.now;
    const published = await adapter.publish(episode(), { attemptId: "h-4" });
    assertOk(published);
    const found = await adapter.findExisting({ attemptId: "h-4", content: episode(), sentAt });
    assertOk(found);
    assert.equal(found.found && found.externalId, published.externalId);
    assert.deepEqual(
      await adapter.findExisting({ attemptId: "x", content: episode("Other"), sentAt }),
      { ok: true, found: false },
    );
  }));

Deno.test("podcast (hosted): 10 requests per 10 s, then 429 and a 10 s block", () =>
  withTransistor(async (adapter, emu, clock) => {
    for (let i = 0; i < 5; i++) {
      assertOk(await adapter.publish(episode(`E${i}`), { attemptId: `r${i}` }));
    }
    const f = assertFailure(
      await adapter.publish(episode("E5"), { attemptId: "r5" }),
      "rate_limited",
    );
    assert.equal(f.resetAt?.getTime(), clock.now.getTime() + 10_000);
    clock.advance(5_000);
    assertFailure(await adapter.getMetrics("100001"), "rate_limited");
    clock.advance(5_001);
    assertOk(await adapter.getMetrics("100001"));
    assert.equal(emu.requests().length, 13);
  }));

Deno.test("podcast (hosted): failure classes", async (t) => {
  await withTransistor(async (adapter, emu, clock) => {
    await t.step("5xx -> transient", async () => {
      emu.addFault({ mode: "5xx", count: 1, status: 502 });
      const f = assertFailure(await adapter.publish(episode(), { attemptId: "f1" }), "transient");
      assert.equal(f.outcome, "unknown");
    });
    await t.step("429 -> rate_limited", async () => {
      emu.addFault({ mode: "rate_limit", count: 1 });
      assertFailure(await adapter.publish(episode(), { attemptId: "f2" }), "rate_limited");
    });
    await t.step("revoked key -> auth", async () => {
      emu.addFault({ mode: "revoke_token", count: 1 });
      const f = assertFailure(await adapter.publish(episode(), { attemptId: "f3" }), "auth");
      assert.equal(f.message, "Access denied. Invalid API key.");
    });
    await t.step("HTML 200 -> failure", async () => {
      emu.addFault({ mode: "html_200", count: 1 });
      assertFailure(await adapter.publish(episode(), { attemptId: "f4" }), "transient");
    });
    await t.step("timeout -> unknown outcome", async () => {
      clock.advance(20_000);
      emu.addFault({ mode: "timeout", count: 1 });
      const f = assertFailure(await adapter.publish(episode(), { attemptId: "f5" }), "transient");
      assert.equal(f.outcome, "unknown");
    });
    await t.step("invalid per the host -> permanent with its message", async () => {
      clock.advance(20_000);
      const row = platformRow("podcast", { hosting: { base_url: emu.origin, show_id: "nope" } });
      const other = new PodcastAdapter(row, { api_key: KEY }, { now: () => clock.now });
      const f = assertFailure(await other.publish(episode(), { attemptId: "f6" }), "permanent");
      assert.equal(f.message, "Show not found");
    });
  });
});

Deno.test("podcast: validation at the limits", async (t) => {
  const adapter = new PodcastAdapter(platformRow("podcast", {}));
  const cases: ValidationCase[] = [
    ["title 254", episode("t".repeat(254)), true],
    ["title 255", episode("t".repeat(255)), true],
    [
      "title 256",
      episode("t".repeat(256)),
      false,
      /title: 256 characters, Apple Podcasts allows 255/,
    ],
    ["no title", episode(""), false, /title: an episode needs a title/],
    ["description 4,000 bytes", episode("t", { body: "é".repeat(2000) }), true],
    [
      "description 4,001 bytes",
      episode("t", { body: `x${"é".repeat(2000)}` }),
      false,
      /4001 bytes/,
    ],
    [
      "enclosure from media URL",
      episode("t", {
        mediaUrls: ["https://cdn.example.com/a.m4a"],
        platformSpecific: { enclosure_length: 1, enclosure_type: "audio/x-m4a" },
      }),
      true,
    ],
    [
      "no enclosure URL",
      episode("t", {
        platformSpecific: { enclosure_length: 1, enclosure_type: "audio/mpeg" },
      }),
      false,
      /needs an audio file URL/,
    ],
    [
      "no length",
      episode("t", {
        platformSpecific: { enclosure_url: "https://a/b.mp3", enclosure_type: "audio/mpeg" },
      }),
      false,
      /enclosure_length/,
    ],
    ["length 0", episode("t", { platformSpecific: { ...ENCLOSURE, enclosure_length: 0 } }), false],
    [
      "type not accepted",
      episode("t", { platformSpecific: { ...ENCLOSURE, enclosure_type: "audio/ogg" } }),
      false,
      /audio\/ogg is not one of/,
    ],
    [
      "video/mp4 accepted",
      episode("t", { platformSpecific: { ...ENCLOSURE, enclosure_type: "video/mp4" } }),
      true,
    ],
  ];
  await validationTable(t, adapter, cases);
  await t.step("hosting configured without an api_key", () => {
    const row = platformRow("podcast", { hosting: { show_id: "s" } });
    const result = new PodcastAdapter(row).validate(episode());
    assert.match(result.errors.map((e) => e.field).join(), /credentials\.api_key/);
  });
});

// --- the feed ----------------------------------------------------------------------------------

const CHANNEL: Channel = channelSchema({ maxDescriptionBytes: 4000, maxValueChars: 255 }).parse({
  title: "Shop & Talk",
  description: "A show about <things>.",
  image_url: "https://cdn.example.com/cover.jpg",
  language: "en-us",
  category: "Society & Culture > Documentary",
  explicit: false,
  author: "The Team",
  link: "https://example.com/podcast",
});

const EPISODES: Episode[] = [
  {
    guid: "6f1c2a4e-0000-4000-8000-000000000001",
    title: "First",
    description: "One",
    publishedAt: new Date("2026-03-02T06:00:00Z"),
    enclosure: { url: "https://cdn.example.com/1.mp3?a=1&b=2", length: 1000, type: "audio/mpeg" },
    extras: { duration: 1830, episode: 1 },
  },
  {
    guid: "6f1c2a4e-0000-4000-8000-000000000002",
    title: "Second",
    publishedAt: new Date("2026-03-09T06:00:00Z"),
    enclosure: { url: "https://cdn.example.com/2.m4a", length: 2000, type: "audio/x-m4a" },
  },
];

const parse = (xml: string) =>
  new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    parseTagValue: false,
    parseAttributeValue: false,
    isArray: (n) => n === "item",
  })
    .parse(xml);

Deno.test("podcast feed: parses as XML with every tag Apple Podcasts requires", () => {
  const xml = buildFeed(CHANNEL, EPISODES, "https://feeds.example.com/p");
  const rss = parse(xml).rss;
  assert.equal(rss["@version"], "2.0");
  assert.equal(rss["@xmlns:itunes"], "http://www.itunes.com/dtds/podcast-1.0.dtd");
  const ch = rss.channel;
  assert.equal(ch.title, "Shop & Talk");
  assert.equal(ch.description, "A show about <things>.");
  assert.equal(ch.language, "en-us");
  assert.equal(ch["itunes:image"]["@href"], "https://cdn.example.com/cover.jpg");
  assert.equal(ch["itunes:category"]["@text"], "Society & Culture");
  assert.equal(ch["itunes:category"]["itunes:category"]["@text"], "Documentary");
  assert.equal(ch["itunes:explicit"], "false");
  assert.equal(ch["atom:link"]["@href"], "https://feeds.example.com/p");
  assert.equal(ch.item.length, 2);
  const [newest, oldest] = ch.item;
  assert.equal(newest.title, "Second");
  assert.deepEqual(oldest.enclosure, {
    "@url": "https://cdn.example.com/1.mp3?a=1&b=2",
    "@length": "1000",
    "@type": "audio/mpeg",
  });
  assert.equal(oldest.guid["#text"], EPISODES[0].guid);
  assert.equal(oldest.guid["@isPermaLink"], "false");
  assert.equal(oldest["itunes:duration"], "1830");
  const RFC2822 =
    /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/;
  for (const item of ch.item) assert.match(item.pubDate, RFC2822);
  assert.equal(oldest.pubDate, "Mon, 02 Mar 2026 06:00:00 +0000");
  assert.equal(Date.parse(oldest.pubDate), EPISODES[0].publishedAt.getTime());
});

Deno.test("podcast feed: guids are stable across rebuilds and new episodes", () => {
  const guids = (xml: string) =>
    Object.fromEntries(
      parse(xml).rss.channel.item.map((i: { title: string; guid: { "#text": string } }) => [
        i.title,
        i.guid["#text"],
      ]),
    );
  const first = buildFeed(CHANNEL, EPISODES);
  assert.equal(buildFeed(CHANNEL, [...EPISODES].reverse()), first, "byte-identical rebuild");
  const third: Episode = {
    ...EPISODES[1],
    guid: "6f1c2a4e-0000-4000-8000-000000000003",
    title: "Third",
  };
  const later = guids(buildFeed(CHANNEL, [...EPISODES, third]));
  assert.deepEqual({ First: later.First, Second: later.Second }, guids(first));
});

Deno.test("podcast feed: rfc2822 pads and uses UTC", () => {
  assert.equal(rfc2822(new Date("2026-01-05T03:04:05Z")), "Mon, 05 Jan 2026 03:04:05 +0000");
  assert.equal(rfc2822(new Date("2026-12-31T23:59:59-05:00")), "Fri, 01 Jan 2027 04:59:59 +0000");
});

Deno.test("podcast feed: channel settings are validated (description bytes, language, image)", () => {
  const schema = channelSchema({ maxDescriptionBytes: 4000, maxValueChars: 255 });
  const base = { title: "t", image_url: "https://a/i.jpg", language: "en", category: "Arts" };
  assert.equal(schema.safeParse({ ...base, description: "é".repeat(2000) }).success, true);
  assert.equal(schema.safeParse({ ...base, description: `x${"é".repeat(2000)}` }).success, false);
  assert.equal(schema.safeParse({ ...base, description: "d", language: "English" }).success, false);
  const missing = schema.safeParse({ description: "d" });
  assert.deepEqual(
    missing.error?.issues.map((i) => i.path.join(".")).sort(),
    ["category", "image_url", "language", "title"],
  );
});
