/** Validation tables at the boundaries (limit - 1, limit, limit + 1) for each of my platforms. */
import assert from "node:assert/strict";
import { LinkedInAdapter } from "../../supabase/functions/_shared/adapters/linkedin.ts";
import { parseTweet } from "../../supabase/functions/_shared/adapters/twitter-text.ts";
import type {
  DistributionContent,
  ValidationResult,
} from "../../supabase/functions/_shared/adapters/types.ts";
import { WordPressAdapter } from "../../supabase/functions/_shared/adapters/wordpress.ts";
import { XAdapter } from "../../supabase/functions/_shared/adapters/x.ts";
import { YouTubeAdapter } from "../../supabase/functions/_shared/adapters/youtube.ts";
import { platformRow } from "./helpers.ts";

const BASE = "http://127.0.0.1:9";
const wordpress = (limits = {}) =>
  new WordPressAdapter(platformRow("wordpress", { base_url: BASE, limits }), {
    username: "u",
    application_password: "p",
  });
const x = (limits = {}) =>
  new XAdapter(platformRow("x", { base_url: BASE, limits }), {
    app_key: "k",
    app_secret: "s",
    access_token: "t",
    access_secret: "a",
  });
const linkedin = () =>
  new LinkedInAdapter(
    platformRow("linkedin", { base_url: BASE, author_urn: "urn:li:person:abc" }),
    { access_token: "t" },
  );
const youtube = () =>
  new YouTubeAdapter(platformRow("youtube", { base_url: BASE }), { access_token: "t" });

type Row = [name: string, content: DistributionContent, errors: string[]];

function table(validate: (c: DistributionContent) => ValidationResult, rows: Row[]) {
  for (const [name, content, expected] of rows) {
    const result = validate(content);
    assert.deepEqual(
      result.errors.map((e) => `${e.field}: ${e.message}`),
      expected,
      name,
    );
    assert.equal(result.valid, expected.length === 0, name);
  }
}

Deno.test("validation: WordPress title and body >= 100 characters", () => {
  const wp = wordpress();
  table((c) => wp.validate(c), [
    ["99", { title: "T", body: "a".repeat(99) }, [
      "body: 99 characters, WordPress requires at least 100",
    ]],
    ["100", { title: "T", body: "a".repeat(100) }, []],
    ["101", { title: "T", body: "a".repeat(101) }, []],
    ["emoji count as characters", { title: "T", body: "😀".repeat(99) }, [
      "body: 99 characters, WordPress requires at least 100",
    ]],
    ["no title", { body: "a".repeat(100) }, ["title: WordPress posts need a title"]],
    ["bad extras", { title: "T", body: "a".repeat(100), platformSpecific: { category_ids: "x" } }, [
      "platformSpecific.category_ids: Invalid input: expected array, received string",
    ]],
  ]);
});

Deno.test("validation: limits are overridable per platform row", () => {
  const wp = wordpress({ minBodyChars: 10 });
  assert.equal(wp.validate({ title: "T", body: "a".repeat(10) }).valid, true);
  assert.throws(() => wordpress({ minBodyChars: "ten" }));
  const strict = x({ maxWeightedLength: 10 });
  assert.deepEqual(strict.validate({ body: "a".repeat(11) }).errors, [
    { field: "body", message: "11 weighted characters, X allows 10" },
  ]);
});

Deno.test("validation: X weighted length at 279/280/281 and media rules", () => {
  const adapter = x();
  table((c) => adapter.validate(c), [
    ["279", { body: "a".repeat(279) }, []],
    ["280", { body: "a".repeat(280) }, []],
    ["281", { body: "a".repeat(281) }, ["body: 281 weighted characters, X allows 280"]],
    ["CJK 140", { body: "漢".repeat(140) }, []],
    ["CJK 141", { body: "漢".repeat(141) }, ["body: 282 weighted characters, X allows 280"]],
    ["4 images", { body: "hi", mediaUrls: ["a.jpg", "b.png", "c.webp", "d.jpeg"] }, []],
    ["5 images", { body: "hi", mediaUrls: ["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"] }, [
      "mediaUrls: 5 images, X allows 4",
    ]],
    ["1 gif", { body: "hi", mediaUrls: ["a.gif"] }, []],
    ["2 videos", { body: "hi", mediaUrls: ["a.mp4", "b.mov"] }, [
      "mediaUrls: 0 GIFs and 2 videos, X allows 1 GIF or 1 video",
    ]],
    ["image + video", { body: "hi", mediaUrls: ["a.jpg", "b.mp4"] }, [
      "mediaUrls: mixes images, GIFs and videos, X takes one kind per post",
    ]],
    ["unknown type", { body: "hi", mediaUrls: ["https://cdn.example/file"] }, [
      "mediaUrls[0]: unknown media type, X takes jpg, png, webp, gif, mp4 or mov",
    ]],
    ["empty", { body: " " }, ["body: empty, X needs text or media"]],
  ]);
});

Deno.test("twitter-text weighting: URLs, CJK, emoji with skin tones and ZWJ families", () => {
  const cases: [string, string, number][] = [
    ["URL with scheme = 23", "https://example.com/a/very/long/path?with=query&and=more", 23],
    ["bare domain = 23", "example.com", 23],
    ["bare domain with path = 23", "example.com/some/long/path/here", 23],
    ["short URL still 23", "http://a.co", 23],
    ["text + URL", "read https://example.com", 5 + 23],
    ["CJK = 2 each", "日本語", 6],
    ["Hangul = 2 each", "한국어", 6],
    ["emoji = 2", "😀", 2],
    ["emoji with skin tone = 2", "👍🏽", 2],
    ["ZWJ family = 2", "👨‍👩‍👧‍👦", 2],
    ["flag = 2", "🇯🇵", 2],
    ["Latin-1 = 1", "é", 1],
    ["NFC: e + combining acute = 1", "e\u0301", 1],
    ["general punctuation 8208-8223 = 1", "\u2014", 1],
  ];
  for (const [name, text, expected] of cases) {
    assert.equal(parseTweet(text).weightedLength, expected, name);
  }
  // 257 chars + a URL = 280: valid; one more char: 281.
  const adapter = x();
  assert.equal(adapter.validate({ body: `${"a".repeat(256)} https://example.com` }).valid, true);
  assert.equal(adapter.validate({ body: `${"a".repeat(257)} https://example.com` }).valid, false);
  assert.equal(adapter.validate({ body: "👨‍👩‍👧‍👦".repeat(140) }).valid, true);
  assert.equal(adapter.validate({ body: "👨‍👩‍👧‍👦".repeat(141) }).valid, false);
});

Deno.test("validation: LinkedIn 3,000 characters after escaping", () => {
  const adapter = linkedin();
  table((c) => adapter.validate(c), [
    ["2999", { body: "a".repeat(2999) }, []],
    ["3000", { body: "a".repeat(3000) }, []],
    ["3001", { body: "a".repeat(3001) }, [
      "body: 3001 characters after escaping, LinkedIn allows 3000",
    ]],
    ["escaping counts", { body: "#".repeat(1501) }, [
      "body: 3002 characters after escaping, LinkedIn allows 3000",
    ]],
    ["empty", { body: "" }, ["body: empty, LinkedIn needs commentary"]],
  ]);
});

Deno.test("validation: YouTube title 100 chars, description 5000 bytes, no < >, video", () => {
  const adapter = youtube();
  const v = (c: Partial<DistributionContent>): DistributionContent => ({
    title: "T",
    body: "d",
    mediaUrls: ["https://cdn.example/v.mp4"],
    ...c,
  });
  table((c) => adapter.validate(c), [
    ["title 99", v({ title: "a".repeat(99) }), []],
    ["title 100", v({ title: "a".repeat(100) }), []],
    ["title 101", v({ title: "a".repeat(101) }), ["title: 101 characters, YouTube allows 100"]],
    ["description 4999 bytes", v({ body: "a".repeat(4999) }), []],
    ["description 5000 bytes", v({ body: "a".repeat(5000) }), []],
    ["description 5001 bytes", v({ body: "a".repeat(5001) }), [
      "body: 5001 bytes, YouTube allows 5000 in a description",
    ]],
    ["multibyte: 1667 x 3 bytes = 5001", v({ body: "漢".repeat(1667) }), [
      "body: 5001 bytes, YouTube allows 5000 in a description",
    ]],
    ["angle brackets", v({ title: "a <b>", body: "x > y" }), [
      "title: contains < or >, YouTube rejects them",
      "body: contains < or >, YouTube rejects them",
    ]],
    ["no video", v({ mediaUrls: [] }), ["mediaUrls: a video is required (mediaUrls[0])"]],
    ["no title", v({ title: "" }), ["title: YouTube videos need a title"]],
    [
      "tags within 500 with the attempt tag",
      v({ platformSpecific: { tags: ["a".repeat(449)] } }),
      [],
    ],
    ["tags over 500 with the attempt tag", v({ platformSpecific: { tags: ["a".repeat(451)] } }), [
      "platformSpecific.tags: 501 characters with the attempt tag, YouTube allows 500",
    ]],
  ]);
});

Deno.test("validation: an invalid post is a permanent failure that is never sent", async () => {
  const result = await x().publish({ body: "a".repeat(281) }, { attemptId: "v" });
  assert.deepEqual(result, {
    ok: false,
    errorClass: "permanent",
    outcome: "not_applied",
    message: "body: 281 weighted characters, X allows 280",
  });
});
